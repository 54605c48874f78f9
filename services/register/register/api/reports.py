"""Register API: the submitter's reports — what to fix in a department's records.

Per department: dwellings without a lease in force, missing optional fields, leases held with
unconfirmed warnings, drafts, and when the organisation last submitted. As JSON, CSV or XLSX.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from common.app import UnitOfWorkDep
from common.dates import WireDate
from common.problems import problem_responses
from register.api.deps import ReadScope
from register.services import reading
from register.services.reading import (
    DWELLING_WIRE,
    LEASE_WIRE,
    OPTIONAL_FIELD_NAMES,
    XLSX_MEDIA_TYPE,
    DepartmentReport,
    ReportFormat,
)

router = APIRouter(tags=["reports"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report (JSON, or a CSV / XLSX file with `format`)",
        "content": {
            "text/csv": {"example": "Afsnit,Kolonne1,Kolonne2,…\r\n"},
            XLSX_MEDIA_TYPE: {},
        },
    },
    **problem_responses(
        {
            401: "No or an invalid bearer token",
            403: "Your role may not read reports",
            404: "Not found, or not one of yours",
            422: "A query parameter is not valid",
        }
    ),
}


# --- wire models -------------------------------------------------------------------------------


class _Wire(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class DepartmentOut(_Wire):
    id: str = Field(alias="AfdelingIdentifikator")
    name: str = Field(alias="AfdelingNavn")
    organisation_id: str = Field(alias="BoligorganisationIdentifikator")
    municipality_code: str = Field(alias="KommuneKode")


class DwellingWithoutLeaseOut(_Wire):
    id: str = Field(alias=DWELLING_WIRE["id"])
    street: str | None = Field(None, alias=DWELLING_WIRE["street"])
    house_number: str | None = Field(None, alias=DWELLING_WIRE["house_number"])
    floor: str | None = Field(None, alias=DWELLING_WIRE["floor"])
    door: str | None = Field(None, alias=DWELLING_WIRE["door"])
    postcode: str | None = Field(None, alias=DWELLING_WIRE["postcode"])
    city: str | None = Field(None, alias=DWELLING_WIRE["city"])


class MissingFieldsOut(_Wire):
    record_type: Literal["dwelling", "lease"] = Field(description="Whose fields are missing.")
    dwelling_id: str = Field(alias=DWELLING_WIRE["id"])
    lease_id: str | None = Field(None, alias=LEASE_WIRE["id"])
    missing: list[str] = Field(
        description="Wire names of the missing optional fields.",
        examples=[["BBREnhedIdentifikator", "ElevatorIndikator"]],
    )


class MissingFieldsSectionOut(BaseModel):
    counts: dict[str, int] = Field(
        description="Per optional field (wire name): how many records lack it.",
        examples=[dict.fromkeys(OPTIONAL_FIELD_NAMES, 0)],
    )
    records: list[MissingFieldsOut]


class WarningOut(BaseModel):
    pointer: str | None = None
    code: str | None = None
    detail: str | None = None


class HeldLeaseOut(_Wire):
    dwelling_id: str = Field(alias=DWELLING_WIRE["id"])
    lease_id: str = Field(alias=LEASE_WIRE["id"])
    start_date: date = Field(alias=LEASE_WIRE["start_date"])
    warnings: list[WarningOut] = Field(description="The warnings awaiting confirmation.")


class DraftOut(_Wire):
    dwelling_id: str = Field(alias=DWELLING_WIRE["id"])
    lease_id: str = Field(alias=LEASE_WIRE["id"])
    start_date: date | None = Field(alias=LEASE_WIRE["start_date"])
    end_date: date | None = Field(None, alias=LEASE_WIRE["end_date"])


class DepartmentReportOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    department: DepartmentOut
    on: date = Field(
        alias="date", description="The day the report is made for (lease in force that day)."
    )
    last_submission_at: datetime | None = Field(
        description="Latest single or bulk submission naming the department's organisation."
    )
    dwelling_count: int
    dwellings_without_lease: list[DwellingWithoutLeaseOut] = Field(
        description="Dwellings with no accepted lease in force on `date`."
    )
    missing_fields: MissingFieldsSectionOut = Field(
        description="Missing optional fields per dwelling and per current (accepted or held) "
        "lease: BBREnhedIdentifikator, the three accessibility flags, Depositum, "
        "EksternReference."
    )
    unconfirmed_warnings: list[HeldLeaseOut] = Field(
        description="Leases held until their plausibility warnings are confirmed."
    )
    drafts: list[DraftOut] = Field(description="Leases stored as drafts (KladdeIndikator).")

    @classmethod
    def of(cls, r: DepartmentReport) -> DepartmentReportOut:
        dep = r.department
        return cls(
            department=DepartmentOut(
                id=dep.id,
                name=dep.name,
                organisation_id=dep.organisation_id,
                municipality_code=dep.municipality_code,
            ),
            on=r.on,
            last_submission_at=r.last_submission_at,
            dwelling_count=r.dwelling_count,
            dwellings_without_lease=[
                DwellingWithoutLeaseOut(
                    id=d.id,
                    street=d.street,
                    house_number=d.house_number,
                    floor=d.floor,
                    door=d.door,
                    postcode=d.postcode,
                    city=d.city,
                )
                for d in r.without_lease
            ],
            missing_fields=MissingFieldsSectionOut(
                counts=r.missing_counts,
                records=[
                    MissingFieldsOut(
                        record_type="dwelling" if m.record_type == "dwelling" else "lease",
                        dwelling_id=m.dwelling_id,
                        lease_id=m.lease_id,
                        missing=m.fields,
                    )
                    for m in r.missing
                ],
            ),
            unconfirmed_warnings=[
                HeldLeaseOut(
                    dwelling_id=x.dwelling_id,
                    lease_id=x.id,
                    start_date=x.start_date,
                    warnings=[WarningOut.model_validate(w) for w in x.warnings],
                )
                for x in r.held
            ],
            drafts=[
                DraftOut(
                    dwelling_id=x.dwelling_id,
                    lease_id=x.id,
                    start_date=x.start_date,
                    end_date=x.end_date,
                )
                for x in r.drafts
            ],
        )


class OrganisationReportOut(BaseModel):
    organisation_id: str = Field(alias="BoligorganisationIdentifikator")
    on: date = Field(alias="date")
    departments: list[DepartmentReportOut]

    model_config = ConfigDict(populate_by_name=True)


# --- rendering ---------------------------------------------------------------------------------


def _file(reports: list[DepartmentReport], fmt: ReportFormat, stem: str) -> Response:
    if fmt is ReportFormat.CSV:
        body, media_type = reading.report_csv(reports), "text/csv; charset=utf-8"
    else:
        body, media_type = reading.report_xlsx(reports), XLSX_MEDIA_TYPE
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt.value}"'},
    )


ReportDate = Annotated[
    WireDate | None,
    Query(
        alias="date",
        description="Report as of this day (YYYY-MM-DD); today in Denmark when left out.",
    ),
]
Format = Annotated[
    ReportFormat,
    Query(
        alias="format",
        description="json (default); csv — one table, `Afsnit` naming the section; xlsx — one "
        "sheet per section (Oversigt, Uden lejekontrakt, Manglende felter, Ubekræftede "
        "advarsler, Kladder), Danish column titles.",
    ),
]


@router.get(
    "/reports/departments/{department_id}",
    summary="What to fix in one department's records",
    description=(
        "Dwellings without a lease in force on `date`, missing optional fields (per dwelling "
        "and lease, with counts), leases held with unconfirmed warnings, drafts, and the "
        "organisation's last submission. Who: the department's own organisation (another's "
        "department is a 404), a municipality for departments in it, the fund; others 403."
    ),
    response_model=DepartmentReportOut,
    responses=_RESPONSES,
)
async def department_report(
    department_id: Annotated[str, Path(description="AfdelingIdentifikator", examples=["AFD-1"])],
    scope: ReadScope,
    uow: UnitOfWorkDep,
    on: ReportDate = None,
    fmt: Format = ReportFormat.JSON,
) -> Any:
    day = on or reading.today()
    report = await reading.department_report(uow.session, scope, department_id, day)
    if fmt is ReportFormat.JSON:
        return DepartmentReportOut.of(report)
    return _file([report], fmt, f"rapport-{department_id}-{day.isoformat()}")


@router.get(
    "/reports/departments",
    summary="The report for every department of an organisation",
    description=(
        "The department report (see `/reports/departments/{id}`) for each department of "
        "`organisation_id` that you may see: all of them for the organisation itself and the "
        "fund, those in your municipality for a municipality. Another organisation is a 404."
    ),
    response_model=OrganisationReportOut,
    responses=_RESPONSES,
)
async def organisation_report(
    organisation_id: Annotated[
        str,
        Query(min_length=1, description="BoligorganisationIdentifikator", examples=["ORG-1"]),
    ],
    scope: ReadScope,
    uow: UnitOfWorkDep,
    on: ReportDate = None,
    fmt: Format = ReportFormat.JSON,
) -> Any:
    day = on or reading.today()
    reports = await reading.organisation_reports(uow.session, scope, organisation_id, day)
    if fmt is ReportFormat.JSON:
        return OrganisationReportOut(
            organisation_id=organisation_id,
            on=day,
            departments=[DepartmentReportOut.of(r) for r in reports],
        )
    return _file(reports, fmt, f"rapport-{organisation_id}-{day.isoformat()}")
