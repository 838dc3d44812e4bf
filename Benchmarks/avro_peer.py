#!/usr/bin/env python3
"""The peer in issue 22's drain row: Python confluent_kafka's Consumer with AvroDeserializer, reading a topic
with a group to its end (as `kpull -e`: partition EOF on every assigned partition) and writing each value as
one JSON line on stdout, committing as it goes (auto-commit, the client's default).

  avro_peer.py BOOTSTRAP TOPIC GROUP REGISTRY_URL
"""
import json
import sys
from decimal import Decimal

from confluent_kafka import Consumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext


def plain(value):
    """What the deserializer returns, as JSON can hold it: the stored values of logical types."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "timestamp") and hasattr(value, "tzinfo"):
        return int(round(value.timestamp() * 1000))
    if value.__class__.__name__ == "UUID":
        return str(value)
    return value


def main():
    bootstrap, topic, group, url = sys.argv[1:5]
    des = AvroDeserializer(SchemaRegistryClient({"url": url}))
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                  "enable.partition.eof": True, "fetch.wait.max.ms": 10})
    c.subscribe([topic])
    ctx = SerializationContext(topic, MessageField.VALUE)
    out = sys.stdout
    at_end = set()
    assigned = None
    while True:
        m = c.poll(1.0)
        if assigned is None:
            a = c.assignment()
            if a:
                assigned = {(p.topic, p.partition) for p in a}
        if m is None:
            continue
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                at_end.add((m.topic(), m.partition()))
                if assigned and at_end >= assigned:
                    break
                continue
            print(f"avro_peer: {m.error()}", file=sys.stderr)
            sys.exit(1)
        at_end.discard((m.topic(), m.partition()))
        out.write(json.dumps(plain(des(m.value(), ctx)), separators=(",", ":")) + "\n")
    out.flush()
    c.close()


if __name__ == "__main__":
    main()
