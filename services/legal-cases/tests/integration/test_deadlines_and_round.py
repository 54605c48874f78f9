"""Deadlines under a controlled clock: extension, suspension, the reply lapsing, § 88(6), an
unappealed decision becoming final, appeals — through the API and the worker's round."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from common.events.contracts import DeadlineReminderDueV1, DecisionAppealedV1, DecisionFinalV1
from common.events.envelope import Envelope
from common.testing.fixtures import service_settings
from legal_cases.settings import LegalCasesSettings
from legal_cases.worker import jobs

from .support import (
    API,
    LANDLORD,
    act,
    decision_body,
    file_case,
    kind,
    outbox,
    party,
    sql,
    tribunal,
)


async def run_round(legal_db, databases, tokens, clock):
    settings = service_settings(LegalCasesSettings, databases, tokens, package="legal_cases")
    [job] = jobs(legal_db, settings, clock=clock)
    return await job.run()


def open_deadlines(case):
    return [(d["kind"], d["due_on"]) for d in case["open_deadlines"]]


async def notified_case(client, tokens, clock, **overrides):
    case = await file_case(client, tokens, **overrides)
    clock.today = date(2026, 11, 3)
    await act(client, tribunal(tokens, case["tribunal_code"]), case["id"], "notify-counterpart")
    return case["id"]


class TestExtension:
    async def test_the_tribunal_extends_the_reply_deadline_with_a_reason(
        self, legal_client, tokens, clock
    ):
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        [reply] = view["open_deadlines"]
        path = f"deadlines/{reply['id']}/extend"
        refused = await act(
            client, tribunal(tokens), case_id, path, {"new_due": "2026-11-24", "reason": " "},
            status=422,
        )  # fmt: skip
        assert kind(refused) == "deadline-rule"
        assert "special circumstances" in refused["detail"]
        extended = await act(
            client, tribunal(tokens), case_id, path,
            {"new_due": "2026-11-24", "reason": "Udlejer er indlagt på hospital."},
        )  # fmt: skip
        [deadline] = extended["open_deadlines"]
        assert (deadline["kind"], deadline["due_on"], deadline["extension_reason"]) == (
            "reply", "2026-11-24", "Udlejer er indlagt på hospital."
        )  # fmt: skip

    async def test_an_extension_must_move_the_deadline_later(self, legal_client, tokens, clock):
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        [reply] = view["open_deadlines"]
        problem = await act(
            client, tribunal(tokens), case_id, f"deadlines/{reply['id']}/extend",
            {"new_due": "2026-11-17", "reason": "ferie"}, status=422,
        )  # fmt: skip
        assert kind(problem) == "deadline-rule"
        assert "later than 2026-11-17" in problem["detail"]

    async def test_a_chosen_date_on_a_closed_day_moves_to_the_next_working_day(
        self, legal_client, tokens, clock
    ):
        """Like every computed deadline, a date the tribunal sets (an extension, a question's
        answer date) that falls on a weekend, a holiday or 24/31 December ends on the next
        working day: the party has that day too."""
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)  # reply due Tue 17 Nov
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        [reply] = view["open_deadlines"]
        extended = await act(
            client, tribunal(tokens), case_id, f"deadlines/{reply['id']}/extend",
            {"new_due": "2026-12-24", "reason": "Udlejer er bortrejst."},
        )  # fmt: skip
        assert open_deadlines(extended) == [("reply", "2026-12-28")]  # 24-27 Dec closed
        asked = await act(
            client, tribunal(tokens), case_id, "questions",
            {"addressee": "complainant", "text": "Hvornår opstod fugten?",
             "answer_by": "2026-11-15"},
            status=201,
        )  # fmt: skip
        assert ("question", "2026-11-16") in open_deadlines(asked)  # Sunday → Monday


class TestNoExtensionOfAPassedDeadline:
    """§ 82(3) and § 83(4): the tribunal may extend a running deadline "såfremt særlige
    omstændigheder taler herfor". Once it has passed, it lapsed — the reply can no longer be
    given and the tribunal may decide (§ 86(1)-(2)) — whether or not the deadline round has
    recorded that yet: the extension applies the round's lapses first (``core.lapse_passed``),
    as the reply, an answer, the decision and a suspension do. Before, an extension the day
    after the deadline was taken until the round ran, reopening a lapsed deadline."""

    async def test_the_reply_deadline_is_extendable_on_its_last_day_not_the_day_after(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)  # reply due Tue 17 Nov
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        [reply] = view["open_deadlines"]
        path = f"deadlines/{reply['id']}/extend"
        body = {"new_due": "2026-11-30", "reason": "Udlejer er indlagt på hospital."}
        clock.today = date(2026, 11, 18)  # the round has not run
        refused = await act(client, tribunal(tokens), case_id, path, body, status=422)
        assert kind(refused) == "deadline-rule"
        assert "2026-11-17" in refused["detail"]
        assert "lapsed" in refused["detail"]
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        assert view["status"] == "counterpart_notified"  # the round records the lapse
        assert [e for e in outbox(legal_db_url, MOVED) if e["data"]["cause"] == "extended"] == []
        # a reply is refused as late, as the extension was: the two agree
        late = await act(client, party(tokens, LANDLORD), case_id, "reply", {}, status=409)
        assert kind(late) == "transition-not-allowed"

    async def test_on_its_last_day_the_reply_deadline_is_still_extended(
        self, legal_client, tokens, clock
    ):
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)  # reply due Tue 17 Nov
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        [reply] = view["open_deadlines"]
        clock.today = date(2026, 11, 17)
        extended = await act(
            client, tribunal(tokens), case_id, f"deadlines/{reply['id']}/extend",
            {"new_due": "2026-11-30", "reason": "Udlejer er indlagt på hospital."},
        )  # fmt: skip
        assert open_deadlines(extended) == [("reply", "2026-11-30")]

    async def test_a_question_deadline_that_passed_is_not_extended_either(
        self, legal_client, tokens, clock
    ):
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)
        await act(client, party(tokens, LANDLORD), case_id, "reply", {})
        clock.today = date(2026, 11, 16)
        asked = await act(
            client, tribunal(tokens), case_id, "questions",
            {"addressee": "counterpart", "text": "Dokumentér."}, status=201,
        )  # fmt: skip
        [question] = [d for d in asked["open_deadlines"] if d["kind"] == "question"]
        assert question["due_on"] == "2026-11-30"
        clock.today = date(2026, 12, 1)  # the round has not run
        refused = await act(
            client, tribunal(tokens), case_id, f"deadlines/{question['id']}/extend",
            {"new_due": "2026-12-08", "reason": "Udlejer er bortrejst."}, status=422,
        )  # fmt: skip
        assert kind(refused) == "deadline-rule"
        assert "2026-11-30" in refused["detail"]


class TestSuspension:
    async def test_a_suspended_case_has_no_due_date_and_resuming_moves_it(
        self, legal_client, tokens, clock
    ):
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)  # reply due Tue 17 Nov
        clock.today = date(2026, 11, 9)
        suspended = await act(
            client, tribunal(tokens), case_id, "suspend", {"reason": "Forligsforhandling"}
        )
        assert suspended["status"] == "suspended"
        assert open_deadlines(suspended) == [("reply", None)]
        work = await client.get(f"{API}/work-list?window=all", headers=tribunal(tokens))
        assert work.json()["items"] == []  # a paused deadline is not on the work list
        problem = await act(client, tribunal(tokens), case_id, "decision", decision_body(),
                            status=409)  # fmt: skip
        assert kind(problem) == "transition-not-allowed"
        clock.today = date(2026, 11, 16)
        resumed = await act(client, tribunal(tokens), case_id, "resume")
        # suspended Mon 9 - Sun 15 Nov: 5 working days → 17 Nov + 5 working days = 24 Nov
        assert resumed["status"] == "counterpart_notified"
        assert open_deadlines(resumed) == [("reply", "2026-11-24")]
        assert resumed["suspensions"] == [
            {"start_on": "2026-11-09", "end_on": "2026-11-16", "reason": "Forligsforhandling"}
        ]

    async def test_a_reply_deadline_paused_over_christmas(self, legal_client, tokens, clock):
        client = await legal_client()
        case = await file_case(client, tokens)
        clock.today = date(2026, 12, 10)
        await act(client, tribunal(tokens), case["id"], "notify-counterpart")  # due 28 Dec
        clock.today = date(2026, 12, 21)
        await act(client, tribunal(tokens), case["id"], "suspend", {"reason": "Jul"})
        clock.today = date(2027, 1, 4)
        resumed = await act(client, tribunal(tokens), case["id"], "resume")
        # 21, 22, 23, 28, 29, 30 Dec are working days (24-27 and 31 Dec, 1 Jan are not): 6
        # → 28 Dec + 6 working days: 29, 30 Dec, 4, 5, 6, 7 Jan → 7 Jan 2027
        assert open_deadlines(resumed) == [("reply", "2027-01-07")]


MOVED = "legal_cases.case.deadlines_moved"


def moves(db_url: str) -> list[tuple[object, ...]]:
    """The published moves: (case, moved on, cause, suspended, changes, notify due, reply due)."""
    return [
        (d["case_id"], d["moved_on"], d["cause"], d["suspended"], d["suspension_changes"],
         d["notify_counterpart_due"], d["reply_due"])
        for d in (e["data"] for e in outbox(db_url, MOVED))
    ]  # fmt: skip


class TestMovedDeadlinesArePublished:
    async def test_suspending_and_resuming_publish_the_deadlines_as_they_stand(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)  # reply due Tue 17 Nov
        clock.today = date(2026, 11, 9)
        await act(client, tribunal(tokens), case_id, "suspend", {"reason": "Forligsforhandling"})
        clock.today = date(2026, 11, 16)
        await act(client, tribunal(tokens), case_id, "resume")
        clock.today = date(2026, 11, 18)
        await act(client, tribunal(tokens), case_id, "suspend", {"reason": "Syn af ejendom"})
        assert moves(legal_db_url) == [
            (case_id, "2026-11-09", "suspended", True, 1, None, None),
            (case_id, "2026-11-16", "resumed", False, 2, None, "2026-11-24"),
            (case_id, "2026-11-18", "suspended", True, 3, None, None),
        ]
        [event] = outbox(legal_db_url, MOVED)[:1]
        assert (event["topic"], event["subject"]) == ("legal-cases.case.v1", case_id)
        assert "Forlig" not in str(event)  # the reason stays in the service

    async def test_a_case_suspended_before_notifying_moves_the_tribunals_deadline(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client()
        case = await file_case(client, tokens)  # filed Mon 2 Nov: notify by Mon 9 Nov
        clock.today = date(2026, 11, 3)
        await act(client, tribunal(tokens), case["id"], "suspend", {"reason": "Mangler bilag"})
        clock.today = date(2026, 11, 5)
        await act(client, tribunal(tokens), case["id"], "resume")  # 3, 4 Nov: 2 working days
        assert moves(legal_db_url) == [
            (case["id"], "2026-11-03", "suspended", True, 1, None, None),
            (case["id"], "2026-11-05", "resumed", False, 2, "2026-11-11", None),
        ]

    async def test_extending_the_reply_deadline_is_published(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        [reply] = view["open_deadlines"]
        await act(client, tribunal(tokens), case_id, f"deadlines/{reply['id']}/extend",
                  {"new_due": "2026-11-24", "reason": "Udlejer er indlagt."})  # fmt: skip
        assert moves(legal_db_url) == [
            (case_id, "2026-11-03", "extended", False, 0, None, "2026-11-24")
        ]


class TestReplyLapses:
    async def test_the_round_lapses_the_reply_the_day_after_its_deadline(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)  # reply due 17 Nov
        clock.today = date(2026, 11, 17)
        assert (await run_round(legal_db, databases, tokens, clock)).replies_lapsed == 0
        clock.today = date(2026, 11, 18)
        result = await run_round(legal_db, databases, tokens, clock)
        assert result.replies_lapsed == 1
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        assert (view["status"], view["reply_state"]) == ("reply_lapsed", "lapsed")
        # § 86(1): 4 weeks from the lapsed deadline (17 Nov) → 15 Dec
        assert open_deadlines(view) == [("decision", "2026-12-15")]
        assert (await run_round(legal_db, databases, tokens, clock)).replies_lapsed == 0
        trail = (await client.get(f"{API}/cases/{case_id}/audit", headers=tribunal(tokens))).json()
        assert [(a["action"], a["actor_role"]) for a in trail["items"]][-1] == (
            "reply_lapsed", "system"
        )  # fmt: skip

    async def test_silence_read_in_favour_after_a_lapsed_reply(
        self, legal_client, tokens, clock, legal_db, databases
    ):
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)
        clock.today = date(2026, 11, 18)
        await run_round(legal_db, databases, tokens, clock)
        decided = await act(
            client, tribunal(tokens), case_id, "decision",
            decision_body(silence_read_in_favour=True),
        )  # fmt: skip
        assert decided["decision"]["silence_read_in_favour"] is True

    async def test_the_housing_court_right_arises_when_the_tribunal_misses_its_deadline(
        self, legal_client, tokens, clock, legal_db, databases
    ):
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)
        clock.today = date(2026, 11, 18)
        await run_round(legal_db, databases, tokens, clock)
        clock.today = date(2026, 12, 15)
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        assert view["housing_court_right"] == {"available": False, "decision_due": "2026-12-15"}
        clock.today = date(2026, 12, 16)
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        assert view["housing_court_right"] == {"available": True, "decision_due": "2026-12-15"}
        assert [d["overdue"] for d in view["open_deadlines"]] == [True]

    async def test_the_tribunal_decides_the_day_after_the_deadline_before_the_round_ran(
        self, legal_client, tokens, clock, legal_db, databases
    ):
        """The lapse does not wait for the round (every few minutes, or the worker is down):
        the decision applies it first, as the round would have."""
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)  # reply due Tue 17 Nov
        clock.today = date(2026, 11, 18)
        decided = await act(
            client, tribunal(tokens), case_id, "decision",
            decision_body(silence_read_in_favour=True),
        )  # fmt: skip
        assert (decided["status"], decided["reply_state"]) == ("decided", "lapsed")
        assert decided["decision"]["silence_read_in_favour"] is True
        closed = {d["kind"]: (d["closed_on"], d["outcome"]) for d in decided["closed_deadlines"]}
        assert closed["reply"] == ("2026-11-18", "lapsed")
        trail = (await client.get(f"{API}/cases/{case_id}/audit", headers=tribunal(tokens))).json()
        lapsed = [a for a in trail["items"] if a["action"] == "reply_lapsed"]
        assert [(a["actor_role"], a["detail"]["decision_due"]) for a in lapsed] == [
            ("system", "2026-12-15")
        ]
        assert (await run_round(legal_db, databases, tokens, clock)).replies_lapsed == 0

    async def test_a_suspension_after_the_deadline_before_the_round_ran_does_not_strand_it(
        self, legal_client, tokens, clock, legal_db, databases
    ):
        """Suspended the day after the reply deadline, before the round lapsed it: the round
        then closed the deadline without lapsing the reply, and after resuming the case could
        neither be decided nor lapse any more. The suspension lapses it first."""
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)  # reply due Tue 17 Nov
        clock.today = date(2026, 11, 18)
        await act(client, tribunal(tokens), case_id, "suspend", {"reason": "Forligsforhandling"})
        await run_round(legal_db, databases, tokens, clock)
        clock.today = date(2026, 11, 20)
        resumed = await act(client, tribunal(tokens), case_id, "resume")
        assert (resumed["status"], resumed["reply_state"]) == ("reply_lapsed", "lapsed")
        decided = await act(client, tribunal(tokens), case_id, "decision", decision_body())
        assert decided["status"] == "decided"

    async def test_a_reply_after_the_deadline_is_refused_whether_or_not_the_round_ran(
        self, legal_client, tokens, clock
    ):
        client = await legal_client()
        on_time = await notified_case(client, tokens, clock)  # reply due Tue 17 Nov
        case_id = await notified_case(client, tokens, clock)
        clock.today = date(2026, 11, 17)  # the last day is in time
        replied = await act(client, party(tokens, LANDLORD), on_time, "reply", {})
        assert replied["reply_state"] == "received"
        clock.today = date(2026, 11, 18)
        late = await act(client, party(tokens, LANDLORD), case_id, "reply", {}, status=409)
        assert kind(late) == "transition-not-allowed"
        assert "reply_lapsed" in late["detail"]


class TestFinality:
    async def decided(self, client, tokens, clock, **overrides):
        case_id = await notified_case(client, tokens, clock, **overrides)
        code = overrides.get("tribunal_code", "147")
        await act(client, tribunal(tokens, code), case_id, "reply", {})
        clock.today = date(2026, 11, 20)
        await act(client, tribunal(tokens, code), case_id, "decision", decision_body())
        return case_id  # appeal due Fri 18 Dec 2026

    async def test_an_unappealed_decision_becomes_final_the_day_after_the_window(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        client = await legal_client()
        case_id = await self.decided(client, tokens, clock)
        clock.today = date(2026, 12, 18)
        assert (await run_round(legal_db, databases, tokens, clock)).decisions_final == 0
        clock.today = date(2026, 12, 19)
        assert (await run_round(legal_db, databases, tokens, clock)).decisions_final == 1
        assert (await run_round(legal_db, databases, tokens, clock)).decisions_final == 0
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        assert (view["status"], view["final_on"]) == ("final", "2026-12-19")
        [event] = [
            DecisionFinalV1.from_envelope(Envelope.from_structured(e))
            for e in outbox(legal_db_url, "legal_cases.case.decision_final")
        ]
        assert (event.case_id, event.decided_on, event.final_on) == (
            case_id, date(2026, 11, 20), date(2026, 12, 19)
        )  # fmt: skip

    async def test_an_appeal_in_time_in_copenhagen_goes_to_the_appeal_board_with_its_fee(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client()
        case_id = await self.decided(client, tokens, clock, tribunal_code="101", apartments=3)
        clock.today = date(2026, 12, 18)
        appealed = await act(
            client, tribunal(tokens, "101"), case_id, "appeal", {"appellant_side": "counterpart"}
        )
        assert appealed["status"] == "appealed"
        assert appealed["appeal"]["body"] == "appeal_board"
        assert [(f["kind"], f["payer_side"], f["amount"]) for f in appealed["fees"]][-1] == (
            "appeal_board", "counterpart", "579.00"  # 3 × 194 (166 at 2026 level)
        )  # fmt: skip
        [event] = [
            DecisionAppealedV1.from_envelope(Envelope.from_structured(e))
            for e in outbox(legal_db_url, "legal_cases.case.appealed")
        ]
        assert (event.appeal_body, event.late_permission) == ("appeal_board", False)

    async def test_a_late_appeal_needs_permission(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        client = await legal_client()
        case_id = await self.decided(client, tokens, clock)
        clock.today = date(2026, 12, 21)
        await run_round(legal_db, databases, tokens, clock)  # final
        refused = await act(
            client, tribunal(tokens), case_id, "appeal", {"appellant_side": "complainant"},
            status=422,
        )  # fmt: skip
        assert "permission" in refused["detail"]
        permitted = await act(
            client, tribunal(tokens), case_id, "appeal",
            {"appellant_side": "complainant", "late_permission": True},
        )  # fmt: skip
        assert (permitted["status"], permitted["appeal"]["late_permission"]) == ("appealed", True)
        assert [f["kind"] for f in permitted["fees"]] == ["standard", "landlord_tenant_won"]
        assert sql(legal_db_url, "SELECT amount FROM fees WHERE kind='appeal_board'") == []
        assert Decimal(permitted["fees"][1]["amount"]) == Decimal("7019.00")


class TestReminders:
    async def test_the_party_that_must_reply_is_reminded_once_three_working_days_ahead(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)  # reply due Tue 17 Nov
        clock.today = date(2026, 11, 11)
        assert (await run_round(legal_db, databases, tokens, clock)).reminders == 0
        clock.today = date(2026, 11, 12)
        assert (await run_round(legal_db, databases, tokens, clock)).reminders == 1
        clock.today = date(2026, 11, 13)
        assert (await run_round(legal_db, databases, tokens, clock)).reminders == 0
        [event] = [
            DeadlineReminderDueV1.from_envelope(Envelope.from_structured(e))
            for e in outbox(legal_db_url, "legal_cases.case.deadline_reminder_due")
        ]
        assert (event.case_id, event.deadline_kind, event.due_on) == (
            case_id, "reply", date(2026, 11, 17)
        )  # fmt: skip
        assert (event.party_side, event.party_kind, event.party_organisation_id) == (
            "counterpart", "landlord", "ll-0042"
        )  # fmt: skip

    async def test_a_suspended_case_is_not_reminded(
        self, legal_client, tokens, clock, legal_db, databases
    ):
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)
        clock.today = date(2026, 11, 10)
        await act(client, tribunal(tokens), case_id, "suspend", {"reason": "Forlig"})
        clock.today = date(2026, 11, 12)
        assert (await run_round(legal_db, databases, tokens, clock)).reminders == 0


class TestAppealOutcome:
    """§§ 88-89: the appellate body's outcome is recorded and the case reflects it."""

    async def appealed(self, client, tokens, clock):
        case_id = await TestFinality().decided(client, tokens, clock)
        clock.today = date(2026, 12, 1)
        await act(client, tribunal(tokens), case_id, "appeal", {"appellant_side": "counterpart"})
        clock.today = date(2027, 3, 10)
        return case_id

    async def test_upheld_makes_the_decision_final_from_the_appellate_decision(
        self, legal_client, tokens, clock, legal_db_url, legal_db, databases
    ):
        client = await legal_client()
        case_id = await self.appealed(client, tokens, clock)
        view = await act(
            client, tribunal(tokens), case_id, "appeal/outcome",
            {"outcome": "upheld", "decided_on": "2027-03-08"},
        )  # fmt: skip
        assert (view["status"], view["final_on"]) == ("final", "2027-03-08")
        assert {k: view["appeal"][k] for k in ("outcome", "outcome_label", "outcome_decided_on",
                                               "outcome_summary")} == {
            "outcome": "upheld", "outcome_label": "Stadfæstet",
            "outcome_decided_on": "2027-03-08", "outcome_summary": None,
        }  # fmt: skip
        [event] = [
            DecisionFinalV1.from_envelope(Envelope.from_structured(e))
            for e in outbox(legal_db_url, "legal_cases.case.decision_final")
        ]
        assert (event.decided_on, event.final_on, event.upheld_on_appeal) == (
            date(2026, 11, 20), date(2027, 3, 8), True
        )  # fmt: skip
        assert sql(
            legal_db_url, "SELECT detail FROM case_audit WHERE action='appeal_outcome'"
        ) == [({"outcome": "upheld", "body": "housing_court", "decided_on": "2027-03-08",
                "decision_final": True},)]  # fmt: skip
        # now final, § 22 non-compliance can be reported
        await act(client, tribunal(tokens), case_id, "noncompliance", {"details": "Ikke udbedret"},
                  status=201)  # fmt: skip
        # the round does not touch it again
        assert (await run_round(legal_db, databases, tokens, clock)).decisions_final == 0

    @pytest.mark.parametrize(
        ("outcome", "status"),
        [("changed", "changed_on_appeal"), ("set_aside", "set_aside_on_appeal")],
    )
    async def test_changed_or_set_aside_never_makes_the_decision_final(
        self, legal_client, tokens, clock, legal_db_url, outcome, status
    ):
        client = await legal_client()
        case_id = await self.appealed(client, tokens, clock)
        missing = await act(
            client, tribunal(tokens), case_id, "appeal/outcome",
            {"outcome": outcome, "decided_on": "2027-03-08"}, status=422,
        )  # fmt: skip
        assert [e["pointer"] for e in missing["errors"]] == ["/summary"]
        view = await act(
            client, tribunal(tokens), case_id, "appeal/outcome",
            {"outcome": outcome, "decided_on": "2027-03-08", "summary": "Lejen nedsat til 6.100"},
        )  # fmt: skip
        assert (view["status"], view["final_on"]) == (status, None)
        assert view["appeal"]["outcome_summary"] == "Lejen nedsat til 6.100"
        assert outbox(legal_db_url, "legal_cases.case.decision_final") == []
        again = await act(
            client, tribunal(tokens), case_id, "appeal/outcome",
            {"outcome": "upheld", "decided_on": "2027-03-08"}, status=409,
        )  # fmt: skip
        assert again["status"] == 409
        refused = await act(client, tribunal(tokens), case_id, "noncompliance",
                            {"details": "x"}, status=422)  # fmt: skip
        assert "final" in refused["detail"]

    async def test_the_outcome_needs_an_appealed_case_and_a_plausible_date(
        self, legal_client, tokens, clock
    ):
        client = await legal_client()
        case_id = await TestFinality().decided(client, tokens, clock)
        not_appealed = await act(
            client, tribunal(tokens), case_id, "appeal/outcome",
            {"outcome": "upheld", "decided_on": "2026-11-20"}, status=409,
        )  # fmt: skip
        assert "appealed" in not_appealed["detail"]
        clock.today = date(2026, 12, 1)
        await act(client, tribunal(tokens), case_id, "appeal", {"appellant_side": "counterpart"})
        early = await act(
            client, tribunal(tokens), case_id, "appeal/outcome",
            {"outcome": "upheld", "decided_on": "2026-11-30"}, status=422,
        )  # fmt: skip
        late = await act(
            client, tribunal(tokens), case_id, "appeal/outcome",
            {"outcome": "upheld", "decided_on": "2026-12-02"}, status=422,
        )  # fmt: skip
        assert [e["code"] for e in early["errors"]] == ["before-appeal"]
        assert [e["code"] for e in late["errors"]] == ["in-future"]


class TestLandlordFeeFollowsTheAppeal:
    """§ 82(2): the landlord's fee, owed because the tenant won fully, is no longer owed when the
    appeal changes or sets aside the decision; upheld leaves it."""

    def landlord_fee(self, view):
        [fee] = [f for f in view["fees"] if f["kind"] == "landlord_tenant_won"]
        return fee

    @pytest.mark.parametrize("outcome", ["changed", "set_aside"])
    async def test_changed_or_set_aside_cancels_the_landlords_fee(
        self, legal_client, tokens, clock, legal_db_url, outcome
    ):
        client = await legal_client()
        case_id = await TestAppealOutcome().appealed(client, tokens, clock)
        before = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        fee = self.landlord_fee(before)
        assert (fee["cancelled_on"], fee["refund_due"]) == (None, False)
        view = await act(
            client, tribunal(tokens), case_id, "appeal/outcome",
            {"outcome": outcome, "decided_on": "2027-03-08", "summary": "Ingen mangler"},
        )  # fmt: skip
        fee = self.landlord_fee(view)
        assert (fee["cancelled_on"], fee["cancelled_reason"], fee["refund_due"]) == (
            "2027-03-08", f"appeal_{outcome}", False
        )  # fmt: skip
        # the filing fee is the complainant's and stays
        assert [f["cancelled_on"] for f in view["fees"] if f["kind"] != "landlord_tenant_won"] == [
            None
        ]
        assert sql(
            legal_db_url, "SELECT cancelled_on::text, cancelled_reason FROM fees "
            "WHERE kind = 'landlord_tenant_won'",
        ) == [("2027-03-08", f"appeal_{outcome}")]  # fmt: skip
        assert sql(
            legal_db_url, "SELECT detail FROM case_audit WHERE action = 'fee_cancelled'"
        ) == [({"fee_id": fee["id"], "kind": "landlord_tenant_won", "amount": fee["amount"],
                "reason": f"appeal_{outcome}", "refund_due": False},)]  # fmt: skip
        audit = (await client.get(f"{API}/cases/{case_id}/audit",
                                  headers=tribunal(tokens))).json()  # fmt: skip
        assert "fee_cancelled" in [a["action"] for a in audit["items"]]
        refused = await act(client, tribunal(tokens), case_id, f"fees/{fee['id']}/paid",
                            status=409)  # fmt: skip
        assert "no longer owed" in refused["detail"]

    async def test_a_fee_paid_before_it_was_cancelled_is_to_be_repaid(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client()
        case_id = await TestAppealOutcome().appealed(client, tokens, clock)
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        fee_id = self.landlord_fee(view)["id"]
        await act(client, tribunal(tokens), case_id, f"fees/{fee_id}/paid")
        view = await act(
            client, tribunal(tokens), case_id, "appeal/outcome",
            {"outcome": "changed", "decided_on": "2027-03-08", "summary": "Delvist medhold"},
        )  # fmt: skip
        fee = self.landlord_fee(view)
        assert (fee["paid_on"], fee["cancelled_on"], fee["refund_due"]) == (
            "2027-03-10", "2027-03-08", True
        )  # fmt: skip
        [(detail,)] = sql(legal_db_url,
                          "SELECT detail FROM case_audit WHERE action = 'fee_cancelled'")  # fmt: skip
        assert detail["refund_due"] is True

    async def test_upheld_leaves_the_landlords_fee_owed(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client()
        case_id = await TestAppealOutcome().appealed(client, tokens, clock)
        view = await act(client, tribunal(tokens), case_id, "appeal/outcome",
                         {"outcome": "upheld", "decided_on": "2027-03-08"})  # fmt: skip
        fee = self.landlord_fee(view)
        assert (fee["cancelled_on"], fee["cancelled_reason"], fee["refund_due"]) == (
            None, None, False
        )  # fmt: skip
        assert sql(legal_db_url, "SELECT 1 FROM case_audit WHERE action = 'fee_cancelled'") == []
        paid = await act(client, tribunal(tokens), case_id, f"fees/{fee['id']}/paid")
        assert self.landlord_fee(paid)["paid_on"] == "2027-03-10"
