#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <math.h>

#include "collector/rings.h"

static struct lvs_snapshot *snap(double t, size_t nsvc, double cps)
{
	struct lvs_snapshot *s = snapshot_new();
	s->time = t;
	for (size_t i = 0; i < nsvc; i++) {
		struct lvs_service svc = { .af = AF_INET, .protocol = 6, .port = (uint16_t)(80 + i) };
		inet_pton(AF_INET, "192.0.2.1", &svc.addr.v4);
		svc.rates_valid = true;
		svc.rates.cps = cps;
		snapshot_add_service(s, &svc);
		struct lvs_dest d = { .af = AF_INET, .port = 80, .rates_valid = true, .active_conns = 7 };
		inet_pton(AF_INET, "198.51.100.1", &d.addr.v4);
		d.rates.cps = cps / 2;
		snapshot_add_dest(s, i, &d);
	}
	snapshot_finish(s);
	return s;
}

static void test_record_and_read(void)
{
	lvs_rings *h = rings_new(5, 1 << 20, 3, LVS_RINGS_ALL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	for (int i = 0; i < 8; i++) {
		struct lvs_snapshot *s = snap(100 + 2 * i, 2, i);
		CU_ASSERT_EQUAL(rings_record(h, s), 0);
		snapshot_unref(s);
	}
	CU_ASSERT_EQUAL(rings_objects(h), 4);
	struct lvs_snapshot *s = snap(0, 2, 0);
	struct lvs_key k;
	struct lvs_sample out[10];
	lvs_key_service(&k, &s->services[1]);
	size_t n = rings_read(h, &k, out, 10);
	CU_ASSERT_EQUAL(n, 5); /* capacity */
	CU_ASSERT_DOUBLE_EQUAL(out[0].t, 106, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(out[4].cps, 7, 1e-6);
	lvs_key_dest(&k, &s->services[0], &s->dests[0]);
	n = rings_read(h, &k, out, 10);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_DOUBLE_EQUAL(out[4].cps, 3.5, 1e-6);
	CU_ASSERT_EQUAL(out[4].active, 7);
	snapshot_unref(s);
	rings_free(h);
}

static void test_evict_absent(void)
{
	lvs_rings *h = rings_new(5, 1 << 20, 2, LVS_RINGS_ALL);
	struct lvs_snapshot *two = snap(1, 2, 1), *one = snap(2, 1, 1);
	rings_record(h, two);
	CU_ASSERT_EQUAL(rings_objects(h), 4);
	/* Service 81 and its real server vanish; after evict_after polls they go. */
	for (int i = 0; i < 3; i++)
		rings_record(h, one);
	CU_ASSERT_EQUAL(rings_objects(h), 2);
	struct lvs_key k;
	struct lvs_sample out[4];
	lvs_key_service(&k, &two->services[1]);
	CU_ASSERT_EQUAL(rings_read(h, &k, out, 4), 0);
	/* It comes back: tracked again, its slot reused. */
	rings_record(h, two);
	CU_ASSERT_EQUAL(rings_objects(h), 4);
	CU_ASSERT_EQUAL(rings_read(h, &k, out, 4), 1);
	snapshot_unref(two);
	snapshot_unref(one);
	rings_free(h);
}

static void test_budget_bounds_memory(void)
{
	/* 1000 services x 1 real server = 2000 objects; a 64 KiB budget gives
	 * each ring only a few samples instead of 300. */
	size_t budget = 64 * 1024;
	lvs_rings *h = rings_new(300, budget, 30, LVS_RINGS_ALL);
	struct lvs_snapshot *s = snap(1, 1000, 1);
	rings_record(h, s);
	CU_ASSERT_EQUAL(rings_objects(h), 2000);
	CU_ASSERT(rings_bytes(h) <= budget + 2000 * 2 * sizeof(struct lvs_sample));
	CU_ASSERT(rings_bytes(h) >= 2000 * 2 * sizeof(struct lvs_sample));
	snapshot_unref(s);
	rings_free(h);
}

/* Room for a table's rings is made for the table, with a sixty-fourth
 * more, not by doubling (at 110,000 objects doubling left room for
 * 131,072); a table that grows gets room for itself again. */
static void test_room_sized_to_table(void)
{
	lvs_rings *h = rings_new(32, 32u << 20, 30, LVS_RINGS_CPS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_snapshot *a = snap(1, 1100, 1), *b = snap(2, 1200, 1), *c = snap(3, 1100, 1);
	CU_ASSERT_EQUAL(rings_record(h, a), 0);
	CU_ASSERT_EQUAL(rings_objects(h), 2200);
	CU_ASSERT(rings_capacity(h) >= 2200);
	CU_ASSERT(rings_capacity(h) <= 2200 + 2200 / 64 + 16);
	CU_ASSERT_EQUAL(rings_record(h, b), 0);
	CU_ASSERT_EQUAL(rings_objects(h), 2400);
	CU_ASSERT(rings_capacity(h) >= 2400);
	CU_ASSERT(rings_capacity(h) <= 2400 + 2400 / 64 + 16);
	/* the smaller table again: the gone objects keep their rings for
	 * evict_after polls, in the room there is */
	CU_ASSERT_EQUAL(rings_record(h, c), 0);
	CU_ASSERT(rings_capacity(h) <= 2400 + 2400 / 64 + 16);
	struct lvs_key k;
	struct lvs_sample out[4];
	lvs_key_service(&k, &c->services[1099]);
	CU_ASSERT_EQUAL(rings_read(h, &k, out, 4), 3);
	snapshot_unref(a);
	snapshot_unref(b);
	snapshot_unref(c);
	rings_free(h);
}

/* Service 0's samples, oldest first, must be the polls first..last. */
static void expect_polls(lvs_rings *h, const struct lvs_snapshot *s, int first, int last)
{
	struct lvs_key k;
	struct lvs_sample out[16];
	lvs_key_service(&k, &s->services[0]);
	size_t n = rings_read(h, &k, out, 16);
	CU_ASSERT_EQUAL_FATAL(n, (size_t)(last - first + 1));
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_DOUBLE_EQUAL(out[i].t, first + (int)i, 1e-9);
		CU_ASSERT_DOUBLE_EQUAL(out[i].cps, first + (int)i, 1e-6);
	}
}

static void test_resize_keeps_newest(void)
{
	/* 8 slots each for 20 objects; 40 objects get 4, in place, with
	 * the newest samples kept in order; back to 20, 8 again. */
	lvs_rings *h = rings_new(8, 20 * 8 * sizeof(struct lvs_sample), 30, LVS_RINGS_ALL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_snapshot *s = NULL;
	for (int i = 1; i <= 10; i++) {
		snapshot_unref(s);
		s = snap(i, 10, i);
		rings_record(h, s);
	}
	CU_ASSERT_EQUAL(rings_slots(h), 8);
	expect_polls(h, s, 3, 10);
	snapshot_unref(s);
	s = snap(11, 20, 11);
	rings_record(h, s);
	CU_ASSERT_EQUAL(rings_slots(h), 4);
	CU_ASSERT_EQUAL(rings_objects(h), 40);
	CU_ASSERT(rings_bytes(h) <= 20 * 8 * sizeof(struct lvs_sample));
	expect_polls(h, s, 8, 11);
	/* A real server of the last service: moved too, with its one sample. */
	struct lvs_key k;
	struct lvs_sample out[8];
	lvs_key_dest(&k, &s->services[19], &s->dests[19]);
	CU_ASSERT_EQUAL(rings_read(h, &k, out, 8), 1);
	CU_ASSERT_DOUBLE_EQUAL(out[0].cps, 5.5, 1e-6);
	CU_ASSERT_EQUAL(out[0].active, 7);
	snapshot_unref(s);
	s = snap(12, 10, 12);
	rings_record(h, s);
	CU_ASSERT_EQUAL(rings_slots(h), 8);
	expect_polls(h, s, 8, 12);
	snapshot_unref(s);
	rings_free(h);
}

static void test_small_change_keeps_size(void)
{
	/* 40 slots for 20 objects; 18 objects would allow 44: not worth
	 * moving every ring for a tenth more (an eighth is). */
	lvs_rings *h = rings_new(64, 20 * 40 * sizeof(struct lvs_sample), 30, LVS_RINGS_ALL);
	struct lvs_snapshot *a = snap(1, 10, 1), *b = snap(2, 9, 2);
	rings_record(h, a);
	CU_ASSERT_EQUAL(rings_slots(h), 40);
	rings_record(h, b);
	CU_ASSERT_EQUAL(rings_slots(h), 40);
	snapshot_unref(b);
	b = snap(3, 8, 3); /* 16 objects: 50 */
	rings_record(h, b);
	CU_ASSERT_EQUAL(rings_slots(h), 50);
	snapshot_unref(a);
	snapshot_unref(b);
	rings_free(h);
}

static void test_cps_only(void)
{
	lvs_rings *h = rings_new(32, 1 << 20, 3, LVS_RINGS_CPS);
	struct lvs_snapshot *s = NULL;
	for (int i = 1; i <= 3; i++) {
		snapshot_unref(s);
		s = snap(i, 2, 2 * i);
		rings_record(h, s);
	}
	CU_ASSERT_EQUAL(rings_bytes(h), 4 * 32 * sizeof(uint16_t));
	struct lvs_key k;
	struct lvs_sample out[4];
	lvs_key_dest(&k, &s->services[1], &s->dests[1]);
	CU_ASSERT_EQUAL_FATAL(rings_read(h, &k, out, 4), 3);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_DOUBLE_EQUAL(out[i].cps, i + 1, (i + 2) * 2e-4);
		CU_ASSERT_EQUAL(out[i].t, 0);
		CU_ASSERT_EQUAL(out[i].active, 0);
	}
	/* Sixteenths exactly below 128; 0.025 % above, up to the top. */
	const double in[] = { 0, 1, 0.5, 0.3, 127.9375, 128.03, 12345.678, 4e9, 1e12, -3, NAN };
	const double want[] = { 0, 1, 0.5, 0.3125, 127.9375, 128.03, 12345.678, 4e9,
				4095.0 * 0x1p30 / 16, 0, 0 };
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		snapshot_unref(s);
		s = snap(10 + (int)i, 1, 0);
		s->services[0].rates.cps = in[i];
		rings_record(h, s);
		lvs_key_service(&k, &s->services[0]);
		size_t n = rings_read(h, &k, out, 1);
		CU_ASSERT_EQUAL_FATAL(n, 1);
		if (want[i] < 128) {
			CU_ASSERT_EQUAL(out[0].cps, want[i]);
		} else {
			CU_ASSERT_DOUBLE_EQUAL(out[0].cps / want[i], 1, 2.5e-4);
		}
	}
	/* Every value from 2^11 to 2^42 sixteenths: monotonic, within 0.025 %. */
	double last = 0;
	for (double v = 128; v < 2.7e11; v *= 1.0007) {
		snapshot_unref(s);
		s = snap(100, 1, 0);
		s->services[0].rates.cps = v;
		rings_record(h, s);
		rings_read(h, &k, out, 1);
		if (fabs(out[0].cps / v - 1) > 2.5e-4 || out[0].cps < last) {
			CU_FAIL("16-bit rate out of bounds");
			break;
		}
		last = out[0].cps;
	}
	snapshot_unref(s);
	rings_free(h);
}

static void test_invalid_rates_skipped(void)
{
	lvs_rings *h = rings_new(5, 1 << 20, 3, LVS_RINGS_ALL);
	struct lvs_snapshot *s = snap(1, 1, 1);
	s->services[0].rates_valid = false;
	s->dests[0].rates_valid = false;
	rings_record(h, s);
	CU_ASSERT_EQUAL(rings_objects(h), 0);
	snapshot_unref(s);
	rings_free(h);
}

/* Services of the given ports (each with one real server), cps = the
 * service's port + t, so a sample says which object and poll it is. */
static struct lvs_snapshot *snap_ports(double t, const int *ports, size_t n)
{
	struct lvs_snapshot *s = snapshot_new();
	s->time = t;
	for (size_t i = 0; i < n; i++) {
		struct lvs_service svc = { .af = AF_INET, .protocol = 6, .port = (uint16_t)ports[i] };
		inet_pton(AF_INET, "192.0.2.1", &svc.addr.v4);
		svc.rates_valid = true;
		svc.rates.cps = ports[i] + t;
		snapshot_add_service(s, &svc);
		struct lvs_dest d = { .af = AF_INET, .port = 80, .rates_valid = true };
		inet_pton(AF_INET, "198.51.100.1", &d.addr.v4);
		d.rates.cps = ports[i] + t + 0.5;
		snapshot_add_dest(s, i, &d);
	}
	snapshot_finish(s);
	return s;
}

/* The samples of service `port` (or its real server) must be the polls
 * in `polls`, oldest first. */
static void expect_ring(lvs_rings *h, int port, bool dest, const double *polls, size_t n)
{
	int one[1] = { port };
	struct lvs_snapshot *s = snap_ports(0, one, 1);
	struct lvs_key k;
	if (dest)
		lvs_key_dest(&k, &s->services[0], &s->dests[0]);
	else
		lvs_key_service(&k, &s->services[0]);
	struct lvs_sample out[16];
	size_t got = rings_read(h, &k, out, 16);
	CU_ASSERT_EQUAL(got, n);
	for (size_t i = 0; i < n && i < got; i++) {
		CU_ASSERT_DOUBLE_EQUAL(out[i].t, polls[i], 1e-9);
		CU_ASSERT_DOUBLE_EQUAL(out[i].cps, port + polls[i] + (dest ? 0.5 : 0), 1e-3);
	}
	snapshot_unref(s);
}

/* A table that changes (order, objects gone, objects new) keeps every
 * object's samples with it; a gone object keeps its ring until evicted
 * and picks it up again when it comes back. */
static void test_table_changes(void)
{
	lvs_rings *h = rings_new(8, 1 << 20, 3, LVS_RINGS_ALL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	const int a[] = { 80, 81, 82 }, b[] = { 83, 82, 80 };
	for (int t = 1; t <= 3; t++) {
		struct lvs_snapshot *s = snap_ports(t, a, 3);
		CU_ASSERT_EQUAL(rings_record(h, s), 0);
		snapshot_unref(s);
	}
	struct lvs_snapshot *s = snap_ports(4, b, 3);
	CU_ASSERT_EQUAL(rings_record(h, s), 0);
	snapshot_unref(s);
	const double p1234[] = { 1, 2, 3, 4 }, p123[] = { 1, 2, 3 }, p4[] = { 4 };
	expect_ring(h, 80, false, p1234, 4);
	expect_ring(h, 80, true, p1234, 4);
	expect_ring(h, 82, false, p1234, 4);
	expect_ring(h, 83, false, p4, 1);
	expect_ring(h, 81, false, p123, 3); /* gone, kept */
	expect_ring(h, 81, true, p123, 3);
	CU_ASSERT_EQUAL(rings_objects(h), 8);
	/* 81 comes back before it is evicted: its ring goes on. */
	s = snap_ports(5, a, 3);
	CU_ASSERT_EQUAL(rings_record(h, s), 0);
	snapshot_unref(s);
	const double p1235[] = { 1, 2, 3, 5 }, p45[] = { 4 };
	expect_ring(h, 81, false, p1235, 4);
	expect_ring(h, 83, false, p45, 1); /* gone now */
	/* 83 stays away past evict_after: forgotten. */
	for (int t = 6; t <= 9; t++) {
		s = snap_ports(t, a, 3);
		CU_ASSERT_EQUAL(rings_record(h, s), 0);
		snapshot_unref(s);
	}
	expect_ring(h, 83, false, NULL, 0);
	CU_ASSERT_EQUAL(rings_objects(h), 6);
	rings_free(h);
}

/* Two objects with one key (a recording can hold that) share nothing:
 * the first has the ring, the second none. */
static void test_duplicate_keys(void)
{
	lvs_rings *h = rings_new(8, 1 << 20, 3, LVS_RINGS_ALL);
	const int d[] = { 90, 90, 91 };
	for (int t = 1; t <= 2; t++) {
		struct lvs_snapshot *s = snap_ports(t, d, 3);
		CU_ASSERT_EQUAL(rings_record(h, s), 0);
		snapshot_unref(s);
	}
	CU_ASSERT_EQUAL(rings_objects(h), 4);
	const double p12[] = { 1, 2 };
	expect_ring(h, 90, false, p12, 2);
	expect_ring(h, 91, true, p12, 2);
	/* The second 90's place now holds the only one: it keeps 90's ring. */
	const int e[] = { 92, 90, 91 };
	struct lvs_snapshot *s = snap_ports(3, e, 3);
	CU_ASSERT_EQUAL(rings_record(h, s), 0);
	snapshot_unref(s);
	const double p123[] = { 1, 2, 3 }, p3[] = { 3 };
	expect_ring(h, 90, false, p123, 3);
	expect_ring(h, 90, true, p123, 3);
	expect_ring(h, 92, false, p3, 1);
	rings_free(h);
}

int register_rings(void)
{
	CU_pSuite s = CU_add_suite("rings", NULL, NULL);
	if (!s || !CU_add_test(s, "record and read", test_record_and_read) ||
	    !CU_add_test(s, "evict absent objects", test_evict_absent) ||
	    !CU_add_test(s, "memory budget", test_budget_bounds_memory) ||
	    !CU_add_test(s, "room sized to the table", test_room_sized_to_table) ||
	    !CU_add_test(s, "resize keeps the newest", test_resize_keeps_newest) ||
	    !CU_add_test(s, "a small change keeps the size", test_small_change_keeps_size) ||
	    !CU_add_test(s, "connection rate only", test_cps_only) ||
	    !CU_add_test(s, "objects without rates", test_invalid_rates_skipped) ||
	    !CU_add_test(s, "a changing table keeps each object's samples", test_table_changes) ||
	    !CU_add_test(s, "objects with one key", test_duplicate_keys))
		return -1;
	return 0;
}
