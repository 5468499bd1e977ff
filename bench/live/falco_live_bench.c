/*
 * falco_live_bench: the cost of `falco` running live (issue 3 item 8).
 *
 * The load generator is this process: a tight loop of open()+close() of one
 * file (both captured: the state engine always needs them) for a fixed
 * window. Per run: a baseline window; start falco (engine.kind=modern_ebpf,
 * stdout alerts to /dev/null), wait until its loop runs, run the
 * generator, read falco's CPU time over the window, stop it (SIGINT) and
 * read its summary (events read, driver events and drops); a second
 * baseline window. Figures per rule set, median of RUNS:
 *   slowdown   = baseline loop rate (mean of the windows before and after
 *                falco) / loop rate with falco
 *   events/s   = falco's "Events read" / seconds falco ran under load
 *   drops      = the driver's drops (buffer full + too large)
 *   falco CPU  = user+system seconds of falco during the window
 * Rule sets: bench/live/execve_rules.yaml (execve rules only), and the
 * upstream stable rules with the container plugin (falls back to the
 * incubating rules, saying so, when the stable ones do not load).
 * Without root or BTF it prints why and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS 5
#define WINDOW_S 2.0
#define READY_TIMEOUT_S 60.0
#define SETTLE_S 0.5

struct run {
	double base_rate, load_rate; /* open+close pairs per second */
	double events, drops, evps;
	double cpu_s;                /* falco's user+sys during the window */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The generator: open+close pairs per second over `secs`. */
static double generate(const char *path, double secs)
{
	double t0 = now_s(), t;
	unsigned long n = 0;
	do {
		for (int i = 0; i < 1024; i++) {
			int fd = open(path, O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
		n += 1024;
		t = now_s();
	} while (t - t0 < secs);
	return (double)n / (t - t0);
}

static double cpu_seconds(pid_t pid)
{
	char p[64], buf[1024];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *s = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	/* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Starts falco with `args` (NULL-terminated, after the binary), stderr to
 * errpath. Returns its pid or -1. */
static pid_t start_falco(char *const *args, const char *errpath)
{
	unlink(errpath); /* the previous run's lines must not look like readiness */
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int out = open("/dev/null", O_WRONLY);
	int err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out < 0 || err < 0)
		_exit(127);
	dup2(out, 1);
	dup2(err, 2);
	char *argv[32] = {(char *)FALCO_EXE};
	for (int i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	execv(FALCO_EXE, argv);
	_exit(127);
}

/* Waits for the line falco logs when its event loop starts (the driver is
 * attached before), then SETTLE_S more. 0 when capturing, -1 when falco
 * exited (its stderr tells why). */
static int wait_ready(pid_t pid, const char *errpath)
{
	double t0 = now_s();
	while (now_s() - t0 < READY_TIMEOUT_S) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return -1;
		const char *e = slurp(errpath);
		if (e && strstr(e, "Running ")) {
			usleep((useconds_t)(SETTLE_S * 1e6));
			return waitpid(pid, &st, WNOHANG) == pid ? -1 : 0;
		}
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static double find_num(const char *s, const char *key)
{
	const char *p = s ? strstr(s, key) : NULL;
	return p ? strtod(p + strlen(key), NULL) : -1;
}

/* One run of one rule set. Returns 0, or -1 when falco did not start. */
static int one_run(char *const *args, const char *file, const char *errpath, struct run *r)
{
	/* baseline: the mean of a window before falco starts and one after it
	 * stops (the 2 shared cores' load drifts) */
	double before = generate(file, WINDOW_S);
	pid_t pid = start_falco(args, errpath);
	if (pid < 0 || wait_ready(pid, errpath) < 0)
		return -1;
	double c0 = cpu_seconds(pid), t_load = now_s();
	r->load_rate = generate(file, WINDOW_S);
	r->cpu_s = cpu_seconds(pid) - c0;
	kill(pid, SIGINT);
	int st;
	waitpid(pid, &st, 0);
	double t_end = now_s();
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "falco ended with status 0x%x\n", st);
	const char *e = slurp(errpath);
	r->events = find_num(e, "Events read: ");
	double d = find_num(e, "events, ");
	r->drops = d < 0 ? 0 : d;
	/* Events over the time falco ran with the load on (the idle start-up
	 * part before the window adds few events; its time is left out). */
	r->evps = r->events / (t_end - t_load);
	r->base_rate = (before + generate(file, WINDOW_S)) / 2;
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void report(const char *name, struct run *r, int n)
{
	double slow[RUNS], evps[RUNS], drops[RUNS], cpu[RUNS], base[RUNS], load[RUNS];
	for (int i = 0; i < n; i++) {
		slow[i] = r[i].base_rate / r[i].load_rate;
		evps[i] = r[i].evps;
		drops[i] = r[i].drops;
		cpu[i] = r[i].cpu_s;
		base[i] = r[i].base_rate;
		load[i] = r[i].load_rate;
		printf("  run %d: baseline %.0f open+close/s, with falco %.0f/s (x%.2f), falco read %.0f events "
		       "(%.0f/s), %.0f dropped, falco CPU %.2f s in %.1f s\n",
		       i + 1, r[i].base_rate, r[i].load_rate, slow[i], r[i].events, r[i].evps, r[i].drops, r[i].cpu_s,
		       WINDOW_S);
	}
	printf("%s: median of %d runs: slowdown x%.2f (baseline %.0f/s, with falco %.0f/s), %.0f events/s "
	       "delivered, %.0f drops, falco CPU %.2f s per %.1f s window\n",
	       name, n, median(slow, n), median(base, n), median(load, n), median(evps, n), median(drops, n),
	       median(cpu, n), WINDOW_S);
}

/* All runs of one rule set; returns how many succeeded. */
static int bench_set(const char *name, char *const *args, const char *file, const char *errpath)
{
	struct run r[RUNS];
	int n = 0;
	for (int i = 0; i < RUNS; i++) {
		if (one_run(args, file, errpath, &r[n]) < 0) {
			const char *e = slurp(errpath);
			fprintf(stderr, "%s: falco did not start: %.600s\n", name, e ? e : "");
			return 0;
		}
		n++;
	}
	report(name, r, n);
	return n;
}

int main(void)
{
	if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		printf("falco_live_bench: skipped (needs root and kernel BTF)\n");
		return 0;
	}
	char file[] = "/tmp/falco-live-bench-XXXXXX";
	int fd = mkstemp(file);
	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	const char *errpath = "/tmp/falco-live-bench.stderr";
	printf("falco_live_bench: generator = open+close loop, %.1f s windows, %d runs per rule set\n", WINDOW_S,
	       RUNS);
	char *common[] = {"-c", FALCO_YAML, "-o", "engine.kind=modern_ebpf", "-o", "syslog_output.enabled=false",
	                  "-o", "stdout_output.enabled=true"};
	char *execve_args[16] = {0}, *stable_args[20] = {0};
	size_t nc = sizeof(common) / sizeof(common[0]);
	memcpy(execve_args, common, sizeof(common));
	execve_args[nc] = "-r";
	execve_args[nc + 1] = EXECVE_RULES;
	bench_set("execve rules only", execve_args, file, errpath);

	memcpy(stable_args, common, sizeof(common));
	stable_args[nc] = "--plugin";
	stable_args[nc + 1] = CONTAINER_PLUGIN;
	stable_args[nc + 2] = "-r";
	stable_args[nc + 3] = SHARED_DIR "/rules/upstream/falco_rules.yaml";
	if (!bench_set("upstream stable rules (falco_rules.yaml + container plugin)", stable_args, file, errpath)) {
		printf("upstream stable rules did not load (see above); using falco-incubating_rules.yaml instead\n");
		stable_args[nc + 3] = SHARED_DIR "/rules/upstream/falco-incubating_rules.yaml";
		bench_set("upstream incubating rules (+ container plugin)", stable_args, file, errpath);
	}
	unlink(file);
	return 0;
}
