/*
 * A YAML tree written as JSON, the way upstream turns a plugin's map-valued
 * `init_config` into the string it hands to the plugin: object keys sorted
 * (a repeated key keeps its last value), scalars typed as a 32-bit integer,
 * else a double, else a boolean, else a string.
 */
#include <math.h>
#include <stdio.h>

#include "config/internal.h"

static int put_string(struct sbuf *b, const char *s)
{
	int rc = sbuf_put(b, "\"", 1);
	for (; *s && !rc; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		switch (c) {
		case '"': rc = sbuf_puts(b, "\\\""); break;
		case '\\': rc = sbuf_puts(b, "\\\\"); break;
		case '\b': rc = sbuf_puts(b, "\\b"); break;
		case '\f': rc = sbuf_puts(b, "\\f"); break;
		case '\n': rc = sbuf_puts(b, "\\n"); break;
		case '\r': rc = sbuf_puts(b, "\\r"); break;
		case '\t': rc = sbuf_puts(b, "\\t"); break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				rc = sbuf_puts(b, esc);
			} else {
				rc = sbuf_put(b, (const char *)&c, 1);
			}
		}
	}
	return rc ? rc : sbuf_put(b, "\"", 1);
}

/* The shortest text that reads back as the same double, with ".0" on
 * integral values (as nlohmann::json prints them). */
static int put_double(struct sbuf *b, double d)
{
	char num[40];
	if (!isfinite(d))
		return sbuf_puts(b, "null");
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(num, sizeof(num), "%.*g", prec, d);
		if (strtod(num, NULL) == d)
			break;
	}
	if (!strpbrk(num, ".e"))
		strcat(num, ".0");
	return sbuf_puts(b, num);
}

static int put_scalar(struct sbuf *b, const struct cfg_node *n)
{
	int64_t i;
	double d;
	bool v;
	char num[32];
	if (cfg_scalar_i64(n, &i) && i >= INT32_MIN && i <= INT32_MAX) {
		snprintf(num, sizeof(num), "%lld", (long long)i);
		return sbuf_puts(b, num);
	}
	if (cfg_scalar_double(n, &d))
		return put_double(b, d);
	if (cfg_scalar_bool(n, &v))
		return sbuf_puts(b, v ? "true" : "false");
	return put_string(b, n->text);
}

static int put_node(struct sbuf *b, const struct cfg_node *n);

static int put_map(struct sbuf *b, const struct cfg_node *n)
{
	/* Emit keys in byte order; for a repeated key, its last occurrence. */
	int rc = sbuf_put(b, "{", 1);
	const char *prev = NULL;
	bool first = true;
	for (;;) {
		long best = -1;
		for (size_t i = 0; i < n->n; i++) {
			const char *k = n->keys[i]->text;
			if (prev && strcmp(k, prev) <= 0)
				continue;
			if (best < 0 || strcmp(k, n->keys[best]->text) <= 0)
				best = (long)i;
		}
		if (best < 0 || rc)
			break;
		prev = n->keys[best]->text;
		if (!first)
			rc = sbuf_put(b, ",", 1);
		first = false;
		if (!rc)
			rc = put_string(b, prev);
		if (!rc)
			rc = sbuf_put(b, ":", 1);
		if (!rc)
			rc = put_node(b, n->kids[best]);
	}
	return rc ? rc : sbuf_put(b, "}", 1);
}

static int put_node(struct sbuf *b, const struct cfg_node *n)
{
	switch (n->kind) {
	case CFG_NULL:
		return sbuf_puts(b, "null");
	case CFG_SCALAR:
		return put_scalar(b, n);
	case CFG_MAP:
		return put_map(b, n);
	case CFG_SEQ:
		break;
	}
	int rc = sbuf_put(b, "[", 1);
	for (size_t i = 0; i < n->n && !rc; i++) {
		if (i)
			rc = sbuf_put(b, ",", 1);
		if (!rc)
			rc = put_node(b, n->kids[i]);
	}
	return rc ? rc : sbuf_put(b, "]", 1);
}

char *cfg_node_to_json(const struct cfg_node *node)
{
	struct sbuf b = { 0 };
	if (put_node(&b, node)) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
