#include "prep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/snapshot.h"
#include "share/worker.h"

struct job {
	bool set;
	struct lvs_snapshot *prev, *next; /* references */
	struct table_opts o;
	char filter[128];
	struct lvs_keymap toggled; /* a copy (empty when o.toggled was NULL) */
	uint64_t gen;
};

struct prep {
	struct lvs_worker w;       /* its lock guards every field below */
	struct job job;            /* waiting to start */
	bool have_result;
	struct prep_result result; /* finished, not yet taken */
	struct lvs_snapshot *text_job; /* reference: filter texts to build */
	uint64_t text_gen;         /* of the last snapshot asked for */
	struct table text;         /* built texts, not yet taken */
	bool have_text;
};

static void job_done(struct job *j)
{
	if (!j->set)
		return;
	snapshot_unref(j->prev);
	snapshot_unref(j->next);
	keymap_done(&j->toggled);
	memset(j, 0, sizeof(*j));
}

static void result_done(struct prep_result *r)
{
	snapshot_unref(r->snap);
	table_done(&r->tbl);
	ev_vec_done(&r->ev);
	memset(r, 0, sizeof(*r));
}

/* The helper holds no lock the UI thread waits on: the idle class under
 * autogroup (a group's CPU share on each core follows its threads' load
 * there, so busy helpers at nice 0 left the UI thread's core a small
 * share). Not the poller: it holds the history's write lock while it
 * records a poll, sparklines wait on it, and in the idle class it was
 * starved there for up to 300 ms: it is started at nice PREP_NICE only. */
static void helper(struct lvs_worker *w, void *arg)
{
	prep *p = arg;
	worker_lower_self(true, PREP_NICE);
	worker_lock(w);
	for (;;) {
		/* A result not yet taken blocks the next job: its events must
		 * reach the log before later ones. */
		while (!worker_stopping(w) && (!p->job.set || p->have_result) &&
		       (!p->text_job || p->have_text))
			worker_wait(w);
		if (worker_stopping(w))
			break;
		if (!p->job.set || p->have_result) {
			struct lvs_snapshot *ts = p->text_job;
			p->text_job = NULL;
			worker_unlock(&p->w);
			struct table t;
			table_init(&t);
			bool ok = !table_prepare_text(&t, ts);
			snapshot_unref(ts); /* t holds its own reference */
			worker_lock(&p->w);
			if (ok) {
				p->text = t;
				p->have_text = true;
				worker_unlock_notify(w);
				worker_lock(w);
			}
			continue;
		}
		struct job j = p->job;
		memset(&p->job, 0, sizeof(p->job));
		worker_unlock(&p->w);

		struct prep_result r = { .opts_gen = j.gen, .ev.limit = EV_LOG_CAP };
		j.o.filter = j.filter;
		j.o.toggled = &j.toggled;
		r.err = events_diff(j.prev, j.next, &r.ev);
		/* The older snapshot is done with: while the table is built
		 * (the longest part, and longer on a busy machine) the poller
		 * may be reading the next one, and three 20 MB snapshots at
		 * once are the console's peak. */
		snapshot_unref(j.prev);
		j.prev = NULL;
		table_init(&r.tbl);
		int e = table_build(&r.tbl, j.next, &j.o);
		if (e)
			r.err = e;
		r.snap = snapshot_ref(j.next);
		job_done(&j);

		worker_lock(&p->w);
		p->result = r;
		p->have_result = true;
		worker_unlock_notify(w);
		worker_lock(w);
	}
	worker_unlock(w);
}

prep *prep_new(void)
{
	prep *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (worker_start(&p->w, helper, p)) {
		free(p);
		return NULL;
	}
	return p;
}

void prep_free(prep *p)
{
	if (!p)
		return;
	worker_stop(&p->w);
	job_done(&p->job);
	if (p->have_result)
		result_done(&p->result);
	snapshot_unref(p->text_job);
	table_done(&p->text);
	free(p);
}

int prep_fd(const prep *p)
{
	return worker_fd(&p->w);
}

static int keymap_copy(struct lvs_keymap *dst, const struct lvs_keymap *src)
{
	int r = keymap_init(dst, src ? src->count : 0);
	if (r || !src)
		return r;
	for (size_t i = 0; i < src->count && !r; i++)
		r = keymap_put(dst, &src->entries[i].key, src->entries[i].value);
	if (r)
		keymap_done(dst);
	return r;
}

int prep_submit(prep *p, struct lvs_snapshot *prev, struct lvs_snapshot *next,
		const struct table_opts *o, uint64_t gen)
{
	struct job j = { .set = true, .o = *o, .gen = gen };
	if (keymap_copy(&j.toggled, o->toggled))
		return -ENOMEM;
	snprintf(j.filter, sizeof(j.filter), "%s", o->filter ? o->filter : "");
	j.next = snapshot_ref(next);
	worker_lock(&p->w);
	if (p->job.set) {
		/* Not started: the new one replaces it from the same past. */
		j.prev = p->job.prev;
		p->job.prev = NULL;
		job_done(&p->job);
	} else {
		j.prev = prev ? snapshot_ref(prev) : NULL;
	}
	p->job = j;
	worker_post(&p->w);
	worker_unlock(&p->w);
	return 0;
}

void prep_submit_text(prep *p, struct lvs_snapshot *s, uint64_t gen)
{
	worker_lock(&p->w);
	if (p->text_gen != gen) {
		snapshot_unref(p->text_job);
		p->text_job = snapshot_ref(s);
		p->text_gen = gen;
		worker_post(&p->w);
	}
	worker_unlock(&p->w);
}

bool prep_take_text(prep *p, struct table *t, const struct lvs_snapshot *s)
{
	worker_lock(&p->w);
	struct table done;
	bool got = p->have_text;
	if (got) {
		done = p->text;
		table_init(&p->text);
		p->have_text = false;
		worker_post(&p->w); /* a newer request may start */
	}
	worker_unlock(&p->w);
	if (!got)
		return false;
	bool moved = table_adopt_text(t, &done, s);
	table_done(&done);
	return moved;
}

bool prep_take(prep *p, struct prep_result *out)
{
	worker_drain(&p->w);
	worker_lock(&p->w);
	bool got = p->have_result;
	if (got) {
		*out = p->result;
		memset(&p->result, 0, sizeof(p->result));
		p->have_result = false;
		worker_post(&p->w); /* the next job may start */
	}
	worker_unlock(&p->w);
	return got;
}
