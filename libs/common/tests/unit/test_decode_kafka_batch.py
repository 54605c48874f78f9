import uuid
from datetime import UTC, datetime

from common.events.envelope import Envelope, decode_kafka_batch


def envelope(n: int, **changes) -> Envelope:
    values = {
        "type": "register.lease.created",
        "source": "/housing/register",
        "subject": f"lease-{n}",
        "topic": "register.lease.v1",
        "data": {"n": n, "rent": "1234.50", "nested": {"b": [1, 2.5, None], "a": "æøå"}},
        "time": datetime(2026, 11, 24, 9, 30, n, tzinfo=UTC),
    }
    return Envelope(**(values | changes))


def message(e: Envelope) -> tuple[str, list[tuple[str, bytes]], bytes]:
    return (e.topic, e.kafka_headers(), e.kafka_value())


class TestDecodeKafkaBatch:
    def test_it_decodes_what_from_kafka_decodes(self):
        envelopes = [
            envelope(1),
            envelope(2, correlation_id="req-7", causation_id=str(uuid.uuid4())),
            envelope(3, schema_version=2),
        ]
        messages = [message(e) for e in envelopes]
        assert decode_kafka_batch(messages) == [
            Envelope.from_kafka(topic, headers, value) for topic, headers, value in messages
        ]
        assert decode_kafka_batch(messages) == envelopes

    def test_a_malformed_message_is_named_and_the_others_still_decode(self):
        good = envelope(1)
        no_id = [(n, v) for n, v in good.kafka_headers() if n != "ce_id"]
        bad_uuid = [(n, b"not-a-uuid" if n == "ce_id" else v) for n, v in good.kafka_headers()]
        decoded = decode_kafka_batch(
            [
                ("t", good.kafka_headers(), b"not json"),
                message(good),
                ("t", no_id, good.kafka_value()),
                ("t", good.kafka_headers(), b""),
                ("t", bad_uuid, good.kafka_value()),
                ("t", [(n, b"\xff") for n, _ in good.kafka_headers()], good.kafka_value()),
            ]
        )
        assert decoded[1] == good
        assert decoded[2] == "malformed event: not a CloudEvents message: missing headers ce_id"
        for reason in (decoded[0], decoded[3], decoded[4], decoded[5]):
            assert isinstance(reason, str)
            assert reason.startswith("malformed event: ")

    def test_an_empty_batch(self):
        assert decode_kafka_batch([]) == []
