"""Owners tracked across tribunals (§ 22): non-compliance reports, convictions, thresholds."""

from __future__ import annotations

from fastapi import APIRouter

from common.app import UnitOfWorkDep
from common.problems import problem_responses
from legal_cases.api.deps import OwnerReader, RefPath, Today, Tribunal
from legal_cases.api.schemas import ConvictionIn, NonComplianceOut, OwnerOut, ThresholdOut
from legal_cases.db.repositories import OwnerRepository
from legal_cases.services import owners
from legal_cases.services.owners import OwnerView

router = APIRouter(tags=["owners"])

READ = problem_responses(
    {401: "No or invalid bearer token", 403: "Your role may not do this",
     404: "No such owner among those you may see"}
)  # fmt: skip


def owner_out(view: OwnerView) -> OwnerOut:
    return OwnerOut(
        owner_id=view.owner_id,
        reports=[
            NonComplianceOut(case_id=r.case_id, owner_id=r.owner_id, tribunal_code=r.tribunal_code,
                             decided_on=r.decided_on, reported_on=r.reported_on)
            for r in view.reports
        ],
        convictions=[c.convicted_on for c in view.convictions],
        thresholds=[
            ThresholdOut(id=t.id, rule=t.rule, reached_on=t.reached_on, case_ids=list(t.case_ids),
                         tribunal_codes=list(t.tribunal_codes))
            for t in view.thresholds
        ],
    )  # fmt: skip


@router.get("/owners/{owner_id}", response_model=OwnerOut, responses=READ)
async def get_owner(owner_id: RefPath, viewer: OwnerReader, uow: UnitOfWorkDep) -> OwnerOut:
    """An owner's non-compliance record: the fund sees every owner, a tribunal the owners it
    has cases with (reports from every tribunal are shown: § 22 is counted across them)."""
    return owner_out(await owners.owner_view(OwnerRepository(uow.session), viewer, owner_id))


@router.post("/owners/{owner_id}/convictions", response_model=OwnerOut, status_code=201,
             responses={**READ, **problem_responses({422: "The date breaks a rule"})})  # fmt: skip
async def record_conviction(
    owner_id: RefPath, body: ConvictionIn, viewer: Tribunal, uow: UnitOfWorkDep, today: Today
) -> OwnerOut:
    """Record a § 16 (Rent Act) conviction of the owner (§ 21(2) no. 6)."""
    repo = OwnerRepository(uow.session)
    await owners.record_conviction(repo, viewer, owner_id, body.convicted_on, today)
    return owner_out(await owners.owner_view(repo, viewer, owner_id))
