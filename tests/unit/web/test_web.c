/* core/web: what a unit can check without falco around it: the /versions
 * document (upstream's keys, versions from the headers that define them),
 * disabled servers, and that every start, stop and failure leaves no file
 * descriptor behind (libmicrohttpd owns the listening socket once given). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.h"
#include "plugin/plugin.h"
#include "rules/rules.h"
#include "web/web.h"

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d)) != NULL;)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void web_config(struct falco_config *c, const char *addr, unsigned port)
{
	memset(c, 0, sizeof(*c));
	c->webserver.enabled = true;
	c->webserver.threadiness = 2;
	c->webserver.listen_address = (char *)addr;
	c->webserver.listen_port = port;
	c->webserver.k8s_healthz_endpoint = "/healthz";
}

static int start(const struct falco_config *c, struct web **w, char *err, size_t len)
{
	struct web_opts o = {sizeof(o), c, "9.9.9", NULL, 0};
	return web_start(&o, w, err, len);
}

static void test_versions_without_plugins(void **state)
{
	(void)state;
	static const unsigned ev[3] = RULES_ENGINE_VERSION;
	char semver[32], minor[16];
	snprintf(semver, sizeof(semver), "%u.%u.%u", ev[0], ev[1], ev[2]);
	snprintf(minor, sizeof(minor), "%u", ev[1]);
	char *s = web_versions_json("1.2.3", NULL, 0);
	assert_non_null(s);
	cJSON *j = cJSON_Parse(s);
	assert_non_null(j);
	/* upstream's versions_info keys; plugin_versions only with plugins */
	const char *keys[][2] = {
		{"falco_version", "1.2.3"}, {"libs_version", "1.2.3"}, {"plugin_api_version", PLUGIN_API_VERSION_STR},
		{"driver_schema_version", PH_EVENT_SCHEMA_VERSION}, {"engine_version_semver", semver},
		{"engine_version", minor}, {"driver_api_version", NULL}, {"default_driver_version", NULL},
	};
	assert_int_equal(cJSON_GetArraySize(j), 8);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, keys[i][0]);
		assert_true(cJSON_IsString(v));
		if (keys[i][1])
			assert_string_equal(v->valuestring, keys[i][1]);
	}
	cJSON_Delete(j);
	free(s);
}

static void test_disabled(void **state)
{
	(void)state;
	struct falco_config c;
	web_config(&c, "127.0.0.1", 0);
	c.webserver.enabled = false;
	struct web *w = (struct web *)1;
	char err[256] = "";
	assert_int_equal(start(&c, &w, err, sizeof(err)), 0);
	assert_null(w);
	web_stop(NULL);
}

static void test_start_stop_leaves_nothing(void **state)
{
	(void)state;
	struct falco_config c;
	web_config(&c, "127.0.0.1", 0); /* port 0: any free one */
	int before = open_fds();
	for (int i = 0; i < 20; i++) {
		c.webserver.threadiness = 1 + (unsigned)(i % 3);
		struct web *w = NULL;
		char err[256] = "";
		assert_int_equal(start(&c, &w, err, sizeof(err)), 0);
		assert_non_null(w);
		web_stop(w);
	}
	assert_int_equal(open_fds(), before);
}

static void test_port_in_use(void **state)
{
	(void)state;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 1), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
	unsigned port = ntohs(a.sin_port);
	struct falco_config c;
	web_config(&c, "127.0.0.1", port);
	int before = open_fds();
	struct web *w = NULL;
	char err[256] = "", want[64];
	assert_int_equal(start(&c, &w, err, sizeof(err)), -EADDRINUSE);
	assert_null(w);
	snprintf(want, sizeof(want), "127.0.0.1:%u: Address already in use", port);
	assert_non_null(strstr(err, want));
	assert_int_equal(open_fds(), before);
	close(s);
}

static void test_certificate_errors(void **state)
{
	(void)state;
	char dir[] = "/tmp/web_test_XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	struct falco_config c;
	web_config(&c, "127.0.0.1", 0);
	c.webserver.ssl_enabled = true;
	int before = open_fds();
	/* missing */
	snprintf(path, sizeof(path), "%s/none.pem", dir);
	c.webserver.ssl_certificate = path;
	struct web *w = NULL;
	char err[512] = "";
	assert_int_equal(start(&c, &w, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	/* not a certificate: libmicrohttpd's GnuTLS refuses it */
	snprintf(path, sizeof(path), "%s/bad.pem", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", f);
	fclose(f);
	err[0] = '\0';
	assert_true(start(&c, &w, err, sizeof(err)) < 0);
	assert_null(w);
	assert_non_null(strstr(err, path));
	assert_int_equal(open_fds(), before);
	unlink(path);
	rmdir(dir);
}

static void test_ipv6_loopback(void **state)
{
	(void)state;
	int s = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (s >= 0)
			close(s);
		skip(); /* no IPv6 here */
	}
	close(s);
	struct falco_config c;
	web_config(&c, "::1", 0);
	struct web *w = NULL;
	char err[256] = "";
	assert_int_equal(start(&c, &w, err, sizeof(err)), 0);
	web_stop(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions_without_plugins),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_start_stop_leaves_nothing),
		cmocka_unit_test(test_port_in_use),
		cmocka_unit_test(test_certificate_errors),
		cmocka_unit_test(test_ipv6_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
