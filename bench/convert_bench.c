/* Replay pipeline benchmark: the events of an old shared capture (enter/exit
 * pairs, old layouts: every exit is rewritten), held in memory and repeated
 * to at least 1,000,000 events, timed through
 *   1. the converter alone,
 *   2. the engine loop (convert, number, hide) with core/state applying
 *      every numbered event.
 * Each repetition runs on other thread ids (tid + round << 40), so that an
 * enter event left stored at the end of one repetition does not meet the
 * next one's exit events (a mismatch the converter reports, as upstream).
 * Prints the median of several runs in events/s and ns per event.
 * usage: convert_bench [SOURCE.scap] */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/capture.h"
#include "engine/engine.h"
#include "state/state.h"

#define TARGET_EVENTS 1000000u
#define RUNS 5

struct mem {
	uint8_t **ev;   /* owned copies; their tid is rewritten per round */
	uint64_t *tid;  /* the original tids */
	uint16_t *cpu;
	size_t n;       /* events in the capture */
	size_t rounds;  /* times the capture is replayed per run */
	size_t i, round;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void load(const char *path, struct mem *m)
{
	char err[CAP_ERR_LEN];
	struct cap_reader *r = cap_open(path, NULL, err);
	if (r == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	size_t cap = 4096;
	m->ev = malloc(cap * sizeof(*m->ev));
	m->cpu = malloc(cap * sizeof(*m->cpu));
	m->tid = malloc(cap * sizeof(*m->tid));
	struct cap_event ev;
	while (cap_next(r, &ev) == 0) {
		if (m->n == cap) {
			cap *= 2;
			m->ev = realloc(m->ev, cap * sizeof(*m->ev));
			m->cpu = realloc(m->cpu, cap * sizeof(*m->cpu));
			m->tid = realloc(m->tid, cap * sizeof(*m->tid));
		}
		struct ev_hdr h;
		memcpy(&h, ev.hdr, sizeof(h));
		m->ev[m->n] = malloc(h.len);
		memcpy(m->ev[m->n], ev.hdr, h.len);
		m->tid[m->n] = h.tid;
		m->cpu[m->n++] = ev.cpu;
	}
	cap_close(r);
	if (m->n == 0) {
		fprintf(stderr, "%s: no events\n", path);
		exit(1);
	}
	m->rounds = (TARGET_EVENTS + m->n - 1) / m->n;
}

/* Event i of round r, its tid moved to round r's range. */
static const struct ev_hdr *event(const struct mem *m, size_t i, size_t r)
{
	uint64_t tid = m->tid[i] + ((uint64_t)r << 40);
	memcpy(m->ev[i] + offsetof(struct ev_hdr, tid), &tid, sizeof(tid));
	return (const struct ev_hdr *)m->ev[i];
}

static double run_converter(const struct mem *m, uint64_t *passed)
{
	struct ev_conv *c = ev_conv_new(0);
	double t0 = now();
	*passed = 0;
	for (size_t r = 0; r < m->rounds; r++) {
		for (size_t i = 0; i < m->n; i++) {
			const void *out;
			const struct ev_hdr *h = event(m, i, r);
			int rc = ev_conv_next(c, h, h->len, &out);
			if (rc < 0) {
				fprintf(stderr, "convert: %s\n", ev_conv_error(c));
				exit(1);
			}
			*passed += rc == EV_CONV_PASS;
		}
	}
	double dt = now() - t0;
	ev_conv_free(c);
	return dt;
}

static int mem_next(void *impl, struct eng_raw *out)
{
	struct mem *m = impl;
	if (m->i == m->n) {
		if (++m->round == m->rounds)
			return ENG_EOF;
		m->i = 0;
	}
	out->hdr = event(m, m->i, m->round);
	out->cpu = m->cpu[m->i];
	out->flags = 0;
	out->offset = m->i++;
	return 0;
}

static const char *mem_error(const void *impl)
{
	(void)impl;
	return "";
}

static void mem_close(void *impl)
{
	(void)impl;
}

static int on_parse(void *ctx, const struct eng_event *ev)
{
	st_apply(ctx, &ev->ev, ev->cpu);
	return 0;
}

static double run_pipeline(struct mem *m, uint64_t *numbered)
{
	struct st_state *st = st_new(NULL);
	m->i = 0;
	m->round = 0;
	struct eng_source src = {.kind = "bench", .name = "memory", .convert = true, .is_capture = true, .impl = m,
	                         .next = mem_next, .error = mem_error, .close = mem_close};
	struct eng_hooks hooks = {.ctx = st, .parse = on_parse};
	char err[ENG_ERR_LEN];
	struct eng *e = eng_new(&src, &hooks, err);
	if (e == NULL || st == NULL) {
		fprintf(stderr, "engine: %s\n", err);
		exit(1);
	}
	double t0 = now();
	if (eng_run(e) < 0) {
		fprintf(stderr, "engine: %s\n", eng_error(e));
		exit(1);
	}
	double dt = now() - t0;
	struct eng_stats s;
	eng_get_stats(e, &s);
	*numbered = s.numbered;
	eng_free(e);
	st_free(st);
	return dt;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : SHARED_DIR "/captures/curl_google.scap";
	static struct mem m;
	load(path, &m);
	size_t total = m.n * m.rounds;
	printf("source: %s, %zu events x %zu = %zu events per run, median of %d runs\n", path, m.n, m.rounds,
	       total, RUNS);

	double t[RUNS];
	uint64_t out = 0;
	for (int i = 0; i < RUNS; i++)
		t[i] = run_converter(&m, &out);
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	printf("converter:         %.2f M events/s, %.1f ns/event (%llu delivered per run)\n",
	       total / t[RUNS / 2] / 1e6, t[RUNS / 2] * 1e9 / total, (unsigned long long)out);

	for (int i = 0; i < RUNS; i++)
		t[i] = run_pipeline(&m, &out);
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	printf("engine loop+state: %.2f M events/s, %.1f ns/event (%llu numbered per run)\n",
	       total / t[RUNS / 2] / 1e6, t[RUNS / 2] * 1e9 / total, (unsigned long long)out);

	for (size_t i = 0; i < m.n; i++)
		free(m.ev[i]);
	free(m.ev);
	free(m.cpu);
	free(m.tid);
	return 0;
}
