/* The live source: events from the modern eBPF driver, already current. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/engine.h"

#ifdef FALCO_HAVE_MODERN_BPF
#include "driver.h"

#define LIVE_WAIT_MS 100

static int live_next(void *impl, struct eng_raw *out)
{
	struct drv *d = impl;
	const struct ev_hdr *ev;
	uint16_t cpu;
	int rc = drv_next(d, &ev, &cpu);
	if (rc == -EAGAIN) {
		if (drv_wait(d, LIVE_WAIT_MS) <= 0)
			return ENG_TIMEOUT;
		rc = drv_next(d, &ev, &cpu);
		if (rc == -EAGAIN)
			return ENG_TIMEOUT;
	}
	if (rc < 0)
		return rc;
	out->hdr = ev;
	out->cpu = cpu;
	out->flags = 0;
	out->offset = 0;
	return 0;
}

static const char *live_error(const void *impl)
{
	(void)impl;
	return "modern_ebpf: reading the ring buffers failed";
}

static void live_stats(const void *impl, struct eng_src_stats *out)
{
	struct drv_counters t = {0};
	if (drv_counters(impl, NULL, 0, &t) < 0)
		return;
	out->events = t.n_evts;
	out->drops_buffer = t.n_drops_buffer;
	out->drops_size = t.n_drops_max_size;
	out->drops = t.n_drops_buffer + t.n_drops_max_size + t.n_drops_other;
}

static bool is_live(const struct eng_source *src)
{
	return src && src->next == live_next;
}

int eng_live_cpu_stats(const struct eng_source *src, struct eng_src_stats *per_cpu, unsigned max)
{
	if (!is_live(src))
		return -ENOTSUP;
	unsigned n = drv_ncpus(src->impl);
	n = n < max ? n : max;
	struct drv_counters *c = calloc(n ? n : 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	int rc = drv_counters(src->impl, c, n, NULL);
	for (unsigned i = 0; rc >= 0 && i < n; i++)
		per_cpu[i] = (struct eng_src_stats){c[i].n_evts,
		                                    c[i].n_drops_buffer + c[i].n_drops_max_size + c[i].n_drops_other,
		                                    c[i].n_drops_buffer, c[i].n_drops_max_size};
	free(c);
	return rc < 0 ? rc : (int)n;
}

int eng_live_prog_stats(const struct eng_source *src, struct eng_prog_stats *out, unsigned max)
{
	if (!is_live(src))
		return -ENOTSUP;
	struct drv_prog_info info[8];
	int n = drv_prog_info(src->impl, info, max < 8 ? max : 8);
	for (int i = 0; i < n; i++)
		out[i] = (struct eng_prog_stats){info[i].name, info[i].run_cnt, info[i].run_time_ns};
	return n;
}

static void live_close(void *impl)
{
	drv_close(impl);
}

bool eng_live_available(void)
{
	return true;
}

int eng_live_open(const struct eng_live_opts *opts, struct eng_source *out, char *err)
{
	struct drv_opts o = {.sz = sizeof(o)};
	if (opts != NULL) {
		o.cpus_for_each_buffer = opts->cpus_for_each_buffer;
		o.cpus_for_each_buffer_set = opts->cpus_for_each_buffer_set;
		o.buf_size_preset = opts->buf_size_preset;
		o.drop_failed = opts->drop_failed_exit;
		o.syscalls = opts->syscalls;
	}
	struct drv *d;
	char derr[256] = "";
	int rc = drv_open(&o, &d, derr, sizeof(derr));
	if (rc < 0) {
		snprintf(err, ENG_ERR_LEN, "modern_ebpf: %s", derr[0] ? derr : "cannot open the driver");
		return rc;
	}
	rc = drv_start(d);
	if (rc < 0) {
		snprintf(err, ENG_ERR_LEN, "modern_ebpf: cannot attach the programs (%d)", rc);
		drv_close(d);
		return rc;
	}
	*out = (struct eng_source){
		.kind = "live",
		.name = "modern_ebpf",
		.convert = false,
		.is_capture = false,
		.impl = d,
		.next = live_next,
		.error = live_error,
		.close = live_close,
		.stats = live_stats,
	};
	return 0;
}

#else

bool eng_live_available(void)
{
	return false;
}

int eng_live_cpu_stats(const struct eng_source *src, struct eng_src_stats *per_cpu, unsigned max)
{
	(void)src;
	(void)per_cpu;
	(void)max;
	return -ENOTSUP;
}

int eng_live_prog_stats(const struct eng_source *src, struct eng_prog_stats *out, unsigned max)
{
	(void)src;
	(void)out;
	(void)max;
	return -ENOTSUP;
}

int eng_live_open(const struct eng_live_opts *opts, struct eng_source *out, char *err)
{
	(void)opts;
	(void)out;
	snprintf(err, ENG_ERR_LEN, "modern_ebpf: this build has no live driver (needs clang, bpftool, libbpf, BTF)");
	return -ENOTSUP;
}

#endif
