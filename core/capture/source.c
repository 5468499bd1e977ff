/* The reader's byte source: a sliding window filled by gzread (which reads
 * plain files as well), or a caller's buffer used in place. Also the string
 * arena that holds metadata strings until the reader is closed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture/capture_int.h"

#define WINDOW_MIN (1u << 20)

static int src_fail(struct cap_src *s, int err, const char *what)
{
	s->err = err;
	snprintf(s->errmsg, sizeof(s->errmsg), "%s", what);
	return err;
}

/* Moves the unread bytes to the start of the window. */
static void src_compact(struct cap_src *s)
{
	if (s->head == 0)
		return;
	memmove(s->buf, s->buf + s->head, s->tail - s->head);
	s->base += s->head;
	s->tail -= s->head;
	s->head = 0;
}

/* Grows the window towards `want` bytes, but at most doubling it, so the
 * allocation stays within twice the data actually read. */
static int src_grow(struct cap_src *s, size_t want)
{
	size_t ncap = s->cap ? s->cap * 2 : WINDOW_MIN;
	if (ncap > want && want > s->cap)
		ncap = want < WINDOW_MIN ? WINDOW_MIN : want;
	uint8_t *nb = realloc(s->buf, ncap);
	if (nb == NULL)
		return src_fail(s, -ENOMEM, "out of memory growing the read window");
	s->buf = nb;
	s->data = nb;
	s->cap = ncap;
	return 0;
}

int64_t cap_src_need(struct cap_src *s, size_t n)
{
	if (s->err)
		return s->err;
	if (s->gz == NULL || s->tail - s->head >= n)
		return (int64_t)(s->tail - s->head);

	src_compact(s);
	while (s->tail < n) {
		if (s->tail == s->cap) {
			int rc = src_grow(s, n);
			if (rc)
				return rc;
		}
		size_t room = s->cap - s->tail;
		if (room > (1u << 30))
			room = 1u << 30;
		int got = gzread(s->gz, s->buf + s->tail, (unsigned)room);
		if (got < 0) {
			int zerr = 0;
			const char *m = gzerror(s->gz, &zerr);
			char what[96];
			snprintf(what, sizeof(what), "read error: %s", m ? m : "?");
			return src_fail(s, -EIO, what);
		}
		if (got == 0)
			break;
		s->tail += (size_t)got;
	}
	return (int64_t)s->tail;
}

void cap_src_close(struct cap_src *s)
{
	if (s->gz)
		gzclose(s->gz);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

/* ---- arena ---- */
struct cap_arena_chunk {
	struct cap_arena_chunk *next;
	size_t used, cap;
	char data[];
};

#define CHUNK_MIN (64u << 10)

char *cap_arena_strndup(struct cap_arena *a, const void *src, size_t n)
{
	struct cap_arena_chunk *c = a->head;
	if (c == NULL || c->cap - c->used < n + 1) {
		size_t cap = n + 1 > CHUNK_MIN ? n + 1 : CHUNK_MIN;
		c = malloc(sizeof(*c) + cap);
		if (c == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	char *out = c->data + c->used;
	if (n)
		memcpy(out, src, n);
	out[n] = '\0';
	c->used += n + 1;
	return out;
}

void cap_arena_free(struct cap_arena *a)
{
	while (a->head) {
		struct cap_arena_chunk *n = a->head->next;
		free(a->head);
		a->head = n;
	}
}
