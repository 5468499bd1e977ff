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
	if (!rc)
		rc = rules_result_set_alt(res, warn, text);
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

/* Every macro parsed, then each resolved in place, in order, against the
 * macros visible to it (index below its visibility), as upstream: later
 * macros see the resolved trees. Errors name the macro with its raw text. */
static int compile_macros(struct rules_engine *e)
{
	const struct rules_collection *c = e->coll;
	int rc = 0;
	for (size_t i = 0; i < c->nmacros && !rc; i++)
		e->macro_ast[i] = parse_cond(e, c->macros[i].cond, &c->macros[i].cond_ctx, &rc);
	for (size_t i = 0; i < c->nmacros && !rc; i++) {
		struct lookup_ud u = { e, c->macros[i].visibility };
		struct flt_error fe = { 0 };
		if (flt_expand_macros(&e->macro_ast[i], macro_lookup, &u, &fe) < 0) {
			rc = cond_error(e->res, RULES_ERR_COMPILE_CONDITION, false, &c->macros[i].ctx,
					c->macros[i].cond, &fe);
			if (!rc)
				rc = -EINVAL;
		}
	}
	return rc;
}

/* ---------------- rules ---------------- */

/* Upstream's deprecated fields: enter events are gone (evt.dir) and so are
 * the latencies measured with them. */
static const char *const deprecated[] = { "evt.dir", "evt.latency", "evt.latency.s", "evt.latency.ns",
					  "evt.latency.human", "evt.wait_latency" };
#define NDEPRECATED (sizeof(deprecated) / sizeof(deprecated[0]))

static const char *deprecated_desc(size_t i)
{
	return i == 0 ? "due to the drop of enter events, 'evt.dir = <' always evaluates to true, and "
			"'evt.dir = >' always evaluates to false. The rule expression can be simplified "
			"by removing the condition on 'evt.dir'"
		      : "field is not available due to the drop of enter events.";
}

static void find_deprecated(void *user, const struct flt_node *f)
{
	bool *seen = user;
	for (size_t i = 0; i < NDEPRECATED; i++)
		if (!strcmp(f->str, deprecated[i]))
			seen[i] = true;
}

/* The warning resolver's pass over a resolved condition: deprecated fields
 * and unsafe <NA> comparisons, at the start of the condition text. */
static int condition_warnings(struct rules_engine *e, const struct flt_node *ast, const char *text,
			      const struct rules_ctx *cond_ctx)
{
	bool seen[NDEPRECATED] = { false };
	flt_foreach_field(ast, find_deprecated, seen);
	struct flt_error at0 = { .pos = { 0, 0, 0 } };
	int rc = 0;
	for (size_t i = 0; i < NDEPRECATED && !rc; i++) {
		if (!seen[i])
			continue;
		snprintf(at0.msg, sizeof(at0.msg), "%s", deprecated_desc(i));
		rc = cond_error(e->res, RULES_WARN_DEPRECATED_ITEM, true, cond_ctx, text, &at0);
	}
	if (!rc && flt_has_unsafe_na_check(ast)) {
		at0.msg[0] = 0;
		rc = cond_error(e->res, RULES_WARN_UNSAFE_NA_CHECK, true, cond_ctx, text, &at0);
	}
	return rc;
}

/* Upstream's errors that skip-if-unknown-filter turns into warnings. */
static bool unknown_type_or_field(const char *err)
{
	return strstr(err, "nonexistent field") || strstr(err, "invalid formatting token") ||
	       strstr(err, "unknown event type") || strstr(err, "unknown filter:");
}

/* Parses, resolves and compiles one rule's condition. 1: skipped (with a
 * warning), 0: compiled into cr, <0: error recorded. `cond` is the rule's
 * condition with its exceptions. */
static int compile_condition(struct rules_engine *e, const struct rules_rule_def *r,
			     struct rules_crule *cr, struct flt_compiler *comp, const char *cond)
{
	int rc = 0;
	struct flt_node *ast = parse_cond(e, cond, &r->cond_ctx, &rc);
	if (!ast)
		return rc;
	struct lookup_ud u = { e, UINT32_MAX };
	struct flt_error fe = { 0 };
	if (flt_expand_macros(&ast, macro_lookup, &u, &fe) < 0) {
		rc = cond_error(e->res, RULES_ERR_COMPILE_CONDITION, false, &r->ctx, cond, &fe);
		rc = rc ? rc : -EINVAL;
		goto out;
	}
	if ((rc = condition_warnings(e, ast, cond, &r->cond_ctx)))
		goto out;
	cr->prog = flt_compile(comp, ast, &fe);
	if (!cr->prog) {
		bool skip = r->skip_if_unknown_filter &&
			    (fe.kind == FLT_E_FIELD || unknown_type_or_field(fe.msg));
		rc = cond_error(e->res, skip ? RULES_WARN_UNKNOWN_FILTER : RULES_ERR_COMPILE_CONDITION, skip,
				&r->cond_ctx, cond, &fe);
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
	/* Upstream: syscall rules matching more than 100 event types (no
	 * types at all is an unsatisfiable condition, not a broad one). */
	if (!strcmp(r->source, "syscall") && r->warn_evttypes && n > 100)
		rc = rules_result_warning(e->res, RULES_WARN_NO_EVTTYPE,
					  "Rule matches too many evt.type values. This has a significant "
					  "performance penalty.", &r->ctx);
out:
	flt_node_free(ast);
	return rc;
}

static int deprecated_in_output(struct rules_engine *e, const char *fmt, const struct rules_ctx *ctx)
{
	int rc = 0;
	for (size_t i = 0; i < NDEPRECATED && !rc; i++) {
		if (!strstr(fmt, deprecated[i]))
			continue;
		char msg[256];
		snprintf(msg, sizeof(msg), "usage of deprecated field '%s' has been detected in the rule output",
			 deprecated[i]);
		rc = rules_result_warning(e->res, RULES_WARN_DEPRECATED_ITEM, msg, ctx);
	}
	return rc;
}

/* Validates the output (with append_output) before the condition, as
 * upstream; the alert formatter itself is compiled after the condition so
 * that skipped rules leave nothing in the output manager. 1: skipped. */
static int check_output(struct rules_engine *e, const struct rules_rule_def *r, struct flt_compiler *comp,
			const struct fld_reg *reg)
{
	char err[512] = "";
	if (strstr(r->output, "%container.info") &&
	    rules_result_warning(e->res, RULES_WARN_DEPRECATED_ITEM,
				 "%container.info is deprecated and no more useful, and will be dropped by "
				 "Falco 1.0.0. The container plugin will automatically add required fields "
				 "to the output message.", &r->ctx))
		return -ENOMEM;
	(void)reg;
	/* `%container.info` is dropped before validation, as upstream. */
	char *fmt = strdup(r->output);
	if (!fmt)
		return -ENOMEM;
	for (char *p; (p = strstr(fmt, "%container.info"));)
		memmove(p, p + 15, strlen(p + 15) + 1);
	struct out_fmt *f = out_fmt_compile(comp, fmt, err, sizeof(err));
	free(fmt);
	if (f) {
		out_fmt_free(f);
		return deprecated_in_output(e, r->output, &r->output_ctx);
	}
	bool skip = r->skip_if_unknown_filter && unknown_type_or_field(err);
	int rc = skip ? rules_result_warning(e->res, RULES_WARN_UNKNOWN_FILTER, err, &r->output_ctx)
		      : rules_result_error(e->res, RULES_ERR_COMPILE_OUTPUT, err, &r->output_ctx);
	return rc ? rc : skip ? 1 : -EINVAL;
}

/* The alert formatter of a compiled rule (with an output manager). */
static int compile_alert(struct rules_engine *e, const struct rules_rule_def *r, struct rules_crule *cr,
			 struct flt_compiler *comp, const struct fld_reg *reg)
{
	if (!e->opts.mgr || !e->alerts)
		return 0;
	char err[512] = "";
	const char *tags[64];
	uint32_t nt = 0;
	for (size_t i = 0; i < r->tags.n && nt < 64; i++)
		tags[nt++] = r->tags.v[i];
	struct out_rule_desc d = { .name = r->name, .source = r->source, .output = r->output,
				   .priority = (enum out_priority)r->priority, .tags = tags, .ntags = nt };
	cr->out = out_rule_compile(e->opts.mgr, comp, reg, &d, err, sizeof(err));
	if (cr->out)
		return 0;
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
	const struct fld_reg *reg = e->opts.sources[cr->src].reg;
	struct cfg_strlist fields = { 0 };
	int rc = rules_rule_condition(r, e->res, &cr->cond_text, &fields);
	for (size_t k = 0; k < fields.n; k++)
		free(fields.v[k]);
	free(fields.v);
	if (!rc)
		rc = check_output(e, r, comp, reg);
	if (!rc)
		rc = compile_condition(e, r, cr, comp, cr->cond_text);
	if (!rc)
		rc = compile_alert(e, r, cr, comp, reg);
	if (rc)
		return rc > 0 ? 0 : rc;
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

int rules_compile_all(struct rules_engine *e, bool alerts)
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
	e->nmacro_ast = c->nmacros;
	e->alerts = alerts;
	if ((rc = compile_macros(e)))
		return rc;
	for (size_t i = 0; i < c->nrules && !rc; i++)
		rc = compile_rule(e, i);
	if (!rc)
		rc = warn_unused(e);
	return rc;
}

void rules_result_release(struct rules_result *r)
{
	for (size_t i = 0; i < r->nerrs; i++) {
		free(r->errs[i].msg);
		free(r->errs[i].alt);
		rules_ctx_free(&r->errs[i].ctx);
	}
	for (size_t i = 0; i < r->nwarns; i++) {
		free(r->warns[i].msg);
		free(r->warns[i].alt);
		rules_ctx_free(&r->warns[i].ctx);
	}
	free(r->errs);
	free(r->warns);
	free(r->name);
	*r = (struct rules_result){ 0 };
}
