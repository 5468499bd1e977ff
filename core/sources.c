/* Plugin sources and async routing for falco; see sources.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "sources.h"

struct srcs_pipe {
	struct srcs_pipe_opts o;  /* copied; pointers borrowed */
	struct eng *eng;          /* owned */
	int src;                  /* index of the source in o.re */
	const char *name;         /* the event source name (the plugin's) */
	struct fld_ctx fctx;      /* this thread's extraction context */
	char info[4096];          /* evt.plugininfo of the current event */
	const char *info_str;     /* evt.plugininfo (into `info` or the plugin), or NULL */
	const struct eng_event *info_ev; /* the event info_str was rendered for, or NULL */
	const struct eng_event *cur;     /* the event being processed */
	struct metrics_src *msrc;        /* metrics of this source, or NULL */
};

void srcs_parse(struct ph_plugin *const *plugins, size_t n, const struct eng_event *ev, const char *source)
{
	ss_plugin_event_input in = {(const ss_plugin_event *)ev->ev.hdr, ev->num, source};
	for (size_t i = 0; i < n; i++) {
		if (!(ph_caps(plugins[i]) & CAP_PARSING) || !ph_wants_parse(plugins[i], ev->ev.hdr->type, source))
			continue;
		ph_parse_logged(plugins[i], &in);
	}
}

static int pipe_parse(void *ctx, const struct eng_event *ev)
{
	struct srcs_pipe *sp = ctx;
	metrics_poll(sp->msrc);
	srcs_parse(sp->o.plugins, sp->o.nplugins, ev, sp->name);
	return 0;
}

static void pipe_idle(void *ctx)
{
	metrics_poll_idle(((struct srcs_pipe *)ctx)->msrc);
}

/* evt.plugininfo: the plugin's event_to_string, at most once per event. */
static const char *pipe_info(void *arg)
{
	struct srcs_pipe *sp = arg;
	if (sp->info_ev != sp->cur) {
		const struct eng_event *ev = sp->cur;
		sp->info_str = ph_event_to_string(sp->o.source, (const ss_plugin_event *)ev->ev.hdr, ev->num,
		                                  sp->info, sizeof(sp->info));
		sp->info_ev = ev;
	}
	return sp->info_str;
}

static int pipe_consume(void *ctx, const struct eng_event *ev)
{
	struct srcs_pipe *sp = ctx;
	struct fld_ctx *f = &sp->fctx;
	const struct ev_hdr *h = ev->ev.hdr;
	fld_ctx_next(f);
	f->ev = &ev->ev;
	f->num = ev->num;
	f->cpu = ev->cpu;
	if (!f->first_ts)
		f->first_ts = h->ts;
	f->plugin_name = NULL;
	f->plugin_info = NULL;
	sp->cur = ev;
	sp->info_ev = NULL;
	if (h->type == PLUGIN_EVT_PLUGINEVENT) {
		f->plugin_name = ph_name(sp->o.source);
		f->plugin_info = pipe_info;
		f->plugin_info_arg = sp;
	}
	rules_engine_process(sp->o.re, sp->src, f);
	return 0;
}

/* The part of a pipe common to live and replayed sources: the rules
 * engine's source and an extraction context (no capture, no engine). */
struct srcs_pipe *srcs_pipe_new_replay(const struct srcs_pipe_opts *o, char *err)
{
	struct srcs_pipe *sp = calloc(1, sizeof(*sp));
	if (sp == NULL) {
		snprintf(err, ENG_ERR_LEN, "out of memory");
		return NULL;
	}
	sp->o = *o;
	sp->name = ph_event_source(o->source);
	sp->src = rules_engine_source(o->re, sp->name);
	if (sp->src < 0 || fld_ctx_init(&sp->fctx, rules_engine_nslots(o->re, sp->src)) < 0) {
		snprintf(err, ENG_ERR_LEN, "source %s: %s", sp->name, sp->src < 0 ? "unknown to the rules engine"
		                                                                    : "out of memory");
		free(sp);
		return NULL;
	}
	sp->fctx.source = sp->name;
	sp->fctx.hostname = o->hostname;
	return sp;
}

struct srcs_pipe *srcs_pipe_new(const struct srcs_pipe_opts *o, char *err)
{
	struct srcs_pipe *sp = srcs_pipe_new_replay(o, err);
	if (sp == NULL)
		return NULL;
	struct eng_source es;
	char e2[ENG_ERR_LEN];
	if (eng_plugin_open(o->source, o->open_params, &es, e2) < 0) {
		snprintf(err, ENG_ERR_LEN, "cannot open event source %s: %.400s", sp->name, e2);
		fld_ctx_fini(&sp->fctx);
		free(sp);
		return NULL;
	}
	struct eng_hooks hooks = {.ctx = sp, .parse = pipe_parse, .consume = pipe_consume, .idle = pipe_idle};
	sp->eng = eng_new(&es, &hooks, err);
	if (sp->eng == NULL) {
		fld_ctx_fini(&sp->fctx);
		free(sp);
		return NULL;
	}
	sp->msrc = metrics_add_source(o->metrics, sp->name, sp->eng, NULL, o->source, o->plugins, o->nplugins);
	return sp;
}

struct eng *srcs_pipe_eng(struct srcs_pipe *sp)
{
	return sp->eng;
}

void srcs_pipe_free(struct srcs_pipe *sp)
{
	if (sp == NULL)
		return;
	eng_free(sp->eng);
	fld_ctx_fini(&sp->fctx);
	free(sp);
}

/* ---- async routing ---- */

/* Plugin thread: the instance's own source (ctx, a srcs_async_set) gets a
 * copy in its queue when it admits the event. A refusal makes the
 * plugin's send fail, as upstream. */
static int on_async(void *ctx, struct ph_plugin *p, const ss_plugin_event *evt)
{
	const struct srcs_running *run = ((const struct srcs_async_set *)ctx)->run;
	uint8_t small[1024];
	uint8_t *copy = evt->len <= sizeof(small) ? small : malloc(evt->len);
	if (copy == NULL)
		return -ENOMEM;
	char err[PH_ERRLEN];
	int rc = -EINVAL;
	memcpy(copy, evt, evt->len);
	if (ph_async_admit(p, (ss_plugin_event *)copy, run->name, run->plugin_id, err, sizeof(err)) == 0)
		rc = eng_push_async(run->eng, (const struct ev_hdr *)copy);
	if (copy != small)
		free(copy);
	return rc;
}

int srcs_async_start(const struct srcs_async_set *sets, size_t nsets)
{
	char err[PH_ERRLEN];
	for (size_t s = 0; s < nsets; s++)
		for (size_t i = 0; i < sets[s].n; i++)
			if ((ph_caps(sets[s].plugins[i]) & CAP_ASYNC) &&
			    ph_set_async_handler(sets[s].plugins[i], on_async, (void *)&sets[s], err, sizeof(err)) < 0) {
				log_msg(LOG_LVL_ERR, "%s", err);
				return -1;
			}
	for (size_t s = 0; s < nsets; s++)
		for (size_t i = 0; i < sets[s].n; i++)
			if (ph_capture_open(sets[s].plugins[i], err, sizeof(err)) < 0) {
				log_msg(LOG_LVL_ERR, "%s", err);
				return -1;
			}
	return 0;
}

void srcs_async_stop(const struct srcs_async_set *sets, size_t nsets)
{
	char err[PH_ERRLEN];
	for (size_t s = 0; s < nsets; s++)
		for (size_t i = 0; i < sets[s].n; i++)
			if (ph_capture_close(sets[s].plugins[i], err, sizeof(err)) < 0)
				log_msg(LOG_LVL_ERR, "%s", err);
	for (size_t s = 0; s < nsets; s++)
		for (size_t i = 0; i < sets[s].n; i++)
			if (ph_caps(sets[s].plugins[i]) & CAP_ASYNC)
				ph_set_async_handler(sets[s].plugins[i], NULL, NULL, err, sizeof(err));
}

/* ---- events of several sources read from one capture ---- */

int srcs_event_plugin_id(const struct ev_view *v, uint32_t *id, char *err, size_t errlen)
{
	uint16_t type = v->hdr->type;
	*id = 0;
	if (type != PLUGIN_EVT_PLUGINEVENT && type != PLUGIN_EVT_ASYNCEVENT)
		return 0;
	uint32_t want = type == PLUGIN_EVT_PLUGINEVENT ? 2 : 3;
	if (v->nparams != want) {
		snprintf(err, errlen, "%s event (code %u) with %u parameters instead of %u",
		         type == PLUGIN_EVT_PLUGINEVENT ? "plugin" : "async", type, v->nparams, want);
		return -EINVAL;
	}
	if (v->len[0] != 4) {
		snprintf(err, errlen, "%s event (code %u): plugin id parameter of %u bytes instead of 4",
		         type == PLUGIN_EVT_PLUGINEVENT ? "plugin" : "async", type, v->len[0]);
		return -EINVAL;
	}
	memcpy(id, v->val[0], 4);
	return 0;
}

struct srcs_replay {
	size_t n;
	uint32_t ids[SRCS_REPLAY_MAX];          /* plugin id of pipes[i] */
	struct srcs_pipe *pipes[SRCS_REPLAY_MAX]; /* owned */
	uint64_t events[SRCS_REPLAY_MAX];       /* events given to pipes[i] */
	uint64_t unknown;                       /* hidden events of unknown plugin ids, skipped */
	uint64_t first_ts;                      /* the capture's first non-meta event (evt.reltime) */
	uint64_t cur_num;                       /* evt.num of the last routed event */
	struct srcs_pipe *cur;                  /* its pipe (NULL: syscall or skipped) */
};

struct srcs_replay *srcs_replay_new(const struct srcs_pipe_opts *per_source, size_t n, char *err)
{
	if (n > SRCS_REPLAY_MAX) {
		snprintf(err, ENG_ERR_LEN, "more than %d plugin sources", SRCS_REPLAY_MAX);
		return NULL;
	}
	struct srcs_replay *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, ENG_ERR_LEN, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		r->pipes[i] = srcs_pipe_new_replay(&per_source[i], err);
		if (r->pipes[i] == NULL) {
			srcs_replay_free(r);
			return NULL;
		}
		r->ids[i] = ph_id(per_source[i].source);
		r->n++;
	}
	return r;
}

void srcs_replay_free(struct srcs_replay *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		srcs_pipe_free(r->pipes[i]);
	free(r);
}

int srcs_replay_parse(struct srcs_replay *r, const struct eng_event *ev, uint32_t *id, char *err, size_t errlen)
{
	r->cur_num = ev->num;
	r->cur = NULL;
	if (!r->first_ts) {
		const struct ev_info *ei = ev_info(ev->ev.hdr->type);
		if (ei && !(ei->category & EV_C_METAEVENT))
			r->first_ts = ev->ev.hdr->ts;
	}
	int rc = srcs_event_plugin_id(&ev->ev, id, err, errlen);
	if (rc < 0 || *id == 0)
		return rc < 0 ? rc : SRCS_ROUTE_SYSCALL;
	size_t i = 0;
	while (i < r->n && r->ids[i] != *id)
		i++;
	if (i == r->n) {
		if (ev->hidden)
			r->unknown++;
		return SRCS_ROUTE_UNKNOWN;
	}
	r->cur = r->pipes[i];
	r->events[i]++;
	pipe_parse(r->cur, ev);
	return SRCS_ROUTE_PLUGIN;
}

bool srcs_replay_eval(struct srcs_replay *r, const struct eng_event *ev)
{
	if (r->cur_num != ev->num || r->cur == NULL)
		return false;
	/* one capture, one start: evt.reltime counts from its first event */
	r->cur->fctx.first_ts = r->first_ts;
	pipe_consume(r->cur, ev);
	return true;
}

const char *srcs_replay_source(const struct srcs_replay *r)
{
	return r->cur ? r->cur->name : NULL;
}

void srcs_replay_print_stats(const struct srcs_replay *r, FILE *out)
{
	if (r->n) {
		fprintf(out, "Plugin source events:");
		for (size_t i = 0; i < r->n; i++)
			fprintf(out, " %s=%llu", r->pipes[i]->name, (unsigned long long)r->events[i]);
		fprintf(out, "\n");
	}
	if (r->unknown)
		fprintf(out, "Skipped %llu leading events of plugin sources not loaded\n",
		        (unsigned long long)r->unknown);
}

int srcs_replay_start(struct ph_plugin *const *plugins, size_t n)
{
	char err[PH_ERRLEN];
	for (size_t i = 0; i < n; i++)
		if (ph_capture_open(plugins[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "falco: %s\n", err);
			return -1;
		}
	return 0;
}

void srcs_replay_stop(struct ph_plugin *const *plugins, size_t n)
{
	char err[PH_ERRLEN];
	for (size_t i = 0; i < n; i++)
		if (ph_capture_close(plugins[i], err, sizeof(err)) < 0)
			fprintf(stderr, "falco: %s\n", err);
}
