/* The local sinks: stdout, file, syslog, program. Each writes one alert per
 * line; the program sink never waits longer than output_timeout for its
 * reader, and syslog never longer than that for the log socket. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "output/output_int.h"

extern char **environ;

/* ---- stdout ---- */

struct s_stdout {
	FILE *f;
	bool buffered;
};

static int stdout_write(void *impl, const char *msg, size_t len, enum out_priority p)
{
	struct s_stdout *s = impl;
	(void)p;
	fwrite(msg, 1, len, s->f);
	fputc('\n', s->f);
	if (!s->buffered)
		fflush(s->f);
	return ferror(s->f) ? (clearerr(s->f), -EIO) : 0;
}

static void stdout_flush(void *impl)
{
	fflush(((struct s_stdout *)impl)->f);
}

static void stdout_close(void *impl)
{
	stdout_flush(impl);
	free(impl);
}

int osink_stdout(const struct osink_env *env, struct osink *o)
{
	struct s_stdout *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->f = env->out;
	s->buffered = env->buffered;
	*o = (struct osink){"stdout", s, stdout_write, NULL, stdout_flush, stdout_close};
	return 0;
}

/* ---- file ---- */

struct s_file {
	char *path;
	FILE *f;
	bool keep_alive, buffered;
};

static int file_open(struct s_file *s)
{
	if (s->f)
		return 0;
	s->f = fopen(s->path, "ae");
	if (!s->f)
		return -errno;
	if (!s->buffered)
		setvbuf(s->f, NULL, _IONBF, 0);
	return 0;
}

static void file_shut(struct s_file *s)
{
	if (s->f)
		fclose(s->f);
	s->f = NULL;
}

static int file_write(void *impl, const char *msg, size_t len, enum out_priority p)
{
	struct s_file *s = impl;
	(void)p;
	int rc = file_open(s);
	if (rc)
		return rc;
	fwrite(msg, 1, len, s->f);
	fputc('\n', s->f);
	rc = ferror(s->f) ? -EIO : 0;
	if (!s->keep_alive)
		file_shut(s);
	return rc;
}

static void file_reopen(void *impl)
{
	struct s_file *s = impl;
	file_shut(s);
	file_open(s);
}

static void file_flush(void *impl)
{
	struct s_file *s = impl;
	if (s->f)
		fflush(s->f);
}

static void file_close(void *impl)
{
	struct s_file *s = impl;
	file_shut(s);
	free(s->path);
	free(s);
}

int osink_file(const struct osink_env *env, const char *path, bool keep_alive, struct osink *o,
               char *err, size_t errlen)
{
	struct s_file *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return -ENOMEM;
	}
	s->keep_alive = keep_alive;
	s->buffered = env->buffered;
	int rc = file_open(s);
	if (rc) {
		snprintf(err, errlen, "failed to open output file %s: %s", path, strerror(-rc));
		file_close(s);
		return rc;
	}
	if (!keep_alive)
		file_shut(s);
	*o = (struct osink){"file", s, file_write, file_reopen, file_flush, file_close};
	return 0;
}

/* ---- syslog ----
 * What syslog(3) sends when Falco calls it without openlog: facility
 * LOG_USER, the priority as level, tag "falco", no pid:
 * "<PRI>Mmm dd hh:mm:ss falco: message". Written by hand so the socket path
 * can be chosen (tests) and a full log socket cannot block us for ever. */

struct s_syslog {
	char *path;
	int fd;
	uint32_t timeout_ms;
	bool stream;
};

static void syslog_disconnect(struct s_syslog *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int syslog_connect(struct s_syslog *s)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(s->path) >= sizeof a.sun_path)
		return -ENAMETOOLONG;
	strcpy(a.sun_path, s->path);
	for (int pass = 0; pass < 2; pass++) {
		int type = pass ? SOCK_STREAM : SOCK_DGRAM;
		int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		struct timeval tv = {s->timeout_ms / 1000, (long)(s->timeout_ms % 1000) * 1000};
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
			s->fd = fd;
			s->stream = pass == 1;
			return 0;
		}
		int e = errno;
		close(fd);
		if (e != EPROTOTYPE)
			return -e;
	}
	return -EPROTOTYPE;
}

static int syslog_write(void *impl, const char *msg, size_t len, enum out_priority p)
{
	struct s_syslog *s = impl;
	struct obuf b = {0};
	time_t now = time(NULL);
	struct tm tm;
	char ts[32];
	localtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%h %e %T", &tm);
	ob_printf(&b, "<%d>%s falco: ", (1 << 3) | (int)p, ts); /* LOG_USER is 1 << 3 */
	ob_add(&b, msg, len);
	if (b.failed)
		return -ENOMEM;
	int rc = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (s->fd < 0 && syslog_connect(s) < 0)
			break; /* no syslog daemon: dropped quietly, as syslog(3) does */
		ssize_t n = send(s->fd, b.p, b.len + (s->stream ? 1 : 0), MSG_NOSIGNAL);
		if (n >= 0)
			break;
		rc = -errno;
		syslog_disconnect(s);
		if (rc == -EAGAIN)
			break; /* the timeout passed: the socket is full */
	}
	free(b.p);
	return rc == -ECONNREFUSED || rc == -ENOTCONN ? 0 : rc;
}

static void syslog_close(void *impl)
{
	struct s_syslog *s = impl;
	syslog_disconnect(s);
	free(s->path);
	free(s);
}

int osink_syslog(const struct osink_env *env, const char *path, struct osink *o)
{
	struct s_syslog *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path ? path : "/dev/log"))) {
		free(s);
		return -ENOMEM;
	}
	s->fd = -1;
	s->timeout_ms = env->timeout_ms;
	*o = (struct osink){"syslog", s, syslog_write, NULL, NULL, syslog_close};
	return 0;
}

/* ---- program ----
 * `/bin/sh -c PROGRAM` with the alerts on its stdin, as upstream's popen.
 * Without keep_alive it runs once per alert. The pipe is non-blocking:
 * a reader that does not keep up for output_timeout loses that alert and
 * its pipe is closed (it gets EOF; a new one is started for the next). */

#define PROG_PENDING 64

struct s_prog {
	char *cmd;
	bool keep_alive;
	int fd;
	pid_t pid;
	uint32_t timeout_ms;
	pid_t pending[PROG_PENDING]; /* exited or exiting children not reaped yet */
	uint32_t npending;
};

static void prog_reap_pending(struct s_prog *s)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->npending; i++)
		if (waitpid(s->pending[i], NULL, WNOHANG) == 0)
			s->pending[n++] = s->pending[i];
	s->npending = n;
}

/* Closes the pipe and waits (at most wait_ms) for the program to end;
 * one that takes longer is reaped later. */
static void prog_end(struct s_prog *s, uint32_t wait_ms)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->pid <= 0)
		return;
	uint64_t until = out_now_ns() + (uint64_t)wait_ms * 1000000ull;
	for (;;) {
		pid_t r = waitpid(s->pid, NULL, WNOHANG);
		if (r != 0)
			break;
		if (out_now_ns() >= until) {
			prog_reap_pending(s);
			if (s->npending < PROG_PENDING)
				s->pending[s->npending++] = s->pid;
			break;
		}
		struct timespec ts = {0, 1000000L};
		nanosleep(&ts, NULL);
	}
	s->pid = 0;
}

static int prog_start(struct s_prog *s)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -errno;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], 0);
	char *argv[] = {"sh", "-c", s->cmd, NULL};
	int rc = posix_spawn(&s->pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	if (rc) {
		close(p[1]);
		s->pid = 0;
		return -rc;
	}
	s->fd = p[1];
	fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

static int write_all(int fd, const char *p, size_t len, uint64_t until)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n > 0) {
			p += n, len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		uint64_t now = out_now_ns();
		if (now >= until)
			return -ETIMEDOUT;
		struct pollfd pf = {fd, POLLOUT, 0};
		poll(&pf, 1, (int)((until - now) / 1000000ull) + 1);
	}
	return 0;
}

static int prog_write(void *impl, const char *msg, size_t len, enum out_priority p)
{
	struct s_prog *s = impl;
	(void)p;
	prog_reap_pending(s);
	int rc = s->fd < 0 ? prog_start(s) : 0;
	if (rc)
		return rc;
	uint64_t until = out_now_ns() + (uint64_t)s->timeout_ms * 1000000ull;
	rc = write_all(s->fd, msg, len, until);
	if (!rc)
		rc = write_all(s->fd, "\n", 1, until);
	if (rc || !s->keep_alive)
		prog_end(s, rc ? 0 : s->timeout_ms);
	return rc;
}

static void prog_reopen(void *impl)
{
	struct s_prog *s = impl;
	prog_end(s, s->timeout_ms);
}

static void prog_close(void *impl)
{
	struct s_prog *s = impl;
	prog_end(s, s->timeout_ms);
	uint64_t until = out_now_ns() + (uint64_t)s->timeout_ms * 1000000ull;
	while (s->npending && out_now_ns() < until) {
		prog_reap_pending(s);
		struct timespec ts = {0, 1000000L};
		nanosleep(&ts, NULL);
	}
	free(s->cmd);
	free(s);
}

int osink_program(const struct osink_env *env, const char *cmd, bool keep_alive, struct osink *o,
                  char *err, size_t errlen)
{
	if (!cmd || !*cmd) {
		snprintf(err, errlen, "program_output: no program given");
		return -EINVAL;
	}
	struct s_prog *s = calloc(1, sizeof *s);
	if (!s || !(s->cmd = strdup(cmd))) {
		free(s);
		return -ENOMEM;
	}
	s->fd = -1;
	s->keep_alive = keep_alive;
	s->timeout_ms = env->timeout_ms;
	*o = (struct osink){"program", s, prog_write, prog_reopen, NULL, prog_close};
	return 0;
}
