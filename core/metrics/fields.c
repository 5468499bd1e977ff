/* Snapshots as upstream's output_fields (stats_writer) and its JSON lines. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"
#include "metrics/metrics_int.h"
#include "output/output.h"

/* ---- snapshots ---- */

struct metrics_value *metrics_snap_add(struct metrics_snapshot *s, const char *name, unsigned cat,
                                       enum metrics_kind kind, enum metrics_type type, enum metrics_unit unit)
{
	if (s->nvals == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct metrics_value *v = realloc(s->vals, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->vals = v;
		s->cap = cap;
	}
	struct metrics_value *v = &s->vals[s->nvals++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->cat = cat;
	v->kind = kind;
	v->type = type;
	v->unit = unit;
	return v;
}

void metrics_snap_clear(struct metrics_snapshot *s)
{
	for (size_t i = 0; i < s->ninfo; i++) {
		free(s->info[i].key);
		free(s->info[i].value);
	}
	free(s->info);
	free(s->rules);
	free(s->vals);
	memset(s, 0, sizeof(*s));
}

/* ---- names ---- */

void metrics_rule_name(const char *name, char *out, size_t cap)
{
	size_t n = 0;
	if (cap == 0)
		return;
	for (const char *p = name; *p && n + 1 < cap; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		          c == ':';
		c = ok ? c : '_';
		if (c == '_' && n > 0 && out[n - 1] == '_')
			continue;
		out[n++] = c;
	}
	if (n > 0 && out[n - 1] == '_')
		n--;
	out[n] = 0;
}

/* Replaces every "_kb" and "_bytes" in name by `with` (libs' memory
 * renaming). */
void metrics_memory_rename(char *name, size_t cap, const char *with)
{
	char out[METRICS_NAME_MAX];
	size_t n = 0, wl = strlen(with);
	for (const char *p = name; *p && n + 1 < sizeof(out);) {
		size_t skip = strncmp(p, "_bytes", 6) == 0 ? 6 : strncmp(p, "_kb", 3) == 0 ? 3 : 0;
		if (skip && n + wl < sizeof(out)) {
			memcpy(out + n, with, wl);
			n += wl;
			p += skip;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = 0;
	snprintf(name, cap, "%s", out);
}

double metrics_to_bytes(const struct metrics_value *v)
{
	double raw = v->type == METRICS_T_U32 ? (double)v->v.u32 : (double)v->v.u64;
	return v->unit == METRICS_U_KIB ? raw * 1024. : v->unit == METRICS_U_MB ? raw * 1024. * 1024. : raw;
}

bool metrics_is_memory_int(const struct metrics_value *v)
{
	return (v->unit == METRICS_U_BYTES || v->unit == METRICS_U_KIB) &&
	       (v->type == METRICS_T_U32 || v->type == METRICS_T_U64);
}

/* ---- field sets ---- */

static struct metrics_field *fset(struct metrics_fields *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->f[i].key, key) == 0) {
			if (f->f[i].type == OUT_V_STR)
				free(f->f[i].v.s);
			f->f[i].type = OUT_V_NULL;
			return &f->f[i];
		}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct metrics_field *nf = realloc(f->f, cap * sizeof(*nf));
		if (!nf)
			goto fail;
		f->f = nf;
		f->cap = cap;
	}
	char *k = strdup(key);
	if (!k)
		goto fail;
	f->f[f->n] = (struct metrics_field){.key = k, .type = OUT_V_NULL};
	return &f->f[f->n++];
fail:
	f->failed = true;
	return NULL;
}

static void set_u64(struct metrics_fields *f, const char *key, uint64_t v)
{
	struct metrics_field *x = fset(f, key);
	if (x)
		*x = (struct metrics_field){x->key, OUT_V_U64, {.u64 = v}};
}

static void set_i64(struct metrics_fields *f, const char *key, int64_t v)
{
	struct metrics_field *x = fset(f, key);
	if (x)
		*x = (struct metrics_field){x->key, OUT_V_I64, {.i64 = v}};
}

static void set_d(struct metrics_fields *f, const char *key, double v)
{
	struct metrics_field *x = fset(f, key);
	if (x)
		*x = (struct metrics_field){x->key, OUT_V_DOUBLE, {.d = v}};
}

static void set_str(struct metrics_fields *f, const char *key, const char *v)
{
	struct metrics_field *x = fset(f, key);
	if (!x)
		return;
	char *s = strdup(v ? v : "");
	if (!s)
		f->failed = true;
	*x = (struct metrics_field){x->key, s ? OUT_V_STR : OUT_V_NULL, {.s = s}};
}

void metrics_fields_free(struct metrics_fields *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->f[i].key);
		if (f->f[i].type == OUT_V_STR)
			free(f->f[i].v.s);
	}
	free(f->f);
	memset(f, 0, sizeof(*f));
}

static int cmp_field(const void *a, const void *b)
{
	return strcmp(((const struct metrics_field *)a)->key, ((const struct metrics_field *)b)->key);
}

/* ---- output_fields ---- */

static double round1(double x)
{
	return round(x * 10.0) / 10.0;
}

static void wrapper_fields(const struct metrics_snapshot *s, struct metrics_prev *prev, double dt,
                           struct metrics_fields *f)
{
	set_u64(f, "evt.time", s->now_ns);
	set_i64(f, "falco.reload_ts", s->reload_ts);
	set_str(f, "falco.version", s->version);
	if (s->start_ts) {
		set_u64(f, "falco.start_ts", s->start_ts);
		set_u64(f, "falco.duration_sec", s->now_ns > s->start_ts ? (s->now_ns - s->start_ts) / 1000000000ull : 0);
		set_str(f, "falco.kernel_release", s->kernel_release);
	}
	set_str(f, "evt.hostname", s->hostname);
	set_u64(f, "falco.host_boot_ts", s->boot_ts);
	set_u64(f, "falco.host_num_cpus", s->num_cpus);
	set_u64(f, "falco.outputs_queue_num_drops", s->outputs_queue_num_drops);
	for (size_t i = 0; i < s->nfiles; i++) {
		const char *base = strrchr(s->files[i].path, '/');
		char key[METRICS_NAME_MAX + 32];
		int n = snprintf(key, sizeof(key), "falco.sha256_%s_file.", s->files[i].config ? "config" : "rules");
		metrics_rule_name(base ? base + 1 : s->files[i].path, key + n, sizeof(key) - (size_t)n);
		set_str(f, key, s->files[i].sha256);
	}
	for (size_t i = 0; i < s->ninfo; i++)
		set_str(f, s->info[i].key, s->info[i].value);
	set_str(f, "evt.source", s->source);
	if (s->engine_name)
		set_str(f, "scap.engine_name", s->engine_name);
	if (prev->num_evts != 0 && dt > 0)
		set_d(f, "falco.evts_rate_sec", round1((double)(s->num_evts - prev->num_evts) / dt));
	set_u64(f, "falco.num_evts", s->num_evts);
	set_u64(f, "falco.num_evts_prev", prev->num_evts);
	prev->num_evts = s->num_evts;
}

static void rule_fields(const struct metrics_snapshot *s, bool empty, struct metrics_fields *f)
{
	if (!s->rules_counters)
		return;
	set_u64(f, "falco.rules.matches_total", s->rules_total);
	for (size_t i = 0; i < s->nrules; i++) {
		if (s->rules[i].matches == 0 && !empty)
			continue;
		char key[METRICS_NAME_MAX + 16] = "falco.rules.";
		metrics_rule_name(s->rules[i].name, key + strlen(key), sizeof(key) - strlen(key));
		set_u64(f, key, s->rules[i].matches);
	}
}

static const char *prefix_of(unsigned cat)
{
	if (cat & (CFG_METRICS_LIBBPF_STATS | CFG_METRICS_KERNEL_COUNTERS | CFG_METRICS_KERNEL_COUNTERS_PER_CPU |
	           CFG_METRICS_KERNEL_ITER_COUNTERS))
		return "scap.";
	if (cat & CFG_METRICS_PLUGINS)
		return "plugins.";
	return "falco.";
}

/* n_evts and n_drops are always sent, with their previous values and rates. */
static void scap_totals(const struct metrics_value *v, const char *key, struct metrics_prev *prev, double dt,
                        uint64_t *delta, struct metrics_fields *f)
{
	bool evts = strcmp(v->name, "n_evts") == 0;
	uint64_t *last = evts ? &prev->n_evts : &prev->n_drops;
	set_u64(f, key, v->v.u64);
	set_u64(f, evts ? "scap.n_evts_prev" : "scap.n_drops_prev", *last);
	*delta = v->v.u64 - *last;
	set_d(f, evts ? "scap.evts_rate_sec" : "scap.evts_drop_rate_sec",
	      *delta != 0 && dt > 0 ? round1((double)*delta / dt) : 0.0);
	*last = v->v.u64;
}

static void value_fields(const struct metrics_snapshot *s, const struct metrics_render_opts *o,
                         struct metrics_prev *prev, double dt, struct metrics_fields *f)
{
	uint64_t dev = 0, ddrop = 0;
	for (size_t i = 0; i < s->nvals; i++) {
		struct metrics_value v = s->vals[i];
		if (o->convert_memory_to_mb && metrics_is_memory_int(&v)) {
			v.v.d = round1(metrics_to_bytes(&v) / 1024. / 1024.);
			metrics_memory_rename(v.name, sizeof(v.name), "_mb");
			v.type = METRICS_T_D;
			v.unit = METRICS_U_MB;
		}
		char key[METRICS_NAME_MAX + 16];
		snprintf(key, sizeof(key), "%s%s", prefix_of(v.cat), v.name);
		bool e = o->include_empty_values;
		switch (v.type) {
		case METRICS_T_U32: if (v.v.u32 || e) set_u64(f, key, v.v.u32); break;
		case METRICS_T_S32: if (v.v.s32 || e) set_i64(f, key, v.v.s32); break;
		case METRICS_T_U64:
			if (strcmp(v.name, "n_evts") == 0)
				scap_totals(&v, key, prev, dt, &dev, f);
			else if (strcmp(v.name, "n_drops") == 0)
				scap_totals(&v, key, prev, dt, &ddrop, f);
			else if (v.v.u64 || e)
				set_u64(f, key, v.v.u64);
			break;
		case METRICS_T_S64: if (v.v.s64 || e) set_i64(f, key, v.v.s64); break;
		case METRICS_T_D: if (v.v.d != 0 || e) set_d(f, key, v.v.d); break;
		case METRICS_T_F: if (v.v.f != 0 || e) set_d(f, key, v.v.f); break;
		case METRICS_T_I: if (v.v.i || e) set_i64(f, key, v.v.i); break;
		}
	}
	/* always sent, from the deltas since the source's previous snapshot */
	set_d(f, "scap.n_drops_perc", dev > 0 ? (100.0 * (double)ddrop) / (double)dev : 0.0);
}

int metrics_output_fields(const struct metrics_snapshot *s, const struct metrics_render_opts *o,
                          struct metrics_prev *prev, struct metrics_fields *out)
{
	memset(out, 0, sizeof(*out));
	double dt = prev->now_ns && s->now_ns > prev->now_ns ? (double)(s->now_ns - prev->now_ns) / 1e9 : 0;
	prev->now_ns = s->now_ns;
	wrapper_fields(s, prev, dt, out);
	rule_fields(s, o->include_empty_values, out);
	value_fields(s, o, prev, dt, out);
	if (out->failed) {
		metrics_fields_free(out);
		return -ENOMEM;
	}
	qsort(out->f, out->n, sizeof(*out->f), cmp_field);
	return 0;
}

/* ---- JSON ---- */

void mbuf_json_str(struct mbuf *b, const char *s)
{
	mbuf_add(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': mbuf_add(b, "\\\"", 2); break;
		case '\\': mbuf_add(b, "\\\\", 2); break;
		case '\n': mbuf_add(b, "\\n", 2); break;
		case '\r': mbuf_add(b, "\\r", 2); break;
		case '\t': mbuf_add(b, "\\t", 2); break;
		case '\b': mbuf_add(b, "\\b", 2); break;
		case '\f': mbuf_add(b, "\\f", 2); break;
		default:
			if (*p < 0x20)
				mbuf_printf(b, "\\u%04x", *p);
			else
				mbuf_add(b, (const char *)p, 1);
		}
	}
	mbuf_add(b, "\"", 1);
}

/* A double as nlohmann::json writes it: the shortest digits that read back
 * as the same value, in fixed notation while the decimal exponent is within
 * (-4, 15] (".0" on integral values), else d.ddde+XX. */
void mbuf_json_double(struct mbuf *b, double d)
{
	if (!isfinite(d)) {
		mbuf_add(b, "null", 4);
		return;
	}
	char tmp[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	/* tmp: [-]d[.ddd]e<sign><exp>: split into digits and exponent */
	const char *p = tmp;
	if (*p == '-') {
		mbuf_add(b, "-", 1);
		p++;
	}
	char dig[24];
	int k = 0;
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			dig[k++] = *p;
	while (k > 1 && dig[k - 1] == '0')
		k--;
	dig[k] = 0;
	int n = atoi(p + 1) + 1; /* the decimal point's place after dig[0] */
	if (d == 0)
		n = 1;
	if (k <= n && n <= 15) {
		mbuf_add(b, dig, (size_t)k);
		for (int i = k; i < n; i++)
			mbuf_add(b, "0", 1);
		mbuf_add(b, ".0", 2);
	} else if (0 < n && n <= 15) {
		mbuf_add(b, dig, (size_t)n);
		mbuf_add(b, ".", 1);
		mbuf_add(b, dig + n, (size_t)(k - n));
	} else if (-4 < n && n <= 0) {
		mbuf_add(b, "0.", 2);
		for (int i = n; i < 0; i++)
			mbuf_add(b, "0", 1);
		mbuf_add(b, dig, (size_t)k);
	} else {
		mbuf_add(b, dig, 1);
		if (k > 1) {
			mbuf_add(b, ".", 1);
			mbuf_add(b, dig + 1, (size_t)(k - 1));
		}
		mbuf_printf(b, "e%c%02d", n - 1 < 0 ? '-' : '+', abs(n - 1));
	}
}

char *metrics_json_line(const struct metrics_fields *f, uint64_t sample)
{
	struct mbuf b = {0};
	mbuf_add(&b, "{\"output_fields\":{", 18);
	for (size_t i = 0; i < f->n; i++) {
		const struct metrics_field *x = &f->f[i];
		if (i)
			mbuf_add(&b, ",", 1);
		mbuf_json_str(&b, x->key);
		mbuf_add(&b, ":", 1);
		switch (x->type) {
		case OUT_V_STR: mbuf_json_str(&b, x->v.s); break;
		case OUT_V_I64: mbuf_printf(&b, "%" PRId64, x->v.i64); break;
		case OUT_V_U64: mbuf_printf(&b, "%" PRIu64, x->v.u64); break;
		case OUT_V_DOUBLE: mbuf_json_double(&b, x->v.d); break;
		default: mbuf_add(&b, "null", 4);
		}
	}
	mbuf_printf(&b, "},\"sample\":%" PRIu64 "}\n", sample);
	return mbuf_finish(&b);
}

/* ---- growable buffer ---- */

void mbuf_add(struct mbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void mbuf_printf(struct mbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		mbuf_add(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	mbuf_add(b, big, (size_t)n);
	free(big);
}

char *mbuf_finish(struct mbuf *b)
{
	if (b->failed) {
		free(b->p);
		return NULL;
	}
	if (!b->p)
		return strdup("");
	return b->p;
}
