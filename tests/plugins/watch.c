/*
 * Test plugin "watch": extraction + parsing for every event source (it
 * names none), recording which threads call each of its instances.
 *
 * Each instance (plugin_init) remembers the first thread that called
 * extract_fields or parse_event; a call from any other thread, or a call
 * while another is in progress, is a violation of "an instance is used by
 * one source thread at a time". Fields:
 *   watch.threads     distinct threads that have called this instance
 *   watch.overlaps    calls that began while another call was running
 *   watch.instance    this instance's number (1, 2, ... in init order)
 * Each call on a plugin event sleeps 200 us to widen the window for
 * overlaps. By default it takes plugin events (322) only; with init config
 * "all" it takes every event code of every source (upstream's default for
 * a plugin that names no codes), so that it serves the syscall source too.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin_api.h"
#include "plugin_events.h"

struct state {
	char err[PLUGIN_MAX_ERRLEN];
	pthread_t first;
	int have_first;
	uint64_t threads, overlaps, instance;
	int busy; /* calls in progress */
	int all;  /* init config "all" */
	uint64_t out[3];
};

const char *plugin_get_required_api_version(void) { return "3.0.0"; }
const char *plugin_get_version(void) { return "0.1.0"; }
const char *plugin_get_name(void) { return "watch"; }
const char *plugin_get_description(void) { return "watches which threads call it"; }
const char *plugin_get_contact(void) { return "tests"; }
/* needed once it takes syscall events ("all") */
const char *plugin_get_required_event_schema_version(void) { return "4.0.0"; }

ss_plugin_t *plugin_init(const ss_plugin_init_input *in, ss_plugin_rc *rc)
{
	(void)in;
	static uint64_t inits;
	struct state *s = calloc(1, sizeof(*s));
	if (s) {
		s->instance = __atomic_add_fetch(&inits, 1, __ATOMIC_SEQ_CST);
		s->all = in->config && strcmp(in->config, "all") == 0;
	}
	*rc = s ? SS_PLUGIN_SUCCESS : SS_PLUGIN_FAILURE;
	return s;
}

void plugin_destroy(ss_plugin_t *s) { free(s); }

const char *plugin_get_last_error(ss_plugin_t *s) { return ((struct state *)s)->err; }

/* Records the calling thread; a second thread is counted once each time
 * it differs from the first (any count above 1 is the violation). */
static void enter(struct state *s, const ss_plugin_event_input *evt)
{
	if (__atomic_add_fetch(&s->busy, 1, __ATOMIC_SEQ_CST) > 1)
		__atomic_add_fetch(&s->overlaps, 1, __ATOMIC_SEQ_CST);
	pthread_t self = pthread_self();
	if (!__atomic_exchange_n(&s->have_first, 1, __ATOMIC_SEQ_CST)) {
		s->first = self;
		__atomic_store_n(&s->threads, 1, __ATOMIC_SEQ_CST);
	} else if (!pthread_equal(s->first, self)) {
		__atomic_store_n(&s->threads, 2, __ATOMIC_SEQ_CST);
	}
	if (evt->evt->type == PLUGIN_EVT_PLUGINEVENT)
		usleep(200);
}

static void leave(struct state *s) { __atomic_sub_fetch(&s->busy, 1, __ATOMIC_SEQ_CST); }

const char *plugin_get_fields(void)
{
	return "[{\"type\":\"uint64\",\"name\":\"watch.threads\",\"desc\":\"threads that called this instance\"},"
	       "{\"type\":\"uint64\",\"name\":\"watch.overlaps\",\"desc\":\"concurrent calls seen\"},"
	       "{\"type\":\"uint64\",\"name\":\"watch.instance\",\"desc\":\"instance number\"}]";
}

/* [322], or none (the host's default: every code) with "all". */
static uint16_t *codes(uint32_t *n, ss_plugin_t *p)
{
	static uint16_t plugin_only[] = {PLUGIN_EVT_PLUGINEVENT};
	*n = ((struct state *)p)->all ? 0 : 1;
	return plugin_only;
}

uint16_t *plugin_get_extract_event_types(uint32_t *n, ss_plugin_t *s) { return codes(n, s); }
uint16_t *plugin_get_parse_event_types(uint32_t *n, ss_plugin_t *s) { return codes(n, s); }

ss_plugin_rc plugin_extract_fields(ss_plugin_t *p, const ss_plugin_event_input *evt,
                                   const ss_plugin_field_extract_input *in)
{
	struct state *s = p;
	enter(s, evt);
	s->out[0] = __atomic_load_n(&s->threads, __ATOMIC_SEQ_CST);
	s->out[1] = __atomic_load_n(&s->overlaps, __ATOMIC_SEQ_CST);
	s->out[2] = s->instance;
	for (uint32_t k = 0; k < in->num_fields; k++) {
		uint32_t id = in->fields[k].field_id;
		in->fields[k].res.u64 = &s->out[id < 3 ? id : 0];
		in->fields[k].res_len = 1;
	}
	leave(s);
	return SS_PLUGIN_SUCCESS;
}

ss_plugin_rc plugin_parse_event(ss_plugin_t *p, const ss_plugin_event_input *evt, const ss_plugin_event_parse_input *in)
{
	(void)in;
	struct state *s = p;
	enter(s, evt);
	leave(s);
	return SS_PLUGIN_SUCCESS;
}
