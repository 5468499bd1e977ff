/*
 * Figures for the container plugin's per-event costs:
 *   - matching one cgroup path (a podman one, a host one);
 *   - the parse of an execve exit (cgroups walk + container_id write) for a
 *     thread with 10 cgroups, through core/plugin;
 *   - extracting container.name for an event, through core/plugin.
 * Run: build/plugins/container/tests/container_bench build/plugins/container/libcontainer.so
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "fake_tables.h"
#include "plugin/plugin.h"
#include "plugin_events.h"

#define ID64 "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char web[] = "{\"container\":{\"id\":\"3ad7b26ded6d\",\"name\":\"web\",\"image\":\"nginx:1\"}}";

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s libcontainer.so\n", argv[0]);
		return 2;
	}
	const char *paths[] = {"/libpod_parent/libpod-" ID64, "/user.slice/user-0.slice/session-1.scope"};
	for (int k = 0; k < 2; k++) {
		char id[CTR_ID_MAX + 1];
		int type, hits = 0, n = 2000000;
		double t0 = now();
		for (int i = 0; i < n; i++)
			hits += ctr_cgroup_match(paths[k], strlen(paths[k]), CTR_ENGINES_ALL, id, &type);
		printf("cgroup match (%s): %.1f ns/path (%d hits)\n", k ? "host" : "podman", (now() - t0) * 1e9 / n, hits);
	}
	const char *ctl[10] = {"cpu", "cpuacct", "memory", "pids", "blkio", "freezer", "devices", "cpuset",
	                       "name=systemd", ""};
	const char *cg[10];
	for (int i = 0; i < 10; i++)
		cg[i] = "/libpod_parent/libpod-" ID64;
	ft_add_thread(42, 0, ctl, cg, 10);
	char err[PH_ERRLEN];
	struct ph_tables t = {.init = ft_tables(), .reader = ft_reader(), .writer = ft_writer()};
	struct ph_opts o = {.sz = sizeof(o), .tables = &t};
	struct ph_plugin *p;
	if (ph_load(argv[1], &o, &p, err, sizeof(err)) || ph_init(p, "", err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct {
		ss_plugin_event h;
		uint16_t len;
		int64_t res;
	} __attribute__((packed)) e = {{.ts = 1, .tid = 42, .len = 36, .type = 293, .nparams = 1}, 8, 0};
	ss_plugin_event_input in = {.evt = &e.h, .evtnum = 1, .evtsrc = "syscall"};
	int n = 300000;
	double t0 = now();
	for (int i = 0; i < n; i++)
		ph_parse(p, &in, err, sizeof(err));
	printf("parse execve exit (10 cgroups): %.1f ns/event\n", (now() - t0) * 1e9 / n);
	char buf[512];
	ss_plugin_event_input ain = {.evt = (ss_plugin_event *)buf, .evtnum = 2, .evtsrc = "syscall"};
	plugin_evt_encode_async(buf, sizeof(buf), 1, (uint64_t)-1, "container", web, sizeof(web) - 1);
	ph_parse(p, &ain, err, sizeof(err));
	ss_plugin_extract_field req;
	ph_field_request(p, (uint32_t)ph_field_find(p, "container.name"), NULL, &req, err, sizeof(err));
	e.h.type = 3;
	t0 = now();
	for (int i = 0; i < n; i++)
		ph_extract(p, &in, &req, 1, err, sizeof(err));
	printf("extract container.name: %.1f ns/event (value %s)\n", (now() - t0) * 1e9 / n,
	       req.res_len ? req.res.str[0] : "<NA>");
	ph_unload(p);
	ft_free();
	return 0;
}
