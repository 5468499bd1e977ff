#!/usr/bin/env python3
"""One plugin instance per event source, live: the syscall source (modern
eBPF) and the counter plugin source run side by side, and the "watch" test
plugin (tests/plugins/watch.c, init config "all": every code of every
source) extracts and parses on both. As upstream's one inspector per source
(falco userspace/falco/app/actions/init_inspectors.cpp), each source has its
own watch instance: on either source, watch must report 1 calling thread
and 0 overlapping calls, and the two sources different instance numbers.
Skipped (77) without root/BTF.

Usage: test_plugin_instances_live.py FALCO PLUGINS_BUILD_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from live_falco import appending  # noqa: E402  (O_APPEND for files falco writes to)

FALCO, PLUGDIR = (os.path.abspath(a) for a in sys.argv[1:3])
if os.geteuid() != 0 or not os.path.exists("/sys/kernel/btf/vmlinux"):
    print("skipped: needs root and BTF")
    sys.exit(77)
tmp = tempfile.mkdtemp(prefix="falco_inst_live_")
MARK = os.path.join(tmp, "watch-mark")
rules = os.path.join(tmp, "rules.yaml")
with open(rules, "w") as f:
    f.write(f"""
- rule: watch syscall
  desc: opens of our marker file, with watch's view of its caller
  condition: evt.type in (open, openat, openat2) and evt.dir = < and fd.name = {MARK}
  output: W threads=%watch.threads overlaps=%watch.overlaps inst=%watch.instance
  priority: INFO
- rule: watch counter
  desc: every counter event
  condition: watch.threads > 0
  output: W threads=%watch.threads overlaps=%watch.overlaps inst=%watch.instance
  priority: INFO
  source: counter
""")
cfg = os.path.join(tmp, "falco.yaml")
with open(cfg, "w") as f:
    f.write(f"""json_output: true
stdout_output:
  enabled: true
plugins:
  - name: counter
    library_path: {PLUGDIR}/libcounter.so
    open_params: '40'
  - name: watch
    library_path: {PLUGDIR}/libwatch.so
    init_config: all
load_plugins: [counter, watch]
""")
# Files, not pipes: a live falco alerts on everything else the machine does
# too, and a pipe nobody reads until exit fills (64 KiB) and blocks it.
out_f = appending(tempfile.TemporaryFile(mode="w+", errors="replace"))
err_f = appending(tempfile.TemporaryFile(mode="w+", errors="replace"))
proc = subprocess.Popen([FALCO, "-c", cfg, "-r", rules, "-o", "engine.kind=modern_ebpf", "-M", "4"],
                        stdout=out_f, stderr=err_f)
deadline = time.time() + 30
while proc.poll() is None and time.time() < deadline:
    with open(MARK, "w"):
        pass
    time.sleep(0.05)
proc.wait(timeout=60)
out_f.seek(0)
err_f.seek(0)
out, err = out_f.read(), err_f.read()
if "no live driver" in err:
    print("skipped:", err.strip()[-200:])
    sys.exit(77)
failures = []
if proc.returncode != 0:
    failures.append(f"rc {proc.returncode}: {err[-800:]}")
alerts = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
by = {}
for a in alerts:
    by.setdefault(a["source"], []).append(a["output_fields"])
for src in ("syscall", "counter"):
    got = by.get(src, [])
    if not got:
        failures.append(f"no alerts from {src}: {err[-800:]}")
    bad = [o for o in got if o["watch.threads"] != 1 or o["watch.overlaps"] != 0]
    if bad:
        failures.append(f"{src}: instance called from another thread or concurrently: {bad[:3]}")
if by.get("syscall") and by.get("counter"):
    si = {o["watch.instance"] for o in by["syscall"]}
    ci = {o["watch.instance"] for o in by["counter"]}
    if len(si) != 1 or len(ci) != 1 or si == ci:
        failures.append(f"instances: syscall {si}, counter {ci}")
for f in failures:
    print("FAIL:", f)
print(f"{'ok' if not failures else 'FAILED'}: syscall {len(by.get('syscall', []))} and counter "
      f"{len(by.get('counter', []))} alerts, one watch instance each")
sys.exit(1 if failures else 0)
