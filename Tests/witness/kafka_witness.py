#!/usr/bin/env python3
"""A foreign client (Python confluent_kafka, its own librdkafka build) that checks what our tools did.

  kafka_witness.py read BROKERS TOPIC          -> one JSON line per message, bytes as base64
  kafka_witness.py committed BROKERS GROUP TOPIC -> {"partition": committed_offset, ...} and "sum"
  kafka_witness.py produce BROKERS TOPIC < spec -> produces JSON-lines specs (base64 key/value/headers)
  kafka_witness.py count BROKERS TOPIC         -> messages held: sum of high - low watermarks over partitions
  kafka_witness.py murmur2 N[,N...] < keys     -> per key line (UTF-8): {"key", "hash", "partitions": [...]}, where
                                                 Java's producer puts it for each partition count N, as computed by
                                                 PyPI kafka-python's DefaultPartitioner (a murmur2 no one here wrote)
"""
import base64, json, sys
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition


def b64(b):
    return None if b is None else base64.b64encode(b).decode()


def unb64(s):
    return None if s is None else base64.b64decode(s)


def partitions_of(c, topic, what):
    """The topic's partition numbers; none for a topic that does not exist (it holds nothing, and no group
    committed on it). Any other error in the answer exits non-zero: a partial answer is no answer."""
    t = c.list_topics(topic, timeout=10).topics[topic]
    if t.error is not None and t.error.code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
        raise SystemExit(f"witness {what}: {topic}: {t.error}")
    return sorted(t.partitions.keys())


def read(brokers, topic):
    c = Consumer({"bootstrap.servers": brokers, "group.id": "witness", "enable.auto.commit": False,
                  "fetch.wait.max.ms": 10, "enable.partition.eof": True, "auto.offset.reset": "earliest"})
    tps = []
    for p in partitions_of(c, topic, "read"):
        lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        if hi > lo:
            tps.append(TopicPartition(topic, p, lo))
    c.assign(tps)
    remaining = {tp.partition for tp in tps}
    out = []
    idle = 0
    while remaining and idle < 100:
        m = c.poll(0.1)
        if m is None:
            idle += 1
            continue
        idle = 0
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                remaining.discard(m.partition())
                continue
            raise SystemExit(str(m.error()))
        ts_type, ts = m.timestamp()
        out.append({"partition": m.partition(), "offset": m.offset(), "key": b64(m.key()),
                    "value": b64(m.value()), "timestamp": ts,
                    "headers": [[k, b64(v)] for k, v in (m.headers() or [])]})
    c.close()
    if remaining:
        # Ten seconds without a message before every partition reached its end: the answer would be
        # partial, so it is no answer.
        raise SystemExit(f"witness read: partitions {sorted(remaining)} of {topic} not read to their end")
    for r in out:
        print(json.dumps(r))


def committed(brokers, group, topic):
    c = Consumer({"bootstrap.servers": brokers, "group.id": group, "enable.auto.commit": False})
    tps = [TopicPartition(topic, p) for p in partitions_of(c, topic, "committed")]
    res = c.committed(tps, timeout=10)
    failed = [f"[{tp.partition}]: {tp.error}" for tp in res if tp.error is not None]
    if failed:
        raise SystemExit(f"witness committed: {group} on {topic}: " + ", ".join(failed))
    offsets = {str(tp.partition): tp.offset for tp in res}
    c.close()
    print(json.dumps({"offsets": offsets, "sum": sum(o for o in offsets.values() if o >= 0)}))


def produce(brokers, topic):
    p = Producer({"bootstrap.servers": brokers, "linger.ms": 5})
    n = 0
    for line in sys.stdin:
        spec = json.loads(line)
        kw = {"value": unb64(spec.get("value")), "key": unb64(spec.get("key"))}
        if spec.get("headers"):
            kw["headers"] = [(k, unb64(v)) for k, v in spec["headers"]]
        if spec.get("timestamp"):
            kw["timestamp"] = spec["timestamp"]
        if spec.get("partition") is not None:
            kw["partition"] = spec["partition"]
        p.produce(topic, **kw)
        n += 1
    left = p.flush(30)
    if left:
        raise SystemExit(f"{left} not delivered")
    print(n)


def count(brokers, topic):
    # Watermarks only (ListOffsets), no fetching: fast enough for a million-message topic.
    c = Consumer({"bootstrap.servers": brokers, "group.id": "witness", "enable.auto.commit": False})
    total = 0
    for p in partitions_of(c, topic, "count"):
        lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)
        total += hi - lo
    c.close()
    print(total)


def murmur2_partitions(counts):
    from kafka.partitioner.default import DefaultPartitioner, murmur2

    class Cluster:  # the little of kafka-python's ClusterMetadata its partitioner reads
        def __init__(self, n):
            self.n = n

        def topics(self):
            return {"t"}

        def partitions_for_topic(self, topic):
            return set(range(self.n))

        def available_partitions_for_topic(self, topic):
            return set(range(self.n))

    partitioner = DefaultPartitioner()
    clusters = [Cluster(int(n)) for n in counts.split(",")]
    for line in sys.stdin:
        key = line.rstrip("\n").encode()
        h = murmur2(key)
        h = h - (1 << 32) if h >= (1 << 31) else h  # Java's signed int
        parts = [partitioner.partition("t", key, key, None, None, c) for c in clusters]
        print(json.dumps({"key": key.decode(), "hash": h, "partitions": parts}))


def create(brokers, topic, partitions):
    """Creates a topic on a real cluster (the mock of 2.0.2 does not serve CreateTopics: tests use kmock's
    `topic` command there)."""
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": brokers})
    futures = admin.create_topics([NewTopic(topic, num_partitions=int(partitions))], operation_timeout=30)
    futures[topic].result(timeout=60)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "read":
        read(sys.argv[2], sys.argv[3])
    elif cmd == "committed":
        committed(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "produce":
        produce(sys.argv[2], sys.argv[3])
    elif cmd == "count":
        count(sys.argv[2], sys.argv[3])
    elif cmd == "murmur2":
        murmur2_partitions(sys.argv[2])
    elif cmd == "create":
        create(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit("usage: kafka_witness.py read|committed|produce|count|create|murmur2 ...")
