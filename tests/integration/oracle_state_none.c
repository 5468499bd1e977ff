/* The bridge without a state engine: no fd names, no comm. Used until
 * core/state lands; the test is not registered with it (it cannot pass). */
#include <stdlib.h>

#include "oracle_state.h"

struct oracle_state {
	int unused;
};

struct oracle_state *oracle_state_new(const struct cap_meta *meta)
{
	(void)meta;
	return calloc(1, sizeof(struct oracle_state));
}

void oracle_state_free(struct oracle_state *s)
{
	free(s);
}

int oracle_state_parse(struct oracle_state *s, const struct eng_event *ev)
{
	(void)s;
	(void)ev;
	return 0;
}

const struct ev_resolver *oracle_state_resolver(struct oracle_state *s)
{
	(void)s;
	return NULL;
}

char oracle_state_event_fd_type(struct oracle_state *s, const struct ev_view *v)
{
	(void)s;
	(void)v;
	return '\0';
}
