/* The event schema table (placeholder until the full table lands). */
#include "event/event.h"

static const struct ev_info table[EV_CODE_MAX] = {
	[EV_GENERIC_E] = {"syscall", EV_C_OTHER | EV_C_SYSCALL, EV_F_OLD_VERSION | EV_F_CONVERTER_MANAGED, 2,
	                  {{"ID", EV_PT_SYSCALLID, EV_PF_DEC, 0, 0}, {"nativeID", EV_PT_UINT16, EV_PF_DEC, 0, 0}}},
};

const struct ev_info *ev_info(uint16_t code)
{
	return code < EV_CODE_MAX ? &table[code] : NULL;
}
