/*
 * The `containers` table offered to the host and to other plugins
 * (read-only): key = container id (STRING); fields as upstream's plugin
 * exposes them: id, name, image, ip, user (STRING), type (UINT32).
 * Entries are struct ctr_info pointers from the plugin's map.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ctr.h"

enum { C_ID = 1, C_NAME, C_IMAGE, C_IP, C_USER, C_TYPE, C_END };

static const ss_plugin_table_fieldinfo fieldinfo[] = {
	{"id", SS_PLUGIN_ST_STRING, 1},   {"name", SS_PLUGIN_ST_STRING, 1}, {"image", SS_PLUGIN_ST_STRING, 1},
	{"ip", SS_PLUGIN_ST_STRING, 1},   {"user", SS_PLUGIN_ST_STRING, 1}, {"type", SS_PLUGIN_ST_UINT32, 1},
};

static const ss_plugin_table_fieldinfo *list_fields(ss_plugin_table_t *t, uint32_t *n)
{
	(void)t;
	*n = C_END - 1;
	return fieldinfo;
}

/* Accessors are the field numbers, as pointers. */
static ss_plugin_table_field_t *get_field(ss_plugin_table_t *t, const char *name, ss_plugin_state_type type)
{
	(void)t;
	for (int i = 0; i < C_END - 1; i++)
		if (strcmp(fieldinfo[i].name, name) == 0 && fieldinfo[i].field_type == type)
			return (ss_plugin_table_field_t *)(uintptr_t)(i + 1);
	return NULL;
}

static ss_plugin_table_field_t *add_field(ss_plugin_table_t *t, const char *name, ss_plugin_state_type type)
{
	struct ctr_plugin *p = t;
	snprintf(p->err, sizeof(p->err), "the containers table takes no new fields (%s, type %d)", name, (int)type);
	return NULL;
}

static const char *table_name(ss_plugin_table_t *t)
{
	(void)t;
	return "containers";
}

static uint64_t table_size(ss_plugin_table_t *t)
{
	return ((struct ctr_plugin *)t)->known.live;
}

static ss_plugin_table_entry_t *get_entry(ss_plugin_table_t *t, const ss_plugin_state_data *key)
{
	struct ctr_plugin *p = t;
	return key->str ? ctr_map_get(&p->known, key->str) : NULL;
}

static ss_plugin_rc read_field(ss_plugin_table_t *t, ss_plugin_table_entry_t *e, const ss_plugin_table_field_t *f,
                               ss_plugin_state_data *out)
{
	(void)t;
	const struct ctr_info *c = e;
	switch ((uintptr_t)f) {
	case C_ID: out->str = c->id; break;
	case C_NAME: out->str = c->name; break;
	case C_IMAGE: out->str = c->image; break;
	case C_IP: out->str = c->ip; break;
	case C_USER: out->str = c->user; break;
	case C_TYPE: out->u32 = (uint32_t)c->type; break;
	default: return SS_PLUGIN_FAILURE;
	}
	return SS_PLUGIN_SUCCESS;
}

static void release_entry(ss_plugin_table_t *t, ss_plugin_table_entry_t *e)
{
	(void)t;
	(void)e;
}

struct iter {
	ss_plugin_table_iterator_func_t fn;
	ss_plugin_table_iterator_state_t *s;
};

static int iter_one(void *ctx, struct ctr_info *c)
{
	struct iter *it = ctx;
	return it->fn(it->s, c) ? 0 : 1;
}

static ss_plugin_bool iterate(ss_plugin_table_t *t, ss_plugin_table_iterator_func_t fn,
                              ss_plugin_table_iterator_state_t *s)
{
	struct ctr_plugin *p = t;
	struct iter it = {fn, s};
	return ctr_map_each(&p->known, iter_one, &it) == 0;
}

static ss_plugin_rc refuse(ss_plugin_table_t *t)
{
	struct ctr_plugin *p = t;
	snprintf(p->err, sizeof(p->err), "the containers table is read-only");
	return SS_PLUGIN_FAILURE;
}

static ss_plugin_rc erase_entry(ss_plugin_table_t *t, const ss_plugin_state_data *k)
{
	(void)k;
	return refuse(t);
}

static ss_plugin_table_entry_t *create_entry(ss_plugin_table_t *t)
{
	refuse(t);
	return NULL;
}

static void destroy_entry(ss_plugin_table_t *t, ss_plugin_table_entry_t *e)
{
	(void)t;
	(void)e;
}

static ss_plugin_table_entry_t *add_entry(ss_plugin_table_t *t, const ss_plugin_state_data *k,
                                          ss_plugin_table_entry_t *e)
{
	(void)k;
	(void)e;
	refuse(t);
	return NULL;
}

static ss_plugin_rc write_field(ss_plugin_table_t *t, ss_plugin_table_entry_t *e, const ss_plugin_table_field_t *f,
                                const ss_plugin_state_data *in)
{
	(void)e;
	(void)f;
	(void)in;
	return refuse(t);
}

static ss_plugin_table_reader_vtable_ext reader = {table_name, table_size, get_entry, read_field, release_entry,
                                                   iterate};
static ss_plugin_table_writer_vtable_ext writer = {refuse, erase_entry, create_entry, destroy_entry, add_entry,
                                                   write_field};
static ss_plugin_table_fields_vtable_ext fields = {list_fields, get_field, add_field};

void ctr_table_setup(struct ctr_plugin *p)
{
	ss_plugin_table_input *in = &p->table_in;
	in->name = "containers";
	in->key_type = SS_PLUGIN_ST_STRING;
	in->table = p;
	in->reader = (ss_plugin_table_reader_vtable){table_name, table_size, get_entry, read_field};
	in->writer = (ss_plugin_table_writer_vtable){refuse, erase_entry, create_entry, destroy_entry, add_entry,
	                                             write_field};
	in->fields = (ss_plugin_table_fields_vtable){list_fields, get_field, add_field};
	in->reader_ext = &reader;
	in->writer_ext = &writer;
	in->fields_ext = &fields;
}
