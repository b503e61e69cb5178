/* The console's one writer: a worker thread that owns the single
 * lvs_actions handle and runs every change the keys and forms ask for, in
 * order, so the UI thread never waits for netlink, the state file's lock
 * or the audit log. Results come back through a queue and an eventfd the
 * UI loop poll()s (as the collector's notify fd). The worker also reads
 * the state file for the marks (quiesced, draining) when asked, at most
 * once per snapshot, and polls a drain every second while its panel is
 * open.
 * Threads: edit_new/edit_free and the posting/taking calls from the UI
 * thread; everything else happens on the worker. */
#ifndef LVSTOP_CONSOLE_EDIT_H
#define LVSTOP_CONSOLE_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actions/actions.h"

enum edit_op {
	EDIT_ADD_SERVICE,
	EDIT_EDIT_SERVICE,
	EDIT_DEL_SERVICE,
	EDIT_ADD_SERVER,
	EDIT_EDIT_SERVER,
	EDIT_DEL_SERVER,
	EDIT_WEIGHT,
	EDIT_QUIESCE,
	EDIT_RESTORE,
	EDIT_DRAIN,      /* begin a drain and poll it every second */
	EDIT_DRAIN_STOP, /* stop polling (the drain stays in the state file) */
	EDIT_ZERO,
	EDIT_TIMEOUTS,
	EDIT_FLUSH,
	EDIT_DAEMON_START,
	EDIT_DAEMON_STOP,
	EDIT_UNDO,
	EDIT_STATE,      /* re-read the state file for the marks */
};

struct edit_job {
	enum edit_op op;
	struct lvs_service svc;      /* the service acted on (identity), or the new one */
	struct lvs_service new_svc;  /* EDIT_EDIT_SERVICE: the new settings */
	bool whole_table;            /* EDIT_ZERO: every counter */
	struct lvs_dest dest;        /* the real server acted on (identity), or the new one */
	struct lvs_dest new_dest;    /* EDIT_EDIT_SERVER */
	int64_t weight;              /* EDIT_WEIGHT */
	bool relative;
	struct lvs_drain_opts drain;
	uint32_t timeouts[3];
	struct lvs_daemon dm;        /* start: the daemon; stop: dm.state */
};

/* A finished job: what the UI says about it. */
struct edit_result {
	enum edit_op op;
	int rc;                      /* 0 or the action's negative errno */
	char msg[256];               /* actions_message or actions_error */
};

/* A mark for a real server, from the state file. */
struct edit_mark {
	char service[LVS_OBJ_MAX], server[LVS_OBJ_MAX];
	int32_t weight;              /* remembered */
	bool draining;
};

/* The drain being watched. */
struct edit_drain_view {
	bool active;                 /* polling */
	char object[2 * LVS_OBJ_MAX + 8];
	struct lvs_drain_progress p;
	bool has_progress;
	bool remove_at_zero;
	bool ignore_inactive;        /* done with active and persistent at 0 */
	int rc;                      /* last poll's result */
};

typedef struct edit edit;

/* Start the worker. o: as actions_open's (source "console"). 0, -ENOMEM,
 * the eventfd's or pthread_create's errno, or actions_open's error (err). */
int edit_new(edit **out, const struct lvs_actions_opts *o, char *err, size_t errlen);
/* Stop the worker (the job it is running finishes first) and free. */
void edit_free(edit *e);
/* The fd that becomes readable when results, marks or drain progress are
 * ready; edit_drain_fd clears it. */
int edit_fd(const edit *e);
void edit_drain_fd(edit *e);

/* Queue a job. 0; -EAGAIN when EDIT_QUEUE jobs are waiting already. An
 * EDIT_STATE job is merged with one already waiting. */
#define EDIT_QUEUE 32
int edit_post(edit *e, const struct edit_job *j);
/* Jobs queued or running. */
size_t edit_pending(edit *e);
/* Take the oldest finished job's result; false when none. */
bool edit_take(edit *e, struct edit_result *r);
/* The marks, when newer ones were read than the generation *gen the
 * caller has: *out (owned by the caller, free()) and *n replaced, *gen
 * updated, true. */
bool edit_take_marks(edit *e, uint64_t *gen, struct edit_mark **out, size_t *n);
/* A copy of the drain being watched. */
void edit_drain_view(edit *e, struct edit_drain_view *v);
/* What u would undo (a copy), "" when nothing. */
void edit_undo_desc(edit *e, char *buf, size_t len);

#endif
