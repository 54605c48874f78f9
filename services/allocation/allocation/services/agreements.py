"""Allocation agreements with housing organisations (udlejningsaftaler, seed 003).

A municipality makes them for its own municipality; they are public (listed without a token);
a housing organisation sees its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import true

from allocation.db.models import AgreementRow, CaseLogRow
from allocation.db.repositories import Repository
from allocation.domain.errors import AgreementNotFoundError
from allocation.domain.quota import AgreementKind, AgreementTerms, CountedHousingType, parse_share
from allocation.events import outgoing
from allocation.services.core import new_id, now
from allocation.services.roles import MUNICIPALITY
from common.access import Scope
from common.db.uow import UnitOfWork
from common.paging import PageOf, decode_cursor, page_of


@dataclass(frozen=True, slots=True)
class NewAgreement:
    organisation_id: str
    kind: AgreementKind
    housing_type: CountedHousingType
    valid_from: date
    valid_to: date | None
    share: str | None
    dwelling_ids: tuple[str, ...]
    organisation_consent: bool


async def create_agreement(uow: UnitOfWork, scope: Scope, command: NewAgreement) -> AgreementRow:
    scope.require(MUNICIPALITY, "make allocation agreements")
    assert scope.municipality_code is not None
    AgreementTerms(  # validates the terms (typed errors, 422)
        kind=command.kind,
        housing_type=command.housing_type,
        valid_from=command.valid_from,
        valid_to=command.valid_to,
        share=parse_share(command.share) if command.share is not None else None,
        dwelling_ids=frozenset(command.dwelling_ids),
        organisation_consent=command.organisation_consent,
    )
    repo = Repository(uow.session)
    row = AgreementRow(
        id=new_id("agr"),
        municipality_code=scope.municipality_code,
        organisation_id=command.organisation_id,
        kind=command.kind.value,
        housing_type=command.housing_type.value,
        share=command.share,
        dwelling_ids=sorted(set(command.dwelling_ids)),
        valid_from=command.valid_from,
        valid_to=command.valid_to,
        organisation_consent=command.organisation_consent,
        counted=0,
        created_by=scope.subject,
    )
    await repo.add(row)
    await repo.log(
        "agreement",
        row.id,
        "signed",
        scope.subject,
        f"Agreement with {row.organisation_id} ({row.kind}, {row.housing_type}) from "
        f"{row.valid_from} to {row.valid_to or 'further notice'}.",
    )
    uow.record_event(outgoing.agreement_signed(row, now()))
    return row


async def get_agreement(
    uow: UnitOfWork, scope: Scope | None, agreement_id: str
) -> tuple[AgreementRow, list[CaseLogRow]]:
    """An agreement; public without a token (``scope`` None), else within the caller's scope."""
    repo = Repository(uow.session)
    row = await repo.agreement(agreement_id)
    if row is None or (
        scope is not None and not scope.sees(row.organisation_id, row.municipality_code)
    ):
        raise AgreementNotFoundError(f"Agreement {agreement_id} was not found.")
    log = list(await repo.case_log("agreement", agreement_id)) if scope is not None else []
    return row, log


async def list_agreements(
    uow: UnitOfWork,
    scope: Scope | None,
    *,
    municipality_code: str | None,
    organisation_id: str | None,
    cursor: str | None,
    limit: int,
) -> PageOf[AgreementRow]:
    condition: Any = true()
    if scope is not None:
        condition = scope.filter(AgreementRow.organisation_id, AgreementRow.municipality_code)
    rows = await Repository(uow.session).list_agreements(
        condition,
        municipality_code=municipality_code,
        organisation_id=organisation_id,
        after=decode_cursor(cursor, str),
        limit=limit,
    )
    return page_of(rows, limit, key=lambda r: (r.id,))
