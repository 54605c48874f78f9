"""Factories and helpers of the legal-cases integration tests."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import psycopg

from common.auth import Role
from common.db.engine import libpq_dsn
from common.testing.documents import a_pdf

API = "/legal-cases/v1"
PDF = a_pdf()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16

TENANT = "party:tenant-anna"
LANDLORD = "party:landlord-bent"
STRANGER = "party:someone-else"


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def tribunal(tokens, code: str = "147") -> dict[str, str]:
    return tokens.headers(Role.TRIBUNAL, municipality=code, subject=f"nævn-{code}")


def party(tokens, subject: str = TENANT) -> dict[str, str]:
    return tokens.headers(Role.PARTY, subject=subject)


def municipality(tokens, code: str = "147") -> dict[str, str]:
    return tokens.headers(Role.MUNICIPALITY, municipality=code, subject=f"kommune-{code}")


def fund(tokens) -> dict[str, str]:
    return tokens.headers(Role.FUND, subject="gi-caseworker")


def post(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Idempotency-Key": str(uuid.uuid4())}


def case_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tribunal_code": "147",
        "category": "maintenance_defects",
        "summary": "Fugt og skimmel i soveværelset; udlejer har ikke udbedret trods påkrav.",
        "owner_id": "owner-77",
        "apartments": 1,
        "complainant": {"kind": "tenant", "name": "Anna Jensen"},
        "counterpart": {
            "kind": "landlord",
            "name": "Bent Udlejer ApS",
            "subject": LANDLORD,
            "organisation_id": "ll-0042",
        },
        "documents": [{"filename": "paakrav.pdf", "content_base64": b64(PDF)}],
    }
    body.update(overrides)
    return body


async def file_case(client, tokens, headers=None, **overrides: Any) -> dict[str, Any]:
    response = await client.post(
        f"{API}/cases", json=case_body(**overrides), headers=post(headers or party(tokens))
    )
    assert response.status_code == 201, response.text
    return response.json()


async def act(client, headers, case_id: str, action: str, body=None, status: int = 200):
    response = await client.post(
        f"{API}/cases/{case_id}/{action}", json=body if body is not None else {},
        headers=post(headers),
    )  # fmt: skip
    assert response.status_code == status, response.text
    return response.json()


UNANIMOUS = [
    {"seat": "chair", "member_ref": "formand-1", "vote": "complainant_fully"},
    {"seat": "landlord_member", "member_ref": "udl-1", "vote": "complainant_fully"},
    {"seat": "tenant_member", "member_ref": "lej-1", "deputy": True, "vote": "complainant_fully"},
]


def decision_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "members": UNANIMOUS,
        "reasons": "Manglerne er dokumenteret ved besigtigelsen; udlejer skal udbedre dem.",
        "appeal_guidance": "Afgørelsen kan indbringes for boligretten inden 4 uger.",
    }
    body.update(overrides)
    return body


def sql(db_url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_dsn(db_url), autocommit=True) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def outbox(db_url: str, event_type: str | None = None) -> list[dict[str, Any]]:
    rows = sql(db_url, "SELECT event_type, envelope FROM outbox ORDER BY id")
    return [envelope for kind, envelope in rows if event_type is None or kind == event_type]


def kind(problem: dict[str, Any]) -> str:
    """The stable problem code at the end of a problem's type URI."""
    return str(problem["type"]).rsplit(":", 1)[-1]
