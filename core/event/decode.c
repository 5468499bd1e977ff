/* Event validation and parameter access: the one place that walks the
 * length array of an encoded event. */
#include <errno.h>
#include <string.h>

#include "event/event.h"

bool ev_is_large(uint16_t code)
{
	const struct ev_info *info = ev_info(code);
	return info != NULL && (info->flags & EV_F_LARGE_PAYLOAD) != 0;
}

int ev_decode(const void *buf, size_t avail, struct ev_view *out)
{
	const uint8_t *p = buf;
	struct ev_hdr hdr;

	if (avail < EV_HDR_LEN)
		return -EINVAL;
	memcpy(&hdr, p, sizeof(hdr));
	if (hdr.len < EV_HDR_LEN || hdr.len > avail || hdr.nparams > EV_MAX_PARAMS)
		return -EINVAL;

	size_t lsize = ev_is_large(hdr.type) ? 4 : 2;
	size_t off = EV_HDR_LEN + lsize * hdr.nparams;
	if (off > hdr.len)
		return -EINVAL;

	out->hdr = buf;
	out->nparams = hdr.nparams;
	for (uint32_t i = 0; i < hdr.nparams; i++) {
		uint32_t l;
		if (lsize == 2) {
			uint16_t l16;
			memcpy(&l16, p + EV_HDR_LEN + 2 * i, 2);
			l = l16;
		} else {
			memcpy(&l, p + EV_HDR_LEN + 4 * i, 4);
		}
		if (l > hdr.len - off)
			return -EINVAL;
		out->val[i] = p + off;
		out->len[i] = l;
		off += l;
	}
	return 0;
}
