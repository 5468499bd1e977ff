/*
 * The syntax tree: release, copy, canonical text, string escaping, and the
 * operator names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "filter/internal.h"

void flt_node_free(struct flt_node *n)
{
	if (!n)
		return;
	for (uint32_t i = 0; i < n->nkids; i++)
		flt_node_free(n->kids[i]);
	for (uint32_t i = 0; i < n->nvals; i++)
		free(n->vals[i].s);
	free(n->kids);
	free(n->vals);
	free(n->str);
	free(n->arg);
	free(n);
}

static char *dup_bytes(const char *s, size_t len)
{
	char *d = malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

struct flt_node *flt_node_clone(const struct flt_node *n)
{
	struct flt_node *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->kind = n->kind;
	c->pos = n->pos;
	c->len = n->len;
	c->has_arg = n->has_arg;
	if ((n->str && !(c->str = dup_bytes(n->str, n->len))) ||
	    (n->arg && !(c->arg = strdup(n->arg))))
		goto err;
	if (n->nkids) {
		c->kids = calloc(n->nkids, sizeof(*c->kids));
		if (!c->kids)
			goto err;
		for (; c->nkids < n->nkids; c->nkids++)
			if (!(c->kids[c->nkids] = flt_node_clone(n->kids[c->nkids])))
				goto err;
	}
	if (n->nvals) {
		c->vals = calloc(n->nvals, sizeof(*c->vals));
		if (!c->vals)
			goto err;
		for (; c->nvals < n->nvals; c->nvals++) {
			struct flt_str *d = &c->vals[c->nvals];
			d->len = n->vals[c->nvals].len;
			if (!(d->s = dup_bytes(n->vals[c->nvals].s, d->len)))
				goto err;
		}
	}
	return c;
err:
	flt_node_free(c);
	return NULL;
}

/* ---- strings ---- */

int flt_unescape(const char *tok, size_t len, char **out, size_t *outlen, char *msg, size_t msglen)
{
	char *res = malloc(len + 1);
	size_t n = 0;
	bool esc = false;
	if (!res) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	size_t end = len - 1;
	for (size_t i = 1; i < end; i++) {
		char c = tok[i];
		if (!esc) {
			if (c == '\\')
				esc = true;
			else
				res[n++] = c;
			continue;
		}
		esc = false;
		switch (c) {
		case 'b': res[n++] = '\b'; break;
		case 'f': res[n++] = '\f'; break;
		case 'n': res[n++] = '\n'; break;
		case 'r': res[n++] = '\r'; break;
		case 't': res[n++] = '\t'; break;
		case ' ': /* kept for old rules that wrote "\ ": gives a backslash */
		case '\\': res[n++] = '\\'; break;
		case '/': res[n++] = '/'; break;
		case '"':
		case '\'':
			if (tok[0] != c) {
				snprintf(msg, msglen, c == '"' ? "invalid \\\" escape in '-quoted string"
				                               : "invalid \\' escape in \"-quoted string");
				goto err;
			}
			res[n++] = c;
			break;
		case 'x': {
			if (i + 2 >= end) {
				snprintf(msg, msglen, "truncated hex char escape sequence");
				goto err;
			}
			unsigned v = 0;
			for (int k = 1; k <= 2; k++) {
				char h = tok[i + k];
				int d = h >= '0' && h <= '9' ? h - '0'
				      : h >= 'a' && h <= 'f' ? h - 'a' + 10
				      : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
				if (d < 0) {
					snprintf(msg, msglen, "invalid hex char escape sequence: %.2s", tok + i + 1);
					goto err;
				}
				v = v * 16 + (unsigned)d;
			}
			res[n++] = (char)v;
			i += 2;
			break;
		}
		default:
			snprintf(msg, msglen, "unsupported string escape sequence: \\%c", c);
			goto err;
		}
	}
	res[n] = '\0';
	*out = res;
	*outlen = n;
	return 0;
err:
	free(res);
	return -EINVAL;
}

/* A growable string for the printer. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t len)
{
	if (b->oom)
		return;
	if (b->len + len + 1 > b->cap) {
		size_t cap = (b->cap + len + 1) * 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* upstream's escape_str: quote only when a special character occurs. */
static void sb_escape(struct sbuf *b, const char *s, size_t len)
{
	bool quote = false;
	struct sbuf t = {0};
	sb_add(&t, "", 0);
	for (size_t i = 0; i < len; i++) {
		const char *rep = NULL;
		switch (s[i]) {
		case '\b': rep = "\\b"; break;
		case '\f': rep = "\\f"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		case '\\': rep = "\\\\"; break;
		case '"': rep = "\\\""; break;
		case ' ': case '=': case '\'': case '\0': quote = true; break;
		default: break;
		}
		if (rep) {
			quote = true;
			sb_str(&t, rep);
		} else {
			sb_add(&t, s + i, 1);
		}
	}
	if (quote)
		sb_str(b, "\"");
	sb_add(b, t.s ? t.s : "", t.len);
	if (quote)
		sb_str(b, "\"");
	b->oom |= t.oom;
	free(t.s);
}

char *flt_escape(const char *s, size_t len)
{
	struct sbuf b = {0};
	sb_add(&b, "", 0);
	sb_escape(&b, s, len);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

static void sb_arg(struct sbuf *b, const struct flt_node *n)
{
	if (!n->has_arg)
		return;
	sb_str(b, "[");
	if (n->arg[0])
		sb_escape(b, n->arg, strlen(n->arg));
	else
		sb_str(b, "\"\"");
	sb_str(b, "]");
}

static void print(struct sbuf *b, const struct flt_node *n)
{
	switch (n->kind) {
	case FLT_AND:
	case FLT_OR:
		sb_str(b, "(");
		for (uint32_t i = 0; i < n->nkids; i++) {
			if (i)
				sb_str(b, n->kind == FLT_AND ? " and " : " or ");
			print(b, n->kids[i]);
		}
		sb_str(b, ")");
		break;
	case FLT_NOT:
		sb_str(b, "not ");
		print(b, n->kids[0]);
		break;
	case FLT_IDENT:
		sb_str(b, n->str);
		break;
	case FLT_VALUE:
		sb_escape(b, n->str, n->len);
		break;
	case FLT_LIST:
		sb_str(b, "(");
		for (uint32_t i = 0; i < n->nvals; i++) {
			if (i)
				sb_str(b, ", ");
			sb_escape(b, n->vals[i].s, n->vals[i].len);
		}
		sb_str(b, ")");
		break;
	case FLT_TLIST:
	case FLT_TRANSFORMER:
		if (n->kind == FLT_TRANSFORMER)
			sb_str(b, n->str);
		sb_str(b, "(");
		for (uint32_t i = 0; i < n->nkids; i++) {
			if (i)
				sb_str(b, ",");
			print(b, n->kids[i]);
		}
		sb_str(b, ")");
		sb_arg(b, n);
		break;
	case FLT_UNARY:
		print(b, n->kids[0]);
		sb_str(b, " ");
		sb_str(b, n->str);
		break;
	case FLT_BINARY:
		print(b, n->kids[0]);
		sb_str(b, " ");
		sb_str(b, n->str);
		sb_str(b, " ");
		print(b, n->kids[1]);
		break;
	case FLT_FIELD:
		sb_str(b, n->str);
		sb_arg(b, n);
		break;
	}
}

char *flt_node_str(const struct flt_node *n)
{
	struct sbuf b = {0};
	sb_add(&b, "", 0);
	print(&b, n);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- operators ---- */

static const char *const op_names[] = {
	[FLT_OP_EQ] = "=", [FLT_OP_NE] = "!=", [FLT_OP_LT] = "<", [FLT_OP_LE] = "<=",
	[FLT_OP_GT] = ">", [FLT_OP_GE] = ">=", [FLT_OP_CONTAINS] = "contains",
	[FLT_OP_IN] = "in", [FLT_OP_EXISTS] = "exists", [FLT_OP_ICONTAINS] = "icontains",
	[FLT_OP_STARTSWITH] = "startswith", [FLT_OP_GLOB] = "glob", [FLT_OP_PMATCH] = "pmatch",
	[FLT_OP_ENDSWITH] = "endswith", [FLT_OP_INTERSECTS] = "intersects",
	[FLT_OP_BCONTAINS] = "bcontains", [FLT_OP_BSTARTSWITH] = "bstartswith",
	[FLT_OP_IGLOB] = "iglob", [FLT_OP_REGEX] = "regex",
};

const char *flt_op_name(enum flt_op op)
{
	return op > 0 && op <= FLT_OP_REGEX ? op_names[op] : "?";
}

bool flt_op_parse(const char *s, enum flt_op *op, enum flt_mod *mod)
{
	const char *sp = strchr(s, ' ');
	size_t n = sp ? (size_t)(sp - s) : strlen(s);
	*mod = FLT_MOD_NONE;
	if (sp) {
		if (strcmp(sp + 1, "oneof") == 0)
			*mod = FLT_MOD_ONEOF;
		else if (strcmp(sp + 1, "anyof") == 0)
			*mod = FLT_MOD_ANYOF;
		else if (strcmp(sp + 1, "allof") == 0)
			*mod = FLT_MOD_ALLOF;
		else
			return false;
	}
	if (n == 2 && strncmp(s, "==", 2) == 0) {
		*op = FLT_OP_EQ;
		return true;
	}
	for (int i = 1; i <= FLT_OP_REGEX; i++) {
		if (strlen(op_names[i]) == n && strncmp(s, op_names[i], n) == 0) {
			*op = (enum flt_op)i;
			return true;
		}
	}
	return false;
}
