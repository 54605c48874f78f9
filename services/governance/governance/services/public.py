"""What the public sees without a token: the packages whose governance meeting has been held,
and their departments' key figures (without the organisation's comments)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from governance.db.models import FormRow, PackageRow
from governance.db.repositories import PackageRepository
from governance.domain.errors import PackageNotFoundError


async def published_packages(
    session: AsyncSession,
    year: int,
    home_municipality_code: str | None,
    after: str | None,
    limit: int,
) -> list[PackageRow]:
    """Up to ``limit`` published packages of a year by id, after the package ``after``."""
    return await PackageRepository(session).list_published(
        year, home_municipality_code, after, limit
    )


@dataclass(frozen=True, slots=True)
class PublishedFigures:
    package: PackageRow
    departments: list[FormRow]


async def published_figures(session: AsyncSession, package_id: str) -> PublishedFigures:
    repo = PackageRepository(session)
    package = await repo.published_package(package_id)
    if package is None:
        raise PackageNotFoundError(
            f"Package {package_id} is not published: key figures are public once the "
            "governance meeting has been held."
        )
    return PublishedFigures(package, await repo.department_forms(package.id))
