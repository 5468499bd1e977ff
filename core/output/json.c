/* Growable buffers and JSON text: the escaping upstream applies to every
 * alert string (also to the text line), with invalid UTF-8 replaced. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output_int.h"

static bool ob_grow(struct obuf *b, size_t n)
{
	if (b->failed)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void ob_add(struct obuf *b, const void *s, size_t n)
{
	if (!ob_grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void ob_str(struct obuf *b, const char *s)
{
	ob_add(b, s, strlen(s));
}

void ob_printf(struct obuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t)n < sizeof tmp) {
		ob_add(b, tmp, (size_t)n);
		return;
	}
	if (!ob_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *ob_finish(struct obuf *b)
{
	if (b->failed) {
		free(b->p);
		return NULL;
	}
	if (!b->p)
		ob_add(b, "", 0);
	if (b->failed)
		return NULL;
	return b->p;
}

/* The length of the valid UTF-8 sequence at s (1..4), or -k when it is
 * invalid after k bytes (k >= 1: the bytes to replace by one U+FFFD). */
static int utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	int need;
	unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return -1;
	for (int k = 1; k <= need; k++) {
		if ((size_t)k >= n)
			return -k;
		unsigned char d = s[k];
		if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF))
			return -k;
	}
	return need + 1;
}

void ob_json_str(struct obuf *b, const char *s, size_t n, bool quotes)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	if (quotes)
		ob_add(b, "\"", 1);
	size_t i = 0, run = 0; /* run: bytes to copy verbatim from u + i - run */
	while (i < n) {
		unsigned char c = u[i];
		const char *esc = NULL;
		char ubuf[7];
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++, run++;
			continue;
		}
		if (c >= 0x80) {
			int k = utf8_seq(u + i, n - i);
			if (k > 0) {
				i += (size_t)k, run += (size_t)k;
				continue;
			}
			ob_add(b, u + i - run, run);
			run = 0;
			ob_add(b, "\xEF\xBF\xBD", 3);
			i += (size_t)-k;
			continue;
		}
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			memcpy(ubuf, "\\u00", 4);
			ubuf[4] = hex[c >> 4];
			ubuf[5] = hex[c & 15];
			ubuf[6] = '\0';
			esc = ubuf;
		}
		ob_add(b, u + i - run, run);
		run = 0;
		ob_str(b, esc);
		i++;
	}
	ob_add(b, u + i - run, run);
	if (quotes)
		ob_add(b, "\"", 1);
}

void ob_json_double(struct obuf *b, double d)
{
	if (!isfinite(d)) {
		ob_str(b, "null");
		return;
	}
	char tmp[40];
	/* the shortest text that reads back as the same double */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	ob_str(b, tmp);
	if (!strpbrk(tmp, ".eE"))
		ob_str(b, ".0");
}
