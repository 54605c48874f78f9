"""The case's state machine: prequalification application → comprehensive plan → commitment.

::

    draft ──send──▶ sent ──start_assessment──▶ under_assessment ─┬─prequalify──▶ prequalified
                                                                 └─reject──────▶ rejected (final)
    prequalified ──approve_plan (municipal council)──▶ plan_approved ──send_plan──▶ plan_sent
    plan_sent ──commit──▶ committed

    (operating-support case, kind ``operating_support``, created by the transfer of a
    rent-support case's departments that are not covered)
    transferred ─┬─grant_operating_support──▶ operating_support_granted (final)
                 └─refuse_operating_support─▶ operating_support_refused (final)

A rejected application is final: there is no waiting list, the applicant applies again with a
new application (seed 001, "Der oprettes ingen ventelister"). After commitment the case stays
``committed``; its yearly statements and the payment stop are tracked beside the status
(:mod:`grants.domain.deadlines`, :func:`payments_transition`).
"""

from __future__ import annotations

from enum import StrEnum

from grants.domain.errors import TransitionNotAllowedError


class Status(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    UNDER_ASSESSMENT = "under_assessment"
    PREQUALIFIED = "prequalified"
    REJECTED = "rejected"
    PLAN_APPROVED = "plan_approved"
    PLAN_SENT = "plan_sent"
    COMMITTED = "committed"
    # An operating-support case (driftsstøttesag) in the national disposition fund
    # (landsdispositionsfonden), created by transferring a rent-support case's departments that
    # are not covered (seed 001, "Prækvalifikation" under "Ansøgninger om huslejestøtte").
    TRANSFERRED = "transferred"
    OPERATING_SUPPORT_GRANTED = "operating_support_granted"
    OPERATING_SUPPORT_REFUSED = "operating_support_refused"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Status.DRAFT: "Kladde",
    Status.SENT: "Fremsendt",
    Status.UNDER_ASSESSMENT: "Under behandling",
    Status.PREQUALIFIED: "Prækvalificeret",
    Status.REJECTED: "Afslag",
    Status.PLAN_APPROVED: "Helhedsplan godkendt af kommunalbestyrelsen",
    Status.PLAN_SENT: "Helhedsplan fremsendt",
    Status.COMMITTED: "Tilsagn givet",
    Status.TRANSFERRED: "Overført til landsdispositionsfonden",
    Status.OPERATING_SUPPORT_GRANTED: "Driftsstøtte bevilget (landsdispositionsfonden)",
    Status.OPERATING_SUPPORT_REFUSED: "Afslag på driftsstøtte (landsdispositionsfonden)",
}


class Action(StrEnum):
    SEND = "send"
    START_ASSESSMENT = "start_assessment"
    PREQUALIFY = "prequalify"
    REJECT = "reject"
    APPROVE_PLAN = "approve_plan"
    SEND_PLAN = "send_plan"
    COMMIT = "commit"
    GRANT_OPERATING_SUPPORT = "grant_operating_support"
    REFUSE_OPERATING_SUPPORT = "refuse_operating_support"


TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.DRAFT, Action.SEND): Status.SENT,
    (Status.SENT, Action.START_ASSESSMENT): Status.UNDER_ASSESSMENT,
    (Status.UNDER_ASSESSMENT, Action.PREQUALIFY): Status.PREQUALIFIED,
    (Status.UNDER_ASSESSMENT, Action.REJECT): Status.REJECTED,
    (Status.PREQUALIFIED, Action.APPROVE_PLAN): Status.PLAN_APPROVED,
    (Status.PLAN_APPROVED, Action.SEND_PLAN): Status.PLAN_SENT,
    (Status.PLAN_SENT, Action.COMMIT): Status.COMMITTED,
    (Status.TRANSFERRED, Action.GRANT_OPERATING_SUPPORT): Status.OPERATING_SUPPORT_GRANTED,
    (Status.TRANSFERRED, Action.REFUSE_OPERATING_SUPPORT): Status.OPERATING_SUPPORT_REFUSED,
}

# Statuses in which the fund is processing the prequalification application (case age counts).
AWAITING_FUND = frozenset({Status.SENT, Status.UNDER_ASSESSMENT})
# Statuses the applicant may still edit the application in.
EDITABLE = frozenset({Status.DRAFT})
# Statuses the applicant works on the comprehensive plan in.
PLAN_EDITABLE = frozenset({Status.PREQUALIFIED, Status.PLAN_APPROVED})
# Statuses holding a reservation against the year's frame.
RESERVING = frozenset({Status.PREQUALIFIED, Status.PLAN_APPROVED, Status.PLAN_SENT})


def starts_from(action: Action) -> list[Status]:
    return [status for (status, a) in TRANSITIONS if a is action]


def transition(status: Status, action: Action) -> Status:
    """The status after ``action``, or 409 naming the statuses the action starts from."""
    target = TRANSITIONS.get((status, action))
    if target is None:
        allowed = ", ".join(f"'{s.value}'" for s in starts_from(action))
        raise TransitionNotAllowedError(
            f"The case has status '{status.value}' ({status.label}); '{action.value}' is only "
            f"possible from {allowed}."
        )
    return target


def is_final(status: Status) -> bool:
    return not any(s is status for (s, _) in TRANSITIONS)


# --- payments after commitment ----------------------------------------------------------------


class PaymentAction(StrEnum):
    STOP = "stop"
    RESUME = "resume"


def payments_transition(
    status: Status, stopped: bool, action: PaymentAction, overdue_years: list[int]
) -> bool:
    """Whether payments are stopped after ``action``.

    * stop: only a committed case whose payments run and that has an overdue yearly report,
      statement or status (the guideline: missing reporting *can* stop payments — the fund
      decides);
    * resume: only stopped payments, and only once no yearly report is overdue any more."""
    if status is not Status.COMMITTED:
        raise TransitionNotAllowedError(
            f"Payments exist only after commitment; the case has status '{status.value}'."
        )
    if action is PaymentAction.STOP:
        if stopped:
            raise TransitionNotAllowedError("Payments to the case are already stopped.")
        if not overdue_years:
            raise TransitionNotAllowedError(
                "Payments can be stopped only while a yearly report (the regulation-account "
                "statement or the status on goals, indicators and activities) is overdue; none is."
            )
        return True
    if not stopped:
        raise TransitionNotAllowedError("Payments to the case are not stopped.")
    if overdue_years:
        years = ", ".join(str(y) for y in overdue_years)
        raise TransitionNotAllowedError(
            f"Payments resume when every overdue yearly report (statement and status) is "
            f"received; still missing for: {years}."
        )
    return False


def ensure_committed(status: Status, action: str) -> None:
    """Follow-up (yearly status, the one-year review) exists only after commitment."""
    if status is not Status.COMMITTED:
        raise TransitionNotAllowedError(
            f"{action} comes after commitment; the case has status '{status.value}' "
            f"({status.label})."
        )
