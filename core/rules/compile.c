/*
 * The compile stage: collected definitions -> parsed macros, compiled rule
 * conditions and outputs, warnings and errors in upstream's codes. The
 * rulesets (per-source event-type index) are built in ruleset.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "output/output.h"
#include "rules/engine_int.h"

#define MAX_DEPTH 1000   /* the rules loader's parser depth, as upstream */

/* ---------------- macros ---------------- */

struct lookup_ud {
	struct rules_engine *e;
	uint32_t limit;   /* macros with index below it are visible */
};

static const struct flt_node *macro_lookup(void *user, const char *name)
{
	struct lookup_ud *u = user;
	const struct rules_collection *c = u->e->coll;
	for (size_t i = 0; i < c->nmacros; i++) {
		if (strcmp(c->macros[i].name, name) || c->macros[i].index >= u->limit)
			continue;
		u->e->macro_used[i] = true;
		return u->e->macro_ast[i];
	}
	return NULL;
}

/* A condition error at a parser/compiler position inside `text`. */
static int cond_error(struct rules_result *res, int code, bool warn, const struct rules_ctx *parent,
		      const char *text, const struct flt_error *fe)
{
	struct rules_ctx ctx = { 0 };
	int rc = rules_ctx_condition(&ctx, parent, text, fe->pos.line, fe->pos.col, fe->pos.idx);
	if (!rc)
		rc = warn ? rules_result_warning(res, (enum rules_warn_code)code, fe->msg, &ctx)
			  : rules_result_error(res, (enum rules_err_code)code, fe->msg, &ctx);
	rules_ctx_free(&ctx);
	return rc;
}

/* Lists substituted, then parsed. NULL with the error recorded (or ENOMEM). */
static struct flt_node *parse_cond(struct rules_engine *e, const char *cond,
				   const struct rules_ctx *ctx, int *rc)
{
	char *text = rules_lists_resolve(&e->lists, cond);
	if (!text) {
		*rc = -ENOMEM;
		return NULL;
	}
	struct flt_parse_opts po = { .max_depth = MAX_DEPTH };
	struct flt_error fe = { 0 };
	struct flt_node *ast = flt_parse(text, &po, &fe, NULL);
	if (!ast) {
		*rc = cond_error(e->res, RULES_ERR_COMPILE_CONDITION, false, ctx, text, &fe);
		if (!*rc)
			*rc = -EINVAL;
	}
	free(text);
	return ast;
}

/* Every macro parsed; each then resolved against the macros visible to it
 * (a clone, only to find undefined references and loops). */
static int compile_macros(struct rules_engine *e)
{
	const struct rules_collection *c = e->coll;
	int rc = 0;
	for (size_t i = 0; i < c->nmacros && !rc; i++)
		e->macro_ast[i] = parse_cond(e, c->macros[i].cond, &c->macros[i].cond_ctx, &rc);
	for (size_t i = 0; i < c->nmacros && !rc; i++) {
		struct flt_node *copy = flt_node_clone(e->macro_ast[i]);
		if (!copy)
			return -ENOMEM;
		struct lookup_ud u = { e, c->macros[i].visibility };
		struct flt_error fe = { 0 };
		if (flt_expand_macros(&copy, macro_lookup, &u, &fe) < 0) {
			rc = cond_error(e->res, RULES_ERR_COMPILE_CONDITION, false, &c->macros[i].cond_ctx,
					c->macros[i].cond, &fe);
			if (!rc)
				rc = -EINVAL;
		}
		flt_node_free(copy);
	}
	return rc;
}

/* ---------------- rules ---------------- */

struct field_check {
	struct rules_engine *e;
	const struct rules_rule_def *r;
	int rc;
};

/* Upstream's deprecated fields: enter events are gone (evt.dir) and the
 * latencies they measured with them. */
static void deprecated_field(void *user, const struct flt_node *f)
{
	struct field_check *fc = user;
	const char *n = f->str;
	if (fc->rc || (strcmp(n, "evt.dir") && strncmp(n, "evt.latency", 11) && strcmp(n, "evt.wait_latency")))
		return;
	char msg[256];
	snprintf(msg, sizeof(msg), "field '%s' is deprecated and always empty: enter events are no "
		 "longer produced", n);
	fc->rc = rules_result_warning(fc->e->res, RULES_WARN_DEPRECATED_ITEM, msg, &fc->r->cond_ctx);
}

static bool is_unknown_field(const struct flt_error *fe)
{
	return fe->kind == FLT_E_FIELD;
}

/* Parses, resolves and compiles one rule's condition. 1: skipped (with a
 * warning), 0: compiled into cr, <0: error recorded. */
static int compile_condition(struct rules_engine *e, const struct rules_rule_def *r,
			     struct rules_crule *cr, struct flt_compiler *comp)
{
	char *cond = NULL;
	struct cfg_strlist fields = { 0 };
	int rc = rules_rule_condition(r, e->res, &cond, &fields);
	for (size_t i = 0; i < fields.n; i++)
		free(fields.v[i]);
	free(fields.v);
	if (rc)
		return rc;
	cr->cond_text = cond;
	struct flt_node *ast = parse_cond(e, cond, &r->cond_ctx, &rc);
	if (!ast)
		return rc;
	struct lookup_ud u = { e, UINT32_MAX };
	struct flt_error fe = { 0 };
	char *resolved = rules_lists_resolve(&e->lists, cond);
	if (!resolved) {
		flt_node_free(ast);
		return -ENOMEM;
	}
	if (flt_expand_macros(&ast, macro_lookup, &u, &fe) < 0) {
		rc = cond_error(e->res, RULES_ERR_COMPILE_CONDITION, false, &r->cond_ctx, resolved, &fe);
		rc = rc ? rc : -EINVAL;
		goto out;
	}
	struct field_check fc = { e, r, 0 };
	flt_foreach_field(ast, deprecated_field, &fc);
	if ((rc = fc.rc))
		goto out;
	if (flt_has_unsafe_na_check(ast) &&
	    (rc = rules_result_warning(e->res, RULES_WARN_UNSAFE_NA_CHECK,
				       "rule condition compares a field with <NA>, which may not match "
				       "as expected", &r->cond_ctx)))
		goto out;
	cr->prog = flt_compile(comp, ast, &fe);
	if (!cr->prog) {
		bool skip = r->skip_if_unknown_filter && is_unknown_field(&fe);
		rc = cond_error(e->res, skip ? RULES_WARN_UNKNOWN_FILTER : RULES_ERR_COMPILE_CONDITION, skip,
				&r->cond_ctx, resolved, &fe);
		rc = rc ? rc : skip ? 1 : -EINVAL;
		goto out;
	}
	int n = flt_event_types(ast, cr->types);
	if (n < 0) {
		rc = rules_result_error(e->res, RULES_ERR_COMPILE_CONDITION,
					"evt.type cannot be used under a transformer or compared to a field",
					&r->cond_ctx);
		rc = rc ? rc : -EINVAL;
		goto out;
	}
	cr->ntypes = (size_t)n;
	/* Upstream warns for syscall rules that match no type or nearly all. */
	if (!strcmp(r->source, "syscall") && r->warn_evttypes && (n == 0 || n > 100))
		rc = rules_result_warning(e->res, RULES_WARN_NO_EVTTYPE,
					  "Rule matches too many evt.type values. This has a significant "
					  "performance penalty.", &r->ctx);
out:
	free(resolved);
	flt_node_free(ast);
	return rc;
}

static int compile_output(struct rules_engine *e, const struct rules_rule_def *r,
			  struct rules_crule *cr, struct flt_compiler *comp, const struct fld_reg *reg)
{
	char err[512] = "";
	if (strstr(r->output, "%container.info") &&
	    rules_result_warning(e->res, RULES_WARN_DEPRECATED_ITEM,
				 "%container.info is deprecated and no longer does anything; it is "
				 "removed from the output", &r->output_ctx))
		return -ENOMEM;
	if (e->opts.mgr) {
		const char *tags[64];
		uint32_t nt = 0;
		for (size_t i = 0; i < r->tags.n && nt < 64; i++)
			tags[nt++] = r->tags.v[i];
		struct out_rule_desc d = { .name = r->name, .source = r->source, .output = r->output,
					   .priority = (enum out_priority)r->priority, .tags = tags,
					   .ntags = nt };
		cr->out = out_rule_compile(e->opts.mgr, comp, reg, &d, err, sizeof(err));
		if (cr->out)
			return 0;
	} else {
		struct out_fmt *f = out_fmt_compile(comp, reg, r->source, r->output, err, sizeof(err));
		if (f) {
			out_fmt_free(f);
			return 0;
		}
	}
	int rc = rules_result_error(e->res, RULES_ERR_COMPILE_OUTPUT, err, &r->output_ctx);
	return rc ? rc : -EINVAL;
}

static int compile_rule(struct rules_engine *e, size_t i)
{
	const struct rules_rule_def *r = &e->coll->rules[i];
	struct rules_crule *cr = &e->crules[i];
	cr->def = r;
	cr->src = rules_engine_source(e, r->source);
	if (r->unknown_source || cr->src < 0)
		return 0;
	struct flt_compiler *comp = e->comps[cr->src];
	int rc = compile_condition(e, r, cr, comp);
	if (rc)
		return rc > 0 ? 0 : rc;
	rc = compile_output(e, r, cr, comp, e->opts.sources[cr->src].reg);
	if (rc)
		return rc;
	cr->compiled = true;
	return 0;
}

/* Upstream's unused-item warnings, after every rule was resolved. */
static int warn_unused(struct rules_engine *e)
{
	const struct rules_collection *c = e->coll;
	int rc = 0;
	for (size_t i = 0; i < c->nmacros && !rc; i++)
		if (!e->macro_used[i])
			rc = rules_result_warning(e->res, RULES_WARN_UNUSED_MACRO,
						  "Macro not referred to by any other rule/macro",
						  &c->macros[i].ctx);
	for (size_t i = 0; i < e->lists.n && !rc; i++)
		if (!e->lists.v[i].used)
			rc = rules_result_warning(e->res, RULES_WARN_UNUSED_LIST,
						  "List not referred to by any other rule/macro",
						  &c->lists[i].ctx);
	return rc;
}

int rules_compile_all(struct rules_engine *e)
{
	const struct rules_collection *c = e->coll;
	int rc = rules_lists_expand(c, &e->lists);
	if (rc)
		return rc;
	if ((c->nmacros && (!(e->macro_ast = calloc(c->nmacros, sizeof(*e->macro_ast))) ||
			    !(e->macro_used = calloc(c->nmacros, sizeof(bool))))) ||
	    (c->nrules && !(e->crules = calloc(c->nrules, sizeof(*e->crules)))))
		return -ENOMEM;
	e->ncrules = c->nrules;
	if ((rc = compile_macros(e)))
		return rc;
	/* Lists referenced only from macros count as used: resolve each macro
	 * text once more is not needed, rules_lists_resolve marked them. */
	for (size_t i = 0; i < c->nrules && !rc; i++)
		rc = compile_rule(e, i);
	if (!rc)
		rc = warn_unused(e);
	return rc;
}
