/*
 * plugin_types.h: the data types of the Falco plugin API 3.x, as a plugin
 * and its host exchange them.
 *
 * Part of the project's public plugin ABI (installed). The names and the
 * memory layouts are those of Falco's plugin API, so that a plugin written
 * against the upstream headers builds against these unchanged and a binary
 * plugin loads in either host. plugin_api.h pins every layout with
 * compile-time checks.
 *
 * Conventions used across the API:
 *  - every string crossing the boundary is NUL-terminated UTF-8;
 *  - memory returned by a plugin stays owned by the plugin, valid until the
 *    next call of the same function (or close()/destroy());
 *  - memory passed in by the host stays owned by the host and is valid only
 *    during the call.
 */
#ifndef FALCO_PLUGIN_TYPES_H
#define FALCO_PLUGIN_TYPES_H

#include <inttypes.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Booleans are 4 bytes, as in the scap event encoding (PT_BOOL). */
typedef uint32_t ss_plugin_bool;

/* Types of extracted field values. The values equal the scap parameter
 * type codes (PT_UINT64 = 8, PT_CHARBUF = 9, ...), which is why they are
 * not contiguous. */
typedef enum ss_plugin_field_type {
	FTYPE_UINT64 = 8,   /* uint64_t */
	FTYPE_STRING = 9,   /* NUL-terminated string */
	FTYPE_RELTIME = 20, /* uint64_t nanoseconds (a duration) */
	FTYPE_ABSTIME = 21, /* uint64_t nanoseconds since the epoch */
	FTYPE_BOOL = 25,    /* ss_plugin_bool */
	FTYPE_IPADDR = 40,  /* 4 or 16 address bytes in an ss_plugin_byte_buffer */
	FTYPE_IPNET = 41,   /* same encoding as IPADDR, compared as a network */
} ss_plugin_field_type;

/* Result codes of the API functions. */
typedef enum ss_plugin_rc {
	SS_PLUGIN_SUCCESS = 0,
	SS_PLUGIN_FAILURE = 1,
	SS_PLUGIN_TIMEOUT = -1, /* next_batch(): nothing yet, call again */
	SS_PLUGIN_EOF = 2,      /* next_batch(): the source is exhausted */
	SS_PLUGIN_NOT_SUPPORTED = 3,
} ss_plugin_rc;

/* Format of the schema returned by get_init_schema(). */
typedef enum ss_plugin_schema_type {
	SS_PLUGIN_SCHEMA_NONE = 0, /* the init config is an opaque string */
	SS_PLUGIN_SCHEMA_JSON = 1, /* a JSON Schema; the config must be JSON */
} ss_plugin_schema_type;

/*
 * An event: the scap event header, packed, followed in the same buffer by
 * `nparams` parameter lengths (uint16_t each, or uint32_t for large-payload
 * codes such as 322 and 402) and then the parameter bytes.
 *  ts:   nanoseconds since the epoch; (uint64_t)-1 asks the host for "now".
 *  tid:  thread id; (uint64_t)-1 for no thread (plugin and async events).
 *  len:  the whole event, header included.
 */
#pragma pack(push, 1)
struct ss_plugin_event {
	uint64_t ts;
	uint64_t tid;
	uint32_t len;
	uint16_t type;
	uint32_t nparams;
};
#pragma pack(pop)
typedef struct ss_plugin_event ss_plugin_event;

/* An event handed by the host to a plugin (read-only).
 *  evtnum: a host-assigned sequence number (increasing, maybe with gaps).
 *  evtsrc: the event's source name: "syscall" or a plugin source. */
typedef struct ss_plugin_event_input {
	const ss_plugin_event *evt;
	uint64_t evtnum;
	const char *evtsrc;
} ss_plugin_event_input;

/* A byte string (IPADDR/IPNET values). */
typedef struct ss_plugin_byte_buffer {
	uint32_t len;
	const void *ptr;
} ss_plugin_byte_buffer;

/* Optional output of extract_fields(): for each requested field, where its
 * value lies in the event, counted from the first header byte; {0, 0} when
 * the value was computed. The plugin allocates both arrays (num_fields
 * entries each); the host sets both pointers to NULL before the call so it
 * can tell whether the plugin filled them. */
typedef struct ss_plugin_extract_value_offsets {
	uint32_t *start;
	uint32_t *length;
} ss_plugin_extract_value_offsets;

/*
 * One extraction request and its result.
 * Input (host):
 *  field_id:    index of the field in the plugin's get_fields() array;
 *  field:       its name;
 *  arg_key:     the argument of a key field (`f[abc]` gives "abc"), or NULL;
 *  arg_index:   the argument of an index field (`f[3]` gives 3), else 0;
 *  arg_present: whether an argument was given (arg_index 0 is ambiguous);
 *  ftype:       the field's ss_plugin_field_type;
 *  flist:       whether the field is a list.
 * Output (plugin):
 *  res:     an array of res_len values of the field's type, owned by the
 *           plugin until its next extract_fields() call;
 *  res_len: 0 when the event has no value; at most 1 unless flist.
 * New members are only ever appended, and every res member is a pointer,
 * so the layout is stable across minor versions.
 */
typedef struct ss_plugin_extract_field {
	union {
		const char **str;
		uint64_t *u64;
		uint32_t *u32;
		ss_plugin_bool *boolean;
		ss_plugin_byte_buffer *buf;
	} res;
	uint64_t res_len;
	uint32_t field_id;
	const char *field;
	const char *arg_key;
	uint64_t arg_index;
	ss_plugin_bool arg_present;
	uint32_t ftype;
	ss_plugin_bool flist;
} ss_plugin_extract_field;

/* Opaque handles of the state-table API. */
typedef void ss_plugin_table_t;       /* a table */
typedef void ss_plugin_table_entry_t; /* one entry of a table */
typedef void ss_plugin_table_field_t; /* an accessor to one field of every entry */

/* Types of table keys and entry fields (scap parameter type codes). */
typedef enum ss_plugin_state_type {
	SS_PLUGIN_ST_INT8 = 1,
	SS_PLUGIN_ST_INT16 = 2,
	SS_PLUGIN_ST_INT32 = 3,
	SS_PLUGIN_ST_INT64 = 4,
	SS_PLUGIN_ST_UINT8 = 5,
	SS_PLUGIN_ST_UINT16 = 6,
	SS_PLUGIN_ST_UINT32 = 7,
	SS_PLUGIN_ST_UINT64 = 8,
	SS_PLUGIN_ST_STRING = 9,
	SS_PLUGIN_ST_TABLE = 10, /* a subtable, read as ss_plugin_table_t* */
	SS_PLUGIN_ST_BOOL = 25
} ss_plugin_state_type;

/* One key or field value; the member used is the one of its state type. */
typedef union ss_plugin_state_data {
	int8_t s8;
	int16_t s16;
	int32_t s32;
	int64_t s64;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	const char *str;
	ss_plugin_bool b;
	ss_plugin_table_t *table;
} ss_plugin_state_data;

/* A table as listed by the host. */
typedef struct ss_plugin_table_info {
	const char *name;
	ss_plugin_state_type key_type;
} ss_plugin_table_info;

/* A field of a table's entries as listed by the table's owner. */
typedef struct ss_plugin_table_fieldinfo {
	const char *name;
	ss_plugin_state_type field_type;
	ss_plugin_bool read_only;
} ss_plugin_table_fieldinfo;

/* The host, as the plugin sees it: passed back to host callbacks. */
typedef void ss_plugin_owner_t;

/* The plugin's state, made by init() and freed by destroy(). */
typedef void ss_plugin_t;

/* An open capture of a sourcing plugin, made by open(), freed by close(). */
typedef void ss_instance_t;

/* Severities of the host's log function (syslog-like, 1 is the worst). */
typedef enum ss_plugin_log_severity {
	SS_PLUGIN_LOG_SEV_FATAL = 1,
	SS_PLUGIN_LOG_SEV_CRITICAL = 2,
	SS_PLUGIN_LOG_SEV_ERROR = 3,
	SS_PLUGIN_LOG_SEV_WARNING = 4,
	SS_PLUGIN_LOG_SEV_NOTICE = 5,
	SS_PLUGIN_LOG_SEV_INFO = 6,
	SS_PLUGIN_LOG_SEV_DEBUG = 7,
	SS_PLUGIN_LOG_SEV_TRACE = 8,
} ss_plugin_log_severity;

/* Which member of ss_plugin_metric_value holds a metric's value. */
typedef enum ss_plugin_metric_value_type {
	SS_PLUGIN_METRIC_VALUE_TYPE_U32 = 0,
	SS_PLUGIN_METRIC_VALUE_TYPE_S32 = 1,
	SS_PLUGIN_METRIC_VALUE_TYPE_U64 = 2,
	SS_PLUGIN_METRIC_VALUE_TYPE_S64 = 3,
	SS_PLUGIN_METRIC_VALUE_TYPE_D = 4,
	SS_PLUGIN_METRIC_VALUE_TYPE_F = 5,
	SS_PLUGIN_METRIC_VALUE_TYPE_I = 6,
} ss_plugin_metric_value_type;

typedef union ss_plugin_metric_value {
	uint32_t u32;
	int32_t s32;
	uint64_t u64;
	int64_t s64;
	double d;
	float f;
	int i;
} ss_plugin_metric_value;

/* A counter only grows; a gauge may go both ways. */
typedef enum ss_plugin_metric_type {
	SS_PLUGIN_METRIC_TYPE_MONOTONIC = 0,
	SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC = 1,
} ss_plugin_metric_type;

/* A metric reported by get_metrics(); the host publishes it as
 * "<plugin name>.<name>". */
typedef struct ss_plugin_metric {
	const char *name;
	ss_plugin_metric_type type;
	ss_plugin_metric_value value;
	ss_plugin_metric_value_type value_type;
} ss_plugin_metric;

#ifdef __cplusplus
}
#endif

#endif
