"""Forced administration (tvangsadministration, §§ 26-42), at summary level: when the owner has
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
from legal_cases.domain.errors import (
    AdministrationStepRejectedError,
    ForcedAdministrationRejectedError,
)
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


# --- the administration after the decision (§§ 29-42), as the secretariat tracks it ----------

MORTGAGEE_WEEKS: Final = 6  # § 32(2)
MAINTENANCE_ACCOUNT_WEEKS: Final = 3  # § 34(2)
LOAN_MONTHS: Final = 3  # § 37


class Step(StrEnum):
    """What happens after the decision, each recorded with its date (``on``)."""

    MINISTER_NOTIFIED = "minister_notified"  # § 29(2): the decision is told to the minister
    REGISTERED = "registered"  # § 29(3): the decision is registered (tinglyst) on the property
    ADMINISTRATOR_APPOINTED = "administrator_appointed"  # § 30: by the minister, with a fee
    MORTGAGEES_NOTIFIED = "mortgagees_notified"  # § 32(1): 6 weeks for them to take it on
    MORTGAGEE_TAKES_WORKS = "mortgagee_takes_works"  # § 32(1): a mortgagee does the works
    MORTGAGEES_DECLINED = "mortgagees_declined"  # § 32(2): the administrator goes ahead
    MAINTENANCE_ACCOUNT_DEMANDED = "maintenance_account_demanded"  # § 34(2): pay within 3 weeks
    MAINTENANCE_ACCOUNT_PAID = "maintenance_account_paid"
    MAINTENANCE_ACCOUNT_TO_COLLECTION = "maintenance_account_to_collection"  # § 34(2): unpaid
    ACCOUNTS_SUBMITTED = "accounts_submitted"  # § 34(8): the administrator's accounts
    LOAN_REQUESTED = "loan_requested"  # § 36: no loan obtained, the municipality is asked
    LOAN_RESOLVED = "loan_resolved"  # § 37: a plan approved or the municipality lends
    WORKS_COMPLETED = "works_completed"  # § 41: the ordered works are done and paid
    ENDED = "ended"  # § 41: the tribunal lifts the administration
    REGISTRATION_DELETED = "registration_deleted"  # § 41: the registration is deleted

    @property
    def repeatable(self) -> bool:
        return self is Step.ACCOUNTS_SUBMITTED


class EndReason(StrEnum):
    WORKS_DONE = "works_done"  # works done and paid, the administrator declares satisfied
    OUT_OF_SCOPE = "out_of_scope"  # the property is no longer covered by chapter 5 (§ 26)


_NEEDS: Final[dict[Step, tuple[Step, ...]]] = {
    Step.MORTGAGEES_NOTIFIED: (Step.ADMINISTRATOR_APPOINTED,),
    Step.MORTGAGEE_TAKES_WORKS: (Step.MORTGAGEES_NOTIFIED,),
    Step.MORTGAGEES_DECLINED: (Step.MORTGAGEES_NOTIFIED,),
    Step.MAINTENANCE_ACCOUNT_DEMANDED: (Step.ADMINISTRATOR_APPOINTED,),
    Step.MAINTENANCE_ACCOUNT_PAID: (Step.MAINTENANCE_ACCOUNT_DEMANDED,),
    Step.MAINTENANCE_ACCOUNT_TO_COLLECTION: (Step.MAINTENANCE_ACCOUNT_DEMANDED,),
    Step.ACCOUNTS_SUBMITTED: (Step.ADMINISTRATOR_APPOINTED,),
    Step.LOAN_REQUESTED: (Step.ADMINISTRATOR_APPOINTED,),
    Step.LOAN_RESOLVED: (Step.LOAN_REQUESTED,),
    Step.WORKS_COMPLETED: (Step.ADMINISTRATOR_APPOINTED,),
    Step.REGISTRATION_DELETED: (Step.ENDED, Step.REGISTERED),
}
_EXCLUSIVE: Final = (
    {Step.MORTGAGEE_TAKES_WORKS, Step.MORTGAGEES_DECLINED},
    {Step.MAINTENANCE_ACCOUNT_PAID, Step.MAINTENANCE_ACCOUNT_TO_COLLECTION},
)


def add_months(d: date, months: int) -> date:
    month = d.month - 1 + months
    year, month = d.year + month // 12, month % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return d.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def check_step(
    step: Step,
    *,
    on: date,
    today: date,
    decided_on: date,
    done: Sequence[tuple[Step, date]],
    administrator: str | None = None,
    end_reason: EndReason | None = None,
    administrator_satisfied: bool = False,
    maintenance_account_due: date | None = None,
) -> None:
    """Whether ``step`` may be recorded now, given the steps already done (all problems)."""
    errors: list[FieldError] = []
    steps = {s for s, _ in done}
    if not decided_on <= on <= today:
        errors.append(FieldError("/on", f"A step lies between the decision ({decided_on}) "
                                 f"and today ({today}).", "out-of-range"))  # fmt: skip
    if step in steps and not step.repeatable:
        errors.append(FieldError("/step", f"'{step.value}' is already recorded.", "recorded"))
    if Step.ENDED in steps and step is not Step.REGISTRATION_DELETED:
        errors.append(FieldError("/step", "The administration has ended (§ 41); only the "
                                 "deletion of its registration remains.", "ended"))  # fmt: skip
    missing = [need.value for need in _NEEDS.get(step, ()) if need not in steps]
    if missing:
        errors.append(FieldError("/step", f"'{step.value}' follows {', '.join(missing)}.",
                                 "out-of-order"))  # fmt: skip
    for group in _EXCLUSIVE:
        if step in group and steps & (group - {step}):
            errors.append(FieldError("/step", f"'{step.value}' excludes "
                                     f"{', '.join(sorted(s.value for s in group - {step}))}.",
                                     "exclusive"))  # fmt: skip
    if step is Step.ADMINISTRATOR_APPOINTED and not (administrator or "").strip():
        errors.append(FieldError("/administrator", "The administrator the minister appointed "
                                 "(§ 30).", "required"))  # fmt: skip
    if (step is Step.MAINTENANCE_ACCOUNT_TO_COLLECTION and maintenance_account_due is not None
            and on <= maintenance_account_due):  # fmt: skip
        errors.append(FieldError("/on", "The landlord has 3 weeks from the demand "
                                 f"(until {maintenance_account_due}) before the amount goes to "
                                 "collection (§ 34(2)).", "too-early"))  # fmt: skip
    if step is Step.ENDED:
        if end_reason is None:
            errors.append(FieldError("/end_reason", "Why the administration ends (§ 41): "
                                     "works_done or out_of_scope.", "required"))  # fmt: skip
        elif end_reason is EndReason.WORKS_DONE and (
            Step.WORKS_COMPLETED not in steps or not administrator_satisfied
        ):
            errors.append(FieldError("/end_reason", "Lifted for completed works only when the "
                                     "works are done and paid (works_completed) and the "
                                     "administrator declares to be satisfied (§ 41).",
                                     "conditions-not-met"))  # fmt: skip
    if errors:
        raise AdministrationStepRejectedError(
            "The forced administration step cannot be recorded; see 'errors'.", errors=errors
        )
