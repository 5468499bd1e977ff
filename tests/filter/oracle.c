/*
 * The filter oracle: for every (filter, capture) pair of
 * ../shared/oracle/filters.jsonl, upstream Falco 0.44's answer (whether the
 * filter compiles as a rule condition, and the evt.num of every event it
 * matched) against ours: the filter parsed and compiled with the syscall
 * fields (core/fields' evt classes + a bridge to core/state's extractors),
 * evaluated on every event the replay shows to rules.
 *
 * Usage: filter_oracle [-v]    Env: SHARED_DIR (default ../shared).
 * Prints: pairs compared, agreeing, mismatching (acceptance / matches), then
 * one line per mismatching pair (first differing evt.num). Exits 1 on any
 * mismatch.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "filter/filter.h"
#include "state/state.h"
#include "state/state.h"

struct pair {
	char *filter, *capture;
	bool accepted;
	uint64_t *want;
	uint32_t nwant;
	/* ours */
	bool compiled;
	char err[600];
	uint64_t *got;
	uint32_t ngot, capgot;
};

struct corpus {
	struct pair *p;
	uint32_t n;
};

static int load(const char *path, struct corpus *c)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		cJSON *o = cJSON_Parse(line);
		if (!o)
			continue;
		struct pair *p = realloc(c->p, (c->n + 1) * sizeof(*p));
		if (!p)
			return -1;
		c->p = p;
		p = &c->p[c->n++];
		memset(p, 0, sizeof(*p));
		p->filter = strdup(cJSON_GetObjectItem(o, "filter")->valuestring);
		p->capture = strdup(cJSON_GetObjectItem(o, "capture")->valuestring);
		p->accepted = cJSON_IsTrue(cJSON_GetObjectItem(o, "accepted"));
		const cJSON *m = cJSON_GetObjectItem(o, "matches");
		p->nwant = (uint32_t)cJSON_GetArraySize(m);
		p->want = calloc(p->nwant + 1, sizeof(uint64_t));
		uint32_t k = 0;
		for (const cJSON *j = m ? m->child : NULL; j; j = j->next)
			p->want[k++] = (uint64_t)j->valuedouble;
		cJSON_Delete(o);
	}
	free(line);
	fclose(f);
	return 0;
}

struct run {
	struct st_state *st;
	struct ev_resolver res;
	struct fld_ctx ctx;
	struct flt_prog **progs;
	struct pair **pairs;
	uint32_t n;
	uint64_t first_ts;
};

static bool want_ts; /* record timestamps instead of evt.num (--eval -t) */

static int on_parse(void *ctx, const struct eng_event *ev)
{
	struct run *r = ctx;
	st_apply(r->st, &ev->ev, ev->cpu);
	return 0;
}

static int on_event(void *ctx, const struct eng_event *ev)
{
	struct run *r = ctx;
	if (!r->first_ts)
		r->first_ts = ev->ev.hdr->ts;
	fld_ctx_next(&r->ctx);
	r->ctx.ev = &ev->ev;
	r->ctx.num = ev->num;
	r->ctx.cpu = ev->cpu;
	r->ctx.fd_type = st_event_fd_typechar(r->st);
	r->ctx.first_ts = r->first_ts;
	for (uint32_t i = 0; i < r->n; i++) {
		if (!r->progs[i] || !flt_eval(r->progs[i], &r->ctx))
			continue;
		struct pair *p = r->pairs[i];
		if (p->ngot == p->capgot) {
			p->capgot = p->capgot ? p->capgot * 2 : 64;
			p->got = realloc(p->got, p->capgot * sizeof(uint64_t));
		}
		p->got[p->ngot++] = want_ts ? ev->ev.hdr->ts : ev->num;
	}
	return 0;
}

/* Compiles and runs every pair of one capture. */
static int run_capture(const char *shared, const char *capture, struct corpus *c,
                       const struct fld_reg *reg)
{
	struct run r = {0};
	char path[4096], err[ENG_ERR_LEN];
	struct flt_compiler *comp = flt_compiler_new(reg, "syscall");
	r.progs = calloc(c->n, sizeof(*r.progs));
	r.pairs = calloc(c->n, sizeof(*r.pairs));
	for (uint32_t i = 0; i < c->n; i++) {
		struct pair *p = &c->p[i];
		if (strcmp(p->capture, capture))
			continue;
		struct flt_error fe;
		struct flt_parse_opts po = {.max_depth = 1000};
		struct flt_node *ast = flt_parse(p->filter, &po, &fe, NULL);
		struct flt_prog *prog = ast ? flt_compile(comp, ast, &fe) : NULL;
		flt_node_free(ast);
		p->compiled = prog != NULL;
		if (!prog)
			snprintf(p->err, sizeof p->err, "%u:%u: %s", fe.pos.line, fe.pos.col, fe.msg);
		r.progs[r.n] = prog;
		r.pairs[r.n++] = p;
	}
	snprintf(path, sizeof path, "%s/captures/%s", shared, capture);
	struct eng_source src;
	int rc = -1;
	if (eng_replay_open(path, &src, err) < 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	r.st = st_new(NULL);
	st_import_capture(r.st, eng_replay_meta(&src));
	st_resolver(r.st, &r.res);
	fld_ctx_init(&r.ctx, flt_compiler_nslots(comp));
	r.ctx.state = r.st;
	r.ctx.resolver = &r.res;
	struct eng_hooks hooks = {.ctx = &r, .parse = on_parse, .consume = on_event};
	struct eng *e = eng_new(&src, &hooks, err);
	if (!e) {
		fprintf(stderr, "%s: %s\n", path, err);
		goto out;
	}
	rc = eng_run(e);
	if (rc < 0)
		fprintf(stderr, "%s\n", eng_error(e));
	eng_free(e);
out:
	fld_ctx_fini(&r.ctx);
	st_free(r.st);
	for (uint32_t i = 0; i < r.n; i++)
		flt_prog_free(r.progs[i]);
	free(r.progs);
	free(r.pairs);
	flt_compiler_free(comp);
	return rc < 0 ? -1 : 0;
}

static bool same(const struct pair *p, uint64_t *first_diff)
{
	uint32_t i = 0;
	for (; i < p->nwant && i < p->ngot; i++)
		if (p->want[i] != p->got[i])
			break;
	if (i == p->nwant && i == p->ngot)
		return true;
	*first_diff = i < p->nwant && (i >= p->ngot || p->want[i] < p->got[i]) ? p->want[i]
	                                                                       : p->got[i];
	return false;
}

/* --eval [-t] FILTER CAPTURE_PATH: prints the evt.num (with -t: the
 * timestamp) of every match, for cross-checks with other implementations. */
static int eval_one(const char *filter, const char *path, struct fld_reg *reg)
{
	struct pair p = {.filter = (char *)filter, .accepted = true};
	struct corpus c = {.p = &p, .n = 1};
	const char *slash = strrchr(path, '/');
	char dir[4096];
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	p.capture = (char *)(slash ? slash + 1 : path);
	/* run_capture looks for SHARED/captures/NAME: point it at the file's directory */
	char shared[4200];
	snprintf(shared, sizeof shared, "%s/..", dir);
	int rc = run_capture(shared, p.capture, &c, reg);
	if (!p.compiled) {
		fprintf(stderr, "%s\n", p.err);
		return 2;
	}
	for (uint32_t i = 0; i < p.ngot; i++)
		printf("%" PRIu64 "\n", p.got[i]);
	free(p.got);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *shared = getenv("SHARED_DIR") ? getenv("SHARED_DIR") : "../shared";
	bool verbose = argc > 1 && !strcmp(argv[1], "-v");
	char path[4096];
	struct corpus c = {0};
	if (argc >= 4 && !strcmp(argv[1], "--eval")) {
		want_ts = argc == 5 && !strcmp(argv[2], "-t");
		argv += want_ts;
		struct fld_reg *reg = fld_reg_new();
		fld_reg_add_builtin(reg);
		st_fields_register(reg);
		int rc = eval_one(argv[2], argv[3], reg);
		fld_reg_free(reg);
		return rc;
	}
	snprintf(path, sizeof path, "%s/oracle/filters.jsonl", shared);
	if (load(path, &c) < 0)
		return 2;
	struct fld_reg *reg = fld_reg_new();
	if (fld_reg_add_builtin(reg) < 0 || st_fields_register(reg) < 0)
		return 2;
	/* each capture once */
	for (uint32_t i = 0; i < c.n; i++) {
		bool seen = false;
		for (uint32_t j = 0; j < i && !seen; j++)
			seen = !strcmp(c.p[j].capture, c.p[i].capture);
		if (!seen && run_capture(shared, c.p[i].capture, &c, reg) < 0)
			fprintf(stderr, "%s: replay failed; its pairs count as mismatches\n", c.p[i].capture);
	}
	uint32_t agree = 0, acc_mis = 0, match_mis = 0;
	for (uint32_t i = 0; i < c.n; i++) {
		struct pair *p = &c.p[i];
		uint64_t d = 0;
		if (p->compiled != p->accepted) {
			acc_mis++;
			printf("ACCEPT   %-24s %-50s upstream %s, ours %s%s%s\n", p->capture, p->filter,
			       p->accepted ? "accepts" : "rejects", p->compiled ? "accepts" : "rejects",
			       p->compiled ? "" : ": ", p->compiled ? "" : p->err);
		} else if (p->compiled && !same(p, &d)) {
			match_mis++;
			printf("MATCHES  %-24s %-50s upstream %u, ours %u, first difference evt.num %" PRIu64 "\n",
			       p->capture, p->filter, p->nwant, p->ngot, d);
		} else {
			agree++;
			if (verbose)
				printf("ok       %-24s %s (%u matches)\n", p->capture, p->filter, p->ngot);
		}
	}
	printf("filter oracle: %u answers compared, %u agree, %u mismatches (%u acceptance, %u "
	       "matches)\n", c.n, agree, acc_mis + match_mis, acc_mis, match_mis);
	for (uint32_t i = 0; i < c.n; i++) {
		free(c.p[i].filter);
		free(c.p[i].capture);
		free(c.p[i].want);
		free(c.p[i].got);
	}
	free(c.p);
	fld_reg_free(reg);
	return acc_mis + match_mis ? 1 : 0;
}
