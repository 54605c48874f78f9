"""Wire format of the ERP webservice: LBF's Danish field names as aliases of English names.

Inputs leave business fields optional: the register's rules (``register.domain.rules``), not the
parser, decide what is mandatory, so a draft (``KladdeIndikator``) can be stored incomplete and
every missing field is reported with a JSON pointer. The parser only refuses what cannot be a
value at all (wrong types, too many digits, text that PostgreSQL cannot store).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from common.dates import WireDate
from common.money import DKK
from register.domain import records as domain
from register.domain.records import EntityType, Outcome

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"


def _storable(value: str) -> str:
    """PostgreSQL text cannot hold NUL characters or lone surrogates."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode") from None
    return value


RecordId = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=ID_PATTERN, examples=["afd-0412"]),
]
"""The submitter's own identifier of a record (letters, digits and ``._:-``)."""

Text = Annotated[str, Field(max_length=200), AfterValidator(_storable)]
Code = Annotated[str, Field(max_length=40), AfterValidator(_storable)]
Money = Annotated[DKK, Field(max_digits=12)]
Area = Annotated[Decimal, Field(max_digits=7, decimal_places=2, allow_inf_nan=False)]
Year = Annotated[int, Field(ge=0, le=9999)]
Count = Annotated[int, Field(ge=0, le=10_000)]


class WireModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


VERSION_FIELD = Field(
    default=None,
    ge=1,
    le=2**31 - 1,
    description="On update: the version you read (instead of an If-Match header). A stale "
    "version is refused with 412; on create it is ignored.",
)
CONFIRM_FIELD = Field(
    default=False,
    alias="AdvarslerBekraeftetIndikator",
    description="The submitter has seen this record's plausibility warnings and confirms the "
    "record as it is: it is accepted instead of held.",
)


# --- organisations -----------------------------------------------------------------------------


class OrganisationIn(WireModel):
    """A housing organisation (boligorganisation)."""

    id: RecordId = Field(alias="BoligorganisationIdentifikator")
    cvr: Code | None = Field(
        default=None, alias="CVRNummer", description="CVR number, 8 digits (mod 11 checked)."
    )
    name: Text | None = Field(default=None, alias="BoligorganisationNavn")
    home_municipality_code: Code | None = Field(
        default=None,
        alias="HjemstedKommuneKode",
        description="Home municipality (hjemstedskommune), one of the 98 municipality codes.",
    )
    administered_by: RecordId | None = Field(
        default=None,
        alias="AdministrationsorganisationIdentifikator",
        description="The administration organisation acting for it, if any.",
    )
    version: int | None = VERSION_FIELD

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "BoligorganisationIdentifikator": "org-0101",
                    "CVRNummer": "10000009",
                    "BoligorganisationNavn": "Boligselskabet Nordvest",
                    "HjemstedKommuneKode": "101",
                }
            ]
        }
    )

    def to_domain(self) -> domain.Organisation:
        return domain.Organisation(
            id=self.id,
            cvr=self.cvr,
            name=self.name,
            home_municipality_code=self.home_municipality_code,
            administered_by=self.administered_by,
        )


class OrganisationOut(ReadModel):
    id: str = Field(alias="BoligorganisationIdentifikator")
    cvr: str = Field(alias="CVRNummer")
    name: str = Field(alias="BoligorganisationNavn")
    home_municipality_code: str = Field(alias="HjemstedKommuneKode")
    administered_by: str | None = Field(alias="AdministrationsorganisationIdentifikator")
    version: int
    updated_at: datetime = Field(alias="AendretTidspunkt")


# --- departments -------------------------------------------------------------------------------


class DepartmentIn(WireModel):
    """A department (afdeling) of a housing organisation."""

    id: RecordId = Field(alias="AfdelingIdentifikator")
    organisation_id: RecordId | None = Field(default=None, alias="BoligorganisationIdentifikator")
    name: Text | None = Field(default=None, alias="AfdelingNavn")
    municipality_code: Code | None = Field(
        default=None,
        alias="KommuneKode",
        description="Municipality where the department lies (beliggenhedskommune).",
    )
    housing_type: Code | None = Field(
        default=None,
        alias="AfdelingBoligtypeKode",
        description="family (familiebolig), youth (ungdomsbolig) or elderly (ældre-/plejebolig).",
    )
    construction_year: Year | None = Field(default=None, alias="OpfoerelsesAar")
    building_type: Code | None = Field(
        default=None,
        alias="BygningstypeKode",
        description="etage (multi-storey) or tæt-lav (low and dense).",
    )
    version: int | None = VERSION_FIELD

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "AfdelingIdentifikator": "afd-0412",
                    "BoligorganisationIdentifikator": "org-0101",
                    "AfdelingNavn": "Tingbjerg II",
                    "KommuneKode": "101",
                    "AfdelingBoligtypeKode": "family",
                    "OpfoerelsesAar": 1972,
                    "BygningstypeKode": "etage",
                }
            ]
        }
    )

    def to_domain(self) -> domain.Department:
        return domain.Department(
            id=self.id,
            organisation_id=self.organisation_id,
            name=self.name,
            municipality_code=self.municipality_code,
            housing_type=self.housing_type,
            construction_year=self.construction_year,
            building_type=self.building_type,
        )


class DepartmentOut(ReadModel):
    id: str = Field(alias="AfdelingIdentifikator")
    organisation_id: str = Field(alias="BoligorganisationIdentifikator")
    name: str = Field(alias="AfdelingNavn")
    municipality_code: str = Field(alias="KommuneKode")
    housing_type: str = Field(alias="AfdelingBoligtypeKode")
    construction_year: int = Field(alias="OpfoerelsesAar")
    building_type: str = Field(alias="BygningstypeKode")
    region: str = Field(alias="RegionKode", description="capital or rest (derived).")
    version: int
    updated_at: datetime = Field(alias="AendretTidspunkt")


# --- building sections -------------------------------------------------------------------------


class BuildingSectionIn(WireModel):
    """A building section (byggeafsnit) of a department."""

    id: RecordId = Field(alias="ByggeafsnitIdentifikator")
    department_id: RecordId | None = Field(default=None, alias="AfdelingIdentifikator")
    name: Text | None = Field(default=None, alias="ByggeafsnitNavn")
    construction_year: Year | None = Field(default=None, alias="OpfoerelsesAar")
    version: int | None = VERSION_FIELD

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ByggeafsnitIdentifikator": "afs-0412-1",
                    "AfdelingIdentifikator": "afd-0412",
                    "ByggeafsnitNavn": "Blok A",
                    "OpfoerelsesAar": 1972,
                }
            ]
        }
    )

    def to_domain(self) -> domain.BuildingSection:
        return domain.BuildingSection(
            id=self.id,
            department_id=self.department_id,
            name=self.name,
            construction_year=self.construction_year,
        )


class BuildingSectionOut(ReadModel):
    id: str = Field(alias="ByggeafsnitIdentifikator")
    department_id: str = Field(alias="AfdelingIdentifikator")
    name: str = Field(alias="ByggeafsnitNavn")
    construction_year: int | None = Field(alias="OpfoerelsesAar")
    version: int
    updated_at: datetime = Field(alias="AendretTidspunkt")


# --- dwellings ---------------------------------------------------------------------------------


class DwellingIn(WireModel):
    """A dwelling (bolig) with its address, size and accessibility (handicap) data."""

    id: RecordId = Field(alias="BoligUnikIdentifikator")
    department_id: RecordId | None = Field(default=None, alias="AfdelingIdentifikator")
    building_section_id: RecordId | None = Field(default=None, alias="ByggeafsnitIdentifikator")
    bbr_unit_id: Code | None = Field(
        default=None, alias="BBREnhedIdentifikator", description="BBR unit id (enheds-id)."
    )
    street: Text | None = Field(default=None, alias="Vejnavn")
    house_number: Code | None = Field(default=None, alias="Husnummer")
    floor: Code | None = Field(default=None, alias="Etage")
    door: Code | None = Field(default=None, alias="Doer")
    postcode: Code | None = Field(default=None, alias="Postnummer")
    city: Text | None = Field(default=None, alias="Bynavn")
    rooms: Count | None = Field(default=None, alias="BoligAntalRum")
    area_m2: Area | None = Field(
        default=None,
        alias="BoligArealKvadratmeter",
        description="Gross floor area in m²; under 10 or over 300 is a plausibility warning.",
    )
    step_free_access: bool | None = Field(default=None, alias="NiveaufriAdgangIndikator")
    elevator: bool | None = Field(default=None, alias="ElevatorIndikator")
    wheelchair_accessible: bool | None = Field(default=None, alias="KoerestolsegnetIndikator")
    confirmed: bool = CONFIRM_FIELD
    version: int | None = VERSION_FIELD

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "BoligUnikIdentifikator": "bol-0412-0001",
                    "AfdelingIdentifikator": "afd-0412",
                    "ByggeafsnitIdentifikator": "afs-0412-1",
                    "BBREnhedIdentifikator": "0a3f50a1-1b2c-32b8-e044-0003ba298018",
                    "Vejnavn": "Ruten",
                    "Husnummer": "12",
                    "Etage": "2",
                    "Doer": "tv",
                    "Postnummer": "2700",
                    "Bynavn": "Brønshøj",
                    "BoligAntalRum": 3,
                    "BoligArealKvadratmeter": "72.50",
                    "NiveaufriAdgangIndikator": False,
                    "ElevatorIndikator": True,
                    "KoerestolsegnetIndikator": False,
                }
            ]
        }
    )

    def to_domain(self) -> domain.Dwelling:
        return domain.Dwelling(
            id=self.id,
            department_id=self.department_id,
            building_section_id=self.building_section_id,
            bbr_unit_id=self.bbr_unit_id,
            street=self.street,
            house_number=self.house_number,
            floor=self.floor,
            door=self.door,
            postcode=self.postcode,
            city=self.city,
            rooms=self.rooms,
            area_m2=self.area_m2,
            step_free_access=self.step_free_access,
            elevator=self.elevator,
            wheelchair_accessible=self.wheelchair_accessible,
        )


class DwellingOut(ReadModel):
    id: str = Field(alias="BoligUnikIdentifikator")
    department_id: str = Field(alias="AfdelingIdentifikator")
    building_section_id: str | None = Field(alias="ByggeafsnitIdentifikator")
    bbr_unit_id: str | None = Field(alias="BBREnhedIdentifikator")
    street: str = Field(alias="Vejnavn")
    house_number: str = Field(alias="Husnummer")
    floor: str | None = Field(alias="Etage")
    door: str | None = Field(alias="Doer")
    postcode: str = Field(alias="Postnummer")
    city: str = Field(alias="Bynavn")
    rooms: int = Field(alias="BoligAntalRum")
    area_m2: Decimal = Field(alias="BoligArealKvadratmeter")
    step_free_access: bool | None = Field(alias="NiveaufriAdgangIndikator")
    elevator: bool | None = Field(alias="ElevatorIndikator")
    wheelchair_accessible: bool | None = Field(alias="KoerestolsegnetIndikator")
    version: int
    updated_at: datetime = Field(alias="AendretTidspunkt")


# --- housing expenses --------------------------------------------------------------------------


class ExpenseFields(WireModel):
    expense_type: Code | None = Field(
        default=None,
        alias="BoligudgiftTypeKode",
        description="base_rent, improvement_surcharge and renewal_surcharge form the rent; "
        "heating, water, electricity, antenna and other are reported but are not rent.",
    )
    monthly_amount: Money | None = Field(
        default=None, alias="BoligudgiftBeloeb", description="Monthly amount in DKK, ≥ 0."
    )
    valid_from: WireDate | None = Field(default=None, alias="BoligudgiftStartDato")
    valid_to: WireDate | None = Field(default=None, alias="BoligudgiftSlutDato")

    def to_domain(self) -> domain.HousingExpense:
        return domain.HousingExpense(
            expense_type=self.expense_type,
            monthly_amount=self.monthly_amount,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
        )


EXPENSE_EXAMPLE: dict[str, Any] = {
    "BoligudgiftTypeKode": "base_rent",
    "BoligudgiftBeloeb": "5875.00",
    "BoligudgiftStartDato": "2026-12-01",
}


class LeaseExpenseIn(ExpenseFields):
    """A dated housing expense (boligudgift) of a lease, sent with the lease."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXPENSE_EXAMPLE]})


class HousingExpenseIn(ExpenseFields):
    """A housing expense reported on its own, e.g. a later rent change of a lease. In a bulk
    submission it names its lease; its identity there is (lease, type, start date)."""

    lease_id: RecordId | None = Field(default=None, alias="LejekontraktUnikIdentifikator")
    confirmed: bool = CONFIRM_FIELD
    version: int | None = VERSION_FIELD

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **EXPENSE_EXAMPLE,
                    "LejekontraktUnikIdentifikator": "lk-2026-000123",
                    "BoligudgiftStartDato": "2027-01-01",
                    "BoligudgiftBeloeb": "6010.00",
                }
            ]
        }
    )


class Warning_(ReadModel):
    pointer: str = Field(description="JSON pointer to the field, relative to the record.")
    code: str
    detail: str


class HousingExpenseOut(ReadModel):
    id: int = Field(alias="BoligudgiftIdentifikator")
    lease_id: str = Field(alias="LejekontraktUnikIdentifikator")
    expense_type: str = Field(alias="BoligudgiftTypeKode")
    monthly_amount: Money = Field(alias="BoligudgiftBeloeb")
    valid_from: date = Field(alias="BoligudgiftStartDato")
    valid_to: date | None = Field(alias="BoligudgiftSlutDato")
    version: int
    updated_at: datetime = Field(alias="AendretTidspunkt")
    warnings: list[Warning_] = Field(
        default_factory=list,
        alias="Advarsler",
        description="On a write: the plausibility warnings the changed rent raised (rent per m² "
        "outside the department's range, a jump from the previous lease); the lease is then "
        "held until confirmed (POST /leases/{id}/confirm), or send the expense with "
        "AdvarslerBekraeftetIndikator: true. Empty when read.",
    )


# --- leases ------------------------------------------------------------------------------------


LEASE_MANDATORY_NOTE = (
    "Mandatory unless KladdeIndikator is true (a draft); a lease without it is refused "
    "(422 missing-field)."
)


class LeaseIn(WireModel):
    """A lease (lejekontrakt) of a dwelling, usually with its housing expenses.

    Mandatory for a lease of the register: BoligUnikIdentifikator, LejekontraktStartDato,
    AnvisningstypeKode, EksternReference and a rent-forming expense (base rent) valid on the
    start date. A draft (KladdeIndikator true) needs only BoligUnikIdentifikator — the dwelling
    says whose draft it is — and is checked only for what it carries."""

    id: RecordId = Field(alias="LejekontraktUnikIdentifikator")
    dwelling_id: RecordId | None = Field(
        default=None,
        alias="BoligUnikIdentifikator",
        description="The dwelling let. Mandatory, on a draft too (it says whose the lease is).",
    )
    external_reference: Text | None = Field(
        default=None,
        alias="EksternReference",
        description="The ERP system's own reference. " + LEASE_MANDATORY_NOTE,
    )
    start_date: WireDate | None = Field(
        default=None, alias="LejekontraktStartDato", description=LEASE_MANDATORY_NOTE
    )
    end_date: WireDate | None = Field(default=None, alias="LejekontraktSlutDato")
    allocation_type: Code | None = Field(
        default=None,
        alias="AnvisningstypeKode",
        description="How the dwelling was let (anvisningstype): external_waiting_list, "
        "exchange, organisation_internal, department_internal, housing_guarantee, "
        "public_advertisement, flexible_letting, combined_letting, municipal_allocation. "
        + LEASE_MANDATORY_NOTE,
    )
    vacancy_loss_flag: bool = Field(
        default=False,
        alias="LejekontraktTomgangsledigIndikator",
        description="Vacant with a loss to the department (tomgang).",
    )
    vacant_soon_flag: bool = Field(
        default=False,
        alias="LejekontraktLedigIndikator",
        description="About to become vacant: shown on the vacancy listing (ledig). Never "
        "together with LejekontraktTomgangsledigIndikator on the same dwelling.",
    )
    deposit: Money | None = Field(default=None, alias="Depositum")
    tenant_name: Text | None = Field(
        default=None, alias="LejerNavn", description="Personal data: never published."
    )
    draft: bool = Field(
        default=False,
        alias="KladdeIndikator",
        description="A draft is stored without completeness and plausibility checks — it needs "
        "only BoligUnikIdentifikator; the start date, allocation type, EksternReference and "
        "the base rent may follow — and is neither published nor counted until it is "
        "submitted without this flag.",
    )
    expenses: list[LeaseExpenseIn] = Field(
        default_factory=list,
        max_length=200,
        alias="Boligudgifter",
        description="The lease's housing expenses; each replaces a stored one with the same "
        "type and start date, others stay (end one by giving it an end date).",
    )
    confirmed: bool = CONFIRM_FIELD
    version: int | None = VERSION_FIELD

    model_config = ConfigDict(
        json_schema_extra={
            # What the rules demand, in the schema too (JSON Schema 2020-12, as OpenAPI 3.1
            # allows): a draft needs its dwelling, a lease of the register the mandatory fields.
            "if": {
                "properties": {"KladdeIndikator": {"const": True}},
                "required": ["KladdeIndikator"],
            },
            "then": {"required": ["BoligUnikIdentifikator"]},
            "else": {
                "required": [
                    "BoligUnikIdentifikator",
                    "LejekontraktStartDato",
                    "AnvisningstypeKode",
                    "EksternReference",
                ]
            },
            "examples": [
                {
                    "LejekontraktUnikIdentifikator": "lk-2026-000123",
                    "BoligUnikIdentifikator": "bol-0412-0001",
                    "EksternReference": "ERP-77812",
                    "LejekontraktStartDato": "2026-12-01",
                    "AnvisningstypeKode": "municipal_allocation",
                    "LejekontraktTomgangsledigIndikator": False,
                    "LejekontraktLedigIndikator": False,
                    "Depositum": "17625.00",
                    "Boligudgifter": [EXPENSE_EXAMPLE],
                }
            ],
        }
    )

    def to_domain(self) -> domain.Lease:
        return domain.Lease(
            id=self.id,
            dwelling_id=self.dwelling_id,
            external_reference=self.external_reference,
            start_date=self.start_date,
            end_date=self.end_date,
            allocation_type=self.allocation_type,
            vacancy_loss_flag=self.vacancy_loss_flag,
            vacant_soon_flag=self.vacant_soon_flag,
            deposit=self.deposit,
            tenant_name=self.tenant_name,
            draft=self.draft,
            expenses=tuple(e.to_domain() for e in self.expenses),
        )


class LeaseOut(ReadModel):
    id: str = Field(alias="LejekontraktUnikIdentifikator")
    dwelling_id: str = Field(alias="BoligUnikIdentifikator")
    external_reference: str | None = Field(alias="EksternReference")
    start_date: date | None = Field(
        alias="LejekontraktStartDato", description="Null only on a draft that has none yet."
    )
    end_date: date | None = Field(alias="LejekontraktSlutDato")
    allocation_type: str | None = Field(
        alias="AnvisningstypeKode", description="Null only on a draft that has none yet."
    )
    vacancy_loss_flag: bool = Field(alias="LejekontraktTomgangsledigIndikator")
    vacant_soon_flag: bool = Field(alias="LejekontraktLedigIndikator")
    deposit: Money | None = Field(alias="Depositum")
    tenant_name: str | None = Field(
        alias="LejerNavn", description="Null for readers who may not see tenant names."
    )
    status: str = Field(alias="Status", description="accepted, draft or held.")
    warnings: list[Warning_] = Field(
        alias="Advarsler",
        description="Open plausibility warnings of a held lease. On a write, also what the "
        "register kept against the lease as sent (code municipal-allocation-kept: the lease "
        "was let by municipal allocation, so AnvisningstypeKode stays municipal_allocation "
        "whatever was sent; the rest is stored). That is said on the write only, never stored.",
    )
    version: int
    updated_at: datetime = Field(alias="AendretTidspunkt")


# --- lists -------------------------------------------------------------------------------------


ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None = Field(
        description="Pass as ``cursor`` for the next page; null on the last page."
    )


# --- bulk submissions --------------------------------------------------------------------------

RECORD_SCHEMAS: dict[EntityType, type[WireModel]] = {
    EntityType.ORGANISATION: OrganisationIn,
    EntityType.DEPARTMENT: DepartmentIn,
    EntityType.BUILDING_SECTION: BuildingSectionIn,
    EntityType.DWELLING: DwellingIn,
    EntityType.LEASE: LeaseIn,
    EntityType.HOUSING_EXPENSE: HousingExpenseIn,
}


class SubmissionRecord(BaseModel):
    type: EntityType = Field(description="Which kind of record ``record`` is.")
    record: dict[str, Any] = Field(
        description="The record in the same format as the single-record endpoint of its type."
    )


class SubmissionIn(BaseModel):
    """Up to ``bulk_max_records`` (5,000) typed records or 10 MiB, applied in dependency order
    (organisations → departments → building sections → dwellings → leases → expenses)."""

    records: list[SubmissionRecord] = Field(min_length=1)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "records": [
                        {
                            "type": "lease",
                            "record": {
                                "LejekontraktUnikIdentifikator": "lk-2026-000123",
                                "BoligUnikIdentifikator": "bol-0412-0001",
                                "EksternReference": "ERP-77812",
                                "LejekontraktStartDato": "2026-12-01",
                                "AnvisningstypeKode": "municipal_allocation",
                                "Boligudgifter": [EXPENSE_EXAMPLE],
                            },
                        }
                    ]
                }
            ]
        }
    )


class FieldProblem(BaseModel):
    pointer: str
    detail: str
    code: str


class RecordProblem(BaseModel):
    """RFC 9457 problem of one rejected record."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = Field(default_factory=list)


class RecordResult(BaseModel):
    index: int = Field(description="Position of the record in ``records``.")
    type: EntityType
    id: str | None = Field(description="The record's identifier, if it could be read.")
    outcome: Outcome = Field(
        description="accepted (stored, published), held (warnings await confirmation), "
        "draft (stored as a draft) or rejected (nothing stored)."
    )
    changed: bool = Field(
        description="Whether the record was stored anew (false: identical to the register)."
    )
    version: int | None = Field(description="The record's version after the submission.")
    warnings: list[FieldProblem] = Field(
        default_factory=list,
        description="The record's plausibility warnings, and what the register kept against it "
        "as sent (a lease let by municipal allocation keeps AnvisningstypeKode "
        "municipal_allocation: code municipal-allocation-kept).",
    )
    problem: RecordProblem | None = None


class SubmissionOut(BaseModel):
    submission_id: str
    validate_only: bool = Field(description="True: nothing was stored or published.")
    accepted: int
    held: int
    draft: int
    rejected: int
    results: list[RecordResult]


# --- bulk confirmation of held leases ----------------------------------------------------------

MAX_CONFIRMATIONS = 1000


class LeaseConfirmationsIn(WireModel):
    """Held leases whose plausibility warnings the submitter has seen and confirms."""

    lease_ids: list[RecordId] = Field(
        alias="LejekontraktUnikIdentifikatorer",
        min_length=1,
        max_length=MAX_CONFIRMATIONS,
        description=f"The held leases to accept, at most {MAX_CONFIRMATIONS}; an id named twice "
        "is confirmed once.",
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"LejekontraktUnikIdentifikatorer": ["lk-1", "lk-2"]}]}
    )


class LeaseConfirmationOut(BaseModel):
    lease_id: str = Field(alias="LejekontraktUnikIdentifikator")
    outcome: Literal["confirmed", "already_accepted", "refused"] = Field(
        alias="Resultat",
        description="confirmed (held → accepted, published now), already_accepted (nothing "
        "to do: confirming again is harmless), refused (see problem: a draft, or a lease "
        "that is not found for you).",
    )
    version: int | None = Field(description="The lease's version; null when refused.")
    problem: RecordProblem | None = None

    model_config = ConfigDict(populate_by_name=True)


class LeaseConfirmationsOut(BaseModel):
    confirmed: int
    already_accepted: int
    refused: int
    results: list[LeaseConfirmationOut] = Field(description="One per id, in the order sent.")


# --- dwellings held by their plausibility warnings ----------------------------------------------


class HeldDwellingOut(BaseModel):
    """A dwelling held until its warnings are confirmed: not in the register yet."""

    dwelling_id: str = Field(alias="BoligUnikIdentifikator")
    status: Literal["held"] = Field(
        default="held",
        alias="Status",
        description="held: kept apart, not in the register (not counted, no parent of "
        "leases) until "
        "confirmed (POST /dwellings/{id}/confirm, /dwellings/confirmations) or sent again "
        "with AdvarslerBekraeftetIndikator: true.",
    )
    warnings: list[Warning_] = Field(alias="Advarsler")

    model_config = ConfigDict(populate_by_name=True)


class DwellingConfirmationsIn(WireModel):
    """Held dwellings whose plausibility warnings the submitter has seen and confirms."""

    dwelling_ids: list[RecordId] = Field(
        alias="BoligUnikIdentifikatorer",
        min_length=1,
        max_length=MAX_CONFIRMATIONS,
        description=f"The held dwellings to store, at most {MAX_CONFIRMATIONS}; an id named "
        "twice is confirmed once.",
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"BoligUnikIdentifikatorer": ["bol-1", "bol-2"]}]}
    )


class DwellingConfirmationOut(BaseModel):
    dwelling_id: str = Field(alias="BoligUnikIdentifikator")
    outcome: Literal["confirmed", "already_accepted", "refused"] = Field(
        alias="Resultat",
        description="confirmed (stored now), already_accepted (in the register and nothing "
        "held: confirming again is harmless), refused (see problem).",
    )
    version: int | None = Field(description="The dwelling's version; null when refused.")
    problem: RecordProblem | None = None

    model_config = ConfigDict(populate_by_name=True)


class DwellingConfirmationsOut(BaseModel):
    confirmed: int
    already_accepted: int
    refused: int
    results: list[DwellingConfirmationOut] = Field(description="One per id, in the order sent.")
