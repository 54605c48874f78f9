"""The transfer of a rent-support case's departments that the rent model found not covered to
the national disposition fund (landsdispositionsfonden), as an ordinary operating-support case
(driftsstøttesag) of its own, and that case's decision (see :mod:`grants.domain.transfer`).

The operating-support case is a case like any other: the same organisations and municipality
see it, it has its history, its PDF and its place in the case list (kind ``operating_support``);
it starts in ``transferred`` and the fund decides it (granted or refused, with a reason). Only
then may the rent-support case be finally refused (:func:`grants.services.decisions.reject`).
"""

from __future__ import annotations

import uuid

from common.access import Scope
from common.db.uow import UnitOfWork
from grants.db.models import ApplicationRow
from grants.db.rent_support import transfers_of
from grants.db.repositories import ApplicationRepository
from grants.domain.lifecycle import Action, Status, transition
from grants.domain.transfer import (
    OPERATING_SUPPORT,
    TransferCase,
    departments_to_transfer,
)
from grants.events import outgoing
from grants.services.core import load, now, record
from grants.services.roles import FUND_ROLES


def transfer_case(row: ApplicationRow) -> TransferCase:
    return TransferCase(row.id, tuple(row.department_ids), Status(row.status))


async def transfer_cases(uow: UnitOfWork, origin_id: str) -> list[TransferCase]:
    return [transfer_case(row) for row in await transfers_of(uow.session, origin_id)]


async def transfer(uow: UnitOfWork, scope: Scope, application_id: str) -> ApplicationRow:
    """Create the operating-support case for the departments not covered (and not yet
    transferred); history lines on both cases and ``grants.application.transferred``."""
    scope.require(FUND_ROLES, "transfer departments to the national disposition fund")
    repo = ApplicationRepository(uow.session)
    origin = await load(repo, scope, application_id, lock=True)
    departments = departments_to_transfer(
        origin.kind,
        Status(origin.status),
        origin.rent_support,
        await transfer_cases(uow, origin.id),
    )
    forms = {f.department_id: f for f in await repo.forms_of(origin.id)}
    owners = {forms[d].organisation_id for d in departments if d in forms}
    organisation_ids = [o for o in origin.organisation_ids if o in owners] or [
        origin.lead_organisation_id
    ]
    at = now()
    case = ApplicationRow(
        id=f"app-{origin.year}-{uuid.uuid4().hex[:12]}",
        kind=OPERATING_SUPPORT,
        title=f"Driftsstøttesag (landsdispositionsfonden): {origin.title}"[:200],
        lead_organisation_id=organisation_ids[0],
        organisation_ids=organisation_ids,
        department_ids=departments,
        municipality_code=origin.municipality_code,
        year=origin.year,
        status=Status.TRANSFERRED.value,
        version=1,
        origin_application_id=origin.id,
        # the rent model's basis of the transfer: the departments' own results
        rent_support={
            **{k: v for k, v in (origin.rent_support or {}).items() if k != "departments"},
            "departments": [
                d
                for d in (origin.rent_support or {}).get("departments", [])
                if d.get("department_id") in departments
            ],
        },
        created_by=scope.subject,
        created_at=at,
        updated_at=at,
    )
    await repo.add(case)
    await record(
        repo,
        case,
        scope,
        "transferred_in",
        f"Operating-support case for departments {', '.join(departments)}, not covered by rent "
        f"support in {origin.id}, transferred to the national disposition fund.",
        {"origin_application_id": origin.id, "department_ids": departments},
        at=at,
    )
    await record(
        repo,
        origin,
        scope,
        "transferred_out",
        f"Departments {', '.join(departments)} (not covered by rent support) transferred to the "
        f"national disposition fund as operating-support case {case.id}.",
        {"transfer_application_id": case.id, "department_ids": departments},
        at=at,
    )
    uow.record_event(outgoing.transferred(case, at))
    return case


async def decide_operating_support(
    uow: UnitOfWork, scope: Scope, application_id: str, *, granted: bool, reason: str
) -> ApplicationRow:
    """The national disposition fund's decision on an operating-support case (final)."""
    scope.require(FUND_ROLES, "decide operating-support cases")
    repo = ApplicationRepository(uow.session)
    case = await load(repo, scope, application_id, lock=True)
    action = Action.GRANT_OPERATING_SUPPORT if granted else Action.REFUSE_OPERATING_SUPPORT
    status = transition(Status(case.status), action)
    at = now()
    case.status = status.value
    case.decision_reason = reason
    case.decided_at = at
    if not granted:
        case.rejection_reason = reason
    verdict = "granted" if granted else "refused"
    await record(
        repo,
        case,
        scope,
        f"operating_support_{verdict}",
        f"Operating support {verdict} by the national disposition fund: {reason}",
        {"granted": granted},
        at=at,
    )
    if case.origin_application_id is not None:
        origin = await repo.application_by_id(case.origin_application_id, lock=True)
        if origin is not None:
            await record(
                repo,
                origin,
                scope,
                "transfer_decided",
                f"The national disposition fund {verdict} operating support in {case.id} "
                f"(departments {', '.join(case.department_ids)}).",
                {"transfer_application_id": case.id, "granted": granted},
                at=at,
            )
    return case
