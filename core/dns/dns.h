/*
 * core/dns: the domain names behind fd.cip.name, fd.sip.name, fd.lip.name
 * and fd.rip.name (upstream's sinsp_dns_manager, reimplemented).
 *
 * Rules name hosts ("kubernetes.default.svc.cluster.local"); events carry
 * addresses. When a condition compiles, each name it compares one of those
 * fields to is registered here (dns_register). A background thread resolves
 * every registered name with getaddrinfo and refreshes it with upstream's
 * timing: a name is re-resolved `base_refresh` (10 s) after its last
 * resolution; when the answer did not change the interval doubles, up to
 * `max_refresh` (320 s); when it changed the interval falls back to 10 s.
 * A name no event used for `erase_timeout` (1 h) is no longer refreshed
 * until it is used again (upstream erases it and resolves it again,
 * synchronously, on its next use; we never resolve on the event path).
 *
 * The event path (dns_lookup, dns_touch) takes no lock and never blocks:
 * the resolver publishes an immutable snapshot (name -> addresses) through
 * an atomic pointer, and frees a replaced snapshot only once no lookup is
 * running (a count of readers in flight).
 *
 * The manager is process-wide, as upstream's: the resolver thread starts
 * with the first registration and stops, freeing everything, when the last
 * registration is dropped (or at dns_shutdown).
 */
#ifndef FALCO_CORE_DNS_H
#define FALCO_CORE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest name accepted (a DNS name is at most 253 characters). */
#define DNS_NAME_MAX 255u
/* Most names one lookup reports for an address. */
#define DNS_MATCH_MAX 8u

/* Upstream's defaults, in nanoseconds. */
#define DNS_ERASE_TIMEOUT_NS (3600ull * 1000000000ull)
#define DNS_BASE_REFRESH_NS (10ull * 1000000000ull)
#define DNS_MAX_REFRESH_NS (320ull * 1000000000ull)

/* A registered name. Opaque; valid until the matching dns_unregister. */
struct dns_name;

/* Registers one more use of `name` (len bytes, no NUL needed) and returns
 * its handle, or NULL with errno set: EINVAL (empty, longer than
 * DNS_NAME_MAX, or holding a NUL), ENOMEM, or the thread-creation error.
 * The name is resolved in the background; dns_wait waits for that. */
struct dns_name *dns_register(const char *name, size_t len);
/* Drops one use (h may be NULL). The name is forgotten with its last use. */
void dns_unregister(struct dns_name *h);
/* Waits (at most timeout_ms) until every registered name has been resolved
 * once. Returns 0, or -ETIMEDOUT. For load time only, never per event. */
int dns_wait(unsigned timeout_ms);
/* Marks the name as used by an event (keeps it refreshed). Lock-free. */
void dns_touch(struct dns_name *h);

/* The registered names whose addresses hold `addr` (alen 4: IPv4, network
 * order; 16: IPv6), in registration order, at most DNS_MATCH_MAX, copied
 * into `m` (valid until the next call with the same m). Marks them used.
 * Lock-free, allocation-free. Returns m->n. */
struct dns_match {
	uint32_t n;
	uint16_t len[DNS_MATCH_MAX];
	char name[DNS_MATCH_MAX][DNS_NAME_MAX + 1];
};
uint32_t dns_lookup(const void *addr, size_t alen, struct dns_match *m);

/* ---- tuning and tests ---- */

/* Upstream's set_erase_timeout / set_base_refresh_timeout /
 * set_max_refresh_timeout (0 leaves a value unchanged). Applies from the
 * resolver's next round. */
void dns_set_timeouts(uint64_t erase_ns, uint64_t base_refresh_ns, uint64_t max_refresh_ns);

/* The resolution function (default: getaddrinfo, AF_UNSPEC). It fills at
 * most `max` IPv4 addresses (4 bytes each, network order) into v4 and IPv6
 * addresses (16 bytes each) into v6, sets *n4, *n6, and returns 0 (an
 * unresolvable name is 0 with no address). Called from the resolver thread.
 * NULL restores the default. Set it before the first registration. */
typedef int (*dns_resolve_fn)(const char *name, uint8_t (*v4)[4], uint32_t *n4,
                              uint8_t (*v6)[16], uint32_t *n6, uint32_t max);
void dns_set_resolver(dns_resolve_fn fn);
/* Asks the resolver to run a round now (tests; refresh timing unchanged). */
void dns_kick(void);

/* Counters for tests and metrics. */
struct dns_stats {
	uint32_t names;        /* registered names */
	uint64_t resolutions;  /* resolver calls so far (all names) */
	uint64_t snapshots;    /* snapshots published */
	uint64_t refresh_ns;   /* one name's current refresh interval (dns_stats_of) */
	bool idle;             /* that name is not refreshed (unused too long) */
};
void dns_stats(struct dns_stats *s);
/* The same, plus the state of one name; returns -ENOENT when unknown. */
int dns_stats_of(const char *name, struct dns_stats *s);

/* Stops the resolver and frees everything, registered or not (at exit,
 * and between tests). Handles still held become invalid. */
void dns_shutdown(void);

#endif
