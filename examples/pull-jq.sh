#!/usr/bin/env bash
# kpull | jq: take what is new on a topic, filter and summarise it with jq.
# kpull -e exits once it has written everything that was there when it started, and commits each
# message only after its line is written, so the next run with the same group starts after it.
#
#   KAFKA_BROKERS=k1:9092 examples/pull-jq.sh [TOPIC] [GROUP]
set -euo pipefail
topic=${1:-events}
group=${2:-report.$topic}

# kmock (the local mock cluster) answers an idle fetch only after the whole fetch.wait.max.ms
# (500 ms by default) and makes a returning group member wait session.timeout.ms - 1 s (44 s by
# default); these two settings keep the example quick on it. A real cluster does not need them.
fast=(-X fetch.wait.max.ms=10 -X session.timeout.ms=6000)

echo "orders of 100 or more:"
kpull -t "$topic" -g "$group" -e "${fast[@]}" | jq -c 'select(.value.amount >= 100) | .value'

echo "total per user (--format value writes the value alone):"
kpull -t "$topic" -g "$group.totals" -e --format value "${fast[@]}" |
    jq -sc 'group_by(.user) | map({user: .[0].user, total: (map(.amount) | add)})'
