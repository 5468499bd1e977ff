/*
 * Test plugin "shelf": owns a state table and offers it to the host with
 * add_table(), for other plugins to read. Written against our plugin_api/
 * headers only.
 *
 * Table "books", key UINT64 (0, 1, 2), one field "title" (STRING, read
 * only): "dune", "emma", "ulysses". Offered through the _ext vtables.
 * It has one field, shelf.size (uint64), so that it has a capability.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_api.h"

static const char *titles[] = {"dune", "emma", "ulysses"};
static ss_plugin_table_fieldinfo field_info[] = {{"title", SS_PLUGIN_ST_STRING, 1}};
static int table_obj; /* the table handle: any stable address */
static int title_field;

static const ss_plugin_table_fieldinfo *list_fields(ss_plugin_table_t *t, uint32_t *n)
{
	(void)t;
	*n = 1;
	return field_info;
}

static ss_plugin_table_field_t *get_field(ss_plugin_table_t *t, const char *name, ss_plugin_state_type type)
{
	(void)t;
	return strcmp(name, "title") == 0 && type == SS_PLUGIN_ST_STRING ? &title_field : NULL;
}

static ss_plugin_table_field_t *add_field(ss_plugin_table_t *t, const char *name, ss_plugin_state_type type)
{
	(void)t, (void)name, (void)type;
	return NULL;
}

static const char *get_name(ss_plugin_table_t *t) { (void)t; return "books"; }
static uint64_t get_size(ss_plugin_table_t *t) { (void)t; return 3; }

static ss_plugin_table_entry_t *get_entry(ss_plugin_table_t *t, const ss_plugin_state_data *key)
{
	(void)t;
	return key->u64 < 3 ? (ss_plugin_table_entry_t *)&titles[key->u64] : NULL;
}

static ss_plugin_rc read_field(ss_plugin_table_t *t, ss_plugin_table_entry_t *e, const ss_plugin_table_field_t *f,
                               ss_plugin_state_data *out)
{
	(void)t;
	if (f != &title_field)
		return SS_PLUGIN_FAILURE;
	out->str = *(const char **)e;
	return SS_PLUGIN_SUCCESS;
}

static void release_entry(ss_plugin_table_t *t, ss_plugin_table_entry_t *e) { (void)t, (void)e; }

static ss_plugin_bool iterate(ss_plugin_table_t *t, ss_plugin_table_iterator_func_t it,
                              ss_plugin_table_iterator_state_t *s)
{
	(void)t;
	for (int i = 0; i < 3; i++)
		if (!it(s, (ss_plugin_table_entry_t *)&titles[i]))
			return 0;
	return 1;
}

static ss_plugin_table_fields_vtable_ext fields_vt = {list_fields, get_field, add_field};
static ss_plugin_table_reader_vtable_ext reader_vt = {get_name, get_size, get_entry, read_field, release_entry, iterate};

struct state {
	char err[PLUGIN_MAX_ERRLEN];
	uint64_t size;
};

const char *plugin_get_required_api_version(void) { return "3.10.0"; }
const char *plugin_get_version(void) { return "0.1.0"; }
const char *plugin_get_name(void) { return "shelf"; }
const char *plugin_get_description(void) { return "offers a table"; }
const char *plugin_get_contact(void) { return "tests"; }
const char *plugin_get_last_error(ss_plugin_t *s) { return ((struct state *)s)->err; }
void plugin_destroy(ss_plugin_t *s) { free(s); }

ss_plugin_t *plugin_init(const ss_plugin_init_input *in, ss_plugin_rc *rc)
{
	struct state *s = calloc(1, sizeof(*s));
	ss_plugin_table_input t;
	memset(&t, 0, sizeof(t));
	t.name = "books";
	t.key_type = SS_PLUGIN_ST_UINT64;
	t.table = &table_obj;
	t.reader_ext = &reader_vt;
	t.fields_ext = &fields_vt;
	*rc = in->tables->add_table(in->owner, &t);
	if (*rc != SS_PLUGIN_SUCCESS)
		snprintf(s->err, sizeof(s->err), "add_table: %s", in->get_owner_last_error(in->owner));
	return s;
}

const char *plugin_get_fields(void) { return "[{\"type\":\"uint64\",\"name\":\"shelf.size\",\"desc\":\"books\"}]"; }

ss_plugin_rc plugin_extract_fields(ss_plugin_t *st, const ss_plugin_event_input *evt, const ss_plugin_field_extract_input *in)
{
	struct state *s = st;
	(void)evt;
	s->size = 3;
	for (uint32_t i = 0; i < in->num_fields; i++) {
		in->fields[i].res.u64 = &s->size;
		in->fields[i].res_len = 1;
	}
	return SS_PLUGIN_SUCCESS;
}
