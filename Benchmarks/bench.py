#!/usr/bin/env python3
"""Side-by-side benchmark of kput/kpull/kstream against kcat on one kmock cluster (see run.sh for usage).

Every figure comes from whole processes started here: wall time from spawn to exit, peak RSS and CPU time
from GNU time. Every run is checked: topic
watermark sums for producers, output line counts and content for consumers. A run whose counts are off is
INVALID and is left out of the medians; a row with no valid run says so.
"""
import datetime
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import threading
import time

from confluent_kafka import Consumer, TopicPartition


def env_int(name, default):
    v = os.environ.get(name, "")
    return int(v.replace("_", "").replace(",", "")) if v.strip() else default


N = env_int("BENCH_N", 1_000_000)
RUNS = env_int("RUNS", 3)
STARTUP_RUNS = env_int("BENCH_STARTUP_RUNS", max(RUNS, 5))
SYNC_N = env_int("BENCH_SYNC_N", min(N, 100_000))
LAT_SECONDS = env_int("BENCH_LAT_SECONDS", 10)
LAT_RATE = env_int("BENCH_LAT_RATE", 1000)
PARTITIONS = env_int("BENCH_PARTITIONS", 128)
BROKERS = env_int("BENCH_BROKERS", 3)
LINE_BYTES = env_int("BENCH_LINE_BYTES", 200)
BIN = os.environ.get("KF_BIN", ".build/release")
KCAT = os.environ.get("KCAT", "kcat")
ROWS = [r.strip() for r in os.environ.get("BENCH_ROWS", "produce,produce-text,drain,sync,envelope,tail,startup,latency").split(",") if r.strip()]
FULL = N >= 1_000_000 and RUNS >= 3
TODAY = datetime.date.today().isoformat()
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
WORK = os.environ.get("BENCH_WORK") or os.path.join("/tmp", f"kf-bench-{os.getpid()}")
OUT = os.environ.get("BENCH_OUT") or (
    os.path.join(ROOT, "Benchmarks", f"results-{TODAY}.md") if FULL else os.path.join(WORK, "results.md"))
# Consumers of both tools get the same settings: the mock waits the whole fetch.wait.max.ms when idle.
FETCH = ["-X", "fetch.wait.max.ms=10"]
# Producers of both tools spread null-key messages at random: librdkafka's default sticky partitioner puts
# ~10 ms of input on one partition, which here is 15 MB, and the mock keeps only ~5 MiB per partition.
SPREAD = os.environ.get("BENCH_PRODUCER_X", "sticky.partitioning.linger.ms=0").split()
SPREAD = [a for kv in SPREAD for a in ("-X", kv)]
# Extra arguments for experiments, e.g. BENCH_OURS_X="-X queued.max.messages.kbytes=65536" (stated in the report).
OURS_X = os.environ.get("BENCH_OURS_X", "").split()
KCAT_X = os.environ.get("BENCH_KCAT_X", "").split()
TIMEOUT = env_int("BENCH_TIMEOUT", 600)  # seconds any one process may take before it is killed (INVALID)
UID = f"{int(time.time()) % 100000}"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


MOCK_PID = [None]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def mock_cpu():
    """CPU seconds the kmock process has used so far (the cluster's share of the work)."""
    try:
        with open(f"/proc/{MOCK_PID[0]}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, TypeError):
        return 0.0


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---------------------------------------------------------------------------------------------- cluster

class Kmock:
    """A kmock (one for the whole run; the produce rows start one per run); topics are created through its `topic NAME PARTITIONS` command."""

    def __init__(self, name="kmock"):
        self.err = open(os.path.join(WORK, f"{name}.err"), "wb")
        self.p = subprocess.Popen([os.path.join(BIN, "kmock"), "--brokers", str(BROKERS)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err)
        self.bootstrap = self.p.stdout.readline().decode().strip()
        MOCK_PID[0] = self.p.pid
        if not self.bootstrap:
            raise SystemExit("kmock did not print its bootstrap list (see %s/kmock.err)" % WORK)
        self.admin = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "bench-admin",
                               "enable.auto.commit": False})

    def topic(self, name, partitions=PARTITIONS):
        self.p.stdin.write(f"topic {name} {partitions}\n".encode())
        self.p.stdin.flush()
        reply = self.p.stdout.readline().decode().strip()
        if reply != "ok":
            raise SystemExit(f"kmock: topic {name}: {reply!r}")
        return name

    def count(self, topic):
        """Messages held by the topic: the sum of high - low watermarks over its partitions."""
        md = self.admin.list_topics(topic, timeout=10)
        total = 0
        for p in md.topics[topic].partitions:
            lo, hi = self.admin.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)
            total += hi - lo
        return total

    def committed(self, group, topic):
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": group, "enable.auto.commit": False})
        try:
            md = c.list_topics(topic, timeout=10)
            res = c.committed([TopicPartition(topic, p) for p in md.topics[topic].partitions], timeout=10)
            return sum(tp.offset for tp in res if tp.offset >= 0)
        finally:
            c.close()

    def close(self):
        try:
            self.admin.close()
        except Exception:
            pass
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


# ---------------------------------------------------------------------------------------------- data

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
EVENTS = ["page_view", "click", "add_to_cart", "purchase", "search", "logout"]


def make_line(rnd, i, size):
    """One JSON object of about `size` bytes with strings, numbers, booleans, null, an array and an object."""
    d = {"id": i, "ts": 1_700_000_000_000 + i * 7, "user": f"u{rnd.randrange(10**6):06d}",
         "event": rnd.choice(EVENTS), "amount": round(rnd.random() * 1000, 2), "ok": rnd.random() < 0.9,
         "ref": None, "tags": [rnd.choice(WORDS) for _ in range(3)],
         "geo": {"lat": round(rnd.uniform(-90, 90), 4), "lon": round(rnd.uniform(-180, 180), 4)}}
    s = json.dumps(d, separators=(",", ":"))
    pad = size - len(s) - len(',"note":""')
    if pad > 0:
        d["note"] = " ".join(rnd.choice(WORDS) for _ in range(pad))[:pad]
        s = json.dumps(d, separators=(",", ":"))
    return s.encode()


def data_file(n):
    """N JSON lines, deterministic (seed 7), cached in the work directory."""
    path = os.path.join(WORK, f"data-{n}.jsonl")
    if not os.path.exists(path):
        rnd = random.Random(7)
        with open(path + ".tmp", "wb") as f:
            buf = []
            for i in range(n):
                buf.append(make_line(rnd, i, LINE_BYTES))
                if len(buf) == 10000:
                    f.write(b"\n".join(buf) + b"\n")
                    buf = []
            if buf:
                f.write(b"\n".join(buf) + b"\n")
        os.rename(path + ".tmp", path)
    return path


def content_digest(path):
    """(line count, order-independent digest) of a file's lines: every input line exactly once or not."""
    count = 0
    acc = 0
    rest = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 22)
            if not chunk:
                break
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            count += len(lines)
            for ln in lines:
                acc = (acc + hash(ln)) & 0xFFFFFFFFFFFFFFFF
    if rest:
        count += 1
        acc = (acc + hash(rest)) & 0xFFFFFFFFFFFFFFFF
    return count, acc


def line_count(path):
    n = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 22)
            if not chunk:
                return n
            n += chunk.count(b"\n")


# ---------------------------------------------------------------------------------------------- processes

class Result:
    def __init__(self, wall, rss_kb, cpu, rc, first=None, note=""):
        self.wall, self.rss_kb, self.cpu, self.rc, self.first = wall, rss_kb, cpu, rc, first
        self.valid = True
        self.note = note
        self.mock_cpu = None
        self.done = None

    def invalid(self, why):
        self.valid = False
        self.note = (self.note + "; " if self.note else "") + why
        return self


TIME = os.environ.get("BENCH_TIME", "/usr/bin/time")
_stat_seq = [0]


class Proc:
    """A tool run under GNU time, which reports its peak RSS and CPU time. (wait4 from here would not do:
    a child forked from this Python process inherits its ~40 MiB RSS high-water mark across exec.)"""

    def __init__(self, cmd, stdin=None, stdout=None, stderr=None):
        _stat_seq[0] += 1
        self.stat = os.path.join(WORK, f"time-{_stat_seq[0]}.txt")
        self.p = subprocess.Popen([TIME, "-f", "%M %U %S", "-o", self.stat] + Bench.with_extra(cmd),
                                  stdin=stdin, stdout=stdout, stderr=stderr)
        self.pid = self.p.pid
        self.stdin, self.stdout = self.p.stdin, self.p.stdout
        self._tool = None

    def tool_pid(self, wait=5.0):
        """The tool's pid (time's only child)."""
        deadline = time.monotonic() + wait
        while self._tool is None and time.monotonic() < deadline:
            try:
                with open(f"/proc/{self.pid}/task/{self.pid}/children") as f:
                    kids = f.read().split()
                if kids:
                    self._tool = int(kids[0])
                    break
            except FileNotFoundError:
                break
            time.sleep(0.001)
        return self._tool

    def signal(self, sig):
        pid = self.tool_pid()
        if pid:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def kill(self):
        self.signal(signal.SIGKILL)
        self.p.kill()

    def finish(self, status):
        """Exit status of the tool, its peak RSS (KiB) and CPU seconds, from time's report."""
        rc = os.waitstatus_to_exitcode(status)
        self.p.returncode = rc
        rss, cpu = 0, 0.0
        try:
            with open(self.stat) as f:
                last = f.read().strip().splitlines()[-1].split()
            rss, cpu = int(last[0]), float(last[1]) + float(last[2])
            os.unlink(self.stat)
        except (OSError, IndexError, ValueError):
            pass
        return rc, rss, cpu


def reap(p, t0, deadline=None, watch=None, stop_when=None, m0=None):
    """Waits for `p` (a Proc), polling every 5 ms: `watch` (a path) gives the time of the first output
    byte; when `stop_when()` turns true the tool gets SIGTERM (a tail) and `done` records when. Returns Result."""
    first = None
    done_at = None
    termed = False
    while True:
        pid, status, _ = os.wait4(p.pid, os.WNOHANG)
        now = time.monotonic()
        if pid == p.pid:
            break
        if watch and first is None:
            try:
                if os.stat(watch).st_size > 0:
                    first = now - t0
            except FileNotFoundError:
                pass
        if stop_when and not termed and stop_when():
            done_at = now - t0
            termed = True
            p.signal(signal.SIGTERM)
        if deadline and now > deadline:
            p.kill()
            pid, status, _ = os.wait4(p.pid, 0)
            now = time.monotonic()
            rc, rss, cpu = p.finish(status)
            return Result(now - t0, rss, cpu, rc, first).invalid("killed after timeout")
        time.sleep(0.005)
    rc, rss, cpu = p.finish(status)
    r = Result(now - t0, rss, cpu, rc, first)
    r.done = done_at
    r.mock_cpu = mock_cpu() - m0 if m0 is not None else None
    return r


def run(cmd, stdin_path=None, stdout_path=None, stderr_path=None, watch=False, stdin_bytes=None):
    fin = open(stdin_path, "rb") if stdin_path else (subprocess.PIPE if stdin_bytes is not None else subprocess.DEVNULL)
    fout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    ferr = open(stderr_path, "ab") if stderr_path else subprocess.DEVNULL
    try:
        m0 = mock_cpu()
        t0 = time.monotonic()
        p = Proc(cmd, fin, fout, ferr)
        if stdin_bytes is not None:
            p.stdin.write(stdin_bytes)
            p.stdin.close()
        return reap(p, t0, deadline=t0 + TIMEOUT, watch=stdout_path if watch else None, m0=m0)
    finally:
        for f in (fin, fout, ferr):
            if hasattr(f, "close"):
                f.close()


def check_rc(r, what):
    if r.rc != 0 and r.valid:
        r.invalid(f"{what} exit {r.rc}")
    return r


# ---------------------------------------------------------------------------------------------- rows

class Row:
    def __init__(self, key, workload, ours_label, kcat_label, n, unit_bytes):
        self.key, self.workload = key, workload
        self.ours_label, self.kcat_label = ours_label, kcat_label
        self.n, self.unit_bytes = n, unit_bytes
        self.ours, self.kcat = [], []
        self.loads = []
        self.notes = []
        self.kcat_ref = None  # another row whose kcat figures this row is compared with


def med(xs):
    return statistics.median(xs) if xs else None


class Bench:
    def __init__(self):
        os.makedirs(WORK, exist_ok=True)
        self.k = Kmock()
        self.rows = []
        self.data = data_file(N)
        self.data_bytes = os.path.getsize(self.data)
        self.value_bytes = self.data_bytes - N  # without the newlines
        self.digest = content_digest(self.data)
        self.sources = {}
        self.lat = {}
        self.lat_loads = []
        self.started = time.time()
        self.load0 = loadavg()

    def bin(self, tool):
        return os.path.join(BIN, tool)

    @staticmethod
    def with_extra(cmd):
        """Appends BENCH_OURS_X / BENCH_KCAT_X to a tool's options (before kcat -G's topic list)."""
        if cmd[0] == KCAT:
            if not KCAT_X:
                return cmd
            if "-G" in cmd:
                return cmd[:-1] + KCAT_X + cmd[-1:]
            return cmd + KCAT_X
        return cmd + OURS_X if os.path.basename(cmd[0]) in ("kput", "kpull", "kstream") else cmd

    def err(self, name):
        return os.path.join(WORK, f"{name}.err")

    def order(self, r):
        # Alternate which tool goes first, so neither always meets a warmer or busier machine.
        return ["ours", "kcat"] if r % 2 == 0 else ["kcat", "ours"]

    def source(self, key, n, r):
        """A fresh 128-partition topic holding the first n lines, filled by kcat -P, verified."""
        name = self.k.topic(f"src-{key}-{r}-{UID}")
        path = self.data if n == N else self.head_file(n)
        res = run([KCAT, "-b", self.k.bootstrap, "-P", "-t", name, "-q"] + SPREAD, stdin_path=path,
                  stderr_path=self.err("fill"))
        have = self.k.count(name)
        if res.rc != 0 or have != n:
            raise SystemExit(f"could not fill {name}: kcat exit {res.rc}, {have} of {n} messages held")
        return name

    def head_file(self, n):
        path = os.path.join(WORK, f"data-head-{n}.jsonl")
        if not os.path.exists(path):
            with open(self.data, "rb") as f, open(path, "wb") as g:
                for i, ln in enumerate(f):
                    if i >= n:
                        break
                    g.write(ln)
        return path

    # -- produce
    def produce(self, key="produce", ours_extra=(), label="kput", workload=None):
        workload = workload or f"produce {N:,} JSON lines (~{self.data_bytes // N} B), {PARTITIONS} partitions"
        row = Row(key, workload, label, "kcat -P -X enable.idempotence=true", N, self.value_bytes)
        shared = self.k
        for r in range(RUNS):
            # A fresh kmock per run, the same one for both tools: the mock keeps every message it is given,
            # and once it holds ~0.5 GB its own CPU per produce run doubles (0.15-0.3 s -> 0.55 s), which
            # swung whichever tool met it by 30%.
            self.k = Kmock(f"kmock-{key}-{r}")
            MOCK_PID[0] = self.k.p.pid
            try:
                self.produce_run(row, key, ours_extra, r)
            finally:
                self.k.close()
                self.k = shared
                MOCK_PID[0] = shared.p.pid
        self.rows.append(row)

    def produce_run(self, row, key, ours_extra, r):
        row.loads.append(loadavg())
        for who in self.order(r):
            topic = self.k.topic(f"{key}-{who}-{r}-{UID}")
            if who == "ours":
                cmd = [self.bin("kput"), "-b", self.k.bootstrap, "-t", topic] + list(ours_extra) + SPREAD
            else:
                cmd = [KCAT, "-b", self.k.bootstrap, "-P", "-t", topic, "-X", "enable.idempotence=true"] + SPREAD
            res = check_rc(run(cmd, stdin_path=self.data, stderr_path=self.err(f"{key}-{who}")), who)
            have = self.k.count(topic)
            res.count = have
            if have != N:
                res.invalid(f"topic holds {have} of {N}")
            (row.ours if who == "ours" else row.kcat).append(res)
            log(f"  {key} run {r + 1} {who}: {res.wall:.2f}s cpu {res.cpu:.2f}s mock {res.mock_cpu or 0:.2f}s rss {res.rss_kb // 1024} MiB count {have}"
                f"{'' if res.valid else ' INVALID: ' + res.note}")

    # -- drain with a group and exit
    def drain(self, key, n, ours_extra, kcat_extra, label_ours, label_kcat, workload, exact_content):
        row = Row(key, workload, label_ours, label_kcat, n, (self.value_bytes if n == N else None))
        if n != N:
            row.unit_bytes = os.path.getsize(self.head_file(n)) - n
        for r in range(RUNS):
            src = self.source(key, n, r)
            row.loads.append(loadavg())
            for who in self.order(r):
                group = f"g-{key}-{who}-{r}-{UID}"
                out = os.path.join(WORK, f"{key}-{who}.out")
                if who == "ours":
                    cmd = [self.bin("kpull"), "-b", self.k.bootstrap, "-t", src, "-g", group, "-e"] + ours_extra + FETCH
                else:
                    cmd = [KCAT, "-b", self.k.bootstrap, "-G", group, "-o", "beginning", "-e", "-q"] + kcat_extra + FETCH + [src]
                res = check_rc(run(cmd, stdout_path=out, stderr_path=self.err(f"{key}-{who}"), watch=True), who)
                self.verify_output(res, out, n, exact_content and n == N)
                res.committed = self.k.committed(group, src)
                (row.ours if who == "ours" else row.kcat).append(res)
                log(f"  {key} run {r + 1} {who}: {res.wall:.2f}s (first line {fmt_s(res.first)}) cpu {res.cpu:.2f}s mock {res.mock_cpu or 0:.2f}s rss {res.rss_kb // 1024} MiB "
                    f"lines {res.count} committed {res.committed}{'' if res.valid else ' INVALID: ' + res.note}")
                os.unlink(out)
        self.rows.append(row)
        return row

    def verify_output(self, res, out, n, exact_content):
        if exact_content:
            count, digest = content_digest(out)
            res.count = count
            if count != n:
                res.invalid(f"{count} lines of {n}")
            elif digest != self.digest[1]:
                res.invalid("lines differ from the input")
        else:
            res.count = line_count(out)
            if res.count != n:
                res.invalid(f"{res.count} lines of {n}")

    # -- tail into a file, stopped with SIGTERM once the file holds every line
    def tail(self):
        row = Row("tail", f"tail {N:,} messages into a file (stopped by SIGTERM when complete)",
                  "kstream -o FILE --format value", "kcat -G > FILE", N, self.value_bytes)
        for r in range(RUNS):
            src = self.source("tail", N, r)
            row.loads.append(loadavg())
            for who in self.order(r):
                group = f"g-tail-{who}-{r}-{UID}"
                out = os.path.join(WORK, f"tail-{who}.out")
                if os.path.exists(out):
                    os.unlink(out)
                if who == "ours":
                    cmd = [self.bin("kstream"), "-b", self.k.bootstrap, "-t", src, "-g", group, "--from", "beginning",
                           "--format", "value", "-o", out] + FETCH
                    fout = subprocess.DEVNULL
                else:
                    cmd = [KCAT, "-b", self.k.bootstrap, "-G", group, "-o", "beginning", "-q"] + FETCH + [src]
                    fout = open(out, "wb")
                ferr = open(self.err(f"tail-{who}"), "ab")
                target = self.data_bytes
                state = {"size": -1, "since": time.monotonic()}

                def complete(out=out, state=state):
                    # Complete: the file holds every byte. kcat keeps its last stdio block (4 KiB) until it
                    # exits, so a file within 64 KiB of the end that has not grown for 100 ms also counts:
                    # SIGTERM then makes the tool write the rest, and the line count after exit decides.
                    try:
                        size = os.stat(out).st_size
                    except FileNotFoundError:
                        size = 0
                    now = time.monotonic()
                    if size != state["size"]:
                        state["size"], state["since"] = size, now
                    if size >= target:
                        return True
                    if size >= target - 65536 and now - state["since"] >= 0.1:
                        return True
                    # Nothing new for 30 s: it will not finish; stop it and let the count say INVALID.
                    return now - state["since"] > 30

                m0 = mock_cpu()
                t0 = time.monotonic()
                p = Proc(cmd, subprocess.DEVNULL, fout, ferr)
                res = reap(p, t0, deadline=t0 + TIMEOUT, watch=out, stop_when=complete, m0=m0)
                if hasattr(fout, "close"):
                    fout.close()
                ferr.close()
                if res.rc not in (0, -signal.SIGTERM, 143) and res.valid:
                    res.invalid(f"{who} exit {res.rc}")
                self.verify_output(res, out, N, True)
                res.committed = self.k.committed(group, src)
                (row.ours if who == "ours" else row.kcat).append(res)
                log(f"  tail run {r + 1} {who}: {res.wall:.2f}s to exit (SIGTERM at {fmt_s(res.done)}, first line "
                    f"{fmt_s(res.first)}, rc {res.rc}) cpu {res.cpu:.2f}s mock {res.mock_cpu or 0:.2f}s rss {res.rss_kb // 1024} MiB lines {res.count} "
                    f"committed {res.committed}{'' if res.valid else ' INVALID: ' + res.note}")
                os.unlink(out)
        self.rows.append(row)

    # -- one message, whole process
    def startup(self):
        small = 1000
        rows = {
            "put": Row("start-put", f"one message in, whole process ({PARTITIONS} partitions)",
                       "echo line | kput", "echo line | kcat -P -X enable.idempotence=true", 1, None),
            "putPlain": Row("start-put-plain", "one message in, against kcat without idempotence",
                            "echo line | kput", "echo line | kcat -P", 1, None),
            "pullC": Row("start-pull", "one message out, no group, whole process (first message of a 1,000-message topic)",
                         "kpull --no-group -o beginning -n 1", "kcat -C -o beginning -c 1", 1, None),
            "pullG": Row("start-pull-g", "one message out with a group, whole process",
                         "kpull -g G -n 1", "kcat -G G -c 1", 1, None),
        }
        rows["putPlain"].notes.append("(kput keeps idempotence on: librdkafka's idempotent producer asks for a "
                                      "producer id before its first message, a round trip kcat -P skips.)")
        rows["pullG"].notes.append("(Both include the first join of a new group, 3 s on the mock as on Kafka, "
                                   "whose group.initial.rebalance.delay.ms is 3000 by default.)")
        line = make_line(random.Random(1), 0, LINE_BYTES) + b"\n"
        for r in range(STARTUP_RUNS):
            src = self.source("startup", small, r) if small <= N else self.source("startup", N, r)
            dst = self.k.topic(f"s1-{r}-{UID}")
            for row in rows.values():
                row.loads.append(loadavg())
            expected = 0
            for who in self.order(r):
                variants = [("put", "ours")] if who == "ours" else [("put", "kcat"), ("putPlain", "kcat-plain")]
                for key, kind in variants:
                    if kind == "ours":
                        cmd = [self.bin("kput"), "-b", self.k.bootstrap, "-t", dst] + SPREAD
                    elif kind == "kcat":
                        cmd = [KCAT, "-b", self.k.bootstrap, "-P", "-t", dst, "-X", "enable.idempotence=true"] + SPREAD
                    else:
                        cmd = [KCAT, "-b", self.k.bootstrap, "-P", "-t", dst] + SPREAD
                    res = check_rc(run(cmd, stdin_bytes=line, stderr_path=self.err(f"start-put-{kind}")), who)
                    expected += 1
                    have = self.k.count(dst)
                    if have != expected:
                        res.invalid(f"topic holds {have}, expected {expected}")
                        expected = have
                    if kind == "ours":
                        rows["put"].ours.append(res)
                        rows["putPlain"].ours.append(res)
                    else:
                        rows[key].kcat.append(res)
            for who in self.order(r):
                variants = [("pullC", "C"), ("pullG", "G")] if who == "kcat" else [("pullC", "ours"), ("pullG", "oursG")]
                for key, kind in variants:
                    out = os.path.join(WORK, f"start-{kind}.out")
                    group = f"g-start-{kind}-{r}-{UID}"
                    if kind == "ours":
                        cmd = [self.bin("kpull"), "-b", self.k.bootstrap, "-t", src, "--no-group", "-o", "beginning",
                               "--count", "1", "--format", "value"] + FETCH
                    elif kind == "oursG":
                        cmd = [self.bin("kpull"), "-b", self.k.bootstrap, "-t", src, "-g", group, "--count", "1",
                               "--format", "value"] + FETCH
                    elif kind == "C":
                        cmd = [KCAT, "-b", self.k.bootstrap, "-C", "-t", src, "-o", "beginning", "-c", "1", "-q"] + FETCH
                    else:
                        cmd = [KCAT, "-b", self.k.bootstrap, "-G", group, "-o", "beginning", "-c", "1", "-q"] + FETCH + [src]
                    res = check_rc(run(cmd, stdout_path=out, stderr_path=self.err(f"start-{kind}")), kind)
                    cnt = line_count(out)
                    if cnt != 1:
                        res.invalid(f"{cnt} lines, expected 1")
                    (rows[key].ours if kind.startswith("ours") else rows[key].kcat).append(res)
            log(f"  startup run {r + 1}: kput {rows['put'].ours[-1].wall:.3f}s kcat -P -X idem {rows['put'].kcat[-1].wall:.3f}s "
                f"kcat -P {rows['putPlain'].kcat[-1].wall:.3f}s "
                f"kpull --no-group -n1 {rows['pullC'].ours[-1].wall:.3f}s kcat -C {rows['pullC'].kcat[-1].wall:.3f}s "
                f"kpull -g -n1 {rows['pullG'].ours[-1].wall:.3f}s kcat -G {rows['pullG'].kcat[-1].wall:.3f}s")
        self.rows.extend(rows.values())

    # -- end-to-end latency
    LAT_PIPES = [("ours", "`kput` → `kstream --format value`"),
                 ("kcat", "`kcat -P -X enable.idempotence=true` → `kcat -G -u`"),
                 ("put-kcat", "`kput` → `kcat -G -u` (cross-check)"),
                 ("kcat-stream", "`kcat -P -X enable.idempotence=true` → `kstream --format value` (cross-check)")]

    def latency(self):
        for r in range(RUNS):
            self.lat_loads.append(loadavg())
            pipes = [w for w, _ in self.LAT_PIPES]
            for who in (pipes if r % 2 == 0 else pipes[::-1]):
                topic = self.k.topic(f"lat-{who}-{r}-{UID}")
                group = f"g-lat-{who}-{r}-{UID}"
                kput = [self.bin("kput"), "-b", self.k.bootstrap, "-t", topic] + SPREAD
                kcat_p = [KCAT, "-b", self.k.bootstrap, "-P", "-t", topic, "-X", "enable.idempotence=true"] + SPREAD
                kstream = [self.bin("kstream"), "-b", self.k.bootstrap, "-t", topic, "-g", group, "--from", "beginning",
                           "--format", "value"] + FETCH
                # -u: kcat block-buffers stdout into a pipe otherwise, and the latency would be the buffer's.
                kcat_g = [KCAT, "-b", self.k.bootstrap, "-G", group, "-o", "beginning", "-u", "-q"] + FETCH + [topic]
                prod, cons = {"ours": (kput, kstream), "kcat": (kcat_p, kcat_g), "put-kcat": (kput, kcat_g),
                              "kcat-stream": (kcat_p, kstream)}[who]
                res = self.latency_once(prod, cons, who)
                self.lat.setdefault(who, []).append(res)
                log(f"  latency run {r + 1} {who}: p50 {res['p50']:.1f} ms p99 {res['p99']:.1f} ms max {res['max']:.1f} ms "
                    f"({res['received']}/{res['sent']}){'' if res['valid'] else ' INVALID: ' + res['note']}")

    def latency_once(self, prod_cmd, cons_cmd, who):
        ferr = open(self.err(f"lat-{who}"), "ab")
        cons = Proc(cons_cmd, subprocess.DEVNULL, subprocess.PIPE, ferr)
        prod = Proc(prod_cmd, subprocess.PIPE, subprocess.DEVNULL, ferr)
        total = LAT_SECONDS * LAT_RATE
        lat = [None] * total
        seen_warm = threading.Event()
        state = {"received": 0, "dups": 0, "bad": 0}

        def reader():
            fd = cons.stdout.fileno()
            rest = b""
            while True:
                chunk = os.read(fd, 65536)
                now = time.monotonic_ns()
                if not chunk:
                    return
                lines = (rest + chunk).split(b"\n")
                rest = lines.pop()
                for ln in lines:
                    try:
                        d = json.loads(ln)
                        seq, sent = d["seq"], d["t"]
                    except Exception:
                        state["bad"] += 1
                        continue
                    if seq < 0:
                        seen_warm.set()
                    elif lat[seq] is None:
                        lat[seq] = (now - sent) / 1e6
                        state["received"] += 1
                    else:
                        state["dups"] += 1

        th = threading.Thread(target=reader, daemon=True)
        th.start()
        pad = "x" * (LINE_BYTES - 60)
        wfd = prod.stdin.fileno()

        def send(seq):
            os.write(wfd, b'{"seq":%d,"t":%d,"pad":"%s"}\n' % (seq, time.monotonic_ns(), pad.encode()))

        # Warm up until the consumer has joined its group and a line has come through, then measure.
        warm_deadline = time.monotonic() + 60
        w = 0
        while not seen_warm.is_set() and time.monotonic() < warm_deadline:
            w += 1
            send(-w)
            seen_warm.wait(0.05)
        time.sleep(0.5)
        start = time.monotonic_ns()
        step = 1e9 / LAT_RATE
        for i in range(total):
            target = start + int(i * step)
            delay = target - time.monotonic_ns()
            if delay > 0:
                time.sleep(delay / 1e9)
            send(i)
        # Keep the input flowing (unmeasured lines) until every measured one is out: kcat -P holds back the
        # last line(s) it has read until more input comes, and would otherwise keep the last ones until EOF.
        end_deadline = time.monotonic() + 15
        k = 0
        while state["received"] < total and time.monotonic() < end_deadline:
            k += 1
            send(-1_000_000 - k)
            time.sleep(step / 1e9)
        prod.stdin.close()
        try:
            prod.p.wait(30)
        except subprocess.TimeoutExpired:
            prod.kill()
            prod.p.wait()
        cons.signal(signal.SIGTERM)
        pid, status, _ = os.wait4(cons.pid, 0)
        _, rss, _ = cons.finish(status)
        th.join(5)
        ferr.close()
        got = sorted(x for x in lat if x is not None)
        res = {"sent": total, "received": state["received"], "valid": True, "note": "",
               "p50": pct(got, 50), "p99": pct(got, 99), "max": got[-1] if got else float("nan"), "rss_kb": rss}
        why = []
        if state["received"] != total:
            why.append(f"{state['received']} of {total} received")
        if state["dups"]:
            why.append(f"{state['dups']} duplicates")
        if state["bad"]:
            why.append(f"{state['bad']} unreadable lines")
        if not seen_warm.is_set():
            why.append("consumer never started")
        if why:
            res["valid"], res["note"] = False, "; ".join(why)
        return res

    # ------------------------------------------------------------------------------------------ report

    def machine(self):
        cpu = "?"
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    cpu = ln.split(":", 1)[1].strip()
                    break
        kcat_v = subprocess.run([KCAT, "-V"], capture_output=True, text=True).stdout
        kcat_line = next((ln for ln in kcat_v.splitlines() if ln.startswith("Version")), "?")
        kcat_ver = kcat_line.split()[1] if kcat_line != "?" else "?"
        rdk = kcat_line.split("librdkafka")[1].split()[0] if "librdkafka" in kcat_line else "?"
        ours_v = subprocess.run([self.bin("kput"), "--version"], capture_output=True, text=True).stdout.strip()
        mem = "?"
        with open("/proc/meminfo") as f:
            for ln in f:
                if ln.startswith("MemTotal"):
                    mem = f"{int(ln.split()[1]) // 1024 // 1024} GiB"
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "Sources", "Package.swift"],
                               capture_output=True, text=True).stdout.strip()
        bins = max(os.path.getmtime(self.bin(t)) for t in ("kput", "kpull", "kstream"))
        built = datetime.datetime.fromtimestamp(bins).strftime("%Y-%m-%d %H:%M")
        src = f"commit {rev or '?'}{' + uncommitted changes in Sources' if dirty else ''}, binaries in {BIN} built {built}"
        return {"src": src, "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M %Z").strip(), "nproc": os.cpu_count(),
                "cpu": cpu, "mem": mem, "kernel": platform.release(), "kcat": kcat_ver, "librdkafka": rdk,
                "ours": ours_v, "python": platform.python_version()}

    def report(self):
        m = self.machine()
        lines = []
        mode = "" if FULL else " — QUICK MODE, not representative"
        lines.append(f"## Benchmark: kput/kpull/kstream vs kcat{mode}")
        lines.append("")
        lines.append(f"- Date: {m['date']}; load average at the start {self.load0}; machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem']} RAM, Linux {m['kernel']}")
        lines.append(f"- kcat {m['kcat']} (Debian), librdkafka {m['librdkafka']} for both; ours: {m['ours']}, {m['src']}")
        lines.append(f"- kmock ({BROKERS} brokers) on the same machine: one for the consumer and start-up rows, and for the produce "
                     f"rows a fresh one per run, shared by both tools (a mock holding ~0.5 GB doubles its CPU per produce run); "
                     f"{PARTITIONS} partitions per topic, created with kmock's `topic` command, fresh topic (or fresh group) per run")
        lines.append(f"- N = {N:,} JSON lines, {self.data_bytes / N:.0f} B per line on average; median of {RUNS} runs "
                     f"(start-up: {STARTUP_RUNS}); consumers of both tools run with `-X fetch.wait.max.ms=10`, producers of both "
                     f"with `{' '.join(SPREAD)}` (the default sticky partitioner piles ~15 MB on one partition, beyond "
                     "the mock's ~5 MiB per-partition retention; the count checks caught it). It changes nothing for kput, which "
                     "spreads keyless lines itself, in runs of 1,000 lines per partition (kput(1), PARTITIONS): with it kcat "
                     "puts each message on a random partition and sends batches of a few dozen messages")
        if OURS_X or KCAT_X:
            lines.append(f"- Extra options for this run: ours `{' '.join(OURS_X)}`, kcat `{' '.join(KCAT_X)}`")
        lines.append("- Wall: whole process, spawn to exit. RSS: peak, from GNU time (%M). CPU: user+sys of the tool's process (the mock's CPU is not counted). "
                     "MB = 10^6 bytes of message values.")
        lines.append("- Tail: SIGTERM once the file holds every line (or, for kcat, whose last 4 KiB stdio block waits for "
                     "exit, once it is within 64 KiB of the end and has not grown for 100 ms); wall is spawn to exit.")
        lines.append("- Each run verified: producers by the topic's watermark sum; consumers by the output's line count "
                     "(and, for value output, that the lines are exactly the input's, in any order). "
                     "INVALID runs are left out of the medians.")
        lines.append("- Consumer rows include the mock's 3 s wait before the first join of a new group "
                     "(both tools); the `first line` column shows it.")
        lines.append("")
        lines.append("| workload | tool | wall s | msg/s | MB/s | first line s | msg/s, first line to exit | CPU s | mock CPU s | peak RSS MiB | valid | ours/kcat throughput | ours/kcat RSS | load avg (1/5/15) |")
        lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|")
        summary = []
        for row in self.rows:
            o = [x for x in row.ours if x.valid]
            k = [x for x in row.kcat if x.valid]
            ow, kw = med([x.wall for x in o]), med([x.wall for x in k])
            orss, krss = med([x.rss_kb for x in o]), med([x.rss_kb for x in k])
            ratio = (kw / ow) if ow and kw else None
            rss_ratio = (orss / krss) if orss and krss else None
            load = row.loads[len(row.loads) // 2] if row.loads else ""
            for who, label, runs, vs in (("ours", row.ours_label, row.ours, o), ("kcat", row.kcat_label, row.kcat, k)):
                wall = med([x.wall for x in vs])
                rate = row.n / wall if wall else None
                mbs = row.unit_bytes / wall / 1e6 if wall and row.unit_bytes else None
                first = med([x.first for x in vs if x.first is not None])
                steady = med([row.n / (x.wall - x.first) for x in vs if x.first is not None and x.wall > x.first])
                cpu = med([x.cpu for x in vs])
                mock = med([x.mock_cpu for x in vs if x.mock_cpu is not None])
                rss = med([x.rss_kb for x in vs])
                valid = f"{len(vs)}/{len(runs)}" + ("" if len(vs) == len(runs) else " INVALID: " + "; ".join(
                    sorted({x.note for x in runs if not x.valid})))
                lines.append("| " + " | ".join([
                    row.workload if who == "ours" else "", md_code(label), fmt(wall, 3 if row.n == 1 else 2),
                    fmt_int(rate) if row.n > 1 else "", fmt(mbs, 1) if row.n > 1 else "", fmt(first, 2),
                    fmt_int(steady) if row.n > 1 else "", fmt(cpu, 2), fmt(mock, 2),
                    fmt(rss / 1024 if rss else None, 1), valid,
                    (fmt(ratio, 2) + "×" if ratio else "n/a") if who == "ours" else "",
                    (fmt(rss_ratio, 2) + "×" if rss_ratio else "n/a") if who == "ours" else "",
                    load if who == "ours" else ""]) + " |")
            o_st = med([row.n / (x.wall - x.first) for x in o if x.first is not None and x.wall > x.first])
            k_st = med([row.n / (x.wall - x.first) for x in k if x.first is not None and x.wall > x.first])
            summary.append((row, ratio, rss_ratio, ow, kw, (o_st / k_st) if o_st and k_st else None))
        if self.lat:
            lines.append("")
            lines.append(f"End-to-end latency, {LAT_RATE} msg/s for {LAT_SECONDS} s ({LAT_SECONDS * LAT_RATE:,} lines of "
                         f"~{LINE_BYTES} B carrying their send time), producer stdin → topic → consumer stdout (a pipe), "
                         "timestamped on arrival; median over runs of each run's percentile. kcat -P holds back the last "
                         "line(s) it has read until more input arrives (6 lines written: 5 produced; 36 written: 30), so a "
                         "line waits for later ones; the cross-check rows separate the producer's share from the consumer's:")
            lines.append("")
            lines.append("| pipeline | p50 ms | p99 ms | max ms | consumer peak RSS MiB | valid | load avg |")
            lines.append("|---|---:|---:|---:|---:|---|---|")
            for who, label in self.LAT_PIPES:
                runs = self.lat.get(who, [])
                vs = [x for x in runs if x["valid"]]
                valid = f"{len(vs)}/{len(runs)}" + ("" if len(vs) == len(runs) else " INVALID: " + "; ".join(
                    sorted({x["note"] for x in runs if not x["valid"]})))
                lines.append(f"| {label.replace('|', chr(92) + '|')} | {fmt(med([x['p50'] for x in vs]), 1)} | {fmt(med([x['p99'] for x in vs]), 1)} | "
                             f"{fmt(med([x['max'] for x in vs]), 1)} | {fmt(med([x['rss_kb'] / 1024 for x in vs]), 1)} | "
                             f"{valid} | {self.lat_loads[len(self.lat_loads) // 2] if who == 'ours' and self.lat_loads else ''} |")
        lines.append("")
        lines.append("Targets (issue 7), from the medians above:")
        lines.append("")
        for row, ratio, rss_ratio, ow, kw, steady_ratio in summary:
            goal = {"produce": ("throughput", 1.2), "drain": ("throughput", 1.0), "tail": ("throughput", 1.0),
                    "sync": ("throughput", None), "envelope": ("throughput", None), "produce-text": ("throughput", None),
                    "start-put": ("time", 2.0), "start-put-plain": ("time", 1.5), "start-pull": ("time", 2.0),
                    "start-pull-g": ("time", 2.0)}.get(row.key)
            if not goal:
                continue
            kind, target = goal
            if ratio is None:
                lines.append(f"- {row.workload} (`{row.ours_label}`): no valid comparison")
                continue
            if kind == "throughput":
                t = f"throughput {ratio:.2f}× kcat" + (f" (target ≥ {target}×: {'met' if ratio >= target else 'MISSED'})"
                                                      if target else " (reported, no target)")
                if steady_ratio:
                    t += f", {steady_ratio:.2f}× after the first line (without the group join)"
            else:
                t = f"time {ow / kw:.2f}× kcat's (target ≤ {target}×: {'met' if ow / kw <= target else 'MISSED'})"
            r = f"peak RSS {rss_ratio:.2f}× kcat's ({'met' if rss_ratio <= 1.0 else 'MISSED'})" if rss_ratio else ""
            lines.append(f"- {row.workload} — `{row.ours_label}` vs `{row.kcat_label}`: {t}; {r}"
                         + ("".join(" " + n for n in row.notes)))
        lines.append("")
        lines.append(f"Run took {time.time() - self.started:.0f} s; load average at the end: {loadavg()}.")
        text = "\n".join(lines) + "\n"
        print(text)
        os.makedirs(os.path.dirname(OUT), exist_ok=True)
        with open(OUT, "w") as f:
            f.write(text)
        log(f"results written to {OUT}")

    def main(self):
        log(f"kmock at {self.k.bootstrap}; N={N:,} RUNS={RUNS}; work dir {WORK}; load {loadavg()}")
        try:
            if "produce" in ROWS:
                log("produce")
                self.produce()
            if "produce-text" in ROWS:
                # The ceiling for kput's own work: the same lines with validation off (--text).
                log("produce --text")
                self.produce("produce-text", ["--text"], "kput --text",
                             f"produce the same {N:,} lines unvalidated (--text): kput's ceiling")
            if "drain" in ROWS:
                log("drain")
                self.drain("drain", N, ["--format", "value"], [], "kpull -e --format value", "kcat -G -o beginning -e",
                           f"drain {N:,} messages with a group and exit (value lines)", True)
            if "sync" in ROWS:
                log("drain --commit sync")
                self.drain("sync", SYNC_N, ["--format", "value", "--commit", "sync"], [],
                           "kpull -e --commit sync --format value", "kcat -G -o beginning -e",
                           f"drain {SYNC_N:,} messages, one synchronous commit per message", True)
            if "envelope" in ROWS:
                log("drain, envelope output")
                self.drain("envelope", N, [], ["-J"], "kpull -e (envelope, default)", "kcat -G -o beginning -e -J",
                           f"drain {N:,} messages as JSON envelopes", False)
            if "tail" in ROWS:
                log("tail")
                self.tail()
            if "startup" in ROWS:
                log("start-up")
                self.startup()
            if "latency" in ROWS:
                log("latency")
                self.latency()
            self.report()
        finally:
            self.k.close()


def pct(sorted_xs, p):
    if not sorted_xs:
        return float("nan")
    i = min(len(sorted_xs) - 1, max(0, int(round(p / 100 * len(sorted_xs) + 0.5)) - 1))
    return sorted_xs[i]


def md_code(text):
    """`text` as inline code in a Markdown table cell (a bare | would end the cell)."""
    return "`" + text.replace("|", "\\|") + "`"


def fmt(x, nd):
    return "—" if x is None else f"{x:.{nd}f}"


def fmt_int(x):
    return "—" if x is None else f"{x:,.0f}"


def fmt_s(x):
    return "—" if x is None else f"{x:.2f}s"


if __name__ == "__main__":
    Bench().main()
