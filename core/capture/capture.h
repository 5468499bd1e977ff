/*
 * core/capture: the `.scap` capture file, read and written.
 *
 * A capture is a pcapng-like sequence of blocks in host byte order,
 * optionally gzip-compressed: a section header, metadata blocks (machine
 * info, interfaces, users and groups, the process list, one fd list per
 * thread) and then event blocks. Every block is
 *     u32 type; u32 total_length; body; pad to 4; u32 total_length
 *
 * The reader accepts every block version upstream libscap has written
 * (process lists V1..V9, fd lists V1/V2, interface and user lists V1/V2,
 * event blocks V1/V2/large, with and without flags, and the pre-release
 * 0x80..ABCD codes) and normalises them: metadata into the structs below,
 * events into the current 26-byte header layout (`struct ev_hdr`). It does
 * not convert old event codes into new ones; that is a separate layer.
 *
 * The writer emits only the current versions (SHB 1.2, MI, IL V2, UL V2,
 * PL V9, FDL V2, EV/EVF V2 and their large-payload variants), so upstream
 * tools read what it writes.
 *
 * Errors: functions return 0 or a negative errno value; a reader or writer
 * keeps a message (cap_error, cap_writer_error) that names the file, the
 * byte offset (in the uncompressed stream) and the block type. Bad input
 * never makes the reader crash, read outside its buffers, allocate more
 * than a bounded multiple of the bytes actually present, or loop forever.
 */
#ifndef FALCO_CORE_CAPTURE_H
#define FALCO_CORE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

/* Block type codes (upstream's numbering). */
enum cap_block {
	CAP_BLOCK_SHB = 0x0A0D0D0Au,
	CAP_BLOCK_MI = 0x201u,
	CAP_BLOCK_MI_INT = 0x8002ABCDu,
	CAP_BLOCK_PL_V1 = 0x202u,
	CAP_BLOCK_PL_V1_INT = 0x8000ABCDu,
	CAP_BLOCK_PL_V2 = 0x207u,
	CAP_BLOCK_PL_V2_INT = 0x8013ABCDu,
	CAP_BLOCK_PL_V3 = 0x209u,
	CAP_BLOCK_PL_V3_INT = 0x8014ABCDu,
	CAP_BLOCK_PL_V4 = 0x210u,
	CAP_BLOCK_PL_V5 = 0x211u,
	CAP_BLOCK_PL_V6 = 0x212u,
	CAP_BLOCK_PL_V7 = 0x213u,
	CAP_BLOCK_PL_V8 = 0x214u,
	CAP_BLOCK_PL_V9 = 0x215u,
	CAP_BLOCK_FDL = 0x203u,
	CAP_BLOCK_FDL_INT = 0x8001ABCDu,
	CAP_BLOCK_FDL_V2 = 0x218u,
	CAP_BLOCK_EV = 0x204u,          /* V1: event header without nparams */
	CAP_BLOCK_EV_INT = 0x8010ABCDu, /* V1 as well */
	CAP_BLOCK_EV_V2 = 0x216u,
	CAP_BLOCK_EV_V2_LARGE = 0x221u,
	CAP_BLOCK_EVF = 0x208u,         /* V1 with u32 flags */
	CAP_BLOCK_EVF_V2 = 0x217u,
	CAP_BLOCK_EVF_V2_LARGE = 0x222u,
	CAP_BLOCK_IL = 0x205u,
	CAP_BLOCK_IL_INT = 0x8011ABCDu,
	CAP_BLOCK_IL_V2 = 0x219u,
	CAP_BLOCK_UL = 0x206u,
	CAP_BLOCK_UL_INT = 0x8012ABCDu,
	CAP_BLOCK_UL_V2 = 0x220u,
};

#define CAP_SHB_MAGIC 0x1A2B3C4Du
#define CAP_ERR_LEN 256u

/* Event block flags (upstream's scap_dump_flags). */
enum cap_event_flags {
	CAP_EF_STATE_ONLY = 1u << 0, /* update state, do not show to rules */
	CAP_EF_LARGE = 1u << 2,      /* writer: use a large-payload block */
};

/* ---- metadata ---------------------------------------------------------
 * All `const char *` members point to NUL-terminated strings ("" when the
 * file lacks the field). In structs returned by the reader they are owned
 * by the reader and live until cap_close(). In structs given to the writer
 * they are owned by the caller and only read during the call. */

struct cap_machine_info {
	uint32_t num_cpus;
	uint64_t memory_size_bytes;
	uint64_t max_pid;
	char hostname[129];        /* NUL-terminated (128 bytes on file) */
	uint64_t boot_ts_epoch;    /* ns */
	uint64_t flags;
	uint64_t reserved3;
	uint64_t reserved4;
};

/* One process-list entry, every field of V9. Defaults for fields an older
 * version lacks (as upstream): sid, vpgid, pgid, vtid, vpid = -1;
 * loginuid = UINT32_MAX; strings ""; everything else 0 / false. */
struct cap_proc {
	uint64_t tid;
	uint64_t pid;
	uint64_t ptid;
	int64_t sid;
	int64_t vpgid;
	int64_t pgid;
	const char *comm;
	const char *exe;          /* argv[0] */
	const char *exepath;      /* full executable path (V7+) */
	const char *args;         /* NUL-separated, args_len bytes, ends with NUL when args_len > 0 */
	uint32_t args_len;
	const char *cwd;
	int64_t fdlimit;
	uint32_t flags;           /* upstream PPM_CL_* bits */
	uint32_t uid;
	uint32_t gid;
	uint32_t vmsize_kb;
	uint32_t vmrss_kb;
	uint32_t vmswap_kb;
	uint64_t pfmajor;
	uint64_t pfminor;
	const char *env;          /* NUL-separated, env_len bytes, like args */
	uint32_t env_len;
	int64_t vtid;
	int64_t vpid;
	const char *cgroups;      /* NUL-separated "subsys=path", cgroups_len bytes as on file */
	uint32_t cgroups_len;
	const char *root;
	uint64_t pidns_init_start_ts;
	uint32_t tty;
	uint32_t loginuid;
	bool exe_writable;
	bool exe_upper_layer;
	bool exe_lower_layer;
	bool exe_from_memfd;
	uint64_t cap_inheritable;
	uint64_t cap_permitted;
	uint64_t cap_effective;
	uint64_t exe_ino;
	uint64_t exe_ino_ctime;
	uint64_t exe_ino_mtime;
	uint8_t version;          /* reader: 1..9, the PL block version it came from */
	/* Reader: this thread's entries of cap_meta.fds (NULL, 0 when none).
	 * Writer: ignored (fd lists are written with cap_write_fds). */
	const struct cap_fd *fds;
	size_t nfds;
};

/* fd types: upstream's scap_fd_type numbering. */
enum cap_fd_type {
	CAP_FD_UNKNOWN = 0,
	CAP_FD_FILE = 1,
	CAP_FD_DIRECTORY = 2,
	CAP_FD_IPV4_SOCK = 3,
	CAP_FD_IPV6_SOCK = 4,
	CAP_FD_IPV4_SERVSOCK = 5,
	CAP_FD_IPV6_SERVSOCK = 6,
	CAP_FD_FIFO = 7,
	CAP_FD_UNIX_SOCK = 8,
	CAP_FD_EVENT = 9,
	CAP_FD_UNSUPPORTED = 10,
	CAP_FD_SIGNALFD = 11,
	CAP_FD_EVENTPOLL = 12,
	CAP_FD_INOTIFY = 13,
	CAP_FD_TIMERFD = 14,
	CAP_FD_NETLINK = 15,
	CAP_FD_FILE_V2 = 16,
	CAP_FD_BPF = 17,
	CAP_FD_USERFAULTFD = 18,
	CAP_FD_IOURING = 19,
	CAP_FD_MEMFD = 20,
	CAP_FD_PIDFD = 21,
};

/* One fd-list entry. Addresses are the bytes as stored (network order, as
 * the kernel reports them); ports and everything else as stored (host order).
 * `name`: the path for file-like types and FILE_V2, the socket path for
 * UNIX_SOCK, "" for IP sockets. An fd type this reader does not know (from a
 * newer producer, V2 lists only) becomes CAP_FD_UNSUPPORTED with the name
 * "unknown-type:[N]", as upstream does. */
struct cap_fd {
	uint64_t tid;        /* the thread whose fd table holds it */
	int64_t fd;
	uint64_t ino;
	uint8_t type;        /* enum cap_fd_type */
	union {
		struct { uint32_t sip, dip; uint16_t sport, dport; uint8_t l4proto; } ipv4;
		struct { uint8_t sip[16], dip[16]; uint16_t sport, dport; uint8_t l4proto; } ipv6;
		struct { uint32_t ip; uint16_t port; uint8_t l4proto; } ipv4_server;
		struct { uint8_t ip[16]; uint16_t port; uint8_t l4proto; } ipv6_server;
		struct { uint64_t source, destination; } unix_sock;
		struct { uint32_t open_flags; uint32_t dev; } file; /* FILE_V2; dev 0 when absent */
	} u;
	const char *name;
};

struct cap_user {
	uint32_t uid;
	uint32_t gid;
	const char *name;
	const char *home;
	const char *shell;
};

struct cap_group {
	uint32_t gid;
	const char *name;
};

/* An interface address. The no-linkspeed variants of old captures are
 * normalised to IPV4/IPV6 with linkspeed 0. */
enum cap_iface_type { CAP_IF_IPV4 = 1, CAP_IF_IPV6 = 2 };

struct cap_iface {
	uint16_t type;       /* enum cap_iface_type */
	union {
		struct { uint32_t addr, netmask, bcast; } v4;          /* as stored */
		struct { uint8_t addr[16], netmask[16], bcast[16]; } v6;
	} u;
	uint64_t linkspeed;
	const char *name;
};

/* Everything before the first event block. Arrays are in file order, except
 * `fds`, which is grouped by tid (stable: file order within a tid). An
 * interface or user list block replaces an earlier one (as upstream); process
 * and fd list blocks add to the earlier ones. */
struct cap_meta {
	uint16_t major, minor;           /* section header version */
	bool has_machine;
	struct cap_machine_info machine;
	const struct cap_proc *procs;
	size_t nprocs;
	const struct cap_fd *fds;
	size_t nfds;
	const struct cap_user *users;
	size_t nusers;
	const struct cap_group *groups;
	size_t ngroups;
	const struct cap_iface *ifaces;
	size_t nifaces;
};

/* ---- reader ----------------------------------------------------------- */

struct cap_reader; /* opaque */

/* Options; zero-initialise and set `sz = sizeof(struct cap_open_opts)`.
 * NULL means all defaults. */
struct cap_open_opts {
	size_t sz;
	/* Largest block accepted, in bytes (default 256 MiB). Non-large event
	 * blocks are always limited to 64 KiB + 4, as upstream. */
	uint32_t max_block_len;
};

/* Opens a capture file (gzip or plain; gzread reads both) and reads its
 * metadata. Returns NULL on failure with a message in `err` (CAP_ERR_LEN
 * bytes, may be NULL). The caller owns the reader: free with cap_close. */
struct cap_reader *cap_open(const char *path, const struct cap_open_opts *opts, char *err);

/* The same on an uncompressed capture in memory. `buf` is borrowed: it must
 * stay valid and unchanged until cap_close(); events are returned as
 * pointers into it where possible (no copy). */
struct cap_reader *cap_open_mem(const void *buf, size_t len, const struct cap_open_opts *opts,
                                char *err);

/* Owned by the reader, valid until cap_close(). */
const struct cap_meta *cap_meta(const struct cap_reader *r);

/* One event as cap_next yields it. */
struct cap_event {
	/* Normalised event: 26-byte header, then the u16 (u32 for large-payload
	 * codes) length array, then the parameters; hdr->len bytes, validated
	 * (lengths add up). Points into reader-owned memory (or into the cap_open_mem
	 * buffer); valid until the next cap_next() or cap_close(). Not aligned. */
	const struct ev_hdr *hdr;
	uint16_t cpu;
	uint32_t flags;        /* enum cap_event_flags bits as stored (0 for EV blocks) */
	uint32_t block_type;   /* enum cap_block */
	uint64_t offset;       /* offset of its block in the uncompressed stream */
};

#define CAP_EOF 1

/* Next event. Returns 0 and fills `ev`; CAP_EOF at the clean end of the
 * file; a negative errno on error (-EINVAL corrupt, -EIO read error, -ENOMEM,
 * -E2BIG block above the limit) with the message in cap_error(). After an
 * error every later call returns the same error. Blocks that are not event
 * blocks are skipped, and so are events whose code is >= EV_CODE_MAX (a newer
 * schema), as upstream does; cap_stats counts both. */
int cap_next(struct cap_reader *r, struct cap_event *ev);

/* The last error message (owned by the reader), "" when none. */
const char *cap_error(const struct cap_reader *r);

struct cap_stats {
	uint64_t events;           /* yielded by cap_next */
	uint64_t skipped_blocks;   /* non-event blocks met after the metadata */
	uint64_t skipped_events;   /* event codes >= EV_CODE_MAX */
	uint64_t bytes;            /* uncompressed bytes consumed so far */
};
void cap_get_stats(const struct cap_reader *r, struct cap_stats *out);

void cap_close(struct cap_reader *r); /* NULL is fine */

/* ---- writer ----------------------------------------------------------- */

struct cap_writer; /* opaque */

struct cap_writer_opts {
	size_t sz;      /* sizeof(struct cap_writer_opts) */
	bool gzip;      /* default false: plain file */
	int level;      /* gzip level 1..9; 0 means zlib's default */
};

/* Creates (truncates) `path` and writes the section header. Returns NULL
 * with a message in `err` (CAP_ERR_LEN bytes, may be NULL) on failure. The
 * caller owns the writer and must call cap_writer_close. */
struct cap_writer *cap_writer_open(const char *path, const struct cap_writer_opts *opts,
                                   char *err);

/* Metadata, each as one block. Must come before the first event (-EINVAL
 * after it). Pointers are borrowed for the call only. Strings longer than an
 * upstream reader accepts (paths and fd names >= 1024, args/env/cgroups >
 * 4096, user and group strings >= 256) give -ENAMETOOLONG. */
int cap_write_machine_info(struct cap_writer *w, const struct cap_machine_info *mi);
int cap_write_ifaces(struct cap_writer *w, const struct cap_iface *ifs, size_t n);
int cap_write_users(struct cap_writer *w, const struct cap_user *users, size_t nusers,
                    const struct cap_group *groups, size_t ngroups);
int cap_write_procs(struct cap_writer *w, const struct cap_proc *procs, size_t n);
int cap_write_fds(struct cap_writer *w, uint64_t tid, const struct cap_fd *fds, size_t n);

/* Writes all of `m` in upstream's order: MI (if has_machine), IL, UL, PL,
 * then one FDL block per tid. Lists that are empty are not written. */
int cap_write_meta(struct cap_writer *w, const struct cap_meta *m);

/* One event (hdr->len bytes at hdr). flags: CAP_EF_* bits; CAP_EF_LARGE (or
 * an event too big for a normal block) selects a large-payload block, and is
 * not stored. Other flags select an EVF block and are stored. */
int cap_write_event(struct cap_writer *w, const struct ev_hdr *hdr, uint16_t cpu, uint32_t flags);

const char *cap_writer_error(const struct cap_writer *w);

/* Flushes and closes; returns 0 or the first error of any earlier call or of
 * the close itself, with its message copied to `err` (CAP_ERR_LEN bytes, may
 * be NULL). Frees `w` in every case. */
int cap_writer_close(struct cap_writer *w, char *err);

#endif
