"""Every endpoint × every role: the owner and its administration organisation act, another
organisation and another municipality get 404 (the case's existence does not leak), a role that
may not act gets 403 naming the roles that may, and roles without a part in grants get 403."""

from __future__ import annotations

from typing import Any

import pytest

from common.auth import Role

from .support import API, create, master_data, pdf, post, statement

OUTSIDERS = (Role.TRIBUNAL, Role.BENEFIT_AUTHORITY, Role.ERP_CLIENT, Role.LANDLORD, Role.PARTY)


def headers_for(tokens, who: str) -> dict[str, str]:
    match who:
        case "owner":
            return tokens.headers(Role.HOUSING_ORG, orgs=["o-1"], subject="owner")
        case "admin":
            return tokens.headers(Role.ADMIN_ORG, orgs=["o-1", "o-7"], subject="admin")
        case "other_org":
            return tokens.headers(Role.HOUSING_ORG, orgs=["o-2"], subject="other")
        case "mun":
            return tokens.headers(Role.MUNICIPALITY, municipality="101", subject="k101")
        case "other_mun":
            return tokens.headers(Role.MUNICIPALITY, municipality="147", subject="k147")
        case "fund":
            return tokens.headers(Role.FUND, subject="lbf")
    role = Role(who)
    kwargs: dict[str, Any] = {"orgs": ["o-1"]} if role in (Role.ERP_CLIENT, Role.LANDLORD) else {}
    return tokens.headers(role, subject=f"x-{who}", **kwargs)


# (name, method, path ("{id}" / "{att}" filled in), body or raw bytes, {who: status})
MATRIX: list[tuple[str, str, str, Any, dict[str, int]]] = [
    ("read", "GET", "/applications/{id}", None,
     {"owner": 200, "admin": 200, "other_org": 404, "mun": 200, "other_mun": 404, "fund": 200}),
    ("history", "GET", "/applications/{id}/history", None,
     {"owner": 200, "admin": 200, "other_org": 404, "mun": 200, "other_mun": 404, "fund": 200}),
    ("pdf", "GET", "/applications/{id}/pdf", None,
     {"owner": 200, "admin": 200, "other_org": 404, "mun": 200, "other_mun": 404, "fund": 200}),
    ("plan", "PUT", "/applications/{id}/plan", {},
     {"owner": 409, "admin": 409, "other_org": 404, "mun": 403, "other_mun": 403, "fund": 403}),
    ("export", "GET", "/frames/export.xlsx", None,
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 403, "other_mun": 403, "fund": 200}),
    ("download", "GET", "/applications/{id}/attachments/{att}", None,
     {"owner": 200, "admin": 200, "other_org": 404, "mun": 200, "other_mun": 404, "fund": 200}),
    ("edit", "PATCH", "/applications/{id}", {"title": "Ny titel"},
     {"owner": 200, "admin": 200, "other_org": 404, "mun": 403, "other_mun": 403, "fund": 403}),
    ("answers", "PUT", "/applications/{id}/departments/d-1/answers", {"answers": {"dwellings": 3}},
     {"owner": 200, "admin": 200, "other_org": 404, "mun": 403, "other_mun": 403, "fund": 403}),
    ("declare", "POST", "/applications/{id}/declarations", {"organisation_id": "o-1"},
     {"owner": 200, "admin": 200, "other_org": 404, "mun": 403, "other_mun": 403, "fund": 403}),
    ("attach", "POST", "/applications/{id}/attachments?kind=other&filename=a.pdf", b"PDF",
     {"owner": 201, "admin": 201, "other_org": 404, "mun": 403, "other_mun": 403, "fund": 403}),
    ("send", "POST", "/applications/{id}/send", None,
     {"owner": 422, "admin": 422, "other_org": 404, "mun": 403, "other_mun": 403, "fund": 403}),
    ("recommend", "POST", "/applications/{id}/recommendation", {"comment": None},
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 200, "other_mun": 404, "fund": 403}),
    ("assess", "POST", "/applications/{id}/assessment", None,
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 403, "other_mun": 403, "fund": 409}),
    ("prequalify", "POST", "/applications/{id}/prequalification", {"reserved_amount": "1.00"},
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 403, "other_mun": 403, "fund": 409}),
    ("reject", "POST", "/applications/{id}/rejection", {"reason": "Nej"},
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 403, "other_mun": 403, "fund": 409}),
    ("approve plan", "POST", "/applications/{id}/plan/approval",
     {"approved_on": "2026-11-18", "reference": "KB"},
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 409, "other_mun": 404, "fund": 403}),
    ("send plan", "POST", "/applications/{id}/plan/send", None,
     {"owner": 409, "admin": 409, "other_org": 404, "mun": 403, "other_mun": 403, "fund": 403}),
    ("commit", "POST", "/applications/{id}/commitment",
     {"amount": "1.00", "period_start_year": 2026, "period_end_year": 2027},
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 403, "other_mun": 403, "fund": 409}),
    ("rent support", "POST", "/applications/{id}/rent-support", {"year": 2025},
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 403, "other_mun": 403, "fund": 422}),
    ("transfer", "POST", "/applications/{id}/transfer", None,
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 403, "other_mun": 403, "fund": 409}),
    ("decide operating support", "POST", "/applications/{id}/operating-support-decision",
     {"decision": "granted", "reason": "x"},
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 403, "other_mun": 403, "fund": 409}),
    ("review", "POST", "/applications/{id}/review", {"held_on": "2026-12-01", "notes": "x"},
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 403, "other_mun": 403, "fund": 409}),
    ("stop payments", "POST", "/applications/{id}/payments/stop", {"reason": "x"},
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 403, "other_mun": 403, "fund": 409}),
    ("pay", "POST", "/applications/{id}/payments", {"amount": "1.00", "paid_on": "2026-01-01"},
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 403, "other_mun": 403, "fund": 422}),
    ("statement", "POST", "/applications/{id}/statements/2026", statement(),
     {"owner": 404, "admin": 404, "other_org": 404, "mun": 403, "other_mun": 403, "fund": 404}),
    ("list", "GET", "/applications", None,
     {"owner": 200, "admin": 200, "other_org": 200, "mun": 200, "other_mun": 200, "fund": 200}),
    ("minimum needs", "GET", "/rent-support/minimum-needs", None,
     {"owner": 200, "admin": 200, "other_org": 200, "mun": 200, "other_mun": 200, "fund": 200}),
    ("set minimum need", "PUT", "/rent-support/minimum-needs/2026",
     {"amount_per_m2": "25.00", "reference": "LBF"},
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 403, "other_mun": 403, "fund": 200}),
    ("frames", "GET", "/frames", None,
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 403, "other_mun": 403, "fund": 200}),
    ("frame", "GET", "/frames/2026", None,
     {"owner": 403, "admin": 403, "other_org": 403, "mun": 403, "other_mun": 403, "fund": 200}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "expected"), MATRIX, ids=[m[0] for m in MATRIX]
)
async def test_access(grants_client, grants_db, tokens, name, method, path, body, expected):
    client = await grants_client()
    await master_data(grants_db)
    app = await create(client, tokens)
    attachment = await client.post(
        f"{API}/applications/{app['id']}/attachments",
        params={"kind": "other", "filename": "bilag.pdf"},
        content=pdf(1),
        headers=post(headers_for(tokens, "owner")),
    )
    url = API + path.format(id=app["id"], att=attachment.json()["id"])
    cases = [*expected.items(), *((role.value, 403) for role in OUTSIDERS)]
    for who, status in cases:
        kwargs: dict[str, Any] = {"headers": post(headers_for(tokens, who))}
        if isinstance(body, bytes):
            kwargs["content"] = pdf(1)
        elif body is not None:
            kwargs["json"] = body
        response = await client.request(method, url, **kwargs)
        assert response.status_code == status, (who, response.text)
        if status >= 400:
            assert response.headers["content-type"] == "application/problem+json"
        if status == 403 and who in ("owner", "mun", "fund"):
            assert "it needs one of" in response.json()["detail"]
        if name == "list" and status == 200:
            ids = [item["id"] for item in response.json()["items"]]
            assert ids == ([] if who in ("other_org", "other_mun") else [app["id"]]), who
