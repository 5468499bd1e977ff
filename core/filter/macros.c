/*
 * Helpers for the rules loader: macro substitution on trees, list
 * substitution on condition text, and event-type derivation.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"

/* ---- macros ---- */

struct mstate {
	flt_macro_fn lookup;
	void *user;
	struct flt_error *err;
	const char *path[256]; /* macros being expanded, for loop detection */
	uint32_t depth;
	int rc;
};

static void merr(struct mstate *m, const struct flt_node *n, const char *fmt, const char *name)
{
	if (m->rc)
		return;
	m->rc = -EINVAL;
	if (m->err) {
		m->err->pos = n->pos;
		m->err->kind = FLT_E_MACRO;
		snprintf(m->err->msg, sizeof m->err->msg, fmt, name);
	}
}

static void expand(struct mstate *m, struct flt_node **np)
{
	struct flt_node *n = *np;
	if (m->rc)
		return;
	if (n->kind == FLT_AND || n->kind == FLT_OR || n->kind == FLT_NOT) {
		for (uint32_t i = 0; i < n->nkids && !m->rc; i++)
			expand(m, &n->kids[i]);
		return;
	}
	if (n->kind != FLT_IDENT)
		return;
	const struct flt_node *def = m->lookup(m->user, n->str);
	if (!def) {
		merr(m, n, "Undefined macro '%s' used in filter.", n->str);
		return;
	}
	for (uint32_t i = 0; i < m->depth; i++) {
		if (strcmp(m->path[i], n->str) == 0) {
			merr(m, n, "reference loop in macro '%s'", n->str);
			return;
		}
	}
	if (m->depth == sizeof m->path / sizeof m->path[0]) {
		merr(m, n, "macro nesting too deep at '%s'", n->str);
		return;
	}
	struct flt_node *copy = flt_node_clone(def);
	if (!copy) {
		m->rc = -ENOMEM;
		return;
	}
	m->path[m->depth++] = n->str;
	expand(m, &copy);
	m->depth--;
	if (m->rc) {
		flt_node_free(copy);
		return;
	}
	*np = copy;
	flt_node_free(n);
}

int flt_expand_macros(struct flt_node **root, flt_macro_fn lookup, void *user,
                      struct flt_error *err)
{
	struct mstate m = {.lookup = lookup, .user = user, .err = err};
	expand(&m, root);
	return m.rc;
}

/* ---- lists ---- */

static bool is_delim(char c)
{
	return c && strchr(" \t\n\r(),=", c) != NULL;
}

static bool is_blank(char c)
{
	return c && strchr(" \t\n\r", c) != NULL;
}

/* Items joined with ", "; an item containing a space is double-quoted
 * unless it starts with a quote. */
static char *join_items(const char *const *items, uint32_t n)
{
	size_t len = 1;
	for (uint32_t i = 0; i < n; i++)
		len += strlen(items[i]) + 4;
	char *s = malloc(len);
	if (!s)
		return NULL;
	size_t o = 0;
	for (uint32_t i = 0; i < n; i++) {
		const char *it = items[i];
		bool q = strchr(it, ' ') && it[0] != '"' && it[0] != '\'';
		o += (size_t)snprintf(s + o, len - o, "%s%s%s%s", i ? ", " : "", q ? "\"" : "", it,
		                      q ? "\"" : "");
	}
	s[o] = '\0';
	return s;
}

char *flt_expand_list(const char *cond, const char *name, const char *const *items,
                      uint32_t nitems, bool *used)
{
	char *cnd = strdup(cond);
	char *sub = join_items(items, nitems);
	size_t nl = strlen(name), sl;
	if (!cnd || !sub || nl == 0)
		goto out;
	sl = strlen(sub);
	char *hit = strstr(cnd, name);
	while (hit) {
		size_t len = strlen(cnd), start = (size_t)(hit - cnd), end = start + nl;
		if ((start == 0 || is_delim(cnd[start - 1])) && (end >= len || is_delim(cnd[end]))) {
			while (start > 0 && is_blank(cnd[start - 1]))
				start--;
			while (end < len && is_blank(cnd[end]))
				end++;
			if (sl == 0) {
				if (start > 0 && cnd[start - 1] == ',')
					start--;
				else if (end < len && cnd[end] == ',')
					end++;
			}
			/* prefix + " " (when there is one) + items + " " + suffix */
			size_t nlen = start + 1 + sl + 1 + (len - end) + 1;
			char *n = malloc(nlen);
			if (!n) {
				free(cnd);
				cnd = NULL;
				goto out;
			}
			size_t o = 0;
			if (start > 0) {
				memcpy(n, cnd, start);
				o = start;
				n[o++] = ' ';
			}
			memcpy(n + o, sub, sl);
			o += sl;
			n[o++] = ' ';
			memcpy(n + o, cnd + end, len - end);
			o += len - end;
			n[o] = '\0';
			free(cnd);
			cnd = n;
			start += sl + 1;
			if (used)
				*used = true;
			hit = cnd + start;
		}
		hit = start + 1 <= strlen(cnd) ? strstr(cnd + start + 1, name) : NULL;
	}
out:
	free(sub);
	return cnd;
}

/* ---- event types ---- */

/* One walk serves two universes: event codes (flt_event_types) and
 * syscall codes (flt_syscall_types, for -L's details); they differ only in
 * the set's size and in what a name given to evt.type adds to it. */
struct tstate {
	bool neg;          /* inside an odd number of `not` */
	bool has_codes;    /* the last leaf named event types */
	bool is_type_field;
	bool is_field;
	int rc;
	uint32_t nset;     /* entries of every set */
	flt_type_name_fn add_name;
};

static void set_all(struct tstate *t, bool *s, bool v)
{
	for (uint32_t i = 0; i < t->nset; i++)
		s[i] = v;
}

static void invert(struct tstate *t, bool *s)
{
	if (t->has_codes)
		for (uint32_t i = 0; i < t->nset; i++)
			s[i] = !s[i];
}

static void try_invert(struct tstate *t, bool *s)
{
	if (t->neg)
		invert(t, s);
}

/* Upstream's names_to_event_set for one name: event names, then the async
 * names plugins declared (aliases of the async event code), then syscalls
 * (generic events). */
static void add_event_name(bool *s, const char *name)
{
	bool found = false;
	for (uint32_t c = 2; c < EV_CODE_MAX; c++) {
		const struct ev_info *ei = ev_info((uint16_t)c);
		if (ei && ei->name && strcmp(ei->name, name) == 0) {
			s[c] = true;
			found = true;
		}
	}
	if (fld_async_name_known(name, strlen(name))) {
		s[EV_ASYNCEVENT_E] = true;
		found = true;
	}
	if (found)
		return;
	for (uint32_t sc = 0; sc < EV_SC_MAX; sc++) {
		const char *n = ev_syscall_name((uint16_t)sc);
		if (n && strcmp(n, name) == 0) {
			s[EV_GENERIC_E] = s[EV_GENERIC_X] = true;
			return;
		}
	}
}

enum inv { INV_NONE, INV_EMPTY, INV_ALL };

static bool parse_u64(const char *s, uint64_t *v)
{
	char t;
	return sscanf(s, "%" SCNu64 "%c", v, &t) == 1;
}

/* evt.num >= 1 always: some checks on it are known to fail or hold. */
static enum inv evt_num_invariant(const struct flt_node *e)
{
	const struct flt_node *f = e->kids[0], *r = e->kids[1];
	if (f->kind != FLT_FIELD || strcmp(f->str, "evt.num") != 0 || f->has_arg)
		return INV_NONE;
	const char *op = e->str;
	uint64_t n;
	if (strcmp(op, "in") == 0) {
		if (r->kind != FLT_LIST)
			return INV_NONE;
		for (uint32_t i = 0; i < r->nvals; i++)
			if (!parse_u64(r->vals[i].s, &n) || n != 0)
				return INV_NONE;
		return INV_EMPTY;
	}
	if (r->kind != FLT_VALUE || !parse_u64(r->str, &n))
		return INV_NONE;
	if (!strcmp(op, "=") || !strcmp(op, "=="))
		return n == 0 ? INV_EMPTY : INV_NONE;
	if (!strcmp(op, "!="))
		return n == 0 ? INV_ALL : INV_NONE;
	if (!strcmp(op, "<"))
		return n <= 1 ? INV_EMPTY : INV_NONE;
	if (!strcmp(op, "<="))
		return n == 0 ? INV_EMPTY : INV_NONE;
	if (!strcmp(op, ">"))
		return n == 0 ? INV_ALL : INV_NONE;
	if (!strcmp(op, ">="))
		return n <= 1 ? INV_ALL : INV_NONE;
	return INV_NONE;
}

static void visit(struct tstate *t, const struct flt_node *n, bool *out);

static void visit_value_side(struct tstate *t, const struct flt_node *n, bool *out)
{
	if (n->kind == FLT_FIELD) {
		t->has_codes = false;
		t->is_field = true;
		t->is_type_field = (!strcmp(n->str, "evt.type") || !strcmp(n->str, "syscall.type")) &&
		                   !n->has_arg;
		set_all(t, out, true);
		try_invert(t, out);
	} else if (n->kind == FLT_TRANSFORMER || n->kind == FLT_TLIST) {
		for (uint32_t i = 0; i < n->nkids; i++) {
			visit_value_side(t, n->kids[i], out);
			if (n->kind == FLT_TRANSFORMER && t->is_type_field) {
				t->rc = -EINVAL;
				return;
			}
		}
		t->is_field = true;
	} else if (n->kind == FLT_VALUE || n->kind == FLT_LIST) {
		t->has_codes = true;
		set_all(t, out, false);
		if (n->kind == FLT_VALUE)
			t->add_name(out, n->str);
		for (uint32_t i = 0; i < n->nvals; i++)
			t->add_name(out, n->vals[i].s);
		t->is_type_field = false;
		try_invert(t, out);
	}
}

static void visit_binary(struct tstate *t, const struct flt_node *n, bool *out)
{
	t->has_codes = false;
	enum inv iv = evt_num_invariant(n);
	if (iv != INV_NONE) {
		set_all(t, out, iv == INV_ALL);
		t->has_codes = true;
		t->is_type_field = false;
		try_invert(t, out);
		return;
	}
	const char *op = n->str;
	if (!strcmp(op, "=") || !strcmp(op, "==") || !strcmp(op, "!=") || !strcmp(op, "in")) {
		visit_value_side(t, n->kids[0], out);
		if (t->is_type_field) {
			t->is_field = false;
			visit_value_side(t, n->kids[1], out);
			if (t->is_field) {
				t->rc = -EINVAL;
				return;
			}
			if (!strcmp(op, "!="))
				invert(t, out);
			t->is_type_field = false;
			return;
		}
	}
	set_all(t, out, true);
	t->is_type_field = false;
	try_invert(t, out);
}

static void visit(struct tstate *t, const struct flt_node *n, bool *out)
{
	if (t->rc)
		return;
	switch (n->kind) {
	case FLT_AND:
	case FLT_OR: {
		bool conj = (n->kind == FLT_AND) != t->neg;
		bool *tmp = malloc(t->nset);
		if (!tmp) {
			t->rc = -ENOMEM;
			return;
		}
		set_all(t, out, conj);
		for (uint32_t i = 0; i < n->nkids && !t->rc; i++) {
			visit(t, n->kids[i], tmp);
			for (uint32_t c = 0; c < t->nset; c++)
				out[c] = conj ? out[c] && tmp[c] : out[c] || tmp[c];
		}
		free(tmp);
		t->is_type_field = false;
		return;
	}
	case FLT_NOT:
		t->neg = !t->neg;
		visit(t, n->kids[0], out);
		t->neg = !t->neg;
		t->is_type_field = false;
		return;
	case FLT_BINARY:
		visit_binary(t, n, out);
		return;
	case FLT_UNARY:
		visit_value_side(t, n->kids[0], out);
		t->has_codes = t->is_type_field && !strcmp(n->str, "exists");
		set_all(t, out, true);
		t->is_type_field = false;
		try_invert(t, out);
		return;
	default:
		t->has_codes = false;
		set_all(t, out, true);
		t->is_type_field = false;
		try_invert(t, out);
		return;
	}
}

int flt_type_pass(const struct flt_node *ast, bool *set, uint32_t nset, flt_type_name_fn add_name)
{
	struct tstate t = {.nset = nset, .add_name = add_name};
	visit(&t, ast, set);
	if (t.rc)
		return t.rc;
	int n = 0;
	for (uint32_t c = 0; c < nset; c++)
		n += set[c];
	return n;
}

int flt_event_types(const struct flt_node *ast, bool set[EV_CODE_MAX])
{
	return flt_type_pass(ast, set, EV_CODE_MAX, add_event_name);
}

/* ---- walks for the rules loader's warnings ---- */

void flt_foreach_field(const struct flt_node *n,
                       void (*fn)(void *user, const struct flt_node *field), void *user)
{
	if (n->kind == FLT_FIELD)
		fn(user, n);
	for (uint32_t i = 0; i < n->nkids; i++)
		flt_foreach_field(n->kids[i], fn, user);
}

static bool unsafe_field(const struct flt_node *n)
{
	return n->kind == FLT_FIELD && (!strncmp(n->str, "ka.", 3) || !strncmp(n->str, "jevt.", 5));
}

static bool has_na(const struct flt_node *r)
{
	if (r->kind == FLT_VALUE)
		return !strcmp(r->str, "<NA>");
	for (uint32_t i = 0; r->kind == FLT_LIST && i < r->nvals; i++)
		if (!strcmp(r->vals[i].s, "<NA>"))
			return true;
	return false;
}

bool flt_has_unsafe_na_check(const struct flt_node *n)
{
	static const char *const eq[] = {"==", "=", "!=", "in", "intersects", "pmatch", NULL};
	if (n->kind == FLT_BINARY && unsafe_field(n->kids[0])) {
		for (const char *const *o = eq; *o; o++)
			if (!strcmp(n->str, *o) && has_na(n->kids[1]))
				return true;
	}
	for (uint32_t i = 0; i < n->nkids; i++)
		if (n->kind != FLT_BINARY && flt_has_unsafe_na_check(n->kids[i]))
			return true;
	return false;
}
