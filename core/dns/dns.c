/*
 * core/dns: registered names, their background resolver, and the lock-free
 * snapshot the event path reads. See dns.h for the contract.
 *
 * Two locks, neither on the event path:
 *   life_mu: register / unregister / shutdown (load time), so a stop (which
 *            joins the thread and frees the registry) never races a start;
 *   mu:      the registry list, shared with the resolver thread.
 * Readers only touch `g.snap` (atomic pointer), `g.readers` (atomic count
 * of lookups in flight) and the nodes' `used` flags.
 */
#include "dns/dns.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define ADDR_MAX 64u /* addresses kept per family and name */

struct dns_name {
	struct dns_name *next;     /* registry order, or the graveyard */
	char name[DNS_NAME_MAX + 1];
	uint32_t len;
	uint32_t refs;             /* 0: to be dropped by the resolver */
	bool resolved;             /* resolved at least once */
	bool idle;                 /* unused for erase_timeout: not refreshed */
	atomic_uint used;          /* set by readers, consumed by the resolver */
	uint64_t last_resolve;     /* monotonic ns */
	uint64_t last_used;
	uint64_t timeout;          /* current refresh interval */
	uint32_t n4, n6;
	uint8_t v4[ADDR_MAX][4];   /* sorted, distinct */
	uint8_t v6[ADDR_MAX][16];
};

/* Immutable once published. Entries borrow the nodes (for `used`) and own
 * copies of names and addresses. */
struct snap_ent {
	struct dns_name *node;
	uint32_t len, n4, n6;
	const char *name;
	const uint8_t (*v4)[4];
	const uint8_t (*v6)[16];
};
struct snap {
	struct snap *next;         /* retired list */
	uint32_t n;
	struct snap_ent *ents;     /* points into the same allocation */
};

static struct {
	pthread_mutex_t life_mu, mu;
	pthread_cond_t cv;         /* wakes the resolver */
	pthread_cond_t done_cv;    /* a round finished (dns_wait) */
	bool cv_ready;
	pthread_t thread;
	bool running, stop, kick;
	struct dns_name *head, *tail;
	struct dns_name *graveyard; /* unlinked nodes a retired snapshot may still show */
	struct snap *retired;
	_Atomic(struct snap *) snap;
	atomic_uint readers;
	uint64_t erase_ns, base_ns, max_ns;
	dns_resolve_fn resolve;
	uint64_t resolutions, snapshots;
} g = {
	.life_mu = PTHREAD_MUTEX_INITIALIZER,
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.erase_ns = DNS_ERASE_TIMEOUT_NS,
	.base_ns = DNS_BASE_REFRESH_NS,
	.max_ns = DNS_MAX_REFRESH_NS,
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void abs_deadline(struct timespec *ts, uint64_t mono_ns)
{
	ts->tv_sec = (time_t)(mono_ns / 1000000000ull);
	ts->tv_nsec = (long)(mono_ns % 1000000000ull);
}

/* condvars on the monotonic clock, created once */
static void init_conds(void)
{
	if (g.cv_ready)
		return;
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&g.cv, &a);
	pthread_cond_init(&g.done_cv, &a);
	pthread_condattr_destroy(&a);
	g.cv_ready = true;
}

/* ---- resolution ---- */

static int cmp4(const void *a, const void *b) { return memcmp(a, b, 4); }
static int cmp16(const void *a, const void *b) { return memcmp(a, b, 16); }

static uint32_t sort_unique(void *base, uint32_t n, size_t w, int (*cmp)(const void *, const void *))
{
	if (n < 2)
		return n;
	qsort(base, n, w, cmp);
	uint8_t *p = base;
	uint32_t o = 1;
	for (uint32_t i = 1; i < n; i++)
		if (memcmp(p + i * w, p + (o - 1) * w, w) != 0)
			memmove(p + o++ * w, p + i * w, w);
	return o;
}

static int resolve_getaddrinfo(const char *name, uint8_t (*v4)[4], uint32_t *n4, uint8_t (*v6)[16],
                               uint32_t *n6, uint32_t max)
{
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	*n4 = *n6 = 0;
	if (getaddrinfo(name, NULL, &hints, &res) != 0 || !res)
		return 0;
	for (struct addrinfo *r = res; r; r = r->ai_next) {
		if (r->ai_family == AF_INET && *n4 < max)
			memcpy(v4[(*n4)++], &((struct sockaddr_in *)r->ai_addr)->sin_addr, 4);
		else if (r->ai_family == AF_INET6 && *n6 < max)
			memcpy(v6[(*n6)++], &((struct sockaddr_in6 *)r->ai_addr)->sin6_addr, 16);
	}
	freeaddrinfo(res);
	return 0;
}

/* Resolves node n (mu held on entry and exit, released around the call).
 * Only this thread frees nodes, so n stays valid. Returns true when its
 * addresses changed. */
static bool resolve_node(struct dns_name *n, uint64_t now)
{
	static uint8_t v4[ADDR_MAX][4], v6[ADDR_MAX][16]; /* resolver thread only */
	char name[DNS_NAME_MAX + 1];
	memcpy(name, n->name, n->len + 1);
	dns_resolve_fn fn = g.resolve ? g.resolve : resolve_getaddrinfo;
	pthread_mutex_unlock(&g.mu);
	uint32_t n4 = 0, n6 = 0;
	if (fn(name, v4, &n4, v6, &n6, ADDR_MAX) < 0)
		n4 = n6 = 0;
	n4 = sort_unique(v4, n4 > ADDR_MAX ? ADDR_MAX : n4, 4, cmp4);
	n6 = sort_unique(v6, n6 > ADDR_MAX ? ADDR_MAX : n6, 16, cmp16);
	pthread_mutex_lock(&g.mu);
	g.resolutions++;
	bool first = !n->resolved;
	bool same = !first && n4 == n->n4 && n6 == n->n6 && memcmp(v4, n->v4, n4 * 4) == 0 &&
	            memcmp(v6, n->v6, n6 * 16) == 0;
	n->resolved = true;
	n->last_resolve = now;
	if (same) {
		/* unchanged: back off, doubling up to max_refresh (as upstream) */
		if (n->timeout < g.max_ns)
			n->timeout <<= 1;
		return false;
	}
	n->timeout = g.base_ns;
	n->n4 = n4;
	n->n6 = n6;
	memcpy(n->v4, v4, n4 * 4);
	memcpy(n->v6, v6, n6 * 16);
	return true;
}

/* ---- snapshots ---- */

static struct snap *build_snap(void)
{
	uint32_t cnt = 0;
	size_t bytes = 0;
	for (struct dns_name *n = g.head; n; n = n->next) {
		cnt++;
		bytes += n->n4 * 4 + n->n6 * 16 + n->len + 1;
	}
	size_t head = sizeof(struct snap) + cnt * sizeof(struct snap_ent);
	head = (head + 15) & ~(size_t)15;
	struct snap *s = malloc(head + bytes);
	if (!s)
		return NULL;
	s->next = NULL;
	s->n = cnt;
	s->ents = (struct snap_ent *)(s + 1);
	uint8_t *pool = (uint8_t *)s + head;
	uint32_t i = 0;
	/* 16-byte addresses first, then 4-byte ones, then names: no padding needed */
	for (struct dns_name *n = g.head; n; n = n->next, i++) {
		struct snap_ent *e = &s->ents[i];
		e->node = n;
		e->len = n->len;
		e->n4 = n->n4;
		e->n6 = n->n6;
		memcpy(pool, n->v6, n->n6 * 16);
		e->v6 = (const uint8_t (*)[16])pool;
		pool += n->n6 * 16;
	}
	i = 0;
	for (struct dns_name *n = g.head; n; n = n->next, i++) {
		memcpy(pool, n->v4, n->n4 * 4);
		s->ents[i].v4 = (const uint8_t (*)[4])pool;
		pool += n->n4 * 4;
	}
	i = 0;
	for (struct dns_name *n = g.head; n; n = n->next, i++) {
		memcpy(pool, n->name, n->len + 1);
		s->ents[i].name = (const char *)pool;
		pool += n->len + 1;
	}
	return s;
}

/* Publishes a new snapshot; the old one waits in `retired`. */
static void publish(void)
{
	struct snap *s = build_snap();
	if (!s)
		return; /* keep the old one; the next change retries */
	struct snap *old = atomic_exchange(&g.snap, s);
	g.snapshots++;
	if (old) {
		old->next = g.retired;
		g.retired = old;
	}
}

/* Frees retired snapshots and dropped nodes once no lookup is in flight:
 * a lookup that started before the exchange is still counted; one that
 * starts after it sees the new snapshot. */
static void reclaim(bool wait)
{
	if (!g.retired && !g.graveyard)
		return;
	while (atomic_load(&g.readers) != 0) {
		if (!wait)
			return;
		sched_yield();
	}
	while (g.retired) {
		struct snap *s = g.retired;
		g.retired = s->next;
		free(s);
	}
	while (g.graveyard) {
		struct dns_name *n = g.graveyard;
		g.graveyard = n->next;
		free(n);
	}
}

/* ---- the resolver thread ---- */

/* Unlinks nodes with no use left. Returns true when any was. */
static bool drop_dead(void)
{
	bool changed = false;
	struct dns_name **pp = &g.head, *prev = NULL;
	while (*pp) {
		struct dns_name *n = *pp;
		if (n->refs == 0) {
			*pp = n->next;
			n->next = g.graveyard;
			g.graveyard = n;
			changed = true;
			continue;
		}
		prev = n;
		pp = &n->next;
	}
	g.tail = prev;
	return changed;
}

static bool due(const struct dns_name *n, uint64_t now)
{
	return !n->resolved || (!n->idle && now >= n->last_resolve + n->timeout);
}

/* One round: uses, idleness, due resolutions. Returns true on a change. */
static void publish(void);
static bool round_once(void)
{
	bool changed = drop_dead();
	uint64_t now = now_ns();
	for (struct dns_name *n = g.head; n; n = n->next) {
		if (atomic_exchange(&n->used, 0)) {
			n->last_used = now;
			n->idle = false;
		} else if (n->resolved && now - n->last_used > g.erase_ns) {
			n->idle = true;
		}
	}
	for (;;) {
		struct dns_name *n = g.head;
		now = now_ns();
		while (n && !due(n, now))
			n = n->next;
		if (!n || g.stop)
			break;
		/* publish each change at once: dns_wait relies on a resolved name
		 * being visible before mu is released again */
		if (resolve_node(n, now))
			publish();
		/* registrations may have come in meanwhile: rescan from the head */
	}
	return changed;
}

static void *resolver_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&g.mu);
	while (!g.stop) {
		g.kick = false;
		if (round_once() || !atomic_load(&g.snap))
			publish();
		reclaim(false);
		pthread_cond_broadcast(&g.done_cv);
		if (g.stop || g.kick)
			continue;
		/* sleep until the next name is due, at most one base interval */
		uint64_t now = now_ns(), wake = now + g.base_ns;
		for (struct dns_name *n = g.head; n; n = n->next)
			if (!n->idle && n->resolved && n->last_resolve + n->timeout < wake)
				wake = n->last_resolve + n->timeout;
		if (g.retired || g.graveyard) /* retry reclaiming soon */
			wake = wake < now + 50000000ull ? wake : now + 50000000ull;
		struct timespec ts;
		abs_deadline(&ts, wake > now ? wake : now + 1000000ull);
		pthread_cond_timedwait(&g.cv, &g.mu, &ts);
	}
	pthread_mutex_unlock(&g.mu);
	return NULL;
}

/* Stops the thread and frees everything (life_mu held). */
static void stop_all(void)
{
	if (g.running) {
		pthread_mutex_lock(&g.mu);
		g.stop = true;
		pthread_cond_broadcast(&g.cv);
		pthread_mutex_unlock(&g.mu);
		pthread_join(g.thread, NULL);
		g.running = false;
		g.stop = false;
	}
	pthread_mutex_lock(&g.mu);
	struct snap *old = atomic_exchange(&g.snap, NULL);
	if (old) {
		old->next = g.retired;
		g.retired = old;
	}
	for (struct dns_name *n = g.head, *next; n; n = next) {
		next = n->next;
		n->next = g.graveyard;
		g.graveyard = n;
	}
	g.head = g.tail = NULL;
	reclaim(true);
	pthread_mutex_unlock(&g.mu);
}

/* ---- public ---- */

struct dns_name *dns_register(const char *name, size_t len)
{
	if (!name || len == 0 || len > DNS_NAME_MAX || memchr(name, '\0', len)) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&g.life_mu);
	init_conds();
	pthread_mutex_lock(&g.mu);
	struct dns_name *n = g.head;
	while (n && !(n->len == len && memcmp(n->name, name, len) == 0))
		n = n->next;
	if (n && n->refs > 0) {
		n->refs++;
	} else if (n) {
		n->refs = 1; /* revived before the resolver dropped it */
	} else if ((n = calloc(1, sizeof *n))) {
		memcpy(n->name, name, len);
		n->len = (uint32_t)len;
		n->refs = 1;
		n->timeout = g.base_ns;
		n->last_used = now_ns();
		if (g.tail)
			g.tail->next = n;
		else
			g.head = n;
		g.tail = n;
	}
	pthread_cond_broadcast(&g.cv);
	pthread_mutex_unlock(&g.mu);
	if (n && !g.running) {
		int rc = pthread_create(&g.thread, NULL, resolver_main, NULL);
		if (rc != 0) {
			pthread_mutex_lock(&g.mu);
			n->refs--;
			pthread_mutex_unlock(&g.mu);
			pthread_mutex_unlock(&g.life_mu);
			errno = rc;
			return NULL;
		}
		g.running = true;
	}
	pthread_mutex_unlock(&g.life_mu);
	if (!n)
		errno = ENOMEM;
	return n;
}

void dns_unregister(struct dns_name *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&g.life_mu);
	pthread_mutex_lock(&g.mu);
	if (h->refs > 0)
		h->refs--;
	bool any = false;
	for (struct dns_name *n = g.head; n && !any; n = n->next)
		any = n->refs > 0;
	if (!any) {
		pthread_mutex_unlock(&g.mu);
		stop_all();
	} else {
		pthread_cond_broadcast(&g.cv);
		pthread_mutex_unlock(&g.mu);
	}
	pthread_mutex_unlock(&g.life_mu);
}

int dns_wait(unsigned timeout_ms)
{
	pthread_mutex_lock(&g.life_mu);
	init_conds();
	pthread_mutex_unlock(&g.life_mu);
	struct timespec ts;
	abs_deadline(&ts, now_ns() + (uint64_t)timeout_ms * 1000000ull);
	pthread_mutex_lock(&g.mu);
	int rc = 0;
	for (;;) {
		bool pending = false;
		for (struct dns_name *n = g.head; n && !pending; n = n->next)
			pending = n->refs > 0 && !n->resolved;
		/* the resolver sets `resolved` and publishes the snapshot without
		 * releasing mu in between, so no pending name means published */
		if (!pending)
			break;
		if (pthread_cond_timedwait(&g.done_cv, &g.mu, &ts) == ETIMEDOUT) {
			rc = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&g.mu);
	return rc;
}

void dns_touch(struct dns_name *h)
{
	/* read first: no cache-line write when already marked */
	if (h && !atomic_load_explicit(&h->used, memory_order_relaxed))
		atomic_store_explicit(&h->used, 1, memory_order_relaxed);
}

static bool has_addr(const struct snap_ent *e, const void *addr, size_t alen)
{
	/* word compares: memcpy keeps them alignment-safe and compiles to loads */
	if (alen == 4) {
		uint32_t a, x;
		memcpy(&a, addr, 4);
		for (uint32_t i = 0; i < e->n4; i++) {
			memcpy(&x, e->v4[i], 4);
			if (x == a)
				return true;
		}
		return false;
	}
	uint64_t a[2], x[2];
	memcpy(a, addr, 16);
	for (uint32_t i = 0; i < e->n6; i++) {
		memcpy(x, e->v6[i], 16);
		if (x[0] == a[0] && x[1] == a[1])
			return true;
	}
	return false;
}

uint32_t dns_lookup(const void *addr, size_t alen, struct dns_match *m)
{
	m->n = 0;
	if (!addr || (alen != 4 && alen != 16))
		return 0;
	atomic_fetch_add(&g.readers, 1);
	const struct snap *s = atomic_load(&g.snap);
	for (uint32_t i = 0; s && i < s->n && m->n < DNS_MATCH_MAX; i++) {
		const struct snap_ent *e = &s->ents[i];
		if (!has_addr(e, addr, alen))
			continue;
		memcpy(m->name[m->n], e->name, e->len + 1);
		m->len[m->n] = (uint16_t)e->len;
		m->n++;
		dns_touch(e->node);
	}
	atomic_fetch_sub(&g.readers, 1);
	return m->n;
}

void dns_set_timeouts(uint64_t erase_ns, uint64_t base_refresh_ns, uint64_t max_refresh_ns)
{
	pthread_mutex_lock(&g.mu);
	if (erase_ns)
		g.erase_ns = erase_ns;
	if (base_refresh_ns)
		g.base_ns = base_refresh_ns;
	if (max_refresh_ns)
		g.max_ns = max_refresh_ns;
	pthread_mutex_unlock(&g.mu);
}

void dns_set_resolver(dns_resolve_fn fn)
{
	pthread_mutex_lock(&g.mu);
	g.resolve = fn;
	pthread_mutex_unlock(&g.mu);
}

void dns_kick(void)
{
	pthread_mutex_lock(&g.life_mu);
	init_conds();
	pthread_mutex_lock(&g.mu);
	g.kick = true;
	pthread_cond_broadcast(&g.cv);
	pthread_mutex_unlock(&g.mu);
	pthread_mutex_unlock(&g.life_mu);
}

static void fill_stats(struct dns_stats *s)
{
	memset(s, 0, sizeof *s);
	for (struct dns_name *n = g.head; n; n = n->next)
		s->names += n->refs > 0;
	s->resolutions = g.resolutions;
	s->snapshots = g.snapshots;
}

void dns_stats(struct dns_stats *s)
{
	pthread_mutex_lock(&g.mu);
	fill_stats(s);
	pthread_mutex_unlock(&g.mu);
}

int dns_stats_of(const char *name, struct dns_stats *s)
{
	pthread_mutex_lock(&g.mu);
	fill_stats(s);
	size_t len = strlen(name);
	struct dns_name *n = g.head;
	while (n && !(n->refs > 0 && n->len == len && memcmp(n->name, name, len) == 0))
		n = n->next;
	if (n) {
		s->refresh_ns = n->timeout;
		s->idle = n->idle;
	}
	pthread_mutex_unlock(&g.mu);
	return n ? 0 : -ENOENT;
}

void dns_shutdown(void)
{
	pthread_mutex_lock(&g.life_mu);
	stop_all();
	pthread_mutex_unlock(&g.life_mu);
}
