"""The fund's rent-model calculation for a case's departments (see
:mod:`grants.domain.rent_model`): the benchmark calculator's figures of the year, the number of
dwellings from the department's application form, the fund's additions and deductions, and the
minimum support need in force for the case's frame year (the fund's table,
:class:`grants.db.models.MinimumNeedRow`); stored on the case with every step, shown to the
caseworker and the applicant."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from common.access import Scope
from common.db.uow import UnitOfWork
from common.errors import FieldError, RuleViolationError
from common.money import format_dkk
from grants.db.models import ApplicationRow, MinimumNeedRow
from grants.db.rent_support import MinimumNeedRepository
from grants.db.repositories import ApplicationRepository, MasterDataRepository
from grants.domain.errors import MinimumNeedNotSetError
from grants.domain.lifecycle import Status
from grants.domain.rent_model import (
    Adjustment,
    DepartmentInput,
    DepartmentResult,
    Residents,
    calculate,
)
from grants.services.core import load, now, record
from grants.services.roles import FUND_ROLES

# While the fund assesses the application, or later while the plan is made.
CALCULABLE = frozenset(
    {Status.SENT, Status.UNDER_ASSESSMENT, Status.PREQUALIFIED, Status.PLAN_APPROVED}
)


def residents_of(data: dict[str, Any] | None) -> Residents | None:
    """The calculator's resident composition as stored from its event (None: none sent)."""
    if data is None:
        return None

    def decimal(key: str) -> Decimal | None:
        value = data.get(key)
        return None if value is None else Decimal(value)

    return Residents(
        band_label=data.get("label"),
        municipal_allocation_share=decimal("municipal_allocation_share"),
        comparable_rent_per_m2=decimal("comparable_rent_per_m2"),
        group_size=int(data.get("group_size") or 0),
        group_label=data.get("group_label"),
    )


def _json(result: DepartmentResult) -> dict[str, Any]:
    data = asdict(result)
    for step in data["steps"]:
        step["value"] = None if step["value"] is None else str(step["value"])
    for key in (
        "yearly_need",
        "own_contribution",
        "support",
        "base_amount_per_dwelling",
        "area_amount_per_m2",
    ):
        data[key] = str(data[key])
    return data


async def calculate_rent_support(
    uow: UnitOfWork,
    scope: Scope,
    application_id: str,
    *,
    year: int,
    adjustments: Mapping[str, Mapping[Adjustment, Decimal]],
) -> ApplicationRow:
    scope.require(FUND_ROLES, "calculate rent support")
    repo = ApplicationRepository(uow.session)
    application = await load(repo, scope, application_id, lock=True)
    status = Status(application.status)
    if status not in CALCULABLE:
        raise RuleViolationError(
            f"Rent support is calculated for a sent application until the plan is sent; the "
            f"case has status '{status.value}'."
        )
    minimum = await MinimumNeedRepository(uow.session).current(application.year)
    if minimum is None:
        raise MinimumNeedNotSetError(
            f"No minimum support need (minimumsstøttebehov) is set for {application.year}, the "
            "case's frame year; the fund sets it with PUT "
            f"/grants/v1/rent-support/minimum-needs/{application.year} before calculating."
        )
    minimum_need_per_m2 = minimum.amount_per_m2
    unknown = sorted(set(adjustments) - set(application.department_ids))
    if unknown:
        raise RuleViolationError(
            f"Adjustments name departments not in the case: {', '.join(unknown)}."
        )
    figures = {
        f.department_id: f
        for f in await MasterDataRepository(uow.session).figures(application.department_ids, year)
    }
    forms = {f.department_id: f for f in await repo.forms_of(application.id)}
    errors: list[FieldError] = []
    inputs: list[DepartmentInput] = []
    for dep_id in application.department_ids:
        found = figures.get(dep_id)
        dwellings = forms[dep_id].answers.get("dwellings") if dep_id in forms else None
        missing = []
        if found is None or found.rent_per_m2 is None:
            missing.append("its rent per m²")
        if found is None or found.comparable_rent_per_m2 is None:
            missing.append("a comparable group's average rent")
        if found is None or found.average_dwelling_size is None:
            missing.append("its average dwelling size")
        if not isinstance(dwellings, int) or dwellings < 1:
            missing.append("the number of dwellings (application form)")
        if missing:
            errors.append(
                FieldError(
                    f"/departments/{dep_id}",
                    f"Department {dep_id} lacks {', '.join(missing)} for {year} (the figures "
                    "come from the benchmark calculator).",
                    "figures-missing",
                )
            )
            continue
        assert found is not None
        assert found.rent_per_m2 is not None
        assert found.comparable_rent_per_m2 is not None
        assert found.average_dwelling_size is not None
        assert isinstance(dwellings, int)
        inputs.append(
            DepartmentInput(
                department_id=dep_id,
                rent_per_m2=Decimal(found.rent_per_m2),
                comparable_rent_per_m2=Decimal(found.comparable_rent_per_m2),
                dwellings=dwellings,
                average_dwelling_size=Decimal(found.average_dwelling_size),
                adjustments=dict(adjustments.get(dep_id, {})),
                residents=residents_of(found.resident_composition),
            )
        )
    if errors:
        raise RuleViolationError(
            "The rent model cannot be calculated yet; see 'errors'.", errors=errors
        )
    results = [calculate(i, minimum_need_per_m2) for i in inputs]
    total = sum((r.support for r in results), Decimal("0.00"))
    at = now()
    application.rent_support = {
        "year": year,
        "minimum_need_per_m2": str(minimum_need_per_m2),
        "minimum_need": {
            "year": minimum.year,
            "revision": minimum.revision,
            "reference": minimum.reference,
        },
        "calculated_at": at.isoformat(),
        "calculated_by": scope.subject,
        "total_support": str(total),
        "departments": [_json(r) for r in results],
        "transferred_to_disposition_fund": [r.department_id for r in results if not r.covered],
    }
    not_covered = [r.department_id for r in results if not r.covered]
    await record(
        repo,
        application,
        scope,
        "rent_support_calculated",
        f"Rent model for {year}: support {format_dkk(total)} a year"
        + (
            f"; not covered (to the national disposition fund): {', '.join(not_covered)}"
            if not_covered
            else ""
        )
        + ".",
        {"total_support": str(total), "not_covered": not_covered},
        at=at,
    )
    return application


async def set_minimum_need(
    uow: UnitOfWork, scope: Scope, year: int, amount_per_m2: Decimal, reference: str
) -> MinimumNeedRow:
    """The fund sets (or changes) a year's minimum support need; each change is a new revision
    with who, when and the fund's reference (the rate's audit trail). Calculations already
    stored keep the rate and revision they used. PUT is idempotent: the same amount and
    reference as the revision in force change nothing (no new revision)."""
    scope.require(FUND_ROLES, "set the minimum support need")
    repo = MinimumNeedRepository(uow.session)
    return await repo.add(year, amount_per_m2, reference, scope.subject)


async def minimum_needs(uow: UnitOfWork, scope: Scope) -> list[MinimumNeedRow]:
    """Every year's minimum support need with its revisions (everyone in grants may read the
    rate a calculation is measured against)."""
    return await MinimumNeedRepository(uow.session).all()
