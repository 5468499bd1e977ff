/*
 * The event loop: source -> converter -> numbering -> state -> consumer.
 * See engine.h for what upstream numbers and what it hides from rules.
 */
#include <errno.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/asyncq.h"
#include "engine/engine.h"

struct eng {
	struct eng_source src;
	struct eng_hooks hooks;
	struct ev_conv *conv;   /* owned; NULL when the source needs no conversion */
	uint64_t num;           /* last evt.num given */
	bool in_initial_state;  /* still at the leading initial-state events */
	volatile sig_atomic_t stop;
	struct eng_stats st;
	struct asyncq async;    /* events other threads queue for this loop */
	atomic_ulong async_dropped;
	char err[ENG_ERR_LEN];
};

static int eng_fail(struct eng *e, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int eng_fail(struct eng *e, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->err, sizeof(e->err), fmt, ap);
	va_end(ap);
	return rc;
}

/* Events the inspector consumes before the loop when a capture starts with them. */
static bool eng_is_initial_state(uint16_t type)
{
	switch (type) {
	case EV_CONTAINER_JSON_2_E:
	case EV_USER_ADDED_E:
	case EV_USER_DELETED_E:
	case EV_GROUP_ADDED_E:
	case EV_GROUP_DELETED_E:
	case EV_ASYNCEVENT_E:
		return true;
	default:
		return false;
	}
}

/* Enter events the current schema still has: parsed for state (TOCTOU-safe
 * arguments, execve fallbacks), never shown to rules. */
static bool eng_is_state_enter(uint16_t type)
{
	switch (type) {
	case EV_SYSCALL_OPEN_E:
	case EV_SYSCALL_OPENAT_2_E:
	case EV_SYSCALL_OPENAT2_E:
	case EV_SYSCALL_CREAT_E:
	case EV_SOCKET_CONNECT_E:
	case EV_SYSCALL_EXECVE_19_E:
	case EV_SYSCALL_EXECVEAT_E:
		return true;
	default:
		return false;
	}
}

struct eng *eng_new(struct eng_source *src, const struct eng_hooks *hooks, char *err)
{
	struct eng *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		snprintf(err, ENG_ERR_LEN, "out of memory");
		src->close(src->impl);
		return NULL;
	}
	e->src = *src;
	if (hooks != NULL)
		e->hooks = *hooks;
	e->in_initial_state = src->is_capture;
	if (asyncq_init(&e->async, ENG_ASYNC_QUEUE_CAP) < 0) {
		snprintf(err, ENG_ERR_LEN, "out of memory");
		eng_free(e);
		return NULL;
	}
	if (src->convert) {
		e->conv = ev_conv_new(0);
		if (e->conv == NULL) {
			snprintf(err, ENG_ERR_LEN, "out of memory");
			eng_free(e);
			return NULL;
		}
	}
	return e;
}

void eng_free(struct eng *e)
{
	if (e == NULL)
		return;
	if (e->src.close != NULL)
		e->src.close(e->src.impl);
	ev_conv_free(e->conv);
	asyncq_fini(&e->async);
	free(e);
}

/* One raw event through conversion, numbering, state and the consumer.
 * Returns 0 to go on, > 0 when the consumer stops, < 0 on error. */
static int eng_dispatch(struct eng *e, const struct eng_raw *raw)
{
	const void *cur = raw->hdr;
	if (e->conv != NULL) {
		int rc = ev_conv_next(e->conv, raw->hdr, raw->hdr->len, &cur);
		if (rc < 0)
			return eng_fail(e, rc, "%s: offset %llu: %s", e->src.name, (unsigned long long)raw->offset,
			                ev_conv_error(e->conv));
		if (rc == EV_CONV_DROP)
			return 0;
	}

	struct eng_event ev = {.num = ++e->num, .cpu = raw->cpu, .flags = raw->flags, .offset = raw->offset};
	if (ev_decode(cur, ((const struct ev_hdr *)cur)->len, &ev.ev) != 0)
		return eng_fail(e, -EINVAL, "%s: offset %llu: malformed event", e->src.name,
		                (unsigned long long)raw->offset);
	uint16_t type = ev.ev.hdr->type;
	e->st.numbered++;

	if (e->in_initial_state && !eng_is_initial_state(type))
		e->in_initial_state = false;
	ev.hidden = e->in_initial_state || eng_is_state_enter(type) || (raw->flags & ENG_RF_STATE_ONLY);

	if (e->hooks.parse != NULL) {
		int rc = e->hooks.parse(e->hooks.ctx, &ev);
		if (rc < 0)
			return eng_fail(e, rc, "%s: offset %llu: state update failed on event %llu", e->src.name,
			                (unsigned long long)raw->offset, (unsigned long long)ev.num);
	}
	if (ev.hidden)
		e->st.hidden++;
	else
		e->st.delivered++;
	if (e->hooks.consume == NULL || (ev.hidden && !e->hooks.want_hidden))
		return 0;
	int rc = e->hooks.consume(e->hooks.ctx, &ev);
	if (rc < 0)
		return eng_fail(e, rc, "%s: offset %llu: consumer failed on event %llu", e->src.name,
		                (unsigned long long)raw->offset, (unsigned long long)ev.num);
	return rc;
}

void eng_stop(struct eng *e)
{
	e->stop = 1;
}

int eng_push_async(struct eng *e, const struct ev_hdr *evt)
{
	if (evt == NULL || evt->len < sizeof(*evt))
		return -EINVAL;
	void *copy = malloc(evt->len);
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, evt, evt->len);
	if (asyncq_push(&e->async, copy) < 0) {
		free(copy);
		atomic_fetch_add_explicit(&e->async_dropped, 1, memory_order_relaxed);
		return -EAGAIN;
	}
	return 0;
}

/* Queued async events go first, in the order they came. They never pass
 * the converter (they are built in the current schema). */
static int eng_drain_async(struct eng *e)
{
	void *it;
	while (!e->stop && (it = asyncq_pop(&e->async)) != NULL) {
		struct eng_raw raw = {.hdr = it};
		struct ev_conv *conv = e->conv;
		e->conv = NULL;
		e->st.async_in++;
		int rc = eng_dispatch(e, &raw);
		e->conv = conv;
		free(it);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int eng_run(struct eng *e)
{
	while (!e->stop) {
		struct eng_raw raw;
		int rc = eng_drain_async(e);
		if (rc != 0)
			return rc;
		rc = e->src.next(e->src.impl, &raw);
		if (rc == ENG_EOF)
			return 0;
		if (rc == ENG_TIMEOUT) {
			if (e->hooks.idle)
				e->hooks.idle(e->hooks.ctx);
			continue;
		}
		if (rc < 0)
			return eng_fail(e, rc, "%s", e->src.error(e->src.impl));
		e->st.read++;
		rc = eng_dispatch(e, &raw);
		if (rc != 0)
			return rc;
	}
	return 0;
}

const char *eng_error(const struct eng *e)
{
	return e->err;
}

void eng_get_stats(const struct eng *e, struct eng_stats *out)
{
	*out = e->st;
	out->async_dropped = atomic_load_explicit(&e->async_dropped, memory_order_relaxed);
	memset(&out->src, 0, sizeof(out->src));
	if (e->src.stats != NULL)
		e->src.stats(e->src.impl, &out->src);
	if (e->conv != NULL)
		ev_conv_get_stats(e->conv, &out->conv);
	else
		memset(&out->conv, 0, sizeof(out->conv));
}

const struct eng_source *eng_source(const struct eng *e)
{
	return &e->src;
}
