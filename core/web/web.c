/* The embedded web server (see web.h): libmicrohttpd on a socket we bind
 * ourselves, so that a busy port is reported with its address and errno. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.h"
#include "log/log.h"
#include "metrics/metrics.h"
#include "plugin/plugin.h"
#include "rules/rules.h"
#include "web/web.h"

#define CERT_MAX (1u << 20)      /* a PEM certificate and key fit well within */
#define CONN_TIMEOUT_S 5u        /* idle connections are closed (upstream's read timeout) */

struct web {
	struct MHD_Daemon *d;
	char *healthz;                     /* owned: the health endpoint's path */
	char *versions;                    /* owned: the /versions document */
	char *cert;                        /* owned: the PEM file (HTTPS), or NULL */
	bool metrics_wanted;               /* prometheus_metrics_enabled and metrics.enabled */
	_Atomic(struct metrics *) metrics; /* borrowed; NULL until web_enable_metrics */
	char start_err[256];               /* libmicrohttpd's first message while starting */
	_Atomic bool started;
};

/* ---- /versions ---- */

struct jbuf {
	FILE *f;
	char *p;
	size_t len;
};

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

static void json_kv(FILE *f, const char *k, const char *v, bool comma)
{
	json_str(f, k);
	fputc(':', f);
	json_str(f, v);
	if (comma)
		fputc(',', f);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(ph_name(*(struct ph_plugin *const *)a), ph_name(*(struct ph_plugin *const *)b));
}

/* plugin_versions: sorted by name, one entry per name (upstream's map). */
static bool json_plugins(FILE *f, struct ph_plugin *const *plugins, size_t n)
{
	struct ph_plugin **v = malloc(n * sizeof(*v));
	if (!v)
		return false;
	memcpy(v, plugins, n * sizeof(*v));
	qsort(v, n, sizeof(*v), by_name);
	fputs(",\"plugin_versions\":{", f);
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(ph_name(v[i]), ph_name(v[i - 1])) == 0)
			continue;
		json_kv(f, ph_name(v[i]), ph_version(v[i]), false);
		if (i + 1 < n)
			fputc(',', f);
	}
	fputc('}', f);
	free(v);
	return true;
}

char *web_versions_json(const char *falco_version, struct ph_plugin *const *plugins, size_t nplugins)
{
	static const unsigned engine[3] = RULES_ENGINE_VERSION;
	char semver[48], minor[16];
	snprintf(semver, sizeof(semver), "%u.%u.%u", engine[0], engine[1], engine[2]);
	snprintf(minor, sizeof(minor), "%u", engine[1]); /* kept by upstream for old tools */
	char *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&p, &len);
	if (!f)
		return NULL;
	/* keys in upstream's (sorted) order */
	fputc('{', f);
	json_kv(f, "default_driver_version", PH_EVENT_SCHEMA_VERSION, true);
	json_kv(f, "driver_api_version", PH_EVENT_SCHEMA_VERSION, true);
	json_kv(f, "driver_schema_version", PH_EVENT_SCHEMA_VERSION, true);
	json_kv(f, "engine_version", minor, true);
	json_kv(f, "engine_version_semver", semver, true);
	json_kv(f, "falco_version", falco_version, true);
	json_kv(f, "libs_version", falco_version, true);
	json_kv(f, "plugin_api_version", PLUGIN_API_VERSION_STR, false);
	bool ok = nplugins == 0 || json_plugins(f, plugins, nplugins);
	fputc('}', f);
	if (fclose(f) != 0 || !ok) {
		free(p);
		return NULL;
	}
	return p;
}

/* ---- requests ---- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, char *body,
                             enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, mode);
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	if (type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result serve_metrics(struct web *w, struct MHD_Connection *c)
{
	struct metrics *m = atomic_load_explicit(&w->metrics, memory_order_acquire);
	if (!m)
		return reply(c, MHD_HTTP_NOT_FOUND, NULL, "", MHD_RESPMEM_PERSISTENT);
	char *text = metrics_prometheus_now(m, WEB_METRICS_WAIT_MS);
	if (!text)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "", MHD_RESPMEM_PERSISTENT);
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4", text, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **state)
{
	static int seen; /* marks a request whose headers were seen */
	struct web *w = cls;
	(void)version;
	(void)upload;
	if (*state == NULL) { /* headers only: answer once any body was read */
		*state = &seen;
		return MHD_YES;
	}
	if (*upload_size) { /* a body: not used by any endpoint, skipped */
		*upload_size = 0;
		return MHD_YES;
	}
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	if (get && strcmp(url, w->healthz) == 0)
		return reply(c, MHD_HTTP_OK, "application/json", "{\"status\": \"ok\"}", MHD_RESPMEM_PERSISTENT);
	if (get && strcmp(url, "/versions") == 0)
		return reply(c, MHD_HTTP_OK, "application/json", w->versions, MHD_RESPMEM_PERSISTENT);
	if (get && w->metrics_wanted && strcmp(url, "/metrics") == 0)
		return serve_metrics(w, c);
	return reply(c, MHD_HTTP_NOT_FOUND, NULL, "", MHD_RESPMEM_PERSISTENT);
}

/* libmicrohttpd's messages: the first one while starting is kept for the
 * error; later ones go to falco's log at debug (client mistakes mostly). */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct web *w = cls;
	char msg[256];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	if (!atomic_load(&w->started)) {
		if (!w->start_err[0])
			snprintf(w->start_err, sizeof(w->start_err), "%s", msg);
		return;
	}
	log_msg(LOG_LVL_DEBUG, "webserver: %s", msg);
}

/* ---- start and stop ---- */

/* Binds and listens on addr:port (IPv4 or IPv6); the socket or -errno. */
static int listen_on(const char *addr, unsigned port, bool *v6)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		sl = sizeof(*in4);
		*v6 = false;
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*in6);
		*v6 = true;
	} else {
		return -EINVAL;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)); /* rebinding over TIME_WAIT */
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* The whole PEM file, NUL-terminated (malloc'd), or NULL with errno. */
static char *read_cert(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(CERT_MAX + 1);
	size_t n = buf ? fread(buf, 1, CERT_MAX + 1, f) : 0;
	int e = !buf ? ENOMEM : ferror(f) ? EIO : n > CERT_MAX ? EFBIG : n == 0 ? ENODATA : 0;
	fclose(f);
	if (e) {
		free(buf);
		errno = e;
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static void web_free(struct web *w)
{
	free(w->healthz);
	free(w->versions);
	free(w->cert);
	free(w);
}

static int start_daemon(struct web *w, const struct falco_config *c, int fd, bool v6, char *err, size_t errlen)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_AUTO;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (w->cert)
		flags |= MHD_USE_TLS;
	unsigned pool = c->webserver.threadiness > 1 ? c->webserver.threadiness : 0;
	struct MHD_OptionItem opts[] = {
		{MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, w},
		{MHD_OPTION_LISTEN_SOCKET, fd, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, CONN_TIMEOUT_S, NULL},
		{pool ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, pool, NULL},
		{w->cert ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, w->cert},
		{w->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, w->cert},
		{MHD_OPTION_END, 0, NULL},
	};
	/* MHD_OPTION_ARRAY ends at the first END: put the optional ones last,
	 * compacted */
	size_t k = 3;
	for (size_t i = 3; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (opts[i].option != MHD_OPTION_END)
			opts[k++] = opts[i];
	opts[k] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	w->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, w, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!w->d) { /* libmicrohttpd closed fd (it owns it once given) */
		if (w->cert)
			snprintf(err, errlen, "an error occurred while starting webserver: webserver.ssl_certificate %s: "
			         "not a usable PEM certificate and private key (%s)", c->webserver.ssl_certificate,
			         w->start_err[0] ? w->start_err : "TLS setup failed");
		else
			snprintf(err, errlen, "an error occurred while starting webserver: %s",
			         w->start_err[0] ? w->start_err : "libmicrohttpd refused to start");
		return -EINVAL;
	}
	atomic_store(&w->started, true);
	return 0;
}

/* Checks and prepares everything but the daemon. */
static int prepare(struct web *w, const struct web_opts *o, char *err, size_t errlen)
{
	const struct falco_config *c = o->cfg;
	w->healthz = strdup(c->webserver.k8s_healthz_endpoint ? c->webserver.k8s_healthz_endpoint : "/healthz");
	w->versions = web_versions_json(o->falco_version, o->plugins, o->nplugins);
	w->metrics_wanted = c->webserver.prometheus_metrics_enabled && c->metrics.enabled;
	if (!w->healthz || !w->versions) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (!c->webserver.ssl_enabled)
		return 0;
	if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		snprintf(err, errlen, "webserver.ssl_enabled: this libmicrohttpd has no TLS support");
		return -ENOTSUP;
	}
	const char *path = c->webserver.ssl_certificate ? c->webserver.ssl_certificate : "";
	if (!(w->cert = read_cert(path))) {
		int e = errno;
		snprintf(err, errlen, "webserver.ssl_certificate: cannot read %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

int web_start(const struct web_opts *o, struct web **out, char *err, size_t errlen)
{
	*out = NULL;
	const struct falco_config *c = o->cfg;
	if (!c->webserver.enabled)
		return 0;
	struct web *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = prepare(w, o, err, errlen);
	if (rc < 0) {
		web_free(w);
		return rc;
	}
	const char *addr = c->webserver.listen_address ? c->webserver.listen_address : "0.0.0.0";
	unsigned port = c->webserver.listen_port;
	log_msg(LOG_LVL_INFO, "Starting health webserver with threadiness %u, listening on %s:%u%s",
	        c->webserver.threadiness, addr, port, w->cert ? " (SSL)" : "");
	bool v6 = false;
	int fd = port > 65535 ? -EINVAL : listen_on(addr, port, &v6);
	if (fd < 0) {
		snprintf(err, errlen, "an error occurred while starting webserver: cannot listen on %s%s%s:%u: %s",
		         strchr(addr, ':') ? "[" : "", addr, strchr(addr, ':') ? "]" : "", port,
		         port > 65535 ? "not a valid port" : strerror(-fd));
		web_free(w);
		return fd;
	}
	if ((rc = start_daemon(w, c, fd, v6, err, errlen)) < 0) {
		web_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void web_enable_metrics(struct web *w, struct metrics *m)
{
	if (w && m && w->metrics_wanted)
		atomic_store_explicit(&w->metrics, m, memory_order_release);
}

void web_stop(struct web *w)
{
	if (!w)
		return;
	MHD_stop_daemon(w->d); /* joins its threads and closes the listening socket */
	web_free(w);
}
