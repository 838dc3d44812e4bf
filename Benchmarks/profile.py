#!/usr/bin/env python3
"""Instruction profiles of one benchmark workload under valgrind's callgrind, ours and kcat's, on one kmock.

  KF_BIN=.build-bench/release python3 Benchmarks/profile.py WORKLOAD [N]

WORKLOAD: produce | drain | envelope | tail | all (default N = 100,000). For each tool it prints the total
instructions (all threads) and the main thread's (the tool's own work and the librdkafka calls it makes),
each also per message, and writes callgrind.<workload>-<tool>.out plus an inclusive, demangled
callgrind_annotate listing (.txt) to $BENCH_WORK (default /tmp/kf-profile).
Instruction counts are reproducible where wall time on a shared machine is not; inspect a profile with
`callgrind_annotate --inclusive=yes FILE` or kcachegrind.
"""
import os
import signal
import subprocess
import sys
import time

os.environ.setdefault("BENCH_WORK", "/tmp/kf-profile")
import bench  # noqa: E402  (same data, same cluster handling, same settings as the benchmark)

VALGRIND = ["valgrind", "--tool=callgrind", "--dump-instr=no", "--collect-jumps=no"]


def annotate(path, out_txt):
    """Total instructions, and those of the main thread (inclusive cost of __libc_start_main): the tool's
    own work plus the librdkafka calls it makes; the rest is librdkafka's background threads, whose count
    depends on timing (idle wake-ups) and is less reproducible."""
    res = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=99", path], capture_output=True, text=True)
    text = res.stdout
    try:
        text = subprocess.run(["swift-demangle", "--simplified"], input=text, capture_output=True, text=True).stdout or text
    except OSError:
        pass
    with open(out_txt, "w") as f:
        f.write(text)
    total = main = None
    for ln in text.splitlines():
        if "PROGRAM TOTALS" in ln:
            total = int(ln.split()[0].replace(",", ""))
        elif "__libc_start_main" in ln and main is None:
            main = int(ln.split()[0].replace(",", ""))
    return total, main


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    bench.N = n
    os.makedirs(bench.WORK, exist_ok=True)
    k = bench.Kmock()
    data = bench.data_file(n)
    size = os.path.getsize(data)
    b = k.bootstrap
    kb = lambda tool: os.path.join(bench.BIN, tool)  # noqa: E731
    try:
        src = k.topic(f"prof-src-{bench.UID}")
        subprocess.run([bench.KCAT, "-b", b, "-P", "-q", "-t", src] + bench.SPREAD, stdin=open(data, "rb"), check=True)
        assert k.count(src) == n, "source topic incomplete"
        jobs = []
        if what in ("produce", "all"):
            for who, cmd in (("kput", [kb("kput"), "-b", b, "-t", "T"] + bench.SPREAD),
                             ("kcat", [bench.KCAT, "-b", b, "-P", "-t", "T", "-X", "enable.idempotence=true"] + bench.SPREAD)):
                jobs.append(("produce", who, cmd, "stdin"))
        if what in ("drain", "all"):
            jobs.append(("drain", "kpull", [kb("kpull"), "-b", b, "-t", src, "-g", "G", "-e", "--format", "value"] + bench.FETCH, "out"))
            jobs.append(("drain", "kcat", [bench.KCAT, "-b", b, "-G", "G", "-o", "beginning", "-e", "-q"] + bench.FETCH + [src], "out"))
        if what in ("envelope", "all"):
            jobs.append(("envelope", "kpull", [kb("kpull"), "-b", b, "-t", src, "-g", "G", "-e"] + bench.FETCH, "out"))
            jobs.append(("envelope", "kcat", [bench.KCAT, "-b", b, "-G", "G", "-o", "beginning", "-e", "-q", "-J"] + bench.FETCH + [src], "out"))
        if what in ("tail", "all"):
            jobs.append(("tail", "kstream", [kb("kstream"), "-b", b, "-t", src, "-g", "G", "--from", "beginning",
                                             "--format", "value", "-o", "FILE"] + bench.FETCH, "file"))
            jobs.append(("tail", "kcat", [bench.KCAT, "-b", b, "-G", "G", "-o", "beginning", "-q"] + bench.FETCH + [src], "tail"))
        for i, (work, who, cmd, io) in enumerate(jobs):
            name = f"{work}-{who}"
            topic = k.topic(f"prof-{name}-{i}-{bench.UID}") if work == "produce" else None
            out = os.path.join(bench.WORK, f"prof-{name}.out")
            if os.path.exists(out):
                os.unlink(out)
            cmd = [c.replace("FILE", out) for c in cmd]
            cmd = [topic if c == "T" else (f"prof-g-{i}-{bench.UID}" if c == "G" else c) for c in cmd]
            cg = os.path.join(bench.WORK, f"callgrind.{name}.out")
            fin = open(data, "rb") if io == "stdin" else subprocess.DEVNULL
            fout = open(out, "wb") if io in ("out", "tail") else subprocess.DEVNULL
            t0 = time.monotonic()
            p = subprocess.Popen(VALGRIND + [f"--callgrind-out-file={cg}"] + cmd, stdin=fin, stdout=fout,
                                 stderr=open(os.path.join(bench.WORK, f"prof-{name}.err"), "wb"))
            if io in ("file", "tail"):
                # A tail: stop it once the file holds every line (kcat: within its last stdio block, then idle).
                last, since = -1, time.monotonic()
                while p.poll() is None:
                    sz = os.path.getsize(out) if os.path.exists(out) else 0
                    if sz != last:
                        last, since = sz, time.monotonic()
                    if sz >= size or (sz >= size - 65536 and time.monotonic() - since > 2):
                        p.send_signal(signal.SIGTERM)
                        break
                    time.sleep(0.05)
            p.wait()
            wall = time.monotonic() - t0
            if io == "stdin":
                got = k.count(topic)
            else:
                got = bench.line_count(out)
            total, main = annotate(cg, cg + ".txt")
            flag = "" if got == n else f"  INVALID: {got} of {n}"
            print(f"{name:18s} total {total or 0:>15,} Ir {(total or 0) / n:>8,.0f}/msg   main thread {main or 0:>15,} Ir "
                  f"{(main or 0) / n:>7,.0f}/msg  ({wall:.1f}s under valgrind){flag}", flush=True)
            print(f"    {cg}.txt", flush=True)
    finally:
        k.close()


if __name__ == "__main__":
    main()
