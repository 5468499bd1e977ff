/*
 * ns per event for the compiled conditions of a rules file, over the shared
 * captures replayed several times: once with no rules (replay + state only),
 * once evaluating every rule whose event types include the event (as the
 * engine indexes rules), so the rules' own cost is the difference.
 *
 * A small YAML reader takes lists, macros and rules (no append/override:
 * enough for the official falco_rules.yaml); lists are substituted as text,
 * macros on the tree, in definition order, as Falco does. Rules whose fields
 * we lack (plugin fields such as container.*) are counted and skipped.
 *
 * Usage: rules_bench [RULES_FILE [ROUNDS]]   Env: SHARED_DIR (../shared).
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "engine/engine.h"
#include "filter/filter.h"
#include "state/state.h"
#include "state/state.h"

#define MAXI 1024

struct item {
	int kind; /* 0 list, 1 macro, 2 rule */
	char *name, *cond;
	char **items;
	uint32_t nitems;
	bool enabled;
	struct flt_node *tree;
};

static struct item items[MAXI];
static uint32_t nitems;

static const char *scalar(yaml_document_t *d, yaml_node_t *n)
{
	(void)d;
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int read_rules(const char *path)
{
	FILE *f = fopen(path, "r");
	yaml_parser_t p;
	yaml_document_t d;
	if (!f || !yaml_parser_initialize(&p))
		return -1;
	yaml_parser_set_input_file(&p, f);
	if (!yaml_parser_load(&p, &d))
		return -1;
	yaml_node_t *root = yaml_document_get_root_node(&d);
	for (yaml_node_item_t *it = root->data.sequence.items.start;
	     root->type == YAML_SEQUENCE_NODE && it < root->data.sequence.items.top && nitems < MAXI;
	     it++) {
		yaml_node_t *m = yaml_document_get_node(&d, *it);
		if (m->type != YAML_MAPPING_NODE)
			continue;
		struct item x = {.kind = -1, .enabled = true};
		for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
		     pr++) {
			const char *k = scalar(&d, yaml_document_get_node(&d, pr->key));
			yaml_node_t *v = yaml_document_get_node(&d, pr->value);
			if (!k)
				continue;
			if (!strcmp(k, "list") || !strcmp(k, "macro") || !strcmp(k, "rule")) {
				x.kind = k[0] == 'l' ? 0 : k[0] == 'm' ? 1 : 2;
				x.name = strdup(scalar(&d, v));
			} else if (!strcmp(k, "condition")) {
				x.cond = strdup(scalar(&d, v));
			} else if (!strcmp(k, "enabled")) {
				x.enabled = strcmp(scalar(&d, v), "false") != 0;
			} else if (!strcmp(k, "items") && v->type == YAML_SEQUENCE_NODE) {
				for (yaml_node_item_t *j = v->data.sequence.items.start;
				     j < v->data.sequence.items.top; j++) {
					x.items = realloc(x.items, (x.nitems + 1) * sizeof(char *));
					x.items[x.nitems++] = strdup(scalar(&d, yaml_document_get_node(&d, *j)));
				}
			}
		}
		if (x.kind >= 0)
			items[nitems++] = x;
	}
	yaml_document_delete(&d);
	yaml_parser_delete(&p);
	fclose(f);
	return 0;
}

static uint32_t visible; /* macros defined before the item being expanded */

static const struct flt_node *macro(void *user, const char *name)
{
	(void)user;
	for (uint32_t i = 0; i < visible; i++)
		if (items[i].kind == 1 && items[i].tree && !strcmp(items[i].name, name))
			return items[i].tree;
	return NULL;
}

/* Lists in order, then the parse; macros keep their own tree (expanded). */
static struct flt_node *prepare(uint32_t idx, uint32_t vis, struct flt_error *err)
{
	char *c = strdup(items[idx].cond ? items[idx].cond : "");
	for (uint32_t i = 0; i < nitems; i++) {
		if (items[i].kind != 0)
			continue;
		char *n = flt_expand_list(c, items[i].name, (const char *const *)items[i].items,
		                          items[i].nitems, NULL);
		free(c);
		c = n;
	}
	struct flt_parse_opts po = {.max_depth = 1000};
	struct flt_node *t = flt_parse(c, &po, err, NULL);
	free(c);
	visible = vis;
	if (t && flt_expand_macros(&t, macro, NULL, err) < 0) {
		flt_node_free(t);
		t = NULL;
	}
	return t;
}

struct rule {
	struct flt_prog *prog;
	bool types[EV_CODE_MAX];
};

struct run {
	struct st_state *st;
	struct ev_resolver res;
	struct fld_ctx ctx;
	struct rule *rules;
	uint32_t nrules;
	uint32_t *byType[EV_CODE_MAX]; /* rule indexes per event code */
	uint32_t nbyType[EV_CODE_MAX];
	bool eval;
	uint64_t events, matches, all_matches, evals;
	double t_indexed, t_all;
};

static int on_parse(void *ctx, const struct eng_event *ev)
{
	struct run *r = ctx;
	st_apply(r->st, &ev->ev, ev->cpu);
	return 0;
}

static double now(void);

#define REPS 50 /* evaluations of the rule set per event, each with a fresh cache */

/* Times REPS evaluations of the rules indexed for this event's type (and,
 * separately, of every rule), forcing re-extraction each time. */
static int on_event(void *ctx, const struct eng_event *ev)
{
	struct run *r = ctx;
	r->events++;
	if (!r->eval)
		return 0;
	r->ctx.ev = &ev->ev;
	r->ctx.num = ev->num;
	r->ctx.cpu = ev->cpu;
	r->ctx.fd_type = st_event_fd_typechar(r->st);
	uint16_t t = ev->ev.hdr->type;
	if (t >= EV_CODE_MAX)
		return 0;
	double t0 = now();
	for (int k = 0; k < REPS; k++) {
		fld_ctx_next(&r->ctx);
		for (uint32_t i = 0; i < r->nbyType[t]; i++)
			r->matches += flt_eval(r->rules[r->byType[t][i]].prog, &r->ctx);
	}
	double t1 = now();
	for (int k = 0; k < REPS; k++) {
		fld_ctx_next(&r->ctx);
		for (uint32_t i = 0; i < r->nrules; i++)
			r->all_matches += flt_eval(r->rules[i].prog, &r->ctx);
	}
	r->t_indexed += t1 - t0;
	r->t_all += now() - t1;
	r->evals += r->nbyType[t];
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void replay_all(const char *shared, struct run *r, uint32_t nslots)
{
	char dir[4096], path[8192], err[ENG_ERR_LEN];
	snprintf(dir, sizeof dir, "%s/captures", shared);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (!strstr(de->d_name, ".scap"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		struct eng_source src;
		if (eng_replay_open(path, &src, err) < 0)
			continue;
		r->st = st_new(NULL);
		st_import_capture(r->st, eng_replay_meta(&src));
		st_resolver(r->st, &r->res);
		fld_ctx_init(&r->ctx, nslots);
		r->ctx.state = r->st;
		r->ctx.resolver = &r->res;
		struct eng_hooks hooks = {.ctx = r, .parse = on_parse, .consume = on_event};
		struct eng *e = eng_new(&src, &hooks, err);
		if (e)
			eng_run(e);
		eng_free(e);
		fld_ctx_fini(&r->ctx);
		st_free(r->st);
	}
	if (d)
		closedir(d);
}

int main(int argc, char **argv)
{
	const char *shared = getenv("SHARED_DIR") ? getenv("SHARED_DIR") : "../shared";
	char rpath[4096];
	snprintf(rpath, sizeof rpath, "%s/rules/upstream/falco_rules.yaml", shared);
	const char *rules_file = argc > 1 ? argv[1] : rpath;
	int rounds = argc > 2 ? atoi(argv[2]) : 20;
	if (read_rules(rules_file) < 0) {
		fprintf(stderr, "%s: cannot read\n", rules_file);
		return 1;
	}
	struct fld_reg *reg = fld_reg_new();
	fld_reg_add_builtin(reg);
	st_fields_register(reg);
	struct flt_compiler *comp = flt_compiler_new(reg, "syscall");
	static struct run r;
	r.rules = calloc(MAXI, sizeof(*r.rules));
	uint32_t total = 0, failed = 0;
	/* macros first (each sees the macros before it), then rules (all) */
	for (uint32_t i = 0; i < nitems; i++) {
		struct flt_error err;
		if (items[i].kind == 1)
			items[i].tree = prepare(i, i, &err); /* NULL when it does not parse */
	}
	for (uint32_t i = 0; i < nitems; i++) {
		struct flt_error err;
		if (items[i].kind != 2 || !items[i].enabled)
			continue;
		total++;
		struct flt_node *t = prepare(i, nitems, &err);
		struct flt_prog *p = t ? flt_compile(comp, t, &err) : NULL;
		if (!p) {
			failed++;
			printf("  skipped rule '%s': %s\n", items[i].name, err.msg);
			flt_node_free(t);
			continue;
		}
		struct rule *ru = &r.rules[r.nrules++];
		ru->prog = p;
		if (flt_event_types(t, ru->types) < 0)
			memset(ru->types, 1, sizeof ru->types);
		flt_node_free(t);
	}
	for (uint32_t c = 0; c < EV_CODE_MAX; c++) {
		r.byType[c] = calloc(r.nrules + 1, sizeof(uint32_t));
		for (uint32_t i = 0; i < r.nrules; i++)
			if (r.rules[i].types[c])
				r.byType[c][r.nbyType[c]++] = i;
	}
	uint32_t nslots = flt_compiler_nslots(comp);
	double t0 = now();
	for (int k = 0; k < rounds; k++)
		replay_all(shared, &r, nslots);
	double base = now() - t0;
	uint64_t ev_base = r.events;
	r.events = 0;
	r.eval = true;
	replay_all(shared, &r, nslots);
	double per = (double)r.events * REPS;
	printf("rules file: %s\n", rules_file);
	printf("rules: %u enabled, %u compiled, %u skipped (fields we lack)\n", total, r.nrules, failed);
	printf("events: %" PRIu64 " (every shared capture once)\n", r.events);
	printf("replay + state, no rules: %.1f ns/event (%d rounds, includes opening and gunzipping "
	       "each capture)\n", base * 1e9 / (double)ev_base, rounds);
	printf("rules, indexed by event type: %.1f ns/event (%.3f rule evaluations/event, %" PRIu64
	       " matches)\n", r.t_indexed * 1e9 / per, (double)r.evals / (double)r.events,
	       r.matches / REPS);
	printf("rules, all %u on every event: %.1f ns/event (%" PRIu64 " matches)\n", r.nrules,
	       r.t_all * 1e9 / per, r.all_matches / REPS);
	for (uint32_t i = 0; i < r.nrules; i++)
		flt_prog_free(r.rules[i].prog);
	flt_compiler_free(comp);
	fld_reg_free(reg);
	return 0;
}
