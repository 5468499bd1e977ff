/* Sourcing: open/next_batch/close of a plugin capture, with every event the
 * plugin hands out checked (header, lengths, code, plugin id) and stamped as
 * upstream stamps it before the rest of the core sees it. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event/event.h"
#include "plugin/internal.h"

struct ph_source {
	struct ph_plugin *p;
	ss_instance_t *h;
	ss_plugin_event **batch; /* owned by the plugin */
	uint32_t nbatch, next;
	ss_plugin_rc pending;    /* result of the batch being drained */
	uint64_t count;
	char progress[256]; /* bounded copy of get_progress's text */
};

int ph_source_open(struct ph_plugin *p, const char *params, struct ph_source **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!(p->caps & CAP_SOURCING))
		return ph_fail(p, -EINVAL, err, errlen, "has no event sourcing capability");
	if (!p->inited)
		return ph_fail(p, -EINVAL, err, errlen, "opened before init");
	if (p->open_source)
		return ph_fail(p, -EBUSY, err, errlen, "already has an open capture");
	struct ph_source *s = calloc(1, sizeof(*s));
	if (!s)
		return ph_fail(p, -ENOMEM, err, errlen, "out of memory");
	ss_plugin_rc rc = SS_PLUGIN_FAILURE;
	s->p = p;
	s->h = PH_CALL(p, "open", p->api.open(p->state, params ? params : "", &rc));
	if (rc != SS_PLUGIN_SUCCESS) {
		int r = ph_fail(p, -EIO, err, errlen, "cannot open '%s': %s", params ? params : "", ph_last_error(p));
		PH_CALL_VOID(p, "close", p->api.close(p->state, s->h));
		free(s);
		return r;
	}
	p->open_source = s;
	*out = s;
	return 0;
}

void ph_source_close(struct ph_source *s)
{
	if (!s)
		return;
	PH_CALL_VOID(s->p, "close", s->p->api.close(s->p->state, s->h));
	s->p->open_source = NULL;
	free(s);
}

uint64_t ph_source_count(const struct ph_source *s) { return s->count; }

const char *ph_source_progress(struct ph_source *s, uint32_t *pct)
{
	uint32_t v = 0;
	*pct = 0;
	if (!s->p->api.get_progress)
		return NULL;
	const char *text = PH_CALL(s->p, "get_progress", s->p->api.get_progress(s->p->state, s->h, &v));
	*pct = v > 10000 ? 10000 : v;
	if (!text)
		return NULL;
	size_t n = strnlen(text, sizeof(s->progress) - 1);
	memcpy(s->progress, text, n);
	s->progress[n] = 0;
	return s->progress;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A plugin event: exactly its two large params, the id 4 bytes long. */
static int check_plugin_event(const struct ph_plugin *p, ss_plugin_event *e, uint64_t n, char *err, size_t errlen)
{
	uint32_t l[3];
	if (e->nparams != 2 || e->len < PLUGIN_EVENT_PAYLOAD_OFFSET)
		return ph_fail(p, -EINVAL, err, errlen, "malformed plugin event #%" PRIu64 " (nparams %u, len %u)", n,
		               e->nparams, e->len);
	memcpy(l, (char *)e + PLUGIN_EVT_HDR_LEN, sizeof(l));
	if (l[0] != 4 || (uint64_t)l[1] + PLUGIN_EVENT_PAYLOAD_OFFSET != e->len)
		return ph_fail(p, -EINVAL, err, errlen,
		               "malformed plugin event #%" PRIu64 ": param lengths %u+%u do not add up to len %u", n, l[0],
		               l[1], e->len);
	uint32_t id = l[2];
	if (id == 0 && p->id != 0) {
		id = p->id;
		memcpy((char *)e + PLUGIN_EVT_PLUGIN_ID_OFFSET, &id, sizeof(id));
	}
	if (id == 0)
		return ph_fail(p, -EINVAL, err, errlen, "plugin event #%" PRIu64 " carries no plugin id", n);
	if (p->id != 0 && id != p->id)
		return ph_fail(p, -EINVAL, err, errlen, "plugin event #%" PRIu64 " carries plugin id %u, expected %u", n,
		               id, p->id);
	uint64_t tid = (uint64_t)-1;
	memcpy(&e->tid, &tid, sizeof(tid));
	return 0;
}

static int check_event(const struct ph_plugin *p, ss_plugin_event *e, uint64_t n, char *err, size_t errlen)
{
	if (!e)
		return ph_fail(p, -EINVAL, err, errlen, "next_batch returned a NULL event (#%" PRIu64 ")", n);
	if (e->len < PLUGIN_EVT_HDR_LEN || e->len > PH_MAX_EVENT_LEN)
		return ph_fail(p, -EINVAL, err, errlen, "event #%" PRIu64 " has a length of %u bytes (%s)", n, e->len,
		               e->len < PLUGIN_EVT_HDR_LEN ? "shorter than its header" : "more than the host accepts");
	if (e->type == PLUGIN_EVT_PLUGINEVENT) {
		if (check_plugin_event(p, e, n, err, errlen))
			return -EINVAL;
	} else if (p->id != 0) {
		return ph_fail(p, -EINVAL, err, errlen,
		               "event #%" PRIu64 " has code %u: a plugin with its own source may only produce plugin "
		               "events (322)",
		               n, e->type);
	} else {
		struct ev_view v;
		const struct ev_info *info = ev_info(e->type);
		if (!info || !info->name || strcmp(info->name, "NA") == 0)
			return ph_fail(p, -EINVAL, err, errlen, "event #%" PRIu64 " has an unknown code %u", n, e->type);
		if (ev_decode(e, e->len, &v))
			return ph_fail(p, -EINVAL, err, errlen, "event #%" PRIu64 " (code %u): inconsistent lengths", n,
			               e->type);
	}
	if (e->ts == UINT64_MAX) {
		uint64_t t = now_ns();
		memcpy(&e->ts, &t, sizeof(t));
	}
	return 0;
}

/* Turns a final batch result into ours. */
static int batch_result(struct ph_source *s, ss_plugin_rc rc, char *err, size_t errlen)
{
	switch (rc) {
	case SS_PLUGIN_TIMEOUT:
		return PH_TIMEOUT;
	case SS_PLUGIN_EOF:
		return PH_EOF;
	case SS_PLUGIN_FAILURE:
		return ph_fail(s->p, -EIO, err, errlen, "next_batch failed: %s", ph_last_error(s->p));
	default:
		return ph_fail(s->p, -EIO, err, errlen, "next_batch returned an unknown result %d", (int)rc);
	}
}

static int fetch_batch(struct ph_source *s, char *err, size_t errlen)
{
	uint32_t n = 0;
	ss_plugin_event **evts = NULL;
	ss_plugin_rc rc = PH_CALL(s->p, "next_batch", s->p->api.next_batch(s->p->state, s->h, &n, &evts));
	if (n > 0 && !evts)
		return ph_fail(s->p, -EINVAL, err, errlen, "next_batch returned %u events but no array", n);
	if (n == 0) {
		if (rc == SS_PLUGIN_SUCCESS)
			return ph_fail(s->p, -EINVAL, err, errlen, "next_batch returned success with no events");
		return batch_result(s, rc, err, errlen);
	}
	/* Events of a batch that ends with EOF, TIMEOUT or FAILURE are still
	 * delivered; the result comes after them. */
	s->batch = evts;
	s->nbatch = n;
	s->next = 0;
	s->pending = rc;
	return 0;
}

int ph_source_next(struct ph_source *s, ss_plugin_event **evt, char *err, size_t errlen)
{
	*evt = NULL;
	if (s->next >= s->nbatch) {
		if (s->nbatch && s->pending != SS_PLUGIN_SUCCESS) {
			ss_plugin_rc rc = s->pending;
			s->pending = SS_PLUGIN_SUCCESS;
			s->nbatch = 0;
			return batch_result(s, rc, err, errlen);
		}
		int rc = fetch_batch(s, err, errlen);
		if (rc)
			return rc;
	}
	ss_plugin_event *e = s->batch[s->next++];
	if (check_event(s->p, e, s->count, err, errlen))
		return -EINVAL;
	s->count++;
	*evt = e;
	return 0;
}

/* ---- description of a capture ---- */

const char *ph_event_to_string(struct ph_plugin *p, const ss_plugin_event *evt, uint64_t evtnum, char *buf,
                               size_t buflen)
{
	if (evt->type != PLUGIN_EVT_PLUGINEVENT || plugin_evt_plugin_id(evt) != p->id || p->id == 0)
		return NULL;
	if (p->api.event_to_string && p->state) {
		ss_plugin_event_input in = {.evt = evt, .evtnum = evtnum, .evtsrc = p->source};
		const char *s = PH_CALL(p, "event_to_string", p->api.event_to_string(p->state, &in));
		if (s && s[0] && buflen) {
			size_t n = strnlen(s, buflen - 1);
			memmove(buf, s, n);
			buf[n] = 0;
			return buf;
		}
	}
	uint32_t len;
	const unsigned char *data = plugin_evt_payload(evt, &len);
	uint32_t shown = len < 50 ? len : 50;
	bool printable = true;
	for (uint32_t i = 0; i < shown; i++)
		printable = printable && isprint(data[i]);
	if (printable)
		snprintf(buf, buflen, "datalen=%u data=%.*s%s", len, (int)shown, (const char *)data, len > 50 ? "..." : "");
	else
		snprintf(buf, buflen, "datalen=%u data=<binary>", len);
	return buf;
}

int ph_list_open_params(struct ph_plugin *p, const struct ph_open_param **out, uint32_t *n, char *err,
                        size_t errlen)
{
	*out = NULL;
	*n = 0;
	free(p->open_params);
	free(p->open_params_text);
	p->open_params = NULL;
	p->open_params_text = NULL;
	p->n_open_params = 0;
	if (!p->inited || !p->api.list_open_params)
		return 0;
	ss_plugin_rc rc = SS_PLUGIN_FAILURE;
	const char *text = PH_CALL(p, "list_open_params", p->api.list_open_params(p->state, &rc));
	if (rc != SS_PLUGIN_SUCCESS)
		return ph_fail(p, -EIO, err, errlen, "list_open_params failed: %s", ph_last_error(p));
	if (!text || !text[0])
		return 0;
	cJSON *root = cJSON_Parse(text);
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return ph_fail(p, -EINVAL, err, errlen, "list_open_params did not return a JSON array");
	}
	/* One allocation for the strings: the parsed array keeps pointers into
	 * a copy of each value, laid out after the entries. */
	size_t count = (size_t)cJSON_GetArraySize(root), bytes = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, root)
	{
		const char *keys[3] = {"value", "desc", "separator"};
		for (int k = 0; k < 3; k++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, keys[k]);
			bytes += (cJSON_IsString(v) ? strlen(v->valuestring) : 0) + 1;
		}
	}
	p->open_params = calloc(count ? count : 1, sizeof(*p->open_params));
	char *pool = p->open_params_text = malloc(bytes ? bytes : 1);
	int r = (p->open_params && pool) ? 0 : ph_fail(p, -ENOMEM, err, errlen, "out of memory");
	cJSON_ArrayForEach(it, root)
	{
		if (r)
			break;
		const char **dst[3] = {&p->open_params[*n].value, &p->open_params[*n].desc, &p->open_params[*n].separator};
		const char *keys[3] = {"value", "desc", "separator"};
		for (int k = 0; k < 3; k++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, keys[k]);
			const char *s = cJSON_IsString(v) ? v->valuestring : "";
			size_t l = strlen(s) + 1;
			memcpy(pool, s, l);
			*dst[k] = pool;
			pool += l;
		}
		if (!p->open_params[*n].value[0])
			r = ph_fail(p, -EINVAL, err, errlen, "list_open_params has an entry with no value");
		(*n)++;
	}
	cJSON_Delete(root);
	if (r) {
		*n = 0;
		return r;
	}
	p->n_open_params = *n;
	*out = p->open_params;
	return 0;
}
