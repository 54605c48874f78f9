import dataclasses
import pickle
import uuid
from datetime import UTC, datetime

import pytest

from common.events.envelope import Envelope, decode_kafka_batch, decode_kafka_records


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

    def test_event_ids_in_any_form_uuid_accepts_decode_to_the_same_uuid_and_text(self):
        good = envelope(1)
        event_id = uuid.UUID("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9")
        forms = [
            str(event_id),  # canonical: the fast path
            str(event_id).upper(),
            event_id.hex,
            f"{{{event_id}}}",
            f"urn:uuid:{event_id}",
            "01234567-8901-2345-6789-012345678901",  # digits only
        ]
        for form in forms:
            headers = [(n, form.encode() if n == "ce_id" else v) for n, v in good.kafka_headers()]
            ((decoded, text),) = decode_kafka_records([("t", headers, good.kafka_value())])
            expected = uuid.UUID(form)
            assert isinstance(decoded, Envelope)
            assert decoded.id == expected
            assert type(decoded.id) is uuid.UUID
            assert decoded.id.int == expected.int
            assert hash(decoded.id) == hash(expected)
            assert text == str(expected)
            assert decoded == Envelope.from_kafka("t", headers, good.kafka_value())

    def test_ids_uuid_rejects_are_malformed_on_the_fast_path_too(self):
        good = envelope(1)
        rejected = [
            "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8fg",  # a letter past f
            "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f",  # one digit short
            "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9a",  # one too many
            "",
        ]
        for form in rejected:
            headers = [(n, form.encode() if n == "ce_id" else v) for n, v in good.kafka_headers()]
            with pytest.raises(ValueError, match=r"badly formed|invalid literal"):
                uuid.UUID(form)
            ((reason, text),) = decode_kafka_records([("t", headers, good.kafka_value())])
            assert text is None
            assert isinstance(reason, str)
            assert reason.startswith("malformed event: ")

    def test_an_id_int_would_read_but_uuid_reads_differently_is_decoded_as_uuid_does(self):
        # int() allows an underscore between digits and blanks around: such text must not be
        # taken as canonical (its text would not be str(uuid)); UUID.__init__ decides
        good = envelope(1)
        for form in (
            "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8_9",
            " a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
        ):
            headers = [(n, form.encode() if n == "ce_id" else v) for n, v in good.kafka_headers()]
            ((decoded, text),) = decode_kafka_records([("t", headers, good.kafka_value())])
            try:
                expected = uuid.UUID(form)
            except ValueError:
                assert text is None
            else:
                assert isinstance(decoded, Envelope)
                assert decoded.id == expected
                assert text == str(expected)

    def test_records_give_each_envelope_with_its_id_text(self):
        envelopes = [envelope(1), envelope(2, correlation_id="req-7")]
        assert decode_kafka_records([message(e) for e in envelopes]) == [
            (e, str(e.id)) for e in envelopes
        ]
        assert decode_kafka_records([("t", [], b"{}")]) == [
            (
                "malformed event: not a CloudEvents message: missing headers "
                "ce_id, ce_type, ce_source, ce_subject",
                None,
            )
        ]

    def test_a_decoded_envelope_is_a_whole_envelope(self):
        original = envelope(3, correlation_id="req-1", causation_id="c-1", schema_version=2)
        (decoded,) = decode_kafka_batch([message(original)])
        assert isinstance(decoded, Envelope)
        assert dataclasses.replace(decoded) == original
        assert decoded.caused(topic="other") == dataclasses.replace(original, topic="other")
        assert decoded.to_structured() == original.to_structured()
        assert repr(decoded) == repr(Envelope.from_kafka(*message(original)))
        assert pickle.loads(pickle.dumps(decoded)) == original
        assert pickle.loads(pickle.dumps(decoded.id)) == original.id
        with pytest.raises(dataclasses.FrozenInstanceError):
            decoded.type = "x"  # type: ignore[misc]
