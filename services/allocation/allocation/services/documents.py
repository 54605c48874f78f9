"""The allocation agreement as the public PDF (agreements must be public): the text is built
here, the layout is ``templates/agreement.html``, the PDF comes from ``common.pdf``."""

from __future__ import annotations

from functools import cache

import jinja2

from allocation.db.models import AgreementRow
from common.money import format_date_da
from common.municipalities import MUNICIPALITIES

HOUSING_TYPES_DA = {"family": "familieboliger", "youth": "ungdomsboliger"}


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("allocation", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )


def allocation_right(row: AgreementRow) -> str:
    """The municipality's right in one Danish sentence."""
    kind = HOUSING_TYPES_DA.get(row.housing_type, row.housing_type)
    if row.kind == "quota":
        numerator, _, denominator = (row.share or "1/4").partition("/")
        consent = " efter aftale med boligorganisationen" if row.organisation_consent else ""
        return (
            f"Kommunen har ret til at anvise {numerator} af hver {denominator} ledige {kind} "
            f"hos boligorganisationen i kommunen{consent}."
        )
    return f"Kommunen anviser følgende {kind}, hver gang de bliver ledige:"


def validity(row: AgreementRow) -> str:
    if row.valid_to is None:
        return f"fra {format_date_da(row.valid_from)} og indtil videre"
    return f"fra {format_date_da(row.valid_from)} til {format_date_da(row.valid_to)}"


def agreement_html(row: AgreementRow) -> str:
    return (
        _environment()
        .get_template("agreement.html")
        .render(
            agreement=row,
            municipality=MUNICIPALITIES.get(row.municipality_code, row.municipality_code),
            housing_type=HOUSING_TYPES_DA.get(row.housing_type, row.housing_type),
            period=validity(row),
            right=allocation_right(row),
        )
    )
