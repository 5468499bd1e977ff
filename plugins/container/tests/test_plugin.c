/*
 * The container plugin through our plugin host (core/plugin), with a
 * stand-in threads table: identity and capabilities, the field list
 * (upstream's names, types and suggested-output flags), container ids from
 * cgroups at capture open and on execve, metadata from a `container` async
 * event (hand-written, in the shape upstream's plugin emits), extraction,
 * dump_state replayed into a fresh instance, the static engine, and a bad
 * config refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake_tables.h"
#include "plugin/plugin.h"
#include "plugin_events.h"

#define ID64 "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"
#define ID64B "0123456789ab8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"

static const char *plugin_path;
static char err[PH_ERRLEN];

static struct ph_plugin *load(const char *config)
{
	struct ph_tables t = {.init = ft_tables(), .reader = ft_reader(), .writer = ft_writer()};
	struct ph_opts o = {.sz = sizeof(o), .tables = &t};
	struct ph_plugin *p = NULL;
	if (ph_load(plugin_path, &o, &p, err, sizeof(err)) != 0)
		fail_msg("load: %s", err);
	if (ph_init(p, config, err, sizeof(err)) != 0)
		fail_msg("init: %s", err);
	return p;
}

/* A syscall event with only a header plus one int64 parameter (res). */
struct small_evt {
	ss_plugin_event h;
	uint16_t len;
	int64_t res;
} __attribute__((packed));

static void make_evt(struct small_evt *e, uint16_t type, int64_t tid, uint64_t ts, int64_t res)
{
	memset(e, 0, sizeof(*e));
	e->h.ts = ts;
	e->h.tid = (uint64_t)tid;
	e->h.len = sizeof(*e);
	e->h.type = type;
	e->h.nparams = 1;
	e->len = 8;
	e->res = res;
}

/* Extracts one field for an event of thread `tid`; NULL when no value. */
static const char *extract(struct ph_plugin *p, const ss_plugin_event *evt, uint64_t num, const char *field,
                           const char *arg, uint64_t *u64)
{
	int id = ph_field_find(p, field);
	if (id < 0)
		fail_msg("no field %s", field);
	ss_plugin_extract_field req;
	if (ph_field_request(p, (uint32_t)id, arg, &req, err, sizeof(err)) != 0)
		fail_msg("request %s: %s", field, err);
	ss_plugin_event_input in = {.evt = evt, .evtnum = num, .evtsrc = "syscall"};
	if (ph_extract(p, &in, &req, 1, err, sizeof(err)) != 0)
		fail_msg("extract %s: %s", field, err);
	if (!req.res_len)
		return NULL;
	if (req.ftype == FTYPE_STRING)
		return req.res.str[0];
	if (req.ftype == FTYPE_BOOL)
		return *req.res.boolean ? "true" : "false";
	*u64 = req.res.u64[0];
	return "u64";
}

static const char *field_of(struct ph_plugin *p, int64_t tid, const char *field, const char *arg)
{
	struct small_evt e;
	uint64_t u;
	make_evt(&e, 3 /* open enter */, tid, 1500, 0);
	return extract(p, &e.h, 77, field, arg, &u);
}

static void setup_threads(void)
{
	const char *ctl[] = {"cpu,cpuacct", "memory", "name=systemd"};
	const char *dock[] = {"/docker/" ID64, "/docker/" ID64, "/docker/" ID64};
	const char *host[] = {"/user.slice", "/user.slice/user-0.slice/session-1.scope", "/init.scope"};
	const char *pod[] = {"/", "/machine.slice/libpod-" ID64B ".scope", "/"};
	ft_free();
	assert_int_equal(ft_add_thread(100, 1000, ctl, dock, 3), 0);
	assert_int_equal(ft_add_thread(200, 0, ctl, host, 3), 0);
	assert_int_equal(ft_add_thread(300, 0, ctl, pod, 3), 0);
}

static void test_identity(void **state)
{
	(void)state;
	setup_threads();
	struct ph_plugin *p = load("");
	struct ph_version v;
	assert_string_equal(ph_name(p), "container");
	assert_true(ph_version_parse(ph_version(p), &v));
	/* the official rules require container >= 0.4.0 */
	assert_true(v.major > 0 || v.minor >= 4);
	uint32_t caps = ph_caps(p);
	assert_true(caps & CAP_EXTRACTION);
	assert_true(caps & CAP_PARSING);
	assert_true(caps & CAP_ASYNC);
	assert_true(caps & CAP_CAPTURE_LISTENING);
	assert_false(caps & CAP_SOURCING);
	struct ph_strlist names = ph_async_names(p);
	assert_int_equal(names.n, 2);
	assert_string_equal(names.v[0], "container");
	assert_string_equal(names.v[1], "container_removed");
	ph_unload(p);
	ft_free();
}

/* Upstream's container plugin 0.7: 61 fields; these types and flags. */
static void test_fields(void **state)
{
	(void)state;
	setup_threads();
	struct ph_plugin *p = load("");
	uint32_t n;
	const struct ph_field *f = ph_fields(p, &n);
	assert_int_equal(n, 61);
	struct { const char *name; uint32_t type; uint32_t flags; } want[] = {
		{"container.id", FTYPE_STRING, PH_FIELD_ADD_OUTPUT},
		{"container.name", FTYPE_STRING, PH_FIELD_ADD_OUTPUT},
		{"container.image.repository", FTYPE_STRING, PH_FIELD_ADD_OUTPUT},
		{"container.image.tag", FTYPE_STRING, PH_FIELD_ADD_OUTPUT},
		{"k8s.pod.name", FTYPE_STRING, PH_FIELD_ADD_OUTPUT},
		{"k8s.ns.name", FTYPE_STRING, PH_FIELD_ADD_OUTPUT},
		{"container.image", FTYPE_STRING, 0},
		{"container.privileged", FTYPE_BOOL, 0},
		{"container.start_ts", FTYPE_ABSTIME, 0},
		{"container.duration", FTYPE_RELTIME, 0},
		{"container.mount.dest", FTYPE_STRING, PH_FIELD_ARG_REQUIRED | PH_FIELD_ARG_INDEX | PH_FIELD_ARG_KEY},
		{"container.label", FTYPE_STRING, PH_FIELD_ARG_REQUIRED | PH_FIELD_ARG_KEY},
		{"k8s.pod.label", FTYPE_STRING, PH_FIELD_ARG_REQUIRED | PH_FIELD_ARG_KEY},
		{"proc.is_container_healthcheck", FTYPE_BOOL, 0},
		{"k8s.deployment.labels", FTYPE_STRING, 0},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int id = ph_field_find(p, want[i].name);
		if (id < 0)
			fail_msg("missing %s", want[i].name);
		assert_int_equal(f[id].ftype, want[i].type);
		assert_int_equal(f[id].flags, want[i].flags);
	}
	ph_unload(p);
	ft_free();
}

static size_t async_evt(void *buf, size_t cap, const char *name, const char *json)
{
	return plugin_evt_encode_async(buf, cap, 1200, (uint64_t)-1, name, json, (uint32_t)strlen(json));
}

static const char web_json[] =
	"{\"container\":{\"id\":\"3ad7b26ded6d\",\"full_id\":\"" ID64 "\",\"name\":\"web\","
	"\"image\":\"docker.io/library/nginx:1.25\",\"imagerepo\":\"docker.io/library/nginx\",\"imagetag\":\"1.25\","
	"\"imageid\":\"0ca0fed353fb\",\"type\":0,\"privileged\":true,\"host_pid\":false,\"ip\":\"172.17.0.2\","
	"\"labels\":{\"maintainer\":\"someone\",\"io.kubernetes.pod.name\":\"nginx-1\","
	"\"io.kubernetes.pod.namespace\":\"prod\"},"
	"\"Mounts\":[{\"Source\":\"/srv/www\",\"Destination\":\"/usr/share/nginx/html\",\"Mode\":\"ro\","
	"\"RW\":false,\"Propagation\":\"rprivate\"},{\"Source\":\"/var/log/web\",\"Destination\":\"/logs\","
	"\"Mode\":\"\",\"RW\":true,\"Propagation\":\"\"}]}}";

static void check_web(struct ph_plugin *p)
{
	assert_string_equal(field_of(p, 100, "container.id", NULL), "3ad7b26ded6d");
	assert_string_equal(field_of(p, 100, "container.full_id", NULL), ID64);
	assert_string_equal(field_of(p, 100, "container.name", NULL), "web");
	assert_string_equal(field_of(p, 100, "container.image", NULL), "docker.io/library/nginx:1.25");
	assert_string_equal(field_of(p, 100, "container.image.repository", NULL), "docker.io/library/nginx");
	assert_string_equal(field_of(p, 100, "container.image.tag", NULL), "1.25");
	assert_string_equal(field_of(p, 100, "container.type", NULL), "docker");
	assert_string_equal(field_of(p, 100, "container.privileged", NULL), "true");
	assert_string_equal(field_of(p, 100, "container.host_pid", NULL), "false");
	assert_string_equal(field_of(p, 100, "container.mounts", NULL),
	                    "/srv/www:/usr/share/nginx/html:ro:false:rprivate,/var/log/web:/logs::true:");
	assert_string_equal(field_of(p, 100, "container.mount.dest", "0"), "/usr/share/nginx/html");
	assert_string_equal(field_of(p, 100, "container.mount.dest", "/var/log/*"), "/logs");
	assert_string_equal(field_of(p, 100, "container.mount.source", "/logs"), "/var/log/web");
	assert_string_equal(field_of(p, 100, "container.mount.rdwr", "1"), "true");
	assert_null(field_of(p, 100, "container.mount.dest", "7"));
	assert_string_equal(field_of(p, 100, "container.label", "maintainer"), "someone");
	assert_null(field_of(p, 100, "container.label", "nope"));
	assert_string_equal(field_of(p, 100, "container.labels", NULL), "maintainer:someone");
	assert_string_equal(field_of(p, 100, "k8s.pod.name", NULL), "nginx-1");
	assert_string_equal(field_of(p, 100, "k8s.ns.name", NULL), "prod");
	assert_string_equal(field_of(p, 100, "container.ip", NULL), "172.17.0.2");
	assert_null(field_of(p, 100, "k8s.rc.name", NULL));
}

static int collect(void *ctx, struct ph_plugin *p, const ss_plugin_event *evt)
{
	(void)p;
	char **slot = ctx;
	for (int i = 0; i < 8; i++)
		if (!slot[i]) {
			slot[i] = malloc(evt->len);
			memcpy(slot[i], evt, evt->len);
			return 0;
		}
	return -1;
}

static void test_ids_and_metadata(void **state)
{
	(void)state;
	setup_threads();
	struct ph_plugin *p = load("{\"engines\":{\"docker\":{\"enabled\":true,\"sockets\":[\"/nonexistent/d.sock\"]},"
	                           "\"podman\":{\"enabled\":false}}}");
	assert_int_equal(ph_capture_open(p, err, sizeof(err)), 0);
	assert_string_equal(ft_dynamic(100, "container_id"), "3ad7b26ded6d");
	assert_string_equal(ft_dynamic(200, "container_id"), "");
	assert_string_equal(ft_dynamic(300, "container_id"), ""); /* podman disabled */
	/* before metadata: the id only; host processes are "host" */
	assert_string_equal(field_of(p, 100, "container.id", NULL), "3ad7b26ded6d");
	assert_null(field_of(p, 100, "container.name", NULL));
	assert_string_equal(field_of(p, 200, "container.id", NULL), "host");
	assert_string_equal(field_of(p, 200, "container.name", NULL), "host");
	assert_null(field_of(p, 999, "container.id", NULL)); /* unknown thread */
	uint64_t u = 0;
	struct small_evt e;
	make_evt(&e, 3, 100, 1500, 0);
	assert_string_equal(extract(p, &e.h, 1, "container.start_ts", NULL, &u), "u64");
	assert_int_equal(u, 1000);
	assert_string_equal(extract(p, &e.h, 1, "container.duration", NULL, &u), "u64");
	assert_int_equal(u, 500);
	/* the metadata arrives as an async event, parsed like the host delivers it */
	char buf[4096];
	ss_plugin_event_input in = {.evt = (ss_plugin_event *)buf, .evtnum = 50, .evtsrc = "syscall"};
	assert_true(async_evt(buf, sizeof(buf), "container", web_json) > 0);
	assert_int_equal(ph_parse(p, &in, err, sizeof(err)), 0);
	check_web(p);
	/* the async event itself extracts as its container */
	assert_string_equal(extract(p, (ss_plugin_event *)buf, 50, "container.name", NULL, &u), "web");
	/* dump_state recreates the state in a fresh instance (a replay) */
	char *events[8] = {0};
	assert_int_equal(ph_dump_state(p, collect, events, err, sizeof(err)), 0);
	assert_non_null(events[0]);
	assert_null(events[1]);
	ph_unload(p);
	struct ph_plugin *q = load("{\"engines\":{\"docker\":{\"enabled\":true,\"sockets\":[]}}}");
	assert_int_equal(ph_capture_open(q, err, sizeof(err)), 0);
	in.evt = (ss_plugin_event *)events[0];
	in.evtnum = 1;
	assert_int_equal(ph_parse(q, &in, err, sizeof(err)), 0);
	check_web(q);
	/* removal */
	assert_true(async_evt(buf, sizeof(buf), "container_removed", "{\"container\":{\"id\":\"3ad7b26ded6d\"}}") > 0);
	in.evt = (ss_plugin_event *)buf;
	assert_int_equal(ph_parse(q, &in, err, sizeof(err)), 0);
	assert_null(field_of(q, 100, "container.name", NULL));
	free(events[0]);
	ph_unload(q);
	ft_free();
}

/* Malformed container events are ignored (logged), never a crash, and
 * leave what is known untouched. */
static void test_bad_events(void **state)
{
	(void)state;
	setup_threads();
	struct ph_plugin *p = load("{\"engines\":{\"docker\":{\"enabled\":true,\"sockets\":[]}}}");
	assert_int_equal(ph_capture_open(p, err, sizeof(err)), 0);
	char buf[4096];
	ss_plugin_event_input in = {.evt = (ss_plugin_event *)buf, .evtnum = 5, .evtsrc = "syscall"};
	assert_true(async_evt(buf, sizeof(buf), "container", web_json) > 0);
	assert_int_equal(ph_parse(p, &in, err, sizeof(err)), 0);
	const char *bad[] = {"", "{", "[]", "{\"container\":1}", "{\"container\":{\"name\":\"x\"}}",
	                     "{\"container\":{\"id\":7}}", "\"str\"", "{\"container\":{\"id\":\"3ad7b26ded6d\",",
	                     "nul\0inside"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = async_evt(buf, sizeof(buf), "container", bad[i]);
		assert_true(n > 0);
		ph_parse(p, &in, err, sizeof(err));
		assert_string_equal(field_of(p, 100, "container.name", NULL), "web");
	}
	/* truncated: the declared payload runs past the event's length */
	size_t n = async_evt(buf, sizeof(buf), "container", web_json);
	((ss_plugin_event *)buf)->len = (uint32_t)(n - 40);
	ph_parse(p, &in, err, sizeof(err));
	assert_string_equal(field_of(p, 100, "container.name", NULL), "web");
	uint32_t nm;
	const ss_plugin_metric *m = ph_metrics(p, &nm);
	assert_int_equal(nm, 2);
	assert_string_equal(m[0].name, "n_containers");
	assert_int_equal(m[0].value.u64, 1);
	assert_int_equal(m[1].value.u64, 0); /* no container without an image */
	ph_unload(p);
	ft_free();
}

static void test_execve_attaches(void **state)
{
	(void)state;
	setup_threads();
	struct ph_plugin *p = load("");
	assert_null(ft_dynamic(300, "container_id"));
	struct small_evt e;
	ss_plugin_event_input in = {.evt = &e.h, .evtnum = 2, .evtsrc = "syscall"};
	make_evt(&e, 293 /* execve exit */, 300, 10, -2); /* failed execve: nothing */
	assert_int_equal(ph_parse(p, &in, err, sizeof(err)), 0);
	assert_null(ft_dynamic(300, "container_id"));
	make_evt(&e, 293, 300, 10, 0);
	assert_int_equal(ph_parse(p, &in, err, sizeof(err)), 0);
	assert_string_equal(ft_dynamic(300, "container_id"), "0123456789ab");
	make_evt(&e, 223 /* clone exit in the parent: res = child tid */, 1, 10, 100);
	assert_int_equal(ph_parse(p, &in, err, sizeof(err)), 0);
	assert_string_equal(ft_dynamic(100, "container_id"), "3ad7b26ded6d");
	assert_string_equal(field_of(p, 300, "container.id", NULL), "0123456789ab");
	ph_unload(p);
	ft_free();
}

static void test_static(void **state)
{
	(void)state;
	setup_threads();
	struct ph_plugin *p = load("{\"engines\":{\"static\":{\"enabled\":true,\"container_id\":\"static1\","
	                           "\"container_name\":\"fixed\",\"container_image\":\"registry:5000/app:v2\"}}}");
	assert_int_equal(ph_capture_open(p, err, sizeof(err)), 0);
	for (int64_t tid = 100; tid <= 300; tid += 100) {
		assert_string_equal(ft_dynamic(tid, "container_id"), "static1");
		assert_string_equal(field_of(p, tid, "container.id", NULL), "static1");
		assert_string_equal(field_of(p, tid, "container.name", NULL), "fixed");
		assert_string_equal(field_of(p, tid, "container.image.repository", NULL), "registry:5000/app");
		assert_string_equal(field_of(p, tid, "container.image.tag", NULL), "v2");
	}
	ph_unload(p);
	ft_free();
}

/* lxc has no runtime to ask: the id and the type are known at once. */
static void test_lxc(void **state)
{
	(void)state;
	ft_free();
	const char *ctl[] = {"memory"}, *cg[] = {"/lxc.payload.web1"};
	assert_int_equal(ft_add_thread(500, 0, ctl, cg, 1), 0);
	struct ph_plugin *p = load("{\"engines\":{\"lxc\":{\"enabled\":true}}}");
	assert_int_equal(ph_capture_open(p, err, sizeof(err)), 0);
	assert_string_equal(ft_dynamic(500, "container_id"), "web1");
	assert_string_equal(field_of(p, 500, "container.id", NULL), "web1");
	assert_string_equal(field_of(p, 500, "container.type", NULL), "lxc");
	assert_string_equal(field_of(p, 500, "container.name", NULL), "");
	ph_unload(p);
	/* not enabled by default */
	p = load("");
	assert_int_equal(ph_capture_open(p, err, sizeof(err)), 0);
	assert_string_equal(ft_dynamic(500, "container_id"), "");
	ph_unload(p);
	ft_free();
}

static void test_bad_config(void **state)
{
	(void)state;
	setup_threads();
	struct ph_tables t = {.init = ft_tables(), .reader = ft_reader(), .writer = ft_writer()};
	struct ph_opts o = {.sz = sizeof(o), .tables = &t};
	struct ph_plugin *p = NULL;
	assert_int_equal(ph_load(plugin_path, &o, &p, err, sizeof(err)), 0);
	assert_int_not_equal(ph_init(p, "{\"engines\":{\"static\":{\"enabled\":true}}}", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "container_id"));
	ph_unload(p);
	p = NULL;
	assert_int_equal(ph_load(plugin_path, &o, &p, err, sizeof(err)), 0);
	assert_int_not_equal(ph_init(p, "{\"engines\":{\"nope\":{}}}", err, sizeof(err)), 0);
	ph_unload(p);
	ft_free();
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s libcontainer.so\n", argv[0]);
		return 2;
	}
	plugin_path = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),        cmocka_unit_test(test_fields),
		cmocka_unit_test(test_ids_and_metadata), cmocka_unit_test(test_execve_attaches),
		cmocka_unit_test(test_bad_events),      cmocka_unit_test(test_lxc),
		cmocka_unit_test(test_static),          cmocka_unit_test(test_bad_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
