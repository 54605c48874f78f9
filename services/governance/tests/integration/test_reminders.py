"""The twice-yearly reminder round, under a controlled clock: one ReminderDueV1 per home
municipality with outstanding items of the last two governance years, exactly once per round
even when run again or by two workers at the same time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import time_machine

from common.events.contracts import ReminderDueV1
from common.events.envelope import Envelope
from common.testing.fixtures import service_settings
from governance.settings import GovernanceSettings
from governance.worker import jobs

from .support import (
    API,
    YEAR,
    apply,
    department,
    fund,
    municipality,
    open_year,
    org,
    organisation,
    outbox,
    post_headers,
    sql,
)


def clock_at(*args: int):
    return lambda: datetime(*args, 9, 0, tzinfo=UTC)


@pytest.fixture
async def setup(governance_client, governance_db, governance_db_url, tokens, databases):
    client = await governance_client()
    await apply(
        governance_db,
        organisation("BO-1", "101"),
        organisation("BO-2", "101"),
        organisation("BO-3", "147"),
        organisation("BO-4", "151"),
        *(department(f"d-{o}", o, "101") for o in ("BO-1", "BO-2", "BO-3", "BO-4")),
    )
    for year in (YEAR - 2, YEAR - 1, YEAR):
        await open_year(client, tokens, year)
    statuses = {
        (YEAR - 2, "BO-1"): "sent",  # too old: not outstanding in the 2027 rounds
        (YEAR - 1, "BO-1"): "meeting_held",
        (YEAR, "BO-1"): "sent",
        (YEAR - 1, "BO-2"): "statement_submitted",
        (YEAR, "BO-2"): "statement_submitted",
        (YEAR - 1, "BO-3"): "in_progress",
        (YEAR, "BO-3"): "statement_submitted",
        (YEAR - 1, "BO-4"): "statement_submitted",
        (YEAR, "BO-4"): "statement_submitted",
    }
    for (year, organisation_id), status in statuses.items():
        sql(
            governance_db_url,
            "UPDATE packages SET status=%s WHERE year=%s AND organisation_id=%s",
            status,
            year,
            organisation_id,
        )
    settings = service_settings(GovernanceSettings, databases, tokens, package="governance")
    return governance_db, settings, client


def reminders(db_url) -> list[ReminderDueV1]:
    return [
        ReminderDueV1.from_envelope(Envelope.from_structured(e))
        for e in outbox(db_url, "governance.reminder.due")
    ]


async def run(database, settings, clock):
    [job] = jobs(database, settings, clock=clock)
    return await job.run()


class TestReminderRound:
    async def test_on_the_day_each_municipality_with_outstanding_items_gets_one_reminder(
        self, setup, governance_db_url
    ):
        database, settings, _ = setup
        result = await run(database, settings, clock_at(YEAR, 3, 1))
        assert (str(result.round_date), result.reminders) == (f"{YEAR}-03-01", 2)
        by_municipality = {r.municipality_code: r for r in reminders(governance_db_url)}
        assert sorted(by_municipality) == ["101", "147"]
        home = by_municipality["101"]
        assert home.governance_years == [YEAR - 1, YEAR]
        assert home.reminder_id == f"101-{YEAR}-03-01"
        assert [(i.package_id, i.missing) for i in home.items] == [
            (f"pkg-{YEAR - 1}-BO-1", "Redegørelse afgivet"),
            (f"pkg-{YEAR}-BO-1", "Møde afholdt"),
        ]
        assert [(i.package_id, i.missing) for i in by_municipality["147"].items] == [
            (f"pkg-{YEAR - 1}-BO-3", "Dokumentationspakken er ikke fremsendt")
        ]

    async def test_the_day_before_nothing_is_due(self, setup, governance_db_url):
        database, settings, _ = setup
        result = await run(database, settings, clock_at(YEAR, 2, 28))
        assert result.round_date is None or result.round_date.year < YEAR
        assert [r for r in reminders(governance_db_url) if r.round_date.year == YEAR] == []

    async def test_a_round_runs_once_however_often_the_job_runs(self, setup, governance_db_url):
        database, settings, _ = setup
        await run(database, settings, clock_at(YEAR, 3, 1))
        again = await run(database, settings, clock_at(YEAR, 3, 2))
        assert again.already_done is True
        assert len(reminders(governance_db_url)) == 2

    async def test_two_workers_at_the_same_moment_send_it_once(self, setup, governance_db_url):
        database, settings, _ = setup
        results = await asyncio.gather(
            *(run(database, settings, clock_at(YEAR, 3, 1)) for _ in range(2))
        )
        assert sorted(r.already_done for r in results) == [False, True]
        assert len(reminders(governance_db_url)) == 2

    async def test_a_worker_that_was_down_sends_the_missed_round_within_the_grace_period(
        self, setup, governance_db_url
    ):
        database, settings, _ = setup
        await run(database, settings, clock_at(YEAR, 3, 20))
        assert {r.round_date.isoformat() for r in reminders(governance_db_url)} == {f"{YEAR}-03-01"}

    async def test_after_the_grace_period_a_missed_round_is_not_sent(
        self, setup, governance_db_url
    ):
        database, settings, _ = setup
        result = await run(database, settings, clock_at(YEAR, 6, 1))
        assert result.round_date is None
        assert reminders(governance_db_url) == []

    async def test_the_autumn_round_is_a_round_of_its_own(self, setup, governance_db_url):
        database, settings, _ = setup
        await run(database, settings, clock_at(YEAR, 3, 1))
        autumn = await run(database, settings, clock_at(YEAR, 9, 1))
        assert (str(autumn.round_date), autumn.already_done) == (f"{YEAR}-09-01", False)
        assert len(reminders(governance_db_url)) == 4

    async def test_nothing_outstanding_sends_nothing(self, setup, governance_db_url):
        database, settings, _ = setup
        sql(governance_db_url, "UPDATE packages SET status='statement_submitted'")
        result = await run(database, settings, clock_at(YEAR, 3, 1))
        assert (result.reminders, reminders(governance_db_url)) == (0, [])


class TestTheFundsOperations:
    """Issue 12, item 13: the round used to be reachable only by running internal code, and only
    on 1 March / 1 September. The fund sees the schedule, previews a round and holds one now."""

    async def test_the_schedule_shows_the_days_the_next_rounds_and_the_rounds_held(
        self, setup, tokens
    ):
        database, settings, client = setup
        await run(database, settings, clock_at(YEAR, 3, 1))
        response = await client.get(f"{API}/reminders/schedule", headers=fund(tokens))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["reminder_days"] == ["03-01", "09-01"]
        assert len(body["upcoming"]) == 2
        assert body["upcoming"] == sorted(body["upcoming"])
        assert [(h["round_date"], h["reminders"]) for h in body["held"]] == [(f"{YEAR}-03-01", 2)]

    async def test_a_preview_lists_what_would_be_sent_and_sends_nothing(
        self, setup, tokens, governance_db_url
    ):
        _, _, client = setup
        response = await client.get(
            f"{API}/reminders/preview", params={"date": f"{YEAR}-05-15"}, headers=fund(tokens)
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["years"] == [YEAR - 1, YEAR]
        assert [m["municipality_code"] for m in body["municipalities"]] == ["101", "147"]
        assert [i["package_id"] for i in body["municipalities"][1]["items"]] == [
            f"pkg-{YEAR - 1}-BO-3"
        ]
        assert reminders(governance_db_url) == []

    async def test_the_fund_holds_a_round_now_once_per_date(self, setup, tokens, governance_db_url):
        _, _, client = setup
        body = {"round_date": f"{YEAR}-05-15"}
        with time_machine.travel(datetime(YEAR, 5, 15, 9, 0, tzinfo=UTC)):
            held = await client.post(
                f"{API}/reminders/rounds", json=body, headers=post_headers(fund(tokens))
            )
            assert held.status_code == 201, held.text
            assert held.json() == {"round_date": f"{YEAR}-05-15", "reminders": 2}
            assert sorted(r.municipality_code for r in reminders(governance_db_url)) == [
                "101",
                "147",
            ]
            again = await client.post(
                f"{API}/reminders/rounds", json=body, headers=post_headers(fund(tokens))
            )
        assert again.status_code == 409
        assert again.json()["type"].endswith("reminder-round-held")
        assert len(reminders(governance_db_url)) == 2

    async def test_a_round_still_to_come_is_refused_and_is_sent_on_its_day(
        self, setup, tokens, governance_db_url
    ):
        """Held a few days early, the autumn round's date was used up: the scheduled round on
        1 September then found it held and sent nothing, whatever was outstanding by then."""
        database, settings, client = setup
        with time_machine.travel(datetime(YEAR, 8, 28, 9, 0, tzinfo=UTC)):
            early = await client.post(
                f"{API}/reminders/rounds",
                json={"round_date": f"{YEAR}-09-01"},
                headers=post_headers(fund(tokens)),
            )
        assert early.status_code == 422, early.text
        assert early.json()["type"].endswith("reminder-round-not-due")
        assert f"preview?date={YEAR}-09-01" in early.json()["detail"]
        assert reminders(governance_db_url) == []
        on_the_day = await run(database, settings, clock_at(YEAR, 9, 1))
        assert (on_the_day.already_done, on_the_day.reminders) == (False, 2)
        assert len(reminders(governance_db_url)) == 2

    async def test_the_round_day_is_the_danish_day(self, setup, governance_db_url):
        """At 00:30 in Denmark on 1 March (23:30 UTC on 28 February) the spring round is due."""
        database, settings, _ = setup
        result = await run(database, settings, lambda: datetime(YEAR, 2, 28, 23, 30, tzinfo=UTC))
        assert (str(result.round_date), result.reminders) == (f"{YEAR}-03-01", 2)

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/reminders/schedule"),
            ("GET", "/reminders/preview"),
            ("POST", "/reminders/rounds"),
        ],
    )
    async def test_only_the_fund_may(self, setup, tokens, method, path):
        _, _, client = setup
        for headers in (org(tokens, "BO-1"), municipality(tokens, "101")):
            response = await client.request(
                method, f"{API}{path}", json={} if method == "POST" else None,
                headers=post_headers(headers) if method == "POST" else headers,
            )  # fmt: skip
            assert response.status_code == 403, response.text
