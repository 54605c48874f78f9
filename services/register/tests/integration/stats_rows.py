"""Register rows written straight into the tables with SQL, for the read-side tests (vacancy,
statistics). Independent of the write API on purpose: the tests state the register's content
exactly, including leases in every status.

Use after the client is open (opening it empties the database)::

    client = await register_client()
    rows = StatsRows(register_db_url)
    rows.organisation("org-a")
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

import psycopg

from common.db.engine import libpq_dsn


class StatsRows:
    def __init__(self, url: str) -> None:
        self.connection = psycopg.connect(libpq_dsn(url), autocommit=True)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _insert(self, table: str, values: dict[str, Any]) -> None:
        columns = ", ".join(values)
        marks = ", ".join(f"%({c})s" for c in values)
        self.connection.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)

    def organisation(
        self, organisation_id: str, *, name: str | None = None, municipality: str = "101"
    ) -> str:
        self._insert(
            "organisations",
            {
                "id": organisation_id,
                "cvr": "12345678",
                "name": name or f"Boligorganisation {organisation_id}",
                "home_municipality_code": municipality,
                "version": 1,
            },
        )
        return organisation_id

    def department(
        self,
        department_id: str,
        organisation_id: str,
        *,
        municipality: str = "101",
        housing_type: str = "family",
        name: str | None = None,
    ) -> str:
        self._insert(
            "departments",
            {
                "id": department_id,
                "organisation_id": organisation_id,
                "name": name or f"Afdeling {department_id}",
                "municipality_code": municipality,
                "housing_type": housing_type,
                "construction_year": 1975,
                "building_type": "etage",
                "region": "capital" if municipality == "101" else "rest",
                "version": 1,
            },
        )
        return department_id

    def dwelling(
        self,
        dwelling_id: str,
        department_id: str,
        *,
        rooms: int = 3,
        area: Decimal | str = "80.00",
        postcode: str = "2300",
        city: str = "København S",
        street: str = "Solvej",
        house_number: str = "1",
        floor: str | None = "1",
        door: str | None = "th",
        step_free: bool | None = None,
        elevator: bool | None = None,
        wheelchair: bool | None = None,
    ) -> str:
        self._insert(
            "dwellings",
            {
                "id": dwelling_id,
                "department_id": department_id,
                "bbr_unit_id": f"bbr-{dwelling_id}",
                "street": street,
                "house_number": house_number,
                "floor": floor,
                "door": door,
                "postcode": postcode,
                "city": city,
                "rooms": rooms,
                "area_m2": Decimal(area),
                "step_free_access": step_free,
                "elevator": elevator,
                "wheelchair_accessible": wheelchair,
                "version": 1,
            },
        )
        return dwelling_id

    def lease(
        self,
        lease_id: str,
        dwelling_id: str,
        *,
        start: date,
        end: date | None = None,
        allocation: str = "external_waiting_list",
        status: str = "accepted",
        vacant_soon: bool = False,
        vacancy_loss: bool = False,
        tenant_name: str | None = "Hemmelig Lejer",
        rent: Decimal | str | None = None,
    ) -> str:
        """A lease; ``rent`` adds one ``base_rent`` expense valid over the whole lease."""
        self._insert(
            "leases",
            {
                "id": lease_id,
                "dwelling_id": dwelling_id,
                "external_reference": f"ERP-{lease_id}",
                "start_date": start,
                "end_date": end,
                "allocation_type": allocation,
                "vacancy_loss_flag": vacancy_loss,
                "vacant_soon_flag": vacant_soon,
                "deposit": Decimal("15000.00"),
                "tenant_name": tenant_name,
                "status": status,
                "warnings": "[]",
                "version": 1,
            },
        )
        if rent is not None:
            self.expense(lease_id, "base_rent", rent, start, end)
        return lease_id

    def expense(
        self,
        lease_id: str,
        expense_type: str,
        amount: Decimal | str,
        valid_from: date,
        valid_to: date | None = None,
    ) -> None:
        self._insert(
            "housing_expenses",
            {
                "lease_id": lease_id,
                "expense_type": expense_type,
                "monthly_amount": Decimal(amount),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "version": 1,
            },
        )

    def let(
        self,
        dwelling_ids: Iterable[str],
        *,
        rent: Decimal | str,
        start: date,
        allocation: str = "external_waiting_list",
        previous_from: date | None = None,
    ) -> None:
        """One accepted open lease per dwelling from ``start``; with ``previous_from`` an
        earlier accepted lease ``[previous_from, start - 1 day]`` makes it a re-letting."""
        for dwelling_id in dwelling_ids:
            if previous_from is not None:
                before = date.fromordinal(start.toordinal() - 1)
                self.lease(
                    f"{dwelling_id}-prev", dwelling_id, start=previous_from, end=before, rent="999"
                )
            self.lease(
                f"{dwelling_id}-cur", dwelling_id, start=start, rent=rent, allocation=allocation
            )
