/* A gate on a sequence that only grows: one thread waits until a number
 * is reached (at most a bound of seconds), another says how far it got.
 * lvsd holds its next poll until the last publication is rendered (a
 * render keeps two bodies and the label blocks alive, a poll a second
 * snapshot: taken in turn, the peak is the larger, not the sum;
 * docs/metrics.md, "Memory on the kernel path"); the console holds its
 * next poll until the last publication is on screen (console/pace.h). A
 * wait that outlasts the bound lets the waiter go, so polls go on when the
 * other side is stuck; release lets every wait through (shutting down).
 * Threads: any; every call takes the gate's own lock only. */
#ifndef LVSTOP_SHARE_SEQ_GATE_H
#define LVSTOP_SHARE_SEQ_GATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct seq_gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;  /* on CLOCK_MONOTONIC */
	uint64_t reached;     /* the highest sequence said to be reached */
	double bound;         /* seconds a wait lasts at most */
	bool released;        /* waits return at once */
	uint64_t waits, timeouts; /* waits that blocked, and of them timed out */
};

/* bound <= 0 means 1 s. 0 or -errno (pthread). */
int seq_gate_init(struct seq_gate *g, double bound);
void seq_gate_destroy(struct seq_gate *g);
/* A new bound for the next waits; a bound <= 0 is ignored. */
void seq_gate_set_bound(struct seq_gate *g, double bound);
/* seq is reached (a lower one than before changes nothing). */
void seq_gate_reach(struct seq_gate *g, uint64_t seq);
void seq_gate_release(struct seq_gate *g);
/* Until seq is reached or the gate released: 0; -ETIMEDOUT after the
 * bound. Sequence 0 counts as reached. */
int seq_gate_wait(struct seq_gate *g, uint64_t seq);

#endif
