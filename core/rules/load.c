/*
 * Loading as the falco application does it: every `rules_files` / `-r`
 * entry expanded, each file read (and collected) in order until one fails;
 * then the plugin version requirements checked against the loaded plugins.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"

int rules_load_paths(struct rules_set *s, const struct cfg_strlist *paths)
{
	struct cfg_strlist files = { 0 };
	int rc = 0;
	for (size_t i = 0; i < paths->n && !rc; i++)
		rc = rules_expand_path(paths->v[i], &files);
	for (size_t i = 0; i < files.n && !rc; i++)
		rc = rules_set_read_file(s, files.v[i]);
	for (size_t i = 0; i < files.n; i++)
		free(files.v[i]);
	free(files.v);
	return rc;
}

static bool parse_version(const char *s, unsigned v[3])
{
	return sscanf(s, "%u.%u.%u", &v[0], &v[1], &v[2]) == 3;
}

/* Upstream: same major, and at least the required version. */
static bool compatible(const unsigned have[3], const unsigned want[3])
{
	if (have[0] != want[0])
		return false;
	for (int i = 1; i < 3; i++)
		if (have[i] != want[i])
			return have[i] > want[i];
	return true;
}

/* The first alternative whose plugin is loaded decides (upstream's order:
 * alternatives outer, loaded plugins inner). 1 satisfied, 0 not loaded,
 * -1 loaded but unusable (message in err). */
static int check_alternatives(const struct rules_plugin_alts *a, const struct rules_plugin_info *p,
			      size_t np, char *err, size_t len)
{
	for (size_t i = 0; i < a->n; i++) {
		for (size_t k = 0; k < np; k++) {
			if (strcmp(a->reqs[i].name, p[k].name))
				continue;
			unsigned have[3], want[3];
			if (!parse_version(p[k].version, have)) {
				snprintf(err, len, "Plugin '%s' has invalid version string '%s'", p[k].name,
					 p[k].version);
				return -1;
			}
			if (!parse_version(a->reqs[i].version, want) || !compatible(have, want)) {
				snprintf(err, len, "Plugin '%s' version '%s' is not compatible with required "
					 "plugin version '%s'", p[k].name, p[k].version, a->reqs[i].version);
				return -1;
			}
			return 1;
		}
	}
	return 0;
}

int rules_check_plugins(const struct rules_collection *c, const struct rules_plugin_info *plugins,
			size_t n, char *err, size_t len)
{
	for (size_t i = 0; i < c->nplugin_reqs; i++) {
		const struct rules_plugin_alts *a = &c->plugin_reqs[i];
		int r = check_alternatives(a, plugins, n, err, len);
		if (r > 0)
			continue;
		if (r == 0) {
			size_t off = (size_t)snprintf(err, len, "Plugin requirement not satisfied, must load one of: ");
			for (size_t k = 0; k < a->n && off < len; k++)
				off += (size_t)snprintf(err + off, len - off, "%s%s (>= %s)", k ? ", " : "",
							a->reqs[k].name, a->reqs[k].version);
		}
		return -EINVAL;
	}
	return 0;
}
