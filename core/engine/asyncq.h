/* core/engine internal: the bounded lock-free queue behind eng_push_async. */
#ifndef FALCO_CORE_ENGINE_ASYNCQ_H
#define FALCO_CORE_ENGINE_ASYNCQ_H

#include <stdatomic.h>
#include <stddef.h>

struct asyncq_cell {
	atomic_size_t seq;  /* the position this cell is ready for (see asyncq.c) */
	void *item;         /* owned by the queue while queued */
};

struct asyncq {
	struct asyncq_cell *cells; /* owned; cap entries */
	size_t mask;               /* cap - 1 (cap is a power of two) */
	atomic_size_t tail;        /* next position producers claim */
	size_t head;               /* next position the one consumer reads */
};

/* cap is rounded up to a power of two. Returns 0 or -ENOMEM. */
int asyncq_init(struct asyncq *q, size_t cap);
/* Frees what is still queued (with free()) and the cells. */
void asyncq_fini(struct asyncq *q);
/* Any thread. 0, or -EAGAIN when full (item not taken). */
int asyncq_push(struct asyncq *q, void *item);
/* The consumer thread only. The oldest item (now the caller's), or NULL. */
void *asyncq_pop(struct asyncq *q);

#endif
