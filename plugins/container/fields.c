/*
 * The field list, with our own descriptions.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fields.h"

enum { ARG_NONE, ARG_KEY, ARG_BOTH };

struct fdef {
	const char *name, *type, *display, *desc;
	int arg;
	bool out;
};

#define MNT "; by index (N) or by a mount path, which may be a glob"
static const struct fdef defs[F_COUNT] = {
	{"container.id", "string", "Container ID", "The container id, first 12 characters (from the cgroup path); 'host' for processes not in a container", ARG_NONE, true},
	{"container.full_id", "string", "Container ID", "The full container id, from the runtime", ARG_NONE, false},
	{"container.name", "string", "Container Name", "The container name from the runtime; 'host' for host processes", ARG_NONE, true},
	{"container.image", "string", "Image Name", "The image reference the container runs (e.g. busybox:latest)", ARG_NONE, false},
	{"container.image.id", "string", "Image ID", "The image id", ARG_NONE, false},
	{"container.type", "string", "Type", "The container runtime: docker, podman, cri, cri-o, containerd, ...", ARG_NONE, false},
	{"container.privileged", "bool", "Privileged", "true when the container runs privileged", ARG_NONE, false},
	{"container.mounts", "string", "Mounts", "The mounts, comma-separated, each as source:dest:mode:rdwr:propagation", ARG_NONE, false},
	{"container.mount", "string", "Mount", "One mount as source:dest:mode:rdwr:propagation" MNT " (source)", ARG_BOTH, false},
	{"container.mount.source", "string", "Mount Source", "A mount's source" MNT " (destination)", ARG_BOTH, false},
	{"container.mount.dest", "string", "Mount Destination", "A mount's destination" MNT " (source)", ARG_BOTH, false},
	{"container.mount.mode", "string", "Mount Mode", "A mount's mode" MNT " (source)", ARG_BOTH, false},
	{"container.mount.rdwr", "string", "Mount Read/Write", "Whether a mount is writable" MNT " (source)", ARG_BOTH, false},
	{"container.mount.propagation", "string", "Mount Propagation", "A mount's propagation" MNT " (source)", ARG_BOTH, false},
	{"container.image.repository", "string", "Repository", "The image repository (e.g. docker.io/library/busybox)", ARG_NONE, true},
	{"container.image.tag", "string", "Image Tag", "The image tag (e.g. latest)", ARG_NONE, true},
	{"container.image.digest", "string", "Registry Digest", "The image's registry digest", ARG_NONE, false},
	{"container.healthcheck", "string", "[Deprecated] Health Check", "Deprecated; never has a value", ARG_NONE, false},
	{"container.liveness_probe", "string", "[Deprecated] Liveness", "Deprecated; never has a value", ARG_NONE, false},
	{"container.readiness_probe", "string", "[Deprecated] Readiness", "Deprecated; never has a value", ARG_NONE, false},
	{"container.start_ts", "abstime", "Container Start", "When the container's pid namespace init process started (proc.pidns_init_start_ts)", ARG_NONE, false},
	{"container.duration", "reltime", "Container Duration", "Nanoseconds since container.start_ts", ARG_NONE, false},
	{"container.ip", "string", "Container ip address", "The container's IP address", ARG_NONE, false},
	{"container.cni.json", "string", "Container's / pod's CNI result json", "The CNI result of the pod, when the runtime gives it", ARG_NONE, false},
	{"container.host_pid", "bool", "Host PID Namespace", "true when the container shares the host's pid namespace", ARG_NONE, false},
	{"container.host_network", "bool", "Host Network Namespace", "true when the container shares the host's network namespace", ARG_NONE, false},
	{"container.host_ipc", "bool", "Host IPC Namespace", "true when the container shares the host's ipc namespace", ARG_NONE, false},
	{"container.label", "string", "Container Label", "The value of one container label, by key", ARG_KEY, false},
	{"container.labels", "string", "Container Labels", "The container labels as 'key:value' items separated by ', '", ARG_NONE, false},
	{"proc.is_container_healthcheck", "bool", "[Deprecated] In Health Check", "Deprecated; always false", ARG_NONE, false},
	{"proc.is_container_liveness_probe", "bool", "[Deprecated] In Liveness Probe", "Deprecated; always false", ARG_NONE, false},
	{"proc.is_container_readiness_probe", "bool", "[Deprecated] In Readiness Probe", "Deprecated; always false", ARG_NONE, false},
	{"k8s.pod.name", "string", "Pod Name", "The Kubernetes pod name (container label io.kubernetes.pod.name)", ARG_NONE, true},
	{"k8s.ns.name", "string", "Namespace Name", "The Kubernetes namespace (container label io.kubernetes.pod.namespace)", ARG_NONE, true},
	{"k8s.pod.id", "string", "Legacy Pod UID", "Same as k8s.pod.uid", ARG_NONE, false},
	{"k8s.pod.uid", "string", "Pod UID", "The Kubernetes pod UID (container label io.kubernetes.pod.uid)", ARG_NONE, false},
	{"k8s.pod.sandbox_id", "string", "Pod / Sandbox ID", "The pod sandbox id, first 12 characters", ARG_NONE, false},
	{"k8s.pod.full_sandbox_id", "string", "Pod / Sandbox ID", "The full pod sandbox id", ARG_NONE, false},
	{"k8s.pod.label", "string", "Pod Label", "The value of one pod label, by key", ARG_KEY, false},
	{"k8s.pod.labels", "string", "Pod Labels", "The pod labels as 'key:value' items separated by ', '", ARG_NONE, false},
	{"k8s.pod.ip", "string", "Pod Ip", "The pod's IP address", ARG_NONE, false},
	{"k8s.pod.cni.json", "string", "Pod CNI result json", "The pod's CNI result", ARG_NONE, false},
#define DEPR(n, d, a) {n, "string", "[Deprecated] " d, "Deprecated (use the k8smeta plugin); never has a value", a, false}
	DEPR("k8s.rc.name", "Replication Controller Name", ARG_NONE),
	DEPR("k8s.rc.id", "Replication Controller ID", ARG_NONE),
	DEPR("k8s.rc.label", "Replication Controller Label", ARG_KEY),
	DEPR("k8s.rc.labels", "Replication Controller Labels", ARG_NONE),
	DEPR("k8s.svc.name", "Service Name", ARG_NONE),
	DEPR("k8s.svc.id", "Service ID", ARG_NONE),
	DEPR("k8s.svc.label", "Service Label", ARG_KEY),
	DEPR("k8s.svc.labels", "Service Labels", ARG_NONE),
	DEPR("k8s.ns.id", "Namespace ID", ARG_NONE),
	DEPR("k8s.ns.label", "Namespace Label", ARG_KEY),
	DEPR("k8s.ns.labels", "Namespace Labels", ARG_NONE),
	DEPR("k8s.rs.name", "Replica Set Name", ARG_NONE),
	DEPR("k8s.rs.id", "Replica Set ID", ARG_NONE),
	DEPR("k8s.rs.label", "Replica Set Label", ARG_KEY),
	DEPR("k8s.rs.labels", "Replica Set Labels", ARG_NONE),
	DEPR("k8s.deployment.name", "Deployment Name", ARG_NONE),
	DEPR("k8s.deployment.id", "Deployment ID", ARG_NONE),
	DEPR("k8s.deployment.label", "Deployment Label", ARG_KEY),
	DEPR("k8s.deployment.labels", "Deployment Labels", ARG_NONE),
};

static char json[24576];

const char *ctr_fields_json(void)
{
	if (json[0])
		return json;
	size_t n = 0;
	n += (size_t)snprintf(json + n, sizeof(json) - n, "[");
	for (int i = 0; i < F_COUNT; i++) {
		const struct fdef *d = &defs[i];
		const char *arg = d->arg == ARG_KEY   ? ",\"arg\":{\"isRequired\":true,\"isKey\":true}"
		                  : d->arg == ARG_BOTH ? ",\"arg\":{\"isRequired\":true,\"isKey\":true,\"isIndex\":true}"
		                                       : "";
		n += (size_t)snprintf(json + n, sizeof(json) - n,
		                      "%s{\"type\":\"%s\",\"name\":\"%s\",\"display\":\"%s\",\"desc\":\"%s\"%s%s}",
		                      i ? "," : "", d->type, d->name, d->display, d->desc, arg,
		                      d->out ? ",\"addOutput\":true" : "");
	}
	snprintf(json + n, sizeof(json) - n, "]");
	return json;
}
