#!/usr/bin/env python3
"""Cross-check of filter evaluation against Debian's sysdig 0.29.

For every filter of sysdig_cases.txt and every capture sysdig 0.29 can read,
the set of exit-event timestamps that match must be the same for sysdig and
for us (filter_oracle --eval -t). Exits 77 (skip) without sysdig.
usage: sysdig_cross.py FILTER_ORACLE CASES SHARED_DIR
"""
import os
import shutil
import subprocess
import sys

# captures sysdig 0.29 reads (it cannot open curl_google_comments.scap)
CAPTURES = ["cat_write.scap", "curl_google.scap", "syscall.scap"]


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {p.stderr.strip()[:200]}")
    return set(p.stdout.split())


def main():
    ours, cases, shared = sys.argv[1:4]
    if not shutil.which("sysdig"):
        print("sysdig not installed: skipped")
        return 77
    filters = [l.strip() for l in open(cases) if l.strip() and not l.startswith("#")]
    total = agree = 0
    for f in filters:
        q = f"({f}) and evt.dir = <"
        for cap in CAPTURES:
            path = os.path.join(shared, "captures", cap)
            total += 1
            theirs = run(["sysdig", "-r", path, "-p", "%evt.rawtime", q])
            mine = run([ours, "--eval", "-t", q, path])
            if theirs == mine:
                agree += 1
            else:
                print(f"DIFF {cap}: {f}: sysdig {len(theirs)} events, ours {len(mine)}")
    print(f"sysdig cross-check: {total} answers compared, {agree} agree, {total - agree} differ")
    return 0 if agree == total else 1


if __name__ == "__main__":
    sys.exit(main())
