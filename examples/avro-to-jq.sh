#!/usr/bin/env bash
# An Avro topic to jq: kpull --registry decodes Confluent's wire format (what AvroSerializer, Kafka
# Connect or ksqlDB write: a zero byte, the schema id, the Avro body) into JSON with the writer's
# schema, fetched once per id from the schema registry. The natural JSON is what jq expects: records as
# objects, a union as its value, an enum as its symbol, a decimal as an exact decimal string.
# Each message is committed only after its line is written; a message the registry has no schema for,
# or whose body does not decode, stops the run before it (exit 65, named), everything before committed.
#
#   SCHEMA_REGISTRY_URL=http://registry:8081 KAFKA_BROKERS=k1:9092 examples/avro-to-jq.sh [TOPIC] [GROUP]
#
# The registry's URL and credentials can live in the client config file instead (-F, or the default
# one): schema.registry.url, schema.registry.basic.auth.user.info=KEY:SECRET.
set -euo pipefail
topic=${1:-orders}
group=${2:-avro-report.$topic}
registry=(--registry "${SCHEMA_REGISTRY_URL:?set SCHEMA_REGISTRY_URL to the schema registry}")

# kmock (the local mock cluster) answers an idle fetch only after the whole fetch.wait.max.ms
# (500 ms by default); this keeps the example quick on it. A real cluster does not need it.
fast=(-X fetch.wait.max.ms=10 -X session.timeout.ms=6000)

echo "paid orders (each line keeps its key and its value_schema_id):"
kpull -t "$topic" -g "$group" -e "${registry[@]}" "${fast[@]}" |
    jq -c 'select(.value.state == "PAID") | {key, id: .value.id, price: .value.price, schema: .value_schema_id}'

echo "orders per state (--format value writes the decoded record alone):"
kpull -t "$topic" -g "$group.states" -e --format value "${registry[@]}" "${fast[@]}" |
    jq -sc 'group_by(.state) | map({state: .[0].state, orders: length})'
