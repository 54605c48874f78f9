"""What every contract shares: the :class:`Contract` base class, the field types and code
lists more than one producer uses, and :func:`to_envelope`.

A producer's contracts live in the module named after it (:mod:`.register`,
:mod:`.governance`, …); :mod:`.catalogue` lists them all.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from common.events.envelope import Envelope
from common.money import DKK

__all__ = [
    "DECIMAL_AS_STRING",
    "SOURCE_PREFIX",
    "AllocationType",
    "Amount",
    "Contract",
    "HousingType",
    "Id",
    "MunicipalityCode",
    "SquareMetres",
    "TotalSquareMetres",
    "UnknownContractError",
    "ensure_lease_period",
    "ensure_one_vacancy_flag",
    "to_envelope",
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


DECIMAL_AS_STRING: Final = PlainSerializer(
    lambda value: format(value, "f"), return_type=str, when_used="json"
)
"""Serialises a decimal as a plain string on the wire (never a float, never an exponent)."""

SquareMetres = Annotated[
    Decimal,
    Field(gt=0, max_digits=7, decimal_places=2, allow_inf_nan=False),
    AfterValidator(_two_decimals),
    DECIMAL_AS_STRING,
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
    DECIMAL_AS_STRING,
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


# --- rules several contracts check -------------------------------------------------------------


def ensure_one_vacancy_flag(vacancy_loss_flag: bool, vacant_soon_flag: bool) -> None:
    """A dwelling is vacant with a loss (tomgang) or about to become vacant (ledig), not both."""
    if vacancy_loss_flag and vacant_soon_flag:
        raise ValueError(
            "vacancy_loss_flag (tomgang) and vacant_soon_flag (ledig) may never both be set"
        )


def ensure_lease_period(
    start_date: date, end_date: date | None, rent_day: date | None = None
) -> None:
    """A lease ends no earlier than it starts, and its rent-day lies within it."""
    if end_date is not None and end_date < start_date:
        raise ValueError("end_date must not be before start_date")
    if rent_day is not None and not (start_date <= rent_day <= (end_date or rent_day)):
        raise ValueError("rent_day must lie within the lease period")


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
        # Imported here: the catalogue imports every producer's module, and they import this one.
        from common.events.contracts.catalogue import contract_for

        found = contract_for(envelope.type, envelope.schema_version)
        if not issubclass(found, cls):
            raise UnknownContractError(
                f"expected {cls.__name__}, got {envelope.type!r} schema version "
                f"{envelope.schema_version} ({found.__name__})"
            )
        return found.model_validate(envelope.data)


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
