"""A dwelling as of a date (now, and as the register knew it at a moment) and its history."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from common.auth import Role
from common.db.engine import libpq_dsn
from common.problems import PROBLEM_MEDIA_TYPE
from register.db.models import RecordVersionRow
from register.db.queries_history import versions_under

from .seed_rows import Seed, at, lease_values
from .test_records_api import API, lease, rent, seed_dwelling, writer

AS_OF = "/register/v1/dwellings/{}/as-of"
HISTORY = "/register/v1/dwellings/{}/history"


@pytest.fixture
async def env(register_client, register_db_url):
    client = await register_client()  # empties the database: seed after this
    seed = Seed(register_db_url)
    seed.organisation("ORG-1")
    seed.organisation("ORG-2")
    seed.department("AFD-1", "ORG-1", "101")
    seed.department("AFD-2", "ORG-2", "147")
    yield client, seed
    seed.dispose()


def org1(tokens, role: Role = Role.HOUSING_ORG) -> dict[str, str]:
    return tokens.headers(role, orgs=["ORG-1"])


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    return response.json()


async def as_of(client, headers, dwelling_id: str, day: str, known_at: str | None = None):
    params = {"date": day} if known_at is None else {"date": day, "known_at": known_at}
    return await client.get(AS_OF.format(dwelling_id), params=params, headers=headers)


class TestAsOfCurrentRecords:
    async def test_rent_sums_only_rent_forming_expenses_valid_that_day(self, env, tokens):
        client, seed = env
        seed.dwelling("B-1", "AFD-1")
        seed.lease("L-1", "B-1", date(2023, 2, 1))
        seed.expense("L-1", "base_rent", "5000.00", date(2023, 2, 1), date(2024, 3, 31))
        seed.expense("L-1", "base_rent", "5200.00", date(2024, 4, 1))
        seed.expense("L-1", "improvement_surcharge", "250.50", date(2024, 1, 1))
        seed.expense("L-1", "renewal_surcharge", "100.00", date(2024, 6, 1))
        seed.expense("L-1", "heating", "650.00", date(2023, 2, 1))
        seed.expense("L-1", "water", "120.00", date(2023, 2, 1))
        seed.expense("L-1", "antenna", "99.00", date(2023, 2, 1))

        response = await as_of(client, org1(tokens), "B-1", "2024-03-31")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["Dato"] == "2024-03-31"
        assert body["KendtPr"] is None
        assert body["Bolig"]["BoligUnikIdentifikator"] == "B-1"
        assert body["Bolig"]["BoligorganisationIdentifikator"] == "ORG-1"
        assert body["Bolig"]["KommuneKode"] == "101"
        assert body["Lejekontrakt"]["LejekontraktUnikIdentifikator"] == "L-1"
        assert body["Lejekontrakt"]["AnvisningstypeKode"] == "external_waiting_list"
        assert body["Lejekontrakt"]["LejerNavn"] == "Tenant of L-1"
        assert body["Husleje"] == "5250.50"  # 5000 + 250.50; heating, water, antenna are not rent
        lines = {(x["BoligudgiftTypeKode"], x["BoligudgiftBeloeb"]) for x in body["Boligudgifter"]}
        assert lines == {
            ("base_rent", "5000.00"),
            ("improvement_surcharge", "250.50"),
            ("heating", "650.00"),
            ("water", "120.00"),
            ("antenna", "99.00"),
        }
        flags = {
            x["BoligudgiftTypeKode"]: x["HuslejedannendeIndikator"] for x in body["Boligudgifter"]
        }
        assert flags == {
            "base_rent": True,
            "improvement_surcharge": True,
            "heating": False,
            "water": False,
            "antenna": False,
        }

        assert (await as_of(client, org1(tokens), "B-1", "2024-04-01")).json()[
            "Husleje"
        ] == "5450.50"
        assert (await as_of(client, org1(tokens), "B-1", "2024-06-01")).json()[
            "Husleje"
        ] == "5550.50"

    async def test_leases_ending_and_starting_on_the_boundary(self, env, tokens):
        client, seed = env
        seed.dwelling("B-1", "AFD-1")
        seed.lease("L-old", "B-1", date(2020, 1, 1), date(2024, 3, 31))
        seed.expense("L-old", "base_rent", "4000.00", date(2020, 1, 1))
        seed.lease("L-new", "B-1", date(2024, 4, 1))
        seed.expense("L-new", "base_rent", "4800.00", date(2024, 4, 1))

        async def lease_and_rent(day: str):
            body = (await as_of(client, org1(tokens), "B-1", day)).json()
            lease = body["Lejekontrakt"]
            return (lease and lease["LejekontraktUnikIdentifikator"], body["Husleje"])

        assert await lease_and_rent("2019-12-31") == (None, None)
        assert await lease_and_rent("2020-01-01") == ("L-old", "4000.00")
        assert await lease_and_rent("2024-03-31") == ("L-old", "4000.00")  # end day included
        assert await lease_and_rent("2024-04-01") == ("L-new", "4800.00")  # start day included
        assert await lease_and_rent("2030-01-01") == ("L-new", "4800.00")  # open end runs on

    async def test_on_a_shared_day_the_lease_starting_latest_wins(self, env, tokens):
        client, seed = env
        seed.dwelling("B-1", "AFD-1")
        seed.lease("L-a", "B-1", date(2020, 1, 1), date(2024, 4, 1))
        seed.lease("L-b", "B-1", date(2024, 4, 1))
        body = (await as_of(client, org1(tokens), "B-1", "2024-04-01")).json()
        assert body["Lejekontrakt"]["LejekontraktUnikIdentifikator"] == "L-b"
        assert body["Husleje"] == "0.00"  # a lease without rent lines that day

    async def test_held_and_draft_leases_are_not_in_force(self, env, tokens):
        client, seed = env
        seed.dwelling("B-1", "AFD-1")
        seed.lease("L-held", "B-1", date(2024, 1, 1), status="held")
        seed.expense("L-held", "base_rent", "5000.00", date(2024, 1, 1))
        seed.dwelling("B-2", "AFD-1")
        seed.lease("L-draft", "B-2", date(2024, 1, 1), status="draft")
        for dwelling in ("B-1", "B-2"):
            body = (await as_of(client, org1(tokens), dwelling, "2024-05-01")).json()
            assert body["Lejekontrakt"] is None
            assert body["Husleje"] is None
            assert body["Boligudgifter"] == []

    async def test_bad_parameters_are_422_problems(self, env, tokens):
        client, seed = env
        seed.dwelling("B-1", "AFD-1")
        for params in (
            {"date": "2024-13-01"},
            {},
            {"date": "2024-05-01", "known_at": "2024-06-01T12:00:00"},  # no timezone
            {"date": "2024-05-01", "known_at": "yesterday"},
        ):
            response = await client.get(AS_OF.format("B-1"), params=params, headers=org1(tokens))
            problem = assert_problem(response, 422)
            assert problem["errors"][0]["in"] == "query"

    async def test_unknown_dwelling_is_404(self, env, tokens):
        client, _ = env
        assert_problem(await as_of(client, tokens.headers(Role.FUND), "nope", "2024-01-01"), 404)


class TestAsOfKnownAt:
    """Version 1 recorded first, a correction (version 2) later: an answer "as known at" a
    moment before the correction stays the old one."""

    T_DWELLING = at("2024-01-10T09:00")
    T1 = at("2024-02-01T10:00")
    T_CORRECTION = at("2024-06-15T10:00")
    T_TERMINATION = at("2024-07-01T10:00")

    @pytest.fixture
    def corrected(self, env):
        client, seed = env
        dwelling = seed.dwelling("B-1", "AFD-1")
        seed.version("dwelling", "B-1", 1, dwelling, self.T_DWELLING)
        lease_v1 = lease_values("L-1", "B-1", date(2024, 2, 1))
        lease_v2 = lease_values("L-1", "B-1", date(2024, 2, 1), date(2024, 5, 31))
        seed.lease("L-1", "B-1", date(2024, 2, 1), date(2024, 5, 31))  # current = version 2
        seed.version("lease", "L-1", 1, lease_v1, self.T1)
        seed.version("lease", "L-1", 2, lease_v2, self.T_TERMINATION)
        base = seed.expense("L-1", "base_rent", "5500.00", date(2024, 2, 1))
        heat = seed.expense("L-1", "heating", "600.00", date(2024, 2, 1))
        seed.version(
            "housing_expense", str(base["id"]), 1, {**base, "monthly_amount": "5000.00"}, self.T1
        )
        seed.version("housing_expense", str(heat["id"]), 1, heat, self.T1)
        # The correction: the base rent was 5,500, not 5,000, from the start.
        seed.version("housing_expense", str(base["id"]), 2, base, self.T_CORRECTION)
        return client

    async def test_before_the_correction_the_old_answer(self, corrected, tokens):
        body = (
            await as_of(corrected, org1(tokens), "B-1", "2024-05-01", "2024-06-01T12:00:00+02:00")
        ).json()
        assert body["KendtPr"].startswith("2024-06-01T")
        assert body["Lejekontrakt"]["LejekontraktUnikIdentifikator"] == "L-1"
        assert body["Husleje"] == "5000.00"

    async def test_after_the_correction_the_new_answer(self, corrected, tokens):
        body = (
            await as_of(corrected, org1(tokens), "B-1", "2024-05-01", "2024-06-20T00:00:00Z")
        ).json()
        assert body["Husleje"] == "5500.00"
        assert body["Lejekontrakt"]["LejekontraktSlutDato"] is None  # termination not yet known

    async def test_exactly_at_the_correction_it_is_known(self, corrected, tokens):
        body = (
            await as_of(corrected, org1(tokens), "B-1", "2024-05-01", self.T_CORRECTION.isoformat())
        ).json()
        assert body["Husleje"] == "5500.00"

    async def test_without_known_at_the_current_records(self, corrected, tokens):
        body = (await as_of(corrected, org1(tokens), "B-1", "2024-05-01")).json()
        assert body["Husleje"] == "5500.00"
        assert body["Lejekontrakt"]["LejekontraktSlutDato"] == "2024-05-31"

    async def test_a_later_termination_changes_only_later_answers(self, corrected, tokens):
        asked = "2024-06-10"  # after the lease's corrected end
        before = (await as_of(corrected, org1(tokens), "B-1", asked, "2024-06-30T00:00:00Z")).json()
        after = (await as_of(corrected, org1(tokens), "B-1", asked, "2024-07-02T00:00:00Z")).json()
        assert before["Lejekontrakt"]["LejekontraktUnikIdentifikator"] == "L-1"
        assert before["Husleje"] == "5500.00"
        assert after["Lejekontrakt"] is None
        assert after["Husleje"] is None

    async def test_before_the_lease_was_recorded_no_lease(self, corrected, tokens):
        body = (
            await as_of(corrected, org1(tokens), "B-1", "2024-05-01", "2024-01-20T00:00:00Z")
        ).json()
        assert body["Bolig"]["BoligUnikIdentifikator"] == "B-1"
        assert body["Lejekontrakt"] is None

    async def test_before_the_dwelling_was_recorded_404(self, corrected, tokens):
        response = await as_of(corrected, org1(tokens), "B-1", "2024-05-01", "2023-12-31T00:00:00Z")
        assert "not known" in assert_problem(response, 404)["detail"]

    async def test_a_deleted_expense_is_gone_from_that_moment(self, env, tokens):
        client, seed = env
        dwelling = seed.dwelling("B-1", "AFD-1")
        seed.version("dwelling", "B-1", 1, dwelling, self.T_DWELLING)
        lease = seed.lease("L-1", "B-1", date(2024, 2, 1))
        seed.version("lease", "L-1", 1, lease, self.T1)
        base = seed.expense("L-1", "base_rent", "5000.00", date(2024, 2, 1))
        seed.version(
            "housing_expense",
            "99",
            1,
            {
                "id": 99,
                "lease_id": "L-1",
                "expense_type": "improvement_surcharge",
                "monthly_amount": "300.00",
                "valid_from": "2024-02-01",
                "valid_to": None,
            },
            self.T1,
        )
        seed.version("housing_expense", str(base["id"]), 1, base, self.T1)
        seed.version(
            "housing_expense",
            "99",
            2,
            {"id": 99, "lease_id": "L-1", "deleted": True},
            self.T_CORRECTION,
        )
        before = (
            await as_of(client, org1(tokens), "B-1", "2024-05-01", "2024-06-01T00:00:00Z")
        ).json()
        after = (
            await as_of(client, org1(tokens), "B-1", "2024-05-01", "2024-06-20T00:00:00Z")
        ).json()
        assert before["Husleje"] == "5300.00"
        assert after["Husleje"] == "5000.00"


class TestHistory:
    @pytest.fixture
    def recorded(self, env):
        client, seed = env
        dwelling = seed.dwelling("B-1", "AFD-1")
        seed.version("dwelling", "B-1", 1, dwelling, at("2024-01-01T08:00"), recorded_by="erp:a")
        lease = seed.lease("L-1", "B-1", date(2024, 2, 1))
        seed.version("lease", "L-1", 1, lease, at("2024-01-02T08:00"), recorded_by="erp:a")
        seed.version(
            "lease",
            "L-1",
            2,
            {**lease, "deposit": "16000.00"},
            at("2024-03-01T08:00"),
            recorded_by="erp:b",
        )
        base = seed.expense("L-1", "base_rent", "5000.00", date(2024, 2, 1))
        seed.version("housing_expense", str(base["id"]), 1, base, at("2024-01-02T08:00:01"))
        # Another dwelling's records are not part of this history.
        other = seed.dwelling("B-2", "AFD-1")
        seed.version("dwelling", "B-2", 1, other, at("2024-05-01T08:00"))
        seed.version(
            "lease", "L-2", 1, lease_values("L-2", "B-2", date(2024, 1, 1)), at("2024-05-01T08:00")
        )
        return client

    async def test_every_version_newest_first(self, recorded, tokens):
        response = await recorded.get(HISTORY.format("B-1"), headers=org1(tokens))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["BoligUnikIdentifikator"] == "B-1"
        assert body["total"] == 4
        assert body["next_offset"] is None
        seen = [(i["entity_type"], i["entity_id"], i["version"]) for i in body["items"]]
        assert seen[0] == ("lease", "L-1", 2)
        assert seen[1][0] == "housing_expense"
        assert seen[2:] == [("lease", "L-1", 1), ("dwelling", "B-1", 1)]
        newest = body["items"][0]
        assert newest["recorded_by"] == "erp:b"
        assert newest["recorded_at"].startswith("2024-03-01T08:00:00")
        assert newest["data"]["Depositum"] == "16000.00"
        assert newest["data"]["LejekontraktUnikIdentifikator"] == "L-1"
        assert newest["data"]["LejerNavn"] == "Tenant of L-1"
        assert body["items"][1]["data"]["BoligudgiftBeloeb"] == "5000.00"
        assert body["items"][3]["data"]["Vejnavn"] == "Ryesgade"

    async def test_paginated(self, recorded, tokens):
        first = (
            await recorded.get(HISTORY.format("B-1"), params={"limit": 3}, headers=org1(tokens))
        ).json()
        assert len(first["items"]) == 3
        assert first["next_offset"] == 3
        second = (
            await recorded.get(
                HISTORY.format("B-1"), params={"limit": 3, "offset": 3}, headers=org1(tokens)
            )
        ).json()
        assert [i["entity_type"] for i in second["items"]] == ["dwelling"]
        assert second["next_offset"] is None
        assert_problem(
            await recorded.get(HISTORY.format("B-1"), params={"limit": 0}, headers=org1(tokens)),
            422,
        )

    async def test_an_offset_beyond_any_history_is_a_422_not_a_500(self, recorded, tokens):
        """``offset=10**20`` reached PostgreSQL as a bigint out of range: a 500."""
        body = assert_problem(
            await recorded.get(
                HISTORY.format("B-1"), params={"offset": 10**20}, headers=org1(tokens)
            ),
            422,
        )
        [error] = body["errors"]
        assert (error["in"], error["parameter"]) == ("query", "offset")

    async def test_a_municipality_never_sees_tenant_names(self, recorded, tokens):
        response = await recorded.get(
            HISTORY.format("B-1"), headers=tokens.headers(Role.MUNICIPALITY, municipality="101")
        )
        assert response.status_code == 200
        assert "Tenant of" not in response.text
        assert response.json()["total"] == 4


AS_OF_MATRIX = [
    # (name, role, token kwargs, as-of status, history status, sees tenant name)
    ("own housing org", Role.HOUSING_ORG, {"orgs": ["ORG-1"]}, 200, 200, True),
    ("own admin org", Role.ADMIN_ORG, {"orgs": ["ORG-1", "ORG-3"]}, 200, 200, True),
    ("own ERP client", Role.ERP_CLIENT, {"orgs": ["ORG-1"]}, 200, 200, True),
    ("other housing org", Role.HOUSING_ORG, {"orgs": ["ORG-2"]}, 404, 404, None),
    ("other admin org", Role.ADMIN_ORG, {"orgs": ["ORG-2"]}, 404, 404, None),
    ("other ERP client", Role.ERP_CLIENT, {"orgs": ["ORG-2"]}, 404, 404, None),
    ("own municipality", Role.MUNICIPALITY, {"municipality": "101"}, 200, 200, False),
    ("other municipality", Role.MUNICIPALITY, {"municipality": "147"}, 404, 404, None),
    ("fund", Role.FUND, {}, 200, 200, True),
    ("benefit authority", Role.BENEFIT_AUTHORITY, {}, 200, 403, False),
    ("tribunal", Role.TRIBUNAL, {}, 403, 403, None),
]


class TestAccessMatrix:
    """Each role × each endpoint of this module (the feed has its own matrix)."""

    @pytest.fixture
    def placed(self, env):
        client, seed = env
        dwelling = seed.dwelling("B-1", "AFD-1")  # ORG-1, municipality 101
        seed.version("dwelling", "B-1", 1, dwelling, at("2024-01-01T00:00"))
        lease = seed.lease("L-1", "B-1", date(2024, 1, 1))
        seed.version("lease", "L-1", 1, lease, at("2024-01-01T00:00"))
        seed.dwelling("B-9", "AFD-2")  # ORG-2, municipality 147
        return client

    @pytest.mark.parametrize(
        ("name", "role", "claims", "as_of_status", "history_status", "sees_name"),
        AS_OF_MATRIX,
        ids=[c[0] for c in AS_OF_MATRIX],
    )
    async def test_matrix(
        self, placed, tokens, name, role, claims, as_of_status, history_status, sees_name
    ):
        headers = tokens.headers(role, **claims)
        for known_at in (None, "2024-06-01T00:00:00Z"):
            response = await as_of(placed, headers, "B-1", "2024-05-01", known_at)
            assert response.status_code == as_of_status, (name, known_at, response.text)
            if as_of_status == 200:
                assert response.json()["Lejekontrakt"]["LejekontraktUnikIdentifikator"] == "L-1"
                assert ("Tenant of L-1" in response.text) is sees_name
            else:
                assert_problem(response, as_of_status)
        response = await placed.get(HISTORY.format("B-1"), headers=headers)
        assert response.status_code == history_status, (name, response.text)
        if history_status == 200:
            assert ("Tenant of L-1" in response.text) is sees_name

    async def test_no_token_is_401(self, placed):
        for url in (AS_OF.format("B-1") + "?date=2024-05-01", HISTORY.format("B-1")):
            response = await placed.get(url)
            assert_problem(response, 401)
            assert response.headers["www-authenticate"] == "Bearer"

    async def test_a_foreign_dwelling_looks_like_a_missing_one(self, placed, tokens):
        foreign = await as_of(placed, org1(tokens), "B-9", "2024-05-01")
        missing = await as_of(placed, org1(tokens), "B-404", "2024-05-01")
        assert assert_problem(foreign, 404)["title"] == assert_problem(missing, 404)["title"]


async def test_openapi_documents_the_read_side(env):
    client, _ = env
    document = (await client.get("/register/openapi.json")).json()
    paths = document["paths"]
    for path in (
        "/register/v1/dwellings/{dwelling_id}/as-of",
        "/register/v1/dwellings/{dwelling_id}/history",
        "/register/v1/municipalities/{municipality_code}/as-of",
        "/register/v1/reports/departments/{department_id}",
        "/register/v1/reports/departments",
    ):
        operation = paths[path]["get"]
        assert operation["summary"], path
        assert {"401", "403", "404", "422"} <= set(operation["responses"]), path
    feed = paths["/register/v1/municipalities/{municipality_code}/as-of"]["get"]
    assert {"application/x-ndjson", "text/csv"} <= set(feed["responses"]["200"]["content"])
    as_of_schema = document["components"]["schemas"]["DwellingAsOfOut"]
    assert {"Husleje", "Lejekontrakt", "Bolig"} <= set(as_of_schema["properties"])
    assert as_of_schema["examples"][0]["Husleje"] == "6150.00"


@pytest.mark.parametrize(
    ("entity_type", "parents"), [("lease", ["B-1"]), ("housing_expense", ["L-1", "L-2"])]
)
async def test_a_dwellings_lease_and_expense_versions_are_found_through_the_index(
    env, register_db_url, entity_type, parents
):
    """The history selects versions by the expression ``ix_record_versions_parent`` is on:
    with another, PostgreSQL would read every version of the type and filter them. The plan is
    taken over a history of 20,000 versions under 10,000 records, analysed, as PostgreSQL plans
    for a real register (on a near-empty table every plan costs the same and any may win)."""
    statement = select(RecordVersionRow.entity_id).where(versions_under(entity_type, parents))
    query = str(
        statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    )
    with psycopg.connect(libpq_dsn(register_db_url), autocommit=True) as connection:
        connection.execute(
            """INSERT INTO record_versions
                   (entity_type, entity_id, version, organisation_id, data, recorded_by)
               SELECT kind, kind || '-' || n, 1, 'ORG-1',
                      jsonb_build_object(CASE kind WHEN 'lease' THEN 'dwelling_id'
                                         ELSE 'lease_id' END, 'P-' || n),
                      'test'
               FROM generate_series(1, 10000) AS n,
                    unnest(ARRAY['lease', 'housing_expense']) AS kind"""
        )
        connection.execute("ANALYZE record_versions")
        plan = "\n".join(row[0] for row in connection.execute(f"EXPLAIN {query}"))
    # the whole condition in the index's: nothing left to check row by row
    assert "ix_record_versions_parent" in plan, plan
    assert "Filter" not in plan, plan


async def test_drafts_and_held_versions_stay_out_of_a_non_submitters_history(
    register_client, tokens
):
    """The lease lists show the fund and municipalities accepted leases only, but a dwelling's
    history showed them every version: a draft (and the fund its tenant's name), its expense
    lines, a held state."""
    client = await register_client()
    await seed_dwelling(client, tokens, dwelling_ids=("bol-1",))
    draft = {
        "LejekontraktUnikIdentifikator": "lk-1",
        "BoligUnikIdentifikator": "bol-1",
        "KladdeIndikator": True,
        "LejerNavn": "Draft Tenant",
        "Boligudgifter": [rent("4000.00", "2026-12-01")],
    }
    response = await client.post(f"{API}/leases", json=draft, headers=writer(tokens))
    assert response.status_code == 201, response.text
    accepted = lease("lk-1", "bol-1", monthly_rent="5000.00", LejerNavn="Tenant", version=1)
    response = await client.put(f"{API}/leases/lk-1", json=accepted, headers=writer(tokens))
    assert response.status_code == 200, response.text

    own = (await client.get(HISTORY.format("bol-1"), headers=writer(tokens))).json()
    assert [(i["entity_type"], i["version"]) for i in own["items"]] == [
        ("housing_expense", 2),
        ("lease", 2),
        ("housing_expense", 1),
        ("lease", 1),
        ("dwelling", 1),
    ]
    for headers in (
        tokens.headers(Role.FUND),
        tokens.headers(Role.MUNICIPALITY, municipality="101"),
    ):
        body = (await client.get(HISTORY.format("bol-1"), headers=headers)).json()
        seen = [(i["entity_type"], i["version"]) for i in body["items"]]
        assert seen == [("housing_expense", 2), ("lease", 2), ("dwelling", 1)], seen
        assert body["total"] == 3
        assert "Draft Tenant" not in str(body)
        assert "4000.00" not in str(body)


async def test_an_organisation_sees_only_the_versions_recorded_for_it(register_client, tokens):
    """An administration organisation acting for two organisations moved a lease from one's
    dwelling to the other's: each organisation's history of its dwelling then showed the
    other's versions of the lease (its rent lines, its later states)."""
    client = await register_client()
    await seed_dwelling(client, tokens, dwelling_ids=("bol-a",))
    await seed_dwelling(client, tokens, "org-b", dep_id="afd-b", dwelling_ids=("bol-b",))
    response = await client.post(
        f"{API}/leases", json=lease("lk-1", "bol-a"), headers=writer(tokens)
    )
    assert response.status_code == 201, response.text
    admin = writer(tokens, "org-a", "org-b", role=Role.ADMIN_ORG)
    moved = lease("lk-1", "bol-b", monthly_rent="6100.00", version=1)
    response = await client.put(f"{API}/leases/lk-1", json=moved, headers=admin)
    assert response.status_code == 200, response.text

    def seen(body):
        return [(i["entity_type"], i["entity_id"], i["version"]) for i in body["items"]]

    own_a = (await client.get(HISTORY.format("bol-a"), headers=writer(tokens))).json()
    assert ("lease", "lk-1", 2) not in seen(own_a)
    assert ("lease", "lk-1", 1) in seen(own_a)
    own_b = (await client.get(HISTORY.format("bol-b"), headers=writer(tokens, "org-b"))).json()
    assert ("lease", "lk-1", 1) not in seen(own_b)
    assert ("lease", "lk-1", 2) in seen(own_b)
    assert "5875.00" not in str(own_b)
    both = (await client.get(HISTORY.format("bol-b"), headers=admin)).json()
    assert ("lease", "lk-1", 1) in seen(both)
