"""The grants service's prequalification reaches the notification service through the real
Kafka broker.

Grants runs on its own test database with the register's master data applied through its
consumer; an application is created, completed, sent, assessed and prequalified over HTTP. The
grants outbox is relayed to the broker by the platform's outbox relay (the worker's), and the
notification service's own consumer reads ``grants.application.v1`` from the broker (its own
consumer group for this run) and records the deliveries its rules decide: the applicant
organisation (required) and the recommending municipality (optional), each rendered in Danish.

The topic is shared with other runs: every id is unique to this run and assertions look only at
this run's application.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfWriter
from sqlalchemy import select, text

from common.auth import Role
from common.db.engine import Database
from common.events.consumer import InboxProcessor, KafkaConsumerRunner
from common.events.contracts import (
    ApplicationPrequalifiedV1,
    ApplicationTransferredV1,
    Contract,
    CriticalColour,
    DepartmentUpsertedV1,
    HousingType,
    KeyFigure,
    KeyFiguresUpdatedV1,
    OrganisationUpsertedV1,
    to_envelope,
)
from common.events.relay import OutboxRelay
from common.events.transport import KafkaBus
from common.testing.fixtures import truncate_all_tables
from common.testing.kafka import create_topic
from grants.events.incoming import consumers as grants_consumers
from grants.main import create_app
from grants.settings import GrantsSettings
from notifications.db.models import DeliveryRow
from notifications.events.incoming import consumer as notifications_consumer

API = "/grants/v1"
AT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def a4_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def with_key(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Idempotency-Key": str(uuid.uuid4())}


async def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def relayed_deliveries(
    infra: Any,
    grants_db: Database,
    notifications_db: Database,
    contract: type[Contract],
    subject: str,
    *,
    events: int,
) -> list[DeliveryRow]:
    """grants' outbox → the broker by the platform's relay (``events`` rows), the broker →
    notifications by its own consumer (a group of this run); the two deliveries of
    ``subject``'s ``contract`` event, municipality first."""
    await create_topic(infra.kafka_bootstrap_servers, infra.kafka_topic(contract.topic))
    bus = KafkaBus(infra.kafka_bootstrap_servers, prefix=infra.kafka_prefix)
    stop = asyncio.Event()
    runner_task: asyncio.Task[None] | None = None
    await bus.start()
    try:
        assert await OutboxRelay(grants_db, bus).publish_once() == events
        runner = KafkaConsumerRunner(
            notifications_db,
            infra.kafka_bootstrap_servers,
            notifications_consumer(
                (contract.topic,), name=f"e2e.{uuid.uuid4().hex[:10]}.notifications"
            ),
            prefix=infra.kafka_prefix,
        )
        runner_task = asyncio.create_task(runner.run(stop))

        async def ours() -> list[DeliveryRow]:
            async with notifications_db.session() as session:
                rows = await session.scalars(
                    select(DeliveryRow)
                    .where(
                        DeliveryRow.event_subject == subject,
                        DeliveryRow.event_type == contract.event_type,
                    )
                    .order_by(DeliveryRow.recipient_kind)
                )
                return list(rows)

        async with asyncio.timeout(90):
            while len(found := await ours()) < 2:
                await asyncio.sleep(0.3)
        return found
    finally:
        stop.set()
        if runner_task is not None:
            await runner_task
        await bus.stop()


@pytest.mark.timeout(180)
async def test_prequalification_is_consumed_by_notifications_from_the_broker(
    service_client, databases, tokens, infra
):
    run = uuid.uuid4().hex[:10]
    organisation_id, department_id = f"e2e-org-{run}", f"e2e-afd-{run}"
    client = await service_client(create_app, GrantsSettings, package="grants")
    grants_db = Database(databases.url("grants", "grants"), pool_size=2)
    notifications_url = databases.url("notifications", "notifications")
    await asyncio.to_thread(truncate_all_tables, notifications_url)
    notifications_db = Database(notifications_url, pool_size=2)
    try:
        # the register's master data, through grants' own consumer and inbox
        master, _ = grants_consumers()
        for contract in (
            OrganisationUpsertedV1(
                organisation_id=organisation_id,
                home_municipality_code="101",
                version=1,
                recorded_at=AT,
            ),
            DepartmentUpsertedV1(
                department_id=department_id,
                organisation_id=organisation_id,
                municipality_code="101",
                region="capital",
                housing_type=HousingType.FAMILY,
                building_type="etage",
                construction_year=1972,
                version=1,
                recorded_at=AT,
            ),
        ):
            await InboxProcessor(grants_db, master, max_attempts=1).apply(to_envelope(contract))
        async with notifications_db.engine.begin() as connection:
            for kind, ref, address in (
                ("organisation", organisation_id, f"bestyrelse-{run}@boligselskab.example.dk"),
                ("municipality", "101", f"almene-{run}@kk.example.dk"),
            ):
                await connection.execute(
                    text(
                        "INSERT INTO recipients (kind, ref, addresses, opt_outs, version, "
                        "updated_by) VALUES (:kind, :ref, :addresses, '{}', 1, 'e2e')"
                    ),
                    {"kind": kind, "ref": ref, "addresses": [address]},
                )

        applicant = tokens.headers(Role.HOUSING_ORG, orgs=[organisation_id], subject="e2e-user")
        fund = tokens.headers(Role.FUND, subject="e2e-lbf")
        municipality = tokens.headers(Role.MUNICIPALITY, municipality="101", subject="e2e-kk")
        app = await ok(
            await client.post(
                f"{API}/applications",
                json={
                    "title": "Boligsocial indsats e2e",
                    "organisation_ids": [organisation_id],
                    "department_ids": [department_id],
                    "year": 2026,
                },
                headers=with_key(applicant),
            )
        )
        app_url = f"{API}/applications/{app['id']}"
        await ok(
            await client.put(
                f"{app_url}/departments/{department_id}/answers",
                json={
                    "answers": {
                        "dwellings": 300,
                        "residents": 700,
                        "average_rent_per_m2": "850.00",
                        "vacancy_percent": "2",
                        "turnover_percent": "14",
                        "problem_description": "Mange unge uden uddannelse.",
                        "physical_renovation_planned": True,
                        "economic_situation": "Stabil.",
                    }
                },
                headers=applicant,
            )
        )
        await ok(
            await client.patch(
                app_url,
                json={
                    "budget": {
                        "years": 4,
                        "income": [
                            {"source": "lbf", "amount": "3000000.00"},
                            {"source": "municipality", "amount": "1000000.00"},
                        ],
                        "costs": [
                            {"category": "staff", "amount": "3700000.00"},
                            {"category": "administration", "amount": "300000.00"},
                        ],
                    }
                },
                headers=applicant,
            )
        )
        for kind, pages in (("resident_data", 1), ("project_description", 3)):
            await ok(
                await client.post(
                    f"{app_url}/attachments",
                    params={"kind": kind, "filename": f"{kind}.pdf"},
                    content=a4_pdf(pages),
                    headers=with_key(applicant),
                )
            )
        await ok(
            await client.post(
                f"{app_url}/declarations",
                json={"organisation_id": organisation_id},
                headers=with_key(applicant),
            )
        )
        await ok(
            await client.post(f"{app_url}/recommendation", json={}, headers=with_key(municipality))
        )
        await ok(await client.post(f"{app_url}/send", headers=with_key(applicant)))
        await ok(await client.post(f"{app_url}/assessment", headers=with_key(fund)))
        await ok(
            await client.post(
                f"{app_url}/prequalification",
                json={"reserved_amount": "3000000.00", "advance_amount": "250000.00"},
                headers=with_key(fund),
            )
        )

        # submitted, assessment started, prequalified
        found = await relayed_deliveries(
            infra, grants_db, notifications_db, ApplicationPrequalifiedV1, app["id"], events=3
        )
    finally:
        await grants_db.dispose()
        await notifications_db.dispose()

    municipality_row, organisation_row = found
    assert (municipality_row.recipient_ref, municipality_row.required) == ("101", False)
    assert municipality_row.template == "application_prequalified_municipality"
    assert municipality_row.address == f"almene-{run}@kk.example.dk"
    assert (organisation_row.recipient_ref, organisation_row.required) == (organisation_id, True)
    assert organisation_row.template == "application_prequalified"
    assert organisation_row.organisation_id == organisation_id
    assert organisation_row.subject == (
        "Jeres ansøgning om prækvalifikation er godkendt (3.000.000,00 kr. reserveret)"
    )
    assert "Forskud til projektleder: 250.000,00 kr." in organisation_row.body_text
    assert department_id in organisation_row.body_text


async def _master_data(grants_db: Database, organisation_id: str, department_id: str) -> None:
    master, _ = grants_consumers()
    for contract in (
        OrganisationUpsertedV1(
            organisation_id=organisation_id, home_municipality_code="101", version=1, recorded_at=AT
        ),
        DepartmentUpsertedV1(
            department_id=department_id,
            organisation_id=organisation_id,
            municipality_code="101",
            region="capital",
            housing_type=HousingType.FAMILY,
            building_type="etage",
            construction_year=1972,
            version=1,
            recorded_at=AT,
        ),
    ):
        await InboxProcessor(grants_db, master, max_attempts=1).apply(to_envelope(contract))


@pytest.mark.timeout(180)
async def test_a_transfer_to_the_national_disposition_fund_is_consumed_by_notifications(
    service_client, databases, tokens, infra
):
    """A rent-support case whose department the rent model finds not covered: the fund
    transfers it; ``grants.application.transferred`` reaches notifications over the broker,
    which writes to the owning organisation (required) and the municipality (optional)."""
    run = uuid.uuid4().hex[:10]
    organisation_id, department_id = f"e2e-org-{run}", f"e2e-afd-{run}"
    client = await service_client(create_app, GrantsSettings, package="grants")
    grants_db = Database(databases.url("grants", "grants"), pool_size=2)
    notifications_url = databases.url("notifications", "notifications")
    await asyncio.to_thread(truncate_all_tables, notifications_url)
    notifications_db = Database(notifications_url, pool_size=2)
    try:
        await _master_data(grants_db, organisation_id, department_id)
        _, key_figures = grants_consumers()
        rent = KeyFigure(
            code="rent_per_m2",
            value=Decimal("810.00"),
            unit="DKK/m²/år",
            benchmark=Decimal("800.00"),
            benchmark_indexed=False,
            colour=CriticalColour.GREEN,
            reason=None,
        )
        size = rent.model_copy(
            update={"code": "average_dwelling_size", "value": Decimal("75.00"), "unit": "m²"}
        )
        await InboxProcessor(grants_db, key_figures, max_attempts=1).apply(
            to_envelope(
                KeyFiguresUpdatedV1(
                    department_id=department_id,
                    organisation_id=organisation_id,
                    municipality_code="101",
                    year=2025,
                    revision=1,
                    figures=[size, rent],
                    computed_at=AT,
                )
            )
        )
        async with notifications_db.engine.begin() as connection:
            for kind, ref, address in (
                ("organisation", organisation_id, f"bestyrelse-{run}@boligselskab.example.dk"),
                ("municipality", "101", f"almene-{run}@kk.example.dk"),
            ):
                await connection.execute(
                    text(
                        "INSERT INTO recipients (kind, ref, addresses, opt_outs, version, "
                        "updated_by) VALUES (:kind, :ref, :addresses, '{}', 1, 'e2e')"
                    ),
                    {"kind": kind, "ref": ref, "addresses": [address]},
                )

        applicant = tokens.headers(Role.HOUSING_ORG, orgs=[organisation_id], subject="e2e-user")
        fund = tokens.headers(Role.FUND, subject="e2e-lbf")
        municipality = tokens.headers(Role.MUNICIPALITY, municipality="101", subject="e2e-kk")
        app = await ok(
            await client.post(
                f"{API}/applications",
                json={
                    "kind": "rent_support",
                    "title": "Huslejestøtte e2e",
                    "organisation_ids": [organisation_id],
                    "department_ids": [department_id],
                    "year": 2026,
                },
                headers=with_key(applicant),
            )
        )
        app_url = f"{API}/applications/{app['id']}"
        answers = {
            "dwellings": 300,
            "residents": 700,
            "average_rent_per_m2": "810.00",
            "vacancy_percent": "2",
            "turnover_percent": "14",
            "problem_description": "Høj husleje.",
            "physical_renovation_planned": False,
            "economic_situation": "Underskud.",
        }
        await ok(
            await client.put(
                f"{app_url}/departments/{department_id}/answers",
                json={"answers": answers},
                headers=applicant,
            )
        )
        budget = {
            "years": 4,
            "income": [
                {"source": "lbf", "amount": "3000000.00"},
                {"source": "municipality", "amount": "1000000.00"},
            ],
            "costs": [
                {"category": "staff", "amount": "3700000.00"},
                {"category": "administration", "amount": "300000.00"},
            ],
        }
        await ok(await client.patch(app_url, json={"budget": budget}, headers=applicant))
        for kind, pages in (("resident_data", 1), ("project_description", 3)):
            await ok(
                await client.post(
                    f"{app_url}/attachments",
                    params={"kind": kind, "filename": f"{kind}.pdf"},
                    content=a4_pdf(pages),
                    headers=with_key(applicant),
                )
            )
        await ok(
            await client.post(
                f"{app_url}/declarations",
                json={"organisation_id": organisation_id},
                headers=with_key(applicant),
            )
        )
        await ok(
            await client.post(f"{app_url}/recommendation", json={}, headers=with_key(municipality))
        )
        await ok(await client.post(f"{app_url}/send", headers=with_key(applicant)))
        await ok(await client.post(f"{app_url}/assessment", headers=with_key(fund)))
        await ok(
            await client.put(
                f"{API}/rent-support/minimum-needs/2026",
                json={"amount_per_m2": "25.00", "reference": f"e2e {run}"},
                headers=fund,
            )
        )
        calculated = await ok(
            await client.post(
                f"{app_url}/rent-support", json={"year": 2025}, headers=with_key(fund)
            )
        )
        assert calculated["rent_support"]["transferred_to_disposition_fund"] == [department_id]
        transfer = await ok(await client.post(f"{app_url}/transfer", headers=with_key(fund)))

        # submitted, assessment started, transferred
        found = await relayed_deliveries(
            infra, grants_db, notifications_db, ApplicationTransferredV1, transfer["id"], events=3
        )
    finally:
        await grants_db.dispose()
        await notifications_db.dispose()

    municipality_row, organisation_row = found
    assert (municipality_row.recipient_ref, municipality_row.required) == ("101", False)
    assert municipality_row.template == "application_transferred_municipality"
    assert (organisation_row.recipient_ref, organisation_row.required) == (organisation_id, True)
    assert organisation_row.template == "application_transferred"
    assert organisation_row.address == f"bestyrelse-{run}@boligselskab.example.dk"
    assert organisation_row.subject == (
        f"Afdelinger fra sag {app['id']} er overført til landsdispositionsfonden "
        f"(sag {transfer['id']})"
    )
    assert f"Afdeling {department_id} er ikke omfattet af huslejestøtten." in (
        organisation_row.body_text
    )
