/*
 * Live process-tree and fd scenarios: the eBPF driver captures a small
 * process tree doing known things, the events go through st_apply, and at
 * marker events (failed opens of /nonexistent/state-live-mN) the state must
 * agree with what the kernel told the processes themselves (getpid,
 * getppid, the fds they hold), written to shared memory.
 *
 * Scenarios: a thread that execs; a subreaper (the scenario root) and a double fork whose middle
 * process exits (the grandchild is reparented to the subreaper); dup2 over an
 * open fd; an O_CLOEXEC fd dropped by execve while a plain one survives; an
 * exec chain (sh -c exec cat); TCP sockets both ways (connect and accept).
 * Needs root and a kernel with BTF: exits 77 (skip) otherwise.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "../live/live.h"
#include "state/state.h"

struct shared {
	pid_t root, middle, grandchild;
	int fd_dup, fd_cloexec, fd_plain;
	int srv_fd, cli_fd, acc_fd;
	uint16_t srv_port, cli_port;
	int ready;
	pid_t gc_ppid;  /* the grandchild's getppid() after the middle exited */
	pid_t exec_pid, exec_tid; /* a process whose second thread execs */
	int subreaper_rc;
};

static struct shared *sh;

static void marker(int n)
{
	char p[64];
	snprintf(p, sizeof p, "/nonexistent/state-live-m%d", n);
	int fd = open(p, O_RDONLY);
	if (fd >= 0)
		close(fd);
}

static void grandchild(void)
{
	sh->grandchild = getpid();
	/* wait for the reparenting to the subreaper */
	for (int i = 0; i < 500 && getppid() != sh->root; i++)
		usleep(2000);
	sh->gc_ppid = getppid();
	int a = open("/dev/null", O_RDONLY);
	int b = open("/etc/hostname", O_RDONLY);
	if (b < 0)
		b = open("/etc/passwd", O_RDONLY);
	dup2(a, b);
	sh->fd_dup = b;
	sh->fd_cloexec = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	sh->fd_plain = open("/etc/group", O_RDONLY);
	marker(1);
	/* exec chain: sh execs cat, which opens the second marker */
	execl("/bin/sh", "sh", "-c", "exec cat /nonexistent/state-live-m2", (char *)NULL);
	_exit(1);
}

static void sockets(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	/* an explicit port: a bind to port 0 does not make a server socket
	 * for upstream (the port is only known after listen) */
	for (int i = 0; i < 100; i++) {
		a.sin_port = htons((uint16_t)(42000 + (getpid() + i) % 20000));
		if (bind(s, (struct sockaddr *)&a, sizeof a) == 0)
			break;
	}
	listen(s, 1);
	getsockname(s, (struct sockaddr *)&a, &l);
	sh->srv_port = ntohs(a.sin_port);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, sizeof a);
	struct sockaddr_in me;
	l = sizeof me;
	getsockname(c, (struct sockaddr *)&me, &l);
	sh->cli_port = ntohs(me.sin_port);
	int acc = accept(s, NULL, NULL);
	sh->srv_fd = s;
	sh->cli_fd = c;
	sh->acc_fd = acc;
	marker(3);
	close(acc);
	close(c);
	close(s);
}

static void *exec_thread(void *arg)
{
	(void)arg;
	sh->exec_tid = (pid_t)syscall(SYS_gettid);
	execl("/bin/cat", "cat", "/nonexistent/state-live-m4", (char *)NULL);
	return NULL;
}

/* A thread that execs: the kernel ends the other threads and the execing
 * thread continues as the process, under the leader's pid. */
static void thread_exec(void)
{
	pid_t p = fork();
	if (p == 0) {
		sh->exec_pid = getpid();
		pthread_t t;
		pthread_create(&t, NULL, exec_thread, NULL);
		pthread_join(t, NULL); /* never returns: the exec replaces us */
		_exit(1);
	}
	waitpid(p, NULL, 0);
}

static void scenario(void *arg)
{
	(void)arg;
	sh->root = getpid();
	sh->subreaper_rc = prctl(PR_SET_CHILD_SUBREAPER, 1);
	sockets();
	thread_exec();
	pid_t m = fork();
	if (m == 0) {
		sh->middle = getpid();
		pid_t g = fork();
		if (g == 0)
			grandchild();
		_exit(0); /* the middle parent exits: its child is orphaned */
	}
	waitpid(m, NULL, 0);
	/* reap the grandchild, now ours as the subreaper */
	while (waitpid(-1, NULL, 0) > 0)
		;
}

static const char *marker_of(const struct ev_view *v)
{
	uint32_t i = v->hdr->type == EV_SYSCALL_OPENAT_2_X ? 2 : v->hdr->type == EV_SYSCALL_OPEN_X ? 1 : 99;
	if (i >= v->nparams || !v->len[i])
		return NULL;
	const char *name = (const char *)v->val[i];
	if (strnlen(name, v->len[i]) == v->len[i])
		return NULL;
	return strstr(name, "state-live-m");
}

static const char *fdname(struct st_state *st, pid_t pid, int fd)
{
	struct st_fd *f = st_fd_get(st, st_find(st, pid), fd);
	return f ? f->name : NULL;
}

static void check_m1(struct st_state *st)
{
	struct st_thread *g = st_find(st, sh->grandchild);
	check(g != NULL, "m1: grandchild %d not in the table", sh->grandchild);
	if (!g)
		return;
	check(sh->gc_ppid == sh->root, "m1: the kernel did not reparent to the subreaper (getppid %d)",
	      sh->gc_ppid);
	check(g->ptid == sh->gc_ppid, "m1: grandchild's parent is %lld, getppid() said %d",
	      (long long)g->ptid, sh->gc_ppid);
	struct st_thread *p = st_ancestor(st, g, 1);
	check(p && p->pid == sh->root, "m1: proc.apid[1] is not the subreaper");
	check(st_find(st, sh->middle) == NULL, "m1: the exited middle process is still in the table");
	const char *n = fdname(st, sh->grandchild, sh->fd_dup);
	check(n && !strcmp(n, "/dev/null"), "m1: dup2 target fd %d is %s, not /dev/null", sh->fd_dup,
	      n ? n : "(none)");
	n = fdname(st, sh->grandchild, sh->fd_cloexec);
	check(n && !strcmp(n, "/etc/passwd"), "m1: O_CLOEXEC fd %d is %s", sh->fd_cloexec, n ? n : "(none)");
}

static void check_m2(struct st_state *st)
{
	struct st_thread *g = st_find(st, sh->grandchild);
	check(g != NULL, "m2: grandchild not in the table");
	if (!g)
		return;
	check(!strcmp(g->comm, "cat"), "m2: comm after the exec chain is %s, not cat", g->comm);
	check(fdname(st, sh->grandchild, sh->fd_cloexec) == NULL, "m2: the O_CLOEXEC fd survived execve");
	const char *n = fdname(st, sh->grandchild, sh->fd_plain);
	check(n && !strcmp(n, "/etc/group"), "m2: the plain fd %d is %s after execve", sh->fd_plain,
	      n ? n : "(none)");
	n = fdname(st, sh->grandchild, sh->fd_dup);
	check(n && !strcmp(n, "/dev/null"), "m2: the dup2'd fd is %s after execve", n ? n : "(none)");
	check(g->ptid == sh->root, "m2: parent after exec is %lld", (long long)g->ptid);
}

static void check_m4(struct st_state *st)
{
	struct st_thread *t = st_find(st, sh->exec_pid);
	check(t != NULL, "m4: the process %d is not in the table", sh->exec_pid);
	if (!t)
		return;
	check(!strcmp(t->comm, "cat"), "m4: comm after the thread's exec is %s", t->comm);
	check(st_find(st, sh->exec_tid) == NULL, "m4: the exec'ing thread's old tid %d is still there",
	      sh->exec_tid);
	check(t->proc->nthreads == 1, "m4: %u threads after exec, want 1", t->proc->nthreads);
}

static void check_m3(struct st_state *st)
{
	char want[128];
	snprintf(want, sizeof want, "127.0.0.1:%u->127.0.0.1:%u", sh->cli_port, sh->srv_port);
	const char *c = fdname(st, sh->root, sh->cli_fd), *a = fdname(st, sh->root, sh->acc_fd);
	check(c && !strcmp(c, want), "m3: connecting fd is %s, want %s", c ? c : "(none)", want);
	check(a && !strcmp(a, want), "m3: accepted fd is %s, want %s", a ? a : "(none)", want);
	struct st_fd *s = st_fd_get(st, st_find(st, sh->root), sh->srv_fd);
	check(s && s->type == ST_FD_IPV4_SERVSOCK && s->dport == sh->srv_port,
	      "m3: the listening fd is not an IPv4 server socket on port %u", sh->srv_port);
}

int main(void)
{
	char err[512];
	struct drv *d;
	struct drv_opts o = {.sz = sizeof o};
	if (drv_open(&o, &d, err, sizeof err) < 0) {
		printf("SKIP: %s\n", err);
		return 77;
	}
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct st_state *st = st_new(NULL);
	if (sh == MAP_FAILED || !st) {
		printf("FAIL: setup\n");
		return 1;
	}
	drv_start(d);
	/* the table as the capture starts: everything already running */
	check(st_scan_proc(st, "/proc") > 0, "/proc scan found nothing");
	struct live_events e = live_capture(d, scenario, NULL);
	drv_stop(d);
	int seen[5] = {0};
	for (unsigned i = 0; i < e.n; i++) {
		struct ev_view v;
		if (ev_decode(e.ev[i], e.ev[i]->len, &v) != 0)
			continue;
		st_apply(st, &v, 0);
		const char *m = marker_of(&v);
		if (!m)
			continue;
		int n = m[strlen("state-live-m")] - '0';
		if (n < 1 || n > 4 || seen[n]++)
			continue;
		if (n == 1)
			check_m1(st);
		else if (n == 2)
			check_m2(st);
		else if (n == 3)
			check_m3(st);
		else
			check_m4(st);
	}
	for (int n = 1; n <= 4; n++)
		check(seen[n] == 1, "marker %d seen %d times", n, seen[n]);
	struct st_counters c = st_counters(st);
	if (getenv("STATE_LIVE_DEBUG"))
		printf("root %d middle %d grandchild %d gc_ppid %d subreaper rc %d\n", sh->root, sh->middle,
		       sh->grandchild, sh->gc_ppid, sh->subreaper_rc);
	printf("state_live: %u events applied; threads %" PRIu64 " (added %" PRIu64 ", removed %" PRIu64
	       "); %d failures\n", e.n, c.threads, c.added, c.removed, failures);
	live_free(&e);
	st_free(st);
	drv_close(d);
	return failures ? 1 : 0;
}
