/*
 * libFuzzer target: any bytes as a filter condition. Parses (Falco's depth
 * limit), prints the tree back and reparses it, derives event types,
 * substitutes a list, and compiles against the evt fields and evaluates on
 * an empty event: nothing may crash, hang or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"

static struct fld_reg *reg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!reg) {
		reg = fld_reg_new();
		fld_reg_add_builtin(reg);
	}
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	static const char *const items[] = {"a b", "c"};
	char *e = flt_expand_list(s, "lst", items, 2, NULL);
	free(e);
	struct flt_error err;
	struct flt_parse_opts o = {.max_depth = 1000};
	struct flt_node *n = flt_parse(s, &o, &err, NULL);
	free(s);
	if (!n)
		return 0;
	char *txt = flt_node_str(n);
	if (txt) {
		struct flt_node *again = flt_parse(txt, &o, &err, NULL);
		flt_node_free(again);
		free(txt);
	}
	static bool types[EV_CODE_MAX];
	flt_event_types(n, types);
	struct flt_compiler *c = flt_compiler_new(reg, "syscall");
	struct flt_prog *p = c ? flt_compile(c, n, &err) : NULL;
	if (p) {
		struct fld_ctx ctx;
		if (fld_ctx_init(&ctx, flt_compiler_nslots(c)) == 0) {
			flt_eval(p, &ctx);
			fld_ctx_fini(&ctx);
		}
		flt_prog_free(p);
	}
	flt_compiler_free(c);
	flt_node_free(n);
	return 0;
}
