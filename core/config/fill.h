/* Internal: the typed fill of `struct falco_config` from a validated tree. */
#ifndef FALCO_CORE_CONFIG_FILL_H
#define FALCO_CORE_CONFIG_FILL_H

#include "config/config.h"

/* Takes ownership of `root` in every case; on success moves `*loaded` into
 * the new config (and zeroes it). */
int cfg_fill(struct cfg_node *root, struct cfg_strlist *loaded, struct falco_config **out,
	     FILE *warn, struct cfg_err *err);

int cfg_strlist_add(struct cfg_strlist *l, const char *s);
void cfg_strlist_free(struct cfg_strlist *l);

#endif
