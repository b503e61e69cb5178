/* The declared file beside the console: a worker thread reads
 * keepalived.conf or lvs.cf (named, or the first of the default paths that
 * exists), again whenever one of its files changes, and computes the marks
 * (marks.h) of each snapshot the console shows, so that the UI thread never
 * waits on a file while drawing.
 * Threads: decl_view_new, _submit, _take, _fd and _free from the UI thread;
 * the worker reads the file and the submitted snapshots only. */
#ifndef LVSTOP_CONSOLE_DECL_VIEW_H
#define LVSTOP_CONSOLE_DECL_VIEW_H

#include "collector/declared/declared.h"
#include "collector/model.h"
#include "marks.h"

typedef struct decl_view decl_view; /* opaque */

/* Start the worker. path NULL: look for the default paths (at each
 * snapshot, so a file that appears later is taken); else read path as
 * kind. NULL when out of memory or the thread cannot start (the console
 * then shows no marks). */
decl_view *decl_view_new(const char *path, enum lvs_decl_kind kind);
/* Stop the worker, drop the pending job and result. NULL is ignored. */
void decl_view_free(decl_view *v);
/* Compare snapshot s (a reference is taken) next; a job not yet started
 * is replaced. */
void decl_view_submit(decl_view *v, struct lvs_snapshot *s);
/* Readable when marks are ready. */
int decl_view_fd(const decl_view *v);
/* The newest marks (owned by the caller), or NULL when none is ready. */
struct marks *decl_view_take(decl_view *v);

#endif
