/*
 * Cgroup path -> container id/type, image reference splitting, and the
 * metadata JSON, against hand-made paths in the layouts the runtimes use
 * (and upstream's documented examples for image references).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cgroup.h"
#include "info.h"

#define ID64 "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"
#define POD "pod5ff4e6b6-5f42-4a8b-b1a6-2b2c7cbb0b10"

static void expect_match(const char *path, unsigned engines, const char *id, int type)
{
	char got[CTR_ID_MAX + 1] = "";
	int t = -1;
	bool m = ctr_cgroup_match(path, strlen(path), engines, got, &t);
	if (!id) {
		if (m)
			fail_msg("%s: unexpected match %s", path, got);
		return;
	}
	if (!m)
		fail_msg("%s: no match", path);
	assert_string_equal(got, id);
	assert_int_equal(t, type);
}

static void test_runtimes(void **state)
{
	(void)state;
	unsigned all = CTR_ENGINES_ALL;
	expect_match("/docker/" ID64, all, "3ad7b26ded6d", CTR_T_DOCKER);
	expect_match("/system.slice/docker-" ID64 ".scope", all, "3ad7b26ded6d", CTR_T_DOCKER);
	expect_match("/machine.slice/libpod-" ID64 ".scope", all, "3ad7b26ded6d", CTR_T_PODMAN);
	expect_match("/machine.slice/libpod-" ID64 ".scope/container", all, "3ad7b26ded6d", CTR_T_PODMAN);
	expect_match("/libpod_parent/libpod-" ID64, all, "3ad7b26ded6d", CTR_T_PODMAN);
	expect_match("/machine.slice/libpod-payload-" ID64 ".scope", all, "3ad7b26ded6d", CTR_T_PODMAN);
	expect_match("/kubepods/besteffort/" POD "/crio-" ID64, all, "3ad7b26ded6d", CTR_T_CRIO);
	expect_match("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-" POD
	             ".slice/cri-containerd-" ID64 ".scope", all, "3ad7b26ded6d", CTR_T_CRI);
	expect_match("/kubepods.slice/kubepods-burstable.slice/crio-" ID64 ".scope", all, "3ad7b26ded6d",
	             CTR_T_CRIO);
	expect_match("/system.slice/containerd.service/kubepods-pod1.slice:cri-containerd:" ID64, all,
	             "3ad7b26ded6d", CTR_T_CRI);
	/* a plain 64-hex last component is docker's cgroupfs layout first */
	expect_match("/kubepods/burstable/" POD "/" ID64, all, "3ad7b26ded6d", CTR_T_DOCKER);
	/* containers made with `ctr run` in namespace "default" */
	expect_match("/default/redis-test", all, "redis-test", CTR_T_CONTAINERD);
	expect_match("/k8s.io/abcdef0123456789xyz", all, "abcdef012345", CTR_T_CONTAINERD);
}

static void test_host_paths(void **state)
{
	(void)state;
	unsigned all = CTR_ENGINES_ALL;
	const char *host[] = {"/", "", "/init.scope", "/user.slice/user-0.slice/session-3.scope",
	                      "/system.slice/ssh.service", "/user.slice", "/system.slice/docker.service",
	                      "/docker/" ID64 "0", /* 65 digits: not an id, and not a short name */
	                      "/machine.slice/libpod-" ID64 "x.scope"};
	for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++)
		expect_match(host[i], all, NULL, 0);
	/* 63 digits under a namespace-like first component: containerd's rule */
	expect_match("/docker/" "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601", all,
	             "3ad7b26ded6d", CTR_T_CONTAINERD);
}

/* lxc, libvirt-lxc, bpm: layouts upstream's plugin documents in its
 * matchers (names, not hex ids, kept whole) */
static void test_named_runtimes(void **state)
{
	(void)state;
	unsigned all = CTR_ENGINES_ALL;
	expect_match("/lxc.payload.web1", all, "web1", CTR_T_LXC);
	expect_match("/lxc.payload/web2/init.scope", all, "web2", CTR_T_LXC);
	expect_match("/lxc/web3/sub", all, "web3", CTR_T_LXC);
	expect_match("/machine.slice/machine-lxc\\x2d2293906\\x2dlibvirt\\x2dcontainer.scope/libvirt", all,
	             "2293906\\x2dlibvirt\\x2dcontainer", CTR_T_LIBVIRT_LXC);
	/* upstream tries containerd's /<ns>/<name> first: it takes this one */
	expect_match("/machine/vm1.libvirt-lxc", all, "vm1.libvirt-", CTR_T_CONTAINERD);
	expect_match("/machine/vm1.libvirt-lxc", all & ~(1u << CTR_T_CONTAINERD), "vm1", CTR_T_LIBVIRT_LXC);
	expect_match("/system.slice/bpm-app_1.scope", all, "app_1", CTR_T_BPM);
	expect_match("/system.slice/bpm-a/b.scope", all, NULL, 0);
	/* only when enabled */
	expect_match("/lxc.payload.web1", CTR_ENGINES_ALL & ~(1u << CTR_T_LXC), NULL, 0);
}

static void test_engines_disabled(void **state)
{
	(void)state;
	expect_match("/machine.slice/libpod-" ID64 ".scope", 1u << CTR_T_DOCKER, NULL, 0);
	expect_match("/docker/" ID64, 1u << CTR_T_PODMAN, NULL, 0);
	expect_match("/libpod_parent/libpod-" ID64, 1u << CTR_T_DOCKER, NULL, 0);
	expect_match("/default/redis-test", (1u << CTR_T_DOCKER) | (1u << CTR_T_PODMAN), NULL, 0);
	expect_match("/system.slice/bpm-x.scope", 1u << CTR_T_DOCKER, NULL, 0);
}

static void split(const char *image, const char *repo, const char *tag)
{
	char *r, *t;
	assert_int_equal(ctr_image_split(image, &r, &t), 0);
	assert_string_equal(r, repo);
	assert_string_equal(t, tag);
	free(r);
	free(t);
}

/* upstream's documented examples (parseImageRepoTag) */
static void test_image_split(void **state)
{
	(void)state;
	split("registry.example.com:5000/foo/bar:latest@sha256:digest", "registry.example.com:5000/foo/bar", "latest");
	split("registry.example.com:5000/foo/bar@sha256:digest", "registry.example.com:5000/foo/bar", "");
	split("registry.example.com:5000/foo/bar:latest", "registry.example.com:5000/foo/bar", "latest");
	split("registry.example.com:5000/foo/bar", "registry.example.com:5000/foo/bar", "");
	split("foo/bar:latest", "foo/bar", "latest");
	split("foo:latest", "foo", "latest");
	split("", "", "");
}

/* A docker /containers/ID/json answer cut to the members we read. */
static const char docker_inspect[] =
	"{\"Id\":\"" ID64 "\",\"Created\":\"2024-05-06T07:08:09.123456789+02:00\",\"Name\":\"/web\","
	"\"Image\":\"sha256:0ca0fed353fb77c247abada85aebc667fd1f5fa0b5f6ab1efb26867ba18f2f0a\","
	"\"Config\":{\"Image\":\"docker.io/library/nginx:1.25\",\"User\":\"www\","
	"\"Labels\":{\"maintainer\":\"someone\",\"io.kubernetes.pod.name\":\"nginx-1\","
	"\"io.kubernetes.pod.namespace\":\"prod\"}},"
	"\"HostConfig\":{\"Privileged\":true,\"PidMode\":\"host\",\"NetworkMode\":\"bridge\",\"IpcMode\":\"\"},"
	"\"NetworkSettings\":{\"IPAddress\":\"172.17.0.2\"},"
	"\"Mounts\":[{\"Source\":\"/srv/www\",\"Destination\":\"/usr/share/nginx/html\",\"Mode\":\"ro\","
	"\"RW\":false,\"Propagation\":\"rprivate\"}]}";

static void check_web(const struct ctr_info *c)
{
	assert_string_equal(c->id, "3ad7b26ded6d");
	assert_string_equal(c->full_id, ID64);
	assert_string_equal(c->name, "web");
	assert_string_equal(c->image, "docker.io/library/nginx:1.25");
	assert_string_equal(c->imagerepo, "docker.io/library/nginx");
	assert_string_equal(c->imagetag, "1.25");
	assert_string_equal(c->imageid, "0ca0fed353fb77c247abada85aebc667fd1f5fa0b5f6ab1efb26867ba18f2f0a");
	assert_string_equal(c->user, "www");
	assert_string_equal(c->ip, "172.17.0.2");
	assert_true(c->privileged);
	assert_true(c->host_pid);
	assert_false(c->host_network);
	/* 2024-05-06T05:08:09Z */
	assert_int_equal(c->created_time, 1714972089);
	assert_int_equal(c->nmounts, 1);
	assert_string_equal(c->mounts[0].dest, "/usr/share/nginx/html");
	assert_false(c->mounts[0].rw);
	assert_string_equal(ctr_info_label(c, "io.kubernetes.pod.name"), "nginx-1");
	assert_null(ctr_info_label(c, "nope"));
}

static void test_inspect_and_json(void **state)
{
	(void)state;
	struct ctr_info c = {0}, back = {0};
	char err[256];
	assert_int_equal(ctr_info_from_inspect(&c, docker_inspect, strlen(docker_inspect), CTR_T_DOCKER, 0, err,
	                                       sizeof(err)), 0);
	check_web(&c);
	char *json = ctr_info_to_json(&c);
	assert_non_null(json);
	assert_int_equal(ctr_info_from_json(&back, json, strlen(json), err, sizeof(err)), 0);
	check_web(&back);
	assert_int_equal(back.type, CTR_T_DOCKER);
	free(json);
	ctr_info_clear(&c);
	ctr_info_clear(&back);
	/* a label longer than the limit is left out */
	assert_int_equal(ctr_info_from_inspect(&c, docker_inspect, strlen(docker_inspect), CTR_T_DOCKER, 6, err,
	                                       sizeof(err)), 0);
	assert_null(ctr_info_label(&c, "io.kubernetes.pod.name"));
	assert_string_equal(ctr_info_label(&c, "io.kubernetes.pod.namespace"), "prod");
	ctr_info_clear(&c);
	/* bad documents are refused with a reason */
	assert_int_equal(ctr_info_from_inspect(&c, "{\"message\":\"no such container\"}", 31, 0, 0, err, sizeof(err)),
	                 -22);
	assert_non_null(strstr(err, "not a container inspect"));
	assert_int_equal(ctr_info_from_json(&c, "[1,2", 4, err, sizeof(err)), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtimes),         cmocka_unit_test(test_host_paths),
		cmocka_unit_test(test_named_runtimes),
		cmocka_unit_test(test_engines_disabled), cmocka_unit_test(test_image_split),
		cmocka_unit_test(test_inspect_and_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
