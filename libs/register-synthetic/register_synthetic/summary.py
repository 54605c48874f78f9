"""Counting a generated register against the figures it is shaped by (``summary()``; the
command line's ``--format summary``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from common.municipalities import MUNICIPALITIES
from register.domain.codes import RENT_FORMING, HousingType
from register_synthetic.generator import SyntheticRegister, with_progress
from register_synthetic.records import DepartmentBundle, Organisation
from register_synthetic.shape import (
    DEFAULT_RELET_YEAR,
    FAMILY_RENT_BANDS,
    HOUSING_TYPE_SHARES,
    NATIONAL_DWELLINGS,
    RELETTING_ALLOCATION_COUNTS,
    RentBand,
)


@dataclass
class Summary:
    """Counts and shares of a generated register, for verification (``summary()``)."""

    seed: int
    relet_year: int
    counts: Counter[str] = field(default_factory=Counter)  # records per entity type
    dwellings_by_type: Counter[str] = field(default_factory=Counter)
    family_rent_bands: Counter[str] = field(default_factory=Counter)  # as of the snapshot date
    family_relettings: Counter[str] = field(default_factory=Counter)  # by allocation type
    municipalities: set[str] = field(default_factory=set)
    vacancy_loss: int = 0
    vacant_soon: int = 0
    both_flags: int = 0
    move_outs: int = 0  # leases (not vacancy leases) ending in the re-letting year
    administered_organisations: int = 0

    @property
    def family_dwellings(self) -> int:
        return self.dwellings_by_type[HousingType.FAMILY.value]

    def share(self, counter: Counter[str], key: str) -> float:
        total = sum(counter.values())
        return counter[key] / total if total else 0.0

    @property
    def reletting_share(self) -> float:
        """Re-lettings in the year as a share of the family dwellings."""
        total = sum(self.family_relettings.values())
        return total / self.family_dwellings if self.family_dwellings else 0.0

    def as_text(self) -> str:
        lines = [f"Synthetic register, seed {self.seed}, re-letting year {self.relet_year}", ""]
        lines += [f"  {entity:<18}{n:>12,}" for entity, n in self.counts.items()]
        lines += [
            f"  {'municipalities':<18}{len(self.municipalities):>12,}  of {len(MUNICIPALITIES)}",
            f"  {'administered orgs':<18}{self.administered_organisations:>12,}",
            "",
            _table("Dwellings by type", self.dwellings_by_type, _type_targets()),
            _table("Family rents (Figure 4)", self.family_rent_bands, _band_targets()),
            _table(
                f"Family re-lettings {self.relet_year} (Table 1)",
                self.family_relettings,
                {k.value: v for k, v in RELETTING_ALLOCATION_COUNTS.items()},
            ),
            f"  re-let share of family dwellings {self.reletting_share:7.2%}  (seed: 11.4 %)",
            "",
            f"  vacant with loss {self.vacancy_loss:,}; vacant soon {self.vacant_soon:,}; "
            f"both {self.both_flags}; move-outs {self.relet_year} {self.move_outs:,}",
        ]
        return "\n".join(lines)


def _type_targets() -> dict[str, float]:
    return {k.value: v for k, v in HOUSING_TYPE_SHARES.items()}


def _band_targets() -> dict[str, float]:
    return {band.label: band.dwellings for band in FAMILY_RENT_BANDS}


def _table(title: str, counter: Counter[str], targets: dict[str, float]) -> str:
    total = sum(counter.values()) or 1
    target_total = sum(targets.values())
    lines = [f"{title}:", f"  {'':<24}{'count':>10}{'share':>9}{'target':>9}"]
    for key, target in targets.items():
        lines.append(
            f"  {key:<24}{counter[key]:>10,}{counter[key] / total:>9.1%}"
            f"{target / target_total:>9.1%}"
        )
    return "\n".join(lines) + "\n"


def summary(
    seed: int,
    dwellings: int = NATIONAL_DWELLINGS,
    relet_year: int = DEFAULT_RELET_YEAR,
    *,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Generate the register and count it (streaming; memory stays flat)."""
    register = SyntheticRegister(seed, dwellings, relet_year)
    result = Summary(seed=seed, relet_year=relet_year)
    result.counts[Organisation.ENTITY] = len(register.organisations)
    result.administered_organisations = sum(
        1 for org in register.organisations if org.administered_by is not None
    )
    for bundle in with_progress(register.bundles(), progress):
        _count_bundle(result, bundle, register.snapshot)
    return result


def _count_bundle(result: Summary, bundle: DepartmentBundle, snapshot: date) -> None:
    department = bundle.department
    housing_type = department.housing_type
    result.municipalities.add(department.municipality_code)
    for record in bundle.records():
        result.counts[record.ENTITY] += 1
    result.dwellings_by_type[housing_type] += len(bundle.dwellings)
    relet_year = result.relet_year
    for lease in bundle.leases:
        result.vacancy_loss += lease.vacancy_loss_flag
        result.vacant_soon += lease.vacant_soon_flag
        result.both_flags += lease.vacancy_loss_flag and lease.vacant_soon_flag
        real = not lease.vacancy_loss_flag
        if real and lease.end_date is not None and lease.end_date.year == relet_year:
            result.move_outs += 1
        if housing_type == HousingType.FAMILY and real and lease.start_date.year == relet_year:
            result.family_relettings[lease.allocation_type] += 1
    if housing_type == HousingType.FAMILY:
        for rent in _rents_as_of(bundle, snapshot):
            result.family_rent_bands[_band_of(rent).label] += 1


def _rents_as_of(bundle: DepartmentBundle, day: date) -> Iterator[Decimal]:
    """The rent of each dwelling as of ``day``: its rent-forming expenses valid that day, of the
    lease whose period contains it."""
    current = {
        lease.id
        for lease in bundle.leases
        if lease.start_date <= day and (lease.end_date is None or day <= lease.end_date)
    }
    rents: dict[str, Decimal] = {}
    for expense in bundle.expenses:
        valid = expense.valid_from <= day and (expense.valid_to is None or day <= expense.valid_to)
        if expense.lease_id in current and valid and expense.expense_type in RENT_FORMING:
            rents[expense.lease_id] = (
                rents.get(expense.lease_id, Decimal(0)) + expense.monthly_amount
            )
    return iter(rents.values())


def _band_of(rent: Decimal) -> RentBand:
    for band in FAMILY_RENT_BANDS:
        if rent <= band.high:
            return band
    return FAMILY_RENT_BANDS[-1]
