/*
 * core/state scenarios on synthetic events. Expected values come from the
 * kernel's documented behaviour (clone(2), prctl(2) PR_SET_CHILD_SUBREAPER,
 * dup2(2), execve(2) and O_CLOEXEC, close_range(2)) and hand-computed paths,
 * not from our own output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "evbuild.h"
#include "state/state.h"

#define O_RDONLY_PPM 1u
#define O_CLOEXEC_PPM (1u << 12)
#define CL_THREAD (1u << 13)
#define CL_FILES 1u

static uint64_t now = 1000000000ull;

static void apply(struct st_state *st, struct evb *b)
{
	const struct ev_view *v = evb_done(b);
	assert_non_null(v);
	st_apply(st, v, 0);
}

/* clone exit as seen by the caller (res = child) or the child (res = 0). */
static void ev_clone(struct st_state *st, uint64_t tid, int64_t res, int64_t pid, int64_t ptid,
                     uint32_t flags, const char *comm)
{
	struct evb b;
	evb_start(&b, EV_SYSCALL_CLONE_20_X, tid, now++);
	evb_i64(&b, 0, res);
	evb_str(&b, 1, comm);
	evb_raw(&b, 2, "", 0);
	evb_i64(&b, 3, (int64_t)tid);
	evb_i64(&b, 4, pid);
	evb_i64(&b, 5, ptid);
	evb_str(&b, 6, "/");
	evb_i64(&b, 7, 1024);
	evb_str(&b, 13, comm);
	evb_u32(&b, 15, flags);
	evb_u32(&b, 16, 1000);
	evb_u32(&b, 17, 1000);
	evb_i64(&b, 18, res == 0 ? (int64_t)tid : res);
	evb_i64(&b, 19, pid);
	apply(st, &b);
}

static void ev_exit(struct st_state *st, uint64_t tid)
{
	struct evb b;
	evb_start(&b, EV_PROCEXIT_1_E, tid, now++);
	evb_i64(&b, 0, 0);
	apply(st, &b);
}

static void ev_open(struct st_state *st, uint64_t tid, int64_t fd, const char *path, uint32_t flags)
{
	struct evb b;
	evb_start(&b, EV_SYSCALL_OPEN_X, tid, now++);
	evb_i64(&b, 0, fd);
	evb_str(&b, 1, path);
	evb_u32(&b, 2, flags);
	evb_u32(&b, 3, 0);
	apply(st, &b);
}

static void ev_openat(struct st_state *st, uint64_t tid, int64_t fd, int64_t dirfd, const char *path)
{
	struct evb b;
	evb_start(&b, EV_SYSCALL_OPENAT_2_X, tid, now++);
	evb_i64(&b, 0, fd);
	evb_i64(&b, 1, dirfd);
	evb_str(&b, 2, path);
	evb_u32(&b, 3, O_RDONLY_PPM);
	evb_u32(&b, 4, 0);
	apply(st, &b);
}

static void ev_fdop(struct st_state *st, uint16_t type, uint64_t tid, int64_t res, int64_t a, int64_t c)
{
	struct evb b;
	evb_start(&b, type, tid, now++);
	evb_i64(&b, 0, res);
	evb_i64(&b, 1, a);
	if (type == EV_SYSCALL_DUP2_X || type == EV_SYSCALL_DUP3_X)
		evb_i64(&b, 2, c);
	apply(st, &b);
}

static const char *fd_name(struct st_state *st, int64_t tid, int64_t fd)
{
	struct st_fd *f = st_fd_get(st, st_find(st, tid), fd);
	return f ? f->name : NULL;
}

/* init(1) -> a(100) -> b(101) -> c(102), built from fork events. */
static struct st_state *family(void)
{
	struct st_state *st = st_new(NULL);
	struct st_thread *init = st_add_thread(st, 1, 1, 0);
	st_thread_set_comm(init, "init", 4);
	ev_clone(st, 1, 100, 1, 0, 0, "a");
	ev_clone(st, 100, 101, 100, 1, 0, "b");
	ev_clone(st, 101, 102, 101, 100, 0, "c");
	return st;
}

static void test_fork_lineage(void **unused)
{
	(void)unused;
	struct st_state *st = family();
	struct st_thread *c = st_find(st, 102);
	assert_non_null(c);
	assert_int_equal(c->ptid, 101);
	assert_string_equal(st_ancestor(st, c, 1)->comm, "b");
	assert_string_equal(st_ancestor(st, c, 2)->comm, "a");
	assert_string_equal(st_ancestor(st, c, 3)->comm, "init");
	assert_null(st_ancestor(st, c, 4));
	/* proc.aexe[2] is the grandparent's argv[0]; proc.duration is the time
	 * since the process's clone (c was cloned at its clone event's ts) */
	uint64_t cloned = st_find(st, 102)->clone_ts;
	ev_open(st, 102, 3, "/x", O_RDONLY_PPM);
	char buf[256];
	struct st_value v;
	assert_true(st_field_extract(st, STF_PROC_AEXE, 2, &v, buf, sizeof buf));
	assert_string_equal(v.s, "a");
	assert_true(st_field_extract(st, STF_PROC_DURATION, -1, &v, buf, sizeof buf));
	assert_int_equal(v.u, now - 1 - cloned);
	st_free(st);
}

/* Double fork, the middle parent exits: the grandchild goes to init. */
static void test_reparent_to_init(void **unused)
{
	(void)unused;
	struct st_state *st = family();
	ev_exit(st, 101);
	ev_exit(st, 100); /* the next event flushes 101's removal */
	struct st_thread *c = st_find(st, 102);
	assert_null(st_find(st, 101));
	assert_int_equal(c->ptid, 1);
	assert_string_equal(st_ancestor(st, c, 1)->comm, "init");
	st_free(st);
}

/* With a child subreaper above, orphans go to it instead of init. */
static void test_reparent_to_subreaper(void **unused)
{
	(void)unused;
	struct st_state *st = family();
	struct evb b;
	evb_start(&b, EV_SYSCALL_PRCTL_X, 100, now++);
	evb_i64(&b, 0, 0);
	evb_u32(&b, 1, 36); /* PR_SET_CHILD_SUBREAPER */
	evb_i64(&b, 3, 1);
	apply(st, &b);
	ev_exit(st, 101);
	ev_open(st, 100, 3, "/x", O_RDONLY_PPM);
	assert_int_equal(st_find(st, 102)->ptid, 100);
	st_free(st);
}

/* Threads share the process: fds opened by one are the other's; the leader
 * exiting first stays until its last thread is gone. */
static void test_threads_share_and_leader_exit(void **unused)
{
	(void)unused;
	struct st_state *st = family();
	ev_clone(st, 100, 110, 100, 1, CL_THREAD | CL_FILES, "worker");
	struct st_thread *w = st_find(st, 110);
	assert_non_null(w);
	assert_int_equal(w->pid, 100);
	ev_open(st, 110, 7, "/etc/hosts", O_RDONLY_PPM);
	assert_string_equal(fd_name(st, 100, 7), "/etc/hosts");
	ev_exit(st, 100);
	ev_open(st, 110, 8, "/etc/group", O_RDONLY_PPM);
	assert_non_null(st_find(st, 100)); /* closed leader kept */
	ev_exit(st, 110);
	ev_open(st, 1, 3, "/a", O_RDONLY_PPM);
	assert_null(st_find(st, 110));
	assert_null(st_find(st, 100));
	st_free(st);
}

/* dup2 over an open fd replaces it; O_CLOEXEC fds vanish on execve. */
static void test_dup2_and_cloexec(void **unused)
{
	(void)unused;
	struct st_state *st = family();
	ev_open(st, 102, 3, "/etc/passwd", O_RDONLY_PPM);
	ev_open(st, 102, 4, "/tmp/x", O_RDONLY_PPM | O_CLOEXEC_PPM);
	ev_fdop(st, EV_SYSCALL_DUP2_X, 102, 4, 3, 4);
	assert_string_equal(fd_name(st, 102, 4), "/etc/passwd");
	ev_open(st, 102, 5, "/tmp/y", O_RDONLY_PPM | O_CLOEXEC_PPM);
	struct evb b;
	evb_start(&b, EV_SYSCALL_EXECVE_19_X, 102, now++);
	evb_i64(&b, 0, 0);
	evb_str(&b, 1, "/bin/true");
	evb_raw(&b, 2, "x\0", 2);
	evb_i64(&b, 4, 102);
	evb_i64(&b, 5, 101);
	evb_str(&b, 13, "true");
	apply(st, &b);
	assert_non_null(fd_name(st, 102, 3));
	assert_non_null(fd_name(st, 102, 4)); /* dup2 clears close-on-exec */
	assert_null(fd_name(st, 102, 5));
	assert_string_equal(st_find(st, 102)->comm, "true");
	/* the forked child copied its parent's fds before: fork copies, exec of
	 * the child does not touch the parent */
	st_free(st);
}

/* close defers removal to the next event; close_range drops a range. */
static void test_close_and_close_range(void **unused)
{
	(void)unused;
	struct st_state *st = family();
	for (int fd = 3; fd < 8; fd++)
		ev_open(st, 102, fd, "/f", O_RDONLY_PPM);
	ev_fdop(st, EV_SYSCALL_CLOSE_X, 102, 0, 3, 0);
	assert_non_null(st_current(st)->fd); /* the closing event still sees it */
	struct evb b;
	evb_start(&b, EV_SYSCALL_CLOSE_RANGE_X, 102, now++);
	evb_i64(&b, 0, 0);
	evb_u32(&b, 1, 5);
	evb_u32(&b, 2, 6);
	evb_u32(&b, 3, 0);
	apply(st, &b);
	assert_null(fd_name(st, 102, 3));
	assert_non_null(fd_name(st, 102, 4));
	assert_null(fd_name(st, 102, 5));
	assert_null(fd_name(st, 102, 6));
	assert_non_null(fd_name(st, 102, 7));
	st_free(st);
}

/* Relative paths against the cwd (chdir) and against a directory fd. */
static void test_path_resolution(void **unused)
{
	(void)unused;
	struct st_state *st = family();
	struct evb b;
	evb_start(&b, EV_SYSCALL_CHDIR_X, 102, now++);
	evb_i64(&b, 0, 0);
	evb_str(&b, 1, "/home/u/src");
	apply(st, &b);
	ev_open(st, 102, 3, "../lib/./x.so", O_RDONLY_PPM);
	assert_string_equal(fd_name(st, 102, 3), "/home/u/lib/x.so");
	ev_open(st, 102, 4, "/etc", O_RDONLY_PPM | (1u << 10) /* O_DIRECTORY */);
	ev_openat(st, 102, 5, 4, "ssl//certs/");
	assert_string_equal(fd_name(st, 102, 5), "/etc/ssl/certs");
	ev_openat(st, 102, 6, -100, "a/../../b");
	assert_string_equal(fd_name(st, 102, 6), "/home/u/b");
	char out[64];
	st_path_concat(out, sizeof out, "/", "../../x");
	assert_string_equal(out, "/x");
	st_free(st);
}

/* Sockets both ways: a client connect and a server accept. */
static void test_sockets(void **unused)
{
	(void)unused;
	struct st_state *st = family();
	struct evb b;
	evb_start(&b, EV_SOCKET_SOCKET_X, 102, now++);
	evb_i64(&b, 0, 3);
	evb_u32(&b, 1, 2); /* AF_INET */
	evb_u32(&b, 2, 1); /* SOCK_STREAM */
	evb_u32(&b, 3, 0);
	evb_u32(&b, 4, 0);
	apply(st, &b);
	uint8_t tup[13] = {2, 10, 0, 0, 1, 0x39, 0x30, 93, 184, 216, 34, 80, 0}; /* 10.0.0.1:12345 -> 93.184.216.34:80 */
	evb_start(&b, EV_SOCKET_CONNECT_X, 102, now++);
	evb_i64(&b, 0, 0);
	evb_raw(&b, 1, tup, sizeof tup);
	evb_i64(&b, 2, 3);
	apply(st, &b);
	assert_string_equal(fd_name(st, 102, 3), "10.0.0.1:12345->93.184.216.34:80");
	char buf[256];
	assert_true(st_fd_desc(st, 102, 3, buf, sizeof buf));
	assert_string_equal(buf, "<4t>10.0.0.1:12345->93.184.216.34:80");
	struct st_value v;
	assert_true(st_field_extract(st, st_field_lookup("fd.sip", 6), -1, &v, buf, sizeof buf));
	assert_string_equal(v.s, "93.184.216.34");
	uint8_t ip[16];
	assert_int_equal(st_field_ip(st, STF_FD_SIP, ip), 4);
	assert_memory_equal(ip, ((uint8_t[]){93, 184, 216, 34}), 4);
	/* the server side */
	uint8_t tup2[13] = {2, 10, 0, 0, 2, 0x50, 0xc3, 10, 0, 0, 9, 0x50, 0}; /* 10.0.0.2:50000 -> 10.0.0.9:80 (ports are host order) */
	evb_start(&b, EV_SOCKET_ACCEPT_5_X, 101, now++);
	evb_i64(&b, 0, 9);
	evb_raw(&b, 1, tup2, sizeof tup2);
	apply(st, &b);
	assert_string_equal(fd_name(st, 101, 9), "10.0.0.2:50000->10.0.0.9:80");
	assert_true(st_field_extract(st, st_field_lookup("fd.l4proto", 10), -1, &v, buf, sizeof buf));
	assert_string_equal(v.s, "tcp");
	st_free(st);
}

/* The table is bounded: the fifth thread of a four-entry table is dropped
 * and counted. */
static void test_table_bound(void **unused)
{
	(void)unused;
	struct st_opts o = {.sz = sizeof o, .thread_table_size = 4};
	struct st_state *st = st_new(&o);
	for (int i = 1; i <= 5; i++)
		st_add_thread(st, i, i, 0);
	struct st_counters c = st_counters(st);
	assert_int_equal(c.threads, 4);
	assert_int_equal(c.table_full_drops, 1);
	st_free(st);
}

/* Container ids from real-world cgroup layouts; the host has none. */
static void test_container_id(void **unused)
{
	(void)unused;
	char id[13];
	const char docker[] = "cpu=/docker/3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e";
	st_container_id(docker, sizeof docker, id);
	assert_string_equal(id, "3ad7b26ded6d");
	const char crio[] = "memory=/kubepods.slice/kubepods-burstable.slice/"
	                    "crio-aadbf0d7b5e4c7f3a5d4f8e5e8f5b8a1e0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5.scope";
	st_container_id(crio, sizeof crio, id);
	assert_string_equal(id, "aadbf0d7b5e4");
	const char host[] = "cpu=/user.slice/user-1000.slice/session-1.scope";
	st_container_id(host, sizeof host, id);
	assert_string_equal(id, "");
}

static void test_passwd(void **unused)
{
	(void)unused;
	char pw[] = "/tmp/st_passwd_XXXXXX", gr[] = "/tmp/st_group_XXXXXX";
	int a = mkstemp(pw), g = mkstemp(gr);
	assert_true(a >= 0 && g >= 0);
	dprintf(a, "root:x:0:0:root:/root:/bin/bash\n# comment\nbad line\nalice:x:1000:1000:A:/home/alice:/bin/zsh\n");
	dprintf(g, "root:x:0:\nstaff:x:50:alice\n");
	close(a);
	close(g);
	struct st_state *st = st_new(NULL);
	assert_int_equal(st_load_passwd(st, pw, gr), 4);
	assert_string_equal(st_user_get(st, 1000)->home, "/home/alice");
	assert_string_equal(st_group_get(st, 50)->name, "staff");
	st_user_remove(st, 0);
	assert_null(st_user_get(st, 0));
	assert_non_null(st_user_get(st, 1000));
	unlink(pw);
	unlink(gr);
	st_free(st);
}

static bool count_cb(void *ctx, st_entry *e)
{
	(void)e;
	(*(int *)ctx)++;
	return true;
}

/* The `threads` table: upstream's field names and types, dynamic fields. */
static void test_threads_table(void **unused)
{
	(void)unused;
	struct st_state *st = family();
	struct st_table *t = st_table_get(st, "threads", ST_T_INT64);
	assert_non_null(t);
	assert_null(st_table_field(t, "tid", ST_T_UINT64)); /* upstream stores tid as INT64 */
	struct st_field *comm = st_table_field(t, "comm", ST_T_STRING);
	struct st_field *ptid = st_table_field(t, "ptid", ST_T_INT64);
	assert_non_null(comm);
	union st_data key = {.s64 = 102}, out;
	st_entry *e = st_table_entry(t, &key);
	assert_int_equal(st_table_read(t, e, comm, &out), 0);
	assert_string_equal(out.str, "c");
	assert_int_equal(st_table_read(t, e, ptid, &out), 0);
	assert_int_equal(out.s64, 101);
	struct st_field *cid = st_table_add_field(t, "container_id", ST_T_STRING);
	assert_non_null(cid);
	union st_data in = {.str = "abc"};
	assert_int_equal(st_table_write(t, e, cid, &in), 0);
	assert_int_equal(st_table_read(t, e, cid, &out), 0);
	assert_string_equal(out.str, "abc");
	int n = 0;
	st_table_iterate(t, count_cb, &n);
	assert_int_equal(n, 4);
	assert_int_equal(st_table_size(t), 4);
	/* subtables through TABLE fields: args (index -> value), cgroups, fds */
	struct st_thread *c = st_find(st, 102);
	st_proc_set_list(&c->proc->args, &c->proc->args_len, "-l\0/tmp\0", 8);
	st_proc_set_list(&c->proc->cgroups, &c->proc->cgroups_len, "cpu=/a\0memory=/b\0", 18);
	ev_open(st, 102, 3, "/etc/passwd", O_RDONLY_PPM);
	struct st_field *args = st_table_field(t, "args", ST_T_TABLE);
	assert_int_equal(st_table_read(t, e, args, &out), 0);
	struct st_table *sub = out.table;
	assert_int_equal(st_table_size(sub), 2);
	union st_data k1 = {.u64 = 1};
	assert_int_equal(st_table_read(sub, st_table_entry(sub, &k1), st_table_field(sub, "value", ST_T_STRING), &out), 0);
	assert_string_equal(out.str, "/tmp");
	assert_int_equal(st_table_read(t, e, st_table_field(t, "cgroups", ST_T_TABLE), &out), 0);
	sub = out.table;
	assert_int_equal(st_table_read(sub, st_table_entry(sub, &k1), st_table_field(sub, "first", ST_T_STRING), &out), 0);
	assert_string_equal(out.str, "memory");
	assert_int_equal(st_table_read(sub, st_table_entry(sub, &k1), st_table_field(sub, "second", ST_T_STRING), &out), 0);
	assert_string_equal(out.str, "/b");
	assert_int_equal(st_table_read(t, e, st_table_field(t, "file_descriptors", ST_T_TABLE), &out), 0);
	sub = out.table;
	union st_data k3 = {.s64 = 3};
	assert_int_equal(st_table_read(sub, st_table_entry(sub, &k3), st_table_field(sub, "name", ST_T_STRING), &out), 0);
	assert_string_equal(out.str, "/etc/passwd");
	assert_int_equal(st_table_erase(t, &key), 0);
	assert_null(st_table_entry(t, &key));
	st_free(st);
}

/* A /proc scan finds this test process as the kernel describes it through
 * other interfaces (getpid, getppid, getcwd, getuid, an open fd). */
static void test_scan_proc(void **unused)
{
	(void)unused;
	char tmpl[] = "/tmp/st_scan_XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	/* a listening TCP socket, a connection to it, and a bound unix socket */
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &al), 0);
	int cs = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(cs, (struct sockaddr *)&a, sizeof a), 0);
	struct sockaddr_in me_addr;
	al = sizeof me_addr;
	getsockname(cs, (struct sockaddr *)&me_addr, &al);
	int us = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un ua = {.sun_family = AF_UNIX};
	snprintf(ua.sun_path, sizeof ua.sun_path, "/tmp/st_scan_sock_%d", getpid());
	unlink(ua.sun_path);
	assert_int_equal(bind(us, (struct sockaddr *)&ua, sizeof ua), 0);

	struct st_state *st = st_new(NULL);
	assert_true(st_scan_proc(st, "/proc") > 0);
	struct st_thread *me = st_find(st, getpid());
	assert_non_null(me);
	assert_int_equal(me->pid, getpid());
	assert_int_equal(me->ptid, getppid());
	assert_int_equal(me->uid, getuid());
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof cwd - 1));
	strcat(cwd, "/");
	assert_string_equal(me->proc->cwd, cwd);
	assert_int_equal(me->sid, getsid(0));
	struct stat sb;
	assert_int_equal(stat("/proc/self/exe", &sb), 0);
	assert_int_equal(me->proc->exe_ino, sb.st_ino);
	assert_int_equal(me->vpgid, getpgrp());
	struct st_fd *f = st_fd_get(st, me, fd);
	assert_non_null(f);
	assert_string_equal(f->name, tmpl);
	f = st_fd_get(st, me, ls);
	assert_non_null(f);
	assert_int_equal(f->type, ST_FD_IPV4_SERVSOCK);
	assert_int_equal(f->dport, ntohs(a.sin_port));
	f = st_fd_get(st, me, cs);
	assert_non_null(f);
	char want[64];
	snprintf(want, sizeof want, "127.0.0.1:%u->127.0.0.1:%u", ntohs(me_addr.sin_port), ntohs(a.sin_port));
	assert_string_equal(f->name, want);
	f = st_fd_get(st, me, us);
	assert_non_null(f);
	assert_int_equal(f->type, ST_FD_UNIX_SOCK);
	assert_string_equal(f->name, ua.sun_path);
	close(fd);
	close(ls);
	close(cs);
	close(us);
	unlink(ua.sun_path);
	unlink(tmpl);
	st_free(st);
}

/* capset, then thread.cap_*: bits named as in linux/capability.h
 * (0 CHOWN, 1 DAC_OVERRIDE, 21 SYS_ADMIN). */
static void test_caps(void **unused)
{
	(void)unused;
	struct st_state *st = family();
	struct evb b;
	evb_start(&b, EV_SYSCALL_CAPSET_X, 102, now++);
	evb_i64(&b, 0, 0);
	int64_t inh = 0, perm = (1 << 0) | (1 << 1) | (1 << 21), eff = 1 << 21;
	evb_i64(&b, 1, inh);
	evb_i64(&b, 2, perm);
	evb_i64(&b, 3, eff);
	apply(st, &b);
	char buf[512];
	struct st_value v;
	assert_true(st_field_extract(st, STF_THREAD_CAP_PERMITTED, -1, &v, buf, sizeof buf));
	assert_string_equal(v.s, "CAP_CHOWN CAP_DAC_OVERRIDE CAP_SYS_ADMIN");
	assert_true(st_field_extract(st, STF_THREAD_CAP_EFFECTIVE, -1, &v, buf, sizeof buf));
	assert_string_equal(v.s, "CAP_SYS_ADMIN");
	assert_true(st_field_extract(st, STF_THREAD_CAP_INHERITABLE, -1, &v, buf, sizeof buf));
	assert_string_equal(v.s, "");
	st_free(st);
}

/* A thread that execs: the kernel kills the other threads and the execing
 * thread takes the leader's tid (execve(2)); the process keeps its fds. */
static void test_thread_exec(void **unused)
{
	(void)unused;
	struct st_state *st = family();
	ev_clone(st, 100, 110, 100, 1, CL_THREAD | CL_FILES, "worker");
	ev_open(st, 110, 3, "/data", O_RDONLY_PPM);
	ev_exit(st, 110); /* the thread swapped out by de_thread */
	struct evb b;
	evb_start(&b, EV_SYSCALL_EXECVE_19_X, 100, now++);
	evb_i64(&b, 0, 0);
	evb_str(&b, 1, "/usr/bin/env");
	evb_i64(&b, 4, 100);
	evb_i64(&b, 5, 1);
	evb_str(&b, 13, "env");
	apply(st, &b);
	assert_null(st_find(st, 110));
	struct st_thread *l = st_find(st, 100);
	assert_string_equal(l->comm, "env");
	assert_string_equal(l->proc->exe, "/usr/bin/env");
	assert_string_equal(fd_name(st, 100, 3), "/data");
	assert_int_equal(l->proc->nthreads, 1);
	st_free(st);
}

/* rename(2) of an open file does not change what upstream shows for the fd
 * (libsinsp has no rename parser): the name stays the one it was opened as. */
static void test_rename_open_file(void **unused)
{
	(void)unused;
	struct st_state *st = family();
	ev_open(st, 102, 3, "/tmp/a", O_RDONLY_PPM);
	struct evb b;
	evb_start(&b, EV_SYSCALL_RENAME_X, 102, now++);
	evb_i64(&b, 0, 0);
	evb_str(&b, 1, "/tmp/a");
	evb_str(&b, 2, "/tmp/b");
	apply(st, &b);
	assert_string_equal(fd_name(st, 102, 3), "/tmp/a");
	st_free(st);
}

/* Auto-purge: a thread silent for longer than the timeout goes at the next
 * purge interval, counted as purged; active ones stay. */
static void test_purge(void **unused)
{
	(void)unused;
	struct st_opts o = {.sz = sizeof o, .purge_interval_s = 1, .thread_timeout_s = 2};
	struct st_state *st = st_new(&o);
	st_add_thread(st, 1, 1, 0);
	st_add_thread(st, 50, 50, 1);
	st_add_thread(st, 60, 60, 1);
	uint64_t s = 1000000000ull;
	struct evb b;
	uint64_t times[] = {1, 2, 3, 4, 5, 6};
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		evb_start(&b, EV_SYSCALL_OPEN_X, i == 0 ? 50 : 60, times[i] * s);
		evb_i64(&b, 0, 3);
		evb_str(&b, 1, "/x");
		evb_u32(&b, 2, O_RDONLY_PPM);
		apply(st, &b);
	}
	assert_null(st_find(st, 50));
	assert_non_null(st_find(st, 60));
	assert_non_null(st_find(st, 1));
	assert_int_equal(st_counters(st).purged, 1);
	st_free(st);
}

/* setrlimit(RLIMIT_NOFILE) sets the process's fd limit (resource 7 in the
 * event's numbering); other resources do not. getcwd resynchronises cwd. */
static void test_rlimit_getcwd(void **unused)
{
	(void)unused;
	struct st_state *st = family();
	struct evb b;
	evb_start(&b, EV_SYSCALL_SETRLIMIT_X, 102, now++);
	evb_i64(&b, 0, 0);
	evb_i64(&b, 1, 4096);
	evb_i64(&b, 2, 8192);
	evb_raw(&b, 3, "\x07", 1);
	apply(st, &b);
	assert_int_equal(st_find(st, 102)->proc->fdlimit, 4096);
	evb_start(&b, EV_SYSCALL_SETRLIMIT_X, 102, now++);
	evb_i64(&b, 0, 0);
	evb_i64(&b, 1, 10);
	evb_i64(&b, 2, 10);
	evb_raw(&b, 3, "\x03", 1); /* RLIMIT_STACK */
	apply(st, &b);
	assert_int_equal(st_find(st, 102)->proc->fdlimit, 4096);
	evb_start(&b, EV_SYSCALL_GETCWD_X, 102, now++);
	evb_i64(&b, 0, 9);
	evb_str(&b, 1, "/srv/app");
	apply(st, &b);
	assert_string_equal(st_find(st, 102)->proc->cwd, "/srv/app/");
	st_free(st);
}

/* Robustness: events of every code with random parameter bytes and
 * lengths (random tids among a few, so threads and fds get created and
 * reused) never crash the parsers or the extractors (ASan/UBSan build). */
static void test_random_events(void **unused)
{
	(void)unused;
	struct st_opts o = {.sz = sizeof o, .thread_table_size = 64, .max_fds_per_process = 64};
	struct st_state *st = st_new(&o);
	uint64_t x = 88172645463325252ull; /* xorshift64 */
	char buf[4096];
	for (int i = 0; i < 50000; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		uint16_t type = (uint16_t)(x % EV_CODE_MAX);
		const struct ev_info *info = ev_info(type);
		if (!info || !info->name || ev_is_large(type))
			continue;
		struct evb b;
		evb_start(&b, type, 1 + (x >> 20) % 8, (uint64_t)i * 1000);
		for (uint32_t k = 0; k < info->nparams; k++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			uint8_t bytes[40];
			uint32_t len = (uint32_t)(x % 41);
			for (uint32_t j = 0; j < len; j++)
				bytes[j] = (uint8_t)(x >> (j % 8) * 8) ^ (uint8_t)j;
			if (len == 8 && (x & 3) == 0) { /* small plausible numbers: fds, ids */
				int64_t v = (int64_t)(x % 16) - 2;
				memcpy(bytes, &v, 8);
			}
			evb_raw(&b, k, bytes, len);
		}
		const struct ev_view *v = evb_done(&b);
		if (!v)
			continue;
		st_apply(st, v, 0);
		for (int id = 0; id < STF_COUNT; id++) {
			struct st_value val;
			st_field_extract(st, id, (int)(x % 3) - 1, &val, buf, sizeof buf);
		}
		st_fd_desc(st, v->hdr->tid, (int64_t)(x % 8), buf, sizeof buf);
	}
	assert_true(st_counters(st).threads <= 64);
	st_free(st);
}

/* The plugin SDK's way in: a detached threads entry, its subtable reached
 * through a TABLE field and its fields listed, then the entry added. */
static void test_detached_entries(void **unused)
{
	(void)unused;
	struct st_state *st = family();
	struct st_table *t = st_table_get(st, "threads", ST_T_INT64);
	st_entry *e = st_table_entry_new(t);
	assert_non_null(e);
	union st_data out, in = {.str = "plugin-made"};
	assert_int_equal(st_table_write(t, e, st_table_field(t, "comm", ST_T_STRING), &in), 0);
	assert_int_equal(st_table_read(t, e, st_table_field(t, "file_descriptors", ST_T_TABLE), &out), 0);
	struct st_table *fds = out.table;
	uint32_t n;
	const struct st_field_info *fi = st_table_fields(fds, &n);
	assert_true(n > 10);
	assert_string_equal(fi[0].name, "type");
	assert_int_equal(st_table_key_type(fds), ST_T_INT64);
	union st_data key = {.s64 = 500};
	st_entry *added = st_table_entry_add(t, &key, e);
	assert_non_null(added);
	assert_string_equal(st_find(st, 500)->comm, "plugin-made");
	/* a detached fd added to the new thread's table */
	assert_int_equal(st_table_read(t, added, st_table_field(t, "file_descriptors", ST_T_TABLE), &out), 0);
	fds = out.table;
	st_entry *fe = st_table_entry_new(fds);
	union st_data nm = {.str = "/plugin/file"};
	assert_int_equal(st_table_write(fds, fe, st_table_field(fds, "name", ST_T_STRING), &nm), 0);
	union st_data fk = {.s64 = 7};
	assert_non_null(st_table_entry_add(fds, &fk, fe));
	assert_string_equal(fd_name(st, 500, 7), "/plugin/file");
	/* a key already taken: refused, the detached entry consumed */
	assert_null(st_table_entry_add(t, &key, st_table_entry_new(t)));
	st_table_entry_destroy(t, st_table_entry_new(t));
	/* the subtable of a TABLE field with no entry: fields only; its handles
	 * work on an owned subtable of the same field */
	struct st_table *cg = st_table_subtable(t, st_table_field(t, "cgroups", ST_T_TABLE));
	assert_non_null(cg);
	struct st_field *second = st_table_field(cg, "second", ST_T_STRING);
	assert_non_null(second);
	assert_int_equal(st_table_size(cg), (uint64_t)-1);
	union st_data k0 = {.u64 = 0};
	assert_null(st_table_entry(cg, &k0));
	struct st_thread *th = st_find(st, 102);
	st_proc_set_list(&th->proc->cgroups, &th->proc->cgroups_len, "cpu=/x\0", 7);
	union st_data kt = {.s64 = 102};
	assert_int_equal(st_table_read(t, st_table_entry(t, &kt), st_table_field(t, "cgroups", ST_T_TABLE), &out), 0);
	assert_int_equal(st_table_read(out.table, st_table_entry(out.table, &k0), second, &out), 0);
	assert_string_equal(out.str, "/x");
	assert_null(st_table_subtable(t, st_table_field(t, "comm", ST_T_STRING)));
	/* clear with a closed leader whose thread is still there */
	ev_clone(st, 100, 110, 100, 1, CL_THREAD | CL_FILES, "worker");
	ev_exit(st, 100);
	ev_open(st, 110, 4, "/y", O_RDONLY_PPM);
	assert_int_equal(st_table_clear(t), 0);
	assert_int_equal(st_table_size(t), 0);
	st_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_lineage),
		cmocka_unit_test(test_reparent_to_init),
		cmocka_unit_test(test_reparent_to_subreaper),
		cmocka_unit_test(test_threads_share_and_leader_exit),
		cmocka_unit_test(test_dup2_and_cloexec),
		cmocka_unit_test(test_close_and_close_range),
		cmocka_unit_test(test_path_resolution),
		cmocka_unit_test(test_sockets),
		cmocka_unit_test(test_table_bound),
		cmocka_unit_test(test_container_id),
		cmocka_unit_test(test_passwd),
		cmocka_unit_test(test_threads_table),
		cmocka_unit_test(test_scan_proc),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_thread_exec),
		cmocka_unit_test(test_rename_open_file),
		cmocka_unit_test(test_purge),
		cmocka_unit_test(test_rlimit_getcwd),
		cmocka_unit_test(test_random_events),
		cmocka_unit_test(test_detached_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
