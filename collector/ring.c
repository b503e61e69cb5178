#include "ring.h"

#include <errno.h>
#include <stdlib.h>

int ring_init(struct lvs_ring *r, uint32_t cap)
{
	r->buf = calloc(cap, sizeof(*r->buf));
	if (!r->buf)
		return -ENOMEM;
	r->cap = cap;
	r->head = 0;
	r->count = 0;
	return 0;
}

void ring_done(struct lvs_ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->head = r->count = 0;
}

void ring_push(struct lvs_ring *r, const struct lvs_sample *s)
{
	r->buf[r->head] = *s;
	r->head = r->head + 1 == r->cap ? 0 : r->head + 1;
	if (r->count < r->cap)
		r->count++;
}

size_t ring_copy(const struct lvs_ring *r, struct lvs_sample *out, size_t max)
{
	size_t n = r->count < max ? r->count : max;
	/* The oldest wanted sample sits n places behind head. */
	size_t i = (r->head + r->cap - n) % r->cap;
	for (size_t k = 0; k < n; k++) {
		out[k] = r->buf[i];
		i = i + 1 == r->cap ? 0 : i + 1;
	}
	return n;
}

const struct lvs_sample *ring_last(const struct lvs_ring *r)
{
	if (!r->count)
		return NULL;
	return &r->buf[r->head ? r->head - 1 : r->cap - 1];
}
