"""Request ids made by the request-context middleware."""

import uuid

from common.observability import _new_request_id


def test_a_new_request_id_is_a_random_version_4_uuid_in_its_usual_text_form():
    ids = {_new_request_id() for _ in range(2000)}
    assert len(ids) == 2000
    for text in ids:
        parsed = uuid.UUID(text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text
