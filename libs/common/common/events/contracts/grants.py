"""The grants service's contracts: the National Building Fund's decisions on applications."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar, Self

from pydantic import AwareDatetime, Field

from common.events.contracts.base import Amount, Contract, Id, MunicipalityCode

__all__ = ["ApplicationPrequalifiedV1"]


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
