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

/* ---- events of several sources read from one capture ----
 *
 * A replay runs every source on the replay's thread, as upstream's capture
 * mode does with its one inspector: a plugin event (322), or an async
 * event (402) with a non-zero plugin id, belongs to the loaded sourcing
 * plugin with that id (its parsers, extractors and rules); every other
 * event belongs to the syscall source. The plugins' own captures are not
 * opened. Upstream stops with "Unknown event source" on a shown event
 * whose id no loaded plugin has; leading (hidden) ones are skipped. */

#define SRCS_REPLAY_MAX 64

/* A pipe without an engine: it evaluates the events of its source that
 * another loop reads. NULL with a message in err (ENG_ERR_LEN bytes). */
struct srcs_pipe *srcs_pipe_new_replay(const struct srcs_pipe_opts *o, char *err);

/* The plugin id a 322/402 event carries (0 for other events: syscall).
 * -EINVAL with the reason in err when its parameters are not those of
 * its code (322: 2, 402: 3; the id 4 bytes). */
int srcs_event_plugin_id(const struct ev_view *v, uint32_t *id, char *err, size_t errlen);

struct srcs_replay; /* the plugin sources of a replay, by plugin id */

/* One replay pipe per element of per_source (at most SRCS_REPLAY_MAX;
 * each names its sourcing plugin). NULL with a message in err. */
struct srcs_replay *srcs_replay_new(const struct srcs_pipe_opts *per_source, size_t n, char *err);
void srcs_replay_free(struct srcs_replay *r);

enum srcs_route {
	SRCS_ROUTE_SYSCALL = 0, /* the caller runs the syscall source's parsers and rules */
	SRCS_ROUTE_PLUGIN = 1,  /* a loaded plugin source's: its parsers ran */
	SRCS_ROUTE_UNKNOWN = 2, /* plugin id *id: no loaded plugin source has it */
};

/* The state step of a numbered event: decides its source and, for a
 * plugin source, runs the parsers of that source. Returns an enum
 * srcs_route, or -EINVAL (malformed 322/402, reason in err). */
int srcs_replay_parse(struct srcs_replay *r, const struct eng_event *ev, uint32_t *id, char *err, size_t errlen);

/* The rules step, after srcs_replay_parse() of the same event: true when
 * the event belonged to a plugin source (whose rules ran), false when the
 * caller's syscall rules should run. */
bool srcs_replay_eval(struct srcs_replay *r, const struct eng_event *ev);

/* After srcs_replay_parse(): the name of the plugin source the event went
 * to (the plugin's string), or NULL when it is the syscall source's or
 * was skipped. */
const char *srcs_replay_source(const struct srcs_replay *r);

/* "Plugin source events: NAME=N ..." and the skipped count, when any. */
void srcs_replay_print_stats(const struct srcs_replay *r, FILE *out);

/* srcs_async_start() / srcs_async_stop() for a replay, as upstream's
 * capture mode: capture_open() / capture_close() of the capture-listening
 * plugins, and no async handlers (a capture holds the async events that
 * were recorded; plugins produce none). Start returns 0 or -1 after
 * printing why. */
int srcs_replay_start(struct ph_plugin *const *plugins, size_t n);
void srcs_replay_stop(struct ph_plugin *const *plugins, size_t n);

#endif
