/*
 * Plugins' async event names as event types (core/fields/asyncnames.c), as
 * upstream libsinsp registers them (plugin.cpp: copies of the async event's
 * table entry named after each async name; sinsp_events.cpp
 * names_to_event_set maps such a name to the async event code; evt.type of
 * an async event is its name parameter, sinsp_filtercheck_event.cpp).
 * Expected values follow from those rules and the events built here.
 */
#include <errno.h>
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
static uint8_t evbuf[512];
static struct ev_view view;
static bool set[EV_CODE_MAX];

/* compiled against the builtin classes for source syscall: 1 compiled, 0 refused */
static int compiles(const char *cond)
{
	struct flt_error err;
	struct flt_node *n = flt_parse(cond, NULL, &err, NULL);
	assert_non_null(n);
	struct flt_compiler *c = flt_compiler_new(reg, "syscall");
	struct flt_prog *p = flt_compile(c, n, &err);
	flt_node_free(n);
	int ok = p != NULL;
	if (!ok && !strstr(err.msg, "unknown event type"))
		fail_msg("%s: unexpected error %s", cond, err.msg);
	flt_prog_free(p);
	flt_compiler_free(c);
	return ok;
}

/* compiles and evaluates on `view`: 1 true, 0 false */
static int eval(const char *cond)
{
	struct flt_error err;
	struct flt_node *n = flt_parse(cond, NULL, &err, NULL);
	assert_non_null(n);
	struct flt_compiler *c = flt_compiler_new(reg, "syscall");
	struct flt_prog *p = flt_compile(c, n, &err);
	flt_node_free(n);
	if (!p)
		fail_msg("%s: %s", cond, err.msg);
	struct fld_ctx ctx;
	assert_int_equal(fld_ctx_init(&ctx, flt_compiler_nslots(c)), 0);
	ctx.ev = &view;
	ctx.num = 1;
	int r = flt_eval(p, &ctx);
	fld_ctx_fini(&ctx);
	flt_prog_free(p);
	flt_compiler_free(c);
	return r;
}

static int types(const char *cond)
{
	struct flt_error err;
	struct flt_node *n = flt_parse(cond, NULL, &err, NULL);
	assert_non_null(n);
	int r = flt_event_types(n, set);
	flt_node_free(n);
	return r;
}

/* async event 402: plugin id 0, name, data */
static void async_event(const char *name)
{
	uint32_t id = 0;
	const void *v[] = {&id, name, "x"};
	const uint32_t l[] = {4, (uint32_t)strlen(name) + 1, 1};
	int64_t len = ev_encode(evbuf, sizeof evbuf, 1000, (uint64_t)-1, EV_ASYNCEVENT_E, 3, v, l);
	assert_true(len > 0);
	assert_int_equal(ev_decode(evbuf, (size_t)len, &view), 0);
}

static int setup(void **st)
{
	(void)st;
	reg = fld_reg_new();
	return reg && fld_reg_add_builtin(reg) == 0 ? 0 : -1;
}

static int teardown(void **st)
{
	(void)st;
	fld_reg_free(reg);
	fld_async_names_clear();
	return 0;
}

static void test_registry(void **st)
{
	(void)st;
	fld_async_names_clear();
	assert_false(fld_async_name_known("tick", 4));
	assert_int_equal(fld_async_name_add(""), -EINVAL);
	assert_int_equal(fld_async_name_add("tick"), 0);
	assert_int_equal(fld_async_name_add("tick"), 0); /* twice: one entry */
	assert_true(fld_async_name_known("tick", 4));
	assert_false(fld_async_name_known("tic", 3));
	assert_false(fld_async_name_known("ticks", 5));
	/* 40 bytes: kept as its first 31, as upstream's 32-byte names */
	const char *longname = "abcdefghijabcdefghijabcdefghijabcdefghij";
	assert_int_equal(fld_async_name_add(longname), 0);
	assert_true(fld_async_name_known(longname, 31));
	assert_false(fld_async_name_known(longname, 40));
	fld_async_names_clear();
	char name[16];
	for (int i = 0; i < FLD_ASYNC_NAMES_MAX; i++) {
		snprintf(name, sizeof name, "n%d", i);
		assert_int_equal(fld_async_name_add(name), 0);
	}
	assert_int_equal(fld_async_name_add("onemore"), -E2BIG);
	assert_int_equal(fld_async_name_add("n7"), 0); /* known: no room needed */
	fld_async_names_clear();
}

static void test_event_type(void **st)
{
	(void)st;
	fld_async_names_clear();
	/* not declared by any plugin: refused, as upstream */
	assert_int_equal(compiles("evt.type = tick"), 0);
	assert_int_equal(types("evt.type = tick"), 0);
	assert_int_equal(fld_async_name_add("tick"), 0);
	assert_int_equal(fld_async_name_add("container"), 0);
	assert_int_equal(compiles("evt.type = tick"), 1);
	assert_int_equal(compiles("evt.type in (open, tick)"), 1);
	assert_int_equal(compiles("evt.type = tock"), 0);
	/* indexed on the async event code only */
	assert_int_equal(types("evt.type = tick"), 1);
	assert_true(set[EV_ASYNCEVENT_E]);
	/* `container` also names the old container events: both */
	int named = 0;
	for (uint32_t c = 2; c < EV_CODE_MAX; c++)
		named += ev_info((uint16_t)c) && !strcmp(ev_info((uint16_t)c)->name, "container");
	assert_true(named > 0);
	assert_int_equal(types("evt.type = container"), named + 1);
	assert_true(set[EV_ASYNCEVENT_E]);
	assert_int_equal(types("evt.type != tick"), EV_CODE_MAX - 1);
	assert_false(set[EV_ASYNCEVENT_E]);
	/* evaluation: evt.type and evt.asynctype of an async event read its name */
	async_event("tick");
	assert_int_equal(eval("evt.type = tick"), 1);
	assert_int_equal(eval("evt.asynctype = tick"), 1);
	assert_int_equal(eval("evt.type = asyncevent"), 0);
	assert_int_equal(eval("evt.type = container"), 0);
	assert_int_equal(eval("evt.is_async = true"), 1);
	assert_int_equal(eval("evt.pluginname exists"), 0);
	fld_async_names_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_event_type),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
