/*
 * Container ids from cgroup paths: which runtime put a process in a cgroup
 * and the container's id, following the layouts the upstream container
 * plugin recognises (runc-style 64-hex ids of docker, podman/libpod,
 * cri-containerd, cri-o, nerdctl, systemd scopes; containerd's
 * `/<namespace>/<id>` for containers made with ctr).
 */
#ifndef CTR_CGROUP_H
#define CTR_CGROUP_H
#include <stdbool.h>
#include <stddef.h>

/* Container types: upstream's numbering (container_type.h), which is also
 * the `type` of the async event JSON and of the `containers` table. */
enum ctr_type {
	CTR_T_DOCKER = 0, CTR_T_LXC = 1, CTR_T_LIBVIRT_LXC = 2, CTR_T_CUSTOM = 5, CTR_T_CRI = 6,
	CTR_T_CONTAINERD = 7, CTR_T_CRIO = 8, CTR_T_BPM = 9, CTR_T_STATIC = 10, CTR_T_PODMAN = 11,
	CTR_T_HOST = 0xfffe, CTR_T_UNKNOWN = 0xffff
};

/* Upstream's container.type text for a type ("docker", "cri-o", ...; "" for
 * an unknown one). */
const char *ctr_type_name(int type);

/* Engines enabled for matching (bits of 1 << enum ctr_type). */
#define CTR_ENGINES_ALL ((1u << CTR_T_DOCKER) | (1u << CTR_T_PODMAN) | (1u << CTR_T_CRI) | \
                         (1u << CTR_T_CONTAINERD) | (1u << CTR_T_LXC) | (1u << CTR_T_LIBVIRT_LXC) | \
                         (1u << CTR_T_BPM))

/* Longest id reported (upstream reports the first 12 hex digits). */
#define CTR_SHORT_ID_LEN 12
/* Longest id a cgroup can carry. */
#define CTR_ID_MAX 64

/*
 * Matches one cgroup path (`path`, `len` bytes, not necessarily
 * NUL-terminated) against the layouts of the engines in `engines`. On a
 * match writes the reported id (NUL-terminated; `id` holds CTR_ID_MAX + 1
 * bytes: runc-style ids are cut to 12, lxc/libvirt-lxc/bpm names are kept
 * whole up to 64) and the runtime's type, and returns true.
 * Allocates nothing.
 */
bool ctr_cgroup_match(const char *path, size_t len, unsigned engines, char *id, int *type);

#endif
