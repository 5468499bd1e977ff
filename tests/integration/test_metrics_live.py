#!/usr/bin/env python3
"""falco.yaml `metrics:` live, with the modern eBPF driver (core/metrics):
periodic snapshots every metrics.interval (250 ms over a 3 s run) with
growing sample numbers and driver counters, scap.engine_name modern_ebpf,
the per-CPU counters (one pair per possible CPU, summing to at least the
total read just before them), and the libbpf stats of our three programs,
named as upstream's driver names the programs on the same hooks
(sys_exit, sched_p_exec, sched_proc_exit), while kernel.bpf_stats_enabled
is 1 (the test sets it for the run and restores it). Prometheus-style
invariants: avg_time_ns = run_time_ns / run_cnt.
Skipped (77) without root, BTF or the driver in this build.

Usage: test_metrics_live.py FALCO_BINARY
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from live_falco import appending  # noqa: E402  (O_APPEND for files falco writes to)

FALCO = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "tests", "integration", "rules", "minimal_rules.yaml")
if os.geteuid() != 0 or not os.path.exists("/sys/kernel/btf/vmlinux"):
    print("skipped: needs root and BTF")
    sys.exit(77)

STATS = "/proc/sys/kernel/bpf_stats_enabled"
tmp = tempfile.mkdtemp(prefix="metrics_live_")
mfile = os.path.join(tmp, "m.jsonl")


def possible_cpus():
    with open("/sys/devices/system/cpu/possible") as f:
        n = 0
        for part in f.read().strip().split(","):
            lo, _, hi = part.partition("-")
            n += int(hi or lo) - int(lo) + 1
        return n


with open(STATS) as f:
    saved = f.read().strip()
try:
    with open(STATS, "w") as f:
        f.write("1")
    cmd = [FALCO, "-c", os.path.join(ROOT, "falco.yaml"), "-r", RULES, "-o", "engine.kind=modern_ebpf",
           "-M", "3", "-o", "log_syslog=false", "-o", "webserver.enabled=false", "-o", "metrics.enabled=true", "-o", "metrics.interval=250ms",
           "-o", "metrics.output_rule=false", "-o", "metrics.output_file=" + mfile,
           "-o", "metrics.kernel_event_counters_per_cpu_enabled=true", "-o", "metrics.include_empty_values=true"]
    # Files, not pipes: a live falco alerts on everything else the machine does
    # too, and a pipe nobody reads until exit fills (64 KiB) and blocks it.
    out_f = appending(tempfile.TemporaryFile(mode="w+", errors="replace"))
    err_f = appending(tempfile.TemporaryFile(mode="w+", errors="replace"))
    proc = subprocess.Popen(cmd, stdout=out_f, stderr=err_f)
    # events for the whole run (snapshots are taken on the event path)
    while proc.poll() is None:
        for _ in range(100):
            with open("/etc/hostname", "rb"):
                pass
        time.sleep(0.01)
    proc.wait(timeout=60)
    out_f.seek(0)
    err_f.seek(0)
    out, err = out_f.read(), err_f.read()
finally:
    with open(STATS, "w") as f:
        f.write(saved)

if "no live driver" in err:
    print("skipped:", err.strip())
    sys.exit(77)
failures = []
if proc.returncode != 0:
    failures.append(f"rc {proc.returncode}: {err[-500:]}")
got = []
if os.path.exists(mfile):
    with open(mfile) as f:
        got = [json.loads(l) for l in f if l.strip()]
samples = [g["sample"] for g in got]
n_evts = [g["output_fields"].get("scap.n_evts", -1) for g in got]
# 3 s at 250 ms, after the driver loads (seconds on a busy machine): a few
if len(got) < 3 or samples != list(range(1, len(got) + 1)) or n_evts != sorted(n_evts) or n_evts[-1] <= 0:
    failures.append(f"{len(got)} snapshots, samples {samples}, scap.n_evts {n_evts}")
ncpu = possible_cpus()
for g in got:
    f = g["output_fields"]
    if f.get("scap.engine_name") != "modern_ebpf" or f.get("evt.source") != "syscall":
        failures.append(f"engine {f.get('scap.engine_name')} source {f.get('evt.source')}")
    cpu_evts = [f[k] for k in f if k.startswith("scap.n_evts_cpu_")]
    cpu_drops = [k for k in f if k.startswith("scap.n_drops_cpu_")]
    if len(cpu_evts) != ncpu or len(cpu_drops) != ncpu or sum(cpu_evts) < f.get("scap.n_evts", 0):
        failures.append(f"per-CPU: {len(cpu_evts)}/{len(cpu_drops)} of {ncpu}, sum {sum(cpu_evts)} "
                        f"vs {f.get('scap.n_evts')}")
    for prog in ("sys_exit", "sched_p_exec", "sched_proc_exit"):
        cnt, ns, avg = (f.get(f"scap.{prog}.{k}") for k in ("run_cnt", "run_time_ns", "avg_time_ns"))
        if not all(isinstance(x, int) for x in (cnt, ns, avg)) or avg != (ns // cnt if cnt else 0):
            failures.append(f"libbpf {prog}: {cnt} {ns} {avg}")
    for k in ("scap.n_drops", "scap.n_drops_buffer_total", "scap.n_drops_scratch_map", "falco.n_threads",
              "falco.n_fds", "scap.n_drops_perc", "scap.evts_rate_sec"):
        if k not in f:
            failures.append(f"missing {k}")
last = got[-1]["output_fields"] if got else {}
if last.get("scap.sys_exit.run_cnt", 0) <= 0 or last.get("falco.n_threads", 0) <= 1:
    failures.append(f"sys_exit.run_cnt {last.get('scap.sys_exit.run_cnt')} n_threads {last.get('falco.n_threads')}")
if len(got) >= 3 and not [g for g in got[1:-1] if g["output_fields"].get("scap.evts_rate_sec", 0) > 0]:
    failures.append("scap.evts_rate_sec never above 0")
if failures:
    print("\n".join(failures[:20]), file=sys.stderr)
    sys.exit(1)
print(f"ok: {len(got)} snapshots, last scap.n_evts {n_evts[-1]}, sys_exit runs {last.get('scap.sys_exit.run_cnt')}")
