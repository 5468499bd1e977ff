/*
 * Test plugin "counter": event sourcing + extraction, written against our
 * plugin_api/ headers only.
 *
 * Source "counter", id 999. open(params): "N" produces N plugin events in
 * batches of 3, payload the decimal index, then EOF. Special params probe
 * the host's checks: "timeout" (one TIMEOUT first), "fail" (FAILURE after
 * the first batch), "empty" (SUCCESS with no events), "badid" (events
 * carrying id 7), "badlen" (lengths that do not add up), "syscall" (a
 * non-plugin event), "nofile" (open fails). "N+hold": N events, then
 * TIMEOUT (after 20 ms) for ever instead of EOF, like a live source waiting
 * for more, so that the source keeps running until falco stops it.
 * Event 0 has ts (uint64_t)-1 (the host stamps now), the others ts 1000+i;
 * every event has tid 42 and plugin id 0, which the host must replace.
 * "garbage": events of random bytes within their buffers (random code,
 * nparams and lengths, len never beyond the buffer), for robustness.
 * Field counter.value (uint64): the payload as a number.
 *
 * Built a second time with -DCOUNTER_ANON as "counter_anon": no id and no
 * source of its own, so it may produce any event code (checked against
 * the event schema by the host).
 * Built a third time with -DCOUNTER_TWO as "counter2": source "counter2",
 * id 998, so that two plugin sources can run side by side.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin_api.h"
#include "plugin_events.h"

#define MAXEVT 64

struct state {
	char err[PLUGIN_MAX_ERRLEN];
	char text[128];
	uint64_t value;
};

struct inst {
	char mode[32];
	uint32_t n, next;
	int timeouts;
	bool hold; /* "+hold": TIMEOUT for ever after the events, no EOF */
	uint8_t buf[MAXEVT][64];
	ss_plugin_event *ptrs[MAXEVT];
	char progress[64];
	uint32_t seed; /* differs per open, for "garbage" */
};

const char *plugin_get_required_api_version(void) { return "3.0.0"; }
const char *plugin_get_version(void) { return "1.2.3"; }
#if defined(COUNTER_TWO)
const char *plugin_get_name(void) { return "counter2"; }
uint32_t plugin_get_id(void) { return 998; }
const char *plugin_get_event_source(void) { return "counter2"; }
#elif defined(COUNTER_ANON)
const char *plugin_get_name(void) { return "counter_anon"; }
uint32_t plugin_get_id(void) { return 0; }
const char *plugin_get_event_source(void) { return ""; }
#else
const char *plugin_get_name(void) { return "counter"; }
uint32_t plugin_get_id(void) { return 999; }
const char *plugin_get_event_source(void) { return "counter"; }
#endif
const char *plugin_get_description(void) { return "counts"; }
const char *plugin_get_contact(void) { return "tests"; }

ss_plugin_t *plugin_init(const ss_plugin_init_input *in, ss_plugin_rc *rc)
{
	(void)in;
	*rc = SS_PLUGIN_SUCCESS;
	return calloc(1, sizeof(struct state));
}

void plugin_destroy(ss_plugin_t *s) { free(s); }

const char *plugin_get_last_error(ss_plugin_t *s) { return ((struct state *)s)->err; }

ss_instance_t *plugin_open(ss_plugin_t *s, const char *params, ss_plugin_rc *rc)
{
	struct state *st = s;
	if (strcmp(params, "nofile") == 0) {
		snprintf(st->err, sizeof(st->err), "no such input: %s", params);
		*rc = SS_PLUGIN_FAILURE;
		return NULL;
	}
	struct inst *i = calloc(1, sizeof(*i));
	snprintf(i->mode, sizeof(i->mode), "%s", params);
	i->n = (uint32_t)atoi(params);
	if (i->n == 0)
		i->n = strcmp(params, "garbage") == 0 ? 60 : 5;
	static uint32_t opens;
	i->seed = ++opens;
	if (i->n > MAXEVT)
		i->n = MAXEVT;
	i->timeouts = strcmp(params, "timeout") == 0;
	i->hold = strstr(params, "+hold") != NULL;
	*rc = SS_PLUGIN_SUCCESS;
	return i;
}

void plugin_close(ss_plugin_t *s, ss_instance_t *h)
{
	(void)s;
	free(h);
}

/* Random bytes, then a code among the interesting ones and a len that
 * stays within the buffer. */
static void scramble(uint8_t *b, size_t cap, uint32_t k)
{
	static const uint16_t codes[] = {322, 402, 1, 2, 3, 4, 293, 0, 9999};
	uint32_t x = k * 2654435761u + 1;
	for (size_t j = 0; j < cap; j++) {
		x = x * 1103515245u + 12345u;
		b[j] = (uint8_t)(x >> 16);
	}
	uint16_t type = codes[x % (sizeof(codes) / sizeof(codes[0]))];
	uint32_t len = (x >> 8) % (uint32_t)(cap + 1);
	uint32_t nparams = (x >> 4) % 4;
	memcpy(b + 16, &len, 4);
	memcpy(b + 20, &type, 2);
	memcpy(b + 22, &nparams, 4);
}

static ss_plugin_event *make(struct inst *i, uint32_t k)
{
	char payload[16];
	int len = snprintf(payload, sizeof(payload), "%u", k);
	uint8_t *b = i->buf[k];
	uint64_t ts = k == 0 ? UINT64_MAX : 1000 + k;
	plugin_evt_encode_plugin(b, sizeof(i->buf[k]), ts, 0, payload, (uint32_t)len);
	uint64_t tid = 42;
	memcpy(b + 8, &tid, 8);
	if (strcmp(i->mode, "badid") == 0) {
		uint32_t id = 7;
		memcpy(b + PLUGIN_EVT_PLUGIN_ID_OFFSET, &id, 4);
	}
	if (strcmp(i->mode, "badlen") == 0) {
		uint32_t l = 1000;
		memcpy(b + 30, &l, 4);
	}
	if (strcmp(i->mode, "syscall") == 0) {
		uint16_t type = 1;
		memcpy(b + 20, &type, 2);
	}
	if (strcmp(i->mode, "garbage") == 0)
		scramble(b, sizeof(i->buf[k]), k + 1000 * i->seed);
	return (ss_plugin_event *)b;
}

ss_plugin_rc plugin_next_batch(ss_plugin_t *s, ss_instance_t *h, uint32_t *nevts, ss_plugin_event ***evts)
{
	struct state *st = s;
	struct inst *i = h;
	*nevts = 0;
	if (i->timeouts-- > 0)
		return SS_PLUGIN_TIMEOUT;
	if (strcmp(i->mode, "empty") == 0)
		return SS_PLUGIN_SUCCESS;
	if (strcmp(i->mode, "fail") == 0 && i->next > 0) {
		snprintf(st->err, sizeof(st->err), "simulated read error");
		return SS_PLUGIN_FAILURE;
	}
	if (i->next >= i->n) {
		if (!i->hold)
			return SS_PLUGIN_EOF;
		usleep(20000);
		return SS_PLUGIN_TIMEOUT;
	}
	uint32_t k = 0;
	while (k < 3 && i->next < i->n) {
		i->ptrs[k] = make(i, i->next);
		k++;
		i->next++;
	}
	*nevts = k;
	*evts = i->ptrs;
	return i->next >= i->n && !i->hold ? SS_PLUGIN_EOF : SS_PLUGIN_SUCCESS;
}

const char *plugin_get_progress(ss_plugin_t *s, ss_instance_t *h, uint32_t *pct)
{
	(void)s;
	struct inst *i = h;
	*pct = i->n ? i->next * 10000 / i->n : 0;
	snprintf(i->progress, sizeof(i->progress), "%u/%u", i->next, i->n);
	return i->progress;
}

const char *plugin_list_open_params(ss_plugin_t *s, ss_plugin_rc *rc)
{
	(void)s;
	*rc = SS_PLUGIN_SUCCESS;
	return "[{\"value\":\"5\",\"desc\":\"five events\"},{\"value\":\"1;2\",\"desc\":\"two runs\",\"separator\":\";\"}]";
}

const char *plugin_event_to_string(ss_plugin_t *s, const ss_plugin_event_input *evt)
{
	struct state *st = s;
	uint32_t len;
	const char *p = plugin_evt_payload(evt->evt, &len);
	snprintf(st->text, sizeof(st->text), "counter=%.*s", (int)len, p);
	return st->text;
}

const char *plugin_get_fields(void)
{
	return "[{\"type\":\"uint64\",\"name\":\"counter.value\",\"desc\":\"the counter\",\"addOutput\":true}]";
}

ss_plugin_rc plugin_extract_fields(ss_plugin_t *s, const ss_plugin_event_input *evt,
                                   const ss_plugin_field_extract_input *in)
{
	struct state *st = s;
	uint32_t len;
	const char *p = plugin_evt_payload(evt->evt, &len);
	char num[32];
	snprintf(num, sizeof(num), "%.*s", (int)(len < 31 ? len : 31), p);
	st->value = strtoull(num, NULL, 10);
	for (uint32_t k = 0; k < in->num_fields; k++) {
		in->fields[k].res.u64 = &st->value;
		in->fields[k].res_len = 1;
	}
	return SS_PLUGIN_SUCCESS;
}
