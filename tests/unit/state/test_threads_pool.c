/* Strings of a state freed on another thread (engine threads, plugin
 * threads) go to that thread's string pool; the pool must be released when
 * that thread exits. Run under LeakSanitizer: a leak fails the test. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "state/state.h"

static void *churn(void *arg)
{
	struct st_thread *t = arg;
	char name[64];
	for (int i = 0; i < 1000; i++) {
		/* each replacement frees the previous string into this thread's pool */
		int n = snprintf(name, sizeof name, "/usr/bin/program-%d", i);
		st_proc_set(&t->proc->exepath, name, (size_t)n);
		st_proc_set_list(&t->proc->args, &t->proc->args_len, "a\0b\0", 4);
	}
	return NULL;
}

static void other_thread_frees(void **state)
{
	(void)state;
	struct st_state *st = st_new(NULL);
	struct st_thread *t = st_add_thread(st, 100, 100, 1);
	assert_non_null(t);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, churn, t), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_string_equal(t->proc->exepath, "/usr/bin/program-999");
	st_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(other_thread_frees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
