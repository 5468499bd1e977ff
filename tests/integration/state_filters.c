/*
 * The state field classes inside the filter engine, against upstream: every
 * filter of ../shared/oracle/filters.jsonl that uses a proc.*, thread.*,
 * fd.*, user.* or group.* field is compiled with the builtin classes plus
 * core/state's (st_fields_register) and evaluated on every delivered event of
 * its capture; the evt.num list of matches must equal upstream's.
 *
 * Prints filters compared, matching/mismatching answers, and the first
 * differences. Exits 1 on a difference unless STATE_FILTERS_REPORT_ONLY is set.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "fields/fields.h"
#include "filter/filter.h"
#include "state/state.h"

#define MAXQ 4096

struct query {
	char *filter;
	bool accepted;
	uint64_t *want;
	size_t nwant;
	struct flt_prog *prog;
	uint64_t *got;
	size_t ngot, capgot;
};

struct run {
	struct st_state *st;
	struct ev_resolver res;
	struct fld_ctx ctx;
	struct query *q;
	size_t nq;
	uint64_t first_ts;
};

static bool uses_state(const char *f)
{
	return strstr(f, "proc.") || strstr(f, "thread.") || strstr(f, "fd.") || strstr(f, "user.") ||
	       strstr(f, "group.");
}

static int on_parse(void *c, const struct eng_event *ev)
{
	struct run *r = c;
	st_apply(r->st, &ev->ev, ev->cpu);
	return 0;
}

static int on_event(void *c, const struct eng_event *ev)
{
	struct run *r = c;
	if (!r->first_ts)
		r->first_ts = ev->ev.hdr->ts;
	fld_ctx_next(&r->ctx);
	r->ctx.ev = &ev->ev;
	r->ctx.num = ev->num;
	r->ctx.cpu = ev->cpu;
	r->ctx.fd_type = st_event_fd_typechar(r->st);
	r->ctx.first_ts = r->first_ts;
	for (size_t i = 0; i < r->nq; i++) {
		struct query *q = &r->q[i];
		if (!q->prog || !flt_eval(q->prog, &r->ctx))
			continue;
		if (q->ngot == q->capgot) {
			q->capgot = q->capgot ? q->capgot * 2 : 16;
			q->got = realloc(q->got, q->capgot * sizeof *q->got);
			if (!q->got)
				return -ENOMEM;
		}
		q->got[q->ngot++] = ev->num;
	}
	return 0;
}

struct totals { uint64_t compared, same, differ, not_compiled, shown; };

static void report(const char *cap, struct query *q, struct totals *t)
{
	t->compared++;
	bool same = q->nwant == q->ngot && (!q->nwant || !memcmp(q->want, q->got, q->nwant * 8));
	if (same) {
		t->same++;
		return;
	}
	t->differ++;
	if (t->shown++ < 25) {
		size_t i = 0;
		while (i < q->nwant && i < q->ngot && q->want[i] == q->got[i])
			i++;
		printf("  DIFFER %s [%s]: upstream %zu matches, ours %zu; first difference at upstream %s%" PRIu64 ", ours %s%" PRIu64 "\n",
		       cap, q->filter, q->nwant, q->ngot, i < q->nwant ? "" : "(none) ",
		       i < q->nwant ? q->want[i] : 0, i < q->ngot ? "" : "(none) ", i < q->ngot ? q->got[i] : 0);
	}
}

static int run_capture(const char *shared, const char *cap, struct query *qs, size_t nq,
                       const struct fld_reg *reg, struct totals *t)
{
	struct run r = {.q = qs, .nq = nq};
	struct flt_compiler *c = flt_compiler_new(reg, "syscall");
	for (size_t i = 0; i < nq; i++) {
		struct flt_error err;
		struct flt_node *ast = flt_parse(qs[i].filter, NULL, &err, NULL);
		qs[i].prog = ast ? flt_compile(c, ast, &err) : NULL;
		flt_node_free(ast);
		if (!qs[i].prog && qs[i].accepted) {
			t->not_compiled++;
			if (t->shown++ < 25)
				printf("  NOT COMPILED [%s]: %s\n", qs[i].filter, err.msg);
		}
	}
	char path[4096], err[ENG_ERR_LEN];
	snprintf(path, sizeof path, "%s/captures/%s", shared, cap);
	struct eng_source src;
	if (eng_replay_open(path, &src, err) < 0) {
		fprintf(stderr, "%s\n", err);
		flt_compiler_free(c);
		return -1;
	}
	r.st = st_new(NULL);
	st_import_capture(r.st, eng_replay_meta(&src));
	st_resolver(r.st, &r.res);
	fld_ctx_init(&r.ctx, flt_compiler_nslots(c));
	r.ctx.state = r.st;
	r.ctx.resolver = &r.res;
	r.ctx.source = "syscall";
	struct eng_hooks hooks = {.ctx = &r, .parse = on_parse, .consume = on_event};
	struct eng *e = eng_new(&src, &hooks, err);
	int rc = e ? eng_run(e) : -1;
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", cap, e ? eng_error(e) : err);
	for (size_t i = 0; i < nq; i++)
		if (qs[i].prog)
			report(cap, &qs[i], t);
	for (size_t i = 0; i < nq; i++)
		flt_prog_free(qs[i].prog);
	eng_free(e);
	fld_ctx_fini(&r.ctx);
	st_free(r.st);
	flt_compiler_free(c);
	return rc < 0 ? -1 : 0;
}

int main(void)
{
	const char *shared = getenv("SHARED_DIR") ? getenv("SHARED_DIR") : "../shared";
	char path[4096];
	snprintf(path, sizeof path, "%s/oracle/filters.jsonl", shared);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	struct fld_reg *reg = fld_reg_new();
	if (!reg || fld_reg_add_builtin(reg) < 0 || st_fields_register(reg) < 0) {
		fprintf(stderr, "state_filters: cannot build the field registry\n");
		return 1;
	}
	/* group the lines by capture, in file order */
	static struct query qs[MAXQ];
	static char caps[MAXQ][128];
	size_t nq = 0;
	char *line = NULL;
	size_t lcap = 0;
	while (getline(&line, &lcap, f) > 0 && nq < MAXQ) {
		cJSON *o = cJSON_Parse(line);
		const cJSON *flt = cJSON_GetObjectItemCaseSensitive(o, "filter");
		const cJSON *cap = cJSON_GetObjectItemCaseSensitive(o, "capture");
		if (!cJSON_IsString(flt) || !cJSON_IsString(cap) || !uses_state(flt->valuestring)) {
			cJSON_Delete(o);
			continue;
		}
		struct query *q = &qs[nq];
		q->filter = strdup(flt->valuestring);
		q->accepted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "accepted"));
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "matches"), *x;
		q->nwant = (size_t)cJSON_GetArraySize(m);
		q->want = calloc(q->nwant + 1, sizeof *q->want);
		size_t k = 0;
		cJSON_ArrayForEach(x, m) q->want[k++] = (uint64_t)x->valuedouble;
		snprintf(caps[nq], sizeof caps[nq], "%s", cap->valuestring);
		nq++;
		cJSON_Delete(o);
	}
	free(line);
	fclose(f);
	struct totals t = {0};
	int errors = 0;
	for (size_t i = 0; i < nq;) {
		/* the run of queries on the same capture: gather them */
		static struct query batch[MAXQ];
		size_t nb = 0;
		for (size_t j = i; j < nq; j++)
			if (!strcmp(caps[j], caps[i]) && qs[j].filter)
				batch[nb++] = qs[j];
		if (run_capture(shared, caps[i], batch, nb, reg, &t) < 0)
			errors++;
		for (size_t j = 0; j < nb; j++)
			free(batch[j].got);
		/* mark the capture done */
		char done[128];
		snprintf(done, sizeof done, "%s", caps[i]);
		for (size_t j = i; j < nq; j++)
			if (!strcmp(caps[j], done)) {
				free(qs[j].filter);
				free(qs[j].want);
				qs[j].filter = NULL;
				caps[j][0] = 0;
			}
		while (i < nq && !caps[i][0])
			i++;
	}
	fld_reg_free(reg);
	printf("state filters: %" PRIu64 " (filter, capture) answers compared: %" PRIu64 " same, %" PRIu64
	       " differ; %" PRIu64 " accepted upstream but not compiled; capture errors %d\n",
	       t.compared, t.same, t.differ, t.not_compiled, errors);
	bool ok = !t.differ && !t.not_compiled && !errors;
	return ok || getenv("STATE_FILTERS_REPORT_ONLY") ? 0 : 1;
}
