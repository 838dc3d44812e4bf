#!/usr/bin/env python3
"""Instruction counts of --acks: kpull | grep | kput over N messages (default 100,000), with and without
--acks, kpull and kput each under valgrind's callgrind, on one kmock (issue 23; see README.md, Profiling).

  KF_BIN=.build/release python3 Benchmarks/profile_acks.py [N]

Prints each tool's total and main-thread instructions (the inclusive cost of __libc_start_main: the tool's
own work and the librdkafka calls it makes; the background threads' counts depend on timing) and writes
callgrind.acks-TOOL-MODE.out to $BENCH_WORK (default /tmp/kf-profile-acks).
"""
import json
import os
import subprocess
import sys

os.environ.setdefault("BENCH_WORK", "/tmp/kf-profile-acks")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as b  # noqa: E402

N = int(sys.argv[1].replace("_", "")) if len(sys.argv) > 1 else 100_000
W = b.WORK
VG = ["valgrind", "--tool=callgrind", "--dump-instr=no", "--collect-jumps=no"]


def counts(path):
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path], capture_output=True, text=True).stdout
    total = main = None
    for ln in text.splitlines():
        n = ln.split()[0].replace(",", "") if ln.strip() else ""
        if "PROGRAM TOTALS" in ln:
            total = int(n)
        elif "__libc_start_main" in ln and main is None and n.isdigit():
            main = int(n)
    return total, main


def main():
    os.makedirs(W, exist_ok=True)
    data = os.path.join(W, f"acks-in-{N}.jsonl")
    with open(data, "w") as f:
        for i in range(N):
            f.write(json.dumps({"n": i, "third": i % 3, "ts": 1_764_806_400_000 + i * 7, "user": f"u{(i * 7919) % 10**6:06d}",
                                "event": "click", "amount": 1.5, "ok": True}, separators=(",", ":")) + "\n")
    k = b.Kmock("kmock-profile-acks")
    try:
        k.topic("in")
        subprocess.run([os.path.join(b.BIN, "kput"), "-b", k.bootstrap, "-t", "in"], stdin=open(data), check=True)
        if k.count("in") != N:
            raise SystemExit(f"in holds {k.count('in')} of {N}")
        for mode in ("plain", "acks"):
            out = k.topic(f"out-{mode}")
            acks = ["--acks", os.path.join(W, f"{mode}.sock")] if mode == "acks" else []
            cg = lambda tool: f"--callgrind-out-file={W}/callgrind.acks-{tool}-{mode}.out"
            p1 = subprocess.Popen(VG + [cg("kpull"), os.path.join(b.BIN, "kpull"), "-b", k.bootstrap, "-t", "in", "-g", f"g-{mode}",
                                        "-e"] + b.FETCH + acks, stdout=subprocess.PIPE, stderr=open(f"{W}/kpull-{mode}.err", "w"))
            p2 = subprocess.Popen(["grep", "-v", '"third":0'], stdin=p1.stdout, stdout=subprocess.PIPE)
            p1.stdout.close()
            p3 = subprocess.Popen(VG + [cg("kput"), os.path.join(b.BIN, "kput"), "-b", k.bootstrap, "-t", out, "--envelope"] + acks,
                                  stdin=p2.stdout, stderr=open(f"{W}/kput-{mode}.err", "w"))
            p2.stdout.close()
            codes = [p.wait() for p in (p1, p2, p3)]
            print(f"{mode}: exits {codes}, out {k.count(out)}, committed {k.committed(f'g-{mode}', 'in')}", flush=True)
        for tool in ("kpull", "kput"):
            (pt, pm), (at, am) = counts(f"{W}/callgrind.acks-{tool}-plain.out"), counts(f"{W}/callgrind.acks-{tool}-acks.out")
            print(f"{tool}: main thread {pm:,} without --acks, {am:,} with ({(am / pm - 1) * 100:+.1f}%); "
                  f"all threads {pt:,} and {at:,} ({(at / pt - 1) * 100:+.1f}%)")
    finally:
        k.close()


if __name__ == "__main__":
    main()
