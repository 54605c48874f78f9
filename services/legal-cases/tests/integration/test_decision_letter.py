"""The decision letter as PDF: reasons, the votes of a split decision, fees, appeal guidance."""

from __future__ import annotations

from datetime import date

from common.testing.documents import pdf_text

from .support import API, STRANGER, act, decision_body, file_case, kind, party, tribunal


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
