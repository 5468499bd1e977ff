#!/usr/bin/env python3
"""`falco` live with the container plugin against a real podman container.

falco runs with the eBPF driver, the bundled libcontainer.so (configured
through falco.yaml's `plugins:` with podman's API on a temporary socket),
JSON output and `append_output: [{suggested_output: true}]`, and a small
ruleset of this test. Then:
  - a real container (podman 4 with runc, an image imported from a rootfs
    holding Debian's static busybox, private vfs storage) runs a shell; we
    `podman exec` `cat /etc/shadow` in it until the alert carries the
    container's name (the plugin looks metadata up asynchronously);
    the alert's container.id must be the first 12 characters of
    `podman inspect`'s Id, container.name / container.image.repository /
    container.image.tag podman's values, and output_fields must hold the
    suggested fields upstream's plugin flags (container.id, container.name,
    container.image.repository, container.image.tag, k8s.pod.name,
    k8s.ns.name);
  - a host process (moved to the root of every cgroup hierarchy first: this
    machine's sessions sit in a memory cgroup /process_api/<32 hex>, which
    upstream's containerd rule reads as a container id) reads /etc/shadow:
    container.id and container.name are "host", as upstream's plugin reports
    the host (its threads-table id is "", its container entry's id and name
    HOST_CONTAINER_ID = "host": plugins/container/src/container_info.h).
Expected values come from podman's CLI and upstream's plugin source, never
from our program. Skipped (77) without root or BTF; a missing podman/runc/
busybox is a failure (scripts/install-deps installs them).

Usage: test_falco_podman.py FALCO LIBCONTAINER.so
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from livefalco import BUFFERS, PRIORITY, drop_note, json_alerts, require, wait_running  # noqa: E402

FALCO, PLUGIN = (os.path.abspath(a) for a in sys.argv[1:3])
require(("podman", "runc"))

T = tempfile.mkdtemp(prefix="falco-ctr-e2e.")
NAME = f"falco-e2e-{os.getpid()}"
IMAGE = f"localhost/falco-e2e-busybox:t{os.getpid()}"
SOCK = os.path.join(T, "podman.sock")
# Private storage: the test neither sees nor disturbs other containers.
G = ["--root", f"{T}/storage", "--runroot", f"{T}/run", "--storage-driver", "vfs",
     "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--tmpdir", f"{T}/tmp"]
procs = {}  # name -> Popen we started
falco_out = open(os.path.join(T, "falco.out"), "a+", errors="replace")
falco_err = open(os.path.join(T, "falco.err"), "a+", errors="replace")


def podman(*args, check=True):
    p = subprocess.run(["podman", *G, *args], capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        fail(f"podman {' '.join(args)}: {p.stderr.strip()[-500:]}")
    return p.stdout.strip()


def stop(name):
    p = procs.pop(name, None)
    if p is not None and p.poll() is None:
        p.send_signal(signal.SIGINT if name == "falco" else signal.SIGTERM)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p


def cleanup():
    stop("falco")
    stop("service")
    subprocess.run(["podman", *G, "rm", "-f", "-t", "0", NAME], capture_output=True)
    # not `system reset`: it would also drop podman networks shared with others
    subprocess.run(["podman", *G, "rmi", "-a", "-f"], capture_output=True)
    shutil.rmtree(T, ignore_errors=True)


def fail(msg):
    stop("falco")
    falco_err.seek(0)
    falco_out.seek(0)
    print("FAIL:", msg)
    print("FAIL:", drop_note(falco_err.read()))
    falco_err.seek(0)
    print("falco stderr:", falco_err.read()[-2000:])
    print("falco stdout:", falco_out.read()[-3000:])
    cleanup()
    sys.exit(1)


def alerts():
    return json_alerts(falco_out)


# --- the image and podman's API service
os.makedirs(f"{T}/rootfs/bin")
os.makedirs(f"{T}/rootfs/etc")
os.makedirs(f"{T}/rootfs/tmp")
os.makedirs(f"{T}/tmp")
shutil.copy("/bin/busybox", f"{T}/rootfs/bin/busybox")
for a in ("sh", "cat", "sleep", "nc"):
    os.symlink("busybox", f"{T}/rootfs/bin/{a}")
with open(f"{T}/rootfs/etc/passwd", "w") as f:
    f.write("root:x:0:0:root:/root:/bin/sh\n")
with open(f"{T}/rootfs/etc/shadow", "w") as f:
    f.write("root:*:19000:0:99999:7:::\n")
subprocess.run(["tar", "-C", f"{T}/rootfs", "-cf", f"{T}/rootfs.tar", "."], check=True)
podman("import", f"{T}/rootfs.tar", IMAGE)
procs["service"] = subprocess.Popen(["podman", *G, "system", "service", "--time=0", f"unix://{SOCK}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.time() + 20
while not os.path.exists(SOCK):
    if time.time() > deadline:
        fail(f"podman system service did not create {SOCK}")
    time.sleep(0.1)

# --- falco, live
rules = os.path.join(T, "rules.yaml")
with open(rules, "w") as f:
    f.write("""
- rule: Shadow read
  desc: a process reads /etc/shadow
  condition: evt.type in (open, openat, openat2) and evt.is_open_read = true and fd.name = /etc/shadow
  output: shadow read by %proc.name pid=%proc.pid cid=%container.id cname=%container.name crepo=%container.image.repository
  priority: WARNING
""")
cfg = os.path.join(T, "falco.yaml")
init = json.dumps({"engines": {"podman": {"enabled": True, "sockets": [SOCK]},
                               "docker": {"enabled": False}}})
with open(cfg, "w") as f:
    f.write(f"""json_output: true
json_include_output_property: true
stdout_output:
  enabled: true
syslog_output:
  enabled: false
append_output:
  - suggested_output: true
# our "Shadow read" and upstream's "Read sensitive file untrusted" match the
# same open: with `first` only the earlier-loaded rule would alert
rule_matching: all
plugins:
  - name: container
    library_path: {PLUGIN}
    init_config: '{init}'
load_plugins: [container]
""")
# Upstream's rules with the plugin: the stable file when `falco -V` accepts it
# (it needs fd.*ip.name), else the incubating one; each has a rule that a real
# action inside the container must fire (the rule's name, priority and the
# container's fields are checked).
SHARED = os.environ.get("SHARED_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared"))
UPSTREAM = None  # (rules file, rule, priority, podman exec argv)
for fname, rule, prio, act in (
        ("falco_rules.yaml", "Read sensitive file untrusted", "Warning", ["cat", "/etc/shadow"]),
        ("falco-incubating_rules.yaml", "Launch Suspicious Network Tool in Container", "Notice", ["nc", "--help"])):
    path = os.path.join(SHARED, "rules", "upstream", fname)
    v = subprocess.run([FALCO, "--plugin", PLUGIN, "-V", path], capture_output=True, text=True, timeout=120)
    if v.returncode == 0 and f"{path}: Ok" in v.stdout:
        UPSTREAM = (path, rule, prio, act)
        break
    print(f"note: {fname} does not validate with this falco: {(v.stdout + v.stderr).strip()[-300:]}")
if UPSTREAM is None:
    fail("neither upstream syscall ruleset validates with the container plugin")
env = dict(os.environ)
# Known, not ours to fix here (NOTES.md 03:47, [sources]): under ASan a live run
# with table-using plugins sometimes reports core/state thread strings as
# leaked at exit. Leak checking is off for this falco process only.
env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
# priority and larger rings against a loaded machine (livefalco.py)
procs["falco"] = subprocess.Popen([*PRIORITY, FALCO, "-c", cfg, "-r", rules, "-r", UPSTREAM[0], "-o",
                                   "engine.kind=modern_ebpf", *BUFFERS], stdout=falco_out, stderr=falco_err, env=env)
# act only once its event loop runs (the driver attached)
if not wait_running(procs["falco"], falco_err) and procs["falco"].poll() is None:
    fail("falco never said 'Running N event source(s)'")
if procs["falco"].poll() is not None:
    falco_err.seek(0)
    msg = falco_err.read()
    if "BTF" in msg or "no live driver" in msg or "not built" in msg:
        print("skipped:", msg.strip()[-300:])
        cleanup()
        sys.exit(77)
    fail(f"falco exited early ({procs['falco'].returncode})")

# --- the container, started while falco runs
podman("--runtime", "runc", "run", "-d", "--name", NAME, "--network", "none",
       "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
       IMAGE, "sh", "-c", "while :; do sleep 1; done")
FULL = podman("inspect", "--format", "{{.Id}}", NAME)
IMG = podman("inspect", "--format", "{{.ImageName}}", NAME)
SHORT = FULL[:12]
REPO, TAG = IMG.rsplit(":", 1)
if len(FULL) != 64 or not IMG.startswith("localhost/falco-e2e-busybox:"):
    fail(f"podman inspect: id {FULL!r} image {IMG!r}")

# Act inside until the alert carries the name (bounded: metadata is async).
ctr_alert = up_alert = None
deadline = time.time() + 90
while time.time() < deadline and (ctr_alert is None or up_alert is None):
    podman("exec", NAME, "cat", "/etc/shadow", check=False)
    if UPSTREAM[3][0] != "cat":
        podman("exec", NAME, *UPSTREAM[3], check=False)
    time.sleep(0.5)
    for a in alerts():
        of = a.get("output_fields", {})
        if of.get("container.id") == SHORT and of.get("container.name") == NAME:
            if a.get("rule") == "Shadow read":
                ctr_alert = a
            elif a.get("rule") == UPSTREAM[1]:
                up_alert = a
if ctr_alert is None:
    fail(f"no 'Shadow read' alert with container.id {SHORT} and container.name {NAME}")
if up_alert is None:
    fail(f"no upstream {UPSTREAM[1]!r} alert ({os.path.basename(UPSTREAM[0])}) with container.id {SHORT} "
         f"and container.name {NAME}")

# --- a host process, out of every non-root cgroup first; repeated (bounded)
# since a busy machine can make the driver drop the events of one run.
HOST_CMD = ["sh", "-c", "for f in /sys/fs/cgroup/*/cgroup.procs; do echo $$ > $f 2>/dev/null; done;"
            " exec cat /proc/self/cgroup /etc/shadow"]
host_alert = None
host_pids = set()
deadline = time.time() + 60
while time.time() < deadline and host_alert is None:
    host = subprocess.Popen(HOST_CMD, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    host_pids.add(host.pid)  # sh execs cat: the same pid
    hout, herr = host.communicate(timeout=30)
    cg = [line for line in hout.splitlines() if line[:1].isdigit() and line.count(":") >= 2]
    if host.returncode != 0 or not cg or any(not line.endswith(":/") for line in cg):
        fail(f"could not move the host process to the root cgroups: {cg} {herr}")
    time.sleep(0.5)
    for a in alerts():
        of = a.get("output_fields", {})
        if a.get("rule") == "Shadow read" and of.get("proc.pid") in host_pids:
            host_alert = a
if host_alert is None:
    fail(f"no 'Shadow read' alert from the host cat (pids {sorted(host_pids)})")

stop("falco")
failures = []


def expect(what, got, want):
    if got != want:
        failures.append(f"{what} = {got!r}, want {want!r}")


of = ctr_alert["output_fields"]
expect("container alert proc.name", of.get("proc.name"), "cat")
expect("container alert container.image.repository", of.get("container.image.repository"), REPO)
expect("container alert source", ctr_alert.get("source"), "syscall")
expect("container alert priority", ctr_alert.get("priority"), "Warning")
# upstream's suggested fields (addOutput in its plugin's field table)
suggested = ["container.id", "container.name", "container.image.repository", "container.image.tag",
             "k8s.pod.name", "k8s.ns.name"]
missing = [k for k in suggested if k not in of]
if missing:
    failures.append(f"suggested fields missing from output_fields: {missing} (have {sorted(of)})")
expect("container alert container.image.tag", of.get("container.image.tag"), TAG)
out = ctr_alert.get("output", "")
for piece in (f"cid={SHORT}", f"cname={NAME}", f"crepo={REPO}", f"container_id={SHORT}",
              f"container_name={NAME}", f"container_image_repository={REPO}", f"container_image_tag={TAG}"):
    if piece not in out:
        failures.append(f"output lacks {piece!r}: {out!r}")
uf = up_alert["output_fields"]
expect("upstream alert priority", up_alert.get("priority"), UPSTREAM[2])
expect("upstream alert proc.name", uf.get("proc.name"), UPSTREAM[3][0])
expect("upstream alert container.image.repository", uf.get("container.image.repository"), REPO)
hf = host_alert["output_fields"]
expect("host alert container.id", hf.get("container.id"), "host")
expect("host alert container.name", hf.get("container.name"), "host")
expect("host alert proc.name", hf.get("proc.name"), "cat")
if "cid=host cname=host" not in host_alert.get("output", ""):
    failures.append(f"host output: {host_alert.get('output')!r}")

cleanup()
for f in failures:
    print("FAIL:", f)
ver = subprocess.run(["podman", "--version"], capture_output=True, text=True).stdout.split()[-1]
rv = subprocess.run(["runc", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
print(f"{'ok' if not failures else 'FAILED'}: falco live + container plugin, podman {ver} {rv}: "
      f"{NAME} ({SHORT}) image {IMG}; upstream {UPSTREAM[1]!r} from {os.path.basename(UPSTREAM[0])}; "
      f"host alert container.id host ({len(failures)} failures)")
sys.exit(1 if failures else 0)
