#!/usr/bin/env python3
"""Prints XCTest's overall count from a `swift test` log as one plain line: tests: N passed, N failed, N skipped.

A log of Scripts/run-suite.sh holds several test processes' outputs, each after a line
"=== run-suite: shard N ===": the count is the sum of each one's overall count.

Exits 1 when the log has no overall count or the count shows no test run, so a suite that silently ran
nothing fails the build."""
import re
import sys

text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
# "Executed 123 tests, with 1 test skipped and 0 failures (0 unexpected) in ..." — the last one is the total.
pattern = re.compile(r"Executed (\d+) tests?, with (?:(\d+) tests? skipped and )?(\d+) failures?")
sections = re.split(r"^=== run-suite: shard \d+ ===$", text, flags=re.M)
if len(sections) > 1:
    sections = sections[1:]
executed = skipped = failures = 0
for section in sections:
    matches = pattern.findall(section)
    if not matches:
        print("tests: no XCTest summary found" + (" in a shard" if len(sections) > 1 else ""), file=sys.stderr)
        sys.exit(1)
    e, s, f = (int(x or 0) for x in matches[-1])
    executed, skipped, failures = executed + e, skipped + s, failures + f
passed = executed - skipped - failures
print(f"tests: {passed} passed, {failures} failed, {skipped} skipped")
sys.exit(0 if executed > 0 and failures == 0 else 1)
