/*
 * Test plugin "auditfiles": event sourcing only, written against our
 * plugin_api/ headers. A stand-in for a k8s audit source: open(params)
 * takes a directory and produces one plugin event per regular file in it
 * (sorted by name), the payload being the file's bytes (a JSON audit
 * event), then EOF; with params "follow:DIR", TIMEOUT (after 20 ms) for
 * ever instead of EOF, like a live source waiting for more. Fields come from another plugin (plugins/json).
 * Source "k8saudit_test", id 997.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin_api.h"
#include "plugin_events.h"

struct state {
	char err[PLUGIN_MAX_ERRLEN];
};

struct inst {
	char dir[4096];
	struct dirent **names; /* owned (scandir) */
	int n, next;
	int follow;            /* no EOF: wait for ever */
	uint8_t *buf;          /* owned: the current event */
	ss_plugin_event *ptr;
};

const char *plugin_get_required_api_version(void) { return "3.0.0"; }
const char *plugin_get_version(void) { return "0.1.0"; }
const char *plugin_get_name(void) { return "auditfiles"; }
uint32_t plugin_get_id(void) { return 997; }
const char *plugin_get_event_source(void) { return "k8saudit_test"; }
const char *plugin_get_description(void) { return "one event per JSON file of a directory"; }
const char *plugin_get_contact(void) { return "tests"; }

ss_plugin_t *plugin_init(const ss_plugin_init_input *in, ss_plugin_rc *rc)
{
	(void)in;
	*rc = SS_PLUGIN_SUCCESS;
	return calloc(1, sizeof(struct state));
}

void plugin_destroy(ss_plugin_t *s) { free(s); }

const char *plugin_get_last_error(ss_plugin_t *s) { return ((struct state *)s)->err; }

static int regular(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

ss_instance_t *plugin_open(ss_plugin_t *s, const char *params, ss_plugin_rc *rc)
{
	struct state *st = s;
	struct inst *i = calloc(1, sizeof(*i));
	if (i == NULL) {
		*rc = SS_PLUGIN_FAILURE;
		return NULL;
	}
	if (strncmp(params, "follow:", 7) == 0) {
		i->follow = 1;
		params += 7;
	}
	snprintf(i->dir, sizeof(i->dir), "%s", params);
	i->n = scandir(params, &i->names, regular, alphasort);
	if (i->n < 0) {
		snprintf(st->err, sizeof(st->err), "cannot read directory '%.900s'", params);
		free(i);
		*rc = SS_PLUGIN_FAILURE;
		return NULL;
	}
	*rc = SS_PLUGIN_SUCCESS;
	return i;
}

void plugin_close(ss_plugin_t *s, ss_instance_t *h)
{
	(void)s;
	struct inst *i = h;
	if (i == NULL) /* some hosts close a capture whose open failed */
		return;
	for (int k = 0; k < i->n; k++)
		free(i->names[k]);
	free(i->names);
	free(i->buf);
	free(i);
}

/* The whole file at path, or NULL. */
static char *slurp(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *data = NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (*len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)*len + 1)) != NULL && fread(data, 1, (size_t)*len, f) != (size_t)*len) {
		free(data);
		data = NULL;
	}
	fclose(f);
	return data;
}

ss_plugin_rc plugin_next_batch(ss_plugin_t *s, ss_instance_t *h, uint32_t *nevts, ss_plugin_event ***evts)
{
	struct state *st = s;
	struct inst *i = h;
	*nevts = 0;
	if (i->next >= i->n && i->follow) {
		usleep(20000);
		return SS_PLUGIN_TIMEOUT;
	}
	if (i->next >= i->n)
		return SS_PLUGIN_EOF;
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", i->dir, i->names[i->next++]->d_name);
	long len = 0;
	char *data = slurp(path, &len);
	if (data == NULL) {
		snprintf(st->err, sizeof(st->err), "cannot read '%.900s'", path);
		return SS_PLUGIN_FAILURE;
	}
	size_t cap = PLUGIN_EVENT_PAYLOAD_OFFSET + (size_t)len;
	free(i->buf);
	i->buf = malloc(cap);
	if (i->buf == NULL || !plugin_evt_encode_plugin(i->buf, cap, (uint64_t)-1, 0, data, (uint32_t)len)) {
		free(data);
		snprintf(st->err, sizeof(st->err), "out of memory");
		return SS_PLUGIN_FAILURE;
	}
	free(data);
	i->ptr = (ss_plugin_event *)i->buf;
	*evts = &i->ptr;
	*nevts = 1;
	return SS_PLUGIN_SUCCESS;
}
