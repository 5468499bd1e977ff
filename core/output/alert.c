/* Alerts: a rule's compiled output (prefix, message, extra fields) rendered
 * as upstream's text line or JSON object; internal messages; the exit
 * summary; the `static` field class; priority names. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "output/output_int.h"

static const char *const pri_names[OUT_PRI_COUNT] = {
	"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug",
};

const char *out_priority_name(enum out_priority p, bool short_name)
{
	if ((unsigned)p >= OUT_PRI_COUNT)
		return NULL;
	if (short_name && p == OUT_PRI_INFORMATIONAL)
		return "Info";
	return pri_names[p];
}

int out_priority_parse(const char *s, enum out_priority *p)
{
	for (int i = 0; i < OUT_PRI_COUNT; i++) {
		if (!strcasecmp(s, pri_names[i]) ||
		    (i == OUT_PRI_INFORMATIONAL && !strcasecmp(s, "info"))) {
			*p = (enum out_priority)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* One key of output_fields, in sorted order, and where its value comes
 * from: a plain field, a formatted extra field (a string) or nothing. */
struct ojf {
	const char *key;          /* borrowed from e / the extra's key */
	struct oexpr *e;          /* typed value; NULL with fmt or for null */
	struct out_fmt *fmt;      /* formatted extra field: its text */
};

struct oextra {
	char *key;
	struct out_fmt *fmt;      /* owned */
	bool raw;
};

struct out_rule {
	char *name, *source;
	enum out_priority pri;
	char **tags;              /* owned, sorted, unique */
	uint32_t ntags;
	struct out_fmt *prefix;   /* "%evt.time: Priority" */
	struct out_fmt *msg;
	struct oextra *extra;
	uint32_t nextra;
	struct ojf *jf;           /* owned array: output_fields, sorted by key */
	uint32_t njf;
	_Atomic uint64_t count;
	struct out_rule *next;
};

/* ---- compile ---- */

static bool has_tag(const struct out_rule_desc *d, const char *tag)
{
	for (uint32_t i = 0; i < d->ntags; i++)
		if (!strcmp(d->tags[i], tag))
			return true;
	return false;
}

static bool append_matches(const struct out_append *a, const struct out_rule_desc *d)
{
	if (a->source && *a->source && strcmp(a->source, d->source))
		return false;
	if (a->rule && *a->rule && strcmp(a->rule, d->name))
		return false;
	for (uint32_t i = 0; i < a->ntags; i++)
		if (!has_tag(d, a->tags[i]))
			return false;
	return true;
}

/* " name_with_underscores=%name" for every suggested field of the source,
 * as upstream's suggested_output. */
static void add_suggested(struct obuf *b, const struct fld_reg *reg, const char *source)
{
	const struct fld_class *cls;
	for (uint32_t i = 0; reg && (cls = fld_reg_class(reg, i)); i++) {
		if (!fld_class_has_source(cls, source))
			continue;
		for (uint32_t f = 0; f < cls->nfields; f++) {
			const struct fld_info *fi = &cls->fields[f];
			if (!(fi->flags & FLD_F_SUGGESTED))
				continue;
			ob_add(b, " ", 1);
			for (const char *c = fi->name; *c; c++)
				ob_add(b, *c == '.' ? "_" : c, 1);
			ob_printf(b, "=%%%s", fi->name);
		}
	}
}

/* `%container.info` is deprecated: upstream replaces it with nothing (the
 * container plugin suggests its fields itself); the rules loader warns. */
static char *drop_container_info(char *s)
{
	static const char tok[] = "%container.info";
	char *p;
	while (s && (p = strstr(s, tok)))
		memmove(p, p + sizeof tok - 1, strlen(p + sizeof tok - 1) + 1);
	return s;
}

static char *full_output(const struct out_mgr *m, const struct fld_reg *reg,
                         const struct out_rule_desc *d)
{
	struct obuf b = {0};
	ob_str(&b, d->output ? d->output : "");
	for (uint32_t i = 0; i < m->nappend; i++) {
		const struct out_append *a = &m->append[i];
		if (!append_matches(a, d))
			continue;
		if (a->extra_output && *a->extra_output) {
			ob_add(&b, " ", 1);
			ob_str(&b, a->extra_output);
		}
		if (a->suggested_output)
			add_suggested(&b, reg, d->source);
	}
	if (m->print_format && *m->print_format) {
		ob_add(&b, " ", 1);
		ob_str(&b, m->print_format);
	}
	return drop_container_info(ob_finish(&b));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int copy_tags(struct out_rule *r, const struct out_rule_desc *d)
{
	if (!d->ntags)
		return 0;
	r->tags = calloc(d->ntags, sizeof *r->tags);
	if (!r->tags)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->ntags; i++)
		if (!(r->tags[r->ntags++] = strdup(d->tags[i])))
			return -ENOMEM;
	qsort(r->tags, r->ntags, sizeof *r->tags, cmp_str);
	uint32_t n = 0;
	for (uint32_t i = 0; i < r->ntags; i++) {
		if (n && !strcmp(r->tags[n - 1], r->tags[i]))
			free(r->tags[i]);
		else
			r->tags[n++] = r->tags[i];
	}
	r->ntags = n;
	return 0;
}

static int add_extra(struct out_rule *r, struct flt_compiler *c, const struct out_extra_field *ef,
                     bool b64, char *err, size_t errlen)
{
	/* the same key twice: both compile, build_jf keeps the later (upstream
	 * assigns into a map) */
	struct oextra *p = realloc(r->extra, (r->nextra + 1) * sizeof *p);
	if (!p)
		return -ENOMEM;
	r->extra = p;
	struct oextra *x = &p[r->nextra];
	memset(x, 0, sizeof *x);
	x->raw = ef->format == NULL;
	if (!(x->key = strdup(ef->key)))
		return -ENOMEM;
	r->nextra++;
	struct obuf b = {0};
	if (x->raw)
		ob_add(&b, "%", 1);
	ob_str(&b, x->raw ? ef->key : ef->format);
	char *fmt = ob_finish(&b);
	if (!fmt)
		return -ENOMEM;
	x->fmt = out_fmt_compile(c, fmt, err, errlen);
	free(fmt);
	if (x->fmt && b64)
		ofmt_set_base64(x->fmt);
	return x->fmt ? 0 : -EINVAL;
}

static int cmp_ojf(const void *a, const void *b)
{
	return strcmp(((const struct ojf *)a)->key, ((const struct ojf *)b)->key);
}

/* output_fields: message fields, then the prefix's (evt.time), then extra
 * fields, a later source replacing an earlier one under the same key (as
 * upstream fills its JSON object); sorted by key. */
static int build_jf(struct out_rule *r)
{
	uint32_t cap = r->msg->njf + r->prefix->njf + r->nextra;
	r->jf = calloc(cap ? cap : 1, sizeof *r->jf);
	if (!r->jf)
		return -ENOMEM;
	struct ojf *all = r->jf;
	uint32_t n = 0;
	struct out_fmt *srcs[2] = {r->msg, r->prefix};
	for (int s = 0; s < 2; s++)
		for (uint32_t i = 0; i < srcs[s]->njf; i++)
			all[n++] = (struct ojf){srcs[s]->jf[i].key, &srcs[s]->jf[i], NULL};
	for (uint32_t i = 0; i < r->nextra; i++) {
		struct oextra *x = &r->extra[i];
		struct ojf j = {x->key, NULL, x->raw ? NULL : x->fmt};
		for (uint32_t k = 0; x->raw && k < x->fmt->njf; k++)
			if (!strcmp(x->fmt->jf[k].key, x->key))
				j.e = &x->fmt->jf[k];
		all[n++] = j;
	}
	/* keep the last of each key, then sort (a stable pass by hand) */
	uint32_t m = 0;
	for (uint32_t i = 0; i < n; i++) {
		bool later = false;
		for (uint32_t k = i + 1; k < n && !later; k++)
			later = !strcmp(all[i].key, all[k].key);
		if (!later)
			all[m++] = all[i];
	}
	qsort(all, m, sizeof *all, cmp_ojf);
	r->njf = m;
	return 0;
}

static void rule_free(struct out_rule *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->source);
	for (uint32_t i = 0; i < r->ntags; i++)
		free(r->tags[i]);
	free(r->tags);
	out_fmt_free(r->prefix);
	out_fmt_free(r->msg);
	for (uint32_t i = 0; i < r->nextra; i++) {
		free(r->extra[i].key);
		out_fmt_free(r->extra[i].fmt);
	}
	free(r->extra);
	free(r->jf);
	free(r);
}

void out_rules_free(struct out_mgr *m)
{
	for (struct out_rule *r = m->rules, *n; r; r = n) {
		n = r->next;
		rule_free(r);
	}
	m->rules = m->rules_tail = NULL;
}

static int compile_rule(struct out_mgr *m, struct out_rule *r, struct flt_compiler *c,
                        const struct fld_reg *reg, const struct out_rule_desc *d, char *err,
                        size_t errlen)
{
	if (!(r->name = strdup(d->name ? d->name : "")) ||
	    !(r->source = strdup(d->source ? d->source : "syscall")) || copy_tags(r, d))
		return -ENOMEM;
	char prefix[64];
	snprintf(prefix, sizeof prefix, "%s: %s", m->iso8601 ? "%evt.time.iso8601" : "%evt.time",
	         out_priority_name(d->priority, false));
	if (!(r->prefix = out_fmt_compile(c, prefix, err, errlen)))
		return -EINVAL;
	char *out = full_output(m, reg, d);
	if (!out)
		return -ENOMEM;
	r->msg = out_fmt_compile(c, out, err, errlen);
	free(out);
	if (!r->msg)
		return -EINVAL;
	if (m->base64)
		ofmt_set_base64(r->msg);
	for (uint32_t i = 0; i < m->nappend; i++) {
		const struct out_append *a = &m->append[i];
		if (!append_matches(a, d))
			continue;
		for (uint32_t k = 0; k < a->nextra_fields; k++) {
			int rc = add_extra(r, c, &a->extra_fields[k], m->base64, err, errlen);
			if (rc)
				return rc;
		}
	}
	return build_jf(r);
}

struct out_rule *out_rule_compile(struct out_mgr *m, struct flt_compiler *c,
                                  const struct fld_reg *reg, const struct out_rule_desc *d,
                                  char *err, size_t errlen)
{
	struct out_rule *r = calloc(1, sizeof *r);
	if (!r || (unsigned)d->priority >= OUT_PRI_COUNT) {
		snprintf(err, errlen, "%s", r ? "invalid priority" : "out of memory");
		free(r);
		return NULL;
	}
	r->pri = d->priority;
	int rc = compile_rule(m, r, c, reg, d, err, errlen);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		rule_free(r);
		return NULL;
	}
	if (m->rules_tail)
		m->rules_tail->next = r;
	else
		m->rules = r;
	m->rules_tail = r;
	return r;
}

/* ---- render ---- */

/* UTC "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" */
static void utc_time(struct obuf *b, uint64_t ts)
{
	time_t sec = (time_t)(ts / 1000000000ull);
	struct tm tm;
	char buf[32];
	if (!gmtime_r(&sec, &tm))
		memset(&tm, 0, sizeof tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	ob_printf(b, "\"%s.%09" PRIu64 "Z\"", buf, (uint64_t)(ts % 1000000000ull));
}

void out_local_time(struct obuf *b, uint64_t ts)
{
	time_t now = time(NULL);
	struct tm tm;
	long off = localtime_r(&now, &tm) ? tm.tm_gmtoff : 0;
	int64_t s = ((int64_t)(ts / 1000000000ull) + off) % 86400;
	if (s < 0)
		s += 86400;
	ob_printf(b, "%02d:%02d:%02d.%09u", (int)(s / 3600), (int)(s % 3600 / 60), (int)(s % 60),
	          (unsigned)(ts % 1000000000ull));
}

static void json_key(struct obuf *b, const char *k, bool *first)
{
	if (!*first)
		ob_add(b, ",", 1);
	*first = false;
	ob_json_str(b, k, strlen(k), true);
	ob_add(b, ":", 1);
}

static void render_fields(struct obuf *b, struct out_rule *r, struct fld_ctx *ctx)
{
	bool first = true;
	ob_add(b, "{", 1);
	for (uint32_t i = 0; i < r->njf; i++) {
		const struct ojf *j = &r->jf[i];
		json_key(b, j->key, &first);
		if (j->fmt) {
			struct obuf t = {0};
			ofmt_text(&t, j->fmt, ctx);
			ob_json_str(b, t.p ? t.p : "", t.failed ? 0 : t.len, true);
			free(t.p);
		} else if (j->e) {
			ofmt_expr_json(b, j->e, ctx);
		} else {
			ob_str(b, "null");
		}
	}
	ob_add(b, "}", 1);
}

static void render_json(struct obuf *b, const struct out_mgr *m, struct out_rule *r,
                        struct fld_ctx *ctx, const struct obuf *prefix, const struct obuf *msg)
{
	bool first = true;
	uint64_t ts = ctx->ev && ctx->ev->hdr ? ctx->ev->hdr->ts : 0;
	ob_add(b, "{", 1);
	json_key(b, "hostname", &first);
	ob_json_str(b, m->hostname, strlen(m->hostname), true);
	if (m->inc_message) {
		json_key(b, "message", &first);
		ob_json_str(b, msg->p, msg->len, true);
	}
	if (m->inc_output) {
		json_key(b, "output", &first);
		ob_add(b, "\"", 1);
		ob_json_str(b, prefix->p, prefix->len, false);
		ob_add(b, " ", 1);
		ob_json_str(b, msg->p, msg->len, false);
		ob_add(b, "\"", 1);
	}
	if (m->inc_fields) {
		json_key(b, "output_fields", &first);
		render_fields(b, r, ctx);
	}
	json_key(b, "priority", &first);
	ob_json_str(b, pri_names[r->pri], strlen(pri_names[r->pri]), true);
	json_key(b, "rule", &first);
	ob_json_str(b, r->name, strlen(r->name), true);
	json_key(b, "source", &first);
	ob_json_str(b, r->source, strlen(r->source), true);
	if (m->inc_tags) {
		json_key(b, "tags", &first);
		ob_add(b, "[", 1);
		for (uint32_t i = 0; i < r->ntags; i++) {
			if (i)
				ob_add(b, ",", 1);
			ob_json_str(b, r->tags[i], strlen(r->tags[i]), true);
		}
		ob_add(b, "]", 1);
	}
	json_key(b, "time", &first);
	utc_time(b, ts);
	ob_add(b, "}", 1);
}

char *out_rule_render(struct out_mgr *m, struct out_rule *r, struct fld_ctx *ctx)
{
	struct obuf prefix = {0}, msg = {0}, out = {0};
	ofmt_text(&prefix, r->prefix, ctx);
	ofmt_text(&msg, r->msg, ctx);
	if (!prefix.p)
		ob_add(&prefix, "", 0);
	if (!msg.p)
		ob_add(&msg, "", 0);
	if (prefix.failed || msg.failed) {
		out.failed = true;
	} else if (m->json) {
		render_json(&out, m, r, ctx, &prefix, &msg);
	} else {
		/* upstream passes the text line through its JSON string encoder
		 * too: control characters escaped, invalid UTF-8 replaced */
		ob_json_str(&out, prefix.p, prefix.len, false);
		ob_add(&out, " ", 1);
		ob_json_str(&out, msg.p, msg.len, false);
	}
	free(prefix.p);
	free(msg.p);
	return ob_finish(&out);
}

int out_rule_alert(struct out_mgr *m, struct out_rule *r, struct fld_ctx *ctx)
{
	r->count++;
	m->by_priority[r->pri]++;
	m->total++;
	char *s = out_rule_render(m, r, ctx);
	if (!s)
		return -ENOMEM;
	return omgr_push(m, s, strlen(s), r->pri);
}

uint64_t out_rule_count(const struct out_rule *r)
{
	return r->count;
}

/* ---- internal messages ---- */

static int cmp_field(const void *a, const void *b)
{
	return strcmp((*(const struct out_field *const *)a)->key,
	              (*(const struct out_field *const *)b)->key);
}

static void field_json(struct obuf *b, const struct out_field *f)
{
	switch (f->type) {
	case OUT_V_STR:
		if (f->v.s)
			ob_json_str(b, f->v.s, strlen(f->v.s), true);
		else
			ob_str(b, "null");
		break;
	case OUT_V_I64: ob_printf(b, "%" PRId64, f->v.i64); break;
	case OUT_V_U64: ob_printf(b, "%" PRIu64, f->v.u64); break;
	case OUT_V_BOOL: ob_str(b, f->v.b ? "true" : "false"); break;
	case OUT_V_DOUBLE: ob_json_double(b, f->v.d); break;
	default: ob_str(b, "null");
	}
}

char *out_internal_render(const struct out_mgr *m, uint64_t ts, enum out_priority p,
                          const char *rule, const char *msg, const struct out_field *fields,
                          uint32_t nfields)
{
	struct obuf b = {0};
	const struct out_field **sorted = calloc(nfields ? nfields : 1, sizeof *sorted);
	if (!sorted || (unsigned)p >= OUT_PRI_COUNT) {
		free(sorted);
		return NULL;
	}
	for (uint32_t i = 0; i < nfields; i++)
		sorted[i] = &fields[i];
	qsort(sorted, nfields, sizeof *sorted, cmp_field);
	if (m->json) {
		bool first = true;
		ob_add(&b, "{", 1);
		json_key(&b, "hostname", &first);
		ob_json_str(&b, m->hostname, strlen(m->hostname), true);
		json_key(&b, "output", &first);
		ob_json_str(&b, msg, strlen(msg), true);
		json_key(&b, "output_fields", &first);
		ob_add(&b, "{", 1);
		bool ffirst = true;
		for (uint32_t i = 0; i < nfields; i++) {
			json_key(&b, sorted[i]->key, &ffirst);
			field_json(&b, sorted[i]);
		}
		ob_add(&b, "}", 1);
		json_key(&b, "priority", &first);
		ob_json_str(&b, pri_names[p], strlen(pri_names[p]), true);
		json_key(&b, "rule", &first);
		ob_json_str(&b, rule, strlen(rule), true);
		json_key(&b, "source", &first);
		ob_str(&b, "\"internal\"");
		json_key(&b, "time", &first);
		utc_time(&b, ts);
		ob_add(&b, "}", 1);
	} else {
		out_local_time(&b, ts);
		ob_printf(&b, ": %s %s (", pri_names[p], msg);
		for (uint32_t i = 0; i < nfields; i++) {
			if (i)
				ob_add(&b, " ", 1);
			ob_printf(&b, "%s=", sorted[i]->key);
			field_json(&b, sorted[i]);
		}
		ob_add(&b, ")", 1);
	}
	free(sorted);
	return ob_finish(&b);
}

int out_mgr_internal(struct out_mgr *m, uint64_t ts, enum out_priority p, const char *rule,
                     const char *msg, const struct out_field *fields, uint32_t nfields)
{
	char *s = out_internal_render(m, ts, p, rule, msg, fields, nfields);
	if (!s)
		return -ENOMEM;
	return omgr_push(m, s, strlen(s), p);
}

/* ---- exit summary ---- */

void out_mgr_print_summary(const struct out_mgr *m, FILE *f)
{
	fprintf(f, "Events detected: %" PRIu64 "\n", (uint64_t)m->total);
	fprintf(f, "Rule counts by severity:\n");
	for (int i = 0; i < OUT_PRI_COUNT; i++) {
		uint64_t n = m->by_priority[i];
		if (!n)
			continue;
		char name[16];
		const char *s = out_priority_name((enum out_priority)i, true);
		size_t k = 0;
		for (; s[k] && k + 1 < sizeof name; k++)
			name[k] = (char)(s[k] >= 'a' && s[k] <= 'z' ? s[k] - 32 : s[k]);
		name[k] = '\0';
		fprintf(f, "   %s: %" PRIu64 "\n", name, n);
	}
	fprintf(f, "Triggered rules by rule name:\n");
	for (const struct out_rule *r = m->rules; r; r = r->next)
		if (r->count)
			fprintf(f, "   %s: %" PRIu64 "\n", r->name, (uint64_t)r->count);
}

/* ---- the `static` field class ---- */

struct out_static {
	struct fld_class cls;   /* first: extract finds its values from b->cls */
	struct fld_info *fields;
	char **values;
	uint32_t n;
};

static int static_extract(const struct fld_ctx *ctx, const struct fld_bind *b,
                          struct fld_vals *out)
{
	(void)ctx;
	const struct out_static *s = (const struct out_static *)b->cls;
	const char *v = s->values[b->field];
	return fld_set_str(out, v, strlen(v));
}

struct out_static *out_static_new(const struct out_kv *kv, uint32_t n)
{
	struct out_static *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->fields = calloc(n ? n : 1, sizeof *s->fields);
	s->values = calloc(n ? n : 1, sizeof *s->values);
	if (!s->fields || !s->values)
		goto fail;
	for (uint32_t i = 0; i < n; i++, s->n++) {
		struct obuf b = {0};
		ob_printf(&b, "static.%s", kv[i].key);
		char *name = ob_finish(&b);
		s->fields[i] = (struct fld_info){name, EV_PT_CHARBUF, FLD_F_SUGGESTED, EV_PF_NA, NULL,
		                                 NULL};
		s->values[i] = strdup(kv[i].value ? kv[i].value : "");
		if (!name || !s->values[i]) {
			s->n++;
			goto fail;
		}
	}
	s->cls.name = "static";
	s->cls.shortdesc = "";
	s->cls.desc = "Static, user-defined filters";
	s->cls.fields = s->fields;
	s->cls.nfields = s->n;
	s->cls.extract = static_extract;
	return s;
fail:
	out_static_free(s);
	return NULL;
}

void out_static_free(struct out_static *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->n; i++) {
		free((char *)s->fields[i].name);
		free(s->values[i]);
	}
	free(s->fields);
	free(s->values);
	free(s);
}

const struct fld_class *out_static_class(const struct out_static *s)
{
	return s && s->n ? &s->cls : NULL;
}
