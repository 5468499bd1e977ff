/*
 * Users and groups: two small open-addressing maps keyed by uid and gid,
 * filled from a capture's user list, /etc/passwd and /etc/group, and the
 * user/group added/deleted meta events.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/state_int.h"

struct urec { bool used; struct st_user u; };
struct grec { bool used; struct st_group g; };

struct st_userdb {
	struct urec *u; uint32_t ucap, ucount;
	struct grec *g; uint32_t gcap, gcount;
};

static struct st_userdb *db(struct st_state *st)
{
	if (!st->users)
		st->users = calloc(1, sizeof *st->users);
	return st->users;
}

static uint32_t idhash(uint32_t id, uint32_t cap)
{
	return (id * 2654435761u) & (cap - 1);
}

static void ufree(struct st_user *u)
{
	st_strfree((char *)u->name);
	st_strfree((char *)u->home);
	st_strfree((char *)u->shell);
}

static int ugrow(struct st_userdb *d)
{
	uint32_t nc = d->ucap ? d->ucap * 2 : 64;
	struct urec *n = calloc(nc, sizeof *n);
	if (!n)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->ucap; i++) {
		if (!d->u[i].used)
			continue;
		uint32_t h = idhash(d->u[i].u.uid, nc);
		while (n[h].used)
			h = (h + 1) & (nc - 1);
		n[h] = d->u[i];
	}
	free(d->u);
	d->u = n;
	d->ucap = nc;
	return 0;
}

static int ggrow(struct st_userdb *d)
{
	uint32_t nc = d->gcap ? d->gcap * 2 : 64;
	struct grec *n = calloc(nc, sizeof *n);
	if (!n)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->gcap; i++) {
		if (!d->g[i].used)
			continue;
		uint32_t h = idhash(d->g[i].g.gid, nc);
		while (n[h].used)
			h = (h + 1) & (nc - 1);
		n[h] = d->g[i];
	}
	free(d->g);
	d->g = n;
	d->gcap = nc;
	return 0;
}

int st_user_add(struct st_state *st, uint32_t uid, uint32_t gid, const char *name,
                const char *home, const char *shell)
{
	struct st_userdb *d = db(st);
	if (!d)
		return -ENOMEM;
	if ((d->ucount + 1) * 2 > d->ucap && ugrow(d))
		return -ENOMEM;
	uint32_t h = idhash(uid, d->ucap);
	while (d->u[h].used && d->u[h].u.uid != uid)
		h = (h + 1) & (d->ucap - 1);
	if (d->u[h].used)
		ufree(&d->u[h].u);
	else
		d->ucount++;
	d->u[h].used = true;
	d->u[h].u.uid = uid;
	d->u[h].u.gid = gid;
	d->u[h].u.name = st_strdup_len(name ? name : "", SIZE_MAX);
	d->u[h].u.home = st_strdup_len(home ? home : "", SIZE_MAX);
	d->u[h].u.shell = st_strdup_len(shell ? shell : "", SIZE_MAX);
	return 0;
}

int st_group_add(struct st_state *st, uint32_t gid, const char *name)
{
	struct st_userdb *d = db(st);
	if (!d)
		return -ENOMEM;
	if ((d->gcount + 1) * 2 > d->gcap && ggrow(d))
		return -ENOMEM;
	uint32_t h = idhash(gid, d->gcap);
	while (d->g[h].used && d->g[h].g.gid != gid)
		h = (h + 1) & (d->gcap - 1);
	if (d->g[h].used)
		st_strfree((char *)d->g[h].g.name);
	else
		d->gcount++;
	d->g[h].used = true;
	d->g[h].g.gid = gid;
	d->g[h].g.name = st_strdup_len(name ? name : "", SIZE_MAX);
	return 0;
}

const struct st_user *st_user_get(const struct st_state *st, uint32_t uid)
{
	const struct st_userdb *d = st->users;
	if (!d || !d->ucap)
		return NULL;
	for (uint32_t h = idhash(uid, d->ucap); d->u[h].used; h = (h + 1) & (d->ucap - 1))
		if (d->u[h].u.uid == uid)
			return &d->u[h].u;
	return NULL;
}

const struct st_group *st_group_get(const struct st_state *st, uint32_t gid)
{
	const struct st_userdb *d = st->users;
	if (!d || !d->gcap)
		return NULL;
	for (uint32_t h = idhash(gid, d->gcap); d->g[h].used; h = (h + 1) & (d->gcap - 1))
		if (d->g[h].g.gid == gid)
			return &d->g[h].g;
	return NULL;
}

/* Removal in open addressing: take the entry out, then reinsert the rest
 * of its cluster so lookups keep finding them. */
void st_user_remove(struct st_state *st, uint32_t uid)
{
	struct st_userdb *d = st->users;
	if (!d || !d->ucap)
		return;
	uint32_t h = idhash(uid, d->ucap);
	while (d->u[h].used && d->u[h].u.uid != uid)
		h = (h + 1) & (d->ucap - 1);
	if (!d->u[h].used)
		return;
	ufree(&d->u[h].u);
	d->u[h].used = false;
	d->ucount--;
	for (uint32_t j = (h + 1) & (d->ucap - 1); d->u[j].used; j = (j + 1) & (d->ucap - 1)) {
		struct urec r = d->u[j];
		d->u[j].used = false;
		uint32_t k = idhash(r.u.uid, d->ucap);
		while (d->u[k].used)
			k = (k + 1) & (d->ucap - 1);
		d->u[k] = r;
	}
}

void st_group_remove(struct st_state *st, uint32_t gid)
{
	struct st_userdb *d = st->users;
	if (!d || !d->gcap)
		return;
	uint32_t h = idhash(gid, d->gcap);
	while (d->g[h].used && d->g[h].g.gid != gid)
		h = (h + 1) & (d->gcap - 1);
	if (!d->g[h].used)
		return;
	st_strfree((char *)d->g[h].g.name);
	d->g[h].used = false;
	d->gcount--;
	for (uint32_t j = (h + 1) & (d->gcap - 1); d->g[j].used; j = (j + 1) & (d->gcap - 1)) {
		struct grec r = d->g[j];
		d->g[j].used = false;
		uint32_t k = idhash(r.g.gid, d->gcap);
		while (d->g[k].used)
			k = (k + 1) & (d->gcap - 1);
		d->g[k] = r;
	}
}

void st_users_free(struct st_state *st)
{
	struct st_userdb *d = st->users;
	if (!d)
		return;
	for (uint32_t i = 0; i < d->ucap; i++)
		if (d->u[i].used)
			ufree(&d->u[i].u);
	for (uint32_t i = 0; i < d->gcap; i++)
		if (d->g[i].used)
			st_strfree((char *)d->g[i].g.name);
	free(d->u);
	free(d->g);
	free(d);
	st->users = NULL;
}

/* Splits a passwd/group line on ':' in place; returns the field count. */
static int split_colon(char *line, char **f, int max)
{
	int n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ':') {
			*p = 0;
			f[n++] = p + 1;
		}
	return n;
}

static bool parse_id(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

int st_load_passwd(struct st_state *st, const char *passwd_path, const char *group_path)
{
	int n = 0;
	char line[4096];
	FILE *f = passwd_path ? fopen(passwd_path, "r") : NULL;
	if (passwd_path && !f)
		return -errno;
	while (f && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		char *fl[7];
		uint32_t uid, gid;
		if (line[0] == '#' || split_colon(line, fl, 7) < 7 || !parse_id(fl[2], &uid) ||
		    !parse_id(fl[3], &gid))
			continue;
		if (st_user_add(st, uid, gid, fl[0], fl[5], fl[6]) == 0)
			n++;
	}
	if (f)
		fclose(f);
	f = group_path ? fopen(group_path, "r") : NULL;
	if (group_path && !f)
		return -errno;
	while (f && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		char *fl[4];
		uint32_t gid;
		if (line[0] == '#' || split_colon(line, fl, 4) < 3 || !parse_id(fl[2], &gid))
			continue;
		if (st_group_add(st, gid, fl[0]) == 0)
			n++;
	}
	if (f)
		fclose(f);
	return n;
}
