#!/usr/bin/env bash
# Runs the registry tests against a real schema registry, Karapace (Aiven's), instead of the stand-in
# (Scripts/registry-standin.py): starts a kmock for Karapace's `_schemas` topic, starts Karapace on it,
# runs the test classes with SCHEMA_REGISTRY_URL pointing at it, then stops both. Not part of `make test`
# or CI: Karapace is not on PyPI, so it cannot be installed there. By hand, once:
#
#   # Karapace's source at tag 3.16.0 (its public repository, Aiven-Open/karapace) in ~/karapace
#   python3.11 -m venv ~/karapace-venv
#   grep -v '^avro @' ~/karapace/requirements/requirements.txt > /tmp/req.txt   # Aiven's avro fork is not on PyPI;
#   ~/karapace-venv/bin/pip install -r /tmp/req.txt avro==1.12.0                # PyPI's 1.12 has what 3.16 calls
#   echo '__version__ = "3.16.0"' > ~/karapace/karapace/version.py
#
# then:  KARAPACE_SRC=~/karapace KARAPACE_PYTHON=~/karapace-venv/bin/python Scripts/karapace-run.sh
#
# 3.16.0 is the last pure-Python Karapace (it runs on Python 3.11); 4.x and later need a Go extension and
# Python 3.12. Environment:
#   KARAPACE_SRC     Karapace's source (a checkout of tag 3.16.0), put on PYTHONPATH. Required.
#   KARAPACE_PYTHON  the Python with Karapace's requirements (a venv's bin/python). Default: python3.
#   KARAPACE_PORT    the port Karapace listens on (127.0.0.1). Default: a free one.
#   KARAPACE_TESTS   the XCTest filter. Default: the registry classes and ExamplesTests.
#   LIBRDKAFKA_DIR   run the tools, the tests and the kmock on the librdkafka.so.1 in this folder (as in
#                    `make test-compat`: LIBRDKAFKA_DIR=$(Scripts/librdkafka-dir.sh wheel .build/librdkafka-wheel)).
#   SWIFT            the swift command. Default: swift.
# The log is .build/karapace-output.log, Karapace's own .build/karapace/karapace.log. Exit status: 0
# when every test passed (tests that need a stand-in's auth or TLS use one all the same; the Avro
# schema-reference tests skip, since 3.16 takes references for PROTOBUF only).
#
# Karapace on kmock: the mock cluster has no controller, so Karapace's creating `_schemas` times out for
# ever; kmock creates the topic beforehand, and Karapace is started through a few lines of Python that
# make its creating an existing topic answer "already exists", as a real cluster would.
set -uo pipefail
cd "$(dirname "$0")/.."
src=${KARAPACE_SRC:?set KARAPACE_SRC to a Karapace 3.16.0 checkout (see the top of $0)}
python=${KARAPACE_PYTHON:-python3}
tests=${KARAPACE_TESTS:-RegistryClientTests|RegistryReadTests|RegistryWriteTests|ExamplesTests}
swift=${SWIFT:-swift}
[ -d "$src/karapace" ] || { echo "karapace-run: no karapace/ in $src" >&2; exit 2; }
if [ -n "${LIBRDKAFKA_DIR:-}" ]; then
    Scripts/librdkafka-dir.sh check "$LIBRDKAFKA_DIR" >/dev/null || exit 2
    export LD_LIBRARY_PATH=$(cd "$LIBRDKAFKA_DIR" && pwd)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi
work=.build/karapace
mkdir -p "$work"
log=.build/karapace-output.log

"$swift" build --build-tests || exit 1
kmock_pid= karapace_pid=
stop() {
    [ -n "$karapace_pid" ] && kill "$karapace_pid" 2>/dev/null && wait "$karapace_pid" 2>/dev/null
    [ -n "$kmock_pid" ] && kill "$kmock_pid" 2>/dev/null && wait "$kmock_pid" 2>/dev/null
}
trap stop EXIT
trap 'exit 130' INT TERM

rm -f "$work/kmock.env"
.build/debug/kmock --brokers 1 --topic _schemas:1 --env-file "$work/kmock.env" > "$work/kmock.out" 2>&1 < /dev/null &
kmock_pid=$!
for _ in $(seq 100); do [ -s "$work/kmock.env" ] && break; sleep 0.1; done
[ -s "$work/kmock.env" ] || { echo "karapace-run: kmock did not start: $(cat "$work/kmock.out")" >&2; exit 1; }
. "$work/kmock.env"

port=${KARAPACE_PORT:-}
[ -n "$port" ] || port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/karapace.json" <<EOF
{"bootstrap_uri": "$KAFKA_BROKERS", "host": "127.0.0.1", "port": $port, "advertised_hostname": "127.0.0.1",
 "karapace_registry": true, "karapace_rest": false, "topic_name": "_schemas", "replication_factor": 1,
 "group_id": "karapace-run-$$", "client_id": "karapace-run", "compatibility": "BACKWARD",
 "master_eligibility": true, "log_level": "WARNING", "session_timeout_ms": 10000}
EOF
cat > "$work/karapace_on_kmock.py" <<'EOF'
import sys
from aiokafka.errors import TopicAlreadyExistsError
from karapace import karapace_all
from karapace.kafka.admin import KafkaAdminClient

create = KafkaAdminClient.new_topic

def new_topic(self, name, **kwargs):
    # kmock has no controller (CreateTopics times out); the topic was created with kmock --topic.
    if name in self.list_topics(timeout=10).topics:
        raise TopicAlreadyExistsError(f"{name} exists")
    return create(self, name, **kwargs)

KafkaAdminClient.new_topic = new_topic
sys.argv = ["karapace", sys.argv[1]]
sys.exit(karapace_all.main())
EOF
PYTHONPATH="$src" "$python" "$work/karapace_on_kmock.py" "$work/karapace.json" > "$work/karapace.log" 2>&1 < /dev/null &
karapace_pid=$!
url=http://127.0.0.1:$port
ready=
for _ in $(seq 120); do
    if curl -sf "$url/_health" 2>/dev/null | grep -q '"schema_registry_ready": *true'; then ready=1; break; fi
    kill -0 "$karapace_pid" 2>/dev/null || break
    sleep 0.5
done
[ -n "$ready" ] || { echo "karapace-run: Karapace did not get ready at $url:" >&2; tail -20 "$work/karapace.log" >&2; exit 1; }
version=$(PYTHONPATH="$src" "$python" -c 'import karapace.version as v; print(v.__version__)' 2>/dev/null)
echo "karapace-run: Karapace ${version:-?} at $url on kmock $KAFKA_BROKERS; librdkafka: ${LIBRDKAFKA_DIR:-the system one}"

SCHEMA_REGISTRY_URL=$url "$swift" test --skip-build --filter "$tests" > "$log" 2>&1
status=$?
grep -E "^Test Case .*(failed|skipped)|error:" "$log" | cut -c1-300
python3 Scripts/test-summary.py "$log"
exit $status
