/* The console's pace on its collector: the poller reads the next snapshot
 * once the console has shown the last publication, at most a bound later. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "collector/collector.h"
#include "collector/snapshot.h"
#include "console/pace.h"
#include "share/clock.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void test_shown_and_bound(void)
{
	struct console_pace p;
	CU_ASSERT_EQUAL_FATAL(console_pace_init(&p, 0.1), 0);
	/* Nothing published yet counts as shown; so does anything up to the
	 * last publication shown. */
	CU_ASSERT_EQUAL(console_pace_wait(&p, 0), 0);
	console_pace_shown(&p, 3);
	CU_ASSERT_EQUAL(console_pace_wait(&p, 3), 0);
	console_pace_shown(&p, 1); /* never goes back */
	CU_ASSERT_EQUAL(console_pace_wait(&p, 2), 0);
	CU_ASSERT_EQUAL(p.gate.waits, 0);
	/* Not shown: the wait ends at the bound. */
	double t0 = clock_mono_s();
	CU_ASSERT_EQUAL(console_pace_wait(&p, 4), -ETIMEDOUT);
	double took = clock_mono_s() - t0;
	CU_ASSERT(took >= 0.09 && took < 3);
	CU_ASSERT_EQUAL(p.gate.waits, 1);
	CU_ASSERT_EQUAL(p.gate.timeouts, 1);
	/* Released: at once. */
	console_pace_release(&p);
	t0 = clock_mono_s();
	CU_ASSERT_EQUAL(console_pace_wait(&p, 100), 0);
	CU_ASSERT(clock_mono_s() - t0 < 0.1);
	console_pace_destroy(&p);
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
	if (s)
		snapshot_finish(s);
	*out = s;
	return s ? 0 : -ENOMEM;
}

static void count_destroy(struct lvs_source *src)
{
	(void)src; /* on the test's stack */
}

static const struct lvs_source_ops count_ops = { "count", count_poll, count_destroy };

/* A collector polling every 10 ms, paced with a bound of 5 s: after its
 * first publication it polls again only once that publication is shown. */
static void test_paces_the_poller(void)
{
	struct console_pace p;
	CU_ASSERT_EQUAL_FATAL(console_pace_init(&p, 5.0), 0);
	struct count_source src = { .base.ops = &count_ops };
	struct lvs_collector_opts o = { .interval = 0.01, .no_rings = true,
					.before_poll = console_pace_before_poll, .before_poll_arg = &p };
	lvs_collector *c = collector_new(&src.base, &o);
	CU_ASSERT_FATAL(c != NULL);
	p.col = c;
	CU_ASSERT_EQUAL_FATAL(collector_start(c), 0);
	for (int i = 0; i < 500 && atomic_load(&src.polls) < 1; i++)
		sleep_ms(10);
	sleep_ms(300); /* thirty intervals */
	CU_ASSERT_EQUAL(atomic_load(&src.polls), 1);
	struct lvs_status st;
	snapshot_unref(collector_acquire(c, &st));
	CU_ASSERT_EQUAL(st.seq, 1);
	/* Shown: the next poll follows, well before the bound. */
	double t0 = clock_mono_s();
	console_pace_shown(&p, st.seq);
	while (atomic_load(&src.polls) < 2 && clock_mono_s() - t0 < 4)
		sleep_ms(5);
	CU_ASSERT_EQUAL(atomic_load(&src.polls), 2);
	CU_ASSERT_EQUAL(p.gate.timeouts, 0);
	/* Released (the console quits): polls go on at the interval. */
	console_pace_release(&p);
	t0 = clock_mono_s();
	while (atomic_load(&src.polls) < 5 && clock_mono_s() - t0 < 4)
		sleep_ms(5);
	CU_ASSERT(atomic_load(&src.polls) >= 5);
	collector_stop(c);
	collector_free(c);
	console_pace_destroy(&p);
}

int register_pace(void)
{
	CU_pSuite s = CU_add_suite("console pace", NULL, NULL);
	if (!s || !CU_add_test(s, "shown, bound, released", test_shown_and_bound) ||
	    !CU_add_test(s, "the poller waits for the console", test_paces_the_poller))
		return -1;
	return 0;
}
