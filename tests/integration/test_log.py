#!/usr/bin/env python3
"""falco's log (core/log) through real `falco` processes.

Upstream facts (falco userspace/engine/logger.cpp, configuration.cpp;
libsinsp plugin.cpp): log_level names emergency..debug filter falco's own
messages; a stderr line is "<%a %b %d %H:%M:%S %Y>: <message>"; syslog gets
the message through syslog(3) at the level's priority (facility user);
plugins' log_fn messages go through the libs logger as
"[libs]: <component or plugin name>: <message>", kept up to
libs_logger.severity (default info) and written at the current log level.
"Loaded plugin 'NAME@VERSION' from file PATH" is logged at info.

The probe test plugin logs "config checked" (debug, component
"probe-detail") and "initialised" (info) in its init.

Syslog: falco runs in its own mount namespace where /dev is a fresh tmpfs
whose /dev/log points at a unix datagram socket of this test (skipped when
namespaces are not available).

Usage: test_log.py FALCO PLUGINS_BUILD_DIR
"""
import os
import re
import socket
import subprocess
import sys
import tempfile

FALCO, PLUGDIR = (os.path.abspath(a) for a in sys.argv[1:3])
tmp = tempfile.mkdtemp(prefix="falco_log_")
failures = []
STAMP = r"\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: "


def check(cond, what):
    if not cond:
        failures.append(what)


def config(extra=""):
    path = os.path.join(tmp, "falco_%d.yaml" % len(os.listdir(tmp)))
    with open(path, "w") as f:
        f.write(f"""stdout_output:
  enabled: true
plugins:
  - name: counter
    library_path: {PLUGDIR}/libcounter.so
    open_params: '3'
  - name: probe
    library_path: {PLUGDIR}/libprobe.so
load_plugins: [counter, probe]
""" + extra)
    return path


RULES = os.path.join(tmp, "rules.yaml")
with open(RULES, "w") as f:
    f.write("- rule: r\n  desc: d\n  condition: counter.value > 100\n  output: o\n  priority: INFO\n"
            "  source: counter\n")


def run(cfg, *opts, cmd=None):
    args = [FALCO, "-c", cfg, "-r", RULES, "-o", "engine.kind=nodriver", *opts]
    p = subprocess.run((cmd or []) + args, capture_output=True, text=True, errors="replace", timeout=60)
    check(p.returncode == 0, f"{opts}: exit {p.returncode}: {p.stderr[-1500:]}")
    return p.stderr.splitlines()


def has(lines, pattern):
    return any(re.fullmatch(STAMP + pattern, l) for l in lines)


lib = re.escape(f"{PLUGDIR}/libprobe.so")
base = config("log_stderr: true\nlog_syslog: false\n")

# info (falco.yaml's default): falco's info lines and the plugin's info line.
lines = run(base)
check(has(lines, r"\[libs\]: probe: initialised"), f"info: no probe line in {lines}")
check(has(lines, r"Loaded plugin 'probe@0\.1\.0' from file " + lib), f"info: no 'Loaded plugin' in {lines}")
check(not any("config checked" in l for l in lines), "info: a debug plugin line passed libs_logger.severity=info")

# libs_logger.severity=debug lets the plugin's debug line through, named by
# its component.
lines = run(base, "-o", "libs_logger.severity=debug")
check(has(lines, r"\[libs\]: probe-detail: config checked"), f"libs debug: no debug line in {lines}")

# log_level=warning hides falco's info messages; plugin messages, written at
# the current level as upstream's libs logger does, stay.
lines = run(base, "-o", "log_level=warning")
check(not any("Loaded plugin" in l for l in lines), f"warning: info message shown: {lines}")
check(has(lines, r"\[libs\]: probe: initialised"), f"warning: plugin line gone: {lines}")

# log_level=debug shows falco's debug messages (here: the plugin instances
# made for the counter source), hidden at info.
lines = run(base, "-o", "log_level=debug")
check(has(lines, r"Initialized plugin 'probe' instance for event source 'counter'"), f"debug: {lines}")
lines = run(base)
check(not any("Initialized plugin" in l for l in lines), f"info shows debug lines: {lines}")

# libs_logger.enabled=false drops plugin messages; log_stderr=false drops all.
lines = run(base, "-o", "libs_logger.enabled=false")
check(not any("[libs]" in l for l in lines), f"libs disabled: {lines}")
lines = run(base, "-o", "log_stderr=false")
check(not any(re.match(STAMP, l) for l in lines), f"log_stderr=false: {lines}")

# An unknown level is refused.
p = subprocess.run([FALCO, "-c", base, "-r", RULES, "-o", "log_level=loud", "--dry-run"], capture_output=True,
                   text=True, timeout=60)
check(p.returncode != 0 and "Unknown log level loud" in p.stderr, f"log_level=loud: {p.returncode} {p.stderr}")


def syslog_test():
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        print("syslog part skipped: no mount namespaces")
        return
    sock_path = os.path.join(tmp, "log.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    s.settimeout(5)
    old = os.path.join(tmp, "olddev")
    os.mkdir(old)
    cfg = config("log_stderr: false\nlog_syslog: true\n")
    script = (f"mount --make-rprivate / && mount --bind /dev {old} && mount -t tmpfs none /dev && "
              f"for d in null zero random urandom; do touch /dev/$d && mount --bind {old}/$d /dev/$d; done && "
              f"ln -s {sock_path} /dev/log && exec \"$@\"")
    p = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", FALCO, "-c", cfg, "-r", RULES, "-o",
                        "engine.kind=nodriver"], capture_output=True, text=True, errors="replace", timeout=60)
    check(p.returncode == 0, f"syslog run: exit {p.returncode}: {p.stderr[-1500:]}")
    msgs = []
    s.settimeout(0.5)
    try:
        while True:
            msgs.append(s.recv(65536).decode(errors="replace"))
    except socket.timeout:
        pass
    # syslog(3): "<PRI>Mmm dd hh:mm:ss TAG: MSG" (TAG[PID] with LOG_PID, which
    # upstream does not set), PRI = user (8) + level
    head = r"<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d falco(?:\[\d+\])?: "
    def find(msg):
        for m in msgs:
            r = re.fullmatch(head + re.escape(msg), m)
            if r:
                return int(r.group(1))
        return None
    check(find("[libs]: probe: initialised") == 8 + 6, f"syslog: plugin line {msgs}")
    lp = find(f"Loaded plugin 'probe@0.1.0' from file {PLUGDIR}/libprobe.so")
    check(lp == 8 + 6, f"syslog: info line priority {lp}: {msgs}")
    check(not any(re.match(STAMP, l) for l in p.stderr.splitlines()), f"syslog only, stderr: {p.stderr}")


syslog_test()
if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: log levels, stderr format, plugin messages, syslog")
