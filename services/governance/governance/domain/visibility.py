"""What a municipality sees of a package sent to it, and what it may do (seed 002 §5.2.1, §6).

A package reaches its home municipality and the municipalities its departments lie in
(location municipalities). The home municipality sees the whole package and acts on it (send
back, meeting, statement); a location municipality sees the governance report, the forms and
accounts of its own departments and the statements, and may add a supplementary statement.

Which packages a caller sees at all is a query (:mod:`governance.db.visibility`); these rules
decide, within a package the caller sees, which parts. Each takes the caller's municipality
code: ``None`` for a caller that is no municipality (an organisation, the fund, the public),
which sees every part of a package it sees at all.
"""

from __future__ import annotations

from governance.domain.rules import FormKind

STATEMENT_KINDS = frozenset({"statement", "supplementary_statement"})


def is_home_municipality(caller: str | None, home: str) -> bool:
    """Whether the caller is the package's home municipality."""
    return caller is not None and caller == home


def sees_form(caller: str | None, home: str, kind: FormKind, location: str | None) -> bool:
    """Every caller sees the governance report; a location municipality only the department
    forms of departments lying in it (``location``)."""
    if caller is None or kind is FormKind.REPORT or is_home_municipality(caller, home):
        return True
    return location == caller


def sees_attachment(caller: str | None, home: str, kind: str) -> bool:
    """A location municipality receives the report and its departments' forms, not the
    organisation's accounts material and extra documents; the statements it sees."""
    if caller is None or is_home_municipality(caller, home):
        return True
    return kind in STATEMENT_KINDS
