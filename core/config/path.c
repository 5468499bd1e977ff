/*
 * Key paths (`a.b[0].c`, `rules[].disable.rule`) over the YAML tree, and the
 * `-o KEY=VALUE` overrides built on them.
 */
#include "config/internal.h"

enum seg_kind { SEG_KEY, SEG_INDEX, SEG_APPEND };

struct seg {
	enum seg_kind kind;
	size_t index;
	char *key;        /* owned; SEG_KEY only */
};

struct segs {
	size_t n;
	struct seg *v;
};

static void segs_free(struct segs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].key);
	free(s->v);
}

static int segs_add(struct segs *s, enum seg_kind kind, char *key, size_t index)
{
	struct seg *v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v) {
		free(key);
		return -ENOMEM;
	}
	s->v = v;
	s->v[s->n++] = (struct seg){ .kind = kind, .key = key, .index = index };
	return 0;
}

static int path_err(struct cfg_err *err, const char *path, const char *what, size_t at)
{
	cfg_errf(err, "Config error at key \"%s\": %s at pos %zu", path, what, at);
	return -EINVAL;
}

/* Parses `[N]` or `[]` at path[*i] (which is '['), leaving *i on the ']'. */
static int parse_index(const char *path, size_t *i, struct segs *s, struct cfg_err *err)
{
	const char *close = strchr(path + *i, ']');
	if (!close)
		return path_err(err, path, "missing ']'", *i);
	size_t start = *i + 1, end = (size_t)(close - path);
	*i = end;
	if (start == end)
		return segs_add(s, SEG_APPEND, NULL, 0);
	size_t idx = 0;
	for (size_t k = start; k < end; k++) {
		if (path[k] < '0' || path[k] > '9' || idx > 100000000) {
			cfg_errf(err, "Config error at key \"%s\": expected a numeric index, found '%.*s'",
				 path, (int)(end - start), path + start);
			return -EINVAL;
		}
		idx = idx * 10 + (size_t)(path[k] - '0');
	}
	return segs_add(s, SEG_INDEX, NULL, idx);
}

static int flush_key(struct sbuf *key, struct segs *s)
{
	char *k = key->s ? key->s : strdup("");
	*key = (struct sbuf){ 0 };
	return k ? segs_add(s, SEG_KEY, k, 0) : -ENOMEM;
}

static int parse_path(const char *path, struct segs *s, struct cfg_err *err)
{
	struct sbuf key = { 0 };
	bool have_key = false, after_index = false;
	int rc = 0;
	*s = (struct segs){ 0 };
	for (size_t i = 0; path[i] && !rc; i++) {
		char c = path[i];
		if (after_index && c != '.' && c != '[') {
			rc = path_err(err, path, "expected '.' or '['", i);
			break;
		}
		if (c == '.' || c == '[') {
			if (have_key)
				rc = flush_key(&key, s);
			else if (!after_index)
				rc = path_err(err, path, "empty key", i);
			have_key = false;
			after_index = false;
			if (!rc && c == '[') {
				rc = parse_index(path, &i, s, err);
				after_index = true;
			}
			if (!rc && c == '.' && !path[i + 1])
				rc = path_err(err, path, "empty key", i + 1);
			continue;
		}
		if (c == '\\') {
			char e = path[i + 1];
			if (e != '.' && e != '[' && e != ']' && e != '\\') {
				rc = path_err(err, path, e ? "invalid escape sequence" : "trailing backslash", i);
				break;
			}
			c = e;
			i++;
		}
		have_key = true;
		rc = sbuf_put(&key, &c, 1);
	}
	if (!rc && have_key)
		rc = flush_key(&key, s);
	if (!rc && s->n == 0)
		rc = path_err(err, path, "empty key", 0);
	free(key.s);
	if (rc)
		segs_free(s);
	return rc;
}

int cfg_get(const struct cfg_node *root, const char *path, const struct cfg_node **out,
	    struct cfg_err *err)
{
	struct segs s;
	int rc = parse_path(path, &s, err);
	*out = NULL;
	if (rc)
		return rc;
	const struct cfg_node *n = root;
	for (size_t i = 0; i < s.n && n; i++) {
		if (s.v[i].kind == SEG_KEY)
			n = cfg_map_get(n, s.v[i].key);
		else if (s.v[i].kind == SEG_INDEX && n->kind == CFG_SEQ && s.v[i].index < n->n)
			n = n->kids[s.v[i].index];
		else
			n = NULL;
	}
	segs_free(&s);
	*out = n;
	return n ? 0 : -ENOENT;
}

/* Makes *slot a map or a sequence when it is absent or null. */
static int become(struct cfg_node **slot, enum cfg_kind kind, const struct cfg_pos *pos)
{
	if (!*slot && !(*slot = cfg_node_new(kind, NULL, pos)))
		return -ENOMEM;
	if ((*slot)->kind == CFG_NULL)
		(*slot)->kind = kind;
	return (*slot)->kind == kind ? 0 : -EINVAL;
}

static struct cfg_node **step(struct cfg_node **slot, const struct seg *sg,
			      const struct cfg_pos *pos, const char *path, struct cfg_err *err)
{
	bool map = sg->kind == SEG_KEY;
	if (become(slot, map ? CFG_MAP : CFG_SEQ, pos)) {
		cfg_errf(err, "Config error at key \"%s\": %s is not a %s", path,
			 map ? sg->key : "value", map ? "map" : "sequence");
		return NULL;
	}
	struct cfg_node *n = *slot;
	if (map) {
		long i = cfg_map_index(n, sg->key);
		if (i >= 0)
			return &n->kids[i];
		if (cfg_node_put(n, cfg_node_new(CFG_SCALAR, sg->key, pos), cfg_node_new(CFG_NULL, NULL, pos)))
			return NULL;
		return &n->kids[n->n - 1];
	}
	if (sg->kind == SEG_INDEX && sg->index < n->n)
		return &n->kids[sg->index];
	if (sg->kind == SEG_INDEX && sg->index > n->n) {
		cfg_errf(err, "Config error at key \"%s\": index %zu is past the end (%zu items)",
			 path, sg->index, n->n);
		return NULL;
	}
	if (cfg_node_push(n, cfg_node_new(CFG_NULL, NULL, pos)))
		return NULL;
	return &n->kids[n->n - 1];
}

int cfg_set(struct cfg_node **root, const char *path, struct cfg_node *val, struct cfg_err *err)
{
	struct cfg_err local;
	struct segs s;
	if (!err)
		err = &local;
	int rc = parse_path(path, &s, err);
	if (rc) {
		cfg_node_free(val);
		return rc;
	}
	struct cfg_node **slot = root;
	err->msg[0] = 0;
	for (size_t i = 0; i < s.n && slot; i++)
		slot = step(slot, &s.v[i], &val->pos, path, err);
	segs_free(&s);
	if (!slot) {
		cfg_node_free(val);
		if (!err->msg[0])
			cfg_errf(err, "out of memory");
		return -EINVAL;
	}
	cfg_node_free(*slot);
	*slot = val;
	return 0;
}

static bool is_flow(const char *v)
{
	size_t len = strlen(v);
	return len >= 2 && ((v[0] == '{' && v[len - 1] == '}') || (v[0] == '[' && v[len - 1] == ']'));
}

int cfg_apply_override(struct cfg_node **root, const char *opt, struct cfg_err *err)
{
	const char *eq = strchr(opt, '=');
	if (!eq || eq == opt) {
		cfg_errf(err, "Error parsing config option \"%s\". Must be of the form key=val or key.subkey=val", opt);
		return -EINVAL;
	}
	char *key = strndup(opt, (size_t)(eq - opt));
	const char *value = eq + 1;
	struct cfg_node *val = NULL;
	int rc = key ? 0 : -ENOMEM;
	if (!rc && is_flow(value)) {
		struct cfg_read_opts ro = { .cli = true };
		struct cfg_node **docs;
		size_t ndocs;
		rc = cfg_yaml_read(value, strlen(value), opt, &ro, &docs, &ndocs, err);
		if (!rc) {
			val = docs[0];
			for (size_t i = 1; i < ndocs; i++)
				cfg_node_free(docs[i]);
			free(docs);
		}
	} else if (!rc) {
		struct cfg_src *src = cfg_src_new(opt, true);
		struct cfg_pos pos = { .src = src };
		val = src ? cfg_node_new(CFG_SCALAR, value, &pos) : NULL;
		cfg_src_unref(src);
		rc = val ? 0 : -ENOMEM;
	}
	if (!rc)
		rc = cfg_set(root, key, val, err);
	free(key);
	return rc;
}
