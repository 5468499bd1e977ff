/*
 * Compiler and evaluator: every operator, modifier and transformer on every
 * value family, with a test field class whose values the test sets. The
 * expected outcomes are hand-derived from upstream's documented semantics
 * (string ops as C string functions, glob as fnmatch, regex fully anchored,
 * `in` on lists = all values in the set, `intersects` = any).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "filter/filter.h"
#include "filter/internal.h"
#include "filter/values.h"

static struct {
	const char *str;
	int64_t i64;
	uint64_t u64;
	bool b;
	uint8_t ip[16];
	uint32_t iplen;
	const char *list[4];
	uint32_t nlist;
	const char *any[3];
	uint32_t nany;
	const char *buf;
	uint32_t buflen;
	uint16_t port;
	int calls;
} V;

enum { F_STR, F_I64, F_U64, F_B, F_IP, F_NET, F_LIST, F_ANY, F_BUF, F_PORT, F_NORHS, F_STR2, F_NONE };

static const struct fld_info tfields[] = {
	[F_STR] = {"t.str", EV_PT_CHARBUF, 0, EV_PF_NA, NULL, "a string"},
	[F_I64] = {"t.i64", EV_PT_INT64, 0, EV_PF_DEC, NULL, "a signed number"},
	[F_U64] = {"t.u64", EV_PT_UINT64, 0, EV_PF_DEC, NULL, "an unsigned number"},
	[F_B] = {"t.b", EV_PT_BOOL, 0, EV_PF_NA, NULL, "a boolean"},
	[F_IP] = {"t.ip", EV_PT_IPADDR, 0, EV_PF_NA, NULL, "an address"},
	[F_NET] = {"t.net", EV_PT_IPNET, 0, EV_PF_NA, NULL, "an address compared to networks"},
	[F_LIST] = {"t.list", EV_PT_CHARBUF, FLD_F_IS_LIST, EV_PF_NA, NULL, "a list"},
	[F_ANY] = {"t.any", EV_PT_CHARBUF, FLD_F_MATCH_ANY, EV_PF_NA, NULL, "any of several"},
	[F_BUF] = {"t.buf", EV_PT_BYTEBUF, 0, EV_PF_NA, NULL, "bytes"},
	[F_PORT] = {"t.port", EV_PT_PORT, 0, EV_PF_DEC, NULL, "a port"},
	[F_NORHS] = {"t.norhs", EV_PT_CHARBUF, FLD_F_NO_RHS, EV_PF_NA, NULL, "no rhs"},
	[F_STR2] = {"t.str2", EV_PT_CHARBUF, 0, EV_PF_NA, NULL, "the same string"},
	[F_NONE] = {"t.none", EV_PT_CHARBUF, 0, EV_PF_NA, NULL, "never has a value"},
};

static struct fld_val listvals[4], anyvals[3];

static int textract(const struct fld_ctx *ctx, const struct fld_bind *b, struct fld_vals *o)
{
	(void)ctx;
	V.calls++;
	switch (b->field) {
	case F_STR:
	case F_NORHS:
	case F_STR2:
		return fld_set_str(o, V.str, strlen(V.str));
	case F_I64: return fld_set_i64(o, V.i64);
	case F_U64: return fld_set_u64(o, V.u64);
	case F_B: return fld_set_bool(o, V.b);
	case F_IP:
	case F_NET: return fld_set_ptr(o, V.ip, V.iplen);
	case F_PORT: return fld_set_u16(o, V.port);
	case F_BUF: return fld_set_ptr(o, V.buf, V.buflen);
	case F_LIST:
		for (uint32_t i = 0; i < V.nlist; i++)
			listvals[i] = (struct fld_val){V.list[i], (uint32_t)strlen(V.list[i])};
		o->v = listvals;
		o->n = V.nlist;
		return 0;
	case F_ANY:
		for (uint32_t i = 0; i < V.nany; i++)
			anyvals[i] = (struct fld_val){V.any[i], (uint32_t)strlen(V.any[i])};
		o->v = anyvals;
		o->n = V.nany;
		return 0;
	}
	return 0;
}

static const char *const tsrc[] = {"syscall", NULL};
static const struct fld_class tclass = {
	.name = "t", .sources = tsrc, .fields = tfields,
	.nfields = sizeof tfields / sizeof tfields[0], .extract = textract,
};

static struct fld_reg *reg;

/* upstream's mock fields for its boolean and escape cases */
static const struct fld_info cfields[] = {
	{"c.true", EV_PT_UINT64, 0, EV_PF_DEC, NULL, "always 1"},
	{"c.false", EV_PT_UINT64, 0, EV_PF_DEC, NULL, "always 0"},
	{"c.singlequote", EV_PT_CHARBUF, 0, EV_PF_NA, NULL, "hello 'quoted'"},
	{"c.doublequote", EV_PT_CHARBUF, 0, EV_PF_NA, NULL, "hello \"quoted\""},
};

static int cextract(const struct fld_ctx *ctx, const struct fld_bind *b, struct fld_vals *o)
{
	(void)ctx;
	switch (b->field) {
	case 0: return fld_set_u64(o, 1);
	case 1: return fld_set_u64(o, 0);
	default: return fld_set_str(o, cfields[b->field].desc, strlen(cfields[b->field].desc));
	}
}

static const struct fld_class cclass = {
	.name = "c", .sources = NULL, .fields = cfields, .nfields = 4, .extract = cextract,
};

static void reset(void)
{
	memset(&V, 0, sizeof V);
	V.str = "/usr/bin/curl";
	V.i64 = -5;
	V.u64 = 1000;
	V.b = true;
	inet_pton(AF_INET, "10.1.2.3", V.ip);
	V.iplen = 4;
	V.list[0] = "a";
	V.list[1] = "b";
	V.nlist = 2;
	V.any[0] = "bash";
	V.any[1] = "sshd";
	V.nany = 2;
	V.buf = "\x01\x02hello\x00z";
	V.buflen = 9;
	V.port = 443;
}

/* 1 = true, 0 = false, -1 = does not compile */
static int run(const char *cond)
{
	struct flt_error err;
	struct flt_node *n = flt_parse(cond, NULL, &err, NULL);
	if (!n)
		return -1;
	struct flt_compiler *c = flt_compiler_new(reg, "syscall");
	struct flt_prog *p = flt_compile(c, n, &err);
	flt_node_free(n);
	int r = -1;
	if (p) {
		struct fld_ctx ctx;
		fld_ctx_init(&ctx, flt_compiler_nslots(c));
		r = flt_eval(p, &ctx);
		fld_ctx_fini(&ctx);
		flt_prog_free(p);
	}
	flt_compiler_free(c);
	return r;
}

static char lasterr[512];

static int compile_err(const char *cond)
{
	struct flt_error err;
	struct flt_node *n = flt_parse(cond, NULL, &err, NULL);
	assert_non_null(n);
	struct flt_compiler *c = flt_compiler_new(reg, "syscall");
	struct flt_prog *p = flt_compile(c, n, &err);
	flt_node_free(n);
	int failed = p == NULL;
	if (failed)
		snprintf(lasterr, sizeof lasterr, "%s", err.msg);
	flt_prog_free(p);
	flt_compiler_free(c);
	return failed;
}

#define T(cond) do { int _r = run(cond); if (_r != 1) fail_msg("%s: got %d, want true", cond, _r); } while (0)
#define F(cond) do { int _r = run(cond); if (_r != 0) fail_msg("%s: got %d, want false", cond, _r); } while (0)
#define E(cond, msg) do { if (!compile_err(cond)) fail_msg("%s compiled", cond); \
	if (strcmp(lasterr, msg)) fail_msg("%s:\n got %s\nwant %s", cond, lasterr, msg); } while (0)

static void test_strings(void **st)
{
	(void)st;
	reset();
	T("t.str = /usr/bin/curl");
	T("t.str == '/usr/bin/curl'");
	F("t.str = /usr/bin/cur");
	T("t.str != /usr/bin/cur");
	T("t.str contains bin/c");
	F("t.str contains BIN");
	T("t.str icontains BIN/C");
	T("t.str startswith /usr");
	F("t.str startswith usr");
	T("t.str endswith curl");
	F("t.str endswith cur");
	T("t.str glob '/usr/*/curl'");
	T("t.str glob '/usr/bin/cur?'");
	F("t.str glob '/USR/*'");
	T("t.str iglob '/USR/*'");
	T("t.str regex '/usr/.*'");
	F("t.str regex 'usr'");       /* anchored at both ends */
	T("t.str regex '.*bin.*'");
	T("t.str in (/bin/sh, /usr/bin/curl)");
	F("t.str in (/bin/sh, /usr/bin/cur)");
	T("t.str intersects (/usr/bin/curl)");
	F("t.str in ()");
	T("t.str pmatch (/usr/bin)");
	T("t.str pmatch (/usr)");
	T("t.str pmatch (/)");
	F("t.str pmatch (/usr/lib, /bin)");
	F("t.str pmatch (/usr/bi)");     /* components, not characters */
	T("t.str pmatch (/usr/*/curl)");  /* glob components */
	T("t.str pmatch (/usr/b*)");
	/* numeric operators take numbers only (parser), compared as strings */
	T("t.str < 9");                   /* '/' sorts before '9' */
	F("t.str > 0");
	T("t.str <= 1");
	assert_int_equal(run("t.str < /v"), -1);
	T("t.str exists");
	F("t.none exists");
	F("t.none = x");
	F("t.none != x");                 /* no value: every check is false */
	T("not t.none = x");
	/* modifiers */
	T("t.str startswith anyof (/etc, /usr)");
	F("t.str startswith anyof (/etc, /var)");
	T("t.str startswith oneof (/usr, /etc)");
	F("t.str startswith oneof (/usr, /usr/bin)"); /* two match */
	T("t.str contains allof (usr, curl)");
	F("t.str contains allof (usr, wget)");
	T("t.str = anyof (a, /usr/bin/curl)");
	T("t.str != allof (a, b)");
	F("t.str != allof (a, /usr/bin/curl)");
	F("t.str = oneof ()");
	T("t.str glob anyof ('*wget', '*curl')");
	T("t.str regex oneof ('.*curl', 'x')");
	/* transformers */
	T("toupper(t.str) = /USR/BIN/CURL");
	T("tolower(toupper(t.str)) = /usr/bin/curl");
	T("basename(t.str) = curl");
	T("len(t.str) = 13");
	T("len(t.str) > 12");
	T("len(basename(t.str)) = 4");
	T("t.str = val(t.str2)");
	F("t.str != val(t.str2)");
	T("t.str startswith val(t.str2)");
	T("t.str = val(t.str)");
	T("concat(t.str, '-', basename(t.str)) = /usr/bin/curl-curl");
	T("join(',', (t.str, basename(t.str))) = '/usr/bin/curl,curl'");
	V.str = "L3Vzci9iaW4=";
	T("b64(t.str) = /usr/bin");
	V.str = "not base64!";
	F("b64(t.str) exists");           /* decoding fails: no value */
}

static void test_numbers(void **st)
{
	(void)st;
	reset();
	T("t.i64 = -5");
	T("t.i64 < 0");
	T("t.i64 >= -5");
	F("t.i64 > -5");
	T("t.i64 != 5");
	T("t.i64 in (1, -5)");
	F("t.i64 in (1, 5)");
	T("t.u64 = 1000");
	T("t.u64 > 999");
	T("t.u64 <= 1000");
	T("t.u64 intersects (1000)");
	T("t.u64 = ' 1000'");             /* sscanf skips leading blanks, as upstream */
	T("t.b = true");
	F("t.b = false");
	T("t.b != false");
	T("t.port = 443");
	T("t.port = https");              /* service names, via getservbyname */
	T("t.port in (80, 443)");
	E("t.u64 = abc", "abc is not a valid number");
	E("t.u64 = 0x10", "0x10 is not a valid number");
	E("t.u64 = 1.5", "1.5 is not a valid number");
	E("t.b = yes", "filter error: unrecognized boolean value yes");
	E("t.u64 contains 1", "filter error: 'contains' operator not supported for numeric filters");
	E("t.b > 1", "filter error: '>' operator not supported for numeric filters");
	E("t.i64 = val(t.u64)", "field 't.i64' has type 'INT64' while the right-hand side field "
	  "'t.u64' has incompatible type 'UINT64'");
	E("len(t.u64) = 1", "can't add field transformer: type 'UINT64' is not supported by 'len' "
	  "transformer applied on field 't.u64'");
}

static void test_addresses(void **st)
{
	(void)st;
	reset();
	T("t.ip = 10.1.2.3");
	F("t.ip = 10.1.2.4");
	T("t.ip != 10.1.2.4");
	T("t.ip in (1.1.1.1, 10.1.2.3)");
	F("t.ip = ::1");                 /* a v6 constant never equals a v4 value */
	T("t.ip != ::1");
	T("t.net = 10.0.0.0/8");
	T("t.net = 10.1.2.0/24");
	F("t.net = 10.1.3.0/24");
	T("t.net != 192.168.0.0/16");
	T("t.net in (192.168.0.0/16, 10.0.0.0/8)");
	T("t.net = 0.0.0.0/0");
	inet_pton(AF_INET6, "fd00::1", V.ip);
	V.iplen = 16;
	T("t.ip = fd00::1");
	T("t.net = fd00::/8");
	F("t.net = fe00::/8");
	F("t.net = 10.0.0.0/8");
	E("t.ip = notanip", "unrecognized IPv6 address notanip");
	E("t.ip = 1.2.3.x", "unrecognized IPv4 address 1.2.3.x");
	E("t.net = 10.0.0.0", "unrecognized IP network 10.0.0.0");
	E("t.net = 10.0.0.0/33", "invalid netmask 33");
	E("t.ip contains 1", "filter error: 'contains' operator not supported for ip address and "
	  "network filters");
	E("t.net = val(t.net)", "field type 'IPNET' doesn't support right-hand side fields");
}

static void test_buffers_lists(void **st)
{
	(void)st;
	reset();
	T("t.buf bcontains 68656c6c6f");        /* "hello" */
	F("t.buf bcontains 68656c6c6f21");
	T("t.buf bstartswith 0102");
	F("t.buf bstartswith 02");
	T("t.buf contains hello");
	T("t.buf endswith z");
	E("t.buf bcontains xyz", "filter error: bcontains and bstartswith operator support hex "
	  "strings only");
	E("t.str bcontains 00", "filter error: 'bcontains' operator not supported for string filters");
	/* list fields: in = every value in the set, intersects = any */
	T("t.list in (a, b, c)");
	F("t.list in (a, c)");
	T("t.list intersects (b, z)");
	F("t.list intersects (y, z)");
	T("t.list exists");
	T("len(t.list) = 2");
	E("t.list = a", "filter error: '=' operator not supported list filters");
	E("t.list contains a", "filter error: 'contains' operator not supported list filters");
	/* match-any fields (like proc.aname without an index) */
	T("t.any = sshd");
	F("t.any = init");
	T("t.any != bash");                 /* sshd differs */
	T("t.any in (sshd, zsh)");
	T("t.any startswith ss");
	E("t.str = val(t.norhs)", "field 't.norhs' can't be used as a right-hand side field");
	E("t.str pmatch val(t.str2)", "operator 'PMATCH' doesn't support right-hand side fields");
	E("t.nosuch = 1", "filter_check called with nonexistent field t.nosuch");
	{
		struct flt_error err;
		struct flt_node *n = flt_parse("t.nosuch = 1", NULL, &err, NULL);
		struct flt_compiler *c = flt_compiler_new(reg, "syscall");
		assert_null(flt_compile(c, n, &err));
		assert_int_equal(err.kind, FLT_E_FIELD);
		flt_node_free(n);
		n = flt_parse("t.u64 = x", NULL, &err, NULL);
		assert_null(flt_compile(c, n, &err));
		assert_int_equal(err.kind, FLT_E_COMPILE);
		flt_node_free(n);
		flt_compiler_free(c);
		assert_null(flt_parse("t.u64 = ", NULL, &err, NULL));
		assert_int_equal(err.kind, FLT_E_PARSE);
	}
	assert_int_equal(compile_err("t.str regex '('"), 1);
	assert_memory_equal(lasterr, "invalid regex pattern: ", 23);
	E("a and b", "filter error: unexpected identifier 'a'");
}

/* getopt(3) over an argv list: option chars and values in order, '?' for
 * unknown options, "" for a missing value, stop at "--" or the first
 * non-option, long options skipped; [c] selects the last value of -c. */
static void test_getopt(void **st)
{
	(void)st;
	reset();
	V.list[0] = "-n";
	V.list[1] = "-tfoo";
	V.list[2] = "-t";
	V.list[3] = "bar";
	V.nlist = 4;
	T("len(getopt(t.list, 'nt:')) = 5");          /* n t foo t bar */
	T("getopt(t.list, 'nt:') intersects (foo)");
	T("getopt(t.list, 'nt:')[t] = bar");           /* the last -t wins */
	T("getopt(t.list, 'nt:')[n] = n");
	F("getopt(t.list, 'nt:')[x] exists");         /* absent option: no value */
	T("getopt(t.list, 'n') in (n, '?')");          /* -t unknown: '?' per char */
	T("len(getopt(t.list, 'n')) = 6");             /* n, ? x4 (-tfoo), ? (-t), stop at bar */
	V.list[0] = "--long";
	V.list[1] = "-t";
	V.nlist = 2;
	T("getopt(t.list, 't:')[t] = ''");             /* missing value */
	T("len(getopt(t.list, 't:')) = 1");
	V.list[0] = "x";
	V.list[1] = "-n";
	F("len(getopt(t.list, 'n')) > 0");             /* stops at the first non-option */
	V.list[0] = "--";
	F("len(getopt(t.list, 'n')) > 0");
	E("getopt(t.str, 'n') exists", "getopt() first argument must be a list");
	E("getopt(t.list, t.list) exists", "getopt() second argument (optstring) must be a single value");
	E("getopt(t.list, 'n')[ab] exists", "getopt() field argument must be a single option character");
	E("getopt(t.list) exists", "getopt() requires exactly 2 arguments: args list and optstring");
}

static void test_upstream_eval_cases(void **st)
{
	(void)st;
	char path[4096], line[1024], in[1024];
	const char *dir = getenv("CASES_DIR");
	snprintf(path, sizeof path, "%s/eval_cases.txt", dir ? dir : ".");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		size_t k = 0;
		for (const char *p = line + 2; *p && *p != '\n'; p++)
			in[k++] = *p == '\\' ? *++p : *p;
		in[k] = '\0';
		int r = run(in);
		if (r != (line[0] == 'T'))
			fail_msg("[%s]: got %d, want %s", in, r, line[0] == 'T' ? "true" : "false");
		n++;
	}
	fclose(f);
	assert_int_equal(n, 40);
}

static void test_logic_and_cache(void **st)
{
	(void)st;
	{
		/* the shape of output expressions */
		struct flt_error err;
		struct flt_compiler *c = flt_compiler_new(reg, "syscall");
		struct flt_node *n = flt_parse_field("len(t.str)", &err, NULL);
		struct flt_expr *x = flt_compile_expr(c, n, &err);
		uint8_t type, fmt;
		uint32_t flags;
		flt_expr_shape(x, &type, &fmt, &flags);
		assert_int_equal(type, EV_PT_UINT64);
		assert_int_equal(fmt, EV_PF_NA);
		flt_expr_free_public(x);
		flt_node_free(n);
		n = flt_parse_field("t.list", &err, NULL);
		x = flt_compile_expr(c, n, &err);
		flt_expr_shape(x, &type, &fmt, &flags);
		assert_true(flags & FLD_F_IS_LIST);
		flt_expr_free_public(x);
		flt_node_free(n);
		n = flt_parse_field("t.u64", &err, NULL);
		x = flt_compile_expr(c, n, &err);
		flt_expr_shape(x, &type, &fmt, &flags);
		assert_int_equal(fmt, EV_PF_DEC);
		flt_expr_free_public(x);
		flt_node_free(n);
		flt_compiler_free(c);
	}
	reset();
	T("t.str exists and t.u64 = 1000");
	F("t.str exists and t.u64 = 1");
	T("t.u64 = 1 or t.u64 = 1000");
	T("not t.u64 = 1");
	T("not (t.u64 = 1 or t.b = false)");
	/* one binding per field text, one extraction per event */
	struct flt_error err;
	struct flt_node *n = flt_parse("t.str = a or t.str = b or t.str = /usr/bin/curl or t.str = c",
	                               NULL, &err, NULL);
	struct flt_compiler *c = flt_compiler_new(reg, "syscall");
	struct flt_prog *p = flt_compile(c, n, &err);
	assert_non_null(p);
	assert_int_equal(flt_compiler_nslots(c), 1);
	struct fld_ctx ctx;
	fld_ctx_init(&ctx, flt_compiler_nslots(c));
	V.calls = 0;
	assert_true(flt_eval(p, &ctx));
	assert_int_equal(V.calls, 1);
	fld_ctx_next(&ctx);
	V.str = "x";
	assert_false(flt_eval(p, &ctx));
	assert_int_equal(V.calls, 2);
	/* short-circuit: a false `and` stops before the second check */
	struct flt_node *n2 = flt_parse("t.u64 = 1 and t.i64 = -5", NULL, &err, NULL);
	struct flt_prog *p2 = flt_compile(c, n2, &err);
	assert_non_null(p2);
	fld_ctx_fini(&ctx);
	fld_ctx_init(&ctx, flt_compiler_nslots(c));
	V.calls = 0;
	assert_false(flt_eval(p2, &ctx));
	assert_int_equal(V.calls, 1);
	fld_ctx_fini(&ctx);
	flt_prog_free(p);
	flt_prog_free(p2);
	flt_node_free(n);
	flt_node_free(n2);
	flt_compiler_free(c);
}

static struct flt_prog *compile_in(struct flt_compiler *c, const char *cond)
{
	struct flt_error err;
	struct flt_node *n = flt_parse(cond, NULL, &err, NULL);
	assert_non_null(n);
	struct flt_prog *p = flt_compile(c, n, &err);
	flt_node_free(n);
	assert_non_null(p);
	return p;
}

/* Sub-conditions shared between programs of one compiler (macros used by
 * many rules) are one node evaluated once per event: its remembered result
 * must follow the event (fld_ctx_next), the context (two contexts at the
 * same generation, a context re-initialised at the same address) and
 * survive the other programs being freed. Expected values are the plain
 * truth of each condition on the values set. */
static void test_shared_subconditions(void **st)
{
	(void)st;
	reset();
	struct flt_compiler *c = flt_compiler_new(reg, "syscall");
	const char *m = "(t.str startswith /usr and t.u64 in (1000, 2000))";
	char c1[256], c2[256];
	snprintf(c1, sizeof c1, "%s and t.b = true", m);
	snprintf(c2, sizeof c2, "t.i64 = -5 and not %s", m);
	struct flt_prog *p1 = compile_in(c, c1), *p2 = compile_in(c, c2);
	struct flt_prog *p3 = compile_in(c, m);
	/* the same node, marked as shared; a different one is not merged */
	assert_ptr_equal(p1->kids[0], p2->kids[1]->kids[0]);
	assert_ptr_equal(p1->kids[0], p3);
	assert_true(p3->memo);
	assert_ptr_not_equal(p1->kids[1], p2->kids[0]);
	struct fld_ctx a, b;
	fld_ctx_init(&a, flt_compiler_nslots(c));
	fld_ctx_init(&b, flt_compiler_nslots(c));
	assert_true(a.id != b.id && a.id && b.id);
	/* event 1: /usr/bin/curl, 1000 -> m true */
	assert_true(flt_eval(p1, &a));
	assert_false(flt_eval(p2, &a));
	assert_true(flt_eval(p3, &a));
	/* event 2 on the same context: m false now */
	fld_ctx_next(&a);
	V.u64 = 7;
	assert_false(flt_eval(p1, &a));
	assert_true(flt_eval(p2, &a));
	assert_false(flt_eval(p3, &a));
	/* another context at the generation a's memo was taken at */
	b.gen = a.gen;
	V.u64 = 2000;
	assert_true(flt_eval(p2, &b) == false && flt_eval(p1, &b));
	/* and back to a (its values are cached: u64 = 7) */
	assert_false(flt_eval(p3, &a));
	/* a context re-initialised in place (same address, same generation)
	 * gets a new identity */
	fld_ctx_fini(&a);
	fld_ctx_init(&a, flt_compiler_nslots(c));
	assert_true(flt_eval(p3, &a)); /* /usr/bin/curl, 2000 */
	fld_ctx_fini(&a);
	fld_ctx_init(&a, flt_compiler_nslots(c));
	V.str = "/bin/sh";
	assert_false(flt_eval(p3, &a));
	assert_true(flt_eval(p2, &a));
	/* the shared node outlives the programs freed first */
	flt_prog_free(p1);
	flt_prog_free(p3);
	fld_ctx_next(&a);
	V.str = "/usr/sbin/x";
	assert_false(flt_eval(p2, &a));
	fld_ctx_fini(&a);
	fld_ctx_fini(&b);
	flt_prog_free(p2);
	flt_compiler_free(c);
}

/* `contains` (a memchr + compare for short needles) against libc's memmem
 * on random strings over a 3-letter alphabet (many partial matches), needle
 * lengths 0..20 (both sides of the memmem cut-over), haystacks 0..40. */
static void test_contains_vs_memmem(void **st)
{
	(void)st;
	unsigned seed = 12345;
	char h[41], n[21];
	for (int it = 0; it < 200000; it++) {
		seed = seed * 1103515245u + 12345u;
		size_t hl = (seed >> 8) % 41, nl = (seed >> 20) % 21;
		for (size_t i = 0; i < hl; i++) {
			seed = seed * 1103515245u + 12345u;
			h[i] = (char)('a' + (seed >> 16) % 3);
		}
		for (size_t i = 0; i < nl; i++) {
			seed = seed * 1103515245u + 12345u;
			n[i] = (char)('a' + (seed >> 16) % 3);
		}
		bool want = nl == 0 || memmem(h, hl, n, nl) != NULL;
		bool got = flt_compare(FLT_OP_CONTAINS, EV_PT_CHARBUF, h, (uint32_t)hl, n, (uint32_t)nl);
		if (want != got)
			fail_msg("'%.*s' contains '%.*s': got %d", (int)hl, h, (int)nl, n, got);
	}
}

static int setup(void **st)
{
	(void)st;
	reg = fld_reg_new();
	return fld_reg_add(reg, &tclass) || fld_reg_add(reg, &cclass);
}

static int teardown(void **st)
{
	(void)st;
	fld_reg_free(reg);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),       cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_addresses),     cmocka_unit_test(test_buffers_lists),
		cmocka_unit_test(test_getopt),
		cmocka_unit_test(test_upstream_eval_cases),
		cmocka_unit_test(test_logic_and_cache),
		cmocka_unit_test(test_shared_subconditions),
		cmocka_unit_test(test_contains_vs_memmem),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
