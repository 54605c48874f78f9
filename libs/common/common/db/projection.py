"""Read models fed by other services' events: "apply if newer", and the register's master data.

Events arrive at least once and, across partitions, out of order. A read model therefore keeps,
per row (or per group of columns), the version or timestamp of the fact it holds, and an event
changes the row only when it carries a newer one; an older or duplicate event changes nothing.

* ``upsert_if_newer`` — one guard for the whole row (``version`` of a register record);
  ``upsert_newer_sql`` the same as one fixed statement over a batch's rows as a JSON array
  (``rows_json``, ``insert_rows_sql``), for the psycopg connection; rows that repeat a key
  in rounds of distinct keys (``distinct_key_rounds``);
* ``newer_wins_assignments`` — the ``SET`` list of a text ``ON CONFLICT`` clause where each group
  of columns has its own guard (the benchmark calculator's lease state and lease end);
* ``OrganisationReadModel`` / ``DepartmentReadModel`` with ``apply_organisation`` /
  ``apply_department`` — the register's organisations and departments as every consumer of
  ``register.organisation.upserted`` / ``register.department.upserted`` keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import Enum
from operator import itemgetter
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_core import to_json
from sqlalchemy import DateTime, Integer, Table, Text, func
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from common.events.contracts import DepartmentUpsertedV1, OrganisationUpsertedV1


def upsert_if_newer(
    table: Any,
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str] = ("id",),
    guard: str = "version",
    also_set: Mapping[str, Any] | None = None,
) -> Insert:
    """``INSERT … ON CONFLICT (key) DO UPDATE … WHERE held.guard < new.guard``.

    ``table`` is a ``Table`` or a mapped class; every column in ``values`` except the key is
    updated, plus ``also_set`` (e.g. ``{"updated_at": func.now()}``). Add ``.returning(...)`` to
    learn which rows were applied: a row that was not newer returns nothing."""
    target: Table = getattr(table, "__table__", table)
    rows = [values] if isinstance(values, Mapping) else list(values)
    statement = pg_insert(target).values(rows)
    updated = [name for name in rows[0] if name not in key]
    return statement.on_conflict_do_update(
        index_elements=list(key),
        set_={**{name: statement.excluded[name] for name in updated}, **(also_set or {})},
        where=target.c[guard] < statement.excluded[guard],
    )


def insert_rows_sql(
    table: str, columns: Sequence[str], *, select: Sequence[str] | None = None
) -> str:
    """``INSERT INTO table AS held (columns)`` of rows given as a JSON array (``%(rows)s``,
    :func:`rows_json`) typed by the table's own row type: one fixed statement on the psycopg
    connection (``common.db.engine.driver_connection``) whatever the number of rows. SQLAlchemy
    compiles a multi-row ``VALUES`` anew for every number of rows (~200 µs of Python per event
    in governance's consumer) and ``executemany`` pays its Python per row (measured).

    ``select``, if given, is what goes into each of ``columns``: an expression over the rows'
    fields (named like the table's columns), e.g. one field into two columns or a constant.
    One statement may write a key only once ("ON CONFLICT DO UPDATE command cannot affect row
    a second time"): rows that repeat a key go in rounds (:func:`distinct_key_rounds`)."""
    names = ", ".join(columns)
    values = names if select is None else ", ".join(select)
    return f"""
INSERT INTO {table} AS held ({names})
SELECT {values} FROM json_populate_recordset(NULL::{table}, CAST(%(rows)s AS json))"""  # noqa: S608 - the caller's fixed table and column names


_Row = TypeVar("_Row", bound=Mapping[str, Any])


def distinct_key_rounds(rows: Sequence[_Row], key: Sequence[str]) -> list[list[_Row]]:
    """``rows`` in rounds of distinct ``key`` values, each row in the round after the previous
    row of its key: the n-th row of every key in the n-th round. Written round after round,
    each key's rows are written in the order given, as one statement per row would; a batch
    without repeated keys is one round."""
    of_key = itemgetter(*key)  # a value, or a tuple of values for a composite key
    rounds: list[list[_Row]] = []
    seen: dict[Any, int] = {}
    for row in rows:
        value = of_key(row)
        n = seen.get(value, 0)
        seen[value] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(row)
    return rounds


def upsert_newer_sql(
    table: str,
    columns: Sequence[str],
    *,
    key: Sequence[str] = ("id",),
    guard: str = "version",
    also_set: str = "",
) -> str:
    """:func:`upsert_if_newer` of ``columns`` as :func:`insert_rows_sql` (the rows' keys
    distinct): each row replaces the one held only with a higher ``guard``. ``also_set`` is
    more of the ``SET`` list, e.g. ``"updated_at = now()"``."""
    assignments = [f"{c} = EXCLUDED.{c}" for c in columns if c not in key]
    return f"""{insert_rows_sql(table, columns)}
ON CONFLICT ({", ".join(key)}) DO UPDATE SET {", ".join([*assignments, *filter(None, [also_set])])}
WHERE held.{guard} < EXCLUDED.{guard}
"""


def rows_json(rows: Sequence[dict[str, Any]]) -> str:
    """Rows (column → value) as a JSON array of records, in ``pydantic_core``'s encoder (Rust:
    2–4× faster than ``json`` with a ``default=`` call per timestamp, decimal and date).

    What PostgreSQL reads back as the column's type is the value given: a timestamp in ISO 8601
    with its microseconds and offset (UTC as ``Z``), a date, a ``Decimal`` as its exact text
    (``"1.50"``), a ``UUID`` as its text, an enum as its value, a float ``NaN``/``±inf`` as the
    text float8 and numeric read (``json`` wrote bare ``NaN``, which is not JSON), nested dicts
    and lists as JSON (jsonb and array columns), text unescaped (UTF-8), a type
    ``pydantic_core`` does not know as its ``str()``. No caller passes these, which differ from
    ``json``'s: a timedelta goes as its seconds (exact within 270 years; interval reads hours,
    not days; ISO 8601 would write years for 365 days and negative ones interval refuses), a
    timestamp inside a jsonb value as ISO 8601 text, an offset in whole minutes (a zone's local
    mean time, Copenhagen's +00:50:20 before 1894, would lose its seconds; events' offsets are
    in minutes, as pydantic parses them)."""
    return to_json(rows, timedelta_mode="float", inf_nan_mode="strings", fallback=str).decode()


def newer_wins_assignments(target: str, guard: str, columns: Sequence[str]) -> str:
    """``col = CASE WHEN <held guard is older> THEN EXCLUDED.col ELSE held.col END, …`` for
    ``columns`` and the guard itself, for a text statement ``INSERT INTO t AS <target> …``.

    A row without the guard yet (``NULL``) takes the new values."""
    newer = f"{target}.{guard} IS NULL OR {target}.{guard} < EXCLUDED.{guard}"
    return ",\n".join(
        f"{column} = CASE WHEN {newer} THEN EXCLUDED.{column} ELSE {target}.{column} END"
        for column in [*columns, guard]
    )


# --- the register's master data ---------------------------------------------------------------


class OrganisationReadModel:
    """Mixin for a service's ``organisations`` table: what ``OrganisationUpsertedV1`` carries.

    ``class OrganisationRow(OrganisationReadModel, Base): __tablename__ = "organisations"``;
    a service adds its own columns (governance: the fund's exemption)."""

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    home_municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    administered_by: Mapped[str | None] = mapped_column(Text, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class DepartmentReadModel:
    """Mixin for a service's ``departments`` table: what ``DepartmentUpsertedV1`` carries.

    A service that needs more of the event (e.g. ``region``) adds a column of that name; the
    apply function fills every column named like a field of the event."""

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    municipality_code: Mapped[str] = mapped_column(Text, nullable=False)
    housing_type: Mapped[str] = mapped_column(Text, nullable=False)
    building_type: Mapped[str] = mapped_column(Text, nullable=False)
    construction_year: Mapped[int] = mapped_column(Integer, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


def _values_from_event(table: Table, event: BaseModel, id_field: str) -> dict[str, Any]:
    fields = type(event).model_fields
    values: dict[str, Any] = {"id": getattr(event, id_field)}
    for column in table.columns:
        if column.name != "id" and column.name in fields:
            value = getattr(event, column.name)
            values[column.name] = value.value if isinstance(value, Enum) else value
    return values


async def _apply(session: AsyncSession, row_class: Any, event: BaseModel, id_field: str) -> bool:
    table: Table = row_class.__table__
    statement = upsert_if_newer(
        table, _values_from_event(table, event, id_field), also_set={"updated_at": func.now()}
    )
    applied = await session.execute(statement.returning(table.c.id))
    return applied.first() is not None


async def apply_organisation(
    session: AsyncSession, row_class: type[OrganisationReadModel], event: OrganisationUpsertedV1
) -> bool:
    """Store the organisation if the event is newer than the row held; True if it was."""
    return await _apply(session, row_class, event, "organisation_id")


async def apply_department(
    session: AsyncSession, row_class: type[DepartmentReadModel], event: DepartmentUpsertedV1
) -> bool:
    """Store the department if the event is newer than the row held; True if it was."""
    return await _apply(session, row_class, event, "department_id")
