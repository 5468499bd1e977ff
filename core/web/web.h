/*
 * core/web: falco's embedded web server (falco.yaml `webserver:`), as
 * upstream Falco defines it, on libmicrohttpd:
 *   GET <webserver.k8s_healthz_endpoint> (default /healthz)
 *       200 application/json {"status": "ok"}
 *   GET /versions
 *       200 application/json: the versions of falco's components, upstream's
 *       keys (falco_version, libs_version, plugin_api_version,
 *       driver_api_version, driver_schema_version, default_driver_version,
 *       engine_version, engine_version_semver, plugin_versions {name:
 *       version} when plugins are loaded), keys sorted, on one line
 *   GET /metrics, once web_enable_metrics() was called, when both
 *       webserver.prometheus_metrics_enabled and metrics.enabled
 *       200 text/plain; version=0.0.4: core/metrics' Prometheus text of
 *       fresh snapshots, each taken on its source's thread
 *   anything else: 404 (HEAD is answered like GET, without the body).
 * webserver.ssl_enabled serves HTTPS (GnuTLS) with webserver.ssl_certificate,
 * one PEM file holding both the certificate and its private key.
 * webserver.threadiness is the number of threads answering requests.
 *
 * Threads: web_start, web_enable_metrics and web_stop from the controlling
 * thread; requests are answered on the server's own threads.
 */
#ifndef FALCO_CORE_WEB_H
#define FALCO_CORE_WEB_H

#include <stddef.h>

struct falco_config;
struct metrics;
struct ph_plugin;

/* How long a /metrics request waits for the sources' snapshots. */
#define WEB_METRICS_WAIT_MS 2000u

struct web_opts {
	size_t sz;                          /* sizeof(struct web_opts) */
	const struct falco_config *cfg;     /* webserver.*, metrics.enabled; read during web_start */
	const char *falco_version;          /* /versions' falco_version and libs_version */
	struct ph_plugin *const *plugins;   /* /versions' plugin_versions; read during web_start */
	size_t nplugins;
};

struct web; /* opaque */

/* Starts the server when webserver.enabled (*out NULL and 0 otherwise):
 * binds webserver.listen_address:listen_port, loads the certificate when
 * ssl_enabled, logs upstream's "Starting health webserver ..." line at info
 * and returns once it accepts connections. On failure returns a negative
 * errno with a message naming the cause in err (the address and port when
 * they cannot be bound, the certificate file when it cannot be read or
 * used). */
int web_start(const struct web_opts *o, struct web **out, char *err, size_t errlen);

/* Serves /metrics from now on (the event sources are registered with m),
 * when webserver.prometheus_metrics_enabled and metrics.enabled; m is
 * borrowed until web_stop. No-op when w or m is NULL. */
void web_enable_metrics(struct web *w, struct metrics *m);

/* Stops the server (waits for requests in progress), closes its socket
 * and frees it. NULL is a no-op. */
void web_stop(struct web *w);

/* The /versions document (malloc'd, caller frees; NULL on ENOMEM). */
char *web_versions_json(const char *falco_version, struct ph_plugin *const *plugins, size_t nplugins);

#endif
