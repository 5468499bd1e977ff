/*
 * The CRI answers' decoding and mapping (cri.c) on messages this test
 * encodes by hand in the protobuf wire format (tags, varints, lengths: not
 * with protobuf-c), with the field numbers of the CRI's runtime.v1
 * api.proto. Expected values are worked out from upstream's mapping
 * (plugins/container/go-worker/pkg/container/cri.go: image_ref forms, the
 * image-name annotations, privileged's order, labels plus the pod's
 * io.kubernetes.* ones, propagation names, host namespaces from the
 * sandbox's NamespaceOption = NODE).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup.h"
#include "cri.h"
#include "info.h"

/* ---- a tiny protobuf writer ---- */

struct pb {
	uint8_t b[8192];
	size_t n;
};

static void varint(struct pb *p, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		p->b[p->n++] = c | (v ? 0x80 : 0);
	} while (v);
}

static void f_varint(struct pb *p, unsigned field, uint64_t v)
{
	varint(p, (uint64_t)field << 3 | 0);
	varint(p, v);
}

static void f_bytes(struct pb *p, unsigned field, const void *d, size_t n)
{
	varint(p, (uint64_t)field << 3 | 2);
	varint(p, n);
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void f_str(struct pb *p, unsigned field, const char *s)
{
	f_bytes(p, field, s, strlen(s));
}

static void f_msg(struct pb *p, unsigned field, const struct pb *m)
{
	f_bytes(p, field, m->b, m->n);
}

/* A map<string,string> entry. */
static void f_entry(struct pb *p, unsigned field, const char *k, const char *v)
{
	struct pb e = {.n = 0};
	f_str(&e, 1, k);
	f_str(&e, 2, v);
	f_msg(p, field, &e);
}

#define CID "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define SID "5a5a5a5a5a5a0000111122223333444455556666777788889999aaaabbbbcccc"
#define IMGID "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"
#define DIGEST "sha256:d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1"

/* A ContainerStatusResponse; `image`, `ref` and `info` vary per test. */
static void container_status(struct pb *out, const char *image, const char *ref, const char *info)
{
	struct pb st = {.n = 0}, m = {.n = 0}, img = {.n = 0}, mnt1 = {.n = 0}, mnt2 = {.n = 0}, user = {.n = 0},
	          lin = {.n = 0};
	f_str(&st, 1, CID);
	f_str(&m, 1, "web");
	f_varint(&m, 2, 3); /* attempt */
	f_msg(&st, 2, &m);
	f_varint(&st, 3, 1); /* RUNNING */
	f_varint(&st, 4, 1700000000123456789ull);
	f_str(&img, 1, image);
	f_msg(&st, 8, &img);
	f_str(&st, 9, ref);
	f_entry(&st, 12, "tier", "fe");
	char long_value[201];
	memset(long_value, 'x', 200);
	long_value[200] = '\0';
	f_entry(&st, 12, "long", long_value);
	f_entry(&st, 13, "an.annotation", "not a label");
	f_str(&mnt1, 1, "/data");
	f_str(&mnt1, 2, "/srv/data");
	f_varint(&mnt1, 3, 1); /* readonly */
	f_varint(&mnt1, 5, 1); /* HOST_TO_CONTAINER */
	f_msg(&st, 14, &mnt1);
	f_str(&mnt2, 1, "/logs");
	f_str(&mnt2, 2, "/var/log");
	f_varint(&mnt2, 5, 2); /* BIDIRECTIONAL */
	f_msg(&st, 14, &mnt2);
	f_str(&st, 15, "/var/log/pods/x/web/0.log");
	f_varint(&lin, 1, 1000);
	f_msg(&user, 1, &lin);
	f_msg(&st, 18, &user);
	f_str(&st, 40, "a field this client does not know");
	out->n = 0;
	f_msg(out, 1, &st);
	if (info)
		f_entry(out, 2, "info", info);
}

static void sandbox_status(struct pb *out, bool with_app_label)
{
	struct pb st = {.n = 0}, m = {.n = 0}, net = {.n = 0}, opts = {.n = 0}, ns = {.n = 0}, lin = {.n = 0};
	f_str(&st, 1, SID);
	f_str(&m, 1, "web-7d9");
	f_str(&m, 2, "u-1");
	f_str(&m, 3, "prod");
	f_msg(&st, 2, &m);
	f_varint(&st, 4, 1600000000999999999ull);
	f_str(&net, 1, "10.0.0.7");
	f_msg(&st, 5, &net);
	f_varint(&opts, 1, 2); /* network NODE */
	f_varint(&opts, 2, 1); /* pid CONTAINER */
	f_varint(&opts, 3, 2); /* ipc NODE */
	f_msg(&ns, 2, &opts);
	f_msg(&lin, 1, &ns);
	f_msg(&st, 6, &lin);
	/* out of key order: the mapping must not rely on sorted input */
	f_entry(&st, 7, "io.kubernetes.pod.name", "from-label");
	if (with_app_label)
		f_entry(&st, 7, "app", "web");
	f_entry(&st, 7, "zeta", "z");
	out->n = 0;
	f_msg(out, 1, &st);
	f_entry(out, 2, "info",
	        "{\"cniResult\":{\"Interfaces\":{\"eth0\":{\"IPConfigs\":[{\"IP\":\"10.0.0.7\"}]},\"lo\":{\"Mac\":\"\"}}}}");
}

static const char *INFO = "{\"privileged\":true,\"config\":{\"image\":{\"image\":\"sha256:" IMGID "\"}}}";

static void test_container_full(void **state)
{
	(void)state;
	struct pb cs, ps;
	container_status(&cs, "docker.io/library/nginx:1.25", "docker.io/library/nginx@" DIGEST, INFO);
	sandbox_status(&ps, true);
	struct ctr_info c;
	memset(&c, 0, sizeof(c));
	char err[256];
	assert_int_equal(ctr_cri_container_info(&c, cs.b, cs.n, ps.b, ps.n, CTR_T_CONTAINERD, 100, err, sizeof(err)), 0);
	assert_string_equal(c.id, "abcdef012345");
	assert_string_equal(c.full_id, CID);
	assert_string_equal(c.name, "web");
	assert_int_equal(c.type, CTR_T_CONTAINERD);
	/* repo@digest: the repository from the ref, the tag from the spec */
	assert_string_equal(c.image, "docker.io/library/nginx:1.25");
	assert_string_equal(c.imagerepo, "docker.io/library/nginx");
	assert_string_equal(c.imagetag, "1.25");
	assert_string_equal(c.imagedigest, DIGEST);
	assert_string_equal(c.imageid, IMGID);
	assert_string_equal(c.user, "1000");
	assert_int_equal(c.created_time, 1700000000);
	assert_true(c.privileged);
	assert_false(c.is_pod_sandbox);
	/* the pod's */
	assert_string_equal(c.pod_sandbox_id, SID);
	assert_string_equal(c.ip, "10.0.0.7");
	assert_true(c.host_network);
	assert_false(c.host_pid);
	assert_true(c.host_ipc);
	assert_string_equal(c.cni_json, "{\"Interfaces\":{\"eth0\":{\"IPConfigs\":[{\"IP\":\"10.0.0.7\"}]}}}");
	/* labels: the status's (the 200-byte one left out) and the pod's */
	assert_int_equal(c.nlabels, 5);
	assert_string_equal(ctr_info_label(&c, "tier"), "fe");
	assert_null(ctr_info_label(&c, "long"));
	assert_null(ctr_info_label(&c, "an.annotation"));
	assert_string_equal(ctr_info_label(&c, "io.kubernetes.sandbox.id"), SID);
	assert_string_equal(ctr_info_label(&c, "io.kubernetes.pod.name"), "web-7d9");
	assert_string_equal(ctr_info_label(&c, "io.kubernetes.pod.namespace"), "prod");
	assert_string_equal(ctr_info_label(&c, "io.kubernetes.pod.uid"), "u-1");
	/* mounts */
	assert_int_equal(c.nmounts, 2);
	assert_string_equal(c.mounts[0].source, "/srv/data");
	assert_string_equal(c.mounts[0].dest, "/data");
	assert_false(c.mounts[0].rw);
	assert_string_equal(c.mounts[0].propagation, "rslave");
	assert_string_equal(c.mounts[1].source, "/var/log");
	assert_true(c.mounts[1].rw);
	assert_string_equal(c.mounts[1].propagation, "rshared");
	/* through the async event JSON and back, as the host delivers it */
	char *json = ctr_info_to_json(&c);
	struct ctr_info back;
	memset(&back, 0, sizeof(back));
	assert_int_equal(ctr_info_from_json(&back, json, strlen(json), err, sizeof(err)), 0);
	assert_string_equal(ctr_info_label(&back, "io.kubernetes.pod.name"), "web-7d9");
	assert_string_equal(back.imagedigest, DIGEST);
	free(json);
	ctr_info_clear(&back);
	ctr_info_clear(&c);
}

static void test_image_forms(void **state)
{
	(void)state;
	struct pb cs;
	struct ctr_info c;
	char err[256];
	/* a bare id as image_ref: the digest only; name and tag from the spec;
	 * no pod answer: the container stands for its own sandbox */
	container_status(&cs, "registry:5000/team/app:v2", DIGEST, NULL);
	memset(&c, 0, sizeof(c));
	assert_int_equal(ctr_cri_container_info(&c, cs.b, cs.n, NULL, 0, CTR_T_CRIO, 0, err, sizeof(err)), 0);
	assert_string_equal(c.image, "registry:5000/team/app:v2");
	assert_string_equal(c.imagerepo, "registry:5000/team/app");
	assert_string_equal(c.imagetag, "v2");
	assert_string_equal(c.imagedigest, DIGEST);
	assert_string_equal(c.imageid, ""); /* no verbose info, no image_id */
	assert_false(c.privileged);
	assert_string_equal(c.pod_sandbox_id, CID);
	assert_string_equal(ctr_info_label(&c, "io.kubernetes.sandbox.id"), CID);
	assert_null(ctr_info_label(&c, "io.kubernetes.pod.name"));
	assert_string_equal(ctr_info_label(&c, "long"), ctr_info_label(&c, "long")); /* no limit: kept */
	assert_int_equal(strlen(ctr_info_label(&c, "long")), 200);
	assert_string_equal(c.ip, "");
	ctr_info_clear(&c);

	/* an id as the spec: the runtime's image-name annotation names it;
	 * the OCI spec's privileged=false wins over a top-level true */
	container_status(&cs, "sha256:" IMGID, "sha256:" IMGID,
	                 "{\"privileged\":true,\"runtimeSpec\":{\"linux\":{\"security_context\":{\"privileged\":false}},"
	                 "\"annotations\":{\"io.kubernetes.cri.image-name\":\"quay.io/x/y:3.1\"}}}");
	memset(&c, 0, sizeof(c));
	assert_int_equal(ctr_cri_container_info(&c, cs.b, cs.n, NULL, 0, CTR_T_CONTAINERD, 100, err, sizeof(err)), 0);
	assert_string_equal(c.image, "quay.io/x/y:3.1");
	assert_string_equal(c.imagerepo, "quay.io/x/y");
	assert_string_equal(c.imagetag, "3.1");
	assert_string_equal(c.imagedigest, "sha256:" IMGID);
	assert_false(c.privileged);
	ctr_info_clear(&c);
}

/* cri-o's forms: the image name in its io.kubernetes.cri-o.ImageName
 * annotation, the CNI result in the sandbox spec's annotation. */
static void test_crio_forms(void **state)
{
	(void)state;
	struct pb cs, ps = {.n = 0}, st = {.n = 0};
	container_status(&cs, "", "",
	                 "{\"runtimeSpec\":{\"annotations\":{\"io.kubernetes.cri-o.ImageName\":\"quay.io/c/o:1\"}}}");
	f_str(&st, 1, SID);
	f_msg(&ps, 1, &st);
	f_entry(&ps, 2, "info",
	        "{\"runtimeSpec\":{\"annotations\":{\"io.kubernetes.cri-o.CNIResult\":\"{\\\"ips\\\":[]}\"}}}");
	struct ctr_info c;
	memset(&c, 0, sizeof(c));
	char err[256];
	assert_int_equal(ctr_cri_container_info(&c, cs.b, cs.n, ps.b, ps.n, CTR_T_CRIO, 100, err, sizeof(err)), 0);
	assert_string_equal(c.image, "quay.io/c/o:1");
	assert_string_equal(c.imagerepo, "quay.io/c/o");
	assert_string_equal(c.imagetag, "1");
	assert_string_equal(c.imagedigest, "");
	assert_string_equal(c.cni_json, "{\"ips\":[]}");
	/* a sandbox without metadata: no pod labels, but its id */
	assert_null(ctr_info_label(&c, "io.kubernetes.pod.name"));
	assert_string_equal(ctr_info_label(&c, "io.kubernetes.sandbox.id"), SID);
	assert_false(c.host_network);
	ctr_info_clear(&c);
}

static void test_sandbox(void **state)
{
	(void)state;
	struct pb ps;
	sandbox_status(&ps, true);
	struct ctr_info c;
	memset(&c, 0, sizeof(c));
	char err[256];
	assert_int_equal(ctr_cri_sandbox_info(&c, ps.b, ps.n, CTR_T_CRI, 100, err, sizeof(err)), 0);
	assert_true(c.is_pod_sandbox);
	assert_string_equal(c.id, "5a5a5a5a5a5a");
	assert_string_equal(c.full_id, SID);
	assert_string_equal(c.name, "web-7d9");
	assert_string_equal(c.pod_sandbox_id, SID);
	assert_int_equal(c.created_time, 1600000000);
	assert_string_equal(ctr_info_label(&c, "app"), "web");
	/* the runtime's own label wins over the metadata, and is not doubled */
	assert_string_equal(ctr_info_label(&c, "io.kubernetes.pod.name"), "from-label");
	assert_int_equal(c.nlabels, 5); /* app zeta pod.name, + namespace uid from the metadata */
	for (size_t i = 1; i < c.nlabels; i++)
		assert_true(strcmp(c.labels[i - 1].key, c.labels[i].key) < 0);
	assert_string_equal(ctr_info_label(&c, "io.kubernetes.pod.namespace"), "prod");
	assert_string_equal(c.ip, "10.0.0.7");
	assert_true(c.host_network);
	ctr_info_clear(&c);
}

static void test_bad_answers(void **state)
{
	(void)state;
	struct ctr_info c;
	memset(&c, 0, sizeof(c));
	char err[256] = "";
	const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01};
	assert_int_equal(ctr_cri_container_info(&c, junk, sizeof(junk), NULL, 0, CTR_T_CRI, 0, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "does not decode"));
	/* a valid but empty answer: no status */
	assert_int_equal(ctr_cri_container_info(&c, "", 0, NULL, 0, CTR_T_CRI, 0, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no container status"));
	struct pb cs;
	container_status(&cs, "a:b", "", NULL);
	assert_int_equal(ctr_cri_container_info(&c, cs.b, cs.n, junk, sizeof(junk), CTR_T_CRI, 0, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "PodSandboxStatus"));
	assert_int_equal(ctr_cri_sandbox_info(&c, junk, 3, CTR_T_CRI, 0, err, sizeof(err)), -EINVAL);
	assert_null(c.id);
}

static void test_types_and_sockets(void **state)
{
	(void)state;
	assert_int_equal(ctr_cri_type("containerd"), CTR_T_CONTAINERD);
	assert_int_equal(ctr_cri_type("cri-o"), CTR_T_CRIO);
	assert_int_equal(ctr_cri_type("something-else"), CTR_T_CRI);
	assert_string_equal(ctr_type_name(ctr_cri_type("containerd")), "containerd");
	assert_string_equal(ctr_type_name(ctr_cri_type("cri-o")), "cri-o");
	/* no socket there: a quick -ENOENT, no gRPC call */
	struct ctr_info c, s;
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	char err[256];
	ctr_cri_init();
	assert_int_equal(ctr_cri_lookup("/nonexistent/cri.sock", "abcdef012345", 500, 0, &c, &s, err, sizeof(err)),
	                 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/cri.sock"));
	assert_int_equal(ctr_cri_lookup("/", "abc", 500, 0, &c, &s, err, sizeof(err)), -ENOENT);
	ctr_cri_fini();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_full), cmocka_unit_test(test_image_forms),
		cmocka_unit_test(test_crio_forms), cmocka_unit_test(test_sandbox),
		cmocka_unit_test(test_bad_answers), cmocka_unit_test(test_types_and_sockets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
