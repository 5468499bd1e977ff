/*
 * Definitions shared by the BPF programs and their userspace loader: sizes,
 * the per-CPU counters layout and the table of syscall handlers. Types are
 * the kernel's fixed-width __u* so that both sides see the same layout.
 */
#ifndef DRV_BPF_SHARED_H
#define DRV_BPF_SHARED_H

/* Syscall numbers the dispatcher accepts (x86_64 has about 460). */
#define DRV_NR_SYSCALLS 512

/* Largest event the driver emits; the scratch buffer is twice this so that
 * a write at any masked offset below DRV_MAX_EVENT stays inside it. */
#define DRV_MAX_EVENT (64 * 1024)
#define DRV_SCRATCH_SIZE (2 * DRV_MAX_EVENT)

/* Bytes before each event in a ring record: the CPU number as a u64. */
#define DRV_REC_PREFIX 8

/* Per-CPU counters, in a BPF_MAP_TYPE_PERCPU_ARRAY of one entry. */
struct drv_bpf_counters {
	__u64 n_evts;           /* events written to a ring buffer */
	__u64 n_drops_buffer;   /* events lost because the ring buffer was full */
	__u64 n_drops_max_size; /* events lost because they exceeded DRV_MAX_EVENT */
	__u64 n_drops_scratch;  /* events lost because no scratch buffer or ring was found */
};

#endif
