"""The synthetic national register: deterministic, streaming, and shaped like seed 003."""

from __future__ import annotations

import itertools
import json
import tracemalloc
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from stdnum.dk import cvr

from common.municipalities import MUNICIPALITIES
from register.db.models import Base
from register.domain.codes import (
    CAPITAL_REGION,
    RENT_FORMING,
    AllocationType,
    HousingType,
)
from register_synthetic import (
    TABLE_COLUMNS,
    BuildingSection,
    Department,
    Dwelling,
    HousingExpense,
    Lease,
    Organisation,
    Summary,
    SyntheticRegister,
    iter_records,
    iter_table_rows,
    summary,
)
from register_synthetic.cli import main
from register_synthetic.shape import (
    FAMILY_RENT_BANDS,
    HOUSING_TYPE_SHARES,
    OTHER_RENT_RANGES,
    RELETTING_ALLOCATION_COUNTS,
)

SEED = 11
DWELLINGS = 20_000
RELET_YEAR = 2022
SNAPSHOT = date(RELET_YEAR + 1, 1, 1)
PP = 0.02  # tolerance: two percentage points

# Filled by PostgreSQL, not by the generator.
SERVER_FILLED = {"created_at", "updated_at"}
SERVER_FILLED_BY_TABLE = {"housing_expenses": {"id"}}


@dataclass
class Register:
    organisations: list[Organisation]
    departments: list[Department]
    sections: list[BuildingSection]
    dwellings: list[Dwelling]
    leases: list[Lease]
    expenses: list[HousingExpense]


@pytest.fixture(scope="module")
def register() -> Register:
    records = [
        record for _, record in iter_records(SEED, dwellings=DWELLINGS, relet_year=RELET_YEAR)
    ]
    return Register(
        organisations=[r for r in records if isinstance(r, Organisation)],
        departments=[r for r in records if isinstance(r, Department)],
        sections=[r for r in records if isinstance(r, BuildingSection)],
        dwellings=[r for r in records if isinstance(r, Dwelling)],
        leases=[r for r in records if isinstance(r, Lease)],
        expenses=[r for r in records if isinstance(r, HousingExpense)],
    )


@pytest.fixture(scope="module")
def counted() -> Summary:
    return summary(SEED, dwellings=DWELLINGS, relet_year=RELET_YEAR)


def _rows(seed: int, dwellings: int) -> list[tuple[str, dict[str, object]]]:
    return [(entity, record.as_row()) for entity, record in iter_records(seed, dwellings)]


# --- determinism, streaming -------------------------------------------------------------------


def test_the_same_seed_gives_the_same_register() -> None:
    assert _rows(3, 3_000) == _rows(3, 3_000)


def test_different_seeds_give_different_registers() -> None:
    assert _rows(3, 3_000) != _rows(4, 3_000)


def test_the_global_random_state_is_left_alone() -> None:
    import random

    random.seed(99)
    expected = random.random()
    random.seed(99)
    for _ in iter_records(5, 500):
        pass
    assert random.random() == expected


def test_the_stream_starts_before_the_register_is_built() -> None:
    records = iter_records(1, dwellings=640_000)
    first = list(itertools.islice(records, 600))
    assert [entity for entity, _ in first[:500]] == ["organisation"] * 500
    assert first[500][0] == "department"


@pytest.mark.slow  # ~45 s: tracemalloc slows the generator ~6x
def test_memory_stays_flat_over_200000_dwellings() -> None:
    """The COPY batches of 200,000 dwellings (about 1.1 M rows) never hold much at once."""
    tracemalloc.start()
    try:
        dwellings = 0
        for table, rows in iter_table_rows(2, dwellings=200_000):
            if table == "dwellings":
                dwellings += len(rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert dwellings == 200_000
    assert peak < 50 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MB"


# --- shares (seed 003) -------------------------------------------------------------------------


def test_housing_type_shares_are_78_14_8(counted: Summary) -> None:
    assert sum(counted.dwellings_by_type.values()) == DWELLINGS
    for housing_type, share in HOUSING_TYPE_SHARES.items():
        assert counted.share(counted.dwellings_by_type, housing_type.value) == pytest.approx(
            share, abs=PP
        )


def test_family_rents_follow_figure_4(counted: Summary) -> None:
    total = sum(band.dwellings for band in FAMILY_RENT_BANDS)
    assert sum(counted.family_rent_bands.values()) == counted.family_dwellings
    for band in FAMILY_RENT_BANDS:
        assert counted.share(counted.family_rent_bands, band.label) == pytest.approx(
            band.dwellings / total, abs=PP
        ), band.label
    under_4500 = sum(counted.family_rent_bands[band.label] for band in FAMILY_RENT_BANDS[:2])
    assert under_4500 / counted.family_dwellings == pytest.approx(110_800 / 506_300, abs=PP)


def test_about_11_percent_of_family_dwellings_are_relet(counted: Summary) -> None:
    assert counted.reletting_share == pytest.approx(57_862 / 506_300, abs=0.015)


def test_relettings_follow_table_1(counted: Summary) -> None:
    total = sum(RELETTING_ALLOCATION_COUNTS.values())
    assert total == 57_862
    for allocation, count in RELETTING_ALLOCATION_COUNTS.items():
        share = counted.share(counted.family_relettings, allocation.value)
        assert share == pytest.approx(count / total, abs=PP), allocation


def test_summary_counts_match_the_stream(register: Register, counted: Summary) -> None:
    assert counted.counts == {
        "organisation": len(register.organisations),
        "department": len(register.departments),
        "building_section": len(register.sections),
        "dwelling": len(register.dwellings),
        "lease": len(register.leases),
        "housing_expense": len(register.expenses),
    }
    assert counted.both_flags == 0
    assert "Family rents (Figure 4)" in counted.as_text()


def test_all_98_municipalities_are_used_at_100000_dwellings() -> None:
    assert summary(1, dwellings=100_000).municipalities == set(MUNICIPALITIES)


# --- organisations, departments ----------------------------------------------------------------


def test_organisations_have_valid_unique_cvr_numbers(register: Register) -> None:
    numbers = [org.cvr for org in register.organisations]
    assert all(cvr.is_valid(number) for number in numbers)
    assert len(set(numbers)) == len(numbers)


def test_national_scale_has_about_500_organisations_some_administered() -> None:
    organisations = SyntheticRegister(1).organisations
    assert len(organisations) == 500
    assert all(cvr.is_valid(org.cvr) for org in organisations)
    administrators = {org.administered_by for org in organisations} - {None}
    administered = [org for org in organisations if org.administered_by]
    assert 1 < len(administrators) <= 10
    assert 0.05 < len(administered) / len(organisations) < 0.15
    ids = {org.id for org in organisations}
    assert administrators <= ids
    assert all(org.home_municipality_code in MUNICIPALITIES for org in organisations)


def test_departments_lie_in_real_municipalities(register: Register) -> None:
    owners = {org.id for org in register.organisations}
    for department in register.departments:
        assert department.municipality_code in MUNICIPALITIES
        assert department.organisation_id in owners
        assert 1930 <= department.construction_year <= RELET_YEAR - 1
        assert department.building_type in {"etage", "tæt-lav"}
        assert department.housing_type in {t.value for t in HousingType}
        expected = "capital" if department.municipality_code in CAPITAL_REGION else "rest"
        assert department.region == expected


def test_big_cities_have_the_most_dwellings(register: Register) -> None:
    municipality = {d.id: d.municipality_code for d in register.departments}
    per_municipality = Counter(municipality[d.department_id] for d in register.dwellings)
    top4 = {code for code, _ in per_municipality.most_common(4)}
    assert top4 == {"101", "751", "461", "851"}


# --- dwellings ---------------------------------------------------------------------------------


def test_dwellings_have_plausible_rooms_areas_and_addresses(register: Register) -> None:
    housing_type = {d.id: d.housing_type for d in register.departments}
    area_limits = {"family": (45, 130), "youth": (25, 50), "elderly": (45, 80)}
    for dwelling in register.dwellings:
        low, high = area_limits[housing_type[dwelling.department_id]]
        assert low <= dwelling.area_m2 <= high
        assert dwelling.area_m2 == dwelling.area_m2.quantize(Decimal("0.01"))
        assert 1 <= dwelling.rooms <= 6
        assert len(dwelling.postcode) == 4
        assert dwelling.postcode.isdigit()
        assert all((dwelling.street, dwelling.house_number, dwelling.city))


def test_elderly_dwellings_are_mostly_accessible(register: Register) -> None:
    housing_type = {d.id: d.housing_type for d in register.departments}
    elderly = [d for d in register.dwellings if housing_type[d.department_id] == "elderly"]
    assert sum(bool(d.step_free_access) for d in elderly) / len(elderly) > 0.8


# --- leases and expenses -----------------------------------------------------------------------


def test_some_vacancy_leases_carry_the_municipal_code(register: Register) -> None:
    """ERP systems code the vacancy lease either way; statistics must not count the municipal
    ones as municipal lettings (issue 12, item 7), so the register has both."""
    codes = Counter(lease.allocation_type for lease in register.leases if lease.vacancy_loss_flag)
    assert codes[AllocationType.MUNICIPAL_ALLOCATION] > 0
    assert codes[AllocationType.EXTERNAL_WAITING_LIST] > codes[AllocationType.MUNICIPAL_ALLOCATION]


def test_never_both_vacancy_flags_and_no_tenant_names(register: Register) -> None:
    assert not any(lease.vacancy_loss_flag and lease.vacant_soon_flag for lease in register.leases)
    assert any(lease.vacancy_loss_flag for lease in register.leases)
    assert any(lease.vacant_soon_flag for lease in register.leases)
    assert all(lease.tenant_name is None for lease in register.leases)


def test_each_dwelling_has_one_lease_as_of_the_snapshot_and_none_overlap(
    register: Register,
) -> None:
    leases_of: dict[str, list[Lease]] = defaultdict(list)
    for lease in register.leases:
        leases_of[lease.dwelling_id].append(lease)
    assert set(leases_of) == {d.id for d in register.dwellings}
    for leases in leases_of.values():
        leases.sort(key=lambda lease: lease.start_date)
        for earlier, later in itertools.pairwise(leases):
            assert earlier.end_date is not None
            assert earlier.end_date == later.start_date - timedelta(days=1)
        assert all(lease.end_date is None or lease.start_date <= lease.end_date for lease in leases)
        current = [lease for lease in leases if _contains(lease, SNAPSHOT)]
        assert len(current) == 1
        assert current[0].start_date < SNAPSHOT


def test_relet_leases_follow_a_lease_ended_the_day_before(register: Register) -> None:
    leases_of: dict[str, list[Lease]] = defaultdict(list)
    for lease in register.leases:
        leases_of[lease.dwelling_id].append(lease)
    relet = [
        lease
        for lease in register.leases
        if lease.start_date.year == RELET_YEAR and not lease.vacancy_loss_flag
    ]
    assert relet
    for lease in relet:
        ends = {other.end_date for other in leases_of[lease.dwelling_id]}
        assert lease.start_date - timedelta(days=1) in ends
        # only the current lease of a dwelling started in the re-letting year
        starts = [other.start_date.year for other in leases_of[lease.dwelling_id]]
        assert starts.count(RELET_YEAR) == 1


def test_allocation_types_are_from_the_code_list(register: Register) -> None:
    codes = {a.value for a in AllocationType}
    assert {lease.allocation_type for lease in register.leases} <= codes
    earlier = Counter(
        lease.allocation_type for lease in register.leases if lease.start_date.year < RELET_YEAR
    )
    assert earlier.most_common(1)[0][0] == AllocationType.EXTERNAL_WAITING_LIST.value


def test_rents_deposits_and_expenses_are_consistent(register: Register) -> None:
    rents: dict[str, Decimal] = defaultdict(Decimal)
    types: dict[str, set[str]] = defaultdict(set)
    for expense in register.expenses:
        assert expense.monthly_amount >= 0
        assert expense.monthly_amount == expense.monthly_amount.quantize(Decimal("0.01"))
        if expense.expense_type in RENT_FORMING:
            rents[expense.lease_id] += expense.monthly_amount
        types[expense.lease_id].add(expense.expense_type)
    for lease in register.leases:
        assert {"base_rent", "heating", "water"} <= types[lease.id]
        if lease.vacancy_loss_flag:
            assert lease.deposit is None
        else:
            assert lease.deposit == 3 * rents[lease.id]


def test_youth_and_elderly_rents_stay_in_their_ranges(register: Register) -> None:
    housing_type = {d.id: d.housing_type for d in register.departments}
    dwelling_type = {d.id: housing_type[d.department_id] for d in register.dwellings}
    lease_type = {lease.id: dwelling_type[lease.dwelling_id] for lease in register.leases}
    current = {lease.id for lease in register.leases if _contains(lease, SNAPSHOT)}
    rents: dict[str, Decimal] = defaultdict(Decimal)
    for expense in register.expenses:
        if expense.lease_id in current and expense.expense_type in RENT_FORMING:
            rents[expense.lease_id] += expense.monthly_amount
    for housing_type_, (low, high) in OTHER_RENT_RANGES.items():
        values = [rent for lease, rent in rents.items() if lease_type[lease] == housing_type_]
        assert values
        assert all(low <= rent <= high for rent in values)


# --- rows and tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "record_type",
    [Organisation, Department, BuildingSection, Dwelling, Lease, HousingExpense],
)
def test_rows_have_the_table_columns(register: Register, record_type: type) -> None:
    table = Base.metadata.tables[record_type.TABLE]
    expected = (
        {column.name for column in table.columns}
        - SERVER_FILLED
        - SERVER_FILLED_BY_TABLE.get(table.name, set())
    )
    records = {
        Organisation: register.organisations,
        Department: register.departments,
        BuildingSection: register.sections,
        Dwelling: register.dwellings,
        Lease: register.leases,
        HousingExpense: register.expenses,
    }[record_type]
    assert set(records[0].as_row()) == expected
    assert set(TABLE_COLUMNS[table.name]) == expected
    assert len(records[0].as_copy_row()) == len(TABLE_COLUMNS[table.name])


def test_ids_are_unique(register: Register) -> None:
    for records in (
        register.organisations,
        register.departments,
        register.sections,
        register.dwellings,
        register.leases,
    ):
        ids = [record.id for record in records]
        assert len(set(ids)) == len(ids)


def test_table_rows_come_in_foreign_key_order() -> None:
    seen: dict[str, set[str]] = defaultdict(set)
    parents = {  # table → (index of the referencing column, referenced table)
        "departments": (1, "organisations"),
        "building_sections": (1, "departments"),
        "dwellings": (1, "departments"),
        "leases": (1, "dwellings"),
        "housing_expenses": (0, "leases"),
    }
    batches = 0
    for table, rows in iter_table_rows(7, dwellings=6_000, batch_dwellings=1_000):
        batches += 1
        assert all(len(row) == len(TABLE_COLUMNS[table]) for row in rows)
        if table in parents:
            column, parent = parents[table]
            assert all(row[column] in seen[parent] for row in rows), table
        if table != "housing_expenses":
            seen[table].update(row[0] for row in rows)
    assert batches > 6
    assert len(seen["dwellings"]) == 6_000


# --- command line ------------------------------------------------------------------------------


def test_cli_writes_ndjson(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--seed", "2", "--dwellings", "300", "--format", "ndjson"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    entities = [line["entity_type"] for line in lines]
    assert entities[0] == "organisation"
    assert entities.count("dwelling") == 300
    expense = next(line["data"] for line in lines if line["entity_type"] == "housing_expense")
    assert Decimal(expense["monthly_amount"]) >= 0
    date.fromisoformat(expense["valid_from"])


def test_cli_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dwellings", "2000", "--format", "summary"]) == 0
    captured = capsys.readouterr()
    assert "Family re-lettings 2022 (Table 1)" in captured.out
    assert "dwellings/s" in captured.err


def _contains(lease: Lease, day: date) -> bool:
    return lease.start_date <= day and (lease.end_date is None or day <= lease.end_date)
