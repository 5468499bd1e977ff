/*
 * Path resolution as upstream libsinsp does it: a relative path is appended
 * to the directory (cwd, or the dirfd's path) as given, and the appended
 * part is normalised: "./" dropped, "../" removes the previous component
 * (never above the root), repeated '/' collapsed, a trailing '/' dropped.
 */
#include <string.h>

#include "state/state_int.h"

#define ST_PATH_MAX 4096u

/* Steps `*len` back to just after the previous '/' (keeps a leading '/'). */
static void drop_component(const char *out, size_t *len)
{
	if (*len <= 1)
		return;
	(*len)--;
	while (*len >= 1 && out[*len - 1] != '/')
		(*len)--;
	if (*len == 0)
		*len = 0;
}

size_t st_path_concat(char *out, size_t cap, const char *dir, const char *path)
{
	if (cap == 0)
		return 0;
	size_t dl = dir ? strlen(dir) : 0, pl = path ? strlen(path) : 0;
	if (dl + pl + 1 > ST_PATH_MAX || dl + 1 > cap) {
		static const char tl[] = "/DIR_TOO_LONG/FILENAME_TOO_LONG";
		size_t n = sizeof tl - 1 < cap - 1 ? sizeof tl - 1 : cap - 1;
		memcpy(out, tl, n);
		out[n] = 0;
		return n;
	}
	size_t len = 0;
	bool base_empty = true;
	if (pl && path[0] != '/') {
		memcpy(out, dir, dl);
		len = dl;
		base_empty = dl == 0;
	}
	const char *p = path ? path : "";
	while (*p) {
		bool at_start = len == 0 || out[len - 1] == '/';
		if (*p == '.' && at_start) {
			if (p[1] == '.' && (p[2] == '/' || p[2] == 0)) {
				drop_component(out, &len);
				p += p[2] ? 3 : 2;
				continue;
			}
			if (p[1] == '/') {
				p += 2;
				continue;
			}
			if (p[1] == 0) {
				p++;
				continue;
			}
		}
		if (*p == '/') {
			if ((len > 0 && out[len - 1] == '/') || (len == 0 && !base_empty)) {
				p++;
				continue;
			}
		}
		if (len + 1 >= cap)
			break;
		out[len++] = *p++;
	}
	if (len > 1 && out[len - 1] == '/')
		len--;
	out[len] = 0;
	return len;
}
