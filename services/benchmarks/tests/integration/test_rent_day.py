"""An updated lease's current rent holds from the day the register read it (its ``rent_day``,
Copenhagen's today); an older event without it from the UTC date of its recording."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from ..conftest import sql
from .bm_factories import department, lease, updated

NEW_YEARS_EVE_LATE = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Denmark


def rent_points(db_url: str) -> list[tuple]:
    return sql(
        db_url,
        "SELECT effective_from, monthly_rent FROM rent_points WHERE lease_id = 'L1' "
        "ORDER BY effective_from",
    )


class TestRentDay:
    async def test_the_rent_holds_from_the_registers_rent_day(self, feed, benchmarks_db_url):
        created = lease("L1", "d1", "A", start=date(2020, 1, 1), rent="5000.00")
        update = updated(
            created,
            version=2,
            recorded_at=NEW_YEARS_EVE_LATE,
            monthly_rent=Decimal("6000.00"),
            rent_day=date(2027, 1, 1),
        )
        await feed(department("A"), created, update)
        assert rent_points(benchmarks_db_url) == [
            (date(2020, 1, 1), Decimal("5000.00")),
            (date(2027, 1, 1), Decimal("6000.00")),
        ]

    async def test_an_event_without_a_rent_day_takes_the_utc_date(self, feed, benchmarks_db_url):
        created = lease("L1", "d1", "A", start=date(2020, 1, 1), rent="5000.00")
        update = updated(
            created, version=2, recorded_at=NEW_YEARS_EVE_LATE, monthly_rent=Decimal("6000.00")
        )
        assert update.rent_day is None
        await feed(department("A"), created, update)
        assert rent_points(benchmarks_db_url) == [
            (date(2020, 1, 1), Decimal("5000.00")),
            (date(2026, 12, 31), Decimal("6000.00")),
        ]
