"""The recipient directory and the delivery log over HTTP: who may manage and read what."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import openpyxl
import pytest

from common.auth import Role
from common.db.engine import Database
from common.events.consumer import InboxProcessor
from common.events.contracts import PackageReturnedV1, PackageSentV1, to_envelope
from common.problems import PROBLEM_MEDIA_TYPE
from common.testing.fuzz import fuzz_operations
from notifications.db.repositories import DeliveryRepository
from notifications.events.incoming import consumer
from notifications.services.sender import Sender

API = "/notifications/v1"
KK = "styringsdialog@kk.dk"


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    return response.json()


def municipality(tokens, code: str = "101") -> dict[str, str]:
    return tokens.headers(Role.MUNICIPALITY, municipality=code, subject=f"kommune-{code}")


def organisation(tokens, *orgs: str, role: Role = Role.HOUSING_ORG) -> dict[str, str]:
    return tokens.headers(role, orgs=orgs, subject=f"bo-{'-'.join(orgs)}")


def fund(tokens) -> dict[str, str]:
    return tokens.headers(Role.FUND, subject="lbf-drift")


@pytest.fixture
async def client(notifications_client) -> httpx.AsyncClient:
    return await notifications_client()


async def put_entry(
    client, auth, kind, ref, addresses, opt_outs=(), *, body=None, headers=None
) -> httpx.Response:
    return await client.put(
        f"{API}/recipients/{kind}/{ref}",
        json={"addresses": addresses, "opt_outs": list(opt_outs), **(body or {})},
        headers={**auth, **(headers or {})},
    )


class TestMunicipalityNotificationAddress:
    """Seed 002 §5.2.8: the municipality registers an address to be told a package was sent."""

    async def test_a_municipality_sets_reads_and_changes_its_own_address(self, client, tokens):
        created = await put_entry(client, municipality(tokens), "municipality", "101", [KK])
        assert created.status_code == 201, created.text
        assert created.headers["ETag"] == 'W/"1"'
        body = created.json()
        assert body["addresses"] == [KK]
        assert "governance.package.sent" in body["optional_event_types"]
        assert "governance.reminder.due" in body["required_event_types"]

        read = await client.get(f"{API}/recipients/municipality/101", headers=municipality(tokens))
        assert read.status_code == 200
        assert read.json()["updated_by"] == "kommune-101"

        changed = await put_entry(
            client,
            municipality(tokens),
            "municipality",
            "101",
            ["Ny@KK.dk", KK],
            headers={"If-Match": 'W/"1"'},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["addresses"] == ["ny@kk.dk", KK]
        assert changed.json()["version"] == 2

    async def test_a_municipality_without_an_entry_is_told_how_to_make_one(self, client, tokens):
        response = await client.get(
            f"{API}/recipients/municipality/101", headers=municipality(tokens)
        )
        detail = problem(response, 404)["detail"]
        assert "no directory entry yet" in detail
        assert "PUT /notifications/v1/recipients/municipality/101" in detail

    async def test_changing_without_the_version_is_refused(self, client, tokens):
        await put_entry(client, municipality(tokens), "municipality", "101", [KK])
        missing = await put_entry(client, municipality(tokens), "municipality", "101", [])
        assert 'W/"1"' in problem(missing, 428)["detail"]
        stale = await put_entry(
            client, municipality(tokens), "municipality", "101", [], body={"version": 7}
        )
        assert problem(stale, 412)["type"].endswith("recipient-changed")

    async def test_two_creating_the_same_entry_at_once_one_is_told_it_exists(self, client, tokens):
        """The municipality and the fund create the missing entry at the same moment: neither
        saw an entry, both inserted; the second was a 500 (unique violation). Now it is 412
        with the version to read, like any change made meanwhile; the first one's entry
        stands."""
        first, second = await asyncio.gather(
            put_entry(client, municipality(tokens), "municipality", "101", [KK]),
            put_entry(client, fund(tokens), "municipality", "101", ["drift@kk.dk"]),
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [201, 412], (first.text, second.text)
        created, refused = (first, second) if first.status_code == 201 else (second, first)
        assert "created meanwhile" in problem(refused, 412)["detail"]
        read = await client.get(f"{API}/recipients/municipality/101", headers=fund(tokens))
        assert read.json()["addresses"] == created.json()["addresses"]

    async def test_the_change_log_says_who_changed_what(self, client, tokens):
        await put_entry(client, municipality(tokens), "municipality", "101", [KK])
        await put_entry(
            client, fund(tokens), "municipality", "101", [], headers={"If-Match": 'W/"1"'}
        )
        log = await client.get(
            f"{API}/recipients/municipality/101/changes", headers=municipality(tokens)
        )
        assert log.status_code == 200
        first, second = log.json()["items"]
        assert (first["changed_by"], first["addresses_before"], first["addresses_after"]) == (
            "kommune-101",
            None,
            [KK],
        )
        assert (second["changed_by"], second["changed_by_role"]) == ("lbf-drift", "fund")
        assert (second["addresses_before"], second["addresses_after"]) == ([KK], [])

    async def test_the_address_set_here_receives_the_package_sent_message(
        self, client, tokens, notifications_db: Database, settings_for, smtp_sink
    ):
        await put_entry(client, municipality(tokens), "municipality", "101", [KK])
        event = PackageSentV1.example().model_copy(update={"location_municipality_codes": []})
        await InboxProcessor(notifications_db, consumer()).apply(to_envelope(event))
        await Sender(notifications_db, settings_for()).send_due()
        assert [m["To"] for m in smtp_sink.messages] == [KK]


class TestOptOuts:
    async def test_an_optional_message_can_be_opted_out_of(self, client, tokens):
        response = await put_entry(
            client, municipality(tokens), "municipality", "101", [KK], ["governance.package.sent"]
        )
        assert response.status_code == 201
        assert response.json()["opt_outs"] == ["governance.package.sent"]

    async def test_a_required_message_cannot(self, client, tokens):
        response = await put_entry(
            client,
            organisation(tokens, "org-a"),
            "organisation",
            "org-a",
            ["bo@a.dk"],
            ["governance.package.meeting_held", "governance.package.returned"],
        )
        body = problem(response, 422)
        assert body["type"].endswith("opt-out-not-allowed")
        (error,) = body["errors"]
        assert error["pointer"] == "#/opt_outs/1"
        assert "must receive" in error["detail"]

    async def test_a_message_the_recipient_never_gets_is_no_opt_out(self, client, tokens):
        response = await put_entry(
            client, municipality(tokens), "municipality", "101", [KK], ["register.lease.created"]
        )
        (error,) = problem(response, 422)["errors"]
        assert "governance.package.sent" in error["detail"]  # names the allowed ones


class TestDirectoryInput:
    async def test_an_address_that_is_not_an_address_is_refused(self, client, tokens):
        response = await put_entry(client, municipality(tokens), "municipality", "101", ["kk.dk"])
        body = problem(response, 422)
        assert body["errors"][0]["pointer"] == "#/addresses/0"

    async def test_a_municipality_entry_needs_a_three_digit_code(self, client, tokens):
        response = await put_entry(client, fund(tokens), "municipality", "1011", [KK])
        assert "kommunekode" in problem(response, 422)["detail"]

    async def test_a_municipality_entry_needs_a_code_of_a_municipality(self, client, tokens):
        """999 has three digits but is no municipality (nor is Christiansø, 411): an entry for it
        would never be addressed, and the fund would believe the messages went somewhere."""
        for code in ("999", "411"):
            response = await put_entry(client, fund(tokens), "municipality", code, [KK])
            body = problem(response, 422)
            assert "kommunekode" in body["detail"]
            assert body["errors"][0]["pointer"] == "#/ref"

    async def test_an_unknown_kind_is_refused(self, client, tokens):
        response = await put_entry(client, fund(tokens), "region", "84", [KK])
        problem(response, 422)


class TestDirectoryAccess:
    async def test_nobody_manages_another_municipalitys_or_organisations_entry(
        self, client, tokens
    ):
        await put_entry(client, fund(tokens), "municipality", "147", ["frb@frb.dk"])
        await put_entry(client, fund(tokens), "organisation", "org-b", ["bo@b.dk"])
        for headers in (municipality(tokens, "101"), organisation(tokens, "org-a")):
            for kind, ref in (("municipality", "147"), ("organisation", "org-b")):
                read = await client.get(f"{API}/recipients/{kind}/{ref}", headers=headers)
                problem(read, 404)
                write = await put_entry(client, headers, kind, ref, ["x@y.dk"], body={"version": 1})
                problem(write, 404)
                log = await client.get(f"{API}/recipients/{kind}/{ref}/changes", headers=headers)
                problem(log, 404)

    async def test_an_organisation_manages_its_own_entry_also_through_its_administrator(
        self, client, tokens
    ):
        own = await put_entry(client, organisation(tokens, "org-a"), "organisation", "org-a", [])
        assert own.status_code == 201
        admin = organisation(tokens, "org-a", "org-c", role=Role.ADMIN_ORG)
        changed = await put_entry(
            client, admin, "organisation", "org-a", ["adm@a.dk"], body={"version": 1}
        )
        assert changed.status_code == 200

    async def test_lists_show_only_your_own_entries(self, client, tokens):
        for ref in ("101", "147", "157"):
            await put_entry(client, fund(tokens), "municipality", ref, [f"k{ref}@x.dk"])
        await put_entry(client, fund(tokens), "organisation", "org-a", ["bo@a.dk"])

        mine = await client.get(f"{API}/recipients", headers=municipality(tokens, "147"))
        assert [e["ref"] for e in mine.json()["items"]] == ["147"]
        org = await client.get(f"{API}/recipients", headers=organisation(tokens, "org-a"))
        assert [e["ref"] for e in org.json()["items"]] == ["org-a"]

        page = await client.get(f"{API}/recipients?limit=2", headers=fund(tokens))
        assert [e["ref"] for e in page.json()["items"]] == ["101", "147"]
        rest = await client.get(
            f"{API}/recipients?limit=2&cursor={page.json()['next_cursor']}", headers=fund(tokens)
        )
        assert [e["ref"] for e in rest.json()["items"]] == ["157", "org-a"]
        assert rest.json()["next_cursor"] is None
        only = await client.get(f"{API}/recipients?kind=organisation", headers=fund(tokens))
        assert [e["ref"] for e in only.json()["items"]] == ["org-a"]

    @pytest.mark.parametrize("role", [Role.TRIBUNAL, Role.BENEFIT_AUTHORITY, Role.ERP_CLIENT])
    async def test_other_roles_have_no_business_here(self, client, tokens, role):
        headers = tokens.headers(role, orgs=["org-a"])
        for path in ("/recipients", "/deliveries", "/recipients/organisation/org-a"):
            problem(await client.get(f"{API}{path}", headers=headers), 403)

    async def test_no_token_is_401(self, client):
        problem(await client.get(f"{API}/deliveries"), 401)


@pytest.fixture
async def delivered(client, tokens, notifications_db: Database, settings_for, smtp_sink):
    """Package sent by org-a (to 101 and 147) and sent back to org-b (by 101); 147 without
    address; then the sender ran once."""
    await put_entry(client, fund(tokens), "municipality", "101", [KK])
    await put_entry(client, fund(tokens), "organisation", "org-b", ["bo@b.dk"])
    processor = InboxProcessor(notifications_db, consumer())
    sent = PackageSentV1.example().model_copy(
        update={"organisation_id": "org-a", "location_municipality_codes": ["147"]}
    )
    returned = PackageReturnedV1.example().model_copy(
        update={"organisation_id": "org-b", "package_id": "pkg-b"}
    )
    envelopes = {"sent": to_envelope(sent), "returned": to_envelope(returned)}
    for envelope in envelopes.values():
        await processor.apply(envelope)
    await Sender(notifications_db, settings_for()).send_due()
    return envelopes


class TestDeliveryLog:
    async def test_operations_see_every_delivery(self, client, tokens, delivered):
        response = await client.get(f"{API}/deliveries", headers=fund(tokens))
        assert response.status_code == 200
        items = response.json()["items"]
        assert sorted((i["recipient_ref"], i["status"]) for i in items) == [
            ("101", "sent"),
            ("147", "no_address"),
            ("org-b", "sent"),
        ]
        assert {i["address"] for i in items} == {KK, None, "bo@b.dk"}

    async def test_an_organisation_sees_the_deliveries_that_followed_its_own_events(
        self, client, tokens, delivered
    ):
        response = await client.get(f"{API}/deliveries", headers=organisation(tokens, "org-a"))
        items = response.json()["items"]
        assert sorted(i["recipient_ref"] for i in items) == ["101", "147"]
        assert {i["event_id"] for i in items} == {str(delivered["sent"].id)}
        assert {i["address"] for i in items} == {None}  # the municipality's address is its own
        other = await client.get(f"{API}/deliveries", headers=organisation(tokens, "org-b"))
        (own,) = other.json()["items"]
        assert (own["recipient_ref"], own["address"]) == ("org-b", "bo@b.dk")

    async def test_a_municipality_sees_those_addressed_to_it(self, client, tokens, delivered):
        response = await client.get(f"{API}/deliveries", headers=municipality(tokens, "147"))
        (item,) = response.json()["items"]
        assert (item["recipient_ref"], item["status"]) == ("147", "no_address")
        mine = await client.get(f"{API}/deliveries", headers=municipality(tokens, "101"))
        assert {i["recipient_ref"] for i in mine.json()["items"]} == {"101"}

    async def test_another_organisations_delivery_is_not_found(self, client, tokens, delivered):
        everything = (await client.get(f"{API}/deliveries", headers=fund(tokens))).json()
        of_b = next(i for i in everything["items"] if i["organisation_id"] == "org-b")
        read = await client.get(f"{API}/deliveries/{of_b['id']}", headers=fund(tokens))
        assert read.status_code == 200
        assert "Kommunens begrundelse" in read.json()["body_text"]
        assert read.json()["body_html"].startswith("<!DOCTYPE html>")
        hidden = await client.get(
            f"{API}/deliveries/{of_b['id']}", headers=organisation(tokens, "org-a")
        )
        problem(hidden, 404)
        problem(await client.get(f"{API}/deliveries/{uuid.uuid4()}", headers=fund(tokens)), 404)

    async def test_a_municipality_cannot_read_another_recipients_delivery(
        self, client, tokens, delivered
    ):
        everything = (await client.get(f"{API}/deliveries", headers=fund(tokens))).json()
        for item in everything["items"]:
            read = await client.get(
                f"{API}/deliveries/{item['id']}", headers=municipality(tokens, "147")
            )
            if item["recipient_ref"] == "147":
                assert read.status_code == 200
            else:
                problem(read, 404)
        export = await client.get(
            f"{API}/deliveries/export.xlsx", headers=municipality(tokens, "147")
        )
        sheet = openpyxl.load_workbook(io.BytesIO(export.content))["Afsendelser"]
        assert [r[7] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["147"]

    async def test_filters_by_event_recipient_status_and_time(self, client, tokens, delivered):
        headers = fund(tokens)

        async def refs(query: str) -> list[str]:
            response = await client.get(f"{API}/deliveries?{query}", headers=headers)
            assert response.status_code == 200, response.text
            return sorted(i["recipient_ref"] for i in response.json()["items"])

        assert await refs(f"event_id={delivered['returned'].id}") == ["org-b"]
        assert await refs("status=no_address") == ["147"]
        assert await refs("recipient_kind=municipality&recipient_ref=101") == ["101"]
        assert await refs("event_type=governance.package.sent") == ["101", "147"]
        now = datetime.now(UTC)
        since = (now - timedelta(minutes=5)).isoformat()
        until = (now - timedelta(minutes=4)).isoformat()
        assert len(await refs(f"created_from={since.replace('+', '%2B')}")) == 3
        assert await refs(f"created_to={until.replace('+', '%2B')}") == []

    async def test_pages_through_the_log_newest_first(self, client, tokens, delivered):
        headers = fund(tokens)
        first = (await client.get(f"{API}/deliveries?limit=2", headers=headers)).json()
        assert len(first["items"]) == 2
        second = (
            await client.get(
                f"{API}/deliveries?limit=2&cursor={first['next_cursor']}", headers=headers
            )
        ).json()
        assert len(second["items"]) == 1
        assert second["next_cursor"] is None
        ids = [i["id"] for i in first["items"] + second["items"]]
        assert len(set(ids)) == 3

    async def test_pages_one_at_a_time_in_created_then_id_order_across_equal_times(
        self, client, tokens, delivered
    ):
        headers = fund(tokens)
        everything = (await client.get(f"{API}/deliveries?limit=500", headers=headers)).json()
        paged: list[dict] = []
        cursor = None
        while True:
            query = f"limit=1&cursor={cursor}" if cursor else "limit=1"
            page = (await client.get(f"{API}/deliveries?{query}", headers=headers)).json()
            paged += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert [i["id"] for i in paged] == [i["id"] for i in everything["items"]]
        keys = [(datetime.fromisoformat(i["created_at"]), i["id"]) for i in paged]
        assert keys == sorted(keys, reverse=True)
        assert len({created for created, _ in keys}) < len(keys)  # equal times were paged

    async def test_bad_filters_are_explained(self, client, tokens):
        headers = fund(tokens)
        cursor = await client.get(f"{API}/deliveries?cursor=not-a-cursor", headers=headers)
        assert problem(cursor, 400)["type"].endswith("invalid-cursor")
        naive = await client.get(
            f"{API}/deliveries?created_from=2026-11-24T00:00:00", headers=headers
        )
        [error] = problem(naive, 422)["errors"]
        assert error["parameter"] == "created_from"
        assert "with a time zone" in error["detail"]
        status = await client.get(f"{API}/deliveries?status=lost", headers=headers)
        problem(status, 422)


class TestDeliverySummary:
    async def test_operations_see_how_many_are_in_each_state(self, client, tokens, delivered):
        response = await client.get(f"{API}/deliveries/summary", headers=fund(tokens))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["counts"] == {
            "pending": 0,
            "sending": 0,
            "sent": 2,
            "failed": 0,
            "no_address": 1,
            "opted_out": 0,
        }
        assert body["oldest_open_created_at"] is None

    async def test_a_queue_that_does_not_drain_shows(
        self, client, tokens, notifications_db, smtp_sink
    ):
        await put_entry(client, fund(tokens), "organisation", "org-0101", ["bo@s.dk"])
        await InboxProcessor(notifications_db, consumer()).apply(
            to_envelope(PackageReturnedV1.example())
        )  # nobody sends it
        body = (
            await client.get(f"{API}/deliveries/summary", headers=organisation(tokens, "org-0101"))
        ).json()
        assert body["counts"]["pending"] == 1
        assert body["oldest_open_created_at"] is not None
        other = (
            await client.get(f"{API}/deliveries/summary", headers=organisation(tokens, "org-x"))
        ).json()
        assert sum(other["counts"].values()) == 0  # another organisation's are not counted


class TestDeliveryLogExport:
    async def test_operations_export_the_log_to_excel(self, client, tokens, delivered):
        response = await client.get(f"{API}/deliveries/export.xlsx", headers=fund(tokens))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Afsendelser"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:3] == ("Oprettet (UTC)", "Status", "Hændelse")
        body = sorted((r[7], r[1], r[8]) for r in rows[1:])
        assert body == [
            ("101", "sendt", KK),
            ("147", "ingen adresse", None),
            ("org-b", "sendt", "bo@b.dk"),
        ]
        assert all(isinstance(r[0], datetime) for r in rows[1:])

    async def test_an_organisation_exports_only_its_own_and_filters_apply(
        self, client, tokens, delivered
    ):
        response = await client.get(
            f"{API}/deliveries/export.xlsx?status=sent", headers=organisation(tokens, "org-a")
        )
        sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Afsendelser"]
        ((ref, status, address),) = [
            (r[7], r[1], r[8]) for r in sheet.iter_rows(min_row=2, values_only=True)
        ]
        assert (ref, status, address) == ("101", "sendt", None)  # another's address stays hidden


class TestResendByOperations:
    async def refused(self, client, tokens, notifications_db, settings_for, smtp_sink) -> dict:
        await put_entry(client, fund(tokens), "municipality", "101", ["old@kk.dk"])
        smtp_sink.handler.refuse["old@kk.dk"] = "550 5.1.1 no such mailbox"
        event = PackageSentV1.example().model_copy(update={"location_municipality_codes": []})
        await InboxProcessor(notifications_db, consumer()).apply(to_envelope(event))
        await Sender(notifications_db, settings_for()).send_due()
        (failed,) = (await client.get(f"{API}/deliveries", headers=fund(tokens))).json()["items"]
        assert failed["status"] == "failed"
        return failed

    async def test_after_the_address_was_corrected_it_goes_to_the_new_address(
        self, client, tokens, notifications_db, settings_for, smtp_sink
    ):
        failed = await self.refused(client, tokens, notifications_db, settings_for, smtp_sink)
        await put_entry(
            client, municipality(tokens), "municipality", "101", [KK], body={"version": 1}
        )
        response = await client.post(
            f"{API}/deliveries/{failed['id']}/resend",
            headers={**fund(tokens), "Idempotency-Key": "resend-1"},
        )
        assert response.status_code == 202, response.text
        (queued,) = response.json()["items"]
        assert (queued["address"], queued["status"]) == (KK, "pending")
        assert queued["resend_requested_by"] == "lbf-drift"
        await Sender(notifications_db, settings_for()).send_due()

        assert [m["To"] for m in smtp_sink.messages] == [KK]
        log = (await client.get(f"{API}/deliveries", headers=fund(tokens))).json()["items"]
        assert sorted((i["address"], i["status"]) for i in log) == [
            ("old@kk.dk", "failed"),  # the history stays
            (KK, "sent"),
        ]

    async def test_a_retried_request_is_applied_once(
        self, client, tokens, notifications_db, settings_for, smtp_sink
    ):
        failed = await self.refused(client, tokens, notifications_db, settings_for, smtp_sink)
        smtp_sink.handler.refuse.clear()  # the receiving side fixed its mailbox
        headers = {**fund(tokens), "Idempotency-Key": "resend-2"}
        first = await client.post(f"{API}/deliveries/{failed['id']}/resend", headers=headers)
        again = await client.post(f"{API}/deliveries/{failed['id']}/resend", headers=headers)
        assert first.status_code == again.status_code == 202
        assert again.headers["idempotent-replayed"] == "true"
        (reopened,) = first.json()["items"]
        assert (reopened["id"], reopened["attempts"]) == (failed["id"], 0)  # the same delivery
        await Sender(notifications_db, settings_for()).send_due()
        assert [m["To"] for m in smtp_sink.messages] == ["old@kk.dk"]

    async def test_what_cannot_be_sent_again(
        self, client, tokens, notifications_db, settings_for, smtp_sink
    ):
        failed = await self.refused(client, tokens, notifications_db, settings_for, smtp_sink)
        path = f"{API}/deliveries/{failed['id']}/resend"
        denied = await client.post(path, headers=organisation(tokens, "org-0101"))
        problem(denied, 403)
        problem(
            await client.post(f"{API}/deliveries/{uuid.uuid4()}/resend", headers=fund(tokens)), 404
        )
        await put_entry(client, fund(tokens), "municipality", "101", [], body={"version": 1})
        no_address = await client.post(path, headers=fund(tokens))
        assert "no address" in problem(no_address, 409)["detail"]
        await put_entry(client, fund(tokens), "municipality", "101", [KK], body={"version": 2})
        assert (await client.post(path, headers=fund(tokens))).status_code == 202
        await Sender(notifications_db, settings_for()).send_due()
        log = (await client.get(f"{API}/deliveries?status=sent", headers=fund(tokens))).json()
        (sent,) = log["items"]
        twice = await client.post(f"{API}/deliveries/{sent['id']}/resend", headers=fund(tokens))
        assert "only failed deliveries" in problem(twice, 409)["detail"]

    async def test_two_resends_to_the_same_new_address_at_once_send_it_once(
        self, client, tokens, notifications_db, settings_for, smtp_sink, monkeypatch
    ):
        """The event's two deliveries to a municipality's two old addresses both failed; the
        municipality replaced both with one address, and operations resend the two deliveries
        at the same moment. Both requests saw no delivery of the event to the new address and
        both inserted one; the second hit the unique key (event, address) and was a 500. Now
        it is the same 409 as a resend after the first had committed: the address already has
        the message; it is sent once. The two transactions are interleaved on PostgreSQL: each
        waits after reading until the other has read too."""
        olds = ["old1@kk.dk", "old2@kk.dk"]
        await put_entry(client, fund(tokens), "municipality", "101", olds)
        for old in olds:
            smtp_sink.handler.refuse[old] = "550 5.1.1 no such mailbox"
        event = PackageSentV1.example().model_copy(update={"location_municipality_codes": []})
        await InboxProcessor(notifications_db, consumer()).apply(to_envelope(event))
        await Sender(notifications_db, settings_for()).send_due()
        failed = (await client.get(f"{API}/deliveries", headers=fund(tokens))).json()["items"]
        assert sorted((f["address"], f["status"]) for f in failed) == [
            (old, "failed") for old in olds
        ]
        await put_entry(client, fund(tokens), "municipality", "101", [KK], body={"version": 1})

        both_read = asyncio.Barrier(2)
        read = DeliveryRepository.of_event_to

        async def of_event_to_then_wait(self, event_id, address):
            found = await read(self, event_id, address)
            await asyncio.wait_for(both_read.wait(), timeout=10)
            return found

        monkeypatch.setattr(DeliveryRepository, "of_event_to", of_event_to_then_wait)
        answers = await asyncio.gather(
            *(
                client.post(
                    f"{API}/deliveries/{f['id']}/resend",
                    headers={**fund(tokens), "Idempotency-Key": f"resend-{f['id']}"},
                )
                for f in failed
            )
        )
        monkeypatch.undo()
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [202, 409], [a.text for a in answers]
        refused = next(a for a in answers if a.status_code == 409)
        assert "already has this message" in problem(refused, 409)["detail"]
        await Sender(notifications_db, settings_for()).send_due()
        assert [m["To"] for m in smtp_sink.messages] == [KK]
        log = (await client.get(f"{API}/deliveries", headers=fund(tokens))).json()["items"]
        assert sorted((i["address"], i["status"]) for i in log) == sorted(
            [(KK, "sent"), *((old, "failed") for old in olds)]
        )

    async def test_a_delivery_that_found_no_address_is_sent_once_there_is_one(
        self, client, tokens, notifications_db, settings_for, smtp_sink
    ):
        event = PackageReturnedV1.example()
        await InboxProcessor(notifications_db, consumer()).apply(to_envelope(event))
        (nothing,) = (await client.get(f"{API}/deliveries", headers=fund(tokens))).json()["items"]
        assert nothing["status"] == "no_address"
        await put_entry(
            client, organisation(tokens, "org-0101"), "organisation", "org-0101", ["bo@s.dk"]
        )
        response = await client.post(
            f"{API}/deliveries/{nothing['id']}/resend", headers=fund(tokens)
        )
        assert response.status_code == 202
        await Sender(notifications_db, settings_for()).send_due()
        (message,) = smtp_sink.messages
        assert message["Subject"] == "Dokumentationspakken for styringsåret 2026 er sendt retur"


class TestHostileInput:
    async def test_no_operation_answers_5xx_or_a_non_problem_error(self, client, tokens):
        openapi = (await client.get("/notifications/openapi.json")).json()
        openapi["paths"] = {
            path: item for path, item in openapi["paths"].items() if path.startswith(API)
        }
        for headers in (fund(tokens), municipality(tokens), organisation(tokens, "org-a")):
            findings = await fuzz_operations(client, openapi, headers=headers, examples=10)
            assert findings == []
