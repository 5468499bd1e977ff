/*
 * core/rules: Falco rules files, up to the point where conditions are parsed.
 *
 * 1. Reader: rules files (several YAML documents per file, directories,
 *    several files in order) -> a flat sequence of items (required versions,
 *    list, macro, rule) with positions, and upstream's YAML-level errors and
 *    warnings per file in its result shape (code, message, context, snippet),
 *    printable as `falco -V` text or JSON.
 * 2. Collector (on_item hook, called as each item is read): redefinition in
 *    place, `append`, `override` append/replace, standalone `enabled`,
 *    engine/plugin version requirements, exception checks.
 * 3. Text stage of the compiler: list references expanded, list names in
 *    conditions replaced, exception clauses built, outputs extended by
 *    append_output — all as upstream does it on text before parsing.
 * 4. Selection: the `rules:` entries of falco.yaml and the priority threshold.
 *
 * Left to the filter compiler: parsing conditions and outputs, macro
 * resolution (by index/visibility), field binding, LOAD_UNUSED_MACRO,
 * LOAD_NO_EVTTYPE and compile errors, recorded into the same results.
 */
#ifndef FALCO_CORE_RULES_H
#define FALCO_CORE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"   /* struct cfg_strlist, priorities */

/* ---------------- results (upstream's falco::load_result) ---------------- */

enum rules_err_code {
	RULES_ERR_FILE_READ = 0,
	RULES_ERR_YAML_PARSE,
	RULES_ERR_YAML_VALIDATE,
	RULES_ERR_COMPILE_CONDITION,
	RULES_ERR_COMPILE_OUTPUT,
	RULES_ERR_VALIDATE,
	RULES_ERR_EXTENSION,
};

enum rules_warn_code {
	RULES_WARN_UNKNOWN_SOURCE = 0,
	RULES_WARN_UNSAFE_NA_CHECK,
	RULES_WARN_NO_EVTTYPE,
	RULES_WARN_UNKNOWN_FILTER,
	RULES_WARN_UNUSED_MACRO,
	RULES_WARN_UNUSED_LIST,
	RULES_WARN_UNKNOWN_ITEM,
	RULES_WARN_DEPRECATED_ITEM,
	RULES_WARN_EXTENSION,
	RULES_WARN_APPEND_NO_VALUES,
	RULES_WARN_EXCEPTION_NAME_NOT_UNIQUE,
	RULES_WARN_INVALID_MACRO_NAME,
	RULES_WARN_INVALID_LIST_NAME,
	RULES_WARN_COMPILE_CONDITION,
	RULES_WARN_UNKNOWN_KEY,
};

/* "LOAD_ERR_YAML_PARSE", "YAML parse error", and the same for warnings. */
const char *rules_err_code_str(enum rules_err_code c);
const char *rules_err_str(enum rules_err_code c);
const char *rules_warn_code_str(enum rules_warn_code c);
const char *rules_warn_str(enum rules_warn_code c);

/* The kinds of location in a context, with upstream's names ("value for",
 * "rule", "rules content item", ...). */
enum rules_ctx_type {
	RULES_CTX_VALUE_FOR = 0,
	RULES_CTX_EXCEPTIONS,
	RULES_CTX_EXCEPTION,
	RULES_CTX_EXCEPTION_VALUES,
	RULES_CTX_EXCEPTION_VALUE,
	RULES_CTX_RULES_CONTENT,
	RULES_CTX_RULES_CONTENT_ITEM,
	RULES_CTX_REQUIRED_ENGINE_VERSION,
	RULES_CTX_REQUIRED_PLUGIN_VERSIONS,
	RULES_CTX_REQUIRED_PLUGIN_VERSIONS_ENTRY,
	RULES_CTX_REQUIRED_PLUGIN_VERSIONS_ALTERNATIVE,
	RULES_CTX_LIST,
	RULES_CTX_LIST_ITEM,
	RULES_CTX_MACRO,
	RULES_CTX_MACRO_CONDITION,
	RULES_CTX_RULE,
	RULES_CTX_RULE_CONDITION,
	RULES_CTX_CONDITION_EXPRESSION,
	RULES_CTX_RULE_OUTPUT,
	RULES_CTX_RULE_OUTPUT_EXPRESSION,
	RULES_CTX_RULE_PRIORITY,
	RULES_CTX_OVERRIDE,
	RULES_CTX_EXTENSION_ITEM,
};
const char *rules_ctx_type_str(enum rules_ctx_type t);

/* One location: upstream prints `(name:line:column)`, with yaml-cpp's
 * 0-based line and column, and `offset` in JSON. */
struct rules_loc {
	enum rules_ctx_type type;
	char *item_name;          /* owned; "" when none */
	char *name;               /* owned; the file name (or a condition prefix) */
	uint32_t line, col;
	uint64_t offset;
};

/* A context: the chain of locations from the file down to the element. */
struct rules_ctx {
	size_t n;
	struct rules_loc *locs;   /* owned */
};

/* Appends a location to a copy of `parent` (the filter compiler uses this to
 * point inside a condition). Returns 0 or -ENOMEM. */
int rules_ctx_extend(struct rules_ctx *out, const struct rules_ctx *parent,
		     enum rules_ctx_type type, const char *item_name, const char *name,
		     uint32_t line, uint32_t col, uint64_t offset);
int rules_ctx_copy(struct rules_ctx *out, const struct rules_ctx *in);
/* Upstream's context for a position inside a condition (parse and compile
 * errors): `parent` plus a "condition expression" location named after the
 * condition's first characters, at the parser's line/col/idx added to the
 * parent's position. Its snippet is taken from the condition text
 * (rules_ctx_snippet(ctx, condition, strlen(condition), ...)). */
int rules_ctx_condition(struct rules_ctx *out, const struct rules_ctx *parent, const char *condition,
			uint32_t line, uint32_t col, uint32_t idx);
void rules_ctx_free(struct rules_ctx *ctx);

/* Upstream's snippet: the line of `content` holding the last location's
 * offset (at most `width` characters around it, `...` where cut), a newline,
 * then a `^` under the position and a newline. Returns a malloc'd string. */
char *rules_ctx_snippet(const struct rules_ctx *ctx, const char *content, size_t len,
			size_t width);
#define RULES_SNIPPET_WIDTH 160

struct rules_msg {
	int code;                 /* enum rules_err_code or enum rules_warn_code */
	char *msg;                /* owned */
	struct rules_ctx ctx;     /* owned */
	char *alt;                /* owned; NULL, or the condition text the snippet is
	                           * taken from (condition-expression contexts) */
};

/* The result of one rules file. */
struct rules_result {
	char *name;               /* owned */
	bool ok;                  /* no error */
	size_t nerrs, nwarns;
	struct rules_msg *errs;   /* owned */
	struct rules_msg *warns;  /* owned */
};

int rules_result_error(struct rules_result *r, enum rules_err_code code, const char *msg,
		       const struct rules_ctx *ctx);
int rules_result_warning(struct rules_result *r, enum rules_warn_code code, const char *msg,
			 const struct rules_ctx *ctx);

/* Sets the snippet source of the last error (warn false) or warning added
 * to r: upstream's "alt content" of condition contexts. 0 or -ENOMEM. */
int rules_result_set_alt(struct rules_result *r, bool warn, const char *text);

/* `falco -V` output for one file, as upstream prints it: the verbose text
 * (`NAME: Ok|Ok, with warnings|Invalid`, then each error and warning with
 * its context, snippet, code and message; no final newline), and one object
 * of the `falco_load_results` array (compact JSON, keys sorted). Upstream's
 * `schema_valid`/`schema_warnings` (its rules JSON-schema check) are not
 * produced. `content` is the file's text, for snippets. */
void rules_result_print_text(FILE *out, const struct rules_result *r, const char *content, size_t len);
void rules_result_print_json(FILE *out, const struct rules_result *r, const char *content, size_t len);
/* A JSON string literal with upstream's escaping (invalid UTF-8 becomes U+FFFD). */
void rules_json_string(FILE *out, const char *s);
/* The long description of a warning code (our wording). */
const char *rules_warn_desc(enum rules_warn_code c);

/* ---------------- items ---------------- */

enum rules_item_kind {
	RULES_ITEM_ENGINE_VERSION,
	RULES_ITEM_PLUGIN_VERSION,
	RULES_ITEM_LIST,
	RULES_ITEM_MACRO,
	RULES_ITEM_RULE,
};

/* What an item does to an earlier one of the same name. */
enum rules_op {
	RULES_OP_DEFINE,    /* define, or redefine in place */
	RULES_OP_APPEND,    /* `append: true`, or the `append` keys of `override` */
	RULES_OP_REPLACE,   /* the `replace` keys of a rule's `override` */
	RULES_OP_ENABLE,    /* a rule with only `enabled` (deprecated form) */
};

/* Rule keys, as a bit set. */
enum rules_key {
	RULES_K_CONDITION = 1 << 0,
	RULES_K_OUTPUT = 1 << 1,
	RULES_K_DESC = 1 << 2,
	RULES_K_PRIORITY = 1 << 3,
	RULES_K_SOURCE = 1 << 4,
	RULES_K_ENABLED = 1 << 5,
	RULES_K_CAPTURE = 1 << 6,
	RULES_K_CAPTURE_DURATION = 1 << 7,
	RULES_K_WARN_EVTTYPES = 1 << 8,
	RULES_K_SKIP_IF_UNKNOWN_FILTER = 1 << 9,
	RULES_K_TAGS = 1 << 10,
	RULES_K_EXCEPTIONS = 1 << 11,
};

/* An exception's `fields`, `comps` or one of its `values`: a scalar, or a
 * list of such entries (values nest one level: `[[a, b], [c, d]]`). */
struct rules_exc_entry {
	bool is_list;
	char *item;                      /* owned; scalar form ("" when absent) */
	size_t n;
	struct rules_exc_entry *items;   /* owned; list form */
};

struct rules_exception {
	char *name;
	bool has_fields, has_comps;
	struct rules_exc_entry fields, comps;
	size_t nvalues;
	struct rules_exc_entry *values;
	struct rules_ctx ctx;
};

struct rules_plugin_req {
	char *name;
	char *version;
};

struct rules_rule {
	unsigned keys;                 /* enum rules_key: what this item sets */
	char *cond;                    /* text as written */
	char *output;                  /* trimmed for definitions */
	char *desc;
	char *source;                  /* "syscall" unless given (definitions) */
	enum cfg_priority priority;
	bool enabled;                  /* default true */
	bool capture;
	uint64_t capture_duration;
	bool warn_evttypes;            /* default true */
	bool skip_if_unknown_filter;
	struct cfg_strlist tags;       /* sorted, without duplicates (as upstream's set) */
	size_t nexceptions;
	struct rules_exception *exceptions;
	struct rules_ctx cond_ctx;     /* RULE_CONDITION location, when there is a condition */
	struct rules_ctx output_ctx;   /* RULE_OUTPUT location, definitions only */
};

struct rules_item {
	enum rules_item_kind kind;
	enum rules_op op;
	size_t file;                   /* index into rules_set.results */
	char *name;                    /* list/macro/rule name; plugin name; version text */
	struct rules_ctx ctx;          /* the item's context (kind + name + position) */

	/* RULES_ITEM_ENGINE_VERSION */
	unsigned version[3];

	/* RULES_ITEM_PLUGIN_VERSION: reqs[0] is the entry, then its alternatives */
	size_t nreqs;
	struct rules_plugin_req *reqs;

	/* RULES_ITEM_LIST */
	struct cfg_strlist items;

	/* RULES_ITEM_MACRO (cond) and RULES_ITEM_RULE */
	char *cond;
	struct rules_ctx cond_ctx;     /* MACRO_CONDITION location */
	struct rules_rule rule;
};

struct rules_set;

/* Called by the reader right after each item is complete, in file order.
 * A nonzero return stops reading the file there (upstream collects while it
 * reads, so a collection error ends the file at that item); the callback
 * records its error in `s->results[item->file]`. */
typedef int (*rules_item_fn)(struct rules_set *s, const struct rules_item *item, void *ud);

/* Every file read, in order, and the items they hold. Files after one that
 * failed may still be read; the caller decides (upstream stops loading). */
struct rules_set {
	rules_item_fn on_item;         /* optional; set before reading */
	void *on_item_ud;
	size_t nresults;
	struct rules_result *results;  /* one per file */
	char **contents;               /* nresults file contents, for snippets */
	size_t *lengths;
	size_t nitems, cap_items;
	struct rules_item *items;
};

struct rules_set *rules_set_new(void);
void rules_set_free(struct rules_set *s);

/* Reads one rules text named `name`. Returns 0 when it read without error,
 * -EINVAL when its result holds an error, -ENOMEM. */
int rules_set_read_string(struct rules_set *s, const char *name, const char *content, size_t len);
/* The same for a file; a file that cannot be read is a LOAD_ERR_FILE_READ. */
int rules_set_read_file(struct rules_set *s, const char *path);

/* The files a `rules_files` / `-r` entry stands for: a directory's regular
 * .yaml/.yml files sorted by name, or the path itself when it ends in .yaml
 * or .yml (any other file is skipped, as upstream does). Appends to `out`. */
int rules_expand_path(const char *path, struct cfg_strlist *out);

/* Name -> position index of one kind of definition (collect.c). */
struct rules_name_index {
	size_t cap;                    /* power of two, or 0 */
	uint32_t *slots;               /* owned; position + 1, 0 for empty */
};

/* ---------------- collection ---------------- */

/* The engine version we declare (upstream's engine 0.63.0, Falco 0.44). */
#define RULES_ENGINE_VERSION { 0, 63, 0 }

struct rules_collect_opts {
	unsigned engine_version[3];
	/* Is `source` a known event source? NULL: every source is. */
	bool (*source_known)(const char *source, void *ud);
	/* Is `field` a valid left-hand field of `source` (exception fields)? NULL: all are. */
	bool (*field_valid)(const char *source, const char *field, void *ud);
	void *ud;
};

struct rules_list_def {
	char *name;
	struct cfg_strlist items;      /* as written, appends concatenated */
	uint32_t index;                /* position of the first definition */
	uint32_t visibility;           /* position of the last change */
	struct rules_ctx ctx;
};

struct rules_macro_def {
	char *name;
	char *cond;                    /* appends joined with a space */
	uint32_t index, visibility;
	struct rules_ctx ctx, cond_ctx;
};

struct rules_rule_def {
	char *name;
	uint32_t index, visibility;
	bool unknown_source;           /* warned LOAD_UNKNOWN_SOURCE; to be skipped */
	char *cond, *output, *desc, *source;
	enum cfg_priority priority;
	bool enabled, capture, warn_evttypes, skip_if_unknown_filter;
	uint64_t capture_duration;
	struct cfg_strlist tags;       /* sorted, unique */
	size_t nexceptions;
	struct rules_exception *exceptions;   /* comps filled with their defaults */
	struct rules_ctx ctx, cond_ctx, output_ctx;
};

struct rules_plugin_alts {
	size_t n;
	struct rules_plugin_req *reqs; /* the requirement, then its alternatives */
	struct rules_ctx ctx;
};

/* The definitions after every item so far, each kind in first-definition
 * order. Everything is owned by the collection. What is left to the
 * compiler: list expansion, macro resolution (a macro sees macros with a
 * lower index than its visibility), exceptions turned into condition text,
 * unused list/macro warnings, and the engine's priority and rule selection. */
struct rules_collection {
	struct rules_collect_opts opts;
	struct rules_name_index list_idx, macro_idx, rule_idx;
	uint32_t next_index;
	size_t nlists, nmacros, nrules;
	size_t cap_lists, cap_macros, cap_rules;
	struct rules_list_def *lists;
	struct rules_macro_def *macros;
	struct rules_rule_def *rules;
	bool has_engine_version;
	unsigned engine_version[3];    /* the highest required */
	size_t nplugin_reqs;
	struct rules_plugin_alts *plugin_reqs;
};

/* Definitions by name (hashed), or NULL. */
const struct rules_list_def *rules_find_list(const struct rules_collection *c, const char *name);
const struct rules_macro_def *rules_find_macro(const struct rules_collection *c, const char *name);
const struct rules_rule_def *rules_find_rule(const struct rules_collection *c, const char *name);

/* NULL opts: RULES_ENGINE_VERSION, every source and field accepted. */
struct rules_collection *rules_collection_new(const struct rules_collect_opts *opts);
void rules_collection_free(struct rules_collection *c);
/* Applies one item (an rules_item_fn: set `s->on_item = rules_collect_item`
 * and `s->on_item_ud = collection` before reading). Errors go to the item's
 * file result as LOAD_ERR_VALIDATE; returns 0, -EINVAL or -ENOMEM. */
int rules_collect_item(struct rules_set *s, const struct rules_item *item, void *collection);

/* ---------------- compiler input (text stage) ---------------- */

/* A list with references to earlier lists expanded. `used` is set when
 * another list or a condition refers to it (for LOAD_UNUSED_LIST). */
struct rules_list {
	const char *name;              /* borrowed from the collection */
	struct cfg_strlist items;      /* owned */
	bool used;
};

struct rules_lists {
	size_t n;
	struct rules_list *v;          /* collection order */
	/* Lookup of names (built by rules_lists_expand): lists whose names
	 * hold a delimiter are `slow` and always tried. */
	struct rules_name_index index;
	size_t nslow;
	uint32_t *slow;                /* owned; ascending */
};

/* Upstream's compile_list_infos: an item naming a list whose index is below
 * this list's visibility becomes that list's items (one level). */
int rules_lists_expand(const struct rules_collection *c, struct rules_lists *out);
void rules_lists_free(struct rules_lists *l);

/* Upstream's resolve_list, applied for every list in order: a list name
 * standing between delimiters (blanks, `(),=`) in condition text is replaced
 * by its items (quoted when they hold a space), marking the list used.
 * Returns a malloc'd string, or NULL when out of memory. The parser then
 * reads the result; macro resolution is the parser's side. */
char *rules_lists_resolve(struct rules_lists *lists, const char *cond);

/* A rule's condition with its exceptions: `(cond) and not (...)` per
 * exception with values, as upstream writes it; the exception fields are
 * added to `fields` (a set). Errors (values and fields of different
 * lengths, ...) are LOAD_ERR_VALIDATE in `res`. `*out` is malloc'd. */
int rules_rule_condition(const struct rules_rule_def *r, struct rules_result *res, char **out,
			 struct cfg_strlist *fields);

/* One `append_output` addition (from falco.yaml, suggested fields, or -p):
 * applies to rules of `source`, named `rule`, holding every tag of `tags`
 * (NULL or empty: any). */
struct rules_extra_format {
	const char *format;
	const char *source;
	const char *rule;
	const struct cfg_strlist *tags;
};

/* The rule's output with the matching extra formats appended (" " + format
 * each); `%container.info` is removed with upstream's deprecation warning. */
int rules_rule_output(const struct rules_rule_def *r, const struct rules_extra_format *extra,
		      size_t nextra, struct rules_result *res, char **out);
/* Whether an append_output entry (source, rule, tags) applies to a rule;
 * also for `extra_fields`. */
bool rules_extra_applies(const struct rules_rule_def *r, const char *source, const char *rule,
			 const struct cfg_strlist *tags);

/* ---------------- selection ---------------- */

/* Upstream's wildcard match of rule names (`*` only; each literal piece
 * after a star binds to its first occurrence, without backtracking). */
bool rules_wildcard_match(const char *pattern, const char *name);

/* Which collected rules end up enabled: those of a known source at or above
 * the `priority` threshold (lower number = more severe), starting from their
 * `enabled` key, then each `rules:` entry in order enables or disables the
 * rules whose name matches its wildcard and those carrying its tag.
 * `enabled` has c->nrules entries. Rules the compiler skips are the
 * caller's to mask. */
void rules_select(const struct rules_collection *c, enum cfg_priority min,
		  const struct cfg_rule_select *sel, size_t nsel, bool *enabled);

/* ---------------- loading ---------------- */

/* Every entry expanded (rules_expand_path) and each file read in order
 * until one fails, as the falco application loads `rules_files` or `-r`.
 * Set `s->on_item` first to collect. Returns 0, -EINVAL (the last result
 * holds the error) or -ENOMEM. */
int rules_load_paths(struct rules_set *s, const struct cfg_strlist *paths);

/* A loaded plugin, for the `required_plugin_versions` check. */
struct rules_plugin_info {
	const char *name;
	const char *version;
};

/* Every requirement needs one of its alternatives loaded with a compatible
 * version (same major, not older). Returns 0, or -EINVAL with upstream's
 * message in `err` ("Plugin requirement not satisfied, must load one of:
 * ..." or the version mismatch). */
int rules_check_plugins(const struct rules_collection *c, const struct rules_plugin_info *plugins,
			size_t n, char *err, size_t len);

/* ---------------- -V ---------------- */

struct rules_validate_opts {
	struct rules_collect_opts collect;
	/* Called after each file is read and collected (compile it, check
	 * plugin requirements, recording into s->results[file]); a negative
	 * return is fatal with a message in `err`. NULL: reader+collector only. */
	int (*after_file)(struct rules_set *s, struct rules_collection *c, size_t file, void *ud,
			  char *err, size_t errlen);
	void *ud;
};

/* Validates `files` in order as `falco -V` does and prints the report to
 * `out` (text summary, or the `falco_load_results` JSON); details of files
 * that are only warned about go to `log` (may be NULL). Returns 0 when every
 * file is valid, 1 when one is not, or a negative errno with `err` set
 * ("Could not open file X for reading", fatal as upstream). */
int rules_validate(const char *const *files, size_t n, const struct rules_validate_opts *o,
		   bool json, FILE *out, FILE *log, char *err, size_t errlen);

/* "0.N.0" for a bare number N: upstream's implicit engine versions. */
void rules_implicit_version(unsigned n, unsigned v[3]);

#endif
