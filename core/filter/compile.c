/*
 * The compiler: syntax tree -> program. Fields are bound once through the
 * registry (and shared by every program of one compiler), constants are
 * parsed to the field's type, list operators get hash sets, pmatch a prefix
 * tree, regex a compiled pattern. Type errors carry upstream's wording.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/codes.h"
#include "filter/filter.h"
#include "filter/internal.h"

/* One interned program node: its structural key and one reference. */
struct intern {
	uint64_t h;
	char *key;                  /* owned */
	size_t klen;
	struct flt_prog *p;         /* one reference held; NULL = empty slot */
};

struct flt_compiler {
	const struct fld_reg *reg;  /* borrowed */
	char *source;               /* owned */
	struct fld_bind **binds;    /* owned */
	uint32_t nbinds, cap;
	struct intern *tab;         /* owned: open addressing, power-of-two size */
	uint32_t ntab, captab;
};

struct cstate {
	struct flt_compiler *c;
	struct flt_error *err;
	bool failed;
};

static void *cfail(struct cstate *s, const struct flt_node *n, const char *fmt, ...)
{
	if (s->failed)
		return NULL;
	s->failed = true;
	if (s->err) {
		s->err->pos = n ? n->pos : (struct flt_pos){0, 1, 1};
		s->err->kind = FLT_E_COMPILE;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->err->msg, sizeof s->err->msg, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

struct flt_compiler *flt_compiler_new(const struct fld_reg *reg, const char *source)
{
	struct flt_compiler *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->reg = reg;
	c->source = strdup(source ? source : "syscall");
	if (!c->source) {
		free(c);
		return NULL;
	}
	return c;
}

static void intern_clear(struct flt_compiler *c);

void flt_compiler_free(struct flt_compiler *c)
{
	if (!c)
		return;
	intern_clear(c);
	for (uint32_t i = 0; i < c->nbinds; i++) {
		fld_unbind(c->binds[i]);
		free(c->binds[i]);
	}
	free(c->binds);
	free(c->source);
	free(c);
}


uint32_t flt_compiler_nslots(const struct flt_compiler *c)
{
	return c->nbinds;
}

/* One binding per distinct field text ("proc.aname[2]"), shared. */
static struct fld_bind *bind_field(struct cstate *s, const struct flt_node *n)
{
	struct flt_compiler *c = s->c;
	char err[512];
	struct fld_bind *b = calloc(1, sizeof(*b));
	if (!b)
		return cfail(s, n, "out of memory");
	int rc = fld_bind(c->reg, c->source, n->str, n->has_arg ? n->arg : NULL, b, err, sizeof err);
	if (rc < 0) {
		free(b);
		cfail(s, n, "%s", err);
		if (rc == -ENOENT && s->err)
			s->err->kind = FLT_E_FIELD;
		return NULL;
	}
	for (uint32_t i = 0; i < c->nbinds; i++) {
		if (strcmp(c->binds[i]->text, b->text) == 0) {
			fld_unbind(b);
			free(b);
			return c->binds[i];
		}
	}
	if (c->nbinds == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : 32;
		struct fld_bind **p = realloc(c->binds, cap * sizeof(*p));
		if (!p) {
			fld_unbind(b);
			free(b);
			return cfail(s, n, "out of memory");
		}
		c->binds = p;
		c->cap = cap;
	}
	b->slot = c->nbinds;
	c->binds[c->nbinds++] = b;
	return b;
}

/* ---- value producers ---- */

static const struct {
	const char *name;
	enum flt_tr tr;
} tr_names[] = {
	{"tolower", TR_TOLOWER}, {"toupper", TR_TOUPPER}, {"b64", TR_B64},
	{"basename", TR_BASENAME}, {"len", TR_LEN}, {"join", TR_JOIN}, {"concat", TR_CONCAT},
	{"getopt", TR_GETOPT},
};

void flt_expr_free(struct flt_expr *x)
{
	if (!x)
		return;
	for (uint32_t i = 0; i < x->nargs; i++)
		flt_expr_free(x->args[i]);
	free(x->args);
	free(x->out);
	free(x->vals);
	free(x->store);
	free(x);
}

static bool alloc_out(struct flt_expr *x, uint32_t cap)
{
	x->cap = cap;
	x->out = calloc(1, sizeof(*x->out));
	x->vals = calloc(cap, sizeof(*x->vals));
	x->store = malloc((size_t)cap * FLD_BUF_SIZE);
	return x->out && x->vals && x->store;
}

static bool is_str_type(uint8_t t)
{
	return t == EV_PT_CHARBUF || t == EV_PT_FSPATH || t == EV_PT_FSRELPATH;
}

/* The type a transformer gives, or false when it does not apply. */
static bool tr_type(enum flt_tr tr, uint8_t *type, uint32_t *flags)
{
	bool list = *flags & FLD_F_IS_LIST;
	switch (tr) {
	case TR_TOLOWER:
	case TR_TOUPPER:
	case TR_BASENAME:
		return is_str_type(*type);
	case TR_B64:
		return *type == EV_PT_CHARBUF || *type == EV_PT_BYTEBUF;
	case TR_LEN:
		if (list) {
			*flags &= ~(uint32_t)FLD_F_IS_LIST;
			*type = EV_PT_UINT64;
			return true;
		}
		if (is_str_type(*type) || *type == EV_PT_BYTEBUF) {
			*type = EV_PT_UINT64;
			return true;
		}
		return false;
	default:
		return false;
	}
}

static const char *type_desc(const struct flt_expr *x)
{
	return fld_type_name(x->type);
}

static struct flt_expr *compile_value(struct cstate *s, const struct flt_node *n);

static struct flt_expr *compile_const(struct cstate *s, const struct flt_node *n)
{
	struct flt_expr *x = calloc(1, sizeof(*x));
	if (!x || !alloc_out(x, 1)) {
		flt_expr_free(x);
		return cfail(s, n, "out of memory");
	}
	x->kind = X_CONST;
	x->type = EV_PT_CHARBUF;
	x->name = "INTERNAL";
	size_t len = n->len < FLD_BUF_SIZE ? n->len : FLD_BUF_SIZE - 1;
	memcpy(x->store, n->str, len);
	x->store[len] = '\0';
	x->vals[0].ptr = x->store;
	x->vals[0].len = (uint32_t)len;
	x->out->v = x->vals;
	x->out->n = 1;
	return x;
}

static struct flt_expr *compile_multi(struct cstate *s, const struct flt_node *n, enum flt_tr tr)
{
	struct flt_expr *x = calloc(1, sizeof(*x));
	if (!x || !(x->args = calloc(n->nkids ? n->nkids : 1, sizeof(*x->args))) || !alloc_out(x, 1)) {
		flt_expr_free(x);
		return cfail(s, n, "out of memory");
	}
	x->kind = X_TRANSFORM;
	x->tr = tr;
	x->type = EV_PT_CHARBUF;
	x->name = "INTERNAL";
	x->sel = -1;
	if (n->has_arg && tr != TR_GETOPT) {
		flt_expr_free(x);
		return cfail(s, n, "transformer '%s' does not support field arguments", n->str);
	}
	if (tr == TR_GETOPT) {
		if (n->has_arg && strlen(n->arg) != 1) {
			flt_expr_free(x);
			return cfail(s, n, "getopt() field argument must be a single option character");
		}
		x->sel = n->has_arg ? (unsigned char)n->arg[0] : -1;
		if (!n->has_arg)
			x->flags = FLD_F_IS_LIST;
		free(x->vals);
		free(x->store);
		x->cap = 64;
		x->vals = calloc(x->cap, sizeof(*x->vals));
		x->store = malloc(FLD_BUF_SIZE);
		if (!x->vals || !x->store) {
			flt_expr_free(x);
			return cfail(s, n, "out of memory");
		}
	}
	for (uint32_t i = 0; i < n->nkids; i++) {
		const struct flt_node *k = n->kids[i];
		struct flt_expr *a;
		if (k->kind == FLT_TLIST) {
			/* a transformer list: the values of its items, as one list */
			a = calloc(1, sizeof(*a));
			if (!a || !(a->args = calloc(k->nkids ? k->nkids : 1, sizeof(*a->args))) ||
			    !alloc_out(a, k->nkids ? k->nkids : 1)) {
				flt_expr_free(a);
				flt_expr_free(x);
				return cfail(s, n, "out of memory");
			}
			a->kind = X_TRANSFORM;
			a->tr = TR_NONE;
			a->type = EV_PT_CHARBUF;
			a->flags = FLD_F_IS_LIST;
			a->name = "INTERNAL";
			for (uint32_t j = 0; j < k->nkids; j++) {
				struct flt_expr *e = compile_value(s, k->kids[j]);
				if (!e) {
					flt_expr_free(a);
					flt_expr_free(x);
					return NULL;
				}
				a->args[a->nargs++] = e;
			}
		} else {
			a = compile_value(s, k);
		}
		if (!a) {
			flt_expr_free(x);
			return NULL;
		}
		x->args[x->nargs++] = a;
	}
	bool bad = false;
	if (tr == TR_GETOPT) {
		if (x->nargs != 2)
			return flt_expr_free(x), cfail(s, n, "getopt() requires exactly 2 arguments: args list and optstring");
		if (!(x->args[0]->flags & FLD_F_IS_LIST))
			return flt_expr_free(x), cfail(s, n, "getopt() first argument must be a list");
		if (x->args[1]->flags & FLD_F_IS_LIST)
			return flt_expr_free(x), cfail(s, n, "getopt() second argument (optstring) must be a single value");
		if (x->args[0]->type != EV_PT_CHARBUF || x->args[1]->type != EV_PT_CHARBUF)
			return flt_expr_free(x), cfail(s, n, "getopt() arguments must be strings");
	} else if (tr == TR_JOIN) {
		if (x->nargs != 2)
			return flt_expr_free(x), cfail(s, n, "join() requires exactly 2 arguments: separator and list");
		if (x->args[0]->flags & FLD_F_IS_LIST)
			return flt_expr_free(x), cfail(s, n, "join() first argument (separator) must be a single value, not a list");
		if (!(x->args[1]->flags & FLD_F_IS_LIST))
			return flt_expr_free(x), cfail(s, n, "join() second argument must be a list");
	} else {
		if (x->nargs < 2)
			return flt_expr_free(x), cfail(s, n, "concat() requires at least 2 arguments");
		for (uint32_t i = 0; i < x->nargs; i++)
			bad |= x->args[i]->type != EV_PT_CHARBUF || (x->args[i]->flags & FLD_F_IS_LIST);
		if (bad)
			return flt_expr_free(x), cfail(s, n, "concat() arguments must be strings");
	}
	return x;
}

static struct flt_expr *compile_transformer(struct cstate *s, const struct flt_node *n)
{
	if (strcmp(n->str, "val") == 0) {
		if (n->has_arg)
			return cfail(s, n, "filter error: transformer 'val' does not support field arguments");
		return compile_value(s, n->kids[0]);
	}
	enum flt_tr tr = TR_NONE;
	for (size_t i = 0; i < sizeof tr_names / sizeof tr_names[0]; i++)
		if (strcmp(n->str, tr_names[i].name) == 0)
			tr = tr_names[i].tr;
	if (tr == TR_NONE)
		return cfail(s, n, "filter error: unsupported transformer '%s'", n->str);
	if (tr == TR_JOIN || tr == TR_CONCAT || tr == TR_GETOPT || n->nkids != 1)
		return compile_multi(s, n, tr);
	if (n->has_arg)
		return cfail(s, n, "filter error: transformer '%s' does not support field arguments", n->str);
	struct flt_expr *arg = compile_value(s, n->kids[0]);
	if (!arg)
		return NULL;
	if (arg->flags & FLD_F_NO_TRANSFORMER) {
		cfail(s, n, "field '%s' does not support transformers", arg->name);
		flt_expr_free(arg);
		return NULL;
	}
	struct flt_expr *x = calloc(1, sizeof(*x));
	if (!x || !(x->args = malloc(sizeof(*x->args)))) {
		free(x);
		flt_expr_free(arg);
		return cfail(s, n, "out of memory");
	}
	x->kind = X_TRANSFORM;
	x->tr = tr;
	x->args[0] = arg;
	x->nargs = 1;
	x->name = arg->name;
	x->type = arg->type;
	x->flags = arg->flags & ~(uint32_t)(FLD_F_MATCH_ANY | FLD_F_NE_ALL);
	if (!tr_type(tr, &x->type, &x->flags)) {
		cfail(s, n, "can't add field transformer: type '%s' is not supported by '%s' "
		      "transformer applied on %sfield '%s'", type_desc(arg), n->str,
		      (arg->flags & FLD_F_IS_LIST) ? "list " : "", arg->name);
		flt_expr_free(x);
		return NULL;
	}
	/* list outputs get one slot per value, up to a bound */
	uint32_t cap = (x->flags & FLD_F_IS_LIST) || (arg->flags & FLD_F_MATCH_ANY) ? 64 : 1;
	if (!alloc_out(x, cap)) {
		flt_expr_free(x);
		return cfail(s, n, "out of memory");
	}
	return x;
}

static struct flt_expr *compile_value(struct cstate *s, const struct flt_node *n)
{
	if (s->failed)
		return NULL;
	switch (n->kind) {
	case FLT_FIELD: {
		struct fld_bind *b = bind_field(s, n);
		if (!b)
			return NULL;
		struct flt_expr *x = calloc(1, sizeof(*x));
		if (!x)
			return cfail(s, n, "out of memory");
		x->kind = X_FIELD;
		x->b = b;
		x->type = b->type;
		x->flags = b->flags;
		x->name = fld_bind_info(b)->name;
		return x;
	}
	case FLT_TRANSFORMER:
		return compile_transformer(s, n);
	case FLT_VALUE:
		return compile_const(s, n);
	default:
		return cfail(s, n, "filter error: unexpected node in a field expression");
	}
}

/* ---- checks ---- */

static const char *op_str(enum flt_op op)
{
	return flt_op_name(op);
}

/* upstream's flt_is_comparable, with its messages */
static bool comparable(enum flt_op op, enum flt_mod mod, uint8_t t, bool list, char *err,
                       size_t errlen)
{
	if (op == FLT_OP_EXISTS)
		return true;
#define ALLOW(...)                                                            \
	do {                                                                      \
		static const enum flt_op ok[] = {__VA_ARGS__};                        \
		for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)                 \
			if (ok[i] == op)                                                  \
				return true;                                                  \
	} while (0)
	if (list) {
		switch (t) {
		case EV_PT_CHARBUF: case EV_PT_UINT64: case EV_PT_RELTIME: case EV_PT_ABSTIME:
		case EV_PT_BOOL: case EV_PT_IPADDR: case EV_PT_IPNET:
			ALLOW(FLT_OP_IN, FLT_OP_INTERSECTS);
			snprintf(err, errlen, "'%s' operator not supported list filters", op_str(op));
			return false;
		default:
			snprintf(err, errlen, "list filters are not supported for type '%s'", fld_type_name(t));
			return false;
		}
	}
	switch (t) {
	case EV_PT_BOOL:
		ALLOW(FLT_OP_EQ, FLT_OP_NE, FLT_OP_IN, FLT_OP_INTERSECTS);
		snprintf(err, errlen, "'%s' operator not supported for numeric filters", op_str(op));
		return false;
	case EV_PT_IPV4ADDR: case EV_PT_IPV4NET: case EV_PT_IPV6ADDR: case EV_PT_IPV6NET:
	case EV_PT_IPADDR: case EV_PT_IPNET: {
		bool ok = op == FLT_OP_EQ || op == FLT_OP_NE || op == FLT_OP_IN || op == FLT_OP_INTERSECTS;
		if (!ok && mod != FLT_MOD_NONE) {
			snprintf(err, errlen, "'%s' with modifier not supported for ip address and network "
			         "filters", op_str(op));
			return false;
		}
		if (!ok)
			snprintf(err, errlen, "'%s' operator not supported for ip address and network "
			         "filters", op_str(op));
		return ok;
	}
	case EV_PT_CHARBUF: case EV_PT_FSPATH: case EV_PT_FSRELPATH:
		if (op != FLT_OP_BCONTAINS && op != FLT_OP_BSTARTSWITH)
			return true;
		snprintf(err, errlen, "'%s' operator not supported for string filters", op_str(op));
		return false;
	case EV_PT_BYTEBUF:
		ALLOW(FLT_OP_EQ, FLT_OP_NE, FLT_OP_CONTAINS, FLT_OP_IN, FLT_OP_STARTSWITH,
		      FLT_OP_ENDSWITH, FLT_OP_INTERSECTS, FLT_OP_BCONTAINS, FLT_OP_BSTARTSWITH);
		snprintf(err, errlen, "'%s' operator not supported for buffer filters", op_str(op));
		return false;
	default:
		if (fld_type_width(t)) {
			ALLOW(FLT_OP_EQ, FLT_OP_NE, FLT_OP_LT, FLT_OP_LE, FLT_OP_GT, FLT_OP_GE, FLT_OP_IN,
			      FLT_OP_INTERSECTS);
			snprintf(err, errlen, "'%s' operator not supported for numeric filters", op_str(op));
			return false;
		}
		snprintf(err, errlen, "'%s' operator not supported for type '%s'", op_str(op),
		         fld_type_name(t));
		return false;
	}
#undef ALLOW
}

static void check_free(struct flt_check *k)
{
	if (!k)
		return;
	flt_expr_free(k->lhs);
	flt_expr_free(k->rhs);
	for (uint32_t i = 0; i < k->nconst; i++)
		flt_cval_fini(&k->consts[i]);
	free(k->consts);
	if (k->has_set)
		flt_hset_fini(&k->set);
	flt_hset_fini(&k->rset);
	free(k->bycode);
	flt_ptree_free(k->paths);
	for (uint32_t i = 0; i < k->nres; i++)
		regfree(&k->res[i]);
	free(k->res);
	free(k);
}

static int unhex(const char *s, size_t len, char *out, size_t *outlen)
{
	if (len % 2)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		unsigned v;
		char b[3] = {s[i], s[i + 1], 0};
		if (!isxdigit((unsigned char)b[0]) || !isxdigit((unsigned char)b[1]))
			return -1;
		sscanf(b, "%x", &v);
		out[i / 2] = (char)v;
	}
	*outlen = len / 2;
	return 0;
}

/* Adds one constant, parsed to the check's type. */
static bool add_const(struct cstate *s, const struct flt_node *n, struct flt_check *k,
                      const char *val, size_t len)
{
	char err[512];
	struct flt_cval *v = &k->consts[k->nconst];
	char *hex = NULL;
	if (k->op == FLT_OP_BCONTAINS || k->op == FLT_OP_BSTARTSWITH) {
		size_t hl;
		hex = malloc(len / 2 + 1);
		if (!hex || unhex(val, len, hex, &hl) < 0) {
			free(hex);
			cfail(s, n, "filter error: bcontains and bstartswith operator support hex strings only");
			return false;
		}
		val = hex;
		len = hl;
	}
	uint8_t type = k->lhs->type;
	int rc = flt_cval_parse(val, len, type, v, err, sizeof err);
	free(hex);
	if (rc < 0) {
		cfail(s, n, "%s", rc == -ENOMEM ? "out of memory" : err);
		return false;
	}
	k->nconst++;
	if (k->lhs->kind == X_FIELD && k->lhs->b->cls->validate &&
	    k->lhs->b->cls->validate(k->lhs->b, k->op, val, len, err, sizeof err) < 0) {
		cfail(s, n, "%s", err);
		return false;
	}
	return true;
}

/* Builds the set, prefix tree or regexes the operator needs. */
static bool index_consts(struct cstate *s, const struct flt_node *n, struct flt_check *k)
{
	bool set = k->op == FLT_OP_IN || k->op == FLT_OP_INTERSECTS ||
	           (k->mod != FLT_MOD_NONE && (k->op == FLT_OP_EQ || k->op == FLT_OP_NE));
	if (set) {
		if (flt_hset_init(&k->set, k->nconst) < 0)
			return cfail(s, n, "out of memory"), false;
		k->has_set = true;
		for (uint32_t i = 0; i < k->nconst; i++)
			flt_hset_add(&k->set, k->consts[i].p, k->consts[i].len);
	} else if (k->op == FLT_OP_PMATCH) {
		if (!(k->paths = flt_ptree_new()))
			return cfail(s, n, "out of memory"), false;
		for (uint32_t i = 0; i < k->nconst; i++)
			if (flt_ptree_add(k->paths, (const char *)k->consts[i].p, k->consts[i].len) < 0)
				return cfail(s, n, "out of memory"), false;
	} else if (k->op == FLT_OP_REGEX) {
		if (!(k->res = calloc(k->nconst ? k->nconst : 1, sizeof(*k->res))))
			return cfail(s, n, "out of memory"), false;
		for (uint32_t i = 0; i < k->nconst; i++) {
			size_t l = k->consts[i].len;
			char *pat = malloc(l + 5);
			if (!pat)
				return cfail(s, n, "out of memory"), false;
			/* upstream anchors the match at both ends */
			snprintf(pat, l + 5, "^(%.*s)$", (int)l, (const char *)k->consts[i].p);
			int rc = regcomp(&k->res[i], pat, REG_EXTENDED | REG_NOSUB);
			free(pat);
			if (rc != 0) {
				char msg[256];
				regerror(rc, &k->res[i], msg, sizeof msg);
				return cfail(s, n, "invalid regex pattern: %s", msg), false;
			}
			k->nres++;
		}
	}
	return true;
}

static bool compile_rhs_field(struct cstate *s, const struct flt_node *n, struct flt_check *k)
{
	if (k->op == FLT_OP_PMATCH || k->op == FLT_OP_REGEX)
		return cfail(s, n, "operator '%s' doesn't support right-hand side fields",
		             k->op == FLT_OP_PMATCH ? "PMATCH" : "REGEX"), false;
	uint8_t lt = k->lhs->type;
	if (lt == EV_PT_IPNET || lt == EV_PT_IPV4NET || lt == EV_PT_IPV6NET)
		return cfail(s, n, "field type 'IPNET' doesn't support right-hand side fields"), false;
	if (!(k->rhs = compile_value(s, n->kids[1])))
		return false;
	if ((k->lhs->flags & FLD_F_NO_RHS) || (k->lhs->flags & FLD_F_MATCH_ANY))
		return cfail(s, n, "field '%s' doesn't support right-hand side fields", k->lhs->name), false;
	if (k->rhs->flags & FLD_F_NO_RHS || (k->rhs->flags & FLD_F_MATCH_ANY))
		return cfail(s, n, "field '%s' can't be used as a right-hand side field", k->rhs->name), false;
	bool ll = k->lhs->flags & FLD_F_IS_LIST, rl = k->rhs->flags & FLD_F_IS_LIST;
	if (lt != k->rhs->type || ll != rl)
		return cfail(s, n, "field '%s' has type '%s%s' while the right-hand side field '%s' has "
		             "incompatible type '%s%s'", k->lhs->name, fld_type_name(lt),
		             ll ? " (list)" : "", k->rhs->name, fld_type_name(k->rhs->type),
		             rl ? " (list)" : ""), false;
	if (flt_hset_init(&k->rset, 64) < 0)
		return cfail(s, n, "out of memory"), false;
	return true;
}

static bool compile_consts(struct cstate *s, const struct flt_node *n, struct flt_check *k)
{
	const struct flt_node *r = n->kids[1];
	uint32_t cnt = r->kind == FLT_LIST ? r->nvals : 1;
	if (!(k->consts = calloc(cnt ? cnt : 1, sizeof(*k->consts))))
		return cfail(s, n, "out of memory"), false;
	if (r->kind == FLT_LIST) {
		for (uint32_t i = 0; i < r->nvals; i++)
			if (!add_const(s, r, k, r->vals[i].s, r->vals[i].len))
				return false;
	} else if (!add_const(s, r, k, r->str, r->len)) {
		return false;
	}
	return index_consts(s, r, k);
}

/* The syscall class's evt.type itself (no argument, no transformer, the
 * class's own extractor): its value is a function of the event code alone
 * except for the codes eval.c excludes. */
static bool is_syscall_evt_type(const struct flt_expr *x)
{
	return x->kind == X_FIELD && x->b->cls == &fld_class_evt && !x->b->arg &&
	       x->b->extract == fld_class_evt.extract && strcmp(fld_bind_info(x->b)->name, "evt.type") == 0;
}

static struct flt_check *compile_check(struct cstate *s, const struct flt_node *n)
{
	struct flt_check *k = calloc(1, sizeof(*k));
	char err[512];
	if (!k)
		return cfail(s, n, "out of memory");
	if (!flt_op_parse(n->str, &k->op, &k->mod)) {
		cfail(s, n, "unrecognized filter comparison operator '%s'", n->str);
		goto fail;
	}
	if (!(k->lhs = compile_value(s, n->kids[0])))
		goto fail;
	if (k->lhs->kind == X_CONST) {
		cfail(s, n, "filter error: missing field in left-hand of %s check",
		      n->kind == FLT_UNARY ? "unary" : "binary");
		goto fail;
	}
	if (!comparable(k->op, k->mod, k->lhs->type, k->lhs->flags & FLD_F_IS_LIST, err, sizeof err)) {
		cfail(s, n, "filter error: %s", err);
		goto fail;
	}
	if (n->kind == FLT_UNARY)
		return k;
	const struct flt_node *r = n->kids[1];
	bool ok = r->kind == FLT_TRANSFORMER ? compile_rhs_field(s, n, k) : compile_consts(s, n, k);
	if (ok && !k->rhs && is_syscall_evt_type(k->lhs) && (k->bycode = malloc(EV_CODE_MAX)))
		memset(k->bycode, -1, EV_CODE_MAX); /* no memory: evaluated each time */
	if (ok)
		return k;
fail:
	check_free(k);
	return NULL;
}

/* ---- programs ---- */

void flt_prog_free(struct flt_prog *p)
{
	if (!p || --p->refs > 0)
		return;
	for (uint32_t i = 0; i < p->nkids; i++)
		flt_prog_free(p->kids[i]);
	free(p->kids);
	check_free(p->chk);
	free(p);
}

/* ---- hash-consing ----
 * Two nodes are the same program when their keys are equal: a check's key
 * is its syntax tree serialised without ambiguity (kinds, lengths, bytes;
 * the compiler binds fields and parses constants from these alone), a
 * compound node's key is its kind and its (already interned) kids'
 * addresses. */

struct kbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void kb_add(struct kbuf *b, const void *p, size_t len)
{
	if (b->oom)
		return;
	if (b->len + len > b->cap) {
		size_t cap = (b->cap + len) * 2;
		char *q = realloc(b->s, cap);
		if (!q) {
			b->oom = true;
			return;
		}
		b->s = q;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, len);
	b->len += len;
}

static void kb_bytes(struct kbuf *b, const char *p, size_t len)
{
	uint64_t l = p ? len : UINT64_MAX;
	kb_add(b, &l, sizeof l);
	if (p)
		kb_add(b, p, len);
}

static void key_node(struct kbuf *b, const struct flt_node *n)
{
	uint32_t hdr[4] = {n->kind, n->has_arg, n->nkids, n->nvals};
	kb_add(b, hdr, sizeof hdr);
	kb_bytes(b, n->str, n->str && n->kind != FLT_VALUE ? strlen(n->str) : n->len);
	kb_bytes(b, n->has_arg ? n->arg : NULL, n->has_arg && n->arg ? strlen(n->arg) : 0);
	for (uint32_t i = 0; i < n->nvals; i++)
		kb_bytes(b, n->vals[i].s, n->vals[i].len);
	for (uint32_t i = 0; i < n->nkids; i++)
		key_node(b, n->kids[i]);
}

static uint64_t key_hash(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 0x100000001b3ull;
	return h ^ (h >> 31);
}

static struct intern *intern_find(struct flt_compiler *c, uint64_t h, const char *key, size_t klen)
{
	if (!c->captab)
		return NULL;
	for (uint32_t i = (uint32_t)h & (c->captab - 1);; i = (i + 1) & (c->captab - 1)) {
		struct intern *e = &c->tab[i];
		if (!e->p || (e->h == h && e->klen == klen && memcmp(e->key, key, klen) == 0))
			return e;
	}
}

static bool intern_grow(struct flt_compiler *c)
{
	uint32_t cap = c->captab ? c->captab * 2 : 256;
	struct intern *old = c->tab, *t = calloc(cap, sizeof(*t));
	if (!t)
		return false;
	uint32_t oldcap = c->captab;
	c->tab = t;
	c->captab = cap;
	for (uint32_t i = 0; i < oldcap; i++)
		if (old[i].p)
			*intern_find(c, old[i].h, old[i].key, old[i].klen) = old[i];
	free(old);
	return true;
}

/* The interned node equal to key, with one more reference for the caller
 * (and marked as shared), or NULL. */
static struct flt_prog *intern_get(struct flt_compiler *c, const struct kbuf *k, uint64_t h)
{
	struct intern *e = intern_find(c, h, k->s, k->len);
	if (!e || !e->p)
		return NULL;
	e->p->refs++;
	e->p->memo = true;
	return e->p;
}

/* Records p (the caller keeps its reference; the table takes one) under a
 * key that intern_get did not find; takes ownership of the key. On ENOMEM
 * p simply stays unshared. */
static void intern_put(struct flt_compiler *c, struct kbuf *k, uint64_t h, struct flt_prog *p)
{
	if ((c->ntab + 1) * 2 > c->captab && !intern_grow(c)) {
		free(k->s);
		return;
	}
	struct intern *e = intern_find(c, h, k->s, k->len);
	*e = (struct intern){.h = h, .key = k->s, .klen = k->len, .p = p};
	p->refs++;
	c->ntab++;
}

/* Releases the intern table's references (before the bindings go: a node
 * still referenced by a program the caller did not free would borrow them). */
static void intern_clear(struct flt_compiler *c)
{
	for (uint32_t i = 0; i < c->captab; i++) {
		if (!c->tab[i].p)
			continue;
		flt_prog_free(c->tab[i].p);
		free(c->tab[i].key);
	}
	free(c->tab);
	c->tab = NULL;
	c->ntab = c->captab = 0;
}

/* A compound node (kids already interned): the shared equal node if there
 * is one (p is then released), else p, now interned. */
static struct flt_prog *share_compound(struct cstate *s, struct flt_prog *p)
{
	struct kbuf k = {0};
	uint32_t kind = p->kind;
	kb_add(&k, &kind, sizeof kind);
	kb_add(&k, p->kids, p->nkids * sizeof(*p->kids));
	if (k.oom) {
		free(k.s);
		return p;
	}
	uint64_t h = key_hash(k.s, k.len);
	struct flt_prog *q = intern_get(s->c, &k, h);
	if (q) {
		free(k.s);
		flt_prog_free(p);
		return q;
	}
	intern_put(s->c, &k, h, p);
	return p;
}

static struct flt_prog *compile_node(struct cstate *s, const struct flt_node *n);

/* A check: the shared equal one, or a new one (interned). */
static struct flt_prog *compile_leaf(struct cstate *s, const struct flt_node *n)
{
	struct kbuf k = {0};
	kb_add(&k, "C", 1);
	key_node(&k, n);
	uint64_t h = k.oom ? 0 : key_hash(k.s, k.len);
	struct flt_prog *q = k.oom ? NULL : intern_get(s->c, &k, h);
	if (q) {
		free(k.s);
		return q;
	}
	struct flt_prog *p = calloc(1, sizeof(*p));
	if (!p) {
		free(k.s);
		return cfail(s, n, "out of memory");
	}
	p->refs = 1;
	p->kind = P_CHECK;
	if (!(p->chk = compile_check(s, n))) {
		free(k.s);
		flt_prog_free(p);
		return NULL;
	}
	if (k.oom)
		free(k.s);
	else
		intern_put(s->c, &k, h, p);
	return p;
}

/* Nested and/or chains (macros) are kept as they are, not spliced into
 * their parent: a macro's node is then shared by every rule using it and
 * evaluated once per event. */
static struct flt_prog *compile_node(struct cstate *s, const struct flt_node *n)
{
	if (n->kind == FLT_UNARY || n->kind == FLT_BINARY)
		return compile_leaf(s, n);
	struct flt_prog *p = calloc(1, sizeof(*p));
	if (!p)
		return cfail(s, n, "out of memory");
	p->refs = 1;
	switch (n->kind) {
	case FLT_AND:
	case FLT_OR:
	case FLT_NOT:
		p->kind = n->kind == FLT_AND ? P_AND : n->kind == FLT_OR ? P_OR : P_NOT;
		if (!(p->kids = calloc(n->nkids, sizeof(*p->kids))))
			break;
		for (; p->nkids < n->nkids; p->nkids++)
			if (!(p->kids[p->nkids] = compile_node(s, n->kids[p->nkids])))
				goto fail;
		return share_compound(s, p);
	case FLT_IDENT:
		cfail(s, n, "filter error: unexpected identifier '%s'", n->str);
		goto fail;
	default:
		cfail(s, n, "filter error: unexpected expression in a condition");
		goto fail;
	}
	cfail(s, n, "out of memory");
fail:
	flt_prog_free(p);
	return NULL;
}

struct flt_prog *flt_compile(struct flt_compiler *c, const struct flt_node *ast,
                             struct flt_error *err)
{
	struct cstate s = {.c = c, .err = err};
	return compile_node(&s, ast);
}

struct flt_expr *flt_compile_expr(struct flt_compiler *c, const struct flt_node *n,
                                  struct flt_error *err)
{
	struct cstate s = {.c = c, .err = err};
	if (n->kind != FLT_FIELD && n->kind != FLT_TRANSFORMER)
		return cfail(&s, n, "expected a field or a transformer");
	return compile_value(&s, n);
}

void flt_expr_free_public(struct flt_expr *x)
{
	flt_expr_free(x);
}

const struct fld_vals *flt_expr_values(struct flt_expr *x, struct fld_ctx *ctx, uint8_t *type)
{
	if (type)
		*type = x->type;
	return flt_expr_eval(x, ctx);
}

void flt_expr_shape(const struct flt_expr *x, uint8_t *type, uint8_t *fmt, uint32_t *flags)
{
	const struct flt_expr *base = x;
	while (base->kind == X_TRANSFORM && base->nargs == 1 && base->tr != TR_GETOPT)
		base = base->args[0];
	if (type)
		*type = x->type;
	if (fmt)
		*fmt = base->kind == X_FIELD ? fld_bind_info(base->b)->fmt : EV_PF_NA;
	if (flags)
		*flags = x->flags;
}
