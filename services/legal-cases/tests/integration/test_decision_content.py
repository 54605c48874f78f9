"""A behaviour case through the API: § 85(5) guidance, § 86(1) mediation, § 83(3) examination,
a conditional tenancy (§ 86(5)) decided after a lapsed reply (served), the letter's texts; and
§ 84 in a maintenance/improvement case."""

from __future__ import annotations

from datetime import date

from common.testing.documents import pdf_text

from .support import (
    API,
    LANDLORD,
    act,
    decision_body,
    file_case,
    kind,
    party,
    post,
    sql,
    tribunal,
)
from .test_deadlines_and_round import run_round

BENCH = [
    {"seat": "chair", "member_ref": "formand-1", "vote": "complainant_fully"},
    {"seat": "landlord_member", "member_ref": "udl-1", "vote": "complainant_fully"},
    {"seat": "tenant_member", "member_ref": "lej-1", "vote": "complainant_fully"},
    {"seat": "social_expert", "member_ref": "soc-1"},
]


async def behaviour_case(client, tokens, clock):
    case = await file_case(
        client, tokens, party(tokens, LANDLORD), category="behaviour",
        complainant={"kind": "landlord", "name": "Bent Udlejer ApS", "organisation_id": "ll-0042"},
        counterpart={"kind": "tenant", "name": "Karl Lejer"},
    )  # fmt: skip
    clock.today = date(2026, 11, 3)
    await act(client, tribunal(tokens), case["id"], "notify-counterpart")
    return case["id"]


class TestBehaviourCase:
    async def test_guidance_mediation_examination_and_a_served_conditional_tenancy(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        client = await legal_client()
        case_id = await behaviour_case(client, tokens, clock)
        mediation = await act(client, tribunal(tokens), case_id, "mediation",
                              {"note": "Parterne opfordret til mediation via kommunen."})  # fmt: skip
        assert mediation["mediation_encouraged_on"] == "2026-11-03"
        await act(client, tribunal(tokens), case_id, "guidance",
                  {"side": "complainant", "kind": "guidance", "note": "Vejledt om § 154"},
                  status=201)  # fmt: skip
        clock.today = date(2026, 11, 18)
        await run_round(legal_db, databases, tokens, clock)  # the tenant did not reply: lapsed
        clock.today = date(2026, 11, 20)
        decision = decision_body(members=BENCH, silence_read_in_favour=True,
                                 sanction="conditional_tenancy", social_case=True)  # fmt: skip
        refused = await act(client, tribunal(tokens), case_id, "decision", decision, status=422)
        assert kind(refused) == "decision-incomplete"
        assert [e["pointer"] for e in refused["errors"]] == [
            "/municipal_offers_examined", "/conditions", "/conditions_end_on", "/guidance"
        ]  # fmt: skip
        assert sql(legal_db_url, "SELECT count(*) FROM decisions") == [(0,)]
        await act(client, tribunal(tokens), case_id, "guidance",
                  {"side": "counterpart", "kind": "assistance", "note": "Hjælp til udtalelse"},
                  status=201)  # fmt: skip
        decided = await act(client, tribunal(tokens), case_id, "decision", {
            **decision,
            "municipal_offers_examined": "Socialforvaltningen har tilbudt bostøtte.",
            "conditions": "Ingen støjende adfærd efter kl. 22.",
            "conditions_end_on": "2027-11-20",
        })  # fmt: skip
        content = decided["decision"]["content"]
        assert {k: content[k] for k in ("sanction", "conditions_end_on", "service_required",
                                        "appeal_suspends")} == {
            "sanction": "conditional_tenancy", "conditions_end_on": "2027-11-20",
            "service_required": True, "appeal_suspends": False,
        }  # fmt: skip
        assert [(g["side"], g["kind"]) for g in decided["guidance"]] == [
            ("complainant", "guidance"), ("counterpart", "assistance")
        ]  # fmt: skip
        response = await client.get(f"{API}/cases/{case_id}/decision.pdf",
                                    headers=tribunal(tokens))  # fmt: skip
        text = pdf_text(response.content, single_spaced=True)
        assert "Retsfølge: Lejeforholdet gøres betinget (lejelovens § 154, stk. 1, nr. 1)." in text
        assert "Betingelserne ophører den 20. november 2027 (§ 86, stk. 5)." in text
        assert "forkyndes derfor for parten (§ 86, stk. 5)" in text
        assert "Socialforvaltningen har tilbudt bostøtte." in text
        assert "meddelelsespligt efter § 194 i lov om leje" in text

    async def test_mediation_and_guidance_belong_to_behaviour_cases(self, legal_client, tokens):
        client = await legal_client()
        case_id = (await file_case(client, tokens))["id"]
        await act(client, tribunal(tokens), case_id, "notify-counterpart")
        mediation = await act(client, tribunal(tokens), case_id, "mediation", {"note": "x"},
                              status=422)  # fmt: skip
        guidance = await act(client, tribunal(tokens), case_id, "guidance",
                             {"side": "complainant", "kind": "guidance", "note": "x"},
                             status=422)  # fmt: skip
        assert kind(mediation) == kind(guidance) == "not-for-this-category"
        forbidden = await client.post(f"{API}/cases/{case_id}/mediation", json={"note": "x"},
                                      headers=post(party(tokens)))  # fmt: skip
        assert forbidden.status_code == 403


class TestSection84:
    async def test_gi_information_is_required_after_a_recent_control_notice(
        self, legal_client, tokens, clock
    ):
        client = await legal_client()
        case_id = (await file_case(client, tokens, category="improvements"))["id"]
        await act(client, tribunal(tokens), case_id, "notify-counterpart")
        await act(client, tribunal(tokens), case_id, "reply", {})
        clock.today = date(2026, 11, 20)
        body = decision_body(maintenance_improvement_split=True,
                             gi_control_notice_on="2024-03-01", improvement_approved=True)  # fmt: skip
        refused = await act(client, tribunal(tokens), case_id, "decision", body, status=422)
        assert [e["pointer"] for e in refused["errors"]] == ["/gi_information"]
        decided = await act(client, tribunal(tokens), case_id, "decision",
                            {**body, "gi_information": "GI: 60 % vedligeholdelse."})  # fmt: skip
        assert decided["decision"]["content"]["appeal_suspends"] is True
        response = await client.get(f"{API}/cases/{case_id}/decision.pdf",
                                    headers=tribunal(tokens))  # fmt: skip
        text = pdf_text(response.content, single_spaced=True)
        assert "har opsættende virkning (§ 86, stk. 9)" in text
