/* Command arguments (the command line and each line of a rule file) into
 * ops: ipvsadm's defaults for what was not given, edits merged into the
 * current settings, the real server a command names resolved as ipvsadm
 * does, and the whole object checked before it joins the plan. */
#include "actions/internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/ip_vs.h>

/* ------------------------------------------------------------------------
 * Building ops from arguments (the command line and rule files)
 * ------------------------------------------------------------------------ */

static void svc_defaults(struct lvs_service *svc, unsigned given)
{
	if (!(given & LVS_ARG_SCHED))
		snprintf(svc->sched, sizeof(svc->sched), "wlc"); /* ipvsadm's default */
	if (!(given & LVS_ARG_NETMASK))
		svc->netmask = svc->af == AF_INET6 ? 128 : 0xffffffffu;
}

/* The real server a command names: -r ADDR[:PORT]. Without a port,
 * ipvsadm means the service's port; when the service has exactly one real
 * server at that address on another port (masquerading can map ports),
 * that one is meant. */
static bool resolve_dest(const struct lvs_plan *p, const struct lvs_service *svc,
			 const struct lvs_args *g, struct lvs_dest *id)
{
	*id = g->dest;
	if (g->given & LVS_ARG_DEST_PORT)
		return plan_find_dest(p, svc, id, NULL);
	id->port = svc->fwmark ? 0 : svc->port;
	if (plan_find_dest(p, svc, id, NULL))
		return true;
	const struct lvs_service *s = act_find_svc(p->before, svc);
	const struct lvs_dest *only = NULL;
	size_t hits = 0;
	for (size_t i = 0; s && i < s->n_dests; i++)
		if (s->dests[i].af == id->af && !memcmp(&s->dests[i].addr, &id->addr, sizeof(id->addr))) {
			only = &s->dests[i];
			hits++;
		}
	if (hits == 1 && plan_find_dest(p, svc, only, NULL)) {
		id->port = only->port;
		return true;
	}
	return false;
}

int act_need_svc(lvs_actions *a, const struct lvs_plan *p, const struct lvs_service *id,
		    struct lvs_service *out, const char *prefix)
{
	char s[LVS_OBJ_MAX];
	if (plan_find_svc(p, id, out))
		return 0;
	act_set_err(a, "%sno virtual service %s", prefix, lvs_svc_text(id, s, sizeof(s)));
	return -ESRCH;
}

int act_need_dest(lvs_actions *a, const struct lvs_plan *p, const struct lvs_service *svc,
		     const struct lvs_args *g, struct lvs_dest *out, const char *prefix)
{
	char s[LVS_OBJ_MAX], d[LVS_OBJ_MAX];
	struct lvs_dest id;
	if (resolve_dest(p, svc, g, &id) && plan_find_dest(p, svc, &id, out))
		return 0;
	act_set_err(a, "%sno real server %s in virtual service %s", prefix, lvs_dest_text(&id, d, sizeof(d)),
		lvs_svc_text(svc, s, sizeof(s)));
	return -ENOENT;
}

int act_check_svc(lvs_actions *a, const struct lvs_service *svc, const char *prefix)
{
	char e[LVS_ERR_MAX];
	int r = args_check_service(svc, e, sizeof(e));
	if (r)
		act_set_err(a, "%s%s", prefix, e);
	return r;
}

int act_check_dest(lvs_actions *a, const struct lvs_service *svc, const struct lvs_dest *d,
		      const char *prefix)
{
	char e[LVS_ERR_MAX];
	int r = args_check_dest(svc, d, e, sizeof(e));
	if (r)
		act_set_err(a, "%s%s", prefix, e);
	return r;
}

/* The ops for one service/real-server command, added to p. */
int act_plan_args(lvs_actions *a, struct lvs_plan *p, const struct lvs_args *g, const char *prefix)
{
	struct lvs_op op;
	struct lvs_service cur;
	struct lvs_dest d;
	int r;

	memset(&op, 0, sizeof(op));
	op.svc = g->svc;
	switch (g->act) {
	case LVS_ACT_ADD_SVC:
		op.kind = LVS_OP_ADD_SVC;
		svc_defaults(&op.svc, g->given);
		if ((r = act_check_svc(a, &op.svc, prefix)) != 0)
			return r;
		return act_add_op(a, p, &op, prefix);
	case LVS_ACT_EDIT_SVC:
		if ((r = act_need_svc(a, p, &g->svc, &cur, prefix)) != 0)
			return r;
		if (!(g->given & (LVS_ARG_SCHED | LVS_ARG_PERSIST | LVS_ARG_NETMASK | LVS_ARG_FLAGS |
				  LVS_ARG_ONEPACKET | LVS_ARG_PE | LVS_ARG_NO_PERSIST |
				  LVS_ARG_NO_ONEPACKET))) {
			act_set_err(a, "%sedit-service: nothing to change (give -s, -p, -M, -b, -o, --pe, "
				"--no-persistent or --no-ops)", prefix);
			return -EINVAL;
		}
		op.kind = LVS_OP_SET_SVC;
		op.svc = cur;
		if (g->given & LVS_ARG_SCHED)
			memcpy(op.svc.sched, g->svc.sched, sizeof(op.svc.sched));
		if (g->given & LVS_ARG_PERSIST) {
			op.svc.flags |= IP_VS_SVC_F_PERSISTENT;
			op.svc.timeout = g->svc.timeout;
		}
		if (g->given & LVS_ARG_NETMASK)
			op.svc.netmask = g->svc.netmask;
		if (g->given & LVS_ARG_FLAGS) {
			uint32_t sched = IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 | IP_VS_SVC_F_SCHED3;
			op.svc.flags = (op.svc.flags & ~sched) | (g->svc.flags & sched);
		}
		if (g->given & LVS_ARG_ONEPACKET)
			op.svc.flags |= IP_VS_SVC_F_ONEPACKET;
		if (g->given & LVS_ARG_NO_PERSIST) {
			/* As ipvsadm -E without -p: no timeout, the default mask. */
			op.svc.flags &= ~IP_VS_SVC_F_PERSISTENT;
			op.svc.timeout = 0;
			op.svc.netmask = op.svc.af == AF_INET6 ? 128 : 0xffffffffu;
		}
		if (g->given & LVS_ARG_NO_ONEPACKET)
			op.svc.flags &= ~IP_VS_SVC_F_ONEPACKET;
		if (g->given & LVS_ARG_PE)
			memcpy(op.svc.pe_name, g->svc.pe_name, sizeof(op.svc.pe_name));
		if ((r = act_check_svc(a, &op.svc, prefix)) != 0)
			return r;
		return act_add_op(a, p, &op, prefix);
	case LVS_ACT_DEL_SVC:
		op.kind = LVS_OP_DEL_SVC;
		return act_add_op(a, p, &op, prefix);
	case LVS_ACT_ADD_DEST:
		if ((r = act_need_svc(a, p, &g->svc, &cur, prefix)) != 0)
			return r;
		op.kind = LVS_OP_ADD_DEST;
		op.svc = cur;
		op.dest = g->dest;
		if (!(g->given & LVS_ARG_FWD))
			op.dest.fwd = LVS_FWD_ROUTE; /* ipvsadm's default, -g */
		if (!(g->given & LVS_ARG_WEIGHT))
			op.dest.weight = 1;
		if (!(g->given & LVS_ARG_DEST_PORT))
			op.dest.port = cur.fwmark ? 0 : cur.port;
		if ((r = act_check_dest(a, &cur, &op.dest, prefix)) != 0)
			return r;
		return act_add_op(a, p, &op, prefix);
	case LVS_ACT_EDIT_DEST:
	case LVS_ACT_WEIGHT:
		if ((r = act_need_svc(a, p, &g->svc, &cur, prefix)) != 0 ||
		    (r = act_need_dest(a, p, &cur, g, &d, prefix)) != 0)
			return r;
		op.kind = LVS_OP_SET_DEST;
		op.svc = cur;
		op.dest = d;
		if (g->act == LVS_ACT_WEIGHT) {
			int64_t w = g->weight_relative ? (int64_t)d.weight + g->weight_delta : g->dest.weight;
			op.dest.weight = (int32_t)(w < 0 ? 0 : w > LVS_WEIGHT_MAX ? LVS_WEIGHT_MAX : w);
		} else {
			if (!(g->given & (LVS_ARG_FWD | LVS_ARG_WEIGHT | LVS_ARG_UTH | LVS_ARG_LTH |
					  LVS_ARG_TUN_TYPE | LVS_ARG_TUN_PORT | LVS_ARG_TUN_FLAGS))) {
				act_set_err(a, "%sedit-server: nothing to change (give -g/-i/-m, -w, -x, -y or --tun-*)",
					prefix);
				return -EINVAL;
			}
			if (g->given & LVS_ARG_FWD) {
				op.dest.fwd = g->dest.fwd;
				if (op.dest.fwd != LVS_FWD_TUNNEL)
					op.dest.tun_type = 0, op.dest.tun_port = 0, op.dest.tun_flags = 0;
			}
			if (g->given & LVS_ARG_WEIGHT)
				op.dest.weight = g->dest.weight;
			if (g->given & LVS_ARG_UTH)
				op.dest.u_thresh = g->dest.u_thresh;
			if (g->given & LVS_ARG_LTH)
				op.dest.l_thresh = g->dest.l_thresh;
			if (g->given & LVS_ARG_TUN_TYPE)
				op.dest.tun_type = g->dest.tun_type;
			if (g->given & LVS_ARG_TUN_PORT)
				op.dest.tun_port = g->dest.tun_port;
			if (g->given & LVS_ARG_TUN_FLAGS)
				op.dest.tun_flags = g->dest.tun_flags;
		}
		if ((r = act_check_dest(a, &cur, &op.dest, prefix)) != 0)
			return r;
		return act_add_op(a, p, &op, prefix);
	case LVS_ACT_DEL_DEST:
		if ((r = act_need_svc(a, p, &g->svc, &cur, prefix)) != 0 ||
		    (r = act_need_dest(a, p, &cur, g, &d, prefix)) != 0)
			return r;
		op.kind = LVS_OP_DEL_DEST;
		op.svc = cur;
		op.dest = d;
		return act_add_op(a, p, &op, prefix);
	case LVS_ACT_ZERO:
		op.kind = LVS_OP_ZERO;
		if (!(g->given & LVS_ARG_SVC))
			op.svc_all = true;
		return act_add_op(a, p, &op, prefix);
	case LVS_ACT_TIMEOUTS:
		if (!g->timeouts[0] && !g->timeouts[1] && !g->timeouts[2]) {
			act_set_err(a, "%stimeouts: 0 0 0 changes nothing (0 keeps a timeout as it is)", prefix);
			return -EINVAL;
		}
		op.kind = LVS_OP_TIMEOUTS;
		memcpy(op.timeouts, g->timeouts, sizeof(op.timeouts));
		return act_add_op(a, p, &op, prefix);
	case LVS_ACT_FLUSH:
		op.kind = LVS_OP_FLUSH;
		return act_add_op(a, p, &op, prefix);
	default:
		act_set_err(a, "%s%s: not a single change", prefix, args_act_name(g->act));
		return -EINVAL;
	}
}

/* Start a plan over a fresh table read. */

int act_run_simple(lvs_actions *a, const struct lvs_args *g)
{
	struct lvs_plan p;
	struct lvs_snapshot *before;
	char obj[2 * LVS_OBJ_MAX + 8] = "";
	int r;

	if ((r = act_begin(a, &p, &before)) != 0) {
		act_end(a, &p, before);
		return r;
	}
	r = act_plan_args(a, &p, g, "");
	if (!r) {
		const struct lvs_op *op = &p.ops[0];
		bool dest = op->kind == LVS_OP_ADD_DEST || op->kind == LVS_OP_SET_DEST ||
			    op->kind == LVS_OP_DEL_DEST;
		if (op->kind == LVS_OP_TIMEOUTS)
			snprintf(obj, sizeof(obj), "tcp %u tcpfin %u udp %u", op->timeouts[0],
				 op->timeouts[1], op->timeouts[2]);
		else if (op->kind == LVS_OP_FLUSH || (op->kind == LVS_OP_ZERO && op->svc_all))
			snprintf(obj, sizeof(obj), "all");
		else
			act_object_text(&op->svc, dest ? &op->dest : NULL, obj, sizeof(obj));
		r = act_commit(a, &p, args_act_name(g->act), obj, NULL);
		if (!r)
			act_set_msg(a, "%s %s: done", args_act_name(g->act), obj);
	}
	act_end(a, &p, before);
	return r;
}

