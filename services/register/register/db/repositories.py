"""Every query of the register's write side and its record reads.

Reads of other callers are filtered by their :class:`~common.access.Scope`; writes lock the rows they
change (``SELECT ... FOR UPDATE``) and update with the expected version in the ``WHERE`` clause,
so two concurrent updates of one record cannot both win.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from operator import attrgetter
from types import SimpleNamespace
from typing import Any, TypeVar, cast

import psycopg
from psycopg.rows import dict_row
from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Identity,
    Numeric,
    Select,
    Table,
    delete,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.db.copy import copy_rows
from common.db.engine import driver_connection, pipeline
from register.db.models import (
    Base,
    HeldDwellingRow,
    HousingExpenseRow,
    RecordVersionRow,
)
from register.domain.codes import RENT_FORMING
from register.domain.records import DepartmentRentStatistics, LeaseStatus

RowT = TypeVar("RowT", bound=Base)

HISTORY_EXCLUDED_COLUMNS = frozenset({"created_at", "updated_at"})
_STAMPS = HISTORY_EXCLUDED_COLUMNS  # set by the database (now()), not by the caller
_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def _array_type(column: ColumnElement[Any]) -> str:
    """The PostgreSQL type of a column's values as sent in an array (JSON travels as text)."""
    if isinstance(column.type, JSONB):
        return "TEXT"
    return str(column.type.compile(dialect=_DIALECT))


def _select_expr(name: str, column: ColumnElement[Any]) -> str:
    return f"CAST({name} AS JSONB)" if isinstance(column.type, JSONB) else name


def _wire(column: ColumnElement[Any], value: Any) -> Any:
    return json.dumps(value) if isinstance(column.type, JSONB) else value


def has_identity(row_type: type[Base]) -> bool:
    return isinstance(row_type.__table__.c["id"].identity, Identity)


# At most this many rows of a table are written with one ``INSERT … VALUES``; more with ``COPY``.
FEW_ROWS = 8
_VERSION_COLUMNS = ("entity_type", "entity_id", "version", "organisation_id", "data")


def _written_columns(table: Table) -> list[Any]:
    """The columns a write sets from the row (not the id, not the time stamps)."""
    return [c for c in table.columns if c.key not in _STAMPS and c.key != "id"]


def _cast_type(column: ColumnElement[Any]) -> str:
    """The column's PostgreSQL type, for a cast of a parameter to it."""
    if isinstance(column.type, JSONB):
        return "JSONB"
    return str(column.type.compile(dialect=_DIALECT))


@cache
def _written_casts(table: Table) -> list[str]:
    """A cast of a parameter to each written column's type (compiling the types is most of
    building a lease's flush statement otherwise)."""
    return [f"CAST(%s AS {_cast_type(c)})" for c in _written_columns(table)]


def _placeholder(column: ColumnElement[Any]) -> str:
    return "CAST(%s AS JSONB)" if isinstance(column.type, JSONB) else "%s"


@dataclass(frozen=True, slots=True)
class LeaseFilters:
    department_id: str | None = None
    dwelling_id: str | None = None
    municipality_code: str | None = None
    status: str | None = None
    changed_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    """A ``submissions`` row: who sent what, and how many records were accepted, rejected and
    held."""

    id: uuid.UUID
    kind: str
    submitted_by: str
    organisation_ids: list[str]
    accepted: int = 0
    rejected: int = 0
    held: int = 0


Statement = tuple[str, list[Any]]
"""SQL with ``%s`` placeholders and its parameters."""


def insert_statement(row_type: type[Base], rows: Sequence[Any], now: datetime) -> Statement:
    """``INSERT … VALUES`` of the rows, ``created_at`` and ``updated_at`` = ``now``; an
    identity-keyed table's ids come from its identity, in the rows' order, and are returned
    (``RETURNING id``)."""
    table = cast(Table, row_type.__table__)
    identity = has_identity(row_type)
    columns = _written_columns(table)
    names = [*(c.name for c in columns), "created_at", "updated_at"]
    placeholders = [*(_placeholder(c) for c in columns), "%s", "%s"]
    if not identity:
        placeholders.insert(0, "%s")
    one = ", ".join(placeholders)
    params: list[Any] = []
    for row in rows:
        if not identity:
            params.append(row.id)
        params += [_wire(c, getattr(row, c.key)) for c in columns]
        params += [now, now]
    quoted = ", ".join(f'"{name}"' for name in names)
    key = "" if identity else '"id", '
    return (
        f"INSERT INTO {table.name} ({key}{quoted}) VALUES "  # noqa: S608 — names from the metadata
        + ", ".join([f"({one})"] * len(rows))
        + (" RETURNING id" if identity else ""),
        params,
    )


def versions_statement(
    versions: Sequence[tuple[str, str, int, str, dict[str, Any]]],
    recorded_by: str,
    submission_id: uuid.UUID,
) -> Statement:
    """History rows ``(entity_type, entity_id, version, organisation_id, data)`` as one
    ``INSERT … VALUES``; ``recorded_at`` is the transaction's ``now()``."""
    params: list[Any] = []
    for t, i, n, o, data in versions:
        params += (t, i, n, o, json.dumps(data), recorded_by, submission_id)
    return (
        "INSERT INTO record_versions (entity_type, entity_id, version, organisation_id, data,"  # noqa: S608 — placeholders only
        " recorded_by, submission_id) VALUES "
        + ", ".join(["(%s, %s, %s, %s, CAST(%s AS JSONB), %s, %s)"] * len(versions)),
        params,
    )


def insert_with_versions_statement(
    row_type: type[Base],
    rows: Sequence[tuple[Any, tuple[str, int, str, dict[str, Any]]]],
    now: datetime,
    recorded_by: str,
    submission_id: uuid.UUID,
) -> Statement:
    """New rows of an identity-keyed table and the first history row of each, ``(row,
    (entity_type, version, organisation_id, data))``, with one statement: the rows are inserted
    in their order, so the identity gives them ascending ids, and the n-th lowest id goes into
    the n-th history row (its ``entity_id`` and its data's ``id``) — the history needs no round
    trip to learn them. The history rows come in the rows' order; the statement returns the
    ids (read them with :meth:`RegisterRepository.history_ids`)."""
    table = cast(Table, row_type.__table__)
    columns = _written_columns(table)
    casts = _written_casts(table)
    one = ", ".join(["%s", *casts, "%s", "%s", "%s", "%s", "%s", "CAST(%s AS JSONB)"])
    params: list[Any] = []
    for n, (row, (entity_type, version, organisation_id, data)) in enumerate(rows):
        params += (n, *(_wire(c, getattr(row, c.key)) for c in columns), now, now)
        params += (entity_type, version, organisation_id, json.dumps(data))
    names = [c.name for c in columns]
    written = ", ".join(f'"{name}"' for name in [*names, "created_at", "updated_at"])
    aliases = ", ".join(
        [
            "n",
            *(f"p{i}" for i in range(len(names))),
            *("created_at", "updated_at", "entity_type", "version", "organisation_id", "data"),
        ]
    )
    selected = ", ".join([*(f"v.p{i}" for i in range(len(names))), "created_at", "updated_at"])
    values = ", ".join([f"({one})"] * len(rows))
    return (
        f"WITH v ({aliases}) AS (VALUES {values}),"  # noqa: S608 — names from the metadata
        f" r AS (INSERT INTO {table.name} ({written}) SELECT {selected} FROM v"
        " ORDER BY v.n RETURNING id),"
        " k AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM r)"
        " INSERT INTO record_versions (entity_type, entity_id, version, organisation_id,"
        " data, recorded_by, submission_id)"
        " SELECT v.entity_type, CAST(k.id AS TEXT), v.version, v.organisation_id,"
        " jsonb_set(v.data, '{id}', to_jsonb(k.id)), %s, %s"
        " FROM v JOIN k ON k.n = v.n ORDER BY v.n RETURNING entity_id",
        [*params, recorded_by, submission_id],
    )


def submission_statement(submission: Submission) -> Statement:
    """The ``submissions`` row."""
    return (
        "INSERT INTO submissions (id, kind, submitted_by, organisation_ids, accepted,"
        " rejected, held) VALUES (%s, %s, %s, CAST(%s AS JSONB), %s, %s, %s)",
        [
            submission.id,
            submission.kind,
            submission.submitted_by,
            json.dumps(submission.organisation_ids),
            submission.accepted,
            submission.rejected,
            submission.held,
        ],
    )


def text_array(values: Iterable[str]) -> str:
    """The values as a PostgreSQL array literal, for a ``CAST(%s AS TEXT[])`` parameter: psycopg
    dumps a list with a dumper built afresh for every list of every statement (~10 µs each;
    a lease's prefetch sends eleven), a string as it is."""
    quoted = (value.replace("\\", "\\\\").replace('"', '\\"') for value in values)
    return "{" + ",".join(f'"{value}"' for value in quoted) + "}"


@lru_cache(maxsize=256)
def _numbered(query: str) -> bytes:
    """A statement's ``%s`` placeholders as PostgreSQL's own ``$1`` … ``$n``. psycopg converts
    a statement of more than 50 parameters afresh at every execution (it keeps conversions of
    smaller ones only: ``INSERT … VALUES`` of a varying number of rows would fill its cache),
    ~0.1 ms for a lease's expenses with their history rows; the few-rows statements here have
    a few shapes per table (at most ``FEW_ROWS`` rows), so they are converted once each."""
    parts = query.encode().split(b"%s")
    if any(b"%" in part for part in parts):
        raise ValueError("only %s placeholders, no other % in the statement")
    numbered = [parts[0]]
    for number, part in enumerate(parts[1:], start=1):
        numbered += (b"$%d" % number, part)
    return b"".join(numbered)


async def execute_numbered(
    driver: psycopg.AsyncConnection[Any], statement: Statement
) -> psycopg.AsyncRawCursor[Any]:
    """The statement on a cursor of its own (in a pipeline: queued), its placeholders
    converted once per statement text (:func:`_numbered`)."""
    query, params = statement
    cursor = psycopg.AsyncRawCursor(driver)
    await cursor.execute(_numbered(query), params)
    return cursor


def chained(*statements: Statement) -> Statement:
    """Writes as one statement (one message to send and one to read back): each but the last
    (plain ``INSERT``s: no ``WITH`` of their own) a data-modifying ``WITH`` of the last, whose
    result is the statement's. Only for writes to different tables whose results (but the
    last's) nobody reads, none of which reads what another writes: PostgreSQL runs the last
    first and the others after it, all on the same snapshot; constraints and triggers act at
    the statement's end, as for separate statements."""
    *before, (last, last_params) = statements
    if not before:
        return last, last_params
    ctes = ", ".join(f"w{i} AS ({sql})" for i, (sql, _) in enumerate(before))
    params = [p for _, statement_params in statements for p in statement_params]
    if last.startswith("WITH "):  # the last one's own WITH goes on after these
        return f"WITH {ctes}, {last.removeprefix('WITH ')}", params
    return f"WITH {ctes} {last}", params


class RowState:
    """A record's stored or planned state as plain attributes — what the write path reads and
    plans with. It has the attributes of the ORM row (``row_type``) but is no ORM instance:
    those cost tens of µs each to build (a bulk submission builds tens of thousands), and a
    session would write changes made to them back on its own."""

    def __init__(self, row_type: type[Base], values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self.row_type = row_type

    @property
    def __table__(self) -> Any:
        return self.row_type.__table__


def as_row(row_type: type[RowT], values: dict[str, Any]) -> RowT:
    """A :class:`RowState` typed as the row it stands for (the same attributes)."""
    return cast(RowT, RowState(row_type, values))


_CENT = Decimal("0.01")


@cache
def _history_columns(
    table: Table,
) -> tuple[list[str], Callable[[Any], tuple[Any, ...]], list[str]]:
    """A table's history columns: their keys, a reader of their values (in C) and the keys of
    those whose values are converted (amounts, dates) — every other column's value is JSON as
    it is."""
    kept = [c for c in table.columns if c.key not in HISTORY_EXCLUDED_COLUMNS]
    keys = [c.key for c in kept]
    converted = [c.key for c in kept if isinstance(c.type, Numeric | Date | DateTime)]
    return keys, attrgetter(*keys), converted  # ≥ 2 columns: a tuple


def history_data(row: Base) -> dict[str, Any]:
    """A row's columns as JSON: English names, ISO dates, amounts with two decimals."""
    keys, read, converted = _history_columns(cast(Table, row.__table__))
    data = dict(zip(keys, read(row), strict=True))
    for key in converted:
        value = data[key]
        if isinstance(value, Decimal):
            data[key] = format(value.quantize(_CENT), "f")
        elif isinstance(value, date):  # and datetime, a subclass
            data[key] = value.isoformat()
    return data


RecordView = SimpleNamespace
"""A record read for display: its table's columns as attributes."""

# One record by id with the organisation and municipality that decide who sees it (its
# department's); the visibility check is ``Scope.sees`` in Python (``_visible_by_id``).
_DEPARTMENT_BY_ID = (
    "SELECT dp.*, dp.organisation_id AS scope_organisation_id, "
    "dp.municipality_code AS scope_municipality_code FROM departments dp WHERE dp.id = %s"
)
_SECTION_BY_ID = (
    "SELECT r.*, dp.organisation_id AS scope_organisation_id, "
    "dp.municipality_code AS scope_municipality_code FROM building_sections r "
    "JOIN departments dp ON dp.id = r.department_id WHERE r.id = %s"
)
_DWELLING_BY_ID = (
    "SELECT r.*, dp.organisation_id AS scope_organisation_id, "
    "dp.municipality_code AS scope_municipality_code FROM dwellings r "
    "JOIN departments dp ON dp.id = r.department_id WHERE r.id = %s"
)
_LEASE_BY_ID = (
    "SELECT r.*, dp.organisation_id AS scope_organisation_id, "
    "dp.municipality_code AS scope_municipality_code FROM leases r "
    "JOIN dwellings w ON w.id = r.dwelling_id JOIN departments dp ON dp.id = w.department_id "
    "WHERE r.id = %s"
)


# The lists' statements: the columns their read models show (``LIST_COLUMNS``, checked against
# the models by the tests), from the record (r) up to its department (dp), which decides who
# sees it (``Scope.sql_conditions``); ``_list_page`` adds the filters, the cursor and the order.
LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "organisations": (
        "id", "cvr", "name", "home_municipality_code", "administered_by", "version", "updated_at",
    ),
    "departments": (
        "id", "organisation_id", "name", "municipality_code", "housing_type",
        "construction_year", "building_type", "region", "version", "updated_at",
    ),
    "building_sections": (
        "id", "department_id", "name", "construction_year", "version", "updated_at",
    ),
    "dwellings": (
        "id", "department_id", "building_section_id", "bbr_unit_id", "street", "house_number",
        "floor", "door", "postcode", "city", "rooms", "area_m2", "step_free_access", "elevator",
        "wheelchair_accessible", "version", "updated_at",
    ),
    "leases": (
        "id", "dwelling_id", "external_reference", "start_date", "end_date", "allocation_type",
        "vacancy_loss_flag", "vacant_soon_flag", "deposit", "tenant_name", "status", "warnings",
        "version", "updated_at",
    ),
}  # fmt: skip


def _list_source(table: str, joins: str) -> str:
    columns = ", ".join(f"r.{column}" for column in LIST_COLUMNS[table])
    return f"SELECT {columns} FROM {table} r {joins}"  # noqa: S608 — module constants only


_ORGANISATION_LIST = _list_source("organisations", "")
_ORGANISATION_IN_MUNICIPALITY = (
    "CAST(%s AS TEXT) = ANY(r.home_municipality_code || ARRAY("
    "SELECT dp.municipality_code FROM departments dp WHERE dp.organisation_id = r.id))"
)
_DEPARTMENT_LIST = _list_source("departments", "")
_SECTION_LIST = _list_source("building_sections", "JOIN departments dp ON dp.id = r.department_id")
_DWELLING_LIST = _list_source("dwellings", "JOIN departments dp ON dp.id = r.department_id")
_LEASE_LIST = _list_source(
    "leases",
    "JOIN dwellings w ON w.id = r.dwelling_id JOIN departments dp ON dp.id = w.department_id",
)


# Each lease of ``{ids}`` (an SQL array expression of distinct ids) as last published: its
# latest accepted history snapshot — looked up per lease (a lateral ``LIMIT 1`` down the unique
# index), so no ids, no work, whatever the planner thinks of the table's size.
_LAST_ACCEPTED = (
    "SELECT l.id, v.data FROM unnest({ids}) AS l(id) JOIN LATERAL ("
    " SELECT data FROM record_versions"
    " WHERE entity_type = 'lease' AND entity_id = l.id AND data ->> 'status' = 'accepted'"
    " ORDER BY version DESC LIMIT 1"
    ") v ON true"
)
# The median rent per m² of the accepted leases of each department of ``{departments}`` (an SQL
# array expression), each lease's rent-forming expenses summed at its start date.
_RENT_STATISTICS = (
    "SELECT d.department_id, count(*) AS leases,"
    " percentile_cont(0.5) WITHIN GROUP (ORDER BY rent.amount / d.area_m2)"
    "   AS median"
    " FROM dwellings d"
    # per dwelling through ix_leases_dwelling_period (OFFSET 0 keeps it a nested loop:
    # with the statistics of a young table the planner would scan all leases)
    " JOIN LATERAL ("
    "   SELECT l.id, l.start_date FROM leases l"
    "   WHERE l.dwelling_id = d.id AND l.status = 'accepted' OFFSET 0"
    " ) l ON true"
    " JOIN LATERAL ("
    "   SELECT sum(e.monthly_amount) AS amount FROM housing_expenses e"
    "   WHERE e.lease_id = l.id AND e.expense_type = ANY(CAST(%(rent_forming)s AS TEXT[]))"
    "   AND e.valid_from <= l.start_date"
    "   AND (e.valid_to IS NULL OR e.valid_to >= l.start_date)"
    " ) rent ON true"
    " WHERE d.department_id = ANY({departments})"
    " AND rent.amount > 0 AND d.area_m2 > 0"
    " GROUP BY d.department_id"
)
_RENT_FORMING = text_array(sorted(t.value for t in RENT_FORMING))


class RegisterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- single rows -------------------------------------------------------------------------

    async def get(self, row_type: type[RowT], key: Any, *, lock: bool = False) -> RowT | None:
        statement = select(row_type).where(row_type.__mapper__.primary_key[0] == key)
        if lock:
            statement = statement.with_for_update()
        return (
            await self.session.scalars(statement.execution_options(populate_existing=True))
        ).one_or_none()

    # --- set-based writes: a few statements per table per submission ----------------------
    #
    # These run on the session's own psycopg connection, in the session's transaction (and
    # its savepoints), without SQLAlchemy's statement layer: that costs ~175 µs of CPU per
    # statement on top of psycopg's ~120 µs (measured), and the write path's statements are
    # plain SQL anyway. Errors are psycopg's (``psycopg.DataError``, ``psycopg.IntegrityError``).

    async def _driver(self) -> psycopg.AsyncConnection[Any]:
        return await driver_connection(self.session)

    async def _execute(self, query: str, params: Any = None) -> psycopg.AsyncCursor[Any]:
        driver = await self._driver()
        return await driver.execute(query, params)

    async def transaction_time(self) -> datetime:
        """``now()``: the transaction's timestamp, which every row of it is stamped with."""
        row = await (await self._execute("SELECT now()")).fetchone()
        assert row is not None
        value: datetime = row[0]
        return value

    async def rows_where(
        self,
        row_type: type[RowT],
        column: str,
        keys: Iterable[Any],
        *,
        lock: bool = False,
    ) -> list[RowT]:
        """``SELECT * ... WHERE column = ANY(:keys) ORDER BY id [FOR UPDATE]`` as transient rows
        (not in the session, so nothing is written back by accident). Locks are taken in id
        order, so two submissions touching the same records cannot deadlock on them."""
        wanted = sorted(set(keys))
        if not wanted:
            return []
        pg_type = _array_type(cast(Table, row_type.__table__).c[column])
        cursor = await self.queue_rows(
            await self._driver(),
            row_type,
            f"{column} = ANY(CAST(%s AS {pg_type}[]))",
            (wanted,),
            lock=lock,
        )
        return await self.rows_of(row_type, cursor)

    @asynccontextmanager
    async def pipeline(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """The session's psycopg connection in pipeline mode: the statements executed on it
        inside the block are sent together and run in order, their results read when the block
        ends (one round trip instead of one per statement). Only for statements whose
        parameters do not depend on an earlier one's result (a later statement may read what
        an earlier one locked or wrote, in SQL)."""
        async with pipeline(self.session) as driver:
            yield driver

    @staticmethod
    async def queue_rows(
        driver: psycopg.AsyncConnection[Any],
        row_type: type[Base],
        where: str,
        params: Any,
        *,
        lock: bool = False,
    ) -> psycopg.AsyncCursor[Any]:
        """``SELECT * FROM <table> WHERE <where> ORDER BY id [FOR UPDATE]`` on its own cursor
        (in a :meth:`pipeline`: queued); :meth:`rows_of` reads its rows afterwards."""
        table = cast(Table, row_type.__table__)
        cursor = driver.cursor()
        await cursor.execute(
            f"SELECT * FROM {table.name} WHERE {where}"  # noqa: S608 — names from the metadata, conditions from this module's callers
            f" ORDER BY id{' FOR UPDATE' if lock else ''}",
            params,
        )
        return cursor

    @staticmethod
    async def rows_of(row_type: type[RowT], cursor: psycopg.AsyncCursor[Any]) -> list[RowT]:
        """A :meth:`queue_rows` cursor's rows as transient rows (not in the session)."""
        rows = await cursor.fetchall()
        if not rows:  # most of a single lease's reads (building the description costs)
            return []
        names = [c.name for c in cursor.description or ()]
        return [as_row(row_type, dict(zip(names, row, strict=True))) for row in rows]

    async def _new_ids(self, table: Table, count: int) -> list[int]:
        """``count`` values of the identity column's sequence, ascending (as the ids an
        ``INSERT`` of the rows in that order would have been given)."""
        cursor = await self._execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s) AS n"
            " ORDER BY n",
            (table.name, count),
        )
        return [row[0] for row in await cursor.fetchall()]

    async def insert_rows(
        self, row_type: type[RowT], rows: Sequence[RowT], now: datetime
    ) -> list[Any]:
        """All rows, ``created_at`` and ``updated_at`` = ``now`` (the transaction's ``now()``);
        identity-keyed tables' rows get their ids from the identity's sequence, in the rows'
        order: those ids are returned. A few rows (``FEW_ROWS``) with one ``INSERT … VALUES``
        (:meth:`queue_insert`), more with the ids drawn first and one ``COPY`` — which costs
        more than an ``INSERT`` for a row or two (two round trips and its set-up) and less for
        a bulk submission's thousands."""
        if not rows:
            return []
        if len(rows) <= FEW_ROWS:
            cursor = await self.queue_insert(await self._driver(), row_type, rows, now)
            return await self.inserted_ids(row_type, cursor)
        table = cast(Table, row_type.__table__)
        ids: list[Any] = await self._new_ids(table, len(rows)) if has_identity(row_type) else []
        columns = _written_columns(table)
        read = attrgetter(*(c.key for c in columns))  # ≥ 2 columns: a tuple, read in C
        await copy_rows(
            await self._driver(),
            table,
            ["id", *(c.name for c in columns), "created_at", "updated_at"],
            (
                (row_id, *read(row), now, now)
                for row_id, row in zip(ids or [row.id for row in rows], rows, strict=True)  # type: ignore[attr-defined]
            ),
        )
        return ids

    @staticmethod
    async def queue_insert(
        driver: psycopg.AsyncConnection[Any],
        row_type: type[Base],
        rows: Sequence[Any],
        now: datetime,
    ) -> psycopg.AsyncCursor[Any]:
        """:func:`insert_statement` on its own cursor (in a :meth:`pipeline`: queued); an
        identity-keyed table's ids are read with :meth:`inserted_ids`."""
        cursor = driver.cursor()
        await cursor.execute(*insert_statement(row_type, rows, now))
        return cursor

    @staticmethod
    async def inserted_ids(row_type: type[Base], cursor: psycopg.AsyncCursor[Any]) -> list[Any]:
        """The ids :meth:`queue_insert` gave an identity-keyed table's rows (none otherwise)."""
        if not has_identity(row_type):
            return []
        return [row[0] for row in await cursor.fetchall()]

    @staticmethod
    async def history_ids(cursor: psycopg.AsyncCursor[Any]) -> list[int]:
        """The ids :func:`insert_with_versions_statement` gave its rows, in their order."""
        return sorted(int(entity_id) for (entity_id,) in await cursor.fetchall())

    async def update_rows(self, row_type: type[RowT], rows: Sequence[tuple[RowT, int]]) -> int:
        """One ``UPDATE ... FROM unnest(...)`` of whole rows, each ``WHERE id = :id AND version
        = :expected`` (optimistic concurrency); ``updated_at`` becomes ``now()``. Returns the
        number of rows it matched."""
        if not rows:
            return 0
        cursor = await self.queue_update(await self._driver(), row_type, rows)
        return cursor.rowcount

    @staticmethod
    async def queue_update(
        driver: psycopg.AsyncConnection[Any], row_type: type[Base], rows: Sequence[tuple[Any, int]]
    ) -> psycopg.AsyncCursor[Any]:
        """:meth:`update_rows` on its own cursor (in a :meth:`pipeline`: queued); the rows it
        matched are the cursor's ``rowcount`` once run."""
        table = cast(Table, row_type.__table__)
        columns = _written_columns(table)
        key = table.c["id"]
        params: list[Any] = [
            [row.id for row, _ in rows],
            [expected for _, expected in rows],
            *([_wire(c, getattr(row, c.key)) for row, _ in rows] for c in columns),
        ]
        arrays = ", ".join(
            [
                f"CAST(%s AS {_array_type(key)}[])",
                "CAST(%s AS INTEGER[])",
                *(f"CAST(%s AS {_array_type(c)}[])" for c in columns),
            ]
        )
        assignments = ", ".join(
            f'"{c.name}" = {_select_expr(f"v.p{i}", c)}' for i, c in enumerate(columns)
        )
        aliases = ", ".join(["k", "e", *(f"p{i}" for i in range(len(columns)))])
        cursor = driver.cursor()
        await cursor.execute(
            f"UPDATE {table.name} AS t SET {assignments}, updated_at = now()"  # noqa: S608 — names from the metadata
            f" FROM unnest({arrays}) AS v({aliases})"
            " WHERE t.id = v.k AND t.version = v.e",
            params,
        )
        return cursor

    async def insert_versions(
        self,
        versions: Sequence[tuple[str, str, int, str, dict[str, Any]]],
        *,
        recorded_by: str,
        submission_id: uuid.UUID,
    ) -> None:
        """History rows ``(entity_type, entity_id, version, organisation_id, data)``, one
        statement (``INSERT`` for a few, ``COPY`` for more: as :meth:`insert_rows`);
        ``recorded_at`` is the transaction's ``now()``."""
        if not versions:
            return
        if len(versions) <= FEW_ROWS:
            await self.queue_versions(await self._driver(), versions, recorded_by, submission_id)
            return
        # recorded_at: the column's default, now().
        await copy_rows(
            await self._driver(),
            cast(Table, RecordVersionRow.__table__),
            (*_VERSION_COLUMNS, "recorded_by", "submission_id"),
            ((t, i, n, o, data, recorded_by, submission_id) for t, i, n, o, data in versions),
        )

    @staticmethod
    async def queue_versions(
        driver: psycopg.AsyncConnection[Any],
        versions: Sequence[tuple[str, str, int, str, dict[str, Any]]],
        recorded_by: str,
        submission_id: uuid.UUID,
    ) -> None:
        """:func:`versions_statement` (in a :meth:`pipeline`: queued)."""
        await driver.execute(*versions_statement(versions, recorded_by, submission_id))

    async def last_accepted_lease_states(self, lease_ids: Iterable[str]) -> dict[str, Any]:
        """Each lease as last published (its latest accepted version), if it ever was."""
        wanted = sorted(set(lease_ids))
        if not wanted:
            return {}
        cursor = await self._execute(
            _LAST_ACCEPTED.format(ids="CAST(%(ids)s AS TEXT[])"), {"ids": text_array(wanted)}
        )
        return await self.published_of(cursor)

    @staticmethod
    async def queue_last_accepted_lease_states(
        driver: psycopg.AsyncConnection[Any], ids: str, params: Any
    ) -> psycopg.AsyncCursor[Any]:
        """:meth:`last_accepted_lease_states` of the leases the SQL array expression ``ids``
        names, on its own cursor (in a :meth:`pipeline`: queued); read with
        :meth:`published_of`."""
        cursor = driver.cursor()
        await cursor.execute(_LAST_ACCEPTED.format(ids=ids), params)
        return cursor

    @staticmethod
    async def published_of(cursor: psycopg.AsyncCursor[Any]) -> dict[str, Any]:
        return {entity_id: data for entity_id, data in await cursor.fetchall()}

    # --- dwellings held by their warnings -----------------------------------------------------

    async def hold_dwelling(self, values: dict[str, Any]) -> None:
        """Keep (or replace) a held dwelling; ``values`` are ``held_dwellings``' columns."""
        statement = postgresql.insert(HeldDwellingRow).values(**values)
        updates = {k: statement.excluded[k] for k in values if k != "id"}
        updates["held_at"] = statement.excluded.held_at
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["id"], set_=updates)
        )

    async def release_held_dwellings(self, dwelling_ids: Sequence[str]) -> None:
        """Forget held versions of dwellings now stored (confirmed or sent again plausible)."""
        if dwelling_ids:
            await self.session.execute(
                delete(HeldDwellingRow).where(HeldDwellingRow.id.in_(list(dwelling_ids)))
            )

    async def held_dwelling(self, scope: Scope, dwelling_id: str) -> HeldDwellingRow | None:
        """The caller's held dwelling (another organisation's is not found)."""
        row = await self.get(HeldDwellingRow, dwelling_id)
        if row is None or not scope.acts_for(row.organisation_id):
            return None
        return row

    async def held_dwellings(
        self, scope: Scope, *, after: str | None, limit: int
    ) -> list[HeldDwellingRow]:
        """A page of the caller's held dwellings, by id (``LIMIT limit + 1``)."""
        organisations = sorted(scope.organisation_ids or ())
        statement = select(HeldDwellingRow).where(
            HeldDwellingRow.organisation_id.in_(organisations)
        )
        rows = await self.session.scalars(self._page(statement, HeldDwellingRow.id, after, limit))
        return list(rows)

    async def add_submission(self, submission: Submission) -> None:
        await (await self._driver()).execute(*submission_statement(submission))

    # --- what the rules need -----------------------------------------------------------------

    async def department_rent_statistics(
        self, department_ids: Iterable[str]
    ) -> dict[str, DepartmentRentStatistics]:
        """Median rent per m² of each department's accepted leases, each at its start date."""
        wanted = sorted(set(department_ids))
        if not wanted:
            return {}
        cursor = await self._execute(
            _RENT_STATISTICS.format(departments="CAST(%(departments)s AS TEXT[])"),
            {"departments": text_array(wanted), "rent_forming": _RENT_FORMING},
        )
        return await self.rent_statistics_of(wanted, cursor)

    @staticmethod
    async def queue_department_rent_statistics(
        driver: psycopg.AsyncConnection[Any], departments: str, params: dict[str, Any]
    ) -> psycopg.AsyncCursor[Any]:
        """:meth:`department_rent_statistics` of the departments the SQL array expression
        ``departments`` names, on its own cursor (in a :meth:`pipeline`: queued); read with
        :meth:`rent_statistics_of`."""
        cursor = driver.cursor()
        await cursor.execute(
            _RENT_STATISTICS.format(departments=departments),
            {**params, "rent_forming": _RENT_FORMING},
        )
        return cursor

    @staticmethod
    async def rent_statistics_of(
        wanted: Iterable[str], cursor: psycopg.AsyncCursor[Any]
    ) -> dict[str, DepartmentRentStatistics]:
        """The statistics of the ``wanted`` departments (those without a rent: none)."""
        statistics = {department: DepartmentRentStatistics(0, None) for department in wanted}
        for department_id, leases, median in await cursor.fetchall():
            statistics[department_id] = DepartmentRentStatistics(
                int(leases), None if median is None else Decimal(str(median))
            )
        return statistics

    # --- scoped reads ------------------------------------------------------------------------

    @staticmethod
    def _page(statement: Select[Any], key: Any, after: Any, limit: int) -> Select[Any]:
        if after is not None:
            statement = statement.where(key > after)
        return statement.order_by(key).limit(limit + 1)

    async def _rows(self, statement: Select[Any]) -> list[dict[str, Any]]:
        """A page of one table's records as dicts of its columns (the shape ``_list_page``
        gives too), not ORM instances: a page is only shown, and loading ORM instances cost
        more than the query (~7 µs a record)."""
        entity = statement.column_descriptions[0]["entity"]
        plain = statement.with_only_columns(*entity.__table__.columns)
        return [dict(row) for row in (await self.session.execute(plain)).mappings()]

    @staticmethod
    def _organisation_conditions(scope: Scope) -> list[tuple[str, Any]]:
        """Who sees an organisation: the organisation axis as for every record; a municipality
        sees the organisations at home in it or with a department in it."""
        organisation_axis = replace(scope, municipality_code=None)  # its column is never read
        conditions = organisation_axis.sql_conditions("r.id", "r.home_municipality_code")
        if scope.municipality_code is not None:
            conditions.append((_ORGANISATION_IN_MUNICIPALITY, scope.municipality_code))
        return conditions

    async def visible_organisation(self, scope: Scope, organisation_id: str) -> RecordView | None:
        conditions = [*self._organisation_conditions(scope), ("r.id = %s", organisation_id)]
        rows = await self._list_page(_ORGANISATION_LIST, conditions, None, 1)
        return RecordView(**rows[0]) if rows else None

    async def list_organisations(
        self,
        scope: Scope,
        *,
        municipality_code: str | None,
        changed_since: datetime | None,
        after: str | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        conditions = self._organisation_conditions(scope)
        if municipality_code is not None:
            conditions.append(("r.home_municipality_code = %s", municipality_code))
        if changed_since is not None:
            conditions.append(("r.updated_at >= %s", changed_since))
        return await self._list_page(_ORGANISATION_LIST, conditions, after, limit)

    async def visible_department(self, scope: Scope, department_id: str) -> RecordView | None:
        return await self._visible_by_id(_DEPARTMENT_BY_ID, scope, department_id)

    async def list_departments(
        self,
        scope: Scope,
        *,
        organisation_id: str | None,
        municipality_code: str | None,
        housing_type: str | None,
        changed_since: datetime | None,
        after: str | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        conditions = scope.sql_conditions("r.organisation_id", "r.municipality_code")
        if organisation_id is not None:
            conditions.append(("r.organisation_id = %s", organisation_id))
        if municipality_code is not None:
            conditions.append(("r.municipality_code = %s", municipality_code))
        if housing_type is not None:
            conditions.append(("r.housing_type = %s", housing_type))
        if changed_since is not None:
            conditions.append(("r.updated_at >= %s", changed_since))
        return await self._list_page(_DEPARTMENT_LIST, conditions, after, limit)

    async def visible_section(self, scope: Scope, section_id: str) -> RecordView | None:
        return await self._visible_by_id(_SECTION_BY_ID, scope, section_id)

    async def list_sections(
        self,
        scope: Scope,
        *,
        department_id: str | None,
        changed_since: datetime | None,
        after: str | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        conditions = scope.sql_conditions("dp.organisation_id", "dp.municipality_code")
        if department_id is not None:
            conditions.append(("r.department_id = %s", department_id))
        if changed_since is not None:
            conditions.append(("r.updated_at >= %s", changed_since))
        return await self._list_page(_SECTION_LIST, conditions, after, limit)

    async def visible_dwelling(self, scope: Scope, dwelling_id: str) -> RecordView | None:
        return await self._visible_by_id(_DWELLING_BY_ID, scope, dwelling_id)

    async def list_dwellings(
        self,
        scope: Scope,
        *,
        department_id: str | None,
        municipality_code: str | None,
        changed_since: datetime | None,
        after: str | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        conditions = scope.sql_conditions("dp.organisation_id", "dp.municipality_code")
        if department_id is not None:
            conditions.append(("r.department_id = %s", department_id))
        if municipality_code is not None:
            conditions.append(("dp.municipality_code = %s", municipality_code))
        if changed_since is not None:
            conditions.append(("r.updated_at >= %s", changed_since))
        return await self._list_page(_DWELLING_LIST, conditions, after, limit)

    async def visible_lease(self, scope: Scope, lease_id: str) -> RecordView | None:
        row = await self._visible_by_id(_LEASE_BY_ID, scope, lease_id)
        if row is not None and scope.organisation_ids is None:
            # as the list: drafts and held leases only for their submitter's organisations
            return row if row.status == LeaseStatus.ACCEPTED.value else None
        return row

    async def _visible_by_id(self, query: str, scope: Scope, key: str) -> RecordView | None:
        """One record by id, if the caller sees it: a fixed statement on the session's psycopg
        connection (prepared after a few uses, no SQL built per request) that also returns the
        owning department's organisation and municipality, checked with ``Scope.sees`` —
        the same rule ``Scope.sql_conditions`` puts into the lists' SQL. The record comes back
        as a plain object with the table's columns as attributes (what the read models and
        the ETag take), not an ORM instance: reads change nothing."""
        driver = await self._driver()
        async with driver.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(query, (key,))
            row = await cursor.fetchone()
        if row is None:
            return None
        if not scope.sees(row.pop("scope_organisation_id"), row.pop("scope_municipality_code")):
            return None
        return RecordView(**row)

    async def list_leases(
        self, scope: Scope, filters: LeaseFilters, *, after: str | None, limit: int
    ) -> list[dict[str, Any]]:
        conditions = scope.sql_conditions("dp.organisation_id", "dp.municipality_code")
        if scope.organisation_ids is None:
            # drafts and held leases are the submitter's business until they are accepted
            conditions.append(("r.status = %s", LeaseStatus.ACCEPTED.value))
        if filters.department_id is not None:
            conditions.append(("w.department_id = %s", filters.department_id))
        if filters.dwelling_id is not None:
            conditions.append(("r.dwelling_id = %s", filters.dwelling_id))
        if filters.municipality_code is not None:
            conditions.append(("dp.municipality_code = %s", filters.municipality_code))
        if filters.status is not None:
            conditions.append(("r.status = %s", filters.status))
        if filters.changed_since is not None:
            conditions.append(("r.updated_at >= %s", filters.changed_since))
        return await self._list_page(_LEASE_LIST, conditions, after, limit)

    async def _list_page(
        self, source: str, conditions: list[tuple[str, Any]], after: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """A page of a list of ``_list_source`` (organisations, departments, building sections,
        dwellings, leases): its rows (``LIMIT limit + 1``) as dicts of the
        shown columns, keyset-paged on ``r.id``, read with one statement on the session's
        psycopg connection — SQLAlchemy's statement building, compiling and row processing
        cost more than the query itself (~1.5 ms of CPU on a page of 100 leases, measured)."""
        if after is not None:
            conditions.append(("r.id > %s", after))
        where = " AND ".join(condition for condition, _ in conditions) or "true"
        params = [value for _, value in conditions]
        params.append(limit + 1)
        driver = await self._driver()
        async with driver.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(f"{source} WHERE {where} ORDER BY r.id LIMIT %s", params)
            return await cursor.fetchall()

    async def list_expenses(
        self, lease_id: str, *, after: int | None, limit: int
    ) -> list[dict[str, Any]]:
        statement = select(HousingExpenseRow).where(HousingExpenseRow.lease_id == lease_id)
        return await self._rows(self._page(statement, HousingExpenseRow.id, after, limit))
