/* The oracle test's bridge to the state engine: loads the capture's lists,
 * updates the thread and fd tables from every numbered event, and answers
 * the printers' questions (fd descriptions, comm) and the fd type of an
 * I/O event for evt.category. */
#ifndef FALCO_TESTS_ORACLE_STATE_H
#define FALCO_TESTS_ORACLE_STATE_H

#include "engine/engine.h"
#include "event/event.h"

struct oracle_state;

/* meta may be NULL. The caller owns the result (oracle_state_free). */
struct oracle_state *oracle_state_new(const struct cap_meta *meta);
void oracle_state_free(struct oracle_state *s);
int oracle_state_parse(struct oracle_state *s, const struct eng_event *ev);
/* NULL when no state engine is linked. */
const struct ev_resolver *oracle_state_resolver(struct oracle_state *s);
/* The type char of the event's fd ('f', '4', 'u', ...), '\0' when unknown. */
char oracle_state_event_fd_type(struct oracle_state *s, const struct ev_view *v);

#endif
