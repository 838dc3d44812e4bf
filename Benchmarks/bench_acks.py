#!/usr/bin/env python3
"""Issue 23's benchmark row: the cron pipeline with and without the --acks channel, side by side in one run
(see run.sh; BENCH_ROWS=acks).

    kpull -t IN -g G -e [--acks S] | FILTER | kput -t OUT --envelope [--acks S]

FILTER is jq (`jq -c 'select(.value.n % 3 != 0) | .value.m = .value.n * 2'`, the man pages' example) and,
because jq's own speed dominates such a pipeline, `grep -v '"third":0'`: the same lines dropped (the third
with n % 3 == 0), nothing rewritten, a filter that costs little, so what --acks itself costs shows.
BENCH_ACKS_FILTERS=jq,grep,cat picks the filters (cat: nothing dropped).

Each run: a fresh kmock (a mock holding more data costs more CPU per request, so neither side meets a fuller
one), IN preloaded with N JSON messages by kput and counted, then for each filter the pair, alternating which
goes first from run to run, each with a fresh group and a fresh OUT topic. Each pipeline is checked: every
stage exits 0, OUT holds exactly the lines the filter keeps, and the group has committed the end of IN
(with --acks that is the done rule's last step: kput's `end`).

Wall: the first stage's spawn to the last stage's exit. `first line`: when kpull has written its first 1 KiB
to the pipe (its write count in /proc/PID/io), i.e. after the group's first join (3 s on the mock);
`msg/s, first line to exit` leaves that out. CPU and peak RSS per stage from GNU time, but kpull's: GNU time
would hold kpull's end of the pipe open after kpull closes it (with --acks kpull closes its output at the
end and waits for kput's word that everything is delivered): kpull runs directly, its CPU from wait4 and
its peak RSS from /proc/PID/status (VmHWM, every 50 ms).
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as b  # noqa: E402  (the shared machinery: kmock, processes under GNU time, medians)

N = b.N
RUNS = b.RUNS
PARTITIONS = b.PARTITIONS
ROOT = b.ROOT
WORK = b.WORK
JQ = os.environ.get("JQ", "jq")
JQ_FILTER = "select(.value.n % 3 != 0) | .value.m = .value.n * 2"
FILTERS = {
    "jq": [JQ, "-c", JQ_FILTER],
    "grep": ["grep", "-v", '"third":0'],
    "cat": ["cat"],
}
CHOSEN = [f.strip() for f in os.environ.get("BENCH_ACKS_FILTERS", "jq,grep").split(",") if f.strip()]
KEPT = {"jq": N - (N + 2) // 3, "grep": N - (N + 2) // 3, "cat": N}
EVENTS = ["page_view", "click", "add_to_cart", "purchase", "search", "logout"]


def data_file():
    """N JSON lines of ~120 B: {"n":i,"third":i%3,...}; cached in the work directory."""
    path = os.path.join(WORK, f"acks-data-{N}.jsonl")
    if not os.path.exists(path):
        with open(path + ".tmp", "w") as f:
            for i in range(N):
                f.write(json.dumps({"n": i, "third": i % 3, "ts": 1_764_806_400_000 + i * 7, "user": f"u{(i * 7919) % 10**6:06d}",
                                    "event": EVENTS[i % len(EVENTS)], "amount": round((i * 37 % 100000) / 100, 2),
                                    "ok": i % 10 != 0}, separators=(",", ":")) + "\n")
        os.rename(path + ".tmp", path)
    return path


def wchar(pid):
    try:
        with open(f"/proc/{pid}/io") as f:
            for ln in f:
                if ln.startswith("wchar:"):
                    return int(ln.split()[1])
    except OSError:
        pass
    return 0


class Direct:
    """The first stage, run directly: CPU from wait4, peak RSS from /proc/PID/status (VmHWM, read while it
    runs: a child forked from Python reports Python's RSS high-water mark through wait4)."""

    def __init__(self, cmd, stdin, stdout, stderr):
        self.p = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=stderr)
        self.pid = self.p.pid
        self.stdout = self.p.stdout
        self.hwm = 0

    def tool_pid(self):
        return self.pid

    def sample(self):
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for ln in f:
                    if ln.startswith("VmHWM:"):
                        self.hwm = max(self.hwm, int(ln.split()[1]))
                        break
        except OSError:
            pass

    def kill(self):
        self.p.kill()

    def finish(self, status, usage):
        rc = os.waitstatus_to_exitcode(status)
        self.p.returncode = rc
        return rc, self.hwm, usage.ru_utime + usage.ru_stime


class Pipe:
    """One pipeline run: three processes under GNU time, joined by pipes."""

    def __init__(self, cmds, err):
        self.err = open(err, "ab")
        self.t0 = time.monotonic()
        self.procs = []
        prev = subprocess.DEVNULL
        for i, cmd in enumerate(cmds):
            last = i == len(cmds) - 1
            out = subprocess.DEVNULL if last else subprocess.PIPE
            # kpull runs without GNU time: time would hold kpull's end of the pipe open, and with --acks
            # kpull closes its output and waits for the filter and kput to see the end of it.
            p = Direct(cmd, prev, out, self.err) if i == 0 else b.Proc(cmd, stdin=prev, stdout=out, stderr=self.err)
            if prev is not subprocess.DEVNULL:
                prev.close()  # the next stage holds it now
            prev = p.stdout
            self.procs.append(p)

    def wait(self):
        """Exit codes, CPU s and peak RSS KiB per stage; the wall time; when kpull wrote its first KiB."""
        deadline = self.t0 + b.TIMEOUT
        first = None
        done = {}
        kpull = self.procs[0].tool_pid()
        tick = 0
        while len(done) < len(self.procs):
            tick += 1
            now = time.monotonic()
            for i, p in enumerate(self.procs):
                if i in done:
                    continue
                if i == 0 and tick % 10 == 0:
                    p.sample()
                pid, status, usage = os.wait4(p.pid, os.WNOHANG)
                if pid == p.pid:
                    done[i] = p.finish(status, usage) if i == 0 else p.finish(status)
            if first is None and kpull and wchar(kpull) >= 1024:
                first = now - self.t0
            if now > deadline:
                for i, p in enumerate(self.procs):
                    if i not in done:
                        p.kill()
                        _, status, usage = os.wait4(p.pid, 0)
                        done[i] = p.finish(status, usage) if i == 0 else p.finish(status)
                break
            time.sleep(0.005)
        wall = time.monotonic() - self.t0
        self.err.close()
        return [done[i] for i in range(len(self.procs))], wall, first, now > deadline


class Run:
    def __init__(self, codes, wall, first, timed_out):
        self.codes = [c[0] for c in codes]
        self.cpu = [c[2] for c in codes]
        self.rss = [c[1] for c in codes]
        self.wall, self.first = wall, first
        self.valid = not timed_out
        self.note = "killed after timeout" if timed_out else ""
        self.load = b.loadavg()

    def invalid(self, why):
        self.valid = False
        self.note = (self.note + "; " if self.note else "") + why

    @property
    def steady(self):
        return N / (self.wall - self.first) if self.first is not None and self.wall > self.first else None


class AcksBench:
    def __init__(self):
        os.makedirs(WORK, exist_ok=True)
        self.data = data_file()
        self.value_bytes = (os.path.getsize(self.data) - N) / N
        self.runs = {(f, m): [] for f in CHOSEN for m in ("acks", "plain")}
        self.started = time.time()
        self.load0 = b.loadavg()
        self.version = subprocess.run([os.path.join(b.BIN, "kput"), "--version"], capture_output=True, text=True).stdout.strip()

    def fill(self, k, topic):
        k.topic(topic)
        res = b.run([os.path.join(b.BIN, "kput"), "-b", k.bootstrap, "-t", topic] + b.SPREAD, stdin_path=self.data,
                    stderr_path=os.path.join(WORK, "acks-fill.err"))
        have = k.count(topic)
        if res.rc != 0 or have != N:
            raise SystemExit(f"could not fill {topic}: kput exit {res.rc}, {have} of {N} messages held")

    def pipeline(self, k, src, flt, mode, r):
        tag = f"{flt}-{mode}-{r}-{b.UID}"
        group, out = f"g-acks-{tag}", k.topic(f"acks-out-{tag}")
        sock = os.path.join(WORK, f"acks-{tag}.sock")
        acks = ["--acks", sock] if mode == "acks" else []
        cmds = [[os.path.join(b.BIN, "kpull"), "-b", k.bootstrap, "-t", src, "-g", group, "-e", "-v"] + acks + b.FETCH,
                FILTERS[flt],
                [os.path.join(b.BIN, "kput"), "-b", k.bootstrap, "-t", out, "--envelope", "-v"] + acks + b.SPREAD]
        err = os.path.join(WORK, f"acks-{flt}-{mode}.err")
        with open(err, "ab") as f:
            f.write(f"--- run {r + 1} {flt} {mode}\n".encode())
        res = Run(*Pipe(cmds, err).wait())
        if res.codes != [0, 0, 0] and res.valid:
            res.invalid(f"exits {res.codes}")
        have = k.count(out)
        want = KEPT[flt]
        if have != want:
            res.invalid(f"OUT holds {have} of {want}")
        res.committed = k.committed(group, src)
        if res.committed != N:
            res.invalid(f"group committed {res.committed} of {N}")
        self.runs[(flt, mode)].append(res)
        b.log(f"  acks run {r + 1} {flt:4} {mode:5}: {res.wall:.2f}s (first line {b.fmt_s(res.first)}) "
              f"cpu kpull/filter/kput {res.cpu[0]:.2f}/{res.cpu[1]:.2f}/{res.cpu[2]:.2f}s "
              f"rss kpull/kput {res.rss[0] // 1024}/{res.rss[2] // 1024} MiB out {have} committed {res.committed} "
              f"load {res.load}{'' if res.valid else ' INVALID: ' + res.note}")

    def run(self):
        for r in range(RUNS):
            for flt in CHOSEN:
                # A fresh mock per pair: IN plus two outputs, the same for both.
                k = b.Kmock(f"kmock-acks-{flt}-{r}")
                b.MOCK_PID[0] = k.p.pid
                try:
                    src = f"acks-in-{flt}-{r}-{b.UID}"
                    self.fill(k, src)
                    for mode in (["acks", "plain"] if r % 2 == 0 else ["plain", "acks"]):
                        self.pipeline(k, src, flt, mode, r)
                finally:
                    k.close()

    def report(self):
        rdk = self.version.split("librdkafka")[-1].strip(" )").split()[0] if "librdkafka" in self.version else "?"
        lines = [f"## Benchmark: the cron pipeline with and without --acks (issue 23){'' if b.FULL else ' — QUICK MODE, not representative'}", ""]
        lines.append(f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}; load average at the start {self.load0}, at the end {b.loadavg()} "
                     f"(the machine is shared: 2 CPUs; the ratios of interleaved runs are what matter); {os.cpu_count()} CPUs")
        lines.append(f"- {self.version}; kmock ({b.BROKERS} brokers), a fresh one per run and filter, {PARTITIONS} partitions per topic; "
                     f"{subprocess.run([JQ, '--version'], capture_output=True, text=True).stdout.strip()}")
        lines.append(f"- N = {N:,} JSON messages of {self.value_bytes:.0f} B preloaded into IN by kput (counted); "
                     f"median of {RUNS} runs, with and without --acks alternating which goes first; fresh group and OUT each time; "
                     "kpull with `-X fetch.wait.max.ms=10`; each pipeline checked: exits 0 0 0, OUT holds exactly the kept lines, "
                     "the group committed the end of IN")
        lines.append("- Pipeline: `kpull -t IN -g G -e [--acks S] | FILTER | kput -t OUT --envelope [--acks S]`; "
                     "msg/s counts the N input messages; `first line`: kpull's first KiB into the pipe (after the group's 3 s join)")
        lines.append("")
        lines.append("| filter | --acks | wall s | msg/s | first line s | msg/s, first line to exit | CPU s kpull / filter / kput | "
                     "peak RSS MiB kpull / kput | valid | with / without --acks throughput | load avg (1/5/15) per run |")
        lines.append("|---|---|---:|---:|---:|---:|---|---|---|---|---|")
        goals = []
        for flt in CHOSEN:
            med = {}
            for mode in ("plain", "acks"):
                rs = self.runs[(flt, mode)]
                vs = [x for x in rs if x.valid]
                wall = b.med([x.wall for x in vs])
                steady = b.med([x.steady for x in vs if x.steady])
                med[mode] = (wall, steady)
                cpu = " / ".join(b.fmt(b.med([x.cpu[i] for x in vs]), 2) for i in range(3))
                rss = " / ".join(b.fmt(b.med([x.rss[i] / 1024 for x in vs]), 1) for i in (0, 2))
                valid = f"{len(vs)}/{len(rs)}" + ("" if len(vs) == len(rs) else " INVALID: " + "; ".join(sorted({x.note for x in rs if not x.valid})))
                ratio = ""
                if mode == "acks" and med["plain"][0] and wall:
                    ratio = f"{med['plain'][0] / wall:.2f}×"
                    if med["plain"][1] and steady:
                        ratio += f" ({steady / med['plain'][1]:.2f}× from the first line)"
                label = b.md_code(" ".join(FILTERS[flt][:1] + [repr(a) if " " in a or '"' in a else a for a in FILTERS[flt][1:]]))
                lines.append("| " + " | ".join([label if mode == "plain" else "", "with" if mode == "acks" else "without",
                                                b.fmt(wall, 2), b.fmt_int(N / wall if wall else None), b.fmt(b.med([x.first for x in vs if x.first]), 2),
                                                b.fmt_int(steady), cpu, rss, valid, ratio, "; ".join(x.load for x in rs)]) + " |")
            pairs = [f"{p.wall / a.wall:.2f}×" if p.valid and a.valid else "—"
                     for p, a in zip(self.runs[(flt, "plain")], self.runs[(flt, "acks")])]
            goals.append(f"- {flt}, run by run (the pair of each run, with / without --acks, whole process): {', '.join(pairs)}")
            (pw, ps), (aw, a_s) = med["plain"], med["acks"]
            if pw and aw and ps and a_s:
                r1, r2 = pw / aw, a_s / ps
                goals.append(f"- {flt}: with --acks {r2:.2f}× the throughput without, from the first line to the exit "
                             f"(goal ≥ 0.85×: {'met' if r2 >= 0.85 else 'MISSED'}); whole process, join included: {r1:.2f}×")
            else:
                goals.append(f"- {flt}: no valid comparison")
        lines += ["", "Goal (issue 23), from the medians above:", ""] + goals
        lines += ["", f"Run took {time.time() - self.started:.0f} s."]
        text = "\n".join(lines) + "\n"
        print(text)
        out = os.environ.get("BENCH_ACKS_OUT") or (
            os.path.join(ROOT, "Benchmarks", f"results-{b.TODAY}-acks-librdkafka-{rdk}.md") if b.FULL
            else os.path.join(WORK, "results-acks.md"))
        with open(out, "w") as f:
            f.write(text)
        b.log(f"results written to {out}")

    def main(self):
        b.log(f"acks: N={N:,} RUNS={RUNS} filters {','.join(CHOSEN)}; work dir {WORK}; load {b.loadavg()}")
        self.run()
        self.report()


if __name__ == "__main__":
    AcksBench().main()
