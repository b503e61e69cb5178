/* History on disk: one rrd file per virtual service (and per real server
 * when configured), written by a dedicated thread through librrd's
 * thread-safe calls, or through rrdcached when a daemon address is set.
 * The daemon hands each publication over with rrd_store_push(), which
 * only takes a snapshot reference into a bounded queue: a slow or broken
 * disk never delays a poll. A full queue drops the snapshot and counts
 * its updates; failed writes are counted and logged once per change of
 * state. Files, names and archives: rrd_spec.h, docs/history.md.
 * Threads: push, stats and render from any thread; new/start/stop/free
 * from the owner. */
#ifndef LVSTOP_EXPORTER_HISTORY_RRD_STORE_H
#define LVSTOP_EXPORTER_HISTORY_RRD_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "collector/model.h"
#include "exporter/metrics/outbuf.h"
#include "rrd_spec.h"

typedef struct rrd_store rrd_store; /* opaque */

struct rrd_store_opts {
	const char *dir;     /* where the files go (created if missing); required */
	const char *daemon;  /* rrdcached address ("unix:/run/rrdcached.sock"); NULL: direct */
	bool real_servers;   /* a file per real server too */
	unsigned queue;      /* snapshots waiting at most; 0: 4 */
	struct rrd_spec spec;
};

struct rrd_store_stats {
	uint64_t updates;       /* file updates written */
	uint64_t write_errors;  /* file creations or updates that failed */
	uint64_t dropped;       /* file updates lost to a full queue */
	uint64_t skipped;       /* snapshots not newer than the last written (a replay looping) */
	uint64_t passes;        /* snapshots written (with or without errors) */
	bool up;                /* the last pass wrote every file */
	double pass_seconds;    /* duration of the last pass */
	double last_time;       /* the newest snapshot time handed over (0: none) */
};

/* A store with opts copied (strings too) and its writer thread waiting
 * (share/worker.h) until rrd_store_start. NULL with errno: EINVAL (no dir,
 * bad spec), ELIBACC (librrd cannot be opened: rrd_lib_open says why),
 * ENOMEM, or the thread's or eventfd's error (EAGAIN, EMFILE...). */
rrd_store *rrd_store_new(const struct rrd_store_opts *opts);
/* Let the writer write. 0, or -EALREADY. */
int rrd_store_start(rrd_store *st);
/* Stop the writer after the snapshot it is writing; the queued ones are
 * dropped (uncounted). No-op when not started. */
void rrd_store_stop(rrd_store *st);
/* Stop and free; NULL is ignored. */
void rrd_store_free(rrd_store *st);

/* Queue snapshot s for writing (one reference taken). 0; -ENOBUFS when the
 * queue is full (the snapshot's updates are counted as dropped). Never
 * blocks on I/O. */
int rrd_store_push(rrd_store *st, struct lvs_snapshot *s);

/* Wait until the queue is empty and no pass runs, at most timeout seconds
 * (tests, shutdown). 0 or -ETIMEDOUT. */
int rrd_store_wait_idle(rrd_store *st, double timeout);

void rrd_store_stats(rrd_store *st, struct rrd_store_stats *out);

/* Append the lvsd_history_* families (docs/metrics.md). NULL st: nothing
 * (history off). */
void rrd_store_render_metrics(rrd_store *st, struct outbuf *out);

/* What readers need to find and read the files (borrowed, valid until
 * rrd_store_free). */
const char *rrd_store_dir(const rrd_store *st);
const char *rrd_store_daemon(const rrd_store *st); /* NULL: none */
bool rrd_store_has_real_servers(const rrd_store *st);
const struct rrd_spec *rrd_store_spec(const rrd_store *st);

#endif
