/*
 * core/config: YAML tree positions, yaml-cpp scalar conversions, `${ENV}`
 * expansion (upstream's test cases), `-o` paths, `config_files` drop-ins
 * (upstream's scenarios), schema rejections and defaults.
 *
 * Expected values come from upstream: its configuration unit tests
 * (test_configuration_env_vars.cpp, test_configuration_config_files.cpp),
 * its configuration code defaults and its default falco.yaml; positions are
 * counted by hand.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"

static const char *g_default_yaml;   /* the repository's falco.yaml (argv[1]) */
static char g_tmp[256];

/* ---------------- helpers ---------------- */

static struct cfg_node *read1(const char *text, bool env)
{
	struct cfg_read_opts ro = { .expand_env = env };
	struct cfg_node **docs;
	size_t n;
	struct cfg_err err;
	int rc = cfg_yaml_read(text, strlen(text), "t.yaml", &ro, &docs, &n, &err);
	if (rc)
		fail_msg("read failed: %s", err.msg);
	assert_int_equal(n, 1);
	struct cfg_node *d = docs[0];
	free(docs);
	return d;
}

static const char *str_at(const struct cfg_node *root, const char *path)
{
	const struct cfg_node *n;
	if (cfg_get(root, path, &n, NULL))
		return NULL;
	return n->kind == CFG_SCALAR ? n->text : NULL;
}

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int load_str(const char *text, const char *const *opts, size_t n,
		    struct falco_config **cfg, struct cfg_err *err)
{
	write_file("main.yaml", text);
	return cfg_load("main.yaml", opts, n, cfg, NULL, err);
}

/* Loads and expects success. */
static struct falco_config *load_ok(const char *text, const char *const *opts, size_t n)
{
	struct falco_config *c = NULL;
	struct cfg_err err;
	if (load_str(text, opts, n, &c, &err))
		fail_msg("load failed: %s", err.msg);
	return c;
}

/* Loads and expects a failure whose message contains every given piece. */
static void load_fails(const char *text, const char *const *opts, size_t n, ...)
{
	struct falco_config *c = NULL;
	struct cfg_err err;
	int rc = load_str(text, opts, n, &c, &err);
	if (rc == 0) {
		cfg_free(c);
		fail_msg("load of <%s> succeeded", text);
	}
	va_list ap;
	va_start(ap, n);
	const char *piece;
	while ((piece = va_arg(ap, const char *)) != NULL)
		if (!strstr(err.msg, piece))
			fail_msg("error '%s' lacks '%s'", err.msg, piece);
	va_end(ap);
}

/* ---------------- tree ---------------- */

static void test_positions(void **state)
{
	(void)state;
	/* 0-based lines and columns; offsets in characters. */
	struct cfg_node *d = read1("a: 1\nlist:\n  - rule: x\n    desc: y\n  - z\n", false);
	assert_int_equal(d->kind, CFG_MAP);
	const struct cfg_node *a = cfg_map_get(d, "a");
	assert_int_equal(a->pos.line, 0);
	assert_int_equal(a->pos.col, 3);
	assert_int_equal(a->pos.offset, 3);
	const struct cfg_node *l = cfg_map_get(d, "list");
	assert_int_equal(l->kind, CFG_SEQ);
	assert_int_equal(l->n, 2);
	/* The map item starts at its first key. */
	assert_int_equal(l->kids[0]->pos.line, 2);
	assert_int_equal(l->kids[0]->pos.col, 4);
	assert_int_equal(l->kids[0]->pos.offset, 15);
	const struct cfg_node *desc = cfg_map_get(l->kids[0], "desc");
	assert_int_equal(desc->pos.line, 3);
	assert_int_equal(desc->pos.col, 10);
	assert_string_equal(l->kids[1]->text, "z");
	assert_string_equal(l->kids[0]->pos.src->name, "t.yaml");
	cfg_node_free(d);
}

static void test_nulls_and_quotes(void **state)
{
	(void)state;
	struct cfg_node *d = read1("a:\nb: ~\nc: null\nd: ''\ne: \"null\"\nf: NULL\n", false);
	assert_int_equal(cfg_map_get(d, "a")->kind, CFG_NULL);
	assert_int_equal(cfg_map_get(d, "b")->kind, CFG_NULL);
	assert_int_equal(cfg_map_get(d, "c")->kind, CFG_NULL);
	assert_int_equal(cfg_map_get(d, "f")->kind, CFG_NULL);
	assert_int_equal(cfg_map_get(d, "d")->kind, CFG_SCALAR);
	assert_string_equal(cfg_map_get(d, "d")->text, "");
	assert_int_equal(cfg_map_get(d, "e")->kind, CFG_SCALAR);
	assert_true(cfg_map_get(d, "e")->quoted);
	cfg_node_free(d);
}

static void test_multi_docs_anchors(void **state)
{
	(void)state;
	const char *t = "- a: &x [1, 2]\n- b: *x\n---\n---\n- c\n";
	struct cfg_node **docs;
	size_t n;
	struct cfg_err err;
	assert_int_equal(cfg_yaml_read(t, strlen(t), "m.yaml", NULL, &docs, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(docs[1]->kind, CFG_NULL);
	assert_string_equal(str_at(docs[0], "[1].b[1]") ? str_at(docs[0], "[1].b[1]") : "", "");
	const struct cfg_node *b = cfg_map_get(docs[0]->kids[1], "b");
	assert_int_equal(b->kind, CFG_SEQ);
	assert_string_equal(b->kids[1]->text, "2");
	for (size_t i = 0; i < n; i++)
		cfg_node_free(docs[i]);
	free(docs);
}

static void test_yaml_errors(void **state)
{
	(void)state;
	struct cfg_node **docs;
	size_t n;
	struct cfg_err err;
	/* Line 2 holds the bad indentation; libyaml reports it at 2:3 (1-based). */
	const char *t = "a: 1\n  b: 2\n";
	assert_int_not_equal(cfg_yaml_read(t, strlen(t), "bad.yaml", NULL, &docs, &n, &err), 0);
	assert_non_null(strstr(err.msg, "bad.yaml:2:"));
	const char *u = "a: *nope\n";
	assert_int_not_equal(cfg_yaml_read(u, strlen(u), "u.yaml", NULL, &docs, &n, &err), 0);
	assert_non_null(strstr(err.msg, "unknown anchor 'nope'"));
	/* A billion-laughs document is refused, not expanded: each level has ten
	 * aliases of the previous one, 10^10 nodes in all. */
	static char big[4096];
	strcpy(big, "a: &a [x,x,x,x,x,x,x,x,x,x]\n");
	for (char c = 'b'; c <= 'j'; c++) {
		char p = (char)(c - 1), line[128];
		snprintf(line, sizeof(line), "%c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n",
			 c, c, p, p, p, p, p, p, p, p, p, p);
		strcat(big, line);
	}
	assert_int_not_equal(cfg_yaml_read(big, strlen(big), "b.yaml", NULL, &docs, &n, &err), 0);
	assert_non_null(strstr(err.msg, "too many nodes"));
}

/* yaml-cpp's conversion tables. */
static void test_scalars(void **state)
{
	(void)state;
	struct cfg_node s = { .kind = CFG_SCALAR };
	bool b;
	int64_t i;
	double d;
	const char *yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "y", "Y", "on", "On", "ON" };
	const char *no[] = { "false", "False", "FALSE", "no", "n", "N", "off", "Off", "OFF" };
	const char *bad[] = { "tRue", "1", "0", "", "yes ", "enabled" };
	for (size_t k = 0; k < sizeof(yes) / sizeof(*yes); k++) {
		s.text = (char *)yes[k];
		assert_true(cfg_scalar_bool(&s, &b));
		assert_true(b);
	}
	for (size_t k = 0; k < sizeof(no) / sizeof(*no); k++) {
		s.text = (char *)no[k];
		assert_true(cfg_scalar_bool(&s, &b));
		assert_false(b);
	}
	for (size_t k = 0; k < sizeof(bad) / sizeof(*bad); k++) {
		s.text = (char *)bad[k];
		assert_false(cfg_scalar_bool(&s, &b));
	}
	s.text = "0x1F";
	assert_true(cfg_scalar_i64(&s, &i));
	assert_int_equal(i, 31);
	s.text = "0o17";
	assert_true(cfg_scalar_i64(&s, &i));
	assert_int_equal(i, 15);
	s.text = "-42";
	assert_true(cfg_scalar_i64(&s, &i));
	assert_int_equal(i, -42);
	s.text = "1.5";
	assert_false(cfg_scalar_i64(&s, &i));
	s.text = "99999999999999999999";
	assert_false(cfg_scalar_i64(&s, &i));
	s.text = ".1";
	assert_true(cfg_scalar_double(&s, &d));
	assert_true(d == .1);
	s.text = "1e3";
	assert_true(cfg_scalar_double(&s, &d));
	assert_true(d == 1000);
	s.text = "-.inf";
	assert_true(cfg_scalar_double(&s, &d));
	assert_true(d < -1e308);
	s.text = "0x10";
	assert_false(cfg_scalar_double(&s, &d));
	s.text = "abc";
	assert_false(cfg_scalar_double(&s, &d));
}

/* ---------------- ${ENV} (upstream's test_configuration_env_vars cases) ---------------- */

static void test_env_expansion(void **state)
{
	(void)state;
	setenv("ENV_VAR", "envVarValue", 1);
	setenv("ENV_VAR_EMBEDDED", "${ENV_VAR}", 1);
	setenv("ENV_VAR_BOOL", "true", 1);
	setenv("ENV_VAR_INT", "12", 1);
	setenv("ENV_VAR_EMPTY", "", 1);
	unsetenv("UNSED_XX_X_X_VAR");
	const char *y =
		"base_value:\n"
		"    id: $ENV_VAR\n"
		"    name: '${ENV_VAR}'\n"
		"    string: my_string\n"
		"    invalid: $${ENV_VAR}\n"
		"    invalid_env: $$ENV_VAR\n"
		"    invalid_double_env: $${ENV_VAR}$${ENV_VAR}\n"
		"    invalid_embedded_env: $${${ENV_VAR}}\n"
		"    invalid_valid_env: $${ENV_VAR}${ENV_VAR}\n"
		"    escaped: \"${ENV_VAR}\"\n"
		"    subvalue:\n"
		"        subvalue2:\n"
		"            boolean: ${UNSED_XX_X_X_VAR}\n"
		"base_value_2:\n"
		"    sample_list:\n"
		"        - ${ENV_VAR}\n"
		"        - ' ${ENV_VAR}'\n"
		"        - '${ENV_VAR} '\n"
		"        - $UNSED_XX_X_X_VAR\n"
		"paths:\n"
		"    - ${ENV_VAR}/foo\n"
		"    - $ENV_VAR/foo\n"
		"    - /foo/${ENV_VAR}/\n"
		"    - /${ENV_VAR}/${ENV_VAR}${ENV_VAR}/foo\n"
		"    - ${ENV_VAR_EMBEDDED}/foo\n"
		"is_test: ${ENV_VAR_BOOL}\n"
		"num_test: ${ENV_VAR_INT}\n"
		"empty_test: ${ENV_VAR_EMPTY}\n";
	struct cfg_node *d = read1(y, true);
	assert_string_equal(str_at(d, "base_value.string"), "my_string");
	assert_string_equal(str_at(d, "base_value.invalid"), "${ENV_VAR}");
	assert_string_equal(str_at(d, "base_value.invalid_env"), "$$ENV_VAR");
	assert_string_equal(str_at(d, "base_value.invalid_double_env"), "${ENV_VAR}${ENV_VAR}");
	assert_string_equal(str_at(d, "base_value.invalid_embedded_env"), "${envVarValue}");
	assert_string_equal(str_at(d, "base_value.invalid_valid_env"), "${ENV_VAR}envVarValue");
	assert_string_equal(str_at(d, "base_value.id"), "$ENV_VAR");
	assert_string_equal(str_at(d, "base_value.name"), "envVarValue");
	assert_string_equal(str_at(d, "base_value.escaped"), "envVarValue");
	assert_string_equal(str_at(d, "base_value.subvalue.subvalue2.boolean"), "");
	assert_string_equal(str_at(d, "base_value_2.sample_list[0]"), "envVarValue");
	assert_string_equal(str_at(d, "base_value_2.sample_list[1]"), " envVarValue");
	assert_string_equal(str_at(d, "base_value_2.sample_list[2]"), "envVarValue ");
	assert_string_equal(str_at(d, "base_value_2.sample_list[3]"), "$UNSED_XX_X_X_VAR");
	assert_string_equal(str_at(d, "paths[0]"), "envVarValue/foo");
	assert_string_equal(str_at(d, "paths[1]"), "$ENV_VAR/foo");
	assert_string_equal(str_at(d, "paths[2]"), "/foo/envVarValue/");
	assert_string_equal(str_at(d, "paths[3]"), "/envVarValue/envVarValueenvVarValue/foo");
	assert_string_equal(str_at(d, "paths[4]"), "envVarValue/foo");
	const struct cfg_node *n;
	bool b;
	int64_t i;
	assert_int_equal(cfg_get(d, "is_test", &n, NULL), 0);
	assert_true(cfg_scalar_bool(n, &b) && b);
	assert_false(cfg_scalar_i64(n, &i));
	assert_int_equal(cfg_get(d, "num_test", &n, NULL), 0);
	assert_true(cfg_scalar_i64(n, &i) && i == 12);
	assert_string_equal(str_at(d, "empty_test"), "");
	cfg_node_free(d);

	/* Map keys are not expanded. */
	d = read1("${ENV_VAR}: ${ENV_VAR}\n", true);
	assert_string_equal(str_at(d, "${ENV_VAR}"), "envVarValue");
	cfg_node_free(d);

	/* Without expansion (rules files, -o values) the text stays. */
	d = read1("a: ${ENV_VAR}\n", false);
	assert_string_equal(str_at(d, "a"), "${ENV_VAR}");
	cfg_node_free(d);

	/* A variable that expands to itself is an error, not a hang. */
	setenv("SELF_LOOP", "${SELF_LOOP}", 1);
	assert_null(cfg_expand_env("x${SELF_LOOP}"));
	char *s = cfg_expand_env("${ENV_VAR");   /* no closing brace: left alone */
	assert_string_equal(s, "${ENV_VAR");
	free(s);
}

/* ---------------- paths and -o ---------------- */

static void test_paths(void **state)
{
	(void)state;
	struct cfg_node *d = read1("a:\n  b:\n    c: 0\nplugins:\n  - name: p0\n  - name: p1\n", false);
	struct cfg_err err;
	assert_int_equal(cfg_apply_override(&d, "a.b.c=1", &err), 0);
	assert_string_equal(str_at(d, "a.b.c"), "1");
	assert_int_equal(cfg_apply_override(&d, "plugins[1].name=x", &err), 0);
	assert_string_equal(str_at(d, "plugins[1].name"), "x");
	assert_string_equal(str_at(d, "plugins[0].name"), "p0");
	/* `[]` appends, creating the list when missing. */
	assert_int_equal(cfg_apply_override(&d, "rules[].disable.rule=R1", &err), 0);
	assert_int_equal(cfg_apply_override(&d, "rules[].disable.rule=R 2", &err), 0);
	assert_string_equal(str_at(d, "rules[0].disable.rule"), "R1");
	assert_string_equal(str_at(d, "rules[1].disable.rule"), "R 2");
	/* Index one past the end appends; further is an error. */
	assert_int_equal(cfg_apply_override(&d, "plugins[2].name=p2", &err), 0);
	assert_string_equal(str_at(d, "plugins[2].name"), "p2");
	assert_int_not_equal(cfg_apply_override(&d, "plugins[9].name=p9", &err), 0);
	assert_non_null(strstr(err.msg, "plugins[9].name"));
	/* New nested keys; a `{}` value is YAML; other values are plain text. */
	assert_int_equal(cfg_apply_override(&d, "x.y={k: v, n: [1, 2]}", &err), 0);
	assert_string_equal(str_at(d, "x.y.n[1]"), "2");
	assert_int_equal(cfg_apply_override(&d, "x.z=a: b", &err), 0);
	assert_string_equal(str_at(d, "x.z"), "a: b");
	assert_int_equal(cfg_apply_override(&d, "x.e=", &err), 0);
	assert_string_equal(str_at(d, "x.e"), "");
	assert_int_equal(cfg_apply_override(&d, "x.w=v=w", &err), 0);
	assert_string_equal(str_at(d, "x.w"), "v=w");
	/* Escapes, as Helm's --set. */
	assert_int_equal(cfg_apply_override(&d, "ann.kubernetes\\.io/role=master", &err), 0);
	const struct cfg_node *ann = cfg_map_get(d, "ann");
	assert_string_equal(cfg_map_get(ann, "kubernetes.io/role")->text, "master");
	/* No ${ENV} expansion in -o values. */
	setenv("ENV_VAR", "envVarValue", 1);
	assert_int_equal(cfg_apply_override(&d, "x.env=${ENV_VAR}", &err), 0);
	assert_string_equal(str_at(d, "x.env"), "${ENV_VAR}");
	/* Errors. */
	assert_int_not_equal(cfg_apply_override(&d, "novalue", &err), 0);
	assert_non_null(strstr(err.msg, "Must be of the form key=val"));
	assert_int_not_equal(cfg_apply_override(&d, "plugins[x].name=1", &err), 0);
	assert_non_null(strstr(err.msg, "expected a numeric index, found 'x'"));
	assert_int_not_equal(cfg_apply_override(&d, "a..b=1", &err), 0);
	assert_int_not_equal(cfg_apply_override(&d, "a.b\\q=1", &err), 0);
	assert_non_null(strstr(err.msg, "invalid escape"));
	assert_int_not_equal(cfg_apply_override(&d, "a.b.c.d=1", &err), 0);  /* c is a scalar */
	assert_int_not_equal(cfg_apply_override(&d, "plugins.name=1", &err), 0);  /* a list */
	const struct cfg_node *n;
	assert_int_equal(cfg_get(d, "nope.deeper", &n, NULL), -ENOENT);
	cfg_node_free(d);
}

/* ---------------- config_files (upstream's scenarios, with real keys) ---------------- */

static void test_config_files_merge(void **state)
{
	(void)state;
	/* Default strategy append: lists append, maps and scalars replace. */
	write_file("conf_2.yaml", "rules_files: [b.yaml]\nlog_level: debug\n");
	write_file("conf_3.yaml", "webserver:\n  listen_port: 9000\n");
	write_file("conf_4.yaml", "priority: error\n");
	const char *main =
		"config_files:\n  - conf_2.yaml\n  - conf_3.yaml\n"
		"rules_files: [a.yaml]\nwebserver:\n  enabled: true\n  listen_port: 1\n";
	write_file("a.yaml", "");
	write_file("b.yaml", "");
	struct falco_config *c = load_ok(main, NULL, 0);
	assert_int_equal(c->loaded_files.n, 3);
	assert_string_equal(c->loaded_files.v[1], "conf_2.yaml");
	assert_int_equal(c->rules_files.n, 2);
	assert_string_equal(c->rules_files.v[0], "a.yaml");
	assert_string_equal(c->rules_files.v[1], "b.yaml");
	assert_string_equal(c->log_level, "debug");
	assert_int_equal(c->webserver.listen_port, 9000);
	assert_false(c->webserver.enabled);            /* the whole map was replaced */
	assert_int_equal(c->priority, CFG_PRIO_DEBUG); /* conf_4 not included */
	cfg_free(c);

	/* override: lists replace too. */
	c = load_ok("config_files:\n  - path: conf_2.yaml\n    strategy: override\nrules_files: [a.yaml]\n", NULL, 0);
	assert_int_equal(c->rules_files.n, 1);
	assert_string_equal(c->rules_files.v[0], "b.yaml");
	cfg_free(c);

	/* add-only: existing keys stay, new ones are added. */
	c = load_ok("config_files:\n  - path: conf_2.yaml\n    strategy: add-only\nrules_files: [a.yaml]\n", NULL, 0);
	assert_int_equal(c->rules_files.n, 1);
	assert_string_equal(c->rules_files.v[0], "a.yaml");
	assert_string_equal(c->log_level, "debug");
	cfg_free(c);

	/* A scalar config_files, an empty one, a missing file. */
	c = load_ok("config_files: conf_4.yaml\n", NULL, 0);
	assert_int_equal(c->priority, CFG_PRIO_ERROR);
	cfg_free(c);
	c = load_ok("config_files:\npriority: notice\n", NULL, 0);
	assert_int_equal(c->loaded_files.n, 1);
	cfg_free(c);
	c = load_ok("config_files: [conf_5.yaml]\n", NULL, 0);
	assert_int_equal(c->loaded_files.n, 1);
	cfg_free(c);

	/* `-o config_files=...` is honoured, and other -o apply after the merge. */
	const char *opts[] = { "config_files=conf_2.yaml", "log_level=warning" };
	c = load_ok("priority: info\n", opts, 2);
	assert_int_equal(c->loaded_files.n, 2);
	assert_string_equal(c->log_level, "warning");
	assert_int_equal(c->rules_files.n, 1);
	cfg_free(c);
}

static void test_config_files_errors(void **state)
{
	(void)state;
	write_file("conf_2.yaml", "config_files:\n  - conf_4.yaml\nlog_level: debug\n");
	load_fails("config_files:\n  - conf_2.yaml\n", NULL, 0,
		   "'config_files' directive in included config file conf_2.yaml", NULL);
	load_fails("config_files: main.yaml\n", NULL, 0, "recursively include main config file", NULL);
	load_fails("config_files:\n  - path: conf_2.yaml\n    strategy: wrong\n", NULL, 0,
		   "main.yaml:3:15", "strategy", "'wrong'", NULL);
	/* Appending a list to a map cannot merge. */
	write_file("conf_6.yaml", "webserver: [1]\n");
	load_fails("config_files: [conf_6.yaml]\nwebserver:\n  enabled: true\n", NULL, 0,
		   "conf_6.yaml:1:1", "webserver", NULL);
	/* An error inside a drop-in names the drop-in. */
	write_file("conf_7.yaml", "json_output: maybe\n");
	load_fails("config_files: [conf_7.yaml]\n", NULL, 0, "conf_7.yaml:1:14", "json_output",
		   "expected a boolean", NULL);
}

static void test_config_files_dir(void **state)
{
	(void)state;
	mkdir("conf.d", 0755);
	mkdir("conf.d/sub", 0755);
	write_file("conf.d/b.yaml", "log_level: notice\nrules_files: [b.yaml]\n");
	write_file("conf.d/a.yaml", "log_level: error\nrules_files: [a.yaml]\n");
	write_file("conf.d/sub/c.yaml", "log_level: debug\n");
	struct falco_config *c = load_ok("config_files: [conf.d]\n", NULL, 0);
	assert_int_equal(c->loaded_files.n, 3);               /* sub/ is not read */
	assert_string_equal(c->loaded_files.v[1], "conf.d/a.yaml");
	assert_string_equal(c->loaded_files.v[2], "conf.d/b.yaml");
	assert_string_equal(c->log_level, "notice");
	assert_int_equal(c->rules_files.n, 2);
	assert_string_equal(c->rules_files.v[0], "a.yaml");
	cfg_free(c);
}

/* ---------------- schema ---------------- */

static void test_rejections(void **state)
{
	(void)state;
	load_fails("json_output: true\nfoo: bar\n", NULL, 0, "main.yaml:2:1", "foo: unknown key", NULL);
	load_fails("webserver:\n  listen_prot: 1\n", NULL, 0, "main.yaml:2:3", "webserver.listen_prot",
		   "unknown key (did you mean 'listen_port'?)", NULL);
	load_fails("engine:\n  kind: modern_ebpf\n  modern_ebpf:\n    buf_size_preset: big\n", NULL, 0,
		   "main.yaml:4:22", "engine.modern_ebpf.buf_size_preset", "expected an integer", NULL);
	load_fails("engine:\n  kind: modern_ebpf\n  modern_ebpf:\n    bufsize: 1\n", NULL, 0,
		   "main.yaml:4:5", "engine.modern_ebpf.bufsize", "unknown key", NULL);
	load_fails("engine:\n  kind: bpf\n", NULL, 0, "main.yaml:2:9", "engine.kind", "'bpf'", NULL);
	load_fails("plugins:\n  - name: a\n", NULL, 0, "main.yaml:2:5", "plugins[0]",
		   "missing required key 'library_path'", NULL);
	load_fails("plugins:\n  - name: a\n    library_path: a.so\n  - name: b\n    lib: x\n", NULL, 0,
		   "main.yaml:5:5", "plugins[1].lib", "unknown key", NULL);
	load_fails("stdout_output: true\n", NULL, 0, "main.yaml:1:16", "stdout_output", "expected a map", NULL);
	load_fails("rules_files:\n  - a\n  - {b: c}\n", NULL, 0, "main.yaml:3:5", "rules_files[1]", NULL);
	load_fails("webserver:\n  listen_port: 70000\n", NULL, 0, "webserver.listen_port", "out of range", NULL);
	load_fails("syscall_event_drops:\n  threshold: lots\n", NULL, 0, "expected a number", NULL);
	load_fails("rule_matching: some\n", NULL, 0, "main.yaml:1:16", "rule_matching", NULL);
	load_fails("append_output:\n  - match:\n      src: x\n", NULL, 0, "main.yaml:3:7",
		   "append_output[0].match.src", "unknown key", NULL);
	/* -o values are checked the same way and named by their option. */
	const char *o1[] = { "json_output=perhaps" };
	load_fails("json_output: false\n", o1, 1, "-o json_output=perhaps", "json_output", "expected a boolean", NULL);
	const char *o2[] = { "webserver.bogus=1" };
	load_fails("", o2, 1, "-o webserver.bogus=1", "webserver.bogus", "unknown key", NULL);
	/* Semantic checks of upstream's configuration code. */
	load_fails("priority: loud\n", NULL, 0, "main.yaml:1:11", "Unknown priority \"loud\"", NULL);
	load_fails("engine:\n  kind: replay\n", NULL, 0, "no engine.replay.capture_file specified", NULL);
	load_fails("syscall_event_drops:\n  actions: [ignore, log]\n", NULL, 0,
		   "\"log\" does not make sense with the \"ignore\" action", NULL);
	load_fails("syscall_event_drops:\n  actions: [shout]\n", NULL, 0, "available actions", NULL);
	load_fails("syscall_event_drops:\n  threshold: 1.5\n", NULL, 0, "range [0, 1]", NULL);
	load_fails("syscall_event_timeouts:\n  max_consecutives: 0\n", NULL, 0, "> 0", NULL);
	load_fails("webserver:\n  listen_address: 300.1.1.1\n", NULL, 0, "not a valid IP address", NULL);
	load_fails("file_output:\n  enabled: true\n", NULL, 0, "file output enabled but no filename", NULL);
	load_fails("http_output:\n  enabled: true\n", NULL, 0, "http output enabled but no url", NULL);
	load_fails("program_output:\n  enabled: true\n", NULL, 0, "program output enabled but no program", NULL);
	load_fails("rules_files: [a]\nrules_file: [b]\n", NULL, 0, "both 'rules_files' and 'rules_file'", NULL);
	load_fails("load_plugins: [k8saudit]\n", NULL, 0, "Cannot load plugin 'k8saudit'", NULL);
	load_fails("rules:\n  - enable: {}\n", NULL, 0, "rules[0]", NULL);
	load_fails("- a\n", NULL, 0, "must be a map", NULL);
	struct falco_config *c;
	struct cfg_err err;
	assert_int_not_equal(cfg_load("does-not-exist.yaml", NULL, 0, &c, NULL, &err), 0);
	assert_non_null(strstr(err.msg, "Cannot read config file (does-not-exist.yaml)"));
}

/* The values upstream's configuration code uses for absent keys. */
static void test_code_defaults(void **state)
{
	(void)state;
	struct falco_config *c = load_ok("", NULL, 0);
	assert_int_equal(c->engine.kind, CFG_ENGINE_MODERN_EBPF);
	assert_int_equal(c->engine.modern_ebpf.cpus_for_each_buffer, 2);
	assert_int_equal(c->engine.modern_ebpf.buf_size_preset, 4);
	assert_true(c->watch_config_files);
	assert_int_equal(c->priority, CFG_PRIO_DEBUG);
	assert_int_equal(c->rule_matching, CFG_MATCH_FIRST);
	assert_false(c->stdout_output.enabled);
	assert_false(c->syslog_output.enabled);
	assert_false(c->webserver.enabled);
	assert_int_equal(c->webserver.listen_port, 8765);
	assert_int_equal(c->webserver.threadiness, sysconf(_SC_NPROCESSORS_ONLN));
	assert_string_equal(c->webserver.listen_address, "0.0.0.0");
	assert_string_equal(c->webserver.k8s_healthz_endpoint, "/healthz");
	assert_string_equal(c->webserver.ssl_certificate, "/etc/falco/falco.pem");
	assert_false(c->log_stderr);
	assert_true(c->log_syslog);
	assert_true(c->json_include_output_property);
	assert_true(c->json_include_tags_property);
	assert_false(c->json_include_message_property);
	assert_true(c->json_include_output_fields_property);
	assert_int_equal(c->output_timeout_ms, 2000);
	assert_int_equal(c->syscall_event_drops.actions, CFG_DROP_IGNORE);
	assert_true(c->syscall_event_drops.threshold == .1);
	assert_true(c->syscall_event_drops.rate == .03333);
	assert_int_equal(c->syscall_event_timeouts_max_consecutives, 1000);
	assert_int_equal(c->falco_libs.thread_table_size, 262144);
	assert_int_equal(c->falco_libs.thread_table_auto_purging_interval_s, 300);
	assert_int_equal(c->falco_libs.snaplen, 0);
	assert_string_equal(c->http_output.user_agent, "falcosecurity/falco");
	assert_string_equal(c->http_output.ca_path, "/etc/ssl/certs");
	assert_int_equal(c->http_output.max_consecutive_timeouts, 5);
	assert_string_equal(c->metrics.interval, "5000");
	assert_int_equal(c->metrics.interval_ms, 0);   /* a bare number is no Prometheus duration */
	assert_false(c->metrics.output_rule);
	assert_int_equal(c->metrics.flags, 0x1ff);
	assert_int_equal(c->capture.default_duration_ms, 5000);
	assert_string_equal(c->capture.path_prefix, "/tmp/falco");
	assert_int_equal(c->n_plugins, 0);
	assert_int_equal(c->n_append_output, 0);
	assert_true(c->plugins_hostinfo);
	cfg_free(c);
}

/* The repository's falco.yaml against upstream's default falco.yaml values. */
static void test_default_file(void **state)
{
	(void)state;
	struct falco_config *c;
	struct cfg_err err;
	if (cfg_load(g_default_yaml, NULL, 0, &c, NULL, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(c->engine.kind, CFG_ENGINE_MODERN_EBPF);
	assert_true(c->stdout_output.enabled);
	assert_true(c->syslog_output.enabled);
	assert_true(c->webserver.enabled);
	assert_true(c->log_stderr);
	assert_false(c->json_output);
	assert_int_equal(c->syscall_event_drops.actions, CFG_DROP_LOG | CFG_DROP_ALERT);
	assert_true(c->syscall_event_drops.max_burst == 1);
	assert_string_equal(c->metrics.interval, "1h");
	assert_int_equal(c->metrics.interval_ms, 3600000);
	assert_true(c->metrics.output_rule);
	assert_int_equal(c->metrics.flags & (CFG_METRICS_KERNEL_COUNTERS_PER_CPU | CFG_METRICS_JEMALLOC_STATS), 0);
	assert_int_equal(c->falco_libs.snaplen, 80);
	assert_string_equal(c->file_output.filename, "./events.txt");
	assert_int_equal(c->n_append_output, 1);
	assert_true(c->append_output[0].suggested_output);
	assert_int_equal(c->n_plugins, 0);            /* load_plugins: [] */
	assert_string_equal(c->program_output.program,
			    "jq '{text: .output}' | curl -d @- -X POST https://hooks.slack.com/services/XXX");
	cfg_free(c);

	/* The container plugin entry, once selected, carries its init_config as JSON. */
	const char *opts[] = { "load_plugins=[container]", "engine.kind=nodriver" };
	if (cfg_load(g_default_yaml, opts, 2, &c, NULL, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(c->n_plugins, 1);
	assert_string_equal(c->plugins[0].init_config, "{\"label_max_len\":100,\"with_size\":false}");
	assert_int_equal(c->engine.kind, CFG_ENGINE_NODRIVER);
	cfg_free(c);
}

static void test_typed_sections(void **state)
{
	(void)state;
	write_file("r1.yaml", "");
	struct falco_config *c = load_ok(
		"rules_files: r1.yaml\n"                       /* a scalar list */
		"rules:\n  - disable: {rule: '*'}\n  - enable: {tag: network}\n"
		"plugins:\n"
		"  - name: a\n    library_path: /x/a.so\n    init_config: 'raw text'\n    open_params: '  p  '\n"
		"  - name: b\n    library_path: b.so\n"
		"    init_config: {z: \"1\", a: [x, 2.5, yes], m: {k: ~}, big: 4294967296}\n"
		"load_plugins: [b, a]\n"
		"append_output:\n"
		"  - match: {source: syscall, tags: [t1, t2], rule: R}\n"
		"    extra_output: on %evt.cpu\n"
		"    extra_fields: [evt.hostname, {home: '%proc.cwd'}]\n"
		"static_fields:\n  env: prod\n  team: ${NO_SUCH_VAR_X}sec\n"
		"priority: Warning\n"
		"rule_matching: all\n"
		"syscall_event_drops: {actions: [log, exit]}\n"
		"metrics: {interval: 1m30s, kernel_event_counters_enabled: no}\n"
		"outputs_queue: {capacity: 0x10}\n"
		"capture: {mode: all_rules, default_duration: 100}\n"
		"engine: {kind: replay, replay: {capture_file: t.scap}}\n"
		"json_output: ''\n"                            /* empty: the default */
		"webserver: {listen_address: '::1'}\n"
		"base_syscalls: {custom_set: [clone, '!kill']}\n",
		NULL, 0);
	assert_int_equal(c->rules_files.n, 1);
	assert_int_equal(c->n_rules_select, 2);
	assert_false(c->rules_select[0].enable);
	assert_string_equal(c->rules_select[0].rule, "*");
	assert_null(c->rules_select[0].tag);
	assert_true(c->rules_select[1].enable);
	assert_string_equal(c->rules_select[1].tag, "network");
	assert_int_equal(c->n_plugins, 2);
	assert_string_equal(c->plugins[0].name, "b");
	assert_string_equal(c->plugins[0].init_config,
			    "{\"a\":[\"x\",2.5,true],\"big\":4294967296.0,\"m\":{\"k\":null},\"z\":1}");
	assert_string_equal(c->plugins[1].init_config, "raw text");
	assert_string_equal(c->plugins[1].open_params, "p");
	assert_int_equal(c->n_append_output, 1);
	struct cfg_append_output *a = &c->append_output[0];
	assert_string_equal(a->match_source, "syscall");
	assert_string_equal(a->match_rule, "R");
	assert_int_equal(a->match_tags.n, 2);
	assert_string_equal(a->extra_output, "on %evt.cpu");
	assert_int_equal(a->n_fields, 2);
	assert_null(a->fields[0].fmt);
	assert_string_equal(a->fields[1].name, "home");
	assert_string_equal(a->fields[1].fmt, "%proc.cwd");
	assert_int_equal(c->n_static_fields, 2);
	assert_string_equal(c->static_fields[1].value, "sec");
	assert_int_equal(c->priority, CFG_PRIO_WARNING);
	assert_int_equal(c->rule_matching, CFG_MATCH_ALL);
	assert_int_equal(c->syscall_event_drops.actions, CFG_DROP_LOG | CFG_DROP_EXIT);
	assert_int_equal(c->metrics.interval_ms, 90000);
	assert_int_equal(c->metrics.flags & CFG_METRICS_KERNEL_COUNTERS, 0);
	assert_int_equal(c->outputs_queue_capacity, 16);
	assert_int_equal(c->capture.mode, CFG_CAPTURE_ALL_RULES);
	assert_int_equal(c->capture.default_duration_ms, 100);
	assert_int_equal(c->engine.kind, CFG_ENGINE_REPLAY);
	assert_string_equal(c->engine.replay.capture_file, "t.scap");
	assert_false(c->json_output);
	assert_int_equal(c->base_syscalls.custom_set.n, 2);
	cfg_free(c);

	/* engine.kind defaults to modern_ebpf, also when -o creates the block. */
	const char *eo[] = { "engine.modern_ebpf.cpus_for_each_buffer=0" };
	c = load_ok("priority: info\n", eo, 1);
	assert_int_equal(c->engine.kind, CFG_ENGINE_MODERN_EBPF);
	assert_int_equal(c->engine.modern_ebpf.cpus_for_each_buffer, 0);
	cfg_free(c);

	/* Missing rules files are dropped from the list. */
	c = load_ok("rules_files: [r1.yaml, nope.yaml]\n", NULL, 0);
	assert_int_equal(c->rules_files.n, 1);
	cfg_free(c);
}

static void test_priorities(void **state)
{
	(void)state;
	assert_int_equal(cfg_priority_parse("EMERGENCY"), 0);
	assert_int_equal(cfg_priority_parse("info"), CFG_PRIO_INFORMATIONAL);
	assert_int_equal(cfg_priority_parse("Informational"), 6);
	assert_int_equal(cfg_priority_parse("debug"), 7);
	assert_int_equal(cfg_priority_parse("verbose"), -1);
	assert_string_equal(cfg_priority_name(CFG_PRIO_NOTICE), "Notice");
}

static void test_schema_print(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cfg_schema_print(f);
	fclose(f);
	assert_non_null(strstr(buf, "\"falco_libs\""));
	assert_non_null(strstr(buf, "\"enum\": [\"kmod\", \"modern_ebpf\", \"replay\", \"nodriver\"]"));
	/* Balanced braces: a cheap well-formedness check. */
	int depth = 0;
	for (char *p = buf; *p; p++)
		depth += *p == '{' ? 1 : *p == '}' ? -1 : 0;
	assert_int_equal(depth, 0);
	free(buf);
}

/* upstream's plugin_library_path_traversal and plugin_init_config cases */
static void test_plugin_paths(void **state)
{
	(void)state;
	char *out;
	assert_int_equal(cfg_plugin_library_path("/usr/share/falco/plugins/", "libx.so", &out), 0);
	assert_string_equal(out, "/usr/share/falco/plugins/libx.so");
	free(out);
	assert_int_equal(cfg_plugin_library_path("/p/", "./sub//a/../libx.so", &out), 0);
	assert_string_equal(out, "/p/sub/libx.so");
	free(out);
	assert_int_equal(cfg_plugin_library_path("/p/", "/opt/falco/plugins/libmyplugin.so", &out), 0);
	assert_string_equal(out, "/opt/falco/plugins/libmyplugin.so");
	free(out);
	assert_int_equal(cfg_plugin_library_path("/p/", "../../tmp/evil.so", &out), -EINVAL);
	assert_int_equal(cfg_plugin_library_path("/p/", "./../../tmp/evil.so", &out), -EINVAL);
	assert_int_equal(cfg_plugin_library_path("/p/", "subdir/../../../tmp/evil.so", &out), -EINVAL);
	assert_int_equal(cfg_plugin_library_path("/p/", "..", &out), -EINVAL);
	assert_int_equal(cfg_plugin_library_path("/p/", "../p2/x.so", &out), -EINVAL);

	load_fails("plugins:\n  - name: evil\n    library_path: ../../tmp/evil.so\n", NULL, 0,
		   "main.yaml:3:19", "resolves outside the plugins directory", NULL);
	struct falco_config *c = load_ok(
		"plugins:\n"
		"  - name: a\n    library_path: liba.so\n"
		"    init_config: '{\"maxEventSize\": 262144}'\n"
		"  - name: b\n    library_path: libb.so\n    init_config: \"\"\n"
		"  - name: c\n    library_path: libc.so\n    init_config: null\n"
		"  - name: d\n    library_path: libd.so\n"
		"    init_config:\n      maxEventSize: 262144\n      sslCertificate: /etc/falco/falco.pem\n",
		NULL, 0);
	assert_int_equal(c->n_plugins, 4);
	assert_string_equal(c->plugins[0].library_path, CFG_PLUGINS_DIR "liba.so");
	assert_string_equal(c->plugins[0].init_config, "{\"maxEventSize\": 262144}");
	assert_string_equal(c->plugins[1].init_config, "");
	assert_string_equal(c->plugins[2].init_config, "");
	assert_string_equal(c->plugins[3].init_config,
			    "{\"maxEventSize\":262144,\"sslCertificate\":\"/etc/falco/falco.pem\"}");
	cfg_free(c);
}

/* upstream's escaped_keys_read/write/errors and read_yaml_fields */
static void test_escaped_keys(void **state)
{
	(void)state;
	struct cfg_node *d = read1("annotations:\n  kubernetes.io/role: master\n  example[0]: bracket_val\n"
				   "nested:\n  level1.with.dots:\n    inner: value\n"
				   "escape_test:\n  back\\slash: bslash_val\n"
				   "base_value_2:\n  sample_list:\n    - elem1\n    - elem2\n    - elem3\n", false);
	assert_string_equal(str_at(d, "annotations.kubernetes\\.io/role"), "master");
	assert_string_equal(str_at(d, "annotations.example\\[0]"), "bracket_val");
	assert_string_equal(str_at(d, "annotations.example\\[0\\]"), "bracket_val");
	assert_string_equal(str_at(d, "nested.level1\\.with\\.dots.inner"), "value");
	assert_string_equal(str_at(d, "escape_test.back\\\\slash"), "bslash_val");
	assert_string_equal(str_at(d, "base_value_2.sample_list[2]"), "elem3");
	struct cfg_err err;
	assert_int_equal(cfg_apply_override(&d, "annotations.kubernetes\\.io/role=worker", &err), 0);
	assert_string_equal(str_at(d, "annotations.kubernetes\\.io/role"), "worker");
	const struct cfg_node *n;
	assert_int_not_equal(cfg_get(d, "annotations\\", &n, &err), 0);
	assert_int_not_equal(cfg_get(d, "annotations\\x", &n, &err), 0);
	cfg_node_free(d);
}

/* upstream's configuration_webserver_ip and schema_* cases */
static void test_upstream_config_cases(void **state)
{
	(void)state;
	static const char *const valid[] = {
		"127.0.0.1", "1.127.0.1", "1.1.127.1", "1.1.1.127", "::", "::1",
		"1200:0000:AB00:1234:0000:2552:7777:1313", "1200::AB00:1234:0000:2552:7777:1313",
		"1200:0000:AB00:1234::2552:7777:1313", "21DA:D3:0:2F3B:2AA:FF:FE28:9C5A",
		"FE80:0000:0000:0000:0202:B3FF:FE1E:8329", "0.0.0.0", "9.255.255.255", "11.0.0.0",
		"126.255.255.255", "129.0.0.0", "169.253.255.255", "169.255.0.0", "172.15.255.255",
		"172.32.0.0", "191.0.1.255", "192.88.98.255", "192.88.100.0", "192.167.255.255",
		"192.169.0.0", "198.17.255.255", "223.255.255.255",
	};
	static const char *const invalid[] = {
		"327.0.0.1", "1.327.0.1", "1.1.327.1", "1.1.1.327", "12 7.0.0.1", "127. 0.0.1",
		"127.0. 0.1", "127.0.0. 1", "!27.0.0.1", "1200: 0000:AB00:1234:0000:2552:7777:1313",
		"1200:0000: AB00:1234:0000:2552:7777:1313", "1200:0000:AB00: 1234:0000:2552:7777:1313",
		"1200:0000:AB00:1234: 0000:2552:7777:1313", "1200:0000:AB00:1234:0000: 2552:7777:1313",
		"1200:0000:AB00:1234:0000:2552: 7777:1313", "1200:0000:AB00:1234:0000:2552:7777: 1313",
		"1200:0000:AB00:1234:0000:2552:7777:131G", "1200:0000:AB00:1234:0000:2552:77Z7:1313",
		"1200:0000:AB00:1234:0000:2G52:7777:1313", "1200:0000:AB00:1234:0O00:2552:7777:1313",
		"1200:0000:AB00:H234:0000:2552:7777:1313", "1200:0000:IB00:1234:0000:2552:7777:1313",
		"1200:0O00:AB00:1234:0000:2552:7777:1313", "12O0:0000:AB00:1234:0000:2552:7777:1313",
	};
	char opt[128];
	const char *o[] = { opt };
	for (size_t i = 0; i < sizeof(valid) / sizeof(*valid); i++) {
		snprintf(opt, sizeof(opt), "webserver.listen_address=%s", valid[i]);
		struct falco_config *c = load_ok("", o, 1);
		assert_string_equal(c->webserver.listen_address, valid[i]);
		cfg_free(c);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(*invalid); i++) {
		snprintf(opt, sizeof(opt), "webserver.listen_address=%s", invalid[i]);
		load_fails("", o, 1, "is not a valid IP address", NULL);
	}
	struct falco_config *c = load_ok("falco_libs:\n    thread_table_size: 50\n", NULL, 0);
	assert_int_equal(c->falco_libs.thread_table_size, 50);
	cfg_free(c);
	load_fails("falco_libss:\n    thread_table_size: 50\n", NULL, 0, "falco_libss", "unknown key", NULL);
	load_fails("falco_libs: 512\n", NULL, 0, "falco_libs", "expected a map", NULL);
	load_fails("falco_libs:\n    thread_table_sizeee: 50\n", NULL, 0, "falco_libs.thread_table_sizeee",
		   "unknown key (did you mean 'thread_table_size'?)", NULL);
}

static int setup(void **state)
{
	(void)state;
	snprintf(g_tmp, sizeof(g_tmp), "/tmp/cfgtestXXXXXX");
	if (!mkdtemp(g_tmp) || chdir(g_tmp))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_tmp);
	return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	g_default_yaml = argc > 1 ? argv[1] : "falco.yaml";
	char abs[4096];
	if (realpath(g_default_yaml, abs))
		g_default_yaml = strdup(abs);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_nulls_and_quotes),
		cmocka_unit_test(test_multi_docs_anchors),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_env_expansion),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_config_files_merge),
		cmocka_unit_test(test_config_files_errors),
		cmocka_unit_test(test_config_files_dir),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_code_defaults),
		cmocka_unit_test(test_default_file),
		cmocka_unit_test(test_typed_sections),
		cmocka_unit_test(test_priorities),
		cmocka_unit_test(test_schema_print),
		cmocka_unit_test(test_plugin_paths),
		cmocka_unit_test(test_escaped_keys),
		cmocka_unit_test(test_upstream_config_cases),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
