#!/usr/bin/env python3
"""falco.yaml `metrics:` through the real falco binary (core/metrics).

1. Replay of every shared capture with output_file and output_rule (JSON):
   the snapshot taken when the run ends reports falco.num_evts = the number
   of events upstream delivered to its rules (lines of the oracle's
   <capture>.events.jsonl); the internal alert "Falco internal: metrics
   snapshot" (Informational, source internal) carries the same output_fields
   as the file's JSON line {"output_fields":{...},"sample":N}; machine facts
   agree with /proc and uname; memory values are plausible; no
   scap.engine_name in replay (upstream's savefile engine has none).
2. A plugin source (tests/plugins counter, 64 events) with the probe
   plugin parsing them: the source's own snapshot (evt.source counter,
   scap.engine_name source_plugin), its rule counters, and the probe's
   get_metrics as plugins.probe.<metric> (include_empty_values shows the
   zero ones too). Periodic snapshots are tested live (test_metrics_live).
3. Upstream's configuration errors: interval under 100 ms, no output.

Usage: test_metrics.py FALCO_BINARY PLUGIN_DIR
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

FALCO, PLUGDIR = sys.argv[1], sys.argv[2]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("SHARED_DIR", os.path.join(ROOT, "..", "shared"))
RULES = os.path.join(ROOT, "tests", "integration", "rules", "minimal_rules.yaml")
tmp = tempfile.mkdtemp(prefix="metrics_test_")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def run(args, timeout=120):
    p = subprocess.run([FALCO] + args, capture_output=True, text=True, errors="replace", timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def meminfo_kb(key):
    with open("/proc/meminfo") as f:
        for l in f:
            if l.startswith(key + ":"):
                return int(l.split()[1])
    return 0


def btime():
    with open("/proc/stat") as f:
        for l in f:
            if l.startswith("btime "):
                return int(l.split()[1])
    return 0


BASE = ["-c", os.path.join(ROOT, "falco.yaml"), "-r", RULES, "-o", "log_syslog=false", "-o", "json_output=true",
        "-o", "metrics.enabled=true"]

# ---- 1. replays ----
caps = sorted(c for c in os.listdir(os.path.join(SHARED, "captures")) if c.endswith(".scap"))
check(len(caps) >= 8, f"captures {caps}")
for cap in caps:
    name = cap[:-len(".scap")]
    with open(os.path.join(SHARED, "oracle", name + ".events.jsonl")) as f:
        want = sum(1 for l in f if l.strip())
    mfile = os.path.join(tmp, name + ".jsonl")
    rc, out, err = run(BASE + ["-e", os.path.join(SHARED, "captures", cap), "-o", "metrics.interval=100ms",
                               "-o", "metrics.output_rule=true", "-o", "metrics.output_file=" + mfile])
    check(rc == 0, f"{cap}: rc {rc}: {err[-400:]}")
    check("Setting metrics interval to 100ms, equivalent to 100 (ms)" in err, f"{cap}: interval log: {err[-400:]}")
    got = lines(mfile)
    check(len(got) >= 1, f"{cap}: no metrics line")
    if not got:
        continue
    last = got[-1]
    f = last["output_fields"]
    check(set(last) == {"output_fields", "sample"} and last["sample"] == len({g["sample"] for g in got}),
          f"{cap}: line shape {list(last)} samples {[g['sample'] for g in got]}")
    check(f.get("falco.num_evts") == want, f"{cap}: falco.num_evts {f.get('falco.num_evts')}, oracle {want}")
    check(f.get("evt.source") == "syscall" and "scap.engine_name" not in f, f"{cap}: source fields")
    check(f.get("scap.n_drops_perc") == 0.0, f"{cap}: scap.n_drops_perc {f.get('scap.n_drops_perc')}")
    alerts = [json.loads(l) for l in out.splitlines() if l.startswith("{") and "metrics snapshot" in l]
    check(len(alerts) == len(got), f"{cap}: {len(alerts)} alerts for {len(got)} lines")
    if alerts:
        a = alerts[-1]
        check(a.get("rule") == "Falco internal: metrics snapshot" and a.get("priority") == "Informational"
              and a.get("source") == "internal" and a.get("output") == "Falco metrics snapshot",
              f"{cap}: alert shape {dict((k, v) for k, v in a.items() if k != 'output_fields')}")
        check(a.get("output_fields") == f, f"{cap}: alert and file fields differ")
    if cap != caps[0]:
        continue
    # machine and process facts, against the system
    check(f.get("falco.kernel_release") == os.uname().release, f"kernel_release {f.get('falco.kernel_release')}")
    check(f.get("falco.host_num_cpus") == os.cpu_count(), f"host_num_cpus {f.get('falco.host_num_cpus')}")
    check(f.get("falco.host_boot_ts") == btime() * 10**9, f"host_boot_ts {f.get('falco.host_boot_ts')}")
    check(f.get("falco.start_ts", 0) <= f.get("evt.time", 0) and f.get("falco.version"), "start_ts / version")
    rss, vsz = f.get("falco.memory_rss_mb", 0), f.get("falco.memory_vsz_mb", 0)
    check(isinstance(rss, float) and 1 <= rss <= vsz and rss < meminfo_kb("MemTotal") / 1024,
          f"memory_rss_mb {rss}, vsz {vsz}")
    host = f.get("falco.host_memory_used_mb", 0)
    check(0 < host <= meminfo_kb("MemTotal") / 1024, f"host_memory_used_mb {host}")
    check(0 <= f.get("falco.cpu_usage_perc", 0) <= 100 * os.cpu_count(), "cpu_usage_perc")
    check(f.get("falco.n_threads", 0) >= 1 and f.get("falco.n_added_threads", 0) >= 1, "state counters")
    check(f.get("falco.rules.matches_total") == 0, f"matches_total {f.get('falco.rules.matches_total')}")
    # digests of the loaded files, named by their sanitized base names
    for key, path in (("falco.sha256_rules_file.minimal_rules_yaml", RULES),
                      ("falco.sha256_config_file.falco_yaml", os.path.join(ROOT, "falco.yaml"))):
        with open(path, "rb") as fh:
            check(f.get(key) == hashlib.sha256(fh.read()).hexdigest(), f"{key}: {f.get(key)}")
    # raw units when convert_memory_to_mb is off
    mfile2 = os.path.join(tmp, name + "_kb.jsonl")
    rc, out, err = run(BASE + ["-e", os.path.join(SHARED, "captures", cap), "-o", "metrics.interval=1h",
                               "-o", "metrics.output_rule=false", "-o", "metrics.output_file=" + mfile2,
                               "-o", "metrics.convert_memory_to_mb=false"])
    f2 = lines(mfile2)[-1]["output_fields"] if rc == 0 else {}
    check(isinstance(f2.get("falco.memory_rss_kb"), int) and "falco.memory_rss_mb" not in f2,
          f"raw kB: {sorted(k for k in f2 if 'memory' in k)}")
    check(not [l for l in out.splitlines() if "metrics snapshot" in l], "output_rule=false still alerted")

# ---- 2. a plugin source, with a parsing plugin's metrics ----
COUNTER = os.path.join(PLUGDIR, "libcounter.so")
PROBE = os.path.join(PLUGDIR, "libprobe.so")
cfg = os.path.join(tmp, "plugins.yaml")
N = 64  # the counter plugin's most events per capture
with open(cfg, "w") as fh:
    fh.write(f"""plugins:
  - name: counter
    library_path: {COUNTER}
    open_params: "{N}"
  - name: probe
    library_path: {PROBE}
    init_config: {{}}
load_plugins: [counter, probe]
""")
prules = os.path.join(tmp, "counter_rules.yaml")
with open(prules, "w") as fh:
    fh.write("""- rule: Counter seen
  desc: events 60 and above
  condition: counter.value >= 60
  output: value=%counter.value
  priority: INFO
  source: counter
""")
mfile = os.path.join(tmp, "plugin.jsonl")
rc, out, err = run(["-c", cfg, "-r", prules, "-o", "engine.kind=nodriver", "-o", "log_syslog=false",
                    "-o", "metrics.enabled=true", "-o", "metrics.interval=100ms", "-o", "metrics.output_rule=false",
                    "-o", "metrics.output_file=" + mfile, "-o", "metrics.include_empty_values=true"])
check(rc == 0, f"plugin source: rc {rc}: {err[-400:]}")
got = lines(mfile) if rc == 0 else []
check(len(got) >= 1, "plugin source: no snapshot")
if got:
    f = got[-1]["output_fields"]
    check(f.get("evt.source") == "counter" and f.get("scap.engine_name") == "source_plugin",
          f"plugin source fields {f.get('evt.source')} {f.get('scap.engine_name')}")
    for k in ("parse_calls", "async_ok", "async_refused", "routine_runs"):
        check(isinstance(f.get("plugins.probe." + k), int), f"plugins.probe.{k} missing: "
              f"{sorted(x for x in f if x.startswith('plugins.'))}")
    # the probe parses every counter event; the source's rules saw them,
    # plus the async events the probe sent that arrived before the source's
    # EOF (its thread races the counter's 64 events)
    check(f.get("plugins.probe.parse_calls") == N, f"probe parse_calls {f.get('plugins.probe.parse_calls')}")
    check(N <= f.get("falco.num_evts", 0) <= N + f.get("plugins.probe.async_ok", -1),
          f"plugin source: num_evts {f.get('falco.num_evts')}, async {f.get('plugins.probe.async_ok')}")
    # rule counters: values 60..63 matched
    check(f.get("falco.rules.Counter_seen") == 4 and f.get("falco.rules.matches_total") == 4,
          f"rule counters {f.get('falco.rules.Counter_seen')} {f.get('falco.rules.matches_total')}")
    # no syscall state or kernel counters for a plugin source
    check(not [k for k in f if k.startswith("falco.n_") or k in ("scap.n_evts", "scap.n_drops")],
          "state/kernel counters in a plugin source snapshot")

# ---- 3. configuration errors, as upstream words them ----
cap0 = os.path.join(SHARED, "captures", caps[0])
for opts, msg in ((["-o", "metrics.interval=50ms", "-o", "metrics.output_rule=true"],
                   "Metrics interval must have a minimum value of 100ms"),
                  (["-o", "metrics.interval=5000", "-o", "metrics.output_rule=true"],
                   "Metrics interval must have a minimum value of 100ms"),
                  (["-o", "metrics.interval=1s", "-o", "metrics.output_rule=false"],
                   "Metrics are enabled with no output configured")):
    rc, out, err = run(BASE + ["-e", cap0] + opts)
    check(rc == 1 and msg in err, f"{opts}: rc {rc}: {err[-300:]}")

for f in failures:
    print("FAIL:", f)
print(f"{'ok' if not failures else 'FAILED'}: metrics ({len(failures)} failures)")
sys.exit(1 if failures else 0)
