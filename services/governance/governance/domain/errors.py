"""Errors of the governance service, each with a stable problem code."""

from __future__ import annotations

from common.errors import ConflictError, FieldError, NotFoundError, RuleViolationError


class PackageNotFoundError(NotFoundError):
    code = "package-not-found"


class FormNotFoundError(NotFoundError):
    code = "form-not-found"


class CatalogueMissingError(RuleViolationError):
    code = "catalogue-missing"
    title = "No question catalogue for the year"


class CatalogueInUseError(ConflictError):
    code = "catalogue-in-use"
    title = "The year's catalogue already has answers"


class AnswerRejectedError(RuleViolationError):
    code = "answer-rejected"
    title = "An answer does not fit its question"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(
            f"{len(errors)} answer(s) do not fit their questions; see 'errors'.", errors=errors
        )


class PackageReadOnlyError(ConflictError):
    code = "package-read-only"
    title = "The package has been sent and is read-only"


class TransitionNotAllowedError(ConflictError):
    """The package is not in a status this action starts from (e.g. a concurrent action won)."""

    code = "transition-not-allowed"
    title = "Not possible in the package's current status"


class PackageChangedError(ConflictError):
    code = "package-changed"
    title = "The package was changed by someone else"


class SendBlockedError(RuleViolationError):
    """The package cannot be sent yet: one error per thing still missing."""

    code = "send-blocked"
    title = "The package cannot be sent yet"

    def __init__(self, errors: list[FieldError]) -> None:
        codes = ", ".join(sorted({e.code for e in errors}))
        super().__init__(
            f"The package cannot be sent yet ({codes}); see 'errors' for what is missing.",
            errors=errors,
        )


class ConfirmationRequiredError(RuleViolationError):
    code = "confirmation-required"
    title = "The action needs an explicit confirmation"


class AttachmentRejectedError(RuleViolationError):
    code = "attachment-rejected"
    title = "The file cannot be attached"


class AttachmentTooLargeError(RuleViolationError):
    code = "attachment-too-large"
    title = "The file is too large"


class AccountsRejectedError(RuleViolationError):
    code = "accounts-rejected"
    title = "The accounts cannot be reported"


class RoundNotDueError(RuleViolationError):
    code = "reminder-round-not-due"
    title = "A reminder round cannot be held before its date"


class RoundAlreadyHeldError(ConflictError):
    code = "reminder-round-held"
    title = "The reminder round of that date was held already"
