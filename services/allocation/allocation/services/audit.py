"""The audit trail of a case (who did what when), read after the caller's visibility of the
case itself has been checked by its own use case."""

from __future__ import annotations

from collections.abc import Sequence

from allocation.db.models import CaseLogRow
from allocation.db.repositories import Repository
from common.db.uow import UnitOfWork


async def log_of(uow: UnitOfWork, kind: str, case_id: str) -> Sequence[CaseLogRow]:
    return await Repository(uow.session).case_log(kind, case_id)
