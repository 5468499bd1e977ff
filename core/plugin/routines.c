/* Routines: recurring work a capture-listening plugin subscribes during
 * capture_open(). Each routine gets its own thread that calls it until it
 * returns false, it is unsubscribed, or the capture closes. (Upstream uses
 * a shared pool; one thread per routine keeps slow routines from delaying
 * each other and plugins subscribe one or two.) */
#include <errno.h>
#include <stdlib.h>

#include "plugin/internal.h"

struct ph_routine {
	struct ph_plugin *p;
	ss_plugin_routine_fn_t fn;
	ss_plugin_routine_state_t *state;
	pthread_t thread;
	int stop;                /* atomic: asked to stop */
	bool detached;           /* unsubscribed from its own thread: frees itself */
	struct ph_routine *next; /* in p->routines, under routines_lock */
};

static void *run(void *arg)
{
	struct ph_routine *r = arg;
	ph_mark_enter(r->p, "routine"); /* this thread only runs the routine */
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
		if (!r->fn(r->p->state, r->state))
			break;
	if (r->detached)
		free(r);
	return NULL;
}

static ss_plugin_routine_t *subscribe(ss_plugin_owner_t *o, ss_plugin_routine_fn_t f, ss_plugin_routine_state_t *i)
{
	struct ph_plugin *p = o;
	struct ph_routine *r = calloc(1, sizeof(*r));
	if (!r || !f) {
		free(r);
		ph_set_owner_error(o, "cannot subscribe routine");
		return NULL;
	}
	r->p = p;
	r->fn = f;
	r->state = i;
	pthread_mutex_lock(&p->routines_lock);
	if (pthread_create(&r->thread, NULL, run, r) != 0) {
		pthread_mutex_unlock(&p->routines_lock);
		free(r);
		ph_set_owner_error(o, "cannot start a thread for the routine");
		return NULL;
	}
	r->next = p->routines;
	p->routines = r;
	pthread_mutex_unlock(&p->routines_lock);
	return r;
}

/* Stops and frees r (already unlinked). A routine unsubscribing itself
 * cannot join its own thread: it is detached instead. */
static void finish(struct ph_routine *r)
{
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	if (pthread_equal(r->thread, pthread_self())) {
		r->detached = true; /* run() frees it once the routine returns */
		pthread_detach(r->thread);
		return;
	}
	pthread_join(r->thread, NULL);
	free(r);
}

static ss_plugin_rc unsubscribe(ss_plugin_owner_t *o, ss_plugin_routine_t *handle)
{
	struct ph_plugin *p = o;
	struct ph_routine **pp, *found = NULL;
	pthread_mutex_lock(&p->routines_lock);
	for (pp = &p->routines; *pp; pp = &(*pp)->next)
		if (*pp == handle) {
			found = *pp;
			*pp = found->next;
			break;
		}
	pthread_mutex_unlock(&p->routines_lock);
	if (!found) {
		ph_set_owner_error(o, "unknown routine");
		return SS_PLUGIN_FAILURE;
	}
	finish(found);
	return SS_PLUGIN_SUCCESS;
}

void ph_routines_stop_all(struct ph_plugin *p)
{
	pthread_mutex_lock(&p->routines_lock);
	struct ph_routine *r = p->routines;
	p->routines = NULL;
	pthread_mutex_unlock(&p->routines_lock);
	while (r) {
		struct ph_routine *next = r->next;
		finish(r);
		r = next;
	}
}

ss_plugin_routine_vtable *ph_routine_vtable(void)
{
	static ss_plugin_routine_vtable vt = {subscribe, unsubscribe};
	return &vt;
}
