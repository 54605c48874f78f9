"""Errors of the benchmark calculator, each with a stable problem code."""

from __future__ import annotations

from common.errors import NotFoundError, RuleViolationError


class NoFiguresError(NotFoundError):
    """No key figures for what was asked (or not for the caller)."""

    code = "no-key-figures"


class UnknownFigureError(RuleViolationError):
    code = "unknown-key-figure"
    title = "Unknown key figure"
