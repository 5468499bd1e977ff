/*
 * Benchmark: json plugin extraction through core/plugin, as a k8s audit
 * rule set uses it: per event, 6 fields (5 json.value pointers and
 * jevt.rawtime) in one call, each event new (so each payload is validated).
 * Events are the lines of $SHARED_DIR/k8saudit/ (*.json), cycled.
 * usage: plugin_json_bench [LIBJSON [CPU_SECONDS]]   prints events per CPU second and CPU ns/event
 * (defaults: the libjson.so of this build, 2 s; SHARED_DIR from the
 * environment or the build).
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugin/plugin.h"

#ifndef SHARED_DIR
#define SHARED_DIR "../shared"
#endif
#ifndef JSON_PLUGIN
#define JSON_PLUGIN "libjson.so"
#endif

#define MAXEV 256

/* CPU time of this thread: the machine may be shared, wall time is not
 * ours to measure. */
static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int load_events(char **evs, size_t *bytes)
{
	const char *shared = getenv("SHARED_DIR") ? getenv("SHARED_DIR") : SHARED_DIR;
	char pat[1024];
	glob_t g;
	int n = 0;
	snprintf(pat, sizeof(pat), "%s/k8saudit/*.json", shared);
	if (glob(pat, 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc && n < MAXEV; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;
		while (f && n < MAXEV && (len = getline(&line, &cap, f)) > 0) {
			while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == ' '))
				len--;
			if (len < 2)
				continue;
			evs[n] = malloc((size_t)len + 64);
			plugin_evt_encode_plugin(evs[n], (size_t)len + 64, 1, 1, line, (uint32_t)len);
			*bytes += (size_t)len;
			n++;
		}
		free(line);
		if (f)
			fclose(f);
	}
	globfree(&g);
	return n;
}

int main(int argc, char **argv)
{
	char err[PH_ERRLEN];
	struct ph_plugin *p;
	const char *lib = argc > 1 ? argv[1] : JSON_PLUGIN;
	if (ph_load(lib, NULL, &p, err, sizeof(err)) || ph_init(p, NULL, err, sizeof(err))) {
		fprintf(stderr, "%s\nusage: %s [LIBJSON [CPU_SECONDS]]\n", err, argv[0]);
		return 2;
	}
	double secs = argc > 2 ? atof(argv[2]) : 2.0;
	char *evs[MAXEV];
	size_t bytes = 0;
	int nev = load_events(evs, &bytes);
	if (nev == 0) {
		fprintf(stderr, "no events under $SHARED_DIR/k8saudit\n");
		return 2;
	}
	const char *names[] = {"json.value", "json.value", "json.value", "json.value", "json.value", "jevt.rawtime"};
	const char *args[] = {"/verb", "/user/username", "/objectRef/resource", "/requestObject/spec/containers/0/image",
	                      "/responseStatus/code", NULL};
	ss_plugin_extract_field req[6];
	for (int i = 0; i < 6; i++)
		if (ph_field_request(p, (uint32_t)ph_field_find(p, names[i]), args[i], &req[i], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
	uint64_t n = 0, values = 0;
	double t0 = now(), t;
	do {
		for (int k = 0; k < 1000; k++, n++) {
			ss_plugin_event_input in = {(const ss_plugin_event *)evs[n % (uint64_t)nev], n + 1, "k8s_audit"};
			if (ph_extract(p, &in, req, 6, err, sizeof(err))) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
			for (int i = 0; i < 6; i++)
				values += req[i].res_len;
		}
		t = now() - t0;
	} while (t < secs);
	printf("json plugin: %d distinct k8saudit events (avg %zu bytes), 6 fields per event\n", nev, bytes / (size_t)nev);
	printf("%.0f events per CPU second, %.0f CPU ns/event, %.2f values/event\n", (double)n / t, t * 1e9 / (double)n,
	       (double)values / (double)n);
	for (int i = 0; i < nev; i++)
		free(evs[i]);
	ph_unload(p);
	return 0;
}
