/* Internal helpers shared by the filter module's files (not installed). */
#ifndef FALCO_CORE_FILTER_INTERNAL_H
#define FALCO_CORE_FILTER_INTERNAL_H

#include <stddef.h>

/* Unescapes a quoted token (delimiters included) as upstream's unescape_str:
 * \b \f \n \r \t \\ \/ \xHH, "\ " gives a backslash, \" only inside "..",
 * \' only inside '..'. On success stores a malloc'd string in *out (caller
 * frees) and returns 0; on error returns -EINVAL with upstream's message. */
int flt_unescape(const char *tok, size_t len, char **out, size_t *outlen, char *msg, size_t msglen);

#endif

#ifndef FALCO_CORE_FILTER_PROG_TYPES
#define FALCO_CORE_FILTER_PROG_TYPES
#include <regex.h>
#include "filter/filter.h"
#include "filter/values.h"

enum flt_tr {
	TR_NONE,
	TR_TOLOWER,
	TR_TOUPPER,
	TR_B64,
	TR_BASENAME,
	TR_LEN,
	TR_JOIN,
	TR_CONCAT,
	TR_GETOPT,
};

/* A value producer: a bound field, a transformer over producers, or a
 * constant (a transformer's literal argument). */
struct flt_expr {
	enum { X_FIELD, X_TRANSFORM, X_CONST } kind;
	uint8_t type;               /* value type after transformers */
	uint32_t flags;             /* FLD_F_*: IS_LIST, MATCH_ANY, NO_RHS, ... */
	const char *name;           /* for messages: the field name (borrowed) */
	struct fld_bind *b;         /* X_FIELD: borrowed from the compiler */
	enum flt_tr tr;             /* X_TRANSFORM */
	struct flt_expr **args;     /* X_TRANSFORM: owned */
	uint32_t nargs;
	struct fld_vals *out;       /* X_TRANSFORM/X_CONST: owned output */
	struct fld_val *vals;       /* owned: per-value slots for list outputs */
	char *store;                /* owned: FLD_BUF_SIZE bytes per value slot */
	uint32_t cap;               /* value slots */
	int sel;                    /* getopt(...)[c]: the option char; -1 for none */
};

struct flt_check {
	struct flt_expr *lhs;       /* owned */
	enum flt_op op;
	enum flt_mod mod;
	struct flt_cval *consts;    /* owned */
	uint32_t nconst;
	struct flt_hset set;        /* in / intersects / =,!= with a modifier */
	bool has_set;
	struct flt_ptree *paths;    /* pmatch */
	regex_t *res;               /* regex: one per constant */
	uint32_t nres;
	struct flt_expr *rhs;       /* owned: a field on the right */
	struct flt_hset rset;       /* scratch set for a right-hand field's values */
	/* Checks of the syscall evt.type against constants: the result per
	 * event code (-1 = not known yet), for the codes whose evt.type is their
	 * fixed name (see eval.c by_code). Owned; NULL for other checks. */
	int8_t *bycode;
};

/* Programs are hash-consed per compiler (compile.c): a sub-condition that
 * several rules share (a macro such as open_read, or one check) is one node
 * with several owners, counted in `refs` (the compiler's intern table holds
 * one). A node with more than one user keeps its result for the event being
 * evaluated (memo_*), so the other rules reuse it: a condition's value is a
 * function of the event alone (fields are extracted once per event and
 * evaluation has no side effects). */
struct flt_prog {
	enum { P_AND, P_OR, P_NOT, P_CHECK, P_TRUE } kind;
	struct flt_prog **kids;     /* each kid: one reference held */
	uint32_t nkids;
	struct flt_check *chk;      /* owned */
	uint32_t refs;              /* owners; freed when the last one lets go */
	bool memo;                  /* used more than once: remember per event */
	bool memo_val;
	uint64_t memo_id, memo_gen; /* the (fld_ctx id, gen) memo_val is for */
};

const struct fld_vals *flt_expr_eval(struct flt_expr *x, struct fld_ctx *ctx);
void flt_expr_free(struct flt_expr *x);
#endif
