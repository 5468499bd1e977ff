/*
 * The json plugin (libjson.so) through core/plugin, on hand-written
 * payloads whose expected values are worked out by hand from the plugin's
 * documented behaviour: RFC 6901 pointers (~0, ~1, array indexes as the
 * upstream plugin parses them), strings unescaped, other values as their
 * source text without whitespace, json.obj indented two spaces per level.
 * argv[1]: path of libjson.so.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plugin/plugin.h"

static const char *lib;
static struct ph_plugin *plugin;
static char err[PH_ERRLEN];
static uint8_t evbuf[4096];
static uint64_t evtnum;

static int setup(void **state)
{
	(void)state;
	if (ph_load(lib, NULL, &plugin, err, sizeof(err)) || ph_init(plugin, NULL, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ph_unload(plugin);
	return 0;
}

/* Extracts field[arg] from an event carrying `payload`; returns the value
 * or NULL when there is none; *rc gets ph_extract()'s result. */
static const char *get(const char *payload, const char *field, const char *arg, int *rc)
{
	ss_plugin_extract_field req;
	int id = ph_field_find(plugin, field);
	assert_true(id >= 0);
	assert_int_equal(ph_field_request(plugin, (uint32_t)id, arg, &req, err, sizeof(err)), 0);
	size_t n = plugin_evt_encode_plugin(evbuf, sizeof(evbuf), 42, 2, payload, (uint32_t)strlen(payload));
	assert_true(n > 0);
	ss_plugin_event_input in = {(const ss_plugin_event *)evbuf, ++evtnum, "aws_cloudtrail"};
	*rc = ph_extract(plugin, &in, &req, 1, err, sizeof(err));
	return req.res_len ? req.res.str[0] : NULL;
}

static const char *value(const char *payload, const char *ptr)
{
	int rc;
	const char *v = get(payload, "json.value", ptr, &rc);
	assert_int_equal(rc, 0);
	return v;
}

static const char doc[] = "{\"a/b\": {\"m~n\": [10, 1.0, 1e3, -0.5, true, null, \"x\\u003cy\\\"z\\\\\"]},"
                          " \"e\": {}, \"f\": [ ], \"g\": {\"h\": [ {\"i\": \"j\"} ]},"
                          " \"dup\": 1, \"dup\": 2, \"k\\/l\": \"slash\", \"u\": \"\\u00e9\\ud83d\\ude00\"}";

static void test_description(void **state)
{
	(void)state;
	assert_string_equal(ph_name(plugin), "json");
	assert_string_equal(ph_version(plugin), "0.7.4");
	assert_int_equal(ph_caps(plugin), CAP_EXTRACTION);
	uint32_t n;
	const struct ph_field *f = ph_fields(plugin, &n);
	const char *names[] = {"json.value", "json.obj", "json.rawtime", "jevt.value", "jevt.obj", "jevt.rawtime"};
	assert_int_equal(n, 6);
	for (uint32_t i = 0; i < n; i++) {
		assert_string_equal(f[i].name, names[i]);
		assert_int_equal(f[i].ftype, FTYPE_STRING);
		uint32_t want = (i % 3 == 0) ? PH_FIELD_ARG_REQUIRED | PH_FIELD_ARG_KEY : 0;
		assert_int_equal(f[i].flags, want);
	}
	/* no sources: every source; only plugin events; so no schema check */
	assert_int_equal(ph_extract_sources(plugin).n, 0);
	assert_true(ph_wants_extract(plugin, 322, "k8s_audit"));
	assert_true(ph_wants_extract(plugin, 322, "aws_cloudtrail"));
	assert_false(ph_wants_extract(plugin, 3, "syscall"));
	assert_int_equal(ph_check_event_schema(plugin, PH_EVENT_SCHEMA_VERSION, err, sizeof(err)), 0);
}

static void test_pointers(void **state)
{
	(void)state;
	assert_string_equal(value(doc, "/a~1b/m~0n/0"), "10");
	assert_string_equal(value(doc, "/a~1b/m~0n/1"), "1.0"); /* source text kept */
	assert_string_equal(value(doc, "/a~1b/m~0n/2"), "1e3");
	assert_string_equal(value(doc, "/a~1b/m~0n/3"), "-0.5");
	assert_string_equal(value(doc, "/a~1b/m~0n/4"), "true");
	assert_string_equal(value(doc, "/a~1b/m~0n/5"), "null");
	assert_string_equal(value(doc, "/a~1b/m~0n/6"), "x<y\"z\\");
	assert_string_equal(value(doc, "/a~1b/m~0n"), "[10,1.0,1e3,-0.5,true,null,\"x\\u003cy\\\"z\\\\\"]");
	assert_string_equal(value(doc, "/a~1b"), "{\"m~n\":[10,1.0,1e3,-0.5,true,null,\"x\\u003cy\\\"z\\\\\"]}");
	assert_null(value(doc, "/a~1b/m~0n/7"));
	assert_null(value(doc, "/a~1b/m~0n/-1"));
	assert_string_equal(value(doc, "/a~1b/m~0n/01"), "1.0"); /* decimal as the upstream plugin reads it */
	assert_null(value(doc, "/a~1b/m~0n/x"));
	assert_null(value(doc, "/a/b"));
	assert_string_equal(value(doc, "/e"), "{}");
	assert_string_equal(value(doc, "/f"), "[]");
	assert_string_equal(value(doc, "/g/h/0/i"), "j");
	assert_string_equal(value(doc, "g/h/0/i"), "j"); /* leading / optional */
	assert_null(value(doc, "/g/h/0/i/0"));
	assert_string_equal(value(doc, "/dup"), "1"); /* first of duplicate keys */
	assert_string_equal(value(doc, "/k~1l"), "slash"); /* escaped key "k\/l" */
	assert_string_equal(value(doc, "/u"), "\xc3\xa9\xf0\x9f\x98\x80"); /* é and U+1F600 */
	assert_string_equal(value("[1, [2, 3]]", "/1/0"), "2");
	assert_string_equal(value("[1, [2, 3]]", ""), "[1,[2,3]]"); /* empty pointer: the document */
	assert_null(value("{\"\": 5}", "/x"));
	assert_string_equal(value("{\"\": 5}", "/"), "5"); /* "/" is the empty key */
	int rc;
	assert_string_equal(get(doc, "jevt.value", "/g/h/0/i", &rc), "j");
}

static void test_obj_and_rawtime(void **state)
{
	(void)state;
	int rc;
	const char *want = "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": {\n    \"c\": [],\n    \"d\": \"x, y: {z}\"\n  }\n}\n";
	assert_string_equal(get("{ \"a\" : [1, {}], \"b\":{\"c\":[ ],\"d\":\"x, y: {z}\"}}\n", "json.obj", NULL, &rc),
	                    want);
	assert_int_equal(rc, 0);
	assert_string_equal(get("[]", "jevt.obj", NULL, &rc), "[]");
	assert_string_equal(get("{}", "json.rawtime", NULL, &rc), "42");
	assert_string_equal(get("{}", "jevt.rawtime", NULL, &rc), "42");
}

static void test_invalid_payloads(void **state)
{
	(void)state;
	const char *bad[] = {" {}", "x", "", "{\"a\":1} x", "{\"a\":", "[1,]", "\"str\""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;
		assert_null(get(bad[i], "json.value", "/a", &rc));
		assert_int_equal(rc, -EIO);
		assert_true(strstr(err, "plugin 'json': extract_fields failed") != NULL);
		assert_true(strstr(err, "invalid json") != NULL);
	}
	/* a valid payload after a failure works again */
	assert_string_equal(value("{\"a\":\"ok\"}", "/a"), "ok");
}

/* Mutated documents: random byte changes, insertions of JSON punctuation
 * and truncations of a real audit event, each extracted with pointers and
 * json.obj. The sanitizers of the test build turn any out-of-bounds read
 * into a failure; the plugin must answer every one with a value, no value,
 * or an "invalid json" error. */
static void test_mutations(void **state)
{
	(void)state;
	static const char base[] =
		"{\"kind\":\"Event\",\"verb\":\"create\",\"user\":{\"username\":\"a\\\"b\",\"groups\":[\"x\",\"y\"]},"
		"\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"default\"},\"responseStatus\":{\"code\":201},"
		"\"requestObject\":{\"spec\":{\"containers\":[{\"image\":\"nginx\",\"securityContext\":{\"privileged\":true}}],"
		"\"e\":{},\"f\":[ ],\"n\":-1.5e3}}}";
	static const char punct[] = "{}[]\",:\\ u0123456789eE+-.tfn";
	const char *ptrs[] = {"/verb", "/user/groups/1", "/requestObject/spec/containers/0/image", "/requestObject",
	                      "/user/username", "/requestObject/spec/n", ""};
	char doc[sizeof(base) + 8];
	uint32_t seed = 12345;
	int valid = 0, invalid = 0;
	for (int round = 0; round < 4000; round++) {
		size_t len = sizeof(base) - 1;
		memcpy(doc, base, len);
		int edits = 1 + round % 4;
		for (int e = 0; e < edits; e++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			switch ((seed >> 16) % 3) {
			case 0:
				doc[at] = punct[(seed >> 4) % (sizeof(punct) - 1)];
				break;
			case 1:
				len = at + 1; /* truncate */
				break;
			default:
				doc[at] = (char)(seed >> 3);
				break;
			}
		}
		doc[len] = '\0';
		for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
			int rc;
			const char *v = get(doc, "json.value", ptrs[i], &rc);
			if (rc) {
				assert_int_equal(rc, -EIO);
				assert_non_null(strstr(err, "invalid json"));
				assert_null(v);
			}
		}
		int rc;
		const char *obj = get(doc, "json.obj", NULL, &rc);
		if (rc == 0) {
			assert_non_null(obj);
			valid++;
		} else {
			invalid++;
		}
	}
	/* both kinds must have been exercised */
	assert_true(valid > 100);
	assert_true(invalid > 100);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s LIBJSON\n", argv[0]);
		return 2;
	}
	lib = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_description),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_obj_and_rawtime),
		cmocka_unit_test(test_invalid_payloads),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
