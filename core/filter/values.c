/*
 * Typed constants and comparisons: parsing a condition's constant into the
 * native layout of the field's type (as upstream's value parser), comparing
 * two typed values (as upstream's flt_compare), hash sets for `in`, and the
 * path prefix tree for `pmatch`.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/values.h"

/* ---- constants ---- */

/* sscanf("%d%c") as upstream's number parser: one number and nothing after
 * it (leading blanks and a sign are accepted by sscanf). */
#define SCAN_ONE(fmt, var, s) ({ char _t; sscanf((s), fmt "%c", (var), &_t) == 1; })

static int bad_number(const char *s, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s is not a valid number", s);
	return -EINVAL;
}

static int parse_int(const char *s, uint8_t type, struct flt_cval *v, char *err, size_t errlen)
{
	uint32_t w = fld_type_width(type);
	bool sign = type == EV_PT_INT8 || type == EV_PT_INT16 || type == EV_PT_INT32 ||
	            type == EV_PT_INT64 || type == EV_PT_FD || type == EV_PT_ERRNO ||
	            type == EV_PT_PID;
	if (w == 8) {
		if (sign) {
			int64_t x;
			if (!SCAN_ONE("%" SCNd64, &x, s))
				return bad_number(s, err, errlen);
			memcpy(v->b, &x, 8);
		} else {
			uint64_t x;
			if (!SCAN_ONE("%" SCNu64, &x, s))
				return bad_number(s, err, errlen);
			memcpy(v->b, &x, 8);
		}
		v->len = 8;
		return 0;
	}
	int32_t d;
	uint32_t u;
	if (sign ? !SCAN_ONE("%" SCNd32, &d, s) : !SCAN_ONE("%" SCNu32, &u, s))
		return bad_number(s, err, errlen);
	if (sign)
		u = (uint32_t)d;
	if (w == 1) {
		uint8_t x = (uint8_t)u;
		memcpy(v->b, &x, 1);
	} else if (w == 2) {
		uint16_t x = (uint16_t)u;
		memcpy(v->b, &x, 2);
	} else {
		memcpy(v->b, &u, 4);
	}
	v->len = w;
	return 0;
}

static int parse_port(const char *s, struct flt_cval *v, char *err, size_t errlen)
{
	uint16_t port = 0;
	if (*s && strspn(s, "0123456789") == strlen(s)) {
		port = (uint16_t)strtoul(s, NULL, 10);
	} else if (*s) {
		struct servent *se = getservbyname(s, NULL);
		if (!se) {
			snprintf(err, errlen, "unrecognized protocol %s", s);
			return -EINVAL;
		}
		port = ntohs((uint16_t)se->s_port);
	}
	memcpy(v->b, &port, 2);
	v->len = 2;
	return 0;
}

static int parse_net(const char *s, bool v6, struct flt_cval *v, char *err, size_t errlen)
{
	const char *slash = strchr(s, '/');
	char ip[64];
	if (!slash || (size_t)(slash - s) >= sizeof ip) {
		snprintf(err, errlen, "unrecognized IP network %s", s);
		return -EINVAL;
	}
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	uint32_t bits;
	if (!SCAN_ONE("%" SCNu32, &bits, slash + 1))
		return bad_number(slash + 1, err, errlen);
	if (!v6) {
		bits &= 0xff; /* upstream parses the length as u8 */
		if (inet_pton(AF_INET, ip, v->b) != 1) {
			snprintf(err, errlen, "unrecognized IP address %s", s);
			return -EINVAL;
		}
		if (bits > 32) {
			snprintf(err, errlen, "invalid netmask %s", slash + 1);
			return -EINVAL;
		}
		uint32_t mask = bits ? htonl(~0u << (32 - bits)) : 0;
		memcpy(v->b + 4, &mask, 4);
		v->len = FLT_V4NET_LEN;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, v->b) != 1 || bits > 128) {
		snprintf(err, errlen, "unrecognized IPv6 network %s", s);
		return -EINVAL;
	}
	v->b[16] = (uint8_t)bits;
	v->len = FLT_V6NET_LEN;
	return 0;
}

int flt_cval_parse(const char *s, size_t len, uint8_t type, struct flt_cval *v, char *err,
                   size_t errlen)
{
	memset(v, 0, sizeof(*v));
	if (type == EV_PT_BYTEBUF) {
		v->p = malloc(len + 1);
		if (!v->p)
			return -ENOMEM;
		memcpy(v->p, s, len);
		v->p[len] = 0;
		v->len = (uint32_t)len;
		return 0;
	}
	if (memchr(s, '\0', len)) {
		snprintf(err, errlen, "filter error: filter value cannot contain a NUL byte (\\x00)");
		return -EINVAL;
	}
	v->p = v->b;
	switch (type) {
	case EV_PT_CHARBUF: case EV_PT_FSPATH: case EV_PT_FSRELPATH: case EV_PT_SOCKADDR:
	case EV_PT_SOCKTUPLE: case EV_PT_SOCKFAMILY:
		v->p = malloc(len + 1);
		if (!v->p)
			return -ENOMEM;
		memcpy(v->p, s, len);
		v->p[len] = 0;
		v->len = (uint32_t)len;
		return 0;
	case EV_PT_PORT:
		return parse_port(s, v, err, errlen);
	case EV_PT_BOOL: {
		uint32_t b;
		if (strcmp(s, "true") == 0)
			b = 1;
		else if (strcmp(s, "false") == 0)
			b = 0;
		else {
			snprintf(err, errlen, "filter error: unrecognized boolean value %s", s);
			return -EINVAL;
		}
		memcpy(v->b, &b, 4);
		v->len = 4;
		return 0;
	}
	case EV_PT_DOUBLE: {
		/* upstream parses doubles as 32-bit integers */
		int32_t d;
		if (!SCAN_ONE("%" SCNd32, &d, s))
			return bad_number(s, err, errlen);
		double x = d;
		memcpy(v->b, &x, 8);
		v->len = 8;
		return 0;
	}
	case EV_PT_IPADDR:
		type = memchr(s, '.', len) ? EV_PT_IPV4ADDR : EV_PT_IPV6ADDR;
		/* fallthrough */
	case EV_PT_IPV4ADDR:
	case EV_PT_IPV6ADDR: {
		bool v6 = type == EV_PT_IPV6ADDR;
		if (inet_pton(v6 ? AF_INET6 : AF_INET, s, v->b) != 1) {
			snprintf(err, errlen, "unrecognized IPv%d address %s", v6 ? 6 : 4, s);
			return -EINVAL;
		}
		v->len = v6 ? 16 : 4;
		return 0;
	}
	case EV_PT_IPNET:
		return parse_net(s, !memchr(s, '.', len), v, err, errlen);
	case EV_PT_IPV4NET:
		return parse_net(s, false, v, err, errlen);
	case EV_PT_IPV6NET:
		return parse_net(s, true, v, err, errlen);
	default:
		if (fld_type_width(type) && type != EV_PT_DOUBLE)
			return parse_int(s, type, v, err, errlen);
		snprintf(err, errlen, "wrong parameter type %d", type);
		return -EINVAL;
	}
}

void flt_cval_fini(struct flt_cval *v)
{
	if (v->p && v->p != v->b)
		free(v->p);
	v->p = NULL;
}

/* ---- comparison ---- */

static uint64_t rd_u(const void *p, uint32_t len, uint32_t w)
{
	uint64_t x = 0;
	uint32_t n = len && len < w ? len : w;
	memcpy(&x, p, n); /* little-endian host: low bytes first */
	return x;
}

static int64_t rd_s(const void *p, uint32_t len, uint32_t w)
{
	uint64_t x = rd_u(p, len, w);
	uint32_t n = len && len < w ? len : w;
	if (n < 8 && (x >> (n * 8 - 1)) & 1)
		x |= ~0ull << (n * 8);
	return (int64_t)x;
}

static bool cmp_num(enum flt_op op, int c)
{
	switch (op) {
	case FLT_OP_EQ: case FLT_OP_IN: case FLT_OP_INTERSECTS: return c == 0;
	case FLT_OP_NE: return c != 0;
	case FLT_OP_LT: return c < 0;
	case FLT_OP_LE: return c <= 0;
	case FLT_OP_GT: return c > 0;
	case FLT_OP_GE: return c >= 0;
	default: return false;
	}
}

#define CMP3(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

static size_t slen(const void *p, uint32_t len)
{
	const void *z = memchr(p, 0, len);
	return z ? (size_t)((const char *)z - (const char *)p) : len;
}

static bool icontains(const char *h, size_t hl, const char *n, size_t nl)
{
	if (nl == 0)
		return true;
	for (size_t i = 0; i + nl <= hl; i++) {
		size_t k = 0;
		while (k < nl && tolower((unsigned char)h[i + k]) == tolower((unsigned char)n[k]))
			k++;
		if (k == nl)
			return true;
	}
	return false;
}

/* NUL-terminated copies for fnmatch/regexec, in per-thread buffers so the
 * hot path never allocates; values longer than a buffer (larger than any
 * event parameter) are cut. */
#define CSTR_MAX 65536u

const char *flt_cstr(int which, const void *p, size_t len)
{
	static __thread char bufs[2][CSTR_MAX + 1];
	char *b = bufs[which & 1];
	if (len > CSTR_MAX)
		len = CSTR_MAX;
	memcpy(b, p, len);
	b[len] = '\0';
	return b;
}

static bool glob(const char *pat, size_t pl, const char *s, size_t sl, bool icase)
{
	return fnmatch(flt_cstr(0, pat, pl), flt_cstr(1, s, sl), icase ? FNM_CASEFOLD : 0) == 0;
}

/* Whether n occurs in h (as memmem(h, hl, n, nl) != NULL). For the short
 * needles of rules ("../", "/.ssh/", "id_rsa") a memchr on the first byte
 * and a compare of the rest beats memmem's set-up; long ones go to memmem. */
static bool has_sub(const char *h, size_t hl, const char *n, size_t nl)
{
	if (nl == 0)
		return true;
	if (nl > hl)
		return false;
	if (nl > 16)
		return memmem(h, hl, n, nl) != NULL;
	const char *p = h, *last = h + (hl - nl); /* the last place n can start */
	while (p <= last) {
		p = memchr(p, n[0], (size_t)(last - p) + 1);
		if (!p)
			return false;
		if (memcmp(p + 1, n + 1, nl - 1) == 0)
			return true;
		p++;
	}
	return false;
}

static bool cmp_str(enum flt_op op, const char *a, size_t al, const char *b, size_t bl)
{
	int c;
	switch (op) {
	case FLT_OP_CONTAINS:
		return has_sub(a, al, b, bl);
	case FLT_OP_ICONTAINS:
		return icontains(a, al, b, bl);
	case FLT_OP_STARTSWITH:
		return bl <= al && memcmp(a, b, bl) == 0;
	case FLT_OP_ENDSWITH:
		return bl <= al && memcmp(a + al - bl, b, bl) == 0;
	case FLT_OP_GLOB:
	case FLT_OP_IGLOB:
		return glob(b, bl, a, al, op == FLT_OP_IGLOB);
	default:
		c = memcmp(a, b, al < bl ? al : bl);
		if (c == 0)
			c = CMP3(al, bl);
		return cmp_num(op, c);
	}
}

static bool cmp_buf(enum flt_op op, const uint8_t *a, uint32_t al, const uint8_t *b, uint32_t bl)
{
	switch (op) {
	case FLT_OP_EQ: case FLT_OP_IN: case FLT_OP_INTERSECTS:
		return al == bl && memcmp(a, b, al) == 0;
	case FLT_OP_NE:
		return al != bl || memcmp(a, b, al) != 0;
	case FLT_OP_CONTAINS: case FLT_OP_BCONTAINS:
		return bl == 0 || memmem(a, al, b, bl) != NULL;
	case FLT_OP_STARTSWITH: case FLT_OP_BSTARTSWITH:
		return bl <= al && memcmp(a, b, bl) == 0;
	case FLT_OP_ENDSWITH:
		return bl <= al && memcmp(a + al - bl, b, bl) == 0;
	default:
		return false;
	}
}

static bool in_v6net(const uint8_t *a, const uint8_t *net)
{
	uint32_t bits = net[16];
	for (uint32_t i = 0; i < 16 && bits; i++) {
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		if ((a[i] & m) != (net[i] & m))
			return false;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return true;
}

static bool eq_or_ne(enum flt_op op, bool eq)
{
	if (op == FLT_OP_NE)
		return !eq;
	if (op == FLT_OP_EQ || op == FLT_OP_IN || op == FLT_OP_INTERSECTS)
		return eq;
	return false;
}

static bool cmp_ip(enum flt_op op, uint8_t type, const uint8_t *a, uint32_t al, const uint8_t *b,
                   uint32_t bl)
{
	bool net = type == EV_PT_IPNET || type == EV_PT_IPV4NET || type == EV_PT_IPV6NET;
	if (al == 4) {
		if (bl != (net ? FLT_V4NET_LEN : 4u))
			return op == FLT_OP_NE;
		if (!net)
			return eq_or_ne(op, memcmp(a, b, 4) == 0);
		uint32_t x, ip, mask;
		memcpy(&x, a, 4);
		memcpy(&ip, b, 4);
		memcpy(&mask, b + 4, 4);
		return eq_or_ne(op, (x & mask) == (ip & mask));
	}
	if (al == 16) {
		if (bl != (net ? FLT_V6NET_LEN : 16u))
			return op == FLT_OP_NE;
		return eq_or_ne(op, net ? in_v6net(a, b) : memcmp(a, b, 16) == 0);
	}
	return false;
}

bool flt_compare(enum flt_op op, uint8_t type, const void *a, uint32_t al, const void *b,
                 uint32_t bl)
{
	if (op == FLT_OP_EXISTS)
		return true;
	switch (type) {
	case EV_PT_INT8: case EV_PT_INT16: case EV_PT_INT32: case EV_PT_INT64: case EV_PT_FD:
	case EV_PT_PID: case EV_PT_ERRNO: {
		uint32_t w = fld_type_width(type);
		int64_t x = rd_s(a, al, w), y = rd_s(b, bl, w);
		return cmp_num(op, CMP3(x, y));
	}
	case EV_PT_DOUBLE: {
		double x, y;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		return cmp_num(op, CMP3(x, y));
	}
	case EV_PT_BOOL: {
		uint64_t x = rd_u(a, al, 4), y = rd_u(b, bl, 4);
		if (op != FLT_OP_EQ && op != FLT_OP_NE && op != FLT_OP_IN && op != FLT_OP_INTERSECTS)
			return false;
		return cmp_num(op, CMP3(x, y));
	}
	case EV_PT_CHARBUF: case EV_PT_FSPATH: case EV_PT_FSRELPATH:
		return cmp_str(op, a, slen(a, al), b, slen(b, bl));
	case EV_PT_BYTEBUF:
		return cmp_buf(op, a, al, b, bl);
	case EV_PT_IPV4ADDR: case EV_PT_IPV6ADDR: case EV_PT_IPADDR: case EV_PT_IPV4NET:
	case EV_PT_IPV6NET: case EV_PT_IPNET:
		return cmp_ip(op, type, a, al, b, bl);
	default: {
		uint32_t w = fld_type_width(type);
		if (!w)
			return false;
		uint64_t x = rd_u(a, al, w), y = rd_u(b, bl, w);
		return cmp_num(op, CMP3(x, y));
	}
	}
}

/* ---- hash set of byte strings ---- */

/* Eight bytes per step, then the tail; mixed at the end so the low bits the
 * table uses depend on every byte. */
static uint64_t hash(const void *p, uint32_t len)
{
	const uint8_t *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
	uint32_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	uint64_t t = 0;
	memcpy(&t, s + i, len - i);
	h = (h ^ t) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}

int flt_hset_init(struct flt_hset *h, uint32_t n)
{
	uint32_t cap = 8;
	while (cap < n * 2 + 2)
		cap *= 2;
	h->slots = calloc(cap, sizeof(*h->slots));
	if (!h->slots)
		return -ENOMEM;
	h->cap = cap;
	h->n = 0;
	h->minlen = UINT32_MAX;
	h->maxlen = 0;
	return 0;
}

void flt_hset_fini(struct flt_hset *h)
{
	free(h->slots);
	h->slots = NULL;
}

/* The key is borrowed: it must outlive the set. */
void flt_hset_add(struct flt_hset *h, const void *p, uint32_t len)
{
	if (flt_hset_has(h, p, len))
		return;
	uint32_t i = (uint32_t)hash(p, len) & (h->cap - 1);
	while (h->slots[i].p)
		i = (i + 1) & (h->cap - 1);
	h->slots[i].p = p ? p : (const void *)"";
	h->slots[i].len = len;
	h->n++;
	if (len < h->minlen)
		h->minlen = len;
	if (len > h->maxlen)
		h->maxlen = len;
}

bool flt_hset_has(const struct flt_hset *h, const void *p, uint32_t len)
{
	if (!h->n || len < h->minlen || len > h->maxlen)
		return false;
	uint32_t i = (uint32_t)hash(p, len) & (h->cap - 1);
	while (h->slots[i].p) {
		if (h->slots[i].len == len && memcmp(h->slots[i].p, p, len) == 0)
			return true;
		i = (i + 1) & (h->cap - 1);
	}
	return false;
}

/* ---- pmatch prefix tree ---- */

struct flt_ptree {
	char *name;               /* component (owned); NULL for the root */
	bool terminal;            /* a search path ends here: everything below matches */
	bool glob;                /* name has ?*[ */
	struct flt_ptree **kids;  /* owned */
	uint32_t nkids;
};

struct flt_ptree *flt_ptree_new(void)
{
	return calloc(1, sizeof(struct flt_ptree));
}

void flt_ptree_free(struct flt_ptree *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->nkids; i++)
		flt_ptree_free(t->kids[i]);
	free(t->kids);
	free(t->name);
	free(t);
}

static void drop_kids(struct flt_ptree *t)
{
	for (uint32_t i = 0; i < t->nkids; i++)
		flt_ptree_free(t->kids[i]);
	free(t->kids);
	t->kids = NULL;
	t->nkids = 0;
}

/* The next non-empty '/'-separated component of [*p, end), or false. */
static bool next_comp(const char **p, const char *end, const char **c, size_t *cl)
{
	while (*p < end && **p == '/')
		(*p)++;
	if (*p >= end)
		return false;
	const char *s = *p;
	while (*p < end && **p != '/')
		(*p)++;
	*c = s;
	*cl = (size_t)(*p - s);
	return true;
}

static struct flt_ptree *find_kid(struct flt_ptree *t, const char *c, size_t cl, bool glob_only,
                                  bool direct_only)
{
	for (uint32_t i = 0; i < t->nkids; i++) {
		struct flt_ptree *k = t->kids[i];
		if ((glob_only && !k->glob) || (direct_only && k->glob))
			continue;
		if (strlen(k->name) == cl && memcmp(k->name, c, cl) == 0)
			return k;
	}
	return NULL;
}

int flt_ptree_add(struct flt_ptree *t, const char *path, size_t len)
{
	const char *p = path, *end = path + len, *c;
	size_t cl;
	while (next_comp(&p, end, &c, &cl)) {
		if (t->terminal)
			return 0; /* a shorter search path already covers this one */
		struct flt_ptree *k = find_kid(t, c, cl, false, false);
		if (!k) {
			k = calloc(1, sizeof(*k));
			struct flt_ptree **ks = realloc(t->kids, (t->nkids + 1) * sizeof(*ks));
			if (!k || !ks || !(k->name = strndup(c, cl))) {
				if (ks)
					t->kids = ks;
				free(k);
				return -ENOMEM;
			}
			k->glob = strpbrk(k->name, "?*[") != NULL;
			t->kids = ks;
			t->kids[t->nkids++] = k;
		}
		t = k;
	}
	t->terminal = true;
	drop_kids(t);
	return 0;
}

static bool ptree_match(const struct flt_ptree *t, const char *p, const char *end);

static bool ptree_check(const struct flt_ptree *k, const char *p, const char *end)
{
	const char *q = p;
	const char *c;
	size_t cl;
	if (!next_comp(&q, end, &c, &cl))
		return k->terminal; /* path ends here: only an exact search path matches */
	if (k->terminal)
		return true;
	return ptree_match(k, p, end);
}

static bool ptree_match(const struct flt_ptree *t, const char *p, const char *end)
{
	const char *c;
	size_t cl;
	if (!next_comp(&p, end, &c, &cl))
		return false;
	for (uint32_t i = 0; i < t->nkids; i++) {
		const struct flt_ptree *k = t->kids[i];
		if (!k->glob && strlen(k->name) == cl && memcmp(k->name, c, cl) == 0)
			return ptree_check(k, p, end);
	}
	char comp[4097];
	if (cl >= sizeof comp)
		return false;
	memcpy(comp, c, cl);
	comp[cl] = 0;
	for (uint32_t i = 0; i < t->nkids; i++) {
		const struct flt_ptree *k = t->kids[i];
		if (k->glob && fnmatch(k->name, comp, 0) == 0 && ptree_check(k, p, end))
			return true;
	}
	return false;
}

bool flt_ptree_match(const struct flt_ptree *t, const char *path, size_t len)
{
	const char *end = path + slen(path, (uint32_t)len);
	if (t->terminal)
		return true; /* "/" was a search path */
	return ptree_match(t, path, end);
}
