#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failmalloc.h"

static void test_nth_fails(void)
{
	failmalloc_arm(3);
	void *a = malloc(8), *b = calloc(1, 8), *c = strdup("x"), *d = realloc(NULL, 8);
	bool fired = failmalloc_fired();
	unsigned long n = failmalloc_count();
	failmalloc_disarm();
	CU_ASSERT_PTR_NOT_NULL(a);
	CU_ASSERT_PTR_NOT_NULL(b);
	CU_ASSERT_PTR_NULL(c); /* the third */
	CU_ASSERT_PTR_NOT_NULL(d);
	CU_ASSERT_TRUE(fired);
	CU_ASSERT_EQUAL(n, 4);
	free(a);
	free(b);
	free(d);
	/* Disarmed: nothing fails. */
	void *e = malloc(1);
	CU_ASSERT_PTR_NOT_NULL(e);
	free(e);
}

static void test_asprintf(void)
{
	char *s = NULL;
	failmalloc_arm(1);
	int r = asprintf(&s, "%d", 5);
	failmalloc_disarm();
	CU_ASSERT_EQUAL(r, -1);
	CU_ASSERT_EQUAL(asprintf(&s, "%d", 5), 1);
	free(s);
}

static void *other_thread(void *arg)
{
	*(void **)arg = malloc(16);
	return NULL;
}

static void test_other_threads_untouched(void)
{
	void *p = NULL;
	pthread_t t;
	failmalloc_arm(1);
	/* pthread_create allocates inside libc, which is not wrapped. */
	int r = pthread_create(&t, NULL, other_thread, &p);
	if (!r)
		pthread_join(t, NULL);
	bool fired = failmalloc_fired();
	failmalloc_disarm();
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_FALSE(fired);
	CU_ASSERT_PTR_NOT_NULL(p);
	free(p);
}

/* Three allocations, all freed on every path. */
static int three(void *ctx)
{
	int *mode = ctx;
	char *a = malloc(4), *b = NULL, *c = NULL;
	int r = -ENOMEM;
	if (!a || !(b = malloc(4)) || !(c = malloc(4)))
		goto out;
	r = 0;
out:
	free(a);
	free(b);
	free(c);
	if (r && *mode == 1)
		return -EIO; /* a wrong error */
	if (r && *mode == 2)
		return 0; /* claims success after a failure: allowed (it checks itself) */
	return r;
}

static void test_walk(void)
{
	struct failmalloc_walk w;
	int mode = 0;
	CU_ASSERT_EQUAL(failmalloc_walk(three, &mode, 0, 100, &w), 0);
	CU_ASSERT_EQUAL(w.allocs, 3);
	CU_ASSERT_EQUAL(w.runs, 4);
	mode = 1;
	CU_ASSERT_EQUAL(failmalloc_walk(three, &mode, 0, 100, &w), -1);
	CU_ASSERT_EQUAL(w.bad_n, 1);
	CU_ASSERT_EQUAL(w.bad_rc, -EIO);
	CU_ASSERT_EQUAL(failmalloc_walk(three, &mode, -EIO, 100, &w), 0);
	mode = 0;
	CU_ASSERT_EQUAL(failmalloc_walk(three, &mode, 0, 2, &w), -1); /* too few runs */
	CU_ASSERT_EQUAL(w.bad_n, 0);
}

int register_failmalloc(void)
{
	CU_pSuite s = CU_add_suite("failmalloc", NULL, NULL);
	if (!s || !CU_add_test(s, "the n-th allocation fails", test_nth_fails) ||
	    !CU_add_test(s, "asprintf", test_asprintf) ||
	    !CU_add_test(s, "other threads untouched", test_other_threads_untouched) ||
	    !CU_add_test(s, "walk", test_walk))
		return -1;
	return 0;
}
