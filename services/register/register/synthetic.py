"""A synthetic national rent register (huslejeregister): demo and benchmark data.

Everything is drawn from one seed (``random.Random``, never the global random state), so the
same arguments give the same register, and it is **streamed**: departments are generated one at
a time with their building sections, dwellings, leases and housing expenses, so memory stays flat
whatever the scale. ``dwellings`` scales the register (640,000 is the national stock, seed 003);
the shares below hold at every scale.

Shape of the data (the figures are seed 003's, the rest are documented assumptions):

* **Organisations**: ~500 nationally (scaled), each with a CVR number passing the modulus-11
  check, a home municipality and a name; a few of them (``NATIONAL_ADMINISTRATORS``) also act as
  administration organisations and ~10 % of the others have ``administered_by`` set to one of them.
* **Departments**: the dwellings are apportioned over the 98 municipalities by
  ``MUNICIPALITY_WEIGHTS`` (≈ population, the four big cities weighted up), then over the housing
  types (78 / 14 / 8 %), then cut into departments of log-normally distributed size; the
  departments are shuffled so any prefix of the stream is a national sample. A department is
  owned by an organisation of its municipality (``LOCAL_OWNER_SHARE``), else of its region.
* **Dwellings**: addresses on a fixed list of Danish street names and the municipality's postcodes
  (``MUNICIPALITY_GEOGRAPHY``), rooms and area by housing type, accessibility by building type.
* **Rent** (rent-forming expenses as of the snapshot date, 1 January of ``relet_year + 1``,
  Figure 4's date): family dwellings follow Figure 4's bands; youth and elderly dwellings have
  their own area-related ranges. ~15 % carry an improvement surcharge; heating and water are
  reported but are not rent (``codes.RENT_FORMING``).
* **Leases**: every dwelling has exactly one lease as of the snapshot date. ~11 % of family
  dwellings were re-let in ``relet_year`` (their previous lease ended the day before), with
  Table 1's allocation types. A small share stands vacant: its tenant's lease ended and a
  *vacancy lease* (seed 000: "en særlig tomgangsledig lejekontrakt") carries
  ``vacancy_loss_flag``; another small share has a terminated lease with ``vacant_soon_flag``.
  The two flags are never both set. Vacancy leases are not lettings: a consumer counting
  re-lettings must skip leases with ``vacancy_loss_flag`` (``summary`` does). No tenant names.

Record fields are the tables' column names (``register/db/models.py``); server-filled columns are
left out: ``created_at``/``updated_at`` (``now()``) and ``housing_expenses.id`` (identity).
``version`` is 1 and leases are ``accepted`` with no warnings; each lease carries an ERP
reference (``EksternReference``, mandatory in the register) derived from its id. The data passes
the register's rules as submitted (``register.demo`` loads it through the bulk use case).

Command line: ``python -m register.synthetic --seed 1 --dwellings 10000 --format summary``.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter
from random import Random
from typing import Any, ClassVar, Final, NamedTuple, TextIO

from common.municipalities import MUNICIPALITIES
from register.domain.codes import (
    RENT_FORMING,
    AllocationType,
    BuildingType,
    ExpenseType,
    HousingType,
    region_of,
)

# --- scale ---------------------------------------------------------------------------------------

NATIONAL_DWELLINGS: Final = 640_000  # seed 003: "ca. 640.000 almene boliger"
NATIONAL_ORGANISATIONS: Final = 500  # ~500 housing organisations nationally
NATIONAL_ADMINISTRATORS: Final = 6  # organisations that also administer others
ADMINISTERED_SHARE: Final = 0.10  # share of the other organisations that are administered
LOCAL_OWNER_SHARE: Final = 0.90  # departments owned by an organisation of their municipality
DEFAULT_RELET_YEAR: Final = 2022  # seed 003, Table 1
MAX_CONSTRUCTION_YEAR: Final = 2024
MIN_CONSTRUCTION_YEAR: Final = 1930

# Seed 003, Figure 2: 78 % family, 14 % elderly/nursing, 8 % youth dwellings.
HOUSING_TYPE_SHARES: Final[dict[HousingType, float]] = {
    HousingType.FAMILY: 0.78,
    HousingType.ELDERLY: 0.14,
    HousingType.YOUTH: 0.08,
}

# Mean department size in dwellings (assumption): gives ~9,500 departments nationally.
MEAN_DEPARTMENT_SIZE: Final[dict[HousingType, int]] = {
    HousingType.FAMILY: 80,
    HousingType.ELDERLY: 35,
    HousingType.YOUTH: 60,
}
DEPARTMENT_SIZE_SIGMA: Final = 0.8  # log-normal spread of department sizes
DEPARTMENT_SIZE_LIMITS: Final = (4, 600)
DWELLINGS_PER_SECTION: Final = 60  # roughly one building section per 60 dwellings, at most 4

# Share of multi-storey (etage) departments by housing type (assumption); the rest is tæt-lav.
MULTI_STOREY_SHARE: Final[dict[HousingType, float]] = {
    HousingType.FAMILY: 0.60,
    HousingType.ELDERLY: 0.45,
    HousingType.YOUTH: 0.85,
}

# Construction decades by housing type (assumption: the sector's build-out peaked in the 1960s-70s;
# elderly dwellings mostly after the 1987 act on elderly housing).
CONSTRUCTION_DECADE_WEIGHTS: Final[dict[HousingType, dict[int, int]]] = {
    HousingType.FAMILY: {
        1930: 4, 1940: 7, 1950: 11, 1960: 16, 1970: 20, 1980: 15, 1990: 10, 2000: 7, 2010: 7,
        2020: 3,
    },
    HousingType.ELDERLY: {
        1930: 1, 1940: 1, 1950: 2, 1960: 5, 1970: 10, 1980: 20, 1990: 28, 2000: 15, 2010: 13,
        2020: 5,
    },
    HousingType.YOUTH: {
        1930: 2, 1940: 3, 1950: 6, 1960: 12, 1970: 15, 1980: 14, 1990: 14, 2000: 12, 2010: 15,
        2020: 7,
    },
}  # fmt: skip

# --- rents (monthly, DKK) --------------------------------------------------------------------------


class RentBand(NamedTuple):
    label: str
    dwellings: int  # family dwellings in the band, seed 003 Figure 4 (January 2023)
    low: Decimal
    high: Decimal
    rooms_weights: tuple[int, ...]  # rooms 1..6 (assumption: cheaper dwellings are smaller)


# Seed 003, Figure 4: ~506,000 family dwellings, ~110,800 under 4,500 DKK/month (of which ~31,300
# under 3,500), ~247,500 between 4,500 and 6,500, ~148,000 above 6,500.
FAMILY_RENT_BANDS: Final[tuple[RentBand, ...]] = (
    RentBand("< 3,500", 31_300, Decimal("2500.00"), Decimal("3499.99"), (10, 40, 35, 13, 2, 0)),
    RentBand("3,500-4,500", 79_500, Decimal("3500.00"), Decimal("4499.99"), (5, 30, 40, 20, 4, 1)),
    RentBand("4,500-6,500", 247_500, Decimal("4500.00"), Decimal("6500.00"), (2, 20, 40, 30, 7, 1)),
    RentBand("> 6,500", 148_000, Decimal("6500.01"), Decimal("9500.00"), (1, 10, 35, 37, 13, 4)),
)

# Youth and elderly rents (assumption): a range, placed by where the area lies in the type's
# area range, with some noise. Youth 2,500-5,000 DKK (25-50 m²); elderly 4,000-8,000 (45-80 m²).
OTHER_RENT_RANGES: Final[dict[HousingType, tuple[Decimal, Decimal]]] = {
    HousingType.YOUTH: (Decimal("2500.00"), Decimal("5000.00")),
    HousingType.ELDERLY: (Decimal("4000.00"), Decimal("8000.00")),
}
IMPROVEMENT_SURCHARGE_SHARE: Final = 0.15  # leases with a rent-forming improvement surcharge
IMPROVEMENT_SURCHARGE_RANGE: Final = (Decimal("150.00"), Decimal("600.00"))
HEATING_PER_M2_RANGE: Final = (Decimal("7.00"), Decimal("11.00"))  # utilities, not rent
WATER_RANGE: Final = (Decimal("150.00"), Decimal("350.00"))  # utilities, not rent
PREVIOUS_RENT_FACTOR_RANGE: Final = (0.88, 0.99)  # the previous tenant paid a bit less
DEPOSIT_MONTHS: Final = 3  # deposit ≈ 3 months' rent

# --- dwellings ------------------------------------------------------------------------------------

# Rooms 1..6 by housing type (family rooms follow the rent band, FAMILY_RENT_BANDS).
ROOMS_WEIGHTS: Final[dict[HousingType, tuple[int, ...]]] = {
    HousingType.YOUTH: (80, 20),
    HousingType.ELDERLY: (10, 65, 25),
}
# Area (m²) by housing type and rooms: family ~45-130, youth ~25-50, elderly ~45-80.
AREA_RANGES: Final[dict[HousingType, dict[int, tuple[int, int]]]] = {
    HousingType.FAMILY: {
        1: (45, 55), 2: (55, 75), 3: (70, 95), 4: (85, 110), 5: (100, 125), 6: (110, 130),
    },
    HousingType.YOUTH: {1: (25, 40), 2: (35, 50)},
    HousingType.ELDERLY: {1: (45, 55), 2: (50, 70), 3: (65, 80)},
}  # fmt: skip
TYPE_AREA_SPAN: Final[dict[HousingType, tuple[int, int]]] = {
    HousingType.YOUTH: (25, 50),
    HousingType.ELDERLY: (45, 80),
}
# Accessibility (assumption): elderly dwellings are mostly accessible.
ELEVATOR_SHARE: Final = {"elderly": 0.90, "modern": 0.70, "old": 0.10}  # etage departments
MODERN_FROM_YEAR: Final = 1990
STEP_FREE_LOW_DENSE_SHARE: Final = {"elderly": 0.95, "other": 0.30}
WHEELCHAIR_SHARE: Final = {"elderly": 0.75, "other": 0.08}  # of step-free dwellings
BBR_UNIT_ID_SHARE: Final = 0.97

STREETS: Final[tuple[str, ...]] = (
    "Østergade", "Vestergade", "Nørregade", "Søndergade", "Skovvej", "Engvej", "Birkevej",
    "Egevej", "Ahornvej", "Bøgevej", "Kirkevej", "Møllevej", "Stationsvej", "Parkvej",
    "Strandvej", "Bakkevej", "Lindevej", "Rosenvænget", "Solvænget", "Kastanievej",
    "Ved Grønningen", "Hybenhaven", "Lærkevej", "Svalevej", "Drosselvej", "Vibevej", "Tranevej",
    "Syrenvej", "Hasselvej", "Elmevej", "Fyrrevej", "Granvej", "Pilevej", "Poppelvej",
    "Kløvervej", "Valmuevej", "Tjørnevej", "Agerhaven", "Toftevej", "Gadekæret", "Byparken",
    "Humlehaven", "Æblehaven", "Fuglebakken", "Rughaven",
)  # fmt: skip
DOOR_LAYOUTS: Final[tuple[tuple[str, ...], ...]] = (("tv", "th"), ("tv", "mf", "th"))
ORGANISATION_NAME_PREFIXES: Final[tuple[str, ...]] = (
    "Boligselskabet", "Boligforeningen", "Andelsboligforeningen", "Arbejdernes Boligforening",
    "Almennyttigt Boligselskab", "Lejerbo", "Boligkontoret",
)  # fmt: skip

# --- municipalities -------------------------------------------------------------------------------

# Municipality → (population in thousands, approximate 2023; its postcodes with city names).
# The postcodes are the main towns' (a simple mapping, not every postcode of the municipality).
MUNICIPALITY_GEOGRAPHY: Final[dict[str, tuple[float, tuple[tuple[str, str], ...]]]] = {
    "101": (650, (("2100", "København Ø"), ("2200", "København N"), ("2300", "København S"),
                  ("2400", "København NV"), ("2450", "København SV"), ("2500", "Valby"),
                  ("2700", "Brønshøj"), ("2720", "Vanløse"))),
    "147": (105, (("2000", "Frederiksberg"),)),
    "151": (52, (("2750", "Ballerup"),)),
    "153": (39, (("2605", "Brøndby"),)),
    "155": (14, (("2791", "Dragør"),)),
    "157": (75, (("2820", "Gentofte"),)),
    "159": (70, (("2860", "Søborg"), ("2880", "Bagsværd"))),
    "161": (24, (("2600", "Glostrup"),)),
    "163": (30, (("2730", "Herlev"),)),
    "165": (28, (("2620", "Albertslund"),)),
    "167": (54, (("2650", "Hvidovre"),)),
    "169": (58, (("2630", "Taastrup"),)),
    "173": (56, (("2800", "Kongens Lyngby"),)),
    "175": (41, (("2610", "Rødovre"),)),
    "183": (24, (("2635", "Ishøj"),)),
    "185": (44, (("2770", "Kastrup"),)),
    "187": (17, (("2665", "Vallensbæk Strand"),)),
    "190": (41, (("3520", "Farum"),)),
    "201": (26, (("3450", "Allerød"),)),
    "210": (41, (("3480", "Fredensborg"),)),
    "217": (63, (("3000", "Helsingør"),)),
    "219": (52, (("3400", "Hillerød"),)),
    "223": (25, (("2970", "Hørsholm"),)),
    "230": (57, (("2840", "Holte"),)),
    "240": (44, (("3650", "Ølstykke"),)),
    "250": (46, (("3600", "Frederikssund"),)),
    "253": (51, (("2670", "Greve"),)),
    "259": (62, (("4600", "Køge"),)),
    "260": (31, (("3300", "Frederiksværk"),)),
    "265": (90, (("4000", "Roskilde"),)),
    "269": (23, (("2680", "Solrød Strand"),)),
    "270": (41, (("3200", "Helsinge"),)),
    "306": (33, (("4500", "Nykøbing Sj"),)),
    "316": (72, (("4300", "Holbæk"),)),
    "320": (37, (("4640", "Faxe"),)),
    "326": (49, (("4400", "Kalundborg"),)),
    "329": (36, (("4100", "Ringsted"),)),
    "330": (80, (("4200", "Slagelse"),)),
    "336": (23, (("4660", "Store Heddinge"),)),
    "340": (30, (("4180", "Sorø"),)),
    "350": (29, (("4320", "Lejre"),)),
    "360": (40, (("4900", "Nakskov"), ("4930", "Maribo"))),
    "370": (84, (("4700", "Næstved"),)),
    "376": (60, (("4800", "Nykøbing F"),)),
    "390": (46, (("4760", "Vordingborg"),)),
    "400": (39, (("3700", "Rønne"),)),
    "410": (39, (("5500", "Middelfart"),)),
    "420": (41, (("5610", "Assens"),)),
    "430": (52, (("5600", "Faaborg"),)),
    "440": (24, (("5300", "Kerteminde"),)),
    "450": (32, (("5800", "Nyborg"),)),
    "461": (207, (("5000", "Odense C"), ("5200", "Odense V"), ("5220", "Odense SØ"),
                  ("5230", "Odense M"), ("5240", "Odense NØ"))),
    "479": (59, (("5700", "Svendborg"),)),
    "480": (29, (("5400", "Bogense"),)),
    "482": (12, (("5900", "Rudkøbing"),)),
    "492": (6, (("5970", "Ærøskøbing"),)),
    "510": (55, (("6100", "Haderslev"),)),
    "530": (27, (("7190", "Billund"),)),
    "540": (73, (("6400", "Sønderborg"),)),
    "550": (37, (("6270", "Tønder"),)),
    "561": (116, (("6700", "Esbjerg"), ("6705", "Esbjerg Ø"))),
    "563": (3.5, (("6720", "Fanø"),)),
    "573": (50, (("6800", "Varde"),)),
    "575": (43, (("6600", "Vejen"),)),
    "580": (59, (("6200", "Aabenraa"),)),
    "607": (52, (("7000", "Fredericia"),)),
    "615": (98, (("8700", "Horsens"),)),
    "621": (95, (("6000", "Kolding"),)),
    "630": (120, (("7100", "Vejle"),)),
    "657": (90, (("7400", "Herning"),)),
    "661": (59, (("7500", "Holstebro"),)),
    "665": (19, (("7620", "Lemvig"),)),
    "671": (21, (("7600", "Struer"),)),
    "706": (43, (("8400", "Ebeltoft"),)),
    "707": (37, (("8500", "Grenaa"),)),
    "710": (49, (("8450", "Hammel"),)),
    "727": (23, (("8300", "Odder"),)),
    "730": (99, (("8900", "Randers C"), ("8920", "Randers NV"))),
    "740": (100, (("8600", "Silkeborg"),)),
    "741": (3.7, (("8305", "Samsø"),)),
    "746": (64, (("8660", "Skanderborg"),)),
    "751": (365, (("8000", "Aarhus C"), ("8200", "Aarhus N"), ("8210", "Aarhus V"),
                  ("8220", "Brabrand"), ("8260", "Viby J"))),
    "756": (42, (("7430", "Ikast"),)),
    "760": (56, (("6950", "Ringkøbing"),)),
    "766": (47, (("8722", "Hedensted"),)),
    "773": (20, (("7900", "Nykøbing M"),)),
    "779": (46, (("7800", "Skive"),)),
    "787": (43, (("7700", "Thisted"),)),
    "791": (97, (("8800", "Viborg"),)),
    "810": (36, (("9700", "Brønderslev"),)),
    "813": (58, (("9900", "Frederikshavn"),)),
    "820": (36, (("9600", "Aars"),)),
    "825": (1.8, (("9940", "Læsø"),)),
    "840": (30, (("9530", "Støvring"),)),
    "846": (41, (("9500", "Hobro"),)),
    "849": (38, (("9440", "Aabybro"),)),
    "851": (222, (("9000", "Aalborg"), ("9200", "Aalborg SV"), ("9210", "Aalborg SØ"),
                  ("9220", "Aalborg Øst"), ("9400", "Nørresundby"))),
    "860": (64, (("9800", "Hjørring"),)),
}  # fmt: skip

# The four big cities have a larger share of social housing than their population alone gives.
BIG_CITIES: Final = frozenset({"101", "751", "461", "851"})
BIG_CITY_FACTOR: Final = 1.5
MUNICIPALITY_WEIGHTS: Final[dict[str, float]] = {
    code: population * (BIG_CITY_FACTOR if code in BIG_CITIES else 1.0)
    for code, (population, _) in MUNICIPALITY_GEOGRAPHY.items()
}

# --- leases ---------------------------------------------------------------------------------------

# Seed 003, Table 1: re-lettings of family dwellings in 2022 by allocation type (sum 57,862).
RELETTING_ALLOCATION_COUNTS: Final[dict[AllocationType, int]] = {
    AllocationType.EXTERNAL_WAITING_LIST: 34_805,
    AllocationType.EXCHANGE: 602,
    AllocationType.ORGANISATION_INTERNAL: 4_049,
    AllocationType.DEPARTMENT_INTERNAL: 3_701,
    AllocationType.HOUSING_GUARANTEE: 97,
    AllocationType.PUBLIC_ADVERTISEMENT: 1_143,
    AllocationType.FLEXIBLE_LETTING: 6_636,
    AllocationType.COMBINED_LETTING: 97,
    AllocationType.MUNICIPAL_ALLOCATION: 6_732,
}
# Family leases started before the re-letting year: mostly the external waiting list; municipal
# allocation chosen so that ~10.4 % of all current family leases are municipally allocated
# (seed 003: "10,4 pct. blevet anvist via reglerne om kommunal anvisning", January 2023).
EARLIER_FAMILY_ALLOCATION_PERCENT: Final[dict[AllocationType, float]] = {
    AllocationType.EXTERNAL_WAITING_LIST: 70.2,
    AllocationType.EXCHANGE: 1.0,
    AllocationType.ORGANISATION_INTERNAL: 7.0,
    AllocationType.DEPARTMENT_INTERNAL: 6.0,
    AllocationType.HOUSING_GUARANTEE: 0.1,
    AllocationType.PUBLIC_ADVERTISEMENT: 0.4,
    AllocationType.FLEXIBLE_LETTING: 5.0,
    AllocationType.COMBINED_LETTING: 0.1,
    AllocationType.MUNICIPAL_ALLOCATION: 10.2,
}
# Youth and elderly leases (assumption): elderly dwellings are mostly allocated by the
# municipality; youth dwellings mostly from the waiting list (the municipality may take every 4th).
OTHER_ALLOCATION_PERCENT: Final[dict[HousingType, dict[AllocationType, float]]] = {
    HousingType.YOUTH: {
        AllocationType.EXTERNAL_WAITING_LIST: 80,
        AllocationType.MUNICIPAL_ALLOCATION: 10,
        AllocationType.ORGANISATION_INTERNAL: 4,
        AllocationType.DEPARTMENT_INTERNAL: 2,
        AllocationType.PUBLIC_ADVERTISEMENT: 4,
    },
    HousingType.ELDERLY: {
        AllocationType.MUNICIPAL_ALLOCATION: 85,
        AllocationType.EXTERNAL_WAITING_LIST: 10,
        AllocationType.DEPARTMENT_INTERNAL: 3,
        AllocationType.ORGANISATION_INTERNAL: 2,
    },
}
# The allocation type of a vacancy lease (the column is mandatory; it is not a letting).
VACANCY_LEASE_ALLOCATION: Final = AllocationType.EXTERNAL_WAITING_LIST

# Seed 003: 57,862 of ~506,300 family dwellings re-let in 2022 (11.4 %); of the 31,300 under
# 3,500 DKK ~5,400 were re-let (~17 %), so the other bands get (57,862 - 5,400) / 475,000.
CHEAP_BAND_RELET_SHARE: Final = 5_400 / 31_300
OTHER_BANDS_RELET_SHARE: Final = (57_862 - 5_400) / (506_300 - 31_300)
OTHER_RELET_SHARE: Final[dict[HousingType, float]] = {  # assumption: turnover of the other types
    HousingType.YOUTH: 0.35,
    HousingType.ELDERLY: 0.18,
}
MEAN_TENANCY_YEARS: Final[dict[HousingType, float]] = {  # assumption, ~1 / turnover
    HousingType.FAMILY: 8.0,
    HousingType.YOUTH: 2.5,
    HousingType.ELDERLY: 5.0,
}
VACANCY_LOSS_SHARE: Final = 0.008  # assumption: dwellings standing vacant with a loss (tomgang)
VACANCY_DAYS: Final = (1, 90)  # … since this many days before the snapshot date
VACANT_SOON_SHARE: Final = 0.015  # assumption: terminated leases shown as about to be vacant
VACANT_SOON_DAYS: Final = (7, 90)  # … ending this many days after the snapshot date

PROGRESS_EVERY: Final = 50_000
DEFAULT_BATCH_DWELLINGS: Final = 5_000

_CENT: Final = Decimal("0.01")
_BASE_RENT: Final = ExpenseType.BASE_RENT.value
_IMPROVEMENT_SURCHARGE: Final = ExpenseType.IMPROVEMENT_SURCHARGE.value
_HEATING: Final = ExpenseType.HEATING.value
_WATER: Final = ExpenseType.WATER.value
_RENT_FORMING: Final = frozenset(kind.value for kind in RENT_FORMING)

# --- records --------------------------------------------------------------------------------------


class _Record:
    """A row of one register table: ``as_row()`` gives the column → value mapping."""

    __slots__ = ()
    ENTITY: ClassVar[str]  # record_versions.entity_type
    TABLE: ClassVar[str]

    def as_row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _columns(type(self))}

    def as_copy_row(self) -> tuple[Any, ...]:
        """The values in ``TABLE_COLUMNS[TABLE]`` order, for PostgreSQL ``COPY``."""
        getter = _GETTERS.get(type(self))
        if getter is None:
            getter = _GETTERS[type(self)] = attrgetter(*_columns(type(self)))
        values: tuple[Any, ...] = getter(self)
        return values


_COLUMNS_CACHE: dict[type, tuple[str, ...]] = {}
_GETTERS: dict[type, attrgetter[Any]] = {}


def _columns(cls: type) -> tuple[str, ...]:
    names = _COLUMNS_CACHE.get(cls)
    if names is None:
        names = _COLUMNS_CACHE[cls] = tuple(f.name for f in fields(cls))
    return names


@dataclass(frozen=True, slots=True)
class Organisation(_Record):
    ENTITY: ClassVar[str] = "organisation"
    TABLE: ClassVar[str] = "organisations"
    id: str
    cvr: str
    name: str
    home_municipality_code: str
    administered_by: str | None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Department(_Record):
    ENTITY: ClassVar[str] = "department"
    TABLE: ClassVar[str] = "departments"
    id: str
    organisation_id: str
    name: str
    municipality_code: str
    housing_type: str
    construction_year: int
    building_type: str
    region: str
    version: int = 1


@dataclass(frozen=True, slots=True)
class BuildingSection(_Record):
    ENTITY: ClassVar[str] = "building_section"
    TABLE: ClassVar[str] = "building_sections"
    id: str
    department_id: str
    name: str
    construction_year: int | None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Dwelling(_Record):
    ENTITY: ClassVar[str] = "dwelling"
    TABLE: ClassVar[str] = "dwellings"
    id: str
    department_id: str
    building_section_id: str | None
    bbr_unit_id: str | None
    street: str
    house_number: str
    floor: str | None
    door: str | None
    postcode: str
    city: str
    rooms: int
    area_m2: Decimal
    step_free_access: bool | None
    elevator: bool | None
    wheelchair_accessible: bool | None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Lease(_Record):
    """A lease; ``warnings`` (JSONB) is always empty: ``[]`` in ``as_row``, ``'[]'`` to COPY."""

    ENTITY: ClassVar[str] = "lease"
    TABLE: ClassVar[str] = "leases"
    id: str
    dwelling_id: str
    external_reference: str | None
    start_date: date
    end_date: date | None
    allocation_type: str
    vacancy_loss_flag: bool
    vacant_soon_flag: bool
    deposit: Decimal | None
    tenant_name: str | None = None  # synthetic data carries no personal data
    status: str = "accepted"
    version: int = 1

    def as_row(self) -> dict[str, Any]:
        row = _Record.as_row(self)
        row["warnings"] = []
        return row

    def as_copy_row(self) -> tuple[Any, ...]:
        return (*_Record.as_copy_row(self), "[]")


@dataclass(frozen=True, slots=True)
class HousingExpense(_Record):
    """A monthly housing expense; ``id`` is the table's identity (filled by PostgreSQL)."""

    ENTITY: ClassVar[str] = "housing_expense"
    TABLE: ClassVar[str] = "housing_expenses"
    lease_id: str
    expense_type: str
    monthly_amount: Decimal
    valid_from: date
    valid_to: date | None
    version: int = 1


RECORD_TYPES: Final[tuple[type[_Record], ...]] = (
    Organisation,
    Department,
    BuildingSection,
    Dwelling,
    Lease,
    HousingExpense,
)
# Columns of the rows ``iter_table_rows`` yields, per table, in dependency (foreign key) order.
TABLE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    cls.TABLE: _columns(cls) + (("warnings",) if cls is Lease else ()) for cls in RECORD_TYPES
}


@dataclass(frozen=True, slots=True)
class DepartmentBundle:
    """One department with everything under it: the unit the generator streams."""

    department: Department
    sections: tuple[BuildingSection, ...]
    dwellings: tuple[Dwelling, ...]
    leases: tuple[Lease, ...]
    expenses: tuple[HousingExpense, ...]

    def records(self) -> Iterator[_Record]:
        yield self.department
        yield from self.sections
        yield from self.dwellings
        yield from self.leases
        yield from self.expenses


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
            self._add(
                dwelling, vacant_from, None, VACANCY_LEASE_ALLOCATION, components,
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
) -> Iterator[tuple[str, _Record]]:
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
    for bundle in _with_progress(register.bundles(), progress):
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


def _with_progress(
    bundles: Iterable[DepartmentBundle], progress: Callable[[int], None] | None
) -> Iterator[DepartmentBundle]:
    """Pass the bundles through, calling ``progress(dwellings so far)`` every PROGRESS_EVERY."""
    done = 0
    for bundle in bundles:
        yield bundle
        before, done = done, done + len(bundle.dwellings)
        if progress is not None and done // PROGRESS_EVERY > before // PROGRESS_EVERY:
            progress(done)


# --- command line ---------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(_CENT))
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_ndjson(
    register: SyntheticRegister, out: TextIO, progress: Callable[[int], None] | None
) -> None:
    dumps = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
    for organisation in register.organisations:
        out.write(dumps({"entity_type": organisation.ENTITY, "data": organisation.as_row()}) + "\n")
    for bundle in _with_progress(register.bundles(), progress):
        for record in bundle.records():
            out.write(dumps({"entity_type": record.ENTITY, "data": record.as_row()}) + "\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m register.synthetic",
        description=(
            "Generate a synthetic national rent register (organisations, departments, building "
            "sections, dwellings, leases, housing expenses), deterministic by seed, streamed. "
            "Shares follow seed 003: 78/14/8 % family/elderly/youth, family rents per Figure 4, "
            "~11 % of family dwellings re-let in the re-letting year per Table 1."
        ),
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--dwellings",
        type=int,
        default=NATIONAL_DWELLINGS,
        help=f"number of dwellings (default {NATIONAL_DWELLINGS:,}, the national stock)",
    )
    parser.add_argument(
        "--relet-year",
        type=int,
        default=DEFAULT_RELET_YEAR,
        help=f"year of the re-lettings; rents are as of 1 January after it (default {DEFAULT_RELET_YEAR})",
    )
    parser.add_argument(
        "--format",
        choices=("ndjson", "summary"),
        default="summary",
        help='"ndjson": one {"entity_type", "data"} record per line on stdout, in dependency '
        'order; "summary": a table of counts and shares against the seed figures (default)',
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.perf_counter()

    def progress(done: int) -> None:
        elapsed = time.perf_counter() - started
        print(f"{done:,} dwellings, {elapsed:.1f} s", file=sys.stderr, flush=True)

    if args.format == "ndjson":
        register = SyntheticRegister(args.seed, args.dwellings, args.relet_year)
        write_ndjson(register, sys.stdout, progress)
    else:
        result = summary(args.seed, args.dwellings, args.relet_year, progress=progress)
        print(result.as_text())
    elapsed = time.perf_counter() - started
    print(
        f"done: {args.dwellings:,} dwellings in {elapsed:.1f} s "
        f"({args.dwellings / elapsed:,.0f} dwellings/s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
