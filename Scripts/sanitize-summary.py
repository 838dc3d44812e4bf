#!/usr/bin/env python3
"""make sanitize's verdict: the sanitizer reports left in SCRATCH/reports, the subset of the end-to-end
suite run on the sanitized tools (SCRATCH/test-output.log) and the chaos run on them
(SCRATCH/chaos-output.log). Exit 0 only when there is no report, no failed test and the chaos run passed."""
import glob, os, re, sys

scratch = sys.argv[1]
ok = True
reports = sorted(glob.glob(os.path.join(scratch, "reports", "*")))
kinds = {}
for path in reports:
    text = open(path, errors="replace").read()
    m = re.search(r"ERROR: (\w+Sanitizer): ([^\n]*)", text) or re.search(r"WARNING: (\w+Sanitizer): ([^\n]*)", text)
    what = f"{m.group(1)}: {m.group(2)}" if m else "unrecognised report"
    # Whose report: the tools' (a frame in Sources/) or only the test runner's own (frames in Tests/ and
    # Foundation/XCTest, none in Sources/). A leak of the test runner is listed but does not fail the target;
    # every other report does.
    tools = "/Sources/" in text or not ("/Tests/" in text or "PackageTests.xctest" in text)
    runner_leak = not tools and "LeakSanitizer" in what
    kinds.setdefault((what, "test runner" if not tools else "tools"), []).append(path)
    if not runner_leak:
        ok = False
print(f"sanitize: {len(reports)} sanitizer reports in {scratch}/reports")
for (what, whose), paths in sorted(kinds.items()):
    summary = re.search(r"SUMMARY: [^\n]*", open(paths[0], errors="replace").read())
    print(f"  {len(paths)} x {what} in the {whose}{' (not the tools: listed, not failed)' if whose == 'test runner' and 'Leak' in what else ''}"
          f"  {summary.group(0) if summary else ''}  (e.g. {paths[0]})")
tests = open(os.path.join(scratch, "test-output.log"), errors="replace").read() if os.path.exists(os.path.join(scratch, "test-output.log")) else ""
m = re.findall(r"Executed (\d+) tests?, with (\d+) failures?", tests)
if m:
    n, f = map(int, m[-1])
    print(f"sanitize: end-to-end subset on the sanitized tools: {n} tests, {f} failures")
    ok = ok and f == 0
else:
    print("sanitize: no XCTest summary in test-output.log")
    ok = False
chaos = open(os.path.join(scratch, "chaos-output.log"), errors="replace").read() if os.path.exists(os.path.join(scratch, "chaos-output.log")) else ""
passed = re.search(r"chaos: seed \d+: PASS", chaos) is not None
print(f"sanitize: chaos run on the sanitized tools: {'PASS' if passed else 'FAIL'}")
ok = ok and passed
print(f"sanitize: {'clean' if ok else 'NOT clean'}")
sys.exit(0 if ok else 1)
