#include "vec.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int vec_grow(void **arr, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : (first ? first : 1);
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	return vec_grow_exact(arr, cap, ncap, elem);
}

int vec_grow_exact(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n <= *cap)
		return 0;
	if (n > SIZE_MAX / elem)
		return -ENOMEM;
	void *p = realloc(*arr, n * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

void vec_trim(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n >= *cap || !*arr)
		return;
	if (!n) {
		free(*arr);
		*arr = NULL;
		*cap = 0;
		return;
	}
	void *p = realloc(*arr, n * elem);
	if (p) {
		*arr = p;
		*cap = n;
	}
}

void vec_init(struct lvs_vec *v, size_t elem)
{
	assert(elem > 0);
	v->v = NULL;
	v->n = 0;
	v->cap = 0;
	v->elem = elem;
}

int vec_reserve(struct lvs_vec *v, size_t extra)
{
	if (extra > SIZE_MAX - v->n)
		return -ENOMEM;
	return vec_grow(&v->v, &v->cap, v->n + extra, v->elem, 8);
}

void *vec_push(struct lvs_vec *v)
{
	if (vec_reserve(v, 1))
		return NULL;
	void *e = (char *)v->v + v->n * v->elem;
	memset(e, 0, v->elem);
	v->n++;
	return e;
}

int vec_append(struct lvs_vec *v, const void *e)
{
	int r = vec_reserve(v, 1);
	if (r)
		return r;
	memcpy((char *)v->v + v->n * v->elem, e, v->elem);
	v->n++;
	return 0;
}

void *vec_at(const struct lvs_vec *v, size_t i)
{
	assert(i < v->n);
	return (char *)v->v + i * v->elem;
}

void vec_remove(struct lvs_vec *v, size_t i)
{
	assert(i < v->n);
	char *base = v->v;
	memmove(base + i * v->elem, base + (i + 1) * v->elem, (v->n - i - 1) * v->elem);
	v->n--;
}

void vec_reset(struct lvs_vec *v)
{
	v->n = 0;
}

void *vec_steal(struct lvs_vec *v, size_t *n)
{
	void *p = v->v;
	if (n)
		*n = v->n;
	vec_init(v, v->elem);
	return p;
}

void vec_free(struct lvs_vec *v)
{
	free(v->v);
	vec_init(v, v->elem);
}
