/*
 * Test plugin "hostile": a sourcing + extraction plugin whose output is
 * wrong on purpose, in one way chosen by its init config (plain text), to
 * check that the host validates what a plugin hands it, reports it with
 * the plugin's name and last error, and never crashes. Complements
 * broken.c (refused at load) and counter.c's special open params (bad
 * events from next_batch).
 *
 * Source "hostile", id 997; open params "N" gives N plugin events.
 * Fields: hostile.str (string), hostile.list (string list), hostile.ip
 * (ipaddr), hostile.tables (string: what the host answered to bad table
 * calls made during init). Modes:
 *   extract_many     hostile.list gives 65537 values (more than the host takes)
 *   extract_longstr  hostile.str gives a 17 MiB string
 *   extract_req      extract_fields rewrites the request's field type
 *   extract_badaddr  hostile.ip gives a 7-byte address
 *   extract_fail     extract_fields fails, last error "hostile: cannot extract"
 *   lasterr_long     next_batch fails after one batch; the last error has
 *                    5000 bytes before its NUL
 *   tostring_long    event_to_string gives a 100000-byte text
 *   metrics_bad      get_metrics gives a metric with no name
 *   metrics_many     get_metrics claims 1<<30 metrics (backed by 1)
 *   openparams_bad   list_open_params gives text that is not JSON
 *   tables           init calls the tables API with made-up table and
 *                    field handles, a NULL key and a NULL entry
 *   codes_many       get_extract_event_types claims 1<<20 codes (backed by 1)
 *   parse_fail       parse_event fails on every event of source hostile,
 *                    last error "hostile: cannot parse" (other modes: it
 *                    parses them and succeeds)
 *   async_bad        sends a NULL async event and one whose header claims
 *                    70 MiB; logs what the host answered (async name "hx")
 * With HOSTILE_FIELDS set in the environment, get_fields returns its value
 * (for malformed field descriptions).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_api.h"
#include "plugin_events.h"

#define MAXEVT 16

struct state {
	char mode[64];
	char *err;       /* last error: PLUGIN_MAX_ERRLEN, or 5000 bytes for lasterr_long */
	char *big;       /* extract_longstr / tostring_long text */
	const char **many;
	const char *one;
	char tables[2048];
	bool tables_read; /* the reader calls were made (first extraction) */
	ss_plugin_table_t *threads;
	ss_plugin_table_field_t *comm;
	uint8_t ip[7];
	ss_plugin_byte_buffer buf;
	ss_plugin_metric metric;
	ss_plugin_owner_t *owner;
	ss_plugin_log_fn_t log;
	uint32_t n, next;
	uint8_t evts[MAXEVT][64];
	ss_plugin_event *ptrs[MAXEVT];
};

const char *plugin_get_required_api_version(void) { return "3.0.0"; }
const char *plugin_get_version(void) { return "0.0.1"; }
const char *plugin_get_name(void) { return "hostile"; }
const char *plugin_get_description(void) { return "hands the host bad output"; }
const char *plugin_get_contact(void) { return "tests"; }
uint32_t plugin_get_id(void) { return 997; }
const char *plugin_get_event_source(void) { return "hostile"; }

static bool is(const struct state *s, const char *m) { return strcmp(s->mode, m) == 0; }

/* Asks the host for made-up handles; notes what it answered. */
static void bad_table_calls(struct state *s, const ss_plugin_init_input *in)
{
	const ss_plugin_init_tables_input *t = in->tables;
	char fake_mem[64] = {0};
	ss_plugin_table_t *fake = (ss_plugin_table_t *)fake_mem;
	size_t o = 0;
	ss_plugin_table_field_t *f = t->fields_ext->get_table_field(fake, "comm", SS_PLUGIN_ST_STRING);
	const char *e = in->get_owner_last_error(in->owner);
	o += (size_t)snprintf(s->tables + o, sizeof(s->tables) - o, "get_table_field(fake)=%s [%s];",
	                      f ? "handle" : "NULL", e ? e : "");
	uint32_t nf = 7;
	const ss_plugin_table_fieldinfo *fi = t->fields_ext->list_table_fields(fake, &nf);
	e = in->get_owner_last_error(in->owner);
	o += (size_t)snprintf(s->tables + o, sizeof(s->tables) - o, " list_table_fields(fake)=%s,%u [%s];",
	                      fi ? "list" : "NULL", nf, e ? e : "");
	ss_plugin_table_t *threads = t->get_table(in->owner, "threads", SS_PLUGIN_ST_INT64);
	ss_plugin_table_field_t *fake_field = (ss_plugin_table_field_t *)(fake_mem + 8);
	ss_plugin_table_field_t *ok = threads ? t->fields_ext->get_table_field(threads, "comm", SS_PLUGIN_ST_STRING)
	                                      : NULL;
	o += (size_t)snprintf(s->tables + o, sizeof(s->tables) - o, " threads=%s comm=%s;", threads ? "ok" : "none",
	                      ok ? "ok" : "none");
	(void)fake_field;
	s->threads = threads;
	s->comm = ok;
}

/* The reader's part, during extract_fields. */
static void bad_reader_calls(struct state *s, const ss_plugin_field_extract_input *in)
{
	char fake_mem[64] = {0};
	ss_plugin_table_t *fake = (ss_plugin_table_t *)fake_mem;
	ss_plugin_table_reader_vtable_ext *r = in->table_reader_ext;
	size_t o = strlen(s->tables);
	const char *name = r->get_table_name(fake);
	const char *e = in->get_owner_last_error(in->owner);
	o += (size_t)snprintf(s->tables + o, sizeof(s->tables) - o, " get_table_name(fake)=%s [%s];",
	                      name ? name : "NULL", e ? e : "");
	ss_plugin_table_entry_t *ent = s->threads ? r->get_table_entry(s->threads, NULL) : NULL;
	e = in->get_owner_last_error(in->owner);
	o += (size_t)snprintf(s->tables + o, sizeof(s->tables) - o, " get_table_entry(NULL key)=%s [%s];",
	                      ent ? "entry" : "NULL", e ? e : "");
	ss_plugin_state_data out;
	ss_plugin_rc rc = s->threads ? r->read_entry_field(s->threads, NULL, s->comm, &out) : SS_PLUGIN_FAILURE;
	e = in->get_owner_last_error(in->owner);
	o += (size_t)snprintf(s->tables + o, sizeof(s->tables) - o, " read(NULL entry)=%d [%s];", (int)rc, e ? e : "");
	rc = s->threads ? r->read_entry_field(s->threads, (ss_plugin_table_entry_t *)fake_mem,
	                                      (ss_plugin_table_field_t *)(fake_mem + 8), &out)
	                : SS_PLUGIN_FAILURE;
	e = in->get_owner_last_error(in->owner);
	snprintf(s->tables + o, sizeof(s->tables) - o, " read(fake field)=%d [%s]", (int)rc, e ? e : "");
}

ss_plugin_t *plugin_init(const ss_plugin_init_input *in, ss_plugin_rc *rc)
{
	struct state *s = calloc(1, sizeof(*s));
	*rc = SS_PLUGIN_SUCCESS;
	if (!s)
		return NULL;
	snprintf(s->mode, sizeof(s->mode), "%s", in->config ? in->config : "");
	s->owner = in->owner;
	s->log = in->log_fn;
	size_t errlen = is(s, "lasterr_long") ? 5001 : PLUGIN_MAX_ERRLEN;
	s->err = calloc(1, errlen);
	if (is(s, "lasterr_long"))
		memset(s->err, 'E', 5000);
	if (is(s, "extract_longstr") || is(s, "tostring_long")) {
		size_t n = is(s, "tostring_long") ? 100000 : (17u << 20);
		s->big = malloc(n + 1);
		memset(s->big, 'x', n);
		s->big[n] = 0;
	}
	if (is(s, "extract_many")) {
		s->many = calloc(65537, sizeof(*s->many));
		for (size_t i = 0; i < 65537; i++)
			s->many[i] = "v";
	}
	if (is(s, "tables"))
		bad_table_calls(s, in);
	return s;
}

void plugin_destroy(ss_plugin_t *p)
{
	struct state *s = p;
	free(s->err);
	free(s->big);
	free(s->many);
	free(s);
}

const char *plugin_get_last_error(ss_plugin_t *p) { return ((struct state *)p)->err; }

ss_instance_t *plugin_open(ss_plugin_t *p, const char *params, ss_plugin_rc *rc)
{
	struct state *s = p;
	s->n = (uint32_t)atoi(params);
	if (s->n == 0 || s->n > MAXEVT)
		s->n = 3;
	s->next = 0;
	*rc = SS_PLUGIN_SUCCESS;
	return s;
}

void plugin_close(ss_plugin_t *p, ss_instance_t *h)
{
	(void)p;
	(void)h;
}

ss_plugin_rc plugin_next_batch(ss_plugin_t *p, ss_instance_t *h, uint32_t *nevts, ss_plugin_event ***evts)
{
	(void)h;
	struct state *s = p;
	*nevts = 0;
	if (is(s, "lasterr_long") && s->next > 0)
		return SS_PLUGIN_FAILURE;
	if (s->next >= s->n)
		return SS_PLUGIN_EOF;
	uint32_t k = 0;
	while (k < 4 && s->next < s->n) {
		char payload[8];
		int len = snprintf(payload, sizeof(payload), "%u", s->next);
		plugin_evt_encode_plugin(s->evts[k], sizeof(s->evts[k]), 1000 + s->next, 0, payload, (uint32_t)len);
		s->ptrs[k] = (ss_plugin_event *)s->evts[k];
		k++;
		s->next++;
	}
	*nevts = k;
	*evts = s->ptrs;
	return SS_PLUGIN_SUCCESS;
}

const char *plugin_list_open_params(ss_plugin_t *p, ss_plugin_rc *rc)
{
	*rc = SS_PLUGIN_SUCCESS;
	return is(p, "openparams_bad") ? "[{\"value\": \"1\"}, {oops" : "[{\"value\":\"3\"}]";
}

const char *plugin_event_to_string(ss_plugin_t *p, const ss_plugin_event_input *evt)
{
	(void)evt;
	struct state *s = p;
	return is(s, "tostring_long") ? s->big : "hostile event";
}

const char *plugin_get_fields(void)
{
	const char *bad = getenv("HOSTILE_FIELDS");
	if (bad)
		return bad;
	return "[{\"type\":\"string\",\"name\":\"hostile.str\",\"desc\":\"a string\"},"
	       "{\"type\":\"string\",\"name\":\"hostile.list\",\"desc\":\"strings\",\"isList\":true},"
	       "{\"type\":\"ipaddr\",\"name\":\"hostile.ip\",\"desc\":\"an address\"},"
	       "{\"type\":\"string\",\"name\":\"hostile.tables\",\"desc\":\"bad table calls\"}]";
}

ss_plugin_rc plugin_extract_fields(ss_plugin_t *p, const ss_plugin_event_input *evt,
                                   const ss_plugin_field_extract_input *in)
{
	(void)evt;
	struct state *s = p;
	if (is(s, "extract_fail")) {
		snprintf(s->err, PLUGIN_MAX_ERRLEN, "hostile: cannot extract");
		return SS_PLUGIN_FAILURE;
	}
	for (uint32_t k = 0; k < in->num_fields; k++) {
		ss_plugin_extract_field *f = &in->fields[k];
		f->res_len = 1;
		switch (f->field_id) {
		case 0:
			s->one = is(s, "extract_longstr") ? s->big : "fine";
			f->res.str = &s->one;
			if (is(s, "extract_req"))
				f->ftype = FTYPE_UINT64;
			break;
		case 1:
			s->one = "a";
			f->res.str = is(s, "extract_many") ? s->many : &s->one;
			f->res_len = is(s, "extract_many") ? 65537 : 1;
			break;
		case 2:
			s->buf.ptr = s->ip;
			s->buf.len = is(s, "extract_badaddr") ? 7 : 4;
			f->res.buf = &s->buf;
			break;
		default:
			if (is(s, "tables") && !s->tables_read) {
				s->tables_read = true;
				bad_reader_calls(s, in);
			}
			s->one = s->tables;
			f->res.str = &s->one;
			break;
		}
	}
	return SS_PLUGIN_SUCCESS;
}

uint16_t *plugin_get_extract_event_types(uint32_t *n, ss_plugin_t *p)
{
	static uint16_t codes[] = {322};
	*n = is(p, "codes_many") ? (1u << 20) : 1;
	return codes;
}

const char *plugin_get_async_events(void) { return "[\"hx\"]"; }

/* async_bad: bad events sent as soon as the handler is set (from the
 * host's thread, which the API allows); the host's answers are logged. */
ss_plugin_rc plugin_set_async_event_handler(ss_plugin_t *p, ss_plugin_owner_t *owner,
                                            const ss_plugin_async_event_handler_t handler)
{
	struct state *s = p;
	if (!handler || !is(s, "async_bad"))
		return SS_PLUGIN_SUCCESS;
	char err[PLUGIN_MAX_ERRLEN], msg[PLUGIN_MAX_ERRLEN + 32];
	uint8_t buf[128];
	/* a NULL event */
	err[0] = 0;
	if (handler(owner, NULL, err) != SS_PLUGIN_SUCCESS) {
		snprintf(msg, sizeof(msg), "async refused: %s", err);
		s->log(s->owner, NULL, msg, SS_PLUGIN_LOG_SEV_ERROR);
	}
	/* a header claiming 70 MiB in a 128-byte buffer */
	plugin_evt_encode_async(buf, sizeof(buf), 0, UINT64_MAX, "hx", "d", 1);
	uint32_t huge = 70u << 20;
	memcpy(buf + 16, &huge, 4);
	err[0] = 0;
	if (handler(owner, (const ss_plugin_event *)buf, err) != SS_PLUGIN_SUCCESS) {
		snprintf(msg, sizeof(msg), "async refused: %s", err);
		s->log(s->owner, NULL, msg, SS_PLUGIN_LOG_SEV_ERROR);
	}
	return SS_PLUGIN_SUCCESS;
}

const char *plugin_get_parse_event_sources(void) { return "[\"hostile\"]"; }

ss_plugin_rc plugin_parse_event(ss_plugin_t *p, const ss_plugin_event_input *evt, const ss_plugin_event_parse_input *in)
{
	(void)evt;
	(void)in;
	struct state *s = p;
	if (!is(s, "parse_fail"))
		return SS_PLUGIN_SUCCESS;
	snprintf(s->err, PLUGIN_MAX_ERRLEN, "hostile: cannot parse");
	return SS_PLUGIN_FAILURE;
}

ss_plugin_metric *plugin_get_metrics(ss_plugin_t *p, uint32_t *num_metrics)
{
	struct state *s = p;
	s->metric = (ss_plugin_metric){.name = is(s, "metrics_bad") ? NULL : "events",
	                               .type = SS_PLUGIN_METRIC_TYPE_MONOTONIC,
	                               .value_type = SS_PLUGIN_METRIC_VALUE_TYPE_U64};
	s->metric.value.u64 = s->next;
	*num_metrics = is(s, "metrics_many") ? (1u << 30) : 1;
	return &s->metric;
}
