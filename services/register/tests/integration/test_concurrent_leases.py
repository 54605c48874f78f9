"""Lease POSTs whose transactions PostgreSQL aborts as deadlock victims are run again: no 500,
every lease stored once.

The deadlock is made on purpose, as the single-POST benchmark's ``TRUNCATE`` between rounds made
it with requests the client had abandoned: another transaction holds ``housing_expenses``, the
POSTs take ``leases`` and wait for ``housing_expenses``, then that transaction asks for
``leases`` — a cycle, which PostgreSQL breaks by aborting the POSTs (they waited first, so
their deadlock check runs first; the other transaction's is set later)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import psycopg
from sqlalchemy.engine import make_url

from .test_records_api import API, lease, seed_dwelling, sql, writer

DWELLINGS = tuple(f"bol-{n}" for n in range(3))
YEARS = range(2001, 2005)


def _dsn(db_url: str) -> str:
    return make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _waiting_on_expenses(connection: psycopg.Connection) -> int:
    (count,) = connection.execute(
        "SELECT count(*) FROM pg_locks WHERE NOT granted"
        " AND relation = 'housing_expenses'::regclass"
    ).fetchone()
    return count


def _lock_against_the_posts(dsn: str, posts_waiting: int) -> None:
    """Hold ``housing_expenses`` until ``posts_waiting`` POSTs wait for it, then ask for
    ``leases``: a deadlock with each of them."""
    with psycopg.connect(dsn) as holder, psycopg.connect(dsn, autocommit=True) as watcher:
        holder.execute("SET LOCAL deadlock_timeout = '10s'")  # the POSTs find the cycle first
        holder.execute("LOCK TABLE housing_expenses IN SHARE MODE")
        deadline = time.monotonic() + 20
        while _waiting_on_expenses(watcher) < posts_waiting:
            assert time.monotonic() < deadline, "the POSTs never waited for housing_expenses"
            time.sleep(0.01)
        holder.execute("LOCK TABLE leases IN SHARE MODE")


async def test_posts_aborted_as_deadlock_victims_are_run_again(
    register_client, tokens, register_db_url
):
    client = await register_client()
    await seed_dwelling(client, tokens, dwelling_ids=DWELLINGS)
    bodies = [
        lease(f"lk-{dwelling}-{year}", dwelling, start=f"{year}-01-01",
              LejekontraktSlutDato=f"{year}-12-31")
        for year in YEARS
        for dwelling in DWELLINGS
    ]  # fmt: skip
    locker = asyncio.create_task(
        asyncio.to_thread(_lock_against_the_posts, _dsn(register_db_url), len(DWELLINGS))
    )
    responses = await asyncio.gather(
        *(client.post(f"{API}/leases", json=body, headers=writer(tokens)) for body in bodies)
    )
    await locker
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: len(bodies)}, [r.text for r in responses if r.status_code != 201]
    stored = sql(register_db_url, "SELECT id, count(*) FROM leases GROUP BY id")
    assert sorted(stored) == sorted((body["LejekontraktUnikIdentifikator"], 1) for body in bodies)
    versions = sql(
        register_db_url,
        "SELECT count(*), count(DISTINCT entity_id) FROM record_versions"
        " WHERE entity_type = 'lease'",
    )
    assert versions == [(len(bodies), len(bodies))]
