"""The grants, allocation and tribunal pages: events in → figures out, duplicates and any order
of arrival change nothing, each role sees its own, filters, downloads and the HTML."""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from common.access import Scope
from common.auth import Principal, Role
from common.calendar import danish_date
from common.events.consumer import Outcome
from common.events.contracts import to_envelope
from dashboards.api.deps import page_scope
from dashboards.services.reading import (
    Filters,
    allocation_page,
    governance_page,
    grants_page,
    tribunal_page,
)

from ..conftest import sql
from .factories import at, returned, sent
from .factories_more import (
    answered,
    assessment,
    case_rejected,
    committed,
    deadline,
    decided,
    filed,
    final,
    frame_set,
    lapsed,
    moment,
    moved,
    notified,
    opened,
    package_status,
    plan_approved,
    plan_sent,
    prequalified,
    question,
    rejected,
    reminded,
    resumed,
    stopped,
    submitted,
    subsidy,
)

TODAY = date(2026, 12, 2)  # a Wednesday; the week ends on Sunday 6 December
MONDAY = date(2026, 11, 23)

TABLES = {
    "packages": "package_id",
    "package_deadlines": "municipality_code, organisation_id, governance_year",
    "grant_cases": "application_id",
    "offers": "offer_id",
    "subsidies": "subsidy_id",
    "subsidy_frames": "municipality_code, year",
    "tribunal_cases": "case_id",
    "tribunal_questions": "case_id, question_id",
}


def snapshot(db_url: str) -> dict[str, list[tuple[object, ...]]]:
    return {t: sql(db_url, f"SELECT * FROM {t} ORDER BY {key}") for t, key in TABLES.items()}


def grants_history():
    both = ("org-2", "org-1")
    return [
        submitted("app-1"),
        assessment("app-1"),
        prequalified("app-1"),
        plan_approved("app-1"),
        plan_sent("app-1"),  # the plan is with the fund: still reserved, not committed
        submitted("app-2", amount="20000000.00"),
        assessment("app-2"),
        prequalified("app-2", amount="20000000.00"),
        plan_approved("app-2"),
        plan_sent("app-2"),
        committed("app-2"),
        stopped("app-2", on=date(2026, 9, 1)),
        resumed("app-2", on=date(2026, 9, 15)),
        stopped("app-2", on=date(2026, 10, 1)),
        submitted("app-3", municipality="751", orgs=("org-2",)),
        assessment("app-3", municipality="751", orgs=("org-2",)),
        rejected("app-3", municipality="751", orgs=("org-2",)),
        submitted("app-4", municipality="751", orgs=both),  # not assessed yet
        submitted("app-6"),
        assessment("app-6"),  # under assessment
        # a 2025 case whose prequalification came before its year was published
        prequalified("app-5", year=None, amount="5000000.00", on=date(2025, 3, 1)),
        submitted("app-5", year=2025, on=date(2025, 1, 6)),
    ]


def allocation_history():
    return [
        opened("off-young", date(2026, 12, 1)),  # 1 working day old
        opened("off-due", MONDAY),  # 7 working days old: due today
        reminded("off-due", MONDAY),
        opened("off-late", date(2026, 11, 18)),  # 10 working days old: past its deadline
        opened("off-751", date(2026, 11, 30), municipality="751", org="org-2"),
        opened("off-taken", date(2026, 9, 1)),
        answered("off-taken", date(2026, 9, 3)),
        opened("off-refused", date(2026, 9, 1), municipality="751", org="org-2"),
        answered("off-refused", date(2026, 9, 2), "declined", municipality="751", org="org-2"),
        opened("off-lapsed", date(2026, 10, 1)),
        lapsed("off-lapsed", date(2026, 10, 1)),
        subsidy(1, frame=3, on=date(2026, 4, 1)),
        subsidy(2, frame=4, on=date(2026, 5, 1)),  # the frame was raised meanwhile
        subsidy(3, municipality="751", org="org-2"),  # a producer before frame_dwellings
        frame_set("101", 3, date(2026, 3, 1)),  # older than the grants' frame: they win
        frame_set("751", 5, date(2026, 1, 10)),  # known from its own event
        frame_set("147", 2, date(2026, 2, 1)),  # a frame with no grant yet
        frame_set("147", 2, date(2026, 2, 1), year=2027),  # another year
    ]


def tribunal_history():
    return [
        filed("hln-overdue", date(2026, 11, 20), date(2026, 12, 1)),
        filed("hln-week", date(2026, 11, 25), date(2026, 12, 8)),
        notified("hln-week", date(2026, 11, 27), date(2026, 12, 4)),
        filed("hln-later", date(2026, 11, 30), date(2026, 12, 10)),
        filed("hln-147", date(2026, 12, 1), date(2026, 12, 11), filer="147"),
        # question deadlines (§ 83(4)): an open one due before the case's own deadline counts
        question("hln-later", "q-1", date(2026, 11, 20), date(2026, 12, 3)),
        question("hln-later", "q-2", date(2026, 11, 16), date(2026, 11, 30)),
        question(
            "hln-later", "q-2", date(2026, 11, 16), date(2026, 11, 30), closed_on=date(2026, 11, 27)
        ),  # answered: no longer counts
        question("hln-147", "q-3", date(2026, 11, 17), date(2026, 12, 1), filer="147"),
        question(
            "hln-147", "q-3", date(2026, 11, 17), date(2026, 12, 15), filer="147"
        ),  # extended: the later date counts, in any order
        question("hln-a", "q-4", date(2026, 2, 1), date(2026, 2, 15), tribunal="751"),
        filed("hln-a", date(2026, 1, 10), date(2026, 1, 20), tribunal="751"),
        decided("hln-a", date(2026, 3, 11), tribunal="751"),  # 60 days
        filed("hln-b", date(2026, 2, 1), date(2026, 2, 11), tribunal="751"),
        decided("hln-b", date(2026, 2, 21), tribunal="751"),  # 20 days
        final("hln-b", date(2026, 2, 21), tribunal="751"),
        filed("hln-c", date(2026, 3, 1), date(2026, 3, 11), tribunal="751"),
        decided("hln-c", date(2026, 4, 10), tribunal="751"),  # 40 days
        filed("hln-old", date(2025, 3, 1), date(2025, 3, 11), tribunal="751"),
        decided("hln-old", date(2025, 5, 1), tribunal="751"),  # decided in 2025
        # suspended and resumed: the reply deadline moved from 19 Nov (overdue) to 9 Dec
        filed("hln-moved", date(2026, 11, 2), date(2026, 11, 9)),
        notified("hln-moved", date(2026, 11, 5), date(2026, 11, 19)),
        moved("hln-moved", date(2026, 11, 10), 1),
        moved("hln-moved", date(2026, 11, 30), 2, reply_due=date(2026, 12, 9)),
        # suspended, resumed (the tribunal's deadline moved) and suspended again: in abeyance
        filed("hln-paused", date(2026, 11, 2), date(2026, 11, 9)),
        moved("hln-paused", date(2026, 11, 6), 1),
        moved("hln-paused", date(2026, 11, 13), 2, notify_due=date(2026, 11, 16)),
        moved("hln-paused", date(2026, 11, 20), 3),
        # rejected (§ 83(1)) with a question open: neither the case nor the question is open
        filed("hln-rejected", date(2026, 11, 10), date(2026, 11, 17)),
        question("hln-rejected", "q-5", date(2026, 11, 12), date(2026, 11, 26)),
        question(
            "hln-rejected",
            "q-5",
            date(2026, 11, 12),
            date(2026, 11, 26),
            closed_on=date(2026, 11, 13),
            outcome="cancelled",
        ),
        case_rejected("hln-rejected", date(2026, 11, 13)),
    ]


def governance_history():
    """Packages before sending, one sent back and edited again, and the deadlines."""
    return [
        package_status("pkg-ready", "ready", at(0)),
        package_status("pkg-work", "ready", at(0), org="org-2"),
        package_status("pkg-work", "in_progress", at(10), org="org-2"),
        package_status("pkg-done", "ready", at(0), org="org-3"),
        package_status("pkg-done", "in_progress", at(5), org="org-3"),
        package_status("pkg-done", "complete", at(20), org="org-3"),
        package_status("pkg-sent", "complete", at(20), org="org-4"),
        sent("pkg-sent", org="org-4", when=at(30)),
        package_status("pkg-back", "complete", at(20), org="org-5"),
        sent("pkg-back", org="org-5", when=at(30)),
        returned("pkg-back", org="org-5", when=at(40)),
        package_status("pkg-again", "complete", at(20), org="org-6"),
        sent("pkg-again", org="org-6", when=at(30)),
        returned("pkg-again", org="org-6", when=at(40)),
        package_status("pkg-again", "in_progress", at(50), org="org-6"),
        # governance publishes the status a returned package is back in, as of the return
        package_status("pkg-now", "complete", at(20), org="org-7"),
        sent("pkg-now", org="org-7", when=at(30)),
        returned("pkg-now", org="org-7", when=at(40)),
        package_status("pkg-now", "complete", at(40), org="org-7"),
        deadline("org-1", date(2026, 10, 1), at(0)),  # passed: pkg-ready is overdue
        deadline("org-2", date(2026, 10, 1), at(0)),
        deadline("org-2", date(2026, 12, 31), at(60)),  # moved later: not overdue
        deadline("org-4", date(2026, 10, 1), at(0)),  # sent: not overdue
        deadline("org-5", date(2026, 11, 1), at(0)),  # sent back and not sent again: overdue
        deadline("org-6", date(2026, 11, 1), at(0)),
        deadline("org-6", None, at(70)),  # removed
    ]


def history():
    return grants_history() + allocation_history() + tribunal_history() + governance_history()


def scope(role: Role, *, orgs: tuple[str, ...] = (), municipality: str | None = None, page: str):
    principal = Principal("someone", role, frozenset(orgs), municipality)
    return page_scope(principal, page)


def table(page, key: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in page.tables[key].rows]


class TestReadModel:
    async def test_the_events_leave_each_case_offer_and_subsidy(self, feed, dashboards_db_url):
        await feed(*history())
        assert sql(
            dashboards_db_url,
            "SELECT application_id, municipality_code, organisation_ids, year, reserved_amount, "
            "reserved_year, committed_amount, committed_year, rejected_at IS NOT NULL "
            "FROM grant_cases ORDER BY 1",
        ) == [
            ("app-1", "101", ["org-1"], 2026, Decimal("12500000.00"), 2026, None, None, False),
            (
                "app-2",
                "101",
                ["org-1"],
                2026,
                Decimal("20000000.00"),
                2026,
                Decimal("18000000.00"),
                2026,
                False,
            ),
            ("app-3", "751", ["org-2"], 2026, None, None, None, None, True),
            ("app-4", "751", ["org-1", "org-2"], 2026, None, None, None, None, False),
            ("app-5", "101", ["org-1"], 2025, Decimal("5000000.00"), None, None, None, False),
            ("app-6", "101", ["org-1"], 2026, None, None, None, None, False),
        ]
        assert sql(
            dashboards_db_url,
            "SELECT application_id, assessment_started_at, plan_sent_at FROM grant_cases "
            "ORDER BY 1",
        ) == [
            ("app-1", moment(date(2026, 2, 16)), moment(date(2026, 5, 11))),
            ("app-2", moment(date(2026, 2, 16)), moment(date(2026, 5, 11))),
            ("app-3", moment(date(2026, 2, 16)), None),
            ("app-4", None, None),
            ("app-5", None, None),
            ("app-6", moment(date(2026, 2, 16)), None),
        ]
        assert sql(
            dashboards_db_url,
            "SELECT offer_id, answer_due, answer_status, lapsed_on, rent_owed FROM offers "
            "WHERE offer_id IN ('off-due', 'off-taken', 'off-lapsed') ORDER BY 1",
        ) == [
            ("off-due", date(2026, 12, 2), None, None, None),
            ("off-lapsed", date(2026, 10, 12), None, date(2026, 10, 13), Decimal("19500.00")),
            ("off-taken", date(2026, 9, 10), "accepted", None, None),
        ]
        assert [
            row[:3] for row in sql(dashboards_db_url, "SELECT * FROM subsidy_frames ORDER BY 1, 2")
        ] == [("101", 2026, 4), ("147", 2026, 2), ("147", 2027, 2), ("751", 2026, 5)]
        assert sql(
            dashboards_db_url,
            "SELECT case_id, tribunal_code, filing_municipality_code, filed_on, notify_due, "
            "notified_on, reply_due, decided_on FROM tribunal_cases WHERE case_id IN "
            "('hln-week', 'hln-147', 'hln-b') ORDER BY 1",
        ) == [
            ("hln-147", "101", "147", date(2026, 12, 1), date(2026, 12, 11), None, None, None),
            ("hln-b", "751", None, date(2026, 2, 1), date(2026, 2, 11), None, None,
             date(2026, 2, 21)),
            ("hln-week", "101", None, date(2026, 11, 25), date(2026, 12, 8), date(2026, 11, 27),
             date(2026, 12, 4), None),
        ]  # fmt: skip
        assert sql(dashboards_db_url, "SELECT * FROM tribunal_questions ORDER BY 1, 2") == [
            ("hln-147", "q-3", date(2026, 11, 17), date(2026, 12, 15), None),
            ("hln-a", "q-4", date(2026, 2, 1), date(2026, 2, 15), None),
            ("hln-later", "q-1", date(2026, 11, 20), date(2026, 12, 3), None),
            ("hln-later", "q-2", date(2026, 11, 16), date(2026, 11, 30), date(2026, 11, 27)),
            ("hln-rejected", "q-5", date(2026, 11, 12), date(2026, 11, 26), date(2026, 11, 13)),
        ]
        assert sql(
            dashboards_db_url,
            "SELECT case_id, notify_due, reply_due, suspended, suspension_changes, rejected_on "
            "FROM tribunal_cases WHERE case_id IN ('hln-moved', 'hln-paused', 'hln-rejected') "
            "ORDER BY 1",
        ) == [
            ("hln-moved", date(2026, 11, 9), date(2026, 12, 9), False, 2, None),
            ("hln-paused", date(2026, 11, 16), None, True, 3, None),
            ("hln-rejected", date(2026, 11, 17), None, None, None, date(2026, 11, 13)),
        ]

    async def test_duplicates_are_skipped_and_change_nothing(self, feed, dashboards_db_url):
        envelopes = [to_envelope(e) for e in history()]
        assert set(await feed.envelopes(envelopes)) == {Outcome.APPLIED}
        before = snapshot(dashboards_db_url)
        assert await feed.envelopes(envelopes[:5]) == [Outcome.DUPLICATE] * 5
        await feed(*history())  # a producer's replay: the same facts under new event ids
        assert snapshot(dashboards_db_url) == before

    async def test_any_order_of_arrival_gives_the_same_read_model(self, feed, dashboards_db_url):
        events = history()
        await feed(*events)
        in_order = snapshot(dashboards_db_url)
        shuffler = random.Random(1616)
        for attempt in range(5):
            shuffled = events[:] if attempt else list(reversed(events))
            if attempt:
                shuffler.shuffle(shuffled)
            sql(dashboards_db_url, f"TRUNCATE {', '.join(TABLES)}, inbox")
            await feed(*shuffled)
            assert snapshot(dashboards_db_url) == in_order, [type(e).__name__ for e in shuffled]


class TestGovernancePage:
    async def test_statuses_before_sending_and_packages_over_the_deadline(
        self, feed, dashboards_db
    ):
        await feed(*history())
        async with dashboards_db.session() as session:
            page = await governance_page(
                session, scope(Role.FUND, page="governance"), Filters(2026), TODAY
            )
        assert page.tables["packages"].columns == (
            "Kommune",
            "Klar til udarbejdelse",
            "Under udarbejdelse",
            "Helt udfyldt",
            "Sendt tilbage (under udarbejdelse)",
            "Fremsendt",
            "Møde afholdt",
            "Redegørelse afgivet",
            "I alt",
            "Over kommunens frist",
        )
        assert table(page, "packages") == [("101 København", 1, 2, 2, 1, 1, 0, 0, 7, 2)]
        assert page.headline["overdue"] == 2
        assert page.headline["in_progress"] == 2

    async def test_a_municipality_sees_its_own_deadlines_count(self, feed, dashboards_db):
        await feed(*history())
        async with dashboards_db.session() as session:
            other = await governance_page(
                session,
                scope(Role.MUNICIPALITY, municipality="751", page="governance"),
                Filters(2026),
                TODAY,
            )
            organisation = await governance_page(
                session,
                scope(Role.HOUSING_ORG, orgs=("org-5",), page="governance"),
                Filters(2026),
                TODAY,
            )
        assert table(other, "packages") == []
        assert table(organisation, "packages") == [("101 København", 0, 0, 0, 1, 0, 0, 0, 1, 1)]


class TestGrantsPage:
    async def test_the_fund_sees_the_frame_and_the_pipeline(self, feed, dashboards_db):
        await feed(*history())
        async with dashboards_db.session() as session:
            page = await grants_page(session, scope(Role.FUND, page="grants"), Filters(2026))
        frame = {row[0]: row[1:] for row in table(page, "frame")}
        assert frame[2026] == (Decimal("380.0"), Decimal("18.0"), Decimal("12.5"), Decimal("349.5"))
        assert frame[2025] == (Decimal("380.0"), Decimal(0), Decimal("5.0"), Decimal("375.0"))
        assert frame[2019][3] == Decimal("380.0")
        assert page.tables["pipeline"].columns[1:] == (
            "Fremsendt",
            "Under behandling",
            "Afslag",
            "Prækvalificeret",
            "Helhedsplan godkendt",
            "Helhedsplan fremsendt",
            "Tilsagn givet",
            "I alt",
            "Betalingsstop",
        )
        assert table(page, "pipeline") == [
            ("101 København", 0, 1, 0, 0, 0, 1, 1, 3, 1),
            ("751 Aarhus", 1, 0, 1, 0, 0, 0, 0, 2, 0),
        ]
        assert page.headline["frame_left"] == Decimal("349.5")
        assert page.headline["payments_stopped"] == 1

    async def test_a_municipality_sees_its_own_cases_and_not_the_national_frame(
        self, feed, dashboards_db
    ):
        await feed(*history())
        async with dashboards_db.session() as session:
            page = await grants_page(
                session, scope(Role.MUNICIPALITY, municipality="751", page="grants"), Filters(2026)
            )
        assert table(page, "pipeline") == [("751 Aarhus", 1, 0, 1, 0, 0, 0, 0, 2, 0)]
        frame = {row[0]: row[1:] for row in table(page, "frame")}
        assert frame[2026] == (None, Decimal(0), Decimal(0), None)
        assert page.headline["frame_left"] is None

    async def test_an_organisation_sees_the_cases_it_takes_part_in(self, feed, dashboards_db):
        await feed(*history())
        async with dashboards_db.session() as session:
            org_1 = await grants_page(
                session, scope(Role.HOUSING_ORG, orgs=("org-1",), page="grants"), Filters(2026)
            )
            org_2 = await grants_page(
                session, scope(Role.HOUSING_ORG, orgs=("org-2",), page="grants"), Filters(2026)
            )
            filtered = await grants_page(
                session,
                scope(Role.FUND, page="grants"),
                Filters(2026, organisation="org-2"),
            )
        assert table(org_1, "pipeline") == [
            ("101 København", 0, 1, 0, 0, 0, 1, 1, 3, 1),
            ("751 Aarhus", 1, 0, 0, 0, 0, 0, 0, 1, 0),
        ]
        assert table(org_2, "pipeline") == [("751 Aarhus", 1, 0, 1, 0, 0, 0, 0, 2, 0)]
        assert table(filtered, "pipeline") == table(org_2, "pipeline")

    async def test_payments_resumed_after_the_last_stop_end_the_stop(self, feed, dashboards_db):
        await feed(*grants_history(), resumed("app-2", on=date(2026, 10, 20)))
        async with dashboards_db.session() as session:
            page = await grants_page(session, scope(Role.FUND, page="grants"), Filters(2026))
        assert page.headline["payments_stopped"] == 0


class TestAllocationPage:
    async def test_open_offers_by_working_day_age_against_the_deadline(self, feed, dashboards_db):
        await feed(*history())
        async with dashboards_db.session() as session:
            page = await allocation_page(
                session, scope(Role.FUND, page="allocation"), Filters(2026), TODAY
            )
        assert table(page, "offer_age") == [
            ("0–2 arbejdsdage", 2, 0),
            ("3–5 arbejdsdage", 0, 0),
            ("6–7 arbejdsdage", 1, 0),
            ("8 arbejdsdage eller mere", 1, 1),
        ]
        assert table(page, "offers") == [
            ("101 København", 3, 1, 1, Decimal("19500.00"), 1, 0),
            ("751 Aarhus", 1, 0, 0, Decimal(0), 0, 1),
        ]
        assert table(page, "subsidy_frames") == [
            ("101 København", 4, 2, 2),
            ("147 Frederiksberg", 2, 0, 2),
            ("751 Aarhus", 5, 1, 4),
        ]
        assert page.headline == {"open_offers": 4, "overdue_offers": 1, "lapsed": 1, "subsidies": 3}

    async def test_a_frame_changed_after_the_last_grant_shows_the_new_figure(
        self, feed, dashboards_db
    ):
        await feed(*allocation_history(), frame_set("101", 6, date(2026, 6, 1)))
        async with dashboards_db.session() as session:
            page = await allocation_page(
                session, scope(Role.FUND, page="allocation"), Filters(2026), TODAY
            )
        assert table(page, "subsidy_frames")[0] == ("101 København", 6, 2, 4)

    async def test_a_holiday_does_not_count_as_a_working_day(self, feed, dashboards_db):
        # opened on Maundy Thursday's eve 2026 (1 April); Easter closes 2, 3 and 6 April
        await feed(opened("off-easter", date(2026, 4, 1)))
        async with dashboards_db.session() as session:
            page = await allocation_page(
                session, scope(Role.FUND, page="allocation"), Filters(2026), date(2026, 4, 7)
            )
        assert table(page, "offer_age")[0] == ("0–2 arbejdsdage", 1, 0)

    async def test_a_municipality_and_an_organisation_see_their_own(self, feed, dashboards_db):
        await feed(*history())
        async with dashboards_db.session() as session:
            municipality = await allocation_page(
                session,
                scope(Role.MUNICIPALITY, municipality="751", page="allocation"),
                Filters(2026),
                TODAY,
            )
            organisation = await allocation_page(
                session,
                scope(Role.HOUSING_ORG, orgs=("org-1",), page="allocation"),
                Filters(2026),
                TODAY,
            )
        assert table(municipality, "offers") == [("751 Aarhus", 1, 0, 0, Decimal(0), 0, 1)]
        assert table(municipality, "subsidy_frames") == [("751 Aarhus", 5, 1, 4)]
        assert [r[0] for r in table(organisation, "offers")] == ["101 København"]
        # the frame is the municipality's: an organisation sees only its own subsidies
        assert table(organisation, "subsidy_frames") == [("101 København", None, 2, None)]


class TestTribunalPage:
    async def test_open_cases_by_deadline_state_and_time_to_decision(self, feed, dashboards_db):
        await feed(*history())
        async with dashboards_db.session() as session:
            page = await tribunal_page(
                session, scope(Role.FUND, page="tribunal"), Filters(2026), TODAY
            )
        # overdue, this week, later (hln-moved: its reply deadline moved by the suspension),
        # suspended (hln-paused), unknown; hln-rejected is not open
        assert table(page, "open_cases") == [("Huslejenævnet i 101 København", 1, 2, 2, 1, 0, 6)]
        assert table(page, "decision_time") == [
            ("Huslejenævnet i 751 Aarhus", 3, Decimal("40.0"), Decimal("56.0"))
        ]
        assert page.headline == {
            "open_cases": 6,
            "overdue": 1,
            "due_this_week": 2,
            "suspended": 1,
            "decided": 3,
        }

    async def test_a_tribunal_sees_its_own_and_a_municipality_the_cases_it_filed(
        self, feed, dashboards_db
    ):
        await feed(*history())
        async with dashboards_db.session() as session:
            own = await tribunal_page(
                session,
                scope(Role.TRIBUNAL, municipality="751", page="tribunal"),
                Filters(2026),
                TODAY,
            )
            filer = await tribunal_page(
                session,
                scope(Role.MUNICIPALITY, municipality="147", page="tribunal"),
                Filters(2026),
                TODAY,
            )
            narrowed = await tribunal_page(
                session, scope(Role.FUND, page="tribunal"), Filters(2026, municipality="751"), TODAY
            )
        assert table(own, "open_cases") == []
        assert [r[1] for r in table(own, "decision_time")] == [3]
        assert table(filer, "open_cases") == [("Huslejenævnet i 101 København", 0, 0, 1, 0, 0, 1)]
        assert table(filer, "decision_time") == []
        assert table(narrowed, "decision_time") == table(own, "decision_time")

    def test_a_tribunal_token_without_its_tribunal_is_refused(self):
        with pytest.raises(Exception, match="municipality code of its rent tribunal"):
            scope(Role.TRIBUNAL, page="tribunal")
        assert isinstance(scope(Role.TRIBUNAL, municipality="101", page="tribunal"), Scope)


class TestOverHttp:
    @pytest.mark.parametrize(
        ("page", "role"),
        [
            ("grants", Role.TRIBUNAL),
            ("grants", Role.OPERATIONS),
            ("grants", Role.PARTY),
            ("allocation", Role.TRIBUNAL),
            ("allocation", Role.ERP_CLIENT),
            ("tribunal", Role.HOUSING_ORG),
            ("tribunal", Role.OPERATIONS),
            ("tribunal", Role.LANDLORD),
        ],
    )
    async def test_roles_without_the_page_get_403_and_no_data(
        self, dashboards_client, feed, tokens, page, role
    ):
        client = await dashboards_client()
        await feed(*history())
        headers = tokens.headers(role, orgs=["org-1"], municipality="101")
        response = await client.get(f"/dashboards/v1/pages/{page}", headers=headers)
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        html = await client.get(f"/dashboards/{page}", headers=headers)
        assert html.status_code == 403
        assert "Ingen adgang" in html.text
        assert "<table" not in html.text
        download = await client.get(f"/dashboards/tables/{page}/frame.csv", headers=headers)
        assert download.status_code == 403

    async def test_each_page_is_danish_html_with_charts_tables_and_downloads(
        self, dashboards_client, feed, tokens
    ):
        client = await dashboards_client()
        year = danish_date().year
        await feed(
            submitted("app-now", year=year, on=date(year, 1, 5)),
            opened("off-now", danish_date()),
            filed("hln-now", danish_date(), date(year + 1, 1, 20), tribunal="751"),
        )
        fund = tokens.headers(Role.FUND)
        expected = {
            "grants": ('<output id="cases">1</output>', "table-pipeline"),
            "allocation": ('<output id="open-offers">1</output>', "table-offer_age"),
            "tribunal": ('<output id="open-cases">1</output>', "table-open_cases"),
        }
        for page, (headline, table_id) in expected.items():
            html = (await client.get(f"/dashboards/{page}", headers=fund)).text
            assert '<html lang="da">' in html
            assert 'role="img"' in html
            assert headline in html, page
            assert f'<table id="{table_id}">' in html
        tribunal = (
            await client.get(
                "/dashboards/tribunal", headers=tokens.headers(Role.TRIBUNAL, municipality="751")
            )
        ).text
        assert '<output id="open-cases">1</output>' in tribunal
        assert 'name="organisation"' not in tribunal  # no organisation filter on this page
        other = (
            await client.get(
                "/dashboards/v1/pages/tribunal",
                headers=tokens.headers(Role.TRIBUNAL, municipality="101"),
            )
        ).json()
        assert other["headline"]["open_cases"] == 0

    async def test_downloads_hold_the_tables(self, dashboards_client, feed, tokens):
        client = await dashboards_client()
        await feed(*history())
        fund = tokens.headers(Role.FUND)
        response = await client.get(
            "/dashboards/tables/grants/pipeline.csv?year=2026", headers=fund
        )
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        assert rows[1:] == [
            ["101 København", "0", "1", "0", "0", "0", "1", "1", "3", "1"],
            ["751 Aarhus", "1", "0", "1", "0", "0", "0", "0", "2", "0"],
        ]
        response = await client.get(
            "/dashboards/tables/allocation/subsidy_frames.xlsx?year=2026",
            headers=tokens.headers(Role.MUNICIPALITY, municipality="101"),
        )
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert [[c.value for c in row] for row in sheet.iter_rows()] == [
            ["Kommune", "Ramme", "Brugt", "Tilbage"],
            ["101 København", 4, 2, 2],
        ]
        response = await client.get(
            "/dashboards/tables/tribunal/decision_time.csv?year=2026",
            headers=tokens.headers(Role.TRIBUNAL, municipality="751"),
        )
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        assert rows == [
            ["Huslejenævn", "Afgjorte sager", "Median (dage)", "90 %-fraktil (dage)"],
            ["Huslejenævnet i 751 Aarhus", "3", "40.0", "56.0"],
        ]
        unknown = await client.get("/dashboards/tables/tribunal/frame.csv", headers=fund)
        assert unknown.status_code == 404
        assert "open_cases, decision_time" in unknown.json()["detail"]


class TestEveryTableDownloads:
    @pytest.mark.parametrize(
        ("page", "role"),
        [
            ("register", Role.FUND),
            ("governance", Role.FUND),
            ("grants", Role.FUND),
            ("allocation", Role.FUND),
            ("tribunal", Role.FUND),
            ("operations", Role.OPERATIONS),
        ],
    )
    async def test_each_table_of_the_page_as_csv_and_excel(
        self, dashboards_client, feed, tokens, page, role
    ):
        """Every table a page shows downloads (common.exports: formulas neutralised) with the
        page's columns and rows."""
        client = await dashboards_client(metrics_urls={})
        await feed(*history())
        headers = tokens.headers(role)
        shown = (await client.get(f"/dashboards/v1/pages/{page}?year=2026", headers=headers)).json()
        assert shown["tables"], page
        for key, figures in shown["tables"].items():
            base = f"/dashboards/tables/{page}/{key}"
            response = await client.get(f"{base}.csv?year=2026", headers=headers)
            assert response.status_code == 200, (key, response.text)
            assert f'filename="{page}-{key}-2026.csv"' in response.headers["content-disposition"]
            rows = list(
                csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
            )
            assert rows[0] == figures["columns"], key
            if page != "operations":  # the broker's figures move between two readings
                assert rows[1:] == [
                    ["" if v is None else str(v) for v in row] for row in figures["rows"]
                ], key
            response = await client.get(f"{base}.xlsx?year=2026", headers=headers)
            assert response.status_code == 200, (key, response.text)
            sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
            values = [[c.value for c in row] for row in sheet.iter_rows()]
            assert values[0] == figures["columns"], key
            if page != "operations":  # dates are Excel dates, numbers numbers
                first = [v.date().isoformat() if hasattr(v, "date") else v for v, *_ in values[1:]]
                assert first == [row[0] for row in figures["rows"]], key
