/*
 * Container ids from cgroup paths, as the container plugin derives them:
 * the 64-hex-digit id that docker, cri-containerd, cri-o, podman/libpod
 * and systemd scopes put in the last components of a cgroup path, cut to
 * its first 12 digits. Host processes get "".
 */
#include <string.h>

#include "state/state_int.h"

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Finds a run of exactly 64 hex digits in [s, s+len) bounded by a
 * non-hex character or the ends; returns its start or NULL. */
static const char *find_id64(const char *s, size_t len)
{
	size_t run = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && is_hex(s[i])) {
			run++;
			continue;
		}
		if (run == 64)
			return s + i - 64;
		run = 0;
	}
	return NULL;
}

/* Recognised layouts of the last path components (examples):
 *   /docker/<id>                       docker cgroupfs
 *   /system.slice/docker-<id>.scope    docker systemd
 *   /kubepods/.../pod<uid>/<id>        cri-containerd, cri-o cgroupfs
 *   /kubepods.slice/.../cri-containerd-<id>.scope, crio-<id>.scope
 *   /machine.slice/libpod-<id>.scope   podman
 *   /user.slice/.../libpod-<id>.scope  rootless podman */
static bool container_path(const char *path, size_t len, char out[13])
{
	const char *id = find_id64(path, len);
	if (!id)
		return false;
	size_t off = (size_t)(id - path);
	const char *before = off ? id - 1 : id;
	bool ok = off > 0 && (*before == '/' || *before == '-' || *before == ':');
	if (!ok)
		return false;
	memcpy(out, id, 12);
	out[12] = 0;
	return true;
}

void st_container_id(const char *cgroups, uint32_t len, char out[13])
{
	out[0] = 0;
	const char *p = cgroups, *end = cgroups + len;
	while (p && p < end) {
		size_t n = strnlen(p, (size_t)(end - p));
		const char *eq = memchr(p, '=', n);
		const char *path = eq ? eq + 1 : p;
		size_t plen = n - (size_t)(path - p);
		if (container_path(path, plen, out))
			return;
		p += n + 1;
	}
}
