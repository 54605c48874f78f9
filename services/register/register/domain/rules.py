"""Validation rules of the register: pure functions from records (and the facts the service
layer loaded about the register) to findings. No framework, no database.

Two kinds of findings:

* **errors** reject the record (missing mandatory fields, codes outside the code lists, an
  invalid CVR number, negative amounts, impossible periods, both vacancy flags on one dwelling
  at the same time, overlapping leases of one dwelling);
* **warnings** are LBF's plausibility checks (sandsynlighedsvalideringer): the record is held
  until the submitter confirms that it is right.

Plausibility thresholds (documented in docs/glossary.md):

* rent per m² outside ``[0.5 ×, 2 ×]`` the department's median rent per m² of its accepted
  leases (each lease's rent at its start date), checked only when the department has at least
  5 such leases;
* dwelling area under 10 m² or over 300 m² (on the dwelling record);
* initial rent of a lease more than 30 % above or below the rent of the dwelling's previous
  lease (at that lease's end).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from stdnum.dk import cvr as cvr_number
from stdnum.exceptions import ValidationError as StdnumValidationError

from common.municipalities import MUNICIPALITIES
from register.domain.codes import AllocationType, BuildingType, HousingType
from register.domain.records import (
    EXPENSE_TYPES,
    BuildingSection,
    Department,
    DepartmentRentStatistics,
    Dwelling,
    ExistingLease,
    FieldPath,
    Finding,
    HousingExpense,
    Lease,
    LeaseContext,
    LeaseStatus,
    Organisation,
    Severity,
    merge_expenses,
    periods_overlap,
    rent_as_of,
)

RENT_PER_M2_LOW_FACTOR: Final = Decimal("0.5")
RENT_PER_M2_HIGH_FACTOR: Final = Decimal("2")
MIN_LEASES_FOR_RENT_RANGE: Final = 5
MIN_PLAUSIBLE_AREA_M2: Final = Decimal("10")
MAX_PLAUSIBLE_AREA_M2: Final = Decimal("300")
MAX_RENT_CHANGE_BETWEEN_LEASES: Final = Decimal("0.30")
EARLIEST_CONSTRUCTION_YEAR: Final = 1600
CONSTRUCTION_YEARS_AHEAD: Final = 10  # departments are reported while being built
MAX_ROOMS: Final = 99

_ALLOCATION_TYPES: Final = frozenset(t.value for t in AllocationType)
_HOUSING_TYPES: Final = frozenset(t.value for t in HousingType)
_BUILDING_TYPES: Final = frozenset(t.value for t in BuildingType)


def _error(path: FieldPath, code: str, detail: str) -> Finding:
    return Finding(Severity.ERROR, path, code, detail)


def _warning(path: FieldPath, code: str, detail: str) -> Finding:
    return Finding(Severity.WARNING, path, code, detail)


def errors_of(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def warnings_of(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.WARNING]


# --- single rules ------------------------------------------------------------------------------


def missing_fields(values: Iterable[tuple[str, object]]) -> list[Finding]:
    """Mandatory fields: a submission missing them is refused (seed 000)."""
    return [
        _error((name,), "missing-field", f"{name} is mandatory.")
        for name, value in values
        if value is None or (isinstance(value, str) and not value.strip())
    ]


def invalid_cvr(cvr: str | None, path: FieldPath = ("CVRNummer",)) -> list[Finding]:
    if cvr is None:
        return []
    try:
        cvr_number.validate(cvr)
    except StdnumValidationError:
        return [
            _error(path, "invalid-cvr", f"'{cvr}' is not a valid CVR number (8 digits, mod 11).")
        ]
    return []


def unknown_municipality(code: str | None, path: FieldPath) -> list[Finding]:
    if code is None or code in MUNICIPALITIES:
        return []
    return [
        _error(
            path,
            "unknown-municipality",
            f"'{code}' is not one of Denmark's 98 municipality codes (kommunekoder).",
        )
    ]


def unknown_code(
    value: str | None, allowed: frozenset[str], path: FieldPath, what: str
) -> list[Finding]:
    if value is None or value in allowed:
        return []
    return [
        _error(
            path,
            f"unknown-{what}",
            f"'{value}' is not a known {what.replace('-', ' ')}; use one of: "
            f"{', '.join(sorted(allowed))}.",
        )
    ]


def unknown_allocation_type(code: str | None) -> list[Finding]:
    return unknown_code(code, _ALLOCATION_TYPES, ("AnvisningstypeKode",), "allocation-type")


def implausible_construction_year(
    year: int | None, today: date, path: FieldPath = ("OpfoerelsesAar",)
) -> list[Finding]:
    latest = today.year + CONSTRUCTION_YEARS_AHEAD
    if year is None or EARLIEST_CONSTRUCTION_YEAR <= year <= latest:
        return []
    return [
        _error(
            path,
            "invalid-construction-year",
            f"Construction year {year} is outside {EARLIEST_CONSTRUCTION_YEAR}-{latest}.",
        )
    ]


def end_before_start(
    start: date | None, end: date | None, start_path: FieldPath, end_path: FieldPath
) -> list[Finding]:
    del start_path  # the end date is the field to correct
    if start is None or end is None or end >= start:
        return []
    return [
        _error(
            end_path,
            "end-before-start",
            f"The end date {end.isoformat()} is before the start date {start.isoformat()}.",
        )
    ]


def negative_amount(amount: Decimal | None, path: FieldPath) -> list[Finding]:
    if amount is None or amount >= 0:
        return []
    return [_error(path, "negative-amount", f"The amount {amount} must not be negative.")]


def both_vacancy_flags(lease: Lease) -> list[Finding]:
    """Tomgang and ledig may never both be set on the same dwelling at the same time (000)."""
    if lease.vacancy_loss_flag and lease.vacant_soon_flag:
        return [
            _error(
                ("LejekontraktLedigIndikator",),
                "both-vacancy-flags",
                "LejekontraktTomgangsledigIndikator and LejekontraktLedigIndikator may never "
                "both be set on the same dwelling.",
            )
        ]
    return []


def _counted(other: ExistingLease) -> bool:
    """Drafts are not part of the register; accepted and held leases are."""
    return other.status is not LeaseStatus.DRAFT


def overlapping_leases(lease: Lease, others: Sequence[ExistingLease]) -> list[Finding]:
    if lease.start_date is None:
        return []
    return [
        _error(
            ("LejekontraktStartDato",),
            "overlapping-lease",
            f"The lease period overlaps lease '{other.id}' of the same dwelling "
            f"({other.start_date.isoformat()} to "
            f"{other.end_date.isoformat() if other.end_date else 'open'}).",
        )
        for other in others
        if _counted(other)
        and other.id != lease.id
        and periods_overlap(lease.start_date, lease.end_date, other.start_date, other.end_date)
    ]


def vacancy_flags_across_leases(lease: Lease, others: Sequence[ExistingLease]) -> list[Finding]:
    """One lease flagged tomgang and another flagged ledig, overlapping in time, would set both
    flags on the dwelling at the same time."""
    if lease.start_date is None or not (lease.vacancy_loss_flag or lease.vacant_soon_flag):
        return []
    findings = []
    for other in others:
        if not _counted(other) or other.id == lease.id:
            continue
        if not periods_overlap(lease.start_date, lease.end_date, other.start_date, other.end_date):
            continue
        conflict = (lease.vacancy_loss_flag and other.vacant_soon_flag) or (
            lease.vacant_soon_flag and other.vacancy_loss_flag
        )
        if conflict:
            path = (
                "LejekontraktTomgangsledigIndikator"
                if lease.vacancy_loss_flag
                else "LejekontraktLedigIndikator",
            )
            findings.append(
                _error(
                    path,
                    "both-vacancy-flags",
                    f"Lease '{other.id}' of the same dwelling carries the other vacancy flag in "
                    "an overlapping period; both flags may never be set on one dwelling at "
                    "the same time.",
                )
            )
    return findings


def expense_errors(expense: HousingExpense, path: FieldPath) -> list[Finding]:
    findings = missing_fields(
        [
            ("BoligudgiftTypeKode", expense.expense_type),
            ("BoligudgiftBeloeb", expense.monthly_amount),
            ("BoligudgiftStartDato", expense.valid_from),
        ]
    )
    findings = [_error(path + f.path, f.code, f.detail) for f in findings]
    findings += unknown_code(
        expense.expense_type, EXPENSE_TYPES, (*path, "BoligudgiftTypeKode"), "expense-type"
    )
    findings += negative_amount(expense.monthly_amount, (*path, "BoligudgiftBeloeb"))
    findings += end_before_start(
        expense.valid_from,
        expense.valid_to,
        (*path, "BoligudgiftStartDato"),
        (*path, "BoligudgiftSlutDato"),
    )
    return findings


def overlapping_expenses(
    expense: HousingExpense, others: Iterable[HousingExpense], path: FieldPath
) -> list[Finding]:
    """Two expenses of one type valid on the same day would count the rent twice."""
    if expense.valid_from is None:
        return []
    for other in others:
        if (
            other.key != expense.key
            and other.expense_type == expense.expense_type
            and other.valid_from is not None
            and periods_overlap(
                expense.valid_from, expense.valid_to, other.valid_from, other.valid_to
            )
        ):
            return [
                _error(
                    (*path, "BoligudgiftStartDato"),
                    "overlapping-expense",
                    f"Another '{expense.expense_type}' expense of the lease is valid in the same "
                    f"period (from {other.valid_from.isoformat()}).",
                )
            ]
    return []


def duplicate_expense(
    expense: HousingExpense, others: Sequence[HousingExpense], path: FieldPath, *, within: str
) -> list[Finding]:
    """A line's type and start date name it (a stored line with them is replaced), so two
    lines of a lease with the same name would silently keep only the last — or, for a line
    given another line's name, break the lease's one line per name. ``within`` says where
    the other line is, for the message."""
    if expense.expense_type is None or expense.valid_from is None:
        return []
    for index, other in enumerate(others):
        if other.key == expense.key:
            return [
                _error(
                    (*path, "BoligudgiftStartDato"),
                    "duplicate-expense",
                    f"{within.format(index=index)} is also a '{expense.expense_type}' line "
                    f"starting {expense.valid_from.isoformat()}: a lease has one line per type "
                    "and start date.",
                )
            ]
    return []


# --- plausibility (warnings) -------------------------------------------------------------------


def area_out_of_range(area_m2: Decimal | None, path: FieldPath) -> list[Finding]:
    if area_m2 is None or area_m2 <= 0:
        return []
    if MIN_PLAUSIBLE_AREA_M2 <= area_m2 <= MAX_PLAUSIBLE_AREA_M2:
        return []
    return [
        _warning(
            path,
            "implausible-area",
            f"The area {area_m2} m² is outside the plausible {MIN_PLAUSIBLE_AREA_M2}-"
            f"{MAX_PLAUSIBLE_AREA_M2} m²; confirm it if it is right.",
        )
    ]


def rent_per_m2_outside_department_range(
    monthly_rent: Decimal, area_m2: Decimal | None, statistics: DepartmentRentStatistics
) -> list[Finding]:
    median = statistics.median_rent_per_m2
    if (
        monthly_rent <= 0
        or area_m2 is None
        or area_m2 <= 0
        or median is None
        or median <= 0
        or statistics.lease_count < MIN_LEASES_FOR_RENT_RANGE
    ):
        return []
    per_m2 = monthly_rent / area_m2
    low, high = median * RENT_PER_M2_LOW_FACTOR, median * RENT_PER_M2_HIGH_FACTOR
    if low <= per_m2 <= high:
        return []
    return [
        _warning(
            ("Boligudgifter",),
            "rent-per-m2-outside-department-range",
            f"The rent of {per_m2:.2f} DKK/m² a month is outside {low:.2f}-{high:.2f} DKK/m² "
            f"(0.5-2 times the median of the department's {statistics.lease_count} leases); "
            "confirm it if it is right.",
        )
    ]


def previous_lease(lease: Lease, others: Sequence[ExistingLease]) -> ExistingLease | None:
    """The dwelling's accepted lease that started last before this one."""
    if lease.start_date is None:
        return None
    start = lease.start_date
    earlier = [
        o
        for o in others
        if o.status is LeaseStatus.ACCEPTED and o.id != lease.id and o.start_date < start
    ]
    return max(earlier, key=lambda o: o.start_date, default=None)


def rent_jump_between_leases(
    lease: Lease, monthly_rent: Decimal, others: Sequence[ExistingLease]
) -> list[Finding]:
    previous = previous_lease(lease, others)
    if previous is None or lease.start_date is None or monthly_rent <= 0:
        return []
    last_day = previous.end_date or (lease.start_date - timedelta(days=1))
    previous_rent = rent_as_of(previous.expenses, last_day) or rent_as_of(
        previous.expenses, previous.start_date
    )
    if previous_rent <= 0:
        return []
    change = (monthly_rent - previous_rent) / previous_rent
    if abs(change) <= MAX_RENT_CHANGE_BETWEEN_LEASES:
        return []
    return [
        _warning(
            ("Boligudgifter",),
            "rent-jump-between-leases",
            f"The rent {monthly_rent:.2f} DKK differs by {change * 100:+.0f} % from the "
            f"{previous_rent:.2f} DKK of the previous lease '{previous.id}' (more than 30 %); "
            "confirm it if it is right.",
        )
    ]


# --- record checks -----------------------------------------------------------------------------


def check_organisation(organisation: Organisation) -> list[Finding]:
    return [
        *missing_fields(
            [
                ("CVRNummer", organisation.cvr),
                ("BoligorganisationNavn", organisation.name),
                ("HjemstedKommuneKode", organisation.home_municipality_code),
            ]
        ),
        *invalid_cvr(organisation.cvr),
        *unknown_municipality(organisation.home_municipality_code, ("HjemstedKommuneKode",)),
    ]


def check_department(department: Department, today: date) -> list[Finding]:
    return [
        *missing_fields(
            [
                ("BoligorganisationIdentifikator", department.organisation_id),
                ("AfdelingNavn", department.name),
                ("KommuneKode", department.municipality_code),
                ("AfdelingBoligtypeKode", department.housing_type),
                ("OpfoerelsesAar", department.construction_year),
                ("BygningstypeKode", department.building_type),
            ]
        ),
        *unknown_municipality(department.municipality_code, ("KommuneKode",)),
        *unknown_code(
            department.housing_type, _HOUSING_TYPES, ("AfdelingBoligtypeKode",), "housing-type"
        ),
        *unknown_code(
            department.building_type, _BUILDING_TYPES, ("BygningstypeKode",), "building-type"
        ),
        *implausible_construction_year(department.construction_year, today),
    ]


def check_building_section(section: BuildingSection, today: date) -> list[Finding]:
    return [
        *missing_fields(
            [("AfdelingIdentifikator", section.department_id), ("ByggeafsnitNavn", section.name)]
        ),
        *implausible_construction_year(section.construction_year, today),
    ]


def check_dwelling(dwelling: Dwelling, section_department_id: str | None = None) -> list[Finding]:
    """``section_department_id``: the department of the named building section, if any."""
    findings = missing_fields(
        [
            ("AfdelingIdentifikator", dwelling.department_id),
            ("Vejnavn", dwelling.street),
            ("Husnummer", dwelling.house_number),
            ("Postnummer", dwelling.postcode),
            ("Bynavn", dwelling.city),
            ("BoligAntalRum", dwelling.rooms),
            ("BoligArealKvadratmeter", dwelling.area_m2),
        ]
    )
    postcode = dwelling.postcode
    if postcode is not None and not (
        len(postcode) == 4 and postcode.isascii() and postcode.isdigit() and postcode[0] != "0"
    ):
        findings.append(
            _error(("Postnummer",), "invalid-postcode", f"'{postcode}' is not a Danish postcode.")
        )
    if dwelling.rooms is not None and not 1 <= dwelling.rooms <= MAX_ROOMS:
        findings.append(
            _error(("BoligAntalRum",), "invalid-rooms", f"Rooms must be 1-{MAX_ROOMS}.")
        )
    if dwelling.area_m2 is not None and dwelling.area_m2 <= 0:
        findings.append(
            _error(("BoligArealKvadratmeter",), "invalid-area", "The area must be above 0 m².")
        )
    if (
        dwelling.building_section_id is not None
        and section_department_id is not None
        and section_department_id != dwelling.department_id
    ):
        findings.append(
            _error(
                ("ByggeafsnitIdentifikator",),
                "section-in-another-department",
                f"Building section '{dwelling.building_section_id}' belongs to another "
                "department than the dwelling.",
            )
        )
    findings += area_out_of_range(dwelling.area_m2, ("BoligArealKvadratmeter",))
    return findings


def lease_rent(lease: Lease, context: LeaseContext) -> Decimal:
    """The lease's initial monthly rent: its expenses (submitted over stored) at its start."""
    if lease.start_date is None:
        return Decimal("0.00")
    return rent_as_of(merge_expenses(context.stored_expenses, lease.expenses), lease.start_date)


# What a draft (KladdeIndikator) still needs: the dwelling, which says whose draft it is (the
# register knows a lease's organisation only through its dwelling, and nobody else may see it).
DRAFT_MANDATORY: Final = ("BoligUnikIdentifikator",)
# What a lease of the register needs besides: seed 000's fields "the system requires filled in".
LEASE_MANDATORY: Final = (
    "BoligUnikIdentifikator",
    "LejekontraktStartDato",
    "AnvisningstypeKode",
    "EksternReference",
)


def check_lease(lease: Lease, context: LeaseContext) -> list[Finding]:
    """Every rule of a lease. A draft skips completeness — of the mandatory fields it needs
    only its dwelling (``DRAFT_MANDATORY``), no rent — the other leases of the dwelling (it is
    not part of the register yet) and plausibility; the consistency rules of what it does carry
    still apply (codes, periods, amounts, both vacancy flags, overlapping expense lines)."""
    findings = missing_fields(
        [
            ("BoligUnikIdentifikator", lease.dwelling_id),
            *(
                []
                if lease.draft
                else [
                    ("LejekontraktStartDato", lease.start_date),
                    ("AnvisningstypeKode", lease.allocation_type),
                ]
            ),
        ]
    )
    findings += unknown_allocation_type(lease.allocation_type)
    findings += end_before_start(
        lease.start_date, lease.end_date, ("LejekontraktStartDato",), ("LejekontraktSlutDato",)
    )
    findings += both_vacancy_flags(lease)
    findings += negative_amount(lease.deposit, ("Depositum",))
    # The request's own lines replace the stored lines they name (type + start date), so a rent
    # change — the old line ended and the new one added in one update — is checked against the
    # ended line, in either order; an overlap between two submitted lines is reported once.
    submitted = list(lease.expenses)
    submitted_keys = {expense.key for expense in submitted}
    kept = [stored for stored in context.stored_expenses if stored.key not in submitted_keys]
    for index, expense in enumerate(submitted):
        path: FieldPath = ("Boligudgifter", index)
        findings += expense_errors(expense, path)
        findings += duplicate_expense(
            expense, submitted[:index], path, within="Boligudgifter/{index}"
        )
        findings += overlapping_expenses(expense, [*kept, *submitted[:index]], path)
    if lease.draft:
        return findings

    findings += missing_fields([("EksternReference", lease.external_reference)])
    rent = lease_rent(lease, context)
    if lease.start_date is not None and rent <= 0:
        findings.append(
            _error(
                ("Boligudgifter",),
                "missing-rent",
                "A lease needs at least one rent-forming housing expense (base rent) valid on "
                "its start date.",
            )
        )
    findings += overlapping_leases(lease, context.other_leases)
    findings += vacancy_flags_across_leases(lease, context.other_leases)
    if errors_of(findings):
        return findings
    findings += rent_per_m2_outside_department_range(
        rent, context.dwelling_area_m2, context.department_rent
    )
    findings += rent_jump_between_leases(lease, rent, context.other_leases)
    return findings


def rent_change_plausibility(
    lease: Lease,
    expenses_before: Sequence[HousingExpense],
    expenses_after: Sequence[HousingExpense],
    context: LeaseContext,
    changed_from: date,
) -> list[Finding]:
    """The plausibility warnings of a lease's rent after its housing expenses changed on their
    own (reported apart from the lease): the rent in force from ``changed_from`` (or the
    lease's start) against the department's range, and — when the change moves the lease's
    initial rent — the jump from the previous lease. Paths name the expense's amount."""
    if lease.start_date is None or lease.draft:
        return []
    day = max(changed_from, lease.start_date)
    if lease.end_date is not None and day > lease.end_date:
        return []
    findings = rent_per_m2_outside_department_range(
        rent_as_of(expenses_after, day), context.dwelling_area_m2, context.department_rent
    )
    initial = rent_as_of(expenses_after, lease.start_date)
    if initial != rent_as_of(expenses_before, lease.start_date):
        findings += rent_jump_between_leases(lease, initial, context.other_leases)
    return [Finding(f.severity, ("BoligudgiftBeloeb",), f.code, f.detail) for f in findings]


def check_expense(
    expense: HousingExpense, other_expenses_of_lease: Iterable[HousingExpense]
) -> list[Finding]:
    """A housing expense reported on its own (a later rent change of a lease)."""
    others = list(other_expenses_of_lease)
    return [
        *expense_errors(expense, ()),
        *duplicate_expense(
            expense, others, (), within="Another stored line of the lease (change that one)"
        ),
        *overlapping_expenses(expense, others, ()),
    ]
