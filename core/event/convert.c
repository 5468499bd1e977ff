/*
 * The converter: brings the events of old captures to the current schema.
 *
 * Old captures hold enter/exit pairs and older layouts of many events. The
 * current schema keeps one exit event per syscall carrying the enter
 * arguments too, so on read each event goes through this file:
 *
 *   - unused codes are dropped, current events pass untouched;
 *   - an enter event is stored per thread (the last one only) or passed;
 *   - an old exit event is rebuilt from its own parameters, the stored
 *     enter event of its thread, empty parameters and default values,
 *     then checked again, until it is current.
 *
 * What to do is data, not code: one rule per (code, parameter count) in the
 * table below. Storage is a fixed set-associative cache of enter events,
 * so memory stays bounded whatever the capture; evictions are counted.
 * The facts (which parameters go where) follow upstream libscap's savefile
 * converter, so that we deliver the same events upstream does.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"

enum cv_action {
	CV_STORE = 1,   /* keep as the thread's enter event; deliver nothing */
	CV_PASS,        /* deliver as is */
	CV_STORE_PASS,  /* keep as the thread's enter event and deliver it */
	CV_APPEND,      /* keep every parameter, append one per recipe token */
	CV_REBUILD,     /* new code `to`, one parameter per recipe token */
};

/*
 * A rule. The recipe has one token per parameter it produces:
 *   oN   parameter N of the event being converted
 *   eN   parameter N of the thread's stored enter event; the type's default
 *        value when there is none
 *   eN?  the same, but an empty parameter when there is none
 *   z    an empty (zero-length) parameter
 *   d    the default value of the parameter's type (zeros; -1 for uid/gid)
 *   J    the JSON description built from an old `container` event
 */
struct cv_rule {
	uint16_t code;
	uint8_t nparams;
	uint8_t action;
	uint16_t to;
	const char *recipe;
};

/* Rules sorted by (code, nparams). The comment names the parameters the
 * recipe fills: "+ a b" appended ones, "= a b" all those of the new code. */
static const struct cv_rule cv_rules[] = {
	{EV_GENERIC_E, 2, CV_STORE, 0, ""},
	{EV_GENERIC_X, 1, CV_APPEND, 0, "e1?"}, /* + nativeID */
	{EV_SYSCALL_OPEN_E, 0, CV_APPEND, 0, "z z z"}, /* + name flags mode */
	{EV_SYSCALL_OPEN_E, 3, CV_PASS, 0, ""},
	{EV_SYSCALL_OPEN_X, 4, CV_APPEND, 0, "z"}, /* + dev */
	{EV_SYSCALL_OPEN_X, 5, CV_APPEND, 0, "z"}, /* + ino */
	{EV_SYSCALL_CLOSE_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_CLOSE_X, 1, CV_APPEND, 0, "e0"}, /* + fd */
	{EV_SYSCALL_READ_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_READ_X, 2, CV_APPEND, 0, "e0 e1"}, /* + fd size */
	{EV_SYSCALL_WRITE_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_WRITE_X, 2, CV_APPEND, 0, "e0 e1"}, /* + fd size */
	{EV_SYSCALL_BRK_1_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_BRK_1_X, 1, CV_REBUILD, EV_SYSCALL_BRK_4_X, "o0 e0? z z z"}, /* = res vm_size vm_rss vm_swap addr */
	{EV_SYSCALL_EXECVE_8_E, 0, CV_REBUILD, EV_SYSCALL_EXECVE_13_E, ""},
	{EV_SYSCALL_EXECVE_8_X, 8, CV_REBUILD, EV_SYSCALL_EXECVE_13_X, "o0 o1 o2 o3 o4 o5 o6 o7 z z z z z"}, /* = res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap */
	{EV_SYSCALL_CLONE_11_X, 11, CV_REBUILD, EV_SYSCALL_CLONE_16_X, "o0 o1 o2 o3 o4 o5 o6 o7 z z z z z o8 o9 o10"}, /* = res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap flags uid gid */
	{EV_PROCEXIT_E, 0, CV_REBUILD, EV_PROCEXIT_1_E, "z z z z z"}, /* = status ret sig core reaper_tid */
	{EV_SOCKET_SOCKET_E, 3, CV_STORE, 0, ""},
	{EV_SOCKET_SOCKET_X, 1, CV_APPEND, 0, "e0 e1 e2"}, /* + domain type proto */
	{EV_SOCKET_SOCKET_X, 4, CV_APPEND, 0, "d"}, /* + flags */
	{EV_SOCKET_BIND_E, 1, CV_STORE, 0, ""},
	{EV_SOCKET_BIND_X, 2, CV_APPEND, 0, "e0"}, /* + fd */
	{EV_SOCKET_CONNECT_E, 1, CV_APPEND, 0, "d"}, /* + addr */
	{EV_SOCKET_CONNECT_E, 2, CV_STORE_PASS, 0, ""},
	{EV_SOCKET_CONNECT_X, 2, CV_APPEND, 0, "e0"}, /* + fd */
	{EV_SOCKET_CONNECT_X, 3, CV_APPEND, 0, "e1"}, /* + addr */
	{EV_SOCKET_LISTEN_E, 2, CV_STORE, 0, ""},
	{EV_SOCKET_LISTEN_X, 1, CV_APPEND, 0, "e0 e1"}, /* + fd backlog */
	{EV_SOCKET_ACCEPT_X, 3, CV_REBUILD, EV_SOCKET_ACCEPT_5_X, "o0 o1 o2 d d"}, /* = fd tuple queuepct queuelen queuemax */
	{EV_SOCKET_SEND_E, 2, CV_STORE, 0, ""},
	{EV_SOCKET_SEND_X, 2, CV_APPEND, 0, "e0 e1 d"}, /* + fd size tuple */
	{EV_SOCKET_SENDTO_E, 3, CV_STORE, 0, ""},
	{EV_SOCKET_SENDTO_X, 2, CV_APPEND, 0, "e0 e1 e2"}, /* + fd size tuple */
	{EV_SOCKET_RECV_E, 2, CV_STORE, 0, ""},
	{EV_SOCKET_RECV_X, 2, CV_APPEND, 0, "e0 e1 d"}, /* + fd size tuple */
	{EV_SOCKET_RECVFROM_E, 2, CV_STORE, 0, ""},
	{EV_SOCKET_RECVFROM_X, 3, CV_APPEND, 0, "e0 e1"}, /* + fd size */
	{EV_SOCKET_SHUTDOWN_E, 2, CV_STORE, 0, ""},
	{EV_SOCKET_SHUTDOWN_X, 1, CV_APPEND, 0, "e0 e1"}, /* + fd how */
	{EV_SOCKET_SOCKETPAIR_E, 3, CV_STORE, 0, ""},
	{EV_SOCKET_SOCKETPAIR_X, 5, CV_APPEND, 0, "e0 e1 e2"}, /* + domain type proto */
	{EV_SOCKET_SENDMSG_E, 3, CV_STORE, 0, ""},
	{EV_SOCKET_SENDMSG_X, 2, CV_APPEND, 0, "e0 e1 e2"}, /* + fd size tuple */
	{EV_SOCKET_SENDMMSG_X, 0, CV_APPEND, 0, "d z z z z"}, /* + res fd size data tuple */
	{EV_SOCKET_RECVMSG_E, 1, CV_STORE, 0, ""},
	{EV_SOCKET_RECVMSG_X, 4, CV_APPEND, 0, "d"}, /* + msgcontrol */
	{EV_SOCKET_RECVMSG_X, 5, CV_APPEND, 0, "e0"}, /* + fd */
	{EV_SOCKET_RECVMMSG_X, 0, CV_APPEND, 0, "d z z z z z"}, /* + res fd size data tuple msgcontrol */
	{EV_SOCKET_ACCEPT4_E, 1, CV_STORE, 0, ""},
	{EV_SOCKET_ACCEPT4_X, 3, CV_REBUILD, EV_SOCKET_ACCEPT4_6_X, "o0 o1 o2 d d e0"}, /* = fd tuple queuepct queuelen queuemax flags */
	{EV_SYSCALL_CREAT_E, 0, CV_APPEND, 0, "z z"}, /* + name mode */
	{EV_SYSCALL_CREAT_E, 2, CV_PASS, 0, ""},
	{EV_SYSCALL_CREAT_X, 3, CV_APPEND, 0, "z"}, /* + dev */
	{EV_SYSCALL_CREAT_X, 4, CV_APPEND, 0, "z"}, /* + ino */
	{EV_SYSCALL_CREAT_X, 5, CV_APPEND, 0, "z"}, /* + creat_flags */
	{EV_SYSCALL_EVENTFD_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_EVENTFD_X, 1, CV_APPEND, 0, "e0 e1"}, /* + initval flags */
	{EV_SYSCALL_FUTEX_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_FUTEX_X, 1, CV_APPEND, 0, "e0 e1 e2"}, /* + addr op val */
	{EV_SYSCALL_FSTAT_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_FSTAT_X, 1, CV_APPEND, 0, "e0"}, /* + fd */
	{EV_SYSCALL_EPOLLWAIT_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_EPOLLWAIT_X, 1, CV_APPEND, 0, "e0"}, /* + maxevents */
	{EV_SYSCALL_POLL_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_POLL_X, 2, CV_APPEND, 0, "e1"}, /* + timeout */
	{EV_SYSCALL_NEWSELECT_X, 1, CV_REBUILD, EV_SYSCALL_SELECT_X, "o0"}, /* = res */
	{EV_SYSCALL_LSEEK_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_LSEEK_X, 1, CV_APPEND, 0, "e0 e1 e2"}, /* + fd offset whence */
	{EV_SYSCALL_LLSEEK_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_LLSEEK_X, 1, CV_APPEND, 0, "e0 e1 e2"}, /* + fd offset whence */
	{EV_SYSCALL_IOCTL_2_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_IOCTL_2_X, 1, CV_REBUILD, EV_SYSCALL_IOCTL_3_X, "o0 e0? e1? z"}, /* = res fd request argument */
	{EV_SYSCALL_FCHDIR_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_FCHDIR_X, 1, CV_APPEND, 0, "e0?"}, /* + fd */
	{EV_SYSCALL_MKDIR_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_MKDIR_X, 1, CV_REBUILD, EV_SYSCALL_MKDIR_2_X, "o0 e0? e1?"}, /* = res path mode */
	{EV_SYSCALL_RMDIR_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_RMDIR_X, 1, CV_REBUILD, EV_SYSCALL_RMDIR_2_X, "o0 e0?"}, /* = res path */
	{EV_SYSCALL_OPENAT_E, 4, CV_STORE, 0, ""},
	{EV_SYSCALL_OPENAT_X, 1, CV_REBUILD, EV_SYSCALL_OPENAT_2_X, "o0 e0? e1? e2? e3? z z"}, /* = fd dirfd name flags mode dev ino */
	{EV_SYSCALL_LINK_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_LINK_X, 1, CV_REBUILD, EV_SYSCALL_LINK_2_X, "o0 e0? e1?"}, /* = res oldpath newpath */
	{EV_SYSCALL_LINKAT_E, 4, CV_STORE, 0, ""},
	{EV_SYSCALL_LINKAT_X, 1, CV_REBUILD, EV_SYSCALL_LINKAT_2_X, "o0 e0? e1? e2? e3? z"}, /* = res olddir oldpath newdir newpath flags */
	{EV_SYSCALL_UNLINK_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_UNLINK_X, 1, CV_REBUILD, EV_SYSCALL_UNLINK_2_X, "o0 e0?"}, /* = res path */
	{EV_SYSCALL_UNLINKAT_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_UNLINKAT_X, 1, CV_REBUILD, EV_SYSCALL_UNLINKAT_2_X, "o0 e0? e1? z"}, /* = res dirfd name flags */
	{EV_SYSCALL_PREAD_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_PREAD_X, 2, CV_APPEND, 0, "e0 e1 e2"}, /* + fd size pos */
	{EV_SYSCALL_PWRITE_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_PWRITE_X, 2, CV_APPEND, 0, "e0 e1 e2"}, /* + fd size pos */
	{EV_SYSCALL_READV_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_READV_X, 3, CV_APPEND, 0, "e0"}, /* + fd */
	{EV_SYSCALL_WRITEV_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_WRITEV_X, 2, CV_APPEND, 0, "e0 e1"}, /* + fd size */
	{EV_SYSCALL_PREADV_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_PREADV_X, 3, CV_APPEND, 0, "e0 e1"}, /* + fd pos */
	{EV_SYSCALL_PWRITEV_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_PWRITEV_X, 2, CV_APPEND, 0, "e0 e1 e2"}, /* + fd size pos */
	{EV_SYSCALL_DUP_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_DUP_X, 1, CV_REBUILD, EV_SYSCALL_DUP_1_X, "o0 e0?"}, /* = res oldfd */
	{EV_SYSCALL_SIGNALFD_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_SIGNALFD_X, 1, CV_APPEND, 0, "e0 e1 e2"}, /* + fd mask flags */
	{EV_SYSCALL_KILL_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_KILL_X, 1, CV_APPEND, 0, "e0 e1"}, /* + pid sig */
	{EV_SYSCALL_TKILL_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_TKILL_X, 1, CV_APPEND, 0, "e0 e1"}, /* + tid sig */
	{EV_SYSCALL_TGKILL_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_TGKILL_X, 1, CV_APPEND, 0, "e0 e1 e2"}, /* + pid tid sig */
	{EV_SYSCALL_NANOSLEEP_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_NANOSLEEP_X, 1, CV_APPEND, 0, "e0"}, /* + interval */
	{EV_SYSCALL_TIMERFD_CREATE_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_TIMERFD_CREATE_X, 1, CV_APPEND, 0, "e0 e1"}, /* + clockid flags */
	{EV_SYSCALL_INOTIFY_INIT_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_INOTIFY_INIT_X, 1, CV_APPEND, 0, "e0"}, /* + flags */
	{EV_SYSCALL_GETRLIMIT_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_GETRLIMIT_X, 3, CV_APPEND, 0, "e0"}, /* + resource */
	{EV_SYSCALL_SETRLIMIT_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_SETRLIMIT_X, 3, CV_APPEND, 0, "e0"}, /* + resource */
	{EV_SYSCALL_PRLIMIT_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_PRLIMIT_X, 5, CV_APPEND, 0, "e0? e1?"}, /* + pid resource */
	{EV_SCHEDSWITCH_1_E, 1, CV_REBUILD, EV_SCHEDSWITCH_6_E, "o0 z z z z z"}, /* = next pgft_maj pgft_min vm_size vm_rss vm_swap */
	{EV_SYSCALL_FCNTL_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_FCNTL_X, 1, CV_APPEND, 0, "e0 e1"}, /* + fd cmd */
	{EV_SYSCALL_FCNTL_X, 3, CV_APPEND, 0, "d"}, /* + arg */
	{EV_SYSCALL_EXECVE_13_E, 0, CV_REBUILD, EV_SYSCALL_EXECVE_14_E, ""},
	{EV_SYSCALL_EXECVE_13_X, 13, CV_REBUILD, EV_SYSCALL_EXECVE_14_X, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 z"}, /* = res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap env */
	{EV_SYSCALL_CLONE_16_X, 16, CV_REBUILD, EV_SYSCALL_CLONE_17_X, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 z o13 o14 o15"}, /* = res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm flags uid gid */
	{EV_SYSCALL_BRK_4_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_BRK_4_X, 4, CV_APPEND, 0, "e0?"}, /* + addr */
	{EV_SYSCALL_MMAP_E, 6, CV_STORE, 0, ""},
	{EV_SYSCALL_MMAP_X, 4, CV_APPEND, 0, "e0 e1 e2 e3 e4 e5"}, /* + addr length prot flags fd offset */
	{EV_SYSCALL_MMAP2_E, 6, CV_STORE, 0, ""},
	{EV_SYSCALL_MMAP2_X, 4, CV_APPEND, 0, "e0 e1 e2 e3 e4 e5"}, /* + addr length prot flags fd pgoffset */
	{EV_SYSCALL_MUNMAP_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_MUNMAP_X, 4, CV_APPEND, 0, "e0 e1"}, /* + addr length */
	{EV_SYSCALL_SPLICE_E, 4, CV_STORE, 0, ""},
	{EV_SYSCALL_SPLICE_X, 1, CV_APPEND, 0, "e0 e1 e2 e3"}, /* + fd_in fd_out size flags */
	{EV_SYSCALL_PTRACE_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_PTRACE_X, 0, CV_APPEND, 0, "z z z"}, /* + res addr data */
	{EV_SYSCALL_PTRACE_X, 3, CV_APPEND, 0, "e0? e1?"}, /* + request pid */
	{EV_SYSCALL_IOCTL_3_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_IOCTL_3_X, 1, CV_APPEND, 0, "e0 e1 e2"}, /* + fd request argument */
	{EV_SYSCALL_EXECVE_14_E, 0, CV_REBUILD, EV_SYSCALL_EXECVE_15_E, ""},
	{EV_SYSCALL_EXECVE_14_X, 14, CV_REBUILD, EV_SYSCALL_EXECVE_15_X, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 z o13"}, /* = res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm env */
	{EV_SYSCALL_FORK_X, 16, CV_REBUILD, EV_SYSCALL_FORK_17_X, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 z o13 o14 o15"}, /* = res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm flags uid gid */
	{EV_SYSCALL_VFORK_X, 16, CV_REBUILD, EV_SYSCALL_VFORK_17_X, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 z o13 o14 o15"}, /* = res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm flags uid gid */
	{EV_SYSCALL_SENDFILE_E, 4, CV_STORE, 0, ""},
	{EV_SYSCALL_SENDFILE_X, 2, CV_APPEND, 0, "e0 e1 e3"}, /* + out_fd in_fd size */
	{EV_SYSCALL_QUOTACTL_E, 4, CV_STORE, 0, ""},
	{EV_SYSCALL_QUOTACTL_X, 14, CV_APPEND, 0, "e0 e1 e2 e3"}, /* + cmd type id quota_fmt */
	{EV_SYSCALL_SETRESUID_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_SETRESUID_X, 1, CV_APPEND, 0, "e0? e1? e2?"}, /* + ruid euid suid */
	{EV_SYSCALL_SETRESGID_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_SETRESGID_X, 1, CV_APPEND, 0, "e0? e1? e2?"}, /* + rgid egid sgid */
	{EV_SYSCALL_SETUID_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_SETUID_X, 1, CV_APPEND, 0, "e0?"}, /* + uid */
	{EV_SYSCALL_SETGID_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_SETGID_X, 1, CV_APPEND, 0, "e0?"}, /* + gid */
	{EV_SYSCALL_EXECVE_15_E, 0, CV_REBUILD, EV_SYSCALL_EXECVE_16_E, ""},
	{EV_SYSCALL_EXECVE_15_X, 15, CV_REBUILD, EV_SYSCALL_EXECVE_16_X, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 z o14"}, /* = res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm cgroups env */
	{EV_SYSCALL_CLONE_17_X, 17, CV_REBUILD, EV_SYSCALL_CLONE_20_X, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 z o14 o15 o16 z z"}, /* = res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm cgroups flags uid gid vtid vpid */
	{EV_SYSCALL_FORK_17_X, 17, CV_REBUILD, EV_SYSCALL_FORK_20_X, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 z o14 o15 o16 z z"}, /* = res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm cgroups flags uid gid vtid vpid */
	{EV_SYSCALL_VFORK_17_X, 17, CV_REBUILD, EV_SYSCALL_VFORK_20_X, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 z o14 o15 o16 z z"}, /* = res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm cgroups flags uid gid vtid vpid */
	{EV_SYSCALL_CLONE_20_X, 20, CV_APPEND, 0, "z"}, /* + pidns_init_start_ts */
	{EV_SYSCALL_FORK_20_X, 20, CV_APPEND, 0, "z"}, /* + pidns_init_start_ts */
	{EV_SYSCALL_VFORK_20_X, 20, CV_APPEND, 0, "z"}, /* + pidns_init_start_ts */
	{EV_CONTAINER_E, 4, CV_REBUILD, EV_CONTAINER_JSON_E, "J"}, /* = json */
	{EV_SYSCALL_EXECVE_16_E, 0, CV_REBUILD, EV_SYSCALL_EXECVE_17_E, ""},
	{EV_SYSCALL_EXECVE_16_X, 16, CV_REBUILD, EV_SYSCALL_EXECVE_17_X, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 o14 o15 z"}, /* = res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm cgroups env tty */
	{EV_SYSCALL_GETDENTS_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_GETDENTS_X, 1, CV_APPEND, 0, "e0"}, /* + fd */
	{EV_SYSCALL_GETDENTS64_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_GETDENTS64_X, 1, CV_APPEND, 0, "e0"}, /* + fd */
	{EV_SYSCALL_SETNS_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_SETNS_X, 1, CV_APPEND, 0, "e0? e1?"}, /* + fd nstype */
	{EV_SYSCALL_FLOCK_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_FLOCK_X, 1, CV_APPEND, 0, "e0 e1"}, /* + fd operation */
	{EV_SOCKET_ACCEPT4_5_E, 1, CV_STORE, 0, ""},
	{EV_SOCKET_ACCEPT4_5_X, 5, CV_REBUILD, EV_SOCKET_ACCEPT4_6_X, "o0 o1 o2 o3 o4 e0"}, /* = fd tuple queuepct queuelen queuemax flags */
	{EV_SYSCALL_SEMOP_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_SEMOP_X, 8, CV_APPEND, 0, "e0"}, /* + semid */
	{EV_SYSCALL_SEMCTL_E, 4, CV_STORE, 0, ""},
	{EV_SYSCALL_SEMCTL_X, 1, CV_APPEND, 0, "e0 e1 e2 e3"}, /* + semid semnum cmd val */
	{EV_SYSCALL_PPOLL_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_PPOLL_X, 2, CV_APPEND, 0, "e1 e2"}, /* + timeout sigmask */
	{EV_SYSCALL_MOUNT_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_MOUNT_X, 4, CV_APPEND, 0, "e0"}, /* + flags */
	{EV_SYSCALL_UMOUNT_X, 2, CV_REBUILD, EV_SYSCALL_UMOUNT_1_X, "o0 o1"}, /* = res name */
	{EV_SYSCALL_SEMGET_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_SEMGET_X, 1, CV_APPEND, 0, "e0 e1 e2"}, /* + key nsems semflg */
	{EV_SYSCALL_ACCESS_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_ACCESS_X, 2, CV_APPEND, 0, "e0"}, /* + mode */
	{EV_CONTAINER_JSON_E, 1, CV_REBUILD, EV_CONTAINER_JSON_2_E, "o0"}, /* = json */
	{EV_SYSCALL_MKDIR_2_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_MKDIR_2_X, 2, CV_APPEND, 0, "e0?"}, /* + mode */
	{EV_SYSCALL_EXECVE_17_E, 0, CV_REBUILD, EV_SYSCALL_EXECVE_18_E, "z"}, /* = filename */
	{EV_SYSCALL_EXECVE_17_X, 17, CV_REBUILD, EV_SYSCALL_EXECVE_18_X, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 o14 o15 o16"}, /* = res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm cgroups env tty */
	{EV_SYSCALL_UNSHARE_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_UNSHARE_X, 1, CV_APPEND, 0, "e0"}, /* + flags */
	{EV_SYSCALL_EXECVE_18_E, 1, CV_REBUILD, EV_SYSCALL_EXECVE_19_E, "o0"}, /* = filename */
	{EV_SYSCALL_EXECVE_18_X, 17, CV_REBUILD, EV_SYSCALL_EXECVE_19_X, "o0 o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12 o13 o14 o15 o16 z"}, /* = res exe args tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm cgroups env tty vpgid */
	{EV_SYSCALL_EXECVE_19_E, 1, CV_STORE_PASS, 0, ""},
	{EV_SYSCALL_EXECVE_19_X, 18, CV_APPEND, 0, "z"}, /* + loginuid */
	{EV_SYSCALL_EXECVE_19_X, 19, CV_APPEND, 0, "z"}, /* + flags */
	{EV_SYSCALL_EXECVE_19_X, 20, CV_APPEND, 0, "z z z"}, /* + cap_inheritable cap_permitted cap_effective */
	{EV_SYSCALL_EXECVE_19_X, 23, CV_APPEND, 0, "z z z"}, /* + exe_ino exe_ino_ctime exe_ino_mtime */
	{EV_SYSCALL_EXECVE_19_X, 26, CV_APPEND, 0, "z"}, /* + uid */
	{EV_SYSCALL_EXECVE_19_X, 27, CV_APPEND, 0, "z"}, /* + trusted_exepath */
	{EV_SYSCALL_EXECVE_19_X, 28, CV_APPEND, 0, "z"}, /* + pgid */
	{EV_SYSCALL_EXECVE_19_X, 29, CV_APPEND, 0, "z"}, /* + gid */
	{EV_SYSCALL_EXECVE_19_X, 30, CV_APPEND, 0, "e0?"}, /* + filename */
	{EV_SYSCALL_SETPGID_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_SETPGID_X, 1, CV_APPEND, 0, "e0? e1?"}, /* + pid pgid */
	{EV_SYSCALL_BPF_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_BPF_X, 1, CV_REBUILD, EV_SYSCALL_BPF_2_X, "o0 e0?"}, /* = fd cmd */
	{EV_SYSCALL_SECCOMP_E, 1, CV_APPEND, 0, "d"}, /* + flags */
	{EV_SYSCALL_SECCOMP_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_SECCOMP_X, 1, CV_APPEND, 0, "e0 e1"}, /* + op flags */
	{EV_SYSCALL_OPENAT_2_E, 0, CV_APPEND, 0, "z z z z"}, /* + dirfd name flags mode */
	{EV_SYSCALL_OPENAT_2_E, 4, CV_PASS, 0, ""},
	{EV_SYSCALL_OPENAT_2_X, 5, CV_APPEND, 0, "z"}, /* + dev */
	{EV_SYSCALL_OPENAT_2_X, 6, CV_APPEND, 0, "z"}, /* + ino */
	{EV_SYSCALL_OPENAT2_E, 0, CV_APPEND, 0, "z z z z z"}, /* + dirfd name flags mode resolve */
	{EV_SYSCALL_OPENAT2_E, 5, CV_PASS, 0, ""},
	{EV_SYSCALL_OPENAT2_X, 6, CV_APPEND, 0, "z z"}, /* + dev ino */
	{EV_SYSCALL_MPROTECT_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_MPROTECT_X, 1, CV_APPEND, 0, "e0 e1 e2"}, /* + addr length prot */
	{EV_SYSCALL_EXECVEAT_E, 3, CV_PASS, 0, ""},
	{EV_SYSCALL_EXECVEAT_X, 19, CV_APPEND, 0, "z"}, /* + flags */
	{EV_SYSCALL_EXECVEAT_X, 20, CV_APPEND, 0, "z z z"}, /* + cap_inheritable cap_permitted cap_effective */
	{EV_SYSCALL_EXECVEAT_X, 23, CV_APPEND, 0, "z z z"}, /* + exe_ino exe_ino_ctime exe_ino_mtime */
	{EV_SYSCALL_EXECVEAT_X, 26, CV_APPEND, 0, "z"}, /* + uid */
	{EV_SYSCALL_EXECVEAT_X, 27, CV_APPEND, 0, "z"}, /* + trusted_exepath */
	{EV_SYSCALL_EXECVEAT_X, 28, CV_APPEND, 0, "z"}, /* + pgid */
	{EV_SYSCALL_EXECVEAT_X, 29, CV_APPEND, 0, "z"}, /* + gid */
	{EV_SYSCALL_COPY_FILE_RANGE_E, 3, CV_STORE, 0, ""},
	{EV_SYSCALL_COPY_FILE_RANGE_X, 3, CV_APPEND, 0, "e0 e1 e2"}, /* + fdin offin len */
	{EV_SYSCALL_CLONE3_X, 20, CV_APPEND, 0, "z"}, /* + pidns_init_start_ts */
	{EV_SYSCALL_EPOLL_CREATE_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_EPOLL_CREATE_X, 1, CV_APPEND, 0, "e0"}, /* + size */
	{EV_SYSCALL_EPOLL_CREATE1_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_EPOLL_CREATE1_X, 1, CV_APPEND, 0, "e0"}, /* + flags */
	{EV_SOCKET_ACCEPT4_6_E, 1, CV_STORE, 0, ""},
	{EV_SOCKET_ACCEPT4_6_X, 5, CV_APPEND, 0, "e0"}, /* + flags */
	{EV_SYSCALL_UMOUNT2_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_UMOUNT2_X, 2, CV_APPEND, 0, "e0"}, /* + flags */
	{EV_SYSCALL_EVENTFD2_E, 1, CV_STORE, 0, ""},
	{EV_SYSCALL_EVENTFD2_X, 2, CV_APPEND, 0, "e0"}, /* + initval */
	{EV_SYSCALL_SIGNALFD4_E, 2, CV_STORE, 0, ""},
	{EV_SYSCALL_SIGNALFD4_X, 2, CV_APPEND, 0, "e0 e1"}, /* + fd mask */
};

#define CV_NRULES (sizeof(cv_rules) / sizeof(cv_rules[0]))
#define CV_MAX_STEPS 50 /* conversions of one event before we call it a loop */
#define CV_WAYS 4u

enum cv_src { S_OLD, S_ENTER, S_EMPTY, S_DEFAULT, S_JSON };

struct cv_tok {
	uint8_t src;            /* enum cv_src */
	uint8_t idx;            /* S_OLD, S_ENTER: parameter index */
	uint8_t empty_fallback; /* S_ENTER: empty instead of default when missing */
};

/* A rule with its recipe parsed once, at ev_conv_new. */
struct cv_compiled {
	const struct cv_rule *rule;
	uint8_t ntok;
	struct cv_tok tok[EV_MAX_PARAMS];
};

/* One stored enter event. len == 0 means free. */
struct cv_slot {
	uint64_t tid;
	uint64_t stamp; /* store order, for eviction */
	uint32_t len;
	uint32_t cap;
	uint8_t *buf; /* owned; grows to the largest event stored here */
};

struct ev_conv {
	struct cv_compiled rules[CV_NRULES];
	uint16_t first[EV_CODE_MAX + 1]; /* rules of code c: [first[c], first[c+1]) */
	struct cv_slot *slots;           /* owned; nsets * CV_WAYS */
	uint32_t nsets;                  /* a power of two */
	uint64_t clock;
	size_t store_bytes;              /* sum of the slots' buffer capacities */
	size_t store_budget;             /* their bound: max_threads * CV_BYTES_PER_THREAD */
	uint8_t *out[2];                 /* owned; alternate between chained rewrites */
	size_t outcap[2];
	char *json;                      /* owned; scratch for the S_JSON token */
	struct ev_conv_stats st;
	char err[256];
};

#define CV_JSON_CAP 65536u
#define CV_BYTES_PER_THREAD 16384u

static int cv_fail(struct ev_conv *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cv_fail(struct ev_conv *c, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- the table ---- */

/* Parses one recipe; returns the token count or -1 on a malformed recipe
 * (a bug in the table, caught by the unit tests). */
static int cv_parse_recipe(const char *r, struct cv_tok *tok)
{
	int n = 0;
	while (*r) {
		if (*r == ' ') {
			r++;
			continue;
		}
		if (n == (int)EV_MAX_PARAMS)
			return -1;
		struct cv_tok t = {0};
		char kind = *r++;
		switch (kind) {
		case 'o':
		case 'e': {
			char *end;
			unsigned long idx = strtoul(r, &end, 10);
			if (end == r || idx >= EV_MAX_PARAMS)
				return -1;
			r = end;
			t.src = kind == 'o' ? S_OLD : S_ENTER;
			t.idx = (uint8_t)idx;
			if (kind == 'e' && *r == '?') {
				t.empty_fallback = 1;
				r++;
			}
			break;
		}
		case 'z': t.src = S_EMPTY; break;
		case 'd': t.src = S_DEFAULT; break;
		case 'J': t.src = S_JSON; break;
		default: return -1;
		}
		if (*r != ' ' && *r != '\0')
			return -1;
		tok[n++] = t;
	}
	return n;
}

static const struct cv_rule *cv_find_rule(uint16_t code, uint32_t nparams)
{
	/* The table is sorted: a binary search keeps this free of setup. */
	size_t lo = 0, hi = CV_NRULES;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct cv_rule *r = &cv_rules[mid];
		if (r->code < code || (r->code == code && r->nparams < nparams))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < CV_NRULES && cv_rules[lo].code == code && cv_rules[lo].nparams == nparams)
		return &cv_rules[lo];
	return NULL;
}

bool ev_conv_has_rule(uint16_t code, uint32_t nparams)
{
	return cv_find_rule(code, nparams) != NULL;
}

static const struct cv_compiled *cv_lookup(const struct ev_conv *c, uint16_t code, uint32_t nparams)
{
	if (code >= EV_CODE_MAX)
		return NULL;
	for (uint32_t i = c->first[code]; i < c->first[code + 1]; i++)
		if (c->rules[i].rule->nparams == nparams)
			return &c->rules[i];
	return NULL;
}

/* ---- enter event storage ---- */

static struct cv_slot *cv_set(struct ev_conv *c, uint64_t tid)
{
	uint64_t h = tid * 0x9E3779B97F4A7C15ull; /* spread consecutive tids */
	return &c->slots[((h >> 32) & (c->nsets - 1)) * CV_WAYS];
}

static struct cv_slot *cv_find(struct ev_conv *c, uint64_t tid)
{
	struct cv_slot *s = cv_set(c, tid);
	for (unsigned w = 0; w < CV_WAYS; w++)
		if (s[w].len != 0 && s[w].tid == tid)
			return &s[w];
	return NULL;
}

/* The slot for tid's enter event: its own, a free one of its set, or the
 * least recently stored one (*evict set). */
static struct cv_slot *cv_slot_for(struct ev_conv *c, uint64_t tid, bool *evict)
{
	struct cv_slot *set = cv_set(c, tid), *dst = cv_find(c, tid);
	*evict = false;
	if (dst != NULL)
		return dst;
	for (unsigned w = 0; w < CV_WAYS; w++)
		if (set[w].len == 0)
			return &set[w];
	dst = &set[0];
	for (unsigned w = 1; w < CV_WAYS; w++)
		if (set[w].stamp < dst->stamp)
			dst = &set[w];
	*evict = true;
	return dst;
}

static int cv_store(struct ev_conv *c, const struct ev_hdr *h)
{
	bool evict;
	struct cv_slot *dst = cv_slot_for(c, h->tid, &evict);
	if (dst->cap < h->len) {
		if (c->store_bytes - dst->cap + h->len > c->store_budget) {
			/* Not kept: the thread's exit will use the fallbacks. Its
			 * older enter event must not stand in for this one. */
			if (dst->len != 0 && dst->tid == h->tid)
				dst->len = 0;
			c->st.oversize++;
			return 0;
		}
		uint8_t *nb = realloc(dst->buf, h->len);
		if (nb == NULL)
			return cv_fail(c, -ENOMEM, "out of memory storing an enter event of %u bytes", h->len);
		c->store_bytes = c->store_bytes - dst->cap + h->len;
		dst->buf = nb;
		dst->cap = h->len;
	}
	c->st.evicted += evict;
	memcpy(dst->buf, h, h->len);
	dst->tid = h->tid;
	dst->len = h->len;
	dst->stamp = ++c->clock;
	c->st.stored++;
	return 0;
}

/* ---- parameter values ---- */

/* Fixed size of a parameter type, 0 for variable-size types. */
static uint32_t cv_fixed_len(uint8_t type)
{
	switch (type) {
	case EV_PT_INT8: case EV_PT_UINT8: case EV_PT_FLAGS8: case EV_PT_ENUMFLAGS8: case EV_PT_SIGTYPE:
	case EV_PT_L4PROTO: case EV_PT_SOCKFAMILY:
		return 1;
	case EV_PT_INT16: case EV_PT_UINT16: case EV_PT_FLAGS16: case EV_PT_ENUMFLAGS16:
	case EV_PT_SYSCALLID: case EV_PT_PORT:
		return 2;
	case EV_PT_INT32: case EV_PT_UINT32: case EV_PT_FLAGS32: case EV_PT_ENUMFLAGS32: case EV_PT_UID:
	case EV_PT_GID: case EV_PT_MODE: case EV_PT_SIGSET: case EV_PT_FD32: case EV_PT_PID32:
	case EV_PT_IPV4ADDR: case EV_PT_BOOL:
		return 4;
	case EV_PT_INT64: case EV_PT_UINT64: case EV_PT_RELTIME: case EV_PT_ABSTIME: case EV_PT_ERRNO:
	case EV_PT_FD: case EV_PT_PID: case EV_PT_DOUBLE:
		return 8;
	case EV_PT_IPV6ADDR:
		return 16;
	default:
		return 0;
	}
}

static const uint8_t cv_zeros[16];
static const uint8_t cv_ones[4] = {0xff, 0xff, 0xff, 0xff};

/* The default value of a type: zeros of its fixed size; "none" (all ones)
 * for uid and gid; nothing for variable-size types. */
static void cv_default(uint8_t type, const void **val, uint32_t *len)
{
	*len = cv_fixed_len(type);
	*val = (type == EV_PT_UID || type == EV_PT_GID) ? cv_ones : cv_zeros;
}

/* {"id":"<id>","type":<type>,"name":"<name>","image":"<image>"} from an
 * old container event (id, type, name, image). Returns the length with the
 * NUL, 0 when the event does not have those parameters, -1 when too long. */
static int64_t cv_container_json(char *dst, const struct ev_view *v)
{
	if (v->nparams < 4 || v->len[1] != 4)
		return 0;
	for (int i = 0; i < 4; i += (i == 0 ? 2 : 1))
		if (v->len[i] == 0)
			return 0;
	uint32_t type;
	memcpy(&type, v->val[1], 4);
	int n = snprintf(dst, CV_JSON_CAP, "{\"id\":\"%.*s\",\"type\":%u,\"name\":\"%.*s\",\"image\":\"%.*s\"}",
	                 (int)v->len[0] - 1, (const char *)v->val[0], type, (int)v->len[2] - 1,
	                 (const char *)v->val[2], (int)v->len[3] - 1, (const char *)v->val[3]);
	if (n < 0 || (uint64_t)n + 1 > UINT16_MAX)
		return -1;
	return n + 1;
}

/* ---- one rewrite ---- */

static int cv_reserve(struct ev_conv *c, int which, size_t need)
{
	if (c->outcap[which] >= need)
		return 0;
	size_t cap = c->outcap[which] ? c->outcap[which] : 4096;
	while (cap < need)
		cap *= 2;
	uint8_t *nb = realloc(c->out[which], cap);
	if (nb == NULL)
		return cv_fail(c, -ENOMEM, "out of memory converting an event of %zu bytes", need);
	c->out[which] = nb;
	c->outcap[which] = cap;
	return 0;
}

/* Fills the parameter at `pos` of the new event from token `t`. */
static int cv_fill(struct ev_conv *c, const struct cv_tok *t, const struct ev_view *old,
                   const struct ev_param_info *pi, uint32_t maxlen, const void **val, uint32_t *len,
                   bool *used_enter)
{
	const struct ev_hdr *h = old->hdr;
	*val = NULL;
	*len = 0;
	switch (t->src) {
	case S_EMPTY:
		return 0;
	case S_DEFAULT:
		cv_default(pi->type, val, len);
		return 0;
	case S_OLD:
		if (t->idx >= old->nparams)
			return cv_fail(c, -EPROTO, "event code %u has %u parameters, its rule reads parameter %u",
			               h->type, old->nparams, t->idx);
		*val = old->val[t->idx];
		*len = old->len[t->idx] < maxlen ? old->len[t->idx] : maxlen;
		return 0;
	case S_JSON: {
		int64_t n = cv_container_json(c->json, old);
		if (n < 0)
			return cv_fail(c, -EPROTO, "container event (tid %llu) too large to convert",
			               (unsigned long long)h->tid);
		*val = c->json;
		*len = (uint32_t)n;
		return 0;
	}
	case S_ENTER: {
		struct cv_slot *s = cv_find(c, h->tid);
		if (s == NULL) {
			c->st.no_enter++;
			if (!t->empty_fallback)
				cv_default(pi->type, val, len);
			return 0;
		}
		struct ev_view ev;
		if (ev_decode(s->buf, s->len, &ev) != 0)
			return cv_fail(c, -EINVAL, "stored enter event of tid %llu is malformed",
			               (unsigned long long)h->tid);
		if (ev.hdr->type + 1 != h->type)
			return cv_fail(c, -EPROTO,
			               "exit event code %u (tid %llu, ts %llu) follows enter event code %u of its thread",
			               h->type, (unsigned long long)h->tid, (unsigned long long)h->ts, ev.hdr->type);
		if (t->idx >= ev.nparams)
			return cv_fail(c, -EPROTO, "enter event code %u has %u parameters, its rule reads parameter %u",
			               ev.hdr->type, ev.nparams, t->idx);
		*val = ev.val[t->idx];
		*len = ev.len[t->idx] < maxlen ? ev.len[t->idx] : maxlen;
		*used_enter = true;
		return 0;
	}
	}
	return cv_fail(c, -EPROTO, "bad recipe token");
}

/* Writes the rewritten event into c->out[which]. */
static int cv_rewrite(struct ev_conv *c, const struct cv_compiled *cr, const struct ev_view *old, int which)
{
	const struct ev_hdr *h = old->hdr;
	uint16_t type = cr->rule->action == CV_REBUILD ? cr->rule->to : h->type;
	const struct ev_info *info = ev_info(type);
	uint32_t keep = cr->rule->action == CV_APPEND ? old->nparams : 0;
	uint32_t n = keep + cr->ntok;
	const void *vals[EV_MAX_PARAMS];
	uint32_t lens[EV_MAX_PARAMS];
	bool used_enter = false;
	uint32_t varmax = ev_is_large(type) ? UINT32_MAX : UINT16_MAX;
	size_t total = EV_HDR_LEN + 4u * n;

	if (info == NULL || n > EV_MAX_PARAMS || n > info->nparams)
		return cv_fail(c, -EPROTO, "rule for event code %u makes %u parameters for code %u", h->type, n, type);
	for (uint32_t i = 0; i < keep; i++) {
		vals[i] = old->val[i];
		lens[i] = old->len[i];
		total += lens[i];
	}
	for (uint32_t i = 0; i < cr->ntok; i++) {
		const struct ev_param_info *pi = &info->params[keep + i];
		uint32_t maxlen = cv_fixed_len(pi->type) ? cv_fixed_len(pi->type) : varmax;
		int rc = cv_fill(c, &cr->tok[i], old, pi, maxlen, &vals[keep + i], &lens[keep + i], &used_enter);
		if (rc < 0)
			return rc;
		total += lens[keep + i];
	}
	int rc = cv_reserve(c, which, total);
	if (rc < 0)
		return rc;
	int64_t len = ev_encode(c->out[which], c->outcap[which], h->ts, h->tid, type, n, vals, lens);
	if (len < 0)
		return cv_fail(c, (int)len, "cannot encode the converted event code %u", type);
	if (used_enter)
		cv_find(c, h->tid)->len = 0;
	return 0;
}

/* ---- the conversion loop ---- */

enum cv_class { CL_PASS, CL_DROP, CL_CONVERT };

/* What an event needs: the same decision upstream makes on every event it
 * reads (unused: drop; current: pass; managed enter or old exit: convert). */
static int cv_classify(struct ev_conv *c, const struct ev_hdr *h)
{
	const struct ev_info *info = ev_info(h->type);
	if (info == NULL)
		return cv_fail(c, -EINVAL, "unknown event code %u (tid %llu, ts %llu)", h->type,
		               (unsigned long long)h->tid, (unsigned long long)h->ts);
	if (info->flags & EV_F_UNUSED)
		return CL_DROP;
	if (!(info->flags & EV_F_CONVERTER_MANAGED)) {
		if (!(info->flags & EV_F_OLD_VERSION))
			return CL_PASS;
		if (!ev_is_exit(h->type))
			return CL_DROP;
		return cv_fail(c, -EPROTO, "old exit event code %u has no conversion", h->type);
	}
	if (!ev_is_exit(h->type))
		return CL_CONVERT;
	if (h->nparams > info->nparams)
		return cv_fail(c, -EINVAL, "event code %u (tid %llu, ts %llu) has %u parameters, at most %u expected",
		               h->type, (unsigned long long)h->tid, (unsigned long long)h->ts, h->nparams,
		               info->nparams);
	if ((info->flags & EV_F_OLD_VERSION) || h->nparams != info->nparams)
		return CL_CONVERT;
	return CL_PASS;
}

static int cv_malformed(struct ev_conv *c, const void *evt, size_t avail)
{
	struct ev_hdr h;
	if (avail < EV_HDR_LEN)
		return cv_fail(c, -EINVAL, "malformed event: %zu bytes, shorter than a header", avail);
	memcpy(&h, evt, sizeof(h));
	return cv_fail(c, -EINVAL, "malformed event code %u (tid %llu, ts %llu): len %u, %u parameters", h.type,
	               (unsigned long long)h.tid, (unsigned long long)h.ts, h.len, h.nparams);
}

int ev_conv_next(struct ev_conv *c, const void *evt, size_t avail, const void **out)
{
	struct ev_view v;
	const void *cur = evt;
	size_t cur_avail = avail;
	bool rewritten = false;

	c->st.events++;
	for (int step = 0; step < CV_MAX_STEPS; step++) {
		/* The header decides; current events pass without a full decode
		 * (the consumer decodes them once). */
		const struct ev_hdr *h = cur;
		if (cur_avail < EV_HDR_LEN || h->len < EV_HDR_LEN || h->len > cur_avail)
			return cv_malformed(c, cur, cur_avail);
		int cl = cv_classify(c, h);
		if (cl < 0)
			return cl;
		if (cl == CL_DROP)
			goto drop;
		if (cl == CL_PASS)
			goto pass;
		if (ev_decode(cur, cur_avail, &v) != 0)
			return cv_malformed(c, cur, cur_avail);

		const struct cv_compiled *cr = cv_lookup(c, h->type, h->nparams);
		if (cr == NULL)
			return cv_fail(c, -EPROTO, "no conversion for event code %u with %u parameters (tid %llu, ts %llu)",
			               h->type, h->nparams, (unsigned long long)h->tid, (unsigned long long)h->ts);
		int rc;
		switch (cr->rule->action) {
		case CV_STORE:
			rc = cv_store(c, h);
			if (rc < 0)
				return rc;
			goto drop;
		case CV_PASS:
			goto pass;
		case CV_STORE_PASS:
			rc = cv_store(c, h);
			if (rc < 0)
				return rc;
			goto pass;
		default:
			rc = cv_rewrite(c, cr, &v, step & 1);
			if (rc < 0)
				return rc;
			cur = c->out[step & 1];
			cur_avail = c->outcap[step & 1];
			rewritten = true;
		}
	}
	return cv_fail(c, -EPROTO, "event still not current after %d conversions", CV_MAX_STEPS);
pass:
	*out = cur;
	c->st.passed++;
	c->st.converted += rewritten;
	return EV_CONV_PASS;
drop:
	c->st.dropped++;
	return EV_CONV_DROP;
}

/* ---- lifetime ---- */

struct ev_conv *ev_conv_new(uint32_t max_threads)
{
	struct ev_conv *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (max_threads == 0)
		max_threads = 4096;
	c->nsets = 1;
	while (c->nsets * CV_WAYS < max_threads && c->nsets < (1u << 24))
		c->nsets <<= 1;
	c->store_budget = (size_t)max_threads * CV_BYTES_PER_THREAD;
	c->slots = calloc((size_t)c->nsets * CV_WAYS, sizeof(*c->slots));
	c->json = malloc(CV_JSON_CAP);
	if (c->slots == NULL || c->json == NULL)
		goto fail;
	for (size_t i = 0; i < CV_NRULES; i++) {
		int n = cv_parse_recipe(cv_rules[i].recipe, c->rules[i].tok);
		if (n < 0)
			goto fail; /* a table bug; the unit tests parse every recipe */
		c->rules[i].rule = &cv_rules[i];
		c->rules[i].ntok = (uint8_t)n;
	}
	/* first[code]: index of the first rule of `code` or later. */
	size_t r = 0;
	for (uint32_t code = 0; code <= EV_CODE_MAX; code++) {
		while (r < CV_NRULES && cv_rules[r].code < code)
			r++;
		c->first[code] = (uint16_t)r;
	}
	return c;
fail:
	ev_conv_free(c);
	return NULL;
}

void ev_conv_free(struct ev_conv *c)
{
	if (c == NULL)
		return;
	if (c->slots != NULL)
		for (size_t i = 0; i < (size_t)c->nsets * CV_WAYS; i++)
			free(c->slots[i].buf);
	free(c->slots);
	free(c->out[0]);
	free(c->out[1]);
	free(c->json);
	free(c);
}

const char *ev_conv_error(const struct ev_conv *c)
{
	return c->err;
}

void ev_conv_get_stats(const struct ev_conv *c, struct ev_conv_stats *out)
{
	*out = c->st;
}
