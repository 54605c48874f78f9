"""The read model of the register's organisations and departments, fed by its events only.

An older or duplicate event changes nothing (the version guard of ``common.db.projection``).
Forms already created keep the prefilled facts they were created with (what the applicant saw
and sent); new applications take the newest."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from common.events.contracts import DepartmentUpsertedV1, OrganisationUpsertedV1
from grants.db.repositories import MasterDataRepository


async def apply_organisation(session: AsyncSession, event: OrganisationUpsertedV1) -> bool:
    return await MasterDataRepository(session).apply_organisation(event)


async def apply_department(session: AsyncSession, event: DepartmentUpsertedV1) -> bool:
    return await MasterDataRepository(session).apply_department(event)
