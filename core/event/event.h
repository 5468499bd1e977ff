/*
 * core/event: the scap event model.
 *
 * An event is a packed 26-byte header followed by one length per parameter
 * (u16, or u32 for large-payload events) and then the parameter bytes, in
 * host byte order. This module owns the schema table (every event code with
 * its parameters, numbered as upstream's event schema 4.x), a decoder that
 * validates an event and gives pointers to its parameters, an encoder, and
 * the printers that render parameters as `falco`/`sysdig` show them.
 *
 * Nothing here allocates per event; every pointer returned points into the
 * caller's buffer or into static tables.
 */
#ifndef FALCO_CORE_EVENT_H
#define FALCO_CORE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event/codes.h" /* enum ev_code: EV_<NAME>_E / EV_<NAME>_X, EV_CODE_MAX */

#define EV_HDR_LEN 26u
#define EV_MAX_PARAMS 32u
#define EV_MAX_NAME 32u

/* The on-wire header. `len` covers header, length array and data. */
struct ev_hdr {
	uint64_t ts;      /* ns since the epoch */
	uint64_t tid;     /* thread id; (uint64_t)-1 for plugin and async events */
	uint32_t len;
	uint16_t type;    /* enum ev_code */
	uint32_t nparams;
} __attribute__((packed));

_Static_assert(sizeof(struct ev_hdr) == EV_HDR_LEN, "scap event header is 26 bytes");

/* Parameter types: upstream's ppm_param_type numbering. */
enum ev_ptype {
	EV_PT_NONE = 0,
	EV_PT_INT8 = 1,
	EV_PT_INT16 = 2,
	EV_PT_INT32 = 3,
	EV_PT_INT64 = 4,
	EV_PT_UINT8 = 5,
	EV_PT_UINT16 = 6,
	EV_PT_UINT32 = 7,
	EV_PT_UINT64 = 8,
	EV_PT_CHARBUF = 9,       /* NUL-terminated printable string */
	EV_PT_BYTEBUF = 10,      /* raw bytes */
	EV_PT_ERRNO = 11,        /* int64, negative errno on failure */
	EV_PT_SOCKADDR = 12,     /* u8 family + address */
	EV_PT_SOCKTUPLE = 13,    /* u8 family + source + destination */
	EV_PT_FD = 14,           /* int64 */
	EV_PT_PID = 15,          /* int64 */
	EV_PT_FDLIST = 16,       /* u16 count + count * (u64 fd, u16 flags) */
	EV_PT_FSPATH = 17,       /* NUL-terminated path */
	EV_PT_SYSCALLID = 18,    /* u16 ppm syscall code */
	EV_PT_SIGTYPE = 19,      /* u8 signal number */
	EV_PT_RELTIME = 20,      /* u64 ns */
	EV_PT_ABSTIME = 21,      /* u64 ns since the epoch */
	EV_PT_PORT = 22,         /* u16 */
	EV_PT_L4PROTO = 23,      /* u8 */
	EV_PT_SOCKFAMILY = 24,   /* u8 */
	EV_PT_BOOL = 25,         /* u32 */
	EV_PT_IPV4ADDR = 26,     /* 4 bytes */
	EV_PT_DYN = 27,          /* u8 index into info[], then that type */
	EV_PT_FLAGS8 = 28,
	EV_PT_FLAGS16 = 29,
	EV_PT_FLAGS32 = 30,
	EV_PT_UID = 31,          /* u32, UINT32_MAX means none */
	EV_PT_GID = 32,          /* u32, UINT32_MAX means none */
	EV_PT_DOUBLE = 33,
	EV_PT_SIGSET = 34,       /* u32 */
	EV_PT_CHARBUFARRAY = 35, /* NUL-separated strings */
	EV_PT_CHARBUF_PAIR_ARRAY = 36,
	EV_PT_IPV4NET = 37,
	EV_PT_IPV6ADDR = 38,     /* 16 bytes */
	EV_PT_IPV6NET = 39,
	EV_PT_IPADDR = 40,       /* 4 or 16 bytes */
	EV_PT_IPNET = 41,
	EV_PT_MODE = 42,         /* u32 file mode bits */
	EV_PT_FSRELPATH = 43,    /* path relative to the dirfd param in `info` */
	EV_PT_ENUMFLAGS8 = 44,
	EV_PT_ENUMFLAGS16 = 45,
	EV_PT_ENUMFLAGS32 = 46,
	EV_PT_FD32 = 47,         /* int32 fd */
	EV_PT_PID32 = 48,        /* int32 pid */
	EV_PT_MAX = 49
};

/* Print formats: upstream's ppm_print_format numbering. */
enum ev_pfmt {
	EV_PF_NA = 0,
	EV_PF_DEC = 1,
	EV_PF_HEX = 2,
	EV_PF_10_PADDED_DEC = 3,
	EV_PF_ID = 4,
	EV_PF_DIR = 5,
	EV_PF_OCT = 6
};

/* Categories: upstream's ppm_event_category values. The low bits hold the
 * syscall category, the high bits the event source kind. */
enum ev_category {
	EV_C_UNKNOWN = 0,
	EV_C_OTHER = 1,
	EV_C_FILE = 2,
	EV_C_NET = 3,
	EV_C_IPC = 4,
	EV_C_MEMORY = 5,
	EV_C_PROCESS = 6,
	EV_C_SLEEP = 7,
	EV_C_SYSTEM = 8,
	EV_C_SIGNAL = 9,
	EV_C_USER = 10,
	EV_C_TIME = 11,
	EV_C_PROCESSING = 12,
	EV_C_IO_BASE = 32,
	EV_C_IO_READ = 32,
	EV_C_IO_WRITE = 33,
	EV_C_IO_OTHER = 34,
	EV_C_WAIT = 1 << 6,
	EV_C_SCHEDULER = 1 << 7,
	EV_C_INTERNAL = 1 << 8,
	EV_C_SYSCALL = 1 << 9,
	EV_C_TRACEPOINT = 1 << 10,
	EV_C_PLUGIN = 1 << 11,
	EV_C_METAEVENT = 1 << 12,
	EV_C_ITER = 1 << 13
};
#define EV_C_KIND_MASK (EV_C_SYSCALL | EV_C_TRACEPOINT | EV_C_PLUGIN | EV_C_METAEVENT | EV_C_ITER)

/* Event flags: upstream's ppm_event_flags values. */
enum ev_flags {
	EV_F_NONE = 0,
	EV_F_CREATES_FD = 1 << 0,
	EV_F_DESTROYS_FD = 1 << 1,
	EV_F_USES_FD = 1 << 2,
	EV_F_READS_FROM_FD = 1 << 3,
	EV_F_WRITES_TO_FD = 1 << 4,
	EV_F_MODIFIES_STATE = 1 << 5,
	EV_F_UNUSED = 1 << 6,
	EV_F_WAITS = 1 << 7,
	EV_F_SKIPPARSERESET = 1 << 8,
	EV_F_OLD_VERSION = 1 << 9,
	EV_F_LARGE_PAYLOAD = 1 << 11,
	EV_F_CONVERTER_MANAGED = 1 << 12
};

/* A name for a flag bit or enum value, terminated by {NULL, 0}. */
struct ev_name_value {
	const char *name;
	uint32_t value;
};

struct ev_param_info {
	const char *name;
	uint8_t type;  /* enum ev_ptype */
	uint8_t fmt;   /* enum ev_pfmt */
	uint8_t ninfo; /* entries in `info` for EV_PT_DYN */
	/* FLAGS / ENUMFLAGS / MODE: const struct ev_name_value[];
	 * FSRELPATH: the dirfd parameter's index, cast to a pointer (as upstream);
	 * DYN: const struct ev_param_info[ninfo]. */
	const void *info;
};

struct ev_info {
	const char *name;     /* "open", "execve", ...; "NA" for unused codes */
	uint32_t category;    /* enum ev_category bits */
	uint32_t flags;       /* enum ev_flags bits */
	uint32_t nparams;
	struct ev_param_info params[EV_MAX_PARAMS];
};

/* The schema. Returns NULL for a code outside the table. */
const struct ev_info *ev_info(uint16_t code);

/* A name table by its schema name (core/event/schema/names.txt), e.g.
 * "file_flags", "socket_families", "poll_flags"; NULL when unknown. Not for
 * hot paths (a linear search): resolve once. Points to a static table. */
const struct ev_name_value *ev_name_table(const char *name);

/* The syscall codes (enum ev_sc) whose capture produces event `code`, as
 * upstream's event-to-syscall map: sets *sc to a static array and returns its
 * length; 0 (and *sc NULL or empty) for events no syscall produces, such as
 * meta events. GENERIC_E/X list every syscall without a dedicated event. */
size_t ev_event_syscalls(uint16_t code, const uint16_t **sc);

/* One native x86_64 syscall as upstream's driver table describes it: its
 * syscall code (enum ev_sc), the enter/exit events it produces
 * (EV_GENERIC_E/X for syscalls without their own events) and EV_UF_* flags. */
enum ev_uf {
	EV_UF_USED = 1 << 0,
	EV_UF_NEVER_DROP = 1 << 1,
	EV_UF_ALWAYS_DROP = 1 << 2,
	EV_UF_ATOMIC = 1 << 4
};
struct ev_native_syscall {
	uint16_t sc;
	uint16_t enter;
	uint16_t exit;
	uint16_t flags;
};
#define EV_X86_64_SYSCALLS 512u

/* The entry for x86_64 syscall number nr, NULL when the table has none.
 * Points into a static table. */
const struct ev_native_syscall *ev_native_syscall_x86_64(uint32_t nr);

/* Syscall sets as upstream computes them, as flags indexed by enum ev_sc
 * (out[sc] = 1 when in the set); event sets are indexed by enum ev_code. */
/* every syscall producing one of the flagged events */
void ev_sc_set_of_events(const uint8_t events[EV_CODE_MAX], uint8_t out[EV_SC_MAX]);
/* every event some flagged syscall produces */
void ev_events_of_sc_set(const uint8_t sc_set[EV_SC_MAX], uint8_t out[EV_CODE_MAX]);
/* what the state engine needs (libsinsp's sinsp_state_sc_set): syscalls of
 * state-changing syscall/tracepoint events, plus the never-drop ones */
void ev_sc_set_state(uint8_t out[EV_SC_MAX]);
/* syscalls of read/write I/O events (libsinsp's io_sc_set) */
void ev_sc_set_io(uint8_t out[EV_SC_MAX]);
/* what Falco leaves off by default: I/O syscalls the state does not need */
void ev_sc_set_falco_ignored(uint8_t out[EV_SC_MAX]);

/* The name of an upstream syscall code (enum ev_sc, as carried by SYSCALLID
 * parameters), e.g. "mprotect"; NULL for unassigned or out-of-range codes.
 * Points to a static string. */
const char *ev_syscall_name(uint16_t id);

/* The index of the parameter called `name` in event `code`, -1 when it has
 * none (for `evt.arg.NAME`; resolve once at load time). */
int ev_param_index(uint16_t code, const char *name);

/* True for exit (odd) codes, as upstream's PPME_IS_EXIT; meta events that
 * have no pair are enter-direction. */
static inline bool ev_is_exit(uint16_t code) { return (code & 1u) != 0; }

/* True when the event's parameter lengths are u32 (EV_F_LARGE_PAYLOAD). */
bool ev_is_large(uint16_t code);

/* A decoded event: pointers into the caller's buffer. */
struct ev_view {
	const struct ev_hdr *hdr;
	uint32_t nparams;
	const uint8_t *val[EV_MAX_PARAMS];
	uint32_t len[EV_MAX_PARAMS];
};

/* ---- Printers: parameters and events as upstream's `evt.args` shows them ---- */

/* upstream's AT_FDCWD value in dirfd parameters */
#define EV_AT_FDCWD (-100)

/* What the printers ask the state engine. `ctx` is passed back untouched;
 * every member may be NULL (then that resolution is skipped). The event's
 * thread counts as known when comm(ctx, hdr->tid) is non-NULL: upstream
 * resolves fds, paths, users and groups only for a known thread.
 * Callbacks write NUL-terminated text into buf (capacity len) and return
 * false when they have nothing; returned strings stay valid until the next
 * call into the resolver. */
struct ev_resolver {
	void *ctx;
	/* fd of thread tid as "<type>name", e.g. "<f>/etc/ld.so.cache", "<4t>1.2.3.4:5->6.7.8.9:80", "<p>" */
	bool (*fd_desc)(void *ctx, uint64_t tid, int64_t fd, char *buf, size_t len);
	/* command name of thread tid, NULL when the thread is unknown */
	const char *(*comm)(void *ctx, int64_t tid);
	/* directory that relative paths of thread tid start from, ending in
	 * '/': its cwd when dirfd is EV_AT_FDCWD, else the path of dirfd */
	bool (*base_dir)(void *ctx, uint64_t tid, int64_t dirfd, char *buf, size_t len);
	/* user / group name for an id as seen by thread tid, NULL when unknown */
	const char *(*user_name)(void *ctx, uint64_t tid, uint32_t uid);
	const char *(*group_name)(void *ctx, uint64_t tid, uint32_t gid);
	/* show byte buffers in base64 instead of with '.' for non-printables
	 * (falco.yaml buffer_format_base64) */
	bool base64_buffers;
};

/* Parameter i of event v split as upstream does: the value into val (e.g.
 * "3", "-2", "4097") and its resolution into res (e.g. "<f>/etc/ld.so.cache",
 * "ENOENT", "O_RDONLY|O_CLOEXEC"; "" when there is none). `evt.arg.NAME`
 * shows res when non-empty, else val. r may be NULL. Both outputs are
 * always NUL-terminated (truncated to their capacity, which must be > 0). */
void ev_render_param_split(const struct ev_view *v, uint32_t i, const struct ev_resolver *r,
                           char *val, size_t vlen, char *res, size_t rlen);

/* Parameter i as shown inside `evt.args`: "val" or "val(res)". Writes at
 * most len bytes including the NUL and returns the length the full text
 * needs (as snprintf), so a result >= len means it was truncated. */
size_t ev_render_param(const struct ev_view *v, uint32_t i, const struct ev_resolver *r,
                       char *buf, size_t len);

/* The whole `evt.args`: "name=val name=val(res) ..." ("" for GENERIC_X).
 * Same truncation contract as ev_render_param. */
size_t ev_render_args(const struct ev_view *v, const struct ev_resolver *r, char *buf, size_t len);

/* `evt.type`: the schema name, the syscall's name for GENERIC_X (e.g.
 * "mprotect"), the name parameter of ASYNCEVENT_E. Points into static
 * tables or into the event; never NULL. */
const char *ev_type_name(const struct ev_view *v);

/* `evt.rawres`: true for exit events of syscalls (except GENERIC_X) that
 * have parameters, with *res the first parameter (int32 or int64; 0 for
 * other widths, as upstream). */
bool ev_result(const struct ev_view *v, int64_t *res);

/* The name of a negative errno result, e.g. -2 -> "ENOENT"; NULL when
 * upstream has no name for it (or res >= 0). */
const char *ev_errno_name(int64_t res);

/* A signal number's name, e.g. 9 -> "SIGKILL"; NULL when unknown. */
const char *ev_signal_name(uint32_t sig);

/* `evt.category` for a schema category (enum ev_category bits): "file",
 * "net", "IPC", "memory", "process", "sleep", "system", "signal", "user",
 * "time", "processing", "wait", "scheduler", "internal", "unknown". For the
 * EV_C_IO_* categories upstream names the fd's kind instead: this returns
 * "unknown" (its answer when the fd is unknown); with fd state use
 * ev_io_category_name. */
const char *ev_category_name(uint32_t category);

/* `evt.category` of an I/O event on an fd of the given type char (the char
 * after '<' in a fd_desc text): "file", "net", "ipc" or "unknown". */
const char *ev_io_category_name(char fd_typechar);

/* The name upstream gives a parameter type, e.g. "FSPATH", "DYNAMIC";
 * "<NA>" for types it does not name. */
const char *ev_param_type_name(uint32_t type);

/* Joins a relative path to base (which ends in '/') and normalises "." and
 * ".." components as upstream does; an absolute path ignores base. Writes
 * at most len bytes including the NUL; returns the full length. */
size_t ev_path_concat(const char *base, const char *path, char *buf, size_t len);

/* Prints every event and its parameters as `falco --list-events` does
 * (text format). */
void ev_list_events(FILE *out);

/* The same in one of falco's `--format` choices; markdown and JSON also say
 * whether each event is on by default (not produced only by the I/O
 * syscalls Falco ignores, ev_sc_set_falco_ignored). */
enum ev_list_format { EV_LIST_TEXT, EV_LIST_MARKDOWN, EV_LIST_JSON };
void ev_list_events_fmt(FILE *out, enum ev_list_format fmt);

/* Validates `buf` (at most `avail` bytes) as one event and fills `out`.
 * Returns 0, or -EINVAL when the header or a length is inconsistent
 * (never reads outside [buf, buf+avail)). */
int ev_decode(const void *buf, size_t avail, struct ev_view *out);

/* Encodes one event into `buf` (capacity `cap`): the header, the length
 * array (u16, or u32 for large-payload codes) and the parameters, where
 * vals[i] points to lens[i] bytes (vals[i] may be NULL when lens[i] is 0).
 * Returns the event's length, -ENOSPC when it does not fit, -EINVAL when a
 * length does not fit its width or nparams > EV_MAX_PARAMS. */
int64_t ev_encode(void *buf, size_t cap, uint64_t ts, uint64_t tid, uint16_t type,
                  uint32_t nparams, const void *const vals[], const uint32_t lens[]);

/* ==== Converter (core/event/convert.c; owned by the `convert` branch) ====
 *
 * Brings the events of old captures to the current schema the way upstream
 * libscap does when it reads a capture: enter events are kept per thread and
 * merged into their exit event, old layouts are rebuilt as the current code,
 * unused codes are dropped. Events that are already current pass untouched.
 *
 * Memory is bounded: the last enter event of at most `max_threads` threads
 * is kept (a set-associative cache; the least recently stored one of a set
 * is evicted and counted), in at most max_threads * 16 KiB of buffers (an
 * enter event that would exceed it is not kept, and counted). One converter
 * per event stream; not thread-safe.
 */
struct ev_conv;

struct ev_conv_stats {
	uint64_t events;    /* events given to ev_conv_next */
	uint64_t passed;    /* delivered (as is or converted) */
	uint64_t converted; /* delivered after at least one rewrite */
	uint64_t dropped;   /* not delivered: stored enter events, unused codes */
	uint64_t stored;    /* enter events kept for their exit */
	uint64_t evicted;   /* stored enter events lost to the thread bound */
	uint64_t oversize;  /* enter events not kept: over the byte budget */
	uint64_t no_enter;  /* exit events converted without their enter event */
};

enum ev_conv_verdict {
	EV_CONV_PASS = 0, /* deliver *out */
	EV_CONV_DROP = 1  /* deliver nothing for this event */
};

/* A new converter keeping the enter events of up to `max_threads` threads
 * (0 picks 4096). The caller owns the result (ev_conv_free); NULL when
 * out of memory. */
struct ev_conv *ev_conv_new(uint32_t max_threads);
void ev_conv_free(struct ev_conv *c);

/* Converts one event. `evt` is a complete event of `avail` bytes (the
 * caller's buffer, not modified). On EV_CONV_PASS, *out points either to
 * `evt` or to a buffer owned by the converter that stays valid until the
 * next call. A current event passes after a header check only: decode it
 * (ev_decode) before use; converted events are always well formed. Returns EV_CONV_PASS, EV_CONV_DROP, or a negative errno
 * (-EINVAL malformed event, -EPROTO no rule for an old layout or an enter
 * event of another syscall, -ENOMEM) with ev_conv_error() saying why. */
int ev_conv_next(struct ev_conv *c, const void *evt, size_t avail, const void **out);

/* The message of the last error (static storage of `c`). */
const char *ev_conv_error(const struct ev_conv *c);

void ev_conv_get_stats(const struct ev_conv *c, struct ev_conv_stats *out);

/* True when the converter has a rule for events of `code` carrying
 * `nparams` parameters (coverage checks and tests). */
bool ev_conv_has_rule(uint16_t code, uint32_t nparams);

/* ==== end of converter ==== */

#endif
