/* Capture decoding benchmark: writes a capture of at least 1,000,000 events
 * (the events of a shared capture repeated, timestamps shifted so they keep
 * increasing) with our writer, then times reading it back, plain and gzip,
 * and prints the median of several runs in events/s and MB/s (uncompressed
 * bytes), by process CPU time (stable on a shared machine) and wall time.
 * usage: bench_capture [SOURCE.scap [OUT_PREFIX]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "capture/capture.h"

#define TARGET_EVENTS 1000000u
#define RUNS 5

struct evcopy {
	uint8_t *ev;
	uint16_t cpu;
	uint32_t flags;
};

static double clk(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Timings of one run: CPU time of the process and wall time. */
struct timing {
	double cpu, wall;
};
static struct timing t_start(void)
{
	return (struct timing){clk(CLOCK_PROCESS_CPUTIME_ID), clk(CLOCK_MONOTONIC)};
}
static struct timing t_since(struct timing t0)
{
	return (struct timing){clk(CLOCK_PROCESS_CPUTIME_ID) - t0.cpu, clk(CLOCK_MONOTONIC) - t0.wall};
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Writes `out` from the events of `src`; returns the number written. */
static size_t make_capture(const char *src, const char *out, bool gzip)
{
	char err[CAP_ERR_LEN];
	struct cap_reader *r = cap_open(src, NULL, err);
	if (r == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	size_t n = 0, cap = 4096;
	struct evcopy *evs = malloc(cap * sizeof(*evs));
	struct cap_event ev;
	uint64_t first = 0, last = 0;
	while (cap_next(r, &ev) == 0) {
		if (n == cap)
			evs = realloc(evs, (cap *= 2) * sizeof(*evs));
		struct ev_hdr h;
		memcpy(&h, ev.hdr, sizeof(h));
		evs[n].ev = malloc(h.len);
		memcpy(evs[n].ev, ev.hdr, h.len);
		evs[n].cpu = ev.cpu;
		evs[n].flags = ev.flags;
		if (n == 0)
			first = h.ts;
		last = h.ts;
		n++;
	}
	struct cap_writer_opts wo = {.sz = sizeof(wo), .gzip = gzip, .level = 1};
	struct cap_writer *w = cap_writer_open(out, &wo, err);
	if (w == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	cap_write_meta(w, cap_meta(r));
	size_t written = 0;
	for (uint64_t round = 0; written < TARGET_EVENTS; round++) {
		for (size_t i = 0; i < n; i++) {
			struct ev_hdr h;
			memcpy(&h, evs[i].ev, sizeof(h));
			h.ts += round * (last - first + 1000);
			memcpy(evs[i].ev, &h, sizeof(h));
			cap_write_event(w, (const struct ev_hdr *)evs[i].ev, evs[i].cpu, evs[i].flags);
			h.ts -= round * (last - first + 1000);
			memcpy(evs[i].ev, &h, sizeof(h));
			written++;
		}
	}
	if (cap_writer_close(w, err) != 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		free(evs[i].ev);
	free(evs);
	cap_close(r);
	return written;
}

/* One timed read of the whole file; `decode` also runs ev_decode. */
static struct timing read_once(const char *path, bool decode, uint64_t *events, uint64_t *bytes)
{
	char err[CAP_ERR_LEN];
	struct timing t0 = t_start();
	struct cap_reader *r = cap_open(path, NULL, err);
	if (r == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	struct cap_event ev;
	uint64_t n = 0, sum = 0;
	int rc;
	while ((rc = cap_next(r, &ev)) == 0) {
		n++;
		if (decode) {
			struct ev_view v;
			uint32_t len;
			memcpy(&len, &ev.hdr->len, 4);
			if (ev_decode(ev.hdr, len, &v) == 0)
				sum += v.nparams;
		} else {
			uint16_t type;
			memcpy(&type, &ev.hdr->type, 2);
			sum += type;
		}
	}
	struct timing t = t_since(t0);
	if (rc != CAP_EOF) {
		fprintf(stderr, "%s\n", cap_error(r));
		exit(1);
	}
	struct cap_stats st;
	cap_get_stats(r, &st);
	cap_close(r);
	*events = n;
	*bytes = st.bytes;
	if (sum == 42) /* keep the loop's work observable */
		fputc(' ', stderr);
	return t;
}

/* The source capture as stored (V1 event blocks in most shared captures),
 * decompressed into memory and read with cap_open_mem again and again until
 * TARGET_EVENTS: measures V1 normalisation and metadata parsing. */
static struct timing read_source_mem(const uint8_t *buf, size_t len, uint64_t *events,
                                     uint64_t *bytes)
{
	char err[CAP_ERR_LEN];
	uint64_t n = 0, b = 0, sum = 0;
	struct timing t0 = t_start();
	while (n < TARGET_EVENTS) {
		struct cap_reader *r = cap_open_mem(buf, len, NULL, err);
		if (r == NULL) {
			fprintf(stderr, "%s\n", err);
			exit(1);
		}
		struct cap_event ev;
		while (cap_next(r, &ev) == 0) {
			uint16_t type;
			memcpy(&type, &ev.hdr->type, 2);
			sum += type;
			n++;
		}
		b += len;
		cap_close(r);
	}
	struct timing t = t_since(t0);
	*events = n;
	*bytes = b;
	if (sum == 42)
		fputc(' ', stderr);
	return t;
}

static uint8_t *gunzip_file(const char *path, size_t *len)
{
	gzFile gz = gzopen(path, "rb");
	if (gz == NULL) {
		perror(path);
		exit(1);
	}
	size_t cap = 1 << 20, n = 0;
	uint8_t *p = malloc(cap);
	int got;
	while ((got = gzread(gz, p + n, (unsigned)(cap - n))) > 0)
		if ((n += (size_t)got) == cap)
			p = realloc(p, cap *= 2);
	gzclose(gz);
	*len = n;
	return p;
}

static void report(const char *label, const struct timing *t, uint64_t events, uint64_t bytes)
{
	double cpu[RUNS], wall[RUNS];
	for (int i = 0; i < RUNS; i++) {
		cpu[i] = t[i].cpu;
		wall[i] = t[i].wall;
	}
	qsort(cpu, RUNS, sizeof(cpu[0]), cmp_double);
	qsort(wall, RUNS, sizeof(wall[0]), cmp_double);
	double c = cpu[RUNS / 2], w = wall[RUNS / 2];
	printf("%-34s %7llu events %5.1f MB: %6.2f M events/s %7.1f MB/s (CPU %.3f s) | "
	       "wall %6.2f M events/s %7.1f MB/s\n",
	       label, (unsigned long long)events, bytes / 1e6, events / c / 1e6, bytes / c / 1e6, c,
	       events / w / 1e6, bytes / w / 1e6);
}

static void bench(const char *label, const char *path, bool decode)
{
	struct timing t[RUNS];
	uint64_t events = 0, bytes = 0;
	for (int i = 0; i < RUNS; i++)
		t[i] = read_once(path, decode, &events, &bytes);
	report(label, t, events, bytes);
}

int main(int argc, char **argv)
{
	const char *src = argc > 1 ? argv[1] : SHARED_DIR "/captures/curl_google.scap";
	const char *prefix = argc > 2 ? argv[2] : "/tmp/falco-bench-capture";
	char plain[512], gz[512];
	snprintf(plain, sizeof(plain), "%s.scap", prefix);
	snprintf(gz, sizeof(gz), "%s.scap.gz", prefix);

	size_t n = make_capture(src, plain, false);
	make_capture(src, gz, true);
	printf("source %s: %zu events written to %s and %s; median of %d runs\n", src, n, plain, gz,
	       RUNS);
	bench("read, plain", plain, false);
	bench("read + ev_decode, plain", plain, true);
	bench("read, gzip -1", gz, false);

	size_t len;
	uint8_t *buf = gunzip_file(src, &len);
	struct timing t[RUNS];
	uint64_t events = 0, bytes = 0;
	for (int i = 0; i < RUNS; i++)
		t[i] = read_source_mem(buf, len, &events, &bytes);
	report("source as stored, memory, repeated", t, events, bytes);
	free(buf);
	return 0;
}
