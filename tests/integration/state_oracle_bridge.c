/* The oracle test's bridge (oracle_state.h) backed by core/state: capture
 * lists loaded at start, every numbered event applied, fd descriptions and
 * comms answered from the tables. */
#include <stdlib.h>

#include "oracle_state.h"
#include "state/state.h"

struct oracle_state {
	struct st_state *st;
	struct ev_resolver res;
};

struct oracle_state *oracle_state_new(const struct cap_meta *meta)
{
	struct oracle_state *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->st = st_new(NULL);
	if (!s->st) {
		free(s);
		return NULL;
	}
	if (meta)
		st_import_capture(s->st, meta);
	st_resolver(s->st, &s->res);
	return s;
}

void oracle_state_free(struct oracle_state *s)
{
	if (!s)
		return;
	st_free(s->st);
	free(s);
}

int oracle_state_parse(struct oracle_state *s, const struct eng_event *ev)
{
	st_apply(s->st, &ev->ev, ev->cpu);
	return 0;
}

const struct ev_resolver *oracle_state_resolver(struct oracle_state *s)
{
	return &s->res;
}

char oracle_state_event_fd_type(struct oracle_state *s, const struct ev_view *v)
{
	(void)v;
	return st_event_fd_typechar(s->st);
}
