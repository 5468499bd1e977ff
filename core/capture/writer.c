/* The capture writer: current block versions only (SHB 1.2, MI, IL V2,
 * UL V2, PL V9, FDL V2, EV/EVF V2 and large), plain or gzip. Blocks are
 * assembled in a buffer and handed to zlib in large pieces. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "capture/capture_int.h"

#define WBUF_LEN (256u << 10)
/* Upstream readers' limits (scap_limits.h, MAX_CREDENTIALS_STR_LEN). */
#define LIM_PATH 1023u
#define LIM_ARGS 4096u
#define LIM_CRED 255u

struct cap_writer {
	gzFile gz;
	uint8_t *buf;
	size_t used;
	bool events_started;
	int err; /* first error, sticky */
	char errmsg[CAP_ERR_LEN];
	char name[64];
	/* the block being built (metadata blocks are built whole in `blk`) */
	uint8_t *blk;
	size_t blk_len, blk_cap;
};

__attribute__((format(printf, 3, 4)))
static int wfail(struct cap_writer *w, int err, const char *fmt, ...)
{
	if (w->err)
		return w->err;
	char m[CAP_ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	w->err = err;
	snprintf(w->errmsg, sizeof(w->errmsg), "%s: %.190s", w->name, m);
	return err;
}

static int flush_buf(struct cap_writer *w)
{
	if (w->used && !w->err) {
		if (gzwrite(w->gz, w->buf, (unsigned)w->used) != (int)w->used) {
			int ze;
			const char *m = gzerror(w->gz, &ze);
			w->used = 0;
			return wfail(w, -EIO, "write failed: %s", ze == Z_ERRNO ? strerror(errno) : m);
		}
	}
	w->used = 0;
	return w->err;
}

static int out(struct cap_writer *w, const void *p, size_t n)
{
	if (w->err)
		return w->err;
	if (n > WBUF_LEN - w->used) {
		int rc = flush_buf(w);
		if (rc)
			return rc;
		if (n > WBUF_LEN) {
			if (gzwrite(w->gz, p, (unsigned)n) != (int)n)
				return wfail(w, -EIO, "write failed");
			return 0;
		}
	}
	memcpy(w->buf + w->used, p, n);
	w->used += n;
	return 0;
}

/* ---- building a metadata block in w->blk ---- */

static bool bput(struct cap_writer *w, const void *p, size_t n)
{
	if (w->blk_cap - w->blk_len < n) {
		size_t nc = w->blk_cap ? w->blk_cap : 4096;
		while (nc - w->blk_len < n)
			nc *= 2;
		uint8_t *nb = realloc(w->blk, nc);
		if (nb == NULL)
			return false;
		w->blk = nb;
		w->blk_cap = nc;
	}
	if (n)
		memcpy(w->blk + w->blk_len, p, n);
	w->blk_len += n;
	return true;
}
#define BPUT(w, v) bput((w), &(v), sizeof(v))

static bool bput_str(struct cap_writer *w, const char *s, size_t n)
{
	uint16_t l = (uint16_t)n;
	return BPUT(w, l) && bput(w, s, n);
}

static void blk_begin(struct cap_writer *w, uint32_t type)
{
	uint32_t zero = 0;
	w->blk_len = 0;
	BPUT(w, type);
	BPUT(w, zero);
}

/* Pads, fills in the length fields and writes the block out. */
static int blk_end(struct cap_writer *w, bool ok)
{
	static const uint8_t pad[4];
	if (ok)
		ok = bput(w, pad, (4 - (w->blk_len & 3)) & 3) && bput(w, pad, 4);
	if (!ok)
		return wfail(w, -ENOMEM, "out of memory building a block");
	if (w->blk_len > UINT32_MAX)
		return wfail(w, -E2BIG, "block above 4 GiB");
	uint32_t total = (uint32_t)w->blk_len;
	memcpy(w->blk + 4, &total, 4);
	memcpy(w->blk + total - 4, &total, 4);
	return out(w, w->blk, w->blk_len);
}

static int meta_allowed(struct cap_writer *w, const char *what)
{
	if (w->err)
		return w->err;
	if (w->events_started)
		return wfail(w, -EINVAL, "%s written after the first event", what);
	return 0;
}

/* Length of s, or -1 when longer than lim. */
static int64_t slen(const char *s, size_t lim)
{
	size_t n = strnlen(s ? s : "", lim + 1);
	return n > lim ? -1 : (int64_t)n;
}

/* ---- metadata ---- */

int cap_write_machine_info(struct cap_writer *w, const struct cap_machine_info *mi)
{
	int rc = meta_allowed(w, "machine info");
	if (rc)
		return rc;
	blk_begin(w, CAP_BLOCK_MI);
	char host[128] = {0};
	memcpy(host, mi->hostname, strnlen(mi->hostname, sizeof(host)));
	bool ok = BPUT(w, mi->num_cpus) && BPUT(w, mi->memory_size_bytes) && BPUT(w, mi->max_pid) &&
	          BPUT(w, host) && BPUT(w, mi->boot_ts_epoch) && BPUT(w, mi->flags) &&
	          BPUT(w, mi->reserved3) && BPUT(w, mi->reserved4);
	return blk_end(w, ok);
}

int cap_write_ifaces(struct cap_writer *w, const struct cap_iface *ifs, size_t n)
{
	int rc = meta_allowed(w, "interface list");
	if (rc)
		return rc;
	blk_begin(w, CAP_BLOCK_IL_V2);
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		const struct cap_iface *f = &ifs[i];
		int64_t nl = slen(f->name, LIM_PATH);
		if (nl < 0)
			return wfail(w, -ENAMETOOLONG, "interface %zu: name too long", i);
		bool v4 = f->type == CAP_IF_IPV4;
		if (!v4 && f->type != CAP_IF_IPV6)
			return wfail(w, -EINVAL, "interface %zu: type %u", i, f->type);
		uint32_t elen = (v4 ? 24u : 60u) + (uint32_t)nl; /* V2: excludes itself */
		uint16_t nl16 = (uint16_t)nl;
		ok = BPUT(w, elen) && BPUT(w, f->type) && BPUT(w, nl16);
		if (v4)
			ok = ok && BPUT(w, f->u.v4.addr) && BPUT(w, f->u.v4.netmask) && BPUT(w, f->u.v4.bcast);
		else
			ok = ok && BPUT(w, f->u.v6.addr) && BPUT(w, f->u.v6.netmask) && BPUT(w, f->u.v6.bcast);
		ok = ok && BPUT(w, f->linkspeed) && bput(w, f->name, (size_t)nl);
	}
	return blk_end(w, ok);
}

int cap_write_users(struct cap_writer *w, const struct cap_user *users, size_t nusers,
                    const struct cap_group *groups, size_t ngroups)
{
	int rc = meta_allowed(w, "user list");
	if (rc)
		return rc;
	blk_begin(w, CAP_BLOCK_UL_V2);
	bool ok = true;
	for (size_t i = 0; i < nusers && ok; i++) {
		const struct cap_user *u = &users[i];
		int64_t a = slen(u->name, LIM_CRED), b = slen(u->home, LIM_CRED), c = slen(u->shell, LIM_CRED);
		if (a < 0 || b < 0 || c < 0)
			return wfail(w, -ENAMETOOLONG, "user %zu: a string is 256 bytes or longer", i);
		uint32_t len = (uint32_t)(4 + 1 + 4 + 4 + 2 + a + 2 + b + 2 + c); /* counts itself */
		uint8_t type = 0;
		ok = BPUT(w, len) && BPUT(w, type) && BPUT(w, u->uid) && BPUT(w, u->gid) &&
		     bput_str(w, u->name, (size_t)a) && bput_str(w, u->home, (size_t)b) &&
		     bput_str(w, u->shell, (size_t)c);
	}
	for (size_t i = 0; i < ngroups && ok; i++) {
		const struct cap_group *g = &groups[i];
		int64_t a = slen(g->name, LIM_CRED);
		if (a < 0)
			return wfail(w, -ENAMETOOLONG, "group %zu: name is 256 bytes or longer", i);
		uint32_t len = (uint32_t)(4 + 1 + 4 + 2 + a);
		uint8_t type = 1;
		ok = BPUT(w, len) && BPUT(w, type) && BPUT(w, g->gid) && bput_str(w, g->name, (size_t)a);
	}
	return blk_end(w, ok);
}

/* Appends one V9 process entry to the block being built. */
static int proc_entry(struct cap_writer *w, const struct cap_proc *p, size_t i)
{
	int64_t comm = slen(p->comm, LIM_PATH), exe = slen(p->exe, LIM_PATH),
	        exepath = slen(p->exepath, LIM_PATH), cwd = slen(p->cwd, LIM_PATH),
	        root = slen(p->root, LIM_PATH);
	if (comm < 0 || exe < 0 || exepath < 0 || cwd < 0 || root < 0)
		return wfail(w, -ENAMETOOLONG, "process %zu (tid %llu): a path is 1024 bytes or longer", i,
		             (unsigned long long)p->tid);
	if (p->args_len > LIM_ARGS || p->env_len > LIM_ARGS || p->cgroups_len > LIM_ARGS)
		return wfail(w, -ENAMETOOLONG, "process %zu (tid %llu): args, env or cgroups above 4096 bytes",
		             i, (unsigned long long)p->tid);
	size_t mark = w->blk_len;
	uint32_t len = 0; /* patched below: the entry length counts itself */
	uint8_t ew = p->exe_writable, eu = p->exe_upper_layer, em = p->exe_from_memfd,
	        el = p->exe_lower_layer;
	uint16_t al = (uint16_t)p->args_len, envl = (uint16_t)p->env_len, cgl = (uint16_t)p->cgroups_len;
	bool ok = BPUT(w, len) && BPUT(w, p->tid) && BPUT(w, p->pid) && BPUT(w, p->ptid) &&
	          BPUT(w, p->sid) && BPUT(w, p->vpgid) && bput_str(w, p->comm, (size_t)comm) &&
	          bput_str(w, p->exe, (size_t)exe) && bput_str(w, p->exepath, (size_t)exepath) &&
	          BPUT(w, al) && bput(w, p->args, al) && bput_str(w, p->cwd, (size_t)cwd) &&
	          BPUT(w, p->fdlimit) && BPUT(w, p->flags) && BPUT(w, p->uid) && BPUT(w, p->gid) &&
	          BPUT(w, p->vmsize_kb) && BPUT(w, p->vmrss_kb) && BPUT(w, p->vmswap_kb) &&
	          BPUT(w, p->pfmajor) && BPUT(w, p->pfminor) && BPUT(w, envl) &&
	          bput(w, p->env, envl) && BPUT(w, p->vtid) && BPUT(w, p->vpid) && BPUT(w, cgl) &&
	          bput(w, p->cgroups, cgl) && bput_str(w, p->root, (size_t)root) &&
	          BPUT(w, p->pidns_init_start_ts) && BPUT(w, p->tty) && BPUT(w, p->loginuid) &&
	          BPUT(w, ew) && BPUT(w, p->cap_inheritable) && BPUT(w, p->cap_permitted) &&
	          BPUT(w, p->cap_effective) && BPUT(w, eu) && BPUT(w, p->exe_ino) &&
	          BPUT(w, p->exe_ino_ctime) && BPUT(w, p->exe_ino_mtime) && BPUT(w, em) && BPUT(w, el) &&
	          BPUT(w, p->pgid);
	if (!ok)
		return wfail(w, -ENOMEM, "out of memory building the process list");
	len = (uint32_t)(w->blk_len - mark);
	memcpy(w->blk + mark, &len, 4);
	return 0;
}

int cap_write_procs(struct cap_writer *w, const struct cap_proc *procs, size_t n)
{
	int rc = meta_allowed(w, "process list");
	if (rc)
		return rc;
	blk_begin(w, CAP_BLOCK_PL_V9);
	for (size_t i = 0; i < n; i++)
		if ((rc = proc_entry(w, &procs[i], i)) != 0)
			return rc;
	return blk_end(w, true);
}

static bool fd_entry(struct cap_writer *w, const struct cap_fd *f, int64_t nl)
{
	size_t mark = w->blk_len;
	uint32_t zero = 0;
	bool ok = BPUT(w, zero) && BPUT(w, f->fd) && BPUT(w, f->ino) && BPUT(w, f->type);
	switch (f->type) {
	case CAP_FD_IPV4_SOCK:
		ok = ok && BPUT(w, f->u.ipv4.sip) && BPUT(w, f->u.ipv4.dip) && BPUT(w, f->u.ipv4.sport) &&
		     BPUT(w, f->u.ipv4.dport) && BPUT(w, f->u.ipv4.l4proto);
		break;
	case CAP_FD_IPV4_SERVSOCK:
		ok = ok && BPUT(w, f->u.ipv4_server.ip) && BPUT(w, f->u.ipv4_server.port) &&
		     BPUT(w, f->u.ipv4_server.l4proto);
		break;
	case CAP_FD_IPV6_SOCK:
		ok = ok && BPUT(w, f->u.ipv6.sip) && BPUT(w, f->u.ipv6.dip) && BPUT(w, f->u.ipv6.sport) &&
		     BPUT(w, f->u.ipv6.dport) && BPUT(w, f->u.ipv6.l4proto);
		break;
	case CAP_FD_IPV6_SERVSOCK:
		ok = ok && BPUT(w, f->u.ipv6_server.ip) && BPUT(w, f->u.ipv6_server.port) &&
		     BPUT(w, f->u.ipv6_server.l4proto);
		break;
	case CAP_FD_UNIX_SOCK:
		ok = ok && BPUT(w, f->u.unix_sock.source) && BPUT(w, f->u.unix_sock.destination) &&
		     bput_str(w, f->name, (size_t)nl);
		break;
	case CAP_FD_FILE_V2:
		ok = ok && BPUT(w, f->u.file.open_flags) && bput_str(w, f->name, (size_t)nl) &&
		     BPUT(w, f->u.file.dev);
		break;
	case CAP_FD_UNKNOWN:
		break;
	default:
		ok = ok && bput_str(w, f->name, (size_t)nl);
		break;
	}
	if (ok) {
		uint32_t len = (uint32_t)(w->blk_len - mark); /* counts itself */
		memcpy(w->blk + mark, &len, 4);
	}
	return ok;
}

int cap_write_fds(struct cap_writer *w, uint64_t tid, const struct cap_fd *fds, size_t n)
{
	int rc = meta_allowed(w, "fd list");
	if (rc)
		return rc;
	blk_begin(w, CAP_BLOCK_FDL_V2);
	bool ok = BPUT(w, tid);
	for (size_t i = 0; i < n && ok; i++) {
		int64_t nl = slen(fds[i].name, LIM_PATH);
		if (nl < 0)
			return wfail(w, -ENAMETOOLONG, "tid %llu fd %lld: name is 1024 bytes or longer",
			             (unsigned long long)tid, (long long)fds[i].fd);
		if (fds[i].type > CAP_FD_PIDFD)
			return wfail(w, -EINVAL, "tid %llu fd %lld: unknown type %u", (unsigned long long)tid,
			             (long long)fds[i].fd, fds[i].type);
		ok = fd_entry(w, &fds[i], nl);
	}
	return blk_end(w, ok);
}

int cap_write_meta(struct cap_writer *w, const struct cap_meta *m)
{
	int rc = 0;
	if (m->has_machine)
		rc = cap_write_machine_info(w, &m->machine);
	if (!rc && m->nifaces)
		rc = cap_write_ifaces(w, m->ifaces, m->nifaces);
	if (!rc && (m->nusers || m->ngroups))
		rc = cap_write_users(w, m->users, m->nusers, m->groups, m->ngroups);
	if (!rc && m->nprocs)
		rc = cap_write_procs(w, m->procs, m->nprocs);
	for (size_t i = 0; !rc && i < m->nfds;) {
		size_t j = i;
		while (j < m->nfds && m->fds[j].tid == m->fds[i].tid)
			j++;
		rc = cap_write_fds(w, m->fds[i].tid, &m->fds[i], j - i);
		i = j;
	}
	return rc;
}

/* ---- events ---- */

int cap_write_event(struct cap_writer *w, const struct ev_hdr *hdr, uint16_t cpu, uint32_t flags)
{
	if (w->err)
		return w->err;
	uint32_t elen;
	memcpy(&elen, &hdr->len, 4);
	if (elen < EV_HDR_LEN)
		return wfail(w, -EINVAL, "event length %u below the 26-byte header", elen);
	bool large = (flags & CAP_EF_LARGE) != 0;
	flags &= ~(uint32_t)CAP_EF_LARGE;
	uint32_t pre = flags ? 6 : 2;
	uint64_t body = (uint64_t)pre + elen, padded = (body + 3) & ~(uint64_t)3;
	uint64_t total = 8 + padded + 4;
	if (total > UINT32_MAX)
		return wfail(w, -E2BIG, "event of %u bytes does not fit a block", elen);
	if (total - 8 > CAP_MAX_NORMAL_READ)
		large = true; /* upstream refuses bigger normal blocks */
	uint32_t type = flags ? (large ? CAP_BLOCK_EVF_V2_LARGE : CAP_BLOCK_EVF_V2)
	                      : (large ? CAP_BLOCK_EV_V2_LARGE : CAP_BLOCK_EV_V2);
	uint8_t head[14];
	uint32_t t32 = (uint32_t)total;
	memcpy(head, &type, 4);
	memcpy(head + 4, &t32, 4);
	memcpy(head + 8, &cpu, 2);
	memcpy(head + 10, &flags, 4);
	static const uint8_t zero[4];
	w->events_started = true;
	int rc = out(w, head, 8 + pre);
	if (!rc)
		rc = out(w, hdr, elen);
	if (!rc)
		rc = out(w, zero, padded - body);
	if (!rc)
		rc = out(w, &t32, 4);
	return rc;
}

/* ---- open / close ---- */

struct cap_writer *cap_writer_open(const char *path, const struct cap_writer_opts *opts, char *err)
{
	bool gzip = false;
	int level = 0;
	if (opts && opts->sz >= offsetof(struct cap_writer_opts, level) + sizeof(int)) {
		gzip = opts->gzip;
		level = opts->level;
	}
	char mode[8];
	if (!gzip)
		snprintf(mode, sizeof(mode), "wbT");
	else if (level >= 1 && level <= 9)
		snprintf(mode, sizeof(mode), "wb%d", level);
	else
		snprintf(mode, sizeof(mode), "wb");

	struct cap_writer *w = calloc(1, sizeof(*w));
	if (w)
		w->buf = malloc(WBUF_LEN);
	if (w == NULL || w->buf == NULL) {
		if (err)
			snprintf(err, CAP_ERR_LEN, "%s: out of memory", path);
		free(w);
		return NULL;
	}
	const char *slash = strrchr(path, '/');
	snprintf(w->name, sizeof(w->name), "%s", slash && slash[1] ? slash + 1 : path);
	errno = 0;
	w->gz = gzopen(path, mode);
	if (w->gz == NULL) {
		if (err)
			snprintf(err, CAP_ERR_LEN, "%s: cannot create: %s", path, strerror(errno ? errno : ENOMEM));
		free(w->buf);
		free(w);
		return NULL;
	}
	gzbuffer(w->gz, 256u << 10);

	/* Section header: magic, version 1.2, unknown section length. */
	uint32_t magic = CAP_SHB_MAGIC;
	uint16_t major = 1, minor = 2;
	uint64_t seclen = UINT64_MAX;
	blk_begin(w, CAP_BLOCK_SHB);
	bool ok = BPUT(w, magic) && BPUT(w, major) && BPUT(w, minor) && BPUT(w, seclen);
	if (blk_end(w, ok) != 0) {
		if (err)
			snprintf(err, CAP_ERR_LEN, "%s", w->errmsg);
		cap_writer_close(w, NULL);
		return NULL;
	}
	return w;
}

const char *cap_writer_error(const struct cap_writer *w) { return w->errmsg; }

int cap_writer_close(struct cap_writer *w, char *err)
{
	if (w == NULL)
		return 0;
	flush_buf(w);
	int zrc = gzclose(w->gz);
	if (zrc != Z_OK)
		wfail(w, -EIO, "closing failed (zlib error %d)", zrc);
	int rc = w->err;
	if (rc && err)
		snprintf(err, CAP_ERR_LEN, "%s", w->errmsg);
	free(w->buf);
	free(w->blk);
	free(w);
	return rc;
}
