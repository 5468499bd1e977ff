/* The table registry a plugin sees until core/state is bridged (struct
 * ph_tables): no tables, and every operation fails with an owner error that
 * says so. Plugins that only probe for tables (the C++ SDK reads
 * in->tables unconditionally) still initialise. */
#include <stdio.h>

#include "plugin/internal.h"

static const char no_tables[] = "state tables are not available in this host yet";

static ss_plugin_table_info *list_tables(ss_plugin_owner_t *o, uint32_t *n)
{
	static ss_plugin_table_info none[1];
	(void)o;
	*n = 0;
	return none;
}

static ss_plugin_table_t *get_table(ss_plugin_owner_t *o, const char *name, ss_plugin_state_type t)
{
	char msg[256];
	(void)t;
	snprintf(msg, sizeof(msg), "no table named '%s': %s", name ? name : "", no_tables);
	ph_set_owner_error(o, msg);
	return NULL;
}

static ss_plugin_rc add_table(ss_plugin_owner_t *o, const ss_plugin_table_input *in)
{
	(void)in;
	ph_set_owner_error(o, no_tables);
	return SS_PLUGIN_FAILURE;
}

/* No table can be obtained, so these only ever see foreign pointers:
 * answer with errors, never touch them. */
static const ss_plugin_table_fieldinfo *list_fields(ss_plugin_table_t *t, uint32_t *n)
{
	(void)t;
	*n = 0;
	return NULL;
}
static ss_plugin_table_field_t *get_field(ss_plugin_table_t *t, const char *n, ss_plugin_state_type d)
{
	(void)t, (void)n, (void)d;
	return NULL;
}
static const char *get_name(ss_plugin_table_t *t) { (void)t; return NULL; }
static uint64_t get_size(ss_plugin_table_t *t) { (void)t; return (uint64_t)-1; }
static ss_plugin_table_entry_t *get_entry(ss_plugin_table_t *t, const ss_plugin_state_data *k)
{
	(void)t, (void)k;
	return NULL;
}
static ss_plugin_rc read_field(ss_plugin_table_t *t, ss_plugin_table_entry_t *e, const ss_plugin_table_field_t *f,
                               ss_plugin_state_data *out)
{
	(void)t, (void)e, (void)f, (void)out;
	return SS_PLUGIN_FAILURE;
}
static void release_entry(ss_plugin_table_t *t, ss_plugin_table_entry_t *e) { (void)t, (void)e; }
static ss_plugin_bool iterate(ss_plugin_table_t *t, ss_plugin_table_iterator_func_t it,
                              ss_plugin_table_iterator_state_t *s)
{
	(void)t, (void)it, (void)s;
	return 0;
}
static ss_plugin_rc clear(ss_plugin_table_t *t) { (void)t; return SS_PLUGIN_FAILURE; }
static ss_plugin_rc erase(ss_plugin_table_t *t, const ss_plugin_state_data *k)
{
	(void)t, (void)k;
	return SS_PLUGIN_FAILURE;
}
static ss_plugin_table_entry_t *create_entry(ss_plugin_table_t *t) { (void)t; return NULL; }
static void destroy_entry(ss_plugin_table_t *t, ss_plugin_table_entry_t *e) { (void)t, (void)e; }
static ss_plugin_table_entry_t *add_entry(ss_plugin_table_t *t, const ss_plugin_state_data *k,
                                          ss_plugin_table_entry_t *e)
{
	(void)t, (void)k, (void)e;
	return NULL;
}
static ss_plugin_rc write_field(ss_plugin_table_t *t, ss_plugin_table_entry_t *e, const ss_plugin_table_field_t *f,
                                const ss_plugin_state_data *in)
{
	(void)t, (void)e, (void)f, (void)in;
	return SS_PLUGIN_FAILURE;
}

static ss_plugin_table_fields_vtable_ext fields_ext = {list_fields, get_field, get_field};
static ss_plugin_table_reader_vtable_ext reader_ext = {get_name, get_size, get_entry, read_field, release_entry,
                                                       iterate};
static ss_plugin_table_writer_vtable_ext writer_ext = {clear, erase, create_entry, destroy_entry, add_entry,
                                                       write_field};
static const ss_plugin_init_tables_input init_in = {
	.list_tables = list_tables,
	.get_table = get_table,
	.add_table = add_table,
	.fields = {list_fields, get_field, get_field},
	.fields_ext = &fields_ext,
	.reader_ext = &reader_ext,
	.writer_ext = &writer_ext,
};

const ss_plugin_init_tables_input *ph_empty_tables_init(void) { return &init_in; }
ss_plugin_table_reader_vtable_ext *ph_empty_tables_reader(void) { return &reader_ext; }
ss_plugin_table_writer_vtable_ext *ph_empty_tables_writer(void) { return &writer_ext; }

void ph_reader_v0(ss_plugin_table_reader_vtable *out, const ss_plugin_table_reader_vtable_ext *in)
{
	out->get_table_name = in->get_table_name;
	out->get_table_size = in->get_table_size;
	out->get_table_entry = in->get_table_entry;
	out->read_entry_field = in->read_entry_field;
}

void ph_writer_v0(ss_plugin_table_writer_vtable *out, const ss_plugin_table_writer_vtable_ext *in)
{
	out->clear_table = in->clear_table;
	out->erase_table_entry = in->erase_table_entry;
	out->create_table_entry = in->create_table_entry;
	out->destroy_table_entry = in->destroy_table_entry;
	out->add_table_entry = in->add_table_entry;
	out->write_entry_field = in->write_entry_field;
}
