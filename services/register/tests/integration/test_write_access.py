"""Who may write and read which register records through the ERP webservice, and that hostile
input never breaks it.

Organisation A (Copenhagen, 101) and organisation B (Frederiksberg, 147) each have a department,
a dwelling, a lease with a tenant name and its expenses; every role is tried on every endpoint.
"""

from __future__ import annotations

from typing import Any

import pytest

from common.auth import Role
from common.testing.fuzz import fuzz_operations

from .test_records_api import (
    API,
    ORG_A,
    ORG_B,
    assert_problem,
    created,
    department,
    dwelling,
    lease,
    organisation,
    seed_dwelling,
    writer,
)

WRITER_ROLES = (Role.HOUSING_ORG, Role.ADMIN_ORG, Role.ERP_CLIENT)
COLLECTIONS = ("organisations", "departments", "building-sections", "dwellings", "leases")
RECORDS_OF = {
    ORG_A: {
        "organisations": ORG_A,
        "departments": "afd-a",
        "dwellings": "bol-a",
        "leases": "lk-a",
    },
    ORG_B: {
        "organisations": ORG_B,
        "departments": "afd-b",
        "dwellings": "bol-b",
        "leases": "lk-b",
    },
}
ID_FIELD = {
    "organisations": "BoligorganisationIdentifikator",
    "departments": "AfdelingIdentifikator",
    "building-sections": "ByggeafsnitIdentifikator",
    "dwellings": "BoligUnikIdentifikator",
    "leases": "LejekontraktUnikIdentifikator",
}


@pytest.fixture
async def client(register_client, tokens):
    client = await register_client()
    for org_id, municipality in ((ORG_A, "101"), (ORG_B, "147")):
        suffix = org_id[-1]
        await seed_dwelling(
            client, tokens, org_id, dep_id=f"afd-{suffix}", dwelling_ids=(f"bol-{suffix}",),
            municipality=municipality,
        )  # fmt: skip
        headers = writer(tokens, org_id)
        await created(
            client,
            "building-sections",
            {"ByggeafsnitIdentifikator": f"afs-{suffix}", "AfdelingIdentifikator": f"afd-{suffix}",
             "ByggeafsnitNavn": "Blok A"},
            headers,
        )  # fmt: skip
        body = lease(f"lk-{suffix}", f"bol-{suffix}", LejerNavn=f"Lejer {suffix.upper()}")
        await created(client, "leases", body, headers)
    return client


def reader_headers(tokens, role: Role, **claims: Any) -> dict[str, str]:
    if role in WRITER_ROLES:
        return writer(tokens, ORG_A, role=role)
    return tokens.headers(role, **claims)


async def listed_ids(client, collection: str, headers: dict[str, str]) -> set[str]:
    response = await client.get(f"{API}/{collection}", headers=headers)
    assert response.status_code == 200, response.text
    return {item[ID_FIELD[collection]] for item in response.json()["items"]}


class TestReadAccess:
    @pytest.mark.parametrize("role", WRITER_ROLES)
    @pytest.mark.parametrize("collection", COLLECTIONS)
    async def test_an_organisation_sees_only_its_own_records(
        self, client, tokens, role, collection
    ):
        headers = reader_headers(tokens, role)
        ids = await listed_ids(client, collection, headers)
        assert ids
        assert all(i.endswith("-a") for i in ids)
        if collection in RECORDS_OF[ORG_B]:
            own = RECORDS_OF[ORG_A][collection]
            other = RECORDS_OF[ORG_B][collection]
            assert (
                await client.get(f"{API}/{collection}/{own}", headers=headers)
            ).status_code == 200
            assert_problem(await client.get(f"{API}/{collection}/{other}", headers=headers), 404)

    @pytest.mark.parametrize("role", WRITER_ROLES)
    async def test_an_organisation_never_sees_another_organisations_expenses(
        self, client, tokens, role
    ):
        headers = reader_headers(tokens, role)
        assert (await client.get(f"{API}/leases/lk-a/expenses", headers=headers)).is_success
        assert_problem(await client.get(f"{API}/leases/lk-b/expenses", headers=headers), 404)
        assert_problem(await client.get(f"{API}/leases/lk-b/expenses/2", headers=headers), 404)

    @pytest.mark.parametrize("collection", COLLECTIONS)
    async def test_a_municipality_sees_what_lies_in_it(self, client, tokens, collection):
        headers = tokens.headers(Role.MUNICIPALITY, municipality="101")
        expected = {**RECORDS_OF[ORG_A], "building-sections": "afs-a"}[collection]
        assert await listed_ids(client, collection, headers) == {expected}

    async def test_a_municipality_sees_an_organisation_at_home_elsewhere_with_a_department_in_it(
        self, client, tokens
    ):
        # ORG_B is at home in 147; a department of it in 101 makes it 101's business too
        await seed_dwelling(
            client, tokens, ORG_B, dep_id="afd-b101", dwelling_ids=("bol-b101",), municipality="101"
        )
        seen_by = {
            code: await listed_ids(
                client, "organisations", tokens.headers(Role.MUNICIPALITY, municipality=code)
            )
            for code in ("101", "147", "751")
        }
        assert seen_by == {"101": {ORG_A, ORG_B}, "147": {ORG_B}, "751": set()}
        for code, status in (("101", 200), ("147", 200), ("751", 404)):
            headers = tokens.headers(Role.MUNICIPALITY, municipality=code)
            response = await client.get(f"{API}/organisations/{ORG_B}", headers=headers)
            assert response.status_code == status, (code, response.text)
        headers = tokens.headers(Role.MUNICIPALITY, municipality="147")
        assert_problem(await client.get(f"{API}/organisations/{ORG_A}", headers=headers), 404)

    async def test_a_municipality_never_sees_tenant_names(self, client, tokens):
        headers = tokens.headers(Role.MUNICIPALITY, municipality="101")
        one = await client.get(f"{API}/leases/lk-a", headers=headers)
        assert one.json()["LejerNavn"] is None
        listed = await client.get(f"{API}/leases", headers=headers)
        assert [item["LejerNavn"] for item in listed.json()["items"]] == [None]
        assert_problem(await client.get(f"{API}/leases/lk-b", headers=headers), 404)

    @pytest.mark.parametrize(
        ("collection", "own", "other"),
        [
            ("departments", "afd-a", "afd-b"),
            ("building-sections", "afs-a", "afs-b"),
            ("dwellings", "bol-a", "bol-b"),
            ("leases", "lk-a", "lk-b"),
        ],
    )
    async def test_a_municipality_reads_by_id_only_what_lies_in_it(
        self, client, tokens, collection, own, other
    ):
        headers = tokens.headers(Role.MUNICIPALITY, municipality="101")
        response = await client.get(f"{API}/{collection}/{own}", headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()[ID_FIELD[collection]] == own
        assert_problem(await client.get(f"{API}/{collection}/{other}", headers=headers), 404)

    async def test_a_draft_lease_is_read_by_id_by_its_organisation_only(self, client, tokens):
        headers = writer(tokens, ORG_A)
        await created(client, "dwellings", dwelling("bol-a2", "afd-a"), headers)
        draft = lease("lk-a2", "bol-a2", KladdeIndikator=True, Boligudgifter=[])
        del draft["EksternReference"]
        await created(client, "leases", draft, headers)

        own = await client.get(f"{API}/leases/lk-a2", headers=headers)
        assert own.status_code == 200, own.text
        assert own.json()["Status"] == "draft"
        assert own.json()["BoligUnikIdentifikator"] == "bol-a2"
        for outsider in (
            tokens.headers(Role.FUND),
            tokens.headers(Role.MUNICIPALITY, municipality="101"),
            writer(tokens, ORG_B),
        ):
            assert_problem(await client.get(f"{API}/leases/lk-a2", headers=outsider), 404)
            assert_problem(await client.get(f"{API}/leases/lk-a2/expenses", headers=outsider), 404)
        fund = await client.get(f"{API}/leases/lk-a", headers=tokens.headers(Role.FUND))
        assert fund.json()["Status"] == "accepted"

    @pytest.mark.parametrize("collection", COLLECTIONS)
    async def test_the_fund_sees_everything(self, client, tokens, collection):
        ids = await listed_ids(client, collection, tokens.headers(Role.FUND))
        assert {i[-1] for i in ids} == {"a", "b"}

    async def test_the_fund_sees_tenant_names(self, client, tokens):
        response = await client.get(f"{API}/leases/lk-b", headers=tokens.headers(Role.FUND))
        assert response.json()["LejerNavn"] == "Lejer B"

    @pytest.mark.parametrize("role", [Role.BENEFIT_AUTHORITY, Role.TRIBUNAL])
    @pytest.mark.parametrize(
        "path",
        [
            *(f"/{c}" for c in COLLECTIONS),
            "/organisations/org-a",
            "/departments/afd-a",
            "/building-sections/afs-a",
            "/dwellings/bol-a",
            "/leases/lk-a",
            "/leases/lk-a/expenses",
            "/leases/lk-a/expenses/1",
        ],
    )
    async def test_other_authorities_are_refused_with_403(self, client, tokens, role, path):
        assert_problem(await client.get(f"{API}{path}", headers=tokens.headers(role)), 403)

    @pytest.mark.parametrize("path", [f"/{c}" for c in COLLECTIONS] + ["/leases/lk-a"])
    async def test_no_token_is_401(self, client, path):
        assert_problem(await client.get(f"{API}{path}"), 401)


WRITES = [
    ("POST", "/organisations", organisation(ORG_A)),
    ("PUT", "/organisations/org-a", organisation(ORG_A, version=1)),
    ("POST", "/departments", department("afd-new", ORG_A)),
    ("PUT", "/departments/afd-a", department("afd-a", ORG_A, version=1)),
    ("POST", "/dwellings", dwelling("bol-new", "afd-a")),
    ("PUT", "/dwellings/bol-a", dwelling("bol-a", "afd-a", version=1)),
    ("POST", "/leases", lease("lk-new", "bol-a", start="2030-01-01")),
    ("PUT", "/leases/lk-a", lease("lk-a", "bol-a", version=1)),
    ("POST", "/leases/lk-a/confirm", None),
    ("POST", "/leases/lk-a/expenses", {"BoligudgiftTypeKode": "heating"}),
    ("PUT", "/leases/lk-a/expenses/1", {"BoligudgiftTypeKode": "heating", "version": 1}),
    (
        "POST",
        "/submissions",
        {"records": [{"type": "organisation", "record": organisation(ORG_A)}]},
    ),
    ("POST", "/submissions/validate", {"records": [{"type": "organisation", "record": {}}]}),
]


class TestWriteAccess:
    @pytest.mark.parametrize(
        ("role", "claims"),
        [
            (Role.MUNICIPALITY, {"municipality": "101"}),
            (Role.FUND, {}),
            (Role.BENEFIT_AUTHORITY, {}),
            (Role.TRIBUNAL, {}),
        ],
    )
    @pytest.mark.parametrize(("method", "path", "body"), WRITES)
    async def test_readers_may_not_write(self, client, tokens, role, claims, method, path, body):
        response = await client.request(
            method, f"{API}{path}", json=body, headers=tokens.headers(role, **claims)
        )
        assert_problem(response, 403)

    @pytest.mark.parametrize(("method", "path", "body"), WRITES)
    async def test_no_token_is_401(self, client, method, path, body):
        assert_problem(await client.request(method, f"{API}{path}", json=body), 401)

    @pytest.mark.parametrize("role", WRITER_ROLES)
    async def test_writers_report_their_own_organisations(self, client, tokens, role):
        headers = writer(tokens, ORG_A, role=role)
        await created(client, "dwellings", dwelling("bol-a2", "afd-a"), headers)
        body = department("afd-a", ORG_A, AfdelingNavn="Omdøbt", version=1)
        assert (await client.put(f"{API}/departments/afd-a", json=body, headers=headers)).is_success

    @pytest.mark.parametrize("role", WRITER_ROLES)
    async def test_another_organisations_record_is_not_found_for_update(self, client, tokens, role):
        headers = writer(tokens, ORG_A, role=role)
        body = department("afd-b", ORG_B, version=1)
        assert_problem(
            await client.put(f"{API}/departments/afd-b", json=body, headers=headers), 404
        )
        body = lease("lk-b", "bol-b", version=1)
        assert_problem(await client.put(f"{API}/leases/lk-b", json=body, headers=headers), 404)
        assert_problem(await client.post(f"{API}/leases/lk-b/confirm", headers=headers), 404)

    @pytest.mark.parametrize("role", WRITER_ROLES)
    async def test_naming_another_organisation_is_forbidden(self, client, tokens, role):
        headers = writer(tokens, ORG_A, role=role)
        response = await client.post(
            f"{API}/departments", json=department("afd-x", ORG_B), headers=headers
        )
        assert_problem(response, 403)
        response = await client.post(
            f"{API}/organisations", json=organisation(ORG_B), headers=headers
        )
        assert_problem(response, 403)

    async def test_a_parent_of_another_organisation_is_an_unknown_parent(self, client, tokens):
        response = await client.post(
            f"{API}/leases",
            json=lease("lk-x", "bol-b", start="2030-01-01"),
            headers=writer(tokens, ORG_A),
        )
        problem = assert_problem(response, 422)
        assert problem["errors"][0]["code"] == "unknown-parent"

    async def test_bulk_records_of_another_organisation_are_refused_one_by_one(
        self, client, tokens
    ):
        records = [
            {"type": "department", "record": department("afd-b", ORG_B)},
            {"type": "department", "record": department("afd-a", ORG_A, AfdelingNavn="Ny")},
            {"type": "lease", "record": lease("lk-b", "bol-b")},
        ]
        response = await client.post(
            f"{API}/submissions", json={"records": records}, headers=writer(tokens, ORG_A)
        )
        results = response.json()["results"]
        assert [r["outcome"] for r in results] == ["rejected", "accepted", "rejected"]
        # Naming another organisation: 403. Another organisation's lease id: a neutral 409.
        assert [r["problem"]["status"] for r in (results[0], results[2])] == [403, 409]

    async def test_a_taken_id_does_not_tell_whose_it_is(self, client, tokens):
        """Issue 12, item 2: B learning which of A's ids exist used to get "belongs to another
        organisation". An id is the submitter's own, so a taken one cannot be hidden; its owner
        is — the answer is the one B gets for its own existing record."""
        headers = writer(tokens, ORG_A)
        own = await client.post(
            f"{API}/dwellings", json=dwelling("bol-a", "afd-a"), headers=headers
        )
        foreign = await client.post(
            f"{API}/dwellings", json=dwelling("bol-b", "afd-a"), headers=headers
        )
        assert own.status_code == foreign.status_code == 409
        assert own.json()["type"] == foreign.json()["type"]
        assert own.json()["detail"].replace("bol-a", "X") == foreign.json()["detail"].replace(
            "bol-b", "X"
        )
        assert "another organisation" not in foreign.text
        unused = await client.post(
            f"{API}/dwellings", json=dwelling("bol-new", "afd-a"), headers=headers
        )
        assert unused.status_code == 201, unused.text

    @pytest.mark.parametrize("exists", [True, False])
    async def test_naming_another_organisation_is_403_whether_or_not_the_id_exists(
        self, client, tokens, exists
    ):
        department_id = "afd-b" if exists else "afd-nowhere"
        response = await client.post(
            f"{API}/departments",
            json=department(department_id, ORG_B),
            headers=writer(tokens, ORG_A),
        )
        assert_problem(response, 403)


class TestHostileInput:
    async def test_no_operation_answers_5xx_or_a_non_problem_error(self, client, tokens):
        openapi = (await client.get("/register/openapi.json")).json()
        mine = ("/register/v1/" + c for c in (*COLLECTIONS, "submissions"))
        openapi["paths"] = {
            path: item for path, item in openapi["paths"].items() if path.startswith(tuple(mine))
        }
        findings = await fuzz_operations(
            client, openapi, headers=writer(tokens, ORG_A, "0"), examples=10
        )
        assert findings == []
