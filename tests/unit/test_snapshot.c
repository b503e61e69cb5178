/* Snapshot building: services and their real servers appended in order,
 * the text pool, finishing (dest pointers, trimmed arrays), references,
 * identities and keys; and every allocation of a build failing in turn. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "collector/snapshot.h"
#include "failmalloc.h"

static struct lvs_service svc_n(unsigned i)
{
	struct lvs_service s = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = (uint16_t)(1000 + i) };
	s.addr.v4.s_addr = htonl(0xc0000200 | (i & 0xff));
	snprintf(s.sched, sizeof(s.sched), "wlc");
	/* dests/n_dests of the copy are ignored by snapshot_add_service. */
	s.n_dests = 99;
	return s;
}

static struct lvs_dest dest_n(unsigned i, unsigned j)
{
	struct lvs_dest d = { .af = AF_INET6, .port = (uint16_t)(8000 + j), .weight = (int32_t)(i + j) };
	d.addr.raw[0] = 0x20;
	d.addr.raw[1] = 0x01;
	d.addr.raw[14] = (uint8_t)i;
	d.addr.raw[15] = (uint8_t)j;
	return d;
}

/* Build nsvc services with (i % 4) real servers each (some none), a
 * health text on every third real server (every sixth the same one).
 * 0 or the first error, the snapshot freed on error. */
static int build(unsigned nsvc, struct lvs_snapshot **out)
{
	struct lvs_snapshot *s = snapshot_new();
	int r = -ENOMEM;
	if (!s)
		return r;
	for (unsigned i = 0; i < nsvc; i++) {
		struct lvs_service v = svc_n(i);
		if ((r = snapshot_add_service(s, &v)))
			goto err;
		for (unsigned j = 0; j < i % 4; j++) {
			struct lvs_dest d = dest_n(i, j);
			if ((i + j) % 3 == 0) {
				char why[64];
				snprintf(why, sizeof(why), "connect: refused %u", (i + j) % 6);
				if ((r = snapshot_add_text(s, why, LVS_DEST_ERROR_MAX, &d.health_error)))
					goto err;
			}
			if ((r = snapshot_add_dest(s, i, &d)))
				goto err;
		}
	}
	snapshot_finish(s);
	*out = s;
	return 0;
err:
	snapshot_unref(s);
	return r;
}

/* Whether s is what build(nsvc) should give. */
static bool check(const struct lvs_snapshot *s, unsigned nsvc)
{
	if (s->n_services != nsvc)
		return false;
	size_t total = 0;
	for (unsigned i = 0; i < nsvc; i++) {
		const struct lvs_service *v = &s->services[i];
		struct lvs_service want = svc_n(i);
		if (v->port != want.port || v->addr.v4.s_addr != want.addr.v4.s_addr ||
		    strcmp(v->sched, "wlc") || v->n_dests != i % 4)
			return false;
		if (!v->n_dests && v->dests)
			return false;
		for (unsigned j = 0; j < v->n_dests; j++) {
			const struct lvs_dest *d = &v->dests[j];
			struct lvs_dest w = dest_n(i, j);
			if (d != &s->dests[total + j] || d->port != w.port || d->weight != w.weight ||
			    memcmp(&d->addr, &w.addr, sizeof(d->addr)))
				return false;
			char why[64] = "";
			if ((i + j) % 3 == 0)
				snprintf(why, sizeof(why), "connect: refused %u", (i + j) % 6);
			if (strcmp(snapshot_text(s, d->health_error), why))
				return false;
		}
		total += v->n_dests;
	}
	return s->n_dests == total;
}

static void test_build(void)
{
	struct lvs_snapshot *s = NULL;
	/* Past the first 16 services and dests, and the first 1 KiB of text. */
	CU_ASSERT_EQUAL_FATAL(build(300, &s), 0);
	CU_ASSERT_TRUE(check(s, 300));
	CU_ASSERT(s->text_len > 1024);
	CU_ASSERT_STRING_EQUAL(snapshot_text(s, 0), "");
	CU_ASSERT_STRING_EQUAL(snapshot_text(s, (uint32_t)s->text_len + 5), ""); /* out of range */
	snapshot_unref(s);
	CU_ASSERT_EQUAL_FATAL(build(0, &s), 0);
	CU_ASSERT_EQUAL(s->n_services, 0);
	CU_ASSERT_PTR_NULL(s->services); /* nothing held for an empty table */
	snapshot_unref(s);
}

static void test_text_pool(void)
{
	struct lvs_snapshot *s = snapshot_new();
	uint32_t a, b, c, d;
	CU_ASSERT_EQUAL(snapshot_add_text(s, "", 47, &a), 0);
	CU_ASSERT_EQUAL(a, 0);
	CU_ASSERT_EQUAL(snapshot_add_text(s, "timeout", 47, &a), 0);
	CU_ASSERT_EQUAL(snapshot_add_text(s, "timeout", 47, &b), 0);
	CU_ASSERT_EQUAL(a, b); /* the same text as the last one: shared */
	CU_ASSERT_EQUAL(snapshot_add_text(s, "refused", 47, &c), 0);
	CU_ASSERT_NOT_EQUAL(c, a);
	CU_ASSERT_EQUAL(snapshot_add_text(s, "timeout and more", 7, &d), 0);
	CU_ASSERT_STRING_EQUAL(snapshot_text(s, a), "timeout");
	CU_ASSERT_STRING_EQUAL(snapshot_text(s, c), "refused");
	CU_ASSERT_STRING_EQUAL(snapshot_text(s, d), "timeout"); /* cut at max */
	snapshot_unref(s);
}

static void test_dest_order(void)
{
	struct lvs_snapshot *s = snapshot_new();
	struct lvs_service v0 = svc_n(0), v1 = svc_n(1);
	struct lvs_dest d = dest_n(0, 0);
	CU_ASSERT_EQUAL(snapshot_add_dest(s, 0, &d), -EINVAL); /* no service yet */
	CU_ASSERT_EQUAL(snapshot_add_service(s, &v0), 0);
	CU_ASSERT_EQUAL(snapshot_add_service(s, &v1), 0);
	CU_ASSERT_EQUAL(snapshot_add_dest(s, 1, &d), 0);
	CU_ASSERT_EQUAL(snapshot_add_dest(s, 0, &d), -EINVAL); /* back to an earlier service */
	CU_ASSERT_EQUAL(snapshot_add_dest(s, 2, &d), -EINVAL); /* out of range */
	snapshot_finish(s);
	CU_ASSERT_EQUAL(s->services[0].n_dests, 0);
	CU_ASSERT_PTR_NULL(s->services[0].dests);
	CU_ASSERT_EQUAL(s->services[1].n_dests, 1);
	CU_ASSERT_PTR_EQUAL(s->services[1].dests, &s->dests[0]);
	snapshot_unref(s);
}

static void test_refs_and_identity(void)
{
	struct lvs_snapshot *s = NULL;
	CU_ASSERT_EQUAL_FATAL(build(8, &s), 0);
	CU_ASSERT_PTR_EQUAL(snapshot_ref(s), s);
	snapshot_unref(s);
	CU_ASSERT_TRUE(check(s, 8)); /* still held once */
	struct lvs_service a = s->services[1], b = s->services[1];
	b.stats.conns = 77; /* counters are not identity */
	CU_ASSERT_TRUE(lvs_service_same(&a, &b));
	CU_ASSERT_EQUAL(lvs_service_hash(&a), lvs_service_hash(&b));
	b.port++;
	CU_ASSERT_FALSE(lvs_service_same(&a, &b));
	struct lvs_dest x = s->services[1].dests[0], y = x;
	y.weight = 100;
	CU_ASSERT_TRUE(lvs_dest_same(&x, &y));
	CU_ASSERT_EQUAL(lvs_dest_hash(&x), lvs_dest_hash(&y));
	y.addr.raw[15] ^= 1;
	CU_ASSERT_FALSE(lvs_dest_same(&x, &y));
	struct lvs_key k1, k2, k3;
	lvs_key_dest(&k1, &a, &x);
	lvs_key_dest(&k2, &a, &x);
	lvs_key_service(&k3, &a);
	CU_ASSERT_TRUE(lvs_key_equal(&k1, &k2));
	CU_ASSERT_EQUAL(lvs_key_hash(&k1), lvs_key_hash(&k2));
	CU_ASSERT_FALSE(lvs_key_equal(&k1, &k3)); /* a service is not its real server */
	snapshot_unref(s);
	snapshot_unref(NULL);
}

static int build_run(void *arg)
{
	unsigned n = *(unsigned *)arg;
	struct lvs_snapshot *s = NULL;
	int r = build(n, &s);
	if (r)
		return r;
	/* Trimming may fail quietly: the snapshot must be whole all the same. */
	r = check(s, n) ? 0 : -EIO;
	snapshot_unref(s);
	return r;
}

static void test_alloc_failures(void)
{
	unsigned n = 300;
	struct failmalloc_walk w;
	int r = failmalloc_walk(build_run, &n, 0, 1000, &w);
	if (r)
		fprintf(stderr, "\n    allocation %lu gave %d\n", w.bad_n, w.bad_rc);
	CU_ASSERT_EQUAL(r, 0);
	/* snapshot, services x6, dests x6, text, two trims at least */
	CU_ASSERT(w.allocs >= 10);
}

/* snapshot_reserve: adds up to what was reserved move nothing; less than is
 * there already changes nothing; past it, adds grow as before. */
static void test_reserve(void)
{
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(snapshot_reserve(s, 3, 1000), 0);
	struct lvs_dest *at = s->dests;
	const struct lvs_service *svc_at = s->services;
	CU_ASSERT_PTR_NOT_NULL(at);
	for (unsigned i = 0; i < 3; i++) {
		struct lvs_service svc = { .af = AF_INET, .protocol = 6, .port = (uint16_t)(80 + i) };
		CU_ASSERT_EQUAL(snapshot_add_service(s, &svc), 0);
	}
	for (unsigned i = 0; i < 1000; i++) {
		struct lvs_dest d = { .af = AF_INET, .port = (uint16_t)(1000 + i) };
		CU_ASSERT_EQUAL(snapshot_add_dest(s, i * 3 / 1000, &d), 0);
	}
	CU_ASSERT_PTR_EQUAL(s->dests, at);
	CU_ASSERT_PTR_EQUAL(s->services, svc_at);
	CU_ASSERT_EQUAL(snapshot_reserve(s, 1, 10), 0); /* below: nothing */
	CU_ASSERT_PTR_EQUAL(s->dests, at);
	struct lvs_dest d = { .af = AF_INET, .port = 9 };
	CU_ASSERT_EQUAL(snapshot_add_dest(s, 2, &d), 0); /* past it */
	snapshot_finish(s);
	CU_ASSERT_EQUAL(s->n_dests, 1001);
	CU_ASSERT_EQUAL(s->services[2].n_dests, 1001 - s->services[2].first_dest);
	CU_ASSERT_EQUAL(s->dests[1000].port, 9);
	snapshot_unref(s);
}

/* A snapshot holds one real server per real server of the table, two
 * snapshots are alive while one is read: no padding in it. Its bit
 * fields hold the largest value each is given; the health times are
 * whole seconds, none before 1970 and saturated in 2106. */
static void test_dest_size(void)
{
	CU_ASSERT(sizeof(struct lvs_dest) <= 128);
	struct lvs_dest d = { .fwd = LVS_FWD_BYPASS, .tun_type = LVS_TUN_TYPE_OTHER,
			      .health = LVS_HEALTH_DOWN, .health_reason = LVS_HR_COUNT - 1,
			      .rates_valid = true, .health_code = 599 };
	CU_ASSERT_EQUAL(d.fwd, LVS_FWD_BYPASS);
	CU_ASSERT_EQUAL(d.tun_type, LVS_TUN_TYPE_OTHER);
	CU_ASSERT_EQUAL(d.health, LVS_HEALTH_DOWN);
	CU_ASSERT_EQUAL(d.health_reason, LVS_HR_COUNT - 1);
	CU_ASSERT_TRUE(d.rates_valid);
	CU_ASSERT_EQUAL(d.health_code, 599);
	CU_ASSERT_EQUAL(lvs_time32(1790000000.75), 1790000000u);
	CU_ASSERT_EQUAL(lvs_time32(0), 0);
	CU_ASSERT_EQUAL(lvs_time32(-5), 0);
	CU_ASSERT_EQUAL(lvs_time32(NAN), 0);
	CU_ASSERT_EQUAL(lvs_time32(1e300), UINT32_MAX);
	CU_ASSERT_EQUAL(lvs_time32(4294967295.0), UINT32_MAX);
}

/* Real servers' kernel rates: none unless asked for (the array stays
 * NULL and reads give zeros); asked for after some were added, those get
 * zeros; they follow their real server through growth, reserve and trim. */
static int rates_run(void *arg)
{
	unsigned n = *(unsigned *)arg;
	struct lvs_snapshot *s = snapshot_new();
	if (!s)
		return -ENOMEM;
	int r = 0;
	for (unsigned i = 0; i < 2 && !r; i++) {
		struct lvs_service svc = { .af = AF_INET, .protocol = 6, .port = (uint16_t)(80 + i) };
		r = snapshot_add_service(s, &svc);
	}
	for (unsigned i = 0; i < n && !r; i++) {
		struct lvs_dest d = { .af = AF_INET, .port = (uint16_t)i };
		struct lvs_kern_rates kr = { .cps = i + 1, .outbps = 1000ull * i + 7 };
		if (i == 3 && s->dest_krates)
			r = -EIO; /* kept before it was asked for */
		else if (i == 3)
			r = snapshot_keep_dest_rates(s);
		else if (i == n / 2)
			r = snapshot_reserve(s, 2, n + 5);
		if (!r)
			r = snapshot_add_dest_rates(s, i < n / 3 ? 0 : 1, &d, i == 5 ? NULL : &kr);
	}
	if (!r) {
		snapshot_finish(s);
		for (unsigned i = 0; i < n; i++) {
			const struct lvs_dest *d = &s->dests[i];
			const struct lvs_kern_rates *kr = snapshot_dest_krates(s, d);
			uint64_t cps = i < 3 || i == 5 ? 0 : i + 1;
			if (d->port != i || kr->cps != cps ||
			    kr->outbps != (i < 3 || i == 5 ? 0 : 1000ull * i + 7))
				r = -EIO;
		}
	}
	snapshot_unref(s);
	return r;
}

static void test_dest_rates(void)
{
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_service svc = { .af = AF_INET, .protocol = 6, .port = 80 };
	struct lvs_kern_rates kr = { .cps = 5 };
	struct lvs_dest d = { .af = AF_INET, .port = 1 };
	CU_ASSERT_EQUAL(snapshot_add_service(s, &svc), 0);
	CU_ASSERT_EQUAL(snapshot_add_dest_rates(s, 0, &d, &kr), 0);
	snapshot_finish(s);
	CU_ASSERT_PTR_NULL(s->dest_krates); /* not asked for: not kept */
	CU_ASSERT_EQUAL(snapshot_dest_krates(s, &s->dests[0])->cps, 0);
	snapshot_unref(s);

	unsigned n = 300;
	CU_ASSERT_EQUAL(rates_run(&n), 0);
	struct failmalloc_walk w;
	int r = failmalloc_walk(rates_run, &n, 0, 1000, &w);
	if (r)
		fprintf(stderr, "\n    allocation %lu gave %d\n", w.bad_n, w.bad_rc);
	CU_ASSERT_EQUAL(r, 0);
}

int register_snapshot(void)
{
	CU_pSuite s = CU_add_suite("snapshot", NULL, NULL);
	if (!s || !CU_add_test(s, "build and finish", test_build) ||
	    !CU_add_test(s, "text pool", test_text_pool) ||
	    !CU_add_test(s, "real servers in service order", test_dest_order) ||
	    !CU_add_test(s, "references and identity", test_refs_and_identity) ||
	    !CU_add_test(s, "every allocation failing in turn", test_alloc_failures) ||
	    !CU_add_test(s, "a real server in 128 bytes", test_dest_size) ||
	    !CU_add_test(s, "real servers' kernel rates kept when asked for", test_dest_rates) ||
	    !CU_add_test(s, "room reserved once", test_reserve))
		return -1;
	return 0;
}
