"""Which events a stored change of an accepted lease publishes (register.domain.lease_events)."""

from __future__ import annotations

from datetime import date

from register.domain.lease_events import LeaseEvent, PublishedLease, lease_events

END = date(2027, 6, 30)


def lease(
    end_date: date | None = None, *, vacancy_loss: bool = False, vacant_soon: bool = False
) -> PublishedLease:
    return PublishedLease(end_date, vacancy_loss, vacant_soon)


class TestFirstPublication:
    def test_a_lease_never_published_is_created(self) -> None:
        assert lease_events(None, lease(), changed=True) == [LeaseEvent.CREATED]

    def test_a_flagged_lease_is_created_and_its_vacancy_announced(self) -> None:
        assert lease_events(None, lease(vacancy_loss=True), changed=True) == [
            LeaseEvent.CREATED,
            LeaseEvent.VACANCY_CHANGED,
        ]

    def test_an_end_date_on_a_new_lease_is_no_termination(self) -> None:
        assert lease_events(None, lease(END, vacant_soon=True), changed=True) == [
            LeaseEvent.CREATED,
            LeaseEvent.VACANCY_CHANGED,
        ]


class TestLaterChanges:
    def test_a_changed_lease_is_updated(self) -> None:
        assert lease_events(lease(), lease(), changed=True) == [LeaseEvent.UPDATED]

    def test_a_change_of_its_expenses_alone_publishes_nothing_about_the_lease(self) -> None:
        assert lease_events(lease(), lease(), changed=False) == []

    def test_a_new_end_date_terminates_it(self) -> None:
        assert lease_events(lease(), lease(END), changed=True) == [
            LeaseEvent.UPDATED,
            LeaseEvent.TERMINATED,
        ]

    def test_a_moved_end_date_terminates_it_again(self) -> None:
        assert lease_events(lease(END), lease(date(2027, 3, 31)), changed=True) == [
            LeaseEvent.UPDATED,
            LeaseEvent.TERMINATED,
        ]

    def test_the_published_end_date_again_is_no_termination(self) -> None:
        assert lease_events(lease(END), lease(END), changed=True) == [LeaseEvent.UPDATED]

    def test_a_removed_end_date_is_no_termination(self) -> None:
        assert lease_events(lease(END), lease(), changed=True) == [LeaseEvent.UPDATED]

    def test_a_flag_set_or_cleared_changes_the_vacancy(self) -> None:
        assert lease_events(lease(), lease(vacant_soon=True), changed=True) == [
            LeaseEvent.UPDATED,
            LeaseEvent.VACANCY_CHANGED,
        ]
        assert lease_events(lease(vacancy_loss=True), lease(), changed=True) == [
            LeaseEvent.UPDATED,
            LeaseEvent.VACANCY_CHANGED,
        ]

    def test_termination_and_vacancy_come_after_the_update_in_that_order(self) -> None:
        assert lease_events(lease(), lease(END, vacant_soon=True), changed=True) == [
            LeaseEvent.UPDATED,
            LeaseEvent.TERMINATED,
            LeaseEvent.VACANCY_CHANGED,
        ]


class TestPublishedLeaseFromSnapshot:
    def test_it_reads_a_history_snapshot(self) -> None:
        snapshot = {
            "id": "lk-1",
            "end_date": "2027-06-30",
            "vacancy_loss_flag": False,
            "vacant_soon_flag": True,
            "status": "accepted",
        }
        assert PublishedLease.from_snapshot(snapshot) == lease(END, vacant_soon=True)

    def test_missing_values_are_an_open_lease_without_flags(self) -> None:
        assert PublishedLease.from_snapshot({"end_date": None}) == lease()
