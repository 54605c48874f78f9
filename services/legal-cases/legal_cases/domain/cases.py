"""The case state machine (§§ 82-89): which action may happen in which status, and where it
leads. Pure: the use cases ask :func:`transition` before they change anything.

::

    filed ──notify──▶ counterpart_notified ──reply──▶ reply_received ──decide──▶ decided
      │                    │  └──lapse (job)──▶ reply_lapsed ──decide──▶ decided   │  │
      │                    │        questions, inspections, meetings on the way    │  └─appeal─▶ appealed
      └─reject (§ 83(1))───┴──────────────▶ rejected                               └─window passes (job)─▶ final
    appealed ──upheld──▶ final;  ──changed──▶ changed_on_appeal;  ──set aside──▶ set_aside_on_appeal
    any open status ──suspend──▶ suspended ──resume──▶ the status it was suspended in

A suspended case's open deadlines stop (:mod:`legal_cases.domain.deadlines`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from legal_cases.domain.errors import TransitionNotAllowedError


class CaseStatus(StrEnum):
    FILED = "filed"
    COUNTERPART_NOTIFIED = "counterpart_notified"
    REPLY_RECEIVED = "reply_received"
    REPLY_LAPSED = "reply_lapsed"
    SUSPENDED = "suspended"
    REJECTED = "rejected"
    DECIDED = "decided"
    APPEALED = "appealed"
    FINAL = "final"
    CHANGED_ON_APPEAL = "changed_on_appeal"
    SET_ASIDE_ON_APPEAL = "set_aside_on_appeal"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def open(self) -> bool:
        """Still before the tribunal (not decided, rejected or suspended)."""
        return self in OPEN_STATUSES


_STATUS_LABELS = {
    CaseStatus.FILED: "Indbragt",
    CaseStatus.COUNTERPART_NOTIFIED: "Modparten underrettet",
    CaseStatus.REPLY_RECEIVED: "Svar modtaget",
    CaseStatus.REPLY_LAPSED: "Svarfristen udløbet",
    CaseStatus.SUSPENDED: "Stillet i bero",
    CaseStatus.REJECTED: "Afvist",
    CaseStatus.DECIDED: "Afgjort",
    CaseStatus.APPEALED: "Indbragt for boligret/ankenævn",
    CaseStatus.FINAL: "Endelig",
    CaseStatus.CHANGED_ON_APPEAL: "Ændret af boligret/ankenævn",
    CaseStatus.SET_ASIDE_ON_APPEAL: "Ophævet af boligret/ankenævn",
}

OPEN_STATUSES: Final = frozenset(
    {
        CaseStatus.FILED,
        CaseStatus.COUNTERPART_NOTIFIED,
        CaseStatus.REPLY_RECEIVED,
        CaseStatus.REPLY_LAPSED,
    }
)
_INVESTIGATING: Final = frozenset(
    {CaseStatus.COUNTERPART_NOTIFIED, CaseStatus.REPLY_RECEIVED, CaseStatus.REPLY_LAPSED}
)
_READY: Final = frozenset({CaseStatus.REPLY_RECEIVED, CaseStatus.REPLY_LAPSED})


class Action(StrEnum):
    NOTIFY_COUNTERPART = "notify_counterpart"
    RECORD_REPLY = "record_reply"
    LAPSE_REPLY = "lapse_reply"
    EXTEND_DEADLINE = "extend_deadline"
    ASK_QUESTION = "ask_question"
    ANSWER_QUESTION = "answer_question"
    SCHEDULE_HEARING = "schedule_hearing"  # an inspection or a meeting
    HOLD_HEARING = "hold_hearing"
    ADD_DOCUMENT = "add_document"
    SUSPEND = "suspend"
    RESUME = "resume"
    REJECT = "reject"
    DECIDE = "decide"
    APPEAL = "appeal"
    MAKE_FINAL = "make_final"
    REPORT_NONCOMPLIANCE = "report_noncompliance"
    APPEAL_UPHELD = "appeal_upheld"
    APPEAL_CHANGED = "appeal_changed"
    APPEAL_SET_ASIDE = "appeal_set_aside"


# action -> (statuses it starts from, the status it leads to; None = unchanged)
_TABLE: Final[dict[Action, tuple[frozenset[CaseStatus], CaseStatus | None]]] = {
    Action.NOTIFY_COUNTERPART: (frozenset({CaseStatus.FILED}), CaseStatus.COUNTERPART_NOTIFIED),
    Action.RECORD_REPLY: (
        frozenset({CaseStatus.COUNTERPART_NOTIFIED}),
        CaseStatus.REPLY_RECEIVED,
    ),
    Action.LAPSE_REPLY: (frozenset({CaseStatus.COUNTERPART_NOTIFIED}), CaseStatus.REPLY_LAPSED),
    Action.EXTEND_DEADLINE: (_INVESTIGATING, None),
    Action.ASK_QUESTION: (_INVESTIGATING, None),
    Action.ANSWER_QUESTION: (_INVESTIGATING, None),
    Action.SCHEDULE_HEARING: (_INVESTIGATING, None),
    Action.HOLD_HEARING: (_INVESTIGATING, None),
    Action.ADD_DOCUMENT: (OPEN_STATUSES | {CaseStatus.SUSPENDED}, None),
    Action.SUSPEND: (OPEN_STATUSES, CaseStatus.SUSPENDED),
    Action.RESUME: (frozenset({CaseStatus.SUSPENDED}), None),  # back to where it was
    Action.REJECT: (OPEN_STATUSES, CaseStatus.REJECTED),
    Action.DECIDE: (_READY, CaseStatus.DECIDED),
    # A late appeal (with the court's or board's permission) may follow finality (§ 88(2)).
    Action.APPEAL: (frozenset({CaseStatus.DECIDED, CaseStatus.FINAL}), CaseStatus.APPEALED),
    Action.MAKE_FINAL: (frozenset({CaseStatus.DECIDED}), CaseStatus.FINAL),
    Action.REPORT_NONCOMPLIANCE: (frozenset({CaseStatus.FINAL}), None),
    # The appellate body's outcome (§§ 88-89): only upheld makes the tribunal's decision final.
    Action.APPEAL_UPHELD: (frozenset({CaseStatus.APPEALED}), CaseStatus.FINAL),
    Action.APPEAL_CHANGED: (frozenset({CaseStatus.APPEALED}), CaseStatus.CHANGED_ON_APPEAL),
    Action.APPEAL_SET_ASIDE: (frozenset({CaseStatus.APPEALED}), CaseStatus.SET_ASIDE_ON_APPEAL),
}

_WHY: Final[dict[Action, str]] = {
    Action.NOTIFY_COUNTERPART: "the counterpart is notified once, right after filing",
    Action.RECORD_REPLY: "a reply is recorded while the counterpart's reply is awaited",
    Action.LAPSE_REPLY: "only an awaited reply can lapse",
    Action.DECIDE: (
        "the tribunal decides once the counterpart has replied or the reply deadline has lapsed"
    ),
    Action.APPEAL: "only a decided case can be appealed, once",
    Action.MAKE_FINAL: "only a decided, unappealed case becomes final",
    Action.REPORT_NONCOMPLIANCE: "non-compliance is reported for final decisions only (§ 22)",
    Action.RESUME: "only a suspended case can be resumed",
    Action.APPEAL_UPHELD: "an appeal's outcome is recorded once, for an appealed case",
    Action.APPEAL_CHANGED: "an appeal's outcome is recorded once, for an appealed case",
    Action.APPEAL_SET_ASIDE: "an appeal's outcome is recorded once, for an appealed case",
}


def allowed_from(action: Action) -> frozenset[CaseStatus]:
    return _TABLE[action][0]


def transition(
    status: CaseStatus, action: Action, *, suspended_from: CaseStatus | None = None
) -> CaseStatus:
    """The status after ``action``, or :class:`TransitionNotAllowedError` naming why."""
    sources, target = _TABLE[action]
    if status not in sources:
        why = _WHY.get(action, "it is possible while the case is before the tribunal")
        allowed = ", ".join(sorted(s.value for s in sources))
        raise TransitionNotAllowedError(
            f"The case is '{status.value}'; '{action.value}' is possible only when it is "
            f"{allowed}: {why}."
        )
    if action is Action.RESUME:
        if suspended_from is None or suspended_from not in OPEN_STATUSES:
            raise TransitionNotAllowedError("The case has no status to resume to.")
        return suspended_from
    return status if target is None else target
