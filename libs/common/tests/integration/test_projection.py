"""Read models fed by events: a newer fact replaces an older one, an older or duplicate one
changes nothing — on the real PostgreSQL test server."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import DeclarativeBase

from common.db import make_metadata
from common.db.engine import driver_connection
from common.db.projection import (
    OrganisationReadModel,
    apply_organisation,
    insert_rows_sql,
    newer_wins_assignments,
    rows_json,
    upsert_if_newer,
    upsert_newer_sql,
)
from common.events.contracts import OrganisationUpsertedV1


class Base(DeclarativeBase):
    metadata = make_metadata()


class OrganisationRow(OrganisationReadModel, Base):
    __tablename__ = "projection_test_organisations"


def organisation(version: int, home: str) -> OrganisationUpsertedV1:
    return OrganisationUpsertedV1(
        organisation_id="BO-101",
        home_municipality_code=home,
        administered_by=None,
        version=version,
        recorded_at=datetime(2026, 12, version, tzinfo=UTC),
    )


@pytest.fixture
async def database(example_db):
    async with example_db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        await connection.execute(text("TRUNCATE projection_test_organisations"))
    return example_db


async def held(database) -> tuple[str, int]:
    async with database.engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT home_municipality_code, version FROM projection_test_organisations")
            )
        ).one()
    return row.home_municipality_code, row.version


class TestApplyOrganisation:
    async def test_the_first_event_creates_the_row(self, database):
        async with database.session() as session:
            assert await apply_organisation(session, OrganisationRow, organisation(1, "101"))
            await session.commit()
        assert await held(database) == ("101", 1)

    async def test_a_newer_version_replaces_an_older_one_and_not_the_other_way(self, database):
        async with database.session() as session:
            await apply_organisation(session, OrganisationRow, organisation(2, "147"))
            assert await apply_organisation(session, OrganisationRow, organisation(3, "151"))
            assert not await apply_organisation(session, OrganisationRow, organisation(1, "101"))
            assert not await apply_organisation(session, OrganisationRow, organisation(3, "999"))
            await session.commit()
        assert await held(database) == ("151", 3)


class TestNewerWinsPerColumnGroup:
    async def test_each_group_follows_its_own_guard(self, database):
        """A text upsert where the state and the end date have their own timestamps."""
        state = newer_wins_assignments("t", "state_at", ["state"])
        statement = text(
            "INSERT INTO projection_test_groups AS t (id, state, state_at, end_day, end_at)"
            " VALUES ('x', :state, :state_at, :end_day, :end_at)"
            f" ON CONFLICT (id) DO UPDATE SET {state}, "
            + newer_wins_assignments("t", "end_at", ["end_day"])
        )
        async with database.engine.begin() as connection:
            await connection.execute(
                text(
                    "CREATE TEMP TABLE projection_test_groups (id text PRIMARY KEY, state text,"
                    " state_at int, end_day text, end_at int)"
                )
            )
            await connection.execute(
                statement, {"state": "new", "state_at": 2, "end_day": "old", "end_at": 1}
            )
            # newer state, older end: only the state changes
            await connection.execute(
                statement, {"state": "newer", "state_at": 3, "end_day": "older", "end_at": 0}
            )
            row = (await connection.execute(text("SELECT * FROM projection_test_groups"))).one()
        assert (row.state, row.state_at, row.end_day, row.end_at) == ("newer", 3, "old", 1)

    async def test_a_row_without_a_guard_yet_takes_the_new_values(self, database):
        assignments = newer_wins_assignments("t", "state_at", ["state"])
        async with database.engine.begin() as connection:
            await connection.execute(
                text("CREATE TEMP TABLE g (id text PRIMARY KEY, state text, state_at int)")
            )
            await connection.execute(text("INSERT INTO g VALUES ('x', 'unknown', NULL)"))
            await connection.execute(
                text(
                    "INSERT INTO g AS t VALUES ('x', 'known', 1)"
                    f" ON CONFLICT (id) DO UPDATE SET {assignments}"
                )
            )
            assert (await connection.execute(text("SELECT state FROM g"))).scalar() == "known"


class TestUpsertIfNewer:
    async def test_several_rows_in_one_statement_each_guarded(self, database):
        table = OrganisationRow.__table__
        base = {"administered_by": None, "recorded_at": datetime(2026, 12, 1, tzinfo=UTC)}
        async with database.session() as session:
            await session.execute(
                upsert_if_newer(
                    table,
                    [
                        {"id": "A", "home_municipality_code": "101", "version": 2, **base},
                        {"id": "B", "home_municipality_code": "101", "version": 1, **base},
                    ],
                )
            )
            applied = await session.execute(
                upsert_if_newer(
                    table,
                    [
                        {"id": "A", "home_municipality_code": "147", "version": 1, **base},
                        {"id": "B", "home_municipality_code": "147", "version": 2, **base},
                    ],
                ).returning(table.c.id)
            )
            assert [row.id for row in applied] == ["B"]
            await session.commit()
        async with database.engine.connect() as connection:
            homes = dict(
                (
                    await connection.execute(
                        text("SELECT id, home_municipality_code FROM projection_test_organisations")
                    )
                ).all()
            )
        assert homes == {"A": "101", "B": "147"}


class TestUpsertNewerSql:
    async def test_rows_from_json_each_guarded_on_a_composite_key(self, database):
        """One fixed statement over a JSON array: each row replaces the one held only with a
        higher guard; ``also_set`` only where it does."""
        statement = upsert_newer_sql(
            "projection_test_accounts",
            ("id", "year", "amount", "revision", "reported_at"),
            key=("id", "year"),
            guard="revision",
            also_set="replaced = held.replaced + 1",
        )
        reported = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)

        def row(year: int, amount: str, revision: int) -> dict[str, object]:
            return {
                "id": "A",
                "year": year,
                "amount": Decimal(amount),
                "revision": revision,
                "reported_at": reported,
            }

        async with database.session() as session, session.begin():
            driver = await driver_connection(session)
            await driver.execute(
                "CREATE TEMP TABLE projection_test_accounts (id text, year int,"
                " amount numeric(9, 2), revision int, reported_at timestamptz,"
                " replaced int NOT NULL DEFAULT 0, PRIMARY KEY (id, year))"
            )
            first = [row(2025, "1.50", 2), row(2026, "2.00", 1)]
            await driver.execute(statement, {"rows": rows_json(first)})
            second = [row(2025, "9.99", 1), row(2026, "3.25", 2), row(2027, "4.00", 1)]
            await driver.execute(statement, {"rows": rows_json(second)})
            held = await (
                await driver.execute("SELECT * FROM projection_test_accounts ORDER BY year")
            ).fetchall()
        assert held == [
            ("A", 2025, Decimal("1.50"), 2, reported, 0),
            ("A", 2026, Decimal("3.25"), 2, reported, 1),
            ("A", 2027, Decimal("4.00"), 1, reported, 0),
        ]


class TestInsertRowsSql:
    async def test_selected_expressions_fill_the_columns_from_the_rows_fields(self, database):
        """``select``: one field into two columns, a constant into a third."""
        statement = insert_rows_sql(
            "projection_test_moments",
            ("id", "first_at", "last_at", "source"),
            select=("id", "first_at", "first_at", "'bench'"),
        )
        at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
        async with database.session() as session, session.begin():
            driver = await driver_connection(session)
            await driver.execute(
                "CREATE TEMP TABLE projection_test_moments (id text PRIMARY KEY,"
                " first_at timestamptz, last_at timestamptz, source text)"
            )
            rows = [{"id": "A", "first_at": at}, {"id": "B", "first_at": None}]
            await driver.execute(statement, {"rows": rows_json(rows)})
            held = await (
                await driver.execute("SELECT * FROM projection_test_moments ORDER BY id")
            ).fetchall()
        assert held == [("A", at, at, "bench"), ("B", None, None, "bench")]
