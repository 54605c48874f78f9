"""§ 86(5) 2nd sentence and §§ 88(2), 89(1): the service (forkyndelse) of a decision.

A § 154(1) decision (a conditional tenancy or a warning) made without the party having answered
or met before the tribunal must be served on that party — here the counterpart, whose reply
lapsed (:func:`legal_cases.domain.decision_content.service_required`). The tribunal records each
party's service once: who served it, the day, and how. The tribunal may serve the other party
too (e.g. both by bailiff); that is recorded the same way.

The appeal window is 4 weeks from the day the decision was made known to the party
(§ 88(2): "efter at underretning om nævnets afgørelse er meddelt parterne"): for a party that was
served, from its service date; for the others, from the decision (notified the same day). A party
that must be served and is not served yet has no running window. The decision becomes final
only when every required service is recorded, and then the day after the latest window ends.

Pure; the use case is :func:`legal_cases.services.workflow.record_service`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from common.errors import FieldError
from legal_cases.domain.deadlines import appeal_due
from legal_cases.domain.errors import ServiceRejectedError

SIDES = ("complainant", "counterpart")


class ServiceMethod(StrEnum):
    """How the decision was served (the ways of the Administration of Justice Act § 155)."""

    DIGITAL = "digital"  # digital forkyndelse (§ 155, nr. 1)
    LETTER = "letter"  # brev med modtagelsesbevis (§ 155, nr. 2-3)
    BAILIFF = "bailiff"  # stævningsmand (§ 155, nr. 4)
    POLICE = "police"  # politiet (§ 155, nr. 5)

    @property
    def label(self) -> str:
        return {
            ServiceMethod.DIGITAL: "Digital forkyndelse",
            ServiceMethod.LETTER: "Forkyndelse ved brev",
            ServiceMethod.BAILIFF: "Forkyndelse ved stævningsmand",
            ServiceMethod.POLICE: "Forkyndelse ved politiet",
        }[self]


def required_sides(service_required: bool) -> tuple[str, ...]:
    """The parties the decision must be served on: the counterpart, who did not answer."""
    return ("counterpart",) if service_required else ()


def check_service(
    *, service_required: bool, decided_on: date, served_on: date, today: date, served_by: str
) -> None:
    """Service is recorded for a decision that needs it, on a day between the decision and
    today (both inclusive), naming who served it."""
    errors: list[FieldError] = []
    if not service_required:
        errors.append(FieldError("/side", "This decision is not one that must be served "
                                 "(§ 86(5): a § 154(1) decision made without the party having "
                                 "answered or met); it is notified by letter.",
                                 "not-required"))  # fmt: skip
    if served_on < decided_on:
        errors.append(FieldError("/served_on", f"The service cannot precede the decision "
                                 f"({decided_on}).", "before-decision"))  # fmt: skip
    if served_on > today:
        errors.append(FieldError("/served_on", f"The service cannot lie after today ({today}).",
                                 "in-future"))  # fmt: skip
    if not served_by.strip():
        errors.append(FieldError("/served_by", "Name who served the decision (e.g. the bailiff).",
                                 "required"))  # fmt: skip
    if errors:
        raise ServiceRejectedError("The service cannot be recorded; see 'errors'.", errors=errors)


def window_end(side: str, *, decision_appeal_due: date, served: Mapping[str, date],
               required: tuple[str, ...]) -> date | None:  # fmt: skip
    """The last day of ``side``'s appeal window: 4 weeks from its service when it was served,
    else the decision's window; ``None`` while a required service is missing (not running)."""
    if side in served:
        return appeal_due(served[side])
    if side in required:
        return None
    return decision_appeal_due


def final_window_end(*, decision_appeal_due: date, served: Mapping[str, date],
                     required: tuple[str, ...]) -> date | None:  # fmt: skip
    """The last day of the latest window of all parties — the decision is final the day after —
    or ``None`` while a required service is missing (it cannot become final)."""
    ends = [window_end(side, decision_appeal_due=decision_appeal_due, served=served,
                       required=required) for side in SIDES]  # fmt: skip
    if any(end is None for end in ends):
        return None
    return max(end for end in ends if end is not None)
