/* The sequence gate (share/seq_gate.h) that holds lvsd's next poll back
 * while the last publication is rendered, and the collector's before_poll
 * hook it hangs on. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "collector/collector.h"
#include "collector/snapshot.h"
#include "share/seq_gate.h"
#include "share/clock.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void test_wait_rendered(void)
{
	struct seq_gate g;
	CU_ASSERT_EQUAL_FATAL(seq_gate_init(&g, 5), 0);
	/* Publication 0 counts as rendered; a later one is rendered once done. */
	CU_ASSERT_EQUAL(seq_gate_wait(&g, 0), 0);
	seq_gate_reach(&g, 3);
	double t0 = clock_mono_s();
	CU_ASSERT_EQUAL(seq_gate_wait(&g, 2), 0);
	CU_ASSERT_EQUAL(seq_gate_wait(&g, 3), 0);
	CU_ASSERT(clock_mono_s() - t0 < 1);
	/* done never goes back. */
	seq_gate_reach(&g, 1);
	CU_ASSERT_EQUAL(seq_gate_wait(&g, 3), 0);
	CU_ASSERT_EQUAL(g.waits, 0);
	seq_gate_destroy(&g);
}

static void test_wait_bound(void)
{
	struct seq_gate g;
	CU_ASSERT_EQUAL_FATAL(seq_gate_init(&g, 0.1), 0);
	double t0 = clock_mono_s();
	CU_ASSERT_EQUAL(seq_gate_wait(&g, 1), -ETIMEDOUT);
	double took = clock_mono_s() - t0;
	CU_ASSERT(took >= 0.09 && took < 3);
	CU_ASSERT_EQUAL(g.waits, 1);
	CU_ASSERT_EQUAL(g.timeouts, 1);
	/* A new bound applies to the next wait. */
	seq_gate_set_bound(&g, 0.2);
	seq_gate_set_bound(&g, 0); /* refused: stays 0.2 */
	t0 = clock_mono_s();
	CU_ASSERT_EQUAL(seq_gate_wait(&g, 1), -ETIMEDOUT);
	CU_ASSERT(clock_mono_s() - t0 >= 0.19);
	/* Released: every wait returns at once. */
	seq_gate_release(&g);
	t0 = clock_mono_s();
	CU_ASSERT_EQUAL(seq_gate_wait(&g, 100), 0);
	CU_ASSERT(clock_mono_s() - t0 < 0.1);
	seq_gate_destroy(&g);
}

struct renderer {
	struct seq_gate *g;
	uint64_t seq;
	long after_ms;
	bool release;
};

static void *render_later(void *arg)
{
	struct renderer *r = arg;
	sleep_ms(r->after_ms);
	if (r->release)
		seq_gate_release(r->g);
	else
		seq_gate_reach(r->g, r->seq);
	return NULL;
}

static void test_wait_wakes(void)
{
	for (int release = 0; release < 2; release++) {
		struct seq_gate g;
		CU_ASSERT_EQUAL_FATAL(seq_gate_init(&g, 30), 0);
		struct renderer r = { &g, 4, 100, release };
		pthread_t th;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, render_later, &r), 0);
		double t0 = clock_mono_s();
		CU_ASSERT_EQUAL(seq_gate_wait(&g, 4), 0);
		double took = clock_mono_s() - t0;
		CU_ASSERT(took >= 0.09 && took < 10);
		CU_ASSERT_EQUAL(g.waits, 1);
		CU_ASSERT_EQUAL(g.timeouts, 0);
		pthread_join(th, NULL);
		seq_gate_destroy(&g);
	}
}

/* A source whose polls take no time and count themselves. */
struct count_source {
	struct lvs_source base;
	atomic_int polls;
};

static int count_poll(struct lvs_source *src, struct lvs_snapshot **out, char *msg, size_t len)
{
	(void)msg;
	(void)len;
	struct count_source *cs = (struct count_source *)src;
	atomic_fetch_add(&cs->polls, 1);
	struct lvs_snapshot *s = snapshot_new();
	snapshot_finish(s);
	*out = s;
	return 0;
}

static void count_destroy(struct lvs_source *src)
{
	(void)src; /* on the test's stack */
}

static const struct lvs_source_ops count_ops = { "count", count_poll, count_destroy };

struct hook {
	struct count_source *src;
	atomic_int calls, polls_before; /* polls already made at each call */
	long sleep_ms;
};

static void hook_before(void *arg)
{
	struct hook *h = arg;
	atomic_fetch_add(&h->polls_before, atomic_load(&h->src->polls));
	atomic_fetch_add(&h->calls, 1);
	sleep_ms(h->sleep_ms);
}

static void test_collector_before_poll(void)
{
	struct count_source src = { .base.ops = &count_ops };
	struct hook h = { .src = &src, .sleep_ms = 300 };
	struct lvs_collector_opts o = { .interval = 0.01, .no_rings = true,
					.before_poll = hook_before, .before_poll_arg = &h };
	lvs_collector *c = collector_new(&src.base, &o);
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_EQUAL_FATAL(collector_start(c), 0);
	struct lvs_status st;
	int tries = 0;
	do {
		sleep_ms(10);
		snapshot_unref(collector_acquire(c, &st));
	} while (st.polls < 3 && ++tries < 1000);
	collector_stop(c);
	snapshot_unref(collector_acquire(c, &st));
	int calls = atomic_load(&h.calls), polls = atomic_load(&src.polls);
	CU_ASSERT(polls >= 3);
	/* Called before every poll, each time with the earlier polls done:
	 * 0 + 1 + ... + (calls - 1). */
	CU_ASSERT(calls == polls || calls == polls + 1);
	CU_ASSERT_EQUAL(atomic_load(&h.polls_before), calls * (calls - 1) / 2);
	/* Its wait is not the poll's time. */
	CU_ASSERT(st.poll_seconds < 0.3);
	collector_free(c);
}

int register_seq_gate(void)
{
	CU_pSuite s = CU_add_suite("seq_gate", NULL, NULL);
	if (!s || !CU_add_test(s, "wait for a rendered publication", test_wait_rendered) ||
	    !CU_add_test(s, "wait bounded, released", test_wait_bound) ||
	    !CU_add_test(s, "wait woken by the renderer", test_wait_wakes) ||
	    !CU_add_test(s, "collector before_poll", test_collector_before_poll))
		return -1;
	return 0;
}
