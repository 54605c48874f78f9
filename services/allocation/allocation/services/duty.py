"""§ 5 vacancy duty: landlords' reports of dwellings vacant for more than 6 weeks, the social
dwellings the register shows vacant that long, and the municipality's decision (allocate a home
seeker, § 5(3), or grant a further deadline, § 5(5))."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from allocation.db.models import VacancyReportRow, VacancyRow
from allocation.db.repositories import Repository
from allocation.domain.duty import (
    DUTY_WEEKS,
    ReportStatus,
    check_decision,
    check_reportable,
    duty_arises,
)
from allocation.domain.errors import (
    NoticeRuleError,
    PropertyNotFoundError,
    VacancyReportedError,
)
from allocation.domain.offers import check_case_reference
from allocation.services.core import new_id
from allocation.services.roles import LANDLORD, MUNICIPALITY
from common.access import Scope
from common.db.uow import UnitOfWork
from common.paging import PageOf, decode_cursor, page_of


@dataclass(frozen=True, slots=True)
class NewReport:
    landlord_id: str
    municipality_code: str
    dwelling_ref: str
    vacant_since: date


async def report_vacancy(
    uow: UnitOfWork, scope: Scope, command: NewReport, today: date
) -> VacancyReportRow:
    scope.require(LANDLORD, "report a dwelling vacant for more than 6 weeks")
    scope.ensure_acts_for(command.landlord_id, "report vacant dwellings")
    check_reportable(command.vacant_since, today)
    repo = Repository(uow.session)
    standing = await repo.standing_vacancy_report(
        command.landlord_id, command.dwelling_ref, command.vacant_since
    )
    if standing is not None:
        raise VacancyReportedError(
            f"{command.dwelling_ref} was already reported vacant since {standing.vacant_since} "
            f"(report {standing.id}, {standing.status}); one vacancy is one report, so the "
            "municipality does not decide on it twice. A later vacancy is reported once that "
            "report is decided."
        )
    row = VacancyReportRow(
        id=new_id("vrep"),
        municipality_code=command.municipality_code,
        landlord_id=command.landlord_id,
        dwelling_ref=command.dwelling_ref,
        vacant_since=command.vacant_since,
        reported_on=today,
        status=ReportStatus.REPORTED.value,
        created_by=scope.subject,
        version=1,
    )
    await repo.add(row)
    await repo.log(
        "vacancy_report",
        row.id,
        "reported",
        scope.subject,
        f"{row.dwelling_ref} vacant since {row.vacant_since} (§ 5(2)).",
    )
    return row


@dataclass(frozen=True, slots=True)
class Decision:
    allocate_case_reference: str | None
    extended_until: date | None
    reason: str | None


async def decide_report(
    uow: UnitOfWork, scope: Scope, report_id: str, command: Decision, today: date
) -> VacancyReportRow:
    scope.require(MUNICIPALITY, "decide on vacancy reports")
    repo = Repository(uow.session)
    row = await repo.vacancy_report(report_id)
    if row is None or not scope.sees(row.landlord_id, row.municipality_code):
        raise PropertyNotFoundError(f"Report {report_id} was not found.")
    await _decide(repo, scope, row, command, today)
    return row


async def decide_long_vacancy(
    uow: UnitOfWork, scope: Scope, dwelling_id: str, command: Decision, today: date
) -> VacancyReportRow:
    """§ 5 for a social dwelling: its report is the register's vacancy itself (the housing
    organisation's duty to report, § 5(2)); the municipality decides on it like on a landlord's
    report, once."""
    scope.require(MUNICIPALITY, "decide on vacancy reports")
    repo = Repository(uow.session)
    # two decisions at once: the second waits, then finds the first's report
    await repo.hold_dwellings([dwelling_id])
    found = await repo.long_social_vacancy(dwelling_id, today - timedelta(weeks=DUTY_WEEKS))
    if found is None or not scope.sees(found[0].organisation_id, found[0].municipality_code):
        raise PropertyNotFoundError(
            f"Dwelling {dwelling_id} is not vacant for more than 6 weeks in your municipality "
            "by the register's latest events."
        )
    vacancy, report = found
    if report is None:
        report = VacancyReportRow(
            id=new_id("vrep"),
            municipality_code=vacancy.municipality_code,
            landlord_id=vacancy.organisation_id,
            dwelling_ref=vacancy.dwelling_id,
            vacant_since=vacancy.vacant_from,
            reported_on=duty_arises(vacancy.vacant_from),
            status=ReportStatus.REPORTED.value,
            created_by="register",
            version=1,
            vacancy_id=vacancy.id,
        )
        await repo.add(report)
        await repo.log(
            "vacancy_report",
            report.id,
            "reported",
            "register",
            f"{report.dwelling_ref} of {report.landlord_id} vacant since {report.vacant_since} "
            "by the register (§ 5(2)).",
        )
    await _decide(repo, scope, report, command, today)
    return report


async def _decide(
    repo: Repository, scope: Scope, row: VacancyReportRow, command: Decision, today: date
) -> None:
    if (command.allocate_case_reference is None) == (command.extended_until is None):
        raise NoticeRuleError(
            "Give either allocate_case_reference (§ 5(3)) or extended_until with a reason "
            "(§ 5(5)), not both."
        )
    check_decision(ReportStatus(row.status), command.extended_until, today)
    if command.allocate_case_reference is not None:
        row.case_reference = check_case_reference(command.allocate_case_reference)
        row.status = ReportStatus.ALLOCATED.value
        detail = f"Allocated a home seeker (case {row.case_reference}), § 5(3)."
    else:
        if not command.reason:
            raise NoticeRuleError("A further deadline (§ 5(5)) needs the reason.")
        row.extended_until = command.extended_until
        row.reason = command.reason
        row.status = ReportStatus.EXTENDED.value
        detail = f"Further deadline until {row.extended_until}: {row.reason} (§ 5(5))."
    row.version += 1
    await repo.log("vacancy_report", row.id, row.status, scope.subject, detail)


async def list_reports(
    uow: UnitOfWork, scope: Scope, *, status: ReportStatus | None, cursor: str | None, limit: int
) -> PageOf[VacancyReportRow]:
    rows = await Repository(uow.session).list_vacancy_reports(
        scope.filter(VacancyReportRow.landlord_id, VacancyReportRow.municipality_code),
        status=status.value if status else None,
        after=decode_cursor(cursor, str),
        limit=limit,
    )
    return page_of(rows, limit, key=lambda r: (r.id,))


async def long_social_vacancies(
    uow: UnitOfWork, scope: Scope, today: date, *, cursor: str | None, limit: int
) -> PageOf[tuple[VacancyRow, VacancyReportRow | None]]:
    """Social dwellings the register shows vacant for more than 6 weeks (derived from its
    vacancy events; the housing organisation's duty under § 5(2))."""
    after = decode_cursor(cursor, int)
    rows = await Repository(uow.session).long_social_vacancies(
        scope.filter(VacancyRow.organisation_id, VacancyRow.municipality_code),
        today - timedelta(weeks=DUTY_WEEKS),
        after=after,
        limit=limit,
    )
    return page_of(rows, limit, key=lambda r: (r[0].id,))
