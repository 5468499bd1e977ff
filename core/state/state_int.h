/* Private to core/state: the state struct and the helpers its files share. */
#ifndef FALCO_CORE_STATE_INT_H
#define FALCO_CORE_STATE_INT_H

#include "state/state.h"

#define ST_PENDING_MAX 64u
#define ST_FD_INDEX_MAX (1u << 20) /* fd numbers at or above are not tracked */

struct st_userdb;   uint32_t st_fdtab_cap(const struct st_thread *t);

/* proc.c */
void st_parse_clone(struct st_state *st, const struct ev_view *ev);
void st_parse_execve(struct st_state *st, const struct ev_view *ev, struct st_thread *t);
const char *st_dirfd_path(struct st_state *st, struct st_thread *t, const char *name,
                          int64_t dirfd, char *buf, size_t cap);
/* "sip:sport->dip:dport" of a socket fd (inet_ntop style for IPv6). */
void st_fd_tuple_str(const struct st_fd *f, char *buf, size_t cap);
void st_ip_str(const uint8_t *ip, int v6, char *buf, size_t cap);

/* Fills a 0.0.0.0 end of an IPv4 socket with the local interface address
 * upstream would infer (same address, same subnet, else first non-loopback). */
void st_infer_local_ipv4(const struct st_state *st, struct st_fd *f);

/* True when ip (4 or 16 bytes) is an address of a local interface. */
bool st_ip_is_local(const struct st_state *st, const uint8_t *ip, size_t len);

/* users.c */
struct st_tables;   /* table.c */

struct st_state {
	struct st_opts opts;
	struct st_thread **buckets;
	uint32_t bucket_mask;
	struct st_thread *free_threads;   /* recycled records, chained by hnext */
	struct st_thread *last;           /* the last thread found (st_find) */
	struct st_fd *free_fds;           /* recycled fd records (fdtab.c) */
	uint64_t nprocs;
	struct st_proc *free_procs;       /* recycled process records, with empty fd tables */
	uint32_t nfree_procs;
	struct st_counters cnt;
	struct st_event_ctx cur;
	int64_t pending_exit[ST_PENDING_MAX];
	uint32_t npending_exit;
	int64_t pending_fd_tid;           /* close: fd removed after the event */
	int64_t pending_fd;
	uint64_t last_purge_ts;
	uint64_t boot_ts;
	struct st_userdb *users;
	uint32_t if4_addr[16], if4_mask[16]; /* IPv4 interfaces, network byte order */
	uint32_t nif4;
	uint8_t if6_addr[16][16];
	uint32_t nif6;
	struct st_tables *tables;
};

/* threads.c */
char *st_strdup_len(const char *s, size_t len);
void st_strfree(char *s);
struct st_proc *st_proc_new(struct st_state *st);
void st_proc_unref(struct st_state *st, struct st_proc *p);
struct st_proc *st_proc_fork(struct st_state *st, const struct st_proc *src);
void st_proc_copy_strings(struct st_proc *p, const struct st_proc *src);
void st_set_ptid(struct st_state *st, struct st_thread *t, int64_t ptid);
void st_thread_exit(struct st_state *st, struct st_thread *t);
void st_flush_pending(struct st_state *st);
void st_purge(struct st_state *st, uint64_t now);
struct st_thread *st_thread_detached(struct st_state *st);
void st_thread_detached_free(struct st_state *st, struct st_thread *t);
struct st_thread *st_thread_attach(struct st_state *st, struct st_thread *t, int64_t tid);

/* fdtab.c */
struct st_fdtab *st_fdtab_new(void);
void st_fdtab_unref(struct st_state *st, struct st_fdtab *ft);
/* Drops one reference; returns the table emptied when it was the last one
 * (for reuse), else NULL. */
struct st_fdtab *st_fdtab_release(struct st_state *st, struct st_fdtab *ft);
void st_fdtab_copy(struct st_state *st, struct st_fdtab *dst, const struct st_fdtab *src);
void st_fd_pool_free(struct st_state *st);
void st_fd_copy(struct st_fd *dst, const struct st_fd *src);
void st_fd_set_old_name(struct st_fd *f, const char *s, size_t len);
/* close-on-exec: drops every fd with O_CLOEXEC. */
void st_fd_close_on_exec(struct st_state *st, struct st_thread *t);
/* fd records outside any table (detached entries of file_descriptors). */
struct st_fd *st_fd_detached(struct st_state *st);
void st_fd_detached_free(struct st_state *st, struct st_fd *f);
/* Puts a detached fd into t's table as `fd` (replacing); NULL when over the limit. */
struct st_fd *st_fd_attach(struct st_state *st, struct st_thread *t, int64_t fd, struct st_fd *f);

uint32_t st_fdtab_cap(const struct st_thread *t);

/* proc.c */
void st_parse_clone(struct st_state *st, const struct ev_view *ev);
void st_parse_execve(struct st_state *st, const struct ev_view *ev, struct st_thread *t);
const char *st_dirfd_path(struct st_state *st, struct st_thread *t, const char *name,
                          int64_t dirfd, char *buf, size_t cap);
/* "sip:sport->dip:dport" of a socket fd (inet_ntop style for IPv6). */
void st_fd_tuple_str(const struct st_fd *f, char *buf, size_t cap);
void st_ip_str(const uint8_t *ip, int v6, char *buf, size_t cap);

/* Fills a 0.0.0.0 end of an IPv4 socket with the local interface address
 * upstream would infer (same address, same subnet, else first non-loopback). */
void st_infer_local_ipv4(const struct st_state *st, struct st_fd *f);

/* True when ip (4 or 16 bytes) is an address of a local interface. */
bool st_ip_is_local(const struct st_state *st, const uint8_t *ip, size_t len);

/* users.c */
void st_users_free(struct st_state *st);

/* table.c */
int st_tables_init(struct st_state *st);
void st_tables_free(struct st_state *st);
void st_dyn_free(struct st_state *st, struct st_thread *t);

#endif
