"""The tribunal's members (§§ 79-80): a chair with a law degree and two members nominated by
the landlords' and the tenants' associations, a social expert for behaviour cases, a deputy for
each; appointed for up to 4 years (§ 79(7)).

A tribunal that keeps its register here has each seat of a decision checked against it: the
person sits in the seat (or as its deputy) they are appointed to, on the day of the decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from common.errors import FieldError
from legal_cases.domain.decisions import Member, Seat
from legal_cases.domain.errors import QuorumError

MAX_TERM_YEARS = 4


@dataclass(frozen=True, slots=True)
class Appointment:
    member_ref: str
    seat: Seat
    deputy: bool
    appointed_from: date
    appointed_to: date
    law_degree: bool = False


def term_end_limit(appointed_from: date) -> date:
    try:
        return appointed_from.replace(year=appointed_from.year + MAX_TERM_YEARS)
    except ValueError:
        return appointed_from.replace(year=appointed_from.year + MAX_TERM_YEARS, day=28)


def check_appointment(appointment: Appointment) -> None:
    errors: list[FieldError] = []
    if appointment.appointed_to < appointment.appointed_from:
        errors.append(FieldError("/appointed_to", "The term ends before it starts.", "order"))
    elif appointment.appointed_to > term_end_limit(appointment.appointed_from):
        errors.append(
            FieldError(
                "/appointed_to",
                f"Members are appointed for up to {MAX_TERM_YEARS} years (§ 79(7)): at the "
                f"latest {term_end_limit(appointment.appointed_from)}.",
                "term-too-long",
            )
        )
    if appointment.seat is Seat.CHAIR and not appointment.law_degree:
        errors.append(
            FieldError(
                "/law_degree",
                "The chair (and the chair's deputy) must hold a law degree (§ 79(2)).",
                "law-degree-required",
            )
        )
    if errors:
        raise QuorumError("The appointment breaks § 79; see 'errors'.", errors=errors)


def check_bench_appointed(
    members: Sequence[Member], register: Sequence[Appointment], on: date
) -> None:
    """Every seat of the decision is taken by someone appointed to it (or as its deputy) on
    ``on``. An empty register is not checked (the tribunal does not keep it here)."""
    if not register:
        return
    errors: list[FieldError] = []
    for index, member in enumerate(members):
        valid = any(
            a.member_ref == member.member_ref
            and a.seat is member.seat
            and a.deputy == member.deputy
            and a.appointed_from <= on <= a.appointed_to
            for a in register
        )
        if not valid:
            role = f"deputy {member.seat.value}" if member.deputy else member.seat.value
            errors.append(
                FieldError(
                    f"/members/{index}",
                    f"{member.member_ref!r} is not appointed {role} of this tribunal on {on}.",
                    "not-appointed",
                )
            )
    if errors:
        raise QuorumError(
            "The tribunal is not lawfully composed for this decision; see 'errors'.",
            errors=errors,
        )
