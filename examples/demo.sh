#!/usr/bin/env bash
# The main job on a local mock cluster: lines go in with kput, come out with kpull (drained, piped to jq)
# and with kstream (a tail into a log file), both in their own consumer groups, so both see every message.
set -euo pipefail
BIN=${KF_BIN:-.build/release}
PATH="$BIN:$PATH"
work=$(mktemp -d)
trap 'kill $kmock_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "start a 3-broker mock cluster (kmock)"
# kmock reads fault commands on stdin; a fifo held open by this script lets the demo send some.
mkfifo "$work/faults"
kmock --brokers 3 --topic events:3 --env-file "$work/env" > "$work/kmock.out" < "$work/faults" &
kmock_pid=$!
exec 3> "$work/faults"
for _ in $(seq 100); do [ -s "$work/env" ] && break; sleep 0.1; done
. "$work/env"; export KAFKA_BROKERS
echo "KAFKA_BROKERS=$KAFKA_BROKERS"
# The mock waits the whole fetch.wait.max.ms when idle; a short wait keeps the demo snappy.
FAST=(-X fetch.wait.max.ms=10 -X session.timeout.ms=6000)

say "kstream -t events --from beginning -o events.log   (a tail, in the background)"
kstream -t events --from beginning -o "$work/events.log" "${FAST[@]}" &
kstream_pid=$!

say "echo lines | kput -t events --report"
for i in 1 2 3 4 5; do echo "{\"id\":$i,\"user\":\"u$((i % 2))\",\"amount\":$((i * 10))}"; done |
    kput -t events --report -k user

say "a bad line is named, kept in rejects, and the rest still flows (exit 65)"
printf '{"id":6}\nnot json\n{"id":7}\n' | kput -t events --rejects "$work/rejects.jsonl" || echo "kput exit status: $?"
echo "rejects file: $(cat "$work/rejects.jsonl")"

say "the producer retries while the brokers are down, and delivers once they are back"
for id in 1 2 3; do echo "down $id" >&3; done
( sleep 3; for id in 1 2 3; do echo "up $id" >&3; done; echo "(brokers back up after 3 s)" >&2 ) &
start=$(date +%s)
echo '{"id":8,"note":"sent while the cluster was down"}' | kput -t events --report
echo "delivered after $(( $(date +%s) - start )) s"
wait $!

say "kpull -t events -e | jq -c '{offset, id: .value.id}'   (drain what is new and exit)"
kpull -t events -e "${FAST[@]}" | jq -c '{partition, offset, id: .value.id}'

say "kpull again: the group is drained, nothing new"
kpull -t events -e "${FAST[@]}" | wc -l

say "kstream has written every message to its log file"
for _ in $(seq 100); do [ "$(wc -l < "$work/events.log" 2>/dev/null || echo 0)" -ge 8 ] && break; sleep 0.1; done
kill -TERM $kstream_pid; wait $kstream_pid || true
jq -c '{partition, offset, value}' "$work/events.log"

say "copy the topic byte-exactly: kpull --from beginning | kput --envelope"
kpull -t events -g copier -e "${FAST[@]}" | kput --envelope -t events-copy
kpull -t events-copy -e "${FAST[@]}" | jq -c .value

say "done"
