"""Who sees and does what with documentation packages (seed 002 §5.2.1, §6, §7, §8).

* a housing organisation sees its own packages (``org_ids`` in its token); one that
  administers others also sees theirs (``administered_by`` in the register's master data);
* an administration organisation sees the packages of the organisations it administers and its
  own;
* an ERP client acts for the organisations its token names (it reports accounts);
* a municipality sees the packages sent to it: the home municipality the whole package, a
  location municipality the governance report and the forms of its own departments;
* the fund (Landsbyggefonden) runs the platform and sees everything;
* the public sees a package's key figures once the meeting is held (``/public/...``).

Another organisation's package is reported as not found (404), so its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from common.auth import Principal, Role
from common.errors import PermissionDeniedError
from governance.db.models import FormRow, OrganisationRow, PackageRow
from governance.domain.errors import PackageNotFoundError
from governance.domain.rules import PackageStatus

ORGANISATION_ROLES = frozenset({Role.HOUSING_ORG, Role.ADMIN_ORG, Role.ERP_CLIENT})
EDITOR_ROLES = frozenset({Role.HOUSING_ORG, Role.ADMIN_ORG})
ACCOUNTS_ROLES = frozenset({Role.HOUSING_ORG, Role.ADMIN_ORG, Role.ERP_CLIENT})
READER_ROLES = ORGANISATION_ROLES | {Role.MUNICIPALITY, Role.FUND}
DELIVERED = tuple(s.value for s in PackageStatus if s.delivered)


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller, as the use cases see it (no framework types)."""

    subject: str
    role: Role
    organisation_ids: frozenset[str]
    municipality_code: str | None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        if principal.role not in READER_ROLES:
            names = ", ".join(sorted(r.value for r in READER_ROLES))
            raise PermissionDeniedError(
                f"Your role '{principal.role.value}' has no access to governance packages; "
                f"it needs one of: {names}."
            )
        if principal.role is Role.MUNICIPALITY and principal.municipality_code is None:
            raise PermissionDeniedError("A municipality token must carry a municipality code.")
        return cls(
            subject=principal.subject,
            role=principal.role,
            organisation_ids=principal.organisation_ids,
            municipality_code=principal.municipality_code,
        )

    @property
    def is_organisation(self) -> bool:
        return self.role in ORGANISATION_ROLES

    @property
    def is_municipality(self) -> bool:
        return self.role is Role.MUNICIPALITY

    @property
    def is_fund(self) -> bool:
        return self.role is Role.FUND

    def require(self, roles: frozenset[Role], action: str) -> None:
        if self.role not in roles:
            names = ", ".join(sorted(r.value for r in roles))
            raise PermissionDeniedError(
                f"Your role '{self.role.value}' may not {action}; it needs one of: {names}."
            )

    def require_fund(self, action: str) -> None:
        self.require(frozenset({Role.FUND}), action)

    # --- filters ---------------------------------------------------------------------------

    def organisation_filter(self, organisation_column: Any) -> ColumnElement[bool]:
        """The organisations whose packages an organisation role sees."""
        ids = sorted(self.organisation_ids)
        if not ids:
            return false()
        if self.role is Role.ERP_CLIENT:
            return organisation_column.in_(ids)  # type: ignore[no-any-return]
        administered = select(OrganisationRow.id).where(OrganisationRow.administered_by.in_(ids))
        return or_(organisation_column.in_(ids), organisation_column.in_(administered))

    def package_filter(self) -> ColumnElement[bool]:
        """SQL condition on ``PackageRow`` for the packages this caller sees."""
        if self.is_fund:
            return true()
        if self.is_organisation:
            return self.organisation_filter(PackageRow.organisation_id)
        code = self.municipality_code
        form = aliased(FormRow)  # the outer query may join FormRow itself
        located_here = (
            exists()
            .where(form.package_id == PackageRow.id, form.municipality_code == code)
            .correlate(PackageRow)
        )
        return and_(
            PackageRow.status.in_(DELIVERED),
            or_(PackageRow.home_municipality_code == code, located_here),
        )

    def is_home_of(self, package: PackageRow) -> bool:
        return self.is_municipality and package.home_municipality_code == self.municipality_code

    def sees_department_form(self, package: PackageRow, form_municipality: str | None) -> bool:
        """A location municipality sees only its own departments' forms."""
        if not self.is_municipality or self.is_home_of(package):
            return True
        return form_municipality == self.municipality_code

    def sees_attachment(self, package: PackageRow, kind: str) -> bool:
        """A location municipality receives the report and its departments' forms, not the
        organisation's accounts material and extra documents; the statements it sees."""
        if not self.is_municipality or self.is_home_of(package):
            return True
        return kind in ("statement", "supplementary_statement")


def not_found(package_id: str) -> PackageNotFoundError:
    return PackageNotFoundError(f"Package {package_id} was not found among those you may see.")
