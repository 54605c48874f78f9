"""Key figures in the department forms (seed 002 §5.2.6): which forms take newly arrived
figures, when newer benchmarks are offered, and which revision of a fact wins.

The benchmark calculator publishes the figures of calendar year Y (``KeyFiguresUpdatedV1``) with
a revision that grows with every recomputation; they belong in the packages of governance year
Y+1. A form keeps a snapshot of the figures (stored as JSON: code, value, unit, benchmark,
benchmark_indexed, colour, reason) and the revision it was taken from. The snapshot is not
changed behind the organisation's back: it is taken when the figures first arrive, and replaced
only after the organisation reported or corrected the department's accounts (which clears the
revision) or when the organisation confirms "update benchmarks".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from governance.domain.rules import FigureState, PackageStatus, accounts_year

Figures = Sequence[Mapping[str, Any]]


def is_newer(held: int | None, incoming: int) -> bool:
    """Newer wins: a fact (a register record's ``version``, a key-figure ``revision``) replaces
    the one held only if it is newer; a repeated or older one changes nothing. Nothing held
    yet takes anything. (The read models store with the same guard in SQL:
    :func:`common.db.projection.upsert_if_newer`.)"""
    return held is None or incoming > held


def figure_states(figures: Figures | None, comments: Mapping[str, str] | None) -> list[FigureState]:
    """The snapshot's figures with the organisation's comments, as the completeness rules see
    them."""
    held = comments or {}
    return [
        FigureState(code=f["code"], colour=f.get("colour", "none"), comment=held.get(f["code"]))
        for f in figures or []
    ]


def has_indexed_benchmarks(figures: Figures | None) -> bool:
    """Whether a snapshot holds benchmarks indexed forward from an earlier year."""
    return any(f.get("benchmark_indexed") for f in figures or [])


@dataclass(frozen=True, slots=True)
class ColourCounts:
    red: int
    yellow: int


def colour_counts(figures: Iterable[Mapping[str, Any]]) -> ColourCounts:
    colours = [f.get("colour") for f in figures]
    return ColourCounts(red=colours.count("red"), yellow=colours.count("yellow"))


def takes_new_figures(
    *,
    package_status: PackageStatus,
    package_year: int,
    figures_year: int,
    has_snapshot: bool,
    snapshot_revision: int | None,
    incoming_revision: int,
    awaiting_accounts: bool = False,
) -> bool:
    """Whether a department form takes figures that just arrived: figures of its package's
    accounts year, while the package is being prepared, if the form has no snapshot yet, or
    the department's accounts were reported since it was taken (its revision is cleared then),
    or it still awaits the figures computed from the reported accounts — then every newer
    revision is taken until those arrive, so figures computed before the accounts reached the
    calculator never shut out the ones computed from them."""
    if not (package_status.editable and figures_year == accounts_year(package_year)):
        return False
    if not has_snapshot or snapshot_revision is None:
        return True
    return awaiting_accounts and is_newer(snapshot_revision, incoming_revision)


def awaits_accounts_figures(
    reported_accounts_revision: int | None, snapshot_accounts_revision: int | None
) -> bool:
    """Whether a department form still waits for the key figures computed from its reported
    accounts: accounts are reported and the snapshot was computed from none or older ones.
    The calculator publishes them after the accounts reach it; until then the package's
    administration, maintenance, vacancy-loss and operating-cost figures are not the reported
    ones, and their red/yellow comment rule has not run on them."""
    if reported_accounts_revision is None:
        return False
    return (snapshot_accounts_revision or 0) < reported_accounts_revision


def offers_newer_benchmarks(
    *, figures: Figures | None, snapshot_revision: int | None, latest_revision: int
) -> bool:
    """Whether "update benchmarks" is offered for a department form: its snapshot holds
    indexed benchmarks and newer figures than the snapshot's have arrived. (A snapshot whose
    revision was cleared by reported accounts is replaced anyway when the figures come.)"""
    return (
        has_indexed_benchmarks(figures)
        and snapshot_revision is not None
        and is_newer(snapshot_revision, latest_revision)
    )
