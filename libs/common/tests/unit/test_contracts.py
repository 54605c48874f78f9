"""Specification of the event contract catalogue and its compatibility check
(common.events.contracts, common.events.compatibility)."""

from __future__ import annotations

import copy
import importlib
import inspect
import json
import pkgutil
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel, Field, ValidationError

from common.events import contracts as contracts_module
from common.events.compatibility import (
    SNAPSHOT_COMMAND,
    BreakingChangeError,
    breaking_changes,
    load_snapshot,
    missing_from_lock,
    snapshot,
    write_snapshot,
)
from common.events.contracts import (
    CATALOGUE,
    ApplicationPrequalifiedV1,
    Contract,
    DwellingVacancyChangedV1,
    LeaseCreatedV1,
    LeaseTerminatedV1,
    LeaseUpdatedV1,
    PackageSentV1,
    UnknownContractError,
    contract_for,
    contracts_on,
    from_envelope,
    to_envelope,
    topics,
)
from common.events.envelope import Envelope

REPO_ROOT = Path(__file__).resolve().parents[4]
LOCK = REPO_ROOT / "docs" / "events" / "contracts.lock.json"
PLATFORM_SERVICES = frozenset(
    {
        "register",
        "grants",
        "governance",
        "allocation",
        "legal-cases",
        "benchmarks",
        "notifications",
        "dashboards",
    }
)
PERSONAL_DATA_HINTS = ("cpr", "name", "email", "e_mail", "phone", "address")
# Fields a hint matches that are not personal data, each with the reason.
NOT_PERSONAL = {
    # A housing organisation's name is public (a legal person's name in the CVR register).
    ("OrganisationUpsertedV1", "name"),
}
TOPIC_PATTERN = re.compile(r"^(?P<producer>[a-z][a-z-]*)\.(?P<aggregate>[a-z_]+)\.v(?P<major>\d+)$")


def _property_names(schema: Any) -> Iterator[str]:
    """Every property name anywhere in a JSON schema, including inside ``$defs``."""
    if isinstance(schema, dict):
        yield from schema.get("properties", {})
        for value in schema.values():
            yield from _property_names(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _property_names(item)


def _contract_modules() -> list[ModuleType]:
    """The package and every module in it (base, catalogue, one per producer)."""
    return [contracts_module] + [
        importlib.import_module(f"{contracts_module.__name__}.{info.name}")
        for info in pkgutil.iter_modules(contracts_module.__path__)
    ]


def _lease(**changes: Any) -> dict[str, Any]:
    return {**LeaseCreatedV1.example().model_dump(mode="json"), **changes}


contract_params = pytest.mark.parametrize("contract", CATALOGUE, ids=lambda c: c.__name__)


class TestCatalogue:
    def test_event_type_and_version_identify_one_contract(self) -> None:
        identities = [(c.event_type, c.schema_version) for c in CATALOGUE]
        assert len(identities) == len(set(identities))

    def test_every_contract_class_of_the_package_is_catalogued(self) -> None:
        defined = {
            value
            for module in _contract_modules()
            for value in vars(module).values()
            if inspect.isclass(value) and issubclass(value, Contract) and value is not Contract
        }
        assert defined == set(CATALOGUE)

    def test_the_package_exports_every_catalogued_contract(self) -> None:
        assert {getattr(contracts_module, c.__name__) for c in CATALOGUE} == set(CATALOGUE)

    @contract_params
    def test_a_contract_lives_in_the_module_of_its_producer(self, contract: type[Contract]) -> None:
        module = contract.producer.replace("-", "_")  # legal-cases → legal_cases
        assert contract.__module__ == f"{contracts_module.__name__}.{module}"

    @contract_params
    def test_topic_is_named_producer_aggregate_major_version(
        self, contract: type[Contract]
    ) -> None:
        match = TOPIC_PATTERN.match(contract.topic)
        assert match, f"{contract.topic} is not <producer>.<aggregate>.v<N>"
        assert match["producer"] == contract.producer
        assert int(match["major"]) == contract.schema_version

    @contract_params
    def test_event_type_is_producer_aggregate_verb(self, contract: type[Contract]) -> None:
        match = TOPIC_PATTERN.match(contract.topic)
        assert match
        producer, aggregate, verb = contract.event_type.split(".")
        # the event type names the producer as its package does (legal_cases.case.filed)
        assert (producer, aggregate) == (match["producer"].replace("-", "_"), match["aggregate"])
        assert re.fullmatch(r"[a-z_]+", verb)

    @contract_params
    def test_producer_and_consumers_are_platform_services(self, contract: type[Contract]) -> None:
        assert contract.producer in PLATFORM_SERVICES
        assert contract.consumers, f"{contract.__name__} has no consumer"
        assert set(contract.consumers) <= PLATFORM_SERVICES
        assert contract.producer not in contract.consumers
        assert len(set(contract.consumers)) == len(contract.consumers)

    @contract_params
    def test_no_field_suggests_personal_data(self, contract: type[Contract]) -> None:
        suspicious = [
            name
            for name in _property_names(contract.payload_schema())
            if any(hint in name.lower() for hint in PERSONAL_DATA_HINTS)
            and (contract.__name__, name) not in NOT_PERSONAL
        ]
        assert suspicious == []

    @contract_params
    def test_every_field_is_documented(self, contract: type[Contract]) -> None:
        undocumented = [n for n, f in contract.model_fields.items() if not f.description]
        assert undocumented == []
        assert contract.summary
        assert contract.__doc__

    @contract_params
    def test_aggregate_field_is_a_required_string(self, contract: type[Contract]) -> None:
        schema = contract.payload_schema()
        assert contract.aggregate_field in schema["required"]
        assert schema["properties"][contract.aggregate_field]["type"] == "string"

    def test_topics_are_sorted_and_unique(self) -> None:
        assert topics() == sorted({c.topic for c in CATALOGUE})
        assert topics() == [
            "allocation.agreement.v1",
            "allocation.frame.v1",
            "allocation.offer.v1",
            "allocation.subsidy.v1",
            "benchmarks.keyfigures.v1",
            "governance.accounts.v1",
            "governance.deadline.v1",
            "governance.package.v1",
            "governance.reminder.v1",
            "grants.application.v1",
            "grants.commitment.v1",
            "grants.payments.v1",
            "grants.plan.v1",
            "grants.report.v1",
            "legal-cases.case.v1",
            "legal-cases.owner.v1",
            "notifications.delivery.v1",
            "register.department.v1",
            "register.dwelling.v1",
            "register.lease.v1",
            "register.organisation.v1",
        ]

    def test_topics_of_a_consumer_are_the_topics_it_reads(self) -> None:
        assert topics(consumer="notifications") == [
            "allocation.agreement.v1",
            "allocation.offer.v1",
            "allocation.subsidy.v1",
            "governance.package.v1",
            "governance.reminder.v1",
            "grants.application.v1",
            "grants.commitment.v1",
            "grants.payments.v1",
            "grants.plan.v1",
            "grants.report.v1",
            "legal-cases.case.v1",
            "legal-cases.owner.v1",
            "register.organisation.v1",
        ]
        assert topics(consumer="governance") == [
            "benchmarks.keyfigures.v1",
            "notifications.delivery.v1",
            "register.department.v1",
            "register.organisation.v1",
        ]
        assert topics(consumer="benchmarks") == [
            "governance.accounts.v1",
            "register.department.v1",
            "register.dwelling.v1",
            "register.lease.v1",
        ]
        assert topics(consumer="grants") == [
            "benchmarks.keyfigures.v1",
            "register.department.v1",
            "register.organisation.v1",
        ]
        assert topics(consumer="allocation") == [
            "register.department.v1",
            "register.dwelling.v1",
            "register.lease.v1",
            "register.organisation.v1",
        ]

    def test_contracts_on_a_topic(self) -> None:
        assert contracts_on("register.lease.v1")[0] is LeaseCreatedV1
        assert {c.event_type for c in contracts_on("register.lease.v1")} == {
            "register.lease.created",
            "register.lease.updated",
            "register.lease.terminated",
            "register.lease.rent_changed",
        }
        assert contracts_on("nothing.here.v1") == ()

    def test_the_client_named_events_are_catalogued(self) -> None:
        assert contract_for("register.lease.created", 1) is LeaseCreatedV1
        assert contract_for("governance.package.sent", 1) is PackageSentV1
        assert contract_for("grants.application.prequalified", 1) is ApplicationPrequalifiedV1
        assert LeaseCreatedV1.consumers == ("allocation", "benchmarks", "dashboards")
        assert PackageSentV1.consumers == ("dashboards", "notifications")
        assert ApplicationPrequalifiedV1.consumers == ("notifications", "dashboards")


class TestContractDefinition:
    def test_a_contract_without_its_class_variables_is_refused(self) -> None:
        with pytest.raises(TypeError, match="must set"):

            class Incomplete(Contract):
                thing_id: str

    def test_an_aggregate_field_that_is_not_a_field_is_refused(self) -> None:
        with pytest.raises(TypeError, match="aggregate_field"):

            class Misnamed(Contract):
                event_type = "register.thing.happened"
                topic = "register.thing.v1"
                schema_version = 1
                producer = "register"
                consumers = ("benchmarks",)
                summary = "A thing happened."
                aggregate_field = "missing_id"

                thing_id: str


class TestPayloads:
    def test_money_travels_as_a_string_with_two_decimals(self) -> None:
        lease = LeaseCreatedV1.model_validate(_lease(monthly_rent="5875.5"))
        assert lease.monthly_rent == Decimal("5875.50")
        assert lease.model_dump(mode="json")["monthly_rent"] == "5875.50"

    def test_money_refuses_floats_and_negative_amounts(self) -> None:
        with pytest.raises(ValidationError, match="float"):
            LeaseCreatedV1.model_validate({**_lease(), "monthly_rent": 5875.5})
        with pytest.raises(ValidationError, match="greater than or equal to 0"):
            LeaseCreatedV1.model_validate(_lease(monthly_rent="-1.00"))

    def test_area_travels_as_a_string_with_two_decimals(self) -> None:
        assert LeaseCreatedV1.model_validate(_lease(area_m2="72")).model_dump(mode="json")[
            "area_m2"
        ] == ("72.00")

    def test_dates_and_timestamps_are_iso(self) -> None:
        data = LeaseCreatedV1.example().model_dump(mode="json")
        assert data["start_date"] == "2026-12-01"
        assert datetime.fromisoformat(data["recorded_at"]) == datetime(
            2026, 11, 24, 9, 30, tzinfo=UTC
        )

    def test_timestamps_must_carry_a_time_zone(self) -> None:
        with pytest.raises(ValidationError, match="timezone"):
            LeaseCreatedV1.model_validate(_lease(recorded_at="2026-11-24T09:30:00"))

    def test_municipality_code_is_three_digits(self) -> None:
        with pytest.raises(ValidationError, match="pattern"):
            LeaseCreatedV1.model_validate(_lease(municipality_code="1010"))

    @pytest.mark.parametrize(
        "contract",
        [LeaseCreatedV1, LeaseUpdatedV1, DwellingVacancyChangedV1],
        ids=lambda c: c.__name__,
    )
    def test_both_vacancy_flags_may_never_be_set(self, contract: type[Contract]) -> None:
        data = contract.example().model_dump(mode="json")
        with pytest.raises(ValidationError, match="never both be set"):
            contract.model_validate({**data, "vacancy_loss_flag": True, "vacant_soon_flag": True})

    @pytest.mark.parametrize(
        "contract", [LeaseCreatedV1, LeaseUpdatedV1, LeaseTerminatedV1], ids=lambda c: c.__name__
    )
    def test_a_lease_cannot_end_before_it_starts(self, contract: type[Contract]) -> None:
        data = contract.example().model_dump(mode="json")
        with pytest.raises(ValidationError, match="end_date must not be before start_date"):
            contract.model_validate({**data, "end_date": "2026-11-30"})

    @pytest.mark.parametrize("contract", [LeaseCreatedV1, LeaseUpdatedV1], ids=lambda c: c.__name__)
    @pytest.mark.parametrize(
        ("end_date", "rent_day", "valid"),
        [
            (None, "2026-12-01", True),
            (None, "2030-06-15", True),
            ("2027-03-31", "2027-03-31", True),
            (None, "2026-11-30", False),
            ("2027-03-31", "2027-04-01", False),
        ],
    )
    def test_the_rent_day_lies_within_the_lease_period(
        self, contract: type[Contract], end_date: str | None, rent_day: str, valid: bool
    ) -> None:
        data = {
            **contract.example().model_dump(mode="json"),
            "end_date": end_date,
            "rent_day": rent_day,
        }
        if valid:
            assert contract.model_validate(data).model_dump(mode="json")["rent_day"] == rent_day
        else:
            with pytest.raises(ValidationError, match="rent_day must lie within the lease period"):
                contract.model_validate(data)

    def test_unknown_fields_are_ignored_so_additive_changes_do_not_break_consumers(
        self,
    ) -> None:
        lease = LeaseCreatedV1.model_validate(_lease(energy_label="B"))
        assert lease == LeaseCreatedV1.example()

    def test_contracts_are_frozen(self) -> None:
        lease = LeaseCreatedV1.example()
        with pytest.raises(ValidationError, match="frozen"):
            lease.rooms = 4  # type: ignore[misc]

    def test_location_municipalities_are_normalised_sorted_and_unique(self) -> None:
        package = PackageSentV1.model_validate(
            {
                **PackageSentV1.example().model_dump(mode="json"),
                "location_municipality_codes": ["157", "101", "157"],
            }
        )
        assert package.location_municipality_codes == ["101", "157"]

    def test_a_prequalification_covers_at_least_one_department(self) -> None:
        data = ApplicationPrequalifiedV1.example().model_dump(mode="json")
        with pytest.raises(ValidationError, match="department_ids"):
            ApplicationPrequalifiedV1.model_validate({**data, "department_ids": []})

    def test_the_advance_is_optional(self) -> None:
        data = ApplicationPrequalifiedV1.example().model_dump(mode="json")
        del data["advance_amount"]
        assert ApplicationPrequalifiedV1.model_validate(data).advance_amount is None

    @contract_params
    def test_aggregate_id_is_the_aggregate_field(self, contract: type[Contract]) -> None:
        example = contract.example()
        assert example.aggregate_id == getattr(example, contract.aggregate_field)


class TestEnvelopes:
    def test_to_envelope_maps_the_contract_onto_cloudevents(self) -> None:
        lease = LeaseCreatedV1.example()
        envelope = to_envelope(lease, correlation_id="req-1", causation_id="evt-0")
        assert envelope.type == "register.lease.created"
        assert envelope.topic == "register.lease.v1"
        assert envelope.source == "/housing/register"
        assert envelope.subject == envelope.key == lease.lease_id
        assert envelope.schema_version == 1
        assert envelope.data == lease.model_dump(mode="json")
        assert (envelope.correlation_id, envelope.causation_id) == ("req-1", "evt-0")

    @contract_params
    def test_round_trip_through_kafka_headers_and_value(self, contract: type[Contract]) -> None:
        original = contract.example()
        sent = to_envelope(original, correlation_id="req-1")
        received = Envelope.from_kafka(sent.topic, sent.kafka_headers(), sent.kafka_value())
        assert received == sent
        assert from_envelope(received) == original
        assert contract.from_envelope(received) == original

    @contract_params
    def test_round_trip_through_the_outbox_form(self, contract: type[Contract]) -> None:
        original = contract.example()
        stored = json.loads(json.dumps(to_envelope(original).to_structured()))
        assert from_envelope(Envelope.from_structured(stored)) == original

    def test_an_unknown_event_type_is_refused_clearly(self) -> None:
        envelope = to_envelope(LeaseCreatedV1.example()).caused(type="register.lease.exploded")
        with pytest.raises(UnknownContractError, match=r"register\.lease\.exploded.*no such"):
            from_envelope(envelope)

    def test_an_unknown_schema_version_is_refused_clearly(self) -> None:
        envelope = to_envelope(LeaseCreatedV1.example()).caused(schema_version=7)
        with pytest.raises(UnknownContractError, match=r"version 7.*register\.lease\.created@v1"):
            from_envelope(envelope)

    def test_unknown_contract_error_is_a_value_error(self) -> None:
        assert issubclass(UnknownContractError, ValueError)

    def test_reading_another_contract_than_expected_is_refused(self) -> None:
        envelope = to_envelope(PackageSentV1.example())
        with pytest.raises(UnknownContractError, match="expected LeaseCreatedV1"):
            LeaseCreatedV1.from_envelope(envelope)

    def test_a_payload_that_does_not_match_is_refused(self) -> None:
        envelope = to_envelope(LeaseCreatedV1.example())
        broken = envelope.caused(data={**envelope.data, "rooms": "many"})
        with pytest.raises(ValidationError, match="rooms"):
            from_envelope(broken)


class TestPublishedContracts:
    """The committed lock against the live catalogue."""

    def test_every_catalogued_contract_is_in_the_lock(self) -> None:
        missing = missing_from_lock(load_snapshot(LOCK))
        assert not missing, (
            f"contracts not recorded in {LOCK.relative_to(REPO_ROOT)}: {', '.join(missing)}; "
            f"record them deliberately with `{SNAPSHOT_COMMAND}` (and regenerate the AsyncAPI "
            "document with `.venv/bin/housing events asyncapi`)"
        )

    def test_published_contracts_change_only_additively(self) -> None:
        changes = breaking_changes(load_snapshot(LOCK), snapshot())
        assert not changes, (
            "breaking changes to published contracts (add a new ...V2 contract instead):\n"
            + "\n".join(f"  - {change}" for change in changes)
        )

    def test_the_check_catches_a_regression_of_the_live_catalogue(self) -> None:
        lock = load_snapshot(LOCK)
        regressed = copy.deepcopy(snapshot())
        del regressed["register.lease.created@v1"]["properties"]["monthly_rent"]
        assert breaking_changes(lock, regressed) == [
            "register.lease.created@v1: 'monthly_rent' was removed"
        ]


# --- the checker itself ------------------------------------------------------------------------


class _Inner(BaseModel):
    code: str = Field(pattern=r"^\d{3}$")
    weight: int


class _Baseline(BaseModel):
    """A payload exercising every construct the checker walks."""

    thing_id: str = Field(max_length=64)
    day: date
    note: str | None = None
    kind: contracts_module.HousingType
    tags: list[str]
    inner: _Inner
    inners: list[_Inner]


@pytest.fixture
def old() -> dict[str, Any]:
    return _Baseline.model_json_schema(mode="serialization")


@pytest.fixture
def new(old: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(old)


class TestBreakingChanges:
    def test_an_unchanged_schema_has_no_breaking_changes(
        self, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        assert breaking_changes(old, new) == []

    def test_a_new_optional_property_is_fine(
        self, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        new["properties"]["colour"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
        assert breaking_changes(old, new) == []

    def test_documentation_changes_are_fine(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        new["description"] = "Reworded."
        new["properties"]["day"]["title"] = "Day of the thing"
        new["$defs"]["HousingType"]["description"] = "Reworded."
        assert breaking_changes(old, new) == []

    def test_a_widened_enum_is_fine(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        new["$defs"]["HousingType"]["enum"].append("student")
        assert breaking_changes(old, new) == []

    def test_a_removed_property_is_breaking(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        del new["properties"]["note"]
        assert breaking_changes(old, new) == ["'note' was removed"]

    def test_a_changed_type_is_breaking(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        new["properties"]["thing_id"]["type"] = "integer"
        assert breaking_changes(old, new) == ["'thing_id' changed type from string to integer"]

    def test_a_changed_format_is_breaking(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        new["properties"]["day"]["format"] = "date-time"
        assert breaking_changes(old, new) == [
            "'day' changed type from string (date) to string (date-time)"
        ]

    def test_a_property_that_became_nullable_is_breaking(
        self, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        day = new["properties"]["day"]
        new["properties"]["day"] = {"anyOf": [day, {"type": "null"}], "default": None}
        new["required"].remove("day")
        assert breaking_changes(old, new) == [
            "'day' changed type from string (date) to null or string (date)"
        ]

    def test_a_property_that_became_required_is_breaking(
        self, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        new["required"].append("note")
        assert breaking_changes(old, new) == ["'note' became required"]

    def test_a_new_required_property_is_breaking(
        self, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        new["properties"]["colour"] = {"type": "string"}
        new["required"].append("colour")
        assert breaking_changes(old, new) == [
            "'colour' was added as a required property (new properties must be optional)"
        ]

    def test_a_narrowed_enum_is_breaking(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        new["$defs"]["HousingType"]["enum"].remove("elderly")
        assert breaking_changes(old, new) == ["'kind' enum narrowed: no longer allows \"elderly\""]

    def test_restricting_a_free_value_to_an_enum_is_breaking(
        self, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        new["properties"]["thing_id"]["enum"] = ["a", "b"]
        assert breaking_changes(old, new) == ['\'thing_id\' is now restricted to "a", "b"']

    def test_a_change_inside_a_definition_is_found_through_refs(
        self, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        del new["$defs"]["_Inner"]["properties"]["weight"]
        assert breaking_changes(old, new) == [
            "'inner.weight' was removed",
            "'inners[].weight' was removed",
        ]

    def test_a_change_of_array_items_is_breaking(
        self, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        new["properties"]["tags"]["items"] = {"type": "integer"}
        assert breaking_changes(old, new) == ["'tags[]' changed type from string to integer"]

    def test_a_tightened_constraint_is_breaking(
        self, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        new["properties"]["thing_id"]["maxLength"] = 36
        new["$defs"]["_Inner"]["properties"]["code"]["pattern"] = r"^\d{4}$"
        assert breaking_changes(old, new) == [
            "'thing_id' maxLength tightened from 64 to 36",
            "'inner.code' pattern changed from '^\\\\d{3}$' to '^\\\\d{4}$'",
            "'inners[].code' pattern changed from '^\\\\d{3}$' to '^\\\\d{4}$'",
        ]

    def test_a_loosened_constraint_is_fine(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        new["properties"]["thing_id"]["maxLength"] = 128
        assert breaking_changes(old, new) == []

    def test_the_inputs_are_not_modified(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        del new["properties"]["note"]
        before = (copy.deepcopy(old), copy.deepcopy(new))
        breaking_changes(old, new)
        assert (old, new) == before

    def test_every_problem_is_reported_not_just_the_first(
        self, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        del new["properties"]["note"]
        new["properties"]["day"]["format"] = "date-time"
        new["$defs"]["HousingType"]["enum"].remove("youth")
        assert len(breaking_changes(old, new)) == 3


class TestSnapshotBreakingChanges:
    def test_a_removed_contract_is_breaking(self) -> None:
        old = snapshot()
        new = {k: v for k, v in old.items() if k != "governance.package.sent@v1"}
        [change] = breaking_changes(old, new)
        assert change.startswith("governance.package.sent@v1: contract removed")

    def test_a_new_contract_is_fine(self) -> None:
        new = snapshot()
        old = {k: v for k, v in new.items() if k != "governance.package.sent@v1"}
        assert breaking_changes(old, new) == []

    def test_changes_are_prefixed_with_the_contract(self) -> None:
        old = snapshot()
        new = copy.deepcopy(old)
        new["grants.application.prequalified@v1"]["required"].append("advance_amount")
        assert breaking_changes(old, new) == [
            "grants.application.prequalified@v1: 'advance_amount' became required"
        ]

    def test_an_empty_lock_accepts_the_whole_catalogue(self) -> None:
        assert breaking_changes({}, snapshot()) == []


class TestWriteSnapshot:
    def test_writes_the_catalogue_as_sorted_json(self, tmp_path: Path) -> None:
        path = write_snapshot(tmp_path / "events" / "lock.json")
        text = path.read_text(encoding="utf-8")
        assert json.loads(text) == snapshot()
        assert text.endswith("}\n")
        assert list(json.loads(text)) == sorted(snapshot())

    def test_refuses_to_record_a_breaking_change_unless_allowed(self, tmp_path: Path) -> None:
        path = tmp_path / "lock.json"
        lock = snapshot()
        lock["register.retired.thing@v1"] = {"type": "object"}
        path.write_text(json.dumps(lock), encoding="utf-8")
        with pytest.raises(BreakingChangeError, match=r"register\.retired\.thing@v1"):
            write_snapshot(path)
        assert "register.retired.thing@v1" in load_snapshot(path)
        write_snapshot(path, allow_breaking=True)
        assert load_snapshot(path) == snapshot()
