/* Tests for the banner line and the word-aware clipping under it: the
 * missing-IPVS banner keeps its fix at 80 columns, forms get shorter as
 * the terminal narrows, and nothing drawn ends in a cut word or an open
 * parenthesis. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "console/banner.h"
#include "console/draw.h"

#define NO_IPVS                                                                       \
	"IPVS is not available: the ip_vs kernel module is not loaded or was unloaded " \
	"(load it with: modprobe ip_vs)"

static void test_short_msg(void)
{
	char out[256];
	banner_short_msg(NO_IPVS, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "IPVS is not available (load it with: modprobe ip_vs)");
	banner_short_msg("replay ended", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "replay ended");
	banner_short_msg("a: b (c", out, sizeof(out)); /* not of the shape: as it is */
	CU_ASSERT_STRING_EQUAL(out, "a: b (c");
}

static void test_stale_80(void)
{
	char out[400];
	banner_compose(BANNER_STALE, NO_IPVS, "14:02:10", "12s", 80, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, " IPVS is not available (load it with: modprobe ip_vs)  (data 12s old)");
	CU_ASSERT(draw_width(out) <= 80);
	/* Wide: the whole sentence and the time of the data. */
	banner_compose(BANNER_STALE, NO_IPVS, "14:02:10", "12s", 200, out, sizeof(out));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "was unloaded (load it with: modprobe ip_vs)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "(showing data from 14:02:10, 12s old)"));
	/* Narrow: the fix stays. */
	banner_compose(BANNER_STALE, NO_IPVS, "14:02:10", "12s", 60, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, " IPVS is not available (load it with: modprobe ip_vs)");
}

static void test_error_and_ended(void)
{
	char out[400];
	banner_compose(BANNER_ERROR, NO_IPVS, NULL, NULL, 80, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, " IPVS is not available (load it with: modprobe ip_vs)");
	banner_compose(BANNER_ERROR, NO_IPVS, NULL, NULL, 120, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, " " NO_IPVS);
	banner_compose(BANNER_ENDED, "end of the recording rec.jsonl", NULL, NULL, 80, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, " end of the recording rec.jsonl: the last snapshot stays on screen");
	banner_compose(BANNER_ENDED, "end of the recording rec.jsonl", NULL, NULL, 60, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, " end of the recording rec.jsonl: last snapshot kept");
}

static void test_fit_words(void)
{
	const char *s = "health: lvsd not reachable (connection refused) at 127.0.0.1:9587";
	CU_ASSERT_EQUAL(draw_fit_words(s, 200), strlen(s));
	/* "(connection" would be cut: the open parenthesis goes whole. */
	CU_ASSERT_EQUAL(draw_fit_words(s, 40), strlen("health: lvsd not reachable"));
	CU_ASSERT_EQUAL(draw_fit_words(s, 47), strlen("health: lvsd not reachable (connection refused)"));
	/* A cut after a blank or inside a word goes back to the word's end,
	 * without a trailing colon. */
	CU_ASSERT_EQUAL(draw_fit_words(s, 9), strlen("health"));
	CU_ASSERT_EQUAL(draw_fit_words(s, 15), strlen("health: lvsd"));
	/* One long word: cut as draw_fit would. */
	CU_ASSERT_EQUAL(draw_fit_words("abcdefgh", 3), 3);
	CU_ASSERT_EQUAL(draw_fit_words("", 3), 0);
	CU_ASSERT_EQUAL(draw_fit_words("ab cd", 0), 0);
	/* Every cut of a message ends at a word's end. */
	const char *m = "editing is off: replaying a recording";
	for (int w = (int)strlen("editing"); w < (int)strlen(m); w++) {
		size_t n = draw_fit_words(m, w);
		CU_ASSERT((int)n <= w);
		CU_ASSERT(m[n] == ' ' || m[n] == ':' || m[n] == 0);
	}
}

int register_banner(void)
{
	CU_pSuite s = CU_add_suite("console banner", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "short form: cause and fix", test_short_msg) ||
	    !CU_add_test(s, "stale banner at 80 columns keeps the fix", test_stale_80) ||
	    !CU_add_test(s, "error and end-of-recording banners", test_error_and_ended) ||
	    !CU_add_test(s, "clipping at words", test_fit_words))
		return -1;
	return 0;
}
