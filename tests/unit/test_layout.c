/* Tests for the console's column layout: which columns an 80- and a
 * 200-column terminal get, where they sit, and that no width overflows. */
#include <CUnit/CUnit.h>
#include <errno.h>

#include "console/layout.h"

static void expect_col(const struct layout *l, int i, enum col_id id, int x, int w)
{
	CU_ASSERT_FATAL(i < l->n);
	CU_ASSERT_EQUAL(l->col[i].id, id);
	CU_ASSERT_EQUAL(l->col[i].x, x);
	CU_ASSERT_EQUAL(l->col[i].w, w);
}

static void test_80(void)
{
	struct layout l;
	CU_ASSERT_EQUAL_FATAL(layout_compute(80, false, &l), 0);
	/* By priority: name, active, conn/s, weight, sched, proto, bytes in
	 * and out fit (74 columns); inactive would need 81: the 6 spare
	 * columns go to the name. */
	CU_ASSERT_EQUAL_FATAL(l.n, 8);
	expect_col(&l, 0, COL_PROTO, 0, 5);
	expect_col(&l, 1, COL_NAME, 6, 30);
	expect_col(&l, 2, COL_SCHED, 37, 6);
	expect_col(&l, 3, COL_WEIGHT, 44, 6);
	expect_col(&l, 4, COL_ACTIVE, 51, 6);
	expect_col(&l, 5, COL_CPS, 58, 6);
	expect_col(&l, 6, COL_INBPS, 65, 7);
	expect_col(&l, 7, COL_OUTBPS, 73, 7);
	CU_ASSERT_EQUAL(l.width, 80);
	CU_ASSERT_EQUAL(layout_find(&l, COL_SPARK), -1);
	CU_ASSERT_EQUAL(layout_find(&l, COL_INACT), -1);
	CU_ASSERT_EQUAL(layout_find(&l, COL_CPS), 5);
}

static void test_200(void)
{
	struct layout l;
	CU_ASSERT_EQUAL_FATAL(layout_compute(200, false, &l), 0);
	/* Every column (123 columns of minimum width and 15 gaps); the name
	 * grows to its maximum (48), the sparkline takes the rest (48). */
	CU_ASSERT_EQUAL_FATAL(l.n, COL_COUNT);
	for (int i = 0; i < l.n; i++)
		CU_ASSERT_EQUAL(l.col[i].id, (enum col_id)i);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_NAME)].w, 48);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_SPARK)].w, 48);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_INPPS)].w, 6);
	CU_ASSERT_EQUAL(l.width, 200);
	expect_col(&l, 0, COL_PROTO, 0, 5);
	expect_col(&l, 1, COL_NAME, 6, 48);
	expect_col(&l, COL_COUNT - 1, COL_SPARK, 152, 48);
}

static void test_exact_widens(void)
{
	struct layout l;
	CU_ASSERT_EQUAL_FATAL(layout_compute(80, true, &l), 0);
	/* Raw numbers need room: bytes/s no longer fits at 80. */
	CU_ASSERT_EQUAL(layout_find(&l, COL_INBPS), -1);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_ACTIVE)].w, 10);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_NAME)].w, 37);
	CU_ASSERT_EQUAL(l.width, 80);
}

static void test_every_width(void)
{
	for (int w = 24; w <= 400; w++) {
		struct layout l;
		for (int exact = 0; exact < 2; exact++) {
			CU_ASSERT_EQUAL_FATAL(layout_compute(w, exact, &l), 0);
			CU_ASSERT(l.width <= w);
			CU_ASSERT(layout_find(&l, COL_NAME) >= 0);
			int end = -1;
			for (int i = 0; i < l.n; i++) {
				CU_ASSERT(l.col[i].x > end); /* in order, no overlap */
				CU_ASSERT(l.col[i].w >= col_defs[l.col[i].id].min);
				end = l.col[i].x + l.col[i].w - 1;
			}
			CU_ASSERT(end < w);
		}
	}
}

static void test_too_narrow(void)
{
	struct layout l;
	CU_ASSERT_EQUAL(layout_compute(10, false, &l), -EINVAL);
	CU_ASSERT_EQUAL(l.n, 0);
}

static void test_priorities_unique(void)
{
	bool seen[COL_COUNT] = { 0 };
	for (int i = 0; i < COL_COUNT; i++) {
		CU_ASSERT_FATAL(col_defs[i].prio >= 0 && col_defs[i].prio < COL_COUNT);
		CU_ASSERT_FALSE(seen[col_defs[i].prio]);
		seen[col_defs[i].prio] = true;
		CU_ASSERT(col_defs[i].max >= col_defs[i].min);
		CU_ASSERT_PTR_NOT_NULL(col_defs[i].title);
	}
}

int register_layout(void)
{
	CU_pSuite s = CU_add_suite("console layout", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "80 columns", test_80) || !CU_add_test(s, "200 columns", test_200) ||
	    !CU_add_test(s, "exact numbers widen columns", test_exact_widens) ||
	    !CU_add_test(s, "every width from 24 to 400", test_every_width) ||
	    !CU_add_test(s, "too narrow", test_too_narrow) ||
	    !CU_add_test(s, "priorities are a permutation", test_priorities_unique))
		return -1;
	return 0;
}
