"""§ 86(5) service (forkyndelse) through the API: a warning decided after the tenant's reply
lapsed must be served; the service is recorded once per party (who, when, how); the served
party's 4 weeks to appeal run from its service; the round does not make the decision final
while the service is missing, and then only after the later window."""

from __future__ import annotations

from datetime import date

from common.events.contracts import DecisionFinalV1
from common.events.envelope import Envelope

from .support import (
    API,
    LANDLORD,
    act,
    decision_body,
    file_case,
    kind,
    outbox,
    party,
    post,
    sql,
    tribunal,
)
from .test_deadlines_and_round import run_round
from .test_decision_content import BENCH, behaviour_case

SERVICE = {"side": "counterpart", "served_on": "2026-12-21", "served_by": "Stævningsmand Ib Holm",
           "method": "bailiff"}  # fmt: skip


async def warning_decided(client, tokens, clock, legal_db, databases):
    """Decided Friday 20 November 2026 after the tenant's lapsed reply: a warning, to be
    served; the decision's own window ends Friday 18 December 2026."""
    case_id = await behaviour_case(client, tokens, clock)
    for side in ("complainant", "counterpart"):
        await act(client, tribunal(tokens), case_id, "guidance",
                  {"side": side, "kind": "guidance", "note": "Vejledt"}, status=201)  # fmt: skip
    clock.today = date(2026, 11, 18)
    await run_round(legal_db, databases, tokens, clock)  # the tenant did not reply: lapsed
    clock.today = date(2026, 11, 20)
    decided = await act(client, tribunal(tokens), case_id, "decision",
                        decision_body(members=BENCH, sanction="warning"))  # fmt: skip
    assert decided["decision"]["content"]["service_required"] is True
    assert decided["decision"]["appeal_due"] == "2026-12-18"
    assert decided["service"] == {"required_for": ["counterpart"], "missing": ["counterpart"],
                                  "served": [], "final_not_before": None}  # fmt: skip
    return case_id


def audit_rows(db_url, action):
    return [d for (d,) in sql(db_url, "SELECT detail FROM case_audit WHERE action = %s "
                                      "ORDER BY id", action)]  # fmt: skip


class TestService:
    async def test_not_final_without_service_then_final_after_the_served_partys_window(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        client = await legal_client()
        case_id = await warning_decided(client, tokens, clock, legal_db, databases)
        clock.today = date(2026, 12, 19)  # the decision's window passed; nobody served
        await run_round(legal_db, databases, tokens, clock)
        case = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        assert (case["status"], case["final_on"]) == ("decided", None)
        assert outbox(legal_db_url, "legal_cases.case.decision_final") == []
        assert sql(legal_db_url, "SELECT outcome, due_on FROM case_deadlines WHERE kind = "
                   "'appeal'") == [("awaiting_service", date(2026, 12, 18))]  # fmt: skip
        assert audit_rows(legal_db_url, "finality_awaits_service") == [
            {"appeal_due": "2026-12-18"}]  # fmt: skip
        clock.today = date(2026, 12, 21)
        future = await act(client, tribunal(tokens), case_id, "service",
                           {**SERVICE, "served_on": "2026-12-22"}, status=422)  # fmt: skip
        assert kind(future) == "service-rejected"
        assert [(e["pointer"], e["code"]) for e in future["errors"]] == [
            ("/served_on", "in-future")]  # fmt: skip
        before = await act(client, tribunal(tokens), case_id, "service",
                           {**SERVICE, "served_on": "2026-11-19"}, status=422)  # fmt: skip
        assert [e["code"] for e in before["errors"]] == ["before-decision"]
        served = await act(client, tribunal(tokens), case_id, "service", SERVICE, status=201)
        assert served["service"] == {
            "required_for": ["counterpart"], "missing": [],
            "served": [{"side": "counterpart", "served_on": "2026-12-21",
                        "served_by": "Stævningsmand Ib Holm", "method": "bailiff",
                        "method_label": "Forkyndelse ved stævningsmand",
                        "appeal_due": "2027-01-18"}],
            "final_not_before": "2027-01-19",
        }  # fmt: skip
        assert [(d["kind"], d["due_on"]) for d in served["open_deadlines"]] == [
            ("appeal", "2027-01-18")]  # fmt: skip
        assert sql(legal_db_url, "SELECT side, served_on, served_by, method, recorded_by FROM "
                   "decision_services") == [("counterpart", date(2026, 12, 21),
                                             "Stævningsmand Ib Holm", "bailiff", "nævn-147")]  # fmt: skip
        assert audit_rows(legal_db_url, "decision_served") == [{
            "side": "counterpart", "served_on": "2026-12-21", "method": "bailiff",
            "served_by": "Stævningsmand Ib Holm", "appeal_due": "2027-01-18",
            "final_not_before": "2027-01-19",
        }]  # fmt: skip
        again = await act(client, tribunal(tokens), case_id, "service", SERVICE, status=409)
        assert kind(again) == "service-already-recorded"
        assert sql(legal_db_url, "SELECT count(*) FROM decision_services") == [(1,)]
        # the landlord (complainant) sees it on its case view
        landlord_view = (await client.get(f"{API}/cases/{case_id}",
                                          headers=party(tokens, LANDLORD))).json()  # fmt: skip
        assert landlord_view["service"]["served"][0]["appeal_due"] == "2027-01-18"
        clock.today = date(2027, 1, 18)  # the served tenant's last day
        await run_round(legal_db, databases, tokens, clock)
        assert sql(legal_db_url, "SELECT status FROM cases") == [("decided",)]
        clock.today = date(2027, 1, 19)
        await run_round(legal_db, databases, tokens, clock)
        assert sql(legal_db_url, "SELECT status, final_on FROM cases") == [
            ("final", date(2027, 1, 19))]  # fmt: skip
        [final] = [
            DecisionFinalV1.from_envelope(Envelope.from_structured(e))
            for e in outbox(legal_db_url, "legal_cases.case.decision_final")
        ]
        assert (final.case_id, final.decided_on, final.final_on) == (
            case_id, date(2026, 11, 20), date(2027, 1, 19))  # fmt: skip

    async def test_each_partys_appeal_is_checked_against_its_own_window(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        client = await legal_client()
        case_id = await warning_decided(client, tokens, clock, legal_db, databases)
        clock.today = date(2026, 12, 1)
        await act(
            client,
            tribunal(tokens),
            case_id,
            "service",
            {**SERVICE, "served_on": "2026-12-01", "method": "digital"},
            status=201,
        )  # fmt: skip  — the tenant's window: to Tuesday 29 December
        clock.today = date(2026, 12, 21)
        late = await act(client, tribunal(tokens), case_id, "appeal",
                         {"appellant_side": "complainant"}, status=422)  # fmt: skip
        assert kind(late) == "deadline-rule"
        assert "2026-12-18" in late["detail"]
        clock.today = date(2026, 12, 30)
        too_late = await act(client, tribunal(tokens), case_id, "appeal",
                             {"appellant_side": "counterpart"}, status=422)  # fmt: skip
        assert "2026-12-29" in too_late["detail"]
        clock.today = date(2026, 12, 29)
        appealed = await act(client, tribunal(tokens), case_id, "appeal",
                             {"appellant_side": "counterpart"})  # fmt: skip
        assert (appealed["status"], appealed["appeal"]["lodged_on"]) == ("appealed", "2026-12-29")

    async def test_an_unserved_party_may_appeal_its_window_has_not_started(
        self, legal_client, tokens, clock, legal_db, databases
    ):
        client = await legal_client()
        case_id = await warning_decided(client, tokens, clock, legal_db, databases)
        clock.today = date(2027, 2, 1)
        appealed = await act(client, tribunal(tokens), case_id, "appeal",
                             {"appellant_side": "counterpart"})  # fmt: skip
        assert appealed["status"] == "appealed"
        # a service after the appeal is still recorded (the case is appealed)
        served = await act(client, tribunal(tokens), case_id, "service",
                           {**SERVICE, "served_on": "2027-01-29"}, status=201)  # fmt: skip
        assert served["service"]["missing"] == []

    async def test_a_decision_that_need_not_be_served_takes_no_service(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client()
        case = await file_case(client, tokens)
        early = await act(client, tribunal(tokens), case["id"], "service", SERVICE, status=409)
        assert kind(early) == "transition-not-allowed"
        await act(client, tribunal(tokens), case["id"], "notify-counterpart")
        await act(client, tribunal(tokens), case["id"], "reply", {})
        clock.today = date(2026, 11, 20)
        decided = await act(client, tribunal(tokens), case["id"], "decision", decision_body())
        assert decided["service"] is None
        refused = await act(client, tribunal(tokens), case["id"], "service",
                            {**SERVICE, "served_on": "2026-11-20"}, status=422)  # fmt: skip
        assert [(e["pointer"], e["code"]) for e in refused["errors"]] == [
            ("/side", "not-required")]  # fmt: skip
        assert sql(legal_db_url, "SELECT count(*) FROM decision_services") == [(0,)]

    async def test_the_post_is_idempotent_and_hostile_input_is_a_problem(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        client = await legal_client()
        case_id = await warning_decided(client, tokens, clock, legal_db, databases)
        headers = post(tribunal(tokens))
        first = await client.post(f"{API}/cases/{case_id}/service",
                                  json={**SERVICE, "served_on": "2026-11-20"},
                                  headers=headers)  # fmt: skip
        replay = await client.post(f"{API}/cases/{case_id}/service",
                                   json={**SERVICE, "served_on": "2026-11-20"},
                                   headers=headers)  # fmt: skip
        assert (first.status_code, replay.status_code) == (201, 201)
        assert replay.headers.get("idempotent-replayed") == "true"
        assert replay.json() == first.json()
        assert sql(legal_db_url, "SELECT count(*) FROM decision_services") == [(1,)]
        blank = await act(client, tribunal(tokens), case_id, "service",
                          {**SERVICE, "side": "complainant", "served_on": "2026-11-20",
                           "served_by": "  "},
                          status=422)  # fmt: skip
        assert [(e["pointer"], e["code"]) for e in blank["errors"]] == [
            ("/served_by", "required")]  # fmt: skip
        for body in ({**SERVICE, "side": "landlord"}, {**SERVICE, "method": "pigeon"},
                     {**SERVICE, "served_by": ""}, {**SERVICE, "served_on": "20-12-2026"},
                     {**SERVICE, "extra": 1}, {"side": "counterpart"}):  # fmt: skip
            response = await client.post(f"{API}/cases/{case_id}/service", json=body,
                                         headers=post(tribunal(tokens)))  # fmt: skip
            assert response.status_code == 422, body
            assert response.headers["content-type"].startswith("application/problem+json")
        assert sql(legal_db_url, "SELECT count(*) FROM decision_services") == [(1,)]

    async def test_the_round_never_finalises_before_the_served_partys_window(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        """Even an appeal deadline left at the decision's date (as before this rule) is moved
        to the served party's window by the round instead of making the decision final."""
        client = await legal_client()
        case_id = await warning_decided(client, tokens, clock, legal_db, databases)
        clock.today = date(2026, 12, 7)
        await act(client, tribunal(tokens), case_id, "service",
                  {**SERVICE, "served_on": "2026-12-07"}, status=201)  # fmt: skip
        sql(legal_db_url, "UPDATE case_deadlines SET due_on = base_due - 24 WHERE kind = 'appeal'")
        assert sql(legal_db_url, "SELECT due_on FROM case_deadlines WHERE kind = 'appeal'") == [
            (date(2026, 12, 11),)]  # fmt: skip
        clock.today = date(2026, 12, 19)
        assert (await run_round(legal_db, databases, tokens, clock)).decisions_final == 0
        assert sql(legal_db_url, "SELECT status FROM cases") == [("decided",)]
        assert sql(legal_db_url, "SELECT due_on, closed_on FROM case_deadlines WHERE kind = "
                   "'appeal'") == [(date(2027, 1, 4), None)]  # fmt: skip
        clock.today = date(2027, 1, 5)
        assert (await run_round(legal_db, databases, tokens, clock)).decisions_final == 1
        assert sql(legal_db_url, "SELECT status, final_on FROM cases") == [
            ("final", date(2027, 1, 5))]  # fmt: skip
