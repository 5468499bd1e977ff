/*
 * core/plugin: the plugin host.
 *
 * Loads `.so` plugins written against the Falco plugin API 3.x
 * (plugin_api/), checks them the way upstream's framework does, and wraps
 * every call into the plugin so that the rest of the core never touches the
 * raw ABI: what a plugin returns is validated before use, and every error
 * names the plugin and carries its get_last_error().
 *
 * Life cycle:  ph_load() -> ph_init() -> [ph_check_event_schema()] -> calls
 * (sourcing, extraction, parsing, async, capture listening) -> ph_unload().
 *
 * Errors: functions returning int give 0 on success or a negative errno
 * (-EINVAL: the plugin or its input is refused; -ENOENT: the library cannot
 * be opened; -ENOMEM; -EIO: a plugin call failed) and write a message into
 * `err` (capacity `errlen`, always NUL-terminated when errlen > 0).
 *
 * Threads: a plugin (one ph_load()ed instance) is used by one thread at a
 * time, except the async handler, which plugins call from their own
 * threads. falco gives each live event source its own instances of the
 * plugins serving it, as upstream gives each source its own inspector;
 * dlopen() shares the library, init() makes each instance's state.
 *
 * Fields: ph_field_class() presents an extraction plugin's fields as a
 * class of the filter's field registry (core/fields); register it with
 * fld_reg_add() (overlapping names across plugins fail there, -EEXIST).
 *
 * Tables: plugins reach state tables through `struct ph_tables` given at
 * load (ph_opts.tables). ph_state_tables_*() make the one for core/state;
 * without one, plugins get an empty registry that refuses every table.
 * Tables owned by plugins (add_table) are not supported yet.
 */
#ifndef FALCO_CORE_PLUGIN_H
#define FALCO_CORE_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "plugin_api.h"
#include "plugin_caps.h"
#include "plugin_events.h"

/* The event schema this core implements (upstream driver/SCHEMA_VERSION). */
#define PH_EVENT_SCHEMA_VERSION "4.5.1"

/* Room for any host message: a prefix, the plugin's name and its last
 * error (at most PLUGIN_MAX_ERRLEN). */
#define PH_ERRLEN 2048

/* Bounds on what a plugin hands the host (more is refused as hostile):
 * values of one extracted field, bytes of one extracted string, metrics
 * of one get_metrics() call. */
#define PH_MAX_VALUES 65536u
#define PH_MAX_STRING (16u << 20)
#define PH_MAX_METRICS 1024u
/* Bytes of one event from next_batch(), an async event or dump_state(). */
#define PH_MAX_EVENT_LEN (64u << 20)

/* ph_source_next() results besides 0 (an event) and negative errors. */
#define PH_TIMEOUT 1
#define PH_EOF 2

struct ph_plugin; /* a loaded plugin; opaque */
struct ph_source; /* an open capture of a sourcing plugin; opaque */

struct ph_version {
	uint32_t major, minor, patch;
};

/* Parses "maj.min.patch" (decimal numbers; a suffix such as "-rc1" after
 * the patch number is ignored, as upstream ignores it). */
bool ph_version_parse(const char *s, struct ph_version *out);

/* Whether a plugin of version `have` satisfies a rules file's
 * required_plugin_versions entry `required`: same major, and not older
 * (upstream's sinsp_version::compatible_with). False when either does not
 * parse. */
bool ph_version_compatible(const char *have, const char *required);

/* The framework's rule for a plugin's required API version: major equal,
 * our minor >= its minor, and when minors are equal our patch >= its patch.
 * Returns 0 or -EINVAL with the reason in err. */
int ph_check_api_version(const char *required, char *err, size_t errlen);

/* The same rule for a required event schema version against `ours`. */
int ph_check_schema_version(const char *required, const char *ours, char *err, size_t errlen);

/* ---- loading ---- */

/* Host log sink for log_fn (component NULL means the plugin's name). */
typedef void (*ph_log_fn)(void *ctx, const char *plugin, const char *component, const char *msg,
                          ss_plugin_log_severity sev);

/*
 * The seam to the state tables (core/state). Every member may be NULL; a
 * NULL `init` gives the plugin an empty registry. The owner pointer the
 * plugin passes back to these callbacks is the struct ph_plugin*: get the
 * bridge's context with ph_tables_ctx() and report errors with
 * ph_set_owner_error(). All pointed-to vtables must outlive the plugin.
 */
struct ph_tables {
	const ss_plugin_init_tables_input *init;
	ss_plugin_table_reader_vtable_ext *reader;
	ss_plugin_table_writer_vtable_ext *writer;
	void *ctx;
	/* Called after each plugin call that received table access (init,
	 * extract_fields, parse_event, capture_open/close): entries the plugin
	 * obtained during the call end their life here, as upstream defines. */
	void (*call_done)(void *ctx, ss_plugin_owner_t *owner);
};

/* The bridge to core/state's tables (`threads` with upstream's fields and
 * its subtables), for ph_opts.tables. One per state; it must outlive the
 * plugins loaded with it. Detached entries (create_table_entry) collect
 * writes until add_table_entry() inserts them, and end with the plugin call
 * that made them. Tables plugins add (add_table) join it; their owners must
 * stay loaded until ph_state_tables_free() (unload plugins in reverse load
 * order, then free the bridge). NULL on ENOMEM. */
struct st_state;
struct ph_state_tables;
struct ph_state_tables *ph_state_tables_new(struct st_state *st);
const struct ph_tables *ph_state_tables_get(struct ph_state_tables *b);
void ph_state_tables_free(struct ph_state_tables *b);

/* Load options; zero-initialise, set `sz` to sizeof(struct ph_opts). */
struct ph_opts {
	size_t sz;
	ph_log_fn log;           /* NULL: core/log's log_plugin() */
	void *log_ctx;
	const struct ph_tables *tables; /* NULL: empty registry; copied */
};

/* dlopen()s `path` (RTLD_LOCAL|RTLD_NOW), resolves the plugin_* symbols,
 * checks the required API version, the required symbols, the plugin's own
 * version string, the capabilities (refusing broken ones and plugins with
 * none), the event source name, get_fields(), and the JSON lists of event
 * sources and async event names. On success *out owns the library. */
int ph_load(const char *path, const struct ph_opts *opts, struct ph_plugin **out, char *err, size_t errlen);

/* As ph_load() for a plugin given as a function table (an in-process plugin).
 * Tables of plugins requiring API 3.x with x < 10 have no dump_state member:
 * they are read in that older layout. `api` is copied. */
int ph_load_api(const plugin_api *api, const struct ph_opts *opts, struct ph_plugin **out, char *err,
                size_t errlen);

/* Validates `config` against the plugin's init schema when it gives a JSON
 * one (an empty config is "{}"), calls init(), then reads the event codes
 * the plugin extracts from and parses. Call once. */
int ph_init(struct ph_plugin *p, const char *config, char *err, size_t errlen);

/* For plugins that extract from or parse codes other than 322: checks the
 * plugin's get_required_event_schema_version() (default 3.0.0) against
 * `ours` (normally PH_EVENT_SCHEMA_VERSION). Call after ph_init(). */
int ph_check_event_schema(struct ph_plugin *p, const char *ours, char *err, size_t errlen);

/* destroy()s the plugin (when initialised) and closes the library, after
 * closing a source left open, resetting an async handler left set and
 * stopping routines. NULL is a no-op. */
void ph_unload(struct ph_plugin *p);

/* ---- description (valid until ph_unload) ---- */

const char *ph_name(const struct ph_plugin *p);
const char *ph_description(const struct ph_plugin *p);
const char *ph_contact(const struct ph_plugin *p);
const char *ph_version(const struct ph_plugin *p);              /* the plugin's own */
const char *ph_required_api_version(const struct ph_plugin *p);
uint32_t ph_caps(const struct ph_plugin *p);                    /* plugin_caps_t bits */
uint32_t ph_id(const struct ph_plugin *p);                      /* 0: no specific source */
const char *ph_event_source(const struct ph_plugin *p);         /* "" when none */
/* The init schema text and its type, or NULL when the plugin has none. */
const char *ph_init_schema(const struct ph_plugin *p, ss_plugin_schema_type *type);

/* Fields of an extraction plugin, in get_fields() order (field_id = index). */
enum ph_field_flag {
	PH_FIELD_LIST = 1 << 0,         /* isList */
	PH_FIELD_ARG_REQUIRED = 1 << 1, /* arg.isRequired */
	PH_FIELD_ARG_INDEX = 1 << 2,    /* arg.isIndex: f[N] */
	PH_FIELD_ARG_KEY = 1 << 3,      /* arg.isKey: f[text] */
	PH_FIELD_ADD_OUTPUT = 1 << 4,   /* addOutput: suggested in outputs */
	PH_FIELD_HIDDEN = 1 << 5,       /* properties: "hidden" */
	PH_FIELD_INFO = 1 << 6,         /* properties: "info" */
	PH_FIELD_CONVERSATION = 1 << 7, /* properties: "conversation" */
};

struct ph_field {
	const char *name;
	const char *display; /* "" when not given */
	const char *desc;
	uint32_t ftype;      /* ss_plugin_field_type */
	uint32_t flags;      /* enum ph_field_flag bits */
};

/* The fields (NULL and *n = 0 without CAP_EXTRACTION). */
const struct ph_field *ph_fields(const struct ph_plugin *p, uint32_t *n);

/* A list of names: sources or async event names. */
struct ph_strlist {
	const char *const *v;
	uint32_t n;
};

/* Event sources the plugin extracts from / parses / sends async events to
 * (empty means every source; a sourcing plugin with an id always includes
 * its own), and its async event names. */
struct ph_strlist ph_extract_sources(const struct ph_plugin *p);
struct ph_strlist ph_parse_sources(const struct ph_plugin *p);
struct ph_strlist ph_async_sources(const struct ph_plugin *p);
struct ph_strlist ph_async_names(const struct ph_plugin *p);

/* Whether events of `code` from source `src` go to extract_fields() /
 * parse_event() (known after ph_init()). */
bool ph_wants_extract(const struct ph_plugin *p, uint16_t code, const char *src);
bool ph_wants_parse(const struct ph_plugin *p, uint16_t code, const char *src);

/* ---- sourcing ---- */

struct ph_open_param {
	const char *value;
	const char *desc;      /* "" when absent */
	const char *separator; /* "" when absent */
};

/* The plugin's suggested open parameters; the array is owned by the plugin
 * handle until the next call. */
int ph_list_open_params(struct ph_plugin *p, const struct ph_open_param **out, uint32_t *n, char *err,
                        size_t errlen);

/* Opens a capture with `params` (NULL is ""). One at a time per plugin. */
int ph_source_open(struct ph_plugin *p, const char *params, struct ph_source **out, char *err, size_t errlen);

/* The next event: 0 and *evt set (valid until the next call or close), or
 * PH_TIMEOUT, PH_EOF, or a negative errno for a failure or a malformed
 * event. Events are stamped as upstream does: a plugin event gets the
 * plugin's id when it carries 0 and tid -1; ts (uint64_t)-1 becomes now. */
int ph_source_next(struct ph_source *s, ss_plugin_event **evt, char *err, size_t errlen);

/* The plugin's progress text (or NULL; a copy of at most 255 bytes, valid
 * until the next call) and *pct in 1/100 % (0 if unknown). */
const char *ph_source_progress(struct ph_source *s, uint32_t *pct);

/* Events delivered so far. */
uint64_t ph_source_count(const struct ph_source *s);

void ph_source_close(struct ph_source *s);

/* Text of a plugin event of this plugin: the plugin's event_to_string(),
 * or when it has none (or returns ""), "datalen=N data=..." with up to 50
 * printable payload bytes (or "<binary>"), as upstream prints. The text
 * is copied into buf (truncated to buflen - 1 bytes). NULL when `evt` is not a plugin event
 * of this plugin. */
const char *ph_event_to_string(struct ph_plugin *p, const ss_plugin_event *evt, uint64_t evtnum, char *buf,
                               size_t buflen);

/* ---- extraction ---- */

/* The id of the field named `name`, or -1. */
int ph_field_find(const struct ph_plugin *p, const char *name);

/* Fills an extraction request for field `field_id` with argument `arg`
 * (the text between brackets, NULL when none), checking it against the
 * field's arg flags as upstream does: required; index (decimal digits, no
 * leading zero); key. As upstream, arg_index is (uint64_t)-1 when the
 * argument is not an index, and arg_key is set whenever the field takes
 * keys. `arg` must outlive the request. Done once, at rule load time. */
int ph_field_request(const struct ph_plugin *p, uint32_t field_id, const char *arg, ss_plugin_extract_field *req,
                     char *err, size_t errlen);

/* Runs extract_fields() for `n` requests on one event. Events the plugin
 * did not ask for get res_len 0 without a call. Results are checked (a
 * non-list field has at most one value, at most PH_MAX_VALUES, values
 * are non-NULL, strings end within PH_MAX_STRING bytes, addresses are 4
 * or 16 bytes; the plugin left the requests' field, type and list flag
 * alone) and stay
 * owned by the plugin until its next extraction. */
int ph_extract(struct ph_plugin *p, const ss_plugin_event_input *evt, ss_plugin_extract_field *fields, uint32_t n,
               char *err, size_t errlen);

struct fld_class;

/* The plugin's fields as a field class for core/fields: named
 * "<plugin> (plugin)", for the plugin's extract sources (every source when
 * it names none), types and flags as upstream maps get_fields() (isList ->
 * IS_LIST, addOutput -> SUGGESTED, arg -> ARG_REQUIRED / ARG_INDEX / ARG_KEY
 * with ARG_ALLOWED, properties hidden -> TABLE_ONLY, info, conversation;
 * always NO_PTR_STABILITY). Extraction asks the plugin for one field and
 * copies the values into buffers owned by the binding. The class is owned
 * by the plugin (valid until ph_unload; unbind its bindings first). */
int ph_field_class(struct ph_plugin *p, const struct fld_class **out, char *err, size_t errlen);

/* ---- parsing ---- */

/* Runs parse_event() when the plugin asked for this event. */
int ph_parse(struct ph_plugin *p, const ss_plugin_event_input *evt, char *err, size_t errlen);

/* ph_parse() with its failures logged (error level) at this instance's
 * 1st, 2nd, 4th, 8th... failure, with the count so far, so that a plugin
 * failing on every event does not flood the log (as extraction errors).
 * Returns what ph_parse returned. From the thread that parses with p. */
int ph_parse_logged(struct ph_plugin *p, const ss_plugin_event_input *evt);

/* ---- async events ---- */

/* Receives a validated async event (code 402, 3 params, a declared name).
 * Called from the plugin's threads: copy `evt` before returning. A
 * non-zero return refuses the event (the plugin's send fails). */
typedef int (*ph_async_fn)(void *ctx, struct ph_plugin *p, const ss_plugin_event *evt);

/* Sets (fn non-NULL) or resets (fn NULL) the async handler. Set it before
 * ph_capture_open(); resetting waits for the plugin to stop sending. */
int ph_set_async_handler(struct ph_plugin *p, ph_async_fn fn, void *ctx, char *err, size_t errlen);

/* Admits a copy of an async event (as received by a ph_async_fn) into the
 * open event source `src` (its name, and its plugin id, 0 for syscall), as
 * upstream does: the source must be among the plugin's async sources
 * (empty: any), an event joining a plugin source must have tid -1, and a
 * timestamp more than 10 s ahead is refused; then ts (uint64_t)-1 becomes
 * now (upstream stamps when dequeuing) and the source's plugin id is
 * written into the event. Async events are for live captures only: a
 * replay uses the dump_state events recorded in the file instead. */
int ph_async_admit(const struct ph_plugin *p, ss_plugin_event *evt, const char *src, uint32_t src_id, char *err,
                   size_t errlen);

/* Asks the plugin to emit its state as async events (for captures). */
int ph_dump_state(struct ph_plugin *p, ph_async_fn fn, void *ctx, char *err, size_t errlen);

/* ---- capture listening, config, metrics ---- */

/* capture_open()/capture_close() (no-ops without the capability). Routines
 * the plugin subscribes run on host threads until they return false or are
 * unsubscribed; ph_capture_close() and ph_unload() stop them. */
int ph_capture_open(struct ph_plugin *p, char *err, size_t errlen);
int ph_capture_close(struct ph_plugin *p, char *err, size_t errlen);

/* set_config() after validating `config` like ph_init(). -ENOTSUP when the
 * plugin has no set_config. */
int ph_set_config(struct ph_plugin *p, const char *config, char *err, size_t errlen);

/* The plugin's metrics (owned by the plugin until the next call); *n = 0
 * when it has none, or when it gives more than PH_MAX_METRICS or one
 * without a name or of an unknown type (logged with the plugin's name and
 * last error). Publish them as ph_metric_name(). */
const ss_plugin_metric *ph_metrics(struct ph_plugin *p, uint32_t *n);

/* "<plugin>.<metric>" into buf. */
const char *ph_metric_name(const struct ph_plugin *p, const ss_plugin_metric *m, char *buf, size_t buflen);

/* ---- text for the CLI, in upstream Falco's layout ---- */

/* The plugin block of `--list-plugins` and `--plugin-info`: Name,
 * Description, Contact, Version, Capabilities (upstream lists sourcing,
 * extraction, parsing and async; not capture listening). */
void ph_print_info(const struct ph_plugin *p, FILE *out);

/* `--plugin-info`'s schema part: "Init config schema type: ..." then the
 * schema text and an empty line. */
void ph_print_init_schema(const struct ph_plugin *p, FILE *out);

/* `--plugin-info`'s open params part for a sourcing plugin (after
 * ph_init()); nothing for other plugins. */
int ph_print_open_params(struct ph_plugin *p, FILE *out, char *err, size_t errlen);

/* ---- crash reports ---- */

/* The plugin function this thread is inside ("init", "next_batch",
 * "extract_fields", "routine", ...) and, in *plugin, that plugin's name;
 * NULL when the thread is not running plugin code. Reads thread-local
 * memory only, so a fatal-signal handler may call it to say which plugin
 * took the process down. */
const char *ph_in_call(const char **plugin);

/* ---- for the tables bridge ---- */

/* The struct ph_tables ctx of the plugin that `owner` designates. */
void *ph_tables_ctx(ss_plugin_owner_t *owner);

/* Sets the error the plugin reads with get_owner_last_error() (NULL
 * clears it). */
void ph_set_owner_error(ss_plugin_owner_t *owner, const char *msg);

#endif
