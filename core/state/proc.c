/*
 * Process lifecycle parsers (clone/fork/vfork/clone3 exits on both sides,
 * execve/execveat exits) and the string renderings of socket tuples and
 * dirfd paths that fd names use.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "event/codes.h"
#include "state/state_int.h"

static bool has(const struct ev_view *ev, uint32_t i)
{
	return i < ev->nparams && ev->len[i] > 0;
}

static int64_t p_i64(const struct ev_view *ev, uint32_t i, int64_t dflt)
{
	if (!has(ev, i))
		return dflt;
	switch (ev->len[i]) {
	case 8: { int64_t x; memcpy(&x, ev->val[i], 8); return x; }
	case 4: { int32_t x; memcpy(&x, ev->val[i], 4); return x; }
	default: return dflt;
	}
}

static uint64_t p_u64(const struct ev_view *ev, uint32_t i, uint64_t dflt)
{
	if (!has(ev, i))
		return dflt;
	switch (ev->len[i]) {
	case 8: { uint64_t x; memcpy(&x, ev->val[i], 8); return x; }
	case 4: { uint32_t x; memcpy(&x, ev->val[i], 4); return x; }
	case 2: { uint16_t x; memcpy(&x, ev->val[i], 2); return x; }
	case 1: return ev->val[i][0];
	default: return dflt;
	}
}

static const char *p_str(const struct ev_view *ev, uint32_t i, size_t *len)
{
	if (!has(ev, i)) {
		*len = 0;
		return "";
	}
	*len = strnlen((const char *)ev->val[i], ev->len[i]);
	return (const char *)ev->val[i];
}

/* Clone/execve parameter indexes shared by the current layouts. */
enum { P_RES = 0, P_EXE = 1, P_ARGS = 2, P_TID = 3, P_PID = 4, P_PTID = 5, P_CWD = 6,
       P_FDLIMIT = 7, P_COMM = 13, P_CGROUPS = 14 };
enum { PC_FLAGS = 15, PC_UID = 16, PC_GID = 17, PC_VTID = 18, PC_VPID = 19, PC_PIDNS_TS = 20 };
enum { PE_ENV = 15, PE_TTY = 16, PE_VPGID = 17, PE_LOGINUID = 18, PE_FLAGS = 19,
       PE_CAP_INH = 20, PE_CAP_PERM = 21, PE_CAP_EFF = 22, PE_INO = 23, PE_INO_CTIME = 24,
       PE_INO_MTIME = 25, PE_UID = 26, PE_EXEPATH = 27, PE_PGID = 28, PE_GID = 29 };

/* execve `flags` bits (upstream's PPM_EXE_*) */
#define EXE_WRITABLE (1u << 0)
#define EXE_UPPER_LAYER (1u << 1)
#define EXE_FROM_MEMFD (1u << 2)
#define EXE_LOWER_LAYER (1u << 3)

static void set_cgroups(struct st_proc *p, const struct ev_view *ev)
{
	if (!has(ev, P_CGROUPS))
		return;
	st_proc_set_list(&p->cgroups, &p->cgroups_len, (const char *)ev->val[P_CGROUPS],
	                 ev->len[P_CGROUPS]);
	st_container_id(p->cgroups, p->cgroups_len, p->container_id);
}

/* Fills a new child from a clone exit event and its caller (may be NULL). */
static void fill_child(struct st_state *st, struct st_thread *c, const struct ev_view *ev,
                       const struct st_thread *caller)
{
	size_t n;
	const char *s = p_str(ev, P_EXE, &n);
	st_proc_set(&c->proc->exe, s, n);
	if (has(ev, P_ARGS))
		st_proc_set_list(&c->proc->args, &c->proc->args_len, (const char *)ev->val[P_ARGS],
		                 ev->len[P_ARGS]);
	if (has(ev, P_COMM)) {
		s = p_str(ev, P_COMM, &n);
		st_thread_set_comm(c, s, n);
	} else {
		st_thread_set_comm(c, c->proc->exe, SIZE_MAX);
	}
	c->proc->fdlimit = p_i64(ev, P_FDLIMIT, c->proc->fdlimit);
	c->uid = (uint32_t)p_u64(ev, PC_UID, c->uid);
	c->gid = (uint32_t)p_u64(ev, PC_GID, c->gid);
	set_cgroups(c->proc, ev);
	c->clone_ts = ev->hdr->ts;
	c->lastaccess_ts = ev->hdr->ts;
	c->proc->pidns_init_start_ts = st->boot_ts;
	if (caller) {
		c->sid = caller->sid;
		c->vpgid = caller->vpgid;
		c->pgid = caller->pgid;
		c->tty = caller->tty;
		c->loginuid = caller->loginuid;
		c->cap_permitted = caller->cap_permitted;
		c->cap_effective = caller->cap_effective;
		c->cap_inheritable = caller->cap_inheritable;
		if (c->proc != caller->proc) {
			st_proc_set(&c->proc->exepath, caller->proc->exepath, SIZE_MAX);
			st_proc_set(&c->proc->root, caller->proc->root, SIZE_MAX);
			c->proc->exe_writable = caller->proc->exe_writable;
			c->proc->exe_upper_layer = caller->proc->exe_upper_layer;
			c->proc->exe_lower_layer = caller->proc->exe_lower_layer;
			c->proc->exe_from_memfd = caller->proc->exe_from_memfd;
			c->proc->exe_ino = caller->proc->exe_ino;
			c->proc->exe_ino_ctime = caller->proc->exe_ino_ctime;
			c->proc->exe_ino_mtime = caller->proc->exe_ino_mtime;
			c->proc->exe_ctime_to_clone = caller->proc->exe_ctime_to_clone;
			c->proc->exe_ctime_from_pidns = caller->proc->exe_ctime_from_pidns;
		}
	}
}

/* Creates thread `tid` as a child of `caller` per the clone flags: a new
 * thread joins the caller's process; a new process gets a copy of the
 * caller's (fds, cwd, env). */
static struct st_thread *make_child(struct st_state *st, int64_t tid, uint32_t flags,
                                    struct st_thread *caller, int64_t pid, int64_t ptid)
{
	struct st_thread *c = st_add_thread(st, tid, pid, ptid);
	if (!c)
		return NULL;
	c->flags = flags;
	if (caller) {
		if (flags & ST_CL_CLONE_THREAD) {
			st_join_process(st, c, st_main_thread(st, caller) ? st_main_thread(st, caller)
			                                                   : caller);
			c->flags |= ST_CL_CLONE_FILES;
		} else {
			st_proc_copy_strings(c->proc, caller->proc);
			st_fdtab_copy(st, c->proc->fds, caller->proc->fds);
		}
	}
	return c;
}

static void clone_caller(struct st_state *st, const struct ev_view *ev, int64_t child_tid)
{
	int64_t tid = (int64_t)ev->hdr->tid;
	struct st_thread *caller = st_find(st, tid);
	if (!caller) {
		caller = st_add_thread(st, tid, p_i64(ev, P_PID, tid), p_i64(ev, P_PTID, -1));
		if (!caller)
			return;
		size_t n;
		const char *s = p_str(ev, P_EXE, &n);
		st_proc_set(&caller->proc->exe, s, n);
		s = p_str(ev, P_COMM, &n);
		st_thread_set_comm(caller, s, n);
		caller->vtid = p_i64(ev, PC_VTID, tid);
		caller->vpid = p_i64(ev, PC_VPID, -1);
	}
	caller->lastaccess_ts = ev->hdr->ts;
	st->cur.thread = caller;
	uint32_t flags = (uint32_t)p_u64(ev, PC_FLAGS, 0);
	if ((flags & (ST_CL_CHILD_IN_PIDNS | ST_CL_CLONE_NEWPID | ST_CL_CLONE_PARENT)) ||
	    tid != caller->vtid)
		return; /* the child's own event describes it */
	if ((flags & ST_CL_CLONE_VFORK) || ev->hdr->type == EV_SYSCALL_VFORK_20_X)
		return;
	struct st_thread *existing = st_find(st, child_tid);
	if (existing) {
		if (existing->flags & ST_CL_CLONE_INVERTED)
			return;
		st_remove_thread(st, child_tid);
	}
	bool thread = flags & ST_CL_CLONE_THREAD;
	struct st_thread *c = make_child(st, child_tid, flags, caller,
	                                 thread ? caller->pid : child_tid,
	                                 thread ? caller->ptid : caller->tid);
	if (!c)
		return;
	c->vtid = c->tid;
	c->vpid = c->pid;
	fill_child(st, c, ev, caller);
	st->cur.thread = st_find(st, tid);
}

static void clone_child(struct st_state *st, const struct ev_view *ev)
{
	int64_t tid = (int64_t)ev->hdr->tid;
	uint32_t flags = (uint32_t)p_u64(ev, PC_FLAGS, 0);
	int64_t pid = p_i64(ev, P_PID, tid), ptid = p_i64(ev, P_PTID, -1);
	struct st_thread *c = st_find(st, tid);
	if (c && c->clone_ts && ev->hdr->ts - c->clone_ts < 2000000000ull) {
		/* already created by the caller's event */
		c->lastaccess_ts = ev->hdr->ts;
		st->cur.thread = c;
		return;
	}
	if (c)
		st_remove_thread(st, tid);
	bool thread = flags & ST_CL_CLONE_THREAD;
	struct st_thread *caller = st_find(st, thread ? pid : ptid);
	c = make_child(st, tid, flags | ST_CL_CLONE_INVERTED, caller, pid, ptid);
	if (!c)
		return;
	c->vtid = p_i64(ev, PC_VTID, tid);
	c->vpid = p_i64(ev, PC_VPID, pid);
	if (!caller) {
		size_t n;
		const char *s = p_str(ev, P_CWD, &n);
		st_proc_set_cwd(c->proc, s, n);
	}
	fill_child(st, c, ev, caller);
	if (has(ev, PC_PIDNS_TS))
		c->proc->pidns_init_start_ts = p_u64(ev, PC_PIDNS_TS, 0) + st->boot_ts;
	st->cur.thread = c;
}

void st_parse_clone(struct st_state *st, const struct ev_view *ev)
{
	int64_t res = p_i64(ev, P_RES, -1);
	if (res == 0)
		clone_child(st, ev);
	else if (res > 0)
		clone_caller(st, ev, res);
	else
		st->cur.thread = st_find(st, (int64_t)ev->hdr->tid);
	if (!st->cur.thread)
		st->cnt.failed_lookups++;
}

void st_parse_execve(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	if (p_i64(ev, P_RES, -1) < 0)
		return;
	/* A secondary thread that execs continues under the leader's tid, whose
	 * exit may already have been seen: that thread lives again. */
	if (t->flags & ST_CL_CLOSED) {
		t->flags &= ~ST_CL_CLOSED;
		t->proc->nlive++;
	}
	/* exec ends every other thread of the group (execve(2)) */
	for (struct st_thread *o = t->proc->threads, *next; o; o = next) {
		next = o->grp_next;
		if (o != t)
			st_remove_thread(st, o->tid);
	}
	struct st_proc *p = t->proc;
	size_t n;
	const char *s = p_str(ev, P_EXE, &n);
	st_proc_set(&p->exe, s, n);
	st_proc_set_list(&p->args, &p->args_len, has(ev, P_ARGS) ? (const char *)ev->val[P_ARGS] : "",
	                 has(ev, P_ARGS) ? ev->len[P_ARGS] : 0);
	s = p_str(ev, P_COMM, &n);
	st_thread_set_comm(t, n ? s : p->exe, n ? n : SIZE_MAX);
	bool invalid = t->pid == -1 || t->ptid == -1;
	t->pid = p_i64(ev, P_PID, t->pid);
	if (invalid) { /* a placeholder thread learns who it is */
		st_set_ptid(st, t, p_i64(ev, P_PTID, t->ptid));
		if (!(t->flags & ST_CL_CHILD_IN_PIDNS)) {
			t->vtid = t->tid;
			t->vpid = t->pid;
		}
	}
	p->fdlimit = p_i64(ev, P_FDLIMIT, p->fdlimit);
	set_cgroups(p, ev);
	if (has(ev, PE_ENV))
		st_proc_set_list(&p->env, &p->env_len, (const char *)ev->val[PE_ENV], ev->len[PE_ENV]);
	t->tty = (uint32_t)p_u64(ev, PE_TTY, t->tty);
	t->vpgid = p_i64(ev, PE_VPGID, t->vpgid);
	t->pgid = p_i64(ev, PE_PGID, t->pgid);
	t->loginuid = (uint32_t)p_u64(ev, PE_LOGINUID, t->loginuid);
	if (has(ev, PE_FLAGS)) {
		uint32_t f = (uint32_t)p_u64(ev, PE_FLAGS, 0);
		p->exe_writable = f & EXE_WRITABLE;
		p->exe_upper_layer = f & EXE_UPPER_LAYER;
		p->exe_lower_layer = f & EXE_LOWER_LAYER;
		p->exe_from_memfd = f & EXE_FROM_MEMFD;
	}
	t->cap_inheritable = p_u64(ev, PE_CAP_INH, t->cap_inheritable);
	t->cap_permitted = p_u64(ev, PE_CAP_PERM, t->cap_permitted);
	t->cap_effective = p_u64(ev, PE_CAP_EFF, t->cap_effective);
	if (has(ev, PE_INO_MTIME)) {
		p->exe_ino = p_u64(ev, PE_INO, p->exe_ino);
		p->exe_ino_ctime = p_u64(ev, PE_INO_CTIME, p->exe_ino_ctime);
		p->exe_ino_mtime = p_u64(ev, PE_INO_MTIME, p->exe_ino_mtime);
		if (t->clone_ts)
			p->exe_ctime_to_clone = t->clone_ts - p->exe_ino_ctime;
		if (p->pidns_init_start_ts && p->exe_ino_ctime > p->pidns_init_start_ts)
			p->exe_ctime_from_pidns = p->exe_ino_ctime - p->pidns_init_start_ts;
	}
	t->uid = (uint32_t)p_u64(ev, PE_UID, t->uid);
	t->gid = (uint32_t)p_u64(ev, PE_GID, t->gid);
	if (has(ev, PE_EXEPATH)) {
		s = p_str(ev, PE_EXEPATH, &n);
		st_proc_set(&p->exepath, s, n);
	}
	t->lastexec_ts = ev->hdr->ts;
	t->flags |= ST_CL_NAME_CHANGED;
	st_fd_close_on_exec(st, t);
}

const char *st_dirfd_path(struct st_state *st, struct st_thread *t, const char *name,
                          int64_t dirfd, char *buf, size_t cap)
{
	if (name && name[0] == '/')
		return ".";
	if (!t)
		return "<UNKNOWN>";
	if (dirfd == -100)
		return t->proc->cwd;
	struct st_fd *f = st_fd_get(st, t, dirfd);
	if (!f)
		return "<UNKNOWN>";
	size_t n = strlen(f->name);
	if (n == 0 || f->name[n - 1] == '/')
		return f->name;
	snprintf(buf, cap, "%s/", f->name);
	return buf;
}

void st_ip_str(const uint8_t *ip, int v6, char *buf, size_t cap)
{
	if (!v6) {
		snprintf(buf, cap, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
		return;
	}
	if (!inet_ntop(AF_INET6, ip, buf, (socklen_t)cap))
		snprintf(buf, cap, "<unknown>");
}

void st_fd_tuple_str(const struct st_fd *f, char *buf, size_t cap)
{
	char a[64], b[64];
	switch (f->type) {
	case ST_FD_IPV4_SOCK:
	case ST_FD_IPV6_SOCK: {
		int v6 = f->type == ST_FD_IPV6_SOCK;
		st_ip_str(f->sip, v6, a, sizeof a);
		st_ip_str(f->dip, v6, b, sizeof b);
		snprintf(buf, cap, "%s:%u->%s:%u", a, f->sport, b, f->dport);
		break;
	}
	case ST_FD_IPV4_SERVSOCK:
	case ST_FD_IPV6_SERVSOCK:
		st_ip_str(f->dip, f->type == ST_FD_IPV6_SERVSOCK, a, sizeof a);
		snprintf(buf, cap, "%s:%u", a, f->dport);
		break;
	default:
		buf[0] = 0;
	}
}
