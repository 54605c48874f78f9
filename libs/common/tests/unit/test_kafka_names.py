import pytest
from pydantic import ValidationError

from common.events.naming import KafkaNames
from common.testing.example.app import ExampleSettings


class TestKafkaNames:
    def test_without_a_prefix_the_names_are_the_catalogues(self):
        names = KafkaNames()
        assert names.topic("register.lease.v1") == "register.lease.v1"
        assert names.group("governance.master-data") == "governance.master-data"
        assert names.dead_letter_topic("register.lease.v1") == "register.lease.v1.dlq"
        assert names.logical_topic("register.lease.v1") == "register.lease.v1"

    def test_a_prefix_goes_before_topics_groups_and_dead_letter_topics(self):
        names = KafkaNames("staging.")
        assert names.topics(("register.lease.v1", "a.b.v1")) == [
            "staging.register.lease.v1",
            "staging.a.b.v1",
        ]
        assert names.group("notifications") == "staging.notifications"
        assert names.dead_letter_topic("register.lease.v1") == "staging.register.lease.v1.dlq"

    def test_the_logical_name_comes_back_from_the_brokers(self):
        names = KafkaNames("staging.")
        assert names.logical_topic("staging.register.lease.v1") == "register.lease.v1"
        assert names.logical_topic("other.register.lease.v1") == "other.register.lease.v1"

    @pytest.mark.parametrize("prefix", ["a b", "x/", "é.", "a" * 101])
    def test_a_prefix_kafka_cannot_name_is_refused(self, prefix):
        with pytest.raises(ValueError, match="Kafka prefix"):
            KafkaNames(prefix)


class TestKafkaPrefixSetting:
    def test_it_defaults_to_no_prefix(self, monkeypatch):
        monkeypatch.delenv("HOUSING_KAFKA_PREFIX", raising=False)
        assert ExampleSettings().kafka_prefix == ""

    def test_one_platform_wide_setting(self, monkeypatch):
        monkeypatch.setenv("HOUSING_KAFKA_PREFIX", "tenant-a.")
        assert ExampleSettings().kafka_prefix == "tenant-a."

    def test_a_bad_prefix_is_refused_at_start(self, monkeypatch):
        monkeypatch.setenv("HOUSING_KAFKA_PREFIX", "tenant a")
        with pytest.raises(ValidationError, match="kafka_prefix"):
            ExampleSettings()
