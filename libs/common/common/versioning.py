"""Optimistic concurrency on the wire: a record's version as a weak ETag, read back from If-Match.

Every versioned object answers with ``ETag: W/"<version>"``; an update names the version it
builds on in ``If-Match`` (or a ``version`` field), and a stale one is refused rather than
silently overwriting someone else's change.
"""

from __future__ import annotations

from common.errors import FieldError, RuleViolationError

_MAX_VERSION = 2**31  # the versions are PostgreSQL integers


class InvalidIfMatchError(RuleViolationError):
    code = "invalid-if-match"
    title = "If-Match is not a version"

    def __init__(self) -> None:
        message = 'If-Match must be W/"<version>", as the ETag of the object you read.'
        super().__init__(message, errors=[FieldError("#/If-Match", message, self.code)])


def etag(version: int) -> str:
    return f'W/"{version}"'


def parse_if_match(if_match: str | None) -> int | None:
    """The version named by an ``If-Match`` header (weak or strong form), or None without one."""
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) < _MAX_VERSION:
        raise InvalidIfMatchError
    return int(value)
