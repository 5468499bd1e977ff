/*
 * plugin_api.h: the Falco plugin API 3.x as a C ABI.
 *
 * Part of the project's public plugin ABI (installed). A plugin is a shared
 * library exporting C functions named `plugin_<member>` for the members of
 * `plugin_api` below (plugin_get_name, plugin_init, ...). The host looks each
 * one up by name; the members marked "required" must exist, the others are
 * grouped by capability (sourcing, extraction, parsing, async events,
 * capture listening) and a capability is present when its functions are.
 *
 * Type and member names follow upstream's plugin_api.h so that plugins
 * written against it compile against this header unchanged; the layouts are
 * pinned at the end of this file. Strings returned by a plugin are owned by
 * the plugin and stay valid until the next call of the same function; input
 * structs and their vtables are owned by the host and valid only during the
 * call that receives them (except where stated).
 */
#ifndef FALCO_PLUGIN_API_H
#define FALCO_PLUGIN_API_H

#include <stddef.h>

#include "plugin_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The API version this header describes. A plugin returns the minimum
 * version it needs from get_required_api_version(). */
#define PLUGIN_API_VERSION_MAJOR 3
#define PLUGIN_API_VERSION_MINOR 12
#define PLUGIN_API_VERSION_PATCH 0

#define QUOTE(str) #str
#define EXPAND_AND_QUOTE(str) QUOTE(str)
#define PLUGIN_API_VERSION PLUGIN_API_VERSION_MAJOR.PLUGIN_API_VERSION_MINOR.PLUGIN_API_VERSION_PATCH
#define PLUGIN_API_VERSION_STR EXPAND_AND_QUOTE(PLUGIN_API_VERSION)

/* Capacity, NUL included, of error strings exchanged with the host. */
#define PLUGIN_MAX_ERRLEN 1024

/* Where the payload of a plugin event (code 322) starts: the 26-byte header,
 * two u32 parameter lengths and the u32 plugin id. */
#define PLUGIN_EVENT_PAYLOAD_OFFSET 38

/* ---------------------------------------------------------------------------
 * State tables: vtables through which one party reads, writes and defines
 * the fields of a table owned by another (the host or a plugin). Accessors
 * (ss_plugin_table_field_t) are obtained at init time; entries obtained
 * during a call are valid until released or until that call returns.
 * The "_ext" forms are current; the plain forms are the older, shorter
 * vtables, still embedded in some inputs so that plugins built against
 * API < 3.6 keep working. New members only ever go into the "_ext" forms.
 * ------------------------------------------------------------------------ */

/* Field definitions of a table (deprecated embedded form). */
typedef struct {
	const ss_plugin_table_fieldinfo *(*list_table_fields)(ss_plugin_table_t *t, uint32_t *nfields);
	ss_plugin_table_field_t *(*get_table_field)(ss_plugin_table_t *t, const char *name,
	                                            ss_plugin_state_type data_type);
	ss_plugin_table_field_t *(*add_table_field)(ss_plugin_table_t *t, const char *name,
	                                            ss_plugin_state_type data_type);
} ss_plugin_table_fields_vtable;

/* Field definitions of a table.
 *  list_table_fields: all fields; *nfields gets the count; NULL on error.
 *  get_table_field:   the accessor of a field of this name and type, or NULL
 *                     (unknown name, or a different type).
 *  add_table_field:   defines a dynamic field (or returns the existing one of
 *                     the same type); NULL on error.
 * Arrays and accessors are owned by the table's owner. */
typedef struct {
	const ss_plugin_table_fieldinfo *(*list_table_fields)(ss_plugin_table_t *t, uint32_t *nfields);
	ss_plugin_table_field_t *(*get_table_field)(ss_plugin_table_t *t, const char *name,
	                                            ss_plugin_state_type data_type);
	ss_plugin_table_field_t *(*add_table_field)(ss_plugin_table_t *t, const char *name,
	                                            ss_plugin_state_type data_type);
} ss_plugin_table_fields_vtable_ext;

/* Reading a table (deprecated embedded form). */
typedef struct {
	const char *(*get_table_name)(ss_plugin_table_t *t);
	uint64_t (*get_table_size)(ss_plugin_table_t *t);
	ss_plugin_table_entry_t *(*get_table_entry)(ss_plugin_table_t *t, const ss_plugin_state_data *key);
	ss_plugin_rc (*read_entry_field)(ss_plugin_table_t *t, ss_plugin_table_entry_t *e,
	                                 const ss_plugin_table_field_t *f, ss_plugin_state_data *out);
} ss_plugin_table_reader_vtable;

/* State passed through iterate_entries() to the iterator. */
typedef void ss_plugin_table_iterator_state_t;

/* Called once per entry; returning false stops the iteration. */
typedef ss_plugin_bool (*ss_plugin_table_iterator_func_t)(ss_plugin_table_iterator_state_t *s,
                                                          ss_plugin_table_entry_t *e);

/* Reading a table.
 *  get_table_name:      NULL on error.
 *  get_table_size:      number of entries, (uint64_t)-1 on error.
 *  get_table_entry:     the entry at `key`, or NULL (none, or error); each
 *                       non-NULL entry must be given back with
 *                       release_table_entry().
 *  read_entry_field:    copies a field's value into *out (strings and
 *                       subtables are pointers owned by the table).
 *  iterate_entries:     calls `it` for each entry; false on error or when
 *                       `it` stopped the iteration. */
typedef struct {
	const char *(*get_table_name)(ss_plugin_table_t *t);
	uint64_t (*get_table_size)(ss_plugin_table_t *t);
	ss_plugin_table_entry_t *(*get_table_entry)(ss_plugin_table_t *t, const ss_plugin_state_data *key);
	ss_plugin_rc (*read_entry_field)(ss_plugin_table_t *t, ss_plugin_table_entry_t *e,
	                                 const ss_plugin_table_field_t *f, ss_plugin_state_data *out);
	void (*release_table_entry)(ss_plugin_table_t *t, ss_plugin_table_entry_t *e);
	ss_plugin_bool (*iterate_entries)(ss_plugin_table_t *t, ss_plugin_table_iterator_func_t it,
	                                  ss_plugin_table_iterator_state_t *s);
} ss_plugin_table_reader_vtable_ext;

/* Writing a table (deprecated embedded form). */
typedef struct {
	ss_plugin_rc (*clear_table)(ss_plugin_table_t *t);
	ss_plugin_rc (*erase_table_entry)(ss_plugin_table_t *t, const ss_plugin_state_data *key);
	ss_plugin_table_entry_t *(*create_table_entry)(ss_plugin_table_t *t);
	void (*destroy_table_entry)(ss_plugin_table_t *t, ss_plugin_table_entry_t *e);
	ss_plugin_table_entry_t *(*add_table_entry)(ss_plugin_table_t *t, const ss_plugin_state_data *key,
	                                            ss_plugin_table_entry_t *entry);
	ss_plugin_rc (*write_entry_field)(ss_plugin_table_t *t, ss_plugin_table_entry_t *e,
	                                  const ss_plugin_table_field_t *f, const ss_plugin_state_data *in);
} ss_plugin_table_writer_vtable;

/* Writing a table.
 *  clear_table:         removes every entry.
 *  erase_table_entry:   removes the entry at `key`.
 *  create_table_entry:  a new detached entry, owned by the caller until it
 *                       is added (add_table_entry) or destroyed
 *                       (destroy_table_entry); NULL on error.
 *  add_table_entry:     inserts a detached entry at `key` (replacing any
 *                       other); the table takes ownership; returns the stored
 *                       entry (to be released like a get_table_entry() one).
 *  write_entry_field:   sets a field from *in (strings are copied). */
typedef struct {
	ss_plugin_rc (*clear_table)(ss_plugin_table_t *t);
	ss_plugin_rc (*erase_table_entry)(ss_plugin_table_t *t, const ss_plugin_state_data *key);
	ss_plugin_table_entry_t *(*create_table_entry)(ss_plugin_table_t *t);
	void (*destroy_table_entry)(ss_plugin_table_t *t, ss_plugin_table_entry_t *e);
	ss_plugin_table_entry_t *(*add_table_entry)(ss_plugin_table_t *t, const ss_plugin_state_data *key,
	                                            ss_plugin_table_entry_t *entry);
	ss_plugin_rc (*write_entry_field)(ss_plugin_table_t *t, ss_plugin_table_entry_t *e,
	                                  const ss_plugin_table_field_t *f, const ss_plugin_state_data *in);
} ss_plugin_table_writer_vtable_ext;

/* A table a plugin owns and offers to its host (add_table()). The plugin
 * owns this struct, the table and every vtable, for its whole life. Hosts
 * use the "_ext" vtables when not NULL, else the embedded ones. */
typedef struct {
	const char *name;
	ss_plugin_state_type key_type;
	ss_plugin_table_t *table; /* non-NULL; passed to every vtable function */
	ss_plugin_table_reader_vtable reader; /* deprecated */
	ss_plugin_table_writer_vtable writer; /* deprecated */
	ss_plugin_table_fields_vtable fields; /* deprecated */
	ss_plugin_table_reader_vtable_ext *reader_ext;
	ss_plugin_table_writer_vtable_ext *writer_ext;
	ss_plugin_table_fields_vtable_ext *fields_ext;
} ss_plugin_table_input;

/* The host's table registry, as given to init().
 *  list_tables: every table; *ntables gets the count; array owned by the
 *               host; NULL on error.
 *  get_table:   a table by name and key type, or NULL.
 *  add_table:   registers a table owned by the plugin. */
typedef struct {
	ss_plugin_table_info *(*list_tables)(ss_plugin_owner_t *o, uint32_t *ntables);
	ss_plugin_table_t *(*get_table)(ss_plugin_owner_t *o, const char *name, ss_plugin_state_type key_type);
	ss_plugin_rc (*add_table)(ss_plugin_owner_t *o, const ss_plugin_table_input *in);
	ss_plugin_table_fields_vtable fields; /* deprecated */
	ss_plugin_table_fields_vtable_ext *fields_ext;
	ss_plugin_table_reader_vtable_ext *reader_ext;
	ss_plugin_table_writer_vtable_ext *writer_ext;
} ss_plugin_init_tables_input;

/* The host's log function. `component` NULL means the plugin's name; `msg`
 * need not end with a newline. */
typedef void (*ss_plugin_log_fn_t)(ss_plugin_owner_t *o, const char *component, const char *msg,
                                   ss_plugin_log_severity sev);

/* Input of init(). `owner` and `log_fn` stay valid for the plugin's whole
 * life and may be kept; the rest only during init(). get_owner_last_error
 * returns the host's last error for this plugin, or NULL. */
typedef struct ss_plugin_init_input {
	const char *config;
	ss_plugin_owner_t *owner;
	const char *(*get_owner_last_error)(ss_plugin_owner_t *o);
	const ss_plugin_init_tables_input *tables;
	ss_plugin_log_fn_t log_fn;
} ss_plugin_init_input;

/* Input of extract_fields(): the requests (results written in place), the
 * table reader, and the optional offsets output. */
typedef struct ss_plugin_field_extract_input {
	ss_plugin_owner_t *owner;
	const char *(*get_owner_last_error)(ss_plugin_owner_t *o);
	uint32_t num_fields;
	ss_plugin_extract_field *fields;
	ss_plugin_table_reader_vtable table_reader; /* deprecated */
	ss_plugin_table_reader_vtable_ext *table_reader_ext;
	ss_plugin_extract_value_offsets *value_offsets; /* may be NULL */
} ss_plugin_field_extract_input;

/* Input of parse_event(). */
typedef struct ss_plugin_event_parse_input {
	ss_plugin_owner_t *owner;
	const char *(*get_owner_last_error)(ss_plugin_owner_t *o);
	ss_plugin_table_reader_vtable table_reader; /* deprecated */
	ss_plugin_table_writer_vtable table_writer; /* deprecated */
	ss_plugin_table_reader_vtable_ext *table_reader_ext;
	ss_plugin_table_writer_vtable_ext *table_writer_ext;
} ss_plugin_event_parse_input;

/* Input of set_config(). */
typedef struct ss_plugin_set_config_input {
	const char *config;
} ss_plugin_set_config_input;

/* Routines: recurring work a plugin runs on the host's threads. */
typedef void ss_plugin_routine_t;       /* a subscription handle */
typedef void ss_plugin_routine_state_t; /* the plugin's per-routine state */

/* One iteration of a routine; returning false unsubscribes it. */
typedef ss_plugin_bool (*ss_plugin_routine_fn_t)(ss_plugin_t *s, ss_plugin_routine_state_t *i);

typedef struct {
	ss_plugin_routine_t *(*subscribe)(ss_plugin_owner_t *o, ss_plugin_routine_fn_t f,
	                                  ss_plugin_routine_state_t *i); /* NULL on failure */
	ss_plugin_rc (*unsubscribe)(ss_plugin_owner_t *o, ss_plugin_routine_t *r);
} ss_plugin_routine_vtable;

/* Input of capture_open() and capture_close(). */
typedef struct ss_plugin_capture_listen_input {
	ss_plugin_owner_t *owner;
	ss_plugin_routine_vtable *routine;
	ss_plugin_table_reader_vtable_ext *table_reader_ext;
	ss_plugin_table_writer_vtable_ext *table_writer_ext;
	const char *(*get_owner_last_error)(ss_plugin_owner_t *o);
} ss_plugin_capture_listen_input;

/* The host's receiver of async events (code 402) and of dump_state()
 * events. Thread-safe; `evt` stays the plugin's; on failure, when `err` is
 * not NULL, the host writes a message of at most PLUGIN_MAX_ERRLEN bytes
 * into it. ts (uint64_t)-1 means "now"; the host sets the plugin id. */
typedef ss_plugin_rc (*ss_plugin_async_event_handler_t)(ss_plugin_owner_t *o, const ss_plugin_event *evt,
                                                        char *err);

/*
 * The API: one member per exported `plugin_<member>` symbol. A host may also
 * receive this struct directly instead of looking the symbols up; plugins
 * reporting an API 3.x below 3.10 were built without `dump_state`, so in
 * their struct everything from `set_config` on sits one pointer earlier.
 */
typedef struct {
	/* --- required by every plugin --- */
	const char *(*get_required_api_version)(void); /* "maj.min.patch" */
	const char *(*get_init_schema)(ss_plugin_schema_type *schema_type); /* optional */
	ss_plugin_t *(*init)(const ss_plugin_init_input *input, ss_plugin_rc *rc);
	void (*destroy)(ss_plugin_t *s);
	const char *(*get_last_error)(ss_plugin_t *s);
	const char *(*get_name)(void);
	const char *(*get_description)(void);
	const char *(*get_contact)(void);
	const char *(*get_version)(void); /* the plugin's own "maj.min.patch" */

	/* --- event sourcing: open, close and next_batch --- */
	struct {
		uint32_t (*get_id)(void);               /* 0: no specific source */
		const char *(*get_event_source)(void);  /* required with a non-zero id */
		ss_instance_t *(*open)(ss_plugin_t *s, const char *params, ss_plugin_rc *rc);
		void (*close)(ss_plugin_t *s, ss_instance_t *h);
		/* JSON array of {"value", "desc", "separator"}; optional */
		const char *(*list_open_params)(ss_plugin_t *s, ss_plugin_rc *rc);
		/* progress in 1/100 percent (0..10000); optional */
		const char *(*get_progress)(ss_plugin_t *s, ss_instance_t *h, uint32_t *progress_pct);
		const char *(*event_to_string)(ss_plugin_t *s, const ss_plugin_event_input *evt); /* optional */
		/* *evts gets an array of *nevts event pointers, owned by the plugin
		 * until the next next_batch() or close() */
		ss_plugin_rc (*next_batch)(ss_plugin_t *s, ss_instance_t *h, uint32_t *nevts, ss_plugin_event ***evts);
	};

	/* --- field extraction: get_fields and extract_fields --- */
	struct {
		uint16_t *(*get_extract_event_types)(uint32_t *numtypes, ss_plugin_t *s); /* optional */
		const char *(*get_extract_event_sources)(void); /* JSON array of strings; optional */
		const char *(*get_fields)(void);                /* JSON array of field objects */
		ss_plugin_rc (*extract_fields)(ss_plugin_t *s, const ss_plugin_event_input *evt,
		                               const ss_plugin_field_extract_input *in);
	};

	/* --- event parsing: parse_event --- */
	struct {
		uint16_t *(*get_parse_event_types)(uint32_t *numtypes, ss_plugin_t *s); /* optional */
		const char *(*get_parse_event_sources)(void);                       /* optional */
		ss_plugin_rc (*parse_event)(ss_plugin_t *s, const ss_plugin_event_input *evt,
		                            const ss_plugin_event_parse_input *in);
	};

	/* --- async events: get_async_events and set_async_event_handler --- */
	struct {
		const char *(*get_async_event_sources)(void); /* optional */
		const char *(*get_async_events)(void);        /* non-empty JSON array of names */
		/* a NULL handler asks the plugin to stop producing (and to wait for
		 * its producers to finish before returning) */
		ss_plugin_rc (*set_async_event_handler)(ss_plugin_t *s, ss_plugin_owner_t *owner,
		                                        const ss_plugin_async_event_handler_t handler);
		/* emits, through `handler`, async events that recreate the plugin's
		 * state when replayed from a capture; optional (API >= 3.10) */
		ss_plugin_rc (*dump_state)(ss_plugin_t *s, ss_plugin_owner_t *owner,
		                           const ss_plugin_async_event_handler_t handler);
	};

	ss_plugin_rc (*set_config)(ss_plugin_t *s, const ss_plugin_set_config_input *i); /* optional */
	ss_plugin_metric *(*get_metrics)(ss_plugin_t *s, uint32_t *num_metrics);       /* optional */

	/* --- capture listening: capture_open and capture_close --- */
	struct {
		ss_plugin_rc (*capture_open)(ss_plugin_t *s, const ss_plugin_capture_listen_input *i);
		ss_plugin_rc (*capture_close)(ss_plugin_t *s, const ss_plugin_capture_listen_input *i);
	};

	/* "maj.min.patch" of the event schema the plugin needs; absent or NULL
	 * means 3.0.0. Optional. */
	const char *(*get_required_event_schema_version)(ss_plugin_t *s);
} plugin_api;

/* ---------------------------------------------------------------------------
 * Layout pins. Both supported targets are LP64 with natural alignment, so
 * the numbers are the same on x86_64 and aarch64.
 * ------------------------------------------------------------------------ */
#if defined(__x86_64__) || defined(__aarch64__)
#define PLUGIN_API_PIN(type, size) _Static_assert(sizeof(type) == (size), #type " size")
#define PLUGIN_API_OFF(type, member, off) \
	_Static_assert(offsetof(type, member) == (off), #type "." #member " offset")
#ifdef __cplusplus
#undef PLUGIN_API_PIN
#undef PLUGIN_API_OFF
#define PLUGIN_API_PIN(type, size) static_assert(sizeof(type) == (size), #type " size")
#define PLUGIN_API_OFF(type, member, off) static_assert(offsetof(type, member) == (off), #type "." #member)
#endif

PLUGIN_API_PIN(ss_plugin_bool, 4);
PLUGIN_API_PIN(ss_plugin_event, 26);
PLUGIN_API_OFF(ss_plugin_event, ts, 0);
PLUGIN_API_OFF(ss_plugin_event, tid, 8);
PLUGIN_API_OFF(ss_plugin_event, len, 16);
PLUGIN_API_OFF(ss_plugin_event, type, 20);
PLUGIN_API_OFF(ss_plugin_event, nparams, 22);
PLUGIN_API_PIN(ss_plugin_event_input, 24);
PLUGIN_API_OFF(ss_plugin_event_input, evtnum, 8);
PLUGIN_API_OFF(ss_plugin_event_input, evtsrc, 16);
PLUGIN_API_PIN(ss_plugin_byte_buffer, 16);
PLUGIN_API_OFF(ss_plugin_byte_buffer, ptr, 8);
PLUGIN_API_PIN(ss_plugin_extract_value_offsets, 16);
PLUGIN_API_PIN(ss_plugin_extract_field, 64);
PLUGIN_API_OFF(ss_plugin_extract_field, res_len, 8);
PLUGIN_API_OFF(ss_plugin_extract_field, field_id, 16);
PLUGIN_API_OFF(ss_plugin_extract_field, field, 24);
PLUGIN_API_OFF(ss_plugin_extract_field, arg_key, 32);
PLUGIN_API_OFF(ss_plugin_extract_field, arg_index, 40);
PLUGIN_API_OFF(ss_plugin_extract_field, arg_present, 48);
PLUGIN_API_OFF(ss_plugin_extract_field, ftype, 52);
PLUGIN_API_OFF(ss_plugin_extract_field, flist, 56);
PLUGIN_API_PIN(ss_plugin_state_data, 8);
PLUGIN_API_PIN(ss_plugin_table_info, 16);
PLUGIN_API_PIN(ss_plugin_table_fieldinfo, 16);
PLUGIN_API_OFF(ss_plugin_table_fieldinfo, field_type, 8);
PLUGIN_API_OFF(ss_plugin_table_fieldinfo, read_only, 12);
PLUGIN_API_PIN(ss_plugin_metric_value, 8);
PLUGIN_API_PIN(ss_plugin_metric, 32);
PLUGIN_API_OFF(ss_plugin_metric, type, 8);
PLUGIN_API_OFF(ss_plugin_metric, value, 16);
PLUGIN_API_OFF(ss_plugin_metric, value_type, 24);
PLUGIN_API_PIN(ss_plugin_table_fields_vtable, 24);
PLUGIN_API_PIN(ss_plugin_table_fields_vtable_ext, 24);
PLUGIN_API_PIN(ss_plugin_table_reader_vtable, 32);
PLUGIN_API_PIN(ss_plugin_table_reader_vtable_ext, 48);
PLUGIN_API_PIN(ss_plugin_table_writer_vtable, 48);
PLUGIN_API_PIN(ss_plugin_table_writer_vtable_ext, 48);
PLUGIN_API_PIN(ss_plugin_table_input, 152);
PLUGIN_API_OFF(ss_plugin_table_input, key_type, 8);
PLUGIN_API_OFF(ss_plugin_table_input, table, 16);
PLUGIN_API_OFF(ss_plugin_table_input, reader, 24);
PLUGIN_API_OFF(ss_plugin_table_input, writer, 56);
PLUGIN_API_OFF(ss_plugin_table_input, fields, 104);
PLUGIN_API_OFF(ss_plugin_table_input, reader_ext, 128);
PLUGIN_API_OFF(ss_plugin_table_input, writer_ext, 136);
PLUGIN_API_OFF(ss_plugin_table_input, fields_ext, 144);
PLUGIN_API_PIN(ss_plugin_init_tables_input, 72);
PLUGIN_API_OFF(ss_plugin_init_tables_input, fields, 24);
PLUGIN_API_OFF(ss_plugin_init_tables_input, fields_ext, 48);
PLUGIN_API_OFF(ss_plugin_init_tables_input, reader_ext, 56);
PLUGIN_API_OFF(ss_plugin_init_tables_input, writer_ext, 64);
PLUGIN_API_PIN(ss_plugin_init_input, 40);
PLUGIN_API_OFF(ss_plugin_init_input, owner, 8);
PLUGIN_API_OFF(ss_plugin_init_input, get_owner_last_error, 16);
PLUGIN_API_OFF(ss_plugin_init_input, tables, 24);
PLUGIN_API_OFF(ss_plugin_init_input, log_fn, 32);
PLUGIN_API_PIN(ss_plugin_field_extract_input, 80);
PLUGIN_API_OFF(ss_plugin_field_extract_input, num_fields, 16);
PLUGIN_API_OFF(ss_plugin_field_extract_input, fields, 24);
PLUGIN_API_OFF(ss_plugin_field_extract_input, table_reader, 32);
PLUGIN_API_OFF(ss_plugin_field_extract_input, table_reader_ext, 64);
PLUGIN_API_OFF(ss_plugin_field_extract_input, value_offsets, 72);
PLUGIN_API_PIN(ss_plugin_event_parse_input, 112);
PLUGIN_API_OFF(ss_plugin_event_parse_input, table_reader, 16);
PLUGIN_API_OFF(ss_plugin_event_parse_input, table_writer, 48);
PLUGIN_API_OFF(ss_plugin_event_parse_input, table_reader_ext, 96);
PLUGIN_API_OFF(ss_plugin_event_parse_input, table_writer_ext, 104);
PLUGIN_API_PIN(ss_plugin_set_config_input, 8);
PLUGIN_API_PIN(ss_plugin_routine_vtable, 16);
PLUGIN_API_PIN(ss_plugin_capture_listen_input, 40);
PLUGIN_API_OFF(ss_plugin_capture_listen_input, routine, 8);
PLUGIN_API_OFF(ss_plugin_capture_listen_input, table_reader_ext, 16);
PLUGIN_API_OFF(ss_plugin_capture_listen_input, table_writer_ext, 24);
PLUGIN_API_OFF(ss_plugin_capture_listen_input, get_owner_last_error, 32);
PLUGIN_API_PIN(plugin_api, 264);
PLUGIN_API_OFF(plugin_api, get_version, 64);
PLUGIN_API_OFF(plugin_api, get_id, 72);
PLUGIN_API_OFF(plugin_api, next_batch, 128);
PLUGIN_API_OFF(plugin_api, get_extract_event_types, 136);
PLUGIN_API_OFF(plugin_api, extract_fields, 160);
PLUGIN_API_OFF(plugin_api, parse_event, 184);
PLUGIN_API_OFF(plugin_api, get_async_event_sources, 192);
PLUGIN_API_OFF(plugin_api, dump_state, 216);
PLUGIN_API_OFF(plugin_api, set_config, 224);
PLUGIN_API_OFF(plugin_api, get_metrics, 232);
PLUGIN_API_OFF(plugin_api, capture_open, 240);
PLUGIN_API_OFF(plugin_api, capture_close, 248);
PLUGIN_API_OFF(plugin_api, get_required_event_schema_version, 256);

#undef PLUGIN_API_PIN
#undef PLUGIN_API_OFF
#endif

#ifdef __cplusplus
}
#endif

#endif
