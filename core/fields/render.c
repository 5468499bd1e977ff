/*
 * Field values as text, as upstream's outputs print them: numbers by the
 * field's print format, booleans as true/false, addresses dotted or in
 * IPv6 form, byte buffers with '.' for unprintable bytes (or base64), list
 * fields as "(a,b)", no value as "<NA>".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fields/fields.h"

struct out {
	char *buf;
	size_t cap, len; /* len: the full length, even past cap (snprintf-like) */
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->cap) {
		size_t room = o->cap - o->len - 1;
		memcpy(o->buf + o->len, s, n < room ? n : room);
		o->buf[o->len + (n < room ? n : room)] = '\0';
	}
	o->len += n;
}

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct out *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	put(o, tmp, n > 0 ? (size_t)n : 0);
}

static uint64_t rd(const void *p, uint32_t len, uint32_t w)
{
	uint64_t x = 0;
	memcpy(&x, p, len && len < w ? len : w);
	return x;
}

static int64_t sext(uint64_t x, uint32_t w)
{
	if (w < 8 && (x >> (w * 8 - 1)) & 1)
		x |= ~0ull << (w * 8);
	return (int64_t)x;
}

static void num(struct out *o, const struct fld_val *v, uint8_t type, uint8_t fmt)
{
	uint32_t w = fld_type_width(type);
	bool sign = type == EV_PT_INT8 || type == EV_PT_INT16 || type == EV_PT_INT32 ||
	            type == EV_PT_INT64 || type == EV_PT_PID || type == EV_PT_ERRNO ||
	            type == EV_PT_FD;
	if (v->len == 0) {
		put(o, "0", 1);
		return;
	}
	uint64_t x = rd(v->ptr, v->len, w);
	if (sign)
		x = (uint64_t)sext(x, w);
	/* octal and hex show the value's own width, as C's %o/%X of that type */
	uint64_t masked = w == 8 ? x : x & ((UINT64_C(1) << (w * 8)) - 1);
	switch (fmt) {
	case EV_PF_OCT: putf(o, "%" PRIo64, (uint64_t)masked); return;
	case EV_PF_HEX: putf(o, "%" PRIX64, (uint64_t)masked); return;
	case EV_PF_10_PADDED_DEC:
		if (w == 8) {
			sign ? putf(o, "%09" PRId64, (int64_t)x) : putf(o, "%09" PRIu64, x);
			return;
		}
		break;
	default:
		break;
	}
	sign ? putf(o, "%" PRId64, (int64_t)x) : putf(o, "%" PRIu64, x);
}

static void one(struct out *o, const struct fld_val *v, uint8_t type, uint8_t fmt, bool b64)
{
	const uint8_t *p = v->ptr;
	char tmp[64];
	switch (type) {
	case EV_PT_CHARBUF: case EV_PT_FSPATH: case EV_PT_FSRELPATH:
		put(o, v->ptr, strnlen(v->ptr, v->len));
		return;
	case EV_PT_BOOL:
		rd(p, v->len, 4) ? put(o, "true", 4) : put(o, "false", 5);
		return;
	case EV_PT_BYTEBUF:
		if (b64) {
			static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
			for (uint32_t i = 0; i < v->len; i += 3) {
				uint32_t a = p[i], b = i + 1 < v->len ? p[i + 1] : 0, c = i + 2 < v->len ? p[i + 2] : 0;
				uint32_t tr = (a << 16) | (b << 8) | c;
				char q[4] = {t[(tr >> 18) & 63], t[(tr >> 12) & 63],
				             i + 1 < v->len ? t[(tr >> 6) & 63] : '=', i + 2 < v->len ? t[tr & 63] : '='};
				put(o, q, 4);
			}
			return;
		}
		for (uint32_t i = 0; i < v->len; i++) {
			char c = isprint(p[i]) ? (char)p[i] : '.';
			put(o, &c, 1);
		}
		return;
	case EV_PT_IPV4ADDR: case EV_PT_IPV6ADDR: case EV_PT_IPADDR:
		if (v->len == 4 || v->len == 16) {
			if (inet_ntop(v->len == 4 ? AF_INET : AF_INET6, p, tmp, sizeof tmp))
				put(o, tmp, strlen(tmp));
			else
				put(o, "<NA>", 4);
		}
		return;
	case EV_PT_IPNET: case EV_PT_IPV4NET: case EV_PT_IPV6NET:
		put(o, "<IPNET>", 7);
		return;
	case EV_PT_DOUBLE: {
		double d;
		memcpy(&d, p, 8);
		putf(o, "%.1lf", d);
		return;
	}
	default:
		if (fld_type_width(type))
			num(o, v, type, fmt);
		return;
	}
}

size_t fld_render(const struct fld_vals *v, uint8_t type, uint8_t fmt, bool is_list,
                  bool base64, char *buf, size_t cap)
{
	struct out o = {.buf = buf, .cap = cap};
	if (cap)
		buf[0] = '\0';
	if (!v || v->n == 0) {
		put(&o, "<NA>", 4);
		return o.len;
	}
	if (!is_list) {
		one(&o, &v->v[0], type, fmt, base64);
		return o.len;
	}
	put(&o, "(", 1);
	for (uint32_t i = 0; i < v->n; i++) {
		if (i)
			put(&o, ",", 1);
		one(&o, &v->v[i], type, fmt, base64);
	}
	put(&o, ")", 1);
	return o.len;
}
