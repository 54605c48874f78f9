"""Contract compatibility: published contracts may change only additively.

``docs/events/contracts.lock.json`` is a committed snapshot ``{"<event_type>@v<N>": <JSON
schema of the payload as it travels>}`` of the catalogue. A unit test compares the live
catalogue with it through :func:`breaking_changes`, which reports, each as one readable line:

* a removed property, and a removed contract (a lock entry the catalogue no longer has);
* a changed type, including a changed ``format`` (``date`` → ``date-time``) and a property
  that became nullable or stopped being nullable;
* a property that became required, and a new property that is required;
* a narrowed enum (a value removed, or an enum where any value was allowed before);
* a tightened constraint: a new or changed ``pattern``, a raised minimum / ``minLength`` /
  ``minItems``, a lowered maximum / ``maxLength`` / ``maxItems``, additional properties
  newly forbidden.

It walks ``properties``, array ``items`` and ``anyOf``/``oneOf`` branches recursively and
follows ``$ref``\\s into ``$defs``, so a change inside a shared definition is reported at
every property that uses it. Titles, descriptions, defaults and examples are documentation
and never breaking; a new optional property is the one allowed change.

The lock changes only deliberately::

    .venv/bin/python -m common.events.compatibility           # check, exit 1 when breaking
    .venv/bin/python -m common.events.compatibility --write   # record new contracts
    .venv/bin/python -m common.events.compatibility --write --allow-breaking
        # after every consumer moved off a removed contract version
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from common.events.contracts import CATALOGUE

__all__ = [
    "DEFAULT_LOCK_PATH",
    "BreakingChangeError",
    "breaking_changes",
    "load_snapshot",
    "missing_from_lock",
    "snapshot",
    "write_snapshot",
]

DEFAULT_LOCK_PATH: Final = Path("docs/events/contracts.lock.json")
SNAPSHOT_COMMAND: Final = ".venv/bin/python -m common.events.compatibility --write"

_CONTRACT_KEY: Final = re.compile(r"^[a-z0-9][a-z0-9_.-]*@v\d+$")
_LOWER_BOUNDS: Final = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS: Final = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")

Schema = Mapping[str, Any]


class BreakingChangeError(ValueError):
    """Writing the lock would record breaking changes and that was not allowed."""

    def __init__(self, changes: Sequence[str]) -> None:
        self.changes = list(changes)
        super().__init__("breaking contract changes:\n" + "\n".join(f"  - {c}" for c in changes))


# --- the snapshot ------------------------------------------------------------------------------


def snapshot() -> dict[str, dict[str, Any]]:
    """``{"<event_type>@v<N>": payload JSON schema}`` of every catalogued contract."""
    return {contract.key(): contract.payload_schema() for contract in CATALOGUE}


def load_snapshot(path: str | Path = DEFAULT_LOCK_PATH) -> dict[str, Any]:
    loaded = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{path}: a contract lock must be a JSON object")
    return loaded


def missing_from_lock(lock: Schema) -> list[str]:
    """Catalogued contracts the lock does not record yet, by key."""
    return sorted(key for key in snapshot() if key not in lock)


def write_snapshot(path: str | Path = DEFAULT_LOCK_PATH, *, allow_breaking: bool = False) -> Path:
    """Write :func:`snapshot` to ``path`` (pretty JSON, sorted keys, trailing newline).

    When ``path`` already holds a lock, the new snapshot must change it only additively
    unless ``allow_breaking`` — otherwise :class:`BreakingChangeError` and nothing is written.
    """
    target = Path(path)
    current = snapshot()
    if target.exists() and not allow_breaking:
        changes = breaking_changes(load_snapshot(target), current)
        if changes:
            raise BreakingChangeError(changes)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps(current, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return target


# --- the comparison ----------------------------------------------------------------------------


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Why ``new`` is not an additive evolution of ``old``; empty when it is.

    ``old`` and ``new`` are either two JSON schemas of one payload or two snapshots
    (``{"<event_type>@v<N>": schema}``, as in the lock). Pure: neither argument is changed.
    """
    if _is_snapshot(old, new):
        return _snapshot_changes(old, new)
    comparison = _Comparison(old_root=old, new_root=new)
    comparison.compare(old, new, "")
    return comparison.changes


def _is_snapshot(old: Schema, new: Schema) -> bool:
    def keyed(schema: Schema) -> bool:
        return bool(schema) and all(_CONTRACT_KEY.match(str(key)) for key in schema)

    return (keyed(old) or keyed(new)) and all(keyed(s) or not s for s in (old, new))


def _snapshot_changes(old: Schema, new: Schema) -> list[str]:
    changes: list[str] = []
    for key in sorted(old):
        if key not in new:
            changes.append(
                f"{key}: contract removed from the catalogue; keep publishing it until every "
                "consumer has moved to its successor, then update the lock deliberately"
            )
            continue
        comparison = _Comparison(old_root=old[key], new_root=new[key], prefix=f"{key}: ")
        comparison.compare(old[key], new[key], "")
        changes.extend(comparison.changes)
    return changes


Atom = tuple[str, str | None]  # (JSON type, format)


@dataclass
class _Comparison:
    old_root: Schema
    new_root: Schema
    prefix: str = ""
    changes: list[str] = field(default_factory=list)
    _active: set[tuple[str, str]] = field(default_factory=set)

    def report(self, path: str, message: str) -> None:
        where = f"'{path}'" if path else "the payload"
        self.changes.append(f"{self.prefix}{where} {message}")

    def compare(self, old: Any, new: Any, path: str) -> None:
        refs = (_ref_of(old), _ref_of(new))
        if not (refs[0] and refs[1]):
            self._compare(old, new, path)
        elif refs not in self._active:  # a recursive definition is walked once per path
            self._active.add(refs)
            try:
                self._compare(old, new, path)
            finally:
                self._active.discard(refs)

    def _compare(self, old: Any, new: Any, path: str) -> None:
        old_branches = list(_branches(old, self.old_root))
        new_branches = list(_branches(new, self.new_root))
        old_atoms, new_atoms = _atoms(old_branches), _atoms(new_branches)
        if old_atoms != new_atoms:
            self.report(path, f"changed type from {_describe(old_atoms)} to {_describe(new_atoms)}")
            return

        self._compare_enums(old_branches, new_branches, path)
        old_by_atom = _by_atom(old_branches)
        for atom, new_branch in _by_atom(new_branches).items():
            old_branch = old_by_atom[atom]  # the atoms are equal
            self._compare_constraints(old_branch, new_branch, path)
            if atom[0] == "object":
                self._compare_objects(old_branch, new_branch, path)
                old_extra = old_branch.get("additionalProperties")
                new_extra = new_branch.get("additionalProperties")
                if isinstance(old_extra, Mapping) and isinstance(new_extra, Mapping):
                    self.compare(old_extra, new_extra, f"{path}{{}}")
            elif atom[0] == "array" and isinstance(old_branch.get("items"), Mapping):
                self.compare(old_branch["items"], new_branch.get("items", {}), f"{path}[]")

    def _compare_enums(self, old: list[Schema], new: list[Schema], path: str) -> None:
        old_values, new_values = _enum_values(old), _enum_values(new)
        if new_values is None:
            return
        if old_values is None:
            self.report(path, f"is now restricted to {_listing(new_values)}")
            return
        removed = [value for value in old_values if value not in new_values]
        if removed:
            self.report(path, f"enum narrowed: no longer allows {_listing(removed)}")

    def _compare_constraints(self, old: Schema, new: Schema, path: str) -> None:
        if "pattern" in new and old.get("pattern") != new["pattern"]:
            before = f"from {old['pattern']!r} " if "pattern" in old else ""
            self.report(path, f"pattern changed {before}to {new['pattern']!r}")
        for keyword in _LOWER_BOUNDS:
            if keyword in new and (keyword not in old or new[keyword] > old[keyword]):
                self.report(path, f"{keyword} tightened from {old.get(keyword)} to {new[keyword]}")
        for keyword in _UPPER_BOUNDS:
            if keyword in new and (keyword not in old or new[keyword] < old[keyword]):
                self.report(path, f"{keyword} tightened from {old.get(keyword)} to {new[keyword]}")
        if (
            new.get("additionalProperties") is False
            and old.get("additionalProperties") is not False
        ):
            self.report(path, "no longer allows additional properties")

    def _compare_objects(self, old: Schema, new: Schema, path: str) -> None:
        old_properties: Mapping[str, Any] = old.get("properties", {})
        new_properties: Mapping[str, Any] = new.get("properties", {})
        old_required = set(old.get("required", ()))
        new_required = set(new.get("required", ()))
        for name, old_property in old_properties.items():
            child = f"{path}.{name}" if path else name
            if name not in new_properties:
                self.report(child, "was removed")
                continue
            self.compare(old_property, new_properties[name], child)
        for name in sorted(new_required - old_required):
            child = f"{path}.{name}" if path else name
            if name in old_properties:
                self.report(child, "became required")
            else:
                self.report(
                    child, "was added as a required property (new properties must be optional)"
                )


def _resolve(node: Any, root: Schema) -> Any:
    """``node`` with a local ``$ref`` replaced by its target (sibling keywords kept)."""
    hops = 0
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        target = _pointer(root, node["$ref"])
        if target is None:
            return node
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **siblings}
        hops += 1
        if hops > 32:
            raise ValueError(f"$ref chain too long at {node.get('$ref')}")
    return node


def _ref_of(node: Any) -> str:
    return str(node.get("$ref", "")) if isinstance(node, Mapping) else ""


def _pointer(root: Schema, ref: str) -> Any:
    if not ref.startswith("#"):
        return None  # not local: compared as an opaque schema
    node: Any = root
    for token in ref[1:].split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or token not in node:
            return None
        node = node[token]
    return node


def _branches(node: Any, root: Schema) -> Iterator[Schema]:
    """The alternatives a value may match: ``anyOf``/``oneOf`` flattened, refs resolved."""
    node = _resolve(node, root)
    if not isinstance(node, Mapping):
        yield {} if node is True or node is None else {"not": {}}
        return
    alternatives = node.get("anyOf") or node.get("oneOf")
    if alternatives:
        for alternative in alternatives:
            yield from _branches(alternative, root)
        return
    yield node


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _types(branch: Schema) -> list[str]:
    declared = branch.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [str(t) for t in declared]
    if "const" in branch:
        return [_json_type(branch["const"])]
    if "enum" in branch:
        return sorted({_json_type(v) for v in branch["enum"]})
    if "properties" in branch:
        return ["object"]
    if "items" in branch:
        return ["array"]
    return ["any"]


def _atoms(branches: list[Schema]) -> set[Atom]:
    return {(t, branch.get("format")) for branch in branches for t in _types(branch)}


def _by_atom(branches: list[Schema]) -> dict[Atom, Schema]:
    return {(t, branch.get("format")): branch for branch in branches for t in _types(branch)}


def _enum_values(branches: list[Schema]) -> list[Any] | None:
    """The allowed values when every non-null branch is an enum/const, else None."""
    values: list[Any] = []
    for branch in branches:
        if "const" in branch:
            values.append(branch["const"])
        elif "enum" in branch:
            values.extend(branch["enum"])
        elif _types(branch) != ["null"]:
            return None
    return values or None


def _describe(atoms: set[Atom]) -> str:
    return " or ".join(f"{t} ({fmt})" if fmt else t for t, fmt in sorted(atoms, key=str))


def _listing(values: Sequence[Any]) -> str:
    return ", ".join(json.dumps(v, ensure_ascii=False) for v in values)


# --- command line ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m common.events.compatibility",
        description="Check the contract catalogue against the lock, or record it deliberately.",
    )
    parser.add_argument("--lock", default=str(DEFAULT_LOCK_PATH), help="the lock file")
    parser.add_argument("--write", action="store_true", help="write the current snapshot")
    parser.add_argument(
        "--allow-breaking",
        action="store_true",
        help="with --write: record breaking changes too (a removed contract version)",
    )
    args = parser.parse_args(argv)
    if args.write:
        try:
            path = write_snapshot(args.lock, allow_breaking=args.allow_breaking)
        except BreakingChangeError as exc:
            print(
                f"{exc}\nnot written; add --allow-breaking if this is deliberate", file=sys.stderr
            )
            return 1
        print(f"wrote {path}", file=sys.stderr)
        return 0
    lock = load_snapshot(args.lock)
    problems = breaking_changes(lock, snapshot())
    problems += [
        f"{key}: not in the lock; run {SNAPSHOT_COMMAND}" for key in missing_from_lock(lock)
    ]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
