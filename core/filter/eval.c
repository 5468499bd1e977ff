/*
 * The evaluator: runs a compiled program on one event. Fields come through
 * the extraction context's per-event cache; transformers write into storage
 * allocated at compile time; `and`/`or` short-circuit. No allocation.
 */
#include <ctype.h>
#include <string.h>

#include "event/codes.h"
#include "filter/filter.h"
#include "filter/internal.h"

/* ---- transformers ---- */

static size_t trim_nul(const char *p, size_t len)
{
	while (len > 0 && p[len - 1] == '\0')
		len--;
	return len;
}

static int b64v(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Base64 decoding; padding optional. False on a malformed input. */
static bool b64_decode(const char *in, size_t len, char *out, size_t cap, size_t *outlen)
{
	while (len > 0 && in[len - 1] == '=')
		len--;
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64v(in[i]);
		if (v < 0)
			return false;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n < cap)
				out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (len % 4 == 1)
		return false;
	*outlen = n;
	return true;
}

/* Applies a one-argument string transformer to one value; false when the
 * transformation fails (the check is then false). */
static bool tr_one(struct flt_expr *x, const struct fld_val *in, uint32_t i, struct fld_val *out)
{
	char *buf = x->store + (size_t)i * FLD_BUF_SIZE;
	const char *s = in->ptr;
	size_t len = s ? trim_nul(s, in->len) : 0, n = 0;
	if (len >= FLD_BUF_SIZE)
		len = FLD_BUF_SIZE - 1;
	switch (x->tr) {
	case TR_TOLOWER:
	case TR_TOUPPER:
		for (size_t k = 0; k < len; k++)
			buf[k] = (char)(x->tr == TR_TOLOWER ? tolower((unsigned char)s[k])
			                                    : toupper((unsigned char)s[k]));
		n = len;
		break;
	case TR_BASENAME: {
		const char *slash = len ? memrchr(s, '/', len) : NULL;
		size_t start = slash ? (size_t)(slash - s) + 1 : 0;
		n = len - start;
		memcpy(buf, s + start, n);
		break;
	}
	case TR_B64:
		if (!b64_decode(s, len, buf, FLD_BUF_SIZE - 1, &n))
			return false;
		break;
	case TR_LEN: {
		uint64_t l = 0;
		if (s)
			l = x->args[0]->type == EV_PT_BYTEBUF ? in->len : strnlen(s, in->len);
		memcpy(buf, &l, 8);
		out->ptr = buf;
		out->len = 8;
		return true;
	}
	default:
		return false;
	}
	buf[n] = '\0';
	out->ptr = buf;
	out->len = (uint32_t)n;
	return true;
}

static const struct fld_vals *eval_multi(struct flt_expr *x, struct fld_ctx *ctx)
{
	char *buf = x->store;
	size_t n = 0;
	x->out->n = 0;
	if (x->tr == TR_NONE) { /* a transformer list: gather its items' values */
		uint32_t cnt = 0;
		for (uint32_t i = 0; i < x->nargs && cnt < x->cap; i++) {
			const struct fld_vals *v = flt_expr_eval(x->args[i], ctx);
			if (!v || v->n == 0)
				return NULL;
			x->vals[cnt++] = v->v[0];
		}
		x->out->v = x->vals;
		x->out->n = cnt;
		return x->out;
	}
	const struct fld_vals *sep = NULL;
	uint32_t first = 0;
	if (x->tr == TR_JOIN) {
		sep = flt_expr_eval(x->args[0], ctx);
		if (!sep || sep->n == 0)
			return NULL;
		first = 1;
	}
	for (uint32_t i = first; i < x->nargs; i++) {
		const struct fld_vals *v = flt_expr_eval(x->args[i], ctx);
		if (!v || v->n == 0)
			return NULL;
		uint32_t cnt = x->tr == TR_JOIN ? v->n : 1;
		for (uint32_t j = 0; j < cnt; j++) {
			const char *p = v->v[j].ptr;
			size_t l = strnlen(p, v->v[j].len);
			if (j && sep) {
				size_t sl = strnlen(sep->v[0].ptr, sep->v[0].len);
				if (n + sl < FLD_BUF_SIZE - 1) {
					memcpy(buf + n, sep->v[0].ptr, sl);
					n += sl;
				}
			}
			if (n + l >= FLD_BUF_SIZE - 1)
				l = FLD_BUF_SIZE - 1 - n;
			memcpy(buf + n, p, l);
			n += l;
		}
	}
	buf[n] = '\0';
	x->vals[0].ptr = buf;
	x->vals[0].len = (uint32_t)n;
	x->out->v = x->vals;
	x->out->n = 1;
	return x->out;
}

/* getopt(3)-style scan of an argv list with an optstring: options (and
 * their values) in order, '?' for unknown ones, "" for a missing value; with
 * a selector, only the last value (or name) of that option. */
static bool go_push(struct flt_expr *x, size_t *used, const char *s, size_t len)
{
	if (x->out->n >= x->cap || *used + len + 1 > FLD_BUF_SIZE)
		return false;
	memcpy(x->store + *used, s, len);
	x->store[*used + len] = '\0';
	x->vals[x->out->n].ptr = x->store + *used;
	x->vals[x->out->n].len = (uint32_t)len;
	x->out->n++;
	*used += len + 1;
	return true;
}

static const struct fld_vals *eval_getopt(struct flt_expr *x, struct fld_ctx *ctx)
{
	const struct fld_vals *os = flt_expr_eval(x->args[1], ctx);
	if (!os || os->n == 0)
		return NULL;
	bool valid[256] = {0}, witharg[256] = {0};
	const char *o = os->v[0].ptr;
	size_t ol = strnlen(o, os->v[0].len), i = ol && o[0] == ':' ? 1 : 0;
	for (; i < ol; i++) {
		unsigned char c = (unsigned char)o[i];
		if (c == ':')
			continue;
		valid[c] = true;
		if (i + 1 < ol && o[i + 1] == ':') {
			witharg[c] = true;
			i++;
		}
	}
	const struct fld_vals *av = flt_expr_eval(x->args[0], ctx);
	if (!av)
		return NULL;
	size_t used = 0;
	const char *selp = NULL;
	size_t sell = 0;
	bool found = false;
	x->out->n = 0;
	x->out->v = x->vals;
	for (uint32_t a = 0; a < av->n; a++) {
		const char *arg = av->v[a].ptr;
		size_t al = strnlen(arg, av->v[a].len);
		if (al == 2 && arg[0] == '-' && arg[1] == '-')
			break;
		if (al > 2 && arg[0] == '-' && arg[1] == '-')
			continue;
		if (al < 2 || arg[0] != '-')
			break;
		for (size_t k = 1; k < al; k++) {
			unsigned char c = (unsigned char)arg[k];
			if (c == ':' || !valid[c]) {
				if (x->sel < 0)
					go_push(x, &used, "?", 1);
				continue;
			}
			bool match = x->sel < 0 || c == x->sel;
			if (!witharg[c]) {
				if (match && x->sel < 0)
					go_push(x, &used, arg + k, 1);
				else if (match)
					selp = arg + k, sell = 1, found = true;
				continue;
			}
			const char *val = NULL;
			size_t vl = 0;
			if (k + 1 < al) {
				val = arg + k + 1;
				vl = al - k - 1;
			} else if (a + 1 < av->n) {
				a++;
				val = av->v[a].ptr;
				vl = strnlen(val, av->v[a].len);
			}
			if (match) {
				if (!val && x->sel < 0) {
					go_push(x, &used, "", 0);
				} else if (!val) {
					selp = "", sell = 0, found = true;
				} else if (x->sel < 0) {
					go_push(x, &used, arg + k, 1);
					go_push(x, &used, val, vl);
				} else {
					selp = val, sell = vl, found = true;
				}
			}
			break;
		}
	}
	if (x->sel >= 0) {
		if (!found)
			return NULL;
		x->out->n = 0;
		used = 0;
		go_push(x, &used, selp, sell);
	}
	return x->out;
}

/* NULL (or n == 0) when there is no value. */
const struct fld_vals *flt_expr_eval(struct flt_expr *x, struct fld_ctx *ctx)
{
	switch (x->kind) {
	case X_FIELD: {
		const struct fld_vals *v = fld_get(ctx, x->b);
		return v->n ? v : NULL;
	}
	case X_CONST:
		return x->out;
	case X_TRANSFORM:
		break;
	}
	if (x->tr == TR_GETOPT)
		return eval_getopt(x, ctx);
	if (x->tr == TR_NONE || x->tr == TR_JOIN || x->tr == TR_CONCAT)
		return eval_multi(x, ctx);
	const struct fld_vals *in = flt_expr_eval(x->args[0], ctx);
	if (!in || in->n == 0)
		return NULL;
	if (x->tr == TR_LEN && (x->args[0]->flags & FLD_F_IS_LIST)) {
		uint64_t l = in->n;
		memcpy(x->store, &l, 8);
		x->vals[0].ptr = x->store;
		x->vals[0].len = 8;
		x->out->v = x->vals;
		x->out->n = 1;
		return x->out;
	}
	uint32_t cnt = in->n < x->cap ? in->n : x->cap;
	for (uint32_t i = 0; i < cnt; i++)
		if (!tr_one(x, &in->v[i], i, &x->vals[i]))
			return NULL;
	x->out->v = x->vals;
	x->out->n = cnt;
	return x->out;
}

/* ---- checks ---- */

static bool regex_match(const regex_t *re, const void *p, uint32_t len)
{
	return regexec(re, flt_cstr(1, p, strnlen(p, len)), 0, NULL, 0) == 0;
}

static bool is_str(uint8_t t)
{
	return t == EV_PT_CHARBUF || t == EV_PT_FSPATH || t == EV_PT_FSRELPATH;
}

/* The length under which a value is looked up in a set: strings without
 * their trailing NULs, as upstream crafts lookup keys. */
static uint32_t key_len(uint8_t type, const struct fld_val *v)
{
	return is_str(type) ? (uint32_t)trim_nul(v->ptr, v->len) : v->len;
}

static bool eq_only(uint8_t t)
{
	return t == EV_PT_IPV4NET || t == EV_PT_IPV6NET || t == EV_PT_IPNET ||
	       t == EV_PT_SOCKADDR || t == EV_PT_SOCKTUPLE || t == EV_PT_FDLIST || t == EV_PT_SIGSET;
}

/* The right-hand side for one comparison: constants, or the values of a
 * right-hand field (loaded into rvals/rset per event). */
struct rhs {
	const struct fld_val *vals;
	uint32_t n;
	const struct flt_cval *consts;
	const struct flt_hset *set;
};

static const void *rhs_p(const struct rhs *r, uint32_t i)
{
	return r->consts ? (const void *)r->consts[i].p : r->vals[i].ptr;
}

static uint32_t rhs_len(const struct rhs *r, uint32_t i)
{
	return r->consts ? r->consts[i].len : r->vals[i].len;
}

static bool match_elem(const struct flt_check *k, enum flt_op op, uint8_t type,
                       const struct fld_val *v, const struct rhs *r, uint32_t i)
{
	if (op == FLT_OP_REGEX)
		return regex_match(&k->res[i], v->ptr, v->len);
	return flt_compare(op, type, v->ptr, key_len(type, v), rhs_p(r, i), rhs_len(r, i));
}

static bool compare_mod(const struct flt_check *k, uint8_t type, const struct fld_val *v,
                        const struct rhs *r)
{
	enum flt_op op = k->op;
	if (eq_only(type) && op != FLT_OP_EQ && op != FLT_OP_NE && op != FLT_OP_REGEX)
		op = FLT_OP_EQ;
	uint32_t n = op == FLT_OP_REGEX ? k->nres : r->n;
	if (n == 0)
		return false;
	switch (k->mod) {
	case FLT_MOD_ONEOF: {
		uint32_t hits = 0;
		for (uint32_t i = 0; i < n; i++)
			if (match_elem(k, op, type, v, r, i) && ++hits > 1)
				return false;
		return hits == 1;
	}
	case FLT_MOD_ANYOF:
		if (op == FLT_OP_EQ && r->set)
			return flt_hset_has(r->set, v->ptr, key_len(type, v));
		for (uint32_t i = 0; i < n; i++)
			if (match_elem(k, op, type, v, r, i))
				return true;
		return false;
	case FLT_MOD_ALLOF:
		if (op == FLT_OP_NE && r->set)
			return !flt_hset_has(r->set, v->ptr, key_len(type, v));
		for (uint32_t i = 0; i < n; i++)
			if (!match_elem(k, op, type, v, r, i))
				return false;
		return true;
	default:
		return false;
	}
}

/* One value of a single-valued field against the right-hand side. */
static bool compare_one(const struct flt_check *k, uint8_t type, const struct fld_val *v,
                        const struct rhs *r)
{
	if (k->mod != FLT_MOD_NONE)
		return compare_mod(k, type, v, r);
	switch (k->op) {
	case FLT_OP_EXISTS:
		return true;
	case FLT_OP_IN:
	case FLT_OP_INTERSECTS:
	case FLT_OP_PMATCH:
		if (eq_only(type)) {
			for (uint32_t i = 0; i < r->n; i++)
				if (flt_compare(FLT_OP_EQ, type, v->ptr, v->len, rhs_p(r, i), rhs_len(r, i)))
					return true;
			return false;
		}
		if (k->op == FLT_OP_PMATCH)
			return k->paths && flt_ptree_match(k->paths, v->ptr, key_len(type, v));
		if (r->set)
			return flt_hset_has(r->set, v->ptr, key_len(type, v));
		for (uint32_t i = 0; i < r->n; i++) /* a right-hand field with many values */
			if (flt_compare(FLT_OP_EQ, type, v->ptr, key_len(type, v), rhs_p(r, i), rhs_len(r, i)))
				return true;
		return false;
	case FLT_OP_REGEX:
		return is_str(type) && k->nres && regex_match(&k->res[0], v->ptr, v->len);
	default:
		if (r->n == 0)
			return false;
		return flt_compare(k->op, type, v->ptr, v->len, rhs_p(r, 0), rhs_len(r, 0));
	}
}

/* A list field: `in` needs every value in the set, `intersects` one. */
static bool compare_list(const struct flt_check *k, uint8_t type, const struct fld_vals *lv,
                         const struct rhs *r)
{
	if (k->op == FLT_OP_EXISTS)
		return true;
	bool in = k->op == FLT_OP_IN;
	for (uint32_t i = 0; i < lv->n; i++) {
		bool hit;
		if (type == EV_PT_IPNET) {
			hit = false;
			for (uint32_t j = 0; j < r->n && !hit; j++)
				hit = flt_compare(FLT_OP_EQ, type, lv->v[i].ptr, lv->v[i].len, rhs_p(r, j),
				                  rhs_len(r, j));
		} else if (r->set) {
			hit = flt_hset_has(r->set, lv->v[i].ptr, key_len(type, &lv->v[i]));
		} else {
			hit = false;
			for (uint32_t j = 0; j < r->n && !hit; j++)
				hit = flt_compare(FLT_OP_EQ, type, lv->v[i].ptr, key_len(type, &lv->v[i]),
				                  rhs_p(r, j), rhs_len(r, j));
		}
		if (in && !hit)
			return false;
		if (!in && hit)
			return true;
	}
	return in;
}

static bool eval_check_values(const struct flt_check *k, struct fld_ctx *ctx);

/* evt.type against constants: the answer for an event code is computed once
 * and kept (k->bycode), since evt.type is the code's fixed name - except
 * for generic syscall events (named by their syscall id parameter) and
 * async events (named by their payload), evaluated each time. */
static bool eval_check(const struct flt_check *k, struct fld_ctx *ctx)
{
	if (!k->bycode || !ctx->ev)
		return eval_check_values(k, ctx);
	uint16_t code = ctx->ev->hdr->type;
	if (code >= EV_CODE_MAX || code == EV_GENERIC_X || code == EV_ASYNCEVENT_E)
		return eval_check_values(k, ctx);
	int8_t *c = &k->bycode[code]; /* scratch, as rset */
	if (*c < 0)
		*c = eval_check_values(k, ctx);
	return *c;
}

static bool eval_check_values(const struct flt_check *k, struct fld_ctx *ctx)
{
	const struct fld_vals *lv = flt_expr_eval(k->lhs, ctx);
	if (!lv || lv->n == 0)
		return false;
	uint8_t type = k->lhs->type;
	struct rhs r = {.consts = k->consts, .n = k->nconst, .set = k->has_set ? &k->set : NULL};
	if (k->rhs) {
		const struct fld_vals *rv = flt_expr_eval(k->rhs, ctx);
		if (!rv || rv->n == 0)
			return false;
		r.consts = NULL;
		r.vals = rv->v;
		r.n = rv->n;
		r.set = NULL;
		if ((k->op == FLT_OP_IN || k->op == FLT_OP_INTERSECTS) && rv->n <= k->rset.cap / 2) {
			/* a per-event set of the right-hand values (bounded scratch; more
			 * values than it holds are compared one by one) */
			struct flt_hset *s = (struct flt_hset *)&k->rset;
			memset(s->slots, 0, s->cap * sizeof(*s->slots));
			s->n = 0;
			s->minlen = UINT32_MAX;
			s->maxlen = 0;
			for (uint32_t i = 0; i < rv->n; i++)
				flt_hset_add(s, rv->v[i].ptr, key_len(type, &rv->v[i]));
			r.set = s;
		}
	}
	if (k->lhs->flags & FLD_F_IS_LIST)
		return compare_list(k, type, lv, &r);
	if (k->lhs->flags & FLD_F_MATCH_ANY) {
		bool all = (k->lhs->flags & FLD_F_NE_ALL) && k->op == FLT_OP_NE;
		for (uint32_t i = 0; i < lv->n; i++) {
			bool m = compare_one(k, type, &lv->v[i], &r);
			if (!all && m)
				return true;
			if (all && !m)
				return false;
		}
		return all;
	}
	return compare_one(k, type, &lv->v[0], &r);
}

static bool eval_node(const struct flt_prog *p, struct fld_ctx *ctx);

/* A shared node answers from its memo when it was already evaluated for
 * this event of this context (see struct flt_prog). Contexts that
 * fld_ctx_init did not set up (id 0) are never memoised. */
static inline bool eval_memo(const struct flt_prog *p, struct fld_ctx *ctx)
{
	if (!p->memo || !ctx->id)
		return eval_node(p, ctx);
	struct flt_prog *m = (struct flt_prog *)p; /* scratch, as eval_check's rset */
	if (m->memo_gen == ctx->gen && m->memo_id == ctx->id)
		return m->memo_val;
	bool r = eval_node(p, ctx);
	m->memo_val = r;
	m->memo_gen = ctx->gen;
	m->memo_id = ctx->id;
	return r;
}

static bool eval_node(const struct flt_prog *p, struct fld_ctx *ctx)
{
	switch (p->kind) {
	case P_AND:
		for (uint32_t i = 0; i < p->nkids; i++)
			if (!eval_memo(p->kids[i], ctx))
				return false;
		return true;
	case P_OR:
		for (uint32_t i = 0; i < p->nkids; i++)
			if (eval_memo(p->kids[i], ctx))
				return true;
		return false;
	case P_NOT:
		return !eval_memo(p->kids[0], ctx);
	case P_CHECK:
		return eval_check(p->chk, ctx);
	case P_TRUE:
		return true;
	}
	return false;
}

bool flt_eval(const struct flt_prog *p, struct fld_ctx *ctx)
{
	return eval_memo(p, ctx);
}
