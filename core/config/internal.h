/* Helpers shared by the files of core/config (not part of the public API). */
#ifndef FALCO_CORE_CONFIG_INTERNAL_H
#define FALCO_CORE_CONFIG_INTERNAL_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

void cfg_errf(struct cfg_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct cfg_src *cfg_src_new(const char *name, bool cli);
struct cfg_src *cfg_src_ref(struct cfg_src *s);
void cfg_src_unref(struct cfg_src *s);

/* A growable NUL-terminated string; `s` is owned by whoever holds the sbuf. */
struct sbuf {
	char *s;
	size_t len, cap;
};

static inline int sbuf_reserve(struct sbuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s)
		return -ENOMEM;
	b->s = s;
	b->cap = cap;
	return 0;
}

static inline int sbuf_put(struct sbuf *b, const char *p, size_t n)
{
	if (sbuf_reserve(b, n))
		return -ENOMEM;
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = 0;
	return 0;
}

static inline int sbuf_puts(struct sbuf *b, const char *s)
{
	return sbuf_put(b, s, strlen(s));
}

/* Replaces `cut` bytes at `at` by `with`. */
static inline int sbuf_splice(struct sbuf *b, size_t at, size_t cut, const char *with)
{
	size_t wl = strlen(with);
	if (wl > cut && sbuf_reserve(b, wl - cut))
		return -ENOMEM;
	memmove(b->s + at + wl, b->s + at + cut, b->len - at - cut + 1);
	memcpy(b->s + at, with, wl);
	b->len = b->len - cut + wl;
	return 0;
}

#endif
