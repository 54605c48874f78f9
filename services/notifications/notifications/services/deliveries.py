"""Use cases of the delivery log: list with filters, read one, count, export, send again."""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import xlsxwriter
from sqlalchemy.exc import IntegrityError

from common.access import Scope
from common.db.uow import UnitOfWork
from common.errors import PermissionDeniedError
from common.exports import write_cell
from common.paging import InvalidCursorError, PageOf, decode_cursor, page_of
from notifications.db.models import DeliveryRow
from notifications.db.repositories import (
    MESSAGE_COLUMNS,
    DeliveryFilter,
    DeliveryRepository,
    RecipientRepository,
)
from notifications.domain.deliveries import DeliveryStatus
from notifications.domain.deliveries import delivery_id as make_delivery_id
from notifications.domain.errors import DeliveryNotFoundError
from notifications.domain.resend import (
    ResendStep,
    ensure_resendable,
    ensure_something_to_resend,
    resend_addresses,
    resend_step,
    resent_meanwhile,
)
from notifications.domain.rules import Recipient, RecipientKind

EXPORT_LIMIT = 10_000

STATUS_DA = {
    "pending": "afventer",
    "sending": "sendes",
    "sent": "sendt",
    "failed": "fejlet",
    "no_address": "ingen adresse",
    "opted_out": "fravalgt",
}


async def list_deliveries(
    uow: UnitOfWork,
    scope: Scope,
    where: DeliveryFilter,
    *,
    cursor: str | None,
    limit: int,
) -> PageOf[Any]:
    """A page of the log as plain rows (``DeliveryRepository.page``)."""
    rows = await DeliveryRepository(uow.session).page(
        scope=scope, where=where, after=_delivery_key(cursor), limit=limit
    )
    return page_of(rows, limit, key=lambda row: (row.created_at.isoformat(), str(row.id)))


def _delivery_key(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The (created_at, id) after which the next page starts."""
    after = decode_cursor(cursor, str, str)
    if after is None:
        return None
    try:
        key = (datetime.fromisoformat(after[0]), uuid.UUID(after[1]))
    except ValueError as exc:
        raise InvalidCursorError("The cursor is not one this service issued.") from exc
    if key[0].tzinfo is None:
        raise InvalidCursorError("The cursor is not one this service issued.")
    return key


async def get_delivery(uow: UnitOfWork, scope: Scope, delivery_id: uuid.UUID) -> DeliveryRow:
    row = await DeliveryRepository(uow.session).get(delivery_id, scope)
    if row is None:
        raise DeliveryNotFoundError(f"Delivery '{delivery_id}' was not found.")
    return row


async def summary(
    uow: UnitOfWork, scope: Scope, where: DeliveryFilter
) -> tuple[dict[str, int], datetime | None]:
    return await DeliveryRepository(uow.session).counts(scope=scope, where=where)


async def export_rows(
    uow: UnitOfWork, scope: Scope, where: DeliveryFilter
) -> tuple[Sequence[Any], bool]:
    """The newest ``EXPORT_LIMIT`` matching deliveries, and whether there were more."""
    rows = await DeliveryRepository(uow.session).page(
        scope=scope, where=where, after=None, limit=EXPORT_LIMIT
    )
    return rows[:EXPORT_LIMIT], len(rows) > EXPORT_LIMIT


class LoggedDelivery(Protocol):
    """A delivery as the caller may see it (address hidden where it may not): the API's
    ``DeliveryOut``."""

    @property
    def created_at(self) -> datetime: ...
    @property
    def status(self) -> DeliveryStatus: ...
    @property
    def event_type(self) -> str: ...
    @property
    def event_id(self) -> uuid.UUID: ...
    @property
    def event_subject(self) -> str: ...
    @property
    def organisation_id(self) -> str | None: ...
    @property
    def recipient_kind(self) -> RecipientKind: ...
    @property
    def recipient_ref(self) -> str: ...
    @property
    def address(self) -> str | None: ...
    @property
    def subject(self) -> str: ...
    @property
    def attempts(self) -> int: ...
    @property
    def sent_at(self) -> datetime | None: ...
    @property
    def failed_at(self) -> datetime | None: ...
    @property
    def last_error(self) -> str | None: ...
    @property
    def smtp_response(self) -> str | None: ...


def workbook(items: Sequence[LoggedDelivery], *, truncated: bool) -> bytes:
    """One sheet 'Afsendelser', a row per delivery; times in UTC as Excel dates."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet("Afsendelser")
    bold = book.add_format({"bold": True})
    when = book.add_format({"num_format": "dd-mm-yyyy hh:mm:ss"})
    headers = [
        ("Oprettet (UTC)", 20),
        ("Status", 14),
        ("Hændelse", 38),
        ("Hændelses-id", 38),
        ("Sag (emne)", 20),
        ("Boligorganisation", 18),
        ("Modtager", 14),
        ("Modtager-id", 14),
        ("Adresse", 30),
        ("Emne", 60),
        ("Forsøg", 8),
        ("Sendt (UTC)", 20),
        ("Fejlet (UTC)", 20),
        ("Seneste svar / fejl", 50),
    ]
    for column, (title, width) in enumerate(headers):
        write_cell(sheet, 0, column, title, bold)
        sheet.set_column(column, column, width)
    kinds = {"municipality": "kommune", "organisation": "boligorganisation"}
    for row_number, item in enumerate(items, start=1):
        values = [
            item.created_at,
            STATUS_DA.get(item.status.value, item.status.value),
            item.event_type,
            str(item.event_id),
            item.event_subject,
            item.organisation_id or "",
            kinds.get(item.recipient_kind.value, item.recipient_kind.value),
            item.recipient_ref,
            item.address or "",
            item.subject,
            item.attempts,
            item.sent_at,
            item.failed_at,
            item.last_error or item.smtp_response or "",
        ]
        for column, value in enumerate(values):
            if isinstance(value, datetime):
                sheet.write_datetime(row_number, column, value.astimezone(UTC), when)
            else:
                write_cell(sheet, row_number, column, value)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(items), 1), len(headers) - 1)
    if truncated:
        write_cell(sheet, len(items) + 2, 0, f"Kun de nyeste {EXPORT_LIMIT:,} afsendelser er med.")
    book.close()
    return buffer.getvalue()


async def resend(uow: UnitOfWork, scope: Scope, delivery_id: uuid.UUID) -> list[DeliveryRow]:
    """Operations send a failed (or address-less) delivery again, to the recipient's addresses
    in the directory now — e.g. once a bad address was corrected or the SMTP relay is fixed.

    The message is the one rendered for the event. An address already sent to for this event is
    left alone (still exactly once per event and address); a failed delivery to an address still
    in the directory is reopened with a fresh attempt count; a new address gets a new delivery.
    """
    if not scope.is_fund:
        raise PermissionDeniedError(
            "Only the fund's operations may send a delivery again; ask them, or correct your "
            "address in the recipient directory first."
        )
    repository = DeliveryRepository(uow.session)
    original = await repository.get_for_update(delivery_id)
    if original is None:
        raise DeliveryNotFoundError(f"Delivery '{delivery_id}' was not found.")
    ensure_resendable(delivery_id, original.status)
    kind, ref = original.recipient_kind, original.recipient_ref
    recipient = Recipient(RecipientKind(kind), ref)
    entry = await RecipientRepository(uow.session).get(kind, ref)
    addresses = resend_addresses(
        recipient,
        original.event_type,
        required=original.required,
        addresses=entry.addresses if entry else (),
        opt_outs=entry.opt_outs if entry else (),
    )
    now = datetime.now(UTC)
    steps: list[ResendStep] = []
    reopened: list[DeliveryRow] = []
    for address in addresses:
        existing = await repository.of_event_to(original.event_id, address)
        step = resend_step(existing.status if existing else None)
        steps.append(step)
        if step is ResendStep.NEW:
            row = DeliveryRow(
                **{name: getattr(original, name) for name in MESSAGE_COLUMNS},
                id=make_delivery_id(original.event_id, kind, ref, address),
                address=address,
                status=DeliveryStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
                resend_requested_by=scope.subject,
                resend_requested_at=now,
            )
            repository.add(row)
            reopened.append(row)
        elif step is ResendStep.REOPEN:
            assert existing is not None
            existing.status = DeliveryStatus.PENDING
            existing.attempts = 0
            existing.next_attempt_at = now
            existing.failed_at = None
            existing.updated_at = now
            existing.resend_requested_by = scope.subject
            existing.resend_requested_at = now
            reopened.append(existing)
    ensure_something_to_resend(recipient, steps)
    try:
        await repository.flush()
    except IntegrityError:
        # a concurrent resend of another delivery of this event inserted the delivery to a new
        # address first: that address has the message now, as a resend after it would find
        raise resent_meanwhile(recipient) from None
    return reopened
