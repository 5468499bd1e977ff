/*
 * plugin_events.h: the two event codes of the plugin API and their
 * encodings, with inline helpers to build and read them.
 *
 * Part of the project's public plugin ABI (installed). Both codes are
 * "large payload" scap events: their parameter lengths are uint32_t.
 *
 * Plugin event, code 322 (what next_batch() returns for a plugin source):
 *   header(26) | u32 4 | u32 N | u32 plugin_id | N payload bytes
 *   The payload starts at PLUGIN_EVENT_PAYLOAD_OFFSET (38). A plugin may
 *   leave plugin_id 0: the host writes its id. The host sets tid to -1.
 *
 * Async event, code 402 (what an async handler receives):
 *   header(26) | u32 4 | u32 L | u32 D | u32 plugin_id | name (L bytes,
 *   NUL included) | D data bytes
 *   The host writes plugin_id (the id of the source the event joins, 0 for
 *   syscall). The name must be one of the plugin's get_async_events().
 */
#ifndef FALCO_PLUGIN_EVENTS_H
#define FALCO_PLUGIN_EVENTS_H

#include <stddef.h>
#include <string.h>

#include "plugin_api.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PLUGIN_EVT_PLUGINEVENT 322 /* upstream's PPME_PLUGINEVENT_E */
#define PLUGIN_EVT_ASYNCEVENT 402  /* upstream's PPME_ASYNCEVENT_E */
#define PLUGIN_EVT_HDR_LEN 26
#define PLUGIN_EVT_PLUGIN_ID_OFFSET 34  /* plugin id of a 322: after 2 lengths */
#define PLUGIN_EVT_ASYNC_ID_OFFSET 38   /* plugin id of a 402: after 3 lengths */
#define PLUGIN_EVT_ASYNC_NAME_OFFSET 42 /* async name: after the id */
#define PLUGIN_EVT_ASYNC_NAME_MAX 32    /* event names longer than this (NUL incl.) are cut by hosts */

/* Writes a plugin event into buf (capacity cap). Returns its length, or 0
 * when it does not fit. ts (uint64_t)-1 lets the host stamp "now". */
static inline size_t plugin_evt_encode_plugin(void *buf, size_t cap, uint64_t ts, uint32_t plugin_id,
                                              const void *data, uint32_t len)
{
	size_t total = PLUGIN_EVENT_PAYLOAD_OFFSET + (size_t)len;
	if (total > cap || total > UINT32_MAX)
		return 0;
	ss_plugin_event h;
	h.ts = ts;
	h.tid = (uint64_t)-1;
	h.len = (uint32_t)total;
	h.type = PLUGIN_EVT_PLUGINEVENT;
	h.nparams = 2;
	uint32_t lens[3] = {4, len, plugin_id};
	char *p = (char *)buf;
	memcpy(p, &h, sizeof(h));
	memcpy(p + PLUGIN_EVT_HDR_LEN, lens, sizeof(lens));
	if (len)
		memcpy(p + PLUGIN_EVENT_PAYLOAD_OFFSET, data, len);
	return total;
}

/* Writes an async event. `name` is copied with its NUL. Returns the length,
 * or 0 when it does not fit. */
static inline size_t plugin_evt_encode_async(void *buf, size_t cap, uint64_t ts, uint64_t tid, const char *name,
                                             const void *data, uint32_t len)
{
	size_t nlen = strlen(name) + 1;
	size_t total = PLUGIN_EVT_ASYNC_NAME_OFFSET + nlen + (size_t)len;
	if (total > cap || total > UINT32_MAX)
		return 0;
	ss_plugin_event h;
	h.ts = ts;
	h.tid = tid;
	h.len = (uint32_t)total;
	h.type = PLUGIN_EVT_ASYNCEVENT;
	h.nparams = 3;
	uint32_t words[4] = {4, (uint32_t)nlen, len, 0};
	char *p = (char *)buf;
	memcpy(p, &h, sizeof(h));
	memcpy(p + PLUGIN_EVT_HDR_LEN, words, sizeof(words));
	memcpy(p + PLUGIN_EVT_ASYNC_NAME_OFFSET, name, nlen);
	if (len)
		memcpy(p + PLUGIN_EVT_ASYNC_NAME_OFFSET + nlen, data, len);
	return total;
}

/* The payload of a well-formed plugin event (the caller has checked type,
 * nparams and lengths, as hosts do before handing events out). */
static inline const void *plugin_evt_payload(const ss_plugin_event *evt, uint32_t *len)
{
	const char *p = (const char *)evt;
	memcpy(len, p + PLUGIN_EVT_HDR_LEN + 4, sizeof(*len));
	return p + PLUGIN_EVENT_PAYLOAD_OFFSET;
}

/* The plugin id of a plugin or async event (0 for any other code). */
static inline uint32_t plugin_evt_plugin_id(const ss_plugin_event *evt)
{
	uint32_t id = 0;
	if (evt->type == PLUGIN_EVT_PLUGINEVENT)
		memcpy(&id, (const char *)evt + PLUGIN_EVT_PLUGIN_ID_OFFSET, sizeof(id));
	else if (evt->type == PLUGIN_EVT_ASYNCEVENT)
		memcpy(&id, (const char *)evt + PLUGIN_EVT_ASYNC_ID_OFFSET, sizeof(id));
	return id;
}

#ifdef __cplusplus
}
#endif

#endif
