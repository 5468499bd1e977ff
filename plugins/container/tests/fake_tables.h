/*
 * A small stand-in for the host's state tables, for the container plugin's
 * tests until core/plugin bridges core/state: a `threads` table (key INT64)
 * with the fields the plugin uses (tid, pidns_init_start_ts, a `cgroups`
 * subtable with `first`/`second`, and dynamic STRING fields such as
 * container_id), behind the plugin API's table vtables.
 */
#ifndef CTR_TEST_FAKE_TABLES_H
#define CTR_TEST_FAKE_TABLES_H
#include <stdint.h>

#include "plugin_api.h"

/* The tables input to hand to a plugin's init (static storage). */
const ss_plugin_init_tables_input *ft_tables(void);
ss_plugin_table_reader_vtable_ext *ft_reader(void);
ss_plugin_table_writer_vtable_ext *ft_writer(void);
/* Adds a thread with `ncg` cgroups (controllers, path); returns 0 or -1. */
int ft_add_thread(int64_t tid, uint64_t pidns_start, const char *const *controllers, const char *const *paths,
                  int ncg);
/* Adds a thread whose cgroups are read from /proc/<pid>/cgroup. */
int ft_add_proc(int64_t pid);
/* The value of a dynamic string field of a thread, or NULL. */
const char *ft_dynamic(int64_t tid, const char *field);
void ft_free(void);

#endif
