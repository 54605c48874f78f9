"""Rows for the read-side tests, written straight into the register's tables with SQLAlchemy
Core (the write API is not needed): organisations, departments, dwellings, leases, housing
expenses, record versions and submissions.

Open the service client first (it empties the database), then seed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import create_engine, insert

from register.db.models import (
    DepartmentRow,
    DwellingRow,
    HousingExpenseRow,
    LeaseRow,
    OrganisationRow,
    RecordVersionRow,
    SubmissionRow,
)

organisations = OrganisationRow.__table__
departments = DepartmentRow.__table__
dwellings = DwellingRow.__table__
leases = LeaseRow.__table__
housing_expenses = HousingExpenseRow.__table__
record_versions = RecordVersionRow.__table__
submissions = SubmissionRow.__table__


def at(text: str) -> datetime:
    """``"2024-06-01T12:00"`` → an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def dwelling_values(dwelling_id: str, department_id: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": dwelling_id,
        "department_id": department_id,
        "building_section_id": None,
        "bbr_unit_id": f"bbr-{dwelling_id}",
        "street": "Ryesgade",
        "house_number": "12",
        "floor": "2",
        "door": "tv",
        "postcode": "2200",
        "city": "København N",
        "rooms": 3,
        "area_m2": Decimal("78.00"),
        "step_free_access": True,
        "elevator": False,
        "wheelchair_accessible": False,
    }
    values.update(overrides)
    return values


def lease_values(
    lease_id: str, dwelling_id: str, start: date, end: date | None = None, **overrides: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": lease_id,
        "dwelling_id": dwelling_id,
        "external_reference": f"ext-{lease_id}",
        "start_date": start,
        "end_date": end,
        "allocation_type": "external_waiting_list",
        "vacancy_loss_flag": False,
        "vacant_soon_flag": False,
        "deposit": Decimal("15000.00"),
        "tenant_name": f"Tenant of {lease_id}",
        "status": "accepted",
        "warnings": [],
    }
    values.update(overrides)
    return values


def as_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """A record's columns as ``record_versions.data`` holds them (dates ISO, amounts as text)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Decimal):
            out[key] = format(value.quantize(Decimal("0.01")), "f")
        elif isinstance(value, date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


class Seed:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

    def dispose(self) -> None:
        self.engine.dispose()

    def _insert(self, table: Any, rows: list[dict[str, Any]] | dict[str, Any]) -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(table), rows if isinstance(rows, list) else [rows])

    def organisation(self, organisation_id: str, municipality: str = "101") -> None:
        self._insert(
            organisations,
            {
                "id": organisation_id,
                "cvr": "12345678",
                "name": f"Boligselskabet {organisation_id}",
                "home_municipality_code": municipality,
                "version": 1,
            },
        )

    def department(
        self, department_id: str, organisation_id: str, municipality: str = "101", **kw: Any
    ) -> None:
        values = {
            "id": department_id,
            "organisation_id": organisation_id,
            "name": f"Afdeling {department_id}",
            "municipality_code": municipality,
            "housing_type": "family",
            "construction_year": 1972,
            "building_type": "etage",
            "region": "capital",
            "version": 1,
        }
        values.update(kw)
        self._insert(departments, values)

    def dwelling(self, dwelling_id: str, department_id: str, **overrides: Any) -> dict[str, Any]:
        values = dwelling_values(dwelling_id, department_id, **overrides)
        self._insert(dwellings, {**values, "version": 1})
        return values

    def dwellings(self, rows: Iterable[dict[str, Any]]) -> None:
        self._insert(dwellings, [{**r, "version": 1} for r in rows])

    def lease(
        self,
        lease_id: str,
        dwelling_id: str,
        start: date,
        end: date | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        values = lease_values(lease_id, dwelling_id, start, end, **overrides)
        self._insert(leases, {**values, "version": 1})
        return values

    def leases(self, rows: Iterable[dict[str, Any]]) -> None:
        self._insert(leases, [{**r, "version": 1} for r in rows])

    def expense(
        self,
        lease_id: str,
        expense_type: str,
        amount: str,
        valid_from: date,
        valid_to: date | None = None,
        *,
        expense_id: int | None = None,
    ) -> dict[str, Any]:
        values: dict[str, Any] = {
            "lease_id": lease_id,
            "expense_type": expense_type,
            "monthly_amount": Decimal(amount),
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
        if expense_id is not None:
            values["id"] = expense_id
        with self.engine.begin() as connection:
            new_id = connection.execute(
                insert(housing_expenses).returning(housing_expenses.c.id), [values]
            ).scalar_one()
        return {"id": new_id, **values}

    def expenses(self, rows: Iterable[dict[str, Any]]) -> None:
        self._insert(housing_expenses, list(rows))

    def version(
        self,
        entity_type: str,
        entity_id: str,
        version: int,
        data: Mapping[str, Any],
        recorded_at: datetime,
        *,
        organisation_id: str = "ORG-1",
        recorded_by: str = "erp_client:erp-1",
        submission_id: uuid.UUID | None = None,
    ) -> None:
        self._insert(
            record_versions,
            {
                "entity_type": entity_type,
                "entity_id": entity_id,
                "version": version,
                "organisation_id": organisation_id,
                "data": as_json(data),
                "recorded_at": recorded_at,
                "recorded_by": recorded_by,
                "submission_id": submission_id,
            },
        )

    def submission(
        self, kind: str, organisation_ids: list[str], submitted_at: datetime, by: str = "erp-1"
    ) -> None:
        self._insert(
            submissions,
            {
                "id": uuid.uuid4(),
                "kind": kind,
                "submitted_by": by,
                "organisation_ids": organisation_ids,
                "submitted_at": submitted_at,
                "accepted": 1,
                "rejected": 0,
                "held": 0,
            },
        )
