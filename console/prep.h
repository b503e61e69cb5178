/* Snapshot preparation off the UI thread. For each new snapshot a helper
 * thread computes the event diff against the snapshot submitted before it
 * and builds the services table under the options of the moment, so that
 * taking a snapshot of 100,000 rows costs the UI thread a swap, not a
 * sort: keys keep answering while it works.
 * Threads: prep_submit, prep_take and prep_free from one (UI) thread; the
 * helper only reads the snapshots and its own copies of the options. */
#ifndef LVSTOP_CONSOLE_PREP_H
#define LVSTOP_CONSOLE_PREP_H

#include <stdint.h>

#include "events.h"
#include "table.h"

typedef struct prep prep; /* opaque */

struct prep_result {
	struct lvs_snapshot *snap; /* one reference, the caller's */
	struct table tbl;          /* the caller's (table_done) */
	struct ev_vec ev;          /* the caller's (ev_vec_done) */
	uint64_t opts_gen;         /* as submitted: tbl is current if equal */
	int err;                   /* 0, or -ENOMEM: tbl empty, ev partial */
};

/* Work off the UI thread runs below it, so that on a busy machine a key's
 * frame does not wait behind a snapshot being parsed or tabled: the
 * helper in the idle class when the kernel groups the session's threads
 * (autogroup), else at this nice value; the console's poller is started
 * at this nice value (worker_call_lowered). */
#define PREP_NICE 10

/* Start the helper (lowered as above). NULL when out of memory or no thread
 * could start (the caller then prepares snapshots itself). */
prep *prep_new(void);
/* Stop the helper and drop every job and result. NULL is ignored. */
void prep_free(prep *p);

/* An fd that becomes readable when a result is ready (for poll()). */
int prep_fd(const prep *p);

/* Queue next (a reference is taken) to be diffed against prev (may be
 * NULL; a reference is taken) and tabled under o (copied, filter and
 * toggled set included) tagged gen. A job not yet started is replaced by
 * the new one, keeping its prev, so no change goes unreported. 0 or
 * -ENOMEM (nothing queued). */
int prep_submit(prep *p, struct lvs_snapshot *prev, struct lvs_snapshot *next,
		const struct table_opts *o, uint64_t gen);

/* Build the filter texts of s (a reference is taken) on the helper, so
 * that the first key typed into the filter prompt does not format every
 * address on the UI thread. gen is the caller's number for s: asking
 * again with the gen last asked for does nothing; a request not yet
 * started is replaced. */
void prep_submit_text(prep *p, struct lvs_snapshot *s, uint64_t gen);
/* The texts built by prep_submit_text, if ready: moved into t when they
 * are those of snapshot s (else dropped). True when moved. */
bool prep_take_text(prep *p, struct table *t, const struct lvs_snapshot *s);

/* The finished result, if any: true and *out filled (ownership passes to
 * the caller). Resets the fd when nothing more is ready. */
bool prep_take(prep *p, struct prep_result *out);

#endif
