#!/usr/bin/env python3
"""The foreign schema-registry client for the tests: Python confluent_kafka's SchemaRegistryClient.
Prints one JSON line per action, so a test compares what it read with what our client read or wrote.

  registry_witness.py [--user-info U:P] [--ca FILE] [--references JSON] URL register SUBJECT TYPE SCHEMA_TEXT   {"id": N}
  registry_witness.py ... URL get ID                  {"schema": ..., "schemaType": ..., "references": [...]}
  registry_witness.py ... URL latest SUBJECT          {"id", "version", "schema", "schemaType"}
  registry_witness.py ... URL version SUBJECT N       {"id", "version", "schema", "schemaType"}
  registry_witness.py ... URL lookup SUBJECT TYPE SCHEMA_TEXT   {"id", "version", ...}
  registry_witness.py ... URL produce BROKERS TOPIC TYPE VALUE_SCHEMA [KEY_SCHEMA]   {"produced": N}
      stdin: one JSON line per message, {"key": K, "value": V} (either may be absent); TYPE AVRO: K and V
      in Avro's JSON encoding (read with fastavro's json_reader), serialized by AvroSerializer; TYPE JSON:
      plain JSON, serialized by JSONSerializer. Keys are serialized only when KEY_SCHEMA is given.
  registry_witness.py ... URL read BROKERS TOPIC     one line per message, partition order, as read by
      AvroDeserializer (keys and values): {"partition", "offset", "key", "value", "key_schema_id",
      "value_schema_id"}, key and value in Avro's JSON encoding (fastavro's json_writer with the writer's
      schema), so a test compares them with kpull --avro-json avro.
--references JSON: the schema registered (register) or the value schema serialized (produce) names types
of other subjects: [{"name": TYPE, "subject": S, "version": N}], as Confluent's serializers resolve them.
"""
import argparse
import io
import json
import sys

from confluent_kafka.schema_registry import Schema, SchemaReference, SchemaRegistryClient


def registered(r):
    return {"id": r.schema_id, "version": r.version, "schema": r.schema.schema_str, "schemaType": r.schema.schema_type}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user-info")
    parser.add_argument("--ca")
    parser.add_argument("--references")
    parser.add_argument("url")
    parser.add_argument("action", choices=["register", "get", "latest", "version", "lookup", "produce", "read"])
    parser.add_argument("args", nargs="*")
    a = parser.parse_args()
    conf = {"url": a.url}
    if a.user_info:
        conf["basic.auth.user.info"] = a.user_info
    if a.ca:
        conf["ssl.ca.location"] = a.ca
    client = SchemaRegistryClient(conf)
    references = [SchemaReference(r["name"], r["subject"], r["version"]) for r in json.loads(a.references or "[]")]
    if a.action == "register":
        subject, schema_type, text = a.args
        print(json.dumps({"id": client.register_schema(subject, Schema(text, schema_type, references) if references else Schema(text, schema_type))}))
    elif a.action == "get":
        s = client.get_schema(int(a.args[0]))
        references = [{"name": r.name, "subject": r.subject, "version": r.version} for r in (s.references or [])]
        print(json.dumps({"schema": s.schema_str, "schemaType": s.schema_type, "references": references}))
    elif a.action == "latest":
        print(json.dumps(registered(client.get_latest_version(a.args[0]))))
    elif a.action == "version":
        print(json.dumps(registered(client.get_version(a.args[0], int(a.args[1])))))
    elif a.action == "lookup":
        subject, schema_type, text = a.args
        print(json.dumps(registered(client.lookup_schema(subject, Schema(text, schema_type)))))
    elif a.action == "produce":
        produce(client, *a.args, references=references)
    elif a.action == "read":
        read(client, *a.args)


def avro_from_json(schema_text, doc, client=None, references=()):
    """A Python value from Avro's JSON encoding of `doc` (fastavro's json_reader); the named types of
    `references` are read from the registry first."""
    import fastavro
    from fastavro.json_read import json_reader

    named = {}
    for r in references:
        fastavro.parse_schema(json.loads(client.get_version(r.subject, r.version).schema.schema_str), named_schemas=named)
    schema = fastavro.parse_schema(json.loads(schema_text), named_schemas=named)
    return next(iter(json_reader(io.StringIO(json.dumps(doc)), schema)))


def avro_to_json(schema_text, value):
    """Avro's JSON encoding of a Python value (fastavro's json_writer), parsed back."""
    import fastavro
    from fastavro.json_write import json_writer

    schema = fastavro.parse_schema(json.loads(schema_text))
    out = io.StringIO()
    json_writer(out, schema, [value])
    return json.loads(out.getvalue())


def produce(client, brokers, topic, schema_type, value_schema, key_schema=None, references=()):
    from confluent_kafka import Producer
    from confluent_kafka.serialization import MessageField, SerializationContext

    if schema_type == "AVRO":
        from confluent_kafka.schema_registry.avro import AvroSerializer

        value_ser = AvroSerializer(client, Schema(value_schema, "AVRO", list(references)) if references else value_schema)
        key_ser = AvroSerializer(client, key_schema) if key_schema else None
        convert_value = lambda v: avro_from_json(value_schema, v, client, references)
        convert_key = lambda k: avro_from_json(key_schema, k)
    else:
        from confluent_kafka.schema_registry.json_schema import JSONSerializer

        value_ser = JSONSerializer(value_schema, client)
        key_ser = JSONSerializer(key_schema, client) if key_schema else None
        convert_value = convert_key = lambda v: v
    producer = Producer({"bootstrap.servers": brokers, "linger.ms": 5})
    failures = []
    count = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        doc = json.loads(line)
        kwargs = {"partition": doc.get("partition", 0)}
        if "value" in doc:
            kwargs["value"] = value_ser(convert_value(doc["value"]), SerializationContext(topic, MessageField.VALUE))
        if "key" in doc and key_ser:
            kwargs["key"] = key_ser(convert_key(doc["key"]), SerializationContext(topic, MessageField.KEY))
        producer.produce(topic, on_delivery=lambda err, msg: failures.append(str(err)) if err else None, **kwargs)
        count += 1
    producer.flush(30)
    if failures:
        sys.exit("produce failed: " + "; ".join(failures))
    print(json.dumps({"produced": count}))


def read(client, brokers, topic):
    from confluent_kafka import Consumer, TopicPartition
    from confluent_kafka.schema_registry.avro import AvroDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    deserializer = AvroDeserializer(client)
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": "registry-witness", "enable.auto.commit": False,
                         "fetch.wait.max.ms": 10})
    metadata = consumer.list_topics(topic, timeout=10)
    partitions = sorted(metadata.topics[topic].partitions)
    ends = {}
    for p in partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        ends[p] = (low, high)
    consumer.assign([TopicPartition(topic, p, ends[p][0]) for p in partitions if ends[p][1] > ends[p][0]])
    left = sum(high - low for low, high in ends.values())
    records = []
    while left > 0:
        m = consumer.poll(10)
        if m is None:
            sys.exit("read: timed out with %d messages left" % left)
        if m.error():
            continue
        left -= 1
        record = {"partition": m.partition(), "offset": m.offset()}
        for field, raw, member in ((MessageField.KEY, m.key(), "key"), (MessageField.VALUE, m.value(), "value")):
            if raw is None or len(raw) < 5 or raw[0] != 0:
                continue
            schema_id = int.from_bytes(raw[1:5], "big")
            value = deserializer(raw, SerializationContext(topic, field))
            record[member] = avro_to_json(client.get_schema(schema_id).schema_str, value)
            record[member + "_schema_id"] = schema_id
        records.append(record)
    consumer.close()
    for r in sorted(records, key=lambda r: (r["partition"], r["offset"])):
        print(json.dumps(r, sort_keys=True))


if __name__ == "__main__":
    main()
