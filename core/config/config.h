/*
 * core/config: falco.yaml.
 *
 * Two layers behind one header:
 *
 * 1. A YAML tree read with libyaml in which every node remembers where it
 *    came from (file, 0-based line and column, byte offset). The rules reader
 *    uses this layer too. Plain `~`, `null` and empty scalars become
 *    CFG_NULL; everything else keeps its text, and typed reads interpret the
 *    text the way upstream's yaml-cpp does (quoted or not).
 *
 * 2. The configuration, in upstream's order: the main file (first YAML
 *    document) with `${ENV}` expansion; the `-o config_files=...` overrides;
 *    each `config_files` entry (a file, or every regular file of a directory
 *    in name order, as upstream — not only *.yaml; missing entries skipped)
 *    merged by top-level key with its strategy (append: lists appended,
 *    other values replaced; override; add-only); then every `-o`; then a
 *    schema check of the whole merged tree (unknown keys and wrong types are
 *    errors naming the key path and its file:line:col, or the -o option);
 *    then a typed `struct falco_config` with upstream's semantic checks and
 *    its defaults for everything not set.
 *
 * Every function that can fail returns 0 or a negative errno value and, when
 * given a `struct cfg_err`, writes a one-line message into it.
 */
#ifndef FALCO_CORE_CONFIG_H
#define FALCO_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cfg_err {
	char msg[1024];
	/* Where a YAML syntax error was found (set by cfg_yaml_read only). */
	bool has_pos;
	uint32_t line, col;   /* 0-based */
	uint64_t offset;
};

/* ------------------------------------------------------------------ */
/* YAML tree                                                           */
/* ------------------------------------------------------------------ */

/* Where a node was read. `name` is a file path, or `-o KEY=VALUE` for a
 * command-line override. Shared by every node read from the same source and
 * reference counted, so nodes may move between trees. */
struct cfg_src {
	unsigned refs;
	bool cli;           /* an `-o` value: line/column are within the value */
	char name[];
};

struct cfg_pos {
	struct cfg_src *src; /* counted reference; NULL for synthesized nodes */
	uint32_t line;       /* 0-based, as libyaml (and yaml-cpp) count */
	uint32_t col;        /* 0-based */
	uint64_t offset;     /* characters from the start of the input */
};

enum cfg_kind { CFG_NULL, CFG_SCALAR, CFG_SEQ, CFG_MAP };

/* One node. A node owns its text, its children and its counted `pos.src`
 * reference; cfg_node_free releases all of them. In a map, keys[i] (always
 * a CFG_SCALAR) goes with kids[i]; a sequence uses kids only. Duplicate map
 * keys are kept; lookups return the first, as yaml-cpp does. */
struct cfg_node {
	enum cfg_kind kind;
	bool quoted;              /* scalar written quoted or as a block scalar */
	struct cfg_pos pos;
	char *text;               /* scalar text, NUL-terminated; NULL otherwise */
	size_t n;                 /* number of children */
	size_t cap;
	struct cfg_node **keys;   /* map keys (n of them); NULL for sequences */
	struct cfg_node **kids;   /* map values or sequence items */
};

/* Options of the YAML reader. */
struct cfg_read_opts {
	bool expand_env;      /* apply `${VAR}` expansion to every scalar */
	bool cli;             /* mark the source as a command-line value */
};

/* Reads every YAML document of `text[0..len)` into `*docs` (a malloc'd array
 * of `*ndocs` trees, each owned by the caller: free each with cfg_node_free
 * and the array with free). `name` names the input in positions and errors.
 * An empty document is a CFG_NULL node. */
int cfg_yaml_read(const char *text, size_t len, const char *name,
		  const struct cfg_read_opts *opts, struct cfg_node ***docs,
		  size_t *ndocs, struct cfg_err *err);

/* Reads a whole file into a malloc'd NUL-terminated buffer (owned by the
 * caller). */
int cfg_read_file(const char *path, char **text, size_t *len, struct cfg_err *err);

/* Upstream's `${VAR}` expansion of one string: `${X}` is replaced by X's value
 * (removed when unset), `$${X}` yields a literal `${X}`, any other `$` stops
 * the expansion of the rest. Returns a malloc'd string owned by the caller,
 * or NULL when the result would grow without bound (a variable that expands
 * to itself). */
char *cfg_expand_env(const char *in);

void cfg_node_free(struct cfg_node *node);
struct cfg_node *cfg_node_clone(const struct cfg_node *node);
/* New nodes; text is copied. `pos.src` gets a new reference when given. */
struct cfg_node *cfg_node_new(enum cfg_kind kind, const char *text, const struct cfg_pos *pos);
/* Appends to a sequence, or a key/value pair to a map; takes ownership of
 * `key` and `val`. Returns -ENOMEM on failure (and frees both). */
int cfg_node_push(struct cfg_node *seq, struct cfg_node *val);
int cfg_node_put(struct cfg_node *map, struct cfg_node *key, struct cfg_node *val);

/* The value of `key` in a map, or NULL (also when `map` is not a map). */
struct cfg_node *cfg_map_get(const struct cfg_node *map, const char *key);
/* Index of `key` in a map, or -1. */
long cfg_map_index(const struct cfg_node *map, const char *key);

/* Typed reads of a scalar's text with yaml-cpp's conversions. They return
 * false when the node is not a scalar of that type. */
bool cfg_scalar_bool(const struct cfg_node *n, bool *out);
bool cfg_scalar_i64(const struct cfg_node *n, int64_t *out);
bool cfg_scalar_double(const struct cfg_node *n, double *out);

/* Position as `file:line:col` with 1-based line and column, or
 * `-o KEY=VALUE` for an override. */
void cfg_pos_format(const struct cfg_pos *pos, char *buf, size_t len);

/* Path syntax shared by `-o` and cfg_get/cfg_set (upstream's):
 *   key[.key...] with `[N]` after any key to index a sequence; `[]` (only
 *   when setting) appends a new item; `\.`, `\[`, `\]`, `\\` escape. */
int cfg_get(const struct cfg_node *root, const char *path,
	    const struct cfg_node **out, struct cfg_err *err);
/* Replaces (or creates) the node at `path` with `val`, taking ownership of
 * `val` in every case. Missing maps are created on the way. */
int cfg_set(struct cfg_node **root, const char *path, struct cfg_node *val,
	    struct cfg_err *err);

/* Applies one `KEY=VALUE` override to a tree: a value that starts with `{`
 * and ends with `}` (or `[` ... `]`) is read as YAML flow; any other value
 * is a plain scalar, typed when read. No `${ENV}` expansion. */
int cfg_apply_override(struct cfg_node **root, const char *opt, struct cfg_err *err);

/* Writes a scalar/map/sequence tree as JSON (scalars typed as yaml-cpp's
 * int, then double, then bool, else string; as upstream's plugin
 * init_config conversion). Returns a malloc'd string owned by the caller. */
char *cfg_node_to_json(const struct cfg_node *node);

/* ------------------------------------------------------------------ */
/* falco.yaml                                                          */
/* ------------------------------------------------------------------ */

struct cfg_strlist {
	size_t n;
	char **v;              /* n owned strings */
};

enum cfg_engine_kind {
	CFG_ENGINE_KMOD,
	CFG_ENGINE_MODERN_EBPF,
	CFG_ENGINE_REPLAY,
	CFG_ENGINE_NODRIVER,
};

/* Upstream's priority numbering: lower is more severe. */
enum cfg_priority {
	CFG_PRIO_EMERGENCY = 0,
	CFG_PRIO_ALERT,
	CFG_PRIO_CRITICAL,
	CFG_PRIO_ERROR,
	CFG_PRIO_WARNING,
	CFG_PRIO_NOTICE,
	CFG_PRIO_INFORMATIONAL,
	CFG_PRIO_DEBUG,
};

enum cfg_rule_matching { CFG_MATCH_FIRST, CFG_MATCH_ALL };
enum cfg_capture_mode { CFG_CAPTURE_RULES, CFG_CAPTURE_ALL_RULES };

/* syscall_event_drops.actions, a set. An empty list means IGNORE. */
enum cfg_drop_action {
	CFG_DROP_IGNORE = 1 << 0,
	CFG_DROP_LOG = 1 << 1,
	CFG_DROP_ALERT = 1 << 2,
	CFG_DROP_EXIT = 1 << 3,
};

/* metrics.*_enabled flags. */
enum cfg_metrics_flag {
	CFG_METRICS_RULE_COUNTERS = 1 << 0,
	CFG_METRICS_RESOURCE_UTILIZATION = 1 << 1,
	CFG_METRICS_STATE_COUNTERS = 1 << 2,
	CFG_METRICS_KERNEL_COUNTERS = 1 << 3,
	CFG_METRICS_KERNEL_COUNTERS_PER_CPU = 1 << 4,
	CFG_METRICS_LIBBPF_STATS = 1 << 5,
	CFG_METRICS_PLUGINS = 1 << 6,
	CFG_METRICS_KERNEL_ITER_COUNTERS = 1 << 7,
	CFG_METRICS_JEMALLOC_STATS = 1 << 8,
};

/* Where plugins with a relative `library_path` are looked up (upstream:
 * <share dir>/plugins/). Override at build time with -DCFG_PLUGINS_DIR=... */
#ifndef CFG_PLUGINS_DIR
#define CFG_PLUGINS_DIR "/usr/share/falco/plugins/"
#endif

struct cfg_plugin {
	char *name;
	char *library_path;    /* absolute: a relative path is resolved under CFG_PLUGINS_DIR */
	char *init_config;     /* "" when absent; a map is converted to JSON text */
	char *open_params;     /* trimmed */
};

/* One `rules:` selection entry, in order. */
struct cfg_rule_select {
	bool enable;           /* false: disable */
	char *rule;            /* wildcard pattern, or NULL */
	char *tag;             /* or NULL */
};

/* One `extra_fields` entry: `name: format` or a bare `name` (fmt NULL). */
struct cfg_extra_field {
	char *name;
	char *fmt;
};

struct cfg_append_output {
	char *match_source;    /* NULL: any */
	char *match_rule;      /* NULL: any */
	struct cfg_strlist match_tags;
	char *extra_output;    /* NULL: none */
	bool suggested_output;
	size_t n_fields;
	struct cfg_extra_field *fields;
};

struct cfg_kv {
	char *key;
	char *value;
};

/* Every key that applies to us, with upstream's value when the key is
 * absent (the defaults of upstream's configuration code; the default
 * falco.yaml sets several keys to other values). Owns every string. */
struct falco_config {
	struct cfg_strlist loaded_files;   /* main file, then each drop-in loaded */
	bool watch_config_files;
	struct cfg_strlist rules_files;    /* as listed, minus entries that do not exist */

	size_t n_rules_select;
	struct cfg_rule_select *rules_select;

	struct {
		enum cfg_engine_kind kind;
		struct { int buf_size_preset; bool drop_failed_exit; } kmod;
		struct {
			unsigned cpus_for_each_buffer;
			int buf_size_preset;
			bool drop_failed_exit;
			bool disable_iterators;
		} modern_ebpf;
		struct { char *capture_file; } replay;
	} engine;

	struct {
		bool enabled;
		char *path_prefix;
		enum cfg_capture_mode mode;
		uint64_t default_duration_ms;
		uint64_t max_file_size_mb;
	} capture;

	size_t n_plugins;                  /* after `load_plugins` selection, in its order */
	struct cfg_plugin *plugins;
	bool plugins_hostinfo;

	bool time_format_iso_8601;
	bool buffer_format_base64;
	enum cfg_priority priority;
	bool json_output;
	bool json_include_output_property;
	bool json_include_message_property;
	bool json_include_output_fields_property;
	bool json_include_tags_property;
	bool buffered_outputs;
	enum cfg_rule_matching rule_matching;
	uint64_t outputs_queue_capacity;   /* 0: unbounded */

	size_t n_append_output;
	struct cfg_append_output *append_output;
	size_t n_static_fields;
	struct cfg_kv *static_fields;      /* in file order */

	struct { bool enabled; } stdout_output, syslog_output;
	struct { bool enabled; bool keep_alive; char *filename; } file_output;
	struct {
		bool enabled;
		char *url;
		char *user_agent;
		bool insecure;
		char *ca_cert;
		char *ca_bundle;
		char *ca_path;
		bool mtls;
		char *client_cert;
		char *client_key;
		bool echo;
		bool compress_uploads;
		bool keep_alive;
		unsigned max_consecutive_timeouts;
	} http_output;
	struct { bool enabled; bool keep_alive; char *program; } program_output;

	struct {
		bool enabled;
		unsigned threadiness;          /* 0 in the file means one per online CPU */
		unsigned listen_port;
		char *listen_address;
		char *k8s_healthz_endpoint;
		bool prometheus_metrics_enabled;
		bool ssl_enabled;
		char *ssl_certificate;
	} webserver;

	bool log_stderr;
	bool log_syslog;
	char *log_level;
	struct { bool enabled; char *severity; } libs_logger;

	unsigned output_timeout_ms;
	unsigned syscall_event_timeouts_max_consecutives;
	struct {
		double threshold;
		unsigned actions;              /* enum cfg_drop_action bits */
		double rate;
		double max_burst;
		bool simulate_drops;
	} syscall_event_drops;

	struct {
		bool enabled;
		char *interval;                /* as written */
		uint64_t interval_ms;
		bool output_rule;
		char *output_file;
		unsigned flags;                /* enum cfg_metrics_flag bits */
		bool convert_memory_to_mb;
		bool include_empty_values;
	} metrics;

	struct {
		struct cfg_strlist custom_set;
		bool repair;
		bool all;
	} base_syscalls;

	struct {
		uint32_t thread_table_size;
		uint32_t thread_table_auto_purging_interval_s;
		uint32_t thread_table_auto_purging_thread_timeout_s;
		uint64_t snaplen;              /* 0: the driver's default */
	} falco_libs;

	struct cfg_node *tree;             /* the merged tree, for raw lookups */
};

/* Loads `path` (the main falco.yaml), its drop-ins and the `-o` overrides
 * (`opts[0..nopts)`, each `KEY=VALUE`). On success `*out` is a new config
 * owned by the caller (free with cfg_free). Warnings (deprecated keys) go to
 * `warn` when not NULL. */
int cfg_load(const char *path, const char *const *opts, size_t nopts,
	     struct falco_config **out, FILE *warn, struct cfg_err *err);

/* The same from a string; `name` names it in errors. Drop-ins are honoured
 * relative to the current directory, as for a file. */
int cfg_load_string(const char *text, const char *name, const char *const *opts,
		    size_t nopts, struct falco_config **out, FILE *warn,
		    struct cfg_err *err);

void cfg_free(struct falco_config *cfg);

/* Upstream's plugin path rule: an absolute `path` is kept; a relative one is
 * joined to `dir` and normalized (`.`, `..`, repeated `/`), and must stay
 * inside `dir`. On success `*out` is a malloc'd path owned by the caller;
 * -EINVAL when the path escapes `dir`. */
int cfg_plugin_library_path(const char *dir, const char *path, char **out);

/* Validates a merged tree against the schema (exposed for tests and
 * `--config-schema` users). */
int cfg_validate(const struct cfg_node *root, struct cfg_err *err);

/* Prints the schema as a JSON Schema document (`--config-schema`). */
void cfg_schema_print(FILE *out);

/* Name of a priority ("Informational", ...) and its parse, case-insensitive,
 * accepting "info" too. Returns -1 when unknown. */
const char *cfg_priority_name(enum cfg_priority p);
int cfg_priority_parse(const char *s);

#endif
