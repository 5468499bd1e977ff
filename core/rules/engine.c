/*
 * The rules engine object: loading (reader + collector), the compile call,
 * rule selection, the per-source event-type index, per-event evaluation,
 * and the -V / -L printers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "output/output.h"
#include "rules/engine_int.h"

static void reset_pass(struct rules_engine *e);

static bool source_known(const char *source, void *ud)
{
	return rules_engine_source(ud, source) >= 0;
}

struct rules_engine *rules_engine_new(const struct rules_engine_opts *opts)
{
	struct rules_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	memcpy(&e->opts, opts, opts->sz < sizeof(e->opts) ? opts->sz : sizeof(e->opts));
	e->opts.sz = sizeof(e->opts);
	struct rules_collect_opts co = { .engine_version = RULES_ENGINE_VERSION,
					 .source_known = source_known, .ud = e };
	e->set = rules_set_new();
	e->coll = rules_collection_new(&co);
	e->comps = calloc(opts->nsources + 1, sizeof(*e->comps));
	e->index = calloc(opts->nsources + 1, sizeof(*e->index));
	if (!e->set || !e->coll || !e->comps || !e->index) {
		rules_engine_free(e);
		return NULL;
	}
	e->set->on_item = rules_collect_item;
	e->set->on_item_ud = e->coll;
	for (size_t i = 0; i < opts->nsources; i++) {
		if (!(e->comps[i] = flt_compiler_new(opts->sources[i].reg, opts->sources[i].name))) {
			rules_engine_free(e);
			return NULL;
		}
	}
	return e;
}

void rules_engine_free(struct rules_engine *e)
{
	if (!e)
		return;
	reset_pass(e);
	for (size_t i = 0; i < e->opts.nsources; i++) {
		if (e->comps)
			flt_compiler_free(e->comps[i]);
		if (e->index)
			free(e->index[i].idx);
	}
	free(e->comps);
	free(e->index);
	rules_collection_free(e->coll);
	rules_set_free(e->set);
	free(e);
}

int rules_engine_source(const struct rules_engine *e, const char *name)
{
	for (size_t i = 0; i < e->opts.nsources; i++)
		if (!strcmp(e->opts.sources[i].name, name))
			return (int)i;
	return -1;
}

/* Drops what a compile pass built (programs, macro trees, expanded lists). */
static void reset_pass(struct rules_engine *e)
{
	for (size_t i = 0; i < e->ncrules; i++) {
		flt_prog_free(e->crules[i].prog);
		free(e->crules[i].cond_text);
	}
	free(e->crules);
	e->crules = NULL;
	e->ncrules = 0;
	for (size_t i = 0; e->macro_ast && i < e->nmacro_ast; i++)
		flt_node_free(e->macro_ast[i]);
	free(e->macro_ast);
	free(e->macro_used);
	e->macro_ast = NULL;
	e->macro_used = NULL;
	e->nmacro_ast = 0;
	rules_lists_free(&e->lists);
	/* Fresh compilers: bindings of dropped programs are not kept. */
	for (size_t i = 0; e->comps && i < e->opts.nsources; i++) {
		flt_compiler_free(e->comps[i]);
		e->comps[i] = NULL;
	}
}

static int new_compilers(struct rules_engine *e)
{
	for (size_t i = 0; i < e->opts.nsources; i++)
		if (!e->comps[i] && !(e->comps[i] = flt_compiler_new(e->opts.sources[i].reg, e->opts.sources[i].name)))
			return -ENOMEM;
	return 0;
}

/* Upstream compiles the whole collection after each file, reporting into
 * that file's result: later files repeat the warnings of earlier rules. */
static int after_load(struct rules_engine *e, int rc)
{
	if (e->set->nresults)
		e->res = &e->set->results[e->set->nresults - 1];
	if (!rc) {
		reset_pass(e);
		rc = new_compilers(e);
		if (!rc)
			rc = rules_compile_all(e, false);
		if (!rc && !e->res->ok)
			rc = -EINVAL;
	}
	if (rc)
		e->failed = true;
	return rc;
}

int rules_engine_load_string(struct rules_engine *e, const char *name, const char *content, size_t len)
{
	if (e->failed || e->compiled)
		return -EINVAL;
	return after_load(e, rules_set_read_string(e->set, name, content, len));
}

int rules_engine_load_path(struct rules_engine *e, const char *path)
{
	if (e->failed || e->compiled)
		return -EINVAL;
	struct cfg_strlist files = { 0 };
	int rc = rules_expand_path(path, &files);
	for (size_t i = 0; i < files.n && !rc; i++)
		rc = after_load(e, rules_set_read_file(e->set, files.v[i]));
	for (size_t i = 0; i < files.n; i++)
		free(files.v[i]);
	free(files.v);
	return rc;
}

/* Enabled rules per source, by event code, in load order (counting pass,
 * then filling). */
static int build_index(struct rules_engine *e)
{
	for (size_t s = 0; s < e->opts.nsources; s++) {
		struct rules_index *ix = &e->index[s];
		uint32_t count[EV_CODE_MAX] = { 0 };
		size_t total = 0;
		for (size_t i = 0; i < e->ncrules; i++) {
			const struct rules_crule *cr = &e->crules[i];
			if (!cr->enabled || cr->src != (int)s)
				continue;
			ix->nenabled++;
			for (size_t c = 0; c < EV_CODE_MAX; c++)
				if (cr->types[c]) {
					count[c]++;
					total++;
				}
		}
		if (total && !(ix->idx = malloc(total * sizeof(uint32_t))))
			return -ENOMEM;
		uint32_t pos = 0;
		for (size_t c = 0; c < EV_CODE_MAX; c++) {
			ix->start[c] = pos;
			pos += count[c];
		}
		ix->start[EV_CODE_MAX] = pos;
		uint32_t fill[EV_CODE_MAX];
		memcpy(fill, ix->start, sizeof(fill));
		for (size_t i = 0; i < e->ncrules; i++) {
			const struct rules_crule *cr = &e->crules[i];
			if (!cr->enabled || cr->src != (int)s)
				continue;
			for (size_t c = 0; c < EV_CODE_MAX; c++)
				if (cr->types[c])
					ix->idx[fill[c]++] = (uint32_t)i;
		}
	}
	return 0;
}

static int select_rules(struct rules_engine *e)
{
	const struct rules_collection *c = e->coll;
	bool *en = calloc(c->nrules + 1, sizeof(bool));
	if (!en)
		return -ENOMEM;
	rules_select(c, e->opts.min_priority, e->opts.select, e->opts.nselect, en);
	for (size_t i = 0; i < e->ncrules; i++)
		e->crules[i].enabled = en[i] && e->crules[i].compiled;
	free(en);
	return build_index(e);
}

int rules_engine_compile(struct rules_engine *e, char *err, size_t errlen)
{
	if (errlen)
		err[0] = 0;
	if (e->compiled)
		return -EINVAL;
	e->compiled = true;
	if (e->failed)
		return -EINVAL;
	if (!e->res)
		return select_rules(e);
	/* The last file's pass already reported every message; with an output
	 * manager compile once more for real, into a result thrown away. */
	if (e->opts.mgr) {
		struct rules_result scratch = { .ok = true };
		struct rules_result *keep = e->res;
		e->res = &scratch;
		reset_pass(e);
		int rc = new_compilers(e);
		if (!rc)
			rc = rules_compile_all(e, true);
		rules_result_release(&scratch);
		e->res = keep;
		if (rc)
			return rc;
	}
	if (e->opts.check_plugins) {
		struct rules_plugin_info none = { 0 };
		int rc = rules_check_plugins(e->coll, e->opts.plugins ? e->opts.plugins : &none,
					     e->opts.nplugins, err, errlen);
		if (rc)
			return rc;
	}
	return select_rules(e);
}

const struct rules_set *rules_engine_results(const struct rules_engine *e)
{
	return e->set;
}

bool rules_engine_ok(const struct rules_engine *e)
{
	for (size_t i = 0; i < e->set->nresults; i++)
		if (!e->set->results[i].ok)
			return false;
	return true;
}

uint32_t rules_engine_nslots(const struct rules_engine *e, int src)
{
	return src < 0 || (size_t)src >= e->opts.nsources ? 0 : flt_compiler_nslots(e->comps[src]);
}

size_t rules_engine_event_types(const struct rules_engine *e, int src, bool set[EV_CODE_MAX])
{
	size_t n = 0;
	memset(set, 0, EV_CODE_MAX * sizeof(bool));
	if (src < 0 || (size_t)src >= e->opts.nsources)
		return 0;
	const struct rules_index *ix = &e->index[src];
	for (size_t c = 0; c < EV_CODE_MAX; c++)
		if (ix->start[c + 1] > ix->start[c]) {
			set[c] = true;
			n++;
		}
	return n;
}

size_t rules_engine_nenabled(const struct rules_engine *e, int src)
{
	size_t n = 0;
	for (size_t s = 0; s < e->opts.nsources; s++)
		if (src < 0 || (size_t)src == s)
			n += e->index[s].nenabled;
	return n;
}

int rules_engine_process(struct rules_engine *e, int src, struct fld_ctx *ctx)
{
	uint16_t code = ctx->ev->hdr->type;
	if (src < 0 || (size_t)src >= e->opts.nsources || code >= EV_CODE_MAX)
		return 0;
	const struct rules_index *ix = &e->index[src];
	int n = 0;
	for (uint32_t k = ix->start[code]; k < ix->start[code + 1]; k++) {
		struct rules_crule *cr = &e->crules[ix->idx[k]];
		if (!flt_eval(cr->prog, ctx))
			continue;
		cr->matches++;
		n++;
		if (e->opts.on_match)
			e->opts.on_match(e->opts.on_match_ud, ix->idx[k], ctx);
		if (e->opts.mgr && cr->out)
			out_rule_alert(e->opts.mgr, cr->out, ctx);
		if (e->opts.matching == CFG_MATCH_FIRST)
			break;
	}
	return n;
}

size_t rules_engine_nrules(const struct rules_engine *e)
{
	return e->ncrules;
}

void rules_engine_rule(const struct rules_engine *e, size_t i, struct rules_engine_rule *out)
{
	const struct rules_crule *cr = &e->crules[i];
	const struct rules_rule_def *r = &e->coll->rules[i];
	*out = (struct rules_engine_rule){
		.name = r->name, .desc = r->desc, .source = r->source,
		.condition = cr->cond_text ? cr->cond_text : r->cond, .output = r->output,
		.priority = r->priority, .tags = &r->tags, .compiled = cr->compiled,
		.enabled = cr->enabled, .matches = cr->matches,
		.capture = r->capture, .capture_duration = r->capture_duration,
	};
}

/* Upstream's wrap of -L descriptions: words separated by blanks, each
 * followed by a space; a word that would pass column `line_len - indent`
 * starts a new line indented by `indent` spaces. */
static void put_wrapped(FILE *out, const char *s, size_t indent, size_t line_len)
{
	size_t len = 0;
	while (*s) {
		while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r' || *s == '\v' || *s == '\f')
			s++;
		if (!*s)
			break;
		size_t w = strcspn(s, " \n\t\r\v\f");
		if (len + w + 1 <= line_len - indent) {
			len += w + 1;
		} else {
			fprintf(out, "\n%*s", (int)indent, "");
			len = w + 1;
		}
		fprintf(out, "%.*s ", (int)w, s);
		s += w;
	}
}

static void describe_json(FILE *out, const struct rules_engine_rule *r, bool first)
{
	fputs(first ? "" : ",", out);
	fputs("{\"info\":{\"condition\":", out);
	rules_json_string(out, r->condition);
	fputs(",\"description\":", out);
	rules_json_string(out, r->desc);
	fputs(",\"enabled\":", out);
	fputs(r->enabled ? "true" : "false", out);
	fputs(",\"name\":", out);
	rules_json_string(out, r->name);
	fputs(",\"output\":", out);
	rules_json_string(out, r->output);
	fputs(",\"priority\":", out);
	rules_json_string(out, cfg_priority_name(r->priority));
	fputs(",\"source\":", out);
	rules_json_string(out, r->source);
	fputs(",\"tags\":[", out);
	for (size_t t = 0; t < r->tags->n; t++) {
		fputs(t ? "," : "", out);
		rules_json_string(out, r->tags->v[t]);
	}
	fputs("]}}", out);
}

int rules_engine_describe(const struct rules_engine *e, FILE *out, const char *only, bool json)
{
	bool found = false;
	if (only && !rules_describe_has(e, only))
		return -ENOENT;
	if (json)
		return rules_describe_json(e, out, only);
	fprintf(out, "%-50s %s\n%-50s %s\n", "Rule", "Description", "----", "-----------");
	for (size_t i = 0; i < e->ncrules; i++) {
		struct rules_engine_rule r;
		rules_engine_rule(e, i, &r);
		if ((only && strcmp(only, r.name)) || !r.compiled)
			continue;
		if (json) {
			describe_json(out, &r, !found);
		} else {
			/* as upstream: the wrapped text, "\n", then the line's end */
			fprintf(out, "%-50s ", r.name);
			put_wrapped(out, r.desc, 51, 110);
			fputs("\n\n", out);
		}
		found = true;
	}
	if (json)
		fputs("]}\n", out);
	return only && !found ? -ENOENT : 0;
}

void rules_engine_print_results(const struct rules_engine *e, FILE *out, bool json)
{
	const struct rules_set *s = e->set;
	if (json)
		fputs("{\"falco_load_results\":[", out);
	for (size_t i = 0; i < s->nresults; i++) {
		if (json) {
			fputs(i ? "," : "", out);
			rules_result_print_json(out, &s->results[i], s->contents[i], s->lengths[i]);
		} else {
			rules_result_print_text(out, &s->results[i], s->contents[i], s->lengths[i]);
			fputc('\n', out);
		}
	}
	if (json)
		fputs("]}\n", out);
}
