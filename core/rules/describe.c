/*
 * `falco -L` / `-l NAME` with json_output: the rules description document
 * in upstream's shape. Each list, macro and rule gets "info" (the item as
 * collected) and "details" (facts from its compiled form: the expanded
 * condition's canonical text, fields, operators, event names, lists and
 * macros named). Keys are written in sorted order, as upstream's JSON
 * objects are; sets keep first-seen order (upstream's are unordered).
 *
 * The compiled trees are rebuilt here from the engine's compiled inputs
 * (condition text with exceptions, lists, resolved macro trees), so the
 * engine keeps no per-rule tree for this rarely used report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "filter/filter.h"
#include "rules/engine_int.h"

#define MAX_DEPTH 1000

static void put_str(FILE *out, const char *key, const char *v, bool comma)
{
	fprintf(out, "%s\"%s\":", comma ? "," : "", key);
	rules_json_string(out, v ? v : "");
}

static void put_strs(FILE *out, const char *key, char *const *v, size_t n, bool comma)
{
	fprintf(out, "%s\"%s\":[", comma ? "," : "", key);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? "," : "", out);
		rules_json_string(out, v[i]);
	}
	fputc(']', out);
}

static void put_set(FILE *out, const char *key, const struct flt_strset *s, bool comma)
{
	put_strs(out, key, s->v, s->n, comma);
}

/* ---- compiled trees ---- */

struct dctx {
	const struct rules_engine *e;
	struct rules_lists lists;   /* a copy whose `used` flags may change */
};

static const struct flt_node *lookup_macro(void *user, const char *name)
{
	const struct rules_engine *e = user;
	const struct rules_collection *c = e->coll;
	for (size_t i = 0; i < c->nmacros && i < e->nmacro_ast; i++)
		if (!strcmp(c->macros[i].name, name))
			return e->macro_ast[i];
	return NULL;
}

/* The condition as the engine compiled it: lists substituted in the text,
 * parsed, macros replaced by their resolved trees. NULL on failure. */
static struct flt_node *compiled_tree(struct dctx *d, const char *cond)
{
	char *text = rules_lists_resolve(&d->lists, cond);
	if (!text)
		return NULL;
	struct flt_parse_opts po = { .max_depth = MAX_DEPTH };
	struct flt_error fe = { 0 };
	struct flt_node *ast = flt_parse(text, &po, &fe, NULL);
	free(text);
	if (ast && flt_expand_macros(&ast, lookup_macro, (void *)d->e, &fe) < 0) {
		flt_node_free(ast);
		ast = NULL;
	}
	return ast;
}

static bool is_macro(void *ud, const char *name)
{
	return rules_find_macro(((const struct rules_engine *)ud)->coll, name) != NULL;
}

static bool is_list(void *ud, const char *name)
{
	return rules_find_list(((const struct rules_engine *)ud)->coll, name) != NULL;
}

/* Macros and lists named by the condition as written; fields, operators
 * and event names of the compiled tree. */
static int details_of(const struct rules_engine *e, const char *raw, const struct flt_node *compiled,
		      struct flt_details *syn, struct flt_details *comp)
{
	struct flt_details_opts o = { .is_macro = is_macro, .is_list = is_list, .ud = (void *)e };
	struct flt_parse_opts po = { .max_depth = MAX_DEPTH };
	struct flt_error fe = { 0 };
	struct flt_node *ast = flt_parse(raw, &po, &fe, NULL);
	int rc = ast ? flt_details_collect(ast, &o, syn) : 0;
	flt_node_free(ast);
	if (!rc && compiled)
		rc = flt_details_collect(compiled, &o, comp);
	return rc;
}

/* ---- event names (upstream's get_json_evt_types) ---- */

static int name_add(struct flt_strset *s, const char *name)
{
	return name ? flt_strset_add(s, name) : 0;
}

/* Names of the (non-generic) events of a code set. */
static int event_names(const bool *codes, struct flt_strset *out)
{
	int rc = 0;
	for (uint32_t c = 0; c < EV_CODE_MAX && !rc; c++) {
		if (!codes[c] || c == EV_GENERIC_E || c == EV_GENERIC_X)
			continue;
		const struct ev_info *ei = ev_info((uint16_t)c);
		rc = name_add(out, ei ? ei->name : NULL);
	}
	return rc;
}

/* Upstream's sc_set_to_event_names: the events of the syscalls (generic
 * ones left out), then the names of syscalls none of those events covers. */
static int syscall_event_names(const bool *sc, struct flt_strset *out)
{
	uint8_t scs[EV_SC_MAX] = { 0 }, evs[EV_CODE_MAX] = { 0 }, covered[EV_SC_MAX] = { 0 };
	for (uint32_t i = 0; i < EV_SC_MAX; i++)
		scs[i] = sc[i];
	ev_events_of_sc_set(scs, evs);
	evs[EV_GENERIC_E] = evs[EV_GENERIC_X] = 0;
	bool codes[EV_CODE_MAX];
	for (uint32_t c = 0; c < EV_CODE_MAX; c++)
		codes[c] = evs[c];
	int rc = event_names(codes, out);
	ev_sc_set_of_events(evs, covered);
	for (uint32_t i = 0; i < EV_SC_MAX && !rc; i++)
		if (sc[i] && !covered[i])
			rc = name_add(out, ev_syscall_name((uint16_t)i));
	return rc;
}

static int put_events(FILE *out, bool syscall, const struct flt_node *compiled)
{
	struct flt_strset names = { 0 };
	bool *codes = calloc(EV_CODE_MAX, sizeof(bool));
	bool *sc = calloc(EV_SC_MAX, sizeof(bool));
	int rc = codes && sc ? 0 : -ENOMEM;
	if (!rc && syscall && compiled) {
		if (flt_event_types(compiled, codes) < 0 || flt_syscall_types(compiled, sc) < 0) {
			/* refused trees never compile; print what is known */
			memset(codes, 0, EV_CODE_MAX * sizeof(bool));
			memset(sc, 0, EV_SC_MAX * sizeof(bool));
		}
		codes[EV_ASYNCEVENT_E] = true;
		rc = syscall_event_names(sc, &names);
		if (!rc)
			rc = event_names(codes, &names);
	} else if (!rc) {
		codes[EV_PLUGINEVENT_E] = codes[EV_ASYNCEVENT_E] = true;
		rc = event_names(codes, &names);
	}
	if (!rc)
		put_set(out, "events", &names, true);
	flt_strset_free(&names);
	free(codes);
	free(sc);
	return rc;
}

/* ---- rules ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int exc_operator(const struct rules_exc_entry *c, struct flt_strset *ops)
{
	if (!c->is_list)
		return flt_strset_add(ops, c->item);
	int rc = 0;
	for (size_t i = 0; i < c->n && !rc; i++)
		rc = exc_operator(&c->items[i], ops);
	return rc;
}

/* exception_fields (sorted, as upstream's std::set), names, operators. */
static int put_exceptions(FILE *out, const struct rules_rule_def *r)
{
	struct rules_result scratch = { 0 };
	struct cfg_strlist fields = { 0 };
	char *cond = NULL;
	int rc = rules_rule_condition(r, &scratch, &cond, &fields);
	free(cond);
	rules_result_release(&scratch);
	struct flt_strset names = { 0 }, ops = { 0 };
	for (size_t i = 0; i < r->nexceptions && !rc; i++) {
		rc = flt_strset_add(&names, r->exceptions[i].name);
		if (!rc)
			rc = exc_operator(&r->exceptions[i].comps, &ops);
	}
	if (!rc) {
		if (fields.n)
			qsort(fields.v, fields.n, sizeof(*fields.v), cmp_str);
		put_strs(out, "exception_fields", fields.v, fields.n, true);
		put_set(out, "exception_names", &names, true);
		put_set(out, "exception_operators", &ops, true);
	}
	for (size_t k = 0; k < fields.n; k++)
		free(fields.v[k]);
	free(fields.v);
	flt_strset_free(&names);
	flt_strset_free(&ops);
	return rc;
}

/* The output as compiled: `%container.info` dropped, as the compiler does. */
static char *output_compiled(const char *output)
{
	char *fmt = strdup(output ? output : "");
	if (fmt)
		for (char *p; (p = strstr(fmt, "%container.info"));)
			memmove(p, p + 15, strlen(p + 15) + 1);
	return fmt;
}

/* Whether `field` ("name" or "name[arg]") is one of the class's fields. */
static bool class_has(const struct fld_class *cls, const char *field)
{
	size_t n = strcspn(field, "[");
	for (uint32_t i = 0; i < cls->nfields; i++)
		if (strlen(cls->fields[i].name) == n && !strncmp(cls->fields[i].name, field, n))
			return true;
	return false;
}

/* Field classes a plugin registers are named "NAME (plugin)". */
static int plugin_of_fields(const struct fld_reg *reg, const struct flt_strset *fields,
			    struct flt_strset *used)
{
	static const char sfx[] = " (plugin)";
	const struct fld_class *cls;
	int rc = 0;
	for (uint32_t i = 0; !rc && (cls = fld_reg_class(reg, i)); i++) {
		size_t n = cls->name ? strlen(cls->name) : 0;
		if (n <= sizeof(sfx) - 1 || strcmp(cls->name + n - (sizeof(sfx) - 1), sfx))
			continue;
		for (size_t k = 0; k < fields->n; k++) {
			if (!class_has(cls, fields->v[k]))
				continue;
			char name[256];
			snprintf(name, sizeof(name), "%.*s", (int)(n - (sizeof(sfx) - 1)), cls->name);
			rc = flt_strset_add(used, name);
			break;
		}
	}
	return rc;
}

/* Upstream's used plugins: those providing the rule's source, and those
 * whose fields (condition or output) the rule uses. Plugins' async event
 * names matched by evt.type are not considered. */
static int put_plugins(FILE *out, const struct rules_engine *e, int src, const char *source,
		       const struct flt_strset *cfields, const struct flt_strset *ofields)
{
	struct flt_strset used = { 0 };
	int rc = 0;
	for (size_t i = 0; e->opts.plugin_sources && i < e->opts.nplugins && !rc; i++) {
		const char *ps = e->opts.plugin_sources[i];
		if (ps && *ps && !strcmp(ps, source))
			rc = flt_strset_add(&used, e->opts.plugins[i].name);
	}
	if (!rc && src >= 0 && (size_t)src < e->opts.nsources && e->opts.sources[src].reg) {
		rc = plugin_of_fields(e->opts.sources[src].reg, cfields, &used);
		if (!rc)
			rc = plugin_of_fields(e->opts.sources[src].reg, ofields, &used);
	}
	if (!rc)
		put_set(out, "plugins", &used, true);
	flt_strset_free(&used);
	return rc;
}

static void put_rule_info(FILE *out, const struct rules_rule_def *r)
{
	fprintf(out, "\"capture\":%s,\"capture_duration\":%llu", r->capture ? "true" : "false",
		(unsigned long long)r->capture_duration);
	put_str(out, "condition", r->cond, true);
	put_str(out, "description", r->desc, true);
	fprintf(out, ",\"enabled\":%s", r->enabled ? "true" : "false");
	put_str(out, "name", r->name, true);
	put_str(out, "output", r->output, true);
	put_str(out, "priority", cfg_priority_name(r->priority), true);
	put_str(out, "source", r->source, true);
	put_strs(out, "tags", r->tags.v, r->tags.n, true);
}

static int put_rule(FILE *out, struct dctx *d, size_t i)
{
	const struct rules_engine *e = d->e;
	const struct rules_crule *cr = &e->crules[i];
	const struct rules_rule_def *r = cr->def;
	fputs("{\"details\":{", out);

	struct flt_node *ast = compiled_tree(d, cr->cond_text ? cr->cond_text : r->cond);
	struct flt_details syn = { 0 }, comp = { 0 };
	struct flt_strset ofields = { 0 };
	char *text = ast ? flt_node_str(ast) : NULL;
	char *ocomp = output_compiled(r->output);
	int rc = ocomp ? details_of(e, r->cond, ast, &syn, &comp) : -ENOMEM;
	if (!rc)
		rc = flt_output_fields(ocomp, &ofields);
	if (!rc) {
		put_str(out, "condition_compiled", text, false);
		put_set(out, "condition_fields", &comp.fields, true);
		put_set(out, "condition_operators", &comp.operators, true);
		rc = put_events(out, !strcmp(r->source, "syscall"), ast);
	}
	if (!rc)
		rc = put_exceptions(out, r);
	if (!rc) {
		put_set(out, "lists", &syn.lists, true);
		put_set(out, "macros", &syn.macros, true);
		put_str(out, "output_compiled", ocomp, true);
		put_set(out, "output_fields", &ofields, true);
		rc = put_plugins(out, e, cr->src, r->source, &comp.fields, &ofields);
	}
	if (!rc) {
		fputs("},\"info\":{", out);
		put_rule_info(out, r);
		fputs("}}", out);
	}
	flt_details_free(&syn);
	flt_details_free(&comp);
	flt_strset_free(&ofields);
	flt_node_free(ast);
	free(text);
	free(ocomp);
	return rc;
}

/* ---- macros and lists ---- */

static int put_macro(FILE *out, const struct rules_engine *e, size_t i)
{
	const struct rules_macro_def *m = &e->coll->macros[i];
	const struct flt_node *ast = i < e->nmacro_ast ? e->macro_ast[i] : NULL;
	fputs("{\"details\":{", out);
	struct flt_details syn = { 0 }, comp = { 0 };
	char *text = ast ? flt_node_str(ast) : NULL;
	int rc = details_of(e, m->cond, ast, &syn, &comp);
	if (!rc) {
		put_str(out, "condition_compiled", text, false);
		put_set(out, "condition_fields", &comp.fields, true);
		put_set(out, "condition_operators", &comp.operators, true);
		rc = put_events(out, true, ast);
	}
	if (!rc) {
		put_set(out, "lists", &syn.lists, true);
		put_set(out, "macros", &syn.macros, true);
		fprintf(out, ",\"plugins\":[],\"used\":%s},\"info\":{",
			e->macro_used && e->macro_used[i] ? "true" : "false");
		put_str(out, "condition", m->cond, false);
		put_str(out, "name", m->name, true);
		fputs("}}", out);
	}
	flt_details_free(&syn);
	flt_details_free(&comp);
	free(text);
	return rc;
}

static bool has_item(const struct cfg_strlist *l, const char *v)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], v))
			return true;
	return false;
}

/* An item written in the list but absent from its expansion was a
 * reference to another list (upstream's reasoning). */
static int put_list(FILE *out, const struct rules_engine *e, size_t i)
{
	const struct rules_list_def *l = &e->coll->lists[i];
	const struct rules_list *cl = i < e->lists.n ? &e->lists.v[i] : NULL;
	static const struct cfg_strlist none = { 0 };
	const struct cfg_strlist *comp = cl ? &cl->items : &none;
	struct flt_strset items = { 0 }, refs = { 0 };
	int rc = 0;
	for (size_t k = 0; k < l->items.n && !rc; k++)
		rc = has_item(comp, l->items.v[k]) ? flt_strset_push(&items, l->items.v[k])
						   : flt_strset_add(&refs, l->items.v[k]);
	if (!rc) {
		fputs("{\"details\":{", out);
		put_strs(out, "items_compiled", comp->v, comp->n, false);
		put_set(out, "lists", &refs, true);
		fprintf(out, ",\"plugins\":[],\"used\":%s},\"info\":{", cl && cl->used ? "true" : "false");
		put_set(out, "items", &items, false);
		put_str(out, "name", l->name, true);
		fputs("}}", out);
	}
	flt_strset_free(&items);
	flt_strset_free(&refs);
	return rc;
}

static void put_versions(FILE *out, const struct rules_collection *c)
{
	unsigned v0 = 0, v1 = 0, v2 = 0;
	if (c->has_engine_version) {
		v0 = c->engine_version[0];
		v1 = c->engine_version[1];
		v2 = c->engine_version[2];
	}
	fprintf(out, ",\"required_engine_version\":\"%u.%u.%u\",\"required_plugin_versions\":[", v0, v1, v2);
	for (size_t i = 0; i < c->nplugin_reqs; i++) {
		const struct rules_plugin_alts *p = &c->plugin_reqs[i];
		fputs(i ? ",{\"alternatives\":[" : "{\"alternatives\":[", out);
		for (size_t k = 1; k < p->n; k++) {
			fputs(k > 1 ? ",{" : "{", out);
			put_str(out, "name", p->reqs[k].name, false);
			put_str(out, "version", p->reqs[k].version, true);
			fputc('}', out);
		}
		fputc(']', out);
		put_str(out, "name", p->n ? p->reqs[0].name : "", true);
		put_str(out, "version", p->n ? p->reqs[0].version : "", true);
		fputc('}', out);
	}
	fputc(']', out);
}

static int put_rules(FILE *out, struct dctx *d, const char *only, bool *found)
{
	const struct rules_engine *e = d->e;
	int rc = 0;
	fputs("\"rules\":[", out);
	for (size_t i = 0; i < e->ncrules && !rc; i++) {
		const struct rules_crule *cr = &e->crules[i];
		if (!cr->compiled || !cr->def || (only && strcmp(only, cr->def->name)))
			continue;
		fputs(*found ? "," : "", out);
		rc = put_rule(out, d, i);
		*found = true;
	}
	fputc(']', out);
	return rc;
}

bool rules_describe_has(const struct rules_engine *e, const char *name)
{
	for (size_t i = 0; i < e->ncrules; i++)
		if (e->crules[i].compiled && e->crules[i].def && !strcmp(e->crules[i].def->name, name))
			return true;
	return false;
}

int rules_describe_json(const struct rules_engine *e, FILE *out, const char *only)
{
	if (only && !rules_describe_has(e, only))
		return -ENOENT;
	struct dctx d = { .e = e, .lists = e->lists };
	if (e->lists.n) {
		if (!(d.lists.v = malloc(e->lists.n * sizeof(*d.lists.v))))
			return -ENOMEM;
		memcpy(d.lists.v, e->lists.v, e->lists.n * sizeof(*d.lists.v));
	}
	bool found = false;
	int rc = 0;
	fputc('{', out);
	if (!only) {
		const struct rules_collection *c = e->coll;
		fputs("\"lists\":[", out);
		for (size_t i = 0; i < c->nlists && !rc; i++) {
			fputs(i ? "," : "", out);
			rc = put_list(out, e, i);
		}
		fputs("],\"macros\":[", out);
		for (size_t i = 0; i < c->nmacros && !rc; i++) {
			fputs(i ? "," : "", out);
			rc = put_macro(out, e, i);
		}
		fputc(']', out);
		put_versions(out, c);
		fputc(',', out);
	}
	if (!rc)
		rc = put_rules(out, &d, only, &found);
	fputs("}\n", out);
	free(d.lists.v);
	if (!rc && only && !found)
		rc = -ENOENT;
	return rc;
}
