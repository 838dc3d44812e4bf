#!/usr/bin/env bash
# Benchmarks kput/kpull/kstream against kcat 1.7.1 on one local kmock cluster, in one run, same data.
#
#   ./Benchmarks/run.sh                       full run: 1,000,000 messages, median of 3 runs;
#                                             writes Benchmarks/results-<date>.md (Markdown for the README)
#   BENCH_N=20000 RUNS=1 ./Benchmarks/run.sh  quick mode for development (results go to the work dir)
#
# Environment:
#   KF_BIN=DIR             where kput, kpull, kstream, kmock are (default .build/release)
#   BENCH_N=N              messages per throughput run (default 1000000)
#   RUNS=R                 runs per row, the median is reported (default 3)
#   BENCH_ROWS=a,b         rows to run: produce,produce-text,drain,sync,envelope,tail,startup,latency,acks,avro
#                          (default all; acks: Benchmarks/bench_acks.py, issue 23's pipeline with and without --acks,
#                          results-<date>-acks-librdkafka-<version>.md; avro: Benchmarks/bench_avro.py, issue 22's
#                          rows, results-<date>-avro.md)
#   BENCH_ACKS_FILTERS=f,g the acks row's filters: jq,grep,cat (default jq,grep); BENCH_ACKS_OUT=FILE its report
#   BENCH_SYNC_N=N         messages for the kpull --commit sync row (default min(N, 100000): one round trip each)
#   BENCH_STARTUP_RUNS=R   runs of the one-message rows (default max(RUNS, 5))
#   BENCH_LAT_SECONDS=S    latency run length at BENCH_LAT_RATE msg/s (defaults 10 s, 1000/s)
#   BENCH_PARTITIONS, BENCH_BROKERS, BENCH_LINE_BYTES   (defaults 128, 3, 200)
#   BENCH_OUT=FILE         where to write the Markdown table; BENCH_WORK=DIR  scratch dir (data, outputs, stderr)
#   KCAT=PATH              the kcat to compare with (default kcat from PATH)
#   BENCH_OURS_X, BENCH_KCAT_X   extra options for experiments, e.g. BENCH_OURS_X="-X queued.max.messages.kbytes=65536"
#
# Needs kcat, GNU time, python3 with confluent_kafka; installs what is missing (Debian). The make target `bench`
# builds first (make bench KF_BIN=...); to build in a private scratch dir:
#   swift build -c release --scratch-path .build-bench && KF_BIN=.build-bench/release ./Benchmarks/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export KF_BIN=${KF_BIN:-.build/release}

case "${1:-}" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac

SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
need=""
command -v "${KCAT:-kcat}" >/dev/null 2>&1 || need="$need kcat"
command -v python3 >/dev/null 2>&1 || need="$need python3"
command -v jq >/dev/null 2>&1 || need="$need jq"   # the acks row's filter
[ -x "${BENCH_TIME:-/usr/bin/time}" ] || need="$need time"   # GNU time: peak RSS and CPU of each tool process
if [ -n "$need" ]; then
    echo "installing:$need" >&2
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
fi
python3 -c 'import confluent_kafka' 2>/dev/null || python3 -m pip install -q confluent-kafka 2>/dev/null \
    || python3 -m pip install -q --break-system-packages confluent-kafka

for t in kput kpull kstream kmock; do
    [ -x "$KF_BIN/$t" ] || { echo "run.sh: $KF_BIN/$t not found: build first (make build, or set KF_BIN)" >&2; exit 66; }
done
# The rows against kcat, then (unless BENCH_ROWS leaves them out) issue 23's acks row: the cron pipeline
# kpull | jq | kput with and without --acks (Benchmarks/bench_acks.py), and issue 22's Avro rows: a drain
# decoding through a schema registry against the same drain without it and Python's AvroDeserializer, and
# produce as Avro against plain kput (Benchmarks/bench_avro.py: the tests' registry stand-in, fastavro).
rows=${BENCH_ROWS:-all}
has() { case ",$rows," in *,"$1",*|,all,) return 0 ;; esac; return 1; }
for r in produce produce-text drain sync envelope tail startup latency; do
    if has "$r"; then python3 Benchmarks/bench.py; break; fi
done
if has acks; then
    python3 Benchmarks/bench_acks.py
fi
if has avro; then
    python3 -c 'import confluent_kafka.schema_registry.avro, fastavro' 2>/dev/null \
        || python3 -m pip install -q 'confluent-kafka[avro,schemaregistry]' 2>/dev/null \
        || python3 -m pip install -q --break-system-packages 'confluent-kafka[avro,schemaregistry]'
    python3 Benchmarks/bench_avro.py
fi
