"""The contract catalogue: every event the platform publishes, as a versioned pydantic payload.

A consumer imports the contract it reads from here — never from the producing service's
package — so the producer and its consumers share exactly one definition of each event::

    from common.events.contracts import LeaseCreatedV1, to_envelope

    envelope = to_envelope(lease_created, correlation_id=request_id)  # producer, into the outbox
    lease = LeaseCreatedV1.from_envelope(envelope)  # consumer, typed
    contract = from_envelope(envelope)  # consumer of several events: any catalogued contract

Each contract names its event type (past tense, ``<producer>.<aggregate>.<verb>``), its topic
(one per aggregate type and major version, ``<producer>.<aggregate>.v<N>``), its schema
version, its producer and consumer services and the field holding the aggregate id, which is the
envelope's ``subject`` and the Kafka key (so order holds per aggregate).

Contracts carry ids and the facts their consumers need, never personal data: no CPR numbers,
no names, no e-mail addresses or phone numbers of persons. A consumer that needs more looks it
up by id in the owning service. Money is :data:`common.money.DKK` (a string with two decimals
on the wire), dates are ISO dates and timestamps carry a time zone.

How to evolve a contract
------------------------
Published events live on in Kafka, in outboxes and in dead-letter tables, and consumers are
deployed independently of producers, so a published contract changes **additively only**:

* allowed: a new *optional* field (with a default), a longer description, a new enum value
  once every consumer tolerates it (deploy the consumers first);
* anything else — removing or renaming a field, changing a type or format, making a field
  required, narrowing an enum or tightening a constraint — is a **new contract class**
  ``...V2`` with ``schema_version = 2`` on the topic ``<producer>.<aggregate>.v2``. The producer
  publishes V1 and V2 side by side until every consumer has moved to V2; only then is V1
  removed from the catalogue (and, deliberately, from the lock).

``docs/events/contracts.lock.json`` records the published schemas and a unit test rejects
breaking changes against it (:mod:`common.events.compatibility`); ``housing events asyncapi``
regenerates ``docs/events/asyncapi.json`` from this catalogue (:mod:`common.events.asyncapi`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from common.events.envelope import Envelope
from common.money import DKK

__all__ = [
    "CATALOGUE",
    "AccountsReportedV1",
    "AllocationType",
    "ApplicationPrequalifiedV1",
    "Contract",
    "CriticalColour",
    "DeliveryFailedV1",
    "DepartmentUpsertedV1",
    "DwellingVacancyChangedV1",
    "HousingType",
    "KeyFigure",
    "KeyFiguresUpdatedV1",
    "LeaseCreatedV1",
    "LeaseTerminatedV1",
    "LeaseUpdatedV1",
    "MeetingHeldV1",
    "OrganisationUpsertedV1",
    "OutstandingItem",
    "PackageReturnedV1",
    "PackageSentV1",
    "ReminderDueV1",
    "RentChangedV1",
    "StatementSubmittedV1",
    "UnknownContractError",
    "contract_for",
    "contracts_on",
    "from_envelope",
    "to_envelope",
    "topics",
]

SOURCE_PREFIX: Final = "/housing/"


class UnknownContractError(ValueError):
    """An envelope whose (event type, schema version) is not in the catalogue, or is not the
    contract the caller expected."""


# --- field types -------------------------------------------------------------------------------

Id = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"),
]
"""An opaque identifier issued by the owning service (a UUID or another printable token)."""

MunicipalityCode = Annotated[
    str,
    Field(
        pattern=r"^\d{3}$",
        description="Danish municipality code (kommunekode), three digits, e.g. '101'.",
    ),
]

Amount = Annotated[
    DKK,
    Field(ge=0),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{1,12}\.\d{2}$",
            "description": "Amount in DKK with exactly two decimals (øre), e.g. '6250.00'.",
        },
        mode="serialization",
    ),
]
"""A non-negative amount in kroner; on the wire a string with two decimals."""

_CENTI: Final = Decimal("0.01")


def _two_decimals(value: Decimal) -> Decimal:
    # Exact: the Field constraints have already refused more than two decimals.
    return value.quantize(_CENTI, rounding=ROUND_HALF_UP)


SquareMetres = Annotated[
    Decimal,
    Field(gt=0, max_digits=7, decimal_places=2, allow_inf_nan=False),
    AfterValidator(_two_decimals),
    PlainSerializer(lambda value: format(value, "f"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{1,5}\.\d{2}$",
            "description": "Square metres with exactly two decimals, e.g. '72.50'.",
        },
        mode="serialization",
    ),
]

TotalSquareMetres = Annotated[
    Decimal,
    Field(gt=0, max_digits=9, decimal_places=2, allow_inf_nan=False),
    AfterValidator(_two_decimals),
    PlainSerializer(lambda value: format(value, "f"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{1,7}\.\d{2}$",
            "description": "Square metres of a whole department with exactly two decimals, "
            "e.g. '152340.00'.",
        },
        mode="serialization",
    ),
]
"""The area of many dwellings together (a department's), up to 9,999,999.99 m²."""


class HousingType(StrEnum):
    """The kind of social dwelling (almen bolig)."""

    FAMILY = "family"  # familiebolig
    YOUTH = "youth"  # ungdomsbolig
    ELDERLY = "elderly"  # ældre-/plejebolig


class AllocationType(StrEnum):
    """How the dwelling was let (anvisningstype), as counted in the re-letting statistics."""

    EXTERNAL_WAITING_LIST = "external_waiting_list"  # ekstern venteliste
    EXCHANGE = "exchange"  # bytning
    ORGANISATION_INTERNAL = "organisation_internal"  # organisationsintern
    DEPARTMENT_INTERNAL = "department_internal"  # afdelingsintern
    HOUSING_GUARANTEE = "housing_guarantee"  # boliggarantibevis
    PUBLIC_ADVERTISEMENT = "public_advertisement"  # offentlig annoncering
    FLEXIBLE_LETTING = "flexible_letting"  # fleksibel udlejning
    COMBINED_LETTING = "combined_letting"  # kombineret udlejning
    MUNICIPAL_ALLOCATION = "municipal_allocation"  # kommunal anvisning


# --- the base class ----------------------------------------------------------------------------

_REQUIRED_CLASS_VARS: Final = (
    "event_type",
    "topic",
    "schema_version",
    "producer",
    "consumers",
    "summary",
    "aggregate_field",
)


class Contract(BaseModel):
    """The payload of one published event type at one schema version.

    Frozen, and tolerant of fields it does not know (``extra="ignore"``), so a consumer keeps
    working when the producer adds an optional field. Every concrete subclass sets all the
    class variables below; :meth:`__pydantic_init_subclass__` refuses one that does not.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    """Past tense, ``<producer>.<aggregate>.<verb>``, e.g. ``register.lease.created``."""
    topic: ClassVar[str]
    """``<producer>.<aggregate>.v<major>``, e.g. ``register.lease.v1``."""
    schema_version: ClassVar[int]
    producer: ClassVar[str]
    """The one service that publishes this event."""
    consumers: ClassVar[tuple[str, ...]]
    """The services that consume it."""
    summary: ClassVar[str]
    aggregate_field: ClassVar[str]
    """The field holding the aggregate id: the envelope's subject and the Kafka key."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        missing = [name for name in _REQUIRED_CLASS_VARS if not hasattr(cls, name)]
        if missing:
            raise TypeError(f"contract {cls.__name__} must set {', '.join(missing)}")
        if cls.aggregate_field not in cls.model_fields:
            raise TypeError(
                f"contract {cls.__name__}: aggregate_field {cls.aggregate_field!r} is not a field"
            )
        if not isinstance(cls.consumers, tuple):
            raise TypeError(f"contract {cls.__name__}: consumers must be a tuple of service names")
        if cls.producer in cls.consumers:
            raise TypeError(f"contract {cls.__name__}: {cls.producer} consumes its own event")

    @property
    def aggregate_id(self) -> str:
        """The aggregate id: envelope subject and Kafka key."""
        return str(getattr(self, self.aggregate_field))

    @classmethod
    def key(cls) -> str:
        """``<event_type>@v<schema_version>``: the contract's name in the lock file."""
        return f"{cls.event_type}@v{cls.schema_version}"

    @classmethod
    def source(cls) -> str:
        """The CloudEvents ``source`` of events of this contract: ``/housing/<producer>``."""
        return f"{SOURCE_PREFIX}{cls.producer}"

    @classmethod
    def payload_schema(cls) -> dict[str, Any]:
        """JSON schema of the payload as it travels (pydantic's serialization mode)."""
        return cls.model_json_schema(mode="serialization")

    @classmethod
    def example(cls) -> Self:
        """A representative instance, used in the AsyncAPI document and in tests."""
        raise NotImplementedError(f"{cls.__name__} has no example")

    @classmethod
    def from_envelope(cls, envelope: Envelope) -> Self:
        """The envelope's payload as this contract (or, on :class:`Contract` itself, as
        whichever catalogued contract its type and schema version name).

        Raises :class:`UnknownContractError` for an uncatalogued type/version or another
        contract than ``cls``, and pydantic's ``ValidationError`` (a ``ValueError``) for a
        payload that does not match."""
        found = contract_for(envelope.type, envelope.schema_version)
        if not issubclass(found, cls):
            raise UnknownContractError(
                f"expected {cls.__name__}, got {envelope.type!r} schema version "
                f"{envelope.schema_version} ({found.__name__})"
            )
        return found.model_validate(envelope.data)


# --- the contracts -----------------------------------------------------------------------------


class LeaseCreatedV1(Contract):
    """A lease was recorded in the rent register (huslejeregister).

    Carries the facts the benchmark calculator counts: where the dwelling is, its type, size
    and rent, how it was let, and the register's two vacancy flags."""

    event_type: ClassVar[str] = "register.lease.created"
    topic: ClassVar[str] = "register.lease.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "register"
    consumers: ClassVar[tuple[str, ...]] = ("benchmarks",)
    summary: ClassVar[str] = "A lease was recorded in the rent register."
    aggregate_field: ClassVar[str] = "lease_id"

    lease_id: Id = Field(description="The lease (lejekontrakt); the aggregate id and Kafka key.")
    dwelling_id: Id = Field(description="The leased dwelling (lejemål).")
    department_id: Id = Field(description="The department (afdeling) the dwelling belongs to.")
    organisation_id: Id = Field(
        description="The housing organisation (boligorganisation) owning the department."
    )
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the dwelling lies (beliggenhedskommune), three digits."
    )
    start_date: date = Field(description="First day of the lease.")
    end_date: date | None = Field(
        default=None,
        description="Last day of a fixed-term lease; null for a lease until further notice.",
    )
    allocation_type: AllocationType = Field(
        description="How the dwelling was let (anvisningstype), recorded when the lease is created."
    )
    monthly_rent: Amount = Field(
        description="Rent per month in DKK, excluding utilities (forbrug), two decimals."
    )
    area_m2: SquareMetres = Field(description="Gross floor area of the dwelling in m².")
    rooms: int = Field(ge=1, le=99, description="Number of rooms.")
    housing_type: HousingType = Field(description="family, youth or elderly dwelling.")
    vacancy_loss_flag: bool = Field(
        description=(
            "The dwelling stands vacant with a loss to the department "
            "(LejekontraktTomgangsledigIndikator, tomgang). Never set together with "
            "vacant_soon_flag."
        )
    )
    vacant_soon_flag: bool = Field(
        description=(
            "The dwelling is about to become vacant and is shown on the vacancy listing "
            "(LejekontraktLedigIndikator, ledig). Never set together with vacancy_loss_flag."
        )
    )
    recorded_at: AwareDatetime = Field(description="When the register recorded the lease.")
    rent_day: date | None = Field(
        default=None,
        description=(
            "The day whose rent monthly_rent is: the register's today (Copenhagen time), "
            "clamped into the lease period. Absent only in events recorded before it was added."
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.vacancy_loss_flag and self.vacant_soon_flag:
            raise ValueError(
                "vacancy_loss_flag (tomgang) and vacant_soon_flag (ledig) may never both be set"
            )
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        if self.rent_day is not None and not (
            self.start_date <= self.rent_day <= (self.end_date or self.rent_day)
        ):
            raise ValueError("rent_day must lie within the lease period")
        return self

    @classmethod
    def example(cls) -> Self:
        return cls(
            lease_id="7d1f9c2e-3b4a-4c5d-8e6f-0a1b2c3d4e5f",
            dwelling_id="c0a8e1f2-7b6d-4e5c-9a8b-1c2d3e4f5a6b",
            department_id="dep-0412",
            organisation_id="org-0101",
            municipality_code="101",
            start_date=date(2026, 12, 1),
            allocation_type=AllocationType.MUNICIPAL_ALLOCATION,
            monthly_rent=Decimal("5875.00"),
            area_m2=Decimal("68.50"),
            rooms=3,
            housing_type=HousingType.FAMILY,
            vacancy_loss_flag=False,
            vacant_soon_flag=False,
            recorded_at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
            rent_day=date(2026, 12, 1),
        )


class PackageSentV1(Contract):
    """A housing organisation sent its governance documentation package (styringsdialog).

    The package went to the home municipality, and the governance report with the relevant
    department forms to each location municipality. The counts of key figures marked red or
    yellow against their benchmarks are what dashboards and reminder e-mails need; the figures
    themselves stay in the governance service."""

    event_type: ClassVar[str] = "governance.package.sent"
    topic: ClassVar[str] = "governance.package.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "governance"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    summary: ClassVar[str] = "A governance documentation package was sent to its municipalities."
    aggregate_field: ClassVar[str] = "package_id"

    package_id: Id = Field(
        description="The documentation package (dokumentationspakke); the aggregate id."
    )
    organisation_id: Id = Field(description="The housing organisation that sent the package.")
    governance_year: int = Field(
        ge=2000,
        le=2100,
        description="The governance year (styringsår); package N carries the accounts of N-1.",
    )
    home_municipality_code: MunicipalityCode = Field(
        description="The organisation's home municipality (hjemstedskommune), which received "
        "the whole package."
    )
    location_municipality_codes: list[MunicipalityCode] = Field(
        description="Municipalities where the organisation's departments lie "
        "(beliggenhedskommuner), which received the report and their department forms; "
        "sorted, without duplicates; may include the home municipality."
    )
    sent_at: AwareDatetime = Field(description="When the package was sent (Fremsendt).")
    red_figures: int = Field(
        ge=0, description="Number of key figures with a red (critical) value in the package."
    )
    yellow_figures: int = Field(
        ge=0, description="Number of key figures with a yellow (warning) value in the package."
    )

    @field_validator("location_municipality_codes")
    @classmethod
    def _sorted_unique(cls, codes: list[str]) -> list[str]:
        return sorted(set(codes))

    @classmethod
    def example(cls) -> Self:
        return cls(
            package_id="pkg-2026-0101",
            organisation_id="org-0101",
            governance_year=2026,
            home_municipality_code="101",
            location_municipality_codes=["101", "147", "157"],
            sent_at=datetime(2026, 11, 24, 14, 5, tzinfo=UTC),
            red_figures=1,
            yellow_figures=4,
        )


class ApplicationPrequalifiedV1(Contract):
    """The National Building Fund (LBF) prequalified a § 91a grant application.

    The applicant may now prepare a comprehensive plan (helhedsplan); the reserved amount is
    set aside for it, possibly with an advance for a project manager."""

    event_type: ClassVar[str] = "grants.application.prequalified"
    topic: ClassVar[str] = "grants.application.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "grants"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    summary: ClassVar[str] = "A § 91a prequalification application was prequalified."
    aggregate_field: ClassVar[str] = "application_id"

    application_id: Id = Field(description="The grant application; the aggregate id.")
    organisation_id: Id = Field(description="The applying housing organisation.")
    department_ids: list[Id] = Field(
        min_length=1, description="The departments (afdelinger) the application covers."
    )
    municipality_code: MunicipalityCode = Field(
        description="The municipality that recommended the application, three digits."
    )
    reserved_amount: Amount = Field(
        description="Amount in DKK reserved for the comprehensive plan, two decimals."
    )
    advance_amount: Amount | None = Field(
        default=None,
        description="Advance in DKK for a project manager, if granted; null otherwise.",
    )
    decided_at: AwareDatetime = Field(description="When the fund decided to prequalify.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            application_id="app-2026-0042",
            organisation_id="org-0101",
            department_ids=["dep-0412", "dep-0413"],
            municipality_code="101",
            reserved_amount=Decimal("12500000.00"),
            advance_amount=Decimal("350000.00"),
            decided_at=datetime(2026, 11, 20, 11, 0, tzinfo=UTC),
        )


class LeaseUpdatedV1(Contract):
    """An accepted lease in the rent register changed (a correction or a new fact).

    Carries the lease's whole current state, like LeaseCreatedV1, plus its version, so a
    consumer can replace what it counted before."""

    event_type: ClassVar[str] = "register.lease.updated"
    topic: ClassVar[str] = "register.lease.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "register"
    consumers: ClassVar[tuple[str, ...]] = ("benchmarks",)
    summary: ClassVar[str] = "An accepted lease in the rent register changed."
    aggregate_field: ClassVar[str] = "lease_id"

    lease_id: Id = Field(description="The lease (lejekontrakt); the aggregate id and Kafka key.")
    dwelling_id: Id = Field(description="The leased dwelling (lejemål).")
    department_id: Id = Field(description="The department (afdeling) the dwelling belongs to.")
    organisation_id: Id = Field(
        description="The housing organisation (boligorganisation) owning the department."
    )
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the dwelling lies (beliggenhedskommune), three digits."
    )
    version: int = Field(ge=1, description="The lease's version in the register after the change.")
    start_date: date = Field(description="First day of the lease.")
    end_date: date | None = Field(
        default=None, description="Last day of the lease; null for a lease until further notice."
    )
    allocation_type: AllocationType = Field(
        description="How the dwelling was let (anvisningstype), recorded when the lease is created."
    )
    monthly_rent: Amount = Field(
        description="Current rent per month in DKK (rent-forming expenses valid today, or at the "
        "nearest day of the lease period), excluding utilities, two decimals."
    )
    area_m2: SquareMetres = Field(description="Gross floor area of the dwelling in m².")
    rooms: int = Field(ge=1, le=99, description="Number of rooms.")
    housing_type: HousingType = Field(description="family, youth or elderly dwelling.")
    vacancy_loss_flag: bool = Field(
        description="The dwelling stands vacant with a loss to the department "
        "(LejekontraktTomgangsledigIndikator). Never set together with vacant_soon_flag."
    )
    vacant_soon_flag: bool = Field(
        description="The dwelling is about to become vacant (LejekontraktLedigIndikator). "
        "Never set together with vacancy_loss_flag."
    )
    recorded_at: AwareDatetime = Field(description="When the register recorded the change.")
    rent_day: date | None = Field(
        default=None,
        description=(
            "The day whose rent monthly_rent is: the register's today (Copenhagen time), "
            "clamped into the lease period. Absent only in events recorded before it was added."
        ),
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.vacancy_loss_flag and self.vacant_soon_flag:
            raise ValueError(
                "vacancy_loss_flag (tomgang) and vacant_soon_flag (ledig) may never both be set"
            )
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        if self.rent_day is not None and not (
            self.start_date <= self.rent_day <= (self.end_date or self.rent_day)
        ):
            raise ValueError("rent_day must lie within the lease period")
        return self

    @classmethod
    def example(cls) -> Self:
        created = LeaseCreatedV1.example().model_dump()
        return cls(**{**created, "version": 2, "vacant_soon_flag": True})


class LeaseTerminatedV1(Contract):
    """A lease in the rent register got an end date, or its end date was moved.

    The dwelling will be (or was) re-let from the day after ``end_date``."""

    event_type: ClassVar[str] = "register.lease.terminated"
    topic: ClassVar[str] = "register.lease.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "register"
    consumers: ClassVar[tuple[str, ...]] = ("benchmarks",)
    summary: ClassVar[str] = "A lease in the rent register got or moved its end date."
    aggregate_field: ClassVar[str] = "lease_id"

    lease_id: Id = Field(description="The lease (lejekontrakt); the aggregate id and Kafka key.")
    dwelling_id: Id = Field(description="The leased dwelling (lejemål).")
    department_id: Id = Field(description="The department (afdeling) the dwelling belongs to.")
    organisation_id: Id = Field(
        description="The housing organisation (boligorganisation) owning the department."
    )
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the dwelling lies (beliggenhedskommune), three digits."
    )
    start_date: date = Field(description="First day of the lease.")
    end_date: date = Field(description="Last day of the lease (the new end date).")
    previous_end_date: date | None = Field(
        default=None, description="The end date before this change; null if there was none."
    )
    allocation_type: AllocationType = Field(
        description="How the dwelling was let (anvisningstype)."
    )
    recorded_at: AwareDatetime = Field(description="When the register recorded the change.")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self

    @classmethod
    def example(cls) -> Self:
        return cls(
            lease_id="7d1f9c2e-3b4a-4c5d-8e6f-0a1b2c3d4e5f",
            dwelling_id="c0a8e1f2-7b6d-4e5c-9a8b-1c2d3e4f5a6b",
            department_id="dep-0412",
            organisation_id="org-0101",
            municipality_code="101",
            start_date=date(2026, 12, 1),
            end_date=date(2028, 3, 31),
            allocation_type=AllocationType.MUNICIPAL_ALLOCATION,
            recorded_at=datetime(2028, 1, 10, 8, 0, tzinfo=UTC),
        )


class RentChangedV1(Contract):
    """The monthly rent of an accepted lease changed because its rent-forming housing expenses
    (grundleje, forbedringsforhøjelse, renoveringstillæg) changed."""

    event_type: ClassVar[str] = "register.lease.rent_changed"
    topic: ClassVar[str] = "register.lease.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "register"
    consumers: ClassVar[tuple[str, ...]] = ("benchmarks",)
    summary: ClassVar[str] = "The monthly rent of a lease in the rent register changed."
    aggregate_field: ClassVar[str] = "lease_id"

    lease_id: Id = Field(description="The lease (lejekontrakt); the aggregate id and Kafka key.")
    dwelling_id: Id = Field(description="The leased dwelling (lejemål).")
    department_id: Id = Field(description="The department (afdeling) the dwelling belongs to.")
    organisation_id: Id = Field(
        description="The housing organisation (boligorganisation) owning the department."
    )
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the dwelling lies (beliggenhedskommune), three digits."
    )
    as_of: date = Field(
        description="The first day of the lease period on which the rent differs from what "
        "the register had before (may lie in the future: a rent change from a date)."
    )
    previous_monthly_rent: Amount = Field(
        description="Rent per month in DKK on as_of before the change."
    )
    monthly_rent: Amount = Field(description="Rent per month in DKK on as_of after the change.")
    area_m2: SquareMetres = Field(description="Gross floor area of the dwelling in m².")
    recorded_at: AwareDatetime = Field(description="When the register recorded the change.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            lease_id="7d1f9c2e-3b4a-4c5d-8e6f-0a1b2c3d4e5f",
            dwelling_id="c0a8e1f2-7b6d-4e5c-9a8b-1c2d3e4f5a6b",
            department_id="dep-0412",
            organisation_id="org-0101",
            municipality_code="101",
            as_of=date(2027, 1, 1),
            previous_monthly_rent=Decimal("5875.00"),
            monthly_rent=Decimal("6010.00"),
            area_m2=Decimal("68.50"),
            recorded_at=datetime(2026, 12, 15, 10, 0, tzinfo=UTC),
        )


class DwellingVacancyChangedV1(Contract):
    """A lease's vacancy flags changed, so the dwelling's vacancy changed: vacant with a loss
    (tomgang), about to become vacant (ledig, shown on the vacancy listing), or neither."""

    event_type: ClassVar[str] = "register.dwelling.vacancy_changed"
    topic: ClassVar[str] = "register.dwelling.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "register"
    consumers: ClassVar[tuple[str, ...]] = ("benchmarks",)
    summary: ClassVar[str] = "The vacancy flags of a dwelling's lease changed."
    aggregate_field: ClassVar[str] = "dwelling_id"

    dwelling_id: Id = Field(description="The dwelling (lejemål); the aggregate id and Kafka key.")
    lease_id: Id = Field(description="The lease whose flags changed.")
    department_id: Id = Field(description="The department (afdeling) the dwelling belongs to.")
    organisation_id: Id = Field(
        description="The housing organisation (boligorganisation) owning the department."
    )
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the dwelling lies (beliggenhedskommune), three digits."
    )
    lease_start_date: date = Field(description="First day of the lease.")
    lease_end_date: date | None = Field(
        default=None, description="Last day of the lease; null for a lease until further notice."
    )
    vacancy_loss_flag: bool = Field(
        description="Vacant with a loss to the department (LejekontraktTomgangsledigIndikator)."
    )
    vacant_soon_flag: bool = Field(
        description="About to become vacant (LejekontraktLedigIndikator)."
    )
    monthly_rent: Amount = Field(description="Current rent per month in DKK, two decimals.")
    area_m2: SquareMetres = Field(description="Gross floor area of the dwelling in m².")
    rooms: int = Field(ge=1, le=99, description="Number of rooms.")
    housing_type: HousingType = Field(description="family, youth or elderly dwelling.")
    recorded_at: AwareDatetime = Field(description="When the register recorded the change.")

    @model_validator(mode="after")
    def _one_flag(self) -> Self:
        if self.vacancy_loss_flag and self.vacant_soon_flag:
            raise ValueError(
                "vacancy_loss_flag (tomgang) and vacant_soon_flag (ledig) may never both be set"
            )
        return self

    @classmethod
    def example(cls) -> Self:
        return cls(
            dwelling_id="c0a8e1f2-7b6d-4e5c-9a8b-1c2d3e4f5a6b",
            lease_id="7d1f9c2e-3b4a-4c5d-8e6f-0a1b2c3d4e5f",
            department_id="dep-0412",
            organisation_id="org-0101",
            municipality_code="101",
            lease_start_date=date(2026, 12, 1),
            vacancy_loss_flag=False,
            vacant_soon_flag=True,
            monthly_rent=Decimal("5875.00"),
            area_m2=Decimal("68.50"),
            rooms=3,
            housing_type=HousingType.FAMILY,
            recorded_at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        )


class DepartmentUpsertedV1(Contract):
    """A department (afdeling) was reported to the rent register or its facts changed."""

    event_type: ClassVar[str] = "register.department.upserted"
    topic: ClassVar[str] = "register.department.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "register"
    consumers: ClassVar[tuple[str, ...]] = ("benchmarks", "governance")
    summary: ClassVar[str] = "A department was created or changed in the rent register."
    aggregate_field: ClassVar[str] = "department_id"

    department_id: Id = Field(description="The department (afdeling); the aggregate id.")
    organisation_id: Id = Field(
        description="The housing organisation (boligorganisation) owning the department."
    )
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the department lies, three digits."
    )
    region: str = Field(
        pattern=r"^(capital|rest)$",
        description="'capital' (Region Hovedstaden) or 'rest' (the rest of the country), "
        "derived from the municipality.",
    )
    housing_type: HousingType = Field(description="family, youth or elderly dwellings.")
    building_type: str = Field(
        pattern=r"^(etage|tæt-lav)$",
        description="'etage' (multi-storey) or 'tæt-lav' (low and dense).",
    )
    construction_year: int = Field(ge=1000, le=9999, description="Year of construction.")
    version: int = Field(ge=1, description="The department's version in the register.")
    recorded_at: AwareDatetime = Field(description="When the register recorded the change.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            department_id="dep-0412",
            organisation_id="org-0101",
            municipality_code="101",
            region="capital",
            housing_type=HousingType.FAMILY,
            building_type="etage",
            construction_year=1972,
            version=1,
            recorded_at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        )


class OrganisationUpsertedV1(Contract):
    """A housing organisation (boligorganisation) was reported to the rent register or its
    facts changed: where it is at home and who administers it."""

    event_type: ClassVar[str] = "register.organisation.upserted"
    topic: ClassVar[str] = "register.organisation.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "register"
    consumers: ClassVar[tuple[str, ...]] = ("governance",)
    summary: ClassVar[str] = "A housing organisation was created or changed in the rent register."
    aggregate_field: ClassVar[str] = "organisation_id"

    organisation_id: Id = Field(
        description="The housing organisation (BoligorganisationIdentifikator); the aggregate id."
    )
    home_municipality_code: MunicipalityCode = Field(
        description="The organisation's home municipality (hjemstedskommune), three digits."
    )
    administered_by: Id | None = Field(
        default=None,
        description="The administration organisation (administrationsorganisation) acting for "
        "it, if any.",
    )
    version: int = Field(ge=1, description="The organisation's version in the register.")
    recorded_at: AwareDatetime = Field(description="When the register recorded the change.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            organisation_id="org-0101",
            home_municipality_code="101",
            administered_by="adm-0007",
            version=1,
            recorded_at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        )


# --- governance ↔ benchmarks ↔ notifications ---------------------------------------------------

FigureValue = Annotated[
    Decimal,
    Field(max_digits=14, decimal_places=4, allow_inf_nan=False),
    PlainSerializer(lambda value: format(value, "f"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?\d{1,10}(\.\d{1,4})?$",
            "description": "A decimal number as a string, at most four decimals, e.g. '812.5'.",
        },
        mode="serialization",
    ),
]
"""A key figure's value or benchmark: exact decimal, a string on the wire."""


class CriticalColour(StrEnum):
    """The colour of a key figure against its benchmark (kritiske værdier)."""

    GREEN = "green"  # within the thresholds
    YELLOW = "yellow"  # gul: worth a look
    RED = "red"  # rød: critical
    NONE = "none"  # no benchmark or no value: no colour


class KeyFigure(BaseModel):
    """One key figure (nøgletal) of a department for a year, with its benchmark and colour."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    code: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        max_length=64,
        description="The figure's code in the benchmark calculator's catalogue, e.g. "
        "'rent_per_m2'.",
    )
    value: FigureValue | None = Field(
        description="The department's value; null when it cannot be computed (no data)."
    )
    unit: str = Field(max_length=32, description="Unit of value and benchmark, e.g. 'DKK/m²/år'.")
    benchmark: FigureValue | None = Field(
        description="Average of the comparable departments; null when there is no benchmark."
    )
    benchmark_indexed: bool = Field(
        description="The benchmark is an earlier year's, indexed forward, because the year had "
        "too few accounts."
    )
    colour: CriticalColour = Field(description="green, yellow, red, or none without benchmark.")
    reason: str | None = Field(
        default=None,
        max_length=500,
        description="Why the colour, in Danish, e.g. '34 % over benchmark for sammenlignelige "
        "afdelinger'; null for green and none.",
    )


class KeyFiguresUpdatedV1(Contract):
    """The benchmark calculator's key figures of a department for a year changed.

    Debounced: emitted once after a burst of register or accounts events settles, not once per
    lease. Carries the department's whole set of figures for the year, so a consumer replaces
    what it held (the governance service prefills its department forms from it)."""

    event_type: ClassVar[str] = "benchmarks.keyfigures.updated"
    topic: ClassVar[str] = "benchmarks.keyfigures.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "benchmarks"
    consumers: ClassVar[tuple[str, ...]] = ("governance",)
    summary: ClassVar[str] = "A department's key figures for a year changed."
    aggregate_field: ClassVar[str] = "department_id"

    department_id: Id = Field(description="The department (afdeling); the aggregate id.")
    organisation_id: Id = Field(description="The housing organisation owning the department.")
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the department lies, three digits."
    )
    year: int = Field(ge=2000, le=2100, description="The calendar year the figures describe.")
    revision: int = Field(
        ge=1,
        description="Increases with every change of this department's figures for this year; "
        "a consumer ignores a revision at or below the one it holds.",
    )
    figures: list[KeyFigure] = Field(description="Every figure of the catalogue, sorted by code.")
    computed_at: AwareDatetime = Field(description="When the figures were computed.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            department_id="dep-0412",
            organisation_id="org-0101",
            municipality_code="101",
            year=2026,
            revision=3,
            figures=[
                KeyFigure(
                    code="rent_per_m2",
                    value=Decimal("1034.50"),
                    unit="DKK/m²/år",
                    benchmark=Decimal("772.00"),
                    benchmark_indexed=False,
                    colour=CriticalColour.RED,
                    reason="34 % over benchmark for sammenlignelige afdelinger",
                )
            ],
            computed_at=datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
        )


class AccountsReportedV1(Contract):
    """A housing organisation reported (or corrected) a department's accounts for a year.

    The figures the benchmark calculator needs, as reported in the governance package of year
    ``accounts_year + 1``; a correction is a new event with a higher ``revision``."""

    event_type: ClassVar[str] = "governance.accounts.reported"
    topic: ClassVar[str] = "governance.accounts.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "governance"
    consumers: ClassVar[tuple[str, ...]] = ("benchmarks",)
    summary: ClassVar[str] = "A department's accounts for a year were reported."
    aggregate_field: ClassVar[str] = "department_id"

    department_id: Id = Field(description="The department (afdeling); the aggregate id.")
    organisation_id: Id = Field(description="The housing organisation owning the department.")
    municipality_code: MunicipalityCode = Field(
        description="Municipality where the department lies, three digits."
    )
    package_id: Id = Field(description="The documentation package the accounts belong to.")
    accounts_year: int = Field(ge=2000, le=2100, description="The financial year (regnskabsår).")
    revision: int = Field(ge=1, description="1 for the first report, +1 for each correction.")
    dwellings: int = Field(ge=1, description="Number of dwellings (lejemål) in the accounts.")
    total_area_m2: TotalSquareMetres = Field(
        description="The department's total dwelling area, m²."
    )
    administration_cost: Amount = Field(description="Administration costs of the year, DKK.")
    maintenance_cost: Amount = Field(
        description="Planned and ongoing maintenance and renewals of the year, DKK."
    )
    vacancy_rent_loss: Amount = Field(description="Rent lost to vacancy (tab ved lejeledighed).")
    operating_cost: Amount = Field(description="Total operating costs (driftsudgifter), DKK.")
    reported_at: AwareDatetime = Field(description="When the accounts were reported.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            department_id="dep-0412",
            organisation_id="org-0101",
            municipality_code="101",
            package_id="pkg-2026-0101",
            accounts_year=2025,
            revision=1,
            dwellings=120,
            total_area_m2=Decimal("9120.00"),
            administration_cost=Decimal("540000.00"),
            maintenance_cost=Decimal("1368000.00"),
            vacancy_rent_loss=Decimal("48250.00"),
            operating_cost=Decimal("7296000.00"),
            reported_at=datetime(2026, 4, 30, 12, 0, tzinfo=UTC),
        )


class PackageReturnedV1(Contract):
    """The home municipality sent a governance package back to the housing organisation,
    which reopens it for changes."""

    event_type: ClassVar[str] = "governance.package.returned"
    topic: ClassVar[str] = "governance.package.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "governance"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    summary: ClassVar[str] = "A governance package was sent back to its organisation."
    aggregate_field: ClassVar[str] = "package_id"

    package_id: Id = Field(description="The documentation package; the aggregate id.")
    organisation_id: Id = Field(description="The housing organisation the package belongs to.")
    governance_year: int = Field(ge=2000, le=2100, description="The governance year.")
    home_municipality_code: MunicipalityCode = Field(
        description="The home municipality that sent it back."
    )
    reason: str | None = Field(
        default=None, max_length=2000, description="The municipality's reason, as written."
    )
    returned_at: AwareDatetime = Field(description="When the package was sent back.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            package_id="pkg-2026-0101",
            organisation_id="org-0101",
            governance_year=2026,
            home_municipality_code="101",
            reason="Afdelingsskemaet for afdeling 12 mangler kommentar til tomgang.",
            returned_at=datetime(2026, 11, 28, 9, 15, tzinfo=UTC),
        )


class MeetingHeldV1(Contract):
    """The home municipality recorded the governance meeting (Møde afholdt) for a package."""

    event_type: ClassVar[str] = "governance.package.meeting_held"
    topic: ClassVar[str] = "governance.package.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "governance"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    summary: ClassVar[str] = "The governance meeting of a package was held."
    aggregate_field: ClassVar[str] = "package_id"

    package_id: Id = Field(description="The documentation package; the aggregate id.")
    organisation_id: Id = Field(description="The housing organisation the package belongs to.")
    governance_year: int = Field(ge=2000, le=2100, description="The governance year.")
    home_municipality_code: MunicipalityCode = Field(
        description="The home municipality that held the meeting."
    )
    held_on: date = Field(description="The day of the meeting.")
    recorded_at: AwareDatetime = Field(description="When the meeting was recorded.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            package_id="pkg-2026-0101",
            organisation_id="org-0101",
            governance_year=2026,
            home_municipality_code="101",
            held_on=date(2026, 12, 10),
            recorded_at=datetime(2026, 12, 11, 8, 0, tzinfo=UTC),
        )


class StatementSubmittedV1(Contract):
    """A municipality submitted its statement (redegørelse) on a governance package: the home
    municipality's statement, or a location municipality's supplementary one."""

    event_type: ClassVar[str] = "governance.package.statement_submitted"
    topic: ClassVar[str] = "governance.package.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "governance"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    summary: ClassVar[str] = "A municipality's statement on a governance package was submitted."
    aggregate_field: ClassVar[str] = "package_id"

    package_id: Id = Field(description="The documentation package; the aggregate id.")
    organisation_id: Id = Field(description="The housing organisation the package belongs to.")
    governance_year: int = Field(ge=2000, le=2100, description="The governance year.")
    municipality_code: MunicipalityCode = Field(
        description="The municipality that submitted the statement."
    )
    supplementary: bool = Field(
        description="A location municipality's supplementary statement (not the home "
        "municipality's statement, which sets the package to Redegørelse afgivet)."
    )
    submitted_at: AwareDatetime = Field(description="When the statement was submitted.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            package_id="pkg-2026-0101",
            organisation_id="org-0101",
            governance_year=2026,
            municipality_code="101",
            supplementary=False,
            submitted_at=datetime(2027, 1, 15, 13, 0, tzinfo=UTC),
        )


class OutstandingItem(BaseModel):
    """One package a municipality has not finished with, in a reminder."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    package_id: Id = Field(description="The documentation package.")
    organisation_id: Id = Field(description="The housing organisation of the package.")
    governance_year: int = Field(ge=2000, le=2100, description="The governance year.")
    status: str = Field(
        max_length=64, description="The package's status code, e.g. 'sent' (Fremsendt)."
    )
    missing: str = Field(
        max_length=200,
        description="What the municipality still has to do, in Danish, e.g. 'Møde afholdt'.",
    )


class ReminderDueV1(Contract):
    """A twice-yearly reminder to a municipality fell due: its outstanding governance items of
    the last two governance years."""

    event_type: ClassVar[str] = "governance.reminder.due"
    topic: ClassVar[str] = "governance.reminder.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "governance"
    consumers: ClassVar[tuple[str, ...]] = ("notifications",)
    summary: ClassVar[str] = "A municipality's twice-yearly governance reminder fell due."
    aggregate_field: ClassVar[str] = "reminder_id"

    reminder_id: Id = Field(
        description="The reminder, unique per municipality and round, e.g. '101-2027-1'."
    )
    municipality_code: MunicipalityCode = Field(description="The municipality reminded.")
    round_date: date = Field(description="The scheduled day of this reminder round.")
    governance_years: list[int] = Field(
        min_length=1, description="The governance years covered (the last two)."
    )
    items: list[OutstandingItem] = Field(
        min_length=1, description="The outstanding items, by governance year and organisation."
    )

    @classmethod
    def example(cls) -> Self:
        return cls(
            reminder_id="101-2027-1",
            municipality_code="101",
            round_date=date(2027, 3, 1),
            governance_years=[2025, 2026],
            items=[
                OutstandingItem(
                    package_id="pkg-2026-0101",
                    organisation_id="org-0101",
                    governance_year=2026,
                    status="sent",
                    missing="Møde afholdt",
                )
            ],
        )


class DeliveryFailedV1(Contract):
    """The notification service gave up on delivering a message to a recipient (a permanent
    failure such as an unknown mailbox). Addresses stay in the notification service."""

    event_type: ClassVar[str] = "notifications.delivery.failed"
    topic: ClassVar[str] = "notifications.delivery.v1"
    schema_version: ClassVar[int] = 1
    producer: ClassVar[str] = "notifications"
    consumers: ClassVar[tuple[str, ...]] = ("governance",)
    summary: ClassVar[str] = "A notification could not be delivered to a recipient."
    aggregate_field: ClassVar[str] = "delivery_id"

    delivery_id: Id = Field(description="The delivery record in the notification service.")
    cause_event_id: Id = Field(description="The id of the event the message followed.")
    cause_event_type: str = Field(max_length=128, description="That event's type.")
    cause_subject: Id = Field(
        description="That event's aggregate id (e.g. the package id), so its owner can show "
        "the failure next to it."
    )
    recipient_kind: str = Field(
        pattern=r"^(municipality|organisation)$",
        description="Who the message was for: 'municipality' or 'organisation'.",
    )
    recipient_ref: Id = Field(
        description="The recipient's id: a municipality code or an organisation id."
    )
    reason: str = Field(max_length=500, description="The SMTP server's answer, e.g. '550 5.1.1'.")
    failed_at: AwareDatetime = Field(description="When the delivery was given up.")

    @classmethod
    def example(cls) -> Self:
        return cls(
            delivery_id="dlv-6f1c",
            cause_event_id="3b0c5d8e-1f2a-4b6c-9d7e-5a4b3c2d1e0f",
            cause_event_type="governance.package.sent",
            cause_subject="pkg-2026-0101",
            recipient_kind="municipality",
            recipient_ref="101",
            reason="550 5.1.1 mailbox unavailable",
            failed_at=datetime(2026, 11, 24, 14, 6, tzinfo=UTC),
        )


# --- the catalogue -----------------------------------------------------------------------------

CATALOGUE: tuple[type[Contract], ...] = (
    LeaseCreatedV1,
    PackageSentV1,
    ApplicationPrequalifiedV1,
    LeaseUpdatedV1,
    LeaseTerminatedV1,
    RentChangedV1,
    DwellingVacancyChangedV1,
    DepartmentUpsertedV1,
    OrganisationUpsertedV1,
    KeyFiguresUpdatedV1,
    AccountsReportedV1,
    PackageReturnedV1,
    MeetingHeldV1,
    StatementSubmittedV1,
    ReminderDueV1,
    DeliveryFailedV1,
)
"""Every published contract. A new contract (or a new version) must be added here."""


def _index(catalogue: Iterable[type[Contract]]) -> dict[tuple[str, int], type[Contract]]:
    index: dict[tuple[str, int], type[Contract]] = {}
    for contract in catalogue:
        identity = (contract.event_type, contract.schema_version)
        if identity in index:
            raise TypeError(
                f"{contract.__name__} and {index[identity].__name__} both claim {contract.key()}"
            )
        index[identity] = contract
    return index


_BY_TYPE_AND_VERSION: Final = _index(CATALOGUE)


def contract_for(event_type: str, version: int) -> type[Contract]:
    """The catalogued contract of ``event_type`` at schema ``version``."""
    try:
        return _BY_TYPE_AND_VERSION[(event_type, version)]
    except KeyError:
        known = sorted(c.key() for c in CATALOGUE if c.event_type == event_type)
        hint = f"known versions: {', '.join(known)}" if known else "no such event type"
        raise UnknownContractError(
            f"no contract for event type {event_type!r} schema version {version} ({hint})"
        ) from None


def topics(*, consumer: str | None = None) -> list[str]:
    """Sorted unique topic names; with ``consumer``, only the topics that service reads."""
    return sorted({c.topic for c in CATALOGUE if consumer is None or consumer in c.consumers})


def contracts_on(topic: str) -> tuple[type[Contract], ...]:
    """The contracts published on ``topic``, in catalogue order."""
    return tuple(c for c in CATALOGUE if c.topic == topic)


def to_envelope(
    contract: Contract,
    *,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> Envelope:
    """The CloudEvents envelope that carries ``contract`` (for the outbox)."""
    return Envelope(
        type=contract.event_type,
        source=contract.source(),
        subject=contract.aggregate_id,
        topic=contract.topic,
        data=contract.model_dump(mode="json"),
        schema_version=contract.schema_version,
        correlation_id=correlation_id,
        causation_id=causation_id,
    )


def from_envelope(envelope: Envelope) -> Contract:
    """The envelope's payload as its catalogued contract; see :meth:`Contract.from_envelope`."""
    return Contract.from_envelope(envelope)
