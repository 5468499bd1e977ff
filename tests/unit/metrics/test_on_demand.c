/*
 * core/metrics' on-demand snapshots (metrics_prometheus_now, for the web
 * server's /metrics): the source's own thread takes the snapshot when it
 * next polls (here an idle loop calling metrics_poll_idle, as an engine
 * does on its timeouts); nothing is emitted to output_file; a source whose
 * thread never answers costs one wait only, then its latest is used.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "engine/engine.h"
#include "metrics/metrics.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct idler {
	struct metrics_src *src;
	atomic_bool stop;
	pthread_t t;
};

static void *idle_loop(void *arg)
{
	struct idler *i = arg;
	while (!atomic_load(&i->stop)) {
		metrics_poll_idle(i->src);
		usleep(5000);
	}
	return NULL;
}

static struct eng *replay_engine(void)
{
	char cap[512], err[ENG_ERR_LEN];
	snprintf(cap, sizeof(cap), "%s/captures/cat_write.scap", getenv("SHARED_DIR"));
	struct eng_source src;
	assert_int_equal(eng_replay_open(cap, &src, err), 0);
	struct eng_hooks hooks = {0};
	struct eng *e = eng_new(&src, &hooks, err);
	assert_non_null(e);
	return e;
}

static void on_demand(void **state)
{
	(void)state;
	char out[] = "/tmp/metrics_on_demand_XXXXXX", yaml[512];
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	snprintf(yaml, sizeof(yaml),
	         "metrics: {enabled: true, interval: 1h, output_rule: false, output_file: %s}\n", out);
	struct falco_config *c = NULL;
	struct cfg_err cerr;
	assert_int_equal(cfg_load_string(yaml, "t.yaml", NULL, 0, &c, NULL, &cerr), 0);
	struct metrics_opts o = {.sz = sizeof(o), .cfg = c, .version = "t"};
	struct metrics *m = NULL;
	char err[512];
	assert_int_equal(metrics_new(&o, &m, err, sizeof(err)), 0);

	struct eng *e1 = replay_engine(), *e2 = replay_engine();
	struct idler a = {.src = metrics_add_source(m, "syscall", e1, NULL, NULL, NULL, 0)};
	struct metrics_src *mute = metrics_add_source(m, "other", e2, NULL, NULL, NULL, 0);
	assert_non_null(a.src);
	assert_non_null(mute);
	assert_int_equal(pthread_create(&a.t, NULL, idle_loop, &a), 0);

	/* first request: the idle thread answers, the mute source costs the wait */
	double t0 = now_s();
	char *text = metrics_prometheus_now(m, 300);
	double took = now_s() - t0;
	assert_non_null(text);
	assert_true(took >= 0.29 && took < 2.0);
	assert_non_null(strstr(text, "falcosecurity_falco_version_info{version=\"t\"} 1\n"));
	free(text);
	/* the mute source is not waited for again: the answer comes at once */
	t0 = now_s();
	text = metrics_prometheus_now(m, 3000);
	assert_true(now_s() - t0 < 1.0);
	assert_non_null(text);
	free(text);
	/* on-demand snapshots are not emitted */
	struct stat st;
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(metrics_samples(m), 0);

	atomic_store(&a.stop, true);
	pthread_join(a.t, NULL);
	metrics_stop(m);
	/* after the stop: the final snapshots, no waiting */
	t0 = now_s();
	text = metrics_prometheus_now(m, 3000);
	assert_true(now_s() - t0 < 1.0);
	assert_non_null(text);
	free(text);
	eng_free(e1);
	eng_free(e2);
	metrics_free(m);
	cfg_free(c);
	unlink(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(on_demand)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
