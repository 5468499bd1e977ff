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
		char err[PH_ERRLEN];
		if (ph_parse(plugins[i], &in, err, sizeof(err)) < 0)
			log_msg(LOG_LVL_ERR, "%s", err);
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

struct srcs_pipe *srcs_pipe_new(const struct srcs_pipe_opts *o, char *err)
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
