/* The collector's publication and error handling, driven by a scripted
 * source (the kernel itself is exercised in the lab). */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/collector.h"
#include "collector/snapshot.h"

struct script_source {
	struct lvs_source base;
	int n;          /* polls so far */
	int fail_from, fail_to; /* polls in [from, to) fail with -ENOENT */
	size_t width;   /* services per snapshot grows with n, up to width */
};

/* Each snapshot is self-describing: service i has port i, conns = n and
 * one real server per service whose conns equal n too, so a reader can
 * verify it never sees a mixture of two polls. */
static int script_poll(struct lvs_source *src, struct lvs_snapshot **out, char *msg, size_t len)
{
	struct script_source *ss = (struct script_source *)src;
	int n = ss->n++;
	if (n >= ss->fail_from && n < ss->fail_to) {
		snprintf(msg, len, "IPVS is not available: the ip_vs kernel module is not loaded");
		return -ENOENT;
	}
	struct lvs_snapshot *s = snapshot_new();
	s->time = 1000 + n;
	s->mono = 1 + n;
	size_t nsvc = 1 + (size_t)n % ss->width;
	for (size_t i = 0; i < nsvc; i++) {
		struct lvs_service svc = { .af = AF_INET, .protocol = 6, .port = (uint16_t)i };
		inet_pton(AF_INET, "192.0.2.1", &svc.addr.v4);
		svc.stats.conns = (uint64_t)n;
		snapshot_add_service(s, &svc);
		struct lvs_dest d = { .af = AF_INET, .port = 80 };
		d.stats.conns = (uint64_t)n;
		snapshot_add_dest(s, i, &d);
	}
	snapshot_finish(s);
	*out = s;
	return 0;
}

static void script_destroy(struct lvs_source *src)
{
	free(src);
}

static const struct lvs_source_ops script_ops = { "script", script_poll, script_destroy };

static struct lvs_source *script_new(int fail_from, int fail_to, size_t width)
{
	struct script_source *s = calloc(1, sizeof(*s));
	s->base.ops = &script_ops;
	s->fail_from = fail_from;
	s->fail_to = fail_to;
	s->width = width;
	return &s->base;
}

static void test_stale_and_recover(void)
{
	lvs_collector *c = collector_new(script_new(2, 4, 3), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	struct lvs_status st;
	CU_ASSERT_PTR_NULL(collector_acquire(c, &st)); /* nothing yet */
	CU_ASSERT_EQUAL(collector_poll(c), 0);
	CU_ASSERT_EQUAL(collector_poll(c), 0);
	struct lvs_snapshot *good = collector_acquire(c, &st);
	CU_ASSERT_FALSE(st.stale);
	CU_ASSERT_TRUE(good->services[0].rates_valid);
	CU_ASSERT_DOUBLE_EQUAL(good->services[0].rates.cps, 1.0, 1e-9);
	/* The module goes away: the last good snapshot stays, marked stale. */
	CU_ASSERT_EQUAL(collector_poll(c), -ENOENT);
	struct lvs_snapshot *s = collector_acquire(c, &st);
	CU_ASSERT_PTR_EQUAL(s, good);
	CU_ASSERT_TRUE(st.stale);
	CU_ASSERT_EQUAL(st.err, -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.msg, "ip_vs"));
	CU_ASSERT_EQUAL(st.errors, 1);
	snapshot_unref(s);
	CU_ASSERT_EQUAL(collector_poll(c), -ENOENT);
	/* It comes back: fresh data, the error cleared. */
	CU_ASSERT_EQUAL(collector_poll(c), 0);
	s = collector_acquire(c, &st);
	CU_ASSERT_PTR_NOT_EQUAL(s, good);
	CU_ASSERT_FALSE(st.stale);
	CU_ASSERT_EQUAL(st.err, 0);
	CU_ASSERT_EQUAL(st.polls, 5);
	CU_ASSERT_EQUAL(s->services[0].stats.conns, 4);
	snapshot_unref(s);
	snapshot_unref(good); /* still valid after later publications */
	collector_free(c);
}

struct reader_arg {
	lvs_collector *c;
	atomic_bool *stop;
	long checks, bad;
};

static void *reader(void *p)
{
	struct reader_arg *a = p;
	while (!atomic_load(a->stop)) {
		struct lvs_snapshot *s = collector_acquire(a->c, NULL);
		if (!s)
			continue;
		uint64_t n = s->services[0].stats.conns;
		for (size_t i = 0; i < s->n_services; i++) {
			const struct lvs_service *svc = &s->services[i];
			if (svc->stats.conns != n || svc->n_dests != 1 ||
			    svc->dests[0].stats.conns != n || svc->port != i)
				a->bad++;
		}
		a->checks++;
		snapshot_unref(s);
	}
	return NULL;
}

static void test_concurrent_readers(void)
{
	lvs_collector *c = collector_new(script_new(-1, -1, 200), NULL);
	atomic_bool stop = false;
	enum { R = 4 };
	pthread_t th[R];
	struct reader_arg args[R];
	for (int i = 0; i < R; i++) {
		args[i] = (struct reader_arg){ .c = c, .stop = &stop };
		pthread_create(&th[i], NULL, reader, &args[i]);
	}
	for (int i = 0; i < 2000; i++)
		CU_ASSERT_EQUAL(collector_poll(c), 0);
	atomic_store(&stop, true);
	long checks = 0, bad = 0;
	for (int i = 0; i < R; i++) {
		pthread_join(th[i], NULL);
		checks += args[i].checks;
		bad += args[i].bad;
	}
	CU_ASSERT(checks > 0);
	CU_ASSERT_EQUAL(bad, 0);
	collector_free(c);
}

static void test_poller_thread_notifies(void)
{
	struct lvs_collector_opts o = { .interval = 0.01 };
	lvs_collector *c = collector_new(script_new(-1, -1, 2), &o);
	CU_ASSERT_EQUAL_FATAL(collector_start(c), 0);
	CU_ASSERT_EQUAL(collector_start(c), -EALREADY);
	struct lvs_status st;
	int tries = 0;
	do {
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		snapshot_unref(collector_acquire(c, &st));
	} while (st.polls < 5 && ++tries < 400);
	CU_ASSERT(st.polls >= 5);
	collector_notify_drain(c);
	collector_stop(c);
	collector_free(c);
}

int register_collector(void)
{
	CU_pSuite s = CU_add_suite("collector", NULL, NULL);
	if (!s || !CU_add_test(s, "stale and recover", test_stale_and_recover) ||
	    !CU_add_test(s, "concurrent readers", test_concurrent_readers) ||
	    !CU_add_test(s, "poller thread", test_poller_thread_notifies))
		return -1;
	return 0;
}
