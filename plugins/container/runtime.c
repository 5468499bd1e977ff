/*
 * HTTP/1.0 over unix sockets, just enough for container inspect calls.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "info.h"
#include "runtime.h"

#define MAX_ANSWER (8u << 20)

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `ev` on fd until the deadline. 0, or -ETIMEDOUT / -errno. */
static int wait_fd(int fd, short ev, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = fd, .events = ev};
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static int connect_unix(const char *sock, long long deadline, char *err, size_t errlen)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(sock) >= sizeof(a.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", sock);
		return -ENAMETOOLONG;
	}
	strcpy(a.sun_path, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return snprintf(err, errlen, "socket: %s", strerror(errno)), -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS && errno != EAGAIN) {
		int e = errno;
		snprintf(err, errlen, "%s: connect: %s", sock, strerror(e));
		close(fd);
		return -e;
	}
	int r = wait_fd(fd, POLLOUT, deadline);
	if (r < 0) {
		snprintf(err, errlen, "%s: connect: %s", sock, strerror(-r));
		close(fd);
		return r;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t n, long long deadline)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		int r = wait_fd(fd, POLLOUT, deadline);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Reads until EOF into a malloc'd buffer. */
static int recv_all(int fd, char **out, size_t *len, long long deadline)
{
	size_t cap = 16384, n = 0;
	char *b = malloc(cap + 1);
	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			char *nb = cap >= MAX_ANSWER ? NULL : realloc(b, cap * 2 + 1);
			if (!nb)
				return free(b), cap >= MAX_ANSWER ? -E2BIG : -ENOMEM;
			b = nb;
			cap *= 2;
		}
		ssize_t r = recv(fd, b + n, cap - n, 0);
		if (r > 0) {
			n += (size_t)r;
			continue;
		}
		if (r == 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			return free(b), -errno;
		int w = wait_fd(fd, POLLIN, deadline);
		if (w < 0)
			return free(b), w;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

/* Splits an answer into status and body (moved to the buffer's start). */
static int parse_answer(char *a, size_t n, char **body, size_t *len)
{
	int status;
	if (sscanf(a, "HTTP/1.%*d %d", &status) != 1)
		return -EPROTO;
	char *end = strstr(a, "\r\n\r\n");
	if (!end)
		return -EPROTO;
	end += 4;
	*len = n - (size_t)(end - a);
	memmove(a, end, *len + 1);
	*body = a;
	return status;
}

int ctr_http_get(const char *sock, const char *path, int timeout_ms, char **body, size_t *len, char *err,
                 size_t errlen)
{
	long long deadline = now_ms() + timeout_ms;
	int fd = connect_unix(sock, deadline, err, errlen);
	if (fd < 0)
		return fd;
	char req[1024];
	int qn = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\nAccept: application/json\r\n\r\n",
	                  path);
	char *a = NULL;
	size_t n = 0;
	int r = qn < (int)sizeof(req) ? send_all(fd, req, (size_t)qn, deadline) : -ENAMETOOLONG;
	if (r == 0)
		r = recv_all(fd, &a, &n, deadline);
	close(fd);
	if (r < 0) {
		snprintf(err, errlen, "%s: GET %s: %s", sock, path, strerror(-r));
		return r;
	}
	r = parse_answer(a, n, body, len);
	if (r < 0) {
		snprintf(err, errlen, "%s: GET %s: not an HTTP answer (%zu bytes)", sock, path, n);
		free(a);
	}
	return r;
}

int ctr_runtime_inspect(const char *sock, int type, const char *id, int timeout_ms, size_t label_max_len,
                        struct ctr_info *c, char *err, size_t errlen)
{
	char path[256];
	if (strspn(id, "0123456789abcdefABCDEF_-.") != strlen(id) || strlen(id) > CTR_ID_MAX) {
		snprintf(err, errlen, "bad container id '%.80s'", id);
		return -EINVAL;
	}
	if (type == CTR_T_PODMAN)
		snprintf(path, sizeof(path), "/v4.0.0/libpod/containers/%s/json", id);
	else
		snprintf(path, sizeof(path), "/containers/%s/json", id);
	char *body;
	size_t len;
	int status = ctr_http_get(sock, path, timeout_ms, &body, &len, err, errlen);
	if (status < 0)
		return status;
	int rc;
	if (status == 404) {
		snprintf(err, errlen, "%s: container %s not found", sock, id);
		rc = -ENOENT;
	} else if (status != 200) {
		snprintf(err, errlen, "%s: GET %s: HTTP status %d", sock, path, status);
		rc = -EIO;
	} else {
		rc = ctr_info_from_inspect(c, body, len, type, label_max_len, err, errlen);
		if (rc == 0 && type == CTR_T_PODMAN && !c->id[0])
			rc = -EINVAL;
	}
	free(body);
	return rc;
}
