/* Internal state of the rules engine (engine.c, compile.c). */
#ifndef FALCO_CORE_RULES_ENGINE_INT_H
#define FALCO_CORE_RULES_ENGINE_INT_H

#include "filter/filter.h"
#include "rules/engine.h"

struct out_rule;

/* One collected rule after compilation. */
struct rules_crule {
	const struct rules_rule_def *def;  /* borrowed from the collection */
	int src;                           /* source index, -1 unknown */
	bool compiled, enabled;
	char *cond_text;                   /* owned: with exceptions, before list substitution */
	struct flt_prog *prog;             /* owned */
	struct out_rule *out;              /* owned by the output manager */
	bool types[EV_CODE_MAX];
	size_t ntypes;
	uint64_t matches;
};

/* Per source: enabled rules by event code, in load order. */
struct rules_index {
	uint32_t start[EV_CODE_MAX + 1];   /* rules of code c: idx[start[c] .. start[c+1]) */
	uint32_t *idx;                     /* owned */
	size_t nenabled;
};

struct rules_engine {
	struct rules_engine_opts opts;
	struct rules_set *set;             /* owned */
	struct rules_collection *coll;     /* owned */
	struct rules_result *res;          /* where compile messages go: the last file's */
	bool failed, compiled;
	bool alerts;                       /* this pass compiles alert formatters */
	struct flt_compiler **comps;       /* owned; one per source */
	struct rules_index *index;         /* owned; one per source */
	struct rules_lists lists;          /* owned */
	struct flt_node **macro_ast;       /* owned; per collected macro */
	size_t nmacro_ast;
	bool *macro_used;                  /* owned */
	size_t ncrules;
	struct rules_crule *crules;        /* owned; per collected rule */
};

/* compile.c: every macro and rule of the collection. */
int rules_compile_all(struct rules_engine *e, bool alerts);
/* Frees what a result holds (not the struct itself). */
void rules_result_release(struct rules_result *r);

/* describe.c: `falco -L` / `-l NAME` in JSON (upstream's document);
 * -ENOENT (nothing printed) when `only` names no compiled rule. */
int rules_describe_json(const struct rules_engine *e, FILE *out, const char *only);
/* Whether `name` is a compiled rule (one -L lists). */
bool rules_describe_has(const struct rules_engine *e, const char *name);

#endif
