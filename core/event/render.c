/* Parameter printers: each parameter type rendered as upstream's libsinsp
 * shows it in `evt.args` and `evt.arg.*`, as a value plus an optional
 * resolution (fd description, errno name, flag names, comm, ...). Used for
 * outputs, not on the per-event hot path; nothing here allocates. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "event/event.h"
#include "event/names.h"

#define PATH_MAX_LEN 4096
#define CONCAT_MAX 1024 /* upstream's SCAP_MAX_PATH_SIZE: longer joins give a marker */
#define RES_LEN 8192      /* room for one resolution (a path, an fd name) */

#define AF_UNIX_PPM 1
#define AF_INET_PPM 2
#define AF_INET6_PPM 10

/* A bounded output: text past `cap` is counted in `pos` but not written. */
struct out {
	char *buf;
	size_t cap;
	size_t pos;
};

static void out_init(struct out *o, char *buf, size_t cap)
{
	o->buf = buf;
	o->cap = cap;
	o->pos = 0;
	if (cap > 0)
		buf[0] = '\0';
}

static void put_n(struct out *o, const char *s, size_t n)
{
	if (o->pos + 1 < o->cap) {
		size_t room = o->cap - 1 - o->pos, k = n < room ? n : room;
		memcpy(o->buf + o->pos, s, k);
		o->buf[o->pos + k] = '\0';
	}
	o->pos += n;
}

static void put_s(struct out *o, const char *s)
{
	put_n(o, s, strlen(s));
}

static void put_c(struct out *o, char c)
{
	put_n(o, &c, 1);
}

__attribute__((format(printf, 2, 3))) static void put_f(struct out *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put_n(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* put_f(o, "%u", v) without vsnprintf (flags are rendered for every
 * evt.arg.flags a rule reads, once per event). */
static void put_u32(struct out *o, uint32_t v)
{
	char tmp[10];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_n(o, tmp + i, sizeof tmp - i);
}

/* What one parameter renders from. */
struct prm {
	const struct ev_view *v;
	const struct ev_info *info;
	const struct ev_param_info *pi; /* the schema entry (outer one for DYN) */
	const struct ev_resolver *r;
	uint32_t idx;
	uint8_t type; /* after DYN selection */
	const uint8_t *data;
	uint32_t len;
	uint64_t tid;
	bool thread_known;
};

static uint64_t rd_u(const uint8_t *p, uint32_t n)
{
	uint8_t b1;
	uint16_t b2;
	uint32_t b4;
	uint64_t b8;
	switch (n) {
	case 1: memcpy(&b1, p, 1); return b1;
	case 2: memcpy(&b2, p, 2); return b2;
	case 4: memcpy(&b4, p, 4); return b4;
	default: memcpy(&b8, p, 8); return b8;
	}
}

/* Numbers as upstream's printf formats print them: DEC as the signed value
 * after C's promotions (so a u32 >= 2^31 prints negative, as "%d" does),
 * HEX uppercase and OCT with a leading 0, both of the promoted bits. */
static void put_num(struct out *o, uint8_t fmt, int64_t sval, uint64_t bits)
{
	switch (fmt) {
	case EV_PF_OCT: put_f(o, "%#" PRIo64, bits); break;
	case EV_PF_HEX: put_f(o, "%" PRIX64, bits); break;
	case EV_PF_10_PADDED_DEC: put_f(o, "%09" PRId64, sval); break;
	default: put_f(o, "%" PRId64, sval); break;
	}
}

static bool render_int(const struct prm *p, struct out *val)
{
	uint8_t fmt = p->pi->fmt;
	switch (p->type) {
	case EV_PT_INT8: { int v = (int8_t)rd_u(p->data, 1); put_num(val, fmt, v, (unsigned)v); return true; }
	case EV_PT_INT16: { int v = (int16_t)rd_u(p->data, 2); put_num(val, fmt, v, (unsigned)v); return true; }
	case EV_PT_INT32: { int32_t v = (int32_t)rd_u(p->data, 4); put_num(val, fmt, v, (uint32_t)v); return true; }
	case EV_PT_UINT8: { unsigned v = (uint8_t)rd_u(p->data, 1); put_num(val, fmt, v, v); return true; }
	case EV_PT_UINT16: { unsigned v = (uint16_t)rd_u(p->data, 2); put_num(val, fmt, v, v); return true; }
	case EV_PT_UINT32: { uint32_t v = (uint32_t)rd_u(p->data, 4); put_num(val, fmt, (int32_t)v, v); return true; }
	case EV_PT_INT64:
	case EV_PT_UINT64: { uint64_t v = rd_u(p->data, 8); put_num(val, fmt, (int64_t)v, v); return true; }
	default: return false;
	}
}

static uint32_t fixed_width(uint8_t type)
{
	switch (type) {
	case EV_PT_INT8: case EV_PT_UINT8: case EV_PT_FLAGS8: case EV_PT_ENUMFLAGS8: case EV_PT_SIGTYPE:
		return 1;
	case EV_PT_INT16: case EV_PT_UINT16: case EV_PT_FLAGS16: case EV_PT_ENUMFLAGS16: case EV_PT_SYSCALLID:
		return 2;
	case EV_PT_INT32: case EV_PT_UINT32: case EV_PT_FLAGS32: case EV_PT_ENUMFLAGS32: case EV_PT_MODE:
	case EV_PT_UID: case EV_PT_GID: case EV_PT_SIGSET:
		return 4;
	case EV_PT_INT64: case EV_PT_UINT64: case EV_PT_ERRNO: case EV_PT_FD: case EV_PT_PID:
	case EV_PT_RELTIME: case EV_PT_ABSTIME:
		return 8;
	default:
		return 0;
	}
}

static void render_errno(const struct prm *p, struct out *val, struct out *res)
{
	int64_t v = (int64_t)rd_u(p->data, 8);
	put_f(val, "%" PRId64, v);
	const char *name = ev_errno_name((int32_t)v);
	if (name != NULL)
		put_s(res, name);
}

static void render_fd(const struct prm *p, struct out *val, struct out *res)
{
	int64_t fd = (int64_t)rd_u(p->data, 8);
	put_f(val, "%" PRId64, fd);
	if (!p->thread_known)
		return;
	if (fd >= 0) {
		char desc[RES_LEN];
		if (p->r->fd_desc != NULL && p->r->fd_desc(p->r->ctx, p->tid, fd, desc, sizeof(desc)))
			put_s(res, desc);
	} else if (fd == EV_AT_FDCWD) {
		put_s(res, "AT_FDCWD");
	} else {
		const char *name = ev_errno_name((int32_t)fd);
		if (name != NULL)
			put_s(res, name);
	}
}

static void render_pid(const struct prm *p, struct out *val, struct out *res)
{
	int64_t pid = (int64_t)rd_u(p->data, 8);
	put_f(val, "%" PRId64, pid);
	const char *comm = p->r != NULL && p->r->comm != NULL ? p->r->comm(p->r->ctx, pid) : NULL;
	if (comm != NULL)
		put_s(res, comm);
}

/* The directory a relative path of this parameter starts from. */
static void base_dir(const struct prm *p, char *buf, size_t len)
{
	int64_t dirfd = EV_AT_FDCWD;
	buf[0] = '\0';
	if (p->pi->type == EV_PT_FSRELPATH) {
		uintptr_t d = (uintptr_t)p->pi->info;
		if (d < p->info->nparams && d < p->v->nparams && p->info->params[d].type == EV_PT_FD &&
		    p->v->len[d] == 8)
			dirfd = (int64_t)rd_u(p->v->val[d], 8);
	}
	if (p->r->base_dir == NULL || !p->r->base_dir(p->r->ctx, p->tid, dirfd, buf, len))
		buf[0] = '\0';
}

static void render_path(const struct prm *p, struct out *val, struct out *res)
{
	size_t n = strnlen((const char *)p->data, p->len);
	put_n(val, (const char *)p->data, n);
	if (!p->thread_known || n == 0 || p->data[0] == '/')
		return;
	char path[PATH_MAX_LEN], base[PATH_MAX_LEN], joined[PATH_MAX_LEN];
	if (n >= sizeof(path))
		n = sizeof(path) - 1;
	memcpy(path, p->data, n);
	path[n] = '\0';
	if (strcmp(path, "<NA>") == 0)
		return;
	base_dir(p, base, sizeof(base));
	ev_path_concat(base, path, joined, sizeof(joined));
	put_s(res, joined);
}

/* Raw bytes with every non-printable byte shown as '.'. */
static void render_bytes(const struct prm *p, struct out *val)
{
	char chunk[256];
	for (uint32_t k = 0; k < p->len; k += sizeof(chunk)) {
		uint32_t n = p->len - k < sizeof(chunk) ? p->len - k : (uint32_t)sizeof(chunk);
		for (uint32_t j = 0; j < n; j++) {
			uint8_t c = p->data[k + j];
			chunk[j] = c >= 0x20 && c < 0x7f ? (char)c : '.';
		}
		put_n(val, chunk, n);
	}
}

/* Standard base64 with '=' padding. */
static void render_base64(const struct prm *p, struct out *val)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (uint32_t k = 0; k < p->len; k += 3) {
		uint32_t n = p->len - k < 3 ? p->len - k : 3;
		uint32_t w = (uint32_t)p->data[k] << 16 | (n > 1 ? (uint32_t)p->data[k + 1] << 8 : 0) |
		             (n > 2 ? p->data[k + 2] : 0);
		char q[4] = {abc[w >> 18 & 63], abc[w >> 12 & 63], n > 1 ? abc[w >> 6 & 63] : '=', n > 2 ? abc[w & 63] : '='};
		put_n(val, q, 4);
	}
}

static void put_ipv4(struct out *o, const uint8_t *ip, const uint8_t *port)
{
	put_f(o, "%u.%u.%u.%u:%u", ip[0], ip[1], ip[2], ip[3], (unsigned)rd_u(port, 2));
}

static void put_ipv6(struct out *o, const uint8_t *ip, const uint8_t *port)
{
	char s[INET6_ADDRSTRLEN];
	if (inet_ntop(AF_INET6, ip, s, sizeof(s)) == NULL)
		s[0] = '\0';
	put_f(o, "%s:%u", s, (unsigned)rd_u(port, 2));
}

static const char *invalid_addr(uint8_t family, const char *other)
{
	switch (family) {
	case AF_UNIX_PPM: return "INVALID PATH";
	case AF_INET_PPM: return "INVALID IPv4";
	case AF_INET6_PPM: return "INVALID IPv6";
	default: return other;
	}
}

static void render_sockaddr(const struct prm *p, struct out *val)
{
	const uint8_t *d = p->data;
	uint8_t fam = d[0];
	bool ok = fam == AF_INET_PPM ? p->len >= 7
	        : fam == AF_INET6_PPM ? p->len >= 19
	        : fam == AF_UNIX_PPM ? p->len >= 2 && d[p->len - 1] == '\0'
	        : true;
	if (!ok)
		put_s(val, invalid_addr(fam, "INVALID SOCKADDR"));
	else if (fam == AF_UNIX_PPM)
		put_s(val, (const char *)d + 1);
	else if (fam == AF_INET_PPM)
		put_ipv4(val, d + 1, d + 5);
	else if (fam == AF_INET6_PPM)
		put_ipv6(val, d + 1, d + 17);
	else
		put_f(val, "family %u", fam);
}

/* ::ffff:a.b.c.d, or the all-zero address, which upstream also takes as v4 */
static bool v4_mapped(const uint8_t *ip)
{
	static const uint8_t zero[12];
	return memcmp(ip, zero, 10) == 0 &&
	       ((ip[10] == 0xff && ip[11] == 0xff) || memcmp(ip + 10, zero, 6) == 0);
}

static void render_socktuple(const struct prm *p, struct out *val)
{
	const uint8_t *d = p->data;
	uint8_t fam = d[0];
	bool ok = fam == AF_INET_PPM ? p->len >= 13
	        : fam == AF_INET6_PPM ? p->len >= 37
	        : fam == AF_UNIX_PPM ? p->len >= 18 && d[p->len - 1] == '\0'
	        : true;
	if (!ok) {
		put_s(val, invalid_addr(fam, "INVALID SOCKTUPLE"));
	} else if (fam == AF_UNIX_PPM) {
		put_f(val, "%" PRIx64 "->%" PRIx64 " ", rd_u(d + 1, 8), rd_u(d + 9, 8));
		put_s(val, (const char *)d + 17);
	} else if (fam == AF_INET_PPM) {
		put_ipv4(val, d + 1, d + 5);
		put_s(val, "->");
		put_ipv4(val, d + 7, d + 11);
	} else if (fam == AF_INET6_PPM && v4_mapped(d + 1) && v4_mapped(d + 19)) {
		put_ipv4(val, d + 13, d + 17);
		put_s(val, "->");
		put_ipv4(val, d + 31, d + 35);
	} else if (fam == AF_INET6_PPM) {
		put_ipv6(val, d + 1, d + 17);
		put_s(val, "->");
		put_ipv6(val, d + 19, d + 35);
	} else {
		put_f(val, "family %u", fam);
	}
}

/* "fd:<type char><flags hex>" per entry, space-separated; only for a known
 * thread, as upstream. */
static void render_fdlist(const struct prm *p, struct out *val)
{
	if (!p->thread_known || p->len < 2)
		return;
	uint32_t n = (uint32_t)rd_u(p->data, 2);
	for (uint32_t j = 0; j < n && 2 + 10 * (j + 1) <= p->len; j++) {
		const uint8_t *e = p->data + 2 + 10 * j;
		int64_t fd = (int64_t)rd_u(e, 8);
		int16_t fl = (int16_t)rd_u(e + 8, 2);
		char desc[RES_LEN], tch = '?';
		if (p->r->fd_desc != NULL && p->r->fd_desc(p->r->ctx, p->tid, fd, desc, sizeof(desc)) &&
		    desc[0] == '<' && desc[1] != '\0')
			tch = desc[1];
		put_f(val, "%" PRIu64 ":%c%x", (uint64_t)fd, tch, (uint32_t)(int32_t)fl);
		if (j + 1 < n)
			put_c(val, ' ');
	}
}

/* Flag names for FLAGS* (bits, upstream's table order; a 0-valued name only
 * for 0) and ENUMFLAGS* (every name equal to the value). */
static void render_flags(const struct prm *p, struct out *val, struct out *res)
{
	uint32_t w = fixed_width(p->type);
	uint32_t v = (uint32_t)rd_u(p->data, w), left = v;
	bool exact = p->type == EV_PT_ENUMFLAGS8 || p->type == EV_PT_ENUMFLAGS16 || p->type == EV_PT_ENUMFLAGS32;
	const char *sep = "";
	put_u32(val, v);
	for (const struct ev_name_value *f = p->pi->info; f != NULL && f->name != NULL; f++) {
		bool match;
		if (exact) {
			match = f->value == v;
		} else {
			match = (f->value == 0 && v == 0) || (f->value != 0 && (left & f->value) == f->value && left != 0);
			if (match)
				left &= ~f->value;
		}
		if (!match)
			continue;
		put_s(res, sep);
		put_s(res, f->name);
		sep = "|";
		if (!exact && f->value == v)
			break;
	}
}

/* File modes: names of the bits present, in table order, stopping at (and
 * naming) an entry equal to the whole value, as upstream's loop does. */
static void render_mode(const struct prm *p, struct out *val, struct out *res)
{
	uint32_t v = (uint32_t)rd_u(p->data, 4), left = v;
	const char *sep = "";
	put_num(val, p->pi->fmt, (int32_t)v, v);
	const struct ev_name_value *m = p->pi->info;
	for (; m != NULL && m->name != NULL && m->value != v; m++) {
		if ((m->value == 0 && v == 0) || (m->value != 0 && (left & m->value) == m->value && left != 0)) {
			put_s(res, sep);
			put_s(res, m->name);
			sep = "|";
			left &= ~m->value;
		}
	}
	if (m != NULL && m->name != NULL) {
		put_s(res, sep);
		put_s(res, m->name);
	}
}

/* Local time with nanoseconds; upstream's format drops the zone suffix. */
static void render_abstime(const struct prm *p, struct out *val)
{
	uint64_t ns = rd_u(p->data, 8);
	time_t sec = (time_t)(ns / 1000000000u);
	struct tm tm;
	char s[64];
	localtime_r(&sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm);
	put_f(val, "%s.%09u", s, (unsigned)(ns % 1000000000u));
}

static void render_id(const struct prm *p, struct out *val, struct out *res, bool user)
{
	uint32_t id = (uint32_t)rd_u(p->data, 4);
	if (id == UINT32_MAX) {
		put_s(val, "-1");
		put_s(res, "<NONE>");
		return;
	}
	put_f(val, "%d", (int32_t)id);
	const char *name = NULL;
	if (p->thread_known) {
		if (user && p->r->user_name != NULL)
			name = p->r->user_name(p->r->ctx, p->tid, id);
		else if (!user && p->r->group_name != NULL)
			name = p->r->group_name(p->r->ctx, p->tid, id);
	}
	put_s(res, name != NULL && name[0] != '\0' ? name : "<NA>");
}

/* NUL-separated strings joined by '.' (arrays) or as "a:b,c:d" (pairs). */
static void render_strings(const struct prm *p, struct out *val, bool pairs)
{
	uint32_t len = p->len, k = 0, item = 0;
	if (len > 0 && p->data[len - 1] == '\0')
		len--;
	while (k <= len) {
		size_t n = strnlen((const char *)p->data + k, len - k);
		if (item > 0)
			put_c(val, !pairs ? '.' : (item % 2 ? ':' : ','));
		put_n(val, (const char *)p->data + k, n);
		k += (uint32_t)n + 1;
		item++;
	}
}

static void render_sigset(const struct prm *p, struct out *val)
{
	uint32_t v = (uint32_t)rd_u(p->data, 4);
	bool first = true;
	for (uint32_t sig = 0; sig < 32; sig++) {
		const char *name = (v & (1u << sig)) ? ev_signal_name(sig + 1) : NULL;
		if (name == NULL)
			continue;
		if (!first)
			put_c(val, ' ');
		put_s(val, name);
		first = false;
	}
}

static void render_reltime(const struct prm *p, struct out *val, struct out *res)
{
	uint64_t v = rd_u(p->data, 8);
	if (v == UINT64_MAX) {
		put_s(val, "none");
		return;
	}
	put_f(val, "%" PRIu64, v);
	put_f(res, "%lgs", (double)v / 1000000000);
}

static void render_typed(const struct prm *p, struct out *val, struct out *res)
{
	switch (p->type) {
	case EV_PT_ERRNO: render_errno(p, val, res); break;
	case EV_PT_FD: render_fd(p, val, res); break;
	case EV_PT_PID: render_pid(p, val, res); break;
	case EV_PT_CHARBUF: put_n(val, (const char *)p->data, strnlen((const char *)p->data, p->len)); break;
	case EV_PT_FSPATH:
	case EV_PT_FSRELPATH: render_path(p, val, res); break;
	case EV_PT_BYTEBUF:
		if (p->r->base64_buffers)
			render_base64(p, val);
		else
			render_bytes(p, val);
		break;
	case EV_PT_SOCKADDR: render_sockaddr(p, val); break;
	case EV_PT_SOCKTUPLE: render_socktuple(p, val); break;
	case EV_PT_FDLIST: render_fdlist(p, val); break;
	case EV_PT_SYSCALLID: {
		uint16_t id = (uint16_t)rd_u(p->data, 2);
		if (id >= EV_SC_MAX) {
			put_s(val, "<unknown syscall>");
			break;
		}
		put_f(val, "%u", id);
		const char *name = ev_syscall_name(id);
		if (name != NULL)
			put_s(res, name);
		break;
	}
	case EV_PT_SIGTYPE: {
		uint8_t sig = (uint8_t)rd_u(p->data, 1);
		put_f(val, "%u", sig);
		const char *name = ev_signal_name(sig);
		if (name != NULL)
			put_s(res, name);
		break;
	}
	case EV_PT_RELTIME: render_reltime(p, val, res); break;
	case EV_PT_ABSTIME: render_abstime(p, val); break;
	case EV_PT_FLAGS8: case EV_PT_FLAGS16: case EV_PT_FLAGS32:
	case EV_PT_ENUMFLAGS8: case EV_PT_ENUMFLAGS16: case EV_PT_ENUMFLAGS32: render_flags(p, val, res); break;
	case EV_PT_MODE: render_mode(p, val, res); break;
	case EV_PT_UID: render_id(p, val, res, true); break;
	case EV_PT_GID: render_id(p, val, res, false); break;
	case EV_PT_CHARBUFARRAY: render_strings(p, val, false); break;
	case EV_PT_CHARBUF_PAIR_ARRAY: render_strings(p, val, true); break;
	case EV_PT_SIGSET: render_sigset(p, val); break;
	case EV_PT_DYN: put_s(val, "INVALID DYNAMIC PARAMETER"); break;
	default:
		if (!render_int(p, val))
			put_s(val, "(n.a.)"); /* upstream prints no other type */
		break;
	}
}

/* Types upstream shows as "NULL" rather than "<NA>" when empty. */
static bool empty_is_null(uint8_t type)
{
	return type == EV_PT_BYTEBUF || type == EV_PT_SOCKTUPLE || type == EV_PT_FDLIST ||
	       type == EV_PT_CHARBUFARRAY || type == EV_PT_CHARBUF_PAIR_ARRAY || type == EV_PT_DYN;
}

static bool is_string(uint8_t type)
{
	return type == EV_PT_CHARBUF || type == EV_PT_FSPATH || type == EV_PT_FSRELPATH;
}

static void render(const struct ev_view *v, uint32_t i, const struct ev_resolver *r, struct out *val,
                   struct out *res)
{
	static const struct ev_resolver none;
	const struct ev_info *info = ev_info(v->hdr->type);
	if (info == NULL || i >= v->nparams || i >= info->nparams) {
		put_s(val, "<NA>");
		return;
	}
	struct prm p = {
		.v = v, .info = info, .pi = &info->params[i], .r = r != NULL ? r : &none, .idx = i,
		.type = info->params[i].type, .data = v->val[i], .len = v->len[i], .tid = v->hdr->tid,
	};
	p.thread_known = p.r->comm != NULL && p.r->comm(p.r->ctx, (int64_t)p.tid) != NULL;

	/* Strings that are empty or the old "(NULL)" marker read as "<NA>". */
	if (p.len == 0 || (is_string(p.type) && p.len == 7 && memcmp(p.data, "(NULL)", 7) == 0)) {
		put_s(val, p.len == 0 && empty_is_null(p.type) ? "NULL" : "<NA>");
		return;
	}
	if (p.type == EV_PT_DYN && p.pi->info != NULL && p.data[0] < p.pi->ninfo) {
		const struct ev_param_info *dyn = p.pi->info;
		p.type = dyn[p.data[0]].type;
		p.data++;
		p.len--;
	}
	uint32_t w = fixed_width(p.type);
	if (w != 0 && p.len != w) {
		put_s(val, "<NA>"); /* wrong width: upstream fails here; we show nothing */
		return;
	}
	render_typed(&p, val, res);
}

void ev_render_param_split(const struct ev_view *v, uint32_t i, const struct ev_resolver *r,
                           char *val, size_t vlen, char *res, size_t rlen)
{
	struct out ov, orr;
	out_init(&ov, val, vlen);
	out_init(&orr, res, rlen);
	render(v, i, r, &ov, &orr);
}

static void render_joined(const struct ev_view *v, uint32_t i, const struct ev_resolver *r, struct out *o)
{
	char res[RES_LEN];
	struct out orr;
	out_init(&orr, res, sizeof(res));
	render(v, i, r, o, &orr);
	if (res[0] != '\0') {
		put_c(o, '(');
		put_s(o, res);
		put_c(o, ')');
	}
}

size_t ev_render_param(const struct ev_view *v, uint32_t i, const struct ev_resolver *r, char *buf, size_t len)
{
	struct out o;
	out_init(&o, buf, len);
	render_joined(v, i, r, &o);
	return o.pos;
}

size_t ev_render_args(const struct ev_view *v, const struct ev_resolver *r, char *buf, size_t len)
{
	struct out o;
	out_init(&o, buf, len);
	const struct ev_info *info = ev_info(v->hdr->type);
	if (info == NULL || v->hdr->type == EV_GENERIC_X)
		return 0; /* upstream hides the internal args of generic events */
	uint32_t n = v->nparams < info->nparams ? v->nparams : info->nparams;
	for (uint32_t i = 0; i < n; i++) {
		if (i > 0)
			put_c(&o, ' ');
		put_s(&o, info->params[i].name);
		put_c(&o, '=');
		render_joined(v, i, r, &o);
	}
	return o.pos;
}

/* Removes the last component of t[0..*n), never going above t[0]. */
static void path_up(const char *t, size_t *n)
{
	if (*n <= 1)
		return;
	(*n)--;
	while (*n >= 1 && t[*n - 1] != '/')
		(*n)--;
}

size_t ev_path_concat(const char *base, const char *path, char *buf, size_t len)
{
	char t[CONCAT_MAX];
	size_t bl = strlen(base), pl = strlen(path), n = 0;
	struct out o;
	out_init(&o, buf, len);
	if (bl + pl + 1 > sizeof(t)) {
		put_s(&o, "/DIR_TOO_LONG/FILENAME_TOO_LONG");
		return o.pos;
	}
	if (pl != 0 && path[0] != '/') {
		memcpy(t, base, bl);
		n = bl;
	}
	bool had_base = n > 0;
	const char *p = path;
	while (*p != '\0') {
		bool at_component = n == 0 || t[n - 1] == '/';
		if (*p == '.' && at_component && p[1] == '.' && (p[2] == '/' || p[2] == '\0')) {
			path_up(t, &n);
			p += p[2] == '/' ? 3 : 2;
		} else if (*p == '.' && at_component && (p[1] == '/' || p[1] == '\0')) {
			p += p[1] == '/' ? 2 : 1;
		} else if (*p == '/' && ((n > 0 && t[n - 1] == '/') || (n == 0 && had_base))) {
			p++; /* repeated separator, or one left at the front after climbing */
		} else {
			t[n++] = *p++;
		}
	}
	if (n > 1 && t[n - 1] == '/')
		n--;
	put_n(&o, t, n);
	return o.pos;
}
