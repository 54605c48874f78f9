"""The pages' figures: what a caller sees of the read model, per page, as tables (each table
is what its chart draws, what the page shows beside it and what the CSV/Excel download holds)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, true
from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.auth import Role
from common.calendar import danish_date, working_days_between
from common.municipalities import MUNICIPALITIES
from dashboards.db import reading as db
from dashboards.db.models import TribunalCaseRow
from dashboards.domain.figures import (
    ALLOCATION_LABELS,
    DEADLINE_STATE_ORDER,
    GRANT_STATUS_ORDER,
    GRANTS_FRAME,
    GRANTS_FRAME_YEARS,
    MUNICIPAL_ALLOCATION,
    OFFER_AGE_BANDS,
    PACKAGE_STATE_ORDER,
    RENT_BAND_EDGES,
    RENT_BAND_LABELS,
    DeadlineState,
    case_deadline,
    daily_window,
    deadline_state,
    grant_status,
    million,
    offer_age_band,
    offer_age_label,
    package_state,
    payments_stopped,
    reference_day,
    share,
)

TOP_DEPARTMENTS = 20


@dataclass(frozen=True, slots=True)
class Filters:
    year: int
    municipality: str | None = None
    organisation: str | None = None

    def query(self) -> dict[str, str]:
        out = {"year": str(self.year)}
        if self.municipality:
            out["municipality"] = self.municipality
        if self.organisation:
            out["organisation"] = self.organisation
        return out


@dataclass(frozen=True, slots=True)
class Table:
    """A table of figures: its key (download name), caption, column headings and rows."""

    key: str
    caption: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]


@dataclass
class Page:
    headline: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    municipalities: list[str] = field(default_factory=list)


def municipality_name(code: str) -> str:
    name = MUNICIPALITIES.get(code)
    return f"{code} {name}" if name else code


def where_of(scope: Scope, filters: Filters) -> db.Where:
    return db.Where(
        organisation_ids=scope.organisation_ids,
        scope_municipality=scope.municipality_code,
        municipality=filters.municipality,
        organisation=filters.organisation,
    )


async def register_page(session: AsyncSession, scope: Scope, filters: Filters, today: date) -> Page:
    where = where_of(scope, filters)
    page = Page(municipalities=await db.municipalities(session, where_of(scope, Filters(0))))
    window = daily_window(filters.year, today)
    created = await db.daily_counts(session, where, "created_at", window.first, window.last)
    ended = await db.daily_counts(session, where, "terminated_at", window.first, window.last)
    page.tables["daily"] = Table(
        "daily",
        f"Lejemål oprettet og opsagt pr. dag, {window.first:%d.%m.%Y}–{window.last:%d.%m.%Y}",
        ("Dag", "Oprettet", "Opsagt"),
        [(d, created.get(d, 0), ended.get(d, 0)) for d in window.days],
    )
    loss, soon = await db.vacancy_now(session, where)
    page.tables["vacancy"] = Table(
        "vacancy",
        "Ledige boliger nu",
        ("Ledighed", "Boliger"),
        [("Tomgang (ledig med lejetab)", loss), ("Bliver snart ledig", soon)],
    )
    lettings = await db.lettings_by_allocation(
        session, where, date(filters.year, 1, 1), date(filters.year, 12, 31)
    )
    total = sum(lettings.values())
    page.tables["lettings"] = Table(
        "lettings",
        f"Genudlejninger {filters.year} efter anvisningstype",
        ("Anvisningstype", "Genudlejninger", "Andel (%)"),
        [
            (label, lettings.get(kind, 0), share(lettings.get(kind, 0), total))
            for kind, label in ALLOCATION_LABELS.items()
        ]
        + [("I alt", total, share(total, total))],
    )
    day = reference_day(filters.year, today)
    bands = await db.rent_bands(session, where, day, RENT_BAND_EDGES)
    page.tables["rent_bands"] = Table(
        "rent_bands",
        f"Lejemål efter månedlig husleje pr. {day:%d.%m.%Y}",
        ("Husleje pr. måned", "Lejemål"),
        [(label, bands.get(n, 0)) for n, label in enumerate(RENT_BAND_LABELS)],
    )
    page.headline = {
        "created_today": created.get(today, 0),
        "vacancy_loss": loss,
        "vacant_soon": soon,
        "lettings": total,
        "municipal_share": share(lettings.get(MUNICIPAL_ALLOCATION, 0), total),
    }
    return page


async def governance_page(
    session: AsyncSession, scope: Scope, filters: Filters, today: date
) -> Page:
    """Packages of the governance year per status per home municipality, those not sent by
    their home municipality's deadline, and the departments' red and yellow key figures."""
    where = where_of(scope, filters)
    page = Page(municipalities=await db.municipalities(session, where_of(scope, Filters(0))))
    counts: dict[str, dict[str, int]] = {}
    overdue: dict[str, int] = {}
    red = yellow = 0
    for facts in await db.packages(session, where, filters.year):
        state = package_state(
            sent_at=facts.sent_at,
            returned_at=facts.returned_at,
            meeting_held_on=facts.meeting_held_on,
            statement_at=facts.statement_at,
            editing_status=facts.editing_status,
            editing_at=facts.editing_at,
        )
        if state is None:
            continue
        per = counts.setdefault(facts.home_municipality_code, {})
        per[state.value] = per.get(state.value, 0) + 1
        if not state.delivered and facts.deadline is not None and facts.deadline < today:
            code = facts.home_municipality_code
            overdue[code] = overdue.get(code, 0) + 1
        red += facts.red_figures or 0
        yellow += facts.yellow_figures or 0
    page.tables["packages"] = Table(
        "packages",
        f"Dokumentationspakker {filters.year} pr. status og hjemkommune",
        ("Kommune", *(s.label for s in PACKAGE_STATE_ORDER), "I alt", "Over kommunens frist"),
        [
            (
                municipality_name(code),
                *(per.get(s.value, 0) for s in PACKAGE_STATE_ORDER),
                sum(per.values()),
                overdue.get(code, 0),
            )
            for code, per in sorted(counts.items())
        ],
    )
    departments, any_red, any_yellow = await db.coloured_departments(
        session, where, filters.year - 1, TOP_DEPARTMENTS
    )
    page.tables["colours"] = Table(
        "colours",
        f"Afdelinger med røde og gule nøgletal (regnskabsår {filters.year - 1}), "
        f"de {TOP_DEPARTMENTS} med flest røde",
        ("Afdeling", "Boligorganisation", "Kommune", "Røde", "Gule", "Røde nøgletal"),
        [
            (
                d.department_id,
                d.organisation_id,
                municipality_name(d.municipality_code),
                d.red,
                d.yellow,
                d.red_codes.replace(",", ", "),
            )
            for d in departments
        ],
    )
    totals = [sum(per.get(s.value, 0) for per in counts.values()) for s in PACKAGE_STATE_ORDER]
    page.headline = {
        "packages": sum(totals),
        **{s.value: n for s, n in zip(PACKAGE_STATE_ORDER, totals, strict=True)},
        "overdue": sum(overdue.values()),
        "red_figures": red,
        "yellow_figures": yellow,
        "departments_red": any_red,
        "departments_yellow": any_yellow,
    }
    return page


async def grants_page(session: AsyncSession, scope: Scope, filters: Filters) -> Page:
    """The § 91a frame per year (used, reserved, left) and the case pipeline of the year.

    The frame and what is left of it are national figures: only an unrestricted caller (the
    fund) sees them; a municipality or organisation sees what its own cases use."""
    where = where_of(scope, filters)
    page = Page(municipalities=await db.municipalities(session, where_of(scope, Filters(0))))
    national = scope.unrestricted and filters.municipality is None and not filters.organisation
    use = await db.frame_use(session, where)
    years = sorted(set(GRANTS_FRAME_YEARS) | set(use))
    frame_rows = []
    for year in years:
        used, reserved = use.get(year, (Decimal(0), Decimal(0)))
        frame = GRANTS_FRAME if year in GRANTS_FRAME_YEARS and national else None
        left = frame - used - reserved if frame is not None else None
        frame_rows.append((year, million(frame), million(used), million(reserved), million(left)))
    page.tables["frame"] = Table(
        "frame",
        "§ 91a-rammen pr. år (mio. kr.): brugt (tilsagn), reserveret (prækvalificeret) og tilbage"
        + ("" if national else " — kun egne sager; rammen vises for fonden"),
        ("År", "Ramme", "Brugt", "Reserveret", "Tilbage"),
        frame_rows,
    )
    counts: dict[str, dict[str, int]] = {}
    stopped: dict[str, int] = {}
    for case in await db.grant_cases(session, where, filters.year):
        status = grant_status(
            submitted=case.submitted,
            rejected=case.rejected,
            prequalified=case.prequalified,
            plan_approved=case.plan_approved,
            committed=case.committed,
            under_assessment=case.under_assessment,
            plan_sent=case.plan_sent,
        )
        if status is None:
            continue
        per = counts.setdefault(case.municipality_code, {})
        per[status.value] = per.get(status.value, 0) + 1
        if payments_stopped(case.stopped_at, case.resumed_at):
            stopped[case.municipality_code] = stopped.get(case.municipality_code, 0) + 1
    page.tables["pipeline"] = Table(
        "pipeline",
        f"Sager med rammeår {filters.year} pr. status og kommune",
        ("Kommune", *(s.label for s in GRANT_STATUS_ORDER), "I alt", "Betalingsstop"),
        [
            (
                municipality_name(code),
                *(per.get(s.value, 0) for s in GRANT_STATUS_ORDER),
                sum(per.values()),
                stopped.get(code, 0),
            )
            for code, per in sorted(counts.items())
        ],
    )
    used, reserved = use.get(filters.year, (Decimal(0), Decimal(0)))
    frame = GRANTS_FRAME if filters.year in GRANTS_FRAME_YEARS and national else None
    totals = {
        s.value: sum(per.get(s.value, 0) for per in counts.values()) for s in GRANT_STATUS_ORDER
    }
    page.headline = {
        "frame_used": million(used),
        "frame_reserved": million(reserved),
        "frame_left": million(frame - used - reserved) if frame is not None else None,
        "cases": sum(totals.values()),
        **totals,
        "payments_stopped": sum(stopped.values()),
    }
    return page


async def allocation_page(
    session: AsyncSession, scope: Scope, filters: Filters, today: date
) -> Page:
    """Open offers by age (Danish working days) against the answer deadline, lapsed and answered
    offers of the year, and the rent-subsidy frames used and left per municipality."""
    where = where_of(scope, filters)
    page = Page(municipalities=await db.municipalities(session, where_of(scope, Filters(0))))
    bands = [0] * len(OFFER_AGE_BANDS)
    overdue_by_band = [0] * len(OFFER_AGE_BANDS)
    open_by: dict[str, list[int]] = {}
    ages: dict[date, int] = {}  # many offers share an opening day: count its working days once
    for municipality, opened_at, due in await db.open_offers(session, where):
        opened_on = danish_date(opened_at)
        if opened_on not in ages:
            ages[opened_on] = working_days_between(opened_on, today)
        band = offer_age_band(ages[opened_on])
        late = due is not None and due < today
        bands[band] += 1
        overdue_by_band[band] += int(late)
        per = open_by.setdefault(municipality, [0, 0])
        per[0] += 1
        per[1] += int(late)
    page.tables["offer_age"] = Table(
        "offer_age",
        "Åbne tilbud om kommunal anvisning efter alder (svarfrist 7 arbejdsdage)",
        ("Alder", "Åbne tilbud", "Heraf over svarfristen"),
        [(offer_age_label(n), bands[n], overdue_by_band[n]) for n in range(len(bands))],
    )
    outcomes = await db.offer_outcomes(session, where, filters.year)
    codes = sorted(set(open_by) | {c for c, o in outcomes.items() if o != _NO_OUTCOMES})
    page.tables["offers"] = Table(
        "offers",
        f"Tilbud pr. kommune: åbne nu, bortfaldne, accepterede og afslåede i {filters.year}",
        (
            "Kommune",
            "Åbne",
            "Over svarfristen",
            "Bortfaldet",
            "Skyldig husleje (kr.)",
            "Accepteret",
            "Afslået",
        ),
        [
            (
                municipality_name(code),
                open_by.get(code, [0, 0])[0],
                open_by.get(code, [0, 0])[1],
                outcomes.get(code, _NO_OUTCOMES).lapsed,
                outcomes.get(code, _NO_OUTCOMES).rent_owed,
                outcomes.get(code, _NO_OUTCOMES).accepted,
                outcomes.get(code, _NO_OUTCOMES).declined,
            )
            for code in codes
        ],
    )
    frames = await db.subsidy_frames(
        session, where, filters.year, with_frames=scope.organisation_ids is None
    )
    page.tables["subsidy_frames"] = Table(
        "subsidy_frames",
        f"Huslejetilskud: rammen for {filters.year} pr. kommune (boliger), brugt og tilbage",
        ("Kommune", "Ramme", "Brugt", "Tilbage"),
        [
            (
                municipality_name(code),
                frame,
                used,
                frame - used if frame is not None else None,
            )
            for code, (frame, used) in sorted(frames.items())
        ],
    )
    page.headline = {
        "open_offers": sum(bands),
        "overdue_offers": sum(overdue_by_band),
        "lapsed": sum(o.lapsed for o in outcomes.values()),
        "subsidies": sum(used for _, used in frames.values()),
    }
    return page


_NO_OUTCOMES = db.OfferOutcomes(0, Decimal(0), 0, 0)


def tribunal_visibility(scope: Scope, filters: Filters) -> ColumnElement[bool]:
    """A tribunal sees its own tribunal's cases (its token's municipality code, kept in the
    scope), a municipality the cases it filed (§ 87), the fund every case."""
    t = TribunalCaseRow
    condition: ColumnElement[bool] = true()
    if scope.role is Role.TRIBUNAL:
        condition = condition & (t.tribunal_code == scope.municipality_code)
    elif scope.municipality_code is not None:
        condition = condition & (t.filing_municipality_code == scope.municipality_code)
    elif not scope.unrestricted:  # an organisation: no tribunal cases are its own
        condition = condition & (t.case_id.is_(None))
    if filters.municipality is not None:
        condition = condition & (t.tribunal_code == filters.municipality)
    return condition


def tribunal_name(code: str) -> str:
    return f"Huslejenævnet i {municipality_name(code)}"


async def tribunal_page(session: AsyncSession, scope: Scope, filters: Filters, today: date) -> Page:
    """Open cases by the state of their current deadline, and the time from filing to decision
    (median, 90th percentile) of the year's decisions, per tribunal."""
    visible = tribunal_visibility(scope, filters)
    page = Page()
    states: dict[str, dict[DeadlineState, int]] = {}
    for (
        code,
        notify_due,
        notified,
        reply_due,
        question_due,
        suspended,
    ) in await db.open_tribunal_cases(session, visible):
        due = case_deadline(
            notify_due=notify_due,
            notified_on=notified,
            reply_due=reply_due,
            question_due=question_due,
        )
        per = states.setdefault(code, {})
        state = DeadlineState.SUSPENDED if suspended else deadline_state(due, today)
        per[state] = per.get(state, 0) + 1
    page.municipalities = sorted(states)
    page.tables["open_cases"] = Table(
        "open_cases",
        f"Verserende sager pr. huslejenævn efter frist (uge {today.isocalendar().week})",
        ("Huslejenævn", *(s.label for s in DEADLINE_STATE_ORDER), "I alt"),
        [
            (
                tribunal_name(code),
                *(per.get(s, 0) for s in DEADLINE_STATE_ORDER),
                sum(per.values()),
            )
            for code, per in sorted(states.items())
        ],
    )
    times = await db.decision_times(session, visible, filters.year)
    page.tables["decision_time"] = Table(
        "decision_time",
        f"Tid fra indbringelse til afgørelse, afgjort i {filters.year} (dage)",
        ("Huslejenævn", "Afgjorte sager", "Median (dage)", "90 %-fraktil (dage)"),
        [(tribunal_name(code), *figures) for code, figures in sorted(times.items())],
    )
    totals = {s: sum(per.get(s, 0) for per in states.values()) for s in DEADLINE_STATE_ORDER}
    page.headline = {
        "open_cases": sum(totals.values()),
        "overdue": totals[DeadlineState.OVERDUE],
        "due_this_week": totals[DeadlineState.DUE_THIS_WEEK],
        "suspended": totals[DeadlineState.SUSPENDED],
        "decided": sum(n for n, _, _ in times.values()),
    }
    return page
