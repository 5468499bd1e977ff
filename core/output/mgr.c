/* The output manager: settings, the bounded alert queue, the one output
 * thread that feeds every sink, and a watchdog that reports a sink blocked
 * past output_timeout. Event threads only render and enqueue: they never
 * wait for a sink. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output/output_int.h"

enum omsg_kind { M_ALERT, M_REOPEN, M_FLUSH };

struct omsg {
	enum omsg_kind kind;
	char *s;              /* owned */
	size_t len;
	enum out_priority p;
	struct omsg *next;
};

struct omgr_rt {
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* the output thread waits for work */
	pthread_cond_t done_cv;  /* flushers wait for progress */
	struct omsg *head, *tail;
	uint64_t n, cap;         /* alerts queued now; capacity (0 = unbounded) */
	uint64_t seq_in, seq_done;
	bool stop, discard, drop_logged;
	pthread_t thr, wd;
	bool thr_up, wd_up, wd_stop, curl_up;
	struct osink sinks[5];
	uint32_t nsinks;
	uint32_t timeout_ms;
	FILE *log;
	_Atomic uint64_t queued, dropped, written, sink_errors, timeouts;
	_Atomic uint64_t busy_since;    /* ns; 0 when no sink is writing */
	const char *_Atomic busy_name;
};

uint64_t out_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void deadline(struct timespec *ts, uint32_t ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

void out_config_defaults(struct out_config *c)
{
	memset(c, 0, sizeof *c);
	c->json_include_output_property = true;
	c->json_include_output_fields_property = true;
	c->json_include_tags_property = true;
	c->output_timeout_ms = 2000;
	c->stdout_enabled = true;
	c->syslog_enabled = true;
	c->file_filename = "./events.txt";
	c->http.user_agent = "falcosecurity/falco";
	c->http.ca_path = "/etc/ssl/certs";
	c->http.max_consecutive_timeouts = 5;
}

/* ---- queue ---- */

static void msg_free(struct omsg *m)
{
	if (m) {
		free(m->s);
		free(m);
	}
}

static int enqueue(struct omgr_rt *rt, struct omsg *msg, bool bounded)
{
	pthread_mutex_lock(&rt->mu);
	if (bounded && rt->cap && rt->n >= rt->cap) {
		bool first = !rt->drop_logged;
		rt->drop_logged = true;
		rt->dropped++;
		pthread_mutex_unlock(&rt->mu);
		if (first)
			fprintf(rt->log, "Outputs queue out of memory. Drop event and continue on ...\n");
		msg_free(msg);
		return -EAGAIN;
	}
	if (rt->tail)
		rt->tail->next = msg;
	else
		rt->head = msg;
	rt->tail = msg;
	if (msg->kind == M_ALERT)
		rt->n++;
	rt->seq_in++;
	pthread_cond_signal(&rt->cv);
	pthread_mutex_unlock(&rt->mu);
	return 0;
}

int omgr_push(struct out_mgr *m, char *s, size_t len, enum out_priority p)
{
	struct omsg *msg = calloc(1, sizeof *msg);
	if (!msg) {
		free(s);
		return -ENOMEM;
	}
	*msg = (struct omsg){M_ALERT, s, len, p, NULL};
	int rc = enqueue(m->rt, msg, true);
	if (!rc)
		m->rt->queued++;
	return rc;
}

/* ---- the output thread ---- */

static void deliver(struct omgr_rt *rt, struct omsg *msg)
{
	for (uint32_t i = 0; i < rt->nsinks; i++) {
		struct osink *s = &rt->sinks[i];
		rt->busy_name = s->name;
		rt->busy_since = out_now_ns();
		int rc = 0;
		if (msg->kind == M_ALERT)
			rc = s->write(s->impl, msg->s, msg->len, msg->p);
		else if (msg->kind == M_REOPEN && s->reopen)
			s->reopen(s->impl);
		else if (msg->kind == M_FLUSH && s->flush)
			s->flush(s->impl);
		rt->busy_since = 0;
		if (rc < 0) {
			rt->sink_errors++;
			fprintf(rt->log, "%s output: %s\n", s->name, strerror(-rc));
		}
	}
}

static void *out_thread(void *arg)
{
	struct omgr_rt *rt = arg;
	sigset_t set;
	/* a program sink whose reader went away must give EPIPE, not kill us */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		pthread_mutex_lock(&rt->mu);
		while (!rt->head && !rt->stop)
			pthread_cond_wait(&rt->cv, &rt->mu);
		struct omsg *msg = rt->head;
		if (!msg) {
			pthread_mutex_unlock(&rt->mu);
			break;
		}
		rt->head = msg->next;
		if (!rt->head)
			rt->tail = NULL;
		if (msg->kind == M_ALERT)
			rt->n--;
		bool discard = rt->discard;
		pthread_mutex_unlock(&rt->mu);
		if (!discard)
			deliver(rt, msg);
		if (msg->kind == M_ALERT)
			rt->written++;
		msg_free(msg);
		pthread_mutex_lock(&rt->mu);
		rt->seq_done++;
		pthread_cond_broadcast(&rt->done_cv);
		pthread_mutex_unlock(&rt->mu);
	}
	for (uint32_t i = 0; i < rt->nsinks; i++)
		if (rt->sinks[i].flush)
			rt->sinks[i].flush(rt->sinks[i].impl);
	return NULL;
}

/* Reports, once per stall, a sink that has been writing for longer than
 * output_timeout (upstream's watchdog message). */
static void *watchdog(void *arg)
{
	struct omgr_rt *rt = arg;
	uint64_t reported = 0;
	uint32_t tick = rt->timeout_ms / 4 ? rt->timeout_ms / 4 : 1;
	if (tick > 250)
		tick = 250;
	pthread_mutex_lock(&rt->mu);
	while (!rt->wd_stop) {
		struct timespec ts;
		deadline(&ts, tick);
		pthread_cond_timedwait(&rt->done_cv, &rt->mu, &ts);
		uint64_t since = rt->busy_since;
		if (since && since != reported &&
		    out_now_ns() - since > (uint64_t)rt->timeout_ms * 1000000ull) {
			reported = since;
			rt->timeouts++;
			fprintf(rt->log, "\"%s\" output timeout, all output channels are blocked\n",
			        rt->busy_name);
		}
	}
	pthread_mutex_unlock(&rt->mu);
	return NULL;
}

/* ---- setup ---- */

static char *dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int copy_append(struct out_mgr *m, const struct out_config *c)
{
	if (!c->nappend)
		return 0;
	m->append = calloc(c->nappend, sizeof *m->append);
	if (!m->append)
		return -ENOMEM;
	for (uint32_t i = 0; i < c->nappend; i++, m->nappend++) {
		const struct out_append *s = &c->append[i];
		struct out_append *d = &m->append[i];
		d->source = dup0(s->source);
		d->rule = dup0(s->rule);
		d->extra_output = dup0(s->extra_output);
		d->suggested_output = s->suggested_output;
		char **tags = calloc(s->ntags + 1, sizeof *tags);
		struct out_extra_field *ef = calloc(s->nextra_fields + 1, sizeof *ef);
		d->tags = (const char *const *)tags;
		d->extra_fields = ef;
		if (!tags || !ef)
			return -ENOMEM;
		for (uint32_t k = 0; k < s->ntags; k++, d->ntags++)
			if (!(tags[k] = strdup(s->tags[k])))
				return -ENOMEM;
		for (uint32_t k = 0; k < s->nextra_fields; k++, d->nextra_fields++) {
			ef[k].key = dup0(s->extra_fields[k].key);
			ef[k].format = dup0(s->extra_fields[k].format);
			if (!ef[k].key)
				return -ENOMEM;
		}
	}
	return 0;
}

static void free_append(struct out_mgr *m)
{
	for (uint32_t i = 0; i < m->nappend; i++) {
		struct out_append *d = &m->append[i];
		free((char *)d->source);
		free((char *)d->rule);
		free((char *)d->extra_output);
		for (uint32_t k = 0; d->tags && k < d->ntags; k++)
			free((char *)d->tags[k]);
		free((void *)d->tags);
		for (uint32_t k = 0; d->extra_fields && k < d->nextra_fields; k++) {
			free((char *)d->extra_fields[k].key);
			free((char *)d->extra_fields[k].format);
		}
		free((void *)d->extra_fields);
	}
	free(m->append);
}

static int resolve_hostname(struct out_mgr *m, const struct out_config *c)
{
	const char *h = c->hostname ? c->hostname : getenv("FALCO_HOSTNAME");
	char buf[256];
	if (!h) {
		if (gethostname(buf, sizeof buf) != 0)
			return -errno;
		buf[sizeof buf - 1] = '\0';
		h = buf;
	}
	m->hostname = strdup(h);
	return m->hostname ? 0 : -ENOMEM;
}

static int open_sinks(struct omgr_rt *rt, const struct out_config *c, char *err, size_t errlen)
{
	struct osink_env env = {
		.buffered = c->buffered_outputs,
		.json = c->json_output,
		.timeout_ms = rt->timeout_ms,
		.out = c->stdout_stream ? c->stdout_stream : stdout,
		.log = rt->log,
	};
	int rc = 0;
	if (c->stdout_enabled && !rc && !(rc = osink_stdout(&env, &rt->sinks[rt->nsinks])))
		rt->nsinks++;
	if (c->syslog_enabled && !rc && !(rc = osink_syslog(&env, c->syslog_path, &rt->sinks[rt->nsinks])))
		rt->nsinks++;
	if (c->file_enabled && !rc &&
	    !(rc = osink_file(&env, c->file_filename ? c->file_filename : "./events.txt",
	                      c->file_keep_alive, &rt->sinks[rt->nsinks], err, errlen)))
		rt->nsinks++;
	if (c->program_enabled && !rc &&
	    !(rc = osink_program(&env, c->program ? c->program : "", c->program_keep_alive,
	                         &rt->sinks[rt->nsinks], err, errlen)))
		rt->nsinks++;
	if (c->http.enabled && !rc &&
	    !(rc = osink_http(&env, &c->http, &rt->sinks[rt->nsinks], err, errlen)))
		rt->nsinks++;
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}

static void close_sinks(struct omgr_rt *rt)
{
	for (uint32_t i = 0; i < rt->nsinks; i++)
		rt->sinks[i].close(rt->sinks[i].impl);
	rt->nsinks = 0;
}

static struct omgr_rt *rt_new(const struct out_config *c)
{
	struct omgr_rt *rt = calloc(1, sizeof *rt);
	if (!rt)
		return NULL;
	pthread_mutex_init(&rt->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_cond_init(&rt->cv, &ca);
	pthread_cond_init(&rt->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	rt->cap = c->queue_capacity;
	rt->timeout_ms = c->output_timeout_ms ? c->output_timeout_ms : 2000;
	rt->log = c->log_stream ? c->log_stream : stderr;
	return rt;
}

static void rt_free(struct omgr_rt *rt)
{
	for (struct omsg *m = rt->head, *n; m; m = n) {
		n = m->next;
		msg_free(m);
	}
	pthread_cond_destroy(&rt->cv);
	pthread_cond_destroy(&rt->done_cv);
	pthread_mutex_destroy(&rt->mu);
	free(rt);
}

struct out_mgr *out_mgr_new(const struct out_config *c, char *err, size_t errlen)
{
	struct out_mgr *m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->json = c->json_output;
	m->inc_output = c->json_include_output_property;
	m->inc_message = c->json_include_message_property;
	m->inc_fields = c->json_include_output_fields_property;
	m->inc_tags = c->json_include_tags_property;
	m->iso8601 = c->time_format_iso_8601;
	m->base64 = c->buffer_format_base64;
	m->log = c->log_stream ? c->log_stream : stderr;
	int rc = resolve_hostname(m, c);
	if (rc) {
		snprintf(err, errlen, "Failed to get hostname");
		goto fail;
	}
	/* -p c|container|k|kubernetes ask for what the container plugin now
	 * suggests by itself: upstream ignores them */
	const char *pf = c->print_format;
	if (pf && (!strcmp(pf, "c") || !strcmp(pf, "container") || !strcmp(pf, "k") ||
	           !strcmp(pf, "kubernetes")))
		pf = NULL;
	if (copy_append(m, c) || (pf && !(m->print_format = strdup(pf))) ||
	    !(m->rt = rt_new(c))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (c->http.enabled) {
		osink_http_global(true);
		m->rt->curl_up = true;
	}
	if (open_sinks(m->rt, c, err, errlen))
		goto fail;
	if (pthread_create(&m->rt->thr, NULL, out_thread, m->rt)) {
		snprintf(err, errlen, "cannot start the output thread");
		goto fail;
	}
	m->rt->thr_up = true;
	if (pthread_create(&m->rt->wd, NULL, watchdog, m->rt) == 0)
		m->rt->wd_up = true;
	return m;
fail:
	out_mgr_free(m);
	return NULL;
}

const char *out_mgr_hostname(const struct out_mgr *m)
{
	return m->hostname;
}

void out_mgr_reopen(struct out_mgr *m)
{
	struct omsg *msg = calloc(1, sizeof *msg);
	if (msg) {
		msg->kind = M_REOPEN;
		enqueue(m->rt, msg, false);
	}
}

int out_mgr_flush(struct out_mgr *m, uint32_t timeout_ms)
{
	struct omgr_rt *rt = m->rt;
	struct omsg *msg = calloc(1, sizeof *msg);
	if (!msg)
		return -ENOMEM;
	msg->kind = M_FLUSH;
	enqueue(rt, msg, false);
	struct timespec ts;
	deadline(&ts, timeout_ms);
	int rc = 0;
	pthread_mutex_lock(&rt->mu);
	uint64_t want = rt->seq_in;
	while (rt->seq_done < want && rc == 0)
		rc = pthread_cond_timedwait(&rt->done_cv, &rt->mu, &ts);
	bool ok = rt->seq_done >= want;
	pthread_mutex_unlock(&rt->mu);
	return ok ? 0 : -ETIMEDOUT;
}

void out_mgr_stats(const struct out_mgr *m, struct out_stats *s)
{
	struct omgr_rt *rt = m->rt;
	s->queued = rt->queued;
	s->dropped = rt->dropped;
	s->written = rt->written;
	s->sink_errors = rt->sink_errors;
	s->timeouts = rt->timeouts;
}

/* Stops the thread: it drains the queue; if the sinks are still blocked
 * after output_timeout, what is left is discarded (upstream's behaviour).
 * Returns false when the thread is stuck for good (then nothing it may
 * still touch can be freed). */
static bool stop_thread(struct omgr_rt *rt)
{
	pthread_mutex_lock(&rt->mu);
	rt->stop = true;
	pthread_cond_signal(&rt->cv);
	pthread_mutex_unlock(&rt->mu);
	struct timespec ts;
	deadline(&ts, rt->timeout_ms);
	if (pthread_timedjoin_np(rt->thr, NULL, &ts) == 0)
		return true;
	fprintf(rt->log, "output channels still blocked, discarding all remaining notifications\n");
	pthread_mutex_lock(&rt->mu);
	rt->discard = true;
	pthread_mutex_unlock(&rt->mu);
	/* the write in progress still has to end: each sink gives up after
	 * output_timeout (http after its retries too, up to 6 by default) */
	deadline(&ts, rt->timeout_ms * 8);
	if (pthread_timedjoin_np(rt->thr, NULL, &ts) == 0)
		return true;
	pthread_detach(rt->thr);
	return false;
}

void out_mgr_free(struct out_mgr *m)
{
	if (!m)
		return;
	struct omgr_rt *rt = m->rt;
	bool freeable = true;
	if (rt && rt->thr_up)
		freeable = stop_thread(rt);
	if (rt && rt->dropped)
		fprintf(rt->log, "Outputs queue full: %" PRIu64 " alerts dropped\n", (uint64_t)rt->dropped);
	if (rt && rt->wd_up) {
		pthread_mutex_lock(&rt->mu);
		rt->wd_stop = true;
		pthread_cond_broadcast(&rt->done_cv);
		pthread_mutex_unlock(&rt->mu);
		pthread_join(rt->wd, NULL);
	}
	if (rt && freeable) {
		bool curl = rt->curl_up;
		close_sinks(rt);
		rt_free(rt);
		if (curl)
			osink_http_global(false);
	}
	out_rules_free(m);
	free_append(m);
	free(m->print_format);
	free(m->hostname);
	free(m);
}
