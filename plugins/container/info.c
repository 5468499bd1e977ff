/*
 * Container metadata: parsing runtime inspect answers and the async event
 * JSON, with cJSON.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "info.h"

void ctr_info_clear(struct ctr_info *c)
{
	if (!c)
		return;
	char **strs[] = {&c->id, &c->full_id, &c->name, &c->image, &c->imageid, &c->imagerepo,
	                 &c->imagetag, &c->imagedigest, &c->ip, &c->user, &c->pod_sandbox_id, &c->cni_json};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	for (size_t i = 0; i < c->nmounts; i++) {
		free(c->mounts[i].source);
		free(c->mounts[i].dest);
		free(c->mounts[i].mode);
		free(c->mounts[i].propagation);
	}
	free(c->mounts);
	for (size_t i = 0; i < c->nlabels; i++) {
		free(c->labels[i].key);
		free(c->labels[i].value);
	}
	free(c->labels);
	memset(c, 0, sizeof(*c));
}

void ctr_info_free(struct ctr_info *c)
{
	ctr_info_clear(c);
	free(c);
}

int ctr_image_split(const char *image, char **repo, char **tag)
{
	size_t n = strcspn(image, "@");
	const char *slash = NULL, *colon = NULL;
	for (size_t i = 0; i < n; i++) {
		if (image[i] == '/')
			slash = image + i;
		else if (image[i] == ':')
			colon = image + i;
	}
	if (colon && slash && colon < slash)
		colon = NULL;
	size_t rlen = colon ? (size_t)(colon - image) : n;
	*repo = strndup(image, rlen);
	*tag = colon ? strndup(colon + 1, n - rlen - 1) : strdup("");
	if (!*repo || !*tag) {
		free(*repo);
		free(*tag);
		*repo = *tag = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* ---- small cJSON readers ---- */

static const cJSON *obj(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsObject(v) ? v : NULL;
}

static const char *str_or(const cJSON *o, const char *k, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) && v->valuestring ? v->valuestring : dflt;
}

static bool bool_of(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static int64_t num_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static int set(char **dst, const char *s)
{
	free(*dst);
	*dst = strdup(s ? s : "");
	return *dst ? 0 : -ENOMEM;
}

/* Leaves no string NULL. */
static int fill_empty(struct ctr_info *c)
{
	char **strs[] = {&c->id, &c->full_id, &c->name, &c->image, &c->imageid, &c->imagerepo,
	                 &c->imagetag, &c->imagedigest, &c->ip, &c->user, &c->pod_sandbox_id, &c->cni_json};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (!*strs[i] && set(strs[i], "") < 0)
			return -ENOMEM;
	return 0;
}

static int label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ctr_label *)a)->key, ((const struct ctr_label *)b)->key);
}

static int read_labels(struct ctr_info *c, const cJSON *labels, size_t max_len)
{
	if (!cJSON_IsObject(labels))
		return 0;
	size_t n = (size_t)cJSON_GetArraySize(labels);
	c->labels = calloc(n ? n : 1, sizeof(*c->labels));
	if (!c->labels)
		return -ENOMEM;
	const cJSON *l;
	cJSON_ArrayForEach(l, labels)
	{
		if (!cJSON_IsString(l) || !l->string || (max_len && strlen(l->valuestring) > max_len))
			continue;
		struct ctr_label *d = &c->labels[c->nlabels];
		d->key = strdup(l->string);
		d->value = strdup(l->valuestring);
		c->nlabels++;
		if (!d->key || !d->value)
			return -ENOMEM;
	}
	qsort(c->labels, c->nlabels, sizeof(*c->labels), label_cmp);
	return 0;
}

static int read_mounts(struct ctr_info *c, const cJSON *mounts)
{
	if (!cJSON_IsArray(mounts))
		return 0;
	size_t n = (size_t)cJSON_GetArraySize(mounts);
	c->mounts = calloc(n ? n : 1, sizeof(*c->mounts));
	if (!c->mounts)
		return -ENOMEM;
	const cJSON *m;
	cJSON_ArrayForEach(m, mounts)
	{
		if (!cJSON_IsObject(m))
			continue;
		struct ctr_mount *d = &c->mounts[c->nmounts++];
		d->source = strdup(str_or(m, "Source", ""));
		d->dest = strdup(str_or(m, "Destination", ""));
		d->mode = strdup(str_or(m, "Mode", ""));
		d->propagation = strdup(str_or(m, "Propagation", ""));
		d->rw = bool_of(m, "RW");
		if (!d->source || !d->dest || !d->mode || !d->propagation)
			return -ENOMEM;
	}
	return 0;
}

/* RFC 3339 ("2026-11-22T03:01:02.5+01:00", "...Z") -> epoch seconds. */
static int64_t parse_rfc3339(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return 0;
	int64_t t = (int64_t)timegm(&tm);
	while (*p == '.' || (*p >= '0' && *p <= '9'))
		p++;
	int hh, mm;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &hh, &mm) == 2)
		t -= (*p == '+' ? 1 : -1) * (int64_t)(hh * 3600 + mm * 60);
	return t;
}

static int from_inspect(struct ctr_info *c, const cJSON *root, int type, size_t label_max_len)
{
	const cJSON *cfg = obj(root, "Config"), *host = obj(root, "HostConfig"), *net = obj(root, "NetworkSettings");
	const char *full = str_or(root, "Id", "");
	const char *name = str_or(root, "Name", "");
	if (name[0] == '/')
		name++;
	/* libpod gives ImageName (the reference) and Image (the id); docker
	 * gives Config.Image (the reference) and Image ("sha256:<id>"). */
	const char *image = str_or(root, "ImageName", str_or(cfg, "Image", ""));
	const char *imageid = str_or(root, "Image", "");
	if (strncmp(imageid, "sha256:", 7) == 0)
		imageid += 7;
	char shortid[CTR_SHORT_ID_LEN + 1];
	snprintf(shortid, sizeof(shortid), "%s", full);
	c->type = type;
	if (set(&c->id, shortid) || set(&c->full_id, full) || set(&c->name, name) || set(&c->image, image) ||
	    set(&c->imageid, imageid) || set(&c->imagedigest, str_or(root, "ImageDigest", "")) ||
	    set(&c->user, str_or(cfg, "User", "")) || set(&c->ip, str_or(net, "IPAddress", "")) ||
	    ctr_image_split(image, &c->imagerepo, &c->imagetag))
		return -ENOMEM;
	c->privileged = bool_of(host, "Privileged");
	c->host_pid = strcmp(str_or(host, "PidMode", ""), "host") == 0;
	c->host_network = strcmp(str_or(host, "NetworkMode", ""), "host") == 0;
	c->host_ipc = strcmp(str_or(host, "IpcMode", ""), "host") == 0;
	c->is_pod_sandbox = strstr(name, "k8s_POD") != NULL;
	c->created_time = parse_rfc3339(str_or(root, "Created", ""));
	if (read_labels(c, cJSON_GetObjectItemCaseSensitive(cfg, "Labels"), label_max_len) ||
	    read_mounts(c, cJSON_GetObjectItemCaseSensitive(root, "Mounts")))
		return -ENOMEM;
	const char *sandbox = ctr_info_label(c, "io.kubernetes.sandbox.id");
	return set(&c->pod_sandbox_id, sandbox ? sandbox : "") ? -ENOMEM : fill_empty(c);
}

int ctr_info_from_inspect(struct ctr_info *c, const char *json, size_t len, int type, size_t label_max_len,
                          char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	if (!cJSON_IsObject(root) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "Id"))) {
		snprintf(err, errlen, "runtime answer is not a container inspect object (%zu bytes)", len);
		cJSON_Delete(root);
		return -EINVAL;
	}
	int rc = from_inspect(c, root, type, label_max_len);
	cJSON_Delete(root);
	if (rc < 0) {
		ctr_info_clear(c);
		snprintf(err, errlen, "out of memory");
	}
	return rc;
}

/* ---- the async event payload ---- */

static bool add_strings(cJSON *o, const struct ctr_info *c)
{
	const struct { const char *k; const char *v; } s[] = {
		{"id", c->id}, {"full_id", c->full_id}, {"name", c->name}, {"image", c->image},
		{"imageid", c->imageid}, {"imagerepo", c->imagerepo}, {"imagetag", c->imagetag},
		{"imagedigest", c->imagedigest}, {"ip", c->ip}, {"User", c->user},
		{"pod_sandbox_id", c->pod_sandbox_id}, {"cni_json", c->cni_json},
	};
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (!cJSON_AddStringToObject(o, s[i].k, s[i].v ? s[i].v : ""))
			return false;
	return true;
}

static bool add_rest(cJSON *o, const struct ctr_info *c)
{
	if (!cJSON_AddNumberToObject(o, "type", c->type) || !cJSON_AddBoolToObject(o, "privileged", c->privileged) ||
	    !cJSON_AddBoolToObject(o, "host_pid", c->host_pid) ||
	    !cJSON_AddBoolToObject(o, "host_network", c->host_network) ||
	    !cJSON_AddBoolToObject(o, "host_ipc", c->host_ipc) ||
	    !cJSON_AddBoolToObject(o, "is_pod_sandbox", c->is_pod_sandbox) ||
	    !cJSON_AddNumberToObject(o, "created_time", (double)c->created_time) ||
	    !cJSON_AddNumberToObject(o, "lookup_state", 1))
		return false;
	cJSON *labels = cJSON_AddObjectToObject(o, "labels");
	cJSON *mounts = cJSON_AddArrayToObject(o, "Mounts");
	if (!labels || !mounts)
		return false;
	for (size_t i = 0; i < c->nlabels; i++)
		if (!cJSON_AddStringToObject(labels, c->labels[i].key, c->labels[i].value))
			return false;
	for (size_t i = 0; i < c->nmounts; i++) {
		cJSON *m = cJSON_CreateObject();
		if (!m || !cJSON_AddItemToArray(mounts, m))
			return cJSON_Delete(m), false;
		const struct ctr_mount *d = &c->mounts[i];
		if (!cJSON_AddStringToObject(m, "Source", d->source) ||
		    !cJSON_AddStringToObject(m, "Destination", d->dest) || !cJSON_AddStringToObject(m, "Mode", d->mode) ||
		    !cJSON_AddBoolToObject(m, "RW", d->rw) || !cJSON_AddStringToObject(m, "Propagation", d->propagation))
			return false;
	}
	return true;
}

char *ctr_info_to_json(const struct ctr_info *c)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *o = root ? cJSON_AddObjectToObject(root, "container") : NULL;
	char *text = NULL;
	if (o && add_strings(o, c) && add_rest(o, c))
		text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return text;
}

static int from_event(struct ctr_info *c, const cJSON *o)
{
	const struct { const char *k; char **dst; } s[] = {
		{"id", &c->id}, {"full_id", &c->full_id}, {"name", &c->name}, {"image", &c->image},
		{"imageid", &c->imageid}, {"imagerepo", &c->imagerepo}, {"imagetag", &c->imagetag},
		{"imagedigest", &c->imagedigest}, {"ip", &c->ip}, {"User", &c->user},
		{"pod_sandbox_id", &c->pod_sandbox_id}, {"cni_json", &c->cni_json},
	};
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (set(s[i].dst, str_or(o, s[i].k, "")))
			return -ENOMEM;
	c->type = (int)num_of(o, "type");
	c->privileged = bool_of(o, "privileged");
	c->host_pid = bool_of(o, "host_pid");
	c->host_network = bool_of(o, "host_network");
	c->host_ipc = bool_of(o, "host_ipc");
	c->is_pod_sandbox = bool_of(o, "is_pod_sandbox");
	c->created_time = num_of(o, "created_time");
	if (read_labels(c, cJSON_GetObjectItemCaseSensitive(o, "labels"), 0) ||
	    read_mounts(c, cJSON_GetObjectItemCaseSensitive(o, "Mounts")))
		return -ENOMEM;
	return 0;
}

int ctr_info_from_json(struct ctr_info *c, const char *json, size_t len, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *o = obj(root, "container");
	if (!o || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "id"))) {
		snprintf(err, errlen, "container event payload is not {\"container\": {\"id\": ...}} (%zu bytes)", len);
		cJSON_Delete(root);
		return -EINVAL;
	}
	int rc = from_event(c, o);
	cJSON_Delete(root);
	if (rc < 0) {
		ctr_info_clear(c);
		snprintf(err, errlen, "out of memory");
	}
	return rc;
}

const char *ctr_info_label(const struct ctr_info *c, const char *key)
{
	struct ctr_label k = {.key = (char *)key};
	const struct ctr_label *l = c->nlabels ? bsearch(&k, c->labels, c->nlabels, sizeof(k), label_cmp) : NULL;
	return l ? l->value : NULL;
}
