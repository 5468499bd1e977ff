/*
 * Several engines, one thread each (DESIGN.md "Threads"): every source
 * owns its state, its rulesets and its extraction context, so the threads
 * share nothing but the output queue and the async queues, both lock-free
 * or internally synchronised.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "engine/engine.h"

struct runner {
	struct eng *e;
	int rc;
	struct eng *const *all;  /* every engine, to stop them when this one fails */
	size_t n;
};

static void *runner_main(void *arg)
{
	struct runner *r = arg;
	r->rc = eng_run(r->e);
	if (r->rc < 0)
		for (size_t i = 0; i < r->n; i++)
			eng_stop(r->all[i]);
	return NULL;
}

int eng_run_all(struct eng *const *engines, size_t n, int *rcs)
{
	if (n == 1) { /* no thread needed: keep signals and stacks simple */
		rcs[0] = eng_run(engines[0]);
		return 0;
	}
	struct runner *rs = calloc(n, sizeof(*rs));
	pthread_t *th = calloc(n, sizeof(*th));
	if (rs == NULL || th == NULL) {
		free(rs);
		free(th);
		return -ENOMEM;
	}
	size_t started = 0;
	int err = 0;
	for (; started < n; started++) {
		rs[started] = (struct runner){.e = engines[started], .all = engines, .n = n};
		if ((err = pthread_create(&th[started], NULL, runner_main, &rs[started])) != 0)
			break;
	}
	if (err)
		for (size_t i = 0; i < n; i++)
			eng_stop(engines[i]);
	for (size_t i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		rcs[i] = rs[i].rc;
	}
	free(rs);
	free(th);
	return err ? -err : 0;
}
