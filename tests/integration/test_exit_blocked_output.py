#!/usr/bin/env python3
"""A falco whose stdout nobody reads must still end (core/app/exitguard.c).

A replay writes well over a pipe's 64 KiB of alerts. Run 1 reads stdout
while falco runs: it ends with status 0 and no guard note (the guard does
not cut a normal end). Run 2 leaves stdout unread until falco has exited:
the output thread blocks in write(2) holding stdout's lock, so without the
guard falco never ends (upstream neither: its output worker is joined
without a bound). With output_timeout 100 ms the bound is 5 s + 2.9 s
rounded down = 7 s after the capture ends; falco must be gone well before
40 s, with status 1 and the note on stderr (which is read, so has room).

Usage: test_exit_blocked_output.py FALCO_BINARY
"""
import os
import subprocess
import sys
import tempfile
import time

FALCO = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("SHARED_DIR", os.path.join(ROOT, "..", "shared"))
CAPTURE = os.path.join(SHARED, "captures", "syscall.scap")
NOTE = "exiting, unwritten output lost"
PIPE_BYTES = 64 * 1024  # Linux default pipe capacity
failures = []

tmp = tempfile.mkdtemp(prefix="falco_exit_blocked_")
rules = os.path.join(tmp, "rules.yaml")
with open(rules, "w") as f:
    f.write("""- rule: Every open
  desc: one alert per event, to fill a pipe
  condition: evt.num > 0
  output: event (type=%evt.type process=%proc.name cmdline=%proc.cmdline args=%evt.args fd=%fd.name parent=%proc.pcmdline)
  priority: WARNING
""")
cmd = [FALCO, "-c", os.path.join(ROOT, "falco.yaml"), "-r", rules, "-e", CAPTURE,
       "-o", "log_syslog=false", "-o", "stdout_output.enabled=true", "-o", "output_timeout=100"]

# Run 1: stdout read while falco runs.
p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=120)
if p.returncode != 0 or NOTE in p.stderr:
    failures.append(f"drained run: rc {p.returncode}, stderr {p.stderr[-400:]}")
if len(p.stdout) <= PIPE_BYTES:
    failures.append(f"drained run wrote {len(p.stdout)} bytes: too few to fill a pipe")

# Run 2: stdout left unread until falco exits; stderr to a file.
with tempfile.TemporaryFile(mode="w+", errors="replace") as err:
    t0 = time.monotonic()
    q = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
    try:
        rc = q.wait(timeout=40)
    except subprocess.TimeoutExpired:
        rc = None
        q.kill()
        q.wait()
    took = time.monotonic() - t0
    q.stdout.close()
    err.seek(0)
    text = err.read()
if rc is None:
    failures.append("falco with an unread stdout did not end within 40 s (hang)")
elif rc != 1 or NOTE not in text:
    failures.append(f"blocked run: rc {rc} after {took:.1f} s, stderr {text[-400:]}")

if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
print(f"ok: drained run {len(p.stdout)} bytes rc 0; blocked run ended in {took:.1f} s rc 1")
