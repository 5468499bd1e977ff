/*
 * Rules-loader helpers: macro substitution (upstream Falco's resolver:
 * recursive, loop and undefined-macro errors), list substitution on text
 * (Falco's resolve_list, worked by hand on each input) and event-type
 * derivation (libsinsp's ppm_event_codes rules: and = intersection, or =
 * union, not pushed down, evt.num invariants).
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

static struct flt_node *parse(const char *s)
{
	struct flt_error err;
	struct flt_node *n = flt_parse(s, NULL, &err, NULL);
	if (!n)
		fail_msg("[%s]: %s", s, err.msg);
	return n;
}

/* ---- macros ---- */

static struct {
	const char *name;
	const char *cond;
	struct flt_node *tree;
} macros[] = {
	{"is_open", "evt.type in (open, openat)", NULL},
	{"is_cat", "proc.name = cat", NULL},
	{"open_by_cat", "is_open and is_cat", NULL},
	{"loop_a", "loop_b or is_cat", NULL},
	{"loop_b", "not loop_a", NULL},
};

static const struct flt_node *lookup(void *user, const char *name)
{
	(void)user;
	for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
		if (!strcmp(macros[i].name, name))
			return macros[i].tree;
	return NULL;
}

static void expect_expand(const char *in, const char *want)
{
	struct flt_error err;
	struct flt_node *n = parse(in);
	if (flt_expand_macros(&n, lookup, NULL, &err) < 0)
		fail_msg("[%s]: %s", in, err.msg);
	char *s = flt_node_str(n);
	if (strcmp(s, want))
		fail_msg("[%s]\n got %s\nwant %s", in, s, want);
	free(s);
	flt_node_free(n);
}

static void expect_macro_err(const char *in, const char *msg, uint32_t col)
{
	struct flt_error err;
	struct flt_node *n = parse(in);
	assert_int_equal(flt_expand_macros(&n, lookup, NULL, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_int_equal(err.pos.col, col);
	flt_node_free(n);
}

static void test_macros(void **st)
{
	(void)st;
	for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
		macros[i].tree = parse(macros[i].cond);
	expect_expand("is_cat", "proc.name = cat");
	expect_expand("not is_cat", "not proc.name = cat");
	expect_expand("open_by_cat and fd.num = 3",
	              "((evt.type in (open, openat) and proc.name = cat) and fd.num = 3)");
	expect_expand("fd.num = is_cat", "fd.num = is_cat"); /* a value, not a macro */
	expect_macro_err("fd.num = 3 or nope", "Undefined macro 'nope' used in filter.", 15);
	expect_macro_err("loop_a", "reference loop in macro 'loop_a'", 5);
	for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
		flt_node_free(macros[i].tree);
}

/* ---- lists ---- */

static void expect_list(const char *in, const char *name, const char *const *items, uint32_t n,
                        const char *want, bool want_used)
{
	bool used = false;
	char *s = flt_expand_list(in, name, items, n, &used);
	assert_non_null(s);
	if (strcmp(s, want))
		fail_msg("[%s] with %s\n got [%s]\nwant [%s]", in, name, s, want);
	assert_int_equal(used, want_used);
	free(s);
}

static void test_lists(void **st)
{
	(void)st;
	const char *const shells[] = {"bash", "sh"};
	const char *const spaced[] = {"a b", "'c d'"};
	expect_list("proc.name in (shell_binaries)", "shell_binaries", shells, 2,
	            "proc.name in ( bash, sh )", true);
	expect_list("proc.name in (cat, shell_binaries)", "shell_binaries", shells, 2,
	            "proc.name in (cat, bash, sh )", true);
	expect_list("proc.name in (shell_binaries_x)", "shell_binaries", shells, 2,
	            "proc.name in (shell_binaries_x)", false);
	expect_list("proc.name in (a, empty)", "empty", NULL, 0, "proc.name in (a  )", true);
	expect_list("proc.name in (empty, a)", "empty", NULL, 0, "proc.name in (   a)", true);
	expect_list("x in (l)", "l", spaced, 2, "x in ( \"a b\", 'c d' )", true);
	expect_list("l", "l", shells, 2, "bash, sh ", true);
	/* the name inside a longer word or a field is left alone */
	expect_list("fd.name=l.x or l2 in (l)", "l", shells, 2, "fd.name=l.x or l2 in ( bash, sh )",
	            true);
	/* the result parses */
	struct flt_error err;
	struct flt_node *n = flt_parse("proc.name in ( bash, sh )", NULL, &err, NULL);
	assert_non_null(n);
	flt_node_free(n);
}

/* ---- event types ---- */

static bool set[EV_CODE_MAX];

static int types(const char *cond)
{
	struct flt_node *n = parse(cond);
	int r = flt_event_types(n, set);
	flt_node_free(n);
	return r;
}

/* The codes upstream's names_to_event_set gives for one event name. */
static int count_named(const char *name)
{
	int k = 0;
	for (uint32_t c = 2; c < EV_CODE_MAX; c++)
		k += ev_info((uint16_t)c) && !strcmp(ev_info((uint16_t)c)->name, name);
	return k;
}

static void test_event_types(void **st)
{
	(void)st;
	int open = count_named("open"), read = count_named("read");
	assert_true(open >= 2 && read >= 2);
	assert_int_equal(types("evt.type = open"), open);
	assert_true(set[EV_SYSCALL_OPEN_X] && !set[EV_SYSCALL_READ_X]);
	assert_int_equal(types("evt.type = open and proc.name = cat"), open);
	assert_int_equal(types("proc.name = cat and evt.type = open"), open);
	assert_int_equal(types("evt.type = open or proc.name = cat"), EV_CODE_MAX);
	assert_int_equal(types("evt.type in (open, read)"), open + read);
	assert_int_equal(types("evt.type = open or evt.type = read"), open + read);
	assert_int_equal(types("evt.type = open and evt.type = read"), 0);
	assert_int_equal(types("not evt.type = open"), EV_CODE_MAX - open);
	assert_false(set[EV_SYSCALL_OPEN_X]);
	assert_int_equal(types("evt.type != open"), EV_CODE_MAX - open);
	assert_int_equal(types("not evt.type != open"), open);
	assert_int_equal(types("not (evt.type = open or evt.type = read)"), EV_CODE_MAX - open - read);
	assert_int_equal(types("not (evt.type = open and proc.name = cat)"), EV_CODE_MAX);
	assert_int_equal(types("not proc.name = cat"), EV_CODE_MAX);
	assert_int_equal(types("evt.type exists"), EV_CODE_MAX);
	assert_int_equal(types("syscall.type = open"), open);
	/* a syscall without its own event: the generic events */
	assert_int_equal(types("evt.type = getpid"), 2);
	assert_true(set[EV_GENERIC_E] && set[EV_GENERIC_X]);
	/* evt.num >= 1 always */
	assert_int_equal(types("evt.num = 0"), 0);
	assert_int_equal(types("evt.num < 1"), 0);
	assert_int_equal(types("not evt.num = 0"), EV_CODE_MAX);
	assert_int_equal(types("evt.num > 0 and evt.type = open"), open);
	assert_int_equal(types("evt.num = 5 and evt.type = open"), open);
	assert_int_equal(types("evt.num in (0)"), 0);
	/* refused as upstream does */
	assert_int_equal(types("tolower(evt.type) = open"), -EINVAL);
	assert_int_equal(types("evt.type = val(proc.name)"), -EINVAL);
}

static void count_field(void *user, const struct flt_node *f)
{
	char *acc = user;
	strcat(acc, f->str);
	strcat(acc, " ");
}

/* Falco's warning walks: unsafe <NA> checks on ka./jevt. fields with
 * equality operators; every field for deprecated-field warnings. */
static void test_warning_walks(void **st)
{
	(void)st;
	struct flt_node *n = parse("ka.user.name = <NA> or jevt.value in (a, <NA>)");
	assert_true(flt_has_unsafe_na_check(n));
	flt_node_free(n);
	n = parse("not (ka.verb != <NA>)");
	assert_true(flt_has_unsafe_na_check(n));
	flt_node_free(n);
	n = parse("ka.verb contains <NA> or proc.name = <NA>");
	assert_false(flt_has_unsafe_na_check(n));
	flt_node_free(n);
	char acc[256] = "";
	n = parse("evt.dir = < and tolower(proc.name) = val(proc.pname) or not fd.num exists");
	flt_foreach_field(n, count_field, acc);
	assert_string_equal(acc, "evt.dir proc.name proc.pname fd.num ");
	flt_node_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_event_types),
		cmocka_unit_test(test_warning_walks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
