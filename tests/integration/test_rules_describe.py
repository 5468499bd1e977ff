#!/usr/bin/env python3
"""`falco -L` / `-l RULE` with json_output=true: upstream's rules description.

1. Upstream's own expectations: every `condition_compiled` that falco's unit
   tests (unit_tests/engine/test_rule_loader.cpp) assert through
   describe_rule, replayed with our binary (rules/describe_upstream_cases.json
   holds their rules texts and expected strings), plus the `info` facts
   those tests check (override/append results, priority name, capture,
   list details).
2. Details computed by hand from upstream's algorithm (filter details
   resolver: raw condition for macros/lists, compiled one for fields and
   operators; event names from event and syscall codes, plus asyncevent).
3. The official rulesets: valid JSON with upstream's keys, every rule of the
   text listing present, fields known to `--list`, event names known.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

FALCO = sys.argv[1]
SHARED = os.environ.get("SHARED_DIR", "../shared")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BASE = ["-c", os.path.join(ROOT, "falco.yaml"), "-o", "syslog_output.enabled=false",
        "-o", "append_output=[]"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(args, timeout=120):
    return subprocess.run([FALCO] + BASE + args, capture_output=True, text=True, timeout=timeout)


def describe(tmp, rules_text, rule=None, extra=()):
    path = os.path.join(tmp, "rules.yaml")
    with open(path, "w") as f:
        f.write(rules_text)
    args = ["-o", "json_output=true", "-r", path] + list(extra) + (["-l", rule] if rule else ["-L"])
    p = run(args)
    check(p.returncode == 0, "exit %d for %s: %r" % (p.returncode, args, p.stderr[-300:]))
    try:
        return json.loads(p.stdout)
    except ValueError:
        check(False, "not JSON (rc %d): %r %r" % (p.returncode, p.stdout[:300], p.stderr[:300]))
        return None


RULE_KEYS = {"info": ["capture", "capture_duration", "condition", "description", "enabled", "name",
                      "output", "priority", "source", "tags"],
             "details": ["condition_compiled", "condition_fields", "condition_operators", "events",
                         "exception_fields", "exception_names", "exception_operators", "lists",
                         "macros", "output_compiled", "output_fields", "plugins"]}
MACRO_KEYS = {"info": ["condition", "name"],
              "details": ["condition_compiled", "condition_fields", "condition_operators", "events",
                          "lists", "macros", "plugins", "used"]}
LIST_KEYS = {"info": ["items", "name"], "details": ["items_compiled", "lists", "plugins", "used"]}


def upstream_compiled_conditions(tmp):
    cases = json.load(open(os.path.join(HERE, "rules", "describe_upstream_cases.json")))["cases"]
    ok = 0
    for c in cases:
        d = describe(tmp, c["rules"], c["rule"])
        got = d and d["rules"][0]["details"]["condition_compiled"]
        check(got == c["condition_compiled"], "%s: condition_compiled %r, upstream %r"
              % (c["test"], got, c["condition_compiled"]))
        ok += got == c["condition_compiled"]
    print("upstream condition_compiled expectations: %d/%d" % (ok, len(cases)))


def upstream_info_facts(tmp):
    base = ("- rule: r\n  desc: first\n  condition: evt.type = close\n"
            "  output: user=%user.name\n  priority: INFO\n")
    # override: append on condition/output/desc joins with a space
    d = describe(tmp, base + "- rule: r\n  desc: more\n  condition: and proc.name = cat\n"
                 "  output: p=%proc.name\n  override:\n    desc: append\n    condition: append\n"
                 "    output: append\n", "r")
    i = d["rules"][0]["info"]
    check(i["condition"] == "evt.type = close and proc.name = cat", "append condition %r" % i)
    check(i["output"] == "user=%user.name p=%proc.name", "append output %r" % i)
    check(i["description"] == "first more", "append desc %r" % i)
    check(list(d) == ["rules"], "-l document keys %s" % list(d))
    # replace: priority printed with its full name
    d = describe(tmp, base + "- rule: r\n  priority: WARNING\n  desc: new\n"
                 "  override:\n    priority: replace\n    desc: replace\n", "r")
    i = d["rules"][0]["info"]
    check(i["priority"] == "Warning" and i["description"] == "new", "replace %r" % i)
    d = describe(tmp, base, "r")
    i = d["rules"][0]["info"]
    check(i["capture"] is False and i["capture_duration"] == 0 and i["priority"] == "Informational",
          "defaults %r" % i)
    d = describe(tmp, base.replace("INFO\n", "INFO\n  capture: true\n  capture_duration: 10000\n"), "r")
    i = d["rules"][0]["info"]
    check(i["capture"] is True and i["capture_duration"] == 10000, "capture %r" % i)
    # a list whose items hold a quoted value: no list reference found
    d = describe(tmp, '- list: my_list\n  items: [non_escaped_val, "escaped val"]\n')
    check(len(d["rules"]) == 0 and len(d["macros"]) == 0 and len(d["lists"]) == 1, "doc %r" % d)
    check(d["lists"][0]["details"]["lists"] == [], "escaped list details %r" % d["lists"])
    check(list(d) == ["lists", "macros", "required_engine_version", "required_plugin_versions", "rules"],
          "-L document keys %s" % list(d))
    # an unknown rule: nothing printed, an error
    p = run(["-o", "json_output=true", "-r", os.path.join(tmp, "rules.yaml"), "-l", "nosuch"])
    check(p.returncode != 0 and p.stdout == "", "-l unknown: rc %d %r" % (p.returncode, p.stdout))


HAND = """\
- required_engine_version: 0.31.0
- required_plugin_versions:
  - name: json
    version: 0.7.0
    alternatives:
      - name: other
        version: 1.0.0
- list: shells
  items: [bash, sh]
- list: all_shells
  items: [shells, zsh]
- list: unused_list
  items: [x]
- macro: opened
  condition: evt.type in (open, openat)
- macro: spawned
  condition: evt.type = execve and proc.name in (all_shells)
- macro: unused_macro
  condition: fd.num > 2
- rule: hand
  desc: by hand
  condition: (opened or spawned) and not fd.name startswith /tmp and proc.aname[2] exists
  output: f=%fd.name %toupper(proc.name) a=%proc.aname[2]
  priority: ERROR
  tags: [t2, t1]
  exceptions:
    - name: e1
      fields: [proc.pname, fd.directory]
      comps: [=, in]
      values:
        - [cron, [/etc, /var]]
    - name: e2
      fields: proc.exe
      comps: in
      values: [/opt, /usr]
- rule: generic
  desc: a syscall without its own event
  condition: evt.type = kcmp
  output: x
  priority: DEBUG
- rule: notypes
  desc: no event type named
  condition: proc.name = cat
  output: x
  priority: DEBUG
  enabled: false
"""


def hand_computed(tmp):
    d = describe(tmp, HAND)
    if not d:
        return
    check(d["required_engine_version"] == "0.31.0", "engine version %r" % d["required_engine_version"])
    check(d["required_plugin_versions"] == [{"alternatives": [{"name": "other", "version": "1.0.0"}],
                                              "name": "json", "version": "0.7.0"}],
          "plugin versions %r" % d["required_plugin_versions"])
    for kind, keys in (("rules", RULE_KEYS), ("macros", MACRO_KEYS), ("lists", LIST_KEYS)):
        for x in d[kind]:
            check(list(x) == ["details", "info"], "%s entry keys %s" % (kind, list(x)))
            for part in ("info", "details"):
                check(list(x[part]) == keys[part], "%s %s keys %s" % (kind, part, list(x[part])))
    lists = {x["info"]["name"]: x for x in d["lists"]}
    check(lists["all_shells"]["info"]["items"] == ["zsh"]
          and lists["all_shells"]["details"]["items_compiled"] == ["bash", "sh", "zsh"]
          and lists["all_shells"]["details"]["lists"] == ["shells"], "list %r" % lists["all_shells"])
    check(lists["shells"]["details"]["used"] and lists["all_shells"]["details"]["used"]
          and not lists["unused_list"]["details"]["used"], "list used flags")
    macros = {x["info"]["name"]: x for x in d["macros"]}
    m = macros["spawned"]["details"]
    check(m["condition_compiled"] == "(evt.type = execve and proc.name in (bash, sh, zsh))",
          "macro compiled %r" % m["condition_compiled"])
    check(m["lists"] == ["all_shells"] and m["macros"] == [] and m["used"], "macro details %r" % m)
    check(set(m["condition_fields"]) == {"evt.type", "proc.name"}, "macro fields %r" % m)
    check(set(m["condition_operators"]) == {"=", "in"}, "macro ops %r" % m)
    check(set(m["events"]) == {"execve", "asyncevent"}, "macro events %r" % m)
    check(not macros["unused_macro"]["details"]["used"], "unused macro")
    rules = {x["info"]["name"]: x for x in d["rules"]}
    r = rules["hand"]
    check(r["info"]["tags"] == ["t1", "t2"] and r["info"]["priority"] == "Error"
          and r["info"]["enabled"] is True, "rule info %r" % r["info"])
    t = r["details"]
    # `(cond) and not (e1) and not e2` is one `and` of three operands
    want = ("(((evt.type in (open, openat) or (evt.type = execve and proc.name in (bash, sh, zsh)))"
            " and not fd.name startswith /tmp and proc.aname[2] exists) and not (proc.pname = cron and"
            " fd.directory in (/etc, /var)) and not proc.exe in (/opt, /usr))")
    check(t["condition_compiled"] == want, "compiled %r" % t["condition_compiled"])
    check(set(t["condition_fields"]) == {"evt.type", "proc.name", "fd.name", "proc.aname[2]",
                                         "proc.pname", "fd.directory", "proc.exe"}, "fields %r" % t)
    check(set(t["condition_operators"]) == {"in", "=", "startswith", "exists"}, "ops %r" % t)
    check(sorted(t["macros"]) == ["opened", "spawned"] and t["lists"] == [], "refs %r" % t)
    check(set(t["events"]) == {"open", "openat", "execve", "asyncevent"}, "events %r" % t["events"])
    check(t["exception_fields"] == ["fd.directory", "proc.exe", "proc.pname"], "exc fields %r" % t)
    check(sorted(t["exception_names"]) == ["e1", "e2"], "exc names %r" % t)
    check(sorted(t["exception_operators"]) == ["=", "in"], "exc ops %r" % t)
    check(t["output_fields"] == ["fd.name", "proc.name", "toupper(proc.name)", "proc.aname[2]"],
          "output fields %r" % t["output_fields"])
    check(t["output_compiled"] == "f=%fd.name %toupper(proc.name) a=%proc.aname[2]", "output %r" % t)
    g = rules["generic"]["details"]
    check(set(g["events"]) == {"kcmp", "asyncevent"}, "generic events %r" % g["events"])
    n = rules["notypes"]
    check(n["info"]["enabled"] is False, "enabled as written %r" % n["info"])
    check(len(n["details"]["events"]) > 300 and "kcmp" in n["details"]["events"]
          and "open" in n["details"]["events"], "all events %d" % len(n["details"]["events"]))


def event_names():
    p = run(["--list-events", "--format", "json"])
    names = set()
    for sect in json.loads(p.stdout).values():
        for e in (sect if isinstance(sect, list) else []):
            names.add(e["name"])
    return names


def field_names():
    p = run(["--list"])
    return set(re.findall(r"^([a-z0-9_]+\.[A-Za-z0-9_.]+)", p.stdout, re.M))


def official(tmp):
    plugin = os.path.join(os.path.dirname(os.path.dirname(FALCO)), "plugins", "container", "libcontainer.so")
    evs, fields = event_names(), field_names()
    for name in ("falco_rules.yaml", "falco-incubating_rules.yaml"):
        path = os.path.join(SHARED, "rules", "upstream", name)
        extra = ["--plugin", plugin] if os.path.exists(plugin) else []
        p = run(["-r", path, "-L"] + extra)
        if p.returncode != 0:
            print("skip %s (does not load here: %s)" % (name, p.stderr.strip()[-200:]))
            continue
        text = p.stdout
        p = run(["-o", "json_output=true", "-r", path, "-L"] + extra)
        d = json.loads(p.stdout)
        starts = sum(1 for l in text.splitlines()[2:] if l[:1].strip())
        check(starts == len(d["rules"]), "%s: -L text lists %d rules, JSON %d" % (name, starts, len(d["rules"])))
        for r in d["rules"]:
            check(("\n" + r["info"]["name"] + " ") in text, "%s: %s not in -L text" % (name, r["info"]["name"]))
        for r in d["rules"]:
            t, rn = r["details"], r["info"]["name"]
            check(list(t) == RULE_KEYS["details"], "%s: %s keys" % (name, rn))
            check(t["condition_compiled"].startswith("("), "%s: compiled %r" % (rn, t["condition_compiled"]))
            for f in t["condition_fields"] + t["output_fields"]:
                base = f.split("[")[0]
                check(base in fields or "(" in f or base.startswith(("container.", "k8s.", "evt.arg.",
                                                                      "evt.rawarg.")),
                      "%s: field %s unknown to --list" % (rn, f))
            check("asyncevent" in t["events"] and len(t["events"]) >= 2, "%s: events %r" % (rn, t["events"]))
            # plugins: the container plugin exactly when a container.* field is used
            uses = any(f.startswith(("container.", "k8s.")) for f in t["condition_fields"] + t["output_fields"])
            check(t["plugins"] == (["container"] if uses and extra else []),
                  "%s: plugins %r" % (rn, t["plugins"]))
            for e in t["events"]:
                check(e in evs or re.match(r"^[a-z0-9_]+$", e), "%s: event name %s" % (rn, e))
        print("%s: %d rules, %d macros, %d lists described" % (name, len(d["rules"]), len(d["macros"]),
                                                              len(d["lists"])))


with tempfile.TemporaryDirectory() as tmp:
    upstream_compiled_conditions(tmp)
    upstream_info_facts(tmp)
    hand_computed(tmp)
    official(tmp)

print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
