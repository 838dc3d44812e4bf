#!/usr/bin/env bash
# echo lines | kput: each line is one JSON document and becomes one message, byte for byte.
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

# Lines that are not JSON: --text sends them as they are.
echo 'hello, kafka' | kput -t "$topic.text" --text
