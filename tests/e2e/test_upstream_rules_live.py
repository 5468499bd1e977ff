#!/usr/bin/env python3
"""Live end to end with upstream's stable and incubating syscall rules
(../shared/rules/upstream/, loaded unmodified) and our container plugin:
real actions on this machine must raise the upstream rules written for them,
with upstream's rule names and priorities (read from the upstream file) and
the fields that describe the action.

Skips (77) without root/BTF, without a falco that has a rules engine, without
libcontainer.so, or while `falco -V` still rejects the upstream files (the
reason is printed: a field or feature still missing).

Usage: test_upstream_rules_live.py FALCO_BINARY [LIBCONTAINER_SO]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import live_falco as lf  # noqa: E402

lf.need_root_and_btf()
FALCO = os.path.abspath(sys.argv[1])
lf.need_rules_support(FALCO)
PLUGIN = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(FALCO))), "plugins", "container", "libcontainer.so")
if not os.path.exists(PLUGIN):
    print("skipped: no container plugin at", PLUGIN)
    sys.exit(lf.SKIP)
UP = os.path.join(os.environ.get("SHARED_DIR", os.path.join(lf.ROOT, "..", "shared")), "rules", "upstream")
RULES = [os.path.join(UP, "falco_rules.yaml"), os.path.join(UP, "falco-incubating_rules.yaml")]
PLUG = ["-o", "load_plugins=[container]", "-o", "plugins[0].library_path=" + PLUGIN]

v = subprocess.run([FALCO, "-c", os.path.join(lf.ROOT, "falco.yaml")] + PLUG +
                   sum([["-V", r] for r in RULES], []), capture_output=True, text=True, timeout=120)
if v.returncode != 0:
    print("skipped: upstream rules do not validate yet:\n" + v.stdout[-3000:] + v.stderr[-1000:])
    sys.exit(lf.SKIP)


def upstream_priority(rule):
    """The priority the upstream file gives RULE, spelled as alerts spell it."""
    for path in RULES:
        text = open(path).read()
        start = text.find("- rule: %s\n" % rule)
        m = re.compile(r"^  priority: (\w+)", re.M).search(text, start) if start >= 0 else None
        if m:
            p = m.group(1).capitalize()
            return {"Info": "Informational"}.get(p, p)
    raise KeyError(rule)


tmp = tempfile.mkdtemp(prefix="falco-e2e-up-")
tag = "falco-e2e-up-%d" % os.getpid()
shm_exe = "/dev/shm/" + tag
shutil.copy("/bin/true", shm_exe)
ptraced, memfd_pids = [], []


def act():
    lf.run(["cat", "/etc/shadow"])
    ptraced.append(lf.ptrace_attach_child())
    memfd_pids.append(lf.exec_from_memfd())
    lf.run([shm_exe])
    link = os.path.join(tmp, "innocent")
    lf.run(["ln", "-sf", "/etc/shadow", link])
    lf.run(["rm", "-f", link])
    lf.run(["find", tmp, "-name", "id_rsa"])


EXPECT = {
    "Read sensitive file untrusted": {"fd.name": "/etc/shadow", "proc.name": "cat"},
    "PTRACE attached to process": {"evt.type": "ptrace",
                                   "proc.cmdline": lambda v: os.path.basename(__file__) in v},
    "Fileless execution via memfd_create": {"evt.type": "execve",
                                            "proc.pname": lambda v: v.startswith("python"),
                                            "proc.exepath": lambda v: v != shm_exe},
    "Execution from /dev/shm": {"proc.exepath": shm_exe},
    "Create Symlink Over Sensitive Files": {"proc.name": "ln"},
    "Search Private Keys or Passwords": {"proc.name": "find"},
}

f = lf.Falco(FALCO, RULES, PLUG)
try:
    f.wait_started()
    good = {}
    deadline = time.time() + 40
    while time.time() < deadline and len(good) < len(EXPECT):
        act()
        time.sleep(0.5)
        for a in f.alerts():
            r = a.get("rule")
            if r not in EXPECT or r in good:
                continue
            if a["priority"] != upstream_priority(r) or a["source"] != "syscall":
                f.fail("%s: priority %r source %r" % (r, a["priority"], a["source"]))
            ok = True
            for k, want in EXPECT[r].items():
                got = a["output_fields"].get(k)
                try:
                    ok = ok and (want(got) if callable(want) else str(got) == str(want))
                except (TypeError, ValueError):
                    ok = False
            if ok:
                good[r] = a
    missing = [r for r in EXPECT if r not in good]
    if missing:
        f.fail("no matching alert for %s" % missing)
    if f.stop() != 0:
        f.fail("exit code %d" % f.p.returncode)
    for r in sorted(good):
        print("ok: %-40s %-8s %s" % (r, good[r]["priority"], good[r]["output"][:100]))
finally:
    f.stop()
    try:
        os.unlink(shm_exe)
    except OSError:
        pass
    shutil.rmtree(tmp, ignore_errors=True)
