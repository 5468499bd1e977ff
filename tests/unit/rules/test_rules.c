/*
 * core/rules reader: the official rulesets read cleanly with the item counts
 * of the reference table (shared/reference/engine.md), and the YAML-level
 * cases of upstream's engine unit tests (unit_tests/engine/test_rule_loader.cpp)
 * give the same errors and warnings. Positions and snippets are counted by
 * hand.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rules/rules.h"

/* ---------------- helpers ---------------- */

static struct rules_set *read_text(const char *text)
{
	struct rules_set *s = rules_set_new();
	assert_non_null(s);
	rules_set_read_string(s, "rules.yaml", text, strlen(text));
	return s;
}

static bool has_msg(const struct rules_msg *m, size_t n, int code, const char *piece)
{
	for (size_t i = 0; i < n; i++)
		if ((code < 0 || m[i].code == code) && strstr(m[i].msg, piece))
			return true;
	return false;
}

static bool has_error(const struct rules_set *s, const char *piece)
{
	return has_msg(s->results[0].errs, s->results[0].nerrs, -1, piece);
}

static bool has_warning(const struct rules_set *s, int code, const char *piece)
{
	return has_msg(s->results[0].warns, s->results[0].nwarns, code, piece);
}

static const struct rules_item *find(const struct rules_set *s, enum rules_item_kind k,
				     const char *name, size_t nth)
{
	for (size_t i = 0; i < s->nitems; i++)
		if (s->items[i].kind == k && !strcmp(s->items[i].name, name) && nth-- == 0)
			return &s->items[i];
	return NULL;
}

#define RULE_A \
	"- rule: failing_rule\n" \
	"  desc: legit rule description\n" \
	"  condition: evt.type = close\n" \
	"  output: user=%user.name command=%proc.cmdline file=%fd.name\n" \
	"  priority: INFO\n\n"

/* ---------------- official rulesets ---------------- */

struct expect {
	const char *file;
	size_t rules, macros, lists;
	unsigned ev[3];
	const char *plugin;
	const char *plugin_version;
	size_t nalts;
};

static void test_official_rulesets(void **state)
{
	(void)state;
	static const struct expect ex[] = {
		{ "falco_rules.yaml", 25, 87, 49, { 0, 57, 0 }, "container", "0.4.0", 1 },
		{ "falco-incubating_rules.yaml", 31, 82, 54, { 0, 57, 0 }, "container", "0.4.0", 1 },
		{ "k8s_audit_rules.yaml", 48, 45, 18, { 0, 15, 0 }, "k8saudit", "0.18.0", 5 },
		{ "aws_cloudtrail_rules.yaml", 22, 0, 1, { 0, 10, 0 }, "cloudtrail", "0.10.0", 1 },
	};
	const char *shared = getenv("SHARED_DIR");
	assert_non_null(shared);
	for (size_t f = 0; f < sizeof(ex) / sizeof(ex[0]); f++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/rules/upstream/%s", shared, ex[f].file);
		struct rules_set *s = rules_set_new();
		int rc = rules_set_read_file(s, path);
		if (rc)
			fail_msg("%s: %s", path, s->results[0].nerrs ? s->results[0].errs[0].msg : "?");
		assert_true(s->results[0].ok);
		assert_int_equal(s->results[0].nwarns, 0);
		size_t n[5] = { 0 };
		for (size_t i = 0; i < s->nitems; i++) {
			n[s->items[i].kind]++;
			assert_int_equal(s->items[i].op, RULES_OP_DEFINE);
		}
		assert_int_equal(n[RULES_ITEM_RULE], ex[f].rules);
		assert_int_equal(n[RULES_ITEM_MACRO], ex[f].macros);
		assert_int_equal(n[RULES_ITEM_LIST], ex[f].lists);
		assert_int_equal(n[RULES_ITEM_ENGINE_VERSION], 1);
		const struct rules_item *v = &s->items[0];
		assert_int_equal(v->kind, RULES_ITEM_ENGINE_VERSION);
		assert_memory_equal(v->version, ex[f].ev, sizeof(ex[f].ev));
		const struct rules_item *p = find(s, RULES_ITEM_PLUGIN_VERSION, ex[f].plugin, 0);
		assert_non_null(p);
		assert_string_equal(p->reqs[0].version, ex[f].plugin_version);
		assert_int_equal(p->nreqs, ex[f].nalts);
		rules_set_free(s);
	}
}

static void test_k8s_alternatives(void **state)
{
	(void)state;
	char path[4096];
	snprintf(path, sizeof(path), "%s/rules/upstream/k8s_audit_rules.yaml", getenv("SHARED_DIR"));
	struct rules_set *s = rules_set_new();
	assert_int_equal(rules_set_read_file(s, path), 0);
	const struct rules_item *p = find(s, RULES_ITEM_PLUGIN_VERSION, "k8saudit", 0);
	const char *alts[] = { "k8saudit", "k8saudit-aks", "k8saudit-eks", "k8saudit-gke", "k8saudit-ovh" };
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(p->reqs[i].name, alts[i]);
	p = find(s, RULES_ITEM_PLUGIN_VERSION, "json", 0);
	assert_non_null(p);
	assert_string_equal(p->reqs[0].version, "0.7.0");
	rules_set_free(s);
}

/* ---------------- upstream's loader cases (YAML level) ---------------- */

static void test_override_errors(void **state)
{
	(void)state;
	/* rule_incorrect_override_type */
	struct rules_set *s = read_text(RULE_A
		"- rule: failing_rule\n  desc: an appended incorrect field\n"
		"  condition: and proc.name = cat\n  priority: WARNING\n  override:\n"
		"    desc: replace\n    condition: append\n    priority: append\n");
	assert_false(s->results[0].ok);
	assert_true(has_error(s, "Key 'priority' cannot be appended to, use 'replace' instead"));
	char *snip = rules_ctx_snippet(&s->results[0].errs[0].ctx, s->contents[0], s->lengths[0],
				       RULES_SNIPPET_WIDTH);
	assert_non_null(strstr(snip, "priority: append"));
	assert_string_equal(snip, "    priority: append\n    ^\n");
	free(snip);
	assert_int_equal(s->results[0].errs[0].code, RULES_ERR_YAML_VALIDATE);
	rules_set_free(s);

	/* rule_incorrect_append_override */
	s = read_text(RULE_A
		"- rule: failing_rule\n  desc: an appended incorrect field\n"
		"  condition: and proc.name = cat\n  append: true\n  override:\n"
		"    desc: replace\n    condition: append\n");
	assert_false(s->results[0].ok);
	assert_true(has_warning(s, RULES_WARN_DEPRECATED_ITEM, "'append' key is deprecated"));
	assert_true(has_error(s, "Keys 'override' and 'append: true' cannot be used together"));
	rules_set_free(s);

	/* rule_override_without_field */
	s = read_text(RULE_A
		"- rule: failing_rule\n  desc: an appended incorrect field\n  override:\n"
		"    desc: replace\n    condition: append\n");
	assert_true(has_error(s, "An append override for 'condition' was specified but 'condition' is not defined"));
	rules_set_free(s);

	/* rule_override_extra_field */
	s = read_text(RULE_A
		"- rule: failing_rule\n  desc: an appended incorrect field\n"
		"  condition: and proc.name = cat\n  priority: WARNING\n  override:\n"
		"    desc: replace\n    condition: append\n");
	assert_true(has_error(s, "Unexpected key 'priority'"));
	/* The error points at the `priority` value: line 9 (0-based), column 12. */
	const struct rules_ctx *c = &s->results[0].errs[0].ctx;
	assert_int_equal(c->locs[c->n - 1].type, RULES_CTX_OVERRIDE);
	assert_int_equal(c->locs[c->n - 1].line, 9);
	assert_int_equal(c->locs[c->n - 1].col, 12);
	rules_set_free(s);

	/* missing_enabled_key_with_override */
	s = read_text(RULE_A
		"- rule: failing_rule\n  desc: missing enabled key\n  condition: and proc.name = cat\n"
		"  override:\n    desc: replace\n    condition: append\n    enabled: replace\n");
	assert_true(has_error(s, "'enabled' was specified but 'enabled' is not defined"));
	rules_set_free(s);

	/* An operation other than append/replace. */
	s = read_text(RULE_A "- rule: failing_rule\n  desc: x\n  override:\n    desc: merge\n");
	assert_true(has_error(s, "Invalid override operation for key 'desc': 'merge'. Allowed values are: append replace "));
	rules_set_free(s);
}

static void test_override_ok(void **state)
{
	(void)state;
	/* rule_override_with_enabled: one append item, one replace item. */
	struct rules_set *s = read_text(RULE_A
		"- rule: failing_rule\n  desc: correct override\n  condition: and proc.name = cat\n"
		"  enabled: true\n  override:\n    desc: replace\n    condition: append\n"
		"    enabled: replace\n");
	assert_true(s->results[0].ok);
	assert_int_equal(s->results[0].nwarns, 0);
	const struct rules_item *a = find(s, RULES_ITEM_RULE, "failing_rule", 1);
	const struct rules_item *b = find(s, RULES_ITEM_RULE, "failing_rule", 2);
	assert_int_equal(a->op, RULES_OP_APPEND);
	assert_int_equal(a->rule.keys, RULES_K_CONDITION);
	assert_string_equal(a->rule.cond, "and proc.name = cat");
	assert_int_equal(b->op, RULES_OP_REPLACE);
	assert_int_equal(b->rule.keys, RULES_K_DESC | RULES_K_ENABLED);
	assert_string_equal(b->rule.desc, "correct override");
	assert_true(b->rule.enabled);
	rules_set_free(s);

	/* rule_override_exceptions_required_fields: partial exceptions are fine
	 * when appending, not when replacing; no warnings either way. */
	s = read_text(
		"- rule: test_rule\n  desc: d\n  condition: evt.type = close\n  output: o\n"
		"  priority: INFO\n  exceptions:\n    - name: test_exception\n      fields: proc.name\n"
		"      comps: in\n      values: [\"cat\"]\n"
		"- rule: test_rule\n  exceptions:\n    - name: test_exception\n      values: [echo]\n"
		"  override:\n    exceptions: append\n"
		"- rule: test_rule\n  exceptions:\n    - name: test_exception\n      values: [id]\n"
		"  override:\n    exceptions: replace\n");
	assert_false(s->results[0].ok);
	assert_int_equal(s->results[0].nwarns, 0);
	assert_true(has_error(s, "Item has no mapping for key 'fields'"));
	const struct rules_item *d = find(s, RULES_ITEM_RULE, "test_rule", 0);
	assert_int_equal(d->rule.nexceptions, 1);
	assert_false(d->rule.exceptions[0].fields.is_list);
	assert_string_equal(d->rule.exceptions[0].fields.item, "proc.name");
	assert_string_equal(d->rule.exceptions[0].comps.item, "in");
	assert_int_equal(d->rule.exceptions[0].nvalues, 1);
	assert_string_equal(d->rule.exceptions[0].values[0].item, "cat");
	const struct rules_item *ap = find(s, RULES_ITEM_RULE, "test_rule", 1);
	assert_int_equal(ap->op, RULES_OP_APPEND);
	assert_false(ap->rule.exceptions[0].has_fields);
	rules_set_free(s);
}

static void test_append_and_enabled(void **state)
{
	(void)state;
	/* rule_enabled_warning */
	struct rules_set *s = read_text(RULE_A "- rule: failing_rule\n  enabled: false\n");
	assert_true(s->results[0].ok);
	assert_true(has_warning(s, RULES_WARN_DEPRECATED_ITEM, "The standalone 'enabled' key usage is deprecated"));
	const struct rules_item *e = find(s, RULES_ITEM_RULE, "failing_rule", 1);
	assert_int_equal(e->op, RULES_OP_ENABLE);
	assert_false(e->rule.enabled);
	rules_set_free(s);

	/* Legacy append: condition and exceptions, with the deprecation warning;
	 * exceptions_append_no_values. */
	s = read_text(RULE_A
		"- rule: failing_rule\n  condition: and proc.name = cat\n  exceptions:\n"
		"    - name: ex1\n      value: curl 1.1.1.1\n  append: true\n");
	assert_true(s->results[0].ok);
	assert_true(has_warning(s, RULES_WARN_DEPRECATED_ITEM, "'append' key is deprecated"));
	assert_true(has_warning(s, RULES_WARN_APPEND_NO_VALUES, "Overriding/appending exception with no values"));
	/* `value` is no rule key either: only the exception entry has it, so no unknown-key warning. */
	assert_false(has_warning(s, RULES_WARN_UNKNOWN_KEY, "value"));
	e = find(s, RULES_ITEM_RULE, "failing_rule", 1);
	assert_int_equal(e->op, RULES_OP_APPEND);
	assert_int_equal(e->rule.keys, RULES_K_CONDITION | RULES_K_EXCEPTIONS);
	rules_set_free(s);

	/* Lists and macros: append and override. */
	s = read_text(
		"- list: l\n  items: [a, b]\n- list: l\n  items: [c]\n  append: true\n"
		"- list: l\n  items: [d]\n  override:\n    items: append\n"
		"- list: l\n  items: [e]\n  override:\n    items: replace\n"
		"- macro: m\n  condition: a\n- macro: m\n  condition: or b\n  override:\n    condition: append\n"
		"- list: l\n  items: [f]\n  override:\n    condition: append\n");
	assert_false(s->results[0].ok);
	assert_int_equal(find(s, RULES_ITEM_LIST, "l", 1)->op, RULES_OP_APPEND);
	assert_int_equal(find(s, RULES_ITEM_LIST, "l", 2)->op, RULES_OP_APPEND);
	assert_int_equal(find(s, RULES_ITEM_LIST, "l", 3)->op, RULES_OP_DEFINE);
	assert_int_equal(find(s, RULES_ITEM_MACRO, "m", 1)->op, RULES_OP_APPEND);
	assert_true(has_error(s, "Key 'condition' cannot be appended to, use 'replace' instead"));
	rules_set_free(s);
}

static void test_engine_versions(void **state)
{
	(void)state;
	struct rules_set *s = read_text("- required_engine_version: 0.26.0\n- required_engine_version: 26\n"
					"- required_engine_version: 0x1A\n");
	assert_true(s->results[0].ok);
	assert_int_equal(s->results[0].nwarns, 0);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(s->items[i].version[0], 0);
		assert_int_equal(s->items[i].version[1], 26);
		assert_int_equal(s->items[i].version[2], 0);
	}
	rules_set_free(s);
	s = read_text("- required_engine_version: seven\n");
	assert_true(has_error(s, "Unable to parse engine version 'seven' as a semver string."));
	rules_set_free(s);
	s = read_text("- required_plugin_versions:\n    - name: a\n      version: 1.0.0\n"
		      "      alternatives:\n        - name: b\n          version: 2.0.0\n"
		      "        - version: 3.0.0\n");
	assert_true(has_error(s, "Item has no mapping for key 'name'"));
	const struct rules_ctx *c = &s->results[0].errs[0].ctx;
	assert_int_equal(c->locs[c->n - 1].type, RULES_CTX_REQUIRED_PLUGIN_VERSIONS_ALTERNATIVE);
	assert_int_equal(c->locs[c->n - 2].type, RULES_CTX_REQUIRED_PLUGIN_VERSIONS_ENTRY);
	assert_string_equal(c->locs[c->n - 2].item_name, "a");
	rules_set_free(s);
	s = read_text("- required_plugin_versions: {name: a}\n");
	assert_true(has_error(s, "Value of required_plugin_versions must be a sequence"));
	rules_set_free(s);
}

static void test_names_and_unknowns(void **state)
{
	(void)state;
	struct rules_set *s = read_text(
		"- macro: test-macro\n  condition: evt.type = close\n"
		"- list: test list\n  items: [open, openat, openat2]\n"
		"- list: my_list\n  items: [non_escaped_val, \"escaped val\"]\n"
		"- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: info\n  sevirity: high\n"
		"- lists: x\n");
	assert_true(s->results[0].ok);
	assert_true(has_warning(s, RULES_WARN_INVALID_MACRO_NAME,
				"Macro has an invalid name. Macro names should match a regular expression"));
	assert_true(has_warning(s, RULES_WARN_INVALID_LIST_NAME,
				"List has an invalid name. List names should match a regular expression"));
	assert_true(has_warning(s, RULES_WARN_UNKNOWN_KEY, "Unknown key 'sevirity'. The key will be ignored."));
	assert_true(has_warning(s, RULES_WARN_UNKNOWN_ITEM, "Unknown top level item"));
	const struct rules_item *l = find(s, RULES_ITEM_LIST, "my_list", 0);
	assert_int_equal(l->items.n, 2);
	assert_string_equal(l->items.v[1], "escaped val");
	/* The unknown key warning names the rule, at its first key (line 6, column 2). */
	for (size_t i = 0; i < s->results[0].nwarns; i++) {
		const struct rules_msg *m = &s->results[0].warns[i];
		if (m->code != RULES_WARN_UNKNOWN_KEY)
			continue;
		assert_int_equal(m->ctx.n, 2);
		assert_int_equal(m->ctx.locs[0].type, RULES_CTX_RULES_CONTENT);
		assert_string_equal(m->ctx.locs[0].name, "rules.yaml");
		assert_int_equal(m->ctx.locs[1].type, RULES_CTX_RULE);
		assert_string_equal(m->ctx.locs[1].item_name, "r");
		assert_int_equal(m->ctx.locs[1].line, 6);
		assert_int_equal(m->ctx.locs[1].col, 2);
		assert_string_equal(rules_ctx_type_str(m->ctx.locs[1].type), "rule");
	}
	rules_set_free(s);

	/* exceptions_names_not_unique */
	s = read_text("- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: INFO\n"
		      "  exceptions:\n    - name: e\n      fields: [proc.cmdline]\n      comps: [contains]\n"
		      "      values:\n        - [curl 127.0.0.1]\n    - name: e\n      fields: [proc.cmdline]\n"
		      "      comps: [endswith]\n      values:\n        - [curl 127.0.0.1]\n");
	assert_true(has_warning(s, RULES_WARN_EXCEPTION_NAME_NOT_UNIQUE, "Multiple definitions of exception 'e'"));
	const struct rules_item *r = find(s, RULES_ITEM_RULE, "r", 0);
	assert_int_equal(r->rule.nexceptions, 2);
	assert_true(r->rule.exceptions[0].fields.is_list);
	assert_string_equal(r->rule.exceptions[0].fields.items[0].item, "proc.cmdline");
	assert_true(r->rule.exceptions[1].values[0].is_list);
	assert_string_equal(r->rule.exceptions[1].values[0].items[0].item, "curl 127.0.0.1");
	rules_set_free(s);
}

static void test_rule_fields(void **state)
{
	(void)state;
	struct rules_set *s = read_text(
		"- rule: r\n  desc: d\n  condition: >\n    evt.type = open\n"
		"  output: \"  out %proc.name  \"\n  priority: informational\n"
		"  tags: [b, a, b]\n  capture: true\n  capture_duration: 300\n"
		"  skip-if-unknown-filter: yes\n  warn_evttypes: False\n  source: k8s_audit\n"
		"- rule: s\n  desc: d\n  condition: c\n  output: o\n  priority: CRITICAL\n");
	assert_true(s->results[0].ok);
	const struct rules_item *r = find(s, RULES_ITEM_RULE, "r", 0);
	assert_string_equal(r->rule.cond, "evt.type = open\n");
	assert_string_equal(r->rule.output, "out %proc.name");
	assert_int_equal(r->rule.priority, CFG_PRIO_INFORMATIONAL);
	assert_int_equal(r->rule.tags.n, 2);
	assert_string_equal(r->rule.tags.v[0], "a");
	assert_true(r->rule.capture);
	assert_int_equal(r->rule.capture_duration, 300);
	assert_true(r->rule.skip_if_unknown_filter);
	assert_false(r->rule.warn_evttypes);
	assert_string_equal(r->rule.source, "k8s_audit");
	/* Condition context: the value of `condition` (line 2, column 13). */
	const struct rules_ctx *cc = &r->rule.cond_ctx;
	assert_int_equal(cc->locs[cc->n - 1].type, RULES_CTX_RULE_CONDITION);
	assert_int_equal(cc->locs[cc->n - 1].line, 2);
	assert_int_equal(cc->locs[cc->n - 1].col, 13);
	const struct rules_item *d = find(s, RULES_ITEM_RULE, "s", 0);
	assert_string_equal(d->rule.source, "syscall");
	assert_true(d->rule.enabled);
	assert_true(d->rule.warn_evttypes);
	assert_false(d->rule.capture);
	assert_int_equal(d->rule.priority, CFG_PRIO_CRITICAL);
	assert_int_equal(d->rule.tags.n, 0);
	rules_set_free(s);
}

/* Wrong shapes and types: each is LOAD_ERR_YAML_VALIDATE with upstream's message. */
static void test_validate_errors(void **state)
{
	(void)state;
	static const struct { const char *text, *msg; } cases[] = {
		{ "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: loud\n", "Invalid priority" },
		{ "- rule: r\n  desc: d\n  condition: c\n  output: o\n", "Item has no mapping for key 'priority'" },
		{ "- rule: r\n  desc: d\n  condition:\n  output: o\n  priority: info\n", "Mapping for key 'condition' is empty" },
		{ "- rule: r\n  desc: d\n  condition: ''\n  output: o\n  priority: info\n", "Value must be non-empty" },
		{ "- rule: r\n  desc: d\n  condition: [a]\n  output: o\n  priority: info\n", "Value is not a scalar value" },
		{ "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: info\n  enabled: maybe\n", "Can't decode YAML scalar value" },
		{ "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: info\n  capture_duration: -1\n", "Can't decode YAML scalar value" },
		{ "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: info\n  tags: a\n", "Value is not a sequence" },
		{ "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: info\n  tags: [[a]]\n", "sequence value is not scalar" },
		{ "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: info\n  exceptions: {}\n", "Rule exceptions must be a sequence" },
		{ "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: info\n  exceptions: [a]\n", "Rule exception must be a mapping" },
		{ "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: info\n  exceptions:\n    - name: e\n      fields: f\n      values: x\n", "Rule exception values must be a sequence" },
		{ "- list: l\n", "Item has no mapping for key 'items'" },
		{ "- list: l\n  items: x\n", "Value is not a sequence" },
		{ "- macro: m\n", "Item has no mapping for key 'condition'" },
		{ "- rule:\n", "Mapping for key 'rule' is empty" },
		{ "- just a string\n", "Unexpected element type. Each element should be a yaml associative array." },
		{ "rule: r\n", "Rules content is not yaml array of objects" },
		{ "hello\n", "Rules content is not yaml" },
		{ "- rule: r\n  enabled: true\n  append: maybe\n", "Can't decode YAML scalar value" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rules_set *s = read_text(cases[i].text);
		if (s->results[0].ok || !has_error(s, cases[i].msg))
			fail_msg("case %zu: expected '%s', got '%s'", i, cases[i].msg,
				 s->results[0].nerrs ? s->results[0].errs[0].msg : "(no error)");
		assert_int_equal(s->results[0].errs[0].code, RULES_ERR_YAML_VALIDATE);
		rules_set_free(s);
	}
}

static void test_documents_and_parse_errors(void **state)
{
	(void)state;
	/* Several documents; empty ones and null items are skipped. */
	struct rules_set *s = read_text("- list: a\n  items: [x]\n---\n---\n-\n- list: b\n  items: []\n");
	assert_true(s->results[0].ok);
	assert_int_equal(s->nitems, 2);
	assert_string_equal(s->items[1].name, "b");
	rules_set_free(s);

	/* A YAML syntax error: LOAD_ERR_YAML_PARSE at the reported mark. */
	s = read_text("- list: a\n  items: [x\n- rule: b\n");
	assert_false(s->results[0].ok);
	assert_int_equal(s->results[0].errs[0].code, RULES_ERR_YAML_PARSE);
	const struct rules_ctx *c = &s->results[0].errs[0].ctx;
	assert_int_equal(c->n, 2);
	assert_int_equal(c->locs[1].type, RULES_CTX_VALUE_FOR);
	assert_true(c->locs[1].line >= 1);
	assert_non_null(strstr(s->results[0].errs[0].msg, "yaml: error at line"));
	assert_int_equal(s->nitems, 0);
	rules_set_free(s);

	/* The first error ends the file: later items are not read. */
	s = read_text("- list: a\n  items: [x]\n- list: b\n- list: c\n  items: [y]\n");
	assert_int_equal(s->nitems, 1);
	assert_int_equal(s->results[0].nerrs, 1);
	rules_set_free(s);

	/* A missing file. */
	s = rules_set_new();
	assert_int_equal(rules_set_read_file(s, "/nonexistent/rules.yaml"), -EINVAL);
	assert_int_equal(s->results[0].errs[0].code, RULES_ERR_FILE_READ);
	assert_string_equal(rules_err_code_str(RULES_ERR_FILE_READ), "LOAD_ERR_FILE_READ");
	rules_set_free(s);
}

static void test_snippet(void **state)
{
	(void)state;
	const char *text = "- list: a\n  items: [x]\n";
	struct rules_ctx root = { 0 }, c;
	assert_int_equal(rules_ctx_extend(&c, &root, RULES_CTX_LIST_ITEM, "", "f", 1, 10, 20), 0);
	char *sn = rules_ctx_snippet(&c, text, strlen(text), RULES_SNIPPET_WIDTH);
	assert_string_equal(sn, "  items: [x]\n          ^\n");
	free(sn);
	rules_ctx_free(&c);
	/* A position past the end backs off to the last line. */
	assert_int_equal(rules_ctx_extend(&c, &root, RULES_CTX_VALUE_FOR, "", "f", 2, 0, 23), 0);
	sn = rules_ctx_snippet(&c, text, strlen(text), RULES_SNIPPET_WIDTH);
	assert_string_equal(sn, "  items: [x]\n           ^\n");
	free(sn);
	rules_ctx_free(&c);
	/* A long line is cut to width/2 either side with "...". */
	char line[400];
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	assert_int_equal(rules_ctx_extend(&c, &root, RULES_CTX_VALUE_FOR, "", "f", 0, 200, 200), 0);
	sn = rules_ctx_snippet(&c, line, strlen(line), 20);
	assert_string_equal(sn, "...aaaaaaaaaaaaaaa...\n          ^\n");
	free(sn);
	rules_ctx_free(&c);
}

static void test_expand_path(void **state)
{
	(void)state;
	char dir[] = "/tmp/rulesdirXXXXXX";
	assert_non_null(mkdtemp(dir));
	char p[256];
	const char *names[] = { "b.yaml", "a.yml", "c.txt", "0.yaml~" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
	}
	snprintf(p, sizeof(p), "%s/sub.yaml", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	struct cfg_strlist l = { 0 };
	assert_int_equal(rules_expand_path(dir, &l), 0);
	assert_int_equal(rules_expand_path("x.txt", &l), 0);
	assert_int_equal(rules_expand_path("missing.yaml", &l), 0);
	assert_int_equal(l.n, 3);
	assert_non_null(strstr(l.v[0], "/a.yml"));
	assert_non_null(strstr(l.v[1], "/b.yaml"));
	assert_string_equal(l.v[2], "missing.yaml");
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}


static char *capture(void (*fn)(FILE *, const struct rules_result *, const char *, size_t),
		     const struct rules_set *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(f, &s->results[0], s->contents[0], s->lengths[0]);
	fclose(f);
	return buf;
}

/* Upstream's verbose -V text and falco_load_results element, built by hand
 * from its format (rule_loader.cpp: as_verbose_string, as_json). */
static void test_reports(void **state)
{
	(void)state;
	struct rules_set *s = read_text("- list: l\n");
	char *t = capture(rules_result_print_text, s);
	assert_string_equal(t,
		"rules.yaml: Invalid\n1 Errors:\nIn rules content: (rules.yaml:0:0)\n"
		"    list 'l': (rules.yaml:0:2)\n------\n- list: l\n  ^\n------\n"
		"LOAD_ERR_YAML_VALIDATE (Error validating internal structure of YAML file): "
		"Item has no mapping for key 'items'\n");
	free(t);
	t = capture(rules_result_print_json, s);
	assert_string_equal(t,
		"{\"errors\":[{\"code\":\"LOAD_ERR_YAML_VALIDATE\",\"codedesc\":\"Error validating "
		"internal structure of YAML file\",\"context\":{\"locations\":[{\"item_name\":\"\","
		"\"item_type\":\"rules content\",\"position\":{\"column\":0,\"line\":0,\"name\":"
		"\"rules.yaml\",\"offset\":0}},{\"item_name\":\"l\",\"item_type\":\"list\","
		"\"position\":{\"column\":2,\"line\":0,\"name\":\"rules.yaml\",\"offset\":2}}],"
		"\"snippet\":\"- list: l\\n  ^\\n\"},\"message\":\"Item has no mapping for key "
		"'items'\"}],\"name\":\"rules.yaml\",\"successful\":false,\"warnings\":[]}");
	free(t);
	rules_set_free(s);

	s = read_text("- list: l\n  items: []\n  colour: red\n");
	t = capture(rules_result_print_text, s);
	assert_non_null(strstr(t, "rules.yaml: Ok, with warnings\n1 Warnings:\n"));
	assert_non_null(strstr(t, "LOAD_UNKNOWN_KEY (Unknown key in item definition): Unknown key 'colour'. "
				  "The key will be ignored.\n"));
	free(t);
	rules_set_free(s);

	s = read_text("- list: l\n  items: []\n");
	t = capture(rules_result_print_text, s);
	assert_string_equal(t, "rules.yaml: Ok");
	free(t);
	t = capture(rules_result_print_json, s);
	assert_string_equal(t, "{\"errors\":[],\"name\":\"rules.yaml\",\"successful\":true,\"warnings\":[]}");
	free(t);
	rules_set_free(s);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	rules_json_string(f, "a\"b\\c\n\x01\xc3\xa9\xff");
	fclose(f);
	assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\xef\xbf\xbd\"");
	free(buf);
}

/* Robustness: slices of an official ruleset with random YAML-significant
 * bytes written over them must read to a result (ok, or an error with a
 * context), never a crash or a leak (ASan/UBSan run this). Seeded, so each
 * run tests the same inputs. */
static void test_mutations(void **state)
{
	(void)state;
	char path[4096];
	snprintf(path, sizeof(path), "%s/rules/upstream/falco_rules.yaml", getenv("SHARED_DIR"));
	char *text;
	size_t len;
	assert_int_equal(cfg_read_file(path, &text, &len, NULL), 0);
	static const char alphabet[] = ":-[]{}&*!|>'\"#\n \t%@`,?~\\" "\x80" "\xff" "0aZ";
	uint64_t x = 0x9e3779b97f4a7c15ull;
	char buf[2048];
	size_t ok = 0, bad = 0;
	/* MUTATION_ITERS raises the count for a longer campaign by hand. */
	int iters = getenv("MUTATION_ITERS") ? atoi(getenv("MUTATION_ITERS")) : 400;
	for (int iter = 0; iter < iters; iter++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t n = 64 + x % (sizeof(buf) - 64);
		size_t at = (x >> 20) % (len - n);
		memcpy(buf, text + at, n);
		for (int k = (int)(x >> 40) % 6; k >= 0; k--) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[x % n] = alphabet[(x >> 32) % (sizeof(alphabet) - 1)];
		}
		struct rules_set *s = rules_set_new();
		rules_set_read_string(s, "m.yaml", buf, n);
		if (s->results[0].ok) {
			ok++;
		} else {
			bad++;
			assert_true(s->results[0].nerrs > 0);
			assert_true(s->results[0].errs[0].ctx.n > 0);
			char *snip = rules_ctx_snippet(&s->results[0].errs[0].ctx, s->contents[0],
						       s->lengths[0], RULES_SNIPPET_WIDTH);
			assert_non_null(snip);
			free(snip);
		}
		rules_set_free(s);
		/* The same bytes as a configuration file. */
		struct cfg_read_opts ro = { .expand_env = true };
		struct cfg_node **docs;
		size_t ndocs;
		struct cfg_err err;
		if (cfg_yaml_read(buf, n, "m.yaml", &ro, &docs, &ndocs, &err) == 0) {
			for (size_t i = 0; i < ndocs; i++) {
				cfg_validate(docs[i], &err);
				cfg_node_free(docs[i]);
			}
			free(docs);
		}
	}
	free(text);
	/* Both outcomes occur, so both paths were exercised. */
	assert_true(ok > 0);
	assert_true(bad > 0);
}

static void test_condition_ctx(void **state)
{
	(void)state;
	struct rules_ctx root = { 0 }, parent, c;
	assert_int_equal(rules_ctx_extend(&parent, &root, RULES_CTX_RULE_CONDITION, "", "r.yaml", 3, 13, 40), 0);
	assert_int_equal(rules_ctx_condition(&c, &parent, "evt.type = open and\nproc.name = x", 1, 5, 4), 0);
	const struct rules_loc *l = &c.locs[c.n - 1];
	assert_int_equal(l->type, RULES_CTX_CONDITION_EXPRESSION);
	assert_string_equal(l->name, "\"evt.type = open a...\"");
	assert_int_equal(l->line, 4);
	assert_int_equal(l->col, 18);
	assert_int_equal(l->offset, 44);
	rules_ctx_free(&c);
	assert_int_equal(rules_ctx_condition(&c, &parent, "a\nb", 1, 1, 0), 0);
	assert_string_equal(c.locs[c.n - 1].name, "\"a b\"");
	rules_ctx_free(&c);
	rules_ctx_free(&parent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_official_rulesets),
		cmocka_unit_test(test_k8s_alternatives),
		cmocka_unit_test(test_override_errors),
		cmocka_unit_test(test_override_ok),
		cmocka_unit_test(test_append_and_enabled),
		cmocka_unit_test(test_engine_versions),
		cmocka_unit_test(test_names_and_unknowns),
		cmocka_unit_test(test_rule_fields),
		cmocka_unit_test(test_validate_errors),
		cmocka_unit_test(test_documents_and_parse_errors),
		cmocka_unit_test(test_snippet),
		cmocka_unit_test(test_expand_path),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_condition_ctx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
