#include <CUnit/CUnit.h>

#include "collector/ring.h"

static struct lvs_sample smp(double t)
{
	return (struct lvs_sample){ .t = t, .cps = (float)t };
}

static void test_empty(void)
{
	struct lvs_ring r;
	CU_ASSERT_EQUAL_FATAL(ring_init(&r, 4), 0);
	struct lvs_sample out[4];
	CU_ASSERT_EQUAL(ring_copy(&r, out, 4), 0);
	CU_ASSERT_PTR_NULL(ring_last(&r));
	ring_done(&r);
}

static void test_fill_and_wrap(void)
{
	struct lvs_ring r;
	CU_ASSERT_EQUAL_FATAL(ring_init(&r, 4), 0);
	for (int i = 1; i <= 3; i++) {
		struct lvs_sample s = smp(i);
		ring_push(&r, &s);
	}
	struct lvs_sample out[8];
	CU_ASSERT_EQUAL(ring_copy(&r, out, 8), 3);
	CU_ASSERT_EQUAL(out[0].t, 1);
	CU_ASSERT_EQUAL(out[2].t, 3);
	for (int i = 4; i <= 10; i++) {
		struct lvs_sample s = smp(i);
		ring_push(&r, &s);
	}
	/* Only the newest four survive, oldest first. */
	CU_ASSERT_EQUAL(ring_copy(&r, out, 8), 4);
	CU_ASSERT_EQUAL(out[0].t, 7);
	CU_ASSERT_EQUAL(out[1].t, 8);
	CU_ASSERT_EQUAL(out[3].t, 10);
	CU_ASSERT_EQUAL(ring_last(&r)->t, 10);
	/* Asking for fewer gives the newest ones. */
	CU_ASSERT_EQUAL(ring_copy(&r, out, 2), 2);
	CU_ASSERT_EQUAL(out[0].t, 9);
	CU_ASSERT_EQUAL(out[1].t, 10);
	ring_done(&r);
}

static void test_capacity_one(void)
{
	struct lvs_ring r;
	CU_ASSERT_EQUAL_FATAL(ring_init(&r, 1), 0);
	struct lvs_sample a = smp(1), b = smp(2), out[2];
	ring_push(&r, &a);
	ring_push(&r, &b);
	CU_ASSERT_EQUAL(ring_copy(&r, out, 2), 1);
	CU_ASSERT_EQUAL(out[0].t, 2);
	CU_ASSERT_EQUAL(ring_last(&r)->t, 2);
	ring_done(&r);
}

int register_ring(void)
{
	CU_pSuite s = CU_add_suite("ring", NULL, NULL);
	if (!s || !CU_add_test(s, "empty", test_empty) ||
	    !CU_add_test(s, "fill and wrap", test_fill_and_wrap) ||
	    !CU_add_test(s, "capacity one", test_capacity_one))
		return -1;
	return 0;
}
