/* Output format strings: compiled once through core/filter, rendered per
 * alert as text (upstream's tostring) or as typed JSON values (its
 * tojson). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output_int.h"

/* Fields whose JSON value upstream gives as the event time in ns (their
 * extract_as_js), although their text is a formatted date. */
static const char *const json_ts_fields[] = {
	"evt.time", "evt.time.s", "evt.time.iso8601", "evt.datetime", "evt.datetime.s", NULL,
};

static int fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, arg);
	return -EINVAL;
}

/* ---- compile ---- */

static int oexpr_init(struct oexpr *e, struct flt_compiler *c, const struct flt_node *n, char *err,
                      size_t errlen)
{
	struct flt_error fe;
	memset(e, 0, sizeof *e);
	e->x = flt_compile_expr(c, n, &fe);
	if (!e->x)
		return fail(err, errlen, "%s", fe.msg);
	e->key = flt_node_str(n);
	if (!e->key)
		return -ENOMEM;
	uint32_t flags = 0;
	flt_expr_shape(e->x, NULL, &e->pfmt, &flags);
	e->list = (flags & FLD_F_IS_LIST) != 0;
	if (n->kind == FLT_FIELD)
		for (const char *const *f = json_ts_fields; *f; f++)
			if (!strcmp(e->key, *f))
				e->json_ts = true;
	return 0;
}

static void oexpr_fini(struct oexpr *e)
{
	if (e->x)
		flt_expr_free_public(e->x);
	free(e->key);
	memset(e, 0, sizeof *e);
}

struct cstate {
	struct out_fmt *f;
	struct flt_compiler *c;
	char *err;
	size_t errlen;
};

static bool jf_has(const struct out_fmt *f, const char *key)
{
	for (uint32_t i = 0; i < f->njf; i++)
		if (!strcmp(f->jf[i].key, key))
			return true;
	return false;
}

/* The plain fields of a token, as upstream's formatter_visitor collects
 * them: fields anywhere in the tree (transformed values are not listed). */
static int collect_fields(struct cstate *s, const struct flt_node *n)
{
	if (n->kind == FLT_TRANSFORMER || n->kind == FLT_TLIST) {
		for (uint32_t i = 0; i < n->nkids; i++) {
			int rc = collect_fields(s, n->kids[i]);
			if (rc)
				return rc;
		}
		return 0;
	}
	if (n->kind != FLT_FIELD)
		return 0;
	struct oexpr e;
	int rc = oexpr_init(&e, s->c, n, s->err, s->errlen);
	if (rc) {
		oexpr_fini(&e);
		return rc;
	}
	if (jf_has(s->f, e.key)) {
		oexpr_fini(&e);
		return 0;
	}
	struct oexpr *p = realloc(s->f->jf, (s->f->njf + 1) * sizeof *p);
	if (!p) {
		oexpr_fini(&e);
		return -ENOMEM;
	}
	s->f->jf = p;
	p[s->f->njf++] = e;
	return 0;
}

static struct otok *add_tok(struct out_fmt *f)
{
	struct otok *p = realloc(f->toks, (f->ntoks + 1) * sizeof *p);
	if (!p)
		return NULL;
	f->toks = p;
	memset(&p[f->ntoks], 0, sizeof *p);
	return &p[f->ntoks++];
}

static int add_raw(struct out_fmt *f, const char *s, size_t n)
{
	struct otok *t = add_tok(f);
	if (!t || !(t->raw = strndup(s, n)))
		return -ENOMEM;
	t->rawlen = n;
	return 0;
}

/* Parses the field at `rest` as upstream does: the longest prefix (trying
 * shorter and shorter ones) that parses and compiles. Stores the bytes it
 * used. */
static int add_field(struct cstate *s, const char *rest, uint32_t width, size_t *used)
{
	size_t fsize = strlen(rest);
	char *buf = malloc(fsize + 1);
	struct flt_error fe = {0};
	struct flt_node *n = NULL;
	if (!buf)
		return -ENOMEM;
	for (; fsize > 0; fsize--) {
		memcpy(buf, rest, fsize);
		buf[fsize] = '\0';
		size_t u = 0;
		n = flt_parse_field(buf, &fe, &u);
		if (!n)
			continue;
		struct flt_expr *x = flt_compile_expr(s->c, n, &fe);
		if (x) {
			flt_expr_free_public(x);
			*used = u;
			break;
		}
		flt_node_free(n);
		n = NULL;
	}
	free(buf);
	if (!n)
		return fail(s->err, s->errlen, "unknown filter: %s", fe.msg);
	struct otok *t = add_tok(s->f);
	int rc = t ? oexpr_init(&t->e, s->c, n, s->err, s->errlen) : -ENOMEM;
	if (!rc) {
		t->width = width;
		rc = collect_fields(s, n);
	}
	flt_node_free(n);
	return rc;
}

static int compile_into(struct cstate *s, const char *fmt)
{
	if (fmt[0] == '*')
		fmt++;
	size_t len = strlen(fmt), last = 0, j;
	int rc;
	for (j = 0; j < len; j++) {
		if (fmt[j] != '%')
			continue;
		if (last != j && (rc = add_raw(s->f, fmt + last, j - last)))
			return rc;
		if (j == len - 1)
			return fail(s->err, s->errlen, "%s",
			            "invalid formatting syntax: formatting cannot end with a %");
		uint32_t width = 0;
		if (isdigit((unsigned char)fmt[j + 1])) {
			width = (uint32_t)strtoul(fmt + j + 1, NULL, 10);
			while (isdigit((unsigned char)fmt[j + 1])) {
				if (j + 1 == len - 1)
					return fail(s->err, s->errlen, "%s",
					            "invalid formatting syntax: formatting cannot end with a number");
				j++;
			}
		}
		size_t used = 0;
		if ((rc = add_field(s, fmt + j + 1, width, &used)))
			return rc;
		j += used;
		last = j + 1;
	}
	if (last < len && (rc = add_raw(s->f, fmt + last, len - last)))
		return rc;
	return 0;
}

struct out_fmt *out_fmt_compile(struct flt_compiler *c, const char *fmt, char *err, size_t errlen)
{
	struct out_fmt *f = calloc(1, sizeof *f);
	if (!f) {
		fail(err, errlen, "%s", "out of memory");
		return NULL;
	}
	struct cstate s = {f, c, err, errlen};
	int rc = compile_into(&s, fmt);
	if (rc) {
		if (rc == -ENOMEM)
			fail(err, errlen, "%s", "out of memory");
		out_fmt_free(f);
		return NULL;
	}
	return f;
}

void out_fmt_free(struct out_fmt *f)
{
	if (!f)
		return;
	for (uint32_t i = 0; i < f->ntoks; i++) {
		free(f->toks[i].raw);
		oexpr_fini(&f->toks[i].e);
	}
	for (uint32_t i = 0; i < f->njf; i++)
		oexpr_fini(&f->jf[i]);
	free(f->toks);
	free(f->jf);
	free(f);
}

/* ---- values ---- */

static uint64_t rd_u(const struct fld_val *v)
{
	uint64_t x = 0;
	switch (v->len) {
	case 1: x = *(const uint8_t *)v->ptr; break;
	case 2: { uint16_t t; memcpy(&t, v->ptr, 2); x = t; break; }
	case 4: { uint32_t t; memcpy(&t, v->ptr, 4); x = t; break; }
	case 8: memcpy(&x, v->ptr, 8); break;
	}
	return x;
}

static int64_t rd_i(const struct fld_val *v)
{
	switch (v->len) {
	case 1: return *(const int8_t *)v->ptr;
	case 2: { int16_t t; memcpy(&t, v->ptr, 2); return t; }
	case 4: { int32_t t; memcpy(&t, v->ptr, 4); return t; }
	case 8: { int64_t t; memcpy(&t, v->ptr, 8); return t; }
	}
	return 0;
}

enum vkind { VK_SIGNED, VK_UNSIGNED, VK_DOUBLE, VK_BOOL, VK_STR, VK_BYTES, VK_IP, VK_IPNET, VK_NONE };

static enum vkind kind_of(uint8_t type)
{
	switch (type) {
	case EV_PT_INT8: case EV_PT_INT16: case EV_PT_INT32: case EV_PT_INT64:
	case EV_PT_ERRNO: case EV_PT_FD: case EV_PT_PID: case EV_PT_FD32: case EV_PT_PID32:
		return VK_SIGNED;
	case EV_PT_UINT8: case EV_PT_UINT16: case EV_PT_UINT32: case EV_PT_UINT64:
	case EV_PT_L4PROTO: case EV_PT_PORT: case EV_PT_FLAGS8: case EV_PT_FLAGS16:
	case EV_PT_FLAGS32: case EV_PT_ENUMFLAGS8: case EV_PT_ENUMFLAGS16: case EV_PT_ENUMFLAGS32:
	case EV_PT_UID: case EV_PT_GID: case EV_PT_RELTIME: case EV_PT_ABSTIME: case EV_PT_MODE:
	case EV_PT_SIGTYPE: case EV_PT_SIGSET: case EV_PT_SYSCALLID:
		return VK_UNSIGNED;
	case EV_PT_DOUBLE: return VK_DOUBLE;
	case EV_PT_BOOL: return VK_BOOL;
	case EV_PT_BYTEBUF: return VK_BYTES;
	case EV_PT_IPV4ADDR: case EV_PT_IPV6ADDR: case EV_PT_IPADDR:
	case EV_PT_IPV4NET: case EV_PT_IPV6NET:
		return VK_IP;
	case EV_PT_IPNET: return VK_IPNET;
	case EV_PT_SOCKADDR: case EV_PT_SOCKTUPLE: case EV_PT_SOCKFAMILY: case EV_PT_FDLIST:
		return VK_NONE;
	default:
		return VK_STR; /* CHARBUF, FSPATH, FSRELPATH, DYN, arrays */
	}
}

/* A signed value's bits at its own width (upstream prints int8 -1 in hex
 * as FF). */
static uint64_t masked(int64_t i, uint32_t len)
{
	uint64_t mask = len >= 8 ? UINT64_MAX : ((uint64_t)1 << (len * 8)) - 1;
	return (uint64_t)i & mask;
}

/* Integer text as upstream's rawval_to_string: PF_OCT, PF_HEX (upper
 * case), PF_10_PADDED_DEC (%09), else decimal. */
static void int_text(struct obuf *b, const struct fld_val *v, bool sign, uint8_t pfmt)
{
	if (v->len == 0) {
		ob_str(b, "0");
		return;
	}
	uint64_t u = rd_u(v);
	int64_t i = rd_i(v);
	switch (pfmt) {
	case EV_PF_OCT: ob_printf(b, "%" PRIo64, sign ? masked(i, v->len) : u); break;
	case EV_PF_HEX: ob_printf(b, "%" PRIX64, sign ? masked(i, v->len) : u); break;
	case EV_PF_10_PADDED_DEC:
		if (sign)
			ob_printf(b, "%09" PRId64, i);
		else
			ob_printf(b, "%09" PRIu64, u);
		break;
	default:
		if (sign)
			ob_printf(b, "%" PRId64, i);
		else
			ob_printf(b, "%" PRIu64, u);
	}
}

static void ip_text(struct obuf *b, const struct fld_val *v)
{
	char a[INET6_ADDRSTRLEN];
	if (v->len == 4 || v->len == 8) {
		const uint8_t *p = v->ptr;
		ob_printf(b, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
	} else if (v->len >= 16 && inet_ntop(AF_INET6, v->ptr, a, sizeof a)) {
		ob_str(b, a);
	} else {
		ob_str(b, "<NA>");
	}
}

static void str_text(struct obuf *b, const struct fld_val *v)
{
	/* upstream hands strings out as C strings: they end at the first NUL */
	const char *p = v->ptr;
	const char *z = v->len ? memchr(p, '\0', v->len) : NULL;
	ob_add(b, p, z ? (size_t)(z - p) : v->len);
}

static void base64_text(struct obuf *b, const unsigned char *p, uint32_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (uint32_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char q[4] = {tab[v >> 18], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=',
		             i + 2 < n ? tab[v & 63] : '='};
		ob_add(b, q, 4);
	}
}

static void val_text(struct obuf *b, const struct fld_val *v, uint8_t type, uint8_t pfmt,
                     bool base64)
{
	switch (kind_of(type)) {
	case VK_SIGNED: int_text(b, v, true, pfmt); break;
	case VK_UNSIGNED: int_text(b, v, false, pfmt); break;
	case VK_DOUBLE: {
		double d = 0;
		if (v->len == 8)
			memcpy(&d, v->ptr, 8);
		ob_printf(b, "%.1f", d);
		break;
	}
	case VK_BOOL: ob_str(b, rd_u(v) ? "true" : "false"); break;
	case VK_BYTES: {
		const unsigned char *p = v->ptr;
		if (base64) {
			base64_text(b, p, v->len);
			break;
		}
		for (uint32_t i = 0; i < v->len; i++) {
			char c = isprint(p[i]) ? (char)p[i] : '.';
			ob_add(b, &c, 1);
		}
		break;
	}
	case VK_IP: ip_text(b, v); break;
	case VK_IPNET: ob_str(b, "<IPNET>"); break;
	case VK_NONE: ob_str(b, "<NA>"); break;
	case VK_STR: str_text(b, v); break;
	}
}

/* JSON value as upstream's rawval_to_json: numbers for decimal/ID formats,
 * the text (a string) for octal, hex and padded formats. */
static void val_json(struct obuf *b, const struct fld_val *v, uint8_t type, uint8_t pfmt,
                     bool base64)
{
	enum vkind k = kind_of(type);
	bool text_fmt = pfmt == EV_PF_OCT || pfmt == EV_PF_HEX || pfmt == EV_PF_10_PADDED_DEC;
	if ((k == VK_SIGNED || k == VK_UNSIGNED) && !text_fmt) {
		int_text(b, v, k == VK_SIGNED, EV_PF_DEC);
		return;
	}
	if (k == VK_DOUBLE) {
		double d = 0;
		if (v->len == 8)
			memcpy(&d, v->ptr, 8);
		if (pfmt == EV_PF_DEC)
			ob_printf(b, "%" PRId64, (int64_t)d);
		else
			ob_json_double(b, d);
		return;
	}
	if (k == VK_BOOL) {
		ob_str(b, rd_u(v) ? "true" : "false");
		return;
	}
	if (k == VK_NONE) {
		ob_str(b, "null");
		return;
	}
	struct obuf t = {0};
	val_text(&t, v, type, pfmt, base64);
	ob_json_str(b, t.failed ? "" : (t.p ? t.p : ""), t.failed ? 0 : t.len, true);
	free(t.p);
}

void ofmt_expr_text(struct obuf *b, struct oexpr *e, struct fld_ctx *ctx)
{
	uint8_t type = 0;
	const struct fld_vals *vs = flt_expr_values(e->x, ctx, &type);
	if (!vs || vs->n == 0) {
		ob_str(b, "<NA>");
		return;
	}
	if (!e->list) {
		val_text(b, &vs->v[0], type, e->pfmt, e->base64);
		return;
	}
	ob_add(b, "(", 1);
	for (uint32_t i = 0; i < vs->n; i++) {
		if (i)
			ob_add(b, ",", 1);
		val_text(b, &vs->v[i], type, e->pfmt, e->base64);
	}
	ob_add(b, ")", 1);
}

void ofmt_expr_json(struct obuf *b, struct oexpr *e, struct fld_ctx *ctx)
{
	uint8_t type = 0;
	const struct fld_vals *vs = flt_expr_values(e->x, ctx, &type);
	if (!vs || vs->n == 0) {
		ob_str(b, "null");
		return;
	}
	if (e->json_ts && ctx->ev && ctx->ev->hdr) {
		ob_printf(b, "%" PRId64, (int64_t)ctx->ev->hdr->ts);
		return;
	}
	if (!e->list) {
		val_json(b, &vs->v[0], type, e->pfmt, e->base64);
		return;
	}
	ob_add(b, "[", 1);
	for (uint32_t i = 0; i < vs->n; i++) {
		if (i)
			ob_add(b, ",", 1);
		val_json(b, &vs->v[i], type, e->pfmt, e->base64);
	}
	ob_add(b, "]", 1);
}

void ofmt_set_base64(struct out_fmt *f)
{
	for (uint32_t i = 0; i < f->ntoks; i++)
		f->toks[i].e.base64 = true;
	for (uint32_t i = 0; i < f->njf; i++)
		f->jf[i].base64 = true;
}

void ofmt_text(struct obuf *b, struct out_fmt *f, struct fld_ctx *ctx)
{
	for (uint32_t i = 0; i < f->ntoks; i++) {
		struct otok *t = &f->toks[i];
		if (t->raw) {
			ob_add(b, t->raw, t->rawlen);
			continue;
		}
		size_t start = b->len;
		ofmt_expr_text(b, &t->e, ctx);
		if (t->width && !b->failed) {
			size_t n = b->len - start;
			if (n > t->width)
				b->len = start + t->width, b->p[b->len] = '\0';
			for (; n < t->width; n++)
				ob_add(b, " ", 1);
		}
	}
}

char *out_fmt_text(struct out_fmt *f, struct fld_ctx *ctx)
{
	struct obuf b = {0};
	ofmt_text(&b, f, ctx);
	return ob_finish(&b);
}
