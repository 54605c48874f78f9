"""Owners tracked across cases and tribunals (§ 22): their non-compliance reports, § 16
convictions and the thresholds reached."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from common.errors import NotFoundError, PermissionDeniedError
from legal_cases.db.models import ConvictionRow, NonComplianceReportRow, ThresholdRow
from legal_cases.db.repositories import OwnerRepository
from legal_cases.domain.access import FUND_ROLE, TRIBUNAL_ROLE, Viewer
from legal_cases.domain.errors import DeadlineRuleError


@dataclass(frozen=True, slots=True)
class OwnerView:
    owner_id: str
    reports: Sequence[NonComplianceReportRow]
    convictions: Sequence[ConvictionRow]
    thresholds: Sequence[ThresholdRow]


async def _ensure_involved(repo: OwnerRepository, viewer: Viewer, owner_id: str) -> None:
    """The fund sees every owner; a tribunal an owner it has (had) a case with."""
    if viewer.role == FUND_ROLE:
        return
    if viewer.role != TRIBUNAL_ROLE:
        raise PermissionDeniedError(
            f"Your role '{viewer.role}' may not read owners' records; it needs one of: fund, "
            "tribunal."
        )
    if viewer.tribunal_code is None or not await repo.has_case_before(
        owner_id, viewer.tribunal_code
    ):
        raise NotFoundError(f"Owner {owner_id} has no case before your tribunal.")


async def owner_view(repo: OwnerRepository, viewer: Viewer, owner_id: str) -> OwnerView:
    await _ensure_involved(repo, viewer, owner_id)
    return OwnerView(
        owner_id=owner_id,
        reports=await repo.all_reports_of(owner_id),
        convictions=await repo.convictions_of(owner_id),
        thresholds=await repo.thresholds_of(owner_id),
    )


async def record_conviction(
    repo: OwnerRepository, viewer: Viewer, owner_id: str, convicted_on: date, today: date
) -> ConvictionRow:
    """A § 16 (Rent Act) conviction the tribunal learnt of (§ 21(2) no. 6); it counts with the
    owner's next non-compliance report."""
    if viewer.role != TRIBUNAL_ROLE:
        raise PermissionDeniedError(
            f"Your role '{viewer.role}' may not record convictions; it needs one of: tribunal."
        )
    await _ensure_involved(repo, viewer, owner_id)
    if convicted_on > today:
        raise DeadlineRuleError(f"A conviction cannot lie in the future ({convicted_on}).")
    assert viewer.tribunal_code is not None
    row = ConvictionRow(
        owner_id=owner_id,
        convicted_on=convicted_on,
        recorded_by=viewer.subject,
        tribunal_code=viewer.tribunal_code,
    )
    await repo.add(row)
    return row
