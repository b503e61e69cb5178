/* What a health check costs the engine: a set built one spec at a time
 * shares one copy of what its specs have in common, a probe keeps only
 * its schedule and result (an attempt's state exists while it runs), and
 * a table's worth of checks takes one allocation per distinct check. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "collector/health.h"
#include "collector/health/health_int.h"
#include "failmalloc.h"
#include "health_srv.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* How many of the n probes are poisoned (a free place) right now. */
static size_t poisoned(struct hc_probe *const *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += __asan_address_is_poisoned(p[i]) != 0;
	return k;
}
#endif

/* Real server i: 127.0.1.0 upwards, port 1 (nothing is started here). */
static void rs_spec(struct lvs_check_spec *s, size_t i)
{
	union lvs_addr a;
	memset(&a, 0, sizeof(a));
	a.v4.s_addr = htonl((127u << 24) | (uint32_t)(256 + i));
	health_spec_init(s, AF_INET, &a, 1);
}

static void test_template_shared(void)
{
	struct lvs_check_set *set = health_set_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	enum { N = 1000 };
	static struct lvs_check_spec v[N + 3];
	for (size_t i = 0; i < N; i++)
		rs_spec(&v[i], i);
	/* three scoped HTTP checks of one service: one more template */
	for (size_t i = 0; i < 3; i++) {
		rs_spec(&v[N + i], i);
		v[N + i].type = LVS_CHECK_HTTP;
		v[N + i].http_path = "/healthz";
		v[N + i].per_service = true;
		v[N + i].svc_af = AF_INET;
		v[N + i].svc_protocol = 6;
		v[N + i].svc_port = 80;
		v[N + i].target_port = 8080;
	}
	for (size_t i = 0; i < N + 3; i++)
		CU_ASSERT_EQUAL(health_set_add(set, &v[i]), 0);
	CU_ASSERT_EQUAL(health_set_size(set), N + 3);
	CU_ASSERT_EQUAL(set->n_tmpls, 2);
	/* every spec reads back as its normal form */
	for (size_t i = 0; i < N + 3; i++) {
		struct lvs_check_spec want, got;
		char *blob;
		CU_ASSERT_EQUAL_FATAL(hc_spec_copy(&want, &blob, &v[i]), 0);
		hc_set_spec(set, i, &got);
		CU_ASSERT_TRUE(hc_spec_same(&want, &got));
		CU_ASSERT_EQUAL(got.af, want.af);
		CU_ASSERT_EQUAL(got.port, want.port);
		CU_ASSERT_EQUAL(memcmp(&got.addr, &want.addr, sizeof(got.addr)), 0);
		CU_ASSERT_EQUAL(got.target_port, i < N ? 1 : 8080);
		CU_ASSERT_EQUAL(got.per_service, want.per_service);
		CU_ASSERT_EQUAL(got.svc_port, want.svc_port);
		if (i >= N)
			CU_ASSERT_STRING_EQUAL(got.http_path, "/healthz");
		free(blob);
	}
	health_set_free(set);
}

static void test_set_errors(void)
{
	lvs_health *h = health_new(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_spec s[2];
	rs_spec(&s[0], 0);
	rs_spec(&s[1], 1);
	CU_ASSERT_EQUAL(health_set_checks(h, s, 2), 0);

	struct lvs_check_set *set = health_set_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_EQUAL(health_set_add(set, &s[0]), 0);
	struct lvs_check_spec bad = s[1];
	bad.af = 99;
	CU_ASSERT_EQUAL(health_set_add(set, &bad), -EINVAL);
	CU_ASSERT_EQUAL(health_set_size(set), 1);
	/* the set remembers its error: applying it changes nothing */
	CU_ASSERT_EQUAL(health_set_apply(h, set), -EINVAL);
	CU_ASSERT_EQUAL(health_count(h), 2);

	set = health_set_new();
	CU_ASSERT_EQUAL(health_set_add(set, &s[1]), 0);
	CU_ASSERT_EQUAL(health_set_apply(h, set), 0);
	CU_ASSERT_EQUAL(health_count(h), 1);
	health_free(h);
}

/* The persistent state of one check takes 128 bytes, with no allocation
 * header or rounding of its own (probes come in blocks), and no result
 * kept unless asked for (8 bytes each); what an attempt needs is
 * allocated while it runs. */
static void test_probe_small(void)
{
	CU_ASSERT(sizeof(struct hc_probe) <= 128);
	CU_ASSERT(sizeof(struct hc_sample) == 8);
	lvs_health *h = health_new(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(h->probe_size, sizeof(struct hc_probe));
	CU_ASSERT(h->probe_block >= 256);
	health_free(h);
	h = health_new(&(struct lvs_health_opts){ .history = 4 });
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(h->probe_size, sizeof(struct hc_probe) + 4 * sizeof(struct hc_sample));
	health_free(h);
	/* the longest history still fits one probe a block */
	struct lvs_health_opts o = { .history = HC_HISTORY_MAX };
	h = health_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(h->probe_block, 1);
	health_free(h);
}

/* 10,000 default checks, applied to a stopped engine: the probes come
 * in blocks of hundreds, plus a bounded number of allocations for the
 * set and the engine's tables (the specs share one template; no result
 * text, no attempt state). */
static void test_allocations_per_check(void)
{
	enum { N = 10000 };
	lvs_health *h = health_new(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	failmalloc_arm(0);
	struct lvs_check_set *set = health_set_new();
	for (size_t i = 0; set && i < N; i++) {
		struct lvs_check_spec s;
		rs_spec(&s, i);
		CU_ASSERT_EQUAL(health_set_add(set, &s), 0);
	}
	int r = set ? health_set_apply(h, set) : -ENOMEM;
	unsigned long allocs = failmalloc_count();
	failmalloc_disarm();
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT(allocs >= N / h->probe_block);
	CU_ASSERT(allocs <= N / h->probe_block + 64);
	struct lvs_health_stats st;
	health_stats(h, &st);
	CU_ASSERT_EQUAL(st.probes, N);
	CU_ASSERT_EQUAL(st.specs, N);
	/* nothing runs: no attempt state anywhere */
	for (size_t i = 0; i < N; i++) {
		const struct hc_probe *p = h->set->probe[i];
		CU_ASSERT_PTR_NULL(p->io);
		CU_ASSERT_PTR_NULL(p->error);
	}
	health_free(h);
}

/* A set that replaces every probe: the dropped probes' places in their
 * blocks are taken again, fresh, by the next set's probes, so a reload
 * allocates none beyond its own set's tables. Under AddressSanitizer a
 * dropped probe's place is poisoned until it is taken again, as freed
 * memory would be: a read of a dropped probe is reported. */
static void test_probes_reused(void)
{
	enum { N = 5000 };
#if defined(__SANITIZE_ADDRESS__)
	static struct hc_probe *prev[N];
#endif
	lvs_health *h = health_new(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	for (int round = 0; round < 3; round++) {
		struct lvs_check_set *set = health_set_new();
		CU_ASSERT_PTR_NOT_NULL_FATAL(set);
		for (size_t i = 0; i < N; i++) {
			struct lvs_check_spec s;
			/* each round its own real servers: every probe is new */
			rs_spec(&s, (size_t)round * N + i);
			CU_ASSERT_EQUAL(health_set_add(set, &s), 0);
		}
		failmalloc_arm(0);
		int r = health_set_apply(h, set);
		unsigned long allocs = failmalloc_count();
		failmalloc_disarm();
		CU_ASSERT_EQUAL_FATAL(r, 0);
		/* the first two rounds need blocks (both sets live while the
		 * second is applied); the third finds the first's places free */
		if (round == 2) {
			CU_ASSERT(allocs <= 16);
		} else {
			CU_ASSERT(allocs >= N / h->probe_block);
		}
		struct lvs_health_stats st;
		health_stats(h, &st);
		CU_ASSERT_EQUAL(st.probes, N);
#if defined(__SANITIZE_ADDRESS__)
		/* the last set's probes are free places now; this set's are not */
		if (round > 0)
			CU_ASSERT_EQUAL(poisoned(prev, N), N);
		CU_ASSERT_EQUAL(poisoned(h->set->probe, N), 0);
		memcpy(prev, h->set->probe, sizeof(prev));
#endif
		for (size_t i = 0; i < N; i++) {
			const struct hc_probe *p = h->set->probe[i];
			CU_ASSERT_EQUAL(p->first_user, i);
			CU_ASSERT_EQUAL(p->users, 1);
			CU_ASSERT_EQUAL(p->checks, 0);
			CU_ASSERT_EQUAL(p->ring_count, 0);
			CU_ASSERT_EQUAL(p->state, LVS_HEALTH_UNKNOWN);
			CU_ASSERT_PTR_NULL(p->io);
			CU_ASSERT_PTR_NULL(p->error);
		}
	}
	/* a set with no check gives the blocks back */
	struct lvs_check_set *none = health_set_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(none);
	CU_ASSERT_EQUAL(health_set_apply(h, none), 0);
	CU_ASSERT_PTR_NULL(h->probe_blocks);
	CU_ASSERT_PTR_NULL(h->probe_free);
	health_free(h);
}

/* An attempt's state lives while it runs and goes when it ends or is
 * abandoned; probes failing the same way share one result text. */
static void test_attempt_state_lifetime(void)
{
	struct srv *s = srv_start(AF_INET, SRV_SILENT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	uint16_t closed = closed_port(AF_INET, SOCK_STREAM);
	struct lvs_check_spec spec[3];
	spec_for(&spec[0], AF_INET, s->port, LVS_CHECK_HTTP);
	spec[0].timeout = 10; /* stays in flight until stopped */
	spec_for(&spec[1], AF_INET, closed, LVS_CHECK_TCP);
	spec_for(&spec[2], AF_INET, closed, LVS_CHECK_TCP);
	spec[2].rise = 2; /* a distinct probe, failing the same way */
	lvs_health *h = engine_with(spec, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r1, r2;
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_DOWN, 3000, &r1));
	CU_ASSERT_TRUE(wait_state(h, 2, LVS_HEALTH_DOWN, 3000, &r2));
	CU_ASSERT_STRING_EQUAL(r1.error, "connect: Connection refused");
	CU_ASSERT_STRING_EQUAL(r2.error, r1.error);
	/* the HTTP check is waiting for its answer */
	struct lvs_health_stats st;
	bool running = false;
	for (int t = 0; t < 300 && !running; t++) {
		health_stats(h, &st);
		running = st.running >= 1 && atomic_load(&s->accepted) >= 1;
		if (!running)
			hc_test_msleep(10);
	}
	CU_ASSERT_TRUE(running);
	health_stop(h);
	/* stopped: the engine's state is ours to read */
	for (size_t i = 0; i < 3; i++) {
		CU_ASSERT_PTR_NULL(h->set->probe[i]->io);
		CU_ASSERT_EQUAL(h->set->probe[i]->phase, HC_IDLE);
	}
	CU_ASSERT_PTR_NOT_NULL(h->set->probe[1]->error);
	CU_ASSERT_PTR_EQUAL(h->set->probe[1]->error, h->set->probe[2]->error);
	CU_ASSERT_EQUAL(h->n_texts, 1);
	health_free(h);
	srv_stop(s);
}

int register_health_mem(void)
{
	CU_pSuite s = CU_add_suite("health memory", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "specs share one template", test_template_shared) ||
	    !CU_add_test(s, "a refused spec refuses the set", test_set_errors) ||
	    !CU_add_test(s, "a probe in 128 bytes, in blocks, history asked for", test_probe_small) ||
	    !CU_add_test(s, "probes in blocks, not one allocation each",
			 test_allocations_per_check) ||
	    !CU_add_test(s, "a replaced set's probe places taken again", test_probes_reused) ||
	    !CU_add_test(s, "attempt state while running only", test_attempt_state_lifetime))
		return -1;
	return 0;
}
