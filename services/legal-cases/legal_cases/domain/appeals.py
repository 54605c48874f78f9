"""The appeal's outcome (§§ 88-89): what the housing court or the appeal board did with the
tribunal's decision, and what that means for the case.

* ``upheld`` — the tribunal's decision stands and is final from the day the appellate decision
  was made: the case becomes ``final`` (and § 22 non-compliance can then be reported);
* ``changed`` — the appellate body decided otherwise: the tribunal's decision never becomes
  final; the case ends as ``changed_on_appeal`` with the appellate result summarised;
* ``set_aside`` — the decision was set aside (ophævet): it never becomes final; the case ends
  as ``set_aside_on_appeal``.

Pure; the use case records it (:func:`legal_cases.services.workflow.record_appeal_outcome`).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from common.errors import FieldError
from legal_cases.domain.errors import AppealRejectedError


class AppealOutcome(StrEnum):
    UPHELD = "upheld"
    CHANGED = "changed"
    SET_ASIDE = "set_aside"

    @property
    def label(self) -> str:
        return {
            AppealOutcome.UPHELD: "Stadfæstet",
            AppealOutcome.CHANGED: "Ændret",
            AppealOutcome.SET_ASIDE: "Ophævet",
        }[self]

    @property
    def decision_final(self) -> bool:
        """Whether the tribunal's own decision becomes final by this outcome."""
        return self is AppealOutcome.UPHELD

    @property
    def landlord_fee_stands(self) -> bool:
        """§ 82(2): the landlord owes the fee because the tenant side won fully before the
        tribunal; once the appellate body changes or sets aside that decision, the tenant no
        longer has won fully by a decision that stands, so the fee is no longer owed."""
        return self is AppealOutcome.UPHELD

    @property
    def fee_cancel_reason(self) -> str:
        return f"appeal_{self.value}"


def check_outcome(
    *, outcome: AppealOutcome, lodged_on: date, decided_on: date, today: date, summary: str | None
) -> None:
    """The appellate decision lies between the appeal and today; a change or setting aside
    says what the appellate body decided instead (a summary)."""
    errors: list[FieldError] = []
    if decided_on < lodged_on:
        errors.append(FieldError("/decided_on", f"The appellate decision cannot precede the "
                                 f"appeal ({lodged_on}).", "before-appeal"))  # fmt: skip
    if decided_on > today:
        errors.append(FieldError("/decided_on", f"The appellate decision cannot lie after "
                                 f"today ({today}).", "in-future"))  # fmt: skip
    if outcome is not AppealOutcome.UPHELD and not (summary or "").strip():
        errors.append(FieldError("/summary", "A changed or set-aside decision needs a summary "
                                 "of what the housing court or appeal board decided.",
                                 "required"))  # fmt: skip
    if errors:
        raise AppealRejectedError("The appeal's outcome cannot be recorded; see 'errors'.",
                                  errors=errors)  # fmt: skip
