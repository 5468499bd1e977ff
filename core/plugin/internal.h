/* core/plugin internals shared by its files (not a public header). */
#ifndef FALCO_CORE_PLUGIN_INTERNAL_H
#define FALCO_CORE_PLUGIN_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "plugin/plugin.h"

struct cJSON;

/* A set of event codes: a bitmap over the whole u16 range. */
struct ph_codes {
	bool all; /* every code (the plugin takes syscall events and named none) */
	uint8_t bits[65536 / 8];
};

struct ph_routine;     /* routines.c */
struct ph_fieldclass;  /* fields.c */

struct ph_plugin {
	void *dl;          /* dlopen handle; NULL for ph_load_api() */
	char *path;        /* library path; NULL for ph_load_api() */
	plugin_api api;    /* resolved functions (NULL when absent) */
	ss_plugin_t *state;
	bool inited;

	char *name, *description, *contact, *version, *req_api;
	uint32_t caps;
	uint32_t id;
	char *source; /* "" when none */

	struct ph_field *fields;
	uint32_t nfields;
	char **extract_src, **parse_src, **async_src, **async_names; /* NULL-terminated */
	uint32_t n_extract_src, n_parse_src, n_async_src, n_async_names;
	struct ph_codes *extract_codes, *parse_codes;

	struct ph_opts opts;
	struct ph_tables tables;
	char owner_err[PLUGIN_MAX_ERRLEN];

	/* async handler: written by the event thread, read by plugin threads */
	ph_async_fn async_fn;
	void *async_ctx;
	ph_async_fn dump_fn; /* during ph_dump_state() only */
	void *dump_ctx;

	struct ph_source *open_source;
	struct ph_open_param *open_params;
	char *open_params_text;
	uint32_t n_open_params;

	pthread_mutex_t routines_lock;
	struct ph_routine *routines;

	struct ph_fieldclass *field_class; /* made on demand by ph_field_class() */
	uint64_t parse_errors; /* failed parse_event calls (ph_parse_logged; the parsing thread only) */
};

/* Frees the field class (fields.c). */
void ph_field_class_free(struct ph_plugin *p);

/* Formats "plugin 'NAME': <fmt>" into err. Returns `rc`. */
int ph_fail(const struct ph_plugin *p, int rc, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The plugin's get_last_error(), "" when none. */
const char *ph_last_error(const struct ph_plugin *p);

/* Copies src into err (truncating). */
void ph_errcpy(char *err, size_t errlen, const char *src);

/* The empty table registry given to plugins when no bridge is set. */
const ss_plugin_init_tables_input *ph_empty_tables_init(void);
ss_plugin_table_reader_vtable_ext *ph_empty_tables_reader(void);
ss_plugin_table_writer_vtable_ext *ph_empty_tables_writer(void);
/* Fills the deprecated embedded vtables from the _ext ones. */
void ph_reader_v0(ss_plugin_table_reader_vtable *out, const ss_plugin_table_reader_vtable_ext *in);
void ph_writer_v0(ss_plugin_table_writer_vtable *out, const ss_plugin_table_writer_vtable_ext *in);

/* JSON Schema (draft-04 subset) validation; see jsonschema.c. Returns 0 or
 * -EINVAL with "In <path>, <reason>" in err. */
int ph_json_validate(const struct cJSON *schema, const struct cJSON *doc, char *err, size_t errlen);

/* Stops and joins every routine of p (routines.c). */
void ph_routines_stop_all(struct ph_plugin *p);
ss_plugin_routine_vtable *ph_routine_vtable(void);

const char *ph_get_owner_last_error(ss_plugin_owner_t *o);

/* The plugin function this thread is running (ph_in_call()). */
struct ph_mark {
	const struct ph_plugin *p;
	const char *fn;
};
extern __thread struct ph_mark ph_tls_mark;

static inline struct ph_mark ph_mark_enter(const struct ph_plugin *p, const char *fn)
{
	struct ph_mark prev = ph_tls_mark;
	ph_tls_mark.p = p;
	ph_tls_mark.fn = fn;
	return prev;
}

static inline void ph_mark_leave(struct ph_mark prev) { ph_tls_mark = prev; }

/* Evaluates `expr`, a call of plugin p's function `fn`, with the marker set. */
#define PH_CALL(p, fn, expr)                                                 \
	({                                                                       \
		struct ph_mark ph_prev_ = ph_mark_enter((p), (fn));                  \
		__typeof__(expr) ph_res_ = (expr);                                   \
		ph_mark_leave(ph_prev_);                                             \
		ph_res_;                                                             \
	})
#define PH_CALL_VOID(p, fn, expr)                                            \
	do {                                                                     \
		struct ph_mark ph_prev_ = ph_mark_enter((p), (fn));                  \
		expr;                                                                \
		ph_mark_leave(ph_prev_);                                             \
	} while (0)

/* Ends a plugin call that had table access (struct ph_tables.call_done). */
static inline void ph_call_done(struct ph_plugin *p)
{
	if (p->tables.call_done)
		p->tables.call_done(p->tables.ctx, p);
}

#endif
