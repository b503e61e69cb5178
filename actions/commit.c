/* Running a plan: the state file first (so a remembered weight is on disk
 * before the weight goes), then the kernel, then the audit record and the
 * inverse for undo. And the frame around every action: begin/end. */
#include "actions/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/snapshot.h"

/* Real servers that a successful plan deleted have nothing left to restore. */
static void forget_deleted(lvs_actions *a, const struct lvs_plan *p)
{
	bool changed = false;
	char s[LVS_OBJ_MAX], d[LVS_OBJ_MAX], e[LVS_ERR_MAX];

	for (size_t i = 0; i < p->n; i++) {
		const struct lvs_op *op = &p->ops[i];
		if (op->kind == LVS_OP_DEL_DEST) {
			changed |= state_remove(&a->state, lvs_svc_text(&op->svc, s, sizeof(s)),
						lvs_dest_text(&op->dest, d, sizeof(d)));
		} else if (op->kind == LVS_OP_DEL_SVC || op->kind == LVS_OP_FLUSH) {
			lvs_svc_text(&op->svc, s, sizeof(s));
			for (size_t k = a->state.n; k-- > 0;)
				if (op->kind == LVS_OP_FLUSH || !strcmp(a->state.v[k].service, s)) {
					memmove(&a->state.v[k], &a->state.v[k + 1],
						(a->state.n - k - 1) * sizeof(a->state.v[k]));
					a->state.n--;
					changed = true;
				}
		}
	}
	/* A later ADD of the same object in the plan (edit with a new
	 * identity, load after flush) starts afresh: nothing to keep. */
	if (changed)
		act_state_write(a, &a->state, e, sizeof(e));
}

/* What undo must put back: the entries of `old` that `now` changed or
 * dropped (into back), and the entries `now` added (into absent). */
static int state_diff(const struct lvs_state *old, struct lvs_state *now, struct lvs_state *back,
		      struct lvs_state *absent)
{
	int r = 0;
	back->n = absent->n = 0;
	for (size_t i = 0; !r && i < old->n; i++) {
		const struct lvs_state_entry *e = state_find(now, old->v[i].service, old->v[i].server);
		if (!e || memcmp(e, &old->v[i], sizeof(*e)))
			r = state_put(back, &old->v[i]);
	}
	for (size_t i = 0; !r && i < now->n; i++)
		if (!state_find((struct lvs_state *)old, now->v[i].service, now->v[i].server))
			r = state_put(absent, &now->v[i]);
	return r;
}

/* ------------------------------------------------------------------------
 * Committing a plan: state file first (so a remembered weight is on disk
 * before the weight goes), then the kernel, then audit and undo.
 * new_state: the state file's content after the change (NULL: unchanged).
 * ------------------------------------------------------------------------ */

int act_commit(lvs_actions *a, struct lvs_plan *p, const char *action, const char *object,
		  const struct lvs_state *new_state)
{
	struct lvs_state old = { 0 };
	char e[LVS_ERR_MAX];
	size_t failed;
	bool rolled_back;
	int r;

	if (!p->n) {
		a->err[0] = '\0';
		return 0;
	}
	if (act_state_copy(&old, &a->state) < 0) {
		act_set_err(a, "out of memory");
		return -ENOMEM;
	}
	if (new_state) {
		r = act_state_write(a, new_state, e, sizeof(e));
		if (r) {
			act_set_err(a, "%s: nothing was changed", e);
			state_done(&old);
			return r;
		}
	}
	if (a->own_writer && (r = act_ensure_nl(a)) != 0) {
		if (new_state)
			act_state_write(a, &old, e, sizeof(e));
		state_done(&old);
		return r;
	}
	r = plan_run(p, &a->writer, &failed, &rolled_back, e, sizeof(e));
	struct lvs_snapshot *after = NULL;
	char keep[LVS_ERR_MAX];
	snprintf(keep, sizeof(keep), "%s", a->err);
	if (act_read_table(a, &after) != 0)
		after = NULL;
	snprintf(a->err, sizeof(a->err), "%s", keep);

	if (r) {
		if (new_state)
			act_state_write(a, &old, keep, sizeof(keep));
		if (p->n > 1)
			act_set_err(a, "%s (step %zu of %zu; %s)", e, failed + 1, p->n,
				rolled_back ? "the steps before it were undone: the table is as it was"
					    : "undoing the steps before it failed too: check the table");
		else
			act_set_err(a, "%s", e);
		act_audit_plan(a, action, object, p, after, false, rolled_back && p->n > 1, a->err);
		snapshot_unref(after);
		state_done(&old);
		return r;
	}
	a->err[0] = '\0';
	if (new_state)
		act_state_copy(&a->state, new_state);
	forget_deleted(a, p);
	/* Record the inverse for undo. */
	free(a->undo_ops);
	a->undo_ops = plan_inverse(p, &a->n_undo);
	a->has_undo = true;
	a->undo_possible = p->undoable && (a->undo_ops || !p->n_inv);
	state_diff(&old, &a->state, &a->undo_state, &a->undo_absent);
	state_done(&old);
	snprintf(a->undo_desc, sizeof(a->undo_desc), "%s %s", action, object);
	act_audit_plan(a, action, object, p, after, true, false, NULL);
	snapshot_unref(after);
	return 0;
}

/* plan_add with the failure sentence in a->err (prefixed, for rule files). */
int act_add_op(lvs_actions *a, struct lvs_plan *p, const struct lvs_op *op, const char *prefix)
{
	char e[LVS_ERR_MAX];
	int r = plan_add(p, op, e, sizeof(e));
	if (r)
		act_set_err(a, "%s%s", prefix, e);
	return r;
}


int act_begin(lvs_actions *a, struct lvs_plan *p, struct lvs_snapshot **before)
{
	int r;

	plan_init(p, NULL);
	*before = NULL;
	/* The kernel first: without ip_vs (or CAP_NET_ADMIN) the action fails
	 * before the lock file or its directory is made. */
	if (!a->read && (r = act_ensure_nl(a)) != 0)
		return r;
	act_lock_take(a);
	r = act_read_table(a, before);
	if (r)
		return r;
	plan_init(p, *before);
	return 0;
}

void act_end(lvs_actions *a, struct lvs_plan *p, struct lvs_snapshot *before)
{
	plan_done(p);
	snapshot_unref(before);
	act_lock_drop(a);
}

