"""Errors of the grants service, each with a stable problem code."""

from __future__ import annotations

from common.errors import ConflictError, FieldError, NotFoundError, RuleViolationError


class ApplicationNotFoundError(NotFoundError):
    code = "application-not-found"


class AttachmentNotFoundError(NotFoundError):
    code = "attachment-not-found"


class TransitionNotAllowedError(ConflictError):
    """The case is not in a status the action starts from (or a concurrent action won)."""

    code = "transition-not-allowed"
    title = "Not possible in the case's current status"


class ApplicationChangedError(ConflictError):
    code = "application-changed"
    title = "The application was changed by someone else"


class ApplicationReadOnlyError(ConflictError):
    code = "application-read-only"
    title = "The application has been sent and is read-only"


class SendBlockedError(RuleViolationError):
    """The application (or plan) cannot be sent yet: one error per missing item."""

    code = "send-blocked"
    title = "The application cannot be sent yet"

    def __init__(self, errors: list[FieldError], what: str = "application") -> None:
        super().__init__(
            f"The {what} cannot be sent yet: {len(errors)} item(s) are missing or break a "
            "rule; see 'errors' for each.",
            errors=errors,
        )


class BudgetRejectedError(RuleViolationError):
    code = "budget-rejected"
    title = "The budget breaks the fund's budget rules"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(
            f"The budget breaks {len(errors)} of the fund's rules (§ 91a guideline); see 'errors'.",
            errors=errors,
        )


class FrameExceededError(ConflictError):
    """The year's frame (380 mDKK) would be exceeded."""

    code = "frame-exceeded"
    title = "The year's frame would be exceeded"


class NoFrameError(RuleViolationError):
    code = "no-frame"
    title = "No frame for the year"


class AttachmentRejectedError(RuleViolationError):
    code = "attachment-rejected"
    title = "The file cannot be attached"


class AttachmentTooLargeError(RuleViolationError):
    code = "attachment-too-large"
    title = "The file is too large"


class PaymentsStoppedError(ConflictError):
    code = "payments-stopped"
    title = "Payments to the case are stopped"


class PaymentRefusedError(RuleViolationError):
    code = "payment-refused"
    title = "The payment cannot be recorded"


class MasterDataUnknownError(RuleViolationError):
    code = "master-data-unknown"
    title = "A department or organisation is not known yet"


class StatementRejectedError(RuleViolationError):
    code = "statement-rejected"
    title = "The regulation-account statement does not add up"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(
            f"The regulation-account statement breaks {len(errors)} rule(s); see 'errors'.",
            errors=errors,
        )


class MinimumNeedNotSetError(RuleViolationError):
    """The rent model needs the year's minimum support need, and the fund has set none."""

    code = "minimum-need-not-set"


class TransferPendingError(ConflictError):
    """A rent-support case with departments not covered cannot be finally refused before the
    national disposition fund has decided their operating-support case."""

    code = "transfer-pending"
