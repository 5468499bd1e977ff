/* Internal: typed constants, comparison, sets and prefix trees. */
#ifndef FALCO_CORE_FILTER_VALUES_H
#define FALCO_CORE_FILTER_VALUES_H

#include <stdbool.h>
#include <stdint.h>

#include "filter/filter.h"

#define FLT_V4NET_LEN 8u   /* u32 address + u32 netmask, network order */
#define FLT_V6NET_LEN 17u  /* 16 address bytes + prefix length */

/* A constant in its field type's native layout. p points to b (numbers,
 * addresses) or to owned heap memory (strings, buffers). */
struct flt_cval {
	uint8_t *p;
	uint32_t len;
	uint8_t b[24];
};

/* Parses s (len bytes, NUL-terminated) as a value of `type`, with upstream's
 * rules and messages. Returns 0, -EINVAL (message in err) or -ENOMEM. */
int flt_cval_parse(const char *s, size_t len, uint8_t type, struct flt_cval *v, char *err,
                   size_t errlen);
void flt_cval_fini(struct flt_cval *v);

/* Compares a (the field's value) to b (a constant or the right-hand field's
 * value) with op, both of `type`. */
bool flt_compare(enum flt_op op, uint8_t type, const void *a, uint32_t al, const void *b,
                 uint32_t bl);

/* A NUL-terminated copy of p (at most 64 KiB) in one of two per-thread
 * buffers (`which` 0 or 1), valid until the next call with the same `which`. */
const char *flt_cstr(int which, const void *p, size_t len);

/* An open-addressing set of borrowed byte strings. */
struct flt_hset {
	struct { const void *p; uint32_t len; } *slots;
	uint32_t cap, n, minlen, maxlen;
};
int flt_hset_init(struct flt_hset *h, uint32_t n);
void flt_hset_fini(struct flt_hset *h);
void flt_hset_add(struct flt_hset *h, const void *p, uint32_t len);
bool flt_hset_has(const struct flt_hset *h, const void *p, uint32_t len);

/* pmatch: search paths by '/'-separated components (empty ones skipped),
 * components may be globs; a path matches when a search path is a prefix of
 * it component by component. */
struct flt_ptree;
struct flt_ptree *flt_ptree_new(void);
void flt_ptree_free(struct flt_ptree *t);
int flt_ptree_add(struct flt_ptree *t, const char *path, size_t len);
bool flt_ptree_match(const struct flt_ptree *t, const char *path, size_t len);

#endif
