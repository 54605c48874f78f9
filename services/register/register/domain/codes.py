"""Code lists of the register, documented once (see docs/glossary.md).

Municipality codes are Denmark's 98 municipalities (kommunekoder); Christiansø (411) is
state-administered and not a municipality. The Capital Region (Region Hovedstaden) decides the
region used by the fund's rent model ("the Capital region or the rest of the country", seed 001).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

MUNICIPALITIES: Final[dict[str, str]] = {
    "101": "København", "147": "Frederiksberg", "151": "Ballerup", "153": "Brøndby",
    "155": "Dragør", "157": "Gentofte", "159": "Gladsaxe", "161": "Glostrup", "163": "Herlev",
    "165": "Albertslund", "167": "Hvidovre", "169": "Høje-Taastrup", "173": "Lyngby-Taarbæk",
    "175": "Rødovre", "183": "Ishøj", "185": "Tårnby", "187": "Vallensbæk", "190": "Furesø",
    "201": "Allerød", "210": "Fredensborg", "217": "Helsingør", "219": "Hillerød",
    "223": "Hørsholm", "230": "Rudersdal", "240": "Egedal", "250": "Frederikssund",
    "253": "Greve", "259": "Køge", "260": "Halsnæs", "265": "Roskilde", "269": "Solrød",
    "270": "Gribskov", "306": "Odsherred", "316": "Holbæk", "320": "Faxe", "326": "Kalundborg",
    "329": "Ringsted", "330": "Slagelse", "336": "Stevns", "340": "Sorø", "350": "Lejre",
    "360": "Lolland", "370": "Næstved", "376": "Guldborgsund", "390": "Vordingborg",
    "400": "Bornholm", "410": "Middelfart", "420": "Assens", "430": "Faaborg-Midtfyn",
    "440": "Kerteminde", "450": "Nyborg", "461": "Odense", "479": "Svendborg",
    "480": "Nordfyns", "482": "Langeland", "492": "Ærø", "510": "Haderslev", "530": "Billund",
    "540": "Sønderborg", "550": "Tønder", "561": "Esbjerg", "563": "Fanø", "573": "Varde",
    "575": "Vejen", "580": "Aabenraa", "607": "Fredericia", "615": "Horsens", "621": "Kolding",
    "630": "Vejle", "657": "Herning", "661": "Holstebro", "665": "Lemvig", "671": "Struer",
    "706": "Syddjurs", "707": "Norddjurs", "710": "Favrskov", "727": "Odder", "730": "Randers",
    "740": "Silkeborg", "741": "Samsø", "746": "Skanderborg", "751": "Aarhus",
    "756": "Ikast-Brande", "760": "Ringkøbing-Skjern", "766": "Hedensted", "773": "Morsø",
    "779": "Skive", "787": "Thisted", "791": "Viborg", "810": "Brønderslev",
    "813": "Frederikshavn", "820": "Vesthimmerlands", "825": "Læsø", "840": "Rebild",
    "846": "Mariagerfjord", "849": "Jammerbugt", "851": "Aalborg", "860": "Hjørring",
}  # fmt: skip

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
