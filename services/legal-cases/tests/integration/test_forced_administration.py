"""Forced administration after the decision (§§ 29-42): the steps in the Act's order, the
deadlines they start on the work list, and lifting it (§ 41)."""

from __future__ import annotations

from datetime import date

from .support import API, act, decision_body, file_case, kind, party, post, sql, tribunal

DECISION = {
    "requested_by": "residents_representation",
    "ordered_works_due": "2027-01-31",
    "gi_works_on": ["2026-06-01"],
    "administrator": "Foreløbig administrator",
    "works_deadline": "2029-02-01",
}


async def administered(client, tokens, clock):
    case = await file_case(client, tokens, apartments=8)
    await act(client, tribunal(tokens), case["id"], "notify-counterpart")
    await act(client, tribunal(tokens), case["id"], "reply", {})
    await act(client, tribunal(tokens), case["id"], "decision", decision_body())
    clock.today = date(2027, 2, 1)  # a Monday
    await act(client, tribunal(tokens), case["id"], "forced-administration", DECISION, status=201)
    return case["id"]


async def step(client, tokens, case_id, status=201, **body):
    return await act(client, tribunal(tokens), case_id, "forced-administration/steps", body,
                     status=status)  # fmt: skip


def fa_deadlines(view):
    return [(d["kind"], d["due_on"]) for d in view["open_deadlines"] if d["kind"].startswith("fa_")]


class TestAdministration:
    async def test_from_appointment_to_lifting_with_the_deadlines_on_the_work_list(
        self, legal_client, tokens, clock, legal_db_url
    ):
        client = await legal_client()
        case_id = await administered(client, tokens, clock)
        await step(client, tokens, case_id, step="minister_notified", on="2027-02-01")
        clock.today = date(2027, 2, 2)
        await step(client, tokens, case_id, step="registered", on="2027-02-02")
        clock.today = date(2027, 2, 10)
        early = await step(client, tokens, case_id, 422, step="mortgagees_notified",
                           on="2027-02-10")  # fmt: skip
        assert [e["code"] for e in early["errors"]] == ["out-of-order"]
        view = await step(client, tokens, case_id, step="administrator_appointed", on="2027-02-08",
                          administrator="Ejendomsadministrator B A/S",
                          administrator_fee="3 % af lejeindtægten")  # fmt: skip
        fa = view["forced_administration"]
        assert (fa["administrator"], fa["administrator_fee"]) == (
            "Ejendomsadministrator B A/S", "3 % af lejeindtægten"
        )  # fmt: skip
        await step(client, tokens, case_id, step="mortgagees_notified", on="2027-02-10")
        await step(client, tokens, case_id, step="maintenance_account_demanded", on="2027-02-10")
        view = await step(client, tokens, case_id, step="loan_requested", on="2027-02-10")
        assert fa_deadlines(view) == [
            ("fa_works", "2029-02-01"),
            ("fa_mortgagees", "2027-03-24"),  # 6 weeks (§ 32(2))
            ("fa_maintenance_account", "2027-03-03"),  # 3 weeks (§ 34(2))
            ("fa_loan", "2027-05-10"),  # 3 months (§ 37)
        ]
        clock.today = date(2027, 3, 3)
        too_early = await step(client, tokens, case_id, 422,
                               step="maintenance_account_to_collection", on="2027-03-03")  # fmt: skip
        assert [e["code"] for e in too_early["errors"]] == ["too-early"]
        clock.today = date(2027, 3, 4)
        work = (await client.get(f"{API}/work-list?window=overdue",
                                 headers=tribunal(tokens))).json()  # fmt: skip
        assert [(i["kind"], i["due_on"]) for i in work["items"]] == [
            ("appeal", "2026-11-30"),  # no deadline round ran in this test
            ("fa_maintenance_account", "2027-03-03"),
        ]
        await step(client, tokens, case_id, step="maintenance_account_to_collection",
                   on="2027-03-04")  # fmt: skip
        paid = await step(client, tokens, case_id, 422, step="maintenance_account_paid",
                          on="2027-03-04")  # fmt: skip
        assert [e["code"] for e in paid["errors"]] == ["exclusive"]
        await step(client, tokens, case_id, step="mortgagees_declined", on="2027-03-04")
        await step(client, tokens, case_id, step="accounts_submitted", on="2027-03-04",
                   note="Regnskab feb. 2027")  # fmt: skip
        await step(client, tokens, case_id, step="accounts_submitted", on="2027-03-04",
                   note="Regnskab mar. 2027")  # fmt: skip
        not_done = await step(client, tokens, case_id, 422, step="ended", on="2027-03-04",
                              end_reason="works_done", administrator_satisfied=True)  # fmt: skip
        assert [e["code"] for e in not_done["errors"]] == ["conditions-not-met"]
        await step(client, tokens, case_id, step="works_completed", on="2027-03-04")
        ended = await step(client, tokens, case_id, step="ended", on="2027-03-04",
                           end_reason="works_done", administrator_satisfied=True)  # fmt: skip
        assert (ended["forced_administration"]["ended_on"],
                ended["forced_administration"]["end_reason"]) == ("2027-03-04", "works_done")  # fmt: skip
        assert fa_deadlines(ended) == []
        after = await step(client, tokens, case_id, 422, step="accounts_submitted",
                           on="2027-03-04")  # fmt: skip
        assert "ended" in [e["code"] for e in after["errors"]]
        final = await step(client, tokens, case_id, step="registration_deleted", on="2027-03-04")
        assert [s["step"] for s in final["forced_administration"]["steps"]][-3:] == [
            "works_completed",
            "ended",
            "registration_deleted",
        ]
        outcomes = sql(legal_db_url, "SELECT kind, outcome FROM case_deadlines WHERE kind LIKE "
                       "'fa_%%' ORDER BY id")  # fmt: skip
        assert outcomes == [("fa_works", "met"), ("fa_mortgagees", "met"),
                            ("fa_maintenance_account", "lapsed"), ("fa_loan", "cancelled")]  # fmt: skip
        audit = sql(legal_db_url, "SELECT detail->>'step' FROM case_audit WHERE "
                    "action='forced_administration_step' ORDER BY id")  # fmt: skip
        assert audit[0] == ("minister_notified",)
        assert len(audit) == 13

    async def test_a_case_without_forced_administration_and_roles_without_a_part(
        self, legal_client, tokens, clock
    ):
        client = await legal_client()
        case = await file_case(client, tokens)
        missing = await step(client, tokens, case["id"], 404, step="registered", on="2026-11-02")
        assert kind(missing) == "case-part-not-found"
        forbidden = await client.post(
            f"{API}/cases/{case['id']}/forced-administration/steps",
            json={"step": "registered", "on": "2026-11-02"}, headers=post(party(tokens)),
        )  # fmt: skip
        assert forbidden.status_code == 403
        hostile = await step(client, tokens, case["id"], 422, step="no-such-step", on="x")
        assert hostile["status"] == 422
