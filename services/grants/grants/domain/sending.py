"""The send gate of a prequalification application: one problem per missing item.

An application can be sent when (seed 001, "Prækvalifikationsansøgningen består af følgende"):

* every department's application form is complete;
* the resident data (beboerdata) is attached;
* the short project description (PDF, at most 3 A4 pages) is attached;
* the budget is present and keeps the fund's budget rules (:mod:`grants.domain.budget`);
* the location municipality has recommended it — in the system, or as an uploaded signed
  recommendation;
* every participating housing organisation has declared its participation (tilkendegivelse).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from common.errors import FieldError
from grants.domain.budget import Budget, budget_problems

MAX_DESCRIPTION_PAGES: Final = 3


class AttachmentKind(StrEnum):
    RESIDENT_DATA = "resident_data"  # beboerdata: PDF or spreadsheet
    PROJECT_DESCRIPTION = "project_description"  # kortfattet projektbeskrivelse: PDF ≤ 3 pages
    MUNICIPAL_RECOMMENDATION = "municipal_recommendation"  # signed recommendation: PDF
    DECLARATION = "declaration"  # an organisation's signed declaration: PDF
    OTHER = "other"  # supplementary material: PDF
    BOARD_TERMS_OF_REFERENCE = "board_terms_of_reference"  # plan: kommissorium, PDF
    REPORTING_FORM = "reporting_form"  # plan: indberetningsskema, PDF or spreadsheet
    YEARLY_STATUS = "yearly_status"  # after commitment: status on goals, indicators, activities


# Attached while the prequalification application is a draft; the others while the plan is made.
APPLICATION_ATTACHMENTS: Final = frozenset(
    {
        AttachmentKind.RESIDENT_DATA,
        AttachmentKind.PROJECT_DESCRIPTION,
        AttachmentKind.MUNICIPAL_RECOMMENDATION,
        AttachmentKind.DECLARATION,
        AttachmentKind.OTHER,
    }
)
REQUIRED_ATTACHMENTS: Final = (AttachmentKind.RESIDENT_DATA, AttachmentKind.PROJECT_DESCRIPTION)


@dataclass(frozen=True, slots=True)
class DepartmentFormCheck:
    department_id: str
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SendCheck:
    forms: Sequence[DepartmentFormCheck]
    attachment_kinds: Collection[AttachmentKind]
    budget: Budget | None
    recommended: bool  # recommended in the system or a signed recommendation uploaded
    organisation_ids: Sequence[str]
    declared_organisations: Collection[str]


def description_page_problem(pages: int) -> str | None:
    if pages < 1:
        return "The project description has no pages."
    if pages > MAX_DESCRIPTION_PAGES:
        return (
            f"The project description has {pages} pages; at most {MAX_DESCRIPTION_PAGES} A4 "
            "pages are accepted (the guideline's 'kortfattet projektbeskrivelse')."
        )
    return None


def send_blockers(check: SendCheck) -> list[FieldError]:
    errors: list[FieldError] = []
    for form in check.forms:
        for code in form.missing:
            errors.append(
                FieldError(
                    f"/departments/{form.department_id}/answers/{code}",
                    f"Department {form.department_id}'s application form lacks '{code}'.",
                    "form-incomplete",
                )
            )
    for kind in REQUIRED_ATTACHMENTS:
        if kind not in check.attachment_kinds:
            what = (
                "the resident data (beboerdata)"
                if kind is AttachmentKind.RESIDENT_DATA
                else "the short project description (PDF, at most 3 pages)"
            )
            errors.append(
                FieldError(f"/attachments/{kind.value}", f"Attach {what}.", "attachment-missing")
            )
    if check.budget is None:
        errors.append(FieldError("/budget", "Enter the overall budget.", "budget-missing"))
    else:
        errors += budget_problems(check.budget)
    if not check.recommended:
        errors.append(
            FieldError(
                "/recommendation",
                "The location municipality has not recommended the application: it recommends "
                "it in the system, or you upload its signed recommendation.",
                "recommendation-missing",
            )
        )
    for organisation_id in check.organisation_ids:
        if organisation_id not in check.declared_organisations:
            errors.append(
                FieldError(
                    f"/declarations/{organisation_id}",
                    f"Housing organisation {organisation_id} has not declared its participation.",
                    "declaration-missing",
                )
            )
    return errors
