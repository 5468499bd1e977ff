#!/usr/bin/env python3
"""One plugin instance per event source, through a real `falco` process.

Two plugin sources run side by side (counter, source "counter", and
counter2, source "counter2", both from tests/plugins/counter.c), each on its
own thread, and the "watch" test plugin (tests/plugins/watch.c) extracts and
parses for every source. Upstream Falco gives each source its own inspector
with its own initialised instances of the plugins serving it
(falco userspace/falco/app/actions/init_inspectors.cpp), so no instance is
ever called from two threads. watch reports, per instance, how many
distinct threads called it and how many calls overlapped: every alert must
show 1 thread and 0 overlaps, and the two sources must show different
instance numbers. A shared instance shows 2 threads in the later alerts.

Usage: test_plugin_instances.py FALCO PLUGINS_BUILD_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

FALCO, PLUGDIR = (os.path.abspath(a) for a in sys.argv[1:3])
N = 40
tmp = tempfile.mkdtemp(prefix="falco_inst_")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


cfg = os.path.join(tmp, "falco.yaml")
with open(cfg, "w") as f:
    f.write(f"""json_output: true
stdout_output:
  enabled: true
log_stderr: true
log_syslog: false
plugins:
  - name: counter
    library_path: {PLUGDIR}/libcounter.so
    open_params: '{N}'
  - name: counter2
    library_path: {PLUGDIR}/libcounter2.so
    open_params: '{N}'
  - name: watch
    library_path: {PLUGDIR}/libwatch.so
load_plugins: [counter, counter2, watch]
""")
rules = os.path.join(tmp, "rules.yaml")
with open(rules, "w") as f:
    for src in ("counter", "counter2"):
        f.write(f"""- rule: watch {src}
  desc: every event of {src}
  condition: watch.threads > 0
  output: W src=%evt.source threads=%watch.threads overlaps=%watch.overlaps inst=%watch.instance
  priority: WARNING
  source: {src}
""")

p = subprocess.run([FALCO, "-c", cfg, "-r", rules, "-o", "engine.kind=nodriver"], capture_output=True,
                   text=True, errors="replace", timeout=60)
check(p.returncode == 0, f"falco exit {p.returncode}: {p.stderr[-2000:]}")
alerts = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
by_src = {}
for a in alerts:
    of = a["output_fields"]
    by_src.setdefault(of["evt.source"], []).append(of)
for src in ("counter", "counter2"):
    got = by_src.get(src, [])
    check(len(got) == N, f"{src}: {len(got)} alerts, expected {N}")
    bad = [o for o in got if o["watch.threads"] != 1 or o["watch.overlaps"] != 0]
    check(not bad, f"{src}: an instance called from another thread or concurrently: {bad[:3]}")
    insts = {o["watch.instance"] for o in got}
    check(len(insts) == 1, f"{src}: alerts from several instances {insts}")
if by_src.get("counter") and by_src.get("counter2"):
    check(by_src["counter"][0]["watch.instance"] != by_src["counter2"][0]["watch.instance"],
          "both sources used the same watch instance")

# Replays run every source on one thread: the loaded instances serve it (no
# extra instances), as upstream's capture mode uses one inspector.
if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print(f"ok: {N} alerts per source, each from its own watch instance on one thread")
