"""Code lists of the register, documented once (see docs/glossary.md).

Municipality codes are Denmark's 98 municipalities (kommunekoder); Christiansø (411) is
state-administered and not a municipality. The Capital Region (Region Hovedstaden) decides the
region used by the fund's rent model ("the Capital region or the rest of the country", seed 001).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

CAPITAL_REGION: Final[frozenset[str]] = frozenset({
    "101", "147", "151", "153", "155", "157", "159", "161", "163", "165", "167", "169", "173",
    "175", "183", "185", "187", "190", "201", "210", "217", "219", "223", "230", "240", "250",
    "260", "270", "400",
})  # fmt: skip


class Region(StrEnum):
    CAPITAL = "capital"  # Region Hovedstaden
    REST = "rest"  # resten af landet


def region_of(municipality_code: str) -> Region:
    return Region.CAPITAL if municipality_code in CAPITAL_REGION else Region.REST


class HousingType(StrEnum):
    FAMILY = "family"  # familiebolig
    YOUTH = "youth"  # ungdomsbolig
    ELDERLY = "elderly"  # ældre-/plejebolig


class BuildingType(StrEnum):
    MULTI_STOREY = "etage"  # etagebyggeri
    LOW_DENSE = "tæt-lav"  # tæt-lav byggeri


class AllocationType(StrEnum):
    """Anvisningstype, recorded when a lease is created (seed 003, Table 1).

    The values are the platform's code list (``AnvisningstypeKode`` on the wire) and match
    ``common.events.contracts.AllocationType``."""

    EXTERNAL_WAITING_LIST = "external_waiting_list"  # ekstern venteliste
    EXCHANGE = "exchange"  # bytning
    ORGANISATION_INTERNAL = "organisation_internal"  # organisationsintern
    DEPARTMENT_INTERNAL = "department_internal"  # afdelingsintern
    HOUSING_GUARANTEE = "housing_guarantee"  # boliggarantibevis
    PUBLIC_ADVERTISEMENT = "public_advertisement"  # offentlig annoncering
    FLEXIBLE_LETTING = "flexible_letting"  # fleksibel udlejning
    COMBINED_LETTING = "combined_letting"  # kombineret udlejning
    MUNICIPAL_ALLOCATION = "municipal_allocation"  # kommunal anvisning


class ExpenseType(StrEnum):
    """Boligudgift types. The rent of a dwelling as of a date is the sum of the rent-forming
    types valid that day; utilities (forbrug) are reported but are not rent."""

    BASE_RENT = "base_rent"  # grundleje
    IMPROVEMENT_SURCHARGE = "improvement_surcharge"  # forbedringsforhøjelse
    RENEWAL_SURCHARGE = "renewal_surcharge"  # renoveringstillæg / huslejestøtte-justering
    HEATING = "heating"  # varme (forbrug)
    WATER = "water"  # vand (forbrug)
    ELECTRICITY = "electricity"  # el (forbrug)
    ANTENNA = "antenna"  # antenne / fællesanlæg
    OTHER = "other"  # andet


RENT_FORMING: Final[frozenset[ExpenseType]] = frozenset(
    {ExpenseType.BASE_RENT, ExpenseType.IMPROVEMENT_SURCHARGE, ExpenseType.RENEWAL_SURCHARGE}
)
