"""§ 86(6)-(8) through the API: a final decision on a sublet, the subtenant's notice after the
deadline, the request for documentation (7 days on the work list) and the landlord told."""

from __future__ import annotations

from datetime import date

from common.testing.documents import pdf_text

from .support import API, act, decision_body, file_case, kind, party, sql, tribunal
from .test_deadlines_and_round import run_round


async def final_sublet_decision(client, tokens, clock, legal_db, databases):
    case = await file_case(client, tokens, category="other")
    await act(client, tribunal(tokens), case["id"], "notify-counterpart")
    await act(client, tribunal(tokens), case["id"], "reply", {})
    clock.today = date(2026, 11, 20)
    await act(client, tribunal(tokens), case["id"], "decision", decision_body(
        sublet_obligations=True, sublet_compliance_due="2027-01-15",
    ))  # fmt: skip
    clock.today = date(2026, 12, 19)
    await run_round(legal_db, databases, tokens, clock)  # the window passed: final
    return case["id"]


class TestSubletNoncompliance:
    async def test_notice_request_seven_days_and_the_landlord_told(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        client = await legal_client()
        case_id = await final_sublet_decision(client, tokens, clock, legal_db, databases)
        letter = await client.get(f"{API}/cases/{case_id}/decision.pdf", headers=party(tokens))
        text = pdf_text(letter.content, single_spaced=True)
        assert "opfyldt senest den 15. januar 2027" in text
        assert "§ 171, stk. 1, nr. 5, i lov om leje" in text
        clock.today = date(2027, 1, 15)
        early = await act(client, party(tokens), case_id, "sublet-noncompliance",
                          {"details": "Fremlejen er ikke bragt i orden."}, status=422)  # fmt: skip
        assert kind(early) == "sublet-notice-rejected"
        clock.today = date(2027, 1, 18)
        noticed = await act(client, party(tokens), case_id, "sublet-noncompliance",
                            {"details": "Fremlejen er ikke bragt i orden."}, status=201)  # fmt: skip
        assert noticed["sublet_notice"]["noticed_on"] == "2027-01-18"
        out_of_order = await act(client, tribunal(tokens), case_id, "sublet-noncompliance/steps",
                                 {"step": "landlord_told", "on": "2027-01-18"}, status=422)  # fmt: skip
        assert [e["code"] for e in out_of_order["errors"]] == ["out-of-order"]
        requested = await act(client, tribunal(tokens), case_id, "sublet-noncompliance/steps",
                              {"step": "documentation_requested", "on": "2027-01-18"})  # fmt: skip
        assert requested["sublet_notice"]["documentation_due"] == "2027-01-25"
        assert [(d["kind"], d["due_on"]) for d in requested["open_deadlines"]] == [
            ("sublet_documentation", "2027-01-25")
        ]
        clock.today = date(2027, 1, 25)
        too_early = await act(client, tribunal(tokens), case_id, "sublet-noncompliance/steps",
                              {"step": "landlord_told", "on": "2027-01-25"}, status=422)  # fmt: skip
        assert [e["code"] for e in too_early["errors"]] == ["too-early"]
        clock.today = date(2027, 1, 26)
        work = (await client.get(f"{API}/work-list?window=overdue",
                                 headers=tribunal(tokens))).json()  # fmt: skip
        assert [(i["kind"], i["case_id"]) for i in work["items"]] == [
            ("sublet_documentation", case_id)
        ]
        told = await act(client, tribunal(tokens), case_id, "sublet-noncompliance/steps",
                         {"step": "landlord_told", "on": "2027-01-26"})  # fmt: skip
        assert told["sublet_notice"]["landlord_told_on"] == "2027-01-26"
        assert told["open_deadlines"] == []
        again = await act(client, tribunal(tokens), case_id, "sublet-noncompliance/steps",
                          {"step": "documented", "on": "2027-01-26"}, status=422)  # fmt: skip
        assert [e["code"] for e in again["errors"]] == ["done"]
        assert sql(legal_db_url, "SELECT outcome FROM case_deadlines WHERE "
                   "kind='sublet_documentation'") == [("lapsed",)]  # fmt: skip

    async def test_only_for_a_final_decision_with_sublet_obligations(
        self, legal_client, tokens, clock
    ):
        client = await legal_client()
        case = await file_case(client, tokens)
        refused = await act(client, party(tokens), case["id"], "sublet-noncompliance",
                            {"details": "x"}, status=422)  # fmt: skip
        assert kind(refused) == "sublet-notice-rejected"
        missing = await act(client, tribunal(tokens), case["id"], "sublet-noncompliance/steps",
                            {"step": "documented", "on": "2026-11-02"}, status=404)  # fmt: skip
        assert kind(missing) == "case-part-not-found"
