"""The municipality's rent liability for its accepted social offers (seed 003): it pays the
rent from the day the dwelling is at its disposal until it is let, each day at the rent in
force that day.

Three facts decide it and they come in any order: the municipality's answer (the API), the
dwelling's new lease and its rents (the register's events, on other topics than each other).
Each of them, once stored, calls :func:`settle_accepted_offers`, which takes the dwelling's
lock before it reads, so whichever comes last finds the others committed and nothing is
dropped: an offer accepted after its dwelling's new lease was reported ends on that lease,
and a rent recorded after the let is charged for its days.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from allocation.db.models import LetRow, OfferRow
from allocation.db.repositories import Repository
from allocation.domain.liability import RentFrom, rent_owed
from common.events.contracts import AllocationType


async def settle_accepted_offers(repo: Repository, dwelling_ids: Collection[str]) -> None:
    """Bring each accepted social offer of the dwellings up to date with the facts held: its
    let from the first lease starting on or after its day of availability, its rent owed from
    the dwelling's rents. The dwellings' locks are taken first (all at once, in one order)."""
    if not dwelling_ids:
        return
    await repo.hold_dwellings(dwelling_ids)
    for dwelling_id in sorted(set(dwelling_ids)):
        await _settle(repo, dwelling_id)


async def _settle(repo: Repository, dwelling_id: str) -> None:
    history: list[RentFrom] | None = None
    for offer in await repo.accepted_social_offers(dwelling_id):
        let = None
        if offer.let_on is None:
            let = await repo.first_let(dwelling_id, offer.available_from)
            if let is None:
                continue
            offer.let_on = offer.rent_until = let.let_on
        assert offer.let_on is not None
        if history is None:
            history = [RentFrom(r.from_day, r.monthly_rent) for r in await repo.rents(dwelling_id)]
        owed = rent_owed(history, offer.available_from, offer.let_on)
        if let is None and owed == offer.rent_owed:
            continue
        before, offer.rent_owed = offer.rent_owed, owed
        offer.version += 1
        period = f"{offer.available_from} to {offer.let_on - timedelta(days=1)}"
        if let is None:
            await repo.log(
                "offer",
                offer.id,
                "rent_recomputed",
                None,
                f"A rent the register reported later changed what the municipality owes for "
                f"{period}: {before} → {owed} DKK.",
            )
        else:
            await _log_let(repo, offer, let, period)


async def _log_let(repo: Repository, offer: OfferRow, let: LetRow, period: str) -> None:
    """The liability ended on the lease's first day. The lease should be recorded as
    ``kommunal anvisning`` (Table 1 statistics); if the register says otherwise, the case log
    says so."""
    await repo.log(
        "offer",
        offer.id,
        "let",
        None,
        f"Let from {offer.let_on} (register); the municipality owes {offer.rent_owed} DKK rent "
        f"for {period}.",
    )
    if let.allocation_type != AllocationType.MUNICIPAL_ALLOCATION.value:
        await repo.log(
            "offer",
            offer.id,
            "allocation_type_mismatch",
            None,
            f"The register records the new lease as '{let.allocation_type}', not "
            "'municipal_allocation' (kommunal anvisning); the organisation should correct "
            "it so the re-letting statistics (Table 1) count it.",
        )
