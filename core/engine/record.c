/* Recording a live run: a state snapshot, then the events. */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "engine/engine.h"
#include "engine/record.h"
#include "state/state.h"

/* Limits of upstream's readers (the writer refuses longer strings, so the
 * snapshot cuts them: a path shortened is better than a lost process). */
#define REC_PATH_MAX 1023u
#define REC_LIST_MAX 4096u
#define REC_NAME_MAX 255u
/* Bytes a block adds around an event (type, lengths, cpu, flags, pad). */
#define REC_BLOCK_OVERHEAD 24u

struct rec {
	struct cap_writer *w;
	char *path;
	uint64_t max_bytes, bytes, events;
	char err[REC_ERR_LEN];
};

/* ---- snapshot ------------------------------------------------------------ */

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void machine_info(struct cap_machine_info *mi)
{
	memset(mi, 0, sizeof(*mi));
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	mi->num_cpus = n > 0 ? (uint32_t)n : 1;
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	if (pages > 0 && psz > 0)
		mi->memory_size_bytes = (uint64_t)pages * (uint64_t)psz;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	unsigned long long pm = 0;
	if (f) {
		if (fscanf(f, "%llu", &pm) == 1)
			mi->max_pid = pm;
		fclose(f);
	}
	gethostname(mi->hostname, sizeof(mi->hostname) - 1);
	mi->boot_ts_epoch = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_BOOTTIME);
}

static int write_ifaces(struct cap_writer *w)
{
	struct ifaddrs *ifa = NULL;
	if (getifaddrs(&ifa) < 0)
		return 0; /* no interfaces known: the list is optional */
	size_t n = 0, cap = 0;
	struct cap_iface *v = NULL;
	int rc = 0;
	for (struct ifaddrs *i = ifa; i && !rc; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct cap_iface *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
		}
		struct cap_iface *c = &v[n++];
		memset(c, 0, sizeof(*c));
		c->name = i->ifa_name;
		if (i->ifa_addr->sa_family == AF_INET) {
			c->type = CAP_IF_IPV4;
			c->u.v4.addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
			if (i->ifa_netmask)
				c->u.v4.netmask = ((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr;
			if (i->ifa_broadaddr && (i->ifa_flags & 0x2 /* IFF_BROADCAST */))
				c->u.v4.bcast = ((struct sockaddr_in *)i->ifa_broadaddr)->sin_addr.s_addr;
		} else {
			c->type = CAP_IF_IPV6;
			memcpy(c->u.v6.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
			if (i->ifa_netmask)
				memcpy(c->u.v6.netmask, &((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr, 16);
		}
	}
	if (!rc && n)
		rc = cap_write_ifaces(w, v, n);
	free(v);
	freeifaddrs(ifa);
	return rc;
}

static bool short_enough(const char *s)
{
	return s && strlen(s) <= REC_NAME_MAX;
}

/* The system's users and groups, as the live state loaded them. */
static int write_users(struct cap_writer *w)
{
	size_t nu = 0, ng = 0, cu = 64, cg = 64;
	struct cap_user *u = malloc(cu * sizeof(*u));
	struct cap_group *g = malloc(cg * sizeof(*g));
	int rc = u && g ? 0 : -ENOMEM;
	setpwent();
	for (struct passwd *p; !rc && (p = getpwent());) {
		if (!short_enough(p->pw_name) || !short_enough(p->pw_dir) || !short_enough(p->pw_shell))
			continue;
		if (nu == cu) {
			struct cap_user *n = realloc(u, (cu *= 2) * sizeof(*u));
			if (!n) {
				rc = -ENOMEM;
				break;
			}
			u = n;
		}
		u[nu++] = (struct cap_user){p->pw_uid, p->pw_gid, strdup(p->pw_name), strdup(p->pw_dir),
		                            strdup(p->pw_shell)};
	}
	endpwent();
	setgrent();
	for (struct group *gr; !rc && (gr = getgrent());) {
		if (!short_enough(gr->gr_name))
			continue;
		if (ng == cg) {
			struct cap_group *n = realloc(g, (cg *= 2) * sizeof(*g));
			if (!n) {
				rc = -ENOMEM;
				break;
			}
			g = n;
		}
		g[ng++] = (struct cap_group){gr->gr_gid, strdup(gr->gr_name)};
	}
	endgrent();
	for (size_t i = 0; i < nu && !rc; i++)
		if (!u[i].name || !u[i].home || !u[i].shell)
			rc = -ENOMEM;
	for (size_t i = 0; i < ng && !rc; i++)
		if (!g[i].name)
			rc = -ENOMEM;
	if (!rc && (nu || ng))
		rc = cap_write_users(w, u, nu, g, ng);
	for (size_t i = 0; i < nu; i++) {
		free((char *)u[i].name);
		free((char *)u[i].home);
		free((char *)u[i].shell);
	}
	for (size_t i = 0; i < ng; i++)
		free((char *)g[i].name);
	free(u);
	free(g);
	return rc;
}

/* A NUL-separated list cut at the last item end within the limit. */
static uint32_t list_len(const char *s, uint32_t len)
{
	if (len <= REC_LIST_MAX)
		return len;
	uint32_t l = REC_LIST_MAX;
	while (l > 0 && s[l - 1] != '\0')
		l--;
	return l;
}

/* Paths cut to what upstream reads: copied into `buf` when too long. */
static const char *path_fit(const char *s, char *buf)
{
	if (!s)
		return "";
	size_t n = strlen(s);
	if (n <= REC_PATH_MAX)
		return s;
	memcpy(buf, s, REC_PATH_MAX);
	buf[REC_PATH_MAX] = '\0';
	return buf;
}

struct snap {
	struct st_state *st;
	struct cap_writer *w;
	struct st_thread **threads;
	size_t n, cap;
	struct cap_fd *fds;
	size_t nfds, capfds;
	uint64_t tid;
	int rc;
};

static bool collect_thread(void *ctx, struct st_thread *t)
{
	struct snap *s = ctx;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 1024;
		struct st_thread **n = realloc(s->threads, nc * sizeof(*n));
		if (!n) {
			s->rc = -ENOMEM;
			return false;
		}
		s->threads = n;
		s->cap = nc;
	}
	s->threads[s->n++] = t;
	return true;
}

/* One thread's process-list entry: every field the state keeps (the
 * memory and page fault counters are not kept: 0). Strings borrowed from
 * the state, or from `bufs` when cut. */
static void proc_entry(const struct st_thread *t, struct cap_proc *c, char bufs[4][REC_PATH_MAX + 1])
{
	const struct st_proc *p = t->proc;
	memset(c, 0, sizeof(*c));
	c->tid = (uint64_t)t->tid;
	c->pid = (uint64_t)t->pid;
	c->ptid = (uint64_t)t->ptid;
	c->sid = t->sid;
	c->vpgid = t->vpgid;
	c->pgid = t->pgid;
	c->comm = t->comm;
	c->exe = path_fit(p->exe, bufs[0]);
	c->exepath = path_fit(p->exepath, bufs[1]);
	c->cwd = path_fit(p->cwd, bufs[2]);
	c->root = path_fit(p->root, bufs[3]);
	c->args = p->args;
	c->args_len = list_len(p->args, p->args_len);
	c->env = p->env;
	c->env_len = list_len(p->env, p->env_len);
	c->cgroups = p->cgroups;
	c->cgroups_len = list_len(p->cgroups, p->cgroups_len);
	c->fdlimit = p->fdlimit;
	c->flags = t->flags;
	c->uid = t->uid;
	c->gid = t->gid;
	c->vtid = t->vtid;
	c->vpid = t->vpid;
	c->pidns_init_start_ts = p->pidns_init_start_ts;
	c->tty = t->tty;
	c->loginuid = t->loginuid;
	c->exe_writable = p->exe_writable;
	c->exe_upper_layer = p->exe_upper_layer;
	c->exe_lower_layer = p->exe_lower_layer;
	c->exe_from_memfd = p->exe_from_memfd;
	c->cap_inheritable = t->cap_inheritable;
	c->cap_permitted = t->cap_permitted;
	c->cap_effective = t->cap_effective;
	c->exe_ino = p->exe_ino;
	c->exe_ino_ctime = p->exe_ino_ctime;
	c->exe_ino_mtime = p->exe_ino_mtime;
}

/* st_fd -> cap_fd, the inverse of core/state's capture import. */
static bool collect_fd(void *ctx, struct st_fd *f)
{
	struct snap *s = ctx;
	if (s->nfds == s->capfds) {
		size_t nc = s->capfds ? s->capfds * 2 : 64;
		struct cap_fd *n = realloc(s->fds, nc * sizeof(*n));
		if (!n) {
			s->rc = -ENOMEM;
			return false;
		}
		s->fds = n;
		s->capfds = nc;
	}
	struct cap_fd *c = &s->fds[s->nfds++];
	memset(c, 0, sizeof(*c));
	c->tid = s->tid;
	c->fd = f->fd;
	c->ino = f->ino;
	c->type = f->type;
	c->name = "";
	switch (f->type) {
	case ST_FD_IPV4_SOCK:
		memcpy(&c->u.ipv4.sip, f->sip, 4);
		memcpy(&c->u.ipv4.dip, f->dip, 4);
		c->u.ipv4.sport = f->sport;
		c->u.ipv4.dport = f->dport;
		c->u.ipv4.l4proto = f->l4proto;
		return true;
	case ST_FD_IPV6_SOCK:
		memcpy(c->u.ipv6.sip, f->sip, 16);
		memcpy(c->u.ipv6.dip, f->dip, 16);
		c->u.ipv6.sport = f->sport;
		c->u.ipv6.dport = f->dport;
		c->u.ipv6.l4proto = f->l4proto;
		return true;
	case ST_FD_IPV4_SERVSOCK:
		memcpy(&c->u.ipv4_server.ip, f->dip, 4);
		c->u.ipv4_server.port = f->dport;
		c->u.ipv4_server.l4proto = f->l4proto;
		return true;
	case ST_FD_IPV6_SERVSOCK:
		memcpy(c->u.ipv6_server.ip, f->dip, 16);
		c->u.ipv6_server.port = f->dport;
		c->u.ipv6_server.l4proto = f->l4proto;
		return true;
	case ST_FD_UNIX_SOCK:
		c->u.unix_sock.source = f->unix_src;
		c->u.unix_sock.destination = f->unix_dst;
		break;
	case ST_FD_MEMFD:
	case ST_FD_FILE_V2:
		c->type = CAP_FD_FILE_V2;
		c->u.file.open_flags = f->open_flags;
		c->u.file.dev = f->dev;
		break;
	default:
		/* Readers before libs 0.10 (Debian's sysdig 0.29) refuse the whole
		 * file at fd types above FILE_V2: bpf, userfaultfd, io_uring and
		 * pidfd fds are written as "unsupported" with their name, as those
		 * readers' own /proc scan classed them; memfds as files (above). */
		if (f->type > ST_FD_FILE_V2)
			c->type = CAP_FD_UNSUPPORTED;
		break;
	}
	/* fd names longer than upstream reads are dropped to "" (rare: paths
	 * of 1 KiB and more); the fd itself is kept. */
	c->name = f->name && strlen(f->name) <= REC_PATH_MAX ? f->name : "";
	return true;
}

/* The process list, then one fd list per process (written for the thread
 * that owns the fd table: its main thread, else the first one met). */
static int write_threads(struct snap *s)
{
	st_foreach_thread(s->st, collect_thread, s);
	if (s->rc)
		return s->rc;
	struct cap_proc *procs = calloc(s->n ? s->n : 1, sizeof(*procs));
	static char bufs[4][REC_PATH_MAX + 1];
	if (!procs)
		return -ENOMEM;
	int rc = 0;
	/* one PL block per thread keeps the cut-path buffers simple */
	for (size_t i = 0; i < s->n && !rc; i++) {
		proc_entry(s->threads[i], &procs[0], bufs);
		rc = cap_write_procs(s->w, procs, 1);
	}
	free(procs);
	for (size_t i = 0; i < s->n && !rc; i++) {
		struct st_thread *t = s->threads[i];
		struct st_thread *owner = st_main_thread(s->st, t);
		if (owner ? owner != t : t->proc->threads != t)
			continue;
		s->nfds = 0;
		s->tid = (uint64_t)t->tid;
		st_fd_foreach(s->st, t, collect_fd, s);
		if (s->rc)
			return s->rc;
		if (s->nfds)
			rc = cap_write_fds(s->w, s->tid, s->fds, s->nfds);
	}
	return rc;
}

static int write_snapshot(struct cap_writer *w, struct st_state *st)
{
	struct cap_machine_info mi;
	machine_info(&mi);
	int rc = cap_write_machine_info(w, &mi);
	if (!rc)
		rc = write_ifaces(w);
	if (!rc)
		rc = write_users(w);
	if (!rc && st) {
		struct snap s = {.st = st, .w = w};
		rc = write_threads(&s);
		free(s.threads);
		free(s.fds);
	}
	return rc;
}

/* ---- the recording ------------------------------------------------------ */

struct rec *rec_open(const char *path, struct st_state *st, uint64_t max_bytes, char *err)
{
	struct rec *r = calloc(1, sizeof(*r));
	char cerr[CAP_ERR_LEN] = "";
	if (!r || !(r->path = strdup(path))) {
		snprintf(err, REC_ERR_LEN, "%s: out of memory", path);
		free(r);
		return NULL;
	}
	r->max_bytes = max_bytes;
	struct cap_writer_opts o = {.sz = sizeof(o)};
	r->w = cap_writer_open(path, &o, cerr);
	if (!r->w) {
		snprintf(err, REC_ERR_LEN, "cannot create the capture file %s: %s", path, cerr);
		rec_close(r, NULL);
		return NULL;
	}
	int rc = write_snapshot(r->w, st);
	if (rc < 0) {
		snprintf(err, REC_ERR_LEN, "%s: writing the initial state: %s", path,
		         cap_writer_error(r->w)[0] ? cap_writer_error(r->w) : strerror(-rc));
		rec_close(r, NULL);
		return NULL;
	}
	return r;
}

int rec_event(struct rec *r, const struct ev_hdr *hdr, uint16_t cpu, uint32_t flags)
{
	uint64_t add = hdr->len + REC_BLOCK_OVERHEAD;
	if (r->max_bytes && r->bytes + add > r->max_bytes)
		return 1;
	int rc = cap_write_event(r->w, hdr, cpu, (flags & ENG_RF_STATE_ONLY) ? CAP_EF_STATE_ONLY : 0);
	if (rc < 0) {
		snprintf(r->err, sizeof(r->err), "%s: %s", r->path, cap_writer_error(r->w));
		return rc;
	}
	r->bytes += add;
	r->events++;
	return 0;
}

uint64_t rec_events(const struct rec *r)
{
	return r->events;
}

const char *rec_path(const struct rec *r)
{
	return r->path;
}

const char *rec_error(const struct rec *r)
{
	return r->err;
}

int rec_close(struct rec *r, char *err)
{
	if (!r)
		return 0;
	int rc = 0;
	if (r->w) {
		char cerr[CAP_ERR_LEN] = "";
		rc = cap_writer_close(r->w, cerr);
		if (rc < 0 && err)
			snprintf(err, REC_ERR_LEN, "%s: %s", r->path, cerr);
	}
	free(r->path);
	free(r);
	return rc;
}

/* ---- alert-triggered captures --------------------------------------------- */

struct rec_trigger {
	struct rec_trigger_opts o;
	struct rec *cur;   /* the running capture, NULL when idle */
	uint64_t end_ts;   /* ns: events after this end it */
};

struct rec_trigger *rec_trigger_new(const struct rec_trigger_opts *opts)
{
	struct rec_trigger *t = calloc(1, sizeof(*t));
	if (t)
		t->o = *opts;
	return t;
}

static void trigger_stop(struct rec_trigger *t)
{
	char err[REC_ERR_LEN] = "";
	fprintf(stderr, "Capture %s closed: %llu events\n", rec_path(t->cur),
	        (unsigned long long)rec_events(t->cur));
	if (rec_close(t->cur, err) < 0)
		fprintf(stderr, "falco: capture: %s\n", err);
	t->cur = NULL;
}

int rec_trigger_fire(struct rec_trigger *t, struct st_state *st, const struct ev_hdr *hdr, uint16_t cpu,
                     uint64_t duration_ms, bool *opened)
{
	*opened = false;
	if (t->cur)
		return 0;
	char path[4096], err[REC_ERR_LEN];
	snprintf(path, sizeof(path), "%s_%llu.scap", t->o.path_prefix ? t->o.path_prefix : "/tmp/falco",
	         (unsigned long long)hdr->ts);
	t->cur = rec_open(path, st, t->o.max_file_size_mb * 1024 * 1024, err);
	if (!t->cur) {
		fprintf(stderr, "falco: capture: %s\n", err);
		return -EIO;
	}
	uint64_t ms = duration_ms ? duration_ms : t->o.default_duration_ms;
	t->end_ts = hdr->ts + ms * 1000000ull;
	*opened = true;
	fprintf(stderr, "Capture %s started (%llu ms)\n", path, (unsigned long long)ms);
	if (t->o.on_open)
		t->o.on_open(t->o.on_open_ud, t->cur);
	rec_trigger_event(t, hdr, cpu, 0);
	return 0;
}

void rec_trigger_event(struct rec_trigger *t, const struct ev_hdr *hdr, uint16_t cpu, uint32_t flags)
{
	if (!t || !t->cur)
		return;
	if (hdr->ts > t->end_ts) {
		trigger_stop(t);
		return;
	}
	int rc = rec_event(t->cur, hdr, cpu, flags);
	if (rc < 0)
		fprintf(stderr, "falco: capture: %s\n", rec_error(t->cur));
	if (rc != 0)
		trigger_stop(t);
}

struct rec *rec_trigger_current(struct rec_trigger *t)
{
	return t ? t->cur : NULL;
}

void rec_trigger_free(struct rec_trigger *t)
{
	if (!t)
		return;
	if (t->cur)
		trigger_stop(t);
	free(t);
}
