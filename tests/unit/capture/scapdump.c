/* Test helper: prints what the capture reader sees in a file as JSON lines
 * (one "meta" line, one line per process, then one per event), so that a
 * script can compare it with an independent parse of the file and with the
 * oracle. With `--copy OUT`, writes the capture again with our writer
 * instead (so upstream tools can read the copy). Exit status 1 and the
 * error on stderr when the reader or writer fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"

static void jstr(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_meta(const struct cap_meta *m)
{
	printf("{\"kind\":\"meta\",\"procs\":%zu,\"fds\":%zu,\"users\":%zu,\"groups\":%zu,"
	       "\"ifaces\":%zu,\"num_cpus\":%u,\"hostname\":",
	       m->nprocs, m->nfds, m->nusers, m->ngroups, m->nifaces, m->machine.num_cpus);
	jstr(m->machine.hostname, strlen(m->machine.hostname));
	printf("}\n");
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct cap_proc *p = &m->procs[i];
		printf("{\"kind\":\"proc\",\"tid\":%llu,\"pid\":%llu,\"ptid\":%llu,\"sid\":%lld,"
		       "\"vtid\":%lld,\"vpid\":%lld,\"uid\":%u,\"gid\":%u,\"nfds\":%zu,\"comm\":",
		       (unsigned long long)p->tid, (unsigned long long)p->pid,
		       (unsigned long long)p->ptid, (long long)p->sid, (long long)p->vtid,
		       (long long)p->vpid, p->uid, p->gid, p->nfds);
		jstr(p->comm, strlen(p->comm));
		printf(",\"exe\":");
		jstr(p->exe, strlen(p->exe));
		printf(",\"exepath\":");
		jstr(p->exepath, strlen(p->exepath));
		printf(",\"cwd\":");
		jstr(p->cwd, strlen(p->cwd));
		printf(",\"args\":");
		jstr(p->args, p->args_len);
		printf("}\n");
	}
}

static int copy(struct cap_reader *r, const char *out)
{
	char err[CAP_ERR_LEN];
	struct cap_writer *w = cap_writer_open(out, NULL, err);
	if (w == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	cap_write_meta(w, cap_meta(r));
	struct cap_event ev;
	int rc;
	while ((rc = cap_next(r, &ev)) == 0)
		cap_write_event(w, ev.hdr, ev.cpu, ev.flags);
	int status = 0;
	if (rc != CAP_EOF) {
		fprintf(stderr, "%s\n", cap_error(r));
		status = 1;
	}
	if (cap_writer_close(w, err) != 0) {
		fprintf(stderr, "%s\n", err);
		status = 1;
	}
	return status;
}

int main(int argc, char **argv)
{
	char err[CAP_ERR_LEN];
	if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--copy") == 0)) {
		fprintf(stderr, "usage: scapdump FILE [--copy OUT]\n");
		return 2;
	}
	struct cap_reader *r = cap_open(argv[1], NULL, err);
	if (r == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (argc == 4) {
		int status = copy(r, argv[3]);
		cap_close(r);
		return status;
	}
	print_meta(cap_meta(r));
	struct cap_event ev;
	int rc;
	while ((rc = cap_next(r, &ev)) == 0) {
		struct ev_hdr h;
		memcpy(&h, ev.hdr, sizeof(h));
		const struct ev_info *info = ev_info(h.type);
		printf("{\"kind\":\"ev\",\"off\":%llu,\"bt\":%u,\"cpu\":%u,\"flags\":%u,\"ts\":%llu,"
		       "\"tid\":%llu,\"type\":%u,\"name\":\"%s\",\"len\":%u,\"np\":%u,\"lens\":[",
		       (unsigned long long)ev.offset, ev.block_type, ev.cpu, ev.flags,
		       (unsigned long long)h.ts, (unsigned long long)h.tid, h.type,
		       info && info->name ? info->name : "?", h.len, h.nparams);
		bool large = ev_is_large(h.type);
		for (uint32_t i = 0; i < h.nparams; i++) {
			uint32_t l = 0;
			memcpy(&l, (const uint8_t *)ev.hdr + EV_HDR_LEN + i * (large ? 4 : 2), large ? 4 : 2);
			printf("%s%u", i ? "," : "", l);
		}
		printf("]}\n");
	}
	int status = 0;
	if (rc != CAP_EOF) {
		fprintf(stderr, "%s\n", cap_error(r));
		status = 1;
	}
	cap_close(r);
	return status;
}
