/*
 * Open-addressing hash map of container infos keyed by their id.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "info.h"
#include "map.h"

#define TOMB ((struct ctr_info *)(uintptr_t)1)

struct ctr_slot {
	struct ctr_info *c; /* NULL: empty; TOMB: removed */
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* The slot holding `key`, or NULL. */
static struct ctr_slot *find(const struct ctr_map *m, const char *key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct ctr_slot *s = &m->slots[i];
		if (!s->c)
			return NULL;
		if (s->c != TOMB && strcmp(s->c->id, key) == 0)
			return s;
	}
}

struct ctr_info *ctr_map_get(const struct ctr_map *m, const char *key)
{
	struct ctr_slot *s = find(m, key);
	return s ? s->c : NULL;
}

static void insert(struct ctr_map *m, struct ctr_info *c)
{
	size_t i = hash(c->id) & (m->cap - 1);
	while (m->slots[i].c && m->slots[i].c != TOMB)
		i = (i + 1) & (m->cap - 1);
	if (!m->slots[i].c)
		m->used++;
	m->slots[i].c = c;
	m->live++;
}

static int grow(struct ctr_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	while (m->live * 2 >= cap)
		cap *= 2;
	struct ctr_slot *old = m->slots;
	size_t oldcap = m->cap;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		return -ENOMEM;
	}
	m->cap = cap;
	m->used = m->live = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].c && old[i].c != TOMB)
			insert(m, old[i].c);
	free(old);
	return 0;
}

int ctr_map_put(struct ctr_map *m, struct ctr_info *c)
{
	struct ctr_slot *s = find(m, c->id);
	if (s) {
		ctr_info_free(s->c);
		s->c = c;
		return 0;
	}
	if ((m->used + 1) * 2 > m->cap && grow(m) < 0) {
		ctr_info_free(c);
		return -ENOMEM;
	}
	insert(m, c);
	return 0;
}

struct ctr_info *ctr_map_take(struct ctr_map *m, const char *key)
{
	struct ctr_slot *s = find(m, key);
	if (!s)
		return NULL;
	struct ctr_info *c = s->c;
	s->c = TOMB;
	m->live--;
	return c;
}

void ctr_map_del(struct ctr_map *m, const char *key)
{
	ctr_info_free(ctr_map_take(m, key));
}

int ctr_map_each(const struct ctr_map *m, int (*fn)(void *ctx, struct ctr_info *c), void *ctx)
{
	for (size_t i = 0; i < m->cap; i++) {
		struct ctr_info *c = m->slots[i].c;
		if (c && c != TOMB) {
			int r = fn(ctx, c);
			if (r)
				return r;
		}
	}
	return 0;
}

void ctr_map_free(struct ctr_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].c && m->slots[i].c != TOMB)
			ctr_info_free(m->slots[i].c);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
