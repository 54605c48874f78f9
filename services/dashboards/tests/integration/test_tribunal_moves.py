"""On the real broker: a tribunal case's suspensions, resumptions and extensions
(``legal_cases.case.deadlines_moved``), its rejection (``legal_cases.case.rejected``) and a
question cancelled with it (``question_deadline_changed``, outcome ``cancelled``) reach the
tribunal page; sent in reverse order, twice, and replayed under new event ids, they leave the
same read model and the same figures as sent in order."""

from __future__ import annotations

import uuid
from datetime import date

from common.auth import Role
from common.events.contracts import to_envelope
from common.events.transport import KafkaBus
from common.testing.kafka import create_topic
from dashboards.services.reading import Filters, tribunal_page

from ..conftest import sql
from .factories_more import case_rejected, filed, moved, notified, question
from .test_more_pages import scope, table
from .test_rebuild import consumed, run_group

TODAY = date(2026, 12, 2)  # a Wednesday; the week ends on Sunday 6 December
TABLES = ("tribunal_cases", "tribunal_questions")


def history():
    return [
        # notified, reply due 19 Nov; suspended 10 Nov, resumed 30 Nov: due 9 Dec (later)
        filed("hln-moved", date(2026, 11, 2), date(2026, 11, 9)),
        notified("hln-moved", date(2026, 11, 5), date(2026, 11, 19)),
        moved("hln-moved", date(2026, 11, 10), 1),
        moved("hln-moved", date(2026, 11, 30), 2, reply_due=date(2026, 12, 9)),
        # a question asked before the suspension moves with the case: 26 Nov → 4 Dec (this week)
        question("hln-moved", "q-1", date(2026, 11, 6), date(2026, 11, 20)),
        question("hln-moved", "q-1", date(2026, 11, 6), date(2026, 12, 4)),
        # suspended, resumed and suspended again: in abeyance, not overdue
        filed("hln-paused", date(2026, 11, 2), date(2026, 11, 9)),
        moved("hln-paused", date(2026, 11, 6), 1),
        moved("hln-paused", date(2026, 11, 13), 2, notify_due=date(2026, 11, 16)),
        moved("hln-paused", date(2026, 11, 20), 3),
        # rejected with a question open: not counted
        filed("hln-rejected", date(2026, 11, 10), date(2026, 11, 17)),
        question("hln-rejected", "q-2", date(2026, 11, 12), date(2026, 11, 26)),
        question(
            "hln-rejected",
            "q-2",
            date(2026, 11, 12),
            date(2026, 11, 26),
            closed_on=date(2026, 11, 13),
            outcome="cancelled",
        ),
        case_rejected("hln-rejected", date(2026, 11, 13)),
        # overdue and untouched
        filed("hln-overdue", date(2026, 11, 20), date(2026, 11, 27)),
    ]


def snapshot(db_url: str) -> dict[str, list[tuple[object, ...]]]:
    return {t: sql(db_url, f"SELECT * FROM {t} ORDER BY 1, 2") for t in TABLES}


async def figures(database) -> tuple[list[tuple[object, ...]], dict[str, object]]:
    async with database.session() as session:
        page = await tribunal_page(session, scope(Role.FUND, page="tribunal"), Filters(2026), TODAY)
    return table(page, "open_cases"), page.headline


class TestMovedDeadlinesOnTheBroker:
    async def test_in_order_reversed_duplicated_and_replayed_give_the_same_figures(
        self, infra, dashboards_db, dashboards_db_url
    ):
        run = uuid.uuid4().hex[:8]
        topic = f"dm{run}.legal-cases.case.v1"
        await create_topic(infra.kafka_bootstrap_servers, topic)
        events = history()
        in_order = [to_envelope(e).caused(topic=topic) for e in events]
        # reversed, every event twice (a redelivery: skipped by the inbox), then the producer's
        # replay of the same facts under new event ids, reversed too
        disorder = [e for e in reversed(in_order) for _ in range(2)] + [
            to_envelope(e).caused(topic=topic) for e in events[::-1]
        ]
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        first, second = f"dashboards.moves-{run}-1", f"dashboards.moves-{run}-2"
        try:

            async def send_in_order() -> None:
                await bus.send_batch(in_order)
                await consumed(dashboards_db_url, first, len(in_order))

            await run_group(dashboards_db, infra, first, (topic,), send_in_order)
            ordered = snapshot(dashboards_db_url)
            ordered_figures = await figures(dashboards_db)
            sql(dashboards_db_url, f"TRUNCATE {', '.join(TABLES)}, inbox")

            other = f"dm{run}b.legal-cases.case.v1"
            await create_topic(infra.kafka_bootstrap_servers, other)

            async def send_out_of_order() -> None:
                await bus.send_batch([e.caused(topic=other) for e in disorder])
                await consumed(dashboards_db_url, second, 2 * len(in_order))

            await run_group(dashboards_db, infra, second, (other,), send_out_of_order)
        finally:
            await bus.stop()
        assert snapshot(dashboards_db_url) == ordered
        assert await figures(dashboards_db) == ordered_figures
        # overdue, this week (hln-moved: its question moved to 4 Dec), later, suspended, unknown
        assert ordered_figures == (
            [("Huslejenævnet i 101 København", 1, 1, 0, 1, 0, 3)],
            {"open_cases": 3, "overdue": 1, "due_this_week": 1, "suspended": 1, "decided": 0},
        )
        assert sql(
            dashboards_db_url,
            "SELECT case_id, notify_due, reply_due, suspended, suspension_changes, rejected_on "
            "FROM tribunal_cases ORDER BY 1",
        ) == [
            ("hln-moved", date(2026, 11, 9), date(2026, 12, 9), False, 2, None),
            ("hln-overdue", date(2026, 11, 27), None, None, None, None),
            ("hln-paused", date(2026, 11, 16), None, True, 3, None),
            ("hln-rejected", date(2026, 11, 17), None, None, None, date(2026, 11, 13)),
        ]
        assert sql(dashboards_db_url, "SELECT * FROM tribunal_questions ORDER BY 1, 2") == [
            ("hln-moved", "q-1", date(2026, 11, 6), date(2026, 12, 4), None),
            ("hln-rejected", "q-2", date(2026, 11, 12), date(2026, 11, 26), date(2026, 11, 13)),
        ]
