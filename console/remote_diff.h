/* Where two directors' tables differ (a master/backup pair should hold the
 * same virtual services, real servers and weights): a mark per service
 * and per real server of one snapshot, against the other.
 * Threads: pure functions. */
#ifndef LVSTOP_CONSOLE_REMOTE_DIFF_H
#define LVSTOP_CONSOLE_REMOTE_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "collector/model.h"

#define RDIFF_ONLY_HERE 0x01 /* the other director has no such object */
#define RDIFF_SCHED 0x02     /* service: scheduler, flags or persistence differ */
#define RDIFF_WEIGHT 0x04    /* real server: weight differs */
#define RDIFF_FWD 0x08       /* real server: forwarding method differs */
#define RDIFF_DESTS 0x10     /* service: some of its real servers differ, or the
			      * other side has real servers this one lacks */

struct remote_diff {
	uint8_t *svc;  /* owned; one mark per service of `mine` */
	uint8_t *dest; /* owned; one mark per real server of `mine`
			* (index in mine->dests) */
	size_t n_svc, n_dest;
	size_t n_marked; /* services and real servers with a mark */
};

/* Mark every object of mine against other (mine's snapshot order).
 * Objects are matched by identity (lvs_key), never by position. With
 * other NULL, nothing is marked (no partner to compare with). 0 or
 * -ENOMEM (out is then empty). Call remote_diff_done on out either way. */
int remote_diff_compute(const struct lvs_snapshot *mine, const struct lvs_snapshot *other,
			struct remote_diff *out);
void remote_diff_done(struct remote_diff *d);

/* A short text for a mark: "only here", "weight", "sched", "fwd",
 * "servers" (several joined by ","), or "" for 0. */
const char *remote_diff_text(uint8_t mark, char *buf, size_t len);

#endif
