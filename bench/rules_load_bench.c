/*
 * rules_load_bench: time to read and collect every official ruleset
 * (the four files of ../shared/rules/upstream, in one rules set) including the text
 * stage of the compiler (list expansion, list names in conditions,
 * exception clauses). Parsing/compiling conditions is not included.
 * Prints the median of 21 runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules/rules.h"

static const char *const files[] = { "falco_rules.yaml", "falco-incubating_rules.yaml",
				     "k8s_audit_rules.yaml", "aws_cloudtrail_rules.yaml" };

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int load_all(size_t *nitems, size_t *bytes)
{
	struct rules_set *s = rules_set_new();
	struct rules_collection *c = rules_collection_new(NULL);
	s->on_item = rules_collect_item;
	s->on_item_ud = c;
	int rc = 0;
	for (size_t i = 0; i < 4 && !rc; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/rules/upstream/%s", SHARED_DIR, files[i]);
		rc = rules_set_read_file(s, path);
	}
	struct rules_lists l;
	if (!rc && rules_lists_expand(c, &l) == 0) {
		for (size_t i = 0; i < c->nmacros; i++)
			free(rules_lists_resolve(&l, c->macros[i].cond));
		for (size_t i = 0; i < c->nrules; i++) {
			char *cond;
			struct cfg_strlist f = { 0 };
			if (rules_rule_condition(&c->rules[i], &s->results[0], &cond, &f) == 0) {
				free(rules_lists_resolve(&l, cond));
				free(cond);
			}
			free(f.v);
		}
		rules_lists_free(&l);
	}
	*nitems = s->nitems;
	*bytes = 0;
	for (size_t i = 0; i < s->nresults; i++)
		*bytes += s->lengths[i];
	rules_collection_free(c);
	rules_set_free(s);
	return rc;
}

int main(void)
{
	double t[21];
	size_t nitems = 0, bytes = 0;
	for (int i = 0; i < 21; i++) {
		double a = now_ms();
		if (load_all(&nitems, &bytes)) {
			fprintf(stderr, "rules_load_bench: cannot read the official rulesets under %s\n", SHARED_DIR);
			return 1;
		}
		t[i] = now_ms() - a;
	}
	qsort(t, 21, sizeof(double), cmp);
	printf("rules read+collect+text stage, 4 official rulesets (%zu bytes, %zu items): "
	       "median %.2f ms, min %.2f ms (21 runs)\n", bytes, nitems, t[10], t[0]);
	return 0;
}
