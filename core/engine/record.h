/*
 * core/engine/record: writes what a live run sees to a `.scap` file.
 *
 * A recording starts with a snapshot of the state at that moment (machine
 * info, network interfaces, users and groups, every thread of core/state
 * with its process fields, one fd list per process), then takes the events
 * the engine numbers, in order, as they arrive. Replaying the file
 * (`falco -e`) therefore starts from the same process/fd state as the live
 * run had when the recording began. Plugins' dump_state events are written
 * by the caller through rec_event right after rec_open.
 *
 * Two users: `falco --record FILE` (everything, from start to exit) and
 * falco.yaml's `capture` keys (a file per triggering alert, for a duration;
 * see rec_trigger_*).
 *
 * Errors: 0 or a negative errno; messages name the file.
 */
#ifndef FALCO_CORE_ENGINE_RECORD_H
#define FALCO_CORE_ENGINE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

struct st_state;
struct rec; /* opaque */

#define REC_ERR_LEN 512u

/* Creates `path` and writes the state snapshot of `st` (borrowed for the
 * call). max_bytes: the file stops taking events past this size (0 = no
 * limit). Returns NULL with a message in err (REC_ERR_LEN bytes). The
 * caller owns the result: rec_close. */
struct rec *rec_open(const char *path, struct st_state *st, uint64_t max_bytes, char *err);

/* One event (hdr->len bytes). flags: ENG_RF_STATE_ONLY is kept as the
 * capture's state-only flag. Returns 0, 1 when the size limit has been
 * reached (the event is not written; the caller should close), or a
 * negative errno (the message in rec_error). */
int rec_event(struct rec *r, const struct ev_hdr *hdr, uint16_t cpu, uint32_t flags);

uint64_t rec_events(const struct rec *r);   /* events written */
const char *rec_path(const struct rec *r);  /* owned by r */
const char *rec_error(const struct rec *r);

/* Flushes and closes; 0 or the first error (message in err, may be NULL).
 * Frees r (NULL is fine). */
int rec_close(struct rec *r, char *err);

/* ---- falco.yaml `capture`: files triggered by alerts ------------------ */

struct rec_trigger_opts {
	size_t sz;                    /* sizeof(struct rec_trigger_opts) */
	const char *path_prefix;      /* borrowed for the trigger's life */
	uint64_t default_duration_ms; /* when the rule gives no capture_duration */
	uint64_t max_file_size_mb;    /* 0 = no limit */
	/* Optional: called with each new file after its state snapshot and
	 * before the triggering event, where upstream's dumper writes the
	 * plugins' dump_state events (so that a replay parses them first). */
	void (*on_open)(void *ud, struct rec *r);
	void *on_open_ud;
};

struct rec_trigger; /* opaque */

/* NULL on ENOMEM. opts is copied (path_prefix borrowed). */
struct rec_trigger *rec_trigger_new(const struct rec_trigger_opts *opts);

/* An alert asks for a capture at event `hdr` for duration_ms (0: the
 * default). When no capture is running, opens PREFIX_<ts>.scap (ts: the
 * event's timestamp in ns) with the snapshot of st, calls opts.on_open,
 * then writes the event; while one is running, extends nothing (as
 * upstream, a running capture is not restarted). Returns 0 or a negative
 * errno after printing the reason on stderr. *opened is set when a new
 * file began. */
int rec_trigger_fire(struct rec_trigger *t, struct st_state *st, const struct ev_hdr *hdr, uint16_t cpu,
                     uint64_t duration_ms, bool *opened);

/* Every numbered event: written while a capture runs; the capture ends at
 * the first event past its end time or its size limit. Cheap when idle. */
void rec_trigger_event(struct rec_trigger *t, const struct ev_hdr *hdr, uint16_t cpu, uint32_t flags);

/* The running capture (NULL when idle); owned by t. */
struct rec *rec_trigger_current(struct rec_trigger *t);

/* Closes a running capture and frees t (NULL is fine). */
void rec_trigger_free(struct rec_trigger *t);

#endif
