"""Use case: the register's organisation events kept for the names messages use."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from common.db.projection import apply_organisation
from common.events.contracts import OrganisationUpsertedV1
from notifications.db.models import OrganisationRow


async def organisation_upserted(session: AsyncSession, event: OrganisationUpsertedV1) -> bool:
    """Store the organisation (its name among its facts) unless a newer version is held."""
    return await apply_organisation(session, OrganisationRow, event)
