/*
 * Facts about a condition tree for `falco -L` in JSON: the fields, operators,
 * macros, lists and event names it uses (as upstream's rules describer walks
 * its AST), the syscall codes it can match (the syscall-level twin of
 * flt_event_types), and the field tokens of an output format.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "filter/filter.h"

/* ---- string sets ---- */

int flt_strset_add(struct flt_strset *s, const char *v)
{
	if (flt_strset_has(s, v))
		return 0;
	return flt_strset_push(s, v);
}

int flt_strset_push(struct flt_strset *s, const char *v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		char **nv = realloc(s->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	if (!(s->v[s->n] = strdup(v)))
		return -ENOMEM;
	s->n++;
	return 0;
}

bool flt_strset_has(const struct flt_strset *s, const char *v)
{
	/* sets here hold a few dozen names: a linear search is enough */
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], v))
			return true;
	return false;
}

void flt_strset_free(struct flt_strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct flt_strset){ 0 };
}

void flt_details_free(struct flt_details *d)
{
	flt_strset_free(&d->fields);
	flt_strset_free(&d->operators);
	flt_strset_free(&d->macros);
	flt_strset_free(&d->lists);
	flt_strset_free(&d->evtnames);
	flt_strset_free(&d->transformers);
}

/* ---- the details walk ---- */

struct dwalk {
	const struct flt_details_opts *o;
	struct flt_details *d;
	bool expect_list, expect_evtname;
	const char *last_field;     /* the left side's field name, or NULL */
	char namebuf[512];
	int rc;
};

static void add(struct dwalk *w, struct flt_strset *s, const char *v)
{
	if (!w->rc)
		w->rc = flt_strset_add(s, v);
}

static void dvisit(struct dwalk *w, const struct flt_node *n);

/* "name" or "name[arg]" (an empty argument is left out, as upstream). */
static const char *field_name(struct dwalk *w, const struct flt_node *n)
{
	if (n->has_arg && n->arg && n->arg[0])
		snprintf(w->namebuf, sizeof(w->namebuf), "%s[%s]", n->str, n->arg);
	else
		snprintf(w->namebuf, sizeof(w->namebuf), "%s", n->str);
	return w->namebuf;
}

static void dvisit_check(struct dwalk *w, const struct flt_node *n)
{
	char left[512];
	w->last_field = NULL;
	w->expect_list = w->expect_evtname = false;
	dvisit(w, n->kids[0]);
	if (!w->last_field)
		return;   /* upstream throws; our parser never builds such a tree */
	snprintf(left, sizeof(left), "%s", w->last_field);
	add(w, &w->d->operators, n->str);
	if (n->kind == FLT_UNARY) {
		add(w, &w->d->fields, left);
		return;
	}
	w->expect_list = true;
	w->expect_evtname = !strcmp(left, "evt.type") || !strcmp(left, "evt.asynctype");
	dvisit(w, n->kids[1]);
	w->expect_list = w->expect_evtname = false;
}

static void dvisit(struct dwalk *w, const struct flt_node *n)
{
	if (w->rc)
		return;
	const struct flt_details_opts *o = w->o;
	switch (n->kind) {
	case FLT_AND:
	case FLT_OR:
	case FLT_NOT:
	case FLT_TLIST:
		for (uint32_t i = 0; i < n->nkids; i++)
			dvisit(w, n->kids[i]);
		return;
	case FLT_IDENT:
		if (o->is_macro && o->is_macro(o->ud, n->str))
			add(w, &w->d->macros, n->str);
		return;
	case FLT_VALUE:
		if (w->expect_evtname)
			add(w, &w->d->evtnames, n->str);
		return;
	case FLT_LIST:
		for (uint32_t i = 0; i < n->nvals; i++) {
			bool list = o->is_list && o->is_list(o->ud, n->vals[i].s);
			if (w->expect_list && list)
				add(w, &w->d->lists, n->vals[i].s);
			if (w->expect_evtname && !list)
				add(w, &w->d->evtnames, n->vals[i].s);
		}
		return;
	case FLT_UNARY:
	case FLT_BINARY:
		dvisit_check(w, n);
		return;
	case FLT_FIELD:
		w->last_field = field_name(w, n);
		add(w, &w->d->fields, w->last_field);
		return;
	case FLT_TRANSFORMER:
		add(w, &w->d->transformers, n->str);
		for (uint32_t i = 0; i < n->nkids; i++)
			dvisit(w, n->kids[i]);
		return;
	}
}

int flt_details_collect(const struct flt_node *ast, const struct flt_details_opts *o,
			struct flt_details *d)
{
	struct dwalk w = { .o = o, .d = d };
	dvisit(&w, ast);
	return w.rc;
}

/* ---- syscall codes of a condition ---- */

/*
 * The same walk as flt_event_types over the syscall universe: a name stands
 * for the syscalls producing its events, except the generic events, which
 * stand only for the syscalls so named (upstream's event_names_to_sc_set).
 */
static void sc_add_name(bool *s, const char *name)
{
	bool found = false;
	for (uint32_t c = 2; c < EV_CODE_MAX; c++) {
		const struct ev_info *ei = ev_info((uint16_t)c);
		if (!ei || !ei->name || strcmp(ei->name, name))
			continue;
		found = true;
		const uint16_t *sc = NULL;
		size_t n = ev_event_syscalls((uint16_t)c, &sc);
		for (size_t i = 0; i < n; i++)
			if (sc[i] < EV_SC_MAX)
				s[sc[i]] = true;
	}
	if (found)
		return;
	for (uint32_t sc = 0; sc < EV_SC_MAX; sc++) {
		const char *n = ev_syscall_name((uint16_t)sc);
		if (n && !strcmp(n, name))
			s[sc] = true;
	}
}

int flt_syscall_types(const struct flt_node *ast, bool set[EV_SC_MAX])
{
	return flt_type_pass(ast, set, EV_SC_MAX, sc_add_name);
}

/* ---- output tokens ---- */

struct otok {
	struct flt_strset *out;
	bool last_transformer;
	int rc;
};

/* As upstream's formatter registers tokens: each field, and a transformer
 * replacing the token of a transformer directly inside it. */
static void otok_visit(struct otok *t, const struct flt_node *n)
{
	if (t->rc)
		return;
	if (n->kind == FLT_FIELD || n->kind == FLT_TRANSFORMER) {
		if (n->kind == FLT_TRANSFORMER)
			for (uint32_t i = 0; i < n->nkids; i++)
				otok_visit(t, n->kids[i]);
		char *s = flt_node_str(n);
		if (!s) {
			t->rc = -ENOMEM;
			return;
		}
		if (n->kind == FLT_TRANSFORMER && t->last_transformer && t->out->n)
			free(t->out->v[--t->out->n]);
		t->rc = flt_strset_push(t->out, s);
		free(s);
		t->last_transformer = n->kind == FLT_TRANSFORMER;
	} else if (n->kind == FLT_TLIST) {
		for (uint32_t i = 0; i < n->nkids; i++)
			otok_visit(t, n->kids[i]);
	}
}

int flt_output_fields(const char *fmt, struct flt_strset *out)
{
	const char *p = fmt;
	if (*p == '*')
		p++;
	while ((p = strchr(p, '%'))) {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
		struct flt_error err;
		size_t used = 0;
		struct flt_node *n = flt_parse_field(p, &err, &used);
		if (!n)
			continue;   /* the rule compiled, so this is not a field token */
		struct otok t = { .out = out };
		otok_visit(&t, n);
		flt_node_free(n);
		if (t.rc)
			return t.rc;
		p += used;
	}
	return 0;
}
