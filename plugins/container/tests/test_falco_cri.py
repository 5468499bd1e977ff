#!/usr/bin/env python3
"""`falco` live with the container plugin against a real CRI runtime.

A private containerd 1.6 (Debian's, with its CRI plugin; cri_harness.py) runs
on a temporary socket with runc, the native snapshotter and a busybox image
built here. Driven through the CRI as a kubelet would (RunPodSandbox with a
kubelet-style cgroup parent /kubepods/besteffort/pod<uid> and the host
network, CreateContainer with labels and a read-only bind mount,
StartContainer), a container reads /etc/shadow every second while falco runs
with the eBPF driver and libcontainer.so, its init config
`engines.cri.sockets: [<the test socket>]`, podman off, docker on (the
cgroupfs kubepods path has docker's layout: the plugin asks docker's socket,
absent here, then falls back to the CRI sockets).

The alert's fields must equal what the CRI itself answers, queried by this
test (ContainerStatus / PodSandboxStatus): container.id (first 12 of the
status id), container.name (metadata.name), container.image.repository and
.tag (image.image split at the last ':'), container.type "containerd"
(Version's runtime_name), k8s.pod.name / k8s.ns.name / k8s.pod.uid (the
sandbox's metadata), k8s.pod.sandbox_id (first 12 of the sandbox id),
container.label[tier] (status labels), k8s.pod.label[app] (sandbox labels),
container.mount.source[/hostdir] (status mounts' host_path).
The run is recorded (--record) and replayed (-e) with the CRI socket gone:
the replay's alert must carry the same values (from the recorded container
events).
Skipped (77) without root or BTF; a missing containerd/ctr/runc/busybox or
Python grpc is a failure (scripts/install-deps installs them).

Usage: test_falco_cri.py FALCO LIBCONTAINER.so
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

try:
    import grpc  # noqa: F401  Debian's python3-grpcio lives in /usr/bin/python3's path
except ImportError:
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    print("FAIL: python3-grpcio missing (scripts/install-deps)")
    sys.exit(1)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cri_harness  # noqa: E402
from livefalco import BUFFERS, PRIORITY, drop_note, json_alerts, require, wait_running  # noqa: E402

FALCO, PLUGIN = (os.path.abspath(a) for a in sys.argv[1:3])
require(("containerd", "ctr", "runc", "containerd-shim-runc-v2"))

T = tempfile.mkdtemp(prefix="falco-cri-e2e.")
pb2, pb2_grpc = cri_harness.load_stubs(T)
TAG = f"t{os.getpid()}"
IMAGE = f"localhost/falco-cri-busybox:{TAG}"
POD_UID = f"falco-e2e-uid-{os.getpid()}"
CGROUP_PARENT = f"/kubepods/besteffort/pod{POD_UID}"
runtime = cri_harness.Containerd(T, IMAGE)
falco = None
falco_out = open(os.path.join(T, "falco.out"), "a+", errors="replace")
falco_err = open(os.path.join(T, "falco.err"), "a+", errors="replace")
created = {"containers": [], "sandboxes": []}


def stop_falco():
    global falco
    if falco is not None and falco.poll() is None:
        falco.send_signal(signal.SIGINT)
        try:
            falco.wait(30)
        except subprocess.TimeoutExpired:
            falco.kill()
            falco.wait()
    falco = None


def remove_pod():
    """Stops and removes what the test made, through the CRI (once)."""
    if getattr(runtime, "channel", None) is not None:
        for cid in created["containers"]:
            for call, req in ((runtime.cri.StopContainer, pb2.StopContainerRequest(container_id=cid, timeout=1)),
                              (runtime.cri.RemoveContainer, pb2.RemoveContainerRequest(container_id=cid))):
                try:
                    call(req, timeout=30)
                except grpc.RpcError:
                    pass
        for sid in created["sandboxes"]:
            for call, req in ((runtime.cri.StopPodSandbox, pb2.StopPodSandboxRequest(pod_sandbox_id=sid)),
                              (runtime.cri.RemovePodSandbox, pb2.RemovePodSandboxRequest(pod_sandbox_id=sid))):
                try:
                    call(req, timeout=30)
                except grpc.RpcError:
                    pass
    created["containers"].clear()
    created["sandboxes"].clear()


def cleanup():
    stop_falco()
    remove_pod()
    runtime.stop()
    cri_harness.kill_shims(T)
    # what a failed run may leave in the pod's cgroups, and the cgroups
    cri_harness.remove_cgroup_tree(CGROUP_PARENT)
    cri_harness.unmount_under(T)
    shutil.rmtree(T, ignore_errors=True)


def fail(msg):
    stop_falco()
    falco_err.seek(0)
    falco_out.seek(0)
    print("FAIL:", msg)
    print("FAIL:", drop_note(falco_err.read()))
    falco_err.seek(0)
    print("falco stderr:", falco_err.read()[-2000:])
    print("falco stdout:", falco_out.read()[-3000:])
    print("containerd log:", runtime.log_tail(1500))
    cleanup()
    sys.exit(1)


def alerts():
    return json_alerts(falco_out)


# --- containerd with the image
image_tar, image_id = cri_harness.oci_image(T, IMAGE)
try:
    runtime.start(pb2, pb2_grpc)
except RuntimeError as e:
    fail(str(e))
r = runtime.ctr("images", "import", "--snapshotter", "native", image_tar)
if r.returncode != 0:
    fail(f"ctr images import: {r.stderr.strip()}")

# --- falco, live
rules = os.path.join(T, "rules.yaml")
with open(rules, "w") as f:
    f.write("""
- rule: Shadow read
  desc: a process reads /etc/shadow
  condition: evt.type in (open, openat, openat2) and evt.is_open_read = true and fd.name = /etc/shadow
  output: >
    shadow read by %proc.name cid=%container.id cname=%container.name ctype=%container.type
    pod=%k8s.pod.name ns=%k8s.ns.name uid=%k8s.pod.uid sandbox=%k8s.pod.sandbox_id
    tier=%container.label[tier] app=%k8s.pod.label[app] hostdir=%container.mount.source[/hostdir]
    imageid=%container.image.id
  priority: WARNING
""")
cfg = os.path.join(T, "falco.yaml")
init = json.dumps({"engines": {"cri": {"enabled": True, "sockets": [runtime.sock]},
                               "containerd": {"enabled": False}, "podman": {"enabled": False},
                               "docker": {"enabled": True, "sockets": [os.path.join(T, "no-docker.sock")]}}})
with open(cfg, "w") as f:
    f.write(f"""json_output: true
json_include_output_property: true
stdout_output:
  enabled: true
syslog_output:
  enabled: false
append_output:
  - suggested_output: true
plugins:
  - name: container
    library_path: {PLUGIN}
    init_config: '{init}'
load_plugins: [container]
""")
env = dict(os.environ)
# as test_falco_podman.py: leak checking off for this falco process only
env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
RECORDING = os.path.join(T, "run.scap")
# priority and larger rings against a loaded machine (livefalco.py)
falco = subprocess.Popen([*PRIORITY, FALCO, "-c", cfg, "-r", rules, "-o", "engine.kind=modern_ebpf", *BUFFERS,
                          "--record", RECORDING], stdout=falco_out, stderr=falco_err, env=env)
# act only once its event loop runs (the driver attached)
if not wait_running(falco, falco_err) and falco.poll() is None:
    fail("falco never said 'Running N event source(s)'")
if falco.poll() is not None:
    falco_err.seek(0)
    msg = falco_err.read()
    if "BTF" in msg or "no live driver" in msg or "not built" in msg:
        print("skipped:", msg.strip()[-300:])
        cleanup()
        sys.exit(77)
    fail(f"falco exited early ({falco.returncode})")

# --- the pod and its container, as a kubelet asks for them
host_ns = pb2.NamespaceOption(network=pb2.NODE)
os.makedirs(os.path.join(T, "vol"))
sandbox_config = pb2.PodSandboxConfig(
    metadata=pb2.PodSandboxMetadata(name=f"falco-e2e-pod-{os.getpid()}", uid=POD_UID, namespace="falco-e2e-ns"),
    log_directory=os.path.join(T, "logs"), labels={"app": "falco-e2e"},
    linux=pb2.LinuxPodSandboxConfig(cgroup_parent=CGROUP_PARENT,
                                    security_context=pb2.LinuxSandboxSecurityContext(namespace_options=host_ns)))
try:
    sid = runtime.cri.RunPodSandbox(pb2.RunPodSandboxRequest(config=sandbox_config), timeout=60).pod_sandbox_id
    created["sandboxes"].append(sid)
    # a kubelet names the image by its id, as ImageStatus/PullImage gave it
    cconfig = pb2.ContainerConfig(
        metadata=pb2.ContainerMetadata(name="falco-e2e-ctr"), image=pb2.ImageSpec(image=image_id),
        command=["/bin/sh", "-c", "while :; do cat /etc/shadow >/dev/null; sleep 1; done"],
        labels={"tier": "backend"}, log_path="ctr.log",
        mounts=[pb2.Mount(container_path="/hostdir", host_path=os.path.join(T, "vol"), readonly=True)],
        linux=pb2.LinuxContainerConfig(
            security_context=pb2.LinuxContainerSecurityContext(namespace_options=host_ns)))
    cid = runtime.cri.CreateContainer(pb2.CreateContainerRequest(pod_sandbox_id=sid, config=cconfig,
                                                                 sandbox_config=sandbox_config),
                                      timeout=60).container_id
    created["containers"].append(cid)
    runtime.cri.StartContainer(pb2.StartContainerRequest(container_id=cid), timeout=60)
    # the expected values: the CRI's own answers
    cst = runtime.cri.ContainerStatus(pb2.ContainerStatusRequest(container_id=cid), timeout=10).status
    pst = runtime.cri.PodSandboxStatus(pb2.PodSandboxStatusRequest(pod_sandbox_id=sid), timeout=10).status
except grpc.RpcError as e:
    fail(f"CRI: {e.code()}: {e.details()}")
REPO, _, ITAG = cst.image.image.rpartition(":")
want = {
    "container.id": cst.id[:12],
    "container.name": cst.metadata.name,
    "container.image.repository": REPO,
    "container.image.tag": ITAG,
    "container.image.id": cst.image_ref.removeprefix("sha256:"),
    "container.type": runtime.version.runtime_name,  # "containerd"
    "k8s.pod.name": pst.metadata.name,
    "k8s.ns.name": pst.metadata.namespace,
    "k8s.pod.uid": pst.metadata.uid,
    "k8s.pod.sandbox_id": pst.id[:12],
    "container.label[tier]": cst.labels["tier"],
    "k8s.pod.label[app]": pst.labels["app"],
    "container.mount.source[/hostdir]": [m.host_path for m in cst.mounts if m.container_path == "/hostdir"][0],
}
if len(cst.id) != 64 or cst.state != pb2.CONTAINER_RUNNING or not REPO:
    fail(f"CRI ContainerStatus: {cst}")

# The container reads /etc/shadow every second: wait (bounded: metadata is
# looked up asynchronously) for an alert that carries the pod's name.
alert = None
deadline = time.time() + 90
while time.time() < deadline and alert is None:
    time.sleep(0.5)
    for a in alerts():
        of = a.get("output_fields", {})
        if of.get("container.id") == want["container.id"] and of.get("k8s.pod.name") == want["k8s.pod.name"] \
                and of.get("container.name") == want["container.name"]:
            alert = a
            break
if alert is None:
    seen = [a.get("output_fields", {}) for a in alerts()][-3:]
    fail(f"no 'Shadow read' alert with container.id {want['container.id']}, container.name "
         f"{want['container.name']} and k8s.pod.name {want['k8s.pod.name']} (last alerts: {seen})")
stop_falco()

failures = []
of = alert["output_fields"]
for k, v in want.items():
    if of.get(k) != v:
        failures.append(f"{k} = {of.get(k)!r}, the CRI says {v!r}")
if of.get("proc.name") != "cat":
    failures.append(f"proc.name = {of.get('proc.name')!r}")
out = alert.get("output", "")
for piece in (f"cid={want['container.id']}", f"pod={want['k8s.pod.name']}", f"ns={want['k8s.ns.name']}",
              f"k8s_pod_name={want['k8s.pod.name']}", f"k8s_ns_name={want['k8s.ns.name']}"):
    if piece not in out:
        failures.append(f"output lacks {piece!r}: {out!r}")

# --- the recording replayed with no runtime to ask (the CRI socket given is
# absent): the metadata must come from the container events it carries
containerd_version = runtime.version
remove_pod()
runtime.stop()
replay_cfg = os.path.join(T, "falco-replay.yaml")
with open(cfg) as f:
    text = f.read()
with open(replay_cfg, "w") as f:
    f.write(text.replace(runtime.sock, os.path.join(T, "gone.sock")))
rp = subprocess.run([FALCO, "-c", replay_cfg, "-r", rules, "-e", RECORDING], capture_output=True, text=True,
                    timeout=240, env=env)
replayed = None
for line in rp.stdout.splitlines():
    if line.startswith("{"):
        try:
            a = json.loads(line)
        except ValueError:
            continue
        of2 = a.get("output_fields", {})
        if of2.get("container.id") == want["container.id"] and of2.get("k8s.pod.name") == want["k8s.pod.name"]:
            replayed = of2
            break
if rp.returncode != 0 or replayed is None:
    failures.append(f"replay of the recording (exit {rp.returncode}): no alert with the pod's name; "
                    f"stderr {rp.stderr.strip()[-500:]!r}")
else:
    for k, v in want.items():
        if replayed.get(k) != v:
            failures.append(f"replay: {k} = {replayed.get(k)!r}, the CRI says {v!r}")
cleanup()
for f in failures:
    print("FAIL:", f)
print(f"{'ok' if not failures else 'FAILED'}: falco live (and its recording replayed) + container plugin over "
      f"CRI, containerd {containerd_version.runtime_version} (CRI {containerd_version.runtime_api_version}) with runc: "
      f"{want['container.name']} ({want['container.id']}) in pod {want['k8s.ns.name']}/{want['k8s.pod.name']}, "
      f"image {cst.image.image} ({len(failures)} failures)")
sys.exit(1 if failures else 0)
