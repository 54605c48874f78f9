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
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from allocation.db.models import (
    AgreementRow,
    CaseLogRow,
    DepartmentRow,
    OfferRow,
    OrganisationRow,
)
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
from allocation.services.core import new_id, now
from common.calendar import danish_date
from common.db import projection
from common.events.contracts import (
    AllocationType,
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
    return danish_date(event.recorded_at)


async def apply_vacancy_changed(session: AsyncSession, event: DwellingVacancyChangedV1) -> None:
    await apply_vacancies(session, [event])


def _newest(rows: dict[Any, dict[str, Any]], key: Any, values: dict[str, Any], guard: str) -> None:
    """Keep, per key, the values with the newest guard (the first of equals), as applying the
    events one by one with a "newer wins" upsert would leave it."""
    held = rows.get(key)
    if held is None or values[guard] > held[guard]:
        rows[key] = values


async def apply_vacancies(
    session: AsyncSession, events: Sequence[DwellingVacancyChangedV1]
) -> None:
    """Apply vacancy events in order, set-wise (a fetched batch in a few statements); the
    database ends exactly as after applying them one by one."""
    repo = Repository(session)
    dwellings: dict[str, dict[str, Any]] = {}
    rents: dict[tuple[str, date], dict[str, Any]] = {}
    vacancies: dict[tuple[str, str], dict[str, Any]] = {}  # in the events' order
    rent_of: dict[tuple[str, str], Decimal] = {}
    for event in events:
        vacant = event.vacancy_loss_flag or event.vacant_soon_flag
        _newest(
            dwellings,
            event.dwelling_id,
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
            },
            "vacancy_recorded_at",
        )
        day = danish_date(event.recorded_at)
        _newest(
            rents,
            (event.dwelling_id, day),
            {
                "dwelling_id": event.dwelling_id,
                "from_day": day,
                "monthly_rent": event.monthly_rent,
                "recorded_at": event.recorded_at,
            },
            "recorded_at",
        )
        if vacant:
            rent_of.setdefault((event.dwelling_id, event.lease_id), event.monthly_rent)
            vacancies.setdefault(
                (event.dwelling_id, event.lease_id),
                {
                    "dwelling_id": event.dwelling_id,
                    "lease_id": event.lease_id,
                    "organisation_id": event.organisation_id,
                    "municipality_code": event.municipality_code,
                    "housing_type": event.housing_type.value,
                    "vacant_from": vacant_from(event),
                    "municipal": False,
                    "recorded_at": event.recorded_at,
                },
            )
    await repo.upsert_dwellings(list(dwellings.values()))
    await repo.record_rents(list(rents.values()))
    new_ids = await repo.add_vacancies(list(vacancies.values()))
    if not new_ids:
        return
    fresh = [(new_ids[key], values) for key, values in vacancies.items() if key in new_ids]
    agreements = await repo.agreements_for_keys(
        {(v["municipality_code"], v["organisation_id"], v["housing_type"]) for _, v in fresh}
    )
    terms = {row.id: terms_of(row) for rows in agreements.values() for row in rows}
    chosen: list[tuple[int, dict[str, Any], AgreementRow, int | None]] = []
    ordinal: dict[str, int] = {}
    for vacancy_id, values in fresh:
        key = (values["municipality_code"], values["organisation_id"], values["housing_type"])
        agreement = _choose_agreement(
            agreements[key],
            terms,
            values["dwelling_id"],
            values["housing_type"],
            values["vacant_from"],
        )
        if agreement is None:
            continue
        k: int | None = None
        if agreement.kind == AgreementKind.QUOTA.value:
            k = ordinal[agreement.id] = ordinal.get(agreement.id, 0) + 1
        chosen.append((vacancy_id, values, agreement, k))
    counted = await repo.count_vacancies(ordinal)
    decisions: list[tuple[int, str, int | None, bool]] = []
    offers: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = []
    envelopes = []
    at = now()
    for vacancy_id, values, agreement, k in chosen:
        number: int | None = None
        if k is not None:
            share = terms[agreement.id].share
            assert share is not None
            number = counted[agreement.id] - ordinal[agreement.id] + k
            municipal = is_municipal_turn(share, number)
        else:
            municipal = True
        decisions.append((vacancy_id, agreement.id, number, municipal))
        if not municipal:
            continue
        received = danish_date(values["recorded_at"])
        offer = {
            "id": new_id("off"),
            "source": OfferSource.SOCIAL.value,
            "agreement_id": agreement.id,
            "vacancy_id": vacancy_id,
            "dwelling_id": values["dwelling_id"],
            "organisation_id": values["organisation_id"],
            "municipality_code": values["municipality_code"],
            "status": OfferStatus.OPEN.value,
            "is_repeat": False,
            "received_on": received,
            "answer_due": answer_due(received),
            "available_from": values["vacant_from"],
            "monthly_rent": rent_of[(values["dwelling_id"], values["lease_id"])],
            "version": 1,
        }
        offers.append(offer)
        where = f"vacancy no. {number}" if number is not None else "a listed dwelling"
        logs.append(
            {
                "case_kind": "offer",
                "case_id": offer["id"],
                "action": "opened",
                "detail": f"Dwelling {offer['dwelling_id']} vacant from "
                f"{offer['available_from']}: {where} under agreement {agreement.id}; answer "
                f"due {offer['answer_due']}.",
            }
        )
        envelopes.append(outgoing.social_offer_opened(offer, at))
    await repo.set_vacancy_decisions(decisions)
    if offers:
        await repo.insert_rows(OfferRow, offers)
        await repo.insert_rows(CaseLogRow, logs)
        await write_outbox(session, envelopes)


def _choose_agreement(
    agreements: Sequence[AgreementRow],
    terms: dict[str, AgreementTerms],
    dwelling_id: str,
    housing_type: str,
    starts: date,
) -> AgreementRow | None:
    """A listed agreement naming the dwelling wins; otherwise the first valid quota."""
    quota: AgreementRow | None = None
    for row in agreements:
        decision = decide_vacancy(
            terms[row.id], 0, dwelling_id=dwelling_id, housing_type=housing_type, vacant_from=starts
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
        await _dwelling_let(repo, event.dwelling_id, event.start_date, event.allocation_type)


async def apply_rent_changed(session: AsyncSession, event: RentChangedV1) -> None:
    await Repository(session).record_rent(
        event.dwelling_id, event.as_of, event.monthly_rent, event.recorded_at
    )


async def _dwelling_let(
    repo: Repository, dwelling_id: str, let_on: date, allocation_type: AllocationType
) -> None:
    """A new lease ends the municipality's rent liability for an accepted offer. The lease
    should be recorded as ``kommunal anvisning`` (Table 1 statistics); if the register says
    otherwise, the case log says so."""
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
        if allocation_type is not AllocationType.MUNICIPAL_ALLOCATION:
            await repo.log(
                "offer",
                offer.id,
                "allocation_type_mismatch",
                None,
                f"The register records the new lease as '{allocation_type.value}', not "
                "'municipal_allocation' (kommunal anvisning); the organisation should correct "
                "it so the re-letting statistics (Table 1) count it.",
            )
