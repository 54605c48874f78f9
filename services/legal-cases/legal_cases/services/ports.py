"""What the use cases need from their surroundings, as small protocols, and the outbox
recorder that the routes and the job hand them."""

from __future__ import annotations

from typing import Protocol

from common.db.uow import UnitOfWork
from common.events.contracts import Contract, to_envelope


class EventRecorder(Protocol):
    def record(self, contract: Contract) -> None: ...


class OutboxRecorder:
    """Records contracts in the unit of work: written to the outbox with the state change."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def record(self, contract: Contract) -> None:
        self.uow.record_event(to_envelope(contract))
