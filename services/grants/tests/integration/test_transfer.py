"""Departments a rent-support case's rent model finds not covered go to the national
disposition fund as an operating-support case of their own, which the fund decides before the
rent-support case can be finally refused (seed 001)."""

from __future__ import annotations

from common.testing.documents import pdf_text

from .support import (
    API,
    apply,
    code,
    create,
    fund,
    key_figures,
    master_data,
    municipality,
    org,
    outbox,
    post,
    sql,
    to_status,
)


async def assessed_rent_support_case(grants_client, grants_db, tokens, *, calculate=True):
    """A rent-support case of o-1 (d-1, covered) and o-2 (d-3, not covered) under assessment."""
    client = await grants_client()
    await master_data(grants_db)
    app = await create(client, tokens, ("o-1", "o-2"), ("d-1", "d-3"), kind="rent_support")
    app = await to_status(client, tokens, app, "under_assessment")
    r = await client.put(
        f"{API}/rent-support/minimum-needs/2026",
        json={"amount_per_m2": "25.00", "reference": "LBF 2026-01"},
        headers=fund(tokens),
    )
    assert r.status_code == 200, r.text
    await apply(
        grants_db,
        key_figures("d-1", "o-1", rent="1000.00", comparable="800.00"),
        key_figures("d-3", "o-2", rent="820.00", comparable="800.00"),
    )
    if calculate:
        r = await client.post(
            f"{API}/applications/{app['id']}/rent-support",
            json={"year": 2025},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 200, r.text
        assert r.json()["rent_support"]["transferred_to_disposition_fund"] == ["d-3"]
    return client, app


class TestTransfer:
    async def test_transfer_decide_then_refuse(
        self, grants_client, grants_db, grants_db_url, tokens
    ):
        client, app = await assessed_rent_support_case(grants_client, grants_db, tokens)
        url = f"{API}/applications/{app['id']}"

        r = await client.post(
            f"{url}/rejection", json={"reason": "Nej"}, headers=post(fund(tokens))
        )
        assert (r.status_code, code(r)) == (409, "transfer-pending")
        assert "d-3 are not covered" in r.json()["detail"]
        assert "POST …/transfer" in r.json()["detail"]

        r = await client.post(f"{url}/transfer", headers=post(fund(tokens)))
        assert r.status_code == 201, r.text
        case = r.json()
        assert r.headers["location"] == f"/grants/v1/applications/{case['id']}"
        assert (
            case["kind"],
            case["status"],
            case["status_label"],
            case["department_ids"],
            case["organisation_ids"],
            case["lead_organisation_id"],
            case["municipality_code"],
            case["year"],
            case["origin_application_id"],
        ) == (
            "operating_support",
            "transferred",
            "Overført til landsdispositionsfonden",
            ["d-3"],
            ["o-2"],
            "o-2",
            "101",
            2026,
            app["id"],
        )
        assert case["title"] == "Driftsstøttesag (landsdispositionsfonden): " + app["title"]
        basis = case["rent_support"]
        assert [d["department_id"] for d in basis["departments"]] == ["d-3"]
        assert basis["departments"][0]["refusal_reason"].startswith(
            "Ikke omfattet af huslejestøtte: merlejen på 20.00 kr./m²/år"
        )
        assert basis["minimum_need_per_m2"] == "25.00"

        [event] = outbox(grants_db_url, "grants.application.transferred")
        assert event["subject"] == case["id"]
        assert event["data"] == {
            "application_id": case["id"],
            "organisation_id": "o-2",
            "organisation_ids": ["o-2"],
            "municipality_code": "101",
            "origin_application_id": app["id"],
            "department_ids": ["d-3"],
            "year": 2026,
            "transferred_at": event["data"]["transferred_at"],
        }

        # nothing left to transfer
        r = await client.post(f"{url}/transfer", headers=post(fund(tokens)))
        assert (r.status_code, code(r)) == (422, "rule-violation")
        assert "No department is left to transfer" in r.json()["detail"]

        # the rent-support case shows its transfer
        origin = (await client.get(url, headers=org(tokens, "o-1"))).json()
        assert origin["transfers"] == [
            {
                "application_id": case["id"],
                "department_ids": ["d-3"],
                "status": "transferred",
                "status_label": "Overført til landsdispositionsfonden",
            }
        ]

        # who sees the operating-support case: the department's owner and the municipality
        case_url = f"{API}/applications/{case['id']}"
        for headers, status in (
            (org(tokens, "o-2"), 200),
            (org(tokens, "o-1"), 404),
            (municipality(tokens, "101"), 200),
            (municipality(tokens, "147"), 404),
            (fund(tokens), 200),
        ):
            assert (await client.get(case_url, headers=headers)).status_code == status
        pdf = await client.get(f"{case_url}/pdf", headers=org(tokens, "o-2"))
        assert (pdf.status_code, pdf.content[:5]) == (200, b"%PDF-")
        text = pdf_text(pdf.content, single_spaced=True)
        assert "Driftsstøttesag i landsdispositionsfonden" in text
        assert f"Overført fra ansøgningen om huslejestøtte {app['id']}" in text
        origin_pdf = await client.get(f"{url}/pdf", headers=fund(tokens))
        origin_text = pdf_text(origin_pdf.content, single_spaced=True)
        assert "Overført til landsdispositionsfonden" in origin_text
        assert case["id"] in origin_text

        # not decided yet: still no final refusal
        r = await client.post(
            f"{url}/rejection", json={"reason": "Nej"}, headers=post(fund(tokens))
        )
        assert (r.status_code, code(r)) == (409, "transfer-pending")
        assert (
            f"has not yet decided the operating-support case(s) {case['id']}" in r.json()["detail"]
        )

        decision = {"decision": "refused", "reason": "Afdelingens økonomi kan genoprettes lokalt."}
        r = await client.post(
            f"{case_url}/operating-support-decision",
            json=decision,
            headers=post(org(tokens, "o-2")),
        )
        assert (r.status_code, code(r)) == (403, "forbidden")
        r = await client.post(
            f"{case_url}/operating-support-decision", json=decision, headers=post(fund(tokens))
        )
        assert r.status_code == 200, r.text
        decided = r.json()
        assert (decided["status"], decided["decision_reason"], decided["rejection_reason"]) == (
            "operating_support_refused",
            "Afdelingens økonomi kan genoprettes lokalt.",
            "Afdelingens økonomi kan genoprettes lokalt.",
        )
        r = await client.post(
            f"{case_url}/operating-support-decision", json=decision, headers=post(fund(tokens))
        )
        assert (r.status_code, code(r)) == (409, "transition-not-allowed")

        r = await client.post(
            f"{url}/rejection", json={"reason": "Ikke omfattet"}, headers=post(fund(tokens))
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "rejected"

        history = (await client.get(f"{url}/history", headers=fund(tokens))).json()["items"]
        assert [h["action"] for h in history][-4:] == [
            "rent_support_calculated",
            "transferred_out",
            "transfer_decided",
            "rejected",
        ]
        assert history[-3]["data"] == {
            "transfer_application_id": case["id"],
            "department_ids": ["d-3"],
        }
        case_history = (await client.get(f"{case_url}/history", headers=fund(tokens))).json()
        assert [(h["action"], h["actor"]) for h in case_history["items"]] == [
            ("transferred_in", "lbf-caseworker"),
            ("operating_support_refused", "lbf-caseworker"),
        ]

    async def test_a_granted_operating_support_case_also_allows_the_refusal(
        self, grants_client, grants_db, tokens
    ):
        client, app = await assessed_rent_support_case(grants_client, grants_db, tokens)
        case = (
            await client.post(
                f"{API}/applications/{app['id']}/transfer", headers=post(fund(tokens))
            )
        ).json()
        r = await client.post(
            f"{API}/applications/{case['id']}/operating-support-decision",
            json={"decision": "granted", "reason": "Driftsstøtte efter § 91."},
            headers=post(fund(tokens)),
        )
        assert (r.json()["status"], r.json()["status_label"]) == (
            "operating_support_granted",
            "Driftsstøtte bevilget (landsdispositionsfonden)",
        )
        assert r.json()["rejection_reason"] is None
        r = await client.post(
            f"{API}/applications/{app['id']}/rejection",
            json={"reason": "Ikke omfattet"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 200, r.text

    async def test_a_rent_support_case_is_refused_only_on_the_rent_models_basis(
        self, grants_client, grants_db, tokens
    ):
        client, app = await assessed_rent_support_case(
            grants_client, grants_db, tokens, calculate=False
        )
        url = f"{API}/applications/{app['id']}"
        r = await client.post(
            f"{url}/rejection", json={"reason": "Nej"}, headers=post(fund(tokens))
        )
        assert (r.status_code, code(r)) == (409, "transfer-pending")
        assert "calculate it first" in r.json()["detail"]
        r = await client.post(f"{url}/transfer", headers=post(fund(tokens)))
        assert (r.status_code, code(r)) == (422, "rule-violation")
        assert "Calculate the rent model first" in r.json()["detail"]

    async def test_a_social_effort_case_transfers_nothing_and_is_refused_as_before(
        self, grants_client, grants_db, tokens
    ):
        client = await grants_client()
        await master_data(grants_db)
        app = await to_status(client, tokens, await create(client, tokens), "under_assessment")
        url = f"{API}/applications/{app['id']}"
        r = await client.post(f"{url}/transfer", headers=post(fund(tokens)))
        assert (r.status_code, code(r)) == (409, "transition-not-allowed")
        assert "Only a rent-support case" in r.json()["detail"]
        r = await client.post(
            f"{url}/rejection", json={"reason": "Nej"}, headers=post(fund(tokens))
        )
        assert r.status_code == 200

    async def test_a_retried_transfer_is_applied_once(
        self, grants_client, grants_db, grants_db_url, tokens
    ):
        client, app = await assessed_rent_support_case(grants_client, grants_db, tokens)
        headers = {**fund(tokens), "Idempotency-Key": "transfer-once"}
        url = f"{API}/applications/{app['id']}/transfer"
        first = await client.post(url, headers=headers)
        again = await client.post(url, headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]
        assert sql(
            grants_db_url, "SELECT count(*) FROM applications WHERE kind = 'operating_support'"
        ) == [(1,)]
        assert len(outbox(grants_db_url, "grants.application.transferred")) == 1
