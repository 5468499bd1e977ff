/*
 * Rule items: definitions, `append`, `override` (append and replace passes),
 * the standalone `enabled`, and their exceptions, as upstream's reader
 * decodes them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules/reader_int.h"

/* ---------------- override ---------------- */

static const char *const rule_keys[] = {
	"condition", "output", "desc", "priority", "source", "enabled", "capture",
	"capture_duration", "warn_evttypes", "skip-if-unknown-filter", "tags", "exceptions",
};
#define NRULE_KEYS (sizeof(rule_keys) / sizeof(rule_keys[0]))

static unsigned key_bit(const char *k)
{
	for (size_t i = 0; i < NRULE_KEYS; i++)
		if (!strcmp(rule_keys[i], k))
			return 1u << i;
	return 0;
}

static const char *bit_key(unsigned bit)
{
	for (size_t i = 0; i < NRULE_KEYS; i++)
		if (bit == 1u << i)
			return rule_keys[i];
	return "?";
}

/* Reads `override: {key: append|replace}` into two key sets, checking each
 * key against what may be appended (`can_append`) or replaced. */
static int read_override(struct rd *r, const struct cfg_node *item, unsigned can_append,
			 unsigned can_replace, const struct cx *c, unsigned *app, unsigned *rep)
{
	const struct cfg_node *o = cfg_map_get(item, "override");
	*app = *rep = 0;
	if (!o || o->kind == CFG_NULL)
		return 0;
	struct cx oc = { c, RULES_CTX_OVERRIDE, "", item };
	if (o->kind != CFG_MAP)
		return rd_fail(r, &oc, "Value of override must be a mapping");
	for (size_t i = 0; i < o->n; i++) {
		const char *key = o->keys[i]->text;
		const struct cfg_node *op = o->kids[i];
		unsigned bit = key_bit(key);
		struct cx kc = { &oc, RULES_CTX_OVERRIDE, key, o->keys[i] };
		const char *ops = op->kind == CFG_SCALAR ? op->text : "";
		if (!strcmp(ops, "append")) {
			if (!(bit & can_append))
				return rd_fail(r, &kc, "Key '%s' cannot be appended to, use 'replace' instead", key);
			*app |= bit;
		} else if (!strcmp(ops, "replace")) {
			if (!(bit & can_replace))
				return rd_fail(r, &kc, "Key '%s' cannot be replaced", key);
			*rep |= bit;
		} else {
			struct cx vc = { &oc, RULES_CTX_VALUE_FOR, key, op };
			return rd_fail(r, &vc, "Invalid override operation for key '%s': '%s'. Allowed values are: %s%s",
				    key, ops, (bit & can_append) ? "append " : "",
				    (bit & can_replace) ? "replace " : "");
		}
	}
	return 0;
}

/* ---------------- exceptions ---------------- */

void rd_entry_free(struct rules_exc_entry *e)
{
	for (size_t i = 0; i < e->n; i++)
		rd_entry_free(&e->items[i]);
	free(e->items);
	free(e->item);
	*e = (struct rules_exc_entry){ 0 };
}

/* `fields`, `comps` or one value: a non-empty scalar, or a list of entries. */
static int read_entry(struct rd *r, const struct cfg_node *v, const char *key, const struct cx *c,
		      struct rules_exc_entry *out)
{
	struct cx vc = { c, RULES_CTX_VALUE_FOR, key ? key : "", v };
	if (v->kind == CFG_SCALAR) {
		if (!v->text[0])
			return rd_fail(r, &vc, "Value must be non-empty");
		out->is_list = false;
		return (out->item = strdup(v->text)) ? 0 : rd_nomem(r);
	}
	if (v->kind != CFG_SEQ)
		return 0;   /* a map or null leaves the entry empty, as upstream */
	out->is_list = true;
	out->items = calloc(v->n ? v->n : 1, sizeof(*out->items));
	if (!out->items)
		return rd_nomem(r);
	for (size_t i = 0; i < v->n && !r->rc; i++) {
		struct cx lc = { &vc, RULES_CTX_EXCEPTION, "", v->kids[i] };
		out->n++;
		read_entry(r, v->kids[i], NULL, &lc, &out->items[i]);
	}
	return r->rc;
}

static int read_exception(struct rd *r, const struct cfg_node *ex, const struct cx *exs_c,
			  const struct cx *rule_c, bool append, struct rules_rule *rule)
{
	struct cx tmp = { exs_c, RULES_CTX_EXCEPTION, "", ex };
	char *name = NULL;
	if (ex->kind != CFG_MAP)
		return rd_fail(r, &tmp, "Rule exception must be a mapping");
	if (rd_str(r, ex, "name", &tmp, 0, &name))
		return r->rc;
	struct rules_exception *e = &rule->exceptions[rule->nexceptions++];
	e->name = name;
	struct cx c = { rule_c, RULES_CTX_EXCEPTION, name, ex };
	if (rd_ctx(r, &c, &e->ctx))
		return rd_nomem(r);
	for (size_t i = 0; i + 1 < rule->nexceptions; i++)
		if (!strcmp(rule->exceptions[i].name, name) &&
		    rd_warn(r, RULES_WARN_EXCEPTION_NAME_NOT_UNIQUE, &c,
			 "Multiple definitions of exception '%s' in the same rule", name))
			return r->rc;
	const struct cfg_node *f = cfg_map_get(ex, "fields"), *cp = cfg_map_get(ex, "comps");
	const struct cfg_node *vals = cfg_map_get(ex, "values");
	if (!f && !append)
		return rd_fail(r, &c, "Item has no mapping for key 'fields'");
	if ((e->has_fields = f != NULL) && read_entry(r, f, "fields", &c, &e->fields))
		return r->rc;
	if ((e->has_comps = cp != NULL) && read_entry(r, cp, "comps", &c, &e->comps))
		return r->rc;
	if (!vals)
		return append ? rd_warn(r, RULES_WARN_APPEND_NO_VALUES, &c,
				     "Overriding/appending exception with no values") : 0;
	struct cx vc = { &c, RULES_CTX_EXCEPTION_VALUES, "", vals };
	if (vals->kind != CFG_SEQ)
		return rd_fail(r, &vc, "Rule exception values must be a sequence");
	e->values = calloc(vals->n ? vals->n : 1, sizeof(*e->values));
	if (!e->values)
		return rd_nomem(r);
	for (size_t i = 0; i < vals->n && !r->rc; i++) {
		struct cx ic = { &vc, RULES_CTX_EXCEPTION_VALUE, "", vals->kids[i] };
		e->nvalues++;
		read_entry(r, vals->kids[i], NULL, &ic, &e->values[i]);
	}
	return r->rc;
}

static int read_exceptions(struct rd *r, const struct cfg_node *item, const struct cx *c,
			   bool append, struct rules_rule *rule)
{
	const struct cfg_node *exs = cfg_map_get(item, "exceptions");
	if (!exs || exs->kind == CFG_NULL)
		return 0;
	struct cx ec = { c, RULES_CTX_EXCEPTIONS, "", exs };
	if (exs->kind != CFG_SEQ)
		return rd_fail(r, &ec, "Rule exceptions must be a sequence");
	rule->exceptions = calloc(exs->n ? exs->n : 1, sizeof(*rule->exceptions));
	if (!rule->exceptions)
		return rd_nomem(r);
	for (size_t i = 0; i < exs->n && !r->rc; i++)
		read_exception(r, exs->kids[i], &ec, c, append, rule);
	return r->rc;
}

/* ---------------- rules ---------------- */

#define K(x) RULES_K_##x
static const unsigned can_append = K(CONDITION) | K(OUTPUT) | K(DESC) | K(TAGS) | K(EXCEPTIONS);
static const unsigned can_replace = K(CONDITION) | K(OUTPUT) | K(DESC) | K(PRIORITY) | K(CAPTURE) |
	K(CAPTURE_DURATION) | K(TAGS) | K(EXCEPTIONS) | K(ENABLED) | K(WARN_EVTTYPES) |
	K(SKIP_IF_UNKNOWN_FILTER);

static int set_ctx(struct rd *r, const struct cfg_node *item, const char *key,
		   enum rules_ctx_type type, const struct cx *c, struct rules_ctx *out)
{
	struct cx kc = { c, type, "", cfg_map_get(item, key) };
	rules_ctx_free(out);
	return rd_ctx(r, &kc, out) ? rd_nomem(r) : 0;
}

static int read_priority(struct rd *r, const struct cfg_node *item, const struct cx *c,
			 struct rules_rule *rule)
{
	char *p = NULL;
	if (rd_str(r, item, "priority", c, 0, &p))
		return r->rc;
	int v = cfg_priority_parse(p);
	free(p);
	struct cx pc = { c, RULES_CTX_RULE_PRIORITY, "", cfg_map_get(item, "priority") };
	if (v < 0)
		return rd_fail(r, &pc, "Invalid priority");
	rule->priority = (enum cfg_priority)v;
	return 0;
}

/* Decodes one key (required) into `rule`. */
static int read_key(struct rd *r, const struct cfg_node *item, const struct cx *c, unsigned bit,
		    bool append, struct rules_rule *rule)
{
	rule->keys |= bit;
	switch (bit) {
	case K(CONDITION):
		if (rd_str(r, item, "condition", c, 0, &rule->cond))
			return r->rc;
		return set_ctx(r, item, "condition", RULES_CTX_RULE_CONDITION, c, &rule->cond_ctx);
	case K(OUTPUT):
		return rd_str(r, item, "output", c, 0, &rule->output);
	case K(DESC):
		return rd_str(r, item, "desc", c, 0, &rule->desc);
	case K(TAGS):
		if (rd_seq(r, item, "tags", c, OPTIONAL, &rule->tags))
			return r->rc;
		rd_sort_unique(&rule->tags);
		return 0;
	case K(EXCEPTIONS):
		return read_exceptions(r, item, c, append, rule);
	case K(PRIORITY):
		return read_priority(r, item, c, rule);
	case K(CAPTURE):
		return rd_bool(r, item, "capture", c, 0, &rule->capture);
	case K(CAPTURE_DURATION):
		return rd_u64(r, item, "capture_duration", c, 0, UINT64_MAX, &rule->capture_duration);
	case K(ENABLED):
		return rd_bool(r, item, "enabled", c, 0, &rule->enabled);
	case K(WARN_EVTTYPES):
		return rd_bool(r, item, "warn_evttypes", c, 0, &rule->warn_evttypes);
	case K(SKIP_IF_UNKNOWN_FILTER):
		return rd_bool(r, item, "skip-if-unknown-filter", c, 0, &rule->skip_if_unknown_filter);
	}
	return 0;
}

/* An item of `op` holding the keys of `want`, decoded in upstream's order. */
static int read_override_pass(struct rd *r, const struct cfg_node *item, const struct cx *c,
			      const char *name, const char *source, enum rules_op op,
			      unsigned want, unsigned *expected)
{
	static const unsigned order[] = { K(CONDITION), K(EXCEPTIONS), K(OUTPUT), K(DESC), K(TAGS),
		K(PRIORITY), K(CAPTURE), K(CAPTURE_DURATION), K(ENABLED), K(WARN_EVTTYPES),
		K(SKIP_IF_UNKNOWN_FILTER) };
	const char *what = op == RULES_OP_APPEND ? "append" : "replace";
	struct rules_rule rule = { .enabled = true, .warn_evttypes = true };
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && !r->rc; i++) {
		if (!(want & order[i]))
			continue;
		if (!(*expected & order[i])) {
			rd_fail(r, c, "An %s override for '%s' was specified but '%s' is not defined",
			     what, bit_key(order[i]), bit_key(order[i]));
			break;
		}
		*expected &= ~order[i];
		if (order[i] == K(CONDITION) && source && source[0] && !rule.source &&
		    !(rule.source = strdup(source))) {
			rd_nomem(r);
			break;
		}
		read_key(r, item, c, order[i], op == RULES_OP_APPEND, &rule);
	}
	struct rules_item *it = r->rc ? NULL : rd_new_item(r, RULES_ITEM_RULE, op, name, c);
	if (it) {
		it->rule = rule;
		return rd_publish(r, r->set->nitems - 1);
	}
	rd_rule_free(&rule);
	return r->rc;
}

static int read_rule_override(struct rd *r, const struct cfg_node *item, const struct cx *c,
			      const char *name, const char *source, unsigned app, unsigned rep)
{
	/* Keys upstream iterates in name order (a std::set). */
	static const char *const sorted[] = { "capture", "capture_duration", "condition", "desc",
		"enabled", "exceptions", "output", "priority", "skip-if-unknown-filter", "tags",
		"warn_evttypes" };
	unsigned expected = 0;
	for (size_t i = 0; i < NRULE_KEYS; i++)
		if (((can_append | can_replace) & (1u << i)) && cfg_map_get(item, rule_keys[i]))
			expected |= 1u << i;
	if (app && read_override_pass(r, item, c, name, source, RULES_OP_APPEND, app, &expected))
		return r->rc;
	if (rep && read_override_pass(r, item, c, name, source, RULES_OP_REPLACE, rep, &expected))
		return r->rc;
	for (size_t i = 0; i < sizeof(sorted) / sizeof(sorted[0]); i++) {
		if (!(expected & key_bit(sorted[i])))
			continue;
		struct cx kc = { c, RULES_CTX_OVERRIDE, sorted[i], cfg_map_get(item, sorted[i]) };
		return rd_fail(r, &kc, "Unexpected key '%s': no corresponding entry under 'override' is defined.",
			    sorted[i]);
	}
	return 0;
}

static int read_rule_append(struct rd *r, const struct cfg_node *item, const struct cx *c,
			    const char *name, const char *source)
{
	struct rules_rule rule = { .enabled = true, .warn_evttypes = true };
	if (source && !(rule.source = strdup(source)))
		return rd_nomem(r);
	if (cfg_map_get(item, "condition"))
		read_key(r, item, c, K(CONDITION), true, &rule);
	if (!r->rc && cfg_map_get(item, "exceptions"))
		read_key(r, item, c, K(EXCEPTIONS), true, &rule);
	struct rules_item *it = r->rc ? NULL : rd_new_item(r, RULES_ITEM_RULE, RULES_OP_APPEND, name, c);
	if (it) {
		it->rule = rule;
		return rd_publish(r, r->set->nitems - 1);
	}
	rd_rule_free(&rule);
	return r->rc;
}

static char *trim(char *s)
{
	size_t len = strlen(s), start = 0;
	while (start < len && strchr(" \t\n\r\f\v", s[start]))
		start++;
	while (len > start && strchr(" \t\n\r\f\v", s[len - 1]))
		len--;
	memmove(s, s + start, len - start);
	s[len - start] = 0;
	return s;
}

static int read_rule_define(struct rd *r, const struct cfg_node *item, const struct cx *c,
			    const char *name)
{
	struct rules_rule rule = { .enabled = true, .warn_evttypes = true };
	enum rules_op op = RULES_OP_DEFINE;
	if (!cfg_map_get(item, "condition") && !cfg_map_get(item, "output") &&
	    !cfg_map_get(item, "desc") && !cfg_map_get(item, "priority")) {
		op = RULES_OP_ENABLE;
		if (!read_key(r, item, c, K(ENABLED), false, &rule))
			rd_warn(r, RULES_WARN_DEPRECATED_ITEM, c, WARNING_ENABLED);
	} else if (!read_key(r, item, c, K(CONDITION), false, &rule) &&
		   !read_key(r, item, c, K(OUTPUT), false, &rule) &&
		   !set_ctx(r, item, "output", RULES_CTX_RULE_OUTPUT, c, &rule.output_ctx) &&
		   !read_key(r, item, c, K(DESC), false, &rule)) {
		trim(rule.output);
		rule.source = strdup("syscall");
		if (!rule.source)
			rd_nomem(r);
		else
			read_key(r, item, c, K(PRIORITY), false, &rule);
		static const unsigned optional[] = { K(ENABLED), K(CAPTURE), K(CAPTURE_DURATION),
						     K(WARN_EVTTYPES), K(SKIP_IF_UNKNOWN_FILTER) };
		if (!r->rc && rd_str(r, item, "source", c, OPTIONAL, &rule.source) == 0 &&
		    cfg_map_get(item, "source"))
			rule.keys |= K(SOURCE);
		for (size_t i = 0; i < 5 && !r->rc; i++)
			if (cfg_map_get(item, bit_key(optional[i])))
				read_key(r, item, c, optional[i], false, &rule);
		if (!r->rc)
			read_key(r, item, c, K(TAGS), false, &rule);
		if (!r->rc && cfg_map_get(item, "exceptions"))
			read_key(r, item, c, K(EXCEPTIONS), false, &rule);
		if (!cfg_map_get(item, "tags"))
			rule.keys &= ~K(TAGS);
	}
	struct rules_item *it = r->rc ? NULL : rd_new_item(r, RULES_ITEM_RULE, op, name, c);
	if (it) {
		it->rule = rule;
		return rd_publish(r, r->set->nitems - 1);
	}
	rd_rule_free(&rule);
	return r->rc;
}

int rd_read_rule(struct rd *r, const struct cfg_node *item, const struct cx *parent)
{
	static const char *const keys[] = { "rule", "condition", "output", "desc", "priority",
		"source", "enabled", "capture", "capture_duration", "warn_evttypes",
		"skip-if-unknown-filter", "tags", "exceptions", "override", "append", NULL };
	char *name = NULL, *source = NULL;
	bool append = false;
	unsigned app = 0, rep = 0;
	struct cx tmp = { parent, RULES_CTX_RULE, "", item };
	if (rd_str(r, item, "rule", &tmp, 0, &name))
		goto out;
	struct cx c = { parent, RULES_CTX_RULE, name, item };
	if (rd_str(r, item, "source", &c, OPTIONAL | EMPTY_OK, &source) ||
	    rd_bool(r, item, "append", &c, OPTIONAL, &append))
		goto out;
	if (append && rd_warn(r, RULES_WARN_DEPRECATED_ITEM, &c, WARNING_APPEND))
		goto out;
	if (read_override(r, item, can_append, can_replace, &c, &app, &rep))
		goto out;
	if (append && (app | rep)) {
		rd_fail(r, &c, ERROR_OVERRIDE_APPEND);
		goto out;
	}
	if (app | rep)
		read_rule_override(r, item, &c, name, source, app, rep);
	else if (append)
		read_rule_append(r, item, &c, name, source);
	else
		read_rule_define(r, item, &c, name);
	if (!r->rc)
		rd_unknown_keys(r, item, keys, &c);
out:
	free(name);
	free(source);
	return r->rc;
}
#undef K

