"""The case list's body written straight from the rows (``list_page_json``) is byte for byte
what pydantic writes for ``Page[ApplicationListItem]`` of the validated items (``list_item``),
the route's former body."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from common.paging import Page
from grants.api.deps import list_item, list_page_json
from grants.api.schemas import ApplicationListItem
from grants.domain.lifecycle import Status

PAGE = TypeAdapter(Page[ApplicationListItem])
TODAY = date(2026, 3, 2)


def pydantic_body(rows: list[Any], next_cursor: str | None, today: date) -> bytes:
    return PAGE.dump_json(
        Page(items=[list_item(row, today) for row in rows], next_cursor=next_cursor)
    )


def row(**overrides: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "id": "app-000001",
        "kind": "social_effort",
        "title": "Boligsocial indsats",
        "status": "sent",
        "organisation_ids": ["org-1"],
        "municipality_code": "101",
        "year": 2026,
        "requested_amount": Decimal("1000000.00"),
        "reserved_amount": None,
        "committed_amount": None,
        "created_at": datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
        "sent_at": datetime(2026, 1, 6, 9, 30, tzinfo=UTC),
        "overdue": False,
        "payments_stopped": False,
    }
    values.update(overrides)
    return SimpleNamespace(**values)


# What PostgreSQL can hand back: text without NUL, numeric(14, 2), timestamptz in any zone.
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
amounts = st.none() | st.decimals(
    min_value=Decimal("-999999999999.99"),
    max_value=Decimal("999999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-3, minutes=-30))]
)
instants = st.builds(
    lambda at, zone: at.replace(tzinfo=UTC).astimezone(zone),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    zones,
)
rows = st.builds(
    row,
    id=texts,
    kind=texts,
    title=texts,
    status=st.sampled_from([s.value for s in Status]),
    organisation_ids=st.lists(texts, max_size=3),
    municipality_code=st.from_regex(r"\A\d{3}\Z"),
    year=st.integers(2000, 2100),
    requested_amount=amounts,
    reserved_amount=amounts,
    committed_amount=amounts,
    created_at=instants,
    sent_at=st.none() | instants,
    overdue=st.booleans(),
    payments_stopped=st.booleans(),
)


class TestListPageJson:
    def test_a_page_is_the_bytes_pydantic_writes(self) -> None:
        page = [
            row(),
            row(
                id="app-000002",
                title='Tryghed & trivsel i "Æblehaven"\n– fase 2 </script> \u2028 😀',
                status="draft",
                organisation_ids=["org-1", "org-2"],
                requested_amount=None,
                reserved_amount=Decimal("0.00"),
                committed_amount=Decimal("-12.50"),
                created_at=datetime(2026, 1, 5, 8, 0, 0, 120000, tzinfo=UTC),
                sent_at=None,
                overdue=True,
                payments_stopped=True,
            ),
            row(
                id="app-000003",
                status="under_assessment",
                created_at=datetime(2026, 1, 5, 9, 0, 0, 5, tzinfo=timezone(timedelta(hours=1))),
                sent_at=datetime(2026, 1, 1, 23, 30, tzinfo=UTC),  # 2 January in Denmark
            ),
        ]
        body = list_page_json(page, "Y3Vyc29y", TODAY)
        assert body == pydantic_body(page, "Y3Vyc29y", TODAY)
        items = json.loads(body)["items"]
        assert items[1]["title"] == page[1].title
        assert items[1]["committed_amount"] == "-12.50"
        assert items[1]["created_at"] == "2026-01-05T08:00:00.120000Z"
        assert items[2]["created_at"] == "2026-01-05T09:00:00.000005+01:00"
        assert items[2]["age_days"] == 59
        assert items[2]["past_expected_processing"] is True

    def test_an_empty_last_page(self) -> None:
        assert list_page_json([], None, TODAY) == b'{"items":[],"next_cursor":null}'
        assert list_page_json([], None, TODAY) == pydantic_body([], None, TODAY)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(rows, max_size=4), st.none() | texts, st.dates(date(2000, 1, 1)))
    def test_any_rows_give_the_same_bytes(
        self, page: list[SimpleNamespace], next_cursor: str | None, today: date
    ) -> None:
        assert list_page_json(page, next_cursor, today) == pydantic_body(page, next_cursor, today)
