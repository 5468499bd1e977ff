#!/usr/bin/env python3
"""`falco --plugin-info` and `falco --list` with the bundled plugins loaded.

Key lines of upstream Falco's layouts (falco userspace/falco/app/actions/
helpers_generic.cpp format_plugin_info and print_plugin_info.cpp; libsinsp
filter.cpp's field list): "Name: <name>", "Version: x.y.z", "Capabilities:"
with "  - Field Extraction" / "  - Event Parsing" / "  - Async Events",
"Init config schema type: ...", and in --list "Field Class:" blocks whose
field lines start with the field name. Expected names: upstream's container
plugin (container.id, container.name, container.image.repository,
container.image.tag, k8s.pod.name, k8s.ns.name - the fields the official
rules use) and json plugin (json.value, json.obj, json.rawtime, jevt.value).

Usage: test_falco_plugin_info.py FALCO LIBCONTAINER.so LIBJSON.so
"""
import re
import subprocess
import sys

FALCO, CONTAINER, JSON = sys.argv[1:4]
failures = []


def run(*args):
    p = subprocess.run([FALCO, *args], capture_output=True, text=True, errors="replace", timeout=60)
    if p.returncode != 0:
        failures.append(f"falco {' '.join(args)}: exit {p.returncode}: {p.stderr[-500:]}")
    return p.stdout


def lines_with(text, what, pattern):
    if not re.search(pattern, text, re.M):
        failures.append(f"{what}: no line matching {pattern!r} in:\n{text[:1500]}")


# --plugin-info, by name and by library path (upstream accepts both)
for key in ("container", CONTAINER):
    out = run("--plugin", CONTAINER, "--plugin-info", key)
    what = f"--plugin-info {key}"
    lines_with(out, what, r"^Name: container$")
    lines_with(out, what, r"^Version: \d+\.\d+\.\d+$")
    lines_with(out, what, r"^Capabilities: ?$")
    for cap in ("Field Extraction", "Event Parsing", "Async Events"):
        lines_with(out, what, rf"^  - {cap}$")
    lines_with(out, what, r"^Init config schema type: ")
    if re.search(r"Event Sourcing", out):
        failures.append(f"{what}: the container plugin has no event source")
out = run("--plugin", JSON, "--plugin-info", "json")
lines_with(out, "--plugin-info json", r"^Name: json$")
lines_with(out, "--plugin-info json", r"^Version: \d+\.\d+\.\d+$")
lines_with(out, "--plugin-info json", r"^  - Field Extraction$")
for cap in ("Event Parsing", "Async Events", "Event Sourcing"):
    if re.search(rf"^  - {cap}", out, re.M):
        failures.append(f"--plugin-info json: unexpected capability {cap}")

# --list with the container plugin: its class and fields beside the syscall ones
out = run("--plugin", CONTAINER, "--list")
lines_with(out, "--list (container)", r"^Field Class:\s+container")
for f in ("container.id", "container.name", "container.image.repository", "container.image.tag",
          "container.privileged", "container.mounts", "container.start_ts", "k8s.pod.name", "k8s.ns.name",
          "proc.name", "fd.name"):
    lines_with(out, "--list (container)", rf"^{re.escape(f)}\s")
out = run("--plugin", CONTAINER, "--list", "syscall", "-N")
names = set(out.split())
for f in ("container.id", "container.name", "container.image.repository", "k8s.pod.name", "proc.name"):
    if f not in names:
        failures.append(f"--list syscall -N with the container plugin lacks {f}")
# and without it, container.* is not a syscall field (upstream 0.44: only the plugin has it)
out = run("--list", "syscall", "-N")
if "container.name" in out.split():
    failures.append("--list syscall -N without the plugin shows container.name")

# --list with the json plugin
out = run("--plugin", JSON, "--list")
lines_with(out, "--list (json)", r"^Field Class:\s+json")
for f in ("json.value", "json.obj", "json.rawtime", "jevt.value", "jevt.obj", "jevt.rawtime"):
    lines_with(out, "--list (json)", rf"^{re.escape(f)}(\[|\s)")

for f in failures:
    print("FAIL:", f)
print(f"{'ok' if not failures else 'FAILED'}: --plugin-info and --list with container and json "
      f"({len(failures)} failures)")
sys.exit(1 if failures else 0)
