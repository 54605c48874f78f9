"""The ERP webservice's single-record endpoints: create, update with versions, read, list.

The helpers at the top build valid records from the OpenAPI examples; the other write-side
test modules import them.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from common.auth import Role
from common.problems import PROBLEM_MEDIA_TYPE
from common.testing.fixtures import TokenFactory
from register.api.schemas import (
    BuildingSectionIn,
    DepartmentIn,
    DwellingIn,
    LeaseIn,
    OrganisationIn,
)

API = "/register/v1"
ORG_A, ORG_B = "org-a", "org-b"
CVR_A, CVR_B = "10000009", "10000017"


def example(model: type, **changes: Any) -> dict[str, Any]:
    return {**model.model_config["json_schema_extra"]["examples"][0], **changes}


def organisation(org_id: str, **changes: Any) -> dict[str, Any]:
    changes.setdefault("CVRNummer", CVR_B if org_id == ORG_B else CVR_A)
    return example(OrganisationIn, BoligorganisationIdentifikator=org_id, **changes)


def department(dep_id: str, org_id: str, **changes: Any) -> dict[str, Any]:
    return example(
        DepartmentIn, AfdelingIdentifikator=dep_id, BoligorganisationIdentifikator=org_id, **changes
    )


def section(section_id: str, dep_id: str, **changes: Any) -> dict[str, Any]:
    return example(
        BuildingSectionIn, ByggeafsnitIdentifikator=section_id, AfdelingIdentifikator=dep_id,
        **changes,
    )  # fmt: skip


def dwelling(dwelling_id: str, dep_id: str, **changes: Any) -> dict[str, Any]:
    body = example(
        DwellingIn, BoligUnikIdentifikator=dwelling_id, AfdelingIdentifikator=dep_id, **changes
    )
    body.pop("ByggeafsnitIdentifikator")
    return body


def rent(amount: str, start: str = "2026-12-01", **changes: Any) -> dict[str, Any]:
    return {
        "BoligudgiftTypeKode": "base_rent",
        "BoligudgiftBeloeb": amount,
        "BoligudgiftStartDato": start,
        **changes,
    }


def lease(
    lease_id: str,
    dwelling_id: str,
    *,
    start: str = "2026-12-01",
    monthly_rent: str = "5875.00",
    **changes: Any,
) -> dict[str, Any]:
    changes.setdefault("Boligudgifter", [rent(monthly_rent, start)])
    return example(
        LeaseIn,
        LejekontraktUnikIdentifikator=lease_id,
        BoligUnikIdentifikator=dwelling_id,
        LejekontraktStartDato=start,
        **changes,
    )


def writer(tokens: TokenFactory, *orgs: str, role: Role = Role.HOUSING_ORG) -> dict[str, str]:
    organisation_ids = list(orgs or [ORG_A])
    subject = f"{role.value}-{'-'.join(organisation_ids)}"
    return tokens.headers(role, orgs=organisation_ids, subject=subject)


async def created(client: httpx.AsyncClient, path: str, body: dict, headers: dict) -> dict:
    response = await client.post(f"{API}/{path}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def seed_dwelling(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    org_id: str = ORG_A,
    *,
    dep_id: str = "afd-1",
    dwelling_ids: tuple[str, ...] = ("bol-1",),
    municipality: str = "101",
) -> None:
    """An organisation with a department and dwellings, reported by the organisation."""
    headers = writer(tokens, org_id)
    if (await client.get(f"{API}/organisations/{org_id}", headers=headers)).status_code == 404:
        body = organisation(org_id, HjemstedKommuneKode=municipality)
        await created(client, "organisations", body, headers)
    await created(
        client, "departments", department(dep_id, org_id, KommuneKode=municipality), headers
    )
    for dwelling_id in dwelling_ids:
        await created(client, "dwellings", dwelling(dwelling_id, dep_id), headers)


def sql(db_url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    dsn = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        cursor = connection.execute(query, params)
        return list(cursor) if cursor.description else []


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    return response.json()


def pointers(problem: dict[str, Any]) -> dict[str, str]:
    return {e["pointer"]: e["code"] for e in problem.get("errors", [])}


# --- specifications ----------------------------------------------------------------------------


@pytest.fixture
async def client(register_client) -> httpx.AsyncClient:
    return await register_client()


class TestReportOrganisation:
    async def test_creates_and_reads_back_with_danish_names_and_etag(self, client, tokens):
        body = await created(client, "organisations", organisation(ORG_A), writer(tokens))
        assert body["BoligorganisationIdentifikator"] == ORG_A
        assert body["version"] == 1
        response = await client.get(f"{API}/organisations/{ORG_A}", headers=writer(tokens))
        assert response.status_code == 200
        assert response.headers["etag"] == 'W/"1"'
        assert response.json()["CVRNummer"] == CVR_A

    async def test_rejects_an_invalid_cvr_and_an_unknown_municipality(self, client, tokens):
        body = organisation(ORG_A, CVRNummer="12345678", HjemstedKommuneKode="999")
        response = await client.post(f"{API}/organisations", json=body, headers=writer(tokens))
        problem = assert_problem(response, 422)
        assert pointers(problem) == {
            "#/CVRNummer": "invalid-cvr",
            "#/HjemstedKommuneKode": "unknown-municipality",
        }

    async def test_a_second_create_of_the_same_id_is_a_conflict(self, client, tokens):
        await created(client, "organisations", organisation(ORG_A), writer(tokens))
        response = await client.post(
            f"{API}/organisations", json=organisation(ORG_A), headers=writer(tokens)
        )
        assert_problem(response, 409)


class TestUpdateRecord:
    async def test_update_with_if_match_bumps_the_version(self, client, tokens):
        await seed_dwelling(client, tokens)
        body = department("afd-1", ORG_A, AfdelingNavn="Nyt navn")
        response = await client.put(
            f"{API}/departments/afd-1", json=body, headers={**writer(tokens), "If-Match": 'W/"1"'}
        )
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == 'W/"2"'
        assert response.json()["AfdelingNavn"] == "Nyt navn"

    async def test_version_in_the_body_works_like_if_match(self, client, tokens):
        await seed_dwelling(client, tokens)
        path = f"{API}/departments/afd-1"
        current = department("afd-1", ORG_A, AfdelingNavn="Første", version=1)
        response = await client.put(path, json=current, headers=writer(tokens))
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == 'W/"2"'

        # the same stale version, once in the body and once as If-Match: the same refusal
        stale_in_body = department("afd-1", ORG_A, AfdelingNavn="Anden", version=1)
        by_body = await client.put(path, json=stale_in_body, headers=writer(tokens))
        stale_header = {**writer(tokens), "If-Match": 'W/"1"'}
        by_header = await client.put(
            path, json=department("afd-1", ORG_A, AfdelingNavn="Anden"), headers=stale_header
        )
        refused = assert_problem(by_body, 412)
        assert assert_problem(by_header, 412)["type"] == refused["type"]

        stored = await client.get(path, headers=writer(tokens))
        assert stored.headers["etag"] == 'W/"2"'
        assert stored.json()["AfdelingNavn"] == "Første"

    async def test_a_stale_version_is_refused_with_412(self, client, tokens):
        await seed_dwelling(client, tokens)
        headers = {**writer(tokens), "If-Match": 'W/"1"'}
        first = department("afd-1", ORG_A, AfdelingNavn="Første")
        assert (
            await client.put(f"{API}/departments/afd-1", json=first, headers=headers)
        ).is_success
        second = department("afd-1", ORG_A, AfdelingNavn="Anden")
        response = await client.put(f"{API}/departments/afd-1", json=second, headers=headers)
        assert_problem(response, 412)
        current = await client.get(f"{API}/departments/afd-1", headers=writer(tokens))
        assert current.json()["AfdelingNavn"] == "Første"

    async def test_an_update_without_a_version_is_refused_with_428(self, client, tokens):
        await seed_dwelling(client, tokens)
        response = await client.put(
            f"{API}/departments/afd-1", json=department("afd-1", ORG_A), headers=writer(tokens)
        )
        problem = assert_problem(response, 428)
        assert problem["type"].endswith("precondition-required")

    async def test_the_body_must_name_the_record_in_the_path(self, client, tokens):
        await seed_dwelling(client, tokens)
        response = await client.put(
            f"{API}/departments/afd-1",
            json=department("afd-2", ORG_A, version=1),
            headers=writer(tokens),
        )
        assert pointers(assert_problem(response, 422)) == {"#/AfdelingIdentifikator": "id-mismatch"}

    async def test_an_unchanged_update_keeps_the_version(self, client, tokens):
        await seed_dwelling(client, tokens)
        body = department("afd-1", ORG_A, KommuneKode="101", version=1)
        response = await client.put(f"{API}/departments/afd-1", json=body, headers=writer(tokens))
        assert response.headers["etag"] == 'W/"1"'

    async def test_concurrent_updates_cannot_both_win(self, client, tokens, register_db_url):
        await seed_dwelling(client, tokens)
        headers = {**writer(tokens), "If-Match": 'W/"1"'}
        responses = await asyncio.gather(
            *(
                client.put(
                    f"{API}/departments/afd-1",
                    json=department("afd-1", ORG_A, AfdelingNavn=f"Navn {n}"),
                    headers=headers,
                )
                for n in range(5)
            )
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 412, 412, 412, 412]
        [(version,)] = sql(register_db_url, "SELECT version FROM departments WHERE id = 'afd-1'")
        assert version == 2


class TestRegisterLease:
    async def test_a_valid_lease_is_accepted_with_its_expenses(self, client, tokens):
        await seed_dwelling(client, tokens)
        body = await created(client, "leases", lease("lk-1", "bol-1"), writer(tokens))
        assert body["Status"] == "accepted"
        assert body["Advarsler"] == []
        expenses = await client.get(f"{API}/leases/lk-1/expenses", headers=writer(tokens))
        [expense] = expenses.json()["items"]
        assert expense["BoligudgiftBeloeb"] == "5875.00"

    async def test_rejects_both_vacancy_flags(self, client, tokens):
        await seed_dwelling(client, tokens)
        body = lease(
            "lk-1",
            "bol-1",
            LejekontraktTomgangsledigIndikator=True,
            LejekontraktLedigIndikator=True,
        )
        response = await client.post(f"{API}/leases", json=body, headers=writer(tokens))
        problem = assert_problem(response, 422)
        assert pointers(problem) == {"#/LejekontraktLedigIndikator": "both-vacancy-flags"}

    async def test_rejects_vacancy_flags_across_overlapping_leases(self, client, tokens):
        await seed_dwelling(client, tokens)
        first = lease("lk-1", "bol-1", LejekontraktSlutDato="2027-05-31",
                      LejekontraktTomgangsledigIndikator=True)  # fmt: skip
        await created(client, "leases", first, writer(tokens))
        second = lease("lk-2", "bol-1", start="2027-05-01", LejekontraktLedigIndikator=True)
        response = await client.post(f"{API}/leases", json=second, headers=writer(tokens))
        codes = set(pointers(assert_problem(response, 422)).values())
        assert codes == {"overlapping-lease", "both-vacancy-flags"}

    async def test_rejects_overlapping_lease_periods(self, client, tokens):
        await seed_dwelling(client, tokens)
        await created(client, "leases", lease("lk-1", "bol-1"), writer(tokens))
        response = await client.post(
            f"{API}/leases", json=lease("lk-2", "bol-1", start="2027-03-01"), headers=writer(tokens)
        )
        assert pointers(assert_problem(response, 422)) == {
            "#/LejekontraktStartDato": "overlapping-lease"
        }

    async def test_rejects_missing_fields_end_before_start_and_unknown_codes(self, client, tokens):
        await seed_dwelling(client, tokens)
        body = lease(
            "lk-1", "bol-1", LejekontraktSlutDato="2026-01-01", AnvisningstypeKode="lottery",
            Depositum="-1.00",
        )  # fmt: skip
        del body["EksternReference"]
        response = await client.post(f"{API}/leases", json=body, headers=writer(tokens))
        assert pointers(assert_problem(response, 422)) == {
            "#/EksternReference": "missing-field",
            "#/LejekontraktSlutDato": "end-before-start",
            "#/AnvisningstypeKode": "unknown-allocation-type",
            "#/Depositum": "negative-amount",
        }

    async def test_rejects_a_dwelling_that_does_not_exist(self, client, tokens):
        await seed_dwelling(client, tokens)
        response = await client.post(
            f"{API}/leases", json=lease("lk-1", "bol-nowhere"), headers=writer(tokens)
        )
        assert pointers(assert_problem(response, 422)) == {
            "#/BoligUnikIdentifikator": "unknown-parent"
        }

    async def test_a_lease_with_a_rent_jump_is_held_until_confirmed(self, client, tokens):
        await seed_dwelling(client, tokens)
        first = lease("lk-1", "bol-1", LejekontraktSlutDato="2027-05-31", monthly_rent="5000.00")
        await created(client, "leases", first, writer(tokens))
        second = lease("lk-2", "bol-1", start="2027-06-01", monthly_rent="7000.00")
        body = await created(client, "leases", second, writer(tokens))
        assert body["Status"] == "held"
        assert [w["code"] for w in body["Advarsler"]] == ["rent-jump-between-leases"]

        confirmed = await client.post(f"{API}/leases/lk-2/confirm", headers=writer(tokens))
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["Status"] == "accepted"
        assert confirmed.json()["Advarsler"] == []
        again = await client.post(f"{API}/leases/lk-2/confirm", headers=writer(tokens))
        assert_problem(again, 409)

    async def test_many_held_leases_are_confirmed_in_one_call_each_on_its_own(
        self, client, tokens, register_db_url
    ):
        """Issue 12, item 9: no bulk confirmation of held records. One call confirms many,
        answers per lease, and repeating it changes nothing."""
        await seed_dwelling(client, tokens, dwelling_ids=("bol-1", "bol-2", "bol-3"))
        await seed_dwelling(client, tokens, ORG_B, dep_id="afd-b", dwelling_ids=("bol-b",))
        for dwelling_id, org in (("bol-1", ORG_A), ("bol-2", ORG_A), ("bol-b", ORG_B)):
            first = lease(f"{dwelling_id}-old", dwelling_id, LejekontraktSlutDato="2027-05-31",
                          monthly_rent="5000.00")  # fmt: skip
            await created(client, "leases", first, writer(tokens, org))
            jump = lease(f"{dwelling_id}-new", dwelling_id, start="2027-06-01",
                         monthly_rent="7000.00")  # fmt: skip
            assert (await created(client, "leases", jump, writer(tokens, org)))["Status"] == "held"
        await created(client, "leases", lease("bol-3-d", "bol-3", KladdeIndikator=True),
                      writer(tokens))  # fmt: skip
        ids = ["bol-1-new", "bol-2-new", "bol-1-old", "bol-3-d", "bol-b-new", "nowhere",
               "bol-2-new"]  # fmt: skip

        response = await client.post(
            f"{API}/leases/confirmations",
            json={"LejekontraktUnikIdentifikatorer": ids},
            headers=writer(tokens),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["confirmed"], body["already_accepted"], body["refused"]) == (2, 1, 3)
        results = [
            (r["LejekontraktUnikIdentifikator"], r["Resultat"], r["version"],
             r["problem"] and (r["problem"]["status"], r["problem"]["type"]))
            for r in body["results"]
        ]  # fmt: skip
        assert results == [
            ("bol-1-new", "confirmed", 2, None),
            ("bol-2-new", "confirmed", 2, None),
            ("bol-1-old", "already_accepted", 1, None),
            ("bol-3-d", "refused", None, (409, "urn:housing:problem:not-held")),
            ("bol-b-new", "refused", None, (404, "urn:housing:problem:record-not-found")),
            ("nowhere", "refused", None, (404, "urn:housing:problem:record-not-found")),
        ]
        assert sql(register_db_url, "SELECT id, status FROM leases ORDER BY id") == [
            ("bol-1-new", "accepted"),
            ("bol-1-old", "accepted"),
            ("bol-2-new", "accepted"),
            ("bol-2-old", "accepted"),
            ("bol-3-d", "draft"),
            ("bol-b-new", "held"),
            ("bol-b-old", "accepted"),
        ]
        created_events = "SELECT key FROM outbox WHERE event_type = 'register.lease.created'"
        published = sorted(k for (k,) in sql(register_db_url, created_events))
        assert published == ["bol-1-new", "bol-1-old", "bol-2-new", "bol-2-old", "bol-b-old"]

        again = await client.post(
            f"{API}/leases/confirmations",
            json={"LejekontraktUnikIdentifikatorer": ["bol-1-new", "bol-2-new"]},
            headers=writer(tokens),
        )
        assert [(r["Resultat"], r["version"]) for r in again.json()["results"]] == [
            ("already_accepted", 2),
            ("already_accepted", 2),
        ]
        assert sorted(k for (k,) in sql(register_db_url, created_events)) == published

        empty = await client.post(
            f"{API}/leases/confirmations",
            json={"LejekontraktUnikIdentifikatorer": []},
            headers=writer(tokens),
        )
        assert_problem(empty, 422)
        for role, extra in ((Role.MUNICIPALITY, {"municipality": "101"}), (Role.FUND, {})):
            readers = await client.post(
                f"{API}/leases/confirmations",
                json={"LejekontraktUnikIdentifikatorer": ["bol-b-new"]},
                headers=tokens.headers(role, **extra),
            )
            assert_problem(readers, 403)
        assert sql(register_db_url, "SELECT status FROM leases WHERE id = 'bol-b-new'") == [
            ("held",)
        ]

    async def test_a_draft_skips_completeness_and_is_submitted_later(self, client, tokens):
        await seed_dwelling(client, tokens)
        draft = lease("lk-1", "bol-1", KladdeIndikator=True, Boligudgifter=[])
        del draft["EksternReference"]
        body = await created(client, "leases", draft, writer(tokens))
        assert body["Status"] == "draft"
        submitted = lease("lk-1", "bol-1", version=1)
        response = await client.put(f"{API}/leases/lk-1", json=submitted, headers=writer(tokens))
        assert response.status_code == 200, response.text
        assert response.json()["Status"] == "accepted"

    async def test_a_draft_needs_only_its_dwelling_and_is_completed_later(
        self, client, tokens, register_db_url
    ):
        """Issue 12, item 8: a draft without start date, allocation type, reference or rent is
        stored (it was refused for the start date and allocation type); submitting it without
        KladdeIndikator still demands every mandatory field."""
        await seed_dwelling(client, tokens)
        bare = {
            "LejekontraktUnikIdentifikator": "lk-7",
            "BoligUnikIdentifikator": "bol-1",
            "KladdeIndikator": True,
        }
        body = await created(client, "leases", bare, writer(tokens))
        assert (body["Status"], body["LejekontraktStartDato"], body["AnvisningstypeKode"]) == (
            "draft",
            None,
            None,
        )
        assert sql(register_db_url, "SELECT status, start_date, allocation_type FROM leases") == [
            ("draft", None, None)
        ]
        read = await client.get(f"{API}/leases/lk-7", headers=writer(tokens))
        assert read.json()["LejekontraktStartDato"] is None

        without_dwelling = {**bare, "LejekontraktUnikIdentifikator": "lk-8"}
        del without_dwelling["BoligUnikIdentifikator"]
        problem = assert_problem(
            await client.post(f"{API}/leases", json=without_dwelling, headers=writer(tokens)), 422
        )
        assert pointers(problem) == {"#/BoligUnikIdentifikator": "missing-field"}

        not_a_draft = {**bare, "KladdeIndikator": False, "version": 1}
        problem = assert_problem(
            await client.put(f"{API}/leases/lk-7", json=not_a_draft, headers=writer(tokens)), 422
        )
        assert set(pointers(problem)) == {
            "#/LejekontraktStartDato",
            "#/AnvisningstypeKode",
            "#/EksternReference",
        }
        done = await client.put(
            f"{API}/leases/lk-7", json=lease("lk-7", "bol-1", version=1), headers=writer(tokens)
        )
        assert done.status_code == 200, done.text
        assert done.json()["Status"] == "accepted"

    async def test_a_dwelling_with_an_implausible_area_is_held_until_confirmed(
        self, client, tokens, register_db_url
    ):
        """Issue 12, item 9: it was refused (422); now it is held like a lease — kept, not in
        the register's tables or history, no parent of leases — until its submitter confirms
        it."""
        await seed_dwelling(client, tokens, dwelling_ids=())
        big = dwelling("bol-9", "afd-1", BoligArealKvadratmeter="450.00")
        response = await client.post(f"{API}/dwellings", json=big, headers=writer(tokens))
        assert response.status_code == 202, response.text
        body = response.json()
        assert (body["BoligUnikIdentifikator"], body["Status"]) == ("bol-9", "held")
        assert [(w["pointer"], w["code"]) for w in body["Advarsler"]] == [
            ("#/BoligArealKvadratmeter", "implausible-area")
        ]
        assert (
            await client.get(f"{API}/dwellings/bol-9", headers=writer(tokens))
        ).status_code == 404
        history = "SELECT entity_id, version FROM record_versions WHERE entity_type = 'dwelling'"
        assert ("bol-9", 1) not in sql(register_db_url, history)
        held = await client.get(f"{API}/held-dwellings", headers=writer(tokens))
        assert [d["BoligUnikIdentifikator"] for d in held.json()["items"]] == ["bol-9"]
        other = await client.get(f"{API}/held-dwellings", headers=writer(tokens, ORG_B))
        assert other.json()["items"] == []
        assert_problem(
            await client.post(f"{API}/dwellings/bol-9/confirm", headers=writer(tokens, ORG_B)),
            404,
        )

        confirmed = await client.post(f"{API}/dwellings/bol-9/confirm", headers=writer(tokens))
        assert confirmed.status_code == 200, confirmed.text
        assert (confirmed.json()["BoligArealKvadratmeter"], confirmed.json()["version"]) == (
            "450.00",
            1,
        )
        assert ("bol-9", 1) in sql(register_db_url, history)
        assert sql(register_db_url, "SELECT id FROM held_dwellings") == []
        assert_problem(
            await client.post(f"{API}/dwellings/bol-9/confirm", headers=writer(tokens)), 409
        )

    async def test_sending_a_held_dwelling_again_confirmed_or_corrected_replaces_it(
        self, client, tokens, register_db_url
    ):
        await seed_dwelling(client, tokens, dwelling_ids=())
        small = dwelling("bol-9", "afd-1", BoligArealKvadratmeter="8.00")
        assert (
            await client.post(f"{API}/dwellings", json=small, headers=writer(tokens))
        ).status_code == 202
        corrected = dwelling("bol-9", "afd-1", BoligArealKvadratmeter="80.00")
        await created(client, "dwellings", corrected, writer(tokens))
        assert sql(register_db_url, "SELECT id FROM held_dwellings") == []
        # An update to an implausible area is held too; the stored version stays as it was.
        bigger = {**corrected, "BoligArealKvadratmeter": "400.00", "version": 1}
        held = await client.put(f"{API}/dwellings/bol-9", json=bigger, headers=writer(tokens))
        assert held.status_code == 202, held.text
        stored = await client.get(f"{API}/dwellings/bol-9", headers=writer(tokens))
        assert stored.json()["BoligArealKvadratmeter"] == "80.00"
        confirmed = await client.post(f"{API}/dwellings/bol-9/confirm", headers=writer(tokens))
        assert (confirmed.json()["BoligArealKvadratmeter"], confirmed.json()["version"]) == (
            "400.00",
            2,
        )

    async def test_many_held_dwellings_are_confirmed_in_one_call(
        self, client, tokens, register_db_url
    ):
        await seed_dwelling(client, tokens, dwelling_ids=("bol-1",))
        for dwelling_id in ("bol-7", "bol-8"):
            body = dwelling(dwelling_id, "afd-1", BoligArealKvadratmeter="5.00")
            response = await client.post(f"{API}/dwellings", json=body, headers=writer(tokens))
            assert response.status_code == 202
        ids = ["bol-7", "bol-1", "nowhere", "bol-8", "bol-7"]
        response = await client.post(
            f"{API}/dwellings/confirmations",
            json={"BoligUnikIdentifikatorer": ids},
            headers=writer(tokens),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["confirmed"], body["already_accepted"], body["refused"]) == (2, 1, 1)
        assert [
            (r["BoligUnikIdentifikator"], r["Resultat"], r["version"]) for r in body["results"]
        ] == [
            ("bol-7", "confirmed", 1),
            ("bol-1", "already_accepted", 1),
            ("nowhere", "refused", None),
            ("bol-8", "confirmed", 1),
        ]
        assert body["results"][2]["problem"]["status"] == 404
        assert sql(register_db_url, "SELECT id FROM dwellings ORDER BY id") == [
            ("bol-1",),
            ("bol-7",),
            ("bol-8",),
        ]
        again = await client.post(
            f"{API}/dwellings/confirmations",
            json={"BoligUnikIdentifikatorer": ["bol-7", "bol-8"]},
            headers=writer(tokens),
        )
        assert [r["Resultat"] for r in again.json()["results"]] == ["already_accepted"] * 2
        readers = await client.post(
            f"{API}/dwellings/confirmations",
            json={"BoligUnikIdentifikatorer": ["bol-7"]},
            headers=tokens.headers(Role.FUND),
        )
        assert_problem(readers, 403)


class TestLeaseContractInOpenAPI:
    async def test_the_openapi_says_what_a_lease_and_a_draft_must_carry(self, client):
        """Issue 12, item 9: EksternReference was required for a non-draft lease but the
        OpenAPI did not say so; the schema now states the rule the service applies."""
        schema = (await client.get("/register/openapi.json")).json()["components"]["schemas"][
            "LeaseIn"
        ]
        assert schema["if"] == {
            "properties": {"KladdeIndikator": {"const": True}},
            "required": ["KladdeIndikator"],
        }
        assert schema["then"] == {"required": ["BoligUnikIdentifikator"]}
        assert schema["else"] == {
            "required": [
                "BoligUnikIdentifikator",
                "LejekontraktStartDato",
                "AnvisningstypeKode",
                "EksternReference",
            ]
        }
        reference = schema["properties"]["EksternReference"]["description"]
        assert "Mandatory unless KladdeIndikator is true" in reference
        assert (
            "needs only BoligUnikIdentifikator"
            in (schema["properties"]["KladdeIndikator"]["description"])
        )


class TestHistory:
    async def test_every_accepted_state_is_appended_to_record_versions(
        self, client, tokens, register_db_url
    ):
        await seed_dwelling(client, tokens)
        await created(client, "leases", lease("lk-1", "bol-1"), writer(tokens))
        ended = lease("lk-1", "bol-1", LejekontraktSlutDato="2027-12-31", version=1)
        assert (
            await client.put(f"{API}/leases/lk-1", json=ended, headers=writer(tokens))
        ).is_success
        rows = sql(
            register_db_url,
            "SELECT version, organisation_id, data, recorded_by, submission_id IS NOT NULL"
            " FROM record_versions WHERE entity_type = 'lease' ORDER BY version",
        )
        assert [(r[0], r[1]) for r in rows] == [(1, ORG_A), (2, ORG_A)]
        assert rows[0][2]["end_date"] is None
        assert rows[1][2]["end_date"] == "2027-12-31"
        assert rows[1][2]["status"] == "accepted"
        assert rows[0][3] == "housing_org-org-a"
        assert rows[0][4]
        [(expense_data,)] = sql(
            register_db_url,
            "SELECT data FROM record_versions WHERE entity_type = 'housing_expense'",
        )
        assert expense_data["monthly_amount"] == "5875.00"
        assert expense_data["valid_from"] == "2026-12-01"

    @pytest.mark.parametrize("lines", [2, 12])  # a few (INSERTs), more than FEW_ROWS (COPY)
    async def test_a_lease_s_new_expenses_have_their_ids_in_their_history_rows(
        self, client, tokens, register_db_url, lines
    ):
        """The ids the database gives new expenses are the ones their history rows name (as
        entity_id and in the snapshot), ascending in the order they were sent; the history,
        the submission row and the event are all there, in the request's submission."""
        await seed_dwelling(client, tokens)
        months = [f"2026-{m:02d}-01" for m in range(1, 13)][:lines]
        expenses = [
            rent(f"{5000 + i}.00", start, BoligudgiftSlutDato=f"{start[:8]}28")
            for i, start in enumerate(months)
        ]
        await created(
            client,
            "leases",
            lease("lk-1", "bol-1", start=months[0], Boligudgifter=expenses),
            writer(tokens),
        )
        stored = sql(
            register_db_url,
            "SELECT id, monthly_amount FROM housing_expenses WHERE lease_id = 'lk-1' ORDER BY id",
        )
        assert [str(amount) for _, amount in stored] == [e["BoligudgiftBeloeb"] for e in expenses]
        history = sql(
            register_db_url,
            "SELECT entity_id, version, data, submission_id FROM record_versions"
            " WHERE entity_type = 'housing_expense' ORDER BY id",
        )
        assert [(h[0], h[1], h[2]["id"]) for h in history] == [
            (str(expense_id), 1, expense_id) for expense_id, _ in stored
        ]
        [(lease_submission,)] = sql(
            register_db_url,
            "SELECT submission_id FROM record_versions WHERE entity_type = 'lease'",
        )
        assert {h[3] for h in history} == {lease_submission}
        assert sql(
            register_db_url,
            "SELECT kind, accepted, held FROM submissions WHERE id = %s",
            lease_submission,
        ) == [("single", 1, 0)]
        assert sql(
            register_db_url, "SELECT key FROM outbox WHERE event_type = 'register.lease.created'"
        ) == [("lk-1",)]

    async def test_a_rejected_record_leaves_no_history(self, client, tokens, register_db_url):
        await seed_dwelling(client, tokens)
        body = lease("lk-1", "bol-1", LejekontraktSlutDato="2020-01-01")
        assert_problem(await client.post(f"{API}/leases", json=body, headers=writer(tokens)), 422)
        assert sql(register_db_url, "SELECT 1 FROM record_versions WHERE entity_type='lease'") == []

    async def test_single_writes_are_recorded_as_submissions(self, client, tokens, register_db_url):
        await seed_dwelling(client, tokens)
        rows = sql(register_db_url, "SELECT kind, accepted FROM submissions")
        assert rows == [("single", 1)] * 3


class TestListRecords:
    async def test_keyset_pagination_walks_every_record_once(self, client, tokens):
        ids = tuple(f"bol-{n:02d}" for n in range(7))
        await seed_dwelling(client, tokens, dwelling_ids=ids)
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            page = (
                await client.get(f"{API}/dwellings", params=params, headers=writer(tokens))
            ).json()
            seen += [d["BoligUnikIdentifikator"] for d in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == list(ids)

    async def test_filters_by_department_and_status(self, client, tokens):
        await seed_dwelling(client, tokens, dwelling_ids=("bol-1", "bol-2"))
        await seed_dwelling(client, tokens, dep_id="afd-2", dwelling_ids=("bol-3",))
        await created(client, "leases", lease("lk-1", "bol-1"), writer(tokens))
        draft = lease("lk-2", "bol-2", KladdeIndikator=True)
        await created(client, "leases", draft, writer(tokens))
        await created(client, "leases", lease("lk-3", "bol-3"), writer(tokens))
        by_department = await client.get(
            f"{API}/leases", params={"department": "afd-1"}, headers=writer(tokens)
        )
        assert [x["LejekontraktUnikIdentifikator"] for x in by_department.json()["items"]] == [
            "lk-1",
            "lk-2",
        ]
        drafts = await client.get(
            f"{API}/leases", params={"status": "draft"}, headers=writer(tokens)
        )
        assert [x["LejekontraktUnikIdentifikator"] for x in drafts.json()["items"]] == ["lk-2"]

    async def test_changed_since_lists_only_recent_changes(self, client, tokens, register_db_url):
        await seed_dwelling(client, tokens, dwelling_ids=("bol-1", "bol-2"))
        [(cutoff,)] = sql(register_db_url, "SELECT now()")
        changed = dwelling("bol-2", "afd-1", Vejnavn="Ny vej", version=1)
        assert (
            await client.put(f"{API}/dwellings/bol-2", json=changed, headers=writer(tokens))
        ).is_success
        response = await client.get(
            f"{API}/dwellings", params={"changed_since": cutoff.isoformat()}, headers=writer(tokens)
        )
        assert [d["BoligUnikIdentifikator"] for d in response.json()["items"]] == ["bol-2"]

    async def test_listed_records_are_the_records_read_by_id(self, client, tokens):
        """The lists' statements (``RegisterRepository._list_page``) answer the same fields and
        values as the reads by id (an accepted, a held lease with its warning, a draft one)."""
        await seed_dwelling(client, tokens, dwelling_ids=("bol-1", "bol-2"))
        first = lease("lk-1", "bol-1", LejekontraktSlutDato="2027-05-31", monthly_rent="5000.00")
        await created(client, "leases", first, writer(tokens))
        jump = lease("lk-2", "bol-1", start="2027-06-01", monthly_rent="7000.00")
        assert (await created(client, "leases", jump, writer(tokens)))["Status"] == "held"
        draft = lease("lk-3", "bol-2", KladdeIndikator=True, Boligudgifter=[])
        del draft["EksternReference"]
        await created(client, "leases", draft, writer(tokens))
        await created(client, "building-sections", section("afs-1", "afd-1"), writer(tokens))

        for collection, ids in (
            ("leases", ["lk-1", "lk-2", "lk-3"]),
            ("dwellings", ["bol-1", "bol-2"]),
            ("departments", ["afd-1"]),
            ("building-sections", ["afs-1"]),
        ):
            listed = await client.get(f"{API}/{collection}", headers=writer(tokens))
            assert listed.status_code == 200, listed.text
            by_id = [
                (await client.get(f"{API}/{collection}/{i}", headers=writer(tokens))).json()
                for i in ids
            ]
            assert listed.json() == {"items": by_id, "next_cursor": None}
        held = (await client.get(f"{API}/leases/lk-2", headers=writer(tokens))).json()
        assert (held["Status"], [w["code"] for w in held["Advarsler"]]) == (
            "held",
            ["rent-jump-between-leases"],
        )

        for outsider in (
            tokens.headers(Role.FUND),
            tokens.headers(Role.MUNICIPALITY, municipality="101"),
        ):
            items = (await client.get(f"{API}/leases", headers=outsider)).json()["items"]
            assert [(x["LejekontraktUnikIdentifikator"], x["Status"]) for x in items] == [
                ("lk-1", "accepted")
            ]
        elsewhere = tokens.headers(Role.MUNICIPALITY, municipality="147")
        assert (await client.get(f"{API}/leases", headers=elsewhere)).json()["items"] == []
        for collection in ("dwellings", "departments", "building-sections"):
            response = await client.get(f"{API}/{collection}", headers=elsewhere)
            assert response.json() == {"items": [], "next_cursor": None}

    async def test_leases_filter_by_dwelling_municipality_and_changed_since(
        self, client, tokens, register_db_url
    ):
        await seed_dwelling(client, tokens, dwelling_ids=("bol-1", "bol-2"))
        await seed_dwelling(
            client, tokens, dep_id="afd-2", dwelling_ids=("bol-3",), municipality="147"
        )
        for lease_id, dwelling_id in (("lk-1", "bol-1"), ("lk-2", "bol-2"), ("lk-3", "bol-3")):
            await created(client, "leases", lease(lease_id, dwelling_id), writer(tokens))
        [(cutoff,)] = sql(register_db_url, "SELECT now()")
        changed = lease("lk-2", "bol-2", EksternReference="ny", version=1)
        assert (
            await client.put(f"{API}/leases/lk-2", json=changed, headers=writer(tokens))
        ).is_success

        async def listed(**params: Any) -> list[str]:
            response = await client.get(f"{API}/leases", params=params, headers=writer(tokens))
            assert response.status_code == 200, response.text
            return [x["LejekontraktUnikIdentifikator"] for x in response.json()["items"]]

        assert await listed(dwelling="bol-2") == ["lk-2"]
        assert await listed(municipality="147") == ["lk-3"]
        assert await listed(municipality="101", limit=1) == ["lk-1"]
        assert await listed(changed_since=cutoff.isoformat()) == ["lk-2"]
        assert await listed(department="afd-1", status="accepted") == ["lk-1", "lk-2"]
        assert await listed(dwelling="bol-2", municipality="147") == []
        other = writer(tokens, ORG_B)
        response = await client.get(f"{API}/leases", params={"dwelling": "bol-1"}, headers=other)
        assert response.json() == {"items": [], "next_cursor": None}

    async def test_a_forged_cursor_is_a_problem_not_a_crash(self, client, tokens):
        response = await client.get(
            f"{API}/leases", params={"cursor": "not-a-cursor"}, headers=writer(tokens)
        )
        assert_problem(response, 400)

    async def test_a_well_formed_cursor_never_issued_is_refused_not_page_one(self, client, tokens):
        """Issue 12, item 4: an unsigned key (``["bol-1"]`` in base64) was read as a position."""
        await seed_dwelling(client, tokens, dwelling_ids=("bol-1", "bol-2"))
        forged = base64.urlsafe_b64encode(b'["bol-1"]').decode().rstrip("=")
        response = await client.get(
            f"{API}/dwellings", params={"cursor": forged}, headers=writer(tokens)
        )
        problem = assert_problem(response, 400)
        assert problem["type"] == "urn:housing:problem:invalid-cursor"
        assert [(e["parameter"], e["in"]) for e in problem["errors"]] == [("cursor", "query")]
        issued = (
            await client.get(f"{API}/dwellings", params={"limit": 1}, headers=writer(tokens))
        ).json()["next_cursor"]
        assert issued == forged + "." + issued.partition(".")[2]  # same key, signed
        earlier = base64.urlsafe_b64encode(b'["bol-0"]').decode().rstrip("=")
        tampered = earlier + "." + issued.partition(".")[2]
        assert (
            assert_problem(
                await client.get(
                    f"{API}/dwellings", params={"cursor": tampered}, headers=writer(tokens)
                ),
                400,
            )["errors"][0]["parameter"]
            == "cursor"
        )
        rest = await client.get(
            f"{API}/dwellings", params={"cursor": issued}, headers=writer(tokens)
        )
        assert [d["BoligUnikIdentifikator"] for d in rest.json()["items"]] == ["bol-2"]


class TestRentWarningsOnExpensesReportedApart:
    """Issue 12, item 9: rent warnings appeared only when a lease came with its expenses; an
    expense reported on its own that moves the rent now raises them and holds the lease."""

    RENT_CHANGED = "SELECT key FROM outbox WHERE event_type = 'register.lease.rent_changed'"

    async def _two_leases(self, client, tokens) -> None:
        await seed_dwelling(client, tokens)
        first = lease("lk-1", "bol-1", LejekontraktSlutDato="2027-05-31", monthly_rent="5000.00")
        await created(client, "leases", first, writer(tokens))
        second = lease("lk-2", "bol-1", start="2027-06-01", monthly_rent="5200.00")
        assert (await created(client, "leases", second, writer(tokens)))["Status"] == "accepted"

    async def test_a_surcharge_that_makes_the_rent_jump_holds_the_lease(
        self, client, tokens, register_db_url
    ):
        await self._two_leases(client, tokens)
        surcharge = rent("3000.00", "2027-06-01", BoligudgiftTypeKode="renewal_surcharge")
        response = await client.post(
            f"{API}/leases/lk-2/expenses", json=surcharge, headers=writer(tokens)
        )
        assert response.status_code == 201, response.text
        assert [(w["pointer"], w["code"]) for w in response.json()["Advarsler"]] == [
            ("#/BoligudgiftBeloeb", "rent-jump-between-leases")
        ]
        stored = (await client.get(f"{API}/leases/lk-2", headers=writer(tokens))).json()
        assert stored["Status"] == "held"
        assert [(w["pointer"], w["code"]) for w in stored["Advarsler"]] == [
            ("#/Boligudgifter", "rent-jump-between-leases")
        ]
        assert sql(register_db_url, self.RENT_CHANGED) == []  # not published while held
        confirmed = await client.post(f"{API}/leases/lk-2/confirm", headers=writer(tokens))
        assert confirmed.json()["Status"] == "accepted"

    async def test_a_plausible_later_change_is_accepted_and_published(
        self, client, tokens, register_db_url
    ):
        await self._two_leases(client, tokens)
        later = rent("100.00", "2028-01-01", BoligudgiftTypeKode="improvement_surcharge")
        response = await client.post(
            f"{API}/leases/lk-2/expenses", json=later, headers=writer(tokens)
        )
        assert response.status_code == 201, response.text
        assert response.json()["Advarsler"] == []
        stored = (await client.get(f"{API}/leases/lk-2", headers=writer(tokens))).json()
        assert stored["Status"] == "accepted"
        assert sql(register_db_url, self.RENT_CHANGED) == [("lk-2",)]

    async def test_a_confirmed_change_is_accepted_at_once(self, client, tokens, register_db_url):
        await self._two_leases(client, tokens)
        surcharge = rent(
            "3000.00",
            "2027-06-01",
            BoligudgiftTypeKode="renewal_surcharge",
            AdvarslerBekraeftetIndikator=True,
        )
        response = await client.post(
            f"{API}/leases/lk-2/expenses", json=surcharge, headers=writer(tokens)
        )
        assert response.status_code == 201, response.text
        assert [w["code"] for w in response.json()["Advarsler"]] == ["rent-jump-between-leases"]
        stored = (await client.get(f"{API}/leases/lk-2", headers=writer(tokens))).json()
        assert stored["Status"] == "accepted"
        assert sql(register_db_url, self.RENT_CHANGED) == [("lk-2",)]


class TestHousingExpenses:
    async def test_an_expense_is_created_read_and_updated_with_its_version(self, client, tokens):
        await seed_dwelling(client, tokens)
        first_rent = rent("5875.00", BoligudgiftSlutDato="2027-06-30")
        await created(
            client, "leases", lease("lk-1", "bol-1", Boligudgifter=[first_rent]), writer(tokens)
        )
        expense = await created(
            client, "leases/lk-1/expenses", rent("6010.00", "2027-07-01"), writer(tokens)
        )
        path = f"{API}/leases/lk-1/expenses/{expense['BoligudgiftIdentifikator']}"
        response = await client.get(path, headers=writer(tokens))
        assert response.headers["etag"] == 'W/"1"'
        changed = rent("6050.00", "2027-07-01")
        response = await client.put(
            path, json=changed, headers={**writer(tokens), "If-Match": 'W/"1"'}
        )
        assert response.status_code == 200, response.text
        assert response.json()["BoligudgiftBeloeb"] == "6050.00"

    @pytest.mark.parametrize("order", ["ended first", "new first"])
    async def test_a_rent_change_in_one_lease_update(self, client, tokens, order):
        """End the old base rent and add the new one in the same PUT (issue 12, item 6): the
        lease never goes without a base rent, whatever the order of the lines."""
        await seed_dwelling(client, tokens)
        await created(client, "leases", lease("lk-1", "bol-1"), writer(tokens))
        ended = rent("5875.00", "2026-12-01", BoligudgiftSlutDato="2027-06-30")
        new = rent("6010.00", "2027-07-01")
        lines = [ended, new] if order == "ended first" else [new, ended]
        response = await client.put(
            f"{API}/leases/lk-1",
            json=lease("lk-1", "bol-1", Boligudgifter=lines, version=1),
            headers=writer(tokens),
        )
        assert response.status_code == 200, response.text
        for day, expected in (("2027-06-30", "5875.00"), ("2027-07-01", "6010.00")):
            as_of = await client.get(
                f"{API}/dwellings/bol-1/as-of", params={"date": day}, headers=writer(tokens)
            )
            assert as_of.status_code == 200, as_of.text
            assert as_of.json()["Husleje"] == expected, day

    async def test_an_overlapping_expense_of_the_same_type_is_rejected(self, client, tokens):
        await seed_dwelling(client, tokens)
        await created(client, "leases", lease("lk-1", "bol-1"), writer(tokens))
        response = await client.post(
            f"{API}/leases/lk-1/expenses",
            json=rent("100.00", "2027-01-01", BoligudgiftBeloeb="-5.00"),
            headers=writer(tokens),
        )
        assert pointers(assert_problem(response, 422)) == {
            "#/BoligudgiftBeloeb": "negative-amount",
            "#/BoligudgiftStartDato": "overlapping-expense",
        }

    async def test_two_lines_of_one_type_and_start_in_one_lease_are_refused(self, client, tokens):
        """Two base rents from the same day in one lease were both accepted: the first was
        stored, overwritten by the second in the same request (a version 1 in the history that
        never was the register's) and its amount silently lost."""
        await seed_dwelling(client, tokens)
        lines = [rent("5000.00", "2026-12-01"), rent("5100.00", "2026-12-01")]
        response = await client.post(
            f"{API}/leases",
            json=lease("lk-1", "bol-1", Boligudgifter=lines),
            headers=writer(tokens),
        )
        assert pointers(assert_problem(response, 422)) == {
            "#/Boligudgifter/1/BoligudgiftStartDato": "duplicate-expense",
        }
        assert "Boligudgifter/0" in response.json()["errors"][0]["detail"]
        missing = await client.get(f"{API}/leases/lk-1", headers=writer(tokens))
        assert missing.status_code == 404

    async def test_moving_a_line_onto_another_lines_start_is_refused_with_a_pointer(
        self, client, tokens
    ):
        """A PUT giving an expense the type and start date of another line of the lease was a
        409 'already exists or reported concurrently' without a pointer: the unique index
        refused what the rules had let through."""
        await seed_dwelling(client, tokens)
        lines = [
            rent("5000.00", "2026-12-01", BoligudgiftSlutDato="2027-06-30"),
            rent("5100.00", "2027-07-01"),
        ]
        await created(client, "leases", lease("lk-1", "bol-1", Boligudgifter=lines), writer(tokens))
        listed = await client.get(f"{API}/leases/lk-1/expenses", headers=writer(tokens))
        first = listed.json()["items"][0]["BoligudgiftIdentifikator"]
        response = await client.put(
            f"{API}/leases/lk-1/expenses/{first}",
            json=rent("5200.00", "2027-07-01", version=1),
            headers=writer(tokens),
        )
        assert pointers(assert_problem(response, 422)) == {
            "#/BoligudgiftStartDato": "duplicate-expense"
        }

    async def test_an_unknown_lease_is_404(self, client, tokens):
        await seed_dwelling(client, tokens)
        response = await client.post(
            f"{API}/leases/lk-nope/expenses", json=rent("1.00"), headers=writer(tokens)
        )
        assert_problem(response, 404)
