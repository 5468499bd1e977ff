/*
 * Runs the CRI client once and prints what it found, `key=value` a line,
 * for test_cri_live.py to compare with the CRI's own answers:
 *
 *   cri_lookup SOCKET ID TIMEOUT_MS
 *
 * Prints rc=<0 or -errno>, ms=<elapsed>, err=..., then c.<field> and
 * sandbox.<field> lines (labels as c.label.<key>, mounts as c.mount.<i>).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "cri.h"
#include "info.h"

static void print_info(const char *pre, const struct ctr_info *c)
{
	if (!c->id)
		return;
	printf("%s.id=%s\n%s.full_id=%s\n%s.name=%s\n%s.image=%s\n%s.imagerepo=%s\n%s.imagetag=%s\n", pre, c->id, pre,
	       c->full_id, pre, c->name, pre, c->image, pre, c->imagerepo, pre, c->imagetag);
	printf("%s.imageid=%s\n%s.imagedigest=%s\n%s.type=%s\n%s.pod_sandbox_id=%s\n%s.ip=%s\n", pre, c->imageid,
	       pre, c->imagedigest, pre, ctr_type_name(c->type), pre, c->pod_sandbox_id, pre, c->ip);
	printf("%s.is_pod_sandbox=%d\n%s.privileged=%d\n%s.host_network=%d\n%s.created_time=%lld\n", pre,
	       c->is_pod_sandbox, pre, c->privileged, pre, c->host_network, pre, (long long)c->created_time);
	for (size_t i = 0; i < c->nlabels; i++)
		printf("%s.label.%s=%s\n", pre, c->labels[i].key, c->labels[i].value);
	for (size_t i = 0; i < c->nmounts; i++)
		printf("%s.mount.%zu=%s:%s:%s:%s\n", pre, i, c->mounts[i].source, c->mounts[i].dest,
		       c->mounts[i].rw ? "rw" : "ro", c->mounts[i].propagation);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s SOCKET ID TIMEOUT_MS\n", argv[0]);
		return 2;
	}
	struct ctr_info c, s;
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	char err[512] = "";
	struct timespec a, b;
	ctr_cri_init();
	clock_gettime(CLOCK_MONOTONIC, &a);
	int rc = ctr_cri_lookup(argv[1], argv[2], atoi(argv[3]), 100, &c, &s, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &b);
	ctr_cri_fini();
	printf("rc=%d\nms=%lld\nerr=%s\n", rc,
	       (long long)(b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000, rc ? err : "");
	print_info("c", &c);
	print_info("sandbox", &s);
	ctr_info_clear(&c);
	ctr_info_clear(&s);
	return 0;
}
