"""Who sees which case, on top of ``common.access.Scope`` (which treats the tribunal role as
unrestricted and knows nothing of parties):

* ``tribunal`` — staff of one rent tribunal, identified by the token's municipality code: they
  see that tribunal's cases only (another tribunal's case is not found);
* ``party`` — a complainant or counterpart, identified by the token's subject: it sees the cases
  in which it is a party — the counterpart from the day the tribunal notified it (§ 82(3));
  before that the case is not found for it;
* ``municipality`` — sees the cases it filed (§ 87);
* ``fund`` — Grundejernes Investeringsfond's role here: owners' non-compliance, no case files.

Everyone else is refused (403) before anything is looked up.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

# Role names as common.auth.Role spells them (the domain imports no framework-bound module).
TRIBUNAL_ROLE = "tribunal"
PARTY_ROLE = "party"
MUNICIPALITY_ROLE = "municipality"
FUND_ROLE = "fund"
SYSTEM_ROLE = "system"  # the worker's deadline round

CASE_READERS = frozenset({TRIBUNAL_ROLE, PARTY_ROLE, MUNICIPALITY_ROLE})
FILERS = frozenset({PARTY_ROLE, MUNICIPALITY_ROLE})
TRIBUNAL = frozenset({TRIBUNAL_ROLE})
REPLIERS = frozenset({TRIBUNAL_ROLE, PARTY_ROLE})
OWNER_READERS = frozenset({TRIBUNAL_ROLE, FUND_ROLE})


@dataclass(frozen=True, slots=True)
class Viewer:
    subject: str
    role: str
    tribunal_code: str | None = None  # for the tribunal role
    municipality_code: str | None = None  # for the municipality role

    @property
    def is_tribunal(self) -> bool:
        return self.role == TRIBUNAL_ROLE


def sees_case(
    viewer: Viewer,
    *,
    tribunal_code: str,
    filing_municipality_code: str | None,
    complainant_subjects: Collection[str],
    counterpart_subjects: Collection[str],
    counterpart_notified: bool,
) -> bool:
    if viewer.role == TRIBUNAL_ROLE:
        return viewer.tribunal_code == tribunal_code
    if viewer.role == MUNICIPALITY_ROLE:
        return (
            viewer.municipality_code is not None
            and viewer.municipality_code == filing_municipality_code
        )
    if viewer.role == PARTY_ROLE:
        return viewer.subject in complainant_subjects or (
            counterpart_notified and viewer.subject in counterpart_subjects
        )
    return False
