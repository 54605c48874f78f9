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

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from allocation.db.models import AgreementRow, DepartmentRow, OfferRow, OrganisationRow
from allocation.db.repositories import Repository
from allocation.domain.liability import RentFrom, rent_owed
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
from allocation.services.core import danish_day, new_id, now
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


def terms_of(row: AgreementRow) -> AgreementTerms:
    return AgreementTerms(
        kind=AgreementKind(row.kind),
        housing_type=CountedHousingType(row.housing_type),
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        share=parse_share(row.share) if row.share else None,
        dwelling_ids=frozenset(row.dwelling_ids or ()),
        organisation_consent=row.organisation_consent,
    )


def vacant_from(event: DwellingVacancyChangedV1) -> date:
    """The first day the dwelling is vacant: the day after the lease ends, or the day the
    register recorded the vacancy when the lease has no end date yet."""
    if event.lease_end_date is not None:
        return event.lease_end_date + timedelta(days=1)
    return danish_day(event.recorded_at)


async def apply_vacancy_changed(session: AsyncSession, event: DwellingVacancyChangedV1) -> None:
    repo = Repository(session)
    vacant = event.vacancy_loss_flag or event.vacant_soon_flag
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
    await repo.record_rent(
        event.dwelling_id, danish_day(event.recorded_at), event.monthly_rent, event.recorded_at
    )
    if not vacant:
        return
    starts = vacant_from(event)
    vacancy_id = await repo.add_vacancy(
        {
            "dwelling_id": event.dwelling_id,
            "lease_id": event.lease_id,
            "organisation_id": event.organisation_id,
            "municipality_code": event.municipality_code,
            "housing_type": event.housing_type.value,
            "vacant_from": starts,
            "municipal": False,
            "recorded_at": event.recorded_at,
        }
    )
    if vacancy_id is None:
        return  # this lease's vacancy was counted before
    agreements = await repo.agreements_for(
        event.municipality_code, event.organisation_id, event.housing_type.value
    )
    chosen = _choose_agreement(agreements, event.dwelling_id, event.housing_type.value, starts)
    if chosen is None:
        return
    terms = terms_of(chosen)
    number: int | None = None
    if terms.kind is AgreementKind.QUOTA:
        assert terms.share is not None
        number = await repo.count_vacancy(chosen.id)
        municipal = is_municipal_turn(terms.share, number)
    else:
        municipal = True
    await repo.set_vacancy_decision(vacancy_id, chosen.id, number, municipal)
    if not municipal:
        return
    received = danish_day(event.recorded_at)
    offer = OfferRow(
        id=new_id("off"),
        source=OfferSource.SOCIAL.value,
        agreement_id=chosen.id,
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
    where = f"vacancy no. {number}" if number is not None else "a listed dwelling"
    await repo.log(
        "offer",
        offer.id,
        "opened",
        None,
        f"Dwelling {event.dwelling_id} vacant from {starts}: {where} under agreement "
        f"{chosen.id}; answer due {offer.answer_due}.",
    )
    await write_outbox(session, [outgoing.offer_opened(offer, now())])


def _choose_agreement(
    agreements: Sequence[AgreementRow],
    dwelling_id: str,
    housing_type: str,
    starts: date,
) -> AgreementRow | None:
    """A listed agreement naming the dwelling wins; otherwise the first valid quota."""
    quota: AgreementRow | None = None
    for row in agreements:
        decision = decide_vacancy(
            terms_of(row), 0, dwelling_id=dwelling_id, housing_type=housing_type, vacant_from=starts
        )
        if not decision.counted:
            continue
        if row.kind == AgreementKind.LISTED.value:
            return row
        if quota is None:
            quota = row
    return quota


async def apply_lease(session: AsyncSession, event: LeaseCreatedV1 | LeaseUpdatedV1) -> None:
    repo = Repository(session)
    from_day = event.rent_day or event.start_date
    await repo.record_rent(event.dwelling_id, from_day, event.monthly_rent, event.recorded_at)
    if isinstance(event, LeaseCreatedV1):
        await _dwelling_let(repo, event.dwelling_id, event.start_date)


async def apply_rent_changed(session: AsyncSession, event: RentChangedV1) -> None:
    await Repository(session).record_rent(
        event.dwelling_id, event.as_of, event.monthly_rent, event.recorded_at
    )


async def _dwelling_let(repo: Repository, dwelling_id: str, let_on: date) -> None:
    """A new lease ends the municipality's rent liability for an accepted offer."""
    for offer in await repo.accepted_unlet(dwelling_id):
        if let_on < offer.available_from:
            continue
        history = [RentFrom(r.from_day, r.monthly_rent) for r in await repo.rents(dwelling_id)]
        offer.let_on = let_on
        offer.rent_until = let_on
        offer.rent_owed = rent_owed(history, offer.available_from, let_on)
        offer.version += 1
        await repo.log(
            "offer",
            offer.id,
            "let",
            None,
            f"Let from {let_on} (register); the municipality owes {offer.rent_owed} DKK rent for "
            f"{offer.available_from} to {let_on - timedelta(days=1)}.",
        )
