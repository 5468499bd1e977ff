/*
 * The oracle test: every event of every shared capture, as our replay
 * delivers it to rules, against what upstream Falco 0.44 delivered
 * (../shared/oracle/<capture>.events.jsonl, one line per event).
 *
 * Fields compared: evt.num, evt.rawtime, evt.cpu, thread.tid, evt.type,
 * evt.dir, evt.res, evt.rawres, evt.category, evt.args. Prints the figures
 * (events, fields, mismatches per field, the first mismatches in full) and
 * exits 1 on any mismatch, on a missing or extra event, or on an error.
 *
 * Usage: oracle_events [--fields=F,F,...] [capture-name ...]
 *   --fields  compare only these fields (default: all ten)
 *   captures  default: every capture in $SHARED_DIR/captures
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "event/event.h"
#include "oracle_state.h"

enum field { F_NUM, F_RAWTIME, F_CPU, F_TID, F_TYPE, F_DIR, F_RES, F_RAWRES, F_CATEGORY, F_ARGS, F_COUNT };

static const char *const field_names[F_COUNT] = {
	"evt.num", "evt.rawtime", "evt.cpu", "thread.tid", "evt.type",
	"evt.dir", "evt.res", "evt.rawres", "evt.category", "evt.args",
};

static int show_max = 30; /* mismatches printed in full; env ORACLE_SHOW */
#define SHOW_MAX show_max

struct totals {
	uint64_t events, fields, mismatches[F_COUNT], missing, extra;
	int shown;
};

struct run {
	const char *capture;
	FILE *oracle;            /* owned */
	char *line;              /* owned, getline buffer */
	size_t cap;
	uint64_t lineno;
	struct oracle_state *st; /* owned */
	struct totals *t;
	char buf[2][65536];      /* ours / theirs text */
};

/* An integer field read from the line's text: cJSON keeps numbers as
 * doubles, which cannot hold a nanosecond timestamp exactly. Returns 1 with
 * *v set, 0 for null, -1 when the key is absent. */
static int raw_int(const char *line, const char *key, bool is_unsigned, int64_t *v)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	const char *p = strstr(line, pat);
	if (p == NULL)
		return -1;
	p += strlen(pat);
	if (strncmp(p, "null", 4) == 0)
		return 0;
	*v = is_unsigned ? (int64_t)strtoull(p, NULL, 10) : strtoll(p, NULL, 10);
	return 1;
}

/* A string field; NULL for null or absent. */
static const char *json_str(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static bool field_on[F_COUNT] = {true, true, true, true, true, true, true, true, true, true};

static int select_fields(const char *list)
{
	char *copy = strdup(list), *save = NULL;
	memset(field_on, 0, sizeof(field_on));
	for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		int f = 0;
		while (f < F_COUNT && strcmp(field_names[f], tok) != 0)
			f++;
		if (f == F_COUNT) {
			fprintf(stderr, "unknown field '%s'\n", tok);
			free(copy);
			return -1;
		}
		field_on[f] = true;
	}
	free(copy);
	return 0;
}

static void mismatch(struct run *r, enum field f, uint64_t num, const char *ours, const char *theirs)
{
	r->t->mismatches[f]++;
	if (r->t->shown++ < SHOW_MAX)
		printf("  MISMATCH %s evt.num %" PRIu64 " %s:\n    ours:     %s\n    upstream: %s\n", r->capture, num,
		       field_names[f], ours ? ours : "<NA>", theirs ? theirs : "<NA>");
}

static void cmp_str(struct run *r, enum field f, uint64_t num, const char *ours, const char *theirs)
{
	if (!field_on[f])
		return;
	r->t->fields++;
	if ((ours == NULL) != (theirs == NULL) || (ours != NULL && strcmp(ours, theirs) != 0))
		mismatch(r, f, num, ours, theirs);
}

/* ours_set / theirs: 1 value, 0 null. */
static void cmp_int(struct run *r, enum field f, uint64_t num, int ours_set, int64_t ours, int theirs_set,
                    int64_t theirs)
{
	char a[32], b[32];
	if (!field_on[f])
		return;
	r->t->fields++;
	if (theirs_set < 0) {
		mismatch(r, f, num, "(field)", "(absent from the oracle line)");
		return;
	}
	if (ours_set != theirs_set || (ours_set && ours != theirs)) {
		snprintf(a, sizeof(a), "%" PRId64, ours);
		snprintf(b, sizeof(b), "%" PRId64, theirs);
		mismatch(r, f, num, ours_set ? a : NULL, theirs_set ? b : NULL);
	}
}

/* evt.res: "SUCCESS" for res >= 0, else param 0 resolved (the errno name). */
static const char *our_res(struct run *r, const struct ev_view *v, int *set, int64_t *rawres)
{
	*set = ev_result(v, rawres);
	if (!*set)
		return NULL;
	if (*rawres >= 0)
		return "SUCCESS";
	char val[64];
	ev_render_param_split(v, 0, oracle_state_resolver(r->st), val, sizeof(val), r->buf[0], 256);
	if (r->buf[0][0] == '\0')
		snprintf(r->buf[0], 256, "%s", val);
	return r->buf[0];
}

/* evt.category: the schema's, or for I/O events the kind of the event's fd. */
static const char *our_category(struct run *r, const struct ev_view *v)
{
	const struct ev_info *info = ev_info(v->hdr->type);
	uint32_t cat = info->category & ~(uint32_t)EV_C_KIND_MASK & ~(uint32_t)(EV_C_WAIT | EV_C_SCHEDULER | EV_C_INTERNAL);
	if (cat < EV_C_IO_BASE)
		return ev_category_name(info->category);
	return ev_io_category_name(oracle_state_event_fd_type(r->st, v));
}

static int on_event(void *ctx, const struct eng_event *ev)
{
	struct run *r = ctx;
	const struct ev_view *v = &ev->ev;
	ssize_t n = getline(&r->line, &r->cap, r->oracle);
	if (n <= 0) {
		r->t->extra++;
		if (r->t->shown++ < SHOW_MAX)
			printf("  EXTRA %s evt.num %" PRIu64 " (%s): upstream has no more events\n", r->capture, ev->num,
			       ev_type_name(v));
		return 0;
	}
	r->lineno++;
	cJSON *o = cJSON_Parse(r->line);
	if (o == NULL) {
		fprintf(stderr, "%s.events.jsonl:%" PRIu64 ": not JSON\n", r->capture, r->lineno);
		return -EINVAL;
	}
	r->t->events++;
	int64_t theirs;
	int ts;

	ts = raw_int(r->line, "evt.num", true, &theirs);
	cmp_int(r, F_NUM, ev->num, 1, (int64_t)ev->num, ts, theirs);
	ts = raw_int(r->line, "evt.rawtime", true, &theirs);
	cmp_int(r, F_RAWTIME, ev->num, 1, (int64_t)v->hdr->ts, ts, theirs);
	ts = raw_int(r->line, "evt.cpu", false, &theirs);
	cmp_int(r, F_CPU, ev->num, 1, ev->cpu, ts, theirs);
	ts = raw_int(r->line, "thread.tid", false, &theirs);
	cmp_int(r, F_TID, ev->num, 1, (int64_t)v->hdr->tid, ts, theirs);
	cmp_str(r, F_TYPE, ev->num, ev_type_name(v), json_str(o, "evt.type"));
	cmp_str(r, F_DIR, ev->num, ev_is_exit(v->hdr->type) ? "<" : ">", json_str(o, "evt.dir"));

	int res_set;
	int64_t rawres = 0;
	const char *res = our_res(r, v, &res_set, &rawres);
	cmp_str(r, F_RES, ev->num, res, json_str(o, "evt.res"));
	ts = raw_int(r->line, "evt.rawres", false, &theirs);
	cmp_int(r, F_RAWRES, ev->num, res_set, rawres, ts, theirs);
	cmp_str(r, F_CATEGORY, ev->num, our_category(r, v), json_str(o, "evt.category"));
	ev_render_args(v, oracle_state_resolver(r->st), r->buf[1], sizeof(r->buf[1]));
	cmp_str(r, F_ARGS, ev->num, r->buf[1], json_str(o, "evt.args"));
	cJSON_Delete(o);
	return 0;
}

static int on_parse(void *ctx, const struct eng_event *ev)
{
	struct run *r = ctx;
	return oracle_state_parse(r->st, ev);
}

/* Replays one capture against its oracle file. Returns 0 or -1 on error. */
static int run_capture(const char *shared, const char *name, struct totals *t)
{
	static struct run r;
	char path[4096], err[ENG_ERR_LEN];
	memset(&r, 0, sizeof(r));
	r.capture = name;
	r.t = t;
	snprintf(path, sizeof(path), "%s/oracle/%s.events.jsonl", shared, name);
	r.oracle = fopen(path, "r");
	if (r.oracle == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/captures/%s.scap", shared, name);
	struct eng_source src;
	int rc = eng_replay_open(path, &src, err);
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		fclose(r.oracle);
		return -1;
	}
	r.st = oracle_state_new(eng_replay_meta(&src));
	struct eng_hooks hooks = {.ctx = &r, .parse = on_parse, .consume = on_event};
	struct eng *e = eng_new(&src, &hooks, err);
	if (e == NULL || r.st == NULL) {
		fprintf(stderr, "%s: %s\n", path, e == NULL ? err : "state setup failed");
		eng_free(e);
		oracle_state_free(r.st);
		fclose(r.oracle);
		return -1;
	}
	uint64_t before = t->events;
	rc = eng_run(e);
	if (rc < 0)
		fprintf(stderr, "%s\n", eng_error(e));
	/* oracle lines we never reached */
	while (getline(&r.line, &r.cap, r.oracle) > 0) {
		t->missing++;
		if (t->shown++ < SHOW_MAX)
			printf("  MISSING %s: upstream line %" PRIu64 " has no event of ours\n", name, ++r.lineno);
	}
	printf("%-28s %6" PRIu64 " events\n", name, t->events - before);
	eng_free(e);
	oracle_state_free(r.st);
	free(r.line);
	fclose(r.oracle);
	return rc < 0 ? -1 : 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Capture names (without .scap) that have an oracle file; caller frees. */
static int list_captures(const char *shared, char ***out)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/captures", shared);
	DIR *d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	char **names = NULL;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l <= 5 || strcmp(de->d_name + l - 5, ".scap") != 0)
			continue;
		char **nn = realloc(names, sizeof(*names) * (size_t)(n + 1));
		if (nn == NULL)
			break;
		names = nn;
		names[n++] = strndup(de->d_name, l - 5);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(*names), cmp_names);
	*out = names;
	return n;
}

int main(int argc, char **argv)
{
	const char *shared = getenv("SHARED_DIR");
	if (shared == NULL)
		shared = "../shared";
	if (getenv("ORACLE_SHOW") != NULL)
		show_max = atoi(getenv("ORACLE_SHOW"));
	struct totals t = {0};
	int errors = 0;
	char **names = NULL;
	int n;
	if (argc > 1 && strncmp(argv[1], "--fields=", 9) == 0) {
		if (select_fields(argv[1] + 9) < 0)
			return 1;
		argv++;
		argc--;
	}
	if (argc > 1) {
		names = argv + 1;
		n = argc - 1;
	} else if ((n = list_captures(shared, &names)) <= 0) {
		fprintf(stderr, "no captures under %s/captures\n", shared);
		return 1;
	}
	for (int i = 0; i < n; i++)
		if (run_capture(shared, names[i], &t) < 0)
			errors++;
	if (argc <= 1) {
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}

	uint64_t total = t.missing + t.extra;
	printf("\noracle: %d captures, %" PRIu64 " events compared, %" PRIu64 " fields compared\n", n, t.events,
	       t.fields);
	for (int f = 0; f < F_COUNT; f++) {
		if (!field_on[f])
			continue;
		printf("  %-13s %6" PRIu64 " mismatches\n", field_names[f], t.mismatches[f]);
		total += t.mismatches[f];
	}
	printf("  missing events %" PRIu64 ", extra events %" PRIu64 ", capture errors %d\n", t.missing, t.extra,
	       errors);
	printf("oracle: %" PRIu64 " mismatches\n", total);
	return total == 0 && errors == 0 ? 0 : 1;
}
