/*
 * core/rules collector: upstream's loader cases (unit_tests/engine/
 * test_rule_loader.cpp) checked on the collected definitions — the texts
 * upstream's describe_rule reports as `info.condition/output/description`,
 * the list items it compiles, and the error and warning messages.
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

#include "rules/rules.h"

struct run {
	struct rules_set *set;
	struct rules_collection *c;
	int rc;
};

static bool syscall_only(const char *source, void *ud)
{
	(void)ud;
	return !strcmp(source, "syscall");
}

static bool no_foo_fields(const char *source, const char *field, void *ud)
{
	(void)source;
	(void)ud;
	return strncmp(field, "foo.", 4) != 0;
}

static struct run load_with(const char *text, const struct rules_collect_opts *o)
{
	struct run r = { rules_set_new(), rules_collection_new(o), 0 };
	assert_non_null(r.set);
	assert_non_null(r.c);
	r.set->on_item = rules_collect_item;
	r.set->on_item_ud = r.c;
	r.rc = rules_set_read_string(r.set, "rules.yaml", text, strlen(text));
	return r;
}

static struct run load(const char *text)
{
	return load_with(text, NULL);
}

static void done(struct run *r)
{
	rules_set_free(r->set);
	rules_collection_free(r->c);
}

static bool has(const struct rules_msg *m, size_t n, const char *piece)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(m[i].msg, piece))
			return true;
	return false;
}

static void expect_error(const char *text, const char *piece)
{
	struct run r = load(text);
	const struct rules_result *res = &r.set->results[0];
	if (res->ok || !has(res->errs, res->nerrs, piece))
		fail_msg("expected error '%s', got '%s'", piece, res->nerrs ? res->errs[0].msg : "(none)");
	assert_int_equal(res->errs[0].code, RULES_ERR_VALIDATE);
	done(&r);
}

static const struct rules_rule_def *rule(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->c->nrules; i++)
		if (!strcmp(r->c->rules[i].name, name))
			return &r->c->rules[i];
	fail_msg("no rule %s", name);
	return NULL;
}

#define LEGIT \
	"- rule: legit_rule\n  desc: legit rule description\n  condition: evt.type=open\n" \
	"  output: user=%user.name command=%proc.cmdline file=%fd.name\n  priority: INFO\n\n"

static void test_rule_updates(void **state)
{
	(void)state;
	/* rule_override_append */
	struct run r = load(LEGIT "- rule: legit_rule\n  desc: with append\n  condition: and proc.name = cat\n"
			    "  output: proc=%proc.name\n  override:\n    desc: append\n    condition: append\n"
			    "    output: append\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.set->results[0].nwarns, 0);
	const struct rules_rule_def *d = rule(&r, "legit_rule");
	assert_string_equal(d->cond, "evt.type=open and proc.name = cat");
	assert_string_equal(d->output, "user=%user.name command=%proc.cmdline file=%fd.name proc=%proc.name");
	assert_string_equal(d->desc, "legit rule description with append");
	done(&r);

	/* rule_override_replace */
	r = load(LEGIT "- rule: legit_rule\n  desc: a replaced legit description\n  condition: evt.type = close\n"
		 "  override:\n    desc: replace\n    condition: replace\n");
	d = rule(&r, "legit_rule");
	assert_string_equal(d->cond, "evt.type = close");
	assert_string_equal(d->output, "user=%user.name command=%proc.cmdline file=%fd.name");
	assert_string_equal(d->desc, "a replaced legit description");
	done(&r);

	/* rule_override_append_replace */
	r = load(LEGIT "- rule: legit_rule\n  desc: a replaced legit description\n  condition: and proc.name = cat\n"
		 "  priority: WARNING\n  override:\n    desc: replace\n    condition: append\n    priority: replace\n");
	d = rule(&r, "legit_rule");
	assert_string_equal(d->cond, "evt.type=open and proc.name = cat");
	assert_string_equal(d->desc, "a replaced legit description");
	assert_int_equal(d->priority, CFG_PRIO_WARNING);
	done(&r);

	/* rule_append (legacy) */
	r = load(LEGIT "- rule: legit_rule\n  condition: and proc.name = cat\n  append: true\n");
	assert_int_equal(r.rc, 0);
	assert_string_equal(rule(&r, "legit_rule")->cond, "evt.type=open and proc.name = cat");
	done(&r);

	/* rule_enabled_warning: the standalone form flips `enabled`. */
	r = load(LEGIT "- rule: legit_rule\n  enabled: false\n");
	assert_false(rule(&r, "legit_rule")->enabled);
	done(&r);

	/* Tags: append merges into the set; replace swaps it. */
	r = load(LEGIT "- rule: legit_rule\n  tags: [z, a]\n  override:\n    tags: append\n"
		 "- rule: legit_rule\n  tags: [m, a]\n  override:\n    tags: append\n");
	d = rule(&r, "legit_rule");
	assert_int_equal(d->tags.n, 3);
	assert_string_equal(d->tags.v[0], "a");
	assert_string_equal(d->tags.v[1], "m");
	assert_string_equal(d->tags.v[2], "z");
	done(&r);
	r = load(LEGIT "- rule: legit_rule\n  tags: [q]\n  override:\n    tags: replace\n");
	assert_int_equal(rule(&r, "legit_rule")->tags.n, 1);
	done(&r);
}

static void test_lists_macros(void **state)
{
	(void)state;
	/* list_append */
	struct run r = load("- list: shell_binaries\n  items: [ash, bash, csh, ksh, sh, tcsh, zsh, dash]\n"
			    "- list: shell_binaries\n  items: [pwsh]\n  override:\n    items: append\n");
	assert_int_equal(r.c->nlists, 1);
	const char *want[] = { "ash", "bash", "csh", "ksh", "sh", "tcsh", "zsh", "dash", "pwsh" };
	assert_int_equal(r.c->lists[0].items.n, 9);
	for (size_t i = 0; i < 9; i++)
		assert_string_equal(r.c->lists[0].items.v[i], want[i]);
	done(&r);

	/* condition_append: the folded scalar keeps its final newline, then " " + the append. */
	r = load("- macro: interactive\n  condition: >\n    ((proc.aname=sshd and proc.name != sshd) or\n"
		 "    proc.name=systemd-logind or proc.name=login)\n"
		 "- macro: interactive\n  condition: or proc.name = ssh\n  override:\n    condition: append\n");
	assert_string_equal(r.c->macros[0].cond,
			    "((proc.aname=sshd and proc.name != sshd) or proc.name=systemd-logind or "
			    "proc.name=login)\n or proc.name = ssh");
	done(&r);

	/* Redefinition replaces in place, keeping the first position. */
	r = load("- list: a\n  items: [1]\n- list: b\n  items: [2]\n- list: a\n  items: [3]\n"
		 "- macro: m\n  condition: x\n- macro: m\n  condition: y\n  override:\n    condition: replace\n");
	assert_int_equal(r.c->nlists, 2);
	assert_string_equal(r.c->lists[0].name, "a");
	assert_string_equal(r.c->lists[0].items.v[0], "3");
	assert_int_equal(r.c->lists[0].index, 0);
	assert_int_equal(r.c->lists[0].visibility, 2);
	assert_int_equal(r.c->lists[1].index, 1);
	assert_string_equal(r.c->macros[0].cond, "y");
	assert_int_equal(r.c->macros[0].index, 3);
	assert_int_equal(r.c->macros[0].visibility, 4);
	done(&r);

	/* *_override_replace_before_*_definition: a replace with nothing before defines. */
	r = load("- list: l\n  items: [x]\n  override:\n    items: replace\n"
		 "- macro: m\n  condition: x\n  override:\n    condition: replace\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.c->nlists, 1);
	assert_int_equal(r.c->nmacros, 1);
	done(&r);
}

static void test_missing_previous(void **state)
{
	(void)state;
	expect_error("- macro: m\n  condition: x\n  override:\n    condition: append\n",
		     "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists");
	expect_error("- macro: m\n  condition: x\n  append: true\n", "no macro by that name already exists");
	expect_error("- list: l\n  items: [x]\n  override:\n    items: append\n",
		     "List uses 'append' or 'override.items: append' but no list by that name already exists");
	expect_error("- list: l\n  items: [x]\n  append: true\n", "no list by that name already exists");
	expect_error("- rule: r\n  condition: x\n  override:\n    condition: append\n",
		     "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists");
	expect_error("- rule: r\n  condition: x\n  override:\n    condition: replace\n",
		     "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists");
	expect_error("- rule: r\n  condition: x\n  append: true\n", "no rule by that name already exists");
	expect_error("- rule: r\n  enabled: true\n", "Rule has 'enabled' key but no rule by that name already exists");
	expect_error(LEGIT "- rule: legit_rule\n  append: true\n",
		     "Appended rule must have exceptions or condition property");
}

static void test_sources(void **state)
{
	(void)state;
	/* redefine_rule_different_source, append_across_sources, selective_replace_across_sources */
	const char *k8s = "- rule: LD_PRELOAD trick\n  desc: Some desc\n  condition: ka.verb = GET\n"
			  "  output: some output\n  priority: INFO\n  source: k8s_audit\n\n";
	char text[1024];
	snprintf(text, sizeof(text), "%s- rule: LD_PRELOAD trick\n  desc: Some desc\n  condition: and 1 = 2\n"
		 "  output: Some output\n  priority: INFO\n  source: syscall\n", k8s);
	expect_error(text, "Rule has been re-defined with a different source");
	snprintf(text, sizeof(text), "%s- rule: LD_PRELOAD trick\n  desc: Some desc\n  condition: and 1 = 2\n"
		 "  output: Some output\n  priority: INFO\n  source: syscall\n  append: true\n", k8s);
	expect_error(text, "Rule has been re-defined with a different source");
	snprintf(text, sizeof(text), "%s- rule: LD_PRELOAD trick\n  condition: 1 = 2\n  override:\n"
		 "    condition: replace\n  source: syscall\n", k8s);
	expect_error(text, "Rule has been re-defined with a different source");

	/* empty_source_addl_rule: an empty source matches any. */
	struct run r = load("- rule: t\n  desc: d\n  condition: evt.type=execve\n  output: o\n  priority: INFO\n"
			    "  source: syscall\n- rule: t\n  desc: d\n  condition: and proc.name=apache\n"
			    "  output: o\n  priority: INFO\n  source:\n  append: true\n");
	assert_int_equal(r.rc, 0);
	assert_string_equal(rule(&r, "t")->cond, "evt.type=execve and proc.name=apache");
	done(&r);

	/* An unknown source is a warning and marks the rule. */
	struct rules_collect_opts o = { .engine_version = RULES_ENGINE_VERSION, .source_known = syscall_only };
	r = load_with(k8s, &o);
	assert_int_equal(r.rc, 0);
	assert_true(has(r.set->results[0].warns, r.set->results[0].nwarns, "Unknown source k8s_audit, skipping"));
	assert_true(rule(&r, "LD_PRELOAD trick")->unknown_source);
	done(&r);
}

static void test_exceptions(void **state)
{
	(void)state;
	const char *head = "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n"
			   "  exceptions:\n";
	char text[2048];

	/* Default comps: `=` for each listed field, `in` for a single field. */
	snprintf(text, sizeof(text), "%s    - name: a\n      fields: [proc.name, fd.name]\n      values: [[x, y]]\n"
		 "    - name: b\n      fields: proc.name\n      values: [x]\n"
		 "    - name: c\n      fields: proc.name\n      comps: ' startswith oneof '\n      values: [x]\n", head);
	struct run r = load(text);
	assert_int_equal(r.rc, 0);
	const struct rules_rule_def *d = rule(&r, "r");
	assert_int_equal(d->nexceptions, 3);
	assert_true(d->exceptions[0].comps.is_list);
	assert_int_equal(d->exceptions[0].comps.n, 2);
	assert_string_equal(d->exceptions[0].comps.items[1].item, "=");
	assert_string_equal(d->exceptions[1].comps.item, "in");
	assert_string_equal(d->exceptions[2].comps.item, "startswith oneof");
	done(&r);

	snprintf(text, sizeof(text), "%s    - name: a\n      fields: [proc.name, fd.name]\n      comps: [=]\n      values: []\n", head);
	expect_error(text, "Fields and comps lists must have equal length");
	snprintf(text, sizeof(text), "%s    - name: a\n      fields: [proc.name]\n      comps: [like]\n      values: []\n", head);
	expect_error(text, "'like' is not a supported comparison operator");
	snprintf(text, sizeof(text), "%s    - name: a\n      fields: [proc.name]\n      comps: [in oneof]\n      values: []\n", head);
	expect_error(text, "'in oneof' is not a supported comparison operator");
	snprintf(text, sizeof(text), "%s    - name: a\n      fields: proc.name\n      comps: '='\n      values: []\n", head);
	expect_error(text, "When fields is a single value, comps must be one of (in, pmatch, intersects)");
	snprintf(text, sizeof(text), "%s    - name: a\n      fields: proc.name\n      comps: [in]\n      values: []\n", head);
	expect_error(text, "Fields and comps must both be strings");
	snprintf(text, sizeof(text), "%s    - name: a\n      fields: []\n      values: []\n", head);
	expect_error(text, "Rule exception item must have fields property with a list of fields");

	/* Field names checked through the callback. */
	struct rules_collect_opts o = { .engine_version = RULES_ENGINE_VERSION, .field_valid = no_foo_fields };
	snprintf(text, sizeof(text), "%s    - name: a\n      fields: [proc.name, foo.bar]\n      values: []\n", head);
	r = load_with(text, &o);
	assert_true(has(r.set->results[0].errs, r.set->results[0].nerrs, "'foo.bar' is not a supported filter field"));
	done(&r);

	/* Appending: values join an existing exception; a new one needs fields and values. */
	snprintf(text, sizeof(text), "%s    - name: a\n      fields: [proc.name]\n      values: [[x]]\n"
		 "- rule: r\n  exceptions:\n    - name: a\n      values: [[y], [z]]\n"
		 "    - name: n\n      fields: fd.name\n      values: [w]\n  override:\n    exceptions: append\n", head);
	r = load(text);
	assert_int_equal(r.rc, 0);
	d = rule(&r, "r");
	assert_int_equal(d->nexceptions, 2);
	assert_int_equal(d->exceptions[0].nvalues, 3);
	assert_string_equal(d->exceptions[0].values[2].items[0].item, "z");
	assert_string_equal(d->exceptions[1].comps.item, "in");
	done(&r);
	snprintf(text, sizeof(text), "%s    - name: a\n      fields: [proc.name]\n      values: [[x]]\n"
		 "- rule: r\n  exceptions:\n    - name: a\n      fields: [fd.name]\n      values: [[y]]\n"
		 "  override:\n    exceptions: append\n", head);
	expect_error(text, "Can not append exception fields to existing exception, only values");
	snprintf(text, sizeof(text), "%s    - name: a\n      fields: [proc.name]\n      values: [[x]]\n"
		 "- rule: r\n  exceptions:\n    - name: n\n      fields: [fd.name]\n"
		 "  override:\n    exceptions: append\n", head);
	expect_error(text, "Rule exception must have values property with a list of values");
}

static void test_versions(void **state)
{
	(void)state;
	expect_error("- required_engine_version: 0.70.0\n",
		     "Rules require engine version 0.70.0, but engine version is 0.63.0");
	expect_error("- required_engine_version: 1.0.0\n", "Rules require engine version 1.0.0");
	struct run r = load("- required_engine_version: 10\n- required_engine_version: 0.57.0\n"
			    "- required_engine_version: 15\n");
	assert_int_equal(r.rc, 0);
	assert_true(r.c->has_engine_version);
	assert_int_equal(r.c->engine_version[1], 57);
	done(&r);
	expect_error("- required_plugin_versions:\n    - name: p\n      version: latest\n",
		     "Invalid required version 'latest' for plugin 'p'");
	expect_error("- required_plugin_versions:\n    - name: p\n      version: 1.0.0\n      alternatives:\n"
		     "        - name: p\n          version: 2.0.0\n",
		     "Defined multiple alternative version requirements for plugin 'p'");
}

/* A collection error ends the file at that item, as upstream's collector
 * throws while reading: later items and warnings do not happen. */
static void test_stops_at_error(void **state)
{
	(void)state;
	struct run r = load("- list: a\n  items: [x]\n- list: b\n  items: [y]\n  append: true\n"
			    "- list: c\n  items: [z]\n  colour: red\n");
	assert_int_equal(r.rc, -EINVAL);
	assert_int_equal(r.c->nlists, 1);
	/* Only the deprecation warning of `b` (emitted before it is collected). */
	assert_int_equal(r.set->results[0].nwarns, 1);
	assert_string_equal(r.set->results[0].errs[0].ctx.locs[1].item_name, "b");
	done(&r);
}

/* All official rulesets, in order, into one collection. */
static void test_official_together(void **state)
{
	(void)state;
	static const char *files[] = { "falco_rules.yaml", "falco-incubating_rules.yaml",
				       "k8s_audit_rules.yaml", "aws_cloudtrail_rules.yaml" };
	struct rules_set *s = rules_set_new();
	struct rules_collection *c = rules_collection_new(NULL);
	s->on_item = rules_collect_item;
	s->on_item_ud = c;
	for (size_t i = 0; i < 4; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/rules/upstream/%s", getenv("SHARED_DIR"), files[i]);
		if (rules_set_read_file(s, path))
			fail_msg("%s: %s", path, s->results[i].errs[0].msg);
	}
	/* Distinct names across all items, counted here from the items. */
	size_t distinct[5] = { 0 };
	for (size_t i = 0; i < s->nitems; i++) {
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = s->items[k].kind == s->items[i].kind && !strcmp(s->items[k].name, s->items[i].name);
		distinct[s->items[i].kind] += !seen;
	}
	assert_int_equal(c->nrules, distinct[RULES_ITEM_RULE]);
	assert_int_equal(c->nmacros, distinct[RULES_ITEM_MACRO]);
	assert_int_equal(c->nlists, distinct[RULES_ITEM_LIST]);
	assert_int_equal(c->nrules, 25 + 31 + 48 + 22);
	assert_int_equal(c->engine_version[1], 57);
	assert_int_equal(c->nplugin_reqs, 1 + 1 + 2 + 2);
	rules_collection_free(c);
	rules_set_free(s);
}

/* ---------------- compiler input (texts hand-derived from upstream's
 * build_rule_exception_infos, resolve_list and compile_list_infos) ---------------- */

static char *rule_cond(const char *text, struct run *r)
{
	*r = load(text);
	assert_int_equal(r->rc, 0);
	struct cfg_strlist fields = { 0 };
	char *cond = NULL;
	int rc = rules_rule_condition(&r->c->rules[0], &r->set->results[0], &cond, &fields);
	for (size_t i = 0; i < fields.n; i++)
		free(fields.v[i]);
	free(fields.v);
	return rc ? NULL : cond;
}

static void test_exception_conditions(void **state)
{
	(void)state;
	struct run r;
	/* exceptions_condition */
	char *c = rule_cond("- rule: test_rule\n  desc: test rule\n"
			    "  condition: proc.cmdline contains curl or proc.cmdline contains wget\n"
			    "  output: command=%proc.cmdline\n  priority: INFO\n  exceptions:\n"
			    "    - name: test_exception\n      fields: [proc.cmdline]\n      comps: [contains]\n"
			    "      values:\n        - [curl 127.0.0.1]\n", &r);
	assert_string_equal(c, "(proc.cmdline contains curl or proc.cmdline contains wget) and not "
			       "(( proc.cmdline contains \"curl 127.0.0.1\"))");
	free(c);
	done(&r);

	const char *head = "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n"
			   "  exceptions:\n";
	char text[2048];
	/* A single field: `in` over the values, quoted when they hold a space. */
	snprintf(text, sizeof(text), "%s    - name: a\n      fields: proc.name\n      values: [cat, my app]\n", head);
	c = rule_cond(text, &r);
	assert_string_equal(c, "(evt.type=open) and not (proc.name in (cat, \"my app\"))");
	free(c);
	done(&r);
	/* Several fields, several value rows, list operators take a list or a name. */
	snprintf(text, sizeof(text), "%s    - name: a\n      fields: [proc.name, fd.name]\n      comps: [in, =]\n"
		 "      values:\n        - [shell_binaries, /etc/x]\n        - [[a, b c], y]\n"
		 "    - name: empty\n      fields: [proc.name]\n      values: []\n", head);
	c = rule_cond(text, &r);
	assert_string_equal(c, "(evt.type=open) and not (( proc.name in (shell_binaries) and  fd.name = /etc/x)"
			       " or ( proc.name in (a, \"b c\") and  fd.name = y))");
	free(c);
	done(&r);

	snprintf(text, sizeof(text), "%s    - name: a\n      fields: proc.name\n      values: [[x]]\n", head);
	c = rule_cond(text, &r);
	assert_null(c);
	assert_true(has(r.set->results[0].errs, r.set->results[0].nerrs,
			"Expected values array to contain a list of strings"));
	done(&r);
	snprintf(text, sizeof(text), "%s    - name: a\n      fields: [proc.name, fd.name]\n      values: [[x]]\n", head);
	c = rule_cond(text, &r);
	assert_null(c);
	assert_true(has(r.set->results[0].errs, r.set->results[0].nerrs,
			"Fields and values lists must have equal length"));
	done(&r);
}

static void test_list_texts(void **state)
{
	(void)state;
	struct run r = load("- list: a\n  items: [x, 'y z']\n- list: b\n  items: [a, w]\n"
			    "- list: c\n  items: [d]\n- list: d\n  items: [q]\n- list: e\n  items: []\n");
	struct rules_lists l;
	assert_int_equal(rules_lists_expand(r.c, &l), 0);
	assert_int_equal(l.n, 5);
	assert_int_equal(l.v[1].items.n, 3);          /* b: a's items, then w */
	assert_string_equal(l.v[1].items.v[1], "y z");
	assert_true(l.v[0].used);
	assert_string_equal(l.v[2].items.v[0], "d");  /* d came later: kept as a name */
	assert_false(l.v[3].used);

	char *s = rules_lists_resolve(&l, "proc.name in (a)");
	assert_string_equal(s, "proc.name in ( x, \"y z\" )");
	free(s);
	s = rules_lists_resolve(&l, "evt.type in (open, e, close)");
	assert_string_equal(s, "evt.type in (open  , close)");
	free(s);
	s = rules_lists_resolve(&l, "fd.name=a_file or a_b or ba");
	assert_string_equal(s, "fd.name=a_file or a_b or ba");
	free(s);
	/* d is a list too: `(d,` becomes `( q ,`, then the empty e takes its comma. */
	s = rules_lists_resolve(&l, "x in (d,\te)");
	assert_string_equal(s, "x in ( q   )");
	free(s);
	assert_true(l.v[3].used);
	assert_true(l.v[4].used);
	assert_false(l.v[2].used);
	rules_lists_free(&l);
	done(&r);
}

static void test_outputs(void **state)
{
	(void)state;
	struct run r = load("- rule: r\n  desc: d\n  condition: c\n  output: o %proc.name %container.info\n"
			    "  priority: INFO\n  tags: [t1, t2]\n");
	const struct rules_rule_def *d = &r.c->rules[0];
	struct cfg_strlist t1 = { 0 }, t3 = { 0 };
	char *t1v[] = { "t1" }, *t3v[] = { "t1", "t3" };
	t1.n = 1, t1.v = t1v;
	t3.n = 2, t3.v = t3v;
	struct rules_extra_format ex[] = {
		{ .format = "on %evt.cpu", .source = "syscall" },
		{ .format = "k8s", .source = "k8s_audit" },
		{ .format = "named", .rule = "r", .tags = &t1 },
		{ .format = "other", .rule = "x" },
		{ .format = "tagged", .tags = &t3 },
	};
	char *out;
	assert_int_equal(rules_rule_output(d, ex, 5, &r.set->results[0], &out), 0);
	assert_string_equal(out, "o %proc.name  on %evt.cpu named");
	assert_true(has(r.set->results[0].warns, r.set->results[0].nwarns, "%container.info is deprecated"));
	free(out);
	assert_true(rules_extra_applies(d, "", NULL, &t1));
	assert_false(rules_extra_applies(d, NULL, NULL, &t3));
	done(&r);
}

/* Each official ruleset through the text stage: every rule condition builds
 * and every list is referred to (upstream validates these files with no
 * LOAD_UNUSED_LIST warning). */
static void test_official_text_stage(void **state)
{
	(void)state;
	static const char *files[] = { "falco_rules.yaml", "falco-incubating_rules.yaml",
				       "k8s_audit_rules.yaml", "aws_cloudtrail_rules.yaml" };
	for (size_t f = 0; f < 4; f++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/rules/upstream/%s", getenv("SHARED_DIR"), files[f]);
		struct rules_set *s = rules_set_new();
		struct rules_collection *c = rules_collection_new(NULL);
		s->on_item = rules_collect_item;
		s->on_item_ud = c;
		assert_int_equal(rules_set_read_file(s, path), 0);
		struct rules_lists l;
		assert_int_equal(rules_lists_expand(c, &l), 0);
		for (size_t i = 0; i < c->nmacros; i++) {
			char *t = rules_lists_resolve(&l, c->macros[i].cond);
			assert_non_null(t);
			free(t);
		}
		for (size_t i = 0; i < c->nrules; i++) {
			struct cfg_strlist fields = { 0 };
			char *cond, *t;
			assert_int_equal(rules_rule_condition(&c->rules[i], &s->results[0], &cond, &fields), 0);
			assert_non_null(t = rules_lists_resolve(&l, cond));
			free(t);
			free(cond);
			free(fields.v);
		}
		for (size_t i = 0; i < l.n; i++)
			if (!l.v[i].used)
				fail_msg("%s: list %s unused", files[f], l.v[i].name);
		rules_lists_free(&l);
		rules_collection_free(c);
		rules_set_free(s);
	}
}

/* upstream's FalcoUtils.matches_wildcard cases */
static void test_wildcards(void **state)
{
	(void)state;
	assert_true(rules_wildcard_match("*", "anything"));
	assert_true(rules_wildcard_match("**", "anything"));
	assert_true(rules_wildcard_match("*", ""));
	assert_true(rules_wildcard_match("no star", "no star"));
	assert_true(rules_wildcard_match("", ""));
	assert_true(rules_wildcard_match("hello*world", "hello new world"));
	assert_true(rules_wildcard_match("hello*world*", "hello new world yes"));
	assert_true(rules_wildcard_match("*hello*world", "come on hello this world"));
	assert_true(rules_wildcard_match("*hello*****world", "come on hello this world"));
	assert_false(rules_wildcard_match("no star", ""));
	assert_false(rules_wildcard_match("", "no star"));
	assert_false(rules_wildcard_match("star", "no star"));
	assert_false(rules_wildcard_match("hello*world", "hello new thing"));
	assert_false(rules_wildcard_match("hello*world", "hello new world yes"));
	assert_false(rules_wildcard_match("*hello*world", "come on hello this world yes"));
	assert_false(rules_wildcard_match("*hello*world*", "come on hello this yes"));
	/* First occurrence binds (upstream's algorithm, no backtracking). */
	assert_false(rules_wildcard_match("*ab", "abab"));
	assert_true(rules_wildcard_match("ab*", "ab"));
	assert_false(rules_wildcard_match("abc*", "ab"));
}

/* upstream's multi_rule fixture (test_enable_rule.cpp) with the falco.yaml
 * selection semantics. */
static void test_selection(void **state)
{
	(void)state;
	struct run r = load(
		"- rule: first actual rule\n  desc: d\n  condition: evt.type=execve\n  output: o\n"
		"  priority: INFO\n  tags: [process]\n"
		"- rule: second disabled rule\n  desc: d\n  condition: evt.type=execve\n  output: o\n"
		"  priority: INFO\n  enabled: false\n  tags: [exec process]\n"
		"- rule: third disabled rule\n  desc: d\n  condition: evt.type=execve\n  output: o\n"
		"  priority: INFO\n  enabled: false\n  tags: [exec]\n"
		"- rule: noisy\n  desc: d\n  condition: evt.type=execve\n  output: o\n  priority: DEBUG\n");
	bool en[4];
	rules_select(r.c, CFG_PRIO_DEBUG, NULL, 0, en);
	assert_true(en[0] && !en[1] && !en[2] && en[3]);
	struct cfg_rule_select all_off_then[] = {
		{ .enable = false, .rule = "*" },
		{ .enable = true, .tag = "exec" },
		{ .enable = true, .rule = "*disabled*" },
		{ .enable = false, .rule = "second*" },
	};
	rules_select(r.c, CFG_PRIO_INFORMATIONAL, all_off_then, 2, en);
	assert_true(!en[0] && !en[1] && en[2] && !en[3]);   /* tag "exec" is not "exec process" */
	rules_select(r.c, CFG_PRIO_INFORMATIONAL, all_off_then, 4, en);
	assert_true(!en[0] && !en[1] && en[2] && !en[3]);
	/* Below the threshold nothing can enable a rule. */
	struct cfg_rule_select on[] = { { .enable = true, .rule = "noisy" } };
	rules_select(r.c, CFG_PRIO_NOTICE, on, 1, en);
	assert_false(en[3]);
	done(&r);
}

static void test_plugin_requirements(void **state)
{
	(void)state;
	char path[4096], err[512];
	snprintf(path, sizeof(path), "%s/rules/upstream/k8s_audit_rules.yaml", getenv("SHARED_DIR"));
	struct rules_set *s = rules_set_new();
	struct rules_collection *c = rules_collection_new(NULL);
	s->on_item = rules_collect_item;
	s->on_item_ud = c;
	struct cfg_strlist paths = { 1, (char *[]){ path } };
	assert_int_equal(rules_load_paths(s, &paths), 0);
	/* k8saudit >= 0.18.0 (or aks >= 0.6.0, eks >= 0.12.0, gke >= 0.9.0, ovh >= 0.6.0), json >= 0.7.0 */
	struct rules_plugin_info ok[] = { { "json", "0.7.2" }, { "k8saudit-eks", "0.12.0" } };
	assert_int_equal(rules_check_plugins(c, ok, 2, err, sizeof(err)), 0);
	struct rules_plugin_info none[] = { { "json", "0.7.2" } };
	assert_int_equal(rules_check_plugins(c, none, 1, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "Plugin requirement not satisfied, must load one of: k8saudit (>= 0.18.0), "
				 "k8saudit-aks (>= 0.6.0), k8saudit-eks (>= 0.12.0), k8saudit-gke (>= 0.9.0), "
				 "k8saudit-ovh (>= 0.6.0)");
	struct rules_plugin_info old[] = { { "k8saudit", "0.17.9" }, { "json", "0.7.0" } };
	assert_int_equal(rules_check_plugins(c, old, 2, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "Plugin 'k8saudit' version '0.17.9' is not compatible with required plugin version '0.18.0'");
	struct rules_plugin_info major[] = { { "k8saudit", "1.0.0" }, { "json", "0.7.0" } };
	assert_int_equal(rules_check_plugins(c, major, 2, err, sizeof(err)), -EINVAL);
	struct rules_plugin_info bad[] = { { "k8saudit", "v1" }, { "json", "0.7.0" } };
	assert_int_equal(rules_check_plugins(c, bad, 2, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "Plugin 'k8saudit' has invalid version string 'v1'");
	rules_collection_free(c);
	rules_set_free(s);
}

/* Files in order across a directory; loading stops at the first failing file. */
static void test_load_paths(void **state)
{
	(void)state;
	char dir[] = "/tmp/rulesloadXXXXXX";
	assert_non_null(mkdtemp(dir));
	char p[300];
	const struct { const char *name, *text; } files[] = {
		{ "10-base.yaml", "- list: l\n  items: [a]\n" },
		{ "20-more.yml", "- list: l\n  items: [b]\n  override:\n    items: append\n" },
		{ "30-bad.yaml", "- macro: m\n  condition: x\n  append: true\n" },
		{ "40-never.yaml", "- list: never\n  items: [c]\n" },
		{ "notes.txt", "not rules" },
	};
	for (size_t i = 0; i < 5; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i].name);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fputs(files[i].text, f);
		fclose(f);
	}
	struct rules_set *s = rules_set_new();
	struct rules_collection *c = rules_collection_new(NULL);
	s->on_item = rules_collect_item;
	s->on_item_ud = c;
	struct cfg_strlist paths = { 2, (char *[]){ dir, "missing.yaml" } };
	assert_int_equal(rules_load_paths(s, &paths), -EINVAL);
	assert_int_equal(s->nresults, 3);
	assert_false(s->results[2].ok);
	assert_non_null(strstr(s->results[2].name, "30-bad.yaml"));
	assert_int_equal(c->nlists, 1);
	assert_int_equal(c->lists[0].items.n, 2);
	rules_collection_free(c);
	rules_set_free(s);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static char *validate(const char *const *files, size_t n, bool json, int *rc, char **logtext)
{
	char *buf = NULL, *lbuf = NULL, err[256] = "";
	size_t len = 0, llen = 0;
	FILE *out = open_memstream(&buf, &len), *log = open_memstream(&lbuf, &llen);
	*rc = rules_validate(files, n, NULL, json, out, log, err, sizeof(err));
	fclose(out);
	fclose(log);
	if (*rc < 0) {
		free(buf);
		buf = strdup(err);
	}
	*logtext = lbuf;
	return buf;
}

/* -V as upstream's validate_rules_files prints it (text summary: invalid
 * files and clean files in full, warned files as one line with details to
 * the log; JSON: every file). Later files see earlier definitions. */
static void test_validate(void **state)
{
	(void)state;
	char dir[] = "/tmp/rulesvXXXXXX";
	assert_non_null(mkdtemp(dir));
	char a[300], b[300], c[300];
	snprintf(a, sizeof(a), "%s/a.yaml", dir);
	snprintf(b, sizeof(b), "%s/b.yaml", dir);
	snprintf(c, sizeof(c), "%s/c.yaml", dir);
	FILE *f = fopen(a, "w");
	fputs("- list: l\n  items: [x]\n", f);
	fclose(f);
	f = fopen(b, "w");
	fputs("- list: l\n  items: [y]\n  append: true\n", f);   /* needs a.yaml's list */
	fclose(f);
	f = fopen(c, "w");
	fputs("- list: m\n", f);
	fclose(f);
	const char *files[] = { a, b, c };
	int rc;
	char *log;
	char *t = validate(files, 3, false, &rc, &log);
	assert_int_equal(rc, 1);
	char want[2048];
	snprintf(want, sizeof(want),
		 "%s: Ok\n%s: Ok, with warnings\n%s: Invalid\n1 Errors:\nIn rules content: (%s:0:0)\n"
		 "    list 'm': (%s:0:2)\n------\n- list: m\n  ^\n------\nLOAD_ERR_YAML_VALIDATE (Error "
		 "validating internal structure of YAML file): Item has no mapping for key 'items'\n"
		 "\n",   /* the summary ends with the error's newline, then std::endl */
		 a, b, c, c, c);
	assert_string_equal(t, want);
	assert_non_null(strstr(log, "LOAD_DEPRECATED_ITEM (Used deprecated item)"));
	free(t);
	free(log);

	t = validate(files, 2, true, &rc, &log);
	assert_int_equal(rc, 0);
	assert_true(!strncmp(t, "{\"falco_load_results\":[{\"errors\":[],\"name\":", 43));
	assert_non_null(strstr(t, "\"successful\":true,\"warnings\":[{\"code\":\"LOAD_DEPRECATED_ITEM\""));
	assert_true(t[strlen(t) - 1] == '\n' && t[strlen(t) - 2] == '}');
	free(t);
	free(log);

	const char *missing[] = { a, "/nonexistent.yaml" };
	t = validate(missing, 2, false, &rc, &log);
	assert_true(rc < 0);
	assert_string_equal(t, "Could not open file /nonexistent.yaml for reading");
	free(t);
	free(log);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_updates),
		cmocka_unit_test(test_lists_macros),
		cmocka_unit_test(test_missing_previous),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_stops_at_error),
		cmocka_unit_test(test_official_together),
		cmocka_unit_test(test_exception_conditions),
		cmocka_unit_test(test_list_texts),
		cmocka_unit_test(test_outputs),
		cmocka_unit_test(test_official_text_stage),
		cmocka_unit_test(test_wildcards),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_plugin_requirements),
		cmocka_unit_test(test_load_paths),
		cmocka_unit_test(test_validate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
