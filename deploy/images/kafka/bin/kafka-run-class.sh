#!/bin/sh
# java with Kafka's classpath: kafka-run-class.sh <main class> [arguments]. The tools are short
# runs: the client compiler only (TieredStopAtLevel=1) starts them faster.
: "${KAFKA_TOOLS_HEAP_OPTS:=-Xmx256m}"
# shellcheck disable=SC2086 # the options are several words
exec java $KAFKA_TOOLS_HEAP_OPTS -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
  -Dlog4j.configuration=file:/opt/kafka/bin/tools-log4j.properties \
  -cp '/opt/kafka/libs/*' "$@"
