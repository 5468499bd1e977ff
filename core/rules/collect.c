/*
 * The collector: applies items in order to the definitions gathered so far,
 * with upstream's semantics — redefinition in place (keeping the first
 * position), `append`, selective `replace`, the standalone `enabled`, version
 * requirements, and the checks on exceptions. Errors are
 * LOAD_ERR_VALIDATE at the item (or exception) that caused them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"

#define ERROR_NO_PREVIOUS_MACRO "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists"
#define ERROR_NO_PREVIOUS_LIST "List uses 'append' or 'override.items: append' but no list by that name already exists"
#define ERROR_NO_PREVIOUS_RULE_APPEND "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists"
#define ERROR_NO_PREVIOUS_RULE_REPLACE "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists"

struct cctx {
	struct rules_collection *c;
	struct rules_result *res;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct cctx *x, const struct rules_ctx *ctx, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return rules_result_error(x->res, RULES_ERR_VALIDATE, msg, ctx) ? -ENOMEM : -EINVAL;
}

/* ---------------- copies ---------------- */

static int strlist_copy(struct cfg_strlist *out, const struct cfg_strlist *in)
{
	*out = (struct cfg_strlist){ 0 };
	if (!in->n)
		return 0;
	out->v = calloc(in->n, sizeof(char *));
	if (!out->v)
		return -ENOMEM;
	for (; out->n < in->n; out->n++)
		if (!(out->v[out->n] = strdup(in->v[out->n])))
			return -ENOMEM;
	return 0;
}

static void strlist_free(struct cfg_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct cfg_strlist){ 0 };
}

static void entry_free(struct rules_exc_entry *e)
{
	for (size_t i = 0; i < e->n; i++)
		entry_free(&e->items[i]);
	free(e->items);
	free(e->item);
	*e = (struct rules_exc_entry){ 0 };
}

static int entry_copy(struct rules_exc_entry *out, const struct rules_exc_entry *in)
{
	*out = (struct rules_exc_entry){ .is_list = in->is_list };
	if (in->item && !(out->item = strdup(in->item)))
		return -ENOMEM;
	if (in->n && !(out->items = calloc(in->n, sizeof(*out->items))))
		return -ENOMEM;
	for (; out->n < in->n; out->n++)
		if (entry_copy(&out->items[out->n], &in->items[out->n]))
			return -ENOMEM;
	return 0;
}

static void exception_free(struct rules_exception *e)
{
	free(e->name);
	entry_free(&e->fields);
	entry_free(&e->comps);
	for (size_t i = 0; i < e->nvalues; i++)
		entry_free(&e->values[i]);
	free(e->values);
	rules_ctx_free(&e->ctx);
	*e = (struct rules_exception){ 0 };
}

static int exception_copy(struct rules_exception *out, const struct rules_exception *in)
{
	*out = (struct rules_exception){ .has_fields = in->has_fields, .has_comps = in->has_comps };
	if (!(out->name = strdup(in->name)) || entry_copy(&out->fields, &in->fields) ||
	    entry_copy(&out->comps, &in->comps) || rules_ctx_copy(&out->ctx, &in->ctx))
		return -ENOMEM;
	if (in->nvalues && !(out->values = calloc(in->nvalues, sizeof(*out->values))))
		return -ENOMEM;
	for (; out->nvalues < in->nvalues; out->nvalues++)
		if (entry_copy(&out->values[out->nvalues], &in->values[out->nvalues]))
			return -ENOMEM;
	return 0;
}

static int append_values(struct rules_exception *to, const struct rules_exception *from)
{
	struct rules_exc_entry *v = realloc(to->values, (to->nvalues + from->nvalues + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	to->values = v;
	for (size_t i = 0; i < from->nvalues; i++, to->nvalues++)
		if (entry_copy(&to->values[to->nvalues], &from->values[i]))
			return -ENOMEM;
	return 0;
}

/* ---------------- exceptions ---------------- */

static bool entry_valid(const struct rules_exc_entry *e)
{
	return e->is_list ? e->n > 0 : e->item && e->item[0];
}

/* Trims blanks around a comparison operator. */
static void normalize_comp(char *s)
{
	size_t len = strlen(s), a = 0;
	while (len && strchr(" \t\r\n", s[len - 1]))
		len--;
	while (a < len && strchr(" \t\r\n", s[a]))
		a++;
	memmove(s, s + a, len - a);
	s[len - a] = 0;
}

/* The operators of the filter language (libsinsp's parser and
 * str_to_cmpop): the plain ones, and string operators that take a list
 * modifier (`startswith oneof`). */
static bool is_operator(const char *op)
{
	static const char *const ops[] = { "exists", "<=", "<", ">=", ">", "==", "=", "!=", "glob",
		"iglob", "contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith",
		"regex", "intersects", "in", "pmatch", NULL };
	for (const char *const *o = ops; *o; o++)
		if (!strcmp(*o, op))
			return true;
	return false;
}

static bool is_op_with_modifier(const char *op)
{
	static const char *const base[] = { "=", "==", "!=", "contains", "icontains", "bcontains",
		"startswith", "bstartswith", "endswith", "glob", "iglob", "regex", NULL };
	const char *sp = strchr(op, ' ');
	if (!sp)
		return false;
	const char *mod = sp + 1;
	if (strcmp(mod, "oneof") && strcmp(mod, "anyof") && strcmp(mod, "allof"))
		return false;
	for (const char *const *b = base; *b; b++)
		if (strlen(*b) == (size_t)(sp - op) && !strncmp(*b, op, (size_t)(sp - op)))
			return true;
	return false;
}

static bool field_ok(struct cctx *x, const char *source, const char *field)
{
	const struct rules_collect_opts *o = &x->c->opts;
	return !o->field_valid || o->field_valid(source, field, o->ud);
}

/* Fills default comps and checks fields/comps (upstream's
 * validate_exception_info). `source` NULL skips the field checks. */
static int validate_exception(struct cctx *x, const char *source, struct rules_exception *e)
{
	if (e->fields.is_list) {
		if (!entry_valid(&e->comps)) {
			entry_free(&e->comps);
			e->comps.is_list = true;
			e->comps.items = calloc(e->fields.n + 1, sizeof(*e->comps.items));
			if (!e->comps.items)
				return -ENOMEM;
			for (; e->comps.n < e->fields.n; e->comps.n++)
				if (!(e->comps.items[e->comps.n].item = strdup("=")))
					return -ENOMEM;
		}
		if (e->fields.n != e->comps.n)
			return fail(x, &e->ctx, "Fields and comps lists must have equal length");
		for (size_t i = 0; i < e->comps.n; i++) {
			char *op = e->comps.items[i].item ? e->comps.items[i].item : (char *)"";
			normalize_comp(op);
			if (!is_operator(op) && !is_op_with_modifier(op))
				return fail(x, &e->ctx, "'%s' is not a supported comparison operator", op);
		}
		for (size_t i = 0; source && i < e->fields.n; i++) {
			const char *f = e->fields.items[i].item ? e->fields.items[i].item : "";
			if (!field_ok(x, source, f))
				return fail(x, &e->ctx, "'%s' is not a supported filter field", f);
		}
		return 0;
	}
	if (!entry_valid(&e->comps)) {
		entry_free(&e->comps);
		if (!(e->comps.item = strdup("in")))
			return -ENOMEM;
	}
	if (e->comps.is_list)
		return fail(x, &e->ctx, "Fields and comps must both be strings");
	normalize_comp(e->comps.item);
	const char *op = e->comps.item;
	if (strcmp(op, "in") && strcmp(op, "pmatch") && strcmp(op, "intersects") && !is_op_with_modifier(op))
		return fail(x, &e->ctx, "When fields is a single value, comps must be one of (in, pmatch, "
			    "intersects) or a modifier operator (e.g. startswith oneof)");
	if (source && !field_ok(x, source, e->fields.item))
		return fail(x, &e->ctx, "'%s' is not a supported filter field", e->fields.item);
	return 0;
}

/* ---------------- lookups ---------------- */

/* Names are found through a hash index per kind (rule files can hold tens
 * of thousands of lists), open addressing with linear probing. */
static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* `name_at(base, i)` gives the name of the i-th definition. */
typedef const char *(*name_at_fn)(const void *base, size_t i);

static long idx_find(const struct rules_name_index *x, const void *base, name_at_fn name_at,
		     const char *name)
{
	if (!x->cap)
		return -1;
	for (size_t h = hash_name(name) & (x->cap - 1);; h = (h + 1) & (x->cap - 1)) {
		if (!x->slots[h])
			return -1;
		if (!strcmp(name_at(base, x->slots[h] - 1), name))
			return (long)x->slots[h] - 1;
	}
}

static void idx_put(struct rules_name_index *x, const char *name, uint32_t pos)
{
	size_t h = hash_name(name) & (x->cap - 1);
	while (x->slots[h])
		h = (h + 1) & (x->cap - 1);
	x->slots[h] = pos + 1;
}

/* Adds definition `n - 1` (just appended); grows to keep load under 1/2. */
static int idx_add(struct rules_name_index *x, const void *base, name_at_fn name_at, size_t n)
{
	if (n * 2 > x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		uint32_t *slots = calloc(cap, sizeof(*slots));
		if (!slots)
			return -ENOMEM;
		free(x->slots);
		x->slots = slots;
		x->cap = cap;
		for (size_t i = 0; i + 1 < n; i++)
			idx_put(x, name_at(base, i), (uint32_t)i);
	}
	idx_put(x, name_at(base, n - 1), (uint32_t)(n - 1));
	return 0;
}

static const char *list_name(const void *b, size_t i)
{
	return ((const struct rules_list_def *)b)[i].name;
}

static const char *macro_name(const void *b, size_t i)
{
	return ((const struct rules_macro_def *)b)[i].name;
}

static const char *rule_name(const void *b, size_t i)
{
	return ((const struct rules_rule_def *)b)[i].name;
}

static struct rules_list_def *find_list(struct rules_collection *c, const char *name)
{
	long i = idx_find(&c->list_idx, c->lists, list_name, name);
	return i < 0 ? NULL : &c->lists[i];
}

static struct rules_macro_def *find_macro(struct rules_collection *c, const char *name)
{
	long i = idx_find(&c->macro_idx, c->macros, macro_name, name);
	return i < 0 ? NULL : &c->macros[i];
}

static struct rules_rule_def *find_rule(struct rules_collection *c, const char *name)
{
	long i = idx_find(&c->rule_idx, c->rules, rule_name, name);
	return i < 0 ? NULL : &c->rules[i];
}

const struct rules_list_def *rules_find_list(const struct rules_collection *c, const char *name)
{
	return find_list((struct rules_collection *)c, name);
}

const struct rules_macro_def *rules_find_macro(const struct rules_collection *c, const char *name)
{
	return find_macro((struct rules_collection *)c, name);
}

const struct rules_rule_def *rules_find_rule(const struct rules_collection *c, const char *name)
{
	return find_rule((struct rules_collection *)c, name);
}

/* The earlier rule of that name; an error when both name a different source. */
static int prev_rule(struct cctx *x, const struct rules_item *it, const char *source,
		     struct rules_rule_def **out)
{
	*out = find_rule(x->c, it->name);
	if (*out && (*out)->source[0] && source && source[0] && strcmp((*out)->source, source))
		return fail(x, &it->ctx, "Rule has been re-defined with a different source");
	return 0;
}

/* Room for one more element in an array of `n` with capacity `*cap`
 * (doubling). Returns the (possibly moved) array, or NULL. */
static void *grow_cap(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	size_t c = *cap ? *cap * 2 : 16;
	void *nv = realloc(v, c * size);
	if (nv)
		*cap = c;
	return nv;
}

static void *grow(void *v, size_t n, size_t size)
{
	return realloc(v, (n + 1) * size);
}

/* ---------------- versions ---------------- */

static int cmp_version(const unsigned a[3], const unsigned b[3])
{
	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static int collect_engine_version(struct cctx *x, const struct rules_item *it)
{
	struct rules_collection *c = x->c;
	const unsigned *ours = c->opts.engine_version;
	if (ours[0] != it->version[0] || cmp_version(ours, it->version) < 0)
		return fail(x, &it->ctx, "Rules require engine version %u.%u.%u, but engine version is %u.%u.%u",
			    it->version[0], it->version[1], it->version[2], ours[0], ours[1], ours[2]);
	if (!c->has_engine_version || cmp_version(c->engine_version, it->version) < 0) {
		memcpy(c->engine_version, it->version, sizeof(c->engine_version));
		c->has_engine_version = true;
	}
	return 0;
}

static bool valid_semver(const char *v)
{
	unsigned a, b, d;
	return sscanf(v, "%u.%u.%u", &a, &b, &d) == 3;
}

static int collect_plugin_version(struct cctx *x, const struct rules_item *it)
{
	struct rules_collection *c = x->c;
	for (size_t i = 0; i < it->nreqs; i++) {
		if (!valid_semver(it->reqs[i].version))
			return fail(x, &it->ctx, "Invalid required version '%s' for plugin '%s'",
				    it->reqs[i].version, it->reqs[i].name);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(it->reqs[k].name, it->reqs[i].name))
				return fail(x, &it->ctx, "Defined multiple alternative version requirements for plugin '%s'",
					    it->reqs[i].name);
	}
	struct rules_plugin_alts *v = grow(c->plugin_reqs, c->nplugin_reqs, sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->plugin_reqs = v;
	struct rules_plugin_alts *a = &v[c->nplugin_reqs++];
	*a = (struct rules_plugin_alts){ 0 };
	if (!(a->reqs = calloc(it->nreqs + 1, sizeof(*a->reqs))))
		return -ENOMEM;
	for (; a->n < it->nreqs; a->n++) {
		a->reqs[a->n].name = strdup(it->reqs[a->n].name);
		a->reqs[a->n].version = strdup(it->reqs[a->n].version);
		if (!a->reqs[a->n].name || !a->reqs[a->n].version) {
			a->n++;
			return -ENOMEM;
		}
	}
	return rules_ctx_copy(&a->ctx, &it->ctx);
}

/* ---------------- lists and macros ---------------- */

static void list_def_free(struct rules_list_def *l)
{
	free(l->name);
	strlist_free(&l->items);
	rules_ctx_free(&l->ctx);
}

static void macro_def_free(struct rules_macro_def *m)
{
	free(m->name);
	free(m->cond);
	rules_ctx_free(&m->ctx);
	rules_ctx_free(&m->cond_ctx);
}

static int collect_list(struct cctx *x, const struct rules_item *it)
{
	struct rules_collection *c = x->c;
	struct rules_list_def *prev = find_list(c, it->name);
	uint32_t id = c->next_index++;
	if (it->op == RULES_OP_APPEND) {
		if (!prev)
			return fail(x, &it->ctx, ERROR_NO_PREVIOUS_LIST);
		char **v = realloc(prev->items.v, (prev->items.n + it->items.n + 1) * sizeof(char *));
		if (!v)
			return -ENOMEM;
		prev->items.v = v;
		for (size_t i = 0; i < it->items.n; i++, prev->items.n++)
			if (!(v[prev->items.n] = strdup(it->items.v[i])))
				return -ENOMEM;
		prev->visibility = id;
		return 0;
	}
	struct rules_list_def d = { .index = prev ? prev->index : id, .visibility = id };
	if (!(d.name = strdup(it->name)) || strlist_copy(&d.items, &it->items) ||
	    rules_ctx_copy(&d.ctx, &it->ctx)) {
		list_def_free(&d);
		return -ENOMEM;
	}
	if (prev) {   /* redefinition: replaced in place */
		list_def_free(prev);
		*prev = d;
		return 0;
	}
	struct rules_list_def *v = grow_cap(c->lists, c->nlists, &c->cap_lists, sizeof(*v));
	if (!v) {
		list_def_free(&d);
		return -ENOMEM;
	}
	c->lists = v;
	v[c->nlists++] = d;
	return idx_add(&c->list_idx, c->lists, list_name, c->nlists);
}

static int collect_macro(struct cctx *x, const struct rules_item *it)
{
	struct rules_collection *c = x->c;
	struct rules_macro_def *prev = find_macro(c, it->name);
	uint32_t id = c->next_index++;
	if (it->op == RULES_OP_APPEND) {
		if (!prev)
			return fail(x, &it->ctx, ERROR_NO_PREVIOUS_MACRO);
		char *cond;
		if (asprintf(&cond, "%s %s", prev->cond, it->cond) < 0)
			return -ENOMEM;
		free(prev->cond);
		prev->cond = cond;
		prev->visibility = id;
		return 0;
	}
	struct rules_macro_def d = { .index = prev ? prev->index : id, .visibility = id };
	if (!(d.name = strdup(it->name)) || !(d.cond = strdup(it->cond)) ||
	    rules_ctx_copy(&d.ctx, &it->ctx) || rules_ctx_copy(&d.cond_ctx, &it->cond_ctx)) {
		macro_def_free(&d);
		return -ENOMEM;
	}
	if (prev) {
		macro_def_free(prev);
		*prev = d;
		return 0;
	}
	struct rules_macro_def *v = grow_cap(c->macros, c->nmacros, &c->cap_macros, sizeof(*v));
	if (!v) {
		macro_def_free(&d);
		return -ENOMEM;
	}
	c->macros = v;
	v[c->nmacros++] = d;
	return idx_add(&c->macro_idx, c->macros, macro_name, c->nmacros);
}

/* ---------------- rules ---------------- */

static void rule_def_free(struct rules_rule_def *r)
{
	free(r->name);
	free(r->cond);
	free(r->output);
	free(r->desc);
	free(r->source);
	strlist_free(&r->tags);
	for (size_t i = 0; i < r->nexceptions; i++)
		exception_free(&r->exceptions[i]);
	free(r->exceptions);
	rules_ctx_free(&r->ctx);
	rules_ctx_free(&r->cond_ctx);
	rules_ctx_free(&r->output_ctx);
}

static int add_exception(struct rules_rule_def *d, const struct rules_exception *e)
{
	struct rules_exception *v = grow(d->exceptions, d->nexceptions, sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->exceptions = v;
	int rc = exception_copy(&v[d->nexceptions], e);
	d->nexceptions++;   /* counted even when partial, so that free releases it */
	return rc;
}

static bool source_known(struct cctx *x, const char *source)
{
	const struct rules_collect_opts *o = &x->c->opts;
	return !o->source_known || o->source_known(source, o->ud);
}

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

static int define_rule(struct cctx *x, const struct rules_item *it)
{
	struct rules_collection *c = x->c;
	const struct rules_rule *r = &it->rule;
	struct rules_rule_def *prev;
	int rc = prev_rule(x, it, r->source, &prev);
	if (rc)
		return rc;
	struct rules_rule_def d = {
		.priority = r->priority, .enabled = r->enabled, .capture = r->capture,
		.capture_duration = r->capture_duration, .warn_evttypes = r->warn_evttypes,
		.skip_if_unknown_filter = r->skip_if_unknown_filter,
	};
	if (!(d.name = strdup(it->name)) || !(d.cond = dup0(r->cond)) || !(d.output = dup0(r->output)) ||
	    !(d.desc = dup0(r->desc)) || !(d.source = dup0(r->source)) || strlist_copy(&d.tags, &r->tags) ||
	    rules_ctx_copy(&d.ctx, &it->ctx) || rules_ctx_copy(&d.cond_ctx, &r->cond_ctx) ||
	    rules_ctx_copy(&d.output_ctx, &r->output_ctx))
		rc = -ENOMEM;
	if (!rc && !source_known(x, d.source)) {
		char msg[512];
		d.unknown_source = true;
		snprintf(msg, sizeof(msg), "Unknown source %s, skipping", d.source);
		rc = rules_result_warning(x->res, RULES_WARN_UNKNOWN_SOURCE, msg, &it->ctx);
	}
	for (size_t i = 0; !rc && i < r->nexceptions; i++) {
		if (!entry_valid(&r->exceptions[i].fields))
			rc = fail(x, &r->exceptions[i].ctx,
				  "Rule exception item must have fields property with a list of fields");
		else if (!(rc = add_exception(&d, &r->exceptions[i])))
			rc = validate_exception(x, d.unknown_source ? NULL : d.source,
						&d.exceptions[d.nexceptions - 1]);
	}
	if (rc) {
		rule_def_free(&d);
		return rc;
	}
	uint32_t id = c->next_index++;
	d.index = prev ? prev->index : id;
	d.visibility = id;
	if (prev) {
		rule_def_free(prev);
		*prev = d;
		return 0;
	}
	struct rules_rule_def *v = grow_cap(c->rules, c->nrules, &c->cap_rules, sizeof(*v));
	if (!v) {
		rule_def_free(&d);
		return -ENOMEM;
	}
	c->rules = v;
	v[c->nrules++] = d;
	return idx_add(&c->rule_idx, c->rules, rule_name, c->nrules);
}

/* `prev->field += " " + add` when `add` is non-empty. */
static int concat(char **field, const char *add)
{
	if (!add || !add[0])
		return 0;
	char *s;
	if (asprintf(&s, "%s %s", *field, add) < 0)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

static int merge_tags(struct cfg_strlist *tags, const struct cfg_strlist *add, bool replace)
{
	if (replace)
		strlist_free(tags);
	for (size_t i = 0; i < add->n; i++) {
		size_t at = 0;
		while (at < tags->n && strcmp(tags->v[at], add->v[i]) < 0)
			at++;
		if (at < tags->n && !strcmp(tags->v[at], add->v[i]))
			continue;   /* a set: sorted, each once */
		char **v = realloc(tags->v, (tags->n + 1) * sizeof(char *));
		if (!v)
			return -ENOMEM;
		tags->v = v;
		memmove(v + at + 1, v + at, (tags->n - at) * sizeof(char *));
		if (!(v[at] = strdup(add->v[i])))
			return -ENOMEM;
		tags->n++;
	}
	return 0;
}

static int append_exception(struct cctx *x, struct rules_rule_def *prev, const struct rules_exception *e)
{
	struct rules_exception *p = NULL;
	for (size_t i = 0; i < prev->nexceptions && !p; i++)
		if (!strcmp(prev->exceptions[i].name, e->name))
			p = &prev->exceptions[i];
	if (p) {
		if (entry_valid(&e->fields))
			return fail(x, &e->ctx, "Can not append exception fields to existing exception, only values");
		if (entry_valid(&e->comps))
			return fail(x, &e->ctx, "Can not append exception comps to existing exception, only values");
		return append_values(p, e);
	}
	if (!entry_valid(&e->fields))
		return fail(x, &e->ctx, "Rule exception must have fields property with a list of fields");
	if (!e->nvalues)
		return fail(x, &e->ctx, "Rule exception must have values property with a list of values");
	int rc = add_exception(prev, e);
	return rc ? rc : validate_exception(x, prev->unknown_source ? NULL : prev->source,
					     &prev->exceptions[prev->nexceptions - 1]);
}

static int append_rule(struct cctx *x, const struct rules_item *it)
{
	const struct rules_rule *r = &it->rule;
	struct rules_rule_def *prev;
	int rc = prev_rule(x, it, r->source, &prev);
	if (rc)
		return rc;
	if (!prev)
		return fail(x, &it->ctx, ERROR_NO_PREVIOUS_RULE_APPEND);
	if (!r->keys)
		return fail(x, &it->ctx, "Appended rule must have exceptions or condition property");
	if ((rc = concat(&prev->cond, r->cond)) || (rc = concat(&prev->output, r->output)) ||
	    (rc = concat(&prev->desc, r->desc)))
		return rc;
	if ((r->keys & RULES_K_TAGS) && (rc = merge_tags(&prev->tags, &r->tags, false)))
		return rc;
	for (size_t i = 0; i < r->nexceptions && !rc; i++)
		rc = append_exception(x, prev, &r->exceptions[i]);
	if (!rc)
		prev->visibility = x->c->next_index++;
	return rc;
}

static int replace_str(char **field, const char *with)
{
	char *s = strdup(with ? with : "");
	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

static int replace_rule(struct cctx *x, const struct rules_item *it)
{
	const struct rules_rule *r = &it->rule;
	struct rules_rule_def *prev;
	int rc = prev_rule(x, it, r->source, &prev);
	if (rc)
		return rc;
	if (!prev)
		return fail(x, &it->ctx, ERROR_NO_PREVIOUS_RULE_REPLACE);
	if (!r->keys)
		return fail(x, &it->ctx, "The rule must have at least one field that can be replaced");
	unsigned k = r->keys;
	if ((k & RULES_K_CONDITION) && (rc = replace_str(&prev->cond, r->cond)))
		return rc;
	if ((k & RULES_K_OUTPUT) && (rc = replace_str(&prev->output, r->output)))
		return rc;
	if ((k & RULES_K_DESC) && (rc = replace_str(&prev->desc, r->desc)))
		return rc;
	if ((k & RULES_K_TAGS) && (rc = merge_tags(&prev->tags, &r->tags, true)))
		return rc;
	if (k & RULES_K_EXCEPTIONS) {   /* replaced as given, without checks (as upstream) */
		for (size_t i = 0; i < prev->nexceptions; i++)
			exception_free(&prev->exceptions[i]);
		prev->nexceptions = 0;
		for (size_t i = 0; i < r->nexceptions && !rc; i++)
			rc = add_exception(prev, &r->exceptions[i]);
		if (rc)
			return rc;
	}
	if (k & RULES_K_PRIORITY)
		prev->priority = r->priority;
	if (k & RULES_K_CAPTURE)
		prev->capture = r->capture;
	if (k & RULES_K_CAPTURE_DURATION)
		prev->capture_duration = r->capture_duration;
	if (k & RULES_K_ENABLED)
		prev->enabled = r->enabled;
	if (k & RULES_K_WARN_EVTTYPES)
		prev->warn_evttypes = r->warn_evttypes;
	if (k & RULES_K_SKIP_IF_UNKNOWN_FILTER)
		prev->skip_if_unknown_filter = r->skip_if_unknown_filter;
	prev->visibility = x->c->next_index++;
	return 0;
}

static int collect_rule(struct cctx *x, const struct rules_item *it)
{
	switch (it->op) {
	case RULES_OP_DEFINE:
		return define_rule(x, it);
	case RULES_OP_APPEND:
		return append_rule(x, it);
	case RULES_OP_REPLACE:
		return replace_rule(x, it);
	case RULES_OP_ENABLE:
		break;
	}
	struct rules_rule_def *prev = find_rule(x->c, it->name);
	if (!prev)
		return fail(x, &it->ctx, "Rule has 'enabled' key but no rule by that name already exists");
	prev->enabled = it->rule.enabled;
	return 0;
}

/* ---------------- public ---------------- */

struct rules_collection *rules_collection_new(const struct rules_collect_opts *opts)
{
	struct rules_collection *c = calloc(1, sizeof(*c));
	if (c && opts)
		c->opts = *opts;
	if (c && !opts) {
		static const unsigned ours[3] = RULES_ENGINE_VERSION;
		memcpy(c->opts.engine_version, ours, sizeof(ours));
	}
	return c;
}

int rules_collect_item(struct rules_set *s, const struct rules_item *it, void *collection)
{
	struct cctx x = { .c = collection, .res = &s->results[it->file] };
	switch (it->kind) {
	case RULES_ITEM_ENGINE_VERSION:
		return collect_engine_version(&x, it);
	case RULES_ITEM_PLUGIN_VERSION:
		return collect_plugin_version(&x, it);
	case RULES_ITEM_LIST:
		return collect_list(&x, it);
	case RULES_ITEM_MACRO:
		return collect_macro(&x, it);
	case RULES_ITEM_RULE:
		return collect_rule(&x, it);
	}
	return 0;
}

void rules_collection_free(struct rules_collection *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nlists; i++)
		list_def_free(&c->lists[i]);
	free(c->lists);
	for (size_t i = 0; i < c->nmacros; i++)
		macro_def_free(&c->macros[i]);
	free(c->macros);
	for (size_t i = 0; i < c->nrules; i++)
		rule_def_free(&c->rules[i]);
	free(c->rules);
	for (size_t i = 0; i < c->nplugin_reqs; i++) {
		for (size_t k = 0; k < c->plugin_reqs[i].n; k++) {
			free(c->plugin_reqs[i].reqs[k].name);
			free(c->plugin_reqs[i].reqs[k].version);
		}
		free(c->plugin_reqs[i].reqs);
		rules_ctx_free(&c->plugin_reqs[i].ctx);
	}
	free(c->plugin_reqs);
	free(c->list_idx.slots);
	free(c->macro_idx.slots);
	free(c->rule_idx.slots);
	free(c);
}
