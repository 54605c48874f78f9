"""What the writer is asked to store and what it answers, per record."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from common.errors import DomainError, FieldError
from common.events.contracts import Contract
from register.domain.records import (
    BuildingSection,
    Department,
    Dwelling,
    EntityType,
    FieldPath,
    HousingExpense,
    Lease,
    Organisation,
    Outcome,
)

DomainRecord = Organisation | Department | BuildingSection | Dwelling | Lease | HousingExpense


class WriteMode(StrEnum):
    CREATE = "create"  # POST: the record must not exist (409)
    UPDATE = "update"  # PUT: the record must exist and be the caller's (404)
    UPSERT = "upsert"  # bulk: create or replace; another organisation's record is a 403


@dataclass(frozen=True, slots=True)
class WriteCommand:
    """One record to store, as the route (or a bulk submission) read it."""

    entity_type: EntityType
    record: DomainRecord
    expected_version: int | None = None
    confirmed: bool = False
    lease_id: str | None = None  # a housing expense's lease
    expense_id: int | None = None  # a housing expense being updated


@dataclass(frozen=True, slots=True)
class WriteRequest:
    """How to store it: ``pointer_prefix`` locates the record in a submission (empty for a
    single record, whose rejection is raised instead of returned)."""

    mode: WriteMode
    expected_version: int | None = None
    confirmed: bool = False
    pointer_prefix: FieldPath = ()

    @property
    def single(self) -> bool:
        return not self.pointer_prefix


@dataclass(slots=True)
class WriteOutcome:
    entity_type: EntityType
    entity_id: str
    outcome: Outcome
    changed: bool
    version: int | None
    row: Any = None
    warnings: list[FieldError] = field(default_factory=list)
    events: list[Contract] = field(default_factory=list)
    # What the register kept against the record as sent (it is stored, not held): said on the
    # write, never stored (a lease's municipal allocation type).
    notices: list[FieldError] = field(default_factory=list)
    # A dwelling held by its warnings: what to keep until it is confirmed (HeldDwelling).
    held: HeldDwelling | None = None


@dataclass(frozen=True, slots=True)
class HeldDwelling:
    record: Dwelling
    organisation_id: str
    warnings: list[dict[str, str]]
    mode: WriteMode
    expected_version: int | None


WriteResult = WriteOutcome | DomainError


@dataclass(frozen=True, slots=True)
class BatchItem:
    """A command of a batch, with its position in the caller's list."""

    position: int
    command: WriteCommand
    request: WriteRequest
