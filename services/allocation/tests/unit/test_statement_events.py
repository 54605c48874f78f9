"""The vacancy batch statement's document (``register_facts.statement_events``): per event an
array of the values the statement reads by position, each in the contract's JSON form."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from allocation.services import register_facts
from common.events.contracts import DwellingVacancyChangedV1, HousingType

# the positions the statement reads (``repositories._APPLY_VACANCIES``: ``v->>0`` … ``v->>10``)
READ = (
    "dwelling_id",
    "lease_id",
    "department_id",
    "organisation_id",
    "municipality_code",
    "housing_type",
    "lease_end_date",
    "vacancy_loss_flag",
    "vacant_soon_flag",
    "monthly_rent",
    "recorded_at",
)


@pytest.mark.parametrize("housing_type", list(HousingType))
@pytest.mark.parametrize("lease_end_date", [date(2027, 3, 31), None])
def test_each_event_is_the_array_of_its_values_in_the_contracts_json_form(
    housing_type: HousingType, lease_end_date: date | None
) -> None:
    events = [
        DwellingVacancyChangedV1(
            dwelling_id=f"dw-{n}",
            lease_id=f"lease-{n}",
            department_id="dep-1",
            organisation_id="BO-1",
            municipality_code="101",
            lease_start_date=date(2015, 1, 1),
            lease_end_date=lease_end_date,
            vacancy_loss_flag=n == 1,
            vacant_soon_flag=n == 0,
            monthly_rent=Decimal("6250.5"),
            area_m2=Decimal("72.5"),
            rooms=3,
            housing_type=housing_type,
            recorded_at=datetime(2027, 3, 1, 23, 30, 0, 250, tzinfo=UTC),
        )
        for n in range(2)
    ]

    document = json.loads(register_facts.statement_events(events))

    assert document == [[event.model_dump(mode="json")[name] for name in READ] for event in events]
    assert document[0][5] == housing_type.value  # the value, not the member's name
    assert document[0][9] == "6250.50"
