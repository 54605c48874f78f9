"""The calculator's event: ``benchmarks.keyfigures.updated`` (``KeyFiguresUpdatedV1``), a
department's whole set of figures for a year, and the digest that tells whether it changed
since it was last published."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from benchmarks.db.models import DepartmentFiguresRow
from benchmarks.domain.benchmarks import FigureResult
from common.events.contracts import (
    CriticalColour,
    KeyFigure,
    KeyFiguresUpdatedV1,
    ResidentComposition,
)


def key_figure(result: FigureResult) -> KeyFigure:
    return KeyFigure(
        code=result.code,
        value=result.value,
        unit=result.unit,
        benchmark=result.benchmark,
        benchmark_indexed=result.benchmark_indexed,
        colour=CriticalColour(result.colour.value),
        reason=result.reason,
    )


def key_figures(results: Sequence[FigureResult]) -> list[KeyFigure]:
    return [key_figure(result) for result in results]


def digest(
    organisation_id: str,
    municipality_code: str,
    figures: list[KeyFigure],
    accounts_revision: int | None = None,
    resident_composition: ResidentComposition | None = None,
) -> str:
    """SHA-256 of what a publication says (owner, place, figures and the accounts they were
    computed from, not the revision): a corrected report of accounts is published even when
    the figures come out the same, since governance waits for them."""
    body: dict[str, Any] = {
        "organisation_id": organisation_id,
        "municipality_code": municipality_code,
        "figures": [figure.model_dump(mode="json") for figure in figures],
        "accounts_revision": accounts_revision,
    }
    if resident_composition is not None:
        body["resident_composition"] = resident_composition.model_dump(mode="json")
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def key_figures_updated(
    row: DepartmentFiguresRow,
    figures: list[KeyFigure],
    *,
    revision: int,
    computed_at: datetime,
    accounts_revision: int | None,
    resident_composition: ResidentComposition | None = None,
) -> KeyFiguresUpdatedV1:
    return KeyFiguresUpdatedV1(
        department_id=row.department_id,
        organisation_id=row.organisation_id,
        municipality_code=row.municipality_code,
        year=row.year,
        revision=revision,
        figures=figures,
        computed_at=computed_at,
        accounts_revision=accounts_revision,
        resident_composition=resident_composition,
    )
