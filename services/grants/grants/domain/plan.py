"""The comprehensive plan (helhedsplan) of a prequalified case and what it must contain
(seed 001, "Helhedsplanen omhandlende den boligsociale indsats skal som minimum indeholde"):

1. a strategic cooperation agreement between municipality and housing organisations, starting
   from the fund's **4 fixed goals** with their indicators, describing the organisation of the
   effort (unambiguous management), with the board's terms of reference as an annex;
2. partial agreements for the **4 areas** with local sub-goals and indicators, the activities
   started and the parties' roles;
3. a budget (the case's budget, keeping the budget rules);
4. an emergency plan for acute unrest and insecurity;
5. a milestone plan;
6. a reporting form on measurements and activities.

:func:`plan_problems` returns one problem per missing item, like the send gate. The municipal
council approves a complete plan; the applicant then sends it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final

from common.errors import FieldError
from grants.domain.budget import Budget, budget_problems
from grants.domain.sending import AttachmentKind


class Goal(StrEnum):
    """The fund's four fixed goals of the strategic cooperation agreement."""

    EDUCATION = "education"
    EMPLOYMENT = "employment"
    SAFETY = "safety"
    COMMUNITY = "community"

    @property
    def text(self) -> str:
        return GOAL_TEXTS[self]


GOAL_TEXTS: Final = {
    Goal.EDUCATION: "Der skal ske et fagligt løft af børn og unge, så flere bliver skoleparate, "
    "og flere tager en uddannelse",
    Goal.EMPLOYMENT: "Flere bliver tilknyttet arbejdsmarkedet",
    Goal.SAFETY: "Børn og unge skal støttes i et liv uden kriminalitet, og områderne skal opleves "
    "trygge",
    Goal.COMMUNITY: "Flere er en del af fællesskabet og deltager aktivt i samfundet",
}


class Area(StrEnum):
    """The four areas (indsatsområder) with a partial agreement each."""

    EDUCATION_LIFE_CHANCES = "education_life_chances"  # Uddannelse og livschancer
    EMPLOYMENT = "employment"  # Beskæftigelse
    CRIME_PREVENTION = "crime_prevention"  # Kriminalitetsforebyggelse
    COHESION_CITIZENSHIP = "cohesion_citizenship"  # Sammenhængskraft og medborgerskab


PLAN_ATTACHMENTS: Final = (AttachmentKind.BOARD_TERMS_OF_REFERENCE, AttachmentKind.REPORTING_FORM)


@dataclass(frozen=True, slots=True)
class SubGoal:
    text: str
    indicators: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PartialAgreement:
    sub_goals: tuple[SubGoal, ...] = ()
    activities: str = ""
    roles: str = ""


@dataclass(frozen=True, slots=True)
class Milestone:
    due_on: date
    text: str


@dataclass(frozen=True, slots=True)
class Plan:
    goal_indicators: Mapping[Goal, tuple[str, ...]] = field(default_factory=dict)
    organisation: str = ""  # the organisation of the effort, its unambiguous management
    partial_agreements: Mapping[Area, PartialAgreement] = field(default_factory=dict)
    emergency_plan: str = ""
    milestones: tuple[Milestone, ...] = ()


def _blank(text: str) -> bool:
    return not text.strip()


def plan_problems(
    plan: Plan | None, attachment_kinds: Collection[AttachmentKind], budget: Budget | None
) -> list[FieldError]:
    """One problem per item the comprehensive plan still lacks (empty when complete)."""
    plan = plan or Plan()
    errors: list[FieldError] = []
    for goal in Goal:
        indicators = [i for i in plan.goal_indicators.get(goal, ()) if not _blank(i)]
        if not indicators:
            errors.append(
                FieldError(
                    f"/plan/strategic_agreement/goals/{goal.value}",
                    f"The strategic cooperation agreement needs indicators for the fixed goal "
                    f"'{goal.text}'.",
                    "goal-indicators-missing",
                )
            )
    if _blank(plan.organisation):
        errors.append(
            FieldError(
                "/plan/strategic_agreement/organisation",
                "Describe the organisation of the effort and its unambiguous management.",
                "organisation-missing",
            )
        )
    if AttachmentKind.BOARD_TERMS_OF_REFERENCE not in attachment_kinds:
        errors.append(
            FieldError(
                "/attachments/board_terms_of_reference",
                "Attach the board's terms of reference (kommissorium) to the strategic agreement.",
                "attachment-missing",
            )
        )
    for area in Area:
        agreement = plan.partial_agreements.get(area)
        where = f"/plan/partial_agreements/{area.value}"
        if agreement is None:
            errors.append(
                FieldError(
                    where,
                    f"The partial agreement for '{area.value}' is missing.",
                    "partial-agreement-missing",
                )
            )
            continue
        if not any(
            not _blank(s.text) and any(not _blank(i) for i in s.indicators)
            for s in agreement.sub_goals
        ):
            errors.append(
                FieldError(
                    f"{where}/sub_goals",
                    "At least one local sub-goal with an indicator is needed.",
                    "sub-goal-missing",
                )
            )
        if _blank(agreement.activities):
            errors.append(
                FieldError(
                    f"{where}/activities", "Describe the activities started.", "activities-missing"
                )
            )
        if _blank(agreement.roles):
            errors.append(
                FieldError(
                    f"{where}/roles", "Describe the parties' roles and resources.", "roles-missing"
                )
            )
    if budget is None:
        errors.append(FieldError("/budget", "Enter the plan's budget.", "budget-missing"))
    else:
        errors += budget_problems(budget)
    if _blank(plan.emergency_plan):
        errors.append(
            FieldError(
                "/plan/emergency_plan",
                "Describe the emergency plan for acute unrest and insecurity.",
                "emergency-plan-missing",
            )
        )
    if not plan.milestones:
        errors.append(
            FieldError("/plan/milestones", "Give at least one milestone.", "milestones-missing")
        )
    if AttachmentKind.REPORTING_FORM not in attachment_kinds:
        errors.append(
            FieldError(
                "/attachments/reporting_form",
                "Attach the reporting form (indberetningsskema).",
                "attachment-missing",
            )
        )
    return errors
