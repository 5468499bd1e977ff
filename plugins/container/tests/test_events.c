/*
 * Lines of a runtime's event stream. Inputs: the example container event of
 * Docker Engine API's documentation (GET /events: Type, Action, Actor.ID,
 * Actor.Attributes, time, timeNano), lines in the shape podman 4's
 * compatible API writes (status/id/from next to the same fields; libpod
 * names its exit "died"), and lines that are no container events. Expected
 * values are the documented fields, copied by hand.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "events.h"

#define DOC_ID "ede54ee1afda366ab42f824e8a5ffd195155d853ceaec74a927f249ea270c743"

struct line {
	char action[32], id[80], image[128];
	int64_t t;
};

static int parse(const char *text, struct line *l)
{
	memset(l, 0, sizeof(*l));
	return ctr_events_parse_line(text, strlen(text), l->action, sizeof(l->action), l->id, sizeof(l->id), l->image,
	                             sizeof(l->image), &l->t);
}

static void test_docker_documented(void **state)
{
	(void)state;
	struct line l;
	const char *doc = "{\"Type\": \"container\", \"Action\": \"create\", \"Actor\": {\"ID\": \"" DOC_ID "\", "
	                  "\"Attributes\": {\"com.example.some-label\": \"some-label-value\", \"image\": "
	                  "\"alpine:latest\", \"name\": \"my-container\"}}, \"scope\": \"local\", "
	                  "\"time\": 1461943101, \"timeNano\": 1461943101381709551}";
	assert_int_equal(parse(doc, &l), 0);
	assert_string_equal(l.action, "create");
	assert_string_equal(l.id, DOC_ID);
	assert_string_equal(l.image, "alpine:latest");
	/* all 19 digits, beyond a double's precision */
	assert_true(l.t == 1461943101381709551LL);
}

static void test_podman_compat(void **state)
{
	(void)state;
	struct line l;
	/* podman's compatible API: Action and status both; libpod says died */
	const char *died = "{\"status\":\"died\",\"id\":\"" DOC_ID "\",\"from\":\"localhost/x:t1\",\"Type\":\"container\","
	                   "\"Action\":\"died\",\"Actor\":{\"ID\":\"" DOC_ID "\",\"Attributes\":{\"image\":"
	                   "\"localhost/x:t1\",\"name\":\"n\"}},\"time\":1,\"timeNano\":1000000007}";
	assert_int_equal(parse(died, &l), 0);
	assert_string_equal(l.action, "died");
	assert_string_equal(l.image, "localhost/x:t1");
	assert_true(l.t == 1000000007LL);
	/* only the older names: status and id */
	assert_int_equal(parse("{\"status\":\"destroy\",\"id\":\"" DOC_ID "\",\"Type\":\"container\"}", &l), 0);
	assert_string_equal(l.action, "destroy");
	assert_string_equal(l.id, DOC_ID);
	assert_string_equal(l.image, "");
	assert_true(l.t == 0);
}

static void test_not_container_events(void **state)
{
	(void)state;
	struct line l;
	assert_int_equal(parse("{\"Type\":\"image\",\"Action\":\"pull\",\"Actor\":{\"ID\":\"x\"}}", &l), -EINVAL);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"start\"}", &l), -EINVAL); /* no id */
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"", &l), -EINVAL);
	assert_int_equal(parse("1a2", &l), -EINVAL); /* a chunk size */
	assert_int_equal(parse("", &l), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_documented),
		cmocka_unit_test(test_podman_compat),
		cmocka_unit_test(test_not_container_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
