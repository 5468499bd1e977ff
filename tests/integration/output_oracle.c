/*
 * JSON alerts against upstream's: the oracle's lines
 * (../shared/oracle/<capture>.events.jsonl) are the `output_fields` objects
 * upstream Falco 0.44 produced, one per event, for a rule whose output names
 * every field of the line. We compile the same output, render our JSON alert
 * for every event of the replay, and compare output_fields key by key:
 *
 *  - the JSON type of every value (number, string, bool, null) must be
 *    upstream's whenever both sides have a value: this is the formatter's
 *    job (typed values, formats shown as strings, <NA> as null);
 *  - for the ten fields whose values core/engine and core/state already
 *    match exactly (tests/integration/oracle_events.c), the values too;
 *  - `evt.time` (added by the prefix) is the event time as an integer.
 * Other value differences belong to field extractors; they are counted and
 * printed, not failed here.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "output/output.h"
#include "state/state.h"

static const char *const exact[] = {
	"evt.num", "evt.rawtime", "evt.cpu", "thread.tid", "evt.type",
	"evt.dir", "evt.res", "evt.rawres", "evt.category", "evt.args", NULL,
};

struct run {
	struct st_state *st;
	struct ev_resolver res;
	struct fld_ctx ctx;
	struct out_mgr *m;
	struct out_rule *rule;
	FILE *oracle;
	char *line;
	size_t cap;
	uint64_t first_ts;
	uint64_t events, type_bad, exact_bad, other_bad, time_bad;
	int shown;
};

static bool is_exact(const char *k)
{
	for (const char *const *e = exact; *e; e++)
		if (!strcmp(*e, k))
			return true;
	return false;
}

static int jtype(const cJSON *j)
{
	if (!j || cJSON_IsNull(j))
		return 0;
	if (cJSON_IsNumber(j))
		return 1;
	if (cJSON_IsString(j))
		return 2;
	if (cJSON_IsBool(j))
		return 3;
	return 4;
}

static bool same_value(const cJSON *a, const cJSON *b)
{
	char *x = cJSON_PrintUnformatted(a), *y = cJSON_PrintUnformatted(b);
	bool same = x && y && !strcmp(x, y);
	free(x);
	free(y);
	return same;
}

static void show(struct run *r, const char *what, const char *key, const cJSON *ours,
                 const cJSON *theirs, uint64_t num)
{
	if (r->shown++ >= 20)
		return;
	char *x = cJSON_PrintUnformatted(ours), *y = cJSON_PrintUnformatted(theirs);
	fprintf(stderr, "  evt.num %" PRIu64 " %s %s: ours %s, upstream %s\n", num, what, key,
	        x ? x : "(absent)", y ? y : "(absent)");
	free(x);
	free(y);
}

static void compare(struct run *r, const cJSON *ours, const cJSON *theirs, uint64_t num)
{
	for (const cJSON *t = theirs->child; t; t = t->next) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(ours, t->string);
		int a = jtype(o), b = jtype(t);
		if (a && b && a != b) {
			r->type_bad++;
			show(r, "type", t->string, o, t, num);
		} else if (!same_value(o, t)) {
			if (is_exact(t->string)) {
				r->exact_bad++;
				show(r, "value", t->string, o, t, num);
			} else {
				r->other_bad++;
			}
		}
	}
}

/* cJSON reads numbers as doubles, which cannot hold nanoseconds: the 64-bit
 * time values are checked on the text. */
static void check_times(struct run *r, const char *ours, uint64_t ts)
{
	char want[64];
	snprintf(want, sizeof want, "\"evt.time\":%" PRIu64 ",", ts);
	if (!strstr(ours, want))
		r->time_bad++;
	snprintf(want, sizeof want, "\"evt.rawtime\": %" PRIu64 ",", ts);
	bool theirs = strstr(r->line, want) != NULL;
	snprintf(want, sizeof want, "\"evt.rawtime\":%" PRIu64 ",", ts);
	if (theirs != (strstr(ours, want) != NULL))
		r->exact_bad++;
}

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
	if (getline(&r->line, &r->cap, r->oracle) <= 0)
		return 0;
	r->events++;
	char *s = out_rule_render(r->m, r->rule, &r->ctx);
	cJSON *ours = s ? cJSON_Parse(s) : NULL;
	cJSON *theirs = cJSON_Parse(r->line);
	if (!ours || !theirs) {
		fprintf(stderr, "evt.num %" PRIu64 ": unparsable JSON: %s\n", ev->num, s ? s : "(null)");
		r->type_bad++;
	} else {
		compare(r, cJSON_GetObjectItemCaseSensitive(ours, "output_fields"), theirs, ev->num);
		check_times(r, s, ev->ev.hdr->ts);
	}
	cJSON_Delete(ours);
	cJSON_Delete(theirs);
	free(s);
	return 0;
}

/* "k=%k k=%k ..." for every key of the oracle's first line. */
static char *output_of(const char *line)
{
	cJSON *o = cJSON_Parse(line);
	size_t cap = 8192, n = 0;
	char *out = calloc(1, cap);
	for (const cJSON *k = o ? o->child : NULL; k && out; k = k->next)
		n += (size_t)snprintf(out + n, cap - n, "%s%s=%%%s", n ? " " : "", k->string, k->string);
	cJSON_Delete(o);
	return out;
}

static int run_capture(const char *shared, const char *name, struct run *tot)
{
	char path[4096], err[ENG_ERR_LEN], cerr[512];
	struct run r = {0};
	snprintf(path, sizeof path, "%s/oracle/%s.events.jsonl", shared, name);
	r.oracle = fopen(path, "r");
	if (!r.oracle || getline(&r.line, &r.cap, r.oracle) <= 0) {
		fprintf(stderr, "%s: cannot read\n", path);
		return -1;
	}
	char *output = output_of(r.line);
	rewind(r.oracle);

	struct fld_reg *reg = fld_reg_new();
	fld_reg_add_builtin(reg);
	st_fields_register(reg);
	struct flt_compiler *c = flt_compiler_new(reg, "syscall");
	struct out_config oc;
	out_config_defaults(&oc);
	oc.stdout_enabled = oc.syslog_enabled = false;
	oc.json_output = true;
	oc.hostname = "oracle";
	r.m = out_mgr_new(&oc, cerr, sizeof cerr);
	struct out_rule_desc d = {"oracle", "syscall", output, OUT_PRI_DEBUG, NULL, 0};
	r.rule = r.m ? out_rule_compile(r.m, c, reg, &d, cerr, sizeof cerr) : NULL;
	int rc = -1;
	struct eng_source src;
	snprintf(path, sizeof path, "%s/captures/%s.scap", shared, name);
	if (!r.rule) {
		fprintf(stderr, "%s: %s\n", name, cerr);
	} else if (eng_replay_open(path, &src, err) < 0) {
		fprintf(stderr, "%s\n", err);
	} else {
		r.st = st_new(NULL);
		st_import_capture(r.st, eng_replay_meta(&src));
		st_resolver(r.st, &r.res);
		fld_ctx_init(&r.ctx, flt_compiler_nslots(c));
		r.ctx.state = r.st;
		r.ctx.resolver = &r.res;
		struct eng_hooks hooks = {.ctx = &r, .parse = on_parse, .consume = on_event};
		struct eng *e = eng_new(&src, &hooks, err);
		if (e) {
			rc = eng_run(e);
			if (rc < 0)
				fprintf(stderr, "%s\n", eng_error(e));
			eng_free(e);
		}
		fld_ctx_fini(&r.ctx);
		st_free(r.st);
	}
	printf("%-28s events %6" PRIu64 "  type mismatches %" PRIu64 "  exact-field mismatches %" PRIu64
	       "  other value differences %" PRIu64 "  evt.time wrong %" PRIu64 "\n",
	       name, r.events, r.type_bad, r.exact_bad, r.other_bad, r.time_bad);
	tot->events += r.events;
	tot->type_bad += r.type_bad;
	tot->exact_bad += r.exact_bad;
	tot->other_bad += r.other_bad;
	tot->time_bad += r.time_bad;
	out_mgr_free(r.m);
	flt_compiler_free(c);
	fld_reg_free(reg);
	free(output);
	free(r.line);
	fclose(r.oracle);
	return rc;
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	const char *shared = getenv("SHARED_DIR") ? getenv("SHARED_DIR") : "../shared";
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/oracle", shared);
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: cannot open\n", dir);
		return 1;
	}
	struct run tot = {0};
	int fails = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *suf = strstr(de->d_name, ".events.jsonl");
		if (!suf || suf[13])
			continue;
		char name[256];
		snprintf(name, sizeof name, "%.*s", (int)(suf - de->d_name), de->d_name);
		fails += run_capture(shared, name, &tot) < 0;
	}
	closedir(d);
	printf("total: events %" PRIu64 ", type mismatches %" PRIu64 ", exact-field mismatches %" PRIu64
	       ", other value differences %" PRIu64 ", evt.time wrong %" PRIu64 "\n",
	       tot.events, tot.type_bad, tot.exact_bad, tot.other_bad, tot.time_bad);
	return fails || !tot.events || tot.type_bad || tot.exact_bad || tot.time_bad ? 1 : 0;
}
