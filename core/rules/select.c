/*
 * The `rules:` selection of falco.yaml applied to collected rules, with
 * upstream's wildcard matching and priority threshold.
 */
#include <string.h>

#include "rules/rules.h"

/* Upstream's matches_wildcard: `*` matches any run, but each literal piece
 * after a star binds to its first occurrence (no backtracking), so "*ab"
 * does not match "abab". */
bool rules_wildcard_match(const char *pattern, const char *s)
{
	const char *star = strchr(pattern, '*');
	if (!star)
		return !strcmp(pattern, s);
	if (star != pattern) {
		size_t n = (size_t)(star - pattern);
		if (strncmp(pattern, s, n) || strlen(s) < n)
			return false;
		return rules_wildcard_match(star, s + n);
	}
	while (*pattern == '*')
		pattern++;
	if (!*pattern)
		return true;
	const char *next = strchr(pattern, '*');
	size_t n = next ? (size_t)(next - pattern) : strlen(pattern);
	const char *at = s;
	for (; *at; at++)
		if (!strncmp(at, pattern, n))
			break;
	if (!*at && n)
		return false;
	return rules_wildcard_match(pattern + n, at + n);
}

static bool has_tag(const struct rules_rule_def *r, const char *tag)
{
	for (size_t i = 0; i < r->tags.n; i++)
		if (!strcmp(r->tags.v[i], tag))
			return true;
	return false;
}

void rules_select(const struct rules_collection *c, enum cfg_priority min,
		  const struct cfg_rule_select *sel, size_t nsel, bool *enabled)
{
	for (size_t i = 0; i < c->nrules; i++) {
		const struct rules_rule_def *r = &c->rules[i];
		enabled[i] = !r->unknown_source && r->priority <= min && r->enabled;
	}
	for (size_t k = 0; k < nsel; k++) {
		for (size_t i = 0; i < c->nrules; i++) {
			const struct rules_rule_def *r = &c->rules[i];
			if (r->unknown_source || r->priority > min)
				continue;   /* not in any ruleset */
			if ((sel[k].rule && sel[k].rule[0] && rules_wildcard_match(sel[k].rule, r->name)) ||
			    (sel[k].tag && sel[k].tag[0] && has_tag(r, sel[k].tag)))
				enabled[i] = sel[k].enable;
		}
	}
}
