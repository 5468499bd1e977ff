/*
 * The lookup thread's side of the CRI client: which ids go to CRI runtimes,
 * their default sockets, and a lookup over the configured sockets that also
 * hands the pod's sandbox entry to the host (so k8s.pod.label[...] and
 * k8s.pod.labels, read from the sandbox, have a value for the pod's
 * containers).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cri.h"
#include "ctr.h"

/* Upstream's default CRI sockets (containerd, cri-o, k3s, a host's
 * containerd mounted into falco's container). */
int ctr_cri_default_sockets(struct ctr_plugin *p)
{
	const char *d[] = {"/run/containerd/containerd.sock", "/run/crio/crio.sock",
	                   "/run/k3s/containerd/containerd.sock", "/run/host-containerd/containerd.sock"};
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]) && p->ncri < CTR_MAX_SOCKETS; i++)
		if (!(p->cri_socks[p->ncri++] = strdup(d[i])))
			return -ENOMEM;
	return 0;
}

bool ctr_cri_owns(int type)
{
	return type == CTR_T_CRI || type == CTR_T_CRIO || type == CTR_T_CONTAINERD;
}

void ctr_cri_worker_begin(struct ctr_plugin *p)
{
	if (p->ncri)
		ctr_cri_init();
}

void ctr_cri_worker_end(struct ctr_plugin *p)
{
	if (p->ncri)
		ctr_cri_fini();
}

/* Like worker.c's delivery, for the sandbox entry sent ahead of its
 * container: a refusal only costs the pod labels. */
static void send_sandbox(struct ctr_plugin *p, const struct ctr_info *s)
{
	ss_plugin_event *evt = ctr_async_event(s, "container");
	char err[PLUGIN_MAX_ERRLEN] = "";
	if (!evt || !p->worker.handler || p->worker.handler(p->worker.owner, evt, err) != SS_PLUGIN_SUCCESS)
		ctr_log(p, SS_PLUGIN_LOG_SEV_DEBUG, "pod sandbox %s: async event refused: %s", s->id, err);
	free(evt);
}

int ctr_cri_worker_lookup(struct ctr_plugin *p, const char *id, struct ctr_info *c, char *err, size_t errlen)
{
	int rc = -ENOENT;
	snprintf(err, errlen, "no CRI socket configured");
	for (unsigned i = 0; i < p->ncri; i++) {
		struct ctr_info sandbox;
		memset(c, 0, sizeof(*c));
		memset(&sandbox, 0, sizeof(sandbox));
		rc = ctr_cri_lookup(p->cri_socks[i], id, p->timeout_ms, p->label_max_len, c, &sandbox, err, errlen);
		if (rc == 0 && sandbox.id)
			send_sandbox(p, &sandbox);
		ctr_info_clear(&sandbox);
		if (rc == 0)
			return 0;
	}
	return rc;
}
