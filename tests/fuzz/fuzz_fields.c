/*
 * libFuzzer target: any bytes as one event. When it decodes, every field of
 * the evt classes (with and without arguments) is extracted and rendered:
 * nothing may crash, hang or read outside the event.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fields/fields.h"

static struct fld_reg *reg;
static struct fld_bind binds[256];
static uint32_t nbinds;
static struct fld_ctx ctx;

static void bind_one(const char *name, const char *arg)
{
	char err[256];
	if (nbinds < 256 && fld_bind(reg, "syscall", name, arg, &binds[nbinds], err, sizeof err) == 0) {
		binds[nbinds].slot = nbinds;
		nbinds++;
	}
}

static void setup(void)
{
	reg = fld_reg_new();
	fld_reg_add_builtin(reg);
	const struct fld_class *c;
	for (uint32_t i = 0; (c = fld_reg_class(reg, i)); i++)
		for (uint32_t f = 0; f < c->nfields; f++)
			bind_one(c->fields[f].name, NULL);
	static const char *const named[] = {"evt.arg.fd", "evt.arg.name", "evt.arg.flags",
	                                    "evt.arg.data", "evt.rawarg.fd", "evt.rawarg.res",
	                                    "evt.rawarg.name", "evt.type.is.open", "evt.abspath.dst"};
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		bind_one(named[i], NULL);
	bind_one("evt.arg", "0");
	bind_one("evt.arg", "7");
	fld_ctx_init(&ctx, nbinds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!reg)
		setup();
	struct ev_view v;
	if (ev_decode(data, size, &v) < 0)
		return 0;
	fld_ctx_next(&ctx);
	ctx.ev = &v;
	ctx.num = 1;
	ctx.fd_type = size > 30 ? (char)data[size - 1] : 0;
	char out[512];
	for (uint32_t i = 0; i < nbinds; i++) {
		const struct fld_vals *x = fld_get(&ctx, &binds[i]);
		fld_render(x, binds[i].type, fld_bind_info(&binds[i])->fmt,
		           binds[i].flags & FLD_F_IS_LIST, false, out, sizeof out);
	}
	return 0;
}
