/* Metric providers: the process and the host (procfs), the state engine,
 * plugins, and the machine facts of the wrapper. Names, types and units are
 * libs' (linux/resource_utilization.cpp, metrics_collector.cpp). */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "metrics/metrics.h"
#include "metrics/metrics_int.h"
#include "plugin/plugin.h"
#include "state/state.h"

/* ---- procfs readers ---- */

/* The number after `key` on its line of a "Key: value" file; 0 when absent. */
static uint64_t keyed(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[512];
	size_t kl = strlen(key);
	uint64_t v = 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0) {
			v = strtoull(line + kl, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static uint64_t first_number(const char *path, bool *ok)
{
	FILE *f = fopen(path, "r");
	unsigned long long v = 0;
	*ok = f && fscanf(f, "%llu", &v) == 1;
	if (f)
		fclose(f);
	return *ok ? v : 0;
}

static double uptime_s(const char *proc)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/uptime", proc);
	FILE *f = fopen(path, "r");
	double up = 0;
	if (f) {
		if (fscanf(f, "%lf", &up) != 1)
			up = 0;
		fclose(f);
	}
	return up;
}

/* The process's start in seconds since boot (/proc/self/stat field 22). */
static double self_start_s(const char *proc)
{
	char path[512], buf[2048];
	snprintf(path, sizeof(path), "%s/self/stat", proc);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* fields after the command name, which may hold spaces: from the last ')' */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	unsigned long long start = 0;
	/* after ')': state(3) ... starttime is the 22nd field, the 20th here */
	p++;
	for (int field = 3; field <= 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
		if (p && field == 22)
			start = strtoull(p, NULL, 10);
	}
	long hz = sysconf(_SC_CLK_TCK);
	return (double)start / (double)(hz > 0 ? hz : 100);
}

static double round1(double x)
{
	return round(x * 10.0) / 10.0;
}

/* Falco's CPU time over its lifetime, in percent of one CPU. */
static double self_cpu_perc(const char *proc)
{
	struct tms t;
	if (times(&t) == (clock_t)-1)
		return 0;
	long hz = sysconf(_SC_CLK_TCK);
	hz = hz > 0 ? hz : 100;
	double busy = (double)(t.tms_utime + t.tms_stime) / (double)hz;
	double elapsed = uptime_s(proc) - self_start_s(proc);
	return elapsed > 0 ? round1(100.0 * busy / elapsed) : 0;
}

/* The host's CPU use since boot (first 7 columns of the cpu line) and the
 * runnable processes. */
static void host_cpu(const char *proc, double *perc, uint32_t *running)
{
	char path[512], line[512];
	snprintf(path, sizeof(path), "%s/stat", proc);
	FILE *f = fopen(path, "r");
	*perc = 0;
	*running = 0;
	if (!f)
		return;
	unsigned long long c[7] = {0};
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "cpu ", 4) == 0) {
			if (sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu", &c[0], &c[1], &c[2], &c[3], &c[4], &c[5],
			           &c[6]) != 7)
				memset(c, 0, sizeof(c));
		} else if (strncmp(line, "procs_running ", 14) == 0) {
			*running = (uint32_t)strtoul(line + 14, NULL, 10);
			break;
		}
	}
	fclose(f);
	unsigned long long sum = 0;
	for (int i = 0; i < 7; i++)
		sum += c[i];
	if (sum > 0)
		*perc = round1(100.0 - ((double)c[3] * 100.0) / (double)sum);
}

static int add_d(struct metrics_snapshot *s, const char *name, unsigned cat, enum metrics_unit u, double v)
{
	struct metrics_value *m = metrics_snap_add(s, name, cat, METRICS_K_GAUGE, METRICS_T_D, u);
	if (!m)
		return -ENOMEM;
	m->v.d = v;
	return 0;
}

static int add_u32(struct metrics_snapshot *s, const char *name, unsigned cat, enum metrics_kind k,
                   enum metrics_unit u, uint64_t v)
{
	struct metrics_value *m = metrics_snap_add(s, name, cat, k, METRICS_T_U32, u);
	if (!m)
		return -ENOMEM;
	m->v.u32 = (uint32_t)v;
	return 0;
}

static int add_u64(struct metrics_snapshot *s, const char *name, unsigned cat, enum metrics_kind k,
                   enum metrics_unit u, uint64_t v)
{
	struct metrics_value *m = metrics_snap_add(s, name, cat, k, METRICS_T_U64, u);
	if (!m)
		return -ENOMEM;
	m->v.u64 = v;
	return 0;
}

/* ---- resource_utilization_enabled ---- */

static uint64_t container_memory(void)
{
	const char *path = getenv("FALCO_CGROUP_MEM_PATH");
	if (!path || !*path || strstr(path, ".."))
		path = "/sys/fs/cgroup/memory/memory.usage_in_bytes";
	bool ok;
	return first_number(path, &ok);
}

int metrics_collect_resources(struct metrics_snapshot *s, const char *proc)
{
	enum { C = CFG_METRICS_RESOURCE_UTILIZATION };
	char path[512];
	snprintf(path, sizeof(path), "%s/self/status", proc);
	uint64_t rss = keyed(path, "VmRSS:"), vsz = keyed(path, "VmSize:");
	snprintf(path, sizeof(path), "%s/self/smaps_rollup", proc);
	uint64_t pss = keyed(path, "Pss:");
	snprintf(path, sizeof(path), "%s/meminfo", proc);
	uint64_t total = keyed(path, "MemTotal:"), free_kb = keyed(path, "MemFree:"),
	         buffers = keyed(path, "Buffers:"), cached = keyed(path, "Cached:");
	uint64_t used = total - free_kb - buffers - cached;
	snprintf(path, sizeof(path), "%s/sys/fs/file-nr", proc);
	bool ok;
	uint64_t open_fds = first_number(path, &ok);
	double host_perc;
	uint32_t running;
	host_cpu(proc, &host_perc, &running);
	int rc = add_d(s, "cpu_usage_perc", C, METRICS_U_PERC, self_cpu_perc(proc));
	rc |= add_u32(s, "memory_rss_kb", C, METRICS_K_GAUGE, METRICS_U_KIB, rss);
	rc |= add_u32(s, "memory_vsz_kb", C, METRICS_K_GAUGE, METRICS_U_KIB, vsz);
	rc |= add_u32(s, "memory_pss_kb", C, METRICS_K_GAUGE, METRICS_U_KIB, pss);
	rc |= add_u64(s, "container_memory_used_bytes", C, METRICS_K_GAUGE, METRICS_U_BYTES, container_memory());
	rc |= add_d(s, "host_cpu_usage_perc", C, METRICS_U_PERC, host_perc);
	rc |= add_u32(s, "host_memory_used_kb", C, METRICS_K_GAUGE, METRICS_U_KIB, used);
	rc |= add_u32(s, "host_procs_running", C, METRICS_K_GAUGE, METRICS_U_COUNT, running);
	rc |= add_u64(s, "host_open_fds", C, METRICS_K_GAUGE, METRICS_U_COUNT, open_fds);
	return rc ? -ENOMEM : 0;
}

/* ---- state_counters_enabled ---- */

static bool count_fds(void *ctx, struct st_thread *t)
{
	*(uint64_t *)ctx += st_fd_count(t);
	return true;
}

int metrics_collect_state(struct metrics_snapshot *s, struct st_state *st)
{
	enum { C = CFG_METRICS_STATE_COUNTERS };
	struct st_counters c = st_counters(st);
	uint64_t fds = 0;
	st_foreach_thread(st, count_fds, &fds);
	int rc = add_u64(s, "n_threads", C, METRICS_K_GAUGE, METRICS_U_COUNT, c.threads);
	rc |= add_u64(s, "n_fds", C, METRICS_K_GAUGE, METRICS_U_COUNT, fds);
	rc |= add_u64(s, "n_failed_fd_lookups", C, METRICS_K_MONOTONIC, METRICS_U_COUNT, c.fd_failed_lookups);
	rc |= add_u64(s, "n_failed_thread_lookups", C, METRICS_K_MONOTONIC, METRICS_U_COUNT, c.failed_lookups);
	rc |= add_u64(s, "n_added_threads", C, METRICS_K_MONOTONIC, METRICS_U_COUNT, c.added);
	rc |= add_u64(s, "n_removed_threads", C, METRICS_K_MONOTONIC, METRICS_U_COUNT, c.removed + c.purged);
	rc |= add_u32(s, "n_drops_full_threadtable", C, METRICS_K_MONOTONIC, METRICS_U_COUNT, c.table_full_drops);
	return rc ? -ENOMEM : 0;
}

/* ---- plugins_metrics_enabled ---- */

int metrics_collect_plugin(struct metrics_snapshot *s, struct ph_plugin *p)
{
	uint32_t n = 0;
	const ss_plugin_metric *m = ph_metrics(p, &n);
	for (uint32_t i = 0; m && i < n; i++) {
		char name[METRICS_NAME_MAX];
		ph_metric_name(p, &m[i], name, sizeof(name));
		/* the API's value types and kinds use libs' numbering */
		if ((unsigned)m[i].value_type > SS_PLUGIN_METRIC_VALUE_TYPE_I)
			continue;
		struct metrics_value *v = metrics_snap_add(s, name, CFG_METRICS_PLUGINS,
		                                           m[i].type == SS_PLUGIN_METRIC_TYPE_MONOTONIC ? METRICS_K_MONOTONIC
		                                                                                    : METRICS_K_GAUGE,
		                                           (enum metrics_type)m[i].value_type, METRICS_U_COUNT);
		if (!v)
			return -ENOMEM;
		memcpy(&v->v, &m[i].value, sizeof(v->v) < sizeof(m[i].value) ? sizeof(v->v) : sizeof(m[i].value));
	}
	return 0;
}

/* ---- the wrapper's machine facts ---- */

static int add_info(struct metrics_snapshot *s, char *key, char *value)
{
	struct metrics_info *i = realloc(s->info, (s->ninfo + 1) * sizeof(*i));
	if (!i || !key || !value) {
		if (i)
			s->info = i;
		free(key);
		free(value);
		return -ENOMEM;
	}
	s->info = i;
	s->info[s->ninfo++] = (struct metrics_info){key, value};
	return 0;
}

/* falco.host_netinfo.interfaces.<if>.protocols.ipv4|ipv6.addresses: the
 * addresses of every interface but lo, comma-separated. */
static int netinfo(struct metrics_snapshot *s)
{
	struct ifaddrs *ifs;
	if (getifaddrs(&ifs) < 0)
		return 0;
	int rc = 0;
	for (struct ifaddrs *a = ifs; a && !rc; a = a->ifa_next) {
		if (!a->ifa_addr || strcmp(a->ifa_name, "lo") == 0)
			continue;
		int fam = a->ifa_addr->sa_family;
		if (fam != AF_INET && fam != AF_INET6)
			continue;
		char addr[INET6_ADDRSTRLEN] = "";
		const void *raw = fam == AF_INET ? (const void *)&((struct sockaddr_in *)a->ifa_addr)->sin_addr
		                                 : (const void *)&((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr;
		inet_ntop(fam, raw, addr, sizeof(addr));
		char *key;
		if (asprintf(&key, "falco.host_netinfo.interfaces.%s.protocols.%s.addresses", a->ifa_name,
		             fam == AF_INET ? "ipv4" : "ipv6") < 0)
			return -ENOMEM;
		size_t k = 0;
		while (k < s->ninfo && strcmp(s->info[k].key, key) != 0)
			k++;
		if (k == s->ninfo) {
			rc = add_info(s, key, strdup(addr));
			continue;
		}
		free(key);
		char *joined;
		if (asprintf(&joined, "%s,%s", s->info[k].value, addr) < 0) {
			rc = -ENOMEM;
			break;
		}
		free(s->info[k].value);
		s->info[k].value = joined;
	}
	freeifaddrs(ifs);
	return rc;
}

int metrics_collect_wrapper(struct metrics_snapshot *s, const char *proc)
{
	char path[512];
	struct stat st;
	/* upstream's agent start: the ctime of /proc/self/cmdline */
	snprintf(path, sizeof(path), "%s/self/cmdline", proc);
	if (stat(path, &st) == 0)
		s->start_ts = (uint64_t)st.st_ctim.tv_sec * 1000000000ull + (uint64_t)st.st_ctim.tv_nsec;
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(s->kernel_release, sizeof(s->kernel_release), "%s", u.release);
	if (!s->hostname[0]) {
		const char *env = getenv("FALCO_HOSTNAME");
		if (env)
			snprintf(s->hostname, sizeof(s->hostname), "%s", env);
		else if (gethostname(s->hostname, sizeof(s->hostname) - 1) < 0)
			s->hostname[0] = 0;
	}
	snprintf(path, sizeof(path), "%s/stat", proc);
	s->boot_ts = keyed(path, "btime ") * 1000000000ull;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	s->num_cpus = n > 0 ? (uint32_t)n : 0;
	return netinfo(s);
}
