"""Helpers shared by the live container tests (test_falco_ctr_events.py,
test_falco_podman.py, test_falco_cri.py): start falco so that a loaded
machine does not make it lose the events a test waits for, know when its
event loop runs, and tell a load failure (driver drops) from a logic one.

On the shared 2-core test machine (load average 7-11 while every worktree
runs its tests) the live driver dropped ~10 M events (ring buffer full)
in one run: falco's event thread was runnable but not running (measured
by the ctrevt branch: 2-2.4 s of runqueue wait in 3 s; under nice -15:
0.5-1.3 s, no drops). A one-shot event (a container's init exit) lost
that way can never be seen again, so the tests:
  - run falco at a higher CPU priority (PRIORITY below; they run as root);
  - give the driver larger ring buffers (BUFFERS below), which absorb the
    bursts of container start-up / podman CLI runs;
  - act only once falco printed "Running N event source(s)" (its event
    loop started, after the driver attached);
  - name the driver's drop count (falco's exit summary) in every failure.
None of this changes what a test checks.
"""
import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "e2e"))
from live_falco import wait_running  # noqa: E402,F401  (shared with the core live tests)

# nice -10: the scheduler gives falco's threads ~10x the weight of the CPU
# hogs of other tenants (nice 0), enough for its event thread to keep up
# with the ring buffer; `nice` needs root, which these tests require anyway.
PRIORITY = ["nice", "-n", "-10"]
# 32 MiB rings (preset 6; falco's default 4 = 8 MiB), one per CPU (the
# default shares one ring between 2 CPUs): bursts queue instead of dropping.
BUFFERS = ["-o", "engine.modern_ebpf.buf_size_preset=6", "-o", "engine.modern_ebpf.cpus_for_each_buffer=1"]
DRIVER = re.compile(r"Driver: (\d+) events, (\d+) dropped")


def drop_note(errtext):
    """One line about the driver's drops from falco's stderr after its exit:
    an expected one-shot event missing while the driver dropped events is
    most likely lost to machine load, not a logic failure."""
    m = DRIVER.findall(errtext)
    if not m:
        return "driver drops: unknown (no 'Driver: N events, M dropped' summary on falco's stderr)"
    events, dropped = (int(x) for x in m[-1])
    if dropped:
        return (f"driver drops: {dropped} of {events} events dropped (ring buffer full / machine load): "
                "a missing one-shot event may have been one of them")
    return f"driver drops: none ({events} events): a missing event is not a load loss"


def require(tools, btf=True):
    """The preconditions of a live container test: root (and kernel BTF for
    falco's driver) or skip (77); the runtime's tools and Debian's static
    busybox (the image's content) or fail: scripts/install-deps installs
    them, so their absence is a broken set-up, not a reason to skip."""
    if os.geteuid() != 0 or (btf and not os.path.exists("/sys/kernel/btf/vmlinux")):
        print("skipped: needs root" + (" and BTF" if btf else ""))
        sys.exit(77)
    for tool in tools:
        if shutil.which(tool) is None:
            print(f"FAIL: {tool} missing (scripts/install-deps)")
            sys.exit(1)
    if not os.access("/bin/busybox", os.X_OK):
        print("FAIL: /bin/busybox (busybox-static) missing")
        sys.exit(1)


def json_alerts(f):
    """The JSON alerts falco wrote so far to file object f (a partly written
    last line is left out)."""
    f.seek(0)
    res = []
    for line in f.read().splitlines():
        if line.startswith("{"):
            try:
                res.append(json.loads(line))
            except ValueError:
                pass
    return res
