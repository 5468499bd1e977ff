/*
 * Loading falco.yaml as upstream does: the main file (with `${ENV}`
 * expansion), then the `-o config_files=...` overrides, then every
 * `config_files` drop-in merged by its strategy, then all `-o` overrides,
 * then the schema check and the typed fill (fill.c).
 */
#include <dirent.h>
#include <sys/stat.h>

#include "config/internal.h"
#include "config/fill.h"

enum strategy { STRAT_APPEND, STRAT_OVERRIDE, STRAT_ADD_ONLY };

static const char configs_key[] = "config_files";

/* Reads the first document of a config file (yaml-cpp's LoadFile reads only
 * the first) with `${ENV}` expansion. */
static int read_config_text(const char *text, size_t len, const char *name,
			    struct cfg_node **out, struct cfg_err *err)
{
	struct cfg_read_opts ro = { .expand_env = true };
	struct cfg_node **docs;
	size_t ndocs;
	int rc = cfg_yaml_read(text, len, name, &ro, &docs, &ndocs, err);
	if (rc)
		return rc;
	*out = ndocs ? docs[0] : NULL;
	for (size_t i = 1; i < ndocs; i++)
		cfg_node_free(docs[i]);
	free(docs);
	if (*out && (*out)->kind != CFG_MAP && (*out)->kind != CFG_NULL) {
		cfg_errf(err, "%s:%u:%u: a configuration file must be a map of keys", name,
			 (*out)->pos.line + 1, (*out)->pos.col + 1);
		cfg_node_free(*out);
		return -EINVAL;
	}
	return 0;
}

static int read_config_file(const char *path, struct cfg_node **out, struct cfg_err *err)
{
	char *text;
	size_t len;
	int rc = cfg_read_file(path, &text, &len, err);
	if (rc)
		return rc;
	rc = read_config_text(text, len, path, out, err);
	free(text);
	return rc;
}

/* Merges one top-level key of a drop-in into the main tree. */
static int merge_key(struct cfg_node *root, struct cfg_node *key, struct cfg_node *val,
		     enum strategy st, const char *file, struct cfg_err *err)
{
	long i = cfg_map_index(root, key->text);
	struct cfg_node *cur = i >= 0 ? root->kids[i] : NULL;
	if (st == STRAT_ADD_ONLY && cur)
		goto drop;
	if (st == STRAT_APPEND && val->kind == CFG_SEQ && cur && cur->kind != CFG_NULL) {
		if (cur->kind != CFG_SEQ) {
			cfg_errf(err, "%s:%u:%u: %s: cannot append a sequence to a value that is not one",
				 file, key->pos.line + 1, key->pos.col + 1, key->text);
			cfg_node_free(key);
			cfg_node_free(val);
			return -EINVAL;
		}
		for (size_t k = 0; k < val->n; k++) {
			int rc = cfg_node_push(cur, val->kids[k]);
			val->kids[k] = NULL;
			if (rc)
				goto drop;
		}
		val->n = 0;
		goto drop;
	}
	if (cur) {  /* override: the whole value is replaced */
		cfg_node_free(cur);
		root->kids[i] = val;
		cfg_node_free(key);
		return 0;
	}
	return cfg_node_put(root, key, val);
drop:
	cfg_node_free(key);
	cfg_node_free(val);
	return 0;
}

static int include_file(struct cfg_node *root, const char *path, enum strategy st,
			struct cfg_strlist *loaded, struct cfg_err *err)
{
	struct cfg_node *inc;
	int rc = read_config_file(path, &inc, err);
	if (rc)
		return rc;
	if ((rc = cfg_strlist_add(loaded, path)))
		goto out;
	if (!inc || inc->kind != CFG_MAP)
		goto out;
	for (size_t i = 0; i < inc->n && !rc; i++) {
		if (!strcmp(inc->keys[i]->text, configs_key)) {
			cfg_errf(err, "%s:%u:%u: Config error: '%s' directive in included config file %s.",
				 path, inc->keys[i]->pos.line + 1, inc->keys[i]->pos.col + 1,
				 configs_key, path);
			rc = -EINVAL;
			break;
		}
		rc = merge_key(root, inc->keys[i], inc->kids[i], st, path, err);
		inc->keys[i] = inc->kids[i] = NULL;
	}
out:
	cfg_node_free(inc);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of a directory (symlinks followed), sorted by path. */
static int include_dir(struct cfg_node *root, const char *dir, enum strategy st,
		       struct cfg_strlist *loaded, struct cfg_err *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;   /* unreadable: skipped, as upstream skips permission errors */
	struct cfg_strlist files = { 0 };
	struct dirent *de;
	int rc = 0;
	while (!rc && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		char *p;
		struct stat sb;
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0) {
			rc = -ENOMEM;
			break;
		}
		if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode))
			rc = cfg_strlist_add(&files, p);
		free(p);
	}
	closedir(d);
	if (files.n)
		qsort(files.v, files.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < files.n && !rc; i++)
		rc = include_file(root, files.v[i], st, loaded, err);
	cfg_strlist_free(&files);
	return rc;
}

static int entry_strategy(const struct cfg_node *e, const char **path, enum strategy *st,
			  struct cfg_err *err)
{
	const struct cfg_node *p = e, *s = NULL;
	char where[384];
	*st = STRAT_APPEND;
	if (e->kind == CFG_MAP) {
		p = cfg_map_get(e, "path");
		s = cfg_map_get(e, "strategy");
	}
	cfg_pos_format(&e->pos, where, sizeof(where));
	if (!p || p->kind != CFG_SCALAR) {
		cfg_errf(err, "%s: %s: each entry needs a path", where, configs_key);
		return -EINVAL;
	}
	*path = p->text;
	if (!s || s->kind == CFG_NULL || !strcmp(s->text, "append"))
		return 0;
	if (s->kind == CFG_SCALAR && !strcmp(s->text, "override"))
		*st = STRAT_OVERRIDE;
	else if (s->kind == CFG_SCALAR && !strcmp(s->text, "add-only"))
		*st = STRAT_ADD_ONLY;
	else {
		cfg_pos_format(&s->pos, where, sizeof(where));
		cfg_errf(err, "%s: %s.strategy: '%s' is not one of append, override, add-only",
			 where, configs_key, s->kind == CFG_SCALAR ? s->text : "?");
		return -EINVAL;
	}
	return 0;
}

static int merge_config_files(struct cfg_node *root, const char *main_name,
			      struct cfg_strlist *loaded, struct cfg_err *err)
{
	/* Work on a copy of the list: merging may replace the node itself. */
	struct cfg_node *list = cfg_node_clone(cfg_map_get(root, configs_key));
	int rc = 0;
	if (!list || list->kind == CFG_NULL)
		goto out;
	size_t n = list->kind == CFG_SEQ ? list->n : 1;
	for (size_t i = 0; i < n && !rc; i++) {
		const struct cfg_node *e = list->kind == CFG_SEQ ? list->kids[i] : list;
		const char *path;
		enum strategy st;
		struct stat sb;
		if ((rc = entry_strategy(e, &path, &st, err)))
			break;
		if (!strcmp(path, main_name)) {
			cfg_errf(err, "Config error: '%s' directive tried to recursively include main config file: %s.",
				 configs_key, main_name);
			rc = -EINVAL;
		} else if (stat(path, &sb) != 0) {
			continue;   /* missing: skipped, as for rules files */
		} else if (S_ISREG(sb.st_mode)) {
			rc = include_file(root, path, st, loaded, err);
		} else if (S_ISDIR(sb.st_mode)) {
			rc = include_dir(root, path, st, loaded, err);
		}
	}
out:
	cfg_node_free(list);
	return rc;
}

static int apply_overrides(struct cfg_node **root, const char *const *opts, size_t nopts,
			   bool only_config_files, struct cfg_err *err)
{
	for (size_t i = 0; i < nopts; i++) {
		if (only_config_files && strncmp(opts[i], configs_key, sizeof(configs_key) - 1))
			continue;
		int rc = cfg_apply_override(root, opts[i], err);
		if (rc)
			return rc;
	}
	return 0;
}

static int load_tree(struct cfg_node *root, const char *name, const char *const *opts,
		     size_t nopts, struct falco_config **out, FILE *warn, struct cfg_err *err)
{
	struct cfg_strlist loaded = { 0 };
	int rc = cfg_strlist_add(&loaded, name);
	if (!root) {
		struct cfg_src *src = cfg_src_new(name, false);
		struct cfg_pos pos = { .src = src };
		root = src ? cfg_node_new(CFG_MAP, NULL, &pos) : NULL;
		cfg_src_unref(src);
		if (!root)
			rc = -ENOMEM;
	}
	if (!rc && root->kind == CFG_NULL)
		root->kind = CFG_MAP;
	if (!rc)
		rc = apply_overrides(&root, opts, nopts, true, err);
	if (!rc)
		rc = merge_config_files(root, name, &loaded, err);
	if (!rc)
		rc = apply_overrides(&root, opts, nopts, false, err);
	if (!rc && root->kind != CFG_MAP) {
		cfg_errf(err, "%s: the configuration is not a map of keys", name);
		rc = -EINVAL;
	}
	if (!rc)
		rc = cfg_validate(root, err);
	if (!rc)
		rc = cfg_fill(root, &loaded, out, warn, err);
	else
		cfg_node_free(root);
	cfg_strlist_free(&loaded);
	return rc;
}

int cfg_load(const char *path, const char *const *opts, size_t nopts,
	     struct falco_config **out, FILE *warn, struct cfg_err *err)
{
	struct cfg_err local;
	struct cfg_node *root;
	if (!err)
		err = &local;
	*out = NULL;
	int rc = read_config_file(path, &root, err);
	if (rc) {
		char msg[sizeof(err->msg)];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		cfg_errf(err, "Cannot read config file (%s): %s", path, msg);
		return rc;
	}
	return load_tree(root, path, opts, nopts, out, warn, err);
}

int cfg_load_string(const char *text, const char *name, const char *const *opts,
		    size_t nopts, struct falco_config **out, FILE *warn, struct cfg_err *err)
{
	struct cfg_err local;
	struct cfg_node *root;
	if (!err)
		err = &local;
	*out = NULL;
	int rc = read_config_text(text, strlen(text), name, &root, err);
	return rc ? rc : load_tree(root, name, opts, nopts, out, warn, err);
}
