#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "failmalloc.h"
#include "share/buf.h"

static void test_append_and_printf(void)
{
	struct lvs_buf b = LVS_BUF_INIT;
	CU_ASSERT_EQUAL(buf_puts(&b, "ab"), 0);
	CU_ASSERT_EQUAL(buf_append(&b, "c\0d", 3), 0);
	CU_ASSERT_EQUAL(b.len, 5);
	CU_ASSERT_EQUAL(memcmp(b.p, "abc\0d", 6), 0); /* NUL kept after */
	CU_ASSERT_EQUAL(buf_printf(&b, "-%d-%s", 42, "x"), 0);
	CU_ASSERT_EQUAL(b.len, 10);
	CU_ASSERT_STRING_EQUAL(b.p + 4, "d-42-x");
	buf_free(&b);
	CU_ASSERT_PTR_NULL(b.p);
	CU_ASSERT_EQUAL(b.len, 0);
}

static void test_growth_keeps_contents(void)
{
	struct lvs_buf b;
	buf_init(&b);
	/* Far past the first allocation, through printf's retry path. */
	for (int i = 0; i < 5000; i++)
		CU_ASSERT_EQUAL_FATAL(buf_printf(&b, "%04d,", i), 0);
	CU_ASSERT_EQUAL(b.len, 25000);
	CU_ASSERT_EQUAL(strncmp(b.p, "0000,0001,", 10), 0);
	CU_ASSERT_STRING_EQUAL(b.p + b.len - 5, "4999,");
	CU_ASSERT(b.cap > b.len);
	buf_free(&b);
}

static void test_reserve_reset(void)
{
	struct lvs_buf b = LVS_BUF_INIT;
	CU_ASSERT_EQUAL(buf_reserve(&b, 1000), 0);
	CU_ASSERT(b.cap >= 1001);
	char *p = b.p;
	size_t cap = b.cap;
	CU_ASSERT_EQUAL(buf_append(&b, "x", 1), 0);
	CU_ASSERT_PTR_EQUAL(b.p, p); /* reserved: no move */
	buf_reset(&b);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_EQUAL(b.cap, cap);
	CU_ASSERT_STRING_EQUAL(b.p, "");
	CU_ASSERT_EQUAL(buf_reserve(&b, SIZE_MAX), -ENOMEM);
	CU_ASSERT_EQUAL(b.cap, cap);
	buf_free(&b);
}

static void test_steal(void)
{
	struct lvs_buf b = LVS_BUF_INIT;
	size_t n = 99;
	char *s = buf_steal(&b, &n); /* nothing appended: a fresh "" */
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, "");
	CU_ASSERT_EQUAL(n, 0);
	free(s);
	CU_ASSERT_EQUAL(buf_puts(&b, "hello"), 0);
	s = buf_steal(&b, &n);
	CU_ASSERT_STRING_EQUAL(s, "hello");
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_PTR_NULL(b.p);
	CU_ASSERT_EQUAL(b.len, 0);
	free(s);
}

/* A failed growth leaves the buffer as it was. */
static void test_enomem_keeps_buffer(void)
{
	struct lvs_buf b = LVS_BUF_INIT;
	CU_ASSERT_EQUAL(buf_puts(&b, "keep"), 0);
	size_t cap = b.cap;
	char big[200];
	memset(big, 'z', sizeof(big));
	failmalloc_arm(1);
	int r1 = buf_append(&b, big, sizeof(big));
	failmalloc_arm(1);
	int r2 = buf_printf(&b, "%.*s", (int)sizeof(big), big);
	failmalloc_disarm();
	CU_ASSERT_EQUAL(r1, -ENOMEM);
	CU_ASSERT_EQUAL(r2, -ENOMEM);
	CU_ASSERT_EQUAL(b.len, 4);
	CU_ASSERT_EQUAL(b.cap, cap);
	CU_ASSERT_STRING_EQUAL(b.p, "keep");
	buf_free(&b);
	failmalloc_arm(1);
	char *s = buf_steal(&b, NULL);
	failmalloc_disarm();
	CU_ASSERT_PTR_NULL(s);
}

int register_buf(void)
{
	CU_pSuite s = CU_add_suite("buf", NULL, NULL);
	if (!s || !CU_add_test(s, "append and printf", test_append_and_printf) ||
	    !CU_add_test(s, "growth keeps contents", test_growth_keeps_contents) ||
	    !CU_add_test(s, "reserve and reset", test_reserve_reset) ||
	    !CU_add_test(s, "steal", test_steal) ||
	    !CU_add_test(s, "ENOMEM keeps the buffer", test_enomem_keeps_buffer))
		return -1;
	return 0;
}
