"""Every endpoint, every role: a tribunal sees its own tribunal's cases only (another tribunal's
case is 404), a party the cases it is a party to (else 404), a municipality those it filed;
roles without a part get 403 naming the roles that may."""

from __future__ import annotations

import pytest

from common.auth import Role

from .support import (
    API,
    LANDLORD,
    STRANGER,
    TENANT,
    case_body,
    decision_body,
    file_case,
    fund,
    municipality,
    party,
    post,
    sql,
    tribunal,
)

READ_PATHS = ["", "/audit"]
TRIBUNAL_ACTIONS = [
    ("notify-counterpart", {}),
    ("deadlines/1/extend", {"new_due": "2026-12-01", "reason": "r"}),
    ("questions", {"addressee": "complainant", "text": "Hvornår?"}),
    ("hearings", {"kind": "meeting", "scheduled_on": "2026-11-20"}),
    ("hearings/h-1/held", None),
    ("mediation", {"note": "n"}),
    ("guidance", {"side": "complainant", "kind": "guidance", "note": "n"}),
    ("suspend", {"reason": "r"}),
    ("resume", None),
    ("reject", {"reason": "r"}),
    ("decision", {"members": [{"seat": "chair", "member_ref": "f", "vote": "counterpart"}]}),
    ("appeal", {"appellant_side": "complainant"}),
    ("appeal/outcome", {"outcome": "upheld", "decided_on": "2026-11-02"}),
    ("sublet-noncompliance/steps", {"step": "documented", "on": "2026-11-02"}),
    (
        "service",
        {"side": "counterpart", "served_on": "2026-11-02", "served_by": "B", "method": "bailiff"},
    ),
    ("forced-administration/steps", {"step": "registered", "on": "2026-11-02"}),
    ("noncompliance", {"details": "d"}),
    ("fees/1/paid", None),
    (
        "forced-administration",
        {
            "requested_by": "tenant_majority",
            "ordered_works_due": "2026-10-01",
            "administrator": "A",
            "works_deadline": "2028-01-01",
        },
    ),
]


def headers_for(tokens, who: str) -> dict[str, str]:
    return {
        "tribunal": tribunal(tokens, "147"),
        "other_tribunal": tribunal(tokens, "101"),
        "complainant": party(tokens, TENANT),
        "counterpart": party(tokens, LANDLORD),
        "stranger": party(tokens, STRANGER),
        "municipality": municipality(tokens, "147"),
        "fund": fund(tokens),
        "housing_org": tokens.headers(Role.HOUSING_ORG, orgs=["o-1"], subject="bo"),
        "tribunal_without_code": tokens.headers(Role.TRIBUNAL, subject="nævn"),
    }[who]


@pytest.fixture
async def setup(legal_client, tokens):
    client = await legal_client()
    case = await file_case(client, tokens)
    return client, case


def audit_count(db_url) -> int:
    return sql(db_url, "SELECT count(*) FROM case_audit")[0][0]


class TestReading:
    @pytest.mark.parametrize("path", READ_PATHS)
    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("tribunal", 200),
            ("complainant", 200),
            ("counterpart", 404),  # not before the tribunal has notified it (§ 82(3))
            ("other_tribunal", 404),
            ("stranger", 404),
            ("municipality", 404),  # did not file it
            ("fund", 403),
            ("housing_org", 403),
            ("tribunal_without_code", 403),
        ],
    )
    async def test_case_and_audit(self, setup, tokens, path, who, status):
        client, case = setup
        response = await client.get(
            f"{API}/cases/{case['id']}{path}", headers=headers_for(tokens, who)
        )
        assert response.status_code == status, response.text
        if status == 200:
            body = response.json()
            assert (body.get("id") or body["items"][0]["action"]) in (case["id"], "filed")
        else:
            assert response.headers["content-type"].startswith("application/problem+json")
        if status == 403 and who != "tribunal_without_code":
            assert "it needs one of: municipality, party, tribunal" in response.json()["detail"]

    @pytest.mark.parametrize(
        ("who", "status"),
        [("tribunal", 200), ("complainant", 200), ("other_tribunal", 404), ("stranger", 404),
         ("fund", 403)],
    )  # fmt: skip
    async def test_documents(self, setup, tokens, who, status):
        client, case = setup
        doc = case["documents"][0]["id"]
        response = await client.get(
            f"{API}/cases/{case['id']}/documents/{doc}", headers=headers_for(tokens, who)
        )
        assert response.status_code == status
        if status == 200:
            assert response.content.startswith(b"%PDF-")
            assert response.headers["content-type"] == "application/pdf"

    @pytest.mark.parametrize(
        ("who", "count"),
        [("tribunal", 1), ("complainant", 1), ("counterpart", 0), ("other_tribunal", 0),
         ("stranger", 0), ("municipality", 0)],
    )  # fmt: skip
    async def test_lists_show_only_what_the_caller_sees(self, setup, tokens, who, count):
        client, case = setup
        response = await client.get(f"{API}/cases", headers=headers_for(tokens, who))
        assert [c["id"] for c in response.json()["items"]] == [case["id"]] * count

    async def test_the_counterpart_sees_the_case_once_notified(self, setup, tokens):
        client, case = setup
        path = f"{API}/cases/{case['id']}"
        before = await client.get(path, headers=headers_for(tokens, "counterpart"))
        await client.post(f"{path}/notify-counterpart", headers=post(tribunal(tokens)))
        after = await client.get(path, headers=headers_for(tokens, "counterpart"))
        listed = await client.get(f"{API}/cases", headers=headers_for(tokens, "counterpart"))
        assert (before.status_code, after.status_code) == (404, 200)
        assert [c["id"] for c in listed.json()["items"]] == [case["id"]]

    async def test_a_municipality_sees_the_cases_it_filed(self, legal_client, tokens):
        client = await legal_client()
        body = case_body(
            complainant={"kind": "municipality"}, on_behalf_of_tenant=True,
        )  # fmt: skip
        response = await client.post(
            f"{API}/cases", json=body, headers=post(municipality(tokens, "147"))
        )
        assert response.status_code == 201, response.text
        filed = response.json()
        assert (filed["filing_municipality_code"], filed["on_behalf_of_tenant"]) == ("147", True)
        mine = await client.get(f"{API}/cases/{filed['id']}", headers=municipality(tokens, "147"))
        other = await client.get(f"{API}/cases/{filed['id']}", headers=municipality(tokens, "101"))
        assert (mine.status_code, other.status_code) == (200, 404)


class TestWriting:
    @pytest.mark.parametrize(
        ("who", "status"),
        [("complainant", 201), ("municipality", 422), ("tribunal", 403), ("fund", 403),
         ("housing_org", 403)],
    )  # fmt: skip
    async def test_filing(self, legal_client, tokens, who, status):
        client = await legal_client()
        response = await client.post(
            f"{API}/cases", json=case_body(), headers=post(headers_for(tokens, who))
        )
        assert response.status_code == status, response.text
        if status == 403:
            assert "it needs one of: municipality, party" in response.json()["detail"]

    @pytest.mark.parametrize(
        ("action", "body"), TRIBUNAL_ACTIONS, ids=[a for a, _ in TRIBUNAL_ACTIONS]
    )
    @pytest.mark.parametrize(
        ("who", "status"),
        [("other_tribunal", 404), ("complainant", 403), ("counterpart", 403),
         ("municipality", 403), ("fund", 403), ("stranger", 403)],
    )  # fmt: skip
    async def test_tribunal_actions_refused_change_nothing(
        self, setup, tokens, legal_db_url, action, body, who, status
    ):
        client, case = setup
        before = audit_count(legal_db_url)
        response = await client.post(
            f"{API}/cases/{case['id']}/{action}", json=body or {},
            headers=post(headers_for(tokens, who)),
        )  # fmt: skip
        assert response.status_code == status, response.text
        if status == 403:
            assert "it needs one of: tribunal" in response.json()["detail"]
        assert audit_count(legal_db_url) == before
        assert sql(legal_db_url, "SELECT status FROM cases") == [("filed",)]

    @pytest.mark.parametrize(
        ("who", "status"),
        [("complainant", 403), ("stranger", 404), ("other_tribunal", 404), ("municipality", 403),
         ("fund", 403)],
    )  # fmt: skip
    async def test_only_the_counterpart_or_the_tribunal_replies(self, setup, tokens, who, status):
        client, case = setup
        await client.post(f"{API}/cases/{case['id']}/notify-counterpart",
                          headers=post(tribunal(tokens)))  # fmt: skip
        response = await client.post(
            f"{API}/cases/{case['id']}/reply", json={}, headers=post(headers_for(tokens, who))
        )
        assert response.status_code == status, response.text

    @pytest.mark.parametrize(
        ("who", "status"),
        [("complainant", 201), ("tribunal", 201), ("stranger", 404), ("other_tribunal", 404),
         ("fund", 403)],
    )  # fmt: skip
    async def test_adding_documents(self, setup, tokens, who, status):
        client, case = setup
        response = await client.post(
            f"{API}/cases/{case['id']}/documents",
            json={"filename": "foto.png", "content_base64": "iVBORw0KGgoAAAAAAAAAAA=="},
            headers=post(headers_for(tokens, who)),
        )
        assert response.status_code == status, response.text
        if status == 201:
            assert response.json()["content_type"] == "image/png"


class TestTribunalOnly:
    @pytest.mark.parametrize(
        ("who", "status"),
        [("tribunal", 200), ("complainant", 403), ("fund", 403), ("municipality", 403)],
    )
    async def test_work_list(self, setup, tokens, who, status):
        client, _ = setup
        response = await client.get(f"{API}/work-list?window=all", headers=headers_for(tokens, who))
        assert response.status_code == status
        other = await client.get(f"{API}/work-list?window=all", headers=tribunal(tokens, "101"))
        assert other.json()["items"] == []

    @pytest.mark.parametrize(
        ("who", "status"),
        [("fund", 200), ("tribunal", 200), ("other_tribunal", 404), ("complainant", 403),
         ("municipality", 403)],
    )  # fmt: skip
    async def test_owner_record(self, setup, tokens, who, status):
        client, _ = setup
        response = await client.get(f"{API}/owners/owner-77", headers=headers_for(tokens, who))
        assert response.status_code == status

    @pytest.mark.parametrize(
        ("who", "status"),
        [("tribunal", 201), ("other_tribunal", 404), ("fund", 403), ("complainant", 403)],
    )
    async def test_recording_a_conviction(self, setup, tokens, legal_db_url, who, status):
        client, _ = setup
        response = await client.post(
            f"{API}/owners/owner-77/convictions", json={"convicted_on": "2026-01-05"},
            headers=post(headers_for(tokens, who)),
        )  # fmt: skip
        assert response.status_code == status
        assert sql(legal_db_url, "SELECT count(*) FROM owner_convictions") == [
            (1 if status == 201 else 0,)
        ]


class TestLettersAndStatistics:
    @pytest.mark.parametrize(
        ("who", "status"),
        [("tribunal", 200), ("complainant", 200), ("counterpart", 200), ("other_tribunal", 404),
         ("stranger", 404), ("municipality", 404), ("fund", 403), ("housing_org", 403)],
    )  # fmt: skip
    async def test_decision_letter(self, setup, tokens, who, status):
        client, case = setup
        for action, body in (("notify-counterpart", {}), ("reply", {}),
                             ("decision", decision_body())):  # fmt: skip
            response = await client.post(
                f"{API}/cases/{case['id']}/{action}", json=body, headers=post(tribunal(tokens))
            )
            assert response.status_code == 200, response.text
        response = await client.get(
            f"{API}/cases/{case['id']}/decision.pdf", headers=headers_for(tokens, who)
        )
        assert response.status_code == status
        if status == 200:
            assert response.content.startswith(b"%PDF-")

    @pytest.mark.parametrize(
        ("who", "status"),
        [("fund", 200), ("tribunal", 200), ("complainant", 403), ("municipality", 403),
         ("housing_org", 403), ("tribunal_without_code", 403)],
    )  # fmt: skip
    async def test_statistics(self, setup, tokens, who, status):
        client, _ = setup
        for path in ("statistics", "statistics.xlsx"):
            response = await client.get(
                f"{API}/{path}?from=2026-01-01&to=2026-12-31", headers=headers_for(tokens, who)
            )
            assert response.status_code == status
        if status == 200:
            assert response.content[:2] == b"PK"  # an XLSX (zip) file


class TestCorrectingTheCounterpart:
    async def test_the_tribunal_corrects_who_the_counterpart_is_before_notifying(
        self, setup, tokens
    ):
        client, case = setup
        path = f"{API}/cases/{case['id']}"
        body = {"subject": "party:real-landlord", "name": "Rigtig Udlejer ApS",
                "organisation_id": "ll-7"}  # fmt: skip
        for who, status in (("complainant", 403), ("other_tribunal", 404)):
            refused = await client.put(f"{path}/counterpart", json=body,
                                       headers=headers_for(tokens, who))  # fmt: skip
            assert refused.status_code == status
        corrected = await client.put(f"{path}/counterpart", json=body, headers=tribunal(tokens))
        assert corrected.status_code == 200, corrected.text
        assert corrected.json()["parties"][1] == {
            "side": "counterpart", "kind": "landlord", "name": "Rigtig Udlejer ApS",
            "subject": "party:real-landlord", "organisation_id": "ll-7",
            "contact_email": None, "letters_by_tribunal": False,
        }  # fmt: skip
        await client.post(f"{path}/notify-counterpart", headers=post(tribunal(tokens)))
        wrong = await client.get(path, headers=headers_for(tokens, "counterpart"))
        right = await client.get(path, headers=party(tokens, "party:real-landlord"))
        assert (wrong.status_code, right.status_code) == (404, 200)
        late = await client.put(f"{path}/counterpart", json=body, headers=tribunal(tokens))
        assert late.status_code == 409


class TestMemberRegister:
    @pytest.mark.parametrize(
        ("who", "status"),
        [("tribunal", 200), ("complainant", 403), ("municipality", 403), ("fund", 403),
         ("housing_org", 403), ("tribunal_without_code", 403)],
    )  # fmt: skip
    async def test_reading_and_recording(self, setup, tokens, legal_db_url, who, status):
        client, _ = setup
        read = await client.get(f"{API}/members", headers=headers_for(tokens, who))
        assert read.status_code == status
        body = {"member_ref": "u", "seat": "landlord_member", "appointed_from": "2025-01-01",
                "appointed_to": "2026-01-01"}  # fmt: skip
        written = await client.post(f"{API}/members", json=body,
                                    headers=post(headers_for(tokens, who)))  # fmt: skip
        assert written.status_code == (201 if status == 200 else status)
        assert sql(legal_db_url, "SELECT count(*) FROM tribunal_members") == [
            (1 if status == 200 else 0,)
        ]
