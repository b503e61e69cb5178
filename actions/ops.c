#include "actions/ops.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ip_vs.h>

#include "collector/ipvs_nl.h"
#include "collector/names.h"
#include "collector/snapshot.h"
#include "share/vec.h"

const char *ops_kind_name(enum lvs_op_kind k)
{
	switch (k) {
	case LVS_OP_ADD_SVC: return "add-service";
	case LVS_OP_SET_SVC: return "edit-service";
	case LVS_OP_DEL_SVC: return "del-service";
	case LVS_OP_ADD_DEST: return "add-server";
	case LVS_OP_SET_DEST: return "edit-server";
	case LVS_OP_DEL_DEST: return "del-server";
	case LVS_OP_ZERO: return "zero";
	case LVS_OP_FLUSH: return "flush";
	case LVS_OP_TIMEOUTS: return "timeouts";
	case LVS_OP_ADD_DAEMON: return "start-daemon";
	case LVS_OP_DEL_DAEMON: return "stop-daemon";
	}
	return "?";
}

/* ------------------------------------------------------------------------
 * The table as it will be: the snapshot, then the plan's ops. Scanning the
 * ops backwards, the first one that speaks about the object decides.
 * ------------------------------------------------------------------------ */

void plan_init(struct lvs_plan *p, const struct lvs_snapshot *before)
{
	memset(p, 0, sizeof(*p));
	p->before = before;
	p->undoable = true;
}

void plan_done(struct lvs_plan *p)
{
	free(p->ops);
	free(p->inv);
	free(p->inv_first);
	free(p->inv_n);
	memset(p, 0, sizeof(*p));
}

static const struct lvs_service *snap_svc(const struct lvs_snapshot *s, const struct lvs_service *id)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_services; i++)
		if (lvs_service_same(&s->services[i], id))
			return &s->services[i];
	return NULL;
}

static const struct lvs_dest *snap_dest(const struct lvs_service *svc, const struct lvs_dest *id)
{
	if (!svc)
		return NULL;
	for (size_t i = 0; i < svc->n_dests; i++)
		if (lvs_dest_same(&svc->dests[i], id))
			return &svc->dests[i];
	return NULL;
}

bool plan_find_svc(const struct lvs_plan *p, const struct lvs_service *id, struct lvs_service *out)
{
	for (size_t i = p->n; i-- > 0;) {
		const struct lvs_op *op = &p->ops[i];
		if (op->kind == LVS_OP_FLUSH)
			return false;
		if (op->kind != LVS_OP_ADD_SVC && op->kind != LVS_OP_SET_SVC &&
		    op->kind != LVS_OP_DEL_SVC)
			continue;
		if (!lvs_service_same(&op->svc, id))
			continue;
		if (op->kind == LVS_OP_DEL_SVC)
			return false;
		if (out) {
			*out = op->svc;
			out->dests = NULL;
			out->n_dests = 0;
		}
		return true;
	}
	const struct lvs_service *s = snap_svc(p->before, id);
	if (s && out) {
		*out = *s;
		out->dests = NULL;
		out->n_dests = 0;
	}
	return s != NULL;
}

bool plan_find_dest(const struct lvs_plan *p, const struct lvs_service *svc_id,
		    const struct lvs_dest *id, struct lvs_dest *out)
{
	for (size_t i = p->n; i-- > 0;) {
		const struct lvs_op *op = &p->ops[i];
		if (op->kind == LVS_OP_FLUSH)
			return false;
		if (op->kind == LVS_OP_ADD_SVC || op->kind == LVS_OP_DEL_SVC) {
			/* A service made (or removed) in the plan has none of the old ones. */
			if (lvs_service_same(&op->svc, svc_id))
				return false;
			continue;
		}
		if (op->kind != LVS_OP_ADD_DEST && op->kind != LVS_OP_SET_DEST &&
		    op->kind != LVS_OP_DEL_DEST)
			continue;
		if (!lvs_service_same(&op->svc, svc_id) || !lvs_dest_same(&op->dest, id))
			continue;
		if (op->kind == LVS_OP_DEL_DEST)
			return false;
		if (out)
			*out = op->dest;
		return true;
	}
	const struct lvs_dest *d = snap_dest(snap_svc(p->before, svc_id), id);
	if (d && out)
		*out = *d;
	return d != NULL;
}

void plan_timeouts(const struct lvs_plan *p, uint32_t out[3])
{
	if (p->before) {
		out[0] = p->before->timeout_tcp;
		out[1] = p->before->timeout_tcpfin;
		out[2] = p->before->timeout_udp;
	} else {
		out[0] = out[1] = out[2] = 0;
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->ops[i].kind == LVS_OP_TIMEOUTS)
			for (int k = 0; k < 3; k++)
				if (p->ops[i].timeouts[k])
					out[k] = p->ops[i].timeouts[k];
}

/* The daemons as they will be: those of `before`, then the plan's ops. */
static bool plan_find_daemon(const struct lvs_plan *p, uint32_t state, struct lvs_daemon *out)
{
	for (size_t i = p->n; i-- > 0;) {
		const struct lvs_op *op = &p->ops[i];
		if ((op->kind != LVS_OP_ADD_DAEMON && op->kind != LVS_OP_DEL_DAEMON) ||
		    op->dm.state != state)
			continue;
		if (op->kind == LVS_OP_DEL_DAEMON)
			return false;
		if (out)
			*out = op->dm;
		return true;
	}
	for (size_t i = 0; p->before && i < p->before->n_daemons; i++)
		if (p->before->daemons[i].state == state) {
			if (out)
				*out = p->before->daemons[i];
			return true;
		}
	return false;
}

/* ------------------------------------------------------------------------
 * Building a plan
 * ------------------------------------------------------------------------ */

/* Inverses collected for one op before it is appended. */
struct inv_list {
	struct lvs_op *v;
	size_t n, cap;
};

static int inv_push(struct inv_list *l, const struct lvs_op *op)
{
	if (vec_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v), 4) < 0)
		return -ENOMEM;
	l->v[l->n++] = *op;
	return 0;
}

static void svc_only(struct lvs_op *op, enum lvs_op_kind kind, const struct lvs_service *svc)
{
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->svc = *svc;
	op->svc.dests = NULL;
	op->svc.n_dests = 0;
}

/* Re-adding a service as it will be: the service, then its real servers. */
static int inv_readd_service(const struct lvs_plan *p, const struct lvs_service *id,
			     struct inv_list *l)
{
	struct lvs_service svc;
	struct lvs_op op;
	int err;

	if (!plan_find_svc(p, id, &svc))
		return 0;
	svc_only(&op, LVS_OP_ADD_SVC, &svc);
	if ((err = inv_push(l, &op)) != 0)
		return err;
	/* Candidates: the snapshot's real servers and any the plan added. */
	const struct lvs_service *old = snap_svc(p->before, id);
	size_t n_old = old ? old->n_dests : 0;
	for (size_t i = 0; i < n_old + p->n; i++) {
		const struct lvs_dest *cand;
		if (i < n_old) {
			cand = &old->dests[i];
		} else {
			const struct lvs_op *o = &p->ops[i - n_old];
			if ((o->kind != LVS_OP_ADD_DEST && o->kind != LVS_OP_SET_DEST) ||
			    !lvs_service_same(&o->svc, id))
				continue;
			cand = &o->dest;
		}
		/* Once per identity: skip a candidate seen earlier. */
		bool seen = false;
		for (size_t k = 1; k < l->n && !seen; k++)
			seen = lvs_dest_same(&l->v[k].dest, cand) && lvs_service_same(&l->v[k].svc, id);
		if (seen)
			continue;
		struct lvs_dest d;
		if (!plan_find_dest(p, id, cand, &d))
			continue;
		svc_only(&op, LVS_OP_ADD_DEST, &svc);
		op.dest = d;
		if ((err = inv_push(l, &op)) != 0)
			return err;
	}
	return 0;
}

static int inverse_of(const struct lvs_plan *p, const struct lvs_op *op, struct inv_list *l,
		      bool *undoable)
{
	struct lvs_op inv;
	int err;

	switch (op->kind) {
	case LVS_OP_ADD_SVC:
		svc_only(&inv, LVS_OP_DEL_SVC, &op->svc);
		return inv_push(l, &inv);
	case LVS_OP_SET_SVC: {
		struct lvs_service old;
		if (!plan_find_svc(p, &op->svc, &old))
			return -ESRCH;
		svc_only(&inv, LVS_OP_SET_SVC, &old);
		return inv_push(l, &inv);
	}
	case LVS_OP_DEL_SVC:
		return inv_readd_service(p, &op->svc, l);
	case LVS_OP_ADD_DEST:
		inv = *op;
		inv.kind = LVS_OP_DEL_DEST;
		return inv_push(l, &inv);
	case LVS_OP_SET_DEST:
	case LVS_OP_DEL_DEST: {
		struct lvs_dest old;
		if (!plan_find_dest(p, &op->svc, &op->dest, &old))
			return -ENOENT;
		inv = *op;
		inv.kind = op->kind == LVS_OP_SET_DEST ? LVS_OP_SET_DEST : LVS_OP_ADD_DEST;
		inv.dest = old;
		return inv_push(l, &inv);
	}
	case LVS_OP_ZERO:
		*undoable = false; /* counters cannot be given back */
		return 0;
	case LVS_OP_FLUSH: {
		/* Every service as it will be: the snapshot's and the plan's. */
		size_t n_old = p->before ? p->before->n_services : 0;
		for (size_t i = 0; i < n_old + p->n; i++) {
			const struct lvs_service *cand;
			if (i < n_old) {
				cand = &p->before->services[i];
			} else {
				const struct lvs_op *o = &p->ops[i - n_old];
				if (o->kind != LVS_OP_ADD_SVC)
					continue;
				cand = &o->svc;
			}
			bool seen = false;
			for (size_t k = 0; k < l->n && !seen; k++)
				seen = l->v[k].kind == LVS_OP_ADD_SVC && lvs_service_same(&l->v[k].svc, cand);
			if (seen)
				continue;
			struct inv_list one = { 0 };
			err = inv_readd_service(p, cand, &one);
			for (size_t k = 0; !err && k < one.n; k++)
				err = inv_push(l, &one.v[k]);
			free(one.v);
			if (err)
				return err;
		}
		return 0;
	}
	case LVS_OP_TIMEOUTS:
		memset(&inv, 0, sizeof(inv));
		inv.kind = LVS_OP_TIMEOUTS;
		plan_timeouts(p, inv.timeouts);
		return inv_push(l, &inv);
	case LVS_OP_ADD_DAEMON:
		memset(&inv, 0, sizeof(inv));
		inv.kind = LVS_OP_DEL_DAEMON;
		inv.dm.state = op->dm.state;
		return inv_push(l, &inv);
	case LVS_OP_DEL_DAEMON:
		memset(&inv, 0, sizeof(inv));
		inv.kind = LVS_OP_ADD_DAEMON;
		if (!plan_find_daemon(p, op->dm.state, &inv.dm))
			return -EINVAL;
		return inv_push(l, &inv);
	}
	return -EINVAL;
}

/* What the kernel would refuse, checked against the table as it will be. */
static int check_op(const struct lvs_plan *p, const struct lvs_op *op, char *err, size_t errlen)
{
	char s[LVS_OBJ_MAX], d[LVS_OBJ_MAX];
	bool svc_needed = op->kind == LVS_OP_SET_SVC || op->kind == LVS_OP_DEL_SVC ||
			  op->kind == LVS_OP_ADD_DEST || op->kind == LVS_OP_SET_DEST ||
			  op->kind == LVS_OP_DEL_DEST || (op->kind == LVS_OP_ZERO && !op->svc_all);

	lvs_svc_text(&op->svc, s, sizeof(s));
	if (op->kind == LVS_OP_ADD_SVC && plan_find_svc(p, &op->svc, NULL)) {
		snprintf(err, errlen, "virtual service %s exists already", s);
		return -EEXIST;
	}
	if (svc_needed && !plan_find_svc(p, &op->svc, NULL)) {
		snprintf(err, errlen, "no virtual service %s", s);
		return -ESRCH;
	}
	if (op->kind == LVS_OP_ADD_DEST || op->kind == LVS_OP_SET_DEST || op->kind == LVS_OP_DEL_DEST) {
		bool have = plan_find_dest(p, &op->svc, &op->dest, NULL);
		lvs_dest_text(&op->dest, d, sizeof(d));
		if (op->kind == LVS_OP_ADD_DEST && have) {
			snprintf(err, errlen, "real server %s exists already in virtual service %s", d, s);
			return -EEXIST;
		}
		if (op->kind != LVS_OP_ADD_DEST && !have) {
			snprintf(err, errlen, "no real server %s in virtual service %s", d, s);
			return -ENOENT;
		}
	}
	if (op->kind == LVS_OP_ADD_DAEMON && plan_find_daemon(p, op->dm.state, NULL)) {
		snprintf(err, errlen, "the %s sync daemon runs already", lvs_daemon_state_name(op->dm.state));
		return -EEXIST;
	}
	if (op->kind == LVS_OP_DEL_DAEMON && !plan_find_daemon(p, op->dm.state, NULL)) {
		snprintf(err, errlen, "no %s sync daemon runs", lvs_daemon_state_name(op->dm.state));
		return -ESRCH;
	}
	return 0;
}

int plan_add(struct lvs_plan *p, const struct lvs_op *op, char *err, size_t errlen)
{
	struct inv_list l = { 0 };
	bool undoable = true;
	int r;

	r = check_op(p, op, err, errlen);
	if (r)
		return r;
	r = inverse_of(p, op, &l, &undoable);
	if (r) {
		free(l.v);
		snprintf(err, errlen, "%s", r == -ENOMEM ? "out of memory" : "cannot plan the change");
		return r;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		struct lvs_op *ops = realloc(p->ops, cap * sizeof(*ops));
		if (!ops)
			goto nomem;
		p->ops = ops;
		size_t *f = realloc(p->inv_first, cap * sizeof(*f));
		if (!f)
			goto nomem;
		p->inv_first = f;
		size_t *n = realloc(p->inv_n, cap * sizeof(*n));
		if (!n)
			goto nomem;
		p->inv_n = n;
		p->cap = cap;
	}
	if (p->n_inv + l.n > p->cap_inv) {
		size_t cap = p->cap_inv ? p->cap_inv : 8;
		while (cap < p->n_inv + l.n)
			cap *= 2;
		struct lvs_op *inv = realloc(p->inv, cap * sizeof(*inv));
		if (!inv)
			goto nomem;
		p->inv = inv;
		p->cap_inv = cap;
	}
	if (l.n)
		memcpy(p->inv + p->n_inv, l.v, l.n * sizeof(*l.v));
	p->inv_first[p->n] = p->n_inv;
	p->inv_n[p->n] = l.n;
	p->n_inv += l.n;
	p->ops[p->n] = *op;
	p->ops[p->n].svc.dests = NULL;
	p->ops[p->n].svc.n_dests = 0;
	p->n++;
	if (!undoable)
		p->undoable = false;
	free(l.v);
	return 0;
nomem:
	free(l.v);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

/* ------------------------------------------------------------------------
 * Running a plan
 * ------------------------------------------------------------------------ */

int ops_apply_nl(void *ctx, const struct lvs_op *op)
{
	lvs_nl *nl = ctx;
	switch (op->kind) {
	case LVS_OP_ADD_SVC: return ipvs_nl_new_service(nl, &op->svc);
	case LVS_OP_SET_SVC: return ipvs_nl_set_service(nl, &op->svc);
	case LVS_OP_DEL_SVC: return ipvs_nl_del_service(nl, &op->svc);
	case LVS_OP_ADD_DEST: return ipvs_nl_new_dest(nl, &op->svc, &op->dest);
	case LVS_OP_SET_DEST: return ipvs_nl_set_dest(nl, &op->svc, &op->dest);
	case LVS_OP_DEL_DEST: return ipvs_nl_del_dest(nl, &op->svc, &op->dest);
	case LVS_OP_ZERO: return ipvs_nl_zero(nl, op->svc_all ? NULL : &op->svc);
	case LVS_OP_FLUSH: return ipvs_nl_flush(nl);
	case LVS_OP_TIMEOUTS:
		return ipvs_nl_set_timeouts(nl, op->timeouts[0], op->timeouts[1], op->timeouts[2]);
	case LVS_OP_ADD_DAEMON: return ipvs_nl_new_daemon(nl, &op->dm);
	case LVS_OP_DEL_DAEMON: return ipvs_nl_del_daemon(nl, &op->dm);
	}
	return -EINVAL;
}

int plan_run(const struct lvs_plan *p, const struct lvs_writer *w, size_t *failed_at,
	     bool *rolled_back, char *err, size_t errlen)
{
	*failed_at = p->n;
	*rolled_back = false;
	for (size_t i = 0; i < p->n; i++) {
		int r = w->apply(w->ctx, &p->ops[i]);
		if (!r)
			continue;
		*failed_at = i;
		ops_strerror(&p->ops[i], r, err, errlen);
		bool ok = true;
		for (size_t j = i; j-- > 0;)
			for (size_t k = 0; k < p->inv_n[j]; k++)
				if (w->apply(w->ctx, &p->inv[p->inv_first[j] + k]) != 0)
					ok = false;
		*rolled_back = ok;
		return r;
	}
	return 0;
}

struct lvs_op *plan_inverse(const struct lvs_plan *p, size_t *n)
{
	struct lvs_op *v;
	size_t k = 0;

	*n = 0;
	if (!p->n_inv)
		return NULL;
	v = malloc(p->n_inv * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t j = p->n; j-- > 0;)
		for (size_t i = 0; i < p->inv_n[j]; i++)
			v[k++] = p->inv[p->inv_first[j] + i];
	*n = k;
	return v;
}

void ops_strerror(const struct lvs_op *op, int err, char *buf, size_t len)
{
	char s[LVS_OBJ_MAX], d[LVS_OBJ_MAX];
	bool dest = op->kind == LVS_OP_ADD_DEST || op->kind == LVS_OP_SET_DEST ||
		    op->kind == LVS_OP_DEL_DEST;
	bool svc = op->kind == LVS_OP_ADD_SVC || op->kind == LVS_OP_SET_SVC;

	lvs_svc_text(&op->svc, s, sizeof(s));
	lvs_dest_text(&op->dest, d, sizeof(d));
	switch (err) {
	case -ESRCH:
		if (op->kind == LVS_OP_DEL_DAEMON)
			snprintf(buf, len, "no %s sync daemon runs", lvs_daemon_state_name(op->dm.state));
		else
			snprintf(buf, len, "no virtual service %s", s);
		return;
	case -EEXIST:
		if (dest)
			snprintf(buf, len, "real server %s exists already in virtual service %s", d, s);
		else if (op->kind == LVS_OP_ADD_DAEMON)
			snprintf(buf, len, "the %s sync daemon runs already", lvs_daemon_state_name(op->dm.state));
		else
			snprintf(buf, len, "virtual service %s exists already", s);
		return;
	case -ENOENT:
		if (dest) {
			snprintf(buf, len, "no real server %s in virtual service %s", d, s);
		} else if (svc && op->svc.pe_name[0]) {
			snprintf(buf, len, "virtual service %s: the kernel has no scheduler '%s' or "
				 "persistence engine '%s' and could not load module ip_vs_%s or "
				 "ip_vs_pe_%s (is it built and installed for this kernel?)",
				 s, op->svc.sched, op->svc.pe_name, op->svc.sched, op->svc.pe_name);
		} else if (svc) {
			snprintf(buf, len, "virtual service %s: the kernel has no scheduler '%s' and "
				 "could not load module ip_vs_%s (is it built and installed for this "
				 "kernel?)", s, op->svc.sched, op->svc.sched);
		} else {
			snprintf(buf, len, "%s: the kernel found nothing to change", ops_kind_name(op->kind));
		}
		return;
	case -ERANGE:
		snprintf(buf, len, "real server %s in virtual service %s: the kernel refused the "
			 "weight %d or thresholds (lower %u, upper %u)", d, s, op->dest.weight,
			 op->dest.l_thresh, op->dest.u_thresh);
		return;
	case -EINVAL:
		if (dest)
			snprintf(buf, len, "real server %s in virtual service %s: the kernel refused "
				 "the settings (a real server of another address family must use "
				 "tunnelling; GUE needs a port)", d, s);
		else if (svc)
			snprintf(buf, len, "virtual service %s: the kernel refused the settings", s);
		else
			snprintf(buf, len, "%s: the kernel refused the request (invalid argument)",
				 ops_kind_name(op->kind));
		return;
	case -EAFNOSUPPORT:
		snprintf(buf, len, "%s: this kernel's IPVS has no support for that address family "
			 "(CONFIG_IP_VS_IPV6)", dest ? d : s);
		return;
	case -EPERM:
		snprintf(buf, len, "%s: permission denied: changing IPVS needs CAP_NET_ADMIN "
			 "(run as root or grant the capability)", ops_kind_name(op->kind));
		return;
	case -ENOPKG:
		snprintf(buf, len, "%s: IPVS is not available: the ip_vs kernel module is not "
			 "loaded (load it with: modprobe ip_vs)", ops_kind_name(op->kind));
		return;
	case -ENOMEM:
		snprintf(buf, len, "%s: out of memory", ops_kind_name(op->kind));
		return;
	case -EIO:
		snprintf(buf, len, "%s: netlink communication with IPVS failed (retry; if it "
			 "persists, check the kernel log)", ops_kind_name(op->kind));
		return;
	default:
		snprintf(buf, len, "%s %s: the kernel answered: %s", ops_kind_name(op->kind),
			 dest ? d : s, strerror(-err));
		return;
	}
}
