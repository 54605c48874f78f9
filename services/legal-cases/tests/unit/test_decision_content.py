"""§§ 83(3), 84, 85(5), 86(1), 86(5)-(9): what a decision must contain, at each boundary."""

from __future__ import annotations

from datetime import date

import pytest

from legal_cases.domain.categories import CaseCategory
from legal_cases.domain.decision_content import (
    DecisionContent,
    Sanction,
    check_content,
    check_mediation,
    gi_information_required,
    missing_guidance,
    service_required,
)
from legal_cases.domain.errors import DecisionIncompleteError, NotForThisCategoryError

TODAY = date(2026, 11, 20)
BEHAVIOUR = CaseCategory.BEHAVIOUR


def pointers(content: DecisionContent, category=BEHAVIOUR, guidance=()) -> list[str]:
    with pytest.raises(DecisionIncompleteError) as caught:
        check_content(content, category=category, decided_on=TODAY,
                      guidance_missing_for=guidance)  # fmt: skip
    return [e.pointer for e in caught.value.errors]


def test_an_empty_content_passes_in_any_category():
    for category in CaseCategory:
        check_content(DecisionContent(), category=category, decided_on=TODAY)


def test_a_sanction_belongs_to_behaviour_cases():
    content = DecisionContent(sanction=Sanction.WARNING)
    assert pointers(content, CaseCategory.RENT_LEVEL) == ["/sanction"]
    check_content(content, category=BEHAVIOUR, decided_on=TODAY)


def test_83_3_a_sanction_in_a_social_case_needs_the_municipal_offers_examined():
    social = DecisionContent(sanction=Sanction.WARNING, social_case=True)
    assert pointers(social) == ["/municipal_offers_examined"]
    assert pointers(DecisionContent(sanction=Sanction.WARNING, social_case=True,
                                    municipal_offers_examined="  ")) == [
        "/municipal_offers_examined"]  # fmt: skip
    check_content(DecisionContent(sanction=Sanction.WARNING, social_case=True,
                                  municipal_offers_examined="Kontakt til socialforvaltningen"),
                  category=BEHAVIOUR, decided_on=TODAY)  # fmt: skip
    # no sanction, or not a social case: no examination needed
    check_content(DecisionContent(social_case=True), category=BEHAVIOUR, decided_on=TODAY)
    check_content(DecisionContent(sanction=Sanction.WARNING), category=BEHAVIOUR,
                  decided_on=TODAY)  # fmt: skip


def test_86_5_a_conditional_tenancy_states_conditions_ending_after_the_decision():
    base = DecisionContent(sanction=Sanction.CONDITIONAL_TENANCY)
    assert pointers(base) == ["/conditions", "/conditions_end_on"]
    on_the_day = DecisionContent(sanction=Sanction.CONDITIONAL_TENANCY, conditions="Ro efter 22",
                                 conditions_end_on=TODAY)  # fmt: skip
    assert pointers(on_the_day) == ["/conditions_end_on"]
    check_content(DecisionContent(sanction=Sanction.CONDITIONAL_TENANCY, conditions="Ro efter 22",
                                  conditions_end_on=date(2026, 11, 21)),
                  category=BEHAVIOUR, decided_on=TODAY)  # fmt: skip


def test_86_6_sublet_obligations_need_a_deadline_after_the_decision():
    assert pointers(DecisionContent(sublet_obligations=True), CaseCategory.OTHER) == [
        "/sublet_compliance_due"]  # fmt: skip
    assert pointers(DecisionContent(sublet_obligations=True, sublet_compliance_due=TODAY),
                    CaseCategory.OTHER) == ["/sublet_compliance_due"]  # fmt: skip
    check_content(DecisionContent(sublet_obligations=True,
                                  sublet_compliance_due=date(2026, 12, 20)),
                  category=CaseCategory.OTHER, decided_on=TODAY)  # fmt: skip


def test_86_9_an_approved_improvement_belongs_to_improvement_cases():
    content = DecisionContent(improvement_approved=True)
    assert pointers(content, CaseCategory.RENT_LEVEL) == ["/improvement_approved"]
    for category in (CaseCategory.IMPROVEMENTS, CaseCategory.RENT_ACT_19_3):
        check_content(content, category=category, decided_on=TODAY)


class TestGiInformation:
    """§ 84: GI's control notice within the last 3 years (boundary: exactly 3 years)."""

    def content(self, notice, info=None):
        return DecisionContent(maintenance_improvement_split=True, gi_control_notice_on=notice,
                               gi_information=info)  # fmt: skip

    def test_the_3_years_boundary(self):
        category = CaseCategory.IMPROVEMENTS
        assert gi_information_required(self.content(date(2023, 11, 20)), category, TODAY)
        assert not gi_information_required(self.content(date(2023, 11, 19)), category, TODAY)
        assert not gi_information_required(self.content(None), category, TODAY)

    def test_not_in_pre_approval_cases_and_only_when_the_split_is_in_issue(self):
        notice = date(2025, 1, 1)
        assert not gi_information_required(self.content(notice), CaseCategory.RENT_ACT_132_2,
                                           TODAY)  # fmt: skip
        no_split = DecisionContent(gi_control_notice_on=notice)
        assert not gi_information_required(no_split, CaseCategory.IMPROVEMENTS, TODAY)

    def test_the_gate(self):
        assert pointers(self.content(date(2025, 1, 1)), CaseCategory.IMPROVEMENTS) == [
            "/gi_information"]  # fmt: skip
        check_content(self.content(date(2025, 1, 1), "GI's kontrolrapport 2025"),
                      category=CaseCategory.IMPROVEMENTS, decided_on=TODAY)  # fmt: skip


def test_85_5_behaviour_decisions_need_guidance_for_both_sides():
    assert missing_guidance(set()) == ("complainant", "counterpart")
    assert missing_guidance({"complainant"}) == ("counterpart",)
    assert pointers(DecisionContent(), guidance=("counterpart",)) == ["/guidance"]
    # other categories are not held to it
    check_content(DecisionContent(), category=CaseCategory.RENT_LEVEL, decided_on=TODAY,
                  guidance_missing_for=("complainant", "counterpart"))  # fmt: skip


def test_86_5_service_when_the_party_neither_answered_nor_met():
    assert service_required(Sanction.WARNING, reply_lapsed=True, met_before_tribunal=False)
    assert not service_required(Sanction.WARNING, reply_lapsed=True, met_before_tribunal=True)
    assert not service_required(Sanction.WARNING, reply_lapsed=False, met_before_tribunal=False)
    assert not service_required(Sanction.NONE, reply_lapsed=True, met_before_tribunal=False)


def test_86_1_mediation_only_in_behaviour_cases():
    check_mediation(BEHAVIOUR)
    with pytest.raises(NotForThisCategoryError):
        check_mediation(CaseCategory.RENT_LEVEL)


def test_the_record_keeps_dates_as_iso_and_blank_text_as_none():
    record = DecisionContent(sanction=Sanction.CONDITIONAL_TENANCY, conditions=" Ro ",
                             conditions_end_on=date(2027, 1, 1),
                             gi_information=" ").as_record(service_required=True)  # fmt: skip
    assert (record["conditions"], record["conditions_end_on"], record["gi_information"],
            record["service_required"]) == ("Ro", "2027-01-01", None, True)  # fmt: skip
