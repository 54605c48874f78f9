"""The register's facts, applied once each through the inbox, and what follows from them.

* organisations / departments → the read model (``common.db.projection``);
* ``register.dwelling.vacancy_changed`` → the dwelling's vacancy and rent; a lease that becomes
  vacant (either flag set) is **one vacancy**, counted under the agreement of its organisation,
  municipality and housing type; when it is the municipality's turn an offer is opened and
  ``allocation.offer.opened`` is written to the outbox in the same transaction;
* lease created / updated / rent changed → the dwelling's rent history (rent as of a day); a
  new lease on a dwelling the municipality accepted ends its rent liability: the amount is
  computed from the rent in force on each day.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import to_json
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from allocation.db.models import (
    AgreementRow,
    DepartmentRow,
    OfferRow,
    OrganisationRow,
)
from allocation.db.repositories import Repository
from allocation.domain.notices import answer_due
from allocation.domain.offers import OfferSource, OfferStatus
from allocation.domain.quota import (
    AgreementKind,
    AgreementTerms,
    CountedHousingType,
    decide_vacancy,
    is_municipal_turn,
    parse_share,
)
from allocation.events import outgoing
from allocation.services.core import new_id, now
from allocation.services.liability import settle_accepted_offers
from common.calendar import danish_date
from common.db import projection
from common.events.contracts import (
    DepartmentUpsertedV1,
    DwellingVacancyChangedV1,
    LeaseCreatedV1,
    LeaseUpdatedV1,
    OrganisationUpsertedV1,
    RentChangedV1,
)
from common.events.outbox import write_outbox


async def apply_organisation(session: AsyncSession, event: OrganisationUpsertedV1) -> None:
    await projection.apply_organisation(session, OrganisationRow, event)


async def apply_department(session: AsyncSession, event: DepartmentUpsertedV1) -> None:
    await projection.apply_department(session, DepartmentRow, event)


def terms_of(row: AgreementRow | Row[Any]) -> AgreementTerms:
    return _terms(
        row.kind,
        row.housing_type,
        row.valid_from,
        row.valid_to,
        row.share,
        tuple(row.dwelling_ids or ()),
        row.organisation_consent,
    )


@lru_cache(maxsize=4096)
def _terms(
    kind: str,
    housing_type: str,
    valid_from: date,
    valid_to: date | None,
    share: str | None,
    dwelling_ids: tuple[str, ...],
    organisation_consent: bool,
) -> AgreementTerms:
    """The terms of an agreement's stored values (immutable, so the same values share one; a
    batch of vacancies meets the same agreements again and again)."""
    return AgreementTerms(
        kind=AgreementKind(kind),
        housing_type=CountedHousingType(housing_type),
        valid_from=valid_from,
        valid_to=valid_to,
        share=parse_share(share) if share else None,
        dwelling_ids=frozenset(dwelling_ids),
        organisation_consent=organisation_consent,
    )


_ONE_DAY = timedelta(days=1)


def vacant_from(event: DwellingVacancyChangedV1) -> date:
    """The first day the dwelling is vacant: the day after the lease ends, or the day the
    register recorded the vacancy when the lease has no end date yet."""
    if event.lease_end_date is not None:
        return event.lease_end_date + _ONE_DAY
    return danish_date(event.recorded_at)


async def apply_vacancy_changed(session: AsyncSession, event: DwellingVacancyChangedV1) -> None:
    """One vacancy event (a retry, a redrive, the embedded run, a batch that failed): the
    reference that :func:`apply_vacancies` must match row for row.

    The event's rent goes into the dwelling's rent history only if the dwelling has a social offer
    once the event is applied (one before, or the one this event opens): the history is read only
    for an accepted social offer's rent liability (``services.liability``, which settles the
    dwelling's accepted offers with it), and each day of it is charged at the rent in force that day
    — from the offer's own event on, including a changed rent in a later vacancy event while the
    offer is open. The lease and rent-change events keep their rents for every dwelling (the rent in
    force before the offer's event)."""
    repo = Repository(session)
    await _apply_vacancy(session, repo, event)
    if await repo.has_social_offer(event.dwelling_id):
        await repo.record_rent(
            event.dwelling_id,
            danish_date(event.recorded_at),
            event.monthly_rent,
            event.recorded_at,
        )
        await settle_accepted_offers(repo, [event.dwelling_id])


async def _apply_vacancy(
    session: AsyncSession, repo: Repository, event: DwellingVacancyChangedV1
) -> None:
    """The event opens the lease's vacancy (its row carries the dwelling's facts), or else
    its facts are stored on the dwelling's row if newer than every fact held."""
    vacant = event.vacancy_loss_flag or event.vacant_soon_flag
    starts = vacant_from(event)
    vacancy_id: int | None = None
    if vacant:
        vacancy_id = await repo.add_vacancy(
            {
                "dwelling_id": event.dwelling_id,
                "lease_id": event.lease_id,
                "organisation_id": event.organisation_id,
                "municipality_code": event.municipality_code,
                "housing_type": event.housing_type.value,
                "department_id": event.department_id,
                "monthly_rent": event.monthly_rent,
                "vacant_from": starts,
                "municipal": False,
                "recorded_at": event.recorded_at,
            }
        )
    if vacancy_id is None:  # no vacancy, or this lease's vacancy was counted before
        await repo.upsert_dwelling(
            {
                "id": event.dwelling_id,
                "department_id": event.department_id,
                "organisation_id": event.organisation_id,
                "municipality_code": event.municipality_code,
                "housing_type": event.housing_type.value,
                "lease_id": event.lease_id,
                "vacant": vacant,
                "monthly_rent": event.monthly_rent,
                "vacancy_recorded_at": event.recorded_at,
            }
        )
        return
    agreements = await repo.agreements_for(
        event.municipality_code, event.organisation_id, event.housing_type.value
    )
    chosen = _choose_agreement(
        [(row, terms_of(row)) for row in agreements],
        event.dwelling_id,
        event.housing_type.value,
        starts,
    )
    if chosen is None:
        return
    row, terms = chosen
    number: int | None = None
    if terms.kind is AgreementKind.QUOTA:
        assert terms.share is not None
        number = await repo.count_vacancy(row.id)
        municipal = is_municipal_turn(terms.share, number)
    else:
        municipal = True
    await repo.set_vacancy_decision(vacancy_id, row.id, number, municipal)
    if not municipal:
        return
    received = danish_date(event.recorded_at)
    offer = OfferRow(
        id=new_id("off"),
        source=OfferSource.SOCIAL.value,
        agreement_id=row.id,
        vacancy_id=vacancy_id,
        dwelling_id=event.dwelling_id,
        organisation_id=event.organisation_id,
        municipality_code=event.municipality_code,
        status=OfferStatus.OPEN.value,
        is_repeat=False,
        received_on=received,
        answer_due=answer_due(received),
        available_from=starts,
        monthly_rent=event.monthly_rent,
        version=1,
    )
    await repo.add(offer)
    await repo.log(
        "offer",
        offer.id,
        "opened",
        None,
        _opened_detail(offer.dwelling_id, starts, offer.answer_due, row.id, number),
    )
    await write_outbox(session, [outgoing.offer_opened(offer, now())])


def _opened_detail(
    dwelling_id: str, available_from: date, answer_due: date, agreement_id: str, number: int | None
) -> str:
    where = f"vacancy no. {number}" if number is not None else "a listed dwelling"
    return (
        f"Dwelling {dwelling_id} vacant from {available_from}: {where} under agreement "
        f"{agreement_id}; answer due {answer_due}."
    )


VACANCY_EVENTS = TypeAdapter(list[DwellingVacancyChangedV1])
"""The contract of a batch of vacancy events: validated at once."""
# what the batch statement reads of each event, in the order it reads them; the housing
# type as its member's value (the same JSON: pydantic-core serialises an enum member by
# looking up its ``value`` property, ~1.2 µs an event, half of the whole dump)
_STATEMENT_VALUES = operator.attrgetter(
    "dwelling_id",
    "lease_id",
    "department_id",
    "organisation_id",
    "municipality_code",
    "housing_type._value_",
    "lease_end_date",
    "vacancy_loss_flag",
    "vacant_soon_flag",
    "monthly_rent",
    "recorded_at",
)


def statement_events(events: Sequence[DwellingVacancyChangedV1]) -> str:
    """The validated events as the batch statement reads them: one JSON array, per event an
    array of the values it reads (``_STATEMENT_VALUES``' order, in their JSON form: the
    rent's digits as text, the times in ISO 8601) — no field names, so about half the text
    of the events' objects for PostgreSQL to receive and read."""
    return to_json([_STATEMENT_VALUES(event) for event in events]).decode()


@lru_cache(maxsize=1024)
def _answer_due(received: date) -> str:
    return answer_due(received).isoformat()


def _validated_batch(
    payloads: Sequence[Mapping[str, Any]],
) -> tuple[str, set[date], DwellingVacancyChangedV1]:
    """The payloads validated by the contract (``VACANCY_EVENTS``, what ``from_envelope`` ends
    in, for the whole batch in one call): the statement's document (:func:`statement_events`),
    the events' Danish days and the first event. The contracts are gone when it returns: a
    fetched batch's ~3 collector-tracked objects per event (the model, its ``__dict__``, its
    fields-set) would otherwise stay alive while the statement runs and the other
    partitions' batches allocate, be promoted by the collector's young collections and walked
    again by the older ones."""
    events = VACANCY_EVENTS.validate_python(payloads)
    return statement_events(events), {danish_date(e.recorded_at) for e in events}, events[0]


async def apply_vacancies(session: AsyncSession, payloads: Sequence[Mapping[str, Any]]) -> None:
    """A fetched batch of vacancy events (their payloads, not yet validated), in order: the database
    ends exactly as after :func:`apply_vacancy_changed` on each in turn (tested row for row), in one
    statement (``repositories._APPLY_VACANCIES``): it takes the validated events as one JSON
    document (:func:`statement_events`) and stores the dwellings' facts (newer wins), then the
    leases' new vacancies with the agreement's decision (``domain.quota``'s rules: the choice of the
    agreement, the n-th vacancy of a quota agreement numbered ``counted + n``, the municipality's
    turn), the agreements' counts, and per municipal vacancy the offer, its case-log line and its
    ``allocation.offer.opened`` event, and the rents of the events whose dwelling then has a social
    offer (as :func:`apply_vacancy_changed` says). The quota agreements it counts under are
    row-locked only after the dwellings and the lease lookups, so concurrent batches (other
    partitions) wait for each other only for the counting, the offers and the offered dwellings'
    rents.

    Per event Python does only the contract's validation (:func:`_validated_batch`), its JSON dump
    and the batch's Danish days. The deadline (7 Danish working days) is computed here per received
    day; the outbox envelope is built and validated through the contract once per batch and each
    offer's own values put in by the statement (the batch's validated values, the agreement's id,
    the offer's new id). The dwellings whose rents it stored and that have an accepted offer are
    settled afterwards (``services.liability``). If another transaction stored one of the new
    vacancies meanwhile, the statement fails its unique index and the runner applies the batch event
    by event."""
    if not payloads:
        return
    document, days, first = _validated_batch(payloads)
    repo = Repository(session)
    received = danish_date(first.recorded_at)
    envelope = outgoing.social_offer_opened(
        {
            # placeholders of the right kinds; the statement puts in each offer's values
            "id": "off-0",
            "agreement_id": "agr-0",
            "dwelling_id": first.dwelling_id,
            "organisation_id": first.organisation_id,
            "municipality_code": first.municipality_code,
            "available_from": received,
            "answer_due": answer_due(received),
        },
        now(),
    ).to_structured()
    _, _, accepted = await repo.apply_vacancies(
        document,
        {day.isoformat(): _answer_due(day) for day in days},
        envelope,
    )
    await settle_accepted_offers(repo, accepted)  # a rent reported after the let counts


def _choose_agreement(
    agreements: Sequence[tuple[Any, AgreementTerms]],
    dwelling_id: str,
    housing_type: str,
    starts: date,
) -> tuple[Any, AgreementTerms] | None:
    """A listed agreement naming the dwelling wins; otherwise the first valid quota (the
    agreements oldest first)."""
    quota: tuple[Any, AgreementTerms] | None = None
    for row, terms in agreements:
        decision = decide_vacancy(
            terms, 0, dwelling_id=dwelling_id, housing_type=housing_type, vacant_from=starts
        )
        if not decision.counted:
            continue
        if terms.kind is AgreementKind.LISTED:
            return row, terms
        if quota is None:
            quota = (row, terms)
    return quota


async def apply_lease(session: AsyncSession, event: LeaseCreatedV1 | LeaseUpdatedV1) -> None:
    """The lease's rent (and a new lease's first day) kept; the dwelling's accepted offers
    settled with it (``services.liability``)."""
    repo = Repository(session)
    from_day = event.rent_day or event.start_date
    await repo.record_rent(event.dwelling_id, from_day, event.monthly_rent, event.recorded_at)
    if isinstance(event, LeaseCreatedV1):
        await repo.record_let(
            event.dwelling_id, event.lease_id, event.start_date, event.allocation_type.value
        )
    await settle_accepted_offers(repo, [event.dwelling_id])


async def apply_rent_changed(session: AsyncSession, event: RentChangedV1) -> None:
    repo = Repository(session)
    await repo.record_rent(event.dwelling_id, event.as_of, event.monthly_rent, event.recorded_at)
    await settle_accepted_offers(repo, [event.dwelling_id])
