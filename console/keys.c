#include "keys.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "collector/snapshot.h"
#include "panel_zoom.h"
#include "remote.h"
#include "remote_panel.h"
#include "panel_edit.h"
#include "panel_doctor.h"

#define CTRL(c) ((c) & 0x1f)
#define KEY_ESC 27

static long list_lines(struct app *a);

/* --- movement ------------------------------------------------------------ */

static int move_by(struct app *a, long delta, bool absolute)
{
	if (a->view == VIEW_REMOTE)
		return remote_move(a, delta, absolute);
	if (a->view == VIEW_SERVICES) {
		app_set_cursor(a, absolute ? delta : a->cursor + delta);
		return REDO_DRAW;
	}
	long max = list_lines(a) - app_body_rows(a);
	long v = absolute ? delta : a->scroll[a->view] + delta;
	if (v > max)
		v = max;
	if (v < 0)
		v = 0;
	a->scroll[a->view] = v;
	return REDO_DRAW;
}

/* Views other than the table report their length when they draw. */
static long list_lines(struct app *a)
{
	return a->lines[a->view];
}

static int k_up(struct app *a, int key)
{
	(void)key;
	return move_by(a, -1, false);
}

static int k_down(struct app *a, int key)
{
	(void)key;
	return move_by(a, 1, false);
}

static int k_pgup(struct app *a, int key)
{
	(void)key;
	return move_by(a, -(long)app_body_rows(a) + 1, false);
}

static int k_pgdn(struct app *a, int key)
{
	(void)key;
	return move_by(a, app_body_rows(a) - 1, false);
}

static int k_home(struct app *a, int key)
{
	(void)key;
	return move_by(a, 0, true);
}

static int k_end(struct app *a, int key)
{
	(void)key;
	return move_by(a, a->view == VIEW_SERVICES ? (long)a->tbl.n : list_lines(a), true);
}

/* --- views ----------------------------------------------------------------- */

static int k_enter(struct app *a, int key)
{
	(void)key;
	if (a->view == VIEW_REMOTE)
		return remote_enter(a);
	if (!a->sel_valid || !a->tbl.n)
		return 0;
	a->detail = a->sel;
	a->scroll[VIEW_DETAIL] = 0;
	app_show(a, VIEW_DETAIL);
	return REDO_DRAW;
}

static int k_back(struct app *a, int key)
{
	(void)key;
	if (a->view == VIEW_SERVICES) {
		if (!a->filter[0] && a->remote) {
			app_show(a, VIEW_REMOTE); /* back to every director */
			return REDO_DRAW;
		}
		if (!a->filter[0])
			return 0;
		a->filter[0] = 0; /* Esc on the table clears the filter */
		return REDO_ROWS | REDO_DRAW;
	}
	app_show(a, a->view == VIEW_HELP || a->view == VIEW_DETAIL ? a->back : VIEW_SERVICES);
	return REDO_DRAW;
}

static int toggle_view(struct app *a, enum view v)
{
	app_show(a, a->view == v ? VIEW_SERVICES : v);
	return REDO_DRAW;
}

static int k_help(struct app *a, int key)
{
	(void)key;
	if (a->view == VIEW_HELP) {
		app_show(a, a->back);
		return REDO_DRAW;
	}
	a->scroll[VIEW_HELP] = 0;
	app_show(a, VIEW_HELP);
	return REDO_DRAW;
}

static int k_conns(struct app *a, int key)
{
	(void)key;
	return toggle_view(a, VIEW_CONNS);
}

static int k_events(struct app *a, int key)
{
	(void)key;
	return toggle_view(a, VIEW_EVENTS);
}

static int k_doctor(struct app *a, int key)
{
	(void)key;
	if (a->view != VIEW_DOCTOR)
		panel_doctor_request(a); /* on its worker; the view says why when it cannot */
	return toggle_view(a, VIEW_DOCTOR);
}

static int k_services(struct app *a, int key)
{
	(void)key;
	app_show(a, VIEW_SERVICES);
	return REDO_DRAW;
}

static int k_next_view(struct app *a, int key)
{
	(void)key;
	static const enum view cycle[] = { VIEW_SERVICES, VIEW_CONNS, VIEW_EVENTS };
	size_t i = 0;
	while (i < 3 && cycle[i] != a->view)
		i++;
	app_show(a, cycle[(i + 1) % 3]);
	return REDO_DRAW;
}

/* --- table ----------------------------------------------------------------- */

static int k_filter(struct app *a, int key)
{
	(void)key;
	if (a->view == VIEW_HELP || a->view == VIEW_DETAIL)
		app_show(a, VIEW_SERVICES);
	a->filter_editing = true;
	return REDO_DRAW;
}

static int k_tree(struct app *a, int key)
{
	(void)key;
	a->tree = !a->tree;
	return REDO_ROWS | REDO_DRAW;
}

static int set_sort(struct app *a, enum col_id c)
{
	a->sort_col = c;
	a->sort_desc = table_sort_descending_first(c);
	snprintf(a->message, sizeof(a->message), "sorted by %s", col_defs[c].title);
	return REDO_ROWS | REDO_DRAW;
}

/* Cycle through the sortable columns that are on screen. */
static int k_sort_next(struct app *a, int key)
{
	int dir = key == '<' ? -1 : 1;
	int i = layout_find(&a->lay, a->sort_col);
	for (int n = 0; n < a->lay.n; n++) {
		i = (i + dir + a->lay.n) % a->lay.n;
		if (table_sortable(a->lay.col[i].id))
			return set_sort(a, a->lay.col[i].id);
	}
	return 0;
}

static int k_sort_invert(struct app *a, int key)
{
	(void)key;
	a->sort_desc = !a->sort_desc;
	return REDO_ROWS | REDO_DRAW;
}

static int fold(struct app *a, bool collapse)
{
	if (!a->tree || !a->tbl.n || !a->snap)
		return 0;
	const struct row *r = &a->tbl.rows[a->cursor];
	const struct lvs_service *v = &a->snap->services[r->svc];
	struct lvs_key k;
	lvs_key_service(&k, v);
	bool now = (r->flags & ROW_COLLAPSED) != 0;
	if (r->dest >= 0 && collapse) {
		now = false; /* on a real server: fold its service, land on it */
		a->sel = k;
	}
	if (now == collapse)
		return 0;
	if (keymap_get(&a->toggled, &k))
		keymap_del(&a->toggled, &k);
	else if (keymap_put(&a->toggled, &k, 1))
		return 0;
	return REDO_ROWS | REDO_DRAW;
}

static int k_collapse(struct app *a, int key)
{
	(void)key;
	return fold(a, true);
}

static int k_expand(struct app *a, int key)
{
	(void)key;
	return fold(a, false);
}

static int k_collapse_all(struct app *a, int key)
{
	(void)key;
	a->collapse_all = !a->collapse_all;
	keymap_done(&a->toggled);
	keymap_init(&a->toggled, 16);
	if (a->sel_valid && a->sel.is_dest) {
		a->sel.is_dest = 0; /* keep the cursor on the service */
		a->sel.dest_af = a->sel.dest_port = 0;
		memset(&a->sel.dest_addr, 0, sizeof(a->sel.dest_addr));
	}
	return REDO_ROWS | REDO_DRAW;
}

/* --- data -------------------------------------------------------------------- */

static int k_pause(struct app *a, int key)
{
	(void)key;
	a->paused = !a->paused;
	return REDO_DRAW;
}

static int k_interval(struct app *a, int key)
{
	static const double steps[] = { 0.5, 1, 2, 5, 10, 30 };
	const size_t n = sizeof(steps) / sizeof(steps[0]);
	size_t i = 0;
	while (i < n && steps[i] <= a->interval + 1e-9)
		i++;
	/* d: the next longer step (wrapping); D: the next shorter. */
	if (key == 'D') {
		size_t j = n;
		while (j > 0 && steps[j - 1] >= a->interval - 1e-9)
			j--;
		a->interval = j ? steps[j - 1] : steps[n - 1];
	} else {
		a->interval = i < n ? steps[i] : steps[0];
	}
	collector_set_interval(a->col, a->interval);
	if (a->remote)
		remote_set_interval(a->remote, a->interval);
	snprintf(a->message, sizeof(a->message), "refresh every %gs", a->interval);
	return REDO_DRAW;
}

static int k_refresh(struct app *a, int key)
{
	(void)key;
	collector_kick(a->col);
	for (size_t i = 0; a->remote && i < a->remote->n; i++)
		collector_kick(a->remote->d[i].col);
	return REDO_DRAW;
}

static int k_exact(struct app *a, int key)
{
	(void)key;
	a->exact = !a->exact;
	return REDO_DRAW;
}

/* Every column, or back to the chosen ones (--columns, or the default
 * that leaves out the lowest-priority ones). */
static int k_columns(struct app *a, int key)
{
	(void)key;
	if (!a->hide_chosen) {
		snprintf(a->message, sizeof(a->message), "every column is shown already (--columns)");
		return REDO_DRAW;
	}
	a->hide_cols = a->hide_cols ? 0 : a->hide_chosen;
	int redo = REDO_DRAW;
	/* A column left out is no longer one to sort by. */
	bool resort = a->hide_cols & LAYOUT_BIT(a->sort_col);
	if (resort)
		redo = set_sort(a, COL_NAME);
	snprintf(a->message, sizeof(a->message), "%s%s",
		 a->hide_cols ? "columns as chosen (C: every column)" : "every column (C: as chosen)",
		 resort ? ", sorted by name" : "");
	return redo;
}

static int k_metric(struct app *a, int key)
{
	(void)key;
	a->metric = (a->metric + 1) % SPARK_METRIC_COUNT;
	snprintf(a->message, sizeof(a->message), "history shows %s", spark_metric_name(a->metric));
	return REDO_DRAW;
}

static int k_redraw(struct app *a, int key)
{
	(void)a;
	(void)key;
	clearok(curscr, TRUE);
	return REDO_DRAW;
}

static int k_zoom(struct app *a, int key)
{
	return zoom_key(a, key);
}

static int k_remote(struct app *a, int key)
{
	(void)key;
	if (!a->remote)
		return 0;
	app_show(a, VIEW_REMOTE);
	return REDO_DRAW;
}

static int k_quit(struct app *a, int key)
{
	(void)key;
	a->quit = true;
	return REDO_QUIT;
}

const struct key_binding key_table[] = {
	{ { KEY_UP, 'k' }, "Up k", NULL, "move up one row", V_ALL, false, k_up },
	{ { KEY_DOWN, 'j' }, "Down j", NULL, "move down one row", V_ALL, false, k_down },
	{ { KEY_PPAGE, CTRL('b') }, "PgUp ^B", NULL, "move up one page", V_ALL, false, k_pgup },
	{ { KEY_NPAGE, CTRL('f') }, "PgDn ^F", NULL, "move down one page", V_ALL, false, k_pgdn },
	{ { KEY_HOME, 'g' }, "Home g", NULL, "go to the first row", V_ALL, false, k_home },
	{ { KEY_END, 'G' }, "End G", NULL, "go to the last row", V_ALL, false, k_end },
	{ { '\r', '\n', KEY_ENTER }, "Enter", NULL, "details of the selected service or real server",
	  V_SERVICES | V_REMOTE, false, k_enter },
	{ { KEY_ESC, KEY_BACKSPACE, 127 }, "Esc", NULL,
	  "back to the previous view (on the table: clear the filter)", V_ALL, false, k_back },
	{ { KEY_F(1), '?', 'h' }, "F1 ? h", "Help", "this help", V_ALL, false, k_help },
	{ { KEY_F(2), 'c' }, "F2 c", "Conns", "connections view: by state, real server, client",
	  V_ALL, false, k_conns },
	{ { KEY_F(3), '/' }, "F3 /", "Filter",
	  "filter rows by address, port, protocol, scheduler or method (incremental)", V_SERVICES | V_CONNS | V_EVENTS,
	  false, k_filter },
	{ { KEY_F(4), 'e' }, "F4 e", "Events", "event log: services and real servers coming, "
	  "going, weight changes, counter resets", V_ALL, false, k_events },
	{ { KEY_F(5), 't' }, "F5 t", "Tree", "tree (real servers under services) or flat list",
	  V_SERVICES, false, k_tree },
	{ { KEY_F(6), '>', '<' }, "F6 > <", "SortBy", "sort by the next (>) or previous (<) column",
	  V_SERVICES, false, k_sort_next },
	{ { 'I' }, "I", NULL, "invert the sort order", V_SERVICES, false, k_sort_invert },
	{ { KEY_LEFT, '-' }, "Left -", NULL, "collapse the service", V_SERVICES, false, k_collapse },
	{ { KEY_RIGHT, '+' }, "Right +", NULL, "expand the service", V_SERVICES, false, k_expand },
	{ { '*' }, "*", NULL, "collapse or expand every service", V_SERVICES, false, k_collapse_all },
	{ { KEY_F(7), 'p', 'Z' }, "F7 p Z", "Pause", "pause or resume the display (polling goes on)",
	  V_ALL, false, k_pause },
	{ { KEY_F(8), 'd', 'D' }, "F8 d D", "Delay",
	  "poll less often (d) or more often (D): 0.5, 1, 2, 5, 10, 30 s", V_ALL, false, k_interval },
	{ { 'r' }, "r", NULL, "poll now", V_ALL, false, k_refresh },
	{ { KEY_F(9), 'o' }, "F9 o", "Doctor",
	  "doctor: the classic LVS failures on this director, with evidence and fix "
	  "(docs/doctor.md)", V_ALL, false, k_doctor },
	{ { 'x' }, "x", NULL, "exact numbers or K/M/G units", V_ALL, false, k_exact },
	{ { 'C' }, "C", NULL, "every column, or only the chosen ones (--columns)", V_SERVICES, false, k_columns },
	{ { 'm' }, "m", NULL, "history metric: conn/s, packets, bytes in/out, active",
	  V_SERVICES | V_DETAIL, false, k_metric },
	{ { '\t' }, "Tab", NULL, "next view: services, connections, events", V_ALL, false, k_next_view },
	{ { '1' }, "1", NULL, "services view", V_ALL, false, k_services },
	{ { CTRL('l') }, "^L", NULL, "redraw the screen", V_ALL, false, k_redraw },
	{ { '-', '+', '=' }, "- +", "Zoom",
	  "charts: zoom out (-) from the last minutes to the rrd history (hour, day, week, month), in (+)",
	  V_DETAIL, false, k_zoom },
	{ { '0' }, "0", NULL, "directors view (--remote): every director's table", V_ALL, false, k_remote },
	{ { KEY_F(10), 'q' }, "F10 q", "Quit", "quit", V_ALL, false, k_quit },
	/* Edits (panel_edit.c): refused, and shown as unavailable in the
	 * help, under --read-only and on replay (keys_edit_off). d, D, e, +, -, Z and r were taken already, so delete,
	 * drain, edit, the weight and zero have other keys than the actions'
	 * proposal (docs/actions.md). */
#define V_EDIT (V_SERVICES | V_DETAIL)
	{ { 'Q' }, "Q", NULL, "quiesce the real server: weight 0, the weight remembered", V_EDIT, true,
	  edit_key_quiesce },
	{ { 'W' }, "W", NULL, "drain the real server: quiesce, then a panel counting its connections "
	  "down (optionally removing it at zero)", V_EDIT, true, edit_key_drain },
	{ { 'R' }, "R", NULL, "restore the real server's remembered weight", V_EDIT, true,
	  edit_key_restore },
	{ { ']', '[' }, "] [", NULL, "raise (]) or lower ([) the real server's weight by 1", V_EDIT, true,
	  edit_key_weight },
	{ { 'a', 'A' }, "a A", NULL, "add a virtual service (a), or a real server to the selected service (A)",
	  V_EDIT, true, edit_key_add },
	{ { 'E' }, "E", NULL, "edit the selected service or real server (a form)", V_EDIT, true,
	  edit_key_edit },
	{ { KEY_DC, 'X' }, "Del X", NULL, "delete the selected service or real server (asks first)",
	  V_EDIT, true, edit_key_delete },
	{ { 'z' }, "z", NULL, "zero the selected service's counters (asks first)", V_EDIT, true,
	  edit_key_zero },
	{ { 'T' }, "T", NULL, "set the tcp, tcpfin and udp timeouts (a form)", V_EDIT, true,
	  edit_key_timeouts },
	{ { 'F' }, "F", NULL, "flush: delete every service (type the word flush)", V_EDIT, true,
	  edit_key_flush },
	{ { 'Y' }, "Y", NULL, "start or stop the connection sync daemon (a form)", V_EDIT, true,
	  edit_key_daemon },
	{ { 'u' }, "u", NULL, "undo the last change made here", V_EDIT, true, edit_key_undo },
#undef V_EDIT
};
const size_t key_table_len = sizeof(key_table) / sizeof(key_table[0]);

const struct key_binding *keys_lookup(int key, enum view v)
{
	for (size_t i = 0; i < key_table_len; i++) {
		const struct key_binding *b = &key_table[i];
		if (!(b->views & (1u << v)))
			continue;
		for (int j = 0; j < KEYS_PER_BINDING && b->keys[j]; j++)
			if (b->keys[j] == key)
				return b;
	}
	return NULL;
}

const char *keys_first_name(const struct key_binding *b, char *buf, size_t len)
{
	size_t n = strcspn(b->names, " ");
	snprintf(buf, len, "%.*s", (int)n, b->names);
	return buf;
}

/* The filter prompt: printable characters edit, Enter keeps the filter,
 * Esc drops it; every change re-filters at once. */
static int filter_input(struct app *a, int key)
{
	size_t n = strlen(a->filter);
	switch (key) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		a->filter_editing = false;
		return REDO_DRAW;
	case KEY_ESC:
	case KEY_F(3):
		a->filter_editing = false;
		a->filter[0] = 0;
		return REDO_ROWS | REDO_DRAW;
	case KEY_BACKSPACE:
	case 127:
	case CTRL('h'):
		if (!n)
			return 0;
		a->filter[n - 1] = 0;
		return REDO_ROWS | REDO_DRAW;
	case CTRL('u'):
		a->filter[0] = 0;
		return REDO_ROWS | REDO_DRAW;
	default:
		if (key >= 0x20 && key < 0x7f && n + 1 < sizeof(a->filter)) {
			a->filter[n] = (char)key;
			a->filter[n + 1] = 0;
			return REDO_ROWS | REDO_DRAW;
		}
		return 0;
	}
}

const char *keys_edit_off(const struct app *a)
{
	if (a->opts.source && !strcmp(a->opts.source, "remote"))
		return "--remote shows other directors";
	if (a->opts.read_only)
		return "--read-only";
	if (a->opts.source && strcmp(a->opts.source, "kernel"))
		return "replaying a recording";
	return NULL;
}

int keys_dispatch(struct app *a, int key)
{
	if (edit_ui_modal(a))
		return edit_ui_key(a, key); /* a form, question or drain panel is open */
	if (a->filter_editing)
		return filter_input(a, key);
	const struct key_binding *b = keys_lookup(key, a->view);
	if (!b)
		return 0;
	const char *off = b->edits ? keys_edit_off(a) : NULL;
	if (off) {
		snprintf(a->message, sizeof(a->message), "editing is off: %s", off);
		return REDO_DRAW;
	}
	a->message[0] = 0;
	return b->fn(a, key);
}
