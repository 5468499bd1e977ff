/*
 * Runtime event listeners (see events.h). Each listener owns one unix
 * socket connection at a time and waits with poll() on it and on the stop
 * pipe, so stopping never waits for a runtime.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctr.h"
#include "events.h"
#include "runtime.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 8000
#define LINE_MAX_BYTES (1u << 20) /* one event; longer lines are skipped */

/* Docker's compatible endpoint, served by docker and podman alike: only
 * container events (filters={"type":["container"]}, URL-encoded), from
 * `since` on (seconds.nanoseconds), so that events between the start of the
 * capture and a (re)connection are not missed. */
static const char request_fmt[] = "GET /events?since=%lld.%09lld&filters=%%7B%%22type%%22%%3A%%5B%%22container%%22"
                                  "%%5D%%7D HTTP/1.0\r\nHost: localhost\r\nAccept: application/json\r\n\r\n";

/* ---- async events ---- */

static void send_async(struct ctr_listener *l, const struct ctr_info *c, const char *name)
{
	struct ctr_plugin *p = l->p;
	ss_plugin_event *evt = ctr_async_event(c, name);
	char err[PLUGIN_MAX_ERRLEN] = "";
	/* the handler changes only while the listeners are stopped */
	ss_plugin_rc rc = evt && p->worker.handler ? p->worker.handler(p->worker.owner, evt, err) : SS_PLUGIN_FAILURE;
	if (rc != SS_PLUGIN_SUCCESS)
		ctr_log(p, SS_PLUGIN_LOG_SEV_WARNING, "%s: container %s: %s event refused: %s", l->sock, c->id, name,
		        evt ? err : "out of memory");
	free(evt);
}

static bool recently_removed(struct ctr_listener *l, const char *id, bool forget)
{
	unsigned n = l->nremoved < 8 ? l->nremoved : 8;
	for (unsigned i = 0; i < n; i++)
		if (strcmp(l->removed[i], id) == 0) {
			if (forget)
				l->removed[i][0] = '\0';
			return true;
		}
	return false;
}

/* create/start: the runtime's answer as a `container` event. */
static void prefetch(struct ctr_listener *l, const char *id)
{
	struct ctr_plugin *p = l->p;
	struct ctr_info c;
	char err[512];
	int rc = -EIO;
	for (int attempt = 0; attempt < 2 && rc < 0; attempt++) {
		memset(&c, 0, sizeof(c));
		rc = ctr_runtime_inspect(l->sock, l->type, id, p->timeout_ms, p->label_max_len, &c, err, sizeof(err));
	}
	if (rc < 0) {
		ctr_log(p, SS_PLUGIN_LOG_SEV_DEBUG, "container %.12s: %s", id, err);
		return;
	}
	c.type = l->type;
	send_async(l, &c, "container");
	ctr_info_clear(&c);
	p->events.prefetched++;
}

/* die/destroy/remove: upstream's `container_removed` with what the plugin
 * knows of the container. Containers it does not know (never seen, or
 * already removed, e.g. on their init's exit while no stream was followed
 * and replayed by `since` now) give no event. */
static void removed(struct ctr_listener *l, const char *full_id)
{
	struct ctr_plugin *p = l->p;
	if (recently_removed(l, full_id, false))
		return;
	snprintf(l->removed[l->nremoved++ % 8], sizeof(l->removed[0]), "%.64s", full_id);
	char id[13];
	snprintf(id, sizeof(id), "%.12s", full_id);
	char *json = NULL;
	pthread_mutex_lock(&p->lock);
	const struct ctr_info *k = ctr_map_get(&p->known, id);
	if (k)
		json = ctr_info_to_json(k);
	pthread_mutex_unlock(&p->lock);
	struct ctr_info c = {0};
	char err[256];
	if (json && ctr_info_from_json(&c, json, strlen(json), err, sizeof(err)) == 0) {
		send_async(l, &c, "container_removed");
		ctr_info_clear(&c);
		p->events.removals++;
	}
	free(json);
}

static void on_line(struct ctr_listener *l, const char *line, size_t len)
{
	char action[32], id[80], image[512];
	int64_t t = 0;
	if (len == 0 || line[0] != '{' ||
	    ctr_events_parse_line(line, len, action, sizeof(action), id, sizeof(id), image, sizeof(image), &t) < 0)
		return; /* blank, a chunk-size line, or not a container event */
	if (t > l->since_ns)
		l->since_ns = t; /* a reconnection asks from here on */
	l->p->events.seen++;
	unsigned hooks = l->p->hooks;
	if ((!strcmp(action, "create") && (hooks & CTR_HOOK_CREATE)) ||
	    (!strcmp(action, "start") && (hooks & CTR_HOOK_START))) {
		recently_removed(l, id, true);
		prefetch(l, id);
	} else if (!strcmp(action, "die") || !strcmp(action, "died") || !strcmp(action, "destroy") ||
	           !strcmp(action, "remove")) {
		removed(l, id);
	} else if (!strcmp(action, "start") || !strcmp(action, "create")) {
		recently_removed(l, id, true); /* a restarted container may die again */
	}
}

/* ---- the connection ---- */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `ev` on fd or for the stop pipe. 1: ready, 0: stop asked,
 * -ETIMEDOUT, or -errno. timeout_ms < 0: no deadline. */
static int wait_ev(struct ctr_listener *l, int fd, short ev, int timeout_ms)
{
	struct pollfd pf[2] = {{.fd = l->p->events.stop_pipe[0], .events = POLLIN}, {.fd = fd, .events = ev}};
	int r;
	do
		r = poll(pf, fd >= 0 ? 2 : 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (pf[0].revents)
		return 0;
	return r == 0 ? -ETIMEDOUT : 1;
}

/* Connects and sends the request; the fd, or -errno with err set. */
static int open_stream(struct ctr_listener *l, char *err, size_t errlen)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(l->sock) >= sizeof(a.sun_path))
		return snprintf(err, errlen, "socket path too long"), -ENAMETOOLONG;
	strcpy(a.sun_path, l->sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return snprintf(err, errlen, "socket: %s", strerror(errno)), -errno;
	int r = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 ? 1 : -errno;
	if (r == -EINPROGRESS || r == -EAGAIN)
		r = wait_ev(l, fd, POLLOUT, l->p->timeout_ms);
	/* a unix stream socket takes the short request whole once writable */
	if (r == 1) {
		char req[512];
		int n = snprintf(req, sizeof(req), request_fmt, (long long)(l->since_ns / 1000000000),
		                 (long long)(l->since_ns % 1000000000));
		ssize_t w = send(fd, req, (size_t)n, MSG_NOSIGNAL);
		r = w == n ? 1 : w < 0 ? -errno : -EIO;
	}
	if (r != 1) {
		snprintf(err, errlen, "connect: %s", r == 0 ? "stopping" : strerror(-r));
		close(fd);
		return r == 0 ? -ECANCELED : r;
	}
	return fd;
}

struct stream {
	char *buf; /* owned */
	size_t len, cap;
	bool header_done, skipping; /* skipping: the rest of an overlong line */
};

/* Consumes complete lines from the buffer. -EPROTO on a bad answer. */
static int consume(struct ctr_listener *l, struct stream *s, char *err, size_t errlen)
{
	size_t off = 0;
	if (!s->header_done) {
		char *end = memmem(s->buf, s->len, "\r\n\r\n", 4);
		if (!end)
			return s->len > 65536 ? (snprintf(err, errlen, "answer header over 64 KiB"), -EPROTO) : 0;
		int status = 0;
		if (sscanf(s->buf, "HTTP/1.%*d %d", &status) != 1 || status != 200) {
			snprintf(err, errlen, "GET /events: HTTP status %d", status);
			return -EPROTO;
		}
		s->header_done = true;
		off = (size_t)(end - s->buf) + 4;
	}
	for (;;) {
		char *nl = memchr(s->buf + off, '\n', s->len - off);
		if (!nl)
			break;
		size_t n = (size_t)(nl - (s->buf + off));
		if (!s->skipping)
			on_line(l, s->buf + off, n && s->buf[off + n - 1] == '\r' ? n - 1 : n);
		s->skipping = false;
		off += n + 1;
	}
	memmove(s->buf, s->buf + off, s->len - off);
	s->len -= off;
	if (s->len >= LINE_MAX_BYTES) {
		s->len = 0;
		s->skipping = true;
	}
	return 0;
}

/* Follows one connection until it ends (-errno with err) or stop (0). */
static int follow(struct ctr_listener *l, int fd, bool *got_header, char *err, size_t errlen)
{
	struct stream s = {.cap = 65536};
	if (!(s.buf = malloc(s.cap)))
		return -ENOMEM;
	int rc;
	for (;;) {
		rc = wait_ev(l, fd, POLLIN, -1);
		if (rc <= 0)
			break;
		if (s.cap - s.len < 4096) {
			char *nb = realloc(s.buf, s.cap * 2);
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			s.buf = nb;
			s.cap *= 2;
		}
		ssize_t r = recv(fd, s.buf + s.len, s.cap - s.len, 0);
		if (r == 0) {
			snprintf(err, errlen, "the runtime closed the event stream");
			rc = -ECONNRESET;
			break;
		}
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			rc = -errno;
			snprintf(err, errlen, "recv: %s", strerror(errno));
			break;
		}
		s.len += (size_t)r;
		if ((rc = consume(l, &s, err, errlen)) < 0)
			break;
		if (s.header_done && !*got_header) {
			ctr_log(l->p, SS_PLUGIN_LOG_SEV_INFO, "%s: following the runtime's container events", l->sock);
			(l->type == CTR_T_PODMAN ? &l->p->events.following_podman : &l->p->events.following_docker)[0]++;
		}
		*got_header = s.header_done;
	}
	free(s.buf);
	if (*got_header)
		(l->type == CTR_T_PODMAN ? &l->p->events.following_podman : &l->p->events.following_docker)[0]--;
	return rc;
}

bool ctr_events_following(struct ctr_plugin *p, int type)
{
	if (type == CTR_T_PODMAN)
		return p->events.following_podman > 0;
	return type == CTR_T_DOCKER && p->events.following_docker > 0;
}

static void *listener_main(void *arg)
{
	struct ctr_listener *l = arg;
	struct ctr_plugin *p = l->p;
	int backoff = BACKOFF_MIN_MS;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	l->since_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	int last_errno = 0;
	for (;;) {
		char err[256] = "";
		int fd = open_stream(l, err, sizeof(err));
		if (fd == -ECANCELED)
			break;
		int rc = fd;
		bool followed = false;
		if (fd >= 0) {
			long long t0 = now_ms();
			rc = follow(l, fd, &followed, err, sizeof(err));
			close(fd);
			if (rc == 0)
				break; /* stop asked */
			if (followed) {
				ctr_log(p, SS_PLUGIN_LOG_SEV_INFO, "%s: runtime event stream ended: %s", l->sock, err);
				if (now_ms() - t0 > BACKOFF_MAX_MS)
					backoff = BACKOFF_MIN_MS; /* it had been working */
			}
		}
		/* one message per new reason: an absent socket is the usual case */
		if (!followed && rc != last_errno)
			ctr_log(p, SS_PLUGIN_LOG_SEV_DEBUG, "%s: no event stream (%s); retrying", l->sock, err);
		last_errno = followed ? 0 : rc;
		if (wait_ev(l, -1, 0, backoff) == 0)
			break;
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	return NULL;
}

/* ---- start, stop ---- */

int ctr_events_start(struct ctr_plugin *p)
{
	struct ctr_events *e = &p->events;
	if (e->n)
		return 0;
	if (!p->ndocker && !p->npodman)
		return 0;
	if (pipe2(e->stop_pipe, O_CLOEXEC) < 0)
		return -errno;
	struct { char **socks; unsigned n; int type; } set[2] = {
		{p->podman_socks, p->npodman, CTR_T_PODMAN}, {p->docker_socks, p->ndocker, CTR_T_DOCKER}};
	for (int k = 0; k < 2; k++)
		for (unsigned i = 0; i < set[k].n && e->n < CTR_EVENTS_MAX; i++) {
			struct ctr_listener *l = &e->l[e->n];
			*l = (struct ctr_listener){.p = p, .sock = set[k].socks[i], .type = set[k].type};
			if (pthread_create(&l->thread, NULL, listener_main, l) != 0)
				goto fail;
			l->started = true;
			e->n++;
		}
	if (e->n)
		return 0;
	close(e->stop_pipe[0]);
	close(e->stop_pipe[1]);
	return 0;
fail:
	if (e->n) {
		ctr_events_stop(p);
	} else {
		close(e->stop_pipe[0]);
		close(e->stop_pipe[1]);
	}
	return -EAGAIN;
}

void ctr_events_stop(struct ctr_plugin *p)
{
	struct ctr_events *e = &p->events;
	if (!e->n)
		return;
	close(e->stop_pipe[1]); /* every poll on the read end wakes up */
	for (unsigned i = 0; i < e->n; i++)
		if (e->l[i].started)
			pthread_join(e->l[i].thread, NULL);
	close(e->stop_pipe[0]);
	e->n = 0;
}
