/*
 * State-update cost and memory under churn: a shell forks 1,000,000
 * short-lived children; each child runs clone (child side), execve, opens
 * and closes a file, and exits. Prints ns per event over all state updates
 * and the RSS at checkpoints, which should stay flat once the pools are warm.
 *
 * Usage: state_bench [PROCESSES]   (default 1000000)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event/codes.h"
#include "event/event.h"
#include "state/state.h"

struct ev { uint8_t buf[2048]; struct ev_view v; };

static void build(struct ev *e, uint16_t type, uint64_t tid, uint64_t ts, const void *const *vals,
                  const uint32_t *lens)
{
	const struct ev_info *info = ev_info(type);
	int64_t n = ev_encode(e->buf, sizeof e->buf, ts, tid, type, info->nparams, vals, lens);
	if (n < 0 || ev_decode(e->buf, (size_t)n, &e->v)) {
		fprintf(stderr, "bench: cannot encode event %u\n", type);
		exit(1);
	}
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Rewrites the tid of a prebuilt event in place (header and the params
 * that carry it) so the loop does no encoding. */
static void set_tid(struct ev *e, uint64_t tid)
{
	memcpy(e->buf + 8, &tid, 8);
}

int main(int argc, char **argv)
{
	uint64_t nproc = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	struct st_state *st = st_new(NULL);
	struct st_thread *sh = st_add_thread(st, 1000, 1000, 1);
	st_add_thread(st, 1, 1, 0);
	st_link_all(st);
	st_thread_set_comm(sh, "bash", 4);

	int64_t zero = 0, fd = 3, pid = 1000, ptid = 1, lim = 1024, cflags = 0;
	uint32_t u1000 = 1000, oflags = 1, mode = 0;
	static const char args[] = "-c\0true\0";
	/* clone (caller and child), execve, open, close, procexit: six events per process */
	struct ev caller, child, exe, op, cl, ex;
	int64_t childtid = 0;
	const void *cv[21] = {&childtid, "bash", args, &pid, &pid, &ptid, "/", &lim};
	uint32_t cl_len[21] = {8, 5, sizeof args, 8, 8, 8, 2, 8};
	cv[13] = "bash"; cl_len[13] = 5;
	cv[15] = &cflags; cl_len[15] = 4;
	cv[16] = &u1000; cl_len[16] = 4;
	cv[17] = &u1000; cl_len[17] = 4;
	build(&caller, EV_SYSCALL_CLONE_20_X, 1000, 1, cv, cl_len);
	cv[0] = &zero;
	cv[5] = &pid;
	build(&child, EV_SYSCALL_CLONE_20_X, 0, 1, cv, cl_len);
	const void *xv[30] = {&zero, "/bin/true", args};
	uint32_t xl[30] = {8, 10, sizeof args};
	xv[13] = "true"; xl[13] = 5;
	build(&exe, EV_SYSCALL_EXECVE_19_X, 0, 1, xv, xl);
	const void *ov[6] = {&fd, "/etc/ld.so.cache", &oflags, &mode};
	uint32_t ol[6] = {8, 17, 4, 4};
	build(&op, EV_SYSCALL_OPEN_X, 0, 1, ov, ol);
	const void *clv[2] = {&zero, &fd};
	uint32_t cll[2] = {8, 8};
	build(&cl, EV_SYSCALL_CLOSE_X, 0, 1, clv, cll);
	const void *ev[5] = {&zero};
	uint32_t el[5] = {8};
	build(&ex, EV_PROCEXIT_1_E, 0, 1, ev, el);

	long rss0 = rss_kb();
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC), c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID), events = 0;
	long rss_100k = 0;
	for (uint64_t i = 0; i < nproc; i++) {
		uint64_t tid = 2000 + (i % 4000000); /* pids wrap as the kernel's do */
		int64_t ctid = (int64_t)tid;
		memcpy((uint8_t *)caller.v.val[0], &ctid, 8); /* the caller's res = child tid */
		st_apply(st, &caller.v, 0);
		struct ev *per[] = {&child, &exe, &op, &cl, &ex};
		memcpy((uint8_t *)child.v.val[3], &ctid, 8);
		memcpy((uint8_t *)child.v.val[4], &ctid, 8);
		for (int k = 0; k < 5; k++) {
			set_tid(per[k], tid);
			st_apply(st, &per[k]->v, 0);
		}
		events += 6;
		if (i + 1 == 100000)
			rss_100k = rss_kb();
	}
	uint64_t dt = clock_ns(CLOCK_MONOTONIC) - t0;
	uint64_t dc = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
	long rss1 = rss_kb();
	struct st_counters c = st_counters(st);
	/* CPU time is the figure to quote on a shared machine; wall time too */
	printf("state_bench: %" PRIu64 " processes, %" PRIu64 " events, %.1f ns/event CPU (%.1f wall)\n",
	       nproc, events, (double)dc / (double)events, (double)dt / (double)events);
	printf("state_bench: RSS %ld kB at start, %ld kB after 100000 processes, %ld kB after %" PRIu64
	       " processes\n", rss0, rss_100k, rss1, nproc);
	printf("state_bench: threads in table %" PRIu64 ", added %" PRIu64 ", removed %" PRIu64
	       ", table-full drops %" PRIu64 "\n", c.threads, c.added, c.removed, c.table_full_drops);

	/* The common case: I/O on a known fd (context lookup, no table change). */
	struct st_thread *w = st_add_thread(st, 77, 77, 1);
	struct st_fd *f = st_fd_add(st, w, 5);
	f->type = ST_FD_FILE_V2;
	st_fd_set_name(f, "/var/log/x", SIZE_MAX);
	int64_t res = 100, rfd = 5;
	uint32_t sz = 100;
	const void *rv[4] = {&res, "", &rfd, &sz};
	uint32_t rl[4] = {8, 0, 8, 4};
	struct ev rd;
	build(&rd, EV_SYSCALL_READ_X, 77, 2, rv, rl);
	uint64_t nread = 10000000;
	c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	for (uint64_t i = 0; i < nread; i++)
		st_apply(st, &rd.v, 0);
	dc = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
	printf("state_bench: %" PRIu64 " read events on a known fd, %.1f ns/event CPU\n", nread,
	       (double)dc / (double)nread);

	/* The same with 100000 processes in the table and every event from a
	 * different one (no lookup cache help, table larger than the caches). */
	enum { NPROC = 100000 };
	for (int64_t i = 0; i < NPROC; i++) {
		struct st_thread *p = st_add_thread(st, 1000000 + i, 1000000 + i, 1);
		struct st_fd *pf = st_fd_add(st, p, 5);
		pf->type = ST_FD_FILE_V2;
	}
	c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t x = 1;
	for (uint64_t i = 0; i < nread; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		set_tid(&rd, 1000000 + (x >> 33) % NPROC);
		st_apply(st, &rd.v, 0);
	}
	dc = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
	printf("state_bench: %" PRIu64 " read events from random ones of %d processes, %.1f ns/event CPU; RSS %ld kB\n",
	       nread, NPROC, (double)dc / (double)nread, rss_kb());
	st_free(st);
	return 0;
}
