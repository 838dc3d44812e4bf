#!/usr/bin/env python3
"""make chaos: a bounded soak of kput, kpull and kstream on kmock with overlapping faults, kills and
rotations, then a check that nothing was lost (issue 17); beside it issue 23's --acks pipeline, killed and rerun.

  CHAOS_SECONDS=N   length of the fault phase (default 180); the end phase adds at most ~4 minutes
  CHAOS_SEED=S      the seed of every random choice (default: a fresh one, printed first and last)
  CHAOS_RATE=R      lines a second the feeder writes into kput (default 400)
  CHAOS_ACKS_RATE=R lines a second the --acks pipeline's own feeder writes into its input topic (default 200)
  CHAOS_DIR=D       where the run's files go (default .build/chaos/seed-S)
  KF_BIN=DIR        the binaries (default .build/release)
  CHAOS_RSS_SCALE=F multiplies the RSS bounds (make sanitize: sanitized builds need more memory)

What runs, only on loopback, all of it stopped by the script:
  kmock --brokers 3 --topic chaos:12, fault commands on its stdin;
  a feeder thread writing {"k":KEY,"n":N,"seq":S,...} lines (N numbered per key, S the line number) into
    kput -t chaos -k k --report -v -X debug=msg (its errored MessageSets are logged, with their MsgIds);
  kpull members A and B in group chaos.pull (-X session.timeout.ms=6000 -X fetch.wait.max.ms=10), stdout
    appended to A.out and B.out; A is SIGKILLed at random moments and restarted (appending again); A writes
    into a one-page pipe whose reader stops for 0.3-1.5 s every 1-4 s (`kpull | slow`), so A's writes block;
    every other kill waits for such a moment, when A has read lines it cannot write yet;
  kstream -o stream.log in group chaos.stream, rotated at random (rename, then SIGHUP);
  every few seconds a random fault: a broker down and up, a leader moved, a coordinator moved, added RTT,
    Produce/Fetch/OffsetCommit errors (retriable codes), each undone after a while;
  on topics chaos.pin and chaos.pout (6 partitions each) and group chaos.pipe, the cron pipeline
    kpull -t chaos.pin -g chaos.pipe -e --acks P | jq -c FILTER | kput -t chaos.pout --envelope --acks P
    run again and again (a cron-like pause between runs) while a second feeder and kput fill chaos.pin; in
    most runs one stage SIGKILLed at a seeded moment (AcksPipeline); after the faults it runs clean until a
    run exits 0, 0, 0.
Then: the feeder stops, kput finishes, the consumers catch up and are stopped with SIGINT/SIGTERM, and the
topic is read with the confluent_kafka witness (Tests/witness/kafka_witness.py). The checks printed at the
end, and exit 0 only when every one holds, are described in check() and, for the pipeline, acks_check().

The seed fixes the schedule (which fault, kill or rotation, when, with what arguments); what the tools do
in between depends on timing, so a replay repeats the faults, not every interleaving.
"""
import base64, collections, fcntl, json, os, random, re, signal, subprocess, sys, termios, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WITNESS = os.path.join(ROOT, "Tests", "witness", "kafka_witness.py")
# 12 partitions: each keeps ~5 MiB in the mock; a 5-minute run at 400 lines/s writes ~2 MiB to the fullest.
TOPIC, PARTITIONS, BROKERS_N = "chaos", 12, 3
PULL_GROUP, STREAM_GROUP = "chaos.pull", "chaos.stream"
KEYS = [f"k{i:02d}" for i in range(48)]
FAST = ["-X", "session.timeout.ms=6000", "-X", "fetch.wait.max.ms=10"]
# Bounds checked on the samples (README, Limits: kput queues at most 50,000 messages / 32 MiB; kpull and
# kstream prefetch ~4 MiB plus one 8 MiB fetch response per broker; each tool holds a few sockets per broker).
RSS_BOUND_MIB = {"kput": 96, "kpull": 64, "kstream": 64}
FD_BOUND = 64
# RSS growth allowed between the first and the second half of the run (a leak would keep growing).
RSS_GROWTH_MIB = 16
# Sanitized builds (make sanitize) carry shadow memory and debug code: CHAOS_RSS_SCALE multiplies the bounds.
RSS_SCALE = float(os.environ.get("CHAOS_RSS_SCALE") or 1)
RSS_BOUND_MIB = {k: v * RSS_SCALE for k, v in RSS_BOUND_MIB.items()}
RSS_GROWTH_MIB *= RSS_SCALE

T0 = time.monotonic()


def now():
    return time.monotonic() - T0


class Run:
    def __init__(self):
        self.seconds = float(os.environ.get("CHAOS_SECONDS") or 180)
        seed = os.environ.get("CHAOS_SEED") or str(int.from_bytes(os.urandom(4), "big"))
        self.seed = int(seed)
        self.rate = int(os.environ.get("CHAOS_RATE") or 400)
        self.acks_rate = int(os.environ.get("CHAOS_ACKS_RATE") or 200)
        self.bin = os.path.abspath(os.environ.get("KF_BIN") or os.path.join(ROOT, ".build", "release"))
        self.dir = os.path.abspath(os.environ.get("CHAOS_DIR") or os.path.join(ROOT, ".build", "chaos", f"seed-{self.seed}"))
        self.rng = random.Random(self.seed)
        self.events = []          # (t, text)
        self.exits = []           # (name, code, expected)
        self.procs = []           # every Popen started, for the cleanup
        self.lock = threading.Lock()
        self.failures = []

    def log(self, text):
        t = now()
        with self.lock:
            self.events.append((t, text))
            self.eventlog.write(f"{t:8.2f} {text}\n")
            self.eventlog.flush()
        print(f"chaos: [{t:6.1f}s] {text}", flush=True)

    def path(self, name):
        return os.path.join(self.dir, name)


R = Run()


# ---------------------------------------------------------------------------------------------- processes

def pump_stderr(stream, path, tag, on_line=None):
    """Copies a tool's stderr to a file, each line prefixed with the run's clock (to place retries);
    on_line(text), if given, sees each line too."""
    with open(path, "a", buffering=1) as f:
        for raw in iter(stream.readline, b""):
            text = raw.decode(errors='replace').rstrip()
            f.write(f"{now():8.2f} {tag} {text}\n")
            if on_line:
                on_line(text)
    stream.close()


def start(name, args, stdin=None, stdout=None, tag=None, on_line=None):
    p = subprocess.Popen(args, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, cwd=R.dir)
    R.procs.append(p)
    t = threading.Thread(target=pump_stderr, args=(p.stderr, R.path(f"{name}.err"), tag or name, on_line), daemon=True)
    t.start()
    p.pump = t
    p.name = f"{name} {tag}" if tag else name
    return p


def reap(p, expected, timeout):
    """Waits for p; records its exit code and whether it is one of `expected`."""
    try:
        code = p.wait(timeout)
    except subprocess.TimeoutExpired:
        R.log(f"{p.name} still running {timeout:.0f}s after it was asked to stop: SIGKILL")
        p.kill()
        code = p.wait()
        R.exits.append((p.name, code, False, f"did not stop within {timeout:.0f}s"))
        return code
    if hasattr(p, "pump"):
        p.pump.join(5)
    ok = code in expected
    R.exits.append((p.name, code, ok, "" if ok else f"expected {expected}"))
    return code


class Mock:
    def __init__(self):
        env = R.path("kmock.env")
        self.p = subprocess.Popen([os.path.join(R.bin, "kmock"), "--brokers", str(BROKERS_N), "--topic",
                                   f"{TOPIC}:{PARTITIONS}", "--topic", f"{PIN}:{PIPE_PARTITIONS}",
                                   "--topic", f"{POUT}:{PIPE_PARTITIONS}", "--env-file", env],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(R.path("kmock.err"), "w"),
                                  cwd=R.dir)
        R.procs.append(self.p)
        self.p.name = "kmock"
        self.bootstrap = self.p.stdout.readline().decode().strip()
        if not self.bootstrap:
            raise SystemExit("chaos: kmock did not start")
        self.answers = []
        self.cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.commands = collections.Counter()
        self.bad_answers = []

    def _read(self):
        for raw in iter(self.p.stdout.readline, b""):
            with self.cv:
                self.answers.append(raw.decode().strip())
                self.cv.notify_all()

    def command(self, cmd):
        with self.cv:
            n = len(self.answers)
            self.p.stdin.write((cmd + "\n").encode())
            self.p.stdin.flush()
            self.cv.wait_for(lambda: len(self.answers) > n, timeout=10)
            answer = self.answers[n] if len(self.answers) > n else "no answer within 10s"
        self.commands[cmd.split()[0]] += 1
        if answer != "ok":
            self.bad_answers.append((cmd, answer))
            R.log(f"kmock answered {answer!r} to {cmd!r}")
        return answer


class Sampler(threading.Thread):
    """RSS (VmRSS), peak RSS (VmHWM) and open descriptors of every live tool, once a second, from /proc."""

    def __init__(self):
        super().__init__(daemon=True)
        self.watch = {}                      # label -> Popen
        self.samples = collections.defaultdict(list)   # label -> [(t, rss_kib, hwm_kib, fds)]
        self.stop = False

    def run(self):
        while not self.stop:
            for label, p in list(self.watch.items()):
                if p.poll() is not None:
                    continue
                try:
                    status = open(f"/proc/{p.pid}/status").read()
                    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
                    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
                    fds = len(os.listdir(f"/proc/{p.pid}/fd"))
                except (OSError, AttributeError):
                    continue
                self.samples[label].append((now(), rss, hwm, fds))
            time.sleep(1)


class Feeder(threading.Thread):
    """Writes keyed, per-key-numbered lines into kput's stdin at a steady rate, without pause, until stopped."""

    def __init__(self, pipe, rate, rng):
        super().__init__(daemon=True)
        self.pipe, self.rate, self.rng = pipe, rate, random.Random(rng.random())
        self.written = 0
        self.per_key = collections.Counter()
        self.keys = []       # the key of line seq (1-based: keys[seq-1])
        self.stop = False
        self.error = None

    def run(self):
        start = time.monotonic()
        try:
            while not self.stop:
                due = int((time.monotonic() - start) * self.rate) - self.written
                due = min(due, max(1, self.rate // 10))
                if due <= 0:
                    time.sleep(0.01)
                    continue
                chunk = []
                for _ in range(due):
                    self.written += 1
                    k = self.rng.choice(KEYS)
                    self.per_key[k] += 1
                    self.keys.append(k)
                    chunk.append(json.dumps({"k": k, "n": self.per_key[k], "seq": self.written,
                                             "pad": "x" * self.rng.randrange(10, 60)}, separators=(",", ":")))
                self.pipe.write(("\n".join(chunk) + "\n").encode())
        except (BrokenPipeError, OSError) as e:
            self.error = str(e)
        finally:
            try:
                self.pipe.close()
            except OSError:
                pass


PO = re.compile(rb'"partition":(\d+),"offset":(\d+)')


class Tail:
    """Reads an output's files as they grow, line by line, noting when each line was first seen.

    segments: [(label, [line bytes])] in write order: kpull A's file is cut into one segment per
    incarnation at each kill; kstream's into one per file (rotated ones first)."""

    def __init__(self):
        self.files = []          # [fd, buffer, segment index]
        self.segments = []
        self.times = []
        self.max = {}            # partition -> highest offset seen

    def open(self, path, label):
        """Follows `path` from now on (opened once the tool has created it) as the segment `label`."""
        self.segments.append((label, []))
        self.times.append([])
        self.files.append([None, b"", len(self.segments) - 1, path])

    def new_segment(self, label):
        """The same file goes on, its next lines belong to a new segment; returns the torn tail, if any."""
        self.poll()
        f = self.files[-1]
        torn = f[1]
        f[1] = b""
        self.segments.append((label, []))
        self.times.append([])
        f[2] = len(self.segments) - 1
        return torn

    def poll(self):
        t = now()
        for f in self.files:
            if f[0] is None:
                try:
                    f[0] = os.open(f[3], os.O_RDONLY)
                except FileNotFoundError:
                    continue
            while True:
                data = os.read(f[0], 1 << 20)
                if not data:
                    break
                f[1] += data
            *lines, f[1] = f[1].split(b"\n")
            self.segments[f[2]][1].extend(lines)
            self.times[f[2]].extend([t] * len(lines))
            for line in lines:
                mo = PO.search(line)
                if mo:
                    p, o = int(mo.group(1)), int(mo.group(2))
                    if o > self.max.get(p, -1):
                        self.max[p] = o


# ------------------------------------------------------------------------------------------------ queries

def consumer_for(group):
    from confluent_kafka import Consumer
    return Consumer({"bootstrap.servers": R.mock.bootstrap, "group.id": group, "enable.auto.commit": False,
                     "socket.timeout.ms": 3000, "log_level": 0})


def committed(c, timeout=1.0):
    from confluent_kafka import TopicPartition
    res = c.committed([TopicPartition(TOPIC, p) for p in range(PARTITIONS)], timeout=timeout)
    return {tp.partition: tp.offset for tp in res}


def high_watermarks(c):
    from confluent_kafka import TopicPartition
    out = {}
    for p in range(PARTITIONS):
        lo, hi = c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10, cached=False)
        out[p] = (lo, hi)
    return out


def witness(*args):
    r = subprocess.run([sys.executable, WITNESS, *args], capture_output=True, timeout=180)
    R.exits.append((f"witness {args[0]}", r.returncode, r.returncode == 0, r.stderr.decode()[-300:]))
    return r.stdout.decode()


class CommitWatch(threading.Thread):
    """Every 100 ms: both groups' committed offsets, then the highest offset per partition each group has
    written so far (its own readers of the output files, following kstream's rotations by inode). A
    committed offset ahead of that is a commit of a line that was not written: recorded in R.ahead."""

    def __init__(self, files, settled=None):
        super().__init__(daemon=True)
        # group -> callable: False while some of what the group wrote is still on its way to a file (kpull A's
        # slow reader paused, or its pipe not empty); that sample is not compared, only counted.
        self.settled = settled or {}
        self.unsettled = 0
        # group -> [paths]; a rotated name is added before the rename, so every line is always under a
        # name read here (a file that was stream.log for only a moment is read later as stream.log.N).
        self.files = files
        # group -> [(t, offsets)], the whole run's (a few thousand reads): the duplicate rule looks back in it.
        self.history = collections.defaultdict(collections.deque)
        self.readers = {g: {} for g in files}   # group -> path -> [fd, inode, buffer]
        self.old = {g: [] for g in files}       # rotated-away readers, still read to their end
        self.written = {g: {} for g in files}
        self.queries = {g: consumer_for(g) for g in files}
        self.samples = 0
        self.stop = False

    def _read(self, group):
        for path in self.files[group]:
            try:
                st = os.stat(path)
            except FileNotFoundError:
                st = None
            r = self.readers[group].get(path)
            if r is not None and st is not None and st.st_ino != r[1]:
                self.old[group].append(r)           # renamed away: a new file has the name now
                r = None
            if r is None and st is not None:
                try:
                    fd = os.open(path, os.O_RDONLY)
                except FileNotFoundError:
                    continue
                r = [fd, os.fstat(fd).st_ino, b""]
                self.readers[group][path] = r
        w = self.written[group]
        for r in self.old[group] + list(self.readers[group].values()):
            while True:
                data = os.read(r[0], 1 << 20)
                if not data:
                    break
                r[2] += data
            *lines, r[2] = r[2].split(b"\n")
            for line in lines:
                mo = PO.search(line)
                if mo:
                    p, o = int(mo.group(1)), int(mo.group(2))
                    if o > w.get(p, -1):
                        w[p] = o

    def run(self):
        while not self.stop:
            got = {}
            for group, c in self.queries.items():
                try:
                    got[group] = committed(c, 0.5)
                except Exception:
                    pass
            for group, offsets in got.items():
                self.history[group].append((now(), offsets))
                # A line A wrote just before a commit may still be in the reader's hands: give it 50 ms,
                # then compare only if nothing is on its way (the pipe empty, the reader not paused).
                settled = self.settled.get(group)
                if settled is not None:
                    time.sleep(0.05)
                self._read(group)
                if settled is not None and not settled():
                    self.unsettled += 1
                    continue
                w = self.written[group]
                for p, o in offsets.items():
                    if o >= 0 and o > w.get(p, -1) + 1:
                        R.ahead.append((round(now(), 2), group, p, o, w.get(p, -1), "watch"))
                        if len(R.ahead) <= 10:
                            R.log(f"COMMITTED AHEAD OF WRITTEN: {group} partition {p} committed {o}, "
                                  f"highest written {w.get(p, -1)}" + (" (only the first 10 are logged)" if len(R.ahead) == 10 else ""))
            self.samples += 1
            time.sleep(0.1)
        for c in self.queries.values():
            c.close()


# ------------------------------------------------------------------------------------------------- faults

PRODUCE_CODES = ["REQUEST_TIMED_OUT", "NOT_ENOUGH_REPLICAS", "NOT_LEADER_FOR_PARTITION", "LEADER_NOT_AVAILABLE"]
FETCH_CODES = ["NOT_LEADER_FOR_PARTITION", "LEADER_NOT_AVAILABLE", "REQUEST_TIMED_OUT"]
COMMIT_CODES = ["COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR", "COORDINATOR_LOAD_IN_PROGRESS", "REQUEST_TIMED_OUT"]


class Faults:
    """One random fault at a time from kmock's commands, each undone after a while (so they overlap)."""

    def __init__(self, mock, rng):
        self.mock, self.rng = mock, rng
        self.down = set()
        self.undo = []            # [(t, command)]
        self.kinds = collections.Counter()
        self.count = 0

    def inject(self):
        rng = self.rng
        kinds = ["down", "down", "leader", "leader", "coordinator", "rtt", "produce", "produce", "fetch", "commit", "commit"]
        kind = rng.choice(kinds)
        if kind == "down" and len(self.down) >= 2:
            kind = "leader"
        b = rng.randint(1, BROKERS_N)
        if kind == "down":
            b = rng.choice(sorted(set(range(1, BROKERS_N + 1)) - self.down))
            self.down.add(b)
            self._do(f"down {b}", f"up {b}", rng.uniform(1, 3))
        elif kind == "leader":
            self._do(f"leader {TOPIC} {rng.randrange(PARTITIONS)} {b}")
        elif kind == "coordinator":
            self._do(f"coordinator {rng.choice([PULL_GROUP, STREAM_GROUP])} {b}")
        elif kind == "rtt":
            self._do(f"rtt {b} {rng.randrange(50, 500)}", f"rtt {b} 0", rng.uniform(2, 6))
        elif kind == "produce":
            self._do(f"errors Produce {rng.randint(1, 4)} {rng.choice(PRODUCE_CODES)}", "clear Produce", rng.uniform(2, 6))
        elif kind == "fetch":
            self._do(f"errors Fetch {rng.randint(1, 4)} {rng.choice(FETCH_CODES)}", "clear Fetch", rng.uniform(2, 6))
        else:
            self._do(f"errors OffsetCommit {rng.randint(1, 5)} {rng.choice(COMMIT_CODES)}", "clear OffsetCommit", rng.uniform(2, 6))
        self.kinds[kind] += 1
        self.count += 1

    def _do(self, cmd, undo=None, after=0):
        R.log(f"fault: {cmd}" + (f" (undone in {after:.1f}s)" if undo else ""))
        self.mock.command(cmd)
        if undo:
            self.undo.append((now() + after, undo))

    def tick(self):
        due = [u for u in self.undo if u[0] <= now()]
        for u in due:
            self.undo.remove(u)
            self._undo(u[1])

    def _undo(self, cmd):
        R.log(f"undo: {cmd}")
        self.mock.command(cmd)
        if cmd.startswith("up "):
            self.down.discard(int(cmd.split()[1]))

    def clear_all(self):
        for u in sorted(self.undo):
            self._undo(u[1])
        self.undo = []
        for b in range(1, BROKERS_N + 1):
            self.mock.command(f"up {b}")
            self.mock.command(f"rtt {b} 0")
        for api in ("Produce", "Fetch", "OffsetCommit"):
            self.mock.command(f"clear {api}")
        self.down.clear()


# ---------------------------------------------------------------------------------------------- the run

F_SETPIPE_SZ = 1031   # fcntl.h (Linux)


class SlowReader(threading.Thread):
    """kpull A's reader, a slow one: A writes into a one-page pipe, which this thread copies to A.out,
    stopping for 0.3-1.5 s every 1-4 s (seeded). A's writes then block, as they do under `kpull | slow`,
    and a SIGKILL often lands while lines are read but not yet written: a commit made before the write
    (the rule broken) would then be ahead of the output, and the lines lost. Whatever A wrote into the
    pipe before it died is still copied (the thread reads to end of file), so A.out holds exactly what A
    wrote. `settled()` says whether A.out holds all of it right now (not paused, the pipe empty)."""

    def __init__(self, proc, path, rng):
        super().__init__(daemon=True)
        self.fd, self.path, self.rng = proc.stdout.fileno(), path, rng
        self.proc = proc
        try:
            fcntl.fcntl(self.fd, F_SETPIPE_SZ, 4096)
        except OSError:
            pass
        self.paused = False
        self.pauses = 0

    def unread(self):
        try:
            return int.from_bytes(fcntl.ioctl(self.fd, termios.FIONREAD, b"\0\0\0\0"), "little")
        except OSError:
            return 0

    def settled(self):
        return not self.paused and self.is_alive() and self.unread() == 0

    def blocking(self):
        """Paused with the pipe (nearly) full: A is stuck in a write, its next lines read but not written."""
        return self.paused and self.unread() >= 3500

    def run(self):
        next_pause = time.monotonic() + self.rng.uniform(1, 4)
        with open(self.path, "ab") as out:
            while True:
                data = os.read(self.fd, 4096)
                if not data:
                    break
                out.write(data)
                out.flush()
                if time.monotonic() >= next_pause and self.proc.poll() is None:
                    self.paused = True
                    self.pauses += 1
                    R.pauses += 1
                    time.sleep(self.rng.uniform(0.3, 1.5))
                    self.paused = False
                    next_pause = time.monotonic() + self.rng.uniform(1, 4)
        self.proc.stdout.close()


class PullMember:
    def __init__(self, name, slow=False):
        self.name, self.incarnation, self.proc, self.slow = name, 0, None, slow
        self.reader = None
        self.out = R.path(f"{name}.out")
        self.tail = Tail()
        self.tail.open(self.out, f"{name}1")

    def start(self):
        self.incarnation += 1
        args = [os.path.join(R.bin, "kpull"), "-t", TOPIC, "-g", PULL_GROUP, "-v", *FAST]
        if self.slow:
            self.proc = start("kpull", args, stdout=subprocess.PIPE, tag=f"{self.name}{self.incarnation}")
            self.reader = SlowReader(self.proc, self.out, random.Random(R.rng.random()))
            self.reader.start()
        else:
            out = open(self.out, "ab")
            self.proc = start("kpull", args, stdout=out, tag=f"{self.name}{self.incarnation}")
            out.close()
        R.sampler.watch[f"kpull {self.name}{self.incarnation}"] = self.proc
        R.log(f"kpull {self.name}{self.incarnation} started (pid {self.proc.pid})")

    def drained(self):
        """After the process ended: waits until its reader has copied everything it wrote."""
        if self.reader is not None:
            self.reader.join(30)

    def settled(self):
        return self.reader is None or self.reader.settled()


def committed_checked(queries, tails, where):
    """Reads both groups' committed offsets, then what has been written: a committed offset must never be
    ahead of what the group wrote (commit after write). Returns {group: offsets} or None when a query failed."""
    got = {}
    for group, c in queries.items():
        try:
            got[group] = committed(c, 1.0)
        except Exception:
            return None
    for group, offsets in got.items():
        written = {}
        for t in tails[group]:
            t.poll()
            for p, o in t.max.items():
                written[p] = max(written.get(p, -1), o)
        for p, o in offsets.items():
            if o >= 0 and o > written.get(p, -1) + 1:
                R.ahead.append((now(), group, p, o, written.get(p, -1), where))
                R.log(f"COMMITTED AHEAD OF WRITTEN: {group} partition {p} committed {o}, highest written {written.get(p, -1)} ({where})")
    return got


# ------------------------------------------------------------------------------------ the --acks pipeline

# Issue 23's cron pipeline, run again and again beside the soak on its own topics and group, on the same
# faulty cluster: kpull -e --acks P | jq FILTER | kput --envelope --acks P. The filter drops a third of the
# lines, edits the value and keeps the envelope (so kput can name each line's source); .value.src carries the
# source (partition, offset) into the output, so each output message names the input message it came from.
PIN, POUT, PIPE_GROUP, PIPE_PARTITIONS = "chaos.pin", "chaos.pout", "chaos.pipe", 6
PIPE_FILTER = "select(.value.seq % 3 != 0) | .value.m = .value.seq * 2 | .value.src = [.partition, .offset]"
PIPE_STAGES = ["kpull", "jq", "kput"]


def fd_open(pid, fd):
    """Whether process pid still holds descriptor fd (kpull closes its output when it waits for kput's end)."""
    try:
        os.readlink(f"/proc/{pid}/fd/{fd}")
        return True
    except OSError:
        return False


class AcksPipeline(threading.Thread):
    """The pipeline's own feeder (a Feeder into kput -t chaos.pin) and its runs. During the fault phase each
    run has a seeded plan: a stage (kpull, jq or kput) SIGKILLed at a random moment (from the run's start, or
    just after kpull's assignment, when lines flow), or none; between runs a cron-like pause, so input waits.
    Now and then a leader of chaos.pin/chaos.pout or the group's coordinator moves (the soak's faults hit every
    topic: brokers down, RTT, Produce/Fetch/OffsetCommit errors). After the fault phase (faults cleared): the
    feeder stops, its kput finishes, and the pipeline runs clean until a run exits 0, 0, 0 (at most 5 runs).
    Its own random stream (from the seed) leaves the soak's schedule as it was."""

    def __init__(self, rate):
        super().__init__(daemon=True)
        self.rng = random.Random(f"acks-{R.seed}")
        self.rate = rate
        sock = R.path("acks.sock")
        if len(sock.encode()) > 100:          # sun_path holds 108 bytes
            import tempfile
            sock = os.path.join(tempfile.mkdtemp(prefix="kf-chaos-"), "acks.sock")
        self.sock = sock
        self.runs = []            # {"n", "phase", "victim", "at", "codes", "expected", "ok", "note"}
        self.cleared = threading.Event()
        self.error = None
        self.pin_kput = None
        self.feeder = None
        self.moves = 0

    def start_feed(self):
        bin_ = R.bin
        self.pin_kput = start("kput-pin", [os.path.join(bin_, "kput"), "-t", PIN, "-k", "k"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        self.pin_kput.name = "kput (chaos.pin's producer)"
        R.sampler.watch["kput pin"] = self.pin_kput
        self.feeder = Feeder(self.pin_kput.stdin, self.rate, self.rng)
        self.feeder.start()

    def launch(self, n):
        """One run of the pipeline: the three stages, piped as the shell would."""
        assigned = threading.Event()
        b = R.bin
        tag = f"run{n}"
        p1 = start("pipe-kpull", [os.path.join(b, "kpull"), "-t", PIN, "-g", PIPE_GROUP, "-e", "--acks", self.sock, "-v", *FAST],
                   stdout=subprocess.PIPE, tag=tag, on_line=lambda text: text.startswith("kpull: assigned") and assigned.set())
        p2 = start("pipe-jq", ["jq", "-c", PIPE_FILTER], stdin=p1.stdout, stdout=subprocess.PIPE, tag=tag)
        p1.stdout.close()
        p3 = start("pipe-kput", [os.path.join(b, "kput"), "-t", POUT, "--envelope", "--acks", self.sock], stdin=p2.stdout, tag=tag)
        p2.stdout.close()
        R.sampler.watch["kpull pipe"] = p1
        R.sampler.watch["kput pipe"] = p3
        return [p1, p2, p3], assigned

    def one_run(self, phase):
        rng = self.rng
        n = len(self.runs) + 1
        victim, at, after_assign = None, None, False
        if phase == "faults":
            if rng.random() < 0.3:
                self.move()
            if rng.random() < 0.8:
                victim = rng.randrange(3)
                # A run is the group's join (~3 s on kmock), then a fraction of a second of lines flowing:
                # most kills land in the flow, the others anywhere from the start.
                after_assign = rng.random() < 0.7
                at = rng.uniform(0, 0.3) if after_assign else rng.uniform(0.1, 3.5)
        t0 = now()
        stages, assigned = self.launch(n)
        note = ""
        if victim is not None:
            # The moment: `at` seconds after the start, or after kpull's assignment (when lines flow).
            base = time.monotonic()
            if after_assign:
                while not assigned.is_set() and all(p.poll() is None for p in stages) and time.monotonic() - base < 30:
                    time.sleep(0.01)
                base = time.monotonic()
            while time.monotonic() - base < at and stages[victim].poll() is None:
                time.sleep(0.005)
            kpull_out_open = fd_open(stages[0].pid, 1)
            if stages[victim].poll() is not None:
                note, victim = "the run ended before the moment came", None
            elif victim == 1 and not kpull_out_open:
                # kpull has closed its output and waits for kput's end: a filter killed now while it works
                # through its last lines looks to kput like a clean end (man kpull, ACKS: the gap left).
                note, victim = "jq not killed: kpull had closed its output (the gap man kpull's ACKS names)", None
            else:
                stages[victim].send_signal(signal.SIGKILL)
                note = f"kpull's output {'open' if kpull_out_open else 'closed'} at the kill"
        codes = []
        for p in stages:
            try:
                codes.append(p.wait(220))
            except subprocess.TimeoutExpired:
                p.kill()
                codes.append(p.wait())
                note += f"; {p.name} did not end within 220 s"
        for p in stages:
            p.pump.join(5)
        expected = self.expected(victim, note)
        ok = all(c in e for c, e in zip(codes, expected)) and "did not end" not in note
        run = {"n": n, "phase": phase, "victim": victim, "at": round(at, 2) if at is not None else None,
               "after_assign": after_assign, "codes": codes, "ok": ok, "note": note, "t": round(t0, 1),
               "seconds": round(now() - t0, 1)}
        self.runs.append(run)
        killed = PIPE_STAGES[victim] if victim is not None else "nothing"
        R.log(f"acks pipeline run {n} ({phase}): killed {killed}"
              + (f" {at:.2f}s after {'the assignment' if after_assign else 'the start'}" if victim is not None else "")
              + f"; exits kpull {codes[0]}, jq {codes[1]}, kput {codes[2]}{'' if ok else ' NOT AS DOCUMENTED'}"
              + (f" ({note})" if note else ""))
        return codes

    @staticmethod
    def expected(victim, note):
        """The exit codes man kpull and man kput document for each case. kpull: 0 only once kput said its
        input ended with every line delivered (or, the filter gone, with every line written already done);
        75 when kput went away, failed a line, or its input ended before kpull's output (the filter killed),
        or commits kept failing (the faults). kput: 0, or 75 when a line was not acknowledged within --timeout;
        69 when no reader was listening within 10 s (kpull killed before it listened); 65 when jq was killed
        in the middle of a line (jq writes its output in blocks): the torn last line is a bad line, named.
        jq: 0, or SIGPIPE when kput died under it; a parse error (2 or 4, by jq's version) when kpull was
        killed in the middle of a line (jq's input ends in a torn line)."""
        K = -signal.SIGKILL
        if victim == 0:
            return [{K}, {0, 2, 4}, {0, 69, 75}]
        if victim == 1:
            return [{0, 75}, {K}, {0, 65, 75}]
        if victim == 2:
            # kpull 0 only if it had closed its output (kput may have said end just before the kill).
            return [{75} | ({0} if "output closed" in note else set()), {0, -signal.SIGPIPE}, {K}]
        return [{0, 75}, {0}, {0, 75}]

    def move(self):
        """A leader of the pipeline's topics, or its group's coordinator, moved to another broker."""
        rng = self.rng
        b = rng.randint(1, BROKERS_N)
        if rng.random() < 0.7:
            cmd = f"leader {rng.choice([PIN, POUT])} {rng.randrange(PIPE_PARTITIONS)} {b}"
        else:
            cmd = f"coordinator {PIPE_GROUP} {b}"
        R.log(f"acks pipeline fault: {cmd}")
        R.mock.command(cmd)
        self.moves += 1

    def run(self):
        try:
            while now() < R.seconds - 3 and not self.cleared.is_set():
                self.one_run("faults")
                pause = self.rng.uniform(0, 3)
                end = min(time.monotonic() + pause, T0 + R.seconds)
                while time.monotonic() < end:
                    time.sleep(0.05)
            self.cleared.wait(R.seconds + 300)
            self.feeder.stop = True
            self.feeder.join()
            R.log(f"acks pipeline: its feeder stopped after {self.feeder.written} lines; waiting for its kput")
            reap(self.pin_kput, {0}, 200)
            self.clean = 0
            while self.clean < 5:
                self.clean += 1
                if self.one_run("clean") == [0, 0, 0]:
                    break
            out = witness("committed", R.mock.bootstrap, PIPE_GROUP, PIN)
            self.committed = {int(p): o for p, o in json.loads(out)["offsets"].items()} if out else {}
            self.pin = [json.loads(line) for line in witness("read", R.mock.bootstrap, PIN).splitlines()]
            self.pout = [json.loads(line) for line in witness("read", R.mock.bootstrap, POUT).splitlines()]
            R.log(f"acks pipeline: witness read {len(self.pin)} messages from {PIN}, {len(self.pout)} from {POUT}")
        except Exception as e:     # a bug here fails the run, it does not hang it
            import traceback
            self.error = traceback.format_exc()
            R.log(f"acks pipeline: {e!r}")


def main():
    os.makedirs(R.dir, exist_ok=True)
    # Clear only a previous run's files: a CHAOS_DIR naming any other folder that is not empty is refused.
    names = os.listdir(R.dir)
    if names and "events.log" not in names:
        sys.exit(f"chaos: {R.dir} is not empty and holds no earlier chaos run (events.log): name an empty or new folder")
    for name in names:
        path = os.path.join(R.dir, name)
        if os.path.isfile(path) or os.path.islink(path):
            os.remove(path)
    R.eventlog = open(R.path("events.log"), "w")
    print(f"chaos: seed {R.seed}, {R.seconds:.0f}s of faults, {R.rate} lines/s, binaries {R.bin}, files in {R.dir}", flush=True)
    print(f"chaos: replay with CHAOS_SEED={R.seed} CHAOS_SECONDS={R.seconds:.0f}", flush=True)
    version = subprocess.run([os.path.join(R.bin, "kput"), "--version"], capture_output=True, text=True).stdout.strip()
    R.log(f"kput --version: {version}")
    R.version = version
    R.sampler = Sampler()
    R.ahead = []
    R.kills = []
    R.rotations = 0
    R.pauses = 0
    R.mock = Mock()
    R.sampler.watch["kmock"] = R.mock.p
    os.environ["KAFKA_BROKERS"] = R.mock.bootstrap
    R.sampler.start()
    rng = R.rng
    faults = Faults(R.mock, rng)

    kput = start("kput", [os.path.join(R.bin, "kput"), "-t", TOPIC, "-k", "k", "--report", "-v", "-X", "debug=msg",
                          "--rejects", R.path("rejects.jsonl")],
                 stdin=subprocess.PIPE, stdout=open(R.path("report.jsonl"), "wb"))
    R.sampler.watch["kput"] = kput
    feeder = Feeder(kput.stdin, R.rate, rng)
    a, b = PullMember("A", slow=True), PullMember("B")
    a.start(); b.start()
    stream_tail = Tail()
    stream_tail.open(R.path("stream.log"), "stream.log")
    ks = start("kstream", [os.path.join(R.bin, "kstream"), "-t", TOPIC, "-g", STREAM_GROUP, "--from", "beginning",
                           "-o", R.path("stream.log"), "-v", *FAST])
    R.sampler.watch["kstream"] = ks
    feeder.start()
    pipe = AcksPipeline(R.acks_rate)
    pipe.start_feed()
    pipe.start()
    queries = {PULL_GROUP: consumer_for(PULL_GROUP), STREAM_GROUP: consumer_for(STREAM_GROUP)}
    tails = {PULL_GROUP: [a.tail, b.tail], STREAM_GROUP: [stream_tail]}
    watch = CommitWatch({PULL_GROUP: [a.out, b.out], STREAM_GROUP: [R.path("stream.log")]}, settled={PULL_GROUP: a.settled})
    watch.start()

    next_fault = 5 + rng.uniform(0, 3)
    next_kill = 10 + rng.uniform(0, 8)
    next_rotate = 4 + rng.uniform(0, 8)
    restart_at = None
    while now() < R.seconds:
        t = now()
        faults.tick()
        if t >= next_fault:
            faults.inject()
            next_fault = t + rng.uniform(2, 5)
        if restart_at is not None and t >= restart_at:
            a.start()
            restart_at = None
        if restart_at is None and t >= next_kill:
            kill_member(a, queries, tails, watch)
            restart_at = now() + rng.uniform(0.3, 4)
            next_kill = restart_at + rng.uniform(6, 20)
        if t >= next_rotate:
            R.rotations += 1
            rotated = R.path(f"stream.log.{R.rotations}")
            # kstream creates stream.log again when it handles the previous SIGHUP (on its next 100 ms tick).
            waited = now()
            while not os.path.exists(R.path("stream.log")) and now() - waited < 2:
                time.sleep(0.05)
            stream_tail.poll()
            watch.files[STREAM_GROUP].append(rotated)
            try:
                os.rename(R.path("stream.log"), rotated)
            except FileNotFoundError:
                R.failures.append(f"kstream had not created stream.log again 2 s after a SIGHUP (rotation {R.rotations})")
            ks.send_signal(signal.SIGHUP)
            stream_tail.open(R.path("stream.log"), "stream.log")   # kstream creates it again on SIGHUP
            # the rotated file's segment stays before the new one: segments keep the order files were opened
            stream_tail.segments[-2] = (f"stream.log.{R.rotations}", stream_tail.segments[-2][1])
            R.log(f"rotated stream.log to stream.log.{R.rotations}, SIGHUP to kstream")
            next_rotate = now() + rng.uniform(3, 12)
        if ks.poll() is not None or b.proc.poll() is not None or kput.poll() is not None:
            R.log("a tool exited during the run")
            break
        for tl in (a.tail, b.tail, stream_tail):
            tl.poll()
        time.sleep(0.1)

    # ------------------------------------------------------------------ end phase
    R.fault_seconds = now()
    R.log(f"fault phase over after {R.fault_seconds:.0f}s: clearing every fault")
    faults.clear_all()
    pipe.cleared.set()
    R.faults = faults
    if a.proc.poll() is not None:
        a.start()
    feeder.stop = True
    feeder.join()
    R.fed = feeder.written
    R.feeder = feeder
    R.log(f"feeder stopped after {feeder.written} lines; waiting for kput")
    reap(kput, {0}, 200)
    R.log(f"kput exited {kput.returncode}")
    hw = high_watermarks(queries[PULL_GROUP])
    R.hw = hw
    R.log(f"high watermarks {{{', '.join(f'{p}: {hi}' for p, (lo, hi) in hw.items())}}}")
    deadline = now() + 150
    while now() < deadline:
        for tl in (a.tail, b.tail, stream_tail):
            tl.poll()
        group_max = {p: max(a.tail.max.get(p, -1), b.tail.max.get(p, -1)) for p in hw}
        if all(group_max[p] >= hi - 1 for p, (lo, hi) in hw.items()) and \
           all(stream_tail.max.get(p, -1) >= hi - 1 for p, (lo, hi) in hw.items()):
            break
        time.sleep(0.5)
    else:
        R.failures.append("the consumers did not catch up within 150 s of kput's exit")
    R.log("consumers caught up; SIGINT to kpull A, SIGTERM to kpull B and kstream")
    time.sleep(1)
    a.proc.send_signal(signal.SIGINT)
    b.proc.send_signal(signal.SIGTERM)
    ks.send_signal(signal.SIGTERM)
    reap(a.proc, {130}, 90)
    a.drained()
    reap(b.proc, {143}, 90)
    reap(ks, {0}, 90)
    R.log(f"exits: kpull A {a.proc.returncode}, kpull B {b.proc.returncode}, kstream {ks.returncode}")
    watch.stop = True
    watch.join()
    R.watch_samples = watch.samples
    R.watch_unsettled = watch.unsettled
    R.watch_history = {g: list(h) for g, h in watch.history.items()}
    for tl in (a.tail, b.tail, stream_tail):
        tl.poll()
    R.final_committed = {}
    for group in (PULL_GROUP, STREAM_GROUP):
        out = witness("committed", R.mock.bootstrap, group, TOPIC)
        R.final_committed[group] = {int(p): o for p, o in json.loads(out)["offsets"].items()} if out else {}
    R.topic = [json.loads(line) for line in witness("read", R.mock.bootstrap, TOPIC).splitlines()]
    R.log(f"witness read {len(R.topic)} messages from the topic")
    for c in queries.values():
        c.close()
    pipe.join(max(60, R.seconds + 540 - now()))
    if pipe.is_alive():
        R.failures.append("the --acks pipeline had not finished its clean runs when the rest had")
    R.pipe = pipe
    R.mock.p.stdin.close()
    R.mock.p.send_signal(signal.SIGTERM)
    reap(R.mock.p, {0}, 30)
    R.sampler.stop = True
    R.tails = {"kpull A": a.tail, "kpull B": b.tail, "kstream": stream_tail}
    ok = check()
    print(f"chaos: seed {R.seed}: {'PASS' if ok else 'FAIL'} (replay: CHAOS_SEED={R.seed} CHAOS_SECONDS={R.seconds:.0f}; files in {R.dir})")
    return 0 if ok else 1


def kill_member(m, queries, tails, watch):
    p = m.proc
    if m.reader is not None and R.rng.random() < 0.5:
        # Every other kill (seeded) waits, up to 5 s, for the worst moment: A stuck in a write.
        waited = now()
        while not m.reader.blocking() and now() - waited < 5 and p.poll() is None:
            time.sleep(0.01)
    held = f"; its reader {'paused' if m.reader.paused else 'reading'}, {m.reader.unread()} bytes in the pipe" if m.reader else ""
    os.kill(p.pid, signal.SIGKILL)
    code = p.wait()
    p.pump.join(5)
    m.drained()
    t = now()
    R.exits.append((f"kpull {m.name}{m.incarnation}", code, code == -signal.SIGKILL, "SIGKILLed by the chaos"))
    label = f"{m.name}{m.incarnation}"
    m.tail.poll()
    # The killed member can commit nothing more (a commit already on the wire lands within milliseconds):
    # the group's committed offsets now bound what the next owner of its partitions starts from.
    time.sleep(0.2)
    got, tries = None, 0
    while got is None and now() - t < 4.5:
        tries += 1
        got = committed_checked(queries, tails, f"after the kill of {label}")
    source = "read after the kill"
    if got is not None:
        offsets = got[PULL_GROUP]
    else:
        # The coordinator did not answer in time (a broker down, added RTT): take the watch's last read
        # before the kill, a lower bound of what was committed then (commits only move forward).
        before = [h for h in list(watch.history[PULL_GROUP]) if h[0] <= t]
        wt, offsets = before[-1] if before else (None, None)
        source = f"the 100 ms watch's read {t - wt:.1f}s before the kill" if offsets is not None else "unknown"
    torn = m.tail.new_segment(f"{m.name}{m.incarnation + 1}")
    R.kills.append({"t": t, "incarnation": label, "committed": offsets, "source": source,
                    "query_s": now() - t, "torn": len(torn)})
    R.log(f"SIGKILL kpull {label}{held}; committed then {offsets} ({source})"
          + (f"; it left a torn last line of {len(torn)} bytes" if torn else ""))


# ----------------------------------------------------------------------------------------------- checks

MSGSET = re.compile(r"^\s*([\d.]+) .*?\b" + TOPIC + r" \[(\d+)\].*?MessageSet with (\d+) message\(s\) \(MsgId (\d+)"
                    r".*?encountered error: (.*?) \(actions (.*?)\)")


def acks_check(say, verdict):
    """The --acks pipeline's checks; returns its figures for the summary. Every message of chaos.pin that
    passes the filter must be in chaos.pout (its .value.src names it), intact; copies beyond the first are
    counted (each comes from a run that ended before its output was reported done: a kill, or exit 75);
    the group's committed offsets equal chaos.pin's ends after the clean run; each run's exit codes are
    the documented ones."""
    pipe = getattr(R, "pipe", None)
    say(f"--acks pipeline: kpull -t {PIN} -g {PIPE_GROUP} -e --acks P | jq -c '{PIPE_FILTER}' | kput -t {POUT} --envelope --acks P")
    if pipe is None or pipe.error or not hasattr(pipe, "pout"):
        verdict(False, f"the pipeline ran to its end ({(pipe.error or '').strip().splitlines()[-1:] if pipe else 'not started'})")
        return {"pass": False}
    pin = {}
    for r in pipe.pin:
        pin[(r["partition"], r["offset"])] = json.loads(base64.b64decode(r["value"]))
    want = {po for po, v in pin.items() if v["seq"] % 3 != 0}
    copies = collections.Counter()
    bad = []
    for r in pipe.pout:
        try:
            v = json.loads(base64.b64decode(r["value"]))
            src = tuple(v["src"])
            ok = pin.get(src, {}).get("seq") == v["seq"] and v["m"] == v["seq"] * 2 and v["seq"] % 3 != 0 \
                and v["k"] == pin[src]["k"] and base64.b64decode(r["key"]).decode() == v["k"]
        except (ValueError, KeyError, TypeError):
            ok, src = False, None
        if ok:
            copies[src] += 1
        else:
            bad.append((r["partition"], r["offset"]))
    runs = pipe.runs
    fault_runs = [r for r in runs if r["phase"] == "faults"]
    kills = collections.Counter(PIPE_STAGES[r["victim"]] for r in fault_runs if r["victim"] is not None)
    skipped = [r for r in fault_runs if r["victim"] is None and r["note"].startswith("jq not killed")]
    ended_75 = sum(1 for r in runs if r["victim"] is None and 75 in (r["codes"][0], r["codes"][2]))
    fed = pipe.feeder.written
    pin_seqs = collections.Counter(v["seq"] for v in pin.values())
    say(f"  {len(fault_runs)} runs during the faults: SIGKILLed {', '.join(f'{k} {n}' for k, n in sorted(kills.items())) or 'nothing'}, "
        f"{len(fault_runs) - sum(kills.values())} not killed ({len(skipped)} jq kills left out: kpull had closed its output), "
        f"{ended_75} unkilled runs ended 75; {pipe.moves} leader/coordinator moves of its own; then {pipe.clean} clean run(s)")
    say(f"  input: {fed} lines fed to kput -t {PIN}; {PIN} holds {len(pin)} messages ({len(pin_seqs)} distinct lines, "
        f"{sum(c - 1 for c in pin_seqs.values())} producer copies); {len(want)} pass the filter")
    missing = want - set(copies)
    dups = sum(c - 1 for c in copies.values())
    verdict(not missing, f"every input message the filter passes is in {POUT}: {len(want) - len(missing)} of {len(want)}, "
            f"missing {len(missing)}{' ' + str(sorted(missing)[:5]) if missing else ''}")
    verdict(not bad, f"every message of {POUT} is one the filter made from the {PIN} message its src names "
            f"({len(pipe.pout)} messages; {len(bad)} are not{': ' + str(bad[:3]) if bad else ''})")
    say(f"  duplicates {dups} (of {sum(1 for c in copies.values() if c > 1)} messages): re-read after runs that ended before "
        f"their output was reported done ({sum(kills.values())} kills, {ended_75} exits 75)")
    last = runs[-1] if runs else None
    verdict(last is not None and last["phase"] == "clean" and last["codes"] == [0, 0, 0],
            f"a clean run exited 0, 0, 0 (clean run {pipe.clean}: {last['codes'] if last else None})")
    ends = collections.defaultdict(int)
    for (p, o) in pin:
        ends[p] = max(ends[p], o + 1)
    ends = {p: ends.get(p, 0) for p in range(PIPE_PARTITIONS)}
    got = {p: pipe.committed.get(p) for p in range(PIPE_PARTITIONS)}
    # A partition that never held a message has nothing to commit: -1001 (none) is its end.
    at_end = all(got[p] == ends[p] or (ends[p] == 0 and got[p] in (None, -1001)) for p in ends)
    verdict(at_end, f"the group {PIPE_GROUP}'s committed offsets after the clean run are {PIN}'s ends: {got} (ends {ends})")
    wrong = [r for r in runs if not r["ok"]]
    shapes = collections.Counter((PIPE_STAGES[r["victim"]] if r["victim"] is not None else "none", tuple(r["codes"])) for r in runs)
    verdict(not wrong, f"exit codes as documented in {len(runs)} runs (killed stage: kpull, jq, kput exits): "
            + "; ".join(f"{v} {list(c)} x{n}" for (v, c), n in sorted(shapes.items(), key=str))
            + (f"; NOT: {[(r['n'], r['codes'], r['note']) for r in wrong[:3]]}" if wrong else ""))
    return {"runs": len(runs), "kills": dict(kills), "clean_runs": pipe.clean, "fed": fed, "input": len(pin),
            "passing": len(want), "output": len(pipe.pout), "missing": len(missing), "duplicates": dups,
            "at_end": at_end, "pass": not missing and not bad and at_end and not wrong}


def check():
    """Prints every figure and returns True only when every check holds.

    The duplicate rule. A message can come out twice only because a consumer wrote it and the group's
    committed offset had not passed it when that consumer stopped holding its partition. For a kill that
    moment is known: right after the SIGKILL (process reaped) the script reads the group's committed
    offsets C (a commit already on the wire lands within the 200 ms it waits first; nobody else commits
    those partitions before the dead member's 6 s session expires). So every extra copy of (p, o) in the
    kpull group's outputs must be matched by a distinct kill of an incarnation that had written (p, o), with
    C[p] <= o, and the extra copy seen after that kill. Any other duplicate fails the run, as do duplicates
    in kstream, which is never killed. At every kill and every 100 ms during the run reads also check
    the rule itself: no committed offset is ever ahead of what the group has written (C[p] <= highest
    offset written on p, plus one)."""
    ok = True
    lines = []

    def say(text=""):
        lines.append(text)
        print(text)

    def verdict(cond, text):
        nonlocal ok
        if not cond:
            ok = False
        say(f"  {'ok  ' if cond else 'FAIL'} {text}")

    # The topic, as the witness read it.
    topic = {}
    by_seq = collections.defaultdict(list)
    key_partition = {}
    for r in R.topic:
        v = json.loads(base64.b64decode(r["value"]))
        topic[(r["partition"], r["offset"])] = v
        by_seq[v["seq"]].append((r["partition"], r["offset"]))
        key_partition.setdefault(v["k"], set()).add(r["partition"])
    fed = R.fed
    # kput's own account.
    kput_err = open(R.path("kput.err"), errors="replace").read()
    m = re.search(r"(\d+) delivered, (\d+) rejected, (\d+) failed, (\d+) lines in", kput_err)
    kput_read = int(m.group(4)) if m else None
    kput_delivered = int(m.group(1)) if m else None
    report = [json.loads(x) for x in open(R.path("report.jsonl"), "rb").read().splitlines() if x.strip()]
    errored = []    # (t, partition, first msgid, count, error, actions)
    for line in kput_err.splitlines():
        mm = MSGSET.search(line)
        if mm:
            errored.append((float(mm.group(1)), int(mm.group(2)), int(mm.group(4)), int(mm.group(3)), mm.group(5), mm.group(6)))
    # Each line's MsgId: librdkafka numbers the messages of each partition 1, 2, ... in the order they
    # were produced, and kput produces the lines in order.
    counters = collections.Counter()
    msgid = {}
    for seq in range(1, fed + 1):
        k = R.feeder.keys[seq - 1]
        parts = key_partition.get(k, {None})
        p = next(iter(parts))
        counters[p] += 1
        msgid[seq] = (p, counters[p])

    def retried(seq, persisted=False):
        """The MessageSets kput logged as failed that held line `seq` (its partition and MsgId). kput
        acknowledged every line, so each was sent again: librdkafka's actions say Retry, or Refresh for a
        cut connection (then re-queued after the metadata refresh). A second copy in the topic needs a set
        that failed after it may have been written (MsgPossiblyPersisted)."""
        p, mid = msgid[seq]
        return [e for e in errored if e[1] == p and e[2] <= mid < e[2] + e[3]
                and (not persisted or "MsgPossiblyPersisted" in e[5])]

    say("")
    say(f"chaos report: seed {R.seed}, {R.version}")
    say(f"  {R.fault_seconds / 60:.1f} min of faults; {R.faults.count} faults ({', '.join(f'{k} {n}' for k, n in sorted(R.faults.kinds.items()))}); "
        f"{len(R.kills)} SIGKILLs of a kpull member; {R.rotations} rotations of kstream's file; "
        f"{R.pauses} pauses of kpull A's slow reader")
    say("producer")
    say(f"  lines fed {fed}; read by kput {kput_read}; acknowledged (--report) {len(report)}; delivered per kput {kput_delivered}")
    verdict(kput_read == fed, "kput read every line fed")
    verdict(len(report) == fed, "every line acknowledged")
    # librdkafka's idempotent producer acks a failed batch "implicitly" when a later batch of the partition
    # succeeds (a real broker would have refused the later one out of sequence); the mock checks no sequence
    # numbers, so such a batch can be acked without ever being written. kput reports it with offset null.
    implicit = []
    for mm in re.finditer(TOPIC + r" \[(\d+)\] (\d+) message\(s\) implicitly acked by subsequent batch success \(msgids (\d+)\.\.(\d+)", kput_err):
        implicit.append((int(mm.group(1)), int(mm.group(3)), int(mm.group(4))))
    def implicitly_acked(seq):
        p, mid = msgid[seq]
        return any(ip == p and lo <= mid <= hi for ip, lo, hi in implicit)
    # --report says "offset":null for a line acknowledged without an offset (librdkafka's -1001).
    def unknown(x):
        return x["offset"] is None or x["offset"] < 0
    bad_report = [x for x in report if topic.get((x["partition"], x["offset"]), {}).get("seq") != x["line"]
                  and not (unknown(x) and implicitly_acked(x["line"]))]
    unknown_offset = [x for x in report if unknown(x)]
    verdict(not bad_report, f"each acknowledgement names the offset where that line is in the topic ({len(bad_report)} do not; "
            f"{len(unknown_offset)} say offset null: implicitly acked by librdkafka)")
    lo_nonzero = {p: lo for p, (lo, hi) in R.hw.items() if lo != 0}
    verdict(not lo_nonzero, f"the mock dropped nothing from the head of a partition (low watermarks {lo_nonzero or 'all 0'})")
    verdict(len(topic) == sum(hi for lo, hi in R.hw.values()), f"witness read {len(topic)} messages = the high watermarks' sum {sum(hi for lo, hi in R.hw.values())}")
    missing = [s for s in range(1, fed + 1) if s not in by_seq]
    mock_lost = [s for s in missing if implicitly_acked(s)]
    verdict(len(missing) == len(mock_lost), f"every line is in the topic: {fed - len(missing)} distinct of {fed}, lost {len(missing) - len(mock_lost)}")
    if mock_lost:
        say(f"  MOCK {len(mock_lost)} lines never written by the mock yet acked: a batch refused (NOT_LEADER) was implicitly acked "
            f"by librdkafka when a later batch succeeded out of sequence, which a real broker refuses (lines {mock_lost[:5]}...)")
    extra = {s: c for s, c in by_seq.items() if len(c) > 1}
    dup_unexplained = [s for s in extra if not retried(s, persisted=True)]
    verdict(not dup_unexplained, f"copies in the topic from producer retries: {sum(len(c) - 1 for c in extra.values())} extra copies of {len(extra)} lines, "
            f"each in a MessageSet kput logged as failed with MsgPossiblyPersisted, then sent again ({len(dup_unexplained)} not)")
    verdict(all(len(v) == 1 for v in key_partition.values()), "each key in one partition")
    # Per-key order in the topic: a retried batch can land behind a later one (the mock checks no sequence numbers).
    reorders, reorder_unexplained = 0, []
    for p in range(PARTITIONS):
        top = collections.Counter()
        seen = set()
        for o in sorted(o for (pp, o) in topic if pp == p):
            v = topic[(p, o)]
            if v["seq"] in seen:
                continue
            seen.add(v["seq"])
            if v["n"] < top[v["k"]]:
                reorders += 1
                if not retried(v["seq"]):
                    reorder_unexplained.append((p, o, v["k"], v["n"]))
            top[v["k"]] = max(top[v["k"]], v["n"])
    verdict(not reorder_unexplained, f"per-key order in the topic: {reorders} lines landed behind a later line of their key, "
            f"each in a MessageSet kput logged as failed, then sent again ({len(reorder_unexplained)} not: {reorder_unexplained[:5]})")
    if errored:
        say(f"  kput logged {len(errored)} failed MessageSets: {collections.Counter(e[4] for e in errored).most_common()}")

    # The consumers.
    def deliveries(tail):
        out, bad = [], []
        for si, (label, seg) in enumerate(tail.segments):
            for li, raw in enumerate(seg):
                try:
                    e = json.loads(raw)
                    p, o, v = e["partition"], e["offset"], e["value"]
                except (ValueError, KeyError, TypeError):
                    bad.append((label, raw[:80]))
                    continue
                if topic.get((p, o)) != v or e.get("key") != v.get("k"):
                    bad.append((label, raw[:80]))
                    continue
                out.append((p, o, label, tail.times[si][li]))
        return out, bad

    def order(dl):
        """First appearances of each key's offsets increase; a repeat is a replay, never a jump back."""
        seen, top, bad, repeats = set(), {}, 0, 0
        for p, o, label, t in dl:
            k = topic[(p, o)]["k"]
            if (p, o) in seen:
                repeats += 1
            elif o < top.get(k, -1):
                bad += 1
            else:
                top[k] = o
            seen.add((p, o))
        return bad, repeats

    commit_failures = collections.defaultdict(list)   # incarnation -> [t]
    revokes = collections.defaultdict(list)           # (incarnation, partition) -> [t]
    lost_revokes = collections.defaultdict(list)      # (incarnation, partition) -> [t]: the assignment was lost
    losing = set()
    for line in open(R.path("kpull.err"), errors="replace"):
        mm = re.match(r"\s*([\d.]+) (\w+) kpull: (.*)", line)
        if not mm:
            continue
        t, inc, text = float(mm.group(1)), mm.group(2), mm.group(3)
        if text.startswith("commit failed") or text.startswith("commit after rebalance failed"):
            commit_failures[inc].append(t)
        elif text.startswith("assignment lost"):
            losing.add(inc)     # -v: said just before the revocation it comes with
        elif text.startswith("revoked "):
            for pm in re.finditer(TOPIC + r"\[(\d+)\]", text):
                revokes[(inc, int(pm.group(1)))].append(t)
                if inc in losing:
                    lost_revokes[(inc, int(pm.group(1)))].append(t)
            losing.discard(inc)
    history = R.watch_history.get(PULL_GROUP, [])

    def committed_before(t, p):
        """The group's committed offset for p at the watch's last read before t (None: no read)."""
        before = [offsets for (tw, offsets) in history if tw <= t]
        return before[-1].get(p) if before else None
    everything = set(topic)
    for name, tails, group in (("kpull group (A and B)", [R.tails["kpull A"], R.tails["kpull B"]], PULL_GROUP),
                               ("kstream", [R.tails["kstream"]], STREAM_GROUP)):
        say(name)
        dl, bad = [], []
        for tl in tails:
            d, b = deliveries(tl)
            bad += b
            verdict(order(d)[0] == 0, f"per-key order in {tl.segments[0][0][:1] if name.startswith('kpull') else 'stream.log*'}'s output: "
                    f"{len(d)} lines, {order(d)[1]} replayed, {order(d)[0]} out of order")
            dl += d
        copies = collections.defaultdict(list)
        for p, o, label, t in dl:
            copies[(p, o)].append((t, label))
        lost = everything - set(copies)
        verdict(not bad, f"every line written is a message of the topic, intact ({len(bad)} are not: {bad[:3]})")
        verdict(not lost, f"distinct messages delivered {len(copies)} of {len(everything)}; lost {len(lost)} {sorted(lost)[:5]}")
        dups = {po: c for po, c in copies.items() if len(c) > 1}
        n_extra = sum(len(c) - 1 for c in dups.values())
        unexplained = []
        by_rebalance = 0
        by_lost = 0
        per_kill = collections.Counter()
        for (p, o), c in dups.items():
            need = len(c) - 1
            holders = {label for t, label in c}
            got = 0
            # The other cause: a rebalance took the partition from a member whose commits were refused
            # (the mock refuses every commit while the group rebalances) after it wrote the line.
            rebalance_ok = 0
            lost_ok = 0
            cs = sorted(c)
            for i in range(1, len(cs)):
                t1, x = cs[i - 1]
                t2 = cs[i][0]
                fails = [tf for tf in commit_failures.get(x, []) if t1 - 1.5 <= tf]
                revs = [tr for tr in revokes.get((x, p), []) if t1 - 1.5 <= tr <= t2 + 0.5]
                if revs and any(tf <= max(revs) + 0.5 for tf in fails):
                    rebalance_ok += 1
                    continue
                # The third cause: x's session timed out (its coordinator unreachable for session.timeout.ms), so
                # the group took p from it without a commit ("assignment lost" at -v; a commit then is refused),
                # and the group's committed offset for p was still <= o when the next copy came. The tail can see
                # a line up to ~5 s after it was written (the loop waits at a kill), hence the slack before.
                lost = [tr for tr in lost_revokes.get((x, p), []) if t1 - 6 <= tr <= t2 + 0.5]
                cm = committed_before(t2, p)
                if lost and cm is not None and cm <= o:
                    lost_ok += 1
            for k in R.kills:
                if got == need:
                    break
                cm = k["committed"]
                if k["incarnation"] in holders and cm is not None and 0 <= cm.get(p, -1) <= o \
                        and any(t > k["t"] for t, label in c):
                    got += 1
                    per_kill[k["incarnation"]] += 1
            if got < need:
                if group == PULL_GROUP and got + rebalance_ok + lost_ok >= need:
                    from_rebalance = min(need - got, rebalance_ok)
                    by_rebalance += from_rebalance
                    by_lost += need - got - from_rebalance
                else:
                    unexplained.append((p, o, sorted(c)))
        if group == PULL_GROUP:
            say("  rule: each extra copy of (p, o) needs its own SIGKILL of an incarnation that had written it, with the group's")
            say("  committed offset C[p] read right after that kill <= o, and the copy seen after the kill")
            windows = ", ".join(f"{k['incarnation']} {per_kill[k['incarnation']]}" for k in R.kills if per_kill[k["incarnation"]])
            say("  or a rebalance took p from a member X that wrote (p, o), then logged a failed commit (at -v: the mock refuses")
            say("  commits while the group rebalances) and the revocation of p, before the next copy")
            say("  or X's assignment was lost (its session timed out: 'assignment lost' at -v) with p, after X wrote (p, o), and the")
            say("  group's committed offset for p was still <= o when the next copy came (the 100 ms watch's last read before it)")
            verdict(not unexplained, f"duplicates {n_extra} (of {len(dups)} messages): {n_extra - by_rebalance - by_lost - len(unexplained)} in the "
                    f"uncommitted window at a kill, {by_rebalance} at a rebalance after refused commits, {by_lost} at a lost assignment, "
                    f"{len(unexplained)} unexplained"
                    f"{': ' + str(unexplained[:3]) if unexplained else ''}; per kill: {windows or 'none'}")
            unknown = [k["incarnation"] for k in R.kills if k["committed"] is None]
            late = [f"{k['incarnation']}: {k['source']}" for k in R.kills if k["committed"] is not None and k["source"] != "read after the kill"]
            verdict(not unknown, f"the committed offsets at every kill are known ({unknown or 'all'}; "
                    f"from the watch instead: {late or 'none'})")
            torn = [k for k in R.kills if k["torn"]]
            say(f"  torn last lines left by a SIGKILL: {len(torn)}")
        else:
            verdict(not dups, f"duplicates {n_extra} (kstream is never killed: none allowed){': ' + str(list(dups.items())[:3]) if dups else ''}")
        fc = R.final_committed.get(group, {})
        want = {p: hi for p, (lo, hi) in R.hw.items()}
        verdict(fc == want, f"committed offsets at the end equal the written ones: {fc} (want {want})")
    say(f"commit after write (committed offsets read {R.watch_samples} times, every 100 ms and at each kill, then the outputs; "
        f"{R.watch_unsettled} reads of the kpull group not compared: A's slow reader held lines A had written)")
    ahead = [a for a in R.ahead]
    verdict(not ahead, f"no committed offset was ever ahead of what its group had written ({len(ahead)} were: {ahead[:3]})")

    acks = acks_check(say, verdict)

    say("resources (sampled once a second from /proc)")
    peak = {}
    # The killed member's incarnations are one line: A1..An, each short-lived.
    merged = collections.defaultdict(list)
    for label, samples in R.sampler.samples.items():
        inc = re.match(r"kpull A(\d+)$", label)
        merged["kpull A1..A%d" % len(R.kills + [None]) if inc else label].extend(samples)
    for label, samples in sorted(merged.items()):
        samples.sort()
        if not samples:
            continue
        hwm = max(s[2] for s in samples) / 1024
        fds = max(s[3] for s in samples)
        tool = label.split()[0]
        peak[label] = hwm
        half = [s for s in samples if s[0] <= R.fault_seconds / 2]
        late = [s for s in samples if s[0] > R.fault_seconds / 2]
        growth = (max(s[1] for s in late) - max(s[1] for s in half)) / 1024 if half and late else 0
        text = f"{label}: peak RSS {hwm:.1f} MiB, most open descriptors {fds}, RSS growth second half {growth:+.1f} MiB"
        if tool in RSS_BOUND_MIB:
            verdict(hwm <= RSS_BOUND_MIB[tool] and fds <= FD_BOUND and growth <= RSS_GROWTH_MIB,
                    f"{text} (bounds {RSS_BOUND_MIB[tool]} MiB, {FD_BOUND} descriptors, +{RSS_GROWTH_MIB} MiB)")
        else:
            say(f"  info {text} (the mock holds the data: not bounded here)")
    R.peak = peak
    say("exit codes")
    killed = [e for e in R.exits if e[3] == "SIGKILLed by the chaos"]
    if killed:
        verdict(all(e[2] for e in killed), f"kpull A1..A{len(killed)}: {sorted(set(e[1] for e in killed))} "
                f"({len(killed)} SIGKILLed by the chaos: -9 each)")
    for name, code, good, note in R.exits:
        if (name, code, good, note) not in killed:
            verdict(good, f"{name}: {code}{' (' + note + ')' if note else ''}")
    verdict(not R.mock.bad_answers, f"kmock answered ok to every command: {sum(R.mock.commands.values())} commands "
            f"({len(R.mock.bad_answers)} not: {R.mock.bad_answers[:3]})")
    for f in R.failures:
        verdict(False, f)
    tool_pull = [x for x in peak if x.startswith("kpull")]
    summary = {"seed": R.seed, "minutes": round(R.fault_seconds / 60, 2), "faults": R.faults.count, "kinds": dict(R.faults.kinds),
               "kills": len(R.kills), "rotations": R.rotations, "lines": fed, "topic_messages": len(topic),
               "producer_duplicates": sum(len(c) - 1 for c in extra.values()), "topic_reorders": reorders,
               "peak_rss_mib": {k: round(v, 1) for k, v in peak.items()}, "acks_pipeline": acks, "pass": ok, "version": R.version}
    json.dump(summary, open(R.path("summary.json"), "w"), indent=1)
    open(R.path("report.txt"), "w").write("\n".join(lines) + "\n")
    return ok


def cleanup(*_):
    for p in R.procs:
        if p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass


def watchdog(limit):
    """The run stops by itself: past the fault phase plus a bound for the end phase, everything is killed."""
    time.sleep(limit)
    print(f"chaos: FAIL: still running after {limit:.0f}s; killing every process it started", flush=True)
    cleanup()
    os._exit(1)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: (cleanup(), sys.exit(143)))
    # The end phase normally takes seconds; its steps are bounded one by one (kput 200 s, catch-up 150 s, each
    # stop 90 s, each witness call 180 s); 10 minutes past the fault phase the whole run is given up.
    threading.Thread(target=watchdog, args=(R.seconds + 600,), daemon=True).start()
    try:
        rc = main()
    except KeyboardInterrupt:
        rc = 130
    finally:
        cleanup()
    sys.exit(rc)
