"""Filing a case (§ 82(1)): in writing, with documentation, by a party or a municipality
(§ 87); the filing fee of the day is recorded as owed and the counterpart must be notified
within a week."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date

from common.documents import clean_filename
from common.errors import PermissionDeniedError
from common.municipalities import MUNICIPALITIES
from legal_cases.db.models import CaseRow, DocumentRow, FeeRow, PartyRow
from legal_cases.db.repositories import CaseRepository
from legal_cases.domain.access import FILERS, MUNICIPALITY_ROLE, Viewer
from legal_cases.domain.cases import CaseStatus
from legal_cases.domain.categories import CaseCategory
from legal_cases.domain.deadlines import DeadlineKind, notify_counterpart_due
from legal_cases.domain.documents import sniff_type
from legal_cases.domain.errors import FilingRejectedError
from legal_cases.domain.fees import FeeTable
from legal_cases.domain.parties import PartyKind, Side, check_filing
from legal_cases.events import outgoing
from legal_cases.services.core import audit, open_deadline
from legal_cases.services.ports import EventRecorder


@dataclass(frozen=True, slots=True)
class PartyIn:
    kind: PartyKind
    name: str | None = None
    subject: str | None = None
    organisation_id: str | None = None
    contact_email: str | None = None


@dataclass(frozen=True, slots=True)
class FileIn:
    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class FileCase:
    tribunal_code: str
    category: CaseCategory
    summary: str
    owner_id: str
    apartments: int
    complainant: PartyIn
    counterpart: PartyIn
    on_behalf_of_tenant: bool
    documents: tuple[FileIn, ...]


async def add_document(
    repo: CaseRepository, case: CaseRow, viewer: Viewer, file: FileIn, max_bytes: int
) -> DocumentRow:
    content_type = sniff_type(file.content, max_bytes)
    row = DocumentRow(
        id=f"doc-{uuid.uuid4().hex[:16]}",
        case_id=case.id,
        filename=clean_filename(file.filename),
        content_type=content_type,
        size_bytes=len(file.content),
        sha256=hashlib.sha256(file.content).hexdigest(),
        content=file.content,
        uploaded_by=viewer.subject,
    )
    await repo.add(row)
    return row


async def file_case(
    repo: CaseRepository,
    events: EventRecorder,
    viewer: Viewer,
    command: FileCase,
    today: date,
    max_document_bytes: int,
    fees: FeeTable = FeeTable(),
) -> CaseRow:
    if viewer.role not in FILERS:
        raise PermissionDeniedError("Only a party or a municipality files cases.")
    if command.tribunal_code not in MUNICIPALITIES:
        raise FilingRejectedError(
            f"'{command.tribunal_code}' is not a Danish municipality code; file with the rent "
            "tribunal of the municipality where the property lies."
        )
    if not command.documents:
        raise FilingRejectedError(
            "A case is filed with the necessary documentation (§ 82(1)): attach at least one "
            "document."
        )
    by_municipality = viewer.role == MUNICIPALITY_ROLE
    check_filing(
        command.category,
        command.complainant.kind,
        command.counterpart.kind,
        by_municipality=by_municipality,
        on_behalf_of_tenant=command.on_behalf_of_tenant,
    )
    if command.counterpart.subject == viewer.subject:
        raise FilingRejectedError("You cannot be your own counterpart.")
    fee_kind = command.category.filing_fee
    quote = fees.quote(fee_kind, today)
    fee = quote.amount
    case = CaseRow(
        id=f"hln-{today.year}-{uuid.uuid4().hex[:12]}",
        tribunal_code=command.tribunal_code,
        category=command.category.value,
        status=CaseStatus.FILED.value,
        summary=command.summary,
        owner_id=command.owner_id,
        apartments=command.apartments,
        filed_on=today,
        filed_by=viewer.subject,
        filed_by_role=str(viewer.role),
        filing_municipality_code=viewer.municipality_code if by_municipality else None,
        on_behalf_of_tenant=command.on_behalf_of_tenant,
        version=1,
    )
    await repo.add(case)
    for side, party, subject in (
        (Side.COMPLAINANT, command.complainant, viewer.subject),
        (Side.COUNTERPART, command.counterpart, command.counterpart.subject),
    ):
        await repo.add(
            PartyRow(
                case_id=case.id,
                side=side.value,
                kind=party.kind.value,
                subject=subject,
                name=party.name,
                organisation_id=party.organisation_id,
                contact_email=party.contact_email,
            )
        )
    for file in command.documents:
        await add_document(repo, case, viewer, file, max_document_bytes)
    await repo.add(
        FeeRow(
            case_id=case.id,
            kind=fee_kind.value,
            payer_side=Side.COMPLAINANT.value,
            amount=fee,
            owed_on=today,
            provisional=quote.provisional,
            index_year=quote.index_year,
        )
    )
    notify_due = notify_counterpart_due(today)
    await open_deadline(repo, case, DeadlineKind.NOTIFY_COUNTERPART, today, notify_due)
    await audit(
        repo,
        case,
        viewer,
        "filed",
        category=case.category,
        documents=len(command.documents),
        filing_fee=str(fee),
        filing_fee_provisional=quote.provisional,
    )
    events.record(
        outgoing.case_filed(
            case,
            complainant=command.complainant.kind,
            counterpart=command.counterpart.kind,
            filing_fee=fee,
            filing_fee_provisional=quote.provisional,
            notify_due=notify_due,
        )
    )
    return case
