/*
 * st_apply: updates the state from one event, with the semantics of
 * upstream libsinsp's parsers (thread creation on clone/fork exits, exec,
 * exit, the fd-creating and fd-destroying syscalls, credentials, cwd), and
 * records the event's thread and fd for the field extractors.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/codes.h"
#include "state/state_int.h"

#define AT_FDCWD_PPM (-100)
#define PR_SET_CHILD_SUBREAPER_PPM 36
#define PR_SET_NAME_PPM 15
#define F_DUPFD_PPM 1
#define F_DUPFD_CLOEXEC_PPM 26
#define CLOSE_RANGE_CLOEXEC_PPM (1u << 2)
#define RLIMIT_NOFILE_PPM 7
#define CLONE_NEWUSER_PPM (1u << 20)

/* ---- parameter access (bounds-checked, little-endian host) ------------- */

static bool has(const struct ev_view *ev, uint32_t i)
{
	return i < ev->nparams && ev->len[i] > 0;
}

static int64_t p_i64(const struct ev_view *ev, uint32_t i, int64_t dflt)
{
	if (!has(ev, i))
		return dflt;
	const uint8_t *v = ev->val[i];
	switch (ev->len[i]) {
	case 8: { int64_t x; memcpy(&x, v, 8); return x; }
	case 4: { int32_t x; memcpy(&x, v, 4); return x; }
	case 2: { int16_t x; memcpy(&x, v, 2); return x; }
	case 1: return (int8_t)v[0];
	default: return dflt;
	}
}

static uint64_t p_u64(const struct ev_view *ev, uint32_t i, uint64_t dflt)
{
	if (!has(ev, i))
		return dflt;
	const uint8_t *v = ev->val[i];
	switch (ev->len[i]) {
	case 8: { uint64_t x; memcpy(&x, v, 8); return x; }
	case 4: { uint32_t x; memcpy(&x, v, 4); return x; }
	case 2: { uint16_t x; memcpy(&x, v, 2); return x; }
	case 1: return v[0];
	default: return dflt;
	}
}

/* A string parameter: its bytes up to the first NUL (or its length). */
static const char *p_str(const struct ev_view *ev, uint32_t i, size_t *len)
{
	if (!has(ev, i)) {
		*len = 0;
		return "";
	}
	*len = strnlen((const char *)ev->val[i], ev->len[i]);
	return (const char *)ev->val[i];
}

static int64_t ev_res(const struct ev_view *ev)
{
	return p_i64(ev, 0, -1);
}

/* ---- which parameter holds the fd of an exit event (upstream's table) -- */

static int exit_fd_param(uint16_t type)
{
	switch (type) {
	case EV_SYSCALL_SETNS_X: case EV_SOCKET_LISTEN_X: case EV_SOCKET_SHUTDOWN_X:
	case EV_SYSCALL_FCHDIR_X: case EV_SYSCALL_LSEEK_X: case EV_SYSCALL_LLSEEK_X:
	case EV_SYSCALL_IOCTL_3_X: case EV_SYSCALL_FSTAT_X: case EV_SYSCALL_CLOSE_X:
	case EV_SYSCALL_GETDENTS_X: case EV_SYSCALL_GETDENTS64_X: case EV_SYSCALL_FLOCK_X:
	case EV_SYSCALL_COPY_FILE_RANGE_X: case EV_SYSCALL_FCNTL_X: case EV_SYSCALL_DUP_1_X:
	case EV_SYSCALL_DUP2_X: case EV_SYSCALL_DUP3_X: case EV_SYSCALL_NEWFSTATAT_X:
	case EV_SYSCALL_FCHOWNAT_X: case EV_SYSCALL_FCHMODAT_X: case EV_SYSCALL_MKDIRAT_X:
	case EV_SYSCALL_UNLINKAT_2_X: case EV_SYSCALL_MKNODAT_X: case EV_SOCKET_SENDMMSG_X:
	case EV_SOCKET_RECVMMSG_X: case EV_SYSCALL_IO_URING_REGISTER_X:
	case EV_SYSCALL_IO_URING_ENTER_X: case EV_SOCKET_SETSOCKOPT_X:
	case EV_SOCKET_GETSOCKOPT_X: case EV_SYSCALL_FSCONFIG_X: case EV_SYSCALL_FINIT_MODULE_X:
	case EV_SYSCALL_FCHMOD_X: case EV_SYSCALL_FCHOWN_X:
		return 1;
	case EV_SYSCALL_READ_X: case EV_SYSCALL_PREAD_X: case EV_SOCKET_BIND_X:
	case EV_SYSCALL_WRITE_X: case EV_SYSCALL_PWRITE_X: case EV_SOCKET_RECV_X:
	case EV_SOCKET_SEND_X: case EV_SOCKET_SENDTO_X: case EV_SOCKET_SENDMSG_X:
	case EV_SYSCALL_SENDFILE_X: case EV_SYSCALL_SPLICE_X: case EV_SYSCALL_WRITEV_X:
	case EV_SYSCALL_PWRITEV_X: case EV_SOCKET_CONNECT_X: case EV_SYSCALL_SYMLINKAT_X:
		return 2;
	case EV_SOCKET_RECVFROM_X: case EV_SYSCALL_READV_X: case EV_SYSCALL_PREADV_X:
		return 3;
	case EV_SOCKET_RECVMSG_X:
		return 5;
	case EV_SYSCALL_MMAP_X: case EV_SYSCALL_MMAP2_X:
		return 8;
	default:
		return -1;
	}
}

/* ---- socket helpers -------------------------------------------------------- */

#define AF_UNIX_PPM 1
#define AF_INET_PPM 2
#define AF_INET6_PPM 10
#define AF_NETLINK_PPM 16

static bool v4mapped(const uint8_t *a)
{
	static const uint8_t z10[10];
	if (memcmp(a, z10, 10))
		return false;
	if (a[10] == 0xff && a[11] == 0xff)
		return true;
	return a[10] == 0 && a[11] == 0 && a[12] == 0 && a[13] == 0 && a[14] == 0 && a[15] == 0;
}

static void set_tuple_name(struct st_fd *f)
{
	char buf[160];
	st_fd_tuple_str(f, buf, sizeof buf);
	st_fd_set_name(f, buf, SIZE_MAX);
}

/* Applies an ip tuple (sip:sport -> dip:dport) to a socket fd. Returns
 * false when nothing changed (same tuple either way round). */
static bool apply_ip(struct st_fd *f, int v6, const uint8_t *sip, uint16_t sport,
                     const uint8_t *dip, uint16_t dport, bool overwrite_dest)
{
	size_t n = v6 ? 16 : 4;
	uint8_t type = v6 ? ST_FD_IPV6_SOCK : ST_FD_IPV4_SOCK;
	if (f->type == type &&
	    ((!memcmp(f->sip, sip, n) && f->sport == sport && !memcmp(f->dip, dip, n) &&
	      f->dport == dport) ||
	     (!memcmp(f->sip, dip, n) && f->sport == dport && !memcmp(f->dip, sip, n) &&
	      f->dport == sport)))
		return false;
	static const uint8_t zero[16];
	bool changed = false;
	if (memcmp(f->sip, sip, n)) { memcpy(f->sip, sip, n); changed = true; }
	if (f->sport != sport) { f->sport = sport; changed = true; }
	if (!memcmp(f->dip, zero, n) || (overwrite_dest && memcmp(f->dip, dip, n))) {
		memcpy(f->dip, dip, n);
		changed = true;
	}
	if (f->dport == 0 || (overwrite_dest && f->dport != dport)) {
		f->dport = dport;
		changed = true;
	}
	return changed;
}

static uint16_t rd16(const uint8_t *p) { uint16_t x; memcpy(&x, p, 2); return x; }
static uint64_t rd64(const uint8_t *p) { uint64_t x; memcpy(&x, p, 8); return x; }

/* A socket tuple parameter, checked for its family's size. */
static bool tuple_ok(const struct ev_view *ev, uint32_t i)
{
	if (!has(ev, i))
		return false;
	uint8_t fam = ev->val[i][0];
	uint32_t l = ev->len[i];
	if (fam == AF_INET_PPM)
		return l >= 13;
	if (fam == AF_INET6_PPM)
		return l >= 37;
	if (fam == AF_UNIX_PPM)
		return l >= 17;
	return false;
}

/* Updates a socket fd from a tuple (read/write/connect paths). */
static bool update_from_tuple(struct st_fd *f, const uint8_t *t, uint32_t len, bool overwrite)
{
	uint8_t fam = t[0];
	if (fam == AF_INET_PPM && len >= 13) {
		f->type = ST_FD_IPV4_SOCK; /* a server socket's l4proto carries over */
		return apply_ip(f, 0, t + 1, rd16(t + 5), t + 7, rd16(t + 11), overwrite);
	}
	if (fam == AF_INET6_PPM && len >= 37) {
		const uint8_t *sip = t + 1, *dip = t + 19;
		if (v4mapped(sip) && v4mapped(dip)) {
			f->type = ST_FD_IPV4_SOCK;
			return apply_ip(f, 0, sip + 12, rd16(t + 17), dip + 12, rd16(t + 35), overwrite);
		}
		f->type = ST_FD_IPV6_SOCK;
		return apply_ip(f, 1, sip, rd16(t + 17), dip, rd16(t + 35), overwrite);
	}
	return false;
}

static uint32_t infer_v4(const struct st_state *st, uint32_t dst)
{
	for (uint32_t i = 0; i < st->nif4; i++)
		if (st->if4_addr[i] == dst)
			return dst;
	for (uint32_t i = 0; i < st->nif4; i++)
		if ((st->if4_addr[i] & st->if4_mask[i]) == (dst & st->if4_mask[i]))
			return st->if4_addr[i];
	static const uint8_t lo[4] = {127, 0, 0, 1};
	for (uint32_t i = 0; i < st->nif4; i++)
		if (memcmp(&st->if4_addr[i], lo, 4))
			return st->if4_addr[i];
	return 0;
}

bool st_ip_is_local(const struct st_state *st, const uint8_t *ip, size_t len)
{
	if (len == 4) {
		for (uint32_t i = 0; i < st->nif4; i++)
			if (!memcmp(&st->if4_addr[i], ip, 4))
				return true;
		return false;
	}
	/* IPv6: same /64 as an interface address, as upstream compares */
	for (uint32_t i = 0; i < st->nif6; i++)
		if (!memcmp(st->if6_addr[i], ip, 8))
			return true;
	return false;
}

void st_infer_local_ipv4(const struct st_state *st, struct st_fd *f)
{
	uint32_t sip, dip;
	if (f->type != ST_FD_IPV4_SOCK)
		return;
	memcpy(&sip, f->sip, 4);
	memcpy(&dip, f->dip, 4);
	if (sip && dip)
		return;
	if (!sip) {
		uint32_t n = infer_v4(st, dip);
		if (n == dip && f->sport == f->dport)
			return;
		memcpy(f->sip, &n, 4);
	} else {
		uint32_t n = infer_v4(st, sip);
		if (n == sip && f->sport == f->dport)
			return;
		memcpy(f->dip, &n, 4);
	}
}

/* ---- the parsers -------------------------------------------------------- */

static struct st_fd *new_fd(struct st_state *st, struct st_thread *t, int64_t fd, uint8_t type)
{
	struct st_fd *f = st_fd_add(st, t, fd);
	if (f) {
		f->type = type;
		st->cur.fd = f;
		st->cur.fd_valid = true;
	}
	return f;
}

static void parse_open(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	uint16_t type = ev->hdr->type;
	int64_t fd = ev_res(ev);
	size_t nlen;
	const char *name;
	uint32_t flags = 0, dev = 0;
	uint64_t ino = 0;
	const char *dir = t->proc->cwd;
	char dirbuf[4096];
	if (type == EV_SYSCALL_OPEN_X || type == EV_SYSCALL_CREAT_X) {
		name = p_str(ev, 1, &nlen);
		if (type == EV_SYSCALL_OPEN_X) {
			flags = (uint32_t)p_u64(ev, 2, 0);
			dev = (uint32_t)p_u64(ev, 4, 0);
			ino = p_u64(ev, 5, 0);
		} else {
			dev = (uint32_t)p_u64(ev, 3, 0);
			ino = p_u64(ev, 4, 0);
			uint64_t cf = p_u64(ev, 5, 0);
			if (cf & 1)
				flags |= ST_O_UPPER_LAYER;
			else if (cf & 2)
				flags |= ST_O_LOWER_LAYER;
		}
	} else { /* openat_2, openat2 */
		name = has(ev, 2) ? p_str(ev, 2, &nlen) : (nlen = 4, "<NA>");
		flags = (uint32_t)p_u64(ev, 3, 0);
		uint32_t di = type == EV_SYSCALL_OPENAT_2_X ? 5 : 6;
		if (has(ev, di + 1)) {
			dev = (uint32_t)p_u64(ev, di, 0);
			ino = p_u64(ev, di + 1, 0);
		}
		dir = "";
		if (has(ev, 1))
			dir = st_dirfd_path(st, t, name, p_i64(ev, 1, AT_FDCWD_PPM), dirbuf, sizeof dirbuf);
	}
	if (fd < 0)
		return;
	char full[4096];
	char nm[4096];
	size_t n = nlen < sizeof nm - 1 ? nlen : sizeof nm - 1;
	memcpy(nm, name, n);
	nm[n] = 0;
	st_path_concat(full, sizeof full, dir, nm);
	struct st_fd *f = new_fd(st, t, fd, (flags & ST_O_DIRECTORY) ? ST_FD_DIRECTORY : ST_FD_FILE_V2);
	if (!f)
		return;
	f->open_flags = flags;
	f->dev = dev;
	f->ino = ino;
	if (flags & ST_O_UPPER_LAYER)
		f->flags |= ST_FDF_OVERLAY_UPPER;
	if (flags & ST_O_LOWER_LAYER)
		f->flags |= ST_FDF_OVERLAY_LOWER;
	st_fd_set_name_raw(f, nm, n);
	st_fd_set_name(f, full, SIZE_MAX);
}

static void add_socket(struct st_state *st, struct st_thread *t, int64_t fd, uint32_t domain,
                       uint32_t stype, uint32_t proto, uint32_t flags)
{
	struct st_fd *f = new_fd(st, t, fd, ST_FD_UNKNOWN);
	if (!f)
		return;
	f->open_flags = flags;
	f->l4proto = ST_L4_UNKNOWN;
	if (domain == AF_UNIX_PPM) {
		f->type = ST_FD_UNIX_SOCK;
	} else if (domain == AF_INET_PPM || domain == AF_INET6_PPM) {
		f->type = domain == AF_INET_PPM ? ST_FD_IPV4_SOCK : ST_FD_IPV6_SOCK;
		bool raw = stype == 3; /* SOCK_RAW */
		if (proto == 6)
			f->l4proto = raw ? ST_L4_RAW : ST_L4_TCP;
		else if (proto == 17)
			f->l4proto = raw ? ST_L4_RAW : ST_L4_UDP;
		else if (proto == 0)
			f->l4proto = (stype & 0xff) == 1 ? ST_L4_TCP
			           : (stype & 0xff) == 2 ? ST_L4_UDP : ST_L4_UNKNOWN;
		else if (proto == 1)
			f->l4proto = raw ? ST_L4_RAW : ST_L4_ICMP;
		else if (proto == 255)
			f->l4proto = ST_L4_RAW;
	} else if (domain == AF_NETLINK_PPM) {
		f->type = ST_FD_NETLINK;
	}
}

static void parse_connect(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	struct st_fd *f = st->cur.fd;
	(void)t;
	if (!f)
		return;
	int64_t res = ev_res(ev);
	if (res < 0 && res != -115 /* EINPROGRESS */)
		return;
	f->flags |= ST_FDF_CONNECTED;
	if (!tuple_ok(ev, 1)) {
		if (has(ev, 3) && ev->val[3][0] == AF_INET_PPM && ev->len[3] >= 7) {
			f->type = ST_FD_IPV4_SOCK;
			memcpy(f->dip, ev->val[3] + 1, 4);
			f->dport = rd16(ev->val[3] + 5);
		}
		return;
	}
	const uint8_t *tp = ev->val[1];
	if (tp[0] == AF_UNIX_PPM) {
		if (f->type != ST_FD_UNIX_SOCK)
			return;
		f->unix_src = rd64(tp + 1);
		f->unix_dst = rd64(tp + 9);
		char buf[4200];
		size_t plen = strnlen((const char *)tp + 17, ev->len[1] - 17);
		int n = snprintf(buf, sizeof buf, "%" PRIx64 "->%" PRIx64 " %.*s", f->unix_src,
		                 f->unix_dst, (int)plen, (const char *)tp + 17);
		st_fd_set_name(f, buf, n > 0 ? (size_t)n : 0);
	} else {
		update_from_tuple(f, tp, ev->len[1], true);
		set_tuple_name(f);
	}
	if (!(f->flags & (ST_FDF_ROLE_CLIENT | ST_FDF_ROLE_SERVER)))
		f->flags |= ST_FDF_ROLE_CLIENT;
}

static void parse_accept(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	int64_t fd = ev_res(ev);
	if (fd < 0)
		return;
	t->lastevent_fd = fd;
	if (!tuple_ok(ev, 1))
		return;
	const uint8_t *tp = ev->val[1];
	struct st_fd *f = NULL;
	if (tp[0] == AF_UNIX_PPM) {
		f = new_fd(st, t, fd, ST_FD_UNIX_SOCK);
		if (!f)
			return;
		f->unix_src = rd64(tp + 1);
		f->unix_dst = rd64(tp + 9);
		char buf[4200];
		size_t plen = strnlen((const char *)tp + 17, ev->len[1] - 17);
		int n = snprintf(buf, sizeof buf, "%" PRIx64 "->%" PRIx64 " %.*s", f->unix_src,
		                 f->unix_dst, (int)plen, (const char *)tp + 17);
		st_fd_set_name(f, buf, n > 0 ? (size_t)n : 0);
	} else {
		f = new_fd(st, t, fd, ST_FD_IPV4_SOCK);
		if (!f)
			return;
		update_from_tuple(f, tp, ev->len[1], false);
		f->l4proto = ST_L4_TCP;
		set_tuple_name(f);
	}
	if (ev->hdr->type == EV_SOCKET_ACCEPT4_6_X)
		f->open_flags = (uint32_t)p_i64(ev, 5, 0) & ST_O_CLOEXEC;
	f->flags |= ST_FDF_ROLE_SERVER | ST_FDF_CONNECTED;
}

static void parse_bind(struct st_state *st, const struct ev_view *ev)
{
	struct st_fd *f = st->cur.fd;
	if (!f || ev_res(ev) < 0 || !has(ev, 1))
		return;
	const uint8_t *a = ev->val[1];
	uint32_t l = ev->len[1];
	if (a[0] == AF_INET_PPM && l >= 7) {
		uint16_t port = rd16(a + 5);
		if (port > 0) {
			f->type = ST_FD_IPV4_SERVSOCK;
			memcpy(f->dip, a + 1, 4);
			f->dport = port;
			f->flags |= ST_FDF_ROLE_SERVER;
		}
		char buf[64];
		snprintf(buf, sizeof buf, "%u.%u.%u.%u:%u", a[1], a[2], a[3], a[4], port);
		st_fd_set_name(f, buf, SIZE_MAX);
	} else if (a[0] == AF_INET6_PPM && l >= 19) {
		uint16_t port = rd16(a + 17);
		if (port > 0) {
			if (v4mapped(a + 1)) {
				f->type = ST_FD_IPV4_SERVSOCK;
				memcpy(f->dip, a + 13, 4);
			} else {
				f->type = ST_FD_IPV6_SERVSOCK;
				memcpy(f->dip, a + 1, 16);
			}
			f->dport = port;
			f->flags |= ST_FDF_ROLE_SERVER;
		}
		char buf[96];
		st_ip_str(a + 1, 1, buf, sizeof buf);
		size_t n = strlen(buf);
		snprintf(buf + n, sizeof buf - n, ":%u", port);
		st_fd_set_name(f, buf, SIZE_MAX);
	} else if (a[0] == AF_UNIX_PPM) {
		st_fd_set_name(f, (const char *)a + 1, strnlen((const char *)a + 1, l - 1));
	}
}

static void parse_send_recv(struct st_state *st, const struct ev_view *ev, struct st_thread *t,
                            bool write)
{
	uint16_t type = ev->hdr->type;
	uint32_t tuple_i;
	switch (type) {
	case EV_SOCKET_SEND_X: case EV_SOCKET_SENDTO_X: case EV_SOCKET_SENDMSG_X:
	case EV_SOCKET_RECV_X: tuple_i = 4; break;
	case EV_SOCKET_RECVFROM_X: tuple_i = 2; break;
	case EV_SOCKET_RECVMSG_X: tuple_i = 3; break;
	default: return;
	}
	if (ev_res(ev) < 0)
		return;
	struct st_fd *f = st->cur.fd;
	if (!f && write && tuple_ok(ev, tuple_i)) {
		uint8_t fam = ev->val[tuple_i][0];
		if (fam == AF_INET_PPM || fam == AF_INET6_PPM) {
			int64_t fd = p_i64(ev, 2, -1);
			add_socket(st, t, fd, fam, 2 /* SOCK_DGRAM */, 17, 0);
			f = st->cur.fd;
		}
	}
	if (!f || (f->type != ST_FD_IPV4_SOCK && f->type != ST_FD_IPV6_SOCK &&
	           f->type != ST_FD_IPV4_SERVSOCK && f->type != ST_FD_IPV6_SERVSOCK))
		return;
	f->flags |= ST_FDF_CONNECTED;
	if ((f->name[0] == 0 || f->l4proto != ST_L4_TCP) && tuple_ok(ev, tuple_i)) {
		const uint8_t *tp = ev->val[tuple_i];
		if (tp[0] != AF_INET_PPM && tp[0] != AF_INET6_PPM)
			return;
		if (update_from_tuple(f, tp, ev->len[tuple_i], false)) {
			st_infer_local_ipv4(st, f);
			if (!(f->flags & (ST_FDF_ROLE_CLIENT | ST_FDF_ROLE_SERVER)))
				f->flags |= write ? ST_FDF_ROLE_CLIENT : ST_FDF_ROLE_SERVER;
			set_tuple_name(f);
		}
	}
}

/* Installs a copy of `src` as fd `newfd` of `t` (dup, F_DUPFD, pidfd_getfd).
 * `src` is copied aside first: creating the new entry may replace or move
 * it. Returns the new entry, or NULL when the table refused it. */
static struct st_fd *fd_duplicate(struct st_state *st, struct st_thread *t, int64_t newfd,
                                  const struct st_fd *src)
{
	struct st_fd tmp = {0};
	tmp.name = tmp.name_raw = tmp.old_name = (char *)"";
	st_fd_copy(&tmp, src);
	struct st_fd *f = new_fd(st, t, newfd, src->type);
	if (f) {
		st_fd_copy(f, &tmp);
		f->fd = newfd;
	}
	if (tmp.name_cap) free(tmp.name);
	if (tmp.raw_cap) free(tmp.name_raw);
	if (tmp.old_cap) free(tmp.old_name);
	return f;
}

static void parse_dup(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	int64_t res = ev_res(ev);
	int64_t oldfd = p_i64(ev, 1, -1);
	if (res < 0 || !has(ev, 1))
		return;
	struct st_fd *src = st_fd_get(st, t, oldfd);
	if (!src)
		return;
	uint16_t type = ev->hdr->type;
	if ((type == EV_SYSCALL_DUP2_X || type == EV_SYSCALL_DUP3_X) && res == oldfd)
		return;
	struct st_fd *f = fd_duplicate(st, t, res, src);
	if (f) {
		f->flags &= (uint16_t)~ST_FDF_CLONED;
		f->open_flags &= ~ST_O_CLOEXEC;
		if (type == EV_SYSCALL_DUP3_X && (p_u64(ev, 3, 0) & ST_O_CLOEXEC))
			f->open_flags |= ST_O_CLOEXEC;
	}
}

static void parse_fcntl(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	int64_t res = ev_res(ev);
	uint64_t cmd = p_u64(ev, 2, 0);
	if (res < 0 || (cmd != F_DUPFD_PPM && cmd != F_DUPFD_CLOEXEC_PPM))
		return;
	struct st_fd *src = st_fd_get(st, t, p_i64(ev, 1, -1));
	if (!src)
		return;
	struct st_fd *f = fd_duplicate(st, t, res, src);
	if (f) {
		f->open_flags &= ~ST_O_CLOEXEC;
		if (cmd == F_DUPFD_CLOEXEC_PPM)
			f->open_flags |= ST_O_CLOEXEC;
	}
}

static void parse_close(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	if (ev_res(ev) < 0 || !st->cur.fd)
		return;
	/* The fd stays visible for this event and goes before the next one. */
	st->pending_fd_tid = t->tid;
	st->pending_fd = t->lastevent_fd;
}

static void parse_close_range(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	if (ev_res(ev) < 0)
		return;
	uint64_t first = p_u64(ev, 1, 0), last = p_u64(ev, 2, 0), flags = p_u64(ev, 3, 0);
	uint32_t cap = st_fdtab_cap(t);
	for (uint64_t fd = first; fd <= last && fd < cap; fd++) {
		struct st_fd *f = st_fd_get(st, t, (int64_t)fd);
		if (!f)
			continue;
		if (flags & CLOSE_RANGE_CLOEXEC_PPM)
			f->open_flags |= ST_O_CLOEXEC;
		else
			st_fd_remove(st, t, (int64_t)fd);
	}
	st->cur.fd = NULL;
}

static void parse_pipe(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	if (ev_res(ev) < 0)
		return;
	uint64_t ino = p_u64(ev, 3, 0);
	uint32_t flags = ev->hdr->type == EV_SYSCALL_PIPE2_X ? (uint32_t)p_u64(ev, 4, 0) : 0;
	for (uint32_t i = 1; i <= 2; i++) {
		struct st_fd *f = new_fd(st, t, p_i64(ev, i, -1), ST_FD_FIFO);
		if (f) {
			f->ino = ino;
			f->open_flags = flags;
		}
	}
}

static void parse_socketpair(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	int64_t fd1 = p_i64(ev, 1, -1), fd2 = p_i64(ev, 2, -1);
	if (ev_res(ev) < 0 || fd1 == fd2) {
		st->cur.fd = NULL;
		return;
	}
	uint64_t src = p_u64(ev, 3, 0), peer = p_u64(ev, 4, 0);
	struct st_fd *f1 = new_fd(st, t, fd1, ST_FD_UNIX_SOCK);
	if (f1) {
		f1->unix_src = src;
		f1->unix_dst = peer;
	}
	struct st_fd *cur = st->cur.fd;
	struct st_fd *f2 = st_fd_add(st, t, fd2);
	if (f2) {
		f2->type = ST_FD_UNIX_SOCK;
		f2->unix_src = src;
		f2->unix_dst = peer;
	}
	st->cur.fd = cur;
}

/* One new fd of a fixed type in the return value (eventfd, signalfd, ...). */
static void parse_single_fd(struct st_state *st, const struct ev_view *ev, struct st_thread *t,
                            uint8_t type)
{
	int64_t fd = ev_res(ev);
	if (fd < 0)
		return;
	new_fd(st, t, fd, type);
}

static void parse_memfd(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	int64_t fd = ev_res(ev);
	if (fd < 0)
		return;
	struct st_fd *f = new_fd(st, t, fd, ST_FD_MEMFD);
	if (!f)
		return;
	size_t n;
	const char *name = p_str(ev, 1, &n);
	st_fd_set_name(f, name, n);
	f->open_flags = (uint32_t)p_u64(ev, 2, 0);
}

static void parse_pidfd_open(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	int64_t fd = ev_res(ev);
	if (fd < 0)
		return;
	struct st_fd *f = new_fd(st, t, fd, ST_FD_PIDFD);
	if (f) {
		f->pidfd_pid = p_i64(ev, 1, 0);
		f->open_flags = (uint32_t)p_u64(ev, 2, 0);
	}
}

static void parse_pidfd_getfd(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	int64_t fd = ev_res(ev);
	if (fd < 0)
		return;
	struct st_fd *pidfd = st_fd_get(st, t, p_i64(ev, 1, -1));
	if (!pidfd || pidfd->type != ST_FD_PIDFD)
		return;
	struct st_thread *target = st_find(st, pidfd->pidfd_pid);
	struct st_fd *src = st_fd_get(st, target, p_i64(ev, 2, -1));
	if (!src)
		return;
	fd_duplicate(st, t, fd, src);
}

static void parse_chdir(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	if (ev_res(ev) < 0)
		return;
	char buf[4096];
	if (ev->hdr->type == EV_SYSCALL_FCHDIR_X) {
		struct st_fd *f = st->cur.fd;
		if (!f)
			return;
		st_proc_set_cwd(t->proc, f->name, SIZE_MAX);
		return;
	}
	size_t n;
	const char *path = p_str(ev, 1, &n);
	char rel[4096];
	if (n >= sizeof rel)
		n = sizeof rel - 1;
	memcpy(rel, path, n);
	rel[n] = 0;
	st_path_concat(buf, sizeof buf, t->proc->cwd, rel);
	st_proc_set_cwd(t->proc, buf, SIZE_MAX);
}

static void parse_chroot(const struct ev_view *ev, struct st_thread *t)
{
	if (ev_res(ev) < 0)
		return;
	size_t n;
	const char *path = p_str(ev, 1, &n);
	char rel[4096], buf[4096];
	if (n >= sizeof rel)
		n = sizeof rel - 1;
	memcpy(rel, path, n);
	rel[n] = 0;
	/* relative to the cwd, as upstream resolves it */
	st_path_concat(buf, sizeof buf, t->proc->cwd, rel);
	st_proc_set(&t->proc->root, buf, SIZE_MAX);
}

static void parse_creds(const struct ev_view *ev, struct st_thread *t)
{
	if (ev_res(ev) < 0)
		return;
	switch (ev->hdr->type) {
	case EV_SYSCALL_SETUID_X: t->uid = (uint32_t)p_u64(ev, 1, t->uid); break;
	case EV_SYSCALL_SETGID_X: t->gid = (uint32_t)p_u64(ev, 1, t->gid); break;
	case EV_SYSCALL_SETRESUID_X: case EV_SYSCALL_SETREUID_X: {
		uint64_t euid = p_u64(ev, 2, UINT32_MAX);
		if (euid != UINT32_MAX && euid != (uint64_t)-1)
			t->uid = (uint32_t)euid;
		break;
	}
	case EV_SYSCALL_SETRESGID_X: case EV_SYSCALL_SETREGID_X: {
		uint64_t egid = p_u64(ev, 2, UINT32_MAX);
		if (egid != UINT32_MAX && egid != (uint64_t)-1)
			t->gid = (uint32_t)egid;
		break;
	}
	default: break;
	}
}

static void parse_prctl(const struct ev_view *ev, struct st_thread *t)
{
	if (ev_res(ev) < 0)
		return;
	uint64_t opt = p_u64(ev, 1, 0);
	if (opt == PR_SET_CHILD_SUBREAPER_PPM) {
		t->proc->child_subreaper = p_i64(ev, 3, 0) != 0;
	} else if (opt == PR_SET_NAME_PPM) {
		size_t n;
		const char *name = p_str(ev, 2, &n);
		st_thread_set_comm(t, name, n);
	}
}

static void parse_user_group(struct st_state *st, const struct ev_view *ev)
{
	size_t n;
	switch (ev->hdr->type) {
	case EV_USER_ADDED_E: {
		char name[256], home[4096], shell[4096];
		const char *s = p_str(ev, 2, &n); snprintf(name, sizeof name, "%.*s", (int)n, s);
		s = p_str(ev, 3, &n); snprintf(home, sizeof home, "%.*s", (int)n, s);
		s = p_str(ev, 4, &n); snprintf(shell, sizeof shell, "%.*s", (int)n, s);
		st_user_add(st, (uint32_t)p_u64(ev, 0, 0), (uint32_t)p_u64(ev, 1, 0), name, home, shell);
		break;
	}
	case EV_USER_DELETED_E: st_user_remove(st, (uint32_t)p_u64(ev, 0, 0)); break;
	case EV_GROUP_ADDED_E: {
		char name[256];
		const char *s = p_str(ev, 1, &n);
		snprintf(name, sizeof name, "%.*s", (int)n, s);
		st_group_add(st, (uint32_t)p_u64(ev, 0, 0), name);
		break;
	}
	case EV_GROUP_DELETED_E: st_group_remove(st, (uint32_t)p_u64(ev, 0, 0)); break;
	default: break;
	}
}

static void parse_prlimit(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	if (ev_res(ev) != 0 || !has(ev, 6) || p_u64(ev, 6, 0) != RLIMIT_NOFILE_PPM)
		return;
	int64_t cur = p_i64(ev, 1, -1), pid = p_i64(ev, 5, 0);
	if (cur == -1)
		return;
	struct st_thread *target = pid ? st_find(st, pid) : t;
	if (target && target->pid != -1)
		target->proc->fdlimit = cur;
}

/* ---- dispatch ------------------------------------------------------------ */

static void dispatch_fd(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	uint16_t type = ev->hdr->type;
	switch (type) {
	case EV_SYSCALL_OPEN_X: case EV_SYSCALL_CREAT_X: case EV_SYSCALL_OPENAT_2_X:
	case EV_SYSCALL_OPENAT2_X:
		parse_open(st, ev, t); break;
	case EV_SOCKET_SOCKET_X:
		if (ev_res(ev) >= 0)
			add_socket(st, t, ev_res(ev), (uint32_t)p_u64(ev, 1, 0), (uint32_t)p_u64(ev, 2, 0),
			           (uint32_t)p_u64(ev, 3, 0), (uint32_t)p_u64(ev, 4, 0));
		break;
	case EV_SOCKET_BIND_X: parse_bind(st, ev); break;
	case EV_SOCKET_CONNECT_X: parse_connect(st, ev, t); break;
	case EV_SOCKET_ACCEPT_5_X: case EV_SOCKET_ACCEPT4_6_X: parse_accept(st, ev, t); break;
	case EV_SYSCALL_CLOSE_X: parse_close(st, ev, t); break;
	case EV_SYSCALL_CLOSE_RANGE_X: parse_close_range(st, ev, t); break;
	case EV_SYSCALL_PIPE_X: case EV_SYSCALL_PIPE2_X: parse_pipe(st, ev, t); break;
	case EV_SOCKET_SOCKETPAIR_X: parse_socketpair(st, ev, t); break;
	case EV_SYSCALL_EVENTFD_X: case EV_SYSCALL_EVENTFD2_X:
		parse_single_fd(st, ev, t, ST_FD_EVENT); break;
	case EV_SYSCALL_SIGNALFD_X: case EV_SYSCALL_SIGNALFD4_X:
		parse_single_fd(st, ev, t, ST_FD_SIGNALFD); break;
	case EV_SYSCALL_TIMERFD_CREATE_X: parse_single_fd(st, ev, t, ST_FD_TIMERFD); break;
	case EV_SYSCALL_INOTIFY_INIT_X: case EV_SYSCALL_INOTIFY_INIT1_X:
		parse_single_fd(st, ev, t, ST_FD_INOTIFY); break;
	case EV_SYSCALL_BPF_2_X: parse_single_fd(st, ev, t, ST_FD_BPF); break;
	case EV_SYSCALL_USERFAULTFD_X: parse_single_fd(st, ev, t, ST_FD_USERFAULTFD); break;
	case EV_SYSCALL_IO_URING_SETUP_X: parse_single_fd(st, ev, t, ST_FD_IOURING); break;
	case EV_SYSCALL_EPOLL_CREATE_X: case EV_SYSCALL_EPOLL_CREATE1_X:
		parse_single_fd(st, ev, t, ST_FD_EVENTPOLL); break;
	case EV_SYSCALL_MEMFD_CREATE_X: parse_memfd(st, ev, t); break;
	case EV_SYSCALL_PIDFD_OPEN_X: parse_pidfd_open(st, ev, t); break;
	case EV_SYSCALL_PIDFD_GETFD_X: parse_pidfd_getfd(st, ev, t); break;
	case EV_SYSCALL_DUP_1_X: case EV_SYSCALL_DUP2_X: case EV_SYSCALL_DUP3_X:
		parse_dup(st, ev, t); break;
	case EV_SYSCALL_FCNTL_X: parse_fcntl(st, ev, t); break;
	case EV_SOCKET_SEND_X: case EV_SOCKET_SENDTO_X: case EV_SOCKET_SENDMSG_X:
		parse_send_recv(st, ev, t, true); break;
	case EV_SOCKET_RECV_X: case EV_SOCKET_RECVFROM_X: case EV_SOCKET_RECVMSG_X:
		parse_send_recv(st, ev, t, false); break;
	case EV_SYSCALL_CHDIR_X: case EV_SYSCALL_FCHDIR_X: parse_chdir(st, ev, t); break;
	case EV_SYSCALL_CHROOT_X: parse_chroot(ev, t); break;
	case EV_SYSCALL_SETUID_X: case EV_SYSCALL_SETGID_X: case EV_SYSCALL_SETRESUID_X:
	case EV_SYSCALL_SETREUID_X: case EV_SYSCALL_SETRESGID_X: case EV_SYSCALL_SETREGID_X:
		parse_creds(ev, t); break;
	case EV_SYSCALL_SETSID_X:
		if (ev_res(ev) >= 0)
			t->sid = ev_res(ev);
		break;
	case EV_SYSCALL_SETPGID_X:
		if (ev_res(ev) >= 0 && (p_i64(ev, 1, 0) == 0 || p_i64(ev, 1, 0) == t->vpid))
			t->vpgid = p_i64(ev, 2, 0) ? p_i64(ev, 2, 0) : t->vpid;
		break;
	case EV_SYSCALL_CAPSET_X:
		if (ev_res(ev) >= 0) {
			t->cap_inheritable = p_u64(ev, 1, t->cap_inheritable);
			t->cap_permitted = p_u64(ev, 2, t->cap_permitted);
			t->cap_effective = p_u64(ev, 3, t->cap_effective);
		}
		break;
	case EV_SYSCALL_PRCTL_X: parse_prctl(ev, t); break;
	case EV_SYSCALL_GETCWD_X: /* resynchronise after a drop, as upstream */
		if (ev_res(ev) >= 0 && has(ev, 1))
			parse_chdir(st, ev, t);
		break;
	case EV_SYSCALL_GETRLIMIT_X: case EV_SYSCALL_SETRLIMIT_X:
		if (ev_res(ev) >= 0 && p_u64(ev, 3, 0) == RLIMIT_NOFILE_PPM && p_i64(ev, 1, -1) != -1)
			t->proc->fdlimit = p_i64(ev, 1, -1);
		break;
	case EV_SYSCALL_PRLIMIT_X:
		parse_prlimit(st, ev, t);
		break;
	case EV_SYSCALL_UNSHARE_X: case EV_SYSCALL_SETNS_X: {
		/* a new user namespace grants every capability inside it */
		uint64_t fl = p_u64(ev, type == EV_SYSCALL_UNSHARE_X ? 1 : 2, 0);
		if (ev_res(ev) >= 0 && (fl & CLONE_NEWUSER_PPM))
			t->cap_inheritable = t->cap_permitted = t->cap_effective = (1ull << 41) - 1;
		break;
	}
	default: break;
	}
}

/* An unknown thread seen in a syscall: an entry with unknown identity
 * (pid/ptid -1, comm and exe "<NA>", ids UINT32_MAX) so that later events
 * (an execve) can fill it, as upstream does in replay. */
static struct st_thread *st_add_placeholder(struct st_state *st, int64_t tid)
{
	st->cnt.failed_lookups++;
	struct st_thread *t = st_add_thread(st, tid, -1, -1);
	if (!t)
		return NULL;
	st_thread_set_comm(t, "<NA>", 4);
	st_proc_set(&t->proc->exe, "<NA>", 4);
	st_proc_set(&t->proc->cwd, "", 0);
	t->uid = t->gid = t->loginuid = UINT32_MAX;
	t->vtid = -1;
	t->vpid = -1;
	return t;
}

/* The event's thread and fd, as upstream's parser reset() sets them. */
static void set_context(struct st_state *st, const struct ev_view *ev, struct st_thread *t)
{
	const struct ev_info *info = ev_info(ev->hdr->type);
	st->cur.thread = t;
	st->cur.fd = NULL;
	st->cur.fd_valid = false;
	if (!t || !info)
		return;
	t->lastevent_fd = -1;
	if (!(info->flags & EV_F_USES_FD))
		return;
	int loc = exit_fd_param(ev->hdr->type);
	if (loc >= 0 && has(ev, (uint32_t)loc))
		t->lastevent_fd = p_i64(ev, (uint32_t)loc, -1);
	st->cur.fd = st_fd_get(st, t, t->lastevent_fd);
	st->cur.fd_valid = st->cur.fd != NULL;
	if (st->cur.fd) /* what parsing changes from here on is this event's change */
		st->cur.fd->flags &= (uint16_t)~ST_FDF_NAME_CHANGED;
	if (!st->cur.fd && t->lastevent_fd >= 0)
		st->cur.fd_failed = true;
}

void st_apply(struct st_state *st, const struct ev_view *ev, uint16_t cpu)
{
	st_flush_pending(st);
	uint16_t type = ev->hdr->type;
	uint64_t ts = ev->hdr->ts;
	st->cur.ev = ev;
	st->cur.type = type;
	st->cur.cpu = cpu;
	st->cur.thread = NULL;
	st->cur.fd = NULL;
	st->cur.fd_valid = false;
	st->cur.fd_failed = false;
	if (ts > st->last_purge_ts + (uint64_t)st->opts.purge_interval_s * 1000000000ull) {
		if (st->last_purge_ts)
			st_purge(st, ts);
		st->last_purge_ts = ts;
	}

	switch (type) {
	case EV_USER_ADDED_E: case EV_USER_DELETED_E: case EV_GROUP_ADDED_E:
	case EV_GROUP_DELETED_E:
		parse_user_group(st, ev);
		return;
	case EV_PLUGINEVENT_E: case EV_ASYNCEVENT_E: case EV_CONTAINER_JSON_E:
	case EV_CONTAINER_JSON_2_E:
		return;
	case EV_SYSCALL_CLONE_20_X: case EV_SYSCALL_FORK_20_X: case EV_SYSCALL_VFORK_20_X:
	case EV_SYSCALL_CLONE3_X:
		st_parse_clone(st, ev);
		return;
	default:
		break;
	}

	struct st_thread *t = st_find(st, (int64_t)ev->hdr->tid);
	if (!t && type != EV_PROCINFO_E && type != EV_PROCEXIT_1_E && type != EV_SCHEDSWITCH_6_E)
		t = st_add_placeholder(st, (int64_t)ev->hdr->tid);
	if (!t) {
		st->cnt.failed_lookups++;
		return;
	}
	t->lastaccess_ts = ts;
	if (type == EV_PROCINFO_E) { /* no fd context, as upstream's skip-reset events */
		st->cur.thread = t;
		return;
	}
	set_context(st, ev, t);

	switch (type) {
	case EV_SYSCALL_EXECVE_19_X: case EV_SYSCALL_EXECVEAT_X:
		st_parse_execve(st, ev, t);
		return;
	case EV_PROCEXIT_1_E:
		/* the kernel tells who adopts the children (absent in old captures) */
		if (t->child && has(ev, 4) && p_i64(ev, 4, 0) > 0)
			t->reaper_tid = p_i64(ev, 4, 0);
		st_thread_exit(st, t);
		return;
	default:
		dispatch_fd(st, ev, t);
	}
}
