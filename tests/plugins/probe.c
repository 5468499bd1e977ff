/*
 * Test plugin "probe": extraction (index/key/optional args, a list, bool,
 * ipaddr, hidden/addOutput fields), parsing, async events with dump_state,
 * capture listening with a routine, metrics, logging, set_config and a
 * JSON init schema. Written against our plugin_api/ headers only.
 *
 * It extracts from and parses events of source "counter" (plugin events
 * only). What it observed is readable through its fields and metrics:
 *   probe.config   the init (or last set_config) config it received
 *   probe.tables   the owner error after asking the host for "threads"
 *   probe.lasterr  the error of the last refused async event
 * metrics: parse_calls, async_ok, async_refused, routine_runs.
 * Logs at init: "config checked" (debug, component "probe-detail"), then
 * "initialised" (info, no component).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin_api.h"
#include "plugin_events.h"

struct state {
	char err[PLUGIN_MAX_ERRLEN];
	char config[256];
	char tables[256];
	char lasterr[PLUGIN_MAX_ERRLEN];
	char text[64];
	const char *strs[4];
	uint64_t u64;
	ss_plugin_bool b;
	uint8_t ip[4];
	ss_plugin_byte_buffer buf;
	uint64_t parse_calls, async_ok, async_refused, routine_runs;
	ss_plugin_metric metrics[4];
	pthread_t sender;
	int sending;
	ss_plugin_owner_t *owner;
	ss_plugin_async_event_handler_t handler;
};

const char *plugin_get_required_api_version(void) { return "3.10.0"; }
const char *plugin_get_version(void) { return "0.1.0"; }
const char *plugin_get_name(void) { return "probe"; }
const char *plugin_get_description(void) { return "probes the host"; }
const char *plugin_get_contact(void) { return "tests"; }

const char *plugin_get_init_schema(ss_plugin_schema_type *t)
{
	*t = SS_PLUGIN_SCHEMA_JSON;
	return "{\"$schema\":\"http://json-schema.org/draft-04/schema#\",\"$ref\":\"#/definitions/Cfg\","
	       "\"definitions\":{\"Cfg\":{\"type\":\"object\",\"additionalProperties\":false,"
	       "\"properties\":{\"prefix\":{\"type\":\"string\",\"minLength\":1},"
	       "\"count\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10},"
	       "\"mode\":{\"enum\":[\"fast\",\"slow\"]},"
	       "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}}}";
}

ss_plugin_t *plugin_init(const ss_plugin_init_input *in, ss_plugin_rc *rc)
{
	struct state *s = calloc(1, sizeof(*s));
	snprintf(s->config, sizeof(s->config), "%s", in->config);
	if (strstr(in->config, "\"prefix\":\"fail\"")) {
		snprintf(s->err, sizeof(s->err), "prefix 'fail' is rejected");
		*rc = SS_PLUGIN_FAILURE;
		return s;
	}
	/* the host must give a tables input even without tables */
	if (!in->tables || in->tables->get_table(in->owner, "threads", SS_PLUGIN_ST_INT64) != NULL)
		snprintf(s->tables, sizeof(s->tables), "unexpected");
	else
		snprintf(s->tables, sizeof(s->tables), "%s",
		         in->get_owner_last_error(in->owner) ? in->get_owner_last_error(in->owner) : "(none)");
	in->log_fn(in->owner, "probe-detail", "config checked", SS_PLUGIN_LOG_SEV_DEBUG);
	in->log_fn(in->owner, NULL, "initialised", SS_PLUGIN_LOG_SEV_INFO);
	*rc = SS_PLUGIN_SUCCESS;
	return s;
}

void plugin_destroy(ss_plugin_t *s) { free(s); }
const char *plugin_get_last_error(ss_plugin_t *s) { return ((struct state *)s)->err; }

ss_plugin_rc plugin_set_config(ss_plugin_t *s, const ss_plugin_set_config_input *in)
{
	struct state *st = s;
	snprintf(st->config, sizeof(st->config), "%s", in->config);
	return SS_PLUGIN_SUCCESS;
}

/* ---- extraction ---- */

const char *plugin_get_fields(void)
{
	return "["
	       "{\"type\":\"uint64\",\"name\":\"probe.index\",\"desc\":\"ten times the index\","
	       "\"arg\":{\"isRequired\":true,\"isIndex\":true}},"
	       "{\"type\":\"string\",\"name\":\"probe.key\",\"desc\":\"the key\",\"arg\":{\"isRequired\":true,\"isKey\":true}},"
	       "{\"type\":\"string\",\"name\":\"probe.opt\",\"desc\":\"optional arg\",\"arg\":{\"isIndex\":true,\"isKey\":true}},"
	       "{\"type\":\"string\",\"name\":\"probe.list\",\"desc\":\"three strings\",\"isList\":true},"
	       "{\"type\":\"bool\",\"name\":\"probe.even\",\"desc\":\"payload is even\"},"
	       "{\"type\":\"ipaddr\",\"name\":\"probe.ip\",\"desc\":\"10.0.0.1\"},"
	       "{\"type\":\"string\",\"name\":\"probe.hidden\",\"desc\":\"hidden\",\"display\":\"Hidden\","
	       "\"addOutput\":true,\"properties\":[\"hidden\",\"info\"]},"
	       "{\"type\":\"uint64\",\"name\":\"probe.parsed\",\"desc\":\"parse calls so far\"},"
	       "{\"type\":\"string\",\"name\":\"probe.config\",\"desc\":\"config seen\"},"
	       "{\"type\":\"string\",\"name\":\"probe.tables\",\"desc\":\"owner error for threads\"},"
	       "{\"type\":\"string\",\"name\":\"probe.lasterr\",\"desc\":\"last async refusal\"},"
	       "{\"type\":\"reltime\",\"name\":\"probe.ts\",\"desc\":\"event ts\"}"
	       "]";
}

const char *plugin_get_extract_event_sources(void) { return "[\"counter\"]"; }

static void one_str(struct state *s, ss_plugin_extract_field *f, const char *v)
{
	s->strs[0] = v;
	f->res.str = s->strs;
	f->res_len = 1;
}

static void extract_one(struct state *s, const ss_plugin_event *e, ss_plugin_extract_field *f)
{
	uint32_t len;
	const char *payload = plugin_evt_payload(e, &len);
	switch (f->field_id) {
	case 0:
		s->u64 = f->arg_index * 10;
		f->res.u64 = &s->u64;
		f->res_len = 1;
		break;
	case 1:
		snprintf(s->text, sizeof(s->text), "key:%s", f->arg_key);
		one_str(s, f, s->text);
		break;
	case 2:
		/* reports both members: the host fills both when it can */
		if (!f->arg_present)
			snprintf(s->text, sizeof(s->text), "none");
		else if (f->arg_index != UINT64_MAX)
			snprintf(s->text, sizeof(s->text), "idx:%lu key:%s", (unsigned long)f->arg_index,
			         f->arg_key ? f->arg_key : "(null)");
		else
			snprintf(s->text, sizeof(s->text), "key:%s", f->arg_key ? f->arg_key : "(null)");
		one_str(s, f, s->text);
		break;
	case 3:
		s->strs[0] = "a", s->strs[1] = "b", s->strs[2] = "c";
		f->res.str = s->strs;
		f->res_len = 3;
		break;
	case 4:
		s->b = len > 0 && (payload[len - 1] - '0') % 2 == 0;
		f->res.boolean = &s->b;
		f->res_len = 1;
		break;
	case 5:
		s->ip[0] = 10, s->ip[1] = 0, s->ip[2] = 0, s->ip[3] = 1;
		s->buf.len = 4;
		s->buf.ptr = s->ip;
		f->res.buf = &s->buf;
		f->res_len = 1;
		break;
	case 6:
		one_str(s, f, "h");
		break;
	case 7:
		s->u64 = s->parse_calls;
		f->res.u64 = &s->u64;
		f->res_len = 1;
		break;
	case 8:
		one_str(s, f, s->config);
		break;
	case 9:
		one_str(s, f, s->tables);
		break;
	case 10:
		one_str(s, f, s->lasterr);
		break;
	case 11:
		s->u64 = e->ts;
		f->res.u64 = &s->u64;
		f->res_len = 1;
		break;
	}
}

ss_plugin_rc plugin_extract_fields(ss_plugin_t *s, const ss_plugin_event_input *evt,
                                   const ss_plugin_field_extract_input *in)
{
	/* one call may carry several fields: values must not share storage,
	 * so the test asks for one field per call */
	for (uint32_t k = 0; k < in->num_fields; k++)
		extract_one(s, evt->evt, &in->fields[k]);
	return SS_PLUGIN_SUCCESS;
}

/* ---- parsing ---- */

const char *plugin_get_parse_event_sources(void) { return "[\"counter\"]"; }

ss_plugin_rc plugin_parse_event(ss_plugin_t *s, const ss_plugin_event_input *evt, const ss_plugin_event_parse_input *in)
{
	(void)evt;
	(void)in;
	((struct state *)s)->parse_calls++;
	return SS_PLUGIN_SUCCESS;
}

/* ---- async ---- */

const char *plugin_get_async_events(void) { return "[\"tick\",\"tock\"]"; }

static void send(struct state *s, const char *name, uint16_t type)
{
	uint8_t buf[128];
	char err[PLUGIN_MAX_ERRLEN] = "";
	plugin_evt_encode_async(buf, sizeof(buf), UINT64_MAX, UINT64_MAX, name, "{\"n\":1}", 7);
	memcpy(buf + 20, &type, 2);
	if (s->handler(s->owner, (const ss_plugin_event *)buf, err) == SS_PLUGIN_SUCCESS) {
		__atomic_add_fetch(&s->async_ok, 1, __ATOMIC_SEQ_CST);
	} else {
		__atomic_add_fetch(&s->async_refused, 1, __ATOMIC_SEQ_CST);
		snprintf(s->lasterr, sizeof(s->lasterr), "%s", err);
	}
}

static void *sender(void *arg)
{
	struct state *s = arg;
	send(s, "tick", PLUGIN_EVT_ASYNCEVENT);
	send(s, "tick", PLUGIN_EVT_ASYNCEVENT);
	send(s, "bogus", PLUGIN_EVT_ASYNCEVENT); /* not declared: refused */
	send(s, "tock", PLUGIN_EVT_PLUGINEVENT); /* wrong code: refused */
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
	if (handler) {
		pthread_create(&st->sender, NULL, sender, st);
		st->sending = 1;
	}
	return SS_PLUGIN_SUCCESS;
}

ss_plugin_rc plugin_dump_state(ss_plugin_t *s, ss_plugin_owner_t *owner, const ss_plugin_async_event_handler_t handler)
{
	(void)s;
	uint8_t buf[128];
	char err[PLUGIN_MAX_ERRLEN];
	plugin_evt_encode_async(buf, sizeof(buf), 5, UINT64_MAX, "tock", "state", 5);
	return handler(owner, (const ss_plugin_event *)buf, err);
}

/* ---- capture listening ---- */

static ss_plugin_bool routine(ss_plugin_t *s, ss_plugin_routine_state_t *i)
{
	(void)i;
	struct state *st = s;
	usleep(1000);
	return __atomic_add_fetch(&st->routine_runs, 1, __ATOMIC_SEQ_CST) < 5;
}

ss_plugin_rc plugin_capture_open(ss_plugin_t *s, const ss_plugin_capture_listen_input *in)
{
	return in->routine->subscribe(in->owner, routine, s) ? SS_PLUGIN_SUCCESS : SS_PLUGIN_FAILURE;
}

ss_plugin_rc plugin_capture_close(ss_plugin_t *s, const ss_plugin_capture_listen_input *in)
{
	(void)s;
	(void)in;
	return SS_PLUGIN_SUCCESS;
}

/* ---- metrics ---- */

ss_plugin_metric *plugin_get_metrics(ss_plugin_t *s, uint32_t *n)
{
	struct state *st = s;
	const char *names[4] = {"parse_calls", "async_ok", "async_refused", "routine_runs"};
	uint64_t vals[4] = {st->parse_calls, __atomic_load_n(&st->async_ok, __ATOMIC_SEQ_CST),
	                    __atomic_load_n(&st->async_refused, __ATOMIC_SEQ_CST),
	                    __atomic_load_n(&st->routine_runs, __ATOMIC_SEQ_CST)};
	for (int k = 0; k < 4; k++) {
		st->metrics[k].name = names[k];
		st->metrics[k].type = SS_PLUGIN_METRIC_TYPE_MONOTONIC;
		st->metrics[k].value_type = SS_PLUGIN_METRIC_VALUE_TYPE_U64;
		st->metrics[k].value.u64 = vals[k];
	}
	*n = 4;
	return st->metrics;
}
