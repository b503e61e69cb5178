/* Editing from the console: keys, forms, confirmations, the drain panel
 * and the marks. What runs in the kernel runs on the writer (edit.c). */
#include "panel_edit.h"

#include <curses.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/ops.h"
#include "collector/declared/drift.h"
#include "share/log.h"
#include "draw.h"
#include "edit.h"
#include "form.h"

#define KEY_ESC 27
#define FLUSH_WORD "flush"

enum mode { M_NONE, M_FORM, M_CONFIRM, M_DRAIN_ASK, M_DRAIN, M_OWNER };

/* What the owner's question leads to when confirmed. */
enum owner_next { OWN_POST, OWN_DRAIN_ASK, OWN_CONFIRM };

#define OWNER_KEY 'y'

struct edit_ui {
	edit *w;                 /* owned: the writer */
	enum mode mode;
	struct form form;
	struct confirm confirm;
	struct edit_job job;     /* what a confirmation or the drain question sends */
	char result[256];        /* the last result, shown until the next key */
	bool result_err;
	struct edit_mark *marks; /* owned */
	size_t n_marks;
	uint64_t marks_gen;
	uint64_t asked_gen;      /* the snap_gen marks were last asked for */
	struct edit_drain_view drain;
	/* M_OWNER: keepalived (or piranha) declares the object of job. */
	char owner_note[640];    /* drift_owner_note's text, printable */
	char owner_what[64];     /* "quiescing", ... for the result line */
	enum owner_next owner_next;
};

int edit_ui_open(struct app *a)
{
	struct lvs_actions_opts o = { .source = "console" };
	return edit_ui_open_with(a, &o);
}

int edit_ui_open_with(struct app *a, const struct lvs_actions_opts *o)
{
	struct edit_ui *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	char err[256] = "";
	int r = edit_new(&u->w, o, err, sizeof(err));
	if (r) {
		snprintf(a->message, sizeof(a->message), "editing is off: %s", err[0] ? err : strerror(-r));
		free(u);
		return r;
	}
	a->edit = u;
	return 0;
}

void edit_ui_close(struct app *a)
{
	struct edit_ui *u = a->edit;
	if (!u)
		return;
	edit_free(u->w);
	free(u->marks);
	free(u);
	a->edit = NULL;
}

int edit_ui_fd(const struct app *a)
{
	return a->edit ? edit_fd(a->edit->w) : -1;
}

static void set_result(struct edit_ui *u, bool err, const char *fmt, const char *s)
{
	snprintf(u->result, sizeof(u->result), fmt, s);
	u->result_err = err;
}

int edit_ui_ready(struct app *a)
{
	struct edit_ui *u = a->edit;
	if (!u)
		return 0;
	edit_drain_fd(u->w);
	struct edit_result r;
	while (edit_take(u->w, &r)) {
		set_result(u, r.rc < 0, "%s", r.msg);
		if (r.op == EDIT_DRAIN && r.rc < 0 && u->mode == M_DRAIN)
			u->mode = M_NONE; /* the drain did not start: its error replaces the panel */
	}
	edit_take_marks(u->w, &u->marks_gen, &u->marks, &u->n_marks);
	edit_drain_view(u->w, &u->drain);
	return REDO_DRAW;
}

void edit_ui_snapshot(struct app *a)
{
	struct edit_ui *u = a->edit;
	if (!u || u->asked_gen == a->snap_gen)
		return;
	u->asked_gen = a->snap_gen;
	struct edit_job j = { .op = EDIT_STATE };
	edit_post(u->w, &j); /* merged with one waiting; a full queue retries next snapshot */
}

const char *edit_ui_owner_question(const struct app *a)
{
	return a->edit && a->edit->mode == M_OWNER ? a->edit->owner_note : NULL;
}

bool edit_ui_modal(const struct app *a)
{
	return a->edit && a->edit->mode != M_NONE;
}

bool edit_ui_marks(const struct app *a)
{
	return a->edit && a->edit->n_marks;
}

const char *edit_ui_mark(const struct app *a, const struct lvs_service *v, const struct lvs_dest *d,
			 int32_t *weight)
{
	const struct edit_ui *u = a->edit;
	if (!u || !u->n_marks || !d)
		return NULL;
	char s[LVS_OBJ_MAX], ds[LVS_OBJ_MAX];
	lvs_dest_text(d, ds, sizeof(ds));
	lvs_svc_text(v, s, sizeof(s));
	for (size_t i = 0; i < u->n_marks; i++)
		if (!strcmp(u->marks[i].server, ds) && !strcmp(u->marks[i].service, s)) {
			if (weight)
				*weight = u->marks[i].weight;
			return u->marks[i].draining ? "draining" : "quiesced";
		}
	return NULL;
}

const char *edit_ui_mark_endpoint(const struct app *a, uint16_t af, const union lvs_addr *addr,
				  uint16_t port)
{
	const struct edit_ui *u = a->edit;
	if (!u || !u->n_marks)
		return NULL;
	struct lvs_dest d = { .af = af, .port = port, .addr = *addr };
	char ds[LVS_OBJ_MAX];
	lvs_dest_text(&d, ds, sizeof(ds));
	const char *mark = NULL;
	for (size_t i = 0; i < u->n_marks; i++)
		if (!strcmp(u->marks[i].server, ds)) /* draining wins over quiesced */
			mark = u->marks[i].draining ? "draining" : mark ? mark : "quiesced";
	return mark;
}

/* --- posting ------------------------------------------------------------- */

static int post(struct app *a, const struct edit_job *j, const char *what)
{
	struct edit_ui *u = a->edit;
	if (edit_post(u->w, j)) {
		set_result(u, true, "%s", "busy: earlier changes are still running; try again");
		return REDO_DRAW;
	}
	set_result(u, false, "%s ...", what);
	return REDO_DRAW;
}

/* The selected service and real server (views with a selection). */
static const struct lvs_service *selected(struct app *a, const struct lvs_dest **d)
{
	*d = NULL;
	const struct lvs_key *k = a->view == VIEW_DETAIL ? &a->detail : a->sel_valid ? &a->sel : NULL;
	if (!k || !a->snap)
		return NULL;
	return app_find(a, k, d);
}

static bool no_writer(struct app *a)
{
	if (a->edit)
		return false;
	snprintf(a->message, sizeof(a->message), "%s",
		 a->opts.read_only ? "read-only: no change is possible" : "editing is off");
	return true;
}

/* The real server a one-key action needs, or a message. */
static bool need_dest(struct app *a, struct edit_job *j, const char *what)
{
	const struct lvs_dest *d;
	const struct lvs_service *v = selected(a, &d);
	if (!v || !d) {
		set_result(a->edit, true, "%s: select a real server first", what);
		return false;
	}
	j->svc = *v;
	j->dest = *d;
	return true;
}

/* Ownership, as the command line's --force check: when the declared file
 * (read off this thread, a->marks) manages the object of j, ask before
 * going on and say what keepalived will do with the change (the text is
 * drift_owner_note's, the one `lvstop quiesce` prints). True when the
 * question is open: OWNER_KEY then goes on to next, Esc changes nothing. */
static bool owner_ask(struct app *a, const struct edit_job *j, bool dest, enum owner_next next,
		      const char *what)
{
	const struct marks *m = a->marks;
	char note[sizeof(a->edit->owner_note)];
	if (!marks_active(m) ||
	    !drift_owner_note(m->file->d, &j->svc, dest ? &j->dest : NULL, note, sizeof(note)))
		return false;
	struct edit_ui *u = a->edit;
	log_clean(u->owner_note, sizeof(u->owner_note), note, strlen(note));
	snprintf(u->owner_what, sizeof(u->owner_what), "%s", what);
	u->owner_next = next;
	u->job = *j;
	u->mode = M_OWNER;
	u->result[0] = 0;
	return true;
}

/* Post j unless its owner is asked about first. */
static int post_owned(struct app *a, const struct edit_job *j, bool dest, const char *what)
{
	if (owner_ask(a, j, dest, OWN_POST, what))
		return REDO_DRAW;
	return post(a, j, what);
}

int edit_key_quiesce(struct app *a, int key)
{
	(void)key;
	struct edit_job j = { .op = EDIT_QUIESCE };
	if (no_writer(a))
		return REDO_DRAW;
	if (!need_dest(a, &j, "quiesce"))
		return REDO_DRAW;
	return post_owned(a, &j, true, "quiescing");
}

int edit_key_restore(struct app *a, int key)
{
	(void)key;
	struct edit_job j = { .op = EDIT_RESTORE };
	if (no_writer(a))
		return REDO_DRAW;
	if (!need_dest(a, &j, "restore"))
		return REDO_DRAW;
	return post_owned(a, &j, true, "restoring");
}

int edit_key_weight(struct app *a, int key)
{
	struct edit_job j = { .op = EDIT_WEIGHT, .relative = true, .weight = key == '[' ? -1 : 1 };
	if (no_writer(a))
		return REDO_DRAW;
	if (!need_dest(a, &j, "weight"))
		return REDO_DRAW;
	return post_owned(a, &j, true, key == '[' ? "lowering the weight" : "raising the weight");
}

int edit_key_drain(struct app *a, int key)
{
	(void)key;
	struct edit_job j = { .op = EDIT_DRAIN };
	if (no_writer(a))
		return REDO_DRAW;
	if (!need_dest(a, &j, "drain"))
		return REDO_DRAW;
	if (owner_ask(a, &j, true, OWN_DRAIN_ASK, "draining"))
		return REDO_DRAW;
	a->edit->job = j;
	a->edit->mode = M_DRAIN_ASK;
	return REDO_DRAW;
}

int edit_key_undo(struct app *a, int key)
{
	(void)key;
	if (no_writer(a))
		return REDO_DRAW;
	char d[256];
	edit_undo_desc(a->edit->w, d, sizeof(d));
	struct edit_job j = { .op = EDIT_UNDO };
	char what[300];
	snprintf(what, sizeof(what), "undoing %s", d[0] ? d : "the last change");
	return post(a, &j, what);
}

int edit_key_zero(struct app *a, int key)
{
	(void)key;
	if (no_writer(a))
		return REDO_DRAW;
	const struct lvs_dest *d;
	const struct lvs_service *v = selected(a, &d);
	struct edit_job j = { .op = EDIT_ZERO };
	char p[192], s[LVS_OBJ_MAX];
	if (v) {
		j.svc = *v;
		snprintf(p, sizeof(p), "Zero the counters of %s (cannot be undone)? y/n",
			 lvs_svc_text(v, s, sizeof(s)));
	} else {
		j.whole_table = true;
		snprintf(p, sizeof(p), "Zero every counter (cannot be undone)? y/n");
	}
	a->edit->job = j;
	confirm_init(&a->edit->confirm, NULL, p);
	a->edit->mode = M_CONFIRM;
	return REDO_DRAW;
}

int edit_key_delete(struct app *a, int key)
{
	(void)key;
	if (no_writer(a))
		return REDO_DRAW;
	const struct lvs_dest *d;
	const struct lvs_service *v = selected(a, &d);
	if (!v) {
		set_result(a->edit, true, "%s", "delete: select a service or a real server first");
		return REDO_DRAW;
	}
	char p[192], s[LVS_OBJ_MAX], ds[LVS_OBJ_MAX];
	struct edit_job j = { .svc = *v };
	lvs_svc_text(v, s, sizeof(s));
	if (d) {
		j.op = EDIT_DEL_SERVER;
		j.dest = *d;
		snprintf(p, sizeof(p), "Delete real server %s of %s? y/n", lvs_dest_text(d, ds, sizeof(ds)), s);
	} else {
		j.op = EDIT_DEL_SERVICE;
		snprintf(p, sizeof(p), "Delete virtual service %s and its %zu real servers? y/n", s,
			 v->n_dests);
	}
	confirm_init(&a->edit->confirm, NULL, p);
	if (owner_ask(a, &j, d != NULL, OWN_CONFIRM, "deleting"))
		return REDO_DRAW;
	a->edit->job = j;
	a->edit->mode = M_CONFIRM;
	return REDO_DRAW;
}

int edit_key_flush(struct app *a, int key)
{
	(void)key;
	if (no_writer(a))
		return REDO_DRAW;
	char p[192];
	snprintf(p, sizeof(p), "Flush: delete all %zu virtual services and %zu real servers. "
		 "Type '%s' and Enter:", a->snap ? a->snap->n_services : 0, a->snap ? a->snap->n_dests : 0,
		 FLUSH_WORD);
	a->edit->job = (struct edit_job){ .op = EDIT_FLUSH };
	confirm_init(&a->edit->confirm, FLUSH_WORD, p);
	a->edit->mode = M_CONFIRM;
	return REDO_DRAW;
}

static int open_form(struct app *a)
{
	a->edit->mode = M_FORM;
	a->edit->result[0] = 0;
	return REDO_DRAW;
}

int edit_key_add(struct app *a, int key)
{
	if (no_writer(a))
		return REDO_DRAW;
	if (key == 'a') {
		form_service_init(&a->edit->form, NULL);
		return open_form(a);
	}
	const struct lvs_dest *d;
	const struct lvs_service *v = selected(a, &d);
	if (!v) {
		set_result(a->edit, true, "%s", "add a real server: select its service first");
		return REDO_DRAW;
	}
	form_server_init(&a->edit->form, v, NULL);
	return open_form(a);
}

int edit_key_edit(struct app *a, int key)
{
	(void)key;
	if (no_writer(a))
		return REDO_DRAW;
	const struct lvs_dest *d;
	const struct lvs_service *v = selected(a, &d);
	if (!v) {
		set_result(a->edit, true, "%s", "edit: select a service or a real server first");
		return REDO_DRAW;
	}
	if (d)
		form_server_init(&a->edit->form, v, d);
	else
		form_service_init(&a->edit->form, v);
	return open_form(a);
}

int edit_key_timeouts(struct app *a, int key)
{
	(void)key;
	if (no_writer(a))
		return REDO_DRAW;
	const struct lvs_snapshot *s = a->snap;
	form_timeouts_init(&a->edit->form, s ? s->timeout_tcp : 0, s ? s->timeout_tcpfin : 0,
			   s ? s->timeout_udp : 0);
	return open_form(a);
}

int edit_key_daemon(struct app *a, int key)
{
	(void)key;
	if (no_writer(a))
		return REDO_DRAW;
	const struct lvs_snapshot *s = a->snap;
	form_daemon_init(&a->edit->form, s && s->n_daemons ? &s->daemons[0] : NULL);
	return open_form(a);
}

/* --- modal keys ------------------------------------------------------------ */

static int submit_form(struct app *a)
{
	struct edit_ui *u = a->edit;
	struct form *fm = &u->form;
	struct edit_job j = { 0 };
	const char *what = "";
	bool start;
	switch (fm->kind) {
	case FORM_ADD_SERVICE:
		j.op = EDIT_ADD_SERVICE;
		form_service(fm, &j.svc);
		what = "adding the service";
		break;
	case FORM_EDIT_SERVICE:
		j.op = EDIT_EDIT_SERVICE;
		j.svc = fm->svc_id;
		form_service(fm, &j.new_svc);
		what = "changing the service";
		break;
	case FORM_ADD_SERVER:
		j.op = EDIT_ADD_SERVER;
		j.svc = fm->svc_id;
		form_server(fm, &j.dest);
		what = "adding the real server";
		break;
	case FORM_EDIT_SERVER:
		j.op = EDIT_EDIT_SERVER;
		j.svc = fm->svc_id;
		j.dest = fm->dest_id;
		form_server(fm, &j.new_dest);
		what = "changing the real server";
		break;
	case FORM_TIMEOUTS:
		j.op = EDIT_TIMEOUTS;
		form_timeouts(fm, j.timeouts);
		what = "setting the timeouts";
		break;
	case FORM_DAEMON:
		form_daemon(fm, &j.dm, &start);
		j.op = start ? EDIT_DAEMON_START : EDIT_DAEMON_STOP;
		what = start ? "starting the sync daemon" : "stopping the sync daemon";
		break;
	}
	u->mode = M_NONE;
	if (j.op == EDIT_EDIT_SERVICE || j.op == EDIT_EDIT_SERVER)
		return post_owned(a, &j, j.op == EDIT_EDIT_SERVER, what);
	return post(a, &j, what);
}

int edit_ui_key(struct app *a, int key)
{
	struct edit_ui *u = a->edit;
	switch (u->mode) {
	case M_FORM:
		switch (form_key(&u->form, key)) {
		case FORM_CANCEL:
			u->mode = M_NONE;
			set_result(u, false, "%s", "cancelled: nothing was sent");
			return REDO_DRAW;
		case FORM_SUBMIT:
			return submit_form(a);
		case FORM_GOING:
			return REDO_DRAW;
		}
		return REDO_DRAW;
	case M_CONFIRM: {
		enum confirm_step s = confirm_key(&u->confirm, key);
		if (s == CONFIRM_PENDING)
			return REDO_DRAW;
		u->mode = M_NONE;
		if (s == CONFIRM_NO) {
			set_result(u, u->confirm.err[0] != 0, "%s",
				   u->confirm.err[0] ? u->confirm.err : "cancelled: nothing was done");
			return REDO_DRAW;
		}
		return post(a, &u->job, u->job.op == EDIT_FLUSH ? "flushing"
				       : u->job.op == EDIT_ZERO ? "zeroing" : "deleting");
	}
	case M_OWNER:
		if (key == OWNER_KEY) {
			switch (u->owner_next) {
			case OWN_POST: u->mode = M_NONE; return post(a, &u->job, u->owner_what);
			case OWN_DRAIN_ASK: u->mode = M_DRAIN_ASK; return REDO_DRAW;
			case OWN_CONFIRM: u->mode = M_CONFIRM; return REDO_DRAW;
			}
		}
		if (key == KEY_ESC || key == 'n' || key == 'N') {
			u->mode = M_NONE;
			set_result(u, false, "%s", "cancelled: nothing was changed");
		}
		return REDO_DRAW; /* other keys: the question stays */
	case M_DRAIN_ASK:
		if (key == 'r' || key == 'k') {
			u->job.drain.remove_at_zero = key == 'r';
			u->mode = M_DRAIN;
			memset(&u->drain, 0, sizeof(u->drain));
			u->drain.active = true;
			return post(a, &u->job, "draining");
		}
		if (key == 'i') { /* a toggle shown in the question */
			u->job.drain.ignore_inactive = !u->job.drain.ignore_inactive;
			return REDO_DRAW;
		}
		u->mode = M_NONE;
		set_result(u, false, "%s", "cancelled: nothing was done");
		return REDO_DRAW;
	case M_DRAIN:
		if (key == KEY_ESC || key == 'q' || !u->drain.active) {
			if (u->drain.active) {
				struct edit_job j = { .op = EDIT_DRAIN_STOP };
				edit_post(u->w, &j);
				set_result(u, false, "%s", "drain panel closed: the server stays quiesced and "
					   "marked draining (R restores)");
			}
			u->mode = M_NONE;
		}
		return REDO_DRAW;
	case M_NONE:
		break;
	}
	return 0;
}

/* --- drawing ---------------------------------------------------------------- */

static void panel_box(int y, int x, int w, int h)
{
	for (int i = 0; i < h; i++)
		draw_fill(y + i, x, w, CR_DEFAULT);
	draw_fill(y, x, w, CR_COL_TITLE);
}

static void draw_form(struct app *a, int y, int h)
{
	struct form *fm = &a->edit->form;
	int w = a->cols, x = 0;
	int need = (int)fm->n + 5;
	if (need > h)
		need = h;
	panel_box(y, x, w, need);
	draw_str(y, x + 1, w - 2, CR_COL_TITLE, fm->title);
	for (size_t i = 0; i < fm->n && (int)i + 2 < need; i++) {
		const struct form_field *f = &fm->f[i];
		int ly = y + 1 + (int)i, lx = x + 2;
		bool cur = i == fm->cur;
		char v[FORM_VALUE_MAX + 8];
		lx += draw_str(ly, lx, 22, CR_HEADER_LABEL, f->label);
		lx = x + 24;
		if (f->choices)
			snprintf(v, sizeof(v), "< %s >", f->value);
		else
			snprintf(v, sizeof(v), "%s%s", f->value, cur ? "_" : "");
		draw_fill(ly, lx, 28, cur ? CR_CURSOR : CR_FILTER);
		draw_str(ly, lx, 28, cur ? CR_CURSOR : CR_FILTER, v);
		lx += 29;
		if (f->err[0])
			draw_str(ly, lx, w - lx, CR_BANNER_ERROR, f->err);
		else if (f->hint && lx < w)
			draw_str(ly, lx, w - lx, CR_DIM, f->hint);
	}
	/* The whole message, which the field's line may have had to cut. */
	int ey = y + 1 + (int)fm->n;
	const char *msg = fm->err[0] ? fm->err : fm->f[fm->cur].err;
	for (size_t i = 0; !msg[0] && i < fm->n; i++)
		msg = fm->f[i].err;
	if (ey < y + need && msg[0])
		draw_str(ey, x + 2, w - 4, CR_BANNER_ERROR, msg);
	if (ey + 1 < y + need)
		draw_str(ey + 1, x + 2, w - 4, CR_DIM,
			 "Tab/Up/Down: field (checked when left)  Left/Right/Space: choice  "
			 "Enter: send when valid  Esc: cancel");
}

static void fmt_secs(double s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "unknown yet");
	else if (s < 120)
		snprintf(buf, len, "%.0fs", s);
	else
		snprintf(buf, len, "%.0fm%02.0fs", s / 60 > 0 ? (double)(long)(s / 60) : 0,
			 s - 60 * (double)(long)(s / 60));
}

static void draw_drain(struct app *a, int y, int h)
{
	struct edit_ui *u = a->edit;
	const struct edit_drain_view *v = &u->drain;
	int w = a->cols;
	int need = h < 9 ? h : 9;
	panel_box(y, 0, w, need);
	char t[320], e1[32], e2[32];
	snprintf(t, sizeof(t), "Drain %s%s%s", v->object[0] ? v->object : "(starting)",
		 v->remove_at_zero ? "  (removed at zero)" : "",
		 v->ignore_inactive ? "  (inactive entries ignored)" : "");
	draw_str(y, 1, w - 2, CR_COL_TITLE, t);
	if (v->has_progress && need > 4) {
		const struct lvs_drain_progress *p = &v->p;
		snprintf(t, sizeof(t), "active %" PRIu32 "  inactive %" PRIu32 "  persistent %" PRIu32
			 "  total %" PRIu64, p->active, p->inactive, p->persistent, p->total);
		draw_str(y + 1, 2, w - 4, CR_HEADER_VALUE, t);
		fmt_secs(p->elapsed, e1, sizeof(e1));
		fmt_secs(p->eta, e2, sizeof(e2));
		if (p->done || p->removed)
			snprintf(t, sizeof(t), "elapsed %s", e1);
		else if (p->rate >= 0)
			snprintf(t, sizeof(t), "elapsed %s  falling %.2f conn/s  ETA %s", e1, p->rate, e2);
		else /* fewer than two samples, or the count has not fallen */
			snprintf(t, sizeof(t), "elapsed %s  rate and ETA: %s", e1,
				 p->elapsed >= 2 ? "not falling yet" : "after the next count");
		draw_str(y + 2, 2, w - 4, CR_DEFAULT, t);
		const char *st = p->removed ? "done: connections reached 0, real server removed"
				 : p->done ? "done: connections reached 0 (weight stays 0; R restores)"
				 : !p->exists ? "the real server is gone"
				 : v->active ? "draining: weight 0, waiting for the connections to end"
					     : "not polled any more";
		draw_str(y + 3, 2, w - 4, p->done || p->removed ? CR_HEALTH_UP : CR_HEADER_FLAG, st);
	} else if (need > 2) {
		draw_str(y + 1, 2, w - 4, CR_DIM, "waiting for the first count...");
	}
	if (need > 6)
		draw_str(y + need - 2, 2, w - 4, CR_DIM,
			 "TIME_WAIT entries count as inactive for 2 minutes.  Esc: close (the drain "
			 "stays recorded)");
}

/* The owner's question: what keepalived will do, wrapped, then the keys. */
static void draw_owner(struct app *a, int y, int h)
{
	struct edit_ui *u = a->edit;
	int w = a->cols - 4;
	const char *p = u->owner_note;
	size_t cut[12];
	int n = 0;
	while (*p && n < 12 && w > 8) {
		size_t k = draw_fit_words(p, w);
		if (!k)
			k = draw_fit(p, w);
		if (!k)
			break;
		cut[n++] = k;
		p += k;
		while (*p == ' ')
			p++;
	}
	int need = n + 2;
	if (need > h)
		need = h;
	int top = y + h - need;
	panel_box(top, 0, a->cols, need);
	char t[160];
	snprintf(t, sizeof(t), "%s %s: ask first",
		 a->marks ? declared_kind_name(a->marks->kind) : "the declared file",
		 "manages what this changes");
	draw_str(top, 1, a->cols - 2, CR_COL_TITLE, t);
	p = u->owner_note;
	for (int i = 0; i < n && 1 + i < need - 1; i++) {
		char line[700];
		snprintf(line, sizeof(line), "%.*s", (int)cut[i], p);
		draw_str(top + 1 + i, 2, w, CR_DEFAULT, line);
		p += cut[i];
		while (*p == ' ')
			p++;
	}
	snprintf(t, sizeof(t), "%c: go ahead (as --force)   Esc: cancel, nothing is changed", OWNER_KEY);
	draw_str(top + need - 1, 2, w, CR_HEADER_FLAG, t);
}

void edit_ui_draw(struct app *a, int y, int h)
{
	struct edit_ui *u = a->edit;
	if (!u || h < 3)
		return;
	switch (u->mode) {
	case M_FORM:
		draw_form(a, y, h);
		break;
	case M_DRAIN:
		draw_drain(a, y, h);
		break;
	case M_OWNER:
		draw_owner(a, y, h);
		return;
	case M_CONFIRM: {
		panel_box(y + h - 2, 0, a->cols, 2);
		draw_str(y + h - 2, 1, a->cols - 2, CR_COL_TITLE, u->confirm.prompt);
		if (u->confirm.word) {
			char t[64];
			snprintf(t, sizeof(t), "> %s_", u->confirm.typed);
			draw_str(y + h - 1, 2, a->cols - 4, CR_FILTER, t);
		}
		return;
	}
	case M_DRAIN_ASK: {
		char s[LVS_OBJ_MAX], d[LVS_OBJ_MAX], t[400];
		panel_box(y + h - 2, 0, a->cols, 2);
		snprintf(t, sizeof(t), "Drain %s in %s: r remove it at zero, k keep it (weight 0), Esc cancel",
			 lvs_dest_text(&u->job.dest, d, sizeof(d)), lvs_svc_text(&u->job.svc, s, sizeof(s)));
		draw_str(y + h - 2, 1, a->cols - 2, CR_COL_TITLE, t);
		draw_str(y + h - 1, 2, a->cols - 4, CR_DIM,
			 u->job.drain.ignore_inactive ? "i: done with active and persistent at 0 "
			 "(ignoring inactive) [on]" : "i: ignore inactive entries (TIME_WAIT) [off]");
		return;
	}
	case M_NONE:
		break;
	}
	if (u->result[0] && u->mode == M_NONE) {
		draw_fill(y + h - 1, 0, a->cols, u->result_err ? CR_BANNER_ERROR : CR_BANNER_INFO);
		draw_str(y + h - 1, 1, a->cols - 2, u->result_err ? CR_BANNER_ERROR : CR_BANNER_INFO,
			 u->result);
	}
}
