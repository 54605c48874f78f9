"""The delivery log's Excel export carries no live formula (issue 12, item 1): hostile text in
the subject, the case, the address or the mail server's answer arrives as quoted text, and
the attempt count stays a number."""

from __future__ import annotations

import io

import openpyxl
import psycopg

from common.auth import Role
from common.db.engine import libpq_dsn
from common.events.consumer import InboxProcessor
from common.events.contracts import PackageSentV1, to_envelope
from common.testing.exports import HOSTILE, assert_hostile_neutralised, xlsx_cells
from notifications.events.incoming import consumer
from notifications.services.sender import Sender

API = "/notifications/v1"


async def test_delivery_log_export_has_no_formula(
    notifications_client, notifications_db, notifications_db_url, settings_for, smtp_sink, tokens
):
    client = await notifications_client()
    fund = tokens.headers(Role.FUND, subject="lbf-drift")
    response = await client.put(
        f"{API}/recipients/municipality/101",
        json={"addresses": ["kommune@kk.dk"], "opt_outs": []},
        headers=fund,
    )
    assert response.status_code == 201, response.text
    event = PackageSentV1.example().model_copy(update={"location_municipality_codes": []})
    await InboxProcessor(notifications_db, consumer()).apply(to_envelope(event))
    await Sender(notifications_db, settings_for()).send_due()
    with psycopg.connect(libpq_dsn(notifications_db_url), autocommit=True) as connection:
        updated = connection.execute(
            "UPDATE deliveries SET subject = %s, event_subject = %s, address = %s,"
            " smtp_response = %s, last_error = NULL",
            (HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[3]),
        ).rowcount
    assert updated == 1

    response = await client.get(f"{API}/deliveries/export.xlsx", headers=fund)
    assert response.status_code == 200, response.text
    assert_hostile_neutralised(xlsx_cells(response.content), *HOSTILE[:4])
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Afsendelser"]
    headers = [c.value for c in sheet[1]]
    attempts = sheet.cell(row=2, column=headers.index("Forsøg") + 1)
    assert attempts.data_type == "n"
