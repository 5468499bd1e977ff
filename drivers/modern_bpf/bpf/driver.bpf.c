/*
 * BPF programs of the live driver.
 *
 * `sys_exit` (tp_btf) is the only syscall program attached: it filters by
 * the adaptive-syscalls table and tail-calls the handler of the syscall
 * (`sc_<name>`, placed in syscall_progs by the loader), or writes a generic
 * event when there is none. The handlers build the exit event of upstream's
 * schema 4.x, which carries the enter parameters too, read from the saved
 * registers. The sched tracepoints give successful execs and process exits.
 */
#include "common.h"
#include "net.h"
#include "proc.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define SC(name) SEC("tp_btf/sys_exit") int BPF_PROG(sc_##name, struct pt_regs *regs, long ret)

/* ------------------------------------------------------------------------ */
/* Dispatcher                                                                */

static __always_inline bool skip_task(void)
{
	if (drv_self_tgid && (bpf_get_current_pid_tgid() >> 32) == drv_self_tgid)
		return true;
	/* 32-bit tasks use another syscall table: not supported yet */
	return (cur_task()->thread_info.status & 0x0002) != 0; /* TS_COMPAT */
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	long id = regs->orig_ax;
	if (id < 0 || id >= DRV_NR_SYSCALLS)
		return 0;
	if (!drv_interesting[id] || skip_task())
		return 0;
	if (drv_drop_failed && ret < 0)
		return 0;
	bpf_tail_call(ctx, &syscall_progs, id);

	/* no handler: a generic event with the syscall's ids */
	struct evb *b = evb_start(EV_GENERIC_X, 2);
	if (!b)
		return 0;
	push_u16(b, drv_ppm_sc[id]);
	push_u16(b, (__u16)id);
	evb_submit(b);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Events of a common shape: res, then a few scalar or path parameters.      */
/* (__always_inline: each handler still gets straight-line code.)            */

/* Pushes a parameter of 1, 2 or 4 bytes (a constant at each call). */
static __always_inline void push_uint(struct evb *b, __u32 v, int width)
{
	if (width == 1)
		push_u8(b, v);
	else if (width == 2)
		push_u16(b, v);
	else
		push_u32(b, v);
}

/* res, v */
static __always_inline int emit_res_val(__u16 code, long ret, __u32 v, int width)
{
	struct evb *b = evb_start(code, 2);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_uint(b, v, width);
	evb_submit(b);
	return 0;
}

/* res, fd */
static __always_inline int emit_res_fd(__u16 code, long ret, __s32 fd)
{
	struct evb *b = evb_start(code, 2);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_s64(b, fd);
	evb_submit(b);
	return 0;
}

/* res, fd, v */
static __always_inline int emit_res_fd_val(__u16 code, long ret, __s32 fd, __u32 v, int width)
{
	struct evb *b = evb_start(code, 3);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_s64(b, fd);
	push_uint(b, v, width);
	evb_submit(b);
	return 0;
}

/* res, a user string of at most max bytes, u32 */
static __always_inline int emit_res_str_u32(__u16 code, long ret, const void *str, __u32 max, __u32 v)
{
	struct evb *b = evb_start(code, 3);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_str_user(b, str, max);
	push_u32(b, v);
	evb_submit(b);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                     */

static __always_inline __s64 dirfd_arg(unsigned long v)
{
	__s32 fd = (__s32)v;
	return fd == AT_FDCWD_K ? -100 : fd; /* PPM_AT_FDCWD is -100 too */
}

/* res, dirfd (arg 0), path (arg 1), u32: unlinkat, mkdirat, fchmodat */
static __always_inline int emit_res_at_u32(__u16 code, struct pt_regs *regs, long ret, __u32 v)
{
	struct evb *b = evb_start(code, 4);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_s64(b, dirfd_arg(sc_arg(regs, 0)));
	push_str_user(b, (void *)sc_arg(regs, 1), MAX_PATH);
	push_u32(b, v);
	evb_submit(b);
	return 0;
}

/* The file a syscall returned as fd `ret` (NULL on failure), with its device
 * and inode (0 without a file). */
static __always_inline struct file *opened_file(long ret, __u32 *dev, __u64 *ino)
{
	struct file *f = ret >= 0 ? fd_file(cur_task(), ret) : NULL;
	file_dev_ino(f, dev, ino);
	return f;
}

/* Open flags plus PPM_O_F_CREATED when the call created the file. */
static __always_inline __u32 opened_flags(__u32 flags, struct file *f)
{
	__u32 r = open_flags_to_scap(flags);
	if (f && (KCAST(struct file, f)->f_mode & FMODE_CREATED_K))
		r |= 1 << 14; /* PPM_O_F_CREATED */
	int ol = file_overlay(f);
	if (ol == OVL_UPPER)
		r |= 1 << 15; /* PPM_FD_UPPER_LAYER */
	else if (ol == OVL_LOWER)
		r |= 1 << 16; /* PPM_FD_LOWER_LAYER */
	return r;
}

SC(open)
{
	struct evb *b = evb_start(EV_SYSCALL_OPEN_X, 6);
	if (!b)
		return 0;
	__u32 flags = sc_arg(regs, 1), mode = sc_arg(regs, 2), dev;
	__u64 ino;
	struct file *f = opened_file(ret, &dev, &ino);
	push_s64(b, ret);
	push_str_user(b, (void *)sc_arg(regs, 0), MAX_PATH);
	push_u32(b, opened_flags(flags, f));
	push_u32(b, open_mode_to_scap(flags, mode));
	push_u32(b, dev);
	push_u64(b, ino);
	evb_submit(b);
	return 0;
}

SC(openat)
{
	struct evb *b = evb_start(EV_SYSCALL_OPENAT_2_X, 7);
	if (!b)
		return 0;
	__u32 flags = sc_arg(regs, 2), mode = sc_arg(regs, 3), dev;
	__u64 ino;
	struct file *f = opened_file(ret, &dev, &ino);
	push_s64(b, ret);
	push_s64(b, dirfd_arg(sc_arg(regs, 0)));
	push_str_user(b, (void *)sc_arg(regs, 1), MAX_PATH);
	push_u32(b, opened_flags(flags, f));
	push_u32(b, open_mode_to_scap(flags, mode));
	push_u32(b, dev);
	push_u64(b, ino);
	evb_submit(b);
	return 0;
}

SC(openat2)
{
	struct evb *b = evb_start(EV_SYSCALL_OPENAT2_X, 8);
	if (!b)
		return 0;
	struct open_how how = {};
	bpf_probe_read_user(&how, sizeof(how), (void *)sc_arg(regs, 2));
	__u32 dev;
	__u64 ino;
	struct file *f = opened_file(ret, &dev, &ino);
	push_s64(b, ret);
	push_s64(b, dirfd_arg(sc_arg(regs, 0)));
	push_str_user(b, (void *)sc_arg(regs, 1), MAX_PATH);
	push_u32(b, opened_flags(how.flags, f));
	push_u32(b, open_mode_to_scap(how.flags, how.mode));
	/* RESOLVE_* (0x08 no_xdev, 0x02 no_magiclinks, 0x04 no_symlinks,
	 * 0x08 beneath, 0x10 in_root, 0x20 cached) to PPM_RESOLVE_* */
	__u32 r = 0, rv = how.resolve;
	if (rv & 0x08) r |= 1 << 0;
	if (rv & 0x10) r |= 1 << 1;
	if (rv & 0x02) r |= 1 << 2;
	if (rv & 0x04) r |= 1 << 3;
	if (rv & 0x01) r |= 1 << 4;
	if (rv & 0x20) r |= 1 << 5;
	push_u32(b, r);
	push_u32(b, dev);
	push_u64(b, ino);
	evb_submit(b);
	return 0;
}

SC(creat)
{
	struct evb *b = evb_start(EV_SYSCALL_CREAT_X, 6);
	if (!b)
		return 0;
	__u32 dev;
	__u64 ino;
	struct file *f = opened_file(ret, &dev, &ino);
	push_s64(b, ret);
	push_str_user(b, (void *)sc_arg(regs, 0), MAX_PATH);
	push_u32(b, sc_arg(regs, 1) & 07777);
	push_u32(b, dev);
	push_u64(b, ino);
	int ol = file_overlay(f);
	push_u16(b, ol == OVL_UPPER ? 1 : ol == OVL_LOWER ? 2 : 0); /* PPM_FD_*_LAYER_CREAT */
	evb_submit(b);
	return 0;
}

SC(close) { return emit_res_fd(EV_SYSCALL_CLOSE_X, ret, (__s32)sc_arg(regs, 0)); }

/* res + one path: unlink, rmdir, chdir, chroot, umount */
static __always_inline int res_path(__u16 code, struct pt_regs *regs, long ret)
{
	struct evb *b = evb_start(code, 2);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_str_user(b, (void *)sc_arg(regs, 0), MAX_PATH);
	evb_submit(b);
	return 0;
}

SC(unlink) { return res_path(EV_SYSCALL_UNLINK_2_X, regs, ret); }
SC(rmdir) { return res_path(EV_SYSCALL_RMDIR_2_X, regs, ret); }
SC(chdir) { return res_path(EV_SYSCALL_CHDIR_X, regs, ret); }
SC(chroot) { return res_path(EV_SYSCALL_CHROOT_X, regs, ret); }

/* res + two paths: link, rename, symlink */
static __always_inline int res_path2(__u16 code, struct pt_regs *regs, long ret)
{
	struct evb *b = evb_start(code, 3);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_str_user(b, (void *)sc_arg(regs, 0), MAX_PATH);
	push_str_user(b, (void *)sc_arg(regs, 1), MAX_PATH);
	evb_submit(b);
	return 0;
}

SC(link) { return res_path2(EV_SYSCALL_LINK_2_X, regs, ret); }
SC(rename) { return res_path2(EV_SYSCALL_RENAME_X, regs, ret); }
SC(symlink) { return res_path2(EV_SYSCALL_SYMLINK_X, regs, ret); }

/* res, olddirfd, oldpath, newdirfd, newpath[, flags]: linkat, renameat(2) */
static __always_inline int res_at2(__u16 code, __u32 n, struct pt_regs *regs, long ret, __u32 flags)
{
	struct evb *b = evb_start(code, n);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_s64(b, dirfd_arg(sc_arg(regs, 0)));
	push_str_user(b, (void *)sc_arg(regs, 1), MAX_PATH);
	push_s64(b, dirfd_arg(sc_arg(regs, 2)));
	push_str_user(b, (void *)sc_arg(regs, 3), MAX_PATH);
	if (n == 6)
		push_u32(b, flags);
	evb_submit(b);
	return 0;
}

SC(renameat) { return res_at2(EV_SYSCALL_RENAMEAT_X, 5, regs, ret, 0); }
SC(renameat2) { return res_at2(EV_SYSCALL_RENAMEAT2_X, 6, regs, ret, sc_arg(regs, 4)); }
SC(linkat)
{
	/* AT_SYMLINK_FOLLOW and AT_EMPTY_PATH have the same values upstream */
	return res_at2(EV_SYSCALL_LINKAT_2_X, 6, regs, ret, sc_arg(regs, 4) & (0x400 | 0x1000));
}

SC(symlinkat)
{
	struct evb *b = evb_start(EV_SYSCALL_SYMLINKAT_X, 4);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_str_user(b, (void *)sc_arg(regs, 0), MAX_PATH);
	push_s64(b, dirfd_arg(sc_arg(regs, 1)));
	push_str_user(b, (void *)sc_arg(regs, 2), MAX_PATH);
	evb_submit(b);
	return 0;
}

/* AT_REMOVEDIR == PPM_AT_REMOVEDIR */
SC(unlinkat) { return emit_res_at_u32(EV_SYSCALL_UNLINKAT_2_X, regs, ret, sc_arg(regs, 2) & 0x200); }

SC(mkdir) { return emit_res_str_u32(EV_SYSCALL_MKDIR_2_X, ret, (void *)sc_arg(regs, 0), MAX_PATH, sc_arg(regs, 1)); }

SC(mkdirat) { return emit_res_at_u32(EV_SYSCALL_MKDIRAT_X, regs, ret, sc_arg(regs, 2)); }

SC(chmod) { return emit_res_str_u32(EV_SYSCALL_CHMOD_X, ret, (void *)sc_arg(regs, 0), MAX_PATH, sc_arg(regs, 1) & 07777); }

SC(fchmod) { return emit_res_fd_val(EV_SYSCALL_FCHMOD_X, ret, (__s32)sc_arg(regs, 0), sc_arg(regs, 1) & 07777, 4); }

SC(fchmodat) { return emit_res_at_u32(EV_SYSCALL_FCHMODAT_X, regs, ret, sc_arg(regs, 2) & 07777); }

SC(fchdir) { return emit_res_fd(EV_SYSCALL_FCHDIR_X, ret, (__s32)sc_arg(regs, 0)); }

/* ------------------------------------------------------------------------ */
/* File descriptors                                                          */

/* O_NONBLOCK / O_CLOEXEC (and the SOCK_, EFD_, IN_, SFD_, TFD_ aliases) to
 * PPM_O_NONBLOCK / PPM_O_CLOEXEC; a negative value gives 0, as upstream. */
static __always_inline __u32 nb_cloexec(__s32 f)
{
	__u32 r = 0;
	if (f < 0)
		return 0;
	if (f & 04000) r |= 1 << 6;
	if (f & 02000000) r |= 1 << 12;
	return r;
}

SC(dup) { return emit_res_fd(EV_SYSCALL_DUP_1_X, ret, (__s32)sc_arg(regs, 0)); }

/* res, oldfd, newfd[, flags]: dup2, dup3 */
static __always_inline int emit_dup(__u16 code, __u32 n, struct pt_regs *regs, long ret, __u32 flags)
{
	struct evb *b = evb_start(code, n);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_s64(b, (__s32)sc_arg(regs, 0));
	push_s64(b, (__s32)sc_arg(regs, 1));
	if (n == 4)
		push_u32(b, flags);
	evb_submit(b);
	return 0;
}

SC(dup2) { return emit_dup(EV_SYSCALL_DUP2_X, 3, regs, ret, 0); }

/* O_CLOEXEC only */
SC(dup3) { return emit_dup(EV_SYSCALL_DUP3_X, 4, regs, ret, (sc_arg(regs, 2) & 02000000) ? 1 << 12 : 0); }

SC(fcntl)
{
	struct evb *b = evb_start(EV_SYSCALL_FCNTL_X, 4);
	if (!b)
		return 0;
	/* F_* commands to upstream's PPM_FCNTL_* */
	__u32 cmd = sc_arg(regs, 1);
	__u8 c;
	switch (cmd) {
	case 0: c = 1; break;     /* F_DUPFD */
	case 1: c = 2; break;     /* F_GETFD */
	case 2: c = 3; break;     /* F_SETFD */
	case 3: c = 4; break;     /* F_GETFL */
	case 4: c = 5; break;     /* F_SETFL */
	case 5: c = 6; break;     /* F_GETLK */
	case 6: c = 8; break;     /* F_SETLK */
	case 7: c = 9; break;     /* F_SETLKW */
	case 8: c = 10; break;    /* F_SETOWN */
	case 9: c = 12; break;    /* F_GETOWN */
	case 10: c = 13; break;   /* F_SETSIG */
	case 11: c = 15; break;   /* F_GETSIG */
	case 12: c = 17; break;   /* F_GETLK64 */
	case 13: c = 18; break;   /* F_SETLK64 */
	case 14: c = 19; break;   /* F_SETLKW64 */
	case 15: c = 21; break;   /* F_SETOWN_EX */
	case 16: c = 22; break;   /* F_GETOWN_EX */
	case 1024: c = 23; break; /* F_SETLEASE */
	case 1025: c = 24; break; /* F_GETLEASE */
	case 1029: c = 25; break; /* F_CANCELLK */
	case 1030: c = 26; break; /* F_DUPFD_CLOEXEC */
	case 1026: c = 27; break; /* F_NOTIFY */
	case 1031: c = 28; break; /* F_SETPIPE_SZ */
	case 1032: c = 29; break; /* F_GETPIPE_SZ */
	case 36: c = 30; break;   /* F_OFD_GETLK */
	case 37: c = 31; break;   /* F_OFD_SETLK */
	case 38: c = 32; break;   /* F_OFD_SETLKW */
	default: c = 0;
	}
	push_s64(b, ret);
	push_s64(b, (__s32)sc_arg(regs, 0));
	push_u8(b, c);
	push_u64(b, sc_arg(regs, 2));
	evb_submit(b);
	return 0;
}

static __always_inline __u64 pipe_ino(__s32 fd)
{
	__u32 dev;
	__u64 ino;
	file_dev_ino(fd_file(cur_task(), fd), &dev, &ino);
	return ino;
}

static __always_inline int emit_pipe(__u16 code, __u32 n, struct pt_regs *regs, long ret, __u32 flags)
{
	struct evb *b = evb_start(code, n);
	if (!b)
		return 0;
	__s32 fds[2] = {-1, -1};
	if (ret == 0)
		bpf_probe_read_user(fds, sizeof(fds), (void *)sc_arg(regs, 0));
	push_s64(b, ret);
	push_s64(b, fds[0]);
	push_s64(b, fds[1]);
	push_u64(b, ret == 0 ? pipe_ino(fds[0]) : 0);
	if (n == 5)
		push_u32(b, flags);
	evb_submit(b);
	return 0;
}

SC(pipe) { return emit_pipe(EV_SYSCALL_PIPE_X, 4, regs, ret, 0); }
SC(pipe2)
{
	__s32 f = sc_arg(regs, 1);
	__u32 r = nb_cloexec(f);
	if (f > 0 && (f & 040000))
		r |= 1 << 9; /* O_DIRECT */
	return emit_pipe(EV_SYSCALL_PIPE2_X, 5, regs, ret, r);
}

SC(eventfd)
{
	struct evb *b = evb_start(EV_SYSCALL_EVENTFD_X, 3);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_u64(b, sc_arg(regs, 0));
	push_u32(b, 0);
	evb_submit(b);
	return 0;
}

SC(eventfd2)
{
	struct evb *b = evb_start(EV_SYSCALL_EVENTFD2_X, 3);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_u16(b, nb_cloexec(sc_arg(regs, 1)));
	push_u64(b, sc_arg(regs, 0));
	evb_submit(b);
	return 0;
}

SC(signalfd)
{
	struct evb *b = evb_start(EV_SYSCALL_SIGNALFD_X, 4);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_s64(b, (__s32)sc_arg(regs, 0));
	push_u32(b, 0); /* mask: upstream sends 0 */
	push_u8(b, 0);  /* signalfd has no flags */
	evb_submit(b);
	return 0;
}

SC(signalfd4)
{
	struct evb *b = evb_start(EV_SYSCALL_SIGNALFD4_X, 4);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_u16(b, nb_cloexec(sc_arg(regs, 3)));
	push_s64(b, (__s32)sc_arg(regs, 0));
	push_u32(b, 0); /* mask: upstream sends 0 */
	evb_submit(b);
	return 0;
}

SC(timerfd_create)
{
	struct evb *b = evb_start(EV_SYSCALL_TIMERFD_CREATE_X, 3);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_u8(b, sc_arg(regs, 0));
	/* upstream's u8 keeps PPM_O_NONBLOCK; PPM_O_CLOEXEC does not fit */
	push_u8(b, (__u8)nb_cloexec(sc_arg(regs, 1)));
	evb_submit(b);
	return 0;
}

SC(inotify_init) { return emit_res_val(EV_SYSCALL_INOTIFY_INIT_X, ret, 0, 1); }

SC(inotify_init1) { return emit_res_val(EV_SYSCALL_INOTIFY_INIT1_X, ret, nb_cloexec(sc_arg(regs, 0)), 2); }

/* MFD_CLOEXEC 1, MFD_ALLOW_SEALING 2, MFD_HUGETLB 4: same bits upstream */
SC(memfd_create) { return emit_res_str_u32(EV_SYSCALL_MEMFD_CREATE_X, ret, (void *)sc_arg(regs, 0), MAX_NAME, sc_arg(regs, 1) & 7); }

SC(userfaultfd) { return emit_res_val(EV_SYSCALL_USERFAULTFD_X, ret, sc_arg(regs, 0), 4); } /* raw, as upstream */

/* ------------------------------------------------------------------------ */
/* I/O (only when a rule asks for them)                                      */

static __always_inline int emit_rw(__u16 code, struct pt_regs *regs, long ret, bool is_read, bool has_pos)
{
	struct evb *b = evb_start(code, has_pos ? 5 : 4);
	if (!b)
		return 0;
	void *buf = (void *)sc_arg(regs, 1);
	__u64 size = sc_arg(regs, 2);
	push_s64(b, ret);
	if (is_read)
		push_bytes_user(b, buf, ret > 0 ? ret : 0, drv_snaplen);
	else
		push_bytes_user(b, buf, ret > 0 ? ret : size, drv_snaplen);
	push_s64(b, (__s32)sc_arg(regs, 0));
	push_u32(b, size);
	if (has_pos)
		push_u64(b, sc_arg(regs, 3));
	evb_submit(b);
	return 0;
}

SC(read) { return emit_rw(EV_SYSCALL_READ_X, regs, ret, true, false); }
SC(write) { return emit_rw(EV_SYSCALL_WRITE_X, regs, ret, false, false); }
SC(pread64) { return emit_rw(EV_SYSCALL_PREAD_X, regs, ret, true, true); }
SC(pwrite64) { return emit_rw(EV_SYSCALL_PWRITE_X, regs, ret, false, true); }

/* ------------------------------------------------------------------------ */
/* Network                                                                   */

SC(socket)
{
	struct evb *b = evb_start(EV_SOCKET_SOCKET_X, 5);
	if (!b)
		return 0;
	__u32 type = sc_arg(regs, 1);
	push_s64(b, ret);
	push_u32(b, family_to_scap(sc_arg(regs, 0)));
	push_u32(b, type);
	push_u32(b, sc_arg(regs, 2));
	push_u32(b, nb_cloexec(type)); /* SOCK_NONBLOCK, SOCK_CLOEXEC */
	evb_submit(b);
	return 0;
}

SC(bind)
{
	struct evb *b = evb_start(EV_SOCKET_BIND_X, 3);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_sockaddr(b, (void *)sc_arg(regs, 1), sc_arg(regs, 2));
	push_s64(b, (__s32)sc_arg(regs, 0));
	evb_submit(b);
	return 0;
}

SC(connect)
{
	struct evb *b = evb_start(EV_SOCKET_CONNECT_X, 4);
	if (!b)
		return 0;
	__s32 fd = sc_arg(regs, 0);
	void *addr = (void *)sc_arg(regs, 1);
	push_s64(b, ret);
	if (ret == 0 || ret == -EINPROGRESS_K)
		push_socktuple(b, fd, OUTBOUND, addr);
	else
		push_empty(b);
	push_s64(b, fd);
	push_sockaddr(b, addr, sc_arg(regs, 2));
	evb_submit(b);
	return 0;
}

/* backlog: a signed 32-bit value, the same 4 bytes as a u32 */
SC(listen) { return emit_res_fd_val(EV_SOCKET_LISTEN_X, ret, (__s32)sc_arg(regs, 0), sc_arg(regs, 1), 4); }

static __always_inline int emit_accept(__u16 code, __u32 n, struct pt_regs *regs, long ret)
{
	struct evb *b = evb_start(code, n);
	if (!b)
		return 0;
	__u32 qlen = 0, qmax = 0;
	__u8 qpct = 0;
	push_s64(b, ret);
	if (ret >= 0) {
		push_socktuple(b, ret, INBOUND, NULL);
		struct socket *ls = file_socket(fd_file(cur_task(), (__s32)sc_arg(regs, 0)));
		struct sock *sk = ls ? BPF_CORE_READ(ls, sk) : NULL;
		if (sk) {
			qlen = BPF_CORE_READ(sk, sk_ack_backlog);
			qmax = BPF_CORE_READ(sk, sk_max_ack_backlog);
			if (qlen && qmax)
				qpct = (__u8)((__u64)qlen * 100 / qmax);
		}
	} else {
		push_empty(b);
	}
	push_u8(b, qpct);
	push_u32(b, qlen);
	push_u32(b, qmax);
	if (n == 6)
		push_s32(b, sc_arg(regs, 3));
	evb_submit(b);
	return 0;
}

SC(accept) { return emit_accept(EV_SOCKET_ACCEPT_5_X, 5, regs, ret); }
SC(accept4) { return emit_accept(EV_SOCKET_ACCEPT4_6_X, 6, regs, ret); }

SC(sendto)
{
	struct evb *b = evb_start(EV_SOCKET_SENDTO_X, 5);
	if (!b)
		return 0;
	__s32 fd = sc_arg(regs, 0);
	__u64 size = sc_arg(regs, 2);
	push_s64(b, ret);
	push_bytes_user(b, (void *)sc_arg(regs, 1), ret > 0 ? ret : size, drv_snaplen);
	push_s64(b, fd);
	push_u32(b, size);
	if (ret >= 0)
		push_socktuple(b, fd, OUTBOUND, (void *)sc_arg(regs, 4));
	else
		push_empty(b);
	evb_submit(b);
	return 0;
}

SC(recvfrom)
{
	struct evb *b = evb_start(EV_SOCKET_RECVFROM_X, 5);
	if (!b)
		return 0;
	__s32 fd = sc_arg(regs, 0);
	push_s64(b, ret);
	push_bytes_user(b, (void *)sc_arg(regs, 1), ret > 0 ? ret : 0, drv_snaplen);
	if (ret >= 0)
		push_socktuple(b, fd, INBOUND, NULL);
	else
		push_empty(b);
	push_s64(b, fd);
	push_u32(b, sc_arg(regs, 2));
	evb_submit(b);
	return 0;
}

/* Most bytes of I/O data one event carries, whatever the snaplen. */
#define MAX_DATA (MAX_PATH * 2 - 1)
/* iovecs of one msghdr looked at, as upstream's driver (MAX_IOVCNT). */
#define MAX_IOV 32

struct iov_walk {
	struct evb *b;
	const struct iovec *iov;
	__u64 left;  /* data bytes still wanted */
	__u64 data;  /* data bytes copied */
	__u64 size;  /* sum of iov_len of the iovecs read */
	bool copying;
};

/* One iovec: add its length to the size and, while bytes are wanted, copy
 * its start. As upstream, the copy ends at the first iovec that is empty or
 * cannot be read, but the size still counts every iovec. */
static long iov_walk_cb(__u32 i, void *arg)
{
	struct iov_walk *w = arg;
	struct iovec v = {};
	if (bpf_probe_read_user(&v, sizeof(v), &w->iov[i]))
		return 1;
	w->size += v.iov_len;
	if (!w->copying || !w->left)
		return 0;
	__u64 n = v.iov_len < w->left ? v.iov_len : w->left;
	n &= MAX_DATA;
	struct evb *b = w->b;
	if (!n || bpf_probe_read_user(&b->data[b->pos & EVB_MASK], n, v.iov_base)) {
		w->copying = false;
		return 0;
	}
	b->pos += n;
	w->left -= n;
	w->data += n;
	return 0;
}

/* Pushes the data of a msghdr: the first `want` bytes (at most the snaplen)
 * of its iovecs put end to end. Returns the sum of the iovecs' lengths (the
 * sendmsg size), 0 when the iovec array cannot be read. */
static __always_inline __u32 push_msg_data(struct evb *b, const struct user_msghdr *mh, __u64 want)
{
	if (want > drv_snaplen)
		want = drv_snaplen;
	if (want > MAX_DATA)
		want = MAX_DATA;
	struct iov_walk w = {.b = b, .iov = mh->msg_iov, .left = want, .copying = true};
	__u64 cnt = mh->msg_iovlen < MAX_IOV ? mh->msg_iovlen : MAX_IOV;
	if (w.iov && cnt)
		bpf_loop(cnt, iov_walk_cb, &w, 0);
	put_len(b, w.data);
	return w.size;
}

SC(sendmsg)
{
	struct evb *b = evb_start(EV_SOCKET_SENDMSG_X, 5);
	if (!b)
		return 0;
	__s32 fd = sc_arg(regs, 0);
	struct user_msghdr mh = {};
	push_s64(b, ret);
	if (bpf_probe_read_user(&mh, sizeof(mh), (void *)sc_arg(regs, 1))) {
		push_empty(b);
		push_s64(b, fd);
		push_empty(b);
		push_empty(b);
	} else {
		__u32 size = push_msg_data(b, &mh, ret > 0 ? ret : MAX_DATA);
		push_s64(b, fd);
		push_u32(b, size);
		if (ret >= 0)
			push_socktuple(b, fd, OUTBOUND, mh.msg_name);
		else
			push_empty(b);
	}
	evb_submit(b);
	return 0;
}

SC(recvmsg)
{
	struct evb *b = evb_start(EV_SOCKET_RECVMSG_X, 6);
	if (!b)
		return 0;
	__s32 fd = sc_arg(regs, 0);
	struct user_msghdr mh = {};
	push_s64(b, ret);
	push_u32(b, ret > 0 ? ret : 0);
	if (ret >= 0 && !bpf_probe_read_user(&mh, sizeof(mh), (void *)sc_arg(regs, 1))) {
		push_msg_data(b, &mh, ret);
		push_socktuple(b, fd, INBOUND, mh.msg_name);
		/* the control data the kernel wrote back (msg_controllen is its
		 * length now); upstream keeps up to 64 KiB, we keep up to 8 KiB */
		if (mh.msg_controllen <= MAX_DATA)
			push_bytes_user(b, mh.msg_control, mh.msg_controllen, MAX_DATA);
		else
			push_empty(b);
	} else {
		push_empty(b);
		if (ret >= 0)
			push_socktuple(b, fd, INBOUND, NULL);
		else
			push_empty(b);
		push_empty(b); /* msgcontrol */
	}
	push_s64(b, fd);
	evb_submit(b);
	return 0;
}

/* Messages of one sendmmsg/recvmmsg given an event each, as upstream. */
#define MAX_MMSG 16

struct mmsg_walk {
	struct mmsghdr *vec;
	__s32 fd;
	bool send;
};

/* The exit event of message i of a sendmmsg (res, fd, size, data, tuple) or
 * recvmmsg (the same, size = bytes received, then msgcontrol). */
static long mmsg_cb(__u32 i, void *arg)
{
	struct mmsg_walk *w = arg;
	struct mmsghdr m = {};
	if (bpf_probe_read_user(&m, sizeof(m), &w->vec[i & (MAX_MMSG - 1)]))
		return 1;
	struct evb *b = evb_start(w->send ? EV_SOCKET_SENDMMSG_X : EV_SOCKET_RECVMMSG_X, w->send ? 5 : 6);
	if (!b)
		return 1;
	push_s64(b, m.msg_len);
	push_s64(b, w->fd);
	__u64 size_at = b->pos;
	push_u32(b, m.msg_len);
	/* a sendmmsg message of 0 bytes still shows a snaplen of its data */
	__u32 size = push_msg_data(b, &m.msg_hdr, m.msg_len || !w->send ? m.msg_len : MAX_DATA);
	if (w->send)
		*(__u32 *)&b->data[size_at & EVB_MASK] = size; /* the iovecs' total */
	push_socktuple(b, w->fd, w->send ? OUTBOUND : INBOUND, m.msg_hdr.msg_name);
	if (!w->send) {
		if (m.msg_hdr.msg_control && m.msg_hdr.msg_controllen <= MAX_DATA)
			push_bytes_user(b, m.msg_hdr.msg_control, m.msg_hdr.msg_controllen, MAX_DATA);
		else
			push_empty(b);
	}
	evb_submit(b);
	return 0;
}

static __always_inline int emit_mmsg(struct pt_regs *regs, long ret, bool send)
{
	struct mmsg_walk w = {.vec = (struct mmsghdr *)sc_arg(regs, 1), .fd = sc_arg(regs, 0), .send = send};
	if (ret > 0) {
		bpf_loop(ret < MAX_MMSG ? ret : MAX_MMSG, mmsg_cb, &w, 0);
		return 0;
	}
	/* failed or nothing moved: one event without a message */
	struct evb *b = evb_start(send ? EV_SOCKET_SENDMMSG_X : EV_SOCKET_RECVMMSG_X, send ? 5 : 6);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_s64(b, w.fd);
	push_u32(b, 0);
	push_empty(b);
	push_empty(b);
	if (!send)
		push_empty(b);
	evb_submit(b);
	return 0;
}

SC(sendmmsg) { return emit_mmsg(regs, ret, true); }
SC(recvmmsg) { return emit_mmsg(regs, ret, false); }

/* SHUT_RD 0, WR 1, RDWR 2 == PPM_SHUT_* */
SC(shutdown) { return emit_res_fd_val(EV_SOCKET_SHUTDOWN_X, ret, (__s32)sc_arg(regs, 0), sc_arg(regs, 1), 1); }

SC(socketpair)
{
	struct evb *b = evb_start(EV_SOCKET_SOCKETPAIR_X, 8);
	if (!b)
		return 0;
	__s32 fds[2] = {-1, -1};
	__u64 src = 0, peer = 0;
	if (ret == 0) {
		bpf_probe_read_user(fds, sizeof(fds), (void *)sc_arg(regs, 3));
		struct socket *s = file_socket(fd_file(cur_task(), fds[0]));
		struct sock *sk = s ? BPF_CORE_READ(s, sk) : NULL;
		if (sk) {
			src = (__u64)sk;
			peer = (__u64)BPF_CORE_READ((struct unix_sock *)sk, peer);
		}
	}
	push_s64(b, ret);
	push_s64(b, fds[0]);
	push_s64(b, fds[1]);
	push_u64(b, src);
	push_u64(b, peer);
	push_u32(b, family_to_scap(sc_arg(regs, 0)));
	push_u32(b, sc_arg(regs, 1));
	push_u32(b, sc_arg(regs, 2));
	evb_submit(b);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Processes                                                                 */

static __always_inline int emit_clone(__u16 code, struct pt_regs *regs, long ret, __u64 raw_flags)
{
	struct evb *b = evb_start(code, 21);
	if (!b)
		return 0;
	struct task_struct *t = cur_task();
	push_s64(b, ret);
	if (ret >= 0) {
		push_exe_args(b, t);
	} else {
		push_empty(b);
		push_empty(b);
	}
	push_s64(b, task_pid(t));
	push_s64(b, task_tgid(t));
	push_s64(b, task_ppid(t));
	push_cwd(b, t);
	push_mem_comm(b, t);
	push_cgroups(b, t);

	__u32 flags = clone_flags_to_scap(raw_flags);
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	if (level != 0 || BPF_CORE_READ(t, nsproxy, pid_ns_for_children) != BPF_CORE_READ(p, numbers[0].ns))
		flags |= 1 << 29; /* PPM_CL_CHILD_IN_PIDNS */
	push_u32(b, flags);
	push_u32(b, task_euid(t));
	push_u32(b, task_egid(t));
	push_s64(b, task_vnr(t, PIDTYPE_PID));
	push_s64(b, task_vnr(t, PIDTYPE_TGID));
	__u64 ns_start = 0;
	if (ret == 0) {
		struct pid_namespace *ns = BPF_CORE_READ(p, numbers[level & 31].ns);
		ns_start = BPF_CORE_READ(ns, child_reaper, start_time);
	}
	push_u64(b, ns_start);
	evb_submit(b);
	return 0;
}

/* clone, fork, vfork and clone3 share one program (verified once): the
 * syscall number picks the event code and where the flags come from. */
SC(clone)
{
	long id = BPF_CORE_READ(regs, orig_ax);
	__u64 flags;
	__u16 code;
	if (id == 57) { /* fork */
		code = EV_SYSCALL_FORK_20_X;
		flags = 0;
	} else if (id == 58) { /* vfork */
		code = EV_SYSCALL_VFORK_20_X;
		flags = 0x00004000 | 0x00000100; /* CLONE_VFORK | CLONE_VM */
	} else if (id == 435) { /* clone3: clone_args.flags */
		code = EV_SYSCALL_CLONE3_X;
		flags = 0;
		bpf_probe_read_user(&flags, sizeof(flags), (void *)sc_arg(regs, 0));
	} else {
		code = EV_SYSCALL_CLONE_20_X;
		flags = sc_arg(regs, 0);
	}
	return emit_clone(code, regs, ret, flags);
}

/* A failed execve/execveat: the task is unchanged, so its own state plus the
 * syscall's arguments. Successful calls are reported by sched_process_exec. */
static __always_inline int emit_exec_fail(__u16 code, __u32 n, struct pt_regs *regs, long ret, int path_arg)
{
	if (ret == 0)
		return 0;
	struct evb *b = evb_start(code, n);
	if (!b)
		return 0;
	struct task_struct *t = cur_task();
	const char *const *argv = (const char *const *)sc_arg(regs, path_arg + 1);
	const char *a0 = NULL;
	bpf_probe_read_user(&a0, sizeof(a0), argv);
	push_s64(b, ret);
	push_str_user(b, a0, MAX_PATH);
	/* args: argv[1..] joined with NULs */
	__u64 start = b->pos;
	for (int i = 1; i < 32; i++) {
		const char *a = NULL;
		if (!argv || bpf_probe_read_user(&a, sizeof(a), &argv[i]) || !a)
			break;
		long r = bpf_probe_read_user_str(&b->data[b->pos & EVB_MASK], MAX_NAME, a);
		if (r <= 0)
			break;
		b->pos += r;
		if (b->pos - start > MAX_ARGS)
			break;
	}
	put_len(b, b->pos - start);
	push_s64(b, task_pid(t));
	push_s64(b, task_tgid(t));
	push_s64(b, task_ppid(t));
	push_cwd(b, t);
	push_mem_comm(b, t);
	push_cgroups(b, t);
	push_exec_tail(b, t);
	if (n == 31)
		push_str_user(b, (void *)sc_arg(regs, path_arg), MAX_PATH);
	evb_submit(b);
	return 0;
}

/* execve and execveat share one program (verified once). */
SC(execve)
{
	if (BPF_CORE_READ(regs, orig_ax) == 322)
		return emit_exec_fail(EV_SYSCALL_EXECVEAT_X, 30, regs, ret, 1);
	return emit_exec_fail(EV_SYSCALL_EXECVE_19_X, 31, regs, ret, 0);
}

/* Every successful execve and execveat, after the new image is in place. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *t = cur_task();
	if (BPF_CORE_READ(t, flags) & PF_KTHREAD_K)
		return 0;
	if (!drv_interesting[59] && !drv_interesting[322]) /* execve, execveat */
		return 0;
	if (drv_self_tgid && task_tgid(t) == drv_self_tgid)
		return 0;
	struct evb *b = evb_start(EV_SYSCALL_EXECVE_19_X, 31);
	if (!b)
		return 0;
	push_s64(b, 0);
	push_exec_head(b, t);
	push_exec_tail(b, t);
	push_str_kernel(b, BPF_CORE_READ(bprm, filename), MAX_PATH);
	evb_submit(b);
	return 0;
}

/* Every thread that exits (procexit). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_exit, struct task_struct *t)
{
	if (t->flags & PF_KTHREAD_K)
		return 0;
	if (drv_self_tgid && t->tgid == drv_self_tgid)
		return 0;
	struct evb *b = evb_start(EV_PROCEXIT_1_E, 5);
	if (!b)
		return 0;
	__s32 code = t->exit_code;
	push_s64(b, code);
	push_s64(b, (code & 0xff00) >> 8);
	__u8 sig = code & 0x7f;
	push_u8(b, sig != 0 && sig != 0x7f ? sig : 0); /* WIFSIGNALED ? WTERMSIG : 0 */
	push_u8(b, (code & 0x80) != 0);
	/* no children: no reaper needed (0) */
	__s64 reaper = 0;
	if (t->children.next != &t->children)
		reaper = new_reaper(t);
	push_s64(b, reaper);
	evb_submit(b);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Credentials, namespaces, signals, modules, misc                           */

SC(setuid) { return emit_res_val(EV_SYSCALL_SETUID_X, ret, sc_arg(regs, 0), 4); }

SC(setgid) { return emit_res_val(EV_SYSCALL_SETGID_X, ret, sc_arg(regs, 0), 4); }

static __always_inline int emit_res_u32x(__u16 code, __u32 n, struct pt_regs *regs, long ret)
{
	struct evb *b = evb_start(code, n);
	if (!b)
		return 0;
	push_s64(b, ret);
	for (int i = 0; i < 3; i++)
		if (i + 1 < n)
			push_u32(b, sc_arg(regs, i));
	evb_submit(b);
	return 0;
}

SC(setresuid) { return emit_res_u32x(EV_SYSCALL_SETRESUID_X, 4, regs, ret); }
SC(setresgid) { return emit_res_u32x(EV_SYSCALL_SETRESGID_X, 4, regs, ret); }
SC(setreuid) { return emit_res_u32x(EV_SYSCALL_SETREUID_X, 3, regs, ret); }
SC(setregid) { return emit_res_u32x(EV_SYSCALL_SETREGID_X, 3, regs, ret); }

SC(setns) { return emit_res_fd_val(EV_SYSCALL_SETNS_X, ret, (__s32)sc_arg(regs, 0), clone_flags_to_scap(sc_arg(regs, 1)), 4); }

SC(unshare) { return emit_res_val(EV_SYSCALL_UNSHARE_X, ret, clone_flags_to_scap(sc_arg(regs, 0)), 4); }

SC(capset)
{
	struct evb *b = evb_start(EV_SYSCALL_CAPSET_X, 4);
	if (!b)
		return 0;
	const struct cred *c = BPF_CORE_READ(cur_task(), cred);
	push_s64(b, ret);
	push_u64(b, BPF_CORE_READ(c, cap_inheritable.val) & CAPS_MASK);
	push_u64(b, BPF_CORE_READ(c, cap_permitted.val) & CAPS_MASK);
	push_u64(b, BPF_CORE_READ(c, cap_effective.val) & CAPS_MASK);
	evb_submit(b);
	return 0;
}

/* PTRACE_* requests to upstream's PPM_PTRACE_* codes. */
static __always_inline __u16 ptrace_req_to_scap(__u64 r)
{
	if (r <= 9)
		return r + 1; /* TRACEME .. SINGLESTEP */
	switch (r) {
	case 16: return 11;     /* ATTACH */
	case 17: return 12;     /* DETACH */
	case 24: return 13;     /* SYSCALL */
	case 0x4200: return 14; /* SETOPTIONS */
	case 0x4201: return 15; /* GETEVENTMSG */
	case 0x4202: return 16; /* GETSIGINFO */
	case 0x4203: return 17; /* SETSIGINFO */
	case 0x4204: return 18; /* GETREGSET */
	case 0x4205: return 19; /* SETREGSET */
	case 0x4206: return 20; /* SEIZE */
	case 0x4207: return 21; /* INTERRUPT */
	case 0x4208: return 22; /* LISTEN */
	case 0x4209: return 23; /* PEEKSIGINFO */
	case 0x420a: return 24; /* GETSIGMASK */
	case 0x420b: return 25; /* SETSIGMASK */
	case 12: return 26;     /* GETREGS */
	case 13: return 27;     /* SETREGS */
	case 14: return 28;     /* GETFPREGS */
	case 15: return 29;     /* SETFPREGS */
	case 18: return 30;     /* GETFPXREGS */
	case 19: return 31;     /* SETFPXREGS */
	case 21: return 32;     /* OLDSETOPTIONS */
	case 25: return 33;     /* GET_THREAD_AREA */
	case 26: return 34;     /* SET_THREAD_AREA */
	case 30: return 35;     /* ARCH_PRCTL */
	case 31: return 36;     /* SYSEMU */
	case 32: return 37;     /* SYSEMU_SINGLESTEP */
	case 33: return 38;     /* SINGLEBLOCK */
	default: return 0;
	}
}

SC(ptrace)
{
	struct evb *b = evb_start(EV_SYSCALL_PTRACE_X, 5);
	if (!b)
		return 0;
	__u16 req = ptrace_req_to_scap(sc_arg(regs, 0));
	__u64 addr = sc_arg(regs, 2), data = sc_arg(regs, 3);
	push_s64(b, ret);
	/* addr and data are DYN: a type index (0 = u64, 1 = signal) + value */
	__u64 start = b->pos;
	raw_u8(b, 0);
	raw_u64(b, ret < 0 ? 0 : addr);
	put_len(b, b->pos - start);
	start = b->pos;
	if (ret < 0) {
		raw_u8(b, 0);
		raw_u64(b, 0);
	} else if (req >= 2 && req <= 4) { /* PEEK*: the word read */
		__u64 w = 0;
		bpf_probe_read_user(&w, sizeof(w), (void *)data);
		raw_u8(b, 0);
		raw_u64(b, w);
	} else if (req == 8 || req == 10 || req == 12 || req == 13) { /* CONT, SINGLESTEP, DETACH, SYSCALL */
		raw_u8(b, 1);
		raw_u8(b, data);
	} else {
		raw_u8(b, 0);
		raw_u64(b, data);
	}
	put_len(b, b->pos - start);
	push_u16(b, req);
	push_s64(b, (__s32)sc_arg(regs, 1));
	evb_submit(b);
	return 0;
}

/* BPF_* commands keep their numbers */
SC(bpf) { return emit_res_val(EV_SYSCALL_BPF_2_X, ret, sc_arg(regs, 0), 4); }

SC(init_module)
{
	struct evb *b = evb_start(EV_SYSCALL_INIT_MODULE_X, 4);
	if (!b)
		return 0;
	__u64 len = sc_arg(regs, 1);
	push_s64(b, ret);
	push_bytes_user(b, (void *)sc_arg(regs, 0), len, drv_snaplen);
	push_u64(b, len);
	push_str_user(b, (void *)sc_arg(regs, 2), MAX_NAME);
	evb_submit(b);
	return 0;
}

SC(finit_module)
{
	struct evb *b = evb_start(EV_SYSCALL_FINIT_MODULE_X, 4);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_s64(b, (__s32)sc_arg(regs, 0));
	push_str_user(b, (void *)sc_arg(regs, 1), MAX_NAME);
	push_u32(b, sc_arg(regs, 2) & 7); /* MODULE_INIT_* bits == PPM_* bits */
	evb_submit(b);
	return 0;
}

SC(kill) { return emit_res_fd_val(EV_SYSCALL_KILL_X, ret, (__s32)sc_arg(regs, 0), sc_arg(regs, 1), 1); }

SC(tkill) { return emit_res_fd_val(EV_SYSCALL_TKILL_X, ret, (__s32)sc_arg(regs, 0), sc_arg(regs, 1), 1); }

SC(tgkill)
{
	struct evb *b = evb_start(EV_SYSCALL_TGKILL_X, 4);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_s64(b, (__s32)sc_arg(regs, 0));
	push_s64(b, (__s32)sc_arg(regs, 1));
	push_u8(b, sc_arg(regs, 2));
	evb_submit(b);
	return 0;
}

SC(prctl)
{
	struct evb *b = evb_start(EV_SYSCALL_PRCTL_X, 4);
	if (!b)
		return 0;
	__u32 opt = sc_arg(regs, 0);
	unsigned long arg2 = sc_arg(regs, 1);
	push_s64(b, ret);
	push_u32(b, opt); /* PR_* options keep their numbers */
	if (opt == 15 || opt == 16) { /* PR_SET_NAME, PR_GET_NAME */
		push_str_user(b, (void *)arg2, TASK_COMM);
		push_s64(b, 0);
	} else {
		push_empty(b);
		push_s64(b, arg2);
	}
	evb_submit(b);
	return 0;
}

SC(mount)
{
	struct evb *b = evb_start(EV_SYSCALL_MOUNT_X, 5);
	if (!b)
		return 0;
	__u32 flags = sc_arg(regs, 3); /* raw MS_* bits, as upstream */
	push_s64(b, ret);
	push_str_user(b, (void *)sc_arg(regs, 0), MAX_PATH);
	push_str_user(b, (void *)sc_arg(regs, 1), MAX_PATH);
	push_str_user(b, (void *)sc_arg(regs, 2), MAX_NAME);
	push_u32(b, flags);
	evb_submit(b);
	return 0;
}

SC(umount2)
{
	struct evb *b = evb_start(EV_SYSCALL_UMOUNT2_X, 3);
	if (!b)
		return 0;
	push_s64(b, ret);
	push_str_user(b, (void *)sc_arg(regs, 0), MAX_PATH);
	push_u32(b, sc_arg(regs, 1) & 0xf); /* MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW */
	evb_submit(b);
	return 0;
}
