"""The benchmark calculator's contracts: departments' key figures against their benchmarks."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, WithJsonSchema

from common.events.contracts.base import DECIMAL_AS_STRING, Contract, Id, MunicipalityCode

__all__ = [
    "CriticalColour",
    "FigureValue",
    "KeyFigure",
    "KeyFiguresUpdatedV1",
    "ResidentComposition",
]

FigureValue = Annotated[
    Decimal,
    Field(max_digits=14, decimal_places=4, allow_inf_nan=False),
    DECIMAL_AS_STRING,
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


class ResidentComposition(BaseModel):
    """The rent model's comparison narrowed to a similar resident composition (seed 001: the
    average comparable department "har en tilsvarende beboersammensætning").

    The register's events carry no resident data; the one resident fact they carry is each
    lease's allocation type, so the band is the share of the year's re-lettings made by
    municipal allocation (kommunal anvisning) — the calculator's approximation, not LBF's
    resident index (beboerindekset)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    band: str | None = Field(
        description="The department's band: '-9' (< 10 %), '10-24' (10–24.9 %), '25-' "
        "(≥ 25 %); null without re-lettings in the year."
    )
    label: str | None = Field(description="The band in Danish.")
    municipal_allocation_share: FigureValue | None = Field(
        description="The department's share (%) of re-lettings by municipal allocation."
    )
    comparable_rent_per_m2: FigureValue | None = Field(
        description="Average rent per m² of the rent benchmark's comparable group narrowed to "
        "the same band; null when that narrower group is smaller than the minimum group size "
        "(then the rent model uses the rent figure's benchmark without this criterion)."
    )
    group_size: int = Field(ge=0, description="Departments in the narrowed group with a rent.")
    group_label: str | None = Field(
        description="The comparable group the band narrows (Danish), as the rent benchmark's."
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
    consumers: ClassVar[tuple[str, ...]] = ("dashboards", "governance", "grants")
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
    accounts_revision: int | None = Field(
        default=None,
        ge=1,
        description="The revision of the department's reported accounts for `year` (governance's "
        "`AccountsReportedV1.revision`) these figures were computed from; null when none were "
        "reported. A consumer waiting for the figures of reported accounts waits for this.",
    )
    resident_composition: ResidentComposition | None = Field(
        default=None,
        description="The rent model's comparison narrowed to a similar resident composition "
        "(grants' rent support uses it); null from producers before this field existed.",
    )

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
            accounts_revision=1,
            resident_composition=ResidentComposition(
                band="25-",
                label="25 % eller flere kommunalt anviste genudlejninger",
                municipal_allocation_share=Decimal("31.2"),
                comparable_rent_per_m2=Decimal("790.25"),
                group_size=14,
                group_label="sammenlignelige afdelinger",
            ),
        )
