"""What a decision must contain and what the tribunal must have done first, beyond quorum and
reasons (:mod:`legal_cases.domain.decisions`) — seed chapter 9:

* **§ 83(3)** — in behaviour cases (Rent Act ch. 18, §§ 153-155) the tribunal must, before it
  imposes a consequence under § 154(1) on a tenant (a conditional tenancy, no. 1, or a warning,
  no. 2), examine whether the tenant can use the municipality's offers, when it judges the case
  to be of a social character: a sanction in a social case needs that examination recorded;
* **§ 84** — in a case where the split between maintenance and improvement is in issue, the
  tribunal must obtain GI's information when, within the last 3 years, GI told it (§ 73(2))
  that the property was selected for control; not in pre-approval cases (§§ 132-133 of the Rent
  Act, here the ``rent_act_132_2`` category);
* **§ 85(5)** — in behaviour cases the tribunal gives the parties the guidance they need (and
  the secretariat helps with written statements on request): a behaviour decision needs guidance
  recorded for both sides (:func:`missing_guidance`);
* **§ 86(1)** — in §§ 153-154 cases the tribunal may encourage mediation (recorded on the case;
  :func:`check_mediation`);
* **§ 86(5)** — a § 154(1) decision made without the party having answered or met must be served
  (forkyndes) (:func:`service_required`); a conditional tenancy states its conditions and when
  they end; the parties are told of the landlord's duty of notice under § 194 of the Rent Act
  (always in the letter);
* **§ 86(6)** — a decision on a sublet that puts obligations on the sublessor states that not
  complying with a final decision may cost the tenancy (Rent Act § 171(1) no. 5) and that the
  subtenant must tell the tribunal if the deadline set is not met: the deadline is required;
* **§ 86(9)** — when the tribunal approved an improvement being carried out, the parties are
  told that an appeal has suspensive effect (improvement cases only).

Pure; the letter turns the recorded content into the texts the rules require.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final

from common.errors import FieldError
from legal_cases.domain.categories import CaseCategory
from legal_cases.domain.errors import DecisionIncompleteError, NotForThisCategoryError

GI_CONTROL_YEARS: Final = 3


class Sanction(StrEnum):
    NONE = "none"
    CONDITIONAL_TENANCY = "conditional_tenancy"  # Rent Act § 154(1) no. 1
    WARNING = "warning"  # Rent Act § 154(1) no. 2

    @property
    def label(self) -> str:
        return {
            Sanction.NONE: "Ingen retsfølge",
            Sanction.CONDITIONAL_TENANCY: "Lejeforholdet gøres betinget (lejelovens § 154, "
            "stk. 1, nr. 1)",
            Sanction.WARNING: "Advarsel (lejelovens § 154, stk. 1, nr. 2)",
        }[self]


IMPROVEMENT_CATEGORIES: Final = frozenset({CaseCategory.IMPROVEMENTS, CaseCategory.RENT_ACT_19_3})


@dataclass(frozen=True, slots=True)
class DecisionContent:
    sanction: Sanction = Sanction.NONE
    social_case: bool = False
    municipal_offers_examined: str | None = None
    conditions: str | None = None
    conditions_end_on: date | None = None
    sublet_obligations: bool = False
    sublet_compliance_due: date | None = None
    improvement_approved: bool = False
    maintenance_improvement_split: bool = False
    gi_control_notice_on: date | None = None
    gi_information: str | None = None

    def as_record(self, *, service_required: bool) -> dict[str, Any]:
        return {
            "sanction": self.sanction.value,
            "social_case": self.social_case,
            "municipal_offers_examined": _text(self.municipal_offers_examined),
            "conditions": _text(self.conditions),
            "conditions_end_on": _day(self.conditions_end_on),
            "sublet_obligations": self.sublet_obligations,
            "sublet_compliance_due": _day(self.sublet_compliance_due),
            "improvement_approved": self.improvement_approved,
            "maintenance_improvement_split": self.maintenance_improvement_split,
            "gi_control_notice_on": _day(self.gi_control_notice_on),
            "gi_information": _text(self.gi_information),
            "service_required": service_required,
        }


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def gi_information_required(
    content: DecisionContent, category: CaseCategory, decided_on: date
) -> bool:
    """§ 84: a maintenance/improvement split, GI's control notice within 3 years, and not a
    pre-approval case."""
    notice = content.gi_control_notice_on
    return (
        content.maintenance_improvement_split
        and category is not CaseCategory.RENT_ACT_132_2
        and notice is not None
        and _years_before(decided_on, GI_CONTROL_YEARS) <= notice <= decided_on
    )


def service_required(sanction: Sanction, *, reply_lapsed: bool, met_before_tribunal: bool) -> bool:
    """§ 86(5) 2nd sentence: a § 154(1) decision made without the party having answered or
    met before the tribunal is served (forkyndes)."""
    return sanction is not Sanction.NONE and reply_lapsed and not met_before_tribunal


def check_content(
    content: DecisionContent,
    *,
    category: CaseCategory,
    decided_on: date,
    guidance_missing_for: tuple[str, ...] = (),
) -> None:
    """Every rule above that can stop a decision; all problems at once."""
    errors: list[FieldError] = []
    behaviour = category.is_behaviour
    if content.sanction is not Sanction.NONE and not behaviour:
        errors.append(FieldError("/sanction", "A § 154(1) consequence is imposed in behaviour "
                                 "cases only (Rent Act §§ 153-155).", "not-behaviour"))  # fmt: skip
    if (content.sanction is not Sanction.NONE and content.social_case
            and not _text(content.municipal_offers_examined)):  # fmt: skip
        errors.append(FieldError("/municipal_offers_examined", "In a case of social character "
                                 "the tribunal must examine, before imposing a § 154(1) "
                                 "consequence, whether the tenant can use the municipality's "
                                 "offers (§ 83(3)): record what was examined.",
                                 "required"))  # fmt: skip
    if content.sanction is Sanction.CONDITIONAL_TENANCY:
        if not _text(content.conditions):
            errors.append(FieldError("/conditions", "A conditional tenancy states its "
                                     "conditions (§ 86(5)).", "required"))  # fmt: skip
        if content.conditions_end_on is None or content.conditions_end_on <= decided_on:
            errors.append(FieldError("/conditions_end_on", "A conditional tenancy states when "
                                     "the conditions end, after the decision (§ 86(5)).",
                                     "required"))  # fmt: skip
    if content.sublet_obligations and (
        content.sublet_compliance_due is None or content.sublet_compliance_due <= decided_on
    ):
        errors.append(FieldError("/sublet_compliance_due", "A decision putting obligations on "
                                 "a sublessor sets the deadline for complying, after the "
                                 "decision (§ 86(6)-(8)).", "required"))  # fmt: skip
    if content.improvement_approved and category not in IMPROVEMENT_CATEGORIES:
        errors.append(FieldError("/improvement_approved", "Approving an improvement belongs to "
                                 "improvement cases (§ 86(9)).", "not-improvement"))  # fmt: skip
    if gi_information_required(content, category, decided_on) and not _text(content.gi_information):
        errors.append(FieldError("/gi_information", "GI told the tribunal within the last 3 "
                                 "years that the property was selected for control: in a "
                                 "maintenance/improvement split the tribunal must obtain GI's "
                                 "information (§ 84); record it.", "required"))  # fmt: skip
    if behaviour and guidance_missing_for:
        sides = " and ".join(guidance_missing_for)
        errors.append(FieldError("/guidance", f"In behaviour cases the tribunal gives the "
                                 f"parties the guidance they need (§ 85(5)); none is recorded "
                                 f"for the {sides} (POST /cases/{{id}}/guidance).",
                                 "required"))  # fmt: skip
    if errors:
        raise DecisionIncompleteError(
            f"The decision cannot be issued: {len(errors)} thing(s) missing; see 'errors'.",
            errors=errors,
        )


def missing_guidance(sides_guided: set[str]) -> tuple[str, ...]:
    return tuple(side for side in ("complainant", "counterpart") if side not in sides_guided)


def check_mediation(category: CaseCategory) -> None:
    """§ 86(1) 2nd sentence: mediation may be encouraged in §§ 153-154 cases."""
    if not category.is_behaviour:
        raise NotForThisCategoryError(
            "The tribunal may encourage mediation in behaviour cases (Rent Act §§ 153-154) "
            "only (§ 86(1))."
        )


def check_guidance(category: CaseCategory) -> None:
    if not category.is_behaviour:
        raise NotForThisCategoryError(
            "Guidance and assistance under § 85(5) are recorded in behaviour cases (Rent Act "
            "§§ 153-155)."
        )
