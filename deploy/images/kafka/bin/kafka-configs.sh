#!/bin/sh
# As the Kafka distribution's kafka-configs.
exec /opt/kafka/bin/kafka-run-class.sh kafka.admin.ConfigCommand "$@"
