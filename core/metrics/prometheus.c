/* Prometheus text exposition of snapshots, as upstream's /metrics endpoint
 * writes it (falco_metrics.cpp over libs' prometheus_metrics_converter). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"
#include "metrics/metrics_int.h"

/* Prometheus unit names by enum metrics_unit. */
static const char *const unit_names[] = {
	"total", "ratio", "percentage", "bytes", "kibibytes", "megabytes",
	"nanoseconds", "seconds", "nanoseconds_total", "seconds_total", "timestamp_nanoseconds",
};

/* Unit suffixes libs strips from raw names before appending the unit's
 * Prometheus name; at each position the longest one matching goes. */
static const char *const unit_suffixes[] = {
	"_percentage", "_total", "_bytes", "_ratio", "_perc", "_sec", "_kb", "_mb", "_ns", "_ts",
};

static void strip_units(const char *in, struct mbuf *out)
{
	for (const char *p = in; *p;) {
		size_t skip = 0;
		for (size_t k = 0; k < sizeof(unit_suffixes) / sizeof(unit_suffixes[0]); k++) {
			size_t l = strlen(unit_suffixes[k]);
			if (l > skip && strncmp(p, unit_suffixes[k], l) == 0)
				skip = l;
		}
		if (skip)
			p += skip;
		else
			mbuf_add(out, p++, 1);
	}
}

/* [^a-zA-Z0-9_:] (label keys: also ':') become '_', runs of '_' collapse,
 * and a name not starting with a letter or '_' gets a leading '_'. */
static void sanitize(const char *in, bool colon_ok, struct mbuf *out)
{
	struct mbuf t = {0};
	for (const char *p = in; *p; p++) {
		char c = *p;
		if (!isalnum((unsigned char)c) && c != '_' && !(c == ':' && colon_ok))
			c = '_';
		if (c == '_' && t.len > 0 && t.p[t.len - 1] == '_')
			continue;
		mbuf_add(&t, &c, 1);
	}
	if (t.failed) {
		out->failed = true;
		return;
	}
	if (t.len == 0 || (!isalpha((unsigned char)t.p[0]) && t.p[0] != '_'))
		mbuf_add(out, "_", 1);
	if (t.len)
		mbuf_add(out, t.p, t.len);
	free(t.p);
}

/* libs' prometheus_exposition_text: HELP, TYPE, the sample line. */
static void exposition(struct mbuf *b, const char *qualified, const char *type, const char *value,
                       const char *const *labels, size_t nlabels, const char *help_suffix)
{
	struct mbuf fqn = {0};
	sanitize(qualified, true, &fqn);
	const char *name = fqn.failed ? "" : fqn.p;
	mbuf_printf(b, "# HELP %s https://falco.org/docs/metrics/%s\n# TYPE %s %s\n%s", name,
	            help_suffix ? help_suffix : "", name, type, name);
	bool first = true;
	for (size_t i = 0; i < nlabels; i++) {
		if (!labels[2 * i][0])
			continue;
		mbuf_add(b, first ? "{" : ",", 1);
		first = false;
		struct mbuf k = {0};
		sanitize(labels[2 * i], false, &k);
		mbuf_printf(b, "%s=\"%s\"", k.failed ? "" : k.p, labels[2 * i + 1]);
		free(k.p);
	}
	mbuf_printf(b, "%s%s\n", first ? " " : "} ", value);
	free(fqn.p);
	if (fqn.failed)
		b->failed = true;
}

static void value_text(const struct metrics_value *v, char *out, size_t cap)
{
	switch (v->type) {
	case METRICS_T_U32: snprintf(out, cap, "%" PRIu32, v->v.u32); break;
	case METRICS_T_S32: snprintf(out, cap, "%" PRId32, v->v.s32); break;
	case METRICS_T_U64: snprintf(out, cap, "%" PRIu64, v->v.u64); break;
	case METRICS_T_S64: snprintf(out, cap, "%" PRId64, v->v.s64); break;
	case METRICS_T_D: snprintf(out, cap, "%f", v->v.d); break;
	case METRICS_T_F: snprintf(out, cap, "%f", (double)v->v.f); break;
	case METRICS_T_I: snprintf(out, cap, "%d", v->v.i); break;
	}
}

/* libs' prometheus unit convention: memory to bytes, percentages to ratios. */
static void to_prometheus_units(struct metrics_value *v)
{
	if (metrics_is_memory_int(v)) {
		v->v.d = metrics_to_bytes(v);
		metrics_memory_rename(v->name, sizeof(v->name), "_bytes");
		v->type = METRICS_T_D;
		v->unit = METRICS_U_BYTES;
	} else if (v->unit == METRICS_U_PERC && v->type == METRICS_T_D) {
		v->v.d /= 100.0;
		char out[METRICS_NAME_MAX];
		size_t n = 0;
		for (const char *p = v->name; *p && n + 7 < sizeof(out);) {
			if (strncmp(p, "_perc", 5) == 0) {
				memcpy(out + n, "_ratio", 6);
				n += 6;
				p += 5;
			} else {
				out[n++] = *p++;
			}
		}
		out[n] = 0;
		snprintf(v->name, sizeof(v->name), "%s", out);
		v->unit = METRICS_U_RATIO;
	}
}

/* libs' prometheus_qualifier: "<ns>_<subsystem>_", empty parts left out. */
static void qualifier(struct mbuf *q, const char *ns, const char *subsystem)
{
	if (ns && *ns)
		mbuf_printf(q, "%s_", ns);
	if (subsystem && *subsystem)
		mbuf_printf(q, "%s_", subsystem);
}

static void metric_ns(struct mbuf *b, const struct metrics_value *in, const char *ns, const char *subsystem,
                      const char *const *labels, size_t nlabels, const char *help_suffix)
{
	struct metrics_value v = *in;
	to_prometheus_units(&v);
	struct mbuf q = {0}, name = {0};
	qualifier(&q, ns, subsystem);
	mbuf_printf(&q, "%s_", v.name);
	strip_units(q.failed ? "" : q.p, &name);
	mbuf_add(&name, unit_names[v.unit], strlen(unit_names[v.unit]));
	char val[64];
	value_text(&v, val, sizeof(val));
	exposition(b, name.failed ? "" : name.p, v.kind == METRICS_K_MONOTONIC ? "counter" : "gauge", val, labels,
	           nlabels, help_suffix);
	if (q.failed || name.failed)
		b->failed = true;
	free(q.p);
	free(name.p);
}

static void metric(struct mbuf *b, const struct metrics_value *v, const char *subsystem, const char *const *labels,
                   size_t nlabels, const char *help_suffix)
{
	metric_ns(b, v, "falcosecurity", subsystem, labels, nlabels, help_suffix);
}

static void info_ns(struct mbuf *b, const char *ns, const char *subsystem, const char *name,
                    const char *const *labels, size_t n)
{
	struct mbuf q = {0};
	qualifier(&q, ns, subsystem);
	mbuf_printf(&q, "%s_info", name);
	exposition(b, q.failed ? "" : q.p, "gauge", "1", labels, n, NULL);
	if (q.failed)
		b->failed = true;
	free(q.p);
}

static int finish(struct mbuf *b, char **buf, size_t *len)
{
	if (b->failed) {
		free(b->p);
		*buf = NULL;
		*len = 0;
		return -ENOMEM;
	}
	*buf = b->p;
	*len = b->len;
	return 0;
}

int metrics_prometheus_info(char **buf, size_t *len, const char *name, const char *ns, const char *subsystem,
                            const char *const *labels, size_t nlabels)
{
	struct mbuf b = {*buf, *len, *buf ? *len + 1 : 0, false};
	info_ns(&b, ns, subsystem, name, labels, nlabels);
	return finish(&b, buf, len);
}

int metrics_prometheus_metric(char **buf, size_t *len, const struct metrics_value *v, const char *ns,
                              const char *subsystem, const char *const *labels, size_t nlabels,
                              const char *help_suffix)
{
	struct mbuf b = {*buf, *len, *buf ? *len + 1 : 0, false};
	metric_ns(&b, v, ns, subsystem, labels, nlabels, help_suffix);
	return finish(&b, buf, len);
}

/* An "_info" gauge of value 1 carrying labels. */
static void info(struct mbuf *b, const char *subsystem, const char *name, const char *const *labels, size_t n)
{
	info_ns(b, "falcosecurity", subsystem, name, labels, n);
}

static struct metrics_value wrap(const char *name, enum metrics_kind k, enum metrics_type t, enum metrics_unit u)
{
	struct metrics_value v = {.cat = 0, .kind = k, .type = t, .unit = u};
	snprintf(v.name, sizeof(v.name), "%s", name);
	return v;
}

static int cmp_label(const void *a, const void *b)
{
	return strcmp(((const char *const *)a)[0], ((const char *const *)b)[0]);
}

/* falcosecurity_falco_rules_matches_total{priority,rule_name,source,tag_*}
 * for the rules that matched. */
static void rules(struct mbuf *b, const struct metrics_snapshot *s)
{
	for (size_t i = 0; s->rules_counters && i < s->nrules; i++) {
		const struct metrics_rule *r = &s->rules[i];
		if (r->matches == 0)
			continue;
		size_t n = 3 + r->ntags;
		const char **l = calloc(2 * n, sizeof(*l));
		char **tagkeys = calloc(r->ntags + 1, sizeof(*tagkeys));
		char prio[16];
		snprintf(prio, sizeof(prio), "%d", r->priority);
		if (!l || !tagkeys) {
			b->failed = true;
			free(l);
			free(tagkeys);
			return;
		}
		l[0] = "rule_name", l[1] = r->name, l[2] = "priority", l[3] = prio, l[4] = "source", l[5] = r->source;
		size_t k = 3;
		for (size_t t = 0; t < r->ntags; t++) {
			if (asprintf(&tagkeys[t], "tag_%s", r->tags[t]) < 0) {
				tagkeys[t] = NULL;
				b->failed = true;
				continue;
			}
			l[2 * k] = tagkeys[t], l[2 * k + 1] = "true";
			k++;
		}
		qsort(l, k, 2 * sizeof(*l), cmp_label);
		struct metrics_value v = wrap("rules_matches", METRICS_K_MONOTONIC, METRICS_T_U64, METRICS_U_COUNT);
		v.v.u64 = r->matches;
		metric(b, &v, "falco", l, k, NULL);
		for (size_t t = 0; t < r->ntags; t++)
			free(tagkeys[t]);
		free(tagkeys);
		free(l);
	}
}

/* "n_evts_cpu_7" -> "n_evts_cpu_" with cpu "7"; false when not per-CPU. */
static bool per_cpu(const char *name, char *base, size_t cap, char *cpu, size_t cpucap)
{
	if (strncmp(name, "n_evts_cpu", 10) != 0 && strncmp(name, "n_drops_cpu", 11) != 0)
		return false;
	const char *d = name + strcspn(name, "0123456789");
	if (!*d)
		return false;
	size_t dl = strspn(d, "0123456789");
	snprintf(cpu, cpucap, "%.*s", (int)dl, d);
	snprintf(base, cap, "%.*s%s", (int)(d - name), name, d + dl);
	return true;
}

/* "n_drops_buffer_clone_fork_exit" -> drop "clone_fork"; false otherwise. */
static bool drop_kind(const char *name, char *drop, size_t cap)
{
	size_t n = strlen(name), pl = strlen("n_drops_buffer_"), sl = strlen("_exit");
	if (strncmp(name, "n_drops_buffer_", pl) != 0 || n <= pl + sl || strcmp(name + n - sl, "_exit") != 0)
		return false;
	snprintf(drop, cap, "%.*s", (int)(n - pl - sl), name + pl);
	return drop[0] != '_' && drop[strlen(drop) - 1] != '_' && !strstr(drop, "__");
}

static void syscall_value(struct mbuf *b, const struct metrics_value *v)
{
	const char *sub = v->cat & CFG_METRICS_RESOURCE_UTILIZATION ? "falco"
	                  : v->cat & CFG_METRICS_PLUGINS           ? "plugins"
	                                                           : "scap";
	char base[METRICS_NAME_MAX], cpu[16], drop[METRICS_NAME_MAX];
	if (per_cpu(v->name, base, sizeof(base), cpu, sizeof(cpu))) {
		struct metrics_value c = wrap(base, METRICS_K_MONOTONIC, METRICS_T_U64, METRICS_U_COUNT);
		c.v.u64 = v->v.u64;
		const char *l[] = {"cpu", cpu};
		metric(b, &c, sub, l, 1, NULL);
	} else if (strcmp(v->name, "n_drops_buffer_total") == 0) {
		/* the kinds below carry the total as labels */
	} else if (strncmp(v->name, "n_drops_buffer", 14) == 0) {
		if (!drop_kind(v->name, drop, sizeof(drop)))
			return;
		struct metrics_value c = wrap("n_drops_buffer", METRICS_K_MONOTONIC, METRICS_T_U64, METRICS_U_COUNT);
		c.v.u64 = v->v.u64;
		const char *l[] = {"dir", "exit", "drop", drop};
		metric(b, &c, sub, l, 2, NULL);
	} else {
		metric(b, v, sub, NULL, 0, NULL);
	}
}

/* Upstream keeps the enter-event drop kinds it no longer tracks, at 0. */
static void deprecated_enter_drops(struct mbuf *b)
{
	static const char *const kinds[] = {"clone_fork", "execve", "connect", "open", "dir_file", "other_interest"};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct metrics_value c = wrap("n_drops_buffer", METRICS_K_MONOTONIC, METRICS_T_U64, METRICS_U_COUNT);
		const char *l[] = {"dir", "enter", "drop", kinds[i]};
		metric(b, &c, "scap", l, 2,
		       " (DEPRECATED: enter events are no longer tracked in falcosecurity/libs)");
	}
}

static void source(struct mbuf *b, const struct metrics_snapshot *s)
{
	if (s->engine_name) {
		const char *l[] = {"engine_name", s->engine_name, "evt_source", s->source};
		info(b, "scap", "engine_name", l, 2);
	}
	bool syscall = strcmp(s->source, "syscall") == 0;
	for (size_t i = 0; i < s->nvals; i++) {
		if (!syscall) {
			if (s->vals[i].cat & CFG_METRICS_PLUGINS)
				metric(b, &s->vals[i], "plugins", NULL, 0, NULL);
			continue;
		}
		syscall_value(b, &s->vals[i]);
	}
	if (syscall)
		deprecated_enter_drops(b);
}

/* The wrapper values upstream adds after everything else, in its order. */
static void wrapper_values(struct mbuf *b, const struct metrics_snapshot *s)
{
	struct metrics_value v[6];
	size_t n = 0;
	v[n] = wrap("outputs_queue_num_drops", METRICS_K_MONOTONIC, METRICS_T_U64, METRICS_U_COUNT);
	v[n++].v.u64 = s->outputs_queue_num_drops;
	v[n] = wrap("reload_ts", METRICS_K_GAUGE, METRICS_T_S64, METRICS_U_TS_NS);
	v[n++].v.s64 = s->reload_ts;
	if (s->start_ts) {
		v[n] = wrap("start_ts", METRICS_K_GAUGE, METRICS_T_U64, METRICS_U_TS_NS);
		v[n++].v.u64 = s->start_ts;
		v[n] = wrap("duration_sec", METRICS_K_MONOTONIC, METRICS_T_U64, METRICS_U_S_COUNT);
		v[n++].v.u64 = s->now_ns > s->start_ts ? (s->now_ns - s->start_ts) / 1000000000ull : 0;
	}
	v[n] = wrap("host_boot_ts", METRICS_K_GAUGE, METRICS_T_U64, METRICS_U_TS_NS);
	v[n++].v.u64 = s->boot_ts;
	v[n] = wrap("host_num_cpus", METRICS_K_GAUGE, METRICS_T_U32, METRICS_U_COUNT);
	v[n++].v.u32 = s->num_cpus;
	for (size_t i = 0; i < n; i++)
		metric(b, &v[i], "falco", NULL, 0, NULL);
}

char *metrics_prometheus(const struct metrics_snapshot *const *snaps, size_t n)
{
	struct mbuf b = {0};
	if (n == 0)
		return strdup("");
	const struct metrics_snapshot *g = snaps[0];
	const char *vl[] = {"version", g->version ? g->version : ""};
	info(&b, "falco", "version", vl, 1);
	for (int config = 0; config <= 1; config++)
		for (size_t i = 0; i < g->nfiles; i++) {
			if (g->files[i].config != (bool)config)
				continue;
			const char *base = strrchr(g->files[i].path, '/');
			const char *l[] = {"file_name", base ? base + 1 : g->files[i].path, "sha256", g->files[i].sha256};
			info(&b, "falco", config ? "sha256_config_files" : "sha256_rules_files", l, 2);
		}
	rules(&b, g);
	for (size_t i = 0; i < n; i++) {
		source(&b, snaps[i]);
		if (i > 0)
			continue;
		/* the machine's facts once, after the first source */
		if (g->start_ts) {
			const char *l[] = {"kernel_release", g->kernel_release};
			info(&b, "falco", "kernel_release", l, 1);
		}
		const char *hl[] = {"hostname", g->hostname};
		info(&b, "evt", "hostname", hl, 1);
	}
	wrapper_values(&b, g);
	return mbuf_finish(&b);
}
