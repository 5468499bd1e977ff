/* falco's log: levels, stderr lines with a time stamp, syslog(3); see log.h. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log/log.h"

static struct {
	int level;        /* enum log_level */
	bool to_stderr, to_syslog;
	bool libs;        /* plugin logs kept at all */
	int libs_sev;     /* highest ss_plugin_log_severity kept */
} g_log = {LOG_LVL_INFO, true, false, true, 6};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

int log_level_parse(const char *name)
{
	static const char *const names[] = {"emergency", "alert",  "critical", "error",
	                                    "warning",   "notice", "info",     "debug"};
	for (int i = 0; i < 8; i++)
		if (name && !strcmp(name, names[i]))
			return i;
	return -1;
}

/* libs_logger.severity names, numbered as ss_plugin_log_severity. */
static int libs_severity_parse(const char *name)
{
	static const char *const names[] = {"fatal", "critical", "error", "warning",
	                                    "notice", "info", "debug", "trace"};
	for (int i = 0; i < 8; i++)
		if (name && !strcmp(name, names[i]))
			return i + 1;
	return -1;
}

int log_configure(const struct log_opts *o, char *err)
{
	int lvl = log_level_parse(o->level ? o->level : "info");
	int sev = libs_severity_parse(o->libs_severity ? o->libs_severity : "info");
	if (lvl < 0) {
		snprintf(err, 128, "Unknown log level %.64s", o->level);
		return -1;
	}
	if (sev < 0) {
		snprintf(err, 128, "Unknown libs_logger.severity %.64s", o->libs_severity);
		return -1;
	}
	pthread_mutex_lock(&g_lock);
	g_log.level = lvl;
	g_log.to_stderr = o->to_stderr;
	g_log.to_syslog = o->to_syslog;
	g_log.libs = o->libs_enabled;
	g_log.libs_sev = sev;
	pthread_mutex_unlock(&g_lock);
	return 0;
}

bool log_enabled(enum log_level lvl)
{
	return (int)lvl <= __atomic_load_n(&g_log.level, __ATOMIC_RELAXED);
}

/* Writes `msg` (len bytes, no trailing newline) at `lvl`. */
static void emit(int lvl, const char *msg, size_t len)
{
	pthread_mutex_lock(&g_lock);
	if (g_log.to_syslog)
		syslog(lvl, "%.*s", (int)len, msg);
	if (g_log.to_stderr) {
		char stamp[64] = "";
		time_t now = time(NULL);
		struct tm tm;
		if (localtime_r(&now, &tm))
			strftime(stamp, sizeof(stamp), "%a %b %d %H:%M:%S %Y", &tm);
		fprintf(stderr, "%s: %.*s\n", stamp, (int)len, msg);
		fflush(stderr);
	}
	pthread_mutex_unlock(&g_lock);
}

static void vlog(int lvl, const char *fmt, va_list ap)
{
	char buf[4096];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	while (len && buf[len - 1] == '\n')
		len--;
	emit(lvl, buf, len);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	if (!log_enabled(lvl))
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog((int)lvl, fmt, ap);
	va_end(ap);
}

/* Upstream hands libs messages to its logger at the current level, so they
 * are never filtered by log_level, only by the libs severity. */
static void log_at_current(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(__atomic_load_n(&g_log.level, __ATOMIC_RELAXED), fmt, ap);
	va_end(ap);
}

void log_plugin(const char *plugin, const char *component, const char *msg, int severity)
{
	if (!__atomic_load_n(&g_log.libs, __ATOMIC_RELAXED) ||
	    severity > __atomic_load_n(&g_log.libs_sev, __ATOMIC_RELAXED))
		return;
	log_at_current("[libs]: %s: %s", component ? component : plugin ? plugin : "", msg ? msg : "");
}
