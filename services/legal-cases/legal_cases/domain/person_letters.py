"""Letters to parties who are persons (tenants, a private landlord) by e-mail.

The platform's notification directory addresses organisations and municipalities only, and a
tenant's personal data (name, e-mail address) must never leave this service in an event. So
the service writes to persons itself: a party may give a contact e-mail, kept only in
``case_parties``; the letters it is owed are queued in ``person_letters`` in the same
transaction as the action (no address copied there) and the worker sends them through SMTP,
reading the address from the party at sending time (a corrected or erased address is
respected). Events keep carrying ids and facts only.

Who gets which letter (§§ 82(3), 86(5), the deadline reminders of the round):

* the counterpart's notice of the case and its reply deadline, when the counterpart is notified;
* the decision letter (the PDF attached) to the complainant and the counterpart (§ 86(5));
* a reminder of a reply or answer deadline, to the party that must act;
* the summons to an inspection (§ 85(1), at least 1 week ahead) or a meeting (§ 85(2)), to the
  complainant and the counterpart, once per inspection or meeting.

A party the directory can address (a landlord with a landlord id on the platform, a
municipality) is written to by the notification service, not here — never both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from common.money import format_date_da

EMAIL_PATTERN: Final = r"^[^@\s<>,;\"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"
_EMAIL = re.compile(EMAIL_PATTERN)
MAX_ATTEMPTS: Final = 8


class LetterKind(StrEnum):
    COUNTERPART_NOTICE = "counterpart_notice"
    DECISION = "decision"
    DEADLINE_REMINDER = "deadline_reminder"
    SUMMONS = "summons"


class LetterStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # refused for good (5xx), out of attempts, or no address any more


def valid_email(value: str) -> bool:
    return len(value) <= 254 and _EMAIL.match(value) is not None


def written_to_by_service(*, kind: str, organisation_id: str | None, email: str | None) -> bool:
    """Whether this service writes to the party itself: a person with a contact e-mail. A
    municipality, or a landlord acting on the platform under its landlord id, is written to by
    the notification service."""
    if not email:
        return False
    if kind == "municipality":
        return False
    return not (kind == "landlord" and organisation_id)


def retry_delay_seconds(attempts: int, *, base: float = 60.0, cap: float = 3600.0) -> float:
    """Exponential backoff after the ``attempts``-th temporary failure, capped."""
    return float(min(cap, base * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True, slots=True)
class Letter:
    subject: str
    body: str


def counterpart_notice(
    *, case_id: str, tribunal_name: str, category_label: str, reply_due: date
) -> Letter:
    """§ 82(3): the other party is told of the case and may comment within 2 weeks."""
    return Letter(
        subject=f"Huslejenævnet i {tribunal_name}: ny sag {case_id}",
        body=(
            "Kære part i sagen\n\n"
            f"Huslejenævnet i {tribunal_name} har modtaget en sag, som De er part i "
            f"(sag {case_id}, {category_label.lower()}).\n\n"
            f"De kan fremsætte Deres bemærkninger til sagen senest {format_date_da(reply_due)}, "
            "jf. § 82, stk. 3, i lov om boligforhold. Fristen kan forlænges af nævnet, hvis "
            "særlige omstændigheder taler for det.\n\n"
            "Svarer De ikke inden fristen, kan nævnet fortolke tavsheden på den gunstigste måde "
            "for den anden part (§ 86, stk. 2).\n\n"
            f"Med venlig hilsen\nHuslejenævnet i {tribunal_name}\n"
        ),
    )


def decision_notice(
    *, case_id: str, tribunal_name: str, outcome_label: str, decided_on: date, appeal_due: date
) -> Letter:
    """§ 86(5): the decision is communicated to the complainant and the other parties, with
    the appeal guidance (in the attached letter)."""
    return Letter(
        subject=f"Huslejenævnet i {tribunal_name}: afgørelse i sag {case_id}",
        body=(
            "Kære part i sagen\n\n"
            f"Huslejenævnet i {tribunal_name} har den {format_date_da(decided_on)} truffet "
            f"afgørelse i sag {case_id}: {outcome_label}.\n\n"
            "Afgørelsen med begrundelse og klagevejledning er vedhæftet som PDF.\n\n"
            f"Afgørelsen kan indbringes senest {format_date_da(appeal_due)} "
            "(§§ 88 og 89 i lov om boligforhold); se klagevejledningen.\n\n"
            f"Med venlig hilsen\nHuslejenævnet i {tribunal_name}\n"
        ),
    )


_REMINDED = {
    "reply": "Deres bemærkninger til sagen (§ 82, stk. 3)",
    "question": "Deres svar på nævnets spørgsmål (§ 83, stk. 4)",
}


def deadline_reminder(*, case_id: str, tribunal_name: str, kind: str, due_on: date) -> Letter:
    """The round's reminder of a reply or answer deadline, to the party that must act."""
    what = _REMINDED.get(kind, "Deres svar")
    return Letter(
        subject=f"Huslejenævnet i {tribunal_name}: påmindelse om frist i sag {case_id}",
        body=(
            "Kære part i sagen\n\n"
            f"Vi minder om, at {what} skal være nævnet i hænde senest "
            f"{format_date_da(due_on)} i sag {case_id}.\n\n"
            f"Med venlig hilsen\nHuslejenævnet i {tribunal_name}\n"
        ),
    )


def summons(
    *, case_id: str, tribunal_name: str, kind: str, scheduled_on: date, summoned_on: date
) -> Letter:
    """§ 85: the parties are summoned to an inspection of the dwelling (at least 1 week
    ahead, § 85(1)) or to a meeting before the tribunal (§ 85(2))."""
    if kind == "inspection":
        subject, what = (
            "indkaldelse til besigtigelse",
            (
                f"Huslejenævnet i {tribunal_name} vil foretage besigtigelse af det lejede i sag "
                f"{case_id} den {format_date_da(scheduled_on)}, jf. § 85, stk. 1, i lov om "
                "boligforhold. De indkaldes hermed til at være til stede.\n\n"
            ),
        )
    else:
        subject, what = (
            "indkaldelse til møde",
            (
                f"Huslejenævnet i {tribunal_name} indkalder Dem til møde i nævnet i sag {case_id} "
                f"den {format_date_da(scheduled_on)}, jf. § 85, stk. 2, i lov om boligforhold. "
                "På mødet kan De redegøre for sagen over for nævnet.\n\n"
            ),
        )
    return Letter(
        subject=f"Huslejenævnet i {tribunal_name}: {subject} i sag {case_id}",
        body=(
            "Kære part i sagen\n\n"
            + what
            + f"Indkaldelsen er sendt den {format_date_da(summoned_on)}. Nævnet oplyser "
            "tidspunkt og sted nærmere; kan De ikke deltage, bedes De kontakte nævnet.\n\n"
            f"Med venlig hilsen\nHuslejenævnet i {tribunal_name}\n"
        ),
    )
