#!/usr/bin/env python3
"""Live end to end with our default ruleset (rules/falco_rules.yaml): `falco`
runs with the eBPF driver and the repository's falco.yaml; this script does
real, harmless things on this machine and checks that each raises the rule
written for it, with its priority and the output fields that describe the
action (values known here: the file names, pids and programs we used).

Actions: cat /etc/shadow; a shell started by a fake "nginx" (a symlink to
dash, so its comm is nginx); creating a file below /etc and below
/usr/local/bin (removed at once); PTRACE_ATTACH to a child; running /bin/true
from a memfd and from /dev/shm; deleting a .bash_history in a temp dir;
a symlink to /etc/shadow; grep for id_rsa; truncating a log below /var/log;
`nc -e` (a symlink named nc to /bin/true); finit_module on a bad fd (fails,
loads nothing); a fake dpkg and an AF_PACKET socket in a new PID namespace
(unshare -pf); PTRACE_TRACEME in a child.

Usage: test_default_rules_live.py FALCO_BINARY
"""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import live_falco as lf  # noqa: E402

lf.need_root_and_btf()
FALCO = os.path.abspath(sys.argv[1])
lf.need_rules_support(FALCO)
RULES = os.path.join(lf.ROOT, "rules", "falco_rules.yaml")
tmp = tempfile.mkdtemp(prefix="falco-e2e-")
tag = "falco-e2e-%d" % os.getpid()
etc_file = "/etc/" + tag
bin_file = "/usr/local/bin/" + tag
shm_exe = "/dev/shm/" + tag
log_file = "/var/log/%s.log" % tag
server = os.path.join(tmp, "nginx")
os.symlink("/bin/dash", server)
shutil.copy("/bin/true", shm_exe)
open(os.path.join(tmp, "id_rsa"), "w").close()
# Harmless stand-ins whose comm is a watched tool's name.
fake_nc = os.path.join(tmp, "nc")
os.symlink("/bin/true", fake_nc)
fake_dpkg = os.path.join(tmp, "dpkg")
os.symlink("/bin/true", fake_dpkg)
traceme_pids = []

seen = {}          # rule -> [alerts]
ptraced = []
memfd_pids = []


def act():
    lf.run(["cat", "/etc/shadow"])
    lf.run([server, "-c", "sh -c true; true"])
    lf.run(["touch", etc_file])
    lf.run(["rm", "-f", etc_file])
    lf.run(["touch", bin_file])
    lf.run(["rm", "-f", bin_file])
    ptraced.append(lf.ptrace_attach_child())
    memfd_pids.append(lf.exec_from_memfd())
    lf.run([shm_exe])
    hist = os.path.join(tmp, ".bash_history")
    open(hist, "w").close()
    lf.run(["rm", "-f", hist])
    link = os.path.join(tmp, "innocent")
    lf.run(["ln", "-sf", "/etc/shadow", link])
    lf.run(["rm", "-f", link])
    lf.run(["grep", "-r", "BEGIN RSA", tmp])
    lf.run(["sh", "-c", ": > " + log_file])
    lf.run(["rm", "-f", log_file])
    lf.run([fake_nc, "-e", "/bin/sh", "127.0.0.1", "9"])
    lf.finit_module_bad_fd()
    # A new PID namespace stands for a container (what the rules test).
    lf.run(["unshare", "-pf", fake_dpkg, "-l"])
    lf.run(["unshare", "-pf", sys.executable, "-c",
            "import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).close()"])
    traceme_pids.append(lf.ptrace_traceme_child())


def check(a, rule, prio, fields):
    if a["priority"] != prio:
        f.fail("%s: priority %r, want %r" % (rule, a["priority"], prio))
    if a["source"] != "syscall":
        f.fail("%s: source %r" % (rule, a["source"]))
    keys = {"hostname", "output", "output_fields", "priority", "rule", "source", "tags", "time"}
    if not keys <= set(a):
        f.fail("%s: alert keys %s" % (rule, sorted(a)))
    of = a["output_fields"]
    for k, want in fields.items():
        got = of.get(k)
        try:
            ok = want(got) if callable(want) else str(got) == str(want)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            return False
    return True


# rule -> (priority, {output field: value or predicate})
EXPECT = {
    "Credential file read by untrusted program":
        ("Warning", {"fd.name": "/etc/shadow", "proc.name": "cat"}),
    "Shell started by a server program":
        ("Warning", {"proc.pname": "nginx", "proc.name": "sh"}),
    "Write below etc":
        ("Error", {"fd.name": etc_file, "proc.name": "touch"}),
    "Write below binary directory":
        ("Error", {"fd.name": bin_file, "proc.name": "touch"}),
    "Ptrace attach to a process":
        ("Warning", {"evt.arg.request": lambda v: v is not None and "PTRACE_ATTACH" in str(v),
                     # the target, as its pid or (resolved, as upstream) its name
                     "evt.arg.pid": lambda v: v == "sleep" or int(str(v).split("(")[0]) in ptraced,
                     "proc.pid": os.getpid()}),
    "Program run from memory file":
        ("Critical", {"proc.pid": lambda v: int(v) in memfd_pids}),
    "Program run from shared memory":
        ("Warning", {"proc.exepath": shm_exe}),
    "Shell history removed":
        ("Warning", {"proc.name": "rm", "evt.args": lambda v: v is not None and ".bash_history" in v}),
    "Symlink or hardlink to credential file":
        ("Warning", {"proc.name": "ln", "evt.args": lambda v: v is not None and "/etc/shadow" in v}),
    "Private key or password search":
        ("Warning", {"proc.name": "grep", "proc.cmdline": lambda v: v is not None and "BEGIN RSA" in v}),
    "Log file truncated":
        ("Warning", {"fd.name": log_file, "proc.name": "sh"}),
    "Netcat with command execution":
        ("Warning", {"proc.name": "nc", "proc.cmdline": "nc -e /bin/sh 127.0.0.1 9"}),
    "Kernel module loaded":
        ("Warning", {"proc.pid": os.getpid()}),
    "Package manager in container":
        ("Error", {"proc.name": "dpkg", "proc.vpid": 1}),
    "Raw packet socket in container":
        ("Notice", {"proc.vpid": 1, "proc.cmdline": lambda v: "AF_PACKET" in v}),
    "Ptrace self-trace":
        ("Notice", {"proc.pid": lambda v: int(v) in traceme_pids}),
}

# No -r: the rules come from falco.yaml's rules_files (the `rules` folder,
# relative to the repository root where falco runs), as with `make run`.
f = lf.Falco(FALCO, [])
try:
    f.wait_started()
    good = {}
    deadline = time.time() + 40
    while time.time() < deadline and len(good) < len(EXPECT):
        act()
        time.sleep(0.5)
        for a in f.alerts():
            r = a.get("rule")
            if r in EXPECT and r not in good:
                prio, fields = EXPECT[r]
                seen.setdefault(r, []).append(a)
                if check(a, r, prio, fields):
                    good[r] = a
                elif os.environ.get("E2E_VERBOSE"):
                    print("unmatched:", r, a["output_fields"])
    missing = [r for r in EXPECT if r not in good]
    if missing:
        detail = {r: [x["output_fields"] for x in seen.get(r, [])][:2] for r in missing}
        f.fail("no matching alert for %s; alerts seen for them: %s" % (missing, detail))
    rc = f.stop()
    if rc != 0:
        f.fail("exit code %d" % rc)
    if "Events detected:" not in f.stdout():
        f.fail("no exit summary")
    for r in sorted(good):
        print("ok: %-45s %-8s %s" % (r, good[r]["priority"], good[r]["output"][:100]))
finally:
    f.stop()
    for p in (etc_file, bin_file, shm_exe, log_file):
        try:
            os.unlink(p)
        except OSError:
            pass
    shutil.rmtree(tmp, ignore_errors=True)
