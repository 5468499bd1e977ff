/*
 * core/state: what the engine knows about the system beyond the event at hand.
 *
 * A thread table keyed by tid (threads grouped into processes that share
 * executable, arguments, environment, cwd and the fd table), one fd table per
 * process, users and groups, and a generic table API through which the thread
 * table is published as `threads` for plugins.
 *
 * State is rebuilt from events (st_apply) in the same way live and in replay,
 * starting from a capture's process/fd/user lists (st_import_capture) or from
 * a scan of /proc (st_scan_proc). Memory is bounded: the thread table has a
 * configured size and a per-process fd limit; what does not fit is counted.
 *
 * Use (replay): st = st_new(&opts); st_import_capture(st, eng_replay_meta(src));
 * per numbered event st_apply(st, &ev, cpu), then evaluate rules with
 * fld_ctx.state = st (st_fields_register() adds the proc/thread, fd, user and
 * group classes to a field registry), printers with st_resolver(). Live: the
 * same after st_scan_proc(st, "/proc") and st_load_passwd(). Plugins see the
 * thread table through st_table_get(st, "threads", ST_T_INT64).
 *
 * Threading: a state belongs to one event-source thread; nothing here locks.
 *
 * Ownership: every pointer returned by a lookup points into the state and is
 * valid until the next st_apply()/st_import_*()/st_remove_thread() call.
 */
#ifndef FALCO_CORE_STATE_H
#define FALCO_CORE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

/* ---- configuration --------------------------------------------------- */

/* Zero-initialise, set `sz = sizeof(struct st_opts)`; zero fields take the
 * defaults in brackets. Keys as in falco.yaml's `falco_libs` section. */
struct st_opts {
	size_t sz;
	uint32_t thread_table_size;         /* [262144] falco_libs.thread_table_size */
	uint32_t purge_interval_s;          /* [300] ...thread_table_auto_purging_interval_s */
	uint32_t thread_timeout_s;          /* [300] ...thread_table_auto_purging_thread_timeout_s */
	uint32_t max_fds_per_process;       /* [65536] fds beyond this are dropped and counted */
};

/* ---- file descriptors ------------------------------------------------- */

/* fd types: upstream's scap_fd_type numbering (also the `type` field that
 * the `file_descriptors` table publishes). */
enum st_fd_type {
	ST_FD_UNKNOWN = 0,
	ST_FD_FILE = 1,
	ST_FD_DIRECTORY = 2,
	ST_FD_IPV4_SOCK = 3,
	ST_FD_IPV6_SOCK = 4,
	ST_FD_IPV4_SERVSOCK = 5,
	ST_FD_IPV6_SERVSOCK = 6,
	ST_FD_FIFO = 7,
	ST_FD_UNIX_SOCK = 8,
	ST_FD_EVENT = 9,
	ST_FD_UNSUPPORTED = 10,
	ST_FD_SIGNALFD = 11,
	ST_FD_EVENTPOLL = 12,
	ST_FD_INOTIFY = 13,
	ST_FD_TIMERFD = 14,
	ST_FD_NETLINK = 15,
	ST_FD_FILE_V2 = 16,
	ST_FD_BPF = 17,
	ST_FD_USERFAULTFD = 18,
	ST_FD_IOURING = 19,
	ST_FD_MEMFD = 20,
	ST_FD_PIDFD = 21
};

/* Transport protocols: upstream's scap_l4_proto numbering. */
enum st_l4 { ST_L4_UNKNOWN = 0, ST_L4_NA = 1, ST_L4_TCP = 2, ST_L4_UDP = 3, ST_L4_ICMP = 4, ST_L4_RAW = 5 };

/* st_fd.flags */
enum st_fd_flags {
	ST_FDF_ROLE_CLIENT = 1u << 0,
	ST_FDF_ROLE_SERVER = 1u << 1,
	ST_FDF_CONNECTED = 1u << 2,
	ST_FDF_CLONED = 1u << 3,     /* inherited through fork */
	ST_FDF_FROM_PROC = 1u << 4,  /* from a /proc scan or a capture's fd list */
	ST_FDF_OVERLAY_UPPER = 1u << 5,
	ST_FDF_OVERLAY_LOWER = 1u << 6,
	ST_FDF_NAME_CHANGED = 1u << 7  /* the name changed during the current event */
};

/* open flags bits we look at (upstream's PPM_O_* values) */
#define ST_O_DIRECTORY (1u << 10)
#define ST_O_CLOEXEC (1u << 12)
#define ST_O_UPPER_LAYER (1u << 15)  /* PPM_FD_UPPER_LAYER */
#define ST_O_LOWER_LAYER (1u << 16)  /* PPM_FD_LOWER_LAYER */

/* One open fd. Socket endpoints: for connected sockets `sip:sport` is the
 * client (source) side and `dip:dport` the server side; a listening socket
 * keeps its bound address in `dip:dport`. IPv4 addresses use the first 4
 * bytes of sip/dip, in network byte order as the kernel reports them. */
struct st_fd {
	int64_t fd;
	uint8_t type;       /* enum st_fd_type */
	uint8_t l4proto;    /* enum st_l4 */
	uint16_t flags;     /* enum st_fd_flags */
	uint32_t open_flags;
	uint32_t dev;
	uint32_t mount_id;
	uint64_t ino;
	int64_t pidfd_pid;  /* PIDFD: the pid it refers to */
	uint8_t sip[16], dip[16];
	uint16_t sport, dport;
	uint64_t unix_src, unix_dst;
	/* Owned by the fd, reused across recycling: never NULL ("" when unset). */
	char *name;      /* resolved path, socket tuple, ... */
	char *name_raw;  /* the path as the syscall gave it */
	char *old_name;  /* name before the last rename/update */
	uint32_t name_cap, raw_cap, old_cap;
};

/* ---- threads and processes ------------------------------------------- */

/* Upstream's PPM_CL_* flag bits that the state engine uses. */
#define ST_CL_CLONE_FILES (1u << 0)
#define ST_CL_CLONE_FS (1u << 1)
#define ST_CL_CLONE_NEWPID (1u << 6)
#define ST_CL_CLONE_PARENT (1u << 8)
#define ST_CL_CLONE_THREAD (1u << 13)
#define ST_CL_CLONE_INVERTED (1u << 16)
#define ST_CL_NAME_CHANGED (1u << 17)
#define ST_CL_CLOSED (1u << 18)      /* thread exited, kept while other threads live */
#define ST_CL_ACTIVE (1u << 19)
#define ST_CL_CLONE_VFORK (1u << 27)
#define ST_CL_CHILD_IN_PIDNS (1u << 29)
#define ST_CL_IS_MAIN_THREAD (1u << 30)

struct st_fdtab; /* opaque: one per process (shared by CLONE_FILES) */

/* What the threads of one thread group share. Reference-counted by its
 * threads; strings owned here, never NULL. args/env/cgroups are
 * NUL-separated lists of `*_len` bytes (each item NUL-terminated). */
struct st_proc {
	uint32_t refs;
	uint32_t nlive;          /* live (not exited) threads */
	char *exe;               /* argv[0] as the kernel reports it */
	char *exepath;           /* resolved executable path */
	char *cwd;               /* always ends with '/' */
	char *root;
	char *args; uint32_t args_len;
	char *env; uint32_t env_len;
	char *cgroups; uint32_t cgroups_len; /* "subsys=path" items */
	char container_id[13];   /* "" when host, from the cgroup paths */
	int64_t fdlimit;
	uint64_t exe_ino, exe_ino_ctime, exe_ino_mtime;
	uint64_t exe_ctime_to_clone;   /* clone time - exe ctime, 0 when unknown */
	uint64_t exe_ctime_from_pidns; /* exe ctime - pid namespace start, 0 when unknown */
	uint64_t pidns_init_start_ts;
	bool exe_writable, exe_upper_layer, exe_lower_layer, exe_from_memfd;
	bool child_subreaper;    /* prctl(PR_SET_CHILD_SUBREAPER) */
	struct st_fdtab *fds;
	struct st_thread *threads;  /* private: the group's threads */
	struct st_proc *next_free;  /* private: recycling */
	uint32_t nthreads;          /* threads in the table */
};

struct st_thread {
	int64_t tid, pid, ptid, reaper_tid, sid, vpgid, pgid, vtid, vpid;
	uint32_t uid, gid, loginuid, tty, flags;
	uint64_t cap_inheritable, cap_permitted, cap_effective;
	uint64_t clone_ts, lastexec_ts, lastaccess_ts;
	int64_t lastevent_fd;     /* the fd of the current event, -1 when none */
	char comm[64];
	struct st_proc *proc;     /* never NULL for a thread in the table */
	/* private: hash chain, lineage links, table bookkeeping */
	struct st_thread *hnext;
	struct st_thread *parent, *child, *sib_next, *sib_prev;
	struct st_thread *grp_next, *grp_prev;
	void *dyn;                /* dynamic field values (table API) */
	uint32_t slot;
};

/* ---- users and groups ------------------------------------------------- */

struct st_user { uint32_t uid, gid; const char *name, *home, *shell; };
struct st_group { uint32_t gid; const char *name; };

/* ---- counters ---------------------------------------------------------- */

struct st_counters {
	uint64_t threads;             /* in the table now */
	uint64_t added, removed, purged;
	uint64_t failed_lookups;      /* events whose tid is not in the table */
	uint64_t table_full_drops;    /* threads not added: table full */
	uint64_t fds_dropped;         /* fds not added: max_fds_per_process */
	uint64_t fd_failed_lookups;
};

/* ---- the state ---------------------------------------------------------- */

struct st_state;

/* NULL on allocation failure or bad opts (opts NULL = defaults). */
struct st_state *st_new(const struct st_opts *opts);
void st_free(struct st_state *st);

/* Applies one event (current schema; exit events and the meta events that
 * change state) and makes it the current event for the field extractors.
 * Events that change nothing are fine. Never fails: inconsistent events are
 * ignored and counted. */
void st_apply(struct st_state *st, const struct ev_view *ev, uint16_t cpu);

/* Thread lookups (NULL when absent). st_find counts nothing; st_main_thread
 * is the group leader (tid == pid) when it is in the table. */
struct st_thread *st_find(struct st_state *st, int64_t tid);
struct st_thread *st_main_thread(struct st_state *st, const struct st_thread *t);
/* The n-th ancestor process (n = 0: the thread's own main thread), following
 * main threads' ptid as upstream does. NULL when the chain breaks. */
struct st_thread *st_ancestor(struct st_state *st, const struct st_thread *t, uint32_t n);

/* Creates an empty thread (its own process, empty fd table) or returns the
 * existing one. NULL when the table is full (counted). */
struct st_thread *st_add_thread(struct st_state *st, int64_t tid, int64_t pid, int64_t ptid);
/* Removes a thread now, reparenting its children as the kernel would. */
void st_remove_thread(struct st_state *st, int64_t tid);
/* Makes `t` a thread of `leader`'s process (shares its proc and fds). */
void st_join_process(struct st_state *st, struct st_thread *t, struct st_thread *leader);
/* Rebuilds parent/child links from every thread's ptid (after imports). */
void st_link_all(struct st_state *st);

/* Calls fn for every thread until it returns false. */
void st_foreach_thread(struct st_state *st, bool (*fn)(void *ctx, struct st_thread *t), void *ctx);

/* fd access. st_fd_get returns NULL when the process has no such fd. */
struct st_fd *st_fd_get(struct st_state *st, const struct st_thread *t, int64_t fd);
/* Adds (or replaces) an fd, returns it zeroed apart from `fd` with empty
 * names; NULL when over max_fds_per_process (counted). */
struct st_fd *st_fd_add(struct st_state *st, struct st_thread *t, int64_t fd);
void st_fd_remove(struct st_state *st, struct st_thread *t, int64_t fd);
/* Calls fn for every fd of t's process, in fd order, until it returns false. */
void st_fd_foreach(struct st_state *st, const struct st_thread *t,
                   bool (*fn)(void *ctx, struct st_fd *f), void *ctx);
uint32_t st_fd_count(const struct st_thread *t);

/* String setters (copy `s`, `len` bytes, or up to NUL when len == SIZE_MAX). */
void st_fd_set_name(struct st_fd *f, const char *s, size_t len);
void st_fd_set_name_raw(struct st_fd *f, const char *s, size_t len);
void st_proc_set(char **field, const char *s, size_t len);
void st_proc_set_list(char **field, uint32_t *flen, const char *s, size_t len);
void st_proc_set_cwd(struct st_proc *p, const char *s, size_t len); /* adds trailing '/' */
void st_thread_set_comm(struct st_thread *t, const char *s, size_t len);

/* Users and groups (replace on the same id). Strings are copied. */
int st_user_add(struct st_state *st, uint32_t uid, uint32_t gid, const char *name,
                const char *home, const char *shell);
int st_group_add(struct st_state *st, uint32_t gid, const char *name);
void st_user_remove(struct st_state *st, uint32_t uid);
void st_group_remove(struct st_state *st, uint32_t gid);
const struct st_user *st_user_get(const struct st_state *st, uint32_t uid);
const struct st_group *st_group_get(const struct st_state *st, uint32_t gid);
/* Loads /etc/passwd and /etc/group style files under `root` ("" or "/" for
 * the host). Returns the number of entries read, or -errno. */
int st_load_passwd(struct st_state *st, const char *passwd_path, const char *group_path);

/* Replay start: a capture's process, fd, user and group lists (the
 * `struct cap_meta` of core/capture). Returns 0. */
struct cap_meta;
int st_import_capture(struct st_state *st, const struct cap_meta *meta);

/* Live start: threads, fds, users and groups from `procfs` (normally
 * "/proc"). Returns the number of threads added, or -errno. */
int st_scan_proc(struct st_state *st, const char *procfs);

/* Container id from a process's cgroup list (docker, cri-containerd, cri-o,
 * podman, libpod, systemd scopes): the first 12 hex digits of the 64-hex id,
 * "" for the host. `out` has 13 bytes. */
void st_container_id(const char *cgroups, uint32_t len, char out[13]);

/* Path resolution as upstream: concatenates `dir` and `path` (when `path` is
 * relative), normalises `.`, `..` and duplicate '/', drops a trailing '/'.
 * Writes at most `cap` bytes (NUL included); returns the length. */
size_t st_path_concat(char *out, size_t cap, const char *dir, const char *path);

struct st_counters st_counters(const struct st_state *st);

/* ---- the current event (what field extractors read) ------------------- */

struct st_event_ctx {
	const struct ev_view *ev;     /* NULL before the first event */
	uint16_t type;
	uint16_t cpu;
	struct st_thread *thread;     /* the event's thread, NULL when unknown */
	struct st_fd *fd;             /* the event's fd when known */
	bool fd_valid;                /* false when `fd` no longer in the table (close) */
	bool fd_failed;               /* the event names an fd the table lacks */
};
const struct st_event_ctx *st_current(const struct st_state *st);

/* ---- field extraction (proc.*, thread.*, fd.*, user.*, group.*) -------- */

enum st_vkind { ST_V_NONE = 0, ST_V_I64, ST_V_U64, ST_V_STR, ST_V_BOOL };

/* An extracted value. `s` points into the state or into the caller's buffer
 * given to st_field_extract; valid until the next st_apply. */
struct st_value {
	uint8_t kind;   /* enum st_vkind; ST_V_NONE: upstream has no value (<NA>) */
	int64_t i;
	uint64_t u;
	const char *s;
	size_t len;
};

enum st_field_id {
	STF_PROC_PID, STF_PROC_PPID, STF_PROC_NAME, STF_PROC_PNAME, STF_PROC_ANAME, STF_PROC_APID,
	STF_PROC_EXE, STF_PROC_PEXE, STF_PROC_EXEPATH, STF_PROC_PEXEPATH, STF_PROC_CMDLINE,
	STF_PROC_PCMDLINE, STF_PROC_ARGS, STF_PROC_CWD, STF_PROC_SID, STF_PROC_SNAME, STF_PROC_VPGID,
	STF_PROC_TTY, STF_PROC_VPID, STF_PROC_ENV, STF_PROC_NTHREADS, STF_PROC_IS_VPGID_LEADER,
	STF_PROC_EXE_INO, STF_PROC_EXE_INO_CTIME, STF_PROC_EXE_INO_MTIME, STF_PROC_IS_EXE_UPPER_LAYER,
	STF_PROC_IS_EXE_FROM_MEMFD, STF_PROC_IS_EXE_WRITABLE, STF_PROC_EXELINE,
	STF_THREAD_TID, STF_THREAD_VTID, STF_THREAD_ISMAIN, STF_THREAD_CAP_PERMITTED,
	STF_THREAD_CAP_EFFECTIVE, STF_THREAD_CAP_INHERITABLE,
	STF_FD_NUM, STF_FD_NAME, STF_FD_NAMERAW, STF_FD_TYPE, STF_FD_TYPECHAR, STF_FD_DIRECTORY,
	STF_FD_FILENAME, STF_FD_CIP, STF_FD_SIP, STF_FD_CPORT, STF_FD_SPORT, STF_FD_L4PROTO,
	STF_FD_SOCKFAMILY, STF_FD_INO, STF_FD_DEV, STF_FD_CONNECTED, STF_FD_NAME_CHANGED,
	STF_USER_UID, STF_USER_NAME, STF_USER_HOMEDIR, STF_USER_SHELL, STF_USER_LOGINUID,
	STF_USER_LOGINNAME, STF_GROUP_GID, STF_GROUP_NAME,
	STF_CONTAINER_ID,
	STF_FD_LIP, STF_FD_RIP, STF_FD_LPORT, STF_FD_RPORT, STF_FD_IS_SERVER,
	STF_PROC_AEXE, STF_PROC_AEXEPATH, STF_PROC_DURATION, STF_PROC_EXE_INO_CTIME_DURATION_PROC_START,
	STF_PROC_EXE_INO_CTIME_DURATION_PIDNS_START, STF_PROC_PIDNS_INIT_START_TS,
	STF_COUNT
};

/* Field name -> id ("proc.aname" for "proc.aname[2]": the index is the
 * caller's `arg`). Returns -1 when unknown. */
int st_field_lookup(const char *name, size_t len);
const char *st_field_name(int id);

/* Extracts a field for the current event. `arg` is the index of
 * proc.aname[N], proc.apid[N], proc.args[N] (-1 when absent). `buf` is
 * scratch space for composed strings (fd.cip/fd.sip are printed there).
 * Returns false (and kind ST_V_NONE) when upstream would print <NA>. */
bool st_field_extract(struct st_state *st, int id, int arg, struct st_value *out,
                      char *buf, size_t cap);
/* The same with the variable name of proc.env[NAME] (`key`, may be NULL). */
bool st_field_extract_key(struct st_state *st, int id, int arg, const char *key,
                          struct st_value *out, char *buf, size_t cap);
/* fd.cip / fd.sip as bytes (network order) for the filter engine: writes 4
 * or 16 bytes into ip and returns the length, 0 when there is none. */
size_t st_field_ip(struct st_state *st, int id, uint8_t ip[16]);

/* The filter engine's field classes over these extractors ("process":
 * proc.* and thread.*, "fd", "user", "group"; core/fields interface). The
 * extraction context's `state` must be the st_state being evaluated.
 * Returns 0 or the registry's error. */
struct fld_reg;
int st_fields_register(struct fld_reg *reg);

/* ---- resolver for the event printers ------------------------------------ */

/* Describes an fd of a thread as the printers show it after the number:
 * "<f>/etc/passwd", "<4t>1.2.3.4:5->6.7.8.9:10", "<p>", "<u>", ... Returns
 * false when the fd is unknown (the printer then shows the bare number). */
bool st_fd_desc(void *st, uint64_t tid, int64_t fd, char *buf, size_t len);
/* The comm of a thread, NULL when unknown. */
const char *st_comm(void *st, int64_t tid);
/* Fills a resolver (core/event's printers) answering from this state. */
void st_resolver(struct st_state *st, struct ev_resolver *out);
/* The type char of the current event's fd ('f', '4', ...), '\0' if none. */
char st_event_fd_typechar(const struct st_state *st);
/* The fd's transport protocol as upstream reports it (enum st_l4). */
uint8_t st_fd_l4proto(const struct st_fd *f);
/* Upstream's fd.type string for an fd type ("file", "ipv4", ...). */
const char *st_fd_typestr(uint8_t type);

/* ---- generic tables (the plugin-visible state) -------------------------- */

/* Types: upstream's ss_plugin_state_type numbering. */
enum st_type {
	ST_T_INT8 = 1, ST_T_INT16 = 2, ST_T_INT32 = 3, ST_T_INT64 = 4,
	ST_T_UINT8 = 5, ST_T_UINT16 = 6, ST_T_UINT32 = 7, ST_T_UINT64 = 8,
	ST_T_STRING = 9, ST_T_TABLE = 10, ST_T_BOOL = 25
};

/* A value read from or written to a table field (the 8-byte union of the
 * plugin API). Strings read are owned by the table entry; valid until the
 * entry changes. */
union st_data {
	int8_t s8; int16_t s16; int32_t s32; int64_t s64;
	uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64;
	const char *str;
	uint32_t b;
	struct st_table *table;
};

struct st_table;  /* a named table: threads, a subtable, or a plugin's table */
struct st_field;  /* a field of a table (static or dynamic) */

struct st_field_info { const char *name; uint8_t type; bool read_only; };

/* The table registry of a state: "threads" is always there. */
struct st_table *st_table_get(struct st_state *st, const char *name, uint8_t key_type);
uint32_t st_table_list(struct st_state *st, const char **names, uint32_t max);
const char *st_table_name(const struct st_table *t);
uint8_t st_table_key_type(const struct st_table *t);
uint64_t st_table_size(struct st_table *t);

/* Fields. `list` returns the fields in declaration order; the array is owned
 * by the table. add_field creates a dynamic field (NULL on a type clash). */
const struct st_field_info *st_table_fields(struct st_table *t, uint32_t *n);
struct st_field *st_table_field(struct st_table *t, const char *name, uint8_t type);
struct st_field *st_table_add_field(struct st_table *t, const char *name, uint8_t type);

/* Entries: opaque handles valid until the table changes. */
typedef void st_entry;
st_entry *st_table_entry(struct st_table *t, const union st_data *key);
int st_table_read(struct st_table *t, st_entry *e, const struct st_field *f, union st_data *out);
int st_table_write(struct st_table *t, st_entry *e, const struct st_field *f, const union st_data *in);
/* Iterates until fn returns false; returns false when stopped early. */
bool st_table_iterate(struct st_table *t, bool (*fn)(void *ctx, st_entry *e), void *ctx);
int st_table_erase(struct st_table *t, const union st_data *key);
/* Creates an entry for `key` (threads: a new empty thread). */
st_entry *st_table_add(struct st_table *t, const union st_data *key);
/* The subtable of a TABLE field without an entry (owner): its fields can be
 * listed and looked up (handles valid for every owner's subtable of that
 * field); entries, size and iteration fail. NULL for a non-TABLE field. */
struct st_table *st_table_subtable(struct st_table *t, const struct st_field *f);
/* The plugin API's two-step creation: a detached entry (not in the table;
 * its fields and subtables can be written), then added under a key, or
 * destroyed. add returns the entry as it is in the table, NULL on failure
 * (key taken, table full, not supported by this table); either way the
 * detached entry is consumed. */
st_entry *st_table_entry_new(struct st_table *t);
void st_table_entry_destroy(struct st_table *t, st_entry *e);
st_entry *st_table_entry_add(struct st_table *t, const union st_data *key, st_entry *e);
int st_table_clear(struct st_table *t);

#endif
