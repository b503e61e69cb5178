/* Quiesce, drain and restore: weight 0 with the weight remembered in the
 * state file, the drain's progress and its estimate, and the way back. */
#include "actions/internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector/snapshot.h"
#include "share/clock.h"

/* ------------------------------------------------------------------------
 * The prologue every key-press on a real server shares: begin an action,
 * find the service and real server it names in the fresh table, their text
 * forms, and what the state file remembers of it.
 * ------------------------------------------------------------------------ */

struct target {
	struct lvs_plan p;
	struct lvs_snapshot *before;
	struct lvs_service svc; /* as the table has them */
	struct lvs_dest d;
	char obj[ACT_OBJ_TEXT];                        /* "TCP ... -> ..." */
	char stext[LVS_OBJ_MAX], dtext[LVS_OBJ_MAX];   /* the state file's names */
	const struct lvs_state_entry *entry; /* in a->state; NULL: nothing remembered */
};

/* 0, or the error of begin or of the lookup (a->err set). target_end must
 * follow either way. */
static int target_begin(lvs_actions *a, struct target *t, const struct lvs_service *id,
			const struct lvs_dest *dest_id, bool port_given)
{
	struct lvs_args g;
	int r;

	memset(t, 0, sizeof(*t));
	if ((r = act_begin(a, &t->p, &t->before)) != 0)
		return r;
	memset(&g, 0, sizeof(g));
	g.svc = *id;
	g.dest = *dest_id;
	g.given = LVS_ARG_SVC | LVS_ARG_DEST | (port_given ? LVS_ARG_DEST_PORT : 0);
	if ((r = act_need_svc(a, &t->p, id, &t->svc, "")) != 0 ||
	    (r = act_need_dest(a, &t->p, &t->svc, &g, &t->d, "")) != 0)
		return r;
	act_object_text(&t->svc, &t->d, t->obj, sizeof(t->obj));
	lvs_svc_text(&t->svc, t->stext, sizeof(t->stext));
	lvs_dest_text(&t->d, t->dtext, sizeof(t->dtext));
	t->entry = state_find(&a->state, t->stext, t->dtext);
	return 0;
}

static void target_end(lvs_actions *a, struct target *t)
{
	act_end(a, &t->p, t->before);
}

/* Only the state file changes (the kernel has the weight already). */
static int state_only(lvs_actions *a, const struct lvs_state *st)
{
	char e[LVS_ERR_MAX];
	int r = act_state_write(a, st, e, sizeof(e));
	if (r)
		act_set_err(a, "%s", e);
	else
		act_state_copy(&a->state, st);
	return r;
}

int actions_resolve(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
		    bool port_given, struct lvs_service *svc, struct lvs_dest *d)
{
	struct target t;
	int r = target_begin(a, &t, id, dest_id, port_given);
	if (!r) {
		*svc = t.svc;
		*d = t.d;
	}
	target_end(a, &t);
	return r;
}

int act_quiesce(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
		bool port_given, bool drain, const struct lvs_drain_opts *dopt)
{
	struct target t;
	struct lvs_state st = { 0 };
	int r;

	if ((r = target_begin(a, &t, id, dest_id, port_given)) != 0)
		goto out;
	const struct lvs_state_entry *old = t.entry;
	int32_t w = t.d.weight;
	if (w == 0 && !old && !drain) {
		/* Quiesced by someone else: nothing to do, nothing to remember. */
		act_set_msg(a, "%s has weight 0 already (no weight remembered: restore it with "
			       "`lvstop weight`)", t.obj);
		goto out;
	}
	struct lvs_state_entry e;
	memset(&e, 0, sizeof(e));
	snprintf(e.service, sizeof(e.service), "%s", t.stext);
	snprintf(e.server, sizeof(e.server), "%s", t.dtext);
	/* A server quiesced before keeps the weight remembered then. */
	e.weight = w == 0 && old ? old->weight : w;
	e.since = old && w == 0 ? old->since : clock_wall_s();
	e.draining = drain || (old && old->draining && w == 0);
	e.remove_at_zero = drain ? dopt->remove_at_zero : (old && old->remove_at_zero && w == 0);
	e.ignore_inactive = drain ? dopt->ignore_inactive : (old && old->ignore_inactive && w == 0);
	if (drain)
		e.since = clock_wall_s();
	if ((r = act_state_copy(&st, &a->state)) != 0 || (r = state_put(&st, &e)) != 0) {
		act_set_err(a, "out of memory");
		goto out;
	}
	if (w != 0) {
		struct lvs_op op;
		memset(&op, 0, sizeof(op));
		op.kind = LVS_OP_SET_DEST;
		op.svc = t.svc;
		op.dest = t.d;
		op.dest.weight = 0;
		if ((r = act_add_op(a, &t.p, &op, "")) != 0)
			goto out;
		r = act_commit(a, &t.p, drain ? "drain" : "quiesce", t.obj, &st);
	} else {
		r = state_only(a, &st); /* already at 0: a drain starting */
	}
	if (!r)
		act_set_msg(a, "%s %s (weight %d remembered)", drain ? "draining" : "quiesced", t.obj,
			    e.weight);
out:
	state_done(&st);
	target_end(a, &t);
	return r;
}

int actions_quiesce(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id)
{
	return act_quiesce(a, id, dest_id, true, false, NULL);
}

int actions_drain_start(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
			bool remove_at_zero)
{
	struct lvs_drain_opts o = { .remove_at_zero = remove_at_zero };
	return act_quiesce(a, id, dest_id, true, true, &o);
}

int actions_drain_begin(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
			const struct lvs_drain_opts *o)
{
	return act_quiesce(a, id, dest_id, true, true, o);
}

int act_restore(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
		bool port_given)
{
	struct target t;
	struct lvs_state st = { 0 };
	int r;

	if ((r = target_begin(a, &t, id, dest_id, port_given)) != 0)
		goto out;
	if (!t.entry) {
		r = -ENODATA;
		act_set_err(a, "%s was not quiesced or drained by lvstop: no weight to restore "
			       "(set one with `lvstop weight`)", t.obj);
		goto out;
	}
	int32_t w = t.entry->weight;
	if ((r = act_state_copy(&st, &a->state)) != 0) {
		act_set_err(a, "out of memory");
		goto out;
	}
	state_remove(&st, t.stext, t.dtext);
	struct lvs_op op;
	memset(&op, 0, sizeof(op));
	op.kind = LVS_OP_SET_DEST;
	op.svc = t.svc;
	op.dest = t.d;
	op.dest.weight = w;
	if ((r = act_add_op(a, &t.p, &op, "")) != 0)
		goto out;
	if (t.d.weight == w)
		r = state_only(a, &st);
	else
		r = act_commit(a, &t.p, "restore", t.obj, &st);
	if (!r)
		act_set_msg(a, "restored %s to weight %d", t.obj, w);
out:
	state_done(&st);
	target_end(a, &t);
	return r;
}

int actions_restore(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id)
{
	return act_restore(a, id, dest_id, true);
}

bool actions_server_state(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
			  struct lvs_state_entry *out)
{
	char s[LVS_OBJ_MAX], d[LVS_OBJ_MAX];
	act_state_refresh(a); /* another lvstop may have quiesced or restored it */
	const struct lvs_state_entry *e = state_find(&a->state, lvs_svc_text(id, s, sizeof(s)),
						     lvs_dest_text(dest_id, d, sizeof(d)));
	if (e && out)
		*out = *e;
	return e != NULL;
}

const struct lvs_state *actions_state(lvs_actions *a)
{
	act_state_refresh(a);
	return &a->state;
}

void actions_drain_estimate(const double *t, const double *v, size_t n, double *rate, double *eta)
{
	*rate = -1;
	*eta = -1;
	if (n < 2)
		return;
	double mt = 0, mv = 0, sxy = 0, sxx = 0;
	for (size_t i = 0; i < n; i++) {
		mt += t[i];
		mv += v[i];
	}
	mt /= (double)n;
	mv /= (double)n;
	for (size_t i = 0; i < n; i++) {
		sxy += (t[i] - mt) * (v[i] - mv);
		sxx += (t[i] - mt) * (t[i] - mt);
	}
	if (sxx <= 0)
		return;
	double slope = sxy / sxx;
	if (slope >= 0)
		return; /* not falling: no estimate */
	*rate = -slope;
	*eta = v[n - 1] / *rate;
}

static struct drain_track *track_for(lvs_actions *a, const char *key)
{
	for (size_t i = 0; i < DRAIN_TRACKS; i++)
		if (!strcmp(a->drains[i].key, key))
			return &a->drains[i];
	struct drain_track *t = &a->drains[a->next_track++ % DRAIN_TRACKS];
	memset(t, 0, sizeof(*t));
	snprintf(t->key, sizeof(t->key), "%s", key);
	return t;
}

int actions_drain_poll(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
		       struct lvs_drain_progress *pr)
{
	struct lvs_snapshot *s;
	char stext[LVS_OBJ_MAX], dtext[LVS_OBJ_MAX], key[2 * LVS_OBJ_MAX];
	int r;

	memset(pr, 0, sizeof(*pr));
	pr->rate = pr->eta = -1;
	if ((r = act_read_table(a, &s)) != 0)
		return r;
	const struct lvs_service *svc = act_find_svc(s, id);
	const struct lvs_dest *d = act_find_dest(svc, dest_id);
	lvs_svc_text(id, stext, sizeof(stext));
	lvs_dest_text(dest_id, dtext, sizeof(dtext));
	act_state_refresh(a);
	const struct lvs_state_entry *e = state_find(&a->state, stext, dtext);
	double now = clock_wall_s();
	if (e && e->since > 0)
		pr->elapsed = now - e->since;
	if (!d) {
		snapshot_unref(s);
		pr->done = true;
		return 0;
	}
	pr->exists = true;
	pr->active = d->active_conns;
	pr->inactive = d->inact_conns;
	pr->persistent = d->persist_conns;
	pr->total = (uint64_t)d->active_conns + d->inact_conns + d->persist_conns;
	pr->done = e && e->ignore_inactive ? (uint64_t)d->active_conns + d->persist_conns == 0
					   : pr->total == 0;
	snprintf(key, sizeof(key), "%s|%s", stext, dtext);
	struct drain_track *t = track_for(a, key);
	if (t->n == DRAIN_SAMPLES) {
		memmove(t->t, t->t + 1, (DRAIN_SAMPLES - 1) * sizeof(double));
		memmove(t->v, t->v + 1, (DRAIN_SAMPLES - 1) * sizeof(double));
		t->n--;
	}
	t->t[t->n] = now;
	t->v[t->n] = (double)pr->total;
	t->n++;
	actions_drain_estimate(t->t, t->v, t->n, &pr->rate, &pr->eta);
	bool remove = pr->done && e && e->draining && e->remove_at_zero;
	struct lvs_service svc_copy = *svc;
	struct lvs_dest d_copy = *d;
	snapshot_unref(s);
	if (remove) {
		r = actions_del_server(a, &svc_copy, &d_copy);
		if (r)
			return r;
		pr->removed = true;
	}
	return 0;
}

