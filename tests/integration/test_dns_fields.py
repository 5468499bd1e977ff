#!/usr/bin/env python3
"""fd.cip.name / fd.sip.name / fd.lip.name / fd.rip.name end to end.

1. `falco -V` of upstream's syscall rulesets (stable, which compares
   fd.sip.name, and incubating, which prints all four) with our container
   plugin: `Ok`, exit 0, nothing on stderr, no warning or error text.
2. Replays against upstream's answers (../shared/oracle/filters.jsonl):
   `localhost` resolves to 127.0.0.1 here (checked first with Python's
   resolver), so on every capture
     fd.sip.name = localhost           matches upstream's  fd.sip = 127.0.0.1
     fd.cip.name = localhost           matches upstream's  fd.cip = 127.0.0.1
     fd.sip.name in (localhost, x)     matches upstream's  fd.sip = 127.0.0.1
     fd.sip.name = nonexistent.invalid matches nothing (RFC 6761 name)
   and, as upstream evaluates `!=` on connected IP sockets (its
   compare_domain: true unless the constant's addresses hold the address),
     fd.sip.name != nonexistent.invalid matches upstream's fd.lip exists
     fd.sip.name != localhost           matches fd.lip exists minus fd.sip = 127.0.0.1
   The alert of the first rule prints the names (%fd.sip.name: localhost).
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile

FALCO, PLUGIN = sys.argv[1], sys.argv[2]
SHARED = os.environ.get("SHARED_DIR", "../shared")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONF = os.path.join(ROOT, "falco.yaml")
BASE = ["-c", CONF, "-o", "syslog_output.enabled=false", "-o", "stdout_output.enabled=true",
        "-o", "append_output=[]"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(args, timeout=120):
    return subprocess.run([FALCO] + BASE + args, capture_output=True, text=True, timeout=timeout)


def validate_upstream():
    up = os.path.join(SHARED, "rules", "upstream")
    files = [os.path.join(up, "falco_rules.yaml"), os.path.join(up, "falco-incubating_rules.yaml")]
    args = ["--plugin", PLUGIN]
    for f in files:
        args += ["-V", f]
    p = run(args)
    print(p.stdout.strip())
    check(p.returncode == 0, "-V exit %d: %s %s" % (p.returncode, p.stdout[-800:], p.stderr[-800:]))
    # upstream logs "Loaded plugin 'NAME@VERSION' from file PATH" at info level
    noise = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: Loaded plugin '")
    rest = [l for l in p.stderr.splitlines() if l.strip() and not noise.match(l)]
    check(not rest, "-V stderr: %s" % p.stderr[-800:])
    for f in files:
        check("%s: Ok" % f in p.stdout, "%s not Ok" % f)
    low = p.stdout.lower()
    check("warning" not in low and "error" not in low, "-V reports: %s" % p.stdout[-800:])
    # JSON form: no warnings, no errors
    p = run(args + ["-o", "json_output=true"])
    check(p.returncode == 0, "-V json exit %d" % p.returncode)


def oracle():
    ans = {}
    for line in open(os.path.join(SHARED, "oracle", "filters.jsonl")):
        d = json.loads(line)
        if d["accepted"]:
            ans[(d["filter"], d["capture"])] = sorted(d["matches"])
    return ans


RULES = [
    ("sip_eq", "fd.sip.name = localhost", "fd.sip = 127.0.0.1", None),
    ("cip_eq", "fd.cip.name = localhost", "fd.cip = 127.0.0.1", None),
    ("sip_in", "fd.sip.name in (localhost, nonexistent.invalid)", "fd.sip = 127.0.0.1", None),
    ("sip_none", "fd.sip.name = nonexistent.invalid", None, None),
    ("sip_ne_none", "fd.sip.name != nonexistent.invalid", "fd.lip exists", None),
    ("sip_ne_lo", "fd.sip.name != localhost", "fd.lip exists", "fd.sip = 127.0.0.1"),
]


def replays(tmp):
    addrs = {a[4][0] for a in socket.getaddrinfo("localhost", None)}
    if "127.0.0.1" not in addrs:
        print("SKIP replays: localhost does not resolve to 127.0.0.1 here (%s)" % addrs)
        return
    ans = oracle()
    rules = os.path.join(tmp, "dns_rules.yaml")
    with open(rules, "w") as f:
        for name, cond, _, _ in RULES:
            f.write("- rule: %s\n  desc: dns\n  condition: %s\n" % (name, json.dumps(cond)))
            f.write("  output: \"%evt.num sip=%fd.sip.name cip=%fd.cip.name\"\n")
            f.write("  priority: DEBUG\n\n")
    caps = sorted({c for (_, c) in ans})
    compared = 0
    for cap in caps:
        p = run(["-r", rules, "-e", os.path.join(SHARED, "captures", cap), "-o", "json_output=true",
                 "-o", "rule_matching=all", "-o", "priority=debug"])
        check(p.returncode == 0, "%s: exit %d: %s" % (cap, p.returncode, p.stderr[-500:]))
        got, outs = {}, {}
        for line in p.stdout.splitlines():
            if line.startswith("{"):
                a = json.loads(line)
                got.setdefault(a["rule"], []).append(a["output_fields"]["evt.num"])
                outs.setdefault(a["rule"], []).append(a["output_fields"])
        for name, cond, plus, minus in RULES:
            want = set(ans[(plus, cap)]) if plus else set()
            if minus:
                want -= set(ans[(minus, cap)])
            mine = sorted(got.get(name, []))
            compared += 1
            check(mine == sorted(want), "%s on %s: upstream-derived %s, ours %s" %
                  (cond, cap, sorted(want)[:20], mine[:20]))
        for of in outs.get("sip_eq", []):
            check(of.get("fd.sip.name") == "localhost", "%s: sip_eq prints %s" % (cap, of))
        if cap == "connect_localhost.scap":
            check(got.get("sip_eq") == [186], "connect_localhost: fd.sip.name=localhost on %s"
                  % got.get("sip_eq"))
    print("dns replays: %d (rule, capture) pairs compared" % compared)


def main():
    validate_upstream()
    with tempfile.TemporaryDirectory() as tmp:
        replays(tmp)
    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)
    print("ok")


main()
