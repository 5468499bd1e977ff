/*
 * The container plugin: Falco's `container` plugin in C. It gives each
 * thread of the `threads` table a `container_id` derived from its cgroups,
 * asks the container runtimes about new ids in a background thread, and
 * shares what they answer as `container` async events (so captures carry
 * it, and replays see it, through dump_state). Fields: container.*, k8s.*.
 *
 * Capabilities: extraction, parsing, async events, capture listening.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctr.h"
#include "fields.h"
#include "plugin_events.h"

/* Event codes parsed (upstream's numbering). */
enum {
	EVT_CLONE_X = 223, EVT_FORK_X = 225, EVT_VFORK_X = 227, EVT_EXECVE_X = 293, EVT_EXECVEAT_X = 331,
	EVT_CLONE3_X = 335, EVT_CHROOT_X = 267, EVT_CONTAINER_JSON = 272, EVT_CONTAINER_JSON_2 = 324,
	EVT_PROCEXIT_1_E = 186,
};
static uint16_t parse_codes[] = {PLUGIN_EVT_ASYNCEVENT, EVT_CONTAINER_JSON, EVT_CONTAINER_JSON_2, EVT_CLONE_X,
                                 EVT_FORK_X, EVT_VFORK_X, EVT_CLONE3_X, 231, 283, 289, EVT_EXECVE_X,
                                 EVT_EXECVEAT_X, EVT_CHROOT_X, EVT_PROCEXIT_1_E};

const char *plugin_get_required_api_version(void) { return "3.10.0"; }
const char *plugin_get_version(void) { return "0.7.1"; }
const char *plugin_get_name(void) { return "container"; }
const char *plugin_get_description(void)
{
	return "Container metadata for syscall events: ids from cgroups, names and images from the runtimes";
}
const char *plugin_get_contact(void) { return "the falco-c project"; }
const char *plugin_get_required_event_schema_version(ss_plugin_t *s)
{
	(void)s;
	return "4.0.0";
}
const char *plugin_get_last_error(ss_plugin_t *s) { return ((struct ctr_plugin *)s)->err; }
const char *plugin_get_fields(void) { return ctr_fields_json(); }
const char *plugin_get_extract_event_sources(void) { return "[\"syscall\"]"; }
const char *plugin_get_parse_event_sources(void) { return "[\"syscall\"]"; }
const char *plugin_get_async_event_sources(void) { return "[\"syscall\"]"; }
const char *plugin_get_async_events(void) { return "[\"container\",\"container_removed\"]"; }

uint16_t *plugin_get_parse_event_types(uint32_t *n, ss_plugin_t *s)
{
	(void)s;
	*n = sizeof(parse_codes) / sizeof(parse_codes[0]);
	return parse_codes;
}

static const char schema[] =
	"{\"$schema\":\"http://json-schema.org/draft-04/schema#\",\"type\":\"object\",\"properties\":{"
	"\"label_max_len\":{\"type\":\"integer\"},\"with_size\":{\"type\":\"boolean\"},"
	"\"hooks\":{\"type\":\"array\",\"items\":{\"enum\":[\"create\",\"start\"]}},"
	"\"log_level\":{\"type\":\"string\",\"enum\":[\"trace\",\"debug\",\"info\",\"warn\",\"error\"]},"
	"\"lookup_timeout_ms\":{\"type\":\"integer\",\"minimum\":1},"
	"\"engines\":{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
	"\"docker\":{\"$ref\":\"#/definitions/sockets\"},\"podman\":{\"$ref\":\"#/definitions/sockets\"},"
	"\"containerd\":{\"$ref\":\"#/definitions/sockets\"},\"cri\":{\"$ref\":\"#/definitions/sockets\"},"
	"\"lxc\":{\"$ref\":\"#/definitions/simple\"},\"libvirt_lxc\":{\"$ref\":\"#/definitions/simple\"},"
	"\"bpm\":{\"$ref\":\"#/definitions/simple\"},\"static\":{\"$ref\":\"#/definitions/static\"}}}},"
	"\"definitions\":{"
	"\"simple\":{\"type\":\"object\",\"properties\":{\"enabled\":{\"type\":\"boolean\"}}},"
	"\"sockets\":{\"type\":\"object\",\"properties\":{\"enabled\":{\"type\":\"boolean\"},"
	"\"sockets\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}},"
	"\"static\":{\"type\":\"object\",\"properties\":{\"enabled\":{\"type\":\"boolean\"},"
	"\"container_id\":{\"type\":\"string\",\"minLength\":1},\"container_name\":{\"type\":\"string\"},"
	"\"container_image\":{\"type\":\"string\"}}}}}";

const char *plugin_get_init_schema(ss_plugin_schema_type *t)
{
	*t = SS_PLUGIN_SCHEMA_JSON;
	return schema;
}

void ctr_log(struct ctr_plugin *p, ss_plugin_log_severity sev, const char *fmt, ...)
{
	if (!p->log)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->log(p->owner, NULL, msg, sev);
}

/* ---- configuration ---- */

static int add_sockets(char **dst, unsigned *n, const cJSON *list)
{
	const cJSON *s;
	cJSON_ArrayForEach(s, list)
	{
		if (!cJSON_IsString(s) || *n >= CTR_MAX_SOCKETS)
			continue;
		if (!(dst[*n] = strdup(s->valuestring)))
			return -ENOMEM;
		(*n)++;
	}
	return 0;
}

/* An engine's `enabled` (default: true when the engine object is absent). */
static bool engine_on(const cJSON *engines, const char *name, const cJSON **obj)
{
	*obj = cJSON_GetObjectItemCaseSensitive(engines, name);
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(*obj, "enabled");
	return *obj ? !cJSON_IsFalse(en) : true;
}

static int default_sockets(struct ctr_plugin *p, bool docker, bool podman)
{
	char user[128];
	snprintf(user, sizeof(user), "/run/user/%u/podman/podman.sock", (unsigned)getuid());
	const char *d[] = {"/var/run/docker.sock"}, *pm[] = {"/run/podman/podman.sock", user};
	for (unsigned i = 0; docker && i < 1; i++)
		if (!(p->docker_socks[p->ndocker++] = strdup(d[i])))
			return -ENOMEM;
	for (unsigned i = 0; podman && i < 2; i++)
		if (!(p->podman_socks[p->npodman++] = strdup(pm[i])))
			return -ENOMEM;
	return 0;
}

static int config_static(struct ctr_plugin *p, const cJSON *st)
{
	struct ctr_info *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	p->static_info = c;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(st, "container_id");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(st, "container_name");
	const cJSON *image = cJSON_GetObjectItemCaseSensitive(st, "container_image");
	if (!cJSON_IsString(id) || !id->valuestring[0]) {
		snprintf(p->err, sizeof(p->err), "engines.static: container_id must be a non-empty string");
		return -EINVAL;
	}
	const char *img = cJSON_IsString(image) ? image->valuestring : "";
	c->id = strdup(id->valuestring);
	c->full_id = strdup(id->valuestring);
	c->name = strdup(cJSON_IsString(name) ? name->valuestring : "");
	c->image = strdup(img);
	c->type = CTR_T_STATIC;
	if (!c->id || !c->full_id || !c->name || !c->image || ctr_image_split(img, &c->imagerepo, &c->imagetag))
		return -ENOMEM;
	const char *empty[] = {""};
	char **rest[] = {&c->imageid, &c->imagedigest, &c->ip, &c->user, &c->pod_sandbox_id, &c->cni_json};
	for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
		if (!(*rest[i] = strdup(empty[0])))
			return -ENOMEM;
	return 0;
}

static int config_engines(struct ctr_plugin *p, const cJSON *engines)
{
	const cJSON *o;
	if (engine_on(engines, "static", &o) && o) {
		p->engines = 0;
		return config_static(p, o);
	}
	bool docker = engine_on(engines, "docker", &o);
	if (docker && o && add_sockets(p->docker_socks, &p->ndocker, cJSON_GetObjectItem(o, "sockets")))
		return -ENOMEM;
	bool podman = engine_on(engines, "podman", &o);
	if (podman && o && add_sockets(p->podman_socks, &p->npodman, cJSON_GetObjectItem(o, "sockets")))
		return -ENOMEM;
	bool cri = engine_on(engines, "cri", &o);
	if (cri && o && add_sockets(p->cri_socks, &p->ncri, cJSON_GetObjectItem(o, "sockets")))
		return -ENOMEM;
	/* containerd's own socket serves the CRI too: its sockets are asked
	 * with the CRI client (containers of its k8s.io namespace) */
	bool containerd = engine_on(engines, "containerd", &o);
	if (containerd && o && add_sockets(p->cri_socks, &p->ncri, cJSON_GetObjectItem(o, "sockets")))
		return -ENOMEM;
	if (cri && !p->ncri && ctr_cri_default_sockets(p) < 0)
		return -ENOMEM;
	p->engines = (docker ? 1u << CTR_T_DOCKER : 0) | (podman ? 1u << CTR_T_PODMAN : 0) |
	             (cri ? 1u << CTR_T_CRI : 0) | (containerd ? 1u << CTR_T_CONTAINERD : 0);
	/* lxc, libvirt-lxc and bpm match loose patterns: only when asked for */
	const char *opt_in[] = {"lxc", "libvirt_lxc", "bpm"};
	const int opt_type[] = {CTR_T_LXC, CTR_T_LIBVIRT_LXC, CTR_T_BPM};
	for (int i = 0; i < 3; i++)
		if (engine_on(engines, opt_in[i], &o) && o)
			p->engines |= 1u << opt_type[i];
	/* engines given without their sockets list get the default paths */
	return default_sockets(p, docker && !p->ndocker, podman && !p->npodman);
}

static int parse_config(struct ctr_plugin *p, const char *text)
{
	cJSON *root = cJSON_Parse(text && text[0] ? text : "{}");
	if (!cJSON_IsObject(root)) {
		snprintf(p->err, sizeof(p->err), "init config is not a JSON object");
		cJSON_Delete(root);
		return -EINVAL;
	}
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "label_max_len");
	p->label_max_len = cJSON_IsNumber(v) && v->valuedouble > 0 ? (size_t)v->valuedouble : 100;
	v = cJSON_GetObjectItemCaseSensitive(root, "lookup_timeout_ms");
	p->timeout_ms = cJSON_IsNumber(v) && v->valuedouble >= 1 ? (int)v->valuedouble : 2000;
	/* upstream's `hooks`: which runtime events trigger a lookup (create by
	 * default; removals are always followed) */
	v = cJSON_GetObjectItemCaseSensitive(root, "hooks");
	p->hooks = CTR_HOOK_CREATE;
	if (cJSON_IsArray(v)) {
		const cJSON *h;
		p->hooks = 0;
		cJSON_ArrayForEach(h, v)
			p->hooks |= !cJSON_IsString(h) ? 0 : !strcmp(h->valuestring, "create") ? CTR_HOOK_CREATE
			          : !strcmp(h->valuestring, "start") ? CTR_HOOK_START : 0;
	}
	int rc = config_engines(p, cJSON_GetObjectItemCaseSensitive(root, "engines"));
	if (rc == -ENOMEM)
		snprintf(p->err, sizeof(p->err), "out of memory");
	cJSON_Delete(root);
	return rc;
}

/* ---- the host's threads table ---- */

static const char *owner_error(const ss_plugin_init_input *in)
{
	const char *e = in->get_owner_last_error ? in->get_owner_last_error(in->owner) : NULL;
	return e ? e : "no reason given";
}

/* The accessor of `second` in the cgroups subtables: reached through a
 * detached threads entry, as the tables API lets plugins do at init. */
static int cgroups_fields(struct ctr_plugin *p, const ss_plugin_init_tables_input *t)
{
	ss_plugin_table_entry_t *e = t->writer_ext->create_table_entry(p->threads);
	if (!e)
		return -EINVAL;
	ss_plugin_state_data sub = {0};
	int rc = -EINVAL;
	if (t->reader_ext->read_entry_field(p->threads, e, p->f_cgroups, &sub) == SS_PLUGIN_SUCCESS && sub.table) {
		p->f_cg_second = t->fields_ext->get_table_field(sub.table, "second", SS_PLUGIN_ST_STRING);
		rc = p->f_cg_second ? 0 : -EINVAL;
	}
	t->writer_ext->destroy_table_entry(p->threads, e);
	return rc;
}

static int setup_tables(struct ctr_plugin *p, const ss_plugin_init_input *in)
{
	const ss_plugin_init_tables_input *t = in->tables;
	if (!t || !t->fields_ext || !t->reader_ext || !t->writer_ext || !t->get_table) {
		snprintf(p->err, sizeof(p->err), "the host offers no state tables: the container plugin needs `threads`");
		return -EINVAL;
	}
	p->threads = t->get_table(in->owner, "threads", SS_PLUGIN_ST_INT64);
	if (!p->threads) {
		snprintf(p->err, sizeof(p->err), "cannot get the threads table: %s", owner_error(in));
		return -EINVAL;
	}
	const ss_plugin_table_fields_vtable_ext *f = t->fields_ext;
	p->f_cgroups = f->get_table_field(p->threads, "cgroups", SS_PLUGIN_ST_TABLE);
	p->f_pidns_start = f->get_table_field(p->threads, "pidns_init_start_ts", SS_PLUGIN_ST_UINT64);
	p->f_container_id = f->add_table_field(p->threads, "container_id", SS_PLUGIN_ST_STRING);
	p->f_vpid = f->get_table_field(p->threads, "vpid", SS_PLUGIN_ST_INT64);
	p->f_vtid = f->get_table_field(p->threads, "vtid", SS_PLUGIN_ST_INT64);
	if (!p->f_cgroups || !p->f_container_id || cgroups_fields(p, t) < 0) {
		snprintf(p->err, sizeof(p->err), "cannot add the 'container_id' field into the 'threads' table: %s",
		         owner_error(in));
		return -EINVAL;
	}
	ctr_table_setup(p);
	if (t->add_table && t->add_table(in->owner, &p->table_in) != SS_PLUGIN_SUCCESS)
		ctr_log(p, SS_PLUGIN_LOG_SEV_WARNING, "the host refused the containers table: %s", owner_error(in));
	return 0;
}

static int host_info(struct ctr_info *h)
{
	char **strs[] = {&h->full_id, &h->image, &h->imageid, &h->imagerepo, &h->imagetag, &h->imagedigest,
	                 &h->ip, &h->user, &h->pod_sandbox_id, &h->cni_json};
	h->id = strdup("host");
	h->name = strdup("host");
	h->type = CTR_T_HOST;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		*strs[i] = strdup(i == 0 ? "host" : "");
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (!*strs[i])
			return -ENOMEM;
	return h->id && h->name ? 0 : -ENOMEM;
}

void plugin_destroy(ss_plugin_t *s);

ss_plugin_t *plugin_init(const ss_plugin_init_input *in, ss_plugin_rc *rc)
{
	struct ctr_plugin *p = calloc(1, sizeof(*p));
	*rc = SS_PLUGIN_FAILURE;
	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->worker.lock, NULL);
	pthread_cond_init(&p->worker.cond, NULL);
	p->owner = in->owner;
	p->log = in->log_fn;
	if (host_info(&p->host) < 0 || parse_config(p, in->config) < 0 || setup_tables(p, in) < 0)
		return p; /* the host reads the error, then destroys us */
	if (p->static_info) {
		struct ctr_info *c = p->static_info;
		p->static_info = NULL;
		if (ctr_map_put(&p->known, c) < 0)
			return p;
		p->static_info = ctr_map_get(&p->known, c->id);
	}
	*rc = SS_PLUGIN_SUCCESS;
	return p;
}

void plugin_destroy(ss_plugin_t *s)
{
	struct ctr_plugin *p = s;
	if (!p)
		return;
	ctr_events_stop(p);
	ctr_worker_stop(p);
	ctr_info_free(p->last_removed);
	for (unsigned i = 0; i < p->ndocker; i++)
		free(p->docker_socks[i]);
	for (unsigned i = 0; i < p->npodman; i++)
		free(p->podman_socks[i]);
	for (unsigned i = 0; i < p->ncri; i++)
		free(p->cri_socks[i]);
	if (p->static_info && ctr_map_get(&p->known, p->static_info->id) != p->static_info)
		ctr_info_free(p->static_info);
	ctr_map_free(&p->known);
	ctr_map_free(&p->asked);
	ctr_info_clear(&p->host);
	for (uint32_t i = 0; i < p->nres; i++)
		free(p->res[i].buf);
	free(p->res);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->worker.lock);
	pthread_cond_destroy(&p->worker.cond);
	free(p);
}

/* ---- parsing ---- */

struct cg_walk {
	struct ctr_plugin *p;
	ss_plugin_table_reader_vtable_ext *r;
	ss_plugin_table_t *sub;
	char id[CTR_ID_MAX + 1];
	int type;
	bool found;
};

static ss_plugin_bool cg_visit(ss_plugin_table_iterator_state_t *s, ss_plugin_table_entry_t *e)
{
	struct cg_walk *w = s;
	ss_plugin_state_data v = {0};
	if (w->r->read_entry_field(w->sub, e, w->p->f_cg_second, &v) != SS_PLUGIN_SUCCESS || !v.str)
		return 1;
	w->found = ctr_cgroup_match(v.str, strlen(v.str), w->p->engines, w->id, &w->type);
	return !w->found;
}

static void know_bare(struct ctr_plugin *p, const char *id, int type)
{
	struct ctr_info *c = calloc(1, sizeof(*c));
	char **strs[] = {&c->id, &c->full_id, &c->name, &c->image, &c->imageid, &c->imagerepo, &c->imagetag,
	                 &c->imagedigest, &c->ip, &c->user, &c->pod_sandbox_id, &c->cni_json};
	if (!c)
		return;
	c->type = type;
	bool ok = true;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		ok = (*strs[i] = strdup(i < 2 ? id : "")) && ok;
	if (!ok) {
		ctr_info_free(c);
		return;
	}
	pthread_mutex_lock(&p->lock);
	ctr_map_put(&p->known, c);
	pthread_mutex_unlock(&p->lock);
}

/* Derives the thread's container id from its cgroups and stores it; asks
 * the runtime about ids not seen before. */
static void attach_container(struct ctr_plugin *p, ss_plugin_table_reader_vtable_ext *r,
                             ss_plugin_table_writer_vtable_ext *w, ss_plugin_table_entry_t *e)
{
	struct cg_walk walk = {.p = p, .r = r};
	if (p->static_info) {
		snprintf(walk.id, sizeof(walk.id), "%s", p->static_info->id);
	} else {
		ss_plugin_state_data sub = {0};
		if (r->read_entry_field(p->threads, e, p->f_cgroups, &sub) != SS_PLUGIN_SUCCESS || !sub.table)
			return;
		walk.sub = sub.table;
		r->iterate_entries(sub.table, cg_visit, &walk);
		if (!walk.found)
			walk.id[0] = '\0';
	}
	ss_plugin_state_data v = {.str = walk.id};
	w->write_entry_field(p->threads, e, p->f_container_id, &v);
	if (walk.found && (walk.type == CTR_T_LXC || walk.type == CTR_T_LIBVIRT_LXC || walk.type == CTR_T_BPM)) {
		/* no runtime to ask: the id and the type are all there is */
		if (!ctr_map_get(&p->known, walk.id))
			know_bare(p, walk.id, walk.type);
		return;
	}
	if (!walk.found || !p->worker.running || ctr_map_get(&p->known, walk.id) || ctr_map_get(&p->asked, walk.id))
		return; /* without a handler (no live capture) nobody is asked */
	struct ctr_info *stub = calloc(1, sizeof(*stub));
	if (stub && (stub->id = strdup(walk.id)) && ctr_map_put(&p->asked, stub) == 0) {
		if (!ctr_worker_ask(p, walk.id, walk.type))
			ctr_map_del(&p->asked, walk.id); /* queue full: asked again later */
		return;
	}
	if (stub && !stub->id)
		free(stub);
}

static void attach_tid(struct ctr_plugin *p, ss_plugin_table_reader_vtable_ext *r,
                       ss_plugin_table_writer_vtable_ext *w, int64_t tid)
{
	ss_plugin_state_data key = {.s64 = tid};
	ss_plugin_table_entry_t *e = r->get_table_entry(p->threads, &key);
	if (!e)
		return;
	attach_container(p, r, w, e);
	r->release_table_entry(p->threads, e);
}

/* The first parameter of a syscall exit event as int64 (the return value). */
static bool first_param_s64(const ss_plugin_event *evt, int64_t *out)
{
	const char *b = (const char *)evt;
	uint16_t l;
	if (evt->nparams < 1 || evt->len < PLUGIN_EVT_HDR_LEN + 2 * evt->nparams + 8)
		return false;
	memcpy(&l, b + PLUGIN_EVT_HDR_LEN, 2);
	if (l != 8)
		return false;
	memcpy(out, b + PLUGIN_EVT_HDR_LEN + 2 * evt->nparams, 8);
	return true;
}

static void learn(struct ctr_plugin *p, const char *json, size_t len, uint64_t evtnum)
{
	struct ctr_info *c = calloc(1, sizeof(*c));
	char err[256];
	if (!c)
		return;
	if (ctr_info_from_json(c, json, len, err, sizeof(err)) < 0) {
		free(c);
		ctr_log(p, SS_PLUGIN_LOG_SEV_WARNING, "event %llu: %s", (unsigned long long)evtnum, err);
		return;
	}
	const char *id = c->id;
	pthread_mutex_lock(&p->lock);
	int rc = ctr_map_put(&p->known, c);
	pthread_mutex_unlock(&p->lock);
	if (rc == 0) {
		p->last_async_num = evtnum;
		p->last_async = ctr_map_get(&p->known, id);
	}
}

static void parse_async(struct ctr_plugin *p, const ss_plugin_event_input *ei)
{
	const ss_plugin_event *evt = ei->evt;
	const char *b = (const char *)evt;
	uint32_t lens[3];
	if (evt->nparams != 3 || evt->len < PLUGIN_EVT_ASYNC_NAME_OFFSET)
		return;
	memcpy(lens, b + PLUGIN_EVT_HDR_LEN, sizeof(lens));
	if (lens[1] == 0 || (uint64_t)PLUGIN_EVT_ASYNC_ID_OFFSET + lens[0] + lens[1] + lens[2] > evt->len)
		return;
	const char *name = b + PLUGIN_EVT_ASYNC_NAME_OFFSET, *data = name + lens[1];
	if (name[lens[1] - 1] != '\0')
		return;
	if (strcmp(name, "container") == 0) {
		learn(p, data, lens[2], ei->evtnum);
	} else if (strcmp(name, "container_removed") == 0) {
		struct ctr_info c = {0};
		char err[256];
		if (ctr_info_from_json(&c, data, lens[2], err, sizeof(err)) == 0) {
			pthread_mutex_lock(&p->lock);
			struct ctr_info *gone = ctr_map_take(&p->known, c.id);
			pthread_mutex_unlock(&p->lock);
			ctr_map_del(&p->asked, c.id);
			/* this event's fields read the removed container: what we
			 * knew, else the event's own payload */
			ctr_info_free(p->last_removed);
			p->last_removed = gone ? gone : malloc(sizeof(c));
			if (p->last_removed && !gone)
				*p->last_removed = c, memset(&c, 0, sizeof(c));
			p->last_async_num = ei->evtnum;
			p->last_async = p->last_removed;
		} else {
			ctr_log(p, SS_PLUGIN_LOG_SEV_WARNING, "event %llu: %s", (unsigned long long)ei->evtnum, err);
		}
		ctr_info_clear(&c);
	}
}

/* Old-style container events of captures (272: json charbuf; 324: json
 * bytes with a u32 length): the same JSON as our async events. */
static void parse_container_json(struct ctr_plugin *p, const ss_plugin_event_input *ei)
{
	const ss_plugin_event *evt = ei->evt;
	const char *b = (const char *)evt;
	uint32_t len = 0, hdr;
	if (evt->nparams != 1)
		return;
	if (evt->type == EVT_CONTAINER_JSON_2) {
		memcpy(&len, b + PLUGIN_EVT_HDR_LEN, 4);
		hdr = PLUGIN_EVT_HDR_LEN + 4;
	} else {
		uint16_t l;
		memcpy(&l, b + PLUGIN_EVT_HDR_LEN, 2);
		len = l;
		hdr = PLUGIN_EVT_HDR_LEN + 2;
	}
	if ((uint64_t)hdr + len > evt->len)
		return;
	while (len && b[hdr + len - 1] == '\0')
		len--;
	learn(p, b + hdr, len, ei->evtnum);
}

/* The exit of a container's init (vpid = vtid = 1) ends the container, as
 * upstream's plugin reads it: a `container_removed` event, live only (a
 * replay has the recorded one). Left to the listener when one follows the
 * container's runtime, so that one removal is sent. */
static void on_procexit(struct ctr_plugin *p, const ss_plugin_event_parse_input *in, int64_t tid)
{
	ss_plugin_table_reader_vtable_ext *r = in->table_reader_ext;
	if (!p->worker.running || !p->f_vpid || !p->f_vtid || !p->worker.handler)
		return;
	ss_plugin_state_data key = {.s64 = tid}, vpid = {0}, vtid = {0}, cid = {0};
	ss_plugin_table_entry_t *e = r->get_table_entry(p->threads, &key);
	if (!e)
		return;
	bool init = r->read_entry_field(p->threads, e, p->f_vpid, &vpid) == SS_PLUGIN_SUCCESS &&
	            r->read_entry_field(p->threads, e, p->f_vtid, &vtid) == SS_PLUGIN_SUCCESS && vpid.s64 == 1 &&
	            vtid.s64 == 1 && r->read_entry_field(p->threads, e, p->f_container_id, &cid) == SS_PLUGIN_SUCCESS;
	const struct ctr_info *c = init && cid.str && cid.str[0] ? ctr_map_get(&p->known, cid.str) : NULL;
	r->release_table_entry(p->threads, e);
	if (!c || c == p->static_info || ctr_events_following(p, c->type))
		return;
	ss_plugin_event *evt = ctr_async_event(c, "container_removed");
	char err[PLUGIN_MAX_ERRLEN] = "";
	if (!evt || p->worker.handler(p->worker.owner, evt, err) != SS_PLUGIN_SUCCESS)
		ctr_log(p, SS_PLUGIN_LOG_SEV_WARNING, "container %s: container_removed refused: %s", c->id,
		        evt ? err : "out of memory");
	free(evt);
}

ss_plugin_rc plugin_parse_event(ss_plugin_t *s, const ss_plugin_event_input *ei, const ss_plugin_event_parse_input *in)
{
	struct ctr_plugin *p = s;
	const ss_plugin_event *evt = ei->evt;
	int64_t res;
	switch (evt->type) {
	case PLUGIN_EVT_ASYNCEVENT:
		parse_async(p, ei);
		break;
	case EVT_CONTAINER_JSON:
	case EVT_CONTAINER_JSON_2:
		parse_container_json(p, ei);
		break;
	case EVT_PROCEXIT_1_E:
		on_procexit(p, in, (int64_t)evt->tid);
		break;
	case EVT_CLONE_X: case EVT_FORK_X: case EVT_VFORK_X: case EVT_CLONE3_X:
		/* the parent learns the child's tid first (res); the child itself
		 * sees 0 */
		if (!first_param_s64(evt, &res) || res < 0)
			break;
		attach_tid(p, in->table_reader_ext, in->table_writer_ext, res > 0 ? res : (int64_t)evt->tid);
		break;
	default: /* execve, execveat, chroot exits */
		if (first_param_s64(evt, &res) && res == 0)
			attach_tid(p, in->table_reader_ext, in->table_writer_ext, (int64_t)evt->tid);
		break;
	}
	return SS_PLUGIN_SUCCESS;
}

/* ---- capture listening: ids for the threads that existed before ---- */

struct attach_all {
	struct ctr_plugin *p;
	const ss_plugin_capture_listen_input *in;
};

static ss_plugin_bool attach_visit(ss_plugin_table_iterator_state_t *s, ss_plugin_table_entry_t *e)
{
	struct attach_all *a = s;
	attach_container(a->p, a->in->table_reader_ext, a->in->table_writer_ext, e);
	return 1;
}

ss_plugin_rc plugin_capture_open(ss_plugin_t *s, const ss_plugin_capture_listen_input *in)
{
	struct ctr_plugin *p = s;
	if (in->table_reader_ext && in->table_writer_ext) {
		struct attach_all a = {p, in};
		in->table_reader_ext->iterate_entries(p->threads, attach_visit, &a);
	}
	return SS_PLUGIN_SUCCESS;
}

ss_plugin_rc plugin_capture_close(ss_plugin_t *s, const ss_plugin_capture_listen_input *in)
{
	(void)s;
	(void)in;
	return SS_PLUGIN_SUCCESS;
}

/* ---- async events ---- */

ss_plugin_rc plugin_set_async_event_handler(ss_plugin_t *s, ss_plugin_owner_t *owner,
                                            const ss_plugin_async_event_handler_t handler)
{
	struct ctr_plugin *p = s;
	ctr_events_stop(p);
	ctr_worker_stop(p);
	pthread_mutex_lock(&p->worker.lock);
	p->worker.owner = owner;
	p->worker.handler = handler;
	pthread_mutex_unlock(&p->worker.lock);
	if (handler && ctr_worker_start(p) < 0) {
		snprintf(p->err, sizeof(p->err), "cannot start the runtime lookup thread");
		return SS_PLUGIN_FAILURE;
	}
	if (handler && ctr_events_start(p) < 0) {
		snprintf(p->err, sizeof(p->err), "cannot start the runtime event listeners");
		return SS_PLUGIN_FAILURE;
	}
	return SS_PLUGIN_SUCCESS;
}

struct dump {
	ss_plugin_owner_t *owner;
	ss_plugin_async_event_handler_t handler;
	char err[PLUGIN_MAX_ERRLEN];
	int failed;
};

static int dump_one(void *ctx, struct ctr_info *c)
{
	struct dump *d = ctx;
	ss_plugin_event *evt = ctr_async_event(c, "container");
	if (!evt)
		return -ENOMEM;
	if (d->handler(d->owner, evt, d->err) != SS_PLUGIN_SUCCESS)
		d->failed++;
	free(evt);
	return 0;
}

ss_plugin_rc plugin_dump_state(ss_plugin_t *s, ss_plugin_owner_t *owner, const ss_plugin_async_event_handler_t handler)
{
	struct ctr_plugin *p = s;
	struct dump d = {.owner = owner, .handler = handler};
	pthread_mutex_lock(&p->lock);
	int rc = ctr_map_each(&p->known, dump_one, &d);
	pthread_mutex_unlock(&p->lock);
	if (rc < 0 || d.failed) {
		snprintf(p->err, sizeof(p->err), "dump_state: %.900s", rc < 0 ? "out of memory" : d.err);
		return SS_PLUGIN_FAILURE;
	}
	return SS_PLUGIN_SUCCESS;
}

/* ---- extraction and metrics ---- */

ss_plugin_rc plugin_extract_fields(ss_plugin_t *s, const ss_plugin_event_input *evt,
                                   const ss_plugin_field_extract_input *in)
{
	return ctr_extract(s, evt, in);
}

static int count_missing(void *ctx, struct ctr_info *c)
{
	*(uint64_t *)ctx += c->image[0] == '\0';
	return 0;
}

ss_plugin_metric *plugin_get_metrics(ss_plugin_t *s, uint32_t *n)
{
	struct ctr_plugin *p = s;
	uint64_t missing = 0;
	pthread_mutex_lock(&p->lock);
	uint64_t live = p->known.live;
	ctr_map_each(&p->known, count_missing, &missing);
	pthread_mutex_unlock(&p->lock);
	p->metrics[0] = (ss_plugin_metric){.name = "n_containers", .type = SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC,
	                                   .value.u64 = live, .value_type = SS_PLUGIN_METRIC_VALUE_TYPE_U64};
	p->metrics[1] = (ss_plugin_metric){.name = "n_missing_container_images",
	                                   .type = SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC, .value.u64 = missing,
	                                   .value_type = SS_PLUGIN_METRIC_VALUE_TYPE_U64};
	*n = 2;
	return p->metrics;
}
