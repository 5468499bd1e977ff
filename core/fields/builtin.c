/*
 * The builtin field classes of the syscall source, in upstream's listing
 * order. Each class lives in its own file; add it here with one line.
 */
#include "fields/fields.h"

static const struct fld_class *const builtin[] = {
	&fld_class_evt_gen,
	&fld_class_evt,
};

int fld_reg_add_builtin(struct fld_reg *reg)
{
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
		int rc = fld_reg_add(reg, builtin[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}
