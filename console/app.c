#include "app.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "actions/audit.h"
#include "actions/undo.h"
#include "collector/snapshot.h"
#include "share/clock.h"
#include "share/worker.h"
#include "crt.h"
#include "draw.h"
#include "frame.h"
#include "keys.h"
#include "panel.h"
#include "doctor_view.h"
#include "panel_zoom.h"
#include "remote.h"
#include "remote_panel.h"
#include "panel_edit.h"
#include "pace.h"
#include "decl_view.h"

#define MIN_COLS 40
#define MIN_ROWS 10
#define HISTORY_RETRY_MS 20
#define TEXT_SLICE 8192 /* filter texts made per turn of the loop (objects) */

/* Signals reach the loop through a pipe: the handlers only write a byte. */
static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	char c = sig == SIGWINCH ? 'W' : 'Q';
	(void)!write(sig_pipe[1], &c, 1);
	errno = saved;
}

const struct panel *panel_of(enum view v)
{
	static const struct panel *const panels[VIEW_COUNT] = {
		[VIEW_SERVICES] = &panel_services, [VIEW_DETAIL] = &panel_detail,
		[VIEW_CONNS] = &panel_conns,       [VIEW_EVENTS] = &panel_events,
		[VIEW_HELP] = &panel_help,         [VIEW_REMOTE] = &panel_remote,
		[VIEW_DOCTOR] = &panel_doctor,
	};
	return panels[v < VIEW_COUNT ? v : VIEW_SERVICES];
}

int app_header_rows(const struct app *a)
{
	return frame_header_rows(a);
}

int app_body_rows(const struct app *a)
{
	int h = a->rows - app_header_rows(a) - 1;
	if (a->view == VIEW_SERVICES)
		h--; /* the column titles */
	return h > 1 ? h : 1;
}

void app_show(struct app *a, enum view v)
{
	if (v == a->view)
		return;
	if (v == VIEW_HELP || v == VIEW_DETAIL)
		a->back = a->view == VIEW_HELP || a->view == VIEW_DETAIL ? a->back : a->view;
	a->view = v;
}

void app_set_cursor(struct app *a, long i)
{
	if (i >= (long)a->tbl.n)
		i = (long)a->tbl.n - 1;
	if (i < 0)
		i = 0;
	a->cursor = i;
	if (a->tbl.n && a->snap) {
		table_row_key(a->snap, table_row(&a->tbl, (size_t)i), &a->sel);
		a->sel_valid = true;
	}
}

void app_table_opts(const struct app *a, struct table_opts *o)
{
	*o = (struct table_opts){
		.sort_col = a->sort_col,
		.descending = a->sort_desc,
		.tree = a->tree,
		.filter = a->filter,
		.collapse_all = a->collapse_all,
		.toggled = &a->toggled,
	};
}

void app_locate(struct app *a)
{
	long i = -1;
	if (a->sel_valid && a->tbl.n && a->snap) {
		/* Usually where it was; else search. */
		if (a->cursor >= 0 && a->cursor < (long)a->tbl.n) {
			struct lvs_key k;
			table_row_key(a->snap, table_row(&a->tbl, (size_t)a->cursor), &k);
			if (lvs_key_equal(&k, &a->sel))
				i = a->cursor;
		}
		/* Else by index: find the object once, then compare integers. */
		const struct lvs_dest *d = NULL;
		const struct lvs_service *v = i < 0 ? app_find(a, &a->sel, &d) : NULL;
		if (v) {
			uint32_t si = (uint32_t)(v - a->snap->services);
			i = table_find_index(&a->tbl, si, d ? (int32_t)(d - v->dests) : -1);
			if (i < 0 && d) /* its service, when the real server is folded away */
				i = table_find_index(&a->tbl, si, -1);
		}
	}
	app_set_cursor(a, i >= 0 ? i : a->cursor);
}

int app_rebuild(struct app *a)
{
	a->opts_gen++; /* a prepared table built before now is out of date */
	a->rows_pending = false;
	if (!a->snap) {
		a->tbl.n = 0;
		return 0;
	}
	struct table_opts o;
	app_table_opts(a, &o);
	o.lazy = true; /* a key's frame needs only the rows on screen in order */
	int r = table_build(&a->tbl, a->snap, &o);
	if (!r && a->tree)
		r = marks_insert_ghosts(&a->tbl, a->snap, a->marks);
	app_locate(a);
	return r;
}

const struct lvs_service *app_find(const struct app *a, const struct lvs_key *k,
				   const struct lvs_dest **dest)
{
	*dest = NULL;
	const struct lvs_snapshot *s = a->snap;
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *v = &s->services[i];
		struct lvs_key sk;
		lvs_key_service(&sk, v);
		if (sk.svc_af != k->svc_af || sk.svc_proto != k->svc_proto || sk.fwmark != k->fwmark ||
		    sk.svc_port != k->svc_port || memcmp(&sk.svc_addr, &k->svc_addr, sizeof(sk.svc_addr)))
			continue;
		if (!k->is_dest)
			return v;
		for (size_t j = 0; j < v->n_dests; j++) {
			struct lvs_key dk;
			lvs_key_dest(&dk, v, &v->dests[j]);
			if (lvs_key_equal(&dk, k)) {
				*dest = &v->dests[j];
				return v;
			}
		}
		return NULL;
	}
	return NULL;
}

/* Samples of k from the rings (waiting for the writer or not), none
 * newer than the snapshot on screen. 0 or -EBUSY (try only). */
static int history(struct app *a, const struct lvs_key *k, struct lvs_sample *out, size_t max,
		   bool try, size_t *count)
{
	/* A few more than asked for, to make up for samples recorded after
	 * the snapshot on screen (a paused display): copying fewer samples
	 * keeps the history's lock short. */
	struct lvs_sample buf[LVS_RINGS_SAMPLES + 32];
	size_t want = max + 32 < sizeof(buf) / sizeof(buf[0]) ? max + 32 : sizeof(buf) / sizeof(buf[0]);
	size_t n = 0;
	*count = 0;
	if (!try)
		n = rings_read(collector_rings(a->col), k, buf, want);
	else if (rings_try_read(collector_rings(a->col), k, buf, want, &n))
		return -EBUSY;
	double until = a->snap ? a->snap->time : 0;
	while (n && until > 0 && buf[n - 1].t > until + 1e-6)
		n--;
	size_t skip = n > max ? n - max : 0;
	memcpy(out, buf + skip, (n - skip) * sizeof(*out));
	*count = n - skip;
	return 0;
}

size_t app_history(struct app *a, const struct lvs_key *k, struct lvs_sample *out, size_t max)
{
	size_t n;
	history(a, k, out, max, false, &n);
	return n;
}

int app_history_try(struct app *a, const struct lvs_key *k, struct lvs_sample *out, size_t max,
		    size_t *n)
{
	if (history(a, k, out, max, true, n)) {
		a->history_busy = true; /* the loop draws again shortly */
		return -EBUSY;
	}
	return 0;
}

static void conn_key(struct lvs_key *k, uint16_t af, const union lvs_addr *addr, uint16_t port)
{
	memset(k, 0, sizeof(*k));
	k->is_dest = 1;
	k->dest_af = af;
	k->dest_port = port;
	memcpy(&k->dest_addr, addr, af == AF_INET6 ? 16 : 4); /* the rest stays zero */
}

const struct lvs_conn_dest *app_conn_dest(struct app *a, const struct lvs_dest *d)
{
	const struct lvs_conn_summary *c = a->snap ? &a->snap->conns : NULL;
	if (!c || !c->n_dests)
		return NULL;
	if (a->conn_idx_gen != a->snap_gen) {
		keymap_done(&a->conn_idx);
		a->conn_idx_gen = 0;
		if (keymap_init(&a->conn_idx, c->n_dests))
			return NULL;
		for (size_t i = 0; i < c->n_dests; i++) {
			struct lvs_key k;
			conn_key(&k, c->dests[i].af, &c->dests[i].addr, c->dests[i].port);
			if (keymap_put(&a->conn_idx, &k, (uint32_t)i)) {
				keymap_done(&a->conn_idx);
				return NULL;
			}
		}
		a->conn_idx_gen = a->snap_gen;
	}
	struct lvs_key k;
	conn_key(&k, d->af, &d->addr, d->port);
	uint32_t *i = keymap_get(&a->conn_idx, &k);
	return i ? &c->dests[*i] : NULL;
}

/* Changes keepalived undid (actions/undo.h), as events. */
static void app_undone(struct app *a, const struct lvs_snapshot *s)
{
	struct lvs_undo_event *ev;
	size_t n;
	if (!a->undo || undo_watch_poll(a->undo, s, &ev, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		struct lvs_event e = { .time = s->time, .kind = EV_UNDONE };
		snprintf(e.text, sizeof(e.text), "%.*s", (int)sizeof(e.text) - 1, ev[i].text);
		ev_log_add(&a->log, &e);
	}
	free(ev);
}

/* Show snapshot s (a reference passes to the app) with its events. */
static void show(struct app *a, struct lvs_snapshot *s, struct ev_vec *ev)
{
	ev_log_count(&a->log, ev->dropped);
	for (size_t i = 0; i < ev->n; i++)
		ev_log_add(&a->log, &ev->v[i]);
	snapshot_unref(a->snap);
	a->snap = s;
	a->snap_gen++;
	edit_ui_snapshot(a); /* the marks, read again on the writer */
	decl_view_submit(a->decl, s); /* the declared marks, on their worker */
	app_undone(a, s);
	if (a->doctor && (a->view == VIEW_DOCTOR || a->view == VIEW_DETAIL))
		doctor_view_request(a->doctor, s); /* on its worker */
}

/* New declared marks: the ghost rows follow them. */
static void take_marks(struct app *a)
{
	struct marks *m = decl_view_take(a->decl);
	if (!m)
		return;
	marks_free(a->marks);
	a->marks = m;
	app_rebuild(a);
}

static bool app_take_one(struct app *a);

/* Tell the poller's pace what is on screen: the last publication taken,
 * unless a newer snapshot is still being tabled on the helper. */
static void app_pace(struct app *a)
{
	if (a->opts.pace && (a->paused || a->snap == a->submitted))
		console_pace_shown(a->opts.pace, a->seen_seq);
}

bool app_take(struct app *a)
{
	bool r = app_take_one(a);
	app_pace(a);
	return r;
}

static bool app_take_one(struct app *a)
{
	struct lvs_status st;
	struct lvs_snapshot *s = collector_acquire(a->col, &st);
	if (st.seq == a->seen_seq) {
		snapshot_unref(s);
		return false;
	}
	a->seen_seq = st.seq;
	a->st = st;
	a->refreshes++;
	if (!s || s == a->submitted || (a->paused && a->snap)) {
		snapshot_unref(s);
		return true;
	}
	/* With -n every refresh is drawn before the count ends: prepare
	 * here. Otherwise the helper does the work and prep_done shows it. */
	if (a->prep && !a->opts.iterations) {
		struct table_opts o;
		app_table_opts(a, &o);
		/* The filter prompt is open: the helper makes the new
		 * snapshot's filter texts with its rows, so that the swap
		 * brings them and no key waits for them. */
		o.texts = a->filter_editing;
		if (!prep_submit(a->prep, a->submitted, s, &o, a->opts_gen)) {
			snapshot_unref(a->submitted);
			a->submitted = s;
			return true;
		}
	}
	struct ev_vec ev = { .limit = EV_LOG_CAP };
	events_diff(a->submitted, s, &ev); /* on -ENOMEM the log misses a few */
	snapshot_unref(a->submitted);
	a->submitted = snapshot_ref(s);
	show(a, s, &ev);
	ev_vec_done(&ev);
	app_rebuild(a);
	return true;
}

/* A snapshot prepared by the helper: swap it in. */
static bool prep_done(struct app *a)
{
	struct prep_result r;
	if (!prep_take(a->prep, &r))
		return false;
	show(a, r.snap, &r.ev);
	r.snap = NULL;
	if (r.opts_gen == a->opts_gen && !r.err) {
		/* Built under the options on screen: the rows are ready. */
		table_done(&a->tbl);
		a->tbl = r.tbl;
		memset(&r.tbl, 0, sizeof(r.tbl));
		if (a->tree)
			marks_insert_ghosts(&a->tbl, a->snap, a->marks); /* none on -ENOMEM */
		app_locate(a);
	} else {
		/* The options changed meanwhile (a key typed into the filter):
		 * the rows are out of date, but the filter texts the helper
		 * made for this snapshot are not, and making them again here
		 * would hold up the key's frame. */
		table_adopt_text(&a->tbl, &r.tbl, a->snap);
		app_rebuild(a);
	}
	table_done(&r.tbl);
	ev_vec_done(&r.ev);
	app_pace(a);
	return true;
}

void app_draw(struct app *a)
{
	a->history_busy = false;
	erase();
	if (a->cols < MIN_COLS || a->rows < MIN_ROWS) {
		char m[64];
		snprintf(m, sizeof(m), "terminal too small: %dx%d (need %dx%d)", a->cols, a->rows,
			 MIN_COLS, MIN_ROWS);
		draw_str(0, 0, a->cols, CR_BANNER_ERROR, m);
		refresh();
		return;
	}
	layout_compute(a->cols, a->exact, a->view == VIEW_SERVICES ? services_name_need(a) : 0,
		       a->hide_cols, &a->lay);
	frame_draw_header(a);
	int y = app_header_rows(a);
	panel_of(a->view)->draw(a, y, a->rows - y - 1);
	edit_ui_draw(a, y, a->rows - y - 1); /* a form, question or result over the body */
	frame_draw_bar(a);
	refresh();
}

static void resize(struct app *a)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resize_term(ws.ws_row, ws.ws_col);
	getmaxyx(stdscr, a->rows, a->cols);
	clearok(curscr, TRUE);
}

static int install_signals(void)
{
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	int sigs[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	return 0;
}

static void restore_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigemptyset(&sa.sa_mask);
	int sigs[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
}

/* Milliseconds to the next whole second of the wall clock (the header's
 * clock ticks then). */
static int ms_to_next_second(void)
{
	return (int)(1000 - clock_wall_ms() % 1000) + 1;
}

/* The filter prompt is open and the snapshot's filter texts are not all
 * made yet (the prompt was opened a moment ago, or a snapshot came since). */
static bool texts_missing(const struct app *a)
{
	return a->filter_editing && a->snap && a->tbl.text_of != a->snap;
}

/* A key typed into the filter while they are missing: filtering now would
 * make the rest of them on this thread before the frame. */
static bool filter_waits_for_texts(const struct app *a)
{
	return texts_missing(a) && a->filter[0];
}

bool app_text_turn(struct app *a)
{
	a->text_pending = false;
	int tr = 1;
	if (texts_missing(a)) {
		tr = table_prepare_text_some(&a->tbl, a->snap, TEXT_SLICE);
		a->text_pending = tr == 0;
	}
	/* A filter key waited for them: filter now (or the prompt was closed
	 * meanwhile, or no memory was left for them). */
	if (a->rows_pending && (tr < 0 || !filter_waits_for_texts(a))) {
		app_rebuild(a);
		return true;
	}
	return false;
}

static void loop(struct app *a)
{
	struct pollfd p[6 + REMOTE_MAX] = { /* --remote: the other directors' after 6 */
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = collector_notify_fd(a->col), .events = POLLIN },
		{ .fd = sig_pipe[0], .events = POLLIN },
		{ .fd = a->prep ? prep_fd(a->prep) : -1, .events = POLLIN },
		{ .fd = edit_ui_fd(a), .events = POLLIN }, /* the writer's results */
		{ .fd = decl_view_fd(a->decl), .events = POLLIN }, /* declared marks */
	};
	app_take(a);
	app_draw(a);
	while (!a->quit) {
		if (a->opts.iterations && a->refreshes >= a->opts.iterations)
			break;
		p[1].fd = collector_notify_fd(a->col); /* --remote: the focus moves */
		/* A frame drew without history the poller was writing: draw
		 * again once it is done, not at the next second. */
		int wait = a->text_pending ? 0 : a->history_busy ? HISTORY_RETRY_MS : ms_to_next_second();
		int n = poll(p, 6 + (nfds_t)remote_poll_fds(a, p + 6), wait);
		bool slice_only = n == 0 && wait == 0; /* nothing came: no frame */
		if (n < 0 && errno != EINTR)
			break;
		if (p[2].revents & POLLIN) {
			char c[16];
			ssize_t k;
			while ((k = read(sig_pipe[0], c, sizeof(c))) > 0)
				for (ssize_t i = 0; i < k; i++) {
					if (c[i] == 'W')
						resize(a);
					else
						a->quit = true;
				}
		}
		if (p[0].revents & (POLLHUP | POLLERR))
			a->quit = true; /* the terminal went away */
		int redo = 0;
		if (p[0].revents & POLLIN) {
			int ch;
			while ((ch = getch()) != ERR) {
				if (ch == KEY_RESIZE) {
					resize(a);
					continue;
				}
				redo |= app_key(a, ch);
			}
		}
		if (redo & REDO_QUIT)
			break;
		/* Answer the keys before other work of this turn (a snapshot
		 * taken or swapped in, the writer's result): the key's frame
		 * waits for none of it, and holds only the key's changes. */
		if (redo && ((p[1].revents | p[3].revents | p[4].revents) & POLLIN))
			app_draw(a);
		if (p[1].revents & POLLIN) {
			collector_notify_drain(a->col);
			app_take(a);
			if (a->opts.iterations && a->st.ended)
				a->quit = true; /* the recording ran out before -n */
		}
		if (p[3].revents & POLLIN) {
			prep_done(a);
			if (a->snap)
				prep_take_text(a->prep, &a->tbl, a->snap);
		}
		/* The filter prompt is open: have its texts made off this
		 * thread before the first key is typed. */
		if (a->prep && texts_missing(a))
			prep_submit_text(a->prep, a->snap, a->snap_gen);
		/* ...and here, a slice between two turns of the loop, so that
		 * they are ready even when the machine has no time to spare for
		 * the helper (it runs in the idle class): a key typed meanwhile
		 * waits at most one slice, not the whole table's. */
		if (app_text_turn(a))
			slice_only = false;
		if (p[4].revents & POLLIN)
			edit_ui_ready(a);
		if (p[5].revents & POLLIN)
			take_marks(a);
		remote_poll_done(a, p + 6); /* their sections redraw below */
		if (!slice_only)
			app_draw(a);
	}
}

int app_key(struct app *a, int key)
{
	int redo = keys_dispatch(a, key);
	if (redo & REDO_ROWS) {
		if (filter_waits_for_texts(a)) {
			/* The prompt shows the key at once; the loop makes the
			 * texts a slice a turn and filters when they are done. */
			a->opts_gen++;
			a->rows_pending = true;
			redo |= REDO_DRAW;
		} else {
			app_rebuild(a);
		}
		redo &= ~REDO_ROWS;
	}
	return redo;
}

static int start_collector(void *c)
{
	return collector_start(c);
}

void app_focus(struct app *a, lvs_collector *c)
{
	if (c == a->col)
		return;
	a->col = c;
	/* The event log diffs one director's snapshots, never two's. */
	snapshot_unref(a->submitted);
	a->submitted = NULL;
	a->seen_seq = 0;
	a->sel_valid = false;
	a->cursor = a->top = 0;
	struct lvs_status st;
	struct lvs_snapshot *s = collector_acquire(c, &st);
	a->seen_seq = st.seq;
	a->st = st;
	struct ev_vec none = { 0 };
	if (s) {
		a->submitted = snapshot_ref(s);
		show(a, s, &none);
	}
	app_rebuild(a);
}

int console_run(lvs_collector *c, const struct console_opts *o)
{
	return console_run_ex(c, o, NULL, NULL);
}

int app_open(struct app *a, lvs_collector *c, const struct console_opts *o, struct remote_set *rs,
	     const char *lvsd_url)
{
	memset(a, 0, sizeof(*a));
	a->col = c;
	a->opts = *o;
	a->interval = o->interval > 0 ? o->interval : LVS_POLL_INTERVAL;
	a->exact = o->exact;
	a->tree = true;
	a->sort_col = COL_NAME;
	a->sort_desc = false;
	a->hide_chosen = LAYOUT_HIDE_DEFAULT;
	if (o->columns) {
		char err[256];
		if (layout_parse_columns(o->columns, &a->hide_chosen, err, sizeof(err)))
			return -EINVAL; /* the caller checked it */
	}
	a->hide_cols = a->hide_chosen;
	a->metric = SPARK_CPS;
	a->view = a->back = rs ? VIEW_REMOTE : VIEW_SERVICES;
	a->remote = rs;
	a->lvsd_url = lvsd_url ? lvsd_url : LVSD_DEFAULT_URL;
	int r = keymap_init(&a->toggled, 16);
	if (r)
		return r;
	table_init(&a->tbl);
	if ((r = ev_log_init(&a->log, EV_LOG_CAP))) {
		keymap_done(&a->toggled);
		return r;
	}
	a->sparks = calloc(SPARK_CACHE, sizeof(*a->sparks)); /* optional */
	/* Optional: without it, snapshots are prepared here. --remote goes
	 * without: a result prepared for one director could land after the
	 * focus moved to another. */
	a->prep = rs ? NULL : prep_new();
	/* Optional too: without it the table has no declared marks. */
	if (o->declared && !rs)
		a->decl = decl_view_new(o->declared_path, o->declared_kind);
	return 0;
}

void app_close(struct app *a)
{
	undo_watch_free(a->undo);
	ev_log_done(&a->log);
	prep_free(a->prep);
	decl_view_free(a->decl);
	marks_free(a->marks);
	doctor_view_free(a->doctor);
	hfetch_free(a->hist);
	if (a->conn_idx_gen)
		keymap_done(&a->conn_idx);
	snapshot_unref(a->submitted);
	free(a->sparks);
	table_done(&a->tbl);
	keymap_done(&a->toggled);
	snapshot_unref(a->snap);
	memset(a, 0, sizeof(*a));
}

int console_run_ex(lvs_collector *c, const struct console_opts *o, struct remote_set *rs,
		   const char *lvsd_url)
{
	struct app a;
	int r = app_open(&a, c, o, rs, lvsd_url);
	if (r)
		return r;
	/* Snapshots of a large table are arrays of tens of megabytes, freed
	 * at each poll; glibc's adaptive mmap threshold would then serve them
	 * from the heap, where freed memory stays in the process (170 MiB
	 * instead of 132 at 10,000 x 10). A fixed threshold keeps them in
	 * their own mappings, given back on free. */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	/* The charset only: numbers keep the C locale's decimal point. */
	setlocale(LC_CTYPE, "");
	if ((r = install_signals()))
		goto out;
	if ((r = crt_init(o->no_color)))
		goto out_sig;
	getmaxyx(stdscr, a.rows, a.cols);
	/* The poller below the UI thread: parsing a large snapshot must not
	 * delay a key's frame. */
	if ((r = worker_call_lowered(PREP_NICE, start_collector, c)) && r != -EALREADY) {
		crt_done();
		goto out_sig;
	}
	if (rs && (r = remote_set_start(rs))) {
		crt_done();
		collector_stop(c);
		goto out_sig;
	}
	r = 0;
	/* A recording is not the kernel on this machine: nothing to edit. */
	if (!o->read_only && (!o->source || !strcmp(o->source, "kernel")))
		edit_ui_open(&a); /* on failure the console runs without editing, and says so */
	if (!rs && (!o->source || !strcmp(o->source, "kernel")))
		a.undo = undo_watch_new(audit_default_path(), "console", NULL, NULL, 0);
	loop(&a);
	if (o->pace)
		console_pace_release(o->pace); /* the poller waits no more */
	edit_ui_close(&a); /* waits for the change being sent, if any */
	crt_done();
	collector_stop(c);
out_sig:
	restore_signals();
out:
	app_close(&a);
	return r;
}
