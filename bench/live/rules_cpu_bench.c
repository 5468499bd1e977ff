/*
 * rules_cpu_bench: CPU nanoseconds per event that rule evaluation costs
 * `falco` on an open/close workload, offline and deterministic: the same
 * capture replayed (-e) again and again, so the figure does not depend on
 * the driver, drops or machine load the way falco_live_bench's does.
 *
 * The capture: the file given as first argument, or else one recorded
 * here (root and BTF needed: `falco --record FILE -M 4` while this process
 * opens and closes two files - one read, one written - in a loop for 3 s;
 * without root it says why and exits 0).
 *
 * Per run, falco's user+system CPU (wait4 rusage) of:
 *   load  = `--dry-run` with the rules (configuration, rules, plugin load)
 *   full  = `-e CAPTURE` with the same rules
 * and ns/event = (full - median load) / events read. Rule sets: the upstream
 * stable + incubating rules with the container plugin, then
 * bench/live/execve_rules.yaml (almost no rule per open/close event: the
 * cost of decoding and state alone). Median of RUNS (second argument,
 * default 7). Usage: rules_cpu_bench [CAPTURE|""] [RUNS]. Env FALCO: another falco binary to measure (e.g. a build
 * of an older commit, for before/after figures).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 31

static char *falco_exe(void)
{
	char *f = getenv("FALCO");
	return f && *f ? f : FALCO_EXE;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs argv with stdout to /dev/null and stderr to errpath; returns the
 * child's user+system seconds, or -1. */
static double run_cpu(char *const *argv, const char *errpath)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int out = open("/dev/null", O_WRONLY);
		int err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (out < 0 || err < 0)
			_exit(127);
		dup2(out, 1);
		dup2(err, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double events_read(const char *errpath)
{
	FILE *f = fopen(errpath, "r");
	char line[512];
	double n = -1;
	while (f && fgets(line, sizeof line, f)) {
		const char *p = strstr(line, "Events read: ");
		if (p)
			n = atof(p + 13);
	}
	if (f)
		fclose(f);
	return n;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Records an open/close workload; 0 on success. */
static int record(const char *cap, const char *errpath)
{
	if (geteuid() != 0) {
		printf("rules_cpu_bench: no capture given and not root: cannot record one; skipped\n");
		return 1;
	}
	char *argv[] = {falco_exe(), "-c", FALCO_YAML, "-r", EXECVE_RULES, "--record", (char *)cap,
	                "-M", "4", NULL};
	pid_t gen = fork();
	if (gen == 0) { /* the workload, once falco has had time to start */
		usleep(1500000);
		double end = now_s() + 2.0;
		while (now_s() < end)
			for (int i = 0; i < 1000; i++) {
				int fd = open("/etc/hostname", O_RDONLY);
				if (fd >= 0)
					close(fd);
				fd = open("/tmp/rules_cpu_bench.out", O_WRONLY | O_CREAT, 0600);
				if (fd >= 0)
					close(fd);
			}
		_exit(0);
	}
	double cpu = run_cpu(argv, errpath);
	waitpid(gen, NULL, 0);
	unlink("/tmp/rules_cpu_bench.out");
	struct stat st;
	if (cpu < 0 || stat(cap, &st) < 0 || st.st_size == 0) {
		printf("rules_cpu_bench: recording failed (see %s); skipped\n", errpath);
		return 1;
	}
	return 0;
}

static int bench_set(const char *name, char **rules, const char *cap, const char *errpath, int runs)
{
	char *load[32], *full[32];
	int n = 0;
	load[n++] = falco_exe();
	load[n++] = "-c";
	load[n++] = FALCO_YAML;
	for (char **r = rules; *r; r++) {
		load[n++] = "-r";
		load[n++] = *r;
	}
	load[n++] = "--plugin";
	load[n++] = CONTAINER_PLUGIN;
	memcpy(full, load, (size_t)n * sizeof *load);
	load[n] = "--dry-run";
	load[n + 1] = NULL;
	full[n] = "-e";
	full[n + 1] = (char *)cap;
	full[n + 2] = NULL;
	double lc[MAX_RUNS], fc[MAX_RUNS], per[MAX_RUNS], ev = -1;
	for (int i = 0; i < runs; i++) {
		lc[i] = run_cpu(load, errpath);
		fc[i] = run_cpu(full, errpath);
		ev = events_read(errpath);
		if (lc[i] < 0 || fc[i] < 0 || ev <= 0) {
			printf("rules_cpu_bench: %s: falco failed (see %s)\n", name, errpath);
			return 1;
		}
	}
	double lm = median(lc, runs);
	for (int i = 0; i < runs; i++)
		per[i] = (fc[i] - lm) / ev * 1e9;
	double lo = per[0], hi = per[0];
	for (int i = 1; i < runs; i++) {
		lo = per[i] < lo ? per[i] : lo;
		hi = per[i] > hi ? per[i] : hi;
	}
	printf("%-40s %.0f events, load %.3f CPU-s, replay %.0f CPU-ns/event (median of %d, %.0f-%.0f)\n",
	       name, ev, lm, median(per, runs), runs, lo, hi);
	return 0;
}

int main(int argc, char **argv)
{
	char errpath[] = "/tmp/rules_cpu_bench.XXXXXX";
	int fd = mkstemp(errpath);
	if (fd < 0)
		return 1;
	close(fd);
	char recorded[64] = "";
	const char *cap = argc > 1 && argv[1][0] ? argv[1] : NULL;
	int runs = argc > 2 ? atoi(argv[2]) : 7;
	if (runs < 1 || runs > MAX_RUNS)
		runs = 7;
	int rc = 0;
	if (!cap) {
		snprintf(recorded, sizeof recorded, "/tmp/rules_cpu_bench.%d.scap", (int)getpid());
		if (record(recorded, errpath)) {
			unlink(errpath);
			return 0;
		}
		cap = recorded;
	}
	char *upstream[] = {SHARED_DIR "/rules/upstream/falco_rules.yaml",
	                    SHARED_DIR "/rules/upstream/falco-incubating_rules.yaml", NULL};
	char *execve[] = {EXECVE_RULES, NULL};
	rc |= bench_set("upstream stable+incubating + container", upstream, cap, errpath, runs);
	rc |= bench_set("execve rules only", execve, cap, errpath, runs);
	if (*recorded)
		unlink(recorded);
	unlink(errpath);
	return rc;
}
