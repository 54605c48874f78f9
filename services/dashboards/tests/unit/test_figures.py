from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from dashboards.domain import charts
from dashboards.domain.colours import count_colours
from dashboards.domain.figures import (
    DeadlineState,
    GrantStatus,
    PackageState,
    case_deadline,
    daily_window,
    danish_number,
    deadline_state,
    grant_status,
    offer_age_band,
    offer_age_label,
    package_state,
    payments_stopped,
    reference_day,
    rent_band,
    share,
)
from dashboards.services.operations import (
    PLATFORM_SERVICES,
    Backbone,
    RateMeter,
    per_second,
    platform_group,
    relay_state,
)

T1 = datetime(2026, 3, 1, tzinfo=UTC)
T2 = datetime(2026, 3, 2, tzinfo=UTC)


class TestPackageState:
    def test_sent(self):
        assert package_state(sent_at=T1, returned_at=None, meeting_held_on=None,
                             statement_at=None) is PackageState.SENT  # fmt: skip

    def test_returned_after_sending_is_back_under_preparation(self):
        assert package_state(sent_at=T1, returned_at=T2, meeting_held_on=None,
                             statement_at=None) is PackageState.RETURNED  # fmt: skip

    def test_returned_shows_the_status_published_with_the_return_or_after(self):
        facts = {"sent_at": T1, "returned_at": T2, "meeting_held_on": None, "statement_at": None}
        assert package_state(**facts, editing_status="complete",
                             editing_at=T2) is PackageState.COMPLETE  # fmt: skip
        assert package_state(**facts, editing_status="in_progress",
                             editing_at=T2 + timedelta(hours=1)) is PackageState.IN_PROGRESS  # fmt: skip
        # the status before the sending does not count after the return
        assert package_state(**facts, editing_status="complete",
                             editing_at=T1 - timedelta(hours=1)) is PackageState.RETURNED  # fmt: skip

    def test_sent_again_after_return(self):
        assert package_state(sent_at=T2, returned_at=T1, meeting_held_on=None,
                             statement_at=None) is PackageState.SENT  # fmt: skip

    def test_meeting_and_statement_win_whatever_else_is_known(self):
        assert package_state(sent_at=None, returned_at=None, meeting_held_on=date(2026, 4, 1),
                             statement_at=None) is PackageState.MEETING_HELD  # fmt: skip
        assert package_state(sent_at=T1, returned_at=T2, meeting_held_on=date(2026, 4, 1),
                             statement_at=T2) is PackageState.STATEMENT_SUBMITTED  # fmt: skip

    def test_nothing_known_is_no_state(self):
        assert package_state(sent_at=None, returned_at=None, meeting_held_on=None,
                             statement_at=None) is None  # fmt: skip

    def test_labels_are_the_danish_statuses(self):
        assert PackageState.STATEMENT_SUBMITTED.label == "Redegørelse afgivet"
        assert PackageState.SENT.label == "Fremsendt"


class TestRentBands:
    @pytest.mark.parametrize(
        ("rent", "band"),
        [("0", 0), ("3499.99", 0), ("3500", 1), ("4499.99", 1), ("4500", 2), ("6500.00", 2),
         ("6500.01", 3), ("12000", 3)],
    )  # fmt: skip
    def test_the_seed_003_bands(self, rent, band):
        assert rent_band(Decimal(rent)) == band


class TestWindowsAndNumbers:
    def test_the_current_year_ends_today(self):
        window = daily_window(2026, date(2026, 12, 6))
        assert (window.first, window.last) == (date(2026, 11, 7), date(2026, 12, 6))
        assert len(window.days) == 30

    def test_a_past_year_ends_on_its_last_day(self):
        assert daily_window(2025, date(2026, 12, 6)).last == date(2025, 12, 31)
        assert reference_day(2025, date(2026, 12, 6)) == date(2025, 12, 31)
        assert reference_day(2026, date(2026, 12, 6)) == date(2026, 12, 6)

    def test_share_and_danish_numbers(self):
        assert share(1, 3) == Decimal("33.3")
        assert share(0, 0) is None
        assert danish_number(12345) == "12.345"
        assert danish_number(Decimal("11.6"), 1) == "11,6"
        assert danish_number(None) == "–"


class TestColours:
    def test_red_and_yellow_are_counted_and_red_codes_listed(self):
        colours = count_colours(
            [("rent_per_m2", "red"), ("move_out_rate", "yellow"), ("a", "red"), ("b", "green")]
        )
        assert (colours.red, colours.yellow, colours.red_codes) == (2, 1, "a,rent_per_m2")


class TestCharts:
    def test_a_bar_chart_is_an_accessible_svg_with_escaped_text(self):
        svg = charts.horizontal_bars("c1", "Titel <script>", ["A & B", "C"], [3, 1])
        assert svg.startswith("<svg")
        assert 'role="img"' in svg
        assert 'aria-labelledby="c1-t c1-d"' in svg
        assert '<title id="c1-t">Titel &lt;script&gt;</title>' in svg
        assert "A &amp; B: 3; C: 1" in svg
        assert "<script>" not in svg
        widths = [float(w) for w in re.findall(r'<rect x="210" y="\d+" width="([\d.]+)"', svg)]
        assert widths[0] == pytest.approx(3 * widths[1])

    def test_stacked_bars_split_each_bar_by_its_parts(self):
        svg = charts.stacked_bars("c2", "Pakker", ["101"], {"Fremsendt": [2], "Møde": [0]})
        assert "101 – Fremsendt: 2" in svg
        assert "101 – Møde" not in svg  # an empty part is not drawn
        assert "101: Fremsendt 2, Møde 0" in svg

    def test_an_empty_chart_says_so(self):
        assert '<desc id="c3-d">Ingen data</desc>' in charts.horizontal_bars("c3", "T", [], [])


class TestRateMeter:
    def test_rates_are_the_growth_per_second_between_readings(self):
        now = [10.0]
        meter = RateMeter(clock=lambda: now[0])
        assert meter.stale()
        first = meter.measure(Backbone({("g", "t"): 5}, {("g", "t"): 0}, {"t": 5}))
        assert first == ({("g", "t"): None}, {"t": None})  # nothing to measure against yet
        now[0] = 14.0
        consumed, published = meter.measure(
            Backbone({("g", "t"): 15, ("h", "t"): 1}, {("g", "t"): 3}, {"t": 19})
        )
        assert consumed == {("g", "t"): Decimal("2.5"), ("h", "t"): None}
        assert published == {"t": Decimal("3.5")}
        assert not meter.stale()
        now[0] = 14.0 + 301
        assert meter.stale()
        assert per_second(10, 4, 2.0) == Decimal("0.0")  # a reset group never goes negative


class TestNewPagesFigures:
    def test_the_deadline_state_of_an_open_case(self):
        wednesday = date(2026, 12, 2)
        assert deadline_state(date(2026, 12, 1), wednesday) is DeadlineState.OVERDUE
        assert deadline_state(wednesday, wednesday) is DeadlineState.DUE_THIS_WEEK
        assert deadline_state(date(2026, 12, 6), wednesday) is DeadlineState.DUE_THIS_WEEK
        assert deadline_state(date(2026, 12, 7), wednesday) is DeadlineState.LATER
        assert deadline_state(None, wednesday) is DeadlineState.UNKNOWN
        sunday = date(2026, 12, 6)
        assert deadline_state(date(2026, 12, 7), sunday) is DeadlineState.LATER

    def test_the_current_deadline_is_the_reply_once_notified(self):
        notify, reply = date(2026, 12, 1), date(2026, 12, 15)
        assert case_deadline(notify_due=notify, notified_on=None, reply_due=None) == notify
        assert (
            case_deadline(notify_due=notify, notified_on=date(2026, 11, 30), reply_due=reply)
            == reply
        )

    def test_an_open_question_counts_when_it_is_due_first(self):
        notify, reply = date(2026, 12, 1), date(2026, 12, 14)
        earlier, later = date(2026, 12, 3), date(2026, 12, 20)
        notified = {"notify_due": notify, "notified_on": date(2026, 11, 30), "reply_due": reply}
        assert case_deadline(**notified, question_due=earlier) == earlier
        assert case_deadline(**notified, question_due=later) == reply
        assert case_deadline(notify_due=None, notified_on=None, reply_due=None,
                             question_due=later) == later  # fmt: skip
        assert case_deadline(notify_due=None, notified_on=None, reply_due=None) is None

    def test_offer_age_bands(self):
        assert [offer_age_band(n) for n in (0, 2, 3, 5, 6, 7, 8, 40, -1)] == [
            0, 0, 1, 1, 2, 2, 3, 3, 0,
        ]  # fmt: skip
        assert offer_age_label(3) == "8 arbejdsdage eller mere"

    def test_grant_status_whatever_the_order(self):
        assert grant_status(
            submitted=False, rejected=False, prequalified=True, plan_approved=False,
            committed=True,
        ) is GrantStatus.COMMITTED  # fmt: skip
        assert grant_status(
            submitted=True, rejected=True, prequalified=False, plan_approved=False,
            committed=False,
        ) is GrantStatus.REJECTED  # fmt: skip
        assert GrantStatus.PLAN_APPROVED.label == "Helhedsplan godkendt"

    def test_the_assessment_and_the_sent_plan_have_their_own_status(self):
        facts = {
            "submitted": True, "rejected": False, "prequalified": False,
            "plan_approved": False, "committed": False,
        }  # fmt: skip
        assert grant_status(**facts) is GrantStatus.SUBMITTED
        assert grant_status(**facts, under_assessment=True) is GrantStatus.UNDER_ASSESSMENT
        # a later fact wins whatever order the events came in
        assert grant_status(
            **{**facts, "rejected": True}, under_assessment=True
        ) is GrantStatus.REJECTED  # fmt: skip
        done = {**facts, "prequalified": True, "plan_approved": True}
        assert grant_status(**done, under_assessment=True, plan_sent=True) is GrantStatus.PLAN_SENT
        assert grant_status(**{**facts, "prequalified": False}, plan_sent=True) is (
            GrantStatus.PLAN_SENT
        )
        assert grant_status(**{**done, "committed": True}, plan_sent=True) is (
            GrantStatus.COMMITTED
        )
        assert [s.label for s in GrantStatus] == [
            "Fremsendt", "Under behandling", "Afslag", "Prækvalificeret",
            "Helhedsplan godkendt", "Helhedsplan fremsendt", "Tilsagn givet",
        ]  # fmt: skip
        stop, resume = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 15, tzinfo=UTC)
        assert payments_stopped(stop, None)
        assert not payments_stopped(stop, resume)
        assert payments_stopped(resume, stop)


class TestPlatformGroups:
    def test_a_group_is_the_platforms_when_prefixed_and_named_for_a_service(self):
        assert {"register", "legal-cases", "dashboards", "notifications"} <= PLATFORM_SERVICES
        assert platform_group("staging.dashboards.read-model", "staging.")
        assert platform_group("staging.notifications", "staging.")
        assert platform_group("legal-cases.x", "")
        assert not platform_group("dashboards.read-model", "staging.")
        assert not platform_group("test.abc.dashboards.read-model", "")
        assert not platform_group("staging.dashboardsx", "staging.")
        assert not platform_group("console-consumer-42", "")


class TestRelayState:
    def test_the_relay_as_its_outbox_shows_it(self):
        assert relay_state(Decimal("0.0"), 0) == "Ajour"
        assert relay_state(Decimal("75.0"), 0) == "Ajour"  # the gauge of an emptied outbox
        assert relay_state(Decimal("2.5"), 14) == "Udgiver"
        assert relay_state(Decimal("60.0"), 1) == "Udgiver"
        assert relay_state(Decimal("60.1"), 1) == "Står stille eller er bagud"
