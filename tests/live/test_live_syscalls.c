/*
 * Live test of the driver's other handlers: a child performs file, fd,
 * network, credential and process syscalls; each must arrive once as its
 * upstream schema 4.x exit event with the parameters the child used or
 * observed. Flag encodings are upstream's (ppm_events_public.h), written out
 * here by hand. A syscall without a handler (getppid) must arrive as a
 * generic event with upstream's ppm_sc id.
 *
 * Exit 77 (meson: skipped) when not root or when the kernel has no BTF.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "live.h"

#define PPM_O_RDONLY 1
#define PPM_O_WRONLY 2
#define PPM_O_APPEND (1 << 3)
#define PPM_O_NONBLOCK (1 << 6)
#define PPM_O_CLOEXEC (1 << 12)
#define PPM_RESOLVE_NO_SYMLINKS (1 << 3)
#define PPM_AT_REMOVEDIR 0x200
#define PPM_FCNTL_F_DUPFD_CLOEXEC 26
#define PPM_AF_UNIX 1
#define PPM_AF_INET 2
#define PPM_PR_SET_NAME 15
#define PPM_CL_CLONE_NEWUTS (1 << 7)

struct plan {
	pid_t child;
	char dir[128];
	char f1[192], f2[192], f3[192], d1[192], d2[192], ln[192];
	int creat_fd, open_fd, openat2_fd, dup_fd, dup2_fd, dup3_fd, fcntl_fd;
	uint64_t f1_ino;
	int pipe_fds[2];
	uint64_t pipe_ino;
	int efd, sock_fd, sp_fds[2], memfd;
	int udp_srv, udp_cli;
	uint16_t udp_port, udp_cli_port;
	int uid_rc, ppid;
	int v6_cli;
	uint16_t v6_port, v6_cli_port;
	int un_cli;
	char un_path[108];
	int exec_rc;
	int tfd, ifd, sfd;
	int msg_s, msg_r;
	uint16_t msg_port;
	int iov_sp[2];
	ssize_t wr, rd;
	char f4[192], f5[192], ln2[192];
};

static void child_main(void *arg)
{
	struct plan *p = arg;
	struct stat st;
	p->child = getpid();

	p->creat_fd = creat(p->f1, 0600);
	fstat(p->creat_fd, &st);
	p->f1_ino = st.st_ino;
	p->open_fd = syscall(SYS_open, p->f1, O_WRONLY | O_APPEND);
	struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS};
	p->openat2_fd = syscall(SYS_openat2, AT_FDCWD, p->f1, &how, sizeof(how));
	p->dup_fd = dup(p->creat_fd);
	p->dup2_fd = dup2(p->creat_fd, 100);
	p->dup3_fd = dup3(p->creat_fd, 101, O_CLOEXEC);
	p->fcntl_fd = fcntl(p->creat_fd, F_DUPFD_CLOEXEC, 200);
	if (pipe2(p->pipe_fds, O_NONBLOCK) == 0) {
		fstat(p->pipe_fds[0], &st);
		p->pipe_ino = st.st_ino;
	}
	p->efd = eventfd(5, EFD_CLOEXEC);
	p->memfd = syscall(SYS_memfd_create, "falco-memfd", 1 /* MFD_CLOEXEC */);

	mkdir(p->d1, 0755);
	mkdirat(AT_FDCWD, p->d2, 0700);
	rename(p->f1, p->f2);
	link(p->f2, p->f3);
	symlink(p->f2, p->ln);
	chmod(p->f2, 0604);
	fchmod(p->creat_fd, 0640);
	unlink(p->ln);
	unlinkat(AT_FDCWD, p->d2, AT_REMOVEDIR);
	rmdir(p->d1);
	if (chdir(p->dir) != 0)
		return;

	p->sock_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	socketpair(AF_UNIX, SOCK_DGRAM, 0, p->sp_fds);

	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	p->udp_srv = socket(AF_INET, SOCK_DGRAM, 0);
	bind(p->udp_srv, (struct sockaddr *)&a, sizeof(a));
	getsockname(p->udp_srv, (struct sockaddr *)&a, &al);
	p->udp_port = ntohs(a.sin_port);
	p->udp_cli = socket(AF_INET, SOCK_DGRAM, 0);
	sendto(p->udp_cli, "hello", 5, 0, (struct sockaddr *)&a, sizeof(a));
	struct sockaddr_in c;
	socklen_t cl = sizeof(c);
	getsockname(p->udp_cli, (struct sockaddr *)&c, &cl);
	p->udp_cli_port = ntohs(c.sin_port);
	char buf[16];
	recvfrom(p->udp_srv, buf, sizeof(buf), 0, NULL, NULL);

	/* IPv6 loopback connect */
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	socklen_t a6l = sizeof(a6);
	int s6 = socket(AF_INET6, SOCK_STREAM, 0);
	bind(s6, (struct sockaddr *)&a6, sizeof(a6));
	listen(s6, 2);
	getsockname(s6, (struct sockaddr *)&a6, &a6l);
	p->v6_port = ntohs(a6.sin6_port);
	p->v6_cli = socket(AF_INET6, SOCK_STREAM, 0);
	connect(p->v6_cli, (struct sockaddr *)&a6, sizeof(a6));
	getsockname(p->v6_cli, (struct sockaddr *)&a6, &a6l);
	p->v6_cli_port = ntohs(a6.sin6_port);

	/* unix socket connect */
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", p->un_path);
	int us = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(us, (struct sockaddr *)&un, sizeof(un));
	listen(us, 2);
	p->un_cli = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(p->un_cli, (struct sockaddr *)&un, sizeof(un));
	unlink(p->un_path);

	/* more fds */
	p->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	p->ifd = inotify_init1(IN_CLOEXEC);
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGUSR1);
	p->sfd = signalfd(-1, &ss, SFD_NONBLOCK);

	/* sendmsg / recvmsg over UDP */
	struct sockaddr_in m = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t ml = sizeof(m);
	p->msg_r = socket(AF_INET, SOCK_DGRAM, 0);
	bind(p->msg_r, (struct sockaddr *)&m, sizeof(m));
	getsockname(p->msg_r, (struct sockaddr *)&m, &ml);
	p->msg_port = ntohs(m.sin_port);
	p->msg_s = socket(AF_INET, SOCK_DGRAM, 0);
	struct iovec iov = {.iov_base = "datagram", .iov_len = 8};
	struct msghdr mh = {.msg_name = &m, .msg_namelen = sizeof(m), .msg_iov = &iov, .msg_iovlen = 1};
	sendmsg(p->msg_s, &mh, 0);
	char rb[32];
	struct iovec riov = {.iov_base = rb, .iov_len = sizeof(rb)};
	struct msghdr rmh = {.msg_iov = &riov, .msg_iovlen = 1};
	recvmsg(p->msg_r, &rmh, 0);
	shutdown(p->msg_s, SHUT_WR);

	/* sendmsg / recvmsg with 3 iovecs over a socketpair: the data of every
	 * iovec, end to end, up to the snaplen (80); recvmsg gets an fd passed
	 * with SCM_RIGHTS (its control data) */
	socketpair(AF_UNIX, SOCK_DGRAM, 0, p->iov_sp);
	struct iovec three[3] = {{"first-", 6}, {"second-", 7}, {"third", 5}};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl = {0};
	struct msghdr m3 = {.msg_iov = three, .msg_iovlen = 3, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m3);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p->iov_sp[0], sizeof(int));
	sendmsg(p->iov_sp[0], &m3, 0);
	char r1[4], r2[4], r3[32];
	struct iovec rthree[3] = {{r1, 4}, {r2, 4}, {r3, sizeof(r3)}};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} rctl = {0};
	struct msghdr rm3 = {.msg_iov = rthree, .msg_iovlen = 3, .msg_control = rctl.buf, .msg_controllen = sizeof(rctl.buf)};
	recvmsg(p->iov_sp[1], &rm3, 0);
	char big[3][40];
	for (int i = 0; i < 3; i++)
		memset(big[i], 'a' + i, sizeof(big[i]));
	struct iovec bigv[3] = {{big[0], 40}, {big[1], 40}, {big[2], 40}};
	struct msghdr mb = {.msg_iov = bigv, .msg_iovlen = 3};
	sendmsg(p->iov_sp[0], &mb, 0);
	char rbig[200];
	struct iovec rbigv = {rbig, sizeof(rbig)};
	struct msghdr rmb = {.msg_iov = &rbigv, .msg_iovlen = 1};
	recvmsg(p->iov_sp[1], &rmb, 0);

	/* sendmmsg / recvmmsg: an event per message (3 iovecs, then 1); a
	 * failed sendmmsg gives one event without data */
	struct iovec mv1[3] = {{"ab", 2}, {"cd", 2}, {"ef", 2}}, mv2[1] = {{"xyz", 3}};
	struct mmsghdr mm[2] = {{.msg_hdr = {.msg_iov = mv1, .msg_iovlen = 3}},
	                        {.msg_hdr = {.msg_iov = mv2, .msg_iovlen = 1}}};
	sendmmsg(p->iov_sp[0], mm, 2, 0);
	char q1[4], q2[4], q3[8];
	struct iovec rv1[2] = {{q1, 4}, {q2, 4}}, rv2[1] = {{q3, 8}};
	struct mmsghdr rmm[2] = {{.msg_hdr = {.msg_iov = rv1, .msg_iovlen = 2}},
	                         {.msg_hdr = {.msg_iov = rv2, .msg_iovlen = 1}}};
	recvmmsg(p->iov_sp[1], rmm, 2, MSG_DONTWAIT, NULL);
	sendmmsg(-1, mm, 2, 0);

	/* write / read through the pipe */
	p->wr = write(p->pipe_fds[1], "pipe-data", 9);
	char pb[16];
	p->rd = read(p->pipe_fds[0], pb, sizeof(pb));

	/* *at variants */
	int ff = creat(p->f4, 0600);
	close(ff);
	syscall(SYS_renameat2, AT_FDCWD, p->f4, AT_FDCWD, p->f5, 1 /* RENAME_NOREPLACE */);
	linkat(AT_FDCWD, p->f5, AT_FDCWD, p->f4, 0);
	symlinkat(p->f5, AT_FDCWD, p->ln2);
	fchmodat(AT_FDCWD, p->f5, 0444, 0);
	unlink(p->ln2);
	unlink(p->f4);
	unlink(p->f5);
	syscall(SYS_tgkill, getpid(), getpid(), 0);
	setresuid(-1, -1, -1);

	/* an execve that fails */
	char *argv[] = {"missing-prog", "x", NULL};
	char *envp[] = {NULL};
	p->exec_rc = execve("/nonexistent-falco/prog", argv, envp) < 0 ? -errno : 0;

	p->uid_rc = setuid(0) == 0 ? 0 : -errno;
	prctl(PR_SET_NAME, "falco-live");
	kill(getpid(), 0);
	unshare(CLONE_NEWUTS);
	p->ppid = syscall(SYS_getppid);

	unlink(p->f3);
	unlink(p->f2);
}

static const struct ev_view *find(struct ev_view *views, struct live_events *e, pid_t tid, uint16_t type,
                                  int nth)
{
	for (unsigned i = 0; i < e->n; i++)
		if ((pid_t)e->ev[i]->tid == tid && e->ev[i]->type == type && nth-- == 0)
			return &views[i];
	return NULL;
}

static int count(struct live_events *e, pid_t tid, uint16_t type)
{
	int n = 0;
	for (unsigned i = 0; i < e->n; i++)
		n += (pid_t)e->ev[i]->tid == tid && e->ev[i]->type == type;
	return n;
}

#define EXPECT(v, code, nth)                                                      \
	const struct ev_view *v = find(views, &e, p->child, code, nth);               \
	check(v != NULL, "no %s event (#%d)", #code, nth);                            \
	if (v)

static void verify(struct plan *p, struct live_events e)
{
	struct ev_view *views = calloc(e.n ? e.n : 1, sizeof(*views));
	for (unsigned i = 0; i < e.n; i++)
		ev_decode(e.ev[i], e.ev[i]->len, &views[i]);

	EXPECT(cr, EV_SYSCALL_CREAT_X, 0)
	{
		check(s64(cr, 0) == p->creat_fd, "creat fd");
		check(strcmp(str(cr, 1), p->f1) == 0, "creat name '%s'", str(cr, 1));
		check(u32(cr, 2) == 0600, "creat mode 0%o", u32(cr, 2));
		check(u64(cr, 4) == p->f1_ino, "creat ino");
	}
	EXPECT(op, EV_SYSCALL_OPEN_X, 0)
	{
		check(s64(op, 0) == p->open_fd, "open fd");
		check(u32(op, 2) == (PPM_O_WRONLY | PPM_O_APPEND), "open flags 0x%x", u32(op, 2));
		check(u64(op, 5) == p->f1_ino, "open ino");
	}
	EXPECT(o2, EV_SYSCALL_OPENAT2_X, 0)
	{
		check(s64(o2, 0) == p->openat2_fd, "openat2 fd");
		check(u32(o2, 3) == PPM_O_RDONLY, "openat2 flags 0x%x", u32(o2, 3));
		check(u32(o2, 5) == PPM_RESOLVE_NO_SYMLINKS, "openat2 resolve 0x%x", u32(o2, 5));
	}
	EXPECT(du, EV_SYSCALL_DUP_1_X, 0)
	check(s64(du, 0) == p->dup_fd && s64(du, 1) == p->creat_fd, "dup res/oldfd");
	EXPECT(d2, EV_SYSCALL_DUP2_X, 0)
	check(s64(d2, 0) == 100 && s64(d2, 2) == 100, "dup2 res/newfd");
	EXPECT(d3, EV_SYSCALL_DUP3_X, 0)
	check(s64(d3, 0) == 101 && u32(d3, 3) == PPM_O_CLOEXEC, "dup3 res/flags 0x%x", u32(d3, 3));
	EXPECT(fc, EV_SYSCALL_FCNTL_X, 0)
	{
		check(s64(fc, 0) == p->fcntl_fd, "fcntl res");
		check(fc->len[2] == 1 && fc->val[2][0] == PPM_FCNTL_F_DUPFD_CLOEXEC, "fcntl cmd");
		check(u64(fc, 3) == 200, "fcntl arg");
	}
	EXPECT(pi, EV_SYSCALL_PIPE2_X, 0)
	{
		check(s64(pi, 1) == p->pipe_fds[0] && s64(pi, 2) == p->pipe_fds[1], "pipe2 fds");
		check(u64(pi, 3) == p->pipe_ino, "pipe2 ino");
		check(u32(pi, 4) == PPM_O_NONBLOCK, "pipe2 flags 0x%x", u32(pi, 4));
	}
	EXPECT(ef, EV_SYSCALL_EVENTFD2_X, 0)
	{
		check(s64(ef, 0) == p->efd, "eventfd2 fd");
		uint16_t fl = 0;
		memcpy(&fl, ef->val[1], ef->len[1] == 2 ? 2 : 0);
		check(fl == PPM_O_CLOEXEC, "eventfd2 flags 0x%x", fl);
		check(u64(ef, 2) == 5, "eventfd2 initval");
	}
	EXPECT(mf, EV_SYSCALL_MEMFD_CREATE_X, 0)
	check(s64(mf, 0) == p->memfd && strcmp(str(mf, 1), "falco-memfd") == 0 && u32(mf, 2) == 1,
	      "memfd_create fd/name/flags");
	EXPECT(md, EV_SYSCALL_MKDIR_2_X, 0)
	check(s64(md, 0) == 0 && strcmp(str(md, 1), p->d1) == 0 && u32(md, 2) == 0755, "mkdir");
	EXPECT(ma, EV_SYSCALL_MKDIRAT_X, 0)
	check(s64(ma, 1) == -100 && strcmp(str(ma, 2), p->d2) == 0 && u32(ma, 3) == 0700, "mkdirat");
	EXPECT(rn, EV_SYSCALL_RENAME_X, 0)
	check(strcmp(str(rn, 1), p->f1) == 0 && strcmp(str(rn, 2), p->f2) == 0, "rename paths");
	EXPECT(lk, EV_SYSCALL_LINK_2_X, 0)
	check(strcmp(str(lk, 1), p->f2) == 0 && strcmp(str(lk, 2), p->f3) == 0, "link paths");
	EXPECT(sl, EV_SYSCALL_SYMLINK_X, 0)
	check(strcmp(str(sl, 1), p->f2) == 0 && strcmp(str(sl, 2), p->ln) == 0, "symlink target/linkpath");
	EXPECT(cm, EV_SYSCALL_CHMOD_X, 0)
	check(strcmp(str(cm, 1), p->f2) == 0 && u32(cm, 2) == 0604, "chmod path/mode 0%o", u32(cm, 2));
	EXPECT(fm, EV_SYSCALL_FCHMOD_X, 0)
	check(s64(fm, 1) == p->creat_fd && u32(fm, 2) == 0640, "fchmod fd/mode");
	EXPECT(ul, EV_SYSCALL_UNLINK_2_X, 0)
	check(strcmp(str(ul, 1), p->ln) == 0, "unlink path '%s'", str(ul, 1));
	EXPECT(ua, EV_SYSCALL_UNLINKAT_2_X, 0)
	check(strcmp(str(ua, 2), p->d2) == 0 && u32(ua, 3) == PPM_AT_REMOVEDIR, "unlinkat path/flags");
	EXPECT(rd, EV_SYSCALL_RMDIR_2_X, 0)
	check(s64(rd, 0) == 0 && strcmp(str(rd, 1), p->d1) == 0, "rmdir");
	EXPECT(cd, EV_SYSCALL_CHDIR_X, 0)
	check(s64(cd, 0) == 0 && strcmp(str(cd, 1), p->dir) == 0, "chdir");
	EXPECT(so, EV_SOCKET_SOCKET_X, 0)
	{
		check(s64(so, 0) == p->sock_fd, "socket fd");
		check(u32(so, 1) == PPM_AF_UNIX, "socket domain %u", u32(so, 1));
		check(u32(so, 2) == (SOCK_STREAM | SOCK_CLOEXEC), "socket type (raw)");
		check(u32(so, 4) == PPM_O_CLOEXEC, "socket flags 0x%x", u32(so, 4));
	}
	EXPECT(sp, EV_SOCKET_SOCKETPAIR_X, 0)
	{
		check(s64(sp, 1) == p->sp_fds[0] && s64(sp, 2) == p->sp_fds[1], "socketpair fds");
		check(u64(sp, 3) != 0 && u64(sp, 4) != 0 && u64(sp, 3) != u64(sp, 4), "socketpair source/peer");
		check(u32(sp, 5) == PPM_AF_UNIX, "socketpair domain");
	}
	EXPECT(bd, EV_SOCKET_BIND_X, 0)
	{
		check(s64(bd, 0) == 0 && s64(bd, 2) == p->udp_srv, "bind res/fd");
		check(bd->len[1] == 7 && bd->val[1][0] == PPM_AF_INET, "bind addr family");
	}
	EXPECT(st, EV_SOCKET_SENDTO_X, 0)
	{
		check(s64(st, 0) == 5 && bytes_eq(st, 1, "hello", 5), "sendto res/data");
		check(s64(st, 2) == p->udp_cli && u32(st, 3) == 5, "sendto fd/size");
		/* an unconnected UDP socket has no local address (0.0.0.0), only the
		 * port bound by sendto; the destination is the one given */
		uint8_t want[13] = {PPM_AF_INET};
		uint32_t lo = htonl(INADDR_LOOPBACK);
		memcpy(want + 5, &p->udp_cli_port, 2);
		memcpy(want + 7, &lo, 4);
		memcpy(want + 11, &p->udp_port, 2);
		check(bytes_eq(st, 4, want, 13), "sendto tuple: 0.0.0.0:%u -> 127.0.0.1:%u", p->udp_cli_port,
		      p->udp_port);
	}
	EXPECT(rf, EV_SOCKET_RECVFROM_X, 0)
	check(s64(rf, 0) == 5 && bytes_eq(rf, 1, "hello", 5) && s64(rf, 3) == p->udp_srv, "recvfrom");
	/* the child connects twice: IPv6 first, then unix */
	EXPECT(c6, EV_SOCKET_CONNECT_X, 0)
	{
		uint8_t want[1 + 16 + 2 + 16 + 2] = {10 /* PPM_AF_INET6 */};
		struct in6_addr lo = IN6ADDR_LOOPBACK_INIT;
		memcpy(want + 1, &lo, 16);
		memcpy(want + 17, &p->v6_cli_port, 2);
		memcpy(want + 19, &lo, 16);
		memcpy(want + 35, &p->v6_port, 2);
		check(s64(c6, 2) == p->v6_cli, "connect (v6) fd");
		check(bytes_eq(c6, 1, want, sizeof(want)), "connect (v6) tuple is not [::1]:%u -> [::1]:%u",
		      p->v6_cli_port, p->v6_port);
		uint8_t wa[1 + 16 + 2] = {10};
		memcpy(wa + 1, &lo, 16);
		memcpy(wa + 17, &p->v6_port, 2);
		check(bytes_eq(c6, 3, wa, sizeof(wa)), "connect (v6) addr");
	}
	EXPECT(cu, EV_SOCKET_CONNECT_X, 1)
	{
		/* family, two kernel socket pointers, the peer's path */
		check(s64(cu, 2) == p->un_cli && s64(cu, 0) == 0, "connect (unix) fd/res");
		size_t pl = strlen(p->un_path) + 1;

		check(cu->len[1] == 17 + pl && cu->val[1][0] == PPM_AF_UNIX &&
		      memcmp(cu->val[1] + 17, p->un_path, pl) == 0, "connect (unix) tuple path");
		check(cu->len[3] == 1 + pl && cu->val[3][0] == PPM_AF_UNIX &&
		      memcmp(cu->val[3] + 1, p->un_path, pl) == 0, "connect (unix) addr");
	}
	EXPECT(ex, EV_SYSCALL_EXECVE_19_X, 0)
	{
		check(s64(ex, 0) == p->exec_rc && p->exec_rc == -ENOENT, "failed execve res %lld",
		      (long long)s64(ex, 0));
		check(strcmp(str(ex, 1), "missing-prog") == 0, "failed execve exe '%s'", str(ex, 1));
		check(bytes_eq(ex, 2, "x", 2), "failed execve args");
		check(s64(ex, 3) == p->child, "failed execve tid");
		check(strcmp(str(ex, 30), "/nonexistent-falco/prog") == 0, "failed execve filename '%s'",
		      str(ex, 30));
	}
	EXPECT(tf, EV_SYSCALL_TIMERFD_CREATE_X, 0)
	check(s64(tf, 0) == p->tfd && tf->val[1][0] == CLOCK_MONOTONIC && tf->val[2][0] == PPM_O_NONBLOCK,
	      "timerfd_create res/clockid/flags");
	EXPECT(in, EV_SYSCALL_INOTIFY_INIT1_X, 0)
	{
		uint16_t fl = 0;
		memcpy(&fl, in->val[1], 2);
		check(s64(in, 0) == p->ifd && fl == PPM_O_CLOEXEC, "inotify_init1 res/flags 0x%x", fl);
	}
	EXPECT(sf, EV_SYSCALL_SIGNALFD4_X, 0)
	{
		uint16_t fl = 0;
		memcpy(&fl, sf->val[1], 2);
		check(s64(sf, 0) == p->sfd && fl == PPM_O_NONBLOCK && s64(sf, 2) == -1, "signalfd4 res/flags/fd");
	}
	EXPECT(sm, EV_SOCKET_SENDMSG_X, 0)
	{
		check(s64(sm, 0) == 8 && bytes_eq(sm, 1, "datagram", 8), "sendmsg res/data");
		check(s64(sm, 2) == p->msg_s && u32(sm, 3) == 8, "sendmsg fd/size");
		check(sm->len[4] == 13 && memcmp(sm->val[4] + 11, &p->msg_port, 2) == 0, "sendmsg tuple dport");
	}
	EXPECT(rm, EV_SOCKET_RECVMSG_X, 0)
	check(s64(rm, 0) == 8 && u32(rm, 1) == 8 && bytes_eq(rm, 2, "datagram", 8) && s64(rm, 5) == p->msg_r,
	      "recvmsg res/size/data/fd");
	EXPECT(sm3, EV_SOCKET_SENDMSG_X, 1)
	{
		check(s64(sm3, 0) == 18 && bytes_eq(sm3, 1, "first-second-third", 18), "3-iovec sendmsg res/data");
		check(s64(sm3, 2) == p->iov_sp[0] && u32(sm3, 3) == 18, "3-iovec sendmsg fd/size");
	}
	EXPECT(rm3, EV_SOCKET_RECVMSG_X, 1)
	{
		check(s64(rm3, 0) == 18 && u32(rm3, 1) == 18 && bytes_eq(rm3, 2, "first-second-third", 18),
		      "3-iovec recvmsg res/size/data");
		/* one SCM_RIGHTS message with one fd: CMSG_SPACE(4) = 24 bytes on x86_64 */
		struct cmsghdr h = {0};
		if (rm3->len[4] >= sizeof(h))
			memcpy(&h, rm3->val[4], sizeof(h));
		check(rm3->len[4] == 24 && h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_RIGHTS &&
		          h.cmsg_len == CMSG_LEN(sizeof(int)),
		      "recvmsg msgcontrol: %u bytes", rm3->len[4]);
	}
	{
		/* 120 bytes sent: the first 80 (the snaplen) of aaa..bbb..ccc.. */
		char want[80];
		memset(want, 'a', 40);
		memset(want + 40, 'b', 40);
		EXPECT(smb, EV_SOCKET_SENDMSG_X, 2)
		check(s64(smb, 0) == 120 && u32(smb, 3) == 120 && bytes_eq(smb, 1, want, 80),
		      "3-iovec sendmsg past the snaplen: res %lld size %u data %u bytes", (long long)s64(smb, 0),
		      u32(smb, 3), smb->len[1]);
		EXPECT(rmb, EV_SOCKET_RECVMSG_X, 2)
		check(s64(rmb, 0) == 120 && u32(rmb, 1) == 120 && bytes_eq(rmb, 2, want, 80) && rmb->len[4] == 0,
		      "recvmsg past the snaplen: res/size/data/msgcontrol");
	}
	EXPECT(smm1, EV_SOCKET_SENDMMSG_X, 0)
	check(s64(smm1, 0) == 6 && s64(smm1, 1) == p->iov_sp[0] && u32(smm1, 2) == 6 && bytes_eq(smm1, 3, "abcdef", 6),
	      "sendmmsg message 1 res/fd/size/data");
	EXPECT(smm2, EV_SOCKET_SENDMMSG_X, 1)
	check(s64(smm2, 0) == 3 && u32(smm2, 2) == 3 && bytes_eq(smm2, 3, "xyz", 3), "sendmmsg message 2");
	EXPECT(smm3, EV_SOCKET_SENDMMSG_X, 2)
	check(s64(smm3, 0) == -EBADF && s64(smm3, 1) == -1 && u32(smm3, 2) == 0 && smm3->len[3] == 0 &&
	          smm3->len[4] == 0,
	      "failed sendmmsg: res %lld", (long long)s64(smm3, 0));
	check(count(&e, p->child, EV_SOCKET_SENDMMSG_X) == 3, "sendmmsg events: want 3");
	EXPECT(rmm1, EV_SOCKET_RECVMMSG_X, 0)
	check(s64(rmm1, 0) == 6 && s64(rmm1, 1) == p->iov_sp[1] && u32(rmm1, 2) == 6 && bytes_eq(rmm1, 3, "abcdef", 6),
	      "recvmmsg message 1 res/fd/size/data");
	EXPECT(rmm2, EV_SOCKET_RECVMMSG_X, 1)
	check(s64(rmm2, 0) == 3 && u32(rmm2, 2) == 3 && bytes_eq(rmm2, 3, "xyz", 3), "recvmmsg message 2");
	check(count(&e, p->child, EV_SOCKET_RECVMMSG_X) == 2, "recvmmsg events: want 2");
	EXPECT(sh, EV_SOCKET_SHUTDOWN_X, 0)
	check(s64(sh, 1) == p->msg_s && sh->val[2][0] == SHUT_WR, "shutdown fd/how");
	EXPECT(wrx, EV_SYSCALL_WRITE_X, 0)
	check(s64(wrx, 0) == p->wr && bytes_eq(wrx, 1, "pipe-data", 9) && s64(wrx, 2) == p->pipe_fds[1] &&
	      u32(wrx, 3) == 9, "write res/data/fd/size");
	EXPECT(rdx, EV_SYSCALL_READ_X, 0)
	check(s64(rdx, 0) == p->rd && bytes_eq(rdx, 1, "pipe-data", 9) && s64(rdx, 2) == p->pipe_fds[0] &&
	      u32(rdx, 3) == 16, "read res/data/fd/size");
	EXPECT(r2, EV_SYSCALL_RENAMEAT2_X, 0)
	check(s64(r2, 1) == -100 && strcmp(str(r2, 2), p->f4) == 0 && s64(r2, 3) == -100 &&
	      strcmp(str(r2, 4), p->f5) == 0 && u32(r2, 5) == 1, "renameat2");
	EXPECT(la, EV_SYSCALL_LINKAT_2_X, 0)
	check(strcmp(str(la, 2), p->f5) == 0 && strcmp(str(la, 4), p->f4) == 0 && u32(la, 5) == 0, "linkat");
	EXPECT(sa, EV_SYSCALL_SYMLINKAT_X, 0)
	check(strcmp(str(sa, 1), p->f5) == 0 && s64(sa, 2) == -100 && strcmp(str(sa, 3), p->ln2) == 0,
	      "symlinkat");
	EXPECT(fa, EV_SYSCALL_FCHMODAT_X, 0)
	check(strcmp(str(fa, 2), p->f5) == 0 && u32(fa, 3) == 0444, "fchmodat");
	EXPECT(tg, EV_SYSCALL_TGKILL_X, 0)
	check(s64(tg, 1) == p->child && s64(tg, 2) == p->child && tg->val[3][0] == 0, "tgkill");
	EXPECT(sr, EV_SYSCALL_SETRESUID_X, 0)
	check(s64(sr, 0) == 0 && u32(sr, 1) == UINT32_MAX && u32(sr, 3) == UINT32_MAX, "setresuid");
	EXPECT(su, EV_SYSCALL_SETUID_X, 0)
	check(s64(su, 0) == p->uid_rc && u32(su, 1) == 0, "setuid");
	EXPECT(pr, EV_SYSCALL_PRCTL_X, 0)
	check(u32(pr, 1) == PPM_PR_SET_NAME && strcmp(str(pr, 2), "falco-live") == 0, "prctl");
	EXPECT(ki, EV_SYSCALL_KILL_X, 0)
	check(s64(ki, 1) == p->child && ki->len[2] == 1 && ki->val[2][0] == 0, "kill pid/sig");
	EXPECT(us, EV_SYSCALL_UNSHARE_X, 0)
	check(u32(us, 1) == PPM_CL_CLONE_NEWUTS, "unshare flags 0x%x", u32(us, 1));
	EXPECT(ge, EV_GENERIC_X, 0)
	{
		uint16_t id = 0, native = 0;
		memcpy(&id, ge->val[0], 2);
		memcpy(&native, ge->val[1], 2);
		check(native == SYS_getppid, "generic nativeID %u, want %d", native, SYS_getppid);
		check(id == 41, "generic ID %u, want upstream's PPM_SC_GETPPID 41", id);
	}
	check(count(&e, p->child, EV_SYSCALL_CREAT_X) == 2, "want 2 creat events (f1, f4), got %d",
	      count(&e, p->child, EV_SYSCALL_CREAT_X));
	check(count(&e, p->child, EV_GENERIC_X) == 1, "one generic event (getppid) expected, got %d",
	      count(&e, p->child, EV_GENERIC_X));
	free(views);
}

int main(void)
{
	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		fprintf(stderr, "skip: needs root and kernel BTF\n");
		return 77;
	}
	struct plan *p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	snprintf(p->dir, sizeof(p->dir), "/tmp/falco-live2-XXXXXX");
	if (!mkdtemp(p->dir))
		return 1;
	snprintf(p->f1, sizeof(p->f1), "%s/f1", p->dir);
	snprintf(p->f2, sizeof(p->f2), "%s/f2", p->dir);
	snprintf(p->f3, sizeof(p->f3), "%s/f3", p->dir);
	snprintf(p->d1, sizeof(p->d1), "%s/d1", p->dir);
	snprintf(p->d2, sizeof(p->d2), "%s/d2", p->dir);
	snprintf(p->ln, sizeof(p->ln), "%s/ln", p->dir);
	snprintf(p->f4, sizeof(p->f4), "%s/f4", p->dir);
	snprintf(p->f5, sizeof(p->f5), "%s/f5", p->dir);
	snprintf(p->ln2, sizeof(p->ln2), "%s/ln2", p->dir);
	snprintf(p->un_path, sizeof(p->un_path), "%.90s/sock", p->dir); /* fits sun_path */

	/* every handler (read/write included) plus getppid, which has none */
	static bool want[DRV_NR_SYSCALLS];
	for (int nr = 0; nr < DRV_NR_SYSCALLS; nr++)
		want[nr] = drv_syscall_has_handler(nr);
	want[SYS_getppid] = true;
	struct drv_opts o = {.sz = sizeof(o), .syscalls = want};
	struct drv *d;
	char err[256];
	if (drv_open(&o, &d, err, sizeof(err)) < 0 || drv_start(d) < 0) {
		fprintf(stderr, "FAIL: drv_open: %s\n", err);
		return 1;
	}
	struct live_events e = live_capture(d, child_main, p);
	drv_close(d);
	verify(p, e);
	live_free(&e);
	rmdir(p->dir);
	printf("%u events checked against the schema\n", n_checked);
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	return failures ? 1 : 0;
}
