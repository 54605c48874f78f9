"""A department or key figures that arrive while the fund opens the year (or while the
department's form is being added, or the package is sent back) reach the package all the same.

Each test runs two transactions on the real PostgreSQL server the way a busy platform may: the
first does its work and stays open; the second starts meanwhile; the first commits only once
the second has ended or waits for a lock. Under READ COMMITTED without the package
locks, each missed the other's uncommitted rows and the figures (or the form) were never filled
in: the CI failure of the platform flow of 7 December 2026.
"""

from __future__ import annotations

from collections.abc import Awaitable

import pytest

from common.access import Scope
from common.auth import Role
from common.db.uow import UnitOfWork
from common.events.envelope import Envelope
from common.testing.interleaving import Step, interleaved
from governance.events.incoming import handle_key_figures, handle_master_data
from governance.services.packages import generate_packages
from governance.services.workflow import return_package

from .support import (
    API,
    YEAR,
    apply,
    department,
    figure,
    fund,
    key_figures,
    open_year,
    org,
    organisation,
    sql,
    standard_catalogue_body,
)

PKG = f"pkg-{YEAR}-BO-1"
FUND = Scope("lbf-caseworker", Role.FUND, None, None)


def opening_the_year(uow: UnitOfWork) -> Awaitable[object]:
    return generate_packages(uow.session, FUND, YEAR)


def consuming(envelope: Envelope) -> Step:
    """The consumer's handler of ``envelope`` (what the runner calls inside its transaction)."""
    handle = handle_key_figures if envelope.type.startswith("benchmarks.") else handle_master_data
    return lambda uow: handle(uow.session, envelope)


FIGURES_D1 = key_figures("d1", "BO-1", figure("rent_per_m2"))


@pytest.fixture
async def client(governance_client, governance_db, tokens):
    """BO-1 with department d1 has arrived from the register and the year's catalogue is
    loaded; the year is not open yet."""
    client = await governance_client()
    await apply(governance_db, organisation("BO-1", "101"), department("d1", "BO-1", "101"))
    response = await client.put(
        f"{API}/catalogues/{YEAR}", json=standard_catalogue_body(), headers=fund(tokens)
    )
    assert response.status_code == 200, response.text
    return client


async def forms(client, tokens) -> dict[str, bool]:
    """The package's department forms: whether each has its key figures prefilled."""
    response = await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))
    assert response.status_code == 200, response.text
    return {f["key"]: f["figures_prefilled"] for f in response.json()["departments"]}


class TestOpeningTheYearMeetsTheConsumers:
    async def test_figures_that_arrive_while_the_year_opens_are_prefilled(
        self, client, tokens, governance_db
    ):
        await interleaved(governance_db, opening_the_year, consuming(FIGURES_D1))
        assert await forms(client, tokens) == {"d1": True}

    async def test_a_year_opened_while_figures_arrive_takes_them(
        self, client, tokens, governance_db
    ):
        await interleaved(governance_db, consuming(FIGURES_D1), opening_the_year)
        assert await forms(client, tokens) == {"d1": True}

    async def test_a_department_that_arrives_while_the_year_opens_gets_its_form(
        self, client, tokens, governance_db
    ):
        await interleaved(
            governance_db,
            opening_the_year,
            consuming(department("d2", "BO-1", "147")),
        )
        assert await forms(client, tokens) == {"d1": False, "d2": False}


class TestANewDepartmentsFormMeetsItsFigures:
    """The year is open; department d2 is new. Its form (added by the master-data consumer)
    and its figures (the key-figures consumer, on another topic) arrive at the same time."""

    FIGURES_D2 = key_figures("d2", "BO-1", figure("rent_per_m2"), municipality="147")

    @pytest.mark.parametrize("figures_first", [False, True], ids=["form-first", "figures-first"])
    async def test_the_new_form_is_prefilled(self, client, tokens, governance_db, figures_first):
        await open_year(client, tokens)
        form, figures = consuming(department("d2", "BO-1", "147")), consuming(self.FIGURES_D2)
        first, second = (figures, form) if figures_first else (form, figures)
        await interleaved(governance_db, first, second)
        assert await forms(client, tokens) == {"d1": False, "d2": True}


class TestSendingBackMeetsTheRegister:
    """The package is sent; department d2 arrives from the register while the home municipality
    sends the package back. Without the package-opening lock the consumer found the package
    sent (the return not committed) and the return did not see d2 (not committed): d2 never got
    its form."""

    HOME = Scope("kommune-101", Role.MUNICIPALITY, None, "101")

    @staticmethod
    def sending_back(uow: UnitOfWork) -> Awaitable[object]:
        return return_package(uow, TestSendingBackMeetsTheRegister.HOME, PKG, None, None)

    @pytest.mark.parametrize("return_first", [True, False], ids=["return-first", "register-first"])
    async def test_the_new_department_gets_its_form(
        self, client, tokens, governance_db, governance_db_url, return_first
    ):
        await open_year(client, tokens)
        sql(governance_db_url, "UPDATE packages SET status='sent', sent_at=now() WHERE id=%s", PKG)
        arriving = consuming(department("d2", "BO-1", "147"))
        first, second = (
            (self.sending_back, arriving) if return_first else (arriving, self.sending_back)
        )
        await interleaved(governance_db, first, second)
        assert await forms(client, tokens) == {"d1": False, "d2": False}
