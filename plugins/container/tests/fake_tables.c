/*
 * The fake threads table: fixed-size arrays, enough for tests.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_tables.h"

#define MAX_THREADS 64
#define MAX_CG 32
#define MAX_DYN 4

struct cgent {
	char *first, *second;
};
struct cgtab {
	int n;
	struct cgent e[MAX_CG];
};
struct thread {
	int64_t tid;
	uint64_t pidns;
	struct cgtab cg;
	char *dyn[MAX_DYN];
};

static struct {
	struct thread *t[MAX_THREADS];
	int n;
	char *dyn_names[MAX_DYN];
	int ndyn;
} threads;

/* Accessors: small integers as pointers. */
enum { A_TID = 1, A_PIDNS, A_CGROUPS, A_FIRST, A_SECOND, A_DYN0 = 16 };
#define THREADS_TABLE ((ss_plugin_table_t *)&threads)

static bool is_threads(ss_plugin_table_t *t) { return t == THREADS_TABLE; }

static const ss_plugin_table_fieldinfo thread_fields[] = {
	{"tid", SS_PLUGIN_ST_INT64, 1}, {"pidns_init_start_ts", SS_PLUGIN_ST_UINT64, 0},
	{"cgroups", SS_PLUGIN_ST_TABLE, 0}};
static const ss_plugin_table_fieldinfo cg_fields[] = {{"first", SS_PLUGIN_ST_STRING, 0},
                                                      {"second", SS_PLUGIN_ST_STRING, 0}};

static const ss_plugin_table_fieldinfo *list_fields(ss_plugin_table_t *t, uint32_t *n)
{
	*n = is_threads(t) ? 3 : 2;
	return is_threads(t) ? thread_fields : cg_fields;
}

static ss_plugin_table_field_t *get_field(ss_plugin_table_t *t, const char *name, ss_plugin_state_type type)
{
	struct { const char *n; int type; uintptr_t a; bool thr; } all[] = {
		{"tid", SS_PLUGIN_ST_INT64, A_TID, true}, {"pidns_init_start_ts", SS_PLUGIN_ST_UINT64, A_PIDNS, true},
		{"cgroups", SS_PLUGIN_ST_TABLE, A_CGROUPS, true}, {"first", SS_PLUGIN_ST_STRING, A_FIRST, false},
		{"second", SS_PLUGIN_ST_STRING, A_SECOND, false}};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i].thr == is_threads(t) && !strcmp(all[i].n, name) && all[i].type == (int)type)
			return (ss_plugin_table_field_t *)all[i].a;
	for (int i = 0; is_threads(t) && i < threads.ndyn; i++)
		if (!strcmp(threads.dyn_names[i], name) && type == SS_PLUGIN_ST_STRING)
			return (ss_plugin_table_field_t *)(uintptr_t)(A_DYN0 + i);
	return NULL;
}

static ss_plugin_table_field_t *add_field(ss_plugin_table_t *t, const char *name, ss_plugin_state_type type)
{
	ss_plugin_table_field_t *f = get_field(t, name, type);
	if (f || !is_threads(t) || type != SS_PLUGIN_ST_STRING || threads.ndyn == MAX_DYN)
		return f;
	threads.dyn_names[threads.ndyn] = strdup(name);
	return (ss_plugin_table_field_t *)(uintptr_t)(A_DYN0 + threads.ndyn++);
}

static const char *table_name(ss_plugin_table_t *t) { return is_threads(t) ? "threads" : "cgroups"; }

static uint64_t table_size(ss_plugin_table_t *t)
{
	return is_threads(t) ? (uint64_t)threads.n : (uint64_t)((struct cgtab *)t)->n;
}

static ss_plugin_table_entry_t *get_entry(ss_plugin_table_t *t, const ss_plugin_state_data *key)
{
	if (!is_threads(t))
		return key->u64 < (uint64_t)((struct cgtab *)t)->n ? &((struct cgtab *)t)->e[key->u64] : NULL;
	for (int i = 0; i < threads.n; i++)
		if (threads.t[i]->tid == key->s64)
			return threads.t[i];
	return NULL;
}

static ss_plugin_rc read_field(ss_plugin_table_t *t, ss_plugin_table_entry_t *e, const ss_plugin_table_field_t *f,
                               ss_plugin_state_data *out)
{
	uintptr_t a = (uintptr_t)f;
	if (!is_threads(t)) {
		struct cgent *c = e;
		out->str = a == A_FIRST ? c->first : c->second;
		return SS_PLUGIN_SUCCESS;
	}
	struct thread *th = e;
	switch (a) {
	case A_TID: out->s64 = th->tid; break;
	case A_PIDNS: out->u64 = th->pidns; break;
	case A_CGROUPS: out->table = &th->cg; break;
	default:
		if (a < A_DYN0 || a >= A_DYN0 + MAX_DYN)
			return SS_PLUGIN_FAILURE;
		out->str = th->dyn[a - A_DYN0] ? th->dyn[a - A_DYN0] : "";
	}
	return SS_PLUGIN_SUCCESS;
}

static void release_entry(ss_plugin_table_t *t, ss_plugin_table_entry_t *e)
{
	(void)t;
	(void)e;
}

static ss_plugin_bool iterate(ss_plugin_table_t *t, ss_plugin_table_iterator_func_t fn,
                              ss_plugin_table_iterator_state_t *s)
{
	if (is_threads(t)) {
		for (int i = 0; i < threads.n; i++)
			if (!fn(s, threads.t[i]))
				return 0;
		return 1;
	}
	struct cgtab *c = t;
	for (int i = 0; i < c->n; i++)
		if (!fn(s, &c->e[i]))
			return 0;
	return 1;
}

static ss_plugin_rc clear_table(ss_plugin_table_t *t)
{
	(void)t;
	return SS_PLUGIN_FAILURE;
}

static ss_plugin_rc erase_entry(ss_plugin_table_t *t, const ss_plugin_state_data *k)
{
	(void)t;
	(void)k;
	return SS_PLUGIN_FAILURE;
}

static void thread_free(struct thread *th)
{
	for (int i = 0; i < th->cg.n; i++) {
		free(th->cg.e[i].first);
		free(th->cg.e[i].second);
	}
	for (int i = 0; i < MAX_DYN; i++)
		free(th->dyn[i]);
	free(th);
}

static ss_plugin_table_entry_t *create_entry(ss_plugin_table_t *t)
{
	return is_threads(t) ? calloc(1, sizeof(struct thread)) : NULL;
}

static void destroy_entry(ss_plugin_table_t *t, ss_plugin_table_entry_t *e)
{
	if (is_threads(t))
		thread_free(e);
}

static ss_plugin_table_entry_t *add_entry(ss_plugin_table_t *t, const ss_plugin_state_data *k,
                                          ss_plugin_table_entry_t *e)
{
	(void)t;
	(void)k;
	(void)e;
	return NULL;
}

static ss_plugin_rc write_field(ss_plugin_table_t *t, ss_plugin_table_entry_t *e, const ss_plugin_table_field_t *f,
                                const ss_plugin_state_data *in)
{
	uintptr_t a = (uintptr_t)f;
	if (!is_threads(t) || a < A_DYN0 || a >= A_DYN0 + MAX_DYN)
		return SS_PLUGIN_FAILURE;
	struct thread *th = e;
	free(th->dyn[a - A_DYN0]);
	th->dyn[a - A_DYN0] = strdup(in->str);
	return SS_PLUGIN_SUCCESS;
}

static ss_plugin_table_info infos[] = {{"threads", SS_PLUGIN_ST_INT64}};

static ss_plugin_table_info *list_tables(ss_plugin_owner_t *o, uint32_t *n)
{
	(void)o;
	*n = 1;
	return infos;
}

static ss_plugin_table_t *get_table(ss_plugin_owner_t *o, const char *name, ss_plugin_state_type key)
{
	(void)o;
	return !strcmp(name, "threads") && key == SS_PLUGIN_ST_INT64 ? THREADS_TABLE : NULL;
}

static ss_plugin_rc add_table(ss_plugin_owner_t *o, const ss_plugin_table_input *in)
{
	(void)o;
	(void)in;
	return SS_PLUGIN_SUCCESS;
}

static ss_plugin_table_fields_vtable_ext fields_vt = {list_fields, get_field, add_field};
static ss_plugin_table_reader_vtable_ext reader_vt = {table_name, table_size, get_entry, read_field,
                                                      release_entry, iterate};
static ss_plugin_table_writer_vtable_ext writer_vt = {clear_table, erase_entry, create_entry, destroy_entry,
                                                      add_entry, write_field};
static ss_plugin_init_tables_input tables_in = {
	.list_tables = list_tables, .get_table = get_table, .add_table = add_table,
	.fields = {list_fields, get_field, add_field}, .fields_ext = &fields_vt, .reader_ext = &reader_vt,
	.writer_ext = &writer_vt};

const ss_plugin_init_tables_input *ft_tables(void) { return &tables_in; }
ss_plugin_table_reader_vtable_ext *ft_reader(void) { return &reader_vt; }
ss_plugin_table_writer_vtable_ext *ft_writer(void) { return &writer_vt; }

int ft_add_thread(int64_t tid, uint64_t pidns_start, const char *const *controllers, const char *const *paths,
                  int ncg)
{
	if (threads.n == MAX_THREADS || ncg > MAX_CG)
		return -1;
	struct thread *th = calloc(1, sizeof(*th));
	if (!th)
		return -1;
	th->tid = tid;
	th->pidns = pidns_start;
	for (int i = 0; i < ncg; i++) {
		th->cg.e[i].first = strdup(controllers[i]);
		th->cg.e[i].second = strdup(paths[i]);
		th->cg.n++;
	}
	threads.t[threads.n++] = th;
	return 0;
}

int ft_add_proc(int64_t pid)
{
	char path[64], line[4096];
	const char *ctl[MAX_CG], *paths[MAX_CG];
	char *owned[MAX_CG];
	int n = 0;
	snprintf(path, sizeof(path), "/proc/%lld/cgroup", (long long)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (n < MAX_CG && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		owned[n] = strdup(line);
		ctl[n] = strchr(owned[n], ':') + 1;
		paths[n] = c2 + 1;
		/* paths point into `line`: copy before the next fgets */
		paths[n] = strdup(paths[n]);
		n++;
	}
	fclose(f);
	int rc = ft_add_thread(pid, 0, ctl, paths, n);
	for (int i = 0; i < n; i++) {
		free(owned[i]);
		free((char *)paths[i]);
	}
	return rc;
}

const char *ft_dynamic(int64_t tid, const char *field)
{
	ss_plugin_state_data k = {.s64 = tid};
	struct thread *th = get_entry(THREADS_TABLE, &k);
	for (int i = 0; th && i < threads.ndyn; i++)
		if (!strcmp(threads.dyn_names[i], field))
			return th->dyn[i];
	return NULL;
}

void ft_free(void)
{
	for (int i = 0; i < threads.n; i++)
		thread_free(threads.t[i]);
	for (int i = 0; i < threads.ndyn; i++)
		free(threads.dyn_names[i]);
	memset(&threads, 0, sizeof(threads));
}
