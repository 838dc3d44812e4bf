#!/usr/bin/env bash
# A cron job that mails when the nightly drain falls behind:
#
#   30 6 * * * KAFKA_BROKERS=k1:9092 /usr/local/bin/lag-alert.sh nightly 10000 ops@example.com
#
# kmeta lag prints the group's lag per partition (one JSON line each) and, with --max-lag, exits 1
# when the total is over the limit, after printing everything. Any other exit means the lag could not
# be checked (69: no broker, unknown topic, or a group with no committed offsets; 78: configuration),
# which is worth a mail too. Quiet, and exit 0, while the group keeps up.
#
#   lag-alert.sh GROUP MAX_LAG [ADDRESS [TOPIC...]]   (default ADDRESS: root; default topics: all the
#                                                     group has committed on)
set -uo pipefail
group=${1:?usage: lag-alert.sh GROUP MAX_LAG [ADDRESS [TOPIC...]]}
max=${2:?usage: lag-alert.sh GROUP MAX_LAG [ADDRESS [TOPIC...]]}
to=${3:-root}
shift $(( $# < 3 ? $# : 3 ))
topics=()
for t in "$@"; do topics+=(-t "$t"); done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
kmeta lag -g "$group" "${topics[@]}" --max-lag "$max" > "$work/lag.jsonl" 2> "$work/errors" || status=$?
case $status in
    0) exit 0 ;;
    1) subject="kafka: group $group is $(jq -s 'map(.lag // 0) | add' "$work/lag.jsonl") behind (limit $max)" ;;
    *) subject="kafka: cannot check the lag of group $group (kmeta exit $status)" ;;
esac
{
    cat "$work/errors"
    echo
    echo "partitions behind (topic partition committed high lag):"
    jq -r 'select(.lag != 0) | "\(.topic) \(.partition) \(.committed) \(.high) \(.lag)"' "$work/lag.jsonl"
} | mail -s "$subject" "$to"
exit $status
