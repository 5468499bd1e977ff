#!/usr/bin/env python3
"""The `falco` command line: options, errors, and --dump-events lines checked
against upstream's answers in $SHARED_DIR/oracle (evt.num, cpu, tid, dir,
type and args of every event upstream showed to rules).

Usage: test_cli.py FALCO_BINARY
"""
import json
import os
import subprocess
import sys

FALCO = sys.argv[1]
SHARED = os.environ.get("SHARED_DIR", "../shared")
failures = []


def run(*args):
    p = subprocess.run([FALCO, *args], capture_output=True, text=True, errors="replace")
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        failures.append(what)


# --version, --help: exit 0 and say what they are for.
rc, out, _ = run("--version")
check(rc == 0 and out.startswith("Falco version: "), "--version")
rc, out, _ = run("--help")
check(rc == 0 and "-e <file>" in out and "--dump-events" in out, "--help")

# Errors: exit 1 and a message naming the culprit.
rc, _, err = run("--no-such-option")
check(rc == 1 and "--no-such-option" in err, "unknown option")
rc, _, err = run("-o", "engine.kind=kmod")
check(rc == 1 and "kmod" in err, "engine.kind=kmod is not built")
rc, _, err = run("-o", "engine.kind=bogus")
check(rc == 1 and "bogus" in err, "invalid engine.kind")
rc, _, err = run("-o", "nokey")
check(rc == 1 and "nokey" in err, "-o without '='")
rc, _, err = run("-c", "/nonexistent/falco.yaml", "-e", "x.scap")
check(rc == 1 and "/nonexistent/falco.yaml" in err, "missing -c file")
rc, _, err = run("-e", "/nonexistent/x.scap")
check(rc == 1 and "/nonexistent/x.scap" in err, "missing capture file")
rc, _, err = run("-o", "engine.kind=replay")
check(rc == 1 and "capture_file" in err, "replay without a file")

# --list-events: one entry per event direction, syscalls first.
rc, out, _ = run("--list-events")
check(rc == 0 and "> open(" in out and "< open(" in out, "--list-events")

# --dump-events on a capture, both ways of naming it, against the oracle.
name = "cat_write"
cap = f"{SHARED}/captures/{name}.scap"
rc, dump_e, _ = run("-e", cap, "--dump-events")
rc2, dump_o, _ = run("-o", "engine.kind=replay", "-o", f"engine.replay.capture_file={cap}", "--dump-events")
check(rc == 0 and rc2 == 0 and dump_e == dump_o, "-e and -o engine.replay.capture_file agree")
# the project's falco.yaml loads and -e overrides its engine.kind
conf = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "falco.yaml")
rc3, dump_c, err = run("-c", conf, "-e", cap, "--dump-events")
check(rc3 == 0 and dump_c == dump_e, "-c falco.yaml -e FILE: " + err.strip()[:200])

oracle = [json.loads(l) for l in open(f"{SHARED}/oracle/{name}.events.jsonl")]
lines = dump_e.splitlines()
check(len(lines) == len(oracle), f"{name}: {len(lines)} lines, oracle has {len(oracle)}")
compared = 0
for line, o in zip(lines, oracle):
    # "<num> <HH:MM:SS.ns> <cpu> <comm> (<tid>) <dir> <type> <args>"
    head, _, rest = line.partition(" (")
    num, _time, cpu = head.split(" ")[:3]
    tid, _, rest = rest.partition(") ")
    d, typ, args = (rest.split(" ", 2) + [""])[:3]
    compared += 1
    want = (o["evt.num"], o["evt.cpu"], o["thread.tid"], o["evt.dir"], o["evt.type"], o["evt.args"])
    got = (int(num), int(cpu), int(tid), d, typ, args)
    check(got == want, f"{name} evt.num {o['evt.num']}: got {got!r}, upstream {want!r}")

print(f"cli: {compared} --dump-events lines compared with the oracle, {len(failures)} failures")
for f in failures[:20]:
    print("  FAIL", f)
sys.exit(1 if failures else 0)
