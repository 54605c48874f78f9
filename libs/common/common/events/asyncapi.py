"""The AsyncAPI 3.0 document of the platform's events, generated from the contract catalogue.

``housing events asyncapi --output docs/events/asyncapi.json`` writes it
(:func:`write_document`); a unit test fails when the committed file differs from
:func:`document`, so the document cannot go stale.

Layout:

* one channel per topic (``address`` = the topic name, channel id = the topic name) holding the
  messages of the contracts published on it, and one per dead-letter topic ``<topic>.dlq``;
* ``components.messages``: per contract ``<Class>`` (e.g. ``LeaseCreatedV1``) with the
  ``ce_*`` header schema, the payload, the Kafka key binding and an example, and
  ``<Class>DeadLetter`` as found on the dead-letter topic;
* ``components.schemas``: every payload schema (``<Class>``) and the definitions it uses, so
  the document is self-contained (no ``$defs``, every ``$ref`` points into the document);
* operations ``<producer>.send.<Class>``, ``<consumer>.receive.<Class>`` per consumer, and
  ``<consumer>.send.<Class>DeadLetter`` for the dead-letter topic.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from common.events.consumer import dead_letter_topic
from common.events.contracts import CATALOGUE, Contract, contracts_on, to_envelope, topics
from common.events.envelope import JSON_CONTENT_TYPE, SPEC_VERSION

__all__ = ["ASYNCAPI_VERSION", "DOCUMENT_VERSION", "document", "write_document"]

ASYNCAPI_VERSION: Final = "3.0.0"
DOCUMENT_VERSION: Final = "1.0.0"
"""Version of this API description: raise the minor version for an additive change (a new
contract or optional field) and the major version when a contract version is retired."""

KAFKA_BINDING_VERSION: Final = "0.5.0"
SERVER_ID: Final = "kafka"
DEAD_LETTER_SUFFIX: Final = "DeadLetter"
_EXAMPLE_EVENT_ID: Final = uuid.UUID("3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b")
_EXAMPLE_TIME: Final = datetime(2026, 1, 1, tzinfo=UTC)
_EXAMPLE_CORRELATION_ID: Final = "req-5c0e6a1f"

DESCRIPTION: Final = f"""\
Domain events of the Danish social-housing administration platform.

Every event is a [CloudEvents {SPEC_VERSION}](https://cloudevents.io) event in **binary content
mode** over Kafka: the CloudEvents attributes travel as `ce_*` Kafka headers (`ce_id`,
`ce_source`, `ce_type`, `ce_subject`, `ce_time`, `ce_specversion`, plus the extensions
`ce_schemaversion`, `ce_correlationid`, `ce_causationid`), `content-type` is
`{JSON_CONTENT_TYPE}`, and the Kafka value is the event's data, the payload described here.
The Kafka key is the aggregate id (`ce_subject`), so events of one aggregate stay in order.

Producers write events to a transactional outbox and a relay publishes them (at least once);
consumers apply each event exactly once through an inbox. An event whose handler keeps failing
is copied, with `dlq_*` headers, to the dead-letter topic `<topic>.dlq` and recorded for
`housing events redrive`.

Topics are named `<producer>.<aggregate>.v<major>`, event types
`<producer>.<aggregate>.<past-tense verb>`. Contracts change additively only (new optional
fields); anything else is a new contract version on a new topic, published alongside the old
one until every consumer has moved. Payloads carry ids, never personal data."""


def document() -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document (a fresh dict each call)."""
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for contract in CATALOGUE:
        name = contract.__name__
        _add_schema(schemas, name, _hoist(contract.payload_schema(), schemas, owner=name))
        payload_ref = {"$ref": f"#/components/schemas/{name}"}
        messages[name] = _message(contract, payload_ref)
        messages[name + DEAD_LETTER_SUFFIX] = _dead_letter_message(contract, payload_ref)

    channels: dict[str, Any] = {}
    for topic in topics():
        on_topic = contracts_on(topic)
        channels[topic] = _channel(topic, on_topic, dead_letter=False)
        channels[dead_letter_topic(topic)] = _channel(topic, on_topic, dead_letter=True)

    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Housing platform events",
            "version": DOCUMENT_VERSION,
            "description": DESCRIPTION,
        },
        "defaultContentType": JSON_CONTENT_TYPE,
        "servers": {
            SERVER_ID: {
                "host": "localhost:9092",
                "protocol": "kafka",
                "description": (
                    "The development broker. Deployed services take their brokers from "
                    "HOUSING_KAFKA_BOOTSTRAP_SERVERS."
                ),
            }
        },
        "channels": channels,
        "operations": _operations(),
        "components": {"schemas": schemas, "messages": messages},
    }


def write_document(path: str | Path) -> Path:
    """Write :func:`document` to ``path`` as pretty JSON (sorted keys, trailing newline)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    target.write_text(text, encoding="utf-8")
    return target


# --- schemas -----------------------------------------------------------------------------------


def _add_schema(schemas: dict[str, Any], name: str, schema: dict[str, Any]) -> str:
    """Store ``schema`` under ``name``; raise on a clash with a different schema."""
    if name in schemas and schemas[name] != schema:
        raise ValueError(f"two different schemas are both called {name!r}")
    schemas[name] = schema
    return name


def _hoist(schema: dict[str, Any], schemas: dict[str, Any], *, owner: str) -> dict[str, Any]:
    """``schema`` without its ``$defs``: they move to ``components.schemas`` and every
    ``#/$defs/X`` becomes ``#/components/schemas/X`` (``<owner>.X`` when another contract
    already uses the name ``X`` for a different schema)."""
    schema = copy.deepcopy(schema)
    definitions: dict[str, Any] = schema.pop("$defs", {})
    names: dict[str, str] = {}
    for name, definition in definitions.items():
        names[name] = name if schemas.get(name, definition) == definition else f"{owner}.{name}"

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                node = {
                    **node,
                    "$ref": f"#/components/schemas/{names[ref.removeprefix('#/$defs/')]}",
                }
            return {key: rewrite(value) for key, value in node.items()}
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        return node

    for name, definition in definitions.items():
        _add_schema(schemas, names[name], rewrite(definition))
    result: dict[str, Any] = rewrite(schema)
    return result


# --- messages ----------------------------------------------------------------------------------


def _title(contract: type[Contract]) -> str:
    _, aggregate, verb = contract.event_type.replace("_", " ").split(".", 2)
    return f"{aggregate.capitalize()} {verb} (v{contract.schema_version})"


def _headers(contract: type[Contract]) -> dict[str, Any]:
    """JSON schema of the Kafka headers of ``contract``'s events (CloudEvents binary mode)."""
    properties: dict[str, Any] = {
        "ce_specversion": {
            "type": "string",
            "const": SPEC_VERSION,
            "description": "CloudEvents specification version.",
        },
        "ce_id": {
            "type": "string",
            "format": "uuid",
            "description": "Event id, unique per event; consumers deduplicate on it.",
        },
        "ce_source": {
            "type": "string",
            "const": contract.source(),
            "description": "The producing service.",
        },
        "ce_type": {"type": "string", "const": contract.event_type, "description": "Event type."},
        "ce_subject": {
            "type": "string",
            "description": f"The aggregate id ({contract.aggregate_field}); equals the Kafka key.",
        },
        "ce_time": {
            "type": "string",
            "format": "date-time",
            "description": "When the event occurred (RFC 3339).",
        },
        "ce_schemaversion": {
            "type": "string",
            "const": str(contract.schema_version),
            "description": "Schema version of the payload (CloudEvents extension).",
        },
        "ce_correlationid": {
            "type": "string",
            "description": "The request or job that started the chain of events (extension).",
        },
        "ce_causationid": {
            "type": "string",
            "description": "The id of the event that caused this one, if any (extension).",
        },
        "content-type": {
            "type": "string",
            "const": JSON_CONTENT_TYPE,
            "description": "Content type of the Kafka value (CloudEvents datacontenttype).",
        },
    }
    return {
        "type": "object",
        "properties": properties,
        "required": [
            "ce_specversion",
            "ce_id",
            "ce_source",
            "ce_type",
            "ce_subject",
            "ce_time",
            "ce_schemaversion",
            "content-type",
        ],
    }


def _dead_letter_headers(contract: type[Contract]) -> dict[str, Any]:
    headers = _headers(contract)
    headers["properties"] = {
        **headers["properties"],
        "dlq_error": {"type": "string", "description": "The last error, at most 4000 characters."},
        "dlq_consumer": {
            "type": "string",
            "description": "The consumer (Kafka consumer group) that gave up on the event.",
        },
        "dlq_original_partition": {
            "type": "string",
            "pattern": r"^\d+$",
            "description": "Partition of the original record.",
        },
        "dlq_original_offset": {
            "type": "string",
            "pattern": r"^\d+$",
            "description": "Offset of the original record.",
        },
    }
    # A record that was not even a CloudEvent is dead-lettered too, so only dlq_* is certain.
    headers["required"] = [
        "dlq_error",
        "dlq_consumer",
        "dlq_original_partition",
        "dlq_original_offset",
    ]
    return headers


def _kafka_binding(contract: type[Contract]) -> dict[str, Any]:
    return {
        "kafka": {
            "key": {
                "type": "string",
                "description": f"The aggregate id ({contract.aggregate_field}), as in ce_subject.",
            },
            "bindingVersion": KAFKA_BINDING_VERSION,
        }
    }


def _example(contract: type[Contract]) -> dict[str, Any]:
    """The headers and value of the contract's example event, as they appear on Kafka."""
    example = contract.example()
    occurred = next(
        (v for v in vars(example).values() if isinstance(v, datetime) and v.tzinfo),
        _EXAMPLE_TIME,
    )
    envelope = to_envelope(example, correlation_id=_EXAMPLE_CORRELATION_ID).caused(
        id=_EXAMPLE_EVENT_ID, time=occurred
    )
    headers = {name: value.decode() for name, value in envelope.kafka_headers()}
    return {"name": "example", "headers": headers, "payload": example.model_dump(mode="json")}


def _message(contract: type[Contract], payload: dict[str, Any]) -> dict[str, Any]:
    consumers = ", ".join(contract.consumers)
    return {
        "name": contract.__name__,
        "title": _title(contract),
        "summary": contract.summary,
        "description": (
            f"Event type `{contract.event_type}`, schema version {contract.schema_version}, "
            f"on topic `{contract.topic}`. Produced by {contract.producer}; consumed by "
            f"{consumers}. Kafka key: `{contract.aggregate_field}`."
        ),
        "contentType": JSON_CONTENT_TYPE,
        "headers": _headers(contract),
        "payload": payload,
        "correlationId": {
            "description": "Correlates the events of one request or job.",
            "location": "$message.header#/ce_correlationid",
        },
        "bindings": _kafka_binding(contract),
        "examples": [_example(contract)],
    }


def _dead_letter_message(contract: type[Contract], payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": contract.__name__ + DEAD_LETTER_SUFFIX,
        "title": f"{_title(contract)}, dead-lettered",
        "summary": f"A {contract.event_type} event a consumer could not apply.",
        "description": (
            f"The original record from `{contract.topic}` (same key, value and headers) "
            "with `dlq_*` headers added. A record that was not a valid CloudEvent at all is "
            "dead-lettered as it was, so its value may not match the payload schema."
        ),
        "contentType": JSON_CONTENT_TYPE,
        "headers": _dead_letter_headers(contract),
        "payload": payload,
        "bindings": _kafka_binding(contract),
    }


# --- channels and operations -------------------------------------------------------------------


def _channel(
    topic: str, contracts: tuple[type[Contract], ...], *, dead_letter: bool
) -> dict[str, Any]:
    suffix = DEAD_LETTER_SUFFIX if dead_letter else ""
    names = [c.__name__ + suffix for c in contracts]
    types = ", ".join(f"`{c.event_type}` v{c.schema_version}" for c in contracts)
    if dead_letter:
        address = dead_letter_topic(topic)
        description = f"Dead letters of `{topic}`: events a consumer gave up on ({types})."
    else:
        address = topic
        description = f"Published by {contracts[0].producer}: {types}. Key: the aggregate id."
    return {
        "address": address,
        "title": address,
        "description": description,
        "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in names},
        "servers": [{"$ref": f"#/servers/{SERVER_ID}"}],
    }


def _operation(
    action: str, channel: str, message: str, *, service: str, summary: str
) -> dict[str, Any]:
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [{"$ref": f"#/channels/{channel}/messages/{message}"}],
        "summary": summary,
        "tags": [{"name": service}],
    }


def _operations() -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for contract in CATALOGUE:
        name = contract.__name__
        dead_letters = dead_letter_topic(contract.topic)
        operations[f"{contract.producer}.send.{name}"] = _operation(
            "send",
            contract.topic,
            name,
            service=contract.producer,
            summary=f"{contract.producer} publishes {contract.event_type} (via its outbox).",
        )
        for consumer in contract.consumers:
            operations[f"{consumer}.receive.{name}"] = _operation(
                "receive",
                contract.topic,
                name,
                service=consumer,
                summary=f"{consumer} consumes {contract.event_type}.",
            )
            operations[f"{consumer}.send.{name}{DEAD_LETTER_SUFFIX}"] = _operation(
                "send",
                dead_letters,
                name + DEAD_LETTER_SUFFIX,
                service=consumer,
                summary=f"{consumer} dead-letters a {contract.event_type} it cannot apply.",
            )
    return operations
