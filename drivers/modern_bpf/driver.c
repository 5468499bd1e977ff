/*
 * Loader and consumer of the live driver: opens the embedded skeleton,
 * sizes and creates the ring buffers, fills the handler table, attaches the
 * programs, merges the buffers in timestamp order and reads the counters.
 */
#include "driver.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/types.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bpf/shared.h"
#include "driver.skel.h"
#include "ringbuf.h"
#include "syscalls.h"

#define DEFAULT_CPUS_PER_BUFFER 2
#define DEFAULT_PRESET 4
#define MAX_PRESET 10
#define DEFAULT_SNAPLEN 80

/* Syscalls with a handler program (`sc_<name>` in driver.bpf.c, or the
 * family's program: see program_of) and the exit event code it writes. */
static const struct handler {
	const char *syscall;
	uint16_t code;
} handlers[] = {
	{"open", EV_SYSCALL_OPEN_X}, {"openat", EV_SYSCALL_OPENAT_2_X}, {"openat2", EV_SYSCALL_OPENAT2_X},
	{"creat", EV_SYSCALL_CREAT_X}, {"close", EV_SYSCALL_CLOSE_X}, {"unlink", EV_SYSCALL_UNLINK_2_X},
	{"rmdir", EV_SYSCALL_RMDIR_2_X}, {"chdir", EV_SYSCALL_CHDIR_X}, {"chroot", EV_SYSCALL_CHROOT_X},
	{"link", EV_SYSCALL_LINK_2_X}, {"rename", EV_SYSCALL_RENAME_X}, {"symlink", EV_SYSCALL_SYMLINK_X},
	{"renameat", EV_SYSCALL_RENAMEAT_X}, {"renameat2", EV_SYSCALL_RENAMEAT2_X},
	{"linkat", EV_SYSCALL_LINKAT_2_X}, {"symlinkat", EV_SYSCALL_SYMLINKAT_X},
	{"unlinkat", EV_SYSCALL_UNLINKAT_2_X}, {"mkdir", EV_SYSCALL_MKDIR_2_X},
	{"mkdirat", EV_SYSCALL_MKDIRAT_X}, {"chmod", EV_SYSCALL_CHMOD_X}, {"fchmod", EV_SYSCALL_FCHMOD_X},
	{"fchmodat", EV_SYSCALL_FCHMODAT_X}, {"fchdir", EV_SYSCALL_FCHDIR_X}, {"dup", EV_SYSCALL_DUP_1_X},
	{"dup2", EV_SYSCALL_DUP2_X}, {"dup3", EV_SYSCALL_DUP3_X}, {"fcntl", EV_SYSCALL_FCNTL_X},
	{"pipe", EV_SYSCALL_PIPE_X}, {"pipe2", EV_SYSCALL_PIPE2_X}, {"eventfd", EV_SYSCALL_EVENTFD_X},
	{"eventfd2", EV_SYSCALL_EVENTFD2_X}, {"signalfd", EV_SYSCALL_SIGNALFD_X},
	{"signalfd4", EV_SYSCALL_SIGNALFD4_X}, {"timerfd_create", EV_SYSCALL_TIMERFD_CREATE_X},
	{"inotify_init", EV_SYSCALL_INOTIFY_INIT_X}, {"inotify_init1", EV_SYSCALL_INOTIFY_INIT1_X},
	{"memfd_create", EV_SYSCALL_MEMFD_CREATE_X}, {"userfaultfd", EV_SYSCALL_USERFAULTFD_X},
	{"read", EV_SYSCALL_READ_X}, {"write", EV_SYSCALL_WRITE_X}, {"pread64", EV_SYSCALL_PREAD_X},
	{"pwrite64", EV_SYSCALL_PWRITE_X}, {"socket", EV_SOCKET_SOCKET_X}, {"bind", EV_SOCKET_BIND_X},
	{"connect", EV_SOCKET_CONNECT_X}, {"listen", EV_SOCKET_LISTEN_X},
	{"accept", EV_SOCKET_ACCEPT_5_X}, {"accept4", EV_SOCKET_ACCEPT4_6_X},
	{"sendto", EV_SOCKET_SENDTO_X}, {"recvfrom", EV_SOCKET_RECVFROM_X},
	{"sendmsg", EV_SOCKET_SENDMSG_X}, {"recvmsg", EV_SOCKET_RECVMSG_X},
	{"sendmmsg", EV_SOCKET_SENDMMSG_X}, {"recvmmsg", EV_SOCKET_RECVMMSG_X},
	{"shutdown", EV_SOCKET_SHUTDOWN_X}, {"socketpair", EV_SOCKET_SOCKETPAIR_X},
	{"clone", EV_SYSCALL_CLONE_20_X}, {"fork", EV_SYSCALL_FORK_20_X},
	{"vfork", EV_SYSCALL_VFORK_20_X}, {"clone3", EV_SYSCALL_CLONE3_X},
	{"execve", EV_SYSCALL_EXECVE_19_X}, {"execveat", EV_SYSCALL_EXECVEAT_X},
	{"setuid", EV_SYSCALL_SETUID_X}, {"setgid", EV_SYSCALL_SETGID_X},
	{"setresuid", EV_SYSCALL_SETRESUID_X}, {"setresgid", EV_SYSCALL_SETRESGID_X},
	{"setreuid", EV_SYSCALL_SETREUID_X}, {"setregid", EV_SYSCALL_SETREGID_X},
	{"setns", EV_SYSCALL_SETNS_X}, {"unshare", EV_SYSCALL_UNSHARE_X}, {"capset", EV_SYSCALL_CAPSET_X},
	{"ptrace", EV_SYSCALL_PTRACE_X}, {"bpf", EV_SYSCALL_BPF_2_X},
	{"init_module", EV_SYSCALL_INIT_MODULE_X}, {"finit_module", EV_SYSCALL_FINIT_MODULE_X},
	{"kill", EV_SYSCALL_KILL_X}, {"tkill", EV_SYSCALL_TKILL_X}, {"tgkill", EV_SYSCALL_TGKILL_X},
	{"prctl", EV_SYSCALL_PRCTL_X}, {"mount", EV_SYSCALL_MOUNT_X}, {"umount2", EV_SYSCALL_UMOUNT2_X},
};
#define N_HANDLERS (sizeof(handlers) / sizeof(handlers[0]))

/* Syscalls served by another syscall's program (one verification for a
 * family); every other handler is `sc_<syscall name>`. */
static const char *program_of(const char *syscall, char *buf, size_t len)
{
	static const char *const shared[][2] = {
		{"fork", "sc_clone"}, {"vfork", "sc_clone"}, {"clone3", "sc_clone"}, {"execveat", "sc_execve"}};
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if (strcmp(shared[i][0], syscall) == 0)
			return shared[i][1];
	snprintf(buf, len, "sc_%s", syscall);
	return buf;
}

/* High-volume I/O syscalls: captured only when asked for explicitly. */
static const char *const io_names[] = {"read", "write", "pread64", "pwrite64"};

struct drv {
	struct drv_bpf *skel;        /* owned */
	struct bpf_link *links[3];   /* owned while started */
	struct drv_ring *rings;      /* owned, nrings entries */
	unsigned nrings;
	unsigned ncpus;
	struct drv_ring *last;       /* ring of the event handed out last */
	int stats_fd;                /* owned; >= 0 while run-time stats are on */
};

/* ------------------------------------------------------------------------ */
/* Syscall table                                                             */

int drv_syscall_nr(const char *name)
{
	for (unsigned i = 0; i < drv_syscall_table_len; i++)
		if (strcmp(drv_syscall_table[i].name, name) == 0)
			return drv_syscall_table[i].nr;
	return -1;
}

static const struct drv_syscall *syscall_by_nr(int nr)
{
	for (unsigned i = 0; i < drv_syscall_table_len; i++)
		if (drv_syscall_table[i].nr == nr)
			return &drv_syscall_table[i];
	return NULL;
}

const char *drv_syscall_name(int nr)
{
	const struct drv_syscall *s = syscall_by_nr(nr);
	return s ? s->name : NULL;
}

uint16_t drv_syscall_ppm_sc(int nr)
{
	const struct drv_syscall *s = syscall_by_nr(nr);
	return s ? s->ppm_sc : 0;
}

static bool in_list(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static const struct handler *handler_of(int nr)
{
	const char *name = drv_syscall_name(nr);
	for (size_t i = 0; name && i < N_HANDLERS; i++)
		if (strcmp(handlers[i].syscall, name) == 0)
			return &handlers[i];
	return NULL;
}

bool drv_syscall_has_handler(int nr)
{
	return handler_of(nr) != NULL;
}

uint16_t drv_syscall_event(int nr)
{
	const struct handler *h = handler_of(nr);
	return h ? h->code : EV_GENERIC_X;
}

int drv_event_syscalls(uint16_t code, int *nrs, size_t max)
{
	int n = 0;
	code |= 1; /* enter and exit codes name the same syscalls */
	for (size_t i = 0; i < N_HANDLERS; i++) {
		bool match = handlers[i].code == code;
		/* successful execveat calls are reported as execve events */
		if (code == EV_SYSCALL_EXECVE_19_X && strcmp(handlers[i].syscall, "execveat") == 0)
			match = true;
		if (!match)
			continue;
		if ((size_t)n < max)
			nrs[n] = drv_syscall_nr(handlers[i].syscall);
		n++;
	}
	return n;
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */

static char libbpf_last[256];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (getenv("FALCO_BPF_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	if (level == LIBBPF_WARN)
		vsnprintf(libbpf_last, sizeof(libbpf_last), fmt, ap);
	return 0;
}

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static bool has_cap(const struct __user_cap_data_struct *c, int cap)
{
	return (c[cap / 32].effective >> (cap % 32)) & 1;
}

/* Root (or CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN) and kernel BTF. */
static int check_environment(char *err, size_t errlen)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct c[2] = {0};
	if (syscall(SYS_capget, &h, c) == 0 && !has_cap(c, 21 /* CAP_SYS_ADMIN */) &&
	    !(has_cap(c, 39 /* CAP_BPF */) && has_cap(c, 38 /* CAP_PERFMON */)))
		return fail(err, errlen, -EPERM,
		            "modern_bpf: not allowed to load BPF programs: run as root "
		            "(needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)");
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		return fail(err, errlen, -ENOENT,
		            "modern_bpf: the kernel has no BTF (/sys/kernel/btf/vmlinux is missing): "
		            "needs a kernel built with CONFIG_DEBUG_INFO_BTF");
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Open                                                                      */

static uint64_t boot_epoch_ns(void)
{
	struct timespec rt, bt;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	return (uint64_t)(rt.tv_sec - bt.tv_sec) * 1000000000ull + rt.tv_nsec - bt.tv_nsec;
}

static void choose_syscalls(struct drv_bpf *skel, const bool *want)
{
	for (int nr = 0; nr < DRV_NR_SYSCALLS; nr++) {
		const char *name = drv_syscall_name(nr);
		bool on;
		if (want)
			on = want[nr];
		else
			on = drv_syscall_has_handler(nr) &&
			     !in_list(io_names, sizeof(io_names) / sizeof(io_names[0]), name);
		skel->bss->drv_interesting[nr] = on;
		skel->bss->drv_ppm_sc[nr] = drv_syscall_ppm_sc(nr);
	}
}

/* Loads only the handlers of the syscalls captured at open: a rule set that
 * needs a few syscalls verifies a few programs. */
static void choose_programs(struct drv_bpf *skel)
{
	struct bpf_program *p;
	bpf_object__for_each_program(p, skel->obj)
		if (strncmp(bpf_program__name(p), "sc_", 3) == 0)
			bpf_program__set_autoload(p, false);
	for (size_t i = 0; i < N_HANDLERS; i++) {
		int nr = drv_syscall_nr(handlers[i].syscall);
		char buf[64];
		if (nr < 0 || !skel->bss->drv_interesting[nr])
			continue;
		p = bpf_object__find_program_by_name(skel->obj, program_of(handlers[i].syscall, buf, sizeof(buf)));
		if (p)
			bpf_program__set_autoload(p, true);
	}
}

/* Points every captured syscall that has a handler at its program. */
static int fill_handlers(struct drv_bpf *skel, char *err, size_t errlen)
{
	int map = bpf_map__fd(skel->maps.syscall_progs);
	for (size_t i = 0; i < N_HANDLERS; i++) {
		char buf[64];
		const char *pname = program_of(handlers[i].syscall, buf, sizeof(buf));
		struct bpf_program *p = bpf_object__find_program_by_name(skel->obj, pname);
		int nr = drv_syscall_nr(handlers[i].syscall);
		if (!p || nr < 0)
			return fail(err, errlen, -ENOENT, "modern_bpf: no program %s for syscall %s", pname,
			            handlers[i].syscall);
		if (!skel->bss->drv_interesting[nr])
			continue;
		int fd = bpf_program__fd(p);
		if (bpf_map_update_elem(map, &nr, &fd, BPF_ANY))
			return fail(err, errlen, -errno, "modern_bpf: cannot install handler %s: %s", pname,
			            strerror(errno));
	}
	return 0;
}

static int create_rings(struct drv *d, const struct drv_opts *o, char *err, size_t errlen)
{
	unsigned per = o->cpus_for_each_buffer;
	if (per == 0 && !o->cpus_for_each_buffer_set)
		per = DEFAULT_CPUS_PER_BUFFER;
	if (per == 0 || per > d->ncpus)
		per = d->ncpus;
	unsigned preset = o->buf_size_preset ? o->buf_size_preset : DEFAULT_PRESET;
	if (preset > MAX_PRESET)
		return fail(err, errlen, -EINVAL, "modern_bpf: buf_size_preset %u out of range 0..%d",
		            preset, MAX_PRESET);
	size_t size = (size_t)1 << (19 + preset); /* 1 -> 1 MiB */

	d->nrings = (d->ncpus + per - 1) / per;
	d->rings = calloc(d->nrings, sizeof(*d->rings));
	if (!d->rings)
		return fail(err, errlen, -ENOMEM, "modern_bpf: out of memory");
	int outer = bpf_map__fd(d->skel->maps.ringbuf_maps);
	for (unsigned i = 0; i < d->nrings; i++) {
		int rc = drv_ring_create(&d->rings[i], size);
		if (rc < 0)
			return fail(err, errlen, rc, "modern_bpf: cannot create a %zu-byte ring buffer: %s",
			            size, strerror(-rc));
	}
	for (unsigned cpu = 0; cpu < d->ncpus; cpu++) {
		int fd = d->rings[cpu / per].fd;
		if (bpf_map_update_elem(outer, &cpu, &fd, BPF_ANY))
			return fail(err, errlen, -errno, "modern_bpf: cannot register ring buffer: %s",
			            strerror(errno));
	}
	return 0;
}

static int load(struct drv *d, const struct drv_opts *o, char *err, size_t errlen)
{
	d->skel = drv_bpf__open();
	if (!d->skel)
		return fail(err, errlen, -errno, "modern_bpf: cannot open the embedded BPF object: %s",
		            strerror(errno));
	d->skel->rodata->drv_boot_ts = boot_epoch_ns();
	d->skel->rodata->drv_snaplen = o->snaplen ? o->snaplen : DEFAULT_SNAPLEN;
	d->skel->rodata->drv_self_tgid = o->capture_self ? 0 : (uint32_t)getpid();
	d->skel->rodata->drv_drop_failed = o->drop_failed;
	bpf_map__set_max_entries(d->skel->maps.scratch_map, d->ncpus);
	bpf_map__set_max_entries(d->skel->maps.ringbuf_maps, d->ncpus);

	/* .bss is settable before load too; after load it is the mmapped map */
	choose_syscalls(d->skel, o->syscalls);
	choose_programs(d->skel);
	int rc = drv_bpf__load(d->skel);
	if (rc)
		return fail(err, errlen, rc < 0 ? rc : -EINVAL,
		            "modern_bpf: the kernel refused the BPF programs (%s)%s%s: needs BPF with "
		            "tp_btf programs and ring buffers (Linux >= 5.8)",
		            strerror(rc < 0 ? -rc : EINVAL), libbpf_last[0] ? ": " : "", libbpf_last);
	return fill_handlers(d->skel, err, errlen);
}

int drv_open(const struct drv_opts *opts, struct drv **out, char *err, size_t errlen)
{
	struct drv_opts o = {0};
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	int rc = check_environment(err, errlen);
	if (rc < 0)
		return rc;
	libbpf_set_print(libbpf_print);
	libbpf_last[0] = 0;

	struct drv *d = calloc(1, sizeof(*d));
	if (!d)
		return fail(err, errlen, -ENOMEM, "modern_bpf: out of memory");
	int n = libbpf_num_possible_cpus();
	d->ncpus = n > 0 ? (unsigned)n : 1;
	d->stats_fd = o.prog_stats ? bpf_enable_stats(BPF_STATS_RUN_TIME) : -1;
	rc = load(d, &o, err, errlen);
	if (rc == 0)
		rc = create_rings(d, &o, err, errlen);
	if (rc < 0) {
		drv_close(d);
		return rc;
	}
	*out = d;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Start, stop, close                                                        */

int drv_start(struct drv *d)
{
	struct bpf_program *progs[3] = {d->skel->progs.sys_exit, d->skel->progs.sched_exec,
	                                 d->skel->progs.sched_exit};
	for (int i = 0; i < 3; i++) {
		if (d->links[i])
			continue;
		d->links[i] = bpf_program__attach(progs[i]);
		if (!d->links[i]) {
			int e = -errno;
			drv_stop(d);
			return e;
		}
	}
	return 0;
}

int drv_stop(struct drv *d)
{
	for (int i = 0; i < 3; i++) {
		bpf_link__destroy(d->links[i]);
		d->links[i] = NULL;
	}
	return 0;
}

void drv_close(struct drv *d)
{
	if (!d)
		return;
	drv_stop(d);
	for (unsigned i = 0; d->rings && i < d->nrings; i++)
		drv_ring_destroy(&d->rings[i]);
	free(d->rings);
	if (d->stats_fd >= 0)
		close(d->stats_fd);
	drv_bpf__destroy(d->skel);
	free(d);
}

/* ------------------------------------------------------------------------ */
/* Events                                                                    */

/* The head record of a ring if it holds a well-formed event; records that
 * do not (never written by our programs) are skipped. */
static const uint8_t *head_event(struct drv_ring *r)
{
	for (;;) {
		uint32_t len;
		const uint8_t *rec = drv_ring_peek(r, &len);
		if (!rec)
			return NULL;
		uint32_t evlen;
		if (len >= DRV_REC_PREFIX + EV_HDR_LEN) {
			memcpy(&evlen, rec + DRV_REC_PREFIX + 16, sizeof(evlen));
			if (evlen >= EV_HDR_LEN && evlen <= len - DRV_REC_PREFIX)
				return rec;
		}
		drv_ring_release(r);
	}
}

int drv_next(struct drv *d, const struct ev_hdr **ev, uint16_t *cpu)
{
	if (d->last) {
		drv_ring_release(d->last);
		d->last = NULL;
	}
	const uint8_t *best = NULL;
	uint64_t best_ts = 0;
	struct drv_ring *best_ring = NULL;
	for (unsigned i = 0; i < d->nrings; i++) {
		const uint8_t *rec = head_event(&d->rings[i]);
		if (!rec)
			continue;
		uint64_t ts;
		memcpy(&ts, rec + DRV_REC_PREFIX, sizeof(ts));
		if (!best || ts < best_ts) {
			best = rec;
			best_ts = ts;
			best_ring = &d->rings[i];
		}
	}
	if (!best)
		return -EAGAIN;
	d->last = best_ring;
	uint64_t c;
	memcpy(&c, best, sizeof(c));
	*cpu = (uint16_t)c;
	*ev = (const struct ev_hdr *)(best + DRV_REC_PREFIX);
	return 0;
}

/* The programs never wake the consumer (a wakeup per event costs more than
 * the event), so waiting is polling, with a sleep that starts short and
 * doubles while the buffers stay empty (500 us up to 30 ms, as libscap). */
#define POLL_MIN_US 500
#define POLL_MAX_US 30000

static bool any_ready(struct drv *d)
{
	for (unsigned i = 0; i < d->nrings; i++) {
		uint32_t len;
		if (drv_ring_peek(&d->rings[i], &len))
			return true;
	}
	return false;
}

int drv_wait(struct drv *d, int timeout_ms)
{
	long waited_us = 0, step = POLL_MIN_US, limit = (long)timeout_ms * 1000;
	for (;;) {
		if (any_ready(d))
			return 1;
		if (waited_us >= limit)
			return 0;
		long us = step < limit - waited_us ? step : limit - waited_us;
		struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
		nanosleep(&ts, NULL);
		waited_us += us;
		step = step * 2 < POLL_MAX_US ? step * 2 : POLL_MAX_US;
	}
}

int drv_set_syscall(struct drv *d, int nr, bool on)
{
	if (nr < 0 || nr >= DRV_NR_SYSCALLS)
		return -EINVAL;
	/* a syscall whose handler was not loaded at open would silently give
	 * generic events: refuse instead */
	if (on && drv_syscall_has_handler(nr)) {
		char buf[64];
		struct bpf_program *p = bpf_object__find_program_by_name(
			d->skel->obj, program_of(drv_syscall_name(nr), buf, sizeof(buf)));
		if (!p || bpf_program__fd(p) < 0)
			return -ENOENT;
		int fd = bpf_program__fd(p);
		if (bpf_map_update_elem(bpf_map__fd(d->skel->maps.syscall_progs), &nr, &fd, BPF_ANY))
			return -errno;
	}
	d->skel->bss->drv_interesting[nr] = on;
	return 0;
}

bool drv_syscall_enabled(const struct drv *d, int nr)
{
	return nr >= 0 && nr < DRV_NR_SYSCALLS && d->skel->bss->drv_interesting[nr];
}

/* ------------------------------------------------------------------------ */
/* Counters                                                                  */

int drv_prog_stats(const struct drv *d, uint64_t *run_ns, uint64_t *runs)
{
	if (d->stats_fd < 0)
		return -ENOTSUP;
	struct bpf_program *progs[3] = {d->skel->progs.sys_exit, d->skel->progs.sched_exec,
	                                 d->skel->progs.sched_exit};
	*run_ns = *runs = 0;
	for (int i = 0; i < 3; i++) {
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info, &len))
			return -errno;
		*run_ns += info.run_time_ns;
		*runs += info.run_cnt;
	}
	return 0;
}

int drv_prog_info(const struct drv *d, struct drv_prog_info *out, unsigned max)
{
	/* our programs by link slot, named as upstream's driver names the
	 * program on the same tracepoint (metrics users key on these names) */
	static const char *const names[3] = {"sys_exit", "sched_p_exec", "sched_proc_exit"};
	struct bpf_program *progs[3] = {d->skel->progs.sys_exit, d->skel->progs.sched_exec,
	                                 d->skel->progs.sched_exit};
	unsigned n = 0;
	for (int i = 0; i < 3 && n < max; i++) {
		if (!d->links[i])
			continue;
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info, &len))
			return -errno;
		out[n++] = (struct drv_prog_info){names[i], info.run_cnt, info.run_time_ns};
	}
	return (int)n;
}

unsigned drv_ncpus(const struct drv *d)
{
	return d->ncpus;
}

int drv_counters(const struct drv *d, struct drv_counters *per_cpu, unsigned n,
                 struct drv_counters *total)
{
	struct drv_bpf_counters *v = calloc(d->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	uint32_t zero = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.counters_map), &zero, v)) {
		int e = -errno;
		free(v);
		return e;
	}
	struct drv_counters t = {0};
	for (unsigned i = 0; i < d->ncpus; i++) {
		struct drv_counters c = {v[i].n_evts, v[i].n_drops_buffer, v[i].n_drops_max_size,
		                         v[i].n_drops_scratch};
		if (per_cpu && i < n)
			per_cpu[i] = c;
		t.n_evts += c.n_evts;
		t.n_drops_buffer += c.n_drops_buffer;
		t.n_drops_max_size += c.n_drops_max_size;
		t.n_drops_other += c.n_drops_other;
	}
	if (total)
		*total = t;
	free(v);
	return 0;
}
