/* Tests for the zoom levels and keys of the detail view. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "console/app.h"
#include "console/panel_zoom.h"

static void test_levels(void)
{
	CU_ASSERT_PTR_NULL(zoom_range(ZOOM_RINGS));
	CU_ASSERT_STRING_EQUAL(zoom_range(ZOOM_HOUR), "1h");
	CU_ASSERT_STRING_EQUAL(zoom_range(ZOOM_DAY), "1d");
	CU_ASSERT_STRING_EQUAL(zoom_range(ZOOM_WEEK), "1w");
	CU_ASSERT_STRING_EQUAL(zoom_range(ZOOM_MONTH), "1mo"); /* lvsd refuses "1m" as ambiguous */
	CU_ASSERT_PTR_NULL(zoom_range(ZOOM_LEVELS));
	CU_ASSERT_DOUBLE_EQUAL(zoom_span(ZOOM_HOUR), 3600, 0);
	CU_ASSERT_DOUBLE_EQUAL(zoom_span(ZOOM_MONTH), 30 * 86400, 0);
	CU_ASSERT_DOUBLE_EQUAL(zoom_span(ZOOM_RINGS), 0, 0);
	/* Each level wider than the one before. */
	for (int l = ZOOM_HOUR + 1; l < ZOOM_LEVELS; l++)
		CU_ASSERT(zoom_span(l) > zoom_span(l - 1));
}

static void test_keys(void)
{
	static struct app a;
	memset(&a, 0, sizeof(a));
	CU_ASSERT_EQUAL(zoom_key(&a, '+'), 0); /* already at the rings */
	CU_ASSERT_EQUAL(a.zoom, ZOOM_RINGS);
	for (int l = ZOOM_HOUR; l < ZOOM_LEVELS; l++) {
		CU_ASSERT_EQUAL(zoom_key(&a, '-'), REDO_DRAW);
		CU_ASSERT_EQUAL(a.zoom, l);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(a.message, "last month"));
	CU_ASSERT_EQUAL(zoom_key(&a, '-'), 0); /* no wider than a month */
	CU_ASSERT_EQUAL(a.zoom, ZOOM_MONTH);
	a.scroll[VIEW_DETAIL] = 12;
	CU_ASSERT_EQUAL(zoom_key(&a, '='), REDO_DRAW);
	CU_ASSERT_EQUAL(a.zoom, ZOOM_WEEK);
	CU_ASSERT_EQUAL(a.scroll[VIEW_DETAIL], 0); /* the charts start on screen */
}

int register_panel_zoom(void)
{
	CU_pSuite s = CU_add_suite("console zoom levels", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "ranges", test_levels) || !CU_add_test(s, "keys", test_keys))
		return -1;
	return 0;
}
