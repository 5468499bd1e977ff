/*
 * Sinks, for real: a file, stdout (a stream), a syslog socket we bind, a
 * program reading its stdin, an HTTP server on loopback that checks what it
 * receives; the queue's bound and a sink that never reads.
 *
 * Expected bytes: one alert per line ("msg\n") as upstream's file, stdout
 * and program outputs write it (falco outputs_file.cpp, outputs_stdout.cpp,
 * outputs_program.cpp); syslog as syslog(3) sends it without openlog
 * ("<PRI>Mmm dd hh:mm:ss falco: msg", PRI = LOG_USER (8) + level, the level
 * being the priority: <syslog.h> LOG_CRIT = 2); http: a POST whose body is
 * the alert, with "Content-Type: application/json" for JSON alerts and the
 * configured user agent (falco outputs_http.cpp), "TE: gzip" with
 * compress_uploads (libcurl's CURLOPT_TRANSFER_ENCODING).
 * The messages are internal alerts, whose text form has its own test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "output/output.h"

static char tmpdir[256];

static void path_in_tmp(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("");
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static char *slurp_stream(FILE *f)
{
	fflush(f);
	rewind(f);
	char *buf = calloc(1, 1 << 16);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	return buf;
}

static struct out_config base_config(void)
{
	struct out_config c;
	out_config_defaults(&c);
	c.stdout_enabled = false;
	c.syslog_enabled = false;
	c.hostname = "h";
	c.output_timeout_ms = 1000;
	return c;
}

static void send_alert(struct out_mgr *m, const char *msg)
{
	assert_int_equal(out_mgr_internal(m, 0, OUT_PRI_CRITICAL, "R", msg, NULL, 0), 0);
}

/* "00:00:00.000000000: Critical <msg> ()" with TZ=UTC and ts 0 */
static void expect_line(char **p, const char *msg)
{
	char want[256];
	snprintf(want, sizeof want, "00:00:00.000000000: Critical %s ()\n", msg);
	if (strncmp(*p, want, strlen(want)))
		fail_msg("got '%.80s', want '%s'", *p, want);
	*p += strlen(want);
}

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* ---- file ---- */

static void run_file(bool keep_alive)
{
	char path[300], moved[300], err[256];
	path_in_tmp(path, sizeof path, keep_alive ? "events-ka.txt" : "events.txt");
	path_in_tmp(moved, sizeof moved, "rotated.txt");
	unlink(path);
	struct out_config c = base_config();
	c.file_enabled = true;
	c.file_keep_alive = keep_alive;
	c.file_filename = path;
	struct out_mgr *m = out_mgr_new(&c, err, sizeof err);
	assert_non_null(m);
	send_alert(m, "one");
	send_alert(m, "two");
	assert_int_equal(out_mgr_flush(m, 2000), 0);
	char *s = slurp(path), *p = s;
	expect_line(&p, "one");
	expect_line(&p, "two");
	assert_string_equal(p, "");
	free(s);
	/* log rotation: after a rename, reopen writes to a new file */
	assert_int_equal(rename(path, moved), 0);
	out_mgr_reopen(m);
	send_alert(m, "three");
	out_mgr_free(m);
	s = slurp(path), p = s;
	expect_line(&p, "three");
	assert_string_equal(p, "");
	free(s);
	unlink(path);
	unlink(moved);
}

static void test_file(void **st)
{
	(void)st;
	run_file(false);
	run_file(true);
}

static void test_file_error(void **st)
{
	(void)st;
	char err[256] = "";
	struct out_config c = base_config();
	c.file_enabled = true;
	c.file_filename = "/nonexistent-dir/x/events.txt";
	assert_null(out_mgr_new(&c, err, sizeof err));
	assert_non_null(strstr(err, "/nonexistent-dir/x/events.txt"));
}

/* buffered_outputs: with it, a file sink keeps alerts in its stdio buffer
 * until flushed; without it (the default, or -U) each alert is in the file
 * as soon as the output thread has written it. */
static void wait_written(struct out_mgr *m, uint64_t n)
{
	struct out_stats s;
	for (int i = 0; i < 500; i++) {
		out_mgr_stats(m, &s);
		if (s.written >= n)
			return;
		usleep(2000);
	}
	fail_msg("alerts not written");
}

static void test_buffered(void **st)
{
	(void)st;
	char path[300], err[256];
	path_in_tmp(path, sizeof path, "buffered.txt");
	for (int buffered = 0; buffered < 2; buffered++) {
		unlink(path);
		struct out_config c = base_config();
		c.file_enabled = true;
		c.file_keep_alive = true;
		c.file_filename = path;
		c.buffered_outputs = buffered;
		struct out_mgr *m = out_mgr_new(&c, err, sizeof err);
		assert_non_null(m);
		send_alert(m, "b1");
		wait_written(m, 1);
		char *s = slurp(path);
		if (buffered)
			assert_string_equal(s, "");
		else
			assert_string_equal(s, "00:00:00.000000000: Critical b1 ()\n");
		free(s);
		assert_int_equal(out_mgr_flush(m, 2000), 0);
		s = slurp(path);
		assert_string_equal(s, "00:00:00.000000000: Critical b1 ()\n");
		free(s);
		out_mgr_free(m);
	}
	unlink(path);
}

/* ---- stdout ---- */

static void test_stdout(void **st)
{
	(void)st;
	char err[256];
	FILE *f = tmpfile();
	struct out_config c = base_config();
	c.stdout_enabled = true;
	c.stdout_stream = f;
	struct out_mgr *m = out_mgr_new(&c, err, sizeof err);
	assert_non_null(m);
	send_alert(m, "hello");
	out_mgr_free(m);
	char *s = slurp_stream(f), *p = s;
	expect_line(&p, "hello");
	assert_string_equal(p, "");
	free(s);
	fclose(f);
}

/* ---- syslog ---- */

static void test_syslog(void **st)
{
	(void)st;
	char path[300], err[256], buf[512];
	path_in_tmp(path, sizeof path, "log.sock");
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	struct out_config c = base_config();
	c.syslog_enabled = true;
	c.syslog_path = path;
	struct out_mgr *m = out_mgr_new(&c, err, sizeof err);
	assert_non_null(m);
	send_alert(m, "to syslog");
	assert_int_equal(out_mgr_internal(m, 0, OUT_PRI_DEBUG, "R", "dbg", NULL, 0), 0);
	out_mgr_free(m);
	ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	/* "<10>Oct  9 23:31:56 falco: ..." : PRI, a 15-char timestamp, the tag */
	assert_memory_equal(buf, "<10>", 4);
	assert_int_equal(buf[4 + 15], ' ');
	assert_string_equal(buf + 4 + 16, "falco: 00:00:00.000000000: Critical to syslog ()");
	n = recv(fd, buf, sizeof buf - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_memory_equal(buf, "<15>", 4); /* LOG_USER + LOG_DEBUG (7) */
	close(fd);
	unlink(path);
}

/* A stream log socket (what syslog(3) falls back to): each message ends
 * with a NUL, as glibc sends it. */
static void test_syslog_stream(void **st)
{
	(void)st;
	char path[300], err[256], buf[512];
	path_in_tmp(path, sizeof path, "log-stream.sock");
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 1), 0);
	struct out_config c = base_config();
	c.syslog_enabled = true;
	c.syslog_path = path;
	struct out_mgr *m = out_mgr_new(&c, err, sizeof err);
	assert_non_null(m);
	assert_int_equal(out_mgr_internal(m, 0, OUT_PRI_WARNING, "R", "w", NULL, 0), 0);
	int cfd = accept(fd, NULL, NULL);
	assert_true(cfd >= 0);
	assert_int_equal(out_mgr_flush(m, 2000), 0);
	out_mgr_free(m);
	size_t have = 0;
	ssize_t n;
	while ((n = recv(cfd, buf + have, sizeof buf - have, 0)) > 0)
		have += (size_t)n;
	assert_memory_equal(buf, "<12>", 4); /* LOG_USER + LOG_WARNING (4) */
	const char *tail = "falco: 00:00:00.000000000: Warning w ()";
	assert_true(have == 4 + 16 + strlen(tail) + 1);
	assert_memory_equal(buf + 20, tail, strlen(tail) + 1);
	close(cfd);
	close(fd);
	unlink(path);
}

/* ---- program ---- */

static void run_program(bool keep_alive)
{
	char out[300], cmd[400], err[256];
	path_in_tmp(out, sizeof out, "prog.txt");
	unlink(out);
	snprintf(cmd, sizeof cmd, "cat >> '%s'", out);
	struct out_config c = base_config();
	c.program_enabled = true;
	c.program_keep_alive = keep_alive;
	c.program = cmd;
	struct out_mgr *m = out_mgr_new(&c, err, sizeof err);
	assert_non_null(m);
	send_alert(m, "p1");
	send_alert(m, "p2");
	send_alert(m, "p3");
	out_mgr_free(m); /* closes its stdin and waits for it */
	char *s = slurp(out), *p = s;
	expect_line(&p, "p1");
	expect_line(&p, "p2");
	expect_line(&p, "p3");
	assert_string_equal(p, "");
	free(s);
	unlink(out);
}

static void test_program(void **st)
{
	(void)st;
	run_program(true);
	run_program(false);
}

/* A program that never reads: event threads must not wait, the queue
 * bound drops and counts, the watchdog reports, shutdown is bounded. */
static void test_blocked_program(void **st)
{
	(void)st;
	char err[256];
	FILE *log = tmpfile();
	struct out_config c = base_config();
	c.program_enabled = true;
	c.program_keep_alive = true;
	c.program = "sleep 3";
	c.output_timeout_ms = 200;
	c.queue_capacity = 4;
	c.log_stream = log;
	struct out_mgr *m = out_mgr_new(&c, err, sizeof err);
	assert_non_null(m);
	char big[4096];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	uint64_t t0 = now_ms();
	int dropped = 0;
	for (int i = 0; i < 200; i++) {
		int rc = out_mgr_internal(m, 0, OUT_PRI_CRITICAL, "R", big, NULL, 0);
		assert_true(rc == 0 || rc == -EAGAIN);
		dropped += rc == -EAGAIN;
	}
	uint64_t spent = now_ms() - t0;
	/* a sink write takes 200 ms once the pipe is full: waiting on it even
	 * once per 20 alerts would cost seconds */
	assert_true(spent < 1000);
	assert_true(dropped > 0);
	/* 64 KiB of pipe fill up after ~16 alerts; then each write waits 200 ms
	 * and fails: wait for the first failure (bounded: a loaded machine
	 * may take longer than the nominal 1 s to get there) */
	struct out_stats s;
	for (int i = 0; i < 100; i++) {
		usleep(100 * 1000);
		out_mgr_stats(m, &s);
		if (s.sink_errors >= 1 && i >= 11)
			break;
	}
	assert_int_equal(s.dropped, (uint64_t)dropped);
	assert_true(s.sink_errors >= 1);
	t0 = now_ms();
	out_mgr_free(m);
	assert_true(now_ms() - t0 < 3000);
	char *txt = slurp_stream(log);
	assert_non_null(strstr(txt, "Outputs queue out of memory. Drop event and continue on ..."));
	assert_non_null(strstr(txt, "program output: Connection timed out"));
	char want[64];
	snprintf(want, sizeof want, "Outputs queue full: %d alerts dropped", dropped);
	assert_non_null(strstr(txt, want));
	free(txt);
	fclose(log);
}

/* A sink blocked past output_timeout is reported by the watchdog. */
static void test_watchdog(void **st)
{
	(void)st;
	char err[256];
	FILE *log = tmpfile();
	struct out_config c = base_config();
	c.http.enabled = true;
	c.output_timeout_ms = 100;
	c.http.max_consecutive_timeouts = 3; /* 4 tries of 100 ms: blocked 400 ms */
	c.log_stream = log;
	/* a listener that never accepts: the connection sits in the backlog */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 4), 0);
	socklen_t al = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &al);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));
	c.http.url = url;
	struct out_mgr *m = out_mgr_new(&c, err, sizeof err);
	assert_non_null(m);
	send_alert(m, "lost");
	assert_int_equal(out_mgr_flush(m, 3000), 0);
	struct out_stats s;
	out_mgr_stats(m, &s);
	assert_true(s.timeouts >= 1);
	assert_int_equal(s.sink_errors, 1);
	out_mgr_free(m);
	char *txt = slurp_stream(log);
	assert_non_null(strstr(txt, "\"http\" output timeout, all output channels are blocked"));
	free(txt);
	fclose(log);
	close(fd);
}

/* ---- http ---- */

struct req {
	char head[4096];
	char body[8192];
};

struct server {
	int lfd;
	int port;
	int want;            /* requests to serve */
	struct req reqs[8];
	int nreq;
	int nconn;           /* connections accepted */
};

static ssize_t read_until(int fd, char *buf, size_t cap, const char *end, size_t *have)
{
	while (!strstr(buf, end)) {
		if (*have + 1 >= cap)
			return -1;
		ssize_t n = recv(fd, buf + *have, cap - 1 - *have, 0);
		if (n <= 0)
			return -1;
		*have += (size_t)n;
		buf[*have] = '\0';
	}
	return 0;
}

/* Serves POSTs (several per connection, as keep-alive clients send them),
 * records head and body, answers 200 with body "ok". */
static void *serve(void *arg)
{
	struct server *sv = arg;
	while (sv->nreq < sv->want) {
		int fd = accept(sv->lfd, NULL, NULL);
		if (fd < 0)
			break;
		sv->nconn++;
		char buf[16384];
		size_t have = 0;
		buf[0] = '\0';
		while (sv->nreq < sv->want) {
			if (read_until(fd, buf, sizeof buf, "\r\n\r\n", &have))
				break;
			struct req *r = &sv->reqs[sv->nreq];
			char *eoh = strstr(buf, "\r\n\r\n") + 4;
			size_t hl = (size_t)(eoh - buf);
			memcpy(r->head, buf, hl < sizeof r->head ? hl : sizeof r->head - 1);
			const char *cl = strcasestr(r->head, "\r\nContent-Length:");
			size_t len = cl ? strtoul(cl + 17, NULL, 10) : 0;
			while (have - hl < len) {
				ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
				if (n <= 0)
					break;
				have += (size_t)n;
			}
			memcpy(r->body, eoh, len < sizeof r->body ? len : sizeof r->body - 1);
			sv->nreq++;
			const char *ans = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
			send(fd, ans, strlen(ans), MSG_NOSIGNAL);
			memmove(buf, buf + hl + len, have - hl - len);
			have -= hl + len;
			buf[have] = '\0';
		}
		close(fd);
	}
	return NULL;
}

static void server_start(struct server *sv, pthread_t *t, int want)
{
	memset(sv, 0, sizeof *sv);
	sv->want = want;
	sv->lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(sv->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(sv->lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(sv->lfd, 8), 0);
	socklen_t al = sizeof a;
	getsockname(sv->lfd, (struct sockaddr *)&a, &al);
	sv->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(t, NULL, serve, sv), 0);
}

static void test_http(void **st)
{
	(void)st;
	char err[256], url[80];
	struct server sv;
	pthread_t t;
	server_start(&sv, &t, 2);
	FILE *echo = tmpfile();
	struct out_config c = base_config();
	c.json_output = true;
	c.http.enabled = true;
	c.http.echo = true;
	c.http.compress_uploads = true;
	c.http.keep_alive = true;
	c.http.user_agent = "falco-test/1";
	c.stdout_stream = echo;
	snprintf(url, sizeof url, "\"http://127.0.0.1:%d/alerts\"", sv.port); /* quotes dropped */
	c.http.url = url;
	struct out_mgr *m = out_mgr_new(&c, err, sizeof err);
	if (!m)
		fail_msg("%s", err);
	send_alert(m, "first");
	send_alert(m, "second");
	assert_int_equal(out_mgr_flush(m, 3000), 0);
	pthread_join(t, NULL);
	out_mgr_free(m);
	assert_int_equal(sv.nreq, 2);
	assert_int_equal(sv.nconn, 1); /* the second POST reused the connection */
	const char *want = "{\"hostname\":\"h\",\"output\":\"first\",\"output_fields\":{},"
	                   "\"priority\":\"Critical\",\"rule\":\"R\",\"source\":\"internal\","
	                   "\"time\":\"1970-01-01T00:00:00.000000000Z\"}";
	assert_string_equal(sv.reqs[0].body, want);
	assert_memory_equal(sv.reqs[0].head, "POST /alerts HTTP/1.1\r\n", 23);
	assert_non_null(strcasestr(sv.reqs[0].head, "\r\nContent-Type: application/json\r\n"));
	assert_non_null(strcasestr(sv.reqs[0].head, "\r\nUser-Agent: falco-test/1\r\n"));
	assert_non_null(strcasestr(sv.reqs[0].head, "\r\nTE: gzip"));
	assert_non_null(strstr(sv.reqs[1].body, "\"output\":\"second\""));
	char *e = slurp_stream(echo);
	assert_string_equal(e, "okok"); /* echo: the answers went to stdout */
	free(e);
	fclose(echo);
	close(sv.lfd);
}

static void test_http_text(void **st)
{
	(void)st;
	char err[256], url[80];
	struct server sv;
	pthread_t t;
	server_start(&sv, &t, 1);
	FILE *echo = tmpfile();
	struct out_config c = base_config();
	c.http.enabled = true;
	c.stdout_stream = echo;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", sv.port);
	c.http.url = url;
	struct out_mgr *m = out_mgr_new(&c, err, sizeof err);
	assert_non_null(m);
	send_alert(m, "plain");
	pthread_join(t, NULL);
	out_mgr_free(m);
	assert_string_equal(sv.reqs[0].body, "00:00:00.000000000: Critical plain ()");
	assert_non_null(strcasestr(sv.reqs[0].head, "\r\nContent-Type: text/plain\r\n"));
	assert_non_null(strcasestr(sv.reqs[0].head, "\r\nUser-Agent: falcosecurity/falco\r\n"));
	assert_null(strcasestr(sv.reqs[0].head, "\r\nTE:"));
	char *e = slurp_stream(echo);
	assert_string_equal(e, ""); /* no echo by default */
	free(e);
	fclose(echo);
	close(sv.lfd);
}

/* Every TLS option is accepted at setup; a request that fails (nothing
 * listens) is counted as a sink error, and the alert is still finished. */
static void test_http_failure(void **st)
{
	(void)st;
	char err[256], url[80];
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t al = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &al);
	close(fd); /* nothing listens there now: connection refused */
	struct out_config c = base_config();
	c.http.enabled = true;
	c.http.insecure = true;
	c.http.mtls = true;
	c.http.client_cert = "/nonexistent.crt";
	c.http.client_key = "/nonexistent.key";
	c.http.ca_cert = "/nonexistent-ca.crt";
	c.log_stream = tmpfile();
	snprintf(url, sizeof url, "https://127.0.0.1:%d/", ntohs(a.sin_port));
	c.http.url = url;
	struct out_mgr *m = out_mgr_new(&c, err, sizeof err);
	assert_non_null(m);
	send_alert(m, "x");
	assert_int_equal(out_mgr_flush(m, 3000), 0);
	struct out_stats s;
	out_mgr_stats(m, &s);
	assert_int_equal(s.sink_errors, 1);
	assert_int_equal(s.written, 1);
	out_mgr_free(m);
	fclose(c.log_stream);
}


/* ---- https through a real TLS server (openssl s_server) ----
 * s_server prints what the client sends once the handshake is done, and
 * never answers HTTP (the request then times out, which is fine here): the
 * body showing up in its output proves the TLS options led to a handshake
 * that succeeded; its absence, that verification refused it. */

static bool wait_for(const char *path, const char *needle, int ms)
{
	for (int i = 0; i < ms / 20; i++) {
		char *s = slurp(path);
		bool found = strstr(s, needle) != NULL;
		free(s);
		if (found)
			return true;
		usleep(20000);
	}
	return false;
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(fd, (struct sockaddr *)&a, sizeof a);
	socklen_t al = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &al);
	close(fd);
	return ntohs(a.sin_port);
}

static char crt[300], key[300];

/* Runs one https alert against a fresh s_server; returns whether the body
 * reached it. `client_auth`: the server demands a client certificate. */
static bool tls_run(struct out_http_config h, bool client_auth)
{
	char out[300], cmd[2048], url[80], err[256];
	path_in_tmp(out, sizeof out, "s_server.out");
	unlink(out);
	int port = free_port();
	snprintf(cmd, sizeof cmd,
	         "sleep 4 | timeout 6 openssl s_server -accept 127.0.0.1:%d -cert '%s' -key '%s' "
	         "-naccept 1 %s%s%s > '%s' 2>&1 &",
	         port, crt, key, client_auth ? "-Verify 1 -CAfile '" : "", client_auth ? crt : "",
	         client_auth ? "'" : "", out);
	assert_int_equal(system(cmd), 0);
	assert_true(wait_for(out, "ACCEPT", 5000));
	snprintf(url, sizeof url, "https://127.0.0.1:%d/tls", port);
	struct out_config c = base_config();
	c.json_output = true;
	c.output_timeout_ms = 500;
	c.log_stream = tmpfile();
	h.enabled = true;
	h.url = url;
	h.max_consecutive_timeouts = 0;
	c.http = h;
	struct out_mgr *m = out_mgr_new(&c, err, sizeof err);
	assert_non_null(m);
	send_alert(m, "over-tls");
	assert_int_equal(out_mgr_flush(m, 5000), 0);
	out_mgr_free(m);
	fclose(c.log_stream);
	wait_for(out, "DONE", 1000);
	char *s = slurp(out);
	bool got = strstr(s, "POST /tls HTTP/1.1") && strstr(s, "\"output\":\"over-tls\"");
	free(s);
	unlink(out);
	return got;
}

static void test_https(void **st)
{
	(void)st;
	if (system("command -v openssl > /dev/null 2>&1") != 0)
		skip();
	char cmd[1024];
	path_in_tmp(crt, sizeof crt, "tls.crt");
	path_in_tmp(key, sizeof key, "tls.key");
	snprintf(cmd, sizeof cmd,
	         "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 "
	         "-addext subjectAltName=IP:127.0.0.1 -days 1 -keyout '%s' -out '%s' > /dev/null 2>&1",
	         key, crt);
	assert_int_equal(system(cmd), 0);
	struct out_http_config h = {.ca_path = "/etc/ssl/certs"};
	/* the self-signed server is refused with the system CAs ... */
	assert_false(tls_run(h, false));
	/* ... accepted with it as ca_cert, or as ca_bundle ... */
	h.ca_cert = crt;
	assert_true(tls_run(h, false));
	h.ca_cert = NULL;
	h.ca_bundle = crt;
	assert_true(tls_run(h, false));
	/* ... or without verification (insecure) */
	h.ca_bundle = NULL;
	h.insecure = true;
	assert_true(tls_run(h, false));
	/* mutual TLS: a server demanding a client certificate refuses us
	 * without mtls and accepts us with client_cert/client_key */
	h.insecure = false;
	h.ca_cert = crt;
	assert_false(tls_run(h, true));
	h.mtls = true;
	h.client_cert = crt;
	h.client_key = key;
	assert_true(tls_run(h, true));
	unlink(crt);
	unlink(key);
}

static int setup(void **st)
{
	(void)st;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/falco-out-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **st)
{
	(void)st;
	rmdir(tmpdir);
	return 0;
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_error),
		cmocka_unit_test(test_buffered),
		cmocka_unit_test(test_stdout),
		cmocka_unit_test(test_syslog_stream),
		cmocka_unit_test(test_syslog),
		cmocka_unit_test(test_program),
		cmocka_unit_test(test_blocked_program),
		cmocka_unit_test(test_watchdog),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_http_text),
		cmocka_unit_test(test_http_failure),
		cmocka_unit_test(test_https),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
