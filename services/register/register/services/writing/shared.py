"""What planning every record type shares: the caller's scope and today's date, the guard on an
existing record (ownership, create/update, expected version), and findings as field errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from common.access import Scope
from common.errors import FieldError, StaleVersionError
from common.problems import json_pointer
from register.db.models import DepartmentRow
from register.db.writing import WriteState
from register.domain import rules
from register.domain.errors import RecordExistsError, RecordNotFoundError, RecordRejectedError
from register.domain.records import Finding, Severity
from register.services.writing.commands import WriteMode, WriteRequest

WRITE_ACTION = "report records"


def field_errors(request: WriteRequest, findings: Sequence[Finding]) -> list[FieldError]:
    return [
        FieldError(json_pointer((*request.pointer_prefix, *f.path)), f.detail, f.code)
        for f in findings
    ]


def raise_errors(request: WriteRequest, findings: Sequence[Finding]) -> None:
    errors = rules.errors_of(findings)
    if errors:
        raise RecordRejectedError(field_errors(request, errors))


def unknown_parent(path: str, what: str, parent_id: str) -> Finding:
    return Finding(
        Severity.ERROR,
        (path,),
        "unknown-parent",
        f"{what} '{parent_id}' does not exist among your organisations' records; "
        "report it first (earlier in the same submission is fine).",
    )


@dataclass(frozen=True, slots=True)
class Planning:
    """Who writes (an organisation-scoped caller) and which day it is in Denmark."""

    scope: Scope
    today: date

    def writable(self, organisation_id: str) -> bool:
        return self.scope.acts_for(organisation_id)

    def ensure_writable(self, organisation_id: str) -> None:
        """403 for a record naming an organisation the caller does not act for."""
        self.scope.ensure_acts_for(organisation_id, WRITE_ACTION)

    def guard_existing(
        self,
        request: WriteRequest,
        existing: Any,
        owner: str | None,
        what: str,
        record_id: str,
    ) -> None:
        """An update needs the caller's own stored record (404 otherwise); a create of an id
        that exists, or a bulk upsert of another organisation's id, is a 409 that says nothing
        about whose record it is (the ids are the submitters' own, so a taken id cannot be
        hidden — but its owner is); one at another version than expected a 412."""
        if request.mode is WriteMode.UPDATE and (
            existing is None or owner is None or not self.writable(owner)
        ):
            raise RecordNotFoundError(f"{what} '{record_id}' was not found.")
        if existing is None:
            return
        if request.mode is WriteMode.CREATE or owner is None or not self.writable(owner):
            raise RecordExistsError(
                f"{what} '{record_id}' already exists. If it is one of your records, change it "
                "with PUT and its version; otherwise the id is taken: use another."
            )
        if request.expected_version is not None and existing.version != request.expected_version:
            raise StaleVersionError(
                f"{what} '{record_id}' is at version {existing.version}, not "
                f"{request.expected_version}: read it again and apply your change to it."
            )

    def guard_owner_and_existing(
        self,
        request: WriteRequest,
        named_organisation: str | None,
        existing: Any,
        owner: str | None,
        what: str,
        record_id: str,
    ) -> None:
        """For records that name their organisation: a create or bulk upsert naming one the
        caller does not act for is a 403 whether or not the id exists (no existence oracle);
        an update of another organisation's record stays a 404."""
        if request.mode is WriteMode.UPDATE:
            self.guard_existing(request, existing, owner, what, record_id)
        if named_organisation is not None:
            self.ensure_writable(named_organisation)
        if request.mode is not WriteMode.UPDATE:
            self.guard_existing(request, existing, owner, what, record_id)

    def writable_department(
        self, state: WriteState, department_id: str | None, findings: list[Finding]
    ) -> DepartmentRow | None:
        """The parent department, if it is stored (or planned) and the caller's."""
        if department_id is None:
            return None
        department = state.departments.get(department_id)
        if department is None or not self.writable(department.organisation_id):
            findings.append(unknown_parent("AfdelingIdentifikator", "Department", department_id))
            return None
        return department
