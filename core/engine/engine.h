/*
 * core/engine: event sources and the event loop.
 *
 * A source yields raw events (a capture replay now; the live driver and
 * plugin sources later, through the same `struct eng_source`). The loop
 * brings each one to the current schema (core/event's converter, for
 * sources that need it), numbers it as upstream does (evt.num), hands it to
 * the state engine, then to the consumer (the rules, or a printer).
 *
 * What upstream numbers and what it shows to rules (libsinsp 0.20+, as the
 * oracle confirms):
 *   - events the converter drops (stored enter events, unused codes) are
 *     not numbered;
 *   - every other event gets the next evt.num (1-based) and updates state;
 *   - it is hidden from rules when it is an initial-state event at the start
 *     of a capture (container, user/group added/deleted, async: consumed by
 *     the inspector before the loop), an enter event still produced for
 *     TOCTOU or execve fallbacks (open, openat, openat2, creat, connect,
 *     execve, execveat), or marked state-only in the capture.
 *
 * Errors: functions return 0 or a negative errno; eng_error() names the
 * source, the position (capture byte offset) and the cause.
 */
#ifndef FALCO_CORE_ENGINE_H
#define FALCO_CORE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

struct cap_meta;

#define ENG_ERR_LEN 512u
#define ENG_EOF 1
#define ENG_TIMEOUT 2 /* a live source had nothing for a while; the loop checks eng_stop */

/* A raw event as a source yields it. */
struct eng_raw {
	const struct ev_hdr *hdr; /* borrowed from the source; valid until its next call */
	uint16_t cpu;
	uint32_t flags;           /* ENG_RF_* */
	uint64_t offset;          /* position in the source (capture: block offset) */
};

#define ENG_RF_STATE_ONLY 1u /* update state, never show (capture flag) */

/* What a source counts on its side (live: the driver's counters). */
struct eng_src_stats {
	uint64_t events;       /* produced by the source */
	uint64_t drops;        /* lost before reaching us (all causes) */
	uint64_t drops_buffer; /* lost: buffer full */
	uint64_t drops_size;   /* lost: event too large */
};

/* A source of events. The engine owns `impl` once eng_new succeeds and calls
 * close(impl) in eng_free. */
struct eng_source {
	const char *kind;       /* "replay", "live", "plugin" (static string) */
	const char *name;       /* what error messages name, e.g. the file path; borrowed from impl */
	bool convert;           /* pass events through the old-capture converter */
	bool is_capture;        /* a capture: its leading initial-state events are hidden */
	void *impl;
	/* 0 and *out filled, ENG_EOF at the end, ENG_TIMEOUT when nothing came
	 * for a while (live sources: at most ~100 ms), or a negative errno. */
	int (*next)(void *impl, struct eng_raw *out);
	const char *(*error)(const void *impl);
	void (*close)(void *impl);
	/* Optional: the source's own counters. */
	void (*stats)(const void *impl, struct eng_src_stats *out);
};

/* Opens a capture file (gzip or plain) as a replay source. On failure
 * returns a negative errno with a message in err (ENG_ERR_LEN bytes). */
int eng_replay_open(const char *path, struct eng_source *out, char *err);

/* Live capture with the modern eBPF driver (drivers/modern_bpf). Zero
 * fields take the driver's defaults (falco.yaml engine.modern_ebpf.*). */
struct eng_live_opts {
	size_t sz;                      /* sizeof(struct eng_live_opts) */
	uint32_t cpus_for_each_buffer;
	bool cpus_for_each_buffer_set;  /* 0 above means "one buffer for all CPUs" */
	uint32_t buf_size_preset;
	bool drop_failed_exit;
	const bool *syscalls;           /* by x86_64 number, 512 entries; NULL: the driver's default set */
};

/* True when this build has the live driver. */
bool eng_live_available(void);

/* Opens and starts the driver as a source. On failure returns a negative
 * errno with the driver's one-line reason (root, BTF, BPF) in err. */
int eng_live_open(const struct eng_live_opts *opts, struct eng_source *out, char *err);

/* Live sources only, for core/metrics: the driver's counters per possible
 * CPU (per_cpu[0 .. max-1]) and its attached BPF programs' run-time stats
 * (names as upstream's driver names its programs). Return how many were
 * filled, or a negative errno (-ENOTSUP for other sources). */
struct eng_prog_stats {
	const char *name;     /* static */
	uint64_t run_cnt;
	uint64_t run_time_ns;
};
int eng_live_cpu_stats(const struct eng_source *src, struct eng_src_stats *per_cpu, unsigned max);
int eng_live_prog_stats(const struct eng_source *src, struct eng_prog_stats *out, unsigned max);

/* The capture's metadata (process, fd, user lists), for loading state.
 * Owned by the source; NULL when `src` is not a replay source. */
const struct cap_meta *eng_replay_meta(const struct eng_source *src);

/* An event as the consumer sees it. Valid during the callback only. */
struct eng_event {
	struct ev_view ev;       /* current schema; ev.hdr points to the header */
	uint64_t num;            /* evt.num */
	uint16_t cpu;
	uint32_t flags;          /* ENG_RF_* */
	uint64_t offset;
	bool hidden;             /* upstream does not show it to rules */
};

struct eng_hooks {
	void *ctx;
	/* The state update: every numbered event, in order, before consume.
	 * Optional. A negative return stops the loop with that error. */
	int (*parse)(void *ctx, const struct eng_event *ev);
	/* The consumer: events not hidden (and hidden ones too when
	 * want_hidden). Returns 0 to go on, > 0 to stop, < 0 on error. */
	int (*consume)(void *ctx, const struct eng_event *ev);
	bool want_hidden;
	/* Optional: the source had nothing for a while (ENG_TIMEOUT), called
	 * on the loop's thread (e.g. to answer an on-demand metrics request). */
	void (*idle)(void *ctx);
};

struct eng_stats {
	struct eng_src_stats src; /* zero when the source has no counters */
	uint64_t read;      /* raw events from the source */
	uint64_t numbered;  /* events given an evt.num */
	uint64_t delivered; /* events shown to the consumer as not hidden */
	uint64_t hidden;    /* numbered but hidden */
	struct ev_conv_stats conv;
	uint64_t async_in;      /* events taken from the async queue */
	uint64_t async_dropped; /* refused: the async queue was full */
};

struct eng; /* opaque */

/* Takes ownership of `src` (also on failure: it is closed). `hooks` is
 * copied. Returns NULL with a message in err on failure. */
struct eng *eng_new(struct eng_source *src, const struct eng_hooks *hooks, char *err);

/* Runs the loop until the source ends (0), eng_stop (0), the consumer stops
 * it (its positive value) or an error (negative errno; see eng_error). */
int eng_run(struct eng *e);

/* Asks eng_run to return soon. Async-signal-safe (a flag the loop checks
 * between events and on every ENG_TIMEOUT). */
void eng_stop(struct eng *e);

const char *eng_error(const struct eng *e);
void eng_get_stats(const struct eng *e, struct eng_stats *out);
const struct eng_source *eng_source(const struct eng *e);
void eng_free(struct eng *e);

/* ---- asynchronous events ---- */

/* Capacity of each engine's async queue (events waiting for the loop). */
#define ENG_ASYNC_QUEUE_CAP 1024u

/* Queues a copy of `evt` (a complete event, e.g. an async event 402 already
 * admitted by the plugin host) for delivery by the loop before its next
 * source event: numbered, parsed and shown to the consumer like the
 * source's own events. Thread-safe and lock-free (any number of producer
 * threads, the loop's thread consumes). Returns 0, -EAGAIN when the queue
 * is full (counted in eng_stats.async_dropped), -ENOMEM or -EINVAL. */
int eng_push_async(struct eng *e, const struct ev_hdr *evt);

/* ---- plugin sources ---- */

struct ph_plugin;

/* Opens the capture of a sourcing plugin (core/plugin) with `params` as an
 * engine source: kind "plugin", named by the plugin's event source, events
 * already validated and stamped by the host (plugin id, tid -1, ts).
 * `p` is borrowed and must outlive the source. */
int eng_plugin_open(struct ph_plugin *p, const char *params, struct eng_source *out, char *err);

/* The plugin behind a source opened by eng_plugin_open (NULL otherwise). */
struct ph_plugin *eng_plugin_of(const struct eng_source *src);

/* ---- several sources, one thread each ---- */

/* Runs eng_run() of each engine in its own thread and waits for all of
 * them: a source that ends (EOF) ends its thread only; the others go on.
 * rcs[i] receives engine i's eng_run() result. Returns 0, or a negative
 * errno when a thread cannot be started (the started ones are stopped and
 * joined). Stop them with eng_stop() on each (async-signal-safe). When
 * one engine fails (negative result), the others are stopped too, as
 * upstream stops every source when one fails. */
int eng_run_all(struct eng *const *engines, size_t n, int *rcs);

#endif
