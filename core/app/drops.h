/*
 * core/app/drops: syscall_event_drops, as upstream Falco handles it.
 *
 * Once per second of event time (the first check one second after the first
 * event), the driver's counters are read and compared with the previous
 * reading. When the interval lost events and drops/events exceeds the
 * threshold (always, with simulate_drops, which also adds one drop), a token
 * bucket (rate tokens/s, at most max_burst, starting full) decides whether
 * the configured actions run: log (a debug log line), alert (the internal
 * alert "Falco internal: syscall event drop", priority Debug, with the
 * interval's counters as output fields), exit (stop with an error), ignore.
 *
 * Threads: one drops object per syscall event thread; not shared.
 */
#ifndef FALCO_CORE_APP_DROPS_H
#define FALCO_CORE_APP_DROPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct out_mgr;

/* The counters upstream reports (scap_stats names). Counters the driver does
 * not keep stay 0. */
struct drops_counters {
	uint64_t n_evts, n_drops, n_drops_buffer;
	uint64_t n_drops_buffer_clone_fork_exit, n_drops_buffer_execve_exit, n_drops_buffer_connect_exit,
	        n_drops_buffer_open_exit, n_drops_buffer_dir_file_exit, n_drops_buffer_other_interest_exit,
	        n_drops_buffer_close_exit, n_drops_buffer_proc_exit;
	uint64_t n_drops_scratch_map, n_drops_pf, n_drops_bug;
};

/* Reads the source's cumulative counters into *out. */
typedef void (*drops_read_fn)(void *ctx, struct drops_counters *out);

struct drops_opts {
	unsigned actions;        /* enum cfg_drop_action bits (config/config.h) */
	double threshold;        /* 0..1 */
	double rate;             /* tokens per second */
	double max_burst;        /* bucket size */
	bool simulate;           /* simulate_drops */
	bool modern_bpf;         /* the ebpf_enabled output field */
	int log_level;           /* syslog level at or below which logs print (LOG_INFO default) */
	bool log_stderr;         /* logs go to stderr (else nowhere) */
	bool iso8601;            /* time_format_iso_8601 for log lines */
	drops_read_fn read;      /* NULL: all counters read as 0 (replay) */
	void *read_ctx;          /* borrowed */
	struct out_mgr *mgr;     /* borrowed; NULL: alert actions are skipped */
};

struct drops_stats {
	uint64_t detected;       /* intervals over the threshold */
	uint64_t actions;        /* of which the bucket allowed the actions */
	uint64_t alerts;         /* internal alerts queued */
};

struct drops; /* opaque */

/* Returns NULL on ENOMEM. `o` is copied. */
struct drops *drops_new(const struct drops_opts *o);

/* Call for every event with its timestamp (ns). Returns 0 to go on, -1
 * when the exit action fired (the caller stops with an error). */
int drops_event(struct drops *d, uint64_t ts);

void drops_get_stats(const struct drops *d, struct drops_stats *out);

/* Upstream's lines at exit ("Syscall event drop monitoring: ..."). */
void drops_print_stats(const struct drops *d, FILE *f);

/* Parses a falco.yaml log_level name to a syslog level; -1 when unknown. */
int drops_log_level(const char *name);

/* NULL is a no-op. */
void drops_free(struct drops *d);

#endif
