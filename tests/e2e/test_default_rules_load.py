#!/usr/bin/env python3
"""Our default ruleset loads cleanly: `falco -V rules/falco_rules.yaml` (every
list expanded, every macro resolved, every condition and output compiled
against the field registry) reports success with no error and no warning, in
upstream's JSON results form; and `falco -L` lists every rule the file
defines, with the priority the file gives it.

Usage: test_default_rules_load.py FALCO_BINARY
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import live_falco as lf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FALCO = os.path.abspath(sys.argv[1])
RULES = os.path.join(ROOT, "rules", "falco_rules.yaml")
lf.need_rules_support(FALCO)
CONF = ["-c", os.path.join(ROOT, "falco.yaml"), "-o", "load_plugins=[]"]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


text = open(RULES).read()
names = re.findall(r"^- rule: (.+)$", text, re.M)
if len(names) < 20:
    fail("only %d rules in %s" % (len(names), RULES))
if len(set(names)) != len(names):
    fail("duplicate rule names")

# Validation, JSON form.
p = subprocess.run([FALCO] + CONF + ["-o", "json_output=true", "-V", RULES],
                   capture_output=True, text=True, timeout=60)
if p.returncode != 0:
    fail("-V exit %d\n%s\n%s" % (p.returncode, p.stdout, p.stderr))
start = p.stdout.find("{")
try:
    res = json.loads(p.stdout[start:])
except ValueError:
    fail("-V output is not JSON:\n" + p.stdout)
results = res.get("falco_load_results")
if not results or len(results) != 1:
    fail("falco_load_results %r" % results)
r = results[0]
if not r.get("successful"):
    fail("not successful: %s" % json.dumps(r, indent=1))
if r.get("errors") or r.get("warnings"):
    fail("errors/warnings: %s" % json.dumps(r, indent=1))

# Validation, text form: upstream prints "<file>: Ok" for a clean file.
p = subprocess.run([FALCO] + CONF + ["-V", RULES], capture_output=True, text=True, timeout=60)
if p.returncode != 0 or (RULES + ": Ok") not in p.stdout or "warning" in p.stdout.lower():
    fail("-V text:\n%s\n%s" % (p.stdout, p.stderr))

# The examples of rules/README.md ("Writing rules": lists, macros, a rule with
# an exception, override append/replace of items, condition, exceptions and
# enabled) load on top of the default rules.
EX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "readme_examples.yaml")
p = subprocess.run([FALCO] + CONF + ["-V", RULES, "-V", EX], capture_output=True, text=True, timeout=60)
if p.returncode != 0 or (EX + ": Ok") not in p.stdout or "warning" in p.stdout.lower():
    fail("README examples:\n%s\n%s" % (p.stdout, p.stderr))

# Every rule is loaded: -L prints each name.
p = subprocess.run([FALCO] + CONF + ["-r", RULES, "-L"], capture_output=True, text=True, timeout=60)
if p.returncode != 0:
    fail("-L exit %d: %s" % (p.returncode, p.stderr))
for n in names:
    if n not in p.stdout:
        fail("rule %r not in -L output" % n)
print("ok: %d rules load with no error and no warning" % len(names))
