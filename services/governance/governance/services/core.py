"""Building blocks the use cases share: loading a package the caller may see, the change log,
and recomputing a form's and a package's progress after a change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import FieldError
from governance.db.models import (
    AnswerRow,
    FormRow,
    PackageChangeRow,
    PackageRow,
    QuestionRow,
)
from governance.domain.errors import (
    FormNotFoundError,
    PackageChangedError,
    PackageReadOnlyError,
)
from governance.domain.rules import (
    FigureState,
    FormKind,
    FormProgress,
    FormStatus,
    PackageStatus,
    Question,
    QuestionKind,
    form_progress,
    package_status_while_editable,
)
from governance.services.access import Actor, not_found


def now() -> datetime:
    return datetime.now(UTC)


async def load_package(
    session: AsyncSession,
    actor: Actor,
    package_id: str,
    *,
    lock: bool = False,
) -> PackageRow:
    """The package if the caller may see it (404 otherwise); ``lock`` takes the row lock that
    serialises status transitions and edits of one package."""
    query = select(PackageRow).where(PackageRow.id == package_id, actor.package_filter())
    if lock:
        query = query.with_for_update(of=PackageRow)
    package = (await session.execute(query)).scalar_one_or_none()
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
    session: AsyncSession,
    package_id: str,
    actor: Actor | None,
    action: str,
    detail: str,
    data: dict[str, Any] | None = None,
) -> None:
    await session.execute(
        insert(PackageChangeRow).values(
            package_id=package_id,
            actor=actor.subject if actor else "system",
            role=actor.role.value if actor else "system",
            action=action,
            detail=detail,
            data=data or {},
        )
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


_QUESTIONS = "governance.questions"


async def questions_for(session: AsyncSession, year: int, kind: FormKind) -> list[QuestionRow]:
    """The year's questions of one form kind, read once per transaction (a consumer batch
    prefills many forms of the same year)."""
    cache: dict[tuple[int, FormKind], list[QuestionRow]] = session.info.setdefault(_QUESTIONS, {})
    if (year, kind) not in cache:
        rows = await session.execute(
            select(QuestionRow)
            .where(QuestionRow.year == year, QuestionRow.form_kind == kind.value)
            .order_by(QuestionRow.position)
        )
        cache[(year, kind)] = list(rows.scalars())
    return cache[(year, kind)]


def forget_questions(session: AsyncSession) -> None:
    """After the catalogue changed in this transaction."""
    session.info.pop(_QUESTIONS, None)


async def answers_of(session: AsyncSession, form_id: int) -> dict[str, Any]:
    rows = await session.execute(
        select(AnswerRow.question_code, AnswerRow.value).where(AnswerRow.form_id == form_id)
    )
    return {code: value for code, value in rows.all()}


def figure_states(form: FormRow) -> list[FigureState]:
    comments = form.comments or {}
    return [
        FigureState(code=f["code"], colour=f.get("colour", "none"), comment=comments.get(f["code"]))
        for f in form.figures or []
    ]


async def load_form(
    session: AsyncSession, package: PackageRow, kind: FormKind, key: str
) -> FormRow:
    form = (
        await session.execute(
            select(FormRow).where(
                FormRow.package_id == package.id, FormRow.kind == kind.value, FormRow.key == key
            )
        )
    ).scalar_one_or_none()
    if form is None:
        what = "governance report" if kind is FormKind.REPORT else f"department form {key}"
        raise FormNotFoundError(f"Package {package.id} has no {what}.")
    return form


async def forms_of(session: AsyncSession, package_id: str) -> list[FormRow]:
    rows = await session.execute(
        select(FormRow)
        .where(FormRow.package_id == package_id)
        .order_by(FormRow.kind.desc(), FormRow.key)  # report first, then departments
    )
    return list(rows.scalars())


def progress_of(
    questions: Sequence[QuestionRow], answers: dict[str, Any], form: FormRow
) -> FormProgress:
    return form_progress([question_of(q) for q in questions], answers, figure_states(form))


async def refresh_form(
    session: AsyncSession,
    package: PackageRow,
    form: FormRow,
    *,
    answers: dict[str, Any] | None = None,
) -> FormProgress:
    """Recompute and store a form's progress (status and counts); ``answers`` when the caller
    knows them (saves a query)."""
    questions = await questions_for(session, package.year, FormKind(form.kind))
    if answers is None:
        answers = await answers_of(session, form.id)
    progress = progress_of(questions, answers, form)
    form.status = progress.status.value
    form.answered = progress.answered
    form.required = progress.required
    form.required_answered = progress.required_answered
    form.updated_at = now()
    return progress


async def refresh_package_status(
    session: AsyncSession, package: PackageRow, *, forms_changed_status: bool = True
) -> None:
    """After an edit: while editable, the package's status follows its forms; its version (the
    ETag) moves on with every change. A caller that knows no form changed its status says so
    (the package's status cannot have changed then; saves a query)."""
    if forms_changed_status and PackageStatus(package.status).editable:
        await session.flush()
        statuses = (
            await session.execute(select(FormRow.status).where(FormRow.package_id == package.id))
        ).scalars()
        package.status = package_status_while_editable(FormStatus(s) for s in statuses).value
    package.version += 1
    package.updated_at = now()


def field_error(pointer: str, detail: str, code: str) -> FieldError:
    return FieldError(pointer, detail, code)
