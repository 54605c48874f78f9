#!/bin/sh
# As the Kafka distribution's kafka-topics.
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.TopicCommand "$@"
