"""§ 86(7)-(8): a sublessor's non-compliance with a final decision on a sublet.

When a final decision put obligations on the tenant who sublets (§ 86(6), the decision's
``sublet_obligations``) and they are not met, the subtenant must tell the tribunal (§ 86(7)).
The tribunal then asks the sublessor for documentation that the decision was complied with in
time; if none is produced within **7 days** of the sublessor receiving the request, the tribunal
**must** tell the landlord of the sublessor's own tenancy that the decision was not complied with
(§ 86(8)). Steps: ``noticed`` → ``documentation_requested`` (deadline 7 days) → ``documented``
(the end) or, after the 7 days, ``landlord_told``.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from common.calendar import this_or_next_working_day
from common.errors import FieldError
from legal_cases.domain.errors import SubletNoticeRejectedError

DOCUMENTATION_DAYS: Final = 7


class SubletStep(StrEnum):
    DOCUMENTATION_REQUESTED = "documentation_requested"
    DOCUMENTED = "documented"
    LANDLORD_TOLD = "landlord_told"


def documentation_due(requested_on: date) -> date:
    """7 days from the request (counted from its day; a closed day moves it to the next
    working day)."""
    return this_or_next_working_day(requested_on + timedelta(days=DOCUMENTATION_DAYS))


def check_notice(*, case_final: bool, sublet_obligations: bool, compliance_due: date | None,
                 today: date) -> None:  # fmt: skip
    if not (case_final and sublet_obligations):
        raise SubletNoticeRejectedError(
            "A subtenant's notice (§ 86(7)) concerns a final decision that put obligations on "
            "the tenant who sublets (§ 86(6))."
        )
    if compliance_due is not None and today <= compliance_due:
        raise SubletNoticeRejectedError(
            f"The decision's deadline for complying ({compliance_due}) has not passed yet."
        )


def check_step(
    step: SubletStep,
    *,
    on: date,
    today: date,
    noticed_on: date,
    requested_on: date | None,
    documented_on: date | None,
    landlord_told_on: date | None,
) -> None:
    errors: list[FieldError] = []
    if not noticed_on <= on <= today:
        errors.append(FieldError("/on", f"A step lies between the notice ({noticed_on}) and "
                                 f"today ({today}).", "out-of-range"))  # fmt: skip
    if documented_on is not None or landlord_told_on is not None:
        errors.append(FieldError("/step", "The notice is dealt with already.", "done"))
    elif step is SubletStep.DOCUMENTATION_REQUESTED:
        if requested_on is not None:
            errors.append(FieldError("/step", "Documentation is requested already.", "recorded"))
    elif requested_on is None:
        errors.append(FieldError("/step", "The tribunal first asks the sublessor for "
                                 "documentation (§ 86(8)).", "out-of-order"))  # fmt: skip
    elif step is SubletStep.LANDLORD_TOLD and on <= documentation_due(requested_on):
        errors.append(FieldError("/on", "The sublessor has 7 days (until "
                                 f"{documentation_due(requested_on)}) to document compliance "
                                 "before the landlord is told (§ 86(8)).", "too-early"))  # fmt: skip
    if errors:
        raise SubletNoticeRejectedError(
            "The step on the subtenant's notice cannot be recorded; see 'errors'.", errors=errors
        )
