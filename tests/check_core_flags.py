#!/usr/bin/env python3
"""Fails unless every core source (lib/ except lib/net/) in this build is
compiled with -fno-exceptions and -fno-rtti (read from compile_commands.json)."""
import json
import os
import sys

src, build = sys.argv[1], sys.argv[2]
cmds = json.load(open(os.path.join(build, "compile_commands.json")))
lib = os.path.join(os.path.realpath(src), "lib") + os.sep
net = os.path.join(lib, "net") + os.sep
checked, bad = 0, []
for c in cmds:
    f = os.path.realpath(os.path.join(c["directory"], c["file"]))
    if not f.startswith(lib) or f.startswith(net):
        continue
    checked += 1
    cmd = c.get("command") or " ".join(c.get("arguments", []))
    for flag in ("-fno-exceptions", "-fno-rtti"):
        if flag not in cmd.split():
            bad.append(f"{os.path.relpath(f, src)}: missing {flag}")
for b in bad:
    print(b)
print(f"core flags: {checked} core sources checked, {len(bad)} problem(s)")
sys.exit(1 if bad or checked == 0 else 0)
