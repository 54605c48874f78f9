#!/bin/sh
# As the Kafka distribution's kafka-consumer-groups.
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@"
