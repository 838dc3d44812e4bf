#!/usr/bin/env bash
# JSON lines to an Avro topic through a schema registry: each message in Confluent's wire format
# (0x00, the schema id in 4 bytes, the Avro body), so any Confluent consumer reads it, and
# kpull --registry gives the JSON back. See kput(1) SCHEMA REGISTRY.
#
#   KAFKA_BROKERS=k1:9092 SCHEMA_REGISTRY_URL=http://registry:8081 examples/jsonl-to-avro.sh [TOPIC]
set -euo pipefail
topic=${1:-orders}
registry=${SCHEMA_REGISTRY_URL:?set SCHEMA_REGISTRY_URL to the schema registry}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cat >"$dir/order.avsc" <<'AVSC'
{"type": "record", "name": "Order", "namespace": "example",
 "fields": [
   {"name": "id", "type": "long"},
   {"name": "user", "type": "string"},
   {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
   {"name": "coupon", "type": ["null", "string"], "default": null}
 ]}
AVSC
echo '"long"' >"$dir/key.avsc"

# @FILE: the schema is registered under TOPIC-value (or found there when it already is), and every
# line is encoded with it. -k id with --key-schema: the key is the line's "id", an Avro long (TOPIC-key).
# The natural JSON: a union's value as it is ("SPRING" or null), a decimal as an exact string.
printf '%s\n' \
    '{"id":1,"user":"ann","amount":"30.00","coupon":"SPRING"}' \
    '{"id":2,"user":"bob","amount":"120.50"}' |
    kput --registry "$registry" -t "$topic" -k id --key-schema @"$dir/key.avsc" --value-schema @"$dir/order.avsc"

# Later runs name the subject instead: SUBJECT (its latest version), SUBJECT:VERSION, or id:N.
echo '{"id":3,"user":"cy","amount":"7"}' |
    kput --registry "$registry" -t "$topic" -k id --key-schema "$topic-key" --value-schema "$topic-value:1"

# A line that does not fit the schema is a bad line like any other: named on stderr with where and
# what (-:2: $.amount: ...), kept in --rejects, and the other lines still go out; kput exits 65.
status=0
printf '%s\n' \
    '{"id":4,"user":"dee","amount":"1.25"}' \
    '{"id":5,"user":"eve","amount":"a lot"}' |
    kput --registry "$registry" -t "$topic" -k id --key-schema "$topic-key" --value-schema "$topic-value" \
        --rejects "$dir/rejects.jsonl" || status=$?
echo "kput exited $status; kept in --rejects:"
cat "$dir/rejects.jsonl"
