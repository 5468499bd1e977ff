/*
 * The evt field classes on hand-built events: each expected value is worked
 * out by hand from the event's parameters and upstream's field definitions
 * (sinsp_filtercheck_event / _gen_event), not taken from our output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "filter/filter.h"

static struct fld_reg *reg;
static uint8_t evbuf[4096];
static struct ev_view view;
static struct fld_ctx ctx;

/* 2024-03-01 12:34:56.000000123 UTC */
#define TS 1709296496000000123ull

static void build(uint16_t type, uint32_t n, const void *const vals[], const uint32_t lens[])
{
	int64_t len = ev_encode(evbuf, sizeof evbuf, TS, 42, type, n, vals, lens);
	assert_true(len > 0);
	assert_int_equal(ev_decode(evbuf, (size_t)len, &view), 0);
}

/* openat exit: fd, dirfd, name, flags, mode, dev, ino */
static void openat(int64_t fd, const char *name, uint32_t flags, uint32_t mode)
{
	int64_t dirfd = -100;
	uint32_t dev = 0;
	uint64_t ino = 0;
	const void *v[] = {&fd, &dirfd, name, &flags, &mode, &dev, &ino};
	const uint32_t l[] = {8, 8, (uint32_t)strlen(name) + 1, 4, 4, 4, 8};
	build(EV_SYSCALL_OPENAT_2_X, 7, v, l);
}

/* read exit: res, data, fd, size */
static void readx(int64_t res, const char *data, uint32_t dlen)
{
	int64_t fd = 5;
	uint32_t size = 100;
	const void *v[] = {&res, data, &fd, &size};
	const uint32_t l[] = {8, dlen, 8, 4};
	build(EV_SYSCALL_READ_X, 4, v, l);
}

/* A state stand-in: thread 42 is known (named "cat"), nothing else. */
static const char *comm(void *c, int64_t tid)
{
	(void)c;
	return tid == 42 ? "cat" : NULL;
}
static struct ev_resolver resolver = {.comm = comm};
static bool use_resolver;

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
		fld_ctx_fini(&ctx);
		fld_ctx_init(&ctx, flt_compiler_nslots(c));
		ctx.ev = &view;
		ctx.num = 7;
		ctx.cpu = 3;
		ctx.first_ts = TS - 2000000000ull;
		ctx.resolver = use_resolver ? &resolver : NULL;
		r = flt_eval(p, &ctx);
		flt_prog_free(p);
	}
	flt_compiler_free(c);
	return r;
}

#define T(cond) do { int _r = run(cond); if (_r != 1) fail_msg("%s: got %d, want true", cond, _r); } while (0)
#define F(cond) do { int _r = run(cond); if (_r != 0) fail_msg("%s: got %d, want false", cond, _r); } while (0)
#define R(cond) do { int _r = run(cond); if (_r != -1) fail_msg("%s: compiled", cond); } while (0)

static void test_open(void **st)
{
	(void)st;
	openat(3, "/etc/passwd", 1 /* O_RDONLY */, 0);
	T("evt.type = openat");
	T("evt.type in (open, openat, openat2)");
	T("syscall.type = openat");
	/* evt.type.is.NAME takes the first code with that name and the next one:
	 * for openat those are the old openat pair, not openat_2 (as upstream) */
	T("evt.type.is.openat = 0");
	R("evt.type.is.307 = 1");          /* the lexer stops a field name at '.3' */
	T("evt.type.is.open = 0");
	T("evt.dir = <");
	T("evt.num = 7");
	T("evt.cpu = 3");
	T("evt.rawres = 3");
	T("evt.res = SUCCESS");
	T("evt.failed = false");
	T("evt.is_open_read = true");
	F("evt.is_open_write = true");
	F("evt.is_open_exec = true");
	T("evt.arg.name = /etc/passwd");
	T("evt.arg[2] = /etc/passwd");
	T("evt.rawarg.fd = 3");
	T("evt.rawarg.name = /etc/passwd");
	T("evt.arg.flags contains O_RDONLY");
	T("evt.category = file");
	F("evt.is_io = true");
	T("evt.count = 1");
	T("evt.count.exit = 1");
	T("evt.rawtime = 1709296496000000123");
	T("evt.rawtime.s = 1709296496");
	T("evt.rawtime.ns = 123");
	T("evt.reltime = 2000000000");
	T("evt.reltime.s = 2");
	T("evt.time.iso8601 = '2024-03-01T12:34:56.000000123+0000'");
	T("evt.datetime = '2024-03-01 12:34:56.000000123'"); /* TZ=UTC */
	T("evt.time = '12:34:56.000000123'");
	T("evt.time.s = '12:34:56'");
	T("evt.is_async = false");
	F("evt.asynctype exists");
	T("evt.latency = 0");
	F("evt.buflen exists");            /* not an I/O event */
	/* created with an exec bit: O_CREAT|O_WRONLY, mode 0755 -> S_IXUSR */
	openat(4, "/tmp/x", (1u << 2) | (1u << 1), 0755);
	T("evt.is_open_exec = true");
	T("evt.is_open_write = true");
	F("evt.is_open_read = true");
	/* failure */
	openat(-2, "/nope", 1, 0);
	/* upstream names the error only for a known thread */
	T("evt.res = -2");
	use_resolver = true;
	T("evt.res = ENOENT");
	use_resolver = false;
	T("evt.failed = true");
	T("evt.rawres = -2");
	T("evt.rawres < 0");
	T("evt.count.error = 1");
	T("evt.count.error.file = 1");      /* no fd info: an open event counts as file */
	F("evt.count.error.net exists");
}

static void test_read(void **st)
{
	(void)st;
	readx(5, "hello", 5);
	T("evt.type = read");
	T("evt.is_io = true");
	T("evt.is_io_read = true");
	F("evt.is_io_write = true");
	T("evt.io_dir = read");
	T("evt.buffer contains ell");
	T("evt.buffer bcontains 6c6c6f");
	T("evt.buffer bstartswith 68");
	F("evt.buflen exists");             /* no fd info from state */
	ctx.fd_type = 'f';
	/* run() resets the context; evaluate by hand with fd info */
	struct flt_error err;
	struct flt_node *n = flt_parse("evt.buflen = 5 and evt.buflen.file = 5 and evt.category = file",
	                               NULL, &err, NULL);
	struct flt_compiler *c = flt_compiler_new(reg, "syscall");
	struct flt_prog *p = flt_compile(c, n, &err);
	assert_non_null(p);
	fld_ctx_fini(&ctx);
	fld_ctx_init(&ctx, flt_compiler_nslots(c));
	ctx.ev = &view;
	ctx.fd_type = 'f';
	assert_true(flt_eval(p, &ctx));
	flt_prog_free(p);
	flt_compiler_free(c);
	flt_node_free(n);
	T("evt.category = unknown");        /* I/O on an unknown fd */
}

static void test_rejects(void **st)
{
	(void)st;
	openat(3, "/etc/passwd", 1, 0);
	R("evt.type = nosuchevent");
	T("evt.type != getpid");            /* a syscall name without its own event */
	R("evt.arg.nosuchparam = 1");
	R("evt.rawarg[0] = 1");
	R("evt.arg[x] = 1");
	R("evt.rawarg.fd = abc");
	R("evt.rawarg.fd = val(evt.num)");  /* evt.rawarg: no right-hand side fields */
	R("tolower(evt.rawarg.name) = x");  /* nor transformers */
	R("evt.arg = 1");                   /* argument required */
	R("evt.num[1] = 1");                /* no argument allowed */
	R("evt.failed = yes");
	R("evt.cpu contains 1");
}

/* An event code outside the schema (a corrupt or newer capture): no crash,
 * no named arguments. */
static void test_unknown_code(void **st)
{
	(void)st;
	int64_t x = 1;
	const void *v[] = {&x};
	const uint32_t l[] = {8};
	build(60000, 1, v, l);
	F("evt.arg.fd exists");
	F("evt.rawarg.fd exists");
	F("evt.rawres exists");
	F("evt.is_io = true");
	F("evt.type = open");
	run("evt.arg[0] exists or evt.args exists or evt.category exists or evt.buffer exists");
}

/* generic syscall exit: ID (u16), nativeID (u16) */
static void generic(uint16_t id)
{
	uint16_t native = 0;
	const void *v[] = {&id, &native};
	const uint32_t l[] = {2, 2};
	build(EV_GENERIC_X, 2, v, l);
}

static bool eval_on(struct flt_prog *p)
{
	fld_ctx_next(&ctx);
	ctx.ev = &view;
	return flt_eval(p, &ctx);
}

/* One compiled evt.type check over a sequence of events: its result per
 * event code is kept, so it must follow the code (openat, read, openat
 * again) and must not be kept for generic events, whose evt.type is the
 * name of their syscall id (two ids, alternately, same code). */
static void test_evt_type_per_code(void **st)
{
	(void)st;
	const char *n1 = ev_syscall_name(1), *n2 = ev_syscall_name(2);
	assert_non_null(n1);
	assert_non_null(n2);
	assert_string_not_equal(n1, n2);
	char cond[256];
	snprintf(cond, sizeof cond, "evt.type in (openat, %s)", n1);
	struct flt_error err;
	struct flt_node *n = flt_parse(cond, NULL, &err, NULL);
	assert_non_null(n);
	struct flt_compiler *c = flt_compiler_new(reg, "syscall");
	struct flt_prog *p = flt_compile(c, n, &err);
	flt_node_free(n);
	assert_non_null(p);
	fld_ctx_fini(&ctx);
	fld_ctx_init(&ctx, flt_compiler_nslots(c));
	for (int round = 0; round < 2; round++) {
		openat(3, "/etc/passwd", 1, 0);
		assert_true(eval_on(p));
		readx(5, "hello", 5);
		assert_false(eval_on(p));
		generic(1);
		assert_true(eval_on(p));
		generic(2);
		assert_false(eval_on(p));
		openat(4, "/tmp/x", 1, 0);
		assert_true(eval_on(p));
	}
	flt_prog_free(p);
	flt_compiler_free(c);
}

static int setup(void **st)
{
	(void)st;
	setenv("TZ", "UTC", 1);
	reg = fld_reg_new();
	fld_ctx_init(&ctx, 0);
	return fld_reg_add_builtin(reg);
}

static int teardown(void **st)
{
	(void)st;
	fld_ctx_fini(&ctx);
	fld_reg_free(reg);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_unknown_code),
		cmocka_unit_test(test_evt_type_per_code),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
