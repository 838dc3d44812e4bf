#!/usr/bin/env bash
# A cron pipeline that loses nothing: read what is new on one topic, filter and edit it with jq, write
# the result to another topic, and commit each input message only once it is done (issue 23):
#
#   */5 * * * * KAFKA_BROKERS=k1:9092 /usr/local/bin/cron-pipeline.sh pin pout /run/user/1000
#
# --acks P on both ends: kput tells kpull through the Unix socket P which input lines the cluster has
# acknowledged; kpull commits a message only when its output is acknowledged, or when jq dropped it
# (jq keeps the lines' order, so a later acknowledged line proves it). The jq program keeps the
# envelope kpull wrote (it edits .value, never prints .value alone): kput --acks needs each line's
# topic, partition and offset. Killed anywhere (kpull, jq, kput, the machine), the next run reads
# again what was not done: duplicates in pout are possible, losses are not. Exit 75: run again.
set -uo pipefail
in=${1:-pin}
out=${2:-pout}
dir=${3:-${XDG_RUNTIME_DIR:-/tmp}}
# For kmock, the local mock cluster (see pull-jq.sh); a real cluster does not need them.
fast=(-X fetch.wait.max.ms=10 -X session.timeout.ms=6000)

exec 9> "$dir/.pipeline.$in.lock"
if ! flock -n 9; then
    echo "cron-pipeline: a run for $in is still going" >&2
    exit 0
fi
acks=$dir/pipeline.$in.sock

kpull -t "$in" -g "pipeline.$in" -e --acks "$acks" "${fast[@]}" |
    jq -c 'select(.value.n % 3 != 0) | .value.m = .value.n * 2' |
    kput -t "$out" --envelope --acks "$acks"
codes=("${PIPESTATUS[@]}")
# The worst of the three: kpull says whether what it read is committed (75: some of it comes again).
status=0
for c in "${codes[@]}"; do [ "$c" -gt "$status" ] && status=$c; done
exit $status
