"""The sender: takes due deliveries, hands them to the SMTP server, records the answer.

One attempt of one delivery, and what a crash at each step leaves behind:

1. **claim** (own transaction): ``pending`` → ``sending``, ``attempts + 1``, a lease, and the
   Message-ID fixed from (event id, address). A crash after this leaves ``sending``; when the
   lease ends the delivery is claimed again as *interrupted*.
2. **hand over** to the SMTP server (aiosmtplib) with that Message-ID.
3. **record** (own transaction, guarded by status and attempt number): ``sent``; or for a
   temporary failure (4xx, connection refused, timeout) back to ``pending`` with exponential
   backoff up to a cap; or for a permanent one (5xx) ``failed`` plus ``DeliveryFailedV1`` in
   the outbox of the same transaction. After ``max_attempts`` temporary failures the delivery
   is failed too.

An interrupted delivery (a crash between 2 and 3) may or may not have been accepted. With a
*sent probe* (``NOTIFICATIONS_SENT_PROBE_URL``, a Mailpit-compatible API such as the compose
file's mail catcher) the sender asks whether a message with that Message-ID arrived and, if so,
records it as sent without sending it again: exactly once. Without a probe it sends again with
the *same* Message-ID: the message is never lost, and a receiving system that deduplicates on
Message-ID shows it once; one that does not may show it twice — only for a crash in that window
of milliseconds. A delivery is never handed over by two senders at once: claims use
``FOR UPDATE SKIP LOCKED``, the lease is longer than the SMTP timeout (checked in settings), the
whole SMTP conversation is bounded by that timeout, and a claimed delivery whose lease would
run out during its send (earlier ones of the batch were slow) is given back instead of sent.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from functools import partial
from typing import Protocol

import aiosmtplib
import httpx
import structlog

from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.events.consumer import INFRASTRUCTURE_ERRORS
from notifications.db.repositories import ClaimedDelivery, DeliveryRepository
from notifications.domain.deliveries import (
    DeliveryStatus,
    FailureKind,
    SendFailure,
    classify_smtp_code,
    message_id,
    retry_delay,
)
from notifications.events.outgoing import delivery_failed
from notifications.settings import NotificationsSettings

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]
StepHook = Callable[[str, ClaimedDelivery], None]
"""Called at each step (``claimed``, ``accepted``, ``refused``) — the crash tests kill the
worker there; production passes nothing."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class SendError(Exception):
    def __init__(self, failure: SendFailure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


class MailTransport(Protocol):
    async def send(self, message: EmailMessage, recipient: str) -> str:
        """Hand the message over; return the server's answer, or raise :class:`SendError`."""


class SentProbe(Protocol):
    async def accepted(self, message_id: str) -> bool | None:
        """Did a message with this Message-ID arrive? ``None`` when that cannot be told."""


class SmtpTransport:
    def __init__(self, settings: NotificationsSettings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage, recipient: str) -> str:
        s = self.settings
        try:
            async with asyncio.timeout(s.smtp_timeout_seconds):  # the whole conversation
                _, response = await aiosmtplib.send(
                    message,
                    recipients=[recipient],
                    hostname=s.smtp_host,
                    port=s.smtp_port,
                    username=s.smtp_username,
                    password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                    use_tls=s.smtp_use_tls,
                    start_tls=s.smtp_start_tls,
                    timeout=s.smtp_timeout_seconds,
                )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0] if exc.recipients else None
            code = refused.code if refused else 550
            text = refused.message if refused else str(exc)
            raise SendError(SendFailure(classify_smtp_code(code), f"{code} {text}")) from exc
        except (aiosmtplib.SMTPDataError, aiosmtplib.SMTPRecipientRefused) as exc:
            raise SendError(
                SendFailure(classify_smtp_code(exc.code), f"{exc.code} {exc.message}")
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            # HELO, MAIL FROM, AUTH refused: our configuration or the server's state, not the
            # recipient's address — worth trying again, never a permanent failure of the address.
            raise SendError(
                SendFailure(FailureKind.TEMPORARY, f"{exc.code} {exc.message}")
            ) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise SendError(
                SendFailure(FailureKind.TEMPORARY, f"{type(exc).__name__}: {exc}")
            ) from exc
        return response


class MailpitProbe:
    """Asks a Mailpit-compatible API (``GET /api/v1/search?query=message-id:<id>``)."""

    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    async def accepted(self, message_id: str) -> bool | None:
        bare = message_id.strip("<>")
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.get(
                    f"{self.base_url}/api/v1/search", params={"query": f"message-id:{bare}"}
                )
                response.raise_for_status()
                found = response.json().get("messages") or []
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("notifications.probe_unavailable", error=repr(exc))
            return None
        return any(str(m.get("MessageID", "")).strip("<>") == bare for m in found)


def build_message(
    delivery: ClaimedDelivery, settings: NotificationsSettings, now: datetime
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = delivery.address
    message["Subject"] = delivery.subject
    message["Message-ID"] = delivery.message_id
    message["Date"] = email.utils.format_datetime(now)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message["Content-Language"] = "da"
    message.set_content(delivery.body_text)
    message.add_alternative(delivery.body_html, subtype="html")
    return message


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    confirmed_by_probe: int = 0
    lost_claims: int = 0
    released: int = 0

    def add(self, other: SendReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.confirmed_by_probe += other.confirmed_by_probe
        self.lost_claims += other.lost_claims
        self.released += other.released

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.lost_claims

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "confirmed_by_probe": self.confirmed_by_probe,
            "lost_claims": self.lost_claims,
            "released": self.released,
        }


class Sender:
    def __init__(
        self,
        database: Database,
        settings: NotificationsSettings,
        *,
        transport: MailTransport | None = None,
        probe: SentProbe | None = None,
        clock: Clock = utc_now,
        on_step: StepHook | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.transport = transport or SmtpTransport(settings)
        if probe is None and settings.sent_probe_url:
            probe = MailpitProbe(settings.sent_probe_url)
        self.probe = probe
        self.clock = clock
        self.on_step = on_step or (lambda step, delivery: None)

    async def send_due(self) -> SendReport:
        """One batch: claim what is due, send each, record each answer."""
        report = SendReport()
        now = self.clock()
        async with UnitOfWork(self.database) as uow:
            claimed = await DeliveryRepository(uow.session).claim_due(
                now=now,
                lease=timedelta(seconds=self.settings.sender_lease_seconds),
                limit=self.settings.sender_batch_size,
                message_id_of=partial(message_id, domain=self.settings.message_id_domain),
            )
            await uow.commit()
        for delivery in claimed:
            await self._attempt(delivery, report)
        return report

    async def run_window(self) -> dict[str, int]:
        """The worker's job: drain due deliveries for ``sender_window_seconds``, polling."""
        total = SendReport()
        deadline = time.monotonic() + self.settings.sender_window_seconds
        while True:
            try:
                report = await self.send_due()
            except INFRASTRUCTURE_ERRORS as exc:  # the database is away: wait, do not spin
                log.warning("notifications.sender_database_unavailable", error=repr(exc))
                report = SendReport()
            total.add(report)
            if report.handled:
                continue  # more may be due right away
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return total.as_dict()
            await asyncio.sleep(min(self.settings.sender_poll_seconds, remaining))

    async def _attempt(self, delivery: ClaimedDelivery, report: SendReport) -> None:
        bound = log.bind(delivery_id=str(delivery.id), attempt=delivery.attempts)
        if (
            delivery.interrupted
            and self.probe is not None
            and await self.probe.accepted(delivery.message_id)
        ):
            bound.info("notifications.delivery_confirmed_after_interruption")
            report.confirmed_by_probe += 1
            await self._record_sent(delivery, "accepted before the interruption (probe)", report)
            return
        if delivery.interrupted and delivery.attempts > self.settings.max_attempts:
            # Interrupted again and again (a worker dying on this very message): stop here.
            failure = SendFailure(
                FailureKind.PERMANENT,
                f"interrupted {delivery.attempts - 1} times while being sent; not tried again",
            )
            await self._record_failure(delivery, failure, report)
            return
        now = self.clock()
        if now + timedelta(seconds=self.settings.smtp_timeout_seconds) >= delivery.lease_until:
            # Earlier sends of this batch took so long that this one's lease could run out
            # while it is being sent — and then another sender may take it too. Give it back.
            await self._release(delivery, report)
            return
        self.on_step("claimed", delivery)
        try:
            response = await self.transport.send(
                build_message(delivery, self.settings, now), delivery.address
            )
        except SendError as exc:
            self.on_step("refused", delivery)
            await self._record_failure(delivery, exc.failure, report)
            return
        except Exception as exc:  # not an SMTP answer: our bug or the library's; try later
            bound.exception("notifications.send_crashed")
            failure = SendFailure(FailureKind.TEMPORARY, f"{type(exc).__name__}: {exc}")
            await self._record_failure(delivery, failure, report)
            return
        self.on_step("accepted", delivery)
        await self._record_sent(delivery, response, report)

    async def _release(self, delivery: ClaimedDelivery, report: SendReport) -> None:
        async with UnitOfWork(self.database) as uow:
            await DeliveryRepository(uow.session).finish(
                delivery,
                status=DeliveryStatus.PENDING,
                attempts=delivery.attempts - 1,
                updated_at=self.clock(),
            )
            await uow.commit()
        report.released += 1

    async def _record_sent(
        self, delivery: ClaimedDelivery, response: str, report: SendReport
    ) -> None:
        now = self.clock()
        async with UnitOfWork(self.database) as uow:
            recorded = await DeliveryRepository(uow.session).finish(
                delivery,
                status=DeliveryStatus.SENT,
                sent_at=now,
                updated_at=now,
                smtp_response=response[:1000],
                last_error=None,
            )
            await uow.commit()
        if recorded:
            report.sent += 1
            log.info("notifications.delivery_sent", delivery_id=str(delivery.id))
        else:
            report.lost_claims += 1
            log.warning("notifications.delivery_taken_over", delivery_id=str(delivery.id))

    async def _record_failure(
        self, delivery: ClaimedDelivery, failure: SendFailure, report: SendReport
    ) -> None:
        now = self.clock()
        give_up = failure.kind is FailureKind.PERMANENT or (
            delivery.attempts >= self.settings.max_attempts
        )
        reason = failure.reason
        if give_up and failure.kind is FailureKind.TEMPORARY:
            reason = f"gave up after {delivery.attempts} attempts; last answer: {failure.reason}"
        async with UnitOfWork(self.database) as uow:
            repository = DeliveryRepository(uow.session)
            if give_up:
                recorded = await repository.finish(
                    delivery,
                    status=DeliveryStatus.FAILED,
                    failed_at=now,
                    updated_at=now,
                    last_error=reason[:1000],
                    smtp_response=failure.reason[:1000],
                )
                if recorded:
                    uow.record_event(delivery_failed(delivery, reason, now))
            else:
                delay = retry_delay(
                    delivery.attempts,
                    base_seconds=self.settings.retry_base_seconds,
                    cap_seconds=self.settings.retry_cap_seconds,
                )
                recorded = await repository.finish(
                    delivery,
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=now + delay,
                    updated_at=now,
                    last_error=failure.reason[:1000],
                )
            await uow.commit()
        if not recorded:
            report.lost_claims += 1
        elif give_up:
            report.failed += 1
            log.warning(
                "notifications.delivery_failed", delivery_id=str(delivery.id), reason=reason
            )
        else:
            report.retried += 1
            log.info(
                "notifications.delivery_retry_scheduled",
                delivery_id=str(delivery.id),
                reason=failure.reason,
            )
