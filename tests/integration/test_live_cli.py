#!/usr/bin/env python3
"""`falco -o engine.kind=modern_ebpf --dump-events` end to end: while it runs,
a `cat` of a fresh file must show up as an open/openat exit event of a thread
named cat, with the file's path, and SIGINT must end it cleanly (exit 0,
summary printed). Skipped (77) without root, BTF or the driver in this build.

Usage: test_live_cli.py FALCO_BINARY
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from live_falco import appending, wait_running  # noqa: E402

FALCO = sys.argv[1]
if os.geteuid() != 0 or not os.path.exists("/sys/kernel/btf/vmlinux"):
    print("skipped: needs root and BTF")
    sys.exit(77)

out = appending(tempfile.TemporaryFile(mode="w+", errors="replace"))
err = appending(tempfile.TemporaryFile(mode="w+", errors="replace"))
p = subprocess.Popen([FALCO, "-o", "engine.kind=modern_ebpf", "--dump-events"], stdout=out, stderr=err)

# Capture has started once falco says its event loop runs.
wait_running(p, err, 30)
if p.poll() is not None:
    err.seek(0)
    msg = err.read()
    if "no live driver" in msg:
        print("skipped:", msg.strip())
        sys.exit(77)
    print("falco exited early:", p.returncode, msg)
    sys.exit(1)

with tempfile.NamedTemporaryFile(prefix="falco-live-", suffix=".txt", delete=False) as f:
    f.write(b"hello\n")
    marker = f.name
subprocess.run(["cat", marker], stdout=subprocess.DEVNULL, check=True)
time.sleep(1.0)
p.send_signal(signal.SIGINT)
try:
    rc = p.wait(timeout=20)
except subprocess.TimeoutExpired:
    p.kill()
    print("falco did not stop on SIGINT")
    sys.exit(1)
os.unlink(marker)

out.seek(0)
err.seek(0)
lines = out.read().splitlines()
errors = err.read()
hits = [l for l in lines if marker in l and " cat (" in l and (" < open " in l or " < openat " in l)]
fails = []
if rc != 0:
    fails.append(f"exit code {rc}: {errors.strip()[:300]}")
if "Events read:" not in errors or "Driver:" not in errors:
    fails.append("no summary (events, driver counters) on stderr")
if not hits:
    fails.append(f"no open/openat exit of cat on {marker} among {len(lines)} events")
# evt.num starts at 1 and increases.
nums = [int(l.split(" ", 1)[0]) for l in lines[:1000]]
if nums and (nums[0] != 1 or any(b <= a for a, b in zip(nums, nums[1:]))):
    fails.append("evt.num does not start at 1 and increase")
print(f"live: {len(lines)} events, cat's open seen {len(hits)} time(s), {len(fails)} failures")
for f in fails:
    print("  FAIL", f)
sys.exit(1 if fails else 0)
