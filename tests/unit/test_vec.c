#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "failmalloc.h"
#include "share/vec.h"

struct item {
	int a;
	double b;
};

static void test_push_append_at(void)
{
	struct lvs_vec v;
	vec_init(&v, sizeof(struct item));
	for (int i = 0; i < 1000; i++) {
		struct item it = { i, i / 2.0 };
		CU_ASSERT_EQUAL_FATAL(vec_append(&v, &it), 0);
	}
	struct item *z = vec_push(&v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(z);
	CU_ASSERT_EQUAL(z->a, 0); /* zeroed */
	CU_ASSERT_EQUAL(v.n, 1001);
	CU_ASSERT_EQUAL(((struct item *)vec_at(&v, 999))->a, 999);
	CU_ASSERT_EQUAL(((struct item *)vec_at(&v, 10))->b, 5.0);
	vec_remove(&v, 0);
	CU_ASSERT_EQUAL(v.n, 1000);
	CU_ASSERT_EQUAL(((struct item *)vec_at(&v, 0))->a, 1);
	vec_reset(&v);
	CU_ASSERT_EQUAL(v.n, 0);
	CU_ASSERT(v.cap >= 1001);
	vec_free(&v);
	CU_ASSERT_PTR_NULL(v.v);
	CU_ASSERT_EQUAL(v.elem, sizeof(struct item));
}

static void test_steal(void)
{
	struct lvs_vec v;
	vec_init(&v, sizeof(int));
	int x = 7;
	CU_ASSERT_EQUAL(vec_append(&v, &x), 0);
	size_t n = 0;
	int *p = vec_steal(&v, &n);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(p[0], 7);
	CU_ASSERT_EQUAL(v.n, 0);
	CU_ASSERT_PTR_NULL(v.v);
	free(p);
}

static void test_grow_and_trim(void)
{
	int *arr = NULL;
	size_t cap = 0;
	CU_ASSERT_EQUAL(vec_grow((void **)&arr, &cap, 3, sizeof(*arr), 16), 0);
	CU_ASSERT_EQUAL(cap, 16);
	CU_ASSERT_EQUAL(vec_grow((void **)&arr, &cap, 16, sizeof(*arr), 16), 0);
	CU_ASSERT_EQUAL(cap, 16); /* enough already */
	CU_ASSERT_EQUAL(vec_grow((void **)&arr, &cap, 70, sizeof(*arr), 16), 0);
	CU_ASSERT_EQUAL(cap, 128);
	for (int i = 0; i < 70; i++)
		arr[i] = i;
	/* Overflowing sizes are refused, the array kept. */
	CU_ASSERT_EQUAL(vec_grow((void **)&arr, &cap, SIZE_MAX / 2, sizeof(*arr), 16), -ENOMEM);
	CU_ASSERT_EQUAL(cap, 128);
	failmalloc_arm(1);
	int r = vec_grow((void **)&arr, &cap, 200, sizeof(*arr), 16);
	failmalloc_disarm();
	CU_ASSERT_EQUAL(r, -ENOMEM);
	CU_ASSERT_EQUAL(cap, 128);
	vec_trim((void **)&arr, &cap, 70, sizeof(*arr));
	CU_ASSERT_EQUAL(cap, 70);
	CU_ASSERT_EQUAL(arr[69], 69);
	vec_trim((void **)&arr, &cap, 0, sizeof(*arr));
	CU_ASSERT_PTR_NULL(arr);
	CU_ASSERT_EQUAL(cap, 0);
}

/* vec_grow_exact: exactly n, never less than is there; ENOMEM and sizes
 * that overflow keep the array. */
static void test_grow_exact(void)
{
	int *arr = NULL;
	size_t cap = 0;
	CU_ASSERT_EQUAL(vec_grow_exact((void **)&arr, &cap, 1001, sizeof(*arr)), 0);
	CU_ASSERT_EQUAL(cap, 1001);
	arr[1000] = 7;
	CU_ASSERT_EQUAL(vec_grow_exact((void **)&arr, &cap, 10, sizeof(*arr)), 0);
	CU_ASSERT_EQUAL(cap, 1001);
	CU_ASSERT_EQUAL(vec_grow_exact((void **)&arr, &cap, SIZE_MAX / 2, sizeof(*arr)), -ENOMEM);
	failmalloc_arm(1);
	int r = vec_grow_exact((void **)&arr, &cap, 2000, sizeof(*arr));
	failmalloc_disarm();
	CU_ASSERT_EQUAL(r, -ENOMEM);
	CU_ASSERT_EQUAL(cap, 1001);
	CU_ASSERT_EQUAL(arr[1000], 7);
	free(arr);
}

static void test_enomem_keeps_vec(void)
{
	struct lvs_vec v;
	vec_init(&v, sizeof(int));
	failmalloc_arm(1);
	void *p = vec_push(&v);
	int x = 1;
	failmalloc_arm(1);
	int r = vec_append(&v, &x);
	failmalloc_disarm();
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL(r, -ENOMEM);
	CU_ASSERT_EQUAL(v.n, 0);
	CU_ASSERT_EQUAL(v.cap, 0);
	vec_free(&v);
}

int register_vec(void)
{
	CU_pSuite s = CU_add_suite("vec", NULL, NULL);
	if (!s || !CU_add_test(s, "push, append, at, remove", test_push_append_at) ||
	    !CU_add_test(s, "steal", test_steal) ||
	    !CU_add_test(s, "grow and trim typed arrays", test_grow_and_trim) ||
	    !CU_add_test(s, "grow to an exact size", test_grow_exact) ||
	    !CU_add_test(s, "ENOMEM keeps the vec", test_enomem_keeps_vec))
		return -1;
	return 0;
}
