#!/usr/bin/env python3
"""The foreign reader of registry-framed topics for kput's tests (issue 22's write side): Python
confluent_kafka's Consumer with AvroDeserializer (AVRO ids) and JSONDeserializer (JSON ids), the schema of
each message found by its id in the registry, as Confluent's own consumers do.

  registry_consume.py [--user-info U:P] [--ca FILE] URL consume BROKERS TOPIC
      one JSON line per message, partition then offset order: {"partition", "offset", "key", "value",
      "key_schema_id", "value_schema_id", "key_raw", "value_raw"}. key and value as deserialized, made
      JSON: bytes and fixed as a string of code points U+0000-U+00FF (Avro's JSON form), Decimal as its
      exact decimal string, dates and times as the number they are stored as (days, epoch or day ms/us),
      UUID as its string. A key or value that is not registry-framed is given as its text (key_raw /
      value_raw hold every payload as hex, so a test can compare bytes).
"""
import argparse
import datetime
import decimal
import json
import sys
import uuid

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def plain(value, logical=None):
    """A deserialized Python value as JSON, logical types as the value they are stored as."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return value.decode("latin-1")
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime):
        delta = value - EPOCH
        return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
    if isinstance(value, datetime.date):
        return (value - EPOCH.date()).days
    if isinstance(value, datetime.time):
        return ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000
    return value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user-info")
    parser.add_argument("--ca")
    parser.add_argument("url")
    parser.add_argument("action", choices=["consume"])
    parser.add_argument("brokers")
    parser.add_argument("topic")
    a = parser.parse_args()
    conf = {"url": a.url}
    if a.user_info:
        conf["basic.auth.user.info"] = a.user_info
    if a.ca:
        conf["ssl.ca.location"] = a.ca
    client = SchemaRegistryClient(conf)
    avro = AvroDeserializer(client)
    json_deserializers = {}

    consumer = Consumer({"bootstrap.servers": a.brokers, "group.id": "registry-consume-witness",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 10})
    topic = a.topic
    metadata = consumer.list_topics(topic, timeout=10)
    partitions = sorted(metadata.topics[topic].partitions)
    ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in partitions}
    consumer.assign([TopicPartition(topic, p, low) for p, (low, high) in ends.items() if high > low])
    left = sum(high - low for low, high in ends.values())
    records = []
    while left > 0:
        m = consumer.poll(10)
        if m is None:
            sys.exit("consume: timed out with %d messages left" % left)
        if m.error():
            continue
        left -= 1
        record = {"partition": m.partition(), "offset": m.offset()}
        for field, raw, member in ((MessageField.KEY, m.key(), "key"), (MessageField.VALUE, m.value(), "value")):
            if raw is None:
                continue
            record[member + "_raw"] = raw.hex()
            if len(raw) < 5 or raw[0] != 0:
                record[member] = raw.decode("utf-8", "replace")
                continue
            schema_id = int.from_bytes(raw[1:5], "big")
            schema = client.get_schema(schema_id)
            ctx = SerializationContext(topic, field)
            if schema.schema_type == "JSON":
                if schema_id not in json_deserializers:
                    json_deserializers[schema_id] = JSONDeserializer(schema.schema_str)
                value = json_deserializers[schema_id](raw, ctx)
            else:
                value = avro(raw, ctx)
            record[member] = plain(value)
            record[member + "_schema_id"] = schema_id
        records.append(record)
    consumer.close()
    for r in sorted(records, key=lambda r: (r["partition"], r["offset"])):
        print(json.dumps(r, sort_keys=True))


if __name__ == "__main__":
    main()
