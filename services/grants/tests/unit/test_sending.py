from decimal import Decimal

from grants.domain.budget import Budget, CostCategory, CostLine, IncomeLine, IncomeSource
from grants.domain.files import type_problem
from grants.domain.forms import answer_errors, merge_answers, missing_fields
from grants.domain.sending import (
    AttachmentKind,
    DepartmentFormCheck,
    SendCheck,
    description_page_problem,
    send_blockers,
)

GOOD_BUDGET = Budget(
    years=4,
    income=(
        IncomeLine(IncomeSource.LBF, Decimal("750000.00")),
        IncomeLine(IncomeSource.MUNICIPALITY, Decimal("250000.00")),
    ),
    costs=(CostLine(CostCategory.STAFF, Decimal("1000000.00")),),
)
COMPLETE = {
    "dwellings": 412,
    "residents": 1010,
    "average_rent_per_m2": "812.50",
    "vacancy_percent": "1.5",
    "turnover_percent": "12",
    "problem_description": "Høj ledighed og mange unge uden uddannelse.",
    "physical_renovation_planned": False,
    "economic_situation": "Stabil.",
}


def check(**overrides: object) -> SendCheck:
    values: dict[str, object] = {
        "forms": [DepartmentFormCheck("d-1", ()), DepartmentFormCheck("d-2", ())],
        "attachment_kinds": {AttachmentKind.RESIDENT_DATA, AttachmentKind.PROJECT_DESCRIPTION},
        "budget": GOOD_BUDGET,
        "recommended": True,
        "organisation_ids": ["o-1", "o-2"],
        "declared_organisations": {"o-1", "o-2"},
    }
    values.update(overrides)
    return SendCheck(**values)  # type: ignore[arg-type]


class TestSendGate:
    def test_complete_application_can_be_sent(self) -> None:
        assert send_blockers(check()) == []

    def test_one_entry_per_missing_item(self) -> None:
        errors = send_blockers(
            check(
                forms=[DepartmentFormCheck("d-1", ("dwellings", "residents"))],
                attachment_kinds=set(),
                budget=None,
                recommended=False,
                declared_organisations={"o-1"},
            )
        )
        assert [(e.code, e.pointer) for e in errors] == [
            ("form-incomplete", "/departments/d-1/answers/dwellings"),
            ("form-incomplete", "/departments/d-1/answers/residents"),
            ("attachment-missing", "/attachments/resident_data"),
            ("attachment-missing", "/attachments/project_description"),
            ("budget-missing", "/budget"),
            ("recommendation-missing", "/recommendation"),
            ("declaration-missing", "/declarations/o-2"),
        ]

    def test_budget_rules_block_sending(self) -> None:
        bad = Budget(years=1, income=(IncomeLine(IncomeSource.LBF, Decimal("10.00")),))
        codes = [e.code for e in send_blockers(check(budget=bad))]
        assert "budget-empty" in codes
        assert "budget-unbalanced" in codes

    def test_project_description_at_most_three_pages(self) -> None:
        assert description_page_problem(3) is None
        assert "4 pages" in (description_page_problem(4) or "")
        assert description_page_problem(0) is not None


class TestForms:
    def test_complete_form_misses_nothing(self) -> None:
        assert missing_fields(COMPLETE) == []

    def test_optional_field_is_not_missing(self) -> None:
        assert "previous_grant" not in missing_fields({})

    def test_missing_in_form_order(self) -> None:
        assert missing_fields({"dwellings": 3})[:2] == ["residents", "average_rent_per_m2"]

    def test_answer_errors(self) -> None:
        errors = answer_errors(
            {
                "dwellings": -1,
                "vacancy_percent": "101",
                "nope": 1,
                "physical_renovation_planned": "ja",
            }
        )
        assert [(e.pointer, e.code) for e in errors] == [
            ("/answers/dwellings", "invalid"),
            ("/answers/vacancy_percent", "invalid"),
            ("/answers/nope", "unknown"),
            ("/answers/physical_renovation_planned", "invalid"),
        ]

    def test_null_clears_an_answer(self) -> None:
        assert merge_answers({"dwellings": 3, "residents": 4}, {"dwellings": None}) == {
            "residents": 4
        }


class TestFiles:
    def test_resident_data_may_be_a_spreadsheet(self) -> None:
        assert type_problem(AttachmentKind.RESIDENT_DATA, b"PK\x03\x04x") is None

    def test_project_description_must_be_pdf_whatever_its_name(self) -> None:
        problem = type_problem(AttachmentKind.PROJECT_DESCRIPTION, b"PK\x03\x04x")
        assert problem is not None
        assert "PDF" in problem

    def test_empty_file(self) -> None:
        assert type_problem(AttachmentKind.OTHER, b"") == "The file is empty."


def test_every_attachment_kind_has_a_danish_label_for_the_case_pdf():
    from grants.services.documents import ATTACHMENT_LABELS

    assert set(ATTACHMENT_LABELS) == set(AttachmentKind)
