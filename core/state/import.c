/*
 * Initial state: a capture's process, fd, user and group lists (replay), or
 * a scan of /proc plus /etc/passwd and /etc/group (live).
 */
#include <dirent.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "state/state_int.h"

static void import_fd(struct st_state *st, struct st_thread *t, const struct cap_fd *c)
{
	struct st_fd *f = st_fd_add(st, t, c->fd);
	if (!f)
		return;
	f->type = c->type;
	f->ino = c->ino;
	f->flags = ST_FDF_FROM_PROC;
	switch (c->type) {
	case CAP_FD_IPV4_SOCK:
		memcpy(f->sip, &c->u.ipv4.sip, 4);
		memcpy(f->dip, &c->u.ipv4.dip, 4);
		f->sport = c->u.ipv4.sport;
		f->dport = c->u.ipv4.dport;
		f->l4proto = c->u.ipv4.l4proto;
		break;
	case CAP_FD_IPV6_SOCK:
		memcpy(f->sip, c->u.ipv6.sip, 16);
		memcpy(f->dip, c->u.ipv6.dip, 16);
		f->sport = c->u.ipv6.sport;
		f->dport = c->u.ipv6.dport;
		f->l4proto = c->u.ipv6.l4proto;
		break;
	case CAP_FD_IPV4_SERVSOCK:
		memcpy(f->dip, &c->u.ipv4_server.ip, 4);
		f->dport = c->u.ipv4_server.port;
		f->l4proto = c->u.ipv4_server.l4proto;
		break;
	case CAP_FD_IPV6_SERVSOCK:
		memcpy(f->dip, c->u.ipv6_server.ip, 16);
		f->dport = c->u.ipv6_server.port;
		f->l4proto = c->u.ipv6_server.l4proto;
		break;
	case CAP_FD_UNIX_SOCK:
		f->unix_src = c->u.unix_sock.source;
		f->unix_dst = c->u.unix_sock.destination;
		break;
	case CAP_FD_FILE_V2:
		f->open_flags = c->u.file.open_flags;
		f->dev = c->u.file.dev;
		break;
	default:
		break;
	}
	if (c->type >= CAP_FD_IPV4_SOCK && c->type <= CAP_FD_IPV6_SERVSOCK) {
		st_infer_local_ipv4(st, f);
		if (f->l4proto == ST_L4_TCP)
			f->flags |= ST_FDF_CONNECTED;
		char buf[160];
		st_fd_tuple_str(f, buf, sizeof buf);
		st_fd_set_name(f, buf, SIZE_MAX);
	} else {
		st_fd_set_name(f, c->name ? c->name : "", SIZE_MAX);
	}
	t->lastevent_fd = -1;
}

static void import_proc(struct st_state *st, const struct cap_proc *c)
{
	struct st_thread *t = st_add_thread(st, (int64_t)c->tid, (int64_t)c->pid, (int64_t)c->ptid);
	if (!t)
		return;
	struct st_thread *leader = c->tid != c->pid ? st_find(st, (int64_t)c->pid) : NULL;
	if (leader)
		st_join_process(st, t, leader);
	st_thread_set_comm(t, c->comm, SIZE_MAX);
	t->sid = c->sid;
	t->vpgid = c->vpgid;
	t->pgid = c->pgid;
	t->flags = c->flags;
	t->uid = c->uid;
	t->gid = c->gid;
	t->vtid = c->vtid;
	t->vpid = c->vpid;
	t->tty = c->tty;
	t->loginuid = c->loginuid;
	t->cap_inheritable = c->cap_inheritable;
	t->cap_permitted = c->cap_permitted;
	t->cap_effective = c->cap_effective;
	if (!leader) {
		struct st_proc *p = t->proc;
		st_proc_set(&p->exe, c->exe, SIZE_MAX);
		/* a deleted executable's link ends with " (deleted)": upstream drops it */
		size_t el = strlen(c->exepath);
		if (el >= 10 && !strcmp(c->exepath + el - 10, " (deleted)"))
			el -= 10;
		st_proc_set(&p->exepath, c->exepath, el);
		st_proc_set_cwd(p, c->cwd, SIZE_MAX);
		st_proc_set(&p->root, c->root, SIZE_MAX);
		st_proc_set_list(&p->args, &p->args_len, c->args, c->args_len);
		st_proc_set_list(&p->env, &p->env_len, c->env, c->env_len);
		st_proc_set_list(&p->cgroups, &p->cgroups_len, c->cgroups, c->cgroups_len);
		st_container_id(p->cgroups, p->cgroups_len, p->container_id);
		p->fdlimit = c->fdlimit;
		p->pidns_init_start_ts = c->pidns_init_start_ts;
		p->exe_writable = c->exe_writable;
		p->exe_upper_layer = c->exe_upper_layer;
		p->exe_lower_layer = c->exe_lower_layer;
		p->exe_from_memfd = c->exe_from_memfd;
		p->exe_ino = c->exe_ino;
		p->exe_ino_ctime = c->exe_ino_ctime;
		p->exe_ino_mtime = c->exe_ino_mtime;
	}
	for (size_t i = 0; i < c->nfds; i++)
		import_fd(st, t, &c->fds[i]);
}

/* Loads a capture's metadata (cap_meta of an open reader). */
int st_import_capture(struct st_state *st, const struct cap_meta *m)
{
	if (m->has_machine)
		st->boot_ts = m->machine.boot_ts_epoch;
	for (size_t i = 0; i < m->nifaces && st->nif4 < 16; i++)
		if (m->ifaces[i].type == CAP_IF_IPV4) {
			st->if4_addr[st->nif4] = m->ifaces[i].u.v4.addr;
			st->if4_mask[st->nif4++] = m->ifaces[i].u.v4.netmask;
		} else if (m->ifaces[i].type == CAP_IF_IPV6 && st->nif6 < 16) {
			memcpy(st->if6_addr[st->nif6++], m->ifaces[i].u.v6.addr, 16);
		}
	for (size_t i = 0; i < m->nusers; i++)
		st_user_add(st, m->users[i].uid, m->users[i].gid, m->users[i].name, m->users[i].home,
		            m->users[i].shell);
	for (size_t i = 0; i < m->ngroups; i++)
		st_group_add(st, m->groups[i].gid, m->groups[i].name);
	/* leaders first, so threads find the process they join */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < m->nprocs; i++)
			if ((m->procs[i].tid == m->procs[i].pid) == (pass == 0))
				import_proc(st, &m->procs[i]);
	st_link_all(st);
	return 0;
}

/* ---- /proc ------------------------------------------------------------- */

/* Sockets of /proc/net by inode, so that "socket:[N]" fds get their type,
 * protocol and endpoints. */
struct sock_ent {
	uint64_t ino;
	uint8_t type, l4;
	uint8_t lip[16], rip[16];
	uint16_t lport, rport;
	uint64_t unix_addr;
	char path[108];
};

struct sock_tab { struct sock_ent *e; size_t n, cap; };

static struct sock_ent *sock_push(struct sock_tab *t)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 256;
		struct sock_ent *n = realloc(t->e, nc * sizeof *n);
		if (!n)
			return NULL;
		t->e = n;
		t->cap = nc;
	}
	memset(&t->e[t->n], 0, sizeof t->e[0]);
	return &t->e[t->n++];
}

/* "0100007F:AAB1": the address as the kernel prints it, 32-bit words in
 * host order. */
static bool parse_hex_addr(const char *s, uint8_t *ip, size_t words, uint16_t *port)
{
	for (size_t w = 0; w < words; w++) {
		unsigned int x;
		char buf[9];
		memcpy(buf, s + 8 * w, 8);
		buf[8] = 0;
		if (sscanf(buf, "%x", &x) != 1)
			return false;
		memcpy(ip + 4 * w, &x, 4);
	}
	unsigned int p;
	if (s[8 * words] != ':' || sscanf(s + 8 * words + 1, "%x", &p) != 1)
		return false;
	*port = (uint16_t)p;
	return true;
}

static void load_inet(struct sock_tab *t, const char *path, bool v6, uint8_t l4)
{
	FILE *f = fopen(path, "r");
	char line[512], local[64], remote[64];
	unsigned int st;
	unsigned long long ino;
	if (!f)
		return;
	if (!fgets(line, sizeof line, f)) { /* header */
		fclose(f);
		return;
	}
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%*s %63s %63s %x %*s %*s %*s %*s %*s %llu", local, remote, &st, &ino) != 4)
			continue;
		struct sock_ent *e = sock_push(t);
		if (!e)
			break;
		e->ino = ino;
		e->l4 = l4;
		size_t words = v6 ? 4 : 1;
		if (!parse_hex_addr(local, e->lip, words, &e->lport) ||
		    !parse_hex_addr(remote, e->rip, words, &e->rport)) {
			t->n--;
			continue;
		}
		bool listen = l4 == ST_L4_TCP && st == 0x0A; /* TCP_LISTEN */
		e->type = v6 ? (listen ? ST_FD_IPV6_SERVSOCK : ST_FD_IPV6_SOCK)
		             : (listen ? ST_FD_IPV4_SERVSOCK : ST_FD_IPV4_SOCK);
	}
	fclose(f);
}

static void load_unix(struct sock_tab *t, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	if (!f)
		return;
	if (!fgets(line, sizeof line, f)) {
		fclose(f);
		return;
	}
	while (fgets(line, sizeof line, f)) {
		unsigned long long addr, ino;
		char p[108] = "";
		if (sscanf(line, "%llx: %*s %*s %*s %*s %*s %llu %107s", &addr, &ino, p) < 2)
			continue;
		struct sock_ent *e = sock_push(t);
		if (!e)
			break;
		e->ino = ino;
		e->type = ST_FD_UNIX_SOCK;
		e->unix_addr = addr;
		snprintf(e->path, sizeof e->path, "%s", p);
	}
	fclose(f);
}

static int cmp_ino(const void *a, const void *b)
{
	uint64_t x = ((const struct sock_ent *)a)->ino, y = ((const struct sock_ent *)b)->ino;
	return x < y ? -1 : x > y;
}

static const struct sock_ent *sock_find(const struct sock_tab *t, uint64_t ino)
{
	struct sock_ent key = {.ino = ino};
	return t->n ? bsearch(&key, t->e, t->n, sizeof key, cmp_ino) : NULL;
}

static void sock_fill(struct st_state *st, struct st_fd *f, const struct sock_ent *e)
{
	f->type = e->type;
	f->ino = e->ino;
	if (e->type == ST_FD_UNIX_SOCK) {
		f->unix_src = e->unix_addr;
		st_fd_set_name(f, e->path, SIZE_MAX);
		return;
	}
	f->l4proto = e->l4;
	size_t n = e->type == ST_FD_IPV6_SOCK || e->type == ST_FD_IPV6_SERVSOCK ? 16 : 4;
	if (e->type == ST_FD_IPV4_SERVSOCK || e->type == ST_FD_IPV6_SERVSOCK) {
		memcpy(f->dip, e->lip, n);
		f->dport = e->lport;
	} else {
		memcpy(f->sip, e->lip, n);
		memcpy(f->dip, e->rip, n);
		f->sport = e->lport;
		f->dport = e->rport;
		st_infer_local_ipv4(st, f);
		if (f->l4proto == ST_L4_TCP)
			f->flags |= ST_FDF_CONNECTED;
	}
	char buf[160];
	st_fd_tuple_str(f, buf, sizeof buf);
	st_fd_set_name(f, buf, SIZE_MAX);
}

static ssize_t read_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = 0;
	return (ssize_t)n;
}

static void scan_status(struct st_thread *t, const char *dir)
{
	char path[1024], buf[4096];
	snprintf(path, sizeof path, "%s/status", dir);
	if (read_file(path, buf, sizeof buf) < 0)
		return;
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		long long a, b;
		unsigned long long cap;
		if (sscanf(l, "PPid: %lld", &a) == 1)
			t->ptid = a;
		else if (sscanf(l, "Uid: %lld %lld", &a, &b) == 2)
			t->uid = (uint32_t)b;
		else if (sscanf(l, "Gid: %lld %lld", &a, &b) == 2)
			t->gid = (uint32_t)b;
		else if (sscanf(l, "CapPrm: %llx", &cap) == 1)
			t->cap_permitted = cap;
		else if (sscanf(l, "CapEff: %llx", &cap) == 1)
			t->cap_effective = cap;
		else if (sscanf(l, "CapInh: %llx", &cap) == 1)
			t->cap_inheritable = cap;
		else if (sscanf(l, "NSpid: %lld %lld", &a, &b) >= 1)
			t->vpid = sscanf(l, "NSpid: %lld %lld", &a, &b) == 2 ? b : a;
	}
}

static void scan_fds(struct st_state *st, struct st_thread *t, const char *dir,
                     const struct sock_tab *socks)
{
	char path[1200], link[4096];
	snprintf(path, sizeof path, "%s/fd", dir);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name)
			continue;
		char p2[1300];
		snprintf(p2, sizeof p2, "%s/%ld", path, fd);
		ssize_t n = readlink(p2, link, sizeof link - 1);
		if (n < 0)
			continue;
		link[n] = 0;
		struct st_fd *f = st_fd_add(st, t, fd);
		if (!f)
			continue;
		f->flags = ST_FDF_FROM_PROC;
		if (link[0] == '/') {
			f->type = ST_FD_FILE_V2;
			st_fd_set_name(f, link, (size_t)n);
		} else if (!strncmp(link, "pipe:", 5)) {
			f->type = ST_FD_FIFO;
		} else if (!strncmp(link, "socket:[", 8)) {
			const struct sock_ent *se = sock_find(socks, strtoull(link + 8, NULL, 10));
			if (se)
				sock_fill(st, f, se);
			else
				f->type = ST_FD_UNKNOWN; /* netlink, packet, other namespaces */
		} else if (!strcmp(link, "anon_inode:[eventfd]")) {
			f->type = ST_FD_EVENT;
		} else if (!strcmp(link, "anon_inode:[signalfd]")) {
			f->type = ST_FD_SIGNALFD;
		} else if (!strcmp(link, "anon_inode:[eventpoll]")) {
			f->type = ST_FD_EVENTPOLL;
		} else if (!strcmp(link, "anon_inode:inotify")) {
			f->type = ST_FD_INOTIFY;
		} else if (!strncmp(link, "anon_inode:[timerfd]", 20)) {
			f->type = ST_FD_TIMERFD;
		} else if (!strncmp(link, "anon_inode:bpf", 14)) {
			f->type = ST_FD_BPF;
		} else {
			f->type = ST_FD_UNSUPPORTED;
			st_fd_set_name(f, link, (size_t)n);
		}
	}
	closedir(d);
	t->lastevent_fd = -1;
}

/* session, process group and terminal from /proc/PID/stat */
static void scan_stat(struct st_thread *t, const char *dir)
{
	char path[1024], buf[4096];
	snprintf(path, sizeof path, "%s/stat", dir);
	if (read_file(path, buf, sizeof buf) <= 0)
		return;
	const char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	long long ppid, pgrp, sid;
	int tty;
	if (p && sscanf(p + 1, " %*c %lld %lld %lld %d", &ppid, &pgrp, &sid, &tty) == 4) {
		t->pgid = t->vpgid = pgrp;
		t->sid = sid;
		t->tty = (uint32_t)tty;
	}
	snprintf(path, sizeof path, "%s/loginuid", dir);
	if (read_file(path, buf, sizeof buf) > 0)
		t->loginuid = (uint32_t)strtoul(buf, NULL, 10);
}

static void scan_task(struct st_state *st, const char *procfs, long pid, long tid,
                      const struct sock_tab *socks)
{
	char dir[512], path[1024], buf[65536];
	snprintf(dir, sizeof dir, "%s/%ld/task/%ld", procfs, pid, tid);
	struct st_thread *t = st_add_thread(st, tid, pid, 0);
	if (!t)
		return;
	if (tid != pid) {
		struct st_thread *leader = st_find(st, pid);
		if (leader) {
			st_join_process(st, t, leader);
			t->ptid = leader->ptid;
		}
	}
	snprintf(path, sizeof path, "%s/comm", dir);
	ssize_t n = read_file(path, buf, sizeof buf);
	if (n > 0)
		st_thread_set_comm(t, buf, strcspn(buf, "\n"));
	scan_status(t, dir);
	scan_stat(t, dir);
	t->vtid = tid;
	if (tid != pid)
		return;
	struct st_proc *p = t->proc;
	snprintf(path, sizeof path, "%s/cmdline", dir);
	n = read_file(path, buf, sizeof buf);
	if (n > 0) {
		size_t a0 = strnlen(buf, (size_t)n);
		st_proc_set(&p->exe, buf, a0);
		if ((size_t)n > a0 + 1)
			st_proc_set_list(&p->args, &p->args_len, buf + a0 + 1, (size_t)n - a0 - 1);
	}
	snprintf(path, sizeof path, "%s/environ", dir);
	n = read_file(path, buf, sizeof buf);
	if (n > 0)
		st_proc_set_list(&p->env, &p->env_len, buf, (size_t)n);
	snprintf(path, sizeof path, "%s/cgroup", dir);
	n = read_file(path, buf, sizeof buf);
	if (n > 0) { /* "id:subsys:path" lines -> "subsys=path" items */
		char list[65536];
		size_t o = 0;
		for (char *l = strtok(buf, "\n"); l && o < sizeof list - 1; l = strtok(NULL, "\n")) {
			char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			if (!c2)
				continue;
			int w = snprintf(list + o, sizeof list - o, "%.*s=%s", (int)(c2 - c1 - 1), c1 + 1,
			                 c2 + 1);
			if (w < 0 || (size_t)w + 1 >= sizeof list - o)
				break;
			o += (size_t)w + 1;
		}
		st_proc_set_list(&p->cgroups, &p->cgroups_len, list, o);
		st_container_id(p->cgroups, p->cgroups_len, p->container_id);
	}
	snprintf(path, sizeof path, "%s/exe", dir);
	n = readlink(path, buf, sizeof buf - 1);
	if (n > 0)
		st_proc_set(&p->exepath, buf, (size_t)n);
	struct stat sb; /* the executable's inode facts, through the link */
	if (stat(path, &sb) == 0) {
		p->exe_ino = sb.st_ino;
		p->exe_ino_ctime = (uint64_t)sb.st_ctim.tv_sec * 1000000000ull + (uint64_t)sb.st_ctim.tv_nsec;
		p->exe_ino_mtime = (uint64_t)sb.st_mtim.tv_sec * 1000000000ull + (uint64_t)sb.st_mtim.tv_nsec;
	}
	snprintf(path, sizeof path, "%s/cwd", dir);
	n = readlink(path, buf, sizeof buf - 1);
	if (n > 0)
		st_proc_set_cwd(p, buf, (size_t)n);
	snprintf(path, sizeof path, "%s/root", dir);
	n = readlink(path, buf, sizeof buf - 1);
	if (n > 0)
		st_proc_set(&p->root, buf, (size_t)n);
	snprintf(path, sizeof path, "%s/%ld", procfs, pid);
	scan_fds(st, t, path, socks);
}

/* The machine's interface addresses (live), for local/remote decisions. */
static void load_ifaces(struct st_state *st)
{
	struct ifaddrs *ifs, *i;
	if (st->nif4 || st->nif6 || getifaddrs(&ifs) != 0)
		return;
	for (i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET && st->nif4 < 16) {
			st->if4_addr[st->nif4] = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
			st->if4_mask[st->nif4++] =
			        i->ifa_netmask ? ((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr : 0;
		} else if (i->ifa_addr->sa_family == AF_INET6 && st->nif6 < 16) {
			memcpy(st->if6_addr[st->nif6++], &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		}
	}
	freeifaddrs(ifs);
}

int st_scan_proc(struct st_state *st, const char *procfs)
{
	DIR *d = opendir(procfs);
	if (!d)
		return -errno;
	load_ifaces(st);
	if (!st->boot_ts) { /* boot time as an epoch, for namespace start times */
		struct timespec rt, bt;
		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_BOOTTIME, &bt);
		st->boot_ts = ((uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec) -
		              ((uint64_t)bt.tv_sec * 1000000000ull + (uint64_t)bt.tv_nsec);
	}
	struct sock_tab socks = {0};
	char np[1024];
	static const struct { const char *f; bool v6; uint8_t l4; } inet[] = {
		{"tcp", false, ST_L4_TCP}, {"udp", false, ST_L4_UDP},
		{"tcp6", true, ST_L4_TCP}, {"udp6", true, ST_L4_UDP},
	};
	for (size_t i = 0; i < sizeof inet / sizeof inet[0]; i++) {
		snprintf(np, sizeof np, "%s/net/%s", procfs, inet[i].f);
		load_inet(&socks, np, inet[i].v6, inet[i].l4);
	}
	snprintf(np, sizeof np, "%s/net/unix", procfs);
	load_unix(&socks, np);
	if (socks.n)
		qsort(socks.e, socks.n, sizeof *socks.e, cmp_ino);
	int added = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name)
			continue;
		char tdir[512];
		snprintf(tdir, sizeof tdir, "%s/%ld/task", procfs, pid);
		DIR *td = opendir(tdir);
		if (!td)
			continue;
		scan_task(st, procfs, pid, pid, &socks);
		added++;
		struct dirent *te;
		while ((te = readdir(td))) {
			long tid = strtol(te->d_name, &end, 10);
			if (*end || end == te->d_name || tid == pid)
				continue;
			scan_task(st, procfs, pid, tid, &socks);
			added++;
		}
		closedir(td);
	}
	closedir(d);
	free(socks.e);
	st_link_all(st);
	return added;
}
