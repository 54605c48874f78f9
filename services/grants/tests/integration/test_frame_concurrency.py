"""The frame is never over-committed: 20 commitments at once on the real PostgreSQL.

Set-up (through the database, to keep the test about the race): 20 cases with their plans sent,
each holding a reservation of 1,000,000 DKK in the 2026 frame, and one committed case using
350,000,000 DKK. Left: 380 − 350 − 20 = 10 mDKK. Each commitment is 2,000,000 DKK and releases
its 1,000,000 reservation (net +1,000,000), so exactly 10 fit; the other 10 must be refused."""

from __future__ import annotations

import asyncio
import json

from .support import API, BUDGET, code, fund, post, sql


def seed(db_url: str) -> list[str]:
    budget = json.dumps(BUDGET)
    ids = [f"app-race-{i:02d}" for i in range(20)]
    for app_id in [*ids, "app-filler"]:
        status = "committed" if app_id == "app-filler" else "plan_sent"
        sql(
            db_url,
            "INSERT INTO applications (id, kind, title, lead_organisation_id, organisation_ids, "
            "department_ids, municipality_code, year, status, version, budget, payments_stopped, "
            "overdue, created_by) VALUES (%s, 'social_effort', 'x', 'o-1', ARRAY['o-1'], "
            "ARRAY['d-1'], '101', 2026, %s, 1, %s::jsonb, false, false, 'seed')",
            app_id,
            status,
            budget,
        )
    sql(db_url, "INSERT INTO frames (year, amount) VALUES (2026, 380000000)")
    sql(
        db_url,
        "INSERT INTO frame_entries (year, application_id, kind, amount) "
        "VALUES (2026, 'app-filler', 'commitment', 350000000)",
    )
    for app_id in ids:
        sql(
            db_url,
            "INSERT INTO frame_entries (year, application_id, kind, amount) "
            "VALUES (2026, %s, 'reservation', 1000000)",
            app_id,
        )
    return ids


class TestConcurrentCommitments:
    async def test_twenty_at_once_never_over_commit(self, grants_client, grants_db_url, tokens):
        client = await grants_client(database_pool_size=25)
        ids = seed(grants_db_url)
        body = {"amount": "2000000.00", "period_start_year": 2026, "period_end_year": 2029}

        async def commit(app_id: str):
            return await client.post(
                f"{API}/applications/{app_id}/commitment", json=body, headers=post(fund(tokens))
            )

        responses = await asyncio.gather(*(commit(app_id) for app_id in ids))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 10 + [409] * 10
        refused = [r for r in responses if r.status_code == 409]
        assert {code(r) for r in refused} == {"frame-exceeded"}
        frame = (await client.get(f"{API}/frames/2026", headers=fund(tokens))).json()
        assert (frame["used"], frame["reserved"], frame["left"]) == (
            "370000000.00",
            "10000000.00",
            "0.00",
        )
        committed = sql(
            grants_db_url, "SELECT count(*) FROM applications WHERE status = 'committed'"
        )
        assert committed == [(11,)]
        # every refused case keeps its reservation and its status
        kept = sql(
            grants_db_url,
            "SELECT count(*) FROM frame_entries WHERE kind = 'reservation' AND released_at IS NULL",
        )
        assert kept == [(10,)]
