/* The console's pace on its collector: the poller reads the next snapshot
 * only once the console has shown the last publication (or has nothing to
 * show for it: paused, the same snapshot again), waiting at most a bound.
 * A snapshot of a large table is tens of megabytes (10,000 x 10: 24 MB,
 * 32 MB while it is read); on a busy machine the table helper, in the idle
 * class, lagged behind the poller, and the snapshot on screen, the one
 * being tabled and the one being read were alive at once (146 to 150 MB
 * instead of 127). A console that is stuck for longer than the bound lets
 * the polls go on.
 * Threads: console_pace_before_poll on the poller (the collector's
 * before_poll hook); console_pace_shown and console_pace_release on the UI
 * thread; all take the pace's own lock only. */
#ifndef LVSTOP_CONSOLE_PACE_H
#define LVSTOP_CONSOLE_PACE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "collector/collector.h"

struct console_pace {
	pthread_mutex_t lock;
	pthread_cond_t cond;  /* on CLOCK_MONOTONIC */
	lvs_collector *col;   /* whose publications are waited for (set before
			       * the poller starts) */
	uint64_t shown;       /* publication sequence last shown */
	double bound;         /* seconds a wait lasts at most */
	bool released;        /* waits return at once (the console is done) */
	uint64_t waits, timeouts; /* waits that blocked, and of them timed out */
};

/* Publication 0 (none yet) counts as shown. bound > 0. 0 or -errno. */
int console_pace_init(struct console_pace *p, double bound);
void console_pace_destroy(struct console_pace *p);
/* The console has shown publication seq (and every earlier one). */
void console_pace_shown(struct console_pace *p, uint64_t seq);
/* From now on waits return at once; wakes the waiter. */
void console_pace_release(struct console_pace *p);
/* Return once publication seq is shown or the pace released: 0; or after
 * the bound: -ETIMEDOUT. */
int console_pace_wait(struct console_pace *p, uint64_t seq);
/* The collector's before_poll hook (arg: the pace): waits for its
 * collector's last publication. */
void console_pace_before_poll(void *arg);

#endif
