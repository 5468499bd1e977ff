/*
 * The YAML tree: libyaml's event stream turned into nodes that remember their
 * position, plus the small helpers every reader of the tree needs (lookups,
 * yaml-cpp-compatible scalar conversions, `${ENV}` expansion).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/config.h"
#include "config/internal.h"

/* Bounds that keep hostile input from exhausting memory or the stack. */
#define MAX_DEPTH 512
#define MAX_NODES (1u << 20)
#define MAX_ALIAS_NODES (1u << 16)  /* nodes copied by alias expansion, per input */
#define MAX_ENV_RESULT (1u << 20)

void cfg_errf(struct cfg_err *err, const char *fmt, ...)
{
	if (!err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

/* ---------------- sources and nodes ---------------- */

struct cfg_src *cfg_src_new(const char *name, bool cli)
{
	size_t len = strlen(name);
	struct cfg_src *s = malloc(sizeof(*s) + len + 1);
	if (!s)
		return NULL;
	s->refs = 1;
	s->cli = cli;
	memcpy(s->name, name, len + 1);
	return s;
}

struct cfg_src *cfg_src_ref(struct cfg_src *s)
{
	if (s)
		s->refs++;
	return s;
}

void cfg_src_unref(struct cfg_src *s)
{
	if (s && --s->refs == 0)
		free(s);
}

struct cfg_node *cfg_node_new(enum cfg_kind kind, const char *text, const struct cfg_pos *pos)
{
	struct cfg_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = kind;
	if (text) {
		n->text = strdup(text);
		if (!n->text) {
			free(n);
			return NULL;
		}
	}
	if (pos) {
		n->pos = *pos;
		cfg_src_ref(n->pos.src);
	}
	return n;
}

void cfg_node_free(struct cfg_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->keys)
			cfg_node_free(n->keys[i]);
		cfg_node_free(n->kids[i]);
	}
	free(n->keys);
	free(n->kids);
	free(n->text);
	cfg_src_unref(n->pos.src);
	free(n);
}

static int grow(struct cfg_node *n)
{
	if (n->n < n->cap)
		return 0;
	size_t cap = n->cap ? n->cap * 2 : 4;
	struct cfg_node **kids = realloc(n->kids, cap * sizeof(*kids));
	if (!kids)
		return -ENOMEM;
	n->kids = kids;
	if (n->kind == CFG_MAP) {
		struct cfg_node **keys = realloc(n->keys, cap * sizeof(*keys));
		if (!keys)
			return -ENOMEM;
		n->keys = keys;
	}
	n->cap = cap;
	return 0;
}

int cfg_node_push(struct cfg_node *seq, struct cfg_node *val)
{
	if (seq->kind != CFG_SEQ || grow(seq)) {
		cfg_node_free(val);
		return seq->kind != CFG_SEQ ? -EINVAL : -ENOMEM;
	}
	seq->kids[seq->n++] = val;
	return 0;
}

int cfg_node_put(struct cfg_node *map, struct cfg_node *key, struct cfg_node *val)
{
	if (map->kind != CFG_MAP || grow(map)) {
		cfg_node_free(key);
		cfg_node_free(val);
		return map->kind != CFG_MAP ? -EINVAL : -ENOMEM;
	}
	map->keys[map->n] = key;
	map->kids[map->n++] = val;
	return 0;
}

struct cfg_node *cfg_node_clone(const struct cfg_node *n)
{
	if (!n)
		return NULL;
	struct cfg_node *c = cfg_node_new(n->kind, n->text, &n->pos);
	if (!c)
		return NULL;
	c->quoted = n->quoted;
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_node *v = cfg_node_clone(n->kids[i]);
		int rc;
		if (n->kind == CFG_MAP)
			rc = cfg_node_put(c, cfg_node_clone(n->keys[i]), v);
		else
			rc = cfg_node_push(c, v);
		if (rc || !v) {
			cfg_node_free(c);
			return NULL;
		}
	}
	return c;
}

long cfg_map_index(const struct cfg_node *map, const char *key)
{
	if (!map || map->kind != CFG_MAP)
		return -1;
	for (size_t i = 0; i < map->n; i++)
		if (map->keys[i]->text && strcmp(map->keys[i]->text, key) == 0)
			return (long)i;
	return -1;
}

struct cfg_node *cfg_map_get(const struct cfg_node *map, const char *key)
{
	long i = cfg_map_index(map, key);
	return i < 0 ? NULL : map->kids[i];
}

void cfg_pos_format(const struct cfg_pos *pos, char *buf, size_t len)
{
	if (!pos->src)
		snprintf(buf, len, "<default>");
	else if (pos->src->cli)
		snprintf(buf, len, "-o %s", pos->src->name);
	else
		snprintf(buf, len, "%s:%u:%u", pos->src->name, pos->line + 1, pos->col + 1);
}

/* ---------------- scalar conversions (yaml-cpp's rules) ---------------- */

/* yaml-cpp accepts each boolean word in lower case, upper case, or with a
 * capital first letter only. */
static bool word_matches(const char *s, const char *word)
{
	size_t len = strlen(word);
	if (strlen(s) != len)
		return false;
	bool lower = true, upper = true, cap = true;
	for (size_t i = 0; i < len; i++) {
		char lc = word[i], uc = (char)(word[i] - 'a' + 'A');
		lower &= s[i] == lc;
		upper &= s[i] == uc;
		cap &= s[i] == (i == 0 ? uc : lc);
	}
	return lower || upper || cap;
}

bool cfg_scalar_bool(const struct cfg_node *n, bool *out)
{
	static const char *const t[] = { "y", "yes", "true", "on" };
	static const char *const f[] = { "n", "no", "false", "off" };
	if (!n || n->kind != CFG_SCALAR)
		return false;
	for (size_t i = 0; i < 4; i++) {
		if (word_matches(n->text, t[i])) {
			*out = true;
			return true;
		}
		if (word_matches(n->text, f[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

bool cfg_scalar_i64(const struct cfg_node *n, int64_t *out)
{
	if (!n || n->kind != CFG_SCALAR)
		return false;
	const char *s = n->text;
	int base = 10;
	bool neg = false;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && s[1] == 'o')
		base = 8, s += 2;
	if (!*s)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		if (d >= base || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (v > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

bool cfg_scalar_double(const struct cfg_node *n, double *out)
{
	if (!n || n->kind != CFG_SCALAR)
		return false;
	const char *s = n->text;
	const char *b = (*s == '+' || *s == '-') ? s + 1 : s;
	if (word_matches(b, ".inf")) {
		*out = *s == '-' ? -__builtin_inf() : __builtin_inf();
		return true;
	}
	if (s == b && word_matches(s, ".nan")) {
		*out = __builtin_nan("");
		return true;
	}
	/* Plain decimal only: strtod would also take hex, "inf" and spaces. */
	bool digit = false;
	for (const char *p = b; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digit = true;
		else if (!strchr(".eE+-", *p))
			return false;
	}
	if (!digit)
		return false;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*end || end == s)
		return false;
	*out = v;
	return true;
}

/* ---------------- ${ENV} expansion ---------------- */

/* Follows upstream's scan: after a substitution the scan resumes where the
 * variable was, so a value holding `${OTHER}` is expanded in turn; `$${`
 * drops one `$` and skips the next; any other `$` ends the scan. */
char *cfg_expand_env(const char *in)
{
	struct sbuf b = { 0 };
	if (sbuf_puts(&b, in))
		return NULL;
	size_t pos = 0;
	unsigned steps = 0;
	char *d;
	while ((d = strchr(b.s + pos, '$')) != NULL) {
		pos = (size_t)(d - b.s);
		if (++steps > 100000 || b.len > MAX_ENV_RESULT)
			goto fail;
		if (d[1] == '{') {
			char *close = strchr(d, '}');
			if (!close)
				break;
			size_t nlen = (size_t)(close - d) - 2;
			char *name = strndup(d + 2, nlen);
			if (!name)
				goto fail;
			const char *val = getenv(name);
			free(name);
			if (sbuf_splice(&b, pos, nlen + 3, val ? val : ""))
				goto fail;
		} else if (d[1] == '$' && d[2] == '{') {
			if (!strchr(d, '}'))
				break;
			if (sbuf_splice(&b, pos, 1, ""))
				goto fail;
			pos++;
		} else {
			break;
		}
	}
	return b.s;
fail:
	free(b.s);
	return NULL;
}

/* ---------------- the reader ---------------- */

struct anchor {
	char *name;
	struct cfg_node *node;   /* borrowed: owned by the tree being built */
};

struct builder {
	yaml_parser_t parser;
	struct cfg_src *src;
	const struct cfg_read_opts *opts;
	struct anchor *anchors;
	size_t nanchors, capanchors;
	size_t nodes;
	size_t alias_nodes;
	bool in_key;            /* building a map key: no ${ENV} expansion (as upstream) */
	struct cfg_err *err;
};

static struct cfg_pos mark_pos(struct builder *b, yaml_mark_t m)
{
	struct cfg_pos p = { .src = b->src, .line = (uint32_t)m.line,
			     .col = (uint32_t)m.column, .offset = m.index };
	return p;
}

static int parse_error(struct builder *b)
{
	yaml_parser_t *p = &b->parser;
	if (p->error == YAML_MEMORY_ERROR) {
		cfg_errf(b->err, "%s: out of memory reading YAML", b->src->name);
		return -ENOMEM;
	}
	const char *what = p->problem ? p->problem : "invalid YAML";
	b->err->has_pos = true;
	b->err->line = (uint32_t)p->problem_mark.line;
	b->err->col = (uint32_t)p->problem_mark.column;
	b->err->offset = p->problem_mark.index;
	if (p->context)
		cfg_errf(b->err, "%s:%zu:%zu: %s %s", b->src->name, p->problem_mark.line + 1,
			 p->problem_mark.column + 1, p->context, what);
	else
		cfg_errf(b->err, "%s:%zu:%zu: %s", b->src->name, p->problem_mark.line + 1,
			 p->problem_mark.column + 1, what);
	return -EINVAL;
}

static int next_event(struct builder *b, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&b->parser, ev))
		return parse_error(b);
	return 0;
}

static int remember_anchor(struct builder *b, const yaml_char_t *name, struct cfg_node *n)
{
	if (!name)
		return 0;
	if (b->nanchors == b->capanchors) {
		size_t cap = b->capanchors ? b->capanchors * 2 : 8;
		struct anchor *a = realloc(b->anchors, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		b->anchors = a;
		b->capanchors = cap;
	}
	char *copy = strdup((const char *)name);
	if (!copy)
		return -ENOMEM;
	b->anchors[b->nanchors].name = copy;
	b->anchors[b->nanchors++].node = n;
	return 0;
}

static size_t count_nodes(const struct cfg_node *n)
{
	size_t c = 1;
	for (size_t i = 0; i < n->n; i++)
		c += count_nodes(n->kids[i]) + (n->keys ? 1 : 0);
	return c;
}

/* An alias is a copy of its anchor's node, counted against MAX_NODES so that
 * nested aliases cannot blow up. */
static struct cfg_node *resolve_alias(struct builder *b, yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	for (size_t i = b->nanchors; i-- > 0;) {
		if (strcmp(b->anchors[i].name, name) != 0)
			continue;
		b->alias_nodes += count_nodes(b->anchors[i].node);
		if (b->alias_nodes > MAX_ALIAS_NODES) {
			cfg_errf(b->err, "%s:%zu:%zu: too many nodes (alias expansion)",
				 b->src->name, ev->start_mark.line + 1, ev->start_mark.column + 1);
			return NULL;
		}
		struct cfg_node *c = cfg_node_clone(b->anchors[i].node);
		if (!c)
			cfg_errf(b->err, "out of memory");
		return c;
	}
	cfg_errf(b->err, "%s:%zu:%zu: unknown anchor '%s'", b->src->name,
		 ev->start_mark.line + 1, ev->start_mark.column + 1, name);
	return NULL;
}

/* yaml-cpp reads a plain `~`, `null` (any case form) or empty scalar as null. */
static bool plain_null(const char *s)
{
	return !*s || !strcmp(s, "~") || word_matches(s, "null");
}

static struct cfg_node *make_scalar(struct builder *b, yaml_event_t *ev)
{
	const char *text = (const char *)ev->data.scalar.value;
	struct cfg_pos pos = mark_pos(b, ev->start_mark);
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (plain && plain_null(text))
		return cfg_node_new(CFG_NULL, NULL, &pos);
	char *expanded = NULL;
	if (b->opts && b->opts->expand_env && !b->in_key) {
		expanded = cfg_expand_env(text);
		if (!expanded) {
			cfg_errf(b->err, "%s:%u:%u: environment expansion of '%s' does not end",
				 b->src->name, pos.line + 1, pos.col + 1, text);
			return NULL;
		}
		text = expanded;
	}
	struct cfg_node *n = cfg_node_new(CFG_SCALAR, text, &pos);
	free(expanded);
	if (n)
		n->quoted = !plain;
	return n;
}

static struct cfg_node *build(struct builder *b, yaml_event_t *ev, int depth);

static struct cfg_node *build_children(struct builder *b, struct cfg_node *n, int depth,
				       yaml_event_type_t end)
{
	for (;;) {
		yaml_event_t ev;
		if (next_event(b, &ev))
			goto fail;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return n;
		}
		b->in_key = n->kind == CFG_MAP;
		struct cfg_node *key = build(b, &ev, depth + 1);
		b->in_key = false;
		yaml_event_delete(&ev);
		if (!key)
			goto fail;
		if (n->kind == CFG_SEQ) {
			if (cfg_node_push(n, key))
				goto fail;
			continue;
		}
		if (key->kind != CFG_SCALAR && key->kind != CFG_NULL) {
			cfg_errf(b->err, "%s:%u:%u: a mapping key must be a scalar", b->src->name,
				 key->pos.line + 1, key->pos.col + 1);
			cfg_node_free(key);
			goto fail;
		}
		if (key->kind == CFG_NULL) {  /* `~:` or `: x` is the key "" */
			key->kind = CFG_SCALAR;
			key->text = strdup("");
		}
		if (next_event(b, &ev)) {
			cfg_node_free(key);
			goto fail;
		}
		struct cfg_node *val = build(b, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!val || !key->text) {
			cfg_node_free(key);
			cfg_node_free(val);
			goto fail;
		}
		if (cfg_node_put(n, key, val))
			goto fail;
	}
fail:
	cfg_node_free(n);
	return NULL;
}

static struct cfg_node *build(struct builder *b, yaml_event_t *ev, int depth)
{
	if (depth > MAX_DEPTH) {
		cfg_errf(b->err, "%s:%zu:%zu: nesting deeper than %d levels", b->src->name,
			 ev->start_mark.line + 1, ev->start_mark.column + 1, MAX_DEPTH);
		return NULL;
	}
	if (++b->nodes > MAX_NODES) {
		cfg_errf(b->err, "%s: too many YAML nodes", b->src->name);
		return NULL;
	}
	struct cfg_node *n = NULL;
	struct cfg_pos pos = mark_pos(b, ev->start_mark);
	const yaml_char_t *anchor = NULL;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return resolve_alias(b, ev);
	case YAML_SCALAR_EVENT:
		n = make_scalar(b, ev);
		anchor = ev->data.scalar.anchor;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		n = cfg_node_new(CFG_SEQ, NULL, &pos);
		if (n)
			n = build_children(b, n, depth, YAML_SEQUENCE_END_EVENT);
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		n = cfg_node_new(CFG_MAP, NULL, &pos);
		if (n)
			n = build_children(b, n, depth, YAML_MAPPING_END_EVENT);
		break;
	default:
		cfg_errf(b->err, "%s:%zu:%zu: unexpected YAML event", b->src->name,
			 ev->start_mark.line + 1, ev->start_mark.column + 1);
		return NULL;
	}
	if (n && remember_anchor(b, anchor, n)) {
		cfg_node_free(n);
		n = NULL;
	}
	if (!n && !b->err->msg[0])
		cfg_errf(b->err, "%s: out of memory", b->src->name);
	return n;
}

static int push_doc(struct cfg_node ***docs, size_t *n, struct cfg_node *doc)
{
	struct cfg_node **d = realloc(*docs, (*n + 1) * sizeof(*d));
	if (!d) {
		cfg_node_free(doc);
		return -ENOMEM;
	}
	d[(*n)++] = doc;
	*docs = d;
	return 0;
}

/* Reads one document body (after DOCUMENT-START) up to DOCUMENT-END. */
static int read_document(struct builder *b, yaml_mark_t start, struct cfg_node **out)
{
	yaml_event_t ev;
	if (next_event(b, &ev))
		return -EINVAL;
	struct cfg_node *doc;
	if (ev.type == YAML_DOCUMENT_END_EVENT) {
		struct cfg_pos pos = mark_pos(b, start);
		doc = cfg_node_new(CFG_NULL, NULL, &pos);
	} else {
		doc = build(b, &ev, 0);
		yaml_event_delete(&ev);
		if (!doc)
			return -EINVAL;
		if (next_event(b, &ev)) {
			cfg_node_free(doc);
			return -EINVAL;
		}
	}
	yaml_event_delete(&ev);
	for (size_t i = 0; i < b->nanchors; i++)  /* anchors are per document */
		free(b->anchors[i].name);
	b->nanchors = 0;
	*out = doc;
	return doc ? 0 : -ENOMEM;
}

int cfg_yaml_read(const char *text, size_t len, const char *name,
		  const struct cfg_read_opts *opts, struct cfg_node ***docs,
		  size_t *ndocs, struct cfg_err *err)
{
	struct cfg_err local;
	struct builder b = { .opts = opts, .err = err ? err : &local };
	b.err->msg[0] = 0;
	b.err->has_pos = false;
	*docs = NULL;
	*ndocs = 0;
	b.src = cfg_src_new(name, opts && opts->cli);
	if (!b.src || !yaml_parser_initialize(&b.parser)) {
		cfg_src_unref(b.src);
		cfg_errf(b.err, "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
	int rc = 0;
	for (;;) {
		yaml_event_t ev;
		if ((rc = next_event(&b, &ev)))
			break;
		yaml_event_type_t t = ev.type;
		yaml_mark_t start = ev.start_mark;
		yaml_event_delete(&ev);
		if (t == YAML_STREAM_END_EVENT)
			break;
		if (t != YAML_DOCUMENT_START_EVENT)
			continue;
		struct cfg_node *doc;
		if ((rc = read_document(&b, start, &doc)) || (rc = push_doc(docs, ndocs, doc)))
			break;
	}
	for (size_t i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	yaml_parser_delete(&b.parser);
	cfg_src_unref(b.src);
	if (rc) {
		for (size_t i = 0; i < *ndocs; i++)
			cfg_node_free((*docs)[i]);
		free(*docs);
		*docs = NULL;
		*ndocs = 0;
	}
	return rc;
}

int cfg_read_file(const char *path, char **text, size_t *len, struct cfg_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		cfg_errf(err, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	struct sbuf b = { 0 };
	char chunk[65536];
	size_t got;
	int rc = 0;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((rc = sbuf_put(&b, chunk, got)))
			break;
	if (!rc && ferror(f))
		rc = -EIO;
	fclose(f);
	if (!rc && !b.s)
		rc = sbuf_puts(&b, "");
	if (rc) {
		free(b.s);
		cfg_errf(err, "%s: cannot read: %s", path, strerror(-rc));
		return rc;
	}
	*text = b.s;
	*len = b.len;
	return 0;
}
