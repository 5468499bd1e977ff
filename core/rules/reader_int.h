/* Internal to core/rules: the reader's shared helpers (reader.c, rule.c). */
#ifndef FALCO_CORE_RULES_READER_INT_H
#define FALCO_CORE_RULES_READER_INT_H

#include <stdarg.h>

#include "rules/rules.h"

#define WARNING_APPEND "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') " \
	"under 'override' instead."
#define WARNING_ENABLED "The standalone 'enabled' key usage is deprecated. The correct approach " \
	"requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace')."
#define ERROR_OVERRIDE_APPEND "Keys 'override' and 'append: true' cannot be used together. Add an " \
	"'append' entry (e.g. 'condition: append') under 'override' instead."

/* A context under construction: a chain of stack frames, turned into a
 * struct rules_ctx only when something is recorded. `at` NULL is the file. */
struct cx {
	const struct cx *parent;
	enum rules_ctx_type type;
	const char *item_name;
	const struct cfg_node *at;
};

struct rd {
	struct rules_set *set;
	size_t file;
	const char *name;
	int rc;                 /* -EINVAL once an error is recorded, or -ENOMEM */
};

enum { OPTIONAL = 1, EMPTY_OK = 2 };   /* flags of the value decoders */

/* Contexts and messages. rd_fail records LOAD_ERR_YAML_VALIDATE and returns
 * -EINVAL; rd_warn records a warning and returns 0 (or -ENOMEM). */
int rd_ctx(struct rd *r, const struct cx *c, struct rules_ctx *out);
int rd_fail(struct rd *r, const struct cx *c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int rd_warn(struct rd *r, enum rules_warn_code code, const struct cx *c, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int rd_nomem(struct rd *r);

/* Upstream's decode_val family: the value under `key` of `item`. */
int rd_scalar(struct rd *r, const struct cfg_node *item, const char *key, const struct cx *c,
	      unsigned flags, const struct cfg_node **out);
int rd_str(struct rd *r, const struct cfg_node *item, const char *key, const struct cx *c,
	   unsigned flags, char **out);
int rd_bool(struct rd *r, const struct cfg_node *item, const char *key, const struct cx *c,
	    unsigned flags, bool *out);
int rd_u64(struct rd *r, const struct cfg_node *item, const char *key, const struct cx *c,
	   unsigned flags, uint64_t max, uint64_t *out);
int rd_seq(struct rd *r, const struct cfg_node *item, const char *key, const struct cx *c,
	   unsigned flags, struct cfg_strlist *out);
void rd_sort_unique(struct cfg_strlist *l);

/* Items: a new one at the end of the set (its context built from `c`), the
 * hand-over to the set's callback, and the unknown-key warnings. */
struct rules_item *rd_new_item(struct rd *r, enum rules_item_kind kind, enum rules_op op,
			       const char *name, const struct cx *c);
int rd_publish(struct rd *r, size_t index);
int rd_unknown_keys(struct rd *r, const struct cfg_node *item, const char *const *keys,
		    const struct cx *c);

/* rule.c */
int rd_read_rule(struct rd *r, const struct cfg_node *item, const struct cx *parent);
void rd_entry_free(struct rules_exc_entry *e);
void rd_rule_free(struct rules_rule *rule);

#endif
