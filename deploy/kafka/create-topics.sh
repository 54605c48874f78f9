#!/bin/sh
# Creates the Kafka topics listed in topics.txt with the scripts of the apache/kafka image.
# Safe to run again: a topic that exists keeps its data, gets its configs set again and its
# partitions raised to the listed count (Kafka cannot lower a partition count).
#
# topics.txt, one topic a line:  name partitions [config=value ...]   (# starts a comment)
#
# Environment:
#   KAFKA_BOOTSTRAP_SERVERS  broker to talk to             (kafka:9092)
#   TOPICS_FILE              the topic list                (topics.txt beside this script)
#   TOPIC_PREFIX             put before every topic name   (empty; the platform's
#                            HOUSING_KAFKA_PREFIX, so several platforms share one broker)
#   REPLICATION_FACTOR       for new topics                (1)
#   KAFKA_BIN                folder of the Kafka scripts   (/opt/kafka/bin)
#   WAIT_SECONDS             how long to wait for a broker (120)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bootstrap=${KAFKA_BOOTSTRAP_SERVERS:-kafka:9092}
topics_file=${TOPICS_FILE:-$here/topics.txt}
prefix=${TOPIC_PREFIX:-}
case $prefix in
  *[!A-Za-z0-9._-]*)
    echo "create-topics: TOPIC_PREFIX '$prefix' may only hold A-Z a-z 0-9 . _ -" >&2
    exit 1
    ;;
esac
replication=${REPLICATION_FACTOR:-1}
bin=${KAFKA_BIN:-/opt/kafka/bin}
wait_seconds=${WAIT_SECONDS:-120}

log() { echo "create-topics: $*"; }
topics() { "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" "$@" </dev/null; }

waited=0
until topics --list >/dev/null 2>&1; do
  if [ "$waited" -ge "$wait_seconds" ]; then
    log "no broker answered at $bootstrap within ${wait_seconds}s" >&2
    exit 1
  fi
  sleep 2
  waited=$((waited + 2))
done

existing=$(topics --list)

# Comments and carriage returns out; then one topic a line.
tr -d '\r' <"$topics_file" | sed -e 's/#.*$//' | while read -r name partitions configs; do
  [ -n "$name" ] || continue
  name="$prefix$name"
  case $partitions in
    '' | *[!0-9]*)
      log "$name: partition count '$partitions' is not a number" >&2
      exit 1
      ;;
  esac

  if printf '%s\n' "$existing" | grep -qxF -- "$name"; then
    current=$(topics --describe --topic "$name" |
      sed -n 's/.*PartitionCount:[[:space:]]*\([0-9][0-9]*\).*/\1/p' | head -n 1)
    if [ -n "$current" ] && [ "$current" -lt "$partitions" ]; then
      log "$name: raising partitions from $current to $partitions"
      topics --alter --topic "$name" --partitions "$partitions"
    fi
    if [ -n "$configs" ]; then
      # shellcheck disable=SC2086 # word splitting joins the config=value words with commas
      joined=$(echo $configs | tr ' ' ',')
      "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter \
        --entity-type topics --entity-name "$name" --add-config "$joined" </dev/null
    fi
    log "$name: exists"
  else
    set --
    for config in $configs; do
      set -- "$@" --config "$config"
    done
    # A busy broker may time a request out: try again (--if-not-exists makes that safe).
    attempt=1
    until topics --create --if-not-exists --topic "$name" \
      --partitions "$partitions" --replication-factor "$replication" "$@"; do
      if [ "$attempt" -ge 3 ]; then
        log "$name: not created after $attempt attempts" >&2
        exit 1
      fi
      attempt=$((attempt + 1))
      sleep 5
    done
    log "$name: created with $partitions partition(s)"
  fi
done

log "done"
