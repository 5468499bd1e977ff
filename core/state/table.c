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

enum tbl_kind { K_THREADS, K_ARGS, K_ENV, K_CGROUPS, K_FDS, K_COUNT };

struct st_table {
	struct st_state *st;
	uint8_t kind;                 /* enum tbl_kind */
	struct st_thread *owner;      /* subtables: the thread whose data they show */
	const char *name;
	uint8_t key_type;
	struct st_field_info info[F_NSTATIC + ST_MAX_DYN];
	struct st_field handles[F_NSTATIC + ST_MAX_DYN];
	char *dyn_names[ST_MAX_DYN];
	uint32_t nfields;
};

/* The subtables are one object per kind, pointed at the thread whose TABLE
 * field was read last: as upstream, a subtable obtained during a call is
 * valid during that call. */
struct st_tables {
	struct st_table threads;
	struct st_table sub[K_COUNT];
	struct st_table unowned[K_COUNT]; /* st_table_subtable: fields only, never an owner */
	char scratch[4096]; /* cgroups' "first" of the last read */
};

enum fd_field {
	FD_TYPE, FD_OPEN_FLAGS, FD_NAME, FD_NAME_RAW, FD_OLD_NAME, FD_FLAGS, FD_DEV, FD_MOUNT_ID,
	FD_INO, FD_PID, FD_FD, FD_V4_SIP, FD_V4_DIP, FD_V4_SPORT, FD_V4_DPORT, FD_V4_L4,
	FD_V6_SIP_LO, FD_V6_SIP_HI, FD_V6_DIP_LO, FD_V6_DIP_HI, FD_V6_SPORT, FD_V6_DPORT, FD_V6_L4,
	FD_V4S_IP, FD_V4S_PORT, FD_V4S_L4, FD_V6S_IP_LO, FD_V6S_IP_HI, FD_V6S_PORT, FD_V6S_L4,
	FD_UNIX_SRC, FD_UNIX_DST, FD_NFIELDS
};

/* upstream's fd table field names and types */
static const struct st_field_info fd_static[FD_NFIELDS] = {
	[FD_TYPE] = {"type", ST_T_UINT8, false}, [FD_OPEN_FLAGS] = {"open_flags", ST_T_UINT32, false},
	[FD_NAME] = {"name", ST_T_STRING, false}, [FD_NAME_RAW] = {"name_raw", ST_T_STRING, false},
	[FD_OLD_NAME] = {"old_name", ST_T_STRING, false}, [FD_FLAGS] = {"flags", ST_T_UINT32, false},
	[FD_DEV] = {"dev", ST_T_UINT32, false}, [FD_MOUNT_ID] = {"mount_id", ST_T_UINT32, false},
	[FD_INO] = {"ino", ST_T_UINT64, false}, [FD_PID] = {"pid", ST_T_INT64, false},
	[FD_FD] = {"fd", ST_T_INT64, false},
	[FD_V4_SIP] = {"socket_ipv4_src_ip", ST_T_UINT32, false},
	[FD_V4_DIP] = {"socket_ipv4_dest_dip", ST_T_UINT32, false},
	[FD_V4_SPORT] = {"socket_ipv4_src_port", ST_T_UINT16, false},
	[FD_V4_DPORT] = {"socket_ipv4_dst_port", ST_T_UINT16, false},
	[FD_V4_L4] = {"socket_ipv4_l4_proto", ST_T_UINT8, false},
	[FD_V6_SIP_LO] = {"socket_ipv6_src_ip_low", ST_T_UINT64, false},
	[FD_V6_SIP_HI] = {"socket_ipv6_src_ip_high", ST_T_UINT64, false},
	[FD_V6_DIP_LO] = {"socket_ipv6_dest_ip_low", ST_T_UINT64, false},
	[FD_V6_DIP_HI] = {"socket_ipv6_dest_ip_high", ST_T_UINT64, false},
	[FD_V6_SPORT] = {"socket_ipv6_src_port", ST_T_UINT16, false},
	[FD_V6_DPORT] = {"socket_ipv6_dst_port", ST_T_UINT16, false},
	[FD_V6_L4] = {"socket_ipv6_l4_proto", ST_T_UINT8, false},
	[FD_V4S_IP] = {"socket_ipv4_server_ip", ST_T_UINT32, false},
	[FD_V4S_PORT] = {"socket_ipv4_server_port", ST_T_UINT16, false},
	[FD_V4S_L4] = {"socket_ipv4_server_l4_proto", ST_T_UINT8, false},
	[FD_V6S_IP_LO] = {"socket_ipv6_server_ip_low", ST_T_UINT64, false},
	[FD_V6S_IP_HI] = {"socket_ipv6_server_ip_high", ST_T_UINT64, false},
	[FD_V6S_PORT] = {"socket_ipv6_server_port", ST_T_UINT16, false},
	[FD_V6S_L4] = {"socket_ipv6_server_l4_proto", ST_T_UINT8, false},
	[FD_UNIX_SRC] = {"socket_unix_src", ST_T_UINT64, false},
	[FD_UNIX_DST] = {"socket_unix_dest", ST_T_UINT64, false},
};

static const struct st_field_info list_static[1] = {{"value", ST_T_STRING, false}};
static const struct st_field_info pair_static[2] = {{"first", ST_T_STRING, false},
                                                    {"second", ST_T_STRING, false}};

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
	static const char *const names[K_COUNT] = {"threads", "args", "env", "cgroups",
	                                           "file_descriptors"};
	for (int k = K_ARGS; k < K_COUNT; k++) {
		struct st_table *sb = &st->tables->sub[k];
		sb->st = st;
		sb->kind = (uint8_t)k;
		sb->name = names[k];
		sb->key_type = k == K_FDS ? ST_T_INT64 : ST_T_UINT64;
		const struct st_field_info *src = k == K_FDS ? fd_static : k == K_CGROUPS ? pair_static
		                                                                         : list_static;
		sb->nfields = k == K_FDS ? FD_NFIELDS : k == K_CGROUPS ? 2 : 1;
		memcpy(sb->info, src, sb->nfields * sizeof *src);
		for (uint32_t i = 0; i < sb->nfields; i++)
			sb->handles[i].index = i;
		st->tables->unowned[k] = *sb;
	}
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


/* ---- subtables: args, env, cgroups (index keys), file_descriptors ------ */

static const char *list_of(const struct st_table *t, uint32_t *len)
{
	struct st_proc *p = t->owner->proc;
	switch (t->kind) {
	case K_ARGS: *len = p->args_len; return p->args;
	case K_ENV: *len = p->env_len; return p->env;
	default: *len = p->cgroups_len; return p->cgroups;
	}
}

static uint64_t list_count(const struct st_table *t)
{
	uint32_t len;
	const char *l = list_of(t, &len);
	uint64_t n = 0;
	for (uint32_t i = 0; i < len; i++)
		n += l[i] == 0;
	return n;
}

static const char *list_item(const struct st_table *t, uint64_t idx)
{
	uint32_t len;
	const char *l = list_of(t, &len), *p = l, *end = l + len;
	for (uint64_t i = 0; p < end; i++) {
		if (i == idx)
			return p;
		p += strnlen(p, (size_t)(end - p)) + 1;
	}
	return NULL;
}

static int fd_read(const struct st_fd *f, uint32_t idx, union st_data *out)
{
	uint64_t lo, hi;
	switch (idx) {
	case FD_TYPE: out->u8 = f->type; break;
	case FD_OPEN_FLAGS: out->u32 = f->open_flags; break;
	case FD_NAME: out->str = f->name; break;
	case FD_NAME_RAW: out->str = f->name_raw; break;
	case FD_OLD_NAME: out->str = f->old_name; break;
	case FD_FLAGS: out->u32 = f->flags; break;
	case FD_DEV: out->u32 = f->dev; break;
	case FD_MOUNT_ID: out->u32 = f->mount_id; break;
	case FD_INO: out->u64 = f->ino; break;
	case FD_PID: out->s64 = f->pidfd_pid; break;
	case FD_FD: out->s64 = f->fd; break;
	case FD_V4_SIP: memcpy(&out->u32, f->sip, 4); break;
	case FD_V4_DIP: memcpy(&out->u32, f->dip, 4); break;
	case FD_V4_SPORT: case FD_V6_SPORT: out->u16 = f->sport; break;
	case FD_V4_DPORT: case FD_V6_DPORT: out->u16 = f->dport; break;
	case FD_V4_L4: case FD_V6_L4: case FD_V4S_L4: case FD_V6S_L4: out->u8 = f->l4proto; break;
	case FD_V6_SIP_LO: memcpy(&lo, f->sip, 8); out->u64 = lo; break;
	case FD_V6_SIP_HI: memcpy(&hi, f->sip + 8, 8); out->u64 = hi; break;
	case FD_V6_DIP_LO: case FD_V6S_IP_LO: memcpy(&lo, f->dip, 8); out->u64 = lo; break;
	case FD_V6_DIP_HI: case FD_V6S_IP_HI: memcpy(&hi, f->dip + 8, 8); out->u64 = hi; break;
	case FD_V4S_IP: memcpy(&out->u32, f->dip, 4); break;
	case FD_V4S_PORT: case FD_V6S_PORT: out->u16 = f->dport; break;
	case FD_UNIX_SRC: out->u64 = f->unix_src; break;
	case FD_UNIX_DST: out->u64 = f->unix_dst; break;
	default: return -EINVAL;
	}
	return 0;
}

static int fd_write(struct st_fd *f, uint32_t idx, const union st_data *in)
{
	switch (idx) {
	case FD_TYPE: f->type = in->u8; return 0;
	case FD_OPEN_FLAGS: f->open_flags = in->u32; return 0;
	case FD_NAME: st_fd_set_name(f, in->str ? in->str : "", SIZE_MAX); return 0;
	case FD_NAME_RAW: st_fd_set_name_raw(f, in->str ? in->str : "", SIZE_MAX); return 0;
	case FD_OLD_NAME: st_fd_set_old_name(f, in->str ? in->str : "", SIZE_MAX); return 0;
	case FD_DEV: f->dev = in->u32; return 0;
	case FD_MOUNT_ID: f->mount_id = in->u32; return 0;
	case FD_INO: f->ino = in->u64; return 0;
	case FD_PID: f->pidfd_pid = in->s64; return 0;
	case FD_V4_SIP: memcpy(f->sip, &in->u32, 4); return 0;
	case FD_V4_DIP: case FD_V4S_IP: memcpy(f->dip, &in->u32, 4); return 0;
	case FD_V4_SPORT: case FD_V6_SPORT: f->sport = in->u16; return 0;
	case FD_V4_DPORT: case FD_V6_DPORT: case FD_V4S_PORT: case FD_V6S_PORT:
		f->dport = in->u16; return 0;
	case FD_V4_L4: case FD_V6_L4: case FD_V4S_L4: case FD_V6S_L4: f->l4proto = in->u8; return 0;
	case FD_UNIX_SRC: f->unix_src = in->u64; return 0;
	case FD_UNIX_DST: f->unix_dst = in->u64; return 0;
	default: return -EINVAL; /* the fd number and the ipv6 halves stay as they are */
	}
}

static int sub_read(struct st_table *t, st_entry *e, uint32_t idx, union st_data *out)
{
	if (!t->owner)
		return -EINVAL;
	if (t->kind == K_FDS)
		return fd_read(e, idx, out);
	const char *item = list_item(t, (uint64_t)(uintptr_t)e - 1);
	if (!item)
		return -ENOENT;
	if (t->kind != K_CGROUPS) {
		out->str = item;
		return 0;
	}
	const char *eq = strchr(item, '=');
	if (idx == 1) {
		out->str = eq ? eq + 1 : "";
		return 0;
	}
	size_t n = eq ? (size_t)(eq - item) : strlen(item);
	char *scratch = t->st->tables->scratch;
	if (n >= sizeof t->st->tables->scratch)
		n = sizeof t->st->tables->scratch - 1;
	memcpy(scratch, item, n);
	scratch[n] = 0;
	out->str = scratch;
	return 0;
}

struct fd_iter { bool (*fn)(void *, st_entry *); void *ctx; bool stopped; };

static bool fd_iter_cb(void *c, struct st_fd *f)
{
	struct fd_iter *it = c;
	if (!it->fn(it->ctx, f)) {
		it->stopped = true;
		return false;
	}
	return true;
}

static bool sub_iterate(struct st_table *t, bool (*fn)(void *ctx, st_entry *e), void *ctx)
{
	if (!t->owner)
		return true;
	if (t->kind == K_FDS) {
		struct fd_iter it = {fn, ctx, false};
		st_fd_foreach(t->st, t->owner, fd_iter_cb, &it);
		return !it.stopped;
	}
	uint64_t n = list_count(t);
	for (uint64_t i = 0; i < n; i++)
		if (!fn(ctx, (st_entry *)(uintptr_t)(i + 1)))
			return false;
	return true;
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
uint64_t st_table_size(struct st_table *t)
{
	if (t->kind == K_THREADS)
		return t->st->cnt.threads;
	if (!t->owner)
		return (uint64_t)-1;
	return t->kind == K_FDS ? st_fd_count(t->owner) : list_count(t);
}

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
	if (t->kind != K_THREADS || t->nfields >= F_NSTATIC + ST_MAX_DYN || type == ST_T_TABLE)
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
	if (t->kind == K_THREADS)
		return st_find(t->st, key->s64);
	if (!t->owner)
		return NULL;
	if (t->kind == K_FDS)
		return st_fd_get(t->st, t->owner, key->s64);
	return key->u64 < list_count(t) ? (st_entry *)(uintptr_t)(key->u64 + 1) : NULL;
}

int st_table_read(struct st_table *t, st_entry *e, const struct st_field *f, union st_data *out)
{
	struct st_thread *th = e;
	if (!th || !f || f->index >= t->nfields)
		return -EINVAL;
	memset(out, 0, sizeof *out);
	if (t->kind != K_THREADS)
		return sub_read(t, e, f->index, out);
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
	case F_ARGS: case F_ENV: case F_CGROUPS: case F_FDS: {
		int k = f->index == F_ARGS ? K_ARGS : f->index == F_ENV ? K_ENV
		      : f->index == F_CGROUPS ? K_CGROUPS : K_FDS;
		struct st_table *sb = &t->st->tables->sub[k];
		sb->owner = th;
		out->table = sb;
		break;
	}
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
	if (t->kind == K_FDS)
		return fd_write(e, f->index, in);
	if (t->kind != K_THREADS)
		return -ENOTSUP; /* args/env/cgroups are written by the parsers only */
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
	if (t->kind != K_THREADS)
		return sub_iterate(t, fn, ctx);
	struct iter_ctx ic = {fn, ctx, false};
	st_foreach_thread(t->st, iter_thread, &ic);
	return !ic.stopped;
}

int st_table_erase(struct st_table *t, const union st_data *key)
{
	if (t->kind == K_FDS && t->owner) {
		if (!st_fd_get(t->st, t->owner, key->s64))
			return -ENOENT;
		st_fd_remove(t->st, t->owner, key->s64);
		return 0;
	}
	if (t->kind != K_THREADS)
		return -ENOTSUP;
	if (!st_find(t->st, key->s64))
		return -ENOENT;
	st_remove_thread(t->st, key->s64);
	return 0;
}

st_entry *st_table_add(struct st_table *t, const union st_data *key)
{
	if (t->kind == K_FDS)
		return t->owner ? st_fd_add(t->st, t->owner, key->s64) : NULL;
	if (t->kind != K_THREADS)
		return NULL;
	return st_add_thread(t->st, key->s64, key->s64, 0);
}

struct tid_list { int64_t *v; size_t n; };

static bool collect_tid(void *ctx, struct st_thread *t)
{
	struct tid_list *l = ctx;
	l->v[l->n++] = t->tid;
	return true;
}

struct st_table *st_table_subtable(struct st_table *t, const struct st_field *f)
{
	if (t->kind != K_THREADS || !f)
		return NULL;
	switch (f->index) {
	case F_ARGS: return &t->st->tables->unowned[K_ARGS];
	case F_ENV: return &t->st->tables->unowned[K_ENV];
	case F_CGROUPS: return &t->st->tables->unowned[K_CGROUPS];
	case F_FDS: return &t->st->tables->unowned[K_FDS];
	default: return NULL;
	}
}

st_entry *st_table_entry_new(struct st_table *t)
{
	if (t->kind == K_THREADS)
		return st_thread_detached(t->st);
	if (t->kind == K_FDS)
		return st_fd_detached(t->st);
	return NULL;
}

void st_table_entry_destroy(struct st_table *t, st_entry *e)
{
	if (!e)
		return;
	if (t->kind == K_THREADS)
		st_thread_detached_free(t->st, e);
	else if (t->kind == K_FDS)
		st_fd_detached_free(t->st, e);
}

st_entry *st_table_entry_add(struct st_table *t, const union st_data *key, st_entry *e)
{
	if (!e)
		return NULL;
	if (t->kind == K_THREADS)
		return st_thread_attach(t->st, e, key->s64);
	if (t->kind == K_FDS && t->owner)
		return st_fd_attach(t->st, t->owner, key->s64, e);
	st_table_entry_destroy(t, e);
	return NULL;
}

static bool fd_collect(void *ctx, struct st_fd *f)
{
	int64_t **p = ctx;
	*(*p)++ = f->fd;
	return true;
}

int st_table_clear(struct st_table *t)
{
	if (t->kind == K_FDS && t->owner) {
		uint32_t n = st_fd_count(t->owner);
		int64_t *fds = malloc((n ? n : 1) * sizeof *fds), *p = fds;
		if (!fds)
			return -ENOMEM;
		st_fd_foreach(t->st, t->owner, fd_collect, &p);
		for (int64_t *q = fds; q < p; q++)
			st_fd_remove(t->st, t->owner, *q);
		free(fds);
		return 0;
	}
	if (t->kind != K_THREADS)
		return -ENOTSUP;
	/* tids first: one removal may take another thread along (a closed
	 * leader), so the table is not walked while it changes */
	struct tid_list l = {malloc((t->st->cnt.threads + 1) * sizeof(int64_t)), 0};
	if (!l.v)
		return -ENOMEM;
	st_foreach_thread(t->st, collect_tid, &l);
	for (size_t i = 0; i < l.n; i++)
		st_remove_thread(t->st, l.v[i]);
	free(l.v);
	return 0;
}
