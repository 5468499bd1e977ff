/*
 * The `evt` field class: fields of the event itself (number, time, type,
 * direction, CPU, result, arguments). Values come from the event view and
 * the extraction context; nothing here needs process or fd state.
 */
#include <errno.h>
#include <string.h>

#include "fields/fields.h"

enum {
	F_NUM,
	F_RAWTIME,
	F_RAWTIME_S,
	F_RAWTIME_NS,
	F_TYPE,
	F_CPU,
	F_NFIELDS
};

static const struct fld_info evt_fields[F_NFIELDS] = {
	[F_NUM] = {"evt.num", EV_PT_UINT64, 0, EV_PF_DEC, "Event Number",
	           "the sequence number of the event, counting from 1"},
	[F_RAWTIME] = {"evt.rawtime", EV_PT_ABSTIME, 0, EV_PF_DEC, "Raw Timestamp",
	               "the event timestamp in nanoseconds since the epoch"},
	[F_RAWTIME_S] = {"evt.rawtime.s", EV_PT_ABSTIME, 0, EV_PF_DEC, "Raw Timestamp (s)",
	                 "whole seconds of evt.rawtime"},
	[F_RAWTIME_NS] = {"evt.rawtime.ns", EV_PT_ABSTIME, 0, EV_PF_DEC, "Raw Timestamp (ns)",
	                  "nanoseconds part of evt.rawtime"},
	[F_TYPE] = {"evt.type", EV_PT_CHARBUF, FLD_F_SUGGESTED, EV_PF_NA, "Type",
	            "the event name, such as 'open' or 'execve'"},
	[F_CPU] = {"evt.cpu", EV_PT_INT16, 0, EV_PF_ID, "CPU Number",
	           "the CPU on which the event happened"},
};

static int evt_extract(const struct fld_ctx *ctx, const struct fld_bind *b, struct fld_vals *out)
{
	const struct ev_hdr *h = ctx->ev ? ctx->ev->hdr : NULL;
	if (!h)
		return 0;
	switch (b->field) {
	case F_NUM:
		return fld_set_u64(out, ctx->num);
	case F_RAWTIME:
		return fld_set_u64(out, h->ts);
	case F_RAWTIME_S:
		return fld_set_u64(out, h->ts / 1000000000ull);
	case F_RAWTIME_NS:
		return fld_set_u64(out, h->ts % 1000000000ull);
	case F_TYPE: {
		const struct ev_info *ei = ev_info(h->type);
		if (!ei || !ei->name)
			return 0;
		return fld_set_str(out, ei->name, strlen(ei->name));
	}
	case F_CPU:
		return fld_set_u16(out, ctx->cpu);
	}
	return -EINVAL;
}

const struct fld_class fld_class_evt = {
	.name = "evt",
	.shortdesc = "Syscall events only",
	.desc = "Fields of the event itself: number, time, type, direction, result and arguments.",
	.sources = fld_sources_syscall,
	.fields = evt_fields,
	.nfields = F_NFIELDS,
	.extract = evt_extract,
};
