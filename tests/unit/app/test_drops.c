/* core/app/drops against a fake counter source, with values computed by
 * hand from upstream's rules (event_drops.cpp, libsinsp token_bucket):
 * one check per second of event time, the first one second after the first
 * event; ratio = drops / events of the interval, compared with `>`; a
 * bucket of max_burst tokens, starting full, refilled at `rate` per second
 * of event time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "app/drops.h"
#include "config/config.h"

#define S 1000000000ull
#define T0 (1000 * S)

struct fake { struct drops_counters c; unsigned reads; };

static void fake_read(void *ctx, struct drops_counters *out)
{
	struct fake *f = ctx;
	f->reads++;
	*out = f->c;
}

static struct drops *mk(struct fake *f, unsigned actions, double threshold, double rate, double burst,
                        bool simulate)
{
	struct drops_opts o = {
		.actions = actions, .threshold = threshold, .rate = rate, .max_burst = burst,
		.simulate = simulate, .log_level = -1, .read = fake_read, .read_ctx = f,
	};
	struct drops *d = drops_new(&o);
	assert_non_null(d);
	return d;
}

/* One second of traffic: `evts` events of which `drops` were lost. */
static void second(struct fake *f, uint64_t evts, uint64_t drops)
{
	f->c.n_evts += evts;
	f->c.n_drops += drops;
	f->c.n_drops_buffer += drops;
}

static void test_checks_once_per_second(void **state)
{
	(void)state;
	struct fake f = {0};
	struct drops *d = mk(&f, CFG_DROP_LOG, 0.1, 1, 10, false);
	unsigned at_init = f.reads;
	/* events every 100 ms for 3.05 s: checks at the first event after
	 * T0+1s (T0+1.1s), then after T0+2.1s (T0+2.2s): two reads */
	for (uint64_t t = T0; t <= T0 + 3 * S + S / 20; t += S / 10)
		assert_int_equal(drops_event(d, t), 0);
	assert_int_equal(f.reads - at_init, 2);
	drops_free(d);
}

static void test_threshold(void **state)
{
	(void)state;
	struct fake f = {0};
	struct drops *d = mk(&f, CFG_DROP_LOG, 0.1, 1, 10, false);
	struct drops_stats st;
	drops_event(d, T0);
	second(&f, 1000, 100);               /* ratio 0.1: not above the threshold */
	drops_event(d, T0 + S + 1);
	drops_get_stats(d, &st);
	assert_int_equal(st.detected, 0);
	second(&f, 1000, 101);               /* 0.101 > 0.1 */
	drops_event(d, T0 + 2 * S + 2);
	drops_get_stats(d, &st);
	assert_int_equal(st.detected, 1);
	assert_int_equal(st.actions, 1);
	second(&f, 1000, 0);                 /* no new drops: nothing */
	drops_event(d, T0 + 3 * S + 3);
	drops_get_stats(d, &st);
	assert_int_equal(st.detected, 1);
	drops_free(d);
}

static void test_token_bucket(void **state)
{
	(void)state;
	struct fake f = {0};
	/* rate 0.5/s, burst 1: full at start; then one token per 2 s */
	struct drops *d = mk(&f, CFG_DROP_LOG, 0, 0.5, 1, false);
	struct drops_stats st;
	drops_event(d, T0);
	for (unsigned i = 1; i <= 6; i++) {
		second(&f, 100, 50);
		drops_event(d, T0 + i * (S + 1));
	}
	drops_get_stats(d, &st);
	assert_int_equal(st.detected, 6);
	/* checks at ~1,2,3,4,5,6 s: claims at 1 (full), 2 (0.5), 3 (1.0: ok),
	 * 4 (0.5), 5 (1.0: ok), 6 (0.5) */
	assert_int_equal(st.actions, 3);
	drops_free(d);
}

static void test_exit_and_ignore(void **state)
{
	(void)state;
	struct fake f = {0};
	struct drops *d = mk(&f, CFG_DROP_EXIT, 0.1, 1, 1, false);
	drops_event(d, T0);
	second(&f, 10, 5);
	assert_int_equal(drops_event(d, T0 + 2 * S), -1);
	drops_free(d);

	struct fake g = {0};
	d = mk(&g, CFG_DROP_IGNORE, 0.1, 1, 1, false);
	drops_event(d, T0);
	second(&g, 10, 5);
	assert_int_equal(drops_event(d, T0 + 2 * S), 0);
	struct drops_stats st;
	drops_get_stats(d, &st);
	assert_int_equal(st.detected, 1);    /* detected and counted, nothing done */
	drops_free(d);
}

/* simulate_drops: one drop per check even with no counters at all, and
 * the threshold forced to 0 (upstream: a zero-event interval still counts). */
static void test_simulate(void **state)
{
	(void)state;
	struct drops_opts o = { .actions = CFG_DROP_LOG, .threshold = 1, .rate = 1, .max_burst = 1,
	                        .simulate = true, .log_level = -1 };
	struct drops *d = drops_new(&o);
	assert_non_null(d);
	for (uint64_t t = T0; t < T0 + 5 * S; t += S / 2)
		drops_event(d, t);
	struct drops_stats st;
	drops_get_stats(d, &st);
	/* events at 0, .5, ..., 4.5 s: checks at 1.5 and 3.0 (first event
	 * strictly after the deadline, next deadline one second later), 4.5 */
	assert_int_equal(st.detected, 3);
	assert_int_equal(st.actions, 3);
	drops_free(d);
}

static void test_log_levels(void **state)
{
	(void)state;
	assert_int_equal(drops_log_level("emergency"), 0);
	assert_int_equal(drops_log_level("info"), 6);
	assert_int_equal(drops_log_level("debug"), 7);
	assert_int_equal(drops_log_level("verbose"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checks_once_per_second),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_token_bucket),
		cmocka_unit_test(test_exit_and_ignore),
		cmocka_unit_test(test_simulate),
		cmocka_unit_test(test_log_levels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
