/*
 * core/filter: Falco's filter language.
 *
 *   parse:   text -> syntax tree (struct flt_node), exactly as upstream's
 *            libsinsp parser accepts and rejects, with upstream's messages and
 *            positions;
 *   macros:  identifiers replaced by macro trees (the rules loader's job, with
 *            helpers here);
 *   compile: tree -> struct flt_prog, with every field bound once through the
 *            field registry (core/fields) and every constant pre-parsed;
 *   eval:    struct flt_prog x event -> bool, without allocation.
 *
 * Typical use (the rules loader and the event loop):
 *
 *   struct flt_compiler *c = flt_compiler_new(reg, "syscall");
 *   char *txt = flt_expand_list(cond, list, items, n, &used);      // each list
 *   struct flt_node *ast = flt_parse(txt, &(struct flt_parse_opts){.max_depth = 1000}, &err, NULL);
 *   flt_expand_macros(&ast, lookup_macro, user, &err);
 *   flt_event_types(ast, codes);                                   // rule index
 *   struct flt_prog *p = flt_compile(c, ast, &err);                // err.kind FLT_E_FIELD: unknown
 *   ...after compiling everything: fld_ctx_init(&ctx, flt_compiler_nslots(c));
 *   per event: fld_ctx_next(&ctx); ctx.ev = ...; if (flt_eval(p, &ctx)) alert();
 *
 * Ownership: every function returning a pointer documents who frees it.
 */
#ifndef FALCO_CORE_FILTER_H
#define FALCO_CORE_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields/fields.h"

/* ---- syntax tree ---- */

/* Position in the input: byte index (0-based), line and column (1-based). */
struct flt_pos {
	uint32_t idx, line, col;
};

enum flt_kind {
	FLT_AND,         /* kids[0..n): two or more */
	FLT_OR,          /* kids[0..n): two or more */
	FLT_NOT,         /* kids[0] */
	FLT_IDENT,       /* str: a macro name */
	FLT_VALUE,       /* str/len: a constant (already unescaped) */
	FLT_LIST,        /* vals[0..nvals): constants, `(a, b)` */
	FLT_TLIST,       /* kids: a transformer's list argument `(f1, "x", ...)` */
	FLT_UNARY,       /* kids[0] op str ("exists") */
	FLT_BINARY,      /* kids[0] op kids[1]; str holds the operator as written,
	                  * with a modifier: "= oneof", "contains anyof" */
	FLT_FIELD,       /* str: field name; arg/has_arg: `[arg]` */
	FLT_TRANSFORMER  /* str: transformer name ("tolower", "val", ...);
	                  * kids: its arguments; arg/has_arg: `[arg]` */
};

struct flt_str {
	char *s;     /* owned, NUL-terminated; may contain NULs (from \x00) */
	size_t len;
};

struct flt_node {
	enum flt_kind kind;
	struct flt_pos pos;
	char *str;               /* owned; see enum flt_kind */
	size_t len;              /* length of str (FLT_VALUE may hold NULs) */
	char *arg;               /* owned; FLT_FIELD/FLT_TRANSFORMER argument */
	bool has_arg;
	struct flt_node **kids;  /* owned */
	uint32_t nkids;
	struct flt_str *vals;    /* owned; FLT_LIST items */
	uint32_t nvals;
};

/* What failed. FLT_E_FIELD lets the rules loader tell an unknown field
 * (upstream's LOAD_UNKNOWN_FILTER / skip-if-unknown-filter) from other
 * compile errors. */
enum flt_err_kind {
	FLT_E_NONE = 0,
	FLT_E_PARSE,     /* syntax (flt_parse) */
	FLT_E_FIELD,     /* no such field for the source */
	FLT_E_COMPILE,   /* anything else at compile time (types, values, args) */
	FLT_E_MACRO,     /* undefined macro or reference loop */
};

/* A parse or compile error: the message and the position it refers to. */
struct flt_error {
	struct flt_pos pos;
	enum flt_err_kind kind;
	char msg[512];
};

struct flt_parse_opts {
	uint32_t max_depth;  /* recursion cap; 0 means upstream's default, 100
	                      * (Falco's rules loader uses 1000) */
	bool partial;        /* accept a valid prefix (stop at the first token
	                      * that cannot continue the expression) */
};

/* Parses `text` (NUL-terminated). Returns a tree owned by the caller
 * (flt_node_free), or NULL with *err set. `opts` may be NULL. With `end`
 * non-NULL, stores the position where parsing stopped. */
struct flt_node *flt_parse(const char *text, const struct flt_parse_opts *opts,
                           struct flt_error *err, struct flt_pos *end);

/* Parses one field or transformer expression at the start of `text`, as in
 * output strings (`%proc.name`, `%tolower(proc.name)`); stores the number of
 * bytes consumed in *used. Returns NULL with *err set on error. */
struct flt_node *flt_parse_field(const char *text, struct flt_error *err, size_t *used);

void flt_node_free(struct flt_node *n);
/* A deep copy, or NULL on ENOMEM. */
struct flt_node *flt_node_clone(const struct flt_node *n);
/* Renders the tree in upstream's canonical text form (as its ast::as_string):
 * "(a and b)", "not x", "f in (a, b)", values quoted when they need it.
 * Returns a malloc'd string (caller frees) or NULL on ENOMEM. */
char *flt_node_str(const struct flt_node *n);

/* Escapes a string as upstream's escape_str; writes a malloc'd copy. */
char *flt_escape(const char *s, size_t len);

/* Operator codes: upstream's cmpop numbering. */
enum flt_op {
	FLT_OP_NONE = 0,
	FLT_OP_EQ = 1,
	FLT_OP_NE = 2,
	FLT_OP_LT = 3,
	FLT_OP_LE = 4,
	FLT_OP_GT = 5,
	FLT_OP_GE = 6,
	FLT_OP_CONTAINS = 7,
	FLT_OP_IN = 8,
	FLT_OP_EXISTS = 9,
	FLT_OP_ICONTAINS = 10,
	FLT_OP_STARTSWITH = 11,
	FLT_OP_GLOB = 12,
	FLT_OP_PMATCH = 13,
	FLT_OP_ENDSWITH = 14,
	FLT_OP_INTERSECTS = 15,
	FLT_OP_BCONTAINS = 16,
	FLT_OP_BSTARTSWITH = 17,
	FLT_OP_IGLOB = 18,
	FLT_OP_REGEX = 19,
};

enum flt_mod {
	FLT_MOD_NONE = 0,
	FLT_MOD_ONEOF,  /* exactly one list value satisfies the operator */
	FLT_MOD_ANYOF,  /* at least one */
	FLT_MOD_ALLOF,  /* all of them */
};

/* Splits an operator as the parser writes it ("=", "contains anyof") into
 * its code and modifier. Returns false for an unknown operator. */
bool flt_op_parse(const char *s, enum flt_op *op, enum flt_mod *mod);
const char *flt_op_name(enum flt_op op);

/* ---- compile and evaluate ---- */

/* A compiler holds the field bindings shared by every program it compiles,
 * so that a field used by many rules is extracted once per event. Programs
 * borrow from their compiler: free them first. */
struct flt_compiler;
struct flt_prog;   /* a compiled condition */
struct flt_expr;   /* a compiled field or transformer expression (outputs) */

/* `reg` is borrowed and must outlive the compiler; `source` is copied.
 * Returns NULL on ENOMEM. */
struct flt_compiler *flt_compiler_new(const struct fld_reg *reg, const char *source);
void flt_compiler_free(struct flt_compiler *c);
/* The cache slots an extraction context needs for this compiler's fields
 * (pass to fld_ctx_init after compiling everything). */
uint32_t flt_compiler_nslots(const struct flt_compiler *c);

/* Compiles a tree without macros left (FLT_IDENT is an error, as upstream:
 * "filter error: unexpected identifier 'X'"). Returns a program owned by the
 * caller (flt_prog_free), or NULL with *err set (the position of the node
 * that failed). */
struct flt_prog *flt_compile(struct flt_compiler *c, const struct flt_node *ast,
                             struct flt_error *err);
void flt_prog_free(struct flt_prog *p);
/* Evaluates a program on the event in ctx (fields through ctx's cache).
 * A program keeps per-evaluation scratch (transformer outputs), so one
 * program is evaluated by one thread at a time (each source thread compiles
 * its own rulesets, as the design says). */
bool flt_eval(const struct flt_prog *p, struct fld_ctx *ctx);

/* Output fields: compiles a FLT_FIELD or FLT_TRANSFORMER node to an
 * extractor (caller frees with flt_expr_free_public). */
struct flt_expr *flt_compile_expr(struct flt_compiler *c, const struct flt_node *n,
                                  struct flt_error *err);
void flt_expr_free_public(struct flt_expr *x);
/* The shape of x's values: type (after transformers), print format (the
 * underlying field's, as upstream prints transformed values) and FLD_F_*
 * flags (FLD_F_IS_LIST for list values). Any pointer may be NULL. */
void flt_expr_shape(const struct flt_expr *x, uint8_t *type, uint8_t *fmt, uint32_t *flags);
/* The values of x for the event in ctx (n == 0: no value), and their type. */
const struct fld_vals *flt_expr_values(struct flt_expr *x, struct fld_ctx *ctx, uint8_t *type);

/* ---- macros and lists (helpers for the rules loader) ---- */

/* Looks a macro up by name: returns its tree (borrowed) or NULL. */
typedef const struct flt_node *(*flt_macro_fn)(void *user, const char *name);

/* Replaces every FLT_IDENT in *root with a copy of its macro's tree,
 * recursively (macros inside macros). Errors: "Undefined macro 'X' used in
 * filter." and, for a macro that reaches itself, "reference loop in macro
 * 'X'". Returns 0 or a negative errno with *err set. */
int flt_expand_macros(struct flt_node **root, flt_macro_fn lookup, void *user,
                      struct flt_error *err);

/* Substitutes one list in a condition's text, as Falco's rules loader does
 * before parsing (once per list, in definition order): every occurrence of
 * `name` bounded by blanks or `(),=` (or the text's ends) becomes its items
 * joined with ", " (an item with a space is double-quoted unless already
 * quoted); an empty list also drops one neighbouring comma. Sets *used when
 * something was replaced. Returns a malloc'd string or NULL (ENOMEM). */
char *flt_expand_list(const char *cond, const char *name, const char *const *items,
                      uint32_t nitems, bool *used);

/* Calls fn for every FLT_FIELD node of the tree (also inside transformers
 * and on right-hand sides), in order: e.g. for the rules loader's
 * deprecated-field warnings (evt.dir, evt.latency*, evt.wait_latency). */
void flt_foreach_field(const struct flt_node *ast,
                       void (*fn)(void *user, const struct flt_node *field), void *user);

/* True when the condition compares a `ka.*` or `jevt.*` field to "<NA>"
 * with = == != in intersects pmatch: upstream's LOAD_UNSAFE_NA_CHECK. */
bool flt_has_unsafe_na_check(const struct flt_node *ast);

/* Event types a condition can match, for rule indexing and adaptive
 * syscalls, as upstream derives them: `and` intersects, `or` unites, `not` is
 * pushed down to the leaves; `evt.type`/`syscall.type` with = == != in give
 * codes (names of events, or of syscalls without a dedicated event: the
 * generic events); `evt.num` checks that can never or always hold give none
 * or all; other checks are neutral (all). Fills set[code] for every code
 * (EV_CODE_MAX entries) and returns how many are set. Returns -EINVAL when
 * upstream refuses (evt.type under a transformer, or compared to a field). */
int flt_event_types(const struct flt_node *ast, bool set[EV_CODE_MAX]);

/* ---- describing a condition (falco -L in JSON) ---- */

/* A set of strings in insertion order; every string owned. */
struct flt_strset {
	size_t n, cap;
	char **v;
};
/* Adds a copy of v unless present / always. 0 or -ENOMEM. */
int flt_strset_add(struct flt_strset *s, const char *v);
int flt_strset_push(struct flt_strset *s, const char *v);
bool flt_strset_has(const struct flt_strset *s, const char *v);
void flt_strset_free(struct flt_strset *s);

/* What a condition uses, as upstream's filter details resolver reports it:
 * fields ("name" or "name[arg]"), operators as written ("=", "in",
 * "contains anyof", "exists"), known macros named by identifiers, known
 * lists named in list values on a check's right side, the names compared
 * with evt.type / evt.asynctype (list names excluded), transformers. */
struct flt_details {
	struct flt_strset fields, operators, macros, lists, evtnames, transformers;
};
struct flt_details_opts {
	bool (*is_macro)(void *ud, const char *name);   /* NULL: none known */
	bool (*is_list)(void *ud, const char *name);    /* NULL: none known */
	void *ud;
};
/* Adds the details of `ast` to d (call flt_details_free after). 0 or -ENOMEM. */
int flt_details_collect(const struct flt_node *ast, const struct flt_details_opts *o,
			struct flt_details *d);
void flt_details_free(struct flt_details *d);

/* The syscall codes (enum ev_sc) a condition can match: flt_event_types'
 * rules over syscalls, a name standing for the syscalls of its events, a
 * generic syscall only for its own name (upstream's ppm_sc_codes). Returns
 * how many are set, or -EINVAL as flt_event_types. */
int flt_syscall_types(const struct flt_node *ast, bool set[EV_SC_MAX]);

/* The walk behind flt_event_types and flt_syscall_types, over a set of
 * `nset` codes: `add_name` sets the codes one name given to evt.type stands
 * for. Returns how many are set, -EINVAL or -ENOMEM. */
typedef void (*flt_type_name_fn)(bool *set, const char *name);
int flt_type_pass(const struct flt_node *ast, bool *set, uint32_t nset, flt_type_name_fn add_name);

/* The field tokens of an output format as upstream's formatter names them
 * (the canonical text of each %field or %transformer(...), inner fields of
 * a transformer first), appended to out in order, repeats kept. 0 or -ENOMEM. */
int flt_output_fields(const char *fmt, struct flt_strset *out);

#endif
