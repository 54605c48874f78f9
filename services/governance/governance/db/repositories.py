"""Every query of the governance service.

* :class:`PackageRepository` — packages, their forms, answers, change log, accounts,
  attachments and deadlines, and the year's question catalogue;
* :class:`MasterDataRepository` — the read models fed by other services' events: the register's
  organisations and departments (with the fund's exemptions) and the calculator's key figures;
* :class:`ReminderRepository` — the reminder rounds.

Reads for a caller are filtered by what the caller sees (:mod:`governance.db.visibility`);
transitions and edits take the package's row lock (``SELECT … FOR UPDATE``). Decisions are
not made here: the use cases apply the rules of :mod:`governance.domain` to what is loaded.
Nothing here commits; the unit of work (or the consumer) owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.db.engine import driver_connection
from common.db.locks import advisory_xact_lock
from common.db.projection import (
    apply_department,
    apply_organisation,
    rows_json,
    upsert_if_newer,
    upsert_newer_sql,
)
from common.events.contracts import DepartmentUpsertedV1, OrganisationUpsertedV1
from governance.db.models import (
    AccountsRow,
    AnswerRow,
    AttachmentRow,
    DeadlineRow,
    DepartmentRow,
    FormRow,
    KeyFiguresRow,
    OrganisationRow,
    PackageChangeRow,
    PackageRow,
    QuestionRow,
    ReminderRoundRow,
    ReminderRow,
)
from governance.db.visibility import published_packages, readable_packages, visible_packages
from governance.domain.rules import FormKind

_QUESTIONS = "governance.questions"  # the session's per-transaction catalogue cache

# Opening a year (generate_packages) creates packages and forms from the departments and key
# figures held; the consumers of departments and key figures store new ones and fill the packages
# and forms that exist. Run concurrently under READ COMMITTED, each would miss the other's
# uncommitted rows and the new department or figures would never reach its package. So opening
# holds the opening lock exclusively and those consumers hold it shared (they do not wait for
# each other), and a department's new form and its new figures wait for each other through the
# department's lock — each taken before the first read it guards (common.db.locks).
_PACKAGE_OPENING = ("governance.package_opening", "every year")
_DEPARTMENTS = "governance.departments"


async def hold_package_opening(session: AsyncSession, *, exclusively: bool) -> None:
    """Take the package-opening lock until the transaction ends (see ``_PACKAGE_OPENING``)."""
    await advisory_xact_lock(session, *_PACKAGE_OPENING, shared=not exclusively)


async def hold_department(session: AsyncSession, department_id: str) -> None:
    """Take the department's lock until the transaction ends (see ``_PACKAGE_OPENING``)."""
    await advisory_xact_lock(session, _DEPARTMENTS, department_id)


# A year's catalogue may be replaced only while the year has no answers. Replacing it and saving
# a first answer, run concurrently, would each miss the other's uncommitted rows (the answer kept
# under a catalogue without its question), and two replacements would both insert the questions.
# So a replacement holds the year's catalogue lock exclusively, and whoever writes answers holds
# it shared (they do not wait for each other) before reading the questions.
_CATALOGUES = "governance.catalogues"


async def hold_catalogue(session: AsyncSession, year: int, *, exclusively: bool) -> None:
    """Take the year's catalogue lock until the transaction ends (see ``_CATALOGUES``)."""
    await advisory_xact_lock(session, _CATALOGUES, str(year), shared=not exclusively)


def _chunks(rows: Sequence[dict[str, Any]], size: int) -> list[Sequence[dict[str, Any]]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


@dataclass(frozen=True, slots=True)
class PackageQuery:
    """Filters of a package list; ``after`` is the last package id of the previous page (of
    the status overview: its last organisation)."""

    year: int | None = None
    status: str | None = None
    organisation_id: str | None = None
    home_municipality_code: str | None = None
    after: str | None = None


@dataclass(frozen=True, slots=True)
class DeadlineQuery:
    """Filters of a municipality's deadline list; ``after`` is the last (year, organisation)
    of the previous page."""

    year: int | None = None
    organisation_id: str | None = None
    after: tuple[int, str] | None = None


# The columns of a package list's item (``GET /packages``).
LIST_COLUMNS = (
    PackageRow.id,
    PackageRow.organisation_id,
    PackageRow.year,
    PackageRow.status,
    PackageRow.version,
    PackageRow.home_municipality_code,
    PackageRow.sent_at,
    PackageRow.updated_at,
)


class PackageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- packages ----------------------------------------------------------------------------

    async def visible_package(
        self, scope: Scope, package_id: str, *, lock: bool = False
    ) -> PackageRow | None:
        """The package if the caller sees it; ``lock`` takes the row lock that serialises the
        transitions and edits of one package."""
        query = select(PackageRow).where(PackageRow.id == package_id, visible_packages(scope))
        if lock:
            query = query.with_for_update(of=PackageRow)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def package(self, package_id: str) -> PackageRow | None:
        """Any package (for the service's own consumers, not for a caller)."""
        return await self.session.get(PackageRow, package_id)

    async def package_of(self, organisation_id: str, year: int) -> PackageRow | None:
        return (
            await self.session.execute(
                select(PackageRow).where(
                    PackageRow.organisation_id == organisation_id, PackageRow.year == year
                )
            )
        ).scalar_one_or_none()

    async def packages_of_year(self, year: int) -> list[PackageRow]:
        rows = await self.session.execute(select(PackageRow).where(PackageRow.year == year))
        return list(rows.scalars())

    async def packages_of_organisation(self, organisation_id: str) -> list[PackageRow]:
        """The organisation's packages, by year, locked and read afresh: the register's changes
        about to be applied to them (a new home, a department's form) wait for a transition or
        edit under way and see the status it left (a package sent meanwhile stays sent)."""
        rows = await self.session.execute(
            select(PackageRow)
            .where(PackageRow.organisation_id == organisation_id)
            .order_by(PackageRow.year)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(rows.scalars())

    async def organisations_with_package(self, year: int) -> set[str]:
        rows = await self.session.execute(
            select(PackageRow.organisation_id).where(PackageRow.year == year)
        )
        return set(rows.scalars())

    async def add_packages(
        self,
        packages: Sequence[dict[str, Any]],
        forms: Sequence[dict[str, Any]],
        changes: Sequence[dict[str, Any]],
    ) -> None:
        """Insert new packages with their forms and change-log lines (many at once)."""
        for chunk in _chunks(packages, 1000):
            await self.session.execute(insert(PackageRow), chunk)
        for chunk in _chunks(forms, 2000):
            await self.session.execute(insert(FormRow), chunk)
        for chunk in _chunks(changes, 2000):
            await self.session.execute(insert(PackageChangeRow), chunk)

    async def list_visible(self, scope: Scope, query: PackageQuery, limit: int) -> list[Any]:
        """Up to ``limit`` packages the caller sees, by id, after ``query.after``: plain rows of
        the list's columns (``LIST_COLUMNS`` by name), not ORM instances — a page is only shown,
        and loading instances cost more than the query."""
        statement = select(*LIST_COLUMNS).where(visible_packages(scope))
        if query.year is not None:
            statement = statement.where(PackageRow.year == query.year)
        if query.status is not None:
            statement = statement.where(PackageRow.status == query.status)
        if query.organisation_id is not None:
            statement = statement.where(PackageRow.organisation_id == query.organisation_id)
        if query.home_municipality_code is not None:
            statement = statement.where(
                PackageRow.home_municipality_code == query.home_municipality_code
            )
        if query.after is not None:
            statement = statement.where(PackageRow.id > query.after)
        return list(await self.session.execute(statement.order_by(PackageRow.id).limit(limit)))

    async def published_package(self, package_id: str) -> PackageRow | None:
        return (
            await self.session.execute(
                select(PackageRow).where(PackageRow.id == package_id, published_packages())
            )
        ).scalar_one_or_none()

    async def list_published(
        self, year: int, home_municipality_code: str | None, after: str | None, limit: int
    ) -> list[PackageRow]:
        statement = select(PackageRow).where(published_packages(), PackageRow.year == year)
        if home_municipality_code is not None:
            statement = statement.where(PackageRow.home_municipality_code == home_municipality_code)
        if after is not None:
            statement = statement.where(PackageRow.id > after)
        rows = await self.session.execute(statement.order_by(PackageRow.id).limit(limit))
        return list(rows.scalars())

    async def packages_of_years(self, years: Sequence[int]) -> list[PackageRow]:
        """Every package of these governance years, by home municipality, year and id."""
        rows = await self.session.execute(
            select(PackageRow)
            .where(PackageRow.year.in_(list(years)))
            .order_by(PackageRow.home_municipality_code, PackageRow.year, PackageRow.id)
        )
        return list(rows.scalars())

    # --- forms -------------------------------------------------------------------------------

    async def forms_of(self, package_id: str) -> list[FormRow]:
        """The package's forms, the report first, then the departments by id."""
        rows = await self.session.execute(
            select(FormRow)
            .where(FormRow.package_id == package_id)
            .order_by(FormRow.kind.desc(), FormRow.key)
        )
        return list(rows.scalars())

    async def form(self, package_id: str, kind: FormKind, key: str) -> FormRow | None:
        return (
            await self.session.execute(
                select(FormRow).where(
                    FormRow.package_id == package_id, FormRow.kind == kind.value, FormRow.key == key
                )
            )
        ).scalar_one_or_none()

    async def form_statuses(self, package_id: str) -> list[str]:
        """The statuses of the package's forms, changes of this transaction included."""
        await self.session.flush()
        rows = await self.session.execute(
            select(FormRow.status).where(FormRow.package_id == package_id)
        )
        return list(rows.scalars())

    async def add_form(self, form: FormRow) -> None:
        self.session.add(form)
        await self.session.flush()

    async def department_forms_of_year(
        self, department_id: str, package_year: int
    ) -> list[tuple[FormRow, PackageRow]]:
        """The department's forms in the packages of a governance year, with their packages
        locked (the forms are about to change)."""
        rows = await self.session.execute(
            select(FormRow, PackageRow)
            .join(PackageRow, PackageRow.id == FormRow.package_id)
            .where(
                FormRow.kind == FormKind.DEPARTMENT.value,
                FormRow.key == department_id,
                PackageRow.year == package_year,
            )
            .order_by(PackageRow.id)
            .with_for_update(of=PackageRow)
        )
        return [(form, package) for form, package in rows.all()]

    async def department_forms_with_figures(
        self, package_id: str, figures_year: int
    ) -> list[tuple[FormRow, KeyFiguresRow]]:
        """The package's department forms with a snapshot, each with the newest figures held
        for its department and year, by department."""
        rows = await self.session.execute(
            select(FormRow, KeyFiguresRow)
            .join(
                KeyFiguresRow,
                (KeyFiguresRow.department_id == FormRow.key) & (KeyFiguresRow.year == figures_year),
            )
            .where(
                FormRow.package_id == package_id,
                FormRow.kind == FormKind.DEPARTMENT.value,
                FormRow.figures.is_not(None),
            )
            .order_by(FormRow.key)
        )
        return [(form, figures) for form, figures in rows.all()]

    async def department_forms_read_by(
        self,
        scope: Scope | None,
        years: Sequence[int],
        organisation_id: str | None,
        municipality_code: str | None,
    ) -> list[tuple[PackageRow, FormRow]]:
        """The department forms of the packages a caller (``None``: the public) sees, of these
        governance years, by organisation, department and year."""
        statement = (
            select(PackageRow, FormRow)
            .join(FormRow, FormRow.package_id == PackageRow.id)
            .where(
                readable_packages(scope),
                PackageRow.year.in_(list(years)),
                FormRow.kind == FormKind.DEPARTMENT.value,
            )
            .order_by(PackageRow.organisation_id, FormRow.key, PackageRow.year)
        )
        if organisation_id is not None:
            statement = statement.where(PackageRow.organisation_id == organisation_id)
        if municipality_code is not None:
            statement = statement.where(FormRow.municipality_code == municipality_code)
        rows = await self.session.execute(statement)
        return [(package, form) for package, form in rows.all()]

    async def department_forms(self, package_id: str) -> list[FormRow]:
        rows = await self.session.execute(
            select(FormRow)
            .where(FormRow.package_id == package_id, FormRow.kind == FormKind.DEPARTMENT.value)
            .order_by(FormRow.key)
        )
        return list(rows.scalars())

    # --- answers -----------------------------------------------------------------------------

    async def answers_of(self, form_id: int) -> dict[str, Any]:
        rows = await self.session.execute(
            select(AnswerRow.question_code, AnswerRow.value).where(AnswerRow.form_id == form_id)
        )
        return {code: value for code, value in rows.all()}

    async def save_answer(self, form_id: int, code: str, value: Any, by: str) -> None:
        statement = pg_insert(AnswerRow).values(
            form_id=form_id, question_code=code, value=value, updated_by=by
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[AnswerRow.form_id, AnswerRow.question_code],
                set_={"value": value, "updated_at": func.now(), "updated_by": by},
            )
        )

    async def remove_answer(self, form_id: int, code: str) -> None:
        await self.session.execute(
            delete(AnswerRow).where(AnswerRow.form_id == form_id, AnswerRow.question_code == code)
        )

    async def year_has_answers(self, year: int) -> bool:
        answered = await self.session.scalar(
            select(
                exists()
                .where(AnswerRow.form_id == FormRow.id)
                .where(FormRow.package_id == PackageRow.id)
                .where(PackageRow.year == year)
            )
        )
        return bool(answered)

    # --- the question catalogue --------------------------------------------------------------

    async def catalogue(self, year: int) -> list[QuestionRow]:
        rows = await self.session.execute(
            select(QuestionRow).where(QuestionRow.year == year).order_by(QuestionRow.position)
        )
        return list(rows.scalars())

    async def questions_of(self, year: int, kind: FormKind) -> list[QuestionRow]:
        """The year's questions of one form kind, read once per transaction (a consumer batch
        prefills many forms of the same year)."""
        cache: dict[tuple[int, FormKind], list[QuestionRow]] = self.session.info.setdefault(
            _QUESTIONS, {}
        )
        if (year, kind) not in cache:
            rows = await self.session.execute(
                select(QuestionRow)
                .where(QuestionRow.year == year, QuestionRow.form_kind == kind.value)
                .order_by(QuestionRow.position)
            )
            cache[(year, kind)] = list(rows.scalars())
        return cache[(year, kind)]

    async def replace_catalogue(self, year: int, questions: Iterable[QuestionRow]) -> None:
        await self.session.execute(delete(QuestionRow).where(QuestionRow.year == year))
        self.session.add_all(list(questions))
        await self.session.flush()
        self.session.info.pop(_QUESTIONS, None)

    # --- change log --------------------------------------------------------------------------

    async def add_change(
        self,
        package_id: str,
        actor: str,
        role: str,
        action: str,
        detail: str,
        data: dict[str, Any],
    ) -> None:
        await self.session.execute(
            insert(PackageChangeRow).values(
                package_id=package_id,
                actor=actor,
                role=role,
                action=action,
                detail=detail,
                data=data,
            )
        )

    async def last_change_at(self, package_id: str) -> datetime | None:
        return (
            await self.session.execute(
                select(func.max(PackageChangeRow.at)).where(
                    PackageChangeRow.package_id == package_id
                )
            )
        ).scalar_one_or_none()

    async def changes_of(
        self, package_id: str, after: int | None, limit: int
    ) -> list[PackageChangeRow]:
        """Up to ``limit`` change-log lines in order, after the line with id ``after``."""
        statement = select(PackageChangeRow).where(PackageChangeRow.package_id == package_id)
        if after is not None:
            statement = statement.where(PackageChangeRow.id > after)
        rows = await self.session.execute(statement.order_by(PackageChangeRow.id).limit(limit))
        return list(rows.scalars())

    # --- accounts ----------------------------------------------------------------------------

    async def accounts_of(self, package_id: str, accounts_year: int) -> list[AccountsRow]:
        """The package's accounts of its accounts year, by department."""
        rows = await self.session.execute(
            select(AccountsRow)
            .where(AccountsRow.package_id == package_id, AccountsRow.accounts_year == accounts_year)
            .order_by(AccountsRow.department_id)
        )
        return list(rows.scalars())

    async def accounts_revisions(self, package_id: str, accounts_year: int) -> dict[str, int]:
        """The package's departments with reported accounts of the year, and their revision."""
        rows = await self.session.execute(
            select(AccountsRow.department_id, AccountsRow.revision).where(
                AccountsRow.package_id == package_id, AccountsRow.accounts_year == accounts_year
            )
        )
        return {row.department_id: row.revision for row in rows}

    async def accounts_revision(self, department_id: str, accounts_year: int) -> int | None:
        """The revision of a department's reported accounts of a year, if reported."""
        return await self.session.scalar(
            select(AccountsRow.revision).where(
                AccountsRow.department_id == department_id,
                AccountsRow.accounts_year == accounts_year,
            )
        )

    async def accounts_for_update(
        self, department_id: str, accounts_year: int
    ) -> AccountsRow | None:
        return await self.session.get(
            AccountsRow, (department_id, accounts_year), with_for_update=True
        )

    async def add_accounts(self, accounts: AccountsRow) -> None:
        self.session.add(accounts)
        await self.session.flush()

    async def flush(self) -> None:
        """Write the changes made to loaded rows (e.g. before reading them back)."""
        await self.session.flush()

    # --- attachments -------------------------------------------------------------------------

    async def attachments_of(self, package_id: str) -> list[AttachmentRow]:
        rows = await self.session.execute(
            select(AttachmentRow)
            .where(AttachmentRow.package_id == package_id)
            .order_by(AttachmentRow.uploaded_at, AttachmentRow.id)
        )
        return list(rows.scalars())

    async def attachment(self, package_id: str, attachment_id: str) -> AttachmentRow | None:
        return (
            await self.session.execute(
                select(AttachmentRow).where(
                    AttachmentRow.id == attachment_id, AttachmentRow.package_id == package_id
                )
            )
        ).scalar_one_or_none()

    async def add_attachment(self, attachment: AttachmentRow) -> None:
        self.session.add(attachment)
        await self.session.flush()

    async def remove_attachment(self, attachment: AttachmentRow) -> None:
        await self.session.delete(attachment)

    # --- deadlines ---------------------------------------------------------------------------

    async def deadline(
        self, municipality_code: str, organisation_id: str, year: int
    ) -> date | None:
        return (
            await self.session.execute(
                select(DeadlineRow.deadline).where(
                    DeadlineRow.municipality_code == municipality_code,
                    DeadlineRow.organisation_id == organisation_id,
                    DeadlineRow.year == year,
                )
            )
        ).scalar_one_or_none()

    async def set_deadline(
        self, municipality_code: str, organisation_id: str, year: int, deadline: date, by: str
    ) -> None:
        statement = pg_insert(DeadlineRow).values(
            municipality_code=municipality_code,
            organisation_id=organisation_id,
            year=year,
            deadline=deadline,
            set_by=by,
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[
                    DeadlineRow.municipality_code,
                    DeadlineRow.organisation_id,
                    DeadlineRow.year,
                ],
                set_={"deadline": deadline, "set_at": func.now(), "set_by": by},
            )
        )

    async def remove_deadline(
        self, municipality_code: str, organisation_id: str, year: int
    ) -> None:
        await self.session.execute(
            delete(DeadlineRow).where(
                DeadlineRow.municipality_code == municipality_code,
                DeadlineRow.organisation_id == organisation_id,
                DeadlineRow.year == year,
            )
        )

    async def deadlines_of(
        self, municipality_code: str, query: DeadlineQuery, limit: int
    ) -> list[DeadlineRow]:
        """Up to ``limit`` of a municipality's deadlines, by year and organisation, after
        ``query.after`` (the last row's year and organisation)."""
        statement = select(DeadlineRow).where(DeadlineRow.municipality_code == municipality_code)
        if query.year is not None:
            statement = statement.where(DeadlineRow.year == query.year)
        if query.organisation_id is not None:
            statement = statement.where(DeadlineRow.organisation_id == query.organisation_id)
        if query.after is not None:
            year, organisation_id = query.after
            statement = statement.where(
                tuple_(DeadlineRow.year, DeadlineRow.organisation_id) > (year, organisation_id)
            )
        rows = await self.session.execute(
            statement.order_by(DeadlineRow.year, DeadlineRow.organisation_id).limit(limit)
        )
        return list(rows.scalars())

    async def packages_at_home_in(
        self, municipality_code: str, query: PackageQuery, limit: int
    ) -> list[tuple[PackageRow, date | None]]:
        """Up to ``limit`` of the year's packages of the organisations at home in a
        municipality, with the deadline it set, by organisation, after ``query.after`` (the
        last organisation of the previous page)."""
        statement = (
            select(PackageRow, DeadlineRow.deadline)
            .outerjoin(
                DeadlineRow,
                (DeadlineRow.municipality_code == PackageRow.home_municipality_code)
                & (DeadlineRow.organisation_id == PackageRow.organisation_id)
                & (DeadlineRow.year == PackageRow.year),
            )
            .where(
                PackageRow.home_municipality_code == municipality_code,
                PackageRow.year == query.year,
            )
        )
        if query.status is not None:
            statement = statement.where(PackageRow.status == query.status)
        if query.organisation_id is not None:
            statement = statement.where(PackageRow.organisation_id == query.organisation_id)
        if query.after is not None:
            statement = statement.where(PackageRow.organisation_id > query.after)
        rows = await self.session.execute(
            statement.order_by(PackageRow.organisation_id).limit(limit)
        )
        return [(package, deadline) for package, deadline in rows.all()]


MasterDataRow = OrganisationRow | DepartmentRow


def _read_model_columns(row_class: type[MasterDataRow], contract: type[Any]) -> tuple[str, ...]:
    """The columns of the read model's rows that an event of ``contract`` sets: the id and each
    column named like a field of the event (``common.db.projection``'s choice)."""
    fields = contract.model_fields
    return (
        "id",
        *(c.name for c in row_class.__table__.columns if c.name != "id" and c.name in fields),
    )


# Per read model: the columns its events set, and the batch's upsert of them.
MASTER_DATA_COLUMNS: dict[type[MasterDataRow], tuple[str, ...]] = {
    OrganisationRow: _read_model_columns(OrganisationRow, OrganisationUpsertedV1),
    DepartmentRow: _read_model_columns(DepartmentRow, DepartmentUpsertedV1),
}
_UPSERT_NEWER = {
    row_class: upsert_newer_sql(row_class.__tablename__, columns, also_set="updated_at = now()")
    for row_class, columns in MASTER_DATA_COLUMNS.items()
}


class MasterDataRepository:
    """The register's organisations and departments and the calculator's key figures, as
    governance keeps them (newer wins: an older or repeated event changes nothing)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def apply_organisation(self, event: OrganisationUpsertedV1) -> bool:
        """Store the organisation if the event is newer than the row held; True if it was."""
        return await apply_organisation(self.session, OrganisationRow, event)

    async def apply_department(self, event: DepartmentUpsertedV1) -> bool:
        """Store the department if the event is newer than the row held; True if it was."""
        return await apply_department(self.session, DepartmentRow, event)

    async def upsert_newer(
        self, row_class: type[MasterDataRow], rows: Sequence[dict[str, Any]]
    ) -> None:
        """Store each row (``MASTER_DATA_COLUMNS`` of ``row_class``, distinct ids) whose
        version is newer than the one held, in one statement on the session's psycopg
        connection. (SQLAlchemy's multi-row upsert was compiled anew for every number of rows,
        ~8 bind parameters a row: ~200 µs of Python per event, measured.)"""
        if rows:
            driver = await driver_connection(self.session)
            await driver.execute(_UPSERT_NEWER[row_class], {"rows": rows_json(rows)})

    async def organisation(self, organisation_id: str) -> OrganisationRow | None:
        return await self.session.get(OrganisationRow, organisation_id)

    async def department(self, department_id: str) -> DepartmentRow | None:
        return await self.session.get(DepartmentRow, department_id)

    async def department_exemption(self, department_id: str) -> tuple[str | None, datetime | None]:
        """The department's exemption and when it was last lifted, as stored now (not as an
        earlier read of this session holds them)."""
        row = (
            await self.session.execute(
                select(DepartmentRow.exemption, DepartmentRow.exemption_lifted_at).where(
                    DepartmentRow.id == department_id
                )
            )
        ).one_or_none()
        return (row[0], row[1]) if row is not None else (None, None)

    async def organisations(self) -> list[OrganisationRow]:
        rows = await self.session.execute(select(OrganisationRow).order_by(OrganisationRow.id))
        return list(rows.scalars())

    async def departments(self, organisation_id: str | None = None) -> list[DepartmentRow]:
        """Every department, or those of one organisation."""
        query = select(DepartmentRow).order_by(DepartmentRow.id)
        if organisation_id is not None:
            query = query.where(DepartmentRow.organisation_id == organisation_id)
        rows = await self.session.execute(query)
        return list(rows.scalars())

    async def apply_key_figures(self, values: dict[str, Any]) -> bool:
        """Store a department's figures of a year if their revision is newer than the one
        held; True if it was."""
        statement = upsert_if_newer(
            KeyFiguresRow, values, key=("department_id", "year"), guard="revision"
        )
        applied = await self.session.execute(statement.returning(KeyFiguresRow.revision))
        return applied.first() is not None

    async def key_figures(self, department_id: str, year: int) -> KeyFiguresRow | None:
        return await self.session.get(KeyFiguresRow, (department_id, year))

    async def key_figures_of_year(self, year: int) -> dict[str, KeyFiguresRow]:
        """The newest figures of every department for a calendar year, by department."""
        rows = await self.session.execute(select(KeyFiguresRow).where(KeyFiguresRow.year == year))
        return {row.department_id: row for row in rows.scalars()}


class ReminderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rounds_held(self, limit: int) -> list[ReminderRoundRow]:
        """The latest rounds held, newest first."""
        rows = await self.session.execute(
            select(ReminderRoundRow).order_by(ReminderRoundRow.round_date.desc()).limit(limit)
        )
        return list(rows.scalars())

    async def claim_round(self, round_date: date) -> bool:
        """Record that the round runs; False if it ran (or is running) already — a concurrent
        claim waits on the insert until the other transaction ends."""
        claimed = await self.session.execute(
            pg_insert(ReminderRoundRow)
            .values(round_date=round_date, reminders=0)
            .on_conflict_do_nothing()
            .returning(ReminderRoundRow.round_date)
        )
        return claimed.first() is not None

    async def add_reminder(
        self, round_date: date, municipality_code: str, reminder_id: str, items: int
    ) -> None:
        self.session.add(
            ReminderRow(
                round_date=round_date,
                municipality_code=municipality_code,
                reminder_id=reminder_id,
                items=items,
            )
        )

    async def finish_round(self, round_date: date, reminders: int) -> None:
        round_row = await self.session.get(ReminderRoundRow, round_date)
        assert round_row is not None
        round_row.reminders = reminders
