/*
 * Per-process fd tables: an array of fd records indexed by fd number
 * (grown by doubling, bounded by ST_FD_INDEX_MAX and max_fds_per_process),
 * shared by the threads of a process. Records are recycled through a free
 * list, keeping their name buffers, so opening and closing files in a loop
 * allocates nothing once warm.
 */
#include <stdlib.h>
#include <string.h>

#include "state/state_int.h"

struct st_fdtab {
	uint32_t refs;
	uint32_t count;
	uint32_t cap;        /* slots */
	struct st_fd **slot; /* slot[fd], NULL when closed */
};

static char st_fd_empty[1] = "";

struct st_fdtab *st_fdtab_new(void)
{
	struct st_fdtab *ft = calloc(1, sizeof *ft);
	if (ft)
		ft->refs = 1;
	return ft;
}

/* Free fds are chained through their `ino` field reinterpreted as a pointer
 * slot: we keep a separate next pointer to stay type-clean. */
struct fd_rec {
	struct st_fd fd;
	struct fd_rec *next_free;
};

static struct st_fd *fd_alloc(struct st_state *st)
{
	struct fd_rec *r = (struct fd_rec *)st->free_fds;
	if (r) {
		st->free_fds = (struct st_fd *)r->next_free;
	} else {
		r = calloc(1, sizeof *r);
		if (!r)
			return NULL;
		r->fd.name = r->fd.name_raw = r->fd.old_name = st_fd_empty;
	}
	struct st_fd *f = &r->fd;
	char *n = f->name, *nr = f->name_raw, *on = f->old_name;
	uint32_t nc = f->name_cap, rc = f->raw_cap, oc = f->old_cap;
	memset(f, 0, sizeof *f);
	f->name = n;
	f->name_raw = nr;
	f->old_name = on;
	f->name_cap = nc;
	f->raw_cap = rc;
	f->old_cap = oc;
	f->name[0] = f->name_raw[0] = f->old_name[0] = 0;
	f->l4proto = ST_L4_NA;
	return f;
}

static void fd_release(struct st_state *st, struct st_fd *f)
{
	struct fd_rec *r = (struct fd_rec *)f;
	r->next_free = (struct fd_rec *)st->free_fds;
	st->free_fds = (struct st_fd *)r;
}

static void fd_destroy(struct st_fd *f)
{
	if (f->name_cap)
		free(f->name);
	if (f->raw_cap)
		free(f->name_raw);
	if (f->old_cap)
		free(f->old_name);
	free((struct fd_rec *)f);
}

void st_fd_pool_free(struct st_state *st)
{
	struct fd_rec *r = (struct fd_rec *)st->free_fds;
	while (r) {
		struct fd_rec *n = r->next_free;
		fd_destroy(&r->fd);
		r = n;
	}
	st->free_fds = NULL;
}

static void set_buf(char **buf, uint32_t *cap, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		len = s ? strlen(s) : 0;
	if (len + 1 > *cap) {
		uint32_t nc = 32;
		while (nc < len + 1)
			nc <<= 1;
		char *n = *cap ? realloc(*buf, nc) : malloc(nc);
		if (!n)
			return;
		*buf = n;
		*cap = nc;
	}
	if (len)
		memcpy(*buf, s, len);
	(*buf)[len] = 0;
}

void st_fd_set_name(struct st_fd *f, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		len = s ? strlen(s) : 0;
	if (strncmp(f->name, s ? s : "", len) || f->name[len]) /* for fd.name_changed */
		f->flags |= ST_FDF_NAME_CHANGED;
	set_buf(&f->name, &f->name_cap, s, len);
}

void st_fd_set_name_raw(struct st_fd *f, const char *s, size_t len)
{
	set_buf(&f->name_raw, &f->raw_cap, s, len);
}

void st_fd_set_old_name(struct st_fd *f, const char *s, size_t len)
{
	set_buf(&f->old_name, &f->old_cap, s, len);
}

void st_fd_copy(struct st_fd *dst, const struct st_fd *src)
{
	char *n = dst->name, *nr = dst->name_raw, *on = dst->old_name;
	uint32_t nc = dst->name_cap, rc = dst->raw_cap, oc = dst->old_cap;
	*dst = *src;
	dst->name = n;
	dst->name_raw = nr;
	dst->old_name = on;
	dst->name_cap = nc;
	dst->raw_cap = rc;
	dst->old_cap = oc;
	st_fd_set_name(dst, src->name, SIZE_MAX);
	st_fd_set_name_raw(dst, src->name_raw, SIZE_MAX);
	st_fd_set_old_name(dst, src->old_name, SIZE_MAX);
	dst->flags = src->flags; /* a copy is not a rename */
}

static void fdtab_clear(struct st_state *st, struct st_fdtab *ft)
{
	for (uint32_t i = 0; i < ft->cap; i++)
		if (ft->slot[i]) {
			fd_release(st, ft->slot[i]);
			ft->slot[i] = NULL;
		}
	ft->count = 0;
}

void st_fdtab_unref(struct st_state *st, struct st_fdtab *ft)
{
	if (!ft || --ft->refs)
		return;
	fdtab_clear(st, ft);
	free(ft->slot);
	free(ft);
}

struct st_fdtab *st_fdtab_release(struct st_state *st, struct st_fdtab *ft)
{
	if (!ft || --ft->refs)
		return NULL;
	fdtab_clear(st, ft);
	ft->refs = 1;
	return ft;
}

static bool fdtab_grow(struct st_fdtab *ft, uint64_t fd)
{
	if (fd < ft->cap)
		return true;
	if (fd >= ST_FD_INDEX_MAX)
		return false;
	uint32_t nc = ft->cap ? ft->cap : 16;
	while (nc <= fd)
		nc <<= 1;
	struct st_fd **n = realloc(ft->slot, (size_t)nc * sizeof *n);
	if (!n)
		return false;
	memset(n + ft->cap, 0, (size_t)(nc - ft->cap) * sizeof *n);
	ft->slot = n;
	ft->cap = nc;
	return true;
}

void st_fdtab_copy(struct st_state *st, struct st_fdtab *dst, const struct st_fdtab *src)
{
	fdtab_clear(st, dst);
	if (!src || !src->count || !fdtab_grow(dst, src->cap - 1))
		return;
	for (uint32_t i = 0; i < src->cap; i++) {
		if (!src->slot[i])
			continue;
		struct st_fd *f = fd_alloc(st);
		if (!f)
			return;
		st_fd_copy(f, src->slot[i]);
		f->flags |= ST_FDF_CLONED;
		dst->slot[i] = f;
		dst->count++;
	}
}

struct st_fd *st_fd_get(struct st_state *st, const struct st_thread *t, int64_t fd)
{
	(void)st;
	if (!t || fd < 0)
		return NULL;
	const struct st_fdtab *ft = t->proc->fds;
	if ((uint64_t)fd >= ft->cap)
		return NULL;
	return ft->slot[fd];
}

struct st_fd *st_fd_add(struct st_state *st, struct st_thread *t, int64_t fd)
{
	if (!t || fd < 0)
		return NULL;
	struct st_fdtab *ft = t->proc->fds;
	if ((uint64_t)fd < ft->cap && ft->slot[fd]) {
		struct st_fd *old = ft->slot[fd];
		ft->slot[fd] = NULL;
		ft->count--;
		fd_release(st, old);
	}
	if (ft->count >= st->opts.max_fds_per_process || !fdtab_grow(ft, (uint64_t)fd)) {
		st->cnt.fds_dropped++;
		return NULL;
	}
	struct st_fd *f = fd_alloc(st);
	if (!f)
		return NULL;
	f->fd = fd;
	ft->slot[fd] = f;
	ft->count++;
	t->lastevent_fd = fd; /* as upstream: the filter's fd.num follows the last add */
	return f;
}

void st_fd_remove(struct st_state *st, struct st_thread *t, int64_t fd)
{
	if (!t || fd < 0)
		return;
	struct st_fdtab *ft = t->proc->fds;
	if ((uint64_t)fd >= ft->cap || !ft->slot[fd])
		return;
	fd_release(st, ft->slot[fd]);
	ft->slot[fd] = NULL;
	ft->count--;
}

void st_fd_foreach(struct st_state *st, const struct st_thread *t,
                   bool (*fn)(void *ctx, struct st_fd *f), void *ctx)
{
	(void)st;
	if (!t)
		return;
	const struct st_fdtab *ft = t->proc->fds;
	for (uint32_t i = 0; i < ft->cap; i++)
		if (ft->slot[i] && !fn(ctx, ft->slot[i]))
			return;
}

uint32_t st_fdtab_cap(const struct st_thread *t)
{
	return t->proc->fds->cap;
}

uint32_t st_fd_count(const struct st_thread *t)
{
	return t ? t->proc->fds->count : 0;
}

void st_fd_close_on_exec(struct st_state *st, struct st_thread *t)
{
	struct st_fdtab *ft = t->proc->fds;
	for (uint32_t i = 0; i < ft->cap; i++) {
		struct st_fd *f = ft->slot[i];
		if (f && (f->open_flags & ST_O_CLOEXEC)) {
			fd_release(st, f);
			ft->slot[i] = NULL;
			ft->count--;
		}
	}
}

struct st_fd *st_fd_detached(struct st_state *st)
{
	return fd_alloc(st);
}

void st_fd_detached_free(struct st_state *st, struct st_fd *f)
{
	fd_release(st, f);
}

struct st_fd *st_fd_attach(struct st_state *st, struct st_thread *t, int64_t fd, struct st_fd *f)
{
	struct st_fd *slot = st_fd_add(st, t, fd);
	if (!slot) {
		fd_release(st, f);
		return NULL;
	}
	st_fd_copy(slot, f);
	slot->fd = fd;
	fd_release(st, f);
	return slot;
}
