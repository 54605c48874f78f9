"""The application form per department (ansøgningsskema): what the register prefills and what
the applicant supplements.

Prefilled from the grants service's read model of the register's events: the department's
organisation, location municipality, region, housing type, building type and construction year.
The applicant supplies the fields of :data:`FIELDS`; a form is complete when every required field
has a valid answer (seed 001: "Ansøgningsskemaet skal være fuldstændigt udfyldt … før det kan
fremsendes")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Final

from common.errors import FieldError


class FieldKind(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    PERCENT = "percent"
    TEXT = "text"
    YES_NO = "yes_no"


@dataclass(frozen=True, slots=True)
class FormField:
    code: str
    kind: FieldKind
    text: str
    required: bool = True


FIELDS: Final[tuple[FormField, ...]] = (
    FormField("dwellings", FieldKind.INTEGER, "Antal boliger i afdelingen"),
    FormField("residents", FieldKind.INTEGER, "Antal beboere"),
    FormField(
        "average_rent_per_m2", FieldKind.DECIMAL, "Gennemsnitlig husleje pr. m² pr. år (kr.)"
    ),
    FormField("vacancy_percent", FieldKind.PERCENT, "Tomgang (% af boligerne)"),
    FormField("turnover_percent", FieldKind.PERCENT, "Fraflytning (% pr. år)"),
    FormField("problem_description", FieldKind.TEXT, "Afdelingens problemkompleks"),
    FormField("physical_renovation_planned", FieldKind.YES_NO, "Er fysisk opretning planlagt?"),
    FormField("economic_situation", FieldKind.TEXT, "Afdelingens økonomiske udvikling"),
    FormField("previous_grant", FieldKind.TEXT, "Tidligere bevilling (sag og periode)", False),
)
FIELDS_BY_CODE: Final = {f.code: f for f in FIELDS}
MAX_TEXT: Final = 4000
#: The largest count or amount a form answer may be (far beyond any department; a larger
#: number is an error, and would overflow the rent model's arithmetic).
MAX_NUMBER: Final = 1_000_000


def _check(field: FormField, value: Any) -> str | None:
    """Why ``value`` does not fit ``field`` (None when it does)."""
    if field.kind is FieldKind.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_NUMBER:
            return "a whole number from 0 to 1.000.000"
        return None
    if field.kind in (FieldKind.DECIMAL, FieldKind.PERCENT):
        if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
            return "a number (as a string such as '812.50')"
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return "a number (as a string such as '812.50')"
        if not number.is_finite() or not 0 <= number <= MAX_NUMBER:
            return "a number from 0 to 1.000.000"
        if field.kind is FieldKind.PERCENT and number > 100:
            return "a percentage between 0 and 100"
        return None
    if field.kind is FieldKind.YES_NO:
        return None if isinstance(value, bool) else "true or false"
    if not isinstance(value, str) or not value.strip():
        return "a non-empty text"
    if len(value) > MAX_TEXT:
        return f"a text of at most {MAX_TEXT} characters"
    return None


def answer_errors(answers: Mapping[str, Any], pointer: str = "/answers") -> list[FieldError]:
    """Unknown codes and answers that do not fit their field (``null`` clears an answer)."""
    errors: list[FieldError] = []
    for code, value in answers.items():
        field = FIELDS_BY_CODE.get(code)
        if field is None:
            known = ", ".join(FIELDS_BY_CODE)
            errors.append(
                FieldError(f"{pointer}/{code}", f"Unknown field; the form has: {known}.", "unknown")
            )
            continue
        if value is None:
            continue
        problem = _check(field, value)
        if problem:
            errors.append(
                FieldError(f"{pointer}/{code}", f"'{field.text}' must be {problem}.", "invalid")
            )
    return errors


def missing_fields(answers: Mapping[str, Any]) -> list[str]:
    return [
        f.code
        for f in FIELDS
        if f.required and (answers.get(f.code) is None or _check(f, answers[f.code]) is not None)
    ]


def merge_answers(held: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(held)
    for code, value in new.items():
        if value is None:
            merged.pop(code, None)
        else:
            merged[code] = str(value) if isinstance(value, Decimal) else value
    return merged
