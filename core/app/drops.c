/* syscall_event_drops: see drops.h. */
#include "app/drops.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "config/config.h"
#include "output/output.h"

#define NS_PER_S 1000000000ull

struct drops {
	struct drops_opts o;
	struct drops_counters last;
	uint64_t next_check;     /* event time of the next counter check; 0 before the first event */
	double tokens;           /* the token bucket */
	uint64_t bucket_ts;      /* when tokens were last updated (ns; 0: not yet) */
	struct drops_stats st;
};

struct drops *drops_new(const struct drops_opts *o)
{
	struct drops *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->o = *o;
	if (d->o.simulate)
		d->o.threshold = 0;  /* as upstream: every simulated drop counts */
	d->tokens = o->max_burst;
	if (d->o.read)
		d->o.read(d->o.read_ctx, &d->last);
	return d;
}

int drops_log_level(const char *name)
{
	static const char *const names[] = {"emergency", "alert", "critical", "error",
	                                    "warning", "notice", "info", "debug"};
	for (int i = 0; name && i < 8; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

static void drops_log(const struct drops *d, int level, const char *msg)
{
	if (!d->o.log_stderr || level > d->o.log_level)
		return;
	time_t now = time(NULL);
	struct tm tm;
	char ts[64] = "";
	if (localtime_r(&now, &tm))
		strftime(ts, sizeof(ts), d->o.iso8601 ? "%Y-%m-%dT%H:%M:%S%z" : "%a %b %e %H:%M:%S %Y", &tm);
	fprintf(stderr, "%s: %s\n", ts, msg);
}

/* Tokens accrue at `rate` per second of event time, capped at max_burst. */
static bool bucket_claim(struct drops *d, uint64_t now)
{
	if (d->bucket_ts != 0 && now > d->bucket_ts)
		d->tokens += d->o.rate * (double)(now - d->bucket_ts) / 1e9;
	d->bucket_ts = now;
	if (d->tokens > d->o.max_burst)
		d->tokens = d->o.max_burst;
	if (d->tokens < 1)
		return false;
	d->tokens -= 1;
	return true;
}

static void delta_of(const struct drops_counters *now, const struct drops_counters *last,
                     struct drops_counters *out)
{
	const uint64_t *a = (const uint64_t *)now, *b = (const uint64_t *)last;
	uint64_t *o = (uint64_t *)out;
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		o[i] = a[i] - b[i];
}

static void send_alert(struct drops *d, uint64_t ts, const struct drops_counters *c, const char *rule,
                       const char *msg)
{
	/* Upstream sends every value as a decimal string. */
	const struct { const char *key; uint64_t v; } f[] = {
		{"ebpf_enabled", d->o.modern_bpf},
		{"n_drops", c->n_drops},
		{"n_drops_buffer_clone_fork_exit", c->n_drops_buffer_clone_fork_exit},
		{"n_drops_buffer_close_exit", c->n_drops_buffer_close_exit},
		{"n_drops_buffer_connect_exit", c->n_drops_buffer_connect_exit},
		{"n_drops_buffer_dir_file_exit", c->n_drops_buffer_dir_file_exit},
		{"n_drops_buffer_execve_exit", c->n_drops_buffer_execve_exit},
		{"n_drops_buffer_open_exit", c->n_drops_buffer_open_exit},
		{"n_drops_buffer_other_interest_exit", c->n_drops_buffer_other_interest_exit},
		{"n_drops_buffer_proc_exit", c->n_drops_buffer_proc_exit},
		{"n_drops_buffer_total", c->n_drops_buffer},
		{"n_drops_bug", c->n_drops_bug},
		{"n_drops_page_faults", c->n_drops_pf},
		{"n_drops_scratch_map", c->n_drops_scratch_map},
		{"n_evts", c->n_evts},
	};
	enum { N = sizeof(f) / sizeof(f[0]) };
	char vals[N][24];
	struct out_field of[N];
	for (size_t i = 0; i < N; i++) {
		snprintf(vals[i], sizeof(vals[i]), "%" PRIu64, f[i].v);
		of[i] = (struct out_field){.key = f[i].key, .type = OUT_V_STR, .v.s = vals[i]};
	}
	if (out_mgr_internal(d->o.mgr, ts, OUT_PRI_DEBUG, rule, msg, of, N) == 0)
		d->st.alerts++;
}

/* Runs the configured actions; -1 when one of them is exit. */
static int perform(struct drops *d, uint64_t ts, const struct drops_counters *c)
{
	static const char rule[] = "Falco internal: syscall event drop";
	char msg[160];
	snprintf(msg, sizeof(msg), "%s. %" PRIu64 " system calls dropped in last second.", rule, c->n_drops);
	int rc = 0;
	if (d->o.actions & CFG_DROP_LOG)
		drops_log(d, LOG_DEBUG, msg);
	if ((d->o.actions & CFG_DROP_ALERT) && d->o.mgr)
		send_alert(d, ts, c, rule, msg);
	if (d->o.actions & CFG_DROP_EXIT) {
		drops_log(d, LOG_CRIT, msg);
		drops_log(d, LOG_CRIT, "Exiting.");
		rc = -1;
	}
	return rc;
}

int drops_event(struct drops *d, uint64_t ts)
{
	if (d->next_check == 0) {
		d->next_check = ts + NS_PER_S;
		return 0;
	}
	if (ts <= d->next_check)
		return 0;
	d->next_check = ts + NS_PER_S;
	struct drops_counters now = {0}, delta;
	if (d->o.read)
		d->o.read(d->o.read_ctx, &now);
	delta_of(&now, &d->last, &delta);
	d->last = now;
	if (d->o.simulate) {
		drops_log(d, LOG_INFO, "Simulating syscall event drop");
		delta.n_drops++;
	}
	if (delta.n_drops == 0)
		return 0;
	/* n_evts includes the drops; with no events the ratio is infinite. */
	double ratio = delta.n_evts ? (double)delta.n_drops / (double)delta.n_evts : 1e300;
	if (!(ratio > d->o.threshold))
		return 0;
	d->st.detected++;
	if (!bucket_claim(d, ts)) {
		drops_log(d, LOG_DEBUG, "Syscall event drop but token bucket depleted, skipping actions");
		return 0;
	}
	d->st.actions++;
	return perform(d, ts, &delta);
}

void drops_get_stats(const struct drops *d, struct drops_stats *out)
{
	*out = d->st;
}

void drops_print_stats(const struct drops *d, FILE *f)
{
	fprintf(f, "Syscall event drop monitoring:\n");
	fprintf(f, "   - event drop detected: %" PRIu64 " occurrences\n", d->st.detected);
	fprintf(f, "   - num times actions taken: %" PRIu64 "\n", d->st.actions);
}

void drops_free(struct drops *d)
{
	free(d);
}
