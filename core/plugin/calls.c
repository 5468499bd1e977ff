/* Calls into a loaded plugin: extraction, parsing, async events and state
 * dumps, capture listening, configuration and metrics. Each checks what
 * the plugin gives back before the core uses it. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log/log.h"
#include "plugin/internal.h"

__thread struct ph_mark ph_tls_mark;

const char *ph_in_call(const char **plugin)
{
	const struct ph_plugin *p = ph_tls_mark.p;
	if (plugin)
		*plugin = p && p->name ? p->name : (p && p->path ? p->path : "?");
	return p ? ph_tls_mark.fn : NULL;
}

const char *ph_get_owner_last_error(ss_plugin_owner_t *o)
{
	struct ph_plugin *p = o;
	return p->owner_err[0] ? p->owner_err : NULL;
}

void ph_set_owner_error(ss_plugin_owner_t *o, const char *msg)
{
	struct ph_plugin *p = o;
	ph_errcpy(p->owner_err, sizeof(p->owner_err), msg ? msg : "");
}

void *ph_tables_ctx(ss_plugin_owner_t *o)
{
	return ((struct ph_plugin *)o)->tables.ctx;
}

static ss_plugin_table_reader_vtable_ext *reader(struct ph_plugin *p)
{
	return p->tables.reader ? p->tables.reader : ph_empty_tables_reader();
}

static ss_plugin_table_writer_vtable_ext *writer(struct ph_plugin *p)
{
	return p->tables.writer ? p->tables.writer : ph_empty_tables_writer();
}

/* ---- extraction ---- */

int ph_field_find(const struct ph_plugin *p, const char *name)
{
	for (uint32_t i = 0; i < p->nfields; i++)
		if (strcmp(p->fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* An index argument as upstream reads one: decimal digits only, no
 * leading zero (so "01" is not an index), fitting in 64 bits. */
static const char *parse_index(const char *arg, uint64_t *out)
{
	uint64_t v = 0;
	if (!arg[0] || (arg[0] == '0' && arg[1]))
		return "an index cannot be empty or start with 0";
	for (const char *c = arg; *c; c++) {
		if (*c < '0' || *c > '9')
			return "an index has only digits";
		if (v > (UINT64_MAX - (uint64_t)(*c - '0')) / 10)
			return "the index does not fit in 64 bits";
		v = v * 10 + (uint64_t)(*c - '0');
	}
	*out = v;
	return NULL;
}

/* Upstream's request: arg_index is (uint64_t)-1 unless the argument is an
 * index; arg_key is the argument whenever the field takes keys (so a field
 * taking both gets both for "7"); arg_present tells an argument was given. */
int ph_field_request(const struct ph_plugin *p, uint32_t field_id, const char *arg, ss_plugin_extract_field *req,
                     char *err, size_t errlen)
{
	if (field_id >= p->nfields)
		return ph_fail(p, -EINVAL, err, errlen, "no field with id %u", field_id);
	const struct ph_field *f = &p->fields[field_id];
	memset(req, 0, sizeof(*req));
	req->field_id = field_id;
	req->field = f->name;
	req->ftype = f->ftype;
	req->flist = (f->flags & PH_FIELD_LIST) != 0;
	req->arg_index = UINT64_MAX;
	if (!arg) {
		if (f->flags & PH_FIELD_ARG_REQUIRED)
			return ph_fail(p, -EINVAL, err, errlen, "field %s requires an argument", f->name);
		return 0;
	}
	if (!(f->flags & (PH_FIELD_ARG_INDEX | PH_FIELD_ARG_KEY)))
		return ph_fail(p, -EINVAL, err, errlen, "field %s takes no argument", f->name);
	req->arg_present = 1;
	if (f->flags & PH_FIELD_ARG_INDEX) {
		const char *why = parse_index(arg, &req->arg_index);
		if (why && !(f->flags & PH_FIELD_ARG_KEY))
			return ph_fail(p, -EINVAL, err, errlen, "field %s needs a numeric index argument, not '%s' (%s)",
			               f->name, arg, why);
	}
	if (f->flags & PH_FIELD_ARG_KEY)
		req->arg_key = arg;
	return 0;
}

/* Whether the plugin rewrote what it was asked (only res and res_len are
 * its to write); only the first 8 requests of a call are watched. */
static bool changed(const ss_plugin_extract_field *was, const ss_plugin_extract_field *now)
{
	return was->field_id != now->field_id || was->field != now->field || was->arg_key != now->arg_key ||
	       was->arg_index != now->arg_index || was->arg_present != now->arg_present ||
	       was->ftype != now->ftype || was->flist != now->flist;
}

/* A result the core can read safely: count within the field's kind, and
 * an array (and strings) behind every value. */
static int check_result(const struct ph_plugin *p, const ss_plugin_extract_field *f, char *err, size_t errlen)
{
	if (f->res_len == 0)
		return 0;
	if (f->res_len > PH_MAX_VALUES)
		return ph_fail(p, -EINVAL, err, errlen, "extract_fields gave %" PRIu64 " values for %s (at most %u)",
		               f->res_len, f->field, PH_MAX_VALUES);
	if (f->res_len > 1 && !f->flist)
		return ph_fail(p, -EINVAL, err, errlen, "extract_fields gave %" PRIu64 " values for the non-list field %s",
		               f->res_len, f->field);
	if (!f->res.str)
		return ph_fail(p, -EINVAL, err, errlen, "extract_fields gave values for %s but no array", f->field);
	if (f->ftype == FTYPE_STRING)
		for (uint64_t i = 0; i < f->res_len; i++)
			if (!f->res.str[i] || strnlen(f->res.str[i], PH_MAX_STRING + 1) > PH_MAX_STRING)
				return ph_fail(p, -EINVAL, err, errlen, "extract_fields gave a %s string for %s",
				               f->res.str[i] ? "too long (or unterminated)" : "NULL", f->field);
	if (f->ftype == FTYPE_IPADDR || f->ftype == FTYPE_IPNET)
		for (uint64_t i = 0; i < f->res_len; i++)
			if ((f->res.buf[i].len != 4 && f->res.buf[i].len != 16) || !f->res.buf[i].ptr)
				return ph_fail(p, -EINVAL, err, errlen, "extract_fields gave a %u-byte address for %s",
				               f->res.buf[i].len, f->field);
	return 0;
}

int ph_extract(struct ph_plugin *p, const ss_plugin_event_input *evt, ss_plugin_extract_field *fields, uint32_t n,
               char *err, size_t errlen)
{
	for (uint32_t i = 0; i < n; i++)
		fields[i].res_len = 0;
	const struct ph_codes *c = p->extract_codes;
	uint16_t code = evt->evt->type;
	if (!c || (!c->all && !(c->bits[code / 8] & (1u << (code % 8)))))
		return 0;
	ss_plugin_field_extract_input in = {
		.owner = p,
		.get_owner_last_error = ph_get_owner_last_error,
		.num_fields = n,
		.fields = fields,
		.table_reader_ext = reader(p),
		.value_offsets = NULL,
	};
	ph_reader_v0(&in.table_reader, in.table_reader_ext);
	/* What the plugin may not change: the requests themselves. */
	ss_plugin_extract_field saved[8];
	for (uint32_t i = 0; i < n && i < 8; i++)
		saved[i] = fields[i];
	ss_plugin_rc rc = PH_CALL(p, "extract_fields", p->api.extract_fields(p->state, evt, &in));
	ph_call_done(p);
	if (rc != SS_PLUGIN_SUCCESS)
		return ph_fail(p, -EIO, err, errlen, "extract_fields failed on event #%" PRIu64 ": %s", evt->evtnum,
		               ph_last_error(p));
	for (uint32_t i = 0; i < n; i++) {
		if (i < 8 && changed(&saved[i], &fields[i])) {
			fields[i] = saved[i]; /* res_len 0 */
			return ph_fail(p, -EINVAL, err, errlen, "extract_fields changed the request for field %s",
			               saved[i].field);
		}
		if (check_result(p, &fields[i], err, errlen))
			return -EINVAL;
	}
	return 0;
}

/* ---- parsing ---- */

int ph_parse(struct ph_plugin *p, const ss_plugin_event_input *evt, char *err, size_t errlen)
{
	const struct ph_codes *c = p->parse_codes;
	uint16_t code = evt->evt->type;
	if (!c || (!c->all && !(c->bits[code / 8] & (1u << (code % 8)))))
		return 0;
	ss_plugin_event_parse_input in = {
		.owner = p,
		.get_owner_last_error = ph_get_owner_last_error,
		.table_reader_ext = reader(p),
		.table_writer_ext = writer(p),
	};
	ph_reader_v0(&in.table_reader, in.table_reader_ext);
	ph_writer_v0(&in.table_writer, in.table_writer_ext);
	ss_plugin_rc rc = PH_CALL(p, "parse_event", p->api.parse_event(p->state, evt, &in));
	ph_call_done(p);
	if (rc != SS_PLUGIN_SUCCESS)
		return ph_fail(p, -EIO, err, errlen, "parse_event failed on event #%" PRIu64 ": %s", evt->evtnum,
		               ph_last_error(p));
	return 0;
}

int ph_parse_logged(struct ph_plugin *p, const ss_plugin_event_input *evt)
{
	char err[PH_ERRLEN];
	int rc = ph_parse(p, evt, err, sizeof(err));
	if (rc < 0) {
		uint64_t n = ++p->parse_errors;
		if ((n & (n - 1)) == 0) /* a power of two */
			log_msg(LOG_LVL_ERR, "%s (%llu such errors so far)", err, (unsigned long long)n);
	}
	return rc;
}

/* ---- async events ---- */

/* Checks an async event: code, params, lengths that add up, a NUL-ended
 * name among the declared ones. Returns NULL or the reason. */
static const char *async_problem(const struct ph_plugin *p, const ss_plugin_event *e, const char **name)
{
	uint32_t l[3];
	*name = "";
	if (!e || e->type != PLUGIN_EVT_ASYNCEVENT || e->nparams != 3 || e->len < PLUGIN_EVT_ASYNC_NAME_OFFSET)
		return "malformed async event (expected code 402 with 3 params)";
	if (e->len > PH_MAX_EVENT_LEN)
		return "async event larger than the host accepts";
	memcpy(l, (const char *)e + PLUGIN_EVT_HDR_LEN, sizeof(l));
	if (l[0] != 4 || l[1] == 0 || (uint64_t)PLUGIN_EVT_ASYNC_ID_OFFSET + l[0] + l[1] + l[2] != e->len)
		return "malformed async event (param lengths do not add up)";
	const char *n = (const char *)e + PLUGIN_EVT_ASYNC_NAME_OFFSET;
	if (n[l[1] - 1] != '\0' || strlen(n) != l[1] - 1)
		return "malformed async event (name not NUL-terminated)";
	*name = n;
	for (uint32_t i = 0; i < p->n_async_names; i++)
		if (strcmp(p->async_names[i], n) == 0)
			return NULL;
	return "async event name not declared by get_async_events";
}

static ss_plugin_rc deliver(struct ph_plugin *p, ph_async_fn fn, void *ctx, const ss_plugin_event *e, char *err)
{
	const char *name;
	const char *why = async_problem(p, e, &name);
	if (!why && !fn)
		why = "no async handler is set";
	if (why) {
		if (err)
			snprintf(err, PLUGIN_MAX_ERRLEN, "plugin '%s': %s%s%s%s", p->name, why, name[0] ? " ('" : "", name,
			         name[0] ? "')" : "");
		return SS_PLUGIN_FAILURE;
	}
	if (fn(ctx, p, e) != 0) {
		if (err)
			snprintf(err, PLUGIN_MAX_ERRLEN, "plugin '%s': async event '%s' refused by the host", p->name, name);
		return SS_PLUGIN_FAILURE;
	}
	return SS_PLUGIN_SUCCESS;
}

static ss_plugin_rc async_handler(ss_plugin_owner_t *o, const ss_plugin_event *e, char *err)
{
	struct ph_plugin *p = o;
	ph_async_fn fn = __atomic_load_n(&p->async_fn, __ATOMIC_ACQUIRE);
	void *ctx = __atomic_load_n(&p->async_ctx, __ATOMIC_ACQUIRE);
	return deliver(p, fn, ctx, e, err);
}

static ss_plugin_rc dump_handler(ss_plugin_owner_t *o, const ss_plugin_event *e, char *err)
{
	struct ph_plugin *p = o;
	return deliver(p, p->dump_fn, p->dump_ctx, e, err);
}

int ph_set_async_handler(struct ph_plugin *p, ph_async_fn fn, void *ctx, char *err, size_t errlen)
{
	if (!(p->caps & CAP_ASYNC))
		return ph_fail(p, -EINVAL, err, errlen, "has no async events capability");
	if (!p->inited)
		return ph_fail(p, -EINVAL, err, errlen, "async handler set before init");
	bool had = __atomic_load_n(&p->async_fn, __ATOMIC_ACQUIRE) != NULL;
	if (fn && had)
		return ph_fail(p, -EBUSY, err, errlen, "an async handler is already set; reset it first");
	if (fn) {
		/* Published before the call: the plugin may start sending from
		 * threads it spawns inside set_async_event_handler(). */
		__atomic_store_n(&p->async_ctx, ctx, __ATOMIC_RELEASE);
		__atomic_store_n(&p->async_fn, fn, __ATOMIC_RELEASE);
	}
	ss_plugin_rc rc = PH_CALL(p, "set_async_event_handler",
	                          p->api.set_async_event_handler(p->state, p, fn ? async_handler : NULL));
	if (rc != SS_PLUGIN_SUCCESS) {
		if (fn)
			__atomic_store_n(&p->async_fn, NULL, __ATOMIC_RELEASE);
		return ph_fail(p, -EIO, err, errlen, "set_async_event_handler failed: %s", ph_last_error(p));
	}
	/* Cleared after the call: the plugin has stopped its senders by now. */
	if (!fn)
		__atomic_store_n(&p->async_fn, NULL, __ATOMIC_RELEASE);
	return 0;
}

int ph_async_admit(const struct ph_plugin *p, ss_plugin_event *evt, const char *src, uint32_t src_id, char *err,
                   size_t errlen)
{
	bool ok = p->n_async_src == 0;
	for (uint32_t i = 0; !ok && i < p->n_async_src; i++)
		ok = strcmp(p->async_src[i], src) == 0;
	if (!ok)
		return ph_fail(p, -EINVAL, err, errlen, "async events are not compatible with the open event source '%s'",
		               src);
	if (src_id != 0 && evt->tid != UINT64_MAX)
		return ph_fail(p, -EINVAL, err, errlen,
		               "async events joining event source '%s' must have no thread (tid -1), not %" PRIu64, src,
		               (uint64_t)evt->tid);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	if (evt->ts != UINT64_MAX && evt->ts > ns + 10 * 1000000000ull)
		return ph_fail(p, -EINVAL, err, errlen, "async event timestamp %" PRIu64 " is more than 10 s ahead",
		               (uint64_t)evt->ts);
	if (evt->ts == UINT64_MAX)
		memcpy(&evt->ts, &ns, sizeof(ns));
	memcpy((char *)evt + PLUGIN_EVT_ASYNC_ID_OFFSET, &src_id, sizeof(src_id));
	return 0;
}

int ph_dump_state(struct ph_plugin *p, ph_async_fn fn, void *ctx, char *err, size_t errlen)
{
	if (!(p->caps & CAP_ASYNC))
		return ph_fail(p, -EINVAL, err, errlen, "has no async events capability");
	if (!p->api.dump_state || !p->inited)
		return 0;
	p->dump_fn = fn;
	p->dump_ctx = ctx;
	ss_plugin_rc rc = PH_CALL(p, "dump_state", p->api.dump_state(p->state, p, dump_handler));
	p->dump_fn = NULL;
	p->dump_ctx = NULL;
	if (rc != SS_PLUGIN_SUCCESS)
		return ph_fail(p, -EIO, err, errlen, "dump_state failed: %s", ph_last_error(p));
	return 0;
}

/* ---- capture listening ---- */

static int capture_call(struct ph_plugin *p, bool open, char *err, size_t errlen)
{
	if (!(p->caps & CAP_CAPTURE_LISTENING))
		return 0;
	ss_plugin_capture_listen_input in = {
		.owner = p,
		.routine = ph_routine_vtable(),
		.table_reader_ext = reader(p),
		.table_writer_ext = writer(p),
		.get_owner_last_error = ph_get_owner_last_error,
	};
	ss_plugin_rc rc = open ? PH_CALL(p, "capture_open", p->api.capture_open(p->state, &in))
	                       : PH_CALL(p, "capture_close", p->api.capture_close(p->state, &in));
	ph_call_done(p);
	if (!open)
		ph_routines_stop_all(p);
	if (rc != SS_PLUGIN_SUCCESS)
		return ph_fail(p, -EIO, err, errlen, "%s failed: %s", open ? "capture_open" : "capture_close",
		               ph_last_error(p));
	return 0;
}

int ph_capture_open(struct ph_plugin *p, char *err, size_t errlen) { return capture_call(p, true, err, errlen); }
int ph_capture_close(struct ph_plugin *p, char *err, size_t errlen) { return capture_call(p, false, err, errlen); }

/* ---- config and metrics ---- */

int ph_set_config(struct ph_plugin *p, const char *config, char *err, size_t errlen)
{
	if (!p->api.set_config)
		return ph_fail(p, -ENOTSUP, err, errlen, "does not accept configuration updates");
	ss_plugin_schema_type type;
	const char *schema_text = ph_init_schema(p, &type);
	const char *conf = config && config[0] ? config : (schema_text ? "{}" : "");
	if (schema_text && type == SS_PLUGIN_SCHEMA_JSON) {
		cJSON *schema = cJSON_Parse(schema_text), *doc = cJSON_Parse(conf);
		char why[PH_ERRLEN];
		int rc = 0;
		if (!schema || !doc)
			rc = ph_fail(p, -EINVAL, err, errlen, "%s is not valid JSON", schema ? "config" : "init schema");
		else if (ph_json_validate(schema, doc, why, sizeof(why)))
			rc = ph_fail(p, -EINVAL, err, errlen, "config does not match the plugin's schema: %s", why);
		cJSON_Delete(schema);
		cJSON_Delete(doc);
		if (rc)
			return rc;
	}
	ss_plugin_set_config_input in = {.config = conf};
	if (PH_CALL(p, "set_config", p->api.set_config(p->state, &in)) != SS_PLUGIN_SUCCESS)
		return ph_fail(p, -EIO, err, errlen, "set_config refused the configuration: %s", ph_last_error(p));
	return 0;
}

/* Why a metric cannot be published, or NULL. */
static const char *metric_problem(const ss_plugin_metric *m)
{
	if (!m->name || !m->name[0] || strnlen(m->name, 256) == 256)
		return "a metric without a name (or with one over 255 bytes)";
	if ((unsigned)m->type > SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC)
		return "a metric of unknown type";
	if ((unsigned)m->value_type > SS_PLUGIN_METRIC_VALUE_TYPE_I)
		return "a metric of unknown value type";
	return NULL;
}

const ss_plugin_metric *ph_metrics(struct ph_plugin *p, uint32_t *n)
{
	*n = 0;
	if (!p->api.get_metrics || !p->inited)
		return NULL;
	uint32_t count = 0;
	const ss_plugin_metric *m = PH_CALL(p, "get_metrics", p->api.get_metrics(p->state, &count));
	if (!m || !count)
		return NULL;
	const char *why = count > PH_MAX_METRICS ? "more metrics than the host accepts" : NULL;
	for (uint32_t i = 0; i < count && !why; i++)
		why = metric_problem(&m[i]);
	if (why) {
		char err[PH_ERRLEN];
		ph_fail(p, -EINVAL, err, sizeof(err), "get_metrics gave %s (%u metrics); its metrics are left out: %s", why,
		        count, ph_last_error(p));
		log_msg(LOG_LVL_ERR, "%s", err);
		return NULL;
	}
	*n = count;
	return m;
}

const char *ph_metric_name(const struct ph_plugin *p, const ss_plugin_metric *m, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s.%s", p->name, m->name ? m->name : "");
	return buf;
}
