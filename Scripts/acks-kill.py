#!/usr/bin/env python3
"""issue 23's kill test: the cron pipeline

    kpull -t pin -g pipe -e [--acks P] | jq -c 'select(.value.n % 3 != 0) | .value.m = .value.n * 2' \
        | kput -t pout --envelope [--acks P]

on a 6-partition pin of 30,000 messages, with one stage SIGKILLed at a random moment in each of --kills
runs, then rerun until a run ends cleanly. Counts what pout misses of the 20,000 messages that pass the
filter, and the duplicates; checks the group is at the end of pin after the first clean run.

    Scripts/acks-kill.py [--bin .build/debug] [--kills 20] [--no-acks] [--seed N]

The tools run on the librdkafka found by the loader (LD_LIBRARY_PATH for 2.16, as make test-compat).
Exit 0 when (with --acks) nothing is missing and the group is at the end; 1 otherwise.
"""
import argparse, json, os, random, signal, subprocess, sys, tempfile, time

FILTER = "select(.value.n % 3 != 0) | .value.m = .value.n * 2"
FAST = ["-X", "fetch.wait.max.ms=10", "-X", "session.timeout.ms=6000"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/debug")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--messages", type=int, default=30000)
    ap.add_argument("--no-acks", action="store_true")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--max-kill-s", type=float, default=4.0)
    ap.add_argument("--two", action="store_true",
                    help="two pipelines in one group (sockets P and P2); every stage of the first SIGKILLed for good "
                         "at a random moment in each killed run (a machine lost); the second carries on, then reruns alone")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    tool = lambda n: os.path.join(a.bin, n)
    work = tempfile.mkdtemp(prefix="acks-kill-")
    mock = subprocess.Popen([tool("kmock")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        brokers = mock.stdout.readline().strip()

        def cmd(line):
            mock.stdin.write(line + "\n")
            mock.stdin.flush()
            assert mock.stdout.readline().strip() == "ok", line

        cmd("topic pin 6")
        cmd("topic pout 6")
        seed = "".join('{"n":%d}\n' % i for i in range(a.messages))
        subprocess.run([tool("kput"), "-b", brokers, "-t", "pin", "-k", "n"], input=seed, text=True, check=True)
        version = subprocess.run([tool("kput"), "--version"], capture_output=True, text=True).stdout.strip()
        sock = os.path.join(work, "P")
        acks = [] if a.no_acks else ["--acks", sock]

        def start(acks, kpull_log=None):
            err = open(os.path.join(work, "stderr"), "a")
            verbose = ["-v"] if kpull_log else []
            p1 = subprocess.Popen([tool("kpull"), "-b", brokers, *FAST, "-t", "pin", "-g", "pipe", "-e", *acks, *verbose],
                                  stdout=subprocess.PIPE, stderr=open(kpull_log, "w") if kpull_log else err)
            p2 = subprocess.Popen(["jq", "-c", FILTER], stdin=p1.stdout, stdout=subprocess.PIPE, stderr=err)
            p1.stdout.close()
            p3 = subprocess.Popen([tool("kput"), "-b", brokers, "-t", "pout", "--envelope", *acks],
                                  stdin=p2.stdout, stderr=err)
            p2.stdout.close()
            return [p1, p2, p3]

        def assigned(log, proc, within=20):
            """What kpull's -v log says it was given, once it says so (empty if it never does)."""
            deadline = time.monotonic() + within
            while time.monotonic() < deadline and proc.poll() is None:
                held = " ".join(l.split("assigned ", 1)[1].strip() for l in open(log) if "kpull: assigned " in l)
                if held:
                    return held
                time.sleep(0.01)
            return ""

        def run(kill):
            log = os.path.join(work, "first-kpull.log")
            stages = start(acks, kpull_log=log)
            victim = None
            when = ""
            if kill and a.two:
                # A second pipeline in the same group, on a machine that is lost at a random moment after
                # its kpull was given partitions (its -v log says which), so it dies holding them.
                log = os.path.join(work, "second-kpull.log")
                other = start([] if a.no_acks else ["--acks", sock + "2"], kpull_log=log)
                held = assigned(log, other[0])
                time.sleep(rng.uniform(0, 1.0))
                lost.append(held)
                for p in other:
                    if p.poll() is None:
                        p.send_signal(signal.SIGKILL)
                for p in other:
                    p.wait()
                kill = False
                victim = 3
            if kill:
                # Most kills land while lines flow (after the group's join, which takes the mock ~3 s; a run
                # that is not killed in time drains the rest of pin, and the runs after it have nothing to
                # do); the others at any moment from the start.
                victim = rng.randrange(3)
                if rng.random() < 0.7 and assigned(log, stages[0]):
                    at = rng.uniform(0, 0.3)  # the pipeline drains 30,000 messages in about a second
                    when = f" {at:.2f} s after kpull's assignment"
                else:
                    at = rng.uniform(0.05, a.max_kill_s)
                    when = f" {at:.2f} s after the start"
                deadline = time.monotonic() + at
                while time.monotonic() < deadline and stages[victim].poll() is None:
                    time.sleep(0.01)
                if stages[victim].poll() is None:
                    stages[victim].send_signal(signal.SIGKILL)
                else:
                    victim = None  # the run ended before the moment came
            codes = []
            for p in stages:
                try:
                    codes.append(p.wait(timeout=300))
                except subprocess.TimeoutExpired:
                    p.kill()
                    codes.append(p.wait())
            return codes, victim, when

        names = ["kpull", "jq", "kput", "the whole second pipeline"]
        lost = []  # --two: what the lost pipeline's kpull held when it was killed, per run
        print(f"{version}; {'with' if acks else 'WITHOUT'} --acks; {a.messages} messages, {a.kills} killed runs{' (two pipelines in one group, the second lost)' if a.two else ''}", flush=True)
        for i in range(a.kills):
            codes, victim, when = run(kill=True)
            held = f" (it held {lost[-1] or 'no partitions yet'})" if a.two and lost else ""
            print(f"run {i + 1}: killed {names[victim] + when if victim is not None else 'nothing (already done)'}{held}; exits {codes}", flush=True)
        clean_runs = 0
        while True:
            codes, _, _ = run(kill=False)
            clean_runs += 1
            print(f"clean run {clean_runs}: exits {codes}", flush=True)
            if codes == [0, 0, 0] or clean_runs >= 5:
                break
        lag = subprocess.run([tool("kmeta"), "-b", brokers, "lag", "-g", "pipe", "-t", "pin"], capture_output=True, text=True).stdout
        total_lag = sum(json.loads(l)["lag"] for l in lag.splitlines() if l.strip())
        out = subprocess.run([tool("kpull"), "-b", brokers, *FAST, "-t", "pout", "--no-group", "-e", "--format", "value"],
                             capture_output=True, text=True).stdout.splitlines()
        seen = {}
        for line in out:
            n = json.loads(line)["n"]
            seen[n] = seen.get(n, 0) + 1
        expected = [n for n in range(a.messages) if n % 3 != 0]
        missing = [n for n in expected if n not in seen]
        extra = [n for n in seen if n % 3 == 0]
        duplicates = sum(c - 1 for c in seen.values())
        print(f"pout: {len(out)} messages, {len(seen)} distinct; missing {len(missing)} of {len(expected)}; "
              f"duplicates {duplicates}; unexpected {len(extra)}; group lag after clean run {total_lag}")
        if a.two:
            print(f"the lost pipeline held partitions when killed in {sum(1 for h in lost if h)} of {len(lost)} runs")
        ok = not missing and not extra and total_lag == 0
        return 0 if ok or a.no_acks else 1
    finally:
        mock.send_signal(signal.SIGTERM)
        mock.wait()


if __name__ == "__main__":
    sys.exit(main())
