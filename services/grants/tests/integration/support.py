"""Factories and helpers of the grants tests: master data arrives as the register's envelopes,
applied through the service's own consumer and inbox; the API is driven with real tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import psycopg

from common.auth import Role
from common.calendar import danish_date
from common.db.engine import Database, libpq_dsn
from common.events.consumer import InboxProcessor, Outcome
from common.events.contracts import (
    CriticalColour,
    DepartmentUpsertedV1,
    HousingType,
    KeyFigure,
    KeyFiguresUpdatedV1,
    OrganisationUpsertedV1,
    ResidentComposition,
    to_envelope,
)
from common.events.envelope import Envelope
from common.testing.documents import a_pdf
from grants.events.incoming import consumers

API = "/grants/v1"
YEAR = 2026
AT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)

MASTER_DATA, KEY_FIGURES = consumers()


def organisation(org_id: str, home: str = "101", version: int = 1) -> Envelope:
    return to_envelope(
        OrganisationUpsertedV1(
            organisation_id=org_id, home_municipality_code=home, version=version, recorded_at=AT
        )
    )


def department(
    dep_id: str, org_id: str, municipality: str = "101", version: int = 1, year: int = 1972
) -> Envelope:
    return to_envelope(
        DepartmentUpsertedV1(
            department_id=dep_id,
            organisation_id=org_id,
            municipality_code=municipality,
            region="capital" if municipality in ("101", "147") else "rest",
            housing_type=HousingType.FAMILY,
            building_type="etage",
            construction_year=year,
            version=version,
            recorded_at=AT,
        )
    )


async def apply(database: Database, *envelopes: Envelope) -> list[Outcome]:
    outcomes = []
    for envelope in envelopes:
        consumer = next(c for c in (MASTER_DATA, KEY_FIGURES) if envelope.topic in c.topics)
        outcome, error = await InboxProcessor(database, consumer, max_attempts=1).process(envelope)
        assert error is None, error
        outcomes.append(outcome)
    return outcomes


async def master_data(database: Database) -> None:
    """o-1 with d-1 and d-2 in 101, o-2 with d-3 in 101, o-3 with d-9 in 147."""
    await apply(
        database,
        organisation("o-1"),
        organisation("o-2"),
        organisation("o-3", home="147"),
        department("d-1", "o-1"),
        department("d-2", "o-1", year=1968),
        department("d-3", "o-2"),
        department("d-9", "o-3", municipality="147"),
    )


def key_figures(
    dep_id: str,
    org_id: str,
    *,
    rent: str | None,
    comparable: str | None,
    size: str | None = "75.00",
    year: int = 2025,
    revision: int = 1,
    vacancy: str | None = None,
    move_out: str | None = None,
    residents: ResidentComposition | None = None,
) -> Envelope:
    def figure(code: str, value: str | None, benchmark: str | None, unit: str) -> KeyFigure:
        return KeyFigure(
            code=code,
            value=None if value is None else Decimal(value),
            unit=unit,
            benchmark=None if benchmark is None else Decimal(benchmark),
            benchmark_indexed=False,
            colour=CriticalColour.NONE,
            reason=None,
        )

    return to_envelope(
        KeyFiguresUpdatedV1(
            department_id=dep_id,
            organisation_id=org_id,
            municipality_code="101",
            year=year,
            revision=revision,
            figures=[
                figure("average_dwelling_size", size, "74.00", "m²"),
                figure("move_out_rate", move_out, "11.0", "%"),
                figure("rent_per_m2", rent, comparable, "DKK/m²/år"),
                figure("vacancy_share", vacancy, "1.0", "%"),
            ],
            computed_at=AT,
            resident_composition=residents,
        )
    )


def fund(tokens) -> dict[str, str]:
    return tokens.headers(Role.FUND, subject="lbf-caseworker")


def org(tokens, *orgs: str, role: Role = Role.HOUSING_ORG) -> dict[str, str]:
    return tokens.headers(role, orgs=list(orgs), subject=f"user-{'-'.join(orgs)}")


def municipality(tokens, code: str = "101") -> dict[str, str]:
    return tokens.headers(Role.MUNICIPALITY, municipality=code, subject=f"kommune-{code}")


def post(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Idempotency-Key": str(uuid.uuid4())}


pdf = a_pdf  # a real PDF of N blank A4 pages


XLSX = b"PK\x03\x04" + b"\x00" * 64

ANSWERS = {
    "dwellings": 412,
    "residents": 1010,
    "average_rent_per_m2": "812.50",
    "vacancy_percent": "1.5",
    "turnover_percent": "12",
    "problem_description": "Høj ledighed og mange unge uden uddannelse.",
    "physical_renovation_planned": False,
    "economic_situation": "Stabil drift, ingen underskud.",
}

BUDGET = {
    "years": 4,
    "income": [
        {"source": "lbf", "amount": "7500000.00"},
        {"source": "housing_organisation", "amount": "1500000.00"},
        {"source": "municipality", "amount": "1000000.00"},
    ],
    "costs": [
        {"category": "staff", "amount": "8000000.00"},
        {"category": "activities", "amount": "1400000.00"},
        {"category": "administration", "amount": "600000.00"},
    ],
}


async def create(
    client: httpx.AsyncClient,
    tokens,
    orgs: tuple[str, ...] = ("o-1",),
    departments: tuple[str, ...] = ("d-1",),
    year: int = YEAR,
    kind: str = "social_effort",
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/applications",
        json={
            "kind": kind,
            "title": "Boligsocial indsats Søndergården",
            "organisation_ids": list(orgs),
            "department_ids": list(departments),
            "year": year,
        },
        headers=post(org(tokens, *orgs)),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def complete(
    client: httpx.AsyncClient, tokens, application: dict[str, Any], *, recommend: bool = True
) -> dict[str, Any]:
    """Fill in every form, the budget, the attachments, the declarations and the
    recommendation: afterwards the application can be sent."""
    app_id = application["id"]
    orgs = application["organisation_ids"]
    headers = org(tokens, *orgs)
    for dep in application["department_ids"]:
        r = await client.put(
            f"{API}/applications/{app_id}/departments/{dep}/answers",
            json={"answers": ANSWERS},
            headers=headers,
        )
        assert r.status_code == 200, r.text
    r = await client.patch(f"{API}/applications/{app_id}", json={"budget": BUDGET}, headers=headers)
    assert r.status_code == 200, r.text
    for kind, content in (("resident_data", XLSX), ("project_description", pdf(3))):
        r = await client.post(
            f"{API}/applications/{app_id}/attachments",
            params={"kind": kind, "filename": f"{kind}.bin"},
            content=content,
            headers=post(headers),
        )
        assert r.status_code == 201, r.text
    for organisation_id in orgs:
        r = await client.post(
            f"{API}/applications/{app_id}/declarations",
            json={"organisation_id": organisation_id},
            headers=post(headers),
        )
        assert r.status_code == 200, r.text
    if recommend:
        r = await client.post(
            f"{API}/applications/{app_id}/recommendation",
            json={"comment": "Kommunen anbefaler indsatsen."},
            headers=post(municipality(tokens, application["municipality_code"])),
        )
        assert r.status_code == 200, r.text
    return r.json()


PLAN = {
    "strategic_agreement": {
        "goals": {
            "education": {"indicators": ["Andel børn der er skoleparate"]},
            "employment": {"indicators": ["Beskæftigelsesfrekvens 16-64 år"]},
            "safety": {"indicators": ["Andel unge sigtet for kriminalitet"]},
            "community": {"indicators": ["Andel aktive i foreningslivet"]},
        },
        "organisation": "Boligsocial bestyrelse med kommune og boligorganisation; én leder.",
    },
    "partial_agreements": {
        area: {
            "sub_goals": [{"text": f"Delmål for {area}", "indicators": ["Indikator 1"]}],
            "activities": "Lektiecafé, jobvejledning.",
            "roles": "Kommunen stiller medarbejdere til rådighed.",
        }
        for area in (
            "education_life_chances",
            "employment",
            "crime_prevention",
            "cohesion_citizenship",
        )
    },
    "emergency_plan": "Fælles beredskab med politiet; kommunikation via beboerbladet.",
    "milestones": [{"due_on": "2027-06-30", "text": "Første statusmøde i bestyrelsen"}],
}


async def complete_plan(client: httpx.AsyncClient, tokens, application: dict[str, Any]) -> None:
    """Write the whole comprehensive plan and attach its annexes (case prequalified)."""
    app_id = application["id"]
    headers = org(tokens, *application["organisation_ids"])
    r = await client.put(f"{API}/applications/{app_id}/plan", json=PLAN, headers=headers)
    assert r.status_code == 200, r.text
    for kind, content in (("board_terms_of_reference", pdf(1)), ("reporting_form", XLSX)):
        r = await client.post(
            f"{API}/applications/{app_id}/attachments",
            params={"kind": kind, "filename": f"{kind}.bin"},
            content=content,
            headers=post(headers),
        )
        assert r.status_code == 201, r.text


async def to_status(
    client: httpx.AsyncClient, tokens, application: dict[str, Any], target: str
) -> dict[str, Any]:
    """Drive a created application through the lifecycle up to ``target``."""
    app_id = application["id"]
    orgs = application["organisation_ids"]
    steps: list[tuple[str, str, dict[str, Any] | None, dict[str, str]]] = [
        ("sent", "send", None, org(tokens, *orgs)),
        ("under_assessment", "assessment", None, fund(tokens)),
        (
            "prequalified",
            "prequalification",
            {"reserved_amount": "7500000.00", "advance_amount": "400000.00"},
            fund(tokens),
        ),
        (
            "plan_approved",
            "plan/approval",
            {
                "approved_on": danish_date().isoformat(),
                "reference": "KB pkt. 7",
            },  # after prequalifying
            municipality(tokens, application["municipality_code"]),
        ),
        ("plan_sent", "plan/send", None, org(tokens, *orgs)),
        (
            "committed",
            "commitment",
            {  # four years from the frame year (a commitment never starts before it)
                "amount": "7000000.00",
                "period_start_year": application["year"],
                "period_end_year": application["year"] + 3,
            },
            fund(tokens),
        ),
    ]
    current = application
    if current["status"] == "draft":
        await complete(client, tokens, application)
    for status, path, body, headers in steps:
        if status == "plan_approved":
            await complete_plan(client, tokens, application)
        r = await client.post(
            f"{API}/applications/{app_id}/{path}", json=body, headers=post(headers)
        )
        assert r.status_code == 200, r.text
        current = r.json()
        assert current["status"] == status
        if status == target:
            return current
    raise AssertionError(f"unknown target {target}")


def sql(db_url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_dsn(db_url), autocommit=True) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def outbox(db_url: str, event_type: str | None = None) -> list[dict[str, Any]]:
    rows = sql(db_url, "SELECT event_type, envelope FROM outbox ORDER BY id")
    return [envelope for kind, envelope in rows if event_type is None or kind == event_type]


def code(response: httpx.Response) -> str:
    """The problem's stable code (the last segment of its type URN)."""
    return str(response.json()["type"]).rsplit(":", 1)[-1]


def statement(
    opening: str = "0.00", *, closing: str = "0.00", explanation: str | None = None, **changes: Any
) -> dict[str, Any]:
    """A regulation-account statement: 1.25 mDKK in (fund and co-financing), spent on staff and
    activities, so it balances from ``opening`` to ``closing`` when the two are equal."""
    body: dict[str, Any] = {
        "opening_balance": opening,
        "lbf_support": "1000000.00",
        "co_financing": "250000.00",
        "expenses": {"staff": "900000.00", "activities": "350000.00"},
        "closing_balance": closing,
        **changes,
    }
    if explanation is not None:
        body["deviation_explanation"] = explanation
    return body
