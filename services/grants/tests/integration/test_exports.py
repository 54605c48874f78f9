"""The frame and pipeline Excel: the figures, every case, and hostile text neutralised."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from .support import API, create, fund, master_data, org, to_status


class TestFrameAndPipelineExcel:
    async def test_frame_and_pipeline(self, grants_client, grants_db, tokens):
        client = await grants_client()
        await master_data(grants_db)
        prequalified = await to_status(client, tokens, await create(client, tokens), "prequalified")
        r = await client.post(
            f"{API}/applications",
            json={
                "title": '=HYPERLINK("http://evil.example","klik")',
                "organisation_ids": ["o-2"],
                "department_ids": ["d-3"],
                "year": 2026,
            },
            headers={**org(tokens, "o-2"), "Idempotency-Key": "x-1"},
        )
        hostile = r.json()
        response = await client.get(f"{API}/frames/export.xlsx", headers=fund(tokens))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        book = load_workbook(io.BytesIO(response.content))
        frame = [list(row) for row in book["Ramme"].iter_rows(values_only=True)]
        assert frame[0] == ["År", "Ramme (kr.)", "Tilsagn (kr.)", "Reserveret (kr.)", "Rest (kr.)"]
        assert [r[0] for r in frame[1:]] == list(range(2019, 2027))
        assert frame[-1] == [2026, 380000000, 0, 7500000, 372500000]
        pipeline = [list(row) for row in book["Pipeline"].iter_rows(values_only=True)]
        assert len(pipeline) == 3
        by_id = {row[0]: row for row in pipeline[1:]}
        assert by_id[hostile["id"]][1] == '\'=HYPERLINK("http://evil.example","klik")'
        assert by_id[hostile["id"]][3] == "Kladde"
        row = by_id[prequalified["id"]]
        assert (row[3], row[4], row[5], row[7], row[8]) == (
            "Prækvalificeret",
            "o-1",
            "101",
            7500000,
            7500000,
        )
        assert all(
            cell.data_type != "f" for sheet in book for line in sheet.iter_rows() for cell in line
        )

    async def test_only_the_fund_exports(self, grants_client, tokens):
        client = await grants_client()
        r = await client.get(f"{API}/frames/export.xlsx", headers=org(tokens, "o-1"))
        assert r.status_code == 403
