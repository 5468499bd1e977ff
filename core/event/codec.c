/* Event encoding and validation: the one place that writes and walks the
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

int64_t ev_encode(void *buf, size_t cap, uint64_t ts, uint64_t tid, uint16_t type,
                  uint32_t nparams, const void *const vals[], const uint32_t lens[])
{
	uint8_t *p = buf;
	size_t lsize = ev_is_large(type) ? 4 : 2;
	uint64_t total = EV_HDR_LEN + (uint64_t)lsize * nparams;

	if (nparams > EV_MAX_PARAMS)
		return -EINVAL;
	for (uint32_t i = 0; i < nparams; i++) {
		if (lsize == 2 && lens[i] > UINT16_MAX)
			return -EINVAL;
		total += lens[i];
	}
	if (total > UINT32_MAX)
		return -EINVAL;
	if (total > cap)
		return -ENOSPC;

	struct ev_hdr h = {.ts = ts, .tid = tid, .len = (uint32_t)total, .type = type, .nparams = nparams};
	memcpy(p, &h, sizeof(h));
	size_t off = EV_HDR_LEN + lsize * nparams;
	for (uint32_t i = 0; i < nparams; i++) {
		if (lsize == 2) {
			uint16_t l16 = (uint16_t)lens[i];
			memcpy(p + EV_HDR_LEN + 2 * i, &l16, 2);
		} else {
			memcpy(p + EV_HDR_LEN + 4 * i, &lens[i], 4);
		}
		if (lens[i])
			memcpy(p + off, vals[i], lens[i]);
		off += lens[i];
	}
	return (int64_t)total;
}
