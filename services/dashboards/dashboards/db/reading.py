"""Every query of the pages. Visibility comes in as a condition built from the caller's scope
(``common.access.Scope.filter``) and the page's filters; nothing here decides who sees what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    String,
    and_,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.ext.asyncio import AsyncSession

from dashboards.db.models import (
    DepartmentColoursRow,
    DwellingRow,
    GrantCaseRow,
    LeaseRow,
    OfferRow,
    PackageDeadlineRow,
    PackageRow,
    SubsidyFrameRow,
    SubsidyRow,
    TribunalCaseRow,
    TribunalQuestionRow,
)

DANISH_ZONE = "Europe/Copenhagen"


@dataclass(frozen=True, slots=True)
class Where:
    """A caller's visible rows narrowed by the page's filters, per table."""

    organisation_ids: frozenset[str] | None  # the scope's organisations (None: any)
    scope_municipality: str | None  # the scope's municipality (None: any)
    municipality: str | None  # the page's filter
    organisation: str | None  # the page's filter

    def on(self, organisation_column: object, municipality_column: object) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = true()
        if self.organisation_ids is not None:
            condition = condition & organisation_column.in_(sorted(self.organisation_ids))  # type: ignore[attr-defined]
        if self.scope_municipality is not None:
            condition = condition & (municipality_column == self.scope_municipality)
        if self.municipality is not None:
            condition = condition & (municipality_column == self.municipality)
        if self.organisation is not None:
            condition = condition & (organisation_column == self.organisation)
        return condition

    def on_any(self, organisations_column: Any, municipality_column: Any) -> ColumnElement[bool]:
        """Rows naming several organisations (an array): visible if any is the caller's."""
        condition: ColumnElement[bool] = true()
        if self.organisation_ids is not None:
            condition = condition & organisations_column.overlap(
                cast(array(sorted(self.organisation_ids)), ARRAY(String(64)))
            )
        if self.scope_municipality is not None:
            condition = condition & (municipality_column == self.scope_municipality)
        if self.municipality is not None:
            condition = condition & (municipality_column == self.municipality)
        if self.organisation is not None:
            condition = condition & organisations_column.contains(
                cast(array([self.organisation]), ARRAY(String(64)))
            )
        return condition

    def on_packages(self) -> ColumnElement[bool]:
        """A package lies in its home municipality and in each location municipality."""
        condition: ColumnElement[bool] = true()
        p = PackageRow

        def in_municipality(code: str) -> ColumnElement[bool]:
            return or_(
                p.home_municipality_code == code,
                p.location_municipality_codes.contains(array([code])),
            )

        if self.organisation_ids is not None:
            condition = condition & p.organisation_id.in_(sorted(self.organisation_ids))
        if self.scope_municipality is not None:
            condition = condition & in_municipality(self.scope_municipality)
        if self.municipality is not None:
            condition = condition & in_municipality(self.municipality)
        if self.organisation is not None:
            condition = condition & (p.organisation_id == self.organisation)
        return condition


def _danish_day(column: object) -> ColumnElement[date]:
    return cast(func.timezone(DANISH_ZONE, column), Date)


async def daily_counts(
    session: AsyncSession, where: Where, column: str, first: date, last: date
) -> dict[date, int]:
    """Leases per Danish day of ``column`` (``created_at`` or ``terminated_at``)."""
    moment = getattr(LeaseRow, column)
    day = _danish_day(moment)
    rows = await session.execute(
        select(day, func.count())
        .where(
            where.on(LeaseRow.organisation_id, LeaseRow.municipality_code),
            moment.is_not(None),
            day.between(first, last),
        )
        .group_by(day)
    )
    return {d: n for d, n in rows}


async def vacancy_now(session: AsyncSession, where: Where) -> tuple[int, int]:
    """(vacant with a loss — tomgang, about to be vacant — ledig) dwellings."""
    row = (
        await session.execute(
            select(
                func.count().filter(DwellingRow.vacancy_loss),
                func.count().filter(DwellingRow.vacant_soon),
            ).where(where.on(DwellingRow.organisation_id, DwellingRow.municipality_code))
        )
    ).one()
    return int(row[0]), int(row[1])


async def lettings_by_allocation(
    session: AsyncSession, where: Where, first: date, last: date
) -> dict[str, int]:
    """Leases starting in [first, last] by allocation type (re-lettings)."""
    rows = await session.execute(
        select(LeaseRow.allocation_type, func.count())
        .where(
            where.on(LeaseRow.organisation_id, LeaseRow.municipality_code),
            LeaseRow.allocation_type.is_not(None),
            LeaseRow.start_date.between(first, last),
        )
        .group_by(LeaseRow.allocation_type)
    )
    return {str(kind): n for kind, n in rows}


async def rent_bands(
    session: AsyncSession, where: Where, day: date, edges: Sequence[Decimal]
) -> dict[int, int]:
    """Leases running on ``day`` with a known rent, per band (``width_bucket`` over ``edges``:
    0 below the first edge, n at or above the n-th)."""
    bucket = func.width_bucket(LeaseRow.monthly_rent, array([literal(e) for e in edges]))
    rows = await session.execute(
        select(bucket, func.count())
        .where(
            where.on(LeaseRow.organisation_id, LeaseRow.municipality_code),
            LeaseRow.monthly_rent.is_not(None),
            LeaseRow.start_date <= day,
            or_(LeaseRow.end_date.is_(None), LeaseRow.end_date >= day),
        )
        .group_by(bucket)
    )
    return {int(b): n for b, n in rows}


@dataclass(frozen=True, slots=True)
class PackageFacts:
    package_id: str
    organisation_id: str
    home_municipality_code: str
    sent_at: datetime | None
    returned_at: datetime | None
    meeting_held_on: date | None
    statement_at: datetime | None
    red_figures: int | None
    yellow_figures: int | None
    editing_status: str | None
    editing_at: datetime | None
    deadline: date | None


async def packages(session: AsyncSession, where: Where, year: int) -> list[PackageFacts]:
    p, d = PackageRow, PackageDeadlineRow
    deadline = (
        select(d.deadline)
        .where(
            d.municipality_code == p.home_municipality_code,
            d.organisation_id == p.organisation_id,
            d.governance_year == p.governance_year,
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            p.package_id,
            p.organisation_id,
            p.home_municipality_code,
            p.sent_at,
            p.returned_at,
            p.meeting_held_on,
            p.statement_at,
            p.red_figures,
            p.yellow_figures,
            p.editing_status,
            p.editing_at,
            deadline,
        )
        .where(where.on_packages(), p.governance_year == year)
        .order_by(p.home_municipality_code, p.organisation_id, p.package_id)
    )
    return [PackageFacts(*tuple(row)) for row in rows]


@dataclass(frozen=True, slots=True)
class DepartmentColours:
    department_id: str
    organisation_id: str
    municipality_code: str
    red: int
    yellow: int
    red_codes: str


async def coloured_departments(
    session: AsyncSession, where: Where, year: int, limit: int
) -> tuple[list[DepartmentColours], int, int]:
    """The departments with the most red (then yellow) figures in ``year``, and how many
    departments have any red, any yellow."""
    c = DepartmentColoursRow
    condition = and_(where.on(c.organisation_id, c.municipality_code), c.year == year)
    rows = await session.execute(
        select(
            c.department_id, c.organisation_id, c.municipality_code, c.red, c.yellow, c.red_codes
        )
        .where(condition, (c.red > 0) | (c.yellow > 0))
        .order_by(c.red.desc(), c.yellow.desc(), c.department_id)
        .limit(limit)
    )
    totals = (
        await session.execute(
            select(func.count().filter(c.red > 0), func.count().filter(c.yellow > 0)).where(
                condition
            )
        )
    ).one()
    return [DepartmentColours(*row) for row in rows], int(totals[0]), int(totals[1])


async def municipalities(session: AsyncSession, where: Where) -> list[str]:
    """The municipality codes the caller can choose in the filter."""
    rows = await session.execute(
        select(LeaseRow.municipality_code)
        .where(where.on(LeaseRow.organisation_id, LeaseRow.municipality_code))
        .distinct()
        .order_by(LeaseRow.municipality_code)
    )
    return [str(code) for code in rows.scalars()]


# --- grants ----------------------------------------------------------------------------------


async def frame_use(session: AsyncSession, where: Where) -> dict[int, tuple[Decimal, Decimal]]:
    """Per frame year: (committed — used, reserved by prequalified cases not yet committed)."""
    g = GrantCaseRow
    visible = where.on_any(g.organisation_ids, g.municipality_code)
    out: dict[int, tuple[Decimal, Decimal]] = {}
    used = await session.execute(
        select(g.committed_year, func.sum(g.committed_amount))
        .where(visible, g.committed_at.is_not(None), g.committed_year.is_not(None))
        .group_by(g.committed_year)
    )
    for year, amount in used:
        out[int(year or 0)] = (Decimal(amount or 0), Decimal(0))
    reserved_year = func.coalesce(g.reserved_year, g.year)
    reserved = await session.execute(
        select(reserved_year, func.sum(g.reserved_amount))
        .where(
            visible,
            g.prequalified_at.is_not(None),
            g.committed_at.is_(None),
            reserved_year.is_not(None),
        )
        .group_by(reserved_year)
    )
    for year, amount in reserved:
        out[int(year)] = (out.get(int(year), (Decimal(0), Decimal(0)))[0], Decimal(amount or 0))
    return out


@dataclass(frozen=True, slots=True)
class GrantCaseFacts:
    municipality_code: str
    submitted: bool
    rejected: bool
    prequalified: bool
    plan_approved: bool
    committed: bool
    stopped_at: datetime | None
    resumed_at: datetime | None
    under_assessment: bool
    plan_sent: bool


async def grant_cases(session: AsyncSession, where: Where, year: int) -> list[GrantCaseFacts]:
    """The cases of ``year`` (the application's frame year)."""
    g = GrantCaseRow
    rows = await session.execute(
        select(
            g.municipality_code,
            g.submitted_at.is_not(None),
            g.rejected_at.is_not(None),
            g.prequalified_at.is_not(None),
            g.plan_approved_on.is_not(None),
            g.committed_at.is_not(None),
            g.stopped_at,
            g.resumed_at,
            g.assessment_started_at.is_not(None),
            g.plan_sent_at.is_not(None),
        ).where(where.on_any(g.organisation_ids, g.municipality_code), g.year == year)
    )
    return [GrantCaseFacts(*list(row)) for row in rows]


# --- allocation ------------------------------------------------------------------------------


async def open_offers(
    session: AsyncSession, where: Where
) -> list[tuple[str, datetime, date | None]]:
    """(municipality, opened at, answer due) of the offers neither answered nor lapsed."""
    o = OfferRow
    rows = await session.execute(
        select(o.municipality_code, o.opened_at, o.answer_due).where(
            where.on(o.organisation_id, o.municipality_code),
            o.opened_at.is_not(None),
            o.answered_at.is_(None),
            o.lapsed_on.is_(None),
        )
    )
    return [(str(m), opened, due) for m, opened, due in rows if opened is not None]


@dataclass(frozen=True, slots=True)
class OfferOutcomes:
    lapsed: int
    rent_owed: Decimal
    accepted: int
    declined: int


async def offer_outcomes(
    session: AsyncSession, where: Where, year: int
) -> dict[str, OfferOutcomes]:
    """Per municipality: offers lapsed in ``year`` (and the rent owed for them), answered in
    ``year`` accepted or declined."""
    o = OfferRow
    lapsed_year = func.extract("year", o.lapsed_on)
    answered_year = func.extract("year", func.timezone(DANISH_ZONE, o.answered_at))
    rows = await session.execute(
        select(
            o.municipality_code,
            func.count().filter(lapsed_year == year),
            func.coalesce(func.sum(o.rent_owed).filter(lapsed_year == year), 0),
            func.count().filter(answered_year == year, o.answer_status == "accepted"),
            func.count().filter(answered_year == year, o.answer_status != "accepted"),
        )
        .where(where.on(o.organisation_id, o.municipality_code))
        .group_by(o.municipality_code)
    )
    return {
        str(m): OfferOutcomes(int(lapsed), Decimal(owed or 0), int(accepted), int(declined))
        for m, lapsed, owed, accepted, declined in rows
    }


async def subsidy_frames(
    session: AsyncSession, where: Where, year: int, *, with_frames: bool
) -> dict[str, tuple[int | None, int]]:
    """Per municipality: (its frame of dwellings for ``year`` — when ``with_frames`` and an
    event told it —, subsidies granted on it)."""
    s = SubsidyRow
    used = await session.execute(
        select(s.municipality_code, func.count())
        .where(where.on(s.organisation_id, s.municipality_code), s.frame_year == year)
        .group_by(s.municipality_code)
    )
    out: dict[str, tuple[int | None, int]] = {str(m): (None, int(n)) for m, n in used}
    if with_frames:
        f = SubsidyFrameRow
        frames = await session.execute(
            select(f.municipality_code, f.dwellings).where(
                where.on(literal(None), f.municipality_code), f.year == year
            )
        )
        for m, dwellings in frames:
            out[str(m)] = (int(dwellings), out.get(str(m), (None, 0))[1])
    return out


# --- tribunal --------------------------------------------------------------------------------


async def open_tribunal_cases(
    session: AsyncSession, visible: ColumnElement[bool]
) -> list[tuple[str, date | None, date | None, date | None, date | None, bool]]:
    """(tribunal, notify due, notified on, reply due, the earliest open question's due,
    suspended) of the cases filed and neither decided nor rejected."""
    t = TribunalCaseRow
    q = TribunalQuestionRow
    question_due = (
        select(func.min(q.answer_due))
        .where(q.case_id == t.case_id, q.closed_on.is_(None))
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            t.tribunal_code, t.notify_due, t.notified_on, t.reply_due, question_due, t.suspended
        ).where(visible, t.filed_on.is_not(None), t.decided_on.is_(None), t.rejected_on.is_(None))
    )
    return [(str(code), a, b, c, d, bool(e)) for code, a, b, c, d, e in rows]


async def decision_times(
    session: AsyncSession, visible: ColumnElement[bool], year: int
) -> dict[str, tuple[int, Decimal, Decimal]]:
    """Per tribunal, of the cases decided in ``year``: (how many, median and 90th percentile of
    the days from filing to decision)."""
    t = TribunalCaseRow
    days = cast(t.decided_on - t.filed_on, Integer)
    rows = await session.execute(
        select(
            t.tribunal_code,
            func.count(),
            func.percentile_cont(0.5).within_group(days),
            func.percentile_cont(0.9).within_group(days),
        )
        .where(
            visible,
            t.filed_on.is_not(None),
            t.decided_on.between(date(year, 1, 1), date(year, 12, 31)),
        )
        .group_by(t.tribunal_code)
    )
    return {
        str(code): (
            int(n),
            Decimal(str(median)).quantize(Decimal("0.1")),
            Decimal(str(p90)).quantize(Decimal("0.1")),
        )
        for code, n, median, p90 in rows
    }


async def revision(session: AsyncSession) -> int:
    value = (
        await session.execute(text("SELECT revision FROM model_revision WHERE id = 1"))
    ).scalar()
    return int(value or 0)
