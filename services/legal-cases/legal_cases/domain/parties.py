"""The parties of a case and who may file (§§ 82(1), 87)."""

from __future__ import annotations

from enum import StrEnum

from legal_cases.domain.categories import CaseCategory
from legal_cases.domain.errors import FilingRejectedError


class Side(StrEnum):
    COMPLAINANT = "complainant"
    COUNTERPART = "counterpart"


class PartyKind(StrEnum):
    TENANT = "tenant"
    LANDLORD = "landlord"
    RESIDENTS_REPRESENTATION = "residents_representation"
    MUNICIPALITY = "municipality"  # § 87: on a tenant's behalf or of its own motion

    @property
    def tenant_side(self) -> bool:
        """The side § 82(2) calls "the tenant"."""
        return self is not PartyKind.LANDLORD


def check_filing(
    category: CaseCategory,
    complainant: PartyKind,
    counterpart: PartyKind,
    *,
    by_municipality: bool,
    on_behalf_of_tenant: bool,
) -> None:
    """A case is between the landlord and the tenant side; a municipality files only
    maintenance-defect cases, for a tenant or of its own motion (§ 87(1)-(2))."""
    if (complainant is PartyKind.LANDLORD) == (counterpart is PartyKind.LANDLORD):
        raise FilingRejectedError(
            "A rent tribunal case is between a landlord and the tenant side: exactly one of "
            "complainant and counterpart must be the landlord."
        )
    if counterpart is PartyKind.MUNICIPALITY:
        raise FilingRejectedError("A municipality is never the counterpart of a case.")
    if by_municipality:
        if complainant is not PartyKind.MUNICIPALITY:
            raise FilingRejectedError("A municipality files as complainant 'municipality' (§ 87).")
        if category is not CaseCategory.MAINTENANCE_DEFECTS:
            raise FilingRejectedError(
                "A municipality may file only maintenance-defect cases (§ 87(1)-(2)); "
                f"'{category.value}' must be filed by the tenant or the landlord."
            )
    else:
        if complainant is PartyKind.MUNICIPALITY:
            raise FilingRejectedError(
                "Only a municipality's token may file as complainant 'municipality'."
            )
        if on_behalf_of_tenant:
            raise FilingRejectedError("Only a municipality files on a tenant's behalf (§ 87(1)).")
