"""Two actors at the same moment: one decision per case, one finality per decision, one
threshold per report — the row locks and SKIP LOCKED hold under concurrency."""

from __future__ import annotations

import asyncio
from datetime import date

from .support import act, decision_body, file_case, outbox, post, sql, tribunal
from .test_deadlines_and_round import run_round


class TestConcurrency:
    async def test_two_decisions_at_once_one_wins_the_other_is_a_conflict(
        self, legal_client, tokens, legal_db_url
    ):
        client = await legal_client()
        case_id = (await file_case(client, tokens))["id"]
        await act(client, tribunal(tokens), case_id, "notify-counterpart")
        await act(client, tribunal(tokens), case_id, "reply", {})
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/legal-cases/v1/cases/{case_id}/decision",
                    json=decision_body(),
                    headers=post(tribunal(tokens)),
                )
                for _ in range(2)
            )
        )
        assert sorted(r.status_code for r in responses) == [200, 409]
        assert sql(legal_db_url, "SELECT count(*) FROM decisions") == [(1,)]
        assert len(outbox(legal_db_url, "legal_cases.case.decided")) == 1

    async def test_two_rounds_at_once_make_a_decision_final_once(
        self, legal_client, tokens, clock, legal_db, databases, legal_db_url
    ):
        client = await legal_client()
        for _ in range(3):
            case_id = (await file_case(client, tokens))["id"]
            await act(client, tribunal(tokens), case_id, "notify-counterpart")
            await act(client, tribunal(tokens), case_id, "reply", {})
            await act(client, tribunal(tokens), case_id, "decision", decision_body())
        clock.today = date(2026, 12, 31)
        results = await asyncio.gather(
            *(run_round(legal_db, databases, tokens, clock) for _ in range(2))
        )
        assert sum(r.decisions_final for r in results) == 3
        assert len(outbox(legal_db_url, "legal_cases.case.decision_final")) == 3
        assert sql(legal_db_url, "SELECT DISTINCT status FROM cases") == [("final",)]
