/* The sample rings: one ring of the newest samples per service and per
 * real server (in memory; "history" is the rrd store's, in exporter/),
 * fed once per poll by the collector, read by the console (sparklines,
 * charts). Memory is bounded: each new ring gets min(samples, budget /
 * objects) slots, so a table of 100,000 objects keeps fewer minutes than a
 * table of 100. An object absent for `evict_after` polls is forgotten.
 * Threads: one writer (rings_record) and any number of readers; readers
 * copy samples out under a read lock held only for the copy. */
#ifndef LVSTOP_COLLECTOR_RINGS_H
#define LVSTOP_COLLECTOR_RINGS_H

#include "ring.h"
#include "snapshot.h"

typedef struct lvs_rings lvs_rings; /* opaque */

#define LVS_RINGS_SAMPLES 300            /* 10 minutes of 2 s polls */
#define LVS_RINGS_BUDGET (32u << 20)     /* bytes of samples at most */
#define LVS_RINGS_EVICT_AFTER 30         /* polls */

/* NULL on out of memory. samples > 0. */
lvs_rings *rings_new(uint32_t samples, size_t budget, uint32_t evict_after);
void rings_free(lvs_rings *h);

/* Append one sample per object of s that has valid rates. 0 or -ENOMEM
 * (objects that could not get a ring are skipped this poll). */
int rings_record(lvs_rings *h, const struct lvs_snapshot *s);

/* Copy up to max newest samples of the object k into out, oldest first.
 * Returns the count (0 for an unknown object). */
size_t rings_read(lvs_rings *h, const struct lvs_key *k, struct lvs_sample *out, size_t max);

/* As rings_read, without waiting: -EBUSY while the writer holds the
 * lock (a poll being recorded), else 0 and the count in *n. For a reader
 * that must not block behind the writer (the console's frames). */
int rings_try_read(lvs_rings *h, const struct lvs_key *k, struct lvs_sample *out, size_t max,
		   size_t *n);

/* Objects tracked now, and bytes their rings use. */
size_t rings_objects(lvs_rings *h);
size_t rings_bytes(lvs_rings *h);

#endif
