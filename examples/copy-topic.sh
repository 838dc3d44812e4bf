#!/usr/bin/env bash
# Copy a topic byte for byte: keys, headers, timestamps and values (binary ones too) travel in kpull's
# envelope, and kput --envelope produces them exactly. Add --keep-partition to kput when DEST has the
# same partitions as SOURCE, to keep every message in its partition (and so in its order).
#
#   KAFKA_BROKERS=k1:9092 examples/copy-topic.sh SOURCE DEST [GROUP]
#
# kpull commits a message once its line is in the pipe, so a message kput then cannot deliver is not
# read again: kput keeps such lines in the rejects file, to replay with kput --envelope -t DEST FILE.
set -euo pipefail
src=$1
dst=$2
group=${3:-copy.$src.$dst}
rejects=${REJECTS:-$dst.rejects.jsonl}
# For kmock, the local mock cluster (see pull-jq.sh); a real cluster does not need them.
fast=(-X fetch.wait.max.ms=10 -X session.timeout.ms=6000)

status=0
kpull -t "$src" -g "$group" -e "${fast[@]}" | kput --envelope -t "$dst" --rejects "$rejects" || status=$?
if [ -s "$rejects" ]; then
    echo "copy-topic: undelivered lines are in $rejects; replay: kput --envelope -t $dst $rejects" >&2
else
    rm -f "$rejects"
fi
exit $status
