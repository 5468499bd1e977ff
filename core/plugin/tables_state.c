/*
 * The tables bridge: plugins see core/state's tables (`threads` and its
 * subtables args, env, cgroups, file_descriptors) through the plugin API's
 * table vtables. Tables, fields and entries are core/state's own handles;
 * only detached entries (create_table_entry) are ours: they collect writes
 * until add_table_entry() inserts them.
 *
 * The field and entry vtables receive no owner, so they find the bridge
 * (and the plugin to report errors to) through the plugin call running on
 * this thread (ph_in_call's marker): tables are usable during init,
 * extract_fields, parse_event, capture_open/close and routines, as
 * upstream allows, and not from a plugin's own threads.
 *
 * Tables owned by plugins (add_table) join the same registry: other plugins
 * get our handle for them, and every vtable call on it goes to the owner's
 * vtables (its "_ext" ones, or the embedded ones of older plugins). The
 * owner must stay loaded as long as the bridge. Their TABLE fields
 * (subtables) are refused for now: the owner's subtable handles would reach
 * us unwrapped.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/internal.h"
#include "state/state.h"

_Static_assert(sizeof(union st_data) == sizeof(ss_plugin_state_data), "state and plugin values have one layout");

/* Provided by core/state when it can hand out a subtable with no owner
 * (for detached entries); optional until then. */
extern struct st_table *st_table_subtable(struct st_table *t, const struct st_field *f) __attribute__((weak));

#define MAX_PENDING 32

struct detached {
	struct detached *next;
	struct st_table *t;
	uint32_t n;
	struct {
		const struct st_field *f;
		ss_plugin_state_data v;
		char *str; /* owned copy of a string value */
	} w[MAX_PENDING];
};

/* A table a plugin owns: our handle for it, with its vtables resolved. */
struct ptable {
	struct ptable *next;  /* in its bridge */
	struct ptable *gnext; /* in all_ptables */
	ss_plugin_table_t *table;
	char *name;
	ss_plugin_state_type key_type;
	ss_plugin_table_fields_vtable_ext fields;
	ss_plugin_table_reader_vtable_ext reader;
	ss_plugin_table_writer_vtable_ext writer;
};

struct field_cache {
	struct st_table *t;
	ss_plugin_table_fieldinfo *v;
	uint32_t n;
};

struct ph_state_tables {
	struct st_state *st;
	struct ph_tables bridge;
	ss_plugin_init_tables_input init;
	ss_plugin_table_fields_vtable_ext fields;
	ss_plugin_table_reader_vtable_ext reader;
	ss_plugin_table_writer_vtable_ext writer;
	ss_plugin_table_info *infos;
	struct field_cache *caches;
	uint32_t ncaches;
	struct detached *detached;
	struct ptable *ptables;
};

/* The bridge of the plugin calling into us on this thread, or NULL. */
static struct ph_state_tables *caller(void)
{
	const struct ph_plugin *p = ph_tls_mark.p;
	if (!p || !p->tables.init || !p->tables.ctx)
		return NULL;
	struct ph_state_tables *b = p->tables.ctx;
	return p->tables.init == &b->init ? b : NULL;
}

/* Every plugin-owned table of every bridge. Changed only when plugins are
 * initialised or the bridge is freed (never during event processing), so
 * it can be read from any thread: a table handle is recognised even when a
 * plugin uses it from a thread of its own. */
static struct ptable *all_ptables;

/* Our handle of a plugin-owned table, or NULL for a core/state table. */
static struct ptable *as_ptable(const void *t)
{
	for (struct ptable *pt = all_ptables; pt; pt = pt->gnext)
		if ((const void *)pt == t)
			return pt;
	return NULL;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- handles given out ----
 * Every core/state table and field handle a bridge gave a plugin, with the
 * field's type: a handle the plugin makes up (or mixes up) is refused with
 * an error instead of being followed. Appended under a lock, never
 * removed, read without one (entries are written before the count). The
 * tables are few (subtables are one object per kind), the fields are the
 * ones plugins asked for. */
#define MAX_HANDLES 4096
static struct handle {
	const void *h;
	uint8_t type; /* 0 for a table, else the field's ST_T_* type */
} g_handles[MAX_HANDLES];
static uint32_t g_nhandles;
static pthread_mutex_t g_handles_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct handle *known(const void *h)
{
	uint32_t n = __atomic_load_n(&g_nhandles, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; h && i < n; i++)
		if (g_handles[i].h == h)
			return &g_handles[i];
	return NULL;
}

static void remember(const void *h, uint8_t type)
{
	if (!h || known(h))
		return;
	pthread_mutex_lock(&g_handles_lock);
	uint32_t n = g_nhandles;
	if (n < MAX_HANDLES && !known(h)) {
		g_handles[n] = (struct handle){h, type};
		__atomic_store_n(&g_nhandles, n + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&g_handles_lock);
}

static bool bad_table(const void *t)
{
	const struct handle *k = known(t);
	if (k && k->type == 0)
		return false;
	fail("%p is not a table handle given by the host", t);
	return true;
}

static bool bad_field(const void *f)
{
	const struct handle *k = known(f);
	if (k && k->type != 0)
		return false;
	fail("%p is not a field handle given by the host", f);
	return true;
}

/* Checks a core/state table handle, and for entry calls the entry (not
 * NULL) and the field (one given out). */
#define CHECK_TABLE(t, bad)                                                  \
	do {                                                                     \
		if (bad_table(t))                                                    \
			return bad;                                                      \
	} while (0)
#define CHECK_ENTRY_FIELD(e, f, bad)                                         \
	do {                                                                     \
		if (!(e)) {                                                          \
			fail("a NULL table entry");                                      \
			return bad;                                                      \
		}                                                                    \
		if (bad_field(f))                                                    \
			return bad;                                                      \
	} while (0)

static void fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ph_tls_mark.p)
		ph_set_owner_error((ss_plugin_owner_t *)ph_tls_mark.p, msg);
}

/* ---- registry ---- */

static const uint8_t key_types[] = {ST_T_INT64, ST_T_UINT64, ST_T_STRING, ST_T_INT32, ST_T_UINT32,
                                    ST_T_INT16, ST_T_UINT16, ST_T_INT8,   ST_T_UINT8};

static ss_plugin_table_info *list_tables(ss_plugin_owner_t *o, uint32_t *n)
{
	struct ph_state_tables *b = ph_tables_ctx(o);
	const char *names[32];
	uint32_t count = st_table_list(b->st, names, 32), nplug = 0;
	if (count > 32)
		count = 32;
	for (struct ptable *pt = b->ptables; pt; pt = pt->next)
		nplug++;
	ss_plugin_table_info *v = realloc(b->infos, (count + nplug + 1) * sizeof(*v));
	*n = 0;
	if (!v)
		return NULL;
	b->infos = v;
	for (uint32_t i = 0; i < count; i++)
		for (size_t k = 0; k < sizeof(key_types); k++)
			if (st_table_get(b->st, names[i], key_types[k])) {
				v[*n].name = names[i];
				v[*n].key_type = (ss_plugin_state_type)key_types[k];
				(*n)++;
				break;
			}
	for (struct ptable *pt = b->ptables; pt; pt = pt->next)
		v[(*n)++] = (ss_plugin_table_info){pt->name, pt->key_type};
	return v;
}

static ss_plugin_table_t *get_table(ss_plugin_owner_t *o, const char *name, ss_plugin_state_type kt)
{
	struct ph_state_tables *b = ph_tables_ctx(o);
	for (struct ptable *pt = b->ptables; pt && name; pt = pt->next)
		if (strcmp(pt->name, name) == 0 && pt->key_type == kt)
			return pt;
	struct st_table *t = st_table_get(b->st, name, (uint8_t)kt);
	remember(t, 0);
	if (!t) {
		char msg[256];
		snprintf(msg, sizeof(msg), "no table named '%s' with key type %d", name ? name : "", (int)kt);
		ph_set_owner_error(o, msg);
	}
	return t;
}

static bool name_taken(struct ph_state_tables *b, const char *name)
{
	for (struct ptable *pt = b->ptables; pt; pt = pt->next)
		if (strcmp(pt->name, name) == 0)
			return true;
	for (size_t k = 0; k < sizeof(key_types); k++)
		if (st_table_get(b->st, name, key_types[k]))
			return true;
	return false;
}

/* The owner's vtables: the "_ext" ones, else the embedded ones. */
static void resolve_vtables(struct ptable *pt, const ss_plugin_table_input *in)
{
	if (in->fields_ext)
		pt->fields = *in->fields_ext;
	else
		pt->fields = (ss_plugin_table_fields_vtable_ext){in->fields.list_table_fields, in->fields.get_table_field,
		                                                 in->fields.add_table_field};
	if (in->reader_ext)
		pt->reader = *in->reader_ext;
	else
		pt->reader = (ss_plugin_table_reader_vtable_ext){in->reader.get_table_name, in->reader.get_table_size,
		                                                 in->reader.get_table_entry, in->reader.read_entry_field,
		                                                 NULL, NULL};
	if (in->writer_ext)
		pt->writer = *in->writer_ext;
	else
		pt->writer = (ss_plugin_table_writer_vtable_ext){in->writer.clear_table, in->writer.erase_table_entry,
		                                                 in->writer.create_table_entry, in->writer.destroy_table_entry,
		                                                 in->writer.add_table_entry, in->writer.write_entry_field};
}

static ss_plugin_rc add_table(ss_plugin_owner_t *o, const ss_plugin_table_input *in)
{
	struct ph_state_tables *b = ph_tables_ctx(o);
	char msg[256];
	if (!in || !in->name || !in->name[0] || !in->table) {
		ph_set_owner_error(o, "add_table needs a name and a table");
		return SS_PLUGIN_FAILURE;
	}
	if (name_taken(b, in->name)) {
		snprintf(msg, sizeof(msg), "cannot add table '%s': a table with that name exists", in->name);
		ph_set_owner_error(o, msg);
		return SS_PLUGIN_FAILURE;
	}
	struct ptable *pt = calloc(1, sizeof(*pt));
	if (!pt || !(pt->name = strdup(in->name))) {
		free(pt);
		ph_set_owner_error(o, "out of memory");
		return SS_PLUGIN_FAILURE;
	}
	pt->table = in->table;
	pt->key_type = in->key_type;
	resolve_vtables(pt, in);
	if (!pt->reader.get_table_entry || !pt->reader.read_entry_field || !pt->fields.get_table_field) {
		snprintf(msg, sizeof(msg), "cannot add table '%s': it has no reader or fields vtable", in->name);
		ph_set_owner_error(o, msg);
		free(pt->name);
		free(pt);
		return SS_PLUGIN_FAILURE;
	}
	pt->next = b->ptables;
	b->ptables = pt;
	pt->gnext = all_ptables;
	all_ptables = pt;
	return SS_PLUGIN_SUCCESS;
}

/* Forwards a vtable call on a plugin-owned table to its owner, failing
 * (with `bad`) when the owner did not provide the function. */
#define FORWARD(pt, vt, fn, bad, ...) ((pt)->vt.fn ? (pt)->vt.fn((pt)->table, ##__VA_ARGS__) : (bad))

/* ---- fields ---- */

static const ss_plugin_table_fieldinfo *list_fields(ss_plugin_table_t *t, uint32_t *n)
{
	struct ph_state_tables *b = caller();
	struct ptable *pt = as_ptable(t);
	*n = 0;
	if (pt)
		return FORWARD(pt, fields, list_table_fields, NULL, n);
	CHECK_TABLE(t, NULL);
	if (!b)
		return NULL;
	uint32_t count;
	const struct st_field_info *fi = st_table_fields(t, &count);
	struct field_cache *c = NULL;
	for (uint32_t i = 0; i < b->ncaches && !c; i++)
		if (b->caches[i].t == t)
			c = &b->caches[i];
	if (!c) {
		struct field_cache *nc = realloc(b->caches, (b->ncaches + 1) * sizeof(*nc));
		if (!nc)
			return NULL;
		b->caches = nc;
		c = &nc[b->ncaches++];
		*c = (struct field_cache){.t = t};
	}
	ss_plugin_table_fieldinfo *v = realloc(c->v, (count ? count : 1) * sizeof(*v));
	if (!v)
		return NULL;
	c->v = v;
	c->n = count;
	for (uint32_t i = 0; i < count; i++)
		v[i] = (ss_plugin_table_fieldinfo){fi[i].name, (ss_plugin_state_type)fi[i].type, fi[i].read_only};
	*n = count;
	return v;
}

static ss_plugin_table_field_t *get_field(ss_plugin_table_t *t, const char *name, ss_plugin_state_type type)
{
	struct ptable *pt = as_ptable(t);
	if (pt && type == SS_PLUGIN_ST_TABLE) {
		/* The owner's subtable handles would reach us unwrapped: refuse
		 * rather than mistake them for core/state tables. */
		fail("subtables of table '%s' (owned by a plugin) are not supported yet", pt->name);
		return NULL;
	}
	if (pt)
		return FORWARD(pt, fields, get_table_field, NULL, name, type);
	CHECK_TABLE(t, NULL);
	struct st_field *f = st_table_field(t, name, (uint8_t)type);
	if (!f)
		fail("table '%s' has no field '%s' of type %d", st_table_name(t), name ? name : "", (int)type);
	remember(f, (uint8_t)type);
	return f;
}

static ss_plugin_table_field_t *add_field(ss_plugin_table_t *t, const char *name, ss_plugin_state_type type)
{
	struct ptable *pt = as_ptable(t);
	if (pt && type == SS_PLUGIN_ST_TABLE) {
		fail("subtables of table '%s' (owned by a plugin) are not supported yet", pt->name);
		return NULL;
	}
	if (pt)
		return FORWARD(pt, fields, add_table_field, NULL, name, type);
	CHECK_TABLE(t, NULL);
	struct st_field *f = st_table_add_field(t, name, (uint8_t)type);
	if (!f)
		fail("cannot add field '%s' of type %d to table '%s'", name ? name : "", (int)type, st_table_name(t));
	remember(f, (uint8_t)type);
	return f;
}

/* ---- detached entries ---- */

static struct detached *find_detached(struct ph_state_tables *b, const void *e)
{
	for (struct detached *d = b ? b->detached : NULL; d; d = d->next)
		if (d == e)
			return d;
	return NULL;
}

static uint8_t field_type(struct st_table *t, const struct st_field *f)
{
	uint32_t n;
	const struct st_field_info *fi = st_table_fields(t, &n);
	for (uint32_t i = 0; i < n; i++)
		if (st_table_field(t, fi[i].name, fi[i].type) == f)
			return fi[i].type;
	return 0;
}

static bool first_entry(void *ctx, st_entry *e)
{
	*(st_entry **)ctx = e;
	return false;
}

/* A detached entry's subtable, for reaching the subtable's fields. */
static int detached_subtable(struct st_table *t, const struct st_field *f, ss_plugin_state_data *out)
{
	if (st_table_subtable) {
		out->table = st_table_subtable(t, f);
		if (!out->table)
			fail("no subtable for this field of table '%s'", st_table_name(t));
		return out->table ? 0 : -EINVAL;
	}
	st_entry *any = NULL;
	st_table_iterate(t, first_entry, &any);
	if (!any) {
		fail("cannot reach a subtable of a detached entry while table '%s' is empty", st_table_name(t));
		return -ENOENT;
	}
	return st_table_read(t, any, f, (union st_data *)out);
}

static int detached_read(struct detached *d, const struct st_field *f, ss_plugin_state_data *out)
{
	uint8_t type = field_type(d->t, f);
	memset(out, 0, sizeof(*out));
	if (!type) {
		fail("unknown field for table '%s'", st_table_name(d->t));
		return -EINVAL;
	}
	if (type == ST_T_TABLE)
		return detached_subtable(d->t, f, out);
	for (uint32_t i = d->n; i-- > 0;)
		if (d->w[i].f == f) {
			*out = d->w[i].v;
			return 0;
		}
	if (type == ST_T_STRING)
		out->str = "";
	return 0;
}

static int detached_write(struct detached *d, const struct st_field *f, const ss_plugin_state_data *in)
{
	uint8_t type = field_type(d->t, f);
	if (!type || type == ST_T_TABLE || d->n == MAX_PENDING) {
		fail("cannot write this field of a detached entry of table '%s'", st_table_name(d->t));
		return -EINVAL;
	}
	char *s = NULL;
	if (type == ST_T_STRING && !(s = strdup(in->str ? in->str : "")))
		return -ENOMEM;
	d->w[d->n].f = f;
	d->w[d->n].v = *in;
	if (s)
		d->w[d->n].v.str = s;
	d->w[d->n++].str = s;
	return 0;
}

static void free_detached(struct ph_state_tables *b, struct detached *d)
{
	for (struct detached **pp = &b->detached; *pp; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	for (uint32_t i = 0; i < d->n; i++)
		free(d->w[i].str);
	free(d);
}

/* ---- reader ---- */

static const char *get_name(ss_plugin_table_t *t)
{
	struct ptable *pt = as_ptable(t);
	if (pt)
		return pt->name;
	CHECK_TABLE(t, NULL);
	return st_table_name(t);
}

static uint64_t get_size(ss_plugin_table_t *t)
{
	struct ptable *pt = as_ptable(t);
	if (pt)
		return FORWARD(pt, reader, get_table_size, (uint64_t)-1);
	CHECK_TABLE(t, (uint64_t)-1);
	return st_table_size(t);
}

static ss_plugin_table_entry_t *get_entry(ss_plugin_table_t *t, const ss_plugin_state_data *key)
{
	struct ptable *pt = as_ptable(t);
	if (pt)
		return FORWARD(pt, reader, get_table_entry, NULL, key);
	CHECK_TABLE(t, NULL);
	if (!key) {
		fail("a NULL key for table '%s'", st_table_name(t));
		return NULL;
	}
	st_entry *e = st_table_entry(t, (const union st_data *)key);
	if (!e)
		fail("no entry with this key in table '%s'", st_table_name(t));
	return e;
}

static ss_plugin_rc read_field(ss_plugin_table_t *t, ss_plugin_table_entry_t *e, const ss_plugin_table_field_t *f,
                               ss_plugin_state_data *out)
{
	struct ptable *pt = as_ptable(t);
	if (pt)
		return FORWARD(pt, reader, read_entry_field, SS_PLUGIN_FAILURE, e, f, out);
	CHECK_TABLE(t, SS_PLUGIN_FAILURE);
	CHECK_ENTRY_FIELD(e, f, SS_PLUGIN_FAILURE);
	if (!out) {
		fail("read_entry_field with no place for the value");
		return SS_PLUGIN_FAILURE;
	}
	bool subtable = known(f)->type == ST_T_TABLE;
	struct detached *d = find_detached(caller(), e);
	int rc = d ? detached_read(d, f, out) : st_table_read(t, e, f, (union st_data *)out);
	if (rc) {
		if (!d) /* detached_read says why */
			fail("cannot read a field of table '%s' (%s)", st_table_name(t), strerror(-rc));
		return SS_PLUGIN_FAILURE;
	}
	if (subtable)
		remember(out->table, 0);
	return SS_PLUGIN_SUCCESS;
}

static void release_entry(ss_plugin_table_t *t, ss_plugin_table_entry_t *e)
{
	struct ptable *pt = as_ptable(t);
	if (pt && pt->reader.release_table_entry)
		pt->reader.release_table_entry(pt->table, e);
}

struct iter {
	ss_plugin_table_iterator_func_t fn;
	ss_plugin_table_iterator_state_t *s;
};

static bool iter_one(void *ctx, st_entry *e)
{
	struct iter *it = ctx;
	return it->fn(it->s, e) != 0;
}

static ss_plugin_bool iterate(ss_plugin_table_t *t, ss_plugin_table_iterator_func_t fn,
                              ss_plugin_table_iterator_state_t *s)
{
	struct ptable *pt = as_ptable(t);
	if (pt)
		return FORWARD(pt, reader, iterate_entries, 0, fn, s);
	CHECK_TABLE(t, 0);
	if (!fn) {
		fail("iterate_entries with no function");
		return 0;
	}
	struct iter it = {fn, s};
	return st_table_iterate(t, iter_one, &it);
}

/* ---- writer ---- */

static ss_plugin_rc rc_of(int rc, ss_plugin_table_t *t, const char *what)
{
	if (rc == 0)
		return SS_PLUGIN_SUCCESS;
	fail("cannot %s in table '%s' (%s)", what, st_table_name(t), strerror(-rc));
	return SS_PLUGIN_FAILURE;
}

static ss_plugin_rc clear(ss_plugin_table_t *t)
{
	struct ptable *pt = as_ptable(t);
	if (pt)
		return FORWARD(pt, writer, clear_table, SS_PLUGIN_FAILURE);
	CHECK_TABLE(t, SS_PLUGIN_FAILURE);
	return rc_of(st_table_clear(t), t, "clear the entries");
}

static ss_plugin_rc erase(ss_plugin_table_t *t, const ss_plugin_state_data *key)
{
	struct ptable *pt = as_ptable(t);
	if (pt)
		return FORWARD(pt, writer, erase_table_entry, SS_PLUGIN_FAILURE, key);
	CHECK_TABLE(t, SS_PLUGIN_FAILURE);
	if (!key) {
		fail("a NULL key for table '%s'", st_table_name(t));
		return SS_PLUGIN_FAILURE;
	}
	return rc_of(st_table_erase(t, (const union st_data *)key), t, "erase an entry");
}

static ss_plugin_table_entry_t *create_entry(ss_plugin_table_t *t)
{
	struct ptable *pt = as_ptable(t);
	if (pt)
		return FORWARD(pt, writer, create_table_entry, NULL);
	CHECK_TABLE(t, NULL);
	struct ph_state_tables *b = caller();
	struct detached *d = b ? calloc(1, sizeof(*d)) : NULL;
	if (!d) {
		fail("cannot create an entry for table '%s'", st_table_name(t));
		return NULL;
	}
	d->t = t;
	d->next = b->detached;
	b->detached = d;
	return d;
}

static void destroy_entry(ss_plugin_table_t *t, ss_plugin_table_entry_t *e)
{
	struct ptable *pt = as_ptable(t);
	if (pt) {
		if (pt->writer.destroy_table_entry)
			pt->writer.destroy_table_entry(pt->table, e);
		return;
	}
	struct ph_state_tables *b = caller();
	struct detached *d = find_detached(b, e);
	(void)t;
	if (d)
		free_detached(b, d);
}

static ss_plugin_table_entry_t *add_entry(ss_plugin_table_t *t, const ss_plugin_state_data *key,
                                          ss_plugin_table_entry_t *e)
{
	struct ptable *pt = as_ptable(t);
	if (pt)
		return FORWARD(pt, writer, add_table_entry, NULL, key, e);
	CHECK_TABLE(t, NULL);
	if (!key) {
		fail("a NULL key for table '%s'", st_table_name(t));
		return NULL;
	}
	struct ph_state_tables *b = caller();
	struct detached *d = find_detached(b, e);
	if (!d || d->t != t) {
		fail("add_table_entry needs an entry made by create_table_entry on table '%s'", st_table_name(t));
		return NULL;
	}
	st_entry *ne = st_table_add(t, (const union st_data *)key);
	for (uint32_t i = 0; ne && i < d->n; i++)
		st_table_write(t, ne, d->w[i].f, (const union st_data *)&d->w[i].v);
	free_detached(b, d);
	if (!ne)
		fail("cannot add an entry to table '%s'", st_table_name(t));
	return ne;
}

static ss_plugin_rc write_field(ss_plugin_table_t *t, ss_plugin_table_entry_t *e, const ss_plugin_table_field_t *f,
                                const ss_plugin_state_data *in)
{
	struct ptable *pt = as_ptable(t);
	if (pt)
		return FORWARD(pt, writer, write_entry_field, SS_PLUGIN_FAILURE, e, f, in);
	CHECK_TABLE(t, SS_PLUGIN_FAILURE);
	CHECK_ENTRY_FIELD(e, f, SS_PLUGIN_FAILURE);
	if (!in || (known(f)->type == ST_T_STRING && !in->str)) {
		fail("write_entry_field with no value");
		return SS_PLUGIN_FAILURE;
	}
	struct detached *d = find_detached(caller(), e);
	int rc = d ? detached_write(d, f, in) : st_table_write(t, e, f, (const union st_data *)in);
	return rc_of(rc, t, "write a field");
}

/* ---- the bridge ---- */

/* Entries created but never added or destroyed end with the call. */
static void call_done(void *ctx, ss_plugin_owner_t *o)
{
	struct ph_state_tables *b = ctx;
	(void)o;
	while (b->detached)
		free_detached(b, b->detached);
}

struct ph_state_tables *ph_state_tables_new(struct st_state *st)
{
	struct ph_state_tables *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->st = st;
	b->fields = (ss_plugin_table_fields_vtable_ext){list_fields, get_field, add_field};
	b->reader = (ss_plugin_table_reader_vtable_ext){get_name, get_size, get_entry, read_field, release_entry, iterate};
	b->writer = (ss_plugin_table_writer_vtable_ext){clear, erase, create_entry, destroy_entry, add_entry, write_field};
	b->init = (ss_plugin_init_tables_input){
		.list_tables = list_tables,
		.get_table = get_table,
		.add_table = add_table,
		.fields = {list_fields, get_field, add_field},
		.fields_ext = &b->fields,
		.reader_ext = &b->reader,
		.writer_ext = &b->writer,
	};
	b->bridge = (struct ph_tables){&b->init, &b->reader, &b->writer, b, call_done};
	return b;
}

const struct ph_tables *ph_state_tables_get(struct ph_state_tables *b) { return &b->bridge; }

void ph_state_tables_free(struct ph_state_tables *b)
{
	if (!b)
		return;
	call_done(b, NULL);
	for (uint32_t i = 0; i < b->ncaches; i++)
		free(b->caches[i].v);
	free(b->caches);
	free(b->infos);
	while (b->ptables) {
		struct ptable *pt = b->ptables;
		b->ptables = pt->next;
		for (struct ptable **pp = &all_ptables; *pp; pp = &(*pp)->gnext)
			if (*pp == pt) {
				*pp = pt->gnext;
				break;
			}
		free(pt->name);
		free(pt);
	}
	free(b);
}
