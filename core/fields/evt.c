/*
 * The `evt` field classes: fields of the event itself. Two classes, as
 * upstream lists them: the generic one (number, time, source; every event
 * source) and the syscall one (type, direction, result, arguments, I/O and
 * open flags). Values come from the event view and the extraction context;
 * names of fds and paths inside evt.arg / evt.args come through the
 * context's resolver (the state engine), when it has one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fields/fields.h"

/* ---- the generic class ---- */

enum {
	G_NUM, G_TIME, G_TIME_S, G_TIME_ISO8601, G_DATETIME, G_DATETIME_S, G_RAWTIME, G_RAWTIME_S,
	G_RAWTIME_NS, G_RELTIME, G_RELTIME_S, G_RELTIME_NS, G_PLUGINNAME, G_PLUGININFO, G_SOURCE,
	G_IS_ASYNC, G_ASYNCTYPE, G_HOSTNAME, G_NFIELDS
};

static const struct fld_info gen_fields[G_NFIELDS] = {
	[G_NUM] = {"evt.num", EV_PT_UINT64, 0, EV_PF_ID, "Event Number",
	           "sequence number of the event, from 1"},
	[G_TIME] = {"evt.time", EV_PT_CHARBUF, 0, EV_PF_NA, "Time",
	            "local wall-clock time of the event with nanoseconds, e.g. 15:04:05.123456789"},
	[G_TIME_S] = {"evt.time.s", EV_PT_CHARBUF, 0, EV_PF_NA, "Time (s)",
	              "local wall-clock time of the event to the second, e.g. 15:04:05"},
	[G_TIME_ISO8601] = {"evt.time.iso8601", EV_PT_CHARBUF, 0, EV_PF_NA, "ISO 8601 Time",
	                    "UTC time of the event in ISO 8601 form with nanoseconds"},
	[G_DATETIME] = {"evt.datetime", EV_PT_CHARBUF, 0, EV_PF_NA, "Datetime",
	                "local date and time of the event with nanoseconds"},
	[G_DATETIME_S] = {"evt.datetime.s", EV_PT_CHARBUF, 0, EV_PF_NA, "Datetime (s)",
	                  "local date and time of the event to the second"},
	[G_RAWTIME] = {"evt.rawtime", EV_PT_ABSTIME, 0, EV_PF_DEC, "Absolute Timestamp",
	               "nanoseconds since the epoch at which the event happened"},
	[G_RAWTIME_S] = {"evt.rawtime.s", EV_PT_ABSTIME, 0, EV_PF_DEC, "Absolute Timestamp (s)",
	                 "whole seconds of evt.rawtime"},
	[G_RAWTIME_NS] = {"evt.rawtime.ns", EV_PT_ABSTIME, 0, EV_PF_10_PADDED_DEC,
	                  "Absolute Timestamp (ns)", "nanoseconds part of evt.rawtime"},
	[G_RELTIME] = {"evt.reltime", EV_PT_RELTIME, 0, EV_PF_10_PADDED_DEC, "Relative Timestamp",
	               "nanoseconds since the first event of the capture"},
	[G_RELTIME_S] = {"evt.reltime.s", EV_PT_RELTIME, 0, EV_PF_DEC, "Relative Timestamp (s)",
	                 "whole seconds of evt.reltime"},
	[G_RELTIME_NS] = {"evt.reltime.ns", EV_PT_RELTIME, 0, EV_PF_10_PADDED_DEC,
	                  "Relative Timestamp (ns)", "nanoseconds part of evt.reltime"},
	[G_PLUGINNAME] = {"evt.pluginname", EV_PT_CHARBUF, 0, EV_PF_NA, "Plugin Name",
	                  "name of the plugin that produced the event, for plugin events"},
	[G_PLUGININFO] = {"evt.plugininfo", EV_PT_CHARBUF, 0, EV_PF_NA, "Plugin Info",
	                  "the plugin's own text rendering of the event, for plugin events"},
	[G_SOURCE] = {"evt.source", EV_PT_CHARBUF, 0, EV_PF_NA, "Event Source",
	              "name of the event source the event belongs to, e.g. syscall"},
	[G_IS_ASYNC] = {"evt.is_async", EV_PT_BOOL, 0, EV_PF_NA, "Is Async",
	                "true for asynchronous meta events"},
	[G_ASYNCTYPE] = {"evt.asynctype", EV_PT_CHARBUF, 0, EV_PF_NA, "Async Type",
	                 "name of an asynchronous meta event; none for other events"},
	[G_HOSTNAME] = {"evt.hostname", EV_PT_CHARBUF, 0, EV_PF_NA, "Hostname",
	                "name of the host the event was captured on"},
};

/* Seconds east of UTC, computed once (upstream formats local time). */
static long tz_offset(void)
{
	static long off = -1;
	static bool done;
	if (!done) {
		time_t now = time(NULL);
		struct tm tm;
		off = localtime_r(&now, &tm) ? tm.tm_gmtoff : 0;
		done = true;
	}
	return off;
}

static int fmt_time(struct fld_vals *o, uint64_t ts, bool date, bool ns)
{
	uint64_t sec = ts / 1000000000ull, nsec = ts % 1000000000ull;
	int64_t local = (int64_t)sec + tz_offset();
	int32_t s = (int32_t)(local % 86400);
	char buf[64];
	int n = 0;
	if (date) {
		time_t day = (time_t)(local - s);
		struct tm tm;
		if (gmtime_r(&day, &tm))
			n = snprintf(buf, sizeof buf, "%04d-%02d-%02d ", tm.tm_year + 1900, tm.tm_mon + 1,
			             tm.tm_mday);
		else
			n = snprintf(buf, sizeof buf, "<date error> ");
	}
	if (ns)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "%02d:%02d:%02d.%09u", s / 3600,
		              (s % 3600) / 60, s % 60, (unsigned)nsec);
	else
		n += snprintf(buf + n, sizeof buf - (size_t)n, "%02d:%02d:%02d", s / 3600,
		              (s % 3600) / 60, s % 60);
	return fld_set_copy(o, buf, (size_t)n);
}

static int fmt_iso8601(struct fld_vals *o, uint64_t ts)
{
	time_t sec = (time_t)(ts / 1000000000ull);
	struct tm tm;
	char buf[64];
	if (!gmtime_r(&sec, &tm))
		return 0;
	size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, sizeof buf - n, ".%09u", (unsigned)(ts % 1000000000ull));
	n += strftime(buf + n, sizeof buf - n, "%z", &tm);
	return fld_set_copy(o, buf, n);
}

static bool is_meta(uint16_t type)
{
	const struct ev_info *ei = ev_info(type);
	return ei && (ei->category & EV_C_METAEVENT);
}

/* The name parameter of an async event, or NULL. */
static const char *async_name(const struct ev_view *v, size_t *len)
{
	if (v->hdr->type != EV_ASYNCEVENT_E || v->nparams < 2 || v->len[1] == 0)
		return NULL;
	*len = strnlen((const char *)v->val[1], v->len[1]);
	return (const char *)v->val[1];
}

static int gen_extract(const struct fld_ctx *ctx, const struct fld_bind *b, struct fld_vals *o)
{
	const struct ev_view *v = ctx->ev;
	if (!v || !v->hdr)
		return 0;
	uint64_t ts = v->hdr->ts, rel = ts - ctx->first_ts;
	size_t len;
	const char *s;
	switch (b->field) {
	case G_NUM: return fld_set_u64(o, ctx->num);
	case G_TIME: return fmt_time(o, ts, false, true);
	case G_TIME_S: return fmt_time(o, ts, false, false);
	case G_TIME_ISO8601: return fmt_iso8601(o, ts);
	case G_DATETIME: return fmt_time(o, ts, true, true);
	case G_DATETIME_S: return fmt_time(o, ts, true, false);
	case G_RAWTIME: return fld_set_u64(o, ts);
	case G_RAWTIME_S: return fld_set_u64(o, ts / 1000000000ull);
	case G_RAWTIME_NS: return fld_set_u64(o, ts % 1000000000ull);
	case G_RELTIME: return fld_set_u64(o, rel);
	case G_RELTIME_S: return fld_set_u64(o, rel / 1000000000ull);
	case G_RELTIME_NS: return fld_set_u64(o, rel % 1000000000ull);
	case G_PLUGINNAME:
		return ctx->plugin_name ? fld_set_str(o, ctx->plugin_name, strlen(ctx->plugin_name)) : 0;
	case G_PLUGININFO:
	{
		const char *info = ctx->plugin_info ? ctx->plugin_info(ctx->plugin_info_arg) : NULL;
		return info ? fld_set_str(o, info, strlen(info)) : 0;
	}
	case G_SOURCE:
		return ctx->source ? fld_set_str(o, ctx->source, strlen(ctx->source)) : 0;
	case G_IS_ASYNC: return fld_set_bool(o, is_meta(v->hdr->type));
	case G_ASYNCTYPE:
		if (!is_meta(v->hdr->type))
			return 0;
		if ((s = async_name(v, &len)))
			return fld_set_str(o, s, len);
		if (v->hdr->type == EV_ASYNCEVENT_E)
			return 0;
		s = ev_info(v->hdr->type)->name;
		return fld_set_str(o, s, strlen(s));
	case G_HOSTNAME:
		return ctx->hostname ? fld_set_str(o, ctx->hostname, strlen(ctx->hostname)) : 0;
	}
	return -EINVAL;
}

const struct fld_class fld_class_evt_gen = {
	.name = "evt",
	.shortdesc = "All event types",
	.desc = "Fields available for the events of every source.",
	.sources = NULL,
	.fields = gen_fields,
	.nfields = G_NFIELDS,
	.extract = gen_extract,
};

/* ---- the syscall class ---- */

enum {
	E_LATENCY, E_LATENCY_S, E_LATENCY_NS, E_LATENCY_QUANTIZED, E_LATENCY_HUMAN, E_DELTATIME,
	E_DELTATIME_S, E_DELTATIME_NS, E_OUTPUTTIME, E_DIR, E_TYPE, E_TYPE_IS, E_SYSCALL_TYPE,
	E_CATEGORY, E_CPU, E_ARGS, E_ARG, E_RAWARG, E_INFO, E_BUFFER, E_BUFLEN, E_RES, E_RAWRES,
	E_FAILED, E_IS_IO, E_IS_IO_READ, E_IS_IO_WRITE, E_IO_DIR, E_IS_WAIT, E_WAIT_LATENCY,
	E_IS_SYSLOG, E_COUNT, E_COUNT_ERROR, E_COUNT_ERROR_FILE, E_COUNT_ERROR_NET,
	E_COUNT_ERROR_MEMORY, E_COUNT_ERROR_OTHER, E_COUNT_EXIT, E_COUNT_PROCINFO,
	E_COUNT_THREADINFO, E_ABSPATH, E_BUFLEN_IN, E_BUFLEN_OUT, E_BUFLEN_FILE, E_BUFLEN_FILE_IN,
	E_BUFLEN_FILE_OUT, E_BUFLEN_NET, E_BUFLEN_NET_IN, E_BUFLEN_NET_OUT, E_IS_OPEN_READ,
	E_IS_OPEN_WRITE, E_IS_OPEN_EXEC, E_IS_OPEN_CREATE, E_NFIELDS
};

#define DEP FLD_F_DEPRECATED
#define TAB FLD_F_TABLE_ONLY

static const struct fld_info evt_fields[E_NFIELDS] = {
	[E_LATENCY] = {"evt.latency", EV_PT_RELTIME, DEP, EV_PF_DEC, "Latency",
	               "deprecated: enter/exit latency, always 0 since enter events are gone"},
	[E_LATENCY_S] = {"evt.latency.s", EV_PT_RELTIME, DEP, EV_PF_DEC, "Latency (s)",
	                 "deprecated: always 0"},
	[E_LATENCY_NS] = {"evt.latency.ns", EV_PT_RELTIME, DEP, EV_PF_10_PADDED_DEC, "Latency (ns)",
	                  "deprecated: always 0"},
	[E_LATENCY_QUANTIZED] = {"evt.latency.quantized", EV_PT_UINT64, TAB | DEP, EV_PF_DEC,
	                         "Quantized Latency", "deprecated: always 0"},
	[E_LATENCY_HUMAN] = {"evt.latency.human", EV_PT_CHARBUF, DEP, EV_PF_NA,
	                     "Human-Readable Latency", "deprecated: always 0ns"},
	[E_DELTATIME] = {"evt.deltatime", EV_PT_RELTIME, 0, EV_PF_DEC, "Delta",
	                 "nanoseconds since the previous event this field was read for"},
	[E_DELTATIME_S] = {"evt.deltatime.s", EV_PT_RELTIME, 0, EV_PF_DEC, "Delta (s)",
	                   "whole seconds of evt.deltatime"},
	[E_DELTATIME_NS] = {"evt.deltatime.ns", EV_PT_RELTIME, 0, EV_PF_10_PADDED_DEC, "Delta (ns)",
	                    "nanoseconds part of evt.deltatime"},
	[E_OUTPUTTIME] = {"evt.outputtime", EV_PT_CHARBUF, FLD_F_PRINT_ONLY, EV_PF_NA, "Output Time",
	                  "the event time as outputs print it (as evt.time)"},
	[E_DIR] = {"evt.dir", EV_PT_CHARBUF, DEP, EV_PF_DIR, "Direction",
	           "deprecated: '>' for enter events, '<' for exit events"},
	[E_TYPE] = {"evt.type", EV_PT_CHARBUF, 0, EV_PF_NA, "Type",
	            "the event's name, e.g. 'open' or 'execve'"},
	[E_TYPE_IS] = {"evt.type.is", EV_PT_UINT32, FLD_F_ARG_REQUIRED | FLD_F_ARG_DOTTED | FLD_F_ARG_KEY,
	               EV_PF_NA, "Type Is",
	               "1 when the event is of the type named after the dot (evt.type.is.open), else 0"},
	[E_SYSCALL_TYPE] = {"syscall.type", EV_PT_CHARBUF, 0, EV_PF_NA, "Syscall Type",
	                    "for system call events, the system call's name; none for other events"},
	[E_CATEGORY] = {"evt.category", EV_PT_CHARBUF, 0, EV_PF_NA, "Category",
	                "the event's category: file, net, memory, process, IPC, ..."},
	[E_CPU] = {"evt.cpu", EV_PT_INT16, 0, EV_PF_ID, "CPU Number",
	           "the CPU the event happened on"},
	[E_ARGS] = {"evt.args", EV_PT_CHARBUF, 0, EV_PF_NA, "Arguments",
	            "every argument of the event as one text: name=value ..."},
	[E_ARG] = {"evt.arg", EV_PT_CHARBUF,
	           FLD_F_ARG_REQUIRED | FLD_F_NO_PTR_STABILITY | FLD_F_ARG_DOTTED | FLD_F_ARG_INDEX |
	                   FLD_F_ARG_KEY,
	           EV_PF_NA, "Argument",
	           "one argument of the event, by name (evt.arg.fd) or position (evt.arg[0]), "
	           "shown resolved when it can be (fd names, error names, flag names)"},
	[E_RAWARG] = {"evt.rawarg", EV_PT_DYN,
	              FLD_F_ARG_REQUIRED | FLD_F_NO_RHS | FLD_F_NO_TRANSFORMER | FLD_F_ARG_DOTTED |
	                      FLD_F_ARG_KEY,
	              EV_PF_NA, "Raw Argument",
	              "one argument of the event by name, unresolved and typed, e.g. evt.rawarg.fd"},
	[E_INFO] = {"evt.info", EV_PT_CHARBUF, 0, EV_PF_NA, "Information", "the same as evt.args"},
	[E_BUFFER] = {"evt.buffer", EV_PT_BYTEBUF, FLD_F_NO_PTR_STABILITY, EV_PF_NA, "Buffer",
	              "the data buffer of I/O events (read, write, recvfrom, ...)"},
	[E_BUFLEN] = {"evt.buflen", EV_PT_UINT64, 0, EV_PF_DEC, "Buffer Length",
	              "bytes transferred by an I/O event on a known fd"},
	[E_RES] = {"evt.res", EV_PT_CHARBUF, FLD_F_NO_PTR_STABILITY, EV_PF_DEC, "Return Value",
	           "the result as text: SUCCESS, or the error's name (e.g. ENOENT)"},
	[E_RAWRES] = {"evt.rawres", EV_PT_INT64, 0, EV_PF_DEC, "Raw Return Value",
	              "the result as a number, e.g. -2"},
	[E_FAILED] = {"evt.failed", EV_PT_BOOL, 0, EV_PF_NA, "Failed",
	              "true when the event returned an error"},
	[E_IS_IO] = {"evt.is_io", EV_PT_BOOL, 0, EV_PF_NA, "Is I/O",
	             "true for events that read from or write to an fd"},
	[E_IS_IO_READ] = {"evt.is_io_read", EV_PT_BOOL, 0, EV_PF_NA, "Is Read",
	                  "true for events that read from an fd"},
	[E_IS_IO_WRITE] = {"evt.is_io_write", EV_PT_BOOL, 0, EV_PF_NA, "Is Write",
	                   "true for events that write to an fd"},
	[E_IO_DIR] = {"evt.io_dir", EV_PT_CHARBUF, 0, EV_PF_NA, "I/O Direction",
	              "'read' or 'write' for I/O events; none for others"},
	[E_IS_WAIT] = {"evt.is_wait", EV_PT_BOOL, 0, EV_PF_NA, "Is Wait",
	               "true for events that make the thread wait (sleep, poll, ...)"},
	[E_WAIT_LATENCY] = {"evt.wait_latency", EV_PT_RELTIME, DEP, EV_PF_DEC, "Wait Latency",
	                    "deprecated: always 0"},
	[E_IS_SYSLOG] = {"evt.is_syslog", EV_PT_BOOL, 0, EV_PF_NA, "Is Syslog",
	                 "true for writes to /dev/log"},
	[E_COUNT] = {"evt.count", EV_PT_UINT32, 0, EV_PF_DEC, "Count", "always 1"},
	[E_COUNT_ERROR] = {"evt.count.error", EV_PT_UINT32, 0, EV_PF_DEC, "Error Count",
	                   "1 for events that returned an error"},
	[E_COUNT_ERROR_FILE] = {"evt.count.error.file", EV_PT_UINT32, 0, EV_PF_DEC,
	                        "File Error Count", "1 for failed file events"},
	[E_COUNT_ERROR_NET] = {"evt.count.error.net", EV_PT_UINT32, 0, EV_PF_DEC,
	                       "Network Error Count", "1 for failed network events"},
	[E_COUNT_ERROR_MEMORY] = {"evt.count.error.memory", EV_PT_UINT32, 0, EV_PF_DEC,
	                          "Memory Error Count", "1 for failed memory events"},
	[E_COUNT_ERROR_OTHER] = {"evt.count.error.other", EV_PT_UINT32, 0, EV_PF_DEC,
	                         "Other Error Count", "1 for other failed events"},
	[E_COUNT_EXIT] = {"evt.count.exit", EV_PT_UINT32, 0, EV_PF_DEC, "Exit Count",
	                  "1 for exit events"},
	[E_COUNT_PROCINFO] = {"evt.count.procinfo", EV_PT_UINT32, TAB, EV_PF_DEC, "Procinfo Count",
	                      "1 for procinfo events of main threads"},
	[E_COUNT_THREADINFO] = {"evt.count.threadinfo", EV_PT_UINT32, TAB, EV_PF_DEC,
	                        "Thread Info Count", "1 for procinfo events"},
	[E_ABSPATH] = {"evt.abspath", EV_PT_CHARBUF, FLD_F_ARG_ALLOWED | FLD_F_ARG_DOTTED | FLD_F_ARG_KEY,
	               EV_PF_NA, "Absolute Path",
	               "the absolute path of a *at syscall's dirfd + path; evt.abspath.src and "
	               "evt.abspath.dst for the two paths of rename/link"},
	[E_BUFLEN_IN] = {"evt.buflen.in", EV_PT_UINT64, TAB, EV_PF_DEC, "Input Buffer Length",
	                 "evt.buflen of read events"},
	[E_BUFLEN_OUT] = {"evt.buflen.out", EV_PT_UINT64, TAB, EV_PF_DEC, "Output Buffer Length",
	                  "evt.buflen of write events"},
	[E_BUFLEN_FILE] = {"evt.buflen.file", EV_PT_UINT64, TAB, EV_PF_DEC, "File Buffer Length",
	                   "evt.buflen of file I/O"},
	[E_BUFLEN_FILE_IN] = {"evt.buflen.file.in", EV_PT_UINT64, TAB, EV_PF_DEC,
	                      "File Input Buffer Length", "evt.buflen of file reads"},
	[E_BUFLEN_FILE_OUT] = {"evt.buflen.file.out", EV_PT_UINT64, TAB, EV_PF_DEC,
	                       "File Output Buffer Length", "evt.buflen of file writes"},
	[E_BUFLEN_NET] = {"evt.buflen.net", EV_PT_UINT64, TAB, EV_PF_DEC, "Network Buffer Length",
	                  "evt.buflen of network I/O"},
	[E_BUFLEN_NET_IN] = {"evt.buflen.net.in", EV_PT_UINT64, TAB, EV_PF_DEC,
	                     "Network Input Buffer Length", "evt.buflen of network reads"},
	[E_BUFLEN_NET_OUT] = {"evt.buflen.net.out", EV_PT_UINT64, TAB, EV_PF_DEC,
	                      "Network Output Buffer Length", "evt.buflen of network writes"},
	[E_IS_OPEN_READ] = {"evt.is_open_read", EV_PT_BOOL, 0, EV_PF_NA, "Is Opened For Reading",
	                    "true for open events that open the path for reading"},
	[E_IS_OPEN_WRITE] = {"evt.is_open_write", EV_PT_BOOL, 0, EV_PF_NA, "Is Opened For Writing",
	                     "true for open events that open the path for writing"},
	[E_IS_OPEN_EXEC] = {"evt.is_open_exec", EV_PT_BOOL, 0, EV_PF_NA,
	                    "Is Created With Execute Permissions",
	                    "true for open/creat events that create a file with an execute bit"},
	[E_IS_OPEN_CREATE] = {"evt.is_open_create", EV_PT_BOOL, 0, EV_PF_NA, "Is Created",
	                      "true for open events that created the file"},
};

/* Per-binding state. */
struct evt_state {
	int8_t idx[EV_CODE_MAX]; /* evt.arg.NAME / evt.rawarg.NAME: the param index per code */
	uint16_t type_a, type_b; /* evt.type.is: matching codes */
	uint64_t last_ts;        /* evt.deltatime */
};

/* The param name that upstream's longest-prefix search would pick, and its
 * first type. */
static const struct ev_param_info *find_param(const char *name)
{
	const struct ev_param_info *best = NULL;
	size_t bl = 0;
	for (uint32_t c = 0; c < EV_CODE_MAX; c++) {
		const struct ev_info *ei = ev_info((uint16_t)c);
		for (uint32_t i = 0; ei && i < ei->nparams; i++) {
			const char *pn = ei->params[i].name;
			size_t l = strlen(pn);
			if (l > bl && strncmp(name, pn, l) == 0) {
				best = &ei->params[i];
				bl = l;
			}
		}
	}
	return best && bl == strlen(name) ? best : NULL;
}

static int bind_named_arg(struct fld_bind *b, struct evt_state *st, char *err, size_t errlen)
{
	const struct ev_param_info *pi = find_param(b->arg);
	if (!pi) {
		snprintf(err, errlen, "unknown event argument %s", b->arg);
		return -EINVAL;
	}
	for (uint32_t c = 0; c < EV_CODE_MAX; c++) {
		const struct ev_info *ei = ev_info((uint16_t)c);
		st->idx[c] = -1;
		for (uint32_t i = 0; ei && i < ei->nparams; i++)
			if (strcmp(ei->params[i].name, b->arg) == 0) {
				st->idx[c] = (int8_t)i;
				break;
			}
	}
	if (b->field == E_RAWARG)
		b->type = pi->type;
	return 0;
}

static int bind_type_is(struct fld_bind *b, struct evt_state *st)
{
	char t;
	unsigned v;
	st->type_a = st->type_b = UINT16_MAX;
	if (sscanf(b->arg, "%u%c", &v, &t) == 1) {
		st->type_a = (uint16_t)v;
		return 0;
	}
	for (uint32_t c = 0; c < EV_CODE_MAX; c++) {
		const struct ev_info *ei = ev_info((uint16_t)c);
		if (ei && ei->name && strcmp(ei->name, b->arg) == 0) {
			st->type_a = (uint16_t)c;
			st->type_b = (uint16_t)(c + 1);
			break;
		}
	}
	return 0;
}

static int evt_bind(struct fld_bind *b, char *err, size_t errlen)
{
	if (b->field != E_ARG && b->field != E_RAWARG && b->field != E_TYPE_IS &&
	    b->field != E_DELTATIME && b->field != E_DELTATIME_S && b->field != E_DELTATIME_NS &&
	    b->field != E_ABSPATH)
		return 0;
	struct evt_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	b->state = st;
	int rc = 0;
	switch (b->field) {
	case E_ARG:
		if (b->arg_bracket) {
			char t;
			int v;
			if (sscanf(b->arg, "%d%c", &v, &t) != 1) {
				snprintf(err, errlen, "%s is not a valid number", b->arg);
				rc = -EINVAL;
			}
			b->arg_index = v;
		} else {
			rc = bind_named_arg(b, st, err, errlen);
		}
		break;
	case E_RAWARG:
		if (b->arg_bracket) {
			snprintf(err, errlen, "evt.arg fields must be expressed explicitly");
			rc = -EINVAL;
		} else {
			rc = bind_named_arg(b, st, err, errlen);
		}
		break;
	case E_TYPE_IS:
		rc = bind_type_is(b, st);
		break;
	case E_ABSPATH:
		if (b->arg && strcmp(b->arg, "src") != 0 && strcmp(b->arg, "dst") != 0) {
			snprintf(err, errlen, "filter_check called with nonexistent field evt.abspath.%s",
			         b->arg);
			rc = -ENOENT;
		}
		break;
	default:
		break;
	}
	if (rc < 0) {
		free(st);
		b->state = NULL;
	}
	return rc;
}

static void evt_unbind(struct fld_bind *b)
{
	free(b->state);
	b->state = NULL;
}

/* evt.type accepts only names of events, syscalls or plugins' async events. */
static int evt_validate(const struct fld_bind *b, int op, const char *val, size_t len, char *err,
                        size_t errlen)
{
	(void)op;
	if (b->field != E_TYPE)
		return 0;
	for (uint32_t c = 0; c < EV_CODE_MAX; c++) {
		const struct ev_info *ei = ev_info((uint16_t)c);
		if (ei && ei->name && strlen(ei->name) == len && memcmp(ei->name, val, len) == 0)
			return 0;
	}
	for (uint32_t sc = 0; sc < EV_SC_MAX; sc++) {
		const char *n = ev_syscall_name((uint16_t)sc);
		if (n && strlen(n) == len && memcmp(n, val, len) == 0)
			return 0;
	}
	if (fld_async_name_known(val, len))
		return 0;
	snprintf(err, errlen, "unknown event type %.*s", (int)len, val);
	return -EINVAL;
}

/* ---- extraction helpers ---- */

static const struct ev_info *info_of(const struct ev_view *v)
{
	return ev_info(v->hdr->type);
}

static uint32_t eflags(const struct ev_view *v)
{
	const struct ev_info *ei = info_of(v);
	return ei ? ei->flags : 0;
}

static uint32_t base_category(const struct ev_view *v)
{
	const struct ev_info *ei = info_of(v);
	return ei ? ei->category & ~(uint32_t)EV_C_KIND_MASK : 0;
}

static bool is_io_category(uint32_t cat)
{
	return cat == EV_C_IO_READ || cat == EV_C_IO_WRITE || cat == EV_C_IO_OTHER;
}

static int arg_str(const struct fld_ctx *ctx, const struct ev_view *v, int idx, struct fld_vals *o)
{
	char res[1024];
	if (idx < 0 || (uint32_t)idx >= v->nparams)
		return 0;
	ev_render_param_split(v, (uint32_t)idx, ctx->resolver, o->buf, FLD_BUF_SIZE, res, sizeof res);
	if (res[0])
		return fld_set_copy(o, res, strlen(res));
	return fld_set_ptr(o, o->buf, (uint32_t)strlen(o->buf));
}

static int error_count(const struct ev_view *v, struct fld_vals *o)
{
	int64_t res;
	if (!ev_result(v, &res))
		return 0;
	return fld_set_u32(o, res < 0 ? 1 : 0);
}

static bool fd_is_file(char t)
{
	return t == 'f' || t == 'd';
}

static bool fd_is_net(char t)
{
	return t == '4' || t == '6' || t == 'u';
}

static bool fd_is_inet(char t)
{
	return t == '4' || t == '6';
}

static int buflen(const struct ev_view *v, struct fld_vals *o)
{
	int64_t res;
	if (!ev_is_exit(v->hdr->type) || !ev_result(v, &res) || res < 0)
		return 0;
	return fld_set_i64(o, res);
}

static int buflen_if(const struct fld_ctx *ctx, const struct ev_view *v, struct fld_vals *o,
                     uint32_t want_cat, int kind)
{
	uint32_t cat = base_category(v);
	char t = ctx->fd_type;
	if (!t || !is_io_category(cat) || (want_cat && cat != want_cat))
		return 0;
	if ((kind == 1 && t != 'f') || (kind == 2 && !fd_is_inet(t)))
		return 0;
	return buflen(v, o);
}

static uint32_t param_u32(const struct ev_view *v, uint32_t i)
{
	uint32_t x = 0;
	if (i < v->nparams && v->len[i] >= 4)
		memcpy(&x, v->val[i], 4);
	return x;
}

#define PPM_O_RDONLY (1u << 0)
#define PPM_O_WRONLY (1u << 1)
#define PPM_O_CREAT (1u << 2)
#define PPM_O_TMPFILE (1u << 13)
#define PPM_O_F_CREATED (1u << 14)
#define PPM_S_EXEC ((1u << 6) | (1u << 3) | (1u << 0))

static int open_flags(const struct ev_view *v, uint32_t field, struct fld_vals *o)
{
	uint16_t t = v->hdr->type;
	bool hit = false;
	if (t == EV_SYSCALL_OPEN_X || t == EV_SYSCALL_OPENAT_2_X || t == EV_SYSCALL_OPENAT2_X ||
	    t == EV_SYSCALL_OPEN_BY_HANDLE_AT_X) {
		bool newer = t == EV_SYSCALL_OPENAT_2_X || t == EV_SYSCALL_OPENAT2_X;
		uint32_t flags = param_u32(v, newer ? 3 : 2);
		int64_t res;
		switch (field) {
		case E_IS_OPEN_READ: hit = flags & PPM_O_RDONLY; break;
		case E_IS_OPEN_WRITE: hit = flags & PPM_O_WRONLY; break;
		case E_IS_OPEN_CREATE:
			hit = (flags & PPM_O_F_CREATED) ||
			      ((flags & PPM_O_TMPFILE) && ev_result(v, &res) && res >= 0);
			break;
		case E_IS_OPEN_EXEC:
			if ((flags & (PPM_O_TMPFILE | PPM_O_CREAT)) && t != EV_SYSCALL_OPEN_BY_HANDLE_AT_X)
				hit = param_u32(v, newer ? 4 : 3) & PPM_S_EXEC;
			break;
		}
	} else if (field == E_IS_OPEN_EXEC && t == EV_SYSCALL_CREAT_X) {
		hit = param_u32(v, 2) & PPM_S_EXEC;
	}
	return fld_set_bool(o, hit);
}

static int category(const struct fld_ctx *ctx, const struct ev_view *v, struct fld_vals *o)
{
	const struct ev_info *ei = info_of(v);
	const char *s;
	if (!ei)
		return 0;
	if (is_io_category(base_category(v)))
		s = ev_io_category_name(ctx->fd_type);
	else
		s = ev_category_name(ei->category);
	return fld_set_str(o, s, strlen(s));
}

static int type_name(const struct ev_view *v, bool syscall_only, struct fld_vals *o)
{
	const struct ev_info *ei = info_of(v);
	if (syscall_only && (!ei || !(ei->category & EV_C_SYSCALL)))
		return 0;
	const char *s = ev_type_name(v);
	return fld_set_str(o, s, strlen(s));
}

static int deltatime(const struct fld_bind *b, const struct ev_view *v, struct fld_vals *o)
{
	struct evt_state *st = b->state;
	uint64_t ts = v->hdr->ts, d = 0;
	if (st->last_ts != 0) {
		d = ts - st->last_ts;
		if (b->field == E_DELTATIME_S)
			d /= 1000000000ull;
		else if (b->field == E_DELTATIME_NS)
			d %= 1000000000ull;
	}
	st->last_ts = ts;
	return fld_set_u64(o, d);
}

/* The dirfd and path parameters of *at syscalls, by name. */
static int abspath(const struct fld_ctx *ctx, const struct fld_bind *b, const struct ev_view *v,
                   struct fld_vals *o)
{
	static const struct {
		uint16_t type;
		const char *dirfd[2], *path[2]; /* [src/plain, dst] */
	} map[] = {
		{EV_SYSCALL_RENAMEAT_X, {"olddirfd", "newdirfd"}, {"oldpath", "newpath"}},
		{EV_SYSCALL_RENAMEAT2_X, {"olddirfd", "newdirfd"}, {"oldpath", "newpath"}},
		{EV_SYSCALL_SYMLINKAT_X, {"linkdirfd", NULL}, {"linkpath", NULL}},
		{EV_SYSCALL_OPENAT_2_X, {"dirfd", NULL}, {"name", NULL}},
		{EV_SYSCALL_OPENAT2_X, {"dirfd", NULL}, {"name", NULL}},
		{EV_SYSCALL_LINKAT_2_X, {"olddir", "newdir"}, {"oldpath", "newpath"}},
		{EV_SYSCALL_UNLINKAT_2_X, {"dirfd", NULL}, {"name", NULL}},
		{EV_SYSCALL_MKDIRAT_X, {"dirfd", NULL}, {"path", NULL}},
		{EV_SYSCALL_FCHMODAT_X, {"dirfd", NULL}, {"filename", NULL}},
		{EV_SYSCALL_FCHOWNAT_X, {"dirfd", NULL}, {"pathname", NULL}},
	};
	const struct ev_resolver *r = ctx->resolver;
	int which = b->arg && strcmp(b->arg, "dst") == 0 ? 1 : 0;
	if (!r || !r->comm || !r->comm(r->ctx, (int64_t)v->hdr->tid) || !r->base_dir)
		return 0;
	const struct ev_info *ei = info_of(v);
	for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
		if (map[k].type != v->hdr->type || !map[k].dirfd[which])
			continue;
		int di = -1, pi = -1;
		for (uint32_t i = 0; i < ei->nparams && i < v->nparams; i++) {
			if (!strcmp(ei->params[i].name, map[k].dirfd[which]))
				di = (int)i;
			if (!strcmp(ei->params[i].name, map[k].path[which]))
				pi = (int)i;
		}
		if (di < 0 || pi < 0 || v->len[di] < 4)
			return 0;
		int64_t dirfd = 0;
		memcpy(&dirfd, v->val[di], v->len[di] >= 8 ? 8 : 4);
		if (v->len[di] < 8)
			dirfd = (int32_t)dirfd;
		char base[2048], path[2048];
		size_t pl = strnlen((const char *)v->val[pi], v->len[pi]);
		if (pl >= sizeof path)
			pl = sizeof path - 1;
		memcpy(path, v->val[pi], pl);
		path[pl] = '\0';
		if (path[0] != '/' && !r->base_dir(r->ctx, v->hdr->tid, dirfd, base, sizeof base))
			snprintf(base, sizeof base, "<UNKNOWN>/");
		else if (path[0] == '/')
			base[0] = '\0';
		size_t n = ev_path_concat(base[0] ? base : "/", path, o->buf, FLD_BUF_SIZE);
		if (n >= FLD_BUF_SIZE)
			n = FLD_BUF_SIZE - 1;
		return fld_set_ptr(o, o->buf, (uint32_t)n);
	}
	return 0;
}

static int evt_extract(const struct fld_ctx *ctx, const struct fld_bind *b, struct fld_vals *o)
{
	const struct ev_view *v = ctx->ev;
	if (!v || !v->hdr)
		return 0;
	const struct evt_state *st = b->state;
	uint32_t fl = eflags(v), cat = base_category(v);
	uint16_t t = v->hdr->type;
	int64_t res;
	switch (b->field) {
	case E_LATENCY: case E_LATENCY_S: case E_LATENCY_NS: case E_LATENCY_QUANTIZED:
	case E_WAIT_LATENCY:
		return fld_set_u64(o, 0);
	case E_LATENCY_HUMAN: return fld_set_str(o, "0ns", 3);
	case E_DELTATIME: case E_DELTATIME_S: case E_DELTATIME_NS: return deltatime(b, v, o);
	case E_OUTPUTTIME: return gen_extract(ctx, &(struct fld_bind){.field = G_TIME}, o);
	case E_DIR: return fld_set_str(o, ev_is_exit(t) ? "<" : ">", 1);
	case E_TYPE: return type_name(v, false, o);
	case E_SYSCALL_TYPE: return type_name(v, true, o);
	case E_TYPE_IS: return fld_set_u32(o, t == st->type_a || t == st->type_b);
	case E_CATEGORY: return category(ctx, v, o);
	case E_CPU: return fld_set_u16(o, ctx->cpu);
	case E_ARGS:
	case E_INFO: {
		size_t n = ev_render_args(v, ctx->resolver, o->buf, FLD_BUF_SIZE);
		if (n >= FLD_BUF_SIZE)
			n = FLD_BUF_SIZE - 1;
		return fld_set_ptr(o, o->buf, (uint32_t)n);
	}
	case E_ARG:
		if (!b->arg_bracket && t >= EV_CODE_MAX)
			return 0; /* a code outside the schema has no named parameters */
		return arg_str(ctx, v, !b->arg_bracket ? st->idx[t] : (int)b->arg_index, o);
	case E_RAWARG: {
		int i = t < EV_CODE_MAX ? st->idx[t] : -1;
		if (i < 0 || (uint32_t)i >= v->nparams || v->len[i] == 0)
			return 0;
		return fld_set_ptr(o, v->val[i], v->len[i]);
	}
	case E_BUFFER: {
		const struct ev_info *ei = info_of(v);
		for (uint32_t i = 0; ei && i < ei->nparams && i < v->nparams; i++)
			if (!strcmp(ei->params[i].name, "data"))
				return v->len[i] ? fld_set_ptr(o, v->val[i], v->len[i]) : 0;
		return 0;
	}
	case E_BUFLEN: return buflen_if(ctx, v, o, 0, 0);
	case E_BUFLEN_IN: return buflen_if(ctx, v, o, EV_C_IO_READ, 0);
	case E_BUFLEN_OUT: return buflen_if(ctx, v, o, EV_C_IO_WRITE, 0);
	case E_BUFLEN_FILE: return buflen_if(ctx, v, o, 0, 1);
	case E_BUFLEN_FILE_IN: return buflen_if(ctx, v, o, EV_C_IO_READ, 1);
	case E_BUFLEN_FILE_OUT: return buflen_if(ctx, v, o, EV_C_IO_WRITE, 1);
	case E_BUFLEN_NET: return buflen_if(ctx, v, o, 0, 2);
	case E_BUFLEN_NET_IN: return buflen_if(ctx, v, o, EV_C_IO_READ, 2);
	case E_BUFLEN_NET_OUT: return buflen_if(ctx, v, o, EV_C_IO_WRITE, 2);
	case E_RES: {
		if (!ev_result(v, &res))
			return 0;
		if (res >= 0)
			return fld_set_str(o, "SUCCESS", 7);
		return arg_str(ctx, v, 0, o);
	}
	case E_RAWRES:
		return ev_result(v, &res) ? fld_set_i64(o, res) : 0;
	case E_FAILED:
	case E_COUNT_ERROR:
		if (b->field == E_FAILED && !ev_result(v, &res))
			return 0;
		return b->field == E_FAILED ? fld_set_bool(o, res < 0) : error_count(v, o);
	case E_IS_IO: return fld_set_bool(o, fl & (EV_F_READS_FROM_FD | EV_F_WRITES_TO_FD));
	case E_IS_IO_READ: return fld_set_bool(o, fl & EV_F_READS_FROM_FD);
	case E_IS_IO_WRITE: return fld_set_bool(o, fl & EV_F_WRITES_TO_FD);
	case E_IO_DIR:
		if (fl & EV_F_WRITES_TO_FD)
			return fld_set_str(o, "write", 5);
		return fl & EV_F_READS_FROM_FD ? fld_set_str(o, "read", 4) : 0;
	case E_IS_WAIT: return fld_set_bool(o, fl & EV_F_WAITS);
	case E_IS_SYSLOG: return fld_set_bool(o, (fl & EV_F_WRITES_TO_FD) && ctx->fd_is_syslog);
	case E_COUNT: return fld_set_u32(o, 1);
	case E_COUNT_ERROR_FILE:
		if (ctx->fd_type ? fd_is_file(ctx->fd_type)
		                 : (t == EV_SYSCALL_OPEN_X || t == EV_SYSCALL_CREAT_X ||
		                    t == EV_SYSCALL_OPENAT_2_X || t == EV_SYSCALL_OPENAT2_X ||
		                    t == EV_SYSCALL_OPEN_BY_HANDLE_AT_X))
			return error_count(v, o);
		return 0;
	case E_COUNT_ERROR_NET:
		if (ctx->fd_type ? fd_is_net(ctx->fd_type)
		                 : (t == EV_SOCKET_ACCEPT_5_X || t == EV_SOCKET_ACCEPT4_6_X ||
		                    t == EV_SOCKET_CONNECT_X))
			return error_count(v, o);
		return 0;
	case E_COUNT_ERROR_MEMORY:
		return cat == EV_C_MEMORY ? error_count(v, o) : 0;
	case E_COUNT_ERROR_OTHER:
		if (ctx->fd_type ? !(fd_is_file(ctx->fd_type) || fd_is_net(ctx->fd_type))
		                 : !(t == EV_SYSCALL_OPEN_X || t == EV_SYSCALL_CREAT_X ||
		                     t == EV_SYSCALL_OPENAT_2_X || t == EV_SYSCALL_OPENAT2_X ||
		                     t == EV_SYSCALL_OPEN_BY_HANDLE_AT_X || t == EV_SOCKET_ACCEPT_5_X ||
		                     t == EV_SOCKET_ACCEPT4_6_X || t == EV_SOCKET_CONNECT_X ||
		                     cat == EV_C_MEMORY))
			return error_count(v, o);
		return 0;
	case E_COUNT_EXIT: return ev_is_exit(t) ? fld_set_u32(o, 1) : 0;
	case E_COUNT_PROCINFO:
	case E_COUNT_THREADINFO:
		/* procinfo of a main thread needs thread state: counted as a thread */
		return fld_set_u32(o, t == EV_PROCINFO_E && b->field == E_COUNT_THREADINFO);
	case E_ABSPATH: return abspath(ctx, b, v, o);
	case E_IS_OPEN_READ: case E_IS_OPEN_WRITE: case E_IS_OPEN_EXEC: case E_IS_OPEN_CREATE:
		return open_flags(v, b->field, o);
	}
	return -EINVAL;
}

const struct fld_class fld_class_evt = {
	.name = "evt",
	.shortdesc = "Syscall events only",
	.desc = "Fields of system call events; each argument of an event is also reachable with "
	        "evt.arg, e.g. evt.arg.filename.",
	.sources = fld_sources_syscall,
	.fields = evt_fields,
	.nfields = E_NFIELDS,
	.extract = evt_extract,
	.bind = evt_bind,
	.unbind = evt_unbind,
	.validate = evt_validate,
};
