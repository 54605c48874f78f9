"""Which event notifies whom, with which template — the service's rules in one table.

Each :class:`Rule` names an event type, and for each kind of recipient it notifies: how the
recipients are read off the event, the template (``notifications/templates/<template>.*``) and
whether the message is required (then the recipient cannot opt out of it).

Contracts never carry addresses: a recipient is a municipality (three-digit code) or a housing
organisation (its id); the addresses come from the recipient directory.

Why required or not:

* package sent → municipalities: the municipality *chose* to be told (seed 002 §5.2.8 "Kommunen
  har mulighed for at angive en mailadresse til notifikation"): optional, it may opt out.
* package returned → organisation: the package is reopened by the municipality's act and the
  organisation must know to act on it: required.
* meeting held, statement submitted → organisation: information about the dialogue's progress;
  the statement itself lies in the system (002 "lægges redegørelsen i systemet"): optional.
* reminder due → municipality: the ministry decided that reminders are sent twice a year
  (002 "Ministeriet har besluttet, at der 2 gange årligt sendes påmindelsesmails"): required.
* application prequalified → organisation: the fund's decision is notified to the applicant
  (001 "meddelelse om prækvalifikation"): required; → the recommending municipality: optional;
  → each other participating organisation (when the event names them): required.
* grants (seed 001), to every participating organisation: application submitted (a receipt):
  optional; rejected (001 "modtager ansøger besked herom med en begrundelse"): required, and to
  the recommending municipality optional; plan approved by the council: optional; commitment
  granted: required; statement overdue (a reminder — missing reporting can stop payments),
  payments stopped and resumed: required.
* rent tribunal cases (legal-cases; parties who are persons are written to by the tribunal
  itself, contracts carry no addresses): a case filed, appealed or final → the tribunal's
  municipality (its secretariat): optional; counterpart notified → a landlord counterpart that
  uses the platform (its landlord id as organisation): required (seed 004 § 82(3)); decided →
  the landlord and a filing municipality: required (§ 86(5) "meddeles klageren og de øvrige
  parter"); a deadline reminder → the landlord or filing municipality that must reply or
  answer: required (a missed deadline lets silence count against it, § 86(2)); the
  non-compliance threshold → each involved tribunal's municipality: required
  (§ 22 "skal … give meddelelse … til de involverede huslejenævn").
* allocation offer opened → municipality: a vacancy at its disposal starts the answer deadline
  (004 § 56(1), 7 weekdays; silence costs the rent): required.
* allocation offer deadline approaching → municipality: the last working day to answer before
  silence costs it the rent: required.
* allocation offer answered → the housing organisation or private landlord: the answer is also
  in the system; optional.
* allocation subsidy granted or ended (the tenant moved out) → the housing organisation owning
  the dwelling; agreement signed →
  the housing organisation or private landlord party to it: information, optional.
* allocation offer lapsed → municipality and the organisation or landlord: the deadline passed
  and the municipality owes the rent (004 § 56(3)) or the dwelling goes back: required for both.
* grants, rent support: departments not covered transferred to the national disposition fund
  (001 "overføres til viderebehandling i landsdispositionsfonden … inden evt. endeligt afslag")
  → the organisations owning them: required (their application continues as another case);
  → the location municipality: optional. Yearly status on goals, indicators and activities
  overdue (001 "Manglende indberetning … kan medføre, at udbetalingerne … stoppes") → every
  participating organisation: required, like the statement's reminder.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from common.events.contracts import (
    AgreementSignedV1,
    ApplicationPrequalifiedV1,
    ApplicationRejectedV1,
    ApplicationSubmittedV1,
    ApplicationTransferredV1,
    CaseDecidedV1,
    CaseFiledV1,
    CommitmentGrantedV1,
    Contract,
    CounterpartNotifiedV1,
    DeadlineReminderDueV1,
    DecisionAppealedV1,
    DecisionFinalV1,
    MeetingHeldV1,
    NonComplianceThresholdReachedV1,
    OfferAnsweredV1,
    OfferDeadlineApproachingV1,
    OfferLapsedV1,
    OfferOpenedV1,
    PackageReturnedV1,
    PackageSentV1,
    PaymentsResumedV1,
    PaymentsStoppedV1,
    PlanApprovedV1,
    ReminderDueV1,
    StatementOverdueV1,
    StatementSubmittedV1,
    SubsidyEndedV1,
    SubsidyGrantedV1,
    YearlyStatusOverdueV1,
)
from notifications.domain.deliveries import DeliveryStatus


class RecipientKind(StrEnum):
    MUNICIPALITY = "municipality"
    ORGANISATION = "organisation"


@dataclass(frozen=True, slots=True, order=True)
class Recipient:
    kind: RecipientKind
    ref: str  # a municipality code or an organisation id


@dataclass(frozen=True, slots=True)
class Addressee:
    """One recipient of one event, with what its template needs beyond the event's fields."""

    recipient: Recipient
    template: str
    required: bool
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Notify:
    kind: RecipientKind
    template: str
    required: bool
    recipients: Callable[[Any], list[tuple[str, dict[str, Any]]]]
    """(ref, extra template context) for each recipient of this kind, from the contract."""


@dataclass(frozen=True, slots=True)
class Rule:
    contract: type[Contract]
    notifies: tuple[Notify, ...]
    organisation: Callable[[Any], str | None]
    """The housing organisation whose affairs the event is about (it may read the deliveries)."""

    @property
    def event_type(self) -> str:
        return self.contract.event_type


def _package_municipalities(event: PackageSentV1) -> list[tuple[str, dict[str, Any]]]:
    home = event.home_municipality_code
    found = [(home, {"is_home": True})]
    found += [(c, {"is_home": False}) for c in event.location_municipality_codes if c != home]
    return found


def _organisation(event: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(str(event.organisation_id), {})]


def _counterpart(event: Any) -> list[tuple[str, dict[str, Any]]]:
    """The housing organisation or private landlord (its landlord id) of an agreement."""
    return [(str(event.counterpart_id), {})]


def _municipality(event: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(str(event.municipality_code), {})]


def _organisations(event: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every participating organisation of a grants case (the lead applicant first)."""
    return [(str(o), {}) for o in event.organisation_ids]


def _other_participants(event: Any) -> list[tuple[str, dict[str, Any]]]:
    """The participating organisations of a grants case besides the lead applicant (a
    contract's ``organisation_ids``, when its producer sends them)."""
    lead = str(event.organisation_id)
    return [(str(o), {}) for o in event.organisation_ids or () if str(o) != lead]


def _organisation_of(event: Any) -> str | None:
    return str(event.organisation_id)


def _tribunal(event: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(str(event.tribunal_code), {"as_tribunal": True})]


def _landlord(event: Any) -> list[tuple[str, dict[str, Any]]]:
    landlord = event.counterpart_organisation_id
    return [] if landlord is None else [(str(landlord), {"as_tribunal": False})]


def _filing_municipality(event: Any) -> list[tuple[str, dict[str, Any]]]:
    code = event.filing_municipality_code
    return [] if code is None else [(str(code), {"as_tribunal": False})]


def _reminded_landlord(event: Any) -> list[tuple[str, dict[str, Any]]]:
    landlord = event.party_organisation_id
    return [] if landlord is None else [(str(landlord), {"as_tribunal": False})]


def _reminded_municipality(event: Any) -> list[tuple[str, dict[str, Any]]]:
    code = event.party_municipality_code
    return [] if code is None else [(str(code), {"as_tribunal": False})]


def _tribunals(event: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(str(code), {}) for code in event.tribunal_codes]


def _landlord_of(event: Any) -> str | None:
    landlord = getattr(event, "counterpart_organisation_id", None)
    return None if landlord is None else str(landlord)


M = RecipientKind.MUNICIPALITY
O = RecipientKind.ORGANISATION  # noqa: E741 - a kind, read next to M

RULES: Final[tuple[Rule, ...]] = (
    Rule(
        PackageSentV1,
        (Notify(M, "package_sent", required=False, recipients=_package_municipalities),),
        organisation=_organisation_of,
    ),
    Rule(
        PackageReturnedV1,
        (Notify(O, "package_returned", required=True, recipients=_organisation),),
        organisation=_organisation_of,
    ),
    Rule(
        MeetingHeldV1,
        (Notify(O, "meeting_held", required=False, recipients=_organisation),),
        organisation=_organisation_of,
    ),
    Rule(
        StatementSubmittedV1,
        (Notify(O, "statement_submitted", required=False, recipients=_organisation),),
        organisation=_organisation_of,
    ),
    Rule(
        ReminderDueV1,
        (Notify(M, "reminder_due", required=True, recipients=_municipality),),
        organisation=lambda event: None,  # one reminder covers many organisations
    ),
    Rule(
        ApplicationPrequalifiedV1,
        (
            Notify(O, "application_prequalified", required=True, recipients=_organisation),
            Notify(
                M,
                "application_prequalified_municipality",
                required=False,
                recipients=_municipality,
            ),
            Notify(
                O,
                "application_prequalified_participant",
                required=True,
                recipients=_other_participants,
            ),
        ),
        organisation=_organisation_of,
    ),
    Rule(
        CaseFiledV1,
        (Notify(M, "legal_case_filed", required=False, recipients=_tribunal),),
        organisation=lambda event: None,
    ),
    Rule(
        CounterpartNotifiedV1,
        (Notify(O, "legal_counterpart_notified", required=True, recipients=_landlord),),
        organisation=_landlord_of,
    ),
    Rule(
        CaseDecidedV1,
        (
            Notify(O, "legal_case_decided", required=True, recipients=_landlord),
            Notify(M, "legal_case_decided", required=True, recipients=_filing_municipality),
        ),
        organisation=_landlord_of,
    ),
    Rule(
        DecisionAppealedV1,
        (Notify(M, "legal_decision_appealed", required=False, recipients=_tribunal),),
        organisation=lambda event: None,
    ),
    Rule(
        DecisionFinalV1,
        (Notify(M, "legal_decision_final", required=False, recipients=_tribunal),),
        organisation=lambda event: None,
    ),
    Rule(
        DeadlineReminderDueV1,
        (
            Notify(O, "legal_deadline_reminder", required=True, recipients=_reminded_landlord),
            Notify(M, "legal_deadline_reminder", required=True, recipients=_reminded_municipality),
        ),
        organisation=lambda event: event.party_organisation_id,
    ),
    Rule(
        NonComplianceThresholdReachedV1,
        (Notify(M, "legal_noncompliance_threshold", required=True, recipients=_tribunals),),
        organisation=lambda event: None,
    ),
    Rule(
        ApplicationSubmittedV1,
        (Notify(O, "application_submitted", required=False, recipients=_organisations),),
        organisation=_organisation_of,
    ),
    Rule(
        ApplicationRejectedV1,
        (
            Notify(O, "application_rejected", required=True, recipients=_organisations),
            Notify(
                M, "application_rejected_municipality", required=False, recipients=_municipality
            ),
        ),
        organisation=_organisation_of,
    ),
    Rule(
        PlanApprovedV1,
        (Notify(O, "plan_approved", required=False, recipients=_organisations),),
        organisation=_organisation_of,
    ),
    Rule(
        CommitmentGrantedV1,
        (Notify(O, "commitment_granted", required=True, recipients=_organisations),),
        organisation=_organisation_of,
    ),
    Rule(
        StatementOverdueV1,
        (Notify(O, "statement_overdue", required=True, recipients=_organisations),),
        organisation=_organisation_of,
    ),
    Rule(
        PaymentsStoppedV1,
        (Notify(O, "payments_stopped", required=True, recipients=_organisations),),
        organisation=_organisation_of,
    ),
    Rule(
        PaymentsResumedV1,
        (Notify(O, "payments_resumed", required=True, recipients=_organisations),),
        organisation=_organisation_of,
    ),
    Rule(
        OfferOpenedV1,
        (Notify(M, "allocation_offer_opened", required=True, recipients=_municipality),),
        organisation=_organisation_of,
    ),
    Rule(
        SubsidyGrantedV1,
        (Notify(O, "allocation_subsidy_granted", required=False, recipients=_organisation),),
        organisation=_organisation_of,
    ),
    Rule(
        SubsidyEndedV1,
        (Notify(O, "allocation_subsidy_ended", required=False, recipients=_organisation),),
        organisation=_organisation_of,
    ),
    Rule(
        AgreementSignedV1,
        (Notify(O, "allocation_agreement_signed", required=False, recipients=_counterpart),),
        organisation=lambda event: str(event.counterpart_id),
    ),
    Rule(
        OfferAnsweredV1,
        (Notify(O, "allocation_offer_answered", required=False, recipients=_organisation),),
        organisation=_organisation_of,
    ),
    Rule(
        OfferDeadlineApproachingV1,
        (Notify(M, "allocation_offer_deadline", required=True, recipients=_municipality),),
        organisation=_organisation_of,
    ),
    Rule(
        OfferLapsedV1,
        (
            Notify(M, "allocation_offer_lapsed", required=True, recipients=_municipality),
            Notify(O, "allocation_offer_lapsed", required=True, recipients=_organisation),
        ),
        organisation=_organisation_of,
    ),
    Rule(
        ApplicationTransferredV1,
        (
            Notify(O, "application_transferred", required=True, recipients=_organisations),
            Notify(
                M, "application_transferred_municipality", required=False, recipients=_municipality
            ),
        ),
        organisation=_organisation_of,
    ),
    Rule(
        YearlyStatusOverdueV1,
        (Notify(O, "yearly_status_overdue", required=True, recipients=_organisations),),
        organisation=_organisation_of,
    ),
)

RULES_BY_EVENT_TYPE: Final[Mapping[str, Rule]] = {rule.event_type: rule for rule in RULES}

NOTIFYING_TOPICS: Final[tuple[str, ...]] = tuple(sorted({r.contract.topic for r in RULES}))


def rule_for(event_type: str) -> Rule | None:
    return RULES_BY_EVENT_TYPE.get(event_type)


def addressees(rule: Rule, event: Contract) -> list[Addressee]:
    """Everyone ``event`` notifies, each recipient once (the first rule naming it wins)."""
    seen: set[Recipient] = set()
    found: list[Addressee] = []
    for notify in rule.notifies:
        for ref, context in notify.recipients(event):
            recipient = Recipient(notify.kind, ref)
            if recipient in seen:
                continue
            seen.add(recipient)
            found.append(Addressee(recipient, notify.template, notify.required, context))
    return found


def optional_event_types(kind: RecipientKind) -> frozenset[str]:
    """The event types a recipient of ``kind`` may opt out of (those the law does not require)."""
    return frozenset(
        rule.event_type
        for rule in RULES
        for notify in rule.notifies
        if notify.kind is kind and not notify.required
    )


def required_event_types(kind: RecipientKind) -> frozenset[str]:
    return frozenset(
        rule.event_type
        for rule in RULES
        for notify in rule.notifies
        if notify.kind is kind and notify.required
    )


def receives(*, required: bool, event_type: str, opt_outs: Collection[str]) -> bool:
    """A required message is always sent; an optional one unless the recipient opted out (a
    stale opt-out of a message that became required is ignored)."""
    return required or event_type not in opt_outs


def wants(addressee: Addressee, event_type: str, opt_outs: Collection[str]) -> bool:
    return receives(required=addressee.required, event_type=event_type, opt_outs=opt_outs)


def not_yet_notified(
    found: Iterable[Addressee], notified: Collection[Recipient]
) -> list[Addressee]:
    """The addressees an event has not reached yet: a replayed event (past the inbox, e.g. a
    redriven dead letter) adds nothing for a recipient it already reached — even if the
    recipient's addresses changed since (a new address is reached by operations' resend)."""
    return [addressee for addressee in found if addressee.recipient not in notified]


def distinct_addresses(addresses: Iterable[str]) -> list[str]:
    """Each address once, in a stable order: each gets its own message."""
    return sorted(set(addresses))


@dataclass(frozen=True, slots=True)
class PlannedDelivery:
    address: str | None
    status: DeliveryStatus


def deliveries_for(
    addressee: Addressee, event_type: str, addresses: Iterable[str], opt_outs: Collection[str]
) -> list[PlannedDelivery]:
    """What one addressee of an event gets: a pending delivery per address; one 'no_address'
    delivery when its directory entry has no address (or there is none); one 'opted_out'
    delivery when it opted out of this optional message. The last two are kept so the log
    shows why nothing was sent."""
    found = distinct_addresses(addresses)
    if not found:
        return [PlannedDelivery(None, DeliveryStatus.NO_ADDRESS)]
    if not wants(addressee, event_type, opt_outs):
        return [PlannedDelivery(None, DeliveryStatus.OPTED_OUT)]
    return [PlannedDelivery(address, DeliveryStatus.PENDING) for address in found]
