"""The register's validation rules, as pure functions (register.domain.rules)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from register.domain import rules
from register.domain.records import (
    Department,
    DepartmentRentStatistics,
    Dwelling,
    ExistingLease,
    HousingExpense,
    Lease,
    LeaseContext,
    LeaseStatus,
    Organisation,
    Severity,
    rent_as_of,
)

TODAY = date(2026, 11, 24)


def base_rent(amount: str, start: date, end: date | None = None) -> HousingExpense:
    return HousingExpense("base_rent", Decimal(amount), start, end)


def a_lease(**changes: Any) -> Lease:
    values: dict[str, Any] = {
        "id": "lk-1",
        "dwelling_id": "bol-1",
        "external_reference": "ERP-1",
        "start_date": date(2026, 12, 1),
        "allocation_type": "municipal_allocation",
        "expenses": (base_rent("5000.00", date(2026, 12, 1)),),
    }
    return Lease(**{**values, **changes})


def other_lease(lease_id: str, start: date, end: date | None, **changes: Any) -> ExistingLease:
    values: dict[str, Any] = {
        "id": lease_id,
        "start_date": start,
        "end_date": end,
        "vacancy_loss_flag": False,
        "vacant_soon_flag": False,
        "status": LeaseStatus.ACCEPTED,
    }
    return ExistingLease(**{**values, **changes})


def codes(findings: list[rules.Finding]) -> set[str]:
    return {f.code for f in findings}


def context(**changes: Any) -> LeaseContext:
    return LeaseContext(**{"dwelling_area_m2": Decimal("70.00"), **changes})


class TestMandatoryFields:
    def test_missing_and_blank_fields_are_errors(self) -> None:
        findings = rules.missing_fields([("A", None), ("B", "  "), ("C", "x"), ("D", 0)])
        assert [f.path for f in findings] == [("A",), ("B",)]
        assert all(f.severity is Severity.ERROR for f in findings)

    def test_a_lease_without_external_reference_or_rent_is_incomplete(self) -> None:
        findings = rules.check_lease(a_lease(external_reference=None, expenses=()), context())
        assert codes(findings) == {"missing-field", "missing-rent"}

    def test_a_draft_skips_completeness(self) -> None:
        draft = a_lease(external_reference=None, expenses=(), draft=True)
        assert rules.check_lease(draft, context()) == []

    def test_a_draft_needs_only_its_dwelling(self) -> None:
        """Issue 12, item 8: drafts are documented to skip completeness, yet required the start
        date and allocation type; only the dwelling (whose draft it is) stays mandatory."""
        draft = a_lease(
            draft=True, start_date=None, allocation_type=None, external_reference=None, expenses=()
        )
        assert rules.check_lease(draft, context()) == []
        orphan = a_lease(draft=True, dwelling_id=None, start_date=None)
        assert {(f.path, f.code) for f in rules.check_lease(orphan, context())} == {
            (("BoligUnikIdentifikator",), "missing-field")
        }

    def test_a_draft_is_still_checked_for_what_it_carries(self) -> None:
        draft = a_lease(draft=True, start_date=None, allocation_type="lottery")
        assert {(f.path, f.code) for f in rules.check_lease(draft, context())} == {
            (("AnvisningstypeKode",), "unknown-allocation-type")
        }

    def test_a_lease_of_the_register_needs_every_mandatory_field(self) -> None:
        lease = a_lease(start_date=None, allocation_type=None, external_reference=None)
        assert {
            f.path for f in rules.check_lease(lease, context()) if f.code == "missing-field"
        } == {
            ("LejekontraktStartDato",),
            ("AnvisningstypeKode",),
            ("EksternReference",),
        }
        assert rules.LEASE_MANDATORY == (
            "BoligUnikIdentifikator",
            "LejekontraktStartDato",
            "AnvisningstypeKode",
            "EksternReference",
        )


class TestCodesAndNumbers:
    def test_cvr_is_checked_with_mod_11(self) -> None:
        assert rules.invalid_cvr("10000009") == []
        assert codes(rules.invalid_cvr("10000008")) == {"invalid-cvr"}
        assert codes(rules.invalid_cvr("1234")) == {"invalid-cvr"}

    def test_municipality_must_be_one_of_the_98(self) -> None:
        assert rules.unknown_municipality("101", ("KommuneKode",)) == []
        assert codes(rules.unknown_municipality("411", ("KommuneKode",))) == {
            "unknown-municipality"
        }

    def test_allocation_type_must_be_one_of_the_nine(self) -> None:
        assert rules.unknown_allocation_type("exchange") == []
        assert codes(rules.unknown_allocation_type("lottery")) == {"unknown-allocation-type"}

    def test_negative_amounts_are_errors(self) -> None:
        assert codes(rules.negative_amount(Decimal("-0.01"), ("Depositum",))) == {"negative-amount"}
        assert rules.negative_amount(Decimal("0.00"), ("Depositum",)) == []

    def test_an_organisation_is_checked_as_a_whole(self) -> None:
        organisation = Organisation("org-1", cvr="1", name="X", home_municipality_code="999")
        assert codes(rules.check_organisation(organisation)) == {
            "invalid-cvr",
            "unknown-municipality",
        }

    def test_a_department_needs_known_codes_and_a_plausible_year(self) -> None:
        department = Department("afd-1", "org-1", "Afd", "101", "student", 1200, "skyscraper")
        assert codes(rules.check_department(department, TODAY)) == {
            "unknown-housing-type",
            "unknown-building-type",
            "invalid-construction-year",
        }


class TestPeriods:
    def test_end_before_start_is_an_error_on_the_end_date(self) -> None:
        lease = a_lease(end_date=date(2026, 11, 30))
        [finding] = rules.errors_of(rules.check_lease(lease, context()))
        assert (finding.path, finding.code) == (("LejekontraktSlutDato",), "end-before-start")

    def test_a_one_day_lease_is_fine(self) -> None:
        assert rules.check_lease(a_lease(end_date=date(2026, 12, 1)), context()) == []

    def test_overlapping_leases_of_one_dwelling_are_rejected(self) -> None:
        others = [other_lease("lk-0", date(2026, 1, 1), date(2026, 12, 1))]
        assert codes(rules.overlapping_leases(a_lease(), others)) == {"overlapping-lease"}

    def test_consecutive_leases_do_not_overlap(self) -> None:
        others = [other_lease("lk-0", date(2026, 1, 1), date(2026, 11, 30))]
        assert rules.overlapping_leases(a_lease(), others) == []

    def test_drafts_of_the_dwelling_do_not_count(self) -> None:
        others = [other_lease("lk-0", date(2026, 1, 1), None, status=LeaseStatus.DRAFT)]
        assert rules.overlapping_leases(a_lease(), others) == []

    def test_overlapping_expenses_of_one_type_are_rejected(self) -> None:
        expense = base_rent("100.00", date(2027, 1, 1))
        others = [base_rent("90.00", date(2026, 1, 1))]
        assert codes(rules.check_expense(expense, others)) == {"overlapping-expense"}
        ended = [base_rent("90.00", date(2026, 1, 1), date(2026, 12, 31))]
        assert rules.check_expense(expense, ended) == []


class TestRentChangeInOneUpdate:
    """The most frequent ERP update: the base rent line ended and the new one added in the same
    lease update (issue 12, item 6) — checked against the ended line, whatever the order."""

    stored = (base_rent("5000.00", date(2026, 12, 1)),)
    ended = base_rent("5000.00", date(2026, 12, 1), date(2027, 6, 30))
    new = base_rent("5200.00", date(2027, 7, 1))

    @pytest.mark.parametrize("order", ["ended first", "new first"])
    def test_ending_the_old_line_and_adding_the_new_one_is_accepted(self, order: str) -> None:
        lines = (self.ended, self.new) if order == "ended first" else (self.new, self.ended)
        lease = a_lease(expenses=lines)
        assert rules.errors_of(rules.check_lease(lease, context(stored_expenses=self.stored))) == []

    @pytest.mark.parametrize("order", ["stored line", "new first"])
    def test_a_new_line_overlapping_a_line_left_open_is_still_rejected(self, order: str) -> None:
        lines = (self.new,) if order == "stored line" else (self.new, self.stored[0])
        lease = a_lease(expenses=lines)
        findings = rules.errors_of(rules.check_lease(lease, context(stored_expenses=self.stored)))
        assert [(f.path, f.code) for f in findings] == [
            (("Boligudgifter", len(lines) - 1, "BoligudgiftStartDato"), "overlapping-expense")
        ]

    def test_two_submitted_lines_overlapping_each_other_are_reported_once(self) -> None:
        lease = a_lease(expenses=(self.stored[0], base_rent("5100.00", date(2027, 1, 1))))
        findings = rules.errors_of(rules.check_lease(lease, context()))
        assert [(f.path, f.code) for f in findings] == [
            (("Boligudgifter", 1, "BoligudgiftStartDato"), "overlapping-expense")
        ]


class TestVacancyFlags:
    def test_both_flags_on_one_lease_are_rejected(self) -> None:
        lease = a_lease(vacancy_loss_flag=True, vacant_soon_flag=True)
        assert codes(rules.both_vacancy_flags(lease)) == {"both-vacancy-flags"}

    def test_one_flag_is_fine(self) -> None:
        assert rules.both_vacancy_flags(a_lease(vacancy_loss_flag=True)) == []

    def test_flags_on_two_overlapping_leases_are_rejected(self) -> None:
        others = [other_lease("lk-0", date(2026, 6, 1), None, vacant_soon_flag=True)]
        lease = a_lease(vacancy_loss_flag=True)
        assert codes(rules.vacancy_flags_across_leases(lease, others)) == {"both-vacancy-flags"}

    def test_flags_on_two_consecutive_leases_are_fine(self) -> None:
        others = [other_lease("lk-0", date(2026, 6, 1), date(2026, 11, 30), vacant_soon_flag=True)]
        lease = a_lease(vacancy_loss_flag=True)
        assert rules.vacancy_flags_across_leases(lease, others) == []


class TestPlausibility:
    """Warnings hold a record until its submitter confirms it."""

    def test_rent_per_m2_outside_half_to_twice_the_department_median_is_a_warning(self) -> None:
        statistics = DepartmentRentStatistics(lease_count=5, median_rent_per_m2=Decimal("80"))
        area = Decimal("70")
        inside = rules.rent_per_m2_outside_department_range(Decimal("5600"), area, statistics)
        low_edge = rules.rent_per_m2_outside_department_range(Decimal("2800"), area, statistics)
        too_low = rules.rent_per_m2_outside_department_range(Decimal("2799"), area, statistics)
        too_high = rules.rent_per_m2_outside_department_range(Decimal("11201"), area, statistics)
        assert inside == low_edge == []
        assert codes(too_low) == codes(too_high) == {"rent-per-m2-outside-department-range"}
        assert too_high[0].severity is Severity.WARNING

    def test_rent_range_needs_five_accepted_leases_in_the_department(self) -> None:
        statistics = DepartmentRentStatistics(lease_count=4, median_rent_per_m2=Decimal("80"))
        assert (
            rules.rent_per_m2_outside_department_range(Decimal("99999"), Decimal("70"), statistics)
            == []
        )

    def test_area_under_10_or_over_300_is_a_warning(self) -> None:
        path = ("BoligArealKvadratmeter",)
        assert rules.area_out_of_range(Decimal("10"), path) == []
        assert rules.area_out_of_range(Decimal("300"), path) == []
        assert codes(rules.area_out_of_range(Decimal("9.99"), path)) == {"implausible-area"}
        assert codes(rules.area_out_of_range(Decimal("300.01"), path)) == {"implausible-area"}

    def test_a_dwelling_with_an_implausible_area_gets_a_warning_only(self) -> None:
        dwelling = Dwelling(
            "bol-1", "afd-1", None, None, "Vej", "1", None, None, "2700", "By", 2,
            Decimal("400"),
        )  # fmt: skip
        findings = rules.check_dwelling(dwelling)
        assert [(f.severity, f.code) for f in findings] == [(Severity.WARNING, "implausible-area")]

    def test_rent_change_over_30_percent_between_consecutive_leases_is_a_warning(self) -> None:
        previous = other_lease(
            "lk-0",
            date(2025, 1, 1),
            date(2026, 11, 30),
            expenses=(base_rent("4000.00", date(2025, 1, 1)),),
        )
        assert rules.rent_jump_between_leases(a_lease(), Decimal("5200.00"), [previous]) == []
        jump = rules.rent_jump_between_leases(a_lease(), Decimal("5201.00"), [previous])
        drop = rules.rent_jump_between_leases(a_lease(), Decimal("2799.00"), [previous])
        assert codes(jump) == codes(drop) == {"rent-jump-between-leases"}

    def test_the_rent_jump_compares_with_the_last_accepted_lease_before(self) -> None:
        older = other_lease(
            "lk-old", date(2020, 1, 1), date(2024, 12, 31),
            expenses=(base_rent("1000.00", date(2020, 1, 1)),),
        )  # fmt: skip
        latest = other_lease(
            "lk-0", date(2025, 1, 1), date(2026, 11, 30),
            expenses=(base_rent("5000.00", date(2025, 1, 1)),),
        )  # fmt: skip
        assert rules.previous_lease(a_lease(), [older, latest]) == latest

    def test_a_draft_gets_no_warnings(self) -> None:
        statistics = DepartmentRentStatistics(lease_count=9, median_rent_per_m2=Decimal("1"))
        draft = a_lease(draft=True)
        assert rules.check_lease(draft, context(department_rent=statistics)) == []

    def test_warnings_are_only_given_to_records_without_errors(self) -> None:
        statistics = DepartmentRentStatistics(lease_count=9, median_rent_per_m2=Decimal("1"))
        lease = a_lease(external_reference=None)
        findings = rules.check_lease(lease, context(department_rent=statistics))
        assert rules.warnings_of(findings) == []


class TestRent:
    def test_rent_is_the_rent_forming_expenses_valid_that_day(self) -> None:
        expenses = [
            base_rent("5000.00", date(2026, 1, 1), date(2026, 12, 31)),
            base_rent("5200.00", date(2027, 1, 1)),
            HousingExpense("improvement_surcharge", Decimal("300.00"), date(2026, 6, 1)),
            HousingExpense("heating", Decimal("700.00"), date(2026, 1, 1)),
        ]
        assert rent_as_of(expenses, date(2026, 5, 31)) == Decimal("5000.00")
        assert rent_as_of(expenses, date(2026, 12, 31)) == Decimal("5300.00")
        assert rent_as_of(expenses, date(2027, 1, 1)) == Decimal("5500.00")


class TestRentChangedApartFromTheLease:
    """Issue 12, item 9: an expense reported on its own is checked for plausibility too."""

    START = date(2026, 12, 1)
    BEFORE = (base_rent("5000.00", START),)
    # median 70 DKK/m², 10 leases: 35-140 DKK/m² a month is plausible (70 m²: 2,450-9,800)
    DEPARTMENT = DepartmentRentStatistics(10, Decimal("70"))

    def test_a_later_rent_outside_the_department_range_is_a_warning(self) -> None:
        after = (
            base_rent("5000.00", self.START, date(2027, 12, 31)),
            base_rent("12000.00", date(2028, 1, 1)),
        )
        findings = rules.rent_change_plausibility(
            a_lease(), self.BEFORE, after, context(department_rent=self.DEPARTMENT),
            date(2028, 1, 1),
        )  # fmt: skip
        assert [(f.severity, f.path, f.code) for f in findings] == [
            (Severity.WARNING, ("BoligudgiftBeloeb",), "rent-per-m2-outside-department-range")
        ]

    def test_a_plausible_change_is_quiet(self) -> None:
        after = (*self.BEFORE, HousingExpense("improvement_surcharge", Decimal("100"), self.START))
        previous = other_lease(
            "lk-0",
            date(2020, 1, 1),
            date(2026, 11, 30),
            expenses=(base_rent("4900", date(2020, 1, 1)),),
        )
        assert rules.rent_change_plausibility(
            a_lease(), self.BEFORE, after,
            context(department_rent=self.DEPARTMENT, other_leases=[previous]), self.START,
        ) == []  # fmt: skip

    def test_moving_the_initial_rent_is_checked_against_the_previous_lease(self) -> None:
        previous = other_lease(
            "lk-0",
            date(2020, 1, 1),
            date(2026, 11, 30),
            expenses=(base_rent("5000", date(2020, 1, 1)),),
        )
        after = (*self.BEFORE, HousingExpense("renewal_surcharge", Decimal("2000"), self.START))
        findings = rules.rent_change_plausibility(
            a_lease(), self.BEFORE, after, context(other_leases=[previous]), self.START
        )
        assert codes(findings) == {"rent-jump-between-leases"}
        # A change after the start leaves the initial rent, so no jump is looked for.
        later = (
            *self.BEFORE,
            HousingExpense("renewal_surcharge", Decimal("2000"), date(2027, 6, 1)),
        )
        assert (
            rules.rent_change_plausibility(
                a_lease(), self.BEFORE, later, context(other_leases=[previous]), date(2027, 6, 1)
            )
            == []
        )

    def test_drafts_and_changes_after_the_lease_are_not_checked(self) -> None:
        after = (base_rent("99999.00", self.START),)
        ctx = context(department_rent=self.DEPARTMENT)
        assert (
            rules.rent_change_plausibility(a_lease(draft=True), self.BEFORE, after, ctx, self.START)
            == []
        )
        ended = a_lease(end_date=date(2027, 1, 31))
        assert (
            rules.rent_change_plausibility(ended, self.BEFORE, after, ctx, date(2027, 3, 1)) == []
        )
