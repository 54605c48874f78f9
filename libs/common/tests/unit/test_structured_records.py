import uuid
from datetime import UTC, datetime

import pytest

from common.events.envelope import Envelope
from common.events.transport import _DATA_ENCODER, structured_kafka_headers


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"correlation_id": "req-1", "causation_id": str(uuid.uuid4()), "schema_version": 3},
        {"data": {"z": 1, "a": {"y": [1.5, None, "æ"], "b": "1234.50"}, "m": True}},
        {"time": datetime(2026, 11, 24, 9, 30, 0, 123456, tzinfo=UTC)},
    ],
)
def test_records_from_the_stored_form_are_byte_for_byte_send_batchs(changes):
    envelope = Envelope(
        **{
            "type": "register.lease.created",
            "source": "/housing/register",
            "subject": "lease-1",
            "topic": "register.lease.v1",
            "data": {"b": 2, "a": 1},
            **changes,
        }
    )
    stored = envelope.to_structured()
    assert structured_kafka_headers(stored) == envelope.kafka_headers()
    assert _DATA_ENCODER.encode(stored["data"]).encode() == envelope.kafka_value()
