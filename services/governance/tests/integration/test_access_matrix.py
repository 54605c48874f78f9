"""The access matrix over every package endpoint: another organisation and a municipality the
package was not sent to get 404 — or, for an action their role never may take, 403 as for a
package that does not exist — never the data; the public gets 401; the roles with a part in
the package get through."""

from __future__ import annotations

import pytest

from common.auth import Role

from .support import (
    ACCOUNTS,
    API,
    YEAR,
    apply,
    department,
    figure,
    fill_in,
    key_figures,
    municipality,
    open_year,
    org,
    organisation,
    pdf_bytes,
    post_headers,
)

PKG = f"pkg-{YEAR}-BO-1"
P = f"{API}/packages/{PKG}"
ATTACHMENT = "00000000-0000-4000-8000-000000000000"

# (method, path, json body or None, raw PDF body?)
ENDPOINTS = [
    ("GET", P, None, False),
    ("GET", f"{P}/report", None, False),
    ("PUT", f"{P}/report/answers", {"answers": {"goals_comment": "x"}}, False),
    ("GET", f"{P}/departments/d1", None, False),
    ("PUT", f"{P}/departments/d1/answers", {"answers": {"letting_problems": False}}, False),
    ("PUT", f"{P}/departments/d1/key-figures/rent_per_m2/comment", {"comment": "x"}, False),
    ("PUT", f"{P}/departments/d1/accounts", ACCOUNTS, False),
    ("GET", f"{P}/accounts", None, False),
    ("POST", f"{P}/load-last-year", {}, False),
    ("POST", f"{P}/update-benchmarks", {"confirm": True}, False),
    ("POST", f"{P}/send", None, False),
    ("POST", f"{P}/return", {}, False),
    ("POST", f"{P}/meeting", {"held_on": "2027-01-10"}, False),
    ("POST", f"{P}/statement?filename=r.pdf", None, True),
    ("POST", f"{P}/attachments?filename=a.pdf", None, True),
    ("GET", f"{P}/attachments/{ATTACHMENT}", None, False),
    ("DELETE", f"{P}/attachments/{ATTACHMENT}", None, False),
    ("GET", f"{P}/changes", None, False),
    ("GET", f"{P}/pdf", None, False),
]
IDS = [f"{m} {p.removeprefix(P) or '/'}" for m, p, _, _ in ENDPOINTS]


@pytest.fixture
async def client(governance_client, governance_db, tokens):
    client = await governance_client()
    await apply(
        governance_db,
        organisation("BO-1", "101"),
        organisation("BO-2", "101"),
        department("d1", "BO-1", "101"),
        department("d2", "BO-2", "101"),
        key_figures("d1", "BO-1", figure("rent_per_m2")),
    )
    await open_year(client, tokens)
    return client


async def call(client, method, path, body, raw, headers):
    headers = post_headers(headers) if method == "POST" else headers
    if raw:
        return await client.request(
            method,
            path,
            content=pdf_bytes(),
            headers={**headers, "Content-Type": "application/pdf"},
        )
    return await client.request(method, path, json=body, headers=headers)


async def answers_of(client, headers) -> dict[str, tuple[int, str]]:
    """Every endpoint called on BO-1's package and on one that does not exist."""
    seen = {}
    for (method, path, body, raw), name in zip(ENDPOINTS, IDS, strict=True):
        response = await call(client, method, path, body, raw, headers)
        nowhere = await call(client, method, path.replace(PKG, "pkg-2027-NOPE"), body, raw, headers)
        assert response.headers["content-type"] == "application/problem+json", name
        seen[name] = (
            (response.status_code, response.json()["type"]),
            (nowhere.status_code, nowhere.json()["type"]),
        )
    return seen


# Actions a role never may take, on any package: refused for the role (403) before the package
# is looked up. Every other endpoint looks the package up first and answers 404 for one the
# caller does not see.
ONLY_MUNICIPALITIES = {"POST /statement?filename=r.pdf"}
ONLY_THE_ORGANISATION = {
    "PUT /report/answers",
    "PUT /departments/d1/answers",
    "PUT /departments/d1/key-figures/rent_per_m2/comment",
    "PUT /departments/d1/accounts",
    "POST /load-last-year",
    "POST /update-benchmarks",
    "POST /send",
    "POST /attachments?filename=a.pdf",
    "DELETE /attachments/00000000-0000-4000-8000-000000000000",
}
NOT_FOUND = (404, "urn:housing:problem:package-not-found")
FORBIDDEN = (403, "urn:housing:problem:forbidden")


class TestAnotherPartyGets404:
    """404 on every endpoint — or, for an action the role never may take, the same 403 as for
    a package that does not exist: no answer tells that the package exists."""

    async def _check(self, client, headers, forbidden: set[str]):
        assert forbidden <= set(IDS)
        for name, (answer, nowhere) in (await answers_of(client, headers)).items():
            assert answer == (FORBIDDEN if name in forbidden else NOT_FOUND), name
            assert answer == nowhere, name

    async def test_another_organisation(self, client, tokens):
        await self._check(client, org(tokens, "BO-2"), ONLY_MUNICIPALITIES)

    async def test_an_administration_organisation_of_others(self, client, tokens):
        await self._check(client, org(tokens, "ADM-9", role=Role.ADMIN_ORG), ONLY_MUNICIPALITIES)

    async def test_the_home_municipality_before_it_is_sent(self, client, tokens):
        await self._check(client, municipality(tokens, "101"), ONLY_THE_ORGANISATION)

    async def test_every_endpoint_is_in_the_matrix(self, client):
        openapi = (await client.get("/governance/openapi.json")).json()
        package_paths = {
            (
                method.upper(),
                path.replace("{package_id}", PKG)
                .replace("{department_id}", "d1")
                .replace("{code}", "rent_per_m2")
                .replace("{attachment_id}", ATTACHMENT),
            )
            for path, item in openapi["paths"].items()
            if path.startswith("/governance/v1/packages/{package_id}")
            for method in item
        }
        assert package_paths == {(m, p.split("?")[0]) for m, p, _, _ in ENDPOINTS}


class TestAfterSending:
    @pytest.mark.parametrize(
        "path",
        [P, f"{P}/report", f"{P}/departments/d1", f"{P}/accounts", f"{P}/changes", f"{P}/pdf"],
    )
    async def test_the_home_municipality_reads_and_another_does_not(
        self, client, tokens, governance_db, path
    ):
        await fill_in(client, tokens, PKG, "BO-1", governance_db)
        assert (
            await client.post(f"{P}/send", headers=post_headers(org(tokens, "BO-1")))
        ).status_code == 200
        assert (await client.get(path, headers=municipality(tokens, "101"))).status_code == 200
        assert (await client.get(path, headers=municipality(tokens, "147"))).status_code == 404
        assert (await client.get(path, headers=org(tokens, "BO-2"))).status_code == 404

    async def test_the_organisation_cannot_act_as_municipality(self, client, tokens, governance_db):
        await fill_in(client, tokens, PKG, "BO-1", governance_db)
        await client.post(f"{P}/send", headers=post_headers(org(tokens, "BO-1")))
        response = await client.post(
            f"{P}/meeting",
            json={"held_on": "2027-01-10"},
            headers=post_headers(org(tokens, "BO-1")),
        )
        assert response.status_code == 403


class TestPublic:
    async def test_nothing_unpublished_is_public(self, client):
        assert (await client.get(f"{API}/public/packages/{PKG}/key-figures")).status_code == 404
        assert (await client.get(f"{API}/public/packages?year={YEAR}")).json() == []
        assert (await client.get(P)).status_code == 401
