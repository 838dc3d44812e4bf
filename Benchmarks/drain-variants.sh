#!/usr/bin/env bash
# Compares kpull builds on the drain path: one kmock, N lines of ~200 B produced once with kput, then per
# build RUNS drains (fresh group, -e, --format value, output to /dev/null), each measured twice over: user+sys
# CPU and peak RSS from GNU time, and user-space instructions from perf stat (the robust figure on a loaded
# machine; wall time is not). Where perf has no hardware counters (a VM: "<not supported>"), instructions
# come from valgrind callgrind instead: the total over all threads, and the main thread's alone (where the
# messages are handled; librdkafka's fetch threads add timer noise to the total), medians of CG_RUNS (3) runs
# with --format value and as many with the default envelope. One envelope run under GNU time per build.
#
#   Benchmarks/drain-variants.sh today=/tmp/kpull-a borrowed=/tmp/kpull-b owned=/tmp/kpull-c
#
# Environment: KF_BIN (kmock and kput, default .build/release), N (300000), RUNS (5), CG_RUNS (3), PARTITIONS (128),
# WORK (scratch dir, default a temp dir). Every drain's line count is checked (one unmeasured run per build).
set -euo pipefail
KF_BIN=${KF_BIN:-.build/release}
N=${N:-300000}
RUNS=${RUNS:-5}
CG_RUNS=${CG_RUNS:-3}
PARTITIONS=${PARTITIONS:-128}
WORK=${WORK:-$(mktemp -d)}
[ $# -gt 0 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 64; }

python3 - "$N" > "$WORK/data" <<'EOF'
import random, sys
rnd = random.Random(7)
words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()
for i in range(int(sys.argv[1])):
    s = '{"id":%d,"user":"u%06d","event":"%s","amount":%.2f,"ok":true,"note":"' % (
        i, rnd.randrange(10**6), rnd.choice(words), rnd.random() * 1000)
    while len(s) < 196: s += rnd.choice(words) + " "
    print(s[:196] + '"}')
EOF

mkfifo "$WORK/ctl"
"$KF_BIN/kmock" --brokers 3 < "$WORK/ctl" > "$WORK/kmock.out" 2> "$WORK/kmock.err" &
KMOCK=$!
exec 3> "$WORK/ctl"
trap 'exec 3>&-; kill $KMOCK 2>/dev/null; wait $KMOCK 2>/dev/null || true' EXIT
until [ -s "$WORK/kmock.out" ]; do sleep 0.1; done
B=$(head -1 "$WORK/kmock.out")
echo "topic drain $PARTITIONS" >&3
until grep -q '^ok\|^error' "$WORK/kmock.out"; do sleep 0.1; done
"$KF_BIN/kput" -b "$B" -t drain -X sticky.partitioning.linger.ms=0 < "$WORK/data"

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
group() { echo "bench-$$-$(date +%s%N)"; }   # a fresh group per run (a counter would not survive $(...))
perf stat -x, -e instructions:u -o "$WORK/perf" true
HAVE_PERF=$(grep -q '^[0-9]' "$WORK/perf" && echo 1 || echo 0)
callgrind() { # build, format args...: prints "total_instructions main_thread_instructions"
    local bin=$1; shift
    rm -f "$WORK"/cg.*
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$WORK/cg.%p" \
        "$bin" -b "$B" -t drain -g "$(group)" -e "$@" -X fetch.wait.max.ms=10 2> "$WORK/cg.err" | wc -l > "$WORK/cg.lines"
    [ "$(cat "$WORK/cg.lines")" -eq "$N" ] || { echo "callgrind run drained $(cat "$WORK/cg.lines") lines, not $N" >&2; exit 1; }
    local total main
    total=$(cat "$WORK"/cg.*-[0-9]* | awk '/^summary:/ {s += $2} END {printf "%.0f\n", s}')
    main=$(awk '/^summary:/ {print $2; exit}' "$WORK"/cg.*-01)
    echo "$total $main"
}
drain() { # build, format args...: prints "cpu_s rss_kib instructions"
    local bin=$1; shift
    perf stat -x, -e instructions:u -o "$WORK/perf" /usr/bin/time -f '%U %S %M' -o "$WORK/time" \
        "$bin" -b "$B" -t drain -g "$(group)" -e "$@" -X fetch.wait.max.ms=10 > /dev/null
    read -r u s m < "$WORK/time"
    echo "$(echo "$u + $s" | bc) $m $(grep instructions "$WORK/perf" | cut -d, -f1 | grep '^[0-9]' || echo 0)"
}

printf '%-10s %7s %7s %9s %9s %8s | %7s %9s %9s\n' build "cpu s" "us/msg" "ins/msg" "main/msg" "RSS KiB" "env cpu" "ins/msg" "main/msg"
for spec in "$@"; do
    name=${spec%%=*}; bin=${spec#*=}
    got=$("$bin" -b "$B" -t drain -g "check-$$-$name" -e --format value -X fetch.wait.max.ms=10 | wc -l)
    [ "$got" -eq "$N" ] || { echo "$name: drained $got lines, not $N" >&2; exit 1; }
    : > "$WORK/runs-$name"
    for _ in $(seq "$RUNS"); do drain "$bin" --format value >> "$WORK/runs-$name"; done
    read -r ecpu _ eins <<< "$(drain "$bin")"
    cpu=$(cut -d' ' -f1 "$WORK/runs-$name" | median)
    rss=$(cut -d' ' -f2 "$WORK/runs-$name" | median)
    ins=$(cut -d' ' -f3 "$WORK/runs-$name" | median)
    main=0; emain=0
    if [ "$HAVE_PERF" = 0 ]; then
        : > "$WORK/cg-$name"
        for _ in $(seq "$CG_RUNS"); do callgrind "$bin" --format value >> "$WORK/cg-$name"; done
        ins=$(cut -d' ' -f1 "$WORK/cg-$name" | median)
        main=$(cut -d' ' -f2 "$WORK/cg-$name" | median)
        : > "$WORK/cge-$name"
        for _ in $(seq "$CG_RUNS"); do callgrind "$bin" >> "$WORK/cge-$name"; done
        eins=$(cut -d' ' -f1 "$WORK/cge-$name" | median)
        emain=$(cut -d' ' -f2 "$WORK/cge-$name" | median)
        echo "  callgrind (total main) value: $(tr '\n' ';' < "$WORK/cg-$name") envelope: $(tr '\n' ';' < "$WORK/cge-$name")" >&2
    fi
    printf '%-10s %7.2f %7.2f %9.0f %9.0f %8s | %7.2f %9.0f %9.0f\n' "$name" "$cpu" "$(echo "$cpu * 1000000 / $N" | bc -l)" \
        "$(echo "$ins / $N" | bc -l)" "$(echo "$main / $N" | bc -l)" "$rss" "$ecpu" "$(echo "$eins / $N" | bc -l)" \
        "$(echo "$emain / $N" | bc -l)"
    echo "  runs (cpu rss instr): $(tr '\n' ';' < "$WORK/runs-$name")" >&2
done
