/*
 * Reader of one BPF ring buffer mapped into our memory (internal to the
 * driver). libbpf's ring_buffer only offers callbacks; merging several
 * buffers in timestamp order needs to look at the head record of each
 * buffer before consuming it, so we map and walk the buffer ourselves.
 */
#ifndef DRV_RINGBUF_H
#define DRV_RINGBUF_H

#include <stddef.h>
#include <stdint.h>

struct drv_ring {
	int fd;                     /* the ring buffer map; owned */
	size_t size;                /* data area bytes (power of 2) */
	volatile uint64_t *cons;    /* consumer position page, mapped rw */
	volatile uint64_t *prod;    /* producer position page, mapped ro */
	uint8_t *data;              /* data area, mapped twice in a row */
	uint64_t pos;               /* our consumer position */
	uint64_t pending;           /* bytes of the record handed out, to release */
};

/* Creates a ring buffer map of `size` bytes and maps it. */
int drv_ring_create(struct drv_ring *r, size_t size);

/* The head record's payload and length, or NULL when empty. Records that
 * were discarded are skipped. Does not consume. */
const void *drv_ring_peek(struct drv_ring *r, uint32_t *len);

/* Consumes the record last returned by drv_ring_peek. */
void drv_ring_release(struct drv_ring *r);

/* Unmaps and closes. */
void drv_ring_destroy(struct drv_ring *r);

#endif
