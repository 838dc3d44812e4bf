#!/usr/bin/env bash
# echo lines | kput: each line is one JSON document and becomes one message, byte for byte.
# Keyed lines go where Java's producer puts their key (murmur2; see kput(1) PARTITIONS).
# A line that is not JSON is named on stderr and the others still go out (see replay-rejects.sh).
#
#   KAFKA_BROKERS=k1:9092 examples/produce-lines.sh [TOPIC]
set -euo pipefail
topic=${1:-events}

# One line.
echo '{"id":1,"user":"ann","amount":30}' | kput -t "$topic"

# Several lines, keyed by their "user" field. --report prints one JSON line per acknowledged
# message: {"line":N,"source":"-","topic":...,"partition":P,"offset":O}.
printf '%s\n' \
    '{"id":2,"user":"bob","amount":120}' \
    '{"id":3,"user":"ann","amount":7}' \
    '{"id":4,"user":"cy","amount":250}' |
    kput -t "$topic" -k user --report

# kcat's habits: one key for every line (--key), headers (-H, repeatable), and each line's own time
# as the message timestamp (--timestamp-field: epoch ms or RFC 3339 with a zone). A line without
# its -k or --timestamp-field member is a bad line unless --missing-key null / --missing-timestamp now.
echo '{"id":5,"user":"dee","at":"2024-01-02T03:04:05Z"}' |
    kput -t "$topic.flags" --key batch-7 -H source=example -H trace=abc --timestamp-field at

# A backfill that must not swamp the cluster: at most 50 lines a second, reading waits with the sends.
for n in $(seq 1 20); do echo "{\"n\":$n}"; done | kput -t "$topic.flags" --rate 50

# Lines that are not JSON: --text sends them as they are.
echo 'hello, kafka' | kput -t "$topic.text" --text
