/* The collector: polls a source, computes rates against the previous
 * snapshot, feeds the sample rings and publishes the new snapshot by
 * swapping one pointer under a short lock. Readers (console, exporter)
 * take a reference and never block the poller; the poller never waits for
 * a reader. When a poll fails, the last good snapshot stays published and
 * the status says stale, with the cause; the next good poll recovers.
 * Threads: collector_start runs the poller on its own thread; acquire,
 * ring reads and the notify fd are safe from any thread. */
#ifndef LVSTOP_COLLECTOR_COLLECTOR_H
#define LVSTOP_COLLECTOR_COLLECTOR_H

#include <stdio.h>

#include "rings.h"
#include "source.h"

typedef struct lvs_collector lvs_collector; /* opaque */

#define LVS_POLL_INTERVAL 2.0 /* s: the kernel's estimator refreshes every 2 s */

struct lvs_collector_opts {
	double interval;          /* seconds between polls; 0: LVS_POLL_INTERVAL */
	uint32_t ring_samples;    /* 0: LVS_RINGS_SAMPLES */
	size_t ring_budget;       /* 0: LVS_RINGS_BUDGET */
	enum lvs_rings_fields ring_fields; /* LVS_RINGS_ALL (0) or LVS_RINGS_CPS:
				   * what a sample keeps (lvsd draws the
				   * connection rate only) */
	bool no_rings;            /* keep no sample rings (collector_rings is
				   * NULL): for callers that draw none */
	FILE *record;             /* borrowed; when set, each good snapshot is
				   * appended as one JSON line */
	/* Called on the poller thread with each new snapshot before it is
	 * published (the snapshot is still writable then): how the health
	 * checker adds its results. Must not block. */
	void (*annotate)(void *arg, struct lvs_snapshot *s);
	void *annotate_arg;
	/* Called on the poller thread before each scheduled poll, outside
	 * the poll's timing (poll_seconds): it may wait, as lvsd does while
	 * it renders the last publication, so that a new snapshot is not
	 * read beside the render's bodies. NULL: none. */
	void (*before_poll)(void *arg);
	void *before_poll_arg;
};

struct lvs_status {
	int err;             /* 0, or the last poll's negative errno */
	char msg[256];       /* the last poll's error, one sentence */
	bool stale;          /* the published snapshot predates a failed poll */
	bool ended;          /* a recording has no more snapshots */
	double last_ok;      /* wall clock of the last good poll (0: none) */
	double last_attempt; /* wall clock of the last poll */
	double poll_seconds; /* how long the last poll took */
	uint64_t polls, errors;
	uint64_t seq;        /* increases with every publication */
};

/* Takes ownership of src (freed by collector_free, also on failure).
 * NULL on out of memory. */
lvs_collector *collector_new(struct lvs_source *src, const struct lvs_collector_opts *opts);
/* Stops the poller if running, then frees everything. */
void collector_free(lvs_collector *c);

/* One poll on the calling thread (not while the poller runs). 0 or the
 * source's negative errno; the status is updated either way. */
int collector_poll(lvs_collector *c);

/* Start/stop the poller thread. start: 0, -EALREADY, or -errno from
 * pthread_create. */
int collector_start(lvs_collector *c);
void collector_stop(lvs_collector *c);
/* Change the interval; the poller picks it up at its next wait. */
void collector_set_interval(lvs_collector *c, double seconds);
/* Ask the poller to poll now instead of waiting out the interval. */
void collector_kick(lvs_collector *c);

/* The newest snapshot (one reference: snapshot_unref it) or NULL before the
 * first good poll; *st (may be NULL) gets the status of the same instant. */
struct lvs_snapshot *collector_acquire(lvs_collector *c, struct lvs_status *st);

/* An fd that becomes readable after each publication (new snapshot or
 * status); collector_notify_drain resets it. For poll()/epoll loops. */
int collector_notify_fd(lvs_collector *c);
void collector_notify_drain(lvs_collector *c);

/* The sample rings of every object (thread-safe reads). Owned by the
 * collector; NULL when it was made with no_rings. */
lvs_rings *collector_rings(lvs_collector *c);

#endif
