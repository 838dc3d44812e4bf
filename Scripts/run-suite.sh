#!/usr/bin/env bash
# Runs the XCTest suite (built by `swift build --build-tests`) in TEST_SHARDS processes at once
# (default 3), each a whole set of test classes, and writes every shard's output, one after the other,
# to LOG. Most end-to-end tests wait on the mock cluster (a group's first join takes 3 s), not on the
# CPU, so three shards on two cores take about half the time of one process.
#
# Each shard is its own test process, so it starts its own kmock (Harness: one per test process), its
# own temporary folder and its own registry stand-ins; tests already take unique topic and group names.
# Classes are dealt to the shards by their weight in Tests/shard-weights.txt (seconds measured on one
# run, the heaviest first, each to the lightest shard); a class not listed there weighs DEFAULT_WEIGHT.
# TEST_SHARDS=1 runs the suite in one process, as `swift test` does.
#
# The bundle is run directly (not through `swift test`), since SwiftPM locks .build for the length of
# a command. Exit status: 0 when every shard passed, else 1; Scripts/test-summary.py LOG counts.
set -uo pipefail
cd "$(dirname "$0")/.."
log=${1:?usage: Scripts/run-suite.sh LOG}
shards=${TEST_SHARDS:-3}
bundle=$(ls -d .build/debug/*PackageTests.xctest 2>/dev/null | head -1)
[ -n "$bundle" ] || { echo "run-suite: no test bundle in .build/debug: swift build --build-tests first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# "Module.Class/test" lines → the classes, in the order XCTest lists them.
"$bundle" --list-tests 2>/dev/null | sed -n 's#^\([A-Za-z0-9_]*\.[A-Za-z0-9_]*\)/.*#\1#p' | uniq > "$work/classes"
[ -s "$work/classes" ] || { echo "run-suite: $bundle lists no tests" >&2; exit 1; }

# Deal the classes: heaviest first, each to the shard with the least weight so far.
python3 - "$work/classes" Tests/shard-weights.txt "$shards" "$work" <<'EOF'
import sys
classes_path, weights_path, shards, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
DEFAULT_WEIGHT = 10.0
weights = {}
try:
    for line in open(weights_path, encoding="utf-8"):
        line = line.split("#", 1)[0].split()
        if len(line) == 2:
            weights[line[0]] = float(line[1])
except FileNotFoundError:
    pass
classes = [c.strip() for c in open(classes_path, encoding="utf-8") if c.strip()]
load = [0.0] * max(1, shards)
dealt = [[] for _ in load]
for name in sorted(classes, key=lambda c: -weights.get(c, DEFAULT_WEIGHT)):
    i = load.index(min(load))
    dealt[i].append(name)
    load[i] += weights.get(name, DEFAULT_WEIGHT)
for i, names in enumerate(dealt):
    if names:
        with open(f"{work}/spec{i}", "w", encoding="utf-8") as f:
            f.write(",".join(names) + "\n")
        print(f"run-suite: shard {i + 1}: {len(names)} classes, ~{load[i]:.0f} s", file=sys.stderr)
EOF

pids=()
for spec in "$work"/spec*; do
    "$bundle" "$(cat "$spec")" > "$work/log${spec##*/spec}" 2>&1 &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done

: > "$log"
n=0
for out in "$work"/log*; do
    n=$((n + 1))
    echo "=== run-suite: shard $n ===" >> "$log"
    cat "$out" >> "$log"
done
cat "$log"
exit $status
