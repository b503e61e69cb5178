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

#include <stdint.h>

#include "collector/collector.h"
#include "share/seq_gate.h"

struct console_pace {
	struct seq_gate gate; /* reached: the publication sequence last shown */
	lvs_collector *col;   /* whose publications are waited for (set before
			       * the poller starts) */
};

/* bound: seconds a wait lasts at most. 0 or -errno. */
int console_pace_init(struct console_pace *p, double bound);
void console_pace_destroy(struct console_pace *p);
/* The UI showed publication seq. */
void console_pace_shown(struct console_pace *p, uint64_t seq);
/* The console is done: waits return at once. */
void console_pace_release(struct console_pace *p);
/* Until seq is shown: 0, or -ETIMEDOUT after the bound. */
int console_pace_wait(struct console_pace *p, uint64_t seq);
/* The collector's before_poll hook (arg: the pace): waits until the
 * publication now current is shown. */
void console_pace_before_poll(void *arg);

#endif
