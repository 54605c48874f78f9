"""Building blocks the use cases share: loading a package the caller may see, the change log,
and recomputing a form's and a package's progress after a change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from common.access import Scope
from common.calendar import danish_date
from common.events.outbox import write_outbox
from common.observability import current_correlation_id
from governance.db.models import FormRow, PackageRow, QuestionRow
from governance.db.repositories import PackageRepository
from governance.domain.errors import (
    FormNotFoundError,
    PackageChangedError,
    PackageNotFoundError,
    PackageReadOnlyError,
)
from governance.domain.keyfigures import figure_states
from governance.domain.rules import (
    FormKind,
    FormProgress,
    FormStatus,
    PackageStatus,
    Question,
    QuestionKind,
    form_progress,
    package_status_while_editable,
)
from governance.events import outgoing


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The day it is in Denmark: deadlines and meeting dates are Danish days (the UTC date is
    still yesterday for the first hour or two of a Danish day)."""
    return danish_date(now())


def not_found(package_id: str) -> PackageNotFoundError:
    return PackageNotFoundError(f"Package {package_id} was not found among those you may see.")


async def load_package(
    repo: PackageRepository, scope: Scope, package_id: str, *, lock: bool = False
) -> PackageRow:
    """The package if the caller may see it (404 otherwise, so its existence does not leak);
    ``lock`` takes the row lock that serialises status transitions and edits of one package."""
    package = await repo.visible_package(scope, package_id, lock=lock)
    if package is None:
        raise not_found(package_id)
    return package


def check_version(package: PackageRow, expected: int | None) -> None:
    if expected is not None and package.version != expected:
        raise PackageChangedError(
            f"Package {package.id} is at version {package.version}, not {expected}: someone "
            "changed it since you read it. Read it again and decide anew."
        )


def ensure_editable(package: PackageRow) -> None:
    status = PackageStatus(package.status)
    if not status.editable:
        raise PackageReadOnlyError(
            f"Package {package.id} has status '{status.label}' and is read-only. Only the home "
            f"municipality ({package.home_municipality_code}) can send it back for changes."
        )


async def log_change(
    repo: PackageRepository,
    package_id: str,
    scope: Scope | None,
    action: str,
    detail: str,
    data: dict[str, Any] | None = None,
) -> None:
    """A line in the package's change log; ``scope`` is ``None`` for the system (events)."""
    await repo.add_change(
        package_id,
        scope.subject if scope else "system",
        scope.role.value if scope else "system",
        action,
        detail,
        data or {},
    )


def question_of(row: QuestionRow) -> Question:
    return Question(
        code=row.code,
        form_kind=FormKind(row.form_kind),
        section=row.section,
        text=row.text,
        kind=QuestionKind(row.kind),
        required=row.required,
        options=tuple(row.options),
        help_text=row.help_text,
    )


async def load_form(
    repo: PackageRepository, package: PackageRow, kind: FormKind, key: str
) -> FormRow:
    form = await repo.form(package.id, kind, key)
    if form is None:
        what = "governance report" if kind is FormKind.REPORT else f"department form {key}"
        raise FormNotFoundError(f"Package {package.id} has no {what}.")
    return form


def progress_of(
    questions: Sequence[QuestionRow], answers: dict[str, Any], form: FormRow
) -> FormProgress:
    return form_progress(
        [question_of(q) for q in questions], answers, figure_states(form.figures, form.comments)
    )


async def refresh_form(
    repo: PackageRepository,
    package: PackageRow,
    form: FormRow,
    *,
    answers: dict[str, Any] | None = None,
) -> FormProgress:
    """Recompute and store a form's progress (status and counts); ``answers`` when the caller
    knows them (saves a query)."""
    questions = await repo.questions_of(package.year, FormKind(form.kind))
    if answers is None:
        answers = await repo.answers_of(form.id)
    progress = progress_of(questions, answers, form)
    form.status = progress.status.value
    form.answered = progress.answered
    form.required = progress.required
    form.required_answered = progress.required_answered
    form.updated_at = now()
    return progress


async def refresh_package_status(
    repo: PackageRepository,
    package: PackageRow,
    *,
    forms_changed_status: bool = True,
    publish_change: bool = True,
) -> None:
    """After an edit: while editable, the package's status follows its forms; its version (the
    ETag) moves on with every change. A caller that knows no form changed its status says so
    (the package's status cannot have changed then; saves a query). A caller that publishes
    the resulting status itself (the return) passes ``publish_change=False``."""
    if forms_changed_status and PackageStatus(package.status).editable:
        statuses = await repo.form_statuses(package.id)
        before = package.status
        package.status = package_status_while_editable(FormStatus(s) for s in statuses).value
        if publish_change and package.status != before:  # the dashboards count them
            await write_outbox(
                repo.session,
                [
                    outgoing.package_status_changed(
                        package_id=package.id,
                        organisation_id=package.organisation_id,
                        year=package.year,
                        home_municipality_code=package.home_municipality_code,
                        status=package.status,
                        at=now(),
                        correlation_id=current_correlation_id(),
                    )
                ],
            )
    package.version += 1
    package.updated_at = now()
