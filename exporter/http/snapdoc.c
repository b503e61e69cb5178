#include "snapdoc.h"

#include "collector/snapjson.h"
#include "collector/snapshot.h"
#include "share/worker.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

struct waiter {
	void (*wake)(void *arg);
	void *arg;
};

struct snapdoc {
	struct lvs_worker w; /* the render thread; its lock guards what follows */
	bool wanted, closed;

	struct lvs_snapshot *snap; /* one reference */
	bool stale;
	uint64_t seq;              /* of snap */

	struct lvs_body *doc;      /* one reference; NULL before the first */
	uint64_t doc_seq, failed_seq;
	unsigned long renders;

	struct waiter *waiters;    /* owned */
	size_t n_waiters, cap_waiters;
};

/* Written through deflate and kept gzip only: the document of a
 * 100,000-real-server table is ~80 MB of text (and was a ~600 MB json-c
 * tree); a scraper without gzip gets it inflated as it is sent. */
static struct lvs_body *render(struct lvs_snapshot *s, bool stale)
{
	struct body_builder bb;
	if (body_builder_init(&bb, 1))
		return NULL;
	if (snapjson_write(s, SNAPJSON_COMPUTED | (stale ? SNAPJSON_STALE : 0), body_builder_add,
			   &bb) ||
	    body_builder_add(&bb, "\n", 1)) {
		body_builder_abort(&bb);
		return NULL;
	}
	return body_builder_finish(&bb);
}

/* Hand the parked requests their wake-up (called without the lock). */
static void wake_all(struct waiter *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		w[i].wake(w[i].arg);
	free(w);
}

static void run(struct lvs_worker *w, void *arg)
{
	struct snapdoc *d = arg;
	worker_lock(w);
	while (!worker_stopping(w)) {
		if (!(d->wanted && d->snap && d->doc_seq != d->seq && d->failed_seq != d->seq)) {
			worker_wait(w);
			continue;
		}
		struct lvs_snapshot *s = snapshot_ref(d->snap);
		uint64_t seq = d->seq;
		bool stale = d->stale;
		d->wanted = false;
		worker_unlock(w);

		struct lvs_body *b = render(s, stale);
		snapshot_unref(s);

		worker_lock(w);
		struct lvs_body *old = NULL;
		if (b) {
			old = d->doc;
			d->doc = b;
			d->doc_seq = seq;
			d->renders++;
		} else {
			d->failed_seq = seq;
		}
		struct waiter *wt = d->waiters;
		size_t n = d->n_waiters;
		d->waiters = NULL;
		d->n_waiters = d->cap_waiters = 0;
		worker_unlock(w);
		body_unref(old); /* tens of megabytes: outside the lock */
		wake_all(wt, n);
		worker_lock(w);
	}
	worker_unlock(w);
}

struct snapdoc *snapdoc_new(void)
{
	struct snapdoc *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (worker_start(&d->w, run, d)) {
		free(d);
		return NULL;
	}
	return d;
}

void snapdoc_free(struct snapdoc *d)
{
	if (!d)
		return;
	/* Whoever waits is answered first; then the thread ends. */
	snapdoc_set_closed(d, true);
	worker_stop(&d->w);
	free(d->waiters);
	snapshot_unref(d->snap);
	body_unref(d->doc);
	free(d);
}

void snapdoc_publish(struct snapdoc *d, struct lvs_snapshot *snap, bool stale)
{
	if (snap)
		snapshot_ref(snap);
	worker_lock(&d->w);
	struct lvs_snapshot *old = d->snap;
	d->snap = snap;
	d->stale = stale;
	d->seq++;
	/* Requests parked for the previous one want this one now. */
	if (d->n_waiters)
		d->wanted = true;
	worker_post(&d->w);
	worker_unlock(&d->w);
	snapshot_unref(old);
}

enum snapdoc_state snapdoc_get(struct snapdoc *d, bool any_ok, struct lvs_body **out,
			       void (*suspend)(void *arg), void (*wake)(void *arg), void *arg)
{
	enum snapdoc_state st;
	*out = NULL;
	worker_lock(&d->w);
	if (d->closed || !d->snap) {
		st = SNAPDOC_NONE;
	} else if (d->doc && (d->doc_seq == d->seq || any_ok)) {
		*out = body_ref(d->doc);
		st = SNAPDOC_READY;
	} else if (d->failed_seq == d->seq) {
		st = SNAPDOC_FAILED;
	} else {
		st = SNAPDOC_WAIT;
		if (d->n_waiters == d->cap_waiters) {
			size_t cap = d->cap_waiters ? d->cap_waiters * 2 : 8;
			struct waiter *w = realloc(d->waiters, cap * sizeof(*w));
			if (!w)
				st = SNAPDOC_FAILED;
			else {
				d->waiters = w;
				d->cap_waiters = cap;
			}
		}
		if (st == SNAPDOC_WAIT) {
			suspend(arg);
			d->waiters[d->n_waiters++] = (struct waiter){ wake, arg };
			d->wanted = true;
			worker_post(&d->w);
		}
	}
	worker_unlock(&d->w);
	return st;
}

void snapdoc_set_closed(struct snapdoc *d, bool closed)
{
	worker_lock(&d->w);
	d->closed = closed;
	struct waiter *w = NULL;
	size_t n = 0;
	if (closed) {
		w = d->waiters;
		n = d->n_waiters;
		d->waiters = NULL;
		d->n_waiters = d->cap_waiters = 0;
	}
	worker_unlock(&d->w);
	wake_all(w, n);
}

unsigned long snapdoc_renders(struct snapdoc *d)
{
	worker_lock(&d->w);
	unsigned long n = d->renders;
	worker_unlock(&d->w);
	return n;
}
