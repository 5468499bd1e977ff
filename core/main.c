/* falco: command line only. Parses options, builds the engine, runs it. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/drops.h"
#include "app/exitguard.h"
#include "metrics/metrics.h"
#include "app/support.h"
#include "config/config.h"
#include "engine/engine.h"
#include "engine/record.h"
#include "event/event.h"
#include "fields/fields.h"
#include "log/log.h"
#include "output/output.h"
#include "plugin/plugin.h"
#include "rules/engine.h"
#include "rules/rules.h"
#include "sources.h"
#include "state/state.h"
#include "web/web.h"

#ifndef FALCO_VERSION
#define FALCO_VERSION "0.1.0"
#endif
#define FALCO_PLUGIN_API_VERSION "3.12.0"
#define FALCO_ENGINE_VERSION "0.63.0"
#define FALCO_DRIVER_SCHEMA_VERSION "4.5.1"

#define FALCO_INSTALL_CONF_FILE "/etc/falco/falco.yaml"
#define MAX_OVERRIDES 256
#define MAX_RULES_ARGS 64
#define MAX_PLUGINS 32

struct opts {
	const char *conf_file;                 /* -c */
	const char *overrides[MAX_OVERRIDES];  /* -o KEY=VALUE, in order (argv or owned by `owned`) */
	size_t noverrides;
	char *owned[2];                        /* the overrides -e adds */
	bool version, help, list_events, dump_events;
	const char *rules[MAX_RULES_ARGS];     /* -r, in order (argv) */
	size_t nrules;
	const char *validate[MAX_RULES_ARGS];  /* -V, in order (argv) */
	size_t nvalidate;
	bool list_rules;                       /* -L */
	const char *describe_rule;             /* -l NAME */
	bool list_fields;                      /* --list [SOURCE] */
	const char *list_source;
	bool names_only;                       /* -N */
	const char *format;                    /* --format text|markdown|json */
	bool dry_run, unbuffered, verbose;
	const char *print_format;              /* -p */
	long duration_s;                       /* -M */
	const char *plugins[MAX_PLUGINS];      /* --plugin LIB[:INIT_CONFIG] (argv) */
	size_t nplugins;
	bool list_plugins;                     /* --list-plugins */
	const char *plugin_info;               /* --plugin-info NAME */
	const char *record;                    /* --record FILE */
	const char *enable_src[MAX_PLUGINS + 1];  /* --enable-source (argv) */
	size_t nenable;
	const char *disable_src[MAX_PLUGINS + 1]; /* --disable-source (argv) */
	size_t ndisable;
	const char *pidfile;                   /* -P */
	bool support, config_schema;           /* --support, --config-schema */
	char *cmdline;                         /* owned: argv joined, for --support */
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
	        "  -r <path>                 Rules file or directory (repeatable; replaces\n"
	        "                            rules_files of falco.yaml).\n"
	        "  -V <path>                 Validate a rules file and exit (repeatable; JSON with\n"
	        "                            -o json_output=true).\n"
	        "  -L                        List the loaded rules (name and description).\n"
	        "  -l <rule>                 Describe one rule.\n"
	        "  --list [<source>]         List the supported fields (of one source).\n"
	        "  -N                        With --list: field names only.\n"
	        "  --format <fmt>            With --list / --list-events: text, markdown or json.\n"
	        "  -M <seconds>              Stop after this many seconds.\n"
	        "  --record <file>           Write every event the driver sees to a .scap file\n"
	        "                            (all syscalls, not only the rules' ones), after\n"
	        "                            the state at start (machine, users, processes,\n"
	        "                            fds) and the plugins' dump_state events; e.g.\n"
	        "                            `falco --record run.scap -M 10`, replay with -e.\n"
	        "                            Alert-triggered captures: falco.yaml `capture`.\n"
	        "  -p <format>               Append this format to every rule's output.\n"
	        "  -U, --unbuffered          Do not buffer alert outputs.\n"
	        "  --dry-run                 Load configuration and rules, do not run.\n"
	        "  -v                        Verbose: log the selected syscalls and rules.\n"
	        "  -P, --pidfile <path>      Write our pid to this file while running.\n"
	        "  --support                 Print support information (versions, uname, config, rules) as JSON.\n"
	        "  --config-schema           Print the falco.yaml JSON schema and exit.\n"
	        "  --plugin <lib>[:<init>]   Load a plugin, after those of falco.yaml's\n"
	        "                            load_plugins: a path (with a '/'), or a bare name:\n"
	        "                            <name>.so or lib<name>.so in " CFG_PLUGINS_DIR ",\n"
	        "                            else the plugin of that name built with falco.\n"
	        "                            <init> is the plugin's init config.\n"
	        "  --enable-source <source>  Enable only the named event sources (repeatable;\n"
	        "                            exclusive with --disable-source).\n"
	        "  --disable-source <source> Disable an event source (repeatable).\n"
	        "  --list-plugins            Print the loaded plugins.\n"
	        "  --plugin-info <name>      Print a plugin's description, init schema and open\n"
	        "                            params.\n"
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
	enum { OPT_VERSION = 256, OPT_LIST_EVENTS, OPT_DUMP_EVENTS, OPT_LIST, OPT_FORMAT, OPT_DRY_RUN,
	       OPT_PLUGIN, OPT_LIST_PLUGINS, OPT_PLUGIN_INFO, OPT_ENABLE_SOURCE, OPT_DISABLE_SOURCE,
	       OPT_SUPPORT, OPT_CONFIG_SCHEMA, OPT_RECORD };
	static const struct option longopts[] = {
		{"plugin", required_argument, NULL, OPT_PLUGIN},
		{"support", no_argument, NULL, OPT_SUPPORT},
		{"config-schema", no_argument, NULL, OPT_CONFIG_SCHEMA},
		{"pidfile", required_argument, NULL, 'P'},
		{"list-plugins", no_argument, NULL, OPT_LIST_PLUGINS},
		{"plugin-info", required_argument, NULL, OPT_PLUGIN_INFO},
		{"record", required_argument, NULL, OPT_RECORD},
		{"enable-source", required_argument, NULL, OPT_ENABLE_SOURCE},
		{"disable-source", required_argument, NULL, OPT_DISABLE_SOURCE},
		{"list", optional_argument, NULL, OPT_LIST},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"dry-run", no_argument, NULL, OPT_DRY_RUN},
		{"unbuffered", no_argument, NULL, 'U'},
		{"help", no_argument, NULL, 'h'},
		{"option", required_argument, NULL, 'o'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"list-events", no_argument, NULL, OPT_LIST_EVENTS},
		{"dump-events", no_argument, NULL, OPT_DUMP_EVENTS},
		{NULL, 0, NULL, 0},
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hc:e:o:r:V:Ll:NM:p:UvP:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
		case 'V':
			if ((c == 'r' ? o->nrules : o->nvalidate) == MAX_RULES_ARGS) {
				fprintf(stderr, "falco: more than %d -%c options\n", MAX_RULES_ARGS, c);
				return -EINVAL;
			}
			if (c == 'r')
				o->rules[o->nrules++] = optarg;
			else
				o->validate[o->nvalidate++] = optarg;
			break;
		case 'L': o->list_rules = true; break;
		case 'l': o->describe_rule = optarg; break;
		case 'N': o->names_only = true; break;
		case 'U': o->unbuffered = true; break;
		case 'v': o->verbose = true; break;
		case 'P': o->pidfile = optarg; break;
		case OPT_SUPPORT: o->support = true; break;
		case OPT_CONFIG_SCHEMA: o->config_schema = true; break;
		case 'p': o->print_format = optarg; break;
		case 'M': {
			char *end;
			o->duration_s = strtol(optarg, &end, 10);
			if (*end || o->duration_s < 0) {
				fprintf(stderr, "falco: -M: not a number of seconds: '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		}
		case OPT_LIST:
			o->list_fields = true;
			if (!optarg && optind < argc && argv[optind][0] != '-')
				optarg = argv[optind++];
			o->list_source = optarg;
			break;
		case OPT_FORMAT: o->format = optarg; break;
		case OPT_DRY_RUN: o->dry_run = true; break;
		case OPT_PLUGIN:
			if (o->nplugins == MAX_PLUGINS) {
				fprintf(stderr, "falco: more than %d --plugin options\n", MAX_PLUGINS);
				return -EINVAL;
			}
			o->plugins[o->nplugins++] = optarg;
			break;
		case OPT_LIST_PLUGINS: o->list_plugins = true; break;
		case OPT_PLUGIN_INFO: o->plugin_info = optarg; break;
		case OPT_RECORD: o->record = optarg; break;
		case OPT_ENABLE_SOURCE:
		case OPT_DISABLE_SOURCE: {
			bool en = c == OPT_ENABLE_SOURCE;
			size_t *n = en ? &o->nenable : &o->ndisable;
			if (*n == MAX_PLUGINS + 1) {
				fprintf(stderr, "falco: too many --%s options\n", en ? "enable-source" : "disable-source");
				return -EINVAL;
			}
			(en ? o->enable_src : o->disable_src)[(*n)++] = optarg;
			break;
		}
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

/* Everything a run builds, freed in reverse order by app_free. */
struct app {
	const struct opts *o;
	struct falco_config *cfg;     /* owned */
	struct fld_reg *reg;          /* owned: the syscall source's fields */
	struct out_static *sf;        /* owned: static_fields class; freed last */
	struct out_config oc;         /* arrays owned (out_config_release) */
	bool oc_set;
	struct out_mgr *mgr;          /* owned */
	struct rules_engine *re;      /* owned */
	int src;                      /* the syscall source's index in re */
	size_t nplugins;
	struct ph_plugin *plugins[MAX_PLUGINS];   /* owned, in load order */
	const char *plugin_init[MAX_PLUGINS];     /* borrowed init configs */
	const char *plugin_path[MAX_PLUGINS];     /* borrowed library paths (--plugin-info PATH) */
	size_t nsources;                          /* event sources: [0] syscall, then plugins' */
	struct rules_source_desc sources[MAX_PLUGINS + 1]; /* names borrowed from the plugins */
	struct fld_reg *plugin_regs[MAX_PLUGINS]; /* owned: sources[1..] registries */
	char *owned_paths[MAX_PLUGINS];           /* owned: resolved --plugin paths */
	struct ph_plugin *src_plugin[MAX_PLUGINS + 1]; /* the sourcing plugin of sources[i] (NULL: syscall) */
	const char *src_params[MAX_PLUGINS + 1];       /* its open_params (borrowed) */
	struct st_state *st;                      /* owned: the syscall source's state */
	struct ph_state_tables *tables;           /* owned: plugins' view of st; outlives them */
	size_t nparsers;
	struct ph_plugin *parsers[MAX_PLUGINS];   /* borrowed: plugins with CAP_PARSING */
	/* Live runs, as upstream's one inspector per source: each plugin source
	 * i >= 1 has its own initialised instances of the plugins that serve it
	 * (its sourcing plugin; extractors, parsers, async plugins compatible
	 * with it), with their own (empty) state and tables, so that no
	 * instance is ever called from two source threads. The loaded plugins
	 * above serve the syscall source (all sources in replays, which run on
	 * one thread) and everything global (--list-plugins, rules checks). */
	bool per_source;
	struct ph_plugin *inst[MAX_PLUGINS + 1][MAX_PLUGINS]; /* owned: [i][0..ninst[i]) */
	size_t ninst[MAX_PLUGINS + 1];
	struct ph_plugin *inst_source[MAX_PLUGINS + 1];       /* borrowed: the sourcing one in inst[i] */
	struct st_state *inst_st[MAX_PLUGINS + 1];            /* owned: source i's state */
	struct ph_state_tables *inst_tables[MAX_PLUGINS + 1]; /* owned: its tables bridge */
	struct rec *rec;                          /* owned: --record, NULL without */
	bool rec_dumped;                          /* plugins' dump_state written to rec */
	struct rec_trigger *trig;                 /* owned: falco.yaml capture.enabled */
	bool replaying;                           /* reading a capture (engine.kind=replay) */
	struct srcs_replay *replay;               /* owned: the plugin sources of a replay; NULL when
	                                           * live or printing (--dump-events) */
	struct metrics *metrics;                  /* owned: falco.yaml metrics.enabled, else NULL */
	struct web *web;                          /* owned: falco.yaml webserver.enabled (not replays) */
};

/* Ends --record and the alert-triggered captures (idempotent). */
static void app_record_close(struct app *a)
{
	char err[REC_ERR_LEN] = "";
	if (a->rec) {
		fprintf(stderr, "Recorded %llu events to %s\n", (unsigned long long)rec_events(a->rec), rec_path(a->rec));
		if (rec_close(a->rec, err) < 0)
			fprintf(stderr, "falco: --record: %s\n", err);
		a->rec = NULL;
	}
	rec_trigger_free(a->trig);
	a->trig = NULL;
}

static void app_free(struct app *a)
{
	/* core/output's order: the manager (its rules use the compilers'
	 * bindings), then the rules engine (programs, compilers), then the
	 * registries, static fields last; the web server first (it reads
	 * metrics). */
	web_stop(a->web);
	metrics_free(a->metrics);
	out_mgr_free(a->mgr);
	app_record_close(a);
	rules_engine_free(a->re);
	fld_reg_free(a->reg);
	for (size_t i = 1; i < a->nsources; i++)
		fld_reg_free(a->plugin_regs[i - 1]);
	/* plugins in reverse load order, then their tables bridge, then state */
	for (size_t i = 1; i < a->nsources; i++) {
		for (size_t k = a->ninst[i]; k > 0; k--)
			ph_unload(a->inst[i][k - 1]);
		ph_state_tables_free(a->inst_tables[i]);
		st_free(a->inst_st[i]);
	}
	for (size_t i = a->nplugins; i > 0; i--)
		ph_unload(a->plugins[i - 1]);
	ph_state_tables_free(a->tables);
	st_free(a->st);
	for (size_t i = 0; i < MAX_PLUGINS; i++)
		free(a->owned_paths[i]);
	out_static_free(a->sf);
	if (a->oc_set)
		out_config_release(&a->oc);
	cfg_free(a->cfg);
}

/* The syscall source's field registry: builtin classes, state classes,
 * static_fields. */
static int app_fields(struct app *a)
{
	if (out_config_from_falco(&a->oc, a->cfg, a->o->unbuffered, a->o->print_format) < 0)
		return -ENOMEM;
	a->oc_set = true;
	a->sf = out_static_new(a->oc.static_fields, a->oc.nstatic_fields);
	a->reg = fld_reg_new();
	if (!a->sf || !a->reg || fld_reg_add_builtin(a->reg) < 0 || st_fields_register(a->reg) < 0)
		return -ENOMEM;
	const struct fld_class *cls = out_static_class(a->sf);
	if (cls && fld_reg_add(a->reg, cls) < 0)
		return -EEXIST;
	return 0;
}

/* A plugin's async event names become event types for the filter
 * (`evt.type = NAME`), as upstream adds them to its event table. */
static int register_async_names(const struct ph_plugin *p)
{
	struct ph_strlist names = ph_async_names(p);
	for (uint32_t i = 0; i < names.n; i++)
		if (fld_async_name_add(names.v[i]) < 0) {
			fprintf(stderr, "falco: plugin %s: cannot register async event name '%s' (more than %d "
			        "names)\n", ph_name(p), names.v[i], FLD_ASYNC_NAMES_MAX);
			return -1;
		}
	return 0;
}

/* falco.yaml's log_level, log_stderr, log_syslog and libs_logger (the
 * plugins' log messages). Returns 0 or -1 after printing why. */
static int app_log(struct app *a)
{
	char err[128];
	struct log_opts lo = {
		.sz = sizeof(lo), .level = a->cfg->log_level, .to_stderr = a->cfg->log_stderr,
		.to_syslog = a->cfg->log_syslog, .libs_enabled = a->cfg->libs_logger.enabled,
		.libs_severity = a->cfg->libs_logger.severity,
	};
	if (log_configure(&lo, err) < 0) {
		fprintf(stderr, "falco: %s\n", err);
		return -1;
	}
	return 0;
}

static bool serves_source(const struct app *a, const struct ph_plugin *p, size_t s);

/* One plugin: loaded, initialised, its fields in the registries of the
 * sources it extracts from. Returns 0 or -1 after printing why. */
static int load_plugin(struct app *a, const char *path, const char *init, const char *params)
{
	char err[1024];
	struct ph_opts po = { .sz = sizeof(po), .tables = a->tables ? ph_state_tables_get(a->tables) : NULL };
	struct ph_plugin *p;
	if (a->nplugins == MAX_PLUGINS) {
		fprintf(stderr, "falco: more than %d plugins\n", MAX_PLUGINS);
		return -1;
	}
	if (ph_load(path, &po, &p, err, sizeof(err)) < 0) {
		fprintf(stderr, "falco: cannot load plugin %s: %s\n", path, err);
		return -1;
	}
	a->plugin_init[a->nplugins] = init;
	a->plugin_path[a->nplugins] = path;
	a->plugins[a->nplugins++] = p;
	log_msg(LOG_LVL_INFO, "Loaded plugin '%s@%s' from file %s", ph_name(p), ph_version(p), path);
	/* A live run initialises only instances that serve a source, as
	 * upstream: this one serves the syscall source (plugin sources get
	 * their own in source_instances()); one serving no syscall events
	 * stays uninitialised, for the description only. */
	bool used = !a->per_source || serves_source(a, p, 0);
	if (used && ph_init(p, init, err, sizeof(err)) < 0) {
		fprintf(stderr, "falco: cannot initialize plugin %s: %s\n", ph_name(p), err);
		return -1;
	}
	if (used && ph_check_event_schema(p, PH_EVENT_SCHEMA_VERSION, err, sizeof(err)) < 0) {
		fprintf(stderr, "falco: plugin %s is not compatible with this event schema: %s\n", ph_name(p), err);
		return -1;
	}
	if (ph_caps(p) & CAP_PARSING)
		a->parsers[a->nparsers++] = p;
	if (register_async_names(p) < 0)
		return -1;
	if ((ph_caps(p) & CAP_SOURCING) && ph_event_source(p)[0] && a->nsources <= MAX_PLUGINS) {
		struct fld_reg *r = fld_reg_new();
		if (!r || fld_reg_add_builtin(r) < 0)
			return -1;
		a->plugin_regs[a->nsources - 1] = r;
		a->src_plugin[a->nsources] = p;
		a->src_params[a->nsources] = params;
		a->sources[a->nsources++] = (struct rules_source_desc){ ph_event_source(p), r };
	}
	return 0;
}

/* The instance of loaded plugin `p` that serves source s, or NULL. */
static struct ph_plugin *instance_for(const struct app *a, size_t s, const struct ph_plugin *p)
{
	if (s == 0 || !a->per_source)
		return (struct ph_plugin *)p;
	for (size_t k = 0; k < a->ninst[s]; k++)
		if (!strcmp(ph_name(a->inst[s][k]), ph_name(p)))
			return a->inst[s][k];
	return NULL;
}

/* Extraction plugins' field classes, for every source they extract from:
 * each source gets the class of its own instance. */
static int add_plugin_fields(struct app *a)
{
	char err[512];
	for (size_t i = 0; i < a->nplugins; i++) {
		if (!(ph_caps(a->plugins[i]) & CAP_EXTRACTION))
			continue;
		for (size_t s = 0; s < a->nsources; s++) {
			struct ph_plugin *p = instance_for(a, s, a->plugins[i]);
			const struct fld_class *cls;
			if (p == NULL)
				continue;
			if (ph_field_class(p, &cls, err, sizeof(err)) < 0) {
				fprintf(stderr, "falco: plugin %s: %s\n", ph_name(p), err);
				return -1;
			}
			if (!fld_class_has_source(cls, a->sources[s].name))
				continue;
			int rc = fld_reg_add((struct fld_reg *)a->sources[s].reg, cls);
			if (rc < 0) {
				fprintf(stderr, "falco: plugin %s: its fields for source %s overlap fields already "
					"defined (%s)\n", ph_name(p), a->sources[s].name, strerror(-rc));
				return -1;
			}
		}
	}
	return 0;
}

/* Whether `list` admits source `src` (an empty list admits every source),
 * as upstream's sinsp_plugin::is_source_compatible. */
static bool source_compatible(struct ph_strlist list, const char *src)
{
	for (uint32_t i = 0; i < list.n; i++)
		if (!strcmp(list.v[i], src))
			return true;
	return list.n == 0;
}

/* Whether loaded plugin p serves plugin source s: upstream's rule for
 * registering a plugin into a source's inspector (init_inspectors.cpp). */
static bool serves_source(const struct app *a, const struct ph_plugin *p, size_t s)
{
	const char *src = a->sources[s].name;
	uint32_t c = ph_caps(p);
	return p == a->src_plugin[s] ||
	       ((c & CAP_EXTRACTION) && source_compatible(ph_extract_sources(p), src)) ||
	       ((c & CAP_PARSING) && source_compatible(ph_parse_sources(p), src)) ||
	       ((c & CAP_ASYNC) && source_compatible(ph_async_sources(p), src));
}

static bool serves_any_plugin_source(const struct app *a, const struct ph_plugin *p)
{
	for (size_t s = 1; s < a->nsources; s++)
		if (serves_source(a, p, s))
			return true;
	return false;
}

/* Plugin source s's own instances of the plugins that serve it: loaded
 * again (dlopen shares the library, init gives a new plugin state) and
 * initialised with the same config, with the source's own state tables.
 * Returns 0 or -1 after printing why. */
static int source_instances(struct app *a, size_t s)
{
	struct st_opts so = { .sz = sizeof(so), .thread_table_size = a->cfg->falco_libs.thread_table_size };
	char err[1024];
	if (!(a->inst_st[s] = st_new(&so)) || !(a->inst_tables[s] = ph_state_tables_new(a->inst_st[s]))) {
		fprintf(stderr, "falco: out of memory\n");
		return -1;
	}
	struct ph_opts po = { .sz = sizeof(po), .tables = ph_state_tables_get(a->inst_tables[s]) };
	for (size_t k = 0; k < a->nplugins; k++) {
		if (!serves_source(a, a->plugins[k], s))
			continue;
		struct ph_plugin *p;
		if (ph_load(a->plugin_path[k], &po, &p, err, sizeof(err)) < 0) {
			fprintf(stderr, "falco: cannot load plugin %s for source %s: %s\n", a->plugin_path[k],
			        a->sources[s].name, err);
			return -1;
		}
		a->inst[s][a->ninst[s]++] = p;
		if (ph_init(p, a->plugin_init[k], err, sizeof(err)) < 0) {
			fprintf(stderr, "falco: cannot initialize plugin %s for source %s: %s\n", ph_name(p),
			        a->sources[s].name, err);
			return -1;
		}
		if (a->plugins[k] == a->src_plugin[s])
			a->inst_source[s] = p;
		log_msg(LOG_LVL_DEBUG, "Initialized plugin '%s' instance for event source '%s'", ph_name(p),
		        a->sources[s].name);
	}
	return 0;
}

/* Whether this run opens event sources live (not a replay, not a listing). */
static bool runs_live(const struct app *a)
{
	const struct opts *o = a->o;
	return a->cfg->engine.kind != CFG_ENGINE_REPLAY && !o->list_plugins && !o->plugin_info &&
	       !o->list_fields && !o->nvalidate && !o->support && !o->list_rules && !o->describe_rule;
}

/* A bare plugin name's file among the plugins bundled with this build:
 * <dir of the falco binary>/../plugins/<name>/lib<name>.so (the build
 * tree's layout). NULL when there is none. Owned by the caller. */
static char *bundled_plugin(const char *file, size_t n)
{
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return NULL;
	exe[len] = 0;
	char *slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	/* the plugin's name: "json" of "libjson.so" or "json" */
	const char *name = file;
	size_t nl = n;
	if (nl > 3 && !strncmp(name + nl - 3, ".so", 3))
		nl -= 3;
	if (nl > 3 && !strncmp(name, "lib", 3)) {
		name += 3;
		nl -= 3;
	}
	char *path;
	if (asprintf(&path, "%s/../plugins/%.*s/lib%.*s.so", exe, (int)nl, name, (int)nl, name) < 0)
		return NULL;
	if (access(path, R_OK) == 0)
		return path;
	free(path);
	return NULL;
}

/* `--plugin LIB[:INIT]`. LIB with a '/' is a path (relative to the working
 * directory). A bare LIB is a file of the plugins directory, as falco.yaml
 * resolves a relative library_path: LIB itself when it ends in ".so", else
 * lib<LIB>.so; when that file does not exist, the plugin of that name
 * bundled with this build (see bundled_plugin()). */
static int plugin_arg(struct app *a, size_t k, const char *arg, const char **path, const char **init)
{
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	bool bare = !memchr(arg, '/', n);
	bool so = n > 3 && !strncmp(arg + n - 3, ".so", 3);
	int rc = bare ? asprintf(&a->owned_paths[k], "%s%s%.*s%s", CFG_PLUGINS_DIR, so ? "" : "lib", (int)n, arg,
	                         so ? "" : ".so")
	              : asprintf(&a->owned_paths[k], "%.*s", (int)n, arg);
	if (rc < 0) {
		a->owned_paths[k] = NULL;
		return -1;
	}
	if (bare && access(a->owned_paths[k], F_OK) != 0) {
		char *b = bundled_plugin(arg, n);
		if (b) {
			free(a->owned_paths[k]);
			a->owned_paths[k] = b;
		}
	}
	*path = a->owned_paths[k];
	*init = colon ? colon + 1 : "";
	return 0;
}

/* falco.yaml's plugins (after load_plugins), then --plugin ones. */
static int app_plugins(struct app *a)
{
	a->sources[0] = (struct rules_source_desc){ "syscall", a->reg };
	a->nsources = 1;
	/* The state exists before plugins: they reach its tables at init. */
	struct st_opts so = {
		.sz = sizeof(so),
		.thread_table_size = a->cfg->falco_libs.thread_table_size,
		.purge_interval_s = a->cfg->falco_libs.thread_table_auto_purging_interval_s,
		.thread_timeout_s = a->cfg->falco_libs.thread_table_auto_purging_thread_timeout_s,
	};
	if (!(a->st = st_new(&so)) || !(a->tables = ph_state_tables_new(a->st))) {
		fprintf(stderr, "falco: out of memory\n");
		return -1;
	}
	a->per_source = runs_live(a);
	for (size_t i = 0; i < a->cfg->n_plugins; i++)
		if (load_plugin(a, a->cfg->plugins[i].library_path, a->cfg->plugins[i].init_config,
		                a->cfg->plugins[i].open_params) < 0)
			return -1;
	for (size_t i = 0; i < a->o->nplugins; i++) {
		const char *path, *init;
		if (plugin_arg(a, i, a->o->plugins[i], &path, &init) < 0 || load_plugin(a, path, init, "") < 0)
			return -1;
	}
	for (size_t s = 1; a->per_source && s < a->nsources; s++)
		if (source_instances(a, s) < 0)
			return -1;
	for (size_t k = 0; a->per_source && k < a->nplugins; k++)
		if (!serves_source(a, a->plugins[k], 0) && !serves_any_plugin_source(a, a->plugins[k])) {
			fprintf(stderr, "falco: Plugin '%s' is loaded but unused as not compatible with any known event "
			        "source\n", ph_name(a->plugins[k]));
			return -1;
		}
	return add_plugin_fields(a);
}

static int list_plugins(const struct app *a)
{
	printf("%zu Plugins Loaded:\n\n", a->nplugins);
	for (size_t i = 0; i < a->nplugins; i++) {
		ph_print_info(a->plugins[i], stdout);
		printf("\n");
	}
	printf("\n");
	return 0;
}

static int plugin_info(const struct app *a, const char *name)
{
	char err[512];
	for (size_t i = 0; i < a->nplugins; i++) {
		struct ph_plugin *p = a->plugins[i];
		/* as upstream: the plugin's name or its configured library path */
		if (strcmp(ph_name(p), name) && strcmp(a->plugin_path[i], name))
			continue;
		ph_print_info(p, stdout);
		printf("\n");
		ph_print_init_schema(p, stdout);
		if (ph_print_open_params(p, stdout, err, sizeof(err)) < 0) {
			fprintf(stderr, "falco: %s\n", err);
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "falco: can't find plugin and print its info: %s\n", name);
	return 1;
}

/* A plugin's dump_state event: written to the capture in `ctx`, with the
 * current time when the plugin leaves it to the host (ts -1). */
static int write_dumped(void *ctx, struct ph_plugin *p, const ss_plugin_event *evt)
{
	(void)p;
	static uint8_t buf[1u << 16];
	if (evt->len > sizeof(buf) || evt->len < sizeof(struct ev_hdr))
		return 0;
	memcpy(buf, evt, evt->len);
	struct ev_hdr *h = (struct ev_hdr *)buf;
	if (h->ts == UINT64_MAX) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		h->ts = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	if (rec_event(ctx, h, 0, 0) < 0)
		fprintf(stderr, "falco: capture: %s\n", rec_error(ctx));
	return 0;
}

/* Every plugin's state as async events (upstream writes them after the
 * process lists, so that a replay rebuilds e.g. the container table). */
static void dump_plugins_state(const struct app *a, struct rec *r)
{
	char err[512];
	for (size_t i = 0; i < a->nplugins; i++)
		if ((ph_caps(a->plugins[i]) & CAP_ASYNC) &&
		    ph_dump_state(a->plugins[i], write_dumped, r, err, sizeof(err)) < 0)
			log_msg(LOG_LVL_ERR, "%s", err);
}

/* capture.enabled: a match of a rule with `capture: true` (mode rules) or
 * of any rule (mode all_rules) starts a capture file. Live: syscall source
 * only (plugin sources run on other threads); a replay runs every source
 * on its thread, so any source's rules may start one, as upstream's
 * capture mode does. */
static void on_capture_match(void *ud, size_t rule, const struct fld_ctx *ctx)
{
	struct app *a = ud;
	bool syscall = ctx->source && !strcmp(ctx->source, "syscall") && ctx->state;
	if (!ctx->ev || !(syscall || a->replay))
		return;
	struct rules_engine_rule ri;
	rules_engine_rule(a->re, rule, &ri);
	if (a->cfg->capture.mode == CFG_CAPTURE_RULES && !ri.capture)
		return;
	bool opened = false;
	rec_trigger_fire(a->trig, syscall ? ctx->state : a->st, ctx->ev->hdr, ctx->cpu, ri.capture_duration, &opened);
}

/* A triggered capture file begins: the plugins' state first, as upstream. */
static void on_capture_open(void *ud, struct rec *r)
{
	dump_plugins_state(ud, r);
}

/* Loads `paths` into a new rules engine (alerts to a->mgr when set).
 * Prints upstream-like messages; returns 0 or -1. */
static int app_rules(struct app *a, const char *const *paths, size_t n, bool quiet)
{
	static struct rules_plugin_info infos[MAX_PLUGINS];
	static const char *psources[MAX_PLUGINS];
	for (size_t i = 0; i < a->nplugins; i++) {
		infos[i] = (struct rules_plugin_info){ ph_name(a->plugins[i]), ph_version(a->plugins[i]) };
		psources[i] = ph_event_source(a->plugins[i]);
	}
	struct rules_engine_opts ro = {
		.sz = sizeof(ro), .sources = a->sources, .nsources = a->nsources, .mgr = a->mgr,
		.min_priority = a->cfg->priority, .select = a->cfg->rules_select,
		.nselect = a->cfg->n_rules_select, .matching = a->cfg->rule_matching,
		.plugins = infos, .nplugins = a->nplugins, .check_plugins = !quiet, .plugin_sources = psources,
		.on_match = a->trig ? on_capture_match : NULL, .on_match_ud = a,
	};
	a->re = rules_engine_new(&ro);
	if (!a->re) {
		fprintf(stderr, "falco: out of memory\n");
		return -1;
	}
	a->src = rules_engine_source(a->re, "syscall");
	if (!quiet && n)
		fprintf(stderr, "Loading rules from:\n");
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		if (!quiet)
			fprintf(stderr, "   %s\n", paths[i]);
		rc = rules_engine_load_path(a->re, paths[i]);
	}
	char err[1024] = "";
	if (!rc)
		rc = rules_engine_compile(a->re, err, sizeof(err));
	if (quiet)
		return 0;
	if (rc || !rules_engine_ok(a->re)) {
		fprintf(stderr, "Error: ");
		if (!rules_engine_ok(a->re))
			rules_engine_print_results(a->re, stderr, false);
		if (err[0])
			fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (a->o->verbose)
		rules_engine_print_results(a->re, stderr, false);
	return 0;
}

/* -V FILE...: load them as one set, print each file's result. */
static int validate(struct app *a)
{
	if (app_rules(a, a->o->validate, a->o->nvalidate, true) < 0)
		return 1;
	rules_engine_print_results(a->re, stdout, a->cfg->json_output);
	return rules_engine_ok(a->re) ? 0 : 1;
}

/* A source -> engine -> state -> rules (or a printer). */
struct run_ctx {
	struct st_state *st;      /* owned by run_source */
	struct ev_resolver res;   /* printers ask the state */
	struct app *app;
	struct fld_ctx fctx;      /* extraction context of the syscall rules */
	struct eng *eng;          /* the syscall engine (borrowed) */
	struct drops *drops;      /* owned: syscall_event_drops; NULL when off */
	struct srcs_replay *replay; /* borrowed: a replay's plugin sources, or NULL */
	bool drop_exit;           /* the drops exit action fired */
	struct metrics_src *msrc; /* metrics of the syscall source, or NULL */
	char args[65536];
};

/* The running engines, for the signal handler. */
static struct eng *volatile g_running[MAX_PLUGINS + 1];
static volatile size_t g_nrunning;

/* The drops exit action: every engine stops, the run fails. */
static void stop_for_drops(struct run_ctx *r)
{
	r->drop_exit = true;
	for (size_t i = 0; i < g_nrunning; i++)
		if (g_running[i] != NULL)
			eng_stop(g_running[i]);
}

/* The driver's counters, in upstream's names, for core/app/drops. */
static void read_drop_counters(void *ctx, struct drops_counters *out)
{
	struct run_ctx *r = ctx;
	struct eng_stats st;
	memset(out, 0, sizeof(*out));
	if (r->eng == NULL)
		return;
	eng_get_stats(r->eng, &st);
	out->n_evts = st.src.events;
	out->n_drops = st.src.drops;
	out->n_drops_buffer = st.src.drops_buffer;
}

/* syscall_event_drops for the syscall engine (upstream checks the syscall
 * source, live or replayed). NULL when it needs nothing or on ENOMEM. */
static struct drops *app_drops(struct app *a, struct run_ctx *r)
{
	const struct falco_config *c = a->cfg;
	int lvl = drops_log_level(c->log_level);
	struct drops_opts o = {
		.actions = c->syscall_event_drops.actions,
		.threshold = c->syscall_event_drops.threshold,
		.rate = c->syscall_event_drops.rate,
		.max_burst = c->syscall_event_drops.max_burst,
		.simulate = c->syscall_event_drops.simulate_drops,
		.modern_bpf = c->engine.kind == CFG_ENGINE_MODERN_EBPF,
		.log_level = lvl < 0 ? 6 /* info */ : lvl,
		.log_stderr = c->log_stderr,
		.iso8601 = c->time_format_iso_8601,
		.read = read_drop_counters,
		.read_ctx = r,
		.mgr = a->mgr,
	};
	return drops_new(&o);
}

/* A replay: the events of plugin sources go to them (sources.h), with
 * upstream's error for shown events of plugin ids no loaded plugin has.
 * Returns SRCS_ROUTE_SYSCALL when the syscall source takes the event,
 * another route when it is done with, or a negative errno to stop. */
static int replay_route(struct run_ctx *r, const struct eng_event *ev)
{
	char err[256];
	uint32_t id;
	int rc = srcs_replay_parse(r->replay, ev, &id, err, sizeof(err));
	if (rc == SRCS_ROUTE_UNKNOWN && !ev->hidden) {
		snprintf(err, sizeof(err), "Unknown event source for inspector's event (plugin ID: %u): no loaded "
		         "plugin has this id", id);
		rc = -ENOENT;
	}
	if (rc < 0)
		fprintf(stderr, "falco: %s: offset %llu: event %llu: %s\n", eng_source(r->eng)->name,
		        (unsigned long long)ev->offset, (unsigned long long)ev->num, err);
	return rc;
}

static int on_parse(void *ctx, const struct eng_event *ev)
{
	struct run_ctx *r = ctx;
	struct app *a = r->app;
	if (!r->replay)
		metrics_poll(r->msrc); /* a replay polls once the event's source is known */
	if (r->drops && !r->drop_exit && drops_event(r->drops, ev->ev.hdr->ts) < 0)
		stop_for_drops(r);
	if (a->rec) {
		/* plugins' state after their capture_open, before the first event */
		if (!a->rec_dumped) {
			a->rec_dumped = true;
			dump_plugins_state(a, a->rec);
		}
		int rrc = rec_event(a->rec, ev->ev.hdr, ev->cpu, ev->flags);
		if (rrc < 0)
			fprintf(stderr, "falco: --record: %s\n", rec_error(a->rec));
	}
	if (a->trig)
		rec_trigger_event(a->trig, ev->ev.hdr, ev->cpu, ev->flags);
	if (r->replay) {
		int rc = replay_route(r, ev);
		/* one collector for the capture, as upstream's capture mode: a
		 * snapshot is the current event's source's */
		metrics_set_event_source(r->msrc, srcs_replay_source(r->replay));
		metrics_poll(r->msrc);
		if (rc != SRCS_ROUTE_SYSCALL)
			return rc < 0 ? rc : 0;
	}
	st_apply(r->st, &ev->ev, ev->cpu);
	srcs_parse(a->parsers, a->nparsers, ev, "syscall");
	return 0;
}

/* The rules of the syscall source on one event. */
static int on_event(void *ctx, const struct eng_event *ev)
{
	struct run_ctx *r = ctx;
	struct fld_ctx *f = &r->fctx;
	if (r->replay && srcs_replay_eval(r->replay, ev))
		return 0;
	fld_ctx_next(f);
	f->ev = &ev->ev;
	f->num = ev->num;
	f->cpu = ev->cpu;
	f->fd_type = st_event_fd_typechar(r->st);
	if (!f->first_ts)
		f->first_ts = ev->ev.hdr->ts;
	rules_engine_process(r->app->re, r->app->src, f);
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

/* No syscall event for a while: answer an on-demand metrics request. */
static void on_idle(void *ctx)
{
	metrics_poll_idle(((struct run_ctx *)ctx)->msrc);
}

static volatile sig_atomic_t g_stop_requested; /* a signal came before the engines ran */

static void on_signal(int sig)
{
	(void)sig;
	g_stop_requested = 1;
	exg_arm(); /* stopping must not take for ever (a blocked write, say) */
	for (size_t i = 0; i < g_nrunning; i++)
		if (g_running[i] != NULL)
			eng_stop(g_running[i]);
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

/* Opens the enabled plugin sources as engines; the syscall engine (when
 * given) is engines[0]. Returns how many engines, or -1 after printing. */
static long open_plugin_sources(struct app *a, const bool *enabled, struct eng **engines, size_t n,
                                struct srcs_pipe **pipes, struct srcs_running *run)
{
	for (size_t i = 1; i < a->nsources; i++) {
		if (!enabled[i])
			continue;
		char err[ENG_ERR_LEN];
		struct srcs_pipe_opts po = {
			.re = a->re, .source = a->per_source ? a->inst_source[i] : a->src_plugin[i],
			.open_params = a->src_params[i],
			.plugins = a->per_source ? a->inst[i] : a->plugins,
			.nplugins = a->per_source ? a->ninst[i] : a->nplugins,
			.hostname = a->mgr ? out_mgr_hostname(a->mgr) : NULL, .metrics = a->metrics,
		};
		if (!(pipes[i] = srcs_pipe_new(&po, err))) {
			fprintf(stderr, "falco: %s\n", err);
			return -1;
		}
		engines[n] = srcs_pipe_eng(pipes[i]);
		run[n] = (struct srcs_running){ a->sources[i].name, ph_id(a->src_plugin[i]), engines[n], i };
		n++;
	}
	return (long)n;
}

/* The plugin instances serving source s (index in a->sources): its own
 * ones for a plugin source of a live run, else the loaded plugins (in a
 * live run, those that serve the syscall source), put in `room`. */
static size_t source_plugins(const struct app *a, size_t s, struct ph_plugin **room,
                             struct ph_plugin *const **out)
{
	size_t n = 0;
	if (s > 0 && a->per_source) {
		*out = a->inst[s];
		return a->ninst[s];
	}
	for (size_t k = 0; k < a->nplugins; k++)
		if (!a->per_source || serves_source(a, a->plugins[k], 0))
			room[n++] = a->plugins[k];
	*out = room;
	return n;
}

/* Runs the engines, one thread each, until they all end, SIGINT/SIGTERM,
 * -M, or an error. Returns 1 when one failed. */
static int run_engines(struct app *a, struct eng **engines, size_t n, const struct srcs_running *run)
{
	int rcs[MAX_PLUGINS + 1] = {0}, rc = 0;
	exg_set_bound(a->cfg->output_timeout_ms);
	/* Each running source's plugins: their async events go to that source.
	 * A replay sets no async handlers (upstream's capture mode). */
	struct srcs_async_set sets[MAX_PLUGINS + 1];
	struct ph_plugin *sys[MAX_PLUGINS];
	for (size_t i = 0; i < n && !a->replaying; i++) {
		sets[i].run = &run[i];
		sets[i].n = source_plugins(a, run[i].index, sys, &sets[i].plugins);
	}
	if ((a->replaying ? srcs_replay_start(a->plugins, a->nplugins) : srcs_async_start(sets, n)) < 0)
		rc = 1;
	for (size_t i = 0; i < n; i++)
		g_running[i] = engines[i];
	g_nrunning = n;
	fprintf(stderr, "Running %zu event source(s)\n", n);
	if (g_stop_requested) /* SIGINT/SIGTERM while starting: stop at once, cleanly */
		for (size_t i = 0; i < n; i++)
			eng_stop(engines[i]);
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	if (a->o->duration_s > 0)
		alarm((unsigned)a->o->duration_s);
	if (!rc && eng_run_all(engines, n, rcs) < 0) {
		fprintf(stderr, "falco: cannot start the event source threads\n");
		rc = 1;
	}
	alarm(0);
	g_nrunning = 0;
	if (a->replaying)
		srcs_replay_stop(a->plugins, a->nplugins);
	else
		srcs_async_stop(sets, n);
	for (size_t i = 0; i < n; i++)
		if (rcs[i] < 0) {
			fprintf(stderr, "falco: %s\n", eng_error(engines[i]));
			rc = 1;
		}
	return rc;
}

/* Runs an opened syscall source (NULL: none) with `st` (owned here from now
 * on, as is `src`) and the enabled plugin sources until they end,
 * SIGINT/SIGTERM, -M, or an error. */
static int run_source(struct app *a, struct eng_source *src, struct st_state *st, bool dump,
                      const bool *enabled)
{
	static struct run_ctx r;
	char err[ENG_ERR_LEN];
	r.st = st;
	r.app = a;
	r.replay = dump ? NULL : a->replay;
	st_resolver(r.st, &r.res);
	/* fld_ctx_init clears the context: set the long-lived parts after it. */
	int irc = fld_ctx_init(&r.fctx, rules_engine_nslots(a->re, a->src));
	r.fctx.source = "syscall";
	r.fctx.state = st;
	r.fctx.resolver = &r.res;
	r.fctx.hostname = a->mgr ? out_mgr_hostname(a->mgr) : NULL;
	if (irc < 0) {
		fprintf(stderr, "falco: out of memory\n");
		if (src)
			src->close(src->impl);
		return 1;
	}
	struct eng_hooks hooks = {.ctx = &r, .parse = on_parse, .consume = dump ? dump_event : on_event,
	                          .idle = on_idle};
	struct eng *engines[MAX_PLUGINS + 1] = {NULL};
	struct srcs_pipe *pipes[MAX_PLUGINS + 1] = {NULL};
	struct srcs_running run[MAX_PLUGINS + 1];
	size_t n = 0;
	struct eng *e = NULL;
	if (src != NULL) {
		e = eng_new(src, &hooks, err);
		if (e == NULL) {
			fprintf(stderr, "falco: %s\n", err);
			fld_ctx_fini(&r.fctx);
			return 1;
		}
		engines[n] = e;
		run[n++] = (struct srcs_running){ "syscall", 0, e, 0 };
		r.eng = e;
		r.drop_exit = false;
		r.drops = app_drops(a, &r);
		r.msrc = metrics_add_source(a->metrics, "syscall", e, st, NULL, a->plugins, a->nplugins);
	}
	long nl = dump ? (long)n : open_plugin_sources(a, enabled, engines, n, pipes, run);
	web_enable_metrics(a->web, a->metrics); /* upstream: once the inspectors are open */
	int rc = nl < 0 ? 1 : nl == 0 ? (fprintf(stderr, "falco: no event source to run\n"), 1)
	                             : run_engines(a, engines, (size_t)nl, run);
	exg_arm(); /* the end: an unread stdout/stderr cannot hold us past a bound */
	metrics_stop(a->metrics); /* the last snapshots, before the outputs drain */
	fflush(stdout);
	/* As upstream: drain the outputs, then the summary. */
	if (a->mgr) {
		out_mgr_flush(a->mgr, 2000);
		out_mgr_print_summary(a->mgr, stdout);
		fflush(stdout);
	}
	if (e)
		print_summary(e);
	if (r.replay)
		srcs_replay_print_stats(r.replay, stderr);
	if (r.drops) {
		drops_print_stats(r.drops, stderr);
		drops_free(r.drops);
		r.drops = NULL;
	}
	if (r.drop_exit) {
		fprintf(stderr, "Error: Drop manager internal error\n");
		rc = 1;
	}
	for (size_t i = 1; i < a->nsources; i++)
		srcs_pipe_free(pipes[i]);
	eng_free(e);
	fld_ctx_fini(&r.fctx);
	return rc;
}

static int app_record_open(struct app *a);

/* As upstream's capture mode: every loaded plugin source takes its events
 * from the capture (their rules active, their captures not opened). */
static int app_replay_sources(struct app *a)
{
	static struct srcs_pipe_opts po[MAX_PLUGINS];
	char err[ENG_ERR_LEN];
	for (size_t i = 1; i < a->nsources; i++)
		po[i - 1] = (struct srcs_pipe_opts){
			.re = a->re, .source = a->src_plugin[i], .plugins = a->plugins, .nplugins = a->nplugins,
			.hostname = a->mgr ? out_mgr_hostname(a->mgr) : NULL,
		};
	if (!(a->replay = srcs_replay_new(po, a->nsources - 1, err))) {
		fprintf(stderr, "falco: %s\n", err);
		return -1;
	}
	return 0;
}

static int run_replay(struct app *a, const char *capture_file, bool dump)
{
	char err[ENG_ERR_LEN];
	struct eng_source src;
	if (eng_replay_open(capture_file, &src, err) < 0) {
		fprintf(stderr, "falco: Could not open trace filename %s for reading: %s\n", capture_file, err);
		return 1;
	}
	if (st_import_capture(a->st, eng_replay_meta(&src)) < 0) {
		fprintf(stderr, "falco: %s: cannot load the capture's process and fd lists\n", capture_file);
		src.close(src.impl);
		return 1;
	}
	if (a->o->record && app_record_open(a) < 0) {
		src.close(src.impl);
		return 1;
	}
	a->replaying = true;
	if (!dump && app_replay_sources(a) < 0) {
		src.close(src.impl);
		return 1;
	}
	int rc = run_source(a, &src, a->st, dump, (const bool[MAX_PLUGINS + 1]){false});
	srcs_replay_free(a->replay);
	a->replay = NULL;
	return rc;
}

static int sc_by_name(const char *name)
{
	for (int sc = 1; sc < EV_SC_MAX; sc++) {
		const char *n = ev_syscall_name((uint16_t)sc);
		if (n && !strcmp(n, name))
			return sc;
	}
	return -1;
}

/* Adaptive syscalls, as upstream's base_syscalls: the syscalls of the
 * event types the rules need, plus the state engine's set (or
 * base_syscalls.custom_set, itself plus the state set with repair: true);
 * `all: true` takes every syscall. `!name` in custom_set removes one.
 * Fills syscalls[] (x86_64 numbers) and logs the choice. */
static void adaptive_syscalls(const struct app *a, bool syscalls[512])
{
	static uint8_t want[EV_SC_MAX], state[EV_SC_MAX], evs[EV_CODE_MAX];
	const struct falco_config *c = a->cfg;
	memset(want, 0, sizeof(want));
	bool types[EV_CODE_MAX];
	rules_engine_event_types(a->re, a->src, types);
	for (size_t i = 0; i < EV_CODE_MAX; i++)
		evs[i] = types[i];
	ev_sc_set_of_events(evs, want);
	ev_sc_set_state(state);
	bool custom = false;
	for (size_t i = 0; i < c->base_syscalls.custom_set.n; i++) {
		const char *n = c->base_syscalls.custom_set.v[i];
		int sc = sc_by_name(n[0] == '!' ? n + 1 : n);
		if (sc < 0) {
			fprintf(stderr, "falco: base_syscalls.custom_set: unknown syscall '%s' ignored\n", n);
			continue;
		}
		if (n[0] != '!') {
			want[sc] = 1;
			custom = true;
		}
	}
	for (int sc = 0; sc < EV_SC_MAX; sc++)
		if (!custom || c->base_syscalls.repair)
			want[sc] |= state[sc];
	for (size_t i = 0; i < c->base_syscalls.custom_set.n; i++) {
		const char *n = c->base_syscalls.custom_set.v[i];
		int sc = n[0] == '!' ? sc_by_name(n + 1) : -1;
		if (sc >= 0)
			want[sc] = 0;
	}
	size_t n = 0;
	for (uint32_t nr = 0; nr < 512; nr++) {
		const struct ev_native_syscall *ns = ev_native_syscall_x86_64(nr);
		syscalls[nr] = ns && ns->sc < EV_SC_MAX && (c->base_syscalls.all || want[ns->sc]);
		n += syscalls[nr];
	}
	fprintf(stderr, "(%zu syscalls in total) The following syscalls will be captured:", n);
	for (uint32_t nr = 0; nr < 512; nr++)
		if (syscalls[nr])
			fprintf(stderr, " %s", ev_syscall_name(ev_native_syscall_x86_64(nr)->sc));
	fprintf(stderr, "\n");
}

/* --record FILE: the file begins with the state as it is now. */
static int app_record_open(struct app *a)
{
	char err[REC_ERR_LEN];
	if (!(a->rec = rec_open(a->o->record, a->st, 0, err))) {
		fprintf(stderr, "falco: --record: %s\n", err);
		return -1;
	}
	fprintf(stderr, "Recording every event to %s\n", a->o->record);
	return 0;
}

static int run_live(struct app *a, bool dump, const bool *enabled)
{
	if (!enabled[0]) { /* plugin sources only: no driver, an empty state for the tables */
		if (a->o->record)
			fprintf(stderr, "falco: --record: records what the syscall source sees; with plugin sources only "
			        "nothing is recorded (replay a capture with -e to record its plugin events)\n");
		return run_source(a, NULL, a->st, dump, enabled);
	}
	const struct falco_config *cfg = a->cfg;
	char err[ENG_ERR_LEN];
	struct eng_source src;
	static bool syscalls[512];
	adaptive_syscalls(a, syscalls);
	struct eng_live_opts lo = {
		.sz = sizeof(lo),
		.cpus_for_each_buffer = cfg->engine.modern_ebpf.cpus_for_each_buffer,
		.cpus_for_each_buffer_set = true,
		.buf_size_preset = (uint32_t)cfg->engine.modern_ebpf.buf_size_preset,
		.drop_failed_exit = cfg->engine.modern_ebpf.drop_failed_exit,
		.syscalls = dump || a->o->record ? NULL : syscalls,
	};
	/* Signals from here on end the run cleanly (summary, recording closed). */
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* State first, then capture: what starts in between is seen by both. */
	if (st_scan_proc(a->st, "/proc") < 0) {
		fprintf(stderr, "falco: cannot read the initial process table from /proc\n");
		return 1;
	}
	/* user.name / group.name live, as upstream's inspector loads them */
	if (st_load_passwd(a->st, "/etc/passwd", "/etc/group") < 0)
		fprintf(stderr, "falco: cannot read /etc/passwd or /etc/group: user and group names unknown\n");
	if (a->o->record && app_record_open(a) < 0)
		return 1;
	if (eng_live_open(&lo, &src, err) < 0) {
		fprintf(stderr, "falco: %s\n", err);
		return 1;
	}
	fprintf(stderr, "Capturing live: 'syscall' source with the modern eBPF driver\n");
	return run_source(a, &src, a->st, dump, enabled);
}

static int list_format(const char *f, enum fld_list_fmt *out)
{
	if (!f || !strcmp(f, "text"))
		*out = FLD_LIST_TEXT;
	else if (!strcmp(f, "markdown"))
		*out = FLD_LIST_MARKDOWN;
	else if (!strcmp(f, "json"))
		*out = FLD_LIST_JSON;
	else {
		fprintf(stderr, "falco: --format: must be text, markdown or json, not '%s'\n", f);
		return -1;
	}
	return 0;
}

static int list_fields(const struct app *a)
{
	enum fld_list_fmt fmt;
	if (list_format(a->o->format, &fmt) < 0)
		return 1;
	size_t n = 0;
	for (size_t i = 0; i < a->nsources; i++)
		n += !a->o->list_source || !strcmp(a->o->list_source, a->sources[i].name);
	if (!n) {
		fprintf(stderr, "falco: --list: unknown source '%s'\n", a->o->list_source);
		return 1;
	}
	/* Each source's registry holds its classes (plugins' included). */
	for (size_t i = 0; i < a->nsources; i++) {
		const char *one[2] = { a->sources[i].name, NULL };
		if (!a->o->list_source || !strcmp(a->o->list_source, one[0]))
			fld_list(stdout, a->sources[i].reg, one, NULL, fmt, a->o->verbose, a->o->names_only);
	}
	return 0;
}

/* The rules to load: -r when given, else falco.yaml's rules_files. */
static const char *const *rules_paths(const struct app *a, size_t *n)
{
	if (a->o->nrules) {
		*n = a->o->nrules;
		return a->o->rules;
	}
	*n = a->cfg->rules_files.n;
	return (const char *const *)a->cfg->rules_files.v;
}

/* --enable-source / --disable-source over the loaded sources, as
 * upstream: every source is enabled unless named by --disable-source, or
 * only those named by --enable-source; engine.kind=nodriver has no
 * syscall events. Returns 0 or -1 after printing why. */
static int select_sources(const struct app *a, bool *enabled)
{
	const struct opts *o = a->o;
	if (o->nenable && o->ndisable) {
		fprintf(stderr, "falco: you can not mix --enable-source and --disable-source\n");
		return -1;
	}
	const char *const *names = o->nenable ? o->enable_src : o->disable_src;
	size_t nnames = o->nenable ? o->nenable : o->ndisable;
	for (size_t i = 0; i < a->nsources; i++)
		enabled[i] = o->nenable == 0;
	for (size_t k = 0; k < nnames; k++) {
		size_t i = 0;
		while (i < a->nsources && strcmp(a->sources[i].name, names[k]))
			i++;
		if (i == a->nsources) {
			fprintf(stderr, "falco: attempted %s an unknown event source: %s\n",
			        o->nenable ? "enabling" : "disabling", names[k]);
			return -1;
		}
		enabled[i] = o->nenable != 0;
	}
	if (a->cfg->engine.kind == CFG_ENGINE_NODRIVER)
		enabled[0] = false;
	size_t n = 0;
	for (size_t i = 0; i < a->nsources; i++)
		n += enabled[i];
	if (!n) {
		fprintf(stderr, "falco: must enable at least one event source\n");
		return -1;
	}
	return 0;
}

static int run_engine(struct app *a)
{
	const struct opts *o = a->o;
	bool describe = o->list_rules || o->describe_rule;
	if (a->cfg->capture.enabled && !describe) {
		struct rec_trigger_opts to = {
			.sz = sizeof(to), .path_prefix = a->cfg->capture.path_prefix,
			.default_duration_ms = a->cfg->capture.default_duration_ms,
			.max_file_size_mb = a->cfg->capture.max_file_size_mb,
			.on_open = on_capture_open, .on_open_ud = a,
		};
		if (!(a->trig = rec_trigger_new(&to))) {
			fprintf(stderr, "falco: out of memory\n");
			return 1;
		}
	}
	if (!describe && !o->dump_events) {
		char err[512];
		if (!(a->mgr = out_mgr_new(&a->oc, err, sizeof(err)))) {
			fprintf(stderr, "falco: %s\n", err);
			return 1;
		}
	}
	size_t n;
	const char *const *paths = rules_paths(a, &n);
	if (app_rules(a, paths, n, describe) < 0)
		return 1;
	if (describe) {
		if (!rules_engine_ok(a->re)) {
			rules_engine_print_results(a->re, stderr, false);
			return 1;
		}
		if (rules_engine_describe(a->re, stdout, o->describe_rule, a->cfg->json_output) < 0) {
			fprintf(stderr, "falco: rule '%s' not found\n", o->describe_rule);
			return 1;
		}
		return 0;
	}
	if (!o->dump_events && n && !rules_engine_nenabled(a->re, -1))
		fprintf(stderr, "falco: no rules enabled after the selection and priority threshold\n");
	bool enabled[MAX_PLUGINS + 1];
	if (select_sources(a, enabled) < 0)
		return 1;
	char merr[512];
	struct metrics_opts mo = {sizeof(mo), a->cfg, a->mgr, a->re, FALCO_VERSION, stderr, o->dry_run};
	if (!o->dump_events && metrics_new(&mo, &a->metrics, merr, sizeof(merr)) < 0) {
		fprintf(stderr, "falco: %s\n", merr);
		return 1;
	}
	if (o->dry_run) {
		if (a->cfg->engine.kind == CFG_ENGINE_MODERN_EBPF) {
			static bool syscalls[512];
			adaptive_syscalls(a, syscalls);
		}
		fprintf(stderr, "Dry run: rules and configuration loaded, not capturing\n");
		return 0;
	}
	/* As upstream: the web server runs in live runs only (not replays). */
	struct web_opts wo = {sizeof(wo), a->cfg, FALCO_VERSION, a->plugins, a->nplugins};
	if (a->cfg->engine.kind != CFG_ENGINE_REPLAY && web_start(&wo, &a->web, merr, sizeof(merr)) < 0) {
		fprintf(stderr, "falco: %s\n", merr);
		return 1;
	}
	switch (a->cfg->engine.kind) {
	case CFG_ENGINE_REPLAY:
		if (a->cfg->engine.replay.capture_file == NULL || a->cfg->engine.replay.capture_file[0] == '\0') {
			fprintf(stderr, "falco: engine.kind=replay needs engine.replay.capture_file\n");
			return 1;
		}
		return run_replay(a, a->cfg->engine.replay.capture_file, o->dump_events);
	case CFG_ENGINE_MODERN_EBPF:
	case CFG_ENGINE_NODRIVER:
		return run_live(a, o->dump_events, enabled);
	default:
		fprintf(stderr, "falco: engine.kind: only modern_ebpf and replay are built (kmod and nodriver "
		                "are not)\n");
		return 1;
	}
}

/* --support: upstream's JSON report, then exit. */
static int print_support(struct app *a)
{
	size_t n;
	const char *const *paths = rules_paths(a, &n);
	struct cfg_strlist files = {0};  /* directories expanded to their files, as loaded */
	for (size_t i = 0; i < n; i++)
		if (rules_expand_path(paths[i], &files) < 0) {
			fprintf(stderr, "falco: out of memory\n");
			break;
		}
	const char *conf = a->o->conf_file;
	if (conf == NULL && access(FALCO_INSTALL_CONF_FILE, R_OK) == 0)
		conf = FALCO_INSTALL_CONF_FILE;
	struct support_info si = {
		.falco_version = FALCO_VERSION, .libs_version = FALCO_VERSION,
		.plugin_api_version = FALCO_PLUGIN_API_VERSION, .driver_api_version = FALCO_DRIVER_SCHEMA_VERSION,
		.driver_schema_version = FALCO_DRIVER_SCHEMA_VERSION, .engine_version_semver = FALCO_ENGINE_VERSION,
		.cmdline = a->o->cmdline, .config_path = conf,
		.rules_files = (const char *const *)files.v, .nrules_files = files.n,
	};
	int rc = support_print(stdout, &si) < 0 ? 1 : 0;
	for (size_t i = 0; i < files.n; i++)
		free(files.v[i]);
	free(files.v);
	return rc;
}

/* -P: the pid file exists while the engine runs (not in dry runs, as
 * upstream); we also remove it at exit, which upstream does not. */
static int run_with_pidfile(struct app *a)
{
	const char *pf = a->o->dry_run ? NULL : a->o->pidfile;
	if (pf && support_pidfile_write(pf) < 0)
		return 1;
	int rc = run_engine(a);
	if (pf)
		unlink(pf);
	return rc;
}

static int run(const struct opts *o)
{
	static struct app a;
	a = (struct app){ .o = o, .src = -1 };
	if (!(a.cfg = load_config(o)))
		return 1;
	int rc;
	if (app_log(&a) < 0) {
		rc = 1;
	} else if (app_fields(&a) < 0) {
		fprintf(stderr, "falco: cannot build the field registry\n");
		rc = 1;
	} else if (app_plugins(&a) < 0) {
		rc = 1;
	} else if (o->list_plugins) {
		rc = list_plugins(&a);
	} else if (o->plugin_info) {
		rc = plugin_info(&a, o->plugin_info);
	} else if (o->list_fields) {
		rc = list_fields(&a);
	} else if (o->nvalidate) {
		rc = validate(&a);
	} else if (o->support) {
		rc = print_support(&a);
	} else {
		rc = run_with_pidfile(&a);
	}
	app_free(&a);
	return rc;
}

/* argv joined by spaces, as upstream's cmdline. NULL on ENOMEM. */
static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = calloc(1, len);
	for (int i = 0; s && i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

int main(int argc, char **argv)
{
	static struct opts o;
	int rc;
	o.cmdline = join_args(argc, argv);
	if (parse_args(argc, argv, &o) < 0) {
		usage(stderr);
		rc = 1;
	} else if (o.help) {
		usage(stdout);
		rc = 0;
	} else if (o.version) {
		print_version();
		rc = 0;
	} else if (o.config_schema) {
		cfg_schema_print(stdout);
		rc = 0;
	} else if (o.list_events) {
		enum ev_list_format f = EV_LIST_TEXT;
		if (o.format && !strcmp(o.format, "markdown"))
			f = EV_LIST_MARKDOWN;
		else if (o.format && !strcmp(o.format, "json"))
			f = EV_LIST_JSON;
		ev_list_events_fmt(stdout, f);
		rc = 0;
	} else {
		rc = run(&o);
	}
	free(o.owned[0]);
	free(o.owned[1]);
	free(o.cmdline);
	return rc;
}
