/* core/log: level names and filtering, the stderr line format (upstream's
 * falco_logger: "<%a %b %d %H:%M:%S %Y>: <message>\n"), plugin messages
 * ("[libs]: <plugin or component>: <message>", filtered by the libs
 * severity), and lines from many threads never interleaved. stderr is
 * redirected into a temporary file and read back. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log/log.h"

static FILE *g_cap;
static int g_saved = -1;

static void capture_start(void)
{
	fflush(stderr);
	g_cap = tmpfile();
	assert_non_null(g_cap);
	g_saved = dup(2);
	dup2(fileno(g_cap), 2);
}

/* Everything logged since capture_start(); caller frees. */
static char *capture_end(void)
{
	fflush(stderr);
	dup2(g_saved, 2);
	close(g_saved);
	long n = ftell(g_cap);
	char *buf = calloc(1, (size_t)n + 1);
	rewind(g_cap);
	assert_int_equal(fread(buf, 1, (size_t)n, g_cap), (size_t)n);
	fclose(g_cap);
	return buf;
}

static void configure(const char *level, const char *libs_sev)
{
	char err[128];
	struct log_opts o = {.sz = sizeof(o), .level = level, .to_stderr = true, .libs_enabled = true,
	                     .libs_severity = libs_sev};
	assert_int_equal(log_configure(&o, err), 0);
}

/* "Www Mmm dd hh:mm:ss yyyy: " (26 bytes) then the rest of the line. */
static const char *after_stamp(const char *line)
{
	assert_true(strlen(line) > 26);
	assert_int_equal(line[3], ' ');
	assert_int_equal(line[7], ' ');
	assert_int_equal(line[10], ' ');
	assert_int_equal(line[13], ':');
	assert_int_equal(line[16], ':');
	assert_int_equal(line[19], ' ');
	assert_memory_equal(line + 24, ": ", 2);
	return line + 26;
}

static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(log_level_parse("emergency"), LOG_LVL_EMERG);
	assert_int_equal(log_level_parse("critical"), LOG_LVL_CRIT);
	assert_int_equal(log_level_parse("debug"), LOG_LVL_DEBUG);
	assert_int_equal(log_level_parse("warn"), -1);
	char err[128];
	struct log_opts bad = {.sz = sizeof(bad), .level = "loud"};
	assert_int_equal(log_configure(&bad, err), -1);
	assert_string_equal(err, "Unknown log level loud");
	configure("warning", "info");
	assert_true(log_enabled(LOG_LVL_ERR));
	assert_false(log_enabled(LOG_LVL_INFO));
	capture_start();
	log_msg(LOG_LVL_INFO, "hidden %d", 1);
	log_msg(LOG_LVL_ERR, "shown %d\n", 2); /* one newline, not two */
	char *out = capture_end();
	assert_string_equal(after_stamp(out), "shown 2\n");
	free(out);
}

static void test_plugin_messages(void **state)
{
	(void)state;
	configure("error", "info"); /* plugin lines are not filtered by log_level */
	capture_start();
	log_plugin("probe", NULL, "hello", 6);            /* info */
	log_plugin("probe", "probe-detail", "detail", 7); /* debug: over libs severity */
	log_plugin("probe", "worker", "oops", 3);         /* error */
	char *out = capture_end();
	char *nl = strchr(out, '\n');
	assert_non_null(nl);
	*nl = 0;
	assert_string_equal(after_stamp(out), "[libs]: probe: hello");
	assert_string_equal(after_stamp(nl + 1), "[libs]: worker: oops\n");
	free(out);
}

#define THREADS 4
#define PER_THREAD 300

static void *writer(void *arg)
{
	long t = (long)arg;
	for (int i = 0; i < PER_THREAD; i++)
		log_msg(LOG_LVL_ERR, "thread %ld message %d %s", t, i,
		        "................................................................................");
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	configure("info", "info");
	capture_start();
	pthread_t th[THREADS];
	for (long t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, writer, (void *)t);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	char *out = capture_end();
	int seen[THREADS] = {0}, lines = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		long t;
		int i, n = 0;
		assert_int_equal(sscanf(after_stamp(line), "thread %ld message %d %n", &t, &i, &n), 2);
		assert_true(t >= 0 && t < THREADS);
		assert_int_equal(i, seen[t]++); /* each thread's lines in order, whole */
		assert_int_equal(strlen(after_stamp(line) + n), 80);
		lines++;
	}
	assert_int_equal(lines, THREADS * PER_THREAD);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_plugin_messages),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
