"""The API's request and response bodies, and how each is built from what a use case returns
(:mod:`benchmarks.services.reading`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from benchmarks.db.models import DepartmentFiguresRow
from benchmarks.domain import figures as f
from benchmarks.domain.benchmarks import FigureResult
from benchmarks.domain.groups import CONSTRUCTION_PERIODS, CRITERIA, DWELLING_SIZES, LEVELS, widened
from benchmarks.services import reading
from benchmarks.settings import BenchmarksSettings
from common.events.contracts import ResidentComposition

# --- a department ----------------------------------------------------------------------------


class Figure(BaseModel):
    code: str = Field(description="The figure's code (stable; see GET /catalogue).")
    name: str = Field(description="The figure's Danish name.")
    unit: str
    direction: str = Field(description="higher_worse, lower_worse, both_worse or neutral.")
    value: Decimal | None = Field(description="The value; null when there is no data.")
    benchmark: Decimal | None = Field(
        description="Average of the comparable departments (the group below)."
    )
    benchmark_indexed: bool = Field(
        description="The benchmark is an earlier year's, indexed forward (too few accounts)."
    )
    benchmark_year: int | None = Field(description="The year the benchmark was computed from.")
    group_level: int | None = Field(description="Widening level of the group, 1 = narrowest.")
    group_label: str | None
    group_size: int = Field(description="Departments with a value in the group.")
    municipal_average: Decimal | None
    national_average: Decimal | None
    colour: str = Field(description="green, yellow, red, or none.")
    reason: str | None = Field(description="Why yellow or red, in Danish.")

    @classmethod
    def of(cls, result: FigureResult) -> Figure:
        return cls(
            code=result.code,
            name=result.name,
            unit=result.unit,
            direction=result.direction,
            value=result.value,
            benchmark=result.benchmark,
            benchmark_indexed=result.benchmark_indexed,
            benchmark_year=result.benchmark_year,
            group_level=result.group_level,
            group_label=result.group_label,
            group_size=result.group_size,
            municipal_average=result.municipal_average,
            national_average=result.national_average,
            colour=result.colour.value,
            reason=result.reason,
        )


class HistoryFigure(BaseModel):
    code: str
    value: Decimal | None
    benchmark: Decimal | None
    benchmark_indexed: bool
    colour: str

    @classmethod
    def of(cls, result: FigureResult) -> HistoryFigure:
        return cls(
            code=result.code,
            value=result.value,
            benchmark=result.benchmark,
            benchmark_indexed=result.benchmark_indexed,
            colour=result.colour.value,
        )

    @classmethod
    def of_aggregate(cls, value: reading.AggregateValue) -> HistoryFigure:
        return cls(
            code=value.spec.code,
            value=value.value,
            benchmark=value.benchmark,
            benchmark_indexed=False,
            colour=value.assessment.colour.value,
        )


class HistoryYear(BaseModel):
    year: int
    figures: list[HistoryFigure]


class Criteria(BaseModel):
    housing_type: str | None
    region: str | None
    building_type: str | None
    period_band: str | None
    size_band: str | None

    @classmethod
    def of(cls, row: DepartmentFiguresRow) -> Criteria:
        return cls(**{c: getattr(row, c) for c in CRITERIA})


class DepartmentFigures(BaseModel):
    department_id: str
    organisation_id: str
    municipality_code: str
    year: int
    dwellings: int
    criteria: Criteria
    figures: list[Figure]
    history: list[HistoryYear] = Field(description="The five years up to and including `year`.")

    @classmethod
    def of(cls, found: reading.DepartmentReading) -> DepartmentFigures:
        row = found.row
        return cls(
            department_id=row.department_id,
            organisation_id=row.organisation_id,
            municipality_code=row.municipality_code,
            year=row.year,
            dwellings=row.dwellings,
            criteria=Criteria.of(row),
            figures=[Figure.of(r) for r in found.figures],
            history=[
                HistoryYear(year=year, figures=[HistoryFigure.of(r) for r in results])
                for year, results in found.history
            ],
        )


class GroupMember(BaseModel):
    department_id: str
    organisation_id: str
    municipality_code: str
    value: Decimal


class ComparableGroup(BaseModel):
    department_id: str
    year: int
    figure: str
    level: int | None = Field(description="The level used; null when no group is large enough.")
    label: str | None
    criteria: dict[str, str | None] = Field(description="The criteria of the level used.")
    widened: list[str] = Field(description="The criteria dropped to reach the minimum size.")
    minimum_size: int
    size: int = Field(description="Departments in the group with a value (incl. this one).")
    average: Decimal | None
    members: list[GroupMember] = Field(
        description="The members you may see in detail; the others are only counted."
    )
    other_members: int = Field(description="Members outside what you may see.")

    @classmethod
    def of(cls, group: reading.GroupReading) -> ComparableGroup:
        level = group.level
        return cls(
            department_id=group.row.department_id,
            year=group.row.year,
            figure=group.figure,
            level=level.number if level else None,
            label=level.label if level else None,
            criteria={c: getattr(group.row, c) for c in (level.criteria if level else ())},
            widened=widened(level) if level else [],
            minimum_size=group.minimum_size,
            size=group.size,
            average=group.average,
            members=[
                GroupMember(
                    department_id=m.department_id,
                    organisation_id=m.organisation_id,
                    municipality_code=m.municipality_code,
                    value=m.value,
                )
                for m in group.members
            ],
            other_members=group.other_members,
        )


class RentComparison(BaseModel):
    department_id: str
    year: int
    rent_per_m2: Decimal | None = Field(description="The department's rent, DKK/m²/år.")
    comparable_rent_per_m2: Decimal | None = Field(
        description="The average comparable department's rent, DKK/m²/år."
    )
    group_level: int | None
    group_label: str | None
    group_size: int
    difference_per_m2: Decimal | None = Field(
        description="rent_per_m2 − comparable_rent_per_m2, DKK/m²/år (positive: above)."
    )
    difference_share: Decimal | None = Field(
        description="The difference in % of the comparable rent."
    )
    average_dwelling_size: Decimal | None
    difference_per_dwelling: Decimal | None = Field(
        description="difference_per_m2 × average dwelling size: DKK a year for an average "
        "dwelling of the department."
    )
    resident_composition: ResidentComposition = Field(
        description="The comparison narrowed to a similar resident composition: the "
        "department's band by its share of re-lettings made by municipal allocation (the "
        "register's events carry no other resident data), and the average rent of the "
        "comparable group's departments in the same band (null below the minimum group size)."
    )

    @classmethod
    def of(cls, found: reading.RentReading) -> RentComparison:
        rent = found.rent
        return cls(
            department_id=found.row.department_id,
            year=found.row.year,
            rent_per_m2=rent.value,
            comparable_rent_per_m2=rent.benchmark,
            group_level=rent.group_level,
            group_label=rent.group_label,
            group_size=rent.group_size,
            difference_per_m2=found.difference.per_m2,
            difference_share=found.difference.share,
            average_dwelling_size=found.row.average_dwelling_size,
            difference_per_dwelling=found.difference.per_dwelling,
            resident_composition=found.resident_composition,
        )


# --- aggregates ------------------------------------------------------------------------------


class AggregateFigure(BaseModel):
    code: str
    name: str
    unit: str
    value: Decimal | None = Field(description="The average department's value.")
    departments: int = Field(description="Departments with a value.")
    benchmark: Decimal | None = Field(description="The national average department.")
    colour: str
    reason: str | None

    @classmethod
    def of(cls, value: reading.AggregateValue) -> AggregateFigure:
        return cls(
            code=value.spec.code,
            name=value.spec.name,
            unit=value.spec.unit,
            value=value.value,
            departments=value.departments,
            benchmark=value.benchmark,
            colour=value.assessment.colour.value,
            reason=value.assessment.reason,
        )


class AggregateHistory(BaseModel):
    year: int
    figures: list[HistoryFigure]


class AggregateFigures(BaseModel):
    scope: str = Field(description="organisation, municipality or national.")
    id: str | None
    year: int
    departments: int
    figures: list[AggregateFigure]
    history: list[AggregateHistory]

    @classmethod
    def of(cls, found: reading.AggregateReading) -> AggregateFigures:
        return cls(
            scope=found.scope,
            id=found.id,
            year=found.year,
            departments=found.departments,
            figures=[AggregateFigure.of(v) for v in found.figures],
            history=[
                AggregateHistory(year=year, figures=[HistoryFigure.of_aggregate(v) for v in values])
                for year, values in found.history
            ],
        )


class DepartmentSummary(BaseModel):
    department_id: str
    organisation_id: str
    municipality_code: str
    year: int
    dwellings: int
    red: int
    yellow: int
    figures: list[Figure]

    @classmethod
    def of(cls, row: DepartmentFiguresRow, results: list[FigureResult]) -> DepartmentSummary:
        colours = [r.colour.value for r in results]
        return cls(
            department_id=row.department_id,
            organisation_id=row.organisation_id,
            municipality_code=row.municipality_code,
            year=row.year,
            dwellings=row.dwellings,
            red=colours.count("red"),
            yellow=colours.count("yellow"),
            figures=[Figure.of(r) for r in results],
        )


class DepartmentPage(BaseModel):
    items: list[DepartmentSummary]
    total: int
    limit: int
    offset: int


class OverviewFigures(BaseModel):
    aggregate: AggregateFigures
    departments: DepartmentPage

    @classmethod
    def of(cls, found: reading.Overview) -> OverviewFigures:
        page = found.departments
        return cls(
            aggregate=AggregateFigures.of(found.aggregate),
            departments=DepartmentPage(
                items=[DepartmentSummary.of(row, results) for row, results in page.items],
                total=page.total,
                limit=page.limit,
                offset=page.offset,
            ),
        )


# --- public ----------------------------------------------------------------------------------


class PublicFigure(BaseModel):
    code: str
    name: str
    unit: str
    value: Decimal | None = Field(description="The average department; null when suppressed.")
    departments: int | None = Field(description="Departments with a value; null when suppressed.")
    suppressed: bool


class PublicFigures(BaseModel):
    year: int
    municipality_code: str | None
    criteria: dict[str, str | None]
    minimum_departments: int
    figures: list[PublicFigure]

    @classmethod
    def of(cls, found: reading.PublicReading) -> PublicFigures:
        return cls(
            year=found.year,
            municipality_code=found.municipality_code,
            criteria=found.criteria,
            minimum_departments=found.minimum_departments,
            figures=[
                PublicFigure(
                    code=spec.code,
                    name=spec.name,
                    unit=spec.unit,
                    value=average.value,
                    departments=average.departments,
                    suppressed=average.suppressed,
                )
                for spec, average in found.figures
            ],
        )


class FigureDefinition(BaseModel):
    code: str
    name: str
    unit: str
    direction: str
    source: str
    definition: str
    threshold: dict[str, Any] | None
    yearly_index: Decimal | None


class Catalogue(BaseModel):
    figures: list[FigureDefinition]
    construction_periods: list[dict[str, Any]]
    dwelling_sizes: list[dict[str, Any]]
    widening_order: list[dict[str, Any]]
    minimum_group_size: int
    minimum_accounts_per_year: int
    public_minimum_departments: int

    @classmethod
    def of(cls, settings: BenchmarksSettings) -> Catalogue:
        return cls(
            figures=[
                FigureDefinition(
                    code=spec.code,
                    name=spec.name,
                    unit=spec.unit,
                    direction=spec.direction.value,
                    source=spec.source.value,
                    definition=spec.definition,
                    threshold=(
                        settings.thresholds[spec.code].model_dump(mode="json")
                        if spec.code in settings.thresholds
                        else None
                    ),
                    yearly_index=(
                        settings.index_for(spec.code) if spec.source is f.Source.ACCOUNTS else None
                    ),
                )
                for spec in f.CATALOGUE
            ],
            construction_periods=[{"code": b.code, "label": b.label} for b in CONSTRUCTION_PERIODS],
            dwelling_sizes=[{"code": b.code, "label": b.label} for b in DWELLING_SIZES],
            widening_order=[
                {"level": lv.number, "criteria": list(lv.criteria), "label": lv.label}
                for lv in LEVELS
            ],
            minimum_group_size=settings.min_group_size,
            minimum_accounts_per_year=settings.min_accounts_per_year,
            public_minimum_departments=settings.public_min_departments,
        )
