/*
 * Test plugin "keeper": async events + parsing + extraction + dump_state,
 * the shape of the container plugin's metadata flow, written against our
 * plugin_api/ headers only.
 *
 * It keeps a list of names (at most 16, no duplicates, in arrival order).
 *   init config  "a,b,c": names known from the start ("" = none).
 *   async        one event name, "keep": data = a name (no NUL).
 *   handler set  (capture start) one thread sends "keep" with data "live",
 *                once; async sources not restricted.
 *   parse_event  async events (code 402) of source "syscall" named "keep":
 *                their data joins the list; counted in keeper.parsed.
 *   dump_state   one "keep" event per name in the list (ts and tid -1).
 *   fields       (source "syscall", every event) keeper.count (uint64:
 *                names in the list), keeper.names (string: "a,b,c" or ""),
 *                keeper.parsed (uint64: keep events parsed so far).
 *   metrics      parsed, known.
 * Parsing a code other than 322, it declares event schema 4.0.0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_api.h"
#include "plugin_events.h"

#define KEEP_MAX 16
#define KEEP_LEN 32

struct state {
	char err[PLUGIN_MAX_ERRLEN];
	char names[KEEP_MAX][KEEP_LEN];
	uint32_t n;
	uint64_t parsed;
	char joined[KEEP_MAX * KEEP_LEN];
	const char *str;
	uint64_t u64[3]; /* one per field: a call may ask for several */
	ss_plugin_metric metrics[2];
	pthread_t sender;
	int sending;
	ss_plugin_owner_t *owner;
	ss_plugin_async_event_handler_t handler;
};

const char *plugin_get_required_api_version(void) { return "3.10.0"; }
const char *plugin_get_version(void) { return "0.1.0"; }
const char *plugin_get_name(void) { return "keeper"; }
const char *plugin_get_description(void) { return "keeps names from async events"; }
const char *plugin_get_contact(void) { return "tests"; }
const char *plugin_get_required_event_schema_version(void) { return "4.0.0"; }

static void keep(struct state *s, const char *name, size_t len)
{
	if (len == 0 || len >= KEEP_LEN)
		return;
	for (uint32_t i = 0; i < s->n; i++)
		if (strlen(s->names[i]) == len && memcmp(s->names[i], name, len) == 0)
			return;
	if (s->n == KEEP_MAX)
		return;
	memcpy(s->names[s->n], name, len);
	s->names[s->n][len] = '\0';
	s->n++;
}

ss_plugin_t *plugin_init(const ss_plugin_init_input *in, ss_plugin_rc *rc)
{
	struct state *s = calloc(1, sizeof(*s));
	for (const char *p = in->config; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		keep(s, p, len);
		p = comma ? comma + 1 : p + len;
	}
	*rc = SS_PLUGIN_SUCCESS;
	return s;
}

void plugin_destroy(ss_plugin_t *s)
{
	struct state *st = s;
	if (st->sending)
		pthread_join(st->sender, NULL);
	free(st);
}

const char *plugin_get_last_error(ss_plugin_t *s) { return ((struct state *)s)->err; }

/* ---- async ---- */

const char *plugin_get_async_events(void) { return "[\"keep\"]"; }

static ss_plugin_rc send_keep(ss_plugin_owner_t *o, ss_plugin_async_event_handler_t h, const char *name)
{
	uint8_t buf[128];
	char err[PLUGIN_MAX_ERRLEN];
	if (!plugin_evt_encode_async(buf, sizeof(buf), UINT64_MAX, UINT64_MAX, "keep", name, (uint32_t)strlen(name)))
		return SS_PLUGIN_FAILURE;
	return h(o, (const ss_plugin_event *)buf, err);
}

static void *sender(void *arg)
{
	struct state *s = arg;
	send_keep(s->owner, s->handler, "live");
	return NULL;
}

ss_plugin_rc plugin_set_async_event_handler(ss_plugin_t *s, ss_plugin_owner_t *owner,
                                            const ss_plugin_async_event_handler_t handler)
{
	struct state *st = s;
	if (st->sending) {
		pthread_join(st->sender, NULL);
		st->sending = 0;
	}
	st->owner = owner;
	st->handler = handler;
	if (handler && pthread_create(&st->sender, NULL, sender, st) == 0)
		st->sending = 1;
	return SS_PLUGIN_SUCCESS;
}

ss_plugin_rc plugin_dump_state(ss_plugin_t *s, ss_plugin_owner_t *owner, const ss_plugin_async_event_handler_t handler)
{
	struct state *st = s;
	for (uint32_t i = 0; i < st->n; i++)
		if (send_keep(owner, handler, st->names[i]) != SS_PLUGIN_SUCCESS)
			return SS_PLUGIN_FAILURE;
	return SS_PLUGIN_SUCCESS;
}

/* ---- parsing ---- */

const char *plugin_get_parse_event_sources(void) { return "[\"syscall\"]"; }

uint16_t *plugin_get_parse_event_types(uint32_t *n, ss_plugin_t *s)
{
	(void)s;
	static uint16_t types[] = {PLUGIN_EVT_ASYNCEVENT};
	*n = 1;
	return types;
}

ss_plugin_rc plugin_parse_event(ss_plugin_t *s, const ss_plugin_event_input *evt, const ss_plugin_event_parse_input *in)
{
	(void)in;
	struct state *st = s;
	const ss_plugin_event *e = evt->evt;
	const char *p = (const char *)e;
	uint32_t lens[3];
	if (e->type != PLUGIN_EVT_ASYNCEVENT || e->nparams != 3)
		return SS_PLUGIN_SUCCESS;
	memcpy(lens, p + PLUGIN_EVT_HDR_LEN, sizeof(lens));
	if (lens[1] != 5 || memcmp(p + PLUGIN_EVT_ASYNC_NAME_OFFSET, "keep", 5) != 0)
		return SS_PLUGIN_SUCCESS;
	keep(st, p + PLUGIN_EVT_ASYNC_NAME_OFFSET + lens[1], lens[2]);
	st->parsed++;
	return SS_PLUGIN_SUCCESS;
}

/* ---- extraction ---- */

const char *plugin_get_fields(void)
{
	return "["
	       "{\"type\":\"uint64\",\"name\":\"keeper.count\",\"desc\":\"names kept\"},"
	       "{\"type\":\"string\",\"name\":\"keeper.names\",\"desc\":\"the names, comma-separated\"},"
	       "{\"type\":\"uint64\",\"name\":\"keeper.parsed\",\"desc\":\"keep events parsed\"}"
	       "]";
}

const char *plugin_get_extract_event_sources(void) { return "[\"syscall\"]"; }

ss_plugin_rc plugin_extract_fields(ss_plugin_t *s, const ss_plugin_event_input *evt,
                                   const ss_plugin_field_extract_input *in)
{
	(void)evt;
	struct state *st = s;
	for (uint32_t k = 0; k < in->num_fields; k++) {
		ss_plugin_extract_field *f = &in->fields[k];
		switch (f->field_id) {
		case 0:
			st->u64[0] = st->n;
			f->res.u64 = &st->u64[0];
			break;
		case 1: {
			size_t off = 0;
			st->joined[0] = '\0';
			for (uint32_t i = 0; i < st->n; i++)
				off += (size_t)snprintf(st->joined + off, sizeof(st->joined) - off, "%s%s", i ? "," : "",
				                        st->names[i]);
			st->str = st->joined;
			f->res.str = &st->str;
			break;
		}
		default:
			st->u64[2] = st->parsed;
			f->res.u64 = &st->u64[2];
			break;
		}
		f->res_len = 1;
	}
	return SS_PLUGIN_SUCCESS;
}

/* ---- metrics ---- */

ss_plugin_metric *plugin_get_metrics(ss_plugin_t *s, uint32_t *n)
{
	struct state *st = s;
	const char *names[2] = {"parsed", "known"};
	uint64_t vals[2] = {st->parsed, st->n};
	for (int k = 0; k < 2; k++) {
		st->metrics[k].name = names[k];
		st->metrics[k].type = SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC;
		st->metrics[k].value_type = SS_PLUGIN_METRIC_VALUE_TYPE_U64;
		st->metrics[k].value.u64 = vals[k];
	}
	*n = 2;
	return st->metrics;
}
