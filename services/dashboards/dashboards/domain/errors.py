"""The dashboards' typed errors (rendered as problem+json by the kit)."""

from __future__ import annotations

from common.errors import NotFoundError


class UnknownTableError(NotFoundError):
    code = "unknown-table"
