"""Factories and helpers of the governance tests: master data and key figures arrive as the
register's and the benchmark calculator's envelopes, applied through the service's own
consumers and inbox; the API is driven with real tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg

from common.auth import Role
from common.db.engine import Database, libpq_dsn
from common.events.consumer import InboxProcessor, Outcome
from common.events.contracts import (
    CriticalColour,
    DepartmentUpsertedV1,
    HousingType,
    KeyFigure,
    KeyFiguresUpdatedV1,
    OrganisationUpsertedV1,
    to_envelope,
)
from common.events.envelope import Envelope
from governance.domain.catalogue import STANDARD_QUESTIONS
from governance.events.incoming import consumers

API = "/governance/v1"
YEAR = 2027
AT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)

MASTER_DATA, KEY_FIGURES, DELIVERY_FAILURES = consumers()


def organisation(
    org_id: str, home: str = "101", administered_by: str | None = None, version: int = 1
) -> Envelope:
    return to_envelope(
        OrganisationUpsertedV1(
            organisation_id=org_id,
            home_municipality_code=home,
            administered_by=administered_by,
            version=version,
            recorded_at=AT,
        )
    )


def department(
    dep_id: str,
    org_id: str,
    municipality: str = "101",
    version: int = 1,
    housing_type: HousingType = HousingType.FAMILY,
) -> Envelope:
    return to_envelope(
        DepartmentUpsertedV1(
            department_id=dep_id,
            organisation_id=org_id,
            municipality_code=municipality,
            region="capital",
            housing_type=housing_type,
            building_type="etage",
            construction_year=1972,
            version=version,
            recorded_at=AT,
        )
    )


def figure(
    code: str,
    colour: CriticalColour = CriticalColour.GREEN,
    value: str | None = "812.50",
    benchmark: str | None = "800.00",
    indexed: bool = False,
) -> KeyFigure:
    return KeyFigure(
        code=code,
        value=Decimal(value) if value is not None else None,
        unit="DKK/m²/år",
        benchmark=Decimal(benchmark) if benchmark is not None else None,
        benchmark_indexed=indexed,
        colour=colour,
        reason=None
        if colour in (CriticalColour.GREEN, CriticalColour.NONE)
        else "langt fra benchmark",
    )


def key_figures(
    dep_id: str,
    org_id: str,
    *figures: KeyFigure,
    year: int = YEAR - 1,
    revision: int = 1,
    municipality: str = "101",
    accounts_revision: int | None = None,
) -> Envelope:
    return to_envelope(
        KeyFiguresUpdatedV1(
            department_id=dep_id,
            organisation_id=org_id,
            municipality_code=municipality,
            year=year,
            revision=revision,
            figures=sorted(figures, key=lambda f: f.code),
            computed_at=AT,
            accounts_revision=accounts_revision,
        )
    )


async def apply(database: Database, *envelopes: Envelope) -> list[Outcome]:
    """Apply envelopes through the consumer that reads their topic (inbox included)."""
    outcomes = []
    for envelope in envelopes:
        consumer = next(
            c for c in (MASTER_DATA, KEY_FIGURES, DELIVERY_FAILURES) if envelope.topic in c.topics
        )
        outcome, error = await InboxProcessor(database, consumer, max_attempts=1).process(envelope)
        assert error is None, error
        outcomes.append(outcome)
    return outcomes


def fund(tokens) -> dict[str, str]:
    return tokens.headers(Role.FUND, subject="lbf-caseworker")


def org(tokens, *orgs: str, role: Role = Role.HOUSING_ORG) -> dict[str, str]:
    return tokens.headers(role, orgs=list(orgs), subject=f"user-{'-'.join(orgs)}")


def municipality(tokens, code: str) -> dict[str, str]:
    return tokens.headers(Role.MUNICIPALITY, municipality=code, subject=f"kommune-{code}")


def post_headers(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Idempotency-Key": str(uuid.uuid4())}


def standard_catalogue_body() -> dict[str, Any]:
    return {
        "questions": [
            {
                "code": q.code,
                "form": q.form_kind.value,
                "section": q.section,
                "text": q.text,
                "kind": q.kind.value,
                "required": q.required,
                "options": list(q.options),
            }
            for q in STANDARD_QUESTIONS
        ]
    }


REPORT_ANSWERS = {
    "goals_followed_up": True,
    "efficiency_measures": "Fælles indkøb og digital drift.",
    "joint_operation": "Ja, delvist",
    "residents_democracy": True,
}
DEPARTMENT_ANSWERS = {
    "maintenance_plan_updated": True,
    "physical_condition": "God",
    "letting_problems": False,
}
ACCOUNTS = {
    "dwellings": 120,
    "total_area_m2": "9120.00",
    "administration_cost": "540000.00",
    "maintenance_cost": "1368000.00",
    "vacancy_rent_loss": "48250.00",
    "operating_cost": "7296000.00",
}


async def open_year(client, tokens, year: int = YEAR) -> dict[str, Any]:
    response = await client.put(
        f"{API}/catalogues/{year}", json=standard_catalogue_body(), headers=fund(tokens)
    )
    assert response.status_code == 200, response.text
    response = await client.post(
        f"{API}/packages/generate", json={"year": year}, headers=post_headers(fund(tokens))
    )
    assert response.status_code == 200, response.text
    return response.json()


async def fill_in(
    client,
    tokens,
    package_id: str,
    org_id: str,
    database: Database | None = None,
    *,
    accounts: bool = True,
) -> dict[str, Any]:
    """Answer every required question and report every department's accounts; with the
    ``database``, then deliver what the benchmark calculator publishes after the accounts reach
    it: the department's figures again, now computed from accounts revision 1 (the send gate
    waits for them)."""
    headers = org(tokens, org_id)
    package = (await client.get(f"{API}/packages/{package_id}", headers=headers)).json()
    response = await client.put(
        f"{API}/packages/{package_id}/report/answers",
        json={"answers": REPORT_ANSWERS},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    for form in package["departments"]:
        path = f"{API}/packages/{package_id}/departments/{form['key']}"
        response = await client.put(
            f"{path}/answers", json={"answers": DEPARTMENT_ANSWERS}, headers=headers
        )
        assert response.status_code == 200, response.text
        if accounts:
            response = await client.put(f"{path}/accounts", json=ACCOUNTS, headers=headers)
            assert response.status_code == 200, response.text
        if accounts and database is not None:
            await deliver_accounts_figures(
                client, headers, database, package_id, form["key"], org_id
            )
    return (await client.get(f"{API}/packages/{package_id}", headers=headers)).json()


async def deliver_accounts_figures(
    client,
    headers: dict[str, str],
    database: Database,
    package_id: str,
    department_id: str,
    org_id: str,
) -> None:
    """The calculator's figures of a department computed from its reported accounts (revision
    1): the figures the form holds, with a newer revision."""
    path = f"{API}/packages/{package_id}/departments/{department_id}"
    form = (await client.get(path, headers=headers)).json()
    held = [
        KeyFigure.model_validate({name: f[name] for name in KeyFigure.model_fields})
        for f in form["key_figures"]
    ]
    await apply(
        database,
        key_figures(
            department_id,
            org_id,
            *held,
            revision=1000,
            municipality=form.get("municipality_code") or "101",
            accounts_revision=1,
        ),
    )


def sql(db_url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_dsn(db_url), autocommit=True) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def outbox(db_url: str, event_type: str | None = None) -> list[dict[str, Any]]:
    rows = sql(db_url, "SELECT event_type, envelope FROM outbox ORDER BY id")
    return [envelope for kind, envelope in rows if event_type is None or kind == event_type]


def pdf_bytes(text: str = "Redegørelse") -> bytes:
    import weasyprint

    return weasyprint.HTML(string=f"<p>{text}</p>").write_pdf()
