"""Legal-cases → Kafka → notifications, on the real PostgreSQL server and the real broker.

A tenant files a rent tribunal case, the tribunal notifies the landlord, the landlord replies
and the tribunal decides — all through the legal-cases API. The service's own outbox relay
publishes the outbox (rerouted to topics unique to this run, so parallel runs do not read each
other's events), and the notification service's consumer turns the decided event into the
decision letter notice to the landlord: one delivery, in Danish, with the appeal guidance."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import text

from common.auth import Role
from common.db.engine import Database
from common.events.consumer import KafkaConsumerRunner
from common.events.envelope import Envelope
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus
from common.testing.documents import a_pdf
from common.testing.fixtures import service_settings, truncate_all_tables
from common.testing.kafka import create_topic
from legal_cases.main import create_app
from legal_cases.settings import LegalCasesSettings
from notifications.events.incoming import consumer

API = "/legal-cases/v1"
PDF = a_pdf()


class Rerouting:
    """The relay's bus, with the production topics mapped to this run's topics."""

    def __init__(self, bus: KafkaBus, routes: dict[str, str]) -> None:
        self.bus = bus
        self.routes = routes

    async def send_batch(self, envelopes: Sequence[Envelope]) -> None:
        await self.bus.send_batch(
            [dataclasses.replace(e, topic=self.routes.get(e.topic, e.topic)) for e in envelopes]
        )


async def drive_case_to_decision(client: httpx.AsyncClient, tokens, clock: list[date]) -> str:
    tenant = tokens.headers(Role.PARTY, subject="party:e2e-tenant")
    landlord = tokens.headers(Role.PARTY, subject="party:e2e-landlord")
    nævn = tokens.headers(Role.TRIBUNAL, municipality="147", subject="nævn-147")

    async def post(path: str, headers, body) -> dict:
        response = await client.post(
            f"{API}{path}", json=body, headers={**headers, "Idempotency-Key": str(uuid.uuid4())}
        )
        assert response.status_code in (200, 201), response.text
        return response.json()

    case = await post("/cases", tenant, {
        "tribunal_code": "147", "category": "maintenance_defects",
        "summary": "Utæt tag over køkkenet.", "owner_id": "owner-e2e",
        "complainant": {"kind": "tenant", "name": "Tenant Testesen"},
        "counterpart": {"kind": "landlord", "subject": "party:e2e-landlord",
                        "organisation_id": "ll-e2e"},
        "documents": [{"filename": "klage.pdf",
                       "content_base64": base64.b64encode(PDF).decode()}],
    })  # fmt: skip
    clock[0] = date(2026, 11, 3)
    await post(f"/cases/{case['id']}/notify-counterpart", nævn, {})
    clock[0] = date(2026, 11, 10)
    await post(f"/cases/{case['id']}/reply", landlord, {})
    clock[0] = date(2026, 11, 20)
    await post(f"/cases/{case['id']}/decision", nævn, {
        "members": [
            {"seat": "chair", "member_ref": "f", "vote": "complainant_fully"},
            {"seat": "landlord_member", "member_ref": "u", "vote": "complainant_fully"},
            {"seat": "tenant_member", "member_ref": "l", "vote": "complainant_fully"},
        ],
        "reasons": "Taget er utæt; udlejer skal udbedre det.",
        "appeal_guidance": "Afgørelsen kan indbringes for boligretten inden 4 uger.",
    })  # fmt: skip
    return str(case["id"])


class TestLegalCasesEventsReachNotifications:
    async def test_the_decided_event_becomes_the_landlords_decision_notice(
        self, databases, tokens, infra
    ):
        legal_url = databases.url("legal_cases", "legal_cases")
        notifications_url = databases.url("notifications", "notifications")
        for url in (legal_url, notifications_url):
            await asyncio.to_thread(truncate_all_tables, url)
        run = uuid.uuid4().hex[:10]
        routes = {
            "legal-cases.case.v1": f"legal-cases.case.e2e{run}.v1",
            "legal-cases.owner.v1": f"legal-cases.owner.e2e{run}.v1",
        }
        for topic in routes.values():
            await create_topic(infra.kafka_bootstrap_servers, topic, partitions=1)

        clock = [date(2026, 11, 2)]
        settings = service_settings(
            LegalCasesSettings,
            databases,
            tokens,
            package="legal_cases",
            with_kafka=False,
            # test data standing in for Statistics Denmark's July 2024 – June 2025 figure
            net_price_index={2025: "120.9"},
        )
        app = create_app(
            settings,
            clock=lambda: datetime(clock[0].year, clock[0].month, clock[0].day, 9, tzinfo=UTC),
        )
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                case_id = await drive_case_to_decision(client, tokens, clock)

        legal_db = Database(legal_url, pool_size=2)
        notifications_db = Database(notifications_url, pool_size=2)
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        stop = asyncio.Event()
        try:
            async with notifications_db.engine.begin() as connection:
                await connection.execute(
                    text(
                        "INSERT INTO recipients (kind, ref, addresses, version, updated_by) "
                        "VALUES ('organisation', 'll-e2e', ARRAY['udlejer@example.dk'], 1, 'e2e')"
                    )
                )
            relay = OutboxRelay(legal_db, Rerouting(bus, routes))  # type: ignore[arg-type]
            assert await relay.publish_once() == 3  # filed, counterpart notified, decided
            runner = KafkaConsumerRunner(
                notifications_db,
                infra.kafka_bootstrap_servers,
                consumer(list(routes.values()), name=f"notifications-e2e-{run}"),
            )
            task = asyncio.create_task(runner.run(stop))
            query = text(
                "SELECT event_type, recipient_kind, recipient_ref, address, template, subject, "
                "body_text, status, organisation_id FROM deliveries "
                "WHERE event_subject = :case ORDER BY event_type"
            )
            async with asyncio.timeout(60):
                while True:
                    async with notifications_db.engine.connect() as connection:
                        rows = (await connection.execute(query, {"case": case_id})).all()
                    if {r.event_type for r in rows} >= {
                        "legal_cases.case.decided",
                        "legal_cases.case.counterpart_notified",
                        "legal_cases.case.filed",
                    }:
                        break
                    await asyncio.sleep(0.3)
        finally:
            stop.set()
            if "task" in locals():
                await asyncio.wait_for(task, timeout=30)
            await bus.stop()
            await legal_db.dispose()
            await notifications_db.dispose()

        decided = [r for r in rows if r.event_type == "legal_cases.case.decided"]
        assert [(r.recipient_kind, r.recipient_ref, r.address, r.template, r.status)
                for r in decided] == [
            ("organisation", "ll-e2e", "udlejer@example.dk", "legal_case_decided", "pending")
        ]  # fmt: skip
        [letter] = decided
        assert letter.organisation_id == "ll-e2e"
        assert "har truffet afgørelse i sag" in letter.subject
        assert "klageren har fået fuldt medhold" in letter.body_text
        assert "senest den 18. december 2026" in letter.body_text
        assert "Testesen" not in letter.body_text  # no personal data travelled
        notified = [r for r in rows if r.event_type == "legal_cases.case.counterpart_notified"]
        assert [(r.recipient_ref, r.template) for r in notified] == [
            ("ll-e2e", "legal_counterpart_notified")
        ]
        filed = [r for r in rows if r.event_type == "legal_cases.case.filed"]
        assert [(r.recipient_kind, r.recipient_ref, r.status) for r in filed] == [
            ("municipality", "147", "no_address")  # the tribunal has no address in the directory
        ]
