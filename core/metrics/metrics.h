/*
 * core/metrics: falco.yaml's `metrics:` section, as upstream Falco defines it.
 *
 * Every `metrics.interval` a ticker thread bumps a counter; each event
 * source's thread notices it on its next event (metrics_poll: one relaxed
 * load and a compare) and takes a snapshot of typed metrics there, where
 * its state may be read without locks:
 *   - wrapper fields (always): evt.time, evt.source, evt.hostname,
 *     falco.version, falco.start_ts, falco.duration_sec, falco.kernel_release,
 *     falco.host_boot_ts, falco.host_num_cpus, falco.outputs_queue_num_drops,
 *     falco.reload_ts, falco.host_netinfo.*, falco.sha256_rules_file.<file>,
 *     falco.sha256_config_file.<file>, scap.engine_name,
 *     falco.num_evts, falco.num_evts_prev, falco.evts_rate_sec;
 *   - rules_counters_enabled: falco.rules.matches_total, falco.rules.<rule>;
 *   - resource_utilization_enabled: the process (/proc/self) and the host
 *     (/proc/stat, /proc/meminfo, /proc/sys/fs/file-nr);
 *   - state_counters_enabled (syscall source): the thread table's counters;
 *   - kernel_event_counters[_per_cpu]_enabled (live syscall source): the
 *     driver's counters, scap.n_evts, scap.n_drops, ...;
 *   - libbpf_stats_enabled (live, while kernel.bpf_stats_enabled is 1):
 *     scap.<program>.run_cnt / run_time_ns / avg_time_ns;
 *   - plugins_metrics_enabled: each plugin's get_metrics() as
 *     plugins.<plugin>.<metric>, asked by the thread of the source that
 *     uses the plugin (see metrics_add_source).
 * The snapshot goes to `output_rule` (internal alert "Falco internal:
 * metrics snapshot", Informational) and/or `output_file` (one JSON line
 * `{"output_fields":{...},"sample":N}` appended per snapshot), and is kept
 * as the source's latest for metrics_prometheus_latest().
 *
 * Raw metric names, types and units are libs' metrics_v2 ones; the
 * renderers apply upstream's naming (prefixes falco./scap./plugins., memory
 * converted to MB, Prometheus's falcosecurity_<subsystem>_<name>_<unit>).
 *
 * Beyond upstream: metrics_stop() takes one last snapshot of every source
 * when the run ends (upstream emits none at exit, so a short replay would
 * report nothing).
 *
 * On demand (the web server's /metrics, as upstream computes the metrics
 * on each request): metrics_prometheus_now() asks every source's thread
 * for a fresh snapshot (kept as its latest; not emitted, rates untouched)
 * and waits for them, so state is still read only on the thread that owns
 * it. A source answers on its next event (metrics_poll) or, when idle, on
 * its next timeout (metrics_poll_idle).
 *
 * Threads: metrics_poll() and metrics_poll_idle() from the source's own
 * thread; metrics_new, metrics_add_source, metrics_stop and metrics_free
 * from the controlling thread; metrics_prometheus_latest and
 * metrics_prometheus_now from any thread.
 */
#ifndef FALCO_CORE_METRICS_H
#define FALCO_CORE_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct falco_config;
struct out_mgr;
struct rules_engine;
struct ph_plugin;
struct eng;
struct st_state;

/* ---- one metric (libs' metrics_v2 vocabulary) ---- */

#define METRICS_NAME_MAX 256

/* Value types: libs' metrics_v2_value_type numbering, which is also the
 * plugin API's ss_plugin_metric_value_type. */
enum metrics_type { METRICS_T_U32, METRICS_T_S32, METRICS_T_U64, METRICS_T_S64, METRICS_T_D, METRICS_T_F, METRICS_T_I };

/* Units: libs' metrics_v2_value_unit numbering. */
enum metrics_unit {
	METRICS_U_COUNT, METRICS_U_RATIO, METRICS_U_PERC, METRICS_U_BYTES, METRICS_U_KIB, METRICS_U_MB,
	METRICS_U_NS, METRICS_U_S, METRICS_U_NS_COUNT, METRICS_U_S_COUNT, METRICS_U_TS_NS,
};

/* Monotonic counter or current value (Prometheus counter / gauge). */
enum metrics_kind { METRICS_K_MONOTONIC, METRICS_K_GAUGE };

/* Categories: one enum cfg_metrics_flag bit (config/config.h) per metric. */

struct metrics_value {
	char name[METRICS_NAME_MAX];   /* raw: "n_evts", "memory_rss_kb", "probe.async_ok" */
	unsigned cat;                  /* a CFG_METRICS_* bit */
	enum metrics_kind kind;
	enum metrics_type type;
	enum metrics_unit unit;
	union {
		uint32_t u32;
		int32_t s32;
		uint64_t u64;
		int64_t s64;
		double d;
		float f;
		int i;
	} v;
};

/* A rule's match counter (rules_counters_enabled). Strings borrowed from
 * the rules engine. */
struct metrics_rule {
	const char *name, *source;
	int priority;                  /* upstream's numbering: 0 emergency .. 7 debug */
	char *const *tags;
	size_t ntags;
	uint64_t matches;
};

/* A string field of the wrapper (host_netinfo); both owned. */
struct metrics_info {
	char *key, *value;
};

/* A loaded rules or config file and its SHA-256. */
struct metrics_file {
	char *path;                    /* owned */
	char sha256[65];               /* lowercase hex */
	bool config;                   /* a config file (else a rules file) */
};

/* One source's snapshot. Everything owned unless stated. */
struct metrics_snapshot {
	const char *source;            /* evt.source (borrowed) */
	const char *engine_name;       /* scap.engine_name (static); NULL: none (replay) */
	uint64_t now_ns;               /* evt.time */
	const char *version;           /* falco.version (borrowed) */
	int64_t reload_ts;             /* ns */
	uint64_t start_ts;             /* ns since the epoch; 0: unknown */
	char kernel_release[65];
	char hostname[256];
	uint64_t boot_ts;              /* ns since the epoch; 0: unknown */
	uint32_t num_cpus;
	uint64_t outputs_queue_num_drops;
	uint64_t num_evts;             /* events the source's rules saw */
	bool rules_counters;           /* the rules fields below are meant */
	uint64_t rules_total;
	struct metrics_rule *rules;
	size_t nrules;
	struct metrics_info *info;
	size_t ninfo;
	const struct metrics_file *files; /* borrowed: rules files, then config files */
	size_t nfiles;
	struct metrics_value *vals;    /* in upstream's order: scap, resource, state, plugins */
	size_t nvals, cap;
};

/* Appends a value; returns it (zeroed apart from the given parts) or NULL
 * on ENOMEM. */
struct metrics_value *metrics_snap_add(struct metrics_snapshot *s, const char *name, unsigned cat,
                                       enum metrics_kind kind, enum metrics_type type, enum metrics_unit unit);
void metrics_snap_clear(struct metrics_snapshot *s); /* frees what it owns; zeroes it */

/* ---- providers (each appends to a snapshot; -errno on failure) ---- */

/* resource_utilization_enabled: cpu_usage_perc, memory_rss_kb,
 * memory_vsz_kb, memory_pss_kb, container_memory_used_bytes (from
 * $FALCO_CGROUP_MEM_PATH or cgroup v1's memory.usage_in_bytes),
 * host_cpu_usage_perc, host_memory_used_kb, host_procs_running,
 * host_open_fds. `proc` is the procfs root ("/proc"). */
int metrics_collect_resources(struct metrics_snapshot *s, const char *proc);

/* state_counters_enabled: n_threads, n_fds (summed per thread, as upstream
 * counts a shared table once per thread), n_failed_fd_lookups,
 * n_failed_thread_lookups, n_added_threads, n_removed_threads,
 * n_drops_full_threadtable. */
int metrics_collect_state(struct metrics_snapshot *s, struct st_state *st);

/* plugins_metrics_enabled: "<plugin>.<metric>", unit count. */
int metrics_collect_plugin(struct metrics_snapshot *s, struct ph_plugin *p);

/* The wrapper's machine and process facts (start_ts, kernel_release,
 * hostname when empty, boot_ts, num_cpus, netinfo). */
int metrics_collect_wrapper(struct metrics_snapshot *s, const char *proc);

/* SHA-256 as 64 lowercase hex digits (out has 65 bytes). The file form
 * returns 0 or -errno. */
void metrics_sha256_hex(const void *data, size_t len, char out[65]);
int metrics_sha256_file(const char *path, char out[65]);

/* ---- renderers ---- */

/* Carried from one snapshot of a source to the next, for rates. */
struct metrics_prev {
	uint64_t now_ns, num_evts, n_evts, n_drops;
};

struct metrics_render_opts {
	bool convert_memory_to_mb;
	bool include_empty_values;
};

/* A set of output fields (struct out_field of core/output): keys and
 * strings owned. */
struct metrics_fields {
	struct metrics_field *f;
	size_t n, cap;
	bool failed;                   /* ENOMEM on the way */
};
struct metrics_field {
	char *key;
	int type;                      /* enum out_vtype */
	union {
		char *s;
		int64_t i64;
		uint64_t u64;
		double d;
	} v;
};

/* The snapshot as upstream's output_fields (stats_writer), sorted by key,
 * one entry per key (the last set wins). Updates *prev. Returns 0 or
 * -ENOMEM. */
int metrics_output_fields(const struct metrics_snapshot *s, const struct metrics_render_opts *o,
                          struct metrics_prev *prev, struct metrics_fields *out);
void metrics_fields_free(struct metrics_fields *f);

/* One output_file line: {"output_fields":{...},"sample":N} and '\n'.
 * malloc'd (caller frees); NULL on ENOMEM. */
char *metrics_json_line(const struct metrics_fields *f, uint64_t sample);

/* Sanitizes a rule name as upstream does for falco.rules.<name>: every
 * character outside [a-zA-Z0-9_:] becomes '_', runs of '_' collapse, one
 * trailing '_' goes. Writes at most cap bytes (NUL included). */
void metrics_rule_name(const char *name, char *out, size_t cap);

/* Prometheus text exposition (format 0.0.4) of the snapshots, the syscall
 * source's first, as upstream's /metrics: falcosecurity_<subsystem>_<name>_
 * <unit> with # HELP and # TYPE lines, info gauges with labels (version,
 * kernel_release, hostname, engine_name), rule counters labelled rule_name,
 * priority, source and tag_<tag>, per-CPU counters labelled cpu. malloc'd;
 * NULL on ENOMEM. */
char *metrics_prometheus(const struct metrics_snapshot *const *snaps, size_t n);

/* One metric's Prometheus text (libs' converter) appended to *buf (malloc'd
 * or NULL, *len bytes): the name "<ns>_<subsystem>_<name>" stripped of unit
 * suffixes, the unit's Prometheus name appended, memory converted to bytes
 * and percentages to ratios; labels are "k1", "v1", ... (nlabels pairs, in
 * the order given; empty keys skipped). -ENOMEM (buffer freed) or 0. */
int metrics_prometheus_metric(char **buf, size_t *len, const struct metrics_value *v, const char *ns,
                              const char *subsystem, const char *const *labels, size_t nlabels,
                              const char *help_suffix);
/* An "<ns>_<subsystem>_<name>_info" gauge of value 1 with labels. */
int metrics_prometheus_info(char **buf, size_t *len, const char *name, const char *ns, const char *subsystem,
                            const char *const *labels, size_t nlabels);

/* ---- the collector ---- */

#define METRICS_MIN_INTERVAL_MS 100

struct metrics_opts {
	size_t sz;                         /* sizeof(struct metrics_opts) */
	const struct falco_config *cfg;    /* metrics.*; borrowed for the collector's life */
	struct out_mgr *mgr;               /* output_rule, queue drops, hostname; may be NULL */
	const struct rules_engine *re;     /* rule counters; may be NULL */
	const char *version;               /* falco.version */
	FILE *log;                         /* where the "Setting metrics interval" line goes; NULL: none */
	bool dry_run;                      /* check and log only: *out stays NULL */
};

struct metrics;      /* opaque */
struct metrics_src;  /* one registered source; owned by its metrics */

/* Checks the section as upstream does (interval of at least 100 ms with a
 * unit, an output configured), opens output_file for appending and starts
 * the ticker. *out is NULL (and 0 returned) when metrics are disabled.
 * Returns -EINVAL with upstream's message, or -errno, in err. */
int metrics_new(const struct metrics_opts *o, struct metrics **out, char *err, size_t errlen);

/* Registers an event source: its name, engine, state (NULL for plugin
 * sources), sourcing plugin (NULL for syscall) and the plugins its thread
 * calls (plugins[0 .. nplugins-1]). A plugin is reported by the source it
 * sources, else by the first registered source listing it. All borrowed
 * until metrics_stop. Returns NULL when m is NULL or on ENOMEM. */
struct metrics_src *metrics_add_source(struct metrics *m, const char *name, struct eng *eng,
                                       struct st_state *st, struct ph_plugin *plugin,
                                       struct ph_plugin *const *plugins, size_t nplugins);

/* What metrics_poll() reads; the head of every struct metrics_src. */
struct metrics_src_head {
	const _Atomic uint32_t *tick;  /* bumped by the ticker and by on-demand requests */
	uint32_t seen;
	const char *event_source;      /* see metrics_set_event_source; NULL: the source's name */
};

/* From the source's own thread when the counter moved: a periodic
 * snapshot (emitted) when the ticker moved, else an on-demand one. */
void metrics_src_snapshot(struct metrics_src *s);

/* Per event, from the source's thread: a snapshot when the ticker moved. */
static inline void metrics_poll(struct metrics_src *s)
{
	struct metrics_src_head *h = (struct metrics_src_head *)s;
	if (h && atomic_load_explicit(h->tick, memory_order_relaxed) != h->seen)
		metrics_src_snapshot(s);
}

/* Replays, where one thread reads every source of a capture (upstream's
 * capture mode: one inspector, one collector): names the source of the
 * event about to be processed (NULL or "syscall": the syscall source).
 * The next snapshot of `s` is that source's, as upstream tags each capture
 * snapshot with the current event's source: evt.source is it, and the
 * syscall state counters are left out when it is a plugin source (the
 * plugins' metrics and falco.num_evts, every event of the capture so far,
 * stay). `source` borrowed for the life of `s`. Source's thread only; NULL s
 * is a no-op. */
static inline void metrics_set_event_source(struct metrics_src *s, const char *source)
{
	if (s)
		((struct metrics_src_head *)s)->event_source = source;
}

/* From the source's own thread when it had no event for a while (an
 * engine timeout): answers a pending on-demand request; periodic snapshots
 * wait for an event, as upstream's. NULL is a no-op. */
void metrics_poll_idle(struct metrics_src *s);

/* After the engines stopped: stops the ticker, takes each source's last
 * snapshot, and forgets the sources' borrowed pointers. NULL is a no-op. */
void metrics_stop(struct metrics *m);

/* The latest snapshots as Prometheus text (for the web server). NULL on
 * ENOMEM or when m is NULL. */
char *metrics_prometheus_latest(struct metrics *m);

/* Fresh snapshots of every source as Prometheus text: each source's thread
 * takes its own (see above); this waits up to timeout_ms for them, then
 * renders the latest of each (a source that missed the deadline shows its
 * previous one and is not waited for again until it answers; after
 * metrics_stop, the final ones). NULL on ENOMEM or when m is NULL. */
char *metrics_prometheus_now(struct metrics *m, unsigned timeout_ms);

/* Snapshots emitted so far. */
uint64_t metrics_samples(const struct metrics *m);

void metrics_free(struct metrics *m);

#endif
