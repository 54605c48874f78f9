from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from grants.domain.rent_model import Adjustment, DepartmentInput, Residents, calculate

D = Decimal


def department(rent: str = "1000.00", comparable: str = "800.00", **adjust: str) -> DepartmentInput:
    return DepartmentInput(
        department_id="d-1",
        rent_per_m2=D(rent),
        comparable_rent_per_m2=D(comparable),
        dwellings=412,
        average_dwelling_size=D("75.00"),
        adjustments={Adjustment(k): D(v) for k, v in adjust.items()},
    )


class TestRentModel:
    def test_the_calculation_step_by_step(self) -> None:
        result = calculate(
            department(renovation_need="50", accounts="-10", local_competition="20"), D("25.00")
        )
        assert result.covered
        assert not result.transfer_to_disposition_fund
        assert [(s.code, s.value) for s in result.steps] == [
            ("rent", D("1000.00")),
            ("resident_composition", None),
            ("comparable", D("800.00")),
            ("renovation_need", D("50.00")),
            ("accounts", D("-10.00")),
            ("attractiveness", D("0.00")),
            ("local_competition", D("20.00")),
            ("target", D("860.00")),
            ("excess", D("140.00")),
            ("minimum", D("25.00")),
            ("area", D("30900.00")),
            ("need", D("4326000.00")),
            ("own_contribution", D("1081500.00")),
            ("support", D("3244500.00")),
            ("base_amount", D("2625.00")),
            ("area_amount", D("70.00")),
        ]
        assert (result.yearly_need, result.own_contribution, result.support) == (
            D("4326000.00"),
            D("1081500.00"),
            D("3244500.00"),
        )

    def test_below_the_minimum_need_goes_to_the_national_disposition_fund(self) -> None:
        result = calculate(department(rent="824.99"), D("25.00"))
        assert not result.covered
        assert result.transfer_to_disposition_fund
        assert result.support == D("0.00")
        assert "landsdispositionsfonden" in result.steps[-2].explanation
        assert result.refusal_reason == (
            "Ikke omfattet af huslejestøtte: merlejen på 24.99 kr./m²/år er under "
            "minimumsstøttebehovet på 25.00 kr./m²/år. Afdelingen overføres til "
            "landsdispositionsfonden som almindelig driftsstøttesag inden evt. endeligt afslag."
        )
        assert result.steps[-2].explanation == result.refusal_reason

    def test_exactly_the_minimum_need_is_covered(self) -> None:
        assert calculate(department(rent="825.00"), D("25.00")).covered

    def test_an_addition_to_the_target_rent_can_remove_the_need(self) -> None:
        # 1000 − (800 + 190) = 10 < 25
        assert not calculate(department(attractiveness="190"), D("25.00")).covered

    def test_a_deduction_from_the_target_rent_raises_the_need(self) -> None:
        result = calculate(department(attractiveness="-100"), D("25.00"))
        assert result.steps[8].value == D("300.00")  # 1000 − (800 − 100)

    @given(
        excess=st.decimals(D("25.00"), D("2000.00"), places=2),
        dwellings=st.integers(1, 2000),
        size=st.decimals(D("20.00"), D("150.00"), places=2),
    )
    def test_support_is_75_percent_and_split_a_third_and_two_thirds(
        self, excess: Decimal, dwellings: int, size: Decimal
    ) -> None:
        result = calculate(
            DepartmentInput("d", D("800.00") + excess, D("800.00"), dwellings, size, {}),
            D("25.00"),
        )
        assert result.covered
        assert result.own_contribution + result.support == result.yearly_need
        assert abs(result.own_contribution - result.yearly_need / 4) <= D("0.005")
        area = (dwellings * size).quantize(D("0.01"))
        base_total = result.base_amount_per_dwelling * dwellings
        area_total = result.area_amount_per_m2 * area
        # the per-dwelling and per-m² amounts are rounded to øre
        assert abs(base_total + area_total - result.support) <= D("0.005") * (dwellings + area)
        assert abs(base_total - result.support / 3) <= D("0.005") * dwellings + D("0.01")


def residents(comparable: str | None, share: str | None = "31.25", size: int = 14) -> Residents:
    return Residents(
        band_label="25 % eller flere kommunalt anviste genudlejninger",
        municipal_allocation_share=None if share is None else D(share),
        comparable_rent_per_m2=None if comparable is None else D(comparable),
        group_size=size,
        group_label="sammenlignelige afdelinger",
    )


class TestResidentComposition:
    def test_the_band_narrowed_average_is_the_comparable_department(self) -> None:
        d = department()
        narrowed = DepartmentInput(
            d.department_id, d.rent_per_m2, d.comparable_rent_per_m2, d.dwellings,
            d.average_dwelling_size, {}, residents("900.00"),
        )  # fmt: skip
        result = calculate(narrowed, D("25.00"))
        by_code = {s.code: s for s in result.steps}
        assert by_code["resident_composition"].value == D("31.3")
        assert by_code["resident_composition"].explanation == (
            "25 % eller flere kommunalt anviste genudlejninger; sammenlignes med 14 afdelinger "
            "med samme beboersammensætning."
        )
        assert by_code["comparable"].value == D("900.00")
        assert "og tilsvarende beboersammensætning" in by_code["comparable"].explanation
        assert by_code["excess"].value == D("100.00")  # 1000 − 900, not 1000 − 800

    def test_too_small_a_band_group_falls_back_to_the_group_and_says_so(self) -> None:
        d = department()
        small = DepartmentInput(
            d.department_id, d.rent_per_m2, d.comparable_rent_per_m2, d.dwellings,
            d.average_dwelling_size, {}, residents(None, size=2),
        )  # fmt: skip
        by_code = {s.code: s for s in calculate(small, D("25.00")).steps}
        assert by_code["comparable"].value == D("800.00")
        assert by_code["comparable"].explanation.endswith("uden beboersammensætning.")
        assert "kun 2 sammenlignelige afdelinger" in by_code["resident_composition"].explanation

    def test_no_relettings_means_no_band(self) -> None:
        d = department()
        none = DepartmentInput(
            d.department_id, d.rent_per_m2, d.comparable_rent_per_m2, d.dwellings,
            d.average_dwelling_size, {}, residents(None, share=None, size=0),
        )  # fmt: skip
        by_code = {s.code: s for s in calculate(none, D("25.00")).steps}
        assert by_code["resident_composition"].value is None
        assert "ingen genudlejninger" in by_code["resident_composition"].explanation
        assert by_code["comparable"].value == D("800.00")
