/*
 * The rules-file reader: YAML documents -> items, with upstream's checks and
 * messages for everything that can be judged from the YAML alone. Reading a
 * file stops at its first error, as upstream does. Rules and exceptions are
 * in rule.c.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rules/reader_int.h"

static struct rules_result *res(struct rd *r)
{
	return &r->set->results[r->file];
}

int rd_ctx(struct rd *r, const struct cx *c, struct rules_ctx *out)
{
	const struct cx *chain[64];
	size_t n = 0;
	for (; c && n < 64; c = c->parent)
		chain[n++] = c;
	*out = (struct rules_ctx){ 0 };
	while (n--) {
		const struct cx *k = chain[n];
		struct rules_ctx next;
		uint32_t line = k->at ? k->at->pos.line : 0, col = k->at ? k->at->pos.col : 0;
		uint64_t off = k->at ? k->at->pos.offset : 0;
		int rc = rules_ctx_extend(&next, out, k->type, k->item_name, r->name, line, col, off);
		rules_ctx_free(out);
		if (rc)
			return rc;
		*out = next;
	}
	return 0;
}

static int record(struct rd *r, bool error, int code, const struct cx *c, const char *fmt, va_list ap)
{
	char msg[1024];
	struct rules_ctx ctx;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	int rc = rd_ctx(r, c, &ctx);
	if (!rc)
		rc = error ? rules_result_error(res(r), (enum rules_err_code)code, msg, &ctx)
			   : rules_result_warning(res(r), (enum rules_warn_code)code, msg, &ctx);
	rules_ctx_free(&ctx);
	if (rc)
		return r->rc = -ENOMEM;
	if (error)
		r->rc = -EINVAL;
	return error ? -EINVAL : 0;
}

int rd_fail(struct rd *r, const struct cx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = record(r, true, RULES_ERR_YAML_VALIDATE, c, fmt, ap);
	va_end(ap);
	return rc;
}

int rd_warn(struct rd *r, enum rules_warn_code code, const struct cx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = record(r, false, (int)code, c, fmt, ap);
	va_end(ap);
	return rc;
}

int rd_nomem(struct rd *r)
{
	return r->rc = -ENOMEM;
}

/* ---------------- value decoders (upstream's decode_val rules) ---------------- */

/* The scalar under `key`, or NULL when absent-and-optional or empty-and-allowed. */
int rd_scalar(struct rd *r, const struct cfg_node *item, const char *key, const struct cx *c,
		     unsigned flags, const struct cfg_node **out)
{
	const struct cfg_node *v = cfg_map_get(item, key);
	*out = NULL;
	if (!v)
		return (flags & OPTIONAL) ? 0 : rd_fail(r, c, "Item has no mapping for key '%s'", key);
	if (v->kind == CFG_NULL)
		return (flags & EMPTY_OK) ? 0 : rd_fail(r, c, "Mapping for key '%s' is empty", key);
	struct cx vc = { c, RULES_CTX_VALUE_FOR, key, v };
	if (v->kind != CFG_SCALAR)
		return rd_fail(r, &vc, "Value is not a scalar value");
	if (!v->text[0])
		return (flags & EMPTY_OK) ? 0 : rd_fail(r, &vc, "Value must be non-empty");
	*out = v;
	return 0;
}

int rd_str(struct rd *r, const struct cfg_node *item, const char *key, const struct cx *c,
		   unsigned flags, char **out)
{
	const struct cfg_node *v;
	int rc = rd_scalar(r, item, key, c, flags, &v);
	if (rc || !v)
		return rc;
	free(*out);
	*out = strdup(v->text);
	return *out ? 0 : rd_nomem(r);
}

int rd_bool(struct rd *r, const struct cfg_node *item, const char *key, const struct cx *c,
		    unsigned flags, bool *out)
{
	const struct cfg_node *v;
	int rc = rd_scalar(r, item, key, c, flags, &v);
	if (rc || !v)
		return rc;
	struct cx vc = { c, RULES_CTX_VALUE_FOR, key, v };
	return cfg_scalar_bool(v, out) ? 0 : rd_fail(r, &vc, "Can't decode YAML scalar value");
}

int rd_u64(struct rd *r, const struct cfg_node *item, const char *key, const struct cx *c,
		   unsigned flags, uint64_t max, uint64_t *out)
{
	const struct cfg_node *v;
	int64_t i;
	int rc = rd_scalar(r, item, key, c, flags, &v);
	if (rc || !v)
		return rc;
	struct cx vc = { c, RULES_CTX_VALUE_FOR, key, v };
	if (!cfg_scalar_i64(v, &i) || i < 0 || (uint64_t)i > max || v->text[0] == '-')
		return rd_fail(r, &vc, "Can't decode YAML scalar value");
	*out = (uint64_t)i;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A sequence of scalars (`items`, `tags`). */
int rd_seq(struct rd *r, const struct cfg_node *item, const char *key, const struct cx *c,
		   unsigned flags, struct cfg_strlist *out)
{
	const struct cfg_node *v = cfg_map_get(item, key);
	if (!v)
		return (flags & OPTIONAL) ? 0 : rd_fail(r, c, "Item has no mapping for key '%s'", key);
	struct cx vc = { c, RULES_CTX_VALUE_FOR, key, v };
	if (v->kind != CFG_SEQ)
		return rd_fail(r, &vc, "Value is not a sequence");
	for (size_t i = 0; i < v->n; i++) {
		struct cx ic = { &vc, RULES_CTX_LIST_ITEM, "", v->kids[i] };
		if (v->kids[i]->kind != CFG_SCALAR)
			return rd_fail(r, &ic, "sequence value is not scalar");
		char **nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (!nv)
			return rd_nomem(r);
		out->v = nv;
		if (!(out->v[out->n] = strdup(v->kids[i]->text)))
			return rd_nomem(r);
		out->n++;
	}
	return 0;
}

/* Tags are a set upstream: sorted, each once. */
void rd_sort_unique(struct cfg_strlist *l)
{
	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof(char *), cmp_str);
	size_t w = 1;
	for (size_t i = 1; i < l->n; i++) {
		if (strcmp(l->v[i], l->v[w - 1]))
			l->v[w++] = l->v[i];
		else
			free(l->v[i]);
	}
	l->n = w;
}

/* ---------------- items ---------------- */

struct rules_item *rd_new_item(struct rd *r, enum rules_item_kind kind, enum rules_op op,
				   const char *name, const struct cx *c)
{
	struct rules_set *s = r->set;
	if (s->nitems == s->cap_items) {   /* doubling: large files stay linear */
		size_t cap = s->cap_items ? s->cap_items * 2 : 64;
		struct rules_item *v = realloc(s->items, cap * sizeof(*v));
		if (!v) {
			rd_nomem(r);
			return NULL;
		}
		s->items = v;
		s->cap_items = cap;
	}
	struct rules_item *it = &s->items[s->nitems];
	*it = (struct rules_item){ .kind = kind, .op = op, .file = r->file };
	it->rule.enabled = true;
	it->rule.warn_evttypes = true;
	if (!(it->name = strdup(name ? name : "")) || rd_ctx(r, c, &it->ctx)) {
		free(it->name);
		rd_nomem(r);
		return NULL;
	}
	s->nitems++;
	return it;
}

/* Hands a finished item to the set's callback (the collector). */
int rd_publish(struct rd *r, size_t index)
{
	struct rules_set *s = r->set;
	if (!s->on_item || r->rc)
		return r->rc;
	int rc = s->on_item(s, &s->items[index], s->on_item_ud);
	if (rc)
		r->rc = rc == -ENOMEM ? -ENOMEM : -EINVAL;
	return r->rc;
}

int rd_unknown_keys(struct rd *r, const struct cfg_node *item, const char *const *keys,
			     const struct cx *c)
{
	for (size_t i = 0; i < item->n; i++) {
		const char *k = item->keys[i]->text;
		const char *const *e = keys;
		while (*e && strcmp(*e, k))
			e++;
		if (!*e && rd_warn(r, RULES_WARN_UNKNOWN_KEY, c, "Unknown key '%s'. The key will be ignored.", k))
			return r->rc;
	}
	return 0;
}

static int read_engine_version(struct rd *r, const struct cfg_node *item, const struct cx *parent)
{
	static const char *const keys[] = { "required_engine_version", NULL };
	struct cx c = { parent, RULES_CTX_REQUIRED_ENGINE_VERSION, "", item };
	const struct cfg_node *v;
	int64_t n;
	unsigned ver[3];
	if (rd_scalar(r, item, "required_engine_version", &c, 0, &v))
		return r->rc;
	if (cfg_scalar_i64(v, &n) && n >= 0 && n <= UINT32_MAX && v->text[0] != '-') {
		rules_implicit_version((unsigned)n, ver);
	} else {
		char tail;
		if (sscanf(v->text, "%u.%u.%u%c", &ver[0], &ver[1], &ver[2], &tail) < 3)
			return rd_fail(r, &c, "Unable to parse engine version '%s' as a semver string. "
				    "Expected \"x.y.z\" semver format.", v->text);
	}
	struct rules_item *it = rd_new_item(r, RULES_ITEM_ENGINE_VERSION, RULES_OP_DEFINE, v->text, &c);
	if (!it)
		return r->rc;
	memcpy(it->version, ver, sizeof(ver));
	if (rd_publish(r, (size_t)(it - r->set->items)))
		return r->rc;
	return rd_unknown_keys(r, item, keys, &c);
}

static int add_req(struct rd *r, struct rules_item *it, const char *name, const char *version)
{
	struct rules_plugin_req *v = realloc(it->reqs, (it->nreqs + 1) * sizeof(*v));
	if (!v)
		return rd_nomem(r);
	it->reqs = v;
	v[it->nreqs].name = strdup(name);
	v[it->nreqs].version = strdup(version);
	it->nreqs++;
	return v[it->nreqs - 1].name && v[it->nreqs - 1].version ? 0 : rd_nomem(r);
}

/* One `name`/`version` pair; `*name` and `*version` are owned by the caller. */
static int read_req(struct rd *r, const struct cfg_node *m, enum rules_ctx_type type,
		    const char *what, const struct cx *parent, char **name, char **version)
{
	struct cx tmp = { parent, type, "", m };
	if (m->kind != CFG_MAP)
		return rd_fail(r, &tmp, "%s must be a mapping", what);
	if (rd_str(r, m, "name", &tmp, 0, name))
		return r->rc;
	struct cx named = { parent, type, *name, m };
	return rd_str(r, m, "version", &named, 0, version);
}

static int read_plugin_entry(struct rd *r, const struct cfg_node *p, const struct cx *c)
{
	char *name = NULL, *version = NULL;
	int rc = read_req(r, p, RULES_CTX_REQUIRED_PLUGIN_VERSIONS_ENTRY, "Plugin version", c, &name, &version);
	struct cx pc = { c, RULES_CTX_REQUIRED_PLUGIN_VERSIONS_ENTRY, name, p };
	struct rules_item *it = rc ? NULL : rd_new_item(r, RULES_ITEM_PLUGIN_VERSION, RULES_OP_DEFINE, name, &pc);
	const struct cfg_node *alts = it ? cfg_map_get(p, "alternatives") : NULL;
	if (it && !add_req(r, it, name, version) && alts && alts->kind != CFG_SEQ)
		rd_fail(r, &pc, "Value of plugin version alternatives must be a sequence");
	for (size_t i = 0; alts && alts->kind == CFG_SEQ && i < alts->n && !r->rc; i++) {
		char *aname = NULL, *aversion = NULL;
		if (!read_req(r, alts->kids[i], RULES_CTX_REQUIRED_PLUGIN_VERSIONS_ALTERNATIVE,
			      "Plugin version alternative", &pc, &aname, &aversion))
			add_req(r, it, aname, aversion);
		free(aname);
		free(aversion);
	}
	if (it && !r->rc)
		rd_publish(r, r->set->nitems - 1);
	free(name);
	free(version);
	return r->rc;
}

static int read_plugin_versions(struct rd *r, const struct cfg_node *item, const struct cx *parent)
{
	static const char *const keys[] = { "required_plugin_versions", NULL };
	const struct cfg_node *l = cfg_map_get(item, "required_plugin_versions");
	struct cx c = { parent, RULES_CTX_REQUIRED_PLUGIN_VERSIONS, "", l };
	if (l->kind != CFG_SEQ)
		return rd_fail(r, &c, "Value of required_plugin_versions must be a sequence");
	for (size_t i = 0; i < l->n && !r->rc; i++)
		read_plugin_entry(r, l->kids[i], &c);
	struct cx ic = { parent, RULES_CTX_REQUIRED_PLUGIN_VERSIONS, "", item };
	return r->rc ? r->rc : rd_unknown_keys(r, item, keys, &ic);
}

/* ---------------- lists and macros ---------------- */

static bool is_barestr(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (strchr("()\"'=, \t\n\r\f\v", *s))
			return false;
	return true;
}

static bool is_identifier(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* The part lists and macros share: name, its check, `append`, `override`. */
static int read_named(struct rd *r, const struct cfg_node *item, const char *key,
		      enum rules_ctx_type type, const struct cx *parent, char **name)
{
	struct cx tmp = { parent, type, "", item };
	if (rd_str(r, item, key, &tmp, 0, name))
		return r->rc;
	struct cx c = { parent, type, *name, item };
	bool list = type == RULES_CTX_LIST;
	if (list ? !is_barestr(*name) : !is_identifier(*name))
		rd_warn(r, list ? RULES_WARN_INVALID_LIST_NAME : RULES_WARN_INVALID_MACRO_NAME, &c,
		     "%s has an invalid name. %s names should match a regular expression: %s",
		     list ? "List" : "Macro", list ? "List" : "Macro",
		     list ? "([^()\"'[:space:]=,]+)" : "([a-zA-Z]+[a-zA-Z0-9_]*)");
	return r->rc;
}

static int read_append_override(struct rd *r, const struct cfg_node *item, const struct cx *c,
				const char *body, bool *append)
{
	/* Lists and macros have one overridable key; reuse the rule key bits
	 * with the condition bit standing for `items` too. */
	*append = false;
	if (rd_bool(r, item, "append", c, OPTIONAL, append))
		return r->rc;
	if (*append && rd_warn(r, RULES_WARN_DEPRECATED_ITEM, c, WARNING_APPEND))
		return r->rc;
	const struct cfg_node *o = cfg_map_get(item, "override");
	bool has_override = false, app = false;
	struct cx oc = { c, RULES_CTX_OVERRIDE, "", item };
	if (o && o->kind != CFG_NULL && o->kind != CFG_MAP)
		return rd_fail(r, &oc, "Value of override must be a mapping");
	for (size_t i = 0; o && o->kind == CFG_MAP && i < o->n; i++) {
		const char *key = o->keys[i]->text, *op = o->kids[i]->kind == CFG_SCALAR ? o->kids[i]->text : "";
		struct cx kc = { &oc, RULES_CTX_OVERRIDE, key, o->keys[i] };
		bool known = !strcmp(key, body);
		if (!strcmp(op, "append") || !strcmp(op, "replace")) {
			if (!known)
				return rd_fail(r, &kc, op[0] == 'a' ? "Key '%s' cannot be appended to, use 'replace' instead"
								 : "Key '%s' cannot be replaced", key);
			has_override = true;
			app |= op[0] == 'a';
		} else {
			struct cx vc = { &oc, RULES_CTX_VALUE_FOR, key, o->kids[i] };
			return rd_fail(r, &vc, "Invalid override operation for key '%s': '%s'. Allowed values are: %s",
				    key, op, known ? "append replace " : "");
		}
	}
	if (*append && has_override)
		return rd_fail(r, c, ERROR_OVERRIDE_APPEND);
	*append |= app;
	return 0;
}

static int read_list(struct rd *r, const struct cfg_node *item, const struct cx *parent)
{
	static const char *const keys[] = { "list", "items", "append", "override", NULL };
	char *name = NULL;
	bool append;
	if (read_named(r, item, "list", RULES_CTX_LIST, parent, &name)) {
		free(name);
		return r->rc;
	}
	struct cx c = { parent, RULES_CTX_LIST, name, item };
	struct cfg_strlist items = { 0 };
	if (!rd_seq(r, item, "items", &c, 0, &items) &&
	    !read_append_override(r, item, &c, "items", &append)) {
		struct rules_item *it = rd_new_item(r, RULES_ITEM_LIST, append ? RULES_OP_APPEND : RULES_OP_DEFINE, name, &c);
		if (it) {
			it->items = items;
			items = (struct cfg_strlist){ 0 };
			if (!rd_publish(r, r->set->nitems - 1))
				rd_unknown_keys(r, item, keys, &c);
		}
	}
	for (size_t i = 0; i < items.n; i++)
		free(items.v[i]);
	free(items.v);
	free(name);
	return r->rc;
}

static int read_macro(struct rd *r, const struct cfg_node *item, const struct cx *parent)
{
	static const char *const keys[] = { "macro", "condition", "append", "override", NULL };
	char *name = NULL, *cond = NULL;
	bool append;
	if (read_named(r, item, "macro", RULES_CTX_MACRO, parent, &name)) {
		free(name);
		return r->rc;
	}
	struct cx c = { parent, RULES_CTX_MACRO, name, item };
	if (!rd_str(r, item, "condition", &c, 0, &cond) &&
	    !read_append_override(r, item, &c, "condition", &append)) {
		struct rules_item *it = rd_new_item(r, RULES_ITEM_MACRO, append ? RULES_OP_APPEND : RULES_OP_DEFINE, name, &c);
		struct cx cc = { &c, RULES_CTX_MACRO_CONDITION, "", cfg_map_get(item, "condition") };
		if (it) {
			it->cond = cond;
			cond = NULL;
			if (rd_ctx(r, &cc, &it->cond_ctx))
				rd_nomem(r);
			else if (!rd_publish(r, r->set->nitems - 1))
				rd_unknown_keys(r, item, keys, &c);
		}
	}
	free(cond);
	free(name);
	return r->rc;
}


/* ---------------- documents ---------------- */

static int read_item(struct rd *r, const struct cfg_node *item, const struct cx *root)
{
	struct cx ic = { root, RULES_CTX_RULES_CONTENT_ITEM, "", item };
	if (item->kind != CFG_MAP)
		return rd_fail(r, &ic, "Unexpected element type. Each element should be a yaml associative array.");
	if (cfg_map_get(item, "required_engine_version"))
		return read_engine_version(r, item, root);
	if (cfg_map_get(item, "required_plugin_versions"))
		return read_plugin_versions(r, item, root);
	if (cfg_map_get(item, "list"))
		return read_list(r, item, root);
	if (cfg_map_get(item, "macro"))
		return read_macro(r, item, root);
	if (cfg_map_get(item, "rule"))
		return rd_read_rule(r, item, root);
	return rd_warn(r, RULES_WARN_UNKNOWN_ITEM, &ic, "Unknown top level item");
}

static int read_docs(struct rd *r, struct cfg_node **docs, size_t ndocs)
{
	struct cx root = { NULL, RULES_CTX_RULES_CONTENT, "", NULL };
	for (size_t d = 0; d < ndocs && !r->rc; d++) {
		const struct cfg_node *doc = docs[d];
		if (doc->kind == CFG_NULL)
			continue;
		if (doc->kind == CFG_SCALAR)
			return rd_fail(r, &root, "Rules content is not yaml");
		if (doc->kind != CFG_SEQ)
			return rd_fail(r, &root, "Rules content is not yaml array of objects");
		for (size_t i = 0; i < doc->n && !r->rc; i++)
			if (doc->kids[i]->kind != CFG_NULL)
				read_item(r, doc->kids[i], &root);
	}
	return r->rc;
}

static int add_file(struct rules_set *s, const char *name, const char *content, size_t len)
{
	size_t n = s->nresults + 1;
	struct rules_result *res = realloc(s->results, n * sizeof(*res));
	if (res)
		s->results = res;
	char **contents = res ? realloc(s->contents, n * sizeof(*contents)) : NULL;
	if (contents)
		s->contents = contents;
	size_t *lengths = contents ? realloc(s->lengths, n * sizeof(*lengths)) : NULL;
	if (!lengths)
		return -ENOMEM;
	s->lengths = lengths;
	s->results[s->nresults] = (struct rules_result){ .ok = true, .name = strdup(name) };
	s->contents[s->nresults] = malloc(len + 1);
	s->lengths[s->nresults] = len;
	if (s->contents[s->nresults]) {
		memcpy(s->contents[s->nresults], content, len);
		s->contents[s->nresults][len] = 0;
	}
	s->nresults++;
	return s->results[s->nresults - 1].name && s->contents[s->nresults - 1] ? 0 : -ENOMEM;
}

static int parse_error(struct rd *r, const struct cx *c, const struct cfg_err *err)
{
	/* cfg_yaml_read names the file and position itself; keep the problem. */
	const char *msg = err->msg;
	char text[1200], prefix[1100];
	if (err->has_pos) {
		snprintf(prefix, sizeof(prefix), "%s:%u:%u: ", r->name, err->line + 1, err->col + 1);
		if (!strncmp(msg, prefix, strlen(prefix)))
			msg += strlen(prefix);
		snprintf(text, sizeof(text), "yaml: error at line %u, column %u: %s", err->line + 1,
			 err->col + 1, msg);
		msg = text;
	}
	struct rules_ctx ctx;
	if (rd_ctx(r, c, &ctx) || rules_result_error(res(r), RULES_ERR_YAML_PARSE, msg, &ctx)) {
		rules_ctx_free(&ctx);
		return r->rc = -ENOMEM;
	}
	rules_ctx_free(&ctx);
	return r->rc = -EINVAL;
}

int rules_set_read_string(struct rules_set *s, const char *name, const char *content, size_t len)
{
	if (add_file(s, name, content, len))
		return -ENOMEM;
	struct rd r = { .set = s, .file = s->nresults - 1, .name = name };
	struct cfg_node **docs = NULL;
	size_t ndocs = 0;
	struct cfg_err err;
	if (cfg_yaml_read(content, len, name, NULL, &docs, &ndocs, &err)) {
		struct cx root = { NULL, RULES_CTX_RULES_CONTENT, "", NULL };
		struct cfg_node at = { .pos = { .line = err.line, .col = err.col, .offset = err.offset } };
		struct cx mark = { &root, RULES_CTX_VALUE_FOR, "", &at };
		return parse_error(&r, err.has_pos ? &mark : &root, &err);
	}
	read_docs(&r, docs, ndocs);
	for (size_t i = 0; i < ndocs; i++)
		cfg_node_free(docs[i]);
	free(docs);
	return r.rc;
}

int rules_set_read_file(struct rules_set *s, const char *path)
{
	char *text;
	size_t len;
	struct cfg_err err;
	int rc = cfg_read_file(path, &text, &len, &err);
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		if (add_file(s, path, "", 0))
			return -ENOMEM;
		struct rules_ctx ctx = { 0 };
		struct rd r = { .set = s, .file = s->nresults - 1, .name = path };
		struct cx root = { NULL, RULES_CTX_RULES_CONTENT, "", NULL };
		char msg[1200];
		snprintf(msg, sizeof(msg), "Could not open file %s for reading: %s", path, strerror(-rc));
		if (rd_ctx(&r, &root, &ctx) ||
		    rules_result_error(&s->results[r.file], RULES_ERR_FILE_READ, msg, &ctx))
			rc = -ENOMEM;
		else
			rc = -EINVAL;
		rules_ctx_free(&ctx);
		return rc;
	}
	rc = rules_set_read_string(s, path, text, len);
	free(text);
	return rc;
}

static bool yaml_name(const char *p)
{
	size_t n = strlen(p);
	return (n >= 5 && !strcmp(p + n - 5, ".yaml")) || (n >= 4 && !strcmp(p + n - 4, ".yml"));
}

int rules_expand_path(const char *path, struct cfg_strlist *out)
{
	struct stat sb;
	struct cfg_strlist found = { 0 };
	int rc = 0;
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		found.v = malloc(sizeof(char *));
		if (!found.v || !(found.v[0] = strdup(path)))
			rc = -ENOMEM;
		else
			found.n = 1;
	} else {
		DIR *d = opendir(path);
		struct dirent *de;
		while (!rc && d && (de = readdir(d)) != NULL) {
			char *p;
			if (asprintf(&p, "%s/%s", path, de->d_name) < 0) {
				rc = -ENOMEM;
				break;
			}
			char **v = NULL;
			if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode) &&
			    (v = realloc(found.v, (found.n + 1) * sizeof(*v))) != NULL) {
				found.v = v;
				found.v[found.n++] = p;
			} else {
				free(p);
			}
		}
		if (d)
			closedir(d);
		if (found.n)
			qsort(found.v, found.n, sizeof(char *), cmp_str);
	}
	for (size_t i = 0; i < found.n; i++) {
		char **v;
		if (!rc && yaml_name(found.v[i]) && (v = realloc(out->v, (out->n + 1) * sizeof(*v)))) {
			out->v = v;
			out->v[out->n++] = found.v[i];
		} else {
			free(found.v[i]);
		}
	}
	free(found.v);
	return rc;
}

void rules_implicit_version(unsigned n, unsigned v[3])
{
	v[0] = 0;
	v[1] = n;
	v[2] = 0;
}

struct rules_set *rules_set_new(void)
{
	return calloc(1, sizeof(struct rules_set));
}

void rd_rule_free(struct rules_rule *rule)
{
	free(rule->cond);
	free(rule->output);
	free(rule->desc);
	free(rule->source);
	for (size_t i = 0; i < rule->tags.n; i++)
		free(rule->tags.v[i]);
	free(rule->tags.v);
	for (size_t i = 0; i < rule->nexceptions; i++) {
		struct rules_exception *e = &rule->exceptions[i];
		free(e->name);
		rd_entry_free(&e->fields);
		rd_entry_free(&e->comps);
		for (size_t k = 0; k < e->nvalues; k++)
			rd_entry_free(&e->values[k]);
		free(e->values);
		rules_ctx_free(&e->ctx);
	}
	free(rule->exceptions);
	rules_ctx_free(&rule->cond_ctx);
	rules_ctx_free(&rule->output_ctx);
	*rule = (struct rules_rule){ 0 };
}

static void item_free(struct rules_item *it)
{
	free(it->name);
	rules_ctx_free(&it->ctx);
	for (size_t i = 0; i < it->nreqs; i++) {
		free(it->reqs[i].name);
		free(it->reqs[i].version);
	}
	free(it->reqs);
	for (size_t i = 0; i < it->items.n; i++)
		free(it->items.v[i]);
	free(it->items.v);
	free(it->cond);
	rules_ctx_free(&it->cond_ctx);
	rd_rule_free(&it->rule);
}

static void msgs_free(struct rules_msg *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].msg);
		free(m[i].alt);
		rules_ctx_free(&m[i].ctx);
	}
	free(m);
}

void rules_set_free(struct rules_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nitems; i++)
		item_free(&s->items[i]);
	free(s->items);
	for (size_t i = 0; i < s->nresults; i++) {
		free(s->results[i].name);
		msgs_free(s->results[i].errs, s->results[i].nerrs);
		msgs_free(s->results[i].warns, s->results[i].nwarns);
		free(s->contents[i]);
	}
	free(s->results);
	free(s->contents);
	free(s->lengths);
	free(s);
}
