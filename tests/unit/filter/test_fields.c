/* The field registry: name resolution, argument rules, per-event cache. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fields/fields.h"

static int calls;

static const struct fld_info fake_fields[] = {
	{"fake.n", EV_PT_INT64, 0, EV_PF_DEC, NULL, "a number"},
	{"fake.n.more", EV_PT_INT64, 0, EV_PF_DEC, NULL, "a longer name"},
	{"fake.idx", EV_PT_CHARBUF, FLD_F_ARG_REQUIRED | FLD_F_ARG_INDEX, EV_PF_NA, NULL, "index"},
	{"fake.key", EV_PT_CHARBUF, FLD_F_ARG_REQUIRED | FLD_F_ARG_KEY | FLD_F_ARG_DOTTED, EV_PF_NA,
	 NULL, "key"},
	{"fake.opt", EV_PT_CHARBUF, FLD_F_ARG_ALLOWED | FLD_F_ARG_KEY, EV_PF_NA, NULL, "opt"},
};

static int fake_extract(const struct fld_ctx *ctx, const struct fld_bind *b, struct fld_vals *o)
{
	(void)ctx;
	calls++;
	if (b->field == 0)
		return fld_set_i64(o, 42);
	if (b->arg)
		return fld_set_copy(o, b->arg, strlen(b->arg));
	return 0;
}

static const char *const fake_src[] = {"fakesrc", NULL};
static const struct fld_class fake = {
	.name = "fake", .sources = fake_src, .fields = fake_fields,
	.nfields = sizeof fake_fields / sizeof fake_fields[0], .extract = fake_extract,
};

static void test_resolve(void **st)
{
	(void)st;
	char err[256];
	struct fld_bind b;
	struct fld_reg *r = fld_reg_new();
	assert_int_equal(fld_reg_add(r, &fake), 0);
	assert_int_equal(fld_reg_add(r, &fake), -EEXIST);

	assert_int_equal(fld_bind(r, "fakesrc", "fake.n", NULL, &b, err, sizeof err), 0);
	assert_int_equal(b.field, 0);
	fld_unbind(&b);
	/* longest match wins */
	assert_int_equal(fld_bind(r, "fakesrc", "fake.n.more", NULL, &b, err, sizeof err), 0);
	assert_int_equal(b.field, 1);
	fld_unbind(&b);
	/* wrong source, unknown name, trailing junk */
	assert_int_equal(fld_bind(r, "syscall", "fake.n", NULL, &b, err, sizeof err), -ENOENT);
	assert_string_equal(err, "filter_check called with nonexistent field fake.n");
	assert_int_equal(fld_bind(r, "fakesrc", "fake.nx", NULL, &b, err, sizeof err), -ENOENT);
	assert_int_equal(fld_bind(r, "fakesrc", "fake.n.x", NULL, &b, err, sizeof err), -ENOENT);
	/* arguments */
	assert_int_equal(fld_bind(r, "fakesrc", "fake.n", "1", &b, err, sizeof err), -EINVAL);
	assert_int_equal(fld_bind(r, "fakesrc", "fake.idx", NULL, &b, err, sizeof err), -EINVAL);
	assert_int_equal(fld_bind(r, "fakesrc", "fake.idx", "x", &b, err, sizeof err), -EINVAL);
	assert_int_equal(fld_bind(r, "fakesrc", "fake.idx", "3", &b, err, sizeof err), 0);
	assert_int_equal(b.arg_index, 3);
	assert_string_equal(b.text, "fake.idx[3]");
	fld_unbind(&b);
	assert_int_equal(fld_bind(r, "fakesrc", "fake.idx.3", NULL, &b, err, sizeof err), -ENOENT);
	assert_int_equal(fld_bind(r, "fakesrc", "fake.key.abc", NULL, &b, err, sizeof err), 0);
	assert_string_equal(b.arg, "abc");
	assert_false(b.arg_bracket);
	fld_unbind(&b);
	assert_int_equal(fld_bind(r, "fakesrc", "fake.opt", NULL, &b, err, sizeof err), 0);
	assert_null(b.arg);
	fld_unbind(&b);
	fld_reg_free(r);
}

static void test_cache(void **st)
{
	(void)st;
	char err[256];
	struct fld_bind b;
	struct fld_ctx ctx;
	struct fld_reg *r = fld_reg_new();
	assert_int_equal(fld_reg_add(r, &fake), 0);
	assert_int_equal(fld_bind(r, "fakesrc", "fake.n", NULL, &b, err, sizeof err), 0);
	assert_int_equal(fld_ctx_init(&ctx, 1), 0);
	calls = 0;
	const struct fld_vals *v = fld_get(&ctx, &b);
	assert_int_equal(v->n, 1);
	assert_int_equal(*(const int64_t *)v->v[0].ptr, 42);
	fld_get(&ctx, &b);
	assert_int_equal(calls, 1);
	fld_ctx_next(&ctx);
	fld_get(&ctx, &b);
	assert_int_equal(calls, 2);
	fld_ctx_fini(&ctx);
	fld_unbind(&b);
	fld_reg_free(r);
}

static void test_builtin_evt(void **st)
{
	(void)st;
	char err[256];
	struct fld_bind b;
	struct fld_reg *r = fld_reg_new();
	assert_int_equal(fld_reg_add_builtin(r), 0);
	assert_int_equal(fld_bind(r, "syscall", "evt.type", NULL, &b, err, sizeof err), 0);
	assert_int_equal(b.type, EV_PT_CHARBUF);
	fld_unbind(&b);
	assert_string_equal(fld_type_name(EV_PT_CHARBUF), "CHARBUF");
	assert_string_equal(fld_type_name(EV_PT_DYN), "DYNAMIC");
	fld_reg_free(r);
}

/* The text layout: a 30-column name block, tags before the description,
 * table-only/deprecated fields left out (upstream's field listing). */
static void test_list(void **st)
{
	(void)st;
	static const struct fld_info lf[] = {
		{"l.a", EV_PT_UINT64, 0, EV_PF_DEC, NULL, "first field"},
		{"l.b", EV_PT_CHARBUF, FLD_F_ARG_REQUIRED | FLD_F_ARG_INDEX, EV_PF_NA, NULL, "with index"},
		{"l.hidden", EV_PT_CHARBUF, FLD_F_TABLE_ONLY, EV_PF_NA, NULL, "not listed"},
		{"l.old", EV_PT_CHARBUF, FLD_F_DEPRECATED, EV_PF_NA, NULL, "not listed"},
		{"l.c", EV_PT_CHARBUF, FLD_F_IS_LIST | FLD_F_ARG_ALLOWED | FLD_F_ARG_KEY, EV_PF_NA, NULL,
		 "a list"},
	};
	static const struct fld_class lc = {
		.name = "lcls", .shortdesc = "Short", .desc = "Long description.", .sources = NULL,
		.fields = lf, .nfields = 5, .extract = fake_extract,
	};
	struct fld_reg *r = fld_reg_new();
	assert_int_equal(fld_reg_add(r, &lc), 0);
	const char *const srcs[] = {"syscall", "k8s", NULL};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fld_list(f, r, srcs, NULL, FLD_LIST_TEXT, false, false);
	fclose(f);
	assert_string_equal(buf,
		"-------------------------------\n"
		"Field Class:                  lcls (Short)\n"
		"Description:                  Long description. \n"
		"Event Sources:                k8s syscall \n"
		"\n"
		"l.a                           first field \n"
		"l.b                           (ARG_INDEX,ARG_REQUIRED) with index \n"
		"l.c                           (ARG_ALLOWED,ARG_KEY,EPF_IS_LIST) a list \n"
		"\n");
	free(buf);
	f = open_memstream(&buf, &len);
	fld_list(f, r, srcs, "k8s", FLD_LIST_TEXT, false, true);
	fclose(f);
	assert_string_equal(buf, "l.a\nl.b\nl.c\n");
	free(buf);
	f = open_memstream(&buf, &len);
	fld_list(f, r, srcs, NULL, FLD_LIST_MARKDOWN, false, false);
	fclose(f);
	assert_non_null(strstr(buf, "`l.c` | LIST(CHARBUF) | a list\n"));
	free(buf);
	fld_reg_free(r);
}

/* Output text of values, worked by hand from upstream's tostring rules. */
static void test_render(void **st)
{
	(void)st;
	char buf[64];
	struct fld_vals v = {0};
	assert_int_equal(fld_render(NULL, EV_PT_CHARBUF, EV_PF_NA, false, false, buf, sizeof buf), 4);
	assert_string_equal(buf, "<NA>");
	fld_set_u64(&v, 1000);
	fld_render(&v, EV_PT_UINT64, EV_PF_DEC, false, false, buf, sizeof buf);
	assert_string_equal(buf, "1000");
	fld_set_u64(&v, 123);
	fld_render(&v, EV_PT_ABSTIME, EV_PF_10_PADDED_DEC, false, false, buf, sizeof buf);
	assert_string_equal(buf, "000000123");
	fld_set_i64(&v, -5);
	fld_render(&v, EV_PT_INT64, EV_PF_DEC, false, false, buf, sizeof buf);
	assert_string_equal(buf, "-5");
	fld_set_u32(&v, 255);
	fld_render(&v, EV_PT_UINT32, EV_PF_HEX, false, false, buf, sizeof buf);
	assert_string_equal(buf, "FF");
	fld_render(&v, EV_PT_MODE, EV_PF_OCT, false, false, buf, sizeof buf);
	assert_string_equal(buf, "377");
	fld_set_u16(&v, 443);
	fld_render(&v, EV_PT_PORT, EV_PF_DEC, false, false, buf, sizeof buf);
	assert_string_equal(buf, "443");
	fld_set_i64(&v, -1); /* an int16 of -1 stored in the low bytes */
	fld_render(&v, EV_PT_INT16, EV_PF_DEC, false, false, buf, sizeof buf);
	assert_string_equal(buf, "-1");
	fld_set_bool(&v, true);
	fld_render(&v, EV_PT_BOOL, EV_PF_NA, false, false, buf, sizeof buf);
	assert_string_equal(buf, "true");
	static const uint8_t ip4[4] = {10, 1, 2, 3}, ip6[16] = {0xfd, [15] = 1};
	fld_set_ptr(&v, ip4, 4);
	fld_render(&v, EV_PT_IPADDR, EV_PF_NA, false, false, buf, sizeof buf);
	assert_string_equal(buf, "10.1.2.3");
	fld_set_ptr(&v, ip6, 16);
	fld_render(&v, EV_PT_IPADDR, EV_PF_NA, false, false, buf, sizeof buf);
	assert_string_equal(buf, "fd00::1");
	fld_set_ptr(&v, "\x01hi", 3);
	fld_render(&v, EV_PT_BYTEBUF, EV_PF_NA, false, false, buf, sizeof buf);
	assert_string_equal(buf, ".hi");
	fld_set_ptr(&v, "hi", 2);
	fld_render(&v, EV_PT_BYTEBUF, EV_PF_NA, false, true, buf, sizeof buf);
	assert_string_equal(buf, "aGk=");
	struct fld_val two[2] = {{"a", 1}, {"bc", 2}};
	v.v = two;
	v.n = 2;
	fld_render(&v, EV_PT_CHARBUF, EV_PF_NA, true, false, buf, sizeof buf);
	assert_string_equal(buf, "(a,bc)");
	/* truncation keeps the NUL and reports the full length */
	assert_int_equal(fld_render(&v, EV_PT_CHARBUF, EV_PF_NA, true, false, buf, 4), 6);
	assert_string_equal(buf, "(a,");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_builtin_evt),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
