/* The collector: the ticker thread, per-source snapshots, their outputs. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "metrics/metrics.h"
#include "metrics/metrics_int.h"
#include "output/output.h"
#include "rules/engine.h"
#include "rules/rules.h"
#include "state/state.h"

#define MAX_SOURCES 64
#define MAX_CPUS 1024
#define MAX_PROGS 16

struct metrics_src {
	struct metrics_src_head h;        /* first: metrics_poll reads it */
	struct metrics *m;
	char *name;                       /* owned */
	struct eng *eng;                  /* borrowed until metrics_stop */
	struct st_state *st;              /* borrowed; NULL for plugin sources */
	struct ph_plugin *plugin;         /* borrowed; the sourcing plugin, NULL for syscall */
	struct ph_plugin *const *plugins; /* borrowed: the plugins this source's thread calls */
	size_t nplugins;
	struct metrics_prev prev;         /* for rates */
	struct metrics_snapshot latest;   /* under m->lock */
	bool have_latest;
	uint32_t tick_seen;               /* the source's thread only: last periodic tick taken */
	uint32_t req_seen;                /* the source's thread only: last request answered */
	uint32_t answered;                /* under m->lock: the request its latest answers */
	bool slow;                        /* under m->lock: missed a request's deadline */
};

struct metrics {
	struct metrics_opts o;            /* copied; pointers borrowed */
	unsigned flags;                   /* CFG_METRICS_* */
	struct metrics_render_opts ro;
	int64_t reload_ts;
	FILE *file;                       /* owned: output_file, or NULL */
	_Atomic uint32_t tick;            /* periodic snapshots wanted */
	_Atomic uint32_t req;             /* on-demand snapshots wanted (metrics_prometheus_now) */
	_Atomic uint32_t gen;             /* bumped with either: what metrics_poll watches */
	pthread_cond_t answered;          /* a source answered a request (under lock) */
	bool answered_init;
	pthread_t ticker;
	bool ticking;
	pthread_mutex_t lock;             /* file, samples, latest snapshots, stop flag */
	pthread_cond_t wake;
	bool stop;
	uint64_t samples;
	uint32_t sample_tick;
	struct metrics_file *files;       /* owned: rules files, then config files */
	size_t nfiles;
	struct metrics_src *src[MAX_SOURCES];
	size_t nsrc;
	bool stopped;
	bool stopping;                    /* under lock: the sources' threads are gone */
};

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- validation (upstream's init_stats_writer) ---- */

static int check(const struct falco_config *c, char *err, size_t errlen)
{
	if (c->metrics.interval_ms < METRICS_MIN_INTERVAL_MS) {
		snprintf(err, errlen, "Metrics interval must have a minimum value of 100ms and reflect a Prometheus "
		                      "compliant time duration format: "
		                      "https://prometheus.io/docs/prometheus/latest/querying/basics/#time-durations. ");
		return -EINVAL;
	}
	const char *s = c->metrics.interval ? c->metrics.interval : "";
	if (strspn(s, "0123456789") == strlen(s)) {
		snprintf(err, errlen, "Metrics interval was passed as numeric value without Prometheus time unit. "
		                      "Please specify a time unit");
		return -EINVAL;
	}
	bool file = c->metrics.output_file && c->metrics.output_file[0];
	if (!c->metrics.output_rule && !file && !c->webserver.prometheus_metrics_enabled) {
		snprintf(err, errlen, "Metrics are enabled with no output configured. Please enable at least one "
		                      "output channel ('metrics.output_rule', 'metrics.output_file' or "
		                      "'webserver.prometheus_metrics_enabled')");
		return -EINVAL;
	}
	return 0;
}

/* ---- the ticker ---- */

static void *ticker_main(void *arg)
{
	struct metrics *m = arg;
	uint64_t ms = m->o.cfg->metrics.interval_ms;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&m->lock);
	while (!m->stop) {
		next.tv_sec += (time_t)(ms / 1000);
		next.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		while (!m->stop && pthread_cond_timedwait(&m->wake, &m->lock, &next) != ETIMEDOUT)
			;
		if (!m->stop) {
			atomic_fetch_add_explicit(&m->tick, 1, memory_order_relaxed);
			atomic_fetch_add_explicit(&m->gen, 1, memory_order_release);
		}
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

static int start_ticker(struct metrics *m)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int rc = pthread_cond_init(&m->wake, &ca);
	if (!rc && (rc = pthread_cond_init(&m->answered, &ca)) != 0)
		pthread_cond_destroy(&m->wake);
	pthread_condattr_destroy(&ca);
	if (rc)
		return -rc;
	m->answered_init = true;
	rc = pthread_create(&m->ticker, NULL, ticker_main, m);
	if (rc) {
		pthread_cond_destroy(&m->wake);
		pthread_cond_destroy(&m->answered);
		m->answered_init = false;
		return -rc;
	}
	m->ticking = true;
	return 0;
}

/* ---- construction ---- */

static void add_file(struct metrics *m, const char *path, bool config)
{
	char hex[65];
	if (metrics_sha256_file(path, hex) < 0)
		return; /* not a file (rules given as text): nothing to report */
	struct metrics_file *f = realloc(m->files, (m->nfiles + 1) * sizeof(*f));
	if (!f)
		return;
	m->files = f;
	f = &m->files[m->nfiles];
	if (!(f->path = strdup(path)))
		return;
	memcpy(f->sha256, hex, sizeof(hex));
	f->config = config;
	m->nfiles++;
}

/* The files' digests, once, as upstream takes them when it loads them. */
static void hash_files(struct metrics *m)
{
	const struct rules_set *rs = m->o.re ? rules_engine_results(m->o.re) : NULL;
	for (size_t i = 0; rs && i < rs->nresults; i++)
		add_file(m, rs->results[i].name, false);
	for (size_t i = 0; i < m->o.cfg->loaded_files.n; i++)
		add_file(m, m->o.cfg->loaded_files.v[i], true);
}

int metrics_new(const struct metrics_opts *o, struct metrics **out, char *err, size_t errlen)
{
	*out = NULL;
	const struct falco_config *c = o->cfg;
	if (!c->metrics.enabled)
		return 0;
	int rc = check(c, err, errlen);
	if (rc < 0)
		return rc;
	if (o->log)
		fprintf(o->log, "Setting metrics interval to %s, equivalent to %" PRIu64 " (ms)\n", c->metrics.interval,
		        c->metrics.interval_ms);
	if (o->dry_run)
		return 0;
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(&m->o, o, o->sz < sizeof(m->o) ? o->sz : sizeof(m->o));
	m->flags = c->metrics.flags;
	if (m->flags & CFG_METRICS_KERNEL_COUNTERS_PER_CPU) /* documented: implies the totals */
		m->flags |= CFG_METRICS_KERNEL_COUNTERS;
	m->ro = (struct metrics_render_opts){c->metrics.convert_memory_to_mb, c->metrics.include_empty_values};
	m->reload_ts = (int64_t)now_ns(CLOCK_REALTIME);
	hash_files(m);
	pthread_mutex_init(&m->lock, NULL);
	if (c->metrics.output_file && c->metrics.output_file[0] && !(m->file = fopen(c->metrics.output_file, "a"))) {
		rc = -errno;
		snprintf(err, errlen, "metrics.output_file: cannot open %s: %s", c->metrics.output_file, strerror(errno));
		metrics_free(m);
		return rc;
	}
	if ((rc = start_ticker(m)) < 0) {
		snprintf(err, errlen, "metrics: cannot start the ticker thread: %s", strerror(-rc));
		metrics_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

struct metrics_src *metrics_add_source(struct metrics *m, const char *name, struct eng *eng, struct st_state *st,
                                       struct ph_plugin *plugin, struct ph_plugin *const *plugins, size_t nplugins)
{
	if (!m || m->nsrc == MAX_SOURCES || m->stopped)
		return NULL;
	struct metrics_src *s = calloc(1, sizeof(*s));
	if (!s || !(s->name = strdup(name))) {
		free(s);
		return NULL;
	}
	s->m = m;
	s->eng = eng;
	s->st = st;
	s->plugin = plugin;
	s->plugins = plugins;
	s->nplugins = nplugins;
	s->h.tick = &m->gen;
	s->h.seen = atomic_load(&m->gen);
	s->tick_seen = atomic_load(&m->tick);
	s->req_seen = atomic_load(&m->req);
	s->answered = s->req_seen;
	pthread_mutex_lock(&m->lock);
	m->src[m->nsrc++] = s;
	pthread_mutex_unlock(&m->lock);
	return s;
}

/* ---- snapshots ---- */

static const char *engine_name(const struct eng *e)
{
	const char *kind = eng_source(e)->kind;
	return strcmp(kind, "live") == 0 ? "modern_ebpf" : strcmp(kind, "plugin") == 0 ? "source_plugin" : NULL;
}

static int add_counter(struct metrics_snapshot *s, const char *name, unsigned cat, uint64_t v)
{
	struct metrics_value *x = metrics_snap_add(s, name, cat, METRICS_K_MONOTONIC, METRICS_T_U64, METRICS_U_COUNT);
	if (!x)
		return -ENOMEM;
	x->v.u64 = v;
	return 0;
}

static bool kernel_bpf_stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	unsigned v = 0;
	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v != 0;
}

/* kernel_event_counters[_per_cpu]_enabled and libbpf_stats_enabled: a live
 * syscall source's driver, in libpman's names and order. */
static int kernel_values(struct metrics_src *src, struct metrics_snapshot *s)
{
	unsigned f = src->m->flags;
	const struct eng_source *es = eng_source(src->eng);
	int rc = 0;
	if (f & CFG_METRICS_KERNEL_COUNTERS) {
		struct eng_stats st;
		eng_get_stats(src->eng, &st);
		rc |= add_counter(s, "n_evts", CFG_METRICS_KERNEL_COUNTERS, st.src.events);
		rc |= add_counter(s, "n_drops_buffer_total", CFG_METRICS_KERNEL_COUNTERS, st.src.drops_buffer);
		rc |= add_counter(s, "n_drops_scratch_map", CFG_METRICS_KERNEL_COUNTERS, st.src.drops_size);
		rc |= add_counter(s, "n_drops", CFG_METRICS_KERNEL_COUNTERS, st.src.drops);
	}
	if (f & CFG_METRICS_KERNEL_COUNTERS_PER_CPU) {
		struct eng_src_stats *cpu = calloc(MAX_CPUS, sizeof(*cpu));
		int n = cpu ? eng_live_cpu_stats(es, cpu, MAX_CPUS) : -ENOMEM;
		rc |= n == -ENOMEM;
		for (int i = 0; i < n; i++) {
			char name[64];
			snprintf(name, sizeof(name), "n_evts_cpu_%d", i);
			rc |= add_counter(s, name, CFG_METRICS_KERNEL_COUNTERS_PER_CPU, cpu[i].events);
			snprintf(name, sizeof(name), "n_drops_cpu_%d", i);
			rc |= add_counter(s, name, CFG_METRICS_KERNEL_COUNTERS_PER_CPU, cpu[i].drops);
		}
		free(cpu);
	}
	if ((f & CFG_METRICS_LIBBPF_STATS) && kernel_bpf_stats_enabled()) {
		struct eng_prog_stats p[MAX_PROGS];
		int n = eng_live_prog_stats(es, p, MAX_PROGS);
		for (int i = 0; i < n; i++) {
			char name[METRICS_NAME_MAX];
			snprintf(name, sizeof(name), "%s.run_cnt", p[i].name);
			rc |= add_counter(s, name, CFG_METRICS_LIBBPF_STATS, p[i].run_cnt);
			snprintf(name, sizeof(name), "%s.run_time_ns", p[i].name);
			struct metrics_value *v = metrics_snap_add(s, name, CFG_METRICS_LIBBPF_STATS, METRICS_K_MONOTONIC,
			                                           METRICS_T_U64, METRICS_U_NS_COUNT);
			if (v)
				v->v.u64 = p[i].run_time_ns;
			snprintf(name, sizeof(name), "%s.avg_time_ns", p[i].name);
			struct metrics_value *a = metrics_snap_add(s, name, CFG_METRICS_LIBBPF_STATS, METRICS_K_GAUGE,
			                                           METRICS_T_U64, METRICS_U_NS);
			if (a)
				a->v.u64 = p[i].run_cnt ? p[i].run_time_ns / p[i].run_cnt : 0;
			rc |= !v || !a;
		}
	}
	return rc ? -ENOMEM : 0;
}

static bool lists(const struct metrics_src *s, const struct ph_plugin *p)
{
	for (size_t i = 0; i < s->nplugins; i++)
		if (s->plugins[i] == p)
			return true;
	return false;
}

/* A sourcing plugin reports on its own source's thread; any other plugin on
 * the thread of the first source that calls it (one instance, one report). */
static bool reports_plugin(const struct metrics_src *src, const struct ph_plugin *p)
{
	const struct metrics *m = src->m;
	if (src->plugin == p)
		return true;
	for (size_t i = 0; i < m->nsrc; i++)
		if (m->src[i]->plugin == p)
			return false;
	for (size_t i = 0; i < m->nsrc; i++)
		if (lists(m->src[i], p))
			return m->src[i] == src;
	return false;
}

static int rule_values(const struct metrics *m, struct metrics_snapshot *s)
{
	const struct rules_engine *re = m->o.re;
	s->rules_counters = re && (m->flags & CFG_METRICS_RULE_COUNTERS);
	if (!s->rules_counters)
		return 0;
	size_t n = rules_engine_nrules(re);
	s->rules = calloc(n ? n : 1, sizeof(*s->rules));
	if (!s->rules)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct rules_engine_rule r;
		rules_engine_rule(re, i, &r);
		if (!r.compiled)
			continue;
		s->rules[s->nrules++] = (struct metrics_rule){r.name, r.source, (int)r.priority,
		                                              r.tags ? r.tags->v : NULL, r.tags ? r.tags->n : 0,
		                                              r.matches};
		s->rules_total += r.matches;
	}
	return 0;
}

static int fill(struct metrics_src *src, struct metrics_snapshot *s)
{
	struct metrics *m = src->m;
	const char *evsrc = src->h.event_source; /* replays: the current event's source */
	bool syscall = src->plugin == NULL && (!evsrc || strcmp(evsrc, "syscall") == 0);
	s->source = evsrc ? evsrc : src->name;
	s->engine_name = engine_name(src->eng);
	s->now_ns = now_ns(CLOCK_REALTIME);
	s->version = m->o.version;
	s->reload_ts = m->reload_ts;
	s->files = m->files;
	s->nfiles = m->nfiles;
	if (m->o.mgr) {
		snprintf(s->hostname, sizeof(s->hostname), "%s", out_mgr_hostname(m->o.mgr));
		struct out_stats os;
		out_mgr_stats(m->o.mgr, &os);
		s->outputs_queue_num_drops = os.dropped;
	}
	struct eng_stats es;
	eng_get_stats(src->eng, &es);
	s->num_evts = es.delivered;
	int rc = metrics_collect_wrapper(s, "/proc");
	rc |= rule_values(m, s);
	if (syscall && strcmp(eng_source(src->eng)->kind, "live") == 0)
		rc |= kernel_values(src, s);
	if (m->flags & CFG_METRICS_RESOURCE_UTILIZATION)
		rc |= metrics_collect_resources(s, "/proc");
	if (syscall && src->st && (m->flags & CFG_METRICS_STATE_COUNTERS))
		rc |= metrics_collect_state(s, src->st);
	if ((m->flags & CFG_METRICS_PLUGINS) && src->plugin && !lists(src, src->plugin))
		rc |= metrics_collect_plugin(s, src->plugin);
	for (size_t i = 0; (m->flags & CFG_METRICS_PLUGINS) && i < src->nplugins; i++)
		if (reports_plugin(src, src->plugins[i]))
			rc |= metrics_collect_plugin(s, src->plugins[i]);
	return rc ? -ENOMEM : 0;
}

/* The sample number of a snapshot taken at `tick`: snapshots of one tick
 * share it, as upstream's writer counts them. Under m->lock. */
static uint64_t sample_of(struct metrics *m, uint32_t tick)
{
	if (m->samples == 0 || tick != m->sample_tick) {
		m->samples++;
		m->sample_tick = tick;
	}
	return m->samples;
}

static void emit(struct metrics_src *src, struct metrics_snapshot *s, uint32_t tick)
{
	struct metrics *m = src->m;
	struct metrics_fields f;
	if (metrics_output_fields(s, &m->ro, &src->prev, &f) < 0) {
		fprintf(stderr, "falco: metrics: out of memory\n");
		return;
	}
	if (m->o.cfg->metrics.output_rule && m->o.mgr) {
		struct out_field *of = calloc(f.n ? f.n : 1, sizeof(*of));
		for (size_t i = 0; of && i < f.n; i++) {
			of[i] = (struct out_field){.key = f.f[i].key, .type = (enum out_vtype)f.f[i].type};
			memcpy(&of[i].v, &f.f[i].v, sizeof(f.f[i].v));
		}
		if (of)
			out_mgr_internal(m->o.mgr, s->now_ns, OUT_PRI_INFORMATIONAL, "Falco internal: metrics snapshot",
			                 "Falco metrics snapshot", of, (uint32_t)f.n);
		free(of);
	}
	pthread_mutex_lock(&m->lock);
	uint64_t sample = sample_of(m, tick);
	if (m->file) {
		char *line = metrics_json_line(&f, sample);
		if (line && (fputs(line, m->file) < 0 || fflush(m->file) != 0))
			fprintf(stderr, "falco: metrics.output_file: write failed: %s\n", strerror(errno));
		free(line);
	}
	metrics_snap_clear(&src->latest);
	src->latest = *s;
	src->have_latest = true;
	pthread_mutex_unlock(&m->lock);
	memset(s, 0, sizeof(*s));
	metrics_fields_free(&f);
}

static void take(struct metrics_src *src, uint32_t tick)
{
	struct metrics_snapshot s = {0};
	if (fill(src, &s) < 0)
		fprintf(stderr, "falco: metrics: out of memory; snapshot incomplete\n");
	emit(src, &s, tick);
	metrics_snap_clear(&s);
}

/* A snapshot kept as the source's latest only (an on-demand request):
 * nothing emitted, no rates moved. */
static void refresh(struct metrics_src *src)
{
	struct metrics *m = src->m;
	struct metrics_snapshot s = {0};
	if (fill(src, &s) < 0)
		fprintf(stderr, "falco: metrics: out of memory; snapshot incomplete\n");
	pthread_mutex_lock(&m->lock);
	metrics_snap_clear(&src->latest);
	src->latest = s;
	src->have_latest = true;
	pthread_mutex_unlock(&m->lock);
}

static void answer(struct metrics_src *src, uint32_t req)
{
	struct metrics *m = src->m;
	src->req_seen = req;
	pthread_mutex_lock(&m->lock);
	src->answered = req;
	src->slow = false;
	pthread_cond_broadcast(&m->answered);
	pthread_mutex_unlock(&m->lock);
}

void metrics_src_snapshot(struct metrics_src *s)
{
	struct metrics *m = s->m;
	/* acquire: a request's req (or the ticker's tick) bumped before gen is seen */
	s->h.seen = atomic_load_explicit(&m->gen, memory_order_acquire);
	uint32_t tick = atomic_load_explicit(&m->tick, memory_order_relaxed);
	uint32_t req = atomic_load_explicit(&m->req, memory_order_relaxed);
	if (tick != s->tick_seen) {
		s->tick_seen = tick;
		take(s, tick);
	} else if (req != s->req_seen) {
		refresh(s);
	}
	if (req != s->req_seen)
		answer(s, req);
}

void metrics_poll_idle(struct metrics_src *s)
{
	if (!s)
		return;
	uint32_t req = atomic_load_explicit(&s->m->req, memory_order_acquire);
	if (req != s->req_seen) {
		refresh(s);
		answer(s, req);
	}
}

/* ---- end ---- */

static void stop_ticker(struct metrics *m)
{
	if (!m->ticking)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = true;
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->ticker, NULL);
	pthread_cond_destroy(&m->wake);
	m->ticking = false;
}

void metrics_stop(struct metrics *m)
{
	if (!m || m->stopped)
		return;
	stop_ticker(m);
	pthread_mutex_lock(&m->lock);
	m->stopping = true; /* requests stop waiting for the sources' threads */
	if (m->answered_init)
		pthread_cond_broadcast(&m->answered);
	pthread_mutex_unlock(&m->lock);
	/* one sample for the final snapshots, after every periodic one */
	uint32_t final = atomic_load(&m->tick) + 1;
	for (size_t i = 0; i < m->nsrc; i++) {
		take(m->src[i], final);
		m->src[i]->eng = NULL;
		m->src[i]->st = NULL;
	}
	m->stopped = true;
}

char *metrics_prometheus_latest(struct metrics *m)
{
	if (!m)
		return NULL;
	const struct metrics_snapshot *snaps[MAX_SOURCES];
	size_t n = 0;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nsrc; i++)
		if (m->src[i]->have_latest)
			snaps[n++] = &m->src[i]->latest;
	char *text = metrics_prometheus(snaps, n);
	pthread_mutex_unlock(&m->lock);
	return text;
}

/* Whether every source that is not slow answered request `want`. */
static bool all_answered(const struct metrics *m, uint32_t want)
{
	for (size_t i = 0; i < m->nsrc; i++)
		if (!m->src[i]->slow && (int32_t)(m->src[i]->answered - want) < 0)
			return false;
	return true;
}

/* Asks every source's thread for a snapshot and waits until they answered
 * or the deadline passed; those that did not answer are marked slow (not
 * waited for again until they answer). Under m->lock. */
static void request_snapshots(struct metrics *m, unsigned timeout_ms)
{
	if (m->stopping || m->nsrc == 0 || !m->answered_init)
		return;
	uint32_t want = atomic_fetch_add_explicit(&m->req, 1, memory_order_relaxed) + 1;
	atomic_fetch_add_explicit(&m->gen, 1, memory_order_release);
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += (time_t)(timeout_ms / 1000);
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	while (!m->stopping && !all_answered(m, want))
		if (pthread_cond_timedwait(&m->answered, &m->lock, &dl) == ETIMEDOUT) {
			for (size_t i = 0; i < m->nsrc; i++)
				if ((int32_t)(m->src[i]->answered - want) < 0)
					m->src[i]->slow = true;
			break;
		}
}

char *metrics_prometheus_now(struct metrics *m, unsigned timeout_ms)
{
	if (!m)
		return NULL;
	const struct metrics_snapshot *snaps[MAX_SOURCES];
	size_t n = 0;
	pthread_mutex_lock(&m->lock);
	request_snapshots(m, timeout_ms);
	for (size_t i = 0; i < m->nsrc; i++)
		if (m->src[i]->have_latest)
			snaps[n++] = &m->src[i]->latest;
	char *text = metrics_prometheus(snaps, n);
	pthread_mutex_unlock(&m->lock);
	return text;
}

uint64_t metrics_samples(const struct metrics *m)
{
	return m ? m->samples : 0;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	stop_ticker(m);
	for (size_t i = 0; i < m->nsrc; i++) {
		metrics_snap_clear(&m->src[i]->latest);
		free(m->src[i]->name);
		free(m->src[i]);
	}
	if (m->answered_init)
		pthread_cond_destroy(&m->answered);
	if (m->file)
		fclose(m->file);
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i].path);
	free(m->files);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
