/* The /api/v1/snapshot document (what `lvstop --once --json` prints),
 * rendered on its own thread, never on a libmicrohttpd thread: a
 * 100,000-real-server table makes tens of megabytes of JSON (deflated as
 * it is written), and rendering it on a request thread stalled every
 * other connection that thread served. It is rendered at most once per
 * published snapshot, and only when someone asked for it; requests that
 * arrive before it is ready are parked (the caller suspends its
 * connection) and woken when it is.
 * Threads: publish and get from any thread; new/free from the owner (free
 * once nothing calls get any more). The render thread is a share/worker.
 * The wake callbacks run on the render thread or in set_closed, with no
 * lock of this module held. */
#ifndef LVSTOP_EXPORTER_HTTP_SNAPDOC_H
#define LVSTOP_EXPORTER_HTTP_SNAPDOC_H

#include <stdbool.h>

#include "body.h"
#include "collector/model.h"

struct snapdoc; /* opaque */

/* A renderer with its thread running. NULL on out of memory or when the
 * thread cannot start. */
struct snapdoc *snapdoc_new(void);
/* Wakes whoever waits, ends the thread, frees. NULL is ignored. */
void snapdoc_free(struct snapdoc *d);

/* The snapshot to render from now on (a reference is taken; NULL: none);
 * stale marks the document. */
void snapdoc_publish(struct snapdoc *d, struct lvs_snapshot *snap, bool stale);

enum snapdoc_state {
	SNAPDOC_READY,   /* *out is the document (one reference) */
	SNAPDOC_WAIT,    /* being rendered: suspend(arg) was called, wake(arg) will be */
	SNAPDOC_NONE,    /* nothing published yet, or closed */
	SNAPDOC_FAILED,  /* rendering this snapshot failed (out of memory) */
};

/* The document of the current snapshot. With any_ok, an older document
 * will do when the current one is not ready (a request already woken
 * once takes it rather than wait again behind a newer publication).
 * When it is not ready, suspend(arg) is called before this returns (under
 * the module's lock, so the wake cannot come first) and wake(arg) once it
 * is: call again then. */
enum snapdoc_state snapdoc_get(struct snapdoc *d, bool any_ok, struct lvs_body **out,
			       void (*suspend)(void *arg), void (*wake)(void *arg), void *arg);

/* While closed, get answers NONE and parks nothing; closing wakes every
 * parked request. A server closes it before it stops its listener (whose
 * suspended connections must all be resumed first) and opens it again
 * when it listens. A new renderer is open. */
void snapdoc_set_closed(struct snapdoc *d, bool closed);

/* Documents rendered since new (for tests). */
unsigned long snapdoc_renders(struct snapdoc *d);

#endif
