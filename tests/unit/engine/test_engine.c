/*
 * The event loop on an in-memory source: numbering and hiding as upstream.
 * Expected numbers come from ../shared/oracle/open-multiple-files.events.jsonl:
 * the capture starts with 3 container_json events and the first line is
 * evt.num 4 (they are numbered, not shown); its open enter events are
 * numbered but absent (gaps 1097, 1099, ...); its fstat and close enter
 * events are not numbered (fstat 1102 is followed by close 1103).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "engine/engine.h"

#define MAXEV 16

struct mem_src {
	uint8_t buf[MAXEV][256];
	uint32_t flags[MAXEV];
	int n, next;
};

static int mem_next(void *impl, struct eng_raw *out)
{
	struct mem_src *m = impl;
	if (m->next == m->n)
		return ENG_EOF;
	out->hdr = (const struct ev_hdr *)m->buf[m->next];
	out->cpu = 1;
	out->flags = m->flags[m->next];
	out->offset = 1000u + (uint64_t)m->next;
	m->next++;
	return 0;
}

static const char *mem_error(const void *impl)
{
	(void)impl;
	return "mem error";
}

static void mem_close(void *impl)
{
	(void)impl;
}

static void add(struct mem_src *m, uint16_t type, uint32_t n, const void *const vals[], const uint32_t lens[],
                uint32_t flags)
{
	assert_true(m->n < MAXEV);
	assert_true(ev_encode(m->buf[m->n], sizeof(m->buf[0]), 100u + (uint64_t)m->n, 7, type, n, vals, lens) > 0);
	m->flags[m->n++] = flags;
}

struct seen {
	int n;
	uint64_t num[MAXEV];
	uint16_t type[MAXEV];
	bool hidden[MAXEV];
	int parsed;
	int stop_after;
};

static int on_parse(void *ctx, const struct eng_event *ev)
{
	(void)ev;
	((struct seen *)ctx)->parsed++;
	return 0;
}

static int on_event(void *ctx, const struct eng_event *ev)
{
	struct seen *s = ctx;
	s->num[s->n] = ev->num;
	s->type[s->n] = ev->ev.hdr->type;
	s->hidden[s->n] = ev->hidden;
	s->n++;
	return s->stop_after != 0 && s->n == s->stop_after ? 1 : 0;
}

static struct eng *start(struct mem_src *m, struct seen *s, bool want_hidden)
{
	struct eng_source src = {.kind = "test", .name = "mem", .convert = true, .is_capture = true, .impl = m,
	                         .next = mem_next, .error = mem_error, .close = mem_close};
	struct eng_hooks hooks = {.ctx = s, .parse = on_parse, .consume = on_event, .want_hidden = want_hidden};
	char err[ENG_ERR_LEN];
	struct eng *e = eng_new(&src, &hooks, err);
	assert_non_null(e);
	return e;
}

static void build_open_multiple_files_like(struct mem_src *m)
{
	const char json[] = "{}";
	uint64_t cpu = 0;
	int64_t fd = 3, zero = 0;
	uint32_t flags = 1, mode = 0;
	for (int i = 0; i < 3; i++)
		add(m, EV_CONTAINER_JSON_E, 1, (const void *[]){json}, (uint32_t[]){3}, 0);
	add(m, EV_PROCINFO_E, 2, (const void *[]){&cpu, &cpu}, (uint32_t[]){8, 8}, 0);
	add(m, EV_SYSCALL_OPEN_E, 0, NULL, NULL, 0);
	add(m, EV_SYSCALL_OPEN_X, 4, (const void *[]){&fd, "/tmp/file-1", &flags, &mode}, (uint32_t[]){8, 12, 4, 4}, 0);
	add(m, EV_SYSCALL_CLOSE_E, 1, (const void *[]){&fd}, (uint32_t[]){8}, 0);
	add(m, EV_SYSCALL_CLOSE_X, 1, (const void *[]){&zero}, (uint32_t[]){8}, 0);
}

static void numbers_and_hides_as_upstream(void **state)
{
	(void)state;
	static struct mem_src m;
	memset(&m, 0, sizeof(m));
	struct seen s = {0};
	build_open_multiple_files_like(&m);
	struct eng *e = start(&m, &s, false);
	assert_int_equal(eng_run(e), 0);
	/* shown: procinfo 4, open exit 6, close exit 7 */
	assert_int_equal(s.n, 3);
	assert_int_equal(s.num[0], 4);
	assert_int_equal(s.type[0], EV_PROCINFO_E);
	assert_int_equal(s.num[1], 6);
	assert_int_equal(s.type[1], EV_SYSCALL_OPEN_X);
	assert_int_equal(s.num[2], 7);
	assert_int_equal(s.type[2], EV_SYSCALL_CLOSE_X);
	/* state saw every numbered event, hidden ones included */
	assert_int_equal(s.parsed, 7);
	struct eng_stats st;
	eng_get_stats(e, &st);
	assert_int_equal(st.read, 8);
	assert_int_equal(st.numbered, 7);
	assert_int_equal(st.delivered, 3);
	assert_int_equal(st.hidden, 4);
	assert_int_equal(st.conv.dropped, 1);
	eng_free(e);
}

static void want_hidden_shows_everything_numbered(void **state)
{
	(void)state;
	static struct mem_src m;
	memset(&m, 0, sizeof(m));
	struct seen s = {0};
	build_open_multiple_files_like(&m);
	struct eng *e = start(&m, &s, true);
	assert_int_equal(eng_run(e), 0);
	assert_int_equal(s.n, 7);
	for (int i = 0; i < 7; i++)
		assert_int_equal(s.num[i], (uint64_t)i + 1);
	assert_int_equal(s.type[0], EV_CONTAINER_JSON_2_E);
	assert_true(s.hidden[0] && s.hidden[2] && !s.hidden[3] && s.hidden[4] && !s.hidden[5]);
	eng_free(e);
}

/* A container event after the first other event is shown; a state-only
 * event is not. */
static void initial_state_only_at_start_and_state_only_flag(void **state)
{
	(void)state;
	static struct mem_src m;
	memset(&m, 0, sizeof(m));
	struct seen s = {0};
	uint64_t cpu = 0;
	const char json[] = "{}";
	add(&m, EV_PROCINFO_E, 2, (const void *[]){&cpu, &cpu}, (uint32_t[]){8, 8}, 0);
	add(&m, EV_CONTAINER_JSON_E, 1, (const void *[]){json}, (uint32_t[]){3}, 0);
	add(&m, EV_PROCINFO_E, 2, (const void *[]){&cpu, &cpu}, (uint32_t[]){8, 8}, ENG_RF_STATE_ONLY);
	struct eng *e = start(&m, &s, false);
	assert_int_equal(eng_run(e), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.type[1], EV_CONTAINER_JSON_2_E);
	assert_int_equal(s.num[1], 2);
	eng_free(e);
}

/* A live source (not a capture) has no initial-state phase. */
static void live_source_shows_leading_container_events(void **state)
{
	(void)state;
	static struct mem_src m;
	memset(&m, 0, sizeof(m));
	struct seen s = {0};
	const char json[] = "{}";
	add(&m, EV_CONTAINER_JSON_E, 1, (const void *[]){json}, (uint32_t[]){3}, 0);
	struct eng_source src = {.kind = "test", .name = "mem", .convert = true, .is_capture = false, .impl = &m,
	                         .next = mem_next, .error = mem_error, .close = mem_close};
	struct eng_hooks hooks = {.ctx = &s, .consume = on_event};
	char err[ENG_ERR_LEN];
	struct eng *e = eng_new(&src, &hooks, err);
	assert_int_equal(eng_run(e), 0);
	assert_int_equal(s.n, 1);
	assert_false(s.hidden[0]);
	eng_free(e);
}

static void consumer_can_stop(void **state)
{
	(void)state;
	static struct mem_src m;
	memset(&m, 0, sizeof(m));
	struct seen s = {.stop_after = 2};
	build_open_multiple_files_like(&m);
	struct eng *e = start(&m, &s, false);
	assert_int_equal(eng_run(e), 1);
	assert_int_equal(s.n, 2);
	eng_free(e);
}

static void conversion_error_names_source_and_offset(void **state)
{
	(void)state;
	static struct mem_src m;
	memset(&m, 0, sizeof(m));
	struct seen s = {0};
	int64_t fd = 3, res = 0;
	add(&m, EV_SYSCALL_CLOSE_E, 1, (const void *[]){&fd}, (uint32_t[]){8}, 0);
	add(&m, EV_SYSCALL_READ_X, 2, (const void *[]){&res, NULL}, (uint32_t[]){8, 0}, 0);
	struct eng *e = start(&m, &s, false);
	assert_int_equal(eng_run(e), -EPROTO);
	assert_non_null(strstr(eng_error(e), "mem: offset 1001: "));
	eng_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers_and_hides_as_upstream),
		cmocka_unit_test(want_hidden_shows_everything_numbered),
		cmocka_unit_test(initial_state_only_at_start_and_state_only_flag),
		cmocka_unit_test(live_source_shows_leading_container_events),
		cmocka_unit_test(consumer_can_stop),
		cmocka_unit_test(conversion_error_names_source_and_offset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
