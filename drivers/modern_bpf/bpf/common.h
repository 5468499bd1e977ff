/*
 * BPF side, shared by every program: the maps, the event builder (a per-CPU
 * scratch buffer where a variable-size scap event is assembled and then
 * copied into the CPU's ring buffer) and the readers of kernel state.
 *
 * Offsets into the scratch buffer are masked with DRV_MAX_EVENT - 1 before
 * every access, and every single write is shorter than DRV_MAX_EVENT, so the
 * verifier can prove that no write leaves the 2 * DRV_MAX_EVENT buffer. An
 * event whose length passes DRV_MAX_EVENT is counted and dropped at submit.
 */
#ifndef DRV_BPF_COMMON_H
#define DRV_BPF_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "event/codes.h"
#include "shared.h"

#define EVB_MASK (DRV_MAX_EVENT - 1)
#define HDR_LEN 26
/* Each ring record is DRV_REC_PREFIX bytes (the CPU number) then the event. */
#define EV0 DRV_REC_PREFIX

#define MAX_PATH 4096
#define MAX_ARGS 4096     /* bytes of argv or environ copied into an event */
#define MAX_PATH_DEPTH 32 /* path components walked up from a dentry */
#define MAX_NAME 256      /* one path component */
#define TASK_COMM 16

/* Kernel constants that BTF does not carry (they are macros). */
#define AT_FDCWD_K -100
#define S_IFMT_K 00170000
#define S_IFSOCK_K 0140000
#define FMODE_CREATED_K 0x100000
#define FMODE_WRITE_K 0x2
#define AF_UNIX_K 1
#define AF_INET_K 2
#define AF_INET6_K 10
#define PF_KTHREAD_K 0x00200000
#define EINPROGRESS_K 115

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((void *)(ptr) - bpf_core_field_offset(type, member)))
#endif

/* Loader settings, fixed before load (read-only data). */
const volatile __u64 drv_boot_ts = 0;    /* epoch ns at boot: event ts = boot + ktime_boot */
const volatile __u32 drv_snaplen = 80;   /* bytes of I/O data copied into read/write events */
const volatile __u32 drv_self_tgid = 0;  /* the consumer's process: never captured */
const volatile __u8 drv_drop_failed = 0; /* drop the events of failed syscalls */

/* Adaptive syscalls: 1 when the syscall number is captured. The loader
 * writes it through the mmapped .bss at any time. */
volatile __u8 drv_interesting[DRV_NR_SYSCALLS];

/* ppm_sc code of each syscall number, for generic events. */
volatile __u16 drv_ppm_sc[DRV_NR_SYSCALLS];

struct evb {
	__u8 data[DRV_SCRATCH_SIZE];
	__u64 pos;  /* next parameter byte */
	__u64 lpos; /* next parameter length slot */
	__u32 nparams;
	__u16 type;
	const void *names[MAX_PATH_DEPTH]; /* path components, leaf first */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* the loader sets the number of possible CPUs */
	__type(key, __u32);
	__type(value, struct evb);
} scratch_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct drv_bpf_counters);
} counters_map SEC(".maps");

struct ringbuf_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* template only: the loader creates the real ones */
};

/* One entry per possible CPU; CPUs of one group share a ring buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct ringbuf_map);
} ringbuf_maps SEC(".maps");

/* Syscall number -> handler program; a hole means "generic event". */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, DRV_NR_SYSCALLS);
	__type(key, __u32);
	__type(value, __u32);
} syscall_progs SEC(".maps");

/* ------------------------------------------------------------------------ */
/* Counters                                                                  */

static __always_inline struct drv_bpf_counters *counters(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&counters_map, &zero);
}

/* ------------------------------------------------------------------------ */
/* Event builder                                                             */

static __always_inline struct evb *evb_start(__u16 type, __u32 nparams)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct evb *b = bpf_map_lookup_elem(&scratch_map, &cpu);
	if (!b) {
		struct drv_bpf_counters *c = counters();
		if (c)
			c->n_drops_scratch++;
		return NULL;
	}
	b->type = type;
	b->nparams = nparams;
	b->lpos = EV0 + HDR_LEN;
	b->pos = EV0 + HDR_LEN + 2 * nparams;
	return b;
}

static __always_inline void put_len(struct evb *b, __u16 len)
{
	*(__u16 *)&b->data[b->lpos & EVB_MASK] = len;
	b->lpos += 2;
}

static __always_inline void push_u8(struct evb *b, __u8 v)
{
	b->data[b->pos & EVB_MASK] = v;
	b->pos += 1;
	put_len(b, 1);
}

static __always_inline void push_u16(struct evb *b, __u16 v)
{
	*(__u16 *)&b->data[b->pos & EVB_MASK] = v;
	b->pos += 2;
	put_len(b, 2);
}

static __always_inline void push_u32(struct evb *b, __u32 v)
{
	*(__u32 *)&b->data[b->pos & EVB_MASK] = v;
	b->pos += 4;
	put_len(b, 4);
}

static __always_inline void push_u64(struct evb *b, __u64 v)
{
	*(__u64 *)&b->data[b->pos & EVB_MASK] = v;
	b->pos += 8;
	put_len(b, 8);
}

#define push_s64(b, v) push_u64(b, (__u64)(__s64)(v))
#define push_s32(b, v) push_u32(b, (__u32)(__s32)(v))

static __always_inline void push_empty(struct evb *b)
{
	put_len(b, 0);
}

/* Raw bytes appended to the current parameter without a length slot. */
static __always_inline void raw_u8(struct evb *b, __u8 v)
{
	b->data[b->pos & EVB_MASK] = v;
	b->pos += 1;
}
static __always_inline void raw_u16(struct evb *b, __u16 v)
{
	*(__u16 *)&b->data[b->pos & EVB_MASK] = v;
	b->pos += 2;
}
static __always_inline void raw_u32(struct evb *b, __u32 v)
{
	*(__u32 *)&b->data[b->pos & EVB_MASK] = v;
	b->pos += 4;
}
static __always_inline void raw_u64(struct evb *b, __u64 v)
{
	*(__u64 *)&b->data[b->pos & EVB_MASK] = v;
	b->pos += 8;
}

/* A NUL-terminated string from user memory; an unreadable or NULL pointer
 * gives an empty parameter. Returns the bytes written (with the NUL). */
static __always_inline __u16 push_str_user(struct evb *b, const void *p, __u32 max)
{
	long n = 0;
	if (p)
		n = bpf_probe_read_user_str(&b->data[b->pos & EVB_MASK], max & (MAX_PATH * 2 - 1), p);
	if (n < 0)
		n = 0;
	b->pos += n;
	put_len(b, n);
	return n;
}

static __always_inline __u16 push_str_kernel(struct evb *b, const void *p, __u32 max)
{
	long n = 0;
	if (p)
		n = bpf_probe_read_kernel_str(&b->data[b->pos & EVB_MASK], max & (MAX_PATH * 2 - 1), p);
	if (n < 0)
		n = 0;
	b->pos += n;
	put_len(b, n);
	return n;
}

/* `len` raw bytes of user memory (NUL-separated strings such as argv),
 * at most MAX_ARGS, forced to end with a NUL. */
static __always_inline void push_strarray_user(struct evb *b, unsigned long p, unsigned long len)
{
	if (!p || len == 0 || len > (1UL << 30)) {
		push_empty(b);
		return;
	}
	if (len > MAX_ARGS)
		len = MAX_ARGS;
	len &= (MAX_ARGS * 2 - 1);
	if (bpf_probe_read_user(&b->data[b->pos & EVB_MASK], len, (void *)p)) {
		push_empty(b);
		return;
	}
	b->data[(b->pos + len - 1) & EVB_MASK] = 0;
	b->pos += len;
	put_len(b, len);
}

/* `len` bytes of user memory (I/O data), at most `max`. */
static __always_inline void push_bytes_user(struct evb *b, const void *p, __u64 len, __u32 max)
{
	if (!p || (__s64)len <= 0) {
		push_empty(b);
		return;
	}
	if (len > max)
		len = max;
	len &= (MAX_PATH * 2 - 1);
	if (bpf_probe_read_user(&b->data[b->pos & EVB_MASK], len, p)) {
		push_empty(b);
		return;
	}
	b->pos += len;
	put_len(b, len);
}

/* Writes the header and copies the event into this CPU's ring buffer. */
static __always_inline void evb_submit(struct evb *b)
{
	struct drv_bpf_counters *c = counters();
	if (!c)
		return;
	__u64 len = b->pos - EV0;
	if (len > DRV_MAX_EVENT - EV0) {
		c->n_drops_max_size++;
		return;
	}
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 ts = drv_boot_ts + bpf_ktime_get_boot_ns();
	__u64 tid = bpf_get_current_pid_tgid() & 0xffffffff;
	*(__u64 *)&b->data[0] = cpu;
	*(__u64 *)&b->data[EV0 + 0] = ts;
	*(__u64 *)&b->data[EV0 + 8] = tid;
	*(__u32 *)&b->data[EV0 + 16] = (__u32)len;
	*(__u16 *)&b->data[EV0 + 20] = b->type;
	*(__u32 *)&b->data[EV0 + 22] = b->nparams;

	void *rb = bpf_map_lookup_elem(&ringbuf_maps, &cpu);
	if (!rb) {
		c->n_drops_scratch++;
		return;
	}
	if (bpf_ringbuf_output(rb, b->data, (len + EV0) & (DRV_MAX_EVENT * 2 - 1), BPF_RB_NO_WAKEUP))
		c->n_drops_buffer++;
	else
		c->n_evts++;
}

/* ------------------------------------------------------------------------ */
/* Syscall arguments (x86_64 calling convention, saved at entry)             */

/* `regs` is the tp_btf argument, a trusted BTF pointer: plain loads (no
 * helper call), relocated by CO-RE. */
static __always_inline unsigned long sc_arg(struct pt_regs *regs, int i)
{
	switch (i) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->r10;
	case 4: return regs->r8;
	default: return regs->r9;
	}
}

/* ------------------------------------------------------------------------ */
/* Kernel state readers                                                      */

/* bpf_rdonly_cast (kernel >= 6.2): lets a kernel pointer read from memory be
 * walked with plain loads, like a BTF pointer, instead of helper calls. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define KCAST(type, p) ((type *)bpf_rdonly_cast((p), bpf_core_type_id_kernel(type)))

static __always_inline struct task_struct *cur_task(void)
{
	return (struct task_struct *)bpf_get_current_task_btf();
}

static __always_inline struct file *fd_file(struct task_struct *t, __s64 fd)
{
	struct fdtable *fdt = t->files->fdt;
	struct file **fds = fdt->fd;
	unsigned int max = fdt->max_fds;
	struct file *f = NULL;
	if (fd < 0 || fd >= max || !fds)
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f ? KCAST(struct file, f) : NULL;
}

/* The kernel's dev_t (major << 20 | minor) in the userspace encoding that
 * stat() returns, as upstream does. */
static __always_inline __u32 encode_dev(__u32 dev)
{
	__u32 major = dev >> 20, minor = dev & 0xfffff;
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

static __always_inline void file_dev_ino(struct file *f, __u32 *dev, __u64 *ino)
{
	*dev = 0;
	*ino = 0;
	if (!f)
		return;
	struct inode *i = KCAST(struct file, f)->f_inode;
	*dev = encode_dev(i->i_sb->s_dev);
	*ino = i->i_ino;
}

/* Overlayfs layer of an open file, as upstream tells them apart: the
 * overlay inode keeps its upper dentry right after the VFS inode. */
#define OVERLAYFS_SUPER_MAGIC_K 0x794c7630
enum { OVL_NONE = 0, OVL_UPPER = 1, OVL_LOWER = 2 };

static __always_inline int file_overlay(struct file *f)
{
	if (!f)
		return OVL_NONE;
	f = KCAST(struct file, f); /* callers may hold a plain kernel address */
	struct dentry *d = f->f_path.dentry;
	if (!d || d->d_sb->s_magic != OVERLAYFS_SUPER_MAGIC_K)
		return OVL_NONE;
	char *vi = (char *)d->d_inode;
	struct dentry *upper = NULL;
	bpf_probe_read_kernel(&upper, sizeof(upper), vi + bpf_core_type_size(struct inode));
	if (upper && BPF_CORE_READ(upper, d_inode, i_ino) != 0)
		return OVL_UPPER;
	return OVL_LOWER;
}

static __always_inline struct socket *file_socket(struct file *f)
{
	if (!f)
		return NULL;
	f = KCAST(struct file, f);
	if ((f->f_inode->i_mode & S_IFMT_K) != S_IFSOCK_K)
		return NULL;
	void *sock = f->private_data;
	return sock ? KCAST(struct socket, sock) : NULL;
}

/* Upstream's scap open flags (PPM_O_*) from the kernel's O_* flags. */
static __always_inline __u32 open_flags_to_scap(__u32 fl)
{
	__u32 r = 0;
	switch (fl & 3) {
	case 1: r |= 1 << 1; break;        /* O_WRONLY */
	case 2: r |= (1 << 0) | (1 << 1); break; /* O_RDWR */
	default: r |= 1 << 0; break;       /* O_RDONLY */
	}
	if (fl & 0100) r |= 1 << 2;        /* O_CREAT */
	/* upstream tests O_TMPFILE and O_SYNC with any of their bits set */
	if (fl & 020200000) r |= 1 << 13;  /* O_TMPFILE */
	if (fl & 02000) r |= 1 << 3;       /* O_APPEND */
	if (fl & 010000) r |= 1 << 4;      /* O_DSYNC */
	if (fl & 0200) r |= 1 << 5;        /* O_EXCL */
	if (fl & 04000) r |= 1 << 6;       /* O_NONBLOCK */
	if (fl & 04010000) r |= 1 << 7;    /* O_SYNC */
	if (fl & 01000) r |= 1 << 8;       /* O_TRUNC */
	if (fl & 040000) r |= 1 << 9;      /* O_DIRECT */
	if (fl & 0200000) r |= 1 << 10;    /* O_DIRECTORY */
	if (fl & 0100000) r |= 1 << 11;    /* O_LARGEFILE */
	if (fl & 02000000) r |= 1 << 12;   /* O_CLOEXEC */
	return r;
}

/* Upstream's PPM_S_* mode bits; only meaningful with O_CREAT or O_TMPFILE. */
static __always_inline __u32 open_mode_to_scap(__u32 fl, __u32 mode)
{
	if (!(fl & (0100 | 020200000)))
		return 0;
	/* rwx bits and suid/sgid/sticky have the same positions in both encodings */
	return mode & 07777;
}

/* Upstream's PPM_CL_* clone flags. */
static __always_inline __u32 clone_flags_to_scap(__u64 f)
{
	__u32 r = 0;
	if (f & 0x00000400) r |= 1 << 0;  /* CLONE_FILES */
	if (f & 0x00000200) r |= 1 << 1;  /* CLONE_FS */
	if (f & 0x80000000) r |= 1 << 2;  /* CLONE_IO */
	if (f & 0x08000000) r |= 1 << 3;  /* CLONE_NEWIPC */
	if (f & 0x40000000) r |= 1 << 4;  /* CLONE_NEWNET */
	if (f & 0x00020000) r |= 1 << 5;  /* CLONE_NEWNS */
	if (f & 0x20000000) r |= 1 << 6;  /* CLONE_NEWPID */
	if (f & 0x04000000) r |= 1 << 7;  /* CLONE_NEWUTS */
	if (f & 0x00100000) r |= 1 << 9;  /* CLONE_PARENT_SETTID */
	if (f & 0x00008000) r |= 1 << 8;  /* CLONE_PARENT */
	if (f & 0x00002000) r |= 1 << 10; /* CLONE_PTRACE */
	if (f & 0x00000800) r |= 1 << 11; /* CLONE_SIGHAND */
	if (f & 0x00040000) r |= 1 << 12; /* CLONE_SYSVSEM */
	if (f & 0x00010000) r |= 1 << 13; /* CLONE_THREAD */
	if (f & 0x00800000) r |= 1 << 14; /* CLONE_UNTRACED */
	if (f & 0x00000100) r |= 1 << 15; /* CLONE_VM */
	if (f & 0x10000000) r |= 1 << 20; /* CLONE_NEWUSER */
	if (f & 0x00200000) r |= 1 << 23; /* CLONE_CHILD_CLEARTID */
	if (f & 0x01000000) r |= 1 << 24; /* CLONE_CHILD_SETTID */
	if (f & 0x00080000) r |= 1 << 25; /* CLONE_SETTLS */
	if (f & 0x00004000) r |= 1 << 27; /* CLONE_VFORK */
	if (f & 0x02000000) r |= 1 << 28; /* CLONE_NEWCGROUP */
	return r;
}

/* Linux AF_* to upstream's PPM_AF_*: the same numbers for every family
 * upstream knows (0..39); others become AF_UNSPEC. */
static __always_inline __u8 family_to_scap(__u16 af)
{
	return (af <= 39 && af != 27 && af != 28) ? (__u8)af : 0;
}

/* ------------------------------------------------------------------------ */
/* Task identity                                                             */

static __always_inline pid_t task_tgid(struct task_struct *t) { return BPF_CORE_READ(t, tgid); }
static __always_inline pid_t task_pid(struct task_struct *t) { return BPF_CORE_READ(t, pid); }

static __always_inline pid_t task_ppid(struct task_struct *t)
{
	return BPF_CORE_READ(t, real_parent, tgid);
}

/* The id of `t` in its innermost pid namespace for the given pid type. */
static __always_inline pid_t task_vnr(struct task_struct *t, enum pid_type type)
{
	struct pid *p;
	if (type == PIDTYPE_PID)
		p = BPF_CORE_READ(t, thread_pid);
	else
		p = BPF_CORE_READ(t, signal, pids[type]);
	if (!p)
		return 0;
	unsigned int level = BPF_CORE_READ(p, level);
	return BPF_CORE_READ(p, numbers[level & 31].nr);
}

static __always_inline pid_t task_pgid(struct task_struct *t)
{
	struct pid *p = BPF_CORE_READ(t, signal, pids[PIDTYPE_PGID]);
	return p ? BPF_CORE_READ(p, numbers[0].nr) : 0;
}

/* Start time of the init task of t's innermost pid namespace, epoch ns. */
static __always_inline __u64 task_pidns_init_start(struct task_struct *t)
{
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	struct pid_namespace *ns = BPF_CORE_READ(p, numbers[level & 31].ns);
	struct task_struct *reaper = BPF_CORE_READ(ns, child_reaper);
	if (!reaper)
		return 0;
	return BPF_CORE_READ(reaper, start_boottime) + drv_boot_ts;
}

/* ------------------------------------------------------------------------ */
/* Paths: walk a dentry up to the root, crossing mount points. bpf_loop keeps */
/* the verifier from exploring every iteration of every caller.              */

struct walk_ctx {
	struct evb *b;
	struct dentry *d;
	struct vfsmount *vm;
	struct mount *mnt;
	__u32 n;
};

static long walk_dentry_cb(__u32 i, void *arg)
{
	struct walk_ctx *c = arg;
	struct dentry *d = c->d;
	struct vfsmount *vm = c->vm;
	struct mount *mnt = c->mnt;
	struct dentry *mroot = BPF_CORE_READ(vm, mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if (d == mroot) {
		struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);
		if (mp == mnt)
			return 1;
		c->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		c->mnt = mp;
		c->vm = (struct vfsmount *)((void *)mp + bpf_core_field_offset(struct mount, mnt));
		return 0;
	}
	if (d == parent || c->n >= MAX_PATH_DEPTH)
		return 1;
	c->b->names[c->n & (MAX_PATH_DEPTH - 1)] = BPF_CORE_READ(d, d_name.name);
	c->n++;
	c->d = parent;
	return 0;
}

/* Appends "/" + names[n-1-i]; the next '/' overwrites the name's NUL. */
static long write_name_cb(__u32 i, void *arg)
{
	struct walk_ctx *c = arg;
	struct evb *b = c->b;
	raw_u8(b, '/');
	long r = bpf_probe_read_kernel_str(&b->data[b->pos & EVB_MASK], MAX_NAME,
	                                   b->names[(c->n - 1 - i) & (MAX_PATH_DEPTH - 1)]);
	if (r <= 0)
		r = 1;
	b->pos += r - 1;
	return 0;
}

/* Writes b->names[0..n) in reverse as "/a/b/c" plus the NUL. When the walk
 * collected no component, the name of the dentry it stopped at stands for
 * the path, as upstream's driver does: "/" for the root, and "memfd:NAME"
 * for a memfd, whose pseudo dentry is its own parent without being a mount
 * root (so an exe run from a memfd gets exepath "memfd:NAME"). */
static __always_inline void write_names(struct walk_ctx *c)
{
	struct evb *b = c->b;
	if (c->n == 0) {
		struct dentry *d = c->d; /* walk_ctx is ours: no CO-RE access to it */
		long r = bpf_probe_read_kernel_str(&b->data[b->pos & EVB_MASK], MAX_NAME,
		                                   BPF_CORE_READ(d, d_name.name));
		if (r > 1)
			b->pos += r - 1;
		else
			raw_u8(b, '/');
	} else {
		bpf_loop(c->n & (MAX_PATH_DEPTH * 2 - 1), write_name_cb, c, 0);
	}
	raw_u8(b, 0);
}

/* write_names as the data of the parameter that started at `start`. */
static __always_inline __u16 finish_names(struct walk_ctx *c, __u64 start)
{
	struct evb *b = c->b;
	write_names(c);
	__u16 len = b->pos - start;
	put_len(b, len);
	return len;
}

static __always_inline __u16 push_path(struct evb *b, struct dentry *d, struct vfsmount *vm)
{
	struct walk_ctx c = {.b = b, .d = d, .vm = vm, .mnt = container_of(vm, struct mount, mnt)};
	if (!d || !vm) {
		push_empty(b);
		return 0;
	}
	bpf_loop(MAX_PATH_DEPTH + 16, walk_dentry_cb, &c, 0);
	return finish_names(&c, b->pos);
}

static __always_inline void push_file_path(struct evb *b, struct file *f)
{
	if (!f) {
		push_empty(b);
		return;
	}
	push_path(b, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt));
}

#endif
