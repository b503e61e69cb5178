/* Tests for the history charts of the zoom. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console/zoom_chart.h"

static void test_columns(void)
{
	CU_ASSERT_EQUAL(zchart_column(0, 0, 100, 10), -1); /* (t0, t1]: t0 itself is before */
	CU_ASSERT_EQUAL(zchart_column(0.1, 0, 100, 10), 0);
	CU_ASSERT_EQUAL(zchart_column(10, 0, 100, 10), 0);
	CU_ASSERT_EQUAL(zchart_column(10.5, 0, 100, 10), 1);
	CU_ASSERT_EQUAL(zchart_column(50, 0, 100, 10), 4);
	CU_ASSERT_EQUAL(zchart_column(100, 0, 100, 10), 9);
	CU_ASSERT_EQUAL(zchart_column(100.5, 0, 100, 10), -1);
	CU_ASSERT_EQUAL(zchart_column(NAN, 0, 100, 10), -1);
}

static void test_scaling_and_gaps(void)
{
	double t[] = { 100, 200, 300, 400 }, v[] = { 0, 5, NAN, 10 };
	struct zchart *c = malloc(sizeof(*c));
	CU_ASSERT_EQUAL_FATAL(zchart_render(t, v, 4, 0, 400, 4, 2, true, false, c), 0);
	CU_ASSERT_EQUAL(c->width, 4);
	CU_ASSERT_EQUAL(c->height, 2);
	CU_ASSERT_DOUBLE_EQUAL(c->max, 10, 1e-12);
	CU_ASSERT_EQUAL(c->columns_known, 3);
	/* Half of max fills the bottom row of two; max fills both. */
	CU_ASSERT_STRING_EQUAL(c->rows[0], "     10 \u2502   \u2588");
	CU_ASSERT_STRING_EQUAL(c->rows[1], "      0 \u2502 \u2588 \u2588");
	CU_ASSERT_EQUAL_FATAL(zchart_render(t, v, 4, 0, 400, 4, 2, false, false, c), 0);
	CU_ASSERT_STRING_EQUAL(c->rows[0], "     10 |   #");
	CU_ASSERT_STRING_EQUAL(c->rows[1], "      0 | # #");

	/* Eighths: 1/16 of max in a chart two rows high is one eighth. */
	double t2[] = { 1, 2 }, v2[] = { 1, 16 };
	CU_ASSERT_EQUAL_FATAL(zchart_render(t2, v2, 2, 0, 2, 2, 2, true, true, c), 0);
	CU_ASSERT_STRING_EQUAL(c->rows[0], "   16.0 \u2502 \u2588");
	CU_ASSERT_STRING_EQUAL(c->rows[1], "      0 \u2502\u2581\u2588");
	free(c);
}

static void test_average_and_window(void)
{
	/* Two rows in one column average; rows outside the window and
	 * negative values do not raise the scale. */
	double t[] = { -50, 10, 40, 100, 150 }, v[] = { 1000, 2, 4, 6, 1000 };
	struct zchart *c = malloc(sizeof(*c));
	CU_ASSERT_EQUAL_FATAL(zchart_render(t, v, 5, 0, 100, 2, 1, false, true, c), 0);
	CU_ASSERT_DOUBLE_EQUAL(c->max, 6, 1e-12);
	CU_ASSERT_EQUAL(c->columns_known, 2);
	/* 3 of 6 in a one-row chart: four eighths, '-' in ASCII (exact labels:
	 * fmt_rate's one decimal). */
	CU_ASSERT_STRING_EQUAL(c->rows[0], "    6.0 |-#");
	double tn[] = { 50 }, vn[] = { -3 };
	CU_ASSERT_EQUAL_FATAL(zchart_render(tn, vn, 1, 0, 100, 2, 1, false, true, c), 0);
	CU_ASSERT_DOUBLE_EQUAL(c->max, 0, 0);
	CU_ASSERT_EQUAL(c->columns_known, 1);
	/* No rows at all: an empty chart, not an error. */
	CU_ASSERT_EQUAL_FATAL(zchart_render(NULL, NULL, 0, 0, 100, 3, 1, false, true, c), 0);
	CU_ASSERT_EQUAL(c->columns_known, 0);
	CU_ASSERT_STRING_EQUAL(c->rows[0], "    0.0 |   ");
	free(c);
}

static void test_axis_and_errors(void)
{
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	setenv("TZ", "UTC", 1);
	tzset();
	struct zchart *c = malloc(sizeof(*c));
	/* 2025-11-21 04:40 to 05:40 UTC over 40 columns. */
	CU_ASSERT_EQUAL_FATAL(zchart_render(NULL, NULL, 0, 1763700000, 1763703600, 40, 3, true, false, c), 0);
	CU_ASSERT_EQUAL(strlen(c->axis), (size_t)(ZCHART_LABEL_W + 1 + 40));
	CU_ASSERT_EQUAL(strncmp(c->axis + ZCHART_LABEL_W + 1, "04:40", 5), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(c->axis, " 05:10 "));
	CU_ASSERT_STRING_EQUAL(c->axis + strlen(c->axis) - 5, "05:40");
	/* A week: days named. */
	CU_ASSERT_EQUAL_FATAL(zchart_render(NULL, NULL, 0, 1763700000 - 6 * 86400, 1763700000, 60, 3, true, false, c), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(c->axis, "Sat 04:40"));
	CU_ASSERT_PTR_NOT_NULL(strstr(c->axis, "Fri 04:40"));
	/* Too narrow for the middle label: only the ends. */
	CU_ASSERT_EQUAL_FATAL(zchart_render(NULL, NULL, 0, 1763700000, 1763703600, 12, 1, true, false, c), 0);
	CU_ASSERT_PTR_NULL(strstr(c->axis, "05:10"));
	CU_ASSERT_PTR_NOT_NULL(strstr(c->axis, "05:40"));

	CU_ASSERT_EQUAL(zchart_render(NULL, NULL, 0, 0, 100, 1, 3, true, false, c), -EINVAL);
	CU_ASSERT_EQUAL(zchart_render(NULL, NULL, 0, 0, 100, 10, 0, true, false, c), -EINVAL);
	CU_ASSERT_EQUAL(zchart_render(NULL, NULL, 0, 100, 100, 10, 3, true, false, c), -EINVAL);
	/* Clamped to the most the struct holds. */
	CU_ASSERT_EQUAL(zchart_render(NULL, NULL, 0, 0, 100, 10000, 100, true, false, c), 0);
	CU_ASSERT_EQUAL(c->width, ZCHART_MAX_W);
	CU_ASSERT_EQUAL(c->height, ZCHART_MAX_H);
	free(c);
	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

int register_zoom_chart(void)
{
	CU_pSuite s = CU_add_suite("console zoom chart", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "columns by time", test_columns) ||
	    !CU_add_test(s, "scaling and gaps", test_scaling_and_gaps) ||
	    !CU_add_test(s, "averages and window", test_average_and_window) ||
	    !CU_add_test(s, "time axis, errors", test_axis_and_errors))
		return -1;
	return 0;
}
