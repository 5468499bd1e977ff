/*
 * Helpers shared by the live driver tests: failure reporting, the schema
 * check applied to every event, parameter accessors, and a capture loop that
 * runs a child and keeps the events of its process tree.
 */
#ifndef FALCO_TESTS_LIVE_H
#define FALCO_TESTS_LIVE_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "event/event.h"

static int failures;
static unsigned n_checked;

static inline void check(int ok, const char *fmt, ...)
{
	if (ok)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	failures++;
}

static inline int type_size(uint8_t t)
{
	switch (t) {
	case EV_PT_INT8: case EV_PT_UINT8: case EV_PT_FLAGS8: case EV_PT_ENUMFLAGS8:
	case EV_PT_SIGTYPE: case EV_PT_L4PROTO: case EV_PT_SOCKFAMILY:
		return 1;
	case EV_PT_INT16: case EV_PT_UINT16: case EV_PT_FLAGS16: case EV_PT_ENUMFLAGS16:
	case EV_PT_PORT: case EV_PT_SYSCALLID:
		return 2;
	case EV_PT_INT32: case EV_PT_UINT32: case EV_PT_FLAGS32: case EV_PT_ENUMFLAGS32:
	case EV_PT_UID: case EV_PT_GID: case EV_PT_MODE: case EV_PT_BOOL: case EV_PT_SIGSET:
	case EV_PT_FD32: case EV_PT_PID32: case EV_PT_IPV4ADDR:
		return 4;
	case EV_PT_INT64: case EV_PT_UINT64: case EV_PT_ERRNO: case EV_PT_FD: case EV_PT_PID:
	case EV_PT_RELTIME: case EV_PT_ABSTIME: case EV_PT_DOUBLE:
		return 8;
	default:
		return -1;
	}
}

/* Every event against the schema table. */
static inline void check_schema(const struct ev_hdr *h, const struct ev_view *v)
{
	const struct ev_info *info = ev_info(h->type);
	n_checked++;
	if (!info || !info->name || strcmp(info->name, "NA") == 0) {
		check(0, "event type %u is not in the schema", h->type);
		return;
	}
	if (h->nparams != info->nparams) {
		check(0, "%s (%u): %u params, schema has %u", info->name, h->type, h->nparams, info->nparams);
		return;
	}
	for (uint32_t i = 0; i < v->nparams; i++) {
		int sz = type_size(info->params[i].type);
		check(sz < 0 || (int)v->len[i] == sz, "%s (%u) param %u %s: %u bytes, type needs %d",
		      info->name, h->type, i, info->params[i].name, v->len[i], sz);
	}
}

static inline int64_t s64(const struct ev_view *v, int i)
{
	int64_t x = 0;
	if (v->len[i] == 8)
		memcpy(&x, v->val[i], 8);
	return x;
}
static inline uint64_t u64(const struct ev_view *v, int i) { return (uint64_t)s64(v, i); }
static inline uint32_t u32(const struct ev_view *v, int i)
{
	uint32_t x = 0;
	if (v->len[i] == 4)
		memcpy(&x, v->val[i], 4);
	return x;
}
static inline const char *str(const struct ev_view *v, int i)
{
	return v->len[i] && v->val[i][v->len[i] - 1] == 0 ? (const char *)v->val[i] : "";
}
static inline int bytes_eq(const struct ev_view *v, int i, const void *want, size_t n)
{
	return v->len[i] == n && memcmp(v->val[i], want, n) == 0;
}

/* A copy of every event of other processes, read while `child` ran. */
struct live_events {
	struct ev_hdr **ev; /* owned, n entries, each malloc'd */
	unsigned n;
	pid_t child;
};

static inline void live_free(struct live_events *e)
{
	for (unsigned i = 0; i < e->n; i++)
		free(e->ev[i]);
	free(e->ev);
}

/* Forks `child(arg)` (which must reap its own children), drains the driver
 * until the child is gone and the buffers are empty (at most 10 s), checks
 * every event against the schema and keeps a copy of the other processes'. */
static inline struct live_events live_capture(struct drv *d, void (*child)(void *), void *arg)
{
	enum { MAX_KEPT = 1 << 20 };
	struct live_events e = {calloc(MAX_KEPT, sizeof(struct ev_hdr *)), 0, 0};
	pid_t c = fork();
	if (c == 0) {
		child(arg);
		_exit(0);
	}
	e.child = c;
	int gone = 0;
	uint64_t last_ts = 0;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		const struct ev_hdr *h;
		uint16_t cpu;
		if (drv_next(d, &h, &cpu) == -EAGAIN) {
			/* the child reaped its own children: once it is gone and the
			 * buffers are empty, every event of its tree has been read */
			if (gone)
				break;
			if (waitpid(c, NULL, WNOHANG) == c) {
				gone = 1;
				continue;
			}
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - t0.tv_sec > 10) {
				check(0, "the child did not finish in 10 s");
				break;
			}
			drv_wait(d, 20);
			continue;
		}
		struct ev_view v;
		if (ev_decode(h, h->len, &v) != 0) {
			check(0, "undecodable event type %u len %u", h->type, h->len);
			continue;
		}
		check(cpu < drv_ncpus(d), "cpu %u out of range", cpu);
		check(h->ts + 50000000 >= last_ts, "timestamps go back by more than 50 ms");
		if (h->ts > last_ts)
			last_ts = h->ts;
		check_schema(h, &v);
		if (e.n < MAX_KEPT && (pid_t)h->tid != getpid()) {
			e.ev[e.n] = malloc(h->len);
			memcpy(e.ev[e.n++], h, h->len);
		}
	}
	return e;
}

#endif
