#!/usr/bin/env bash
# kstream -o under logrotate. kstream appends each message to the log file as it arrives and reopens
# the file on SIGHUP, which logrotate's postrotate sends (kstream.logrotate is the snippet). No line is
# lost or split across the two files. Here the whole cycle runs in a scratch directory: start kstream,
# produce, rotate, produce again, stop kstream (SIGTERM: flush, commit, exit 0).
# In production kstream runs under systemd or a supervisor that writes its pid file.
#
#   KAFKA_BROKERS=k1:9092 examples/kstream-logrotate.sh [TOPIC] [DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
topic=${1:-events}
dir=${2:-$(mktemp -d)}
log=$dir/events.log
pidfile=$dir/kstream-events.pid
# For kmock, the local mock cluster (see pull-jq.sh); a real cluster does not need them.
fast=(-X fetch.wait.max.ms=10 -X session.timeout.ms=6000)

# Waits until the files $2... hold $1 lines between them.
wait_lines() {
    local want=$1
    shift
    for _ in $(seq 300); do
        [ "$(cat "$@" 2>/dev/null | wc -l)" -ge "$want" ] && return 0
        sleep 0.1
    done
    echo "kstream-logrotate: $* did not reach $want lines" >&2
    return 1
}

# Produce first: kstream refuses a topic that does not exist yet (exit 69), and --from beginning
# still gives it these five.
for i in 1 2 3 4 5; do echo "{\"n\":$i}"; done | kput -t "$topic"

kstream -t "$topic" --from beginning -o "$log" "${fast[@]}" &
echo $! > "$pidfile"
trap 'kill -TERM "$(cat "$pidfile")" 2>/dev/null || true' EXIT
wait_lines 5 "$log"

# Rotate: logrotate with the snippet (its paths pointed at $dir), or by hand what it does.
if command -v logrotate > /dev/null; then
    sed -e "s|/var/log/kstream/events.log|$log|" -e "s|/run/kstream-events.pid|$pidfile|" \
        "$here/kstream.logrotate" > "$dir/logrotate.conf"
    logrotate -f -s "$dir/logrotate.state" "$dir/logrotate.conf"
else
    mv "$log" "$log.1"
    kill -HUP "$(cat "$pidfile")"
fi

# kstream writes out what it holds, then reopens the path, creating the new file. (Lines that arrive
# before it has handled the SIGHUP still go to the old file, complete: hence delaycompress.)
for _ in $(seq 300); do [ -e "$log" ] && break; sleep 0.1; done
[ -e "$log" ] || { echo "kstream-logrotate: kstream did not reopen $log" >&2; exit 1; }

for i in 6 7 8 9 10; do echo "{\"n\":$i}"; done | kput -t "$topic"
wait_lines 10 "$log.1" "$log"

trap - EXIT
kill -TERM "$(cat "$pidfile")"
status=0
wait "$(cat "$pidfile")" || status=$?
echo "kstream exited $status; events.log.1: $(wc -l < "$log.1") lines, events.log: $(wc -l < "$log") lines"
exit $status
