/* The plugin ABI headers: event encodings checked byte by byte against the
 * layout the plugin API documents (hand-computed offsets), and the version
 * string. Struct layouts are pinned by _Static_assert in plugin_api.h
 * itself, so compiling this file checks them on the build target. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plugin_api.h"
#include "plugin_caps.h"
#include "plugin_events.h"

static uint32_t u32_at(const uint8_t *p, size_t off)
{
	uint32_t v;
	memcpy(&v, p + off, 4);
	return v;
}

static void test_version_string(void **state)
{
	(void)state;
	assert_string_equal(PLUGIN_API_VERSION_STR, "3.12.0");
	assert_int_equal(PLUGIN_MAX_ERRLEN, 1024);
	assert_int_equal(PLUGIN_EVENT_PAYLOAD_OFFSET, 26 + 4 + 4 + 4);
}

static void test_plugin_event_encoding(void **state)
{
	(void)state;
	uint8_t buf[64];
	size_t n = plugin_evt_encode_plugin(buf, sizeof(buf), 1000, 7, "hello", 5);
	assert_int_equal(n, 26 + 8 + 4 + 5);
	uint64_t ts, tid;
	memcpy(&ts, buf, 8);
	memcpy(&tid, buf + 8, 8);
	assert_int_equal(ts, 1000);
	assert_true(tid == UINT64_MAX);
	assert_int_equal(u32_at(buf, 16), n);
	uint16_t type;
	memcpy(&type, buf + 20, 2);
	assert_int_equal(type, 322);
	assert_int_equal(u32_at(buf, 22), 2);  /* nparams */
	assert_int_equal(u32_at(buf, 26), 4);  /* len(plugin_id) */
	assert_int_equal(u32_at(buf, 30), 5);  /* len(payload) */
	assert_int_equal(u32_at(buf, 34), 7);  /* plugin_id */
	assert_memory_equal(buf + 38, "hello", 5);
	uint32_t len;
	const void *pl = plugin_evt_payload((const ss_plugin_event *)buf, &len);
	assert_int_equal(len, 5);
	assert_ptr_equal(pl, buf + 38);
	assert_int_equal(plugin_evt_plugin_id((const ss_plugin_event *)buf), 7);
	assert_int_equal(plugin_evt_encode_plugin(buf, 42, 0, 0, "hello", 5), 0);
}

static void test_async_event_encoding(void **state)
{
	(void)state;
	uint8_t buf[64];
	size_t n = plugin_evt_encode_async(buf, sizeof(buf), UINT64_MAX, UINT64_MAX, "k8s", "{}", 2);
	assert_int_equal(n, 26 + 12 + 4 + 4 + 2);
	uint16_t type;
	memcpy(&type, buf + 20, 2);
	assert_int_equal(type, 402);
	assert_int_equal(u32_at(buf, 22), 3);
	assert_int_equal(u32_at(buf, 26), 4);
	assert_int_equal(u32_at(buf, 30), 4); /* "k8s\0" */
	assert_int_equal(u32_at(buf, 34), 2);
	assert_int_equal(u32_at(buf, 38), 0);
	assert_string_equal((const char *)buf + 42, "k8s");
	assert_memory_equal(buf + 46, "{}", 2);
}

static void test_caps_bits(void **state)
{
	(void)state;
	assert_int_equal(CAP_SOURCING, 1);
	assert_int_equal(CAP_EXTRACTION, 2);
	assert_int_equal(CAP_PARSING, 4);
	assert_int_equal(CAP_ASYNC, 8);
	assert_int_equal(CAP_CAPTURE_LISTENING, 16);
	assert_true((uint32_t)CAP_BROKEN == 0x80000000u);
	assert_int_equal(FTYPE_BOOL, 25);
	assert_int_equal(SS_PLUGIN_TIMEOUT, -1);
	assert_int_equal(SS_PLUGIN_ST_TABLE, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_string),
		cmocka_unit_test(test_plugin_event_encoding),
		cmocka_unit_test(test_async_event_encoding),
		cmocka_unit_test(test_caps_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
