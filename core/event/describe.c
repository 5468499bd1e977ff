/* Names for events and their parts as upstream shows them: evt.type,
 * evt.rawres, evt.category, errno and signal names, parameter type names,
 * and the `--list-events` listing. */
#include <string.h>

#include "event/event.h"
#include "event/names.h"

static const char *lookup(const struct ev_name_value *t, uint32_t value)
{
	for (; t->name != NULL; t++)
		if (t->value == value)
			return t->name;
	return NULL;
}

int ev_param_index(uint16_t code, const char *name)
{
	const struct ev_info *e = ev_info(code);
	for (uint32_t i = 0; e != NULL && i < e->nparams; i++)
		if (strcmp(e->params[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *ev_errno_name(int64_t res)
{
	if (res >= 0 || res < -(int64_t)UINT32_MAX)
		return NULL;
	return lookup(ev_nv_errno_names, (uint32_t)-res);
}

const char *ev_signal_name(uint32_t sig)
{
	return sig == 0 ? NULL : lookup(ev_nv_signal_names, sig);
}

const char *ev_type_name(const struct ev_view *v)
{
	uint16_t type = v->hdr->type;
	if (type == EV_GENERIC_X && v->nparams > 0 && v->len[0] == 2) {
		uint16_t id, native;
		memcpy(&id, v->val[0], 2);
		/* a syscall newer than the capture's writer: upstream looks its
		 * native number up (x86_64, as the captures we read) */
		if (id == EV_SC_UNKNOWN && v->nparams > 1 && v->len[1] == 2) {
			memcpy(&native, v->val[1], 2);
			const struct ev_native_syscall *ns = ev_native_syscall_x86_64(native);
			if (ns != NULL)
				id = ns->sc;
		}
		const char *name = ev_syscall_name(id);
		return name != NULL ? name : "";
	}
	if (type == EV_ASYNCEVENT_E && v->nparams > 1) {
		if (v->len[1] == 0)
			return "<NA>";
		if (memchr(v->val[1], '\0', v->len[1]) != NULL)
			return (const char *)v->val[1];
	}
	const struct ev_info *info = ev_info(type);
	return info != NULL ? info->name : "unknown";
}

bool ev_result(const struct ev_view *v, int64_t *res)
{
	uint16_t type = v->hdr->type;
	const struct ev_info *info = ev_info(type);
	if (info == NULL || type == EV_GENERIC_X || !(info->category & EV_C_SYSCALL) || !ev_is_exit(type) ||
	    v->nparams == 0)
		return false;
	if (v->len[0] == 4) {
		int32_t r32;
		memcpy(&r32, v->val[0], 4);
		*res = r32;
	} else if (v->len[0] == 8) {
		memcpy(res, v->val[0], 8);
	} else {
		*res = 0; /* upstream's answer for any other width */
	}
	return true;
}

const char *ev_category_name(uint32_t category)
{
	/* upstream keeps the syscall category and the WAIT/SCHEDULER/INTERNAL
	 * bits, dropping the source-kind bits */
	switch (category & (EV_C_SYSCALL - 1)) {
	case EV_C_UNKNOWN: return "unknown";
	case EV_C_OTHER: return "other";
	case EV_C_FILE: return "file";
	case EV_C_NET: return "net";
	case EV_C_IPC: return "IPC";
	case EV_C_MEMORY: return "memory";
	case EV_C_PROCESS: return "process";
	case EV_C_SLEEP: return "sleep";
	case EV_C_SYSTEM: return "system";
	case EV_C_SIGNAL: return "signal";
	case EV_C_USER: return "user";
	case EV_C_TIME: return "time";
	case EV_C_PROCESSING: return "processing";
	case EV_C_WAIT: return "wait";
	case EV_C_SCHEDULER: return "scheduler";
	case EV_C_INTERNAL: return "internal";
	default: return "unknown"; /* EV_C_IO_*: see ev_io_category_name */
	}
}

const char *ev_io_category_name(char fd_typechar)
{
	switch (fd_typechar) {
	case 'f': case 'd': return "file";
	case '4': case '6': return "net";
	case 'p': case 'u': case 'e': case 's': case 'i': return "ipc";
	default: return "unknown";
	}
}

const char *ev_param_type_name(uint32_t type)
{
	static const char *const names[EV_PT_MAX] = {
		[EV_PT_NONE] = "NONE", [EV_PT_INT8] = "INT8", [EV_PT_INT16] = "INT16",
		[EV_PT_INT32] = "INT32", [EV_PT_INT64] = "INT64", [EV_PT_UINT8] = "UINT8",
		[EV_PT_UINT16] = "UINT16", [EV_PT_UINT32] = "UINT32", [EV_PT_UINT64] = "UINT64",
		[EV_PT_CHARBUF] = "CHARBUF", [EV_PT_BYTEBUF] = "BYTEBUF", [EV_PT_ERRNO] = "ERRNO",
		[EV_PT_SOCKADDR] = "SOCKADDR", [EV_PT_SOCKTUPLE] = "SOCKTUPLE", [EV_PT_FD] = "FD",
		[EV_PT_PID] = "PID", [EV_PT_FDLIST] = "FDLIST", [EV_PT_FSPATH] = "FSPATH",
		[EV_PT_SYSCALLID] = "SYSCALLID", [EV_PT_SIGTYPE] = "SIGTYPE", [EV_PT_RELTIME] = "RELTIME",
		[EV_PT_ABSTIME] = "ABSTIME", [EV_PT_PORT] = "PORT", [EV_PT_L4PROTO] = "L4PROTO",
		[EV_PT_SOCKFAMILY] = "SOCKFAMILY", [EV_PT_BOOL] = "BOOL", [EV_PT_IPV4ADDR] = "IPV4ADDR",
		[EV_PT_DYN] = "DYNAMIC", [EV_PT_FLAGS8] = "FLAGS8", [EV_PT_FLAGS16] = "FLAGS16",
		[EV_PT_FLAGS32] = "FLAGS32", [EV_PT_UID] = "UID", [EV_PT_GID] = "GID",
		[EV_PT_DOUBLE] = "DOUBLE", [EV_PT_SIGSET] = "SIGSET", [EV_PT_CHARBUFARRAY] = "CHARBUFARRAY",
		[EV_PT_CHARBUF_PAIR_ARRAY] = "CHARBUF_PAIR_ARRAY", [EV_PT_IPV4NET] = "IPV4NET",
		[EV_PT_IPADDR] = "IPADDR", [EV_PT_IPNET] = "IPNET", [EV_PT_MODE] = "MODE",
		[EV_PT_FSRELPATH] = "FSRELPATH", [EV_PT_ENUMFLAGS8] = "ENUMFLAGS8",
		[EV_PT_ENUMFLAGS16] = "ENUMFLAGS16", [EV_PT_ENUMFLAGS32] = "ENUMFLAGS32",
	};
	return type < EV_PT_MAX && names[type] != NULL ? names[type] : "<NA>";
}

/* ---- --list-events ---- */

/* upstream prints the minimum driver schema version its userspace accepts
 * (SCAP_MINIMUM_DRIVER_SCHEMA_VERSION), not the driver's own 4.5.1 */
#define LIST_SCHEMA_VERSION "4.3.0"

enum list_group { LG_NONE, LG_SYSCALL, LG_TRACEPOINT, LG_PLUGIN, LG_META };

struct lister {
	FILE *out;
	enum ev_list_format fmt;
	uint8_t available[EV_CODE_MAX];
	bool first; /* JSON: no comma before the next event */
};

static enum list_group group_of(uint16_t code)
{
	const struct ev_info *e = ev_info(code);
	if (code == EV_GENERIC_E || code == EV_GENERIC_X || (e->flags & (EV_F_OLD_VERSION | EV_F_UNUSED)) ||
	    e->category == EV_C_UNKNOWN)
		return LG_NONE;
	if (e->category & EV_C_SYSCALL)
		return LG_SYSCALL;
	if (e->category & EV_C_TRACEPOINT)
		return LG_TRACEPOINT;
	if (e->category & EV_C_PLUGIN)
		return LG_PLUGIN;
	if (e->category & EV_C_METAEVENT)
		return LG_META;
	return LG_NONE;
}

static bool is_flags_type(uint8_t t)
{
	return t == EV_PT_FLAGS8 || t == EV_PT_FLAGS16 || t == EV_PT_FLAGS32 || t == EV_PT_ENUMFLAGS8 ||
	       t == EV_PT_ENUMFLAGS16 || t == EV_PT_ENUMFLAGS32;
}

/* falco's text and markdown formatters: "TYPE **name**: F1, F2" (markdown
 * puts each flag in *italics*) */
static void list_params_text(const struct lister *l, const struct ev_info *e)
{
	for (uint32_t k = 0; k < e->nparams; k++) {
		const struct ev_param_info *p = &e->params[k];
		fprintf(l->out, "%s%s **%s**", k ? ", " : "", ev_param_type_name(p->type), p->name);
		if (!is_flags_type(p->type) || p->info == NULL)
			continue;
		fputs(": ", l->out);
		for (const struct ev_name_value *f = p->info; f->name != NULL; f++)
			fprintf(l->out, l->fmt == EV_LIST_MARKDOWN ? "%s*%s*" : "%s%s", f == p->info ? "" : ", ", f->name);
	}
}

/* falco's JSON formatter (nlohmann's dump(2): keys sorted, two-space
 * indentation, empty arrays as []) */
static void list_params_json(const struct lister *l, const struct ev_info *e)
{
	if (e->nparams == 0) {
		fputs("[]", l->out);
		return;
	}
	fputs("[\n", l->out);
	for (uint32_t k = 0; k < e->nparams; k++) {
		const struct ev_param_info *p = &e->params[k];
		fputs("        {\n", l->out);
		if (is_flags_type(p->type) && p->info != NULL) {
			const struct ev_name_value *f = p->info;
			if (f->name == NULL) {
				fputs("          \"flags\": [],\n", l->out);
			} else {
				fputs("          \"flags\": [\n", l->out);
				for (; f->name != NULL; f++)
					fprintf(l->out, "            \"%s\"%s\n", f->name, f[1].name != NULL ? "," : "");
				fputs("          ],\n", l->out);
			}
		}
		fprintf(l->out, "          \"name\": \"%s\",\n          \"type\": \"%s\"\n        }%s\n", p->name,
		        ev_param_type_name(p->type), k + 1 < e->nparams ? "," : "");
	}
	fputs("      ]", l->out);
}

static void list_one(struct lister *l, uint16_t code, const char *name)
{
	const struct ev_info *e = ev_info(code);
	char dir = ev_is_exit(code) ? '<' : '>';
	switch (l->fmt) {
	case EV_LIST_JSON:
		fprintf(l->out, "%s    {\n      \"available\": %s,\n      \"dir\": \"%c\",\n      \"name\": \"%s\",\n"
		                "      \"params\": ",
		        l->first ? "\n" : ",\n", l->available[code] ? "true" : "false", dir, name);
		list_params_json(l, e);
		fputs("\n    }", l->out);
		l->first = false;
		return;
	case EV_LIST_MARKDOWN:
		fprintf(l->out, "%s | `%c` | `%s` | ", l->available[code] ? "Yes" : "No", dir, name);
		list_params_text(l, e);
		fputs("\n", l->out);
		return;
	default:
		fprintf(l->out, "%c %s(", dir, name);
		list_params_text(l, e);
		fputs(")\n", l->out);
		return;
	}
}

/* Syscalls that only produce generic events, each listed as a >/< pair
 * under its own name (upstream: every syscall of GENERIC_E/X but
 * "unknown"; its order is a hash set's, ours is the code order). */
static void list_generics(struct lister *l)
{
	uint8_t ev[EV_CODE_MAX] = {0}, sc[EV_SC_MAX];
	ev[EV_GENERIC_E] = ev[EV_GENERIC_X] = 1;
	ev_sc_set_of_events(ev, sc);
	for (uint16_t s = 0; s < EV_SC_MAX; s++) {
		const char *name = ev_syscall_name(s);
		if (!sc[s] || name == NULL || strcmp(name, "unknown") == 0)
			continue;
		list_one(l, EV_GENERIC_E, name);
		list_one(l, EV_GENERIC_X, name);
	}
}

static void list_group(struct lister *l, enum list_group g, const char *title)
{
	if (l->fmt == EV_LIST_JSON) {
		fprintf(l->out, "  \"%s\": [", title);
		l->first = true;
	} else {
		fprintf(l->out, "## %s\n\n", title);
		if (l->fmt == EV_LIST_MARKDOWN)
			fputs("Default | Dir | Name | Params \n:-------|:----|:-----|:-----\n", l->out);
	}
	for (uint16_t code = 0; code < EV_CODE_MAX; code++)
		if (group_of(code) == g)
			list_one(l, code, ev_info(code)->name);
	if (g == LG_SYSCALL)
		list_generics(l);
	fputs(l->fmt == EV_LIST_JSON ? (l->first ? "],\n" : "\n  ],\n") : "\n", l->out);
}

void ev_list_events_fmt(FILE *out, enum ev_list_format fmt)
{
	static const struct {
		enum list_group group;
		const char *title;
	} groups[] = {
		{LG_SYSCALL, "Syscall events"},
		{LG_TRACEPOINT, "Tracepoint events"},
		{LG_PLUGIN, "Plugin events"},
		{LG_META, "Metaevents"},
	};
	/* JSON objects print their keys sorted */
	static const int json_order[] = {3, 2, 0, 1};
	struct lister l = {.out = out, .fmt = fmt};
	uint8_t ignored[EV_SC_MAX];
	ev_sc_set_falco_ignored(ignored);
	ev_events_of_sc_set(ignored, l.available);
	for (uint16_t code = 0; code < EV_CODE_MAX; code++)
		l.available[code] = !l.available[code];

	if (fmt == EV_LIST_JSON) {
		fputs("{\n", out);
		for (size_t g = 0; g < 4; g++)
			list_group(&l, groups[json_order[g]].group, groups[json_order[g]].title);
		fputs("  \"schema_version\": \"" LIST_SCHEMA_VERSION "\"\n}\n", out);
		return;
	}
	fprintf(out, "The events below are valid for Falco *Schema Version*: %s\n", LIST_SCHEMA_VERSION);
	for (size_t g = 0; g < 4; g++)
		list_group(&l, groups[g].group, groups[g].title);
}

void ev_list_events(FILE *out)
{
	ev_list_events_fmt(out, EV_LIST_TEXT);
}

/* ---- syscall sets ---- */

void ev_sc_set_of_events(const uint8_t events[EV_CODE_MAX], uint8_t out[EV_SC_MAX])
{
	memset(out, 0, EV_SC_MAX);
	for (uint16_t code = 0; code < EV_CODE_MAX; code++) {
		const uint16_t *sc;
		size_t n = events[code] ? ev_event_syscalls(code, &sc) : 0;
		for (size_t k = 0; k < n; k++)
			out[sc[k]] = 1;
	}
}

void ev_events_of_sc_set(const uint8_t sc_set[EV_SC_MAX], uint8_t out[EV_CODE_MAX])
{
	memset(out, 0, EV_CODE_MAX);
	for (uint16_t code = 0; code < EV_CODE_MAX; code++) {
		const uint16_t *sc;
		size_t n = ev_event_syscalls(code, &sc);
		for (size_t k = 0; k < n && !out[code]; k++)
			out[code] = sc_set[sc[k]] ? 1 : 0;
	}
}

void ev_sc_set_state(uint8_t out[EV_SC_MAX])
{
	uint8_t events[EV_CODE_MAX] = {0};
	for (uint16_t code = EV_GENERIC_X + 1; code < EV_CODE_MAX; code++) {
		const struct ev_info *e = ev_info(code);
		events[code] = (e->flags & EV_F_MODIFIES_STATE) && (e->category & (EV_C_SYSCALL | EV_C_TRACEPOINT));
	}
	ev_sc_set_of_events(events, out);
	for (uint32_t nr = 0; nr < EV_X86_64_SYSCALLS; nr++) {
		const struct ev_native_syscall *ns = ev_native_syscall_x86_64(nr);
		if (ns != NULL && (ns->flags & EV_UF_NEVER_DROP))
			out[ns->sc] = 1;
	}
}

void ev_sc_set_io(uint8_t out[EV_SC_MAX])
{
	uint8_t events[EV_CODE_MAX] = {0};
	for (uint16_t code = 0; code < EV_CODE_MAX; code++) {
		uint32_t cat = ev_info(code)->category & (EV_C_SYSCALL - 1);
		events[code] = cat == EV_C_IO_READ || cat == EV_C_IO_WRITE;
	}
	ev_sc_set_of_events(events, out);
}

void ev_sc_set_falco_ignored(uint8_t out[EV_SC_MAX])
{
	uint8_t state[EV_SC_MAX];
	ev_sc_set_io(out);
	ev_sc_set_state(state);
	for (uint32_t s = 0; s < EV_SC_MAX; s++)
		out[s] = out[s] && !state[s];
}
