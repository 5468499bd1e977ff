/*
 * core/metrics' collector on a real replay (no falco binary): the ticker
 * moves while the loop waits, the first event then takes a periodic
 * snapshot (sample 1, nothing delivered yet), metrics_stop the last one
 * (the last sample) with falco.num_evts = the events upstream delivered for the
 * capture (lines of the oracle's cat_write.events.jsonl); the latest
 * snapshot renders as Prometheus text.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "engine/engine.h"
#include "metrics/metrics.h"
#include "state/state.h"

struct ctx {
	struct st_state *st;
	struct metrics_src *msrc;
};

static int on_parse(void *p, const struct eng_event *ev)
{
	struct ctx *c = p;
	metrics_poll(c->msrc);
	st_apply(c->st, &ev->ev, ev->cpu);
	return 0;
}

static int on_event(void *p, const struct eng_event *ev)
{
	(void)p;
	(void)ev;
	return 0;
}

static size_t count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = 0;
	int ch, last = '\n';
	while ((ch = fgetc(f)) != EOF) {
		if (ch == '\n')
			n++;
		last = ch;
	}
	fclose(f);
	return n + (last != '\n');
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static void replay_snapshots(void **state)
{
	(void)state;
	const char *shared = getenv("SHARED_DIR");
	assert_non_null(shared);
	char cap[512], oracle[512], out[] = "/tmp/metrics_collector_XXXXXX";
	snprintf(cap, sizeof(cap), "%s/captures/cat_write.scap", shared);
	snprintf(oracle, sizeof(oracle), "%s/oracle/cat_write.events.jsonl", shared);
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);

	char yaml[512];
	snprintf(yaml, sizeof(yaml),
	         "metrics: {enabled: true, interval: 100ms, output_rule: false, output_file: %s}\n", out);
	struct falco_config *c = NULL;
	struct cfg_err cerr;
	assert_int_equal(cfg_load_string(yaml, "t.yaml", NULL, 0, &c, NULL, &cerr), 0);
	struct metrics_opts o = {.sz = sizeof(o), .cfg = c, .version = "t"};
	struct metrics *m = NULL;
	char err[512];
	assert_int_equal(metrics_new(&o, &m, err, sizeof(err)), 0);
	assert_non_null(m);

	struct eng_source src;
	char eerr[ENG_ERR_LEN];
	assert_int_equal(eng_replay_open(cap, &src, eerr), 0);
	struct ctx x = {.st = st_new(NULL)};
	assert_int_equal(st_import_capture(x.st, eng_replay_meta(&src)), 0);
	struct eng_hooks hooks = {.ctx = &x, .parse = on_parse, .consume = on_event};
	struct eng *e = eng_new(&src, &hooks, eerr);
	assert_non_null(e);
	x.msrc = metrics_add_source(m, "syscall", e, x.st, NULL, NULL, 0);
	assert_non_null(x.msrc);
	usleep(250000); /* two ticks pass before the first event */
	assert_int_equal(eng_run(e), 0);
	metrics_stop(m);
	/* more periodic snapshots may come while the replay runs (a slow
	 * machine): one line per sample, the last one from metrics_stop */
	uint64_t samples = metrics_samples(m);
	assert_true(samples >= 2);

	const char *text = read_all(out);
	assert_int_equal(count_lines(out), samples);
	assert_non_null(strstr(text, "\"falco.num_evts\":0,"));
	assert_non_null(strstr(text, "\"sample\":1}\n"));
	const char *last = text + strlen(text) - 1;
	while (last > text && last[-1] != '\n')
		last--;
	char want[64];
	snprintf(want, sizeof(want), "\"falco.num_evts\":%zu,", count_lines(oracle));
	assert_non_null(strstr(last, want));
	snprintf(want, sizeof(want), "\"sample\":%llu}\n", (unsigned long long)samples);
	assert_non_null(strstr(last, want));
	assert_null(strstr(text, "scap.engine_name")); /* replay: no driver engine */

	char *prom = metrics_prometheus_latest(m);
	assert_non_null(prom);
	assert_non_null(strstr(prom, "\nfalcosecurity_falco_version_info{version=\"t\"} 1\n"));
	assert_non_null(strstr(prom, "# TYPE falcosecurity_scap_n_threads_total gauge\n"));
	assert_non_null(strstr(prom, "# TYPE falcosecurity_falco_memory_rss_bytes gauge\n"));
	assert_null(strstr(prom, "engine_name_info"));
	free(prom);

	eng_free(e);
	st_free(x.st);
	metrics_free(m);
	cfg_free(c);
	unlink(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(replay_snapshots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
