/* Per-second rates from the 64-bit counters of two snapshots.
 * A counter that went down was reset (zeroed, or the object deleted and
 * added again between polls): like Prometheus' rate(), the new value is
 * then taken as the increase since the previous poll. An object seen for
 * the first time has no rate yet (rates_valid false). */
#ifndef LVSTOP_COLLECTOR_RATES_H
#define LVSTOP_COLLECTOR_RATES_H

#include "model.h"

/* Increase of a counter from prev to cur, reset-aware. */
uint64_t rates_delta(uint64_t prev, uint64_t cur);

/* True when cur is lower than prev in any counter (a reset happened). */
bool rates_reset(const struct lvs_stats *prev, const struct lvs_stats *cur);

/* Rates of cur over prev across dt seconds (dt > 0), computed in
 * doubles and kept as a snapshot keeps them. */
void rates_from_stats(const struct lvs_stats *prev, const struct lvs_stats *cur, double dt,
		      struct lvs_rates_f *out);

/* Seconds between two snapshots: monotonic when both were taken live,
 * wall clock otherwise (recordings). */
double rates_interval(const struct lvs_snapshot *prev, const struct lvs_snapshot *cur);

/* Fill rates/rates_valid of every service and real server of cur (which
 * must not be published yet) from the matching objects of prev (may be
 * NULL). Objects are matched by identity, not position (walking both
 * tables in step, with a map of keys only where an object is not where
 * the walk expects it). 0 or -ENOMEM (then every rate is marked invalid). */
int rates_compute(struct lvs_snapshot *cur, const struct lvs_snapshot *prev);

#endif
