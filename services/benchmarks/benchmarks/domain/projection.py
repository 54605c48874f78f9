"""How a set of events is applied to the read model (the decisions, not the SQL).

Each event writes rows under a key (a lease, a rent point, a department, an accounts year). One
statement applies a *run*: consecutive events of one kind whose keys are distinct, since an
``ON CONFLICT DO UPDATE`` cannot touch a row twice; a repeated key starts a new run, which also
keeps the events of one key in their order. So a batch gives the read model its events give one
by one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import TypeVar

ItemT = TypeVar("ItemT")
KindT = TypeVar("KindT", bound=Hashable)


def runs(
    items: Iterable[ItemT], kind_and_key: Callable[[ItemT], tuple[KindT, Hashable] | None]
) -> Iterator[tuple[KindT, list[ItemT]]]:
    """Consecutive items of one kind with distinct keys, in order; an item whose
    ``kind_and_key`` is ``None`` (not ours) is skipped."""
    kind: KindT | None = None
    run: list[ItemT] = []
    keys: set[Hashable] = set()
    for item in items:
        found = kind_and_key(item)
        if found is None:
            continue
        if found[0] != kind or found[1] in keys:
            if kind is not None:
                yield kind, run
            kind, run, keys = found[0], [], set()
        run.append(item)
        keys.add(found[1])
    if kind is not None:
        yield kind, run


def moves(held: Mapping[str, str], moved_to: Mapping[str, str]) -> dict[str, str]:
    """The leases that move to another department (``moved_to``: lease → the department an
    update names; ``held``: lease → department held now), each with the department it leaves."""
    return {
        lease_id: department
        for lease_id, department in held.items()
        if lease_id in moved_to and department != moved_to[lease_id]
    }


def departments_to_mark(
    touched: Sequence[str], held: Mapping[str, str], moved_to: Mapping[str, str]
) -> list[str]:
    """The departments whose figures a run of lease events changes: the department of every
    event, and for a lease that moves the department it leaves (:func:`moves`). Each once, in
    order."""
    return list(dict.fromkeys([*touched, *moves(held, moved_to).values()]))
