/*
 * Alert formatting: output strings, the text line and the JSON object.
 *
 * Expected strings are derived by hand from upstream's code (read, not run):
 *  - libsinsp eventformatter.cpp (set_format): `%` tokens, width digits
 *    (value resized to N with spaces, so also cut), "<NA>" for missing
 *    values when the format starts with '*' (Falco always adds it), the
 *    errors "invalid formatting syntax: formatting cannot end with a %" /
 *    "... with a number"; output_fields keys are the fields inside tokens,
 *    transformed values are not listed (formatter_visitor).
 *  - libsinsp sinsp_filtercheck.cpp rawval_to_string / rawval_to_json:
 *    PF_HEX upper case, PF_10_PADDED_DEC "%09", bools "true"/"false",
 *    lists "(a,b)" / JSON arrays, numbers typed in JSON except hex/oct/padded.
 *  - falco userspace/engine/formats.cpp: text line "<evt.time>: <Priority>
 *    <message>" passed through the JSON string encoder; JSON keys (nlohmann
 *    sorts them) hostname, message (opt-in), output, output_fields (+
 *    evt.time as integer ns, extract_as_js), priority, rule, source, tags,
 *    time ("%FT%T" UTC + ".%09luZ").
 *  - falco userspace/falco/falco_outputs.cpp handle_msg: internal messages.
 *  - falco rule_loader_compiler.cpp: append_output match (source, tags all
 *    included, rule) and " " + extra_output; init_falco_engine.cpp: suggested
 *    fields as "a_b=%a.b"; falco_engine.cpp: a raw extra field is "%" + key.
 *  - falco stats_manager.cpp: the exit summary.
 * The event time 1507591916746609046 is 2017-10-09T23:31:56.746609046Z
 * (`date -u -d @1507591916`), the time of the JSON example in Falco's docs.
 * Tests run with TZ=UTC so the local time is 23:31:56.746609046.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "output/output.h"

#define TS 1507591916746609046ull

/* ---- a test field class: each field's value is set by the test ---- */

static struct {
	const char *str;      /* NULL: no value */
	int64_t i64;
	uint64_t u64;
	bool b;
	const char *list[3];
	uint32_t nlist;
	uint8_t ip[4];
	const char *buf;
	uint32_t buflen;
} V;

enum { T_STR, T_I64, T_HEX, T_PAD, T_U64, T_B, T_LIST, T_IP, T_BUF, T_NONE, T_SUG };

static const struct fld_info tfields[] = {
	[T_STR] = {"t.str", EV_PT_CHARBUF, 0, EV_PF_NA, NULL, "a string"},
	[T_I64] = {"t.i64", EV_PT_INT64, 0, EV_PF_DEC, NULL, "signed"},
	[T_HEX] = {"t.hex", EV_PT_UINT32, 0, EV_PF_HEX, NULL, "hex"},
	[T_PAD] = {"t.pad", EV_PT_UINT64, 0, EV_PF_10_PADDED_DEC, NULL, "padded"},
	[T_U64] = {"t.u64", EV_PT_UINT64, 0, EV_PF_ID, NULL, "an id"},
	[T_B] = {"t.b", EV_PT_BOOL, 0, EV_PF_NA, NULL, "a bool"},
	[T_LIST] = {"t.list", EV_PT_CHARBUF, FLD_F_IS_LIST, EV_PF_NA, NULL, "a list"},
	[T_IP] = {"t.ip", EV_PT_IPV4ADDR, 0, EV_PF_NA, NULL, "an address"},
	[T_BUF] = {"t.buf", EV_PT_BYTEBUF, 0, EV_PF_NA, NULL, "bytes"},
	[T_NONE] = {"t.none", EV_PT_UINT64, 0, EV_PF_DEC, NULL, "never set"},
	[T_SUG] = {"t.sug.name", EV_PT_CHARBUF, FLD_F_SUGGESTED, EV_PF_NA, NULL, "suggested"},
};

static struct fld_val listvals[3];

static int textract(const struct fld_ctx *ctx, const struct fld_bind *b, struct fld_vals *o)
{
	(void)ctx;
	switch (b->field) {
	case T_STR:
		return V.str ? fld_set_str(o, V.str, strlen(V.str)) : 0;
	case T_I64: return fld_set_i64(o, V.i64);
	case T_HEX: return fld_set_u32(o, (uint32_t)V.u64);
	case T_PAD:
	case T_U64: return fld_set_u64(o, V.u64);
	case T_B: return fld_set_bool(o, V.b);
	case T_LIST:
		for (uint32_t i = 0; i < V.nlist; i++)
			listvals[i] = (struct fld_val){V.list[i], (uint32_t)strlen(V.list[i])};
		o->v = listvals;
		o->n = V.nlist;
		return 0;
	case T_IP: return fld_set_ptr(o, V.ip, 4);
	case T_BUF: return fld_set_ptr(o, V.buf, V.buflen);
	case T_SUG: return fld_set_str(o, "sv", 2);
	}
	return 0;
}

static const struct fld_class tclass = {
	.name = "t", .shortdesc = "test", .desc = "test fields", .sources = fld_sources_syscall,
	.fields = tfields, .nfields = sizeof tfields / sizeof tfields[0], .extract = textract,
};

/* ---- fixture ---- */

struct fx {
	struct fld_reg *reg;
	struct flt_compiler *c;
	struct fld_ctx ctx;
	struct out_mgr *m;
	struct out_static *sf;
	uint8_t evbuf[256];
	struct ev_view ev;
};

static void fx_event(struct fx *f)
{
	int64_t res = 0, fd = 3;
	const void *vals[] = {&res, &fd};
	const uint32_t lens[] = {8, 8};
	int64_t n = ev_encode(f->evbuf, sizeof f->evbuf, TS, 42, EV_SYSCALL_CLOSE_X, 2, vals, lens);
	assert_true(n > 0);
	assert_int_equal(ev_decode(f->evbuf, (size_t)n, &f->ev), 0);
}

static const struct out_kv *g_static;
static uint32_t g_nstatic;

static void fx_open(struct fx *f, const struct out_config *cfg)
{
	char err[256] = "";
	memset(&V, 0, sizeof V);
	f->reg = fld_reg_new();
	assert_non_null(f->reg);
	assert_int_equal(fld_reg_add_builtin(f->reg), 0);
	assert_int_equal(fld_reg_add(f->reg, &tclass), 0);
	f->m = out_mgr_new(cfg, err, sizeof err);
	assert_non_null(f->m);
	f->sf = out_static_new(g_static, g_nstatic);
	assert_non_null(f->sf);
	if (out_static_class(f->sf))
		assert_int_equal(fld_reg_add(f->reg, out_static_class(f->sf)), 0);
	f->c = flt_compiler_new(f->reg, "syscall");
	assert_non_null(f->c);
	fx_event(f);
}

/* After compiling everything: size the extraction context, set the event. */
static void fx_ready(struct fx *f)
{
	assert_int_equal(fld_ctx_init(&f->ctx, flt_compiler_nslots(f->c)), 0);
	f->ctx.ev = &f->ev;
	f->ctx.num = 7;
	f->ctx.source = "syscall";
	fld_ctx_next(&f->ctx);
}

static void fx_close(struct fx *f)
{
	fld_ctx_fini(&f->ctx);
	out_mgr_free(f->m); /* frees the rules (and their expressions) first */
	flt_compiler_free(f->c);
	fld_reg_free(f->reg);
	out_static_free(f->sf); /* last: the registry and compiler borrow its class */
	memset(f, 0, sizeof *f);
}

static struct out_config quiet_config(void)
{
	struct out_config c;
	out_config_defaults(&c);
	c.stdout_enabled = false;
	c.syslog_enabled = false;
	c.hostname = "myhost";
	return c;
}

static char *render(struct fx *f, const char *output, enum out_priority p, const char *const *tags,
                    uint32_t ntags, struct out_rule **rp)
{
	char err[256] = "";
	struct out_rule_desc d = {"My Rule", "syscall", output, p, tags, ntags};
	struct out_rule *r = out_rule_compile(f->m, f->c, f->reg, &d, err, sizeof err);
	if (!r)
		fail_msg("compile failed: %s", err);
	if (rp)
		*rp = r;
	if (!f->ctx.slots)
		fx_ready(f);
	fld_ctx_next(&f->ctx);
	return out_rule_render(f->m, r, &f->ctx);
}

static void expect_compile_error(const char *fmt, const char *msg)
{
	struct fx f = {0};
	struct out_config c = quiet_config();
	char err[256] = "";
	fx_open(&f, &c);
	struct out_rule_desc d = {"r", "syscall", fmt, OUT_PRI_ERROR, NULL, 0};
	assert_null(out_rule_compile(f.m, f.c, f.reg, &d, err, sizeof err));
	if (strncmp(err, msg, strlen(msg)))
		fail_msg("for '%s' got '%s', want '%s'", fmt, err, msg);
	fx_close(&f);
}

/* ---- tests ---- */

static void test_text_line(void **st)
{
	(void)st;
	struct fx f = {0};
	struct out_config c = quiet_config();
	fx_open(&f, &c);
	V.str = "touch";
	char *s = render(&f, "File opened (cmd=%t.str num=%evt.num type=%evt.type)", OUT_PRI_ERROR,
	                 NULL, 0, NULL);
	assert_string_equal(s, "23:31:56.746609046: Error File opened (cmd=touch num=7 type=close)");
	free(s);
	fx_close(&f);
}

static void test_values_text(void **st)
{
	(void)st;
	struct fx f = {0};
	struct out_config c = quiet_config();
	fx_open(&f, &c);
	V.i64 = -5;
	V.u64 = 255;
	V.b = true;
	V.list[0] = "a", V.list[1] = "b", V.nlist = 2;
	memcpy(V.ip, (uint8_t[]){10, 0, 0, 1}, 4);
	V.buf = "a\x01z";
	V.buflen = 3;
	char *s = render(&f,
	                 "i=%t.i64 h=%t.hex p=%t.pad u=%t.u64 b=%t.b l=%t.list ip=%t.ip buf=%t.buf "
	                 "na=%t.none s=%t.str",
	                 OUT_PRI_INFORMATIONAL, NULL, 0, NULL);
	assert_string_equal(s, "23:31:56.746609046: Informational i=-5 h=FF p=000000255 u=255 "
	                       "b=true l=(a,b) ip=10.0.0.1 buf=a.z na=<NA> s=<NA>");
	free(s);
	fx_close(&f);
}

/* buffer_format_base64: byte buffers in base64 (RFC 4648: "a\x01z" is
 * YQF6, "ab" is YWI=) instead of '.' for non-printables */
static void test_base64(void **st)
{
	(void)st;
	struct fx f = {0};
	struct out_config c = quiet_config();
	c.buffer_format_base64 = true;
	c.json_output = true;
	fx_open(&f, &c);
	V.buf = "a\x01z";
	V.buflen = 3;
	char *s = render(&f, "buf=%t.buf", OUT_PRI_INFORMATIONAL, NULL, 0, NULL);
	assert_non_null(strstr(s, "\"output\":\"23:31:56.746609046: Informational buf=YQF6\""));
	assert_non_null(strstr(s, "\"t.buf\":\"YQF6\""));
	free(s);
	V.buflen = 2;
	V.buf = "ab";
	fld_ctx_next(&f.ctx);
	struct out_rule *r;
	s = render(&f, "%t.buf", OUT_PRI_INFORMATIONAL, NULL, 0, &r);
	assert_non_null(strstr(s, "Informational YWI=\""));
	free(s);
	fx_close(&f);
}

static void test_width_and_transformers(void **st)
{
	(void)st;
	struct fx f = {0};
	struct out_config c = quiet_config();
	fx_open(&f, &c);
	V.str = "BaSh";
	/* %6 pads to 6; %2 cuts to 2 (std::string::resize); transformers apply */
	char *s = render(&f, "[%6t.str][%2t.str][%tolower(t.str)][%toupper(t.str)]",
	                 OUT_PRI_NOTICE, NULL, 0, NULL);
	assert_string_equal(s, "23:31:56.746609046: Notice [BaSh  ][Ba][bash][BASH]");
	free(s);
	fx_close(&f);
}

static void test_text_escaping(void **st)
{
	(void)st;
	struct fx f = {0};
	struct out_config c = quiet_config();
	fx_open(&f, &c);
	/* quote, backslash, newline, a control char, and an invalid UTF-8 byte
	 * (0xff -> U+FFFD) next to a valid é (c3 a9) */
	V.str = "a\"b\\c\nd\x01" "e\xff\xc3\xa9";
	char *s = render(&f, "x=%t.str", OUT_PRI_WARNING, NULL, 0, NULL);
	assert_string_equal(s, "23:31:56.746609046: Warning x=a\\\"b\\\\c\\nd\\u0001e\xef\xbf\xbd\xc3\xa9");
	free(s);
	fx_close(&f);
}

static void test_json_object(void **st)
{
	(void)st;
	struct fx f = {0};
	struct out_config c = quiet_config();
	c.json_output = true;
	fx_open(&f, &c);
	V.str = "touch /bin/hello";
	V.u64 = 0x1f;
	V.list[0] = "x", V.nlist = 1;
	const char *tags[] = {"mitre", "filesystem", "mitre"};
	char *s = render(&f, "File below a known binary directory opened for writing "
	                     "(command=%t.str h=%t.hex n=%t.none l=%t.list u=%t.u64 low=%tolower(t.str))",
	                 OUT_PRI_ERROR, tags, 3, NULL);
	assert_string_equal(
	        s,
	        "{\"hostname\":\"myhost\","
	        "\"output\":\"23:31:56.746609046: Error File below a known binary directory opened "
	        "for writing (command=touch /bin/hello h=1F n=<NA> l=(x) u=31 low=touch /bin/hello)\","
	        "\"output_fields\":{\"evt.time\":1507591916746609046,\"t.hex\":\"1F\",\"t.list\":[\"x\"],"
	        "\"t.none\":null,\"t.str\":\"touch /bin/hello\",\"t.u64\":31},"
	        "\"priority\":\"Error\",\"rule\":\"My Rule\",\"source\":\"syscall\","
	        "\"tags\":[\"filesystem\",\"mitre\"],\"time\":\"2017-10-09T23:31:56.746609046Z\"}");
	free(s);
	fx_close(&f);
}

static void test_json_switches(void **st)
{
	(void)st;
	struct fx f = {0};
	struct out_config c = quiet_config();
	c.json_output = true;
	c.json_include_message_property = true;
	c.json_include_output_property = false;
	c.json_include_tags_property = false;
	c.json_include_output_fields_property = false;
	c.time_format_iso_8601 = true;
	fx_open(&f, &c);
	V.str = "x";
	char *s = render(&f, "m %t.str", OUT_PRI_DEBUG, NULL, 0, NULL);
	assert_string_equal(s, "{\"hostname\":\"myhost\",\"message\":\"m x\",\"priority\":\"Debug\","
	                       "\"rule\":\"My Rule\",\"source\":\"syscall\","
	                       "\"time\":\"2017-10-09T23:31:56.746609046Z\"}");
	free(s);
	fx_close(&f);

	/* iso 8601 prefix in the text line, and evt.time.iso8601 in output_fields */
	c.json_include_output_property = true;
	c.json_include_output_fields_property = true;
	c.json_include_message_property = false;
	c.json_include_tags_property = true;
	fx_open(&f, &c);
	s = render(&f, "m", OUT_PRI_DEBUG, NULL, 0, NULL);
	assert_string_equal(s, "{\"hostname\":\"myhost\","
	                       "\"output\":\"2017-10-09T23:31:56.746609046+0000: Debug m\","
	                       "\"output_fields\":{\"evt.time.iso8601\":1507591916746609046},"
	                       "\"priority\":\"Debug\",\"rule\":\"My Rule\",\"source\":\"syscall\","
	                       "\"tags\":[],\"time\":\"2017-10-09T23:31:56.746609046Z\"}");
	free(s);
	fx_close(&f);
}

static void test_append_output(void **st)
{
	(void)st;
	struct fx f = {0};
	struct out_config c = quiet_config();
	const char *net_tags[] = {"network"};
	const struct out_extra_field ef[] = {{"cmd_upper", "%toupper(t.str)"}, {"t.u64", NULL}};
	const struct out_append app[] = {
		{.extra_output = "always=%t.u64"},
		{.source = "k8s_audit", .extra_output = "never1"},
		{.tags = net_tags, .ntags = 1, .extra_output = "never2"},
		{.rule = "Other", .extra_output = "never3"},
		{.rule = "My Rule", .suggested_output = true, .extra_fields = ef, .nextra_fields = 2},
	};
	static const struct out_kv sf[] = {{"env", "prod"}};
	c.append = app;
	c.nappend = 5;
	c.print_format = "p=%t.b";
	g_static = sf;
	g_nstatic = 1;
	fx_open(&f, &c);
	V.str = "sh";
	V.u64 = 3;
	char *s = render(&f, "base", OUT_PRI_CRITICAL, NULL, 0, NULL);
	assert_string_equal(s, "23:31:56.746609046: Critical base always=3 t_sug_name=sv "
	                       "static_env=prod p=false");
	free(s);
	fx_close(&f);

	c.json_output = true;
	fx_open(&f, &c);
	V.str = "sh";
	V.u64 = 3;
	s = render(&f, "base", OUT_PRI_CRITICAL, NULL, 0, NULL);
	assert_string_equal(s, "{\"hostname\":\"myhost\",\"output\":\"23:31:56.746609046: Critical "
	                       "base always=3 t_sug_name=sv static_env=prod p=false\","
	                       "\"output_fields\":{\"cmd_upper\":\"SH\",\"evt.time\":1507591916746609046,"
	                       "\"static.env\":\"prod\",\"t.b\":false,\"t.sug.name\":\"sv\",\"t.u64\":3},"
	                       "\"priority\":\"Critical\",\"rule\":\"My Rule\",\"source\":\"syscall\","
	                       "\"tags\":[],\"time\":\"2017-10-09T23:31:56.746609046Z\"}");
	free(s);
	fx_close(&f);
	g_static = NULL;
	g_nstatic = 0;
}

/* falco unit_tests/engine/test_extra_output.cpp: extra_format_by_tag_rule
 * (an entry applies when the rule has all its tags / is the named rule, in
 * entry order) and extra_format_empty_container_info. */
static void test_upstream_extra_output(void **st)
{
	(void)st;
	const char *t1[] = {"tag1"}, *t12[] = {"tag1", "tag2"};
	const struct out_append app[] = {
		{.tags = t1, .ntags = 1, .extra_output = "extra 1"},
		{.rule = "another_rule", .extra_output = "extra 2"},
		{.tags = t12, .ntags = 2, .extra_output = "extra 3"},
	};
	struct out_config c = quiet_config();
	c.append = app;
	c.nappend = 3;
	struct fx f = {0};
	fx_open(&f, &c);
	char err[256];
	struct out_rule_desc d[] = {
		{"legit_rule", "syscall", "out 1", OUT_PRI_INFORMATIONAL, t1, 1},
		{"another_rule", "syscall", "out 2", OUT_PRI_INFORMATIONAL, t1, 1},
		{"a_third_rule", "syscall", "out 3", OUT_PRI_INFORMATIONAL, t12, 2},
		{"ci", "syscall", "out 1 (%container.info)", OUT_PRI_INFORMATIONAL, NULL, 0},
	};
	const char *want[] = {
		"23:31:56.746609046: Informational out 1 extra 1",
		"23:31:56.746609046: Informational out 2 extra 1 extra 2",
		"23:31:56.746609046: Informational out 3 extra 1 extra 3",
		"23:31:56.746609046: Informational out 1 ()",
	};
	struct out_rule *r[4];
	for (int i = 0; i < 4; i++) {
		r[i] = out_rule_compile(f.m, f.c, f.reg, &d[i], err, sizeof err);
		if (!r[i])
			fail_msg("%s: %s", d[i].name, err);
	}
	fx_ready(&f);
	for (int i = 0; i < 4; i++) {
		char *s = out_rule_render(f.m, r[i], &f.ctx);
		assert_string_equal(s, want[i]);
		free(s);
	}
	fx_close(&f);
}

/* -p c / container / k / kubernetes add nothing (falco init_falco_engine.cpp) */
static void test_print_container(void **st)
{
	(void)st;
	const char *const kinds[] = {"c", "container", "k", "kubernetes"};
	for (int i = 0; i < 4; i++) {
		struct fx f = {0};
		struct out_config c = quiet_config();
		c.print_format = kinds[i];
		fx_open(&f, &c);
		char *s = render(&f, "base", OUT_PRI_CRITICAL, NULL, 0, NULL);
		assert_string_equal(s, "23:31:56.746609046: Critical base");
		free(s);
		fx_close(&f);
	}
}

static void test_compile_errors(void **st)
{
	(void)st;
	expect_compile_error("abc %", "invalid formatting syntax: formatting cannot end with a %");
	expect_compile_error("abc %12", "invalid formatting syntax: formatting cannot end with a number");
	expect_compile_error("abc %no.such.field", "unknown filter: ");
	/* a leading '*' is accepted (Falco adds it anyway) */
	struct fx f = {0};
	struct out_config c = quiet_config();
	fx_open(&f, &c);
	char *s = render(&f, "*star %t.none", OUT_PRI_ALERT, NULL, 0, NULL);
	assert_string_equal(s, "23:31:56.746609046: Alert star <NA>");
	free(s);
	fx_close(&f);
}

static void test_internal(void **st)
{
	(void)st;
	struct fx f = {0};
	struct out_config c = quiet_config();
	fx_open(&f, &c);
	const struct out_field fl[] = {
		{"n_evts", OUT_V_U64, {.u64 = 100}},
		{"ebpf_enabled", OUT_V_STR, {.s = "1"}},
		{"n_drops", OUT_V_I64, {.i64 = 5}},
	};
	char *s = out_internal_render(f.m, TS, OUT_PRI_CRITICAL, "Falco internal: syscall event drop",
	                              "42 system calls dropped in last second.", fl, 3);
	assert_string_equal(s, "23:31:56.746609046: Critical 42 system calls dropped in last second. "
	                       "(ebpf_enabled=\"1\" n_drops=5 n_evts=100)");
	free(s);
	fx_close(&f);

	c.json_output = true;
	fx_open(&f, &c);
	s = out_internal_render(f.m, TS, OUT_PRI_CRITICAL, "Falco internal: syscall event drop",
	                        "42 dropped.", fl, 3);
	assert_string_equal(s, "{\"hostname\":\"myhost\",\"output\":\"42 dropped.\","
	                       "\"output_fields\":{\"ebpf_enabled\":\"1\",\"n_drops\":5,\"n_evts\":100},"
	                       "\"priority\":\"Critical\",\"rule\":\"Falco internal: syscall event drop\","
	                       "\"source\":\"internal\",\"time\":\"2017-10-09T23:31:56.746609046Z\"}");
	free(s);
	fx_close(&f);
}

static void test_summary(void **st)
{
	(void)st;
	struct fx f = {0};
	struct out_config c = quiet_config();
	fx_open(&f, &c);
	char err[256];
	struct out_rule_desc d1 = {"Rule A", "syscall", "a", OUT_PRI_INFORMATIONAL, NULL, 0};
	struct out_rule_desc d2 = {"Rule B", "syscall", "b", OUT_PRI_CRITICAL, NULL, 0};
	struct out_rule_desc d3 = {"Rule C", "syscall", "c", OUT_PRI_WARNING, NULL, 0};
	struct out_rule *a = out_rule_compile(f.m, f.c, f.reg, &d1, err, sizeof err);
	struct out_rule *b = out_rule_compile(f.m, f.c, f.reg, &d2, err, sizeof err);
	assert_non_null(out_rule_compile(f.m, f.c, f.reg, &d3, err, sizeof err));
	assert_non_null(a);
	assert_non_null(b);
	fx_ready(&f);
	for (int i = 0; i < 3; i++)
		assert_int_equal(out_rule_alert(f.m, a, &f.ctx), 0);
	assert_int_equal(out_rule_alert(f.m, b, &f.ctx), 0);
	assert_int_equal(out_rule_count(a), 3);
	char buf[512] = "";
	FILE *m = fmemopen(buf, sizeof buf, "w");
	out_mgr_print_summary(f.m, m);
	fclose(m);
	assert_string_equal(buf, "Events detected: 4\n"
	                         "Rule counts by severity:\n"
	                         "   CRITICAL: 1\n"
	                         "   INFO: 3\n"
	                         "Triggered rules by rule name:\n"
	                         "   Rule A: 3\n"
	                         "   Rule B: 1\n");
	fx_close(&f);
}

/* libsinsp's own formatter tests (userspace/libsinsp/test/eventformatter.ut.cpp),
 * with our test fields standing in: proc.name -> t.str ("init"), thread.tid
 * -> t.u64 (1), evt.asynctype (no value) -> t.none. Falco always formats with
 * a leading '*' (missing values as <NA>), so the "stop_on_null" cases do not
 * apply. */
static char *fmt_text(struct fx *f, const char *fmt, char *err)
{
	struct out_fmt *o = out_fmt_compile(f->c, fmt, err, 256);
	if (!o)
		return NULL;
	fld_ctx_fini(&f->ctx);
	fx_ready(f);
	char *s = out_fmt_text(o, &f->ctx);
	out_fmt_free(o);
	return s;
}

static void test_upstream_formatter_cases(void **st)
{
	(void)st;
	static const char *const bad[] = {
		"start %some.field end", "start %a end", "start % end", "start %t.str %",
		"start %some_transformer(t.str) end", "start %val(t.str) end", "start %(t.str) end",
		"start %toupper(t.str", "start %toupper(tolower)", "start %toupper(tolower(t.str",
		"start %toupper(tolower(t.str)", "start %toupper(val(t.str))",
		"start %toupper(val(t.str)", "start %touper(", "start %(",
		"start %toupper(t.u64) end", "start %toupper (t.str) end",
	};
	static const struct { const char *fmt, *want; } good[] = {
		{"start %t.str end", "start init end"},
		{"start %2t.str end", "start in end"},
		{"start %10t.str end", "start init       end"},
		{"start %t.str %t.u64 end", "start init 1 end"},
		{"start%t.strand%t.u64end", "startinitand1end"},
		{"*start %t.str %t.none end", "start init <NA> end"},
		{"start end", "start end"},
		{"start %toupper(t.str) end", "start INIT end"},
		{"start %tolower(toupper(t.str)) end", "start init end"},
		{"start %toupper( t.str) end", "start INIT end"},
		{"start %toupper(t.str ) end", "start INIT end"},
		{"start %toupper( t.str ) end", "start INIT end"},
		{"start %toupper( tolower(t.str)) end", "start INIT end"},
		{"start %toupper( tolower( t.str ) ) end", "start INIT end"},
	};
	struct fx f = {0};
	struct out_config c = quiet_config();
	fx_open(&f, &c);
	fx_ready(&f);
	V.str = "init";
	V.u64 = 1;
	char err[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *s = fmt_text(&f, bad[i], err);
		if (s)
			fail_msg("'%s' compiled (%s)", bad[i], s);
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char *s = fmt_text(&f, good[i].fmt, err);
		if (!s)
			fail_msg("'%s': %s", good[i].fmt, err);
		if (strcmp(s, good[i].want))
			fail_msg("'%s': got '%s', want '%s'", good[i].fmt, s, good[i].want);
		free(s);
	}
	fx_close(&f);

	/* JSON: keys are the plain fields; transformed values are left out
	 * (field_with_transformer_excluded_json, continue_on_null_json) */
	c.json_output = true;
	fx_open(&f, &c);
	V.str = "init";
	char *s = render(&f, "start %toupper(t.str) %t.none %2t.str end", OUT_PRI_DEBUG, NULL, 0, NULL);
	assert_non_null(strstr(s, "\"output_fields\":{\"evt.time\":1507591916746609046,"
	                          "\"t.none\":null,\"t.str\":\"init\"}"));
	free(s);
	fx_close(&f);
}

static void test_priorities(void **st)
{
	(void)st;
	enum out_priority p;
	assert_int_equal(out_priority_parse("info", &p), 0);
	assert_int_equal(p, OUT_PRI_INFORMATIONAL);
	assert_int_equal(out_priority_parse("WARNING", &p), 0);
	assert_int_equal(p, OUT_PRI_WARNING);
	assert_int_equal(out_priority_parse("warn", &p), -EINVAL);
	assert_string_equal(out_priority_name(OUT_PRI_EMERGENCY, false), "Emergency");
	assert_string_equal(out_priority_name(OUT_PRI_INFORMATIONAL, true), "Info");
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_line),
		cmocka_unit_test(test_values_text),
		cmocka_unit_test(test_width_and_transformers),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_text_escaping),
		cmocka_unit_test(test_json_object),
		cmocka_unit_test(test_json_switches),
		cmocka_unit_test(test_append_output),
		cmocka_unit_test(test_print_container),
		cmocka_unit_test(test_upstream_extra_output),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_internal),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_upstream_formatter_cases),
		cmocka_unit_test(test_priorities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
