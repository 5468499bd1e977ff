/* The http sink: one POST per alert through libcurl, with upstream's
 * options (TLS verification switches, CA and client certificates, echo of
 * the answer, compressed answers, TCP keep-alive, retries after timeouts).
 * Unlike upstream, each request is bounded by output_timeout, so a server
 * that never answers costs one timeout per alert, not the output thread. */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output/output_int.h"

struct s_http {
	CURL *curl;
	struct curl_slist *headers;
	char *url;
	uint32_t max_timeouts;
	FILE *echo;
};

void osink_http_global(bool init)
{
	if (init)
		curl_global_init(CURL_GLOBAL_DEFAULT);
	else
		curl_global_cleanup();
}

static size_t discard_answer(void *p, size_t size, size_t n, void *user)
{
	(void)p, (void)user;
	return size * n;
}

static size_t echo_answer(void *p, size_t size, size_t n, void *user)
{
	FILE *f = user;
	size_t w = fwrite(p, size, n, f);
	fflush(f);
	return w * size;
}

static int http_write(void *impl, const char *msg, size_t len, enum out_priority p)
{
	struct s_http *s = impl;
	(void)p;
	CURLcode rc = curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, msg);
	uint32_t calls = 0;
	if (rc == CURLE_OK) {
		do {
			rc = curl_easy_perform(s->curl);
			calls++;
		} while (rc == CURLE_OPERATION_TIMEDOUT && calls <= s->max_timeouts);
	}
	if (rc != CURLE_OK)
		return rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -ECOMM;
	long code = 0;
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	return code >= 400 ? -EPROTO : 0;
}

static void http_close(void *impl)
{
	struct s_http *s = impl;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	curl_slist_free_all(s->headers);
	free(s->url);
	free(s);
}

/* A URL written in quotes in falco.yaml loses them, as upstream does. */
static char *unquote(const char *u)
{
	size_t n = strlen(u);
	if (n >= 2 && ((u[0] == '"' && u[n - 1] == '"') || (u[0] == '\'' && u[n - 1] == '\'')))
		return strndup(u + 1, n - 2);
	return strdup(u);
}

#define SET(opt, val)                                                                             \
	do {                                                                                      \
		CURLcode c_ = curl_easy_setopt(s->curl, opt, val);                                \
		if (c_ != CURLE_OK && c_ != CURLE_NOT_BUILT_IN && rc == CURLE_OK)                 \
			rc = c_;                                                                  \
	} while (0)

static CURLcode http_setup(struct s_http *s, const struct osink_env *env,
                           const struct out_http_config *c)
{
	CURLcode rc = CURLE_OK;
	s->headers = curl_slist_append(NULL, env->json ? "Content-Type: application/json"
	                                               : "Content-Type: text/plain");
	SET(CURLOPT_HTTPHEADER, s->headers);
	SET(CURLOPT_URL, s->url);
	SET(CURLOPT_USERAGENT, c->user_agent ? c->user_agent : "falcosecurity/falco");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT_MS, (long)env->timeout_ms);
	if (c->insecure) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->mtls) {
		SET(CURLOPT_SSLCERT, c->client_cert ? c->client_cert : "");
		SET(CURLOPT_SSLKEY, c->client_key ? c->client_key : "");
	}
	if (c->ca_cert && *c->ca_cert)
		SET(CURLOPT_CAINFO, c->ca_cert);
	else if (c->ca_bundle && *c->ca_bundle)
		SET(CURLOPT_CAINFO, c->ca_bundle);
	else
		SET(CURLOPT_CAPATH, c->ca_path ? c->ca_path : "/etc/ssl/certs");
	if (c->echo) {
		SET(CURLOPT_WRITEFUNCTION, echo_answer);
		SET(CURLOPT_WRITEDATA, env->out);
	} else {
		SET(CURLOPT_WRITEFUNCTION, discard_answer);
	}
	if (c->compress_uploads)
		SET(CURLOPT_TRANSFER_ENCODING, 1L);
	if (c->keep_alive)
		SET(CURLOPT_TCP_KEEPALIVE, 1L);
	return rc;
}

int osink_http(const struct osink_env *env, const struct out_http_config *c, struct osink *o,
               char *err, size_t errlen)
{
	if (!c->url || !*c->url) {
		snprintf(err, errlen, "http_output: no url given");
		return -EINVAL;
	}
	struct s_http *s = calloc(1, sizeof *s);
	if (!s || !(s->url = unquote(c->url))) {
		free(s);
		return -ENOMEM;
	}
	s->max_timeouts = c->max_consecutive_timeouts;
	if (!(s->curl = curl_easy_init())) {
		snprintf(err, errlen, "libcurl failed to initialize the handle");
		http_close(s);
		return -EIO;
	}
	CURLcode rc = http_setup(s, env, c);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "libcurl error: %s", curl_easy_strerror(rc));
		http_close(s);
		return -EINVAL;
	}
	*o = (struct osink){"http", s, http_write, NULL, NULL, http_close};
	return 0;
}
