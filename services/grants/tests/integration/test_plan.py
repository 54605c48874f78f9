"""The comprehensive plan: written while prequalified, approved by the municipal council only
when complete, then sent by the applicant."""

from __future__ import annotations

from datetime import timedelta

from common.calendar import danish_date

from .support import (
    API,
    PLAN,
    XLSX,
    code,
    complete_plan,
    create,
    master_data,
    municipality,
    org,
    pdf,
    post,
    to_status,
)


def approval() -> dict[str, str]:
    """The council's approval today: it is dated on or after the prequalification (today)."""
    return {"approved_on": danish_date().isoformat(), "reference": "KB pkt. 7"}


async def prequalified(grants_client, grants_db, tokens):
    client = await grants_client()
    await master_data(grants_db)
    app = await to_status(client, tokens, await create(client, tokens), "prequalified")
    return client, app


class TestPlan:
    async def test_an_empty_plan_lists_everything_it_lacks(self, grants_client, grants_db, tokens):
        _client, app = await prequalified(grants_client, grants_db, tokens)
        assert [p["pointer"] for p in app["plan_problems"]] == [
            "/plan/strategic_agreement/goals/education",
            "/plan/strategic_agreement/goals/employment",
            "/plan/strategic_agreement/goals/safety",
            "/plan/strategic_agreement/goals/community",
            "/plan/strategic_agreement/organisation",
            "/attachments/board_terms_of_reference",
            "/plan/partial_agreements/education_life_chances",
            "/plan/partial_agreements/employment",
            "/plan/partial_agreements/crime_prevention",
            "/plan/partial_agreements/cohesion_citizenship",
            "/plan/emergency_plan",
            "/plan/milestones",
            "/attachments/reporting_form",
        ]

    async def test_the_council_cannot_approve_an_incomplete_plan(
        self, grants_client, grants_db, tokens
    ):
        client, app = await prequalified(grants_client, grants_db, tokens)
        partial = {**PLAN, "emergency_plan": "", "milestones": []}
        r = await client.put(
            f"{API}/applications/{app['id']}/plan", json=partial, headers=org(tokens, "o-1")
        )
        assert [p["code"] for p in r.json()["plan_problems"]] == [
            "attachment-missing",
            "emergency-plan-missing",
            "milestones-missing",
            "attachment-missing",
        ]
        r = await client.post(
            f"{API}/applications/{app['id']}/plan/approval",
            json=approval(),
            headers=post(municipality(tokens)),
        )
        assert r.status_code == 422
        assert code(r) == "send-blocked"
        assert len(r.json()["errors"]) == 4

    async def test_the_council_approval_is_not_dated_before_the_prequalification(
        self, grants_client, grants_db, tokens
    ):
        """Seed 001: the plan is written once the case is prequalified, and the council approves
        that plan — an approval dated before the prequalification let the fund commit on an
        approval of a plan that did not exist yet."""
        client, app = await prequalified(grants_client, grants_db, tokens)
        await complete_plan(client, tokens, app)
        prequalified_on = danish_date().isoformat()  # the fixture prequalified it today
        day_before = (danish_date() - timedelta(days=1)).isoformat()
        r = await client.post(
            f"{API}/applications/{app['id']}/plan/approval",
            json={"approved_on": day_before, "reference": "KB pkt. 7"},
            headers=post(municipality(tokens)),
        )
        assert r.status_code == 422, r.text
        assert [(e["pointer"], e["code"]) for e in r.json()["errors"]] == [
            ("#/approved_on", "before-prequalification")
        ]
        assert prequalified_on in r.json()["detail"]
        stored = (
            await client.get(f"{API}/applications/{app['id']}", headers=org(tokens, "o-1"))
        ).json()
        assert (stored["status"], stored["plan_approved_on"]) == ("prequalified", None)
        r = await client.post(
            f"{API}/applications/{app['id']}/plan/approval",
            json={"approved_on": prequalified_on, "reference": "KB pkt. 7"},
            headers=post(municipality(tokens)),
        )
        assert r.status_code == 200, r.text

    async def test_a_complete_plan_is_approved_and_sent(self, grants_client, grants_db, tokens):
        client, app = await prequalified(grants_client, grants_db, tokens)
        await complete_plan(client, tokens, app)
        stored = (
            await client.get(f"{API}/applications/{app['id']}", headers=org(tokens, "o-1"))
        ).json()
        assert stored["plan_problems"] == []
        assert stored["plan"]["milestones"] == PLAN["milestones"]
        r = await client.post(
            f"{API}/applications/{app['id']}/plan/approval",
            json=approval(),
            headers=post(municipality(tokens)),
        )
        assert r.status_code == 200
        assert (r.json()["plan_approved_on"], r.json()["plan_approval_reference"]) == (
            danish_date().isoformat(),
            "KB pkt. 7",
        )
        r = await client.put(
            f"{API}/applications/{app['id']}/plan", json=PLAN, headers=org(tokens, "o-1")
        )
        assert r.status_code == 409  # the council approved this content
        r = await client.post(
            f"{API}/applications/{app['id']}/plan/send", headers=post(org(tokens, "o-1"))
        )
        assert r.status_code == 200
        assert r.json()["status"] == "plan_sent"

    async def test_the_plan_is_written_only_while_prequalified(
        self, grants_client, grants_db, tokens
    ):
        client = await grants_client()
        await master_data(grants_db)
        app = await create(client, tokens)
        r = await client.put(
            f"{API}/applications/{app['id']}/plan", json=PLAN, headers=org(tokens, "o-1")
        )
        assert r.status_code == 409
        assert code(r) == "application-read-only"
        r = await client.post(
            f"{API}/applications/{app['id']}/attachments",
            params={"kind": "reporting_form", "filename": "skema.xlsx"},
            content=XLSX,
            headers=post(org(tokens, "o-1")),
        )
        assert r.status_code == 409

    async def test_the_budget_may_be_revised_for_the_plan_but_not_the_title(
        self, grants_client, grants_db, tokens
    ):
        client, app = await prequalified(grants_client, grants_db, tokens)
        budget = {
            "years": 4,
            "income": [
                {"source": "lbf", "amount": "7000000.00"},
                {"source": "municipality", "amount": "3000000.00"},
            ],
            "costs": [{"category": "staff", "amount": "10000000.00"}],
        }
        r = await client.patch(
            f"{API}/applications/{app['id']}", json={"budget": budget}, headers=org(tokens, "o-1")
        )
        assert r.status_code == 200
        assert r.json()["requested_amount"] == "7000000.00"
        r = await client.patch(
            f"{API}/applications/{app['id']}", json={"title": "Ny"}, headers=org(tokens, "o-1")
        )
        assert r.status_code == 409

    async def test_a_prequalification_attachment_is_refused_after_sending(
        self, grants_client, grants_db, tokens
    ):
        client, app = await prequalified(grants_client, grants_db, tokens)
        r = await client.post(
            f"{API}/applications/{app['id']}/attachments",
            params={"kind": "other", "filename": "x.pdf"},
            content=pdf(1),
            headers=post(org(tokens, "o-1")),
        )
        assert r.status_code == 409
