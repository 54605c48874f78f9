"""A department-year's figure values from the sums the recompute query gives (see the
definitions in :mod:`benchmarks.domain.figures`), and the row it becomes.

The sums of one department-year (the query's column names): ``rent_sum``, ``rented_area_sum``,
``dwelling_months``, ``tomgang_months``, ``move_outs``, ``register_dwellings``, ``relettings``,
``municipal``, ``average_size`` from the register; ``accounts_dwellings``, ``total_area_m2``,
``administration_cost``, ``maintenance_cost``, ``vacancy_rent_loss``, ``operating_cost`` from
the accounts; and the department's master data.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from benchmarks.domain import figures as f
from benchmarks.domain.critical import round4
from benchmarks.domain.groups import construction_period, dwelling_size_band

HUNDRED = Decimal(100)


def ratio(numerator: Any, denominator: Any, factor: Decimal = Decimal(1)) -> Decimal | None:
    """``numerator × factor / denominator`` to four decimals; None without a denominator."""
    if numerator is None or denominator is None or Decimal(denominator) == 0:
        return None
    return round4(Decimal(numerator) * factor / Decimal(denominator))


def figure_values(sums: Mapping[Any, Any]) -> dict[str, Decimal | None]:
    """The figure values of one department-year from its sums."""
    return {
        f.RENT_PER_M2: ratio(sums["rent_sum"], sums["rented_area_sum"], Decimal(12)),
        f.VACANCY_SHARE: ratio(sums["tomgang_months"], sums["dwelling_months"], HUNDRED),
        f.MOVE_OUT_RATE: (
            ratio(sums["move_outs"], sums["register_dwellings"], HUNDRED)
            if sums["register_dwellings"]
            else None
        ),
        f.MUNICIPAL_ALLOCATION_SHARE: ratio(sums["municipal"], sums["relettings"], HUNDRED),
        f.AVERAGE_DWELLING_SIZE: (
            None if sums["average_size"] is None else round4(Decimal(sums["average_size"]))
        ),
        f.ADMINISTRATION_COST_PER_DWELLING: ratio(
            sums["administration_cost"], sums["accounts_dwellings"]
        ),
        f.MAINTENANCE_PER_M2: ratio(sums["maintenance_cost"], sums["total_area_m2"]),
        f.VACANCY_LOSS_PER_DWELLING: ratio(sums["vacancy_rent_loss"], sums["accounts_dwellings"]),
        f.OPERATING_COST_PER_M2: ratio(sums["operating_cost"], sums["total_area_m2"]),
    }


def department_year(sums: Mapping[Any, Any]) -> dict[str, Any] | None:
    """The figures row of one department-year: its owner, comparison criteria, dwellings and
    figure values. None for a year with neither dwelling-months nor accounts (no row), and for
    one whose owner is unknown (cannot happen: every fact names its owner)."""
    if not sums["register_dwellings"] and sums["accounts_dwellings"] is None:
        return None
    if sums["organisation_id"] is None:
        return None
    values = figure_values(sums)
    construction_year = sums["construction_year"]
    return {
        "department_id": sums["department_id"],
        "year": sums["year"],
        "organisation_id": sums["organisation_id"],
        "municipality_code": sums["municipality_code"],
        "housing_type": sums["housing_type"],
        "region": sums["region"],
        "building_type": sums["building_type"],
        "period_band": (
            None if construction_year is None else construction_period(construction_year)
        ),
        "size_band": dwelling_size_band(values[f.AVERAGE_DWELLING_SIZE]),
        "dwellings": int(sums["register_dwellings"] or sums["accounts_dwellings"] or 0),
        **values,
    }
