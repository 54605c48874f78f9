"""Letters to persons (tenants, private landlords) by e-mail, sent by this service itself
(:mod:`legal_cases.domain.person_letters` says why and who).

Queueing: :func:`queue` adds a ``person_letters`` row in the action's own transaction (nothing
is queued when the action fails; a retried action or a repeated reminder queues nothing more).

Sending (:func:`send_due`, the worker's ``legal_cases.person_letters`` job): one letter per
transaction — take the oldest due letter under ``FOR UPDATE SKIP LOCKED`` (two workers never
take the same one), read the address from the party *now*, hand the message to the SMTP server
with a Message-ID fixed by the letter id, then record ``sent`` (and an audit row) in the same
transaction. A temporary failure (4xx, connection refused, timeout) is retried with exponential
backoff up to :data:`~legal_cases.domain.person_letters.MAX_ATTEMPTS`; a permanent one (5xx) or
a party without an address any more fails the letter, visible on the case and in the audit
trail. A crash after the server accepted the message but before the commit sends it again with
the same Message-ID (at least once; a receiving system that deduplicates shows it once).
"""

from __future__ import annotations

import asyncio
import email.utils
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Protocol
from zoneinfo import ZoneInfo

import structlog

from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.municipalities import MUNICIPALITIES
from common.pdf import render_pdf_async
from legal_cases.db.models import CaseRow, PartyRow, PersonLetterRow
from legal_cases.db.repositories import CaseRepository
from legal_cases.domain.access import TRIBUNAL_ROLE, Viewer
from legal_cases.domain.person_letters import (
    MAX_ATTEMPTS,
    Letter,
    LetterKind,
    LetterStatus,
    retry_delay_seconds,
    written_to_by_service,
)
from legal_cases.services.core import SYSTEM, audit
from legal_cases.settings import LegalCasesSettings

log = structlog.get_logger(__name__)
Clock = Callable[[], datetime]
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def tribunal_name(case: CaseRow) -> str:
    return MUNICIPALITIES.get(case.tribunal_code, case.tribunal_code)


async def queue(
    repo: CaseRepository,
    case: CaseRow,
    party: PartyRow,
    kind: LetterKind,
    letter: Letter,
    today: date,
    *,
    ref: str = "",
    attach_decision: bool = False,
    actor: Viewer = SYSTEM,
) -> bool:
    """Queue ``letter`` for ``party`` if this service writes to it (a person with a contact
    e-mail); the address stays on the party."""
    if not written_to_by_service(
        kind=party.kind, organisation_id=party.organisation_id, email=party.contact_email
    ):
        return False
    queued = await repo.queue_letter(
        {
            "case_id": case.id, "party_id": party.id, "kind": kind.value, "ref": ref,
            "subject": letter.subject, "body_text": letter.body,
            "attach_decision": attach_decision, "queued_on": today,
            # due from the start of the legal day it was queued on (the clock of the action)
            "next_attempt_at": datetime.combine(today, time(0), tzinfo=COPENHAGEN),
        }
    )  # fmt: skip
    if queued:
        await audit(repo, case, actor, "letter_queued", kind=kind.value, side=party.side)
    return queued


# --- sending ---------------------------------------------------------------------------------


class SendError(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class MailTransport(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand the message over, or raise :class:`SendError`."""


class SmtpTransport:
    """The standard library's SMTP client in a worker thread, bounded by the timeout."""

    def __init__(self, settings: LegalCasesSettings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> None:
        s = self.settings
        assert s.smtp_host is not None
        client: type[smtplib.SMTP] = smtplib.SMTP_SSL if s.smtp_use_tls else smtplib.SMTP
        try:
            with client(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
                if s.smtp_start_tls:
                    smtp.starttls()
                if s.smtp_username:
                    password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                    smtp.login(s.smtp_username, password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (550, b"refused"))
            raise SendError(f"{code} {_text(text)}", permanent=code >= 500) from exc
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            raise SendError(f"{exc.smtp_code} {_text(exc.smtp_error)}",
                            permanent=exc.smtp_code >= 500) from exc  # fmt: skip
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"{type(exc).__name__}: {exc}", permanent=False) from exc


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


@dataclass
class MailReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __bool__(self) -> bool:
        return bool(self.sent or self.retried or self.failed)


def message_id(letter: PersonLetterRow, domain: str) -> str:
    return f"<legal-letter-{letter.id}@{domain}>"


async def _message(
    repo: CaseRepository, case: CaseRow, letter: PersonLetterRow, address: str,
    settings: LegalCasesSettings, now: datetime,
) -> EmailMessage:  # fmt: skip
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = address
    message["Subject"] = letter.subject
    message["Message-ID"] = message_id(letter, settings.message_id_domain)
    message["Date"] = email.utils.format_datetime(now)
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = "da"
    message.set_content(letter.body_text)
    if letter.attach_decision:
        from legal_cases.services.letters import decision_letter_html  # the template's renderer

        reader = Viewer(
            subject=SYSTEM.subject, role=TRIBUNAL_ROLE, tribunal_code=case.tribunal_code
        )
        html = await decision_letter_html(repo, reader, case.id)
        message.add_attachment(
            await render_pdf_async(html), maintype="application", subtype="pdf",
            filename=f"afgoerelse-{case.id}.pdf",
        )  # fmt: skip
    return message


async def send_due(
    database: Database,
    settings: LegalCasesSettings,
    clock: Clock,
    *,
    transport: MailTransport | None = None,
    limit: int = 100,
) -> MailReport:
    """Send what is due, one letter per transaction; returns what happened."""
    transport = transport or SmtpTransport(settings)
    report = MailReport()
    for _ in range(limit):
        async with UnitOfWork(database) as uow:
            repo = CaseRepository(uow.session)
            now = clock()
            letter = await repo.due_letter_for_update(now)
            if letter is None:
                return report
            case = await repo.case_for_update(letter.case_id)
            party = await repo.party(letter.party_id)
            assert case is not None
            assert party is not None
            letter.attempts += 1
            address = party.contact_email
            error: SendError | None = None
            if not address:
                error = SendError("the party has no contact e-mail any more", permanent=True)
            else:
                try:
                    await transport.send(await _message(repo, case, letter, address, settings, now))
                except SendError as exc:
                    error = exc
            detail = {"letter_id": letter.id, "kind": letter.kind, "side": party.side}
            if error is None:
                letter.status, letter.sent_at, letter.last_error = LetterStatus.SENT, now, None
                await audit(repo, case, SYSTEM, "letter_sent", **detail)
                report.sent += 1
            elif error.permanent or letter.attempts >= MAX_ATTEMPTS:
                letter.status, letter.last_error = LetterStatus.FAILED, error.reason[:1000]
                await audit(repo, case, SYSTEM, "letter_failed", **detail, reason=error.reason)
                report.failed += 1
                log.warning("legal_cases.letter_failed", letter_id=letter.id, reason=error.reason)
            else:
                delay = retry_delay_seconds(letter.attempts,
                                            base=settings.smtp_retry_base_seconds)  # fmt: skip
                letter.next_attempt_at = now + timedelta(seconds=delay)
                letter.last_error = error.reason[:1000]
                report.retried += 1
            await uow.commit()
    return report


def utc_now() -> datetime:
    return datetime.now(UTC)
