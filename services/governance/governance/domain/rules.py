"""The governance dialogue's rules (seed 002): statuses, questions and answers, completeness of
forms, what a municipality still has to do, and when reminders fall due. (What blocks sending is
in :mod:`governance.domain.sending`; who sees which part of a package in
:mod:`governance.domain.visibility`.)

Package year N (styringsår) carries the accounts of year N-1 (regnskabsår) and the key figures
computed from them, so "the figures of package N" are the benchmark calculator's figures of
calendar year N-1.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from common.calendar import this_or_next_working_day
from common.errors import FieldError


def accounts_year(governance_year: int) -> int:
    """Package 2017 carries the accounts of 2016."""
    return governance_year - 1


class PackageStatus(StrEnum):
    READY = "ready"  # Klar til udarbejdelse
    IN_PROGRESS = "in_progress"  # Under udarbejdelse
    COMPLETE = "complete"  # Helt udfyldt
    SENT = "sent"  # Fremsendt
    MEETING_HELD = "meeting_held"  # Møde afholdt
    STATEMENT_SUBMITTED = "statement_submitted"  # Redegørelse afgivet

    @property
    def label(self) -> str:
        return PACKAGE_STATUS_LABELS[self]

    @property
    def editable(self) -> bool:
        """Before sending the organisation edits; afterwards the package is read-only."""
        return self in EDITABLE_STATUSES

    @property
    def delivered(self) -> bool:
        """The package has reached its municipalities."""
        return not self.editable

    @property
    def published(self) -> bool:
        """The public sees the package's key figures once the meeting was held."""
        return self in (PackageStatus.MEETING_HELD, PackageStatus.STATEMENT_SUBMITTED)


PACKAGE_STATUS_LABELS: Mapping[PackageStatus, str] = {
    PackageStatus.READY: "Klar til udarbejdelse",
    PackageStatus.IN_PROGRESS: "Under udarbejdelse",
    PackageStatus.COMPLETE: "Helt udfyldt",
    PackageStatus.SENT: "Fremsendt",
    PackageStatus.MEETING_HELD: "Møde afholdt",
    PackageStatus.STATEMENT_SUBMITTED: "Redegørelse afgivet",
}
EDITABLE_STATUSES = frozenset(
    {PackageStatus.READY, PackageStatus.IN_PROGRESS, PackageStatus.COMPLETE}
)


class FormStatus(StrEnum):
    READY = "ready"  # Klar til udfyldelse
    IN_PROGRESS = "in_progress"  # Under udfyldelse
    COMPLETE = "complete"  # Udfyldt

    @property
    def label(self) -> str:
        return FORM_STATUS_LABELS[self]


FORM_STATUS_LABELS: Mapping[FormStatus, str] = {
    FormStatus.READY: "Klar til udfyldelse",
    FormStatus.IN_PROGRESS: "Under udfyldelse",
    FormStatus.COMPLETE: "Udfyldt",
}


class FormKind(StrEnum):
    REPORT = "report"  # styringsrapport
    DEPARTMENT = "department"  # afdelingsskema


class QuestionKind(StrEnum):
    YES_NO = "yes_no"
    CHOICE = "choice"
    NUMBER = "number"
    TEXT = "text"


MAX_TEXT_ANSWER = 4000
MAX_DECIMALS = 6  # of a number answer
MAX_COMMENT = 2000
COLOURS_NEEDING_COMMENT = frozenset({"red", "yellow"})


@dataclass(frozen=True, slots=True)
class Question:
    code: str
    form_kind: FormKind
    section: str
    text: str
    kind: QuestionKind
    required: bool
    options: tuple[str, ...] = ()
    help_text: str | None = None

    def fingerprint(self) -> str:
        """What makes an answer reusable next year: the same form, wording, kind and options.
        (Whether it is required does not change what an answer means.)"""
        canonical = json.dumps(
            [self.form_kind.value, self.text, self.kind.value, list(self.options)],
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def catalogue_errors(questions: Sequence[Question]) -> list[FieldError]:
    """A catalogue is refused if codes repeat or a choice question has too few options."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, question in enumerate(questions):
        pointer = f"#/questions/{index}"
        if question.code in seen:
            errors.append(
                FieldError(f"{pointer}/code", f"Code '{question.code}' is used twice.", "duplicate")
            )
        seen.add(question.code)
        if question.kind is QuestionKind.CHOICE and len(set(question.options)) < 2:
            errors.append(
                FieldError(
                    f"{pointer}/options",
                    "A choice question needs at least two different options.",
                    "too-few-options",
                )
            )
        if question.kind is not QuestionKind.CHOICE and question.options:
            errors.append(
                FieldError(
                    f"{pointer}/options",
                    "Only a choice question has options.",
                    "options-not-allowed",
                )
            )
    return errors


def normalise_answer(question: Question, value: Any, pointer: str) -> Any:
    """The answer as stored (JSON), or a :class:`FieldError` raised as ``ValueError``'s arg.

    ``None`` clears an answer and is accepted for every question."""
    if value is None:
        return None
    if question.kind is QuestionKind.YES_NO:
        if isinstance(value, bool):
            return value
        raise AnswerError(FieldError(pointer, "Answer true (ja) or false (nej).", "not-yes-no"))
    if question.kind is QuestionKind.CHOICE:
        if isinstance(value, str) and value in question.options:
            return value
        choices = ", ".join(question.options)
        raise AnswerError(FieldError(pointer, f"Choose one of: {choices}.", "not-an-option"))
    if question.kind is QuestionKind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise AnswerError(FieldError(pointer, "Answer with a number.", "not-a-number"))
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            raise AnswerError(
                FieldError(pointer, "Answer with a number, e.g. 12.5.", "not-a-number")
            ) from None
        if not number.is_finite() or abs(number) >= Decimal("1e12"):
            raise AnswerError(FieldError(pointer, "The number is out of range.", "out-of-range"))
        number = number.normalize()
        if number.as_tuple().exponent < -MAX_DECIMALS:  # type: ignore[operator]  # finite
            # "1e-1000000" would be stored written out: a million characters
            raise AnswerError(
                FieldError(pointer, "A number has at most six decimals, e.g. 12.5.", "too-precise")
            )
        return format(number, "f")
    if not isinstance(value, str):
        raise AnswerError(FieldError(pointer, "Answer with a text.", "not-a-text"))
    text = value.strip()
    if any(ord(c) < 32 and c not in "\n\r\t" for c in text):
        raise AnswerError(
            FieldError(pointer, "Control characters are not allowed in text.", "invalid-text")
        )
    if len(text) > MAX_TEXT_ANSWER:
        raise AnswerError(FieldError(pointer, f"At most {MAX_TEXT_ANSWER} characters.", "too-long"))
    return text or None


class AnswerError(ValueError):
    def __init__(self, error: FieldError) -> None:
        super().__init__(error.detail)
        self.error = error


@dataclass(frozen=True, slots=True)
class FigureState:
    """A key figure as the form holds it: its colour and the organisation's comment."""

    code: str
    colour: str
    comment: str | None

    @property
    def needs_comment(self) -> bool:
        return self.colour in COLOURS_NEEDING_COMMENT and not (self.comment or "").strip()


@dataclass(frozen=True, slots=True)
class FormProgress:
    status: FormStatus
    answered: int
    required: int
    required_answered: int
    missing_required: tuple[str, ...]
    figures_needing_comment: tuple[str, ...]


def form_progress(
    questions: Sequence[Question],
    answers: Mapping[str, Any],
    figures: Iterable[FigureState] = (),
) -> FormProgress:
    """Ready until something is entered; complete when every required question is answered and
    every red or yellow key figure carries a comment."""
    codes = {q.code for q in questions}
    answered = [code for code, value in answers.items() if code in codes and value is not None]
    required = [q.code for q in questions if q.required]
    missing = tuple(code for code in required if answers.get(code) is None)
    figure_list = list(figures)
    uncommented = tuple(sorted(f.code for f in figure_list if f.needs_comment))
    commented = any((f.comment or "").strip() for f in figure_list)
    if not missing and not uncommented:
        status = FormStatus.COMPLETE
    elif answered or commented:
        status = FormStatus.IN_PROGRESS
    else:
        status = FormStatus.READY
    return FormProgress(
        status=status,
        answered=len(answered),
        required=len(required),
        required_answered=len(required) - len(missing),
        missing_required=missing,
        figures_needing_comment=uncommented,
    )


def package_status_while_editable(form_statuses: Iterable[FormStatus]) -> PackageStatus:
    statuses = list(form_statuses)
    if statuses and all(s is FormStatus.COMPLETE for s in statuses):
        return PackageStatus.COMPLETE
    if any(s is not FormStatus.READY for s in statuses):
        return PackageStatus.IN_PROGRESS
    return PackageStatus.READY


def outstanding_for_municipality(status: PackageStatus) -> str | None:
    """What the home municipality is still waiting for or has to do, in Danish; None if done."""
    if status.editable:
        return "Dokumentationspakken er ikke fremsendt"
    if status is PackageStatus.SENT:
        return "Møde afholdt"
    if status is PackageStatus.MEETING_HELD:
        return "Redegørelse afgivet"
    return None


def deadline_passed(deadline: date | None, status: PackageStatus, today: date) -> bool:
    """The home municipality's deadline has passed for a package not sent yet: ``today`` (the
    Danish day) is after it. (It is shown, never blocking; a deadline set on a closed day was
    moved to the next working day when it was set.)"""
    return deadline is not None and deadline < today and status.editable


def reminder_round_dates(year: int, days: Sequence[str]) -> list[date]:
    """The year's reminder days, each moved to the next Danish working day if needed."""
    rounds = []
    for day in days:
        month, _, dom = day.partition("-")
        rounds.append(this_or_next_working_day(date(year, int(month), int(dom))))
    return rounds


def due_reminder_round(today: date, days: Sequence[str], grace_days: int) -> date | None:
    """The round due today: the latest round day on or before today, if at most ``grace_days``
    ago (so a worker that was down still sends it, but a fresh install does not send stale
    rounds of past years)."""
    candidates = [
        d
        for year in (today.year - 1, today.year)
        for d in reminder_round_dates(year, days)
        if d <= today
    ]
    if not candidates:
        return None
    latest = max(candidates)
    return latest if today - latest <= timedelta(days=grace_days) else None


def upcoming_reminder_rounds(today: date, days: Sequence[str], count: int = 2) -> list[date]:
    """The next ``count`` round days after ``today`` (moved to working days)."""
    ahead = [
        d
        for year in (today.year, today.year + 1, today.year + 2)
        for d in reminder_round_dates(year, days)
        if d > today
    ]
    return sorted(ahead)[:count]


def reminder_years(round_date: date) -> list[int]:
    """Outstanding items are limited to the last two governance years."""
    return [round_date.year - 1, round_date.year]
