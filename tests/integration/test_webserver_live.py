#!/usr/bin/env python3
"""falco.yaml `webserver:` /metrics in a live run (modern eBPF driver, root):
the syscall source's thread takes the on-demand snapshots, so its driver and
thread-table counters are there and move between two requests
(falcosecurity_scap_n_evts_total grows while the test makes syscalls; the
thread table holds at least the processes of this test), and resource
utilization is exported with the syscall source as upstream's
falco_metrics.cpp does (subsystem falco). metrics.interval is 1h: nothing
periodic ran, the values come from the requests.

Usage: test_webserver_live.py FALCO_BINARY
Exit 77 (skip) without root or BTF.
"""
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from live_falco import appending  # noqa: E402  (O_APPEND for files falco writes to)

FALCO = os.path.abspath(sys.argv[1])
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "tests", "integration", "rules", "minimal_rules.yaml")
if os.geteuid() != 0 or not os.path.exists("/sys/kernel/btf/vmlinux"):
    print("skip: needs root and BTF")
    sys.exit(77)

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()

err = appending(tempfile.TemporaryFile(mode="w+", errors="replace"))
p = subprocess.Popen([FALCO, "-c", os.path.join(ROOT, "falco.yaml"), "-r", RULES, "-o", "engine.kind=modern_ebpf",
                      "-o", "log_syslog=false", "-o", "syslog_output.enabled=false",
                      "-o", "stdout_output.enabled=false",
                      "-o", "webserver.listen_address=127.0.0.1", "-o", f"webserver.listen_port={port}",
                      "-o", "webserver.prometheus_metrics_enabled=true", "-o", "metrics.enabled=true",
                      "-o", "metrics.interval=1h", "-o", "metrics.output_rule=false",
                      "-o", "metrics.resource_utilization_enabled=true",
                      "-o", "metrics.state_counters_enabled=true",
                      "-o", "metrics.kernel_event_counters_enabled=true"],
                     stdout=subprocess.DEVNULL, stderr=err)


def get(path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def value(text, name):
    m = re.search(r"^" + name + r"(?:\{[^}]*\})? (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


text = None
deadline = time.time() + 60
while time.time() < deadline and p.poll() is None:
    try:
        st, body = get("/metrics")
        if st == 200 and value(body, "falcosecurity_scap_n_evts_total"):
            text = body
            break
    except OSError:
        pass
    time.sleep(0.3)
err.seek(0)
check(text is not None, f"no /metrics with the syscall source's counters: {err.read()[-500:]}")
if text:
    eng = re.findall(r'^falcosecurity_scap_engine_name_info\{([^}]*)\} 1$', text, re.M)
    check(eng and 'engine_name="modern_ebpf"' in eng[0] and 'evt_source="syscall"' in eng[0], f"engine {eng}")
    n1 = value(text, "falcosecurity_scap_n_evts_total")
    threads = value(text, "falcosecurity_scap_n_threads_total")
    check(threads is not None and threads >= 2, f"n_threads {threads}")
    rss = value(text, "falcosecurity_falco_memory_rss_bytes")
    check(rss is not None and rss > 1e6, f"memory_rss_bytes {rss}")
    for _ in range(200):  # syscalls the driver sees
        with open("/etc/hostname") as fh:
            fh.read()
    time.sleep(0.5)
    st, text2 = get("/metrics")
    n2 = value(text2, "falcosecurity_scap_n_evts_total")
    check(st == 200 and n2 is not None and n2 > n1 + 200, f"n_evts did not move: {n1} then {n2}")
p.send_signal(signal.SIGTERM)
try:
    rc = p.wait(timeout=30)
except subprocess.TimeoutExpired:
    p.kill()
    rc = p.wait()
check(rc == 0, f"SIGTERM rc {rc}")

for x in failures:
    print("FAIL:", x)
print(f"{'ok' if not failures else 'FAILED'}: webserver live ({len(failures)} failures)")
sys.exit(1 if failures else 0)
