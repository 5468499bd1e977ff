/* Parsers for the metadata blocks of a capture (machine info, process
 * lists V1..V9, fd lists, interface lists, user lists), every version
 * upstream has written, into the normalised structs of capture.h.
 * Each parser works on a block body already in memory and checks every
 * length against it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture/capture_int.h"

/* Formats "offset N: <block name>: <message>" into e. Returns -EINVAL. */
__attribute__((format(printf, 4, 5)))
static int perr(struct cap_perr *e, uint64_t at, uint32_t btype, const char *fmt, ...)
{
	char m[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	const char *bn = cap_block_name(btype);
	e->at = at;
	snprintf(e->msg, sizeof(e->msg), "offset %" PRIu64 ": block 0x%x (%s): %s", at, btype,
	         bn ? bn : "unknown", m);
	return -EINVAL;
}

static int oom(struct cap_perr *e, uint64_t at)
{
	e->at = at;
	snprintf(e->msg, sizeof(e->msg), "offset %" PRIu64 ": out of memory", at);
	return -ENOMEM;
}

/* Ensures room for one more element in a growable array. */
static bool grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *na = realloc(*arr, ncap * elem);
	if (na == NULL)
		return false;
	*arr = na;
	*cap = ncap;
	return true;
}

/* Reads a u16-length string. `nul_end`: append a NUL when the stored bytes
 * do not end with one, and count it (upstream does this for args and env). */
static bool cur_str(struct cap_cur *c, struct cap_arena *a, const char **out, uint32_t *outlen,
                    bool nul_end, bool *oom_hit)
{
	uint16_t n;
	if (!cur_take(c, &n, 2) || cur_left(c) < n)
		return false;
	const uint8_t *s = c->p + c->off;
	c->off += n;
	char *d = cap_arena_strndup(a, s, n);
	if (d == NULL) {
		*oom_hit = true;
		return false;
	}
	uint32_t len = n;
	if (nul_end && n > 0 && s[n - 1] != '\0')
		len++; /* the arena already put the NUL there */
	*out = d;
	if (outlen)
		*outlen = len;
	return true;
}

/* ---- machine info ---- */

int cap_parse_mi(struct cap_meta_store *m, const uint8_t *body, size_t len, uint64_t body_off,
                 struct cap_perr *e)
{
	struct cap_machine_info *mi = &m->pub.machine;
	if (len < CAP_MI_LEN)
		return perr(e, body_off, CAP_BLOCK_MI, "body is %zu bytes, machine info needs %u", len,
		            CAP_MI_LEN);
	memset(mi, 0, sizeof(*mi));
	memcpy(&mi->num_cpus, body, 4);
	memcpy(&mi->memory_size_bytes, body + 4, 8);
	memcpy(&mi->max_pid, body + 12, 8);
	memcpy(mi->hostname, body + 20, 128);
	mi->hostname[128] = '\0';
	memcpy(&mi->boot_ts_epoch, body + 148, 8);
	memcpy(&mi->flags, body + 156, 8);
	memcpy(&mi->reserved3, body + 164, 8);
	memcpy(&mi->reserved4, body + 172, 8);
	m->pub.has_machine = true;
	return 0;
}

/* ---- process list ---- */

int cap_pl_version(uint32_t t)
{
	switch (t) {
	case CAP_BLOCK_PL_V1: case CAP_BLOCK_PL_V1_INT: return 1;
	case CAP_BLOCK_PL_V2: case CAP_BLOCK_PL_V2_INT: return 2;
	case CAP_BLOCK_PL_V3: case CAP_BLOCK_PL_V3_INT: return 3;
	case CAP_BLOCK_PL_V4: return 4;
	case CAP_BLOCK_PL_V5: return 5;
	case CAP_BLOCK_PL_V6: return 6;
	case CAP_BLOCK_PL_V7: return 7;
	case CAP_BLOCK_PL_V8: return 8;
	case CAP_BLOCK_PL_V9: return 9;
	default: return 0;
	}
}

static void proc_defaults(struct cap_proc *p, int ver)
{
	memset(p, 0, sizeof(*p));
	p->sid = p->vpgid = p->pgid = p->vtid = p->vpid = -1;
	p->loginuid = UINT32_MAX;
	p->comm = p->exe = p->exepath = p->args = p->cwd = p->env = p->cgroups = p->root = "";
	p->version = (uint8_t)ver;
}

/* The fields every version has, in file order, up to `root`. */
static bool proc_fixed(struct cap_cur *c, struct cap_arena *a, int ver, struct cap_proc *p,
                       bool *oomh)
{
	bool ok = cur_take(c, &p->tid, 8) && cur_take(c, &p->pid, 8) && cur_take(c, &p->ptid, 8);
	if (ok && ver >= 6)
		ok = cur_take(c, &p->sid, 8);
	if (ok && ver >= 8)
		ok = cur_take(c, &p->vpgid, 8);
	ok = ok && cur_str(c, a, &p->comm, NULL, false, oomh) && cur_str(c, a, &p->exe, NULL, false, oomh);
	if (ok && ver >= 7)
		ok = cur_str(c, a, &p->exepath, NULL, false, oomh);
	ok = ok && cur_str(c, a, &p->args, &p->args_len, true, oomh) &&
	     cur_str(c, a, &p->cwd, NULL, false, oomh) && cur_take(c, &p->fdlimit, 8) &&
	     cur_take(c, &p->flags, 4) && cur_take(c, &p->uid, 4) && cur_take(c, &p->gid, 4);
	if (ok && ver >= 2)
		ok = cur_take(c, &p->vmsize_kb, 4) && cur_take(c, &p->vmrss_kb, 4) &&
		     cur_take(c, &p->vmswap_kb, 4) && cur_take(c, &p->pfmajor, 8) &&
		     cur_take(c, &p->pfminor, 8);
	if (ok && ver >= 3)
		ok = cur_str(c, a, &p->env, &p->env_len, true, oomh);
	if (ok && ver >= 4)
		ok = cur_take(c, &p->vtid, 8) && cur_take(c, &p->vpid, 8) &&
		     cur_str(c, a, &p->cgroups, &p->cgroups_len, false, oomh);
	if (ok && ver >= 5)
		ok = cur_str(c, a, &p->root, NULL, false, oomh);
	return ok;
}

/* V9 fields appended over time; each is read only when the entry still has
 * room for it. Captures from libs < 0.10 lack pidns_init_start_ts and tty,
 * which later producers wrote before loginuid: upstream recognises them by
 * at most 29 bytes (loginuid, exe_writable, three capability sets) left. */
static void proc_tail(struct cap_cur *c, struct cap_proc *p)
{
	uint8_t b;
	if (cur_left(c) > 29) {
		cur_take(c, &p->pidns_init_start_ts, 8);
		cur_take(c, &p->tty, 4);
	}
	cur_take(c, &p->loginuid, 4);
	if (cur_take(c, &b, 1))
		p->exe_writable = b != 0;
	cur_take(c, &p->cap_inheritable, 8);
	cur_take(c, &p->cap_permitted, 8);
	cur_take(c, &p->cap_effective, 8);
	if (cur_take(c, &b, 1))
		p->exe_upper_layer = b != 0;
	cur_take(c, &p->exe_ino, 8);
	cur_take(c, &p->exe_ino_ctime, 8);
	cur_take(c, &p->exe_ino_mtime, 8);
	if (cur_take(c, &b, 1))
		p->exe_from_memfd = b != 0;
	if (cur_take(c, &b, 1))
		p->exe_lower_layer = b != 0;
	cur_take(c, &p->pgid, 8);
}

int cap_parse_pl(struct cap_meta_store *m, uint32_t bt, const uint8_t *body, size_t len,
                 uint64_t body_off, struct cap_perr *e)
{
	int ver = cap_pl_version(bt);
	struct cap_cur c = {body, len, 0};
	for (size_t idx = 0; cur_left(&c) >= 4; idx++) {
		uint64_t at = body_off + c.off;
		struct cap_cur ec = c; /* the entry; V9 bounds it by its length */
		if (ver == 9) {
			uint32_t sub;
			cur_take(&ec, &sub, 4);
			if (sub < 4 || sub > cur_left(&c))
				return perr(e, at, bt, "process entry %zu: length %u outside the %zu bytes left",
				            idx, sub, cur_left(&c));
			ec.len = c.off + sub;
		}
		if (!grow((void **)&m->procs, &m->procs_cap, m->pub.nprocs, sizeof(*m->procs)))
			return oom(e, at);
		struct cap_proc *p = &m->procs[m->pub.nprocs];
		bool oomh = false;
		proc_defaults(p, ver);
		if (!proc_fixed(&ec, &m->arena, ver, p, &oomh))
			return oomh ? oom(e, at)
			            : perr(e, at, bt, "process entry %zu truncated at byte %zu", idx, ec.off - c.off);
		if (ver == 9)
			proc_tail(&ec, p);
		c.off = ver == 9 ? ec.len : ec.off;
		m->pub.nprocs++;
	}
	return 0;
}

/* ---- fd list ---- */

static bool fd_body(struct cap_cur *c, struct cap_arena *a, struct cap_fd *f, bool v2, bool *oomh)
{
	switch (f->type) {
	case CAP_FD_IPV4_SOCK:
		return cur_take(c, &f->u.ipv4.sip, 4) && cur_take(c, &f->u.ipv4.dip, 4) &&
		       cur_take(c, &f->u.ipv4.sport, 2) && cur_take(c, &f->u.ipv4.dport, 2) &&
		       cur_take(c, &f->u.ipv4.l4proto, 1);
	case CAP_FD_IPV4_SERVSOCK:
		return cur_take(c, &f->u.ipv4_server.ip, 4) && cur_take(c, &f->u.ipv4_server.port, 2) &&
		       cur_take(c, &f->u.ipv4_server.l4proto, 1);
	case CAP_FD_IPV6_SOCK:
		return cur_take(c, f->u.ipv6.sip, 16) && cur_take(c, f->u.ipv6.dip, 16) &&
		       cur_take(c, &f->u.ipv6.sport, 2) && cur_take(c, &f->u.ipv6.dport, 2) &&
		       cur_take(c, &f->u.ipv6.l4proto, 1);
	case CAP_FD_IPV6_SERVSOCK:
		return cur_take(c, f->u.ipv6_server.ip, 16) && cur_take(c, &f->u.ipv6_server.port, 2) &&
		       cur_take(c, &f->u.ipv6_server.l4proto, 1);
	case CAP_FD_UNIX_SOCK:
		return cur_take(c, &f->u.unix_sock.source, 8) &&
		       cur_take(c, &f->u.unix_sock.destination, 8) &&
		       cur_str(c, a, &f->name, NULL, false, oomh);
	case CAP_FD_FILE_V2:
		if (!cur_take(c, &f->u.file.open_flags, 4) || !cur_str(c, a, &f->name, NULL, false, oomh))
			return false;
		if (v2)
			cur_take(c, &f->u.file.dev, 4); /* absent in entries from older producers */
		return true;
	case CAP_FD_UNKNOWN:
		return true; /* nothing follows (upstream never writes these) */
	default:
		return cur_str(c, a, &f->name, NULL, false, oomh);
	}
}

static bool fd_type_known(uint8_t t) { return t <= CAP_FD_PIDFD; }

int cap_parse_fdl(struct cap_meta_store *m, uint32_t bt, const uint8_t *body, size_t len,
                  uint64_t body_off, struct cap_perr *e)
{
	bool v2 = bt == CAP_BLOCK_FDL_V2;
	struct cap_cur c = {body, len, 0};
	uint64_t tid;
	if (!cur_take(&c, &tid, 8))
		return perr(e, body_off, bt, "body of %zu bytes has no tid", len);
	for (size_t idx = 0; cur_left(&c) >= 4; idx++) {
		uint64_t at = body_off + c.off;
		struct cap_cur ec = c;
		if (v2) {
			uint32_t sub;
			cur_take(&ec, &sub, 4);
			if (sub < 4 || sub > cur_left(&c))
				return perr(e, at, bt, "fd entry %zu: length %u outside the %zu bytes left", idx,
				            sub, cur_left(&c));
			ec.len = c.off + sub;
		}
		if (!grow((void **)&m->fds, &m->fds_cap, m->pub.nfds, sizeof(*m->fds)))
			return oom(e, at);
		struct cap_fd *f = &m->fds[m->pub.nfds];
		memset(f, 0, sizeof(*f));
		f->tid = tid;
		f->name = "";
		bool oomh = false;
		if (!cur_take(&ec, &f->fd, 8) || !cur_take(&ec, &f->ino, 8) || !cur_take(&ec, &f->type, 1))
			return perr(e, at, bt, "fd entry %zu truncated", idx);
		if (!fd_type_known(f->type)) {
			/* A newer producer's type: only a V2 entry says how long it is. */
			if (!v2)
				return perr(e, at, bt, "fd entry %zu: unknown fd type %u", idx, f->type);
			char nm[32];
			snprintf(nm, sizeof(nm), "unknown-type:[%u]", f->type);
			f->type = CAP_FD_UNSUPPORTED;
			if ((f->name = cap_arena_strndup(&m->arena, nm, strlen(nm))) == NULL)
				return oom(e, at);
		} else if (!fd_body(&ec, &m->arena, f, v2, &oomh)) {
			return oomh ? oom(e, at) : perr(e, at, bt, "fd entry %zu (type %u) truncated", idx, f->type);
		}
		c.off = v2 ? ec.len : ec.off;
		m->pub.nfds++;
	}
	return 0;
}

/* ---- interface list ---- */

/* Fixed part of each interface entry type (before the name), and the
 * normalised family. */
static bool if_layout(uint16_t type, size_t *fixed, uint16_t *family, bool *speed)
{
	switch (type) {
	case 1: *fixed = 24; *family = CAP_IF_IPV4; *speed = true; return true;
	case 2: *fixed = 60; *family = CAP_IF_IPV6; *speed = true; return true;
	case 3: *fixed = 16; *family = CAP_IF_IPV4; *speed = false; return true;
	case 4: *fixed = 52; *family = CAP_IF_IPV6; *speed = false; return true;
	default: return false;
	}
}

static bool if_entry(struct cap_cur *c, struct cap_arena *a, struct cap_iface *f, uint16_t type,
                     bool *oomh)
{
	size_t fixed;
	bool speed;
	uint16_t namelen;
	if (!if_layout(type, &fixed, &f->type, &speed))
		return false;
	if (!cur_take(c, &type, 2) || !cur_take(c, &namelen, 2))
		return false;
	bool ok;
	if (f->type == CAP_IF_IPV4)
		ok = cur_take(c, &f->u.v4.addr, 4) && cur_take(c, &f->u.v4.netmask, 4) &&
		     cur_take(c, &f->u.v4.bcast, 4);
	else
		ok = cur_take(c, f->u.v6.addr, 16) && cur_take(c, f->u.v6.netmask, 16) &&
		     cur_take(c, f->u.v6.bcast, 16);
	if (ok && speed)
		ok = cur_take(c, &f->linkspeed, 8);
	if (!ok || cur_left(c) < namelen)
		return false;
	f->name = cap_arena_strndup(a, c->p + c->off, namelen);
	c->off += namelen;
	if (f->name == NULL)
		*oomh = true;
	return f->name != NULL;
}

int cap_parse_il(struct cap_meta_store *m, uint32_t bt, const uint8_t *body, size_t len,
                 uint64_t body_off, struct cap_perr *e)
{
	bool v2 = bt == CAP_BLOCK_IL_V2;
	struct cap_cur c = {body, len, 0};
	m->pub.nifaces = 0; /* a later list replaces an earlier one */
	for (size_t idx = 0; cur_left(&c) >= 4; idx++) {
		uint64_t at = body_off + c.off;
		struct cap_cur ec = c;
		if (v2) {
			uint32_t sub; /* V2: the length does not count itself */
			cur_take(&ec, &sub, 4);
			if (sub > cur_left(&ec))
				return perr(e, at, bt, "interface entry %zu: length %u beyond the %zu bytes left",
				            idx, sub, cur_left(&ec));
			ec.len = ec.off + sub;
		}
		uint16_t type;
		if (cur_left(&ec) < 2)
			return perr(e, at, bt, "interface entry %zu truncated", idx);
		memcpy(&type, ec.p + ec.off, 2);
		if (!grow((void **)&m->ifaces, &m->ifaces_cap, m->pub.nifaces, sizeof(*m->ifaces)))
			return oom(e, at);
		struct cap_iface *f = &m->ifaces[m->pub.nifaces];
		memset(f, 0, sizeof(*f));
		bool oomh = false;
		if (!if_entry(&ec, &m->arena, f, type, &oomh)) {
			if (oomh)
				return oom(e, at);
			return perr(e, at, bt, "interface entry %zu (type %u) truncated or of unknown type", idx,
			            type);
		}
		c.off = v2 ? ec.len : ec.off;
		m->pub.nifaces++;
	}
	return 0;
}

/* ---- user list ---- */

int cap_parse_ul(struct cap_meta_store *m, uint32_t bt, const uint8_t *body, size_t len,
                 uint64_t body_off, struct cap_perr *e)
{
	bool v2 = bt == CAP_BLOCK_UL_V2;
	struct cap_cur c = {body, len, 0};
	m->pub.nusers = m->pub.ngroups = 0; /* a later list replaces an earlier one */
	for (size_t idx = 0; cur_left(&c) >= 4; idx++) {
		uint64_t at = body_off + c.off;
		struct cap_cur ec = c;
		if (v2) {
			uint32_t sub; /* V2: the length counts itself */
			cur_take(&ec, &sub, 4);
			if (sub < 5 || sub > cur_left(&c))
				return perr(e, at, bt, "user entry %zu: length %u outside the %zu bytes left", idx,
				            sub, cur_left(&c));
			ec.len = c.off + sub;
		}
		uint8_t type = 0;
		bool ok = cur_take(&ec, &type, 1), oomh = false;
		if (ok && type == 0) {
			if (!grow((void **)&m->users, &m->users_cap, m->pub.nusers, sizeof(*m->users)))
				return oom(e, at);
			struct cap_user *u = &m->users[m->pub.nusers];
			ok = cur_take(&ec, &u->uid, 4) && cur_take(&ec, &u->gid, 4) &&
			     cur_str(&ec, &m->arena, &u->name, NULL, false, &oomh) &&
			     cur_str(&ec, &m->arena, &u->home, NULL, false, &oomh) &&
			     cur_str(&ec, &m->arena, &u->shell, NULL, false, &oomh);
			m->pub.nusers += ok;
		} else if (ok && type == 1) {
			if (!grow((void **)&m->groups, &m->groups_cap, m->pub.ngroups, sizeof(*m->groups)))
				return oom(e, at);
			struct cap_group *g = &m->groups[m->pub.ngroups];
			ok = cur_take(&ec, &g->gid, 4) && cur_str(&ec, &m->arena, &g->name, NULL, false, &oomh);
			m->pub.ngroups += ok;
		} else if (ok && !v2) {
			return perr(e, at, bt, "user entry %zu: unknown type %u", idx, type);
		}
		if (!ok)
			return oomh ? oom(e, at) : perr(e, at, bt, "user entry %zu truncated", idx);
		c.off = v2 ? ec.len : ec.off;
	}
	return 0;
}

/* ---- finishing ---- */

struct fd_key {
	uint64_t tid;
	size_t idx;
};

static int fd_key_cmp(const void *a, const void *b)
{
	const struct fd_key *x = a, *y = b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Sorts fds by (tid, file order) so each thread's fds are one slice. */
static int group_fds(struct cap_meta_store *m)
{
	size_t n = m->pub.nfds;
	if (n == 0)
		return 0;
	struct fd_key *k = malloc(n * sizeof(*k));
	struct cap_fd *sorted = malloc(n * sizeof(*sorted));
	if (k == NULL || sorted == NULL) {
		free(k);
		free(sorted);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		k[i] = (struct fd_key){m->fds[i].tid, i};
	qsort(k, n, sizeof(*k), fd_key_cmp);
	for (size_t i = 0; i < n; i++)
		sorted[i] = m->fds[k[i].idx];
	free(k);
	free(m->fds);
	m->fds = sorted;
	m->fds_cap = n;
	return 0;
}

static size_t fd_lower_bound(const struct cap_fd *f, size_t n, uint64_t tid)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int cap_meta_finish(struct cap_meta_store *m)
{
	int rc = group_fds(m);
	if (rc)
		return rc;
	size_t n = m->pub.nfds;
	for (size_t i = 0; i < m->pub.nprocs; i++) {
		struct cap_proc *p = &m->procs[i];
		size_t lo = fd_lower_bound(m->fds, n, p->tid), hi = lo;
		while (hi < n && m->fds[hi].tid == p->tid)
			hi++;
		p->fds = hi > lo ? &m->fds[lo] : NULL;
		p->nfds = hi - lo;
	}
	m->pub.procs = m->procs;
	m->pub.fds = m->fds;
	m->pub.users = m->users;
	m->pub.groups = m->groups;
	m->pub.ifaces = m->ifaces;
	return 0;
}

void cap_meta_free(struct cap_meta_store *m)
{
	free(m->procs);
	free(m->fds);
	free(m->users);
	free(m->groups);
	free(m->ifaces);
	cap_arena_free(&m->arena);
	memset(m, 0, sizeof(*m));
}
