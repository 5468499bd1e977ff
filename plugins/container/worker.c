/*
 * The lookup thread: takes container ids queued by the event thread, asks
 * the runtimes' unix sockets about them (podman's libpod API, docker's API),
 * and hands each answer to the host as a `container` async event. The
 * event thread only ever takes `lock` to push a job, never waits on I/O.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctr.h"
#include "plugin_events.h"
#include "runtime.h"

ss_plugin_event *ctr_async_event(const struct ctr_info *c, const char *name)
{
	char *json = ctr_info_to_json(c);
	if (!json)
		return NULL;
	size_t len = strlen(json);
	size_t cap = PLUGIN_EVT_ASYNC_NAME_OFFSET + strlen(name) + 1 + len;
	ss_plugin_event *evt = malloc(cap);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (evt && !plugin_evt_encode_async(evt, cap, now, (uint64_t)-1, name, json, (uint32_t)len)) {
		free(evt);
		evt = NULL;
	}
	free(json);
	return evt;
}

/* Tries the sockets of the runtime that owns the id first, then the others
 * (a docker-style cgroup may belong to podman's cgroupfs layout and back). */
static int lookup(struct ctr_plugin *p, const struct ctr_job *j, struct ctr_info *c, char *err, size_t errlen)
{
	struct { char **socks; unsigned n; int type; } order[2] = {
		{p->podman_socks, p->npodman, CTR_T_PODMAN},
		{p->docker_socks, p->ndocker, CTR_T_DOCKER},
	};
	if (j->type != CTR_T_PODMAN) {
		order[0] = (typeof(order[0])){p->docker_socks, p->ndocker, CTR_T_DOCKER};
		order[1] = (typeof(order[1])){p->podman_socks, p->npodman, CTR_T_PODMAN};
	}
	/* CRI hook: CRI cgroup layouts go to CRI sockets only; docker-like
	 * ones (cgroupfs kubepods paths) fall back to them */
	if (ctr_cri_owns(j->type))
		return ctr_cri_worker_lookup(p, j->id, c, err, errlen);
	int rc = -ENOENT;
	snprintf(err, errlen, "no runtime socket answers");
	for (int k = 0; k < 2; k++)
		for (unsigned i = 0; i < order[k].n; i++) {
			memset(c, 0, sizeof(*c));
			rc = ctr_runtime_inspect(order[k].socks[i], order[k].type, j->id, p->timeout_ms,
			                         p->label_max_len, c, err, errlen);
			if (rc == 0) {
				c->type = j->type;
				return 0;
			}
		}
	return p->ncri && ctr_cri_worker_lookup(p, j->id, c, err, errlen) == 0 ? 0 : rc;
}

static void deliver(struct ctr_plugin *p, const struct ctr_info *c)
{
	ss_plugin_event *evt = ctr_async_event(c, "container");
	char err[PLUGIN_MAX_ERRLEN] = "";
	/* handler and owner change only while this thread is stopped (see
	 * plugin_set_async_event_handler), so no lock is held here: the event
	 * thread can queue work while the host takes the event */
	ss_plugin_rc rc = evt && p->worker.handler ? p->worker.handler(p->worker.owner, evt, err) : SS_PLUGIN_FAILURE;
	if (rc != SS_PLUGIN_SUCCESS)
		ctr_log(p, SS_PLUGIN_LOG_SEV_WARNING, "container %s: async event refused: %s", c->id,
		        evt ? err : "out of memory");
	free(evt);
}

/* Waits for a job; false when asked to stop. */
static bool next_job(struct ctr_worker *w, struct ctr_job *j)
{
	pthread_mutex_lock(&w->lock);
	while (!w->stop && !w->count)
		pthread_cond_wait(&w->cond, &w->lock);
	bool ok = !w->stop;
	if (ok) {
		*j = w->queue[w->head];
		w->head = (w->head + 1) % CTR_QUEUE_LEN;
		w->count--;
	}
	pthread_mutex_unlock(&w->lock);
	return ok;
}

static bool stopping(struct ctr_worker *w)
{
	pthread_mutex_lock(&w->lock);
	bool s = w->stop;
	pthread_mutex_unlock(&w->lock);
	return s;
}

static void *worker_main(void *arg)
{
	struct ctr_plugin *p = arg;
	struct ctr_job j;
	ctr_cri_worker_begin(p);
	while (next_job(&p->worker, &j)) {
		struct ctr_info c;
		char err[512];
		int rc = -ENOENT;
		/* a runtime may answer 404 for a container it is still creating */
		for (int attempt = 0; attempt < 3 && rc < 0 && !stopping(&p->worker); attempt++) {
			if (attempt)
				nanosleep(&(struct timespec){0, 200000000L * attempt}, NULL);
			rc = lookup(p, &j, &c, err, sizeof(err));
		}
		if (rc < 0) {
			p->worker.lookups_failed++;
			ctr_log(p, SS_PLUGIN_LOG_SEV_DEBUG, "container %s: %s", j.id, err);
			continue;
		}
		p->worker.lookups_ok++;
		deliver(p, &c);
		ctr_info_clear(&c);
	}
	ctr_cri_worker_end(p);
	return NULL;
}

int ctr_worker_start(struct ctr_plugin *p)
{
	struct ctr_worker *w = &p->worker;
	w->stop = false;
	if (pthread_create(&w->thread, NULL, worker_main, p) != 0)
		return -EAGAIN;
	w->running = true;
	return 0;
}

void ctr_worker_stop(struct ctr_plugin *p)
{
	struct ctr_worker *w = &p->worker;
	if (!w->running)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->running = false;
	w->count = 0;
}

bool ctr_worker_ask(struct ctr_plugin *p, const char *id, int type)
{
	struct ctr_worker *w = &p->worker;
	if (type != CTR_T_DOCKER && type != CTR_T_PODMAN && !(ctr_cri_owns(type) && p->ncri))
		return true; /* no runtime of this type to ask */
	if (!w->running)
		return false; /* no handler yet: asked again on a later event */
	pthread_mutex_lock(&w->lock);
	bool ok = w->count < CTR_QUEUE_LEN;
	if (ok) {
		struct ctr_job *j = &w->queue[(w->head + w->count) % CTR_QUEUE_LEN];
		snprintf(j->id, sizeof(j->id), "%s", id);
		j->type = type;
		w->count++;
		pthread_cond_signal(&w->cond);
	} else {
		w->queue_full++;
	}
	pthread_mutex_unlock(&w->lock);
	return ok;
}
