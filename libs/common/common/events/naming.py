"""Names on the broker: one prefix for every topic and consumer group of one platform.

Two platforms (two tenants, CI and a developer, staging and production) can share one Kafka
cluster when each has its own prefix (``HOUSING_KAFKA_PREFIX``, e.g. ``staging.``): the topics
``staging.register.lease.v1`` … and the groups ``staging.governance.register-master-data`` … are
then theirs alone. The default prefix is empty, so the names are the catalogue's as they are.

Everything else — envelopes, the outbox, the inboxes, dead letters, contracts — speaks the
*logical* names of the catalogue. The prefix is applied here only, at the transport boundary:
the producer (:class:`~common.events.transport.KafkaBus`), the consumer runner
(:class:`~common.events.consumer.KafkaConsumerRunner`), the ops commands and the topic creation
(``deploy/kafka/create-topics.sh`` with ``TOPIC_PREFIX``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Kafka's legal topic characters; the prefix itself may be empty.
PREFIX_PATTERN = r"^[A-Za-z0-9._-]{0,100}$"
_PREFIX = re.compile(PREFIX_PATTERN)
DEAD_LETTER_SUFFIX = ".dlq"


@dataclass(frozen=True, slots=True)
class KafkaNames:
    """Maps logical topic and consumer names to the broker's, and back."""

    prefix: str = ""

    def __post_init__(self) -> None:
        if not _PREFIX.match(self.prefix):
            raise ValueError(
                f"Kafka prefix {self.prefix!r}: use at most 100 of the characters "
                "A-Z a-z 0-9 . _ - (e.g. 'staging.')"
            )

    def topic(self, logical: str) -> str:
        return f"{self.prefix}{logical}"

    def topics(self, logical: tuple[str, ...] | list[str]) -> list[str]:
        return [self.topic(name) for name in logical]

    def group(self, consumer_name: str) -> str:
        """The Kafka consumer group of a consumer (its inbox keeps the logical name)."""
        return f"{self.prefix}{consumer_name}"

    def dead_letter_topic(self, logical: str) -> str:
        return self.topic(f"{logical}{DEAD_LETTER_SUFFIX}")

    def logical_topic(self, physical: str) -> str:
        """The catalogue's name of a topic read from the broker."""
        if self.prefix and physical.startswith(self.prefix):
            return physical[len(self.prefix) :]
        return physical


NO_PREFIX = KafkaNames()
