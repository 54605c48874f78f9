"""CloudEvents 1.0 envelopes and their Kafka mapping (binary content mode).

In the outbox an envelope is stored in CloudEvents' structured JSON form. On Kafka the
attributes travel as ``ce_*`` headers and the value is the ``data`` JSON, per the CloudEvents
Kafka protocol binding; the Kafka key is the aggregate id (``subject``), so order holds per
aggregate.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

import pydantic_core

SPEC_VERSION = "1.0"
JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class Envelope:
    type: str
    source: str
    subject: str
    topic: str
    data: dict[str, Any]
    schema_version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str | None = None
    causation_id: str | None = None

    @property
    def key(self) -> str:
        return self.subject

    def to_structured(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "specversion": SPEC_VERSION,
            "id": str(self.id),
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time.isoformat(),
            "datacontenttype": JSON_CONTENT_TYPE,
            "schemaversion": self.schema_version,
            "topic": self.topic,
            "data": self.data,
        }
        if self.correlation_id:
            body["correlationid"] = self.correlation_id
        if self.causation_id:
            body["causationid"] = self.causation_id
        return body

    @classmethod
    def from_structured(cls, body: dict[str, Any]) -> Envelope:
        return cls(
            id=uuid.UUID(body["id"]),
            type=body["type"],
            source=body["source"],
            subject=body["subject"],
            topic=body["topic"],
            time=datetime.fromisoformat(body["time"]),
            schema_version=int(body.get("schemaversion", 1)),
            correlation_id=body.get("correlationid"),
            causation_id=body.get("causationid"),
            data=body["data"],
        )

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        headers = [
            ("ce_specversion", SPEC_VERSION),
            ("ce_id", str(self.id)),
            ("ce_source", self.source),
            ("ce_type", self.type),
            ("ce_subject", self.subject),
            ("ce_time", self.time.isoformat()),
            ("ce_schemaversion", str(self.schema_version)),
            ("content-type", JSON_CONTENT_TYPE),
        ]
        if self.correlation_id:
            headers.append(("ce_correlationid", self.correlation_id))
        if self.causation_id:
            headers.append(("ce_causationid", self.causation_id))
        return [(name, value.encode()) for name, value in headers]

    def kafka_value(self) -> bytes:
        return json.dumps(self.data, separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_kafka(
        cls,
        topic: str,
        headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...],
        value: bytes,
    ) -> Envelope:
        attributes = {name: raw.decode() for name, raw in headers}
        missing = [
            a for a in ("ce_id", "ce_type", "ce_source", "ce_subject") if a not in attributes
        ]
        if missing:
            raise ValueError(f"not a CloudEvents message: missing headers {', '.join(missing)}")
        return cls(
            id=uuid.UUID(attributes["ce_id"]),
            type=attributes["ce_type"],
            source=attributes["ce_source"],
            subject=attributes["ce_subject"],
            topic=topic,
            time=datetime.fromisoformat(attributes.get("ce_time", datetime.now(UTC).isoformat())),
            schema_version=int(attributes.get("ce_schemaversion", "1")),
            correlation_id=attributes.get("ce_correlationid"),
            causation_id=attributes.get("ce_causationid"),
            data=json.loads(value),
        )

    def caused(self, **changes: Any) -> Envelope:
        return replace(self, **changes)


KafkaMessage = tuple[str, Sequence[tuple[str, bytes]], bytes]
"""(logical topic, headers, value) of one Kafka record."""


def decode_kafka_batch(messages: Sequence[KafkaMessage]) -> list[Envelope | str]:
    """Decode a fetched batch: each message's envelope, or why it is not one.

    The same result as :meth:`Envelope.from_kafka` per message (the same messages accepted,
    equal envelopes), several times cheaper: values are parsed by pydantic-core's JSON parser,
    the headers read without intermediate dictionaries of strings, the canonical form of the
    event id turned into a ``UUID`` without ``UUID.__init__``'s string handling, and the
    envelope filled in slot by slot instead of through the frozen dataclass's ``__init__``
    (``object.__setattr__`` per field). (Parsing the batch's values as one document
    ``[v1,v2,…]`` was measured no faster than a parser call per value, and a crafted value
    could shift the others' data in such a document, so each value is parsed on its own.)"""
    return [envelope for envelope, _ in decode_kafka_records(messages)]


def decode_kafka_records(
    messages: Sequence[KafkaMessage],
) -> list[tuple[Envelope, str] | tuple[str, None]]:
    """:func:`decode_kafka_batch`, each envelope with its id as text (the inbox claim and the
    log lines need the text, and formatting a ``UUID`` again costs as much as parsing it).
    A malformed message gives ``(reason, None)``."""
    decoded: list[tuple[Envelope, str] | tuple[str, None]] = []
    append = decoded.append
    from_json = pydantic_core.from_json
    for topic, headers, value in messages:
        try:
            append(_from_headers(topic, headers, from_json(value)))
        except (ValueError, KeyError, UnicodeDecodeError) as exc:
            append((f"malformed event: {exc}", None))
    return decoded


# Envelope's fields in declaration order: _from_headers fills exactly these slots. A field
# added to Envelope without being added here fails at import, not as an unset slot later.
_FIELDS = (
    "type",
    "source",
    "subject",
    "topic",
    "data",
    "schema_version",
    "id",
    "time",
    "correlation_id",
    "causation_id",
)
if tuple(f.name for f in fields(Envelope)) != _FIELDS:  # pragma: no cover - a guard
    raise RuntimeError("Envelope's fields changed: update envelope._FIELDS and _from_headers")
(
    _set_type,
    _set_source,
    _set_subject,
    _set_topic,
    _set_data,
    _set_schema_version,
    _set_id,
    _set_time,
    _set_correlation_id,
    _set_causation_id,
) = (Envelope.__dict__[name].__set__ for name in _FIELDS)
_new = object.__new__
_set_attribute = object.__setattr__
_SAFE_UNKNOWN = uuid.SafeUUID.unknown
_HYPHEN = ord("-")


def _event_id(raw: bytes) -> tuple[uuid.UUID, str]:
    """``uuid.UUID(raw.decode())`` and its ``str``. The canonical form (36 characters, lower-case
    hex, hyphens at 8, 13, 18 and 23: what the platform writes) is turned into the same
    ``UUID`` without ``UUID.__init__``'s replacements and checks, and is its own ``str``; any
    other form goes through ``UUID.__init__`` as before, so exactly the same ids are accepted
    and rejected."""
    if (
        len(raw) == 36
        and raw[8] == _HYPHEN
        and raw[13] == _HYPHEN
        and raw[18] == _HYPHEN
        and raw[23] == _HYPHEN
    ):
        compact = raw.replace(b"-", b"")
        # alphanumeric and lower-case (and 32 long: no other hyphen): int() below then takes
        # only lower-case hex digits — no sign, underscore or blank, which int() would allow
        if len(compact) == 32 and compact.isalnum() and compact.islower():
            try:
                number = int(compact, 16)
            except ValueError:
                pass  # a letter past f: UUID.__init__ raises the usual error
            else:
                value = _new(uuid.UUID)
                _set_attribute(value, "int", number)
                _set_attribute(value, "is_safe", _SAFE_UNKNOWN)
                return value, raw.decode()
    value = uuid.UUID(raw.decode())
    return value, str(value)


def _from_headers(
    topic: str, headers: Sequence[tuple[str, bytes]], data: Any
) -> tuple[Envelope, str]:
    ce_id = ce_type = ce_source = ce_subject = ce_time = None
    schema_version = 1
    correlation_id = causation_id = None
    for name, raw in headers:
        if name == "ce_id":
            ce_id = raw
        elif name == "ce_type":
            ce_type = raw
        elif name == "ce_source":
            ce_source = raw
        elif name == "ce_subject":
            ce_subject = raw
        elif name == "ce_time":
            ce_time = raw
        elif name == "ce_schemaversion":
            schema_version = int(raw)
        elif name == "ce_correlationid":
            correlation_id = raw.decode()
        elif name == "ce_causationid":
            causation_id = raw.decode()
    if ce_id is None or ce_type is None or ce_source is None or ce_subject is None:
        present = {"ce_id": ce_id, "ce_type": ce_type, "ce_source": ce_source}
        present["ce_subject"] = ce_subject
        missing = [name for name, value in present.items() if value is None]
        raise ValueError(f"not a CloudEvents message: missing headers {', '.join(missing)}")
    event_id, event_id_text = _event_id(ce_id)
    envelope = _new(Envelope)
    _set_type(envelope, ce_type.decode())
    _set_source(envelope, ce_source.decode())
    _set_subject(envelope, ce_subject.decode())
    _set_topic(envelope, topic)
    _set_data(envelope, data)
    _set_schema_version(envelope, schema_version)
    _set_id(envelope, event_id)
    _set_time(envelope, datetime.fromisoformat(ce_time.decode()) if ce_time else datetime.now(UTC))
    _set_correlation_id(envelope, correlation_id)
    _set_causation_id(envelope, causation_id)
    return envelope, event_id_text
