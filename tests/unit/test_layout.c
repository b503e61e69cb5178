/* Tests for the console's column layout: which columns an 80-, 100- and a
 * 200-column terminal get, where they sit, and that no width overflows. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

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
	CU_ASSERT_EQUAL_FATAL(layout_compute(80, false, 0, 0, &l), 0);
	/* By priority: name, active, inactive (read together, as ipvsadm's
	 * ActiveConn and InActConn), conn/s, weight, sched, proto and health
	 * fit (70 columns); bytes in and out together would need 83: the 10
	 * spare columns go to the name. */
	CU_ASSERT_EQUAL_FATAL(l.n, 8);
	expect_col(&l, 0, COL_PROTO, 0, 5);
	expect_col(&l, 1, COL_NAME, 6, 34);
	expect_col(&l, 2, COL_SCHED, 41, 6);
	expect_col(&l, 3, COL_WEIGHT, 48, 6);
	expect_col(&l, 4, COL_ACTIVE, 55, 6);
	expect_col(&l, 5, COL_INACT, 62, 5);
	expect_col(&l, 6, COL_CPS, 68, 5);
	expect_col(&l, 7, COL_HEALTH, 74, 6);
	CU_ASSERT_EQUAL(l.width, 80);
	CU_ASSERT_EQUAL(layout_find(&l, COL_SPARK), -1);
	CU_ASSERT_EQUAL(layout_find(&l, COL_INBPS), -1);
	CU_ASSERT_EQUAL(layout_find(&l, COL_OUTBPS), -1);
	CU_ASSERT_EQUAL(layout_find(&l, COL_CPS), 6);
}

static void test_100(void)
{
	struct layout l;
	CU_ASSERT_EQUAL_FATAL(layout_compute(100, false, 0, 0, &l), 0);
	/* Bytes in and out and the traffic share join (92 columns); the
	 * sparkline would need 103. Health stays. */
	CU_ASSERT_EQUAL_FATAL(l.n, 11);
	expect_col(&l, 0, COL_PROTO, 0, 5);
	expect_col(&l, 1, COL_NAME, 6, 32);
	expect_col(&l, 2, COL_SCHED, 39, 6);
	expect_col(&l, 3, COL_WEIGHT, 46, 6);
	expect_col(&l, 4, COL_ACTIVE, 53, 6);
	expect_col(&l, 5, COL_INACT, 60, 5);
	expect_col(&l, 6, COL_CPS, 66, 5);
	expect_col(&l, 7, COL_INBPS, 72, 5);
	expect_col(&l, 8, COL_OUTBPS, 78, 6);
	expect_col(&l, 9, COL_SHARE, 85, 8);
	expect_col(&l, 10, COL_HEALTH, 94, 6);
	CU_ASSERT_EQUAL(l.width, 100);
	CU_ASSERT_EQUAL(layout_find(&l, COL_SPARK), -1);
}

static void test_health_from_80(void)
{
	/* HEALTH and both connection counts on every terminal from 80
	 * columns up. */
	for (int w = 80; w <= 400; w++) {
		struct layout l;
		CU_ASSERT_EQUAL_FATAL(layout_compute(w, false, 0, 0, &l), 0);
		CU_ASSERT(layout_find(&l, COL_HEALTH) >= 0);
		CU_ASSERT(layout_find(&l, COL_ACTIVE) >= 0);
		CU_ASSERT(layout_find(&l, COL_INACT) >= 0);
	}
}

static void test_120(void)
{
	struct layout l;
	CU_ASSERT_EQUAL_FATAL(layout_compute(120, false, 0, 0, &l), 0);
	/* The sparkline joins at 103, packets in and out at 116; the
	 * persistent connections would need 122: the name takes the 4
	 * spare columns. */
	CU_ASSERT(layout_find(&l, COL_HEALTH) >= 0);
	CU_ASSERT(layout_find(&l, COL_SPARK) >= 0);
	CU_ASSERT(layout_find(&l, COL_INPPS) >= 0);
	CU_ASSERT(layout_find(&l, COL_OUTPPS) >= 0);
	CU_ASSERT_EQUAL(layout_find(&l, COL_PERSIST), -1);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_SPARK)].w, 10);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_NAME)].w, 28);
	CU_ASSERT_EQUAL(l.width, 120);
}

static void test_bytes_together(void)
{
	/* Bytes in and out come and go together: 82 columns have room for
	 * one of them only, and show neither; 83 show both. */
	struct layout l;
	CU_ASSERT_EQUAL_FATAL(layout_compute(82, false, 0, 0, &l), 0);
	CU_ASSERT_EQUAL(layout_find(&l, COL_INBPS), -1);
	CU_ASSERT_EQUAL(layout_find(&l, COL_OUTBPS), -1);
	CU_ASSERT_EQUAL_FATAL(layout_compute(83, false, 0, 0, &l), 0);
	CU_ASSERT(layout_find(&l, COL_INBPS) >= 0);
	CU_ASSERT(layout_find(&l, COL_OUTBPS) >= 0);
	CU_ASSERT_EQUAL(l.width, 83);
	CU_ASSERT_EQUAL(layout_find(&l, COL_SHARE), -1);
}

static void test_200(void)
{
	struct layout l;
	CU_ASSERT_EQUAL_FATAL(layout_compute(200, false, 0, 0, &l), 0);
	/* Every column (117 columns of minimum width and 15 gaps); the name
	 * grows to its maximum (48), the sparkline takes the rest (54); the
	 * flags, free text, come last. */
	CU_ASSERT_EQUAL_FATAL(l.n, COL_COUNT);
	for (int i = 0; i < l.n; i++)
		CU_ASSERT_EQUAL(l.col[i].id, (enum col_id)i);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_NAME)].w, 48);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_SPARK)].w, 54);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_INPPS)].w, 5);
	CU_ASSERT_EQUAL(l.width, 200);
	expect_col(&l, 0, COL_PROTO, 0, 5);
	expect_col(&l, 1, COL_NAME, 6, 48);
	expect_col(&l, COL_COUNT - 2, COL_SPARK, 136, 54);
	expect_col(&l, COL_COUNT - 1, COL_FLAGS, 191, 9);
}

static void test_name_fitted(void)
{
	/* The widest name known: the name column is as wide as it (never
	 * narrower than its short title, never wider than 48) and the
	 * spare width goes to the sparkline; what is left stays blank
	 * rather than put a gap after every name. */
	struct layout l;
	CU_ASSERT_EQUAL_FATAL(layout_compute(200, false, 30, 0, &l), 0);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_NAME)].w, 30);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_SPARK)].w, 60);
	CU_ASSERT_EQUAL(l.width, 188);
	CU_ASSERT_EQUAL_FATAL(layout_compute(200, false, 5, 0, &l), 0);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_NAME)].w, 22); /* the title */
	CU_ASSERT_EQUAL_FATAL(layout_compute(200, false, 90, 0, &l), 0);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_NAME)].w, 48);
	/* Short names leave room for more columns: at 81 bytes in and out
	 * join the 8 columns a name of unknown width leaves (83). */
	CU_ASSERT_EQUAL_FATAL(layout_compute(81, false, 18, 0, &l), 0);
	CU_ASSERT_EQUAL(l.n, 10);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_NAME)].w, 22);
	CU_ASSERT(layout_find(&l, COL_INBPS) >= 0);
	CU_ASSERT(layout_find(&l, COL_HEALTH) >= 0);
	CU_ASSERT_EQUAL(l.width, 81);
	/* A name wider than the terminal allows: the column takes the room
	 * there is, as without a known width. */
	struct layout u;
	CU_ASSERT_EQUAL_FATAL(layout_compute(80, false, 0, 0, &u), 0);
	CU_ASSERT_EQUAL_FATAL(layout_compute(80, false, 47, 0, &l), 0);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_NAME)].w, u.col[layout_find(&u, COL_NAME)].w);
}

static void test_exact_widens(void)
{
	struct layout l;
	CU_ASSERT_EQUAL_FATAL(layout_compute(80, true, 0, 0, &l), 0);
	/* Raw numbers need room: health no longer fits at 80 (the
	 * connection counts and conn/s take 10 columns each). */
	CU_ASSERT_EQUAL(layout_find(&l, COL_HEALTH), -1);
	CU_ASSERT_EQUAL(layout_find(&l, COL_INBPS), -1);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_ACTIVE)].w, 10);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_INACT)].w, 10);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_NAME)].w, 26);
	CU_ASSERT_EQUAL(l.width, 80);
}

static void test_every_width(void)
{
	for (int w = 24; w <= 400; w++) {
		struct layout l;
		for (int exact = 0; exact < 2; exact++) {
			CU_ASSERT_EQUAL_FATAL(layout_compute(w, exact, 0, 0, &l), 0);
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
	CU_ASSERT_EQUAL(layout_compute(10, false, 0, 0, &l), -EINVAL);
	CU_ASSERT_EQUAL(l.n, 0);
}

static void test_default_leaves_out(void)
{
	/* By default the two lowest-priority groups are left out, even at
	 * 200 columns; the columns after them move left. */
	struct layout l, all;
	CU_ASSERT_EQUAL_FATAL(layout_compute(200, false, 22, LAYOUT_HIDE_DEFAULT, &l), 0);
	CU_ASSERT_EQUAL_FATAL(layout_compute(200, false, 22, 0, &all), 0);
	CU_ASSERT_EQUAL(layout_find(&l, COL_PERSIST), -1);
	CU_ASSERT_EQUAL(layout_find(&l, COL_INPPS), -1);
	CU_ASSERT_EQUAL(layout_find(&l, COL_OUTPPS), -1);
	CU_ASSERT_EQUAL(l.n, COL_COUNT - 3);
	CU_ASSERT(layout_find(&l, COL_SHARE) >= 0);
	CU_ASSERT(layout_find(&l, COL_INBPS) >= 0);
	/* PERS 5, INPPS 5 and OUTPPS 6, with their gaps: 19 columns less
	 * before the sparkline. */
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_SPARK)].x + 19,
			all.col[layout_find(&all, COL_SPARK)].x);
	CU_ASSERT_EQUAL(l.col[layout_find(&l, COL_SPARK)].w, 60);
	/* The name column is never left out. */
	CU_ASSERT_EQUAL_FATAL(layout_compute(80, false, 0, ~0u, &l), 0);
	CU_ASSERT_EQUAL(l.n, 1);
	CU_ASSERT_EQUAL(l.col[0].id, COL_NAME);
}

static void test_parse_columns(void)
{
	char err[256];
	unsigned h = LAYOUT_HIDE_DEFAULT;
	CU_ASSERT_EQUAL(layout_parse_columns("+pers", &h, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(h, LAYOUT_BIT(COL_INPPS) | LAYOUT_BIT(COL_OUTPPS));
	CU_ASSERT_EQUAL(layout_parse_columns("INPPS,outpps,-share,-history", &h, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(h, LAYOUT_BIT(COL_SHARE) | LAYOUT_BIT(COL_SPARK));
	CU_ASSERT_EQUAL(layout_parse_columns("all", &h, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(h, 0u);
	CU_ASSERT_EQUAL(layout_parse_columns("default,-flags", &h, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(h, LAYOUT_HIDE_DEFAULT | LAYOUT_BIT(COL_FLAGS));
	/* Errors name what was wrong and change nothing. */
	unsigned before = h;
	CU_ASSERT_EQUAL(layout_parse_columns("cps,bogus", &h, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(h, before);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"bogus\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "outbps"));
	CU_ASSERT_EQUAL(layout_parse_columns("cps,,pers", &h, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "empty"));
	CU_ASSERT_EQUAL(layout_parse_columns("", &h, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(layout_parse_columns("-", &h, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(layout_parse_columns("-name", &h, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "name"));
	CU_ASSERT_EQUAL(layout_parse_columns("-all", &h, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not columns to leave out"));
	CU_ASSERT_EQUAL(h, before);
	/* What the user typed comes back printable. */
	CU_ASSERT_EQUAL(layout_parse_columns("\x1b[2J", &h, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(strchr(err, 0x1b));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\\x1b"));
	/* Every key is unique and has no blank or comma. */
	for (int i = 0; i < COL_COUNT; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(col_defs[i].key);
		CU_ASSERT_PTR_NULL(strpbrk(col_defs[i].key, " ,+-"));
		for (int j = 0; j < i; j++)
			CU_ASSERT(strcmp(col_defs[i].key, col_defs[j].key) != 0);
	}
}

static void test_priorities_unique(void)
{
	/* One column per priority, but packets and bytes in and out, each
	 * pair sharing one. */
	bool seen[COL_COUNT] = { 0 };
	CU_ASSERT_EQUAL(col_defs[COL_INBPS].prio, col_defs[COL_OUTBPS].prio);
	CU_ASSERT_EQUAL(col_defs[COL_INPPS].prio, col_defs[COL_OUTPPS].prio);
	for (int i = 0; i < COL_COUNT; i++) {
		CU_ASSERT_FATAL(col_defs[i].prio >= 0 && col_defs[i].prio < COL_COUNT);
		if (i == COL_OUTBPS || i == COL_OUTPPS)
			continue;
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
	if (!CU_add_test(s, "80 columns", test_80) || !CU_add_test(s, "100 columns", test_100) ||
	    !CU_add_test(s, "health, active and inactive from 80 columns", test_health_from_80) ||
	    !CU_add_test(s, "bytes in and out together", test_bytes_together) ||
	    !CU_add_test(s, "120 columns", test_120) ||
	    !CU_add_test(s, "200 columns", test_200) ||
	    !CU_add_test(s, "name fitted to the widest name", test_name_fitted) ||
	    !CU_add_test(s, "exact numbers widen columns", test_exact_widens) ||
	    !CU_add_test(s, "every width from 24 to 400", test_every_width) ||
	    !CU_add_test(s, "too narrow", test_too_narrow) ||
	    !CU_add_test(s, "PERS, INPPS, OUTPPS left out by default", test_default_leaves_out) ||
	    !CU_add_test(s, "--columns lists", test_parse_columns) ||
	    !CU_add_test(s, "priorities: one column each, in/out pairs one", test_priorities_unique))
		return -1;
	return 0;
}
