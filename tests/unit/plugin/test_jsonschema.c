/*
 * The init-config validator (core/plugin/jsonschema.c): each case is a
 * schema, a document, and the verdict the JSON Schema draft-04 rules give
 * for it (worked out by hand), with the instance path of the error.
 */
#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plugin/internal.h"

struct vcase {
	const char *schema, *doc;
	const char *error; /* NULL: valid; else a substring of the message */
};

static void run(const struct vcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cJSON *s = cJSON_Parse(c[i].schema), *d = cJSON_Parse(c[i].doc);
		char err[512] = "";
		assert_non_null(s);
		assert_non_null(d);
		int rc = ph_json_validate(s, d, err, sizeof(err));
		if (!c[i].error && rc != 0)
			fail_msg("case %zu: %s against %s: unexpected error %s", i, c[i].doc, c[i].schema, err);
		if (c[i].error && (rc == 0 || !strstr(err, c[i].error)))
			fail_msg("case %zu: %s against %s: wanted '%s', got rc %d '%s'", i, c[i].doc, c[i].schema, c[i].error,
			         rc, err);
		cJSON_Delete(s);
		cJSON_Delete(d);
	}
}

static void test_types_and_values(void **state)
{
	(void)state;
	const struct vcase c[] = {
		{"{\"type\":\"integer\"}", "3", NULL},
		{"{\"type\":\"integer\"}", "3.5", "In (root), expected integer, got number"},
		{"{\"type\":\"number\"}", "3.5", NULL},
		{"{\"type\":[\"string\",\"null\"]}", "null", NULL},
		{"{\"type\":[\"string\",\"null\"]}", "1", "not one of the allowed types"},
		{"{\"type\":\"boolean\"}", "false", NULL},
		{"{\"enum\":[1,\"a\",{\"b\":[2]}]}", "{\"b\":[2]}", NULL},
		{"{\"enum\":[1,\"a\"]}", "\"b\"", "not one of the enumerated values"},
		{"{\"const\":{\"x\":1}}", "{\"x\":2}", "not the constant"},
		{"{\"minimum\":1,\"exclusiveMinimum\":true}", "1", "less than the minimum 1 (exclusive)"},
		{"{\"maximum\":5,\"exclusiveMaximum\":true}", "4.9", NULL},
		{"{\"exclusiveMinimum\":0}", "0", "is not greater than 0"},
		{"{\"maxLength\":2}", "\"\xc3\xa9\xc3\xa9\"", NULL}, /* two code points, four bytes */
		{"{\"maxLength\":1}", "\"ab\"", "longer than 1 characters"},
		{"{\"pattern\":\"^[a-z]+:[0-9]+$\"}", "\"host:80\"", NULL},
		{"{\"pattern\":\"^[a-z]+:[0-9]+$\"}", "\"host:x\"", "does not match the pattern"},
		{"{\"pattern\":\"([a-z\"}", "\"a\"", "pattern '([a-z' is not supported"},
		{"{\"title\":\"x\",\"default\":3,\"format\":\"hostname\"}", "\"anything\"", NULL},
	};
	run(c, sizeof(c) / sizeof(c[0]));
}

static void test_objects_and_arrays(void **state)
{
	(void)state;
	const struct vcase c[] = {
		{"{\"required\":[\"a\",\"b\"]}", "{\"a\":1}", "missing required property 'b'"},
		{"{\"properties\":{\"a\":{\"type\":\"string\"}},\"additionalProperties\":false}", "{\"a\":\"x\",\"c\":1}",
		 "property 'c' is not allowed"},
		{"{\"additionalProperties\":{\"type\":\"integer\"}}", "{\"x\":1,\"y\":\"2\"}", "In /y, expected integer"},
		{"{\"properties\":{\"a/b\":{\"properties\":{\"c~d\":{\"type\":\"string\"}}}}}", "{\"a/b\":{\"c~d\":1}}",
		 "In /a~1b/c~0d, expected string"},
		{"{\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":2}", "[1,2]", NULL},
		{"{\"items\":{\"type\":\"integer\"},\"maxItems\":2}", "[1,2,3]", "more than 2 items"},
		{"{\"minItems\":1}", "[]", "fewer than 1 items"},
		{"{\"items\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "[\"a\",\"b\"]", "In /1, expected integer"},
		{"{\"items\":{\"properties\":{\"n\":{\"type\":\"integer\"}}}}", "[{\"n\":1},{\"n\":\"x\"}]", "In /1/n"},
	};
	run(c, sizeof(c) / sizeof(c[0]));
}

static void test_refs_and_combinators(void **state)
{
	(void)state;
	const struct vcase c[] = {
		/* the shape Go plugins' reflected schemas have */
		{"{\"$ref\":\"#/definitions/Cfg\",\"definitions\":{\"Cfg\":{\"type\":\"object\",\"properties\":"
		 "{\"port\":{\"type\":\"integer\"}},\"required\":[\"port\"]}}}",
		 "{\"port\":\"x\"}", "In /port, expected integer"},
		{"{\"$ref\":\"#/definitions/Cfg\",\"definitions\":{\"Cfg\":{\"required\":[\"port\"]}}}", "{\"port\":1}", NULL},
		{"{\"$ref\":\"#/definitions/Nope\"}", "{}", "$ref '#/definitions/Nope' cannot be resolved"},
		{"{\"$ref\":\"#\"}", "{}", "deeper than"}, /* a schema that refers to itself forever */
		{"{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "1", NULL},
		{"{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "1.5", "matches none of the schemas in anyOf"},
		{"{\"oneOf\":[{\"type\":\"number\"},{\"type\":\"integer\"}]}", "2", "matches 2 of the schemas in oneOf"},
		{"{\"oneOf\":[{\"type\":\"number\"},{\"type\":\"integer\"}]}", "2.5", NULL},
		{"{\"allOf\":[{\"minimum\":1},{\"maximum\":3}]}", "4", "greater than the maximum 3"},
		{"{\"not\":{\"type\":\"null\"}}", "null", "matches the schema in not"},
		{"{\"properties\":{\"a\":false}}", "{\"a\":1}", "In /a, no value is allowed here"},
	};
	run(c, sizeof(c) / sizeof(c[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_and_values),
		cmocka_unit_test(test_objects_and_arrays),
		cmocka_unit_test(test_refs_and_combinators),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
