/*
 * Runs the container plugin through our plugin host against a live runtime
 * and prints what it extracts, one `field=value` line each, for the shell
 * test to compare with what the runtime's own CLI reports.
 *
 *   ctr_live PLUGIN.so SOCKET CONTAINER_PID HOST_PID [docker]
 *
 * Threads come from /proc/PID/cgroup into a stand-in threads table, or with
 * CTR_TABLES=state from core/state's scan of /proc through the host's tables
 * bridge (ph_state_tables); the
 * plugin's lookup thread asks SOCKET (podman's libpod API, or with `docker`
 * the Docker API that podman also serves there) and sends a `container`
 * async event, which is parsed as the host would deliver it. Then the same
 * fields are printed again from a fresh instance fed only with the plugin's
 * dump_state events (what a capture carries for a replay), prefixed
 * `replay.`. Exit 1 with a message when something fails.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fake_tables.h"
#include "plugin/plugin.h"
#include "state/state.h"
#include "plugin_events.h"

static char err[PH_ERRLEN];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *received[16];
static int nreceived;

static int on_async(void *ctx, struct ph_plugin *p, const ss_plugin_event *evt)
{
	(void)ctx;
	(void)p;
	pthread_mutex_lock(&lock);
	int rc = -1;
	if (nreceived < 16 && (received[nreceived] = malloc(evt->len))) {
		memcpy(received[nreceived++], evt, evt->len);
		rc = 0;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static const struct ph_tables *state_tables; /* the bridge, when CTR_TABLES=state */

static const char *container_id_of(struct ph_plugin *owner, long tid)
{
	if (!state_tables)
		return ft_dynamic(tid, "container_id");
	/* read back through the bridge, as another plugin would */
	static char out[64];
	const ss_plugin_init_tables_input *in = state_tables->init;
	ss_plugin_table_t *t = in->get_table((ss_plugin_owner_t *)owner, "threads", SS_PLUGIN_ST_INT64);
	ss_plugin_table_field_t *f = t ? in->fields_ext->get_table_field(t, "container_id", SS_PLUGIN_ST_STRING) : NULL;
	ss_plugin_state_data key = {.s64 = tid}, v = {0};
	ss_plugin_table_entry_t *e = f ? state_tables->reader->get_table_entry(t, &key) : NULL;
	if (!e || state_tables->reader->read_entry_field(t, e, f, &v) != SS_PLUGIN_SUCCESS)
		return "<none>";
	snprintf(out, sizeof(out), "%s", v.str ? v.str : "");
	state_tables->reader->release_table_entry(t, e);
	return out;
}

static struct ph_plugin *load(const char *config)
{
	struct ph_tables t = {.init = ft_tables(), .reader = ft_reader(), .writer = ft_writer()};
	struct ph_opts o = {.sz = sizeof(o), .tables = state_tables ? state_tables : &t};
	struct ph_plugin *p = NULL;
	if (ph_load(getenv("CTR_PLUGIN"), &o, &p, err, sizeof(err)) != 0 || ph_init(p, config, err, sizeof(err)) != 0) {
		fprintf(stderr, "ctr_live: %s\n", err);
		exit(1);
	}
	return p;
}

static void print_fields(struct ph_plugin *p, const char *prefix, long tid)
{
	const char *fields[] = {"container.id", "container.full_id", "container.name", "container.image",
	                        "container.image.repository", "container.image.tag", "container.image.id",
	                        "container.type", "container.privileged", "container.host_network", "container.mounts"};
	struct {
		ss_plugin_event h;
	} __attribute__((packed)) e = {{.ts = 1, .tid = (uint64_t)tid, .len = 26, .type = 3, .nparams = 0}};
	ss_plugin_event_input in = {.evt = &e.h, .evtnum = 1000, .evtsrc = "syscall"};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		ss_plugin_extract_field req;
		int id = ph_field_find(p, fields[i]);
		if (id < 0 || ph_field_request(p, (uint32_t)id, NULL, &req, err, sizeof(err)) ||
		    ph_extract(p, &in, &req, 1, err, sizeof(err))) {
			fprintf(stderr, "ctr_live: %s: %s\n", fields[i], err);
			exit(1);
		}
		const char *v = "<NA>";
		if (req.res_len && req.ftype == FTYPE_STRING)
			v = req.res.str[0];
		else if (req.res_len && req.ftype == FTYPE_BOOL)
			v = *req.res.boolean ? "true" : "false";
		printf("%s%s=%s\n", prefix, fields[i], v);
	}
}

static int nevents(void)
{
	pthread_mutex_lock(&lock);
	int n = nreceived;
	pthread_mutex_unlock(&lock);
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 5 && !(argc == 6 && !strcmp(argv[5], "docker"))) {
		fprintf(stderr, "usage: %s PLUGIN.so SOCKET CONTAINER_PID HOST_PID [docker]\n", argv[0]);
		return 2;
	}
	setenv("CTR_PLUGIN", argv[1], 1);
	long cpid = atol(argv[3]), hpid = atol(argv[4]);
	struct st_state *st = NULL;
	struct ph_state_tables *bridge = NULL;
	if (getenv("CTR_TABLES") && !strcmp(getenv("CTR_TABLES"), "state")) {
		st = st_new(NULL);
		if (!st || st_scan_proc(st, "/proc") < 0 || !(bridge = ph_state_tables_new(st))) {
			fprintf(stderr, "ctr_live: cannot build core/state from /proc\n");
			return 1;
		}
		state_tables = ph_state_tables_get(bridge);
	} else if (ft_add_proc(cpid) || ft_add_proc(hpid)) {
		fprintf(stderr, "ctr_live: cannot read the cgroups of %ld or %ld\n", cpid, hpid);
		return 1;
	}
	char config[1024];
	if (argc == 6) /* podman's cgroups, but only a Docker API socket to ask */
		snprintf(config, sizeof(config),
		         "{\"engines\":{\"podman\":{\"enabled\":true,\"sockets\":[]},"
		         "\"docker\":{\"enabled\":true,\"sockets\":[\"%s\"]}}}",
		         argv[2]);
	else
		snprintf(config, sizeof(config),
		         "{\"engines\":{\"podman\":{\"enabled\":true,\"sockets\":[\"%s\"]},"
		         "\"docker\":{\"enabled\":false}}}",
		         argv[2]);
	struct ph_plugin *p = load(config);
	if (ph_set_async_handler(p, on_async, NULL, err, sizeof(err)) || ph_capture_open(p, err, sizeof(err))) {
		fprintf(stderr, "ctr_live: %s\n", err);
		return 1;
	}
	printf("thread.container_id=%s\n", container_id_of(p, cpid));
	printf("host.thread.container_id=%s\n", container_id_of(p, hpid));
	/* the lookup runs in the plugin's thread: wait for its event */
	for (int i = 0; i < 150 && nevents() == 0; i++)
		nanosleep(&(struct timespec){0, 100000000L}, NULL);
	if (nevents() == 0) {
		fprintf(stderr, "ctr_live: no container event within 15 s\n");
		return 1;
	}
	/* admitted into the syscall source as the host admits async events */
	if (ph_async_admit(p, (ss_plugin_event *)received[0], "syscall", 0, err, sizeof(err))) {
		fprintf(stderr, "ctr_live: the host refuses the container event: %s\n", err);
		return 1;
	}
	ss_plugin_event_input in = {.evt = (ss_plugin_event *)received[0], .evtnum = 1, .evtsrc = "syscall"};
	if (ph_parse(p, &in, err, sizeof(err))) {
		fprintf(stderr, "ctr_live: parse: %s\n", err);
		return 1;
	}
	print_fields(p, "", cpid);
	print_fields(p, "host.", hpid);
	/* what a capture would carry */
	int before = nevents();
	if (ph_dump_state(p, on_async, NULL, err, sizeof(err))) {
		fprintf(stderr, "ctr_live: dump_state: %s\n", err);
		return 1;
	}
	int after = nevents();
	printf("dump_state.events=%d\n", after - before);
	ph_unload(p);
	struct ph_plugin *q = load("{\"engines\":{\"podman\":{\"enabled\":true,\"sockets\":[]},"
	                           "\"docker\":{\"enabled\":false}}}");
	ph_capture_open(q, err, sizeof(err));
	for (int i = before; i < after; i++) {
		in.evt = (ss_plugin_event *)received[i];
		in.evtnum = (uint64_t)i + 10;
		ph_parse(q, &in, err, sizeof(err));
	}
	print_fields(q, "replay.", cpid);
	ph_unload(q);
	for (int i = 0; i < nreceived; i++)
		free(received[i]);
	ft_free();
	ph_state_tables_free(bridge);
	st_free(st);
	return 0;
}
