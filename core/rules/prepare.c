/*
 * The text work upstream's rule compiler does before it parses anything:
 * list references inside lists expanded, list names replaced by their items
 * in condition text, exceptions turned into `and not (...)` clauses, and the
 * `append_output` additions to a rule's output. The filter compiler takes
 * the resulting texts from here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"

/* A growable string; `s` belongs to the holder. */
struct buf {
	char *s;
	size_t len, cap;
	int err;
};

static void put(struct buf *b, const char *p, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->err = -ENOMEM;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static char *finish(struct buf *b)
{
	if (!b->err && !b->s)
		puts_(b, "");
	if (b->err) {
		free(b->s);
		return NULL;
	}
	return b->s;
}

/* Upstream's quoting of list items and exception values: an item with a
 * space that does not start with a quote is wrapped in double quotes. */
static void put_quoted(struct buf *b, const char *item)
{
	bool q = strchr(item, ' ') && item[0] != '"' && item[0] != '\'';
	if (q)
		puts_(b, "\"");
	puts_(b, item);
	if (q)
		puts_(b, "\"");
}

/* ---------------- lists ---------------- */

static const char delims_all[] = " \t\n\r(),=";

static uint64_t hash_name(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* The list whose (delimiter-free) name is s[0..n), or -1. */
static long name_lookup(const struct rules_lists *l, const char *s, size_t n)
{
	const struct rules_name_index *x = &l->index;
	if (!x->cap)
		return -1;
	for (size_t h = hash_name(s, n) & (x->cap - 1);; h = (h + 1) & (x->cap - 1)) {
		if (!x->slots[h])
			return -1;
		const char *name = l->v[x->slots[h] - 1].name;
		if (!strncmp(name, s, n) && !name[n])
			return (long)x->slots[h] - 1;
	}
}

/* Indexes every list name; a later list with the same name cannot occur (the
 * collection holds one per name). Names holding a delimiter can match
 * across tokens, so they are kept apart and always tried. */
static int index_names(struct rules_lists *l)
{
	size_t cap = 64;
	while (cap < l->n * 2)
		cap *= 2;
	l->index.slots = calloc(cap, sizeof(uint32_t));
	l->slow = calloc(l->n + 1, sizeof(uint32_t));
	if (!l->index.slots || !l->slow)
		return -ENOMEM;
	l->index.cap = cap;
	for (size_t i = 0; i < l->n; i++) {
		const char *name = l->v[i].name;
		if (!name[0] || strpbrk(name, delims_all)) {
			l->slow[l->nslow++] = (uint32_t)i;
			continue;
		}
		size_t h = hash_name(name, strlen(name)) & (cap - 1);
		while (l->index.slots[h])
			h = (h + 1) & (cap - 1);
		l->index.slots[h] = (uint32_t)i + 1;
	}
	return 0;
}

void rules_lists_free(struct rules_lists *l)
{
	free(l->index.slots);
	free(l->slow);
	for (size_t i = 0; i < l->n; i++) {
		for (size_t k = 0; k < l->v[i].items.n; k++)
			free(l->v[i].items.v[k]);
		free(l->v[i].items.v);
	}
	free(l->v);
	*l = (struct rules_lists){ 0 };
}

static int add_item(struct cfg_strlist *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(char *));
	if (!v)
		return -ENOMEM;
	l->v = v;
	if (!(v[l->n] = strdup(s)))
		return -ENOMEM;
	l->n++;
	return 0;
}

/* An item naming a list defined before this list's last change is replaced
 * by that list's items as written (one level, as upstream). */
int rules_lists_expand(const struct rules_collection *c, struct rules_lists *out)
{
	*out = (struct rules_lists){ 0 };
	if (c->nlists && !(out->v = calloc(c->nlists, sizeof(*out->v))))
		return -ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < c->nlists && !rc; i++, out->n++) {
		const struct rules_list_def *l = &c->lists[i];
		out->v[i].name = l->name;
		for (size_t k = 0; k < l->items.n && !rc; k++) {
			const struct rules_list_def *ref = rules_find_list(c, l->items.v[k]);
			if (!ref || ref->index >= l->visibility) {
				rc = add_item(&out->v[i].items, l->items.v[k]);
				continue;
			}
			out->v[ref - c->lists].used = true;
			for (size_t j = 0; j < ref->items.n && !rc; j++)
				rc = add_item(&out->v[i].items, ref->items.v[j]);
		}
	}
	if (!rc)
		rc = index_names(out);
	if (rc)
		rules_lists_free(out);
	return rc;
}

static bool in(const char *set, char c)
{
	return c && strchr(set, c);
}

/* One list's name replaced by its items wherever it stands alone between
 * delimiters; returns whether it was found. Follows upstream's
 * resolve_list, blanks and comma handling included. */
static int resolve_one(char **cond, const struct rules_list *l, bool *used)
{
	static const char blanks[] = " \t\n\r", delims[] = " \t\n\r(),=";
	size_t nlen = strlen(l->name);
	char *cnd = *cond;
	char *hit = nlen ? strstr(cnd, l->name) : NULL;
	while (hit) {
		size_t len = strlen(cnd), start = (size_t)(hit - cnd), end = start + nlen;
		size_t next = start + 1;
		if ((start == 0 || in(delims, cnd[start - 1])) && (end >= len || in(delims, cnd[end]))) {
			while (start > 0 && in(blanks, cnd[start - 1]))
				start--;
			while (end < len && in(blanks, cnd[end]))
				end++;
			struct buf sub = { 0 };
			for (size_t i = 0; i < l->items.n; i++) {
				if (i)
					puts_(&sub, ", ");
				put_quoted(&sub, l->items.v[i]);
			}
			size_t sublen = sub.len;
			if (!sublen) {
				if (start > 0 && cnd[start - 1] == ',')
					start--;
				else if (end < len && cnd[end] == ',')
					end++;
			}
			struct buf nc = { 0 };
			if (start > 0) {
				put(&nc, cnd, start);
				puts_(&nc, " ");
			}
			put(&nc, sub.s ? sub.s : "", sublen);
			puts_(&nc, " ");
			if (end <= len)
				puts_(&nc, cnd + end);
			free(sub.s);
			char *s = finish(&nc);
			if (!s || sub.err)
				return -ENOMEM;
			free(cnd);
			*cond = cnd = s;
			*used = true;
			next = start + sublen + 1 + 1;
		}
		hit = next <= strlen(cnd) ? strstr(cnd + next, l->name) : NULL;
	}
	return 0;
}

/* The lowest list index >= `from` that can change `text`: a list whose name
 * is one of the text's delimiter-separated tokens, or a slow list. Upstream
 * tries every list in turn; a list whose name is not a token would change
 * nothing, so skipping it gives the same text and the same `used` flags. */
static long next_candidate(const struct rules_lists *l, const char *text, size_t from)
{
	long best = -1;
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, delims_all);
		if (n) {
			long i = name_lookup(l, p, n);
			if (i >= (long)from && (best < 0 || i < best))
				best = i;
		}
		p += n;
		if (*p)
			p++;
	}
	for (size_t k = 0; k < l->nslow; k++)
		if (l->slow[k] >= from && (best < 0 || (long)l->slow[k] < best)) {
			best = l->slow[k];
			break;
		}
	return best;
}

char *rules_lists_resolve(struct rules_lists *lists, const char *cond)
{
	if (lists->n && !lists->index.cap && index_names(lists))   /* built by hand */
		return NULL;
	char *s = strdup(cond);
	for (long i = s ? next_candidate(lists, s, 0) : -1; i >= 0; i = next_candidate(lists, s, (size_t)i + 1)) {
		bool used = false;
		if (resolve_one(&s, &lists->v[i], &used)) {
			free(s);
			return NULL;
		}
		lists->v[i].used |= used;
	}
	return s;
}

/* ---------------- exceptions ---------------- */

static bool list_operator(const char *op)
{
	static const char *const base[] = { "=", "==", "!=", "contains", "icontains", "bcontains",
		"startswith", "bstartswith", "endswith", "glob", "iglob", "regex", NULL };
	if (!strcmp(op, "in") || !strcmp(op, "intersects") || !strcmp(op, "pmatch"))
		return true;
	const char *sp = strchr(op, ' ');   /* `startswith oneof` takes a list too */
	if (!sp || (strcmp(sp + 1, "oneof") && strcmp(sp + 1, "anyof") && strcmp(sp + 1, "allof")))
		return false;
	for (const char *const *b = base; *b; b++)
		if (strlen(*b) == (size_t)(sp - op) && !strncmp(*b, op, (size_t)(sp - op)))
			return true;
	return false;
}

static int add_field(struct cfg_strlist *fields, const char *f)
{
	for (size_t i = 0; i < fields->n; i++)
		if (!strcmp(fields->v[i], f))
			return 0;
	return add_item(fields, f);
}

static const char *txt(const char *s)
{
	return s ? s : "";
}

/* `(field comp (v1, v2))` for a single-field exception. */
static int scalar_exception(const struct rules_exception *e, struct buf *b, struct cfg_strlist *fields,
			    struct rules_result *res)
{
	for (size_t i = 0; i < e->nvalues; i++) {
		if (e->values[i].is_list)
			return rules_result_error(res, RULES_ERR_VALIDATE,
						  "Expected values array to contain a list of strings", &e->ctx)
				       ? -ENOMEM : -EINVAL;
		if (!i) {
			puts_(b, "(");
			puts_(b, txt(e->fields.item));
			puts_(b, " ");
			puts_(b, txt(e->comps.item));
			puts_(b, " (");
		} else {
			puts_(b, ", ");
		}
		if (add_field(fields, txt(e->fields.item)))
			return -ENOMEM;
		put_quoted(b, txt(e->values[i].item));
	}
	if (e->nvalues)
		puts_(b, "))");
	return 0;
}

/* `((f1 c1 v1 and f2 c2 v2) or (...))` for a list-of-fields exception. */
static int list_exception(const struct rules_exception *e, struct buf *b, struct cfg_strlist *fields,
			  struct rules_result *res)
{
	puts_(b, "(");
	for (size_t i = 0; i < e->nvalues; i++) {
		const struct rules_exc_entry *v = &e->values[i];
		if (e->fields.n != v->n)
			return rules_result_error(res, RULES_ERR_VALIDATE,
						  "Fields and values lists must have equal length", &e->ctx)
				       ? -ENOMEM : -EINVAL;
		puts_(b, i ? " or (" : "(");
		for (size_t k = 0; k < e->fields.n; k++) {
			/* Replaced exceptions are not validated upstream: guard missing comps. */
			const char *comp = e->comps.is_list && k < e->comps.n ? txt(e->comps.items[k].item) : "=";
			puts_(b, k ? " and " : "");
			puts_(b, " ");
			puts_(b, txt(e->fields.items[k].item));
			puts_(b, " ");
			puts_(b, comp);
			puts_(b, " ");
			if (v->items[k].is_list) {
				puts_(b, "(");
				for (size_t j = 0; j < v->items[k].n; j++) {
					if (j)
						puts_(b, ", ");
					put_quoted(b, txt(v->items[k].items[j].item));
				}
				puts_(b, ")");
			} else if (list_operator(comp)) {
				const char *item = txt(v->items[k].item);
				bool wrap = item[0] != '(';
				puts_(b, wrap ? "(" : "");
				puts_(b, item);
				puts_(b, wrap ? ")" : "");
			} else {
				put_quoted(b, txt(v->items[k].item));
			}
			if (add_field(fields, txt(e->fields.items[k].item)))
				return -ENOMEM;
		}
		puts_(b, ")");
	}
	puts_(b, ")");
	return 0;
}

int rules_rule_condition(const struct rules_rule_def *r, struct rules_result *res, char **out,
			 struct cfg_strlist *fields)
{
	struct buf b = { 0 };
	*out = NULL;
	if (!r->nexceptions)
		return (*out = strdup(txt(r->cond))) ? 0 : -ENOMEM;
	puts_(&b, "(");
	puts_(&b, txt(r->cond));
	puts_(&b, ")");
	for (size_t i = 0; i < r->nexceptions; i++) {
		const struct rules_exception *e = &r->exceptions[i];
		struct buf ic = { 0 };
		int rc = e->fields.is_list ? list_exception(e, &ic, fields, res)
					   : scalar_exception(e, &ic, fields, res);
		if (rc || ic.err) {
			free(ic.s);
			free(b.s);
			return rc ? rc : -ENOMEM;
		}
		/* An exception without values adds nothing. */
		if (ic.s && ic.len && strcmp(ic.s, "()")) {
			puts_(&b, " and not ");
			puts_(&b, ic.s);
		}
		free(ic.s);
	}
	*out = finish(&b);
	return *out ? 0 : -ENOMEM;
}

/* ---------------- outputs ---------------- */

static bool matches(const struct rules_rule_def *r, const char *source, const char *rule,
		    const struct cfg_strlist *tags)
{
	if (source && source[0] && strcmp(r->source, source))
		return false;
	if (rule && rule[0] && strcmp(r->name, rule))
		return false;
	for (size_t i = 0; tags && i < tags->n; i++) {
		bool found = false;
		for (size_t k = 0; k < r->tags.n && !found; k++)
			found = !strcmp(r->tags.v[k], tags->v[i]);
		if (!found)
			return false;
	}
	return true;
}

#define CONTAINER_INFO "%container.info"

int rules_rule_output(const struct rules_rule_def *r, const struct rules_extra_format *extra,
		      size_t nextra, struct rules_result *res, char **out)
{
	struct buf b = { 0 };
	puts_(&b, txt(r->output));
	for (size_t i = 0; i < nextra; i++) {
		if (!matches(r, extra[i].source, extra[i].rule, extra[i].tags))
			continue;
		puts_(&b, " ");
		puts_(&b, txt(extra[i].format));
	}
	char *s = finish(&b);
	if (!s)
		return -ENOMEM;
	if (strstr(s, CONTAINER_INFO)) {
		if (rules_result_warning(res, RULES_WARN_DEPRECATED_ITEM,
					 "%container.info is deprecated and no more useful, and will be dropped "
					 "by Falco 1.0.0. The container plugin will automatically add required "
					 "fields to the output message.", &r->ctx)) {
			free(s);
			return -ENOMEM;
		}
		/* Every occurrence is removed. */
		char *p;
		while ((p = strstr(s, CONTAINER_INFO)) != NULL)
			memmove(p, p + strlen(CONTAINER_INFO), strlen(p + strlen(CONTAINER_INFO)) + 1);
	}
	*out = s;
	return 0;
}

bool rules_extra_applies(const struct rules_rule_def *r, const char *source, const char *rule,
			 const struct cfg_strlist *tags)
{
	return matches(r, source, rule, tags);
}
