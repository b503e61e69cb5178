/* A growable array of fixed-size elements, and the growth step itself for
 * arrays kept as typed pointer + capacity in a module's own struct.
 * Embedded (vec_init/vec_free); no locking (one owner at a time). Growing
 * calls either succeed or leave the array as it was and return -ENOMEM
 * (also when a size would overflow). */
#ifndef LVSTOP_SHARE_VEC_H
#define LVSTOP_SHARE_VEC_H

#include <stddef.h>

struct lvs_vec {
	void *v;     /* owned; n elements of elem bytes; NULL while cap == 0 */
	size_t n;
	size_t cap;
	size_t elem; /* element size, set by vec_init, > 0 */
};

/* Grow *arr (items of elem bytes, capacity *cap) so it holds at least
 * need items: the capacity doubles, starting at first (>= 1). New items
 * are not initialised. 0 or -ENOMEM (*arr and *cap unchanged). */
int vec_grow(void **arr, size_t *cap, size_t need, size_t elem, size_t first);
/* Grow *arr to exactly n items when it holds fewer (no doubling): for a
 * caller that knows how many are coming. 0 or -ENOMEM (*arr and *cap
 * unchanged). */
int vec_grow_exact(void **arr, size_t *cap, size_t n, size_t elem);
/* Shrink *arr to exactly n items (free it when n is 0): gives back the
 * slack of doubling for arrays that live long. Best effort: when the
 * smaller block cannot be had the array stays as it was. */
void vec_trim(void **arr, size_t *cap, size_t n, size_t elem);

void vec_init(struct lvs_vec *v, size_t elem);
/* Room for at least extra more elements. 0 or -ENOMEM. */
int vec_reserve(struct lvs_vec *v, size_t extra);
/* A new zeroed element at the end, or NULL when out of memory. The
 * pointer is good until the next growing call. */
void *vec_push(struct lvs_vec *v);
/* Copy one element (elem bytes at e) to the end. 0 or -ENOMEM. */
int vec_append(struct lvs_vec *v, const void *e);
/* Element i (i < n). */
void *vec_at(const struct lvs_vec *v, size_t i);
/* Drop element i, moving the later ones down (order kept). */
void vec_remove(struct lvs_vec *v, size_t i);
/* Forget the elements, keep the memory. */
void vec_reset(struct lvs_vec *v);
/* Take the array (the caller frees it; may be NULL when *n is 0).
 * The vec is left empty with the same element size. */
void *vec_steal(struct lvs_vec *v, size_t *n);
void vec_free(struct lvs_vec *v);

#endif
