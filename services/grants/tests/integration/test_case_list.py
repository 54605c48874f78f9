"""The fund's case list: filters (status, municipality, year, overdue), keyset pagination,
each case's age and the 6-week flag."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

from pydantic import TypeAdapter

from common.calendar import danish_date
from common.paging import Page
from grants.api.deps import list_item
from grants.api.schemas import ApplicationListItem

from .support import API, BUDGET, code, fund, org, sql


def seed(db_url: str) -> None:
    """Cases created one minute apart; app-00 oldest. Statuses, municipalities, years and an
    overdue report (with the round's mark) vary with the index."""
    statuses = ["draft", "sent", "under_assessment", "prequalified", "committed"]
    for i in range(23):
        sql(
            db_url,
            "INSERT INTO applications (id, kind, title, lead_organisation_id, organisation_ids, "
            "department_ids, municipality_code, year, status, version, budget, payments_stopped, "
            "overdue, created_by, created_at, sent_at) VALUES (%s, 'social_effort', 'x', %s, "
            "ARRAY[%s], ARRAY['d-1'], %s, %s, %s, 1, %s::jsonb, false, %s, 'seed', "
            "timestamptz '2026-01-05 08:00+00' + make_interval(mins => %s), "
            "CASE WHEN %s = 'draft' THEN NULL "
            "ELSE timestamptz '2026-01-05 08:00+00' + make_interval(mins => %s) END)",
            f"app-{i:02d}",
            "o-1" if i % 2 == 0 else "o-2",
            "o-1" if i % 2 == 0 else "o-2",
            "101" if i % 3 else "147",
            2025 if i < 10 else 2026,
            statuses[i % 5],
            json.dumps(BUDGET),
            i % 5 == 4 and i > 10,
            i,
            statuses[i % 5],
            i,
        )
        if i % 5 == 4 and i > 10:  # overdue: 2024's report, due 30 June 2025, not received
            sql(
                db_url,
                "INSERT INTO statements (application_id, year, due_on) "
                "VALUES (%s, 2024, date '2025-06-30')",
                f"app-{i:02d}",
            )


async def all_pages(client, headers, **params) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(f"{API}/applications", params=query, headers=headers)).json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


class TestCaseList:
    async def test_keyset_pages_cover_every_case_once_newest_first(
        self, grants_client, grants_db_url, tokens
    ):
        client = await grants_client()
        seed(grants_db_url)
        ids = await all_pages(client, fund(tokens), limit=5)
        assert ids == [f"app-{i:02d}" for i in range(22, -1, -1)]

    async def test_filters(self, grants_client, grants_db_url, tokens):
        client = await grants_client()
        seed(grants_db_url)
        headers = fund(tokens)
        assert await all_pages(client, headers, status="committed", limit=2) == [
            "app-19",
            "app-14",
            "app-09",
            "app-04",
        ]
        assert await all_pages(client, headers, municipality_code="147") == [
            f"app-{i:02d}" for i in (21, 18, 15, 12, 9, 6, 3, 0)
        ]
        assert await all_pages(client, headers, year=2025, status="sent") == ["app-06", "app-01"]
        assert await all_pages(client, headers, overdue=True) == ["app-19", "app-14"]

    async def test_an_organisation_sees_only_its_own(self, grants_client, grants_db_url, tokens):
        client = await grants_client()
        seed(grants_db_url)
        ids = await all_pages(client, org(tokens, "o-2"), limit=4)
        assert ids == [f"app-{i:02d}" for i in range(21, 0, -2)]

    async def test_age_and_the_six_week_flag(self, grants_client, grants_db_url, tokens):
        client = await grants_client()
        seed(grants_db_url)
        body = (
            await client.get(
                f"{API}/applications", params={"status": "sent", "limit": 1}, headers=fund(tokens)
            )
        ).json()
        (item,) = body["items"]
        assert item["past_expected_processing"] is True  # sent January 2026, still awaiting
        assert item["age_days"] > 42
        body = (
            await client.get(
                f"{API}/applications", params={"status": "draft", "limit": 1}, headers=fund(tokens)
            )
        ).json()
        assert (body["items"][0]["age_days"], body["items"][0]["past_expected_processing"]) == (
            None,
            False,
        )

    async def test_a_foreign_cursor_is_400(self, grants_client, tokens):
        client = await grants_client()
        r = await client.get(
            f"{API}/applications", params={"cursor": "bm90LW91cnM"}, headers=fund(tokens)
        )
        assert r.status_code == 400
        assert code(r) == "invalid-cursor"


class TestSixWeekFilter:
    async def test_cases_awaiting_the_fund_longer_than_six_weeks(
        self, grants_client, grants_db_url, tokens
    ):
        client = await grants_client()
        seed(grants_db_url)
        sql(
            grants_db_url,
            "INSERT INTO applications (id, kind, title, lead_organisation_id, organisation_ids, "
            "department_ids, municipality_code, year, status, version, payments_stopped, overdue, "
            "created_by, created_at, sent_at) VALUES ('app-new', 'social_effort', 'x', 'o-1', "
            "ARRAY['o-1'], ARRAY['d-1'], '101', 2026, 'sent', 1, false, false, 'seed', now(), "
            "now() - interval '5 weeks')",
        )
        flagged = await all_pages(client, fund(tokens), past_expected_processing="true")
        # statuses[i % 5]: 1 sent, 2 under_assessment (all sent in January 2026)
        assert flagged == [f"app-{i:02d}" for i in range(22, -1, -1) if i % 5 in (1, 2)]
        others = await all_pages(client, fund(tokens), past_expected_processing="false")
        assert others[0] == "app-new"
        assert sorted(flagged + others) == sorted([*(f"app-{i:02d}" for i in range(23)), "app-new"])
        items = (
            await client.get(f"{API}/applications", params={"status": "sent"}, headers=fund(tokens))
        ).json()["items"]
        assert {i["id"]: i["past_expected_processing"] for i in items}["app-new"] is False

    async def test_the_body_is_the_bytes_pydantic_writes_for_the_items(
        self, grants_client, grants_db_url, tokens
    ):
        """The route writes its body straight from the rows; it is byte for byte
        ``Page[ApplicationListItem]`` of the validated items (what it returned before)."""
        client = await grants_client()
        seed(grants_db_url)
        sql(
            grants_db_url,
            "UPDATE applications SET title = %s, organisation_ids = ARRAY['o-2', 'o-3'], "
            "requested_amount = 1250000.5, reserved_amount = 0, committed_amount = 99.99, "
            "created_at = created_at + interval '0.123456 seconds' WHERE id = 'app-22'",
            'Tryghed & trivsel i "Æblehaven"\n– fase 2 </script>',
        )
        response = await client.get(
            f"{API}/applications", params={"limit": 5}, headers=fund(tokens)
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        columns = (
            "id, kind, title, status, organisation_ids, municipality_code, year, "
            "requested_amount, reserved_amount, committed_amount, created_at, sent_at, overdue, "
            "payments_stopped"
        )
        names = [name.strip() for name in columns.split(",")]
        rows = [
            SimpleNamespace(**dict(zip(names, values, strict=True)))
            for values in sql(
                grants_db_url,
                f"SELECT {columns} FROM applications ORDER BY created_at DESC, id DESC LIMIT 5",
            )
        ]
        cursor = response.json()["next_cursor"]
        assert cursor is not None
        expected = TypeAdapter(Page[ApplicationListItem]).dump_json(
            Page(
                items=[list_item(row, danish_date(datetime.now(UTC))) for row in rows],
                next_cursor=cursor,
            )
        )
        assert response.content == expected
        first = response.json()["items"][0]
        assert (first["id"], first["title"], first["organisation_ids"]) == (
            "app-22",
            'Tryghed & trivsel i "Æblehaven"\n– fase 2 </script>',
            ["o-2", "o-3"],
        )
        assert (
            first["requested_amount"],
            first["reserved_amount"],
            first["committed_amount"],
        ) == ("1250000.50", "0.00", "99.99")
        assert first["created_at"] == "2026-01-05T08:22:00.123456Z"
