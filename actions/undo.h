/* Changes the declaring daemon undid: an lvstop (or lvsd) change of a real
 * server that keepalived.conf or lvs.cf declares, recorded in the audit
 * log, which the kernel no longer shows because keepalived (or piranha's
 * nanny) put back what its file says: a quiesced or drained server whose
 * weight is the declared one again, a weight set by hand replaced by the
 * declared weight, a removed server that is back.
 *
 * The audit log is the record of changes and also the mark: each undone
 * change is reported by appending an "undone" record (audit_write, same
 * format, with "undoes" naming the change and "message" the sentence)
 * under an exclusive flock(2) of the log, after reading what other readers
 * appended meanwhile; so lvsd, consoles and later polls say it once.
 * Which record a change is: the newest ok record naming that real server
 * (object "SERVICE -> SERVER"); a later record of another action (restore,
 * add-server, an undone mark) or of its service ends it.
 *
 * A tracker reads the log incrementally (from where it stopped; again from
 * the start when the file was rotated or truncated), at most
 * LVS_UNDO_READ_MAX bytes per poll.
 * Threads: one tracker per thread; the functions are not thread-safe on
 * one tracker. */
#ifndef LVSTOP_ACTIONS_UNDO_H
#define LVSTOP_ACTIONS_UNDO_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/declared/declared.h"
#include "collector/model.h"

#define LVS_UNDO_READ_MAX (4u << 20) /* bytes of audit log read per poll */
#define LVS_UNDO_OPEN_MAX 4096       /* changes followed at once; the oldest go */
#define LVS_UNDO_TEXT_MAX 320

/* One undone change. Strings are printable (text from the log cleaned). */
struct lvs_undo_event {
	char text[LVS_UNDO_TEXT_MAX]; /* "keepalived restored weight 3 of 10.0.0.2:80 in
				       * TCP 192.0.2.10:80, undoing lvstop quiesce at
				       * 2026-12-06 16:00:00 UTC by root" */
	char object[128];             /* "TCP 192.0.2.10:80 -> 10.0.0.2:80" */
	char action[24];              /* the undone change's action */
	double change_time;           /* wall clock of the undone change */
	bool marked;                  /* the "undone" record was appended */
	int mark_err;                 /* else the negative errno of writing it */
};

typedef struct lvs_undo lvs_undo; /* opaque */

/* A tracker of the audit log at path (copied), writing its marks with
 * user `user` (NULL: the login of the real uid) and source `source`
 * ("lvsd", "console"). NULL on out of memory. */
lvs_undo *undo_new(const char *path, const char *source, const char *user);
void undo_free(lvs_undo *u);

/* Read what the log gained, compare the open changes with snapshot s (this
 * machine's kernel, taken after the change: changes recorded later than
 * s->time are left for a later poll) and the declared table d (NULL, or
 * with errors: nothing is compared), mark and return each change found
 * undone. *ev (malloc'd, free it; NULL when *n is 0) gets the events.
 * 0; -ENOMEM; or the negative errno of opening or reading the log (a
 * missing log is 0: nothing was changed). A log this process may read but
 * not append to still yields the events, each once per tracker, with
 * marked false and mark_err set. */
int undo_poll(lvs_undo *u, const struct lvs_snapshot *s, const struct lvs_declared *d,
	      struct lvs_undo_event **ev, size_t *n);

/* The same for a reader without the declared table at hand (the console):
 * the file at decl_path (NULL: the first of keepalived.conf and lvs.cf
 * where they usually are, looked for again while neither exists), read
 * again when it changes (size, time, inode). */
typedef struct lvs_undo_watch lvs_undo_watch; /* opaque */

/* NULL on out of memory. kind: of decl_path (ignored when NULL). */
lvs_undo_watch *undo_watch_new(const char *audit_path, const char *source, const char *user,
			       const char *decl_path, enum lvs_decl_kind kind);
void undo_watch_free(lvs_undo_watch *w);

/* undo_poll against the file's table (nothing without a readable file
 * without errors). Same contract. */
int undo_watch_poll(lvs_undo_watch *w, const struct lvs_snapshot *s, struct lvs_undo_event **ev,
		    size_t *n);

/* Changes followed now (not yet undone nor ended), for tests. */
size_t undo_open_count(const lvs_undo *u);

#endif
