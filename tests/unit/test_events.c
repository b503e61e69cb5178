/* Tests for the event log: the diff of two snapshots and the ring. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <string.h>

#include "collector/snapshot.h"
#include "console/events.h"

struct spec_dest {
	const char *addr;
	int weight;
	uint32_t fwd;
	uint64_t conns;
};
struct spec_svc {
	const char *addr;
	uint16_t port;
	const char *sched;
	uint64_t conns;
	struct spec_dest d[4];
};

static struct lvs_snapshot *make(const struct spec_svc *sv, size_t n, double t)
{
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	s->time = t;
	for (size_t i = 0; i < n; i++) {
		struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = sv[i].port };
		inet_pton(AF_INET, sv[i].addr, &v.addr.v4);
		snprintf(v.sched, sizeof(v.sched), "%s", sv[i].sched);
		v.stats.conns = sv[i].conns;
		CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &v), 0);
		for (size_t j = 0; j < 4 && sv[i].d[j].addr; j++) {
			struct lvs_dest d = { .af = AF_INET, .port = sv[i].port, .weight = sv[i].d[j].weight,
					      .fwd = sv[i].d[j].fwd };
			inet_pton(AF_INET, sv[i].d[j].addr, &d.addr.v4);
			d.stats.conns = sv[i].d[j].conns;
			CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(s, i, &d), 0);
		}
	}
	snapshot_finish(s);
	return s;
}

/* The texts of the events, joined by " | ". */
static char *texts(const struct ev_vec *e, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < e->n && o < len; i++) {
		char t[200];
		event_text(&e->v[i], t, sizeof(t));
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " | " : "", t);
	}
	return buf;
}

static void expect(const struct lvs_snapshot *a, const struct lvs_snapshot *b, const char *want)
{
	struct ev_vec e = { 0 };
	char buf[2048];
	CU_ASSERT_EQUAL_FATAL(events_diff(a, b, &e), 0);
	CU_ASSERT_STRING_EQUAL(texts(&e, buf, sizeof(buf)), want);
	if (strcmp(buf, want))
		fprintf(stderr, "\n  events: got \"%s\"\n        want \"%s\"\n", buf, want);
	for (size_t i = 0; i < e.n; i++)
		CU_ASSERT_DOUBLE_EQUAL(e.v[i].time, b->time, 0);
	ev_vec_done(&e);
}

static const struct spec_svc base[] = {
	{ "10.0.0.1", 80, "wrr", 100, { { "192.0.2.1", 1, LVS_FWD_MASQ, 50 }, { "192.0.2.2", 2, LVS_FWD_MASQ, 50 } } },
	{ "10.0.0.2", 443, "rr", 10, { { "192.0.2.3", 1, LVS_FWD_ROUTE, 10 } } },
};

static void test_nothing_changed(void)
{
	struct lvs_snapshot *a = make(base, 2, 100), *b = make(base, 2, 102);
	expect(a, b, "");
	expect(NULL, b, ""); /* the first snapshot has no past */
	snapshot_unref(a);
	snapshot_unref(b);
}

static void test_services_come_and_go(void)
{
	struct spec_svc next[] = {
		base[0],
		{ "10.0.0.3", 8080, "lc", 0, { { "192.0.2.9", 1, LVS_FWD_TUNNEL, 0 } } },
	};
	struct lvs_snapshot *a = make(base, 2, 100), *b = make(next, 2, 102);
	expect(a, b, "+ service tcp 10.0.0.3:8080 (lc, 1 real server) | "
		     "- service tcp 10.0.0.2:443 (rr, 1 real server)");
	expect(b, a, "+ service tcp 10.0.0.2:443 (rr, 1 real server) | "
		     "- service tcp 10.0.0.3:8080 (lc, 1 real server)");
	snapshot_unref(a);
	snapshot_unref(b);
}

static void test_real_servers_and_weights(void)
{
	struct spec_svc next[2] = { base[0], base[1] };
	next[0].d[0].weight = 5;                                       /* weight */
	next[0].d[1] = (struct spec_dest){ "192.0.2.7", 1, LVS_FWD_MASQ, 0 }; /* .2 left, .7 came */
	next[1].d[0].fwd = LVS_FWD_TUNNEL;                             /* method */
	next[1].sched = "wlc";                                         /* scheduler */
	struct lvs_snapshot *a = make(base, 2, 100), *b = make(next, 2, 102);
	expect(a, b, "~ weight of 192.0.2.1:80 in tcp 10.0.0.1:80: 1 -> 5 | "
		     "+ real server 192.0.2.7:80 in tcp 10.0.0.1:80 (weight 1) | "
		     "- real server 192.0.2.2:80 from tcp 10.0.0.1:80 (weight was 2) | "
		     "~ scheduler of tcp 10.0.0.2:443: rr -> wlc | "
		     "~ forwarding of 192.0.2.3:443 in tcp 10.0.0.2:443: route -> tunnel");
	snapshot_unref(a);
	snapshot_unref(b);
}

static void test_counter_reset(void)
{
	struct spec_svc next[2] = { base[0], base[1] };
	next[0].conns = 3; /* went down: re-created between polls */
	next[0].d[0].conns = 1;
	next[1].conns = 20; /* went up: nothing to say */
	struct lvs_snapshot *a = make(base, 2, 100), *b = make(next, 2, 102);
	expect(a, b, "! counters of service tcp 10.0.0.1:80 reset | "
		     "! counters of real server 192.0.2.1:80 in tcp 10.0.0.1:80 reset");
	snapshot_unref(a);
	snapshot_unref(b);
}

static void test_reorder_is_quiet(void)
{
	/* The kernel's order may change: identity, not position, matters. */
	struct spec_svc swapped[2] = { base[1], base[0] };
	struct spec_dest t = swapped[1].d[0];
	swapped[1].d[0] = swapped[1].d[1];
	swapped[1].d[1] = t;
	struct lvs_snapshot *a = make(base, 2, 100), *b = make(swapped, 2, 102);
	expect(a, b, "");
	snapshot_unref(a);
	snapshot_unref(b);
}

static void test_many_services(void)
{
	/* 300 services, every other one removed, in reverse order. */
	static struct spec_svc big[300], half[150];
	static char addrs[300][20];
	for (int i = 0; i < 300; i++) {
		snprintf(addrs[i], sizeof(addrs[i]), "10.1.%d.%d", i / 250, i % 250);
		big[i] = (struct spec_svc){ addrs[i], 80, "rr", 0, { { "192.0.2.1", 1, 0, 0 } } };
	}
	for (int i = 0; i < 150; i++)
		half[i] = big[299 - 2 * i];
	struct lvs_snapshot *a = make(big, 300, 1), *b = make(half, 150, 3);
	struct ev_vec e = { 0 };
	CU_ASSERT_EQUAL(events_diff(a, b, &e), 0);
	CU_ASSERT_EQUAL(e.n, 150);
	for (size_t i = 0; i < e.n; i++)
		CU_ASSERT_EQUAL(e.v[i].kind, EV_SVC_DEL);
	ev_vec_done(&e);
	snapshot_unref(a);
	snapshot_unref(b);
}

/* A diff of 300 services whose counters were all zeroed: 300 events, of
 * which a vector limited to 16 keeps the newest 16 (the last services, in
 * order) and counts the 284 others; its array never grows past 2 x 16. */
static void test_limit_keeps_newest(void)
{
	static struct spec_svc before[300], after[300];
	static char addrs[300][20];
	for (int i = 0; i < 300; i++) {
		snprintf(addrs[i], sizeof(addrs[i]), "10.1.%d.%d", i / 250, i % 250);
		before[i] = (struct spec_svc){ addrs[i], 80, "rr", 100, { { 0 } } };
		after[i] = before[i];
		after[i].conns = 1;
	}
	struct lvs_snapshot *a = make(before, 300, 1), *b = make(after, 300, 3);
	struct ev_vec e = { .limit = 16 };
	CU_ASSERT_EQUAL(events_diff(a, b, &e), 0);
	CU_ASSERT_EQUAL(e.n, 16);
	CU_ASSERT_EQUAL(e.dropped, 284);
	CU_ASSERT(e.cap <= 32);
	char want[32], got[200];
	for (size_t i = 0; i < e.n; i++) {
		CU_ASSERT_EQUAL(e.v[i].kind, EV_SVC_RESET);
		snprintf(want, sizeof(want), "%s:80 ", addrs[284 + i]);
		event_text(&e.v[i], got, sizeof(got));
		CU_ASSERT_PTR_NOT_NULL(strstr(got, want));
	}
	/* The log counts the dropped ones among the events since start. */
	struct ev_log l;
	CU_ASSERT_EQUAL_FATAL(ev_log_init(&l, 8), 0);
	ev_log_count(&l, e.dropped);
	for (size_t i = 0; i < e.n; i++)
		ev_log_add(&l, &e.v[i]);
	CU_ASSERT_EQUAL(l.count, 8);
	CU_ASSERT_EQUAL(l.total, 300);
	ev_log_done(&l);
	ev_vec_done(&e);
	/* Without a limit, all 300. */
	CU_ASSERT_EQUAL(events_diff(a, b, &e), 0);
	CU_ASSERT_EQUAL(e.n, 300);
	CU_ASSERT_EQUAL(e.dropped, 0);
	ev_vec_done(&e);
	snapshot_unref(a);
	snapshot_unref(b);
}

static void test_log_ring(void)
{
	struct ev_log l;
	CU_ASSERT_EQUAL_FATAL(ev_log_init(&l, 3), 0);
	CU_ASSERT_PTR_NULL(ev_log_newest(&l, 0));
	for (int i = 0; i < 5; i++) {
		struct lvs_event e = { .time = i, .kind = EV_WEIGHT };
		ev_log_add(&l, &e);
	}
	CU_ASSERT_EQUAL(l.count, 3);
	CU_ASSERT_EQUAL(l.total, 5);
	CU_ASSERT_DOUBLE_EQUAL(ev_log_newest(&l, 0)->time, 4, 0);
	CU_ASSERT_DOUBLE_EQUAL(ev_log_newest(&l, 2)->time, 2, 0);
	CU_ASSERT_PTR_NULL(ev_log_newest(&l, 3));
	ev_log_done(&l);
}

int register_events(void)
{
	CU_pSuite s = CU_add_suite("console events", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "nothing changed", test_nothing_changed) ||
	    !CU_add_test(s, "services come and go", test_services_come_and_go) ||
	    !CU_add_test(s, "real servers, weights, methods, schedulers", test_real_servers_and_weights) ||
	    !CU_add_test(s, "counter resets", test_counter_reset) ||
	    !CU_add_test(s, "reordering is not a change", test_reorder_is_quiet) ||
	    !CU_add_test(s, "many services", test_many_services) ||
	    !CU_add_test(s, "a limited diff keeps the newest", test_limit_keeps_newest) ||
	    !CU_add_test(s, "log ring", test_log_ring))
		return -1;
	return 0;
}
