"""Bulk submissions from ERP systems: many typed records, one result per record.

Records are applied in dependency order (organisations → departments → building sections →
dwellings → leases → expenses), set-based: each type's records are checked in Python and
written with a few statements (``register.services.writing``); a rejected record leaves no trace
while the valid ones are stored (partial acceptance), and a database error the rules could not
foresee sends that type's records through one savepoint each, so it rejects only its record. A validate-only submission runs exactly
the same pipeline and then rolls the whole transaction back: every rule runs, records may refer
to parents earlier in the same submission, and nothing is stored or published.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from common.access import Scope
from common.db.uow import UnitOfWork
from common.errors import DomainError, FieldError
from common.events.contracts import Contract
from common.problems import PROBLEM_TYPE_PREFIX, status_for
from register.db.repositories import RegisterRepository, Submission
from register.domain.errors import RecordRejectedError
from register.domain.records import EntityType, Outcome
from register.events.outgoing import publish
from register.services.writing import (
    RecordWriter,
    WriteCommand,
    WriteMode,
    WriteOutcome,
    WriteRequest,
    WriteResult,
)


@dataclass(frozen=True, slots=True)
class SubmittedRecord:
    """One record of a submission as the route parsed it: a command, or why it is unreadable."""

    index: int
    entity_type: EntityType
    record_id: str | None
    command: WriteCommand | None
    parse_errors: list[FieldError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RecordProblem:
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError]


@dataclass(frozen=True, slots=True)
class RecordResult:
    index: int
    entity_type: EntityType
    record_id: str | None
    outcome: Outcome
    changed: bool = False
    version: int | None = None
    warnings: list[FieldError] = field(default_factory=list)
    problem: RecordProblem | None = None


@dataclass(frozen=True, slots=True)
class SubmissionReport:
    submission_id: uuid.UUID
    validate_only: bool
    results: list[RecordResult]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)


class TooManyRecordsError(RecordRejectedError):
    code = "too-many-records"
    title = "Too many records in one submission"


def _rejected(item: SubmittedRecord, error: DomainError) -> RecordResult:
    return RecordResult(
        index=item.index,
        entity_type=item.entity_type,
        record_id=item.record_id,
        outcome=Outcome.REJECTED,
        problem=RecordProblem(
            type=f"{PROBLEM_TYPE_PREFIX}{error.code}",
            title=error.title,
            status=status_for(error),
            detail=error.detail,
            errors=list(error.errors),
        ),
    )


def _result(item: SubmittedRecord, outcome: WriteResult) -> RecordResult:
    if isinstance(outcome, DomainError):
        return _rejected(item, outcome)
    return RecordResult(
        index=item.index,
        entity_type=item.entity_type,
        record_id=outcome.entity_id,
        outcome=outcome.outcome,
        changed=outcome.changed,
        version=outcome.version,
        warnings=[*outcome.warnings, *outcome.notices],
    )


async def submit(
    uow: UnitOfWork,
    scope: Scope,
    records: list[SubmittedRecord],
    *,
    validate_only: bool,
    max_records: int,
) -> SubmissionReport:
    if len(records) > max_records:
        raise TooManyRecordsError(
            [
                FieldError(
                    "#/records",
                    f"A submission carries at most {max_records} records, this one "
                    f"{len(records)}; split it.",
                    "too-many-records",
                )
            ]
        )
    submission_id = uuid.uuid4()
    writer = RecordWriter(uow.session, scope, submission_id)
    readable = [item for item in records if item.command is not None]
    outcomes = await writer.write(
        [
            (
                item.command,
                WriteRequest(
                    WriteMode.UPSERT,
                    expected_version=item.command.expected_version,
                    confirmed=item.command.confirmed,
                    pointer_prefix=("records", item.index, "record"),
                ),
            )
            for item in readable
            if item.command is not None
        ],
        isolate=True,
    )
    results = {
        item.index: _result(item, outcome) for item, outcome in zip(readable, outcomes, strict=True)
    }
    for item in records:
        if item.command is None:
            results[item.index] = _rejected(item, RecordRejectedError(item.parse_errors))
    report = SubmissionReport(submission_id, validate_only, [results[r.index] for r in records])
    events: list[Contract] = [
        event
        for outcome in outcomes
        if isinstance(outcome, WriteOutcome)
        for event in outcome.events
    ]
    if validate_only:
        await uow.rollback()  # nothing stored, no events; only the submission is recorded
        events = []
    await RegisterRepository(uow.session).add_submission(
        Submission(
            submission_id,
            kind="validate" if validate_only else "bulk",
            submitted_by=scope.subject,
            organisation_ids=sorted(scope.organisation_ids or ()),
            accepted=report.count(Outcome.ACCEPTED) + report.count(Outcome.DRAFT),
            held=report.count(Outcome.HELD),
            rejected=report.count(Outcome.REJECTED),
        )
    )
    publish(uow, events)
    return report
