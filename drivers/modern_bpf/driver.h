/*
 * drivers/modern_bpf: live syscall capture with our CO-RE eBPF programs.
 *
 * The programs (compiled into this library as a libbpf skeleton) write scap
 * events of upstream's schema 4.x into per-CPU-group BPF ring buffers; this
 * API loads and attaches them, chooses the syscalls captured, and hands the
 * events back in timestamp order across the buffers.
 *
 *   struct drv_opts o = { .sz = sizeof(o) };   // every other field: default
 *   struct drv *d;
 *   char err[256];
 *   if (drv_open(&o, &d, err, sizeof(err)) < 0) { puts(err); exit(1); }
 *   drv_start(d);
 *   for (;;) {
 *       const struct ev_hdr *ev; uint16_t cpu;
 *       int rc = drv_next(d, &ev, &cpu);
 *       if (rc == -EAGAIN) { drv_wait(d, 100); continue; }
 *       ...                                   // ev valid until the next call
 *   }
 *   drv_close(d);
 *
 * Errors are negative errno values. Not thread-safe: one consumer thread.
 */
#ifndef FALCO_DRIVERS_MODERN_BPF_DRIVER_H
#define FALCO_DRIVERS_MODERN_BPF_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

/* Syscall numbers (x86_64) run from 0 to DRV_NR_SYSCALLS - 1. */
#define DRV_NR_SYSCALLS 512

struct drv_opts {
	size_t sz; /* sizeof(struct drv_opts): lets the struct grow */

	/* CPUs sharing one ring buffer (engine.modern_ebpf.cpus_for_each_buffer).
	 * Default 2; 0 (or more than the CPUs) means one buffer for every CPU.
	 * CPUs are grouped by number over the possible CPUs (upstream groups
	 * the online ones; the same on machines without offline CPUs). */
	uint32_t cpus_for_each_buffer;
	bool cpus_for_each_buffer_set; /* true when 0 above is meant, not "default" */

	/* Size of each ring buffer (engine.modern_ebpf.buf_size_preset):
	 * 1 = 1 MiB, 2 = 2 MiB, ... 10 = 512 MiB (doubling). 0: default, 4 (8 MiB). */
	uint32_t buf_size_preset;

	/* The syscalls captured: syscalls[nr] for every nr below
	 * DRV_NR_SYSCALLS. NULL: every syscall that has a handler, except the
	 * read/write family. Only the handlers of these syscalls are loaded. */
	const bool *syscalls;

	/* Bytes of I/O buffers copied into read/write/send/recv events.
	 * 0: default 80 (upstream's snaplen). */
	uint32_t snaplen;

	/* Capture the calling process too (tests do). Default: not captured. */
	bool capture_self;

	/* Drop the events of syscalls that failed (engine.modern_ebpf.
	 * drop_failed_exit). Default false. */
	bool drop_failed;

	/* Have the kernel account the time spent in our programs (for
	 * drv_prog_stats; costs two clock reads per program run). Default false. */
	bool prog_stats;
};

/* Opaque; owned by the caller from drv_open until drv_close. */
struct drv;

/* Loads the programs and creates the buffers (not yet attached). On error
 * returns a negative errno and writes one line saying what is missing (root,
 * BTF, BPF support) into err (may be NULL). */
int drv_open(const struct drv_opts *opts, struct drv **out, char *err, size_t errlen);

/* Attaches the programs: capture begins. Idempotent. */
int drv_start(struct drv *d);

/* Detaches the programs: capture ends; buffered events can still be read. */
int drv_stop(struct drv *d);

/* The next event in timestamp order. Returns 0 and sets *ev (pointing into a
 * ring buffer, valid until the next drv_next or drv_close) and *cpu, or
 * -EAGAIN when every buffer is empty. */
int drv_next(struct drv *d, const struct ev_hdr **ev, uint16_t *cpu);

/* Returns 1 as soon as an event is available, 0 after timeout_ms without
 * one. The kernel side never wakes us (that would cost a wakeup per event),
 * so this polls the buffers, sleeping 500 us at first and doubling up to
 * 30 ms while they stay empty. */
int drv_wait(struct drv *d, int timeout_ms);

/* Turns capture of one syscall on or off, at any time. Returns -ENOENT when
 * turning on a syscall whose handler was not loaded at open (it was not in
 * drv_opts.syscalls); syscalls without a handler can always be turned on
 * (generic events). */
int drv_set_syscall(struct drv *d, int nr, bool on);

/* Whether a syscall is captured now. */
bool drv_syscall_enabled(const struct drv *d, int nr);

struct drv_counters {
	uint64_t n_evts;           /* events written to the buffers */
	uint64_t n_drops_buffer;   /* lost: buffer full */
	uint64_t n_drops_max_size; /* lost: event larger than 64 KiB */
	uint64_t n_drops_other;    /* lost: no scratch space or buffer found */
};

/* Number of CPUs the counters cover (possible CPUs). */
unsigned drv_ncpus(const struct drv *d);

/* Fills per_cpu[0 .. n-1] (n <= drv_ncpus) and *total (may be NULL). */
int drv_counters(const struct drv *d, struct drv_counters *per_cpu, unsigned n,
                 struct drv_counters *total);

/* Time the kernel spent in the attached programs (handlers included, as
 * they run by tail call) and how many times they ran, since drv_open.
 * -ENOTSUP unless opened with prog_stats. */
int drv_prog_stats(const struct drv *d, uint64_t *run_ns, uint64_t *runs);

/* One attached program's kernel run-time accounting (bpf_prog_info). The
 * counters only grow while the kernel accounts run time: with prog_stats,
 * or while /proc/sys/kernel/bpf_stats_enabled is 1. */
struct drv_prog_info {
	const char *name;     /* upstream's program name for the same hook:
	                       * "sys_exit", "sched_p_exec", "sched_proc_exit" */
	uint64_t run_cnt;
	uint64_t run_time_ns;
};

/* Fills out[0 .. max-1] with the attached programs (none before drv_start)
 * and returns how many, or a negative errno. */
int drv_prog_info(const struct drv *d, struct drv_prog_info *out, unsigned max);

/* Detaches, unmaps and frees everything. NULL is a no-op. */
void drv_close(struct drv *d);

/* Syscall names (x86_64 numbering). drv_syscall_nr returns -1 for an
 * unknown name; drv_syscall_name NULL for an unknown number. */
int drv_syscall_nr(const char *name);
const char *drv_syscall_name(int nr);

/* True when the driver has a dedicated handler for the syscall (its event
 * carries the syscall's parameters); other captured syscalls give generic
 * events (code 1: ppm_sc id and native id). */
bool drv_syscall_has_handler(int nr);

/* The exit event code a captured syscall produces: its handler's, or
 * EV_GENERIC_X for syscalls without one. (A successful execveat produces
 * EV_SYSCALL_EXECVE_19_X, as upstream's driver does.) */
uint16_t drv_syscall_event(int nr);

/* The syscall numbers whose capture produces event `code` (enter or exit
 * code of a schema 4.x syscall event): writes up to `max` of them to nrs and
 * returns how many there are (0 for events that no handler writes, such as
 * procexit, which is always captured, or generic-only syscalls: find those
 * with drv_syscall_nr by name). For turning the event types a rule set
 * needs into drv_opts.syscalls. */
int drv_event_syscalls(uint16_t code, int *nrs, size_t max);

/* ppm_sc code (upstream's syscall id, SYSCALLID parameters) of a syscall
 * number; 0 when unknown. */
uint16_t drv_syscall_ppm_sc(int nr);

#endif
