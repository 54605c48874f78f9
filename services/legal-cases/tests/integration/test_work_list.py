"""The tribunal's work list: open deadlines due this week or overdue, filters, keyset pages."""

from __future__ import annotations

from datetime import date

from .support import API, act, file_case, kind, tribunal


async def items(client, tokens, query="", code="147"):
    response = await client.get(f"{API}/work-list{query}", headers=tribunal(tokens, code))
    assert response.status_code == 200, response.text
    return response.json()


class TestWorkList:
    async def test_windows_and_kinds(self, legal_client, tokens, clock):
        client = await legal_client()
        clock.today = date(2026, 10, 26)  # filed a week earlier: notification due 2 Nov
        late = await file_case(client, tokens)
        clock.today = date(2026, 11, 2)  # Monday: notification due 9 Nov (next week)
        later = await file_case(client, tokens)
        clock.today = date(2026, 11, 3)
        await file_case(client, tokens, tribunal_code="101")  # another tribunal's
        clock.today = date(2026, 11, 4)  # Wednesday, week of 2-8 Nov
        overdue = await items(client, tokens, "?window=overdue")
        assert [(i["case_id"], i["kind"], i["due_on"], i["overdue"]) for i in overdue["items"]] == [
            (late["id"], "notify_counterpart", "2026-11-02", True)
        ]
        this_week = await items(client, tokens, "?window=this_week")
        assert [i["case_id"] for i in this_week["items"]] == [late["id"]]
        due = await items(client, tokens)
        assert [i["case_id"] for i in due["items"]] == [late["id"]]
        everything = await items(client, tokens, "?window=all")
        assert [i["case_id"] for i in everything["items"]] == [late["id"], later["id"]]
        assert (await items(client, tokens, "?window=all&kind=reply"))["items"] == []
        await act(client, tribunal(tokens), later["id"], "notify-counterpart")
        replies = await items(client, tokens, "?window=all&kind=reply")
        assert [(i["case_id"], i["due_on"]) for i in replies["items"]] == [
            (later["id"], "2026-11-18")
        ]

    async def test_keyset_pages_cover_every_deadline_once(self, legal_client, tokens, clock):
        client = await legal_client()
        filed = []
        for day in (2, 2, 3, 4, 4, 5):
            clock.today = date(2026, 11, day)
            filed.append((await file_case(client, tokens))["id"])
        seen, cursor = [], None
        while True:
            query = "?window=all&limit=4" + (f"&cursor={cursor}" if cursor else "")
            page = await items(client, tokens, query)
            seen += [i["case_id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == filed

    async def test_a_foreign_cursor_is_a_problem_not_a_500(self, legal_client, tokens):
        client = await legal_client()
        response = await client.get(
            f"{API}/work-list?cursor=WyJub3QtYS1kYXRlIiwxXQ", headers=tribunal(tokens)
        )
        assert response.status_code == 400
        assert kind(response.json()) == "invalid-cursor"


class TestCaseList:
    async def test_filters_and_keyset_pages(self, legal_client, tokens, clock):
        client = await legal_client()
        ids = []
        for day, owner, category in ((2, "owner-1", "rent_level"), (3, "owner-2", "rent_level"),
                                     (4, "owner-1", "behaviour"), (5, "owner-1", "rent_level")):  # fmt: skip
            clock.today = date(2026, 11, day)
            ids.append((await file_case(client, tokens, owner_id=owner, category=category))["id"])

        async def listed(query: str) -> list[str]:
            found, cursor = [], None
            while True:
                url = f"{API}/cases?limit=2{query}" + (f"&cursor={cursor}" if cursor else "")
                page = (await client.get(url, headers=tribunal(tokens))).json()
                found += [c["id"] for c in page["items"]]
                if (cursor := page["next_cursor"]) is None:
                    return sorted(found)

        assert await listed("") == sorted(ids)
        assert await listed("&owner_id=owner-1") == sorted([ids[0], ids[2], ids[3]])
        assert await listed("&owner_id=owner-1&category=rent_level") == sorted([ids[0], ids[3]])
        assert await listed("&filed_from=2026-11-03&filed_to=2026-11-04") == sorted(ids[1:3])
        assert await listed("&status=decided") == []
