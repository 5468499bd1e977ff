/* Internals shared by the capture reader's files: the byte source, a
 * bounds-checked cursor for parsing block bodies, a string arena, and the
 * metadata parsers. Not part of the public API. */
#ifndef FALCO_CORE_CAPTURE_INT_H
#define FALCO_CORE_CAPTURE_INT_H

#include <stdarg.h>
#include <string.h>
#include <zlib.h>

#include "capture/capture.h"

#define CAP_BLOCK_OVERHEAD 12u        /* type, total_length, trailer */
#define CAP_MAX_NORMAL_READ 65536u    /* non-large event blocks: total - 8 (upstream READER_BUF_SIZE) */
#define CAP_V1_HDR_LEN 22u            /* V1 event header: no nparams */
#define CAP_MI_LEN 180u
#define CAP_DEFAULT_MAX_BLOCK (256u << 20)

/* ---- byte source: a window over a gzFile, or a borrowed memory buffer ---- */
struct cap_src {
	const uint8_t *data; /* window start: buf (file) or the caller's buffer (mem) */
	uint8_t *buf;        /* owned window (file only) */
	size_t cap;          /* capacity of buf */
	size_t head, tail;   /* unread bytes are data[head, tail) */
	uint64_t base;       /* stream offset of data[0] */
	gzFile gz;           /* NULL for memory */
	int err;             /* sticky -EIO / -ENOMEM */
	char errmsg[96];
};

/* Makes `n` bytes available at data[head] when the stream has them (growing
 * the window, bounded by 2x the bytes actually read). Returns the number of
 * bytes available (>= n, or less at the end of the stream), or a negative
 * errno on a read or allocation error. */
int64_t cap_src_need(struct cap_src *s, size_t n);
static inline uint64_t cap_src_pos(const struct cap_src *s) { return s->base + s->head; }
void cap_src_close(struct cap_src *s);

/* ---- cursor over a block body ---- */
struct cap_cur {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static inline bool cur_take(struct cap_cur *c, void *out, size_t n)
{
	if (c->len - c->off < n)
		return false;
	memcpy(out, c->p + c->off, n);
	c->off += n;
	return true;
}
static inline size_t cur_left(const struct cap_cur *c) { return c->len - c->off; }

/* ---- arena: stable storage for strings, freed all at once ---- */
struct cap_arena_chunk;
struct cap_arena {
	struct cap_arena_chunk *head;
};
/* Copies n bytes and appends a NUL; NULL when out of memory. */
char *cap_arena_strndup(struct cap_arena *a, const void *src, size_t n);
void cap_arena_free(struct cap_arena *a);

/* ---- growable arrays of metadata, owned by the reader ---- */
struct cap_meta_store {
	struct cap_meta pub;
	struct cap_proc *procs;
	size_t procs_cap;
	struct cap_fd *fds;
	size_t fds_cap;
	struct cap_user *users;
	size_t users_cap;
	struct cap_group *groups;
	size_t groups_cap;
	struct cap_iface *ifaces;
	size_t ifaces_cap;
	struct cap_arena arena;
};

/* Where a parser reports a failure: fills msg (CAP_ERR_LEN) with a
 * description that includes `at`, an absolute stream offset. */
struct cap_perr {
	char msg[CAP_ERR_LEN];
	uint64_t at;
};

/* Parse one metadata block body (without type/length/trailer). `body_off`
 * is the stream offset of the body. Return 0 or -EINVAL/-ENOMEM with `e`. */
int cap_parse_mi(struct cap_meta_store *m, const uint8_t *body, size_t len, uint64_t body_off,
                 struct cap_perr *e);
int cap_parse_pl(struct cap_meta_store *m, uint32_t btype, const uint8_t *body, size_t len,
                 uint64_t body_off, struct cap_perr *e);
int cap_parse_fdl(struct cap_meta_store *m, uint32_t btype, const uint8_t *body, size_t len,
                  uint64_t body_off, struct cap_perr *e);
int cap_parse_il(struct cap_meta_store *m, uint32_t btype, const uint8_t *body, size_t len,
                 uint64_t body_off, struct cap_perr *e);
int cap_parse_ul(struct cap_meta_store *m, uint32_t btype, const uint8_t *body, size_t len,
                 uint64_t body_off, struct cap_perr *e);
/* After the last metadata block: groups fds by tid and links procs to them. */
int cap_meta_finish(struct cap_meta_store *m);
void cap_meta_free(struct cap_meta_store *m);

/* A short name for a block type ("process list V9", "event V2", ...), or NULL. */
const char *cap_block_name(uint32_t type);
/* Process-list version 1..9 of a PL block type, 0 when it is not one. */
int cap_pl_version(uint32_t type);

#endif
