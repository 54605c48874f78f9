"""The decision letter as PDF: reasons, the votes of a split decision, fees, appeal guidance."""

from __future__ import annotations

from datetime import date

from common.testing.documents import pdf_text

from .support import (
    API,
    STRANGER,
    act,
    case_body,
    decision_body,
    file_case,
    kind,
    outbox,
    party,
    post,
    tribunal,
)


class TestDecisionLetter:
    async def test_a_split_decision_letter_in_danish(self, legal_client, tokens, clock):
        client = await legal_client()
        case_id = (await file_case(client, tokens))["id"]
        await act(client, tribunal(tokens), case_id, "notify-counterpart")
        early = await client.get(f"{API}/cases/{case_id}/decision.pdf", headers=party(tokens))
        assert early.status_code == 404
        assert kind(early.json()) == "case-part-not-found"
        await act(client, tribunal(tokens), case_id, "reply", {})
        clock.today = date(2026, 11, 20)
        members = [
            {"seat": "chair", "member_ref": "formand-hansen", "vote": "complainant_fully"},
            {"seat": "landlord_member", "member_ref": "U-medlem", "vote": "counterpart"},
            {"seat": "tenant_member", "member_ref": "L-medlem", "vote": "complainant_fully"},
        ]
        await act(client, tribunal(tokens), case_id, "decision", decision_body(
            members=members, dissent_reasons="Mindretallet finder manglerne uvæsentlige.",
        ))  # fmt: skip
        response = await client.get(f"{API}/cases/{case_id}/decision.pdf", headers=party(tokens))
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        text = pdf_text(response.content, single_spaced=True)
        assert "Huslejenævnet i Frederiksberg" in text
        assert "Afgørelse af 20. november 2026" in text
        assert "Klageren får fuldt medhold." in text
        assert "ikke enstemmig" in text
        assert "Mindretallet finder manglerne uvæsentlige." in text
        assert "Medlem (udlejerside) U-medlem Modparten får medhold" in text
        assert "Manglerne er dokumenteret ved besigtigelsen" in text
        assert "Klagevejledning" in text
        assert "udløber den 18. december 2026" in text
        assert "7.019,00" in text  # the landlord's fee at 2026 level, not 6.024
        stranger = await client.get(
            f"{API}/cases/{case_id}/decision.pdf", headers=party(tokens, STRANGER)
        )
        assert stranger.status_code == 404


class TestProvisionalFees:
    """No July 2024 – June 2025 index figure configured: with carry-forward allowed (as the
    embedded run does) a 2026 filing is taken, its fee marked provisional on the case, in the
    event and in the letter; without it the filing is refused."""

    async def test_without_the_figure_a_2026_filing_is_refused_naming_the_setting(
        self, legal_client, tokens
    ):
        client = await legal_client(without_test_index=True)
        response = await client.post(f"{API}/cases", json=case_body(), headers=post(party(tokens)))
        assert response.status_code == 422
        assert kind(response.json()) == "fee-index-missing"
        assert "LEGAL_CASES_NET_PRICE_INDEX" in response.json()["detail"]

    async def test_carried_forward_the_fee_is_provisional_everywhere(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client(without_test_index=True, fee_index_carry_forward=True)
        case = await file_case(client, tokens)
        [fee] = case["fees"]
        assert (fee["kind"], fee["amount"], fee["provisional"]) == ("standard", "359.00", True)
        assert fee["basis"].startswith(
            "Foreløbigt beløb: nettoprisindeks, gennemsnit juli 2023 - juni 2024"
        )
        [filed] = outbox(legal_db_url, "legal_cases.case.filed")
        assert filed["data"]["filing_fee_provisional"] is True
        assert filed["data"]["filing_fee"] == "359.00"
        case_id = case["id"]
        await act(client, tribunal(tokens), case_id, "notify-counterpart")
        await act(client, tribunal(tokens), case_id, "reply", {})
        clock.today = date(2026, 11, 20)
        decided = await act(client, tribunal(tokens), case_id, "decision", decision_body())
        landlord_fee = decided["fees"][-1]
        assert (landlord_fee["amount"], landlord_fee["provisional"]) == ("6874.00", True)
        [event] = outbox(legal_db_url, "legal_cases.case.decided")
        assert event["data"]["landlord_fee_provisional"] is True
        response = await client.get(f"{API}/cases/{case_id}/decision.pdf", headers=party(tokens))
        text = pdf_text(response.content, single_spaced=True)
        assert "6.874,00 kr. (foreløbigt)*" in text
        assert "359,00 kr. (foreløbigt)*" in text
        assert "* Foreløbigt beløb: nettoprisindeks, gennemsnit juli 2023 - juni 2024" in text
