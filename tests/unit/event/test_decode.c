/* ev_decode: lengths are honoured and never read past the buffer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "event/event.h"

/* A hand-built GENERIC_E event: ID=5 (u16), nativeID=2 (u16). */
static size_t build(uint8_t *buf)
{
	struct ev_hdr h = {.ts = 1, .tid = 42, .len = EV_HDR_LEN + 4 + 4, .type = EV_GENERIC_E, .nparams = 2};
	uint16_t lens[2] = {2, 2}, id = 5, native = 2;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + EV_HDR_LEN, lens, 4);
	memcpy(buf + EV_HDR_LEN + 4, &id, 2);
	memcpy(buf + EV_HDR_LEN + 6, &native, 2);
	return h.len;
}

static void decodes_params(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct ev_view v;
	size_t n = build(buf);
	assert_int_equal(ev_decode(buf, n, &v), 0);
	assert_int_equal(v.nparams, 2);
	assert_int_equal(v.len[0], 2);
	assert_ptr_equal(v.val[1], buf + EV_HDR_LEN + 6);
}

static void rejects_truncation(void **state)
{
	(void)state;
	uint8_t buf[64];
	size_t n = build(buf);
	struct ev_view v;
	for (size_t cut = 0; cut < n; cut++)
		assert_int_equal(ev_decode(buf, cut, &v), -EINVAL);
	/* a parameter length that runs past the event */
	uint16_t bad = 200;
	memcpy(buf + EV_HDR_LEN, &bad, 2);
	assert_int_equal(ev_decode(buf, n, &v), -EINVAL);
}

static void encode_roundtrip(void **state)
{
	(void)state;
	uint8_t buf[64], ref[64];
	uint16_t id = 5, native = 2;
	const void *vals[2] = {&id, &native};
	uint32_t lens[2] = {2, 2};
	size_t n = build(ref);
	assert_int_equal(ev_encode(buf, sizeof(buf), 1, 42, EV_GENERIC_E, 2, vals, lens), (int64_t)n);
	assert_memory_equal(buf, ref, n);
	assert_int_equal(ev_encode(buf, n - 1, 1, 42, EV_GENERIC_E, 2, vals, lens), -ENOSPC);
	lens[0] = 70000;
	assert_int_equal(ev_encode(buf, sizeof(buf), 1, 42, EV_GENERIC_E, 2, vals, lens), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decodes_params),
		cmocka_unit_test(rejects_truncation),
		cmocka_unit_test(encode_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
