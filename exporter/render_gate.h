/* lvsd holds its next poll back while /metrics is rendered from the last
 * publication. A render keeps the served body, the one being made and the
 * label blocks alive; a poll keeps the snapshot being read beside the
 * published one. On a large table each is tens of megabytes (10,000 x 10:
 * a snapshot 23 MiB, a body 10 MiB, the label blocks 7 MiB): taken in
 * turn rather than at once, the peak is lower by the smaller of the two
 * (docs/metrics.md, "Memory on the kernel path"). A render that outlasts
 * the bound lets the poll go: polls go on while the renderer is stuck.
 * Threads: done/set_bound/release from the renderer, wait from the
 * poller; all take the gate's own lock only. */
#ifndef LVSTOP_EXPORTER_RENDER_GATE_H
#define LVSTOP_EXPORTER_RENDER_GATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct render_gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;  /* on CLOCK_MONOTONIC */
	uint64_t rendered;    /* publication sequence last rendered */
	double bound;         /* seconds a wait lasts at most */
	bool released;        /* waits return at once (shutting down) */
	uint64_t waits, timeouts; /* waits that blocked, and of them timed out */
};

/* Nothing rendered yet counts as publication 0 rendered. bound > 0.
 * 0 or -errno. */
int render_gate_init(struct render_gate *g, double bound);
void render_gate_destroy(struct render_gate *g);
/* A new bound (configuration reload); waiters now use it from their start. */
void render_gate_set_bound(struct render_gate *g, double bound);
/* The renderer is done with publication seq (and every earlier one). */
void render_gate_done(struct render_gate *g, uint64_t seq);
/* From now on waits return at once; wakes every waiter. */
void render_gate_release(struct render_gate *g);
/* Return once publication seq is rendered, or the gate released: 0; or
 * after the bound: -ETIMEDOUT. */
int render_gate_wait(struct render_gate *g, uint64_t seq);

#endif
