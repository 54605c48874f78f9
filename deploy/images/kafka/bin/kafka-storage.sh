#!/bin/sh
# As the Kafka distribution's kafka-storage.
exec /opt/kafka/bin/kafka-run-class.sh kafka.tools.StorageTool "$@"
