/*
 * BPF side: the process parameters that clone, fork, vfork, execve and
 * execveat exit events carry (identity, memory, limits, credentials, exe).
 */
#ifndef DRV_BPF_PROC_H
#define DRV_BPF_PROC_H

#include "common.h"

#define RLIMIT_NOFILE_K 7
#define PAGE_SHIFT_K 12
#define CAPS_MASK ((1ULL << 41) - 1) /* upstream's PPM_CAP_* cover caps 0..40 */

/* exe (argv[0]) and args (the rest of argv) from the task's argument area. */
static __always_inline void push_exe_args(struct evb *b, struct task_struct *t)
{
	unsigned long start = BPF_CORE_READ(t, mm, arg_start);
	unsigned long end = BPF_CORE_READ(t, mm, arg_end);
	__u16 n = push_str_user(b, (const void *)start, MAX_PATH);
	if (end <= start + n)
		push_empty(b);
	else
		push_strarray_user(b, start + n, end - start - n);
}

static __always_inline void push_env(struct evb *b, struct task_struct *t)
{
	unsigned long start = BPF_CORE_READ(t, mm, env_start);
	unsigned long end = BPF_CORE_READ(t, mm, env_end);
	push_strarray_user(b, start, end > start ? end - start : 0);
}

static __always_inline void push_cwd(struct evb *b, struct task_struct *t)
{
	push_path(b, BPF_CORE_READ(t, fs, pwd.dentry), BPF_CORE_READ(t, fs, pwd.mnt));
}

static __always_inline __u64 vm_rss_kb(struct mm_struct *mm)
{
	__s64 pages = 0;
	/* rss_stat is an array of percpu_counter since 6.2; the count field is
	 * the folded approximation, which is what /proc/<pid>/status reads. */
	pages += BPF_CORE_READ(mm, rss_stat[0].count); /* MM_FILEPAGES */
	pages += BPF_CORE_READ(mm, rss_stat[1].count); /* MM_ANONPAGES */
	pages += BPF_CORE_READ(mm, rss_stat[3].count); /* MM_SHMEMPAGES */
	return pages < 0 ? 0 : (__u64)pages << (PAGE_SHIFT_K - 10);
}

static __always_inline __u64 vm_swap_kb(struct mm_struct *mm)
{
	__s64 pages = BPF_CORE_READ(mm, rss_stat[2].count); /* MM_SWAPENTS */
	return pages < 0 ? 0 : (__u64)pages << (PAGE_SHIFT_K - 10);
}

/* fdlimit, pgft_maj, pgft_min, vm_size, vm_rss, vm_swap, comm. */
static __always_inline void push_mem_comm(struct evb *b, struct task_struct *t)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	push_u64(b, BPF_CORE_READ(t, signal, rlim[RLIMIT_NOFILE_K].rlim_cur));
	push_u64(b, BPF_CORE_READ(t, maj_flt));
	push_u64(b, BPF_CORE_READ(t, min_flt));
	push_u32(b, mm ? BPF_CORE_READ(mm, total_vm) << (PAGE_SHIFT_K - 10) : 0);
	push_u32(b, mm ? vm_rss_kb(mm) : 0);
	push_u32(b, mm ? vm_swap_kb(mm) : 0);
	push_str_kernel(b, t->comm, TASK_COMM);
}

/* One kernfs node up (the walk_ctx's dentry field holds a kernfs_node). */
static long walk_kernfs_cb(__u32 i, void *arg)
{
	struct walk_ctx *c = arg;
	struct kernfs_node *kn = (void *)c->d;
	struct kernfs_node *parent = kn ? BPF_CORE_READ(kn, __parent) : NULL;
	if (!parent || c->n >= MAX_PATH_DEPTH)
		return 1;
	c->b->names[c->n & (MAX_PATH_DEPTH - 1)] = BPF_CORE_READ(kn, name);
	c->n++;
	c->d = (void *)parent;
	return 0;
}

/* "<subsystem>=<path>" of one cgroup subsystem, NUL-terminated, appended
 * to the current parameter; nothing when the subsystem is not enabled. */
static __always_inline void cgroup_subsys(struct evb *b, struct task_struct *t, int id)
{
	const char *name = BPF_CORE_READ(t, cgroups, subsys[id & 15], ss, name);
	if (!name)
		return;
	long n = bpf_probe_read_kernel_str(&b->data[b->pos & EVB_MASK], 64, name);
	if (n <= 0)
		return;
	b->pos += n - 1;
	raw_u8(b, '=');
	struct walk_ctx c = {.b = b};
	c.d = (void *)BPF_CORE_READ(t, cgroups, subsys[id & 15], cgroup, kn);
	bpf_loop(MAX_PATH_DEPTH, walk_kernfs_cb, &c, 0);
	write_names(&c);
}

/* cgroups: the subsystems upstream reports (cpuset, cpu, cpuacct, io,
 * memory, those this kernel has), each as "name=path\0". */
static __always_inline void push_cgroups(struct evb *b, struct task_struct *t)
{
	__u64 start = b->pos;
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpuset_cgrp_id))
		cgroup_subsys(b, t, bpf_core_enum_value(enum cgroup_subsys_id, cpuset_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpu_cgrp_id))
		cgroup_subsys(b, t, bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpuacct_cgrp_id))
		cgroup_subsys(b, t, bpf_core_enum_value(enum cgroup_subsys_id, cpuacct_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, io_cgrp_id))
		cgroup_subsys(b, t, bpf_core_enum_value(enum cgroup_subsys_id, io_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		cgroup_subsys(b, t, bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id));
	put_len(b, b->pos - start);
}

static __always_inline __u32 task_euid(struct task_struct *t) { return BPF_CORE_READ(t, cred, euid.val); }
static __always_inline __u32 task_egid(struct task_struct *t) { return BPF_CORE_READ(t, cred, egid.val); }

static __always_inline __u32 task_tty(struct task_struct *t)
{
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if (!tty)
		return 0;
	int index = BPF_CORE_READ(tty, index);
	int major = BPF_CORE_READ(tty, driver, major);
	int minor = BPF_CORE_READ(tty, driver, minor_start);
	return encode_dev(((__u32)major << 20) + minor + index);
}

/* Whether the task may write its executable, as upstream approximates the
 * kernel's permission check: read-only or immutable files are not; the
 * owner may; then the mode bits for owner/group/other; then CAP_DAC_OVERRIDE
 * or CAP_FOWNER. Supplementary groups and ACLs are not looked at. */
static __always_inline bool exe_writable(struct task_struct *t, struct inode *ino)
{
	__u32 mode = BPF_CORE_READ(ino, i_mode);
	__u32 fmt = mode & S_IFMT_K;
	if ((BPF_CORE_READ(ino, i_sb, s_flags) & 1 /* SB_RDONLY */) &&
	    (fmt == 0100000 || fmt == 0040000 || fmt == 0120000))
		return false;
	if (BPF_CORE_READ(ino, i_flags) & 8 /* S_IMMUTABLE */)
		return false;
	__u32 iuid = BPF_CORE_READ(ino, i_uid.val), igid = BPF_CORE_READ(ino, i_gid.val);
	__u32 fsuid = BPF_CORE_READ(t, cred, fsuid.val), fsgid = BPF_CORE_READ(t, cred, fsgid.val);
	if (iuid == (__u32)-1 || igid == (__u32)-1)
		return false;
	if (fsuid == iuid)
		return true;
	if (igid == fsgid)
		mode >>= 3;
	if (mode & 2) /* MAY_WRITE */
		return true;
	__u64 caps = BPF_CORE_READ(t, cred, cap_effective.val);
	return (caps & (1ULL << 1)) || (caps & (1ULL << 3)); /* CAP_DAC_OVERRIDE, CAP_FOWNER */
}

/* An executable run from a memfd: an unlinked root dentry named "memfd:..." */
static __always_inline bool exe_from_memfd(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	if (!d || BPF_CORE_READ(d, d_parent) != d)
		return false;
	char nm[7] = {};
	if (bpf_probe_read_kernel_str(nm, sizeof(nm), BPF_CORE_READ(d, d_name.name)) != sizeof(nm))
		return false;
	return nm[0] == 'm' && nm[1] == 'e' && nm[2] == 'm' && nm[3] == 'f' && nm[4] == 'd' && nm[5] == ':';
}

static __always_inline __u64 ts_ns(struct timespec64 ts)
{
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Parameters 16..30 of the execve family: env, tty, vpgid, loginuid, flags,
 * capabilities, exe inode and times, euid, trusted exepath, pgid, egid. */
static __always_inline void push_exec_tail(struct evb *b, struct task_struct *t)
{
	push_env(b, t);
	push_u32(b, task_tty(t));
	push_s64(b, task_vnr(t, PIDTYPE_PGID));
	push_u32(b, BPF_CORE_READ(t, loginuid.val));

	struct file *exe = BPF_CORE_READ(t, mm, exe_file);
	struct inode *ino = exe ? BPF_CORE_READ(exe, f_inode) : NULL;
	__u32 flags = 0;
	if (ino && exe_writable(t, ino))
		flags |= 1 << 0; /* PPM_EXE_WRITABLE */
	int ol = file_overlay(exe);
	if (ol == OVL_UPPER)
		flags |= 1 << 1; /* PPM_EXE_UPPER_LAYER */
	else if (ol == OVL_LOWER)
		flags |= 1 << 3; /* PPM_EXE_LOWER_LAYER */
	if (exe && exe_from_memfd(exe))
		flags |= 1 << 2; /* PPM_EXE_FROM_MEMFD */
	push_u32(b, flags);

	push_u64(b, BPF_CORE_READ(t, cred, cap_inheritable.val) & CAPS_MASK);
	push_u64(b, BPF_CORE_READ(t, cred, cap_permitted.val) & CAPS_MASK);
	push_u64(b, BPF_CORE_READ(t, cred, cap_effective.val) & CAPS_MASK);

	if (ino) {
		push_u64(b, BPF_CORE_READ(ino, i_ino));
		/* 6.11+ keeps ctime/mtime as split sec/nsec fields */
		__u64 c = 0, m = 0;
		if (bpf_core_field_exists(ino->i_ctime_sec)) {
			c = (__u64)BPF_CORE_READ(ino, i_ctime_sec) * 1000000000ULL + BPF_CORE_READ(ino, i_ctime_nsec);
			m = (__u64)BPF_CORE_READ(ino, i_mtime_sec) * 1000000000ULL + BPF_CORE_READ(ino, i_mtime_nsec);
		}
		push_u64(b, c);
		push_u64(b, m);
	} else {
		push_u64(b, 0);
		push_u64(b, 0);
		push_u64(b, 0);
	}
	push_u32(b, task_euid(t));
	push_file_path(b, exe);
	push_s64(b, task_pgid(t));
	push_u32(b, task_egid(t));
}

/* Parameters 2..15 of the execve family (exe .. cgroups). */
static __always_inline void push_exec_head(struct evb *b, struct task_struct *t)
{
	push_exe_args(b, t);
	push_s64(b, task_pid(t));
	push_s64(b, task_tgid(t));
	push_s64(b, task_ppid(t));
	push_cwd(b, t);
	push_mem_comm(b, t);
	push_cgroups(b, t);
}

/* The reaper that will adopt an exiting task's children, found as the
 * kernel's find_new_reaper does: a live thread of the same group; else, when
 * the group has a child-subreaper ancestor in the same pid namespace, that
 * ancestor's live thread; else the namespace's init. 0 when the init group
 * itself dies; -1 when the walk is cut short (userspace then decides). */
#define PF_EXITING_K 0x00000004
#define MAX_GROUP_THREADS 30
#define MAX_ANCESTORS 60

struct alive_ctx {
	struct list_head *head;
	struct list_head *next;
	pid_t found; /* pid, 0 none, -1 limit */
};

static long alive_cb(__u32 i, void *arg)
{
	struct alive_ctx *c = arg;
	if (c->next == c->head) {
		c->found = 0;
		return 1;
	}
	struct task_struct *t = container_of(c->next, struct task_struct, thread_node);
	if (!(BPF_CORE_READ(t, flags) & PF_EXITING_K)) {
		c->found = BPF_CORE_READ(t, pid);
		return 1;
	}
	c->next = BPF_CORE_READ(t, thread_node.next);
	return 0;
}

static __always_inline pid_t alive_thread(struct task_struct *t)
{
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	struct alive_ctx c = {.head = &sig->thread_head, .found = -1};
	c.next = BPF_CORE_READ(sig, thread_head.next);
	bpf_loop(MAX_GROUP_THREADS, alive_cb, &c, 0);
	return c.found;
}

struct ancestor_ctx {
	struct task_struct *t;
	struct task_struct *ns_reaper;
	unsigned int level;
	pid_t result; /* > 0 or -1 found; 0 keep looking */
	int done;
};

static long ancestor_cb(__u32 i, void *arg)
{
	struct ancestor_ctx *c = arg;
	struct task_struct *t = c->t;
	if (BPF_CORE_READ(t, thread_pid, level) != c->level || t == c->ns_reaper) {
		c->done = 1; /* left the namespace: its init adopts */
		return 1;
	}
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	if (BPF_CORE_READ_BITFIELD_PROBED(sig, is_child_subreaper)) {
		pid_t p = alive_thread(t);
		if (p != 0) {
			c->result = p;
			c->done = 1;
			return 1;
		}
	}
	c->t = BPF_CORE_READ(t, real_parent);
	return 0;
}

static __always_inline pid_t new_reaper(struct task_struct *t)
{
	pid_t p = alive_thread(t);
	if (p != 0)
		return p;
	struct pid *tp = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(tp, level);
	struct task_struct *ns_reaper = BPF_CORE_READ(tp, numbers[level & 31].ns, child_reaper);
	if (ns_reaper == t)
		return 0;
	pid_t init = BPF_CORE_READ(ns_reaper, pid);
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	if (!BPF_CORE_READ_BITFIELD_PROBED(sig, has_child_subreaper))
		return init;
	struct ancestor_ctx c = {.t = BPF_CORE_READ(t, real_parent), .ns_reaper = ns_reaper, .level = level};
	bpf_loop(MAX_ANCESTORS, ancestor_cb, &c, 0);
	if (c.result)
		return c.result;
	return c.done ? init : -1;
}

#endif
