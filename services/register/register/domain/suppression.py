"""Statistical disclosure control: which published counts are suppressed.

A published count of 1–4 dwellings (``THRESHOLD`` = 5) is *primarily* suppressed: its value is
``null`` with ``suppressed: true``. Zero is published (there is nobody to protect). Every product
is a table with margins (totals), and totals would let a reader back out a suppressed cell, so
*complementary* suppression runs over every additive relation ``total = Σ members`` of the table
(each row, each column, each municipality against the national figure, each department against
its organisation and the organisation against the municipality) until, in every relation,

* no suppressed value is the only unknown (it could be computed from the others), and
* when the relation's total is published, the suppressed members add up to at least
  ``THRESHOLD`` (otherwise the group is itself a small cell).

The next cell hidden is the smallest positive published member of the offending relation (the
total if no member is left), ties broken by key, so the pattern is deterministic. Statistics are
computed over the whole national cube at once and the requested municipality is cut from it, so
a municipality's suppressed cell cannot be backed out by subtracting the other municipalities
from the national figure. Shares and averages are published only when the counts they rest on
are: a share ``k / total`` is null if ``k`` or ``total`` is suppressed, and an average is null if
its dwelling count is suppressed or under ``THRESHOLD``. This is the standard heuristic (as
tau-argus' "hypercube" method); it is consistent within each product, not across products.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any, Final, TypeVar

THRESHOLD: Final = 5
TOTAL: Final = "*"  # the margin of a dimension in a cube key

SUPPRESSION_NOTE: Final = (
    f"Counts of 1–{THRESHOLD - 1} dwellings are suppressed (null, suppressed: true); further "
    "cells are suppressed so that no suppressed count can be computed from totals. Shares and "
    "averages resting on a suppressed count are null."
)

K = TypeVar("K", bound=Hashable)
Relation = tuple[K, Sequence[K]]  # total = Σ members


def suppress(
    values: Mapping[K, int], relations: Sequence[Relation[K]], threshold: int = THRESHOLD
) -> set[K]:
    """Keys to publish as suppressed: primary (0 < value < threshold) and complementary (see the
    module docstring). ``values`` must hold every key that appears in ``relations``."""
    hidden = {k for k, v in values.items() if 0 < v < threshold}
    changed = True
    while changed:
        changed = False
        for total, members in relations:
            unknown = [k for k in (total, *members) if k in hidden]
            if not unknown:
                continue
            if total not in hidden and len(unknown) >= 2:
                if sum(values[k] for k in unknown) >= threshold:
                    continue
            elif len(unknown) >= 2:
                continue
            # Exposed: hide the smallest positive published member, else the total, else a zero.
            published = [k for k in members if k not in hidden]
            positive = [k for k in published if values[k] > 0]
            if positive:
                pick = min(positive, key=lambda k: (values[k], str(k)))
            elif total not in hidden:
                pick = total
            elif published:
                pick = min(published, key=str)
            else:
                continue
            hidden.add(pick)
            changed = True
    return hidden


@dataclass(frozen=True, slots=True)
class Cell:
    """A published count: ``value`` is ``None`` when ``suppressed``."""

    value: int | None
    suppressed: bool


CubeKey = tuple[str, ...]


class Cube:
    """Counts over a few dimensions with every margin (``TOTAL`` in a coordinate), and its
    suppression pattern.

    ``rows`` are the aggregated cells: ``row[i]`` is the coordinate of dimension ``i`` (``None``
    for its margin, as ``GROUP BY CUBE`` gives it) and ``row.n`` the count. ``domains`` are the
    values each dimension always has; values seen in the rows are added."""

    def __init__(self, rows: Iterable[Any], domains: Sequence[Iterable[str]]) -> None:
        dims = len(domains)
        observed: dict[CubeKey, int] = {}
        values_seen: list[list[str]] = [list(dict.fromkeys(d)) for d in domains]
        for row in rows:
            key = tuple(TOTAL if row[i] is None else str(row[i]) for i in range(dims))
            observed[key] = int(row.n)
            for i, v in enumerate(key):
                if v != TOTAL and v not in values_seen[i]:
                    values_seen[i].append(v)
        self.domains = [tuple(d) for d in values_seen]
        self.values: dict[CubeKey, int] = {
            key: observed.get(key, 0) for key in product(*[(*d, TOTAL) for d in self.domains])
        }
        relations: list[Relation[CubeKey]] = []
        for key in self.values:
            for i in range(dims):
                if key[i] == TOTAL:
                    members = [(*key[:i], v, *key[i + 1 :]) for v in self.domains[i]]
                    relations.append((key, members))
        self.hidden = suppress(self.values, relations)

    def cell(self, *key: str) -> Cell:
        if key not in self.values:
            return Cell(value=0, suppressed=False)
        if key in self.hidden:
            return Cell(value=None, suppressed=True)
        return Cell(value=self.values[key], suppressed=False)
