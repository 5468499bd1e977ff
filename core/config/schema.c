/*
 * The falco.yaml schema: every key we accept, its type, and the checks that
 * reject unknown keys and wrong types with the key's path and position.
 * The key set and types follow upstream's configuration JSON schema; the
 * enumerations are the values upstream's configuration code accepts.
 */
#include <stdint.h>

#include "config/internal.h"

enum st {
	ST_BOOL,
	ST_INT,
	ST_NUM,
	ST_STR,
	ST_STRLIST,     /* sequence of scalars, or one scalar */
	ST_MAP,         /* fixed keys: `kids` */
	ST_SEQ,         /* items described by kids[0] */
	ST_STRMAP,      /* any keys, scalar values (static_fields) */
	ST_ANY,         /* anything (plugin init_config) */
	ST_CFGFILE,     /* a path, or {path, strategy} */
	ST_EXTRA_FIELD, /* a name, or {name: format} */
};

#define F_REQUIRED 1u
#define F_SCALAR_OK 2u   /* a sequence given as one scalar item */

struct schema {
	const char *key;
	enum st type;
	const struct schema *kids;         /* ends with a NULL key */
	const char *const *enums;          /* NULL-terminated; matched exactly */
	int64_t min, max;                  /* for ST_INT when min < max */
	unsigned flags;
};

#define END { 0 }
#define B(k) { k, ST_BOOL, 0, 0, 0, 0, 0 }
#define I(k) { k, ST_INT, 0, 0, 0, 0, 0 }
#define U(k, max) { k, ST_INT, 0, 0, 0, max, 0 }
#define N(k) { k, ST_NUM, 0, 0, 0, 0, 0 }
#define S(k) { k, ST_STR, 0, 0, 0, 0, 0 }
#define SE(k, e) { k, ST_STR, 0, e, 0, 0, 0 }
#define L(k) { k, ST_STRLIST, 0, 0, 0, 0, 0 }
#define M(k, kids) { k, ST_MAP, kids, 0, 0, 0, 0 }
#define Q(k, item) { k, ST_SEQ, item, 0, 0, 0, 0 }

static const char *const engine_kinds[] = { "kmod", "modern_ebpf", "replay", "nodriver", NULL };
static const char *const capture_modes[] = { "rules", "all_rules", NULL };
static const char *const strategies[] = { "append", "override", "add-only", NULL };
static const char *const matchings[] = { "first", "all", NULL };

static const struct schema s_kmod[] = { I("buf_size_preset"), B("drop_failed_exit"), END };
static const struct schema s_modern[] = {
	U("cpus_for_each_buffer", UINT16_MAX), I("buf_size_preset"), B("drop_failed_exit"),
	B("disable_iterators"), END };
static const struct schema s_replay[] = { S("capture_file"), END };
static const struct schema s_engine[] = {
	/* Upstream's schema requires `kind`; we default it (modern_ebpf) so that
	 * `-o engine.modern_ebpf.x=y` works on a file without an engine block. */
	SE("kind", engine_kinds), M("kmod", s_kmod),
	M("modern_ebpf", s_modern), M("replay", s_replay), END };
static const struct schema s_capture[] = {
	B("enabled"), S("path_prefix"), SE("mode", capture_modes), U("default_duration", UINT32_MAX),
	U("max_file_size_mb", 1048576), END };
static const struct schema s_plugin[] = {
	{ "name", ST_STR, 0, 0, 0, 0, F_REQUIRED }, { "library_path", ST_STR, 0, 0, 0, 0, F_REQUIRED },
	{ "init_config", ST_ANY, 0, 0, 0, 0, 0 }, S("open_params"), END };
static const struct schema s_plugin_item[] = { M(NULL, s_plugin), END };
static const struct schema s_able[] = { S("rule"), S("tag"), END };
static const struct schema s_rule_sel[] = { M("disable", s_able), M("enable", s_able), END };
static const struct schema s_rule_sel_item[] = { M(NULL, s_rule_sel), END };
static const struct schema s_match[] = { S("source"), L("tags"), S("rule"), END };
static const struct schema s_extra_item[] = { { NULL, ST_EXTRA_FIELD, 0, 0, 0, 0, 0 }, END };
static const struct schema s_append[] = {
	M("match", s_match), S("extra_output"), Q("extra_fields", s_extra_item),
	B("suggested_output"), END };
static const struct schema s_append_item[] = { M(NULL, s_append), END };
static const struct schema s_cfgfile_item[] = { { NULL, ST_CFGFILE, 0, 0, 0, 0, 0 }, END };
static const struct schema s_queue[] = { U("capacity", INT64_MAX), END };
static const struct schema s_enabled[] = { B("enabled"), END };
static const struct schema s_file_out[] = { B("enabled"), B("keep_alive"), S("filename"), END };
static const struct schema s_http_out[] = {
	B("enabled"), S("url"), S("user_agent"), B("insecure"), S("ca_cert"), S("ca_bundle"),
	S("ca_path"), B("mtls"), S("client_cert"), S("client_key"), B("echo"),
	B("compress_uploads"), B("keep_alive"), U("max_consecutive_timeouts", UINT8_MAX), END };
static const struct schema s_prog_out[] = { B("enabled"), B("keep_alive"), S("program"), END };
static const struct schema s_web[] = {
	B("enabled"), U("threadiness", UINT32_MAX), U("listen_port", 65535), S("listen_address"),
	S("k8s_healthz_endpoint"), B("prometheus_metrics_enabled"), B("ssl_enabled"),
	S("ssl_certificate"), END };
static const struct schema s_libs_logger[] = { B("enabled"), S("severity"), END };
static const struct schema s_timeouts[] = { U("max_consecutives", UINT32_MAX), END };
static const struct schema s_drops[] = {
	N("threshold"), L("actions"), N("rate"), I("max_burst"), B("simulate_drops"), END };
static const struct schema s_metrics[] = {
	B("enabled"), S("interval"), B("output_rule"), S("output_file"),
	B("rules_counters_enabled"), B("resource_utilization_enabled"), B("state_counters_enabled"),
	B("kernel_event_counters_enabled"), B("kernel_event_counters_per_cpu_enabled"),
	B("libbpf_stats_enabled"), B("plugins_metrics_enabled"),
	B("kernel_iter_event_counters_enabled"), B("convert_memory_to_mb"),
	B("include_empty_values"), B("jemalloc_stats_enabled"), END };
static const struct schema s_base[] = { B("all"), L("custom_set"), B("repair"), END };
static const struct schema s_libs[] = {
	U("thread_table_size", UINT32_MAX), U("thread_table_auto_purging_interval_s", UINT32_MAX),
	U("thread_table_auto_purging_thread_timeout_s", UINT32_MAX), U("snaplen", INT64_MAX), END };

static const struct schema s_root[] = {
	Q("append_output", s_append_item),
	{ "static_fields", ST_STRMAP, 0, 0, 0, 0, 0 },
	{ "config_files", ST_SEQ, s_cfgfile_item, 0, 0, 0, F_SCALAR_OK },
	B("watch_config_files"),
	B("plugins_hostinfo"),
	L("rules_files"),
	L("rules_file"),        /* deprecated singular form, still read upstream */
	Q("rules", s_rule_sel_item),
	M("engine", s_engine),
	M("capture", s_capture),
	L("load_plugins"),
	Q("plugins", s_plugin_item),
	B("time_format_iso_8601"),
	B("buffer_format_base64"),
	S("priority"),
	B("json_output"),
	B("json_include_output_property"),
	B("json_include_message_property"),
	B("json_include_output_fields_property"),
	B("json_include_tags_property"),
	B("buffered_outputs"),
	SE("rule_matching", matchings),
	M("outputs_queue", s_queue),
	M("stdout_output", s_enabled),
	M("syslog_output", s_enabled),
	M("file_output", s_file_out),
	M("http_output", s_http_out),
	M("program_output", s_prog_out),
	M("webserver", s_web),
	B("log_stderr"),
	B("log_syslog"),
	S("log_level"),
	M("libs_logger", s_libs_logger),
	U("output_timeout", UINT32_MAX),
	M("syscall_event_timeouts", s_timeouts),
	M("syscall_event_drops", s_drops),
	M("metrics", s_metrics),
	M("base_syscalls", s_base),
	M("falco_libs", s_libs),
	END,
};

/* ---------------- validation ---------------- */

struct vctx {
	char path[512];
	struct cfg_err *err;
};

static int fail(struct vctx *v, const struct cfg_node *n, const char *fmt, const char *arg)
{
	char where[384];
	char what[256];
	cfg_pos_format(&n->pos, where, sizeof(where));
	snprintf(what, sizeof(what), fmt, arg);
	cfg_errf(v->err, "%s: %s: %s", where, v->path[0] ? v->path : "<root>", what);
	return -EINVAL;
}

static const char *kind_name(const struct cfg_node *n)
{
	static const char *const names[] = { "null", "a scalar", "a sequence", "a map" };
	return names[n->kind];
}

/* An empty value (an unset `${VAR}`, `-o key=`) leaves a typed key at its default. */
static bool empty_scalar(const struct cfg_node *n)
{
	return n->kind == CFG_SCALAR && !n->text[0];
}

static int check(struct vctx *v, const struct schema *s, const struct cfg_node *n);

static int check_scalar(struct vctx *v, const struct schema *s, const struct cfg_node *n)
{
	if (n->kind != CFG_SCALAR)
		return fail(v, n, "expected a scalar, found %s", kind_name(n));
	bool b;
	int64_t i;
	double d;
	if (s->type == ST_BOOL && !empty_scalar(n) && !cfg_scalar_bool(n, &b))
		return fail(v, n, "expected a boolean, found '%s'", n->text);
	if (s->type == ST_INT && !empty_scalar(n)) {
		if (!cfg_scalar_i64(n, &i))
			return fail(v, n, "expected an integer, found '%s'", n->text);
		if (s->min < s->max && (i < s->min || i > s->max))
			return fail(v, n, "value '%s' is out of range", n->text);
	}
	if (s->type == ST_NUM && !empty_scalar(n) && !cfg_scalar_double(n, &d))
		return fail(v, n, "expected a number, found '%s'", n->text);
	if (s->enums) {
		for (const char *const *e = s->enums; *e; e++)
			if (!strcmp(*e, n->text))
				return 0;
		return fail(v, n, "'%s' is not an accepted value", n->text);
	}
	return 0;
}

static size_t path_push(struct vctx *v, const char *key, long index)
{
	size_t len = strlen(v->path);
	if (index >= 0)
		snprintf(v->path + len, sizeof(v->path) - len, "[%ld]", index);
	else
		snprintf(v->path + len, sizeof(v->path) - len, "%s%s", len ? "." : "", key);
	return len;
}

/* Edit distance between two short keys (for "did you mean"). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];
	if (la >= 63 || lb >= 63)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static int unknown_key(struct vctx *v, const struct schema *kids, const struct cfg_node *key)
{
	const char *best = NULL;
	size_t bestd = 3;   /* suggest only close matches */
	for (const struct schema *s = kids; s->key; s++) {
		size_t d = distance(key->text, s->key);
		if (d < bestd) {
			bestd = d;
			best = s->key;
		}
	}
	if (best)
		return fail(v, key, "unknown key (did you mean '%s'?)", best);
	return fail(v, key, "unknown key%s", "");
}

static int check_map(struct vctx *v, const struct schema *kids, const struct cfg_node *n)
{
	if (n->kind != CFG_MAP)
		return fail(v, n, "expected a map, found %s", kind_name(n));
	for (size_t i = 0; i < n->n; i++) {
		const struct schema *s = kids;
		while (s->key && strcmp(s->key, n->keys[i]->text))
			s++;
		size_t len = path_push(v, n->keys[i]->text, -1);
		int rc = s->key ? check(v, s, n->kids[i]) : unknown_key(v, kids, n->keys[i]);
		v->path[len] = 0;
		if (rc)
			return rc;
	}
	for (const struct schema *s = kids; s->key; s++) {
		const struct cfg_node *val = cfg_map_get(n, s->key);
		if ((s->flags & F_REQUIRED) && (!val || val->kind == CFG_NULL))
			return fail(v, n, "missing required key '%s'", s->key);
	}
	return 0;
}

static int check_seq(struct vctx *v, const struct schema *item, const struct cfg_node *n)
{
	if (n->kind != CFG_SEQ)
		return fail(v, n, "expected a sequence, found %s", kind_name(n));
	for (size_t i = 0; i < n->n; i++) {
		size_t len = path_push(v, NULL, (long)i);
		int rc = n->kids[i]->kind == CFG_NULL ? fail(v, n->kids[i], "empty item%s", "")
						       : check(v, item, n->kids[i]);
		v->path[len] = 0;
		if (rc)
			return rc;
	}
	return 0;
}

static int check_strlist(struct vctx *v, const struct cfg_node *n)
{
	if (n->kind == CFG_SCALAR)
		return 0;
	if (n->kind != CFG_SEQ)
		return fail(v, n, "expected a sequence of strings, found %s", kind_name(n));
	for (size_t i = 0; i < n->n; i++)
		if (n->kids[i]->kind != CFG_SCALAR) {
			size_t len = path_push(v, NULL, (long)i);
			int rc = fail(v, n->kids[i], "expected a string, found %s", kind_name(n->kids[i]));
			v->path[len] = 0;
			return rc;
		}
	return 0;
}

static const struct schema s_cfgfile_map[] = {
	{ "path", ST_STR, 0, 0, 0, 0, F_REQUIRED }, SE("strategy", strategies), END };

static int check_strmap(struct vctx *v, const struct cfg_node *n)
{
	if (n->kind != CFG_MAP)
		return fail(v, n, "expected a map, found %s", kind_name(n));
	for (size_t i = 0; i < n->n; i++)
		if (n->kids[i]->kind == CFG_SEQ || n->kids[i]->kind == CFG_MAP) {
			size_t len = path_push(v, n->keys[i]->text, -1);
			int rc = fail(v, n->kids[i], "expected a string, found %s", kind_name(n->kids[i]));
			v->path[len] = 0;
			return rc;
		}
	return 0;
}

static int check(struct vctx *v, const struct schema *s, const struct cfg_node *n)
{
	if (n->kind == CFG_NULL && !(s->flags & F_REQUIRED))
		return 0;   /* `key:` with no value: the default */
	switch (s->type) {
	case ST_BOOL:
	case ST_INT:
	case ST_NUM:
	case ST_STR:
		return check_scalar(v, s, n);
	case ST_STRLIST:
		return check_strlist(v, n);
	case ST_MAP:
		return check_map(v, s->kids, n);
	case ST_SEQ:
		if (n->kind == CFG_SCALAR && (s->flags & F_SCALAR_OK))
			return check(v, s->kids, n);
		return check_seq(v, s->kids, n);
	case ST_STRMAP:
		return check_strmap(v, n);
	case ST_ANY:
		return 0;
	case ST_CFGFILE:
		return n->kind == CFG_SCALAR ? 0 : check_map(v, s_cfgfile_map, n);
	case ST_EXTRA_FIELD:
		if (n->kind == CFG_SCALAR || (n->kind == CFG_MAP && n->n == 1 &&
					      n->kids[0]->kind == CFG_SCALAR))
			return 0;
		return fail(v, n, "expected a field name or a single 'name: format' pair%s", "");
	}
	return 0;
}

int cfg_validate(const struct cfg_node *root, struct cfg_err *err)
{
	struct cfg_err local;
	struct vctx v = { .err = err ? err : &local };
	if (!root || root->kind == CFG_NULL)
		return 0;
	return check_map(&v, s_root, root);
}

/* ---------------- --config-schema ---------------- */

static void indent(FILE *out, int depth)
{
	fprintf(out, "%*s", depth * 2, "");
}

static void print_schema(FILE *out, const struct schema *s, int depth);

static void print_props(FILE *out, const struct schema *kids, int depth)
{
	fprintf(out, "\"type\": \"object\", \"additionalProperties\": false, \"properties\": {\n");
	for (const struct schema *k = kids; k->key; k++) {
		indent(out, depth + 1);
		fprintf(out, "\"%s\": ", k->key);
		print_schema(out, k, depth + 1);
		fprintf(out, "%s\n", k[1].key ? "," : "");
	}
	indent(out, depth);
	fprintf(out, "}");
	bool any = false;
	for (const struct schema *k = kids; k->key; k++)
		if (k->flags & F_REQUIRED) {
			fprintf(out, "%s\"%s\"", any ? ", " : ", \"required\": [", k->key);
			any = true;
		}
	if (any)
		fprintf(out, "]");
}

static void print_schema(FILE *out, const struct schema *s, int depth)
{
	static const char *const simple[] = {
		[ST_BOOL] = "\"type\": \"boolean\"", [ST_INT] = "\"type\": \"integer\"",
		[ST_NUM] = "\"type\": \"number\"", [ST_STR] = "\"type\": \"string\"",
		[ST_STRLIST] = "\"type\": \"array\", \"items\": {\"type\": \"string\"}",
		[ST_STRMAP] = "\"type\": \"object\"",
		[ST_ANY] = "\"anyOf\": [{\"type\": \"object\"}, {\"type\": \"string\"}, {\"type\": \"null\"}]",
		[ST_CFGFILE] = "\"oneOf\": [{\"type\": \"string\"}, {\"type\": \"object\", \"properties\": "
			       "{\"path\": {\"type\": \"string\"}, \"strategy\": {\"type\": \"string\", "
			       "\"enum\": [\"append\", \"override\", \"add-only\"]}}, \"required\": [\"path\"]}]",
		[ST_EXTRA_FIELD] = "\"anyOf\": [{\"type\": \"object\", \"additionalProperties\": "
				   "{\"type\": \"string\"}}, {\"type\": \"string\"}]",
	};
	fprintf(out, "{");
	if (s->type == ST_MAP) {
		print_props(out, s->kids, depth);
	} else if (s->type == ST_SEQ) {
		fprintf(out, "\"type\": \"array\", \"items\": ");
		print_schema(out, s->kids, depth);
	} else {
		fprintf(out, "%s", simple[s->type]);
		if (s->enums) {
			fprintf(out, ", \"enum\": [");
			for (const char *const *e = s->enums; *e; e++)
				fprintf(out, "%s\"%s\"", e == s->enums ? "" : ", ", *e);
			fprintf(out, "]");
		}
		if (s->type == ST_INT && s->min < s->max)
			fprintf(out, ", \"minimum\": %lld, \"maximum\": %lld", (long long)s->min,
				(long long)s->max);
	}
	fprintf(out, "}");
}

void cfg_schema_print(FILE *out)
{
	static const struct schema root = { "FalcoConfig", ST_MAP, s_root, 0, 0, 0, 0 };
	fprintf(out, "{\"$schema\": \"http://json-schema.org/draft-06/schema#\", \"title\": \"FalcoConfig\", ");
	print_props(out, root.kids, 0);
	fprintf(out, "}\n");
}
