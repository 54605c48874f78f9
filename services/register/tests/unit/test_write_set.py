"""Planning rows for a flush (register.db.writing.WriteSet): inserts, versioned updates, a new
record changed again in the same batch, and unchanged records left alone — no database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from register.db.models import HousingExpenseRow, OrganisationRow
from register.db.repositories import as_row
from register.db.writing import WriteSet
from register.domain.records import EntityType

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
EARLIER = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def organisation(**changes: Any) -> dict[str, Any]:
    values = {
        "id": "bo-1",
        "cvr": "10000009",
        "name": "Boligselskabet Nord",
        "home_municipality_code": "0101",
        "administered_by": None,
    }
    return {**values, **changes}


def stored_organisation(version: int = 3) -> OrganisationRow:
    return as_row(
        OrganisationRow,
        {**organisation(), "version": version, "created_at": EARLIER, "updated_at": EARLIER},
    )


class TestPut:
    def test_a_new_record_is_inserted_at_version_1_stamped_now(self) -> None:
        writes = WriteSet(NOW)

        row, changed = writes.put(OrganisationRow, None, organisation())

        assert changed
        assert (row.version, row.created_at, row.updated_at) == (1, NOW, NOW)
        assert list(writes.inserts[OrganisationRow].values()) == [row]
        assert writes.updates == {}

    def test_an_unchanged_record_is_left_alone(self) -> None:
        writes = WriteSet(NOW)
        stored = stored_organisation()

        row, changed = writes.put(OrganisationRow, stored, organisation())

        assert (row, changed) == (stored, False)
        assert (writes.inserts, writes.updates) == ({}, {})

    def test_a_change_is_an_update_from_the_version_read(self) -> None:
        writes = WriteSet(NOW)
        stored = stored_organisation(version=3)

        row, changed = writes.put(OrganisationRow, stored, organisation(name="Nord Bolig"))

        assert changed
        assert (row.name, row.version, row.created_at, row.updated_at) == (
            "Nord Bolig",
            4,
            EARLIER,
            NOW,
        )
        assert stored.name == "Boligselskabet Nord"  # planned states are new objects
        assert writes.updates[OrganisationRow] == {"bo-1": (row, 3)}

    def test_a_second_change_in_the_batch_still_expects_the_version_read(self) -> None:
        writes = WriteSet(NOW)
        first, _ = writes.put(OrganisationRow, stored_organisation(3), organisation(name="A"))

        second, _ = writes.put(OrganisationRow, first, organisation(name="B"))

        assert second.version == 5
        assert writes.updates[OrganisationRow] == {"bo-1": (second, 3)}

    def test_a_new_record_changed_again_is_inserted_in_its_final_state(self) -> None:
        writes = WriteSet(NOW)
        created, _ = writes.put(OrganisationRow, None, organisation(name="A"))

        final, changed = writes.put(OrganisationRow, created, organisation(name="B"))

        assert changed
        assert list(writes.inserts[OrganisationRow].values()) == [final]
        assert writes.final(created) is final
        assert writes.updates == {}

    def test_amounts_are_planned_as_postgresql_stores_them(self) -> None:
        writes = WriteSet(NOW)
        values = {
            "id": 7,
            "lease_id": "lk-1",
            "expense_type": "base_rent",
            "monthly_amount": Decimal("5000"),
            "valid_from": None,
            "valid_to": None,
        }
        stored = as_row(HousingExpenseRow, {**values, "monthly_amount": Decimal("5000.00")})
        stored.version = 1

        _, changed = writes.put(HousingExpenseRow, stored, values)

        assert not changed


class TestRecordVersion:
    def test_it_snapshots_the_planned_state_for_the_history(self) -> None:
        writes = WriteSet(NOW)
        row, _ = writes.put(OrganisationRow, None, organisation())

        data = writes.record_version(EntityType.ORGANISATION, row, "bo-1")

        assert data == {**organisation(), "version": 1}
        [version] = writes.versions
        assert (version.entity_type, version.version, version.organisation_id) == (
            EntityType.ORGANISATION,
            1,
            "bo-1",
        )
