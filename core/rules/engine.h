/*
 * core/rules engine: the compile stage after the reader and collector
 * (rules.h). Collected lists, macros and rules become compiled programs:
 * lists expanded, macros parsed and resolved (a macro sees the macros
 * defined before its last change, loops detected), exceptions rewritten,
 * conditions compiled with core/filter against each source's field
 * registry, outputs compiled with core/output. Enabled rules are indexed per
 * source by event type; per event the engine evaluates the rules of that
 * type and raises alerts.
 *
 * Upstream's warnings and errors (LOAD_* codes with file/line/col/snippet)
 * go to the rules_result of the last file loaded, as upstream compiles the
 * whole collection after each file and reports into that file's result.
 *
 * Ownership: the engine owns everything it creates; the registries, the
 * output manager and the config arrays passed in opts are borrowed and must
 * outlive it.
 */
#ifndef FALCO_CORE_RULES_ENGINE_H
#define FALCO_CORE_RULES_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "event/event.h"
#include "fields/fields.h"
#include "rules/rules.h"

struct out_mgr;

/* An event source the engine knows, with its field registry (borrowed). */
struct rules_source_desc {
	const char *name;
	const struct fld_reg *reg;
};

struct rules_engine_opts {
	size_t sz;                              /* sizeof(struct rules_engine_opts) */
	const struct rules_source_desc *sources;
	size_t nsources;
	/* Where alerts go; NULL: validate only (outputs are still compiled,
	 * through out_fmt_compile, to report their errors). */
	struct out_mgr *mgr;
	enum cfg_priority min_priority;         /* rules less severe are not enabled */
	const struct cfg_rule_select *select;   /* falco.yaml `rules:` entries, in order */
	size_t nselect;
	enum cfg_rule_matching matching;
	/* Loaded plugins, for required_plugin_versions (checked when
	 * check_plugins). */
	const struct rules_plugin_info *plugins;
	size_t nplugins;
	bool check_plugins;
	/* Optional: the event source each plugin provides ("" none), nplugins
	 * entries, for the "plugins" of -L's JSON. */
	const char *const *plugin_sources;
	/* Called for each match when set (tests, dry runs); with mgr, alerts
	 * are raised as well. */
	void (*on_match)(void *ud, size_t rule, const struct fld_ctx *ctx);
	void *on_match_ud;
};

struct rules_engine;

/* Returns NULL on ENOMEM. */
struct rules_engine *rules_engine_new(const struct rules_engine_opts *opts);
void rules_engine_free(struct rules_engine *e);

/* Reads and collects one rules text / file / rules_files entry (file or
 * directory). Returns 0, -EINVAL (the file's result holds the error) or
 * -ENOMEM. After an error, further loads are refused (-EINVAL), as upstream
 * stops at the first file that fails. */
int rules_engine_load_string(struct rules_engine *e, const char *name, const char *content,
                             size_t len);
int rules_engine_load_path(struct rules_engine *e, const char *path);

/* Compiles everything collected, selects and indexes the enabled rules.
 * Returns 0, -EINVAL (a result holds an error, or the plugin requirement
 * failed: message in err) or -ENOMEM. Call once, after the loads. */
int rules_engine_compile(struct rules_engine *e, char *err, size_t errlen);

/* The per-file results (rules_result_print_text/json). */
const struct rules_set *rules_engine_results(const struct rules_engine *e);
/* True when no result holds an error. */
bool rules_engine_ok(const struct rules_engine *e);

/* The index of a source by name, or -1. */
int rules_engine_source(const struct rules_engine *e, const char *name);
/* Cache slots a fld_ctx needs for the source's compiled rules. */
uint32_t rules_engine_nslots(const struct rules_engine *e, int src);
/* The event codes the enabled rules of `src` can match (set[code] = true),
 * for adaptive syscalls. Returns how many are set. */
size_t rules_engine_event_types(const struct rules_engine *e, int src, bool set[EV_CODE_MAX]);
/* Number of enabled rules of a source (all sources: src < 0). */
size_t rules_engine_nenabled(const struct rules_engine *e, int src);

/* Evaluates the enabled rules of `src` indexed under the event's type
 * (ctx->ev) on the event in ctx, in load order; with rule_matching first,
 * stops at the first match. Counts each match, raises its alert. Returns
 * the number of matches. No allocation (except the alert's own). */
int rules_engine_process(struct rules_engine *e, int src, struct fld_ctx *ctx);

/* A compiled rule, for -L / -l and the counters. */
struct rules_engine_rule {
	const char *name, *desc, *source, *condition, *output;
	enum cfg_priority priority;
	const struct cfg_strlist *tags;
	bool compiled;      /* false: skipped (unknown source or filter) */
	bool enabled;       /* selected and indexed */
	uint64_t matches;
	bool capture;                /* `capture: true` (falco.yaml capture.mode rules) */
	uint64_t capture_duration;   /* ms, 0 = capture.default_duration */
};
size_t rules_engine_nrules(const struct rules_engine *e);
/* Rule i in load order (i < rules_engine_nrules); borrowed. */
void rules_engine_rule(const struct rules_engine *e, size_t i, struct rules_engine_rule *out);

/* `falco -L` / `-l NAME`: rules (and with names_only false, their
 * descriptions); text as `NAME  DESCRIPTION` lines or JSON. Returns 0, or
 * -ENOENT when `only` names no rule. */
int rules_engine_describe(const struct rules_engine *e, FILE *out, const char *only, bool json);

/* `falco -V`: every file's result, text or `{"falco_load_results":[...]}`. */
void rules_engine_print_results(const struct rules_engine *e, FILE *out, bool json);

#endif
