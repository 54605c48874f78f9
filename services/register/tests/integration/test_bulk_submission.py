"""Bulk submissions from ERP systems: one result per record, partial acceptance, validate-only,
held records and their confirmation, idempotent retries."""

from __future__ import annotations

from typing import Any

import pytest

from .test_records_api import (
    API,
    ORG_A,
    ORG_B,
    assert_problem,
    department,
    dwelling,
    lease,
    organisation,
    rent,
    section,
    sql,
    writer,
)

SUBMISSIONS = f"{API}/submissions"


def rec(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "record": record}


def whole_register(org_id: str = ORG_A) -> list[dict[str, Any]]:
    """A small register in reverse dependency order: the service must sort it."""
    expense = rent("6000.00", "2027-07-01", LejekontraktUnikIdentifikator="lk-1")
    first = lease(
        "lk-1", "bol-1", Boligudgifter=[rent("5875.00", BoligudgiftSlutDato="2027-06-30")]
    )
    return [
        rec("housing_expense", expense),
        rec("lease", first),
        rec("dwelling", {**dwelling("bol-1", "afd-1"), "ByggeafsnitIdentifikator": "afs-1"}),
        rec("building_section", section("afs-1", "afd-1")),
        rec("department", department("afd-1", org_id)),
        rec("organisation", organisation(org_id)),
    ]


@pytest.fixture
async def client(register_client):
    return await register_client()


class TestBulkSubmission:
    async def test_records_are_applied_in_dependency_order(self, client, tokens):
        response = await client.post(
            SUBMISSIONS, json={"records": whole_register()}, headers=writer(tokens)
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert [r["outcome"] for r in report["results"]] == ["accepted"] * 6
        assert [r["index"] for r in report["results"]] == list(range(6))
        assert (report["accepted"], report["rejected"], report["held"]) == (6, 0, 0)
        expenses = await client.get(f"{API}/leases/lk-1/expenses", headers=writer(tokens))
        assert len(expenses.json()["items"]) == 2

    async def test_valid_records_are_stored_when_others_are_rejected(self, client, tokens):
        records = [
            *whole_register(),
            rec("dwelling", dwelling("bol-2", "afd-1", Postnummer="99")),
            rec("lease", lease("lk-2", "bol-1", start="2027-01-01")),
            rec("dwelling", dwelling("bol-3", "afd-1")),
        ]
        report = (
            await client.post(SUBMISSIONS, json={"records": records}, headers=writer(tokens))
        ).json()
        outcomes = [r["outcome"] for r in report["results"]]
        assert outcomes == ["accepted"] * 6 + ["rejected", "rejected", "accepted"]
        bad_dwelling, overlapping = report["results"][6], report["results"][7]
        assert bad_dwelling["problem"]["status"] == 422
        assert bad_dwelling["problem"]["errors"] == [
            {
                "pointer": "#/records/6/record/Postnummer",
                "code": "invalid-postcode",
                "detail": "'99' is not a Danish postcode.",
            }
        ]
        assert overlapping["problem"]["errors"][0]["pointer"] == (
            "#/records/7/record/LejekontraktStartDato"
        )
        assert (
            await client.get(f"{API}/dwellings/bol-3", headers=writer(tokens))
        ).status_code == 200
        assert (
            await client.get(f"{API}/dwellings/bol-2", headers=writer(tokens))
        ).status_code == 404

    async def test_an_unreadable_record_is_rejected_alone(self, client, tokens):
        records = [
            rec("organisation", organisation(ORG_A)),
            rec("department", {**department("afd-1", ORG_A), "OpfoerelsesAar": "old"}),
        ]
        report = (
            await client.post(SUBMISSIONS, json={"records": records}, headers=writer(tokens))
        ).json()
        assert [r["outcome"] for r in report["results"]] == ["accepted", "rejected"]
        [error] = report["results"][1]["problem"]["errors"]
        assert error["pointer"] == "#/records/1/record/OpfoerelsesAar"

    async def test_a_record_of_another_organisation_is_refused_with_403(self, client, tokens):
        records = [
            rec("organisation", organisation(ORG_A)),
            rec("organisation", organisation(ORG_B)),
        ]
        report = (
            await client.post(SUBMISSIONS, json={"records": records}, headers=writer(tokens))
        ).json()
        assert [r["outcome"] for r in report["results"]] == ["accepted", "rejected"]
        assert report["results"][1]["problem"]["status"] == 403

    async def test_resubmitting_the_same_records_changes_nothing(
        self, client, tokens, register_db_url
    ):
        body = {"records": whole_register()}
        await client.post(SUBMISSIONS, json=body, headers=writer(tokens))
        again = (await client.post(SUBMISSIONS, json=body, headers=writer(tokens))).json()
        assert [r["changed"] for r in again["results"]] == [False] * 6
        assert [r["version"] for r in again["results"]] == [1] * 6
        [(versions,)] = sql(register_db_url, "SELECT count(*) FROM record_versions")
        assert versions == 7  # six records and the lease's first expense

    async def test_more_than_the_record_limit_is_refused(self, register_client, tokens):
        client = await register_client(bulk_max_records=3)
        response = await client.post(
            SUBMISSIONS, json={"records": whole_register()}, headers=writer(tokens)
        )
        problem = assert_problem(response, 422)
        assert problem["type"].endswith("too-many-records")

    async def test_an_oversized_body_is_refused_with_413(self, register_client, tokens):
        client = await register_client(max_body_bytes=4096)
        records = [rec("dwelling", dwelling(f"bol-{n}", "afd-1")) for n in range(50)]
        response = await client.post(SUBMISSIONS, json={"records": records}, headers=writer(tokens))
        assert_problem(response, 413)


class TestValidateOnly:
    @pytest.mark.parametrize(
        ("path", "params"),
        [("/submissions/validate", {}), ("/submissions", {"validate_only": "true"})],
    )
    async def test_runs_every_rule_and_stores_nothing(
        self, client, tokens, register_db_url, path, params
    ):
        records = [*whole_register(), rec("lease", lease("lk-2", "bol-1", start="2027-01-01"))]
        response = await client.post(
            f"{API}{path}", params=params, json={"records": records}, headers=writer(tokens)
        )
        report = response.json()
        assert report["validate_only"] is True
        assert [r["outcome"] for r in report["results"]] == ["accepted"] * 6 + ["rejected"]
        for table in ("organisations", "leases", "record_versions", "outbox"):
            assert sql(register_db_url, f"SELECT 1 FROM {table}") == []
        assert sql(register_db_url, "SELECT kind, accepted, rejected FROM submissions") == [
            ("validate", 6, 1)
        ]


class TestHeldRecords:
    async def _register_with_rent_jump(self, client, tokens) -> dict[str, Any]:
        records = [
            *whole_register()[2:],
            rec("lease", lease("lk-1", "bol-1", LejekontraktSlutDato="2027-05-31")),
            rec("lease", lease("lk-2", "bol-1", start="2027-06-01", monthly_rent="9000.00")),
        ]
        response = await client.post(SUBMISSIONS, json={"records": records}, headers=writer(tokens))
        return response.json()

    async def test_a_lease_with_warnings_is_held_with_them(self, client, tokens):
        report = await self._register_with_rent_jump(client, tokens)
        held = report["results"][-1]
        assert held["outcome"] == "held"
        assert held["warnings"][0]["code"] == "rent-jump-between-leases"
        assert held["warnings"][0]["pointer"] == "#/records/5/record/Boligudgifter"
        stored = await client.get(f"{API}/leases/lk-2", headers=writer(tokens))
        assert stored.json()["Status"] == "held"

    async def test_confirming_accepts_the_held_lease(self, client, tokens):
        await self._register_with_rent_jump(client, tokens)
        response = await client.post(f"{API}/leases/lk-2/confirm", headers=writer(tokens))
        assert response.json()["Status"] == "accepted"

    async def test_sending_it_again_confirmed_accepts_it(self, client, tokens):
        await self._register_with_rent_jump(client, tokens)
        confirmed = lease(
            "lk-2", "bol-1", start="2027-06-01", monthly_rent="9000.00",
            AdvarslerBekraeftetIndikator=True,
        )  # fmt: skip
        report = (
            await client.post(
                SUBMISSIONS, json={"records": [rec("lease", confirmed)]}, headers=writer(tokens)
            )
        ).json()
        assert report["results"][0]["outcome"] == "accepted"

    async def test_a_dwelling_with_warnings_is_held_until_confirmed(self, client, tokens):
        records = [
            *whole_register()[3:],
            rec("dwelling", dwelling("bol-9", "afd-1", BoligArealKvadratmeter="8.00")),
        ]
        report = (
            await client.post(SUBMISSIONS, json={"records": records}, headers=writer(tokens))
        ).json()
        assert report["results"][-1]["outcome"] == "held"
        assert report["held"] == 1
        assert (
            await client.get(f"{API}/dwellings/bol-9", headers=writer(tokens))
        ).status_code == 404
        # Kept, not lost (it was held back and had to be sent again): confirming stores it.
        held = (await client.get(f"{API}/held-dwellings", headers=writer(tokens))).json()["items"]
        assert [(d["BoligUnikIdentifikator"], d["Advarsler"][0]["code"]) for d in held] == [
            ("bol-9", "implausible-area")
        ]
        confirmed = await client.post(f"{API}/dwellings/bol-9/confirm", headers=writer(tokens))
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["BoligArealKvadratmeter"] == "8.00"

    async def test_a_held_dwelling_corrected_later_in_the_same_submission_is_not_kept(
        self, client, tokens
    ):
        """Sent held (5 m²) and then corrected in one submission, the dwelling was stored
        corrected but its held version stayed: listed as held, and confirming it would have
        overwritten the corrected area with 5 m²."""
        records = [
            *whole_register()[3:],
            rec("dwelling", dwelling("bol-9", "afd-1", BoligArealKvadratmeter="5.00")),
            rec("dwelling", dwelling("bol-9", "afd-1", BoligArealKvadratmeter="72.50")),
        ]
        report = (
            await client.post(SUBMISSIONS, json={"records": records}, headers=writer(tokens))
        ).json()
        assert [r["outcome"] for r in report["results"][-2:]] == ["held", "accepted"]
        held = (await client.get(f"{API}/held-dwellings", headers=writer(tokens))).json()
        assert held == {"items": [], "next_cursor": None}
        confirmed = await client.post(f"{API}/dwellings/bol-9/confirm", headers=writer(tokens))
        assert confirmed.status_code != 200, confirmed.text
        stored = await client.get(f"{API}/dwellings/bol-9", headers=writer(tokens))
        assert stored.json()["BoligArealKvadratmeter"] == "72.50"

    async def test_a_dwelling_stored_and_then_held_in_one_submission_keeps_the_held_version(
        self, client, tokens
    ):
        records = [
            *whole_register()[3:],
            rec("dwelling", dwelling("bol-9", "afd-1", BoligArealKvadratmeter="72.50")),
            rec("dwelling", dwelling("bol-9", "afd-1", BoligArealKvadratmeter="5.00")),
        ]
        report = (
            await client.post(SUBMISSIONS, json={"records": records}, headers=writer(tokens))
        ).json()
        assert [r["outcome"] for r in report["results"][-2:]] == ["accepted", "held"]
        held = (await client.get(f"{API}/held-dwellings", headers=writer(tokens))).json()["items"]
        assert [d["BoligUnikIdentifikator"] for d in held] == ["bol-9"]

    async def test_the_held_dwellings_are_a_paged_list(self, client, tokens):
        """``GET /held-dwellings`` was one unpaged array, however many a national run held."""
        records = [
            *whole_register()[3:],
            *(
                rec("dwelling", dwelling(f"bol-{n}", "afd-1", BoligArealKvadratmeter="5.00"))
                for n in (7, 8, 9)
            ),
        ]
        await client.post(SUBMISSIONS, json={"records": records}, headers=writer(tokens))
        first = await client.get(
            f"{API}/held-dwellings", params={"limit": 2}, headers=writer(tokens)
        )
        assert first.status_code == 200, first.text
        page = first.json()
        assert [d["BoligUnikIdentifikator"] for d in page["items"]] == ["bol-7", "bol-8"]
        second = await client.get(
            f"{API}/held-dwellings",
            params={"limit": 2, "cursor": page["next_cursor"]},
            headers=writer(tokens),
        )
        assert [d["BoligUnikIdentifikator"] for d in second.json()["items"]] == ["bol-9"]
        assert second.json()["next_cursor"] is None
        forged = await client.get(
            f"{API}/held-dwellings", params={"cursor": "bol-1"}, headers=writer(tokens)
        )
        assert forged.status_code == 400, forged.text


class TestDrafts:
    async def test_a_draft_is_stored_as_draft_and_counted_apart(self, client, tokens):
        draft = lease("lk-1", "bol-1", KladdeIndikator=True, Boligudgifter=[])
        records = [*whole_register()[2:], rec("lease", draft)]
        report = (
            await client.post(SUBMISSIONS, json={"records": records}, headers=writer(tokens))
        ).json()
        assert report["results"][-1]["outcome"] == "draft"
        assert report["draft"] == 1


class TestIdempotentRetry:
    async def test_a_retried_submission_is_applied_once(self, client, tokens, register_db_url):
        headers = {**writer(tokens), "Idempotency-Key": "erp-batch-2026-11-24-001"}
        body = {"records": whole_register()}
        first = await client.post(SUBMISSIONS, json=body, headers=headers)
        retry = await client.post(SUBMISSIONS, json=body, headers=headers)
        assert retry.status_code == first.status_code == 200
        assert retry.headers.get("idempotent-replayed") == "true"
        assert retry.json() == first.json()
        assert sql(register_db_url, "SELECT count(*) FROM submissions") == [(1,)]
        assert sql(register_db_url, "SELECT count(*) FROM record_versions") == [(7,)]
        [(events,)] = sql(register_db_url, "SELECT count(*) FROM outbox")
        assert events == 4  # organisation and department upserted, lease created, rent changed

    async def test_the_same_key_with_another_body_is_refused(self, client, tokens):
        headers = {**writer(tokens), "Idempotency-Key": "erp-batch-2"}
        await client.post(SUBMISSIONS, json={"records": whole_register()}, headers=headers)
        other = {"records": whole_register()[4:]}
        response = await client.post(SUBMISSIONS, json=other, headers=headers)
        assert_problem(response, 422)
