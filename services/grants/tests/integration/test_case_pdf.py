"""The case as PDF: what the fund and the applicant see printed."""

from __future__ import annotations

from common.testing.documents import pdf_text

from .support import API, create, fund, master_data, org, post, statement, to_status


class TestCasePdf:
    async def test_a_committed_case_as_pdf(self, grants_client, grants_db, tokens):
        client = await grants_client()
        await master_data(grants_db)
        app = await create(client, tokens, year=2024)  # committed 2024–2027: 2024 has ended
        app = await to_status(client, tokens, app, "committed")
        handed_in = await client.post(
            f"{API}/applications/{app['id']}/statements/2024",
            json=statement(
                closing="50000.00",
                expenses={"staff": "1200000.00"},
                explanation="Ansættelse udskudt til marts.",
            ),
            headers=post(org(tokens, "o-1")),
        )
        assert handed_in.status_code == 200, handed_in.text
        r = await client.get(f"{API}/applications/{app['id']}/pdf", headers=org(tokens, "o-1"))
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/pdf"
        text = pdf_text(r.content, single_spaced=True)
        assert f"§ 91a-sag {app['id']}" in text
        assert "Boligsocial indsats Søndergården" in text
        assert "Tilsagn givet" in text
        assert "7.000.000,00" in text  # the commitment
        assert "7.500.000,00" in text  # reserved and applied for
        assert "KB pkt. 7" in text
        assert "Status på mål, indikatorer og aktiviteter" in text
        assert "Høj ledighed og mange unge uden uddannelse." in text
        assert "Administration og revision" in text
        assert "30. juni 2025" in text  # the 2024 statement's deadline
        assert "Prequalified;" in text  # the history
        # the 2024 regulation account: in 1.250.000, out 1.200.000, 50.000 left and why
        assert "0,00 kr. 1.250.000,00 kr. 1.200.000,00 kr. 50.000,00 kr." in text
        assert "Redegørelse: Ansættelse udskudt til marts." in text
        assert "Beboerdata resident_data.bin" in text  # attachments by their Danish name

    async def test_another_organisation_gets_404(self, grants_client, grants_db, tokens):
        client = await grants_client()
        await master_data(grants_db)
        app = await create(client, tokens)
        r = await client.get(f"{API}/applications/{app['id']}/pdf", headers=org(tokens, "o-2"))
        assert r.status_code == 404
        r = await client.get(f"{API}/applications/{app['id']}/pdf", headers=fund(tokens))
        assert r.status_code == 200
