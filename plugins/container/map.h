/*
 * A string-keyed hash map of container infos (open addressing, linear
 * probing, tombstones on removal). Not thread-safe: callers lock.
 */
#ifndef CTR_MAP_H
#define CTR_MAP_H
#include <stddef.h>

struct ctr_info;
struct ctr_map {
	struct ctr_slot *slots; /* owned */
	size_t cap, used, live;
};

/* The info stored under `key`, or NULL. */
struct ctr_info *ctr_map_get(const struct ctr_map *m, const char *key);
/* Stores `c` (the map takes ownership) under c->id, freeing any info stored
 * there before. -ENOMEM (and `c` freed) on failure. */
int ctr_map_put(struct ctr_map *m, struct ctr_info *c);
/* Removes the info under `key` and hands it to the caller (who frees it);
 * NULL when absent. */
struct ctr_info *ctr_map_take(struct ctr_map *m, const char *key);
/* Removes and frees the info under `key`; no-op when absent. */
void ctr_map_del(struct ctr_map *m, const char *key);
/* Calls fn for each info until it returns nonzero (which is returned). */
int ctr_map_each(const struct ctr_map *m, int (*fn)(void *ctx, struct ctr_info *c), void *ctx);
/* Frees every info and the slots. */
void ctr_map_free(struct ctr_map *m);

#endif
