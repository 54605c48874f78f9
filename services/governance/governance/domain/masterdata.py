"""The register's master data in governance: who reports, and what follows when an
organisation moves or a department appears.

Whether an organisation or a department is exempt from the reporting duty (seed 002 §3:
regional, municipal and self-owning elderly housing, self-owning youth housing) is not in the
register's events; the fund records it in governance. An exempt organisation — or one without
a department that reports — gets no package; an exempt department gets no form. Packages
already created keep their content.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from governance.domain.rules import PackageStatus


class Exemption(StrEnum):
    REGIONAL_ELDERLY = "regional_elderly"  # regionale ældreboliger
    MUNICIPAL_ELDERLY = "municipal_elderly"  # kommunale ældreboliger
    SELF_OWNING_ELDERLY = "self_owning_elderly"  # selvejende almene ældreboliger
    SELF_OWNING_YOUTH = "self_owning_youth"  # selvejende almene ungdomsboliger


def department_reports(exemption: str | None) -> bool:
    """A department reports (gets a form) unless the fund exempted it."""
    return exemption is None


def organisation_reports(exemption: str | None, reporting_departments: int) -> bool:
    """An organisation gets a package unless it is exempt or none of its departments reports."""
    return exemption is None and reporting_departments > 0


def follows_new_home(status: PackageStatus, package_home: str, new_home: str) -> bool:
    """An organisation that moved takes its packages not yet sent to the new home
    municipality; a sent package stays with the municipality it was sent to."""
    return status.editable and package_home != new_home


def takes_new_department(status: PackageStatus, department_exemption: str | None) -> bool:
    """A department that appears (or moves) gets its form in its organisation's packages that
    are still being prepared, unless it is exempt."""
    return status.editable and department_reports(department_exemption)


def left_out_as_exempt(exemption_lifted_at: datetime | None, package_created_at: datetime) -> bool:
    """The department was left out of a package as exempt: the fund lifted its exemption after
    the package was created. The package keeps its content — the lift applies to packages
    created afterwards — so the department gets no form in it, neither when the package is
    sent back nor at the register's next change of the department."""
    return exemption_lifted_at is not None and exemption_lifted_at > package_created_at
