/* falco: command line only. Parses options, builds the engine, runs it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "event/event.h"
#include "state/state.h"

#ifndef FALCO_VERSION
#define FALCO_VERSION "0.1.0"
#endif
#define FALCO_PLUGIN_API_VERSION "3.12.0"
#define FALCO_ENGINE_VERSION "0.63.0"
#define FALCO_DRIVER_SCHEMA_VERSION "4.5.1"

struct opts {
	const char *capture_file; /* -e, or -o engine.replay.capture_file */
	const char *engine_kind;  /* -o engine.kind */
	bool version, help, list_events, dump_events;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: falco [options]\n"
	        "\n"
	        "  -e <file>                 Replay the events of a .scap capture (gzip or plain),\n"
	        "                            same as -o engine.kind=replay\n"
	        "                            -o engine.replay.capture_file=<file>.\n"
	        "  -o, --option <key>=<val>  Set a configuration key. Understood for now:\n"
	        "                            engine.kind (replay), engine.replay.capture_file.\n"
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

/* The few `-o key=value` settings this binary understands until the
 * configuration module lands. Returns 0, or -EINVAL with a message. */
static int apply_option(struct opts *o, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (eq == NULL || eq == kv) {
		fprintf(stderr, "falco: -o %s: expected key=value\n", kv);
		return -EINVAL;
	}
	size_t klen = (size_t)(eq - kv);
	const char *val = eq + 1;
	if (klen == strlen("engine.kind") && strncmp(kv, "engine.kind", klen) == 0) {
		if (strcmp(val, "replay") != 0) {
			fprintf(stderr, "falco: -o engine.kind=%s: only 'replay' is available in this build\n", val);
			return -EINVAL;
		}
		o->engine_kind = val;
		return 0;
	}
	if (klen == strlen("engine.replay.capture_file") && strncmp(kv, "engine.replay.capture_file", klen) == 0) {
		o->capture_file = val;
		return 0;
	}
	fprintf(stderr, "falco: -o %s: unknown key '%.*s'\n", kv, (int)klen, kv);
	return -EINVAL;
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
	while ((c = getopt_long(argc, argv, "he:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': o->help = true; break;
		case 'e':
			o->capture_file = optarg;
			o->engine_kind = "replay";
			break;
		case 'o':
			if (apply_option(o, optarg) < 0)
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

/* The replay: capture -> engine -> state -> (printer). */
struct replay_ctx {
	struct st_state *st;      /* owned by run_replay */
	struct ev_resolver res;   /* printers ask the state */
	bool dump;
	char args[65536];
};

static int on_parse(void *ctx, const struct eng_event *ev)
{
	struct replay_ctx *r = ctx;
	st_apply(r->st, &ev->ev, ev->cpu);
	return 0;
}

/* --dump-events: one line per event shown to rules, as `sysdig -r`. */
static int dump_event(void *ctx, const struct eng_event *ev)
{
	struct replay_ctx *r = ctx;
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

static int run_replay(const struct opts *o)
{
	char err[ENG_ERR_LEN];
	struct eng_source src;
	if (eng_replay_open(o->capture_file, &src, err) < 0) {
		fprintf(stderr, "falco: %s\n", err);
		return 1;
	}
	static struct replay_ctx r;
	r.st = st_new(NULL);
	if (r.st == NULL || st_import_capture(r.st, eng_replay_meta(&src)) < 0) {
		fprintf(stderr, "falco: %s: cannot load the capture's process and fd lists\n", o->capture_file);
		src.close(src.impl);
		st_free(r.st);
		return 1;
	}
	st_resolver(r.st, &r.res);
	struct eng_hooks hooks = {.ctx = &r, .parse = on_parse, .consume = o->dump_events ? dump_event : NULL};
	struct eng *e = eng_new(&src, &hooks, err);
	if (e == NULL) {
		fprintf(stderr, "falco: %s\n", err);
		st_free(r.st);
		return 1;
	}
	int rc = eng_run(e);
	struct eng_stats st;
	eng_get_stats(e, &st);
	if (rc < 0)
		fprintf(stderr, "falco: %s\n", eng_error(e));
	fprintf(stderr, "Events read: %llu, numbered: %llu, shown to rules: %llu\n", (unsigned long long)st.read,
	        (unsigned long long)st.numbered, (unsigned long long)st.delivered);
	eng_free(e);
	st_free(r.st);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	if (parse_args(argc, argv, &o) < 0) {
		usage(stderr);
		return 1;
	}
	if (o.help) {
		usage(stdout);
		return 0;
	}
	if (o.version) {
		print_version();
		return 0;
	}
	if (o.list_events) {
		ev_list_events(stdout);
		return 0;
	}
	if (o.capture_file != NULL)
		return run_replay(&o);
	if (o.engine_kind != NULL)
		fprintf(stderr, "falco: engine.kind=replay needs engine.replay.capture_file (or -e FILE)\n");
	else
		fprintf(stderr, "falco: no event source: live capture is not built yet; use -e FILE\n");
	return 1;
}
