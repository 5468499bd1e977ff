/*
 * rules_engine_bench: the rules engine (core/rules/engine.h) on the official
 * rulesets.
 *
 * 1. Load time: read + collect + compile (conditions and outputs) of
 *    falco_rules.yaml, falco-incubating_rules.yaml, k8s_audit_rules.yaml and
 *    aws_cloudtrail_rules.yaml (the files of ../shared/rules/upstream) in one engine, as
 *    `falco -r` would (the last two are of plugin sources we do not load:
 *    their rules are skipped with LOAD_UNKNOWN_SOURCE). Median of 9 runs.
 * 2. Replay throughput: every shared capture replayed ROUNDS times through
 *    the engine loop and the state engine, once without rules and once with
 *    falco_rules.yaml + incubating enabled (rule_matching all,
 *    alerts counted, not formatted): events/s of each.
 *
 * Fields of the container plugin (container.*, k8s.*) and a few process/fd
 * fields core/state does not have yet are given by a stand-in class that
 * extracts nothing (<NA>), so that the rules compile; rules using them
 * still run their other checks.
 *
 * Usage: rules_engine_bench [ROUNDS]   Env: SHARED_DIR (../shared).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "rules/engine.h"
#include "state/state.h"

static const char *shared_dir(void)
{
	const char *s = getenv("SHARED_DIR");
	return s && *s ? s : SHARED_DIR;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- stand-in fields ---- */

static const struct fld_info stub_fields[] = {
	{ "container.id", EV_PT_CHARBUF, 0, 0, NULL, "stand-in" },
	{ "container.name", EV_PT_CHARBUF, 0, 0, NULL, "stand-in" },
	{ "container.image.repository", EV_PT_CHARBUF, 0, 0, NULL, "stand-in" },
	{ "container.image", EV_PT_CHARBUF, 0, 0, NULL, "stand-in" },
	{ "container.image.tag", EV_PT_CHARBUF, 0, 0, NULL, "stand-in" },
	{ "container.mount.dest", EV_PT_CHARBUF, FLD_F_ARG_REQUIRED | FLD_F_ARG_KEY, 0, NULL, "stand-in" },
	{ "container.mounts", EV_PT_CHARBUF, 0, 0, NULL, "stand-in" },
	{ "container.privileged", EV_PT_BOOL, 0, 0, NULL, "stand-in" },
	{ "container.start_ts", EV_PT_ABSTIME, 0, 0, NULL, "stand-in" },
	{ "k8s.ns.name", EV_PT_CHARBUF, 0, 0, NULL, "stand-in" },
	{ "k8s.pod.name", EV_PT_CHARBUF, 0, 0, NULL, "stand-in" },
	{ "proc.aexe", EV_PT_CHARBUF, FLD_F_ARG_ALLOWED | FLD_F_ARG_INDEX, 0, NULL, "stand-in" },
	{ "proc.aexepath", EV_PT_CHARBUF, FLD_F_ARG_ALLOWED | FLD_F_ARG_INDEX, 0, NULL, "stand-in" },
	{ "proc.duration", EV_PT_RELTIME, 0, 0, NULL, "stand-in" },
	{ "proc.exe_ino.ctime_duration_proc_start", EV_PT_RELTIME, 0, 0, NULL, "stand-in" },
	{ "fd.cip.name", EV_PT_CHARBUF, 0, 0, NULL, "stand-in" },
	{ "fd.sip.name", EV_PT_CHARBUF, 0, 0, NULL, "stand-in" },
	{ "fd.lip.name", EV_PT_CHARBUF, 0, 0, NULL, "stand-in" },
	{ "fd.rip.name", EV_PT_CHARBUF, 0, 0, NULL, "stand-in" },
};

static int stub_extract(const struct fld_ctx *ctx, const struct fld_bind *b, struct fld_vals *out)
{
	(void)ctx, (void)b, (void)out;
	return 0;
}

/* Only the fields the registry does not already have. */
static struct fld_info g_missing[sizeof(stub_fields) / sizeof(stub_fields[0])];
static struct fld_class g_stub = { .name = "stand-in", .shortdesc = "stand-in", .desc = "stand-in",
				   .sources = fld_sources_syscall, .fields = g_missing,
				   .extract = stub_extract };

static struct fld_reg *make_reg(void)
{
	struct fld_reg *reg = fld_reg_new();
	if (!reg || fld_reg_add_builtin(reg) < 0 || st_fields_register(reg) < 0)
		return NULL;
	uint32_t n = 0;
	for (size_t i = 0; i < sizeof(stub_fields) / sizeof(stub_fields[0]); i++) {
		g_stub.fields = &stub_fields[i];
		g_stub.nfields = 1;
		struct fld_reg *probe = fld_reg_new();
		fld_reg_add_builtin(probe);
		st_fields_register(probe);
		if (fld_reg_add(probe, &g_stub) == 0)
			g_missing[n++] = stub_fields[i];
		fld_reg_free(probe);
	}
	g_stub.fields = g_missing;
	g_stub.nfields = n;
	if (n && fld_reg_add(reg, &g_stub) < 0)
		return NULL;
	return reg;
}

/* ---- loading ---- */

static const char *const all_files[] = { "falco_rules.yaml", "falco-incubating_rules.yaml",
					 "k8s_audit_rules.yaml",
					 "aws_cloudtrail_rules.yaml" };

static uint64_t g_matches;

static void count_match(void *ud, size_t rule, const struct fld_ctx *ctx)
{
	(void)ud, (void)rule, (void)ctx;
	g_matches++;
}

static struct rules_engine *load(struct fld_reg *reg, size_t nfiles, bool print)
{
	static struct rules_source_desc src[1];
	src[0] = (struct rules_source_desc){ "syscall", reg };
	struct rules_engine_opts o = { .sz = sizeof(o), .sources = src, .nsources = 1,
				       .min_priority = CFG_PRIO_DEBUG, .matching = CFG_MATCH_ALL,
				       .on_match = count_match };
	struct rules_engine *e = rules_engine_new(&o);
	char path[4096], err[512];
	for (size_t i = 0; e && i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/rules/upstream/%s", shared_dir(), all_files[i]);
		if (rules_engine_load_path(e, path) < 0)
			break;
	}
	if (e && (rules_engine_compile(e, err, sizeof(err)) < 0 || !rules_engine_ok(e))) {
		if (print)
			rules_engine_print_results(e, stderr, false);
		rules_engine_free(e);
		return NULL;
	}
	return e;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* ---- replay ---- */

struct run {
	struct st_state *st;
	struct ev_resolver res;
	struct rules_engine *re;
	struct fld_ctx ctx;
	uint64_t events;
	double loop_s;     /* time in eng_run (the event loop: decode, state, rules) */
	double rules_s;    /* time in rules_engine_process */
};

static int on_parse(void *c, const struct eng_event *ev)
{
	struct run *r = c;
	st_apply(r->st, &ev->ev, ev->cpu);
	return 0;
}

static int on_event(void *c, const struct eng_event *ev)
{
	struct run *r = c;
	r->events++;
	if (!r->re)
		return 0;
	fld_ctx_next(&r->ctx);
	r->ctx.ev = &ev->ev;
	r->ctx.num = ev->num;
	r->ctx.cpu = ev->cpu;
	r->ctx.fd_type = st_event_fd_typechar(r->st);
	double t0 = now_s();
	rules_engine_process(r->re, 0, &r->ctx);
	r->rules_s += now_s() - t0;
	return 0;
}

static struct run g_run;

static int replay_one(const char *path, struct rules_engine *re, uint64_t *events)
{
	char err[ENG_ERR_LEN];
	struct eng_source src;
	if (eng_replay_open(path, &src, err) < 0)
		return -1;
	struct run *rp = &g_run, r0 = g_run;
#define r (*rp)
	r = r0;
	r.st = st_new(NULL);
	r.re = re;
	r.events = 0;
	st_import_capture(r.st, eng_replay_meta(&src));
	st_resolver(r.st, &r.res);
	fld_ctx_init(&r.ctx, re ? rules_engine_nslots(re, 0) : 0);
	r.ctx.state = r.st;
	r.ctx.resolver = &r.res;
	struct eng_hooks h = { .ctx = &r, .parse = on_parse, .consume = on_event };
	struct eng *e = eng_new(&src, &h, err);
	double t0 = now_s();
	int rc = e ? eng_run(e) : -1;
	r.loop_s += now_s() - t0;
	eng_free(e);
	fld_ctx_fini(&r.ctx);
	st_free(r.st);
	*events += r.events;
	return rc < 0 ? -1 : 0;
#undef r
}

/* Returns the time spent in the event loops (setup of each replay, such
 * as opening and decompressing the file, left out). */
static double replay_all(struct rules_engine *re, int rounds, uint64_t *events)
{
	g_run.loop_s = g_run.rules_s = 0;
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/captures", shared_dir());
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	double t0 = now_s();
	for (int k = 0; k < rounds; k++)
		for (int i = 0; i < n; i++) {
			if (!strstr(names[i]->d_name, ".scap"))
				continue;
			char path[8192];
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			replay_one(path, re, events);
		}
	(void)t0;
	double t = g_run.loop_s;
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return t;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 40;
	struct fld_reg *reg = make_reg();
	if (!reg) {
		fprintf(stderr, "rules_engine_bench: cannot build the field registry\n");
		return 1;
	}
	printf("stand-in fields (extract nothing): %u\n", g_stub.nfields);

	double t[9];
	for (int i = 0; i < 9; i++) {
		double t0 = now_s();
		struct rules_engine *e = load(reg, 4, i == 0);
		t[i] = now_s() - t0;
		if (!e) {
			fprintf(stderr, "rules_engine_bench: the official rulesets did not load\n");
			return 1;
		}
		if (i == 0)
			printf("official rulesets (4 files): %zu rules collected, %zu enabled\n",
			       rules_engine_nrules(e), rules_engine_nenabled(e, -1));
		rules_engine_free(e);
	}
	qsort(t, 9, sizeof(t[0]), cmp);
	printf("rule load time (read + collect + compile, 4 official files): %.1f ms (median of 9)\n",
	       t[4] * 1e3);

	struct rules_engine *e = load(reg, 2, true);
	if (!e)
		return 1;
	uint64_t ev0 = 0, ev1 = 0;
	double t0 = replay_all(NULL, rounds, &ev0);
	g_matches = 0;
	double t1 = replay_all(e, rounds, &ev1);
	printf("event loop, no rules:  %llu events in %.3f s = %.0f events/s\n", (unsigned long long)ev0, t0,
	       (double)ev0 / t0);
	printf("event loop, %zu syscall rules (stable+incubating): %llu events in %.3f s = %.0f events/s, "
	       "%llu matches; in rules_engine_process %.0f ns/event (timer included)\n",
	       rules_engine_nenabled(e, -1), (unsigned long long)ev1, t1, (double)ev1 / t1,
	       (unsigned long long)g_matches, g_run.rules_s / (double)ev1 * 1e9);
	rules_engine_free(e);
	fld_reg_free(reg);
	return 0;
}
