"""The question catalogue, answers, key-figure comments and "load last year's answers".

The catalogue is versioned by governance year: each year has its own questions, so the content
can change from one year to the next. An answer is reused next year only if its question did
not change (same form, code, wording, kind and options — :meth:`Question.fingerprint`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.errors import FieldError
from common.problems import json_pointer
from governance.db.models import FormRow, PackageRow, QuestionRow
from governance.db.repositories import PackageRepository, hold_catalogue
from governance.domain.errors import (
    AnswerRejectedError,
    CatalogueInUseError,
    FormNotFoundError,
)
from governance.domain.rules import (
    MAX_COMMENT,
    AnswerError,
    FormKind,
    FormProgress,
    Question,
    catalogue_errors,
    normalise_answer,
)
from governance.domain.visibility import sees_form
from governance.services.core import (
    check_version,
    ensure_editable,
    load_form,
    load_package,
    log_change,
    progress_of,
    question_of,
    refresh_form,
    refresh_package_status,
)
from governance.services.roles import EDITOR_ROLES, FUND_ROLES

# --- catalogue -------------------------------------------------------------------------------


async def replace_catalogue(
    session: AsyncSession, scope: Scope, year: int, questions: Sequence[Question]
) -> int:
    """The fund sets the year's questions; refused once the year has answers (409)."""
    scope.require(FUND_ROLES, "set the question catalogue")
    errors = catalogue_errors(questions)
    if errors:
        raise AnswerRejectedError(errors)
    repo = PackageRepository(session)
    await hold_catalogue(session, year, exclusively=True)  # before looking for answers
    if await repo.year_has_answers(year):
        raise CatalogueInUseError(
            f"Packages of {year} already have answers; the catalogue of a year cannot change "
            "under them. Change next year's catalogue instead."
        )
    await repo.replace_catalogue(
        year,
        [
            QuestionRow(
                year=year,
                form_kind=question.form_kind.value,
                code=question.code,
                position=position,
                section=question.section,
                text=question.text,
                kind=question.kind.value,
                options=list(question.options),
                required=question.required,
                help_text=question.help_text,
                fingerprint=question.fingerprint(),
            )
            for position, question in enumerate(questions)
        ],
    )
    # Packages already created follow the new catalogue's required questions.
    for package in await repo.packages_of_year(year):
        for form in await repo.forms_of(package.id):
            await refresh_form(repo, package, form)
        await refresh_package_status(repo, package)
    return len(questions)


async def catalogue(session: AsyncSession, year: int) -> list[QuestionRow]:
    return await PackageRepository(session).catalogue(year)


# --- forms -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormView:
    package: PackageRow
    form: FormRow
    questions: list[QuestionRow]
    answers: dict[str, Any]
    progress: FormProgress


async def read_form(
    session: AsyncSession, scope: Scope, package_id: str, kind: FormKind, key: str
) -> FormView:
    repo = PackageRepository(session)
    package = await load_package(repo, scope, package_id)
    form = await load_form(repo, package, kind, key)
    if not sees_form(
        scope.municipality_code, package.home_municipality_code, kind, form.municipality_code
    ):
        raise FormNotFoundError(f"Package {package.id} has no department form {key}.")
    questions = await repo.questions_of(package.year, kind)
    answers = await repo.answers_of(form.id)
    return FormView(package, form, questions, answers, progress_of(questions, answers, form))


async def _editable_form(
    repo: PackageRepository,
    scope: Scope,
    package_id: str,
    kind: FormKind,
    key: str,
    expected_version: int | None,
) -> tuple[PackageRow, FormRow]:
    scope.require(EDITOR_ROLES, "fill in a package")
    package = await load_package(repo, scope, package_id, lock=True)
    ensure_editable(package)
    check_version(package, expected_version)
    await hold_catalogue(repo.session, package.year, exclusively=False)  # answers follow
    return package, await load_form(repo, package, kind, key)


async def save_answers(
    session: AsyncSession,
    scope: Scope,
    package_id: str,
    kind: FormKind,
    key: str,
    answers: dict[str, Any],
    expected_version: int | None = None,
) -> FormView:
    """Save some answers (``null`` clears one); each entry is saved as it is typed."""
    repo = PackageRepository(session)
    package, form = await _editable_form(repo, scope, package_id, kind, key, expected_version)
    questions = {q.code: q for q in await repo.questions_of(package.year, kind)}
    errors: list[FieldError] = []
    normalised: dict[str, Any] = {}
    for code, value in answers.items():
        pointer = json_pointer(("answers", code))  # a code may hold "/" or "~" (RFC 6901)
        question = questions.get(code)
        if question is None:
            errors.append(
                FieldError(pointer, f"There is no question '{code}' in this form.", "unknown")
            )
            continue
        try:
            normalised[code] = normalise_answer(question_of(question), value, pointer)
        except AnswerError as exc:
            errors.append(exc.error)
    if errors:
        raise AnswerRejectedError(errors)
    before = await repo.answers_of(form.id)
    changed = {c: v for c, v in normalised.items() if before.get(c) != v}
    for code, value in changed.items():
        if value is None:
            await repo.remove_answer(form.id, code)
        else:
            await repo.save_answer(form.id, code, value, scope.subject)
    if changed:
        await refresh_form(repo, package, form)
        await refresh_package_status(repo, package)
        await log_change(
            repo,
            package.id,
            scope,
            "answers_saved",
            f"{_form_name(kind, key)}: answers changed: {', '.join(sorted(changed))}.",
            {"form": key, "changes": {c: [before.get(c), v] for c, v in changed.items()}},
        )
    return await read_form(session, scope, package_id, kind, key)


async def save_comment(
    session: AsyncSession,
    scope: Scope,
    package_id: str,
    department_id: str,
    figure_code: str,
    comment: str | None,
    expected_version: int | None = None,
) -> FormView:
    """The organisation's comment on a key figure (required on red and yellow ones)."""
    repo = PackageRepository(session)
    package, form = await _editable_form(
        repo, scope, package_id, FormKind.DEPARTMENT, department_id, expected_version
    )
    codes = {f["code"] for f in form.figures or []}
    if figure_code not in codes:
        raise FormNotFoundError(
            f"Department form {department_id} has no key figure '{figure_code}'"
            + ("" if codes else " (its key figures have not been prefilled yet)")
            + "."
        )
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise AnswerRejectedError(
            [FieldError("#/comment", f"At most {MAX_COMMENT} characters.", "too-long")]
        )
    comments = dict(form.comments or {})
    before = comments.get(figure_code)
    if text:
        comments[figure_code] = text
    else:
        comments.pop(figure_code, None)
    if before != comments.get(figure_code):
        form.comments = comments
        await refresh_form(repo, package, form)
        await refresh_package_status(repo, package)
        await log_change(
            repo,
            package.id,
            scope,
            "comment_saved",
            f"Department form {department_id}: comment on key figure '{figure_code}' "
            + ("changed." if text else "removed."),
            {"form": department_id, "figure": figure_code, "before": before, "after": text or None},
        )
    return await read_form(session, scope, package_id, FormKind.DEPARTMENT, department_id)


def _form_name(kind: FormKind, key: str) -> str:
    return "Governance report" if kind is FormKind.REPORT else f"Department form {key}"


# --- last year's answers ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadResult:
    copied: int
    kept: int  # already answered this year (not overwritten)
    changed_questions: int  # last year's answer whose question changed: not copied
    forms: list[str]


async def load_last_years_answers(
    session: AsyncSession,
    scope: Scope,
    package_id: str,
    forms: list[str] | None,
    *,
    overwrite: bool = False,
    expected_version: int | None = None,
) -> LoadResult:
    """Copy last year's answers into this year's forms ("report" and department ids; all forms
    when ``forms`` is None) where the question did not change. Answers given this year are kept
    unless ``overwrite``."""
    scope.require(EDITOR_ROLES, "load last year's answers")
    repo = PackageRepository(session)
    package = await load_package(repo, scope, package_id, lock=True)
    ensure_editable(package)
    check_version(package, expected_version)
    await hold_catalogue(session, package.year, exclusively=False)  # answers follow
    previous = await repo.package_of(package.organisation_id, package.year - 1)
    this_forms = {f.key: f for f in await repo.forms_of(package.id)}
    wanted = list(this_forms) if forms is None else forms
    unknown = [k for k in wanted if k not in this_forms]
    if unknown:
        raise FormNotFoundError(f"Package {package.id} has no form(s): {', '.join(unknown)}.")
    if previous is None:
        return LoadResult(0, 0, 0, [])
    fingerprints_now = {
        (q.form_kind, q.code): q.fingerprint for q in await repo.catalogue(package.year)
    }
    fingerprints_then = {
        (q.form_kind, q.code): q.fingerprint for q in await repo.catalogue(previous.year)
    }
    last_forms = {f.key: f for f in await repo.forms_of(previous.id)}
    copied = kept = changed_questions = 0
    touched: list[str] = []
    for key in wanted:
        form = this_forms[key]
        last = last_forms.get(key)
        if last is None or last.kind != form.kind:
            continue
        old = await repo.answers_of(last.id)
        current = await repo.answers_of(form.id)
        copied_here = 0
        for code, value in old.items():
            identity = (form.kind, code)
            if identity not in fingerprints_now or fingerprints_now[
                identity
            ] != fingerprints_then.get(identity):
                changed_questions += 1
                continue
            if code in current and not overwrite:
                kept += 1
                continue
            await repo.save_answer(form.id, code, value, scope.subject)
            copied_here += 1
        if copied_here:
            copied += copied_here
            touched.append(key)
            await refresh_form(repo, package, form)
    if touched:
        await refresh_package_status(repo, package)
    await log_change(
        repo,
        package.id,
        scope,
        "last_years_answers_loaded",
        f"Last year's answers loaded: {copied} copied, {kept} kept, {changed_questions} not "
        f"copied because the question changed; forms: {', '.join(touched) or 'none'}.",
        {"copied": copied, "kept": kept, "changed_questions": changed_questions, "forms": touched},
    )
    return LoadResult(copied, kept, changed_questions, touched)
