"""The catalogue: every published contract, and the look-ups over it (by type and version, by
topic, by consumer) that the lock, the AsyncAPI document and consumers' decoding use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from common.events.contracts.allocation import (
    AgreementSignedV1,
    OfferAnsweredV1,
    OfferDeadlineApproachingV1,
    OfferLapsedV1,
    OfferOpenedV1,
    SubsidyEndedV1,
    SubsidyFrameSetV1,
    SubsidyGrantedV1,
)
from common.events.contracts.base import Contract, UnknownContractError
from common.events.contracts.benchmarks import KeyFiguresUpdatedV1
from common.events.contracts.governance import (
    AccountsReportedV1,
    DeadlineSetV1,
    MeetingHeldV1,
    PackageReturnedV1,
    PackageSentV1,
    PackageStatusChangedV1,
    ReminderDueV1,
    StatementSubmittedV1,
)
from common.events.contracts.grants import (
    ApplicationPrequalifiedV1,
    ApplicationRejectedV1,
    ApplicationSubmittedV1,
    ApplicationTransferredV1,
    AssessmentStartedV1,
    CommitmentGrantedV1,
    PaymentsResumedV1,
    PaymentsStoppedV1,
    PlanApprovedV1,
    PlanSentV1,
    StatementOverdueV1,
    YearlyStatusOverdueV1,
)
from common.events.contracts.legal_cases import (
    CaseDeadlinesMovedV1,
    CaseDecidedV1,
    CaseFiledV1,
    CaseRejectedV1,
    CounterpartNotifiedV1,
    DeadlineReminderDueV1,
    DecisionAppealedV1,
    DecisionFinalV1,
    NonComplianceThresholdReachedV1,
    QuestionDeadlineChangedV1,
)
from common.events.contracts.notifications import DeliveryFailedV1
from common.events.contracts.register import (
    DepartmentUpsertedV1,
    DwellingVacancyChangedV1,
    LeaseCreatedV1,
    LeaseTerminatedV1,
    LeaseUpdatedV1,
    OrganisationUpsertedV1,
    RentChangedV1,
)
from common.events.envelope import Envelope

__all__ = ["CATALOGUE", "contract_for", "contracts_on", "from_envelope", "topics"]

CATALOGUE: tuple[type[Contract], ...] = (
    LeaseCreatedV1,
    PackageSentV1,
    ApplicationPrequalifiedV1,
    LeaseUpdatedV1,
    LeaseTerminatedV1,
    RentChangedV1,
    DwellingVacancyChangedV1,
    DepartmentUpsertedV1,
    OrganisationUpsertedV1,
    KeyFiguresUpdatedV1,
    AccountsReportedV1,
    PackageReturnedV1,
    MeetingHeldV1,
    StatementSubmittedV1,
    ReminderDueV1,
    DeliveryFailedV1,
    CaseFiledV1,
    CounterpartNotifiedV1,
    CaseDecidedV1,
    DecisionAppealedV1,
    DecisionFinalV1,
    NonComplianceThresholdReachedV1,
    DeadlineReminderDueV1,
    ApplicationSubmittedV1,
    ApplicationRejectedV1,
    PlanApprovedV1,
    CommitmentGrantedV1,
    StatementOverdueV1,
    YearlyStatusOverdueV1,
    ApplicationTransferredV1,
    PaymentsStoppedV1,
    PaymentsResumedV1,
    OfferOpenedV1,
    OfferAnsweredV1,
    OfferLapsedV1,
    SubsidyGrantedV1,
    SubsidyEndedV1,
    AgreementSignedV1,
    OfferDeadlineApproachingV1,
    PackageStatusChangedV1,
    DeadlineSetV1,
    AssessmentStartedV1,
    PlanSentV1,
    QuestionDeadlineChangedV1,
    SubsidyFrameSetV1,
    CaseDeadlinesMovedV1,
    CaseRejectedV1,
)
"""Every published contract. A new contract (or a new version) must be added here, at the end:
the order is the order of publication, and the AsyncAPI document lists a topic's messages in it."""


def _index(catalogue: Iterable[type[Contract]]) -> dict[tuple[str, int], type[Contract]]:
    index: dict[tuple[str, int], type[Contract]] = {}
    for contract in catalogue:
        identity = (contract.event_type, contract.schema_version)
        if identity in index:
            raise TypeError(
                f"{contract.__name__} and {index[identity].__name__} both claim {contract.key()}"
            )
        index[identity] = contract
    return index


_BY_TYPE_AND_VERSION: Final = _index(CATALOGUE)


def contract_for(event_type: str, version: int) -> type[Contract]:
    """The catalogued contract of ``event_type`` at schema ``version``."""
    try:
        return _BY_TYPE_AND_VERSION[(event_type, version)]
    except KeyError:
        known = sorted(c.key() for c in CATALOGUE if c.event_type == event_type)
        hint = f"known versions: {', '.join(known)}" if known else "no such event type"
        raise UnknownContractError(
            f"no contract for event type {event_type!r} schema version {version} ({hint})"
        ) from None


def topics(*, consumer: str | None = None) -> list[str]:
    """Sorted unique topic names; with ``consumer``, only the topics that service reads."""
    return sorted({c.topic for c in CATALOGUE if consumer is None or consumer in c.consumers})


def contracts_on(topic: str) -> tuple[type[Contract], ...]:
    """The contracts published on ``topic``, in catalogue order."""
    return tuple(c for c in CATALOGUE if c.topic == topic)


def from_envelope(envelope: Envelope) -> Contract:
    """The envelope's payload as its catalogued contract; see :meth:`Contract.from_envelope`."""
    return Contract.from_envelope(envelope)
