"""The register's list statements read exactly the columns their read models show."""

from register.api.schemas import (
    BuildingSectionOut,
    DepartmentOut,
    DwellingOut,
    LeaseOut,
    OrganisationOut,
)
from register.db.repositories import LIST_COLUMNS


def test_each_list_reads_its_read_models_fields_and_nothing_else() -> None:
    assert {
        "organisations": tuple(OrganisationOut.model_fields),
        "departments": tuple(DepartmentOut.model_fields),
        "building_sections": tuple(BuildingSectionOut.model_fields),
        "dwellings": tuple(DwellingOut.model_fields),
        "leases": tuple(LeaseOut.model_fields),
    } == LIST_COLUMNS
