"""Statuses: sending (and what blocks it), read-only after sending, send-back by the home
municipality, the meeting and the statements, fan-out to home and location municipalities,
concurrent transitions, deadlines and the change log."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, date, datetime

import pytest
import time_machine

from common.auth import Role
from common.calendar import danish_date
from common.events.contracts import (
    CriticalColour,
    DeadlineSetV1,
    DeliveryFailedV1,
    HousingType,
    MeetingHeldV1,
    PackageReturnedV1,
    PackageSentV1,
    PackageStatusChangedV1,
    StatementSubmittedV1,
    to_envelope,
)
from common.events.envelope import Envelope
from governance.db.repositories import PackageRepository

from .support import (
    ACCOUNTS,
    API,
    YEAR,
    apply,
    department,
    figure,
    fill_in,
    fund,
    key_figures,
    municipality,
    open_year,
    org,
    organisation,
    outbox,
    pdf_bytes,
    post_headers,
)

PKG = f"pkg-{YEAR}-BO-1"
HOME, LOCATION, OTHER = "101", "147", "151"


@pytest.fixture
async def client(governance_client, governance_db, tokens):
    client = await governance_client()
    await apply(
        governance_db,
        organisation("BO-1", HOME),
        department("d-home", "BO-1", HOME),
        department("d-loc", "BO-1", LOCATION),
        key_figures(
            "d-home",
            "BO-1",
            figure("rent_per_m2", CriticalColour.RED),
            figure("vacancy", CriticalColour.YELLOW),
        ),
    )
    await open_year(client, tokens)
    return client


async def comment_all(client, tokens):
    for code in ("rent_per_m2", "vacancy"):
        response = await client.put(
            f"{API}/packages/{PKG}/departments/d-home/key-figures/{code}/comment",
            json={"comment": "Forklaring"},
            headers=org(tokens, "BO-1"),
        )
        assert response.status_code == 200


async def ready_to_send(client, tokens, governance_db):
    await fill_in(client, tokens, PKG, "BO-1", governance_db)
    await comment_all(client, tokens)


async def send(client, tokens, **extra):
    return await client.post(
        f"{API}/packages/{PKG}/send", headers=post_headers({**org(tokens, "BO-1"), **extra})
    )


def codes(response) -> set[str]:
    return {e["code"] for e in response.json()["errors"]}


class TestSendIsBlocked:
    async def test_by_missing_accounts(self, client, tokens):
        await fill_in(client, tokens, PKG, "BO-1", accounts=False)
        await comment_all(client, tokens)
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert package["status"] == "complete"
        assert package["can_send"] is False
        response = await send(client, tokens)
        assert response.status_code == 422
        assert response.json()["type"] == "urn:housing:problem:send-blocked"
        assert codes(response) == {"accounts-missing"}
        assert {e["pointer"] for e in response.json()["errors"]} == {
            "#/departments/d-home/accounts",
            "#/departments/d-loc/accounts",
        }

    async def test_until_the_key_figures_of_the_reported_accounts_arrive(
        self, client, tokens, governance_db
    ):
        """Issue 12, item 11: sent right after the accounts were reported, before the
        calculator's figures computed from them arrived, the package went out with empty
        accounts figures and their comment rule never ran. Now sending waits for them, visibly —
        also past figures computed before the accounts reached the calculator."""
        await fill_in(client, tokens, PKG, "BO-1")  # accounts reported; the calculator is slow
        await comment_all(client, tokens)
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert package["accounts"]["key_figures_pending"] == ["d-home", "d-loc"]
        assert package["can_send"] is False
        pending = [
            ("#/departments/d-home/key_figures", "key-figures-pending"),
            ("#/departments/d-loc/key_figures", "key-figures-pending"),
        ]
        response = await send(client, tokens)
        assert response.status_code == 422
        assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == pending

        red, yellow = (
            figure("rent_per_m2", CriticalColour.RED),
            figure("vacancy", CriticalColour.YELLOW),
        )
        await apply(governance_db, key_figures("d-home", "BO-1", red, yellow, revision=2))
        response = await send(client, tokens)
        assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == pending

        administration = figure(
            "administration_cost_per_dwelling", CriticalColour.RED, value="9100.00"
        )
        await apply(
            governance_db,
            key_figures(
                "d-home", "BO-1", red, yellow, administration, revision=3, accounts_revision=1
            ),
            key_figures("d-loc", "BO-1", municipality=LOCATION, accounts_revision=1),
        )
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert package["accounts"]["key_figures_pending"] == []
        response = await send(client, tokens)
        assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
            (
                "#/departments/d-home/key_figures/administration_cost_per_dwelling",
                "key-figure-comment-missing",
            )
        ]
        await client.put(
            f"{API}/packages/{PKG}/departments/d-home/key-figures/"
            "administration_cost_per_dwelling/comment",
            json={"comment": "Ekstraordinær IT-udgift"},
            headers=org(tokens, "BO-1"),
        )
        response = await send(client, tokens)
        assert response.status_code == 200, response.text

    async def test_by_an_uncommented_red_figure(self, client, tokens, governance_db):
        await fill_in(client, tokens, PKG, "BO-1", governance_db)
        await client.put(
            f"{API}/packages/{PKG}/departments/d-home/key-figures/vacancy/comment",
            json={"comment": "Forklaring"},
            headers=org(tokens, "BO-1"),
        )
        response = await send(client, tokens)
        assert response.status_code == 422
        assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
            ("#/departments/d-home/key_figures/rent_per_m2", "key-figure-comment-missing")
        ]

    async def test_by_an_incomplete_form(self, client, tokens, governance_db):
        await ready_to_send(client, tokens, governance_db)
        await client.put(
            f"{API}/packages/{PKG}/departments/d-loc/answers",
            json={"answers": {"physical_condition": None}},
            headers=org(tokens, "BO-1"),
        )
        response = await send(client, tokens)
        assert response.status_code == 422
        assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
            ("#/departments/d-loc/answers/physical_condition", "form-incomplete")
        ]

    async def test_a_municipality_cannot_send_for_the_organisation(
        self, client, tokens, governance_db
    ):
        await ready_to_send(client, tokens, governance_db)
        response = await client.post(
            f"{API}/packages/{PKG}/send", headers=post_headers(municipality(tokens, HOME))
        )
        # Sending is never a municipality's action: refused for its role (403) before the
        # package is looked up, so the answer is the same whether or not the package exists.
        assert response.status_code == 403
        assert response.json()["type"] == "urn:housing:problem:forbidden"
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert package["status"] == "complete"


class TestSend:
    async def test_sends_to_home_and_location_municipalities_with_the_colour_counts(
        self, client, tokens, governance_db, governance_db_url
    ):
        await ready_to_send(client, tokens, governance_db)
        response = await send(client, tokens)
        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.json()["status_label"]) == ("sent", "Fremsendt")
        [envelope] = outbox(governance_db_url, "governance.package.sent")
        event = PackageSentV1.from_envelope(Envelope.from_structured(envelope))
        assert event.home_municipality_code == HOME
        assert event.location_municipality_codes == [HOME, LOCATION]
        assert (event.red_figures, event.yellow_figures, event.governance_year) == (1, 1, YEAR)

    async def test_after_sending_the_package_is_read_only(self, client, tokens, governance_db):
        await ready_to_send(client, tokens, governance_db)
        await send(client, tokens)
        headers = org(tokens, "BO-1")
        answer = await client.put(
            f"{API}/packages/{PKG}/report/answers",
            json={"answers": {"goals_comment": "x"}},
            headers=headers,
        )
        assert answer.status_code == 409
        assert answer.json()["type"] == "urn:housing:problem:package-read-only"
        accounts = await client.put(
            f"{API}/packages/{PKG}/departments/d-home/accounts", json=ACCOUNTS, headers=headers
        )
        assert accounts.status_code == 409
        assert (await send(client, tokens)).status_code == 409

    async def test_the_home_municipality_sees_the_whole_package(
        self, client, tokens, governance_db
    ):
        await ready_to_send(client, tokens, governance_db)
        await send(client, tokens)
        package = (
            await client.get(f"{API}/packages/{PKG}", headers=municipality(tokens, HOME))
        ).json()
        assert [f["key"] for f in package["departments"]] == ["d-home", "d-loc"]

    async def test_a_location_municipality_sees_the_report_and_its_own_departments(
        self, client, tokens, governance_db
    ):
        await ready_to_send(client, tokens, governance_db)
        await send(client, tokens)
        headers = municipality(tokens, LOCATION)
        package = (await client.get(f"{API}/packages/{PKG}", headers=headers)).json()
        assert package["report"]["key"] == "report"
        assert [f["key"] for f in package["departments"]] == ["d-loc"]
        assert package["accounts"]["reported"] == ["d-loc"]
        assert (
            await client.get(f"{API}/packages/{PKG}/departments/d-home", headers=headers)
        ).status_code == 404
        assert (
            await client.get(f"{API}/packages/{PKG}/report", headers=headers)
        ).status_code == 200
        assert [
            a["department_id"]
            for a in (await client.get(f"{API}/packages/{PKG}/accounts", headers=headers)).json()
        ] == ["d-loc"]

    async def test_another_municipality_does_not_see_it(self, client, tokens, governance_db):
        await ready_to_send(client, tokens, governance_db)
        await send(client, tokens)
        assert (
            await client.get(f"{API}/packages/{PKG}", headers=municipality(tokens, OTHER))
        ).status_code == 404
        assert (await client.get(f"{API}/packages", headers=municipality(tokens, OTHER))).json()[
            "items"
        ] == []
        listed = (
            await client.get(f"{API}/packages", headers=municipality(tokens, LOCATION))
        ).json()["items"]
        assert [p["id"] for p in listed] == [PKG]

    async def test_two_concurrent_sends_cannot_both_win(
        self, client, tokens, governance_db, governance_db_url
    ):
        await ready_to_send(client, tokens, governance_db)
        first, second = await asyncio.gather(send(client, tokens), send(client, tokens))
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        loser = first if first.status_code == 409 else second
        assert loser.json()["type"] == "urn:housing:problem:transition-not-allowed"
        assert len(outbox(governance_db_url, "governance.package.sent")) == 1

    async def test_a_department_arriving_while_the_package_is_sent_does_not_reopen_it(
        self, client, tokens, governance_db, governance_db_url, monkeypatch
    ):
        """The register's new department reaches the consumer while the organisation sends.
        The consumer read the package without its row lock (still 'Helt udfyldt'), added the
        department's form and wrote the package's status after the send had committed: the
        package the municipality had been told was sent was 'Under udarbejdelse' again, with a
        form nobody had filled in, and its version (the ETag) was the send's once more.
        Interleaved on PostgreSQL: the send, holding the row lock, waits (at most 2 s) for the
        consumer to have read the organisation's packages."""
        await ready_to_send(client, tokens, governance_db)
        consumer_read = asyncio.Event()
        read_packages = PackageRepository.packages_of_organisation
        read_accounts = PackageRepository.accounts_revisions

        async def packages_then_signal(self, organisation_id):
            found = await read_packages(self, organisation_id)
            consumer_read.set()
            return found

        async def accounts_after_the_consumer(self, package_id, year):
            # (with the fix the consumer waits for the package's row lock: the send goes on)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(consumer_read.wait(), timeout=2)
            return await read_accounts(self, package_id, year)

        monkeypatch.setattr(PackageRepository, "packages_of_organisation", packages_then_signal)
        monkeypatch.setattr(PackageRepository, "accounts_revisions", accounts_after_the_consumer)

        async def consume():
            await asyncio.sleep(0.2)  # the send holds the row lock first
            await apply(governance_db, department("d-new", "BO-1", HOME))

        sending, _ = await asyncio.gather(send(client, tokens), consume())
        monkeypatch.undo()
        assert sending.status_code == 200, sending.text
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert package["status"] == "sent"
        assert [d["key"] for d in package["departments"]] == ["d-home", "d-loc"]
        assert package["version"] == sending.json()["version"]
        # sent back, it takes the department that arrived meanwhile
        response = await client.post(
            f"{API}/packages/{PKG}/return",
            json={"reason": "Ny afdeling"},
            headers=post_headers(municipality(tokens, HOME)),
        )
        assert response.status_code == 200, response.text
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert [d["key"] for d in package["departments"]] == ["d-home", "d-loc", "d-new"]

    async def test_an_if_match_of_an_older_version_is_a_conflict(
        self, client, tokens, governance_db
    ):
        await ready_to_send(client, tokens, governance_db)
        response = await send(client, tokens, **{"If-Match": 'W/"1"'})
        assert response.status_code == 409
        assert response.json()["type"] == "urn:housing:problem:package-changed"


async def sent(client, tokens, governance_db):
    await ready_to_send(client, tokens, governance_db)
    response = await send(client, tokens)
    assert response.status_code == 200, response.text


class TestSendBack:
    async def test_the_home_municipality_sends_it_back_and_it_reopens(
        self, client, tokens, governance_db, governance_db_url
    ):
        await sent(client, tokens, governance_db)
        response = await client.post(
            f"{API}/packages/{PKG}/return",
            json={"reason": "Mangler kommentar"},
            headers=post_headers(municipality(tokens, HOME)),
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "complete"
        [envelope] = outbox(governance_db_url, "governance.package.returned")
        returned = PackageReturnedV1.from_envelope(Envelope.from_structured(envelope))
        assert returned.reason == "Mangler kommentar"
        # the status it is back in is published once, as of the return
        after = [
            PackageStatusChangedV1.from_envelope(Envelope.from_structured(e))
            for e in outbox(governance_db_url, "governance.package.status_changed")
        ][3:]
        assert [(e.package_id, e.status, e.changed_at) for e in after] == [
            (PKG, "complete", returned.returned_at)
        ]
        answer = await client.put(
            f"{API}/packages/{PKG}/report/answers",
            json={"answers": {"goals_comment": "Rettet"}},
            headers=org(tokens, "BO-1"),
        )
        assert answer.status_code == 200
        assert (
            await client.get(f"{API}/packages/{PKG}", headers=municipality(tokens, HOME))
        ).status_code == 404

    async def test_it_takes_what_the_register_changed_while_it_was_sent(
        self, client, tokens, governance_db
    ):
        """A department that appeared, and one that moved, while the package was sent: the
        register's events found no open package and changed nothing. Sent back, the package
        was open again without the new department's form (it could be sent again without its
        accounts) and with the moved department at its old location municipality."""
        await sent(client, tokens, governance_db)
        await apply(
            governance_db,
            department("d-new", "BO-1", HOME),
            department("d-loc", "BO-1", OTHER, version=2),
        )
        response = await client.post(
            f"{API}/packages/{PKG}/return",
            json={"reason": "Ny afdeling"},
            headers=post_headers(municipality(tokens, HOME)),
        )
        assert response.status_code == 200, response.text
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert [(d["key"], d["municipality_code"]) for d in package["departments"]] == [
            ("d-home", HOME),
            ("d-loc", OTHER),
            ("d-new", HOME),
        ]
        assert package["accounts"]["missing"] == ["d-new"]
        assert (package["status"], package["can_send"]) == ("in_progress", False)
        assert "accounts-missing" in codes(await send(client, tokens))

    async def test_a_department_whose_exemption_was_lifted_meanwhile_gets_no_form(
        self, client, tokens, governance_db
    ):
        """A department exempt when the year was opened has no form; the fund lifts the
        exemption while the package is out. The lift applies to packages created afterwards
        (packages keep their content), as it does while a package is being prepared — but the
        send-back gave the department a form, and the package sent back for a comment could
        not be sent again without that department's accounts and answers."""
        package_id = f"pkg-{YEAR}-BO-2"
        headers = org(tokens, "BO-2")
        await apply(
            governance_db,
            organisation("BO-2", HOME),
            department("d-2", "BO-2", HOME),
            department("d-2x", "BO-2", HOME, housing_type=HousingType.YOUTH),
        )
        exempt = await client.put(
            f"{API}/exemptions/departments/d-2x",
            json={"exemption": "self_owning_youth"},
            headers=fund(tokens),
        )
        assert exempt.status_code == 204, exempt.text
        assert (await open_year(client, tokens))["created"] == 1
        await fill_in(client, tokens, package_id, "BO-2", governance_db)
        sending = await client.post(
            f"{API}/packages/{package_id}/send", headers=post_headers(headers)
        )
        assert sending.status_code == 200, sending.text
        lifted = await client.put(
            f"{API}/exemptions/departments/d-2x", json={"exemption": None}, headers=fund(tokens)
        )
        assert lifted.status_code == 204, lifted.text
        response = await client.post(
            f"{API}/packages/{package_id}/return",
            json={"reason": "Uddyb svaret"},
            headers=post_headers(municipality(tokens, HOME)),
        )
        assert response.status_code == 200, response.text
        package = (await client.get(f"{API}/packages/{package_id}", headers=headers)).json()
        assert [d["key"] for d in package["departments"]] == ["d-2"]
        assert (package["status"], package["can_send"]) == ("complete", True)
        # nor does the register's next change of the department add it, open or not
        await apply(governance_db, department("d-2x", "BO-2", HOME, version=2))
        package = (await client.get(f"{API}/packages/{package_id}", headers=headers)).json()
        assert [d["key"] for d in package["departments"]] == ["d-2"]
        again = await client.post(
            f"{API}/packages/{package_id}/send", headers=post_headers(headers)
        )
        assert again.status_code == 200, again.text

    async def test_it_goes_to_the_new_home_municipality_of_an_organisation_that_moved(
        self, client, tokens, governance_db, governance_db_url
    ):
        """An organisation that moved while its package was sent: sent back, the package is
        being prepared again and goes to the new home municipality, like every package not yet
        sent — it stayed with the old one, which got it again when it was re-sent."""
        await sent(client, tokens, governance_db)
        await apply(governance_db, organisation("BO-1", OTHER, version=2))
        response = await client.post(
            f"{API}/packages/{PKG}/return",
            json={"reason": "Flyttet"},
            headers=post_headers(municipality(tokens, HOME)),
        )
        assert response.status_code == 200, response.text
        assert response.json()["home_municipality_code"] == OTHER
        [envelope] = outbox(governance_db_url, "governance.package.returned")
        returned = PackageReturnedV1.from_envelope(Envelope.from_structured(envelope))
        assert returned.home_municipality_code == HOME  # returned by the one it was sent to
        assert (await send(client, tokens)).status_code == 200
        [_, again] = outbox(governance_db_url, "governance.package.sent")
        resent = PackageSentV1.from_envelope(Envelope.from_structured(again))
        assert resent.home_municipality_code == OTHER

    async def test_a_location_municipality_may_not_send_it_back(
        self, client, tokens, governance_db
    ):
        await sent(client, tokens, governance_db)
        response = await client.post(
            f"{API}/packages/{PKG}/return",
            json={},
            headers=post_headers(municipality(tokens, LOCATION)),
        )
        assert response.status_code == 403

    async def test_the_organisation_may_not_take_it_back_itself(
        self, client, tokens, governance_db
    ):
        await sent(client, tokens, governance_db)
        response = await client.post(
            f"{API}/packages/{PKG}/return", json={}, headers=post_headers(org(tokens, "BO-1"))
        )
        assert response.status_code == 403

    async def test_after_the_meeting_it_cannot_be_sent_back(self, client, tokens, governance_db):
        await sent(client, tokens, governance_db)
        await client.post(
            f"{API}/packages/{PKG}/meeting",
            json={"held_on": danish_date().isoformat()},
            headers=post_headers(municipality(tokens, HOME)),
        )
        response = await client.post(
            f"{API}/packages/{PKG}/return",
            json={},
            headers=post_headers(municipality(tokens, HOME)),
        )
        assert response.status_code == 409


def pdf_headers(headers):
    return post_headers({**headers, "Content-Type": "application/pdf"})


class TestMeetingAndStatements:
    async def test_meeting_then_statement_by_the_home_municipality(
        self, client, tokens, governance_db, governance_db_url
    ):
        await sent(client, tokens, governance_db)
        today = danish_date()  # the meeting day is a Danish day (not the UTC date)
        meeting = await client.post(
            f"{API}/packages/{PKG}/meeting",
            json={"held_on": today.isoformat()},
            headers=post_headers(municipality(tokens, HOME)),
        )
        assert (meeting.status_code, meeting.json()["status_label"]) == (200, "Møde afholdt")
        statement = await client.post(
            f"{API}/packages/{PKG}/statement?filename=redegorelse.pdf",
            content=pdf_bytes(),
            headers=pdf_headers(municipality(tokens, HOME)),
        )
        assert statement.status_code == 200, statement.text
        assert statement.json()["status_label"] == "Redegørelse afgivet"
        assert [a["kind"] for a in statement.json()["attachments"]] == ["statement"]
        [held] = outbox(governance_db_url, "governance.package.meeting_held")
        assert MeetingHeldV1.from_envelope(Envelope.from_structured(held)).held_on == today
        [submitted] = outbox(governance_db_url, "governance.package.statement_submitted")
        assert (
            StatementSubmittedV1.from_envelope(Envelope.from_structured(submitted)).supplementary
            is False
        )

    async def test_a_statement_before_the_meeting_is_refused(self, client, tokens, governance_db):
        await sent(client, tokens, governance_db)
        response = await client.post(
            f"{API}/packages/{PKG}/statement?filename=r.pdf",
            content=pdf_bytes(),
            headers=pdf_headers(municipality(tokens, HOME)),
        )
        assert response.status_code == 409

    async def test_a_location_municipality_adds_a_supplementary_statement(
        self, client, tokens, governance_db, governance_db_url
    ):
        await sent(client, tokens, governance_db)
        response = await client.post(
            f"{API}/packages/{PKG}/statement?filename=supplerende.pdf",
            content=pdf_bytes(),
            headers=pdf_headers(municipality(tokens, LOCATION)),
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "sent"
        [submitted] = outbox(governance_db_url, "governance.package.statement_submitted")
        event = StatementSubmittedV1.from_envelope(Envelope.from_structured(submitted))
        assert (event.supplementary, event.municipality_code) == (True, LOCATION)

    async def test_only_the_home_municipality_records_the_meeting(
        self, client, tokens, governance_db
    ):
        await sent(client, tokens, governance_db)
        response = await client.post(
            f"{API}/packages/{PKG}/meeting",
            json={"held_on": danish_date().isoformat()},
            headers=post_headers(municipality(tokens, LOCATION)),
        )
        assert response.status_code == 403

    async def test_a_meeting_in_the_future_is_refused(self, client, tokens, governance_db):
        await sent(client, tokens, governance_db)
        response = await client.post(
            f"{API}/packages/{PKG}/meeting",
            json={"held_on": "2099-01-01"},
            headers=post_headers(municipality(tokens, HOME)),
        )
        assert response.status_code == 422

    async def test_the_meeting_date_is_a_danish_day(self, client, tokens, governance_db):
        """Sent and met at 00:30 in Denmark on 2 March (23:30 UTC on 1 March): a meeting held
        that day is not in the future, and one on 1 March was before the package was sent."""
        with time_machine.travel(datetime(2027, 3, 1, 23, 30, tzinfo=UTC)):
            await sent(client, tokens, governance_db)
            headers = post_headers(municipality(tokens, HOME))
            before = await client.post(
                f"{API}/packages/{PKG}/meeting", json={"held_on": "2027-03-01"}, headers=headers
            )
            today = await client.post(
                f"{API}/packages/{PKG}/meeting",
                json={"held_on": "2027-03-02"},
                headers=post_headers(municipality(tokens, HOME)),
            )
        assert before.status_code == 422, before.text
        assert "before the package was sent (2027-03-02)" in before.json()["detail"]
        assert today.status_code == 200, today.text
        assert today.json()["meeting_held_on"] == "2027-03-02"

    async def test_a_statement_that_is_not_a_pdf_is_refused(self, client, tokens, governance_db):
        await sent(client, tokens, governance_db)
        await client.post(
            f"{API}/packages/{PKG}/meeting",
            json={"held_on": danish_date().isoformat()},
            headers=post_headers(municipality(tokens, HOME)),
        )
        response = await client.post(
            f"{API}/packages/{PKG}/statement?filename=r.pdf",
            content=b"MZ\x90\x00 not a pdf",
            headers=pdf_headers(municipality(tokens, HOME)),
        )
        assert response.status_code == 422
        assert response.json()["type"] == "urn:housing:problem:attachment-rejected"


def statuses(db_url: str) -> list[tuple[str, str, str, int]]:
    """The published status changes before sending: (package, status, home, year)."""
    return [
        (e.package_id, e.status, e.home_municipality_code, e.governance_year)
        for e in (
            PackageStatusChangedV1.from_envelope(Envelope.from_structured(envelope))
            for envelope in outbox(db_url, "governance.package.status_changed")
        )
    ]


class TestStatusBeforeSendingIsPublished:
    async def test_creation_work_and_completion_are_published_once_each(
        self, client, tokens, governance_db, governance_db_url
    ):
        assert statuses(governance_db_url) == [(PKG, "ready", HOME, YEAR)]
        await ready_to_send(client, tokens, governance_db)
        assert statuses(governance_db_url) == [
            (PKG, "ready", HOME, YEAR),
            (PKG, "in_progress", HOME, YEAR),
            (PKG, "complete", HOME, YEAR),
        ]
        assert (await send(client, tokens)).status_code == 200
        assert len(statuses(governance_db_url)) == 3  # sending has its own event


class TestDeadlines:
    async def test_setting_and_removing_a_deadline_is_published(
        self, client, tokens, governance_db_url
    ):
        headers = municipality(tokens, HOME)
        for body in ({"deadline": "2027-05-03"}, {"deadline": None}):
            response = await client.put(f"{API}/deadlines/{YEAR}/BO-1", json=body, headers=headers)
            assert response.status_code == 204, response.text
        published = [
            DeadlineSetV1.from_envelope(Envelope.from_structured(envelope))
            for envelope in outbox(governance_db_url, "governance.deadline.set")
        ]
        assert [
            (e.deadline_id, e.municipality_code, e.organisation_id, e.governance_year, e.deadline)
            for e in published
        ] == [
            (f"{HOME}-BO-1-{YEAR}", HOME, "BO-1", YEAR, date(2027, 5, 3)),
            (f"{HOME}-BO-1-{YEAR}", HOME, "BO-1", YEAR, None),
        ]

    async def test_the_home_municipality_sets_a_deadline_that_the_package_shows(
        self, client, tokens
    ):
        headers = municipality(tokens, HOME)
        response = await client.put(
            f"{API}/deadlines/{YEAR}/BO-1", json={"deadline": "2027-05-03"}, headers=headers
        )
        assert response.status_code == 204
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert package["deadline"] == "2027-05-03"
        listed = (await client.get(f"{API}/deadlines?year={YEAR}", headers=headers)).json()
        assert [(d["organisation_id"], d["deadline"]) for d in listed["items"]] == [
            ("BO-1", "2027-05-03")
        ]

    async def test_a_passed_deadline_is_shown_but_does_not_block_sending(
        self, client, tokens, governance_db
    ):
        await client.put(
            f"{API}/deadlines/{YEAR}/BO-1",
            json={"deadline": "2020-01-01"},
            headers=municipality(tokens, HOME),
        )
        await ready_to_send(client, tokens, governance_db)
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert package["deadline_passed"] is True
        assert (await send(client, tokens)).status_code == 200

    async def test_a_deadline_on_a_closed_day_ends_on_the_next_working_day(
        self, client, tokens, governance_db_url
    ):
        """Christmas Eve 2027 is a Friday, then a weekend with both Christmas days: the
        deadline set on 24 December ends Monday 27 December — shown, listed and published so
        (it ended on the closed day and counted as passed over Christmas)."""
        headers = municipality(tokens, HOME)
        response = await client.put(
            f"{API}/deadlines/{YEAR}/BO-1", json={"deadline": "2027-12-24"}, headers=headers
        )
        assert response.status_code == 204, response.text
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert package["deadline"] == "2027-12-27"
        listed = (await client.get(f"{API}/deadlines?year={YEAR}", headers=headers)).json()
        assert [d["deadline"] for d in listed["items"]] == ["2027-12-27"]
        overview = (await client.get(f"{API}/status-overview?year={YEAR}", headers=headers)).json()
        assert [i["deadline"] for i in overview["items"]] == ["2027-12-27"]
        [published] = outbox(governance_db_url, "governance.deadline.set")
        event = DeadlineSetV1.from_envelope(Envelope.from_structured(published))
        assert event.deadline == date(2027, 12, 27)
        log = (await client.get(f"{API}/packages/{PKG}/changes", headers=fund(tokens))).json()
        assert "2027-12-27 (set as 2027-12-24, a closed day)" in log["items"][-1]["detail"]

    async def test_a_deadline_passes_at_the_end_of_its_danish_day(self, client, tokens):
        """At 00:30 in Denmark on 2 March (23:30 UTC on 1 March) the deadline of 1 March has
        passed; the UTC date said it had not for the first hour or two of the day."""
        await client.put(
            f"{API}/deadlines/{YEAR}/BO-1",
            json={"deadline": "2027-03-01"},
            headers=municipality(tokens, HOME),
        )
        with time_machine.travel(datetime(2027, 3, 1, 23, 30, tzinfo=UTC)):
            package = (
                await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))
            ).json()
            overview = (
                await client.get(
                    f"{API}/status-overview?year={YEAR}", headers=municipality(tokens, HOME)
                )
            ).json()
        assert package["deadline_passed"] is True
        assert [i["deadline_passed"] for i in overview["items"]] == [True]

    async def test_the_home_municipality_follows_the_status_before_it_is_sent(self, client, tokens):
        await client.put(
            f"{API}/deadlines/{YEAR}/BO-1",
            json={"deadline": "2027-05-03"},
            headers=municipality(tokens, HOME),
        )
        overview = (
            await client.get(
                f"{API}/status-overview?year={YEAR}", headers=municipality(tokens, HOME)
            )
        ).json()
        assert [(i["package_id"], i["status_label"], i["deadline"]) for i in overview["items"]] == [
            (PKG, "Klar til udarbejdelse", "2027-05-03")
        ]
        assert (
            await client.get(
                f"{API}/status-overview?year={YEAR}", headers=municipality(tokens, LOCATION)
            )
        ).json() == {"items": [], "next_cursor": None}
        assert (
            await client.get(f"{API}/status-overview?year={YEAR}", headers=org(tokens, "BO-1"))
        ).status_code == 403

    async def test_the_overview_and_the_deadlines_are_paged_and_filtered(
        self, client, tokens, governance_db
    ):
        """Both lists page with the service's keyset cursor and filter like its other lists
        (they returned every row of the municipality at once, and took no filter)."""
        await apply(
            governance_db,
            *(organisation(f"BO-{n}", HOME) for n in (2, 3)),
            *(department(f"d-{n}", f"BO-{n}", HOME) for n in (2, 3)),
        )
        assert (await open_year(client, tokens))["created"] == 2
        headers = municipality(tokens, HOME)
        for n in (1, 2, 3):
            for year in (YEAR, YEAR + 1):
                response = await client.put(
                    f"{API}/deadlines/{year}/BO-{n}",
                    json={"deadline": "2027-05-03"},
                    headers=headers,
                )
                assert response.status_code == 204, response.text

        async def pages(path: str, **query: object) -> list[list[str]]:
            seen, cursor = [], None
            while True:
                response = await client.get(
                    path,
                    params={**query, "limit": 2, **({"cursor": cursor} if cursor else {})},
                    headers=headers,
                )
                assert response.status_code == 200, response.text
                body = response.json()
                seen.append([f"{i['organisation_id']}/{i['year']}" for i in body["items"]])
                if (cursor := body["next_cursor"]) is None:
                    return seen

        assert await pages(f"{API}/status-overview", year=YEAR) == [
            [f"BO-1/{YEAR}", f"BO-2/{YEAR}"],
            [f"BO-3/{YEAR}"],
        ]
        assert await pages(f"{API}/deadlines") == [
            [f"BO-1/{YEAR}", f"BO-2/{YEAR}"],
            [f"BO-3/{YEAR}", f"BO-1/{YEAR + 1}"],
            [f"BO-2/{YEAR + 1}", f"BO-3/{YEAR + 1}"],
        ]
        filtered = await client.get(
            f"{API}/deadlines",
            params={"year": YEAR + 1, "organisation_id": "BO-2"},
            headers=headers,
        )
        assert [(d["organisation_id"], d["year"]) for d in filtered.json()["items"]] == [
            ("BO-2", YEAR + 1)
        ]
        await fill_in(client, tokens, PKG, "BO-1", accounts=False)
        by_status = await client.get(
            f"{API}/status-overview",
            params={"year": YEAR, "status": "ready"},
            headers=headers,
        )
        assert [i["organisation_id"] for i in by_status.json()["items"]] == ["BO-2", "BO-3"]
        one = await client.get(
            f"{API}/status-overview",
            params={"year": YEAR, "organisation_id": "BO-3"},
            headers=headers,
        )
        assert [i["organisation_id"] for i in one.json()["items"]] == ["BO-3"]
        # each municipality its own; an organisation has no such list
        other = await client.get(f"{API}/deadlines", headers=municipality(tokens, OTHER))
        assert other.json() == {"items": [], "next_cursor": None}
        for path in ("deadlines", f"status-overview?year={YEAR}"):
            assert (
                await client.get(f"{API}/{path}", headers=org(tokens, "BO-1"))
            ).status_code == 403
        foreign = await client.get(
            f"{API}/deadlines", params={"cursor": "eyJ4IjoxfQ.bm90LW91cnM"}, headers=headers
        )
        assert foreign.status_code == 400
        assert foreign.headers["content-type"] == "application/problem+json"

    async def test_another_municipality_cannot_set_it(self, client, tokens):
        response = await client.put(
            f"{API}/deadlines/{YEAR}/BO-1",
            json={"deadline": "2027-05-03"},
            headers=municipality(tokens, LOCATION),
        )
        assert response.status_code == 404


class TestChangeLog:
    async def test_every_change_is_logged_with_who_and_when(self, client, tokens, governance_db):
        await sent(client, tokens, governance_db)
        log = (
            await client.get(f"{API}/packages/{PKG}/changes?limit=500", headers=org(tokens, "BO-1"))
        ).json()["items"]
        actions = [c["action"] for c in log]
        assert actions[0] == "package_created"
        assert {"answers_saved", "accounts_reported", "comment_saved"} <= set(actions)
        assert actions[-1] == "sent"
        answered = next(c for c in log if c["action"] == "answers_saved")
        assert answered["actor"] == "user-BO-1"
        assert answered["role"] == "housing_org"
        assert answered["data"]["changes"]["goals_followed_up"] == [None, True]

    async def test_the_log_pages(self, client, tokens, governance_db):
        await sent(client, tokens, governance_db)
        first = (
            await client.get(f"{API}/packages/{PKG}/changes?limit=2", headers=org(tokens, "BO-1"))
        ).json()
        second = (
            await client.get(
                f"{API}/packages/{PKG}/changes?limit=2&cursor={first['next_cursor']}",
                headers=org(tokens, "BO-1"),
            )
        ).json()
        assert [c["id"] for c in first["items"]][-1] < second["items"][0]["id"]

    async def test_a_failed_notification_is_recorded_in_the_log(
        self, client, tokens, governance_db
    ):
        await sent(client, tokens, governance_db)
        failure = to_envelope(
            DeliveryFailedV1(
                delivery_id="dlv-1",
                cause_event_id="e-1",
                cause_event_type="governance.package.sent",
                cause_subject=PKG,
                recipient_kind="municipality",
                recipient_ref=HOME,
                reason="550 5.1.1 mailbox unavailable",
                failed_at=datetime(2027, 3, 1, tzinfo=UTC),
            )
        )
        unrelated = to_envelope(DeliveryFailedV1.example())
        await apply(governance_db, failure, unrelated)
        log = (
            await client.get(f"{API}/packages/{PKG}/changes?limit=500", headers=org(tokens, "BO-1"))
        ).json()["items"]
        assert (
            log[-1]["detail"]
            == "Notification to municipality 101 failed: 550 5.1.1 mailbox unavailable"
        )

    async def test_another_organisation_cannot_read_the_log(self, client, tokens):
        response = await client.get(f"{API}/packages/{PKG}/changes", headers=org(tokens, "BO-2"))
        assert response.status_code == 404

    async def test_the_fund_reads_the_log(self, client, tokens):
        response = await client.get(f"{API}/packages/{PKG}/changes", headers=fund(tokens))
        assert response.status_code == 200

    async def test_an_erp_client_cannot_fill_in_the_forms(self, client, tokens):
        response = await client.put(
            f"{API}/packages/{PKG}/report/answers",
            json={"answers": {"goals_comment": "x"}},
            headers=org(tokens, "BO-1", role=Role.ERP_CLIENT),
        )
        assert response.status_code == 403
