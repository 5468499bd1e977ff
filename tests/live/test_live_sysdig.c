/*
 * Cross-check with an upstream decoder: the events the driver delivers for a
 * child's known syscalls are written to a .scap file (core/capture) and read
 * back by Debian's sysdig 0.29 (upstream libscap/libsinsp); the parameters
 * sysdig prints must be the values the child used or observed.
 *
 * sysdig 0.29 predates some schema 4.x codes (accept4 389) and extra
 * parameters, which it ignores; the checks use what it knows.
 *
 * Exit 77 (meson: skipped) when not root, without kernel BTF or without
 * sysdig.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "capture/capture.h"
#include "live.h"

struct plan {
	char dir[128], path[192], sub[192];
	int fd;
	uint64_t dev, ino;
	uint16_t srv_port, cli_port;
	pid_t child, fork_child, exec_child;
};

static void child_main(void *arg)
{
	struct plan *p = arg;
	struct stat st;
	p->child = getpid();
	p->fd = openat(AT_FDCWD, p->path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	fstat(p->fd, &st);
	p->dev = st.st_dev;
	p->ino = st.st_ino;
	close(p->fd);
	mkdir(p->sub, 0751);
	rmdir(p->sub);
	unlink(p->path);

	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	bind(s, (struct sockaddr *)&a, sizeof(a));
	listen(s, 4);
	getsockname(s, (struct sockaddr *)&a, &al);
	p->srv_port = ntohs(a.sin_port);
	int k = socket(AF_INET, SOCK_STREAM, 0);
	connect(k, (struct sockaddr *)&a, sizeof(a));
	getsockname(k, (struct sockaddr *)&a, &al);
	p->cli_port = ntohs(a.sin_port);
	close(k);
	close(s);

	pid_t f = fork();
	if (f == 0)
		_exit(3);
	p->fork_child = f;
	waitpid(f, NULL, 0);

	pid_t e = fork();
	if (e == 0) {
		if (chdir(p->dir) != 0)
			_exit(1);
		char *argv[] = {"true", "arg-one", "arg two", NULL};
		char *envp[] = {"FALCO_TEST=live", "X=1", NULL};
		execve("/bin/true", argv, envp);
		_exit(127);
	}
	p->exec_child = e;
	waitpid(e, NULL, 0);
}

/* sysdig's output lines: "<tid> <type> <args>". */
static char *lines[4096];
static int nlines;

static const char *line_with(pid_t tid, const char *type, const char *needle)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "%d %s ", tid, type);
	for (int i = 0; i < nlines; i++)
		if (strncmp(lines[i], prefix, strlen(prefix)) == 0 && (!needle || strstr(lines[i], needle)))
			return lines[i];
	return NULL;
}

static void expect(pid_t tid, const char *type, const char *needle)
{
	check(line_with(tid, type, needle) != NULL, "sysdig shows no '%s' event of %d with '%s'", type, tid,
	      needle ? needle : "");
}

int main(void)
{
	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) != 0 || system("sysdig --version >/dev/null 2>&1") != 0) {
		fprintf(stderr, "skip: needs root, kernel BTF and sysdig\n");
		return 77;
	}
	struct plan *p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	snprintf(p->dir, sizeof(p->dir), "/tmp/falco-live3-XXXXXX");
	if (!mkdtemp(p->dir))
		return 1;
	snprintf(p->path, sizeof(p->path), "%s/file", p->dir);
	snprintf(p->sub, sizeof(p->sub), "%s/sub", p->dir);

	struct drv *d;
	char err[256];
	if (drv_open(NULL, &d, err, sizeof(err)) < 0 || drv_start(d) < 0) {
		fprintf(stderr, "FAIL: drv_open: %s\n", err);
		return 1;
	}
	struct live_events e = live_capture(d, child_main, p);
	drv_close(d);

	char scap[256];
	snprintf(scap, sizeof(scap), "%s/live.scap", p->dir);
	struct cap_writer *w = cap_writer_open(scap, NULL, err);
	check(w != NULL, "cap_writer_open: %s", err);
	if (!w)
		return 1;
	struct cap_machine_info mi = {.num_cpus = 1};
	cap_write_machine_info(w, &mi);
	for (unsigned i = 0; i < e.n; i++)
		check(cap_write_event(w, e.ev[i], 0, 0) == 0, "cap_write_event: %s", cap_writer_error(w));
	check(cap_writer_close(w, err) == 0, "cap_writer_close: %s", err);
	live_free(&e);

	char cmd[512];
	snprintf(cmd, sizeof(cmd), "sysdig -r %s -p '%%thread.tid %%evt.type %%evt.args' "
	         "'thread.tid in (%d, %d, %d)' 2>&1", scap, p->child, p->fork_child, p->exec_child);
	FILE *f = popen(cmd, "r");
	char buf[8192];
	while (f && nlines < 4096 && fgets(buf, sizeof(buf), f))
		lines[nlines++] = strdup(buf);
	if (f)
		pclose(f);
	unlink(scap);
	rmdir(p->dir);

	char s[512];
	/* openat: fd, dirfd, name, flags (RDWR 3 | CREAT 4 | CLOEXEC 0x1000 | F_CREATED 0x4000), mode, dev */
	snprintf(s, sizeof(s), "fd=%d(<f>%s) dirfd=-100(AT_FDCWD) name=%s flags=20487(", p->fd, p->path, p->path);
	expect(p->child, "openat", s);
	snprintf(s, sizeof(s), "mode=0640 dev=%llX", (unsigned long long)p->dev);
	expect(p->child, "openat", s);
	snprintf(s, sizeof(s), "res=0 path=%s", p->sub);
	expect(p->child, "mkdir", s);
	snprintf(s, sizeof(s), "res=0 path=%s", p->sub);
	expect(p->child, "rmdir", s);
	expect(p->child, "bind", "res=0 addr=127.0.0.1:0");
	expect(p->child, "listen", "res=0");
	snprintf(s, sizeof(s), "res=0 tuple=127.0.0.1:%u->127.0.0.1:%u", p->cli_port, p->srv_port);
	expect(p->child, "connect", s);
	snprintf(s, sizeof(s), "res=%d(", p->fork_child);
	expect(p->child, "clone", s);
	snprintf(s, sizeof(s), "res=0 exe=");
	expect(p->fork_child, "clone", s);
	snprintf(s, sizeof(s), "ptid=%d(", p->child);
	expect(p->fork_child, "clone", s);
	expect(p->fork_child, "procexit", "status=768 ret=3 sig=0 core=0");
	snprintf(s, sizeof(s), "res=0 exe=true args=arg-one.arg two. tid=%d(true) pid=%d(true) ptid=%d(",
	         p->exec_child, p->exec_child, p->child);
	expect(p->exec_child, "execve", s);
	snprintf(s, sizeof(s), "cwd=%s ", p->dir);
	expect(p->exec_child, "execve", s);
	expect(p->exec_child, "execve", "comm=true ");
	expect(p->exec_child, "execve", "env=FALCO_TEST=live.X=1. ");
	if (failures) {
		fprintf(stderr, "sysdig printed:\n");
		for (int i = 0; i < nlines && i < 60; i++)
			fputs(lines[i], stderr);
	}
	for (int i = 0; i < nlines; i++)
		free(lines[i]);
	printf("%d lines from sysdig checked\n", nlines);
	return failures ? 1 : 0;
}
