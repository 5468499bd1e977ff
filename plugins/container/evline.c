/*
 * One line of a runtime's event stream (docker's /events format, which
 * podman's compatible API also writes): see ctr_events_parse_line in
 * events.h. Kept apart from events.c so that the unit tests link it alone.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "events.h"

static void copy_str(char *dst, size_t n, const cJSON *v)
{
	snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* A JSON number beyond a double's 53 bits (timeNano has 61), read from the
 * text after the first `key`; `approx` when the text is not plain. */
static int64_t exact_int(const char *line, size_t len, const char *key, int64_t approx)
{
	const char *k = memmem(line, len, key, strlen(key));
	if (!k)
		return approx;
	const char *p = k + strlen(key), *end = line + len;
	while (p < end && *p == ' ')
		p++;
	uint64_t v = 0; /* 19 digits fit in 64 unsigned bits */
	int digits = 0;
	for (; p < end && *p >= '0' && *p <= '9' && digits < 20; p++, digits++)
		v = v * 10 + (uint64_t)(*p - '0');
	bool plain = digits && digits <= 19 && v <= INT64_MAX && (p == end || *p == ',' || *p == '}' || *p == ' ');
	return plain ? (int64_t)v : approx;
}

int ctr_events_parse_line(const char *line, size_t len, char *action, size_t action_len, char *id,
                          size_t id_len, char *image, size_t image_len, int64_t *time_ns)
{
	cJSON *root = cJSON_ParseWithLength(line, len);
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "Type");
	if (!cJSON_IsObject(root) || !cJSON_IsString(type) || strcmp(type->valuestring, "container") != 0) {
		cJSON_Delete(root);
		return -EINVAL;
	}
	/* docker: Action (status is the older name); libpod: Status */
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(root, "Action");
	if (!cJSON_IsString(act))
		act = cJSON_GetObjectItemCaseSensitive(root, "status");
	if (!cJSON_IsString(act))
		act = cJSON_GetObjectItemCaseSensitive(root, "Status");
	const cJSON *actor = cJSON_GetObjectItemCaseSensitive(root, "Actor");
	const cJSON *aid = cJSON_GetObjectItemCaseSensitive(actor, "ID");
	if (!cJSON_IsString(aid) || !aid->valuestring[0])
		aid = cJSON_GetObjectItemCaseSensitive(root, "id");
	const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(actor, "Attributes");
	copy_str(action, action_len, act);
	copy_str(id, id_len, aid);
	copy_str(image, image_len, cJSON_GetObjectItemCaseSensitive(attrs, "image"));
	const cJSON *tn = cJSON_GetObjectItemCaseSensitive(root, "timeNano");
	if (time_ns && cJSON_IsNumber(tn) && tn->valuedouble > 0)
		*time_ns = exact_int(line, len, "\"timeNano\":", (int64_t)tn->valuedouble);
	cJSON_Delete(root);
	return action[0] && id[0] ? 0 : -EINVAL;
}

