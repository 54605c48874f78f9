"""Dependencies of the notification routes: the caller's access scope.

The fund (Landsbyggefonden, also operations), a municipality and a housing or administration
organisation have notifications to manage or read; every other role gets 403. What each of
them manages and reads is built on this scope (``domain/visibility.py``,
``db/repositories.py``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from common.access import Scope, scope_dependency
from common.auth import Role

NOTIFICATION_ROLES = frozenset({Role.HOUSING_ORG, Role.ADMIN_ORG, Role.MUNICIPALITY, Role.FUND})

NotificationScope = Annotated[
    Scope, Depends(scope_dependency(NOTIFICATION_ROLES, "manage or read notifications"))
]
