"""Which packages a caller sees, as SQL, built on the platform's :class:`~common.access.Scope`.

* a housing or administration organisation sees the packages of the organisations its token
  names and of those it administers (``administered_by`` in the register's master data);
* an ERP client those of the organisations its token names;
* a municipality the packages sent to it: delivered ones whose home municipality it is or in
  which one of its departments lies (what it sees of them: :mod:`governance.domain.visibility`);
* the fund every package;
* the public (no token) the packages whose governance meeting has been held.

A package outside these is reported as not found, so its existence does not leak.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import aliased

from common.access import Scope
from common.auth import Role
from governance.db.models import FormRow, OrganisationRow, PackageRow
from governance.domain.rules import PackageStatus

# The roles that also see the organisations they administer; an ERP client acts only for the
# organisations its token names.
ADMINISTERING_ROLES = frozenset({Role.HOUSING_ORG, Role.ADMIN_ORG})
DELIVERED = tuple(s.value for s in PackageStatus if s.delivered)
PUBLISHED = tuple(s.value for s in PackageStatus if s.published)


def visible_packages(scope: Scope) -> ColumnElement[bool]:
    """The condition on ``PackageRow`` for the packages this caller sees."""
    if scope.is_organisation:
        own = scope.filter(organisation_column=PackageRow.organisation_id)
        if scope.role not in ADMINISTERING_ROLES or not scope.organisation_ids:
            return own
        administered = select(OrganisationRow.id).where(
            OrganisationRow.administered_by.in_(sorted(scope.organisation_ids))
        )
        return or_(own, PackageRow.organisation_id.in_(administered))
    if scope.is_municipality:
        form = aliased(FormRow)  # the outer query may join FormRow itself
        located_here = (
            exists()
            .where(
                form.package_id == PackageRow.id, form.municipality_code == scope.municipality_code
            )
            .correlate(PackageRow)
        )
        return and_(
            PackageRow.status.in_(DELIVERED),
            or_(PackageRow.home_municipality_code == scope.municipality_code, located_here),
        )
    return scope.filter()


def published_packages() -> ColumnElement[bool]:
    """The condition on ``PackageRow`` for what the public sees."""
    return PackageRow.status.in_(PUBLISHED)


def readable_packages(scope: Scope | None) -> ColumnElement[bool]:
    """A caller's packages, or the public's for ``None``."""
    return published_packages() if scope is None else visible_packages(scope)
