#!/usr/bin/env python3
"""Plugin event sources through real `falco` processes.

Expected values are computed here from the inputs, independently of falco:
the counter test plugin (tests/plugins/counter.c) emits payloads "0".."N-1"
with event_to_string "counter=<payload>"; the auditfiles test plugin emits one
event per file of $SHARED_DIR/k8saudit, whose JSON this script parses itself.

Usage: test_plugin_sources.py FALCO PLUGINS_BUILD_DIR JSON_PLUGIN
"""
import json
import os
import subprocess
import sys
import tempfile

FALCO, PLUGDIR, JSONLIB = (os.path.abspath(a) for a in sys.argv[1:4])
SHARED = os.path.abspath(os.environ.get("SHARED_DIR", "../shared"))
COUNTER = os.path.join(PLUGDIR, "libcounter.so")
AUDIT = os.path.join(PLUGDIR, "libauditfiles.so")
failures = []
tmp = tempfile.mkdtemp(prefix="falco_plugin_src_")


def check(cond, what):
    if not cond:
        failures.append(what)


def write(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def run(args, timeout=60):
    p = subprocess.run([FALCO, *args], capture_output=True, text=True, errors="replace", timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def alerts(out):
    res = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                res.append(json.loads(line))
            except ValueError:
                pass
    return res


def config(plugins, extra=""):
    lines = ["json_output: true", "stdout_output:", "  enabled: true", "plugins:"]
    for name, lib, init, params in plugins:
        lines += [f"  - name: {name}", f"    library_path: {lib}",
                  f"    init_config: '{init}'", f"    open_params: '{params}'"]
    lines.append("load_plugins: [" + ", ".join(p[0] for p in plugins) + "]")
    return write("falco_%d.yaml" % len(os.listdir(tmp)), "\n".join(lines) + "\n" + extra)


# 1. A counter source alone (nodriver): rules of source `counter` fire on its
#    events; evt.source, evt.pluginname, evt.plugininfo, the plugin's field.
N = 10
rules = write("counter_rules.yaml", """
- rule: Big counter
  desc: counter events above 6
  condition: counter.value > 6
  output: big value=%counter.value src=%evt.source plugin=%evt.pluginname info=%evt.plugininfo
  priority: WARNING
  source: counter
- rule: Syscall rule never runs
  desc: the syscall source is not running
  condition: evt.type = open
  output: open
  priority: WARNING
""")
cfg = config([("counter", COUNTER, "", str(N))])
rc, out, err = run(["-c", cfg, "-r", rules, "-o", "engine.kind=nodriver"])
got = alerts(out)
want = [v for v in range(N) if v > 6]
check(rc == 0, f"counter nodriver: rc {rc}: {err[-500:]}")
check(len(got) == len(want), f"counter: {len(got)} alerts, want {len(want)}")
for a, v in zip(got, want):
    check(a.get("rule") == "Big counter" and a.get("source") == "counter", f"counter alert {a}")
    check(a.get("output_fields", {}).get("counter.value") == v, f"counter.value {a.get('output_fields')} want {v}")
    check(f"src=counter plugin=counter info=counter={v}" in a.get("output", ""), f"counter output {a.get('output')}")

# 2. Same with --disable-source syscall instead of nodriver (no driver opened,
#    so this runs unprivileged), and --enable-source counter.
for sel in (["--disable-source", "syscall"], ["--enable-source", "counter"]):
    rc, out, err = run(["-c", cfg, "-r", rules, *sel])
    check(rc == 0 and len(alerts(out)) == len(want), f"{sel}: rc {rc}, {len(alerts(out))} alerts: {err[-300:]}")

# 3. Bad selections fail with upstream's reasons.
rc, _, err = run(["-c", cfg, "-r", rules, "--enable-source", "nope"])
check(rc == 1 and "unknown event source: nope" in err, f"unknown --enable-source: {err}")
rc, _, err = run(["-c", cfg, "-r", rules, "--enable-source", "counter", "--disable-source", "syscall"])
check(rc == 1 and "--enable-source" in err, f"mixed enable/disable: {err}")
rc, _, err = run(["-c", cfg, "-r", rules, "--disable-source", "counter", "--disable-source", "syscall"])
check(rc == 1 and "at least one event source" in err, f"all disabled: {err}")

# 4. Two plugin sources at once, each in its own thread with its own rules:
#    the counter and a k8s-audit-like source (auditfiles) whose JSON payloads
#    the json plugin extracts for the rule. Expected matches from the files.
audit_dir = os.path.join(SHARED, "k8saudit")
expect = []
for name in sorted(os.listdir(audit_dir)):
    if name.startswith("."):
        continue
    with open(os.path.join(audit_dir, name)) as f:
        try:
            doc = json.load(f)
        except ValueError:
            continue
    if isinstance(doc, dict) and doc.get("verb") == "create" and \
            (doc.get("objectRef") or {}).get("resource") == "namespaces":
        expect.append((doc.get("objectRef") or {}).get("name", ""))
audit_rules = write("audit_rules.yaml", """
- rule: Namespace created
  desc: a namespace was created
  condition: json.value[/verb] = create and json.value[/objectRef/resource] = namespaces
  output: namespace %json.value[/objectRef/name] created src=%evt.source plugin=%evt.pluginname
  priority: NOTICE
  source: k8saudit_test
""")
cfg2 = config([("auditfiles", AUDIT, "", audit_dir), ("counter", COUNTER, "", str(N)),
               ("json", JSONLIB, "", "")])
rc, out, err = run(["-c", cfg2, "-r", audit_rules, "-r", rules, "-o", "engine.kind=nodriver"])
got = alerts(out)
ns = sorted(a["output_fields"].get("json.value[/objectRef/name]") for a in got if a.get("rule") == "Namespace created")
check(rc == 0, f"two sources: rc {rc}: {err[-500:]}")
check(len(expect) > 0, "k8saudit corpus has namespace creations")
check(ns == sorted(expect), f"namespace alerts {ns}, want {sorted(expect)}")
check(sum(a.get("rule") == "Big counter" for a in got) == len(want), "counter alerts beside the audit ones")
check(all(a.get("source") == "k8saudit_test" for a in got if a.get("rule") == "Namespace created"),
      "audit alerts carry their source")
check(all("plugin=auditfiles" in a.get("output", "") for a in got if a.get("rule") == "Namespace created"),
      "evt.pluginname of audit events")

# 5. A source whose open fails: a clear message naming the source.
cfg3 = config([("auditfiles", AUDIT, "", "/nonexistent/dir"), ("json", JSONLIB, "", "")])
rc, _, err = run(["-c", cfg3, "-r", audit_rules, "-o", "engine.kind=nodriver"])
check(rc == 1 and "k8saudit_test" in err and "/nonexistent/dir" in err, f"open failure: {err}")

# 6. Parsing plugin: probe (tests/plugins/probe.c) parses counter events and
#    exposes its parse count as probe.parsed. parse_event runs in the source's
#    thread before the rules, so the k-th counter event (payload k-1) sees at
#    least k parse calls, and the count grows from event to event.
PROBE = os.path.join(PLUGDIR, "libprobe.so")
parse_rules = write("parse_rules.yaml", """
- rule: Parsed counter
  desc: every counter event
  condition: counter.value >= 0
  output: parsed=%probe.parsed value=%counter.value
  priority: INFO
  source: counter
""")
cfg4 = config([("counter", COUNTER, "", str(N)), ("probe", PROBE, "{}", "")])
rc, out, err = run(["-c", cfg4, "-r", parse_rules, "-o", "engine.kind=nodriver"])
got = [a for a in alerts(out) if a.get("rule") == "Parsed counter"]
check(rc == 0 and len(got) == N, f"parse: rc {rc}, {len(got)} alerts, want {N}: {err[-300:]}")
prev = 0
for a in got:
    f = a.get("output_fields", {})
    v, parsed = f.get("counter.value"), f.get("probe.parsed")
    check(isinstance(parsed, int) and parsed >= v + 1 and parsed > prev, f"probe.parsed {parsed} at value {v}")
    prev = parsed if isinstance(parsed, int) else prev

# 7. Async events: probe sends two `tick` events, one undeclared `bogus` and
#    one with a wrong code from its own thread once the handler is set. The
#    two ticks reach the running plugin source (tid -1) through its queue and
#    rules see them with evt.is_async and evt.asynctype = tick (plugin sources
#    have upstream's generic evt.* fields only, no evt.type); the others are
#    refused. The source waits for ever (follow:), -M 2 ends the run.
empty = os.path.join(tmp, "empty")
os.mkdir(empty)
async_rules = write("async_rules.yaml", """
- rule: Tick
  desc: async tick events
  condition: evt.is_async = true and evt.asynctype = tick
  output: async asynctype=%evt.asynctype source=%evt.source
  priority: INFO
  source: k8saudit_test
- rule: Bogus
  desc: must never fire
  condition: evt.asynctype = bogus
  output: bogus
  priority: INFO
  source: k8saudit_test
""")
cfg5 = config([("auditfiles", AUDIT, "", "follow:" + empty), ("probe", PROBE, "{}", "")])
metrics_file = os.path.join(tmp, "metrics.jsonl")
rc, out, err = run(["-c", cfg5, "-r", async_rules, "-o", "engine.kind=nodriver", "-M", "2",
                    "-o", "metrics.enabled=true", "-o", "metrics.plugins_metrics_enabled=true",
                    "-o", "metrics.interval=1h", "-o", "metrics.output_rule=false",
                    "-o", "metrics.output_file=" + metrics_file])
got = alerts(out)
ticks = [a for a in got if a.get("rule") == "Tick"]
check(rc == 0, f"async: rc {rc}: {err[-300:]}")
check(len(ticks) == 2 and not [a for a in got if a.get("rule") == "Bogus"], f"async alerts {got}")
check(all("async asynctype=tick source=k8saudit_test" in a.get("output", "") for a in ticks), f"async output {ticks}")
# get_metrics, published in the metrics snapshot (core/metrics) with
# upstream's names plugins.<plugin>.<metric>: the probe counts what its
# handler accepted (2) and refused (2), and the runs of the routine it
# subscribed in capture_open (it stops itself after 5). The snapshot taken
# when the run ends is the last line of metrics.output_file. Zero values are
# left out (include_empty_values: false), as upstream does.
metrics = {}
with open(metrics_file) as f:
    for line in f:
        metrics = json.loads(line)["output_fields"]
check(metrics.get("plugins.probe.async_ok") == 2 and metrics.get("plugins.probe.async_refused") == 2,
      f"metrics {metrics}")
check("plugins.probe.parse_calls" not in metrics, f"probe parses counter events only: {metrics}")
check(metrics.get("plugins.probe.routine_runs", 0) > 0, f"capture listening routine ran: {metrics}")
check(metrics.get("evt.source") == "k8saudit_test", f"snapshot of the plugin source: {metrics}")

for f in failures:
    print("FAIL:", f)
print(f"{'ok' if not failures else 'FAILED'}: plugin sources ({len(failures)} failures)")
sys.exit(1 if failures else 0)
