"""Specification of the generated AsyncAPI 3.0 document (common.events.asyncapi)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from common.events.asyncapi import document, write_document
from common.events.contracts import CATALOGUE, Contract, to_envelope, topics

REPO_ROOT = Path(__file__).resolve().parents[4]
COMMITTED = REPO_ROOT / "docs" / "events" / "asyncapi.json"
# The official AsyncAPI 3.0.0 JSON schema (draft-07), see README.md in this directory.
ASYNCAPI_SCHEMA = json.loads(
    (Path(__file__).parent / "asyncapi-3.0.0.schema.json").read_text(encoding="utf-8")
)
DOCUMENT_URI = "urn:housing:asyncapi"

contract_params = pytest.mark.parametrize("contract", CATALOGUE, ids=lambda c: c.__name__)


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return document()


def _asyncapi_errors(candidate: dict[str, Any]) -> list[str]:
    validator = Draft7Validator(ASYNCAPI_SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER)
    return [
        f"{error.json_path}: {error.message[:200]}" for error in validator.iter_errors(candidate)
    ]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve_pointer(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} points outside the document"
    node: Any = doc
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if not (isinstance(node, dict) and token in node):
            pytest.fail(f"{ref} does not resolve inside the document")
        node = node[token]
    return node


def _validator_for(doc: dict[str, Any], pointer: str) -> Draft7Validator:
    """A validator of the schema at ``pointer`` inside the document, its refs resolved."""
    registry: Registry[Any] = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(doc, default_specification=DRAFT7)
    )
    return Draft7Validator(
        {"$ref": f"{DOCUMENT_URI}{pointer}"},
        registry=registry,
        format_checker=Draft7Validator.FORMAT_CHECKER,
    )


class TestValidity:
    def test_the_document_is_valid_asyncapi_3(self, doc: dict[str, Any]) -> None:
        assert doc["asyncapi"] == "3.0.0"
        assert _asyncapi_errors(doc) == []

    def test_the_vendored_schema_is_the_asyncapi_3_0_0_schema(self) -> None:
        Draft7Validator.check_schema(ASYNCAPI_SCHEMA)
        assert ASYNCAPI_SCHEMA["properties"]["asyncapi"]["const"] == "3.0.0"

    def test_the_validation_rejects_an_invalid_document(self, doc: dict[str, Any]) -> None:
        without_info = {k: v for k, v in doc.items() if k != "info"}
        assert any("'info' is a required property" in e for e in _asyncapi_errors(without_info))
        bad_action = copy.deepcopy(doc)
        bad_action["operations"]["register.send.LeaseCreatedV1"]["action"] = "publish"
        assert _asyncapi_errors(bad_action) != []
        bad_payload = copy.deepcopy(doc)
        bad_payload["components"]["schemas"]["LeaseCreatedV1"]["type"] = "lease"
        assert _asyncapi_errors(bad_payload) != []

    def test_the_document_is_self_contained(self, doc: dict[str, Any]) -> None:
        refs = sorted(set(_refs(doc)))
        assert refs, "the document is expected to use references"
        for ref in refs:
            _resolve_pointer(doc, ref)
        assert "$defs" not in json.dumps(doc)

    def test_info_describes_cloudevents_binary_mode_over_kafka(self, doc: dict[str, Any]) -> None:
        assert doc["info"]["title"] == "Housing platform events"
        assert doc["info"]["version"]
        description = doc["info"]["description"]
        assert "CloudEvents" in description
        assert "binary content" in description
        assert "Kafka" in description
        assert doc["defaultContentType"] == "application/json"

    def test_the_kafka_server(self, doc: dict[str, Any]) -> None:
        assert doc["servers"]["kafka"]["host"] == "localhost:9092"
        assert doc["servers"]["kafka"]["protocol"] == "kafka"


class TestCatalogueCoverage:
    def test_every_topic_is_a_channel(self, doc: dict[str, Any]) -> None:
        for topic in topics():
            assert doc["channels"][topic]["address"] == topic

    def test_every_topic_has_a_dead_letter_channel(self, doc: dict[str, Any]) -> None:
        for topic in topics():
            assert doc["channels"][f"{topic}.dlq"]["address"] == f"{topic}.dlq"
        assert len(doc["channels"]) == 2 * len(topics())

    @contract_params
    def test_every_contract_is_a_message_on_its_topic(
        self, doc: dict[str, Any], contract: type[Contract]
    ) -> None:
        name = contract.__name__
        message = doc["components"]["messages"][name]
        assert message["name"] == name
        assert message["title"]
        assert message["summary"] == contract.summary
        assert message["contentType"] == "application/json"
        on_channel = doc["channels"][contract.topic]["messages"][name]
        assert on_channel == {"$ref": f"#/components/messages/{name}"}
        dead = doc["channels"][f"{contract.topic}.dlq"]["messages"][f"{name}DeadLetter"]
        assert _resolve_pointer(doc, dead["$ref"])["payload"] == message["payload"]

    @contract_params
    def test_the_producer_has_a_send_operation(
        self, doc: dict[str, Any], contract: type[Contract]
    ) -> None:
        name = contract.__name__
        operation = doc["operations"][f"{contract.producer}.send.{name}"]
        assert operation["action"] == "send"
        assert operation["channel"] == {"$ref": f"#/channels/{contract.topic}"}
        assert operation["messages"] == [{"$ref": f"#/channels/{contract.topic}/messages/{name}"}]

    @contract_params
    def test_each_consumer_has_a_receive_operation(
        self, doc: dict[str, Any], contract: type[Contract]
    ) -> None:
        name = contract.__name__
        for consumer in contract.consumers:
            operation = doc["operations"][f"{consumer}.receive.{name}"]
            assert operation["action"] == "receive"
            assert operation["channel"] == {"$ref": f"#/channels/{contract.topic}"}
            assert operation["messages"] == [
                {"$ref": f"#/channels/{contract.topic}/messages/{name}"}
            ]

    def test_no_operation_for_a_service_that_neither_produces_nor_consumes(
        self, doc: dict[str, Any]
    ) -> None:
        receivers = {op.split(".")[0] for op in doc["operations"] if ".receive." in op}
        assert receivers == {c for contract in CATALOGUE for c in contract.consumers}

    def test_operation_messages_belong_to_the_operation_channel(self, doc: dict[str, Any]) -> None:
        for operation_id, operation in doc["operations"].items():
            channel = operation["channel"]["$ref"]
            for message in operation["messages"]:
                assert message["$ref"].startswith(f"{channel}/messages/"), operation_id


class TestMessages:
    @contract_params
    def test_headers_pin_the_event_type_and_schema_version(
        self, doc: dict[str, Any], contract: type[Contract]
    ) -> None:
        headers = doc["components"]["messages"][contract.__name__]["headers"]
        assert headers["properties"]["ce_type"]["const"] == contract.event_type
        assert headers["properties"]["ce_schemaversion"]["const"] == str(contract.schema_version)
        assert headers["properties"]["ce_source"]["const"] == f"/housing/{contract.producer}"
        assert set(headers["properties"]) >= {
            "ce_id",
            "ce_source",
            "ce_type",
            "ce_subject",
            "ce_time",
            "ce_specversion",
            "ce_schemaversion",
            "ce_correlationid",
            "ce_causationid",
        }

    @contract_params
    def test_the_kafka_key_is_a_string(self, doc: dict[str, Any], contract: type[Contract]) -> None:
        binding = doc["components"]["messages"][contract.__name__]["bindings"]["kafka"]
        assert binding["key"]["type"] == "string"

    @contract_params
    def test_a_real_event_matches_its_message(
        self, doc: dict[str, Any], contract: type[Contract]
    ) -> None:
        """The headers and value the envelope puts on Kafka validate against the document."""
        envelope = to_envelope(contract.example(), correlation_id="req-1", causation_id="evt-0")
        headers = {name: value.decode() for name, value in envelope.kafka_headers()}
        value = json.loads(envelope.kafka_value())
        message = f"/components/messages/{contract.__name__}"
        header_errors = _validator_for(doc, f"#{message}/headers").iter_errors(headers)
        assert [e.message for e in header_errors] == []
        payload_errors = _validator_for(doc, f"#{message}/payload").iter_errors(value)
        assert [e.message for e in payload_errors] == []

    def test_a_wrong_event_does_not_match(self, doc: dict[str, Any]) -> None:
        envelope = to_envelope(CATALOGUE[0].example())
        value = {**json.loads(envelope.kafka_value()), "monthly_rent": 5875.5}
        pointer = f"#/components/messages/{CATALOGUE[0].__name__}/payload"
        assert list(_validator_for(doc, pointer).iter_errors(value)) != []

    @contract_params
    def test_the_example_matches_its_message(
        self, doc: dict[str, Any], contract: type[Contract]
    ) -> None:
        message = doc["components"]["messages"][contract.__name__]
        [example] = message["examples"]
        pointer = f"#/components/messages/{contract.__name__}"
        assert list(_validator_for(doc, f"{pointer}/headers").iter_errors(example["headers"])) == []
        assert list(_validator_for(doc, f"{pointer}/payload").iter_errors(example["payload"])) == []


class TestCommittedDocument:
    def test_the_committed_document_is_up_to_date(self) -> None:
        committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
        assert committed == document(), (
            f"{COMMITTED.relative_to(REPO_ROOT)} is stale: run "
            "`.venv/bin/housing events asyncapi` and commit the result"
        )

    @contract_params
    def test_the_events_readme_lists_every_contract(self, contract: type[Contract]) -> None:
        readme = (REPO_ROOT / "docs" / "events" / "README.md").read_text(encoding="utf-8")
        for fact in (contract.topic, contract.event_type, contract.__name__):
            assert f"`{fact}`" in readme, f"docs/events/README.md does not mention {fact}"

    def test_the_document_is_deterministic(self) -> None:
        assert document() == document()

    def test_write_document_writes_sorted_pretty_json(self, tmp_path: Path) -> None:
        path = write_document(tmp_path / "docs" / "asyncapi.json")
        text = path.read_text(encoding="utf-8")
        assert json.loads(text) == document()
        assert text.endswith("}\n")
        assert text == json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
