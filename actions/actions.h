/* Changing the IPVS table, safely: the one place every change goes through,
 * from the console and the command line alike. An lvs_actions owns the
 * single netlink writer handle, the state file (remembered weights, drains)
 * and the audit trail.
 *
 * Every action
 *   1. checks all of its input (fields, then against the current table,
 *      read fresh with ipvs_nl_read_all) before anything is sent;
 *   2. runs as a plan of kernel commands; when one fails, the commands
 *      already done are undone, so the table is left as it was;
 *   3. appends one audit record (before/after rule lines, result);
 *   4. remembers its inverse, for actions_undo_last.
 *
 * Errors: every int function returns 0 or a negative errno, and on failure
 * actions_error() holds one sentence naming the field or object and the
 * problem ("no virtual service TCP 203.0.113.10:80", "weight: '7x' is not
 * a number"). Codes: -EINVAL bad input; -ESRCH no such service; -ENOENT no
 * such real server (or a missing scheduler module, see ipvs_nl.h);
 * -EEXIST exists already; -EPERM no CAP_NET_ADMIN; -ENOPKG ip_vs not
 * loaded; -ENODATA nothing to undo or restore; -EIO, -ENOMEM; or the
 * kernel's errno for the failing command (ipvs_nl.h lists them).
 * Processes: the console, lvsd and the command line share the state file.
 * Each action holds an flock on STATE.lock while it reads, changes and
 * writes it, and re-reads the file when it changed on disk, so concurrent
 * lvstops never lose each other's remembered weights.
 * Threads: an lvs_actions is used by one thread at a time, the one that
 * makes its calls; it has no threads of its own. Calls block for a table
 * read, a few netlink writes, the state file and audit log writes, and
 * another process's action holding the lock, so an interactive program
 * makes them off its UI thread: the console opens the handle, hands it to
 * its writer thread (console/edit.c), which makes every call, and closes it
 * after joining that thread; lvsd makes them on its main thread
 * (exporter/quiesce.c); the command line on its only thread.
 * Files: actions_open only reads. The state file's lock (STATE.lock) and
 * the directories of the state file, its lock and the audit log are made
 * (with their parents) only once the kernel answered; a command that
 * changes nothing leaves no file it made behind (docs/actions.md, Files).
 * Sources: handle.c, record.c, commit.c, convert.c, weights.c, edits.c and
 * run.c, sharing actions/internal.h. */
#ifndef LVSTOP_ACTIONS_ACTIONS_H
#define LVSTOP_ACTIONS_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "actions/args.h"
#include "actions/ops.h"
#include "actions/state.h"
#include "collector/model.h"

typedef struct lvs_actions lvs_actions; /* opaque */

struct lvs_actions_opts {
	const char *state_path; /* NULL: state_default_path() */
	const char *audit_path; /* NULL: audit_default_path() */
	bool no_syslog;         /* audit to the file only (tests) */
	const char *source;     /* "cli" or "console", for the audit record */
	/* Test seams; NULL: the kernel through one ipvs_nl handle. read must
	 * return a finished snapshot with one reference (the caller unrefs). */
	const struct lvs_writer *writer;
	int (*read)(void *ctx, struct lvs_snapshot **out);
	void *read_ctx;
};

/* Open: the netlink handle (unless both seams are given) and the state
 * file. The handle is opened lazily on the first action, so opening never
 * fails for want of ip_vs. 0, -ENOMEM, or the state file's error (err). */
int actions_open(lvs_actions **out, const struct lvs_actions_opts *o, char *err, size_t errlen);
void actions_close(lvs_actions *a);

/* The sentence describing the last failure ("" after a success), and the
 * one describing the last success ("quiesced 192.0.2.11:80 in TCP
 * 203.0.113.10:80 (weight 3 remembered)"). Valid until the next call. */
const char *actions_error(const lvs_actions *a);
const char *actions_message(const lvs_actions *a);

/* Run one parsed command (what the CLI and each line of a rule file do).
 * LVS_ACT_SAVE writes to out (stdout when NULL); LVS_ACT_LOAD reads
 * args->file ("-" for stdin); LVS_ACT_DRAIN only starts the drain (the
 * waiting is actions_drain_poll's, driven by the caller). */
int actions_run(lvs_actions *a, const struct lvs_args *args, FILE *out);

/* Typed entry points for the console's forms and keys. svc/dest name
 * existing objects by identity (af, protocol, address, port, fwmark); the
 * new values are whole objects (every setting the kernel takes). */
int actions_add_service(lvs_actions *a, const struct lvs_service *svc);
/* When the identity changes, the service is re-created with its real
 * servers (add the new one, copy the real servers, delete the old one),
 * all undone if a step fails. */
int actions_edit_service(lvs_actions *a, const struct lvs_service *id, const struct lvs_service *svc);
int actions_del_service(lvs_actions *a, const struct lvs_service *id);
int actions_add_server(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *d);
/* A changed address or port deletes the old real server and adds the new. */
int actions_edit_server(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *old_id,
			const struct lvs_dest *d);
int actions_del_server(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id);
/* Absolute weight, or relative (+N/-N, clamped to 0..LVS_WEIGHT_MAX). */
int actions_set_weight(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
		       int64_t weight, bool relative);
/* Weight 0, the previous weight remembered in the state file. Quiescing a
 * quiesced server changes nothing. */
int actions_quiesce(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id);
/* Back to the remembered weight; -ENODATA when nothing is remembered. */
int actions_restore(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id);
/* Quiesce and mark draining (remove_at_zero: delete it once drained). */
int actions_drain_start(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
			bool remove_at_zero);
/* The same with every drain option. ignore_inactive: the drain is done when
 * no active or persistent connection is left, without waiting for inactive
 * entries (TCP TIME_WAIT lasts 2 minutes). */
struct lvs_drain_opts {
	bool remove_at_zero;
	bool ignore_inactive;
};
int actions_drain_begin(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
			const struct lvs_drain_opts *o);
int actions_zero(lvs_actions *a, const struct lvs_service *id /* NULL: everything */);
int actions_timeouts(lvs_actions *a, uint32_t tcp, uint32_t tcpfin, uint32_t udp);
int actions_flush(lvs_actions *a);
int actions_daemon_start(lvs_actions *a, const struct lvs_daemon *dm);
int actions_daemon_stop(lvs_actions *a, uint32_t state);
/* Apply rule text (ipvsadm -S form) as one transaction; flush_first empties
 * the table first (inside the same transaction). */
int actions_load(lvs_actions *a, const char *text, bool flush_first);
/* Print the current table as ipvsadm -S -n does (full: with -x/-y). */
int actions_save(lvs_actions *a, FILE *out, bool full);

/* Undo the last change this lvs_actions made (its recorded inverse, run as
 * a new audited change); -ENODATA when there is none, -ENOTSUP when it
 * cannot be undone (zeroed counters). */
int actions_undo_last(lvs_actions *a);
/* What undo would undo ("quiesce 192.0.2.11:80 in TCP ..."), NULL if nothing. */
const char *actions_undo_desc(const lvs_actions *a);

/* Drain progress of one real server, from a fresh table read. */
struct lvs_drain_progress {
	bool exists;         /* false: the real server is gone */
	uint32_t active, inactive, persistent;
	uint64_t total;      /* active + inactive + persistent */
	double elapsed;      /* seconds since the drain started (state file) */
	double rate;         /* connections gone per second; < 0 unknown yet */
	double eta;          /* seconds until zero at that rate; < 0 unknown */
	bool done;           /* total reached 0 (active + persistent, when the
			      * drain ignores inactive connections) */
	bool removed;        /* done, remove_at_zero was set, and it was deleted */
};
/* Read the table and report; when done and remove_at_zero is set, delete
 * the real server (an audited change) and forget its state. The rate comes
 * from the samples of previous polls on this handle. */
int actions_drain_poll(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
		       struct lvs_drain_progress *p);

/* The decrease rate and ETA from samples (t[i] seconds, v[i] connections,
 * oldest first): least-squares slope over the samples; rate < 0 and eta < 0
 * when there are fewer than two samples or the count is not falling. */
void actions_drain_estimate(const double *t, const double *v, size_t n, double *rate, double *eta);

/* Find the service and real server a command names, in a fresh table read:
 * without port_given, the real server's port is the service's (ipvsadm's
 * rule) unless the service has exactly one real server at that address.
 * 0, -ESRCH, -ENOENT (with actions_error), or a read error. */
int actions_resolve(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
		    bool port_given, struct lvs_service *svc, struct lvs_dest *d);

/* What the state file says about a real server (quiesced / draining and
 * the remembered weight); false when nothing. For marking it in the UI. */
bool actions_server_state(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
			  struct lvs_state_entry *out);

/* Every remembered weight and drain at once (the state file, re-read if it
 * changed on disk), for marking many rows per frame with one stat(2).
 * Borrowed: valid until the next call on a. */
const struct lvs_state *actions_state(lvs_actions *a);

#endif
