/* quiesce_on_failure: a service's real server whose check fails gets
 * weight 0, and its weight back when the check passes again (keepalived's
 * inhibit_on_failure), through the actions library, so each change is
 * checked against the live table, remembered in the state file and
 * audited like an operator's. The health engine reports transitions on its
 * own thread and must not wait for the kernel: it queues them here, and
 * the daemon's main thread applies them when the queue's fd turns
 * readable. A server an operator is draining is never restored.
 * Threads: quiesce_push from any thread; the rest from the owner's. */
#ifndef LVSTOP_EXPORTER_QUIESCE_H
#define LVSTOP_EXPORTER_QUIESCE_H

#include "collector/health.h"
#include "lvsd_conf.h"

typedef struct lvsd_quiesce lvsd_quiesce; /* opaque */

/* NULL with errno set (ENOMEM, or the eventfd's error). The actions
 * handle is opened on first use, with audit source "lvsd" and the
 * default state and audit paths ($LVSTOP_STATE_FILE, $LVSTOP_AUDIT_LOG). */
lvsd_quiesce *quiesce_new(void);
void quiesce_free(lvsd_quiesce *q);

/* Readable while transitions wait. */
int quiesce_fd(lvsd_quiesce *q);

/* Queue a transition of a per-service check (others are ignored: their
 * result applies to every service, and quiescing is decided per service).
 * Never blocks for long. 0, or -ENOMEM (the transition is lost and
 * logged). */
int quiesce_push(lvsd_quiesce *q, const struct lvs_check_spec *spec, enum lvs_health from,
		 enum lvs_health to);

/* Apply what waits, under config c: down -> quiesce, up -> restore, for
 * services with quiesce_on_failure. Logs each change and each failure.
 * Returns the number of changes made. */
int quiesce_apply(lvsd_quiesce *q, const struct lvsd_config *c);

#endif
