/*
 * `falco -L` JSON against the engine's own compiled rules: for every rule,
 * the "events" names must be exactly those of the event-type index the
 * engine built for it (non-generic codes by name, generic syscalls by their
 * syscall names, plus "asyncevent" as upstream adds it), over conditions of
 * many shapes (negations, lists, macros, generic syscalls, evt.num
 * invariants, no type at all).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event/event.h"
#include "fields/fields.h"
#include "rules/engine.h"
#include "rules/engine_int.h"
#include "state/state.h"

static struct fld_reg *g_reg;

static const char *RULES =
	"- list: sh\n  items: [bash, zsh]\n"
	"- macro: spawned\n  condition: evt.type in (execve, execveat)\n"
	"- rule: one\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n"
	"- rule: macro_list\n  desc: d\n  condition: spawned and proc.name in (sh)\n  output: o\n  priority: INFO\n"
	"- rule: negated\n  desc: d\n  condition: not evt.type in (open, close, kcmp)\n  output: o\n  priority: INFO\n"
	"- rule: ne\n  desc: d\n  condition: evt.type != execve and proc.name = x\n  output: o\n  priority: INFO\n"
	"- rule: generic\n  desc: d\n  condition: evt.type = kcmp or evt.type = openat\n  output: o\n  priority: INFO\n"
	"- rule: none\n  desc: d\n  condition: evt.num = 0 and evt.type = open\n  output: o\n  priority: INFO\n"
	"- rule: all\n  desc: d\n  condition: proc.name = cat\n  output: o\n  priority: INFO\n"
	"- rule: deep\n  desc: d\n  condition: not (not evt.type = connect or fd.num > 2)\n  output: o\n  priority: INFO\n";

static struct rules_engine *load(void)
{
	static struct rules_source_desc src[1];
	src[0] = (struct rules_source_desc){ "syscall", g_reg };
	struct rules_engine_opts o = { .sz = sizeof(o), .sources = src, .nsources = 1,
				       .min_priority = CFG_PRIO_DEBUG };
	struct rules_engine *e = rules_engine_new(&o);
	assert_non_null(e);
	char err[256];
	assert_int_equal(rules_engine_load_string(e, "rules.yaml", RULES, strlen(RULES)), 0);
	assert_int_equal(rules_engine_compile(e, err, sizeof(err)), 0);
	return e;
}

/* The "events" array of `falco -l NAME` (names hold no quotes). */
static size_t describe_events(const struct rules_engine *e, const char *rule, char ***names)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(rules_engine_describe(e, f, rule, true), 0);
	fclose(f);
	char *p = strstr(buf, "\"events\":[");
	assert_non_null(p);
	p += 10;
	size_t n = 0;
	*names = NULL;
	while (*p == '"') {
		char *q = strchr(p + 1, '"');
		*names = realloc(*names, (n + 1) * sizeof(char *));
		(*names)[n++] = strndup(p + 1, (size_t)(q - p - 1));
		p = q + 1;
		if (*p == ',')
			p++;
	}
	free(buf);
	return n;
}

static bool has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static bool is_event_name(const char *s)
{
	for (uint32_t c = 2; c < EV_CODE_MAX; c++) {
		const struct ev_info *ei = ev_info((uint16_t)c);
		if (ei && ei->name && !strcmp(ei->name, s))
			return true;
	}
	return false;
}

static void test_events_match_index(void **state)
{
	(void)state;
	struct rules_engine *e = load();
	size_t checked = 0;
	for (size_t i = 0; i < e->ncrules; i++) {
		const struct rules_crule *cr = &e->crules[i];
		assert_true(cr->compiled);
		char **names;
		size_t n = describe_events(e, cr->def->name, &names);
		assert_true(has(names, n, "asyncevent"));
		/* every indexed (non-generic) code is named */
		for (uint32_t c = 2; c < EV_CODE_MAX; c++) {
			const struct ev_info *ei = ev_info((uint16_t)c);
			if (cr->types[c] && ei && ei->name && strcmp(ei->name, "NA"))
				assert_true(has(names, n, ei->name));
		}
		bool generic_named = false;
		for (size_t k = 0; k < n; k++) {
			if (!strcmp(names[k], "asyncevent"))
				continue;
			if (is_event_name(names[k])) {
				/* a named event is one of the index's codes */
				bool found = false;
				for (uint32_t c = 2; c < EV_CODE_MAX && !found; c++) {
					const struct ev_info *ei = ev_info((uint16_t)c);
					found = cr->types[c] && ei && ei->name && !strcmp(ei->name, names[k]);
				}
				if (!found)
					print_error("rule %s: event %s not indexed\n", cr->def->name, names[k]);
				assert_true(found);
			} else {
				generic_named = true;   /* a syscall without its own event */
			}
		}
		/* Upstream's quirk, kept: `not evt.type in (..., kcmp)` drops the
		 * generic events from the event-code set (so from the index) while
		 * the syscall-level set still holds the other generic syscalls,
		 * whose names are printed. */
		bool gen_index = cr->types[EV_GENERIC_E] || cr->types[EV_GENERIC_X];
		if (strcmp(cr->def->name, "negated"))
			assert_int_equal(generic_named, gen_index);
		else
			assert_true(generic_named && !gen_index);
		for (size_t k = 0; k < n; k++)
			free(names[k]);
		free(names);
		checked++;
	}
	assert_int_equal(checked, 8);
	rules_engine_free(e);
}

/* Hand-computed names of a few rules (upstream's get_json_evt_types). */
static void test_events_by_hand(void **state)
{
	(void)state;
	struct rules_engine *e = load();
	char **v;
	size_t n = describe_events(e, "generic", &v);
	assert_int_equal(n, 3);
	assert_true(has(v, n, "kcmp") && has(v, n, "openat") && has(v, n, "asyncevent"));
	for (size_t k = 0; k < n; k++)
		free(v[k]);
	free(v);
	n = describe_events(e, "none", &v);
	assert_int_equal(n, 1);   /* evt.num = 0 never holds: only asyncevent */
	assert_string_equal(v[0], "asyncevent");
	free(v[0]);
	free(v);
	n = describe_events(e, "negated", &v);
	assert_false(has(v, n, "open") || has(v, n, "close") || has(v, n, "kcmp"));
	assert_true(has(v, n, "execve") && has(v, n, "openat") && has(v, n, "mprotect"));
	for (size_t k = 0; k < n; k++)
		free(v[k]);
	free(v);
	rules_engine_free(e);
}

int main(void)
{
	g_reg = fld_reg_new();
	if (!g_reg || fld_reg_add_builtin(g_reg) < 0 || st_fields_register(g_reg) < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_match_index),
		cmocka_unit_test(test_events_by_hand),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	fld_reg_free(g_reg);
	return rc;
}
