/*
 * Plugin fields in the filter's field registry (ph_field_class with
 * core/fields): names, types and flags as upstream maps get_fields(),
 * argument checks at bind time, values through fld_get() (copied, so a
 * cached value survives the plugin's next call), and overlapping names
 * refused. Expected values: the test plugins' documented outputs and
 * hand-read values of a k8s audit event.
 * argv[1]: libjson.so; argv[2]: the test plugins directory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fields/fields.h"
#include "plugin/plugin.h"

static const char *json_lib, *plugin_dir;
static char err[PH_ERRLEN];

static struct ph_plugin *load(const char *path)
{
	struct ph_plugin *p;
	if (ph_load(path, NULL, &p, err, sizeof(err)) || ph_init(p, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	return p;
}

static const struct fld_info *info(const struct fld_class *c, const char *name)
{
	for (uint32_t i = 0; i < c->nfields; i++)
		if (strcmp(c->fields[i].name, name) == 0)
			return &c->fields[i];
	fail_msg("no field %s", name);
	return NULL;
}

/* A k8s audit event as the k8saudit plugin (id 1) would produce it. */
static const char audit[] = "{\"kind\":\"Event\",\"verb\":\"create\",\"user\":{\"username\":\"minikube-user\","
                            "\"groups\":[\"system:masters\",\"system:authenticated\"]},\"responseStatus\":"
                            "{\"code\":201}}";
static uint8_t evbuf[1024];

static void test_json_class(void **state)
{
	(void)state;
	struct ph_plugin *p = load(json_lib);
	const struct fld_class *cls;
	assert_int_equal(ph_field_class(p, &cls, err, sizeof(err)), 0);
	assert_string_equal(cls->name, "json (plugin)");
	assert_null(cls->sources); /* no sources declared: every source */
	assert_int_equal(cls->nfields, 6);
	const struct fld_info *v = info(cls, "json.value");
	assert_int_equal(v->type, EV_PT_CHARBUF);
	assert_int_equal(v->flags, FLD_F_NO_PTR_STABILITY | FLD_F_ARG_REQUIRED | FLD_F_ARG_KEY | FLD_F_ARG_ALLOWED);
	assert_int_equal(info(cls, "jevt.obj")->flags, FLD_F_NO_PTR_STABILITY);

	struct fld_reg *reg = fld_reg_new();
	assert_non_null(reg);
	assert_int_equal(fld_reg_add_builtin(reg), 0);
	assert_int_equal(fld_reg_add(reg, cls), 0);

	struct fld_bind b[3];
	assert_int_equal(fld_bind(reg, "k8s_audit", "json.value", "/verb", &b[0], err, sizeof(err)), 0);
	assert_int_equal(fld_bind(reg, "k8s_audit", "json.value", "/user/groups/1", &b[1], err, sizeof(err)), 0);
	assert_int_equal(fld_bind(reg, "k8s_audit", "json.value", "/responseStatus/code", &b[2], err, sizeof(err)), 0);
	struct fld_bind bad;
	assert_int_equal(fld_bind(reg, "k8s_audit", "json.value", NULL, &bad, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "requires an argument"));
	assert_int_equal(fld_bind(reg, "k8s_audit", "json.obj", "x", &bad, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "does not support arguments"));

	struct fld_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(fld_ctx_init(&ctx, 3), 0);
	for (int i = 0; i < 3; i++)
		b[i].slot = (uint32_t)i;
	size_t n = plugin_evt_encode_plugin(evbuf, sizeof(evbuf), 5, 1, audit, sizeof(audit) - 1);
	struct ev_view view;
	assert_int_equal(ev_decode(evbuf, n, &view), 0);
	ctx.ev = &view;
	ctx.num = 1;
	ctx.source = "k8s_audit";
	fld_ctx_next(&ctx);
	const struct fld_vals *verb = fld_get(&ctx, &b[0]);
	assert_int_equal(verb->n, 1);
	assert_int_equal(verb->v[0].len, 6);
	assert_memory_equal(verb->v[0].ptr, "create", 6);
	const struct fld_vals *group = fld_get(&ctx, &b[1]);
	assert_int_equal(group->n, 1);
	assert_string_equal(group->v[0].ptr, "system:authenticated");
	const struct fld_vals *code = fld_get(&ctx, &b[2]);
	assert_string_equal(code->v[0].ptr, "201");
	/* the first value, cached for the event, is still intact */
	assert_memory_equal(fld_get(&ctx, &b[0])->v[0].ptr, "create", 6);

	/* the same fields from a second plugin: refused */
	struct ph_plugin *p2 = load(json_lib);
	const struct fld_class *cls2;
	assert_int_equal(ph_field_class(p2, &cls2, err, sizeof(err)), 0);
	assert_int_equal(fld_reg_add(reg, cls2), -EEXIST);

	for (int i = 0; i < 3; i++)
		fld_unbind(&b[i]);
	fld_ctx_fini(&ctx);
	fld_reg_free(reg);
	ph_unload(p2);
	ph_unload(p);
}

static void test_probe_class(void **state)
{
	(void)state;
	char path[1024];
	snprintf(path, sizeof(path), "%s/libprobe.so", plugin_dir);
	struct ph_plugin *p = load(path);
	const struct fld_class *cls;
	assert_int_equal(ph_field_class(p, &cls, err, sizeof(err)), 0);
	assert_string_equal(cls->sources[0], "counter");
	assert_null(cls->sources[1]);
	assert_int_equal(info(cls, "probe.list")->flags, FLD_F_NO_PTR_STABILITY | FLD_F_IS_LIST);
	assert_int_equal(info(cls, "probe.hidden")->flags,
	                 FLD_F_NO_PTR_STABILITY | FLD_F_SUGGESTED | FLD_F_TABLE_ONLY | FLD_F_INFO);
	assert_string_equal(info(cls, "probe.hidden")->display, "Hidden");
	assert_int_equal(info(cls, "probe.index")->flags,
	                 FLD_F_NO_PTR_STABILITY | FLD_F_ARG_REQUIRED | FLD_F_ARG_INDEX | FLD_F_ARG_ALLOWED);
	assert_int_equal(info(cls, "probe.ip")->type, EV_PT_IPADDR);
	assert_int_equal(info(cls, "probe.ts")->type, EV_PT_RELTIME);
	assert_int_equal(info(cls, "probe.even")->type, EV_PT_BOOL);

	struct fld_reg *reg = fld_reg_new();
	assert_int_equal(fld_reg_add(reg, cls), 0);
	struct fld_bind b[4], bad;
	assert_int_equal(fld_bind(reg, "syscall", "probe.list", NULL, &bad, err, sizeof(err)), -ENOENT);
	assert_int_equal(fld_bind(reg, "counter", "probe.index", "abc", &bad, err, sizeof(err)), -EINVAL);
	assert_int_equal(fld_bind(reg, "counter", "probe.list", NULL, &b[0], err, sizeof(err)), 0);
	assert_int_equal(fld_bind(reg, "counter", "probe.index", "4", &b[1], err, sizeof(err)), 0);
	assert_int_equal(fld_bind(reg, "counter", "probe.ip", NULL, &b[2], err, sizeof(err)), 0);
	assert_int_equal(fld_bind(reg, "counter", "probe.opt", "k", &b[3], err, sizeof(err)), 0);
	struct fld_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(fld_ctx_init(&ctx, 4), 0);
	for (int i = 0; i < 4; i++)
		b[i].slot = (uint32_t)i;
	size_t n = plugin_evt_encode_plugin(evbuf, sizeof(evbuf), 5, 999, "2", 1);
	struct ev_view view;
	assert_int_equal(ev_decode(evbuf, n, &view), 0);
	ctx.ev = &view;
	ctx.num = 1;
	ctx.source = "counter";
	fld_ctx_next(&ctx);
	const struct fld_vals *list = fld_get(&ctx, &b[0]);
	assert_int_equal(list->n, 3);
	assert_string_equal(list->v[0].ptr, "a");
	assert_string_equal(list->v[1].ptr, "b");
	assert_string_equal(list->v[2].ptr, "c");
	const struct fld_vals *idx = fld_get(&ctx, &b[1]);
	assert_int_equal(idx->v[0].len, 8);
	uint64_t u;
	memcpy(&u, idx->v[0].ptr, 8);
	assert_int_equal(u, 40);
	const struct fld_vals *ip = fld_get(&ctx, &b[2]);
	assert_int_equal(ip->v[0].len, 4);
	assert_memory_equal(ip->v[0].ptr, "\x0a\x00\x00\x01", 4);
	assert_string_equal(fld_get(&ctx, &b[3])->v[0].ptr, "key:k");
	assert_int_equal(list->n, 3); /* still cached after other calls */
	assert_string_equal(list->v[2].ptr, "c");
	for (int i = 0; i < 4; i++)
		fld_unbind(&b[i]);
	fld_ctx_fini(&ctx);
	fld_reg_free(reg);
	ph_unload(p);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s LIBJSON PLUGIN_DIR\n", argv[0]);
		return 2;
	}
	json_lib = argv[1];
	plugin_dir = argv[2];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_class),
		cmocka_unit_test(test_probe_class),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
