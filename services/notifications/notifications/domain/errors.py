"""Errors of the notification service, each with a stable problem code."""

from __future__ import annotations

from common.errors import ConflictError, NotFoundError, RuleViolationError, StaleVersionError


class RecipientNotFoundError(NotFoundError):
    code = "recipient-not-found"


class DeliveryNotFoundError(NotFoundError):
    code = "delivery-not-found"


class OptOutNotAllowedError(RuleViolationError):
    """An opt-out from a message the recipient must receive, or from no known message."""

    code = "opt-out-not-allowed"
    title = "This message cannot be opted out of"


class RecipientChangedError(StaleVersionError):
    code = "recipient-changed"


class NotResendableError(ConflictError):
    """Only a failed delivery, or one that found no address, can be sent again."""

    code = "delivery-not-resendable"
    title = "This delivery cannot be sent again"
