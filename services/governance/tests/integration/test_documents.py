"""Attachments, the package as PDF and the statistics as Excel, each read back (pypdf,
openpyxl), and what the public sees."""

from __future__ import annotations

import io

import openpyxl
import pypdf
import pytest

from common.calendar import danish_date
from common.events.contracts import CriticalColour
from common.testing.documents import pdf_text

from .support import (
    API,
    YEAR,
    apply,
    department,
    figure,
    fill_in,
    fund,
    key_figures,
    municipality,
    open_year,
    org,
    organisation,
    pdf_bytes,
    post_headers,
    sql,
)

PKG = f"pkg-{YEAR}-BO-1"


@pytest.fixture
async def client(governance_client, governance_db, tokens):
    client = await governance_client()
    await apply(
        governance_db,
        organisation("BO-1", "101"),
        organisation("BO-2", "147"),
        department("d1", "BO-1", "101"),
        department("d2", "BO-1", "147"),
        department("d3", "BO-2", "147"),
        key_figures(
            "d1",
            "BO-1",
            figure("rent_per_m2", CriticalColour.RED, value="1034.50", benchmark="772.00"),
            figure("vacancy", CriticalColour.GREEN, value="0.8", benchmark="1.2"),
        ),
        key_figures(
            "d2",
            "BO-1",
            figure("rent_per_m2", CriticalColour.YELLOW, value="901.00", benchmark="772.00"),
        ),
        key_figures("d3", "BO-2", figure("rent_per_m2", CriticalColour.GREEN)),
    )
    await open_year(client, tokens)
    return client


def attach(
    client,
    headers,
    content: bytes,
    *,
    filename="bilag.pdf",
    content_type="application/pdf",
    kind="extra",
):
    return client.post(
        f"{API}/packages/{PKG}/attachments?kind={kind}&filename={filename}",
        content=content,
        headers=post_headers({**headers, "Content-Type": content_type}),
    )


class TestAttachments:
    async def test_a_pdf_is_attached_and_read_back_byte_for_byte(self, client, tokens):
        content = pdf_bytes("Årsberetning 2026")
        response = await attach(
            client, org(tokens, "BO-1"), content, filename="årsberetning.pdf", kind="accounts"
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["kind"], body["filename"], body["size_bytes"]) == (
            "accounts",
            "årsberetning.pdf",
            len(content),
        )
        downloaded = await client.get(
            f"{API}/packages/{PKG}/attachments/{body['id']}", headers=org(tokens, "BO-1")
        )
        assert downloaded.content == content
        assert downloaded.headers["content-type"] == "application/pdf"
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert [a["id"] for a in package["attachments"]] == [body["id"]]

    async def test_a_filename_outside_latin_1_downloads_with_an_encoded_name(self, client, tokens):
        created = (
            await attach(client, org(tokens, "BO-1"), pdf_bytes(), filename="报告-ß.pdf")
        ).json()
        downloaded = await client.get(
            f"{API}/packages/{PKG}/attachments/{created['id']}", headers=org(tokens, "BO-1")
        )
        assert downloaded.status_code == 200
        assert (
            "filename*=UTF-8''%E6%8A%A5%E5%91%8A-%C3%9F.pdf"
            in downloaded.headers["content-disposition"]
        )

    async def test_the_content_decides_not_the_declared_type(self, client, tokens):
        response = await attach(
            client, org(tokens, "BO-1"), b"\x89PNG\r\n\x1a\n fake", content_type="application/pdf"
        )
        assert response.status_code == 422
        assert response.json()["type"] == "urn:housing:problem:attachment-rejected"

    async def test_pdf_magic_followed_by_html_is_not_a_pdf(self, client, tokens):
        """Issue 12, item 4: only the first bytes used to be read."""
        response = await attach(
            client,
            org(tokens, "BO-1"),
            b"%PDF-1.7\n<html><script>alert(1)</script></html>",
            content_type="application/pdf",
        )
        assert response.status_code == 422
        assert "not a readable PDF" in response.json()["detail"]

    async def test_another_declared_type_is_refused(self, client, tokens):
        response = await attach(client, org(tokens, "BO-1"), pdf_bytes(), content_type="image/png")
        assert response.status_code == 422

    async def test_a_file_over_the_limit_is_refused(self, governance_client, governance_db, tokens):
        client = await governance_client(attachment_max_bytes=2048)
        await apply(governance_db, organisation("BO-1", "101"), department("d1", "BO-1", "101"))
        await open_year(client, tokens)
        response = await attach(client, org(tokens, "BO-1"), b"%PDF-1.7\n" + b"0" * 4096)
        assert response.status_code == 422
        assert response.json()["type"] == "urn:housing:problem:attachment-too-large"

    async def test_a_path_in_the_filename_is_dropped(self, client, tokens):
        response = await attach(
            client, org(tokens, "BO-1"), pdf_bytes(), filename="../../etc/passwd.pdf"
        )
        assert response.json()["filename"] == "passwd.pdf"

    async def test_another_organisation_can_neither_attach_nor_read(self, client, tokens):
        created = (await attach(client, org(tokens, "BO-1"), pdf_bytes())).json()
        assert (await attach(client, org(tokens, "BO-2"), pdf_bytes())).status_code == 404
        response = await client.get(
            f"{API}/packages/{PKG}/attachments/{created['id']}", headers=org(tokens, "BO-2")
        )
        assert response.status_code == 404

    async def test_a_location_municipality_gets_no_attachments_of_the_organisation(
        self, client, tokens, governance_db
    ):
        created = (await attach(client, org(tokens, "BO-1"), pdf_bytes(), kind="accounts")).json()
        await comment_and_send(client, tokens, governance_db)
        home = (
            await client.get(f"{API}/packages/{PKG}", headers=municipality(tokens, "101"))
        ).json()
        assert [a["id"] for a in home["attachments"]] == [created["id"]]
        location = (
            await client.get(f"{API}/packages/{PKG}", headers=municipality(tokens, "147"))
        ).json()
        assert location["attachments"] == []
        response = await client.get(
            f"{API}/packages/{PKG}/attachments/{created['id']}", headers=municipality(tokens, "147")
        )
        assert response.status_code == 404

    async def test_an_attachment_is_removed_while_the_package_is_being_prepared(
        self, client, tokens
    ):
        created = (await attach(client, org(tokens, "BO-1"), pdf_bytes())).json()
        response = await client.delete(
            f"{API}/packages/{PKG}/attachments/{created['id']}", headers=org(tokens, "BO-1")
        )
        assert response.status_code == 204
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert package["attachments"] == []


async def comment_and_send(client, tokens, governance_db):
    headers = org(tokens, "BO-1")
    await fill_in(client, tokens, PKG, "BO-1", governance_db)
    for dep, code in (("d1", "rent_per_m2"), ("d2", "rent_per_m2")):
        await client.put(
            f"{API}/packages/{PKG}/departments/{dep}/key-figures/{code}/comment",
            json={"comment": f"Forklaring {dep}"},
            headers=headers,
        )
    response = await client.post(f"{API}/packages/{PKG}/send", headers=post_headers(headers))
    assert response.status_code == 200, response.text


class TestPdf:
    async def test_the_whole_package_with_answers_figures_colours_and_comments(
        self, client, tokens
    ):
        await fill_in(client, tokens, PKG, "BO-1")
        await client.put(
            f"{API}/packages/{PKG}/departments/d1/key-figures/rent_per_m2/comment",
            json={"comment": "Ny fjernvarmeaftale"},
            headers=org(tokens, "BO-1"),
        )
        response = await client.get(f"{API}/packages/{PKG}/pdf", headers=org(tokens, "BO-1"))
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        text = pdf_text(response.content)
        assert "Dokumentationspakke 2027" in text
        assert "Styringsrapport" in text
        assert "Afdelingsskema – afdeling d1" in text
        assert "Afdelingsskema – afdeling d2" in text
        assert "Fælles indkøb og digital drift." in text
        assert "1034.50" in text
        assert "772.00" in text
        assert "Rød" in text
        assert "Gul" in text
        assert "Grøn" in text
        assert "Ny fjernvarmeaftale" in text
        assert "Regnskab 2026" in text

    async def test_the_colours_are_painted(self, client, tokens):
        response = await client.get(
            f"{API}/packages/{PKG}/pdf?form=d1", headers=org(tokens, "BO-1")
        )
        page = pypdf.PdfReader(io.BytesIO(response.content)).pages[0]
        content = page.get_contents().get_data().decode("latin-1")
        red = "0.878431 0.4 0.4 rg"  # #E06666, the red of the template
        green = "0.576471 0.768627 0.490196 rg"  # #93C47D
        assert red in content
        assert green in content

    async def test_one_form_alone(self, client, tokens):
        response = await client.get(
            f"{API}/packages/{PKG}/pdf?form=d2", headers=org(tokens, "BO-1")
        )
        text = pdf_text(response.content)
        assert "afdeling d2" in text
        assert "afdeling d1" not in text
        assert "Styringsrapport" not in text

    async def test_a_location_municipality_prints_only_what_it_sees(
        self, client, tokens, governance_db
    ):
        await comment_and_send(client, tokens, governance_db)
        text = pdf_text(
            (
                await client.get(f"{API}/packages/{PKG}/pdf", headers=municipality(tokens, "147"))
            ).content
        )
        assert "Styringsrapport" in text
        assert "afdeling d2" in text
        assert "afdeling d1" not in text
        response = await client.get(
            f"{API}/packages/{PKG}/pdf?form=d1", headers=municipality(tokens, "147")
        )
        assert response.status_code == 404

    async def test_another_organisation_gets_404(self, client, tokens):
        assert (
            await client.get(f"{API}/packages/{PKG}/pdf", headers=org(tokens, "BO-2"))
        ).status_code == 404


class TestStatistics:
    async def test_key_figure_report_has_five_years_of_history(
        self, client, tokens, governance_db, governance_db_url
    ):
        await open_year(client, tokens, YEAR - 1)
        sql(
            governance_db_url,
            "UPDATE forms SET figures = %s::jsonb WHERE package_id = %s AND key = 'd1'",
            '[{"code": "rent_per_m2", "value": "990.00", "unit": "DKK/m²/år", "benchmark": "760.00", "benchmark_indexed": false, "colour": "yellow"}]',
            f"pkg-{YEAR - 1}-BO-1",
        )
        body = (
            await client.get(
                f"{API}/statistics/key-figures?year={YEAR}&organisation_id=BO-1",
                headers=org(tokens, "BO-1"),
            )
        ).json()
        assert body["years"] == [YEAR - 4, YEAR - 3, YEAR - 2, YEAR - 1, YEAR]
        rent = next(
            r for r in body["rows"] if (r["department_id"], r["code"]) == ("d1", "rent_per_m2")
        )
        assert rent["years"][str(YEAR - 1)] == {
            "value": "990.00",
            "benchmark": "760.00",
            "colour": "yellow",
        }
        assert rent["years"][str(YEAR)]["colour"] == "red"

    async def test_the_excel_export_keeps_the_critical_colours(self, client, tokens):
        response = await client.get(
            f"{API}/statistics/key-figures?year={YEAR}&format=xlsx", headers=org(tokens, "BO-1")
        )
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        header = [c.value for c in sheet[1]]
        assert header[:4] == ["Boligorganisation", "Afdeling", "Nøgletal", "Enhed"]
        column = header.index(str(YEAR)) + 1
        rows = {(r[1].value, r[2].value): r for r in sheet.iter_rows(min_row=2)}
        red_cell = rows[("d1", "rent_per_m2")][column - 1]
        assert red_cell.value == pytest.approx(1034.5)
        assert red_cell.fill.fgColor.rgb == "FFE06666"
        assert rows[("d2", "rent_per_m2")][column - 1].fill.fgColor.rgb == "FFFFD966"
        assert rows[("d1", "vacancy")][column - 1].fill.fgColor.rgb == "FF93C47D"
        assert rows[("d1", "rent_per_m2")][column + 1].value == "Rød"
        assert {k[0] for k in rows} == {"d1", "d2"}  # not BO-2's department

    async def test_the_department_report_is_a_tree(self, client, tokens):
        body = (
            await client.get(f"{API}/statistics/departments?year={YEAR}", headers=fund(tokens))
        ).json()
        assert [o["organisation_id"] for o in body["organisations"]] == ["BO-1", "BO-2"]
        bo1 = body["organisations"][0]
        assert [d["department_id"] for d in bo1["departments"]] == ["d1", "d2"]
        assert (bo1["red_figures"], bo1["yellow_figures"]) == (1, 1)
        assert body["codes"] == ["rent_per_m2", "vacancy"]

    async def test_the_department_tree_in_excel_folds_departments_under_their_organisation(
        self, client, tokens
    ):
        response = await client.get(
            f"{API}/statistics/departments?year={YEAR}&format=xlsx", headers=fund(tokens)
        )
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        values = [[c.value for c in row[:2]] for row in sheet.iter_rows(min_row=2)]
        assert values == [
            ["BO-1", "2 afdelinger"],
            [None, "d1"],
            [None, "d2"],
            ["BO-2", "1 afdelinger"],
            [None, "d3"],
        ]
        assert [sheet.row_dimensions[i].outline_level for i in range(2, 7)] == [0, 1, 1, 0, 1]
        assert sheet.cell(row=3, column=5).fill.fgColor.rgb == "FFE06666"

    async def test_a_municipality_sees_statistics_only_of_what_was_sent_to_it(
        self, client, tokens, governance_db
    ):
        before = (
            await client.get(
                f"{API}/statistics/departments?year={YEAR}", headers=municipality(tokens, "147")
            )
        ).json()
        assert before["organisations"] == []
        await comment_and_send(client, tokens, governance_db)
        after = (
            await client.get(
                f"{API}/statistics/departments?year={YEAR}", headers=municipality(tokens, "147")
            )
        ).json()
        assert [
            (o["organisation_id"], [d["department_id"] for d in o["departments"]])
            for o in after["organisations"]
        ] == [("BO-1", ["d2"])]


class TestPublic:
    async def test_the_public_sees_key_figures_only_after_the_meeting(
        self, client, tokens, governance_db
    ):
        assert (await client.get(f"{API}/public/packages/{PKG}/key-figures")).status_code == 404
        await comment_and_send(client, tokens, governance_db)
        assert (await client.get(f"{API}/public/packages/{PKG}/key-figures")).status_code == 404
        response = await client.post(
            f"{API}/packages/{PKG}/meeting",
            json={"held_on": danish_date().isoformat()},
            headers=post_headers(municipality(tokens, "101")),
        )
        assert response.status_code == 200
        body = (await client.get(f"{API}/public/packages/{PKG}/key-figures")).json()
        assert [d["department_id"] for d in body["departments"]] == ["d1", "d2"]
        assert body["departments"][0]["key_figures"][0]["colour"] == "red"
        assert body["departments"][0]["key_figures"][0]["comment"] is None
        listed = (await client.get(f"{API}/public/packages?year={YEAR}")).json()
        assert [p["id"] for p in listed] == [PKG]
        report = (await client.get(f"{API}/public/statistics/key-figures?year={YEAR}")).json()
        assert {r["department_id"] for r in report["rows"]} == {"d1", "d2"}
