/* Loading a plugin: dlopen, symbol resolution, the API version rule,
 * required symbols, capability detection (with the rules for half-made
 * capabilities), the JSON descriptions a plugin gives of itself, init and
 * the event schema check. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "plugin/internal.h"

void ph_errcpy(char *err, size_t errlen, const char *src)
{
	if (errlen == 0)
		return;
	snprintf(err, errlen, "%s", src);
}

int ph_fail(const struct ph_plugin *p, int rc, char *err, size_t errlen, const char *fmt, ...)
{
	char msg[PH_ERRLEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!errlen)
		return rc;
	if (p && p->name && p->name[0])
		snprintf(err, errlen, "plugin '%s': %s", p->name, msg);
	else
		snprintf(err, errlen, "plugin library %s: %s", p && p->path ? p->path : "(function table)", msg);
	return rc;
}

/* A copy, so that an error without its NUL (or longer than the API's
 * PLUGIN_MAX_ERRLEN) is read no further than that bound. */
const char *ph_last_error(const struct ph_plugin *p)
{
	static __thread char copy[PLUGIN_MAX_ERRLEN];
	const char *e = NULL;
	if (p->api.get_last_error && p->state)
		e = PH_CALL(p, "get_last_error", p->api.get_last_error(p->state));
	if (!e)
		return "";
	size_t n = strnlen(e, sizeof(copy) - 1);
	memmove(copy, e, n);
	copy[n] = 0;
	return copy;
}

/* ---- versions ---- */

static bool parse_u32(const char **s, uint32_t *out)
{
	uint64_t v = 0;
	const char *c = *s;
	if (!isdigit((unsigned char)*c))
		return false;
	while (isdigit((unsigned char)*c)) {
		v = v * 10 + (uint64_t)(*c - '0');
		if (v > UINT32_MAX)
			return false;
		c++;
	}
	*out = (uint32_t)v;
	*s = c;
	return true;
}

bool ph_version_parse(const char *s, struct ph_version *out)
{
	if (!s)
		return false;
	/* Anything after the patch number ("-rc1", "+build") is ignored, as
	 * upstream's scanf-based parser ignores it. */
	return parse_u32(&s, &out->major) && *s++ == '.' && parse_u32(&s, &out->minor) && *s++ == '.' &&
	       parse_u32(&s, &out->patch);
}

bool ph_version_compatible(const char *have, const char *required)
{
	struct ph_version h, r;
	if (!ph_version_parse(have, &h) || !ph_version_parse(required, &r) || h.major != r.major)
		return false;
	return h.minor > r.minor || (h.minor == r.minor && h.patch >= r.patch);
}

/* The shared rule: major equal, minor not newer, patch not newer at equal
 * minor. Returns the reason, or NULL when compatible. */
static const char *version_mismatch(const struct ph_version *ours, const struct ph_version *req)
{
	if (ours->major != req->major)
		return "major versions differ";
	if (ours->minor < req->minor)
		return "it needs a newer minor version";
	if (ours->minor == req->minor && ours->patch < req->patch)
		return "it needs a newer patch version";
	return NULL;
}

int ph_check_api_version(const char *required, char *err, size_t errlen)
{
	struct ph_version req, ours = {PLUGIN_API_VERSION_MAJOR, PLUGIN_API_VERSION_MINOR, PLUGIN_API_VERSION_PATCH};
	if (!ph_version_parse(required, &req)) {
		snprintf(err, errlen, "invalid required API version '%s'", required ? required : "(null)");
		return -EINVAL;
	}
	const char *why = version_mismatch(&ours, &req);
	if (why) {
		snprintf(err, errlen, "required API version %s is not compatible with the host's %s: %s", required,
		         PLUGIN_API_VERSION_STR, why);
		return -EINVAL;
	}
	return 0;
}

int ph_check_schema_version(const char *required, const char *ours_s, char *err, size_t errlen)
{
	struct ph_version req, ours;
	if (!ph_version_parse(ours_s, &ours)) {
		snprintf(err, errlen, "invalid host event schema version '%s'", ours_s ? ours_s : "(null)");
		return -EINVAL;
	}
	if (!ph_version_parse(required, &req)) {
		snprintf(err, errlen, "invalid required event schema version '%s'", required ? required : "(null)");
		return -EINVAL;
	}
	const char *why = version_mismatch(&ours, &req);
	if (why) {
		snprintf(err, errlen, "required event schema version %s is not compatible with the host's %s: %s",
		         required, ours_s, why);
		return -EINVAL;
	}
	return 0;
}

/* ---- symbols and capabilities ---- */

#define RESOLVE(p, member) (*(void **)&(p)->api.member = dlsym((p)->dl, "plugin_" #member))

static void resolve_symbols(struct ph_plugin *p)
{
	RESOLVE(p, get_required_api_version);
	RESOLVE(p, get_init_schema);
	RESOLVE(p, init);
	RESOLVE(p, destroy);
	RESOLVE(p, get_last_error);
	RESOLVE(p, get_name);
	RESOLVE(p, get_description);
	RESOLVE(p, get_contact);
	RESOLVE(p, get_version);
	RESOLVE(p, get_id);
	RESOLVE(p, get_event_source);
	RESOLVE(p, open);
	RESOLVE(p, close);
	RESOLVE(p, list_open_params);
	RESOLVE(p, get_progress);
	RESOLVE(p, event_to_string);
	RESOLVE(p, next_batch);
	RESOLVE(p, get_extract_event_types);
	RESOLVE(p, get_extract_event_sources);
	RESOLVE(p, get_fields);
	RESOLVE(p, extract_fields);
	RESOLVE(p, get_parse_event_types);
	RESOLVE(p, get_parse_event_sources);
	RESOLVE(p, parse_event);
	RESOLVE(p, get_async_event_sources);
	RESOLVE(p, get_async_events);
	RESOLVE(p, set_async_event_handler);
	RESOLVE(p, dump_state);
	RESOLVE(p, set_config);
	RESOLVE(p, get_metrics);
	RESOLVE(p, capture_open);
	RESOLVE(p, capture_close);
	RESOLVE(p, get_required_event_schema_version);
}

static const char *missing_required(const plugin_api *a)
{
	if (!a->get_required_api_version)
		return "get_required_api_version";
	if (!a->get_version)
		return "get_version";
	if (!a->get_name)
		return "get_name";
	if (!a->get_description)
		return "get_description";
	if (!a->get_contact)
		return "get_contact";
	if (!a->init)
		return "init";
	if (!a->destroy)
		return "destroy";
	if (!a->get_last_error)
		return "get_last_error";
	return NULL;
}

static void append(char *buf, size_t len, const char *what)
{
	size_t used = strlen(buf);
	snprintf(buf + used, len - used, "%s%s", used ? "; " : "", what);
}

/* Capabilities from the functions present; half-made ones set CAP_BROKEN
 * and say why in `why`. */
static uint32_t detect_caps(const plugin_api *a, char *why, size_t whylen)
{
	uint32_t caps = CAP_NONE;
	why[0] = '\0';
	if (a->open && a->close && a->next_batch) {
		bool has_id = a->get_id && a->get_id() != 0;
		const char *src = a->get_event_source ? a->get_event_source() : NULL;
		bool has_src = src && src[0];
		if (has_id == has_src) {
			caps |= CAP_SOURCING;
		} else {
			caps |= CAP_BROKEN;
			append(why, whylen, "event sourcing needs both plugin_get_id (non-zero) and plugin_get_event_source "
			                    "(non-empty), or neither");
		}
	} else if (a->open || a->close || a->next_batch) {
		caps |= CAP_BROKEN;
		append(why, whylen, "event sourcing needs all of plugin_open, plugin_close and plugin_next_batch");
	}
	if (a->get_fields && a->extract_fields) {
		caps |= CAP_EXTRACTION;
	} else if (a->extract_fields) {
		caps |= CAP_BROKEN;
		append(why, whylen, "field extraction needs plugin_get_fields with plugin_extract_fields");
	}
	if (a->parse_event)
		caps |= CAP_PARSING;
	if (a->get_async_events && a->set_async_event_handler) {
		caps |= CAP_ASYNC;
	} else if (a->set_async_event_handler) {
		caps |= CAP_BROKEN;
		append(why, whylen, "async events need plugin_get_async_events with plugin_set_async_event_handler");
	}
	if (a->capture_open && a->capture_close) {
		caps |= CAP_CAPTURE_LISTENING;
	} else if (a->capture_open) {
		caps |= CAP_BROKEN;
		append(why, whylen, "capture listening needs plugin_capture_close with plugin_capture_open");
	}
	return caps;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* ---- JSON descriptions ---- */

static void free_strv(char **v)
{
	if (!v)
		return;
	for (char **s = v; *s; s++)
		free(*s);
	free(v);
}

static bool strv_has(char *const *v, uint32_t n, const char *s)
{
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Parses a JSON array of strings (empty strings skipped, duplicates
 * dropped). NULL/"" text gives an empty list when allow_empty. */
static int parse_strlist(struct ph_plugin *p, const char *fn, const char *text, bool allow_empty, char ***out,
                         uint32_t *n, char *err, size_t errlen)
{
	*out = calloc(1, sizeof(char *));
	*n = 0;
	if (!*out)
		return -ENOMEM;
	if (!text || !text[0]) {
		if (allow_empty)
			return 0;
		return ph_fail(p, -EINVAL, err, errlen, "%s returned no JSON array", fn);
	}
	cJSON *root = cJSON_Parse(text);
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return ph_fail(p, -EINVAL, err, errlen, "%s did not return a JSON array of strings", fn);
	}
	int rc = 0;
	char **v = calloc((size_t)cJSON_GetArraySize(root) + 1, sizeof(char *));
	const cJSON *it;
	if (!v)
		rc = -ENOMEM;
	cJSON_ArrayForEach(it, root)
	{
		if (rc)
			break;
		if (!cJSON_IsString(it)) {
			rc = ph_fail(p, -EINVAL, err, errlen, "%s did not return a JSON array of strings", fn);
			break;
		}
		if (!it->valuestring[0] || strv_has(v, *n, it->valuestring))
			continue;
		if (!(v[*n] = strdup(it->valuestring)))
			rc = -ENOMEM;
		else
			(*n)++;
	}
	cJSON_Delete(root);
	if (rc) {
		free_strv(v);
		*n = 0;
		return rc;
	}
	free(*out);
	*out = v;
	return 0;
}

/* A sourcing plugin with its own source always covers it. */
static int add_own_source(struct ph_plugin *p, char ***v, uint32_t *n)
{
	if (!(p->caps & CAP_SOURCING) || !p->source[0] || strv_has(*v, *n, p->source))
		return 0;
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(p->source)))
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

static const struct {
	const char *name;
	uint32_t ftype;
} field_types[] = {
	{"string", FTYPE_STRING}, {"uint64", FTYPE_UINT64}, {"reltime", FTYPE_RELTIME}, {"abstime", FTYPE_ABSTIME},
	{"bool", FTYPE_BOOL},     {"ipaddr", FTYPE_IPADDR}, {"ipnet", FTYPE_IPNET},
};

/* An optional boolean member: false when absent, -EINVAL when not a bool. */
static int opt_bool(const cJSON *obj, const char *key, bool *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = false;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v))
		return -EINVAL;
	*out = cJSON_IsTrue(v);
	return 0;
}

static const char *str_member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static int parse_field_arg(struct ph_plugin *p, const cJSON *f, const char *name, uint32_t *flags, char *err,
                           size_t errlen)
{
	const cJSON *arg = cJSON_GetObjectItemCaseSensitive(f, "arg");
	bool req, idx, key;
	if (!arg || cJSON_IsNull(arg))
		return 0;
	if (!cJSON_IsObject(arg))
		return ph_fail(p, -EINVAL, err, errlen, "get_fields: field '%s': arg is not an object", name);
	if (opt_bool(arg, "isRequired", &req) || opt_bool(arg, "isIndex", &idx) || opt_bool(arg, "isKey", &key))
		return ph_fail(p, -EINVAL, err, errlen,
		               "get_fields: field '%s': isRequired, isIndex and isKey must be booleans", name);
	if (req && !idx && !key)
		return ph_fail(p, -EINVAL, err, errlen,
		               "get_fields: field '%s': a required arg must be an index (isIndex) or a key (isKey)", name);
	*flags |= (req ? PH_FIELD_ARG_REQUIRED : 0) | (idx ? PH_FIELD_ARG_INDEX : 0) | (key ? PH_FIELD_ARG_KEY : 0);
	return 0;
}

static int parse_field_props(struct ph_plugin *p, const cJSON *f, const char *name, uint32_t *flags, char *err,
                             size_t errlen)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(f, "properties"), *it;
	if (!props || cJSON_IsNull(props))
		return 0;
	if (!cJSON_IsArray(props))
		return ph_fail(p, -EINVAL, err, errlen, "get_fields: field '%s': properties is not an array", name);
	cJSON_ArrayForEach(it, props)
	{
		if (!cJSON_IsString(it))
			return ph_fail(p, -EINVAL, err, errlen, "get_fields: field '%s': a property is not a string", name);
		if (strcmp(it->valuestring, "hidden") == 0)
			*flags |= PH_FIELD_HIDDEN;
		else if (strcmp(it->valuestring, "info") == 0)
			*flags |= PH_FIELD_INFO;
		else if (strcmp(it->valuestring, "conversation") == 0)
			*flags |= PH_FIELD_CONVERSATION;
	}
	return 0;
}

static void plugin_log(ss_plugin_owner_t *o, const char *component, const char *msg, ss_plugin_log_severity sev);

/* A message of the host about the plugin, through the same sink. */
static void host_log(struct ph_plugin *p, const char *msg, ss_plugin_log_severity sev)
{
	plugin_log(p, NULL, msg, sev);
}

/* One get_fields() entry into out (strings duplicated). */
static int parse_field(struct ph_plugin *p, const cJSON *f, uint32_t i, struct ph_field *out, char *err,
                       size_t errlen)
{
	if (!cJSON_IsObject(f))
		return ph_fail(p, -EINVAL, err, errlen, "get_fields: entry %u is not an object", i);
	const char *name = str_member(f, "name"), *type = str_member(f, "type"), *desc = str_member(f, "desc");
	if (!name[0])
		return ph_fail(p, -EINVAL, err, errlen, "get_fields: entry %u has no name", i);
	if (!type[0])
		return ph_fail(p, -EINVAL, err, errlen, "get_fields: field '%s' has no type", name);
	if (!desc[0])
		return ph_fail(p, -EINVAL, err, errlen, "get_fields: field '%s' has no desc", name);
	out->ftype = 0;
	for (size_t t = 0; t < sizeof(field_types) / sizeof(field_types[0]); t++)
		if (strcmp(type, field_types[t].name) == 0)
			out->ftype = field_types[t].ftype;
	if (!out->ftype)
		return ph_fail(p, -EINVAL, err, errlen, "get_fields: field '%s' has an unknown type '%s'", name, type);
	bool list, add;
	if (opt_bool(f, "isList", &list) || opt_bool(f, "addOutput", &add))
		return ph_fail(p, -EINVAL, err, errlen, "get_fields: field '%s': isList and addOutput must be booleans",
		               name);
	out->flags = (list ? PH_FIELD_LIST : 0) | (add ? PH_FIELD_ADD_OUTPUT : 0);
	int rc = parse_field_arg(p, f, name, &out->flags, err, errlen);
	if (!rc)
		rc = parse_field_props(p, f, name, &out->flags, err, errlen);
	if (rc)
		return rc;
	for (uint32_t j = 0; j < i; j++)
		if (strcmp(p->fields[j].name, name) == 0) {
			/* Upstream accepts this and resolves the name to the first. */
			char msg[256];
			snprintf(msg, sizeof(msg), "get_fields: field '%s' is defined twice; the first definition is used",
			         name);
			host_log(p, msg, SS_PLUGIN_LOG_SEV_WARNING);
			break;
		}
	out->name = strdup(name);
	out->display = strdup(str_member(f, "display"));
	out->desc = strdup(desc);
	return out->name && out->display && out->desc ? 0 : -ENOMEM;
}

static int load_fields(struct ph_plugin *p, char *err, size_t errlen)
{
	const char *text = p->api.get_fields();
	if (!text)
		return ph_fail(p, -EINVAL, err, errlen, "get_fields returned NULL");
	cJSON *root = cJSON_Parse(text);
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return ph_fail(p, -EINVAL, err, errlen, "get_fields did not return a JSON array");
	}
	int n = cJSON_GetArraySize(root), rc = 0;
	if (n == 0) {
		cJSON_Delete(root);
		return ph_fail(p, -EINVAL, err, errlen, "an extraction plugin must export at least one field");
	}
	p->fields = calloc((size_t)n, sizeof(*p->fields));
	if (!p->fields)
		rc = -ENOMEM;
	const cJSON *it;
	cJSON_ArrayForEach(it, root)
	{
		if (rc)
			break;
		rc = parse_field(p, it, p->nfields, &p->fields[p->nfields], err, errlen);
		p->nfields++;
	}
	cJSON_Delete(root);
	return rc;
}

static int load_descriptions(struct ph_plugin *p, char *err, size_t errlen)
{
	int rc = 0;
	if (p->caps & CAP_EXTRACTION) {
		rc = load_fields(p, err, errlen);
		if (!rc)
			rc = parse_strlist(p, "get_extract_event_sources",
			                   p->api.get_extract_event_sources ? p->api.get_extract_event_sources() : NULL, true,
			                   &p->extract_src, &p->n_extract_src, err, errlen);
		if (!rc)
			rc = add_own_source(p, &p->extract_src, &p->n_extract_src);
	}
	if (!rc && (p->caps & CAP_PARSING)) {
		rc = parse_strlist(p, "get_parse_event_sources",
		                   p->api.get_parse_event_sources ? p->api.get_parse_event_sources() : NULL, true,
		                   &p->parse_src, &p->n_parse_src, err, errlen);
		if (!rc)
			rc = add_own_source(p, &p->parse_src, &p->n_parse_src);
	}
	if (!rc && (p->caps & CAP_ASYNC)) {
		rc = parse_strlist(p, "get_async_event_sources",
		                   p->api.get_async_event_sources ? p->api.get_async_event_sources() : NULL, true,
		                   &p->async_src, &p->n_async_src, err, errlen);
		if (!rc)
			rc = add_own_source(p, &p->async_src, &p->n_async_src);
		if (!rc)
			rc = parse_strlist(p, "get_async_events", p->api.get_async_events(), false, &p->async_names,
			                   &p->n_async_names, err, errlen);
		if (!rc && p->n_async_names == 0)
			rc = ph_fail(p, -EINVAL, err, errlen, "get_async_events returned no event name");
	}
	return rc;
}

/* ---- load ---- */

static int check_identity(struct ph_plugin *p, char *err, size_t errlen)
{
	const char *missing = missing_required(&p->api);
	if (missing)
		return ph_fail(p, -EINVAL, err, errlen, "required symbol plugin_%s is missing", missing);
	/* get_name() has kept its signature in every version: read it first so
	 * that a version refusal names the plugin. The API version comes next:
	 * other functions may not have the signatures we expect when it is
	 * wrong. */
	p->name = dup_or_empty(p->api.get_name());
	p->req_api = dup_or_empty(p->api.get_required_api_version());
	char why[PH_ERRLEN];
	if (!p->name || !p->req_api)
		return -ENOMEM;
	if (ph_check_api_version(p->req_api, why, sizeof(why)))
		return ph_fail(p, -EINVAL, err, errlen, "%s", why);
	p->description = dup_or_empty(p->api.get_description());
	p->contact = dup_or_empty(p->api.get_contact());
	p->version = dup_or_empty(p->api.get_version());
	if (!p->name || !p->description || !p->contact || !p->version)
		return -ENOMEM;
	struct ph_version v;
	if (!p->name[0])
		return ph_fail(p, -EINVAL, err, errlen, "plugin_get_name returned an empty name");
	if (!ph_version_parse(p->version, &v))
		return ph_fail(p, -EINVAL, err, errlen, "invalid plugin version '%s' (expected major.minor.patch)",
		               p->version);
	return 0;
}

static int check_caps(struct ph_plugin *p, char *err, size_t errlen)
{
	char why[PH_ERRLEN];
	p->caps = detect_caps(&p->api, why, sizeof(why));
	if (p->caps & CAP_BROKEN)
		return ph_fail(p, -EINVAL, err, errlen, "broken capabilities: %s", why);
	if (p->caps == CAP_NONE)
		return ph_fail(p, -EINVAL, err, errlen, "implements no capability");
	p->source = NULL;
	if ((p->caps & CAP_SOURCING) && p->api.get_id && p->api.get_event_source && p->api.get_id() != 0) {
		p->id = p->api.get_id();
		p->source = dup_or_empty(p->api.get_event_source());
		if (p->source && strcmp(p->source, "syscall") == 0)
			return ph_fail(p, -EINVAL, err, errlen, "the event source name 'syscall' is reserved");
	}
	if (!p->source)
		p->source = strdup("");
	return p->source ? 0 : -ENOMEM;
}

static struct ph_plugin *alloc_plugin(const struct ph_opts *opts)
{
	struct ph_plugin *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (opts)
		memcpy(&p->opts, opts, opts->sz < sizeof(p->opts) ? opts->sz : sizeof(p->opts));
	p->opts.sz = sizeof(p->opts);
	if (p->opts.tables)
		p->tables = *p->opts.tables;
	p->opts.tables = NULL;
	pthread_mutex_init(&p->routines_lock, NULL);
	return p;
}

static int finish_load(struct ph_plugin *p, struct ph_plugin **out, char *err, size_t errlen)
{
	struct ph_mark prev = ph_mark_enter(p, "(description functions)");
	int rc = check_identity(p, err, errlen);
	if (!rc)
		rc = check_caps(p, err, errlen);
	if (!rc)
		rc = load_descriptions(p, err, errlen);
	ph_mark_leave(prev);
	if (rc) {
		if (rc == -ENOMEM)
			ph_fail(p, rc, err, errlen, "out of memory");
		ph_unload(p);
		return rc;
	}
	*out = p;
	return 0;
}

int ph_load(const char *path, const struct ph_opts *opts, struct ph_plugin **out, char *err, size_t errlen)
{
	*out = NULL;
	struct ph_plugin *p = alloc_plugin(opts);
	if (!p) {
		ph_errcpy(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (!(p->path = strdup(path))) {
		ph_unload(p);
		ph_errcpy(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->dl = dlopen(path, RTLD_LOCAL | RTLD_NOW);
	if (!p->dl) {
		const char *e = dlerror();
		snprintf(err, errlen, "cannot load plugin library %s: %s", path, e ? e : "unknown error");
		ph_unload(p);
		return -ENOENT;
	}
	resolve_symbols(p);
	return finish_load(p, out, err, errlen);
}

int ph_load_api(const plugin_api *api, const struct ph_opts *opts, struct ph_plugin **out, char *err,
                size_t errlen)
{
	*out = NULL;
	struct ph_plugin *p = alloc_plugin(opts);
	if (!p) {
		ph_errcpy(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* The first member has the same place in every layout. */
	struct ph_version v;
	const char *req = api->get_required_api_version ? api->get_required_api_version() : NULL;
	if (req && ph_version_parse(req, &v) && v.major == 3 && v.minor < 10) {
		/* Built before 3.10 inserted dump_state: the caller's table is one
		 * pointer shorter and everything from set_config on sits where
		 * dump_state is now. Read only that many bytes. */
		size_t at = offsetof(plugin_api, dump_state), next = offsetof(plugin_api, set_config);
		memcpy(&p->api, api, at);
		memcpy((char *)&p->api + next, (const char *)api + at, sizeof(plugin_api) - next);
		p->api.dump_state = NULL;
	} else {
		p->api = *api;
	}
	return finish_load(p, out, err, errlen);
}

/* ---- init ---- */

static int validate_config(struct ph_plugin *p, const char *config, char **effective, char *err, size_t errlen)
{
	ss_plugin_schema_type type = SS_PLUGIN_SCHEMA_NONE;
	const char *schema_text = p->api.get_init_schema ? p->api.get_init_schema(&type) : NULL;
	*effective = strdup(config ? config : "");
	if (!*effective)
		return -ENOMEM;
	if (!schema_text || !schema_text[0] || type == SS_PLUGIN_SCHEMA_NONE)
		return 0;
	if (type != SS_PLUGIN_SCHEMA_JSON)
		return ph_fail(p, -EINVAL, err, errlen, "get_init_schema returned an unknown schema type %d", (int)type);
	cJSON *schema = cJSON_Parse(schema_text);
	if (!cJSON_IsObject(schema)) {
		cJSON_Delete(schema);
		return ph_fail(p, -EINVAL, err, errlen, "get_init_schema did not return a JSON object");
	}
	if (!(*effective)[0]) {
		free(*effective);
		if (!(*effective = strdup("{}"))) {
			cJSON_Delete(schema);
			return -ENOMEM;
		}
	}
	cJSON *doc = cJSON_Parse(*effective);
	int rc = 0;
	char why[PH_ERRLEN];
	if (!doc)
		rc = ph_fail(p, -EINVAL, err, errlen, "init config is not valid JSON (near byte %td)",
		             cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - *effective : (ptrdiff_t)0);
	else if (ph_json_validate(schema, doc, why, sizeof(why)))
		rc = ph_fail(p, -EINVAL, err, errlen, "init config does not match the plugin's schema: %s", why);
	cJSON_Delete(doc);
	cJSON_Delete(schema);
	return rc;
}

static void set_bit(struct ph_codes *c, uint16_t code)
{
	c->bits[code / 8] |= (uint8_t)(1u << (code % 8));
}

static bool sources_take_syscall(char *const *v, uint32_t n)
{
	return n == 0 || strv_has(v, n, "syscall");
}

/* The codes a plugin asked for; none given means every code when it takes
 * syscall events, else only plugin events (322). */
/* The event codes a plugin extracts from or parses (get_extract_event_types
 * or get_parse_event_types, named `fn`), upstream's defaults when it gives
 * none. More codes than there are is refused: the count would be a lie. */
static int resolve_codes(struct ph_plugin *p, uint16_t *(*get)(uint32_t *, ss_plugin_t *), const char *fn,
                         char *const *src, uint32_t nsrc, struct ph_codes **out, char *err, size_t errlen)
{
	struct ph_codes *c = *out = calloc(1, sizeof(*c));
	if (!c)
		return ph_fail(p, -ENOMEM, err, errlen, "out of memory");
	uint32_t n = 0;
	uint16_t *types = get ? PH_CALL(p, fn, get(&n, p->state)) : NULL;
	if (types && n > 65536)
		return ph_fail(p, -EINVAL, err, errlen, "%s gave %u event codes (there are 65536): %s", fn, n,
		               ph_last_error(p));
	for (uint32_t i = 0; types && i < n; i++)
		set_bit(c, types[i]);
	if (!types || n == 0) {
		if (sources_take_syscall(src, nsrc))
			c->all = true;
		else
			set_bit(c, PLUGIN_EVT_PLUGINEVENT);
	}
	return 0;
}

static void plugin_log(ss_plugin_owner_t *o, const char *component, const char *msg, ss_plugin_log_severity sev)
{
	struct ph_plugin *p = o;
	if (p->opts.log)
		p->opts.log(p->opts.log_ctx, p->name, component, msg ? msg : "", sev);
	else
		log_plugin(p->name, component, msg ? msg : "", (int)sev);
}

int ph_init(struct ph_plugin *p, const char *config, char *err, size_t errlen)
{
	if (p->inited)
		return ph_fail(p, -EINVAL, err, errlen, "initialised twice");
	char *conf = NULL;
	int rc = validate_config(p, config, &conf, err, errlen);
	if (rc) {
		free(conf);
		return rc == -ENOMEM ? ph_fail(p, rc, err, errlen, "out of memory") : rc;
	}
	ss_plugin_init_input in = {
		.config = conf,
		.owner = p,
		.get_owner_last_error = ph_get_owner_last_error,
		.tables = p->tables.init ? p->tables.init : ph_empty_tables_init(),
		.log_fn = plugin_log,
	};
	ss_plugin_rc prc = SS_PLUGIN_FAILURE;
	p->state = PH_CALL(p, "init", p->api.init(&in, &prc));
	p->inited = true;
	ph_call_done(p);
	free(conf);
	if (prc != SS_PLUGIN_SUCCESS)
		return ph_fail(p, -EIO, err, errlen, "init failed: %s", ph_last_error(p));
	if (p->caps & CAP_EXTRACTION)
		rc = resolve_codes(p, p->api.get_extract_event_types, "get_extract_event_types", p->extract_src,
		                   p->n_extract_src, &p->extract_codes, err, errlen);
	if (!rc && (p->caps & CAP_PARSING))
		rc = resolve_codes(p, p->api.get_parse_event_types, "get_parse_event_types", p->parse_src,
		                   p->n_parse_src, &p->parse_codes, err, errlen);
	return rc;
}

/* Whether the set holds any code other than the plugin event. */
static bool beyond_plugin_events(const struct ph_codes *c)
{
	if (!c)
		return false;
	if (c->all)
		return true;
	for (size_t i = 0; i < sizeof(c->bits); i++) {
		uint8_t b = c->bits[i];
		if (i == PLUGIN_EVT_PLUGINEVENT / 8)
			b &= (uint8_t)~(1u << (PLUGIN_EVT_PLUGINEVENT % 8));
		if (b)
			return true;
	}
	return false;
}

int ph_check_event_schema(struct ph_plugin *p, const char *ours, char *err, size_t errlen)
{
	if (!p->inited)
		return ph_fail(p, -EINVAL, err, errlen, "schema check before init");
	if (!beyond_plugin_events(p->extract_codes) && !beyond_plugin_events(p->parse_codes))
		return 0;
	const char *req = p->api.get_required_event_schema_version
	                          ? p->api.get_required_event_schema_version(p->state)
	                          : NULL;
	char why[PH_ERRLEN];
	if (ph_check_schema_version(req ? req : "3.0.0", ours, why, sizeof(why)))
		return ph_fail(p, -EINVAL, err, errlen, "%s%s", why,
		               req ? "" : " (the plugin declares no required event schema version: 3.0.0 assumed)");
	return 0;
}

/* ---- unload and accessors ---- */

void ph_unload(struct ph_plugin *p)
{
	if (!p)
		return;
	if (p->open_source)
		ph_source_close(p->open_source);
	if (p->async_fn && p->api.set_async_event_handler) {
		PH_CALL(p, "set_async_event_handler", p->api.set_async_event_handler(p->state, p, NULL));
		p->async_fn = NULL;
	}
	ph_routines_stop_all(p);
	if (p->inited && p->state && p->api.destroy)
		PH_CALL_VOID(p, "destroy", p->api.destroy(p->state));
	if (p->dl)
		dlclose(p->dl);
	for (uint32_t i = 0; p->fields && i < p->nfields; i++) {
		free((char *)p->fields[i].name);
		free((char *)p->fields[i].display);
		free((char *)p->fields[i].desc);
	}
	ph_field_class_free(p);
	free(p->fields);
	free_strv(p->extract_src);
	free_strv(p->parse_src);
	free_strv(p->async_src);
	free_strv(p->async_names);
	free(p->extract_codes);
	free(p->parse_codes);
	free(p->open_params);
	free(p->open_params_text);
	free(p->name);
	free(p->description);
	free(p->contact);
	free(p->version);
	free(p->req_api);
	free(p->source);
	free(p->path);
	pthread_mutex_destroy(&p->routines_lock);
	free(p);
}

const char *ph_name(const struct ph_plugin *p) { return p->name; }
const char *ph_description(const struct ph_plugin *p) { return p->description; }
const char *ph_contact(const struct ph_plugin *p) { return p->contact; }
const char *ph_version(const struct ph_plugin *p) { return p->version; }
const char *ph_required_api_version(const struct ph_plugin *p) { return p->req_api; }
uint32_t ph_caps(const struct ph_plugin *p) { return p->caps; }
uint32_t ph_id(const struct ph_plugin *p) { return p->id; }
const char *ph_event_source(const struct ph_plugin *p) { return p->source; }

const char *ph_init_schema(const struct ph_plugin *p, ss_plugin_schema_type *type)
{
	*type = SS_PLUGIN_SCHEMA_NONE;
	const char *s = p->api.get_init_schema ? p->api.get_init_schema(type) : NULL;
	if (!s || !s[0]) {
		*type = SS_PLUGIN_SCHEMA_NONE;
		return NULL;
	}
	return s;
}

const struct ph_field *ph_fields(const struct ph_plugin *p, uint32_t *n)
{
	*n = p->nfields;
	return p->fields;
}

static struct ph_strlist strlist(char *const *v, uint32_t n)
{
	struct ph_strlist l = {(const char *const *)v, v ? n : 0};
	return l;
}

struct ph_strlist ph_extract_sources(const struct ph_plugin *p) { return strlist(p->extract_src, p->n_extract_src); }
struct ph_strlist ph_parse_sources(const struct ph_plugin *p) { return strlist(p->parse_src, p->n_parse_src); }
struct ph_strlist ph_async_sources(const struct ph_plugin *p) { return strlist(p->async_src, p->n_async_src); }
struct ph_strlist ph_async_names(const struct ph_plugin *p) { return strlist(p->async_names, p->n_async_names); }

static bool wants(const struct ph_codes *c, char *const *src, uint32_t nsrc, uint16_t code, const char *s)
{
	if (!c)
		return false;
	if (!c->all && !(c->bits[code / 8] & (1u << (code % 8))))
		return false;
	return nsrc == 0 || (s && strv_has(src, nsrc, s));
}

bool ph_wants_extract(const struct ph_plugin *p, uint16_t code, const char *src)
{
	return wants(p->extract_codes, p->extract_src, p->n_extract_src, code, src);
}

bool ph_wants_parse(const struct ph_plugin *p, uint16_t code, const char *src)
{
	return wants(p->parse_codes, p->parse_src, p->n_parse_src, code, src);
}
