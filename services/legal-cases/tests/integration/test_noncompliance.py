"""§ 22 across tribunals: three non-complied final decisions by one owner within 2 years raise
the threshold event once, naming every involved tribunal; a § 16 conviction plus one."""

from __future__ import annotations

import asyncio
from datetime import date

from common.db.uow import UnitOfWork
from common.events.contracts import NonComplianceThresholdReachedV1
from common.events.envelope import Envelope
from common.testing.interleaving import done_or_blocked
from legal_cases.db.repositories import CaseRepository
from legal_cases.domain.access import TRIBUNAL_ROLE, Viewer
from legal_cases.services import workflow

from .support import API, act, decision_body, file_case, fund, kind, outbox, post, tribunal
from .test_deadlines_and_round import run_round


async def final_case(client, tokens, clock, legal_db, databases, code: str, owner="owner-77"):
    """File on ``clock.today``, decide two weeks later, final after the round."""
    start = clock.today
    case = await file_case(client, tokens, tribunal_code=code, owner_id=owner)
    headers = tribunal(tokens, code)
    await act(client, headers, case["id"], "notify-counterpart")
    await act(client, headers, case["id"], "reply", {})
    await act(client, headers, case["id"], "decision", decision_body())
    clock.today = date.fromordinal(start.toordinal() + 40)
    await run_round(legal_db, databases, tokens, clock)
    return case["id"]


def thresholds(db_url):
    return [
        NonComplianceThresholdReachedV1.from_envelope(Envelope.from_structured(e))
        for e in outbox(db_url, "legal_cases.owner.noncompliance_threshold_reached")
    ]


class TestNonCompliance:
    async def test_three_reports_from_two_tribunals_raise_the_threshold_once(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        client = await legal_client()
        ids = []
        for code in ("101", "147", "101"):
            case_id = await final_case(client, tokens, clock, legal_db, databases, code)
            ids.append((code, case_id))
        for index, (code, case_id) in enumerate(ids):
            await act(client, tribunal(tokens, code), case_id, "noncompliance",
                      {"details": "Manglerne er ikke udbedret."}, status=201)  # fmt: skip
            result = await run_round(legal_db, databases, tokens, clock)
            assert result.thresholds_reached == (1 if index == 2 else 0)
        [event] = thresholds(legal_db_url)
        assert event.owner_id == "owner-77"
        assert event.rule == "three_decisions"
        assert event.case_ids == [case_id for _, case_id in ids]
        assert event.tribunal_codes == ["101", "147"]
        assert (await run_round(legal_db, databases, tokens, clock)).thresholds_reached == 0

        owner = await client.get(f"{API}/owners/owner-77", headers=fund(tokens))
        assert owner.status_code == 200
        body = owner.json()
        assert [r["tribunal_code"] for r in body["reports"]] == ["101", "147", "101"]
        assert [t["case_ids"] for t in body["thresholds"]] == [event.case_ids]

    async def test_a_decision_older_than_two_years_does_not_count(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        client = await legal_client()
        clock.today = date(2024, 3, 1)
        old = await final_case(client, tokens, clock, legal_db, databases, "147")
        clock.today = date(2026, 3, 2)
        newer = [await final_case(client, tokens, clock, legal_db, databases, "147")]
        newer.append(await final_case(client, tokens, clock, legal_db, databases, "101"))
        # reported on 2026-05-21: the 2024-03-01 decision lies more than 2 years back
        await act(client, tribunal(tokens, "147"), old, "noncompliance", {"details": "x"},
                  status=201)  # fmt: skip
        await act(client, tribunal(tokens, "147"), newer[0], "noncompliance", {"details": "x"},
                  status=201)  # fmt: skip
        await act(client, tribunal(tokens, "101"), newer[1], "noncompliance", {"details": "x"},
                  status=201)  # fmt: skip
        assert (await run_round(legal_db, databases, tokens, clock)).thresholds_reached == 0
        assert thresholds(legal_db_url) == []

    async def test_a_conviction_plus_one_report(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        client = await legal_client()
        case_id = await final_case(client, tokens, clock, legal_db, databases, "147")
        convicted = await client.post(
            f"{API}/owners/owner-77/convictions", json={"convicted_on": "2026-06-01"},
            headers=post(tribunal(tokens, "147")),
        )  # fmt: skip
        assert convicted.status_code == 201, convicted.text
        assert convicted.json()["convictions"] == ["2026-06-01"]
        await act(client, tribunal(tokens, "147"), case_id, "noncompliance", {"details": "x"},
                  status=201)  # fmt: skip
        await run_round(legal_db, databases, tokens, clock)
        [event] = thresholds(legal_db_url)
        assert (event.rule, event.case_ids) == ("conviction_and_decision", [case_id])

    async def test_only_a_final_decision_can_be_reported(self, legal_client, tokens):
        client = await legal_client()
        case = await file_case(client, tokens)
        problem = await act(client, tribunal(tokens), case["id"], "noncompliance",
                            {"details": "x"}, status=422)  # fmt: skip
        assert kind(problem) == "noncompliance-rejected"

    async def test_a_tribunal_without_a_case_of_the_owner_does_not_see_it(
        self, legal_client, tokens
    ):
        client = await legal_client()
        await file_case(client, tokens, owner_id="owner-9")
        mine = await client.get(f"{API}/owners/owner-9", headers=tribunal(tokens, "147"))
        other = await client.get(f"{API}/owners/owner-9", headers=tribunal(tokens, "101"))
        assert (mine.status_code, other.status_code) == (200, 404)


class TestPartyNotice:
    async def test_a_party_tells_the_tribunal_which_then_reports(
        self, legal_client, tokens, clock, legal_db, databases
    ):
        from .support import STRANGER, TENANT, party

        client = await legal_client()
        case = await file_case(client, tokens)
        early = await act(client, party(tokens, TENANT), case["id"], "noncompliance-notice",
                          {"details": "x"}, status=422)  # fmt: skip
        assert kind(early) == "noncompliance-rejected"
        clock.today = date(2026, 11, 2)
        case_id = await final_case(client, tokens, clock, legal_db, databases, "147")
        noticed = await act(client, party(tokens, TENANT), case_id, "noncompliance-notice",
                            {"details": "Fugten er der stadig."}, status=201)  # fmt: skip
        assert noticed["noncompliance_notices"] == [
            {"side": "complainant", "details": "Fugten er der stadig.",
             "noticed_on": clock.today.isoformat()}
        ]  # fmt: skip
        assert noticed["noncompliance_reported_on"] is None
        await act(client, party(tokens, STRANGER), case_id, "noncompliance-notice",
                  {"details": "x"}, status=404)  # fmt: skip
        await act(client, tribunal(tokens), case_id, "noncompliance-notice", {"details": "x"},
                  status=403)  # fmt: skip
        reported = await act(client, tribunal(tokens), case_id, "noncompliance",
                             {"details": "Indberettet efter lejers meddelelse."}, status=201)  # fmt: skip
        assert reported["noncompliance_reported_on"] == clock.today.isoformat()


class TestConcurrentReports:
    async def test_two_reports_of_one_owner_at_once_both_count_towards_the_threshold(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        """Tribunal A reports while tribunal B's report of the same owner is committed and
        evaluated first: B's evaluation must see A's report or A's must see B's. Without the
        owner's lock A's report (the lower id, committed last) is evaluated against the
        reports up to its id, and B's was evaluated before A's was visible: neither raised."""
        client = await legal_client()
        first, second, third = [
            await final_case(client, tokens, clock, legal_db, databases, "147") for _ in range(3)
        ]
        await act(client, tribunal(tokens), first, "noncompliance", {"details": "x"}, status=201)
        assert (await run_round(legal_db, databases, tokens, clock)).thresholds_reached == 0

        viewer = Viewer(subject="nævn-147", role=TRIBUNAL_ROLE, tribunal_code="147")
        async with UnitOfWork(legal_db) as a:  # tribunal A's report, not committed yet
            await workflow.report_noncompliance(
                CaseRepository(a.session), viewer, second, "x", clock.today
            )
            report = {"details": "x"}
            b = asyncio.ensure_future(
                act(client, tribunal(tokens), third, "noncompliance", report, status=201)
            )
            await done_or_blocked(legal_db_url, b)
            await run_round(legal_db, databases, tokens, clock)  # what is committed so far
            await a.commit()
        await b
        await run_round(legal_db, databases, tokens, clock)

        [event] = thresholds(legal_db_url)
        assert (event.rule, sorted(event.case_ids)) == (
            "three_decisions",
            sorted([first, second, third]),
        )
