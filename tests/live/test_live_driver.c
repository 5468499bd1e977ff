/*
 * Live test of the eBPF driver: a child process performs known syscalls and
 * we assert that the driver delivers exactly the expected events.
 *
 * Expected values come from the child's own view of what it did (fd numbers,
 * fstat, getsockname, pids) and from upstream's flag encodings written out by
 * hand from ppm_events_public.h; never from the driver itself. Every event
 * seen (from any process) is also checked against the schema table: known
 * code, upstream's parameter count, and the size of every fixed-size type.
 *
 * Exit 77 (meson: skipped) when not root or when the kernel has no BTF.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live.h"

/* upstream's PPM_O_* (ppm_events_public.h) */
#define PPM_O_RDWR 3
#define PPM_O_CREAT (1 << 2)
#define PPM_O_EXCL (1 << 5)
#define PPM_O_CLOEXEC (1 << 12)
#define PPM_O_F_CREATED (1 << 14)
#define PPM_O_RDONLY 1
#define PPM_AF_INET 2
#define PPM_EXE_WRITABLE (1 << 0)
#define PPM_EXE_UPPER_LAYER (1 << 1)
#define PPM_EXE_FROM_MEMFD (1 << 2)
#define PPM_EXE_LOWER_LAYER (1 << 3)

/* The cgroups parameter the execve event must carry, from /proc/self/cgroup
 * (the exec child inherits our cgroups): "name=path\0" for cpuset, cpu,
 * cpuacct, io and memory. Returns the length, or 0 when some controller is
 * not on a v1 hierarchy (then the path is not knowable from /proc). */
static size_t expected_cgroups(char *out, size_t cap)
{
	static const char *const subs[5][2] = {
		{"cpuset", "cpuset"}, {"cpu", "cpu"}, {"cpuacct", "cpuacct"}, {"io", "blkio"}, {"memory", "memory"}};
	char lines[32][512];
	int n = 0;
	FILE *f = fopen("/proc/self/cgroup", "r");
	if (!f)
		return 0;
	while (n < 32 && fgets(lines[n], sizeof(lines[n]), f)) {
		lines[n][strcspn(lines[n], "\n")] = 0;
		n++;
	}
	fclose(f);
	size_t len = 0;
	for (int i = 0; i < 5; i++) {
		const char *path = NULL;
		for (int j = 0; j < n && !path; j++) {
			char *c1 = strchr(lines[j], ':');
			char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			if (!c2)
				continue;
			char ctrls[256];
			snprintf(ctrls, sizeof(ctrls), ",%.*s,", (int)(c2 - c1 - 1), c1 + 1);
			char want[64];
			snprintf(want, sizeof(want), ",%s,", subs[i][1]);
			if (strstr(ctrls, want))
				path = c2 + 1;
		}
		if (!path)
			return 0;
		len += snprintf(out + len, cap - len, "%s=%s", subs[i][0], path) + 1;
		if (len >= cap)
			return 0;
	}
	return len;
}

/* What the child did, written by the child into shared memory. */
struct plan {
	pid_t child;
	char tmpdir[128];
	char path[192];
	int fd;
	uint64_t dev, ino;
	int bad_open_rc;
	int srv_fd, cli_fd, acc_fd;
	uint16_t srv_port, cli_port;
	int backlog;
	pid_t fork_child;
	pid_t exec_child;
	pid_t memfd_child;
	pid_t orphan_parent, orphan;
	pid_t subreaper;
	char cgroups[1024];
	size_t cgroups_len;
	int done;
};

/* ------------------------------------------------------------------------ */
/* The child                                                                 */

static void child_main(void *arg)
{
	struct plan *p = arg;
	struct stat st;
	p->child = getpid();

	/* 1. openat of a fresh temporary file */
	p->fd = openat(AT_FDCWD, p->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	fstat(p->fd, &st);
	p->dev = st.st_dev;
	p->ino = st.st_ino;
	close(p->fd);

	/* 2. a failed open */
	p->bad_open_rc = openat(AT_FDCWD, "/nonexistent-falco-test/x", O_RDONLY) < 0 ? -errno : 0;

	/* 3. connect and accept over loopback */
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	p->srv_fd = socket(AF_INET, SOCK_STREAM, 0);
	bind(p->srv_fd, (struct sockaddr *)&a, sizeof(a));
	p->backlog = 7;
	listen(p->srv_fd, p->backlog);
	getsockname(p->srv_fd, (struct sockaddr *)&a, &al);
	p->srv_port = ntohs(a.sin_port);
	p->cli_fd = socket(AF_INET, SOCK_STREAM, 0);
	connect(p->cli_fd, (struct sockaddr *)&a, sizeof(a));
	struct sockaddr_in c;
	socklen_t cl = sizeof(c);
	getsockname(p->cli_fd, (struct sockaddr *)&c, &cl);
	p->cli_port = ntohs(c.sin_port);
	p->acc_fd = accept4(p->srv_fd, NULL, NULL, SOCK_CLOEXEC);

	/* 4. a clone (glibc's fork) whose child exits with 3 */
	pid_t f = fork();
	if (f == 0)
		_exit(3);
	p->fork_child = f;
	waitpid(f, NULL, 0);

	/* 5. an execve of /bin/true with args and env, from tmpdir */
	pid_t e = fork();
	if (e == 0) {
		if (chdir(p->tmpdir) != 0)
			_exit(1);
		char *argv[] = {"true", "arg-one", "arg two", NULL};
		char *envp[] = {"FALCO_TEST=live", "X=1", NULL};
		execve("/bin/true", argv, envp);
		_exit(127);
	}
	p->exec_child = e;
	waitpid(e, NULL, 0);

	/* 6. /bin/true copied into a memfd and run from there (fexecve) */
	pid_t m = fork();
	if (m == 0) {
		int src = open("/bin/true", O_RDONLY);
		int mfd = memfd_create("falco-test", 0);
		char buf[65536];
		ssize_t n;
		while ((n = read(src, buf, sizeof(buf))) > 0)
			if (write(mfd, buf, n) != n)
				_exit(1);
		char *argv[] = {"true", NULL};
		char *envp[] = {NULL};
		fexecve(mfd, argv, envp);
		_exit(127);
	}
	p->memfd_child = m;
	waitpid(m, NULL, 0);

	/* 7. a process that exits leaving a child: the test process is a child
	 * subreaper, so the kernel hands the orphan to it */
	pid_t op = fork();
	if (op == 0) {
		pid_t o = fork();
		if (o == 0) {
			usleep(200000);
			_exit(0);
		}
		p->orphan = o;
		_exit(0);
	}
	p->orphan_parent = op;
	waitpid(op, NULL, 0);
	close(p->acc_fd);
	close(p->cli_fd);
	close(p->srv_fd);
	unlink(p->path);
	p->done = 1;
}

/* ------------------------------------------------------------------------ */
/* Event checks                                                              */

/* family u8, src ip u32 (network order), src port u16, dst ip, dst port */
static int tuple_eq(const struct ev_view *v, int i, uint16_t sport, uint16_t dport)
{
	uint8_t want[13];
	uint32_t lo = htonl(INADDR_LOOPBACK);
	want[0] = PPM_AF_INET;
	memcpy(want + 1, &lo, 4);
	memcpy(want + 5, &sport, 2);
	memcpy(want + 7, &lo, 4);
	memcpy(want + 11, &dport, 2);
	return bytes_eq(v, i, want, sizeof(want));
}

struct seen {
	int openat_ok, openat_fail, connect, accept, clone_parent, clone_child, execve, execve_memfd, procexit;
	int procexit_reaper;
};

static void on_event(const struct plan *p, const struct ev_hdr *h, const struct ev_view *v,
                     struct seen *s)
{
	pid_t tid = (pid_t)h->tid;
	if (tid != p->child && tid != p->fork_child && tid != p->exec_child && tid != p->memfd_child &&
	    tid != p->orphan_parent)
		return;
	switch (h->type) {
	case EV_SYSCALL_OPENAT_2_X:
		if (strcmp(str(v, 2), p->path) == 0) {
			s->openat_ok++;
			check(s64(v, 0) == p->fd, "openat fd %lld, child got %d", (long long)s64(v, 0), p->fd);
			check(s64(v, 1) == -100, "openat dirfd %lld, want AT_FDCWD -100", (long long)s64(v, 1));
			uint32_t want = PPM_O_RDWR | PPM_O_CREAT | PPM_O_EXCL | PPM_O_CLOEXEC | PPM_O_F_CREATED;
			check(u32(v, 3) == want, "openat flags 0x%x, want 0x%x", u32(v, 3), want);
			check(u32(v, 4) == 0640, "openat mode 0%o, want 0640", u32(v, 4));
			check(u32(v, 5) == p->dev, "openat dev 0x%x, fstat says 0x%llx", u32(v, 5),
			      (unsigned long long)p->dev);
			check(u64(v, 6) == p->ino, "openat ino %llu, fstat says %llu",
			      (unsigned long long)u64(v, 6), (unsigned long long)p->ino);
		} else if (strcmp(str(v, 2), "/nonexistent-falco-test/x") == 0) {
			s->openat_fail++;
			check(s64(v, 0) == p->bad_open_rc, "failed openat res %lld, child saw %d",
			      (long long)s64(v, 0), p->bad_open_rc);
			check(u32(v, 3) == PPM_O_RDONLY, "failed openat flags 0x%x", u32(v, 3));
			check(u64(v, 6) == 0, "failed openat has an inode");
		}
		break;
	case EV_SOCKET_CONNECT_X:
		if (s64(v, 2) != p->cli_fd)
			break;
		s->connect++;
		check(s64(v, 0) == 0, "connect res %lld", (long long)s64(v, 0));
		check(tuple_eq(v, 1, p->cli_port, p->srv_port), "connect tuple is not 127.0.0.1:%u -> :%u",
		      p->cli_port, p->srv_port);
		{
			uint8_t want[7] = {PPM_AF_INET};
			uint32_t lo = htonl(INADDR_LOOPBACK);
			memcpy(want + 1, &lo, 4);
			memcpy(want + 5, &p->srv_port, 2);
			check(bytes_eq(v, 3, want, 7), "connect addr is not 127.0.0.1:%u", p->srv_port);
		}
		break;
	case EV_SOCKET_ACCEPT4_6_X:
		s->accept++;
		check(s64(v, 0) == p->acc_fd, "accept4 fd %lld, child got %d", (long long)s64(v, 0), p->acc_fd);
		check(tuple_eq(v, 1, p->cli_port, p->srv_port), "accept4 tuple is not client :%u -> server :%u",
		      p->cli_port, p->srv_port);
		{
			uint32_t qmax = 0;
			memcpy(&qmax, v->val[4], v->len[4] == 4 ? 4 : 0);
			check(qmax == (uint32_t)p->backlog, "accept4 queuemax %u, listen backlog %d", qmax, p->backlog);
			int32_t fl = 0;
			memcpy(&fl, v->val[5], v->len[5] == 4 ? 4 : 0);
			check(fl == SOCK_CLOEXEC, "accept4 flags 0x%x, want SOCK_CLOEXEC", fl);
		}
		break;
	case EV_SYSCALL_CLONE_20_X:
		if (tid == p->child && s64(v, 0) == p->fork_child) {
			s->clone_parent++;
			check(s64(v, 3) == p->child && s64(v, 4) == p->child, "clone parent tid/pid");
		} else if (tid == p->fork_child && s64(v, 0) == 0) {
			s->clone_child++;
			check(s64(v, 3) == p->fork_child, "clone child tid %lld, want %d", (long long)s64(v, 3),
			      p->fork_child);
			check(s64(v, 4) == p->fork_child, "clone child pid %lld", (long long)s64(v, 4));
			check(s64(v, 5) == p->child, "clone child ptid %lld, want %d", (long long)s64(v, 5), p->child);
		}
		break;
	case EV_SYSCALL_EXECVE_19_X:
		if (tid == p->memfd_child) {
			s->execve_memfd++;
			check(s64(v, 0) == 0, "fexecve res %lld", (long long)s64(v, 0));
			check(u32(v, 19) & PPM_EXE_FROM_MEMFD, "fexecve of a memfd: flags 0x%x lack EXE_FROM_MEMFD",
			      u32(v, 19));
			/* upstream's path walk finds no component under a memfd's pseudo
			 * dentry and reports the dentry's own name: "memfd:" + the name
			 * given to memfd_create (the kernel's naming, mm/memfd.c) */
			check(strcmp(str(v, 27), "memfd:falco-test") == 0,
			      "fexecve of a memfd: trusted_exepath '%s', want 'memfd:falco-test'", str(v, 27));
			break;
		}
		if (tid != p->exec_child)
			break;
		s->execve++;
		check(s64(v, 0) == 0, "execve res %lld", (long long)s64(v, 0));
		check(strcmp(str(v, 1), "true") == 0, "execve exe '%s', want argv[0] 'true'", str(v, 1));
		check(bytes_eq(v, 2, "arg-one\0arg two", 16), "execve args differ");
		check(s64(v, 3) == p->exec_child && s64(v, 4) == p->exec_child, "execve tid/pid");
		check(s64(v, 5) == p->child, "execve ptid %lld, want parent %d", (long long)s64(v, 5), p->child);
		check(strcmp(str(v, 6), p->tmpdir) == 0, "execve cwd '%s', want '%s'", str(v, 6), p->tmpdir);
		check(strcmp(str(v, 13), "true") == 0, "execve comm '%s'", str(v, 13));
		if (p->cgroups_len)
			check(bytes_eq(v, 14, p->cgroups, p->cgroups_len), "execve cgroups '%.*s' differ from /proc",
			      (int)v->len[14], (const char *)v->val[14]);
		else
			check(strncmp((const char *)v->val[14], "cpuset=", v->len[14] < 7 ? v->len[14] : 7) == 0,
			      "execve cgroups do not start with cpuset=");
		check(bytes_eq(v, 15, "FALCO_TEST=live\0X=1", 20), "execve env differs");
		check(u32(v, 26) == geteuid(), "execve uid %u", u32(v, 26));
		{
			/* /bin/true belongs to root and we run as root: the owner may write */
			struct stat st;
			stat("/bin/true", &st);
			uint32_t fl = u32(v, 19);
			check(!!(fl & PPM_EXE_WRITABLE) == (st.st_uid == geteuid()), "execve flags 0x%x: writable bit",
			      fl);
			check(!(fl & PPM_EXE_FROM_MEMFD), "execve flags 0x%x: /bin/true is not a memfd", fl);
			struct statfs sf;
			statfs("/bin/true", &sf);
			int overlay = sf.f_type == 0x794c7630;
			check(!!(fl & (PPM_EXE_UPPER_LAYER | PPM_EXE_LOWER_LAYER)) == overlay,
			      "execve flags 0x%x: overlay layer bits vs filesystem", fl);
			check(v->len[20] == 8 && u64(v, 22) != 0, "execve capabilities missing");
		}
		{
			char real[256];
			check(realpath("/bin/true", real) && strcmp(str(v, 27), real) == 0,
			      "execve trusted_exepath '%s', want realpath of /bin/true", str(v, 27));
			struct stat st;
			stat("/bin/true", &st);
			check(u64(v, 23) == st.st_ino, "execve exe_ino %llu, stat says %llu",
			      (unsigned long long)u64(v, 23), (unsigned long long)st.st_ino);
			check(u64(v, 25) == (uint64_t)st.st_mtim.tv_sec * 1000000000ull + st.st_mtim.tv_nsec,
			      "execve exe_ino_mtime differs from stat");
		}
		check(strcmp(str(v, 30), "/bin/true") == 0, "execve filename '%s'", str(v, 30));
		break;
	case EV_PROCEXIT_1_E:
		if (tid == p->orphan_parent) {
			s->procexit_reaper++;
			check(s64(v, 4) == p->subreaper, "procexit reaper %lld, want the subreaper %d",
			      (long long)s64(v, 4), p->subreaper);
		}
		if (tid == p->fork_child) {
			s->procexit++;
			check(s64(v, 0) == 3 << 8, "procexit status %lld, want exit(3)", (long long)s64(v, 0));
			check(s64(v, 1) == 3, "procexit ret %lld", (long long)s64(v, 1));
			check(s64(v, 4) == 0, "procexit reaper %lld for a process without children",
			      (long long)s64(v, 4));
		}
		break;
	}
}

/* ------------------------------------------------------------------------ */

int main(void)
{
	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		fprintf(stderr, "skip: needs root and kernel BTF\n");
		return 77;
	}
	struct plan *p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	snprintf(p->tmpdir, sizeof(p->tmpdir), "/tmp/falco-live-XXXXXX");
	if (!mkdtemp(p->tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(p->path, sizeof(p->path), "%s/opened", p->tmpdir);
	p->cgroups_len = expected_cgroups(p->cgroups, sizeof(p->cgroups));
	if (getenv("LIVE_DEBUG"))
		fprintf(stderr, "expected cgroups (%zu): %s\n", p->cgroups_len, p->cgroups);

	p->subreaper = getpid();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	struct drv_opts o = {.sz = sizeof(o)};
	struct drv *d;
	char err[256];
	int rc = drv_open(&o, &d, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "FAIL: drv_open: %s\n", err);
		return 1;
	}
	if (drv_start(d) < 0) {
		fprintf(stderr, "FAIL: drv_start\n");
		return 1;
	}

	struct seen s = {0};
	struct live_events e = live_capture(d, child_main, p);
	for (unsigned i = 0; i < e.n; i++) {
		struct ev_view v;
		ev_decode(e.ev[i], e.ev[i]->len, &v);
		on_event(p, e.ev[i], &v, &s);
	}
	live_free(&e);
	struct drv_counters tot;
	drv_counters(d, NULL, 0, &tot);
	drv_close(d);
	rmdir(p->tmpdir);
	while (waitpid(-1, NULL, 0) > 0) /* the orphan adopted by us */
		;

	check(p->done, "the child did not finish");
	check(s.openat_ok == 1, "openat of the temp file: %d events, want 1", s.openat_ok);
	check(s.openat_fail == 1, "failed openat: %d events, want 1", s.openat_fail);
	check(s.connect == 1, "connect: %d events, want 1", s.connect);
	check(s.accept == 1, "accept4: %d events, want 1", s.accept);
	check(s.clone_parent == 1, "clone (parent side): %d events, want 1", s.clone_parent);
	check(s.clone_child == 1, "clone (child side): %d events, want 1", s.clone_child);
	check(s.execve == 1, "execve: %d events, want 1", s.execve);
	check(s.execve_memfd == 1, "fexecve of a memfd: %d events, want 1", s.execve_memfd);
	check(s.procexit == 1, "procexit of the fork child: %d events, want 1", s.procexit);
	check(s.procexit_reaper == 1, "procexit of the orphan's parent: %d events, want 1", s.procexit_reaper);
	check(tot.n_evts >= n_checked, "counter n_evts %llu < events read %u",
	      (unsigned long long)tot.n_evts, n_checked);
	printf("%u events checked against the schema; counters: %llu events, %llu buffer drops, "
	       "%llu too large\n", n_checked, (unsigned long long)tot.n_evts,
	       (unsigned long long)tot.n_drops_buffer, (unsigned long long)tot.n_drops_max_size);
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	return failures ? 1 : 0;
}
