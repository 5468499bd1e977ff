/*
 * The filter parser: a recursive-descent parser that accepts exactly what
 * upstream's libsinsp parser accepts, builds the same tree with the same
 * positions, and fails with upstream's messages at upstream's position.
 *
 * Grammar (low to high precedence):
 *   or    := and ( "or" (blank and | "(" embedded) )*
 *   and   := not ( "and" (blank not | "(" embedded) )*
 *   not   := ("not" blank+)* ( "not(" embedded | check )
 *   check := "(" embedded | field cond | transformer cond | identifier
 * Tokens are matched at the cursor the way upstream's anchored POSIX regexes
 * match them; the quirks that follow from that (e.g. a quote preceded by a
 * backslash never closes a string) are kept on purpose.
 *
 * Errors: the first error wins; every parse function returns NULL after it,
 * and the caller unwinds. One construct (the first item of a constant list)
 * tries a parse and discards its error, as upstream does.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "filter/internal.h"

struct parser {
	const char *in;
	size_t inlen;
	struct flt_pos pos;
	uint32_t depth, max_depth;
	char *tok;        /* the last token lexed (upstream's m_last_token) */
	size_t toklen;
	bool failed;
	struct flt_error err;
};

static const char *const str_ops[] = {"==", "=", "!=", "glob ", "iglob ", "contains ",
                                      "icontains ", "bcontains ", "startswith ",
                                      "bstartswith ", "endswith ", "regex ", NULL};
static const char *const num_ops[] = {"<=", "<", ">=", ">", NULL};
static const char *const list_ops[] = {"intersects", "in", "pmatch", NULL};
static const char *const unary_ops[] = {"exists", NULL};
static const char *const mod_ops[] = {"oneof ", "anyof ", "allof ", NULL};
static const char *const transformers[] = {"tolower(", "toupper(", "b64(", "basename(",
                                           "len(", "join(", "concat(", "getopt(", NULL};

/* ---- errors and tokens ---- */

static void *fail(struct parser *p, const char *fmt, ...)
{
	if (p->failed)
		return NULL;
	p->failed = true;
	p->err.pos = p->pos;
	p->err.kind = FLT_E_PARSE;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err.msg, sizeof p->err.msg, fmt, ap);
	va_end(ap);
	return NULL;
}

static void set_tok(struct parser *p, const char *s, size_t len)
{
	char *t = malloc(len + 1);
	if (!t) {
		fail(p, "out of memory");
		return;
	}
	memcpy(t, s, len);
	t[len] = '\0';
	free(p->tok);
	p->tok = t;
	p->toklen = len;
}

static const char *cur(const struct parser *p)
{
	return p->in + p->pos.idx;
}

static void advance_char(struct flt_pos *pos, char c)
{
	pos->col++;
	if (c == '\r' || c == '\n') {
		pos->col = 1;
		pos->line++;
	}
	pos->idx++;
}

static void advance(struct parser *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		advance_char(&p->pos, p->in[p->pos.idx]);
}

/* Consumes n bytes at the cursor as the new last token. */
static bool take(struct parser *p, size_t n)
{
	set_tok(p, cur(p), n);
	advance(p, n);
	return true;
}

static bool enter(struct parser *p)
{
	if (p->failed)
		return false;
	p->depth++;
	if (p->depth >= p->max_depth) {
		fail(p, "exceeded max depth limit of %u", p->max_depth);
		p->depth--;
		return false;
	}
	return true;
}

static struct flt_node *leave(struct parser *p, struct flt_node *n)
{
	p->depth--;
	if (p->failed) {
		flt_node_free(n);
		return NULL;
	}
	return n;
}

/* ---- lexers (each returns true and advances, or false and stays) ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n';
}

/* POSIX [[:space:]] */
static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Does not touch the last token, as upstream. */
static bool lex_blank(struct parser *p)
{
	bool found = false;
	while (is_blank(*cur(p))) {
		found = true;
		advance(p, 1);
	}
	return found;
}

static size_t ident_len(const char *s)
{
	size_t n = 0;
	while (is_alpha(s[n]))
		n++;
	if (n == 0)
		return 0;
	while (is_alpha(s[n]) || is_digit(s[n]) || s[n] == '_')
		n++;
	return n;
}

static bool lex_identifier(struct parser *p)
{
	size_t n = ident_len(cur(p));
	return n ? take(p, n) : false;
}

/* identifier ( '.' identifier )+ */
static bool lex_field_name(struct parser *p)
{
	const char *s = cur(p);
	size_t n = ident_len(s), segs = 0;
	if (!n)
		return false;
	while (s[n] == '.') {
		size_t m = ident_len(s + n + 1);
		if (!m)
			break;
		n += 1 + m;
		segs++;
	}
	return segs ? take(p, n) : false;
}

static bool lex_helper_str(struct parser *p, const char *str)
{
	size_t n = strlen(str);
	if (strncmp(cur(p), str, n) != 0)
		return false;
	return take(p, n);
}

static bool lex_span(struct parser *p, const char *reject, bool stop_on_space)
{
	const char *s = cur(p);
	size_t n = 0;
	while (s[n] && !strchr(reject, s[n]) && !(stop_on_space && is_space(s[n])))
		n++;
	return n ? take(p, n) : false;
}

static bool lex_field_arg_bare_str(struct parser *p)
{
	return lex_span(p, "[]\"'", true);
}

static bool lex_bare_str(struct parser *p)
{
	return lex_span(p, "()\"'=,", true);
}

static bool lex_hex_num(struct parser *p)
{
	const char *s = cur(p);
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !is_hex(s[2]))
		return false;
	size_t n = 3;
	while (is_hex(s[n]))
		n++;
	return take(p, n);
}

/* [+-]?[0-9]+[.]?[0-9]*([eE][+-][0-9]+)? */
static bool lex_num(struct parser *p)
{
	const char *s = cur(p);
	size_t n = 0;
	if (s[n] == '+' || s[n] == '-')
		n++;
	if (!is_digit(s[n]))
		return false;
	while (is_digit(s[n]))
		n++;
	if (s[n] == '.')
		n++;
	while (is_digit(s[n]))
		n++;
	if ((s[n] == 'e' || s[n] == 'E') && (s[n + 1] == '+' || s[n + 1] == '-') &&
	    is_digit(s[n + 2])) {
		n += 2;
		while (is_digit(s[n]))
			n++;
	}
	return take(p, n);
}

/* A quoted string. As upstream: a delimiter right after a backslash never
 * closes the string; on an unterminated string the position is restored but
 * the last token keeps what was scanned. */
static bool lex_quoted_str(struct parser *p)
{
	const char *s = cur(p);
	char delim = s[0];
	if (delim != '\'' && delim != '"')
		return false;
	struct flt_pos saved = p->pos;
	char prev = '\\';
	size_t n = 0;
	while (s[n]) {
		if (s[n] == delim && prev != '\\') {
			advance(p, 1);
			char *out;
			size_t outlen;
			char msg[128];
			set_tok(p, s, n + 1);
			if (flt_unescape(s, n + 1, &out, &outlen, msg, sizeof msg) < 0) {
				fail(p, "%s", msg);
				return false;
			}
			free(p->tok);
			p->tok = out;
			p->toklen = outlen;
			return true;
		}
		prev = s[n];
		advance(p, 1);
		n++;
	}
	set_tok(p, s, n);
	p->pos = saved;
	return false;
}

static bool lex_str_list(struct parser *p, const char *const *list)
{
	for (; *list; list++)
		if (lex_helper_str(p, *list))
			return true;
	return false;
}

/* Operators with a trailing space in the table need a blank after them;
 * the token is the operator without it. */
static bool lex_operator_list(struct parser *p, const char *const *list)
{
	for (; *list; list++) {
		size_t n = strlen(*list);
		if ((*list)[n - 1] != ' ') {
			if (lex_helper_str(p, *list))
				return true;
			continue;
		}
		if (strncmp(cur(p), *list, n - 1) != 0)
			continue;
		struct flt_pos saved = p->pos;
		char *savedtok = p->tok ? strdup(p->tok) : NULL;
		size_t savedlen = p->toklen;
		take(p, n - 1);
		if (lex_blank(p)) {
			free(savedtok);
			return true;
		}
		p->pos = saved;
		free(p->tok);
		p->tok = savedtok;
		p->toklen = savedlen;
	}
	return false;
}

/* "not" followed by at least one [[:space:]] */
static bool lex_not_blank(struct parser *p)
{
	const char *s = cur(p);
	if (strncmp(s, "not", 3) != 0 || !is_space(s[3]))
		return false;
	size_t n = 3;
	while (is_space(s[n]))
		n++;
	return take(p, n);
}

/* ---- nodes ---- */

static struct flt_node *node(struct parser *p, enum flt_kind kind, struct flt_pos pos)
{
	struct flt_node *n = calloc(1, sizeof(*n));
	if (!n)
		return fail(p, "out of memory");
	n->kind = kind;
	n->pos = pos;
	return n;
}

static bool set_str(struct parser *p, struct flt_node *n, const char *s, size_t len)
{
	n->str = malloc(len + 1);
	if (!n->str) {
		fail(p, "out of memory");
		return false;
	}
	memcpy(n->str, s, len);
	n->str[len] = '\0';
	n->len = len;
	return true;
}

static struct flt_node *str_node(struct parser *p, enum flt_kind kind, struct flt_pos pos,
                                 const char *s, size_t len)
{
	struct flt_node *n = node(p, kind, pos);
	if (n && !set_str(p, n, s, len)) {
		flt_node_free(n);
		return NULL;
	}
	return n;
}

static bool add_kid(struct parser *p, struct flt_node *n, struct flt_node *kid)
{
	if (!kid)
		return false;
	struct flt_node **k = realloc(n->kids, (n->nkids + 1) * sizeof(*k));
	if (!k) {
		flt_node_free(kid);
		fail(p, "out of memory");
		return false;
	}
	n->kids = k;
	n->kids[n->nkids++] = kid;
	return true;
}

static bool add_val(struct parser *p, struct flt_node *n, const char *s, size_t len)
{
	struct flt_str *v = realloc(n->vals, (n->nvals + 1) * sizeof(*v));
	if (!v) {
		fail(p, "out of memory");
		return false;
	}
	n->vals = v;
	v[n->nvals].s = malloc(len + 1);
	if (!v[n->nvals].s) {
		fail(p, "out of memory");
		return false;
	}
	memcpy(v[n->nvals].s, s, len);
	v[n->nvals].s[len] = '\0';
	v[n->nvals].len = len;
	n->nvals++;
	return true;
}

/* Wraps single children as-is; two or more in an and/or node. */
static struct flt_node *unwrap(struct flt_node *n)
{
	if (n && n->nkids == 1) {
		struct flt_node *k = n->kids[0];
		n->nkids = 0;
		flt_node_free(n);
		return k;
	}
	return n;
}

/* ---- grammar ---- */

static struct flt_node *parse_or(struct parser *p);
static struct flt_node *parse_field_or_transformer_remainder(struct parser *p, struct flt_pos pos);

/* The operator and transformer lists as upstream's messages spell them. */
#define ALL_OPS_STR                                                                         \
	"'exists', '<=', '<', '>=', '>', '==', '=', '!=', 'glob', 'iglob', 'contains', "     \
	"'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', "       \
	"'intersects', 'in', 'pmatch'"
#define TRANSFORMERS_STR                                                                    \
	"'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'"

static struct flt_node *parse_embedded_remainder(struct parser *p)
{
	if (!enter(p))
		return NULL;
	lex_blank(p);
	struct flt_node *child = parse_or(p);
	if (child) {
		lex_blank(p);
		if (!lex_helper_str(p, ")"))
			fail(p, "expected a ')' token");
	}
	return leave(p, child);
}

static bool parse_optional_field_arg(struct parser *p, struct flt_node *n)
{
	if (p->failed || !lex_helper_str(p, "["))
		return !p->failed;
	if (!lex_quoted_str(p) && (p->failed || !lex_field_arg_bare_str(p))) {
		fail(p, "expected a valid field argument: a quoted string or a bare string");
		return false;
	}
	n->arg = malloc(p->toklen + 1);
	if (!n->arg) {
		fail(p, "out of memory");
		return false;
	}
	memcpy(n->arg, p->tok, p->toklen + 1);
	n->has_arg = true;
	if (!lex_helper_str(p, "]")) {
		fail(p, "expected a ']' token");
		return false;
	}
	return true;
}

/* The field name is the last token. */
static struct flt_node *parse_field_remainder(struct parser *p, struct flt_pos pos)
{
	if (!enter(p))
		return NULL;
	struct flt_node *f = str_node(p, FLT_FIELD, pos, p->tok, p->toklen);
	if (f)
		parse_optional_field_arg(p, f);
	return leave(p, f);
}

static struct flt_node *parse_transformer_list_arg(struct parser *p, struct flt_pos pos)
{
	if (lex_field_name(p))
		return parse_field_remainder(p, pos);
	if (lex_str_list(p, transformers)) {
		lex_blank(p);
		return parse_field_or_transformer_remainder(p, pos);
	}
	if (lex_quoted_str(p))
		return str_node(p, FLT_VALUE, pos, p->tok, p->toklen);
	if (!p->failed && (lex_hex_num(p) || lex_num(p)))
		return str_node(p, FLT_VALUE, pos, p->tok, p->toklen);
	return fail(p, "expected transformer list argument: "
	               "field, transformer, quoted string, or number");
}

/* After '(' inside a transformer's arguments. Every item gets the list's
 * position, as upstream. */
static struct flt_node *parse_transformer_list(struct parser *p, struct flt_pos pos)
{
	struct flt_node *l = node(p, FLT_TLIST, pos);
	if (!l)
		return NULL;
	lex_blank(p);
	if (lex_helper_str(p, ")"))
		return l;
	if (!add_kid(p, l, parse_transformer_list_arg(p, pos)))
		goto err;
	lex_blank(p);
	while (lex_helper_str(p, ",")) {
		lex_blank(p);
		if (!add_kid(p, l, parse_transformer_list_arg(p, pos)))
			goto err;
		lex_blank(p);
	}
	if (!lex_helper_str(p, ")")) {
		fail(p, "expected ')'");
		goto err;
	}
	return l;
err:
	flt_node_free(l);
	return NULL;
}

static struct flt_node *parse_field_transformer_arg(struct parser *p, struct flt_pos pos)
{
	if (!enter(p))
		return NULL;
	struct flt_node *r = NULL;
	lex_blank(p);
	if (lex_hex_num(p) || lex_num(p))
		r = str_node(p, FLT_VALUE, pos, p->tok, p->toklen);
	else if (lex_quoted_str(p))
		r = str_node(p, FLT_VALUE, pos, p->tok, p->toklen);
	else if (p->failed)
		r = NULL;
	else if (lex_helper_str(p, "("))
		r = parse_transformer_list(p, pos);
	else if (lex_str_list(p, transformers))
		r = parse_field_or_transformer_remainder(p, pos);
	else if (lex_field_name(p))
		r = parse_field_remainder(p, pos);
	else
		fail(p, "expected field transformer argument: "
		        "field, transformer, quoted string, number, or transformer list");
	return leave(p, r);
}

/* The transformer name plus '(' is the last token. */
static struct flt_node *parse_field_or_transformer_remainder(struct parser *p, struct flt_pos pos)
{
	if (!enter(p))
		return NULL;
	struct flt_node *t = str_node(p, FLT_TRANSFORMER, pos, p->tok, p->toklen - 1);
	if (!t)
		return leave(p, NULL);
	lex_blank(p);
	do {
		if (!add_kid(p, t, parse_field_transformer_arg(p, p->pos)))
			return leave(p, t);
		lex_blank(p);
	} while (lex_helper_str(p, ","));
	lex_blank(p);
	if (!lex_helper_str(p, ")")) {
		fail(p, "expected a ')' token closing the transformer");
		return leave(p, t);
	}
	parse_optional_field_arg(p, t);
	return leave(p, t);
}

/* NULL without error when no transformer or val( is at the cursor. */
static struct flt_node *try_parse_transformer_or_val(struct parser *p)
{
	if (!enter(p))
		return NULL;
	lex_blank(p);
	struct flt_pos pos = p->pos;
	struct flt_node *t = NULL;
	if (lex_helper_str(p, "val(")) {
		lex_blank(p);
		struct flt_pos fpos = p->pos;
		if (!lex_field_name(p)) {
			fail(p, "expected a field within 'val' transformer");
			return leave(p, NULL);
		}
		t = str_node(p, FLT_TRANSFORMER, pos, "val", 3);
		if (!t || !add_kid(p, t, parse_field_remainder(p, fpos)))
			return leave(p, t);
		lex_blank(p);
		if (!lex_helper_str(p, ")")) {
			fail(p, "expected a ')' token closing the transformer");
			return leave(p, t);
		}
		parse_optional_field_arg(p, t);
		return leave(p, t);
	}
	if (lex_str_list(p, transformers)) {
		lex_blank(p);
		t = parse_field_or_transformer_remainder(p, pos);
	}
	return leave(p, t);
}

static struct flt_node *parse_num_value_or_transformer(struct parser *p)
{
	if (!enter(p))
		return NULL;
	lex_blank(p);
	struct flt_pos pos = p->pos;
	struct flt_node *r = try_parse_transformer_or_val(p);
	if (!r && !p->failed) {
		if (lex_hex_num(p) || lex_num(p))
			r = str_node(p, FLT_VALUE, pos, p->tok, p->toklen);
		else
			fail(p, "expected a number value or a field with a valid transformer: "
			        TRANSFORMERS_STR);
	}
	return leave(p, r);
}

static struct flt_node *parse_str_value_or_transformer(struct parser *p, bool no_transformer)
{
	if (!enter(p))
		return NULL;
	lex_blank(p);
	struct flt_pos pos = p->pos;
	struct flt_node *r = NULL;
	if (!no_transformer)
		r = try_parse_transformer_or_val(p);
	if (!r && !p->failed) {
		if (lex_quoted_str(p) || (!p->failed && lex_bare_str(p)))
			r = str_node(p, FLT_VALUE, pos, p->tok, p->toklen);
		else if (no_transformer)
			fail(p, "expected a string value");
		else
			fail(p, "expected a string value or a field with a valid transformer: "
			        TRANSFORMERS_STR);
	}
	return leave(p, r);
}

/* One list item: a quoted or bare string. */
static bool parse_list_item(struct parser *p, struct flt_node *l)
{
	struct flt_node *v = parse_str_value_or_transformer(p, true);
	if (!v)
		return false;
	bool ok = add_val(p, l, v->str, v->len);
	flt_node_free(v);
	return ok;
}

/* NULL without error when no '(' is at the cursor. As upstream, a first
 * item that fails to parse (for any reason) means "an empty list", and the
 * error is dropped. */
static struct flt_node *try_parse_list_expr(struct parser *p)
{
	struct flt_pos pos = p->pos;
	if (!lex_helper_str(p, "("))
		return NULL;
	struct flt_node *l = node(p, FLT_LIST, pos);
	if (!l)
		return NULL;
	lex_blank(p);
	if (!parse_list_item(p, l)) {
		p->failed = false; /* upstream catches and treats the list as empty */
	} else {
		lex_blank(p);
		while (lex_helper_str(p, ",")) {
			if (!parse_list_item(p, l))
				goto err;
			lex_blank(p);
		}
	}
	if (!lex_helper_str(p, ")")) {
		fail(p, "expected a ')' token");
		goto err;
	}
	return l;
err:
	flt_node_free(l);
	return NULL;
}

static struct flt_node *parse_list_value(struct parser *p)
{
	if (!enter(p))
		return NULL;
	lex_blank(p);
	struct flt_pos pos = p->pos;
	struct flt_node *r = try_parse_list_expr(p);
	if (!r && !p->failed) {
		if (lex_identifier(p))
			r = str_node(p, FLT_VALUE, pos, p->tok, p->toklen);
		else
			fail(p, "expected a list or an identifier");
	}
	return leave(p, r);
}

static struct flt_node *parse_list_value_or_transformer(struct parser *p)
{
	if (!enter(p))
		return NULL;
	lex_blank(p);
	struct flt_pos pos = p->pos;
	struct flt_node *r = try_parse_list_expr(p);
	if (!r && !p->failed)
		r = try_parse_transformer_or_val(p);
	if (!r && !p->failed) {
		if (lex_identifier(p))
			r = str_node(p, FLT_VALUE, pos, p->tok, p->toklen);
		else
			fail(p, "expected a list, an identifier, or a field with a valid transformer: "
			        TRANSFORMERS_STR);
	}
	return leave(p, r);
}

static bool list_value_follows(struct parser *p)
{
	return *cur(p) == '(' || ident_len(cur(p)) > 0;
}

static bool bool_keyword_follows(struct parser *p)
{
	static const char *const kw[] = {"and", "or", "not", NULL};
	const char *s = cur(p);
	for (const char *const *k = kw; *k; k++) {
		size_t n = strlen(*k);
		if (strncmp(s, *k, n) == 0 && (s[n] == '\0' || !isalnum((unsigned char)s[n])))
			return true;
	}
	return false;
}

/* Takes ownership of left and right, also on failure. */
static struct flt_node *binary(struct parser *p, struct flt_pos pos, struct flt_node *left,
                               const char *op, struct flt_node *right)
{
	struct flt_node *b = str_node(p, FLT_BINARY, pos, op, strlen(op));
	struct flt_node **kids = b ? malloc(2 * sizeof(*kids)) : NULL;
	if (!kids) {
		flt_node_free(b);
		flt_node_free(left);
		flt_node_free(right);
		return fail(p, "out of memory");
	}
	kids[0] = left;
	kids[1] = right;
	b->kids = kids;
	b->nkids = 2;
	return b;
}

static struct flt_node *parse_str_condition(struct parser *p, struct flt_pos pos,
                                            struct flt_node *left, char *op)
{
	bool had_blank = is_alpha(op[0]) || lex_blank(p);
	struct flt_pos saved = p->pos;
	char *savedtok = p->tok ? strdup(p->tok) : NULL;
	size_t savedlen = p->toklen;
	struct flt_node *right;
	char full[64];
	if (had_blank && lex_operator_list(p, mod_ops) && list_value_follows(p) &&
	    !bool_keyword_follows(p)) {
		snprintf(full, sizeof full, "%s %s", op, p->tok);
		free(savedtok);
		right = parse_list_value(p);
	} else {
		p->pos = saved;
		free(p->tok);
		p->tok = savedtok;
		p->toklen = savedlen;
		snprintf(full, sizeof full, "%s", op);
		right = parse_str_value_or_transformer(p, false);
	}
	if (!right) {
		flt_node_free(left);
		return NULL;
	}
	return binary(p, pos, left, full, right);
}

static struct flt_node *parse_condition(struct parser *p, struct flt_node *left, struct flt_pos pos)
{
	if (!enter(p)) {
		flt_node_free(left);
		return NULL;
	}
	struct flt_node *r = NULL, *right = NULL;
	char op[32];
	lex_blank(p);
	if (lex_operator_list(p, unary_ops)) {
		r = str_node(p, FLT_UNARY, pos, p->tok, p->toklen);
		if (!r || !add_kid(p, r, left))
			flt_node_free(left);
		return leave(p, r);
	}
	lex_blank(p);
	if (lex_operator_list(p, num_ops)) {
		snprintf(op, sizeof op, "%s", p->tok);
		right = parse_num_value_or_transformer(p);
	} else if (lex_operator_list(p, str_ops)) {
		snprintf(op, sizeof op, "%s", p->tok);
		return leave(p, parse_str_condition(p, pos, left, op));
	} else if (lex_operator_list(p, list_ops)) {
		snprintf(op, sizeof op, "%s", p->tok);
		right = parse_list_value_or_transformer(p);
	} else {
		fail(p, "expected a valid check operator: one of " ALL_OPS_STR);
	}
	if (!right) {
		flt_node_free(left);
		return leave(p, NULL);
	}
	return leave(p, binary(p, pos, left, op, right));
}

static struct flt_node *parse_check(struct parser *p)
{
	if (!enter(p))
		return NULL;
	struct flt_pos pos = p->pos;
	struct flt_node *r = NULL;
	lex_blank(p);
	if (lex_helper_str(p, "(")) {
		r = parse_embedded_remainder(p);
	} else if (lex_field_name(p)) {
		struct flt_node *f = parse_field_remainder(p, pos);
		r = f ? parse_condition(p, f, pos) : NULL;
	} else if (lex_str_list(p, transformers)) {
		lex_blank(p);
		struct flt_node *t = parse_field_or_transformer_remainder(p, pos);
		r = t ? parse_condition(p, t, pos) : NULL;
	} else if (lex_identifier(p)) {
		r = str_node(p, FLT_IDENT, pos, p->tok, p->toklen);
	} else {
		fail(p, "expected a '(' token, a field check, or an identifier");
	}
	return leave(p, r);
}

static struct flt_node *parse_not(struct parser *p)
{
	if (!enter(p))
		return NULL;
	struct flt_pos pos = p->pos;
	bool is_not = false;
	struct flt_node *child;
	lex_blank(p);
	while (lex_not_blank(p))
		is_not = !is_not;
	if (lex_helper_str(p, "not(")) {
		is_not = !is_not;
		child = parse_embedded_remainder(p);
	} else {
		child = parse_check(p);
	}
	if (child && is_not) {
		struct flt_node *n = node(p, FLT_NOT, pos);
		if (!n || !add_kid(p, n, child)) {
			if (!n)
				flt_node_free(child);
			flt_node_free(n);
			return leave(p, NULL);
		}
		child = n;
	}
	return leave(p, child);
}

/* and/or share one shape: `sub` separated by `kw`. */
static struct flt_node *parse_chain(struct parser *p, enum flt_kind kind, const char *kw,
                                    struct flt_node *(*sub)(struct parser *))
{
	if (!enter(p))
		return NULL;
	struct flt_node *n = node(p, kind, p->pos);
	if (!n)
		return leave(p, NULL);
	lex_blank(p);
	if (!add_kid(p, n, sub(p)))
		return leave(p, n);
	lex_blank(p);
	while (lex_helper_str(p, kw)) {
		struct flt_node *child;
		if (!lex_blank(p)) {
			if (lex_helper_str(p, "(")) {
				child = parse_embedded_remainder(p);
			} else {
				fail(p, "expected blank or '(' after '%s'", kw);
				return leave(p, n);
			}
		} else {
			child = sub(p);
		}
		if (!add_kid(p, n, child))
			return leave(p, n);
		lex_blank(p);
	}
	return leave(p, unwrap(n));
}

static struct flt_node *parse_and(struct parser *p)
{
	return parse_chain(p, FLT_AND, "and", parse_not);
}

static struct flt_node *parse_or(struct parser *p)
{
	return parse_chain(p, FLT_OR, "or", parse_and);
}

static void parser_init(struct parser *p, const char *text, uint32_t max_depth)
{
	memset(p, 0, sizeof(*p));
	p->in = text;
	p->inlen = strlen(text);
	p->pos.line = p->pos.col = 1;
	p->max_depth = max_depth ? max_depth : 100;
	set_tok(p, "", 0);
}

static struct flt_node *finish(struct parser *p, struct flt_node *res, struct flt_error *err,
                               struct flt_pos *end)
{
	if (end)
		*end = p->pos;
	if (p->failed) {
		flt_node_free(res);
		res = NULL;
		if (err)
			*err = p->err;
	}
	free(p->tok);
	return res;
}

struct flt_node *flt_parse(const char *text, const struct flt_parse_opts *opts,
                           struct flt_error *err, struct flt_pos *end)
{
	struct parser p;
	parser_init(&p, text, opts ? opts->max_depth : 0);
	if (p.inlen == 0) {
		fail(&p, "filter input string is empty");
		return finish(&p, NULL, err, end);
	}
	struct flt_node *res = parse_or(&p);
	if (res && !(opts && opts->partial) && p.pos.idx != p.inlen)
		fail(&p, "unexpected token after '%s', expecting 'or', 'and'", p.tok);
	return finish(&p, res, err, end);
}

struct flt_node *flt_parse_field(const char *text, struct flt_error *err, size_t *used)
{
	struct parser p;
	parser_init(&p, text, 0);
	struct flt_node *res = NULL;
	if (enter(&p)) {
		struct flt_pos pos = p.pos;
		if (lex_field_name(&p)) {
			res = parse_field_remainder(&p, pos);
		} else if (lex_str_list(&p, transformers)) {
			lex_blank(&p);
			res = parse_field_or_transformer_remainder(&p, pos);
		} else {
			/* upstream's message lacks the closing quote */
			fail(&p, "unexpected token after '%s", p.tok);
		}
		res = leave(&p, res);
	}
	if (used)
		*used = p.pos.idx;
	return finish(&p, res, err, NULL);
}
