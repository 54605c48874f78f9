import pytest

from common.errors import RuleViolationError
from grants.domain.errors import TransitionNotAllowedError
from grants.domain.lifecycle import Action, Status, is_final, transition
from grants.domain.transfer import (
    TransferCase,
    departments_to_transfer,
    not_covered,
    refusal_blocker,
)

CALC = {"transferred_to_disposition_fund": ["d-2", "d-3"], "departments": []}


def case(deps: tuple[str, ...], status: Status = Status.TRANSFERRED, id_: str = "t-1"):
    return TransferCase(id_, deps, status)


class TestOperatingSupportLifecycle:
    def test_transferred_is_decided_either_way_and_then_final(self) -> None:
        assert transition(Status.TRANSFERRED, Action.GRANT_OPERATING_SUPPORT) is (
            Status.OPERATING_SUPPORT_GRANTED
        )
        assert transition(Status.TRANSFERRED, Action.REFUSE_OPERATING_SUPPORT) is (
            Status.OPERATING_SUPPORT_REFUSED
        )
        assert not is_final(Status.TRANSFERRED)
        assert is_final(Status.OPERATING_SUPPORT_GRANTED)
        assert is_final(Status.OPERATING_SUPPORT_REFUSED)

    @pytest.mark.parametrize("status", [s for s in Status if s is not Status.TRANSFERRED])
    def test_only_a_transferred_case_is_decided(self, status: Status) -> None:
        with pytest.raises(TransitionNotAllowedError, match="'transferred'"):
            transition(status, Action.GRANT_OPERATING_SUPPORT)


class TestDepartmentsToTransfer:
    def test_the_uncovered_departments_not_yet_transferred(self) -> None:
        assert departments_to_transfer("rent_support", Status.UNDER_ASSESSMENT, CALC, []) == [
            "d-2",
            "d-3",
        ]
        assert departments_to_transfer(
            "rent_support", Status.PREQUALIFIED, CALC, [case(("d-2",))]
        ) == ["d-3"]

    def test_nothing_left(self) -> None:
        with pytest.raises(RuleViolationError, match="No department is left"):
            departments_to_transfer(
                "rent_support", Status.UNDER_ASSESSMENT, CALC, [case(("d-2", "d-3"))]
            )
        with pytest.raises(RuleViolationError, match="No department is left"):
            departments_to_transfer(
                "rent_support",
                Status.UNDER_ASSESSMENT,
                {"transferred_to_disposition_fund": []},
                [],
            )

    def test_without_a_calculation(self) -> None:
        with pytest.raises(RuleViolationError, match="Calculate the rent model first"):
            departments_to_transfer("rent_support", Status.UNDER_ASSESSMENT, None, [])

    @pytest.mark.parametrize(
        "status",
        [s for s in Status if s not in (Status.UNDER_ASSESSMENT, Status.PREQUALIFIED)],
    )
    def test_only_under_assessment_or_prequalified(self, status: Status) -> None:
        with pytest.raises(TransitionNotAllowedError, match=f"'{status.value}'"):
            departments_to_transfer("rent_support", status, CALC, [])

    def test_only_rent_support(self) -> None:
        with pytest.raises(TransitionNotAllowedError, match="Only a rent-support case"):
            departments_to_transfer("social_effort", Status.UNDER_ASSESSMENT, CALC, [])


class TestRefusalBlocker:
    def test_a_social_effort_case_is_never_blocked(self) -> None:
        assert refusal_blocker("social_effort", None, []) is None

    def test_rent_support_needs_the_calculation(self) -> None:
        assert "calculate it first" in (refusal_blocker("rent_support", None, []) or "")

    def test_all_covered_may_be_refused(self) -> None:
        assert refusal_blocker("rent_support", {"transferred_to_disposition_fund": []}, []) is None

    def test_untransferred_departments_are_named(self) -> None:
        blocker = refusal_blocker(
            "rent_support", CALC, [case(("d-2",), Status.OPERATING_SUPPORT_REFUSED)]
        )
        assert blocker is not None
        assert blocker.startswith("Departments d-3 are not covered")

    def test_an_undecided_transfer_blocks_and_a_decided_one_does_not(self) -> None:
        pending = [
            case(("d-2",), Status.OPERATING_SUPPORT_GRANTED, "t-1"),
            case(("d-3",), id_="t-2"),
        ]
        blocker = refusal_blocker("rent_support", CALC, pending)
        assert blocker is not None
        assert "case(s) t-2;" in blocker
        decided = [
            case(("d-2",), Status.OPERATING_SUPPORT_GRANTED, "t-1"),
            case(("d-3",), Status.OPERATING_SUPPORT_REFUSED, "t-2"),
        ]
        assert refusal_blocker("rent_support", CALC, decided) is None

    def test_not_covered_reads_the_stored_calculation(self) -> None:
        assert not_covered(None) == []
        assert not_covered({}) == []
        assert not_covered(CALC) == ["d-2", "d-3"]
