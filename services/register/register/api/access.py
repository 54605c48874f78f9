"""TRANSITIONAL shim, to be deleted: the register's access now is ``common.access.Scope`` with
the dependencies in ``register.api.deps``. Only ``services/writer.py`` (``RegisterScope``,
``ensure_may_write``) and ``register/demo.py`` (``scope_for``) still import this module, until
they move onto ``common.access`` themselves."""

from __future__ import annotations

from common.access import Scope
from common.auth import Principal
from register.api.deps import READER_ROLES, WRITER_ROLES

RegisterScope = Scope


def _ensure_may_write(self: Scope, organisation_id: str) -> None:
    self.ensure_acts_for(organisation_id, "report records")


Scope.ensure_may_write = _ensure_may_write  # type: ignore[attr-defined]


def scope_for(principal: Principal, *, write: bool = False) -> Scope:
    if write:
        return Scope.of(principal, allowed=WRITER_ROLES, action="report to the register here")
    return Scope.of(principal, allowed=READER_ROLES, action="read the register here")
