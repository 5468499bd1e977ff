/* falco: command line only. Parses options, builds the engine, runs it. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "engine/engine.h"
#include "event/event.h"
#include "state/state.h"

#ifndef FALCO_VERSION
#define FALCO_VERSION "0.1.0"
#endif
#define FALCO_PLUGIN_API_VERSION "3.12.0"
#define FALCO_ENGINE_VERSION "0.63.0"
#define FALCO_DRIVER_SCHEMA_VERSION "4.5.1"

#define FALCO_INSTALL_CONF_FILE "/etc/falco/falco.yaml"
#define MAX_OVERRIDES 256

struct opts {
	const char *conf_file;                 /* -c */
	const char *overrides[MAX_OVERRIDES];  /* -o KEY=VALUE, in order (argv or owned by `owned`) */
	size_t noverrides;
	char *owned[2];                        /* the overrides -e adds */
	bool version, help, list_events, dump_events;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: falco [options]\n"
	        "\n"
	        "  -c <path>                 Configuration file (default " FALCO_INSTALL_CONF_FILE
	        " when it\n"
	        "                            exists, else the built-in defaults).\n"
	        "  -e <file>                 Replay the events of a .scap capture (gzip or plain),\n"
	        "                            same as -o engine.kind=replay\n"
	        "                            -o engine.replay.capture_file=<file>.\n"
	        "  -o, --option <key>=<val>  Set a configuration key (as in falco.yaml; `a.b[0].c`\n"
	        "                            paths, `{...}`/`[...]` values are YAML).\n"
	        "  --dump-events             Print every event shown to rules, one line each, as\n"
	        "                            `sysdig -r` does: number, time, cpu, process name\n"
	        "                            (thread id), direction, type, arguments.\n"
	        "  --list-events             Print every supported event and its parameters.\n"
	        "  --version                 Print version information.\n"
	        "  -h, --help                Print this help.\n");
}

static void print_version(void)
{
	printf("Falco version: %s\n", FALCO_VERSION);
	printf("Libs version:  %s (independent C implementation)\n", FALCO_VERSION);
	printf("Plugin API:    %s\n", FALCO_PLUGIN_API_VERSION);
	printf("Engine:        %s\n", FALCO_ENGINE_VERSION);
	printf("Driver:\n");
	printf("  Schema version: %s\n", FALCO_DRIVER_SCHEMA_VERSION);
}

static int add_override(struct opts *o, const char *kv)
{
	if (o->noverrides == MAX_OVERRIDES) {
		fprintf(stderr, "falco: more than %d -o options\n", MAX_OVERRIDES);
		return -E2BIG;
	}
	o->overrides[o->noverrides++] = kv;
	return 0;
}

/* -e FILE is shorthand for the two replay keys. */
static int add_capture_file(struct opts *o, const char *path)
{
	free(o->owned[1]);
	o->owned[1] = NULL;
	if (o->owned[0] == NULL) {
		o->owned[0] = strdup("engine.kind=replay");
		if (o->owned[0] == NULL || add_override(o, o->owned[0]) < 0)
			return -ENOMEM;
	}
	if (asprintf(&o->owned[1], "engine.replay.capture_file=%s", path) < 0) {
		o->owned[1] = NULL;
		return -ENOMEM;
	}
	return add_override(o, o->owned[1]);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_VERSION = 256, OPT_LIST_EVENTS, OPT_DUMP_EVENTS };
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"option", required_argument, NULL, 'o'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"list-events", no_argument, NULL, OPT_LIST_EVENTS},
		{"dump-events", no_argument, NULL, OPT_DUMP_EVENTS},
		{NULL, 0, NULL, 0},
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hc:e:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': o->help = true; break;
		case 'c': o->conf_file = optarg; break;
		case 'e':
			if (add_capture_file(o, optarg) < 0)
				return -EINVAL;
			break;
		case 'o':
			if (add_override(o, optarg) < 0)
				return -EINVAL;
			break;
		case OPT_VERSION: o->version = true; break;
		case OPT_LIST_EVENTS: o->list_events = true; break;
		case OPT_DUMP_EVENTS: o->dump_events = true; break;
		default:
			fprintf(stderr, "falco: unknown or incomplete option '%s'\n", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "falco: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* falco.yaml (-c, else the installed one when present, else the built-in
 * defaults) with the -o overrides. NULL after printing the error. */
static struct falco_config *load_config(const struct opts *o)
{
	struct falco_config *cfg = NULL;
	struct cfg_err err = {.has_pos = false};
	const char *path = o->conf_file;
	if (path == NULL && access(FALCO_INSTALL_CONF_FILE, R_OK) == 0)
		path = FALCO_INSTALL_CONF_FILE;
	int rc = path != NULL ? cfg_load(path, o->overrides, o->noverrides, &cfg, stderr, &err)
	                      : cfg_load_string("", "(built-in defaults)", o->overrides, o->noverrides, &cfg, stderr,
	                                        &err);
	if (rc < 0) {
		fprintf(stderr, "falco: %s\n", err.msg[0] ? err.msg : "cannot load the configuration");
		return NULL;
	}
	return cfg;
}

/* A source -> engine -> state -> (printer). */
struct run_ctx {
	struct st_state *st;      /* owned by run_source */
	struct ev_resolver res;   /* printers ask the state */
	char args[65536];
};

static int on_parse(void *ctx, const struct eng_event *ev)
{
	struct run_ctx *r = ctx;
	st_apply(r->st, &ev->ev, ev->cpu);
	return 0;
}

/* --dump-events: one line per event shown to rules, as `sysdig -r`. */
static int dump_event(void *ctx, const struct eng_event *ev)
{
	struct run_ctx *r = ctx;
	const struct ev_hdr *h = ev->ev.hdr;
	time_t secs = (time_t)(h->ts / 1000000000ull);
	struct tm tm;
	char hms[16] = "??:??:??";
	if (localtime_r(&secs, &tm) != NULL)
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	ev_render_args(&ev->ev, &r->res, r->args, sizeof(r->args));
	const char *comm = st_comm(r->st, (int64_t)h->tid);
	printf("%llu %s.%09llu %u %s (%lld) %c %s %s\n", (unsigned long long)ev->num, hms,
	       (unsigned long long)(h->ts % 1000000000ull), ev->cpu, comm ? comm : "<NA>", (long long)h->tid,
	       ev_is_exit(h->type) ? '<' : '>', ev_type_name(&ev->ev), r->args);
	return 0;
}

static struct eng *volatile g_running; /* for the signal handler */

static void on_signal(int sig)
{
	(void)sig;
	struct eng *e = g_running;
	if (e != NULL)
		eng_stop(e);
}

static void print_summary(const struct eng *e)
{
	struct eng_stats st;
	eng_get_stats(e, &st);
	fprintf(stderr, "Events read: %llu, numbered: %llu, shown to rules: %llu\n", (unsigned long long)st.read,
	        (unsigned long long)st.numbered, (unsigned long long)st.delivered);
	if (st.src.events)
		fprintf(stderr, "Driver: %llu events, %llu dropped (buffer full: %llu, too large: %llu)\n",
		        (unsigned long long)st.src.events, (unsigned long long)st.src.drops,
		        (unsigned long long)st.src.drops_buffer, (unsigned long long)st.src.drops_size);
	if (st.conv.converted || st.conv.stored)
		fprintf(stderr,
		        "Old events converted: %llu (enter events kept: %llu, evicted: %llu, too large: %llu; "
		        "exits without their enter event: %llu)\n",
		        (unsigned long long)st.conv.converted, (unsigned long long)st.conv.stored,
		        (unsigned long long)st.conv.evicted, (unsigned long long)st.conv.oversize,
		        (unsigned long long)st.conv.no_enter);
}

/* Runs an opened source with `st` (owned here from now on, as is `src`)
 * until it ends, SIGINT/SIGTERM, or an error. */
static int run_source(struct eng_source *src, struct st_state *st, bool dump)
{
	static struct run_ctx r;
	char err[ENG_ERR_LEN];
	r.st = st;
	st_resolver(r.st, &r.res);
	struct eng_hooks hooks = {.ctx = &r, .parse = on_parse, .consume = dump ? dump_event : NULL};
	struct eng *e = eng_new(src, &hooks, err);
	if (e == NULL) {
		fprintf(stderr, "falco: %s\n", err);
		st_free(r.st);
		return 1;
	}
	g_running = e;
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	int rc = eng_run(e);
	g_running = NULL;
	if (rc < 0)
		fprintf(stderr, "falco: %s\n", eng_error(e));
	fflush(stdout);
	print_summary(e);
	eng_free(e);
	st_free(r.st);
	return rc < 0 ? 1 : 0;
}

static int run_replay(const char *capture_file, bool dump)
{
	char err[ENG_ERR_LEN];
	struct eng_source src;
	if (eng_replay_open(capture_file, &src, err) < 0) {
		fprintf(stderr, "falco: Could not open trace filename %s for reading: %s\n", capture_file, err);
		return 1;
	}
	struct st_state *st = st_new(NULL);
	if (st == NULL || st_import_capture(st, eng_replay_meta(&src)) < 0) {
		fprintf(stderr, "falco: %s: cannot load the capture's process and fd lists\n", capture_file);
		src.close(src.impl);
		st_free(st);
		return 1;
	}
	return run_source(&src, st, dump);
}

static int run_live(const struct falco_config *cfg, bool dump)
{
	char err[ENG_ERR_LEN];
	struct eng_source src;
	struct eng_live_opts lo = {
		.sz = sizeof(lo),
		.cpus_for_each_buffer = cfg->engine.modern_ebpf.cpus_for_each_buffer,
		.cpus_for_each_buffer_set = true,
		.buf_size_preset = (uint32_t)cfg->engine.modern_ebpf.buf_size_preset,
		.drop_failed_exit = cfg->engine.modern_ebpf.drop_failed_exit,
	};
	/* State first, then capture: what starts in between is seen by both. */
	struct st_state *st = st_new(NULL);
	if (st == NULL || st_scan_proc(st, "/proc") < 0) {
		fprintf(stderr, "falco: cannot read the initial process table from /proc\n");
		st_free(st);
		return 1;
	}
	if (eng_live_open(&lo, &src, err) < 0) {
		fprintf(stderr, "falco: %s\n", err);
		st_free(st);
		return 1;
	}
	return run_source(&src, st, dump);
}

static int run(const struct opts *o)
{
	struct falco_config *cfg = load_config(o);
	if (cfg == NULL)
		return 1;
	int rc = 1;
	switch (cfg->engine.kind) {
	case CFG_ENGINE_REPLAY:
		if (cfg->engine.replay.capture_file == NULL || cfg->engine.replay.capture_file[0] == '\0')
			fprintf(stderr, "falco: engine.kind=replay needs engine.replay.capture_file\n");
		else
			rc = run_replay(cfg->engine.replay.capture_file, o->dump_events);
		break;
	case CFG_ENGINE_MODERN_EBPF:
		rc = run_live(cfg, o->dump_events);
		break;
	default:
		fprintf(stderr, "falco: engine.kind: only modern_ebpf and replay are built (kmod and nodriver "
		                "are not)\n");
		break;
	}
	cfg_free(cfg);
	return rc;
}

int main(int argc, char **argv)
{
	static struct opts o;
	int rc;
	if (parse_args(argc, argv, &o) < 0) {
		usage(stderr);
		rc = 1;
	} else if (o.help) {
		usage(stdout);
		rc = 0;
	} else if (o.version) {
		print_version();
		rc = 0;
	} else if (o.list_events) {
		ev_list_events(stdout);
		rc = 0;
	} else {
		rc = run(&o);
	}
	free(o.owned[0]);
	free(o.owned[1]);
	return rc;
}
