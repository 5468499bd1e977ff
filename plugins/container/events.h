/*
 * Runtime event listeners: one thread per configured docker/podman socket
 * follows the runtime's docker-compatible event stream (GET /events,
 * HTTP/1.0, JSON lines) and
 *   - on a container's create (and start, with hooks: [start]) asks the
 *     runtime about it and sends the `container` async event at once, so the
 *     plugin knows the container before its first process runs;
 *   - on die / destroy / remove of a container the plugin knows sends a
 *     `container_removed` async event (upstream's name and payload), after
 *     which the plugin's parser drops the container from its table.
 * A socket that is absent or goes away is retried with a growing pause
 * (0.25 s doubling to 8 s); the event thread never waits on any of this.
 */
#ifndef CTR_EVENTS_H
#define CTR_EVENTS_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define CTR_EVENTS_MAX 16 /* listeners: CTR_MAX_SOCKETS docker + podman */
#define CTR_HOOK_CREATE 1u
#define CTR_HOOK_START 2u

struct ctr_plugin;

struct ctr_listener {
	pthread_t thread;
	struct ctr_plugin *p; /* borrowed */
	const char *sock;     /* borrowed from the plugin's config */
	int type;             /* CTR_T_DOCKER or CTR_T_PODMAN */
	bool started;
	/* full ids of the last removals sent (a runtime reports die, then
	 * destroy/remove: one removal event per container) */
	char removed[8][65];
	unsigned nremoved;
	int64_t since_ns; /* where the next connection starts (ns since the epoch) */
};

struct ctr_events {
	struct ctr_listener l[CTR_EVENTS_MAX];
	unsigned n;
	int stop_pipe[2]; /* the write end is closed to stop every listener */
	_Atomic unsigned following_podman, following_docker; /* listeners reading a stream now */
	_Atomic uint64_t seen, prefetched, removals; /* counters (any thread) */
};

/* Starts a listener per configured socket (the async handler must be set).
 * Returns 0 or a negative errno. */
int ctr_events_start(struct ctr_plugin *p);
/* Stops and joins every listener; no-op when none runs. */
void ctr_events_stop(struct ctr_plugin *p);
/* Whether a listener follows the events of a runtime of `type` right now
 * (then it reports that runtime's removals). Any thread. */
bool ctr_events_following(struct ctr_plugin *p, int type);

/* One line of an event stream: the action (create, start, die, destroy,
 * remove, ...), the container's full id, its image and the event's time
 * (timeNano; left alone when absent). Returns 0, or -EINVAL when the line
 * is not a container event. */
int ctr_events_parse_line(const char *line, size_t len, char *action, size_t action_len, char *id,
                          size_t id_len, char *image, size_t image_len, int64_t *time_ns);

#endif
