/*
 * Internal state of the container plugin shared by its files: plugin.c
 * (ABI, config, tables, parsing), extract.c (fields), worker.c (runtime
 * lookups in a background thread, async events).
 */
#ifndef CTR_CTR_H
#define CTR_CTR_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"
#include "events.h"
#include "info.h"
#include "map.h"
#include "plugin_api.h"

#define CTR_MAX_SOCKETS 8
#define CTR_QUEUE_LEN 256

struct ctr_job {
	char id[CTR_ID_MAX + 1];
	int type;
};

struct ctr_worker {
	pthread_t thread;
	bool running, stop;
	pthread_mutex_t lock; /* guards everything below and the handler */
	pthread_cond_t cond;
	struct ctr_job queue[CTR_QUEUE_LEN];
	unsigned head, count;
	ss_plugin_owner_t *owner;
	ss_plugin_async_event_handler_t handler;
	uint64_t lookups_ok, lookups_failed, queue_full;
};

/* Per request index: where a result value lives until the next extraction. */
struct ctr_result {
	const char *str;
	uint64_t u64;
	ss_plugin_bool b;
	char *buf; /* owned; grows */
	size_t cap;
};

struct ctr_plugin {
	char err[PLUGIN_MAX_ERRLEN];
	ss_plugin_owner_t *owner;
	ss_plugin_log_fn_t log;

	/* config */
	unsigned engines; /* bits 1 << enum ctr_type matched from cgroups */
	char *docker_socks[CTR_MAX_SOCKETS], *podman_socks[CTR_MAX_SOCKETS]; /* owned */
	unsigned ndocker, npodman;
	char *cri_socks[CTR_MAX_SOCKETS]; /* owned; engines.cri + engines.containerd sockets (CRI) */
	unsigned ncri;
	size_t label_max_len;
	int timeout_ms;
	unsigned hooks; /* CTR_HOOK_*: the runtime events that trigger a lookup */
	struct ctr_info *static_info; /* owned; the static engine, when enabled */

	/* host tables, from init */
	ss_plugin_table_t *threads;
	ss_plugin_table_field_t *f_container_id, *f_cgroups, *f_cg_second, *f_pidns_start;
	ss_plugin_table_field_t *f_vpid, *f_vtid; /* NULL when the host has none: no removal on init exit */

	/* containers known (written by the event thread under `lock`, read by
	 * it without; dump_state reads under `lock`) */
	pthread_mutex_t lock;
	struct ctr_map known;
	struct ctr_map asked; /* ids queued or looked up (event thread only) */
	struct ctr_info host; /* the "" container: host processes */
	uint64_t last_async_num;
	const struct ctr_info *last_async;
	/* owned: the container of the last container_removed event, kept so
	 * that fields of that event still read its metadata (as upstream) */
	struct ctr_info *last_removed;

	struct ctr_worker worker;
	struct ctr_events events; /* runtime event listeners (events.c) */

	struct ctr_result *res; /* owned; `nres` entries */
	uint32_t nres;
	ss_plugin_metric metrics[2];
	ss_plugin_table_input table_in; /* the `containers` table offered */
};

/* worker.c */
int ctr_worker_start(struct ctr_plugin *p);
void ctr_worker_stop(struct ctr_plugin *p);
/* Queues a lookup; false when the queue is full. Never blocks for long. */
bool ctr_worker_ask(struct ctr_plugin *p, const char *id, int type);
/* Builds the async event carrying `c` (malloc'd; caller frees). */
ss_plugin_event *ctr_async_event(const struct ctr_info *c, const char *name);

/* cri_worker.c: the CRI runtimes in the lookup thread */
int ctr_cri_default_sockets(struct ctr_plugin *p);
bool ctr_cri_owns(int type); /* a cgroup layout only CRI runtimes make */
void ctr_cri_worker_begin(struct ctr_plugin *p); /* in the lookup thread, first */
void ctr_cri_worker_end(struct ctr_plugin *p);   /* ... and last */
/* Asks the CRI sockets about `id`; fills `c` (its type the runtime's) and
 * sends the pod's sandbox entry ahead. 0 or a negative errno (err). */
int ctr_cri_worker_lookup(struct ctr_plugin *p, const char *id, struct ctr_info *c, char *err, size_t errlen);

/* extract.c */
ss_plugin_rc ctr_extract(struct ctr_plugin *p, const ss_plugin_event_input *evt,
                         const ss_plugin_field_extract_input *in);

/* table.c: the `containers` table this plugin offers to the host */
void ctr_table_setup(struct ctr_plugin *p);

void ctr_log(struct ctr_plugin *p, ss_plugin_log_severity sev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
