"""The tribunal's decision (§ 86): quorum, majority, the completeness gate, and what follows
from the outcome (the landlord's fee, § 82(2); where an appeal goes, §§ 88-89).

* Quorum (§ 86(3)): all members present — the chair and the two members (landlord- and
  tenant-nominated); a deputy may sit in any seat (§ 79(6)). In behaviour cases (§§ 153-155 of
  the Rent Act) the social expert sits too, without a vote (§ 79(5)).
* Majority; on a tie the chair's vote decides (§ 86(3)). With three outcomes and three votes a
  tie is three different votes.
* Recorded (§ 86(4)-(5)): the reasons; if not unanimous, each vote and the reasons of the
  dissent; and the appeal guidance (§§ 88-89). A decision missing any of these is not issued.
* Silence (§ 86(2)): only when a reply deadline lapsed may the tribunal read the silence in the
  other party's favour; the decision records that it did.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from common.errors import FieldError
from legal_cases.domain.categories import CaseCategory
from legal_cases.domain.errors import DecisionIncompleteError, QuorumError
from legal_cases.domain.parties import PartyKind

COPENHAGEN = "101"


class Outcome(StrEnum):
    COMPLAINANT_FULLY = "complainant_fully"  # the complainant gets full support
    COMPLAINANT_PARTLY = "complainant_partly"
    COUNTERPART = "counterpart"  # the complaint is not upheld

    @property
    def label(self) -> str:
        return {
            Outcome.COMPLAINANT_FULLY: "Klageren får fuldt medhold",
            Outcome.COMPLAINANT_PARTLY: "Klageren får delvist medhold",
            Outcome.COUNTERPART: "Modparten får medhold",
        }[self]


class Seat(StrEnum):
    CHAIR = "chair"
    LANDLORD_MEMBER = "landlord_member"
    TENANT_MEMBER = "tenant_member"
    SOCIAL_EXPERT = "social_expert"


VOTING_SEATS = (Seat.CHAIR, Seat.LANDLORD_MEMBER, Seat.TENANT_MEMBER)


class AppealBody(StrEnum):
    HOUSING_COURT = "housing_court"  # boligretten, § 88
    APPEAL_BOARD = "appeal_board"  # ankenævnet i København, § 89

    @property
    def label(self) -> str:
        return "boligretten" if self is AppealBody.HOUSING_COURT else "ankenævnet"


@dataclass(frozen=True, slots=True)
class Member:
    seat: Seat
    member_ref: str
    deputy: bool = False
    vote: Outcome | None = None


@dataclass(frozen=True, slots=True)
class Ruling:
    outcome: Outcome
    unanimous: bool
    chair_decided_tie: bool


def check_quorum(members: Sequence[Member], category: CaseCategory) -> None:
    errors: list[FieldError] = []
    seats = Counter(m.seat for m in members)
    for seat in VOTING_SEATS:
        if seats[seat] != 1:
            errors.append(
                FieldError(
                    "/members",
                    f"Exactly one {seat.value} (or deputy) must sit; {seats[seat]} given.",
                    "seat-count",
                )
            )
    if category.is_behaviour and seats[Seat.SOCIAL_EXPERT] != 1:
        errors.append(
            FieldError(
                "/members",
                "A behaviour case (§§ 153-155 of the Rent Act) is decided with the social "
                "expert present (§ 79(5)).",
                "social-expert-missing",
            )
        )
    if not category.is_behaviour and seats[Seat.SOCIAL_EXPERT]:
        errors.append(
            FieldError(
                "/members",
                "A social expert sits only in behaviour cases (§ 79(5)).",
                "social-expert-not-allowed",
            )
        )
    refs = Counter(m.member_ref for m in members)
    for ref, count in refs.items():
        if count > 1:
            errors.append(
                FieldError("/members", f"{ref!r} cannot sit in two seats.", "member-twice")
            )
    for index, member in enumerate(members):
        if member.seat is Seat.SOCIAL_EXPERT and member.vote is not None:
            errors.append(
                FieldError(
                    f"/members/{index}/vote",
                    "The social expert has no vote (§ 79(5)).",
                    "no-vote",
                )
            )
        if member.seat in VOTING_SEATS and member.vote is None:
            errors.append(
                FieldError(
                    f"/members/{index}/vote",
                    f"The {member.seat.value} must vote: the tribunal decides only with all "
                    "members present (§ 86(3)).",
                    "vote-missing",
                )
            )
    if errors:
        raise QuorumError(
            "The tribunal is not lawfully composed for this decision; see 'errors'.",
            errors=errors,
        )


def rule(members: Sequence[Member], category: CaseCategory) -> Ruling:
    """The outcome by majority, the chair breaking a tie (after :func:`check_quorum`)."""
    check_quorum(members, category)
    votes = [m.vote for m in members if m.seat in VOTING_SEATS and m.vote is not None]
    counts = Counter(votes).most_common()
    top, top_count = counts[0]
    if top_count * 2 > len(votes):
        return Ruling(top, unanimous=top_count == len(votes), chair_decided_tie=False)
    chair = next(m for m in members if m.seat is Seat.CHAIR)
    assert chair.vote is not None
    return Ruling(chair.vote, unanimous=False, chair_decided_tie=True)


def check_complete(
    *,
    reasons: str | None,
    appeal_guidance: str | None,
    unanimous: bool,
    dissent_reasons: str | None,
    silence_read_in_favour: bool,
    reply_lapsed: bool,
) -> None:
    """The completeness gate: nothing is issued without reasons and appeal guidance."""
    errors: list[FieldError] = []
    if not (reasons and reasons.strip()):
        errors.append(
            FieldError("/reasons", "The decision must give its reasons (§ 86(5)).", "required")
        )
    if not (appeal_guidance and appeal_guidance.strip()):
        errors.append(
            FieldError(
                "/appeal_guidance",
                "The decision must tell the parties how to appeal (§§ 86(5), 88-89); the "
                "case view's suggested_appeal_guidance is a starting point.",
                "required",
            )
        )
    if not unanimous and not (dissent_reasons and dissent_reasons.strip()):
        errors.append(
            FieldError(
                "/dissent_reasons",
                "The decision is not unanimous: it must say so and give the reasons (§ 86(5)).",
                "required",
            )
        )
    if silence_read_in_favour and not reply_lapsed:
        errors.append(
            FieldError(
                "/silence_read_in_favour",
                "Silence can be read in the other party's favour only when a reply deadline "
                "lapsed without a reply (§ 86(2)).",
                "not-lapsed",
            )
        )
    if errors:
        raise DecisionIncompleteError(
            f"The decision cannot be issued: {len(errors)} thing(s) missing; see 'errors'.",
            errors=errors,
        )


def appeal_body(tribunal_code: str, category: CaseCategory) -> AppealBody:
    """In Copenhagen, decisions other than behaviour cases go to the appeal board (§ 89(1));
    elsewhere, and behaviour cases everywhere, to the housing court (§ 88(1))."""
    if tribunal_code == COPENHAGEN and not category.is_behaviour:
        return AppealBody.APPEAL_BOARD
    return AppealBody.HOUSING_COURT


def tenant_won_fully(outcome: Outcome, complainant: PartyKind, counterpart: PartyKind) -> bool:
    """§ 82(2): the tenant side got full support ("fuldt medhold"), so the landlord pays."""
    if outcome is Outcome.COMPLAINANT_FULLY:
        return complainant.tenant_side
    if outcome is Outcome.COUNTERPART:
        return counterpart.tenant_side
    return False


def suggested_appeal_guidance(body: AppealBody, due: date) -> str:
    """A Danish standard text the tribunal may adapt (it remains the tribunal's text)."""
    if body is AppealBody.APPEAL_BOARD:
        where = (
            "Afgørelsen kan af hver af parterne indbringes for ankenævnet, jf. § 89 i lov om "
            "boligforhold. Klageren betaler et gebyr pr. lejlighed eller lokale."
        )
    else:
        where = (
            "Afgørelsen kan af hver af parterne indbringes for boligretten, jf. § 88 i lov om "
            "boligforhold."
        )
    return (
        f"{where} Indbringelse skal ske senest 4 uger efter, at afgørelsen er meddelt "
        f"parterne, dvs. senest den {due.day}. {_MONTHS[due.month - 1]} {due.year}. "
        "Undtagelsesvis kan der gives tilladelse til indbringelse senere, når ansøgning "
        "indgives inden 1 år efter afgørelsen. Udlejeren gøres opmærksom på "
        "meddelelsespligten efter § 194 i lov om leje."
    )


_MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip
