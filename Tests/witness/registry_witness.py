#!/usr/bin/env python3
"""The foreign schema-registry client for the tests: Python confluent_kafka's SchemaRegistryClient.
Prints one JSON line per action, so a test compares what it read with what our client read or wrote.

  registry_witness.py [--user-info U:P] [--ca FILE] URL register SUBJECT TYPE SCHEMA_TEXT   {"id": N}
  registry_witness.py ... URL get ID                  {"schema": ..., "schemaType": ..., "references": [...]}
  registry_witness.py ... URL latest SUBJECT          {"id", "version", "schema", "schemaType"}
  registry_witness.py ... URL version SUBJECT N       {"id", "version", "schema", "schemaType"}
  registry_witness.py ... URL lookup SUBJECT TYPE SCHEMA_TEXT   {"id", "version", ...}
"""
import argparse
import json

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient


def registered(r):
    return {"id": r.schema_id, "version": r.version, "schema": r.schema.schema_str, "schemaType": r.schema.schema_type}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user-info")
    parser.add_argument("--ca")
    parser.add_argument("url")
    parser.add_argument("action", choices=["register", "get", "latest", "version", "lookup"])
    parser.add_argument("args", nargs="*")
    a = parser.parse_args()
    conf = {"url": a.url}
    if a.user_info:
        conf["basic.auth.user.info"] = a.user_info
    if a.ca:
        conf["ssl.ca.location"] = a.ca
    client = SchemaRegistryClient(conf)
    if a.action == "register":
        subject, schema_type, text = a.args
        print(json.dumps({"id": client.register_schema(subject, Schema(text, schema_type))}))
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


if __name__ == "__main__":
    main()
