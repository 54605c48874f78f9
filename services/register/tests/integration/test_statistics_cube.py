"""The statistics cube (issue 17, goal 4) answers exactly what the reference queries answer.

A synthetic register (``register_synthetic``, seed 1, 3,000 dwellings, copied in with ``COPY``)
is changed through the API — a back-dated termination and the re-letting after it, a rent
change, a back-dated correction of a lease's allocation type and start, a new dwelling, a draft
and a held lease — and after each step every statistic and both data-sheet formats, on the
snapshot date, a date in the past and the change's own date, are compared with the reference:
the same use cases with the reference queries of ``register.db.queries_statistics``
(``statistics._ATTEMPTS = 0`` skips the cube), rendered by the same schemas. The answers are
asked twice (the first computes the kept rows, the second reads them), and the test checks that
the changes did change the figures, so a kept row that outlived its change cannot pass.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import httpx
import openpyxl
import psycopg
import pytest
from sqlalchemy import make_url

from common.auth import Role
from common.db.engine import Database
from common.testing.fixtures import TokenFactory
from register.api import statistics_schemas as schemas
from register.db.statistics_cube import prune
from register.services import statistics
from register.services.statistics_exports import data_sheet_xlsx
from register_synthetic import TABLE_COLUMNS, iter_table_rows

SEED = 1
DWELLINGS = 3_000
API = "/register/v1"
BASE = f"{API}/statistics"
SNAPSHOT = date(2023, 1, 1)  # the synthetic register's stock date (re-lettings of 2022)
PAST = date(2016, 6, 30)
YEAR = 2022


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sql(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(_dsn(url)) as connection:
        cursor = connection.execute(query, params)
        return list(cursor) if cursor.description else []


def load_synthetic_register(url: str) -> None:
    with psycopg.connect(_dsn(url)) as connection, connection.cursor() as cursor:
        for table, rows in iter_table_rows(SEED, DWELLINGS):
            columns = ", ".join(TABLE_COLUMNS[table])
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        connection.commit()


@pytest.fixture
async def client(register_client, register_db_url: str) -> httpx.AsyncClient:
    client = await register_client()
    await asyncio.to_thread(load_synthetic_register, register_db_url)
    return client


@pytest.fixture
async def database(register_db_url: str) -> AsyncIterator[Database]:
    database = Database(register_db_url)
    yield database
    await database.dispose()


@contextmanager
def reference_queries() -> Iterator[None]:
    """The use cases answer from the reference queries (the cube is never tried)."""
    attempts = statistics._ATTEMPTS
    statistics._ATTEMPTS = 0
    try:
        yield
    finally:
        statistics._ATTEMPTS = attempts


def municipalities(url: str) -> list[str]:
    """The two municipalities with the most dwellings."""
    rows = sql(
        url,
        "SELECT dep.municipality_code FROM dwellings d JOIN departments dep "
        "ON dep.id = d.department_id GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2",
    )
    return [r[0] for r in rows]


def workbook_values(body: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def requests(dates: list[date], municipality_codes: list[str]) -> list[tuple[str, Any]]:
    """(path, the use case's reference answer as the API renders it) for every product."""
    out: list[tuple[str, Any]] = []
    for on in dates:
        for code in [None, *municipality_codes]:
            query = f"?date={on}" + (f"&municipality={code}" if code else "")
            out.append(
                (
                    f"{BASE}/dwellings{query}",
                    ("dwellings", {"on": on, "municipality_code": code}),
                )
            )
        out.append((f"{BASE}/rent-bands/municipalities?date={on}", ("shares", {"on": on})))
        out.append((f"{BASE}/municipal-allocation/stock?date={on}", ("stock", {"on": on})))
        for code in municipality_codes:
            for fmt in ("json", "xlsx"):
                out.append(
                    (
                        f"{BASE}/municipalities/{code}/data-sheet?date={on}&year={YEAR}"
                        f"&format={fmt}",
                        (f"sheet-{fmt}", {"code": code, "on": on}),
                    )
                )
    for code in [None, *municipality_codes]:
        suffix = f"&municipality={code}" if code else ""
        out.append((f"{BASE}/re-lettings?year={YEAR}{suffix}", ("relet", {"code": code})))
        out.append(
            (
                f"{BASE}/re-lettings/rent-bands?year={YEAR}{suffix}",
                ("relet-bands", {"code": code}),
            )
        )
    out.append((f"{BASE}/municipal-allocation?year={YEAR}", ("allocation", {})))
    return out


async def reference(database: Database, what: str, args: dict[str, Any]) -> Any:
    async with database.session() as session, session.begin():
        with reference_queries():
            if what == "dwellings":
                r = await statistics.dwelling_statistics(session, **args)
                return schemas.DwellingStatistics.model_validate(r, from_attributes=True)
            if what == "shares":
                r = await statistics.rent_band_shares(session, on=args["on"], housing_type=None)
                return schemas.RentBandShares.model_validate(r, from_attributes=True)
            if what == "stock":
                r = await statistics.municipal_allocation_stock_statistics(
                    session, on=args["on"], housing_type=None
                )
                return schemas.MunicipalAllocationStockStatistics.model_validate(
                    r, from_attributes=True
                )
            if what.startswith("sheet-"):
                sheet = await statistics.data_sheet(session, args["code"], on=args["on"], year=YEAR)
                assert sheet.basis is None  # the reference queries answered
                if what == "sheet-xlsx":
                    return data_sheet_xlsx(sheet)
                return schemas.DataSheet.model_validate(sheet, from_attributes=True)
            if what == "relet":
                r = await statistics.reletting_statistics(
                    session, year=YEAR, municipality_code=args["code"], housing_type=None
                )
                return schemas.RelettingStatistics.model_validate(r, from_attributes=True)
            if what == "relet-bands":
                r = await statistics.relettings_by_rent_band(
                    session, year=YEAR, on=None, municipality_code=args["code"], housing_type=None
                )
                return schemas.RelettingsByRentBand.model_validate(r, from_attributes=True)
            assert what == "allocation"
            r = await statistics.municipal_allocation_statistics(
                session, year=YEAR, housing_type=None
            )
            return schemas.MunicipalAllocationStatistics.model_validate(r, from_attributes=True)


async def assert_cube_equals_reference(
    client: httpx.AsyncClient, database: Database, dates: list[date], codes: list[str]
) -> dict[str, Any]:
    """Every answer of the API (asked twice) equals the reference; returns the answers."""
    answers: dict[str, Any] = {}
    for path, (what, args) in requests(dates, codes):
        expected = await reference(database, what, args)
        for attempt in ("computed", "kept"):
            response = await client.get(path)
            assert response.status_code == 200, (path, response.text)
            if what == "sheet-xlsx":
                got = workbook_values(response.content)
                assert got == workbook_values(expected), (path, attempt)
            else:
                got = response.json()
                assert got == expected.model_dump(mode="json", by_alias=True), (path, attempt)
        answers[path] = got
    return answers


LEASE_FIELDS = (
    "LejekontraktUnikIdentifikator",
    "BoligUnikIdentifikator",
    "EksternReference",
    "LejekontraktStartDato",
    "LejekontraktSlutDato",
    "AnvisningstypeKode",
    "LejekontraktTomgangsledigIndikator",
    "LejekontraktLedigIndikator",
    "Depositum",
    "LejerNavn",
)


class Register:
    """Writes to the synthetic register through the API, as the owning organisation."""

    def __init__(self, client: httpx.AsyncClient, tokens: TokenFactory, url: str) -> None:
        self.client, self.tokens, self.url = client, tokens, url

    def headers_for_lease(self, lease_id: str) -> dict[str, str]:
        [(organisation_id,)] = sql(
            self.url,
            "SELECT dep.organisation_id FROM leases l JOIN dwellings d ON d.id = l.dwelling_id "
            "JOIN departments dep ON dep.id = d.department_id WHERE l.id = %s",
            lease_id,
        )
        return self.headers(organisation_id)

    def headers(self, organisation_id: str) -> dict[str, str]:
        return self.tokens.headers(
            Role.HOUSING_ORG, orgs=[organisation_id], subject=f"erp-{organisation_id}"
        )

    async def update_lease(self, lease_id: str, **changes: Any) -> dict[str, Any]:
        headers = self.headers_for_lease(lease_id)
        current = await self.client.get(f"{API}/leases/{lease_id}", headers=headers)
        assert current.status_code == 200, current.text
        body = {k: current.json()[k] for k in LEASE_FIELDS}
        body.update(changes)
        body["version"] = current.json()["version"]
        response = await self.client.put(f"{API}/leases/{lease_id}", json=body, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def create(self, path: str, body: dict[str, Any], organisation_id: str) -> dict:
        response = await self.client.post(
            f"{API}/{path}", json=body, headers=self.headers(organisation_id)
        )
        assert response.status_code == 201, response.text
        return response.json()


def base_rent(amount: str, start: str, **more: Any) -> dict[str, Any]:
    return {
        "BoligudgiftTypeKode": "base_rent",
        "BoligudgiftBeloeb": amount,
        "BoligudgiftStartDato": start,
        **more,
    }


def in_force_lease(url: str, municipality: str, *, skip: int) -> tuple[str, str, str, str]:
    """(lease, dwelling, department, organisation) of an open-ended accepted lease in force on
    the snapshot date that started before 2022, in the municipality."""
    rows = sql(
        url,
        "SELECT l.id, l.dwelling_id, dep.id, dep.organisation_id FROM leases l "
        "JOIN dwellings d ON d.id = l.dwelling_id JOIN departments dep ON dep.id = d.department_id "
        "WHERE dep.municipality_code = %s AND l.status = 'accepted' AND l.end_date IS NULL "
        "AND l.start_date < '2021-01-01' AND NOT l.vacancy_loss_flag AND NOT l.vacant_soon_flag "
        "ORDER BY l.id OFFSET %s LIMIT 1",
        municipality,
        skip,
    )
    return rows[0]


def base_rent_on(url: str, lease_id: str, on: date) -> str:
    [(amount,)] = sql(
        url,
        "SELECT monthly_amount FROM housing_expenses WHERE lease_id = %s "
        "AND expense_type = 'base_rent' AND valid_from <= %s "
        "AND (valid_to IS NULL OR valid_to >= %s)",
        lease_id,
        on,
        on,
    )
    return str(amount)


class TestStatisticsCube:
    async def test_every_statistic_equals_the_reference_queries_through_changes(
        self, client: httpx.AsyncClient, tokens: TokenFactory, database: Database,
        register_db_url: str,
    ) -> None:  # fmt: skip
        url = register_db_url
        codes = municipalities(url)
        main = codes[0]
        dates = [SNAPSHOT, PAST]
        before = await assert_cube_equals_reference(client, database, dates, codes)
        kept = sql(url, "SELECT count(DISTINCT department_id) FROM stat_stock")[0][0]
        assert kept == sql(url, "SELECT count(*) FROM departments")[0][0]

        register = Register(client, tokens, url)

        # 1. A back-dated termination (a move-out in 2022) and the re-letting after it by
        #    municipal allocation; the stock on the snapshot date changes band and allocation.
        lease_id, dwelling_id, department_id, organisation_id = in_force_lease(url, main, skip=0)
        rent = base_rent_on(url, lease_id, date(2022, 6, 30))
        ended = await register.update_lease(lease_id, LejekontraktSlutDato="2022-06-30")
        assert ended["Status"] == "accepted"
        new_rent = f"{float(rent) * 1.02:.2f}"  # a plausible step, not a rent jump
        relet = await register.create(
            "leases",
            {
                "LejekontraktUnikIdentifikator": f"{lease_id}-relet",
                "BoligUnikIdentifikator": dwelling_id,
                "EksternReference": "cube-test-1",
                "LejekontraktStartDato": "2022-07-01",
                "AnvisningstypeKode": "municipal_allocation",
                "Boligudgifter": [base_rent(new_rent, "2022-07-01")],
            },
            organisation_id,
        )
        assert relet["Status"] == "accepted", relet

        # 2. A rent change of another lease from 2022-12-01 (a new base rent line).
        other, _, _, _ = in_force_lease(url, main, skip=1)
        current = base_rent_on(url, other, date(2022, 11, 30))
        headers = register.headers_for_lease(other)
        expenses = await client.get(f"{API}/leases/{other}/expenses", headers=headers)
        [line] = [
            e for e in expenses.json()["items"]
            if e["BoligudgiftTypeKode"] == "base_rent" and e["BoligudgiftSlutDato"] is None
        ]  # fmt: skip
        changed = await register.update_lease(
            other,
            Boligudgifter=[
                base_rent(current, line["BoligudgiftStartDato"], BoligudgiftSlutDato="2022-11-30"),
                base_rent(f"{float(current) + 1200:.2f}", "2022-12-01"),
            ],
        )
        assert changed["Status"] == "accepted", changed

        # 3. A back-dated correction: a 2022 re-letting's allocation type was exchange.
        [(corrected,)] = sql(
            url,
            "SELECT l.id FROM leases l JOIN dwellings d ON d.id = l.dwelling_id "
            "JOIN departments dep ON dep.id = d.department_id WHERE dep.municipality_code = %s "
            "AND l.status = 'accepted' AND l.start_date >= '2022-01-01' "
            "AND l.start_date < '2023-01-01' AND l.allocation_type <> 'exchange' "
            "AND l.id NOT LIKE '%%-relet' ORDER BY l.id LIMIT 1",
            main,
        )
        fixed = await register.update_lease(corrected, AnvisningstypeKode="exchange")
        assert fixed["Status"] == "accepted", fixed

        # 4. A new dwelling in the department of step 1 (stock +1, no rent on the snapshot
        #    date), a draft lease, a first letting in the first half of 2022 (a move-out, not a
        #    re-letting) and a held lease after it (a rent jump): the draft and the held lease
        #    never count.
        [dwelling_row] = sql(
            url, "SELECT street, postcode, city FROM dwellings WHERE id = %s", dwelling_id
        )
        await register.create(
            "dwellings",
            {
                "BoligUnikIdentifikator": f"{dwelling_id}-new",
                "AfdelingIdentifikator": department_id,
                "Vejnavn": dwelling_row[0],
                "Husnummer": "99",
                "Postnummer": dwelling_row[1],
                "Bynavn": dwelling_row[2],
                "BoligAntalRum": 3,
                "BoligArealKvadratmeter": "75.00",
            },
            organisation_id,
        )
        draft = await register.create(
            "leases",
            {
                "LejekontraktUnikIdentifikator": f"{dwelling_id}-new-draft",
                "BoligUnikIdentifikator": f"{dwelling_id}-new",
                "KladdeIndikator": True,
            },
            organisation_id,
        )
        assert draft["Status"] == "draft"
        new_dwelling = f"{dwelling_id}-new"
        first_letting = await register.create(
            "leases",
            {
                "LejekontraktUnikIdentifikator": f"{new_dwelling}-first",
                "BoligUnikIdentifikator": new_dwelling,
                "EksternReference": "cube-test-2",
                "LejekontraktStartDato": "2022-01-01",
                "LejekontraktSlutDato": "2022-06-30",
                "AnvisningstypeKode": "external_waiting_list",
                "Boligudgifter": [
                    base_rent("5000.00", "2022-01-01", BoligudgiftSlutDato="2022-06-30")
                ],
            },
            organisation_id,
        )
        assert first_letting["Status"] == "accepted", first_letting
        held = await register.create(
            "leases",
            {
                "LejekontraktUnikIdentifikator": f"{new_dwelling}-held",
                "BoligUnikIdentifikator": new_dwelling,
                "EksternReference": "cube-test-3",
                "LejekontraktStartDato": "2022-07-01",
                "AnvisningstypeKode": "municipal_allocation",
                "Boligudgifter": [base_rent("9000.00", "2022-07-01")],
            },
            organisation_id,
        )
        assert held["Status"] == "held", held

        after = await assert_cube_equals_reference(
            client, database, [*dates, date(2022, 7, 1)], codes
        )
        changed_paths = [p for p in before if before[p] != after.get(p)]
        sheet = f"{BASE}/municipalities/{main}/data-sheet?date={SNAPSHOT}&year={YEAR}&format=json"
        assert sheet in changed_paths
        assert f"{BASE}/dwellings?date={SNAPSHOT}" in changed_paths
        assert f"{BASE}/re-lettings?year={YEAR}&municipality={main}" in changed_paths
        assert f"{BASE}/municipal-allocation/stock?date={SNAPSHOT}" in changed_paths
        # In the past only the new dwelling shows (a dwelling has no dates): one more without
        # a rent, the bands with a rent as they were.
        past = f"{BASE}/dwellings?date={PAST}"
        [was] = [r for r in before[past]["rows"] if r["housing_type"] == "all"]
        [now] = [r for r in after[past]["rows"] if r["housing_type"] == "all"]
        assert now["total"]["value"] == was["total"]["value"] + 1
        assert (
            now["by_rent_band"]["no_rent"]["value"] == was["by_rent_band"]["no_rent"]["value"] + 1
        )
        for band in ("under_3500", "3500_4499", "4500_6500", "over_6500"):
            assert now["by_rent_band"][band] == was["by_rent_band"][band]

        # Pruning keeps what is used and drops the change log every kept row has seen.
        # (How many change-log rows go depends on the oldest transaction running anywhere on
        # the server, so only that the count adds up is asserted.)
        logged = sql(url, "SELECT count(*) FROM stat_changes")[0][0]
        async with database.session() as session, session.begin():
            dropped = await prune(session, keep_dates=2, keep_years=1, keep_answers=100)
        assert dropped is not None
        assert sql(url, "SELECT count(*) FROM stat_changes")[0][0] == logged - dropped
        assert sql(url, 'SELECT count(DISTINCT "on") FROM stat_stock')[0][0] == 2
        await assert_cube_equals_reference(client, database, dates, codes)

    async def test_a_kept_row_that_missed_a_committed_change_is_not_used(
        self, client: httpx.AsyncClient, database: Database, register_db_url: str
    ) -> None:
        """A change committed by hand-written SQL (no API, no writer) is seen too: the
        triggers log it; the stale kept row is computed again."""
        url = register_db_url
        [code, _] = municipalities(url)
        path = f"{BASE}/dwellings?date={SNAPSHOT}&municipality={code}"
        first = (await client.get(path)).json()
        sql(
            url,
            "UPDATE housing_expenses SET monthly_amount = monthly_amount + 5000 "
            "WHERE lease_id IN (SELECT l.id FROM leases l JOIN dwellings d ON d.id = l.dwelling_id "
            "JOIN departments dep ON dep.id = d.department_id WHERE dep.municipality_code = %s) "
            "AND expense_type = 'base_rent'",
            code,
        )
        second = (await client.get(path)).json()
        assert second != first
        expected = await reference(
            database, "dwellings", {"on": SNAPSHOT, "municipality_code": code}
        )
        assert second == expected.model_dump(mode="json", by_alias=True)
        [was] = [r for r in first["rows"] if r["housing_type"] == "all"]
        [now] = [r for r in second["rows"] if r["housing_type"] == "all"]
        assert now["total"] == was["total"]
        assert now["by_rent_band"]["over_6500"]["value"] > was["by_rent_band"]["over_6500"]["value"]

    async def test_a_row_computed_while_a_change_was_uncommitted_is_not_used_after_it_commits(
        self, client: httpx.AsyncClient, database: Database, register_db_url: str
    ) -> None:
        """The kept row's snapshot did not see the writer's transaction (in progress when the
        row was computed); once it commits, the row no longer holds."""
        url = register_db_url
        [code, _] = municipalities(url)
        path = f"{BASE}/dwellings?date={SNAPSHOT}&municipality={code}"
        first = (await client.get(path)).json()
        with psycopg.connect(_dsn(url)) as writer:
            writer.execute(
                "UPDATE housing_expenses SET monthly_amount = monthly_amount + 5000 "
                "WHERE expense_type = 'base_rent' AND lease_id IN (SELECT l.id FROM leases l "
                "JOIN dwellings d ON d.id = l.dwelling_id JOIN departments dep "
                "ON dep.id = d.department_id WHERE dep.municipality_code = %s)",
                (code,),
            )
            # a reader computes every kept row again while the change is not committed
            sql(url, "DELETE FROM stat_stock")
            assert (await client.get(path)).json() == first
            assert sql(url, "SELECT count(*) FROM stat_stock")[0][0] > 0
            writer.commit()
        after = (await client.get(path)).json()
        assert after != first
        expected = await reference(
            database, "dwellings", {"on": SNAPSHOT, "municipality_code": code}
        )
        assert after == expected.model_dump(mode="json", by_alias=True)
