"""Every query of the grants service. Visibility is SQL here: a housing or administration
organisation sees a case any of its organisations takes part in, a municipality the cases in it,
the fund every case."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from psycopg.rows import namedtuple_row
from sqlalchemy import ColumnElement, Row, and_, false, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from common.access import Scope
from common.db.engine import driver_connection
from common.db.projection import apply_department, apply_organisation, upsert_if_newer
from common.events.contracts import DepartmentUpsertedV1, OrganisationUpsertedV1
from grants.db.models import (
    ApplicationRow,
    AttachmentRow,
    DeclarationRow,
    DepartmentFiguresRow,
    DepartmentFormRow,
    DepartmentRow,
    FrameEntryRow,
    FrameRow,
    HistoryRow,
    OrganisationRow,
    PaymentRow,
    RecommendationRow,
    StatementRow,
)

RESERVATION = "reservation"
# What a case list item shows: the list reads these columns only.
LIST_COLUMNS = (
    ApplicationRow.id,
    ApplicationRow.kind,
    ApplicationRow.title,
    ApplicationRow.status,
    ApplicationRow.organisation_ids,
    ApplicationRow.municipality_code,
    ApplicationRow.year,
    ApplicationRow.requested_amount,
    ApplicationRow.reserved_amount,
    ApplicationRow.committed_amount,
    ApplicationRow.created_at,
    ApplicationRow.sent_at,
    ApplicationRow.overdue,
    ApplicationRow.payments_stopped,
)
COMMITMENT = "commitment"
# The case list's page: LIST_COLUMNS, visibility and every filter as parameters (NULL: not
# filtered). ``flagged``: awaiting the fund (``awaiting``) and sent before ``sent_before`` —
# the domain's rule, computed by the caller — or (false) not so. ``overdue`` is computed from
# the yearly reports and ``today`` (the Danish date), as :func:`reports_overdue` and the case
# view do — not read from ``applications.overdue``, the flag the hourly round sets.
_PAGE = """
SELECT a.id, a.kind, a.title, a.status, a.organisation_ids, a.municipality_code, a.year,
    a.requested_amount, a.reserved_amount, a.committed_amount, a.created_at, a.sent_at,
    reports.overdue, a.payments_stopped
FROM applications AS a
CROSS JOIN LATERAL (
    SELECT EXISTS (
        SELECT 1 FROM statements AS s
        WHERE s.application_id = a.id AND s.due_on < %(today)s::date
          AND (s.received_on IS NULL OR s.status_received_on IS NULL)
    ) AS overdue
) AS reports
WHERE (%(organisations)s::text[] IS NULL OR a.organisation_ids && %(organisations)s::text[])
  AND (%(scope_municipality)s::text IS NULL OR a.municipality_code = %(scope_municipality)s)
  AND (%(status)s::text IS NULL OR a.status = %(status)s)
  AND (%(municipality)s::text IS NULL OR a.municipality_code = %(municipality)s)
  AND (%(year)s::int IS NULL OR a.year = %(year)s)
  AND (%(overdue)s::boolean IS NULL OR reports.overdue = %(overdue)s)
  AND (%(flagged)s::boolean IS NULL
       OR (a.status = ANY(%(awaiting)s::text[]) AND a.sent_at < %(sent_before)s) = %(flagged)s)
  AND (%(after_at)s::timestamptz IS NULL
       OR (a.created_at, a.id) < (%(after_at)s::timestamptz, %(after_id)s::text))
ORDER BY a.created_at DESC, a.id DESC
LIMIT %(limit)s
"""


def reports_overdue(today: date) -> ColumnElement[bool]:
    """A case has a yearly report past its deadline on ``today`` and not received — its
    statement or its status (:meth:`grants.domain.deadlines.Statement.report_overdue`; the
    deadline day itself is in time). The same condition as in :data:`_PAGE`."""
    return (
        select(StatementRow.application_id)
        .where(
            StatementRow.application_id == ApplicationRow.id,
            StatementRow.due_on < today,
            or_(StatementRow.received_on.is_(None), StatementRow.status_received_on.is_(None)),
        )
        .exists()
    )


def visible(scope: Scope) -> ColumnElement[bool]:
    """The cases the caller sees (organisation_ids is an array: any overlap)."""
    condition: ColumnElement[bool] = true()
    if scope.organisation_ids is not None:
        if not scope.organisation_ids:
            return false()
        condition = ApplicationRow.organisation_ids.overlap(sorted(scope.organisation_ids))
    if scope.municipality_code is not None:
        condition = and_(condition, ApplicationRow.municipality_code == scope.municipality_code)
    return condition


class MasterDataRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def apply_organisation(self, event: OrganisationUpsertedV1) -> bool:
        return await apply_organisation(self.session, OrganisationRow, event)

    async def apply_department(self, event: DepartmentUpsertedV1) -> bool:
        return await apply_department(self.session, DepartmentRow, event)

    async def apply_key_figures(self, values: dict[str, Any]) -> bool:
        """Store a department-year's figures if its revision is newer than the one held."""
        statement = upsert_if_newer(
            DepartmentFiguresRow, values, key=("department_id", "year"), guard="revision"
        )
        applied = await self.session.execute(
            statement.returning(DepartmentFiguresRow.department_id)
        )
        return applied.first() is not None

    async def figures(self, department_ids: Sequence[str], year: int) -> list[DepartmentFiguresRow]:
        rows = await self.session.scalars(
            select(DepartmentFiguresRow).where(
                DepartmentFiguresRow.department_id.in_(department_ids),
                DepartmentFiguresRow.year == year,
            )
        )
        return list(rows)

    async def latest_figures(
        self, department_ids: Sequence[str], up_to_year: int
    ) -> dict[str, DepartmentFiguresRow]:
        """Per department, the figures of its latest year up to ``up_to_year``."""
        rows = await self.session.scalars(
            select(DepartmentFiguresRow)
            .where(
                DepartmentFiguresRow.department_id.in_(department_ids),
                DepartmentFiguresRow.year <= up_to_year,
            )
            .order_by(DepartmentFiguresRow.department_id, DepartmentFiguresRow.year.desc())
            .ext(distinct_on(DepartmentFiguresRow.department_id))
        )
        return {row.department_id: row for row in rows}

    async def departments(self, ids: Sequence[str]) -> list[DepartmentRow]:
        rows = await self.session.scalars(select(DepartmentRow).where(DepartmentRow.id.in_(ids)))
        return list(rows)

    async def organisations(self, ids: Sequence[str]) -> list[OrganisationRow]:
        rows = await self.session.scalars(
            select(OrganisationRow).where(OrganisationRow.id.in_(ids))
        )
        return list(rows)


async def lock_overdue(
    session: AsyncSession, limit: int, *due: ColumnElement[bool]
) -> list[StatementRow]:
    """The first ``limit`` statement years matching ``due``, each locked with its application
    in one statement, skipping rows another transaction holds: two rounds never report the same
    year, and a round never waits — so it cannot deadlock with a receipt, which locks the
    application and then the statement (the round's order was the reverse). A year skipped is
    reported by the next round, if it is still overdue then."""
    return list(
        await session.scalars(
            select(StatementRow)
            .join(ApplicationRow, ApplicationRow.id == StatementRow.application_id)
            .where(*due)
            .order_by(StatementRow.due_on, StatementRow.application_id, StatementRow.year)
            .limit(limit)
            .with_for_update(skip_locked=True, of=[StatementRow, ApplicationRow])
        )
    )


class ApplicationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- cases ------------------------------------------------------------------------------

    async def add(self, application: ApplicationRow) -> None:
        self.session.add(application)
        await self.session.flush()

    async def visible_application(
        self, scope: Scope, application_id: str, *, lock: bool = False
    ) -> ApplicationRow | None:
        query = select(ApplicationRow).where(ApplicationRow.id == application_id, visible(scope))
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def page(
        self,
        scope: Scope,
        *,
        status: str | None,
        municipality_code: str | None,
        year: int | None,
        overdue: bool | None,
        today: date,
        after: tuple[datetime, str] | None,
        limit: int,
        flagged: tuple[bool, frozenset[str], datetime] | None = None,
    ) -> list[Any]:
        """Newest first, keyset on (created_at, id); ``limit + 1`` rows of the list's columns
        (:data:`LIST_COLUMNS`) as plain named tuples. One fixed statement (:data:`_PAGE`) on
        the session's psycopg connection, every filter a parameter: no SQL is built per
        request, and psycopg prepares it after a few uses. The visibility is :func:`visible`'s,
        as parameters: the caller's organisations (any overlap) and municipality."""
        wanted, awaiting, sent_before = flagged if flagged is not None else (None, (), None)
        params = {
            "organisations": None
            if scope.organisation_ids is None
            else sorted(scope.organisation_ids),
            "scope_municipality": scope.municipality_code,
            "status": status,
            "municipality": municipality_code,
            "year": year,
            "overdue": overdue,
            "today": today,
            "flagged": wanted,
            "awaiting": sorted(awaiting),
            "sent_before": sent_before,
            "after_at": after[0] if after else None,
            "after_id": after[1] if after else None,
            "limit": limit + 1,
        }
        driver = await driver_connection(self.session)
        async with driver.cursor(row_factory=namedtuple_row) as cursor:
            await cursor.execute(_PAGE, params)
            return await cursor.fetchall()

    async def all_summaries(self, today: date) -> list[Row[Any]]:
        """Every case's list columns, newest first, ``overdue`` as of ``today`` (the fund's
        pipeline export)."""
        columns = [
            reports_overdue(today).label("overdue") if c is ApplicationRow.overdue else c
            for c in LIST_COLUMNS
        ]
        rows = (
            await self.session.execute(
                select(*columns).order_by(
                    ApplicationRow.created_at.desc(), ApplicationRow.id.desc()
                )
            )
        ).all()
        return cast("list[Row[Any]]", list(rows))

    # --- department forms -----------------------------------------------------------------

    async def add_form(self, form: DepartmentFormRow) -> None:
        self.session.add(form)

    async def drafts_with_department(self, department_id: str) -> list[ApplicationRow]:
        """The drafts that include the department, locked (in id order)."""
        rows = await self.session.scalars(
            select(ApplicationRow)
            .where(
                ApplicationRow.status == "draft",
                ApplicationRow.department_ids.contains([department_id]),
            )
            .order_by(ApplicationRow.id)
            .with_for_update()
        )
        return list(rows)

    async def forms_of(self, application_id: str) -> list[DepartmentFormRow]:
        rows = await self.session.scalars(
            select(DepartmentFormRow)
            .where(DepartmentFormRow.application_id == application_id)
            .order_by(DepartmentFormRow.department_id)
        )
        return list(rows)

    async def form(self, application_id: str, department_id: str) -> DepartmentFormRow | None:
        return await self.session.get(DepartmentFormRow, (application_id, department_id))

    # --- attachments ------------------------------------------------------------------------

    async def add_attachment(self, attachment: AttachmentRow) -> None:
        self.session.add(attachment)
        await self.session.flush()

    async def attachments_of(self, application_id: str) -> list[AttachmentRow]:
        rows = await self.session.scalars(
            select(AttachmentRow)
            .options(defer(AttachmentRow.content))
            .where(AttachmentRow.application_id == application_id)
            .order_by(AttachmentRow.uploaded_at, AttachmentRow.id)
        )
        return list(rows)

    async def attachment(self, application_id: str, attachment_id: str) -> AttachmentRow | None:
        return await self.session.scalar(
            select(AttachmentRow).where(
                AttachmentRow.application_id == application_id,
                AttachmentRow.id == attachment_id,
            )
        )

    # --- declarations and the recommendation ------------------------------------------------

    async def declarations_of(self, application_id: str) -> list[DeclarationRow]:
        rows = await self.session.scalars(
            select(DeclarationRow)
            .where(DeclarationRow.application_id == application_id)
            .order_by(DeclarationRow.organisation_id)
        )
        return list(rows)

    async def declaration(self, application_id: str, organisation_id: str) -> DeclarationRow | None:
        return await self.session.get(DeclarationRow, (application_id, organisation_id))

    async def add_row(self, row: Any) -> None:
        """Add a declaration, recommendation, statement or payment row."""
        self.session.add(row)
        await self.session.flush()

    async def recommendation(self, application_id: str) -> RecommendationRow | None:
        return await self.session.get(RecommendationRow, application_id)

    # --- history ----------------------------------------------------------------------------

    async def add_history(
        self,
        application_id: str,
        actor: str,
        role: str,
        action: str,
        detail: str,
        data: dict[str, Any] | None,
        at: datetime,
    ) -> None:
        self.session.add(
            HistoryRow(
                application_id=application_id,
                actor=actor,
                role=role,
                action=action,
                detail=detail,
                data=data,
                at=at,
            )
        )

    async def history_page(
        self, application_id: str, after: int | None, limit: int
    ) -> list[HistoryRow]:
        query = select(HistoryRow).where(HistoryRow.application_id == application_id)
        if after is not None:
            query = query.where(HistoryRow.id > after)
        return list(await self.session.scalars(query.order_by(HistoryRow.id).limit(limit + 1)))

    # --- statements and payments ------------------------------------------------------------

    async def statements_of(self, application_id: str) -> list[StatementRow]:
        rows = await self.session.scalars(
            select(StatementRow)
            .where(StatementRow.application_id == application_id)
            .order_by(StatementRow.year)
        )
        return list(rows)

    async def statement(self, application_id: str, year: int) -> StatementRow | None:
        return await self.session.get(StatementRow, (application_id, year))

    async def newly_overdue_statements(self, today: date, limit: int) -> list[StatementRow]:
        """Statements past their deadline, not received and not yet reported overdue; locked
        with their applications (:func:`lock_overdue`)."""
        return await lock_overdue(
            self.session,
            limit,
            StatementRow.due_on < today,
            StatementRow.received_on.is_(None),
            StatementRow.overdue_at.is_(None),
        )

    async def payments_of(self, application_id: str) -> list[PaymentRow]:
        rows = await self.session.scalars(
            select(PaymentRow)
            .where(PaymentRow.application_id == application_id)
            .order_by(PaymentRow.paid_on, PaymentRow.id)
        )
        return list(rows)

    async def paid_total(self, application_id: str) -> Decimal:
        total = await self.session.scalar(
            select(func.coalesce(func.sum(PaymentRow.amount), 0)).where(
                PaymentRow.application_id == application_id
            )
        )
        return Decimal(total or 0)

    async def application_by_id(
        self, application_id: str, *, lock: bool = False
    ) -> ApplicationRow | None:
        query = select(ApplicationRow).where(ApplicationRow.id == application_id)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def set_overdue(self, application_id: str, overdue: bool) -> None:
        await self.session.execute(
            update(ApplicationRow)
            .where(ApplicationRow.id == application_id)
            .values(overdue=overdue)
        )


class FrameRepository:
    """The yearly frame. ``lock`` takes the frame row's lock: every reservation and commitment
    of a year runs under it, so the sums read are the sums the change is checked against."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, year: int, default_amount: Decimal) -> FrameRow:
        """The year's frame row, locked; created with ``default_amount`` if missing."""
        await self.session.execute(
            pg_insert(FrameRow)
            .values(year=year, amount=default_amount)
            .on_conflict_do_nothing(index_elements=["year"])
        )
        row = await self.session.scalar(
            select(FrameRow).where(FrameRow.year == year).with_for_update()
        )
        assert row is not None
        return row

    async def frames(self) -> list[FrameRow]:
        return list(await self.session.scalars(select(FrameRow).order_by(FrameRow.year)))

    async def frame(self, year: int) -> FrameRow | None:
        return await self.session.get(FrameRow, year)

    async def sums(self, year: int) -> tuple[Decimal, Decimal]:
        """(committed, reserved and not released) in ``year``."""
        committed = func.coalesce(
            func.sum(FrameEntryRow.amount).filter(FrameEntryRow.kind == COMMITMENT), 0
        )
        reserved = func.coalesce(
            func.sum(FrameEntryRow.amount).filter(
                FrameEntryRow.kind == RESERVATION, FrameEntryRow.released_at.is_(None)
            ),
            0,
        )
        row = (
            await self.session.execute(
                select(committed, reserved).where(FrameEntryRow.year == year)
            )
        ).one()
        return Decimal(row[0]), Decimal(row[1])

    async def open_reservation(self, application_id: str) -> FrameEntryRow | None:
        return await self.session.scalar(
            select(FrameEntryRow).where(
                FrameEntryRow.application_id == application_id,
                FrameEntryRow.kind == RESERVATION,
                FrameEntryRow.released_at.is_(None),
            )
        )

    async def add(self, entry: FrameEntryRow) -> None:
        self.session.add(entry)
        await self.session.flush()

    async def entries_of(self, year: int) -> list[FrameEntryRow]:
        rows = await self.session.scalars(
            select(FrameEntryRow).where(FrameEntryRow.year == year).order_by(FrameEntryRow.id)
        )
        return list(rows)

    async def any_year_entries(self) -> list[FrameEntryRow]:
        return list(await self.session.scalars(select(FrameEntryRow).order_by(FrameEntryRow.id)))
