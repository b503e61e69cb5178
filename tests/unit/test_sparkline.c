/* Tests for sparkline and chart scaling. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <string.h>

#include "console/sparkline.h"

static void test_level(void)
{
	CU_ASSERT_EQUAL(spark_level(0, 10), 0);
	CU_ASSERT_EQUAL(spark_level(-1, 10), 0);
	CU_ASSERT_EQUAL(spark_level(NAN, 10), 0);
	CU_ASSERT_EQUAL(spark_level(5, 0), 0);
	CU_ASSERT_EQUAL(spark_level(10, 10), 8);
	CU_ASSERT_EQUAL(spark_level(20, 10), 8);
	CU_ASSERT_EQUAL(spark_level(5, 10), 4);
	CU_ASSERT_EQUAL(spark_level(1e-9, 10), 1); /* any traffic shows */
	CU_ASSERT_EQUAL(spark_level(1.26, 10), 2);
	/* Monotonic. */
	int last = 0;
	for (double v = 0; v <= 10; v += 0.01) {
		int l = spark_level(v, 10);
		CU_ASSERT(l >= last);
		last = l;
	}
}

static void test_scale(void)
{
	double v[] = { 0, 1, 2, 4, 8 };
	int lv[8];
	double max = spark_max(v, 5);
	CU_ASSERT_DOUBLE_EQUAL(max, 8, 1e-12);
	/* Fewer samples than cells: right-aligned, -1 before. */
	spark_scale(v, 5, max, lv, 8);
	int want[] = { -1, -1, -1, 0, 1, 2, 4, 8 };
	CU_ASSERT_EQUAL(memcmp(lv, want, sizeof(want)), 0);
	/* More samples than cells: the newest. */
	spark_scale(v, 5, max, lv, 3);
	CU_ASSERT_EQUAL(lv[0], 2);
	CU_ASSERT_EQUAL(lv[1], 4);
	CU_ASSERT_EQUAL(lv[2], 8);
	CU_ASSERT_DOUBLE_EQUAL(spark_max(v, 0), 0, 0);
	double neg[] = { -1, NAN, -3 };
	CU_ASSERT_DOUBLE_EQUAL(spark_max(neg, 3), 0, 0);
}

static void test_chart(void)
{
	/* Half of a 5-row chart: 20 eighths: two full rows, half a row. */
	CU_ASSERT_EQUAL(spark_chart_cell(5, 10, 5, 0), 8);
	CU_ASSERT_EQUAL(spark_chart_cell(5, 10, 5, 1), 8);
	CU_ASSERT_EQUAL(spark_chart_cell(5, 10, 5, 2), 4);
	CU_ASSERT_EQUAL(spark_chart_cell(5, 10, 5, 3), 0);
	CU_ASSERT_EQUAL(spark_chart_cell(5, 10, 5, 4), 0);
	for (int r = 0; r < 5; r++)
		CU_ASSERT_EQUAL(spark_chart_cell(10, 10, 5, r), 8);
	CU_ASSERT_EQUAL(spark_chart_cell(0.0001, 10, 5, 0), 1);
	CU_ASSERT_EQUAL(spark_chart_cell(0.0001, 10, 5, 1), 0);
	CU_ASSERT_EQUAL(spark_chart_cell(0, 10, 5, 0), 0);
	CU_ASSERT_EQUAL(spark_chart_cell(5, 10, 5, 5), 0); /* outside */
	/* The eighths over all rows add up to the value's share. */
	for (double v = 0.5; v <= 10; v += 0.5) {
		int sum = 0;
		for (int r = 0; r < 5; r++)
			sum += spark_chart_cell(v, 10, 5, r);
		CU_ASSERT_EQUAL(sum, (int)lround(v / 10 * 40));
	}
}

static void test_glyphs_and_metrics(void)
{
	CU_ASSERT_STRING_EQUAL(spark_glyph(-1, true), " ");
	CU_ASSERT_STRING_EQUAL(spark_glyph(0, true), " ");
	CU_ASSERT_STRING_EQUAL(spark_glyph(8, true), "\u2588");
	CU_ASSERT_STRING_EQUAL(spark_glyph(1, true), "\u2581");
	CU_ASSERT_STRING_EQUAL(spark_glyph(9, true), "\u2588");
	CU_ASSERT_STRING_EQUAL(spark_glyph(8, false), "#");
	for (int l = 0; l <= 8; l++)
		CU_ASSERT_EQUAL(strlen(spark_glyph(l, false)), 1);
	struct lvs_sample s = { .cps = 3, .inpps = 4, .outpps = 5, .inbps = 6, .outbps = 7,
				.active = 8 };
	CU_ASSERT_DOUBLE_EQUAL(spark_value(&s, SPARK_CPS), 3, 0);
	CU_ASSERT_DOUBLE_EQUAL(spark_value(&s, SPARK_OUTBPS), 7, 0);
	CU_ASSERT_DOUBLE_EQUAL(spark_value(&s, SPARK_ACTIVE), 8, 0);
	s.cps = -2;
	CU_ASSERT_DOUBLE_EQUAL(spark_value(&s, SPARK_CPS), 0, 0);
	CU_ASSERT_STRING_EQUAL(spark_metric_name(SPARK_INBPS), "byte/s in");
}

int register_sparkline(void)
{
	CU_pSuite s = CU_add_suite("console sparkline", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "levels", test_level) || !CU_add_test(s, "scaling", test_scale) ||
	    !CU_add_test(s, "chart cells", test_chart) ||
	    !CU_add_test(s, "glyphs and metrics", test_glyphs_and_metrics))
		return -1;
	return 0;
}
