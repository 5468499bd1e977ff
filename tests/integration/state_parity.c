/*
 * Replay parity of the state engine with upstream: for every event of every
 * capture that upstream delivered (../shared/oracle/<capture>.events.jsonl),
 * every proc.*, thread.*, fd.*, user.* and group.* field recorded there is
 * extracted from our state (core/state's extractors, the ones the filter
 * engine uses) and compared, null meaning <NA>.
 *
 * Usage: state_parity [CAPTURE...]   (default: every capture with an oracle)
 * Env: SHARED_DIR (default ../shared), STATE_PARITY_SHOW (mismatches printed, 20).
 * Prints events compared, fields compared, mismatches per field; exits 1 on
 * any mismatch unless STATE_PARITY_REPORT_ONLY is set.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "state/state.h"

#define MAXF 64

struct totals {
	uint64_t events, fields, mismatches, missing, extra;
	char fname[MAXF][48];
	uint64_t fmis[MAXF], fcnt[MAXF];
	int nf;
	int shown, show_max;
};

struct run {
	const char *capture;
	FILE *oracle;
	char *line;
	size_t cap;
	struct st_state *st;
	struct totals *t;
};

static int field_slot(struct totals *t, const char *name)
{
	for (int i = 0; i < t->nf; i++)
		if (!strcmp(t->fname[i], name))
			return i;
	if (t->nf == MAXF)
		return MAXF - 1;
	snprintf(t->fname[t->nf], sizeof t->fname[0], "%s", name);
	return t->nf++;
}

static bool wanted(const char *k)
{
	return !strncmp(k, "proc.", 5) || !strncmp(k, "thread.", 7) || !strncmp(k, "fd.", 3) ||
	       !strncmp(k, "user.", 5) || !strncmp(k, "group.", 6);
}

/* Renders our value as text, NULL for <NA>. */
static const char *ours_text(struct run *r, const char *key, char *out, size_t cap)
{
	char name[64];
	int arg = -1;
	snprintf(name, sizeof name, "%s", key);
	char *br = strchr(name, '[');
	if (br) {
		arg = atoi(br + 1);
		*br = 0;
	}
	int id = st_field_lookup(name, strlen(name));
	if (id < 0)
		return "(field unknown to core/state)";
	static char buf[65536];
	struct st_value v;
	if (!st_field_extract(r->st, id, arg, &v, buf, sizeof buf))
		return NULL;
	switch (v.kind) {
	case ST_V_I64: snprintf(out, cap, "%" PRId64, v.i); break;
	case ST_V_U64: snprintf(out, cap, "%" PRIu64, v.u); break;
	case ST_V_BOOL: snprintf(out, cap, "%s", v.u ? "true" : "false"); break;
	case ST_V_STR: snprintf(out, cap, "%.*s", (int)v.len, v.s); break;
	default: return NULL;
	}
	return out;
}

static const char *theirs_text(const cJSON *j, char *out, size_t cap)
{
	if (cJSON_IsNull(j))
		return NULL;
	if (cJSON_IsString(j))
		return j->valuestring;
	if (cJSON_IsBool(j))
		return cJSON_IsTrue(j) ? "true" : "false";
	if (cJSON_IsNumber(j)) {
		snprintf(out, cap, "%.0f", j->valuedouble);
		return out;
	}
	return "(unsupported JSON)";
}

static int on_event(void *ctx, const struct eng_event *ev)
{
	struct run *r = ctx;
	if (getline(&r->line, &r->cap, r->oracle) <= 0) {
		r->t->extra++;
		return 0;
	}
	cJSON *o = cJSON_Parse(r->line);
	if (!o) {
		fprintf(stderr, "%s.events.jsonl: line not JSON\n", r->capture);
		return -EINVAL;
	}
	r->t->events++;
	const cJSON *num = cJSON_GetObjectItemCaseSensitive(o, "evt.num");
	if (cJSON_IsNumber(num) && (uint64_t)num->valuedouble != ev->num && r->t->shown++ < r->t->show_max)
		printf("  OUT OF STEP %s: evt.num ours %" PRIu64 " upstream %.0f\n", r->capture, ev->num,
		       num->valuedouble);
	for (const cJSON *j = o->child; j; j = j->next) {
		if (!wanted(j->string))
			continue;
		static char a[65536], b[256];
		const char *ours = ours_text(r, j->string, a, sizeof a);
		const char *theirs = theirs_text(j, b, sizeof b);
		int slot = field_slot(r->t, j->string);
		r->t->fields++;
		r->t->fcnt[slot]++;
		if ((ours == NULL) != (theirs == NULL) || (ours && strcmp(ours, theirs))) {
			r->t->mismatches++;
			r->t->fmis[slot]++;
			if (r->t->shown++ < r->t->show_max)
				printf("  MISMATCH %s evt.num %" PRIu64 " (%s tid %" PRIu64 ") %s: ours %s%s%s, upstream %s%s%s\n",
				       r->capture, ev->num, ev_type_name(&ev->ev), (uint64_t)ev->ev.hdr->tid,
				       j->string, ours ? "\"" : "", ours ? ours : "<NA>", ours ? "\"" : "",
				       theirs ? "\"" : "", theirs ? theirs : "<NA>", theirs ? "\"" : "");
		}
	}
	cJSON_Delete(o);
	return 0;
}

static int on_parse(void *ctx, const struct eng_event *ev)
{
	struct run *r = ctx;
	st_apply(r->st, &ev->ev, ev->cpu);
	return 0;
}

static int run_capture(const char *shared, const char *name, struct totals *t)
{
	struct run r = {.capture = name, .t = t};
	char path[4096], err[ENG_ERR_LEN];
	snprintf(path, sizeof path, "%s/oracle/%s.events.jsonl", shared, name);
	r.oracle = fopen(path, "r");
	if (!r.oracle) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof path, "%s/captures/%s.scap", shared, name);
	struct eng_source src;
	if (eng_replay_open(path, &src, err) < 0) {
		fprintf(stderr, "%s\n", err);
		fclose(r.oracle);
		return -1;
	}
	r.st = st_new(NULL);
	if (r.st)
		st_import_capture(r.st, eng_replay_meta(&src));
	struct eng_hooks hooks = {.ctx = &r, .parse = on_parse, .consume = on_event};
	struct eng *e = eng_new(&src, &hooks, err);
	if (!e || !r.st) {
		fprintf(stderr, "%s: %s\n", path, e ? "state setup failed" : err);
		eng_free(e);
		st_free(r.st);
		fclose(r.oracle);
		return -1;
	}
	uint64_t before = t->events;
	int rc = eng_run(e);
	if (rc < 0)
		fprintf(stderr, "%s\n", eng_error(e));
	while (getline(&r.line, &r.cap, r.oracle) > 0)
		t->missing++;
	struct st_counters c = st_counters(r.st);
	printf("%-26s %6" PRIu64 " events; threads %" PRIu64 " (added %" PRIu64 ", removed %" PRIu64
	       ", failed lookups %" PRIu64 ")\n",
	       name, t->events - before, c.threads, c.added, c.removed, c.failed_lookups);
	eng_free(e);
	st_free(r.st);
	free(r.line);
	fclose(r.oracle);
	return rc < 0 ? -1 : 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	const char *shared = getenv("SHARED_DIR") ? getenv("SHARED_DIR") : "../shared";
	static struct totals t;
	t.show_max = getenv("STATE_PARITY_SHOW") ? atoi(getenv("STATE_PARITY_SHOW")) : 20;
	char **names = argv + 1;
	int n = argc - 1;
	char *owned[256];
	if (n == 0) {
		char path[4096];
		snprintf(path, sizeof path, "%s/captures", shared);
		DIR *d = opendir(path);
		if (!d) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			return 1;
		}
		struct dirent *de;
		while ((de = readdir(d)) && n < 256) {
			size_t l = strlen(de->d_name);
			if (l > 5 && !strcmp(de->d_name + l - 5, ".scap"))
				owned[n++] = strndup(de->d_name, l - 5);
		}
		closedir(d);
		qsort(owned, (size_t)n, sizeof *owned, cmp_names);
		names = owned;
	}
	int errors = 0;
	for (int i = 0; i < n; i++)
		if (run_capture(shared, names[i], &t) < 0)
			errors++;
	printf("\nstate parity: %d captures, %" PRIu64 " events compared, %" PRIu64
	       " fields compared, %" PRIu64 " mismatches (missing events %" PRIu64 ", extra %" PRIu64
	       ", capture errors %d)\n",
	       n, t.events, t.fields, t.mismatches, t.missing, t.extra, errors);
	for (int i = 0; i < t.nf; i++)
		printf("  %-16s %7" PRIu64 " compared %6" PRIu64 " mismatches\n", t.fname[i], t.fcnt[i],
		       t.fmis[i]);
	if (names == owned)
		for (int i = 0; i < n; i++)
			free(owned[i]);
	bool ok = t.mismatches == 0 && t.missing == 0 && t.extra == 0 && errors == 0;
	return ok || getenv("STATE_PARITY_REPORT_ONLY") ? 0 : 1;
}
