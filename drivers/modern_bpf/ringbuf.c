/* One mapped BPF ring buffer: peek the head record, release it. */
#include "ringbuf.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

/* Record header flags in the length word (kernel's BPF_RINGBUF_*_BIT). */
#define RB_BUSY (1u << 31)
#define RB_DISCARD (1u << 30)
#define RB_HDR 8u

int drv_ring_create(struct drv_ring *r, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	*r = (struct drv_ring){.fd = -1};
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, size, NULL);
	if (fd < 0)
		return -errno;
	void *c = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c == MAP_FAILED) {
		int e = -errno;
		close(fd);
		return e;
	}
	/* producer page, then the data area mapped twice so that a record that
	 * wraps is contiguous */
	void *p = mmap(NULL, page + 2 * size, PROT_READ, MAP_SHARED, fd, page);
	if (p == MAP_FAILED) {
		int e = -errno;
		munmap(c, page);
		close(fd);
		return e;
	}
	r->fd = fd;
	r->size = size;
	r->cons = c;
	r->prod = p;
	r->data = (uint8_t *)p + page;
	r->pos = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
	return 0;
}

const void *drv_ring_peek(struct drv_ring *r, uint32_t *len)
{
	for (;;) {
		uint64_t prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
		if (r->pos >= prod)
			return NULL;
		uint32_t *hdr = (uint32_t *)(r->data + (r->pos & (r->size - 1)));
		uint32_t l = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		if (l & RB_BUSY)
			return NULL; /* reserved, not yet committed */
		uint64_t rec = ((l & ~(RB_BUSY | RB_DISCARD)) + RB_HDR + 7) & ~7ull;
		if (l & RB_DISCARD) {
			r->pos += rec;
			__atomic_store_n(r->cons, r->pos, __ATOMIC_RELEASE);
			continue;
		}
		r->pending = rec;
		*len = l;
		return hdr + 2;
	}
}

void drv_ring_release(struct drv_ring *r)
{
	if (!r->pending)
		return;
	r->pos += r->pending;
	r->pending = 0;
	__atomic_store_n(r->cons, r->pos, __ATOMIC_RELEASE);
}

void drv_ring_destroy(struct drv_ring *r)
{
	long page = sysconf(_SC_PAGESIZE);
	if (r->cons)
		munmap((void *)r->cons, page);
	if (r->prod)
		munmap((void *)r->prod, page + 2 * r->size);
	if (r->fd >= 0)
		close(r->fd);
	*r = (struct drv_ring){.fd = -1};
}
