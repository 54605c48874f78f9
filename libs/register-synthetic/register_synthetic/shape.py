"""The shape of the synthetic register: seed 003's figures and the documented assumptions the
generator draws with (``register_synthetic.generator``). Every share holds at every scale."""

from __future__ import annotations

from decimal import Decimal
from typing import Final, NamedTuple

from register.domain.codes import AllocationType, HousingType

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
# The allocation type of a vacancy lease (the column is mandatory; it is not a letting). ERP
# systems code it either way; every VACANCY_LEASE_MUNICIPAL_EVERY-th vacancy lease carries the
# municipal code, so statistics that must not count it as a municipal letting are exercised.
VACANCY_LEASE_ALLOCATION: Final = AllocationType.EXTERNAL_WAITING_LIST
VACANCY_LEASE_MUNICIPAL_EVERY: Final = 4

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
