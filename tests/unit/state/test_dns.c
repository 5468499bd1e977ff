/*
 * core/dns: registration, background resolution, lock-free lookup, refresh
 * (upstream's back-off: 10 s doubling to 320 s while the answer holds, back
 * to 10 s when it changes), idleness after the erase timeout, release.
 *
 * Independent sources: `localhost` is a loopback name (RFC 6761; this
 * machine's /etc/hosts maps it to 127.0.0.1); the other names go through a
 * test resolver whose answers the test sets, with RFC 5737 / RFC 3849
 * documentation addresses. Timing: short timeouts, and every wait polls
 * with a generous deadline (never a fixed sleep that a loaded machine can
 * miss).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns/dns.h"

#define MS 1000000ull
#define DEADLINE_MS 20000

/* ---- a resolver whose answers the test sets ---- */

static pthread_mutex_t fake_mu = PTHREAD_MUTEX_INITIALIZER;
static struct { const char *name; const char *addrs[4]; } fake[8];
static atomic_uint fake_calls;

static void fake_set(int i, const char *name, const char *a0, const char *a1)
{
	pthread_mutex_lock(&fake_mu);
	fake[i].name = name;
	fake[i].addrs[0] = a0;
	fake[i].addrs[1] = a1;
	fake[i].addrs[2] = NULL;
	pthread_mutex_unlock(&fake_mu);
}

static atomic_uint fake_delay_ms; /* a slow (hanging) DNS server */

static int fake_resolve(const char *name, uint8_t (*v4)[4], uint32_t *n4, uint8_t (*v6)[16],
                        uint32_t *n6, uint32_t max)
{
	atomic_fetch_add(&fake_calls, 1);
	if (atomic_load(&fake_delay_ms))
		usleep(atomic_load(&fake_delay_ms) * 1000u);
	*n4 = *n6 = 0;
	pthread_mutex_lock(&fake_mu);
	for (int i = 0; i < 8; i++) {
		if (!fake[i].name || strcmp(fake[i].name, name) != 0)
			continue;
		for (int k = 0; fake[i].addrs[k]; k++) {
			if (*n4 < max && inet_pton(AF_INET, fake[i].addrs[k], v4[*n4]) == 1)
				(*n4)++;
			else if (*n6 < max && inet_pton(AF_INET6, fake[i].addrs[k], v6[*n6]) == 1)
				(*n6)++;
		}
	}
	pthread_mutex_unlock(&fake_mu);
	return 0;
}

static int setup(void **st)
{
	(void)st;
	memset(fake, 0, sizeof fake);
	dns_set_resolver(fake_resolve);
	dns_set_timeouts(DNS_ERASE_TIMEOUT_NS, DNS_BASE_REFRESH_NS, DNS_MAX_REFRESH_NS);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	dns_shutdown();
	dns_set_resolver(NULL);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The names of `ip` (text) joined with ',' into out. */
static const char *names_of(const char *ip, char *out, size_t cap)
{
	uint8_t a[16];
	size_t alen = inet_pton(AF_INET, ip, a) == 1 ? 4 : 16;
	if (alen == 16)
		assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
	static struct dns_match m;
	uint32_t n = dns_lookup(a, alen, &m);
	out[0] = 0;
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(strlen(m.name[i]), m.len[i]);
		if (i)
			strncat(out, ",", cap - strlen(out) - 1);
		strncat(out, m.name[i], cap - strlen(out) - 1);
	}
	return out;
}

/* Polls until names_of(ip) == want, or fails after the deadline. */
static void wait_names(const char *ip, const char *want)
{
	char buf[1024];
	uint64_t end = now_ms() + DEADLINE_MS;
	while (strcmp(names_of(ip, buf, sizeof buf), want) != 0) {
		if (now_ms() > end)
			fail_msg("%s: names '%s', want '%s'", ip, buf, want);
		usleep(2000);
	}
}

/* ---- tests ---- */

static void test_localhost_getaddrinfo(void **st)
{
	(void)st;
	dns_set_resolver(NULL); /* the real one */
	struct dns_name *h = dns_register("localhost", 9);
	assert_non_null(h);
	assert_int_equal(dns_wait(DEADLINE_MS), 0);
	char buf[256];
	assert_string_equal(names_of("127.0.0.1", buf, sizeof buf), "localhost");
	assert_string_equal(names_of("192.0.2.1", buf, sizeof buf), "");
	/* a name that does not resolve (no such TLD, RFC 6761) is known, with no address */
	struct dns_name *bad = dns_register("nonexistent.invalid", 19);
	assert_non_null(bad);
	assert_int_equal(dns_wait(DEADLINE_MS), 0);
	struct dns_stats s;
	dns_stats(&s);
	assert_int_equal(s.names, 2);
	assert_string_equal(names_of("127.0.0.1", buf, sizeof buf), "localhost");
	dns_unregister(bad);
	dns_unregister(h);
	dns_stats(&s);
	assert_int_equal(s.names, 0);
	assert_string_equal(names_of("127.0.0.1", buf, sizeof buf), "");
}

static void test_register_rejects(void **st)
{
	(void)st;
	errno = 0;
	assert_null(dns_register("", 0));
	assert_int_equal(errno, EINVAL);
	char longname[DNS_NAME_MAX + 2];
	memset(longname, 'a', sizeof longname);
	assert_null(dns_register(longname, DNS_NAME_MAX + 1));
	assert_int_equal(errno, EINVAL);
	assert_null(dns_register("a\0b", 3));
	assert_int_equal(errno, EINVAL);
	/* the longest accepted name */
	struct dns_name *h = dns_register(longname, DNS_NAME_MAX);
	assert_non_null(h);
	dns_unregister(h);
}

static void test_lookup_order_and_families(void **st)
{
	(void)st;
	fake_set(0, "b.test", "192.0.2.9", "2001:db8::9");
	fake_set(1, "c.test", "192.0.2.9", NULL);
	fake_set(2, "a.test", "192.0.2.1", NULL);
	struct dns_name *b = dns_register("b.test", 6);
	struct dns_name *c = dns_register("c.test", 6);
	struct dns_name *a = dns_register("a.test", 6);
	/* the same name twice: one entry, two uses */
	struct dns_name *a2 = dns_register("a.test", 6);
	assert_ptr_equal(a, a2);
	assert_int_equal(dns_wait(DEADLINE_MS), 0);
	char buf[256];
	/* registration order, not alphabetical */
	assert_string_equal(names_of("192.0.2.9", buf, sizeof buf), "b.test,c.test");
	assert_string_equal(names_of("2001:db8::9", buf, sizeof buf), "b.test");
	assert_string_equal(names_of("192.0.2.1", buf, sizeof buf), "a.test");
	/* an IPv4 address never matches as IPv6 bytes and vice versa */
	assert_string_equal(names_of("::ffff:192.0.2.1", buf, sizeof buf), "");
	struct dns_stats s;
	dns_stats(&s);
	assert_int_equal(s.names, 3);
	dns_unregister(a);
	wait_names("192.0.2.1", "a.test"); /* one use left */
	dns_unregister(b);
	dns_kick();
	wait_names("192.0.2.9", "c.test");
	dns_unregister(a2);
	dns_kick();
	wait_names("192.0.2.1", "");
	dns_unregister(c);
	dns_stats(&s);
	assert_int_equal(s.names, 0);
}

static void test_refresh_and_backoff(void **st)
{
	(void)st;
	/* base 20 ms, max 160 ms: 20, 40, 80, 160 while the answer holds */
	dns_set_timeouts(DNS_ERASE_TIMEOUT_NS, 20 * MS, 160 * MS);
	fake_set(0, "svc.test", "192.0.2.10", NULL);
	struct dns_name *h = dns_register("svc.test", 8);
	assert_int_equal(dns_wait(DEADLINE_MS), 0);
	char buf[256];
	assert_string_equal(names_of("192.0.2.10", buf, sizeof buf), "svc.test");
	struct dns_stats s;
	assert_int_equal(dns_stats_of("svc.test", &s), 0);
	assert_int_equal(s.refresh_ns, 20 * MS);
	uint64_t end = now_ms() + DEADLINE_MS;
	do {
		assert_true(now_ms() < end);
		usleep(5000);
		assert_int_equal(dns_stats_of("svc.test", &s), 0);
		/* only the doubling steps ever appear */
		assert_true(s.refresh_ns == 20 * MS || s.refresh_ns == 40 * MS ||
		            s.refresh_ns == 80 * MS || s.refresh_ns == 160 * MS);
	} while (s.refresh_ns != 160 * MS);
	/* capped at max */
	usleep(400000);
	assert_int_equal(dns_stats_of("svc.test", &s), 0);
	assert_int_equal(s.refresh_ns, 160 * MS);
	/* the answer changes: the new address is seen, the old one forgotten,
	 * and the interval falls back to the base */
	fake_set(0, "svc.test", "192.0.2.11", NULL);
	wait_names("192.0.2.11", "svc.test");
	assert_string_equal(names_of("192.0.2.10", buf, sizeof buf), "");
	assert_int_equal(dns_stats_of("svc.test", &s), 0);
	assert_true(s.refresh_ns <= 40 * MS);
	/* a name that stops resolving loses its addresses (as upstream) */
	fake_set(0, "svc.test", NULL, NULL);
	wait_names("192.0.2.11", "");
	dns_unregister(h);
}

static void test_idle_after_erase_timeout(void **st)
{
	(void)st;
	/* unused for 50 ms: no more refreshes until an event uses it again */
	dns_set_timeouts(50 * MS, 10 * MS, 10 * MS);
	fake_set(0, "idle.test", "192.0.2.20", NULL);
	struct dns_name *h = dns_register("idle.test", 9);
	assert_int_equal(dns_wait(DEADLINE_MS), 0);
	struct dns_stats s;
	uint64_t end = now_ms() + DEADLINE_MS;
	do {
		assert_true(now_ms() < end);
		usleep(5000);
		assert_int_equal(dns_stats_of("idle.test", &s), 0);
	} while (!s.idle);
	unsigned calls = atomic_load(&fake_calls);
	usleep(100000);
	assert_int_equal(atomic_load(&fake_calls), calls); /* not refreshed while idle */
	/* still answers lookups with what it had */
	char buf[256];
	assert_string_equal(names_of("192.0.2.20", buf, sizeof buf), "idle.test");
	/* that lookup used it: refreshed again */
	dns_kick();
	end = now_ms() + DEADLINE_MS;
	while (atomic_load(&fake_calls) == calls) {
		assert_true(now_ms() < end);
		usleep(2000);
	}
	/* dns_touch (a check comparing the name) does the same */
	do {
		assert_true(now_ms() < end);
		usleep(5000);
		assert_int_equal(dns_stats_of("idle.test", &s), 0);
	} while (!s.idle);
	calls = atomic_load(&fake_calls);
	dns_touch(h);
	dns_kick();
	while (atomic_load(&fake_calls) == calls) {
		assert_true(now_ms() < end);
		usleep(2000);
	}
	dns_unregister(h);
}

/* A resolver that does not answer: dns_wait gives up at its deadline,
 * lookups meanwhile answer at once (nothing for the pending name), and the
 * answer shows up once the resolver returns. */
static void test_wait_timeout_slow_resolver(void **st)
{
	(void)st;
	atomic_store(&fake_delay_ms, 400);
	fake_set(0, "slow.test", "192.0.2.40", NULL);
	struct dns_name *h = dns_register("slow.test", 9);
	uint64_t t0 = now_ms();
	assert_int_equal(dns_wait(50), -ETIMEDOUT);
	uint64_t t1 = now_ms();
	assert_true(t1 - t0 >= 50);
	char buf[256];
	assert_string_equal(names_of("192.0.2.40", buf, sizeof buf), "");
	assert_true(now_ms() - t1 < 300); /* the lookup did not wait for the resolver */
	atomic_store(&fake_delay_ms, 0);
	wait_names("192.0.2.40", "slow.test");
	/* shutting down while a resolution is in flight waits for it, then frees */
	atomic_store(&fake_delay_ms, 100);
	dns_set_timeouts(DNS_ERASE_TIMEOUT_NS, 1 * MS, 1 * MS);
	usleep(20000);
	dns_unregister(h);
	atomic_store(&fake_delay_ms, 0);
	struct dns_stats s;
	dns_stats(&s);
	assert_int_equal(s.names, 0);
}

/* Lookups from other threads while the resolver keeps swapping snapshots:
 * every answer is one of the two the resolver ever gave. */
static atomic_bool stop_readers;
static atomic_ulong bad_answers, lookups;

static void *reader(void *arg)
{
	(void)arg;
	struct dns_match m;
	uint8_t a[4] = {192, 0, 2, 30};
	while (!atomic_load(&stop_readers)) {
		uint32_t n = dns_lookup(a, 4, &m);
		if (!(n == 0 || (n == 1 && strcmp(m.name[0], "flip.test") == 0)))
			atomic_fetch_add(&bad_answers, 1);
		atomic_fetch_add(&lookups, 1);
	}
	return NULL;
}

static void test_concurrent_readers(void **st)
{
	(void)st;
	dns_set_timeouts(DNS_ERASE_TIMEOUT_NS, 1 * MS, 1 * MS);
	fake_set(0, "flip.test", "192.0.2.30", NULL);
	struct dns_name *h = dns_register("flip.test", 9);
	pthread_t t[2];
	atomic_store(&stop_readers, false);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, NULL), 0);
	struct dns_stats s0, s;
	dns_stats(&s0);
	for (int i = 0; i < 40; i++) {
		fake_set(0, "flip.test", i % 2 ? "192.0.2.30" : "192.0.2.31", NULL);
		usleep(3000);
	}
	dns_stats(&s);
	atomic_store(&stop_readers, true);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&bad_answers), 0);
	assert_true(atomic_load(&lookups) > 0);
	assert_true(s.snapshots > s0.snapshots); /* snapshots were swapped under the readers */
	dns_unregister(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_localhost_getaddrinfo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_order_and_families, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_and_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_after_erase_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_timeout_slow_resolver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_readers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
