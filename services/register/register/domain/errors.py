"""Errors of the register's write side, each with a stable problem code."""

from __future__ import annotations

from common.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    RuleViolationError,
)


class RecordRejectedError(RuleViolationError):
    """A record breaks one or more of the register's rules (one field error per finding)."""

    code = "record-rejected"
    title = "The record breaks the register's rules"

    def __init__(self, errors: list[FieldError]) -> None:
        codes = ", ".join(sorted({e.code for e in errors}))
        super().__init__(
            f"{len(errors)} rule(s) failed ({codes}); see 'errors' for each field.",
            errors=errors,
        )


class RecordExistsError(ConflictError):
    code = "record-exists"
    title = "The record already exists"


class RecordNotFoundError(NotFoundError):
    code = "record-not-found"


class NotHeldError(ConflictError):
    code = "not-held"
    title = "The record is not held"

    def __init__(self, detail: str, *, status: str | None = None) -> None:
        super().__init__(detail)
        self.status = status  # the lease's status: accepted (confirmed already) or draft
