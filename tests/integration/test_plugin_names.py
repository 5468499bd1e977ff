#!/usr/bin/env python3
"""`--plugin LIB[:INIT]` name resolution and the exact text of
`--list-plugins` / `--plugin-info`, through a real `falco`.

Resolution (documented in README "Writing a plugin"): LIB with a '/' is a
path; a bare LIB is looked up in the plugins directory
(/usr/share/falco/plugins/, as falco.yaml's relative library_path), as LIB
when it ends in .so, else lib<LIB>.so; when absent there, the plugin of that
name built with falco (<dir of falco>/../plugins/<name>/lib<name>.so).

Expected text is built here from upstream's layout
(falco userspace/falco/app/actions/list_plugins.cpp, print_plugin_info.cpp,
helpers_generic.cpp format_plugin_info) and from what the counter test
plugin declares in tests/plugins/counter.c (name counter, description
"counts", contact "tests", version 1.2.3, id 999, source counter,
extraction, no init schema, open params "5: five events", "1;2: two runs").

Usage: test_plugin_names.py FALCO PLUGINS_BUILD_DIR
"""
import os
import subprocess
import sys

FALCO, PLUGDIR = (os.path.abspath(a) for a in sys.argv[1:3])
PLUGINS_DIR = "/usr/share/falco/plugins/"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def run(*args):
    p = subprocess.run([FALCO, *args], capture_output=True, text=True, errors="replace", timeout=60)
    return p.returncode, p.stdout, p.stderr


COUNTER = os.path.join(PLUGDIR, "libcounter.so")
block = ("Name: counter\nDescription: counts\nContact: tests\nVersion: 1.2.3\nCapabilities: \n"
         "  - Event Sourcing (ID=999, source='counter')\n  - Field Extraction\n")

rc, out, err = run("--plugin", COUNTER, "--list-plugins")
check(rc == 0 and out == "1 Plugins Loaded:\n\n" + block + "\n" + "\n", f"--list-plugins text {out!r} {err}")

rc, out, err = run("--plugin", COUNTER, "--plugin-info", "counter")
want = (block + "\n" + "Init config schema type: Not available, plugin does not implement the init config "
        "schema functionality\n" + "\n\n" + "Suggested open params:\n5: five events\n1;2: two runs\n\n")
check(rc == 0 and out == want, f"--plugin-info text {out!r} {err}")

# Bare names: nothing in the plugins directory here, so the bundled json
# plugin of this build is found, by "json" and by "libjson.so".
if not os.path.exists(PLUGINS_DIR + "libjson.so"):
    for name in ("json", "libjson.so"):
        rc, out, err = run("--plugin", name, "--list-plugins")
        check(rc == 0 and "Name: json\n" in out, f"--plugin {name}: rc {rc} {out[:200]} {err[-300:]}")

# A bare name found nowhere names the plugins-directory path it tried.
rc, out, err = run("--plugin", "nosuchplugin", "--list-plugins")
check(rc != 0 and PLUGINS_DIR + "libnosuchplugin.so" in err, f"--plugin nosuchplugin: {rc} {err}")
rc, out, err = run("--plugin", "nosuch.so", "--list-plugins")
check(rc != 0 and PLUGINS_DIR + "nosuch.so" in err, f"--plugin nosuch.so: {rc} {err}")

# LIB:INIT_CONFIG: the init config reaches the plugin (probe refuses prefix
# "fail" with its own message) and is checked against its schema.
PROBE = os.path.join(PLUGDIR, "libprobe.so")
rc, out, err = run("--plugin", PROBE + ':{"prefix":"fail"}', "--list-plugins")
check(rc != 0 and "prefix 'fail' is rejected" in err, f"--plugin probe:INIT refused: {rc} {err}")
rc, out, err = run("--plugin", PROBE + ':{"count":3}', "--list-plugins")
check(rc == 0 and "Name: probe" in out, f"--plugin probe:INIT accepted: {rc} {err}")

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: --plugin resolution and upstream's --list-plugins / --plugin-info text")
