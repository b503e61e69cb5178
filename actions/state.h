/* What lvstop remembers across restarts: the weight a quiesced or draining
 * real server had, and whether it is draining. A JSON file (json-c),
 * replaced atomically (write a temporary file, fsync, rename), so a crash
 * leaves the old file or the new one, never half of one.
 * Objects are named by their text forms (lvs_svc_text / lvs_dest_text), so
 * the file stays readable and survives a reordering of the table.
 * Threads: one lvs_state per thread; the file is not locked. */
#ifndef LVSTOP_ACTIONS_STATE_H
#define LVSTOP_ACTIONS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actions/ops.h"

#define LVS_STATE_PATH "/var/lib/lvstop/state.json"
#define LVS_STATE_ENV "LVSTOP_STATE_FILE"

struct lvs_state_entry {
	char service[LVS_OBJ_MAX]; /* "TCP 203.0.113.10:80" */
	char server[LVS_OBJ_MAX];  /* "192.0.2.11:80" */
	int32_t weight;            /* the weight before quiesce: what restore gives back */
	bool draining;             /* drain started (quiesced, waiting for zero) */
	bool remove_at_zero;       /* drain --remove: delete once connections are gone */
	bool ignore_inactive;      /* drain --ignore-inactive: done when no active or
				    * persistent connection is left (TIME_WAIT and
				    * other inactive entries may remain) */
	double since;              /* wall clock of quiesce or drain start */
};

struct lvs_state {
	struct lvs_state_entry *v; /* owned */
	size_t n, cap;
};

/* $LVSTOP_STATE_FILE when set and not empty, else LVS_STATE_PATH. */
const char *state_default_path(void);

/* Read path into st (emptied first). A missing file is an empty state.
 * 0; -EINVAL (not our JSON: err names the file and the problem), or the
 * negative errno of reading it. */
int state_load(struct lvs_state *st, const char *path, char *err, size_t errlen);
/* Write st to path atomically (file 0644), creating its directory 0755
 * with its parents (0755) when missing. 0 or a negative errno, with err naming the file. */
int state_save(const struct lvs_state *st, const char *path, char *err, size_t errlen);

/* The entry for a real server, NULL if none. The pointer stays valid until
 * the next state_put/state_remove/state_done. */
struct lvs_state_entry *state_find(struct lvs_state *st, const char *service, const char *server);
/* Add or replace (by service and server). 0 or -ENOMEM. */
int state_put(struct lvs_state *st, const struct lvs_state_entry *e);
/* Forget one real server; true when it was there. */
bool state_remove(struct lvs_state *st, const char *service, const char *server);
void state_done(struct lvs_state *st);

#endif
