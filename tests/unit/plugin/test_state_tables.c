/*
 * The tables bridge (ph_state_tables_*) between plugins and core/state, with
 * the tabler test plugin: the plugin's reads and writes are checked from the
 * state side through core/state's own table API, and the state's contents
 * are seen by the plugin. argv[1]: the test plugins directory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plugin/plugin.h"
#include "state/state.h"

static const char *plugin_dir;
static char err[PH_ERRLEN];
static uint8_t evbuf[256];

static int load_lib(struct ph_state_tables *bridge, const char *lib, struct ph_plugin **p)
{
	char path[1024];
	struct ph_opts o = {.sz = sizeof(o), .tables = ph_state_tables_get(bridge)};
	snprintf(path, sizeof(path), "%s/lib%s.so", plugin_dir, lib);
	int rc = ph_load(path, &o, p, err, sizeof(err));
	return rc ? rc : ph_init(*p, NULL, err, sizeof(err));
}

static int load(struct ph_state_tables *bridge, struct ph_plugin **p)
{
	return load_lib(bridge, "tabler", p);
}

static const ss_plugin_event_input *event(const char *payload)
{
	static ss_plugin_event_input in;
	static uint64_t num;
	plugin_evt_encode_plugin(evbuf, sizeof(evbuf), 1, 999, payload, (uint32_t)strlen(payload));
	in = (ss_plugin_event_input){(const ss_plugin_event *)evbuf, ++num, "counter"};
	return &in;
}

static const char *get_str(struct ph_plugin *p, const char *field, const char *arg)
{
	ss_plugin_extract_field r;
	assert_int_equal(ph_field_request(p, (uint32_t)ph_field_find(p, field), arg, &r, err, sizeof(err)), 0);
	assert_int_equal(ph_extract(p, event("x"), &r, 1, err, sizeof(err)), 0);
	return r.res_len ? r.res.str[0] : NULL;
}

static uint64_t get_u64(struct ph_plugin *p, const char *field)
{
	ss_plugin_extract_field r;
	assert_int_equal(ph_field_request(p, (uint32_t)ph_field_find(p, field), NULL, &r, err, sizeof(err)), 0);
	assert_int_equal(ph_extract(p, event("x"), &r, 1, err, sizeof(err)), 0);
	assert_int_equal(r.res_len, 1);
	return r.res.u64[0];
}

/* A thread made through core/state's own table API. */
static void add_thread(struct st_state *st, int64_t tid, const char *comm)
{
	struct st_table *t = st_table_get(st, "threads", ST_T_INT64);
	union st_data key = {.s64 = tid}, v = {.str = comm};
	st_entry *e = st_table_add(t, &key);
	assert_non_null(e);
	assert_int_equal(st_table_write(t, e, st_table_field(t, "comm", ST_T_STRING), &v), 0);
}

static const char *state_str(struct st_state *st, int64_t tid, const char *field)
{
	struct st_table *t = st_table_get(st, "threads", ST_T_INT64);
	union st_data key = {.s64 = tid}, v;
	st_entry *e = st_table_entry(t, &key);
	assert_non_null(e);
	assert_int_equal(st_table_read(t, e, st_table_field(t, field, ST_T_STRING), &v), 0);
	return v.str;
}

static void test_bridge(void **state)
{
	(void)state;
	struct st_state *st = st_new(NULL);
	assert_non_null(st);
	add_thread(st, 100, "bash");
	struct ph_state_tables *bridge = ph_state_tables_new(st);
	struct ph_plugin *p = NULL;
	if (load(bridge, &p))
		fail_msg("%s", err);

	/* init-time probing: a wrong field type is refused with a message */
	assert_non_null(strstr(get_str(p, "tabler.err", NULL), "has no field 'tid' of type 8"));
	/* the state's data, seen by the plugin */
	assert_string_equal(get_str(p, "tabler.comm", "100"), "bash");
	assert_null(get_str(p, "tabler.comm", "7"));
	assert_int_equal(get_u64(p, "tabler.count"), 1);

	/* the plugin's writes, seen by the state: a dynamic field ... */
	assert_int_equal(ph_parse(p, event("100 red"), err, sizeof(err)), 0);
	assert_string_equal(state_str(st, 100, "tabler_tag"), "red");
	assert_string_equal(get_str(p, "tabler.tag", "100"), "red");
	/* ... and a new entry, made detached then added with its comm */
	assert_int_equal(ph_parse(p, event("add 200 nginx"), err, sizeof(err)), 0);
	assert_string_equal(state_str(st, 200, "comm"), "nginx");
	assert_string_equal(get_str(p, "tabler.comm", "200"), "nginx");
	assert_int_equal(get_u64(p, "tabler.count"), 2);
	assert_int_equal(get_u64(p, "tabler.iter"), 2);
	/* an unknown thread: the plugin's failure carries the owner error */
	assert_int_equal(ph_parse(p, event("999 blue"), err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "no thread 999: no entry with this key in table 'threads'"));

	ph_unload(p);
	ph_state_tables_free(bridge);
	st_free(st);
}

/* A table owned by one plugin (shelf), read by another (tabler). */
static void test_plugin_owned_table(void **state)
{
	(void)state;
	struct st_state *st = st_new(NULL);
	add_thread(st, 1, "init");
	struct ph_state_tables *bridge = ph_state_tables_new(st);
	struct ph_plugin *shelf = NULL, *shelf2 = NULL, *tabler = NULL;
	if (load_lib(bridge, "shelf", &shelf) || load(bridge, &tabler))
		fail_msg("%s", err);
	assert_string_equal(get_str(tabler, "tabler.book", "0"), "dune");
	assert_string_equal(get_str(tabler, "tabler.book", "2"), "ulysses");
	assert_null(get_str(tabler, "tabler.book", "3"));
	/* a second table with the same name is refused */
	assert_int_equal(load_lib(bridge, "shelf", &shelf2), -EIO);
	assert_non_null(strstr(err, "add_table: cannot add table 'books': a table with that name exists"));
	ph_unload(shelf2);
	ph_unload(tabler);
	ph_unload(shelf);
	ph_state_tables_free(bridge);
	st_free(st);
}

static void test_empty_table_detached_entry(void **state)
{
	(void)state;
	struct st_state *st = st_new(NULL);
	struct ph_state_tables *bridge = ph_state_tables_new(st);
	struct ph_plugin *p = NULL;
	int rc = load(bridge, &p);
	/* core/state gives a subtable without an owner (st_table_subtable), so
	 * a detached entry reaches the subtable's fields even when `threads`
	 * is empty, as the plugin SDKs expect at init. */
	assert_int_equal(rc, 0);
	assert_null(st_find(st, 1));
	ph_unload(p);
	ph_state_tables_free(bridge);
	st_free(st);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PLUGIN_DIR\n", argv[0]);
		return 2;
	}
	plugin_dir = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bridge),
		cmocka_unit_test(test_plugin_owned_table),
		cmocka_unit_test(test_empty_table_detached_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
