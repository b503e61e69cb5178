#include <CUnit/CUnit.h>
#include <time.h>

#include "share/clock.h"

static void test_mono_units_agree(void)
{
	int64_t ns = clock_mono_ns();
	int64_t ms = clock_mono_ms();
	double s = clock_mono_s();
	int64_t ns2 = clock_mono_ns();
	CU_ASSERT(ns > 0);
	CU_ASSERT(ns2 >= ns);
	CU_ASSERT(ms >= ns / 1000000 && ms <= ns2 / 1000000);
	CU_ASSERT(s >= (double)ns / 1e9 - 1e-6 && s <= (double)ns2 / 1e9 + 1e-6);
}

static void test_wall_is_epoch(void)
{
	time_t t = time(NULL);
	double w = clock_wall_s();
	int64_t ms = clock_wall_ms();
	CU_ASSERT(w >= (double)t - 1 && w <= (double)t + 2);
	CU_ASSERT(ms / 1000 >= (int64_t)t - 1 && ms / 1000 <= (int64_t)t + 2);
}

static void test_after(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	struct timespec d = clock_after(CLOCK_MONOTONIC, 2500000000LL);
	double dt = (double)(d.tv_sec - now.tv_sec) + (double)(d.tv_nsec - now.tv_nsec) / 1e9;
	CU_ASSERT(dt >= 2.5 && dt < 3.5); /* 2.5 s, plus however long this thread was preempted */
	CU_ASSERT(d.tv_nsec >= 0 && d.tv_nsec < 1000000000);
}

static int64_t fixed(void *ctx)
{
	return *(int64_t *)ctx * 2;
}

static void test_injectable(void)
{
	/* NULL means the real monotonic clock. */
	int64_t a = clock_mono_ns();
	int64_t b = lvs_clock_ns(NULL);
	struct lvs_clock none = { 0 };
	int64_t c = lvs_clock_ns(&none);
	CU_ASSERT(b >= a && c >= b);

	int64_t t = 1000;
	struct lvs_clock m = lvs_manual_clock(&t);
	CU_ASSERT_EQUAL(lvs_clock_ns(&m), 1000);
	lvs_manual_clock_advance(&t, 5000000000LL);
	CU_ASSERT_EQUAL(lvs_clock_ns(&m), 5000001000LL);

	int64_t k = 21;
	struct lvs_clock f = { fixed, &k };
	CU_ASSERT_EQUAL(lvs_clock_ns(&f), 42);
}

int register_clock(void)
{
	CU_pSuite s = CU_add_suite("clock", NULL, NULL);
	if (!s || !CU_add_test(s, "monotonic units agree", test_mono_units_agree) ||
	    !CU_add_test(s, "wall clock is the epoch's", test_wall_is_epoch) ||
	    !CU_add_test(s, "deadline after", test_after) ||
	    !CU_add_test(s, "injectable clock", test_injectable))
		return -1;
	return 0;
}
