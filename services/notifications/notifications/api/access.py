"""Who may manage which directory entry and read which deliveries.

* the fund (Landsbyggefonden, also operations) manages every entry and reads every delivery;
* a municipality manages its own entry (its code in the token) and reads the deliveries
  addressed to it;
* a housing or administration organisation manages the entries of the organisations its token
  names and reads the deliveries that followed those organisations' events (addresses of other
  recipients are not shown to it);
* other roles have no business here (403).

Someone else's entry or delivery is reported as not found (404), so its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement, and_, false, or_, true

from common.auth import CurrentPrincipal, Principal, Role
from common.errors import PermissionDeniedError
from notifications.db.models import DeliveryRow, RecipientRow
from notifications.domain.rules import RecipientKind

ORGANISATION_ROLES = frozenset({Role.HOUSING_ORG, Role.ADMIN_ORG})
ALLOWED_ROLES = ORGANISATION_ROLES | {Role.MUNICIPALITY, Role.FUND}


@dataclass(frozen=True, slots=True)
class NotificationScope:
    subject: str
    role: Role
    organisation_ids: frozenset[str] | None  # None: no restriction
    municipality_code: str | None

    @property
    def sees_all(self) -> bool:
        return self.role is Role.FUND

    def manages(self, kind: RecipientKind, ref: str) -> bool:
        if self.sees_all:
            return True
        if kind is RecipientKind.MUNICIPALITY:
            return self.municipality_code == ref
        return self.organisation_ids is not None and ref in self.organisation_ids

    def recipients_visible(self) -> ColumnElement[bool]:
        if self.sees_all:
            return true()
        if self.municipality_code is not None:
            return and_(
                RecipientRow.kind == RecipientKind.MUNICIPALITY,
                RecipientRow.ref == self.municipality_code,
            )
        if self.organisation_ids:
            return and_(
                RecipientRow.kind == RecipientKind.ORGANISATION,
                RecipientRow.ref.in_(sorted(self.organisation_ids)),
            )
        return false()

    def deliveries_visible(self) -> ColumnElement[bool]:
        if self.sees_all:
            return true()
        if self.municipality_code is not None:
            return and_(
                DeliveryRow.recipient_kind == RecipientKind.MUNICIPALITY,
                DeliveryRow.recipient_ref == self.municipality_code,
            )
        if self.organisation_ids:
            orgs = sorted(self.organisation_ids)
            return or_(
                DeliveryRow.organisation_id.in_(orgs),
                and_(
                    DeliveryRow.recipient_kind == RecipientKind.ORGANISATION,
                    DeliveryRow.recipient_ref.in_(orgs),
                ),
            )
        return false()

    def sees_address_of(self, kind: str, ref: str) -> bool:
        """An organisation sees the addresses of its own entries only."""
        return self.manages(RecipientKind(kind), ref)


def scope_for(principal: Principal) -> NotificationScope:
    if principal.role not in ALLOWED_ROLES:
        names = ", ".join(sorted(r.value for r in ALLOWED_ROLES))
        raise PermissionDeniedError(
            f"Your role '{principal.role.value}' has no notifications to manage or read; "
            f"this needs one of: {names}."
        )
    if principal.role is Role.MUNICIPALITY:
        if principal.municipality_code is None:
            raise PermissionDeniedError("A municipality token must carry a municipality code.")
        return NotificationScope(
            principal.subject, principal.role, None, principal.municipality_code
        )
    if principal.role in ORGANISATION_ROLES:
        return NotificationScope(
            principal.subject, principal.role, principal.organisation_ids, None
        )
    return NotificationScope(principal.subject, principal.role, None, None)


async def _scope(principal: CurrentPrincipal) -> NotificationScope:
    return scope_for(principal)


Scope = Annotated[NotificationScope, Depends(_scope)]
