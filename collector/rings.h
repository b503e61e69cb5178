/* The sample rings: one ring of the newest samples per service and per
 * real server (in memory; "history" is the rrd store's, in exporter/),
 * fed once per poll by the collector, read by the console (sparklines,
 * charts) and lvsd's status page (sparklines of the connection rate).
 *
 * Memory is bounded: every ring has the same number of slots, min(samples,
 * budget / (objects x sample size)), at least 2, so a table of 100,000
 * objects keeps fewer minutes than a table of 100; when the table grows
 * or shrinks past that, every ring is resized in place (the newest
 * samples kept). The rings live in one array (no allocation per object).
 * They keep a reference to the snapshot last recorded (the one the
 * collector publishes) and find an object's ring through it, by position
 * and an index by key, with no copy of any key: an object costs its
 * slots plus about 24 bytes of tables (ring state 8, its ring's number
 * 4, index 8 to 16). With LVS_RINGS_CPS a sample is the connection rate
 * alone, in 2 bytes instead of 40. An object absent for `evict_after`
 * polls is forgotten; until then its key is kept beside its ring.
 * Threads: one writer (rings_record) and any number of readers; readers
 * copy samples out under a read lock held only for the copy. */
#ifndef LVSTOP_COLLECTOR_RINGS_H
#define LVSTOP_COLLECTOR_RINGS_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* One poll's view of one object. Floats: a sample is for charts, and 24 bits
 * of mantissa are plenty for a chart, while halving the memory. */
struct lvs_sample {
	double t; /* wall clock of the poll */
	float cps, inpps, outpps, inbps, outbps;
	uint32_t active, inactive;
};

typedef struct lvs_rings lvs_rings; /* opaque */

#define LVS_RINGS_SAMPLES 300            /* 10 minutes of 2 s polls */
#define LVS_RINGS_BUDGET (32u << 20)     /* bytes of samples at most */
#define LVS_RINGS_EVICT_AFTER 30         /* polls */

enum lvs_rings_fields {
	LVS_RINGS_ALL = 0, /* every field of struct lvs_sample */
	LVS_RINGS_CPS,     /* the connection rate only (to 1/16, or 0.025 %): reads
			    * give cps, the other fields 0 (t too) */
};

/* NULL on out of memory. samples > 0. */
lvs_rings *rings_new(uint32_t samples, size_t budget, uint32_t evict_after,
		     enum lvs_rings_fields fields);
void rings_free(lvs_rings *h);

/* Append one sample per object of s (finished) that has valid rates, and
 * keep a reference to s until the next record. 0 or -ENOMEM (objects
 * that could not get a ring are skipped this poll; when the tables for
 * a changed table cannot be made, the poll is not recorded). */
int rings_record(lvs_rings *h, struct lvs_snapshot *s);

/* Copy up to max newest samples of the object k into out, oldest first.
 * Returns the count (0 for an unknown object). */
size_t rings_read(lvs_rings *h, const struct lvs_key *k, struct lvs_sample *out, size_t max);

/* As rings_read, without waiting: -EBUSY while the writer holds the
 * lock (a poll being recorded), else 0 and the count in *n. For a reader
 * that must not block behind the writer (the console's frames). */
int rings_try_read(lvs_rings *h, const struct lvs_key *k, struct lvs_sample *out, size_t max,
		   size_t *n);

/* Objects tracked now; bytes their samples take; rings with room
 * allocated (tracked or not); slots per ring now. */
size_t rings_objects(lvs_rings *h);
size_t rings_bytes(lvs_rings *h);
size_t rings_capacity(lvs_rings *h);
uint32_t rings_slots(lvs_rings *h);

#endif
