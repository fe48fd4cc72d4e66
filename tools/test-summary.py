#!/usr/bin/env python3
"""Sums meson's testlog.json of several build dirs into one closing line.

Prints failed tests by name, then 'tests: N passed, N failed, N skipped'.
Exits 1 when any test failed or a build has no test log.
"""
import json
import os
import sys

passed = failed = skipped = 0
bad = []
missing = []
for d in sys.argv[1:]:
    path = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(path):
        missing.append(d)
        continue
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line:
            continue
        r = json.loads(line)
        res = r.get("result")
        if res in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif res == "SKIP":
            skipped += 1
        else:
            failed += 1
            bad.append(f"{d}: {r.get('name')} ({res})")
for b in bad:
    print("FAILED", b)
for m in missing:
    print("NO TEST LOG", m, "(build failed?)")
    failed += 1
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
