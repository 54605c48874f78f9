"""After commitment, with a controlled clock: the overdue round reports a statement not received
by its deadline once; the fund stops payments; receipt resumes them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from common.calendar import danish_date
from common.db.uow import UnitOfWork
from common.testing.interleaving import done_or_blocked
from grants.db.reports import newly_overdue_statuses
from grants.db.repositories import ApplicationRepository
from grants.services.followup import run_overdue_round, run_status_overdue_round

from .support import (
    API,
    XLSX,
    code,
    complete_plan,
    create,
    fund,
    master_data,
    municipality,
    org,
    outbox,
    post,
    statement,
    to_status,
)


def clock_at(*args: int):
    return lambda: datetime(*args, tzinfo=UTC)


async def committed_case(grants_client, grants_db, tokens, **client_options):
    """A case of the 2024 frame committed for 2024–2027: by today (December 2026) the reports
    for 2024 and 2025 are past their deadlines."""
    client = await grants_client(**client_options)
    await master_data(grants_db)
    app = await to_status(client, tokens, await create(client, tokens, year=2024), "committed")
    return client, app


class TestOverdueRoundBesideAReceipt:
    """A receipt locks the application, then the statement year. The rounds take each overdue
    year with its application in one statement, skipping what a receipt holds, so they never
    wait for an application while holding a year: no deadlock (before, a receipt arriving
    between the round's two locks stalled both for a second, and one was aborted)."""

    @pytest.mark.parametrize(
        "newly_overdue",
        [
            ApplicationRepository.newly_overdue_statements,
            lambda repo, *args: newly_overdue_statuses(repo.session, *args),
        ],
        ids=["statements", "statuses"],
    )
    async def test_the_round_holds_each_years_application_before_a_receipt_comes(
        self, grants_client, grants_db, tokens, newly_overdue
    ):
        client, app = await committed_case(grants_client, grants_db, tokens)
        today = danish_date(datetime(2025, 7, 1, 6, 0, tzinfo=UTC))
        async with UnitOfWork(grants_db) as uow:  # the round's steps, the receipt between
            repo = ApplicationRepository(uow.session)
            [year] = await newly_overdue(repo, today, 200)
            receipt = asyncio.ensure_future(
                client.post(
                    f"{API}/applications/{app['id']}/statements/2024",
                    json=statement(),
                    headers=post(org(tokens, "o-1")),
                )
            )
            await done_or_blocked(grants_db.url, receipt)
            # the round's lock on the application must be its own already: never a wait
            await uow.session.execute(text("SET LOCAL lock_timeout = '200ms'"))
            await repo.application_by_id(year.application_id, lock=True)
            await uow.rollback()
        assert (await receipt).status_code == 200

    async def test_a_year_a_receipt_holds_is_left_to_the_next_round(
        self, grants_client, grants_db, tokens
    ):
        _client, app = await committed_case(grants_client, grants_db, tokens)
        today = danish_date(datetime(2025, 7, 1, 6, 0, tzinfo=UTC))
        async with UnitOfWork(grants_db) as receipt:  # holds the application
            await ApplicationRepository(receipt.session).application_by_id(app["id"], lock=True)
            async with UnitOfWork(grants_db) as round_:
                repo = ApplicationRepository(round_.session)
                assert await repo.newly_overdue_statements(today, 200) == []


class TestOverdueRound:
    async def test_nothing_is_overdue_on_the_deadline_day(
        self, grants_client, grants_db, grants_db_url, tokens
    ):
        _client, _app = await committed_case(grants_client, grants_db, tokens)
        # 2024's statement is due Monday 30 June 2025; at noon in Copenhagen it is still in time
        assert await run_overdue_round(grants_db, clock_at(2025, 6, 30, 10, 0)) == 0
        assert outbox(grants_db_url, "grants.report.overdue") == []

    async def test_the_day_after_the_deadline_it_is_reported_once(
        self, grants_client, grants_db, grants_db_url, tokens
    ):
        client, app = await committed_case(grants_client, grants_db, tokens)
        assert await run_overdue_round(grants_db, clock_at(2025, 7, 1, 6, 0)) == 1
        assert await run_overdue_round(grants_db, clock_at(2025, 7, 2, 6, 0)) == 0
        (event,) = outbox(grants_db_url, "grants.report.overdue")
        assert event["data"]["statement_year"] == 2024
        assert event["data"]["due_on"] == "2025-06-30"
        assert event["data"]["organisation_ids"] == ["o-1"]
        stored = (await client.get(f"{API}/applications/{app['id']}", headers=fund(tokens))).json()
        assert stored["overdue"] is True
        history = (
            await client.get(f"{API}/applications/{app['id']}/history", headers=fund(tokens))
        ).json()["items"]
        assert (history[-1]["action"], history[-1]["actor"]) == ("statement_overdue", "system")

    async def test_a_received_statement_is_never_reported(
        self, grants_client, grants_db, grants_db_url, tokens
    ):
        client, app = await committed_case(grants_client, grants_db, tokens)
        r = await client.post(
            f"{API}/applications/{app['id']}/statements/2024",
            json=statement(),
            headers=post(org(tokens, "o-1")),
        )
        assert r.status_code == 200
        # today (December 2026) 2025's statement is overdue too; 2024's must not be reported
        assert await run_overdue_round(grants_db, clock_at(2026, 7, 1, 6, 0)) == 1
        (event,) = outbox(grants_db_url, "grants.report.overdue")
        assert event["data"]["statement_year"] == 2025


class TestOverdueByDate:
    """The case list's ``overdue`` filter and each item's ``overdue`` are computed from the
    Danish date, as the case view computes its statements' — not from the flag the hourly
    overdue round sets (the filter missed a case for up to an hour after midnight, and a
    round that had not run kept it out of the list altogether)."""

    async def test_the_list_finds_a_case_from_midnight_after_its_deadline_before_any_round(
        self, grants_client, grants_db, grants_db_url, tokens
    ):
        instant = {"now": datetime(2025, 6, 30, 21, 59, tzinfo=UTC)}  # 23:59 in Copenhagen
        client, app = await committed_case(
            grants_client, grants_db, tokens, clock=lambda: instant["now"]
        )

        async def listed(overdue: str) -> dict[str, bool]:
            r = await client.get(
                f"{API}/applications", params={"overdue": overdue}, headers=fund(tokens)
            )
            assert r.status_code == 200, r.text
            return {i["id"]: i["overdue"] for i in r.json()["items"]}

        async def viewed() -> tuple[bool, bool, bool]:
            body = (
                await client.get(f"{API}/applications/{app['id']}", headers=fund(tokens))
            ).json()
            [statement_2024] = [s for s in body["statements"] if s["year"] == 2024]
            [status_2024] = [s for s in body["yearly_statuses"] if s["year"] == 2024]
            return body["overdue"], statement_2024["overdue"], status_2024["overdue"]

        # the deadline day (Monday 30 June 2025) is in time
        assert (await listed("true"), await listed("false")) == ({}, {app["id"]: False})
        assert await viewed() == (False, False, False)
        instant["now"] = datetime(2025, 6, 30, 22, 0, tzinfo=UTC)  # midnight in Copenhagen
        assert await viewed() == (True, True, True)
        assert (await listed("true"), await listed("false")) == ({app["id"]: True}, {})
        assert outbox(grants_db_url, "grants.report.overdue") == []  # no round has run
        # both parts of 2024's report received: 2025's is not due yet, so nothing is overdue
        r = await client.post(
            f"{API}/applications/{app['id']}/statements/2024",
            json=statement(),
            headers=post(org(tokens, "o-1")),
        )
        assert r.status_code == 200, r.text
        assert await listed("true") == {app["id"]: True}  # the status part is still missing
        await upload_status(client, tokens, app["id"], 2024)
        assert (await listed("true"), await listed("false")) == ({}, {app["id"]: False})
        assert await viewed() == (False, False, False)


async def upload_status(client, tokens, app_id: str, year: int) -> dict:
    r = await client.post(
        f"{API}/applications/{app_id}/attachments",
        params={"kind": "yearly_status", "filename": f"status-{year}.xlsx", "year": year},
        content=XLSX,
        headers=post(org(tokens, "o-1")),
    )
    assert r.status_code == 201, r.text
    return r.json()


class TestPaymentStop:
    async def test_stop_refused_while_nothing_is_overdue(self, grants_client, grants_db, tokens):
        client, app = await committed_case(grants_client, grants_db, tokens)
        for year in (2024, 2025):  # the ones past their deadline today
            await client.post(
                f"{API}/applications/{app['id']}/statements/{year}",
                json=statement(),
                headers=post(org(tokens, "o-1")),
            )
            await upload_status(client, tokens, app["id"], year)
        r = await client.post(
            f"{API}/applications/{app['id']}/payments/stop",
            json={"reason": "Mangler opgørelse"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 409
        assert "overdue" in r.json()["detail"]

    async def test_overdue_then_stop_then_receipt_resumes(
        self, grants_client, grants_db, grants_db_url, tokens
    ):
        client, app = await committed_case(grants_client, grants_db, tokens)
        app_id = app["id"]
        r = await client.post(
            f"{API}/applications/{app_id}/payments",
            json={"kind": "instalment", "amount": "1000000.00", "paid_on": "2025-03-01"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 201, r.text
        assert await run_overdue_round(grants_db, clock_at(2026, 7, 1, 6, 0)) == 2
        reason = "Reguleringskontoopgørelserne for 2024 og 2025 er ikke modtaget."
        r = await client.post(
            f"{API}/applications/{app_id}/payments/stop",
            json={"reason": reason},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 200, r.text
        assert r.json()["payments_stopped"] is True
        (stopped,) = outbox(grants_db_url, "grants.payments.stopped")
        assert stopped["data"]["overdue_years"] == [2024, 2025]
        assert stopped["data"]["reason"] == reason

        r = await client.post(
            f"{API}/applications/{app_id}/payments",
            json={"kind": "instalment", "amount": "1.00", "paid_on": "2026-08-01"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 409
        assert code(r) == "payments-stopped"

        r = await client.post(
            f"{API}/applications/{app_id}/statements/2024",
            json=statement(),
            headers=post(org(tokens, "o-1")),
        )
        assert r.json()["payments_stopped"] is True  # 2025 is still missing
        assert outbox(grants_db_url, "grants.payments.resumed") == []
        for year in (2024, 2025):  # the yearly statuses are due too
            await upload_status(client, tokens, app_id, year)
        r = await client.post(
            f"{API}/applications/{app_id}/statements/2025",
            json=statement(),
            headers=post(org(tokens, "o-1")),
        )
        body = r.json()
        assert (body["payments_stopped"], body["overdue"]) == (False, False)
        (resumed,) = outbox(grants_db_url, "grants.payments.resumed")
        assert resumed["data"]["application_id"] == app_id

        r = await client.post(
            f"{API}/applications/{app_id}/payments",
            json={"kind": "instalment", "amount": "500000.00", "paid_on": "2026-08-01"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 201
        stored = (await client.get(f"{API}/applications/{app_id}", headers=fund(tokens))).json()
        assert [(p["amount"], p["paid_on"]) for p in stored["payments"]] == [
            ("1000000.00", "2025-03-01"),
            ("500000.00", "2026-08-01"),
        ]

    async def test_payments_never_exceed_the_commitment(self, grants_client, grants_db, tokens):
        client, app = await committed_case(grants_client, grants_db, tokens)
        r = await client.post(
            f"{API}/applications/{app['id']}/payments",
            json={"kind": "instalment", "amount": "7000000.01", "paid_on": "2025-03-01"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 422
        assert code(r) == "payment-refused"

    async def test_a_statement_twice_is_refused(self, grants_client, grants_db, tokens):
        client, app = await committed_case(grants_client, grants_db, tokens)
        url = f"{API}/applications/{app['id']}/statements/2024"
        ok = await client.post(url, json=statement(), headers=post(org(tokens, "o-1")))
        assert ok.status_code == 200
        r = await client.post(url, json=statement(), headers=post(org(tokens, "o-1")))
        assert r.status_code == 409
        r = await client.post(
            f"{API}/applications/{app['id']}/statements/2031",
            json=statement(),
            headers=post(fund(tokens)),
        )
        assert r.status_code == 404

    async def test_a_commitment_period_outside_2019_2099_is_refused_not_a_500(
        self, grants_client, grants_db, tokens
    ):
        """The published commitment carries its period within 2019-2099; a period the API
        took beyond it failed the event's validation after the change (500)."""
        client = await grants_client()
        await master_data(grants_db)
        app = await to_status(client, tokens, await create(client, tokens), "plan_sent")
        url = f"{API}/applications/{app['id']}/commitment"
        commitment = {"amount": "7000000.00", "period_start_year": 2026, "period_end_year": 2029}
        for beyond in ({"period_end_year": 2100}, {"period_start_year": 2018}):
            r = await client.post(url, json={**commitment, **beyond}, headers=post(fund(tokens)))
            assert r.status_code == 422, r.text
            assert r.headers["content-type"] == "application/problem+json"
        r = await client.post(url, json=commitment, headers=post(fund(tokens)))
        assert r.status_code == 200, r.text

    async def test_a_commitment_period_starting_before_its_frame_year_is_refused(
        self, grants_client, grants_db, grants_db_url, tokens
    ):
        """The fund commits from a year's frame (seed 001: "i årene 2019–2026 inden for en
        årlig ramme ... kan give tilsagn"): the effort it pays for cannot have run in the years
        before that frame. A 2026 commitment for 2024–2027 was taken, opening statements for
        2024 and 2025 that were overdue at once, so the case could have its payments stopped
        on the day it was committed."""
        client = await grants_client()
        await master_data(grants_db)
        app = await to_status(client, tokens, await create(client, tokens), "plan_sent")
        url = f"{API}/applications/{app['id']}/commitment"
        r = await client.post(
            url,
            json={"amount": "7000000.00", "period_start_year": 2025, "period_end_year": 2028},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert "2025" in r.json()["detail"]
        assert "2026" in r.json()["detail"]
        assert outbox(grants_db_url, "grants.commitment.granted") == []
        stored = (await client.get(f"{API}/applications/{app['id']}", headers=fund(tokens))).json()
        assert (stored["status"], stored["statements"]) == ("plan_sent", [])
        r = await client.post(
            url,
            json={"amount": "7000000.00", "period_start_year": 2026, "period_end_year": 2026},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 200, r.text
        assert [s["year"] for s in r.json()["statements"]] == [2026]

    async def test_no_report_for_a_year_that_has_not_ended(self, grants_client, grants_db, tokens):
        """A statement or a yearly status for a year still running would count as received,
        so that year could never become overdue nor stop payments: refused until it ends."""
        client = await grants_client()
        await master_data(grants_db)
        app = await to_status(client, tokens, await create(client, tokens), "plan_sent")
        url = f"{API}/applications/{app['id']}"
        commitment = {"amount": "7000000.00", "period_start_year": 2026, "period_end_year": 2099}
        r = await client.post(f"{url}/commitment", json=commitment, headers=post(fund(tokens)))
        assert r.status_code == 200, r.text
        r = await client.post(
            f"{url}/statements/2099", json=statement(), headers=post(org(tokens, "o-1"))
        )
        assert r.status_code == 422, r.text
        assert "2099" in r.json()["detail"]
        assert "1 January 2100" in r.json()["detail"]
        r = await client.post(
            f"{url}/attachments",
            params={"kind": "yearly_status", "filename": "s.xlsx", "year": 2099},
            content=XLSX,
            headers=post(org(tokens, "o-1")),
        )
        assert r.status_code == 422, r.text
        assert "1 January 2100" in r.json()["detail"]
        view = (await client.get(url, headers=fund(tokens))).json()
        [status] = [s for s in view["yearly_statuses"] if s["year"] == 2099]
        assert status["received_on"] is None


class TestRegulationAccount:
    async def test_the_statement_is_stored_and_carries_on_from_the_previous_year(
        self, grants_client, grants_db, tokens
    ):
        client, app = await committed_case(grants_client, grants_db, tokens)
        base = f"{API}/applications/{app['id']}/statements"
        left = statement(
            closing="50000.00",
            expenses={"staff": "1200000.00"},
            explanation="Ansættelse udskudt til marts.",
        )
        r = await client.post(f"{base}/2024", json=left, headers=post(org(tokens, "o-1")))
        assert r.status_code == 200, r.text
        [stored] = [s for s in r.json()["statements"] if s["year"] == 2024]
        assert stored["account"] == {
            "opening_balance": "0.00",
            "lbf_support": "1000000.00",
            "co_financing": "250000.00",
            "other_income": "0.00",
            "interest": "0.00",
            "expenses": {"staff": "1200000.00"},
            "closing_balance": "50000.00",
            "deviation_explanation": "Ansættelse udskudt til marts.",
        }
        # 2025 must open with 2024's closing balance
        wrong = await client.post(
            f"{base}/2025", json=statement(), headers=post(org(tokens, "o-1"))
        )
        assert wrong.status_code == 422
        assert code(wrong) == "statement-rejected"
        assert [(e["pointer"], e["code"]) for e in wrong.json()["errors"]] == [
            ("/opening_balance", "opening-balance-mismatch")
        ]
        assert "50.000,00" in wrong.json()["errors"][0]["detail"]
        right = statement(opening="50000.00", closing="50000.00", explanation="Overført fra 2024.")
        r = await client.post(f"{base}/2025", json=right, headers=post(org(tokens, "o-1")))
        assert r.status_code == 200, r.text
        history = (
            await client.get(f"{API}/applications/{app['id']}/history", headers=fund(tokens))
        ).json()["items"]
        assert [h["detail"] for h in history if h["action"] == "statement_received"][-1].endswith(
            "closing balance 50.000,00\xa0kr."
        )

    async def test_a_statement_received_before_the_previous_year_links_up_all_the_same(
        self, grants_client, grants_db, tokens
    ):
        """2025's statement arrives first; 2024's must then close with 2025's opening balance
        (before, only a later year was checked against an earlier one, so years received out
        of order never had to add up to each other)."""
        client, app = await committed_case(grants_client, grants_db, tokens)
        base = f"{API}/applications/{app['id']}/statements"
        later = statement(opening="50000.00", closing="50000.00", explanation="Overført.")
        r = await client.post(f"{base}/2025", json=later, headers=post(org(tokens, "o-1")))
        assert r.status_code == 200, r.text
        wrong = await client.post(
            f"{base}/2024", json=statement(), headers=post(org(tokens, "o-1"))
        )
        assert wrong.status_code == 422, wrong.text
        assert [(e["pointer"], e["code"]) for e in wrong.json()["errors"]] == [
            ("/closing_balance", "closing-balance-mismatch")
        ]
        assert "50.000,00" in wrong.json()["errors"][0]["detail"]
        right = statement(
            closing="50000.00",
            expenses={"staff": "1200000.00"},
            explanation="Ansættelse udskudt til marts.",
        )
        r = await client.post(f"{base}/2024", json=right, headers=post(org(tokens, "o-1")))
        assert r.status_code == 200, r.text

    async def test_an_unbalanced_or_unexplained_statement_is_refused_and_nothing_stored(
        self, grants_client, grants_db, tokens
    ):
        client, app = await committed_case(grants_client, grants_db, tokens)
        url = f"{API}/applications/{app['id']}/statements/2024"
        unexplained = statement(closing="10000.00", expenses={"staff": "1240000.00"})
        r = await client.post(url, json=unexplained, headers=post(org(tokens, "o-1")))
        assert r.status_code == 422
        assert [e["code"] for e in r.json()["errors"]] == ["deviation-unexplained"]
        negative = statement(interest="-1.00")
        r = await client.post(url, json=negative, headers=post(org(tokens, "o-1")))
        assert r.status_code == 422  # refused by the schema before the rules
        stored = (await client.get(f"{API}/applications/{app['id']}", headers=fund(tokens))).json()
        [s2024] = [s for s in stored["statements"] if s["year"] == 2024]
        assert (s2024["received_on"], s2024["account"]) == (None, None)


class TestYearlyStatusAndReview:
    async def test_a_yearly_status_report_per_year_of_the_period(
        self, grants_client, grants_db, tokens
    ):
        client, app = await committed_case(grants_client, grants_db, tokens)
        url = f"{API}/applications/{app['id']}/attachments"
        r = await client.post(
            url,
            params={"kind": "yearly_status", "filename": "status-2025.xlsx", "year": 2025},
            content=XLSX,
            headers=post(org(tokens, "o-1")),
        )
        assert r.status_code == 201, r.text
        assert (r.json()["kind"], r.json()["year"]) == ("yearly_status", 2025)
        r = await client.post(
            url,
            params={"kind": "yearly_status", "filename": "status-2031.xlsx", "year": 2031},
            content=XLSX,
            headers=post(org(tokens, "o-1")),
        )
        assert r.status_code == 422
        assert "2024–2027" in r.json()["detail"]

    async def test_no_yearly_status_before_commitment(self, grants_client, grants_db, tokens):
        client = await grants_client()
        await master_data(grants_db)
        app = await create(client, tokens)
        r = await client.post(
            f"{API}/applications/{app['id']}/attachments",
            params={"kind": "yearly_status", "filename": "s.xlsx", "year": 2026},
            content=XLSX,
            headers=post(org(tokens, "o-1")),
        )
        assert r.status_code == 409

    async def test_the_one_year_review(self, grants_client, grants_db, tokens):
        client, app = await committed_case(grants_client, grants_db, tokens)
        await client.post(
            f"{API}/applications/{app['id']}/statements/2024",
            json=statement(),
            headers=post(org(tokens, "o-1")),
        )
        held_on = danish_date().isoformat()
        r = await client.post(
            f"{API}/applications/{app['id']}/review",
            json={"held_on": held_on, "notes": "God fremdrift; bestyrelsen er etableret."},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 200, r.text
        assert (r.json()["review_held_on"], r.json()["review_notes"]) == (
            held_on,
            "God fremdrift; bestyrelsen er etableret.",
        )
        history = (
            await client.get(f"{API}/applications/{app['id']}/history", headers=fund(tokens))
        ).json()["items"]
        assert history[-1]["detail"] == f"One-year review held on {held_on}."
        r = await client.post(
            f"{API}/applications/{app['id']}/review",
            json={"held_on": "2020-01-01", "notes": "x"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 422


class TestNoRecordOfWhatHasNotHappened:
    """The council's approval, a payment and the one-year review are records of what happened:
    a day after today is refused (422), not stored. A future approval let the fund commit
    before the council had approved the plan (seed 001: the plan "skal være godkendt af
    kommunalbestyrelsen" first); a future payment counted against the commitment as paid."""

    async def test_a_council_approval_dated_after_today_is_refused(
        self, grants_client, grants_db, tokens
    ):
        client = await grants_client()
        await master_data(grants_db)
        app = await to_status(client, tokens, await create(client, tokens), "prequalified")
        await complete_plan(client, tokens, app)
        tomorrow = (danish_date() + timedelta(days=1)).isoformat()
        r = await client.post(
            f"{API}/applications/{app['id']}/plan/approval",
            json={"approved_on": tomorrow, "reference": "KB pkt. 7"},
            headers=post(municipality(tokens, "101")),
        )
        assert r.status_code == 422, r.text
        assert tomorrow in r.json()["detail"]
        stored = (await client.get(f"{API}/applications/{app['id']}", headers=fund(tokens))).json()
        assert (stored["status"], stored["plan_approved_on"]) == ("prequalified", None)

    async def test_a_payment_or_a_review_dated_after_today_is_refused(
        self, grants_client, grants_db, tokens
    ):
        client, app = await committed_case(grants_client, grants_db, tokens)
        url = f"{API}/applications/{app['id']}"
        tomorrow = (danish_date() + timedelta(days=1)).isoformat()
        r = await client.post(
            f"{url}/payments",
            json={"kind": "instalment", "amount": "1000.00", "paid_on": tomorrow},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 422, r.text
        assert tomorrow in r.json()["detail"]
        r = await client.post(
            f"{url}/review", json={"held_on": tomorrow, "notes": "x"}, headers=post(fund(tokens))
        )
        assert r.status_code == 422, r.text
        assert tomorrow in r.json()["detail"]
        stored = (await client.get(url, headers=fund(tokens))).json()
        assert (stored["payments"], stored["review_held_on"]) == ([], None)


class TestAdvance:
    async def test_the_advance_granted_at_prequalification_is_paid_once(
        self, grants_client, grants_db, tokens
    ):
        client = await grants_client()
        await master_data(grants_db)
        app = await to_status(client, tokens, await create(client, tokens), "prequalified")
        url = f"{API}/applications/{app['id']}/payments"
        r = await client.post(
            url,
            json={"kind": "advance", "amount": "400000.00", "paid_on": "2026-11-20"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 201, r.text
        assert (r.json()["kind"], r.json()["amount"]) == ("advance", "400000.00")
        r = await client.post(
            url,
            json={"kind": "advance", "amount": "0.01", "paid_on": "2026-11-21"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 422
        assert "400.000,00" in r.json()["detail"]
        r = await client.post(
            url,
            json={"kind": "instalment", "amount": "1.00", "paid_on": "2026-11-21"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 422
        assert "after commitment" in r.json()["detail"]

    async def test_the_advance_paid_counts_against_the_committed_amount(
        self, grants_client, grants_db, tokens
    ):
        """The advance is paid ahead of the grant (seed 001 "forlods udbetales"), so advance and
        instalments together never exceed the committed amount, and a commitment is not below
        the advance already paid."""
        client = await grants_client()
        await master_data(grants_db)
        app = await to_status(client, tokens, await create(client, tokens), "prequalified")
        url = f"{API}/applications/{app['id']}"
        r = await client.post(
            f"{url}/payments",
            json={"kind": "advance", "amount": "400000.00", "paid_on": "2026-11-20"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 201, r.text
        await complete_plan(client, tokens, app)
        for path, body, headers in (
            ("plan/approval", {"approved_on": danish_date().isoformat(), "reference": "KB 7"},
             municipality(tokens, "101")),
            ("plan/send", None, org(tokens, "o-1")),
        ):  # fmt: skip
            r = await client.post(f"{url}/{path}", json=body, headers=post(headers))
            assert r.status_code == 200, r.text
        commitment = {"period_start_year": 2026, "period_end_year": 2029}
        r = await client.post(
            f"{url}/commitment",
            json={**commitment, "amount": "399999.99"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 422, r.text
        assert "400.000,00" in r.json()["detail"]
        r = await client.post(
            f"{url}/commitment",
            json={**commitment, "amount": "7000000.00"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 200, r.text
        r = await client.post(
            f"{url}/payments",
            json={"kind": "instalment", "amount": "6600000.01", "paid_on": "2026-11-25"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 422, r.text
        assert code(r) == "payment-refused"
        assert "400.000,00" in r.json()["detail"]
        assert "7.000.000,00" in r.json()["detail"]
        r = await client.post(
            f"{url}/payments",
            json={"kind": "instalment", "amount": "6600000.00", "paid_on": "2026-11-25"},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 201, r.text


class TestYearlyStatusDeadline:
    """The yearly status on goals, indicators and activities is due with the statement (30 June
    of the next year, the next working day); missing it counts like a missing statement."""

    async def test_the_status_round_reports_each_missing_status_once(
        self, grants_client, grants_db, grants_db_url, tokens
    ):
        client, app = await committed_case(grants_client, grants_db, tokens)
        assert await run_status_overdue_round(grants_db, clock_at(2025, 6, 30, 10, 0)) == 0
        assert await run_status_overdue_round(grants_db, clock_at(2025, 7, 1, 6, 0)) == 1
        assert await run_status_overdue_round(grants_db, clock_at(2025, 7, 2, 6, 0)) == 0
        (event,) = outbox(grants_db_url, "grants.report.status_overdue")
        assert event["subject"] == app["id"]
        assert event["data"] == {
            "application_id": app["id"],
            "organisation_id": "o-1",
            "organisation_ids": ["o-1"],
            "municipality_code": "101",
            "status_year": 2024,
            "due_on": "2025-06-30",
            "detected_at": "2025-07-01T06:00:00Z",
        }
        assert outbox(grants_db_url, "grants.report.overdue") == []  # its own event
        stored = (await client.get(f"{API}/applications/{app['id']}", headers=fund(tokens))).json()
        assert stored["overdue"] is True
        history = (
            await client.get(f"{API}/applications/{app['id']}/history", headers=fund(tokens))
        ).json()["items"]
        assert (history[-1]["action"], history[-1]["actor"], history[-1]["detail"]) == (
            "status_overdue",
            "system",
            "The yearly status on goals, indicators and activities for 2024 was due "
            "2025-06-30 and has not been received.",
        )
        # the fund's case list finds it with the overdue filter
        listed = await client.get(
            f"{API}/applications", params={"overdue": "true"}, headers=fund(tokens)
        )
        assert [i["id"] for i in listed.json()["items"]] == [app["id"]]

    async def test_a_received_status_is_never_reported(
        self, grants_client, grants_db, grants_db_url, tokens
    ):
        client, app = await committed_case(grants_client, grants_db, tokens)
        await upload_status(client, tokens, app["id"], 2024)
        assert await run_status_overdue_round(grants_db, clock_at(2026, 7, 1, 6, 0)) == 1
        (event,) = outbox(grants_db_url, "grants.report.status_overdue")
        assert event["data"]["status_year"] == 2025

    async def test_the_case_shows_each_years_status_and_its_deadline(
        self, grants_client, grants_db, tokens
    ):
        client, app = await committed_case(grants_client, grants_db, tokens)
        first = await upload_status(client, tokens, app["id"], 2025)
        second = await upload_status(client, tokens, app["id"], 2025)  # a corrected form
        stored = (
            await client.get(f"{API}/applications/{app['id']}", headers=org(tokens, "o-1"))
        ).json()
        today = danish_date().isoformat()
        assert stored["yearly_statuses"] == [
            {"year": 2024, "due_on": "2025-06-30", "received_on": None, "attachment_id": None,
             "overdue": True},
            {"year": 2025, "due_on": "2026-06-30", "received_on": today,
             "attachment_id": second["id"], "overdue": False},
            {"year": 2026, "due_on": "2027-06-30", "received_on": None, "attachment_id": None,
             "overdue": False},
            {"year": 2027, "due_on": "2028-06-30", "received_on": None, "attachment_id": None,
             "overdue": False},
        ]  # fmt: skip
        assert first["id"] != second["id"]
        history = (
            await client.get(f"{API}/applications/{app['id']}/history", headers=fund(tokens))
        ).json()["items"]
        actions = [h["action"] for h in history if h["action"].startswith("status_")]
        assert actions == ["status_received", "status_replaced"]

    async def test_payments_stop_for_a_missing_status_and_resume_when_it_arrives(
        self, grants_client, grants_db, grants_db_url, tokens
    ):
        client, app = await committed_case(grants_client, grants_db, tokens)
        app_id = app["id"]
        for year in (2024, 2025):
            r = await client.post(
                f"{API}/applications/{app_id}/statements/{year}",
                json=statement(),
                headers=post(org(tokens, "o-1")),
            )
            assert r.status_code == 200, r.text
        # every statement is in; the statuses of 2024 and 2025 are not
        r = await client.post(
            f"{API}/applications/{app_id}/payments/stop",
            json={"reason": "Status på mål og indikatorer mangler."},
            headers=post(fund(tokens)),
        )
        assert r.status_code == 200, r.text
        (stopped,) = outbox(grants_db_url, "grants.payments.stopped")
        assert stopped["data"]["overdue_years"] == [2024, 2025]
        await upload_status(client, tokens, app_id, 2024)
        still = (await client.get(f"{API}/applications/{app_id}", headers=fund(tokens))).json()
        assert (still["payments_stopped"], still["overdue"]) == (True, True)
        r = await client.post(
            f"{API}/applications/{app_id}/payments",
            json={"kind": "instalment", "amount": "1.00", "paid_on": "2026-08-01"},
            headers=post(fund(tokens)),
        )
        assert (r.status_code, code(r)) == (409, "payments-stopped")
        await upload_status(client, tokens, app_id, 2025)
        resumed = (await client.get(f"{API}/applications/{app_id}", headers=fund(tokens))).json()
        assert (resumed["payments_stopped"], resumed["overdue"]) == (False, False)
        (event,) = outbox(grants_db_url, "grants.payments.resumed")
        assert event["data"]["application_id"] == app_id
        history = (
            await client.get(f"{API}/applications/{app_id}/history", headers=fund(tokens))
        ).json()["items"]
        assert [(h["action"], h["actor"]) for h in history[-2:]] == [
            ("status_received", "user-o-1"),
            ("payments_resumed", "system"),
        ]

    async def test_the_one_year_review_is_due_from_the_first_statement(
        self, grants_client, grants_db, tokens
    ):
        client, app = await committed_case(grants_client, grants_db, tokens)
        url = f"{API}/applications/{app['id']}"
        before = (await client.get(url, headers=fund(tokens))).json()
        assert (before["review_due_from"], before["review_pending"]) == (None, False)
        await client.post(
            f"{url}/statements/2024", json=statement(), headers=post(org(tokens, "o-1"))
        )
        due = (await client.get(url, headers=fund(tokens))).json()
        assert (due["review_due_from"], due["review_pending"]) == (danish_date().isoformat(), True)
        r = await client.post(
            f"{url}/review",
            json={"held_on": danish_date().isoformat(), "notes": "Eftersyn holdt."},
            headers=post(fund(tokens)),
        )
        assert r.json()["review_pending"] is False
