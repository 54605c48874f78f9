"""Planning the register's master data: organisations, departments, building sections and
dwellings — each checked against the prefetched state, stored if it changed, with its history
snapshot and (organisations, departments) the event consumers keep their read models with."""

from __future__ import annotations

from stdnum.dk import cvr as cvr_number

from common.events.contracts import Contract
from common.problems import json_pointer
from register.db.models import BuildingSectionRow, DepartmentRow, DwellingRow, OrganisationRow
from register.db.writing import WriteSet, WriteState
from register.domain import rules
from register.domain.codes import region_of
from register.domain.records import (
    BuildingSection,
    Department,
    Dwelling,
    EntityType,
    Finding,
    Organisation,
    Outcome,
)
from register.events import outgoing
from register.services.writing.commands import BatchItem, HeldDwelling, WriteOutcome
from register.services.writing.shared import (
    Planning,
    field_errors,
    raise_errors,
    unknown_parent,
)


def plan_organisation(
    planning: Planning, item: BatchItem, state: WriteState, writes: WriteSet
) -> WriteOutcome:
    record, request = item.command.record, item.request
    assert isinstance(record, Organisation)
    existing = state.organisations.get(record.id)
    planning.guard_owner_and_existing(
        request, record.id, existing, existing.id if existing else None, "Organisation", record.id
    )
    raise_errors(request, rules.check_organisation(record))
    assert record.cvr
    assert record.name
    assert record.home_municipality_code
    values = {
        "id": record.id,
        "cvr": cvr_number.compact(record.cvr),
        "name": record.name,
        "home_municipality_code": record.home_municipality_code,
        "administered_by": record.administered_by,
    }
    row, changed = writes.put(OrganisationRow, existing, values)
    events: list[Contract] = []
    if changed:
        writes.record_version(EntityType.ORGANISATION, row, row.id)
        events.append(outgoing.organisation_upserted(row))
    state.organisations[row.id] = row
    return WriteOutcome(
        EntityType.ORGANISATION, row.id, Outcome.ACCEPTED, changed, row.version, row, events=events
    )


def plan_department(
    planning: Planning, item: BatchItem, state: WriteState, writes: WriteSet
) -> WriteOutcome:
    record, request = item.command.record, item.request
    assert isinstance(record, Department)
    existing = state.departments.get(record.id)
    owner = existing.organisation_id if existing else None
    planning.guard_owner_and_existing(
        request, record.organisation_id, existing, owner, "Department", record.id
    )
    findings: list[Finding] = []
    if record.organisation_id is not None and record.organisation_id not in state.organisations:
        findings.append(
            unknown_parent("BoligorganisationIdentifikator", "Organisation", record.organisation_id)
        )
    findings += rules.check_department(record, planning.today)
    raise_errors(request, findings)
    assert record.organisation_id
    assert record.municipality_code
    values = {
        "id": record.id,
        "organisation_id": record.organisation_id,
        "name": record.name,
        "municipality_code": record.municipality_code,
        "housing_type": record.housing_type,
        "construction_year": record.construction_year,
        "building_type": record.building_type,
        "region": region_of(record.municipality_code).value,
    }
    row, changed = writes.put(DepartmentRow, existing, values)
    events: list[Contract] = []
    if changed:
        writes.record_version(EntityType.DEPARTMENT, row, row.organisation_id)
        events.append(outgoing.department_upserted(row))
    state.departments[row.id] = row
    return WriteOutcome(
        EntityType.DEPARTMENT, row.id, Outcome.ACCEPTED, changed, row.version, row, events=events
    )


def _owner_of_department_child(state: WriteState, department_id: str | None) -> str | None:
    """The organisation owning a stored section's or dwelling's department, if known."""
    department = state.departments.get(department_id) if department_id else None
    return department.organisation_id if department else None


def plan_building_section(
    planning: Planning, item: BatchItem, state: WriteState, writes: WriteSet
) -> WriteOutcome:
    record, request = item.command.record, item.request
    assert isinstance(record, BuildingSection)
    existing = state.sections.get(record.id)
    owner = _owner_of_department_child(state, existing.department_id) if existing else None
    planning.guard_existing(request, existing, owner, "Building section", record.id)
    findings: list[Finding] = []
    department = planning.writable_department(state, record.department_id, findings)
    findings += rules.check_building_section(record, planning.today)
    raise_errors(request, findings)
    assert department is not None
    values = {
        "id": record.id,
        "department_id": department.id,
        "name": record.name,
        "construction_year": record.construction_year,
    }
    row, changed = writes.put(BuildingSectionRow, existing, values)
    if changed:
        writes.record_version(EntityType.BUILDING_SECTION, row, department.organisation_id)
    state.sections[row.id] = row
    return WriteOutcome(
        EntityType.BUILDING_SECTION, row.id, Outcome.ACCEPTED, changed, row.version, row
    )


def plan_dwelling(
    planning: Planning, item: BatchItem, state: WriteState, writes: WriteSet
) -> WriteOutcome:
    """A dwelling with plausibility warnings is held until its submitter confirms them, as a
    lease is: kept in ``held_dwellings`` (not in the register: not published, not counted, no
    parent of leases yet) and stored when confirmed (``POST /dwellings/{id}/confirm`` or
    ``/dwellings/confirmations``) or sent again with the warnings confirmed."""
    record, request = item.command.record, item.request
    assert isinstance(record, Dwelling)
    existing = state.dwellings.get(record.id)
    owner = _owner_of_department_child(state, existing.department_id) if existing else None
    planning.guard_existing(request, existing, owner, "Dwelling", record.id)
    findings: list[Finding] = []
    department = planning.writable_department(state, record.department_id, findings)
    section_department_id = None
    if record.building_section_id is not None:
        section = state.sections.get(record.building_section_id)
        section_department = state.departments.get(section.department_id) if section else None
        if section_department is None or not planning.writable(section_department.organisation_id):
            findings.append(
                unknown_parent(
                    "ByggeafsnitIdentifikator", "Building section", record.building_section_id
                )
            )
        else:
            section_department_id = section_department.id
    findings += rules.check_dwelling(record, section_department_id)
    raise_errors(request, findings)
    assert department is not None
    found = rules.warnings_of(findings)
    warnings = field_errors(request, found)
    if warnings and not request.confirmed:
        held = HeldDwelling(
            record=record,
            organisation_id=department.organisation_id,
            warnings=[
                {"pointer": json_pointer(w.path), "code": w.code, "detail": w.detail} for w in found
            ],
            mode=request.mode,
            expected_version=request.expected_version,
        )
        return WriteOutcome(
            EntityType.DWELLING,
            record.id,
            Outcome.HELD,
            True,
            existing.version if existing else None,
            warnings=warnings,
            held=held,
        )
    values = {
        "id": record.id,
        "department_id": department.id,
        "building_section_id": record.building_section_id,
        "bbr_unit_id": record.bbr_unit_id,
        "street": record.street,
        "house_number": record.house_number,
        "floor": record.floor,
        "door": record.door,
        "postcode": record.postcode,
        "city": record.city,
        "rooms": record.rooms,
        "area_m2": record.area_m2,
        "step_free_access": record.step_free_access,
        "elevator": record.elevator,
        "wheelchair_accessible": record.wheelchair_accessible,
    }
    row, changed = writes.put(DwellingRow, existing, values)
    if changed:
        writes.record_version(EntityType.DWELLING, row, department.organisation_id)
    state.dwellings[row.id] = row
    return WriteOutcome(
        EntityType.DWELLING,
        row.id,
        Outcome.ACCEPTED,
        changed,
        row.version,
        row,
        warnings=warnings,
    )
