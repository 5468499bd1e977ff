#!/usr/bin/env python3
"""falco.yaml `capture` (alert-triggered capture files), on a replay of the
shared capture cat_write.scap:

- mode rules: only a rule with `capture: true` starts a file, named
  PREFIX_<event ts>.scap, holding the events from the triggering one for the
  rule's capture_duration (ms); replayed with `falco -e --dump-events` those
  events print exactly as in the replay of the original capture (same
  times, threads, names, fd names: the file's initial state lists carry
  what the original run knew), and the file ends at the duration;
- a rule without `capture: true` starts nothing in mode rules, but does in
  mode all_rules;
- Debian's sysdig 0.29 reads the file.

Usage: test_capture_trigger.py FALCO_BINARY   (env SHARED_DIR)
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

FALCO = sys.argv[1]
CAP = os.path.join(os.environ.get("SHARED_DIR", "../shared"), "captures", "cat_write.scap")
work = tempfile.mkdtemp(prefix="falco-capture-")
fails = []
DURATION_MS = 2


def rules(capture):
    path = os.path.join(work, f"rules_{capture}.yaml")
    with open(path, "w") as f:
        f.write(f"""- rule: cat opens a file
  desc: first open of cat
  condition: evt.type in (open, openat) and evt.dir = < and proc.name = cat
  output: "open %fd.name"
  priority: WARNING
  capture: {capture}
  capture_duration: {DURATION_MS}
""")
    return path


def run(rules_path, mode, prefix):
    return subprocess.run([FALCO, "-e", CAP, "-r", rules_path, "-o", "capture.enabled=true",
                           "-o", f"capture.mode={mode}", "-o", f"capture.path_prefix={prefix}",
                           "-o", "stdout_output.enabled=false", "-o", "syslog_output.enabled=false"],
                          capture_output=True, text=True, timeout=120)


def dump(path):
    q = subprocess.run([FALCO, "-e", path, "--dump-events"], capture_output=True, text=True, timeout=120)
    if q.returncode != 0:
        fails.append(f"--dump-events {path}: exit {q.returncode}: {q.stderr[:300]}")
    # drop evt.num (a new file numbers from 1); keep time, cpu, thread, type, args
    return [l.split(" ", 1)[1] for l in q.stdout.splitlines() if " " in l]


# mode rules, capture: true -> one file
prefix = os.path.join(work, "cap")
r = run(rules(True), "rules", prefix)
files = glob.glob(prefix + "_*.scap")
if r.returncode != 0 or len(files) != 1:
    fails.append(f"mode rules, capture true: exit {r.returncode}, files {files}: {r.stderr[-400:]}")
else:
    got = dump(files[0])
    orig = dump(CAP)
    start = orig.index(got[0]) if got and got[0] in orig else -1
    if start < 0:
        fails.append(f"first captured event not in the original replay: {got[:1]}")
    else:
        if orig[start:start + len(got)] != got:
            diff = [(a, b) for a, b in zip(orig[start:], got) if a != b][:2]
            fails.append(f"captured events differ from the original's: {diff}")
        if " < open" not in got[0] and " < openat" not in got[0] or " cat (" not in got[0]:
            fails.append(f"the file does not start at the triggering open: {got[0]}")
        ts = os.path.basename(files[0])[len("cap_"):-len(".scap")]
        if not ts.isdigit():
            fails.append(f"file name is not PREFIX_<ts>.scap: {files[0]}")
        else:
            # the next original event after the file's last one lies past the duration
            t0 = int(ts)
            if start + len(got) < len(orig):
                nxt = orig[start + len(got)].split(" ")[0]  # HH:MM:SS.nnnnnnnnn
                s = nxt.split(":")[2]
                secs, ns = s.split(".")
                # local time: compare only the nanoseconds-of-minute part
                t_next_ns = (int(secs) * 10**9 + int(ns))
                t0_ns = t0 % (60 * 10**9)
                if (t_next_ns - t0_ns) % (60 * 10**9) <= DURATION_MS * 10**6:
                    fails.append(f"capture stopped before {DURATION_MS} ms: next event {nxt}")
    if shutil.which("sysdig"):
        s = subprocess.run(["sysdig", "-r", files[0]], capture_output=True, text=True, timeout=60)
        if s.returncode != 0 or "cat" not in s.stdout:
            fails.append(f"sysdig -r {files[0]}: exit {s.returncode} {s.stderr[:200]}")

# mode rules, capture: false -> nothing; mode all_rules -> one file
prefix2 = os.path.join(work, "nocap")
run(rules(False), "rules", prefix2)
if glob.glob(prefix2 + "_*.scap"):
    fails.append("mode rules started a capture for a rule without capture: true")
prefix3 = os.path.join(work, "all")
run(rules(False), "all_rules", prefix3)
if len(glob.glob(prefix3 + "_*.scap")) != 1:
    fails.append(f"mode all_rules: files {glob.glob(prefix3 + '_*.scap')}")

if fails:
    print("FAIL (files kept in", work + ")")
    for f in fails:
        print(" -", f)
    sys.exit(1)
shutil.rmtree(work)
print("ok: triggered capture = the original events from the alert for the duration; modes rules/all_rules")
