#!/usr/bin/env bash
# Replaying rejects. kput names each bad line on stderr (source:line: reason) and appends it, raw, to
# the --rejects file; the good lines still go out, and kput exits 65. Fix the rejected lines (here
# with sed; usually in an editor) and send them again. Lines that could not be delivered (exit 75)
# land in the same file, and are replayed the same way.
#
#   KAFKA_BROKERS=k1:9092 examples/replay-rejects.sh [TOPIC] [DIR]
set -euo pipefail
topic=${1:-events}
dir=${2:-$(mktemp -d)}

printf '%s\n' '{"id":1,"ok":true}' '{"id":2,"ok":true' '{"id":3,"ok":true}' "{'id':4,'ok':true}" \
    > "$dir/input.jsonl"

status=0
kput -t "$topic" --rejects "$dir/bad.jsonl" "$dir/input.jsonl" || status=$?
echo "kput exited $status; the rejected lines:"
cat "$dir/bad.jsonl"

# The fix: close the object, use double quotes. Then replay, and keep the file until that worked.
sed -i -e 's/true$/true}/' -e "s/'/\"/g" "$dir/bad.jsonl"
kput -t "$topic" "$dir/bad.jsonl"
rm "$dir/bad.jsonl"
echo "replayed"
