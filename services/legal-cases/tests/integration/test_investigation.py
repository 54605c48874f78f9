"""Questions (§ 83(4)), meetings moving the decision deadline (§ 86(1)), rejection as unfit
(§ 83(1)), fees paid, and the audit trail of who did what."""

from __future__ import annotations

from datetime import date

import pytest

from .support import (
    API,
    LANDLORD,
    TENANT,
    act,
    decision_body,
    file_case,
    kind,
    outbox,
    party,
    sql,
    tribunal,
)
from .test_deadlines_and_round import run_round

QUESTION_DEADLINE = "legal_cases.case.question_deadline_changed"


def question_deadlines(db_url: str) -> list[tuple[object, ...]]:
    """The published question deadlines: (case, question, asked, due, closed, outcome)."""
    return [
        (d["case_id"], d["question_id"], d["asked_on"], d["answer_due"], d["closed_on"],
         d["outcome"])
        for d in (e["data"] for e in outbox(db_url, QUESTION_DEADLINE))
    ]  # fmt: skip


def open_deadlines(case):
    return [(d["kind"], d["due_on"]) for d in case["open_deadlines"]]


async def replied_case(client, tokens, clock):
    case = await file_case(client, tokens)
    clock.today = date(2026, 11, 3)
    await act(client, tribunal(tokens), case["id"], "notify-counterpart")
    clock.today = date(2026, 11, 10)
    await act(client, party(tokens, LANDLORD), case["id"], "reply", {})  # decision due 8 Dec
    return case["id"]


async def question_due_30_november(client, tokens, clock) -> tuple[str, str]:
    """A replied case with a question to the counterpart asked on 16 Nov (due 30 Nov)."""
    case_id = await replied_case(client, tokens, clock)
    clock.today = date(2026, 11, 16)
    asked = await act(client, tribunal(tokens), case_id, "questions",
                      {"addressee": "counterpart", "text": "Dokumentér."}, status=201)  # fmt: skip
    return case_id, asked["questions"][0]["id"]


class TestQuestions:
    async def test_the_addressee_answers_and_the_decision_is_due_four_weeks_later(
        self, legal_client, tokens, clock
    ):
        client = await legal_client()
        case_id = await replied_case(client, tokens, clock)
        clock.today = date(2026, 11, 12)
        asked = await act(
            client, tribunal(tokens), case_id, "questions",
            {"addressee": "complainant", "text": "Hvornår opstod fugten?"}, status=201,
        )  # fmt: skip
        [question] = asked["questions"]
        assert sorted(open_deadlines(asked)) == [
            ("decision", "2026-12-08"), ("question", "2026-11-26")
        ]  # fmt: skip
        wrong = await act(client, party(tokens, LANDLORD), case_id,
                          f"questions/{question['id']}/answer", {"answer": "x"}, status=403)  # fmt: skip
        assert "addressed to the other party" in wrong["detail"]
        clock.today = date(2026, 11, 20)
        answered = await act(client, party(tokens, TENANT), case_id,
                             f"questions/{question['id']}/answer", {"answer": "I marts."})  # fmt: skip
        assert answered["questions"][0]["answered_on"] == "2026-11-20"
        assert open_deadlines(answered) == [("decision", "2026-12-18")]
        superseded = [d for d in answered["closed_deadlines"] if d["outcome"] == "superseded"]
        assert [(d["kind"], d["due_on"]) for d in superseded] == [("decision", "2026-12-08")]

    async def test_a_longer_deadline_needs_a_reason(self, legal_client, tokens, clock):
        client = await legal_client()
        case_id = await replied_case(client, tokens, clock)
        body = {"addressee": "other", "text": "Oplys energimærket.", "answer_by": "2026-11-30"}
        problem = await act(client, tribunal(tokens), case_id, "questions", body, status=422)
        assert kind(problem) == "deadline-rule"
        asked = await act(client, tribunal(tokens), case_id, "questions",
                          {**body, "reason": "Energistyrelsen svarer langsomt."}, status=201)  # fmt: skip
        assert ("question", "2026-11-30") in open_deadlines(asked)

    async def test_an_unanswered_question_lapses_and_starts_the_four_weeks(
        self, legal_client, tokens, clock, legal_db, databases
    ):
        client = await legal_client()
        case_id = await replied_case(client, tokens, clock)
        clock.today = date(2026, 11, 16)
        await act(client, tribunal(tokens), case_id, "questions",
                  {"addressee": "counterpart", "text": "Dokumentér udbedring."}, status=201)  # fmt: skip
        clock.today = date(2026, 12, 1)  # question due 30 Nov
        result = await run_round(legal_db, databases, tokens, clock)
        assert result.questions_lapsed == 1
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        assert open_deadlines(view) == [("decision", "2026-12-28")]  # 30 Nov + 4 weeks


class TestQuestionDeadlinesArePublished:
    async def test_asked_extended_and_answered(self, legal_client, tokens, clock, legal_db_url):
        client = await legal_client()
        case_id = await replied_case(client, tokens, clock)
        clock.today = date(2026, 11, 12)
        asked = await act(
            client, tribunal(tokens), case_id, "questions",
            {"addressee": "complainant", "text": "Hvornår opstod fugten?"}, status=201,
        )  # fmt: skip
        qid = asked["questions"][0]["id"]
        assert question_deadlines(legal_db_url) == [
            (case_id, qid, "2026-11-12", "2026-11-26", None, None)
        ]
        [event] = outbox(legal_db_url, QUESTION_DEADLINE)
        assert event["topic"] == "legal-cases.case.v1"
        assert event["subject"] == case_id
        assert event["data"]["tribunal_code"] == asked["tribunal_code"]
        assert "Hvornår" not in str(event)  # no text, no addressee
        assert "complainant" not in str(event["data"])
        [deadline] = [d for d in asked["open_deadlines"] if d["kind"] == "question"]
        await act(client, tribunal(tokens), case_id, f"deadlines/{deadline['id']}/extend",
                  {"new_due": "2026-12-03", "reason": "Lejer er indlagt."})  # fmt: skip
        clock.today = date(2026, 11, 20)
        await act(client, party(tokens, TENANT), case_id, f"questions/{qid}/answer",
                  {"answer": "I marts."})  # fmt: skip
        assert question_deadlines(legal_db_url) == [
            (case_id, qid, "2026-11-12", "2026-11-26", None, None),
            (case_id, qid, "2026-11-12", "2026-12-03", None, None),
            (case_id, qid, "2026-11-12", "2026-12-03", "2026-11-20", "answered"),
        ]

    async def test_a_lapsed_question_is_published_closed(
        self, legal_client, tokens, clock, legal_db, legal_db_url, databases
    ):
        client = await legal_client()
        case_id, qid = await question_due_30_november(client, tokens, clock)
        clock.today = date(2026, 12, 1)
        assert (await run_round(legal_db, databases, tokens, clock)).questions_lapsed == 1
        assert question_deadlines(legal_db_url)[-1] == (
            case_id, qid, "2026-11-16", "2026-11-30", "2026-12-01", "lapsed"
        )  # fmt: skip
        assert len(question_deadlines(legal_db_url)) == 2

    async def test_an_answer_after_the_deadline_before_the_round_ran_is_late_all_the_same(
        self, legal_client, tokens, clock, legal_db, legal_db_url, databases
    ):
        """The answer is recorded, but the deadline lapsed (as the round would have recorded
        it), not met, and the decision's 4 weeks run from the lapsed deadline and the answer."""
        client = await legal_client()
        case_id, qid = await question_due_30_november(client, tokens, clock)
        clock.today = date(2026, 12, 1)  # due 30 Nov; the round has not run
        answered = await act(client, party(tokens, LANDLORD), case_id,
                             f"questions/{qid}/answer", {"answer": "Vedlagt."})  # fmt: skip
        assert answered["questions"][0]["answered_on"] == "2026-12-01"
        closed = [(d["closed_on"], d["outcome"]) for d in answered["closed_deadlines"]
                  if d["kind"] == "question"]  # fmt: skip
        assert closed == [("2026-12-01", "lapsed")]
        assert question_deadlines(legal_db_url)[1:] == [
            (case_id, qid, "2026-11-16", "2026-11-30", "2026-12-01", "lapsed")
        ]
        trail = (await client.get(f"{API}/cases/{case_id}/audit", headers=tribunal(tokens))).json()
        assert [(a["action"], a["actor_role"]) for a in trail["items"]][-2:] == [
            ("question_lapsed", "system"), ("question_answered", "party")
        ]  # fmt: skip
        assert (await run_round(legal_db, databases, tokens, clock)).questions_lapsed == 0

    async def test_a_question_open_when_the_case_is_rejected_is_published_cancelled(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client()
        case_id = await replied_case(client, tokens, clock)
        clock.today = date(2026, 11, 12)
        asked = await act(client, tribunal(tokens), case_id, "questions",
                          {"addressee": "counterpart", "text": "Er lejemålet almen?"}, status=201)  # fmt: skip
        qid = asked["questions"][0]["id"]
        clock.today = date(2026, 11, 13)
        await act(client, tribunal(tokens), case_id, "reject",
                  {"reason": "Ejendommen er en almen bolig (§ 77)."})  # fmt: skip
        assert question_deadlines(legal_db_url) == [
            (case_id, qid, "2026-11-12", "2026-11-26", None, None),
            (case_id, qid, "2026-11-12", "2026-11-26", "2026-11-13", "cancelled"),
        ]
        [rejected] = outbox(legal_db_url, "legal_cases.case.rejected")
        assert rejected["subject"] == case_id
        assert rejected["data"]["rejected_on"] == "2026-11-13"
        assert "almen bolig" not in str(rejected)  # the reason stays in the service

    async def test_a_question_that_passed_before_the_rejection_is_published_lapsed(
        self, legal_client, tokens, clock, legal_db, legal_db_url, databases
    ):
        """A rejection applies the round's lapses first, as every action that closes the
        deadlines does: a question whose deadline passed before the round ran is published
        lapsed (as it would be had the round run first), not cancelled by the rejection."""
        client = await legal_client()
        case_id, qid = await question_due_30_november(client, tokens, clock)
        clock.today = date(2026, 12, 1)  # due 30 Nov; the round has not run
        await act(client, tribunal(tokens), case_id, "reject",
                  {"reason": "Ejendommen er en almen bolig (§ 77)."})  # fmt: skip
        assert question_deadlines(legal_db_url)[1:] == [
            (case_id, qid, "2026-11-16", "2026-11-30", "2026-12-01", "lapsed")
        ]
        trail = (await client.get(f"{API}/cases/{case_id}/audit", headers=tribunal(tokens))).json()
        assert [(a["action"], a["actor_role"]) for a in trail["items"]][-2:] == [
            ("question_lapsed", "system"), ("rejected", "tribunal")
        ]  # fmt: skip
        assert (await run_round(legal_db, databases, tokens, clock)).questions_lapsed == 0

    async def test_a_question_open_when_the_case_is_decided_is_published_cancelled(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client()
        case_id = await replied_case(client, tokens, clock)
        clock.today = date(2026, 11, 12)
        asked = await act(client, tribunal(tokens), case_id, "questions",
                          {"addressee": "other", "text": "Oplys energimærket."}, status=201)  # fmt: skip
        qid = asked["questions"][0]["id"]
        clock.today = date(2026, 11, 19)
        await act(client, tribunal(tokens), case_id, "decision", decision_body())
        assert question_deadlines(legal_db_url)[-1] == (
            case_id, qid, "2026-11-12", "2026-11-26", "2026-11-19", "cancelled"
        )  # fmt: skip

    async def test_resuming_publishes_the_questions_moved_deadline(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client()
        case_id = await replied_case(client, tokens, clock)
        clock.today = date(2026, 11, 12)
        asked = await act(client, tribunal(tokens), case_id, "questions",
                          {"addressee": "complainant", "text": "Hvornår?"}, status=201)  # fmt: skip
        qid = asked["questions"][0]["id"]
        clock.today = date(2026, 11, 16)
        await act(client, tribunal(tokens), case_id, "suspend", {"reason": "Forlig"})
        clock.today = date(2026, 11, 18)
        await act(client, tribunal(tokens), case_id, "resume")  # 16, 17 Nov: 2 working days
        assert question_deadlines(legal_db_url) == [
            (case_id, qid, "2026-11-12", "2026-11-26", None, None),
            (case_id, qid, "2026-11-12", "2026-11-30", None, None),
        ]


class TestMeeting:
    async def test_a_meeting_held_moves_the_decision_deadline(self, legal_client, tokens, clock):
        client = await legal_client()
        case_id = await replied_case(client, tokens, clock)
        scheduled = await act(client, tribunal(tokens), case_id, "hearings",
                              {"kind": "meeting", "scheduled_on": "2026-11-25"}, status=201)  # fmt: skip
        [meeting] = scheduled["hearings"]
        assert ("meeting", "2026-11-25") in open_deadlines(scheduled)
        clock.today = date(2026, 11, 25)
        held = await act(client, tribunal(tokens), case_id, f"hearings/{meeting['id']}/held")
        assert held["hearings"][0]["held_on"] == "2026-11-25"
        assert open_deadlines(held) == [("decision", "2026-12-23")]

    async def test_a_meeting_after_the_reply_deadline_passed_counts_whenever_the_round_ran(
        self, legal_client, tokens, clock, legal_db, databases
    ):
        """§ 86(1): the decision is due 4 weeks from the lapsed reply deadline or the meeting,
        the later. Held the week after the reply deadline passed, before the round recorded the
        lapse, the meeting set no decision deadline (the case still awaited the reply); the
        round then set it from the lapsed deadline, a week earlier — so § 88(6)'s housing-court
        right opened a week early. Holding it applies the round's lapses first."""
        client = await legal_client()
        case = await file_case(client, tokens)
        clock.today = date(2026, 11, 3)
        await act(client, tribunal(tokens), case["id"], "notify-counterpart")  # reply by 17 Nov
        scheduled = await act(client, tribunal(tokens), case["id"], "hearings",
                              {"kind": "meeting", "scheduled_on": "2026-11-25"}, status=201)  # fmt: skip
        [meeting] = scheduled["hearings"]
        clock.today = date(2026, 11, 25)  # the round has not run since 17 Nov
        held = await act(client, tribunal(tokens), case["id"], f"hearings/{meeting['id']}/held")
        assert held["status"] == "reply_lapsed"
        assert open_deadlines(held) == [("decision", "2026-12-23")]  # 25 Nov + 4 weeks
        await run_round(legal_db, databases, tokens, clock)
        view = (await client.get(f"{API}/cases/{case['id']}", headers=tribunal(tokens))).json()
        assert open_deadlines(view) == [("decision", "2026-12-23")]
        clock.today = date(2026, 12, 16)
        view = (await client.get(f"{API}/cases/{case['id']}", headers=tribunal(tokens))).json()
        assert view["housing_court_right"]["available"] is False

    @pytest.mark.parametrize("kind_", ["meeting", "inspection"])
    async def test_not_held_before_the_day_the_parties_were_summoned_to(
        self, legal_client, tokens, clock, kind_
    ):
        """The parties were summoned to the day (§ 85(1)-(2)); recording it held days before
        held it without them, and a meeting's earlier day moved the decision deadline earlier
        (§ 86(1)). A day moved needs a new summons: a new inspection or meeting."""
        client = await legal_client()
        case_id = await replied_case(client, tokens, clock)
        scheduled = await act(client, tribunal(tokens), case_id, "hearings",
                              {"kind": kind_, "scheduled_on": "2026-11-25"}, status=201)  # fmt: skip
        [hearing] = scheduled["hearings"]
        clock.today = date(2026, 11, 24)
        early = await act(client, tribunal(tokens), case_id, f"hearings/{hearing['id']}/held",
                          status=422)  # fmt: skip
        assert kind(early) == "deadline-rule"
        assert "2026-11-25" in early["detail"]
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        assert view["hearings"][0]["held_on"] is None
        clock.today = date(2026, 11, 25)
        held = await act(client, tribunal(tokens), case_id, f"hearings/{hearing['id']}/held")
        assert held["hearings"][0]["held_on"] == "2026-11-25"

    async def test_recorded_later_with_the_day_it_was_held(self, legal_client, tokens, clock):
        """A clerk recording a meeting two days later enters the real day: the decision
        deadline (§ 86(1)) runs from it, not from the day it was recorded."""
        client = await legal_client()
        case_id = await replied_case(client, tokens, clock)
        scheduled = await act(client, tribunal(tokens), case_id, "hearings",
                              {"kind": "meeting", "scheduled_on": "2026-11-25"}, status=201)  # fmt: skip
        [meeting] = scheduled["hearings"]
        clock.today = date(2026, 11, 27)
        held = await act(client, tribunal(tokens), case_id, f"hearings/{meeting['id']}/held",
                         {"held_on": "2026-11-25"})  # fmt: skip
        assert held["hearings"][0]["held_on"] == "2026-11-25"
        assert open_deadlines(held) == [("decision", "2026-12-23")]  # 25 Nov + 4 weeks

    @pytest.mark.parametrize(
        ("held_on", "code", "named"),
        [("2026-11-28", "in-future", "2026-11-27"),  # after today
         ("2026-11-24", "before-summoned-day", "2026-11-25")],  # before the summoned day
    )  # fmt: skip
    async def test_the_day_held_is_neither_after_today_nor_before_the_summoned_day(
        self, legal_client, tokens, clock, held_on, code, named
    ):
        client = await legal_client()
        case_id = await replied_case(client, tokens, clock)
        scheduled = await act(client, tribunal(tokens), case_id, "hearings",
                              {"kind": "inspection", "scheduled_on": "2026-11-25"}, status=201)  # fmt: skip
        [hearing] = scheduled["hearings"]
        clock.today = date(2026, 11, 27)
        refused = await act(client, tribunal(tokens), case_id, f"hearings/{hearing['id']}/held",
                            {"held_on": held_on}, status=422)  # fmt: skip
        assert kind(refused) == "deadline-rule"
        assert [(e["pointer"], e["code"]) for e in refused["errors"]] == [("#/held_on", code)]
        assert named in refused["detail"]
        view = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        assert view["hearings"][0]["held_on"] is None

    async def test_the_day_held_is_documented_in_the_openapi(self, legal_client):
        client = await legal_client()
        openapi = (await client.get("/legal-cases/openapi.json")).json()
        [path] = [p for p in openapi["paths"] if p.endswith("/hearings/{hearing_id}/held")]
        body = openapi["paths"][path]["post"]["requestBody"]
        assert "HeldIn" in str(body)
        held_on = openapi["components"]["schemas"]["HeldIn"]["properties"]["held_on"]
        assert "default today" in held_on["description"]


class TestRejectionFeesAndAudit:
    async def test_rejected_as_unfit_closes_every_deadline(self, legal_client, tokens, clock):
        client = await legal_client()
        case = await file_case(client, tokens)
        rejected = await act(client, tribunal(tokens), case["id"], "reject",
                             {"reason": "Ejendommen er en almen bolig (§ 77)."})  # fmt: skip
        assert (rejected["status"], rejected["rejected_reason"]) == (
            "rejected", "Ejendommen er en almen bolig (§ 77)."
        )  # fmt: skip
        assert rejected["open_deadlines"] == []
        assert [d["outcome"] for d in rejected["closed_deadlines"]] == ["cancelled"]
        again = await act(client, tribunal(tokens), case["id"], "notify-counterpart", status=409)
        assert kind(again) == "transition-not-allowed"

    async def test_a_fee_is_marked_paid_once(self, legal_client, tokens, clock, legal_db_url):
        client = await legal_client()
        case = await file_case(client, tokens)
        fee_id = case["fees"][0]["id"]
        clock.today = date(2026, 11, 6)
        paid = await act(client, tribunal(tokens), case["id"], f"fees/{fee_id}/paid")
        assert paid["fees"][0]["paid_on"] == "2026-11-06"
        twice = await act(client, tribunal(tokens), case["id"], f"fees/{fee_id}/paid", status=409)
        assert kind(twice) == "transition-not-allowed"
        assert sql(legal_db_url, "SELECT paid_on::text FROM fees") == [("2026-11-06",)]

    async def test_the_audit_trail_names_who_did_what_when_in_pages(
        self, legal_client, tokens, clock
    ):
        client = await legal_client()
        case_id = await replied_case(client, tokens, clock)
        first = await client.get(f"{API}/cases/{case_id}/audit?limit=2", headers=party(tokens))
        page = first.json()
        second = await client.get(
            f"{API}/cases/{case_id}/audit?limit=2&cursor={page['next_cursor']}",
            headers=party(tokens),
        )
        entries = page["items"] + second.json()["items"]
        assert second.json()["next_cursor"] is None
        assert [(e["action"], e["actor"], e["actor_role"]) for e in entries] == [
            ("filed", TENANT, "party"),
            ("counterpart_notified", "nævn-147", "tribunal"),
            ("reply_received", LANDLORD, "party"),
        ]
        assert entries[1]["detail"] == {"reply_due": "2026-11-17"}
        assert entries[2]["detail"] == {"decision_due": "2026-12-08"}


class TestForcedAdministration:
    async def test_decided_after_ordered_works_were_not_done(self, legal_client, tokens, clock):
        from .support import decision_body

        client = await legal_client()
        case = await file_case(client, tokens, apartments=8)
        await act(client, tribunal(tokens), case["id"], "notify-counterpart")
        await act(client, tribunal(tokens), case["id"], "reply", {})
        body = {
            "requested_by": "residents_representation",
            "ordered_works_due": "2027-01-31",
            "gi_works_on": ["2026-06-01"],
            "administrator": "Administrator A/S",
            "works_deadline": "2029-02-01",
        }
        early = await act(client, tribunal(tokens), case["id"], "forced-administration", body,
                          status=409)  # fmt: skip
        assert kind(early) == "transition-not-allowed"
        await act(client, tribunal(tokens), case["id"], "decision", decision_body())
        clock.today = date(2027, 1, 31)
        not_yet = await act(client, tribunal(tokens), case["id"], "forced-administration", body,
                            status=422)  # fmt: skip
        assert [e["code"] for e in not_yet["errors"]] == ["deadline-not-passed"]
        clock.today = date(2027, 2, 1)
        decided = await act(client, tribunal(tokens), case["id"], "forced-administration", body,
                            status=201)  # fmt: skip
        assert decided["forced_administration"]["administrator"] == "Administrator A/S"
        assert decided["forced_administration"]["decided_on"] == "2027-02-01"
        twice = await act(client, tribunal(tokens), case["id"], "forced-administration", body,
                          status=409)  # fmt: skip
        assert kind(twice) == "transition-not-allowed"


class TestReplyAndAnswerByOthers:
    async def test_the_reply_may_carry_its_document_checked_by_its_bytes(
        self, legal_client, tokens, clock, legal_db_url
    ):
        from .support import PNG, b64

        client = await legal_client()
        case = await file_case(client, tokens)
        await act(client, tribunal(tokens), case["id"], "notify-counterpart")
        refused = await act(client, party(tokens, LANDLORD), case["id"], "reply",
                            {"document": {"filename": "svar.pdf",
                                          "content_base64": b64(b"<html>svar</html>")}},
                            status=422)  # fmt: skip
        assert kind(refused) == "document-rejected"
        replied = await act(client, party(tokens, LANDLORD), case["id"], "reply",
                            {"document": {"filename": "foto.png", "content_base64": b64(PNG)}})  # fmt: skip
        assert [(d["filename"], d["content_type"], d["uploaded_by"]) for d in replied["documents"]][
            -1
        ] == ("foto.png", "image/png", LANDLORD)
        assert sql(legal_db_url, "SELECT count(*) FROM case_documents") == [(2,)]

    async def test_the_tribunal_records_an_answer_from_another(self, legal_client, tokens, clock):
        client = await legal_client()
        case_id = await replied_case(client, tokens, clock)
        asked = await act(client, tribunal(tokens), case_id, "questions",
                          {"addressee": "other", "text": "Kommunens tilsyn?"}, status=201)  # fmt: skip
        question_id = asked["questions"][0]["id"]
        answered = await act(client, tribunal(tokens), case_id,
                             f"questions/{question_id}/answer", {"answer": "Tilsyn 2025."})  # fmt: skip
        assert answered["questions"][0]["answer"] == "Tilsyn 2025."
        again = await act(client, tribunal(tokens), case_id, f"questions/{question_id}/answer",
                          {"answer": "x"}, status=409)  # fmt: skip
        assert kind(again) == "transition-not-allowed"
