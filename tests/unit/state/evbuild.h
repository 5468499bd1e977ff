/* Test helper: builds current-schema events with ev_encode, every parameter
 * the test does not set left empty (length 0), as upstream encodes absent
 * values. */
#ifndef FALCO_TESTS_STATE_EVBUILD_H
#define FALCO_TESTS_STATE_EVBUILD_H

#include <stdint.h>
#include <string.h>

#include "event/codes.h"
#include "event/event.h"

struct evb {
	uint16_t type;
	uint64_t tid, ts;
	const void *vals[EV_MAX_PARAMS];
	uint32_t lens[EV_MAX_PARAMS];
	uint8_t store[8192];
	size_t used;
	uint8_t out[16384];
	struct ev_view view;
};

static inline struct evb *evb_start(struct evb *b, uint16_t type, uint64_t tid, uint64_t ts)
{
	memset(b, 0, sizeof *b);
	b->type = type;
	b->tid = tid;
	b->ts = ts;
	return b;
}

static inline void evb_raw(struct evb *b, uint32_t i, const void *p, uint32_t len)
{
	memcpy(b->store + b->used, p, len);
	b->vals[i] = b->store + b->used;
	b->lens[i] = len;
	b->used += len;
}

static inline void evb_i64(struct evb *b, uint32_t i, int64_t v) { evb_raw(b, i, &v, 8); }
static inline void evb_u32(struct evb *b, uint32_t i, uint32_t v) { evb_raw(b, i, &v, 4); }
static inline void evb_str(struct evb *b, uint32_t i, const char *s)
{
	evb_raw(b, i, s, (uint32_t)strlen(s) + 1);
}

/* Encodes and decodes; returns the view (valid while b lives). */
static inline const struct ev_view *evb_done(struct evb *b)
{
	const struct ev_info *info = ev_info(b->type);
	int64_t n = ev_encode(b->out, sizeof b->out, b->ts, b->tid, b->type, info->nparams, b->vals,
	                      b->lens);
	if (n < 0 || ev_decode(b->out, (size_t)n, &b->view) != 0)
		return NULL;
	return &b->view;
}

#endif
