/*
 * The async path of core/engine: eng_push_async from several producer
 * threads into one engine, eng_run_all over several engines.
 *
 * Checked by construction: each producer sends its own sequence 0..K-1 in
 * the event's tid field, so the consumer can verify that nothing is lost,
 * duplicated or reordered per producer; a full queue refuses (-EAGAIN) and
 * counts instead of blocking.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/asyncq.h"
#include "engine/engine.h"

#define PRODUCERS 4
#define PER_PRODUCER 20000

/* A live-like source that never yields events, only timeouts, until the
 * consumer has seen everything. */
struct idle_src {
	int unused;
};

static int idle_next(void *impl, struct eng_raw *out)
{
	(void)impl;
	(void)out;
	return ENG_TIMEOUT;
}
static const char *idle_error(const void *impl) { (void)impl; return "idle"; }
static void idle_close(void *impl) { (void)impl; }

struct seen {
	struct eng *e;
	uint64_t next[PRODUCERS]; /* next sequence number expected per producer */
	uint64_t total, bad;
};

/* An async-like event: header only, type 402, tid = producer << 32 | seq. */
static void make_evt(struct ev_hdr *h, uint64_t producer, uint64_t seq)
{
	memset(h, 0, sizeof(*h));
	h->ts = 1;
	h->tid = producer << 32 | seq;
	h->len = sizeof(*h);
	h->type = EV_ASYNCEVENT_E;
	h->nparams = 0;
}

static int consume(void *ctx, const struct eng_event *ev)
{
	struct seen *s = ctx;
	uint64_t p = ev->ev.hdr->tid >> 32, seq = ev->ev.hdr->tid & 0xffffffffu;
	if (p >= PRODUCERS || seq != s->next[p])
		s->bad++;
	else
		s->next[p]++;
	if (++s->total == (uint64_t)PRODUCERS * PER_PRODUCER)
		eng_stop(s->e);
	return 0;
}

struct prod {
	struct eng *e;
	uint64_t id;
};

static void *producer(void *arg)
{
	struct prod *p = arg;
	struct ev_hdr h;
	for (uint64_t seq = 0; seq < PER_PRODUCER;) {
		make_evt(&h, p->id, seq);
		int rc = eng_push_async(p->e, &h);
		if (rc == 0)
			seq++;
		else if (rc != -EAGAIN)
			return (void *)1;
	}
	return NULL;
}

static struct eng *idle_engine(struct seen *s)
{
	char err[ENG_ERR_LEN];
	struct eng_source src = {.kind = "test", .name = "idle", .next = idle_next, .error = idle_error,
	                         .close = idle_close};
	struct eng_hooks hooks = {.ctx = s, .consume = consume, .want_hidden = true};
	return eng_new(&src, &hooks, err);
}

static void test_many_producers(void **state)
{
	(void)state;
	static struct seen s;
	memset(&s, 0, sizeof(s));
	s.e = idle_engine(&s);
	assert_non_null(s.e);
	pthread_t th[PRODUCERS];
	struct prod ps[PRODUCERS];
	for (int i = 0; i < PRODUCERS; i++) {
		ps[i] = (struct prod){s.e, (uint64_t)i};
		assert_int_equal(pthread_create(&th[i], NULL, producer, &ps[i]), 0);
	}
	int rc = -1;
	struct eng *all[1] = {s.e};
	assert_int_equal(eng_run_all(all, 1, &rc), 0);
	assert_int_equal(rc, 0);
	for (int i = 0; i < PRODUCERS; i++) {
		void *ret;
		pthread_join(th[i], &ret);
		assert_null(ret);
	}
	assert_int_equal(s.bad, 0);
	assert_int_equal(s.total, (uint64_t)PRODUCERS * PER_PRODUCER);
	struct eng_stats st;
	eng_get_stats(s.e, &st);
	assert_int_equal(st.async_in, (uint64_t)PRODUCERS * PER_PRODUCER);
	eng_free(s.e);
}

static void test_full_queue_refuses(void **state)
{
	(void)state;
	static struct seen s;
	memset(&s, 0, sizeof(s));
	s.e = idle_engine(&s);
	assert_non_null(s.e);
	struct ev_hdr h;
	unsigned ok = 0;
	for (unsigned i = 0; i < ENG_ASYNC_QUEUE_CAP + 10; i++) {
		make_evt(&h, 0, i);
		ok += eng_push_async(s.e, &h) == 0;
	}
	assert_int_equal(ok, ENG_ASYNC_QUEUE_CAP);
	struct eng_stats st;
	eng_get_stats(s.e, &st);
	assert_int_equal(st.async_dropped, 10);
	h.len = 3; /* shorter than a header */
	assert_int_equal(eng_push_async(s.e, &h), -EINVAL);
	eng_free(s.e); /* frees what is still queued (ASan checks) */
}

/* Several engines, one thread each: all run to their end. */
static int count_consume(void *ctx, const struct eng_event *ev)
{
	(void)ev;
	(*(int *)ctx)++;
	return 0;
}

struct n_src {
	int left;
	uint8_t buf[sizeof(struct ev_hdr)];
};

static int n_next(void *impl, struct eng_raw *out)
{
	struct n_src *n = impl;
	if (n->left == 0)
		return ENG_EOF;
	n->left--;
	make_evt((struct ev_hdr *)n->buf, 0, 0);
	*out = (struct eng_raw){.hdr = (const struct ev_hdr *)n->buf};
	return 0;
}

static void test_run_all(void **state)
{
	(void)state;
	enum { N = 3 };
	struct n_src srcs[N];
	int counts[N] = {0}, rcs[N];
	struct eng *es[N];
	for (int i = 0; i < N; i++) {
		char err[ENG_ERR_LEN];
		srcs[i].left = 1000 * (i + 1);
		struct eng_source src = {.kind = "test", .name = "n", .impl = &srcs[i], .next = n_next,
		                         .error = idle_error, .close = idle_close};
		struct eng_hooks hooks = {.ctx = &counts[i], .consume = count_consume, .want_hidden = true};
		es[i] = eng_new(&src, &hooks, err);
		assert_non_null(es[i]);
	}
	assert_int_equal(eng_run_all(es, N, rcs), 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(rcs[i], 0);
		assert_int_equal(counts[i], 1000 * (i + 1));
		eng_free(es[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_producers),
		cmocka_unit_test(test_full_queue_refuses),
		cmocka_unit_test(test_run_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
