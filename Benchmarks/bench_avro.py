#!/usr/bin/env python3
"""Issue 22's benchmark rows: Avro through a schema registry, side by side in one run (see run.sh; BENCH_ROWS=avro).

  drain  N Avro records (issue 22's 12-field ~150 B record, Tests/bench/AvroBenchRecord.swift) with a group to
         the end, as JSON envelopes:  kpull -e --registry URL  against  the same drain without --registry
         (the values as base64: goal, decoding keeps >= 0.7x its throughput)  and against Python confluent_kafka's
         Consumer with AvroDeserializer writing each value as a JSON line (the one peer that decodes here: Debian's
         kcat has no Avro; goal >= 5x)
  produce  the same N records as natural JSON lines:  kput --value-schema SUBJECT  against plain kput of the same
         lines (goal >= 0.7x)

Each run is checked: the drains' outputs hold N lines, and every decoded value (ours and Python's) equals the
record it was made from; the produced topics hold N messages and a sample of kput's, decoded by Python's
AvroDeserializer, equals its input line. The registry is the tests' stand-in (Scripts/registry-standin.py) on
127.0.0.1: one schema, fetched once per run by each consumer.
"""
import json
import os
import random
import subprocess
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as b  # noqa: E402  (the shared machinery: kmock, processes under GNU time, medians)

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient  # noqa: E402
from confluent_kafka.schema_registry.avro import AvroDeserializer  # noqa: E402
from confluent_kafka.serialization import MessageField, SerializationContext  # noqa: E402
import fastavro  # noqa: E402

N = b.N
# BENCH_AVRO_PYTHON=0 leaves out the Python peer (a drain of N records takes it ~200 µs each): for iterating
# on the codec, and for a second librdkafka when the peer's ratio was measured beside the first.
PYTHON_PEER = os.environ.get("BENCH_AVRO_PYTHON", "1") != "0"
RUNS = b.RUNS
PARTITIONS = b.PARTITIONS
ROOT = b.ROOT
WORK = b.WORK


def schema_text():
    src = open(os.path.join(ROOT, "Tests", "bench", "AvroBenchRecord.swift")).read()
    start = src.index('"""') + 3
    return src[start:src.index('"""', start)].strip()


SCHEMA = schema_text()
PARSED = fastavro.parse_schema(json.loads(SCHEMA))
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Niklaus"]
LAST = ["Lovelace-Byron", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Wirth"]
TAGS = ["gift", "express", "fragile", "bulk", "priority", "return"]
STATUS = ["NEW", "PAID", "SHIPPED"]


def record(rnd, i):
    """The i-th record as fastavro wants it and as natural JSON (the stored values: decimal as its string,
    timestamp-millis as the integer)."""
    q = rnd.randint(1, 9)
    cents = rnd.randint(100, 99999)
    total = Decimal(cents * q).scaleb(-2)
    name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
    note = None if rnd.random() < 0.3 else rnd.choice(["leave at the door", "call first", "ring twice", "back gate"])
    ref = "%08x-%04x-4%03x-8%03x-%012x" % (rnd.getrandbits(32), rnd.getrandbits(16), rnd.getrandbits(12),
                                            rnd.getrandbits(12), rnd.getrandbits(48))
    email = name.replace(" ", ".").lower() + "@orders.shop.example"
    fields = {"id": 1_000_000_000_000 + i, "customer": name, "email": email,
              "quantity": q, "price": cents / 100, "paid": rnd.random() < 0.7, "created": 1_764_806_400_000 + i * 37,
              "tags": rnd.sample(TAGS, rnd.randint(1, 4)), "status": rnd.choice(STATUS), "total": total,
              "note": note, "ref": ref}
    natural = dict(fields, total=str(total))
    return fields, natural


def canonical(value):
    """A decoded value, compared as data: the decimal as its string, floats as floats."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "timestamp") and hasattr(value, "tzinfo"):  # a datetime from a logical type
        return int(round(value.timestamp() * 1000))
    if value.__class__.__name__ == "UUID":
        return str(value)
    return value


class Registry:
    def __init__(self):
        self.err = open(os.path.join(WORK, "registry.err"), "wb")
        self.p = subprocess.Popen([sys.executable, os.path.join(ROOT, "Scripts", "registry-standin.py")],
                                  stdout=subprocess.PIPE, stderr=self.err)
        port = self.p.stdout.readline().decode().strip()
        if not port:
            raise SystemExit(f"the registry stand-in did not start (see {WORK}/registry.err)")
        self.url = f"http://127.0.0.1:{port}"
        self.client = SchemaRegistryClient({"url": self.url})

    def register(self, subject):
        return self.client.register_schema(subject, Schema(SCHEMA, "AVRO"))

    def close(self):
        self.p.terminate()
        self.p.wait(10)


class AvroBench:
    def __init__(self):
        os.makedirs(WORK, exist_ok=True)
        self.k = b.Kmock("kmock-avro")
        self.reg = Registry()
        self.rows = []
        self.started = time.time()
        rnd = random.Random(22)
        b.log(f"making {N:,} records")
        self.bodies = []
        self.expected = {}
        self.lines_path = os.path.join(WORK, "avro-records.jsonl")
        with open(self.lines_path, "w") as f:
            for i in range(N):
                fields, natural = record(rnd, i)
                out = __import__("io").BytesIO()
                fastavro.schemaless_writer(out, PARSED, fields)
                self.bodies.append(out.getvalue())
                self.expected[natural["id"]] = natural
                f.write(json.dumps(natural, separators=(",", ":")) + "\n")
        self.body_bytes = sum(len(x) for x in self.bodies) / N
        self.json_bytes = (os.path.getsize(self.lines_path) - N) / N

    def fill(self, topic, schema_id):
        """The source topic: N framed Avro values written by confluent_kafka's Producer, counted."""
        self.k.topic(topic)
        p = Producer({"bootstrap.servers": self.k.bootstrap, "linger.ms": 50, "enable.idempotence": True,
                      "sticky.partitioning.linger.ms": 0})
        prefix = b"\x00" + schema_id.to_bytes(4, "big")
        for i, body in enumerate(self.bodies):
            while True:
                try:
                    p.produce(topic, prefix + body)
                    break
                except BufferError:
                    p.poll(0.05)
            if i % 10000 == 0:
                p.poll(0)
        if p.flush(60) != 0:
            raise SystemExit(f"could not fill {topic}")
        have = self.k.count(topic)
        if have != N:
            raise SystemExit(f"{topic} holds {have} of {N}")

    def verify_envelopes(self, res, out, decoded, schema_id):
        count = 0
        bad = 0
        with open(out, "rb") as f:
            for ln in f:
                count += 1
                if not decoded:
                    continue
                d = json.loads(ln)
                v = d.get("value")
                if d.get("value_schema_id") != schema_id or not isinstance(v, dict) or self.expected.get(v.get("id")) != v:
                    bad += 1
        res.count = count
        if count != N:
            res.invalid(f"{count} lines of {N}")
        elif bad:
            res.invalid(f"{bad} decoded values differ from their records")

    def verify_values(self, res, out):
        count = bad = 0
        with open(out, "rb") as f:
            for ln in f:
                count += 1
                v = json.loads(ln)
                if self.expected.get(v.get("id")) != v:
                    bad += 1
        res.count = count
        if count != N:
            res.invalid(f"{count} lines of {N}")
        elif bad:
            res.invalid(f"{bad} values differ from their records")

    def drain(self):
        row = {"key": "avro-drain", "runs": {"decode": [], "plain": []} | ({"python": []} if PYTHON_PEER else {})}
        for r in range(RUNS):
            subject = f"avro-src-{r}-{b.UID}-value"
            sid = self.reg.register(subject)
            src = f"avro-src-{r}-{b.UID}"
            self.fill(src, sid)
            who_all = ["decode", "plain", "python"] if PYTHON_PEER else ["decode", "plain"]
            for who in who_all[r % len(who_all):] + who_all[:r % len(who_all)]:
                group = f"g-avro-{who}-{r}-{b.UID}"
                out = os.path.join(WORK, f"avro-{who}.out")
                if who == "decode":
                    cmd = [os.path.join(b.BIN, "kpull"), "-b", self.k.bootstrap, "-t", src, "-g", group, "-e",
                           "--registry", self.reg.url] + b.FETCH
                elif who == "plain":
                    cmd = [os.path.join(b.BIN, "kpull"), "-b", self.k.bootstrap, "-t", src, "-g", group, "-e"] + b.FETCH
                else:
                    cmd = [sys.executable, os.path.join(ROOT, "Benchmarks", "avro_peer.py"), self.k.bootstrap, src, group,
                           self.reg.url]
                res = b.check_rc(b.run(cmd, stdout_path=out, stderr_path=os.path.join(WORK, f"avro-{who}.err"), watch=True), who)
                if who == "python":
                    self.verify_values(res, out)
                else:
                    self.verify_envelopes(res, out, who == "decode", sid)
                row["runs"][who].append(res)
                b.log(f"  avro drain run {r + 1} {who}: {res.wall:.2f}s (first line {b.fmt_s(res.first)}) cpu {res.cpu:.2f}s "
                      f"rss {res.rss_kb // 1024} MiB lines {res.count}{'' if res.valid else ' INVALID: ' + res.note}")
                os.unlink(out)
        self.rows.append(row)

    def produce(self):
        row = {"key": "avro-produce", "runs": {"encode": [], "plain": []}}
        for r in range(RUNS):
            subject = f"avro-dst-{r}-{b.UID}-value"
            sid = self.reg.register(subject)
            for who in (["encode", "plain"] if r % 2 == 0 else ["plain", "encode"]):
                topic = self.k.topic(f"avro-dst-{who}-{r}-{b.UID}")
                cmd = [os.path.join(b.BIN, "kput"), "-b", self.k.bootstrap, "-t", topic] + b.SPREAD
                if who == "encode":
                    cmd += ["--registry", self.reg.url, "--value-schema", subject]
                res = b.check_rc(b.run(cmd, stdin_path=self.lines_path, stderr_path=os.path.join(WORK, f"avro-put-{who}.err")), who)
                have = self.k.count(topic)
                res.count = have
                if have != N:
                    res.invalid(f"topic holds {have} of {N}")
                elif who == "encode":
                    wrong = self.sample_check(topic, sid)
                    if wrong:
                        res.invalid(wrong)
                row["runs"][who].append(res)
                b.log(f"  avro produce run {r + 1} {who}: {res.wall:.2f}s cpu {res.cpu:.2f}s rss {res.rss_kb // 1024} MiB "
                      f"count {have}{'' if res.valid else ' INVALID: ' + res.note}")
        self.rows.append(row)

    def sample_check(self, topic, sid, sample=2000):
        """Python's AvroDeserializer reads the first messages kput wrote: each must equal its input line."""
        des = AvroDeserializer(self.reg.client)
        c = Consumer({"bootstrap.servers": self.k.bootstrap, "group.id": f"check-{topic}", "auto.offset.reset": "earliest",
                      "enable.auto.commit": False})
        c.subscribe([topic])
        seen = bad = 0
        deadline = time.monotonic() + 60
        try:
            while seen < sample and time.monotonic() < deadline:
                m = c.poll(1.0)
                if m is None or m.error():
                    continue
                raw = m.value()
                if raw[:1] != b"\x00" or int.from_bytes(raw[1:5], "big") != sid:
                    bad += 1
                v = canonical(des(raw, SerializationContext(topic, MessageField.VALUE)))
                if self.expected.get(v.get("id")) != v:
                    bad += 1
                seen += 1
        finally:
            c.close()
        if seen < sample:
            return f"only {seen} of {sample} sampled messages read back"
        return f"{bad} of {sample} sampled messages differ from their lines" if bad else ""

    def report(self):
        lines = [f"## Benchmark: Avro through a schema registry (issue 22){'' if b.FULL else ' — QUICK MODE, not representative'}", ""]
        lines.append(f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}; load average at the end {b.loadavg()}; kmock ({b.BROKERS} brokers), "
                     f"{PARTITIONS} partitions; the registry: the tests' stand-in on 127.0.0.1")
        lines.append(f"- N = {N:,} records of issue 22's 12-field record: {self.body_bytes:.0f} B of Avro each "
                     f"({self.body_bytes + 5:.0f} B framed), {self.json_bytes:.0f} B as natural JSON; median of {RUNS} runs; "
                     "consumers with `-X fetch.wait.max.ms=10` (Python: the same); each run checked (counts, every decoded value)")
        lines.append("")
        lines.append("| workload | tool | wall s | msg/s | first line s | msg/s, first line to exit | CPU s | peak RSS MiB | valid | the first row's throughput / this row's |")
        lines.append("|---|---|---:|---:|---:|---:|---:|---:|---|---|")
        labels = {"decode": "kpull -e --registry URL", "plain": "kpull -e (no registry: values as base64)",
                  "python": "Python confluent_kafka Consumer + AvroDeserializer", "encode": "kput --registry URL --value-schema SUBJECT",
                  "plain-put": "kput (plain JSON lines)"}
        goals = []
        for row in self.rows:
            runs = row["runs"]
            walls = {w: b.med([x.wall for x in rs if x.valid]) for w, rs in runs.items()}
            # The drains' throughput from the first line to the exit: without the group's first join (3 s on
            # the mock), which would otherwise make up most of a short run's time for all three.
            steady = {w: b.med([N / (x.wall - x.first) for x in rs if x.valid and x.first is not None and x.wall > x.first])
                      for w, rs in runs.items()}
            base = "decode" if row["key"] == "avro-drain" else "encode"
            for who, rs in runs.items():
                vs = [x for x in rs if x.valid]
                wall = walls[who]
                label = labels["plain-put" if (row["key"] == "avro-produce" and who == "plain") else who]
                ratio = ""
                if who != base and wall and walls[base]:
                    ratio = f"{wall / walls[base]:.2f}×"
                    if steady.get(who) and steady.get(base):
                        ratio += f" ({steady[base] / steady[who]:.2f}× from the first line)"
                workload = (f"drain {N:,} Avro records with a group, to the end" if row["key"] == "avro-drain"
                            else f"produce {N:,} JSON lines as Avro") if who == base else ""
                valid = f"{len(vs)}/{len(rs)}" + ("" if len(vs) == len(rs) else " INVALID: " + "; ".join(sorted({x.note for x in rs if not x.valid})))
                lines.append("| " + " | ".join([workload, b.md_code(label), b.fmt(wall, 2), b.fmt_int(N / wall if wall else None),
                                                b.fmt(b.med([x.first for x in vs if x.first is not None]), 2),
                                                b.fmt_int(steady.get(who)),
                                                b.fmt(b.med([x.cpu for x in vs]), 2), b.fmt(b.med([x.rss_kb / 1024 for x in vs]), 1),
                                                valid, ratio]) + " |")
            if row["key"] == "avro-drain" and steady["decode"] and steady["plain"] and (steady.get("python") or not PYTHON_PEER):
                plain = steady["decode"] / steady["plain"]
                if PYTHON_PEER:
                    py = steady["decode"] / steady["python"]
                    peer = f"{py:.2f}× Python's AvroDeserializer (goal ≥ 5×: {'met' if py >= 5 else 'MISSED'})"
                    whole = f"{walls['plain'] / walls['decode']:.2f}× and {walls['python'] / walls['decode']:.2f}×"
                else:
                    peer = "Python's AvroDeserializer not run in this run (BENCH_AVRO_PYTHON=0)"
                    whole = f"{walls['plain'] / walls['decode']:.2f}×"
                goals.append(f"- drain with decoding, from the first line to the exit (the group's join left out): {plain:.2f}× the plain "
                             f"drain's throughput (goal ≥ 0.7×: {'met' if plain >= 0.7 else 'MISSED'}); {peer}; whole process, join included: "
                             f"{whole}")
            if row["key"] == "avro-produce" and walls["encode"] and walls["plain"]:
                ratio = walls["plain"] / walls["encode"]
                goals.append(f"- produce as Avro: {ratio:.2f}× plain kput's throughput (goal ≥ 0.7×: {'met' if ratio >= 0.7 else 'MISSED'})")
        lines += ["", "Goals (issue 22), from the medians above:", ""] + goals
        lines += ["", f"Run took {time.time() - self.started:.0f} s."]
        text = "\n".join(lines) + "\n"
        print(text)
        out = os.environ.get("BENCH_AVRO_OUT") or (os.path.join(ROOT, "Benchmarks", f"results-{b.TODAY}-avro.md") if b.FULL
                                                  else os.path.join(WORK, "results-avro.md"))
        with open(out, "w") as f:
            f.write(text)
        b.log(f"results written to {out}")

    def main(self):
        try:
            self.drain()
            self.produce()
            self.report()
        finally:
            self.k.close()
            self.reg.close()


if __name__ == "__main__":
    AvroBench().main()
