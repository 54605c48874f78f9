"""A case from filing to decision on the real database, under a controlled clock: each step's
stored state, deadlines, fees and outbox events."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from common.events.contracts import CaseDecidedV1, CaseFiledV1, CounterpartNotifiedV1
from common.events.envelope import Envelope

from .support import (
    API,
    LANDLORD,
    PDF,
    act,
    b64,
    case_body,
    decision_body,
    file_case,
    kind,
    outbox,
    party,
    post,
    sql,
    tribunal,
)


def events(db_url, event_type, contract):
    return [contract.from_envelope(Envelope.from_structured(e)) for e in outbox(db_url, event_type)]


class TestFileCase:
    async def test_a_tenant_files_and_owes_the_fee_of_the_filing_date(
        self, legal_client, tokens, legal_db_url
    ):
        client = await legal_client()
        case = await file_case(client, tokens)
        assert case["status"] == "filed"
        assert case["filed_on"] == "2026-11-02"
        assert [(f["kind"], f["amount"], f["paid_on"]) for f in case["fees"]] == [
            ("standard", "367.00", None)
        ]
        assert [(d["kind"], d["due_on"]) for d in case["open_deadlines"]] == [
            ("notify_counterpart", "2026-11-09")
        ]
        assert [(p["side"], p["kind"], p["subject"]) for p in case["parties"]] == [
            ("complainant", "tenant", "party:tenant-anna"),
            ("counterpart", "landlord", LANDLORD),
        ]
        [doc] = case["documents"]
        assert (doc["content_type"], doc["size_bytes"]) == ("application/pdf", len(PDF))
        stored = sql(legal_db_url, "SELECT content FROM case_documents WHERE id=%s", doc["id"])
        assert bytes(stored[0][0]) == PDF

    async def test_the_filed_event_carries_ids_and_facts_never_names(
        self, legal_client, tokens, legal_db_url
    ):
        client = await legal_client()
        case = await file_case(client, tokens)
        [raw] = outbox(legal_db_url, "legal_cases.case.filed")
        assert "Anna" not in json.dumps(raw)
        assert "Bent" not in json.dumps(raw)
        [event] = events(legal_db_url, "legal_cases.case.filed", CaseFiledV1)
        assert (event.case_id, event.tribunal_code, event.filing_fee) == (
            case["id"], "147", Decimal("367.00")
        )  # fmt: skip
        assert (event.complainant_kind, event.counterpart_kind) == ("tenant", "landlord")
        assert event.notify_counterpart_due == date(2026, 11, 9)

    async def test_the_19_3_fee_applies_to_its_category(self, legal_client, tokens):
        client = await legal_client()
        case = await file_case(client, tokens, category="rent_act_19_3")
        assert [(f["kind"], f["amount"]) for f in case["fees"]] == [("rent_act_19_3", "4679.00")]

    async def test_a_document_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_stored(
        self, legal_client, tokens, legal_db_url
    ):
        client = await legal_client()
        body = {"filename": "klage.pdf", "content_base64": b64(b"MZ\x90\x00 not a pdf")}
        response = await client.post(
            f"{API}/cases", json=case_body(documents=[body]), headers=post(party(tokens))
        )
        assert response.status_code == 422, response.text
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert kind(problem) == "document-rejected"
        assert sql(legal_db_url, "SELECT count(*) FROM cases") == [(0,)]

    async def test_a_retried_filing_with_the_same_key_files_once(
        self, legal_client, tokens, legal_db_url
    ):
        client = await legal_client()
        headers = post(party(tokens))
        first = await client.post(f"{API}/cases", json=case_body(), headers=headers)
        again = await client.post(f"{API}/cases", json=case_body(), headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.headers.get("idempotent-replayed") == "true"
        assert again.json()["id"] == first.json()["id"]
        assert sql(legal_db_url, "SELECT count(*) FROM cases") == [(1,)]


class TestToDecision:
    async def test_notify_reply_inspect_decide(self, legal_client, tokens, legal_db_url, clock):
        client = await legal_client()
        case = await file_case(client, tokens)
        case_id = case["id"]

        clock.today = date(2026, 11, 3)
        notified = await act(client, tribunal(tokens), case_id, "notify-counterpart")
        assert notified["status"] == "counterpart_notified"
        assert [(d["kind"], d["due_on"]) for d in notified["open_deadlines"]] == [
            ("reply", "2026-11-17")
        ]
        [event] = events(
            legal_db_url, "legal_cases.case.counterpart_notified", CounterpartNotifiedV1
        )
        assert (event.reply_due, event.counterpart_organisation_id) == (
            date(2026, 11, 17), "ll-0042"
        )  # fmt: skip

        clock.today = date(2026, 11, 10)
        replied = await act(client, party(tokens, LANDLORD), case_id, "reply", {})
        assert (replied["status"], replied["reply_on"]) == ("reply_received", "2026-11-10")
        assert [(d["kind"], d["due_on"]) for d in replied["open_deadlines"]] == [
            ("decision", "2026-12-08")
        ]

        too_soon = await act(
            client, tribunal(tokens), case_id, "hearings",
            {"kind": "inspection", "scheduled_on": "2026-11-16"}, status=422,
        )  # fmt: skip
        assert kind(too_soon) == "deadline-rule"
        inspected = await act(
            client, tribunal(tokens), case_id, "hearings",
            {"kind": "inspection", "scheduled_on": "2026-11-17"}, status=201,
        )  # fmt: skip
        [hearing] = inspected["hearings"]
        clock.today = date(2026, 11, 17)
        await act(client, tribunal(tokens), case_id, f"hearings/{hearing['id']}/held")

        clock.today = date(2026, 11, 20)
        decided = await act(client, tribunal(tokens), case_id, "decision", decision_body())
        decision = decided["decision"]
        assert decided["status"] == "decided"
        assert (decision["outcome"], decision["unanimous"], decision["appeal_body"]) == (
            "complainant_fully", True, "housing_court"
        )  # fmt: skip
        assert decision["appeal_due"] == "2026-12-18"
        assert all(seat["vote"] is None for seat in decision["bench"])  # unanimous: no votes
        assert [(f["kind"], f["payer_side"], f["amount"]) for f in decided["fees"]] == [
            ("standard", "complainant", "367.00"),
            ("landlord_tenant_won", "counterpart", "7019.00"),
        ]
        assert [(d["kind"], d["due_on"]) for d in decided["open_deadlines"]] == [
            ("appeal", "2026-12-18")
        ]
        [event] = events(legal_db_url, "legal_cases.case.decided", CaseDecidedV1)
        assert (event.outcome, event.landlord_fee, event.appeal_due) == (
            "complainant_fully", Decimal("7019.00"), date(2026, 12, 18)
        )  # fmt: skip

    async def test_a_split_decision_records_each_vote_and_the_chair_breaks_a_tie(
        self, legal_client, tokens, clock
    ):
        client = await legal_client()
        case_id = (await file_case(client, tokens))["id"]
        await act(client, tribunal(tokens), case_id, "notify-counterpart")
        await act(client, tribunal(tokens), case_id, "reply", {})
        members = [
            {"seat": "chair", "member_ref": "f", "vote": "complainant_partly"},
            {"seat": "landlord_member", "member_ref": "u", "vote": "counterpart"},
            {"seat": "tenant_member", "member_ref": "l", "vote": "complainant_fully"},
        ]
        missing = await act(
            client, tribunal(tokens), case_id, "decision", decision_body(members=members),
            status=422,
        )  # fmt: skip
        assert [e["pointer"] for e in missing["errors"]] == ["/dissent_reasons"]
        decided = await act(
            client, tribunal(tokens), case_id, "decision",
            decision_body(members=members, dissent_reasons="Mindretallet fandt …"),
        )  # fmt: skip
        decision = decided["decision"]
        assert (decision["outcome"], decision["unanimous"], decision["chair_decided_tie"]) == (
            "complainant_partly", False, True
        )  # fmt: skip
        assert [(s["seat"], s["vote"]) for s in decision["bench"]] == [
            ("chair", "complainant_partly"),
            ("landlord_member", "counterpart"),
            ("tenant_member", "complainant_fully"),
        ]
        assert [f["kind"] for f in decided["fees"]] == ["standard"]  # partly: no landlord fee

    async def test_no_decision_without_reasons_or_guidance_and_nothing_is_stored(
        self, legal_client, tokens, legal_db_url
    ):
        client = await legal_client()
        case_id = (await file_case(client, tokens))["id"]
        await act(client, tribunal(tokens), case_id, "notify-counterpart")
        await act(client, tribunal(tokens), case_id, "reply", {})
        problem = await act(
            client, tribunal(tokens), case_id, "decision",
            decision_body(reasons=" ", appeal_guidance=None), status=422,
        )  # fmt: skip
        assert kind(problem) == "decision-incomplete"
        assert [e["pointer"] for e in problem["errors"]] == ["/reasons", "/appeal_guidance"]
        assert sql(legal_db_url, "SELECT status FROM cases") == [("reply_received",)]
        assert outbox(legal_db_url, "legal_cases.case.decided") == []

    async def test_quorum_not_met_is_refused(self, legal_client, tokens, legal_db_url):
        client = await legal_client()
        case_id = (await file_case(client, tokens))["id"]
        await act(client, tribunal(tokens), case_id, "notify-counterpart")
        await act(client, tribunal(tokens), case_id, "reply", {})
        problem = await act(
            client, tribunal(tokens), case_id, "decision",
            decision_body(members=decision_body()["members"][:2]), status=422,
        )  # fmt: skip
        assert kind(problem) == "quorum-not-met"
        assert sql(legal_db_url, "SELECT count(*) FROM decisions") == [(0,)]

    async def test_deciding_before_the_reply_is_a_conflict(self, legal_client, tokens):
        client = await legal_client()
        case_id = (await file_case(client, tokens))["id"]
        await act(client, tribunal(tokens), case_id, "notify-counterpart")
        problem = await act(
            client, tribunal(tokens), case_id, "decision", decision_body(), status=409
        )
        assert kind(problem) == "transition-not-allowed"


class TestNextYearsIndex:
    async def test_a_deployment_adds_next_years_index_without_a_release(
        self, legal_client, tokens, clock
    ):
        clock.today = date(2028, 1, 3)
        client = await legal_client()
        missing = await client.post(f"{API}/cases", json=case_body(), headers=post(party(tokens)))
        assert missing.status_code == 422
        assert kind(missing.json()) == "fee-index-missing"
        client = await legal_client(net_price_index={2027: "124.5"})
        case = await file_case(client, tokens)
        # 315 × 124.5 / 103.7667 (July 2019 – June 2020) = 377.94 → 378
        assert [(f["kind"], f["amount"]) for f in case["fees"]] == [("standard", "378.00")]
