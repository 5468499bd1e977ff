/*
 * The rules compile stage (core/rules/engine.h), case by case. Expected
 * outcomes are those of upstream's engine unit tests
 * (falcosecurity/falco unit_tests/engine/test_rule_loader.cpp and
 * test_enable_rule.cpp): which texts load, the codes and messages of their
 * warnings and errors, and how many rules end up enabled. Event matching is
 * checked on hand-built events (open of /etc/shadow).
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
#include "rules/engine.h"
#include "state/state.h"

static struct fld_reg *g_reg;

struct load_opts {
	enum cfg_priority min;
	const struct cfg_rule_select *sel;
	size_t nsel;
	enum cfg_rule_matching matching;
};

static struct fld_reg *g_k8s_reg;  /* a second source, k8s_audit, with the generic evt fields */

static struct rules_engine *load_with(const char *yaml, const struct load_opts *lo, int *rc)
{
	static struct rules_source_desc src[2];
	src[0] = (struct rules_source_desc){ "syscall", g_reg };
	src[1] = (struct rules_source_desc){ "k8s_audit", g_k8s_reg };
	struct rules_engine_opts o = { .sz = sizeof(o), .sources = src, .nsources = 2,
				       .min_priority = lo ? lo->min : CFG_PRIO_DEBUG,
				       .select = lo ? lo->sel : NULL, .nselect = lo ? lo->nsel : 0,
				       .matching = lo ? lo->matching : CFG_MATCH_FIRST };
	struct rules_engine *e = rules_engine_new(&o);
	assert_non_null(e);
	char err[256];
	*rc = rules_engine_load_string(e, "rules.yaml", yaml, strlen(yaml));
	int crc = rules_engine_compile(e, err, sizeof(err));
	if (!*rc)
		*rc = crc;
	return e;
}

static struct rules_engine *load(const char *yaml, int *rc)
{
	return load_with(yaml, NULL, rc);
}

static const struct rules_result *res(const struct rules_engine *e)
{
	const struct rules_set *s = rules_engine_results(e);
	assert_true(s->nresults >= 1);
	return &s->results[s->nresults - 1];
}

/* Whether a message with this code (-1: any) holds `substr`. */
static bool has_msg(const struct rules_engine *e, bool warn, int code, const char *substr)
{
	const struct rules_result *r = res(e);
	size_t n = warn ? r->nwarns : r->nerrs;
	const struct rules_msg *m = warn ? r->warns : r->errs;
	for (size_t i = 0; i < n; i++)
		if ((code < 0 || m[i].code == code) && strstr(m[i].msg, substr))
			return true;
	return false;
}

static void dump(const struct rules_engine *e)
{
	rules_engine_print_results(e, stderr, false);
}

#define OUT "  output: user=%user.name command=%proc.cmdline file=%fd.name\n  priority: INFO\n"

static void test_rule_not_enabled(void **st)
{
	(void)st;
	int rc;
	struct rules_engine *e = load("- rule: test_rule\n  desc: rule not enabled\n"
				      "  condition: evt.type = close\n" OUT "  enabled: false\n", &rc);
	assert_int_equal(rc, 0);
	assert_true(rules_engine_ok(e));
	assert_int_equal(res(e)->nwarns, 0);
	assert_int_equal(rules_engine_nenabled(e, -1), 0);
	rules_engine_free(e);
}

static void test_rule_enabled_warning(void **st)
{
	(void)st;
	int rc;
	struct rules_engine *e = load("- rule: test_rule\n  desc: d\n  condition: evt.type = close\n" OUT
				      "  enabled: false\n\n- rule: test_rule\n  enabled: true\n", &rc);
	assert_int_equal(rc, 0);
	assert_true(has_msg(e, true, RULES_WARN_DEPRECATED_ITEM, ""));
	assert_int_equal(rules_engine_nenabled(e, -1), 1);
	rules_engine_free(e);
}

static void test_evttype_warnings(void **st)
{
	(void)st;
	int rc;
	const char *w = "Rule matches too many evt.type values";
	struct rules_engine *e = load("- rule: r\n  desc: d\n  condition: evt.type = close\n" OUT, &rc);
	assert_int_equal(rc, 0);
	assert_false(has_msg(e, true, RULES_WARN_NO_EVTTYPE, w));
	rules_engine_free(e);

	e = load("- rule: r\n  desc: d\n  condition: proc.name = cat\n" OUT, &rc);
	assert_int_equal(rc, 0);
	assert_true(has_msg(e, true, RULES_WARN_NO_EVTTYPE, w));
	rules_engine_free(e);

	e = load("- rule: r\n  desc: d\n  condition: proc.name = cat\n" OUT "  warn_evttypes: false\n", &rc);
	assert_false(has_msg(e, true, RULES_WARN_NO_EVTTYPE, w));
	rules_engine_free(e);

	/* unsatisfiable: no types, no warning, still enabled */
	e = load("- rule: r\n  desc: d\n  condition: evt.num = 0\n" OUT, &rc);
	assert_false(has_msg(e, true, RULES_WARN_NO_EVTTYPE, w));
	assert_int_equal(rules_engine_nenabled(e, -1), 1);
	rules_engine_free(e);

	e = load("- rule: r\n  desc: d\n  condition: evt.type = open and evt.type = close\n" OUT, &rc);
	assert_false(has_msg(e, true, RULES_WARN_NO_EVTTYPE, w));
	rules_engine_free(e);

	e = load("- macro: never_true\n  condition: (evt.num=0)\n"
		 "- macro: user_known_activity\n  condition: (never_true)\n"
		 "- rule: a\n  desc: d\n  condition: evt.type = open and not user_known_activity\n" OUT
		 "- rule: b\n  desc: d\n  condition: never_true\n" OUT, &rc);
	assert_int_equal(rc, 0);
	assert_false(has_msg(e, true, RULES_WARN_NO_EVTTYPE, w));
	assert_int_equal(rules_engine_nenabled(e, -1), 2);
	rules_engine_free(e);
}

static void test_enabled_ignored_by_append(void **st)
{
	(void)st;
	int rc;
	struct rules_engine *e = load("- rule: test_rule\n  desc: d\n  condition: evt.type = close\n" OUT
				      "  enabled: false\n\n- rule: test_rule\n  condition: and proc.name = cat\n"
				      "  append: true\n  enabled: true\n", &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(rules_engine_nenabled(e, -1), 0);
	rules_engine_free(e);
}

static void test_undefined_macro(void **st)
{
	(void)st;
	int rc;
	struct rules_engine *e = load("- rule: r\n  desc: d\n  condition: evt.type = open and nosuchmacro\n" OUT,
				      &rc);
	assert_int_not_equal(rc, 0);
	assert_true(has_msg(e, false, RULES_ERR_COMPILE_CONDITION,
			    "Undefined macro 'nosuchmacro' used in filter."));
	rules_engine_free(e);
}

/* A macro sees only the macros defined before it. */
static void test_macro_visibility(void **st)
{
	(void)st;
	int rc;
	struct rules_engine *e = load("- macro: a\n  condition: b\n- macro: b\n  condition: evt.type = open\n"
				      "- rule: r\n  desc: d\n  condition: a\n" OUT, &rc);
	assert_int_not_equal(rc, 0);
	assert_true(has_msg(e, false, RULES_ERR_COMPILE_CONDITION, "Undefined macro 'b' used in filter."));
	rules_engine_free(e);

	e = load("- macro: b\n  condition: evt.type = open\n- macro: a\n  condition: b\n"
		 "- rule: r\n  desc: d\n  condition: a\n" OUT, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(rules_engine_nenabled(e, -1), 1);
	rules_engine_free(e);
}

/* A redefinition raises a macro's visibility: a and b then reach each other. */
static void test_macro_loop(void **st)
{
	(void)st;
	int rc;
	struct rules_engine *e = load("- macro: a\n  condition: evt.type = open\n- macro: b\n  condition: a\n"
				      "- macro: a\n  condition: b\n"
				      "- rule: r\n  desc: d\n  condition: a\n" OUT, &rc);
	assert_int_not_equal(rc, 0);
	assert_int_equal(res(e)->nerrs, 1);
	assert_int_equal(res(e)->errs[0].code, RULES_ERR_COMPILE_CONDITION);
	rules_engine_free(e);
}

static void test_unused(void **st)
{
	(void)st;
	int rc;
	struct rules_engine *e = load("- list: l1\n  items: [a]\n- list: l2\n  items: [cat]\n"
				      "- macro: m1\n  condition: proc.name in (l2)\n"
				      "- macro: m2\n  condition: evt.type = open\n"
				      "- rule: r\n  desc: d\n  condition: evt.type = close and m1\n" OUT, &rc);
	assert_int_equal(rc, 0);
	assert_true(has_msg(e, true, RULES_WARN_UNUSED_LIST, "List not referred to by any other rule/macro"));
	assert_true(has_msg(e, true, RULES_WARN_UNUSED_MACRO, "Macro not referred to by any other rule/macro"));
	/* exactly one of each: l2 and m1 are used */
	size_t nl = 0, nm = 0;
	for (size_t i = 0; i < res(e)->nwarns; i++) {
		nl += res(e)->warns[i].code == RULES_WARN_UNUSED_LIST;
		nm += res(e)->warns[i].code == RULES_WARN_UNUSED_MACRO;
	}
	assert_int_equal(nl, 1);
	assert_int_equal(nm, 1);
	rules_engine_free(e);
}

static void test_unknown_field(void **st)
{
	(void)st;
	int rc;
	struct rules_engine *e = load("- rule: r\n  desc: d\n  condition: evt.type = open and proc.nosuch = x\n" OUT,
				      &rc);
	assert_int_not_equal(rc, 0);
	assert_true(has_msg(e, false, RULES_ERR_COMPILE_CONDITION, "nonexistent field proc.nosuch"));
	rules_engine_free(e);

	e = load("- rule: r\n  desc: d\n  condition: evt.type = open and proc.nosuch = x\n" OUT
		 "  skip-if-unknown-filter: true\n- rule: r2\n  desc: d\n  condition: evt.type = close\n" OUT, &rc);
	assert_int_equal(rc, 0);
	assert_true(rules_engine_ok(e));
	assert_true(has_msg(e, true, RULES_WARN_UNKNOWN_FILTER, "nonexistent field proc.nosuch"));
	assert_int_equal(rules_engine_nenabled(e, -1), 1);
	rules_engine_free(e);

	/* an unknown event type is skipped the same way (upstream's list of
	 * errors that skip-if-unknown-filter covers) */
	e = load("- rule: r\n  desc: d\n  condition: evt.type = nosuchevent\n" OUT "  skip-if-unknown-filter: true\n",
		 &rc);
	assert_int_equal(rc, 0);
	assert_true(has_msg(e, true, RULES_WARN_UNKNOWN_FILTER, "unknown event type nosuchevent"));
	rules_engine_free(e);

	/* in the output too */
	e = load("- rule: r\n  desc: d\n  condition: evt.type = open\n  output: x %proc.nosuch\n  priority: INFO\n"
		 "  skip-if-unknown-filter: true\n", &rc);
	assert_int_equal(rc, 0);
	assert_true(has_msg(e, true, RULES_WARN_UNKNOWN_FILTER, ""));
	assert_int_equal(rules_engine_nenabled(e, -1), 0);
	rules_engine_free(e);
}

static void test_output_error(void **st)
{
	(void)st;
	int rc;
	struct rules_engine *e = load("- rule: r\n  desc: d\n  condition: evt.type = open\n  output: bad %\n"
				      "  priority: INFO\n", &rc);
	assert_int_not_equal(rc, 0);
	assert_int_equal(res(e)->nerrs, 1);
	assert_int_equal(res(e)->errs[0].code, RULES_ERR_COMPILE_OUTPUT);
	rules_engine_free(e);
}

static void test_parse_error(void **st)
{
	(void)st;
	int rc;
	struct rules_engine *e = load("- rule: r\n  desc: d\n  condition: evt.type = open and (\n" OUT, &rc);
	assert_int_not_equal(rc, 0);
	assert_int_equal(res(e)->nerrs, 1);
	assert_int_equal(res(e)->errs[0].code, RULES_ERR_COMPILE_CONDITION);
	/* the context ends with the condition expression */
	const struct rules_ctx *c = &res(e)->errs[0].ctx;
	assert_int_equal(c->locs[c->n - 1].type, RULES_CTX_CONDITION_EXPRESSION);
	rules_engine_free(e);
}

static void test_deprecated_fields(void **st)
{
	(void)st;
	int rc;
	struct rules_engine *e = load("- rule: r\n  desc: d\n  condition: evt.type = close\n"
				      "  output: user=%user.name evt.dir=%evt.dir\n  priority: INFO\n", &rc);
	assert_int_equal(rc, 0);
	assert_true(has_msg(e, true, RULES_WARN_DEPRECATED_ITEM,
			    "usage of deprecated field 'evt.dir' has been detected in the rule output"));
	assert_int_equal(rules_engine_nenabled(e, -1), 1);
	rules_engine_free(e);

	e = load("- rule: r\n  desc: d\n  condition: evt.type = close\n" OUT, &rc);
	assert_false(has_msg(e, true, -1, "evt.dir"));
	rules_engine_free(e);

	/* in a folded condition through a macro: the snippet is the condition's */
	e = load("- macro: spawned_process\n  condition: evt.type in (execve, execveat) and evt.dir = <\n"
		 "- rule: r\n  desc: d\n  condition: >\n    spawned_process and proc.name = bash\n"
		 "  output: command=%proc.cmdline\n  priority: INFO\n", &rc);
	assert_int_equal(rc, 0);
	assert_true(has_msg(e, true, RULES_WARN_DEPRECATED_ITEM, "evt.dir"));
	const struct rules_result *r = res(e);
	bool found = false;
	for (size_t i = 0; i < r->nwarns; i++) {
		if (r->warns[i].code != RULES_WARN_DEPRECATED_ITEM)
			continue;
		char *snip = rules_ctx_snippet(&r->warns[i].ctx, r->warns[i].alt,
					       r->warns[i].alt ? strlen(r->warns[i].alt) : 0, RULES_SNIPPET_WIDTH);
		assert_null(strstr(snip, "condition: >"));
		assert_non_null(strstr(snip, "spawned_process"));
		free(snip);
		found = true;
	}
	assert_true(found);
	rules_engine_free(e);
}

static void test_exceptions_condition(void **st)
{
	(void)st;
	int rc;
	struct rules_engine *e = load("- rule: test_rule\n  desc: d\n"
				      "  condition: proc.cmdline contains curl or proc.cmdline contains wget\n"
				      "  output: command=%proc.cmdline\n  priority: INFO\n"
				      "  exceptions:\n    - name: test_exception\n      fields: [proc.cmdline]\n"
				      "      comps: [contains]\n      values:\n        - [curl 127.0.0.1]\n", &rc);
	assert_int_equal(rc, 0);
	struct rules_engine_rule info;
	rules_engine_rule(e, 0, &info);
	struct flt_error fe;
	struct flt_node *ast = flt_parse(info.condition, NULL, &fe, NULL);
	assert_non_null(ast);
	char *s = flt_node_str(ast);
	assert_string_equal(s, "((proc.cmdline contains curl or proc.cmdline contains wget) and not "
			       "proc.cmdline contains \"curl 127.0.0.1\")");
	free(s);
	flt_node_free(ast);
	rules_engine_free(e);
}

#define THREE "- rule: a\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: ERROR\n  tags: [t1]\n" \
	      "- rule: b\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n  tags: [t2]\n" \
	      "- rule: another\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: DEBUG\n" \
	      "  tags: [t1, t2]\n"

static void test_priority_and_selection(void **st)
{
	(void)st;
	int rc;
	struct load_opts lo = { .min = CFG_PRIO_WARNING };
	struct rules_engine *e = load_with(THREE, &lo, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(rules_engine_nenabled(e, -1), 1);
	rules_engine_free(e);

	lo.min = CFG_PRIO_DEBUG;
	struct cfg_rule_select sel[] = { { .enable = false, .tag = (char *)"t1" } };
	lo.sel = sel;
	lo.nsel = 1;
	e = load_with(THREE, &lo, &rc);
	assert_int_equal(rules_engine_nenabled(e, -1), 1); /* b only */
	struct rules_engine_rule info;
	rules_engine_rule(e, 1, &info);
	assert_true(info.enabled);
	rules_engine_free(e);

	struct cfg_rule_select sel2[] = { { .enable = false, .rule = (char *)"*" },
					  { .enable = true, .rule = (char *)"a*" } };
	lo.sel = sel2;
	lo.nsel = 2;
	e = load_with(THREE, &lo, &rc);
	assert_int_equal(rules_engine_nenabled(e, -1), 2); /* a, another */
	rules_engine_rule(e, 1, &info);
	assert_false(info.enabled);
	rules_engine_free(e);
}

/* Rules indexed by type: the codes of open/openat/openat2 (enter and exit)
 * and nothing else. */
static void test_event_types_index(void **st)
{
	(void)st;
	int rc;
	struct rules_engine *e = load("- rule: r\n  desc: d\n  condition: evt.type in (open, openat)\n" OUT, &rc);
	assert_int_equal(rc, 0);
	bool set[EV_CODE_MAX];
	size_t n = rules_engine_event_types(e, 0, set);
	assert_true(n >= 2);
	assert_true(set[EV_SYSCALL_OPEN_X]);
	assert_true(set[EV_SYSCALL_OPENAT_2_X]);
	assert_false(set[EV_SYSCALL_CLOSE_X]);
	rules_engine_free(e);
}

static void test_unknown_source(void **st)
{
	(void)st;
	int rc;
	struct rules_engine *e = load("- rule: r\n  desc: d\n  condition: ka.verb = get\n  output: o\n"
				      "  priority: INFO\n  source: aws_cloudtrail\n", &rc);
	assert_int_equal(rc, 0);
	assert_true(has_msg(e, true, RULES_WARN_UNKNOWN_SOURCE, "Unknown source aws_cloudtrail, skipping"));
	assert_int_equal(rules_engine_nenabled(e, -1), 0);
	rules_engine_free(e);
}

/* upstream: redefine_rule_different_source, append_across_sources,
 * selective_replace_across_sources */
static void test_redefine_across_sources(void **st)
{
	(void)st;
	static const char *const second[] = {
		"- rule: LD_PRELOAD trick\n  desc: Some desc\n  condition: and 1 = 2\n  output: Some output\n"
		"  priority: INFO\n  source: syscall\n",
		"- rule: LD_PRELOAD trick\n  desc: Some desc\n  condition: and 1 = 2\n  output: Some output\n"
		"  priority: INFO\n  source: syscall\n  append: true\n",
		"- rule: LD_PRELOAD trick\n  condition: 1 = 2\n  override:\n    condition: replace\n  source: syscall\n",
	};
	for (size_t i = 0; i < 3; i++) {
		char y[1024];
		snprintf(y, sizeof(y), "- rule: LD_PRELOAD trick\n  desc: Some desc\n  condition: evt.num = 1\n"
			 "  output: some output\n  priority: INFO\n  source: k8s_audit\n\n%s", second[i]);
		int rc;
		struct rules_engine *e = load(y, &rc);
		assert_int_not_equal(rc, 0);
		assert_true(has_msg(e, false, -1, "Rule has been re-defined with a different source"));
		rules_engine_free(e);
	}
}

/* upstream's exceptions_modifier_op_* cases: the compiled condition */
static void check_condition(const char *yaml, const char *want)
{
	int rc;
	struct rules_engine *e = load(yaml, &rc);
	if (rc)
		dump(e);
	assert_int_equal(rc, 0);
	struct rules_engine_rule info;
	rules_engine_rule(e, 0, &info);
	struct flt_error fe;
	struct flt_node *ast = flt_parse(info.condition, NULL, &fe, NULL);
	assert_non_null(ast);
	char *s = flt_node_str(ast);
	assert_string_equal(s, want);
	free(s);
	flt_node_free(ast);
	rules_engine_free(e);
}

#define EXC_RULE(cond) "- rule: test_rule\n  desc: test rule\n  condition: " cond "\n" \
	"  output: command=%proc.cmdline\n  priority: INFO\n  exceptions:\n    - name: ex\n"

static void test_exception_modifiers(void **st)
{
	(void)st;
	check_condition(EXC_RULE("evt.type = open") "      fields: [proc.name]\n      comps: [startswith oneof]\n"
			"      values:\n        - [[sshd, sudo, systemd]]\n",
			"(evt.type = open and not proc.name startswith oneof (sshd, sudo, systemd))");
	check_condition(EXC_RULE("evt.type = execve") "      fields: [proc.cmdline]\n      comps: [contains allof]\n"
			"      values:\n        - [[curl, bash]]\n",
			"(evt.type = execve and not proc.cmdline contains allof (curl, bash))");
	check_condition(EXC_RULE("evt.type = open") "      fields: [proc.name, fd.name]\n"
			"      comps: [startswith oneof, startswith]\n      values:\n        - [[sshd, sudo], /etc/]\n",
			"(evt.type = open and not (proc.name startswith oneof (sshd, sudo) and "
			"fd.name startswith /etc/))");
}

static void test_plugin_requirements(void **st)
{
	(void)st;
	static struct rules_source_desc src[1];
	src[0] = (struct rules_source_desc){ "syscall", g_reg };
	const char *y = "- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n";
	struct rules_plugin_info loaded = { "container", "0.7.1" };
	for (int k = 0; k < 2; k++) {
		struct rules_engine_opts o = { .sz = sizeof(o), .sources = src, .nsources = 1,
					       .min_priority = CFG_PRIO_DEBUG, .check_plugins = true,
					       .plugins = k ? &loaded : NULL, .nplugins = (size_t)k };
		struct rules_engine *e = rules_engine_new(&o);
		char err[256];
		assert_int_equal(rules_engine_load_string(e, "r.yaml", y, strlen(y)), 0);
		int rc = rules_engine_compile(e, err, sizeof(err));
		if (k) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_not_equal(rc, 0);
			assert_non_null(strstr(err, "Plugin requirement not satisfied, must load one of: container"));
		}
		rules_engine_free(e);
	}
}

int main(void)
{
	g_reg = fld_reg_new();
	if (!g_reg || fld_reg_add_builtin(g_reg) < 0 || st_fields_register(g_reg) < 0)
		return 1;
	g_k8s_reg = fld_reg_new();
	if (!g_k8s_reg || fld_reg_add_builtin(g_k8s_reg) < 0)
		return 1;
	(void)dump;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_not_enabled),
		cmocka_unit_test(test_rule_enabled_warning),
		cmocka_unit_test(test_evttype_warnings),
		cmocka_unit_test(test_enabled_ignored_by_append),
		cmocka_unit_test(test_undefined_macro),
		cmocka_unit_test(test_macro_visibility),
		cmocka_unit_test(test_macro_loop),
		cmocka_unit_test(test_unused),
		cmocka_unit_test(test_unknown_field),
		cmocka_unit_test(test_output_error),
		cmocka_unit_test(test_parse_error),
		cmocka_unit_test(test_deprecated_fields),
		cmocka_unit_test(test_exceptions_condition),
		cmocka_unit_test(test_priority_and_selection),
		cmocka_unit_test(test_event_types_index),
		cmocka_unit_test(test_unknown_source),
		cmocka_unit_test(test_plugin_requirements),
		cmocka_unit_test(test_redefine_across_sources),
		cmocka_unit_test(test_exception_modifiers),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	fld_reg_free(g_reg);
	fld_reg_free(g_k8s_reg);
	return rc;
}
