"""Quorum, majority and tie-break, the completeness gate, what follows from the outcome."""

from datetime import date

import pytest

from legal_cases.domain.categories import CaseCategory
from legal_cases.domain.decisions import (
    AppealBody,
    Member,
    Outcome,
    Seat,
    appeal_body,
    check_complete,
    rule,
    suggested_appeal_guidance,
    tenant_won_fully,
)
from legal_cases.domain.errors import DecisionIncompleteError, QuorumError
from legal_cases.domain.parties import PartyKind

F, P, C = Outcome.COMPLAINANT_FULLY, Outcome.COMPLAINANT_PARTLY, Outcome.COUNTERPART


def bench(chair, landlord, tenant, *, deputy_chair=False, expert=None):
    members = [
        Member(Seat.CHAIR, "formand", deputy=deputy_chair, vote=chair),
        Member(Seat.LANDLORD_MEMBER, "udlejerrep", vote=landlord),
        Member(Seat.TENANT_MEMBER, "lejerrep", vote=tenant),
    ]
    if expert is not None:
        members.append(Member(Seat.SOCIAL_EXPERT, "socialraadgiver", vote=expert or None))
    return members


class TestQuorumAndMajority:
    def test_unanimous(self):
        assert rule(bench(F, F, F), CaseCategory.RENT_LEVEL).unanimous is True

    def test_two_against_one_is_the_majority_and_not_unanimous(self):
        ruling = rule(bench(C, F, F), CaseCategory.RENT_LEVEL)
        assert (ruling.outcome, ruling.unanimous, ruling.chair_decided_tie) == (F, False, False)

    def test_three_different_votes_the_chair_breaks_the_tie(self):
        ruling = rule(bench(P, C, F), CaseCategory.RENT_LEVEL)
        assert (ruling.outcome, ruling.unanimous, ruling.chair_decided_tie) == (P, False, True)

    def test_a_deputy_may_sit_in_the_chair(self):
        assert rule(bench(F, F, F, deputy_chair=True), CaseCategory.RENT_LEVEL).outcome is F

    def test_a_missing_member_means_no_quorum(self):
        members = bench(F, F, F)[:2]
        with pytest.raises(QuorumError) as caught:
            rule(members, CaseCategory.RENT_LEVEL)
        assert [e.code for e in caught.value.errors] == ["seat-count"]

    def test_a_member_who_does_not_vote_means_no_quorum(self):
        with pytest.raises(QuorumError) as caught:
            rule(bench(F, None, F), CaseCategory.RENT_LEVEL)
        assert [(e.pointer, e.code) for e in caught.value.errors] == [
            ("/members/1/vote", "vote-missing")
        ]

    def test_two_chairs_are_refused(self):
        members = [*bench(F, F, F), Member(Seat.CHAIR, "anden", vote=F)]
        with pytest.raises(QuorumError):
            rule(members, CaseCategory.RENT_LEVEL)

    def test_one_person_cannot_sit_twice(self):
        members = bench(F, F, F)
        members[2] = Member(Seat.TENANT_MEMBER, "formand", vote=F)
        with pytest.raises(QuorumError, match="not lawfully") as caught:
            rule(members, CaseCategory.RENT_LEVEL)
        assert caught.value.errors[0].code == "member-twice"

    def test_behaviour_cases_need_the_social_expert_without_a_vote(self):
        with pytest.raises(QuorumError) as missing:
            rule(bench(F, F, F), CaseCategory.BEHAVIOUR)
        assert missing.value.errors[0].code == "social-expert-missing"
        with pytest.raises(QuorumError) as voting:
            rule(bench(F, F, F, expert=C), CaseCategory.BEHAVIOUR)
        assert voting.value.errors[0].code == "no-vote"
        assert rule(bench(F, C, F, expert=False), CaseCategory.BEHAVIOUR).outcome is F

    def test_a_social_expert_does_not_sit_in_other_cases(self):
        with pytest.raises(QuorumError):
            rule(bench(F, F, F, expert=False), CaseCategory.RENT_LEVEL)


COMPLETE = {
    "reasons": "Lejen overstiger den lejeværdi, nævnet har fastsat.",
    "appeal_guidance": "Afgørelsen kan indbringes for boligretten inden 4 uger.",
    "unanimous": True,
    "dissent_reasons": None,
    "silence_read_in_favour": False,
    "reply_lapsed": False,
}


class TestCompletenessGate:
    def test_a_complete_decision_passes(self):
        check_complete(**COMPLETE)

    @pytest.mark.parametrize("field", ["reasons", "appeal_guidance"])
    @pytest.mark.parametrize("value", [None, "", "   "])
    def test_no_decision_without_reasons_or_appeal_guidance(self, field, value):
        with pytest.raises(DecisionIncompleteError) as caught:
            check_complete(**{**COMPLETE, field: value})
        assert [e.pointer for e in caught.value.errors] == [f"/{field}"]

    def test_a_split_decision_needs_the_reasons_of_the_dissent(self):
        with pytest.raises(DecisionIncompleteError) as caught:
            check_complete(**{**COMPLETE, "unanimous": False})
        assert [e.pointer for e in caught.value.errors] == ["/dissent_reasons"]
        check_complete(**{**COMPLETE, "unanimous": False, "dissent_reasons": "Mindretal: …"})

    def test_silence_may_be_read_in_favour_only_after_a_lapsed_reply(self):
        with pytest.raises(DecisionIncompleteError):
            check_complete(**{**COMPLETE, "silence_read_in_favour": True})
        check_complete(**{**COMPLETE, "silence_read_in_favour": True, "reply_lapsed": True})


class TestConsequences:
    def test_copenhagen_goes_to_the_appeal_board_except_behaviour_cases(self):
        assert appeal_body("101", CaseCategory.RENT_LEVEL) is AppealBody.APPEAL_BOARD
        assert appeal_body("101", CaseCategory.BEHAVIOUR) is AppealBody.HOUSING_COURT
        assert appeal_body("147", CaseCategory.RENT_LEVEL) is AppealBody.HOUSING_COURT

    @pytest.mark.parametrize(
        ("outcome", "complainant", "counterpart", "landlord_pays"),
        [
            (F, PartyKind.TENANT, PartyKind.LANDLORD, True),
            (P, PartyKind.TENANT, PartyKind.LANDLORD, False),
            (C, PartyKind.TENANT, PartyKind.LANDLORD, False),
            (F, PartyKind.LANDLORD, PartyKind.TENANT, False),
            (C, PartyKind.LANDLORD, PartyKind.TENANT, True),
            (F, PartyKind.MUNICIPALITY, PartyKind.LANDLORD, True),
            (F, PartyKind.RESIDENTS_REPRESENTATION, PartyKind.LANDLORD, True),
        ],
    )
    def test_the_landlord_pays_when_the_tenant_wins_fully(
        self, outcome, complainant, counterpart, landlord_pays
    ):
        assert tenant_won_fully(outcome, complainant, counterpart) is landlord_pays

    def test_the_suggested_guidance_names_the_body_and_the_date(self):
        text = suggested_appeal_guidance(AppealBody.APPEAL_BOARD, date(2027, 1, 11))
        assert "ankenævnet" in text
        assert "11. januar 2027" in text
        assert "boligretten" in suggested_appeal_guidance(
            AppealBody.HOUSING_COURT, date(2027, 1, 11)
        )
