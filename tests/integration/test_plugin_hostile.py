#!/usr/bin/env python3
"""Hostile plugin output through real `falco` processes (ASan build).

The "hostile" test plugin (tests/plugins/hostile.c) hands the host one kind
of bad output per run, chosen by its init config. For each, falco must
report the problem naming the plugin (and its last error where the plugin
gave one), then go on or stop cleanly: no signal, no sanitizer report.
Expected texts are the host's documented checks (core/plugin/plugin.h):
PH_MAX_VALUES 65536 values per field, strings within 16 MiB, addresses of 4
or 16 bytes, last errors read up to PLUGIN_MAX_ERRLEN (1024) bytes, texts
copied into a 4096-byte buffer, at most 1024 metrics, handles the host gave.

Usage: test_plugin_hostile.py FALCO PLUGINS_BUILD_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plugcap as pc  # noqa: E402

FALCO, PLUGDIR = (os.path.abspath(a) for a in sys.argv[1:3])
LIB = os.path.join(PLUGDIR, "libhostile.so")
tmp = tempfile.mkdtemp(prefix="falco_hostile_")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


RULES = os.path.join(tmp, "rules.yaml")
with open(RULES, "w") as f:
    f.write("""- rule: hostile
  desc: every hostile event, with every hostile field
  condition: evt.num > 0
  output: s=%hostile.str l=%hostile.list ip=%hostile.ip t=%hostile.tables info=%evt.plugininfo
  priority: WARNING
  source: hostile
""")


def run(mode, extra=(), metrics=False, events=5, capture=None):
    cfg = os.path.join(tmp, f"{mode}.yaml")
    with open(cfg, "w") as f:
        f.write(f"""json_output: true
stdout_output:
  enabled: true
log_stderr: true
log_syslog: false
plugins:
  - name: hostile
    library_path: {LIB}
    init_config: {mode}
    open_params: '{events}'
load_plugins: [hostile]
""")
        if metrics:
            f.write("metrics:\n  enabled: true\n  interval: 1h\n  output_rule: true\n  plugins_metrics_enabled: true\n")
    engine = ["-e", capture] if capture else ["-o", "engine.kind=nodriver"]
    p = subprocess.run([FALCO, "-c", cfg, "-r", RULES, *engine, *extra],
                       capture_output=True, text=True, errors="replace", timeout=120)
    crashed = p.returncode < 0 or "Sanitizer" in p.stderr or "runtime error" in p.stderr
    check(not crashed, f"{mode}: crashed (rc {p.returncode}): {p.stderr[-1500:]}")
    return p


def alerts(p):
    return [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]


def expect(mode, texts, **kw):
    p = run(mode, **kw)
    for t in texts:
        check(t in p.stderr, f"{mode}: no {t!r} in stderr: {p.stderr[-1500:]}")
    return p


expect("extract_many", ["plugin 'hostile': extract_fields gave 65537 values for hostile.list (at most 65536)"])
expect("extract_longstr", ["plugin 'hostile': extract_fields gave a too long (or unterminated) string for "
                           "hostile.str"])
expect("extract_req", ["plugin 'hostile': extract_fields changed the request for field hostile.str"])
expect("extract_badaddr", ["plugin 'hostile': extract_fields gave a 7-byte address for hostile.ip"])
expect("extract_fail", ["plugin 'hostile': extract_fields failed on event #", ": hostile: cannot extract"])

# A last error of 5000 bytes without an earlier NUL is read up to 1023
# bytes (the engine's 512-byte error message may cut it further).
p = expect("lasterr_long", ["plugin 'hostile': next_batch failed: " + "E" * 100])
check("E" * 1024 not in p.stderr, "lasterr_long: read beyond PLUGIN_MAX_ERRLEN")
check(p.returncode == 1, f"lasterr_long: a failing source ends the run with 1, got {p.returncode}")

# A 100000-byte event_to_string text is cut to the host's 4095 bytes.
p = run("tostring_long")
infos = [a["output_fields"].get("evt.plugininfo", "") for a in alerts(p)]
check(len(infos) == 5 and all(i == "x" * 4095 for i in infos),
      f"tostring_long: plugininfo lengths {[len(i) for i in infos]}")

expect("metrics_bad", ["plugin 'hostile': get_metrics gave a metric without a name"], metrics=True)
expect("metrics_many", ["plugin 'hostile': get_metrics gave more metrics than the host accepts (1073741824 "
                        "metrics)"], metrics=True)

p = expect("openparams_bad", ["plugin 'hostile': list_open_params did not return a JSON array"],
           extra=["--plugin-info", "hostile"])
check(p.returncode == 1, f"openparams_bad: --plugin-info exit {p.returncode}")

# Made-up table and field handles, NULL keys and entries: refused with an
# owner error, never followed.
p = run("tables")
got = alerts(p)
t = got[0]["output_fields"].get("hostile.tables", "") if got else ""
for part in ["get_table_field(fake)=NULL [", "list_table_fields(fake)=NULL,0 [", "threads=ok comm=ok",
             "get_table_name(fake)=NULL [", "get_table_entry(NULL key)=NULL [a NULL key for table 'threads']",
             "read(NULL entry)=1 [a NULL table entry]", "is not a field handle given by the host]"]:
    check(part in t, f"tables: no {part!r} in {t!r}")
check(t.count("is not a table handle given by the host") == 3, f"tables: fake table refusals in {t!r}")

# Bad async events are refused (the plugin logs the host's answers).
expect("async_bad", ["[libs]: hostile: async refused: plugin 'hostile': malformed async event (expected code 402 "
                     "with 3 params)",
                     "[libs]: hostile: async refused: plugin 'hostile': async event larger than the host "
                     "accepts"])

# Event code lists longer than there are codes are refused at init.
p = expect("codes_many", ["plugin 'hostile': get_extract_event_types gave 1048576 event codes (there are 65536)"])
check(p.returncode == 1, f"codes_many: exit {p.returncode}")

# Malformed get_fields JSON: refused at load, naming the plugin.
for fields, text in (("not json", "get_fields did not return a JSON array"),
                     ('[{"name": "h.x", "desc": "d"}]', "get_fields: field 'h.x' has no type"),
                     ('[{"type": "string", "name": "h.x", "desc": "d", "isList": "yes"}]',
                      "get_fields: field 'h.x': isList and addOutput must be booleans"),
                     ('[7]', "get_fields: entry 0 is not an object")):
    os.environ["HOSTILE_FIELDS"] = fields
    p = expect("plain", ["plugin 'hostile': " + text])
    check(p.returncode == 1, f"get_fields {fields!r}: exit {p.returncode}")
del os.environ["HOSTILE_FIELDS"]

# A failing parse_event is logged at the instance's 1st, 2nd, 4th, 8th...
# failure with the count so far (as extraction errors), not on every event:
# 13 failing events give 4 lines, for failures 1, 2, 4, 8, on the events of
# those numbers (one parse per event, numbered from 1). Both as a live
# plugin source and with its events replayed from a capture (id 997).
PARSE_RE = re.compile(r"plugin 'hostile': parse_event failed on event #(\d+): hostile: cannot parse "
                      r"\((\d+) such errors so far\)")
cap = os.path.join(tmp, "hostile.scap")
pc.write(cap, [pc.plugin_event(1000 + i, 997, str(i).encode()) for i in range(13)])
for how, kw in (("live", {}), ("replay", {"capture": cap})):
    p = run("parse_fail", events=13, **kw)
    lines = [l for l in p.stderr.splitlines() if "parse_event failed" in l]
    got = [tuple(int(x) for x in m.groups()) for m in map(PARSE_RE.search, lines) if m]
    check(len(lines) == 4 and got == [(1, 1), (2, 2), (4, 4), (8, 8)],
          f"parse_fail {how}: {len(lines)} lines: {lines}")
    check(len(alerts(p)) == 13, f"parse_fail {how}: the rules still see every event: {len(alerts(p))} alerts")

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: every hostile output reported with the plugin's name, no crash")
