#include "edit.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "share/clock.h"
#include "share/worker.h"

#define RESULTS_MAX 32
#define DRAIN_INTERVAL 1.0 /* seconds between drain polls, as `drain --wait` */

struct edit {
	struct lvs_worker w; /* its lock is "the lock" below */
	bool running;
	lvs_actions *act; /* owned; touched by the worker only */

	struct edit_job queue[EDIT_QUEUE]; /* ring, under lock */
	size_t q_head, q_n;
	struct edit_result results[RESULTS_MAX]; /* ring, under lock */
	size_t r_head, r_n;

	struct edit_mark *marks; /* under lock; handed to the UI by edit_take_marks */
	size_t n_marks;
	uint64_t marks_gen;

	char undo[256]; /* under lock */

	/* The drain being polled: svc/dest the worker's; view under lock. */
	struct lvs_service drain_svc;
	struct lvs_dest drain_dest;
	double drain_next;
	struct edit_drain_view dview;
};

static double mono_now(void)
{
	return clock_mono_s();
}

static void notify(edit *e)
{
	worker_notify(&e->w);
}

/* Under lock: a result for the UI; the oldest is dropped when the UI has
 * not taken RESULTS_MAX of them (it takes them at every wake-up). */
static void push_result(edit *e, const struct edit_result *r)
{
	if (e->r_n == RESULTS_MAX) {
		e->r_head = (e->r_head + 1) % RESULTS_MAX;
		e->r_n--;
	}
	e->results[(e->r_head + e->r_n) % RESULTS_MAX] = *r;
	e->r_n++;
}

/* Worker: copy the state file's entries into a new marks array. */
static void read_marks(edit *e)
{
	const struct lvs_state *st = actions_state(e->act);
	size_t n = st ? st->n : 0;
	struct edit_mark *m = n ? calloc(n, sizeof(*m)) : NULL;
	if (n && !m)
		return; /* the marks stay as they were; the next snapshot retries */
	for (size_t i = 0; i < n; i++) {
		memcpy(m[i].service, st->v[i].service, sizeof(m[i].service));
		memcpy(m[i].server, st->v[i].server, sizeof(m[i].server));
		m[i].weight = st->v[i].weight;
		m[i].draining = st->v[i].draining;
	}
	worker_lock(&e->w);
	free(e->marks);
	e->marks = m;
	e->n_marks = n;
	e->marks_gen++;
	worker_unlock(&e->w);
}

static int run_job(edit *e, const struct edit_job *j)
{
	lvs_actions *a = e->act;
	switch (j->op) {
	case EDIT_ADD_SERVICE: return actions_add_service(a, &j->svc);
	case EDIT_EDIT_SERVICE: return actions_edit_service(a, &j->svc, &j->new_svc);
	case EDIT_DEL_SERVICE: return actions_del_service(a, &j->svc);
	case EDIT_ADD_SERVER: return actions_add_server(a, &j->svc, &j->dest);
	case EDIT_EDIT_SERVER: return actions_edit_server(a, &j->svc, &j->dest, &j->new_dest);
	case EDIT_DEL_SERVER: return actions_del_server(a, &j->svc, &j->dest);
	case EDIT_WEIGHT: return actions_set_weight(a, &j->svc, &j->dest, j->weight, j->relative);
	case EDIT_QUIESCE: return actions_quiesce(a, &j->svc, &j->dest);
	case EDIT_RESTORE: return actions_restore(a, &j->svc, &j->dest);
	case EDIT_DRAIN: return actions_drain_begin(a, &j->svc, &j->dest, &j->drain);
	case EDIT_ZERO: return actions_zero(a, j->whole_table ? NULL : &j->svc);
	case EDIT_TIMEOUTS: return actions_timeouts(a, j->timeouts[0], j->timeouts[1], j->timeouts[2]);
	case EDIT_FLUSH: return actions_flush(a);
	case EDIT_DAEMON_START: return actions_daemon_start(a, &j->dm);
	case EDIT_DAEMON_STOP: return actions_daemon_stop(a, j->dm.state);
	case EDIT_UNDO: return actions_undo_last(a);
	case EDIT_STATE:
	case EDIT_DRAIN_STOP:
		return 0;
	}
	return -EINVAL;
}

static void drain_poll(edit *e)
{
	struct lvs_drain_progress p;
	int r = actions_drain_poll(e->act, &e->drain_svc, &e->drain_dest, &p);
	struct edit_result res = { .op = EDIT_DRAIN, .rc = r };
	bool finished = r < 0 || !p.exists || p.done || p.removed;
	if (r < 0)
		snprintf(res.msg, sizeof(res.msg), "drain: %s", actions_error(e->act));
	else if (p.removed)
		snprintf(res.msg, sizeof(res.msg), "drained and removed %s", e->dview.object);
	else if (p.done)
		snprintf(res.msg, sizeof(res.msg), "drained %s: no connection left (weight 0; R restores)",
			 e->dview.object);
	else if (!p.exists)
		snprintf(res.msg, sizeof(res.msg), "drain: %s is gone", e->dview.object);
	worker_lock(&e->w);
	e->dview.rc = r;
	if (r == 0) {
		e->dview.p = p;
		e->dview.has_progress = true;
	}
	if (finished) {
		e->dview.active = false;
		push_result(e, &res);
	}
	e->drain_next = mono_now() + DRAIN_INTERVAL;
	worker_unlock(&e->w);
	if (finished)
		read_marks(e);
	notify(e);
}

static void writer_main(struct lvs_worker *w, void *arg)
{
	edit *e = arg;
	worker_lock(w);
	while (!worker_stopping(w)) {
		if (e->q_n) {
			struct edit_job j = e->queue[e->q_head];
			e->q_head = (e->q_head + 1) % EDIT_QUEUE;
			e->q_n--;
			e->running = true;
			if (j.op == EDIT_DRAIN_STOP)
				e->dview.active = false;
			worker_unlock(&e->w);

			int r = run_job(e, &j);
			struct edit_result res = { .op = j.op, .rc = r };
			snprintf(res.msg, sizeof(res.msg), "%s",
				 r < 0 ? actions_error(e->act) : actions_message(e->act));
			/* Any change may have quiesced, restored or removed a
			 * remembered server: the marks follow at once. */
			read_marks(e);
			const char *u = actions_undo_desc(e->act);

			worker_lock(&e->w);
			snprintf(e->undo, sizeof(e->undo), "%s", u ? u : "");
			if (j.op == EDIT_DRAIN && r == 0) {
				char s[LVS_OBJ_MAX], d[LVS_OBJ_MAX];
				e->drain_svc = j.svc;
				e->drain_dest = j.dest;
				memset(&e->dview, 0, sizeof(e->dview));
				e->dview.active = true;
				e->dview.remove_at_zero = j.drain.remove_at_zero;
				e->dview.ignore_inactive = j.drain.ignore_inactive;
				snprintf(e->dview.object, sizeof(e->dview.object), "%s in %s",
					 lvs_dest_text(&j.dest, d, sizeof(d)), lvs_svc_text(&j.svc, s, sizeof(s)));
				e->drain_next = 0; /* poll at once */
			}
			if (j.op != EDIT_STATE && j.op != EDIT_DRAIN_STOP)
				push_result(e, &res);
			e->running = false;
			worker_unlock(&e->w);
			notify(e);
			worker_lock(&e->w);
			continue;
		}
		if (e->dview.active) {
			double now = mono_now();
			if (now >= e->drain_next) {
				worker_unlock(&e->w);
				drain_poll(e);
				worker_lock(&e->w);
				continue;
			}
			worker_wait_until(&e->w, (int64_t)(e->drain_next * 1e9));
			continue;
		}
		worker_wait(&e->w);
	}
	worker_unlock(&e->w);
}

int edit_new(edit **out, const struct lvs_actions_opts *o, char *err, size_t errlen)
{
	*out = NULL;
	edit *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	int r;
	if ((r = actions_open(&e->act, o, err, errlen)))
		goto err_free;
	/* The first marks, read on the worker like every later read. */
	e->queue[0].op = EDIT_STATE;
	e->q_n = 1;
	if ((r = worker_start(&e->w, writer_main, e))) {
		snprintf(err, errlen, "cannot start the console's writer thread: %s", strerror(-r));
		goto err_act;
	}
	*out = e;
	return 0;
err_act:
	actions_close(e->act);
err_free:
	free(e);
	return r;
}

void edit_free(edit *e)
{
	if (!e)
		return;
	worker_stop(&e->w);
	actions_close(e->act);
	free(e->marks);
	free(e);
}

int edit_fd(const edit *e)
{
	return worker_fd(&e->w);
}

void edit_drain_fd(edit *e)
{
	worker_drain(&e->w);
}

int edit_post(edit *e, const struct edit_job *j)
{
	int r = 0;
	worker_lock(&e->w);
	if (j->op == EDIT_STATE) {
		for (size_t i = 0; i < e->q_n; i++)
			if (e->queue[(e->q_head + i) % EDIT_QUEUE].op == EDIT_STATE)
				goto out; /* one waiting already reads the newest file */
	}
	if (e->q_n == EDIT_QUEUE) {
		r = -EAGAIN;
		goto out;
	}
	e->queue[(e->q_head + e->q_n) % EDIT_QUEUE] = *j;
	e->q_n++;
	worker_post(&e->w);
out:
	worker_unlock(&e->w);
	return r;
}

size_t edit_pending(edit *e)
{
	worker_lock(&e->w);
	size_t n = e->q_n + e->running;
	worker_unlock(&e->w);
	return n;
}

bool edit_take(edit *e, struct edit_result *r)
{
	worker_lock(&e->w);
	bool got = e->r_n > 0;
	if (got) {
		*r = e->results[e->r_head];
		e->r_head = (e->r_head + 1) % RESULTS_MAX;
		e->r_n--;
	}
	worker_unlock(&e->w);
	return got;
}

bool edit_take_marks(edit *e, uint64_t *gen, struct edit_mark **out, size_t *n)
{
	worker_lock(&e->w);
	bool newer = e->marks_gen != *gen;
	if (newer) {
		free(*out);
		*out = NULL;
		*n = 0;
		if (e->n_marks && (*out = malloc(e->n_marks * sizeof(**out)))) {
			memcpy(*out, e->marks, e->n_marks * sizeof(**out));
			*n = e->n_marks;
		}
		*gen = e->marks_gen;
	}
	worker_unlock(&e->w);
	return newer;
}

void edit_drain_view(edit *e, struct edit_drain_view *v)
{
	worker_lock(&e->w);
	*v = e->dview;
	worker_unlock(&e->w);
}

void edit_undo_desc(edit *e, char *buf, size_t len)
{
	worker_lock(&e->w);
	snprintf(buf, len, "%s", e->undo);
	worker_unlock(&e->w);
}
