/*
 * CRI over gRPC: unary calls with the gRPC C core on an insecure unix
 * channel, messages packed and unpacked with protobuf-c (cri.pb-c.h is
 * generated from our cri.proto at build time), and the mapping of
 * ContainerStatus / PodSandboxStatus into struct ctr_info, following what
 * upstream's container plugin reports for CRI runtimes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cjson/cJSON.h>
#include <errno.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "cri.h"
#include "cri.pb-c.h"
#include "info.h"

#define CRI_PATH "/runtime.v1.RuntimeService/"
#define MAX_CNI_JSON 4096 /* upstream's cap on the CNI result text */
#define MAX_ANSWER (16u << 20)

/* gRPC starts its threads at grpc_init: only once a socket is there to
 * ask (most hosts have none of the default CRI sockets). Per thread. */
static __thread bool grpc_started;

static void start_grpc(void)
{
	if (!grpc_started) {
		gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
		grpc_init();
		grpc_started = true;
	}
}

void ctr_cri_init(void)
{
	grpc_started = false;
}

void ctr_cri_fini(void)
{
	if (grpc_started)
		grpc_shutdown();
	grpc_started = false;
}

/* ---- one unary call ---- */

static int status_errno(grpc_status_code s)
{
	switch (s) {
	case GRPC_STATUS_NOT_FOUND: return -ENOENT;
	case GRPC_STATUS_DEADLINE_EXCEEDED: return -ETIMEDOUT;
	case GRPC_STATUS_UNAVAILABLE: return -ECONNREFUSED;
	case GRPC_STATUS_UNIMPLEMENTED: return -ENOSYS;
	default: return -EIO;
	}
}

/* Copies a byte buffer into one malloc'd block. */
static int take_answer(grpc_byte_buffer *bb, uint8_t **out, size_t *len)
{
	grpc_byte_buffer_reader r;
	if (!grpc_byte_buffer_reader_init(&r, bb))
		return -EPROTO;
	grpc_slice s = grpc_byte_buffer_reader_readall(&r);
	grpc_byte_buffer_reader_destroy(&r);
	size_t n = GRPC_SLICE_LENGTH(s);
	int rc = 0;
	*out = n <= MAX_ANSWER ? malloc(n ? n : 1) : NULL;
	if (*out) {
		memcpy(*out, GRPC_SLICE_START_PTR(s), n);
		*len = n;
	} else {
		rc = n > MAX_ANSWER ? -E2BIG : -ENOMEM;
	}
	grpc_slice_unref(s);
	return rc;
}

/* Waits for the batch's completion: the call's deadline bounds it (gRPC
 * ends a call at its deadline whatever the peer does). */
static void wait_batch(grpc_completion_queue *cq, void *tag)
{
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if ((ev.type == GRPC_OP_COMPLETE && ev.tag == tag) || ev.type == GRPC_QUEUE_SHUTDOWN)
			return;
	}
}

/* A queue is destroyed once shut down and drained. */
static void destroy_queue(grpc_completion_queue *cq)
{
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type != GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
}

/*
 * Calls RuntimeService/`method` with `req`; on success *out (malloc'd,
 * caller frees) holds the serialized answer. Negative errno otherwise
 * (-ENOENT: gRPC NOT_FOUND), with the gRPC status text in err.
 */
static int cri_call(grpc_channel *ch, const char *method, const ProtobufCMessage *req, gpr_timespec deadline,
                    uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	char path[96];
	snprintf(path, sizeof(path), CRI_PATH "%s", method);
	size_t n = protobuf_c_message_get_packed_size(req);
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	protobuf_c_message_pack(req, buf);
	grpc_slice body = grpc_slice_from_copied_buffer((const char *)buf, n);
	free(buf);
	grpc_byte_buffer *send = grpc_raw_byte_buffer_create(&body, 1);
	grpc_slice_unref(body);

	grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
	grpc_slice mslice = grpc_slice_from_copied_string(path);
	grpc_call *call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, mslice, NULL, deadline, NULL);
	grpc_slice_unref(mslice);

	grpc_metadata_array initial, trailing;
	grpc_metadata_array_init(&initial);
	grpc_metadata_array_init(&trailing);
	grpc_byte_buffer *recv = NULL;
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	grpc_op ops[6];
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = send;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &recv;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &trailing;
	ops[5].data.recv_status_on_client.status = &status;
	ops[5].data.recv_status_on_client.status_details = &details;
	int tag = 0;
	grpc_call_error ce = call ? grpc_call_start_batch(call, ops, 6, &tag, NULL) : GRPC_CALL_ERROR;
	int rc;
	if (ce != GRPC_CALL_OK) {
		snprintf(err, errlen, "%s: cannot start the call (%d)", method, (int)ce);
		rc = -EIO;
	} else {
		wait_batch(cq, &tag);
		if (status != GRPC_STATUS_OK) {
			snprintf(err, errlen, "%s: gRPC status %d: %.*s", method, (int)status,
			         (int)GRPC_SLICE_LENGTH(details), (const char *)GRPC_SLICE_START_PTR(details));
			rc = status_errno(status);
		} else if (!recv) {
			snprintf(err, errlen, "%s: no answer message", method);
			rc = -EPROTO;
		} else {
			rc = take_answer(recv, out, outlen);
			if (rc < 0)
				snprintf(err, errlen, "%s: answer: %s", method, strerror(-rc));
		}
	}
	if (recv)
		grpc_byte_buffer_destroy(recv);
	grpc_byte_buffer_destroy(send);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&initial);
	grpc_metadata_array_destroy(&trailing);
	if (call)
		grpc_call_unref(call);
	destroy_queue(cq);
	return rc;
}

/* ---- building ctr_info ---- */

static int dup_to(char **dst, const char *s)
{
	free(*dst);
	*dst = strdup(s ? s : "");
	return *dst ? 0 : -ENOMEM;
}

/* Linear: labels are sorted (for ctr_info_label's bsearch) only once
 * filled. */
static bool has_label(const struct ctr_info *c, const char *key)
{
	for (size_t i = 0; i < c->nlabels; i++)
		if (strcmp(c->labels[i].key, key) == 0)
			return true;
	return false;
}

/* Sets label `key` (replacing an existing one). */
static int put_label(struct ctr_info *c, const char *key, const char *value)
{
	for (size_t i = 0; i < c->nlabels; i++)
		if (strcmp(c->labels[i].key, key) == 0)
			return dup_to(&c->labels[i].value, value);
	struct ctr_label *nl = realloc(c->labels, (c->nlabels + 1) * sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	c->labels = nl;
	struct ctr_label *l = &c->labels[c->nlabels];
	l->key = strdup(key);
	l->value = strdup(value ? value : "");
	c->nlabels++;
	return l->key && l->value ? 0 : -ENOMEM;
}

/* The CRI's map<string,string> entries all have this shape. */
struct kv {
	ProtobufCMessage base;
	char *key, *value;
};

static int put_labels(struct ctr_info *c, void **entries, size_t n, size_t max_len, bool only_new)
{
	for (size_t i = 0; i < n; i++) {
		const struct kv *e = entries[i];
		if (!e->key || !e->value || (max_len && strlen(e->value) > max_len))
			continue;
		if (only_new && has_label(c, e->key))
			continue;
		if (put_label(c, e->key, e->value))
			return -ENOMEM;
	}
	return 0;
}

static int label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ctr_label *)a)->key, ((const struct ctr_label *)b)->key);
}

/* ctr_info_label bsearches: labels stay sorted after every batch of puts. */
static void sort_labels(struct ctr_info *c)
{
	if (c->nlabels)
		qsort(c->labels, c->nlabels, sizeof(*c->labels), label_cmp);
}

static int fill_empty(struct ctr_info *c)
{
	char **strs[] = {&c->id, &c->full_id, &c->name, &c->image, &c->imageid, &c->imagerepo,
	                 &c->imagetag, &c->imagedigest, &c->ip, &c->user, &c->pod_sandbox_id, &c->cni_json};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (!*strs[i] && !(*strs[i] = strdup("")))
			return -ENOMEM;
	return 0;
}

static const char *map_get(void **entries, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		const struct kv *e = entries[i];
		if (e->key && strcmp(e->key, key) == 0)
			return e->value;
	}
	return NULL;
}

/* A JSON object at `path` (NULL-terminated keys) under `o`, or NULL. */
static const cJSON *json_at(const cJSON *o, const char *const *path)
{
	for (; o && *path; path++)
		o = cJSON_GetObjectItemCaseSensitive(o, *path);
	return o;
}

static void set_short_id(char *dst, const char *full)
{
	snprintf(dst, CTR_SHORT_ID_LEN + 1, "%s", full ? full : "");
}

/* Upstream's order for `privileged`: the OCI spec's (as the runtime keeps
 * it), the CRI config's, then a top-level "privileged" (cri-o). */
static bool info_privileged(const cJSON *info)
{
	static const char *const spec[] = {"runtimeSpec", "linux", "security_context", "privileged", NULL};
	static const char *const cfg[] = {"config", "linux", "security_context", "privileged", NULL};
	static const char *const top[] = {"privileged", NULL};
	const char *const *paths[] = {spec, cfg, top};
	for (int i = 0; i < 3; i++) {
		const cJSON *v = json_at(info, paths[i]);
		if (cJSON_IsBool(v))
			return cJSON_IsTrue(v);
	}
	return false;
}

static const char *info_annotation(const cJSON *info, const char *key)
{
	const char *const path[] = {"runtimeSpec", "annotations", key, NULL};
	const cJSON *v = json_at(info, path);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * image, imagerepo, imagetag, imagedigest, imageid as upstream derives
 * them: image_ref "repo@sha256:..." gives the repository and the digest
 * (the tag then comes from the image spec), a bare "sha256:..." only the
 * digest; an image spec that is empty or an id gives way to the runtime's
 * image-name annotations; the id is the hex of the verbose config's
 * image.image when that is "sha256:<hex>", else the status's image_id.
 */
static int map_image(struct ctr_info *c, const Runtime__V1__ContainerStatus *st, const cJSON *info)
{
	const char *spec = st->image && st->image->image ? st->image->image : "";
	const char *ref = st->image_ref ? st->image_ref : "";
	char *name = strdup(spec);
	bool tag_from_spec = false;
	if (!name || dup_to(&c->imagedigest, ""))
		return free(name), -ENOMEM;
	const char *d = strstr(ref, "sha256:");
	if (d == ref) {
		if (dup_to(&c->imagedigest, ref))
			return free(name), -ENOMEM;
	} else if (d && d[-1] == '@') {
		free(name);
		name = strndup(ref, (size_t)(d - 1 - ref));
		tag_from_spec = true;
		if (!name || dup_to(&c->imagedigest, d))
			return free(name), -ENOMEM;
	}
	if (!name[0] || strncmp(name, "sha256", 6) == 0) {
		const char *keys[] = {"io.kubernetes.cri.image-name", "io.kubernetes.cri-o.Image",
		                      "io.kubernetes.cri-o.ImageName"};
		for (int i = 0; i < 3; i++) {
			const char *a = info_annotation(info, keys[i]);
			if (a) {
				free(name);
				if (!(name = strdup(a)))
					return -ENOMEM;
				tag_from_spec = false;
				break;
			}
		}
	}
	int rc = ctr_image_split(name, &c->imagerepo, &c->imagetag);
	if (rc == 0 && tag_from_spec) {
		char *srepo = NULL, *stag = NULL;
		rc = ctr_image_split(spec, &srepo, &stag);
		if (rc == 0 && stag[0]) {
			char *full = NULL;
			if (asprintf(&full, "%s:%s", name, stag) < 0) {
				rc = -ENOMEM;
			} else {
				free(name);
				name = full;
				free(c->imagetag);
				c->imagetag = stag;
				stag = NULL;
			}
		}
		free(srepo);
		free(stag);
	}
	if (rc < 0 || !name)
		return free(name), -ENOMEM;
	c->image = name;
	static const char *const cfg_image[] = {"config", "image", "image", NULL};
	const cJSON *ci = json_at(info, cfg_image);
	char *irepo = NULL, *itag = NULL;
	/* ours: only an id there ("sha256:<hex>", what a kubelet passes);
	 * upstream would take the tag of a reference given there instead */
	if (cJSON_IsString(ci) && strncmp(ci->valuestring, "sha256:", 7) == 0 &&
	    ctr_image_split(ci->valuestring, &irepo, &itag))
		return -ENOMEM;
	rc = dup_to(&c->imageid, itag && itag[0] ? itag : st->image_id);
	free(irepo);
	free(itag);
	return rc;
}

static const char *propagation_name(Runtime__V1__MountPropagation p)
{
	switch (p) {
	case RUNTIME__V1__MOUNT_PROPAGATION__PROPAGATION_PRIVATE: return "private";
	case RUNTIME__V1__MOUNT_PROPAGATION__PROPAGATION_HOST_TO_CONTAINER: return "rslave";
	case RUNTIME__V1__MOUNT_PROPAGATION__PROPAGATION_BIDIRECTIONAL: return "rshared";
	default: return "unknown";
	}
}

static int map_mounts(struct ctr_info *c, const Runtime__V1__ContainerStatus *st)
{
	c->mounts = calloc(st->n_mounts ? st->n_mounts : 1, sizeof(*c->mounts));
	if (!c->mounts)
		return -ENOMEM;
	for (size_t i = 0; i < st->n_mounts; i++) {
		const Runtime__V1__Mount *m = st->mounts[i];
		struct ctr_mount *d = &c->mounts[c->nmounts++];
		d->source = strdup(m->host_path ? m->host_path : "");
		d->dest = strdup(m->container_path ? m->container_path : "");
		d->mode = strdup("");
		d->propagation = strdup(propagation_name(m->propagation));
		d->rw = !m->readonly;
		if (!d->source || !d->dest || !d->mode || !d->propagation)
			return -ENOMEM;
	}
	return 0;
}

/*
 * The pod's CNI result text: containerd's verbose sandbox info has a
 * "cniResult" object (its interfaces keyed by name; loopback left out),
 * cri-o's keeps the result in a runtime spec annotation. Cut at 4096 bytes
 * as upstream does.
 */
static int map_cni(struct ctr_info *c, const cJSON *pinfo)
{
	char *text = NULL;
	cJSON *res = pinfo ? cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(pinfo, "cniResult"), true) : NULL;
	if (cJSON_IsObject(res)) {
		cJSON *ifs = cJSON_GetObjectItem(res, "Interfaces");
		if (cJSON_IsObject(ifs))
			cJSON_DeleteItemFromObjectCaseSensitive(ifs, "lo");
		text = cJSON_PrintUnformatted(res);
		if (!text)
			return cJSON_Delete(res), -ENOMEM;
	} else {
		const char *a = pinfo ? info_annotation(pinfo, "io.kubernetes.cri-o.CNIResult") : NULL;
		if (a && !(text = strdup(a)))
			return cJSON_Delete(res), -ENOMEM;
	}
	cJSON_Delete(res);
	if (text && strlen(text) > MAX_CNI_JSON)
		text[MAX_CNI_JSON] = '\0';
	free(c->cni_json);
	c->cni_json = text;
	return 0;
}

/* The verbose "info" entry of a status answer, parsed (NULL if none). */
static cJSON *parse_info(void **entries, size_t n)
{
	const char *s = map_get(entries, n, "info");
	return s ? cJSON_Parse(s) : NULL;
}

/* What containers and their sandbox share: the pod's namespaces, ip, CNI. */
static int map_pod_common(struct ctr_info *c, const Runtime__V1__PodSandboxStatus *ps, const cJSON *pinfo)
{
	const Runtime__V1__NamespaceOption *o =
		ps->linux && ps->linux->namespaces ? ps->linux->namespaces->options : NULL;
	if (o) {
		c->host_network = o->network == RUNTIME__V1__NAMESPACE_MODE__NODE;
		c->host_pid = o->pid == RUNTIME__V1__NAMESPACE_MODE__NODE;
		c->host_ipc = o->ipc == RUNTIME__V1__NAMESPACE_MODE__NODE;
	}
	if (dup_to(&c->ip, ps->network && ps->network->ip ? ps->network->ip : ""))
		return -ENOMEM;
	return map_cni(c, pinfo);
}

/* io.kubernetes.pod.{uid,name,namespace} from the sandbox's metadata. */
static int put_pod_labels(struct ctr_info *c, const Runtime__V1__PodSandboxStatus *ps, bool only_new)
{
	const Runtime__V1__PodSandboxMetadata *m = ps->metadata;
	if (!m)
		return 0;
	const char *kv[][2] = {{"io.kubernetes.pod.uid", m->uid}, {"io.kubernetes.pod.name", m->name},
	                       {"io.kubernetes.pod.namespace", m->namespace_}};
	for (int i = 0; i < 3; i++)
		if (!(only_new && has_label(c, kv[i][0])) && put_label(c, kv[i][0], kv[i][1]))
			return -ENOMEM;
	return 0;
}

static int map_container(struct ctr_info *c, const Runtime__V1__ContainerStatusResponse *r,
                         const Runtime__V1__PodSandboxStatusResponse *pr, int type, size_t label_max_len)
{
	const Runtime__V1__ContainerStatus *st = r->status;
	const Runtime__V1__PodSandboxStatus *ps = pr ? pr->status : NULL;
	cJSON *info = parse_info((void **)r->info, r->n_info);
	cJSON *pinfo = pr ? parse_info((void **)pr->info, pr->n_info) : NULL;
	char shortid[CTR_SHORT_ID_LEN + 1], user[32];
	set_short_id(shortid, st->id);
	long long uid = st->user && st->user->linux ? (long long)st->user->linux->uid : 0;
	snprintf(user, sizeof(user), "%lld", uid);
	const char *sandbox = ps && ps->id ? ps->id : st->id;
	c->type = type;
	c->created_time = st->created_at / 1000000000;
	c->privileged = info_privileged(info);
	int rc = -ENOMEM;
	if (dup_to(&c->id, shortid) || dup_to(&c->full_id, st->id) ||
	    dup_to(&c->name, st->metadata ? st->metadata->name : "") || dup_to(&c->user, user) ||
	    dup_to(&c->pod_sandbox_id, sandbox) || map_image(c, st, info) || map_mounts(c, st) ||
	    put_labels(c, (void **)st->labels, st->n_labels, label_max_len, false) ||
	    put_label(c, "io.kubernetes.sandbox.id", sandbox) || (ps && put_pod_labels(c, ps, false)) ||
	    (ps && map_pod_common(c, ps, pinfo)))
		goto out;
	sort_labels(c);
	rc = fill_empty(c);
out:
	cJSON_Delete(info);
	cJSON_Delete(pinfo);
	return rc;
}

static int map_sandbox(struct ctr_info *c, const Runtime__V1__PodSandboxStatusResponse *pr, int type,
                       size_t label_max_len)
{
	const Runtime__V1__PodSandboxStatus *ps = pr->status;
	cJSON *pinfo = parse_info((void **)pr->info, pr->n_info);
	char shortid[CTR_SHORT_ID_LEN + 1];
	set_short_id(shortid, ps->id);
	c->type = type;
	c->is_pod_sandbox = true;
	c->created_time = ps->created_at / 1000000000;
	int rc = -ENOMEM;
	if (dup_to(&c->id, shortid) || dup_to(&c->full_id, ps->id) ||
	    dup_to(&c->name, ps->metadata ? ps->metadata->name : "") || dup_to(&c->pod_sandbox_id, ps->id) ||
	    put_labels(c, (void **)ps->labels, ps->n_labels, label_max_len, false) ||
	    put_pod_labels(c, ps, true) || map_pod_common(c, ps, pinfo))
		goto out;
	sort_labels(c);
	rc = fill_empty(c);
out:
	cJSON_Delete(pinfo);
	return rc;
}

int ctr_cri_type(const char *runtime_name)
{
	if (runtime_name && strcmp(runtime_name, "containerd") == 0)
		return CTR_T_CONTAINERD;
	if (runtime_name && strcmp(runtime_name, "cri-o") == 0)
		return CTR_T_CRIO;
	return CTR_T_CRI;
}

int ctr_cri_container_info(struct ctr_info *c, const void *status, size_t len, const void *pod, size_t plen,
                           int type, size_t label_max_len, char *err, size_t errlen)
{
	Runtime__V1__ContainerStatusResponse *r = runtime__v1__container_status_response__unpack(NULL, len, status);
	Runtime__V1__PodSandboxStatusResponse *pr =
		pod ? runtime__v1__pod_sandbox_status_response__unpack(NULL, plen, pod) : NULL;
	int rc;
	if (!r || !r->status || !r->status->id || !r->status->id[0]) {
		snprintf(err, errlen, "ContainerStatus answer (%zu bytes) %s", len,
		         r ? "has no container status" : "does not decode");
		rc = -EINVAL;
	} else if (pod && (!pr || !pr->status)) {
		snprintf(err, errlen, "PodSandboxStatus answer (%zu bytes) %s", plen,
		         pr ? "has no sandbox status" : "does not decode");
		rc = -EINVAL;
	} else {
		rc = map_container(c, r, pr, type, label_max_len);
		if (rc < 0)
			snprintf(err, errlen, "out of memory");
	}
	if (rc < 0)
		ctr_info_clear(c);
	if (r)
		runtime__v1__container_status_response__free_unpacked(r, NULL);
	if (pr)
		runtime__v1__pod_sandbox_status_response__free_unpacked(pr, NULL);
	return rc;
}

int ctr_cri_sandbox_info(struct ctr_info *c, const void *pod, size_t plen, int type, size_t label_max_len,
                         char *err, size_t errlen)
{
	Runtime__V1__PodSandboxStatusResponse *pr = runtime__v1__pod_sandbox_status_response__unpack(NULL, plen, pod);
	int rc;
	if (!pr || !pr->status || !pr->status->id || !pr->status->id[0]) {
		snprintf(err, errlen, "PodSandboxStatus answer (%zu bytes) %s", plen,
		         pr ? "has no sandbox status" : "does not decode");
		rc = -EINVAL;
	} else {
		rc = map_sandbox(c, pr, type, label_max_len);
		if (rc < 0)
			snprintf(err, errlen, "out of memory");
	}
	if (rc < 0)
		ctr_info_clear(c);
	if (pr)
		runtime__v1__pod_sandbox_status_response__free_unpacked(pr, NULL);
	return rc;
}

/* ---- the lookup ---- */

struct answer {
	uint8_t *buf;
	size_t len;
};

static int runtime_type(grpc_channel *ch, gpr_timespec dl, int *type, char *err, size_t errlen)
{
	Runtime__V1__VersionRequest req = RUNTIME__V1__VERSION_REQUEST__INIT;
	req.version = "v1";
	struct answer a = {0};
	int rc = cri_call(ch, "Version", &req.base, dl, &a.buf, &a.len, err, errlen);
	if (rc < 0)
		return rc;
	Runtime__V1__VersionResponse *v = runtime__v1__version_response__unpack(NULL, a.len, a.buf);
	free(a.buf);
	if (!v) {
		snprintf(err, errlen, "Version answer does not decode");
		return -EPROTO;
	}
	*type = ctr_cri_type(v->runtime_name);
	runtime__v1__version_response__free_unpacked(v, NULL);
	return 0;
}

/* ListContainers filtered by `id`: the full id and sandbox id of the one
 * match (-ENOENT when none). */
static int find_container(grpc_channel *ch, gpr_timespec dl, const char *id, char **full, char **sandbox,
                          char *err, size_t errlen)
{
	Runtime__V1__ContainerFilter f = RUNTIME__V1__CONTAINER_FILTER__INIT;
	Runtime__V1__ListContainersRequest req = RUNTIME__V1__LIST_CONTAINERS_REQUEST__INIT;
	f.id = (char *)id;
	req.filter = &f;
	struct answer a = {0};
	int rc = cri_call(ch, "ListContainers", &req.base, dl, &a.buf, &a.len, err, errlen);
	if (rc < 0)
		return rc;
	Runtime__V1__ListContainersResponse *l = runtime__v1__list_containers_response__unpack(NULL, a.len, a.buf);
	free(a.buf);
	if (!l) {
		snprintf(err, errlen, "ListContainers answer does not decode");
		return -EPROTO;
	}
	rc = -ENOENT;
	snprintf(err, errlen, "no container %s", id);
	for (size_t i = 0; i < l->n_containers; i++) {
		const Runtime__V1__Container *k = l->containers[i];
		/* runtimes match the filter as an id prefix; keep to that */
		if (k->id && strncmp(k->id, id, strlen(id)) == 0) {
			*full = strdup(k->id);
			*sandbox = strdup(k->pod_sandbox_id ? k->pod_sandbox_id : "");
			rc = *full && *sandbox ? 0 : -ENOMEM;
			break;
		}
	}
	runtime__v1__list_containers_response__free_unpacked(l, NULL);
	return rc;
}

static int container_status(grpc_channel *ch, gpr_timespec dl, const char *id, struct answer *a, char *err,
                            size_t errlen)
{
	Runtime__V1__ContainerStatusRequest req = RUNTIME__V1__CONTAINER_STATUS_REQUEST__INIT;
	req.container_id = (char *)id;
	req.verbose = true;
	return cri_call(ch, "ContainerStatus", &req.base, dl, &a->buf, &a->len, err, errlen);
}

static int sandbox_status(grpc_channel *ch, gpr_timespec dl, const char *id, struct answer *a, char *err,
                          size_t errlen)
{
	Runtime__V1__PodSandboxStatusRequest req = RUNTIME__V1__POD_SANDBOX_STATUS_REQUEST__INIT;
	req.pod_sandbox_id = (char *)id;
	req.verbose = true;
	return cri_call(ch, "PodSandboxStatus", &req.base, dl, &a->buf, &a->len, err, errlen);
}

/* A container: its status, then its pod's (a pod that cannot be read
 * leaves the pod fields empty, as upstream). */
static int lookup_container(grpc_channel *ch, gpr_timespec dl, const char *full, const char *sid, int type,
                            size_t label_max_len, struct ctr_info *c, struct ctr_info *sandbox, char *err,
                            size_t errlen)
{
	struct answer cs = {0}, ps = {0};
	int rc = container_status(ch, dl, full, &cs, err, errlen);
	if (rc < 0)
		return rc;
	char perr[256];
	bool pod = sid[0] && sandbox_status(ch, dl, sid, &ps, perr, sizeof(perr)) == 0;
	rc = ctr_cri_container_info(c, cs.buf, cs.len, pod ? ps.buf : NULL, ps.len, type, label_max_len, err, errlen);
	if (rc == 0 && pod && ctr_cri_sandbox_info(sandbox, ps.buf, ps.len, type, label_max_len, perr, sizeof(perr)))
		memset(sandbox, 0, sizeof(*sandbox));
	free(cs.buf);
	free(ps.buf);
	return rc;
}

static int lookup_on(grpc_channel *ch, gpr_timespec dl, const char *id, size_t label_max_len, struct ctr_info *c,
                     struct ctr_info *sandbox, char *err, size_t errlen)
{
	int type;
	int rc = runtime_type(ch, dl, &type, err, errlen);
	if (rc < 0)
		return rc;
	char *full = NULL, *sid = NULL;
	rc = find_container(ch, dl, id, &full, &sid, err, errlen);
	if (rc == 0)
		rc = lookup_container(ch, dl, full, sid, type, label_max_len, c, sandbox, err, errlen);
	free(full);
	free(sid);
	if (rc != -ENOENT)
		return rc;
	/* not a container: maybe a pod sandbox (its pause process) */
	struct answer ps = {0};
	char serr[256];
	if (sandbox_status(ch, dl, id, &ps, serr, sizeof(serr)) < 0)
		return rc; /* the container's reason */
	rc = ctr_cri_sandbox_info(c, ps.buf, ps.len, type, label_max_len, err, errlen);
	free(ps.buf);
	return rc;
}

int ctr_cri_lookup(const char *sock, const char *id, int timeout_ms, size_t label_max_len, struct ctr_info *c,
                   struct ctr_info *sandbox, char *err, size_t errlen)
{
	struct stat sb;
	if (stat(sock, &sb) < 0 || !S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "%s: no unix socket there", sock);
		return -ENOENT;
	}
	if (!id[0] || strlen(id) > CTR_ID_MAX || strspn(id, "0123456789abcdefABCDEF") != strlen(id)) {
		snprintf(err, errlen, "bad CRI container id '%.80s'", id);
		return -EINVAL;
	}
	char target[256 + 8];
	if (snprintf(target, sizeof(target), "unix:%s", sock) >= (int)sizeof(target)) {
		snprintf(err, errlen, "%s: socket path too long", sock);
		return -ENAMETOOLONG;
	}
	start_grpc();
	grpc_channel_credentials *creds = grpc_insecure_credentials_create();
	grpc_channel *ch = grpc_channel_create(target, creds, NULL);
	grpc_channel_credentials_release(creds);
	gpr_timespec dl = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(timeout_ms, GPR_TIMESPAN));
	char why[400];
	int rc = lookup_on(ch, dl, id, label_max_len, c, sandbox, why, sizeof(why));
	grpc_channel_destroy(ch);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", sock, why);
	return rc;
}
