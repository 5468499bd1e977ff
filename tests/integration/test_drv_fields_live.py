#!/usr/bin/env python3
"""Live: fields rules see for two driver paths, end to end through `falco`
with the eBPF driver, against upstream's documented values:
  - a program run from a memfd (execve of /proc/self/fd/N, and fexecve, i.e.
    execveat(fd, "", AT_EMPTY_PATH)): proc.is_exe_from_memfd = true,
    proc.exepath = "memfd:" + the memfd's name (upstream's driver reports the
    memfd's dentry name; the kernel names it "memfd:NAME"), proc.exe = argv[0];
  - sendmsg/recvmsg with 3 iovecs over a socketpair: evt.arg.data and
    evt.buffer hold the bytes of all iovecs end to end, evt.arg.size is their
    total; past the snaplen (80) the data stops at 80 bytes.
Only events of this test's own processes count (proc.pid / proc.ppid in the
rules). Skipped (77) without root or BTF.

Usage: test_drv_fields_live.py FALCO_BINARY
"""
import os
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import live_falco as lf  # noqa: E402

FALCO = sys.argv[1]
lf.need_root_and_btf()
ME = os.getpid()
TRUE = shutil.which("true") or "/bin/true"

rules = tempfile.NamedTemporaryFile(mode="w", suffix=".yaml", delete=False)
rules.write(r"""
- rule: memfd exec
  desc: a child of the test ran from a memfd
  condition: evt.type in (execve, execveat) and evt.dir = < and proc.ppid = %d
  output: memfd exec %%proc.exepath %%proc.exe %%proc.is_exe_from_memfd %%proc.pid
  priority: WARNING
- rule: msg io
  desc: the test's own sendmsg/recvmsg
  condition: evt.type in (sendmsg, recvmsg) and evt.dir = < and proc.pid = %d
  output: msg io %%evt.type %%evt.arg.data %%evt.buffer %%evt.arg.size %%evt.rawres
  priority: WARNING
""" % (ME, ME))
rules.close()

falco = lf.Falco(FALCO, [rules.name])
alerts, fail = falco.alerts, falco.fail
falco.wait_started()
os.unlink(rules.name)  # loaded

# Ready when the driver delivers: a 1-iovec probe message until its alert
# shows (attaching can take seconds on a loaded machine).
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
deadline = time.time() + 60
while time.time() < deadline:
    a.sendmsg([b"probe"])
    b.recv(16)
    time.sleep(0.3)
    if any(x.get("rule") == "msg io" for x in alerts()):
        break
else:
    fail("no probe alert within 60 s")


def run_from_memfd(name, argv0, how):
    """Child: copy `true` into a memfd named `name` and run it; returns pid."""
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.memfd_create(name, 0)
            with open(TRUE, "rb") as f:
                os.write(fd, f.read())
            if how == "path":
                os.execve("/proc/self/fd/%d" % fd, [argv0], {})
            else:
                os.execve(fd, [argv0], {})
        finally:
            os._exit(127)
    os.waitpid(pid, 0)
    return pid


exec_pids = {run_from_memfd("drvfix-path", "mf-path", "path"): ("memfd:drvfix-path", "mf-path"),
             run_from_memfd("drvfix-fexecve", "mf-fexecve", "fd"): ("memfd:drvfix-fexecve", "mf-fexecve")}

a.sendmsg([b"first-", b"second-", b"third"])
b.recvmsg_into([bytearray(4), bytearray(4), bytearray(32)])
a.sendmsg([b"a" * 40, b"b" * 40, b"c" * 40])
b.recvmsg_into([bytearray(200)])
a.close()
b.close()

want_io = [("sendmsg", "first-second-third", "18"), ("recvmsg", "first-second-third", "18"),
           ("sendmsg", "a" * 40 + "b" * 40, "120"), ("recvmsg", "a" * 40 + "b" * 40, "120")]
deadline = time.time() + 60
while time.time() < deadline:
    got = alerts()
    execs = [x["output_fields"] for x in got if x.get("rule") == "memfd exec"]
    ios = [x["output_fields"] for x in got if x.get("rule") == "msg io"
           and x["output_fields"].get("evt.arg.data") != "probe"]
    if len(execs) >= 2 and len(ios) >= 4:
        break
    time.sleep(0.3)
else:
    fail("alerts missing: %d memfd exec, %d msg io" % (len(execs), len(ios)))

for pid, (exepath, exe) in exec_pids.items():
    mine = [f for f in execs if f.get("proc.pid") == pid]
    if len(mine) != 1:
        fail("pid %d: %d exec alerts" % (pid, len(mine)))
    f = mine[0]
    if f.get("proc.exepath") != exepath or f.get("proc.exe") != exe or f.get("proc.is_exe_from_memfd") is not True:
        fail("pid %d: exec fields %s, want exepath %r exe %r memfd true" % (pid, f, exepath, exe))

for i, (typ, data, size) in enumerate(want_io):
    f = ios[i]
    if f.get("evt.type") != typ or f.get("evt.arg.data") != data or f.get("evt.buffer") != data:
        fail("io #%d: %s, want %s data %r" % (i, f, typ, data))
    if str(f.get("evt.arg.size")) != size or str(f.get("evt.rawres")) != size:
        fail("io #%d: size/res %s/%s, want %s" % (i, f.get("evt.arg.size"), f.get("evt.rawres"), size))

rc = falco.stop()
if rc != 0:
    fail("exit code %d" % rc)
print("ok: memfd exepath/exe/is_exe_from_memfd and 3-iovec sendmsg/recvmsg data/size")
