/* core/metrics internals shared by its files. */
#ifndef FALCO_CORE_METRICS_INT_H
#define FALCO_CORE_METRICS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "metrics/metrics.h"

/* A growable NUL-terminated text buffer; `failed` after ENOMEM. */
struct mbuf {
	char *p;
	size_t len, cap;
	bool failed;
};
void mbuf_add(struct mbuf *b, const char *s, size_t n);
void mbuf_printf(struct mbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text (caller frees), or NULL after ENOMEM (the buffer is freed). */
char *mbuf_finish(struct mbuf *b);
void mbuf_json_str(struct mbuf *b, const char *s);
void mbuf_json_double(struct mbuf *b, double d);

/* Memory helpers of libs' unit conventions. */
void metrics_memory_rename(char *name, size_t cap, const char *with);
double metrics_to_bytes(const struct metrics_value *v);
bool metrics_is_memory_int(const struct metrics_value *v);

#endif
