/* lvsd's view of the declared table (keepalived.conf or lvs.cf, found where
 * they usually are; docs/keepalived.md): the file and its errors, which
 * kernel real servers it declares, the drift by kind and item, and this
 * director's VRRP role from the addresses it holds. The file is read again
 * when it changes (size, time or inode) and on reload.
 * Metric families (docs/metrics.md): lvsd_declared_info, lvsd_declared_errors,
 * lvsd_declared_sync_daemon, lvsd_real_server_declared, lvsd_drift,
 * lvsd_drift_item, lvsd_vrrp_master, lvsd_vrrp_role.
 * Threads: lvsd's main loop only; the object is owned by the daemon. */
#ifndef LVSTOP_EXPORTER_DECLARED_EXPORT_H
#define LVSTOP_EXPORTER_DECLARED_EXPORT_H

#include <stdbool.h>

#include "collector/declared/declared.h"
#include "collector/declared/vrrp_role.h"
#include "collector/model.h"
#include "exporter/metrics/outbuf.h"

struct declared_export;

/* path NULL: the first of LVS_DECL_KEEPALIVED_PATH and LVS_DECL_LVSCF_PATH
 * that exists, looked for again at each run while neither does. NULL on
 * out of memory. */
struct declared_export *declared_export_new(const char *path, enum lvs_decl_kind kind);
void declared_export_free(struct declared_export *x);

/* Read the file again at the next run (SIGHUP). */
void declared_export_reload(struct declared_export *x);

/* Render the families for snapshot s (this machine's kernel; NULL renders
 * nothing). Nothing at all while no declared file exists. 0 or -ENOMEM. */
int declared_export_run(struct declared_export *x, struct outbuf *o, const struct lvs_snapshot *s);

/* For the collector's annotate hook (the poller's own instance: nothing
 * here is locked): fill s->vrrp with the role of each declared VRRP
 * instance, from this host's addresses read now (the file read again when
 * it changed), so that /api/v1/snapshot carries them to `lvstop --remote`.
 * Nothing without a file or instances. */
void declared_export_annotate(struct declared_export *x, struct lvs_snapshot *s);
/* The filling alone, for tests: roles of d's instances into s->vrrp (at
 * most LVS_VRRP_MAX). */
void declared_export_fill_vrrp(const struct lvs_declared *d, const struct lvs_vrrp_status *roles,
			       struct lvs_snapshot *s);
/* The table the last run read (NULL: none), owned by x: valid until the
 * next run, reload or free. */
const struct lvs_declared *declared_export_table(const struct declared_export *x);

/* The rendering alone, for tests: the table d (NULL: none), the roles of
 * its instances (d->n_vrrp of them, or NULL), the snapshot s. */
int declared_export_render(struct outbuf *o, const char *path, const struct lvs_declared *d,
			   const struct lvs_vrrp_status *roles, const struct lvs_snapshot *s);

#endif
