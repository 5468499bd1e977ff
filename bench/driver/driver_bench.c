/*
 * Benchmark of the live driver: a load generator (a child process) runs a
 * tight loop of cheap captured syscalls (openat of /dev/null + close) for a
 * fixed time, first without capture, then with the driver attached and a
 * consumer draining the buffers, then without again; all in one run.
 *
 * Printed per syscall set: the generator's rate without/with the driver and
 * the slowdown ratio, events/s delivered to the consumer, drops (buffer
 * full, too large), the consumer thread's CPU seconds, and the kernel's
 * accounting of the time spent in the BPF programs.
 *
 * Usage: driver_bench [seconds per phase, default 2]
 * Needs root and kernel BTF (says so and exits 0 otherwise, so that
 * `make bench` goes on).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"

static double now_s(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Runs the loop in a child for `secs`; returns syscalls per second. */
static double generate(double secs)
{
	double *rate = mmap(NULL, sizeof(double), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t c = fork();
	if (c == 0) {
		uint64_t n = 0;
		double t0 = now_s(CLOCK_MONOTONIC), t = t0;
		while (t - t0 < secs) {
			for (int i = 0; i < 1000; i++) {
				int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY);
				close(fd);
			}
			n += 2000;
			t = now_s(CLOCK_MONOTONIC);
		}
		*rate = n / (t - t0);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	double r = *rate;
	munmap(rate, sizeof(double));
	return r;
}

struct consumer {
	struct drv *d;
	atomic_int stop;
	uint64_t events;
	double cpu_s;
};

static void *consume(void *arg)
{
	struct consumer *c = arg;
	double c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	for (;;) {
		const struct ev_hdr *ev;
		uint16_t cpu;
		int rc = drv_next(c->d, &ev, &cpu);
		if (rc == 0) {
			c->events++;
			continue;
		}
		if (atomic_load(&c->stop))
			break;
		drv_wait(c->d, 10);
	}
	c->cpu_s = now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

static int run(const char *label, const bool *syscalls, double secs)
{
	struct drv_opts o = {.sz = sizeof(o), .syscalls = syscalls, .prog_stats = true};
	struct drv *d;
	char err[256];
	if (drv_open(&o, &d, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	double base1 = generate(secs);

	struct consumer c = {.d = d};
	drv_start(d);
	pthread_t th;
	pthread_create(&th, NULL, consume, &c);
	double t0 = now_s(CLOCK_MONOTONIC);
	double with = generate(secs);
	drv_stop(d);
	atomic_store(&c.stop, 1);
	pthread_join(th, NULL);
	double el = now_s(CLOCK_MONOTONIC) - t0;
	struct drv_counters tot;
	drv_counters(d, NULL, 0, &tot);
	uint64_t run_ns = 0, runs = 0;
	int have_stats = drv_prog_stats(d, &run_ns, &runs) == 0 && runs > 0;
	drv_close(d);

	double base2 = generate(secs);
	double base = (base1 + base2) / 2;
	printf("[%s]\n", label);
	printf("  generator without driver: %.0f syscalls/s (%.0f before, %.0f after)\n", base, base1, base2);
	printf("  generator with driver:    %.0f syscalls/s\n", with);
	printf("  slowdown:                 %.2fx\n", base / with);
	printf("  events delivered:         %llu (%.0f events/s)\n", (unsigned long long)c.events,
	       c.events / el);
	printf("  drops:                    %llu buffer full, %llu too large, %llu other\n",
	       (unsigned long long)tot.n_drops_buffer, (unsigned long long)tot.n_drops_max_size,
	       (unsigned long long)tot.n_drops_other);
	printf("  consumer CPU:             %.2f s over %.2f s\n", c.cpu_s, el);
	if (have_stats)
		printf("  BPF time:                 %.0f ns per program run (%llu runs, all processes), "
		       "%.0f ns per event delivered\n", (double)run_ns / runs, (unsigned long long)runs,
		       c.events ? (double)run_ns / c.events : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		printf("driver_bench: skipped (needs root and kernel BTF)\n");
		return 0;
	}
	/* Only what execve rules and the process tree need: the generator's
	 * openat/close are filtered out in the kernel by the dispatcher. */
	static bool exec_only[DRV_NR_SYSCALLS];
	const char *names[] = {"execve", "execveat", "clone", "clone3", "fork", "vfork"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		exec_only[drv_syscall_nr(names[i])] = true;
	if (run("exec-only syscall set (openat/close not captured)", exec_only, secs))
		return 1;
	/* What upstream's stable rules name in evt.type conditions plus what the
	 * state engine follows (process tree, fd table, cwd, credentials). */
	static bool rules[DRV_NR_SYSCALLS];
	const char *rule_names[] = {
		"accept", "accept4", "bind", "chmod", "connect", "creat", "dup", "dup2", "dup3", "execve",
		"execveat", "fchmod", "fchmodat", "finit_module", "init_module", "link", "linkat", "listen",
		"open", "openat", "openat2", "ptrace", "rename", "renameat", "renameat2", "rmdir", "sendmsg",
		"sendto", "setns", "setuid", "socket", "symlink", "symlinkat", "unlink", "unlinkat", "unshare",
		"bpf", "kill", "mkdir", "mkdirat",
		/* state */
		"clone", "clone3", "fork", "vfork", "close", "fcntl", "pipe", "pipe2", "socketpair", "eventfd",
		"eventfd2", "signalfd", "signalfd4", "timerfd_create", "inotify_init", "inotify_init1",
		"memfd_create", "userfaultfd", "chdir", "fchdir", "chroot", "setgid", "setresuid", "setresgid",
		"setreuid", "setregid", "capset", "prctl", "mount", "umount2", "recvfrom", "recvmsg", "shutdown"};
	for (size_t i = 0; i < sizeof(rule_names) / sizeof(rule_names[0]); i++)
		rules[drv_syscall_nr(rule_names[i])] = true;
	if (run("stable-rules-like syscall set (rules' evt.types + state engine; openat/close captured)", rules,
	        secs))
		return 1;
	return 0;
}
