/* A fixed-capacity ring of samples: the newest overwrite the oldest.
 * Threads: none; the owner (rings) locks around it. */
#ifndef LVSTOP_COLLECTOR_RING_H
#define LVSTOP_COLLECTOR_RING_H

#include <stddef.h>
#include <stdint.h>

/* One poll's view of one object. Floats: a sample is for charts, and 24 bits
 * of mantissa are plenty for a chart, while halving the memory. */
struct lvs_sample {
	double t; /* wall clock of the poll */
	float cps, inpps, outpps, inbps, outbps;
	uint32_t active, inactive;
};

struct lvs_ring {
	struct lvs_sample *buf; /* owned */
	uint32_t cap, head, count; /* head: where the next sample goes */
};

/* 0 or -ENOMEM; cap must be > 0. */
int ring_init(struct lvs_ring *r, uint32_t cap);
void ring_done(struct lvs_ring *r);
void ring_push(struct lvs_ring *r, const struct lvs_sample *s);
/* Copy up to max of the newest samples into out, oldest first; returns
 * how many were copied. */
size_t ring_copy(const struct lvs_ring *r, struct lvs_sample *out, size_t max);
/* The newest sample, or NULL when empty. */
const struct lvs_sample *ring_last(const struct lvs_ring *r);

#endif
