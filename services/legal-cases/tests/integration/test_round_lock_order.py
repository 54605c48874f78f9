"""The deadline round and a tribunal's action on the same case never deadlock: both lock the
case before its deadlines. (The round used to lock the deadline first; an action holding the
case and then changing that deadline made PostgreSQL abort one of the two.)"""

from __future__ import annotations

import asyncio
from datetime import date

import psycopg

from common.db.engine import libpq_dsn

from .support import API, tribunal
from .test_deadlines_and_round import notified_case, run_round


async def a_backend_waits_for_a_lock(db_url: str) -> None:
    """Until a session of this database waits for a row lock (the round, behind the action)."""
    async with await psycopg.AsyncConnection.connect(libpq_dsn(db_url), autocommit=True) as probe:
        async with asyncio.timeout(60):
            while True:
                cursor = await probe.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                row = await cursor.fetchone()
                if row is not None and row[0] > 0:
                    return
                await asyncio.sleep(0.05)


class TestRoundLockOrder:
    async def test_the_round_waits_for_an_action_holding_the_case_and_both_complete(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        client = await legal_client()
        case_id = await notified_case(client, tokens, clock)
        clock.today = date(2026, 12, 31)  # the counterpart's reply deadline has passed
        action = await psycopg.AsyncConnection.connect(libpq_dsn(legal_db_url))
        try:
            # An action's transaction: its case first, then (after the round started) a
            # change to the case's open deadline, as an extension or an appeal makes.
            await action.execute("SELECT 1 FROM cases WHERE id = %s FOR UPDATE", (case_id,))
            round_run = asyncio.create_task(run_round(legal_db, databases, tokens, clock))
            await a_backend_waits_for_a_lock(legal_db_url)
            await action.execute(
                "UPDATE case_deadlines SET extension_reason = extension_reason WHERE case_id = %s AND closed_on IS NULL",
                (case_id,),
            )
            await action.commit()
        finally:
            await action.close()
        report = await round_run
        assert report.replies_lapsed == 1
        case = (await client.get(f"{API}/cases/{case_id}", headers=tribunal(tokens))).json()
        assert case["status"] == "reply_lapsed"
