/*
 * core/fields: the field registry and the extraction interface.
 *
 * A field class ("evt", "proc", "fd", a plugin's "k8saudit", ...) is a static
 * table of fields plus three callbacks. The filter compiler and the output
 * formatter never call a class directly per event: at load time they resolve
 * a field name (and its optional argument) to a `struct fld_bind`, once; per
 * event they call fld_get(), which runs the bound extractor at most once per
 * event and caches the typed result in the extraction context.
 *
 * Values are typed by `enum ev_ptype` (upstream's ppm_param_type numbering)
 * and handed out as (pointer, length) pairs in the native layout of that type:
 *   INT8..INT64, UINT8..UINT64, ERRNO, FD, PID, RELTIME, ABSTIME, PORT,
 *   L4PROTO, SOCKFAMILY, BOOL (u32), UID, GID, MODE, FLAGS*, SIGTYPE,
 *   DOUBLE: the host-endian integer/double of that width (len = its size);
 *   CHARBUF, FSPATH, FSRELPATH: the bytes of the string, len excluding any
 *   NUL (ptr need not be NUL-terminated);
 *   BYTEBUF: raw bytes;
 *   IPV4ADDR: 4 bytes network order; IPV6ADDR: 16 bytes; IPADDR: 4 or 16;
 *   IPV4NET/IPV6NET/IPNET: fields of these types extract an address (4 or 16
 *   bytes, as IPADDR); the constants they are compared to are networks.
 * Nothing here allocates per event.
 *
 * Writing a class (see core/fields/evt.c for a complete one):
 *
 *   enum { F_NAME, F_PID };
 *   static const struct fld_info proc_fields[] = {
 *     [F_NAME] = { "proc.name", EV_PT_CHARBUF, FLD_F_SUGGESTED, EV_PF_NA,
 *                  "Name", "the name of the executable ..." },
 *     [F_PID]  = { "proc.pid", EV_PT_INT64, 0, EV_PF_ID, "Process ID", "..." },
 *   };
 *   static int proc_extract(const struct fld_ctx *ctx, const struct fld_bind *b,
 *                           struct fld_vals *out) {
 *     const struct my_thread *t = ctx->evt_state ...;  // the state engine's view
 *     if (!t) return 0;                                  // no value: out->n == 0
 *     switch (b->field) {
 *     case F_NAME: return fld_set_str(out, t->comm, strlen(t->comm));
 *     case F_PID:  return fld_set_i64(out, t->pid);
 *     }
 *     return 0;
 *   }
 *   const struct fld_class fld_class_proc = {
 *     .name = "process", .shortdesc = "...", .desc = "...",
 *     .sources = fld_sources_syscall, .fields = proc_fields,
 *     .nfields = sizeof proc_fields / sizeof proc_fields[0],
 *     .extract = proc_extract,       // required
 *     .bind = NULL, .unbind = NULL,  // optional: validate the argument, set
 *   };                               // b->state / b->type / b->extract
 *
 * Strings that an extractor computes (not pointing into the event or into
 * long-lived state) go into a buffer that bind() allocated in b->state, or
 * into out->buf (FLD_BUF_SIZE bytes, per binding, valid until the next event).
 */
#ifndef FALCO_CORE_FIELDS_H
#define FALCO_CORE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

/* Field flags: upstream's filtercheck_field_flags bit values. */
enum fld_flags {
	FLD_F_NONE = 0,
	FLD_F_FILTER_ONLY = 1 << 0,   /* usable in conditions only */
	FLD_F_PRINT_ONLY = 1 << 1,    /* usable in outputs only */
	FLD_F_ARG_REQUIRED = 1 << 2,  /* `f[arg]` or `f.arg` is mandatory */
	FLD_F_TABLE_ONLY = 1 << 3,    /* not listed */
	FLD_F_INFO = 1 << 4,
	FLD_F_CONVERSATION = 1 << 5,
	FLD_F_IS_LIST = 1 << 6,       /* extracts zero or more values */
	FLD_F_ARG_ALLOWED = 1 << 7,   /* an argument is optional */
	FLD_F_ARG_INDEX = 1 << 8,     /* the argument is a number (b->arg_index) */
	FLD_F_ARG_KEY = 1 << 9,       /* the argument is a string key */
	FLD_F_DEPRECATED = 1 << 10,
	FLD_F_NO_TRANSFORMER = 1 << 11,
	FLD_F_NO_RHS = 1 << 12,       /* cannot be compared to / used as val() */
	FLD_F_NO_PTR_STABILITY = 1 << 13,
	FLD_F_SUGGESTED = 1 << 14,    /* suggested as an output field */
	/* ours (above upstream's bits): the argument may be given as a dotted
	 * suffix, `evt.arg.fd`, as well as in brackets, `evt.arg[0]`. */
	FLD_F_ARG_DOTTED = 1 << 24,
	FLD_F_HIDDEN = 1 << 25,       /* not listed, but resolvable */
	/* Multi-valued fields that upstream compares with custom logic (not as
	 * lists): the check holds when the operator holds for ANY extracted
	 * value (proc.aname, proc.apid without an index: any ancestor). With
	 * FLD_F_NE_ALL too, `!=` instead needs every value to differ (fd.ip,
	 * fd.net, fd.port, fd.proto: client or server side). */
	FLD_F_MATCH_ANY = 1 << 26,
	FLD_F_NE_ALL = 1 << 27,
};

/* One field. All strings are static (or owned by the class's owner). */
struct fld_info {
	const char *name;     /* full name, "proc.name" */
	uint8_t type;         /* enum ev_ptype */
	uint32_t flags;       /* enum fld_flags */
	uint8_t fmt;          /* enum ev_pfmt: how numbers print */
	const char *display;  /* short display name; may be NULL */
	const char *desc;     /* description as listed by `falco --list` */
};

struct fld_ctx;
struct fld_bind;

/* Extraction output. An extractor fills n/v, using `one` and `scalar`
 * (via the fld_set_* helpers) for a single value, `buf` for one computed
 * string, or its own bind-time storage for lists. n == 0 means "no value"
 * (upstream's <NA>; a check on it is false). */
#define FLD_BUF_SIZE 4096u

struct fld_val {
	const void *ptr;
	uint32_t len;
};

struct fld_vals {
	uint32_t n;
	const struct fld_val *v;   /* n values; points into this struct or into b->state */
	struct fld_val one;
	union {
		int64_t i64;
		uint64_t u64;
		uint32_t u32;
		uint16_t u16;
		uint8_t u8;
		double d;
		uint8_t bytes[17];
	} scalar;
	char buf[FLD_BUF_SIZE];
};

/* Returns 0 (out->n values, possibly none) or a negative errno on an
 * internal error (treated as "no value" by the evaluator). */
typedef int (*fld_extract_fn)(const struct fld_ctx *ctx, const struct fld_bind *b,
                              struct fld_vals *out);

struct fld_class {
	const char *name;        /* "evt", "process", "fd", ... (as upstream lists them) */
	const char *shortdesc;
	const char *desc;
	const char *const *sources; /* NULL-terminated event source names; NULL = every source */
	uint32_t flags;          /* FLD_CLS_* */
	const struct fld_info *fields;
	uint32_t nfields;
	/* Required. Called through fld_get(), at most once per event per binding. */
	fld_extract_fn extract;
	/* Optional. Called once at load time after the registry has matched the
	 * name and checked the argument flags. May validate b->arg (write a
	 * message into err and return -EINVAL), set b->state (owned by the
	 * binding, released by unbind), override b->type, b->flags, b->extract. */
	int (*bind)(struct fld_bind *b, char *err, size_t errlen);
	void (*unbind)(struct fld_bind *b);
	/* Optional. Validates one constant a condition compares the field to,
	 * at compile time (e.g. evt.type rejects unknown event names). `op` is
	 * the operator code (enum flt_op of core/filter). Returns 0, or
	 * -EINVAL with a message in err. */
	int (*validate)(const struct fld_bind *b, int op, const char *val, size_t len, char *err,
	                size_t errlen);
};

enum fld_class_flags {
	FLD_CLS_HIDDEN = 1 << 0,   /* not listed by `--list` */
};

extern const char *const fld_sources_syscall[]; /* {"syscall", NULL} */

/* The builtin classes defined in core/fields (evt.c). */
extern const struct fld_class fld_class_evt_gen; /* evt.* fields of every source */
extern const struct fld_class fld_class_evt;     /* evt.* fields of syscall events */

/* A field resolved once, at load time, with its argument. */
struct fld_bind {
	const struct fld_class *cls;
	uint32_t field;           /* index into cls->fields */
	uint8_t type;             /* value type; defaults to the field's */
	uint32_t flags;           /* defaults to the field's flags */
	char *arg;                /* owned; NULL when no argument was given */
	bool arg_bracket;         /* given as `[arg]` (else as `.arg`) */
	int64_t arg_index;        /* parsed when FLD_F_ARG_INDEX; else -1 */
	void *state;              /* owned by the class (bind/unbind) */
	fld_extract_fn extract;   /* defaults to cls->extract */
	uint32_t slot;            /* cache slot in the extraction context */
	char *text;               /* owned: the field as written, "evt.arg[0]" */
};

/* Per-event extraction context. The caller (event loop, tests) fills the
 * event part before evaluating, and calls fld_ctx_next() once per event so
 * cached values from the previous event are dropped. */
struct fld_cache_slot {
	int rc;
	struct fld_vals vals;
};

struct fld_ctx {
	const struct ev_view *ev;   /* borrowed: the current event */
	uint64_t num;               /* evt.num (1-based, as upstream) */
	uint16_t cpu;
	const char *source;         /* borrowed: "syscall" or a plugin source name */
	void *state;                /* borrowed: long-lived state (thread table, ...) */
	void *evt_state;            /* borrowed: per-event state (current thread, fd, ...) */
	/* Set by the state engine per event (may stay NULL / 0): */
	const struct ev_resolver *resolver; /* borrowed: fd/path/user names for evt.arg*, evt.args */
	char fd_type;               /* type char of the event's fd ('f', '4', 'u', ...), 0 when
	                             * the event has no fd info (evt.buflen, evt.category, ...) */
	bool fd_is_syslog;          /* the event's fd is /dev/log (evt.is_syslog) */
	uint64_t first_ts;          /* timestamp of the capture's first event (evt.reltime) */
	const char *hostname;       /* borrowed: evt.hostname; NULL when unknown */
	/* Set by the plugin host for plugin events (NULL otherwise): */
	const char *plugin_name;    /* borrowed: evt.pluginname */
	/* evt.plugininfo, rendered only when a rule or output asks for it (the
	 * plugin's event_to_string is not free): returns a borrowed string valid
	 * for the current event, or NULL. */
	const char *(*plugin_info)(void *arg);
	void *plugin_info_arg;
	uint64_t gen;               /* bumped by fld_ctx_next() */
	/* Unique per context (fld_ctx_init draws it from a process-wide
	 * counter; 0 = not initialised): (id, gen) names one event of one
	 * context, which the filter evaluator keys its per-event results on. */
	uint64_t id;
	struct fld_cache_slot *slots; /* owned; one per binding slot */
	uint64_t *slot_gen;         /* owned; per slot, the gen its value is for
	                             * (apart from the 4 KiB slots: one cache line
	                             * holds the freshness of 8 fields) */
	uint32_t nslots;
};

/* ---- registry ---- */

struct fld_reg; /* opaque: classes by source */

/* Returns a new empty registry, or NULL on ENOMEM. */
struct fld_reg *fld_reg_new(void);
void fld_reg_free(struct fld_reg *reg);
/* Adds a class (borrowed: must outlive the registry). Fails with -EEXIST if
 * one of its field names is already registered for one of its sources. */
int fld_reg_add(struct fld_reg *reg, const struct fld_class *cls);
/* The builtin classes available now (evt, and those others register). */
int fld_reg_add_builtin(struct fld_reg *reg);
/* Classes in registration order; NULL past the end. */
const struct fld_class *fld_reg_class(const struct fld_reg *reg, uint32_t i);
bool fld_class_has_source(const struct fld_class *cls, const char *source);

/* Resolves `name` (as lexed: "proc.name", "evt.arg.fd", "proc.aname") with
 * the optional bracket argument `arg` (NULL if none) for `source`, checks the
 * argument against the field's flags and calls the class's bind. On success
 * fills *b (release with fld_unbind) and returns 0. On failure returns
 * -ENOENT (no such field: err says "filter_check called with nonexistent
 * field NAME"), or -EINVAL (bad argument), with a message in err. */
int fld_bind(const struct fld_reg *reg, const char *source, const char *name,
             const char *arg, struct fld_bind *b, char *err, size_t errlen);
void fld_unbind(struct fld_bind *b);
static inline const struct fld_info *fld_bind_info(const struct fld_bind *b)
{
	return &b->cls->fields[b->field];
}

/* `falco --list [SOURCE]`: prints the field classes of `sources` (the
 * engine's source names, NULL-terminated), or of `only` when non-NULL, in
 * upstream's text / markdown / JSON layouts (`-v` adds types with verbose;
 * `-N`: names only). Table-only, print-only and deprecated fields are left
 * out, as upstream does. Returns 0. */
#include <stdio.h>
enum fld_list_fmt { FLD_LIST_TEXT, FLD_LIST_MARKDOWN, FLD_LIST_JSON };
int fld_list(FILE *out, const struct fld_reg *reg, const char *const *sources, const char *only,
             enum fld_list_fmt fmt, bool verbose, bool names_only);

/* ---- extraction ---- */

/* Allocates `nslots` cache slots. Returns 0 or -ENOMEM. */
int fld_ctx_init(struct fld_ctx *ctx, uint32_t nslots);
void fld_ctx_fini(struct fld_ctx *ctx);
static inline void fld_ctx_next(struct fld_ctx *ctx) { ctx->gen++; }

/* The values of b for the current event; extracted at most once per event
 * (per slot). Never NULL. */
const struct fld_vals *fld_get(struct fld_ctx *ctx, const struct fld_bind *b);

/* Helpers for extractors: set a single value and return 0. */
static inline int fld_set_ptr(struct fld_vals *o, const void *p, uint32_t len)
{
	o->one.ptr = p;
	o->one.len = len;
	o->v = &o->one;
	o->n = 1;
	return 0;
}
static inline int fld_set_str(struct fld_vals *o, const char *s, size_t len)
{
	return fld_set_ptr(o, s, (uint32_t)len);
}
static inline int fld_set_i64(struct fld_vals *o, int64_t x)
{
	o->scalar.i64 = x;
	return fld_set_ptr(o, &o->scalar, 8);
}
static inline int fld_set_u64(struct fld_vals *o, uint64_t x)
{
	o->scalar.u64 = x;
	return fld_set_ptr(o, &o->scalar, 8);
}
static inline int fld_set_u32(struct fld_vals *o, uint32_t x)
{
	o->scalar.u32 = x;
	return fld_set_ptr(o, &o->scalar, 4);
}
static inline int fld_set_u16(struct fld_vals *o, uint16_t x)
{
	o->scalar.u16 = x;
	return fld_set_ptr(o, &o->scalar, 2);
}
static inline int fld_set_u8(struct fld_vals *o, uint8_t x)
{
	o->scalar.u8 = x;
	return fld_set_ptr(o, &o->scalar, 1);
}
static inline int fld_set_bool(struct fld_vals *o, bool x) { return fld_set_u32(o, x ? 1 : 0); }
static inline int fld_set_double(struct fld_vals *o, double x)
{
	o->scalar.d = x;
	return fld_set_ptr(o, &o->scalar, 8);
}
/* Copies a computed string into o->buf (truncated to FLD_BUF_SIZE-1). */
int fld_set_copy(struct fld_vals *o, const char *s, size_t len);

/* Renders values as upstream's outputs show them (its tostring): numbers in
 * the field's print format (enum ev_pfmt), BOOL as true/false, addresses in
 * dotted / IPv6 form, IPNET as <IPNET>, BYTEBUF with '.' for unprintable
 * bytes (base64 when `base64`, falco.yaml buffer_format_base64), a list as
 * "(a,b)", no value (NULL or n == 0) as "<NA>". Writes at most cap bytes
 * including the NUL; returns the full length (as snprintf). */
size_t fld_render(const struct fld_vals *v, uint8_t type, uint8_t fmt, bool is_list,
                  bool base64, char *buf, size_t cap);

/* The native width in bytes of a numeric type (0 for strings, buffers, addresses). */
uint32_t fld_type_width(uint8_t type);
/* Upstream's name of a type as `--list` prints it ("CHARBUF", "INT64", ...). */
const char *fld_type_name(uint8_t type);

/* ---- async event names ----
 * Names plugins declare for their async events (get_async_events). As
 * upstream, each is an alias of the async event code: `evt.type = NAME`
 * compiles and selects async events (code 402). Process-wide: register
 * them while loading plugins, before compiling rules; not thread-safe. */
#define FLD_ASYNC_NAMES_MAX 256
#define FLD_ASYNC_NAME_LEN 32 /* upstream's event name size (NUL included) */
/* 0 (also when already known), -EINVAL (empty) or -E2BIG (table full).
 * Longer names are cut to FLD_ASYNC_NAME_LEN - 1 bytes. */
int fld_async_name_add(const char *name);
bool fld_async_name_known(const char *name, size_t len);
void fld_async_names_clear(void);

#endif
