/* The oracle test's bridge to core/state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle_state.h"
#include "state/state.h"

struct oracle_state {
	struct st_state *st; /* owned */
	struct ev_resolver res;
};

static bool base_dir(void *ctx, uint64_t tid, int64_t dirfd, char *buf, size_t len)
{
	struct st_state *st = ctx;
	struct st_thread *t = st_find(st, (int64_t)tid);
	if (t == NULL)
		return false;
	if (dirfd == EV_AT_FDCWD) {
		snprintf(buf, len, "%s", t->proc->cwd);
		return true;
	}
	struct st_fd *f = st_fd_get(st, t, dirfd);
	if (f == NULL)
		return false;
	size_t n = strlen(f->name);
	snprintf(buf, len, "%s%s", f->name, n > 0 && f->name[n - 1] == '/' ? "" : "/");
	return true;
}

static const char *user_name(void *ctx, uint64_t tid, uint32_t uid)
{
	(void)tid;
	const struct st_user *u = st_user_get(ctx, uid);
	return u ? u->name : NULL;
}

static const char *group_name(void *ctx, uint64_t tid, uint32_t gid)
{
	(void)tid;
	const struct st_group *g = st_group_get(ctx, gid);
	return g ? g->name : NULL;
}

struct oracle_state *oracle_state_new(const struct cap_meta *meta)
{
	struct oracle_state *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->st = st_new(NULL);
	if (s->st == NULL || (meta != NULL && st_import_capture(s->st, meta) < 0)) {
		oracle_state_free(s);
		return NULL;
	}
	s->res = (struct ev_resolver){
		.ctx = s->st,
		.fd_desc = st_fd_desc,
		.comm = st_comm,
		.base_dir = base_dir,
		.user_name = user_name,
		.group_name = group_name,
	};
	return s;
}

void oracle_state_free(struct oracle_state *s)
{
	if (s == NULL)
		return;
	st_free(s->st);
	free(s);
}

int oracle_state_parse(struct oracle_state *s, const struct eng_event *ev)
{
	st_apply(s->st, &ev->ev, ev->cpu);
	return 0;
}

const struct ev_resolver *oracle_state_resolver(struct oracle_state *s)
{
	return &s->res;
}

/* The fd the state engine attached to the current event (upstream's
 * m_fdinfo); no guess from the event type when there is none. */
char oracle_state_event_fd_type(struct oracle_state *s, const struct ev_view *v)
{
	(void)v;
	const struct st_event_ctx *cur = st_current(s->st);
	if (cur->thread == NULL)
		return '\0';
	struct st_fd *f = cur->fd;
	if (f == NULL && cur->thread->lastevent_fd != -1)
		f = st_fd_get(s->st, cur->thread, cur->thread->lastevent_fd);
	if (f == NULL)
		return '\0';
	struct st_value val;
	char buf[8];
	if (!st_field_extract(s->st, STF_FD_TYPECHAR, -1, &val, buf, sizeof(buf)) || val.len == 0)
		return '\0';
	return val.s[0];
}
