/* Alert throughput: what an event thread pays to render and queue one alert
 * (text and JSON), and how many alerts per second the output thread writes
 * to a file sink (keep_alive, /dev/null). Prints its figures. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/output.h"

#define N 200000

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void run(bool json)
{
	char err[256];
	uint8_t buf[256];
	int64_t res = 0, fd = 3;
	const void *vals[] = {&res, &fd};
	const uint32_t lens[] = {8, 8};
	struct ev_view ev;
	int64_t n = ev_encode(buf, sizeof buf, 1507591916746609046ull, 42, EV_SYSCALL_CLOSE_X, 2, vals,
	                      lens);
	if (n < 0 || ev_decode(buf, (size_t)n, &ev))
		exit(1);
	struct fld_reg *reg = fld_reg_new();
	fld_reg_add_builtin(reg);
	struct flt_compiler *c = flt_compiler_new(reg, "syscall");
	struct out_config oc;
	out_config_defaults(&oc);
	oc.stdout_enabled = oc.syslog_enabled = false;
	oc.json_output = json;
	oc.file_enabled = oc.file_keep_alive = true;
	oc.file_filename = "/dev/null";
	oc.buffered_outputs = true;
	oc.hostname = "bench";
	struct out_mgr *m = out_mgr_new(&oc, err, sizeof err);
	const char *tags[] = {"filesystem", "mitre_persistence"};
	struct out_rule_desc d = {"Bench rule", "syscall",
	                          "Close seen (num=%evt.num type=%evt.type args=%evt.args res=%evt.res "
	                          "cpu=%evt.cpu dir=%evt.dir)",
	                          OUT_PRI_WARNING, tags, 2};
	struct out_rule *r = m ? out_rule_compile(m, c, reg, &d, err, sizeof err) : NULL;
	if (!r) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	struct fld_ctx ctx;
	fld_ctx_init(&ctx, flt_compiler_nslots(c));
	ctx.ev = &ev;
	ctx.source = "syscall";
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < N; i++) {
		fld_ctx_next(&ctx);
		ctx.num = i + 1;
		free(out_rule_render(m, r, &ctx));
	}
	uint64_t t1 = now_ns();
	for (uint64_t i = 0; i < N; i++) {
		fld_ctx_next(&ctx);
		ctx.num = i + 1;
		out_rule_alert(m, r, &ctx);
	}
	uint64_t t2 = now_ns();
	out_mgr_flush(m, 60000);
	uint64_t t3 = now_ns();
	struct out_stats s;
	out_mgr_stats(m, &s);
	printf("output_bench %s: render %.0f ns/alert; render+queue %.0f ns/alert (event thread); "
	       "written %" PRIu64 " alerts at %.0f alerts/s (file sink)\n",
	       json ? "json" : "text", (double)(t1 - t0) / N, (double)(t2 - t1) / N, s.written,
	       (double)s.written * 1e9 / (double)(t3 - t1));
	fld_ctx_fini(&ctx);
	out_mgr_free(m);
	flt_compiler_free(c);
	fld_reg_free(reg);
}

int main(void)
{
	run(false);
	run(true);
	return 0;
}
