"""Forced administration (tvangsadministration, §§ 26-31), at summary level: when the owner has
not done the works the tribunal ordered by its deadline, the tribunal may decide that the
property is administered on the owner's behalf by an administrator the minister appoints.

Conditions checked here (§ 27):

* requested by the residents' representation or a majority of the tenants, or Grundejernes
  Investeringsfond (GI) told the tribunal it cannot carry out the works (§ 27(4));
* the deadline for the ordered works has passed unmet (§ 27(2));
* GI has had works done at the owner's expense twice before, or once within the last 2 years,
  or it declined to do them (§ 27(3));
* after GI's notice (§ 27(4)) the tribunal decides within 8 days;
* the works deadline under administration is at most 10 years (§ 31(1));
* the property has at least two dwellings let (§ 26(1)).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from common.errors import FieldError
from legal_cases.domain.errors import ForcedAdministrationRejectedError
from legal_cases.domain.noncompliance import window_start

GI_NOTICE_DAYS: Final = 8
MAX_WORKS_YEARS: Final = 10


class RequestedBy(StrEnum):
    RESIDENTS_REPRESENTATION = "residents_representation"
    TENANT_MAJORITY = "tenant_majority"
    GI_NOTICE = "gi_notice"  # § 27(4): GI cannot carry out the works


def _years_later(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def check_forced_administration(
    *,
    today: date,
    requested_by: RequestedBy,
    apartments: int,
    ordered_works_due: date,
    gi_works_on: Sequence[date],
    gi_declined_on: date | None,
    works_deadline: date,
) -> None:
    errors: list[FieldError] = []
    if apartments < 2:
        errors.append(FieldError("/apartments", "Chapter 5 applies only to properties with at "
                                 "least two dwellings let (§ 26(1)).", "too-few-dwellings"))  # fmt: skip
    if ordered_works_due >= today:
        errors.append(FieldError("/ordered_works_due", f"The deadline for the ordered works "
                                 f"({ordered_works_due}) has not passed yet (§ 27(2)).",
                                 "deadline-not-passed"))  # fmt: skip
    recent = [d for d in gi_works_on if window_start(today) <= d <= today]
    gi_basis = len(gi_works_on) >= 2 or bool(recent) or gi_declined_on is not None
    if not gi_basis:
        errors.append(FieldError("/gi_works_on", "GI must have had works done at the owner's "
                                 "expense twice before or once within 2 years, or have declined "
                                 "to do them (§ 27(3)).", "gi-condition"))  # fmt: skip
    if requested_by is RequestedBy.GI_NOTICE:
        if gi_declined_on is None:
            errors.append(FieldError("/gi_declined_on", "A decision on GI's notice needs the "
                                     "day GI declined (§ 27(4)).", "required"))  # fmt: skip
        elif today > gi_declined_on + timedelta(days=GI_NOTICE_DAYS):
            errors.append(FieldError("/gi_declined_on", "After GI's notice the tribunal decides "
                                     f"within {GI_NOTICE_DAYS} days (§ 27(4)); that was "
                                     f"{gi_declined_on + timedelta(days=GI_NOTICE_DAYS)}.",
                                     "too-late"))  # fmt: skip
    if works_deadline <= today or works_deadline > _years_later(today, MAX_WORKS_YEARS):
        errors.append(FieldError("/works_deadline", "The works deadline under administration "
                                 "lies after today and at most 10 years ahead (§ 31(1)).",
                                 "out-of-range"))  # fmt: skip
    if errors:
        raise ForcedAdministrationRejectedError(
            "Forced administration cannot be decided; see 'errors'.", errors=errors
        )
