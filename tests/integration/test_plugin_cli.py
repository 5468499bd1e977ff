#!/usr/bin/env python3
"""Plugin options of `falco` with the test plugins of tests/plugins:
--plugin LIB[:INIT], --list-plugins, --plugin-info, --list SOURCE, and
broken plugins refused with a message naming them. Expected facts come from
the plugins' sources (names, versions, fields, open params) and the plugin
API's version rule (major equal, minor/patch not newer than 3.12.0).

Usage: test_plugin_cli.py FALCO PLUGINS_BUILD_DIR
"""
import os
import subprocess
import sys

FALCO, PLUGDIR = (os.path.abspath(a) for a in sys.argv[1:3])
failures = []


def lib(name):
    return os.path.join(PLUGDIR, f"lib{name}.so")


def run(*args):
    p = subprocess.run([FALCO, *args], capture_output=True, text=True, errors="replace", timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        failures.append(what)


# --list-plugins: both plugins with their declared name/version.
rc, out, err = run("--plugin", lib("counter"), "--plugin", lib("probe") + ":{}", "--list-plugins")
check(rc == 0 and "2 Plugins Loaded" in out, f"--list-plugins: rc {rc} {out[:200]} {err[-200:]}")
check("Name: counter" in out and "Version: 1.2.3" in out and "Name: probe" in out, f"--list-plugins text {out}")

# --plugin-info: description and the suggested open params ("5": five events).
rc, out, err = run("--plugin", lib("counter"), "--plugin-info", "counter")
check(rc == 0 and "Name: counter" in out and "five events" in out, f"--plugin-info: {out} {err[-200:]}")
rc, _, err = run("--plugin", lib("counter"), "--plugin-info", "nosuch")
check(rc == 1 and "nosuch" in err, f"--plugin-info unknown: {err}")

# --list SOURCE: a plugin source lists the generic evt fields and its
# plugins' fields, not the syscall ones; the syscall source does not get
# fields of a plugin that extracts from `counter` only.
rc, out, err = run("--plugin", lib("counter"), "--list", "counter")
check(rc == 0 and "counter.value" in out and "evt.pluginname" in out and "proc.name" not in out,
      f"--list counter: {out[:300]} {err[-200:]}")
rc, out, _ = run("--plugin", lib("counter"), "--list", "syscall")
check(rc == 0 and "proc.name" in out and "counter.value" not in out, "--list syscall")

# Broken plugins: refused, exit 1, the message names the library or plugin.
for v, why in ((6, "no capability"), (7, "4.0.0"), (8, "3.13.0"), (17, "init"), (11, "contact"), (14, "schema")):
    path = lib(f"broken{v}")
    rc, out, err = run("--plugin", path, "--list-plugins")
    check(rc == 1 and ("broken" in err or path in err), f"broken{v}: rc {rc}: {err[-300:]}")
    check(why.split()[0] in err.lower() or why in err, f"broken{v}: reason '{why}' missing in: {err[-300:]}")

for f in failures:
    print("FAIL:", f)
print(f"{'ok' if not failures else 'FAILED'}: plugin CLI ({len(failures)} failures)")
sys.exit(1 if failures else 0)
