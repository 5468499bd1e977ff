/*
 * core/metrics: configuration checks and durations (upstream's
 * init_stats_writer and parse_prometheus_interval), rule name sanitizing
 * (falco_utils sanitize_rule_name), output_fields (stats_writer) and the
 * Prometheus converter. Expected values are computed by hand from
 * upstream's rules, or are upstream's own documented examples (libs'
 * sinsp_metrics.ut.cpp with namespace "testns", falco_metrics.cpp comments).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "metrics/metrics.h"
#include "output/output.h"

/* ---- configuration ---- */

static struct falco_config *load(const char *yaml)
{
	struct falco_config *c = NULL;
	struct cfg_err err;
	int rc = cfg_load_string(yaml, "test.yaml", NULL, 0, &c, NULL, &err);
	assert_int_equal(rc, 0);
	return c;
}

static int check_cfg(const char *yaml, char *err, size_t errlen)
{
	struct falco_config *c = load(yaml);
	struct metrics_opts o = {.sz = sizeof(o), .cfg = c, .version = "x", .dry_run = true};
	struct metrics *m = (struct metrics *)1;
	int rc = metrics_new(&o, &m, err, errlen);
	assert_null(m);
	cfg_free(c);
	return rc;
}

static void test_durations(void **state)
{
	(void)state;
	static const struct { const char *s; uint64_t ms; } cases[] = {
		{"1h", 3600000}, {"15m", 900000}, {"30s", 30000}, {"100ms", 100}, {"1m30s", 90000},
		/* 1y 2w 3d 4h 5m 6s 7ms = 31536000000 + 1209600000 + 259200000 + 14400000 + 300000 + 6000 + 7 */
		{"1y2w3d4h5m6s7ms", 33019506007ull},
		{"5000", 0},  /* no unit: no Prometheus duration */
		{"1s1h", 0},  /* units out of order */
		{"1x", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char yaml[128];
		snprintf(yaml, sizeof(yaml), "metrics: {enabled: true, interval: \"%s\", output_rule: true}\n", cases[i].s);
		struct falco_config *c = load(yaml);
		assert_int_equal(c->metrics.interval_ms, cases[i].ms);
		cfg_free(c);
	}
}

static void test_config_checks(void **state)
{
	(void)state;
	char err[512] = "";
	assert_int_equal(check_cfg("metrics: {enabled: true, interval: 1m30s, output_rule: true}\n", err, sizeof(err)), 0);
	assert_int_equal(check_cfg("metrics: {enabled: true, interval: 100ms, output_file: /tmp/x}\n", err, sizeof(err)),
	                 0);
	/* below upstream's minimum of 100 ms */
	assert_int_equal(check_cfg("metrics: {enabled: true, interval: 99ms, output_rule: true}\n", err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "Metrics interval must have a minimum value of 100ms"));
	/* a bare number parses to 0 ms, so the minimum is what upstream reports */
	assert_int_equal(check_cfg("metrics: {enabled: true, interval: 5000, output_rule: true}\n", err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "minimum value of 100ms"));
	/* no output channel */
	assert_int_equal(check_cfg("metrics: {enabled: true, interval: 1s, output_rule: false}\n", err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "Metrics are enabled with no output configured"));
	/* the web server's endpoint counts as an output */
	assert_int_equal(check_cfg("metrics: {enabled: true, interval: 1s, output_rule: false}\n"
	                           "webserver: {prometheus_metrics_enabled: true}\n",
	                           err, sizeof(err)),
	                 0);
	/* disabled: nothing checked, nothing made */
	assert_int_equal(check_cfg("metrics: {enabled: false, interval: 1ms}\n", err, sizeof(err)), 0);
}

/* ---- names ---- */

static void test_rule_names(void **state)
{
	(void)state;
	char out[128];
	metrics_rule_name("Read sensitive file untrusted", out, sizeof(out));
	assert_string_equal(out, "Read_sensitive_file_untrusted");
	metrics_rule_name("Terminal shell in container (x)", out, sizeof(out));
	assert_string_equal(out, "Terminal_shell_in_container_x");
	metrics_rule_name("a--b  c!", out, sizeof(out));
	assert_string_equal(out, "a_b_c");
	metrics_rule_name("ns:rule_", out, sizeof(out));
	assert_string_equal(out, "ns:rule");
}

/* FIPS 180-2 appendix B test vectors, and the empty message. */
static void test_sha256(void **state)
{
	(void)state;
	char hex[65];
	metrics_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	metrics_sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	metrics_sha256_hex(m, strlen(m), hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* one million 'a' through the file reader (blocks of 64 KiB) */
	char path[] = "/tmp/metrics_sha_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	for (int i = 0; i < 1000000; i++)
		fputc('a', f);
	fclose(f);
	assert_int_equal(metrics_sha256_file(path, hex), 0);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	unlink(path);
	assert_int_equal(metrics_sha256_file("/nonexistent/x", hex), -ENOENT);
}

/* ---- output_fields ---- */

static void add_u64(struct metrics_snapshot *s, const char *name, unsigned cat, enum metrics_unit u, uint64_t v)
{
	struct metrics_value *x = metrics_snap_add(s, name, cat, METRICS_K_MONOTONIC, METRICS_T_U64, u);
	assert_non_null(x);
	x->v.u64 = v;
}

static void add_u32(struct metrics_snapshot *s, const char *name, unsigned cat, enum metrics_unit u, uint32_t v)
{
	struct metrics_value *x = metrics_snap_add(s, name, cat, METRICS_K_GAUGE, METRICS_T_U32, u);
	assert_non_null(x);
	x->v.u32 = v;
}

static const struct metrics_field *field(const struct metrics_fields *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->f[i].key, key) == 0)
			return &f->f[i];
	return NULL;
}

static uint64_t fu64(const struct metrics_fields *f, const char *key)
{
	const struct metrics_field *x = field(f, key);
	assert_non_null(x);
	assert_int_equal(x->type, OUT_V_U64);
	return x->v.u64;
}

static double fd(const struct metrics_fields *f, const char *key)
{
	const struct metrics_field *x = field(f, key);
	if (!x)
		fail_msg("no field %s", key);
	assert_int_equal(x->type, OUT_V_DOUBLE);
	return x->v.d;
}

static struct metrics_rule rules[2] = {
	{"Read sensitive file untrusted", "syscall", 4, NULL, 0, 32},
	{"Never matched", "syscall", 5, NULL, 0, 0},
};

/* A syscall snapshot, second of its source: 2 s after the first. */
static void sample_snapshot(struct metrics_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->source = "syscall";
	s->engine_name = "modern_ebpf";
	s->now_ns = 12000000000ull;
	s->version = "0.1.0";
	s->start_ts = 2000000000ull;
	snprintf(s->hostname, sizeof(s->hostname), "host1");
	s->num_evts = 500;
	s->rules_counters = true;
	s->rules = rules;
	s->nrules = 2;
	s->rules_total = 32;
	add_u64(s, "n_evts", CFG_METRICS_KERNEL_COUNTERS, METRICS_U_COUNT, 1000);
	add_u64(s, "n_drops_buffer_total", CFG_METRICS_KERNEL_COUNTERS, METRICS_U_COUNT, 0);
	add_u64(s, "n_drops", CFG_METRICS_KERNEL_COUNTERS, METRICS_U_COUNT, 10);
	add_u64(s, "n_evts_cpu_1", CFG_METRICS_KERNEL_COUNTERS_PER_CPU, METRICS_U_COUNT, 600);
	add_u64(s, "sys_exit.run_cnt", CFG_METRICS_LIBBPF_STATS, METRICS_U_COUNT, 7);
	add_u32(s, "memory_rss_kb", CFG_METRICS_RESOURCE_UTILIZATION, METRICS_U_KIB, 33894);
	add_u64(s, "container_memory_used_bytes", CFG_METRICS_RESOURCE_UTILIZATION, METRICS_U_BYTES, 0);
	add_u64(s, "host_open_fds", CFG_METRICS_RESOURCE_UTILIZATION, METRICS_U_COUNT, 1131);
	add_u64(s, "n_threads", CFG_METRICS_STATE_COUNTERS, METRICS_U_COUNT, 73);
	s->vals[s->nvals - 1].kind = METRICS_K_GAUGE;
	add_u64(s, "probe.async_ok", CFG_METRICS_PLUGINS, METRICS_U_COUNT, 2);
}

static void test_output_fields(void **state)
{
	(void)state;
	struct metrics_snapshot s;
	sample_snapshot(&s);
	struct metrics_prev prev = {.now_ns = 10000000000ull, .num_evts = 100, .n_evts = 400, .n_drops = 4};
	struct metrics_render_opts o = {.convert_memory_to_mb = true, .include_empty_values = false};
	struct metrics_fields f;
	assert_int_equal(metrics_output_fields(&s, &o, &prev, &f), 0);
	/* wrapper */
	assert_int_equal(fu64(&f, "evt.time"), 12000000000ull);
	assert_int_equal(fu64(&f, "falco.duration_sec"), 10);
	assert_string_equal(field(&f, "scap.engine_name")->v.s, "modern_ebpf");
	assert_string_equal(field(&f, "evt.source")->v.s, "syscall");
	/* (500 - 100) events in 2 s */
	assert_true(fd(&f, "falco.evts_rate_sec") == 200.0);
	assert_int_equal(fu64(&f, "falco.num_evts_prev"), 100);
	/* rules: the total, and only the rules that matched */
	assert_int_equal(fu64(&f, "falco.rules.matches_total"), 32);
	assert_int_equal(fu64(&f, "falco.rules.Read_sensitive_file_untrusted"), 32);
	assert_null(field(&f, "falco.rules.Never_matched"));
	/* kernel counters under scap., with deltas: 600 events and 6 drops in 2 s */
	assert_int_equal(fu64(&f, "scap.n_evts"), 1000);
	assert_int_equal(fu64(&f, "scap.n_evts_prev"), 400);
	assert_true(fd(&f, "scap.evts_rate_sec") == 300.0);
	assert_true(fd(&f, "scap.evts_drop_rate_sec") == 3.0);
	assert_true(fd(&f, "scap.n_drops_perc") == 1.0);
	assert_null(field(&f, "scap.n_drops_buffer_total")); /* 0: left out */
	assert_int_equal(fu64(&f, "scap.n_evts_cpu_1"), 600);
	assert_int_equal(fu64(&f, "scap.sys_exit.run_cnt"), 7);
	/* 33894 kB = 33.0996 MB, rounded to one decimal */
	assert_true(fd(&f, "falco.memory_rss_mb") == 33.1);
	assert_null(field(&f, "falco.memory_rss_kb"));
	assert_null(field(&f, "falco.container_memory_used_mb"));
	assert_int_equal(fu64(&f, "falco.host_open_fds"), 1131);
	assert_int_equal(fu64(&f, "falco.n_threads"), 73);
	assert_int_equal(fu64(&f, "plugins.probe.async_ok"), 2);
	/* sorted by key */
	for (size_t i = 1; i < f.n; i++)
		assert_true(strcmp(f.f[i - 1].key, f.f[i].key) < 0);
	assert_int_equal(prev.n_evts, 1000);
	assert_int_equal(prev.num_evts, 500);
	metrics_fields_free(&f);
	s.rules = NULL;
	metrics_snap_clear(&s);
}

static void test_output_fields_raw_units_and_empty(void **state)
{
	(void)state;
	struct metrics_snapshot s;
	sample_snapshot(&s);
	struct metrics_prev prev = {0};
	struct metrics_render_opts o = {.convert_memory_to_mb = false, .include_empty_values = true};
	struct metrics_fields f;
	assert_int_equal(metrics_output_fields(&s, &o, &prev, &f), 0);
	assert_int_equal(fu64(&f, "falco.memory_rss_kb"), 33894);
	assert_int_equal(fu64(&f, "falco.container_memory_used_bytes"), 0);
	assert_int_equal(fu64(&f, "falco.rules.Never_matched"), 0);
	assert_int_equal(fu64(&f, "scap.n_drops_buffer_total"), 0);
	/* first snapshot: no time delta, so no falco.evts_rate_sec and scap
	 * rates 0; the drop percentage counts from 0: 100 * 10 / 1000 */
	assert_null(field(&f, "falco.evts_rate_sec"));
	assert_true(fd(&f, "scap.evts_rate_sec") == 0.0);
	assert_true(fd(&f, "scap.n_drops_perc") == 1.0);
	metrics_fields_free(&f);
	s.rules = NULL;
	metrics_snap_clear(&s);
}

/* The output_file line: {"output_fields":{...},"sample":N}, keys sorted,
 * doubles as nlohmann::json writes them. */
static void test_json_line(void **state)
{
	(void)state;
	struct metrics_fields f = {0};
	struct metrics_field v[] = {
		{"a.double", OUT_V_DOUBLE, {.d = 20.0}},
		{"b.str", OUT_V_STR, {.s = "q\"x"}},
		{"c.u64", OUT_V_U64, {.u64 = 18446744073709551615ull}},
		{"d.i64", OUT_V_I64, {.i64 = -5}},
		{"e.frac", OUT_V_DOUBLE, {.d = 33.1}},
		{"f.small", OUT_V_DOUBLE, {.d = 0.0001}},
		{"g.big", OUT_V_DOUBLE, {.d = 1e16}},
	};
	f.f = v;
	f.n = sizeof(v) / sizeof(v[0]);
	char *line = metrics_json_line(&f, 3);
	assert_string_equal(line, "{\"output_fields\":{\"a.double\":20.0,\"b.str\":\"q\\\"x\","
	                          "\"c.u64\":18446744073709551615,\"d.i64\":-5,\"e.frac\":33.1,"
	                          "\"f.small\":0.0001,\"g.big\":1e+16},\"sample\":3}\n");
	free(line);
}

/* ---- Prometheus ---- */

static struct metrics_value val(const char *name, enum metrics_kind k, enum metrics_type t, enum metrics_unit u)
{
	struct metrics_value v = {.kind = k, .type = t, .unit = u};
	snprintf(v.name, sizeof(v.name), "%s", name);
	return v;
}

static void expect_metric(struct metrics_value v, const char *subsystem, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(metrics_prometheus_metric(&buf, &len, &v, "testns", subsystem, NULL, 0, NULL), 0);
	assert_string_equal(buf, want);
	free(buf);
}

/* libs' sinsp_metrics.ut.cpp, namespace testns, subsystem falco */
static void test_prometheus_libs_examples(void **state)
{
	(void)state;
	struct metrics_value v = val("sys_enter.run_cnt", METRICS_K_MONOTONIC, METRICS_T_U64, METRICS_U_COUNT);
	v.v.u64 = 76435525241ull;
	expect_metric(v, "falco",
	              "# HELP testns_falco_sys_enter_run_cnt_total https://falco.org/docs/metrics/\n"
	              "# TYPE testns_falco_sys_enter_run_cnt_total counter\n"
	              "testns_falco_sys_enter_run_cnt_total 76435525241\n");
	v = val("sys_enter.run_time_ns", METRICS_K_MONOTONIC, METRICS_T_U64, METRICS_U_NS_COUNT);
	v.v.u64 = 16269369826392ull;
	expect_metric(v, "falco",
	              "# HELP testns_falco_sys_enter_run_time_nanoseconds_total https://falco.org/docs/metrics/\n"
	              "# TYPE testns_falco_sys_enter_run_time_nanoseconds_total counter\n"
	              "testns_falco_sys_enter_run_time_nanoseconds_total 16269369826392\n");
	v = val("sys_enter.avg_time_ns", METRICS_K_GAUGE, METRICS_T_U64, METRICS_U_NS);
	v.v.u64 = 203;
	expect_metric(v, "falco",
	              "# HELP testns_falco_sys_enter_avg_time_nanoseconds https://falco.org/docs/metrics/\n"
	              "# TYPE testns_falco_sys_enter_avg_time_nanoseconds gauge\n"
	              "testns_falco_sys_enter_avg_time_nanoseconds 203\n");
	v = val("n_drops_buffer_total", METRICS_K_MONOTONIC, METRICS_T_U64, METRICS_U_COUNT);
	v.v.u64 = 5000;
	expect_metric(v, "falco",
	              "# HELP testns_falco_n_drops_buffer_total https://falco.org/docs/metrics/\n"
	              "# TYPE testns_falco_n_drops_buffer_total counter\n"
	              "testns_falco_n_drops_buffer_total 5000\n");
	v = val("duration_sec", METRICS_K_MONOTONIC, METRICS_T_U64, METRICS_U_S_COUNT);
	v.v.u64 = 144;
	expect_metric(v, "falco",
	              "# HELP testns_falco_duration_seconds_total https://falco.org/docs/metrics/\n"
	              "# TYPE testns_falco_duration_seconds_total counter\n"
	              "testns_falco_duration_seconds_total 144\n");
	v = val("evt_rate_sec", METRICS_K_GAUGE, METRICS_T_D, METRICS_U_S);
	v.v.d = 126065.4;
	expect_metric(v, "falco",
	              "# HELP testns_falco_evt_rate_seconds https://falco.org/docs/metrics/\n"
	              "# TYPE testns_falco_evt_rate_seconds gauge\n"
	              "testns_falco_evt_rate_seconds 126065.400000\n");
	v = val("host_boot_ts", METRICS_K_GAUGE, METRICS_T_U64, METRICS_U_TS_NS);
	v.v.u64 = 1708753667000000000ull;
	expect_metric(v, "falco",
	              "# HELP testns_falco_host_boot_timestamp_nanoseconds https://falco.org/docs/metrics/\n"
	              "# TYPE testns_falco_host_boot_timestamp_nanoseconds gauge\n"
	              "testns_falco_host_boot_timestamp_nanoseconds 1708753667000000000\n");
	/* memory in kB becomes bytes: 1000 kB = 1024000 bytes */
	v = val("memory_rss_kb", METRICS_K_GAUGE, METRICS_T_U32, METRICS_U_KIB);
	v.v.u32 = 1000;
	expect_metric(v, "falco",
	              "# HELP testns_falco_memory_rss_bytes https://falco.org/docs/metrics/\n"
	              "# TYPE testns_falco_memory_rss_bytes gauge\n"
	              "testns_falco_memory_rss_bytes 1024000.000000\n");
	/* percent becomes a ratio: 12.5 % = 0.125 */
	v = val("cpu_usage_perc", METRICS_K_GAUGE, METRICS_T_D, METRICS_U_PERC);
	v.v.d = 12.5;
	expect_metric(v, "falco",
	              "# HELP testns_falco_cpu_usage_ratio https://falco.org/docs/metrics/\n"
	              "# TYPE testns_falco_cpu_usage_ratio gauge\n"
	              "testns_falco_cpu_usage_ratio 0.125000\n");
	/* label and name sanitizing, empty label keys skipped */
	char *buf = NULL;
	size_t len = 0;
	const char *l[] = {"0kernel_release__", "6.6.7-200.fc39.x86_64", "", "empty_key_name"};
	assert_int_equal(metrics_prometheus_info(&buf, &len, "56kernel_release-:!", "", "", l, 2), 0);
	assert_string_equal(buf, "# HELP _56kernel_release_:_info https://falco.org/docs/metrics/\n"
	                         "# TYPE _56kernel_release_:_info gauge\n"
	                         "_56kernel_release_:_info{_0kernel_release_=\"6.6.7-200.fc39.x86_64\"} 1\n");
	free(buf);
}

static const char *find_line(const char *text, const char *line)
{
	const char *p = strstr(text, line);
	if (!p)
		fail_msg("line not found: %s\nin:\n%s", line, text);
	return p;
}

/* The whole endpoint text of one syscall and one plugin snapshot, against
 * falco_metrics.cpp's documented lines. */
static void test_prometheus_snapshots(void **state)
{
	(void)state;
	struct metrics_snapshot s, p;
	sample_snapshot(&s);
	snprintf(s.kernel_release, sizeof(s.kernel_release), "6.6.7");
	char *tags[] = {"T1555", "container", "filesystem"};
	struct metrics_rule r = {"Read sensitive file untrusted", "syscall", 4, tags, 3, 32};
	s.rules = &r;
	s.nrules = 1;
	memset(&p, 0, sizeof(p));
	p.source = "dummy";
	p.engine_name = "source_plugin";
	p.now_ns = s.now_ns;
	add_u64(&p, "dummy.dummy_metric", CFG_METRICS_PLUGINS, METRICS_U_COUNT, 9);
	add_u32(&p, "memory_rss_kb", CFG_METRICS_RESOURCE_UTILIZATION, METRICS_U_KIB, 1);
	struct metrics_file files[] = {
		{"/etc/falco/falco_rules.yaml", "6f0078862a26528cb50a860f9ebebbfbe3162e5009187089c73cb0cdf91d0b06", false},
		{"/etc/falco/falco.yaml", "f97de5fa6f513b5e07cd9f29ee9904ee4267cb120ef6501f8555543d5a98dd1c", true},
	};
	s.files = files;
	s.nfiles = 2;
	const struct metrics_snapshot *snaps[] = {&s, &p};
	char *t = metrics_prometheus(snaps, 2);
	assert_non_null(t);
	find_line(t, "# TYPE falcosecurity_falco_version_info gauge\nfalcosecurity_falco_version_info{version=\"0.1.0\"} 1\n");
	find_line(t, "# TYPE falcosecurity_falco_sha256_rules_files_info gauge\nfalcosecurity_falco_sha256_rules_files_info"
	             "{file_name=\"falco_rules.yaml\",sha256=\"6f0078862a26528cb50a860f9ebebbfbe3162e5009187089c73cb0cdf91d0b06\"} "
	             "1\n");
	find_line(t, "\nfalcosecurity_falco_sha256_config_files_info{file_name=\"falco.yaml\",sha256=\"f97de5fa6f513b5e07cd9f29e"
	             "e9904ee4267cb120ef6501f8555543d5a98dd1c\"} 1\n");
	find_line(t, "\nfalcosecurity_falco_rules_matches_total{priority=\"4\",rule_name=\"Read sensitive file "
	             "untrusted\",source=\"syscall\",tag_T1555=\"true\",tag_container=\"true\",tag_filesystem=\"true\"} 32\n");
	find_line(t, "\nfalcosecurity_scap_engine_name_info{engine_name=\"modern_ebpf\",evt_source=\"syscall\"} 1\n");
	find_line(t, "\nfalcosecurity_scap_engine_name_info{engine_name=\"source_plugin\",evt_source=\"dummy\"} 1\n");
	find_line(t, "# TYPE falcosecurity_scap_n_evts_cpu_total counter\nfalcosecurity_scap_n_evts_cpu_total{cpu=\"1\"} 600\n");
	find_line(t, "# TYPE falcosecurity_scap_n_evts_total counter\nfalcosecurity_scap_n_evts_total 1000\n");
	find_line(t, "\nfalcosecurity_scap_sys_exit_run_cnt_total 7\n");
	find_line(t, "# TYPE falcosecurity_falco_memory_rss_bytes gauge\nfalcosecurity_falco_memory_rss_bytes "
	             "34707456.000000\n");
	find_line(t, "# TYPE falcosecurity_scap_n_threads_total gauge\nfalcosecurity_scap_n_threads_total 73\n");
	find_line(t, "\nfalcosecurity_plugins_probe_async_ok_total 2\n");
	find_line(t, "\nfalcosecurity_plugins_dummy_dummy_metric_total 9\n");
	find_line(t, "# HELP falcosecurity_scap_n_drops_buffer_total https://falco.org/docs/metrics/ (DEPRECATED: enter "
	             "events are no longer tracked in falcosecurity/libs)\n# TYPE falcosecurity_scap_n_drops_buffer_total "
	             "counter\nfalcosecurity_scap_n_drops_buffer_total{dir=\"enter\",drop=\"clone_fork\"} 0\n");
	find_line(t, "\nfalcosecurity_falco_kernel_release_info{kernel_release=\"6.6.7\"} 1\n");
	find_line(t, "\nfalcosecurity_evt_hostname_info{hostname=\"host1\"} 1\n");
	find_line(t, "# TYPE falcosecurity_falco_outputs_queue_num_drops_total counter\n"
	             "falcosecurity_falco_outputs_queue_num_drops_total 0\n");
	find_line(t, "# TYPE falcosecurity_falco_duration_seconds_total counter\nfalcosecurity_falco_duration_seconds_total 10\n");
	find_line(t, "# TYPE falcosecurity_falco_reload_timestamp_nanoseconds gauge\n");
	find_line(t, "# TYPE falcosecurity_falco_host_num_cpus_total gauge\n");
	/* the aggregate buffer drops are carried by labels only; a plugin
	 * source contributes its plugins' metrics only */
	assert_null(strstr(t, "falcosecurity_scap_n_drops_buffer_total 0\n"));
	assert_null(strstr(t, "memory_rss_bytes 1024.000000"));
	/* every sample line follows its HELP and TYPE lines */
	size_t help = 0, type = 0, samples = 0;
	for (const char *q = t; *q; q = strchr(q, '\n') + 1) {
		if (strncmp(q, "# HELP ", 7) == 0)
			help++;
		else if (strncmp(q, "# TYPE ", 7) == 0)
			type++;
		else
			samples++;
	}
	assert_int_equal(help, type);
	assert_int_equal(help, samples);
	free(t);
	s.rules = NULL;
	metrics_snap_clear(&s);
	metrics_snap_clear(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_config_checks),
		cmocka_unit_test(test_rule_names),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_output_fields),
		cmocka_unit_test(test_output_fields_raw_units_and_empty),
		cmocka_unit_test(test_json_line),
		cmocka_unit_test(test_prometheus_libs_examples),
		cmocka_unit_test(test_prometheus_snapshots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
