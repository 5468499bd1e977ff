/*
 * core/log: falco's own log (not alerts), as upstream's falco_logger.
 *
 * Levels are syslog's (emergency 0 .. debug 7); a message is written when
 * its level is at most the configured one (falco.yaml `log_level`). To
 * stderr (`log_stderr`) a line is "<time>: <message>\n", the time as
 * "%a %b %d %H:%M:%S %Y" in local time; to syslog (`log_syslog`) the
 * message without its trailing newline, through syslog(3) with the level
 * as priority.
 *
 * Plugins' log_fn messages go through log_plugin(): as upstream's libs
 * logger, they are kept when enabled (`libs_logger.enabled`) and their
 * severity is at most `libs_logger.severity`, and then written at the
 * current log level as "[libs]: <plugin or component>: <message>".
 *
 * Threads: every function may be called from any thread; a message is one
 * write, never interleaved with another. log_configure() is meant for
 * start-up, before other threads log.
 */
#ifndef FALCO_CORE_LOG_H
#define FALCO_CORE_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_EMERG = 0,
	LOG_LVL_ALERT,
	LOG_LVL_CRIT,
	LOG_LVL_ERR,
	LOG_LVL_WARNING,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Options; zero-initialise and set sz. Strings are read during the call. */
struct log_opts {
	unsigned long sz;
	const char *level;         /* log_level; NULL: "info" */
	bool to_stderr, to_syslog;
	bool libs_enabled;         /* libs_logger.enabled */
	const char *libs_severity; /* libs_logger.severity; NULL: "info" */
};

/* Applies the options. Returns 0, or -1 with the reason in err (at least
 * 128 bytes) for an unknown level or severity; nothing changes then.
 * Before any call: level info, stderr only, plugin logs up to info. */
int log_configure(const struct log_opts *o, char *err);

/* Parses a log_level name ("emergency", "alert", "critical", "error",
 * "warning", "notice", "info", "debug"); -1 when unknown. */
int log_level_parse(const char *name);

/* Whether a message of this level would be written. */
bool log_enabled(enum log_level lvl);

/* Writes one message (printf format; a trailing newline is optional). */
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A plugin's log_fn message: `component` NULL means the plugin's name;
 * `severity` is an ss_plugin_log_severity (fatal 1 .. trace 8). */
void log_plugin(const char *plugin, const char *component, const char *msg, int severity);

#endif
