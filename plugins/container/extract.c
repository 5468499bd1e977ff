/*
 * Field extraction: the thread's container_id (written by our parser) leads
 * to the container's metadata; values live in per-request result slots
 * until the next call.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctr.h"
#include "fields.h"
#include "plugin_events.h"

static int reserve(struct ctr_plugin *p, uint32_t n)
{
	if (n <= p->nres)
		return 0;
	struct ctr_result *r = realloc(p->res, n * sizeof(*r));
	if (!r)
		return -ENOMEM;
	memset(r + p->nres, 0, (n - p->nres) * sizeof(*r));
	p->res = r;
	p->nres = n;
	return 0;
}

/* Appends text to a result's buffer (which it owns). */
static int buf_add(struct ctr_result *r, size_t *len, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > r->cap) {
		size_t cap = (*len + n + 1) * 2;
		char *b = realloc(r->buf, cap);
		if (!b)
			return -ENOMEM;
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + *len, s, n + 1);
	*len += n;
	return 0;
}

static int mount_text(struct ctr_result *r, size_t *len, const struct ctr_mount *m)
{
	return buf_add(r, len, m->source) || buf_add(r, len, ":") || buf_add(r, len, m->dest) ||
	       buf_add(r, len, ":") || buf_add(r, len, m->mode) || buf_add(r, len, ":") ||
	       buf_add(r, len, m->rw ? "true" : "false") || buf_add(r, len, ":") ||
	       buf_add(r, len, m->propagation) ? -ENOMEM : 0;
}

static int mounts_text(struct ctr_result *r, const struct ctr_info *c)
{
	size_t len = 0;
	if (buf_add(r, &len, ""))
		return -ENOMEM;
	for (size_t i = 0; i < c->nmounts; i++)
		if ((i && buf_add(r, &len, ",")) || mount_text(r, &len, &c->mounts[i]))
			return -ENOMEM;
	return 0;
}

/* Labels as "k:v, k2:v2" leaving out annotations and io.kubernetes.*
 * (container.labels), or all of them (k8s.pod.labels). */
static int labels_text(struct ctr_result *r, const struct ctr_info *c, bool skip_internal)
{
	size_t len = 0;
	if (buf_add(r, &len, ""))
		return -ENOMEM;
	bool first = true;
	for (size_t i = 0; i < c->nlabels; i++) {
		const struct ctr_label *l = &c->labels[i];
		if (skip_internal && (!strncmp(l->key, "annotation.", 11) || !strncmp(l->key, "io.kubernetes.", 14)))
			continue;
		if ((!first && buf_add(r, &len, ", ")) || buf_add(r, &len, l->key) ||
		    (l->value[0] && (buf_add(r, &len, ":") || buf_add(r, &len, l->value))))
			return -ENOMEM;
		first = false;
	}
	return 0;
}

/* The mount a request designates: by index, or by a (glob) path matched
 * against the destination for mount.source and the source otherwise. */
static const struct ctr_mount *find_mount(const struct ctr_info *c, const ss_plugin_extract_field *f)
{
	/* hosts set arg_key too when a both-kinds argument is a number: the
	 * index wins, as upstream's plugin decides (arg_index != -1) */
	if (f->arg_index != UINT64_MAX || !f->arg_key)
		return f->arg_index < c->nmounts ? &c->mounts[f->arg_index] : NULL;
	for (size_t i = 0; i < c->nmounts; i++) {
		const char *path = f->field_id == F_MOUNT_SOURCE ? c->mounts[i].dest : c->mounts[i].source;
		if (fnmatch(f->arg_key, path, FNM_EXTMATCH) == 0)
			return &c->mounts[i];
	}
	return NULL;
}

static int mount_field(struct ctr_result *r, const struct ctr_info *c, const ss_plugin_extract_field *f)
{
	const struct ctr_mount *m = find_mount(c, f);
	if (!m)
		return 1;
	size_t len = 0;
	switch (f->field_id) {
	case F_MOUNT: return mount_text(r, &len, m);
	case F_MOUNT_SOURCE: r->str = m->source; return 0;
	case F_MOUNT_DEST: r->str = m->dest; return 0;
	case F_MOUNT_MODE: r->str = m->mode; return 0;
	case F_MOUNT_RDWR: r->str = m->rw ? "true" : "false"; return 0;
	default: r->str = m->propagation; return 0;
	}
}

/* The pod's labels live on the sandbox container when we know it. */
static const struct ctr_info *pod_of(struct ctr_plugin *p, const struct ctr_info *c)
{
	char sid[CTR_SHORT_ID_LEN + 1];
	snprintf(sid, sizeof(sid), "%s", c->pod_sandbox_id);
	const struct ctr_info *s = sid[0] ? ctr_map_get(&p->known, sid) : NULL;
	return s ? s : c;
}

static const char *label_or_null(const struct ctr_info *c, const char *key)
{
	return key ? ctr_info_label(c, key) : NULL;
}

/* A string field of the container; 1 = no value, -ENOMEM. */
static int string_field(struct ctr_plugin *p, struct ctr_result *r, const struct ctr_info *c,
                        const ss_plugin_extract_field *f)
{
	const char *v = NULL;
	switch (f->field_id) {
	case F_ID: v = c->id; break;
	case F_FULL_ID: v = c->full_id; break;
	case F_NAME: v = c->name; break;
	case F_IMAGE: v = c->image; break;
	case F_IMAGE_ID: v = c->imageid; break;
	case F_TYPE: v = ctr_type_name(c->type); break;
	case F_IMAGE_REPOSITORY: v = c->imagerepo; break;
	case F_IMAGE_TAG: v = c->imagetag; break;
	case F_IMAGE_DIGEST: v = c->imagedigest; break;
	case F_IP: v = c->ip; break;
	case F_CNI_JSON: case F_K8S_POD_CNI_JSON: v = c->cni_json; break;
	case F_K8S_POD_IP: v = c->ip; break;
	case F_LABEL: v = label_or_null(c, f->arg_key); break;
	case F_K8S_POD_NAME: v = ctr_info_label(c, "io.kubernetes.pod.name"); break;
	case F_K8S_NS_NAME: v = ctr_info_label(c, "io.kubernetes.pod.namespace"); break;
	case F_K8S_POD_ID: case F_K8S_POD_UID: v = ctr_info_label(c, "io.kubernetes.pod.uid"); break;
	case F_K8S_POD_FULL_SANDBOX_ID: v = c->pod_sandbox_id; break;
	case F_K8S_POD_SANDBOX_ID: {
		size_t len = 0;
		char sid[CTR_SHORT_ID_LEN + 1];
		snprintf(sid, sizeof(sid), "%s", c->pod_sandbox_id);
		if (buf_add(r, &len, sid))
			return -ENOMEM;
		return 0;
	}
	case F_K8S_POD_LABEL: v = label_or_null(pod_of(p, c), f->arg_key); break;
	case F_LABELS: return labels_text(r, c, true);
	case F_K8S_POD_LABELS: return labels_text(r, pod_of(p, c), false);
	case F_MOUNTS: return mounts_text(r, c);
	case F_MOUNT: case F_MOUNT_SOURCE: case F_MOUNT_DEST: case F_MOUNT_MODE: case F_MOUNT_RDWR:
	case F_MOUNT_PROPAGATION:
		return mount_field(r, c, f);
	default: return 1;
	}
	if (!v)
		return 1;
	r->str = v;
	return 0;
}

struct thread_view {
	bool found;
	char id[CTR_ID_MAX + 1];
	uint64_t pidns_start;
};

static void read_thread(struct ctr_plugin *p, const ss_plugin_field_extract_input *in, int64_t tid,
                        struct thread_view *t)
{
	ss_plugin_table_reader_vtable_ext *r = in->table_reader_ext;
	ss_plugin_state_data key = {.s64 = tid}, v = {0};
	ss_plugin_table_entry_t *e = r ? r->get_table_entry(p->threads, &key) : NULL;
	if (!e)
		return;
	t->found = true;
	if (r->read_entry_field(p->threads, e, p->f_container_id, &v) == SS_PLUGIN_SUCCESS && v.str) {
		/* every extraction comes here: a bounded copy, not snprintf */
		size_t n = strnlen(v.str, sizeof(t->id) - 1);
		memcpy(t->id, v.str, n);
		t->id[n] = '\0';
	}
	v.u64 = 0;
	if (p->f_pidns_start && r->read_entry_field(p->threads, e, p->f_pidns_start, &v) == SS_PLUGIN_SUCCESS)
		t->pidns_start = v.u64;
	r->release_table_entry(p->threads, e);
}

/* The container an event is about: the one a `container` event of ours
 * just announced, else the one of the event's thread. */
static const struct ctr_info *event_container(struct ctr_plugin *p, const ss_plugin_event_input *ei,
                                              const ss_plugin_field_extract_input *in, struct thread_view *t)
{
	uint16_t type = ei->evt->type;
	if ((type == PLUGIN_EVT_ASYNCEVENT || type == 272 || type == 324) && p->last_async &&
	    p->last_async_num == ei->evtnum)
		return p->last_async;
	read_thread(p, in, (int64_t)ei->evt->tid, t);
	if (!t->found)
		return NULL;
	if (!t->id[0])
		return &p->host;
	return ctr_map_get(&p->known, t->id);
}

static int one_field(struct ctr_plugin *p, const ss_plugin_event_input *ei, const struct ctr_info *c,
                     const struct thread_view *t, ss_plugin_extract_field *f, struct ctr_result *r)
{
	switch (f->field_id) {
	case F_START_TS: case F_DURATION:
		if (!t->pidns_start)
			return 1;
		r->u64 = f->field_id == F_START_TS ? t->pidns_start : ei->evt->ts - t->pidns_start;
		f->res.u64 = &r->u64;
		return 0;
	case F_IS_HEALTHCHECK: case F_IS_LIVENESS_PROBE: case F_IS_READINESS_PROBE:
		r->b = 0;
		f->res.boolean = &r->b;
		return 0;
	case F_ID:
		if (!c && t->id[0]) { /* known id, metadata not yet */
			size_t len = 0;
			if (buf_add(r, &len, t->id))
				return -ENOMEM;
			r->str = r->buf;
			f->res.str = &r->str;
			return 0;
		}
		break;
	default:
		break;
	}
	if (!c)
		return 1;
	switch (f->field_id) {
	case F_PRIVILEGED: r->b = c->privileged; break;
	case F_HOST_PID: r->b = c->host_pid; break;
	case F_HOST_NETWORK: r->b = c->host_network; break;
	case F_HOST_IPC: r->b = c->host_ipc; break;
	default: {
		r->str = NULL;
		int rc = string_field(p, r, c, f);
		if (rc)
			return rc;
		if (!r->str)
			r->str = r->buf;
		f->res.str = &r->str;
		return 0;
	}
	}
	f->res.boolean = &r->b;
	return 0;
}

ss_plugin_rc ctr_extract(struct ctr_plugin *p, const ss_plugin_event_input *ei, const ss_plugin_field_extract_input *in)
{
	if (reserve(p, in->num_fields) < 0) {
		snprintf(p->err, sizeof(p->err), "out of memory");
		return SS_PLUGIN_FAILURE;
	}
	struct thread_view t = {0};
	const struct ctr_info *c = event_container(p, ei, in, &t);
	for (uint32_t i = 0; i < in->num_fields; i++) {
		ss_plugin_extract_field *f = &in->fields[i];
		f->res_len = 0;
		if (f->field_id >= F_COUNT)
			continue;
		int rc = one_field(p, ei, c, &t, f, &p->res[i]);
		if (rc < 0) {
			snprintf(p->err, sizeof(p->err), "out of memory");
			return SS_PLUGIN_FAILURE;
		}
		f->res_len = rc == 0;
	}
	return SS_PLUGIN_SUCCESS;
}
