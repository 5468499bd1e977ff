/*
 * The generic table API and the `threads` table published through it with
 * upstream's field names and types. Static fields read the thread record;
 * dynamic fields (added by plugins at run time) live in a per-thread array
 * of 8-byte slots (strings owned by the slot).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state/state_int.h"

#define ST_MAX_DYN 64u

enum thr_field {
	F_TID, F_PID, F_PTID, F_REAPER, F_SID, F_COMM, F_EXE, F_EXEPATH, F_EXE_WRITABLE,
	F_EXE_UPPER, F_EXE_LOWER, F_EXE_MEMFD, F_ARGS, F_ENV, F_CGROUPS, F_FLAGS, F_FDLIMIT, F_UID,
	F_GID, F_LOGINUID, F_EXE_INO, F_EXE_INO_CTIME, F_EXE_INO_MTIME, F_VTID, F_VPID, F_VPGID,
	F_PGID, F_PIDNS_TS, F_ROOT, F_TTY, F_FDS, F_CWD, F_NSTATIC
};

static const struct st_field_info thr_static[F_NSTATIC] = {
	[F_TID] = {"tid", ST_T_INT64, true}, [F_PID] = {"pid", ST_T_INT64, false},
	[F_PTID] = {"ptid", ST_T_INT64, false}, [F_REAPER] = {"reaper_tid", ST_T_INT64, false},
	[F_SID] = {"sid", ST_T_INT64, false}, [F_COMM] = {"comm", ST_T_STRING, false},
	[F_EXE] = {"exe", ST_T_STRING, false}, [F_EXEPATH] = {"exe_path", ST_T_STRING, false},
	[F_EXE_WRITABLE] = {"exe_writable", ST_T_BOOL, false},
	[F_EXE_UPPER] = {"exe_upper_layer", ST_T_BOOL, false},
	[F_EXE_LOWER] = {"exe_lower_layer", ST_T_BOOL, false},
	[F_EXE_MEMFD] = {"exe_from_memfd", ST_T_BOOL, false},
	[F_ARGS] = {"args", ST_T_TABLE, true}, [F_ENV] = {"env", ST_T_TABLE, true},
	[F_CGROUPS] = {"cgroups", ST_T_TABLE, true}, [F_FLAGS] = {"flags", ST_T_UINT32, false},
	[F_FDLIMIT] = {"fd_limit", ST_T_INT64, false}, [F_UID] = {"uid", ST_T_UINT32, false},
	[F_GID] = {"gid", ST_T_UINT32, false}, [F_LOGINUID] = {"loginuid", ST_T_UINT32, false},
	[F_EXE_INO] = {"exe_ino", ST_T_UINT64, false},
	[F_EXE_INO_CTIME] = {"exe_ino_ctime", ST_T_UINT64, false},
	[F_EXE_INO_MTIME] = {"exe_ino_mtime", ST_T_UINT64, false},
	[F_VTID] = {"vtid", ST_T_INT64, false}, [F_VPID] = {"vpid", ST_T_INT64, false},
	[F_VPGID] = {"vpgid", ST_T_INT64, false}, [F_PGID] = {"pgid", ST_T_INT64, false},
	[F_PIDNS_TS] = {"pidns_init_start_ts", ST_T_UINT64, false},
	[F_ROOT] = {"root", ST_T_STRING, false}, [F_TTY] = {"tty", ST_T_UINT32, false},
	[F_FDS] = {"file_descriptors", ST_T_TABLE, true}, [F_CWD] = {"cwd", ST_T_STRING, true},
};

/* A field handle: an index into the table's info array. */
struct st_field { uint32_t index; };

struct st_table {
	struct st_state *st;
	const char *name;
	uint8_t key_type;
	struct st_field_info info[F_NSTATIC + ST_MAX_DYN];
	struct st_field handles[F_NSTATIC + ST_MAX_DYN];
	char *dyn_names[ST_MAX_DYN];
	uint32_t nfields;
};

struct st_tables { struct st_table threads; };

struct dyn_vals { union st_data v[ST_MAX_DYN]; };

int st_tables_init(struct st_state *st)
{
	st->tables = calloc(1, sizeof *st->tables);
	if (!st->tables)
		return -ENOMEM;
	struct st_table *t = &st->tables->threads;
	t->st = st;
	t->name = "threads";
	t->key_type = ST_T_INT64;
	memcpy(t->info, thr_static, sizeof thr_static);
	t->nfields = F_NSTATIC;
	for (uint32_t i = 0; i < F_NSTATIC + ST_MAX_DYN; i++)
		t->handles[i].index = i;
	return 0;
}

void st_tables_free(struct st_state *st)
{
	if (!st->tables)
		return;
	for (uint32_t i = 0; i < ST_MAX_DYN; i++)
		free(st->tables->threads.dyn_names[i]);
	free(st->tables);
	st->tables = NULL;
}

void st_dyn_free(struct st_state *st, struct st_thread *t)
{
	struct dyn_vals *d = t->dyn;
	if (!d)
		return;
	struct st_table *tb = st->tables ? &st->tables->threads : NULL;
	for (uint32_t i = 0; tb && i + F_NSTATIC < tb->nfields; i++)
		if (tb->info[F_NSTATIC + i].type == ST_T_STRING)
			free((char *)d->v[i].str);
	free(d);
	t->dyn = NULL;
}

struct st_table *st_table_get(struct st_state *st, const char *name, uint8_t key_type)
{
	if (!strcmp(name, "threads") && key_type == ST_T_INT64)
		return &st->tables->threads;
	return NULL;
}

uint32_t st_table_list(struct st_state *st, const char **names, uint32_t max)
{
	(void)st;
	if (max > 0)
		names[0] = "threads";
	return 1;
}

const char *st_table_name(const struct st_table *t) { return t->name; }
uint8_t st_table_key_type(const struct st_table *t) { return t->key_type; }
uint64_t st_table_size(struct st_table *t) { return t->st->cnt.threads; }

const struct st_field_info *st_table_fields(struct st_table *t, uint32_t *n)
{
	*n = t->nfields;
	return t->info;
}

struct st_field *st_table_field(struct st_table *t, const char *name, uint8_t type)
{
	for (uint32_t i = 0; i < t->nfields; i++)
		if (!strcmp(t->info[i].name, name))
			return t->info[i].type == type ? &t->handles[i] : NULL;
	return NULL;
}

struct st_field *st_table_add_field(struct st_table *t, const char *name, uint8_t type)
{
	for (uint32_t i = 0; i < t->nfields; i++)
		if (!strcmp(t->info[i].name, name))
			return t->info[i].type == type ? &t->handles[i] : NULL;
	if (t->nfields >= F_NSTATIC + ST_MAX_DYN || type == ST_T_TABLE)
		return NULL;
	uint32_t d = t->nfields - F_NSTATIC;
	t->dyn_names[d] = strdup(name);
	if (!t->dyn_names[d])
		return NULL;
	t->info[t->nfields] = (struct st_field_info){t->dyn_names[d], type, false};
	return &t->handles[t->nfields++];
}

st_entry *st_table_entry(struct st_table *t, const union st_data *key)
{
	return st_find(t->st, key->s64);
}

static const char *first_item(const char *list, uint32_t len)
{
	return len ? list : "";
}

int st_table_read(struct st_table *t, st_entry *e, const struct st_field *f, union st_data *out)
{
	struct st_thread *th = e;
	if (!th || !f || f->index >= t->nfields)
		return -EINVAL;
	memset(out, 0, sizeof *out);
	struct st_proc *p = th->proc;
	switch (f->index) {
	case F_TID: out->s64 = th->tid; break;
	case F_PID: out->s64 = th->pid; break;
	case F_PTID: out->s64 = th->ptid; break;
	case F_REAPER: out->s64 = th->reaper_tid; break;
	case F_SID: out->s64 = th->sid; break;
	case F_COMM: out->str = th->comm; break;
	case F_EXE: out->str = p->exe; break;
	case F_EXEPATH: out->str = p->exepath; break;
	case F_EXE_WRITABLE: out->b = p->exe_writable; break;
	case F_EXE_UPPER: out->b = p->exe_upper_layer; break;
	case F_EXE_LOWER: out->b = p->exe_lower_layer; break;
	case F_EXE_MEMFD: out->b = p->exe_from_memfd; break;
	case F_FLAGS: out->u32 = th->flags; break;
	case F_FDLIMIT: out->s64 = p->fdlimit; break;
	case F_UID: out->u32 = th->uid; break;
	case F_GID: out->u32 = th->gid; break;
	case F_LOGINUID: out->u32 = th->loginuid; break;
	case F_EXE_INO: out->u64 = p->exe_ino; break;
	case F_EXE_INO_CTIME: out->u64 = p->exe_ino_ctime; break;
	case F_EXE_INO_MTIME: out->u64 = p->exe_ino_mtime; break;
	case F_VTID: out->s64 = th->vtid; break;
	case F_VPID: out->s64 = th->vpid; break;
	case F_VPGID: out->s64 = th->vpgid; break;
	case F_PGID: out->s64 = th->pgid; break;
	case F_PIDNS_TS: out->u64 = p->pidns_init_start_ts; break;
	case F_ROOT: out->str = p->root; break;
	case F_TTY: out->u32 = th->tty; break;
	case F_CWD: {
		struct st_thread *mt = st_main_thread(t->st, th);
		out->str = mt ? mt->proc->cwd : "./";
		break;
	}
	case F_ARGS: case F_ENV: case F_CGROUPS: case F_FDS:
		(void)first_item;
		return -ENOTSUP; /* subtables: not published yet */
	default: {
		struct dyn_vals *d = th->dyn;
		uint32_t i = f->index - F_NSTATIC;
		if (d)
			*out = d->v[i];
		else if (t->info[f->index].type == ST_T_STRING)
			out->str = "";
		if (t->info[f->index].type == ST_T_STRING && !out->str)
			out->str = "";
	}
	}
	return 0;
}

int st_table_write(struct st_table *t, st_entry *e, const struct st_field *f, const union st_data *in)
{
	struct st_thread *th = e;
	if (!th || !f || f->index >= t->nfields || t->info[f->index].read_only)
		return -EINVAL;
	struct st_proc *p = th->proc;
	switch (f->index) {
	case F_PID: th->pid = in->s64; return 0;
	case F_PTID: st_set_ptid(t->st, th, in->s64); return 0;
	case F_REAPER: th->reaper_tid = in->s64; return 0;
	case F_SID: th->sid = in->s64; return 0;
	case F_COMM: st_thread_set_comm(th, in->str ? in->str : "", SIZE_MAX); return 0;
	case F_EXE: st_proc_set(&p->exe, in->str ? in->str : "", SIZE_MAX); return 0;
	case F_EXEPATH: st_proc_set(&p->exepath, in->str ? in->str : "", SIZE_MAX); return 0;
	case F_EXE_WRITABLE: p->exe_writable = in->b; return 0;
	case F_EXE_UPPER: p->exe_upper_layer = in->b; return 0;
	case F_EXE_LOWER: p->exe_lower_layer = in->b; return 0;
	case F_EXE_MEMFD: p->exe_from_memfd = in->b; return 0;
	case F_FLAGS: th->flags = in->u32; return 0;
	case F_FDLIMIT: p->fdlimit = in->s64; return 0;
	case F_UID: th->uid = in->u32; return 0;
	case F_GID: th->gid = in->u32; return 0;
	case F_LOGINUID: th->loginuid = in->u32; return 0;
	case F_EXE_INO: p->exe_ino = in->u64; return 0;
	case F_EXE_INO_CTIME: p->exe_ino_ctime = in->u64; return 0;
	case F_EXE_INO_MTIME: p->exe_ino_mtime = in->u64; return 0;
	case F_VTID: th->vtid = in->s64; return 0;
	case F_VPID: th->vpid = in->s64; return 0;
	case F_VPGID: th->vpgid = in->s64; return 0;
	case F_PGID: th->pgid = in->s64; return 0;
	case F_PIDNS_TS: p->pidns_init_start_ts = in->u64; return 0;
	case F_ROOT: st_proc_set(&p->root, in->str ? in->str : "", SIZE_MAX); return 0;
	case F_TTY: th->tty = in->u32; return 0;
	default: break;
	}
	uint32_t i = f->index - F_NSTATIC;
	if (!th->dyn && !(th->dyn = calloc(1, sizeof(struct dyn_vals))))
		return -ENOMEM;
	struct dyn_vals *d = th->dyn;
	if (t->info[f->index].type == ST_T_STRING) {
		char *s = strdup(in->str ? in->str : "");
		if (!s)
			return -ENOMEM;
		free((char *)d->v[i].str);
		d->v[i].str = s;
	} else {
		d->v[i] = *in;
	}
	return 0;
}

struct iter_ctx { bool (*fn)(void *, st_entry *); void *ctx; bool stopped; };

static bool iter_thread(void *c, struct st_thread *t)
{
	struct iter_ctx *ic = c;
	if (!ic->fn(ic->ctx, t)) {
		ic->stopped = true;
		return false;
	}
	return true;
}

bool st_table_iterate(struct st_table *t, bool (*fn)(void *ctx, st_entry *e), void *ctx)
{
	struct iter_ctx ic = {fn, ctx, false};
	st_foreach_thread(t->st, iter_thread, &ic);
	return !ic.stopped;
}

int st_table_erase(struct st_table *t, const union st_data *key)
{
	if (!st_find(t->st, key->s64))
		return -ENOENT;
	st_remove_thread(t->st, key->s64);
	return 0;
}

st_entry *st_table_add(struct st_table *t, const union st_data *key)
{
	return st_add_thread(t->st, key->s64, key->s64, 0);
}

static bool erase_all(void *ctx, struct st_thread *t)
{
	st_remove_thread(ctx, t->tid);
	return true;
}

int st_table_clear(struct st_table *t)
{
	/* removal may reparent into other buckets: repeat until empty */
	while (t->st->cnt.threads)
		st_foreach_thread(t->st, erase_all, t->st);
	return 0;
}
