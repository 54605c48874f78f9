#!/bin/sh
# As the Kafka distribution's kafka-broker-api-versions.
exec /opt/kafka/bin/kafka-run-class.sh kafka.admin.BrokerApiVersionsCommand "$@"
