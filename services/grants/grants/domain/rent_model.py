"""Rent support (huslejestøtte): the fund's rent model, step by step (seed 001, "Huslejemodel").

The department's rent is compared with the **average comparable department** — same
construction period, same building type (etage / tæt-lav), similar average dwelling size, same
region, similar resident composition — whose rent is the benchmark calculator's comparable-group
average for ``rent_per_m2`` narrowed to the department's resident-composition band (both
received as ``benchmarks.keyfigures.updated``; the groups are computed there, never here). The
band is the calculator's: the share of the department's re-lettings made by municipal
allocation, the one resident fact the register's events carry (LBF's own resident index is not
available). When the calculator has no narrowed average (no re-lettings in the year, a band
group below its minimum size, or figures from before it published one), the comparable-group
average without the resident criterion is used and the step says why. The
fund adds or deducts DKK per m² for its assessments of the renovation need, the accounts, the
department's attractiveness and the local competition; the result is the target rent
(tilstræbt leje).

* excess rent per m² = the department's rent − the target rent;
* a department is covered only when the excess is at least the **minimum support need** per m²
  ("Da huslejestøttemidlerne erfaringsmæssigt ikke kan dække det egentlige behov i ansøgerfeltet
  fastsættes endvidere regler om minimumsstøttebehov", seed 001, "Huslejemodel"). The guideline
  says the fund *sets* the minimum; it publishes no amount, so the rate is the fund's, per year,
  in the table ``minimum_support_needs`` (see :mod:`grants.services.rent_support`), never a
  default here. A department below it is not covered, with the refusal reason naming both
  amounts; it is transferred to the national disposition fund (landsdispositionsfonden) as an
  ordinary operating-support case before any final refusal (a case of its own, see
  :mod:`grants.services.transfer`);
* the yearly need = excess per m² × the department's area (dwellings × average dwelling size);
* the housing organisation contributes **25 %** of it; the rent support is the remaining 75 %;
* the reduction is spread over the dwellings about **1/3 as a base amount** per dwelling and
  **2/3 as an area amount** per m² (rent differentiation, "indbyrdes værdi").

Every step is kept with its inputs and result so the caseworker and the applicant see the
calculation. Amounts are ``Decimal``: DKK per m² and DKK a year with øre.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final

from common.money import format_dkk, to_dkk

OWN_CONTRIBUTION_SHARE: Final = Decimal("0.25")
BASE_SHARE: Final = Decimal(1) / Decimal(3)
AREA_SHARE: Final = Decimal(2) / Decimal(3)
_PER_M2 = Decimal("0.01")


class Adjustment(StrEnum):
    RENOVATION_NEED = "renovation_need"  # renoveringsbehov
    ACCOUNTS = "accounts"  # afdelingens regnskab
    ATTRACTIVENESS = "attractiveness"  # attraktionsværdi
    LOCAL_COMPETITION = "local_competition"  # lokal konkurrencesituation


ADJUSTMENT_LABELS: Final = {
    Adjustment.RENOVATION_NEED: "Tillæg/fradrag for renoveringsbehov",
    Adjustment.ACCOUNTS: "Tillæg/fradrag for regnskab",
    Adjustment.ATTRACTIVENESS: "Tillæg/fradrag for attraktionsværdi",
    Adjustment.LOCAL_COMPETITION: "Tillæg/fradrag for lokal konkurrencesituation",
}


@dataclass(frozen=True, slots=True)
class Step:
    code: str
    label: str  # Danish, for the caseworker and the applicant
    value: Decimal | None  # None: not known (e.g. no re-lettings to measure residents by)
    unit: str  # "kr./m²/år", "kr./år", "m²", "kr./bolig/år"
    explanation: str


@dataclass(frozen=True, slots=True)
class Residents:
    """The benchmark calculator's resident composition of the department-year."""

    band_label: str | None  # Danish, e.g. "25 % eller flere kommunalt anviste genudlejninger"
    municipal_allocation_share: Decimal | None  # % of re-lettings
    comparable_rent_per_m2: Decimal | None  # the comparable group within the band
    group_size: int
    group_label: str | None


@dataclass(frozen=True, slots=True)
class DepartmentInput:
    department_id: str
    rent_per_m2: Decimal  # the department's rent, DKK/m²/year
    comparable_rent_per_m2: Decimal  # the comparable group's average department
    dwellings: int
    average_dwelling_size: Decimal  # m²
    adjustments: dict[Adjustment, Decimal]  # DKK/m²/year, + addition, − deduction
    residents: Residents | None = None  # None: the calculator sent none (older figures)


@dataclass(frozen=True, slots=True)
class DepartmentResult:
    department_id: str
    covered: bool
    steps: tuple[Step, ...]
    yearly_need: Decimal
    own_contribution: Decimal
    support: Decimal
    base_amount_per_dwelling: Decimal
    area_amount_per_m2: Decimal
    transfer_to_disposition_fund: bool
    refusal_reason: str | None = None  # Danish, when not covered


def refusal_reason(excess: Decimal, minimum_need_per_m2: Decimal) -> str:
    """Why a department is not covered: its excess rent is below the minimum support need."""
    return (
        f"Ikke omfattet af huslejestøtte: merlejen på {_m2(excess)} kr./m²/år er under "
        f"minimumsstøttebehovet på {_m2(minimum_need_per_m2)} kr./m²/år. Afdelingen overføres "
        "til landsdispositionsfonden som almindelig driftsstøttesag inden evt. endeligt afslag."
    )


def _m2(value: Decimal) -> Decimal:
    return value.quantize(_PER_M2)


def comparable_average(d: DepartmentInput) -> tuple[Step, Step, Decimal]:
    """The resident-composition step, the comparable department's step and its rent (unrounded):
    narrowed to the department's resident band when the calculator has that average, else
    without it (and why)."""
    r = d.residents
    if r is None:
        residents = Step(
            "resident_composition",
            "Beboersammensætning",
            None,
            "%",
            "Ikke anvendt: benchmarkberegnerens nøgletal for året har ingen beboersammensætning.",
        )
    elif r.municipal_allocation_share is None:
        residents = Step(
            "resident_composition",
            "Beboersammensætning (andel kommunalt anviste genudlejninger)",
            None,
            "%",
            "Ikke anvendt: afdelingen havde ingen genudlejninger i året at måle den på.",
        )
    else:
        used = r.comparable_rent_per_m2 is not None
        residents = Step(
            "resident_composition",
            "Beboersammensætning (andel kommunalt anviste genudlejninger)",
            r.municipal_allocation_share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
            "%",
            f"{r.band_label}; "
            + (
                f"sammenlignes med {r.group_size} afdelinger med samme beboersammensætning."
                if used
                else f"ikke anvendt: kun {r.group_size} sammenlignelige afdelinger har samme "
                "beboersammensætning, for få til et gennemsnit."
            ),
        )
    criteria = "samme årgang, art, boligstørrelse og region"
    group = f" ({r.group_label})" if r is not None and r.group_label else ""
    if r is not None and r.comparable_rent_per_m2 is not None:
        value = r.comparable_rent_per_m2
        comparable = Step(
            "comparable",
            "Tilsvarende gennemsnitlig afdeling",
            _m2(r.comparable_rent_per_m2),
            "kr./m²/år",
            f"Gennemsnittet af sammenlignelige afdelinger: {criteria}{group} og tilsvarende "
            "beboersammensætning (benchmarkberegnerens sammenligningsgruppe).",
        )
    else:
        value = d.comparable_rent_per_m2
        comparable = Step(
            "comparable",
            "Tilsvarende gennemsnitlig afdeling",
            _m2(d.comparable_rent_per_m2),
            "kr./m²/år",
            f"Gennemsnittet af sammenlignelige afdelinger: {criteria}{group} "
            "(benchmarkberegnerens sammenligningsgruppe), uden beboersammensætning.",
        )
    return residents, comparable, value


def calculate(department: DepartmentInput, minimum_need_per_m2: Decimal) -> DepartmentResult:
    d = department
    residents, comparable, comparable_rent = comparable_average(d)
    steps: list[Step] = [
        Step(
            "rent",
            "Afdelingens leje",
            _m2(d.rent_per_m2),
            "kr./m²/år",
            "Afdelingens gennemsnitlige husleje pr. m² (benchmarkberegneren).",
        ),
        residents,
        comparable,
    ]
    target = comparable_rent
    for adjustment in Adjustment:
        amount = d.adjustments.get(adjustment, Decimal(0))
        target += amount
        steps.append(
            Step(
                adjustment.value,
                ADJUSTMENT_LABELS[adjustment],
                _m2(amount),
                "kr./m²/år",
                "Fondens vurdering (+ tillæg, − fradrag).",
            )
        )
    steps.append(
        Step(
            "target",
            "Tilstræbt leje",
            _m2(target),
            "kr./m²/år",
            "Tilsvarende afdeling med tillæg og fradrag.",
        )
    )
    excess = d.rent_per_m2 - target
    steps.append(
        Step("excess", "Merleje", _m2(excess), "kr./m²/år", "Afdelingens leje − tilstræbt leje.")
    )
    covered = excess >= minimum_need_per_m2
    steps.append(
        Step(
            "minimum",
            "Minimumsstøttebehov",
            _m2(minimum_need_per_m2),
            "kr./m²/år",
            f"Omfattet: merlejen ({_m2(excess)}) er mindst minimumsstøttebehovet."
            if covered
            else refusal_reason(excess, minimum_need_per_m2),
        )
    )
    area = _m2(d.dwellings * d.average_dwelling_size)
    steps.append(
        Step(
            "area",
            "Afdelingens areal",
            area,
            "m²",
            f"{d.dwellings} boliger × {_m2(d.average_dwelling_size)} m² i gennemsnit.",
        )
    )
    zero = Decimal("0.00")
    if not covered:
        return DepartmentResult(
            d.department_id,
            False,
            tuple(steps),
            zero,
            zero,
            zero,
            zero,
            zero,
            True,
            refusal_reason(excess, minimum_need_per_m2),
        )
    need = to_dkk(excess * area)
    own = to_dkk(need * OWN_CONTRIBUTION_SHARE)
    support = need - own
    base_total = to_dkk(support * BASE_SHARE)
    area_total = support - base_total
    base_per_dwelling = to_dkk(base_total / d.dwellings) if d.dwellings else zero
    area_per_m2 = to_dkk(area_total / area) if area else zero
    steps += [
        Step(
            "need",
            "Støttebehov pr. år",
            need,
            "kr./år",
            f"Merleje × areal = {_m2(excess)} × {area}.",
        ),
        Step(
            "own_contribution",
            "Boligorganisationens egetbidrag (25 %)",
            own,
            "kr./år",
            f"25 % af {format_dkk(need)}.",
        ),
        Step(
            "support", "Huslejestøtte pr. år", support, "kr./år", "Støttebehov − egetbidrag (75 %)."
        ),
        Step(
            "base_amount",
            "Grundbeløb pr. bolig (ca. 1/3)",
            base_per_dwelling,
            "kr./bolig/år",
            f"1/3 af støtten ({format_dkk(base_total)}) fordelt på {d.dwellings} boliger.",
        ),
        Step(
            "area_amount",
            "Arealbeløb pr. m² (ca. 2/3)",
            area_per_m2,
            "kr./m²/år",
            f"2/3 af støtten ({format_dkk(area_total)}) fordelt på {area} m².",
        ),
    ]
    return DepartmentResult(
        d.department_id,
        True,
        tuple(steps),
        need,
        own,
        support,
        base_per_dwelling,
        area_per_m2,
        False,
    )
