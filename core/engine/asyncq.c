/*
 * A bounded multi-producer, single-consumer queue without locks.
 *
 * Each cell carries a sequence number saying whose turn it is: a cell at
 * index i is free for the producer claiming position p (p & mask == i) when
 * seq == p, and holds an item for the consumer at position p when
 * seq == p + 1. Producers claim positions with a compare-and-swap on tail;
 * the consumer hands the cell to the producer one lap later by setting
 * seq = p + cap. A full queue refuses instead of waiting, so a plugin's
 * thread is never blocked by a slow event loop.
 */
#include <errno.h>
#include <stdlib.h>

#include "engine/asyncq.h"

int asyncq_init(struct asyncq *q, size_t cap)
{
	size_t n = 2;
	while (n < cap)
		n <<= 1;
	q->cells = calloc(n, sizeof(*q->cells));
	if (q->cells == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		atomic_init(&q->cells[i].seq, i);
	q->mask = n - 1;
	atomic_init(&q->tail, 0);
	q->head = 0;
	return 0;
}

void asyncq_fini(struct asyncq *q)
{
	if (q->cells == NULL)
		return;
	void *it;
	while ((it = asyncq_pop(q)) != NULL)
		free(it);
	free(q->cells);
	q->cells = NULL;
}

int asyncq_push(struct asyncq *q, void *item)
{
	size_t pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
	for (;;) {
		struct asyncq_cell *c = &q->cells[pos & q->mask];
		size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
		ptrdiff_t dif = (ptrdiff_t)(seq - pos);
		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(&q->tail, &pos, pos + 1, memory_order_relaxed,
			                                          memory_order_relaxed)) {
				c->item = item;
				atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
				return 0;
			}
			/* pos was reloaded by the failed CAS */
		} else if (dif < 0) {
			return -EAGAIN; /* the consumer has not freed this cell yet: full */
		} else {
			pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
		}
	}
}

void *asyncq_pop(struct asyncq *q)
{
	struct asyncq_cell *c = &q->cells[q->head & q->mask];
	size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
	if (seq != q->head + 1)
		return NULL;
	void *it = c->item;
	atomic_store_explicit(&c->seq, q->head + q->mask + 1, memory_order_release);
	q->head++;
	return it;
}
