#!/usr/bin/env python3
"""A stand-in schema registry for the tests: the REST calls the tools make, as Confluent's registry answers
them, kept in memory. No registry server is installable here (Debian, PyPI), so the tests start this one;
with SCHEMA_REGISTRY_URL set they use a real one instead. Python confluent_kafka's SchemaRegistryClient
registers and reads against it in the tests, which is how we know it speaks the protocol.

  GET  /schemas/ids/{id}                        {"schema", "schemaType"?, "references"?}      404/40403
  GET  /subjects/{subject}/versions/{n|latest}  {"subject", "version", "id", "schema", ...}   404/40401, 40402;
                                                                                              422/42202
  POST /subjects/{subject}/versions             {"id"}  (the same id for the same schema)    422/42201, 422
  POST /subjects/{subject}                      {"subject", "version", "id", "schema", ...}  404/40401, 40403
Query strings (?subject=, ?normalize=, ?deleted=) are accepted and ignored, as registries ignore what
they do not use. schemaType is left out for AVRO, as Confluent's registry does.

Where it can, it answers as a real registry does (checked against Karapace 3.16.0, Scripts/karapace-run.sh):
an AVRO or JSON schema is kept as its JSON, not its spelling, so the same schema written otherwise gets
the same id and version, and it is answered with sorted keys, no spaces and ASCII escapes, as Karapace does
(Confluent's registry has its own order: a client must not expect its own bytes back); a version that is
not a number from 1 to 2^31-1, "latest" or -1 is 422/42202; an unknown schemaType or request member is
422/422; a request without "schema" is 422/42201. A new version of an AVRO record that adds a field
without a default, or changes a field's primitive type to one the old cannot be promoted to, is 409/409
(BACKWARD, the default of Confluent's registry and Karapace: new readers must read the latest version's
data); other changes are taken without a check, and a schema is not checked beyond its being JSON (a
real registry answers 409 to more, and 42201 to an invalid schema).

Usage: registry-standin.py [--user USER:PASSWORD] [--token TOKEN] [--tls-dir DIR]
It listens on 127.0.0.1, an ephemeral port, and prints that port as its first stdout line. --user requires
HTTP basic auth, --token a bearer token (either one is accepted when both are given); otherwise 401.
--tls-dir serves HTTPS with DIR/server.pem and DIR/server.key, made with openssl (with DIR/ca.pem, the
self-signed authority that signed them, for the client) when they are not there yet.
"""
import argparse
import base64
import json
import os
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
MAX_BODY = 1 << 20


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.schemas = []  # id - 1 -> (schemaType, schema text, references)
        self.subjects = {}  # subject -> [id of version 1, id of version 2, ...]

    def key(self, body):
        schema_type = body.get("schemaType") or "AVRO"
        return (schema_type, canonical(schema_type, body["schema"]), json.dumps(body.get("references") or [], sort_keys=True))

    def register(self, subject, body):
        with self.lock:
            key = self.key(body)
            if key in self.schemas:
                schema_id = self.schemas.index(key) + 1
            else:
                self.schemas.append(key)
                schema_id = len(self.schemas)
            versions = self.subjects.setdefault(subject, [])
            if schema_id not in versions:
                versions.append(schema_id)
            return schema_id

    def schema(self, schema_id):
        with self.lock:
            if 1 <= schema_id <= len(self.schemas):
                return self.schemas[schema_id - 1]
            return None


def canonical(schema_type, text):
    """An AVRO or JSON schema's text as Karapace keeps and answers it: its JSON with sorted keys, no
    spaces and non-ASCII as \\u escapes. Other types (PROTOBUF) as they came."""
    if schema_type in ("AVRO", "JSON"):
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    return text


PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
# Avro's promotions: what a reader of the key's type also reads when the writer wrote it.
PROMOTIONS = {"long": {"int"}, "float": {"int", "long"}, "double": {"int", "long", "float"},
              "string": {"bytes"}, "bytes": {"string"}}


def backward_incompatibility(reader, writer):
    """Why an AVRO record `reader` cannot read what the record `writer` wrote, or None: only the sure cases
    (a field the writer lacks, without a default; a primitive type changed beyond Avro's promotions)."""
    if not (isinstance(reader, dict) and isinstance(writer, dict)
            and reader.get("type") == "record" and writer.get("type") == "record"):
        return None
    written = {f.get("name"): f.get("type") for f in writer.get("fields", []) if isinstance(f, dict)}
    for field in reader.get("fields", []):
        if not isinstance(field, dict):
            continue
        name, kind = field.get("name"), field.get("type")
        found = [n for n in [name] + list(field.get("aliases") or []) if n in written]
        if not found:
            if "default" not in field:
                return "reader field %s has no default and is not in the writer" % name
            continue
        old = written[found[0]]
        if isinstance(kind, str) and isinstance(old, str) and kind in PRIMITIVES and old in PRIMITIVES \
                and kind != old and old not in PROMOTIONS.get(kind, ()):
            return "reader type: %s not compatible with writer type: %s" % (kind, old)
    return None


def schema_json(entry):
    schema_type, text, references = entry
    out = {"schema": text}
    if schema_type != "AVRO":
        out["schemaType"] = schema_type
    refs = json.loads(references)
    if refs:
        out["references"] = refs
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    store = Store()
    user = None
    token = None

    def log_message(self, format, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.answer(status, {"error_code": code, "message": message})

    def authorized(self):
        if self.user is None and self.token is None:
            return True
        header = self.headers.get("Authorization", "")
        if self.user is not None and header == "Basic " + base64.b64encode(self.user.encode()).decode():
            return True
        if self.token is not None and header == "Bearer " + self.token:
            return True
        self.error(401, 401, "Unauthorized")
        return False

    def parts(self):
        return [unquote(p) for p in urlsplit(self.path).path.split("/") if p]

    def do_GET(self):
        if not self.authorized():
            return
        p = self.parts()
        if len(p) == 3 and p[:2] == ["schemas", "ids"] and p[2].isdigit():
            entry = self.store.schema(int(p[2]))
            if entry is None:
                return self.error(404, 40403, "Schema %s not found" % p[2])
            return self.answer(200, schema_json(entry))
        if len(p) == 4 and p[0] == "subjects" and p[2] == "versions":
            subject, version = p[1], p[3]
            versions = self.store.subjects.get(subject)
            if not versions:
                return self.error(404, 40401, "Subject '%s' not found." % subject)
            if version == "latest" or version == "-1":
                n = len(versions)
            elif not (version.isdigit() and 1 <= int(version) <= 2**31 - 1):
                return self.error(422, 42202, "The specified version '%s' is not a valid version id. "
                                  "Allowed values are between [1, 2^31-1] and the string \"latest\"" % version)
            elif int(version) <= len(versions):
                n = int(version)
            else:
                return self.error(404, 40402, "Version %s not found." % version)
            schema_id = versions[n - 1]
            out = {"subject": subject, "version": n, "id": schema_id}
            out.update(schema_json(self.store.schema(schema_id)))
            return self.answer(200, out)
        self.error(404, 404, "HTTP 404 Not Found")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self.error(413, 413, "request too large")
        raw = self.rfile.read(length)
        if not self.authorized():
            return
        try:
            body = json.loads(raw)
        except ValueError:
            return self.error(400, 400, "Invalid request JSON body")
        if not isinstance(body, dict):
            return self.error(400, 400, "Malformed request")
        for field in body:
            if field not in ("schema", "schemaType", "references", "metadata", "ruleSet"):
                return self.error(422, 422, "Unrecognized field: %s" % field)
        if (body.get("schemaType") or "AVRO") not in ("AVRO", "JSON", "PROTOBUF"):
            return self.error(422, 422, "Invalid schemaType %s" % body["schemaType"])
        if "schema" not in body:
            return self.error(422, 42201, "Empty schema")
        try:
            assert isinstance(body["schema"], str)
            canonical(body.get("schemaType") or "AVRO", body["schema"])
        except Exception:
            return self.error(422, 42201, "Invalid schema")
        p = self.parts()
        if len(p) == 3 and p[0] == "subjects" and p[2] == "versions":
            versions = self.store.subjects.get(p[1])
            if versions and (body.get("schemaType") or "AVRO") == "AVRO":
                latest = self.store.schema(versions[-1])
                why = latest[0] == "AVRO" and backward_incompatibility(json.loads(body["schema"]), json.loads(latest[1]))
                if why and self.store.key(body) not in [self.store.schema(v) for v in versions]:
                    return self.error(409, 409, "Incompatible schema, compatibility_mode=BACKWARD " + why)
            return self.answer(200, {"id": self.store.register(p[1], body)})
        if len(p) == 2 and p[0] == "subjects":
            subject = p[1]
            versions = self.store.subjects.get(subject)
            if not versions:
                return self.error(404, 40401, "Subject '%s' not found." % subject)
            key = self.store.key(body)
            for n, schema_id in enumerate(versions, 1):
                if self.store.schema(schema_id) == key:
                    out = {"subject": subject, "version": n, "id": schema_id}
                    out.update(schema_json(key))
                    return self.answer(200, out)
            return self.error(404, 40403, "Schema not found")
        self.error(404, 404, "HTTP 404 Not Found")


def make_certificates(directory):
    """A self-signed CA and a server certificate it signed, for 127.0.0.1 and localhost."""
    os.makedirs(directory, exist_ok=True)
    ca, server = os.path.join(directory, "ca"), os.path.join(directory, "server")
    if os.path.exists(server + ".pem"):
        return
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=kafka-filters test CA",
        "-keyout", ca + ".key", "-out", ca + ".pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", server + ".key", "-out", server + ".csr")
    extensions = os.path.join(directory, "san.ext")
    with open(extensions, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", server + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
        "-days", "2", "-extfile", extensions, "-out", server + ".pem")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user")
    parser.add_argument("--token")
    parser.add_argument("--tls-dir")
    args = parser.parse_args()
    Handler.user, Handler.token = args.user, args.token
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if args.tls_dir:
        make_certificates(args.tls_dir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(args.tls_dir, "server.pem"), os.path.join(args.tls_dir, "server.key"))
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
