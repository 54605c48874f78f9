#!/bin/sh
# java with Kafka's classpath: kafka-run-class.sh <main class> [arguments]
: "${KAFKA_TOOLS_HEAP_OPTS:=-Xmx256m}"
# shellcheck disable=SC2086 # the options are several words
exec java $KAFKA_TOOLS_HEAP_OPTS -XX:+UseSerialGC -Djava.awt.headless=true \
  -Dlog4j.configuration=file:/opt/kafka/bin/tools-log4j.properties \
  -cp '/opt/kafka/libs/*' "$@"
