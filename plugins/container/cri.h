/*
 * CRI client: container metadata from a Kubernetes CRI runtime (containerd's
 * CRI plugin, cri-o) over gRPC on a unix socket, with the gRPC C core and
 * messages of our cri.proto (protobuf-c). Used by the lookup thread only:
 * every call here blocks up to its deadline.
 */
#ifndef CTR_CRI_H
#define CTR_CRI_H
#include <stddef.h>

struct ctr_info;

/* Brackets the calling thread's lookups: gRPC is started by the first
 * lookup that finds a socket, and stopped by fini. */
void ctr_cri_init(void);
void ctr_cri_fini(void);

/*
 * Asks the CRI runtime behind unix socket `sock` about `id` (a full id or
 * a unique prefix of one: cgroups give the first 12 hex digits), within
 * timeout_ms for the whole exchange: Version (the runtime's type),
 * ListContainers filtered by id, ContainerStatus (verbose) and the pod's
 * PodSandboxStatus (verbose). Fills `c` (zeroed by the caller) and, for a
 * container in a pod, `sandbox` (zeroed by the caller; its pod labels serve
 * k8s.pod.label*). When `id` is a pod sandbox itself, `c` is that sandbox
 * (is_pod_sandbox) and `sandbox` stays empty (its id NULL).
 * Returns 0; -ENOENT when the runtime knows no such container or sandbox (or
 * no socket is there); -ETIMEDOUT; another negative errno; the reason in err.
 */
int ctr_cri_lookup(const char *sock, const char *id, int timeout_ms, size_t label_max_len, struct ctr_info *c,
                   struct ctr_info *sandbox, char *err, size_t errlen);

/* ---- the mapping, on wire-format messages (exposed for tests) ---- */

/* The container type of a runtime by its VersionResponse.runtime_name:
 * "containerd" and "cri-o" have their own, any other is plain CRI. */
int ctr_cri_type(const char *runtime_name);

/*
 * Fills `c` (zeroed) from a serialized ContainerStatusResponse and the
 * serialized PodSandboxStatusResponse of its pod (NULL/0 when unknown), as
 * upstream's plugin maps them: names, image reference split and digest,
 * image id from the verbose info, mounts, labels (values longer than
 * label_max_len left out, 0: no limit) plus io.kubernetes.sandbox.id and
 * the pod's io.kubernetes.pod.{name,namespace,uid}, privileged from the
 * verbose info, host namespaces, ip and CNI result from the sandbox.
 * Returns 0 or -EINVAL (undecodable, no status) / -ENOMEM, reason in err.
 */
int ctr_cri_container_info(struct ctr_info *c, const void *status, size_t len, const void *pod, size_t plen,
                           int type, size_t label_max_len, char *err, size_t errlen);

/* Fills `c` (zeroed) with the pod sandbox entry of a serialized
 * PodSandboxStatusResponse: is_pod_sandbox, the pod's labels (plus
 * io.kubernetes.pod.* from its metadata when the runtime has no such
 * label), ip, host namespaces. Same returns. */
int ctr_cri_sandbox_info(struct ctr_info *c, const void *pod, size_t plen, int type, size_t label_max_len,
                         char *err, size_t errlen);

#endif
