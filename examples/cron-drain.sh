#!/usr/bin/env bash
# A cron job that drains a topic into a new file per run, one run at a time:
#
#   */5 * * * * KAFKA_BROKERS=k1:9092 /usr/local/bin/cron-drain.sh events /srv/spool/events
#
# flock -n: if the previous run is still going, this one leaves at once (exit 0) instead of piling up.
# kpull -e takes what is there when it starts and exits. It commits each message only after its line
# is written, so every committed message is in a file; after a crash the next file may repeat the
# last few lines (at least once), and none is lost. Readers of the spool skip *.part files.
set -euo pipefail
topic=${1:-events}
spool=${2:-.}
# For kmock, the local mock cluster (see pull-jq.sh); a real cluster does not need them.
fast=(-X fetch.wait.max.ms=10 -X session.timeout.ms=6000)

exec 9> "$spool/.$topic.lock"
if ! flock -n 9; then
    echo "cron-drain: a drain of $topic is still running" >&2
    exit 0
fi

out=$spool/$topic.$(date -u +%Y%m%dT%H%M%SZ).$$.jsonl
status=0
kpull -t "$topic" -g "drain.$topic" -e "${fast[@]}" > "$out.part" || status=$?
# Keep whatever was written, even when kpull failed: its offsets may be committed. kpull said why on
# stderr, which cron mails, and its exit status says whether to worry (75: try later; 78: fix config).
if [ -s "$out.part" ]; then
    mv "$out.part" "$out"
    echo "$out"
else
    rm -f "$out.part"
fi
exit $status
