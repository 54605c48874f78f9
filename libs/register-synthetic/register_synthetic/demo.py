"""Demo data: a small slice of the synthetic register, loaded on the embedded run's first start.

The slice goes in through the register's own write use case, exactly as an ERP system's bulk
submissions do: each synthetic record becomes a wire item (``{"type", "record"}`` with the LBF
webservice's Danish field names, a lease carrying its housing expenses), is parsed by the same
parser as ``POST /register/v1/submissions`` and stored by :func:`register.services.submissions.submit`
in submissions of at most ``bulk_max_records`` (5,000) records. So every rule runs, every record
gets its history row, every submission its ``submissions`` row and every accepted change its
outbox event — the demo register is indistinguishable from one reported by ERP systems.

The submitter is an ERP client ``demo-seed`` acting for the slice's organisations (a
:class:`~common.auth.Principal` turned into a write scope with the register's writer roles).

First start only: if the register holds any organisation, nothing is done. The whole slice is
one transaction (one commit after the last submission), so an interrupted first start leaves an
empty register and the next start seeds again; a session advisory lock keeps two processes
starting at once from seeding twice.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import structlog
from sqlalchemy import select, text

from common.access import Scope
from common.auth import Principal, Role
from common.db.engine import Database
from common.db.uow import UnitOfWork
from register.api.deps import WRITER_ROLES
from register.api.schemas import RECORD_SCHEMAS, LeaseExpenseIn, SubmissionRecord, WireModel
from register.api.submissions import parse_record
from register.db.models import OrganisationRow
from register.domain.records import EntityType, Outcome
from register.services.submissions import SubmissionReport, SubmittedRecord, submit
from register.settings import RegisterSettings
from register_synthetic.generator import SyntheticRegister
from register_synthetic.records import (
    BuildingSection,
    Department,
    Dwelling,
    HousingExpense,
    Lease,
    Organisation,
)

log = structlog.get_logger(__name__)

DEMO_SUBJECT: Final = "demo-seed"
DEFAULT_DWELLINGS: Final = 500  # ~15 s through the write path; see PlatformSettings
DEFAULT_SEED: Final = 1
MAX_RECORDS_PER_SUBMISSION: Final = RegisterSettings.model_fields["bulk_max_records"].default
# pg_advisory_lock key: "register demo seed" (any constant the register uses for nothing else).
_SEED_LOCK: Final = 0x7265_6764_656D_6F31
_PROBLEMS_KEPT: Final = 20

SyntheticRecord = Organisation | Department | BuildingSection | Dwelling | Lease
# Columns of the synthetic rows that are not on the wire: the record's version (on the wire it
# is the version a change was based on), the derived region, and a lease's server-kept state.
_NOT_ON_THE_WIRE: Final = frozenset({"version", "region", "status", "warnings", "lease_id"})


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What :func:`seed_demo` did. ``stored`` counts records per entity type as stored (a lease's
    housing expenses are sent with it and counted under ``housing_expense``); ``accepted``,
    ``held``, ``draft`` and ``rejected`` count the submitted records by outcome."""

    seeded: bool
    detail: str
    seed: int
    dwellings: int
    submissions: int = 0
    stored: dict[str, int] = field(default_factory=dict)
    accepted: int = 0
    held: int = 0
    draft: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)  # the first held or rejected records
    seconds: float = 0.0


def _aliases(schema: type[WireModel]) -> dict[str, str]:
    return {name: info.alias or name for name, info in schema.model_fields.items()}


_ALIASES: Final = {entity: _aliases(schema) for entity, schema in RECORD_SCHEMAS.items()}
_EXPENSE_ALIASES: Final = _aliases(LeaseExpenseIn)


def _wire_fields(row: dict[str, Any], aliases: dict[str, str]) -> dict[str, Any]:
    """Column → value as the webservice's Danish field → value (unknown columns are left to the
    schema, which forbids them)."""
    return {aliases.get(name, name): v for name, v in row.items() if name not in _NOT_ON_THE_WIRE}


def wire_item(record: SyntheticRecord, expenses: Sequence[HousingExpense] = ()) -> SubmissionRecord:
    """A synthetic record as a bulk submission's item; a lease carries its housing expenses."""
    entity_type = EntityType(record.ENTITY)
    body = _wire_fields(record.as_row(), _ALIASES[entity_type])
    if isinstance(record, Lease):
        body[_ALIASES[EntityType.LEASE]["expenses"]] = [
            _wire_fields(expense.as_row(), _EXPENSE_ALIASES) for expense in expenses
        ]
    return SubmissionRecord(type=entity_type, record=body)


def _items(register: SyntheticRegister) -> Iterator[list[SubmissionRecord]]:
    """The organisations, then one list per department (its sections, dwellings and leases with
    their expenses): the unit a submission is filled with."""
    yield [wire_item(organisation) for organisation in register.organisations]
    for bundle in register.bundles():
        expenses: dict[str, list[HousingExpense]] = {}
        for expense in bundle.expenses:
            expenses.setdefault(expense.lease_id, []).append(expense)
        yield [
            wire_item(bundle.department),
            *(wire_item(section) for section in bundle.sections),
            *(wire_item(dwelling) for dwelling in bundle.dwellings),
            *(wire_item(lease, expenses.get(lease.id, ())) for lease in bundle.leases),
        ]


def _chunks(
    groups: Iterator[list[SubmissionRecord]], size: int
) -> Iterator[list[SubmissionRecord]]:
    """Submissions of at most ``size`` items, a department's records kept together where they
    fit (the order is kept, so a parent always comes before or with its children)."""
    chunk: list[SubmissionRecord] = []
    for group in groups:
        if chunk and len(chunk) + len(group) > size:
            yield chunk
            chunk = []
        chunk.extend(group)
        while len(chunk) >= size:
            yield chunk[:size]
            chunk = chunk[size:]
    if chunk:
        yield chunk


def _stored_counts(records: Sequence[SubmittedRecord], report: SubmissionReport) -> Counter[str]:
    counts: Counter[str] = Counter()
    for item, result in zip(records, report.results, strict=True):
        if result.outcome is Outcome.REJECTED or result.version is None:
            continue  # rejected, or a dwelling held back (dwellings have no held state)
        counts[item.entity_type.value] += 1
        if item.command is not None and item.entity_type is EntityType.LEASE:
            lease = item.command.record
            counts[EntityType.HOUSING_EXPENSE.value] += len(getattr(lease, "expenses", ()))
    return counts


def _problems(report: SubmissionReport) -> Iterator[str]:
    for result in report.results:
        if result.outcome is Outcome.REJECTED and result.problem is not None:
            details = "; ".join(f"{e.pointer}: {e.detail}" for e in result.problem.errors)
            yield f"{result.entity_type} {result.record_id} rejected: {details}"
        elif result.outcome is Outcome.HELD:
            details = "; ".join(f"{w.pointer}: {w.code}" for w in result.warnings)
            yield f"{result.entity_type} {result.record_id} held: {details}"


async def _register_is_empty(uow: UnitOfWork) -> bool:
    found = await uow.session.scalar(select(OrganisationRow.id).limit(1))
    return found is None


async def seed_demo(
    database: Database,
    *,
    dwellings: int = DEFAULT_DWELLINGS,
    seed: int = DEFAULT_SEED,
    max_records: int = MAX_RECORDS_PER_SUBMISSION,
) -> SeedReport:
    """Load ``dwellings`` dwellings of the synthetic register (``seed``) into an empty register
    through the bulk submission use case; a register with any organisation is left alone."""
    started = time.perf_counter()
    async with database.engine.connect() as lock:
        await lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _SEED_LOCK})
        try:
            return await _seed(database, dwellings, seed, max_records, started)
        finally:
            await lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _SEED_LOCK})


async def _seed(
    database: Database, dwellings: int, seed: int, max_records: int, started: float
) -> SeedReport:
    async with UnitOfWork(database) as uow:
        if not await _register_is_empty(uow):
            log.info("register.demo.skipped", reason="the register already has organisations")
            return SeedReport(
                seeded=False,
                detail="the register already has organisations",
                seed=seed,
                dwellings=dwellings,
            )
        register = SyntheticRegister(seed, dwellings)
        principal = Principal(
            subject=DEMO_SUBJECT,
            role=Role.ERP_CLIENT,
            organisation_ids=frozenset(org.id for org in register.organisations),
        )
        scope = Scope.of(principal, allowed=WRITER_ROLES, action="report to the register here")
        stored: Counter[str] = Counter()
        outcomes: Counter[Outcome] = Counter()
        problems: list[str] = []
        submissions = 0
        for chunk in _chunks(_items(register), max_records):
            records = [parse_record(index, item) for index, item in enumerate(chunk)]
            report = await submit(uow, scope, records, validate_only=False, max_records=max_records)
            submissions += 1
            stored += _stored_counts(records, report)
            outcomes.update(result.outcome for result in report.results)
            for problem in _problems(report):
                if len(problems) < _PROBLEMS_KEPT:
                    problems.append(problem)
            await uow.session.flush()  # the submission's counts; then a small identity map
            uow.session.expunge_all()
            log.info(
                "register.demo.progress",
                submission=submissions,
                records=sum(outcomes.values()),
                dwellings=stored[EntityType.DWELLING.value],
            )
        await uow.commit()
    result = SeedReport(
        seeded=True,
        detail=f"{dwellings:,} dwellings of the synthetic register (seed {seed})",
        seed=seed,
        dwellings=dwellings,
        submissions=submissions,
        stored={entity.value: stored[entity.value] for entity in EntityType},
        accepted=outcomes[Outcome.ACCEPTED],
        held=outcomes[Outcome.HELD],
        draft=outcomes[Outcome.DRAFT],
        rejected=outcomes[Outcome.REJECTED],
        problems=problems,
        seconds=round(time.perf_counter() - started, 2),
    )
    log.info(
        "register.demo.seeded",
        seed=seed,
        submissions=submissions,
        stored=result.stored,
        accepted=result.accepted,
        held=result.held,
        rejected=result.rejected,
        problems=problems or None,
        seconds=result.seconds,
    )
    return result
