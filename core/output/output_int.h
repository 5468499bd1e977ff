/* Internal to core/output: growable buffers, JSON text, compiled formats,
 * sinks. */
#ifndef FALCO_CORE_OUTPUT_INT_H
#define FALCO_CORE_OUTPUT_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/output.h"

/* A growable string; `failed` latches on ENOMEM so callers check once. */
struct obuf {
	char *p;
	size_t len, cap;
	bool failed;
};
void ob_add(struct obuf *b, const void *s, size_t n);
void ob_str(struct obuf *b, const char *s);
void ob_printf(struct obuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the NUL-terminated string (ownership to the caller), or NULL (and
 * frees) when something failed. */
char *ob_finish(struct obuf *b);

/* Appends s (n bytes) escaped as a JSON string body, as upstream's encoder
 * does: `"` `\` and control characters escaped (\b \f \n \r \t, else \u00xx),
 * other bytes as they are, every invalid UTF-8 sequence replaced by U+FFFD.
 * With `quotes`, the surrounding double quotes too. */
void ob_json_str(struct obuf *b, const char *s, size_t n, bool quotes);
/* A double as a JSON number ("null" for NaN and infinities). */
void ob_json_double(struct obuf *b, double d);

/* ---- compiled formats (format.c) ---- */

/* One value producer: a field or transformer bound at load time. */
struct oexpr {
	struct flt_expr *x;   /* owned */
	uint8_t pfmt;         /* enum ev_pfmt of the innermost field */
	bool list;            /* renders as "(a,b)" / a JSON array */
	bool json_ts;         /* JSON value is the event time in ns (evt.time ...) */
	bool base64;          /* byte buffers as base64 (buffer_format_base64) */
	char *key;            /* owned: its name in output_fields ("proc.aname[2]") */
};

struct otok {
	char *raw;            /* owned: literal text, or NULL for an expression */
	size_t rawlen;
	struct oexpr e;
	uint32_t width;       /* `%20proc.name`: pad/cut to this many bytes; 0 = none */
};

struct out_fmt {
	struct otok *toks;    /* owned */
	uint32_t ntoks;
	struct oexpr *jf;     /* owned: the plain fields, for output_fields */
	uint32_t njf;
};

/* Appends the text of e's value (<NA> when none). */
void ofmt_expr_text(struct obuf *b, struct oexpr *e, struct fld_ctx *ctx);
/* Appends the JSON value of e (null when none). */
void ofmt_expr_json(struct obuf *b, struct oexpr *e, struct fld_ctx *ctx);
/* Shows f's byte buffers in base64 from now on. */
void ofmt_set_base64(struct out_fmt *f);
/* Appends the whole text rendering of f. */
void ofmt_text(struct obuf *b, struct out_fmt *f, struct fld_ctx *ctx);

/* ---- sinks (sinks.c, http.c) ---- */

struct osink {
	const char *name;     /* "stdout", "file", ... (static) */
	void *impl;
	/* Writes one message (no trailing newline in msg). Returns 0 or a
	 * negative errno (counted, logged by the caller). */
	int (*write)(void *impl, const char *msg, size_t len, enum out_priority p);
	void (*reopen)(void *impl);
	void (*flush)(void *impl);
	void (*close)(void *impl);
};

struct osink_env {
	bool buffered;
	bool json;
	uint32_t timeout_ms;
	FILE *out;            /* stdout stream */
	FILE *log;
};

int osink_stdout(const struct osink_env *env, struct osink *s);
int osink_file(const struct osink_env *env, const char *path, bool keep_alive, struct osink *s,
               char *err, size_t errlen);
int osink_syslog(const struct osink_env *env, const char *path, struct osink *s);
int osink_program(const struct osink_env *env, const char *cmd, bool keep_alive,
                  struct osink *s, char *err, size_t errlen);
int osink_http(const struct osink_env *env, const struct out_http_config *c, struct osink *s,
               char *err, size_t errlen);
void osink_http_global(bool init);

uint64_t out_now_ns(void);

/* ---- the manager (mgr.c), shared with alert.c ---- */

struct out_mgr {
	/* settings copied from out_config (strings owned) */
	bool json, inc_output, inc_message, inc_fields, inc_tags, iso8601, base64;
	char *hostname;
	struct out_append *append;   /* deep copies: every string owned */
	uint32_t nappend;
	char *print_format;
	FILE *log;

	/* rules and counters */
	struct out_rule *rules, *rules_tail; /* owned, compile order */
	_Atomic uint64_t by_priority[OUT_PRI_COUNT];
	_Atomic uint64_t total;

	struct omgr_rt *rt;          /* queue, thread, sinks (mgr.c) */
};

/* Queues a rendered message (takes ownership of msg, which is freed when
 * dropped). Returns 0, -EAGAIN (full: counted) or -ENOMEM. */
int omgr_push(struct out_mgr *m, char *msg, size_t len, enum out_priority p);
/* Local "HH:MM:SS.nnnnnnnnn" of ts (ns since the epoch), as upstream. */
void out_local_time(struct obuf *b, uint64_t ts);
void out_rules_free(struct out_mgr *m);

#endif
