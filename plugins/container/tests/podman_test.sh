#!/bin/sh
# The container plugin against a real container: Debian's podman with runc,
# an image imported from a rootfs holding Debian's static busybox (no
# registry needed), podman's API served on a temporary unix socket. The
# expected values come from podman's own CLI (`podman inspect`), never from
# our plugin.
#
#   podman_test.sh CTR_LIVE PLUGIN.so
#
# Exit 77 (skip) when not root; any missing tool is a failure.
set -eu
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root to run containers"; exit 77; }
CTR_LIVE=$1
PLUGIN=$2
for t in podman runc; do
	command -v $t >/dev/null || { echo "FAIL: $t missing (scripts/install-deps)"; exit 1; }
done
[ -x /bin/busybox ] && /bin/busybox --list | grep -qx sh || { echo "FAIL: /bin/busybox (busybox-static) missing"; exit 1; }

T=$(mktemp -d /tmp/falco-ctr-test.XXXXXX)
NAME="falco-ctr-$$"
IMAGE="localhost/falco-ctr-busybox:t$$"
SOCK="$T/podman.sock"
# Private storage so the test neither sees nor disturbs other containers.
G="--root $T/storage --runroot $T/run --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --tmpdir $T/tmp"
SVC=""
cleanup() {
	[ -n "$SVC" ] && kill "$SVC" 2>/dev/null && wait "$SVC" 2>/dev/null
	podman $G rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
	# not `system reset`: it would also drop podman networks shared with others
	podman $G rmi -a -f >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

mkdir -p "$T/rootfs/bin" "$T/rootfs/etc" "$T/rootfs/tmp" "$T/tmp"
cp /bin/busybox "$T/rootfs/bin/busybox"
for a in sh cat sleep ls; do ln -s busybox "$T/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$T/rootfs/etc/passwd"
echo 'root:*:19000:0:99999:7:::' > "$T/rootfs/etc/shadow"
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
podman $G import "$T/rootfs.tar" "$IMAGE" >/dev/null

podman $G system service --time=0 "unix://$SOCK" >"$T/service.log" 2>&1 &
SVC=$!
i=0
while [ ! -S "$SOCK" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "FAIL: podman system service did not create $SOCK"; cat "$T/service.log"; exit 1; }
	sleep 0.1
done

# Act inside the container: read /etc/shadow, then keep a shell running.
podman $G --runtime runc run -d --name "$NAME" --network none \
	--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
	"$IMAGE" sh -c 'cat /etc/shadow >/dev/null; while :; do sleep 1; done' >/dev/null
CPID=$(podman $G inspect --format '{{.State.Pid}}' "$NAME")
# ... and spawn another shell in it, found through the container's cgroup
# (cgroup v1 pids controller: the host pids of every process inside).
podman $G exec -d "$NAME" sh -c 'while :; do sleep 1; done' >/dev/null
CG=$(sed -n 's/^[0-9]*:pids://p' /proc/$CPID/cgroup)
EPID=""
i=0
while [ -z "$EPID" ] && [ $i -lt 50 ]; do
	for pid in $(cat "/sys/fs/cgroup/pids$CG/cgroup.procs" 2>/dev/null); do
		[ "$pid" != "$CPID" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" = sh ] && EPID=$pid
	done
	i=$((i + 1)); [ -n "$EPID" ] || sleep 0.1
done
[ -n "$EPID" ] || { echo "FAIL: the exec'd shell is not in $CG"; exit 1; }
FULL=$(podman $G inspect --format '{{.Id}}' "$NAME")
IMG=$(podman $G inspect --format '{{.ImageName}}' "$NAME")
IMGID=$(podman $G inspect --format '{{.Image}}' "$NAME")
SHORT=$(echo "$FULL" | cut -c1-12)

# pid 1 stands for the host: every one of its cgroups is the root. (This
# machine's own sessions sit in a memory cgroup /process_api/<32 hex>, which
# upstream's containerd rule, and so ours, reads as a container id.)
fails=0
# libpod and docker APIs with a stand-in threads table; then libpod with
# core/state's threads (a /proc scan) through the host's tables bridge.
# The exec'd shell stands for the container in the last pass.
for api in libpod docker state; do
tables=fake; pid=$CPID
[ $api = state ] && tables=state && pid=$EPID
OUT=$(CTR_TABLES=$tables "$CTR_LIVE" "$PLUGIN" "$SOCK" "$pid" 1 $([ $api = docker ] && echo docker)) ||
	{ echo "FAIL: ctr_live ($api)"; exit 1; }
echo "--- $api"
echo "$OUT"
expect() {
	got=$(echo "$OUT" | sed -n "s/^$1=//p")
	if [ "$got" != "$2" ]; then echo "FAIL: $1 = '$got', podman says '$2'"; fails=$((fails + 1)); fi
}
expect thread.container_id "$SHORT"
expect host.thread.container_id ""
for pre in "" replay.; do
	expect ${pre}container.id "$SHORT"
	expect ${pre}container.full_id "$FULL"
	expect ${pre}container.name "$NAME"
	expect ${pre}container.image "$IMG"
	expect ${pre}container.image.repository "${IMG%:*}"
	expect ${pre}container.image.tag "${IMG##*:}"
	expect ${pre}container.image.id "$IMGID"
	expect ${pre}container.type podman
	expect ${pre}container.privileged false
done
expect host.container.id host
expect host.container.name host
expect dump_state.events 1
done
[ $fails -eq 0 ] || exit 1
echo "ok: podman $(podman --version | cut -d' ' -f3) runc $(runc --version | sed -n '1s/runc version //p'): $NAME ($SHORT) image $IMG"
