"""Shared helpers for the live end-to-end tests: run `falco` with the eBPF
driver and JSON alerts on stdout, wait until it captures, read its alerts,
stop it. Skips (exit 77) only without root or BTF."""
import json
import fcntl
import os
import re
import signal
import subprocess
import sys
import tempfile
import time


def appending(f):
    """O_APPEND on a file falco writes to while this test reads it: seeking
    to read must not move the offset falco writes at (the open file
    description is shared), or falco overwrites what it wrote before."""
    fcntl.fcntl(f.fileno(), fcntl.F_SETFL, fcntl.fcntl(f.fileno(), fcntl.F_GETFL) | os.O_APPEND)
    return f

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP = 77


RUNNING = re.compile(r"Running \d+ event source\(s\)")


def wait_running(proc, errfile, secs=120):
    """Wait until falco (proc, writing its stderr to errfile, a file opened
    for reading) says its event loop runs: printed once every source is
    open (the live driver attached). Returns True then, False when falco
    exited or the deadline passed."""
    deadline = time.time() + secs
    while time.time() < deadline and proc.poll() is None:
        errfile.seek(0)
        if RUNNING.search(errfile.read()):
            return True
        time.sleep(0.1)
    return False


def need_root_and_btf():
    if os.geteuid() != 0 or not os.path.exists("/sys/kernel/btf/vmlinux"):
        print("skipped: needs root and BTF")
        sys.exit(SKIP)


def need_rules_support(falco):
    """Skips while the binary has no rules engine (-r/-V come with it)."""
    h = subprocess.run([falco, "--help"], capture_output=True, text=True).stdout
    if "-V <path>" not in h or "-r <path>" not in h:
        print("skipped: this falco has no rules engine yet (no -r/-V)")
        sys.exit(SKIP)


class Falco:
    """One live falco process. extra: more command-line arguments."""

    def __init__(self, falco, rules, extra=()):
        self.out = appending(tempfile.TemporaryFile(mode="w+", errors="replace"))
        self.err = appending(tempfile.TemporaryFile(mode="w+", errors="replace"))
        args = [os.path.abspath(falco), "-c", os.path.join(ROOT, "falco.yaml")]
        for r in rules:
            args += ["-r", r]
        args += ["-o", "engine.kind=modern_ebpf", "-o", "json_output=true", "-U",
                 "-o", "syslog_output.enabled=false", "-o", "stdout_output.enabled=true",
                 "-o", "file_output.enabled=false", "-o", "http_output.enabled=false",
                 "-o", "program_output.enabled=false", "-o", "watch_config_files=false",
                 "-o", "webserver.enabled=false"]
        args += list(extra)
        self.args = args
        self.p = subprocess.Popen(args, stdout=self.out, stderr=self.err, cwd=ROOT)

    def stderr(self):
        self.err.seek(0)
        return self.err.read()

    def stdout(self):
        self.out.seek(0)
        return self.out.read()

    def wait_started(self, timeout=30):
        """Returns once the driver captures; skips when no driver can open."""
        deadline = time.time() + timeout
        while time.time() < deadline and self.p.poll() is None:
            if "syscalls in total" in self.stderr():
                break
            time.sleep(0.05)
        if self.p.poll() is not None:
            msg = self.stderr()
            if "BTF" in msg or "no live driver" in msg or "not built" in msg:
                print("skipped:", msg.strip()[-500:])
                sys.exit(SKIP)
            self.fail("falco exited early (%d)" % self.p.returncode)
        # The selection is logged before the driver attaches: a short grace.
        time.sleep(1.0)

    def alerts(self):
        res = []
        for line in self.stdout().splitlines():
            if line.startswith("{"):
                try:
                    res.append(json.loads(line))
                except ValueError:
                    pass
        return res

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode

    def fail(self, msg):
        self.stop()
        print("FAIL:", msg)
        print("command:", " ".join(self.args))
        print("stderr:", self.stderr()[-3000:])
        print("stdout:", self.stdout()[-3000:])
        sys.exit(1)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def ptrace_attach_child():
    """Attach to a child with ptrace (PTRACE_ATTACH, then PTRACE_DETACH) from
    this process; returns the child's pid."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    child = subprocess.Popen(["sleep", "30"])
    try:
        time.sleep(0.05)
        if libc.ptrace(16, child.pid, None, None) != 0:  # PTRACE_ATTACH
            raise OSError(ctypes.get_errno(), "ptrace attach")
        os.waitpid(child.pid, 0)
        libc.ptrace(17, child.pid, None, None)  # PTRACE_DETACH
    finally:
        child.kill()
        child.wait()
    return child.pid


def exec_from_memfd():
    """A child that runs /bin/true from a memfd (fileless execution)."""
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.memfd_create("falco-e2e", 0)
            with open("/bin/true", "rb") as f:
                os.write(fd, f.read())
            os.execv("/proc/self/fd/%d" % fd, ["falco-e2e"])
        finally:
            os._exit(127)
    os.waitpid(pid, 0)
    return pid


def finit_module_bad_fd():
    """finit_module(-1, "", 0): refused by the kernel (EBADF), loads nothing."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall(313, -1, b"", 0)  # x86_64 finit_module


def ptrace_traceme_child():
    """A child that asks to be traced by its parent, then exits; its pid."""
    import ctypes
    pid = os.fork()
    if pid == 0:
        try:
            ctypes.CDLL(None).ptrace(0, 0, None, None)  # PTRACE_TRACEME
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return pid
