"""Typed business errors. They know no HTTP: `common.problems` renders them once as RFC 9457.

Services subclass these in their own ``domain/errors.py`` and give each a stable ``code`` (it
becomes the problem type URI) and a message a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field's problem; ``pointer`` is a JSON pointer into the request body (RFC 6901)."""

    pointer: str
    detail: str
    code: str = "invalid"
    # "body": ``pointer`` is a JSON pointer into the body; "query", "path" or "header": it is
    # the name of that parameter (rendered as ``parameter`` and ``in``).
    location: str = "body"

    @classmethod
    def for_parameter(
        cls, name: str, detail: str, code: str = "invalid", location: str = "query"
    ) -> FieldError:
        return cls(pointer=name, detail=detail, code=code, location=location)


class DomainError(Exception):
    """Base of every expected business error."""

    code: str = "domain-error"
    title: str = "The request breaks a business rule"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class BadRequestError(DomainError):
    """The request itself is malformed in a way no schema states (e.g. a forged cursor): 400."""

    code = "bad-request"
    title = "Bad request"


class NotFoundError(DomainError):
    """The object does not exist, or the caller may not know that it exists."""

    code = "not-found"
    title = "Not found"


class ConflictError(DomainError):
    """The state changed under the caller: a concurrent transition or a duplicate."""

    code = "conflict"
    title = "Conflict with the current state"


class StaleVersionError(DomainError):
    """An update carried an old version / ETag: re-read and apply the change again."""

    code = "stale-version"
    title = "The object was changed by someone else"


class PreconditionRequiredError(DomainError):
    """A change that must say which version it builds on (If-Match / version) did not."""

    code = "precondition-required"
    title = "Precondition required"


class RuleViolationError(DomainError):
    """The input is well-formed but breaks a rule of the domain."""

    code = "rule-violation"
    title = "The request breaks a business rule"


class PermissionDeniedError(DomainError):
    """The caller's role may not perform this action."""

    code = "forbidden"
    title = "Not allowed for your role"


class AuthenticationError(DomainError):
    """No valid credentials."""

    code = "unauthenticated"
    title = "Authentication required"
