#!/usr/bin/env python3
"""Second opinion on the converter from Debian's sysdig 0.29, which reads the
shared captures without converting them: every exit event sysdig shows must
be one of ours (same thread and type, in order), and every `name=value` of
its arguments must appear unchanged in our converted event's arguments.

Left out, with the reason:
  - values sysdig truncates ("...");
  - mmap's res, which sysdig 0.29 prints in hex and upstream 0.44 (the
    oracle) in decimal: a printer change, not a conversion;
  - empty buffers, which sysdig 0.29 prints as "data=" and upstream 0.44 as
    "data=NULL" (the oracle, e.g. cat_write evt.num 172);
  - syscalls sysdig 0.29 cannot name ("<unknown>"; upstream 0.44 names them
    from their native number).

Usage: test_sysdig_exits.py FALCO_BINARY
"""
import collections
import os
import re
import shutil
import subprocess
import sys

FALCO = sys.argv[1]
SHARED = os.environ.get("SHARED_DIR", "../shared")
if shutil.which("sysdig") is None:
    print("sysdig not installed (scripts/install-deps installs it)")
    sys.exit(1)


def ours(cap):
    out = subprocess.run([FALCO, "-e", cap, "--dump-events"], capture_output=True, text=True,
                         errors="replace", check=True).stdout
    by = collections.defaultdict(list)
    for line in out.splitlines():
        # "<num> <time> <cpu> <comm> (<tid>) <dir> <type> <args>"
        _, _, rest = line.partition(" (")
        tid, _, rest = rest.partition(") ")
        d, typ, args = (rest.split(" ", 2) + [""])[:3]
        by[(tid, d, typ)].append(args)
    return by


def sysdig(cap):
    fmt = "%thread.tid %evt.dir %evt.type %evt.args"
    out = subprocess.run(["sysdig", "-r", cap, "-p", fmt], capture_output=True, text=True,
                         errors="replace").stdout
    for line in out.splitlines():
        p = line.split(" ", 3)
        if len(p) >= 3 and p[1] == "<":
            yield p[0], p[1], p[2], p[3] if len(p) > 3 else ""


tot = collections.Counter()
fails = []
captures = sorted(f[:-5] for f in os.listdir(f"{SHARED}/captures") if f.endswith(".scap"))
for name in captures:
    cap = f"{SHARED}/captures/{name}.scap"
    mine = ours(cap)
    pos = collections.Counter()
    for tid, d, typ, args in sysdig(cap):
        if typ == "<unknown>":
            tot["skipped_unknown"] += 1
            continue
        key = (tid, d, typ)
        if pos[key] >= len(mine[key]):
            fails.append(f"{name}: sysdig exit {typ} of tid {tid} has no event of ours")
            continue
        our_args = mine[key][pos[key]]
        pos[key] += 1
        tot["exits"] += 1
        for k, v in re.findall(r"(\w+)=(\S*)", args):
            if "..." in v or (typ == "mmap" and k == "res") or (k == "data" and v == ""):
                continue
            tot["pairs"] += 1
            if f"{k}={v}" not in our_args.split(" "):
                fails.append(f"{name}: tid {tid} {typ}: sysdig {k}={v}, ours: {our_args[:200]}")

print(f"sysdig: {tot['exits']} exit events matched, {tot['pairs']} name=value pairs compared, "
      f"{tot['skipped_unknown']} unnamed syscalls skipped, {len(fails)} failures")
for f in fails[:20]:
    print("  FAIL", f)
sys.exit(1 if fails or tot["exits"] == 0 else 0)
