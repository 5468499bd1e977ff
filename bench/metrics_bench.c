/*
 * core/metrics costs: metrics_poll() between ticks (what every event pays)
 * and one snapshot's parts (procfs and machine facts, the state counters of
 * a thread table filled from this machine's /proc, output_fields and the
 * JSON line, the Prometheus text).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "config/config.h"
#include "metrics/metrics.h"
#include "state/state.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	struct falco_config *c = NULL;
	struct cfg_err cerr;
	if (cfg_load_string("metrics: {enabled: true, interval: 1h, output_file: /dev/null}\n", "bench.yaml", NULL, 0, &c,
	                    NULL, &cerr) < 0)
		return 1;
	struct metrics_opts o = {.sz = sizeof(o), .cfg = c, .version = "bench"};
	struct metrics *m;
	char err[256];
	if (metrics_new(&o, &m, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* no tick within the hour: the poll only compares */
	struct metrics_src *s = metrics_add_source(m, "syscall", NULL, NULL, NULL, NULL, 0);
	const long polls = 200000000;
	double t0 = now_s();
	for (long i = 0; i < polls; i++) {
		metrics_poll(s);
		__asm__ volatile("" ::: "memory");
	}
	double t1 = now_s();
	printf("metrics_poll between ticks: %.2f ns per event (%ld calls)\n", (t1 - t0) * 1e9 / polls, polls);

	struct st_state *st = st_new(NULL);
	st_scan_proc(st, "/proc");
	const int n = 200;
	double tw = 0, tr = 0, ts = 0, tf = 0, tp = 0;
	size_t nvals = 0, nthreads = 0;
	for (int i = 0; i < n; i++) {
		struct metrics_snapshot snap = {.source = "syscall", .version = "bench", .now_ns = (uint64_t)i * 1000000000ull};
		double a = now_s();
		metrics_collect_wrapper(&snap, "/proc");
		double b = now_s();
		metrics_collect_resources(&snap, "/proc");
		double c2 = now_s();
		metrics_collect_state(&snap, st);
		double d = now_s();
		struct metrics_prev prev = {0};
		struct metrics_render_opts ro = {true, false};
		struct metrics_fields f;
		metrics_output_fields(&snap, &ro, &prev, &f);
		free(metrics_json_line(&f, 1));
		metrics_fields_free(&f);
		double e = now_s();
		const struct metrics_snapshot *one[] = {&snap};
		free(metrics_prometheus(one, 1));
		double g = now_s();
		tw += b - a, tr += c2 - b, ts += d - c2, tf += e - d, tp += g - e;
		nvals = snap.nvals;
		nthreads = snap.vals[nvals - 7].v.u64; /* n_threads */
		metrics_snap_clear(&snap);
	}
	printf("snapshot parts, mean of %d (%zu values, %zu threads in the table):\n", n, nvals, nthreads);
	printf("  wrapper (uname, btime, netinfo): %8.1f us\n", tw * 1e6 / n);
	printf("  resources (procfs):              %8.1f us\n", tr * 1e6 / n);
	printf("  state counters:                  %8.1f us\n", ts * 1e6 / n);
	printf("  output_fields + JSON line:       %8.1f us\n", tf * 1e6 / n);
	printf("  Prometheus text:                 %8.1f us\n", tp * 1e6 / n);
	st_free(st);
	metrics_free(m);
	cfg_free(c);
	return 0;
}
