"""The generator: one seed, one register, streamed department by department (each with its
building sections, dwellings, leases and housing expenses), drawn with the figures of
``register_synthetic.shape``; ``iter_records`` and ``iter_table_rows`` are what its consumers
(the demo seed, the benchmarks) read."""

from __future__ import annotations

import bisect
import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from random import Random
from typing import Any, Final, NamedTuple

from register.domain.codes import (
    RENT_FORMING,
    AllocationType,
    BuildingType,
    ExpenseType,
    HousingType,
    region_of,
)
from register_synthetic.records import (
    RECORD_TYPES,
    BuildingSection,
    Department,
    DepartmentBundle,
    Dwelling,
    HousingExpense,
    Lease,
    Organisation,
    Record,
)
from register_synthetic.shape import (
    ADMINISTERED_SHARE,
    AREA_RANGES,
    BBR_UNIT_ID_SHARE,
    CHEAP_BAND_RELET_SHARE,
    CONSTRUCTION_DECADE_WEIGHTS,
    DEFAULT_RELET_YEAR,
    DEPARTMENT_SIZE_LIMITS,
    DEPARTMENT_SIZE_SIGMA,
    DEPOSIT_MONTHS,
    DOOR_LAYOUTS,
    DWELLINGS_PER_SECTION,
    EARLIER_FAMILY_ALLOCATION_PERCENT,
    ELEVATOR_SHARE,
    FAMILY_RENT_BANDS,
    HEATING_PER_M2_RANGE,
    HOUSING_TYPE_SHARES,
    IMPROVEMENT_SURCHARGE_RANGE,
    IMPROVEMENT_SURCHARGE_SHARE,
    LOCAL_OWNER_SHARE,
    MAX_CONSTRUCTION_YEAR,
    MEAN_DEPARTMENT_SIZE,
    MEAN_TENANCY_YEARS,
    MIN_CONSTRUCTION_YEAR,
    MODERN_FROM_YEAR,
    MULTI_STOREY_SHARE,
    MUNICIPALITY_GEOGRAPHY,
    MUNICIPALITY_WEIGHTS,
    NATIONAL_ADMINISTRATORS,
    NATIONAL_DWELLINGS,
    NATIONAL_ORGANISATIONS,
    ORGANISATION_NAME_PREFIXES,
    OTHER_ALLOCATION_PERCENT,
    OTHER_BANDS_RELET_SHARE,
    OTHER_RELET_SHARE,
    OTHER_RENT_RANGES,
    PREVIOUS_RENT_FACTOR_RANGE,
    RELETTING_ALLOCATION_COUNTS,
    ROOMS_WEIGHTS,
    STEP_FREE_LOW_DENSE_SHARE,
    STREETS,
    TYPE_AREA_SPAN,
    VACANCY_DAYS,
    VACANCY_LEASE_ALLOCATION,
    VACANCY_LEASE_MUNICIPAL_EVERY,
    VACANCY_LOSS_SHARE,
    VACANT_SOON_DAYS,
    VACANT_SOON_SHARE,
    WATER_RANGE,
    WHEELCHAIR_SHARE,
    RentBand,
)

PROGRESS_EVERY: Final = 50_000
DEFAULT_BATCH_DWELLINGS: Final = 5_000

_BASE_RENT: Final = ExpenseType.BASE_RENT.value
_IMPROVEMENT_SURCHARGE: Final = ExpenseType.IMPROVEMENT_SURCHARGE.value
_HEATING: Final = ExpenseType.HEATING.value
_WATER: Final = ExpenseType.WATER.value
_RENT_FORMING: Final = frozenset(kind.value for kind in RENT_FORMING)

# --- small helpers --------------------------------------------------------------------------------


class Weighted:
    """Weighted choice by bisection on cumulative weights (faster than ``Random.choices``)."""

    __slots__ = ("_cumulative", "_items", "_total")

    def __init__(self, weights: Mapping[Any, float] | Sequence[tuple[Any, float]]) -> None:
        pairs = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        self._items = [item for item, _ in pairs]
        self._cumulative = list(itertools.accumulate(float(w) for _, w in pairs))
        self._total = self._cumulative[-1]

    def pick(self, rng: Random) -> Any:
        return self._items[bisect.bisect_right(self._cumulative, rng.random() * self._total)]


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split proportionally to ``weights`` by largest remainders (sums to ``total``)."""
    whole = sum(weights)
    quotas = [total * w / whole for w in weights]
    counts = [int(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - quotas[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _dkk(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _cent_range(low: Decimal, high: Decimal) -> tuple[int, int]:
    return _cents(low), _cents(high)


def _draw(rng: Random, low: int, high: int) -> int:
    """A uniformly drawn integer in ``[low, high]`` (cheaper than ``Random.randint``)."""
    return low + int(rng.random() * (high - low + 1))


_SURCHARGE_CENTS: Final = _cent_range(*IMPROVEMENT_SURCHARGE_RANGE)
_HEATING_PER_M2_CENTS: Final = _cent_range(*HEATING_PER_M2_RANGE)
_WATER_CENTS: Final = _cent_range(*WATER_RANGE)


def _weighted_values(weights: Mapping[AllocationType, float]) -> Weighted:
    """A weighted choice of the code values (plain strings)."""
    return Weighted([(code.value, weight) for code, weight in weights.items()])


def _uuid4(bits: int) -> str:
    """A version-4 UUID string from 128 random bits (what ``uuid.UUID(int=..., version=4)``
    gives, without building the object)."""
    bits = (bits & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def cvr_check_digit(first_seven: str) -> int | None:
    """The eighth digit making ``first_seven`` a valid CVR number (modulus 11), or None."""
    weighted = sum(w * int(d) for w, d in zip((2, 7, 6, 5, 4, 3, 2), first_seven, strict=True))
    digit = -weighted % 11
    return None if digit == 10 else digit


def _random_cvr(rng: Random) -> str:
    while True:
        first_seven = str(rng.randint(1_000_000, 9_999_999))
        digit = cvr_check_digit(first_seven)
        if digit is not None:
            return f"{first_seven}{digit}"


# --- the generator --------------------------------------------------------------------------------


class _Plan(NamedTuple):
    municipality_code: str
    housing_type: HousingType
    size: int


@dataclass(frozen=True, slots=True)
class _Layout:
    """How a building section's dwellings are numbered."""

    street: str
    first_house_number: int
    floors: int  # 0 for tæt-lav: one house number per dwelling
    doors: tuple[str, ...]

    def address(self, index: int) -> tuple[str, str | None, str | None]:
        """(house number, floor, door) of the section's ``index``-th dwelling."""
        if not self.floors:
            return str(self.first_house_number + index), None, None
        per_stairwell = self.floors * len(self.doors)
        stairwell, within = divmod(index, per_stairwell)
        floor, door = divmod(within, len(self.doors))
        return (
            str(self.first_house_number + 2 * stairwell),
            "st" if floor == 0 else str(floor),
            self.doors[door],
        )


class _Counters:
    def __init__(self) -> None:
        self._next: Counter[str] = Counter()

    def next_id(self, prefix: str, width: int) -> str:
        self._next[prefix] += 1
        return f"{prefix}-{self._next[prefix]:0{width}d}"


class SyntheticRegister:
    """The synthetic register for one seed and scale.

    ``organisations`` is small and held in memory; ``bundles()`` streams the departments (each with
    its sections, dwellings, leases and expenses) and yields the same sequence on every call."""

    def __init__(
        self, seed: int, dwellings: int = NATIONAL_DWELLINGS, relet_year: int = DEFAULT_RELET_YEAR
    ) -> None:
        if dwellings < 1:
            raise ValueError("dwellings must be at least 1")
        self.seed = seed
        self.dwellings = dwellings
        self.relet_year = relet_year
        self.snapshot = date(relet_year + 1, 1, 1)
        # Dwellings must exist before the re-letting year, so that every lease started in it is a
        # re-letting (not a first letting of a new building).
        self.max_construction_year = min(MAX_CONSTRUCTION_YEAR, relet_year - 1)
        if self.max_construction_year < MIN_CONSTRUCTION_YEAR:
            raise ValueError(f"relet_year must be after {MIN_CONSTRUCTION_YEAR}")
        self.organisations = _make_organisations(Random(f"{seed}/organisations"), dwellings)

    @property
    def scale(self) -> float:
        return self.dwellings / NATIONAL_DWELLINGS

    def bundles(self) -> Iterator[DepartmentBundle]:
        rng = Random(f"{self.seed}/departments")
        builder = _DepartmentBuilder(self, rng)
        for plan in _plan_departments(rng, self.dwellings):
            yield builder.build(plan)


def _make_organisations(rng: Random, dwellings: int) -> tuple[Organisation, ...]:
    scale = dwellings / NATIONAL_DWELLINGS
    count = max(1, round(NATIONAL_ORGANISATIONS * scale))
    codes = list(MUNICIPALITY_WEIGHTS)
    homes = [
        code
        for code, n in zip(
            codes, apportion(count, list(MUNICIPALITY_WEIGHTS.values())), strict=True
        )
        for _ in range(n)
    ]
    ids = [f"org-{i:04d}" for i in range(1, count + 1)]
    administrators = set(
        rng.sample(ids, min(count, max(1, round(NATIONAL_ADMINISTRATORS * scale))))
    )
    cvrs: set[str] = set()
    names: Counter[str] = Counter()
    organisations = []
    for org_id, home in zip(ids, homes, strict=True):
        cvr = _random_cvr(rng)
        while cvr in cvrs:
            cvr = _random_cvr(rng)
        cvrs.add(cvr)
        city = MUNICIPALITY_GEOGRAPHY[home][1][0][1]
        name = f"{rng.choice(ORGANISATION_NAME_PREFIXES)} {city}"
        names[name] += 1
        if names[name] > 1:
            name = f"{name} {names[name]}"
        administered_by = None
        if org_id not in administrators and rng.random() < ADMINISTERED_SHARE:
            administered_by = rng.choice(sorted(administrators))
        organisations.append(Organisation(org_id, cvr, name, home, administered_by))
    return tuple(organisations)


def _plan_departments(rng: Random, dwellings: int) -> list[_Plan]:
    """Dwellings apportioned to municipalities and housing types, cut into departments, shuffled."""
    plans = []
    municipality_quotas = apportion(dwellings, list(MUNICIPALITY_WEIGHTS.values()))
    types = list(HOUSING_TYPE_SHARES)
    for code, quota in zip(MUNICIPALITY_WEIGHTS, municipality_quotas, strict=True):
        type_quotas = apportion(quota, list(HOUSING_TYPE_SHARES.values()))
        for housing_type, type_quota in zip(types, type_quotas, strict=True):
            for size in _department_sizes(rng, type_quota, MEAN_DEPARTMENT_SIZE[housing_type]):
                plans.append(_Plan(code, housing_type, size))
    rng.shuffle(plans)
    return plans


def _department_sizes(rng: Random, total: int, mean: int) -> Iterator[int]:
    """Log-normal sizes with the given mean, summing to ``total``."""
    low, high = DEPARTMENT_SIZE_LIMITS
    mu = math.log(mean) - DEPARTMENT_SIZE_SIGMA**2 / 2
    remaining = total
    while remaining > 0:
        size = min(high, max(low, round(rng.lognormvariate(mu, DEPARTMENT_SIZE_SIGMA))))
        if remaining - size < low:
            size = remaining
        remaining -= size
        yield size


class _DepartmentBuilder:
    """Builds one department (with everything under it) from a plan, drawing from ``rng``."""

    def __init__(self, register: SyntheticRegister, rng: Random) -> None:
        self.register = register
        self.rng = rng
        self.ids = _Counters()
        self.vacancy_leases = 0
        self.year_start = date(register.relet_year, 1, 1)
        self.snapshot = register.snapshot
        self._owners_by_municipality: dict[str, list[str]] = {}
        self._owners_by_region: dict[str, list[str]] = {}
        for org in register.organisations:
            code = org.home_municipality_code
            self._owners_by_municipality.setdefault(code, []).append(org.id)
            self._owners_by_region.setdefault(region_of(code), []).append(org.id)
        self._all_owners = [org.id for org in register.organisations]
        self._band = Weighted([(band, band.dwellings) for band in FAMILY_RENT_BANDS])
        self._band_rooms = {
            band: Weighted(list(enumerate(band.rooms_weights, start=1)))
            for band in FAMILY_RENT_BANDS
        }
        self._other_rooms = {
            housing_type: Weighted(list(enumerate(weights, start=1)))
            for housing_type, weights in ROOMS_WEIGHTS.items()
        }
        self._decades = {
            housing_type: Weighted(weights)
            for housing_type, weights in CONSTRUCTION_DECADE_WEIGHTS.items()
        }
        self._relet_allocation = _weighted_values(RELETTING_ALLOCATION_COUNTS)
        self._earlier_family_allocation = _weighted_values(EARLIER_FAMILY_ALLOCATION_PERCENT)
        self._other_allocation = {
            housing_type: _weighted_values(weights)
            for housing_type, weights in OTHER_ALLOCATION_PERCENT.items()
        }
        self._band_cents = {band: _cent_range(band.low, band.high) for band in FAMILY_RENT_BANDS}
        self._cheap_below = _cents(FAMILY_RENT_BANDS[1].low)
        self._other_rent_cents = {
            housing_type: _cent_range(*limits) for housing_type, limits in OTHER_RENT_RANGES.items()
        }

    # -- department, sections ----------------------------------------------------------------

    def build(self, plan: _Plan) -> DepartmentBundle:
        rng = self.rng
        housing_type = plan.housing_type
        year = self._construction_year(housing_type)
        multi_storey = rng.random() < MULTI_STOREY_SHARE[housing_type]
        section_count = min(4, 1 + rng.randrange(1 + plan.size // DWELLINGS_PER_SECTION))
        streets = rng.sample(STREETS, section_count)
        department_id = self.ids.next_id("dep", 5)
        department = Department(
            id=department_id,
            organisation_id=self._owner(plan.municipality_code),
            name=f"Afdeling {department_id.split('-')[1].lstrip('0')} {streets[0]}",
            municipality_code=plan.municipality_code,
            housing_type=housing_type.value,
            construction_year=year,
            building_type=(BuildingType.MULTI_STOREY if multi_storey else BuildingType.LOW_DENSE),
            region=region_of(plan.municipality_code).value,
        )
        postcode, city = rng.choice(MUNICIPALITY_GEOGRAPHY[plan.municipality_code][1])
        elevator = multi_storey and rng.random() < self._elevator_share(housing_type, year)
        sections: list[BuildingSection] = []
        dwellings: list[Dwelling] = []
        leases: list[Lease] = []
        expenses: list[HousingExpense] = []
        sizes = apportion(plan.size, [1.0] * section_count)
        for number, (street, size) in enumerate(zip(streets, sizes, strict=True), start=1):
            section_year = year if number == 1 else self._later_year(year)
            section = BuildingSection(
                self.ids.next_id("sec", 6), department.id, f"Byggeafsnit {number}", section_year
            )
            sections.append(section)
            layout = self._layout(street, multi_storey, housing_type)
            first_letting = date(section_year, rng.randint(1, 12), 1)
            for index in range(size):
                house_number, floor, door = layout.address(index)
                dwelling, rent = self._dwelling(
                    department, section, housing_type, (street, house_number, floor, door),
                    (postcode, city), elevator,
                )  # fmt: skip
                dwellings.append(dwelling)
                self._tenancy(dwelling, housing_type, rent, first_letting, leases, expenses)
        return DepartmentBundle(
            department, tuple(sections), tuple(dwellings), tuple(leases), tuple(expenses)
        )

    def _owner(self, municipality_code: str) -> str:
        local = self._owners_by_municipality.get(municipality_code)
        if local and self.rng.random() < LOCAL_OWNER_SHARE:
            return self.rng.choice(local)
        regional = self._owners_by_region.get(region_of(municipality_code))
        return self.rng.choice(regional or self._all_owners)

    def _construction_year(self, housing_type: HousingType) -> int:
        latest = self.register.max_construction_year
        while True:
            decade: int = self._decades[housing_type].pick(self.rng)
            if decade <= latest:
                return min(latest, decade + self.rng.randrange(10))

    def _later_year(self, year: int) -> int:
        return min(self.register.max_construction_year, year + self.rng.randint(0, 10))

    @staticmethod
    def _elevator_share(housing_type: HousingType, year: int) -> float:
        if housing_type is HousingType.ELDERLY:
            return ELEVATOR_SHARE["elderly"]
        return ELEVATOR_SHARE["modern" if year >= MODERN_FROM_YEAR else "old"]

    def _layout(self, street: str, multi_storey: bool, housing_type: HousingType) -> _Layout:
        rng = self.rng
        if not multi_storey:
            return _Layout(street, rng.randint(1, 60), 0, ())
        floors = rng.randint(3, 7) if housing_type is HousingType.YOUTH else rng.randint(3, 5)
        return _Layout(street, rng.randrange(1, 80, 2), floors, rng.choice(DOOR_LAYOUTS))

    # -- dwellings --------------------------------------------------------------------------

    def _dwelling(
        self,
        department: Department,
        section: BuildingSection,
        housing_type: HousingType,
        address: tuple[str, str, str | None, str | None],
        place: tuple[str, str],
        elevator: bool,
    ) -> tuple[Dwelling, int]:
        """A dwelling and its monthly rent in cents."""
        rng = self.rng
        rooms, rent_band = self._rooms(housing_type)
        low, high = AREA_RANGES[housing_type][rooms]
        area_cents = _draw(rng, low * 100, high * 100)
        if rent_band is not None:
            rent = _draw(rng, *self._band_cents[rent_band])
        else:
            rent = self._other_rent(housing_type, area_cents / 100)
        street, house_number, floor, door = address
        step_free, wheelchair = self._accessibility(housing_type, floor, elevator)
        bbr = _uuid4(rng.getrandbits(128))
        dwelling = Dwelling(
            id=self.ids.next_id("dwl", 7),
            department_id=department.id,
            building_section_id=section.id,
            bbr_unit_id=bbr if rng.random() < BBR_UNIT_ID_SHARE else None,
            street=street,
            house_number=house_number,
            floor=floor,
            door=door,
            postcode=place[0],
            city=place[1],
            rooms=rooms,
            area_m2=_dkk(area_cents),
            step_free_access=step_free,
            elevator=elevator if floor is not None else False,
            wheelchair_accessible=wheelchair,
        )
        return dwelling, rent

    def _rooms(self, housing_type: HousingType) -> tuple[int, RentBand | None]:
        if housing_type is HousingType.FAMILY:
            band: RentBand = self._band.pick(self.rng)
            return self._band_rooms[band].pick(self.rng), band
        return self._other_rooms[housing_type].pick(self.rng), None

    def _other_rent(self, housing_type: HousingType, area: float) -> int:
        """Youth/elderly rent in cents: placed in the type's range by area, with noise."""
        low_area, high_area = TYPE_AREA_SPAN[housing_type]
        position = (area - low_area) / (high_area - low_area) + self.rng.gauss(0, 0.15)
        low, high = self._other_rent_cents[housing_type]
        return low + round((high - low) * min(1.0, max(0.0, position)))

    def _accessibility(
        self, housing_type: HousingType, floor: str | None, elevator: bool
    ) -> tuple[bool, bool]:
        elderly = housing_type is HousingType.ELDERLY
        key = "elderly" if elderly else "other"
        if floor is None:  # tæt-lav
            step_free = self.rng.random() < STEP_FREE_LOW_DENSE_SHARE[key]
        else:
            step_free = floor == "st" or elevator
        return step_free, step_free and self.rng.random() < WHEELCHAIR_SHARE[key]

    # -- leases and expenses ----------------------------------------------------------------

    def _tenancy(
        self,
        dwelling: Dwelling,
        housing_type: HousingType,
        rent: int,
        first_letting: date,
        leases: list[Lease],
        expenses: list[HousingExpense],
    ) -> None:
        """The dwelling's leases (previous and current) with their expenses."""
        rng = self.rng
        components = self._components(rent, dwelling.area_m2)
        if rng.random() < self._relet_share(housing_type, rent):
            start = self.year_start + timedelta(days=rng.randrange(_days_in_year(self.year_start)))
            self._previous(
                dwelling, housing_type, components, first_letting, start, leases, expenses
            )
            allocation = self._allocation(housing_type, reletting=True)
            self._current(dwelling, start, allocation, components, leases, expenses)
        elif rng.random() < VACANCY_LOSS_SHARE:
            vacant_from = self.snapshot - timedelta(days=_draw(rng, *VACANCY_DAYS))
            self._previous(
                dwelling, housing_type, components, first_letting, vacant_from, leases, expenses
            )
            self.vacancy_leases += 1  # counted, not drawn: the random stream stays the same
            allocation = (
                AllocationType.MUNICIPAL_ALLOCATION
                if self.vacancy_leases % VACANCY_LEASE_MUNICIPAL_EVERY == 0
                else VACANCY_LEASE_ALLOCATION
            )
            self._add(
                dwelling, vacant_from, None, allocation, components,
                leases, expenses, vacancy_loss=True,
            )  # fmt: skip
        else:
            start = self._earlier_start(housing_type, first_letting, self.year_start)
            allocation = self._allocation(housing_type, reletting=False)
            self._current(dwelling, start, allocation, components, leases, expenses)

    def _relet_share(self, housing_type: HousingType, rent: int) -> float:
        if housing_type is HousingType.FAMILY:
            cheap = rent < self._cheap_below
            return CHEAP_BAND_RELET_SHARE if cheap else OTHER_BANDS_RELET_SHARE
        return OTHER_RELET_SHARE[housing_type]

    def _allocation(self, housing_type: HousingType, *, reletting: bool) -> str:
        if housing_type is HousingType.FAMILY:
            table = self._relet_allocation if reletting else self._earlier_family_allocation
        else:
            table = self._other_allocation[housing_type]
        allocation: str = table.pick(self.rng)
        return allocation

    def _earlier_start(self, housing_type: HousingType, first_letting: date, before: date) -> date:
        """A start date before ``before`` (tenancy length exponential), not before the first
        letting of the building (and never after ``before``)."""
        mean_days = MEAN_TENANCY_YEARS[housing_type] * 365
        candidate = before - timedelta(days=1 + int(self.rng.expovariate(1 / mean_days)))
        return min(max(first_letting, candidate), before - timedelta(days=1))

    def _previous(
        self,
        dwelling: Dwelling,
        housing_type: HousingType,
        components: list[tuple[str, int]],
        first_letting: date,
        next_start: date,
        leases: list[Lease],
        expenses: list[HousingExpense],
    ) -> None:
        """The tenancy that ended the day before ``next_start``; it started before the re-letting
        year, so only the next lease counts as a re-letting."""
        start = self._earlier_start(housing_type, first_letting, min(next_start, self.year_start))
        factor = self.rng.uniform(*PREVIOUS_RENT_FACTOR_RANGE)
        earlier = [(kind, round(cents * factor)) for kind, cents in components]
        allocation = self._allocation(housing_type, reletting=False)
        end = next_start - timedelta(days=1)
        self._add(dwelling, start, end, allocation, earlier, leases, expenses)

    def _current(
        self,
        dwelling: Dwelling,
        start: date,
        allocation: str,
        components: list[tuple[str, int]],
        leases: list[Lease],
        expenses: list[HousingExpense],
    ) -> None:
        vacant_soon = self.rng.random() < VACANT_SOON_SHARE
        end = None
        if vacant_soon:
            end = self.snapshot + timedelta(days=_draw(self.rng, *VACANT_SOON_DAYS))
        self._add(
            dwelling, start, end, allocation, components, leases, expenses,
            vacant_soon=vacant_soon,
        )  # fmt: skip

    def _add(
        self,
        dwelling: Dwelling,
        start: date,
        end: date | None,
        allocation: str,
        components: list[tuple[str, int]],
        leases: list[Lease],
        expenses: list[HousingExpense],
        *,
        vacancy_loss: bool = False,
        vacant_soon: bool = False,
    ) -> None:
        rent = sum(cents for kind, cents in components if kind in _RENT_FORMING)
        lease_id = self.ids.next_id("lse", 7)
        lease = Lease(
            id=lease_id,
            dwelling_id=dwelling.id,
            # The ERP system's own reference: the register requires one on every lease that is
            # not a draft. Derived from the id, so the random stream (and all else) is unchanged.
            external_reference=f"ERP-{lease_id.removeprefix('lse-')}",
            start_date=start,
            end_date=end,
            allocation_type=allocation,
            vacancy_loss_flag=vacancy_loss,
            vacant_soon_flag=vacant_soon,
            deposit=None if vacancy_loss else _dkk(DEPOSIT_MONTHS * rent),
        )
        leases.append(lease)
        for kind, cents in components:
            expenses.append(HousingExpense(lease.id, kind, _dkk(cents), start, end))

    def _components(self, rent: int, area: Decimal) -> list[tuple[str, int]]:
        """The monthly expenses in cents: rent-forming parts summing to ``rent``, and utilities."""
        rng = self.rng
        surcharge = 0
        if rng.random() < IMPROVEMENT_SURCHARGE_SHARE:
            surcharge = min(_draw(rng, *_SURCHARGE_CENTS), rent // 4)
        components = [(_BASE_RENT, rent - surcharge)]
        if surcharge:
            components.append((_IMPROVEMENT_SURCHARGE, surcharge))
        heating = round(float(area) * _draw(rng, *_HEATING_PER_M2_CENTS))
        components.append((_HEATING, heating))
        components.append((_WATER, _draw(rng, *_WATER_CENTS)))
        return components


def _days_in_year(first_day: date) -> int:
    return (date(first_day.year + 1, 1, 1) - first_day).days


# --- consumers' helpers ---------------------------------------------------------------------------


def iter_records(
    seed: int, dwellings: int = NATIONAL_DWELLINGS, relet_year: int = DEFAULT_RELET_YEAR
) -> Iterator[tuple[str, Record]]:
    """``(entity_type, record)`` in dependency order: all organisations, then department by
    department its department, building sections, dwellings, leases and housing expenses (every
    record comes after the records it refers to)."""
    register = SyntheticRegister(seed, dwellings, relet_year)
    for organisation in register.organisations:
        yield organisation.ENTITY, organisation
    for bundle in register.bundles():
        for record in bundle.records():
            yield record.ENTITY, record


def iter_table_rows(
    seed: int,
    dwellings: int = NATIONAL_DWELLINGS,
    relet_year: int = DEFAULT_RELET_YEAR,
    *,
    batch_dwellings: int = DEFAULT_BATCH_DWELLINGS,
) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """``(table_name, rows)`` batches for PostgreSQL ``COPY table (TABLE_COLUMNS[table]) FROM
    STDIN``: the organisations first, then per batch of departments (about ``batch_dwellings``
    dwellings) one batch per table in foreign-key order, so copying the batches in the order
    given never breaks a foreign key. Values are Python values (``str``, ``int``, ``Decimal``,
    ``date``, ``bool``, ``None``); ``leases.warnings`` is the JSON text ``'[]'``."""
    register = SyntheticRegister(seed, dwellings, relet_year)
    yield Organisation.TABLE, [org.as_copy_row() for org in register.organisations]
    buffers: dict[str, list[tuple[Any, ...]]] = {
        cls.TABLE: [] for cls in RECORD_TYPES if cls is not Organisation
    }
    buffered = 0
    for bundle in register.bundles():
        for record in bundle.records():
            buffers[record.TABLE].append(record.as_copy_row())
        buffered += len(bundle.dwellings)
        if buffered >= batch_dwellings:
            yield from _flush(buffers)
            buffered = 0
    yield from _flush(buffers)


def _flush(
    buffers: dict[str, list[tuple[Any, ...]]],
) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    for table, rows in buffers.items():
        if rows:
            yield table, rows
            buffers[table] = []


def with_progress(
    bundles: Iterable[DepartmentBundle], progress: Callable[[int], None] | None
) -> Iterator[DepartmentBundle]:
    """Pass the bundles through, calling ``progress(dwellings so far)`` every PROGRESS_EVERY."""
    done = 0
    for bundle in bundles:
        yield bundle
        before, done = done, done + len(bundle.dwellings)
        if progress is not None and done // PROGRESS_EVERY > before // PROGRESS_EVERY:
            progress(done)
