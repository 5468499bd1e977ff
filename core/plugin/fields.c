/*
 * A plugin's fields as a field class of the filter registry (core/fields):
 * the names, types and flags upstream gives plugin fields, and an extractor
 * that asks the plugin for one field per call and copies the values out
 * (the plugin may reuse its memory at its next call, while the filter's
 * cache keeps values for the whole event).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields/fields.h"
#include "log/log.h"
#include "plugin/internal.h"

/* The class, with what its callbacks need; `cls` first so that a binding's
 * b->cls leads back here. */
struct ph_fieldclass {
	struct fld_class cls;
	struct ph_plugin *p;
	struct fld_info *info;
	char *name;
	char *const *sources; /* the plugin's list; NULL: every source */
	uint64_t nerrors;     /* failed extractions (the instance's source thread only) */
};

/* Per binding: the request and the copied values, in buffers that only
 * grow (no allocation per event once warm). */
struct ph_binding {
	ss_plugin_extract_field req;
	struct fld_val *vals;
	uint32_t cap_vals;
	uint8_t *store;
	size_t cap_store;
};

/* Upstream's flags for a plugin field: never pointer-stable, and the
 * get_fields() properties. */
static uint32_t fld_flags(uint32_t f)
{
	uint32_t out = FLD_F_NO_PTR_STABILITY;
	if (f & PH_FIELD_LIST)
		out |= FLD_F_IS_LIST;
	if (f & PH_FIELD_ADD_OUTPUT)
		out |= FLD_F_SUGGESTED;
	if (f & PH_FIELD_ARG_REQUIRED)
		out |= FLD_F_ARG_REQUIRED;
	if (f & PH_FIELD_ARG_INDEX)
		out |= FLD_F_ARG_INDEX | FLD_F_ARG_ALLOWED;
	if (f & PH_FIELD_ARG_KEY)
		out |= FLD_F_ARG_KEY | FLD_F_ARG_ALLOWED;
	if (f & PH_FIELD_HIDDEN)
		out |= FLD_F_TABLE_ONLY;
	if (f & PH_FIELD_INFO)
		out |= FLD_F_INFO;
	if (f & PH_FIELD_CONVERSATION)
		out |= FLD_F_CONVERSATION;
	return out;
}

static int bind(struct fld_bind *b, char *err, size_t errlen)
{
	const struct ph_fieldclass *fc = (const struct ph_fieldclass *)b->cls;
	struct ph_binding *bd = calloc(1, sizeof(*bd));
	if (!bd)
		return -ENOMEM;
	int rc = ph_field_request(fc->p, b->field, b->arg, &bd->req, err, errlen);
	if (rc) {
		free(bd);
		return rc;
	}
	b->state = bd;
	return 0;
}

static void unbind(struct fld_bind *b)
{
	struct ph_binding *bd = b->state;
	if (!bd)
		return;
	free(bd->vals);
	free(bd->store);
	free(bd);
	b->state = NULL;
}

/* Bytes of value i of a result, and where they are. */
static uint32_t value_bytes(const ss_plugin_extract_field *r, uint64_t i, const void **src)
{
	switch (r->ftype) {
	case FTYPE_STRING:
		*src = r->res.str[i];
		return (uint32_t)strlen(r->res.str[i]);
	case FTYPE_BOOL:
		*src = &r->res.boolean[i];
		return 4;
	case FTYPE_IPADDR:
	case FTYPE_IPNET:
		*src = r->res.buf[i].ptr;
		return r->res.buf[i].len;
	default: /* UINT64, RELTIME, ABSTIME */
		*src = &r->res.u64[i];
		return 8;
	}
}

/* Copies the plugin's values into the binding's buffers. Numbers are
 * stored 8-aligned. */
static int copy_values(struct ph_binding *bd, const ss_plugin_extract_field *r, struct fld_vals *out)
{
	size_t total = 0;
	const void *src;
	for (uint64_t i = 0; i < r->res_len; i++)
		total += ((size_t)value_bytes(r, i, &src) + 8) & ~(size_t)7;
	if (r->res_len > bd->cap_vals) {
		struct fld_val *v = realloc(bd->vals, r->res_len * sizeof(*v));
		if (!v)
			return -ENOMEM;
		bd->vals = v;
		bd->cap_vals = (uint32_t)r->res_len;
	}
	if (total > bd->cap_store) {
		uint8_t *s = realloc(bd->store, total);
		if (!s)
			return -ENOMEM;
		bd->store = s;
		bd->cap_store = total;
	}
	size_t off = 0;
	for (uint64_t i = 0; i < r->res_len; i++) {
		uint32_t len = value_bytes(r, i, &src);
		memcpy(bd->store + off, src, len);
		bd->store[off + len] = 0; /* strings stay NUL-terminated */
		bd->vals[i].ptr = bd->store + off;
		bd->vals[i].len = len;
		off += ((size_t)len + 8) & ~(size_t)7;
	}
	out->v = bd->vals;
	out->n = (uint32_t)r->res_len;
	return 0;
}

static int extract(const struct fld_ctx *ctx, const struct fld_bind *b, struct fld_vals *out)
{
	const struct ph_fieldclass *fc = (const struct ph_fieldclass *)b->cls;
	struct ph_binding *bd = b->state;
	char err[PH_ERRLEN];
	out->n = 0;
	if (!ctx->ev || !ctx->ev->hdr || !bd)
		return 0;
	ss_plugin_event_input in = {(const ss_plugin_event *)ctx->ev->hdr, ctx->num, ctx->source};
	int rc = ph_extract(fc->p, &in, &bd->req, 1, err, sizeof(err));
	if (rc) {
		/* As upstream the field gets no value; unlike upstream it is
		 * logged, at the 1st, 2nd, 4th, 8th... error so as not to flood. */
		uint64_t n = ++((struct ph_fieldclass *)fc)->nerrors;
		if ((n & (n - 1)) == 0)
			log_msg(LOG_LVL_ERR, "%s (the field has no value; %llu such errors so far)", err,
			        (unsigned long long)n);
		return rc;
	}
	return bd->req.res_len ? copy_values(bd, &bd->req, out) : 0;
}

int ph_field_class(struct ph_plugin *p, const struct fld_class **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!(p->caps & CAP_EXTRACTION))
		return ph_fail(p, -EINVAL, err, errlen, "has no field extraction capability");
	if (p->field_class) {
		*out = &p->field_class->cls;
		return 0;
	}
	struct ph_fieldclass *fc = calloc(1, sizeof(*fc));
	size_t nl = strlen(p->name) + sizeof(" (plugin)");
	if (fc) {
		fc->info = calloc(p->nfields, sizeof(*fc->info));
		fc->name = malloc(nl);
	}
	if (!fc || !fc->info || !fc->name) {
		if (fc)
			free(fc->info);
		free(fc);
		return ph_fail(p, -ENOMEM, err, errlen, "out of memory");
	}
	snprintf(fc->name, nl, "%s (plugin)", p->name);
	for (uint32_t i = 0; i < p->nfields; i++) {
		const struct ph_field *f = &p->fields[i];
		fc->info[i] = (struct fld_info){f->name, (uint8_t)f->ftype, fld_flags(f->flags), EV_PF_DEC,
		                                f->display[0] ? f->display : NULL, f->desc};
	}
	fc->p = p;
	fc->sources = p->n_extract_src ? p->extract_src : NULL;
	fc->cls = (struct fld_class){
		.name = fc->name,
		.shortdesc = p->description,
		.desc = p->description,
		.sources = (const char *const *)fc->sources,
		.fields = fc->info,
		.nfields = p->nfields,
		.extract = extract,
		.bind = bind,
		.unbind = unbind,
	};
	p->field_class = fc;
	*out = &fc->cls;
	return 0;
}

void ph_field_class_free(struct ph_plugin *p)
{
	struct ph_fieldclass *fc = p->field_class;
	if (!fc)
		return;
	free(fc->info);
	free(fc->name);
	free(fc);
	p->field_class = NULL;
}
