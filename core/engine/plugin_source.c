/*
 * A sourcing plugin's capture as an engine source. The plugin host
 * (core/plugin) already validates every event and stamps it as upstream
 * does; this file only maps its results onto struct eng_source.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "plugin/plugin.h"

struct plugin_src {
	struct ph_plugin *p;  /* borrowed */
	struct ph_source *s;  /* owned */
	char err[PH_ERRLEN];
};

static int plugin_next(void *impl, struct eng_raw *out)
{
	struct plugin_src *ps = impl;
	ss_plugin_event *evt;
	int rc = ph_source_next(ps->s, &evt, ps->err, sizeof(ps->err));
	if (rc == PH_TIMEOUT)
		return ENG_TIMEOUT;
	if (rc == PH_EOF)
		return ENG_EOF;
	if (rc < 0)
		return rc;
	/* ss_plugin_event is the scap header, packed the same way. */
	*out = (struct eng_raw){.hdr = (const struct ev_hdr *)evt, .offset = ph_source_count(ps->s)};
	return 0;
}

static const char *plugin_error(const void *impl)
{
	return ((const struct plugin_src *)impl)->err;
}

static void plugin_close(void *impl)
{
	struct plugin_src *ps = impl;
	ph_source_close(ps->s);
	free(ps);
}

static void plugin_stats(const void *impl, struct eng_src_stats *out)
{
	const struct plugin_src *ps = impl;
	*out = (struct eng_src_stats){.events = ph_source_count(ps->s)};
}

int eng_plugin_open(struct ph_plugin *p, const char *params, struct eng_source *out, char *err)
{
	struct plugin_src *ps = calloc(1, sizeof(*ps));
	if (ps == NULL) {
		snprintf(err, ENG_ERR_LEN, "out of memory");
		return -ENOMEM;
	}
	ps->p = p;
	int rc = ph_source_open(p, params ? params : "", &ps->s, ps->err, sizeof(ps->err));
	if (rc < 0) {
		snprintf(err, ENG_ERR_LEN, "%.*s", (int)ENG_ERR_LEN - 1, ps->err);
		free(ps);
		return rc;
	}
	*out = (struct eng_source){
		.kind = "plugin", .name = ph_event_source(p), .impl = ps,
		.next = plugin_next, .error = plugin_error, .close = plugin_close, .stats = plugin_stats,
	};
	return 0;
}

struct ph_plugin *eng_plugin_of(const struct eng_source *src)
{
	if (src == NULL || src->next != plugin_next)
		return NULL;
	return ((const struct plugin_src *)src->impl)->p;
}
