/*
 * The field registry: classes by event source, name resolution with
 * arguments, and the per-event extraction cache.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields/fields.h"

const char *const fld_sources_syscall[] = {"syscall", NULL};

struct fld_reg {
	const struct fld_class **cls; /* borrowed entries */
	uint32_t n, cap;
};

struct fld_reg *fld_reg_new(void)
{
	return calloc(1, sizeof(struct fld_reg));
}

void fld_reg_free(struct fld_reg *reg)
{
	if (!reg)
		return;
	free(reg->cls);
	free(reg);
}

bool fld_class_has_source(const struct fld_class *cls, const char *source)
{
	if (!cls->sources || !source)
		return true;
	for (const char *const *s = cls->sources; *s; s++)
		if (strcmp(*s, source) == 0)
			return true;
	return false;
}

static bool sources_overlap(const struct fld_class *a, const struct fld_class *b)
{
	if (!a->sources || !b->sources)
		return true;
	for (const char *const *s = a->sources; *s; s++)
		if (fld_class_has_source(b, *s))
			return true;
	return false;
}

static bool class_has_field(const struct fld_class *c, const char *name)
{
	for (uint32_t i = 0; i < c->nfields; i++)
		if (strcmp(c->fields[i].name, name) == 0)
			return true;
	return false;
}

int fld_reg_add(struct fld_reg *reg, const struct fld_class *cls)
{
	if (!cls->extract || !cls->name)
		return -EINVAL;
	for (uint32_t i = 0; i < reg->n; i++) {
		if (!sources_overlap(reg->cls[i], cls))
			continue;
		for (uint32_t f = 0; f < cls->nfields; f++)
			if (class_has_field(reg->cls[i], cls->fields[f].name))
				return -EEXIST;
	}
	if (reg->n == reg->cap) {
		uint32_t cap = reg->cap ? reg->cap * 2 : 16;
		const struct fld_class **p = realloc(reg->cls, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		reg->cls = p;
		reg->cap = cap;
	}
	reg->cls[reg->n++] = cls;
	return 0;
}

const struct fld_class *fld_reg_class(const struct fld_reg *reg, uint32_t i)
{
	return i < reg->n ? reg->cls[i] : NULL;
}

/* Longest field of a class for `source` whose name is `name` or a prefix of
 * it followed by '.'. */
static bool find_field(const struct fld_reg *reg, const char *source, const char *name,
                       const struct fld_class **ocls, uint32_t *ofield)
{
	size_t best = 0;
	for (uint32_t i = 0; i < reg->n; i++) {
		const struct fld_class *c = reg->cls[i];
		if (!fld_class_has_source(c, source))
			continue;
		for (uint32_t f = 0; f < c->nfields; f++) {
			size_t l = strlen(c->fields[f].name);
			if (l <= best || strncmp(name, c->fields[f].name, l) != 0)
				continue;
			if (name[l] != '\0' && name[l] != '.')
				continue;
			best = l;
			*ocls = c;
			*ofield = f;
		}
	}
	return best > 0;
}

static int parse_index(const char *s, int64_t *out)
{
	char *end;
	if (!*s)
		return -EINVAL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || errno || v < 0)
		return -EINVAL;
	*out = v;
	return 0;
}

static int bind_arg(struct fld_bind *b, const char *dotted, const char *arg, char *err,
                    size_t errlen)
{
	const struct fld_info *fi = fld_bind_info(b);
	bool takes = fi->flags & (FLD_F_ARG_REQUIRED | FLD_F_ARG_ALLOWED);
	if (dotted && arg) {
		snprintf(err, errlen, "field '%s' takes one argument, got '.%s' and '[%s]'",
		         fi->name, dotted, arg);
		return -EINVAL;
	}
	if (dotted && !(fi->flags & FLD_F_ARG_DOTTED))
		return -ENOENT;
	if (arg && !takes) {
		snprintf(err, errlen, "field '%s' does not support arguments", fi->name);
		return -EINVAL;
	}
	if (!dotted && !arg && (fi->flags & FLD_F_ARG_REQUIRED)) {
		snprintf(err, errlen, "field '%s' requires an argument but none provided", fi->name);
		return -EINVAL;
	}
	const char *a = dotted ? dotted : arg;
	if (!a)
		return 0;
	b->arg = strdup(a);
	if (!b->arg)
		return -ENOMEM;
	b->arg_bracket = arg != NULL;
	if ((fi->flags & FLD_F_ARG_INDEX) && !(fi->flags & FLD_F_ARG_KEY) &&
	    parse_index(a, &b->arg_index) < 0) {
		snprintf(err, errlen, "filter syntax error: field '%s' requires a numeric argument, "
		         "got '%s'", fi->name, a);
		return -EINVAL;
	}
	if ((fi->flags & FLD_F_ARG_INDEX) && (fi->flags & FLD_F_ARG_KEY))
		(void)parse_index(a, &b->arg_index); /* either form; -1 when a key */
	return 0;
}

int fld_bind(const struct fld_reg *reg, const char *source, const char *name, const char *arg,
             struct fld_bind *b, char *err, size_t errlen)
{
	memset(b, 0, sizeof(*b));
	b->arg_index = -1;
	size_t tl = strlen(name) + (arg ? strlen(arg) + 2 : 0) + 1;
	char *text = malloc(tl);
	if (!text)
		return -ENOMEM;
	snprintf(text, tl, arg ? "%s[%s]" : "%s", name, arg ? arg : "");
	if (!find_field(reg, source, name, &b->cls, &b->field)) {
		snprintf(err, errlen, "filter_check called with nonexistent field %s", text);
		free(text);
		return -ENOENT;
	}
	b->text = text;
	const struct fld_info *fi = fld_bind_info(b);
	size_t l = strlen(fi->name);
	const char *dotted = name[l] == '.' ? name + l + 1 : NULL;
	int rc = bind_arg(b, dotted, arg, err, errlen);
	if (rc == -ENOENT)
		snprintf(err, errlen, "filter_check called with nonexistent field %s", text);
	if (rc < 0)
		goto fail;
	b->type = fi->type;
	b->flags = fi->flags;
	b->extract = b->cls->extract;
	if (b->cls->bind && (rc = b->cls->bind(b, err, errlen)) < 0)
		goto fail;
	return 0;
fail:
	free(b->arg);
	free(b->text);
	memset(b, 0, sizeof(*b));
	return rc;
}

void fld_unbind(struct fld_bind *b)
{
	if (b->cls && b->cls->unbind)
		b->cls->unbind(b);
	free(b->arg);
	free(b->text);
	memset(b, 0, sizeof(*b));
}

int fld_ctx_init(struct fld_ctx *ctx, uint32_t nslots)
{
	static _Atomic uint64_t next_id = 1;
	memset(ctx, 0, sizeof(*ctx));
	ctx->gen = 1;
	ctx->id = next_id++;
	if (nslots) {
		ctx->slots = calloc(nslots, sizeof(*ctx->slots));
		ctx->slot_gen = calloc(nslots, sizeof(*ctx->slot_gen));
		if (!ctx->slots || !ctx->slot_gen) {
			fld_ctx_fini(ctx);
			return -ENOMEM;
		}
	}
	ctx->nslots = nslots;
	ctx->source = "syscall";
	return 0;
}

void fld_ctx_fini(struct fld_ctx *ctx)
{
	free(ctx->slots);
	free(ctx->slot_gen);
	ctx->slots = NULL;
	ctx->slot_gen = NULL;
	ctx->nslots = 0;
}

const struct fld_vals *fld_get(struct fld_ctx *ctx, const struct fld_bind *b)
{
	static const struct fld_vals none;
	if (b->slot >= ctx->nslots)
		return &none;
	struct fld_cache_slot *s = &ctx->slots[b->slot];
	if (ctx->slot_gen[b->slot] != ctx->gen) {
		s->vals.n = 0;
		s->vals.v = NULL;
		s->rc = b->extract(ctx, b, &s->vals);
		if (s->rc < 0)
			s->vals.n = 0;
		ctx->slot_gen[b->slot] = ctx->gen;
	}
	return &s->vals;
}

int fld_set_copy(struct fld_vals *o, const char *s, size_t len)
{
	if (len >= FLD_BUF_SIZE)
		len = FLD_BUF_SIZE - 1;
	memcpy(o->buf, s, len);
	o->buf[len] = '\0';
	return fld_set_ptr(o, o->buf, (uint32_t)len);
}

uint32_t fld_type_width(uint8_t t)
{
	switch (t) {
	case EV_PT_INT8: case EV_PT_UINT8: case EV_PT_SIGTYPE: case EV_PT_L4PROTO:
	case EV_PT_SOCKFAMILY: case EV_PT_FLAGS8: case EV_PT_ENUMFLAGS8:
		return 1;
	case EV_PT_INT16: case EV_PT_UINT16: case EV_PT_PORT: case EV_PT_FLAGS16:
	case EV_PT_ENUMFLAGS16: case EV_PT_SYSCALLID:
		return 2;
	case EV_PT_INT32: case EV_PT_UINT32: case EV_PT_BOOL: case EV_PT_UID: case EV_PT_GID:
	case EV_PT_MODE: case EV_PT_FLAGS32: case EV_PT_ENUMFLAGS32: case EV_PT_SIGSET:
	case EV_PT_FD32: case EV_PT_PID32:
		return 4;
	case EV_PT_INT64: case EV_PT_UINT64: case EV_PT_ERRNO: case EV_PT_FD: case EV_PT_PID:
	case EV_PT_RELTIME: case EV_PT_ABSTIME: case EV_PT_DOUBLE:
		return 8;
	default:
		return 0;
	}
}

static const char *const type_names[EV_PT_MAX] = {
	"NONE", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64",
	"CHARBUF", "BYTEBUF", "ERRNO", "SOCKADDR", "SOCKTUPLE", "FD", "PID", "FDLIST", "FSPATH",
	"SYSCALLID", "SIGTYPE", "RELTIME", "ABSTIME", "PORT", "L4PROTO", "SOCKFAMILY", "BOOL",
	"IPV4ADDR", "DYNAMIC", "FLAGS8", "FLAGS16", "FLAGS32", "UID", "GID", "DOUBLE", "SIGSET",
	"CHARBUFARRAY", "CHARBUF_PAIR_ARRAY", "IPV4NET", "IPV6ADDR", "IPV6NET", "IPADDR", "IPNET",
	"MODE", "FSRELPATH", "ENUMFLAGS8", "ENUMFLAGS16", "ENUMFLAGS32", "FD32", "PID32",
};

const char *fld_type_name(uint8_t t)
{
	return t < EV_PT_MAX && type_names[t] ? type_names[t] : "UNKNOWN";
}
