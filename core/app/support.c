/* --support and -P: see support.h. */
#include "app/support.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* A JSON string of `n` bytes (control bytes as \u00XX). */
static void json_str(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

static void json_cstr(FILE *f, const char *s)
{
	json_str(f, s ? s : "", s ? strlen(s) : 0);
}

/* The whole file, or an empty text when it cannot be read (as upstream). */
static void json_file(FILE *out, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = path ? fopen(path, "rb") : NULL;
	if (f) {
		FILE *m = open_memstream(&buf, &len);
		char chunk[8192];
		size_t k;
		while (m && (k = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, k, m);
		if (m)
			fclose(m);
		fclose(f);
	}
	json_str(out, buf ? buf : "", buf ? len : 0);
	free(buf);
}

static void kv(FILE *f, const char *k, const char *v, bool comma)
{
	json_cstr(f, k);
	fputc(':', f);
	json_cstr(f, v);
	if (comma)
		fputc(',', f);
}

int support_print(FILE *out, const struct support_info *si)
{
	struct utsname u;
	if (uname(&u) != 0) {
		fprintf(stderr, "Could not get system info: %s\n", strerror(errno));
		return -1;
	}
	/* engine_version: the minor number alone, kept by upstream for old tools */
	char minor[16] = "0";
	const char *dot = si->engine_version_semver ? strchr(si->engine_version_semver, '.') : NULL;
	if (dot)
		snprintf(minor, sizeof(minor), "%d", atoi(dot + 1));
	fputs("{\"cmdline\":", out);
	json_cstr(out, si->cmdline);
	fputs(",\"config\":", out);
	if (si->config_path)
		json_file(out, si->config_path);
	else
		json_cstr(out, "");
	fputs(",\"engine_info\":{", out);
	kv(out, "default_driver_version", si->driver_api_version, true);
	kv(out, "driver_api_version", si->driver_api_version, true);
	kv(out, "driver_schema_version", si->driver_schema_version, true);
	kv(out, "engine_version", minor, true);
	kv(out, "engine_version_semver", si->engine_version_semver, true);
	kv(out, "falco_version", si->falco_version, true);
	kv(out, "libs_version", si->libs_version, true);
	kv(out, "plugin_api_version", si->plugin_api_version, false);
	fputs("},\"rules_files\":[", out);
	for (size_t i = 0; i < si->nrules_files; i++) {
		fputs(i ? ",{\"name\":" : "{\"name\":", out);
		json_cstr(out, si->rules_files[i]);
		fputs(",\"variants\":[{\"content\":", out);
		json_file(out, si->rules_files[i]);
		fputs("}]}", out);
	}
	fputs("],\"system_info\":{", out);
	kv(out, "machine", u.machine, true);
	kv(out, "nodename", u.nodename, true);
	kv(out, "release", u.release, true);
	kv(out, "sysname", u.sysname, true);
	kv(out, "version", u.version, false);
	fputs("},\"version\":", out);
	json_cstr(out, si->falco_version);
	fputs("}\n", out);
	return 0;
}

int support_pidfile_write(const char *path)
{
	FILE *f = fopen(path, "w");
	bool bad = f == NULL;
	if (f != NULL) {
		bad = fprintf(f, "%ld", (long)getpid()) < 0;
		bad = fclose(f) != 0 || bad;
	}
	if (bad) {
		fprintf(stderr, "Could not write pid to pidfile %s. Exiting.\n", path);
		return -1;
	}
	return 0;
}
