#!/usr/bin/env python3
"""The CRI client (cri.c, through tests/cri_lookup.c) against a real CRI.

A private containerd 1.6 with its CRI plugin (cri_harness.py) runs a pod and
a container made through the CRI as a kubelet makes them. Then cri_lookup
asks the test socket, and what it maps must equal the CRI's own answers to
this test's ContainerStatus / PodSandboxStatus / Version calls:
  - by the 12-digit id cgroups give, and by the full id: id, full_id, name,
    image and its repository/tag split, image id and digest (image_ref),
    type (Version's runtime_name), created time, labels plus the pod's
    io.kubernetes.pod.* (sandbox metadata), host network, the mount; and the
    pod's sandbox entry (id, labels);
  - by the sandbox's id: the sandbox itself (is_pod_sandbox, pod name);
  - an unknown id: -ENOENT; a path that is no socket: -ENOENT at once;
  - a socket that accepts and never answers: -ETIMEDOUT within the deadline
    (the lookup thread never waits longer than lookup_timeout_ms).
Needs root (skip 77 otherwise); missing containerd/ctr/runc/busybox/grpc fail.

Usage: test_cri_live.py CRI_LOOKUP
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

try:
    import grpc
except ImportError:
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    print("FAIL: python3-grpcio missing (scripts/install-deps)")
    sys.exit(1)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cri_harness  # noqa: E402
from livefalco import require  # noqa: E402

LOOKUP = os.path.abspath(sys.argv[1])
require(("containerd", "ctr", "runc", "containerd-shim-runc-v2"), btf=False)

T = tempfile.mkdtemp(prefix="falco-cri-live.")
pb2, pb2_grpc = cri_harness.load_stubs(T)
IMAGE = f"localhost/falco-cri-busybox:l{os.getpid()}"
POD_UID = f"falco-live-uid-{os.getpid()}"
CGROUP_PARENT = f"/kubepods/besteffort/pod{POD_UID}"
runtime = cri_harness.Containerd(T, IMAGE)
created = {"containers": [], "sandboxes": []}
failures = []


def cleanup():
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
    runtime.stop()
    cri_harness.kill_shims(T)
    cri_harness.remove_cgroup_tree(CGROUP_PARENT)
    cri_harness.unmount_under(T)
    shutil.rmtree(T, ignore_errors=True)


def fail(msg):
    print("FAIL:", msg)
    print("containerd log:", runtime.log_tail(1500))
    cleanup()
    sys.exit(1)


def lookup(sock, cid, timeout_ms=5000):
    p = subprocess.run([LOOKUP, sock, cid, str(timeout_ms)], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        fail(f"cri_lookup {cid}: exit {p.returncode}: {p.stderr.strip()}")
    return dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)


def expect(what, got, want):
    if got != want:
        failures.append(f"{what} = {got!r}, want {want!r}")


# --- containerd, a pod, a container
image_tar, image_id = cri_harness.oci_image(T, IMAGE)
try:
    runtime.start(pb2, pb2_grpc)
except RuntimeError as e:
    fail(str(e))
r = runtime.ctr("images", "import", "--snapshotter", "native", image_tar)
if r.returncode != 0:
    fail(f"ctr images import: {r.stderr.strip()}")
host_ns = pb2.NamespaceOption(network=pb2.NODE)
os.makedirs(os.path.join(T, "vol"))
sandbox_config = pb2.PodSandboxConfig(
    metadata=pb2.PodSandboxMetadata(name=f"live-pod-{os.getpid()}", uid=POD_UID, namespace="live-ns"),
    log_directory=os.path.join(T, "logs"), labels={"app": "live", "io.kubernetes.pod.name": "live-label"},
    linux=pb2.LinuxPodSandboxConfig(cgroup_parent=CGROUP_PARENT,
                                    security_context=pb2.LinuxSandboxSecurityContext(namespace_options=host_ns)))
try:
    sid = runtime.cri.RunPodSandbox(pb2.RunPodSandboxRequest(config=sandbox_config), timeout=60).pod_sandbox_id
    created["sandboxes"].append(sid)
    cconfig = pb2.ContainerConfig(
        metadata=pb2.ContainerMetadata(name="live-ctr"), image=pb2.ImageSpec(image=image_id),
        command=["/bin/sh", "-c", "while :; do sleep 1; done"], labels={"tier": "db"}, log_path="ctr.log",
        mounts=[pb2.Mount(container_path="/hostdir", host_path=os.path.join(T, "vol"), readonly=True)],
        linux=pb2.LinuxContainerConfig(
            security_context=pb2.LinuxContainerSecurityContext(namespace_options=host_ns)))
    cid = runtime.cri.CreateContainer(pb2.CreateContainerRequest(pod_sandbox_id=sid, config=cconfig,
                                                                 sandbox_config=sandbox_config),
                                      timeout=60).container_id
    created["containers"].append(cid)
    runtime.cri.StartContainer(pb2.StartContainerRequest(container_id=cid), timeout=60)
    cst = runtime.cri.ContainerStatus(pb2.ContainerStatusRequest(container_id=cid), timeout=10).status
    pst = runtime.cri.PodSandboxStatus(pb2.PodSandboxStatusRequest(pod_sandbox_id=sid), timeout=10).status
except grpc.RpcError as e:
    fail(f"CRI: {e.code()}: {e.details()}")

# --- the container, by the short id and by the full id
repo, _, tag = cst.image.image.rpartition(":")
for key in (cid[:12], cid):
    got = lookup(runtime.sock, key)
    w = f"lookup {key[:16]}"
    expect(f"{w} rc", got.get("rc"), "0")
    if got.get("rc") != "0":
        failures.append(f"{w}: {got.get('err')}")
        continue
    expect(f"{w} id", got.get("c.id"), cst.id[:12])
    expect(f"{w} full_id", got.get("c.full_id"), cst.id)
    expect(f"{w} name", got.get("c.name"), cst.metadata.name)
    expect(f"{w} image", got.get("c.image"), cst.image.image)
    expect(f"{w} imagerepo", got.get("c.imagerepo"), repo)
    expect(f"{w} imagetag", got.get("c.imagetag"), tag)
    # image_ref is the bare id here (an imported image has no repo digest)
    expect(f"{w} imagedigest", got.get("c.imagedigest"), cst.image_ref)
    expect(f"{w} imageid", got.get("c.imageid"), cst.image_ref.removeprefix("sha256:"))
    expect(f"{w} type", got.get("c.type"), runtime.version.runtime_name)
    expect(f"{w} created_time", got.get("c.created_time"), str(cst.created_at // 1000000000))
    expect(f"{w} label tier", got.get("c.label.tier"), cst.labels["tier"])
    expect(f"{w} pod name", got.get("c.label.io.kubernetes.pod.name"), pst.metadata.name)
    expect(f"{w} pod namespace", got.get("c.label.io.kubernetes.pod.namespace"), pst.metadata.namespace)
    expect(f"{w} pod uid", got.get("c.label.io.kubernetes.pod.uid"), pst.metadata.uid)
    expect(f"{w} sandbox label", got.get("c.label.io.kubernetes.sandbox.id"), pst.id)
    expect(f"{w} pod_sandbox_id", got.get("c.pod_sandbox_id"), pst.id)
    expect(f"{w} host_network", got.get("c.host_network"),
           "1" if pst.linux.namespaces.options.network == pb2.NODE else "0")
    m = cst.mounts[0]
    expect(f"{w} mount", got.get("c.mount.0"),
           f"{m.host_path}:{m.container_path}:{'ro' if m.readonly else 'rw'}:"
           f"{['private', 'rslave', 'rshared'][m.propagation]}")
    expect(f"{w} sandbox entry id", got.get("sandbox.id"), pst.id[:12])
    expect(f"{w} sandbox entry is_pod_sandbox", got.get("sandbox.is_pod_sandbox"), "1")
    expect(f"{w} sandbox entry label app", got.get("sandbox.label.app"), pst.labels["app"])
    # the runtime's own pod label, not replaced by the metadata's name
    expect(f"{w} sandbox entry pod label", got.get("sandbox.label.io.kubernetes.pod.name"),
           pst.labels["io.kubernetes.pod.name"])
    print(f"lookup {key[:16]}: {got.get('ms')} ms")

# --- the sandbox (its pause process has its own cgroup and id)
got = lookup(runtime.sock, sid[:12])
expect("sandbox lookup rc", got.get("rc"), "0")
expect("sandbox lookup id", got.get("c.id"), pst.id[:12])
expect("sandbox lookup is_pod_sandbox", got.get("c.is_pod_sandbox"), "1")
expect("sandbox lookup name", got.get("c.name"), pst.metadata.name)
expect("sandbox lookup namespace label", got.get("c.label.io.kubernetes.pod.namespace"), pst.metadata.namespace)
expect("sandbox lookup has no sandbox entry", got.get("sandbox.id"), None)

# --- an id nobody has, no socket, a socket that never answers
got = lookup(runtime.sock, "0123456789ab")
expect("unknown id rc", got.get("rc"), "-2")
got = lookup(os.path.join(T, "vol"), cid[:12])
expect("not a socket rc", got.get("rc"), "-2")
mute = os.path.join(T, "mute.sock")
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(mute)
srv.listen(8)
held = []
stop = threading.Event()


def accept_and_hold():
    srv.settimeout(0.2)
    while not stop.is_set():
        try:
            held.append(srv.accept()[0])  # never read, never answered
        except socket.timeout:
            pass


th = threading.Thread(target=accept_and_hold)
th.start()
got = lookup(mute, cid[:12], timeout_ms=700)
stop.set()
th.join()
for s in held:
    s.close()
srv.close()
expect("mute socket rc", got.get("rc"), "-110")
if int(got.get("ms", "99999")) > 700 + 800:
    failures.append(f"mute socket: the lookup took {got.get('ms')} ms for a 700 ms deadline")
print(f"mute socket: rc {got.get('rc')} after {got.get('ms')} ms ({got.get('err')})")

cleanup()
for f in failures:
    print("FAIL:", f)
print(f"{'ok' if not failures else 'FAILED'}: CRI client against containerd {runtime.version.runtime_version} "
      f"(CRI {runtime.version.runtime_api_version}): container {cid[:12]} pod {pst.metadata.namespace}/"
      f"{pst.metadata.name} ({len(failures)} failures)")
sys.exit(1 if failures else 0)
