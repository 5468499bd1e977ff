/*
 * The plugin host (core/plugin) against the test plugins of tests/plugins/
 * (built against plugin_api/ only). Expected values come from the plugin
 * API's documented rules (upstream plugin_api.h / plugin_loader.c) and from
 * what each test plugin is written to produce, never from the host itself.
 * argv[1]: the directory holding the test plugins.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "event/event.h"
#include "plugin/plugin.h"

static const char *plugin_dir;
static char err[PH_ERRLEN];

static struct ph_plugin *load_ok(const char *lib, const struct ph_opts *opts)
{
	char path[1024];
	struct ph_plugin *p = NULL;
	snprintf(path, sizeof(path), "%s/lib%s.so", plugin_dir, lib);
	int rc = ph_load(path, opts, &p, err, sizeof(err));
	if (rc)
		fail_msg("loading %s: %s", lib, err);
	return p;
}

static int load_rc(const char *lib, struct ph_plugin **p)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/lib%s.so", plugin_dir, lib);
	err[0] = '\0';
	return ph_load(path, NULL, p, err, sizeof(err));
}

#define assert_contains(hay, needle)                                                              \
	do {                                                                                          \
		if (!strstr((hay), (needle)))                                                             \
			fail_msg("'%s' does not contain '%s'", (hay), (needle));                              \
	} while (0)

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- version rules (from the plugin API's compatibility rule) ---- */

static void test_api_version_rule(void **state)
{
	(void)state;
	const char *ok[] = {"3.12.0", "3.0.0", "3.11.99", "3.1.0-rc1"}; /* suffix ignored, as upstream */
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(ph_check_api_version(ok[i], err, sizeof(err)), 0);
	struct {
		const char *v, *why;
	} bad[] = {
		{"3.12.1", "patch"}, {"3.13.0", "minor"}, {"4.0.0", "major"}, {"2.99.0", "major"},
		{"3.12", "invalid"}, {"", "invalid"},     {"3.x.0", "invalid"}, {"3..0", "invalid"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ph_check_api_version(bad[i].v, err, sizeof(err)), -EINVAL);
		assert_contains(err, bad[i].why);
	}
}

/* required_plugin_versions: the rules json 0.7.0 / k8saudit 0.18.0 */
static void test_plugin_version_rule(void **state)
{
	(void)state;
	assert_true(ph_version_compatible("0.7.4", "0.7.0"));
	assert_true(ph_version_compatible("0.7.0", "0.7.0"));
	assert_true(ph_version_compatible("0.8.0", "0.7.9"));
	assert_false(ph_version_compatible("0.6.9", "0.7.0"));
	assert_false(ph_version_compatible("0.7.3", "0.7.4"));
	assert_false(ph_version_compatible("1.0.0", "0.7.0"));
	assert_false(ph_version_compatible("0.18", "0.18.0"));
	assert_true(ph_version_compatible("0.18.0-rc2", "0.18.0"));
}

static void test_schema_version_rule(void **state)
{
	(void)state;
	assert_string_equal(PH_EVENT_SCHEMA_VERSION, "4.5.1");
	assert_int_equal(ph_check_schema_version("4.0.0", "4.5.1", err, sizeof(err)), 0);
	assert_int_equal(ph_check_schema_version("4.5.1", "4.5.1", err, sizeof(err)), 0);
	assert_int_equal(ph_check_schema_version("4.4.9", "4.5.1", err, sizeof(err)), 0);
	const char *bad[] = {"4.5.2", "4.6.0", "3.0.0", "5.0.0"};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(ph_check_schema_version(bad[i], "4.5.1", err, sizeof(err)), -EINVAL);
}

/* ---- refusals ---- */

static void test_refusals(void **state)
{
	(void)state;
	struct {
		int variant;
		const char *msg;
	} cases[] = {
		{1, "plugin_open, plugin_close and plugin_next_batch"},
		{2, "plugin_get_fields with plugin_extract_fields"},
		{3, "plugin_get_async_events with plugin_set_async_event_handler"},
		{4, "plugin_capture_close with plugin_capture_open"},
		{5, "both plugin_get_id (non-zero) and plugin_get_event_source"},
		{6, "implements no capability"},
		{7, "required API version 4.0.0 is not compatible with the host's 3.12.0: major"},
		{8, "required API version 3.13.0 is not compatible with the host's 3.12.0: it needs a newer minor"},
		{9, "required API version 3.12.1 is not compatible with the host's 3.12.0: it needs a newer patch"},
		{10, "invalid required API version 'three'"},
		{11, "required symbol plugin_get_contact is missing"},
		{12, "the event source name 'syscall' is reserved"},
		{13, "field 'b.x' has an unknown type 'float'"},
		{19, "invalid plugin version '1.0'"},
		{20, "a required arg must be an index (isIndex) or a key (isKey)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char lib[32];
		struct ph_plugin *p = (struct ph_plugin *)1;
		snprintf(lib, sizeof(lib), "broken%d", cases[i].variant);
		assert_int_equal(load_rc(lib, &p), -EINVAL);
		assert_null(p);
		assert_contains(err, cases[i].msg);
		/* named once its name is known; by its library before */
		assert_contains(err, cases[i].variant == 11 ? "/libbroken11.so: " : "plugin 'broken': ");
	}
	struct ph_plugin *p;
	assert_int_equal(load_rc("does-not-exist", &p), -ENOENT);
	assert_contains(err, "cannot load plugin library");
	assert_contains(err, "does-not-exist");
}

struct logged {
	char plugin[64], msg[256], in_call[64];
	int n;
	ss_plugin_log_severity sev;
};

static void log_sink(void *ctx, const char *plugin, const char *component, const char *msg, ss_plugin_log_severity sev)
{
	struct logged *l = ctx;
	(void)component;
	l->sev = sev;
	snprintf(l->plugin, sizeof(l->plugin), "%s", plugin);
	snprintf(l->msg, sizeof(l->msg), "%s", msg);
	const char *who = NULL, *fn = ph_in_call(&who);
	snprintf(l->in_call, sizeof(l->in_call), "%s/%s", who ? who : "-", fn ? fn : "-");
	l->n++;
}

static void test_accepted_and_init_failure(void **state)
{
	(void)state;
	/* a field defined twice: accepted as upstream does, the first wins,
	 * with a warning through the log sink */
	struct logged log = {0};
	struct ph_opts o = {.sz = sizeof(o), .log = log_sink, .log_ctx = &log};
	struct ph_plugin *dup = load_ok("broken21", &o);
	uint32_t nf;
	const struct ph_field *df = ph_fields(dup, &nf);
	assert_int_equal(nf, 2);
	assert_int_equal(ph_field_find(dup, "b.x"), 0);
	assert_int_equal(df[0].ftype, FTYPE_STRING);
	assert_int_equal(log.n, 1);
	assert_string_equal(log.plugin, "broken");
	assert_contains(log.msg, "field 'b.x' is defined twice; the first definition is used");
	assert_int_equal(log.sev, SS_PLUGIN_LOG_SEV_WARNING);
	ph_unload(dup);

	struct ph_plugin *p = load_ok("broken18", NULL); /* requires exactly our version */
	assert_int_equal(ph_caps(p), CAP_EXTRACTION);
	assert_string_equal(ph_required_api_version(p), "3.12.0");
	ph_unload(p);

	p = load_ok("broken17", NULL);
	assert_int_equal(ph_init(p, "", err, sizeof(err)), -EIO);
	assert_contains(err, "plugin 'broken': init failed: cannot reach the collector at 127.0.0.1:1");
	ph_unload(p);
}

static void test_event_schema_check(void **state)
{
	(void)state;
	struct {
		int variant, rc;
		const char *msg;
	} cases[] = {
		{14, -EINVAL, "required event schema version 3.0.0 is not compatible with the host's 4.5.1: major"},
		{15, 0, NULL},
		{16, -EINVAL, "required event schema version 4.6.0 is not compatible with the host's 4.5.1: it needs a "
		              "newer minor"},
	};
	for (size_t i = 0; i < 3; i++) {
		char lib[32];
		snprintf(lib, sizeof(lib), "broken%d", cases[i].variant);
		struct ph_plugin *p = load_ok(lib, NULL);
		assert_int_equal(ph_init(p, NULL, err, sizeof(err)), 0);
		assert_true(ph_wants_extract(p, 3, "syscall"));
		assert_false(ph_wants_extract(p, 5, "syscall"));
		assert_int_equal(ph_check_event_schema(p, PH_EVENT_SCHEMA_VERSION, err, sizeof(err)), cases[i].rc);
		if (cases[i].msg)
			assert_contains(err, cases[i].msg);
		ph_unload(p);
	}
	/* only plugin events: no schema check (the counter plugin declares none) */
	struct ph_plugin *p = load_ok("counter", NULL);
	assert_int_equal(ph_init(p, NULL, err, sizeof(err)), 0);
	assert_int_equal(ph_check_event_schema(p, PH_EVENT_SCHEMA_VERSION, err, sizeof(err)), 0);
	ph_unload(p);
}

/* ---- CLI text: upstream Falco's --plugin-info layout, written out by hand ---- */

static void test_print_info(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct ph_plugin *p = load_ok("counter", NULL);
	ph_print_info(p, out);
	ph_print_init_schema(p, out);
	assert_int_equal(ph_init(p, NULL, err, sizeof(err)), 0);
	assert_int_equal(ph_print_open_params(p, out, err, sizeof(err)), 0);
	ph_unload(p);
	p = load_ok("probe", NULL);
	ph_print_info(p, out);
	ph_unload(p);
	fclose(out);
	assert_string_equal(text, "Name: counter\n"
	                          "Description: counts\n"
	                          "Contact: tests\n"
	                          "Version: 1.2.3\n"
	                          "Capabilities: \n"
	                          "  - Event Sourcing (ID=999, source='counter')\n"
	                          "  - Field Extraction\n"
	                          "Init config schema type: Not available, plugin does not implement the init config "
	                          "schema functionality\n"
	                          "\n\n"
	                          "Suggested open params:\n"
	                          "5: five events\n"
	                          "1;2: two runs\n"
	                          "\n"
	                          "Name: probe\n"
	                          "Description: probes the host\n"
	                          "Contact: tests\n"
	                          "Version: 0.1.0\n"
	                          "Capabilities: \n"
	                          "  - Field Extraction\n"
	                          "  - Event Parsing\n"
	                          "  - Async Events\n");
	free(text);
}

/* ---- sourcing: the counter plugin ---- */

static void test_counter_description(void **state)
{
	(void)state;
	struct ph_plugin *p = load_ok("counter", NULL);
	assert_string_equal(ph_name(p), "counter");
	assert_string_equal(ph_version(p), "1.2.3");
	assert_string_equal(ph_description(p), "counts");
	assert_string_equal(ph_contact(p), "tests");
	assert_int_equal(ph_caps(p), CAP_SOURCING | CAP_EXTRACTION);
	assert_int_equal(ph_id(p), 999);
	assert_string_equal(ph_event_source(p), "counter");
	uint32_t n;
	const struct ph_field *f = ph_fields(p, &n);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].name, "counter.value");
	assert_int_equal(f[0].ftype, FTYPE_UINT64);
	assert_int_equal(f[0].flags, PH_FIELD_ADD_OUTPUT);
	struct ph_strlist src = ph_extract_sources(p);
	assert_int_equal(src.n, 1); /* its own source, added by the host */
	assert_string_equal(src.v[0], "counter");
	assert_int_equal(ph_init(p, NULL, err, sizeof(err)), 0);
	const struct ph_open_param *op;
	assert_int_equal(ph_list_open_params(p, &op, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(op[0].value, "5");
	assert_string_equal(op[0].desc, "five events");
	assert_string_equal(op[0].separator, "");
	assert_string_equal(op[1].value, "1;2");
	assert_string_equal(op[1].separator, ";");
	ph_unload(p);
}

static void test_counter_events(void **state)
{
	(void)state;
	struct ph_plugin *p = load_ok("counter", NULL);
	assert_int_equal(ph_init(p, NULL, err, sizeof(err)), 0);
	struct ph_source *s;
	assert_int_equal(ph_source_open(p, "5", &s, err, sizeof(err)), 0);
	ss_plugin_extract_field req;
	assert_int_equal(ph_field_request(p, (uint32_t)ph_field_find(p, "counter.value"), NULL, &req, err, sizeof(err)), 0);
	uint64_t before = now_ns();
	for (uint32_t i = 0; i < 5; i++) {
		ss_plugin_event *e;
		assert_int_equal(ph_source_next(s, &e, err, sizeof(err)), 0);
		assert_int_equal(e->type, PLUGIN_EVT_PLUGINEVENT);
		assert_true(e->tid == UINT64_MAX); /* plugin wrote 42 */
		assert_int_equal(plugin_evt_plugin_id(e), 999); /* plugin wrote 0 */
		if (i == 0)
			assert_true(e->ts >= before && e->ts <= now_ns()); /* plugin wrote -1 */
		else
			assert_int_equal(e->ts, 1000 + i);
		uint32_t len;
		const char *pl = plugin_evt_payload(e, &len);
		char want[8];
		snprintf(want, sizeof(want), "%u", i);
		assert_int_equal(len, strlen(want));
		assert_memory_equal(pl, want, len);
		ss_plugin_event_input in = {e, i, "counter"};
		assert_int_equal(ph_extract(p, &in, &req, 1, err, sizeof(err)), 0);
		assert_int_equal(req.res_len, 1);
		assert_int_equal(req.res.u64[0], i);
		char buf[128], want_s[32];
		snprintf(want_s, sizeof(want_s), "counter=%u", i);
		assert_string_equal(ph_event_to_string(p, e, i, buf, sizeof(buf)), want_s);
	}
	ss_plugin_event *e;
	assert_int_equal(ph_source_next(s, &e, err, sizeof(err)), PH_EOF);
	assert_int_equal(ph_source_count(s), 5);
	uint32_t pct;
	assert_string_equal(ph_source_progress(s, &pct), "5/5");
	assert_int_equal(pct, 10000);
	ph_source_close(s);
	ph_unload(p);
}

static int open_and_drain(struct ph_plugin *p, const char *params, int *nevents)
{
	struct ph_source *s;
	int rc = ph_source_open(p, params, &s, err, sizeof(err));
	*nevents = 0;
	if (rc)
		return rc;
	ss_plugin_event *e;
	while ((rc = ph_source_next(s, &e, err, sizeof(err))) == 0 || rc == PH_TIMEOUT)
		if (rc == 0)
			(*nevents)++;
	ph_source_close(s);
	return rc;
}

static void test_counter_bad_sources(void **state)
{
	(void)state;
	struct ph_plugin *p = load_ok("counter", NULL);
	assert_int_equal(ph_init(p, NULL, err, sizeof(err)), 0);
	int n;
	struct ph_source *s;
	ss_plugin_event *e;
	assert_int_equal(ph_source_open(p, "timeout", &s, err, sizeof(err)), 0);
	assert_int_equal(ph_source_next(s, &e, err, sizeof(err)), PH_TIMEOUT);
	assert_int_equal(ph_source_next(s, &e, err, sizeof(err)), 0);
	ph_source_close(s);

	assert_int_equal(open_and_drain(p, "fail", &n), -EIO);
	assert_int_equal(n, 3); /* the first batch, then the failure */
	assert_contains(err, "plugin 'counter': next_batch failed: simulated read error");
	assert_int_equal(open_and_drain(p, "empty", &n), -EINVAL);
	assert_contains(err, "next_batch returned success with no events");
	assert_int_equal(open_and_drain(p, "badid", &n), -EINVAL);
	assert_contains(err, "carries plugin id 7, expected 999");
	assert_int_equal(open_and_drain(p, "badlen", &n), -EINVAL);
	assert_contains(err, "do not add up");
	assert_int_equal(open_and_drain(p, "syscall", &n), -EINVAL);
	assert_contains(err, "may only produce plugin events (322)");
	assert_int_equal(open_and_drain(p, "nofile", &n), -EIO);
	assert_contains(err, "plugin 'counter': cannot open 'nofile': no such input: nofile");
	ph_unload(p);
}

/* Garbage events: each is accepted (and then well-formed) or refused with
 * -EINVAL, never read beyond its len. With an id, only plugin events with
 * consistent lengths pass; without one, any code of the schema whose
 * lengths add up. */
static void test_garbage_events(void **state)
{
	(void)state;
	const char *libs[] = {"counter", "counter_anon"};
	for (int l = 0; l < 2; l++) {
		struct ph_plugin *p = load_ok(libs[l], NULL);
		assert_int_equal(ph_init(p, NULL, err, sizeof(err)), 0);
		int accepted = 0, refused = 0;
		for (int run = 0; run < 50; run++) {
			struct ph_source *s;
			assert_int_equal(ph_source_open(p, "garbage", &s, err, sizeof(err)), 0);
			ss_plugin_event *e;
			int rc;
			while ((rc = ph_source_next(s, &e, err, sizeof(err))) != PH_EOF) {
				if (rc == 0) {
					struct ev_view v;
					accepted++;
					assert_int_equal(ev_decode(e, e->len, &v), 0);
					if (e->type == PLUGIN_EVT_PLUGINEVENT)
						assert_true(e->tid == UINT64_MAX && plugin_evt_plugin_id(e) != 0);
				} else {
					assert_int_equal(rc, -EINVAL);
					refused++;
				}
			}
			ph_source_close(s);
		}
		assert_true(refused > 0);
		ph_unload(p);
		print_message("%s: %d garbage events accepted, %d refused\n", libs[l], accepted, refused);
	}
}

/* ---- the probe plugin: extraction, parsing, async, capture, schema ---- */

static struct ph_plugin *probe_init(const char *config, struct logged *log)
{
	struct ph_opts o = {.sz = sizeof(o), .log = log_sink, .log_ctx = log};
	struct ph_plugin *p = load_ok("probe", &o);
	if (ph_init(p, config, err, sizeof(err)))
		fail_msg("init: %s", err);
	return p;
}

static uint8_t counter_evt[64];

static const ss_plugin_event_input *counter_event(const char *payload)
{
	static ss_plugin_event_input in;
	plugin_evt_encode_plugin(counter_evt, sizeof(counter_evt), 77, 999, payload, (uint32_t)strlen(payload));
	in.evt = (const ss_plugin_event *)counter_evt;
	in.evtnum = 1;
	in.evtsrc = "counter";
	return &in;
}

/* Extracts `field[arg]` from a counter event with payload "4". */
static ss_plugin_extract_field extract(struct ph_plugin *p, const char *field, const char *arg)
{
	ss_plugin_extract_field req;
	int id = ph_field_find(p, field);
	assert_true(id >= 0);
	if (ph_field_request(p, (uint32_t)id, arg, &req, err, sizeof(err)))
		fail_msg("request %s: %s", field, err);
	if (ph_extract(p, counter_event("4"), &req, 1, err, sizeof(err)))
		fail_msg("extract %s: %s", field, err);
	return req;
}

static const char *extract_str(struct ph_plugin *p, const char *field, const char *arg)
{
	ss_plugin_extract_field r = extract(p, field, arg);
	assert_int_equal(r.res_len, 1);
	return r.res.str[0];
}

static void test_probe_description(void **state)
{
	(void)state;
	struct logged log = {0};
	struct ph_plugin *p = probe_init(NULL, &log);
	assert_int_equal(ph_caps(p), CAP_EXTRACTION | CAP_PARSING | CAP_ASYNC | CAP_CAPTURE_LISTENING);
	assert_int_equal(ph_id(p), 0);
	assert_string_equal(ph_event_source(p), "");
	uint32_t n;
	const struct ph_field *f = ph_fields(p, &n);
	assert_int_equal(n, 12);
	assert_int_equal(f[0].flags, PH_FIELD_ARG_REQUIRED | PH_FIELD_ARG_INDEX);
	assert_int_equal(f[1].flags, PH_FIELD_ARG_REQUIRED | PH_FIELD_ARG_KEY);
	assert_int_equal(f[2].flags, PH_FIELD_ARG_INDEX | PH_FIELD_ARG_KEY);
	assert_int_equal(f[3].flags, PH_FIELD_LIST);
	assert_int_equal(f[4].ftype, FTYPE_BOOL);
	assert_int_equal(f[5].ftype, FTYPE_IPADDR);
	assert_int_equal(f[6].flags, PH_FIELD_ADD_OUTPUT | PH_FIELD_HIDDEN | PH_FIELD_INFO);
	assert_string_equal(f[6].display, "Hidden");
	assert_int_equal(f[11].ftype, FTYPE_RELTIME);
	struct ph_strlist names = ph_async_names(p);
	assert_int_equal(names.n, 2);
	assert_string_equal(names.v[0], "tick");
	assert_string_equal(names.v[1], "tock");
	assert_int_equal(ph_async_sources(p).n, 0);
	assert_int_equal(ph_parse_sources(p).n, 1);
	/* no event types given and sources without syscall: plugin events only */
	assert_true(ph_wants_extract(p, 322, "counter"));
	assert_false(ph_wants_extract(p, 322, "other"));
	assert_false(ph_wants_extract(p, 3, "counter"));
	assert_int_equal(ph_check_event_schema(p, PH_EVENT_SCHEMA_VERSION, err, sizeof(err)), 0);
	ss_plugin_schema_type t;
	assert_non_null(ph_init_schema(p, &t));
	assert_int_equal(t, SS_PLUGIN_SCHEMA_JSON);
	/* log_fn with a NULL component reaches our sink with the plugin's name */
	assert_int_equal(log.n, 2); /* a debug line ("config checked"), then this one */
	assert_string_equal(log.plugin, "probe");
	assert_string_equal(log.msg, "initialised");
	assert_int_equal(log.sev, SS_PLUGIN_LOG_SEV_INFO);
	assert_string_equal(log.in_call, "probe/init"); /* the marker while inside init */
	assert_null(ph_in_call(NULL));                  /* and none outside */
	/* an empty config is given to a plugin with a JSON schema as "{}" */
	assert_string_equal(extract_str(p, "probe.config", NULL), "{}");
	/* the tables input exists and refuses tables with an owner error */
	assert_contains(extract_str(p, "probe.tables", NULL), "no table named 'threads'");
	ph_unload(p);
}

static void test_probe_init_schema(void **state)
{
	(void)state;
	struct {
		const char *config, *msg;
	} bad[] = {
		{"{\"count\":0}", "In /count, 0 is less than the minimum 1"},
		{"{\"count\":11}", "In /count, 11 is greater than the maximum 10"},
		{"{\"count\":2.5}", "In /count, expected integer"},
		{"{\"extra\":1}", "In (root), property 'extra' is not allowed"},
		{"{\"mode\":\"medium\"}", "In /mode, value is not one of the enumerated values"},
		{"{\"prefix\":\"\"}", "In /prefix, string is shorter than 1 characters"},
		{"{\"tags\":[\"a\",3]}", "In /tags/1, expected string, got number"},
		{"[1]", "In (root), expected object, got array"},
		{"not json", "init config is not valid JSON"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ph_plugin *p = load_ok("probe", NULL);
		assert_int_equal(ph_init(p, bad[i].config, err, sizeof(err)), -EINVAL);
		assert_contains(err, "plugin 'probe': ");
		assert_contains(err, bad[i].msg);
		ph_unload(p);
	}
	struct logged log = {0};
	const char *good = "{\"prefix\":\"x\",\"count\":10,\"mode\":\"slow\",\"tags\":[\"a\"]}";
	struct ph_plugin *p = probe_init(good, &log);
	assert_string_equal(extract_str(p, "probe.config", NULL), good);
	assert_int_equal(ph_set_config(p, "{\"count\":3}", err, sizeof(err)), 0);
	assert_string_equal(extract_str(p, "probe.config", NULL), "{\"count\":3}");
	assert_int_equal(ph_set_config(p, "{\"count\":30}", err, sizeof(err)), -EINVAL);
	assert_contains(err, "In /count");
	ph_unload(p);
	/* schema-valid config the plugin itself rejects: its error is shown */
	p = load_ok("probe", NULL);
	assert_int_equal(ph_init(p, "{\"prefix\":\"fail\"}", err, sizeof(err)), -EIO);
	assert_contains(err, "plugin 'probe': init failed: prefix 'fail' is rejected");
	ph_unload(p);
}

static void test_probe_extraction(void **state)
{
	(void)state;
	struct logged log = {0};
	struct ph_plugin *p = probe_init(NULL, &log);
	ss_plugin_extract_field r = extract(p, "probe.index", "3");
	assert_int_equal(r.res_len, 1);
	assert_int_equal(r.res.u64[0], 30);
	assert_string_equal(extract_str(p, "probe.key", "abc"), "key:abc");
	assert_string_equal(extract_str(p, "probe.opt", NULL), "none");
	assert_string_equal(extract_str(p, "probe.opt", "7"), "idx:7 key:7"); /* both, as upstream */
	assert_string_equal(extract_str(p, "probe.opt", "x7"), "key:x7");
	assert_string_equal(extract_str(p, "probe.opt", "07"), "key:07"); /* a leading 0 is no index */
	assert_string_equal(extract_str(p, "probe.opt", "18446744073709551616"), "key:18446744073709551616");
	r = extract(p, "probe.list", NULL);
	assert_int_equal(r.res_len, 3);
	assert_string_equal(r.res.str[0], "a");
	assert_string_equal(r.res.str[2], "c");
	r = extract(p, "probe.even", NULL); /* payload "4" */
	assert_int_equal(r.res_len, 1);
	assert_int_equal(r.res.boolean[0], 1);
	r = extract(p, "probe.ip", NULL);
	assert_int_equal(r.res.buf[0].len, 4);
	assert_memory_equal(r.res.buf[0].ptr, "\x0a\x00\x00\x01", 4);
	r = extract(p, "probe.ts", NULL);
	assert_int_equal(r.res.u64[0], 77);

	ss_plugin_extract_field req;
	assert_int_equal(ph_field_request(p, 0, NULL, &req, err, sizeof(err)), -EINVAL);
	assert_contains(err, "field probe.index requires an argument");
	assert_int_equal(ph_field_request(p, 0, "abc", &req, err, sizeof(err)), -EINVAL);
	assert_contains(err, "needs a numeric index argument, not 'abc'");
	assert_int_equal(ph_field_request(p, 0, "01", &req, err, sizeof(err)), -EINVAL);
	assert_contains(err, "cannot be empty or start with 0");
	assert_int_equal(ph_field_request(p, 0, "0", &req, err, sizeof(err)), 0);
	assert_int_equal(req.arg_index, 0);
	assert_null(req.arg_key);
	assert_int_equal(ph_field_request(p, 1, "k", &req, err, sizeof(err)), 0);
	assert_true(req.arg_index == UINT64_MAX); /* a key field: no index */
	assert_string_equal(req.arg_key, "k");
	assert_int_equal(ph_field_request(p, 3, "1", &req, err, sizeof(err)), -EINVAL);
	assert_contains(err, "field probe.list takes no argument");
	assert_int_equal(ph_field_request(p, 99, NULL, &req, err, sizeof(err)), -EINVAL);

	/* an event code the plugin did not ask for: no value, no call */
	uint8_t sys[64];
	memcpy(sys, counter_evt, sizeof(sys));
	uint16_t code = 3;
	memcpy(sys + 20, &code, 2);
	ss_plugin_event_input in = {(const ss_plugin_event *)sys, 2, "counter"};
	assert_int_equal(ph_field_request(p, 4, NULL, &req, err, sizeof(err)), 0);
	req.res_len = 9;
	assert_int_equal(ph_extract(p, &in, &req, 1, err, sizeof(err)), 0);
	assert_int_equal(req.res_len, 0);

	/* parsing: counted for plugin events, skipped for other codes */
	assert_int_equal(ph_parse(p, counter_event("1"), err, sizeof(err)), 0);
	assert_int_equal(ph_parse(p, &in, err, sizeof(err)), 0);
	assert_int_equal(ph_parse(p, counter_event("2"), err, sizeof(err)), 0);
	r = extract(p, "probe.parsed", NULL);
	assert_int_equal(r.res.u64[0], 2);
	ph_unload(p);
}

struct received {
	pthread_mutex_t lock;
	char names[8][32];
	uint64_t ts[8];
	int n;
};

static int on_async(void *ctx, struct ph_plugin *p, const ss_plugin_event *evt)
{
	struct received *r = ctx;
	(void)p;
	pthread_mutex_lock(&r->lock);
	if (r->n < 8) {
		snprintf(r->names[r->n], sizeof(r->names[0]), "%s", (const char *)evt + PLUGIN_EVT_ASYNC_NAME_OFFSET);
		r->ts[r->n] = evt->ts;
		r->n++;
	}
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static uint64_t metric(struct ph_plugin *p, const char *name)
{
	uint32_t n;
	char buf[128];
	const ss_plugin_metric *m = ph_metrics(p, &n);
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(ph_metric_name(p, &m[i], buf, sizeof(buf)), name) == 0)
			return m[i].value.u64;
	fail_msg("no metric %s", name);
	return 0;
}

static void test_probe_async(void **state)
{
	(void)state;
	struct logged log = {0};
	struct ph_plugin *p = probe_init(NULL, &log);
	struct received r = {.lock = PTHREAD_MUTEX_INITIALIZER};
	assert_int_equal(ph_set_async_handler(p, on_async, &r, err, sizeof(err)), 0);
	assert_int_equal(ph_set_async_handler(p, on_async, &r, err, sizeof(err)), -EBUSY);
	/* resetting waits for the plugin's sender thread */
	assert_int_equal(ph_set_async_handler(p, NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.names[0], "tick");
	assert_string_equal(r.names[1], "tick");
	assert_int_equal(metric(p, "probe.async_ok"), 2);
	assert_int_equal(metric(p, "probe.async_refused"), 2);
	assert_contains(extract_str(p, "probe.lasterr", NULL), "plugin 'probe': malformed async event");

	/* admission into the open source: stamps ts and the source's id */
	uint8_t copy[128];
	size_t len = plugin_evt_encode_async(copy, sizeof(copy), UINT64_MAX, 42, "tick", "x", 1);
	ss_plugin_event *e = (ss_plugin_event *)copy;
	uint64_t before = now_ns();
	assert_int_equal(ph_async_admit(p, e, "syscall", 0, err, sizeof(err)), 0); /* syscall: tid allowed */
	assert_true(e->ts >= before && e->ts <= now_ns());
	assert_int_equal(plugin_evt_plugin_id(e), 0);
	assert_int_equal(ph_async_admit(p, e, "counter", 999, err, sizeof(err)), -EINVAL);
	assert_contains(err, "must have no thread (tid -1), not 42");
	uint64_t tid = UINT64_MAX;
	memcpy(&e->tid, &tid, sizeof(tid));
	assert_int_equal(ph_async_admit(p, e, "counter", 999, err, sizeof(err)), 0);
	assert_int_equal(plugin_evt_plugin_id(e), 999);
	uint64_t future = now_ns() + 60ull * 1000000000ull;
	memcpy(&e->ts, &future, sizeof(future));
	assert_int_equal(ph_async_admit(p, e, "counter", 999, err, sizeof(err)), -EINVAL);
	assert_contains(err, "more than 10 s ahead");
	(void)len;

	/* unloading with the handler still set stops the plugin's sender */
	r.n = 0;
	assert_int_equal(ph_set_async_handler(p, on_async, &r, err, sizeof(err)), 0);
	ph_unload(p);
	assert_int_equal(r.n, 2);
	p = probe_init(NULL, &log);

	r.n = 0;
	assert_int_equal(ph_dump_state(p, on_async, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.names[0], "tock");
	assert_int_equal(r.ts[0], 5);
	ph_unload(p);
}

static void test_probe_capture_listening(void **state)
{
	(void)state;
	struct logged log = {0};
	struct ph_plugin *p = probe_init(NULL, &log);
	assert_int_equal(ph_capture_open(p, err, sizeof(err)), 0);
	/* the routine runs on a host thread until it returns false (5th run) */
	for (int i = 0; i < 2000 && metric(p, "probe.routine_runs") < 5; i++)
		usleep(1000);
	usleep(20000);
	assert_int_equal(metric(p, "probe.routine_runs"), 5);
	assert_int_equal(ph_capture_close(p, err, sizeof(err)), 0);
	ph_unload(p);
}

/* ---- crash reports: a plugin that segfaults, in a child process ---- */

static int crash_pipe = -1;

static void on_segv(int sig)
{
	(void)sig;
	const char *who = NULL, *fn = ph_in_call(&who);
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "crashed in plugin '%s' (%s)", who ? who : "-", fn ? fn : "-");
	if (write(crash_pipe, msg, (size_t)n) < 0)
		_exit(4);
	_exit(3);
}

static void test_crash_report(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		crash_pipe = fds[1];
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_segv;
		sigaction(SIGSEGV, &sa, NULL);
		struct ph_plugin *p;
		if (load_rc("broken22", &p) || ph_init(p, NULL, err, sizeof(err)))
			_exit(5);
		ss_plugin_extract_field req;
		ph_field_request(p, 0, NULL, &req, err, sizeof(err));
		ph_extract(p, counter_event("1"), &req, 1, err, sizeof(err));
		_exit(6); /* not reached */
	}
	close(fds[1]);
	char buf[256] = "";
	ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(n > 0);
	assert_string_equal(buf, "crashed in plugin 'broken' (extract_fields)");
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 3);
}

/* ---- the tables seam: a bridge given through struct ph_tables ---- */

struct bridge {
	int calls_done;
	int lookups;
};

static ss_plugin_table_info *bridge_list(ss_plugin_owner_t *o, uint32_t *n)
{
	(void)o;
	*n = 0;
	return NULL;
}

static ss_plugin_table_t *bridge_get(ss_plugin_owner_t *o, const char *name, ss_plugin_state_type t)
{
	struct bridge *b = ph_tables_ctx(o);
	char msg[128];
	b->lookups++;
	snprintf(msg, sizeof(msg), "bridge: %s/%d looked up", name, (int)t);
	ph_set_owner_error(o, msg);
	return NULL;
}

static void bridge_done(void *ctx, ss_plugin_owner_t *o)
{
	(void)o;
	((struct bridge *)ctx)->calls_done++;
}

static void test_tables_seam(void **state)
{
	(void)state;
	struct bridge b = {0};
	ss_plugin_init_tables_input init = {.list_tables = bridge_list, .get_table = bridge_get};
	struct ph_tables t = {.init = &init, .ctx = &b, .call_done = bridge_done};
	struct ph_opts o = {.sz = sizeof(o), .tables = &t};
	struct ph_plugin *p = load_ok("probe", &o);
	assert_int_equal(ph_init(p, NULL, err, sizeof(err)), 0);
	assert_int_equal(b.lookups, 1);
	assert_int_equal(b.calls_done, 1); /* init */
	/* the plugin saw our owner error (SS_PLUGIN_ST_INT64 is 4) */
	assert_string_equal(extract_str(p, "probe.tables", NULL), "bridge: threads/4 looked up");
	assert_int_equal(b.calls_done, 2); /* + extract_fields */
	assert_int_equal(ph_parse(p, counter_event("1"), err, sizeof(err)), 0);
	assert_int_equal(b.calls_done, 3); /* + parse_event */
	ph_unload(p);
}

/* ---- a plugin given as a function table in the pre-3.10 layout ---- */

static const char *old_api(void) { return "3.9.0"; }
static const char *old_str(void) { return "old"; }
static const char *old_ver(void) { return "1.0.0"; }
static ss_plugin_t *old_init(const ss_plugin_init_input *in, ss_plugin_rc *rc)
{
	(void)in;
	*rc = SS_PLUGIN_SUCCESS;
	return (ss_plugin_t *)1;
}
static void old_destroy(ss_plugin_t *s) { (void)s; }
static const char *old_err(ss_plugin_t *s) { (void)s; return ""; }
static ss_plugin_rc old_parse(ss_plugin_t *s, const ss_plugin_event_input *e, const ss_plugin_event_parse_input *i)
{
	(void)s, (void)e, (void)i;
	return SS_PLUGIN_SUCCESS;
}
static ss_plugin_metric old_metric = {.name = "m", .value.u64 = 41, .value_type = SS_PLUGIN_METRIC_VALUE_TYPE_U64};
static ss_plugin_metric *old_metrics(ss_plugin_t *s, uint32_t *n)
{
	(void)s;
	*n = 1;
	return &old_metric;
}

static void test_old_layout_table(void **state)
{
	(void)state;
	/* exactly as long as a 3.9 table: a read past it is an ASan error */
	plugin_api *heap = malloc(sizeof(plugin_api) - sizeof(void *));
	plugin_api api;
	memset(&api, 0, sizeof(api));
	api.get_required_api_version = old_api;
	api.get_name = old_str;
	api.get_description = old_str;
	api.get_contact = old_str;
	api.get_version = old_ver;
	api.init = old_init;
	api.destroy = old_destroy;
	api.get_last_error = old_err;
	api.parse_event = old_parse;
	/* A 3.9 plugin has no dump_state: its get_metrics sits where 3.12 has
	 * set_config (one pointer after dump_state's place). */
	void *fn = (void *)old_metrics;
	memcpy((char *)&api + offsetof(plugin_api, set_config), &fn, sizeof(fn));
	memcpy(heap, &api, sizeof(plugin_api) - sizeof(void *));
	struct ph_plugin *p;
	assert_int_equal(ph_load_api(heap, NULL, &p, err, sizeof(err)), 0);
	free(heap);
	assert_int_equal(ph_init(p, NULL, err, sizeof(err)), 0);
	assert_int_equal(ph_caps(p), CAP_PARSING);
	uint32_t n;
	const ss_plugin_metric *m = ph_metrics(p, &n);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].value.u64, 41);
	char buf[64];
	assert_string_equal(ph_metric_name(p, &m[0], buf, sizeof(buf)), "old.m");
	ph_unload(p);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PLUGIN_DIR\n", argv[0]);
		return 2;
	}
	plugin_dir = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_version_rule),
		cmocka_unit_test(test_plugin_version_rule),
		cmocka_unit_test(test_schema_version_rule),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_accepted_and_init_failure),
		cmocka_unit_test(test_event_schema_check),
		cmocka_unit_test(test_counter_description),
		cmocka_unit_test(test_print_info),
		cmocka_unit_test(test_counter_events),
		cmocka_unit_test(test_counter_bad_sources),
		cmocka_unit_test(test_garbage_events),
		cmocka_unit_test(test_probe_description),
		cmocka_unit_test(test_probe_init_schema),
		cmocka_unit_test(test_probe_extraction),
		cmocka_unit_test(test_probe_async),
		cmocka_unit_test(test_probe_capture_listening),
		cmocka_unit_test(test_tables_seam),
		cmocka_unit_test(test_crash_report),
		cmocka_unit_test(test_old_layout_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
