/*
 * core/app/support: `falco --support` (upstream's JSON report) and the
 * -P pidfile.
 */
#ifndef FALCO_CORE_APP_SUPPORT_H
#define FALCO_CORE_APP_SUPPORT_H

#include <stddef.h>
#include <stdio.h>

struct support_info {
	const char *falco_version, *libs_version, *plugin_api_version, *driver_api_version,
	        *driver_schema_version, *engine_version_semver;
	const char *cmdline;               /* argv joined by spaces */
	const char *config_path;           /* NULL: built-in defaults (config is "") */
	const char *const *rules_files;    /* the rules files loaded, in order */
	size_t nrules_files;
};

/* Writes the JSON object on one line to `out`: system_info (uname),
 * version, engine_info, cmdline, config (the configuration file's text),
 * rules_files [{name, variants: [{content}]}]. Returns 0, or -1 with a
 * message on stderr (uname failing). */
int support_print(FILE *out, const struct support_info *si);

/* Writes our pid to `path`. Returns 0 or -1 after printing upstream's error. */
int support_pidfile_write(const char *path);

#endif
