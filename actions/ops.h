/* Changes to the IPVS table as data: one lvs_op per kernel command, a plan
 * (ops in order, each with the ops that undo it), and running a plan so
 * that a failure part-way undoes what was done, leaving the table as it was.
 * Planning is pure (it reads a snapshot and the plan so far, never the
 * kernel), so rollback and undo are testable without one.
 * Threads: a plan belongs to one thread. */
#ifndef LVSTOP_ACTIONS_OPS_H
#define LVSTOP_ACTIONS_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/model.h"
#include "collector/names.h" /* lvs_svc_text, lvs_dest_text */

#define LVS_ERR_MAX 512 /* room for one error sentence */
#define LVS_OBJ_MAX 96  /* room for "FWM 4294967295 IPv6" or "SCTP [v6]:port" */

enum lvs_op_kind {
	LVS_OP_ADD_SVC,
	LVS_OP_SET_SVC,
	LVS_OP_DEL_SVC,
	LVS_OP_ADD_DEST,
	LVS_OP_SET_DEST,
	LVS_OP_DEL_DEST,
	LVS_OP_ZERO,     /* svc_all: every counter, else one service's */
	LVS_OP_FLUSH,
	LVS_OP_TIMEOUTS, /* timeouts[]: tcp, tcpfin, udp; 0 leaves one as it is */
	LVS_OP_ADD_DAEMON,
	LVS_OP_DEL_DAEMON,
};

/* One kernel command. svc carries the identity (af; fwmark, or protocol,
 * addr, port) and, for ADD/SET_SVC, every setting; dest likewise. Only the
 * fields of the model that the kernel takes are used. */
struct lvs_op {
	enum lvs_op_kind kind;
	bool svc_all; /* ZERO of everything */
	struct lvs_service svc;
	struct lvs_dest dest;
	uint32_t timeouts[3];
	struct lvs_daemon dm;
};

/* ops[i] is undone by inv[inv_first[i] .. inv_first[i] + inv_n[i]) in that
 * order; undoing a whole plan runs the inverses of its ops last to first.
 * `undoable` is false when an op cannot be undone (zeroing counters). */
struct lvs_plan {
	struct lvs_op *ops; /* owned */
	size_t n, cap;
	struct lvs_op *inv; /* owned */
	size_t n_inv, cap_inv;
	size_t *inv_first, *inv_n; /* owned, n entries each */
	bool undoable;
	const struct lvs_snapshot *before; /* borrowed: the table the plan starts from */
};


/* Start an empty plan over `before` (borrowed; must outlive the plan). */
void plan_init(struct lvs_plan *p, const struct lvs_snapshot *before);
void plan_done(struct lvs_plan *p);

/* Look an object up in the table as it will be once the plan's ops so far
 * have run. The result is copied to *out (dests of a service are not
 * filled). true when it exists. */
bool plan_find_svc(const struct lvs_plan *p, const struct lvs_service *id, struct lvs_service *out);
bool plan_find_dest(const struct lvs_plan *p, const struct lvs_service *svc_id,
		    const struct lvs_dest *id, struct lvs_dest *out);
/* Timeouts as they will be (from `before` and TIMEOUTS ops). */
void plan_timeouts(const struct lvs_plan *p, uint32_t out[3]);

/* Append op after checking it against the table as it will be, and record
 * its inverse. The check is what the kernel would refuse: adding what
 * exists, touching a service or real server that does not. On refusal
 * nothing is appended and err gets one sentence naming the object, e.g.
 * "no virtual service TCP 203.0.113.10:80".
 * 0; -EEXIST, -ESRCH (no such service), -ENOENT (no such real server),
 * -EINVAL (a daemon op the table contradicts); -ENOMEM. */
int plan_add(struct lvs_plan *p, const struct lvs_op *op, char *err, size_t errlen);

/* How a plan reaches the kernel: apply one op, 0 or a negative errno as
 * ipvs_nl's writer returns it. Tests supply their own. */
struct lvs_writer {
	int (*apply)(void *ctx, const struct lvs_op *op);
	void *ctx;
};
/* The writer that sends ops through ipvs_nl (ctx: an lvs_nl handle). */
int ops_apply_nl(void *nl, const struct lvs_op *op);

/* Run the plan's ops in order. When op i fails, the inverses of ops i-1 .. 0
 * run (last first) and *rolled_back says whether all of them succeeded.
 * Returns 0, or op i's error; *failed_at = i (n when all ran). err gets a
 * sentence for op i's failure (ops_strerror). */
int plan_run(const struct lvs_plan *p, const struct lvs_writer *w, size_t *failed_at,
	     bool *rolled_back, char *err, size_t errlen);

/* The inverse of the whole plan as a new op list (owned by the caller,
 * free()), in the order to run it: for undo. *n = 0 and NULL when empty. */
struct lvs_op *plan_inverse(const struct lvs_plan *p, size_t *n);

/* One sentence for a kernel answer to op: names the object and the cause,
 * e.g. "no virtual service TCP 203.0.113.10:80", "scheduler 'foo': the
 * kernel has no such scheduler and could not load module ip_vs_foo". */
void ops_strerror(const struct lvs_op *op, int err, char *buf, size_t len);

/* "add-service", "edit-server", ... for messages and audit records. */
const char *ops_kind_name(enum lvs_op_kind k);

#endif
