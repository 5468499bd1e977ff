/*
 * core/dns per-event cost: dns_lookup (what fd.*ip.name extraction does per
 * event) with 16 registered names of 4 addresses each, for an address of the
 * last name (a hit, scanning every entry) and an address of none (a miss).
 * The names resolve through a table here, not the network.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dns/dns.h"

#define NAMES 16
#define ITERS 5000000

static int table_resolve(const char *name, uint8_t (*v4)[4], uint32_t *n4, uint8_t (*v6)[16],
                         uint32_t *n6, uint32_t max)
{
	int k = 0;
	(void)v6;
	*n6 = 0;
	sscanf(name, "host%d.bench", &k);
	for (uint32_t i = 0; i < 4 && i < max; i++) {
		uint8_t a[4] = {10, (uint8_t)k, 0, (uint8_t)(i + 1)};
		memcpy(v4[i], a, 4);
	}
	*n4 = 4;
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double per_lookup(const uint8_t a[4])
{
	static struct dns_match m;
	uint32_t found = 0;
	double t0 = now();
	for (int i = 0; i < ITERS; i++)
		found += dns_lookup(a, 4, &m);
	double dt = now() - t0;
	if (found == 0xffffffffu)
		printf("unreachable\n");
	return dt / ITERS * 1e9;
}

int main(void)
{
	struct dns_name *h[NAMES];
	char name[64];
	dns_set_resolver(table_resolve);
	for (int i = 0; i < NAMES; i++) {
		int n = snprintf(name, sizeof name, "host%d.bench", i);
		h[i] = dns_register(name, (size_t)n);
	}
	if (dns_wait(10000) != 0) {
		fprintf(stderr, "dns_bench: names not resolved\n");
		return 1;
	}
	uint8_t hit[4] = {10, NAMES - 1, 0, 4}, miss[4] = {192, 0, 2, 1};
	printf("dns_lookup, %d names x 4 addresses: hit (last name) %.1f ns, miss %.1f ns\n", NAMES,
	       per_lookup(hit), per_lookup(miss));
	for (int i = 0; i < NAMES; i++)
		dns_unregister(h[i]);
	return 0;
}
