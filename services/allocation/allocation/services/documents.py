"""The allocation agreement as the public PDF (agreements must be public): the text is built
here, the layout is ``templates/agreement.html``, the PDF comes from ``common.pdf``."""

from __future__ import annotations

from allocation.db.models import AgreementRow
from common.money import format_date_da
from common.municipalities import MUNICIPALITIES
from common.pdf import render_html

HOUSING_TYPES_DA = {"family": "familieboliger", "youth": "ungdomsboliger"}


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
    return render_html(
        "allocation",
        "agreement.html",
        agreement=row,
        municipality=MUNICIPALITIES.get(row.municipality_code, row.municipality_code),
        housing_type=HOUSING_TYPES_DA.get(row.housing_type, row.housing_type),
        period=validity(row),
        right=allocation_right(row),
    )
