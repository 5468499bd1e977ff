/*
 * The thread table: a chained hash keyed by tid over a pool of thread
 * records (recycled through a free list, so a long run of short-lived
 * processes reuses memory instead of growing), processes shared by the
 * threads of a group, lineage links and reparenting on exit.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "state/state_int.h"

/* ---- strings ----------------------------------------------------------- */

static const char st_empty[1] = "";

/* Strings of processes and users come from a per-thread pool of size
 * classes (16 B .. 4 KiB), so fork/exec churn reuses memory instead of
 * going through malloc. Each block starts with its class. The pool is
 * per thread because a state belongs to one thread; it is drained when the
 * thread's last state is freed, and when any thread that pooled a block
 * exits (engine threads and plugin threads free strings of a state they did
 * not create; without this their pools would outlive them). */
#define STR_CLASSES 9u
#define STR_POOL_MAX 4096u /* free blocks kept per class */
struct str_block { uint32_t cls; uint32_t pad; union { struct str_block *next; char data[8]; } u; };
static _Thread_local struct str_block *str_pool[STR_CLASSES];
static _Thread_local uint32_t str_pooled[STR_CLASSES];
static _Thread_local uint32_t states_alive;
static _Thread_local bool pool_registered;
static pthread_key_t pool_key;
static pthread_once_t pool_key_once = PTHREAD_ONCE_INIT;

static void str_pool_drain(void);
static void pool_thread_exit(void *unused)
{
	(void)unused;
	str_pool_drain();
}
static void pool_key_create(void)
{
	(void)pthread_key_create(&pool_key, pool_thread_exit);
}
/* Arms the thread-exit drain the first time this thread pools a block. */
static void pool_register(void)
{
	pool_registered = true;
	pthread_once(&pool_key_once, pool_key_create);
	(void)pthread_setspecific(pool_key, &pool_registered);
}

static char *str_alloc(size_t n)
{
	uint32_t cls = 0;
	while (cls < STR_CLASSES && (16u << cls) < n)
		cls++;
	struct str_block *b;
	if (cls < STR_CLASSES && str_pool[cls]) {
		b = str_pool[cls];
		str_pool[cls] = b->u.next;
		str_pooled[cls]--;
	} else {
		size_t sz = cls < STR_CLASSES ? (16u << cls) : n;
		b = malloc(offsetof(struct str_block, u) + sz);
		if (!b)
			return NULL;
		b->cls = cls;
	}
	return b->u.data;
}

void st_strfree(char *s)
{
	if (!s || s == st_empty)
		return;
	struct str_block *b = (struct str_block *)(s - offsetof(struct str_block, u));
	if (b->cls < STR_CLASSES && str_pooled[b->cls] < STR_POOL_MAX) {
		if (!pool_registered)
			pool_register();
		b->u.next = str_pool[b->cls];
		str_pool[b->cls] = b;
		str_pooled[b->cls]++;
		return;
	}
	free(b);
}

static void str_pool_drain(void)
{
	for (uint32_t c = 0; c < STR_CLASSES; c++) {
		while (str_pool[c]) {
			struct str_block *n = str_pool[c]->u.next;
			free(str_pool[c]);
			str_pool[c] = n;
		}
		str_pooled[c] = 0;
	}
}

char *st_strdup_len(const char *s, size_t len)
{
	if (len == SIZE_MAX)
		len = s ? strlen(s) : 0;
	if (len == 0)
		return (char *)st_empty;
	char *p = str_alloc(len + 1);
	if (!p)
		return (char *)st_empty;
	memcpy(p, s, len);
	p[len] = 0;
	return p;
}

void st_proc_set(char **field, const char *s, size_t len)
{
	char *n = st_strdup_len(s, len);
	st_strfree(*field);
	*field = n;
}

void st_proc_set_list(char **field, uint32_t *flen, const char *s, size_t len)
{
	st_strfree(*field);
	*field = (char *)st_empty;
	*flen = 0;
	/* as upstream: one trailing NUL is dropped; nothing left means no items */
	if (!s || len == 0 || len > UINT32_MAX - 1 || (len == 1 && s[0] == 0))
		return;
	char *p = str_alloc(len + 1);
	if (!p)
		return;
	memcpy(p, s, len);
	p[len] = 0; /* a list whose last item lacks its NUL still ends */
	*field = p;
	*flen = (uint32_t)(s[len - 1] == 0 ? len : len + 1);
}

void st_proc_set_cwd(struct st_proc *p, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		len = s ? strlen(s) : 0;
	char *n = str_alloc(len + 2);
	if (!n)
		return;
	memcpy(n, s, len);
	n[len] = 0;
	if (len == 0 || n[len - 1] != '/') {
		n[len] = '/';
		n[len + 1] = 0;
	}
	st_strfree(p->cwd);
	p->cwd = n;
}

void st_thread_set_comm(struct st_thread *t, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		len = s ? strlen(s) : 0;
	if (len >= sizeof t->comm)
		len = sizeof t->comm - 1;
	if (len)
		memcpy(t->comm, s, len);
	t->comm[len] = 0;
}

/* ---- processes ---------------------------------------------------------- */

struct st_proc *st_proc_new(struct st_state *st)
{
	struct st_proc *p = st->free_procs;
	if (p) {
		st->free_procs = p->next_free;
		st->nfree_procs--;
		struct st_fdtab *fds = p->fds;
		memset(p, 0, sizeof *p);
		p->fds = fds; /* an empty table kept with its slots */
	} else {
		p = calloc(1, sizeof *p);
		if (!p)
			return NULL;
	}
	p->exe = p->exepath = p->root = p->args = p->env = p->cgroups = (char *)st_empty;
	p->cwd = (char *)st_empty;
	st_proc_set_cwd(p, "/", 1);
	if (!p->fds)
		p->fds = st_fdtab_new();
	if (!p->fds) {
		free(p);
		return NULL;
	}
	p->refs = 1;
	st->nprocs++;
	return p;
}

void st_proc_unref(struct st_state *st, struct st_proc *p)
{
	if (!p || --p->refs)
		return;
	/* keep the fd table for reuse when nobody else holds it */
	struct st_fdtab *fds = st_fdtab_release(st, p->fds);
	st_strfree(p->exe);
	st_strfree(p->exepath);
	st_strfree(p->cwd);
	st_strfree(p->root);
	st_strfree(p->args);
	st_strfree(p->env);
	st_strfree(p->cgroups);
	st->nprocs--;
	if (fds && st->nfree_procs < 4096) {
		p->fds = fds;
		p->next_free = st->free_procs;
		st->free_procs = p;
		st->nfree_procs++;
		return;
	}
	st_fdtab_unref(st, fds);
	free(p);
}

/* A copy of `src` for a forked child: same strings, a copy of the fd table
 * (fds marked cloned). */
struct st_proc *st_proc_fork(struct st_state *st, const struct st_proc *src)
{
	struct st_proc *p = st_proc_new(st);
	if (!p)
		return NULL;
	st_proc_copy_strings(p, src);
	st_fdtab_copy(st, p->fds, src->fds);
	return p;
}

void st_proc_copy_strings(struct st_proc *p, const struct st_proc *src)
{
	st_proc_set(&p->exe, src->exe, SIZE_MAX);
	st_proc_set(&p->exepath, src->exepath, SIZE_MAX);
	st_proc_set(&p->root, src->root, SIZE_MAX);
	st_proc_set(&p->cwd, src->cwd, SIZE_MAX);
	st_proc_set_list(&p->args, &p->args_len, src->args, src->args_len);
	st_proc_set_list(&p->env, &p->env_len, src->env, src->env_len);
	st_proc_set_list(&p->cgroups, &p->cgroups_len, src->cgroups, src->cgroups_len);
	memcpy(p->container_id, src->container_id, sizeof p->container_id);
	p->fdlimit = src->fdlimit;
	p->exe_ino = src->exe_ino;
	p->exe_ino_ctime = src->exe_ino_ctime;
	p->exe_ino_mtime = src->exe_ino_mtime;
	p->exe_ctime_to_clone = src->exe_ctime_to_clone;
	p->exe_ctime_from_pidns = src->exe_ctime_from_pidns;
	p->pidns_init_start_ts = src->pidns_init_start_ts;
	p->exe_writable = src->exe_writable;
	p->exe_upper_layer = src->exe_upper_layer;
	p->exe_lower_layer = src->exe_lower_layer;
	p->exe_from_memfd = src->exe_from_memfd;
}

/* ---- the hash ----------------------------------------------------------- */

static inline uint32_t tid_hash(int64_t tid, uint32_t mask)
{
	uint64_t h = (uint64_t)tid * 0x9E3779B97F4A7C15ull;
	return (uint32_t)(h >> 32) & mask;
}

/* Consecutive events mostly come from the same thread: one cached entry
 * (cleared when that thread leaves the table) saves the bucket walk. */
struct st_thread *st_find(struct st_state *st, int64_t tid)
{
	if (st->last && st->last->tid == tid)
		return st->last;
	struct st_thread *t = st->buckets[tid_hash(tid, st->bucket_mask)];
	while (t && t->tid != tid)
		t = t->hnext;
	if (t)
		st->last = t;
	return t;
}

static void hash_insert(struct st_state *st, struct st_thread *t)
{
	uint32_t b = tid_hash(t->tid, st->bucket_mask);
	t->hnext = st->buckets[b];
	st->buckets[b] = t;
}

static void hash_remove(struct st_state *st, struct st_thread *t)
{
	if (st->last == t)
		st->last = NULL;
	struct st_thread **pp = &st->buckets[tid_hash(t->tid, st->bucket_mask)];
	while (*pp && *pp != t)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = t->hnext;
}

struct st_thread *st_main_thread(struct st_state *st, const struct st_thread *t)
{
	if (!t)
		return NULL;
	if (t->tid == t->pid)
		return (struct st_thread *)t;
	return st_find(st, t->pid);
}

struct st_thread *st_ancestor(struct st_state *st, const struct st_thread *t, uint32_t n)
{
	struct st_thread *mt = st_main_thread(st, t);
	for (uint32_t i = 0; i < n && mt; i++) {
		struct st_thread *p = st_find(st, mt->ptid);
		if (!p || p == mt)
			return NULL;
		mt = st_main_thread(st, p);
	}
	return mt;
}

/* ---- lineage links -------------------------------------------------------- */

static void unlink_parent(struct st_thread *t)
{
	struct st_thread *p = t->parent;
	if (!p)
		return;
	if (t->sib_prev)
		t->sib_prev->sib_next = t->sib_next;
	else
		p->child = t->sib_next;
	if (t->sib_next)
		t->sib_next->sib_prev = t->sib_prev;
	t->parent = t->sib_next = t->sib_prev = NULL;
}

static void link_parent(struct st_thread *t, struct st_thread *p)
{
	unlink_parent(t);
	if (!p || p == t)
		return;
	t->parent = p;
	t->sib_prev = NULL;
	t->sib_next = p->child;
	if (p->child)
		p->child->sib_prev = t;
	p->child = t;
}

void st_set_ptid(struct st_state *st, struct st_thread *t, int64_t ptid)
{
	t->ptid = ptid;
	link_parent(t, st_find(st, ptid));
}

void st_link_all(struct st_state *st)
{
	for (uint32_t b = 0; b <= st->bucket_mask; b++)
		for (struct st_thread *t = st->buckets[b]; t; t = t->hnext)
			if (!t->parent || t->parent->tid != t->ptid)
				link_parent(t, st_find(st, t->ptid));
}

static void grp_add(struct st_thread *t)
{
	t->grp_prev = NULL;
	t->grp_next = t->proc->threads;
	if (t->grp_next)
		t->grp_next->grp_prev = t;
	t->proc->threads = t;
	t->proc->nthreads++;
}

static void grp_del(struct st_thread *t)
{
	if (t->grp_prev)
		t->grp_prev->grp_next = t->grp_next;
	else if (t->proc->threads == t)
		t->proc->threads = t->grp_next;
	if (t->grp_next)
		t->grp_next->grp_prev = t->grp_prev;
	t->grp_next = t->grp_prev = NULL;
	t->proc->nthreads--;
}

/* ---- allocation ----------------------------------------------------------- */

static struct st_thread *thread_alloc(struct st_state *st)
{
	struct st_thread *t = st->free_threads;
	if (t) {
		st->free_threads = t->hnext;
	} else {
		t = malloc(sizeof *t);
		if (!t)
			return NULL;
	}
	memset(t, 0, sizeof *t);
	return t;
}

static void thread_release(struct st_state *st, struct st_thread *t)
{
	st_dyn_free(st, t);
	t->hnext = st->free_threads;
	st->free_threads = t;
}

struct st_thread *st_add_thread(struct st_state *st, int64_t tid, int64_t pid, int64_t ptid)
{
	struct st_thread *t = st_find(st, tid);
	if (t)
		return t;
	if (st->cnt.threads >= st->opts.thread_table_size) {
		st->cnt.table_full_drops++;
		return NULL;
	}
	t = thread_alloc(st);
	if (!t)
		return NULL;
	t->tid = tid;
	t->pid = pid;
	t->vtid = tid;
	t->vpid = pid;
	t->sid = t->vpgid = t->pgid = -1;
	t->reaper_tid = -1;
	t->loginuid = UINT32_MAX;
	t->lastevent_fd = -1;
	t->proc = st_proc_new(st);
	if (!t->proc) {
		thread_release(st, t);
		return NULL;
	}
	t->proc->nlive = 1;
	grp_add(t);
	hash_insert(st, t);
	st->cnt.threads++;
	st->cnt.added++;
	st_set_ptid(st, t, ptid);
	/* Threads already in the table whose parent is this tid (imports in any
	 * order) are linked by st_link_all(), not here: that would cost a scan. */
	return t;
}

/* A thread record outside the table (the plugin API's detached entries). */
struct st_thread *st_thread_detached(struct st_state *st)
{
	struct st_thread *t = thread_alloc(st);
	if (!t)
		return NULL;
	t->sid = t->vpgid = t->pgid = t->reaper_tid = t->ptid = -1;
	t->loginuid = UINT32_MAX;
	t->lastevent_fd = -1;
	t->proc = st_proc_new(st);
	if (!t->proc) {
		thread_release(st, t);
		return NULL;
	}
	t->proc->nlive = 1;
	grp_add(t);
	return t;
}

void st_thread_detached_free(struct st_state *st, struct st_thread *t)
{
	grp_del(t);
	st_proc_unref(st, t->proc);
	thread_release(st, t);
}

/* Puts a detached record into the table under `tid`; NULL (and the record
 * freed) when the tid is taken or the table is full. */
struct st_thread *st_thread_attach(struct st_state *st, struct st_thread *t, int64_t tid)
{
	if (st_find(st, tid) || st->cnt.threads >= st->opts.thread_table_size) {
		if (!st_find(st, tid))
			st->cnt.table_full_drops++;
		st_thread_detached_free(st, t);
		return NULL;
	}
	t->tid = tid;
	if (t->pid <= 0)
		t->pid = tid;
	if (t->vtid <= 0)
		t->vtid = tid;
	hash_insert(st, t);
	st->cnt.threads++;
	st->cnt.added++;
	st_set_ptid(st, t, t->ptid);
	return t;
}

void st_join_process(struct st_state *st, struct st_thread *t, struct st_thread *leader)
{
	if (!leader || t->proc == leader->proc)
		return;
	if (t->proc) {
		grp_del(t);
		if (!(t->flags & ST_CL_CLOSED))
			t->proc->nlive--;
		st_proc_unref(st, t->proc);
	}
	t->proc = leader->proc;
	t->proc->refs++;
	if (!(t->flags & ST_CL_CLOSED))
		t->proc->nlive++;
	grp_add(t);
}

/* ---- removal and reparenting ---------------------------------------------- */

/* The kernel's choice of a new parent for the children of an exiting
 * thread: a live thread of the same group, else the nearest ancestor that
 * is a child subreaper, else the init of the pid namespace. The procexit
 * event may carry the kernel's answer (reaper_tid); it wins, except that a
 * driver which only reports the namespace init (ours, for now) does not
 * override a group thread or subreaper that the table knows about. */
static struct st_thread *find_special_reaper(struct st_state *st, struct st_thread *dying)
{
	struct st_thread *mt = st_main_thread(st, dying);
	if (dying->proc->nlive > 0) {
		if (mt && mt != dying && !(mt->flags & ST_CL_CLOSED))
			return mt;
		for (struct st_thread *c = dying->proc->threads; c; c = c->grp_next)
			if (c != dying && !(c->flags & ST_CL_CLOSED))
				return c;
	}
	struct st_thread *a = mt ? mt : dying;
	for (int depth = 0; depth < 4096; depth++) {
		struct st_thread *p = st_find(st, a->ptid);
		if (!p || p == a)
			break;
		if (st_main_thread(st, p))
			p = st_main_thread(st, p);
		if (p->vpid == 1 && dying->vpid != dying->pid)
			return NULL; /* the namespace init: the default below */
		if (p->proc->child_subreaper && p != dying && !(p->flags & ST_CL_CLOSED))
			return p;
		a = p;
	}
	return NULL;
}

static bool is_ns_init(const struct st_thread *t)
{
	return t->tid == 1 || t->vpid == 1;
}

static struct st_thread *find_reaper(struct st_state *st, struct st_thread *dying)
{
	struct st_thread *special = find_special_reaper(st, dying);
	if (dying->reaper_tid > 0) {
		struct st_thread *r = st_find(st, dying->reaper_tid);
		if (r && r != dying && !(special && is_ns_init(r)))
			return r;
	}
	if (special)
		return special;
	/* the init of the namespace: the nearest ancestor with vpid 1 */
	struct st_thread *a = st_main_thread(st, dying) ? st_main_thread(st, dying) : dying;
	for (int depth = 0; depth < 4096; depth++) {
		struct st_thread *p = st_find(st, a->ptid);
		if (!p || p == a)
			break;
		if (p->vpid == 1 && p != dying)
			return p;
		a = p;
	}
	struct st_thread *init = st_find(st, 1);
	return init != dying ? init : NULL;
}

static void reparent_children(struct st_state *st, struct st_thread *t)
{
	if (!t->child)
		return;
	struct st_thread *r = find_reaper(st, t);
	while (t->child) {
		struct st_thread *c = t->child;
		unlink_parent(c);
		c->ptid = r ? r->tid : 0;
		if (r)
			link_parent(c, r);
	}
}

static void thread_free(struct st_state *st, struct st_thread *t)
{
	hash_remove(st, t);
	unlink_parent(t);
	grp_del(t);
	if (!(t->flags & ST_CL_CLOSED))
		t->proc->nlive--;
	st_proc_unref(st, t->proc);
	t->proc = NULL;
	st->cnt.threads--;
	thread_release(st, t);
}

void st_remove_thread(struct st_state *st, int64_t tid)
{
	struct st_thread *t = st_find(st, tid);
	if (!t)
		return;
	reparent_children(st, t);
	struct st_thread *mt = st_main_thread(st, t);
	thread_free(st, t);
	st->cnt.removed++;
	/* A leader that exited first stays (closed) while its threads live; the
	 * last thread out takes it along. */
	if (mt && mt != t && (mt->flags & ST_CL_CLOSED) && mt->proc->nlive == 0) {
		reparent_children(st, mt);
		thread_free(st, mt);
		st->cnt.removed++;
	}
}

/* Marks a thread as exited (procexit). It stays for the rest of the event;
 * st_flush_pending() removes it before the next one. */
void st_thread_exit(struct st_state *st, struct st_thread *t)
{
	if (t->flags & ST_CL_CLOSED)
		return;
	t->flags |= ST_CL_CLOSED;
	t->proc->nlive--;
	if (st->npending_exit < ST_PENDING_MAX)
		st->pending_exit[st->npending_exit++] = t->tid;
	else
		st_remove_thread(st, t->tid);
}

void st_flush_pending(struct st_state *st)
{
	for (uint32_t i = 0; i < st->npending_exit; i++) {
		struct st_thread *t = st_find(st, st->pending_exit[i]);
		if (!t)
			continue;
		/* A leader whose threads still run stays as a closed entry. */
		if (t->tid == t->pid && t->proc->nlive > 0) {
			reparent_children(st, t);
			continue;
		}
		st_remove_thread(st, t->tid);
	}
	st->npending_exit = 0;
	if (st->pending_fd_tid != 0) {
		struct st_thread *t = st_find(st, st->pending_fd_tid);
		if (t)
			st_fd_remove(st, t, st->pending_fd);
		st->pending_fd_tid = 0;
	}
}

/* Drops threads not seen for thread_timeout_s (auto-purge). */
void st_purge(struct st_state *st, uint64_t now)
{
	uint64_t timeout = (uint64_t)st->opts.thread_timeout_s * 1000000000ull;
	if (now < timeout)
		return;
	uint64_t cutoff = now - timeout;
	for (uint32_t b = 0; b <= st->bucket_mask; b++) {
		struct st_thread *t = st->buckets[b];
		while (t) {
			struct st_thread *next = t->hnext;
			if (t->lastaccess_ts && t->lastaccess_ts < cutoff && t->tid != 1 &&
			    !(t->tid == t->pid && t->proc->nlive > 1)) {
				st_remove_thread(st, t->tid);
				st->cnt.purged++;
				st->cnt.removed--; /* counted as purged, not removed */
				/* the chain may have changed: restart the bucket */
				next = st->buckets[b];
			}
			t = next;
		}
	}
}

void st_foreach_thread(struct st_state *st, bool (*fn)(void *ctx, struct st_thread *t), void *ctx)
{
	for (uint32_t b = 0; b <= st->bucket_mask; b++) {
		struct st_thread *t = st->buckets[b];
		while (t) {
			struct st_thread *next = t->hnext;
			if (!fn(ctx, t))
				return;
			t = next;
		}
	}
}

/* ---- state lifetime -------------------------------------------------------- */

struct st_state *st_new(const struct st_opts *opts)
{
	struct st_state *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	if (opts) {
		if (opts->sz < sizeof(size_t) || opts->sz > sizeof *opts) {
			free(st);
			return NULL;
		}
		memcpy(&st->opts, opts, opts->sz);
	}
	if (!st->opts.thread_table_size)
		st->opts.thread_table_size = 262144;
	if (!st->opts.purge_interval_s)
		st->opts.purge_interval_s = 300;
	if (!st->opts.thread_timeout_s)
		st->opts.thread_timeout_s = 300;
	if (!st->opts.max_fds_per_process)
		st->opts.max_fds_per_process = 65536;
	uint32_t nb = 1024;
	while (nb < st->opts.thread_table_size && nb < (1u << 24))
		nb <<= 1;
	st->buckets = calloc(nb, sizeof *st->buckets);
	if (!st->buckets) {
		free(st);
		return NULL;
	}
	st->bucket_mask = nb - 1;
	if (st_tables_init(st) != 0) {
		free(st->buckets);
		free(st);
		return NULL;
	}
	states_alive++;
	return st;
}

void st_free(struct st_state *st)
{
	if (!st)
		return;
	for (uint32_t b = 0; b <= st->bucket_mask; b++) {
		struct st_thread *t = st->buckets[b];
		while (t) {
			struct st_thread *next = t->hnext;
			st_proc_unref(st, t->proc);
			st_dyn_free(st, t);
			free(t);
			t = next;
		}
	}
	while (st->free_threads) {
		struct st_thread *n = st->free_threads->hnext;
		free(st->free_threads);
		st->free_threads = n;
	}
	while (st->free_procs) {
		struct st_proc *n = st->free_procs->next_free;
		st_fdtab_unref(st, st->free_procs->fds);
		free(st->free_procs);
		st->free_procs = n;
	}
	st_fd_pool_free(st);
	st_users_free(st);
	st_tables_free(st);
	free(st->buckets);
	free(st);
	if (--states_alive == 0)
		str_pool_drain();
}

struct st_counters st_counters(const struct st_state *st)
{
	return st->cnt;
}

const struct st_event_ctx *st_current(const struct st_state *st)
{
	return &st->cur;
}
