#!/usr/bin/env bash
# Yesterday's messages, by their own timestamps, into one file per day: a time window from cron.
#
#   5 0 * * * KAFKA_BROKERS=k1:9092 /usr/local/bin/daily-window.sh events /srv/spool/events
#
# kpull --no-group reads without a consumer group: it joins nothing, commits nothing and leaves no
# offsets behind, so the window can be read again (a rerun writes the same file). -o @DAY starts each
# partition at its first message stamped at or after midnight (local time, as date(1) reads a date);
# --until @NEXTDAY stops each partition before its first message stamped at or after the next
# midnight, or at its end as of the start, whichever comes first: a day in the past never waits.
#
#   daily-window.sh TOPIC [SPOOL] [DAY]     DAY defaults to yesterday (YYYY-MM-DD)
#
# FROM overrides the start (e.g. FROM=beginning): librdkafka's mock cluster answers every lookup by
# time with "none", so on kmock a window starting @DAY is always empty.
set -euo pipefail
topic=${1:-events}
spool=${2:-.}
day=${3:-$(date -d yesterday +%F)}
next=$(date -d "$day + 1 day" +%F)
# For kmock, the local mock cluster (see pull-jq.sh); a real cluster does not need it.
fast=(-X fetch.wait.max.ms=10)

out=$spool/$topic.$day.jsonl
kpull -t "$topic" --no-group -o "${FROM:-@$day}" --until "@$next" "${fast[@]}" > "$out.part"
mv "$out.part" "$out"
echo "$out"
