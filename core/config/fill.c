/*
 * The typed `struct falco_config`, filled from a validated tree with
 * upstream's values for absent keys and upstream's semantic checks (engine
 * kind, priority, drop actions, outputs that need a target, ...).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/internal.h"
#include "config/fill.h"

int cfg_strlist_add(struct cfg_strlist *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	if (!(l->v[l->n] = strdup(s)))
		return -ENOMEM;
	l->n++;
	return 0;
}

void cfg_strlist_free(struct cfg_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct cfg_strlist){ 0 };
}

/* ---------------- priorities ---------------- */

static const char *const prio_names[] = {
	"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug",
};

const char *cfg_priority_name(enum cfg_priority p)
{
	return (unsigned)p < 8 ? prio_names[p] : "Unknown";
}

int cfg_priority_parse(const char *s)
{
	for (int i = 0; i < 8; i++)
		if (!strcasecmp(s, prio_names[i]))
			return i;
	return strcasecmp(s, "info") ? -1 : CFG_PRIO_INFORMATIONAL;
}

/* ---------------- typed getters over a validated tree ---------------- */

struct fctx {
	const struct cfg_node *root;
	struct cfg_err *err;
	int rc;            /* first failure; later calls do nothing */
};

/* The node at `path`, or NULL when absent, null, or an empty scalar (an
 * empty value leaves a typed key at its default). */
static const struct cfg_node *at(struct fctx *f, const char *path, bool keep_empty)
{
	const struct cfg_node *n;
	if (cfg_get(f->root, path, &n, NULL) || n->kind == CFG_NULL)
		return NULL;
	if (!keep_empty && n->kind == CFG_SCALAR && !n->text[0])
		return NULL;
	return n;
}

static int failn(struct fctx *f, const struct cfg_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int failn(struct fctx *f, const struct cfg_node *n, const char *fmt, ...)
{
	char where[384] = "";
	char what[512];
	va_list ap;
	if (f->rc)
		return f->rc;
	if (n)
		cfg_pos_format(&n->pos, where, sizeof(where));
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	cfg_errf(f->err, "%s%s%s", where, n ? ": " : "", what);
	return f->rc = -EINVAL;
}

static bool get_bool(struct fctx *f, const char *path, bool def)
{
	const struct cfg_node *n = at(f, path, false);
	bool v = def;
	if (n)
		cfg_scalar_bool(n, &v);
	return v;
}

static int64_t get_int(struct fctx *f, const char *path, int64_t def)
{
	const struct cfg_node *n = at(f, path, false);
	int64_t v = def;
	if (n)
		cfg_scalar_i64(n, &v);
	return v;
}

static double get_num(struct fctx *f, const char *path, double def)
{
	const struct cfg_node *n = at(f, path, false);
	double v = def;
	if (n)
		cfg_scalar_double(n, &v);
	return v;
}

static char *dup_or_fail(struct fctx *f, const char *s)
{
	char *d = strdup(s);
	if (!d && !f->rc) {
		cfg_errf(f->err, "out of memory");
		f->rc = -ENOMEM;
	}
	return d;
}

static char *get_str(struct fctx *f, const char *path, const char *def)
{
	const struct cfg_node *n = at(f, path, true);
	return dup_or_fail(f, n && n->kind == CFG_SCALAR ? n->text : def);
}

/* A sequence of scalars, or a single scalar as a one-item list. */
static void get_strlist(struct fctx *f, const struct cfg_node *n, struct cfg_strlist *out)
{
	if (!n || n->kind == CFG_NULL)
		return;
	if (n->kind == CFG_SCALAR && cfg_strlist_add(out, n->text))
		f->rc = -ENOMEM;
	for (size_t i = 0; n->kind == CFG_SEQ && i < n->n && !f->rc; i++)
		if (cfg_strlist_add(out, n->kids[i]->text))
			f->rc = -ENOMEM;
}

/* ---------------- sections ---------------- */

static void fill_rules_files(struct fctx *f, struct falco_config *c, FILE *warn)
{
	const struct cfg_node *plural = cfg_map_get(f->root, "rules_files");
	const struct cfg_node *singular = cfg_map_get(f->root, "rules_file");
	if (plural && singular) {
		failn(f, singular, "both 'rules_files' and 'rules_file' keys set");
		return;
	}
	if (singular && warn)
		fprintf(warn, "Using deprecated config key 'rules_file' (singular form). Please use "
			      "new 'rules_files' config key (plural form).\n");
	struct cfg_strlist all = { 0 };
	get_strlist(f, plural ? plural : singular, &all);
	/* Only entries that exist are kept, so optional files can stay listed. */
	for (size_t i = 0; i < all.n && !f->rc; i++) {
		struct stat sb;
		if (stat(all.v[i], &sb) == 0 && cfg_strlist_add(&c->rules_files, all.v[i]))
			f->rc = -ENOMEM;
	}
	cfg_strlist_free(&all);
}

static void fill_engine(struct fctx *f, struct falco_config *c)
{
	static const char *const kinds[] = { "kmod", "modern_ebpf", "replay", "nodriver" };
	const struct cfg_node *k = at(f, "engine.kind", false);
	c->engine.kind = CFG_ENGINE_MODERN_EBPF;
	for (int i = 0; k && i < 4; i++)
		if (!strcmp(k->text, kinds[i]))
			c->engine.kind = (enum cfg_engine_kind)i;
	c->engine.kmod.buf_size_preset = (int)get_int(f, "engine.kmod.buf_size_preset", 4);
	c->engine.kmod.drop_failed_exit = get_bool(f, "engine.kmod.drop_failed_exit", false);
	c->engine.modern_ebpf.cpus_for_each_buffer =
		(unsigned)get_int(f, "engine.modern_ebpf.cpus_for_each_buffer", 2);
	c->engine.modern_ebpf.buf_size_preset = (int)get_int(f, "engine.modern_ebpf.buf_size_preset", 4);
	c->engine.modern_ebpf.drop_failed_exit = get_bool(f, "engine.modern_ebpf.drop_failed_exit", false);
	c->engine.modern_ebpf.disable_iterators =
		get_bool(f, "engine.modern_ebpf.disable_iterators", false);
	c->engine.replay.capture_file = get_str(f, "engine.replay.capture_file", "");
	if (c->engine.kind == CFG_ENGINE_REPLAY && c->engine.replay.capture_file &&
	    !c->engine.replay.capture_file[0])
		failn(f, k, "engine.kind is 'replay' but no engine.replay.capture_file specified.");
}

static void fill_capture(struct fctx *f, struct falco_config *c)
{
	c->capture.enabled = get_bool(f, "capture.enabled", false);
	c->capture.path_prefix = get_str(f, "capture.path_prefix", "/tmp/falco");
	const struct cfg_node *m = at(f, "capture.mode", false);
	c->capture.mode = m && !strcmp(m->text, "all_rules") ? CFG_CAPTURE_ALL_RULES : CFG_CAPTURE_RULES;
	c->capture.default_duration_ms = (uint64_t)get_int(f, "capture.default_duration", 5000);
	c->capture.max_file_size_mb = (uint64_t)get_int(f, "capture.max_file_size_mb", 0);
}

/* Appends the components of `path` to a normalized component stack. */
static int push_components(struct cfg_strlist *st, const char *path)
{
	char *copy = strdup(path), *save = NULL;
	if (!copy)
		return -ENOMEM;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			if (st->n && strcmp(st->v[st->n - 1], "..")) {
				free(st->v[--st->n]);
				continue;
			}
			if (path[0] == '/')   /* "/.." is "/" */
				continue;
		}
		if (cfg_strlist_add(st, c)) {
			free(copy);
			return -ENOMEM;
		}
	}
	free(copy);
	return 0;
}

int cfg_plugin_library_path(const char *dir, const char *path, char **out)
{
	*out = NULL;
	if (!path[0] || path[0] == '/')
		return (*out = strdup(path)) ? 0 : -ENOMEM;
	struct cfg_strlist base = { 0 }, full = { 0 };
	int rc = push_components(&base, dir);
	if (!rc)
		rc = push_components(&full, dir);
	if (!rc)
		rc = push_components(&full, path);
	/* Inside `dir`: its components are a strict prefix of the result. */
	bool inside = !rc && full.n > base.n;
	for (size_t i = 0; inside && i < base.n; i++)
		inside = !strcmp(base.v[i], full.v[i]);
	struct sbuf b = { 0 };
	for (size_t i = 0; inside && i < full.n && !rc; i++) {
		rc = sbuf_puts(&b, "/");
		if (!rc)
			rc = sbuf_puts(&b, full.v[i]);
	}
	cfg_strlist_free(&base);
	cfg_strlist_free(&full);
	if (rc || !inside) {
		free(b.s);
		return rc ? rc : -EINVAL;
	}
	*out = b.s;
	return 0;
}

static void fill_plugin(struct fctx *f, const struct cfg_node *n, struct cfg_plugin *p)
{
	const struct cfg_node *ic = cfg_map_get(n, "init_config");
	const struct cfg_node *op = cfg_map_get(n, "open_params");
	p->name = dup_or_fail(f, cfg_map_get(n, "name")->text);
	const struct cfg_node *lp = cfg_map_get(n, "library_path");
	int rc = cfg_plugin_library_path(CFG_PLUGINS_DIR, lp->text, &p->library_path);
	if (rc == -EINVAL)
		failn(f, lp, "plugin library_path '%s' resolves outside the plugins directory (%s)",
		      lp->text, CFG_PLUGINS_DIR);
	else if (rc && !f->rc)
		f->rc = rc;
	if (ic && (ic->kind == CFG_MAP || ic->kind == CFG_SEQ))
		p->init_config = cfg_node_to_json(ic);
	else
		p->init_config = dup_or_fail(f, ic && ic->kind == CFG_SCALAR ? ic->text : "");
	const char *s = op && op->kind == CFG_SCALAR ? op->text : "";
	while (isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	p->open_params = strndup(s, len);
	if ((!p->init_config || !p->open_params) && !f->rc) {
		cfg_errf(f->err, "out of memory");
		f->rc = -ENOMEM;
	}
}

/* `plugins`, narrowed and ordered by `load_plugins` when that key is present
 * (even empty). */
static void fill_plugins(struct fctx *f, struct falco_config *c)
{
	const struct cfg_node *all = at(f, "plugins", false);
	const struct cfg_node *sel = cfg_map_get(f->root, "load_plugins");
	size_t nall = all && all->kind == CFG_SEQ ? all->n : 0;
	struct cfg_strlist names = { 0 };
	get_strlist(f, sel, &names);
	size_t want = sel ? names.n : nall;
	c->plugins = calloc(want ? want : 1, sizeof(*c->plugins));
	for (size_t i = 0; c->plugins && i < want && !f->rc; i++) {
		const struct cfg_node *n = sel ? NULL : all->kids[i];
		for (size_t k = 0; sel && k < nall && !n; k++)
			if (!strcmp(cfg_map_get(all->kids[k], "name")->text, names.v[i]))
				n = all->kids[k];
		if (!n) {
			failn(f, sel, "Cannot load plugin '%s': plugin config not found for given name",
			      names.v[i]);
			break;
		}
		fill_plugin(f, n, &c->plugins[c->n_plugins++]);
	}
	cfg_strlist_free(&names);
	c->plugins_hostinfo = get_bool(f, "plugins_hostinfo", true);
}

static void fill_rules_select(struct fctx *f, struct falco_config *c)
{
	const struct cfg_node *l = at(f, "rules", false);
	if (!l || l->kind != CFG_SEQ)
		return;
	c->rules_select = calloc(l->n ? l->n : 1, sizeof(*c->rules_select));
	for (size_t i = 0; c->rules_select && i < l->n && !f->rc; i++) {
		const struct cfg_node *e = l->kids[i];
		const struct cfg_node *en = cfg_map_get(e, "enable");
		const struct cfg_node *body = en ? en : cfg_map_get(e, "disable");
		const struct cfg_node *r = cfg_map_get(body, "rule"), *t = cfg_map_get(body, "tag");
		if (!body || ((!r || r->kind != CFG_SCALAR) && (!t || t->kind != CFG_SCALAR))) {
			failn(f, e, "rules[%zu]: an entry needs 'enable' or 'disable' with a 'rule' or a 'tag'", i);
			break;
		}
		struct cfg_rule_select *s = &c->rules_select[c->n_rules_select++];
		s->enable = en != NULL;
		s->rule = r && r->kind == CFG_SCALAR ? dup_or_fail(f, r->text) : NULL;
		s->tag = t && t->kind == CFG_SCALAR ? dup_or_fail(f, t->text) : NULL;
	}
}

static void fill_extra_fields(struct fctx *f, const struct cfg_node *l, struct cfg_append_output *a)
{
	a->fields = calloc(l->n ? l->n : 1, sizeof(*a->fields));
	for (size_t i = 0; a->fields && i < l->n && !f->rc; i++) {
		const struct cfg_node *e = l->kids[i];
		const char *name = e->kind == CFG_MAP ? e->keys[0]->text : e->text;
		for (size_t k = 0; k < a->n_fields; k++)
			if (!strcmp(a->fields[k].name, name))
				failn(f, e, "append_output: extra field '%s' defined twice", name);
		struct cfg_extra_field *x = &a->fields[a->n_fields++];
		x->name = dup_or_fail(f, name);
		x->fmt = e->kind == CFG_MAP ? dup_or_fail(f, e->kids[0]->text) : NULL;
	}
}

static char *opt_str(struct fctx *f, const struct cfg_node *n)
{
	return n && n->kind == CFG_SCALAR ? dup_or_fail(f, n->text) : NULL;
}

static void fill_append_output(struct fctx *f, struct falco_config *c, FILE *warn)
{
	const struct cfg_node *l = at(f, "append_output", false);
	if (!l || l->kind != CFG_SEQ)
		return;
	c->append_output = calloc(l->n ? l->n : 1, sizeof(*c->append_output));
	for (size_t i = 0; c->append_output && i < l->n && !f->rc; i++) {
		const struct cfg_node *e = l->kids[i], *m = cfg_map_get(e, "match");
		const struct cfg_node *xf = cfg_map_get(e, "extra_fields");
		const struct cfg_node *so = cfg_map_get(e, "suggested_output");
		struct cfg_append_output *a = &c->append_output[c->n_append_output++];
		a->match_source = opt_str(f, cfg_map_get(m, "source"));
		a->match_rule = opt_str(f, cfg_map_get(m, "rule"));
		get_strlist(f, cfg_map_get(m, "tags"), &a->match_tags);
		a->extra_output = opt_str(f, cfg_map_get(e, "extra_output"));
		if (so)
			cfg_scalar_bool(so, &a->suggested_output);
		if (xf && xf->kind == CFG_SEQ)
			fill_extra_fields(f, xf, a);
		if (warn && a->match_rule && a->match_tags.n)
			fprintf(warn, "An append_output entry specifies both a rule (%s) and a list of "
				      "tags: output is appended only to that rule, and only when it has "
				      "all the tags.\n", a->match_rule);
	}
}

static void fill_static_fields(struct fctx *f, struct falco_config *c)
{
	const struct cfg_node *m = at(f, "static_fields", false);
	if (!m || m->kind != CFG_MAP)
		return;
	c->static_fields = calloc(m->n ? m->n : 1, sizeof(*c->static_fields));
	for (size_t i = 0; c->static_fields && i < m->n; i++) {
		struct cfg_kv *kv = &c->static_fields[c->n_static_fields++];
		kv->key = dup_or_fail(f, m->keys[i]->text);
		kv->value = dup_or_fail(f, m->kids[i]->kind == CFG_SCALAR ? m->kids[i]->text : "");
	}
}

static void need(struct fctx *f, bool enabled, const char *val, const char *key, const char *what)
{
	if (enabled && val && !val[0])
		failn(f, at(f, key, true), "%s output enabled but no %s in configuration block",
		      what, strchr(key, '.') + 1);
}

static void fill_outputs(struct fctx *f, struct falco_config *c)
{
	c->stdout_output.enabled = get_bool(f, "stdout_output.enabled", false);
	c->syslog_output.enabled = get_bool(f, "syslog_output.enabled", false);
	c->file_output.enabled = get_bool(f, "file_output.enabled", false);
	c->file_output.keep_alive = get_bool(f, "file_output.keep_alive", false);
	c->file_output.filename = get_str(f, "file_output.filename", "");
	need(f, c->file_output.enabled, c->file_output.filename, "file_output.filename", "file");
	c->program_output.enabled = get_bool(f, "program_output.enabled", false);
	c->program_output.keep_alive = get_bool(f, "program_output.keep_alive", false);
	c->program_output.program = get_str(f, "program_output.program", "");
	need(f, c->program_output.enabled, c->program_output.program, "program_output.program", "program");

	typeof(c->http_output) *h = &c->http_output;
	h->enabled = get_bool(f, "http_output.enabled", false);
	h->url = get_str(f, "http_output.url", "");
	need(f, h->enabled, h->url, "http_output.url", "http");
	h->user_agent = get_str(f, "http_output.user_agent", "falcosecurity/falco");
	h->insecure = get_bool(f, "http_output.insecure", false);
	h->ca_cert = get_str(f, "http_output.ca_cert", "");
	h->ca_bundle = get_str(f, "http_output.ca_bundle", "");
	h->ca_path = get_str(f, "http_output.ca_path", "/etc/ssl/certs");
	h->mtls = get_bool(f, "http_output.mtls", false);
	h->client_cert = get_str(f, "http_output.client_cert", "/etc/ssl/certs/client.crt");
	h->client_key = get_str(f, "http_output.client_key", "/etc/ssl/certs/client.key");
	h->echo = get_bool(f, "http_output.echo", false);
	h->compress_uploads = get_bool(f, "http_output.compress_uploads", false);
	h->keep_alive = get_bool(f, "http_output.keep_alive", false);
	h->max_consecutive_timeouts = (unsigned)get_int(f, "http_output.max_consecutive_timeouts", 5);
}

/* IPv4 or IPv6 (optionally with a `%zone`), blanks around allowed. */
static bool valid_ip(const char *s)
{
	char buf[128];
	unsigned char addr[16];
	while (isspace((unsigned char)*s))
		s++;
	snprintf(buf, sizeof(buf), "%s", s);
	size_t len = strlen(buf);
	while (len && isspace((unsigned char)buf[len - 1]))
		buf[--len] = 0;
	if (inet_pton(AF_INET, buf, addr) == 1)
		return true;
	char *zone = strchr(buf, '%');
	if (zone) {
		if (!zone[1])
			return false;
		*zone = 0;
	}
	return inet_pton(AF_INET6, buf, addr) == 1;
}

static void fill_webserver(struct fctx *f, struct falco_config *c)
{
	typeof(c->webserver) *w = &c->webserver;
	w->enabled = get_bool(f, "webserver.enabled", false);
	w->threadiness = (unsigned)get_int(f, "webserver.threadiness", 0);
	if (w->threadiness == 0) {   /* upstream: one thread per CPU */
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		w->threadiness = n > 0 ? (unsigned)n : 1;
	}
	w->listen_port = (unsigned)get_int(f, "webserver.listen_port", 8765);
	w->listen_address = get_str(f, "webserver.listen_address", "0.0.0.0");
	if (w->listen_address && !valid_ip(w->listen_address))
		failn(f, at(f, "webserver.listen_address", true),
		      "webserver listen address \"%s\" is not a valid IP address", w->listen_address);
	w->k8s_healthz_endpoint = get_str(f, "webserver.k8s_healthz_endpoint", "/healthz");
	w->ssl_enabled = get_bool(f, "webserver.ssl_enabled", false);
	w->ssl_certificate = get_str(f, "webserver.ssl_certificate", "/etc/falco/falco.pem");
	w->prometheus_metrics_enabled = get_bool(f, "webserver.prometheus_metrics_enabled", false);
}

static void fill_drops(struct fctx *f, struct falco_config *c)
{
	const struct cfg_node *acts = at(f, "syscall_event_drops.actions", false);
	struct cfg_strlist l = { 0 };
	get_strlist(f, acts, &l);
	unsigned set = 0;
	for (size_t i = 0; i < l.n && !f->rc; i++) {
		const char *a = l.v[i];
		if (!strcmp(a, "ignore"))
			set |= CFG_DROP_IGNORE;
		else if (!strcmp(a, "exit"))
			set |= CFG_DROP_EXIT;
		else if ((!strcmp(a, "log") || !strcmp(a, "alert")) && (set & CFG_DROP_IGNORE))
			failn(f, acts, "syscall event drop action \"%s\" does not make sense with the \"ignore\" action", a);
		else if (!strcmp(a, "log") || !strcmp(a, "alert"))
			set |= a[0] == 'l' ? CFG_DROP_LOG : CFG_DROP_ALERT;
		else
			failn(f, acts, "available actions for syscall event drops are \"ignore\", \"log\", \"alert\", and \"exit\"");
	}
	cfg_strlist_free(&l);
	c->syscall_event_drops.actions = set ? set : CFG_DROP_IGNORE;
	c->syscall_event_drops.threshold = get_num(f, "syscall_event_drops.threshold", .1);
	if (c->syscall_event_drops.threshold < 0 || c->syscall_event_drops.threshold > 1)
		failn(f, at(f, "syscall_event_drops.threshold", false),
		      "syscall event drops threshold must be a double in the range [0, 1]");
	c->syscall_event_drops.rate = get_num(f, "syscall_event_drops.rate", .03333);
	c->syscall_event_drops.max_burst = get_num(f, "syscall_event_drops.max_burst", 1);
	c->syscall_event_drops.simulate_drops = get_bool(f, "syscall_event_drops.simulate_drops", false);
	c->syscall_event_timeouts_max_consecutives =
		(unsigned)get_int(f, "syscall_event_timeouts.max_consecutives", 1000);
	if (c->syscall_event_timeouts_max_consecutives == 0)
		failn(f, at(f, "syscall_event_timeouts.max_consecutives", false),
		      "the maximum consecutive timeouts without an event must be an unsigned integer > 0");
}

/* Prometheus durations (`1h`, `30s`, `1m30s`, `500ms`) in milliseconds;
 * anything else (a bare number too) is 0, as upstream computes it. */
static uint64_t parse_interval(const char *s)
{
	static const char *const units[] = { "y", "w", "d", "h", "m", "s", "ms" };
	static const uint64_t ms[] = { 31536000000ull, 604800000ull, 86400000ull, 3600000ull,
				       60000ull, 1000ull, 1ull };
	uint64_t total = 0;
	int next = 0;
	while (isspace((unsigned char)*s))
		s++;
	while (*s) {
		uint64_t v = 0;
		if (!isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			v = v * 10 + (uint64_t)(*s++ - '0');
		int u = (s[0] == 'm' && s[1] == 's') ? 6 : -1;
		for (int k = 0; u < 0 && k < 6; k++)
			if (*s == units[k][0])
				u = k;
		if (u < next)
			return 0;
		s += strlen(units[u]);
		next = u + 1;
		total += v * ms[u];
		while (isspace((unsigned char)*s))
			s++;
	}
	return total;
}

static void fill_metrics(struct fctx *f, struct falco_config *c)
{
	static const struct { const char *key; unsigned flag; } flags[] = {
		{ "metrics.rules_counters_enabled", CFG_METRICS_RULE_COUNTERS },
		{ "metrics.resource_utilization_enabled", CFG_METRICS_RESOURCE_UTILIZATION },
		{ "metrics.state_counters_enabled", CFG_METRICS_STATE_COUNTERS },
		{ "metrics.kernel_event_counters_enabled", CFG_METRICS_KERNEL_COUNTERS },
		{ "metrics.kernel_event_counters_per_cpu_enabled", CFG_METRICS_KERNEL_COUNTERS_PER_CPU },
		{ "metrics.libbpf_stats_enabled", CFG_METRICS_LIBBPF_STATS },
		{ "metrics.plugins_metrics_enabled", CFG_METRICS_PLUGINS },
		{ "metrics.kernel_iter_event_counters_enabled", CFG_METRICS_KERNEL_ITER_COUNTERS },
		{ "metrics.jemalloc_stats_enabled", CFG_METRICS_JEMALLOC_STATS },
	};
	c->metrics.enabled = get_bool(f, "metrics.enabled", false);
	c->metrics.interval = get_str(f, "metrics.interval", "5000");
	c->metrics.interval_ms = c->metrics.interval ? parse_interval(c->metrics.interval) : 0;
	c->metrics.output_rule = get_bool(f, "metrics.output_rule", false);
	c->metrics.output_file = get_str(f, "metrics.output_file", "");
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (get_bool(f, flags[i].key, true))
			c->metrics.flags |= flags[i].flag;
	c->metrics.convert_memory_to_mb = get_bool(f, "metrics.convert_memory_to_mb", true);
	c->metrics.include_empty_values = get_bool(f, "metrics.include_empty_values", false);
}

static void fill_misc(struct fctx *f, struct falco_config *c)
{
	c->watch_config_files = get_bool(f, "watch_config_files", true);
	c->time_format_iso_8601 = get_bool(f, "time_format_iso_8601", false);
	c->buffer_format_base64 = get_bool(f, "buffer_format_base64", false);
	const struct cfg_node *p = at(f, "priority", false);
	int prio = p ? cfg_priority_parse(p->text) : CFG_PRIO_DEBUG;
	if (prio < 0)
		failn(f, p, "Unknown priority \"%s\"--must be one of emergency, alert, critical, "
			    "error, warning, notice, informational, debug", p->text);
	c->priority = prio < 0 ? CFG_PRIO_DEBUG : (enum cfg_priority)prio;
	c->json_output = get_bool(f, "json_output", false);
	c->json_include_output_property = get_bool(f, "json_include_output_property", true);
	c->json_include_message_property = get_bool(f, "json_include_message_property", false);
	c->json_include_output_fields_property = get_bool(f, "json_include_output_fields_property", true);
	c->json_include_tags_property = get_bool(f, "json_include_tags_property", true);
	c->buffered_outputs = get_bool(f, "buffered_outputs", false);
	const struct cfg_node *m = at(f, "rule_matching", false);
	c->rule_matching = m && !strcmp(m->text, "all") ? CFG_MATCH_ALL : CFG_MATCH_FIRST;
	c->outputs_queue_capacity = (uint64_t)get_int(f, "outputs_queue.capacity", 0);
	c->log_stderr = get_bool(f, "log_stderr", false);
	c->log_syslog = get_bool(f, "log_syslog", true);
	c->log_level = get_str(f, "log_level", "info");
	c->libs_logger.enabled = get_bool(f, "libs_logger.enabled", true);
	c->libs_logger.severity = get_str(f, "libs_logger.severity", "info");
	c->output_timeout_ms = (unsigned)get_int(f, "output_timeout", 2000);
	get_strlist(f, at(f, "base_syscalls.custom_set", false), &c->base_syscalls.custom_set);
	c->base_syscalls.repair = get_bool(f, "base_syscalls.repair", false);
	c->base_syscalls.all = get_bool(f, "base_syscalls.all", false);
	c->falco_libs.thread_table_size = (uint32_t)get_int(f, "falco_libs.thread_table_size", 262144);
	c->falco_libs.thread_table_auto_purging_interval_s =
		(uint32_t)get_int(f, "falco_libs.thread_table_auto_purging_interval_s", 300);
	c->falco_libs.thread_table_auto_purging_thread_timeout_s =
		(uint32_t)get_int(f, "falco_libs.thread_table_auto_purging_thread_timeout_s", 300);
	c->falco_libs.snaplen = (uint64_t)get_int(f, "falco_libs.snaplen", 0);
}

int cfg_fill(struct cfg_node *root, struct cfg_strlist *loaded, struct falco_config **out,
	     FILE *warn, struct cfg_err *err)
{
	struct cfg_err local;
	struct fctx f = { .root = root, .err = err ? err : &local };
	struct falco_config *c = calloc(1, sizeof(*c));
	if (!c) {
		cfg_node_free(root);
		cfg_errf(err, "out of memory");
		return -ENOMEM;
	}
	c->tree = root;
	c->loaded_files = *loaded;
	*loaded = (struct cfg_strlist){ 0 };
	fill_misc(&f, c);
	fill_rules_files(&f, c, warn);
	fill_rules_select(&f, c);
	fill_engine(&f, c);
	fill_capture(&f, c);
	fill_plugins(&f, c);
	fill_append_output(&f, c, warn);
	fill_static_fields(&f, c);
	fill_outputs(&f, c);
	fill_webserver(&f, c);
	fill_drops(&f, c);
	fill_metrics(&f, c);
	if (f.rc) {
		cfg_free(c);
		return f.rc;
	}
	*out = c;
	return 0;
}

static void free_plugins(struct falco_config *c)
{
	for (size_t i = 0; c->plugins && i < c->n_plugins; i++) {
		free(c->plugins[i].name);
		free(c->plugins[i].library_path);
		free(c->plugins[i].init_config);
		free(c->plugins[i].open_params);
	}
	free(c->plugins);
}

static void free_lists(struct falco_config *c)
{
	for (size_t i = 0; i < c->n_rules_select; i++) {
		free(c->rules_select[i].rule);
		free(c->rules_select[i].tag);
	}
	free(c->rules_select);
	for (size_t i = 0; i < c->n_append_output; i++) {
		struct cfg_append_output *a = &c->append_output[i];
		free(a->match_source);
		free(a->match_rule);
		cfg_strlist_free(&a->match_tags);
		free(a->extra_output);
		for (size_t k = 0; k < a->n_fields; k++) {
			free(a->fields[k].name);
			free(a->fields[k].fmt);
		}
		free(a->fields);
	}
	free(c->append_output);
	for (size_t i = 0; i < c->n_static_fields; i++) {
		free(c->static_fields[i].key);
		free(c->static_fields[i].value);
	}
	free(c->static_fields);
}

void cfg_free(struct falco_config *c)
{
	if (!c)
		return;
	char *strs[] = {
		c->engine.replay.capture_file, c->capture.path_prefix, c->file_output.filename,
		c->http_output.url, c->http_output.user_agent, c->http_output.ca_cert,
		c->http_output.ca_bundle, c->http_output.ca_path, c->http_output.client_cert,
		c->http_output.client_key, c->program_output.program, c->webserver.listen_address,
		c->webserver.k8s_healthz_endpoint, c->webserver.ssl_certificate, c->log_level,
		c->libs_logger.severity, c->metrics.interval, c->metrics.output_file,
	};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(strs[i]);
	cfg_strlist_free(&c->loaded_files);
	cfg_strlist_free(&c->rules_files);
	cfg_strlist_free(&c->base_syscalls.custom_set);
	free_plugins(c);
	free_lists(c);
	cfg_node_free(c->tree);
	free(c);
}
