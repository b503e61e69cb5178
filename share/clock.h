/* Clocks: the monotonic clock for intervals, deadlines and rates; the wall
 * clock for what people read (timestamps in logs, files, JSON). And a
 * monotonic clock a module can take as a parameter, so a test drives time
 * by hand instead of sleeping on a busy machine. Thread-safe. */
#ifndef LVSTOP_SHARE_CLOCK_H
#define LVSTOP_SHARE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds, milliseconds, seconds. */
int64_t clock_mono_ns(void);
int64_t clock_mono_ms(void);
double clock_mono_s(void);
/* CLOCK_REALTIME: seconds (with fraction) and milliseconds since the epoch. */
double clock_wall_s(void);
int64_t clock_wall_ms(void);

/* A timespec ns nanoseconds (>= 0) after now on clock id: the deadline
 * form pthread_cond_timedwait and friends take. */
struct timespec clock_after(clockid_t id, int64_t ns);

/* An injectable monotonic clock. A module keeps a struct lvs_clock and
 * reads time only through lvs_clock_ns; a NULL clock or a NULL now means
 * the real CLOCK_MONOTONIC. now(ctx) must be callable from every thread
 * the module reads time on. */
struct lvs_clock {
	int64_t (*now)(void *ctx); /* nanoseconds, never decreasing */
	void *ctx;                 /* borrowed */
};

int64_t lvs_clock_ns(const struct lvs_clock *c);

/* A hand-driven clock for tests: lvs_manual_clock_get reads *ctx, an
 * int64_t the test moves forward (atomically: other threads may read). */
int64_t lvs_manual_clock_get(void *ctx);
void lvs_manual_clock_advance(int64_t *t, int64_t ns);
static inline struct lvs_clock lvs_manual_clock(int64_t *t)
{
	return (struct lvs_clock){ lvs_manual_clock_get, t };
}

#endif
