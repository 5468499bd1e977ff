#!/usr/bin/env python3
"""falco's -P, --support, --config-schema and syscall_event_drops (with
upstream's simulate_drops) on a replayed capture.

Expected values come from outside falco: uname (os.uname), the config and
rules files' own text, upstream's documented alert shape and output field
names (falco userspace/falco/event_drops.cpp), and token-bucket arithmetic.

Usage: test_cli_support.py FALCO_BINARY
"""
import json
import os
import subprocess
import sys
import tempfile

FALCO = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("SHARED_DIR", os.path.join(ROOT, "..", "shared"))
CAPTURE = os.path.join(SHARED, "captures", "open-multiple-files.scap")  # ~12 s of events
RULES = os.path.join(ROOT, "tests", "integration", "rules", "minimal_rules.yaml")
failures = []

UPSTREAM_DROP_FIELDS = {
    "n_evts", "n_drops", "n_drops_buffer_total", "n_drops_buffer_clone_fork_exit",
    "n_drops_buffer_execve_exit", "n_drops_buffer_connect_exit", "n_drops_buffer_open_exit",
    "n_drops_buffer_dir_file_exit", "n_drops_buffer_other_interest_exit",
    "n_drops_buffer_close_exit", "n_drops_buffer_proc_exit", "n_drops_scratch_map",
    "n_drops_page_faults", "n_drops_bug", "ebpf_enabled",
}


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(*args, timeout=60):
    p = subprocess.run([FALCO, *args], capture_output=True, text=True, errors="replace", timeout=timeout)
    return p.returncode, p.stdout, p.stderr


tmp = tempfile.mkdtemp(prefix="falco_cli_support_")
conf = os.path.join(tmp, "falco.yaml")
with open(conf, "w") as f:
    f.write("# test config for --support\njson_output: true\nstdout_output:\n  enabled: true\n"
            "log_stderr: true\nlog_level: info\n")

# --support: one JSON object, uname and file contents as the machine has them.
rc, out, err = run("--support", "-c", conf, "-r", RULES)
check(rc == 0, f"--support exits 0 (rc {rc}, {err.strip()[:200]})")
try:
    s = json.loads(out)
except ValueError:
    s = {}
    check(False, "--support prints JSON")
u = os.uname()
si = s.get("system_info", {})
check(si == {"sysname": u.sysname, "nodename": u.nodename, "release": u.release,
             "version": u.version, "machine": u.machine}, f"--support system_info = uname: {si}")
check(s.get("config") == open(conf).read(), "--support config = the config file's text")
check(s.get("cmdline") == " ".join([FALCO, "--support", "-c", conf, "-r", RULES]), "--support cmdline")
rf = s.get("rules_files", [])
check(len(rf) == 1 and rf[0].get("name") == RULES and
      rf[0].get("variants") == [{"content": open(RULES).read()}], "--support rules_files name + content")
rc, vout, _ = run("--version")
check(s.get("version") and vout.startswith("Falco version: " + s["version"]), "--support version = --version's")
ei = s.get("engine_info", {})
check(set(ei) >= {"falco_version", "libs_version", "plugin_api_version", "driver_api_version",
                  "driver_schema_version", "default_driver_version", "engine_version",
                  "engine_version_semver"}, f"--support engine_info keys (upstream's): {sorted(ei)}")
check(ei.get("engine_version") == ei.get("engine_version_semver", "").split(".")[1] if ei else False,
      "engine_version is the semver's minor number")

# A rules directory stands for its .yaml/.yml files, sorted by name (as
# loaded); other files are not rules files.
rdir = os.path.join(tmp, "rules.d")
os.mkdir(rdir)
for name, text in [("b.yaml", "- list: b\n  items: [x]\n"), ("a.yml", "- list: a\n  items: [y]\n"),
                   ("notes.txt", "not rules\n")]:
    with open(os.path.join(rdir, name), "w") as f:
        f.write(text)
rc, out, _ = run("--support", "-c", conf, "-r", rdir)
try:
    rf = json.loads(out).get("rules_files", [])
except ValueError:
    rf = []
check([(r["name"], r["variants"][0]["content"]) for r in rf] ==
      [(os.path.join(rdir, "a.yml"), "- list: a\n  items: [y]\n"),
       (os.path.join(rdir, "b.yaml"), "- list: b\n  items: [x]\n")], f"--support rules dir: {rf}")

# --config-schema: a JSON schema naming every top-level key of the repository's falco.yaml.
rc, out, _ = run("--config-schema")
try:
    schema = json.loads(out)
except ValueError:
    schema = {}
    check(False, "--config-schema prints JSON")
props = schema.get("properties", {})
with open(os.path.join(ROOT, "falco.yaml")) as f:
    top = {line.split(":", 1)[0] for line in f
           if line[:1].isalpha() and ":" in line}
check(rc == 0 and props and top <= set(props), f"--config-schema covers falco.yaml's keys; missing {top - set(props)}")

# simulate_drops + alert: one internal alert per allowed check. Defaults
# (rate 1/30 s, max_burst 1): the bucket starts with one token and the
# ~12 s capture does not refill a second one, so exactly one alert.
base = ["-c", conf, "-r", RULES, "-e", CAPTURE, "-o", "syscall_event_drops.simulate_drops=true",
        "-o", "syscall_event_drops.actions=[alert]"]


def drop_alerts(out):
    alerts = []
    for line in out.splitlines():
        if line.startswith("{"):
            a = json.loads(line)
            if a.get("rule") == "Falco internal: syscall event drop":
                alerts.append(a)
    return alerts


def detected(err):
    for line in err.splitlines():
        if "event drop detected:" in line:
            return int(line.split(":")[1].split()[0])
    return -1


rc, out, err = run(*base)
al = drop_alerts(out)
check(rc == 0 and len(al) == 1, f"default bucket: 1 drop alert (rc {rc}, {len(al)} alerts)")
n_checks = detected(err)
# Checks happen only at events, one second apart at least: between 2 (the
# capture has events more than 2 s apart) and the span's 12 (the exact
# count per timestamp is the unit test's job: tests/unit/app).
check(2 <= n_checks <= 12, f"~12 s capture: 2..12 checks with simulated drops ({n_checks})")
if al:
    a = al[0]
    check(a.get("priority") == "Debug" and a.get("source") == "internal", "drop alert: Debug, source internal")
    check(a.get("output") == "Falco internal: syscall event drop. 1 system calls dropped in last second.",
          f"drop alert output: {a.get('output')}")
    of = a.get("output_fields", {})
    check(set(of) == UPSTREAM_DROP_FIELDS, f"drop alert output_fields = upstream's: {sorted(of)}")
    check(of.get("n_drops") == "1" and of.get("n_evts") == "0" and of.get("ebpf_enabled") == "0",
          f"drop alert values on a replay (strings, as upstream): {of}")

# rate 1/s, burst 100: every check is allowed, so alerts == checks.
rc, out, err = run(*base, "-o", "syscall_event_drops.rate=1", "-o", "syscall_event_drops.max_burst=100")
check(rc == 0 and len(drop_alerts(out)) == detected(err) == n_checks,
      f"burst 100: alerts {len(drop_alerts(out))} == checks {detected(err)} == {n_checks}")

# exit: stops at the first check with an error.
rc, out, err = run("-c", conf, "-r", RULES, "-e", CAPTURE, "-o", "syscall_event_drops.simulate_drops=true",
                   "-o", "syscall_event_drops.actions=[exit]")
check(rc == 1 and "Drop manager internal error" in err and detected(err) == 1,
      f"exit action: rc 1 after the first check (rc {rc}, detected {detected(err)})")

# ignore: detected, nothing done.
rc, out, err = run("-c", conf, "-r", RULES, "-e", CAPTURE, "-o", "syscall_event_drops.simulate_drops=true",
                   "-o", "syscall_event_drops.actions=[ignore]")
check(rc == 0 and not drop_alerts(out) and detected(err) == n_checks, "ignore action: no alert")

# -P: the pid file holds falco's pid while it runs (read by a program
# output when the drop alert fires), and is gone at exit.
pidfile = os.path.join(tmp, "falco.pid")
seen = os.path.join(tmp, "seen")
p = subprocess.Popen([FALCO, *base, "-P", pidfile, "-o", "program_output.enabled=true",
                      "-o", f"program_output.program=cat {pidfile} > {seen}"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
p.communicate(timeout=60)
got = open(seen).read().strip() if os.path.exists(seen) else ""
check(p.returncode == 0 and got == str(p.pid), f"-P: pid file held {got!r}, falco was {p.pid}")
check(not os.path.exists(pidfile), "-P: pid file removed at exit")
rc, _, err = run(*base, "-P", os.path.join(tmp, "no", "such", "dir", "x.pid"))
check(rc == 1 and "Could not write pid to pidfile" in err, "-P: unwritable path is an error")

# -v: the verbose option is accepted.
rc, _, _ = run("-v", "-c", conf, "-r", RULES, "--dry-run")
check(rc == 0, "-v --dry-run")

if failures:
    print(f"{len(failures)} failures", file=sys.stderr)
    sys.exit(1)
print("ok")
