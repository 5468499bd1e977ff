/*
 * Live test of the driver's controls and counters:
 *  - without the capabilities to load BPF, drv_open fails with -EPERM and one
 *    line that says root is needed;
 *  - a full buffer counts drops, and the events read equal n_evts;
 *  - drop_failed suppresses failed syscalls only;
 *  - drv_set_syscall turns a syscall on and off at run time;
 *  - after drv_stop nothing more is captured.
 *
 * Exit 77 (meson: skipped) when not root or when the kernel has no BTF.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include "live.h"

static int drain(struct drv *d)
{
	const struct ev_hdr *h;
	uint16_t cpu;
	int n = 0;
	while (drv_next(d, &h, &cpu) == 0)
		n++;
	return n;
}

/* Events of `tid` with `type` in e. */
static int count(const struct live_events *e, pid_t tid, uint16_t type)
{
	int n = 0;
	for (unsigned i = 0; i < e->n; i++)
		n += (pid_t)e->ev[i]->tid == tid && e->ev[i]->type == type;
	return n;
}

/* ------------------------------------------------------------------------ */

static void test_no_caps(void)
{
	pid_t c = fork();
	if (c == 0) {
		struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
		struct __user_cap_data_struct cd[2] = {0};
		syscall(SYS_capget, &h, cd);
		cd[0].effective &= ~(1u << 21); /* CAP_SYS_ADMIN */
		cd[1].effective &= ~((1u << (38 - 32)) | (1u << (39 - 32))); /* CAP_PERFMON, CAP_BPF */
		if (syscall(SYS_capset, &h, cd) != 0)
			_exit(2);
		struct drv *d;
		char err[256] = "";
		int rc = drv_open(NULL, &d, err, sizeof(err));
		_exit(rc == -EPERM && strstr(err, "root") && !strchr(err, '\n') ? 0 : 1);
	}
	int st;
	waitpid(c, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "drv_open without CAP_BPF/CAP_SYS_ADMIN: want -EPERM and a "
	      "one-line message naming root (child status %d)", WEXITSTATUS(st));
}

/* ------------------------------------------------------------------------ */

enum { N_OPEN = 40000 };

static void open_many(void *arg)
{
	(void)arg;
	for (int i = 0; i < N_OPEN; i++)
		close(syscall(SYS_open, "/dev/null", O_RDONLY));
}

static void test_buffer_full(void)
{
	static bool want[DRV_NR_SYSCALLS];
	want[SYS_open] = want[SYS_close] = true;
	struct drv_opts o = {.sz = sizeof(o), .syscalls = want, .buf_size_preset = 1,
	                     .cpus_for_each_buffer = 0, .cpus_for_each_buffer_set = true, .prog_stats = true};
	struct drv *d;
	char err[256];
	if (drv_open(&o, &d, err, sizeof(err)) < 0) {
		check(0, "drv_open: %s", err);
		return;
	}
	drv_start(d);
	/* not consumed while the child runs: 80000 events do not fit in 1 MiB */
	pid_t c = fork();
	if (c == 0) {
		open_many(NULL);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	drv_stop(d);
	int read = drain(d);
	struct drv_counters t;
	drv_counters(d, NULL, 0, &t);
	check(t.n_drops_buffer > 0, "no buffer drops counted with a 1 MiB buffer and %d events", 2 * N_OPEN);
	check(t.n_evts == (uint64_t)read, "n_evts %llu but %d events read", (unsigned long long)t.n_evts, read);
	check(t.n_evts + t.n_drops_buffer >= 2 * N_OPEN, "events + drops %llu < %d syscalls made",
	      (unsigned long long)(t.n_evts + t.n_drops_buffer), 2 * N_OPEN);
	uint64_t run_ns = 0, runs = 0;
	check(drv_prog_stats(d, &run_ns, &runs) == 0 && runs >= t.n_evts + t.n_drops_buffer && run_ns > 0,
	      "prog stats: %llu runs for %llu events + drops", (unsigned long long)runs,
	      (unsigned long long)(t.n_evts + t.n_drops_buffer));
	struct drv_counters *per = calloc(drv_ncpus(d), sizeof(*per));
	drv_counters(d, per, drv_ncpus(d), NULL);
	uint64_t sum = 0;
	for (unsigned i = 0; i < drv_ncpus(d); i++)
		sum += per[i].n_evts;
	check(sum == t.n_evts, "per-CPU n_evts do not add up to the total");
	free(per);
	drv_close(d);
}

/* ------------------------------------------------------------------------ */

static void open_ok_and_fail(void *arg)
{
	(void)arg;
	close(syscall(SYS_open, "/dev/null", O_RDONLY));
	syscall(SYS_open, "/nonexistent-falco-control", O_RDONLY);
}

static void test_drop_failed_and_toggle(void)
{
	static bool want[DRV_NR_SYSCALLS];
	want[SYS_close] = want[SYS_open] = true;
	struct drv_opts o = {.sz = sizeof(o), .syscalls = want, .drop_failed = true};
	struct drv *d;
	char err[256];
	if (drv_open(&o, &d, err, sizeof(err)) < 0) {
		check(0, "drv_open: %s", err);
		return;
	}
	drv_start(d);
	uint64_t ns, runs;
	check(drv_prog_stats(d, &ns, &runs) == -ENOTSUP, "prog stats without prog_stats");
	check(drv_syscall_enabled(d, SYS_open) && !drv_syscall_enabled(d, SYS_connect), "initial syscall set");
	check(drv_set_syscall(d, SYS_connect, true) == -ENOENT, "enabling a syscall whose handler is not "
	      "loaded must fail");
	check(drv_set_syscall(d, SYS_getppid, true) == 0 && drv_set_syscall(d, SYS_getppid, false) == 0,
	      "a syscall without handler can be toggled");
	check(drv_set_syscall(d, SYS_open, false) == 0, "disabling open");

	/* open off: only close events */
	struct live_events e = live_capture(d, open_ok_and_fail, NULL);
	pid_t c = e.child;
	check(count(&e, c, EV_SYSCALL_CLOSE_X) == 1, "want 1 close event, got %d", count(&e, c, EV_SYSCALL_CLOSE_X));
	check(count(&e, c, EV_SYSCALL_OPEN_X) == 0, "open captured while off");
	live_free(&e);

	/* open on: the successful open only (drop_failed) */
	drv_set_syscall(d, SYS_open, true);
	check(drv_syscall_enabled(d, SYS_open), "drv_set_syscall did not enable open");
	e = live_capture(d, open_ok_and_fail, NULL);
	c = e.child;
	check(count(&e, c, EV_SYSCALL_OPEN_X) == 1, "want 1 open event (the failed one dropped), got %d",
	      count(&e, c, EV_SYSCALL_OPEN_X));
	for (unsigned i = 0; i < e.n; i++) {
		struct ev_view v;
		ev_decode(e.ev[i], e.ev[i]->len, &v);
		if (e.ev[i]->type == EV_SYSCALL_OPEN_X && (pid_t)e.ev[i]->tid == c)
			check(s64(&v, 0) >= 0, "a failed open was not dropped");
	}
	live_free(&e);

	/* stopped: nothing */
	drv_stop(d);
	drain(d);
	e = live_capture(d, open_ok_and_fail, NULL);
	check(count(&e, e.child, EV_SYSCALL_CLOSE_X) == 0, "events captured after drv_stop");
	live_free(&e);
	drv_close(d);
}

static int count_fds(void)
{
	int n = 0;
	DIR *dir = opendir("/proc/self/fd");
	if (!dir)
		return -1;
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}

/* drv_close releases every map, program and link: the process holds the
 * same file descriptors as before drv_open (the kernel frees BPF objects
 * and detaches links when their last descriptor closes). */
static void test_close_frees(void)
{
	int before = count_fds();
	struct drv *d;
	char err[256];
	if (drv_open(NULL, &d, err, sizeof(err)) < 0) {
		check(0, "drv_open: %s", err);
		return;
	}
	drv_start(d);
	int during = count_fds();
	drv_close(d);
	int after = count_fds();
	check(during > before + 3, "an open driver holds descriptors (%d before, %d open)", before, during);
	check(after == before, "%d descriptors before drv_open, %d after drv_close", before, after);
}

int main(void)
{
	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		fprintf(stderr, "skip: needs root and kernel BTF\n");
		return 77;
	}
	test_no_caps();
	test_buffer_full();
	test_drop_failed_and_toggle();
	test_close_frees();
	printf("%u events checked against the schema\n", n_checked);
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	return failures ? 1 : 0;
}
