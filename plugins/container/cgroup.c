/*
 * Cgroup path -> (runtime, container id). Each layout is a prefix that
 * starts the last occurrence of the id and a suffix that ends the path;
 * between them the id: 64 hex digits (runc-style runtimes) reported as its
 * first 12, or for containerd's own namespaces any short name. lxc,
 * libvirt-lxc and bpm name their containers in the path.
 */
#include <string.h>

#include "cgroup.h"

struct layout {
	const char *prefix, *suffix;
	int type;
	size_t plen, slen;
};

/* A layout with its lengths computed at compile time. */
#define L(prefix, suffix, type) {prefix, suffix, type, sizeof(prefix) - 1, sizeof(suffix) - 1}

/* Tried in upstream's engine order: podman, docker, cri, containerd. */
static const struct layout podman_layouts[] = {
	L("/libpod-payload-", ".scope/container", CTR_T_PODMAN),
	L("/libpod-payload-", ".scope", CTR_T_PODMAN),
	L("/libpod-payload-", "", CTR_T_PODMAN),
	L("/libpod-", ".scope/container", CTR_T_PODMAN),
	L("/libpod-", ".scope", CTR_T_PODMAN),
	L("/libpod-", "", CTR_T_PODMAN),
	{NULL, NULL, 0, 0, 0},
};
static const struct layout docker_layouts[] = {
	L("/", "", CTR_T_DOCKER),               /* cgroupfs driver: /docker/<id> */
	L("/docker-", ".scope", CTR_T_DOCKER),  /* systemd driver */
	{NULL, NULL, 0, 0, 0},
};
static const struct layout cri_layouts[] = {
	L("/crio-", "", CTR_T_CRIO),
	L("/cri-containerd-", ".scope", CTR_T_CRI),
	L("/crio-", ".scope", CTR_T_CRIO),
	L(":cri-containerd:", "", CTR_T_CRI),   /* containerd without SystemdCgroup */
	L("/docker-", ".scope", CTR_T_CRI),     /* cri-dockerd with systemd */
	L("/nerdctl-", ".scope", CTR_T_CRI),
	{NULL, NULL, 0, 0, 0},
};

const char *ctr_type_name(int type)
{
	switch (type) {
	case CTR_T_DOCKER: return "docker";
	case CTR_T_LXC: return "lxc";
	case CTR_T_LIBVIRT_LXC: return "libvirt-lxc";
	case 3: return "mesos";
	case 4: return "rkt";
	case CTR_T_CRI: return "cri";
	case CTR_T_CONTAINERD: return "containerd";
	case CTR_T_CRIO: return "cri-o";
	case CTR_T_BPM: return "bpm";
	case CTR_T_PODMAN: return "podman";
	case CTR_T_HOST: return "host";
	default: return "";
	}
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* `<prefix><64 hex><suffix>` ending the path. Upstream looks for the last
 * occurrence of the prefix; with a 64-digit id right before the suffix that
 * occurrence can only be the one just before the id, so checking there is
 * the same test, in constant time. */
static bool match_layout(const char *path, size_t len, const struct layout *l, char *id)
{
	if (len < l->plen + CTR_ID_MAX + l->slen || memcmp(path + len - l->slen, l->suffix, l->slen) != 0)
		return false;
	const char *start = path + len - l->slen - CTR_ID_MAX;
	if (memcmp(start - l->plen, l->prefix, l->plen) != 0 || !all_hex(start, CTR_ID_MAX))
		return false;
	memcpy(id, start, CTR_SHORT_ID_LEN);
	id[CTR_SHORT_ID_LEN] = '\0';
	return true;
}

static bool match_table(const char *path, size_t len, const struct layout *t, char *id, int *type)
{
	for (; t->prefix; t++)
		if (match_layout(path, len, t, id)) {
			*type = t->type;
			return true;
		}
	return false;
}

/* containerd namespaces (`ctr run`): /<namespace>/<id>, where the id is any
 * name of 1..64 characters. Paths of systemd units are host processes. */
static bool match_containerd(const char *path, size_t len, char *id, int *type)
{
	if (len < 4 || path[0] != '/' || ends_with(path, len, ".service") || ends_with(path, len, ".slice") ||
	    ends_with(path, len, ".scope"))
		return false;
	const char *ns_end = memchr(path + 1, '/', len - 1);
	if (!ns_end || ns_end == path + 1)
		return false;
	const char *name = ns_end + 1;
	size_t n = (size_t)(path + len - name);
	/* Ours: the id is the last component only (upstream would also take
	 * "a/b" under a namespace). */
	if (n == 0 || n > CTR_ID_MAX || memchr(name, '/', n))
		return false;
	if (n > CTR_SHORT_ID_LEN)
		n = CTR_SHORT_ID_LEN;
	memcpy(id, name, n);
	id[n] = '\0';
	*type = CTR_T_CONTAINERD;
	return true;
}

/* Copies [s, s+n) as the id when 1..64 bytes long. */
static bool take_id(const char *s, size_t n, char *id, int *type, int t)
{
	if (n == 0 || n > CTR_ID_MAX)
		return false;
	memcpy(id, s, n);
	id[n] = '\0';
	*type = t;
	return true;
}

/* The first occurrence of `needle` in [s, s+len), or NULL. */
static const char *first_of(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	return n <= len ? memmem(s, len, needle, n) : NULL;
}

/* lxc: the component after /lxc/, /lxc.payload/ or /lxc.payload. */
static bool match_lxc(const char *path, size_t len, char *id, int *type)
{
	const char *marks[] = {"/lxc/", "/lxc.payload/", "/lxc.payload."};
	for (size_t i = 0; i < 3; i++) {
		const char *m = first_of(path, len, marks[i]);
		if (!m)
			continue;
		const char *start = m + strlen(marks[i]), *end = path + len;
		const char *slash = memchr(start, '/', (size_t)(end - start));
		return take_id(start, (size_t)((slash ? slash : end) - start), id, type, CTR_T_LXC);
	}
	return false;
}

/* libvirt-lxc: /<name>.libvirt-lxc, systemd's machine-lxc\x2d<name>.scope
 * (optionally followed by /libvirt), or the legacy /libvirt/lxc/<name>. */
static bool match_libvirt_lxc(const char *path, size_t len, char *id, int *type)
{
	static const char lv[] = ".libvirt-lxc", sd[] = "-lxc\\x2", legacy[] = "/libvirt/lxc/";
	if (ends_with(path, len, lv)) {
		size_t end = len - (sizeof(lv) - 1), slash = end;
		while (slash > 0 && path[slash - 1] != '/')
			slash--;
		if (slash > 0)
			return take_id(path + slash, end - slash, id, type, CTR_T_LIBVIRT_LXC);
	}
	const char *m = first_of(path, len, sd);
	if (m) {
		/* the name starts after "-lxc\x2d" (one more character: the 'd') */
		const char *start = m + sizeof(sd);
		const char *delim = first_of(path, len, ".scope/libvirt") ? ".scope/libvirt" : ".scope";
		if (ends_with(path, len, delim)) {
			const char *end = path + len - strlen(delim);
			if (end > start)
				return take_id(start, (size_t)(end - start), id, type, CTR_T_LIBVIRT_LXC);
		}
	}
	m = first_of(path, len, legacy);
	if (m)
		return take_id(m + sizeof(legacy) - 1, (size_t)(path + len - m - (sizeof(legacy) - 1)), id, type,
		               CTR_T_LIBVIRT_LXC);
	return false;
}

/* bpm (Cloud Foundry): bpm-<id>[.scope], the id of [A-Za-z0-9._-]. */
static bool match_bpm(const char *path, size_t len, char *id, int *type)
{
	const char *m = first_of(path, len, "bpm-");
	if (!m)
		return false;
	const char *start = m + 4, *end = path + len;
	const char *scope = first_of(start, (size_t)(end - start), ".scope");
	if (scope)
		end = scope;
	for (const char *c = start; c < end; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
		      *c == '_' || *c == '-'))
			return false;
	return take_id(start, (size_t)(end - start), id, type, CTR_T_BPM);
}

bool ctr_cgroup_match(const char *path, size_t len, unsigned engines, char *id, int *type)
{
	if ((engines & (1u << CTR_T_PODMAN)) && match_table(path, len, podman_layouts, id, type))
		return true;
	if ((engines & (1u << CTR_T_DOCKER)) && match_table(path, len, docker_layouts, id, type))
		return true;
	if ((engines & (1u << CTR_T_CRI)) && match_table(path, len, cri_layouts, id, type))
		return true;
	if ((engines & (1u << CTR_T_CONTAINERD)) && match_containerd(path, len, id, type))
		return true;
	if ((engines & (1u << CTR_T_LXC)) && match_lxc(path, len, id, type))
		return true;
	if ((engines & (1u << CTR_T_LIBVIRT_LXC)) && match_libvirt_lxc(path, len, id, type))
		return true;
	return (engines & (1u << CTR_T_BPM)) && match_bpm(path, len, id, type);
}
