"""The contract catalogue: every event the platform publishes, as a versioned pydantic payload.

A consumer imports the contract it reads from here — never from the producing service's
package — so the producer and its consumers share exactly one definition of each event::

    from common.events.contracts import LeaseCreatedV1, to_envelope

    envelope = to_envelope(lease_created, correlation_id=request_id)  # producer, into the outbox
    lease = LeaseCreatedV1.from_envelope(envelope)  # consumer, typed
    contract = from_envelope(envelope)  # consumer of several events: any catalogued contract

Each contract names its event type (past tense, ``<producer>.<aggregate>.<verb>``), its topic
(one per aggregate type and major version, ``<producer>.<aggregate>.v<N>``), its schema
version, its producer and consumer services and the field holding the aggregate id, which is the
envelope's ``subject`` and the Kafka key (so order holds per aggregate).

Contracts carry ids and the facts their consumers need, never personal data: no CPR numbers,
no names, no e-mail addresses or phone numbers of persons. A consumer that needs more looks it
up by id in the owning service. Money is :data:`common.money.DKK` (a string with two decimals
on the wire), dates are ISO dates and timestamps carry a time zone.

How to evolve a contract
------------------------
Published events live on in Kafka, in outboxes and in dead-letter tables, and consumers are
deployed independently of producers, so a published contract changes **additively only**:

* allowed: a new *optional* field (with a default), a longer description, a new enum value
  once every consumer tolerates it (deploy the consumers first);
* anything else — removing or renaming a field, changing a type or format, making a field
  required, narrowing an enum or tightening a constraint — is a **new contract class**
  ``...V2`` with ``schema_version = 2`` on the topic ``<producer>.<aggregate>.v2``. The producer
  publishes V1 and V2 side by side until every consumer has moved to V2; only then is V1
  removed from the catalogue (and, deliberately, from the lock).

``docs/events/contracts.lock.json`` records the published schemas and a unit test rejects
breaking changes against it (:mod:`common.events.compatibility`); ``housing events asyncapi``
regenerates ``docs/events/asyncapi.json`` from this catalogue (:mod:`common.events.asyncapi`).

Where things are
----------------
* :mod:`.base` — the :class:`Contract` base class, the shared field types (``Id``,
  ``MunicipalityCode``, ``Amount``, …), the code lists several producers use
  (``HousingType``, ``AllocationType``) and :func:`to_envelope`;
* one module per producing service — :mod:`.register`, :mod:`.governance`, :mod:`.grants`,
  :mod:`.benchmarks`, :mod:`.notifications` — holding that producer's contracts (a new
  producer gets its own module);
* :mod:`.catalogue` — :data:`CATALOGUE`, the list of every published contract (add a new
  contract there), and the look-ups over it.

This package re-exports all of it, so ``from common.events.contracts import X`` is the one
import a producer or consumer needs.
"""

from common.events.contracts.allocation import (
    AgreementSignedV1,
    OfferAnsweredV1,
    OfferDeadlineApproachingV1,
    OfferLapsedV1,
    OfferOpenedV1,
    OfferSource,
    SubsidyEndedV1,
    SubsidyFrameSetV1,
    SubsidyGrantedV1,
)
from common.events.contracts.base import (
    DECIMAL_AS_STRING,
    SOURCE_PREFIX,
    AllocationType,
    Amount,
    Contract,
    HousingType,
    Id,
    MunicipalityCode,
    SquareMetres,
    TotalSquareMetres,
    UnknownContractError,
    to_envelope,
)
from common.events.contracts.benchmarks import (
    CriticalColour,
    FigureValue,
    KeyFigure,
    KeyFiguresUpdatedV1,
    ResidentComposition,
)
from common.events.contracts.catalogue import (
    CATALOGUE,
    contract_for,
    contracts_on,
    from_envelope,
    topics,
)
from common.events.contracts.governance import (
    AccountsReportedV1,
    DeadlineSetV1,
    MeetingHeldV1,
    OutstandingItem,
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

__all__ = [
    "CATALOGUE",
    "DECIMAL_AS_STRING",
    "SOURCE_PREFIX",
    "AccountsReportedV1",
    "AgreementSignedV1",
    "AllocationType",
    "Amount",
    "ApplicationPrequalifiedV1",
    "ApplicationRejectedV1",
    "ApplicationSubmittedV1",
    "ApplicationTransferredV1",
    "AssessmentStartedV1",
    "CaseDeadlinesMovedV1",
    "CaseDecidedV1",
    "CaseFiledV1",
    "CaseRejectedV1",
    "CommitmentGrantedV1",
    "Contract",
    "CounterpartNotifiedV1",
    "CriticalColour",
    "DeadlineReminderDueV1",
    "DeadlineSetV1",
    "DecisionAppealedV1",
    "DecisionFinalV1",
    "DeliveryFailedV1",
    "DepartmentUpsertedV1",
    "DwellingVacancyChangedV1",
    "FigureValue",
    "HousingType",
    "Id",
    "KeyFigure",
    "KeyFiguresUpdatedV1",
    "LeaseCreatedV1",
    "LeaseTerminatedV1",
    "LeaseUpdatedV1",
    "MeetingHeldV1",
    "MunicipalityCode",
    "NonComplianceThresholdReachedV1",
    "OfferAnsweredV1",
    "OfferDeadlineApproachingV1",
    "OfferLapsedV1",
    "OfferOpenedV1",
    "OfferSource",
    "OrganisationUpsertedV1",
    "OutstandingItem",
    "PackageReturnedV1",
    "PackageSentV1",
    "PackageStatusChangedV1",
    "PaymentsResumedV1",
    "PaymentsStoppedV1",
    "PlanApprovedV1",
    "PlanSentV1",
    "QuestionDeadlineChangedV1",
    "ReminderDueV1",
    "RentChangedV1",
    "ResidentComposition",
    "SquareMetres",
    "StatementOverdueV1",
    "StatementSubmittedV1",
    "SubsidyEndedV1",
    "SubsidyFrameSetV1",
    "SubsidyGrantedV1",
    "TotalSquareMetres",
    "UnknownContractError",
    "YearlyStatusOverdueV1",
    "contract_for",
    "contracts_on",
    "from_envelope",
    "to_envelope",
    "topics",
]
