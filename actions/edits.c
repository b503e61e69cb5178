/* The typed entry points of the console's forms and keys: whole objects in,
 * one plan out (a new identity re-creates the object). */
#include "actions/internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/ip_vs.h>

#include "collector/snapshot.h"
/* ------------------------------------------------------------------------
 * Typed entry points
 * ------------------------------------------------------------------------ */

static int one_op(lvs_actions *a, struct lvs_op *op, const char *action, bool check_s, bool check_d)
{
	struct lvs_plan p;
	struct lvs_snapshot *before;
	char obj[2 * LVS_OBJ_MAX + 8];
	int r;

	/* The object's own checks need no table (of the service they read
	 * only its identity): before the kernel is reached. */
	if (check_s && (r = act_check_svc(a, &op->svc, "")) != 0)
		return r;
	if (check_d && (r = act_check_dest(a, &op->svc, &op->dest, "")) != 0)
		return r;
	if ((r = act_begin(a, &p, &before)) != 0) {
		act_end(a, &p, before);
		return r;
	}
	bool dest = op->kind == LVS_OP_ADD_DEST || op->kind == LVS_OP_SET_DEST ||
		    op->kind == LVS_OP_DEL_DEST;
	if (dest || (op->kind == LVS_OP_ZERO && !op->svc_all)) {
		struct lvs_service cur;
		if ((r = act_need_svc(a, &p, &op->svc, &cur, "")) != 0)
			goto out;
		op->svc = cur; /* the service's settings do not matter to the kernel here */
	}
	if ((r = act_add_op(a, &p, op, "")) != 0)
		goto out;
	if (op->kind == LVS_OP_FLUSH || (op->kind == LVS_OP_ZERO && op->svc_all))
		snprintf(obj, sizeof(obj), "all");
	else
		act_object_text(&op->svc, dest ? &op->dest : NULL, obj, sizeof(obj));
	r = act_commit(a, &p, action, obj, NULL);
	if (!r)
		act_set_msg(a, "%s %s: done", action, obj);
out:
	act_end(a, &p, before);
	return r;
}

int actions_add_service(lvs_actions *a, const struct lvs_service *svc)
{
	struct lvs_op op = { .kind = LVS_OP_ADD_SVC, .svc = *svc };
	return one_op(a, &op, "add-service", true, false);
}

int actions_del_service(lvs_actions *a, const struct lvs_service *id)
{
	struct lvs_op op = { .kind = LVS_OP_DEL_SVC, .svc = *id };
	return one_op(a, &op, "del-service", false, false);
}

int actions_add_server(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *d)
{
	struct lvs_op op = { .kind = LVS_OP_ADD_DEST, .svc = *id, .dest = *d };
	return one_op(a, &op, "add-server", false, true);
}

int actions_del_server(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id)
{
	struct lvs_op op = { .kind = LVS_OP_DEL_DEST, .svc = *id, .dest = *dest_id };
	return one_op(a, &op, "del-server", false, false);
}

int actions_zero(lvs_actions *a, const struct lvs_service *id)
{
	struct lvs_op op = { .kind = LVS_OP_ZERO, .svc_all = id == NULL };
	if (id)
		op.svc = *id;
	return one_op(a, &op, "zero", false, false);
}

int actions_timeouts(lvs_actions *a, uint32_t tcp, uint32_t tcpfin, uint32_t udp)
{
	struct lvs_op op = { .kind = LVS_OP_TIMEOUTS, .timeouts = { tcp, tcpfin, udp } };
	if (tcp > LVS_TIMEOUT_MAX || tcpfin > LVS_TIMEOUT_MAX || udp > LVS_TIMEOUT_MAX) {
		act_set_err(a, "timeouts: at most %u seconds each", LVS_TIMEOUT_MAX);
		return -EINVAL;
	}
	return one_op(a, &op, "timeouts", false, false);
}

int actions_flush(lvs_actions *a)
{
	struct lvs_op op = { .kind = LVS_OP_FLUSH };
	return one_op(a, &op, "flush", false, false);
}

int actions_daemon_start(lvs_actions *a, const struct lvs_daemon *dm)
{
	struct lvs_op op = { .kind = LVS_OP_ADD_DAEMON, .dm = *dm };
	if (dm->state != IP_VS_STATE_MASTER && dm->state != IP_VS_STATE_BACKUP) {
		act_set_err(a, "sync daemon: state must be master or backup");
		return -EINVAL;
	}
	if (!dm->mcast_ifn[0]) {
		act_set_err(a, "sync daemon: the multicast interface is missing");
		return -EINVAL;
	}
	if (dm->syncid > 255) {
		act_set_err(a, "sync daemon: sync id %u is out of range (0..255)", dm->syncid);
		return -EINVAL;
	}
	return one_op(a, &op, "start-daemon", false, false);
}

int actions_daemon_stop(lvs_actions *a, uint32_t state)
{
	struct lvs_op op = { .kind = LVS_OP_DEL_DAEMON };
	op.dm.state = state;
	return one_op(a, &op, "stop-daemon", false, false);
}

int actions_set_weight(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
		       int64_t weight, bool relative)
{
	struct lvs_args g;
	memset(&g, 0, sizeof(g));
	g.act = LVS_ACT_WEIGHT;
	g.svc = *id;
	g.dest = *dest_id;
	g.given = LVS_ARG_SVC | LVS_ARG_DEST | LVS_ARG_DEST_PORT;
	if (relative) {
		g.weight_relative = true;
		g.weight_delta = weight;
	} else {
		if (weight < 0 || weight > LVS_WEIGHT_MAX) {
			act_set_err(a, "weight: %lld is out of range (0..%d)", (long long)weight, LVS_WEIGHT_MAX);
			return -EINVAL;
		}
		g.dest.weight = (int32_t)weight;
		g.given |= LVS_ARG_WEIGHT;
	}
	return act_run_simple(a, &g);
}

int actions_edit_service(lvs_actions *a, const struct lvs_service *id, const struct lvs_service *svc)
{
	struct lvs_plan p;
	struct lvs_snapshot *before;
	struct lvs_service cur;
	struct lvs_op op;
	char obj[2 * LVS_OBJ_MAX + 8];
	int r;

	if ((r = act_check_svc(a, svc, "")) != 0)
		return r;
	if ((r = act_begin(a, &p, &before)) != 0) {
		act_end(a, &p, before);
		return r;
	}
	if ((r = act_need_svc(a, &p, id, &cur, "")) != 0)
		goto out;
	memset(&op, 0, sizeof(op));
	if (lvs_service_same(id, svc)) {
		op.kind = LVS_OP_SET_SVC;
		op.svc = *svc;
		r = act_add_op(a, &p, &op, "");
	} else {
		/* A new identity is a new service: make it, move the real
		 * servers over, then remove the old one. */
		op.kind = LVS_OP_ADD_SVC;
		op.svc = *svc;
		r = act_add_op(a, &p, &op, "");
		const struct lvs_service *old = act_find_svc(before, id);
		for (size_t i = 0; !r && old && i < old->n_dests; i++) {
			memset(&op, 0, sizeof(op));
			op.kind = LVS_OP_ADD_DEST;
			op.svc = *svc;
			op.dest = old->dests[i];
			if (!svc->fwmark && (op.dest.fwd == LVS_FWD_ROUTE || op.dest.fwd == LVS_FWD_TUNNEL))
				op.dest.port = svc->port; /* those cannot change the port */
			if ((r = act_check_dest(a, svc, &op.dest, "")) == 0)
				r = act_add_op(a, &p, &op, "");
		}
		if (!r) {
			memset(&op, 0, sizeof(op));
			op.kind = LVS_OP_DEL_SVC;
			op.svc = cur;
			r = act_add_op(a, &p, &op, "");
		}
	}
	if (r)
		goto out;
	act_object_text(id, NULL, obj, sizeof(obj));
	r = act_commit(a, &p, "edit-service", obj, NULL);
	if (!r)
		act_set_msg(a, "edit-service %s: done", obj);
out:
	act_end(a, &p, before);
	return r;
}

int actions_edit_server(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *old_id,
			const struct lvs_dest *d)
{
	struct lvs_plan p;
	struct lvs_snapshot *before;
	struct lvs_service cur;
	struct lvs_op op;
	char obj[2 * LVS_OBJ_MAX + 8];
	int r;

	if ((r = act_check_dest(a, id, d, "")) != 0)
		return r; /* of the service only its identity counts: no table needed */
	if ((r = act_begin(a, &p, &before)) != 0) {
		act_end(a, &p, before);
		return r;
	}
	if ((r = act_need_svc(a, &p, id, &cur, "")) != 0)
		goto out;
	if (!plan_find_dest(&p, &cur, old_id, NULL)) {
		char s[LVS_OBJ_MAX], t[LVS_OBJ_MAX];
		act_set_err(a, "no real server %s in virtual service %s", lvs_dest_text(old_id, t, sizeof(t)),
			lvs_svc_text(&cur, s, sizeof(s)));
		r = -ENOENT;
		goto out;
	}
	memset(&op, 0, sizeof(op));
	op.svc = cur;
	op.dest = *d;
	if (lvs_dest_same(old_id, d)) {
		op.kind = LVS_OP_SET_DEST;
		r = act_add_op(a, &p, &op, "");
	} else {
		op.kind = LVS_OP_ADD_DEST;
		r = act_add_op(a, &p, &op, "");
		if (!r) {
			op.kind = LVS_OP_DEL_DEST;
			op.dest = *old_id;
			r = act_add_op(a, &p, &op, "");
		}
	}
	if (r)
		goto out;
	act_object_text(&cur, old_id, obj, sizeof(obj));
	r = act_commit(a, &p, "edit-server", obj, NULL);
	if (!r)
		act_set_msg(a, "edit-server %s: done", obj);
out:
	act_end(a, &p, before);
	return r;
}

