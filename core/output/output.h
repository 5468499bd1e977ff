/*
 * core/output: alerts, from a matched rule to where falco.yaml sends them.
 *
 *   format:  a rule's output string ("%proc.name read %fd.name") is compiled
 *            once, at rule load time, through core/filter (every `%field` and
 *            `%transformer(...)` becomes a bound extractor); per alert it is
 *            rendered as upstream's text line `<time>: <Priority> <output>`
 *            or as upstream's JSON object (keys sorted: hostname, message,
 *            output, output_fields, priority, rule, source, tags, time);
 *   queue:   the rendered alert is handed to ONE output thread through a
 *            queue of `queue_capacity` entries (0 = unbounded); when it is
 *            full the alert is dropped and counted, never waited for;
 *   sinks:   the output thread writes every alert to each enabled sink
 *            (stdout, file, syslog, program, http). A sink that blocks longer
 *            than `output_timeout_ms` is reported; the program and http sinks
 *            give up on an alert after that long, so one dead sink cannot
 *            hold the others for ever;
 *   summary: per-rule and per-priority counters, printed at exit as
 *            upstream does (`Events detected: N`, ...).
 *
 * Threads: out_rule_alert() and out_mgr_internal() may be called from any
 * number of event threads; everything else from one controlling thread.
 *
 * Errors: functions return 0 or a negative errno, with a message in the
 * caller's buffer where one is taken.
 */
#ifndef FALCO_CORE_OUTPUT_H
#define FALCO_CORE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fields/fields.h"
#include "filter/filter.h"

/* Rule priorities: upstream's numbering, which is also syslog's levels
 * (LOG_EMERG = 0 ... LOG_DEBUG = 7). */
enum out_priority {
	OUT_PRI_EMERGENCY = 0,
	OUT_PRI_ALERT,
	OUT_PRI_CRITICAL,
	OUT_PRI_ERROR,
	OUT_PRI_WARNING,
	OUT_PRI_NOTICE,
	OUT_PRI_INFORMATIONAL,
	OUT_PRI_DEBUG,
	OUT_PRI_COUNT
};

/* "Emergency" ... "Debug"; with `short_name`, "Info" for INFORMATIONAL (as
 * the exit summary writes it). NULL for an out-of-range value. */
const char *out_priority_name(enum out_priority p, bool short_name);
/* Case-insensitive, accepting "info" for INFORMATIONAL as upstream does.
 * Returns 0 or -EINVAL. */
int out_priority_parse(const char *s, enum out_priority *p);

/* ---- configuration ----
 *
 * The output part of falco.yaml, as plain data. core/config fills it from
 * its typed config (this is the seam: nothing here reads YAML). Every string
 * is borrowed for the duration of out_mgr_new() only (copied). Zero-filled,
 * a struct means "everything off"; out_config_defaults() gives upstream's
 * documented defaults. */

struct out_kv {
	const char *key;
	const char *value;
};

/* One `append_output` entry. A rule takes it when every `match` part given
 * holds: same source (NULL: any), all of `tags` among its tags, same name
 * (NULL: any). */
struct out_extra_field {
	const char *key;
	const char *format; /* `- key: "fmt"`: a formatted string; NULL for a bare
	                     * `- field.name` (raw: typed JSON value of that field) */
};
struct out_append {
	const char *source;
	const char *const *tags;
	uint32_t ntags;
	const char *rule;
	const char *extra_output;      /* appended as " " + extra_output; may be NULL */
	bool suggested_output;         /* append `name_with_underscores=%name` for every
	                                * field its class flags FLD_F_SUGGESTED */
	const struct out_extra_field *extra_fields; /* JSON output_fields only */
	uint32_t nextra_fields;
};

struct out_http_config {
	bool enabled;
	const char *url;
	const char *user_agent;      /* default "falcosecurity/falco" */
	bool insecure;               /* skip TLS peer and host verification */
	const char *ca_cert;         /* CURLOPT_CAINFO; else ca_bundle; else ca_path */
	const char *ca_bundle;
	const char *ca_path;         /* default "/etc/ssl/certs" */
	bool mtls;
	const char *client_cert;
	const char *client_key;
	bool echo;                   /* write the server's answer to stdout */
	bool compress_uploads;       /* as upstream: asks for a compressed answer
	                              * (CURLOPT_TRANSFER_ENCODING) */
	bool keep_alive;             /* TCP keep-alive probes on the connection */
	uint32_t max_consecutive_timeouts; /* retries after a timeout; default 5 */
};

struct out_config {
	bool json_output;
	bool json_include_output_property;        /* default true */
	bool json_include_message_property;       /* default false */
	bool json_include_output_fields_property; /* default true */
	bool json_include_tags_property;          /* default true */
	bool time_format_iso_8601;
	bool buffer_format_base64;  /* byte buffers (evt.buffer, ...) in base64, not '.'-escaped */
	bool buffered_outputs;      /* -U forces false: the caller applies it */
	uint64_t queue_capacity;    /* outputs_queue.capacity; 0 = unbounded */
	uint32_t output_timeout_ms; /* default 2000 */
	const char *hostname;       /* NULL: $FALCO_HOSTNAME, else gethostname() */

	const struct out_append *append; /* append_output, in order */
	uint32_t nappend;
	const char *print_format;        /* -p FORMAT: appended to every rule; NULL if none */
	const struct out_kv *static_fields; /* for out_static_new (out_mgr_new ignores them) */
	uint32_t nstatic_fields;

	bool stdout_enabled;
	bool syslog_enabled;
	bool file_enabled;
	bool file_keep_alive;
	const char *file_filename;  /* default "./events.txt" */
	bool program_enabled;
	bool program_keep_alive;
	const char *program;        /* run with /bin/sh -c, alert lines on its stdin */
	struct out_http_config http;

	/* Not falco.yaml keys (tests and embedding): */
	FILE *stdout_stream;        /* NULL: stdout (also where http echo goes) */
	const char *syslog_path;    /* NULL: "/dev/log" */
	FILE *log_stream;           /* our own error messages; NULL: stderr */
};

/* Upstream's defaults (falco.yaml as shipped): stdout and syslog on, JSON
 * off with output/output_fields/tags included, output_timeout 2000 ms,
 * unbounded queue, file ./events.txt (off), http options' defaults.
 * append_output is left empty (upstream ships [{suggested_output: true}];
 * the config module passes it). */
void out_config_defaults(struct out_config *c);

/* The seam with core/config: fills *oc from a loaded falco.yaml. Strings
 * are borrowed from fc (keep it until out_mgr_new and out_static_new have
 * returned); the arrays are allocated here (free them with
 * out_config_release). `unbuffered` is -U (forces buffered_outputs off);
 * `print_format` is -p (NULL if not given). Returns 0 or -ENOMEM. */
struct falco_config;
int out_config_from_falco(struct out_config *oc, const struct falco_config *fc, bool unbuffered,
                          const char *print_format);
void out_config_release(struct out_config *oc);

/* ---- the manager: formatter settings, queue, output thread, sinks ---- */

struct out_mgr;

/* Opens the enabled sinks and starts the output thread. Returns the manager
 * (caller frees with out_mgr_free) or NULL with a message in err. A sink that
 * cannot be opened is an error (file: its path; program: cannot spawn). */
struct out_mgr *out_mgr_new(const struct out_config *cfg, char *err, size_t errlen);
/* Drains the queue (waiting at most output_timeout_ms for blocked sinks,
 * then discarding what is left, as upstream), stops the thread, closes the
 * sinks and frees every out_rule of this manager. */
void out_mgr_free(struct out_mgr *m);

/* The hostname alerts carry (for evt.hostname too). Owned by m. */
const char *out_mgr_hostname(const struct out_mgr *m);

/* ---- static_fields: the `static` field class ----
 * `static.KEY` for every static_fields entry: a string field flagged
 * suggested (so suggested_output shows it). Add its class to each source's
 * registry before compiling rules. It must outlive every registry and
 * compiler that use it: free it last. */
struct out_static;
/* Copies kv. Returns NULL on ENOMEM. */
struct out_static *out_static_new(const struct out_kv *kv, uint32_t n);
void out_static_free(struct out_static *s);
/* NULL when there are no static fields. Owned by s. */
const struct fld_class *out_static_class(const struct out_static *s);

/* Asks the sinks to reopen (file, program), e.g. on SIGUSR1. */
void out_mgr_reopen(struct out_mgr *m);
/* Waits until every alert queued so far has been written (or dropped), at
 * most timeout_ms; returns 0 or -ETIMEDOUT. */
int out_mgr_flush(struct out_mgr *m, uint32_t timeout_ms);

struct out_stats {
	uint64_t queued;      /* alerts accepted by the queue */
	uint64_t dropped;     /* alerts refused because the queue was full */
	uint64_t written;     /* alerts the output thread finished */
	uint64_t sink_errors; /* writes a sink failed or gave up (timeout) */
	uint64_t timeouts;    /* times a sink blocked past output_timeout_ms */
};
void out_mgr_stats(const struct out_mgr *m, struct out_stats *s);

/* ---- rules ---- */

struct out_rule;

struct out_rule_desc {
	const char *name;
	const char *source;              /* "syscall", a plugin's source */
	const char *output;              /* the rule's output string */
	enum out_priority priority;
	const char *const *tags;
	uint32_t ntags;
};

/* Compiles a rule's output (with the matching append_output entries, -p,
 * the prefix `%evt.time: Priority`) through compiler `c` (the source's
 * compiler: compile every output before sizing the extraction context with
 * flt_compiler_nslots). `reg` is the registry behind c (for suggested
 * fields). Returns the rule, owned by m (freed by out_mgr_free), or NULL
 * with upstream's message in err, e.g. "invalid formatting syntax:
 * formatting cannot end with a %". `%container.info` is removed, as
 * upstream does (its loader warns LOAD_DEPRECATED_ITEM: the caller's job).
 * The rule's counter starts at 0 and
 * counts in the exit summary in the order rules were compiled. */
struct out_rule *out_rule_compile(struct out_mgr *m, struct flt_compiler *c,
                                  const struct fld_reg *reg, const struct out_rule_desc *d,
                                  char *err, size_t errlen);

/* The rule matched the event in ctx: counts it, renders the alert (text or
 * JSON as configured) and queues it. Allocates (per alert, not per event).
 * Returns 0, -EAGAIN when the queue was full (counted as a drop) or
 * -ENOMEM. */
int out_rule_alert(struct out_mgr *m, struct out_rule *r, struct fld_ctx *ctx);

/* The alert as out_rule_alert would queue it, without queueing or counting:
 * a malloc'd NUL-terminated string (caller frees), NULL on ENOMEM. */
char *out_rule_render(struct out_mgr *m, struct out_rule *r, struct fld_ctx *ctx);

/* ---- internal alerts (source "internal": drops, metrics) ---- */

enum out_vtype { OUT_V_NULL, OUT_V_STR, OUT_V_I64, OUT_V_U64, OUT_V_BOOL, OUT_V_DOUBLE };
struct out_field {
	const char *key;
	enum out_vtype type;
	union {
		const char *s;
		int64_t i64;
		uint64_t u64;
		bool b;
		double d;
	} v;
};

/* Renders upstream's internal message (text: `<time>: <Priority> <msg>
 * (k=v ...)` with the values as JSON; JSON: hostname, output (= msg),
 * output_fields, priority, rule, source "internal", time) and queues it.
 * Fields are emitted sorted by key. Returns as out_rule_alert. */
int out_mgr_internal(struct out_mgr *m, uint64_t ts, enum out_priority p, const char *rule,
                     const char *msg, const struct out_field *fields, uint32_t nfields);
/* The same, rendered only (malloc'd; caller frees). */
char *out_internal_render(const struct out_mgr *m, uint64_t ts, enum out_priority p,
                          const char *rule, const char *msg, const struct out_field *fields,
                          uint32_t nfields);

/* ---- exit summary ---- */

/* Upstream's summary, printed when Falco exits:
 *   Events detected: N
 *   Rule counts by severity:
 *      CRITICAL: n            (priorities with n > 0, most severe first)
 *   Triggered rules by rule name:
 *      <rule>: n              (rules with n > 0, in compile order) */
void out_mgr_print_summary(const struct out_mgr *m, FILE *f);
uint64_t out_rule_count(const struct out_rule *r);

/* ---- format strings on their own (for -p checks, tests, plugins) ---- */

struct out_fmt;

/* Compiles `fmt` (a leading '*' is ignored) through compiler c. Returns
 * NULL with upstream's message in err. Caller frees with out_fmt_free,
 * before the compiler. */
struct out_fmt *out_fmt_compile(struct flt_compiler *c, const char *fmt, char *err, size_t errlen);
void out_fmt_free(struct out_fmt *f);
/* Renders the text form (missing values as <NA>, widths applied) as a
 * malloc'd string (caller frees); NULL on ENOMEM. */
char *out_fmt_text(struct out_fmt *f, struct fld_ctx *ctx);

#endif
