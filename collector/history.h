/* In-memory history: one ring of samples per service and per real server,
 * fed once per poll by the collector, read by the console (sparklines,
 * charts). Memory is bounded: each new ring gets min(samples, budget /
 * objects) slots, so a table of 100,000 objects keeps fewer minutes than a
 * table of 100. An object absent for `evict_after` polls is forgotten.
 * Threads: one writer (history_record) and any number of readers; readers
 * copy samples out under a read lock held only for the copy. */
#ifndef LVSTOP_COLLECTOR_HISTORY_H
#define LVSTOP_COLLECTOR_HISTORY_H

#include "ring.h"
#include "snapshot.h"

typedef struct lvs_history lvs_history; /* opaque */

#define LVS_HISTORY_SAMPLES 300            /* 10 minutes of 2 s polls */
#define LVS_HISTORY_BUDGET (32u << 20)     /* bytes of samples at most */
#define LVS_HISTORY_EVICT_AFTER 30         /* polls */

/* NULL on out of memory. samples > 0. */
lvs_history *history_new(uint32_t samples, size_t budget, uint32_t evict_after);
void history_free(lvs_history *h);

/* Append one sample per object of s that has valid rates. 0 or -ENOMEM
 * (objects that could not get a ring are skipped this poll). */
int history_record(lvs_history *h, const struct lvs_snapshot *s);

/* Copy up to max newest samples of the object k into out, oldest first.
 * Returns the count (0 for an unknown object). */
size_t history_read(lvs_history *h, const struct lvs_key *k, struct lvs_sample *out, size_t max);

/* Objects tracked now, and bytes their rings use. */
size_t history_objects(lvs_history *h);
size_t history_bytes(lvs_history *h);

#endif
