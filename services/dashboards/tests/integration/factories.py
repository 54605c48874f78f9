"""Events as the producers publish them, for the dashboards' tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from common.events.contracts import (
    AllocationType,
    CriticalColour,
    DwellingVacancyChangedV1,
    KeyFigure,
    KeyFiguresUpdatedV1,
    LeaseCreatedV1,
    LeaseTerminatedV1,
    LeaseUpdatedV1,
    MeetingHeldV1,
    PackageReturnedV1,
    PackageSentV1,
    RentChangedV1,
    StatementSubmittedV1,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def lease(
    n: int,
    *,
    municipality: str = "101",
    org: str = "org-1",
    allocation: AllocationType = AllocationType.EXTERNAL_WAITING_LIST,
    rent: str = "5000.00",
    start: date = date(2026, 3, 1),
    recorded: datetime = T0,
    loss: bool = False,
    soon: bool = False,
    **more: Any,
) -> LeaseCreatedV1:
    return LeaseCreatedV1.example().model_copy(
        update={
            "lease_id": f"lease-{n}",
            "dwelling_id": f"dw-{n}",
            "department_id": f"dep-{municipality}",
            "organisation_id": org,
            "municipality_code": municipality,
            "allocation_type": allocation,
            "monthly_rent": Decimal(rent),
            "start_date": start,
            "rent_day": start,
            "recorded_at": recorded,
            "vacancy_loss_flag": loss,
            "vacant_soon_flag": soon,
            **more,
        }
    )


def updated(created: LeaseCreatedV1, version: int, recorded: datetime, **changes: Any):
    return LeaseUpdatedV1(
        **{**created.model_dump(), "version": version, "recorded_at": recorded, **changes}
    )


def terminated(created: LeaseCreatedV1, end: date, recorded: datetime) -> LeaseTerminatedV1:
    data = created.model_dump()
    return LeaseTerminatedV1(
        **{
            k: data[k]
            for k in (
                "lease_id",
                "dwelling_id",
                "department_id",
                "organisation_id",
                "municipality_code",
                "start_date",
                "allocation_type",
            )
        },
        end_date=end,
        recorded_at=recorded,
    )


def rent_changed(created: LeaseCreatedV1, rent: str, recorded: datetime) -> RentChangedV1:
    data = created.model_dump()
    return RentChangedV1(
        **{
            k: data[k]
            for k in (
                "lease_id",
                "dwelling_id",
                "department_id",
                "organisation_id",
                "municipality_code",
                "area_m2",
            )
        },
        as_of=created.start_date,
        previous_monthly_rent=created.monthly_rent,
        monthly_rent=Decimal(rent),
        recorded_at=recorded,
    )


def vacancy(created: LeaseCreatedV1, *, loss: bool, soon: bool, recorded: datetime):
    data = created.model_dump()
    return DwellingVacancyChangedV1(
        **{
            k: data[k]
            for k in (
                "dwelling_id",
                "lease_id",
                "department_id",
                "organisation_id",
                "municipality_code",
                "monthly_rent",
                "area_m2",
                "rooms",
                "housing_type",
            )
        },
        lease_start_date=created.start_date,
        vacancy_loss_flag=loss,
        vacant_soon_flag=soon,
        recorded_at=recorded,
    )


def sent(
    package: str,
    *,
    home: str = "101",
    org: str = "org-1",
    year: int = 2026,
    when: datetime = T0,
    red: int = 0,
    yellow: int = 0,
    locations: tuple[str, ...] = (),
) -> PackageSentV1:
    return PackageSentV1.example().model_copy(
        update={
            "package_id": package,
            "organisation_id": org,
            "governance_year": year,
            "home_municipality_code": home,
            "location_municipality_codes": list(locations),
            "sent_at": when,
            "red_figures": red,
            "yellow_figures": yellow,
        }
    )


def returned(
    package: str, *, home: str = "101", org: str = "org-1", year: int = 2026, when: datetime = T0
) -> PackageReturnedV1:
    return PackageReturnedV1.example().model_copy(
        update={
            "package_id": package,
            "organisation_id": org,
            "governance_year": year,
            "home_municipality_code": home,
            "returned_at": when,
        }
    )


def meeting(
    package: str,
    *,
    home: str = "101",
    org: str = "org-1",
    year: int = 2026,
    held: date = date(2026, 4, 1),
) -> MeetingHeldV1:
    return MeetingHeldV1.example().model_copy(
        update={
            "package_id": package,
            "organisation_id": org,
            "governance_year": year,
            "home_municipality_code": home,
            "held_on": held,
            "recorded_at": datetime(2026, 4, 1, 12, tzinfo=UTC),
        }
    )


def statement(
    package: str,
    *,
    municipality: str = "101",
    org: str = "org-1",
    year: int = 2026,
    when: datetime = T0,
    supplementary: bool = False,
) -> StatementSubmittedV1:
    return StatementSubmittedV1.example().model_copy(
        update={
            "package_id": package,
            "organisation_id": org,
            "governance_year": year,
            "municipality_code": municipality,
            "submitted_at": when,
            "supplementary": supplementary,
        }
    )


def key_figures(
    department: str,
    *,
    year: int = 2025,
    revision: int = 1,
    red: int = 0,
    yellow: int = 0,
    municipality: str = "101",
    org: str = "org-1",
):
    figures = [
        KeyFigure(
            code=f"red_{n}",
            value=Decimal(1),
            unit="x",
            benchmark=Decimal(1),
            benchmark_indexed=False,
            colour=CriticalColour.RED,
        )
        for n in range(red)
    ] + [
        KeyFigure(
            code=f"yellow_{n}",
            value=Decimal(1),
            unit="x",
            benchmark=Decimal(1),
            benchmark_indexed=False,
            colour=CriticalColour.YELLOW,
        )
        for n in range(yellow)
    ]
    return KeyFiguresUpdatedV1.example().model_copy(
        update={
            "department_id": department,
            "organisation_id": org,
            "municipality_code": municipality,
            "year": year,
            "revision": revision,
            "figures": figures,
        }
    )
