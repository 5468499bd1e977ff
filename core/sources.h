/*
 * falco's event sources beside the syscall one: each sourcing plugin's
 * capture runs as its own engine (core/engine), in its own thread, with
 * its own extraction context; the rules of its source run there, and
 * parsing plugins see its events first. Also the async plumbing: a
 * plugin's async events are admitted to a running source and queued to
 * that source's thread (eng_push_async).
 *
 * Ownership: everything passed in is borrowed and must outlive the
 * objects made here; a srcs_pipe owns its engine.
 */
#ifndef FALCO_CORE_SOURCES_H
#define FALCO_CORE_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "engine/engine.h"
#include "metrics/metrics.h"
#include "fields/fields.h"
#include "plugin/plugin.h"
#include "rules/engine.h"

/* One plugin source's pipeline: engine + extraction context + parsers. */
struct srcs_pipe;

struct srcs_pipe_opts {
	struct rules_engine *re;          /* the compiled rules (all sources) */
	struct ph_plugin *source;         /* the sourcing plugin (this source's instance) */
	const char *open_params;          /* NULL: "" */
	struct ph_plugin *const *plugins; /* the instances serving this source, called
	                                   * from its thread only: parsers among them */
	size_t nplugins;
	const char *hostname;             /* evt.hostname; may be NULL */
	struct metrics *metrics;          /* metrics.enabled: the source registers there; may be NULL */
};

/* Opens the plugin's capture and builds its engine. NULL with a message
 * in err (ENG_ERR_LEN bytes) on failure. */
struct srcs_pipe *srcs_pipe_new(const struct srcs_pipe_opts *o, char *err);
struct eng *srcs_pipe_eng(struct srcs_pipe *sp);
void srcs_pipe_free(struct srcs_pipe *sp);

/* Calls parse_event() of every parsing plugin that asks for this event
 * (used by the syscall pipeline too). Errors are printed with the plugin's
 * name and do not stop the loop, as upstream logs them. */
void srcs_parse(struct ph_plugin *const *plugins, size_t n, const struct eng_event *ev, const char *source);

/* A running source, for routing async events. */
struct srcs_running {
	const char *name;   /* event source name */
	uint32_t plugin_id; /* 0: syscall */
	struct eng *eng;
	size_t index;       /* the caller's index of the source */
};

/* The plugin instances serving one running source (borrowed). */
struct srcs_async_set {
	struct ph_plugin *const *plugins;
	size_t n;
	const struct srcs_running *run;
};

/* Sets the async handler of every async plugin of each set (before
 * capture_open) so that its events reach the set's source, as upstream
 * routes an instance's events to its own inspector; then calls
 * capture_open() of the capture-listening plugins. Returns 0 or -1 after
 * logging why. `sets` must stay valid until srcs_async_stop(). */
int srcs_async_start(const struct srcs_async_set *sets, size_t nsets);

/* capture_close() and async handlers reset, in that order. */
void srcs_async_stop(const struct srcs_async_set *sets, size_t nsets);

#endif
