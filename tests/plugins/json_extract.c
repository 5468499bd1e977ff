/*
 * Test tool: loads a plugin through core/plugin and extracts fields from
 * one plugin event whose payload is a file's bytes.
 *
 * usage: json_extract LIBRARY PAYLOAD_FILE FIELD[=ARG]...
 * The event: code 322, plugin id 1, source "k8s_audit", ts
 * 1234567890123456789, evtnum 1. All fields are extracted in one call.
 * Prints a JSON array with one entry per field: the string value, or null
 * when the field has no value. Exit 1 with the host's message when loading
 * or extraction fails.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/plugin.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	char err[PH_ERRLEN];
	struct ph_plugin *p;
	if (argc < 4) {
		fprintf(stderr, "usage: %s LIBRARY PAYLOAD_FILE FIELD[=ARG]...\n", argv[0]);
		return 2;
	}
	if (ph_load(argv[1], NULL, &p, err, sizeof(err)) || ph_init(p, "", err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	size_t len;
	char *payload = slurp(argv[2], &len);
	if (!payload) {
		fprintf(stderr, "cannot read %s\n", argv[2]);
		return 1;
	}
	size_t cap = len + 64;
	char *evt = malloc(cap);
	plugin_evt_encode_plugin(evt, cap, 1234567890123456789ull, 1, payload, (uint32_t)len);
	uint32_t n = (uint32_t)(argc - 3);
	ss_plugin_extract_field *req = calloc(n, sizeof(*req));
	for (uint32_t i = 0; i < n; i++) {
		char *name = argv[3 + i], *eq = strchr(name, '=');
		if (eq)
			*eq = '\0';
		int id = ph_field_find(p, name);
		if (id < 0 || ph_field_request(p, (uint32_t)id, eq ? eq + 1 : NULL, &req[i], err, sizeof(err))) {
			fprintf(stderr, "field %s: %s\n", name, id < 0 ? "unknown" : err);
			return 1;
		}
	}
	ss_plugin_event_input in = {(const ss_plugin_event *)evt, 1, "k8s_audit"};
	if (!ph_wants_extract(p, PLUGIN_EVT_PLUGINEVENT, "k8s_audit")) {
		fprintf(stderr, "plugin does not extract from k8s_audit plugin events\n");
		return 1;
	}
	int rc = ph_extract(p, &in, req, n, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		free(req);
		free(evt);
		free(payload);
		ph_unload(p);
		return 1;
	}
	cJSON *out = cJSON_CreateArray();
	for (uint32_t i = 0; i < n; i++)
		cJSON_AddItemToArray(out, req[i].res_len ? cJSON_CreateString(req[i].res.str[0]) : cJSON_CreateNull());
	char *text = cJSON_PrintUnformatted(out);
	printf("%s\n", text);
	free(text);
	cJSON_Delete(out);
	free(req);
	free(evt);
	free(payload);
	ph_unload(p);
	return 0;
}
