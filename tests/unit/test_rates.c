#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "collector/rates.h"
#include "collector/snapshot.h"

static struct lvs_snapshot *snap(double mono, uint64_t svc_conns, const uint64_t *dest_conns,
				 const uint16_t *dest_ports, size_t nd)
{
	struct lvs_snapshot *s = snapshot_new();
	s->mono = mono;
	s->time = 1000 + mono;
	struct lvs_service svc = { .af = AF_INET, .protocol = 6, .port = 80 };
	inet_pton(AF_INET, "192.0.2.1", &svc.addr.v4);
	svc.stats.conns = svc_conns;
	svc.stats.inbytes = svc_conns * 100;
	snapshot_add_service(s, &svc);
	for (size_t i = 0; i < nd; i++) {
		struct lvs_dest d = { .af = AF_INET, .port = dest_ports[i] };
		inet_pton(AF_INET, "198.51.100.1", &d.addr.v4);
		d.stats.conns = dest_conns[i];
		snapshot_add_dest(s, 0, &d);
	}
	snapshot_finish(s);
	return s;
}

static void test_delta(void)
{
	CU_ASSERT_EQUAL(rates_delta(10, 15), 5);
	CU_ASSERT_EQUAL(rates_delta(15, 4), 4); /* reset: the new value is the increase */
	CU_ASSERT_EQUAL(rates_delta(UINT64_MAX - 1, UINT64_MAX), 1);
	CU_ASSERT_EQUAL(rates_delta(0, 0), 0);
}

static void test_first_sight_invalid(void)
{
	uint64_t c[] = { 5 };
	uint16_t p[] = { 80 };
	struct lvs_snapshot *s = snap(1, 5, c, p, 1);
	CU_ASSERT_EQUAL(rates_compute(s, NULL), 0);
	CU_ASSERT_FALSE(s->services[0].rates_valid);
	CU_ASSERT_FALSE(s->dests[0].rates_valid);
	snapshot_unref(s);
}

static void test_rates_by_identity(void)
{
	uint64_t c1[] = { 10, 20 }, c2[] = { 0, 30, 26 };
	uint16_t p1[] = { 80, 81 }, p2[] = { 82, 80, 81 }; /* reordered, one new */
	struct lvs_snapshot *a = snap(10, 30, c1, p1, 2);
	struct lvs_snapshot *b = snap(12, 56, c2, p2, 3);
	CU_ASSERT_EQUAL(rates_compute(b, a), 0);
	CU_ASSERT_TRUE(b->services[0].rates_valid);
	CU_ASSERT_DOUBLE_EQUAL(b->services[0].rates.cps, 13.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(b->services[0].rates.inbps, 1300.0, 1e-9);
	CU_ASSERT_FALSE(b->dests[0].rates_valid); /* port 82: new */
	CU_ASSERT_TRUE(b->dests[1].rates_valid);
	CU_ASSERT_DOUBLE_EQUAL(b->dests[1].rates.cps, 10.0, 1e-9); /* 80: 10 -> 30 over 2 s */
	CU_ASSERT_DOUBLE_EQUAL(b->dests[2].rates.cps, 3.0, 1e-9);  /* 81: 20 -> 26 */
	snapshot_unref(a);
	snapshot_unref(b);
}

static void test_reset(void)
{
	/* A service deleted and added again between polls: counters restart
	 * at zero, so the rate is the new value over the interval, never a
	 * huge wrapped difference. */
	uint64_t c1[] = { 1000 }, c2[] = { 8 };
	uint16_t p[] = { 80 };
	struct lvs_snapshot *a = snap(0, 1000, c1, p, 1);
	struct lvs_snapshot *b = snap(2, 8, c2, p, 1);
	rates_compute(b, a);
	CU_ASSERT_DOUBLE_EQUAL(b->services[0].rates.cps, 4.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(b->dests[0].rates.cps, 4.0, 1e-9);
	CU_ASSERT_TRUE(b->services[0].rates.inbps >= 0 && b->services[0].rates.inbps < 1e6);
	snapshot_unref(a);
	snapshot_unref(b);
}

static void test_wall_clock_fallback(void)
{
	uint64_t c[] = { 0 };
	uint16_t p[] = { 80 };
	struct lvs_snapshot *a = snap(0, 0, c, p, 1), *b = snap(0, 40, c, p, 1);
	a->mono = b->mono = 0; /* recordings carry no monotonic time */
	a->time = 100;
	b->time = 104;
	rates_compute(b, a);
	CU_ASSERT_DOUBLE_EQUAL(b->services[0].rates.cps, 10.0, 1e-9);
	/* Time going backwards gives no rate rather than a negative one. */
	b->time = 99;
	rates_compute(b, a);
	CU_ASSERT_FALSE(b->services[0].rates_valid);
	snapshot_unref(a);
	snapshot_unref(b);
}

/* A table that changed in every way at once, against an oracle that looks
 * every object up by key: services added, removed and swapped; real
 * servers added, removed and shuffled, in services of a few, of exactly 64
 * and 65 (where the lookup changes from a scan to a map) and of 300. */
static uint32_t rnd_state;
static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

struct gen_svc {
	uint16_t port;
	size_t n;
	uint16_t dport[400];
	uint64_t conns[400];
};

static struct lvs_snapshot *from_gen(const struct gen_svc *g, size_t n, double mono)
{
	struct lvs_snapshot *s = snapshot_new();
	s->mono = mono;
	s->time = 1000 + mono;
	for (size_t i = 0; i < n; i++) {
		struct lvs_service svc = { .af = AF_INET, .protocol = 6, .port = g[i].port };
		inet_pton(AF_INET, "192.0.2.1", &svc.addr.v4);
		svc.stats.conns = 1000 + g[i].port;
		snapshot_add_service(s, &svc);
		for (size_t j = 0; j < g[i].n; j++) {
			struct lvs_dest d = { .af = AF_INET, .port = g[i].dport[j] };
			inet_pton(AF_INET, "198.51.100.1", &d.addr.v4);
			d.stats.conns = g[i].conns[j];
			snapshot_add_dest(s, i, &d);
		}
	}
	snapshot_finish(s);
	return s;
}

static void test_changed_table(void)
{
	static struct gen_svc a[40], b[48];
	static const size_t sizes[] = { 0, 1, 3, 10, 64, 65, 300 };
	size_t bad = 0, checked = 0, valid = 0;
	for (unsigned round = 0; round < 20; round++) {
		rnd_state = round + 1;
		size_t na = 40;
		for (size_t i = 0; i < na; i++) {
			a[i].port = (uint16_t)(1000 + i);
			a[i].n = sizes[rnd(7)];
			for (size_t j = 0; j < a[i].n; j++) {
				a[i].dport[j] = (uint16_t)(2000 + j);
				a[i].conns[j] = 100 * j + rnd(50);
			}
		}
		/* b: a changed. Services: some left, some new, some swapped. */
		size_t nb = 0;
		for (size_t i = 0; i < na; i++) {
			uint32_t r = rnd(10);
			if (r == 0)
				continue; /* left */
			b[nb] = a[i];
			if (r == 1 && nb < 47) /* a new one before it */
				b[nb + 1] = b[nb], b[nb].port = (uint16_t)(5000 + i), b[nb].n = 2, nb++;
			struct gen_svc *g = &b[nb++];
			for (size_t j = 0; j < g->n; j++)
				g->conns[j] += rnd(1000); /* what the two seconds brought */
			uint32_t how = rnd(4);
			if (how == 1 && g->n > 1) { /* one left */
				size_t x = rnd((uint32_t)g->n);
				memmove(&g->dport[x], &g->dport[x + 1], (g->n - x - 1) * sizeof(g->dport[0]));
				memmove(&g->conns[x], &g->conns[x + 1], (g->n - x - 1) * sizeof(g->conns[0]));
				g->n--;
			} else if (how == 2 && g->n < 399) { /* one new, somewhere */
				size_t x = rnd((uint32_t)g->n + 1);
				memmove(&g->dport[x + 1], &g->dport[x], (g->n - x) * sizeof(g->dport[0]));
				memmove(&g->conns[x + 1], &g->conns[x], (g->n - x) * sizeof(g->conns[0]));
				g->dport[x] = (uint16_t)(9000 + x);
				g->conns[x] = 7;
				g->n++;
			} else if (how == 3) { /* shuffled */
				for (size_t j = g->n; j > 1; j--) {
					size_t x = rnd((uint32_t)j);
					uint16_t tp = g->dport[j - 1];
					uint64_t tc = g->conns[j - 1];
					g->dport[j - 1] = g->dport[x], g->conns[j - 1] = g->conns[x];
					g->dport[x] = tp, g->conns[x] = tc;
				}
			}
		}
		for (size_t k = 0; k + 1 < nb; k += 7) { /* swapped pairs */
			struct gen_svc t = b[k];
			b[k] = b[k + 1];
			b[k + 1] = t;
		}
		struct lvs_snapshot *pa = from_gen(a, na, 10), *pb = from_gen(b, nb, 12);
		CU_ASSERT_EQUAL_FATAL(rates_compute(pb, pa), 0);
		for (size_t i = 0; i < pb->n_services; i++) {
			const struct lvs_service *s = &pb->services[i];
			const struct lvs_service *ps = NULL;
			for (size_t p = 0; p < pa->n_services && !ps; p++)
				if (lvs_service_same(&pa->services[p], s))
					ps = &pa->services[p];
			checked++;
			bad += s->rates_valid != (ps != NULL);
			for (size_t j = 0; j < s->n_dests; j++) {
				const struct lvs_dest *d = &s->dests[j], *pd = NULL;
				for (size_t p = 0; ps && p < ps->n_dests && !pd; p++)
					if (lvs_dest_same(&ps->dests[p], d))
						pd = &ps->dests[p];
				checked++;
				if (d->rates_valid != (pd != NULL)) {
					bad++;
					continue;
				}
				if (!pd)
					continue;
				valid++;
				double want = (double)(d->stats.conns - pd->stats.conns) / 2.0;
				bad += fabs(d->rates.cps - want) > 1e-3;
			}
		}
		snapshot_unref(pa);
		snapshot_unref(pb);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(valid > 1000 && valid < checked); /* matched and new ones both seen */
}

/* A snapshot keeps its rates in floats: within 2^-24 of the double they
 * come from, at 100 Gbit/s as at 1 connection in 3 s; and a real server
 * stays 128 bytes, its kernel rates beside it where they are kept (two
 * snapshots of one are alive at a time). */
static void test_float_rates(void)
{
	struct lvs_stats p = { 0 }, c = { .conns = 1, .inbytes = 25000000000ull,
					  .outbytes = 18446744073709551615ull };
	struct lvs_rates_f r;
	rates_from_stats(&p, &c, 2.0, &r);
	CU_ASSERT(fabs(r.inbps / 12.5e9 - 1) <= 0x1p-24);
	CU_ASSERT(fabs(r.outbps / (18446744073709551615.0 / 2) - 1) <= 0x1p-24);
	rates_from_stats(&p, &c, 3.0, &r);
	CU_ASSERT(fabs(r.cps * 3 - 1) <= 0x1p-23);
	CU_ASSERT_EQUAL(r.inpps, 0);
	CU_ASSERT(sizeof(struct lvs_dest) <= 128);
}

int register_rates(void)
{
	CU_pSuite s = CU_add_suite("rates", NULL, NULL);
	if (!s || !CU_add_test(s, "delta", test_delta) ||
	    !CU_add_test(s, "first sight", test_first_sight_invalid) ||
	    !CU_add_test(s, "matched by identity", test_rates_by_identity) ||
	    !CU_add_test(s, "counter reset", test_reset) ||
	    !CU_add_test(s, "wall clock fallback", test_wall_clock_fallback) ||
	    !CU_add_test(s, "rates kept in floats", test_float_rates) ||
	    !CU_add_test(s, "a table changed in every way", test_changed_table))
		return -1;
	return 0;
}
