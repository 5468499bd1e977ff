/*
 * The async event names that loaded plugins declare (get_async_events).
 * Upstream registers each one beside the event table, as an alias of the
 * async event code (402): `evt.type = NAME` is then a valid condition and
 * selects async events, and evt.type of an async event reads its name.
 * Filled while plugins load, read while rules compile; never per event.
 */
#include <errno.h>
#include <string.h>

#include "fields/fields.h"

static char g_names[FLD_ASYNC_NAMES_MAX][FLD_ASYNC_NAME_LEN];
static size_t g_n;

int fld_async_name_add(const char *name)
{
	size_t len = strlen(name);
	if (len == 0)
		return -EINVAL;
	if (len >= FLD_ASYNC_NAME_LEN)
		len = FLD_ASYNC_NAME_LEN - 1; /* upstream cuts event names there too */
	if (fld_async_name_known(name, len))
		return 0;
	if (g_n == FLD_ASYNC_NAMES_MAX)
		return -E2BIG;
	memcpy(g_names[g_n], name, len);
	g_names[g_n][len] = '\0';
	g_n++;
	return 0;
}

bool fld_async_name_known(const char *name, size_t len)
{
	for (size_t i = 0; i < g_n; i++)
		if (strlen(g_names[i]) == len && memcmp(g_names[i], name, len) == 0)
			return true;
	return false;
}

void fld_async_names_clear(void)
{
	g_n = 0;
}
