"""The member register through the API: decisions are checked against it once it is kept."""

from __future__ import annotations

from .support import API, act, decision_body, file_case, kind, party, post, sql, tribunal


async def appoint(client, tokens, code="147", **body):
    response = await client.post(f"{API}/members", json=body, headers=post(tribunal(tokens, code)))
    return response


class TestMembers:
    async def test_a_decision_by_someone_not_appointed_is_refused(
        self, legal_client, tokens, legal_db_url
    ):
        client = await legal_client()
        for ref, seat, extra in (("formand-1", "chair", {"law_degree": True}),
                                 ("udl-1", "landlord_member", {}),
                                 ("lej-1", "tenant_member", {"deputy": True})):  # fmt: skip
            response = await appoint(client, tokens, member_ref=ref, seat=seat,
                                     appointed_from="2025-01-01", appointed_to="2028-12-31",
                                     **extra)  # fmt: skip
            assert response.status_code == 201, response.text
        register = await client.get(f"{API}/members", headers=tribunal(tokens))
        assert [(m["member_ref"], m["deputy"]) for m in register.json()["items"]] == [
            ("formand-1", False), ("udl-1", False), ("lej-1", True)
        ]  # fmt: skip
        other = await client.get(f"{API}/members", headers=tribunal(tokens, "101"))
        assert other.json() == {"items": [], "next_cursor": None}
        case_id = (await file_case(client, tokens))["id"]
        await act(client, tribunal(tokens), case_id, "notify-counterpart")
        await act(client, tribunal(tokens), case_id, "reply", {})
        members = [*decision_body()["members"][:2],
                   {"seat": "tenant_member", "member_ref": "fremmed", "vote": "complainant_fully"}]  # fmt: skip
        refused = await act(client, tribunal(tokens), case_id, "decision",
                            decision_body(members=members), status=422)  # fmt: skip
        assert kind(refused) == "quorum-not-met"
        assert [(e["pointer"], e["code"]) for e in refused["errors"]] == [
            ("/members/2", "not-appointed")
        ]
        decided = await act(client, tribunal(tokens), case_id, "decision", decision_body())
        assert decided["status"] == "decided"
        assert sql(legal_db_url, "SELECT count(*) FROM decisions") == [(1,)]

    async def test_appointments_follow_section_79(self, legal_client, tokens):
        client = await legal_client()
        no_law = await appoint(client, tokens, member_ref="f", seat="chair",
                               appointed_from="2025-01-01", appointed_to="2026-01-01")  # fmt: skip
        assert no_law.status_code == 422
        too_long = await appoint(client, tokens, member_ref="u", seat="landlord_member",
                                 appointed_from="2025-01-01", appointed_to="2029-01-02")  # fmt: skip
        assert too_long.status_code == 422
        refused = await client.post(
            f"{API}/members", json={"member_ref": "u", "seat": "landlord_member",
                                    "appointed_from": "2025-01-01", "appointed_to": "2026-01-01"},
            headers=post(party(tokens)),
        )  # fmt: skip
        assert refused.status_code == 403

    async def test_the_register_is_paged_and_filtered_by_seat_and_day(self, legal_client, tokens):
        """A register kept for years grows with every term: it is a list like the others, with
        pages and filters (the seat; who was appointed on a day)."""
        client = await legal_client()
        for ref, seat, start, end, extra in (
            ("formand-1", "chair", "2019-01-01", "2022-12-31", {"law_degree": True}),
            ("formand-2", "chair", "2023-01-01", "2026-12-31", {"law_degree": True}),
            ("udl-1", "landlord_member", "2023-01-01", "2026-12-31", {}),
            ("lej-1", "tenant_member", "2024-01-01", "2027-12-31", {}),
        ):
            response = await appoint(client, tokens, member_ref=ref, seat=seat,
                                     appointed_from=start, appointed_to=end, **extra)  # fmt: skip
            assert response.status_code == 201, response.text
        url, headers = f"{API}/members", tribunal(tokens)
        first = (await client.get(url, params={"limit": 3}, headers=headers)).json()
        assert [m["member_ref"] for m in first["items"]] == ["formand-1", "formand-2", "udl-1"]
        rest = await client.get(url, params={"limit": 3, "cursor": first["next_cursor"]},
                                headers=headers)  # fmt: skip
        assert ([m["member_ref"] for m in rest.json()["items"]], rest.json()["next_cursor"]) == (
            ["lej-1"], None
        )  # fmt: skip
        chairs = (await client.get(url, params={"seat": "chair"}, headers=headers)).json()
        assert [m["member_ref"] for m in chairs["items"]] == ["formand-1", "formand-2"]
        sitting = (await client.get(url, params={"on": "2023-06-01"}, headers=headers)).json()
        assert [m["member_ref"] for m in sitting["items"]] == ["formand-2", "udl-1"]
        forged = await client.get(url, params={"cursor": "x.y"}, headers=headers)
        assert forged.status_code == 400
