/* Tests for --remote's URL list. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "console/remote.h"

static void test_parse_urls(void)
{
	char out[REMOTE_MAX][REMOTE_URL_MAX], err[300];
	const char *two[] = { "127.0.0.1:9587", "http://lb1b.example.net:9587/" };
	CU_ASSERT_EQUAL(remote_parse_urls(two, 2, out, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out[0], "http://127.0.0.1:9587");
	CU_ASSERT_STRING_EQUAL(out[1], "http://lb1b.example.net:9587");

	CU_ASSERT_EQUAL(remote_parse_urls(two, 0, out, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at least one"));
	/* The same director twice, spelt differently. */
	const char *dup[] = { "127.0.0.1:9587", "http://127.0.0.1:9587/" };
	CU_ASSERT_EQUAL(remote_parse_urls(dup, 2, out, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "given twice"));
	const char *bad[] = { "127.0.0.1:9587", "ftp://x:1" };
	CU_ASSERT_EQUAL(remote_parse_urls(bad, 2, out, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "ftp://x:1"));
	const char *many[REMOTE_MAX + 1];
	char buf[REMOTE_MAX + 1][32];
	for (int i = 0; i <= REMOTE_MAX; i++) {
		snprintf(buf[i], sizeof(buf[i]), "127.0.0.1:%d", 9000 + i);
		many[i] = buf[i];
	}
	CU_ASSERT_EQUAL(remote_parse_urls(many, REMOTE_MAX, out, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(remote_parse_urls(many, REMOTE_MAX + 1, out, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at most"));
}

int register_remote(void)
{
	CU_pSuite s = CU_add_suite("console remote", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "URL list", test_parse_urls))
		return -1;
	return 0;
}
